/* test-downloader.c: the pipeline end to end against the in-process fake server
 *
 * Displayless. Tests assert behaviour, never durations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "sg-downloader.h"
#include "sg-image.h"
#include "sg-pokemon.h"
#include "sg-fake-server.h"
#include "sg-test-utils.h"

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

static void
fixture_start (Fixture *f,
               guint    count,
               guint    latency_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;

  if (f->server == NULL)
    f->server = sg_fake_server_new (count, latency_ms);
  g_assert_true (sg_fake_server_start (f->server, 0, &error));
  g_assert_no_error (error);

  base_url = sg_fake_server_dup_base_url (f->server);
  g_object_set (f->downloader,
                "base-url", base_url,
                "folder", f->folder,
                /* Short limits keep the fault tests quick; the defaults are
                 * checked in the bench. */
                "deadline-ms", 4000,
                "io-timeout-ms", 1000,
                "backoff-ms", 20,
                NULL);
}

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

  f->parent = sg_test_make_tmp_dir ("sg-test");
  f->folder = g_build_filename (f->parent, "sprites", NULL);
  f->downloader = sg_downloader_new ();
  g_object_set (f->downloader, "decode-textures", FALSE, NULL);
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
run (Fixture      *f,
     GCancellable *cancellable)
{
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, cancellable, run_done, f);
  sg_test_iterate_until (&f->done, 60);
}

static SgPokemon *
item_with_id (Fixture *f,
              guint    id)
{
  GListModel *items = sg_downloader_get_items (f->downloader);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (items, i);

      if (sg_pokemon_get_id (item) == id)
        return item;  /* the model keeps it alive */
    }

  return NULL;
}

static void
assert_stats_add_up (Fixture *f)
{
  const SgRunStats *stats = sg_downloader_get_stats (f->downloader);

  g_assert_cmpuint (stats->downloaded + stats->stored + stats->missing + stats->failed, ==,
                    stats->requested);
  g_assert_cmpuint (f->finished_signals, ==, stats->requested);
}

/* Every file under @path: no temporary leftovers, every PNG whole. */
static guint
check_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_false (g_str_has_prefix (name, ".sg-tmp"));
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          n += check_folder (child);
          continue;
        }

      g_assert_true (g_str_has_suffix (name, ".png"));
      g_assert_true (g_file_get_contents (child, &contents, &length, NULL));
      {
        g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
        g_autoptr(GdkTexture) texture = sg_image_decode (bytes, NULL);

        g_assert_nonnull (texture);
      }
      n++;
    }

  return n;
}

static void
test_all_downloaded (Fixture       *f,
                     gconstpointer  data)
{
  const SgRunStats *stats;
  GListModel *items;

  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "limit", 100, "workers", 8, NULL);
  run (f, NULL);

  g_assert_no_error (f->error);
  g_assert_true (f->ok);
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->requested, ==, 100);
  g_assert_cmpuint (stats->downloaded, ==, 100);
  assert_stats_add_up (f);
  /* One list page, then a detail and a sprite per item. */
  g_assert_cmpuint (stats->requests, ==, 201);
  g_assert_cmpuint (stats->t_first_us, >, 0);

  items = sg_downloader_get_items (f->downloader);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 100);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (items, i);
      g_autoptr(GBytes) served = sg_fake_server_dup_sprite (f->server, "front_default", i + 1);
      g_autofree char *name = sg_fake_server_dup_name (f->server, i + 1);
      g_autofree char *expected = g_strdup_printf ("%04u-%s.png", i + 1, name);
      g_autofree char *contents = NULL;
      gsize length;

      /* Pokédex order, and the file is named from the detail. */
      g_assert_cmpuint (sg_pokemon_get_id (item), ==, i + 1);
      g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_DOWNLOADED);
      g_assert_cmpstr (strrchr (sg_pokemon_get_path (item), '/') + 1, ==, expected);
      g_assert_true (g_file_get_contents (sg_pokemon_get_path (item), &contents, &length, NULL));
      g_assert_cmpmem (contents, length, g_bytes_get_data (served, NULL), g_bytes_get_size (served));
      g_assert_nonnull (sg_pokemon_get_types (item)[0]);
    }

  g_assert_cmpuint (check_folder (f->folder), ==, 100);
}

