/* test-hostile.c: the whole pipeline against hostile servers, one class at a time
 *
 * Each test runs the downloader (or the real binary, where the environment or
 * the process's memory is what is checked) against the in-process fake
 * server with faults of one class mixed among good items, and checks what
 * the issue asks of every class: every good item completes, every bad one
 * ends failed with a reason a person can read, and nothing is written
 * outside the download folder. Displayless; assertions are on behaviour,
 * never on durations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sg-downloader.h"
#include "sg-image.h"
#include "sg-pokemon.h"
#include "sg-fake-server.h"
#include "sg-test-utils.h"

/* What the issue allows a run against a hostile server to take. */
#define MAX_RSS_KB (300 * 1024)

/* ASan's shadow memory and quarantine are not the app's: no RSS bound there
 * (the binary under test is built like this test). */
#if defined(__SANITIZE_ADDRESS__)
# define SANITIZED 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define SANITIZED 1
# endif
#endif
#ifndef SANITIZED
# define SANITIZED 0
#endif

typedef struct {
  SgFakeServer *server;
  SgDownloader *downloader;
  char         *parent;   /* a temporary folder that holds only the download folder */
  char         *folder;
  gboolean      done;
  gboolean      ok;
  GError       *error;
  guint         finished_signals;
  guint         finished_after_run;
} Fixture;

/* ── Helpers ───────────────────────────────────────────────────────────── */

static void
on_item_finished (SgDownloader *downloader,
                  SgPokemon    *item,
                  Fixture      *f)
{
  f->finished_signals++;
  if (f->done)
    f->finished_after_run++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->parent = sg_test_make_tmp_dir ("sg-hostile");
  f->folder = g_build_filename (f->parent, "sprites", NULL);
  f->downloader = sg_downloader_new ();
  g_object_set (f->downloader,
                "decode-textures", FALSE,
                "folder", f->folder,
                /* Short limits keep the tests quick; every fault below ends
                 * well within them. */
                "deadline-ms", 4000,
                "io-timeout-ms", 1000,
                "backoff-ms", 20,
                NULL);
  g_signal_connect (f->downloader, "item-finished", G_CALLBACK (on_item_finished), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->downloader);
  g_clear_pointer (&f->server, sg_fake_server_free);
  g_clear_error (&f->error);
  sg_test_remove_tree (f->parent);
  g_free (f->folder);
  g_free (f->parent);
}

/* Creates the server (faults are added between this and serve()). */
static SgFakeServer *
server_new (Fixture *f,
            guint    count)
{
  f->server = sg_fake_server_new (count, 0);
  return f->server;
}

static void
serve (Fixture *f,
       guint    limit,
       guint    workers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;

  g_assert_true (sg_fake_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  base_url = sg_fake_server_dup_base_url (f->server);
  g_object_set (f->downloader, "base-url", base_url, "limit", limit, "workers", workers, NULL);
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fixture *f = user_data;

  g_clear_error (&f->error);
  f->ok = sg_downloader_run_finish (SG_DOWNLOADER (object), result, &f->error);
  f->done = TRUE;
}

static void
run (Fixture *f)
{
  f->done = FALSE;
  f->finished_signals = 0;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  sg_test_iterate_until (&f->done, 90);
}

/* Ids 1…1025 are list positions 1…1025; an entry the list spoils has id 0,
 * so items are found by position. */
static SgPokemon *
item_with_id (Fixture *f,
              guint    id)
{
  GListModel *items = sg_downloader_get_items (f->downloader);
  g_autoptr(SgPokemon) item = NULL;

  g_assert_cmpuint (id, >=, 1);
  g_assert_cmpuint (id, <=, g_list_model_get_n_items (items));
  item = g_list_model_get_item (items, id - 1);
  g_assert_true (sg_pokemon_get_id (item) == id || sg_pokemon_get_id (item) == 0);

  return item;  /* the model keeps it alive */
}

/* A sentence: valid UTF-8, no control characters, not a dump of the body. */
static void
assert_readable (const char *reason)
{
  g_assert_nonnull (reason);
  g_assert_true (g_utf8_validate (reason, -1, NULL));
  g_assert_cmpuint (strlen (reason), >, 10);
  g_assert_cmpuint (strlen (reason), <, 400);
  for (const char *p = reason; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

static void
assert_failed_because (Fixture    *f,
                       guint       id,
                       const char *because)
{
  SgPokemon *item = item_with_id (f, id);
  const char *reason = sg_pokemon_get_reason (item);

  g_test_message ("#%u: %s", id, reason);
  g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_FAILED);
  assert_readable (reason);
  if (strstr (reason, because) == NULL)
    g_error ("The reason for #%u, “%s”, does not say “%s”", id, reason, because);
  g_assert_null (sg_pokemon_get_path (item));
}

/* Every item but @bad (0-terminated) was downloaded, and the counts add up. */
static void
assert_others_downloaded (Fixture     *f,
                          const guint *bad)
{
  GListModel *items = sg_downloader_get_items (f->downloader);
  const SgRunStats *stats = sg_downloader_get_stats (f->downloader);
  guint n_bad = 0;

  while (bad[n_bad] != 0)
    n_bad++;

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (items, i);
      gboolean is_bad = FALSE;

      for (guint j = 0; j < n_bad; j++)
        is_bad |= i + 1 == bad[j];
      if (!is_bad)
        g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_DOWNLOADED);
    }

  g_assert_cmpuint (stats->downloaded, ==, stats->requested - n_bad);
  g_assert_cmpuint (stats->failed, ==, n_bad);
  g_assert_cmpuint (stats->downloaded + stats->stored + stats->missing + stats->failed, ==,
                    stats->requested);
  g_assert_cmpuint (f->finished_signals, ==, stats->requested);
  g_assert_cmpuint (f->finished_after_run, ==, 0);
}

