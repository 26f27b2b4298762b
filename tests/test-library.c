/* test-library.c: safe names, atomic stores and the cheap validity check
 *
 * Each test works in its own folder under the isolated XDG data dir that
 * G_TEST_OPTION_ISOLATE_DIRS creates and removes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gdk/gdk.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg-library.h"

/* Helpers */

/* Test data is hostile on purpose: escape it, so the TAP output stays ASCII
 * and one line per message. */
static void
message_escaped (const char *label,
                 const char *text)
{
  g_autofree char *escaped = text != NULL ? g_strescape (text, NULL) : g_strdup ("(null)");

  g_test_message ("%s: %s", label, escaped);
}

static char *
make_folder_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), name, NULL);
}

static SgLibrary *
make_library (void)
{
  g_autofree char *folder = make_folder_path ("sprites");
  g_autoptr(GError) error = NULL;
  SgLibrary *library = sg_library_new (folder);

  g_assert_true (sg_library_ensure_folder (library, &error));
  g_assert_no_error (error);

  return library;
}

/* A real 96×96 PNG, as a sprite from the server would be */
static GBytes *
make_png (void)
{
  const guint side = 96;
  g_autofree guint8 *pixels = g_malloc0 ((gsize) side * side * 4);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  for (gsize i = 0; i < (gsize) side * side; i++)
    {
      pixels[i * 4] = (guint8) i;
      pixels[i * 4 + 3] = (i % 3) ? 255 : 0;
    }

  bytes = g_bytes_new (pixels, (gsize) side * side * 4);
  texture = gdk_memory_texture_new (side, side, GDK_MEMORY_R8G8B8A8, bytes, side * 4);

  return gdk_texture_save_to_png_bytes (texture);
}

static GBytes *
make_random_bytes (gsize   length,
                   guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) g_rand_int (rand);

  return g_bytes_new_take (data, length);
}

static void
assert_file_contents (const char *path,
                      GBytes     *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) actual = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  actual = g_bytes_new (contents, length);
  g_assert_true (g_bytes_equal (actual, expected));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @directory, sorted, joined by "," */
static char *
list_directory (const char *directory)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open (directory, 0, NULL);
  if (dir == NULL)
    return g_strdup ("(missing)");

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **) names->pdata);
}

/* How many ".sg-tmp-*" files remain in @directory */
static guint
count_temporary (const char *directory)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  const char *name;
  guint count = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_prefix (name, ".sg-tmp-"))
        count++;
    }

  return count;
}

static void
write_file (const char *path,
            const void *data,
            gsize       length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) length, &error);
  g_assert_no_error (error);
}

/* Names */

static void
test_sanitize_table (void)
{
  g_autofree char *long_name = g_strnfill (300, 'a');
  g_autofree char *long_expected = g_strnfill (SG_LIBRARY_MAX_NAME_BYTES, 'a');
  g_autofree char *long_dash = NULL;
  g_autofree char *long_dash_expected = g_strnfill (SG_LIBRARY_MAX_NAME_BYTES - 1, 'a');
  struct {
    const char *name;
    const char *expected;
  } cases[] = {
    { "pikachu", "pikachu" },
    { "mr-mime", "mr-mime" },
    { "Mr. Mime", "mr-mime" },
    { "PIKACHU", "pikachu" },
    { "PiKaChU", "pikachu" },
    { "nidoran-f", "nidoran-f" },
    { "nidoran♀", "nidoran" },
    { "flabébé", "flab-b" },
    { "farfetch’d", "farfetch-d" },
    { "type: null", "type-null" },
    { "mr_mime", "mr_mime" },
    { "../../etc/passwd", "etc-passwd" },
    { "..", "unnamed" },
    { ".", "unnamed" },
    { "", "unnamed" },
    { NULL, "unnamed" },
    { "/", "unnamed" },
    { "a/b\\c", "a-b-c" },
    { "a\x01\x1f\x7f" "b", "a-b" },
    { "a\nb\tc\rd", "a-b-c-d" },
    { "\xe2\x80\xae" "gnp.exe", "gnp-exe" },   /* U+202E RIGHT-TO-LEFT OVERRIDE */
    { "%2e%2e", "2e-2e" },
    { "%00", "00" },
    { "-rf", "rf" },
    { "--help", "help" },
    { ".hidden", "hidden" },
    { "__init__", "init" },
    { "_-_x-_-", "x" },
    { "a----b", "a-b" },
    { "a . / b", "a-b" },
    { "  space  ", "space" },
    { "\xff\xfe\xfd", "unnamed" },             /* not UTF-8 at all */
    { "CON", "con" },
  };

  long_dash = g_strconcat (long_dash_expected, "-", "bbbbbbbbbb", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = sg_sanitize_name (cases[i].name);

      message_escaped ("Name", cases[i].name);
      g_assert_cmpstr (safe, ==, cases[i].expected);
    }

  {
    g_autofree char *safe = sg_sanitize_name (long_name);

    g_assert_cmpstr (safe, ==, long_expected);
  }

  /* Cut at the limit right after a dash: the dash goes too */
  {
    g_autofree char *safe = sg_sanitize_name (long_dash);

    g_assert_cmpstr (safe, ==, long_dash_expected);
  }
}