static void
test_textures (Fixture       *f,
               gconstpointer  data)
{
  GListModel *items;

  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "limit", 20, "decode-textures", TRUE, NULL);
  run (f, NULL);
  g_assert_true (f->ok);

  items = sg_downloader_get_items (f->downloader);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (items, i);
      GdkTexture *texture = sg_pokemon_get_texture (item);

      g_assert_nonnull (texture);
      g_assert_cmpint (gdk_texture_get_width (texture), ==, 96);
    }
}

static void
check_concurrency (Fixture *f,
                   guint    workers)
{
  const SgRunStats *stats;

  /* Latency makes requests overlap, so the bound is actually tested; it is
   * long enough that even a loaded machine opens all W connections within
   * one round. */
  fixture_start (f, 1025, 200);
  g_object_set (f->downloader, "limit", 100, "workers", workers, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->downloaded, ==, 100);
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (f->server), <=, workers);
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (f->server), ==, workers);
  g_assert_cmpuint (stats->max_in_flight, ==, workers);
}

static void
test_concurrency_8 (Fixture       *f,
                    gconstpointer  data)
{
  check_concurrency (f, 8);
}

static void
test_concurrency_32 (Fixture       *f,
                     gconstpointer  data)
{
  check_concurrency (f, 32);
}

static void
test_concurrency_1 (Fixture       *f,
                    gconstpointer  data)
{
  fixture_start (f, 1025, 5);
  g_object_set (f->downloader, "limit", 10, "workers", 1, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (f->server), ==, 1);
}

static void
test_retry_503 (Fixture       *f,
                gconstpointer  data)
{
  f->server = sg_fake_server_new (1025, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_SERVICE_UNAVAILABLE, 3);
  fixture_start (f, 0, 0);
  g_object_set (f->downloader, "limit", 5, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  g_assert_cmpint (sg_pokemon_get_state (item_with_id (f, 3)), ==, SG_ITEM_STATE_DOWNLOADED);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->downloaded, ==, 5);
  /* Two 503s, each retried. */
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requests, ==, 1 + 10 + 2);
}

static void
test_retry_reset (Fixture       *f,
                  gconstpointer  data)
{
  f->server = sg_fake_server_new (1025, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_RESET, 4);
  fixture_start (f, 0, 0);
  g_object_set (f->downloader, "limit", 5, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  g_assert_cmpint (sg_pokemon_get_state (item_with_id (f, 4)), ==, SG_ITEM_STATE_DOWNLOADED);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requests, ==, 1 + 10 + 1);
  g_assert_cmpuint (check_folder (f->folder), ==, 5);
}

static void
test_stall_times_out (Fixture       *f,
                      gconstpointer  data)
{
  SgPokemon *stalled;

  f->server = sg_fake_server_new (1025, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_STALL, 5);
  fixture_start (f, 0, 0);
  g_object_set (f->downloader, "limit", 10, "workers", 4, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  stalled = item_with_id (f, 5);
  g_assert_cmpint (sg_pokemon_get_state (stalled), ==, SG_ITEM_STATE_FAILED);
  g_assert_nonnull (sg_pokemon_get_reason (stalled));
  g_test_message ("stalled: %s", sg_pokemon_get_reason (stalled));
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->downloaded, ==, 9);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->failed, ==, 1);
  assert_stats_add_up (f);
  g_assert_cmpuint (check_folder (f->folder), ==, 9);
}

static void
test_missing_and_failed (Fixture       *f,
                         gconstpointer  data)
{
  const SgRunStats *stats;

  f->server = sg_fake_server_new (1025, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NULL_SPRITE, 2);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_INVALID_JSON, 6);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NOT_PNG, 7);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NOT_FOUND, 8);
  fixture_start (f, 0, 0);
  g_object_set (f->downloader, "limit", 10, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->downloaded, ==, 6);
  g_assert_cmpuint (stats->missing, ==, 1);
  g_assert_cmpuint (stats->failed, ==, 3);
  assert_stats_add_up (f);

  g_assert_cmpint (sg_pokemon_get_state (item_with_id (f, 2)), ==, SG_ITEM_STATE_MISSING);
  g_assert_null (sg_pokemon_get_reason (item_with_id (f, 2)));
  g_assert_null (sg_pokemon_get_path (item_with_id (f, 2)));

  for (guint id = 6; id <= 8; id++)
    {
      SgPokemon *item = item_with_id (f, id);

      g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_FAILED);
      g_test_message ("#%u: %s", id, sg_pokemon_get_reason (item));
    }
  g_assert_nonnull (strstr (sg_pokemon_get_reason (item_with_id (f, 6)), "JSON"));
  g_assert_nonnull (strstr (sg_pokemon_get_reason (item_with_id (f, 7)), "PNG"));
  g_assert_nonnull (strstr (sg_pokemon_get_reason (item_with_id (f, 8)), "404"));
  /* Not retried: one request each. */
  g_assert_cmpuint (stats->requests, ==, 1 + 10 + 7);
  g_assert_cmpuint (check_folder (f->folder), ==, 6);
}