/* Nothing outside the download folder; inside it only whole PNGs with safe
 * names, one per downloaded item. Returns how many. */
static guint
check_folder (Fixture *f)
{
  g_autoptr(GDir) parent = g_dir_open (f->parent, 0, NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GRegex) safe = g_regex_new ("^[0-9]{4,}-[a-z0-9][a-z0-9_-]{0,63}\\.png$", 0, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (parent)) != NULL)
    g_assert_cmpstr (name, ==, "sprites");

  dir = g_dir_open (f->folder, 0, NULL);
  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->folder, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      gsize length;

      if (!g_regex_match (safe, name, 0, NULL))
        g_error ("Unexpected file “%s” in the download folder", name);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      g_assert_false (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      texture = sg_image_decode (bytes, NULL);
      if (texture == NULL)
        g_error ("“%s” is not a whole PNG", name);
      n++;
    }

  g_assert_cmpuint (n, ==, sg_downloader_get_stats (f->downloader)->downloaded +
                           sg_downloader_get_stats (f->downloader)->stored);
  return n;
}

static guint
count_requests (Fixture    *f,
                const char *prefix)
{
  g_autoptr(GPtrArray) paths = sg_fake_server_dup_request_paths (f->server);
  guint n = 0;

  for (guint i = 0; i < paths->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (paths, i), prefix);

  return n;
}

/* ── Bodies: too large, endless, bombs ─────────────────────────────────── */

static void
test_oversized_bodies (Fixture       *f,
                       gconstpointer  data)
{
  static const guint bad[] = { 2, 4, 6, 0 };

  server_new (f, 12);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_HUGE_LENGTH, 2);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_ENDLESS, 4);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_GZIP_BOMB, 6);
  serve (f, 12, 4);
  run (f);

  g_assert_no_error (f->error);
  /* The cap, counted after decoding: not a timeout, not a JSON error. */
  assert_failed_because (f, 2, "larger than");
  assert_failed_because (f, 4, "larger than");
  assert_failed_because (f, 6, "larger than");
  assert_others_downloaded (f, bad);
  g_assert_cmpuint (check_folder (f), ==, 9);
}

/* ── Images ────────────────────────────────────────────────────────────── */

static void
test_bad_images (Fixture       *f,
                 gconstpointer  data)
{
  static const guint bad[] = { 2, 3, 5, 7, 0 };

  server_new (f, 10);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_HUGE_PNG, 2);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_TRUNCATED_PNG, 3);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NOT_PNG, 5);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_EMPTY_BODY, 7);
  serve (f, 10, 4);
  /* Textures on: the window's path, where a huge image would be decoded. */
  g_object_set (f->downloader, "decode-textures", TRUE, NULL);
  run (f);

  g_assert_no_error (f->error);
  assert_failed_because (f, 2, "8192×8192");
  assert_failed_because (f, 3, "PNG");
  assert_failed_because (f, 5, "not a PNG");
  assert_failed_because (f, 7, "empty");
  assert_others_downloaded (f, bad);
  g_assert_cmpuint (check_folder (f), ==, 6);
}

