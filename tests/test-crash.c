/* test-crash.c: SIGKILL at random moments, then a run that finishes the job
 *
 * The real binary (SG_BINARY) downloads from the in-process fake server and
 * is killed 20 times at random moments (reproducible with --seed). After
 * each kill the folder holds only whole sprites, byte for byte what the
 * server sent (temporary files aside); the last run, left to finish, removes
 * the temporary files and downloads only what is missing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "sg-image.h"
#include "sg-fake-server.h"

#define N_ITEMS  300
#define N_KILLS  20
/* Kills land anywhere from start-up to well into the download. */
#define MAX_KILL_DELAY_MS 1000

typedef struct {
  SgFakeServer *server;
  char         *base_url;
  char         *dir;
  char         *folder;
  char         *stats;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("sg-crash-XXXXXX", &error);
  g_assert_no_error (error);
  f->folder = g_build_filename (f->dir, "sprites", NULL);
  f->stats = g_build_filename (f->dir, "stats.json", NULL);

  /* Latency spreads the run over time, so that kills meet every phase:
   * start-up, the list, details, sprites being written. */
  f->server = sg_fake_server_new (N_ITEMS, 60);
  g_assert_true (sg_fake_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  f->base_url = sg_fake_server_dup_base_url (f->server);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_pointer (&f->server, sg_fake_server_free);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  g_free (f->base_url);
  g_free (f->dir);
  g_free (f->folder);
  g_free (f->stats);
}

static GSubprocess *
spawn (Fixture    *f,
       const char *workers)
{
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("SG_BINARY");
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error,
                              binary, "--download-only", "--base-url", f->base_url,
                              "-n", G_STRINGIFY (N_ITEMS), "-w", workers, "-o", f->folder,
                              "--stats", f->stats, NULL);
  g_assert_no_error (error);

  return process;
}

/* The library index is written atomically: a kill leaves none, the old one
 * or the new one, and every one of them is whole JSON. */
static void
check_index (Fixture *f)
{
  g_autofree char *dir_path = g_build_filename (g_get_user_data_dir (), "sprite-gallery", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      if (!g_str_has_prefix (name, "index") || !g_str_has_suffix (name, ".json"))
        continue;
      json_parser_load_from_file (parser, path, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
    }
}

typedef struct {
  guint whole;      /* sprites under their final name */
  guint temporary;  /* leftovers of a write in progress */
  guint set_aside;  /* files that were not whole PNGs, kept under another name */
} Census;

/* Every file under its final name is a whole PNG, the very bytes the
 * server sent for that id; anything else must be a temporary file. */
static Census
check_folder (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->folder, 0, NULL);
  Census census = { 0, 0, 0 };
  const char *name;

  if (dir == NULL)
    return census;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->folder, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) served = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;
      guint64 id;

      if (g_str_has_prefix (name, ".sg-tmp-"))
        {
          census.temporary++;
          continue;
        }
      if (g_str_has_suffix (name, ".png.invalid"))
        {
          census.set_aside++;
          continue;
        }

      g_assert_true (g_str_has_suffix (name, ".png"));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      texture = sg_image_decode (bytes, &error);
      if (texture == NULL)
        g_error ("“%s” (%" G_GSIZE_FORMAT " bytes) is not a whole PNG: %s",
                 name, length, error->message);

      id = g_ascii_strtoull (name, NULL, 10);
      served = sg_fake_server_dup_sprite (f->server, "front_default", (guint) id);
      g_assert_nonnull (served);
      if (!g_bytes_equal (bytes, served))
        g_error ("“%s” is not the sprite the server sent", name);
      census.whole++;
    }

  return census;
}

