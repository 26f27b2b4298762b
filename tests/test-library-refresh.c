/* test-library-refresh.c: the library across launches: the index, offline,
 * revalidation, variants and visible-first ordering
 *
 * Displayless, against the in-process fake server. Every "launch" is a new
 * SgDownloader on the same folder and index, as a relaunched app would be.
 * Tests assert behaviour, never durations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>

#include "sg-downloader.h"
#include "sg-pokemon.h"
#include "sg-fake-server.h"
#include "sg-test-utils.h"

typedef struct {
  SgFakeServer *server;
  SgDownloader *downloader;
  char         *parent;      /* holds the folder and the index, nothing else */
  char         *folder;
  char         *index_path;
  char         *base_url;
  gboolean      done;
  gboolean      ok;
  GError       *error;
  GArray       *finished;    /* item positions, in the order they finished */
  guint         prioritize_at; /* + 1; 0 for none */
} Fixture;

static void
on_item_finished (SgDownloader *downloader,
                  SgPokemon    *item,
                  Fixture      *f)
{
  guint position = 0;

  for (guint i = 0; i < g_list_model_get_n_items (sg_downloader_get_items (downloader)); i++)
    {
      g_autoptr(SgPokemon) other = g_list_model_get_item (sg_downloader_get_items (downloader), i);

      if (other == item)
        position = i;
    }
  g_array_append_val (f->finished, position);

  /* As the grid does when a far tile scrolls into view. */
  if (f->prioritize_at > 0)
    {
      g_autoptr(SgPokemon) far = g_list_model_get_item (sg_downloader_get_items (downloader),
                                                        f->prioritize_at - 1);

      sg_downloader_prioritize (downloader, far);
      f->prioritize_at = 0;
    }
}

/* A new downloader, as a new launch of the app makes. */
static void
launch (Fixture *f,
        guint    limit)
{
  g_clear_object (&f->downloader);
  f->downloader = sg_downloader_new ();
  g_object_set (f->downloader,
                "base-url", f->base_url,
                "folder", f->folder,
                "index-path", f->index_path,
                "limit", limit,
                "workers", 4,
                "deadline-ms", 4000,
                "io-timeout-ms", 1000,
                "backoff-ms", 20,
                NULL);
  g_signal_connect (f->downloader, "item-finished", G_CALLBACK (on_item_finished), f);
  g_array_set_size (f->finished, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->parent = sg_test_make_tmp_dir ("sg-refresh");
  f->folder = g_build_filename (f->parent, "sprites", NULL);
  f->index_path = g_build_filename (f->parent, "index.json", NULL);
  f->finished = g_array_new (FALSE, FALSE, sizeof (guint));

  f->server = sg_fake_server_new (100, 0);
  g_assert_true (sg_fake_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  f->base_url = sg_fake_server_dup_base_url (f->server);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->downloader);
  g_clear_pointer (&f->server, sg_fake_server_free);
  g_clear_error (&f->error);
  g_clear_pointer (&f->finished, g_array_unref);
  sg_test_remove_tree (f->parent);
  g_free (f->folder);
  g_free (f->index_path);
  g_free (f->base_url);
  g_free (f->parent);
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

static const SgRunStats *
run (Fixture *f)
{
  f->done = FALSE;
  sg_fake_server_reset_counters (f->server);
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  sg_test_iterate_until (&f->done, 60);

  return sg_downloader_get_stats (f->downloader);
}

static guint
count_paths (Fixture    *f,
             const char *prefix)
{
  g_autoptr(GPtrArray) paths = sg_fake_server_dup_request_paths (f->server);
  guint n = 0;

  for (guint i = 0; i < paths->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (paths, i), prefix))
      n++;

  return n;
}

#define LIST_PATH    "/api/v2/pokemon?"
#define DETAIL_PATH  "/api/v2/pokemon/"
#define SPRITE_PATH  "/sprites/"

static SgPokemon *
item_at (Fixture *f,
         guint    position)
{
  return g_list_model_get_item (sg_downloader_get_items (f->downloader), position);
}

/* The checksum of every file under @folder, by relative path. */
static GHashTable *
snapshot (const char *folder,
          const char *prefix,
          GHashTable *table)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  if (table == NULL)
    table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (dir == NULL)
    return table;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autofree char *relpath = prefix != NULL ? g_build_filename (prefix, name, NULL)
                                                : g_strdup (name);
      g_autofree char *contents = NULL;
      g_autofree char *checksum = NULL;
      struct stat st;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          snapshot (path, relpath, table);
          continue;
        }

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      checksum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
      /* Bytes, inode and modification time: a 304 must not even rewrite a
       * file (an atomic write would give it a new inode). */
      g_hash_table_insert (table, g_steal_pointer (&relpath),
                           g_strdup_printf ("%s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld",
                                            checksum, (guint64) st.st_ino,
                                            (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec));
    }

  return table;
}