/* ── JSON ──────────────────────────────────────────────────────────────── */

static void
test_bad_details (Fixture       *f,
                  gconstpointer  data)
{
  static const guint bad[] = { 2, 3, 4, 5, 6, 7, 8, 0 };

  server_new (f, 10);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_INVALID_JSON, 2);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_WRONG_TYPES, 3);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_MISSING_KEYS, 4);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_SPRITES_NULL, 5);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_FILE_URL, 6);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_DATA_URL, 7);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_LIST_FILE_URL, 8);
  serve (f, 10, 4);
  run (f);

  g_assert_no_error (f->error);
  assert_failed_because (f, 2, "JSON");
  assert_failed_because (f, 3, "id");
  assert_failed_because (f, 4, "id");
  assert_failed_because (f, 5, "sprites");
  /* A data: URL holding a valid PNG is not followed, so nothing is stored. */
  assert_failed_because (f, 6, "not a URL");
  assert_failed_because (f, 7, "not a URL");
  assert_failed_because (f, 8, "not an http");
  assert_others_downloaded (f, bad);
  g_assert_cmpuint (check_folder (f), ==, 3);

  /* Nothing was asked for #8 (its URL was not http), or for sprites that
   * had no http URL. */
  g_assert_cmpuint (count_requests (f, "/api/v2/pokemon/8/"), ==, 0);
  g_assert_cmpuint (count_requests (f, "/sprites/"), ==, 3);
}

static void
test_bad_list (Fixture       *f,
               gconstpointer  data)
{
  const struct {
    SgFakeFault  fault;
    guint        limit;
    const char  *because;
  } cases[] = {
    { SG_FAKE_FAULT_LIST_NO_RESULTS, 10, "results" },
    { SG_FAKE_FAULT_LIST_COUNT_STRING, 10, "count" },
    { SG_FAKE_FAULT_LIST_COUNT_STRING, 0, "count" },
    { SG_FAKE_FAULT_INVALID_JSON, 10, NULL },  /* a control: the list itself is fine */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_pointer (&f->server, sg_fake_server_free);
      server_new (f, 10);
      sg_fake_server_add_fault (f->server, cases[i].fault, 1);
      serve (f, cases[i].limit, 4);
      run (f);

      if (cases[i].because == NULL)
        {
          g_assert_no_error (f->error);
          g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requested, ==, 10);
          continue;
        }

      g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_LIST);
      g_test_message ("%s", f->error->message);
      assert_readable (f->error->message);
      g_assert_nonnull (strstr (f->error->message, cases[i].because));
      g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requested, ==, 0);
      /* One request: a list that cannot be read is not asked for again. */
      g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 1);
      g_assert_cmpuint (check_folder (f), ==, 0);
    }
}

/* ── URLs and redirects ────────────────────────────────────────────────── */

static void
test_redirects (Fixture       *f,
                gconstpointer  data)
{
  static const guint bad[] = { 2, 3, 4, 0 };

  server_new (f, 8);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_REDIRECT_FILE, 2);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_REDIRECT_DATA, 3);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_REDIRECT_LOOP, 4);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_REDIRECT_CHAIN, 5);
  serve (f, 8, 4);
  run (f);

  g_assert_no_error (f->error);
  assert_failed_because (f, 2, "“file”");
  /* The data: URL holds a valid PNG: following it would have stored it. */
  assert_failed_because (f, 3, "“data”");
  assert_failed_because (f, 4, "redirects");
  /* A chain of three is fine. */
  assert_others_downloaded (f, bad);
  g_assert_cmpuint (check_folder (f), ==, 5);
  /* The loop was cut after a few hops and not retried. */
  g_assert_cmpuint (count_requests (f, "/sprites/pokemon/4.png"), <=, 6);
  g_assert_cmpuint (count_requests (f, "/sprites/pokemon/5.png"), ==, 4);
}

/* ── Slow, broken and rate-limited servers ─────────────────────────────── */