static JsonObject *
read_stats (Fixture *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, f->stats, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static guint
count_sprite_requests (Fixture *f)
{
  g_autoptr(GPtrArray) paths = sg_fake_server_dup_request_paths (f->server);
  guint n = 0;

  for (guint i = 0; i < paths->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (paths, i), "/sprites/");

  return n;
}

static void
test_sigkill (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonObject) stats = NULL;
  g_autoptr(GSubprocess) last = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *planted_temp = NULL;
  g_autofree char *planted_cut = NULL;
  g_autofree char *last_name = NULL;
  g_autoptr(GBytes) sprite = NULL;
  guint kills_mid_run = 0;
  guint max_temporary = 0;
  Census census;

  if (g_getenv ("SG_BINARY") == NULL)
    {
      g_test_skip ("SG_BINARY is not set");
      return;
    }

  for (guint i = 0; i < N_KILLS; i++)
    {
      /* Two workers: slow enough that 20 runs do not finish the list. */
      g_autoptr(GSubprocess) process = spawn (f, "2");
      guint delay_ms = (guint) g_test_rand_int_range (0, MAX_KILL_DELAY_MS);
      Census before = check_folder (f);

      g_usleep (delay_ms * 1000);
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, &error);
      g_assert_no_error (error);

      census = check_folder (f);
      check_index (f);
      g_test_message ("kill %u after %u ms: %u sprites, %u temporary files%s", i + 1, delay_ms,
                      census.whole, census.temporary,
                      g_subprocess_get_if_signaled (process) ? "" : " (the run had ended)");
      if (g_subprocess_get_if_signaled (process) && census.whole > before.whole)
        kills_mid_run++;
      max_temporary = MAX (max_temporary, census.temporary);
      /* Stored sprites are never lost by a later run. */
      g_assert_cmpuint (census.whole, >=, before.whole);
    }
  g_test_message ("%u kills while sprites were being written; at most %u temporary files left",
                  kills_mid_run, max_temporary);

  /* What a crash of an older version, or a power cut, may leave: a
   * temporary file, and a sprite cut short under its final name (here the
   * last one's, which replaces it if a killed run had stored it). */
  census = check_folder (f);
  planted_temp = g_build_filename (f->folder, ".sg-tmp-CRASH1", NULL);
  g_assert_true (g_file_set_contents (planted_temp, "\x89PNG", 4, NULL));
  sprite = sg_fake_server_dup_sprite (f->server, "front_default", N_ITEMS);
  last_name = sg_fake_server_dup_name (f->server, N_ITEMS);
  planted_cut = g_strdup_printf ("%s/%04u-%s.png", f->folder, N_ITEMS, last_name);
  if (g_file_test (planted_cut, G_FILE_TEST_EXISTS))
    census.whole--;
  g_assert_true (g_file_set_contents (planted_cut, g_bytes_get_data (sprite, NULL),
                                      g_bytes_get_size (sprite) / 2, NULL));

  /* The last run finishes: only what is missing is fetched. */
  sg_fake_server_reset_counters (f->server);
  last = spawn (f, "8");
  g_subprocess_wait_check (last, NULL, &error);
  g_assert_no_error (error);

  stats = read_stats (f);
  g_assert_cmpint (json_object_get_int_member (stats, "requested"), ==, N_ITEMS);
  g_assert_cmpint (json_object_get_int_member (stats, "failed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "stored"), ==, census.whole);
  g_assert_cmpint (json_object_get_int_member (stats, "downloaded"), ==, N_ITEMS - census.whole);
  g_assert_cmpuint (count_sprite_requests (f), ==, N_ITEMS - census.whole);

  census = check_folder (f);
  g_assert_cmpuint (census.whole, ==, N_ITEMS);
  g_assert_cmpuint (census.temporary, ==, 0);
  /* The cut one was not deleted: it is kept aside, and fetched again. */
  g_assert_cmpuint (census.set_aside, ==, 1);
  {
    g_autofree char *aside = g_strconcat (planted_cut, ".invalid", NULL);

    g_assert_true (g_file_test (aside, G_FILE_TEST_IS_REGULAR));
  }
  check_index (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/crash/sigkill-20-times", Fixture, NULL, fixture_setup, test_sigkill,
              fixture_teardown);

  return g_test_run ();
}
