/* test-filesystem.c: the download folder when the file system says no
 *
 * A read-only folder, a folder deleted during a run, a full disk: each ends
 * the run with one clear error, and nothing stored earlier is lost or left
 * half-written. Tests run as root, where a chmod stops nothing, so the
 * read-only and full cases use small tmpfs mounts; they skip when not root
 * or when the kernel refuses the mount (a container without CAP_SYS_ADMIN).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sg-downloader.h"
#include "sg-image.h"
#include "sg-pokemon.h"
#include "sg-fake-server.h"
#include "sg-test-utils.h"

typedef struct {
  SgFakeServer *server;
  SgDownloader *downloader;
  char         *parent;   /* temporary; holds the mount point or the folder */
  GPtrArray    *mounts;   /* mount points made by the test, in order */
  char         *folder;
  gboolean      done;
  gboolean      ok;
  GError       *error;
  guint         delete_after;  /* > 0: delete the folder after this many items */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;

  f->mounts = g_ptr_array_new_with_free_func (g_free);
  f->parent = sg_test_make_tmp_dir ("sg-fs");
  f->folder = g_build_filename (f->parent, "sprites", NULL);

  f->server = sg_fake_server_new (200, 0);
  g_assert_true (sg_fake_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  base_url = sg_fake_server_dup_base_url (f->server);

  f->downloader = sg_downloader_new ();
  g_object_set (f->downloader,
                "base-url", base_url,
                "folder", f->folder,
                "decode-textures", FALSE,
                "workers", 4,
                "deadline-ms", 4000,
                "io-timeout-ms", 1000,
                "backoff-ms", 20,
                NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->downloader);
  g_clear_pointer (&f->server, sg_fake_server_free);
  g_clear_error (&f->error);
  for (guint i = f->mounts->len; i > 0; i--)
    {
      const char *mount_point = g_ptr_array_index (f->mounts, i - 1);

      if (umount2 (mount_point, MNT_DETACH) != 0)
        g_test_message ("umount %s: %s", mount_point, g_strerror (errno));
    }
  g_ptr_array_unref (f->mounts);
  sg_test_remove_tree (f->parent);
  g_free (f->folder);
  g_free (f->parent);
}

static gboolean
can_mount (void)
{
  if (geteuid () != 0)
    {
      g_test_skip ("Needs root, to mount");
      return FALSE;
    }

  return TRUE;
}

static gboolean
skip_mount_failure (const char *what)
{
  g_autofree char *why = g_strdup_printf ("Cannot mount %s: %s", what, g_strerror (errno));

  g_test_skip (why);
  return FALSE;
}

/* Mounts a tmpfs of @size_kb at parent/mnt and moves the download folder
 * inside it. FALSE (the test is skipped) when that is not allowed here. */