static void
test_slow_drip (Fixture       *f,
                gconstpointer  data)
{
  static const guint bad[] = { 3, 0 };

  server_new (f, 8);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_SLOW_DRIP, 3);
  serve (f, 8, 4);
  /* Each byte comes well within the I/O timeout: only the deadline can
   * end it (the sprite is ~1 KB: half an hour at one byte a second). */
  g_object_set (f->downloader, "deadline-ms", 4000, "io-timeout-ms", 3000, NULL);
  run (f);

  g_assert_no_error (f->error);
  assert_failed_because (f, 3, "too slowly");
  assert_others_downloaded (f, bad);
  g_assert_cmpuint (check_folder (f), ==, 7);
}

static void
test_resets (Fixture       *f,
             gconstpointer  data)
{
  static const guint bad[] = { 3, 0 };

  server_new (f, 8);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_RESET_ALWAYS, 3);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_RESET, 5);  /* once, then fine */
  serve (f, 8, 4);
  run (f);

  g_assert_no_error (f->error);
  assert_failed_because (f, 3, "broke");
  assert_others_downloaded (f, bad);
  /* Three attempts, no more. */
  g_assert_cmpuint (count_requests (f, "/sprites/pokemon/3.png"), ==, 3);
  g_assert_cmpuint (count_requests (f, "/sprites/pokemon/5.png"), ==, 2);
  g_assert_cmpuint (check_folder (f), ==, 7);
}

static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  static const guint bad[] = { 0 };

  server_new (f, 8);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_TOO_MANY_REQUESTS, 2);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_SERVICE_UNAVAILABLE, 6);
  serve (f, 8, 4);
  run (f);

  g_assert_no_error (f->error);
  assert_others_downloaded (f, bad);
  g_assert_cmpuint (count_requests (f, "/api/v2/pokemon/2/"), ==, 3);
  g_assert_cmpuint (count_requests (f, "/api/v2/pokemon/6/"), ==, 3);
  g_assert_cmpuint (check_folder (f), ==, 8);
}

/* A host that answers 429 to everything is backed off as a whole: after the
 * first round (the W requests sent before any answer came), it sees one
 * request at a time, each after the Retry-After it asked for; never W
 * workers retrying at once, three times each. */
static void
test_429_everything (Fixture       *f,
                     gconstpointer  data)
{
  const guint workers = 32;
  guint n_requests;

  server_new (f, workers);
  for (guint id = 1; id <= workers; id++)
    sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_RATE_LIMITED, id);
  serve (f, workers, workers);
  g_object_set (f->downloader, "deadline-ms", 5000, NULL);
  run (f);

  g_assert_no_error (f->error);
  for (guint id = 1; id <= workers; id++)
    assert_failed_because (f, id, "429");
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->failed, ==, workers);

  /* The list, at most a first round (requests sent before the first 429
   * came back), and a probe now and then within the 5 s deadline
   * (Retry-After: 2); hammering would be 3 × 32 detail requests. */
  n_requests = sg_fake_server_get_n_requests (f->server);
  g_test_message ("%u requests", n_requests);
  g_assert_cmpuint (n_requests, >=, 2);
  g_assert_cmpuint (n_requests, <=, 1 + workers + 4);
  g_assert_cmpuint (check_folder (f), ==, 0);
}

/* ── Names ─────────────────────────────────────────────────────────────── */

static void
test_names (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (300, 'a');
  const char *names[] = {
    long_name,
    "../../../../tmp/escape",
    "/etc/passwd",
    "a/b\\c",
    ".",
    "..",
    "",
    ".hidden",
    "-rf",
    "--help",
    "\x1b[31mred\x1b[0m",
    "tab\there\nnewline\r",
    "\xe2\x80\xae" "gnp.exe",       /* right-to-left override */
    "%2e%2e%2f%2e%2e%2fx",
    "Mew",
    "mew",
    "same",
    "same",
    "~",
    "$(touch pwned)",
  };
  const guint nul_id = G_N_ELEMENTS (names) + 1;
  g_autoptr(GDir) dir = NULL;
  const char *entry;
  const SgRunStats *stats;

  server_new (f, nul_id);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    sg_fake_server_set_name (f->server, i + 1, names[i]);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NAME_NUL, nul_id);
  serve (f, nul_id, 4);
  run (f);

  g_assert_no_error (f->error);
  stats = sg_downloader_get_stats (f->downloader);
  /* Every one has its own file: the id keeps duplicates apart. */
  g_assert_cmpuint (stats->downloaded, ==, nul_id);
  g_assert_cmpuint (check_folder (f), ==, nul_id);

  dir = g_dir_open (f->folder, 0, NULL);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_assert_cmpuint (strlen (entry), <=, 4 + 1 + 64 + 4);
}