static void
assert_same_files (GHashTable *before,
                   GHashTable *after)
{
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (before), ==, g_hash_table_size (after));
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (after, key), ==, value);
}

/* Makes everything in the index look checked long ago, as after a day. */
static void
age_index (Fixture *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *entries;

  json_parser_load_from_file (parser, f->index_path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  entries = json_object_get_array_member (root, "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *files = json_object_get_object_member (json_array_get_object_element (entries, i),
                                                         "files");
      g_autoptr(GList) members = json_object_get_members (files);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_int_member (json_object_get_object_member (files, l->data), "checked", 1);
    }
  json_object_set_int_member (json_object_get_object_member (root, "list"), "checked", 1);

  json_generator_set_root (generator, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (generator, f->index_path, &error));
  g_assert_no_error (error);
}

static void
test_restart_reloads_library (Fixture       *f,
                              gconstpointer  data)
{
  const SgRunStats *stats;

  launch (f, 30);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->downloaded, ==, 30);
  g_assert_true (g_file_test (f->index_path, G_FILE_TEST_IS_REGULAR));

  /* Relaunch: every stored sprite is shown from the library, with its
   * texture and details, and within max-age nothing is asked at all. */
  launch (f, 30);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->stored, ==, 30);
  g_assert_cmpuint (stats->stored_shown, ==, 30);
  g_assert_cmpuint (stats->downloaded, ==, 0);
  g_assert_cmpuint (stats->requests, ==, 0);
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
  g_assert_cmpint (stats->t_stored_us, >, 0);
  g_assert_cmpuint (sg_downloader_get_n_stored (f->downloader), ==, 30);
  g_assert_cmpuint (sg_downloader_get_server_count (f->downloader), ==, 100);

  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(SgPokemon) item = item_at (f, i);

      g_assert_cmpuint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_STORED);
      g_assert_nonnull (sg_pokemon_get_texture (item));
      g_assert_true (sg_pokemon_has_details (item));
      g_assert_nonnull (sg_pokemon_get_types (item)[0]);
      g_assert_cmpuint (sg_pokemon_get_height (item), >, 0);
      g_assert_nonnull (sg_pokemon_get_sprite_url (item, SG_VARIANT_FRONT_DEFAULT));
    }
}

static void
test_corrupt_index_rebuilt (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const SgRunStats *stats;

  launch (f, 30);
  run (f);
  g_assert_true (f->ok);
  before = snapshot (f->folder, NULL, NULL);

  g_assert_true (g_file_set_contents (f->index_path, "{\"version\": 1, \"entries\": [{", -1, NULL));

  /* Rebuilt from the folder: nothing is lost, nothing downloaded again. */
  launch (f, 30);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->stored, ==, 30);
  g_assert_cmpuint (stats->downloaded, ==, 0);
  g_assert_cmpuint (count_paths (f, SPRITE_PATH), ==, 0);
  /* Only the list: a rebuilt entry counts as checked at rebuild time. */
  g_assert_cmpuint (count_paths (f, LIST_PATH), ==, 1);
  g_assert_cmpuint (count_paths (f, DETAIL_PATH), ==, 0);
  after = snapshot (f->folder, NULL, NULL);
  assert_same_files (before, after);

  /* And written whole again. */
  json_parser_load_from_file (parser, f->index_path, &error);
  g_assert_no_error (error);
}