static void
on_item_cancel (SgDownloader *downloader,
                SgPokemon    *item,
                GCancellable *cancellable)
{
  if (sg_downloader_get_n_finished (downloader) == 10)
    g_cancellable_cancel (cancellable);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const SgRunStats *stats;

  fixture_start (f, 1025, 30);
  g_object_set (f->downloader, "limit", 100, "workers", 8, NULL);
  g_signal_connect (f->downloader, "item-finished", G_CALLBACK (on_item_cancel), cancellable);
  run (f, cancellable);

  g_assert_false (f->ok);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (sg_downloader_is_running (f->downloader));
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->downloaded, >=, 10);
  g_assert_cmpuint (stats->downloaded, <, 100);

  /* Nothing arrives after the run's own completion. */
  sg_test_wait (300);
  g_assert_cmpuint (f->finished_after_run, ==, 0);
  g_assert_cmpuint (check_folder (f->folder), ==, stats->downloaded);

  /* And a new run picks up where it stopped. */
  g_signal_handlers_disconnect_by_func (f->downloader, on_item_cancel, cancellable);
  f->finished_signals = 0;
  run (f, NULL);
  g_assert_true (f->ok);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->stored, >=, 10);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->stored +
                    sg_downloader_get_stats (f->downloader)->downloaded, ==, 100);
}

static void
test_stored_not_downloaded_again (Fixture       *f,
                                  gconstpointer  data)
{
  const SgRunStats *stats;

  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "limit", 30, NULL);
  run (f, NULL);
  g_assert_true (f->ok);

  /* A leftover of a killed run is cleaned up. */
  {
    g_autofree char *leftover = g_build_filename (f->folder, ".sg-tmp-ABCDEF", NULL);

    g_assert_true (g_file_set_contents (leftover, "half", -1, NULL));
  }

  sg_fake_server_reset_counters (f->server);
  f->finished_signals = 0;
  run (f, NULL);
  g_assert_true (f->ok);
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->stored, ==, 30);
  g_assert_cmpuint (stats->downloaded, ==, 0);
  /* Nothing at all: stored sprites cost no request, and the list from the
   * library index is within the server's max-age. */
  g_assert_cmpuint (stats->requests, ==, 0);
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
  g_assert_cmpuint (check_folder (f->folder), ==, 30);
}

static void
test_variant_subfolder (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *name = NULL;
  g_autofree char *expected = NULL;

  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "limit", 3, "variant", SG_VARIANT_FRONT_SHINY, NULL);
  run (f, NULL);
  g_assert_true (f->ok);

  name = sg_fake_server_dup_name (f->server, 1);
  expected = g_strdup_printf ("%s/front_shiny/0001-%s.png", f->folder, name);
  g_assert_cmpstr (sg_pokemon_get_path (item_with_id (f, 1)), ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
}

static void
test_hostile_names (Fixture       *f,
                    gconstpointer  data)
{
  static const char * const names[] = {
    "../../escape", "a/b\\c", ".hidden", "", "..", ".", "-rf",
    "\xe2\x80\xae" "gnp.exe", "%2e%2e%2fx", "PIKACHU", "pikachu", "con\x01trol",
  };
  g_autoptr(GDir) dir = NULL;
  const char *entry;
  guint n_files;

  f->server = sg_fake_server_new (1025, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    sg_fake_server_set_name (f->server, i + 1, names[i]);
  /* Two entries with one name. */
  sg_fake_server_set_name (f->server, G_N_ELEMENTS (names) + 1, "same");
  sg_fake_server_set_name (f->server, G_N_ELEMENTS (names) + 2, "same");
  fixture_start (f, 0, 0);
  g_object_set (f->downloader, "limit", G_N_ELEMENTS (names) + 2, NULL);
  run (f, NULL);
  g_assert_true (f->ok);
  assert_stats_add_up (f);

  /* Everything landed inside the folder: the parent holds only it. */
  dir = g_dir_open (f->parent, 0, NULL);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_assert_cmpstr (entry, ==, "sprites");

  /* Each item has its own file (ids keep "same" apart), none hidden. */
  n_files = check_folder (f->folder);
  g_assert_cmpuint (n_files, ==, sg_downloader_get_stats (f->downloader)->downloaded);
  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (names) + 2);
  {
    g_autoptr(GDir) folder = g_dir_open (f->folder, 0, NULL);

    while ((entry = g_dir_read_name (folder)) != NULL)
      {
        g_assert_false (entry[0] == '.');
        g_assert_null (strchr (entry, '\\'));
        g_assert_true (g_utf8_validate (entry, -1, NULL));
      }
  }
}