/* ── The real binary: proxy and memory ─────────────────────────────────── */

typedef struct {
  int    status;
  char  *out;
  char  *err;
} Spawned;

static void
spawned_clear (Spawned *s)
{
  g_clear_pointer (&s->out, g_free);
  g_clear_pointer (&s->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Spawned, spawned_clear)

static gboolean
have_binary (void)
{
  if (g_getenv ("SG_BINARY") == NULL)
    {
      g_test_skip ("SG_BINARY is not set");
      return FALSE;
    }

  return TRUE;
}

/* Runs `sprite-gallery --download-only ARGS…` with @env_set ("NAME=VALUE"…)
 * added to the environment and @env_unset removed. */
static void
spawn_headless (const char * const *args,
                const char * const *env_set,
                const char * const *env_unset,
                Spawned            *result)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  g_strv_builder_add (builder, g_getenv ("SG_BINARY"));
  g_strv_builder_add (builder, "--download-only");
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; env_set != NULL && env_set[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (env_set[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  for (guint i = 0; env_unset != NULL && env_unset[i] != NULL; i++)
    g_subprocess_launcher_unsetenv (launcher, env_unset[i]);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  /* Bounded by the app's own deadlines (30 s a request). */
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", result->out, result->err);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit status %d", result->status);
}

/* A port nothing listens on: a server started and stopped. */
static char *
dup_dead_base_url (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (1, 0);

  g_assert_true (sg_fake_server_start (server, 0, NULL));
  return sg_fake_server_dup_base_url (server);
}

static const char * const proxy_env_unset[] = {
  /* The test environment may pin GLib to the dummy resolver; the app
   * must meet the system's (libproxy reads http_proxy). In a GNOME session
   * GIO would pick the GNOME resolver, which reads GSettings instead. */
  "GIO_USE_PROXY_RESOLVER", "XDG_CURRENT_DESKTOP", "GNOME_DESKTOP_SESSION_ID",
  "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "HTTPS_PROXY", "https_proxy", NULL
};

/* The server's address is dead; the proxy (the fake server itself, which
 * takes absolute-URI requests) is the only way there. */
static void
test_proxy_used (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dead = dup_dead_base_url ();
  g_autofree char *proxy = NULL;
  g_autofree char *proxy_env = NULL;
  g_auto(Spawned) result = { 0 };

  if (!have_binary ())
    return;

  server_new (f, 10);
  serve (f, 5, 2);
  proxy = sg_fake_server_dup_base_url (f->server);
  *strstr (proxy, "/api/v2/") = '\0';
  proxy_env = g_strconcat ("http_proxy=", proxy, NULL);

  spawn_headless ((const char *[]) { "--base-url", dead, "-n", "5", "-o", f->folder, NULL },
                  (const char *[]) { proxy_env, NULL }, proxy_env_unset, &result);

  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "5 downloaded"));
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 11);
}

static void
test_proxy_failing (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dead = dup_dead_base_url ();
  g_autofree char *base_url = NULL;
  g_autofree char *proxy_env = NULL;
  g_auto(Spawned) result = { 0 };

  if (!have_binary ())
    return;

  server_new (f, 10);
  serve (f, 5, 2);
  base_url = sg_fake_server_dup_base_url (f->server);
  *strstr (dead, "/api/v2/") = '\0';
  proxy_env = g_strconcat ("http_proxy=", dead, NULL);

  spawn_headless ((const char *[]) { "--base-url", base_url, "-n", "5", "-o", f->folder, NULL },
                  (const char *[]) { proxy_env, NULL }, proxy_env_unset, &result);

  /* The list could not be had, and the message says it was the proxy. */
  g_assert_cmpint (result.status, ==, 2);
  g_assert_nonnull (strstr (result.err, "proxy"));
  g_assert_nonnull (strstr (result.err, dead + strlen ("http://")));
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
}