static void
test_not_modified_keeps_file (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  const SgRunStats *stats;

  launch (f, 20);
  run (f);
  g_assert_true (f->ok);
  before = snapshot (f->folder, NULL, NULL);

  /* A day later: the list and every file are revalidated with the ETag
   * they came with; the server answers 304 to each. */
  age_index (f);
  launch (f, 20);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->stored, ==, 20);
  g_assert_cmpuint (stats->not_modified, ==, 20);
  g_assert_cmpuint (stats->updated, ==, 0);
  g_assert_cmpuint (stats->downloaded, ==, 0);
  g_assert_cmpuint (count_paths (f, LIST_PATH), ==, 1);
  g_assert_cmpuint (count_paths (f, SPRITE_PATH), ==, 20);
  g_assert_cmpuint (count_paths (f, DETAIL_PATH), ==, 0);
  /* A 304 only comes back for a matching If-None-Match. */
  g_assert_cmpuint (sg_fake_server_get_n_not_modified (f->server), ==, 21);
  after = snapshot (f->folder, NULL, NULL);
  assert_same_files (before, after);

  /* Now fresh again: the next launch asks nothing. */
  launch (f, 20);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
}

static void
test_variant_switch (Fixture       *f,
                     gconstpointer  data)
{
  const SgRunStats *stats;

  launch (f, 10);
  run (f);
  g_assert_true (f->ok);

  /* Another variant: only its sprites; the details are in the index. */
  g_object_set (f->downloader, "variant", SG_VARIANT_BACK_DEFAULT, NULL);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->downloaded, ==, 10);
  g_assert_cmpuint (count_paths (f, SPRITE_PATH), ==, 10);
  g_assert_cmpuint (count_paths (f, DETAIL_PATH), ==, 0);
  g_assert_cmpuint (count_paths (f, LIST_PATH), ==, 0);

  /* And back: all stored, nothing fetched. */
  g_object_set (f->downloader, "variant", SG_VARIANT_FRONT_DEFAULT, NULL);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->stored, ==, 10);
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
}

static void
test_visible_first (Fixture       *f,
                    gconstpointer  data)
{
  /* One worker, so the order of completions is the order of the queue.
   * When the first item finishes, #31 "scrolls into view". */
  launch (f, 40);
  g_object_set (f->downloader, "workers", 1, NULL);
  f->prioritize_at = 30 + 1;
  run (f);
  g_assert_true (f->ok);

  g_assert_cmpuint (f->finished->len, ==, 40);
  g_assert_cmpuint (g_array_index (f->finished, guint, 0), ==, 0);
  /* Next, before the 28 that were queued ahead of it. */
  g_assert_cmpuint (g_array_index (f->finished, guint, 1), ==, 30);
}

static void
test_offline_shows_library (Fixture       *f,
                            gconstpointer  data)
{
  const SgRunStats *stats;

  launch (f, 20);
  run (f);
  g_assert_true (f->ok);

  /* The server goes away; the app asks for more than it has stored, so
   * it must ask for the list, and cannot. */
  g_clear_pointer (&f->server, sg_fake_server_free);
  launch (f, 30);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  sg_test_iterate_until (&f->done, 60);

  g_assert_false (f->ok);
  g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE);
  g_assert_true (sg_downloader_get_offline (f->downloader));
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->stored_shown, ==, 20);
  g_assert_cmpuint (stats->failed, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 20);
  g_assert_cmpuint (sg_downloader_get_n_stored (f->downloader), ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(SgPokemon) item = item_at (f, i);

      g_assert_cmpuint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_STORED);
      g_assert_nonnull (sg_pokemon_get_texture (item));
    }
}