static gboolean
mount_tmpfs (Fixture *f,
             guint    size_kb)
{
  g_autofree char *options = g_strdup_printf ("size=%uk,mode=0755", size_kb);
  g_autofree char *mount_point = g_build_filename (f->parent, "mnt", NULL);

  if (!can_mount ())
    return FALSE;

  g_assert_cmpint (g_mkdir (mount_point, 0755), ==, 0);
  if (mount ("tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
    return skip_mount_failure ("a tmpfs");

  g_free (f->folder);
  f->folder = g_build_filename (mount_point, "sprites", NULL);
  g_object_set (f->downloader, "folder", f->folder, NULL);
  g_ptr_array_add (f->mounts, g_steal_pointer (&mount_point));

  return TRUE;
}

/* Makes the folder read-only where it is, with a read-only bind mount of
 * it on itself: unlike remounting a whole file system, this works while
 * files are open for writing (the workers' temporary files). */
static gboolean
make_folder_read_only (Fixture *f)
{
  if (mount (f->folder, f->folder, NULL, MS_BIND, NULL) != 0)
    return skip_mount_failure ("a bind mount");
  g_ptr_array_add (f->mounts, g_strdup (f->folder));

  if (mount (NULL, f->folder, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
    return skip_mount_failure ("a read-only bind mount");

  return TRUE;
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

/* Bounded: a hang fails the test instead of stalling CI. */
static void
run (Fixture *f,
     guint    limit)
{
  g_object_set (f->downloader, "limit", limit, NULL);
  f->done = FALSE;
  sg_downloader_run_async (f->downloader, NULL, run_done, f);
  sg_test_iterate_until (&f->done, 60);
}

/* Every file in the folder: a whole PNG, byte for byte what the server sent
 * for its id, or a temporary leftover when @allow_temporary. Returns the
 * sprites' paths. */
static GHashTable *
check_folder (Fixture  *f,
              gboolean  allow_temporary)
{
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open (f->folder, 0, NULL);
  const char *name;

  if (dir == NULL)
    return found;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->folder, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) served = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      gsize length;
      guint64 id;

      if (g_str_has_prefix (name, ".sg-tmp-"))
        {
          if (!allow_temporary)
            g_error ("A temporary file was left behind: %s", name);
          continue;
        }

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      texture = sg_image_decode (bytes, NULL);
      if (texture == NULL)
        g_error ("“%s” is not a whole PNG (%" G_GSIZE_FORMAT " bytes)", name, length);

      id = g_ascii_strtoull (name, NULL, 10);
      g_assert_cmpuint (id, >, 0);
      served = sg_fake_server_dup_sprite (f->server, "front_default", (guint) id);
      g_assert_nonnull (served);
      g_assert_true (g_bytes_equal (bytes, served));
      g_hash_table_add (found, g_strdup (path));
    }

  return found;
}

static void
assert_all_kept (GHashTable *before,
                 GHashTable *after)
{
  GHashTableIter iter;
  gpointer path;

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (!g_hash_table_contains (after, path))
      g_error ("%s, stored before, is gone", (const char *) path);
}

static void
assert_folder_error (Fixture    *f,
                     const char *because)
{
  g_assert_false (f->ok);
  g_assert_error (f->error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER);
  g_test_message ("%s", f->error->message);
  g_assert_true (g_utf8_validate (f->error->message, -1, NULL));
  if (strstr (f->error->message, because) == NULL)
    g_error ("The error “%s” does not say “%s”", f->error->message, because);
}

/* ── Tests ─────────────────────────────────────────────────────────────── */

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;

  if (!can_mount ())
    return;

  run (f, 5);
  g_assert_no_error (f->error);
  before = check_folder (f, FALSE);
  g_assert_cmpuint (g_hash_table_size (before), ==, 5);

  if (!make_folder_read_only (f))
    return;
  sg_fake_server_reset_counters (f->server);
  run (f, 20);

  /* Refused before asking the server for anything. */
  assert_folder_error (f, g_strerror (EROFS));
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
  after = check_folder (f, FALSE);
  assert_all_kept (before, after);
  g_assert_cmpuint (g_hash_table_size (after), ==, 5);
}

static void
on_item_read_only (SgDownloader *downloader,
                   SgPokemon    *item,
                   Fixture      *f)
{
  if (sg_downloader_get_n_finished (downloader) == 10 && !make_folder_read_only (f))
    g_error ("Cannot make the folder read-only: %s", g_strerror (errno));
}

/* The folder turns read-only during the run (a drive remounted after an
 * error): the run stops with the reason, and keeps what it stored. */
static void
test_read_only_during_run (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  const SgRunStats *stats;

  if (!can_mount ())
    return;

  /* Learn here whether bind mounts work, so that the signal handler can
   * rely on it. */
  run (f, 1);
  g_assert_no_error (f->error);
  if (!make_folder_read_only (f))
    return;
  umount2 (f->folder, MNT_DETACH);
  g_ptr_array_set_size (f->mounts, 0);

  g_signal_connect (f->downloader, "item-finished", G_CALLBACK (on_item_read_only), f);
  run (f, 150);

  assert_folder_error (f, g_strerror (EROFS));
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->stored, ==, 1);
  g_assert_cmpuint (stats->downloaded, >=, 9);
  /* Stopped: not every other item was tried and failed. */
  g_assert_cmpuint (stats->downloaded + stats->failed, <, 150);
  /* A worker that was writing when the folder turned read-only could not
   * remove its temporary file either. */
  after = check_folder (f, TRUE);
  g_assert_cmpuint (g_hash_table_size (after), ==, 1 + stats->downloaded);

  /* Writable again: the next run cleans up, keeps everything, and fetches
   * only what is missing. */
  g_assert_cmpint (umount2 (f->folder, MNT_DETACH), ==, 0);
  g_ptr_array_set_size (f->mounts, 0);
  g_signal_handlers_disconnect_by_func (f->downloader, on_item_read_only, f);
  before = g_steal_pointer (&after);
  run (f, 150);
  g_assert_no_error (f->error);
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->stored, ==, g_hash_table_size (before));
  g_assert_cmpuint (stats->downloaded, ==, 150 - g_hash_table_size (before));
  after = check_folder (f, FALSE);
  assert_all_kept (before, after);
  g_assert_cmpuint (g_hash_table_size (after), ==, 150);
}