static JsonObject *
read_stats (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Every fault that sends a lot (or decodes to a lot) at once, in the real
 * binary: its peak RSS stays under the bound, and only the bad ones fail. */
static void
test_rss (Fixture       *f,
          gconstpointer  data)
{
  static const SgFakeFault faults[] = {
    SG_FAKE_FAULT_HUGE_LENGTH, SG_FAKE_FAULT_ENDLESS, SG_FAKE_FAULT_GZIP_BOMB,
    SG_FAKE_FAULT_HUGE_PNG, SG_FAKE_FAULT_TRUNCATED_PNG, SG_FAKE_FAULT_REDIRECT_LOOP,
  };
  g_autofree char *stats_path = g_build_filename (g_get_tmp_dir (), "sg-hostile-stats.json", NULL);
  g_autofree char *base_url = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_auto(Spawned) result = { 0 };
  const guint n = 40;
  gint64 rss_kb;

  if (!have_binary ())
    return;

  server_new (f, n);
  /* Each fault on several ids, so that W = 8 workers meet them together. */
  for (guint id = 1; id <= n; id += 2)
    sg_fake_server_add_fault (f->server, faults[(id / 2) % G_N_ELEMENTS (faults)], id);
  serve (f, n, 8);
  base_url = sg_fake_server_dup_base_url (f->server);

  spawn_headless ((const char *[]) { "--base-url", base_url, "-n", "40", "-w", "8",
                                     "-o", f->folder, "--stats", stats_path, NULL },
                  NULL, NULL, &result);
  g_assert_cmpint (result.status, ==, 1);
  stats = read_stats (stats_path);
  g_unlink (stats_path);

  g_assert_cmpint (json_object_get_int_member (stats, "failed"), ==, n / 2);
  g_assert_cmpint (json_object_get_int_member (stats, "downloaded"), ==, n / 2);
  rss_kb = json_object_get_int_member (stats, "rss_kb");
  g_test_message ("peak RSS %" G_GINT64_FORMAT " kB", rss_kb);
  g_assert_cmpint (rss_kb, >, 0);
#if SANITIZED
  g_test_message ("Built with AddressSanitizer: the RSS bound is not checked");
#else
  g_assert_cmpint (rss_kb, <, MAX_RSS_KB);
#endif
}

/* ── Threads: W = 32, faults, cancellation at random moments ───────────── */

typedef struct {
  GHashTable   *finished;   /* SgPokemon* set */
  guint         n_callbacks;
  gboolean      done;
  gboolean      ok;
  GError       *error;
  guint         after_done;
} Stress;

static void
stress_item_finished (SgDownloader *downloader,
                      SgPokemon    *item,
                      Stress       *s)
{
  /* Exactly once per item, and never after the run's own callback. */
  g_assert_false (g_hash_table_contains (s->finished, item));
  g_hash_table_add (s->finished, item);
  g_assert_true (sg_item_state_is_final (sg_pokemon_get_state (item)));
  if (s->done)
    s->after_done++;
}

static void
stress_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Stress *s = user_data;

  s->n_callbacks++;
  s->ok = sg_downloader_run_finish (SG_DOWNLOADER (object), result, &s->error);
  s->done = TRUE;
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  GCancellable *cancellable = data;

  g_usleep (g_random_int_range (0, 300) * 1000);
  g_cancellable_cancel (cancellable);
  return NULL;
}