static void
assert_all_stored_shown (Fixture *f,
                         guint    n)
{
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, n);
  g_assert_cmpuint (sg_downloader_get_n_stored (f->downloader), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SgPokemon) item = item_at (f, i);

      g_assert_cmpuint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_STORED);
      g_assert_nonnull (sg_pokemon_get_texture (item));
    }
}

static void
test_offline_stale_list (Fixture       *f,
                         gconstpointer  data)
{
  launch (f, 20);
  run (f);
  g_assert_true (f->ok);

  /* A day later, offline, with no back-off: the list fails at once, long
   * before 20 sprites could be decoded. They are shown all the same. */
  age_index (f);
  g_clear_pointer (&f->server, sg_fake_server_free);
  launch (f, 20);
  g_object_set (f->downloader, "backoff-ms", 0, NULL);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  sg_test_iterate_until (&f->done, 60);

  g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE);
  assert_all_stored_shown (f, 20);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->stored_shown, ==, 20);
}

static void
test_stop_shows_library (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  launch (f, 20);
  run (f);
  g_assert_true (f->ok);

  /* Stopped at once (Escape as the window opens): no request, but the
   * library is still shown. */
  age_index (f);
  launch (f, 20);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, cancellable, run_done, f);
  g_cancellable_cancel (cancellable);
  sg_test_iterate_until (&f->done, 60);

  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_all_stored_shown (f, 20);
}

static void
test_rebuilt_index_offline (Fixture       *f,
                            gconstpointer  data)
{
  launch (f, 20);
  run (f);
  g_assert_true (f->ok);

  /* No index at all, and no server: the folder alone still shows. */
  g_assert_cmpint (g_unlink (f->index_path), ==, 0);
  g_clear_pointer (&f->server, sg_fake_server_free);
  launch (f, 20);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  sg_test_iterate_until (&f->done, 60);

  g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE);
  assert_all_stored_shown (f, 20);
}

static void
test_refresh_keeps_items (Fixture       *f,
                          gconstpointer  data)
{
  launch (f, 20);
  run (f);
  g_assert_true (f->ok);

  /* Refresh: the grid keeps showing the items until the new run's list
   * replaces them, and a run that cannot get one leaves them there. */
  g_clear_pointer (&f->server, sg_fake_server_free);
  g_object_set (f->downloader, "limit", 30, NULL);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 20);
  sg_test_iterate_until (&f->done, 60);
  g_assert_false (f->ok);
  assert_all_stored_shown (f, 20);
}

