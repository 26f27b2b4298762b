/* test-library-index.c: the library index: round trip, rebuild, freshness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk/gdk.h>
#include <glib/gstdio.h>

#include "sg-library-index.h"

#define NOW ((gint64) 1800000000)

static GBytes *
make_png (void)
{
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 data[4 * 4 * 4] = { 0 };

  pixels = g_bytes_new (data, sizeof data);
  texture = gdk_memory_texture_new (4, 4, GDK_MEMORY_R8G8B8A8, pixels, 16);

  return gdk_texture_save_to_png_bytes (texture);
}

static void
write_file (const char *folder,
            const char *relpath,
            GBytes     *bytes)
{
  g_autofree char *path = g_build_filename (folder, relpath, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
}

static char *
make_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *folder = g_dir_make_tmp ("sg-index-XXXXXX", &error);

  g_assert_no_error (error);
  return folder;
}

static void
test_round_trip (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *path = g_build_filename (folder, "index", "library.json", NULL);
  g_autoptr(SgLibraryIndex) index = sg_library_index_new ();
  g_autoptr(SgLibraryIndex) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  static const char * const types[] = { "electric", NULL };
  SgIndexEntry *entry;
  gboolean rebuilt = TRUE;

  entry = sg_library_index_ensure (index, 25, "pikachu");
  g_strfreev (entry->types);
  entry->types = g_strdupv ((char **) types);
  entry->height = 4;
  entry->weight = 60;
  entry->sprite_urls[SG_VARIANT_FRONT_DEFAULT] = g_strdup ("http://x/25.png");
  sg_library_index_set_file (index, 25, SG_VARIANT_FRONT_DEFAULT, "W/\"abc\"", NULL, NOW - 5, 3600);
  sg_library_index_ensure (index, 1, "bulbasaur");

  json = sg_library_index_to_json (index);
  /* The folder of the index is created as needed. */
  g_assert_true (sg_library_index_write (path, json, &error));
  g_assert_no_error (error);

  loaded = sg_library_index_load (path, folder, NOW, &rebuilt);
  g_assert_false (rebuilt);
  g_assert_cmpuint (sg_library_index_get_n_entries (loaded), ==, 2);
  entry = sg_library_index_lookup (loaded, 25);
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->name, ==, "pikachu");
  g_assert_cmpstrv (entry->types, types);
  g_assert_cmpuint (entry->height, ==, 4);
  g_assert_cmpuint (entry->weight, ==, 60);
  g_assert_cmpstr (entry->sprite_urls[SG_VARIANT_FRONT_DEFAULT], ==, "http://x/25.png");
  g_assert_null (entry->sprite_urls[SG_VARIANT_FRONT_SHINY]);
  g_assert_nonnull (entry->files[SG_VARIANT_FRONT_DEFAULT]);
  g_assert_cmpstr (entry->files[SG_VARIANT_FRONT_DEFAULT]->etag, ==, "W/\"abc\"");
  g_assert_null (entry->files[SG_VARIANT_FRONT_DEFAULT]->last_modified);
  g_assert_cmpint (entry->files[SG_VARIANT_FRONT_DEFAULT]->checked, ==, NOW - 5);
  g_assert_cmpint (entry->files[SG_VARIANT_FRONT_DEFAULT]->max_age, ==, 3600);
  g_assert_null (entry->files[SG_VARIANT_BACK_DEFAULT]);

  /* Entries come back in Pokédex order. */
  {
    g_autoptr(GPtrArray) entries = sg_library_index_dup_entries (loaded);

    g_assert_cmpuint (((SgIndexEntry *) g_ptr_array_index (entries, 0))->id, ==, 1);
    g_assert_cmpuint (((SgIndexEntry *) g_ptr_array_index (entries, 1))->id, ==, 25);
  }
}

static void
test_rebuild_corrupt (void)
{
  static const char * const corrupt[] = {
    "",
    "not json",
    "{\"version\":1,\"entries\":[{\"id\":25,\"name\":\"pikachu\"",
    "{\"version\":99,\"entries\":[]}",
    "{\"version\":1,\"entries\":{}}",
    "{\"version\":1,\"entries\":[{\"id\":-3,\"name\":\"x\"}]}",
    "{\"version\":1,\"entries\":[{\"id\":\"25\",\"name\":\"x\"}]}",
    "[1,2,3]",
    NULL, /* no index file at all */
  };
  g_autofree char *folder = make_folder ();
  g_autofree char *path = g_build_filename (folder, "library.json", NULL);
  g_autoptr(GBytes) png = make_png ();
  g_autoptr(GBytes) not_png = g_bytes_new_static ("<html>", 6);

  write_file (folder, "0001-bulbasaur.png", png);
  write_file (folder, "front_shiny/0025-pikachu.png", png);
  write_file (folder, "10128-lurantis-totem.png", png);
  /* Not a valid PNG: left out, so it is fetched again. */
  write_file (folder, "0002-ivysaur.png", not_png);
  /* Not a sprite name at all. */
  write_file (folder, "notes.png", png);
  write_file (folder, ".sg-tmp-ABCDEF", png);

  for (guint i = 0; i < G_N_ELEMENTS (corrupt); i++)
    {
      g_autoptr(SgLibraryIndex) index = NULL;
      gboolean rebuilt = FALSE;
      SgIndexEntry *entry;

      g_unlink (path);
      if (corrupt[i] != NULL)
        g_assert_true (g_file_set_contents (path, corrupt[i], -1, NULL));

      index = sg_library_index_load (path, folder, NOW, &rebuilt);
      g_assert_true (rebuilt);
      g_assert_cmpuint (sg_library_index_get_n_entries (index), ==, 3);

      entry = sg_library_index_lookup (index, 1);
      g_assert_cmpstr (entry->name, ==, "bulbasaur");
      /* Counted as checked now: a crash never causes a wave of re-downloads. */
      g_assert_cmpint (entry->files[SG_VARIANT_FRONT_DEFAULT]->checked, ==, NOW);
      g_assert_true (sg_index_file_is_fresh (entry->files[SG_VARIANT_FRONT_DEFAULT], NOW + 1));

      entry = sg_library_index_lookup (index, 25);
      g_assert_null (entry->files[SG_VARIANT_FRONT_DEFAULT]);
      g_assert_nonnull (entry->files[SG_VARIANT_FRONT_SHINY]);

      g_assert_nonnull (sg_library_index_lookup (index, 10128));
      g_assert_null (sg_library_index_lookup (index, 2));
    }
}

static void
test_freshness (void)
{
  SgIndexFile file = { NULL, NULL, NOW, SG_INDEX_DEFAULT_MAX_AGE };

  g_assert_false (sg_index_file_is_fresh (NULL, NOW));
  g_assert_true (sg_index_file_is_fresh (&file, NOW));
  g_assert_true (sg_index_file_is_fresh (&file, NOW + SG_INDEX_DEFAULT_MAX_AGE - 1));
  g_assert_false (sg_index_file_is_fresh (&file, NOW + SG_INDEX_DEFAULT_MAX_AGE));
  /* A clock that went backwards: stale, not fresh forever. */
  g_assert_false (sg_index_file_is_fresh (&file, NOW - 1));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/library-index/round-trip", test_round_trip);
  g_test_add_func ("/library-index/rebuild/corrupt-or-missing", test_rebuild_corrupt);
  g_test_add_func ("/library-index/freshness", test_freshness);

  return g_test_run ();
}