static void
test_stress (Fixture       *f,
             gconstpointer  data)
{
  const SgFakeFault faults[] = {
    SG_FAKE_FAULT_RESET, SG_FAKE_FAULT_STALL, SG_FAKE_FAULT_SERVICE_UNAVAILABLE,
    SG_FAKE_FAULT_TOO_MANY_REQUESTS, SG_FAKE_FAULT_RESET_ALWAYS, SG_FAKE_FAULT_NOT_PNG,
    SG_FAKE_FAULT_ENDLESS, SG_FAKE_FAULT_INVALID_JSON, SG_FAKE_FAULT_TRUNCATED_PNG,
    SG_FAKE_FAULT_NOT_FOUND, SG_FAKE_FAULT_REDIRECT_CHAIN, SG_FAKE_FAULT_NULL_SPRITE,
  };
  const guint n = 96;
  const guint iterations = g_test_slow () ? 60 : 16;
  g_autofree char *base_url = NULL;

  f->server = sg_fake_server_new (n, 2);
  for (guint id = 1; id <= n; id++)
    if (id % 3 != 0)
      sg_fake_server_add_fault (f->server, faults[id % G_N_ELEMENTS (faults)], id);
  g_assert_true (sg_fake_server_start (f->server, 0, NULL));
  base_url = sg_fake_server_dup_base_url (f->server);

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(SgDownloader) downloader = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GThread) thread = NULL;
      Stress s = { g_hash_table_new (NULL, NULL), 0, };
      guint how = i % 4;
      guint timeout_id = 0;

      /* A new downloader each time, or the fixture's one again (its pool
       * of threads is kept between runs). */
      downloader = i % 2 == 0 ? sg_downloader_new () : g_object_ref (f->downloader);
      g_object_set (downloader,
                    "base-url", base_url,
                    "folder", f->folder,
                    "limit", n,
                    "workers", SG_MAX_WORKERS,
                    "decode-textures", i % 3 == 0,
                    "deadline-ms", 2000,
                    "io-timeout-ms", 1000,
                    "backoff-ms", 10,
                    NULL);
      g_signal_connect (downloader, "item-finished", G_CALLBACK (stress_item_finished), &s);

      sg_downloader_run_async (downloader, cancellable, stress_done, &s);
      if (how == 0)
        timeout_id = g_timeout_add (g_random_int_range (0, 400), cancel_cb, cancellable);
      else if (how == 1)
        thread = g_thread_new ("cancel", cancel_thread, cancellable);
      else if (how == 2)
        g_cancellable_cancel (cancellable);  /* before anything ran */
      /* how == 3: to the end (stalled sprites time out) */

      sg_test_iterate_until (&s.done, 60);
      if (thread != NULL)
        g_thread_join (g_steal_pointer (&thread));
      if (timeout_id != 0 && !g_cancellable_is_cancelled (cancellable))
        g_source_remove (timeout_id);

      g_assert_cmpuint (s.n_callbacks, ==, 1);
      g_assert_false (sg_downloader_is_running (downloader));
      if (s.ok)
        {
          const SgRunStats *stats = sg_downloader_get_stats (downloader);

          g_assert_cmpuint (g_hash_table_size (s.finished), ==, n);
          g_assert_cmpuint (stats->downloaded + stats->stored + stats->missing + stats->failed,
                            ==, n);
        }
      else
        {
          g_assert_error (s.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_cmpuint (g_hash_table_size (s.finished), <=, n);
        }

      /* Anything still on its way would arrive now. */
      sg_test_wait (50);
      g_assert_cmpuint (s.after_done, ==, 0);
      g_assert_cmpuint (s.n_callbacks, ==, 1);

      g_signal_handlers_disconnect_by_data (downloader, &s);
      g_hash_table_unref (s.finished);
      g_clear_error (&s.error);
      /* The last reference goes here for the new ones: finalize joins the
       * pool while the fake server may still be writing to them. */
    }

  /* After all those runs stopped at random moments, one more to the end:
   * the folder holds only whole sprites, each counted once. */
  g_object_set (f->downloader, "deadline-ms", 2000, NULL);
  run (f);
  g_assert_no_error (f->error);
  g_assert_cmpuint (check_folder (f), ==, sg_downloader_get_stats (f->downloader)->downloaded +
                                          sg_downloader_get_stats (f->downloader)->stored);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/hostile/body/oversized-endless-bomb", test_oversized_bodies);
  ADD ("/hostile/image/huge-truncated-html-empty", test_bad_images);
  ADD ("/hostile/json/details", test_bad_details);
  ADD ("/hostile/json/list", test_bad_list);
  ADD ("/hostile/url/redirects", test_redirects);
  ADD ("/hostile/slow/drip", test_slow_drip);
  ADD ("/hostile/slow/resets", test_resets);
  ADD ("/hostile/retry/429-and-503-retry-after", test_retry_after);
  ADD ("/hostile/retry/429-everything-backs-off-host", test_429_everything);
  ADD ("/hostile/names", test_names);
  ADD ("/hostile/proxy/used", test_proxy_used);
  ADD ("/hostile/proxy/failing", test_proxy_failing);
  ADD ("/hostile/rss/headless", test_rss);
  ADD ("/hostile/stress/w32-cancel", test_stress);

#undef ADD

  return g_test_run ();
}