static void
test_list_unreachable (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *base_url = NULL;

  /* Start a server to learn a free port, then stop it. */
  f->server = sg_fake_server_new (10, 0);
  g_assert_true (sg_fake_server_start (f->server, 0, NULL));
  base_url = sg_fake_server_dup_base_url (f->server);
  g_clear_pointer (&f->server, sg_fake_server_free);

  g_object_set (f->downloader, "base-url", base_url, "folder", f->folder,
                "backoff-ms", 10, NULL);
  run (f, NULL);

  g_assert_false (f->ok);
  /* No connection at all is being offline, which the window tells apart. */
  g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE);
  g_assert_true (sg_downloader_get_offline (f->downloader));
  g_test_message ("%s", f->error->message);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requested, ==, 0);
}

static void
test_folder_unusable (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->parent, "a-file", NULL);
  g_autofree char *below = g_build_filename (file, "sprites", NULL);

  g_assert_true (g_file_set_contents (file, "", -1, NULL));
  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "folder", below, NULL);
  run (f, NULL);

  g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER);
  /* Nothing was requested for a run that cannot store anything. */
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
  g_unlink (file);
}

static void
test_list_all (Fixture       *f,
               gconstpointer  data)
{
  fixture_start (f, 30, 0);
  g_object_set (f->downloader, "limit", 0, NULL);
  run (f, NULL);

  g_assert_true (f->ok);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requested, ==, 30);
}

static void
test_list_live_next (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) paths = NULL;
  guint list_requests = 0;

  /* The live API sends a non-null `next` even when the page holds all N. */
  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "limit", 50, NULL);
  run (f, NULL);
  g_assert_true (f->ok);

  paths = sg_fake_server_dup_request_paths (f->server);
  for (guint i = 0; i < paths->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (paths, i), "/api/v2/pokemon?"))
      list_requests++;
  g_assert_cmpuint (list_requests, ==, 1);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->requested, ==, 50);
}

static void
busy_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (sg_downloader_run_finish (SG_DOWNLOADER (object), result, error));
}

static void
test_busy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_start (f, 1025, 0);
  g_object_set (f->downloader, "limit", 5, NULL);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);

  /* A second run while one is going is refused, and the first is unharmed. */
  sg_downloader_run_async (f->downloader, NULL, busy_done, &error);
  sg_test_iterate_until (&f->done, 30);
  g_assert_error (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_BUSY);
  g_assert_true (f->ok);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->downloaded, ==, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/downloader/all-downloaded", test_all_downloaded);
  ADD ("/downloader/textures", test_textures);
  ADD ("/downloader/concurrency/1", test_concurrency_1);
  ADD ("/downloader/concurrency/8", test_concurrency_8);
  ADD ("/downloader/concurrency/32", test_concurrency_32);
  ADD ("/downloader/retry/after-503", test_retry_503);
  ADD ("/downloader/retry/after-reset", test_retry_reset);
  ADD ("/downloader/timeout/stalled-body", test_stall_times_out);
  ADD ("/downloader/states/missing-and-failed", test_missing_and_failed);
  ADD ("/downloader/cancel/mid-run", test_cancel);
  ADD ("/downloader/stored/not-downloaded-again", test_stored_not_downloaded_again);
  ADD ("/downloader/variant/subfolder", test_variant_subfolder);
  ADD ("/downloader/names/hostile", test_hostile_names);
  ADD ("/downloader/list/unreachable", test_list_unreachable);
  ADD ("/downloader/list/all", test_list_all);
  ADD ("/downloader/list/live-next", test_list_live_next);
  ADD ("/downloader/folder/unusable", test_folder_unusable);
  ADD ("/downloader/busy", test_busy);

#undef ADD

  return g_test_run ();
}