static void
test_sanitize_case_collision (void)
{
  g_autofree char *upper = sg_sanitize_name ("PIKACHU");
  g_autofree char *lower = sg_sanitize_name ("pikachu");
  g_autofree char *upper_path = sg_library_sprite_relpath (25, "PIKACHU", SG_VARIANT_FRONT_DEFAULT);
  g_autofree char *lower_path = sg_library_sprite_relpath (25, "pikachu", SG_VARIANT_FRONT_DEFAULT);

  g_assert_cmpstr (upper, ==, lower);
  g_assert_cmpstr (upper_path, ==, lower_path);
}

/* Whatever the bytes, the result is a plain, short, visible file name */
static void
test_sanitize_random (void)
{
  g_autoptr(GRegex) safe_regex = g_regex_new ("^[a-z0-9][a-z0-9_-]*$", 0, 0, NULL);

  for (guint i = 0; i < 20000; i++)
    {
      gsize length = g_test_rand_int_range (0, 100);
      g_autofree char *name = g_malloc (length + 1);
      g_autofree char *safe = NULL;

      for (gsize j = 0; j < length; j++)
        {
          /* Mostly the characters that matter, sometimes any byte */
          static const char interesting[] = "./\\-_ aZ9%\x01\x7f\xc3\xa9";

          if (g_test_rand_bit ())
            name[j] = interesting[g_test_rand_int_range (0, sizeof interesting - 1)];
          else
            name[j] = (char) g_test_rand_int_range (1, 256);
        }
      name[length] = '\0';

      safe = sg_sanitize_name (name);
      g_assert_nonnull (safe);
      g_assert_cmpuint (strlen (safe), >, 0);
      g_assert_cmpuint (strlen (safe), <=, SG_LIBRARY_MAX_NAME_BYTES);
      if (!g_regex_match (safe_regex, safe, 0, NULL))
        g_error ("“%s” became the unsafe “%s”", g_strescape (name, NULL), safe);
      g_assert_false (g_str_has_suffix (safe, "-"));
      g_assert_false (g_str_has_suffix (safe, "_"));
    }
}