static void
on_item_delete (SgDownloader *downloader,
                SgPokemon    *item,
                Fixture      *f)
{
  /* Moved away in one step, then deleted: `rm -rf` alone races with the
   * workers, whose new files can keep the folder from going. */
  if (sg_downloader_get_n_finished (downloader) == f->delete_after)
    {
      g_autofree char *gone = g_build_filename (f->parent, "gone", NULL);

      g_assert_cmpint (g_rename (f->folder, gone), ==, 0);
      sg_test_remove_tree (gone);
    }
}

/* The folder is deleted during the run: the run stops with an error that
 * says so, and does not make the folder again (it could be the mount point
 * of a drive that went away). */
static void
test_deleted_during_run (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;

  f->delete_after = 5;
  g_signal_connect (f->downloader, "item-finished", G_CALLBACK (on_item_delete), f);
  run (f, 150);

  assert_folder_error (f, "no longer exists");
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->downloaded, <, 150);
  g_assert_false (g_file_test (f->folder, G_FILE_TEST_EXISTS));
  /* Nothing was made anywhere else either (workers that were writing into
   * the moved folder when it went are done now). */
  {
    g_autofree char *gone = g_build_filename (f->parent, "gone", NULL);

    sg_test_remove_tree (gone);
  }
  dir = g_dir_open (f->parent, 0, NULL);
  g_assert_null (g_dir_read_name (dir));

  /* The next run makes it again, as the first one did. */
  g_signal_handlers_disconnect_by_func (f->downloader, on_item_delete, f);
  run (f, 8);
  g_assert_no_error (f->error);
  g_assert_cmpuint (sg_downloader_get_stats (f->downloader)->downloaded, ==, 8);
}

/* The disk fills up during the run: the run stops with that reason, every
 * file in the folder is whole, no temporary file is left, and what the
 * first run stored is still there. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  const SgRunStats *stats;

  /* A sprite takes one 4 KiB page: room for a few dozen. */
  if (!mount_tmpfs (f, 128))
    return;

  run (f, 3);
  g_assert_no_error (f->error);
  before = check_folder (f, FALSE);
  g_assert_cmpuint (g_hash_table_size (before), ==, 3);

  run (f, 150);
  assert_folder_error (f, g_strerror (ENOSPC));
  stats = sg_downloader_get_stats (f->downloader);
  g_assert_cmpuint (stats->stored, ==, 3);
  g_assert_cmpuint (stats->downloaded, >, 0);
  g_assert_cmpuint (stats->downloaded + stats->stored + stats->failed, <, 150);

  after = check_folder (f, FALSE);
  assert_all_kept (before, after);
  g_assert_cmpuint (g_hash_table_size (after), ==, 3 + stats->downloaded);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/filesystem/read-only", test_read_only);
  ADD ("/filesystem/read-only-during-run", test_read_only_during_run);
  ADD ("/filesystem/deleted-during-run", test_deleted_during_run);
  ADD ("/filesystem/disk-full", test_disk_full);

#undef ADD

  return g_test_run ();
}