static void
test_invalid_png_set_aside (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(SgPokemon) first = NULL;
  g_autofree char *path = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  const SgRunStats *stats;

  launch (f, 10);
  run (f);
  g_assert_true (f->ok);

  /* Cut short in the middle, with a whole header and end: only decoding
   * finds out. */
  first = item_at (f, 0);
  path = g_strdup (sg_pokemon_get_path (first));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  memset (contents + 40, 0, length - 60);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));

  launch (f, 10);
  stats = run (f);
  g_assert_true (f->ok);
  g_assert_cmpuint (stats->stored, ==, 9);
  g_assert_cmpuint (stats->downloaded, ==, 1);
  aside = g_strconcat (path, ".invalid", NULL);
  g_assert_true (g_file_test (aside, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

typedef struct {
  guint64  bytes;
  guint    n_files;
  gboolean done;
} Usage;

static void
measured (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Usage *out = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sg_downloader_measure_library_finish (SG_DOWNLOADER (object), result,
                                                       &out->bytes, &out->n_files, &error));
  g_assert_no_error (error);
  out->done = TRUE;
}

static void
cleared (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sg_downloader_clear_library_finish (SG_DOWNLOADER (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_clear_library (Fixture       *f,
                    gconstpointer  data)
{
  Usage usage = { 0, 0, FALSE };
  gboolean done = FALSE;
  g_autofree char *other = g_build_filename (f->folder, "notes.txt", NULL);

  launch (f, 10);
  run (f);
  g_assert_true (f->ok);
  g_assert_true (g_file_set_contents (other, "mine", -1, NULL));

  sg_downloader_measure_library_async (f->downloader, NULL, measured, &usage);
  sg_test_iterate_until (&usage.done, 60);
  g_assert_cmpuint (usage.n_files, ==, 10);
  g_assert_cmpuint (usage.bytes, >, 10 * 67);

  sg_downloader_clear_library_async (f->downloader, NULL, cleared, &done);
  sg_test_iterate_until (&done, 60);
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 0);
  g_assert_false (g_file_test (f->index_path, G_FILE_TEST_EXISTS));
  /* Only what the app stored: the user's own file stays. */
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));

  memset (&usage, 0, sizeof usage);
  sg_downloader_measure_library_async (f->downloader, NULL, measured, &usage);
  sg_test_iterate_until (&usage.done, 60);
  g_assert_cmpuint (usage.n_files, ==, 0);

  /* The next run downloads everything again. */
  g_assert_cmpuint (run (f)->downloaded, ==, 10);
}

typedef struct {
  GdkTexture *texture;
  char       *path;
  GError     *error;
  gboolean    done;
} Fetched;

static void
fetched (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fetched *out = user_data;

  out->texture = sg_downloader_fetch_variant_finish (SG_DOWNLOADER (object), result,
                                                     &out->path, &out->error);
  out->done = TRUE;
}

static void
test_fetch_variant (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SgPokemon) item = NULL;
  Fetched first = { 0, }, again = { 0, };

  launch (f, 5);
  run (f);
  g_assert_true (f->ok);
  item = item_at (f, 0);

  /* Between runs, on demand, into the library's shiny subfolder. */
  sg_fake_server_reset_counters (f->server);
  sg_downloader_fetch_variant_async (f->downloader, item, SG_VARIANT_FRONT_SHINY, NULL,
                                     fetched, &first);
  sg_test_iterate_until (&first.done, 60);
  g_assert_no_error (first.error);
  g_assert_true (GDK_IS_TEXTURE (first.texture));
  g_assert_true (g_str_has_prefix (first.path, f->folder));
  g_assert_nonnull (strstr (first.path, "front_shiny"));
  g_assert_true (g_file_test (first.path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 1);

  /* Stored now: the second time costs no request. */
  sg_downloader_fetch_variant_async (f->downloader, item, SG_VARIANT_FRONT_SHINY, NULL,
                                     fetched, &again);
  sg_test_iterate_until (&again.done, 60);
  g_assert_no_error (again.error);
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 1);
  g_assert_cmpstr (again.path, ==, first.path);

  g_clear_object (&first.texture);
  g_clear_object (&again.texture);
  g_free (first.path);
  g_free (again.path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/refresh/restart-reloads-library", test_restart_reloads_library);
  ADD ("/refresh/corrupt-index-rebuilt", test_corrupt_index_rebuilt);
  ADD ("/refresh/not-modified-keeps-file", test_not_modified_keeps_file);
  ADD ("/refresh/variant-switch", test_variant_switch);
  ADD ("/refresh/visible-first", test_visible_first);
  ADD ("/refresh/offline-shows-library", test_offline_shows_library);
  ADD ("/refresh/offline-stale-list", test_offline_stale_list);
  ADD ("/refresh/stop-shows-library", test_stop_shows_library);
  ADD ("/refresh/rebuilt-index-offline", test_rebuilt_index_offline);
  ADD ("/refresh/refresh-keeps-items", test_refresh_keeps_items);
  ADD ("/refresh/invalid-png-set-aside", test_invalid_png_set_aside);
  ADD ("/refresh/clear-library", test_clear_library);
  ADD ("/refresh/fetch-variant", test_fetch_variant);

  return g_test_run ();
}