static void
test_relpath (void)
{
  struct {
    guint id;
    const char *name;
    SgVariant variant;
    const char *expected;
  } cases[] = {
    { 25, "pikachu", SG_VARIANT_FRONT_DEFAULT, "0025-pikachu.png" },
    { 1, "Bulbasaur", SG_VARIANT_FRONT_DEFAULT, "0001-bulbasaur.png" },
    { 0, "x", SG_VARIANT_FRONT_DEFAULT, "0000-x.png" },
    { 132, "ditto", SG_VARIANT_FRONT_DEFAULT, "0132-ditto.png" },
    { 1025, "pecharunt", SG_VARIANT_FRONT_DEFAULT, "1025-pecharunt.png" },
    { 10128, "lurantis-totem", SG_VARIANT_FRONT_DEFAULT, "10128-lurantis-totem.png" },
    { 25, "pikachu", SG_VARIANT_FRONT_SHINY, "front_shiny/0025-pikachu.png" },
    { 25, "pikachu", SG_VARIANT_BACK_DEFAULT, "back_default/0025-pikachu.png" },
    { 25, "pikachu", SG_VARIANT_BACK_SHINY, "back_shiny/0025-pikachu.png" },
    { 25, "pikachu", SG_VARIANT_OFFICIAL_ARTWORK, "official-artwork/0025-pikachu.png" },
    { 25, "../../x", SG_VARIANT_BACK_SHINY, "back_shiny/0025-x.png" },
    { 7, NULL, SG_VARIANT_FRONT_DEFAULT, "0007-unnamed.png" },
    { G_MAXUINT32, "x", SG_VARIANT_FRONT_DEFAULT, "4294967295-x.png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *relpath = sg_library_sprite_relpath (cases[i].id, cases[i].name,
                                                            cases[i].variant);

      g_assert_cmpstr (relpath, ==, cases[i].expected);
    }
}

static void
test_sprite_path (void)
{
  g_autoptr(SgLibrary) library = sg_library_new ("/srv/sprites");
  g_autofree char *path = NULL;
  g_autofree char *folder = NULL;

  g_assert_cmpstr (sg_library_get_folder (library), ==, "/srv/sprites");
  g_object_get (library, "folder", &folder, NULL);
  g_assert_cmpstr (folder, ==, "/srv/sprites");

  path = sg_library_sprite_path (library, 25, "Pikachu", SG_VARIANT_FRONT_DEFAULT);
  g_assert_cmpstr (path, ==, "/srv/sprites/0025-pikachu.png");

  g_clear_pointer (&path, g_free);
  path = sg_library_sprite_path (library, 25, "pikachu", SG_VARIANT_FRONT_SHINY);
  g_assert_cmpstr (path, ==, "/srv/sprites/front_shiny/0025-pikachu.png");
}

/* Folder */

static void
test_ensure_folder (void)
{
  g_autofree char *folder = make_folder_path ("a/b/c/sprites");
  g_autoptr(SgLibrary) library = sg_library_new (folder);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
  g_assert_true (sg_library_ensure_folder (library, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));

  /* Again: an existing folder is fine; the probe file is gone */
  g_assert_true (sg_library_ensure_folder (library, &error));
  g_assert_no_error (error);
  listing = list_directory (folder);
  g_assert_cmpstr (listing, ==, "");
}

static void
test_ensure_folder_under_file (void)
{
  g_autofree char *file = make_folder_path ("file.txt");
  g_autofree char *under = g_build_filename (file, "sprites", NULL);
  g_autoptr(SgLibrary) under_file = NULL;
  g_autoptr(SgLibrary) is_file = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0755), ==, 0);
  write_file (file, "x", 1);

  under_file = sg_library_new (under);
  g_assert_false (sg_library_ensure_folder (under_file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  message_escaped ("Error", error->message);
  g_assert_nonnull (strstr (error->message, "file.txt"));

  g_clear_error (&error);
  is_file = sg_library_new (file);
  g_assert_false (sg_library_ensure_folder (is_file, &error));
  g_assert_nonnull (error);
}

static void
test_ensure_folder_read_only (void)
{
  g_autofree char *folder = make_folder_path ("read-only");
  g_autoptr(SgLibrary) library = sg_library_new (folder);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (geteuid () == 0)
    {
      g_test_skip ("Permissions do not apply to root");
      return;
    }

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_cmpint (g_chmod (folder, 0555), ==, 0);
  ok = sg_library_ensure_folder (library, &error);
  g_chmod (folder, 0755);

  g_assert_false (ok);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "read-only"));
}

/* Storing */

