/* test-headless.c: `sprite-gallery --download-only` as a script runs it
 *
 * Spawns the real binary (SG_BINARY) against the in-process fake server and
 * checks exit statuses, the summary, --stats and the folder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "sg-fake-server.h"
#include "sg-test-utils.h"

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
  f->dir = g_dir_make_tmp ("sg-headless-XXXXXX", NULL);
  f->folder = g_build_filename (f->dir, "sprites", NULL);
  f->stats = g_build_filename (f->dir, "stats.json", NULL);
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

static void
start_server (Fixture *f,
              guint    latency_ms)
{
  if (f->server == NULL)
    f->server = sg_fake_server_new (1025, latency_ms);
  g_assert_true (sg_fake_server_start (f->server, 0, NULL));
  f->base_url = sg_fake_server_dup_base_url (f->server);
}

static GSubprocess *
spawn (Fixture            *f,
       const char * const *extra)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  const char *binary = g_getenv ("SG_BINARY");

  g_assert_nonnull (binary);
  g_strv_builder_add (builder, binary);
  g_strv_builder_add (builder, "--download-only");
  for (guint i = 0; extra[i] != NULL; i++)
    g_strv_builder_add (builder, extra[i]);
  argv = g_strv_builder_end (builder);

  process = g_subprocess_newv ((const char * const *) argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);

  return process;
}

static int
run (Fixture             *f,
     const char * const  *extra,
     char               **out,
     char               **err)
{
  g_autoptr(GSubprocess) process = spawn (f, extra);
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", out != NULL ? *out : "", err != NULL ? *err : "");

  return g_subprocess_get_exit_status (process);
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

static void
test_success (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonObject) stats = NULL;
  int status;

  start_server (f, 0);
  status = run (f, (const char *[]) { "--base-url", f->base_url, "-n", "20", "-w", "4",
                                      "-o", f->folder, "--stats", f->stats, NULL },
                &out, &err);

  g_assert_cmpint (status, ==, 0);
  /* One summary line on stdout. */
  g_assert_nonnull (strstr (out, "20"));
  g_assert_cmpint (strchr (out, '\n') - out, ==, strlen (out) - 1);

  stats = read_stats (f);
  g_assert_cmpint (json_object_get_int_member (stats, "requested"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (stats, "downloaded"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (stats, "failed"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "requests"), ==, 41);
  g_assert_cmpint (json_object_get_int_member (stats, "max_in_flight"), <=, 4);
  g_assert_cmpint (json_object_get_int_member (stats, "t_first_ms"), <=,
                   json_object_get_int_member (stats, "t_all_ms"));
  g_assert_cmpint (json_object_get_int_member (stats, "rss_kb"), >, 0);

  /* A second run finds everything stored. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&stats, json_object_unref);
  status = run (f, (const char *[]) { "--base-url", f->base_url, "-n", "20",
                                      "-o", f->folder, "--stats", f->stats, NULL },
                &out, &err);
  g_assert_cmpint (status, ==, 0);
  stats = read_stats (f);
  g_assert_cmpint (json_object_get_int_member (stats, "stored"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (stats, "downloaded"), ==, 0);
  g_assert_true (json_object_get_null_member (stats, "t_first_ms"));
}

static void
test_some_failed (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *err = NULL;
  int status;

  f->server = sg_fake_server_new (1025, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NOT_FOUND, 3);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NULL_SPRITE, 4);
  start_server (f, 0);
  status = run (f, (const char *[]) { "--base-url", f->base_url, "-n", "6",
                                      "-o", f->folder, "--stats", f->stats, NULL },
                NULL, &err);

  g_assert_cmpint (status, ==, 1);
  /* The failure is reported with its reason. */
  g_assert_nonnull (strstr (err, "404"));
  stats = read_stats (f);
  g_assert_cmpint (json_object_get_int_member (stats, "failed"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "missing"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "downloaded"), ==, 4);
}

static void
test_missing_only_is_success (Fixture       *f,
                              gconstpointer  data)
{
  int status;

  f->server = sg_fake_server_new (1025, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_NULL_SPRITE, 2);
  start_server (f, 0);
  status = run (f, (const char *[]) { "--base-url", f->base_url, "-n", "3",
                                      "-o", f->folder, NULL }, NULL, NULL);
  g_assert_cmpint (status, ==, 0);
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  static const char * const bad[][4] = {
    { "--no-such-option", NULL },
    { "--workers", "0", NULL },
    { "--workers", "33", NULL },
    { "--limit", "-5", NULL },
    { "--limit", "many", NULL },
    { "--variant", "sideways", NULL },
    { "--base-url", "file:///etc/", NULL },
    { "stray-argument", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *err = NULL;
      int status = run (f, bad[i], NULL, &err);

      g_assert_cmpint (status, ==, 2);
      /* A message, not a crash. */
      g_assert_cmpuint (strlen (err), >, 0);
    }
}

static void
test_unreachable_list (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *err = NULL;
  int status;

  start_server (f, 0);
  g_clear_pointer (&f->server, sg_fake_server_free);

  status = run (f, (const char *[]) { "--base-url", f->base_url, "-o", f->folder,
                                      "--stats", f->stats, NULL }, NULL, &err);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "list"));
  /* The stats are written for a failed run too. */
  stats = read_stats (f);
  g_assert_cmpint (json_object_get_int_member (stats, "requested"), ==, 0);
}

static void
test_unusable_folder (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *below = g_build_filename (file, "sprites", NULL);
  int status;

  g_assert_true (g_file_set_contents (file, "", -1, NULL));
  start_server (f, 0);
  status = run (f, (const char *[]) { "--base-url", f->base_url, "-o", below, NULL },
                NULL, NULL);
  g_assert_cmpint (status, ==, 2);
}

static void
test_sigint (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* Slow enough that the run is surely still going when the signal comes. */
  start_server (f, 200);
  process = spawn (f, (const char *[]) { "--base-url", f->base_url, "-n", "200", "-w", "2",
                                         "-o", f->folder, "--stats", f->stats, NULL });
  sg_test_wait (1500);

  g_subprocess_send_signal (process, SIGINT);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 130);

  stats = read_stats (f);
  g_assert_cmpint (json_object_get_int_member (stats, "downloaded"), <, 200);

  /* No partial file. */
  dir = g_dir_open (f->folder, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, ".sg-tmp"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/headless/success-then-stored", test_success);
  ADD ("/headless/exit/some-failed", test_some_failed);
  ADD ("/headless/exit/missing-is-success", test_missing_only_is_success);
  ADD ("/headless/exit/usage-errors", test_usage_errors);
  ADD ("/headless/exit/unreachable-list", test_unreachable_list);
  ADD ("/headless/exit/unusable-folder", test_unusable_folder);
  ADD ("/headless/exit/sigint", test_sigint);

#undef ADD

  return g_test_run ();
}