static void
test_store_read_back (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  const char *folder = sg_library_get_folder (library);
  g_autoptr(GBytes) first = make_random_bytes (20000, 1);
  g_autoptr(GBytes) second = make_random_bytes (777, 2);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *shiny_path = NULL;
  g_autofree char *empty_path = NULL;
  g_autofree char *shiny_folder = NULL;
  g_autofree char *listing = NULL;
  GStatBuf st;

  g_assert_true (sg_library_store (library, "0025-pikachu.png", first, NULL, &error));
  g_assert_no_error (error);
  path = g_build_filename (folder, "0025-pikachu.png", NULL);
  assert_file_contents (path, first);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0044, ==, 0044);  /* readable by others, like any download */

  /* The variant subfolder is created on demand */
  g_assert_true (sg_library_store (library, "front_shiny/0025-pikachu.png", second, NULL,
                                   &error));
  g_assert_no_error (error);
  shiny_path = g_build_filename (folder, "front_shiny", "0025-pikachu.png", NULL);
  assert_file_contents (shiny_path, second);

  /* Replacing an existing file */
  g_assert_true (sg_library_store (library, "0025-pikachu.png", second, NULL, &error));
  g_assert_no_error (error);
  assert_file_contents (path, second);

  g_assert_true (sg_library_store (library, "0000-empty.png", empty, NULL, &error));
  g_assert_no_error (error);
  empty_path = g_build_filename (folder, "0000-empty.png", NULL);
  assert_file_contents (empty_path, empty);

  /* Nothing else was left behind */
  listing = list_directory (folder);
  g_assert_cmpstr (listing, ==, "0000-empty.png,0025-pikachu.png,front_shiny");
  g_clear_pointer (&listing, g_free);
  shiny_folder = g_build_filename (folder, "front_shiny", NULL);
  listing = list_directory (shiny_folder);
  g_assert_cmpstr (listing, ==, "0025-pikachu.png");
}

static void
test_store_unsafe_relpath (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  g_autoptr(GBytes) bytes = make_random_bytes (10, 3);
  g_autofree char *parent = g_path_get_dirname (sg_library_get_folder (library));
  g_autofree char *listing = NULL;
  g_autofree char *parent_listing_before = list_directory (parent);
  g_autofree char *parent_listing_after = NULL;
  const char *relpaths[] = {
    NULL,
    "",
    "/tmp/x.png",
    "../x.png",
    "..",
    ".",
    "front_shiny/../../x.png",
    "front_shiny/..",
    "./x.png",
    ".hidden.png",
    ".sg-tmp-abcdef",
    "front_shiny/.x.png",
    "a/b/c.png",
    "a//b.png",
    "front_shiny/",
    "a\\..\\x.png",
  };

  for (guint i = 0; i < G_N_ELEMENTS (relpaths); i++)
    {
      g_autoptr(GError) error = NULL;

      message_escaped ("Relpath", relpaths[i]);
      g_assert_false (sg_library_store (library, relpaths[i], bytes, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
      g_assert_false (sg_library_has_valid_sprite (library, relpaths[i]));
    }

  listing = list_directory (sg_library_get_folder (library));
  g_assert_cmpstr (listing, ==, "");
  parent_listing_after = list_directory (parent);
  g_assert_cmpstr (parent_listing_after, ==, parent_listing_before);
}

static void
test_store_cancelled (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  g_autoptr(GBytes) bytes = make_random_bytes (100, 4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (sg_library_store (library, "front_shiny/0001-x.png", bytes, cancellable,
                                    &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  listing = list_directory (sg_library_get_folder (library));
  g_assert_cmpstr (listing, ==, "");
}

static void
test_store_rename_fails (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  g_autoptr(GBytes) bytes = make_random_bytes (5000, 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = NULL;
  g_autofree char *listing = NULL;

  /* A non-empty directory where the file should go: rename() must fail */
  blocker = g_build_filename (sg_library_get_folder (library), "0001-x.png", "inside", NULL);
  g_assert_cmpint (g_mkdir_with_parents (blocker, 0755), ==, 0);

  g_assert_false (sg_library_store (library, "0001-x.png", bytes, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  message_escaped ("Error", error->message);
  g_assert_nonnull (strstr (error->message, "0001-x.png"));

  g_assert_cmpuint (count_temporary (sg_library_get_folder (library)), ==, 0);
  listing = list_directory (sg_library_get_folder (library));
  g_assert_cmpstr (listing, ==, "0001-x.png");
}

static void
test_store_write_fails (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  g_autoptr(GBytes) bytes = make_random_bytes (64 * 1024, 6);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  struct rlimit saved;
  struct rlimit limit;
  gboolean stored;

  /* A file size limit makes write() fail part way, like a full disk does:
   * EFBIG instead of ENOSPC, through the same path. */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = 4096;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  stored = sg_library_store (library, "back_default/0001-x.png", bytes, NULL, &error);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  g_assert_false (stored);
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  message_escaped ("Error", error->message);
  g_assert_nonnull (strstr (error->message, "0001-x.png"));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));

  /* Neither the temporary file nor a partial final file remains */
  {
    g_autofree char *subfolder = g_build_filename (sg_library_get_folder (library),
                                                   "back_default", NULL);

    listing = list_directory (subfolder);
    g_assert_cmpstr (listing, ==, "");
  }
}

typedef struct {
  SgLibrary *library;
  guint      thread;
  gboolean   ok;
} StoreThread;

#define N_THREADS 8
#define N_STORES  40

static GBytes *
thread_bytes (guint thread,
              guint n)
{
  gsize length = 1000 + (thread * 7919 + n * 104729) % 30000;

  return make_random_bytes (length, thread * 1000 + n);
}

static gpointer
store_thread (gpointer data)
{
  StoreThread *st = data;

  st->ok = TRUE;

  for (guint n = 0; n < N_STORES; n++)
    {
      SgVariant variant = (SgVariant) ((st->thread + n) % SG_N_VARIANTS);
      g_autofree char *relpath = sg_library_sprite_relpath (st->thread * 1000 + n, "x", variant);
      g_autoptr(GBytes) bytes = thread_bytes (st->thread, n);
      g_autoptr(GBytes) shared = NULL;
      g_autoptr(GError) error = NULL;
      guint8 *pattern = g_malloc (30000);

      /* Everyone also writes one shared name, each with its own pattern */
      memset (pattern, 'a' + st->thread, 30000);
      shared = g_bytes_new_take (pattern, 30000);

      if (!sg_library_store (st->library, relpath, bytes, NULL, &error) ||
          !sg_library_store (st->library, "shared.png", shared, NULL, &error))
        {
          g_printerr ("Thread %u: %s\n", st->thread, error->message);
          st->ok = FALSE;
        }
    }

  return NULL;
}

static void
test_store_concurrent (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  const char *folder = sg_library_get_folder (library);
  StoreThread data[N_THREADS];
  GThread *threads[N_THREADS];
  g_autofree char *shared_path = NULL;
  g_autofree char *shared = NULL;
  gsize shared_length = 0;

  for (guint t = 0; t < N_THREADS; t++)
    {
      data[t] = (StoreThread) { library, t, FALSE };
      threads[t] = g_thread_new ("store", store_thread, &data[t]);
    }

  for (guint t = 0; t < N_THREADS; t++)
    {
      g_thread_join (threads[t]);
      g_assert_true (data[t].ok);
    }

  for (guint t = 0; t < N_THREADS; t++)
    {
      for (guint n = 0; n < N_STORES; n++)
        {
          SgVariant variant = (SgVariant) ((t + n) % SG_N_VARIANTS);
          g_autofree char *path = sg_library_sprite_path (library, t * 1000 + n, "x", variant);
          g_autoptr(GBytes) expected = thread_bytes (t, n);

          assert_file_contents (path, expected);
        }
    }

  /* The shared file is one writer's whole contents, never a mix */
  shared_path = g_build_filename (folder, "shared.png", NULL);
  g_assert_true (g_file_get_contents (shared_path, &shared, &shared_length, NULL));
  g_assert_cmpuint (shared_length, ==, 30000);
  g_assert_cmpint (shared[0], >=, 'a');
  g_assert_cmpint (shared[0], <, 'a' + N_THREADS);
  for (gsize i = 0; i < shared_length; i++)
    g_assert_cmpint (shared[i], ==, shared[0]);

  g_assert_cmpuint (count_temporary (folder), ==, 0);
  for (guint v = 1; v < SG_N_VARIANTS; v++)
    {
      g_autofree char *subfolder = g_build_filename (folder, sg_variant_to_string (v), NULL);

      g_assert_true (g_file_test (subfolder, G_FILE_TEST_IS_DIR));
      g_assert_cmpuint (count_temporary (subfolder), ==, 0);
    }
}

/* Cleaning */

static void
test_clean_temporary (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  const char *folder = sg_library_get_folder (library);
  const char *create_files[] = {
    ".sg-tmp-AbC123",
    ".sg-tmp-",
    "front_shiny/.sg-tmp-XyZ789",
    "back_default/.sg-tmp-000000",
    "0025-pikachu.png",
    ".sg-tmpfoo",
    "sg-tmp-visible",
    "front_shiny/0025-pikachu.png",
    "unrelated/.sg-tmp-keepme",
  };
  const char *create_dirs[] = {
    "front_shiny",
    "back_default",
    "unrelated",
    ".sg-tmp-directory",
  };
  g_autofree char *listing = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (create_dirs); i++)
    {
      g_autofree char *path = g_build_filename (folder, create_dirs[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
    }

  for (guint i = 0; i < G_N_ELEMENTS (create_files); i++)
    {
      g_autofree char *path = g_build_filename (folder, create_files[i], NULL);

      write_file (path, "partial", 7);
    }

  g_assert_cmpuint (sg_library_clean_temporary (library), ==, 4);

  listing = list_directory (folder);
  g_assert_cmpstr (listing, ==,
                   ".sg-tmp-directory,.sg-tmpfoo,0025-pikachu.png,back_default,front_shiny,"
                   "sg-tmp-visible,unrelated");
  g_clear_pointer (&listing, g_free);
  {
    g_autofree char *path = g_build_filename (folder, "front_shiny", NULL);

    listing = list_directory (path);
    g_assert_cmpstr (listing, ==, "0025-pikachu.png");
  }
  g_clear_pointer (&listing, g_free);
  {
    g_autofree char *path = g_build_filename (folder, "unrelated", NULL);

    listing = list_directory (path);
    g_assert_cmpstr (listing, ==, ".sg-tmp-keepme");
  }

  /* Nothing left to do */
  g_assert_cmpuint (sg_library_clean_temporary (library), ==, 0);
}

static void
test_clean_temporary_missing_folder (void)
{
  g_autofree char *folder = make_folder_path ("does-not-exist");
  g_autoptr(SgLibrary) library = sg_library_new (folder);

  g_assert_cmpuint (sg_library_clean_temporary (library), ==, 0);
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
}

/* Validity */

static void
test_valid_sprite (void)
{
  g_autoptr(SgLibrary) library = make_library ();
  const char *folder = sg_library_get_folder (library);
  g_autoptr(GBytes) png = make_png ();
  const guint8 *data = g_bytes_get_data (png, NULL);
  gsize length = g_bytes_get_size (png);
  g_autoptr(GError) error = NULL;

  g_assert_true (sg_library_store (library, "0001-good.png", png, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (sg_library_has_valid_sprite (library, "0001-good.png"));

  g_assert_true (sg_library_store (library, "official-artwork/0001-good.png", png, NULL,
                                   &error));
  g_assert_true (sg_library_has_valid_sprite (library, "official-artwork/0001-good.png"));

  /* Missing */
  g_assert_false (sg_library_has_valid_sprite (library, "0002-missing.png"));
  g_assert_false (sg_library_has_valid_sprite (library, "front_shiny/0002-missing.png"));

  /* Cut short, at several places: the end is not IEND */
  {
    const gsize cuts[] = { 0, 1, 8, 32, 33, 45, length / 2, length - 1 };

    for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
      {
        g_autoptr(GBytes) cut = g_bytes_new (data, cuts[i]);

        g_assert_true (sg_library_store (library, "0003-cut.png", cut, NULL, &error));
        g_assert_false (sg_library_has_valid_sprite (library, "0003-cut.png"));
      }
  }

  /* Something after IEND */
  {
    g_autoptr(GByteArray) longer = g_byte_array_new ();
    g_autoptr(GBytes) bytes = NULL;

    g_byte_array_append (longer, data, length);
    g_byte_array_append (longer, (const guint8 *) "junk", 4);
    bytes = g_byte_array_free_to_bytes (g_steal_pointer (&longer));
    g_assert_true (sg_library_store (library, "0004-junk.png", bytes, NULL, &error));
    g_assert_false (sg_library_has_valid_sprite (library, "0004-junk.png"));
  }

  /* Not a PNG at all, but ending like one */
  {
    g_autoptr(GByteArray) fake = g_byte_array_new ();
    g_autoptr(GBytes) bytes = NULL;

    const char *html = "<html><body>Not Found</body></html>\n";

    g_byte_array_append (fake, (const guint8 *) html, strlen (html));
    g_byte_array_append (fake, data + length - 12, 12);
    bytes = g_byte_array_free_to_bytes (g_steal_pointer (&fake));
    g_assert_true (sg_library_store (library, "0005-html.png", bytes, NULL, &error));
    g_assert_false (sg_library_has_valid_sprite (library, "0005-html.png"));
  }

  /* A header claiming 20000×20000 pixels, ending like a PNG */
  {
    g_autofree guint8 *huge = g_memdup2 (data, length);
    g_autoptr(GBytes) bytes = NULL;

    huge[16] = 0;
    huge[17] = 0;
    huge[18] = 0x4e;
    huge[19] = 0x20;
    bytes = g_bytes_new (huge, length);
    g_assert_true (sg_library_store (library, "0006-huge.png", bytes, NULL, &error));
    g_assert_false (sg_library_has_valid_sprite (library, "0006-huge.png"));
  }

  g_assert_no_error (error);

  /* A symlink to a valid sprite is not one of ours */
  {
    g_autofree char *target = g_build_filename (folder, "0001-good.png", NULL);
    g_autofree char *link = g_build_filename (folder, "0007-link.png", NULL);

    g_assert_cmpint (symlink (target, link), ==, 0);
    g_assert_false (sg_library_has_valid_sprite (library, "0007-link.png"));
  }

  /* A directory and a FIFO under a sprite's name (the FIFO must not hang) */
  {
    g_autofree char *dir = g_build_filename (folder, "0008-dir.png", NULL);
    g_autofree char *fifo = g_build_filename (folder, "0009-fifo.png", NULL);

    g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
    g_assert_false (sg_library_has_valid_sprite (library, "0008-dir.png"));
    g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
    g_assert_false (sg_library_has_valid_sprite (library, "0009-fifo.png"));
  }

  /* The good one is still good */
  g_assert_true (sg_library_has_valid_sprite (library, "0001-good.png"));
}

int
main (int   argc,
      char *argv[])
{
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/library/sanitize/table", test_sanitize_table);
  g_test_add_func ("/library/sanitize/case-collision", test_sanitize_case_collision);
  g_test_add_func ("/library/sanitize/random", test_sanitize_random);
  g_test_add_func ("/library/path/relpath", test_relpath);
  g_test_add_func ("/library/path/sprite-path", test_sprite_path);
  g_test_add_func ("/library/folder/ensure", test_ensure_folder);
  g_test_add_func ("/library/folder/under-file", test_ensure_folder_under_file);
  g_test_add_func ("/library/folder/read-only", test_ensure_folder_read_only);
  g_test_add_func ("/library/store/read-back", test_store_read_back);
  g_test_add_func ("/library/store/unsafe-relpath", test_store_unsafe_relpath);
  g_test_add_func ("/library/store/cancelled", test_store_cancelled);
  g_test_add_func ("/library/store/rename-fails", test_store_rename_fails);
  g_test_add_func ("/library/store/write-fails", test_store_write_fails);
  g_test_add_func ("/library/store/concurrent", test_store_concurrent);
  g_test_add_func ("/library/clean/temporary", test_clean_temporary);
  g_test_add_func ("/library/clean/missing-folder", test_clean_temporary_missing_folder);
  g_test_add_func ("/library/valid-sprite", test_valid_sprite);

  return g_test_run ();
}
