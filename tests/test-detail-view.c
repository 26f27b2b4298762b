/* test-detail-view.c: the detail view and the export helpers, against the fake server
 *
 * Needs a display (run under xvfb-run); every test skips without one.
 * Tests assert behaviour, never durations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sg-detail-view.h"
#include "sg-downloader.h"
#include "sg-export.h"
#include "sg-fake-server.h"
#include "sg-pokemon.h"
#include "sg-sprite-picture.h"
#include "sg-test-ui.h"
#include "sg-test-utils.h"

#define WAIT_SECONDS 60

/* What the fake server offers of each Pokémon: the four game sprites and
 * the official artwork; no female forms. */
#define N_FAKE_VARIANTS 5

static gboolean   have_display;

/* ── Helpers ───────────────────────────────────────────────────────────── */

static gboolean
label_is (GtkWidget     *widget,
          gconstpointer  data)
{
  return g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

static gboolean
has_css_class (GtkWidget     *widget,
               gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, data);
}

static gboolean
shown (GtkWidget *widget)
{
  return gtk_widget_is_visible (widget) && gtk_widget_get_child_visible (widget);
}

static gboolean
shows_label (GtkWidget  *root,
             const char *text)
{
  GtkWidget *label = sg_test_find_one (root, GTK_TYPE_LABEL, label_is, text);

  return label != NULL && shown (label);
}

static gboolean
textures_equal (GdkTexture *a,
                GdkTexture *b)
{
  int width = gdk_texture_get_width (a);
  int height = gdk_texture_get_height (a);
  g_autofree guchar *pixels_a = NULL;
  g_autofree guchar *pixels_b = NULL;

  if (width != gdk_texture_get_width (b) || height != gdk_texture_get_height (b))
    return FALSE;

  pixels_a = g_malloc ((gsize) width * height * 4);
  pixels_b = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (a, pixels_a, width * 4);
  gdk_texture_download (b, pixels_b, width * 4);

  return memcmp (pixels_a, pixels_b, (gsize) width * height * 4) == 0;
}

/* ── The fixture: a fake server, a downloader after a run, a view ───────── */

typedef struct {
  char         *folder;       /* temporary */
  SgFakeServer *server;
  SgDownloader *downloader;
  GtkWindow    *window;
  SgDetailView *view;
  SgTestRun     run;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!have_display)
    return;

  f->folder = sg_test_make_tmp_dir ("sg-test-detail");
  f->downloader = sg_test_downloader_new (f->folder);
  g_object_set (f->downloader, "decode-textures", TRUE, NULL);
}

/* A fake server of @count Pokémon answering after @latency_ms, and a whole
 * run against it, so the items have their details and their sprite. */
static void
fixture_run_with_fault (Fixture     *f,
                        guint        count,
                        guint        latency_ms,
                        SgFakeFault  fault,
                        guint        fault_id)
{
  f->server = sg_fake_server_new (count, latency_ms);
  if (fault_id != 0)
    sg_fake_server_add_fault (f->server, fault, fault_id);
  sg_test_serve (f->server, 0, f->downloader, count);

  sg_test_run_start (&f->run, f->downloader);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, sg_test_run_is_done, &f->run, "the end of the run"));
  g_assert_no_error (f->run.error);
}

static void
fixture_run (Fixture *f,
             guint    count,
             guint    latency_ms)
{
  fixture_run_with_fault (f, count, latency_ms, SG_FAKE_FAULT_NOT_PNG, 0);
}

static void
fixture_open_view (Fixture *f)
{
  f->view = SG_DETAIL_VIEW (sg_detail_view_new (f->downloader));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 520, 900);
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  gtk_window_present (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, sg_test_widget_is_mapped, f->view, "the view to be mapped"));
}

static gboolean
server_is_idle (gpointer data)
{
  return sg_fake_server_get_in_flight (data) == 0;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  /* Cancelled fetches still end on the server; let them, so nothing of
   * this test reaches the next. */
  if (f->server != NULL)
    g_assert_true (sg_test_wait_until (WAIT_SECONDS, server_is_idle, f->server, "the server to be idle"));
  /* Late callbacks, if any, arrive. */
  sg_test_wait (200);
  g_clear_error (&f->run.error);
  g_clear_object (&f->downloader);
  g_clear_pointer (&f->server, sg_fake_server_free);
  if (f->folder != NULL)
    sg_test_remove_tree (f->folder);
  g_clear_pointer (&f->folder, g_free);
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
        return item;  /* the model keeps it */
    }

  return NULL;
}

static SgPokemon *
item_at (Fixture *f,
         guint    position)
{
  g_autoptr(SgPokemon) item = g_list_model_get_item (sg_downloader_get_items (f->downloader), position);

  g_assert_nonnull (item);

  return item;  /* the model keeps it */
}

/* The thumbnails are the flow box's children. */
static GPtrArray *
thumbnails (SgDetailView *view)
{
  return sg_test_find_all (GTK_WIDGET (view), GTK_TYPE_FLOW_BOX_CHILD, NULL, NULL);
}

static GdkTexture *
thumbnail_texture (GtkWidget *thumbnail)
{
  GtkWidget *picture = sg_test_find_one (thumbnail, SG_TYPE_SPRITE_PICTURE, NULL, NULL);

  g_assert_nonnull (picture);

  return sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture));
}

static gboolean
all_thumbnails_loaded (gpointer data)
{
  g_autoptr(GPtrArray) children = thumbnails (data);

  if (children->len == 0)
    return FALSE;

  for (guint i = 0; i < children->len; i++)
    if (thumbnail_texture (g_ptr_array_index (children, i)) == NULL)
      return FALSE;

  return TRUE;
}

static GtkWidget *
large_picture (SgDetailView *view)
{
  g_autoptr(GPtrArray) pictures = sg_test_find_all (GTK_WIDGET (view), SG_TYPE_SPRITE_PICTURE, NULL, NULL);

  for (guint i = 0; i < pictures->len; i++)
    {
      GtkWidget *picture = g_ptr_array_index (pictures, i);

      if (gtk_widget_get_ancestor (picture, GTK_TYPE_FLOW_BOX) == NULL)
        return picture;
    }

  return NULL;
}

/* What assistive technologies see of the large sprite: an image. */
static GtkWidget *
large_sprite (SgDetailView *view)
{
  GtkWidget *box = sg_test_find_one (GTK_WIDGET (view), GTK_TYPE_WIDGET, has_css_class, "large-sprite");

  g_assert_nonnull (box);
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (box)), ==, GTK_ACCESSIBLE_ROLE_IMG);

  return box;
}

/* ── Tests ─────────────────────────────────────────────────────────────── */

static void
test_facts (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) pills = NULL;
  g_autofree char *title = NULL;
  g_autofree char *accessible = NULL;
  GtkWidget *picture;
  SgPokemon *item;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_run (f, 30, 0);
  fixture_open_view (f);

  /* Nothing yet: a status page, and nothing to copy. */
  g_assert_null (sg_detail_view_get_item (f->view));
  g_assert_null (sg_detail_view_get_texture (f->view));
  g_assert_true (shows_label (GTK_WIDGET (f->view), "No Pokémon Selected"));

  item = item_with_id (f, 25);
  g_assert_nonnull (item);
  g_assert_true (sg_pokemon_has_details (item));
  sg_detail_view_set_item (f->view, item);
  g_assert_true (sg_detail_view_get_item (f->view) == item);

  title = sg_pokemon_dup_title (item);
  g_assert_true (shows_label (GTK_WIDGET (f->view), "#025"));
  g_assert_true (shows_label (GTK_WIDGET (f->view), title));
  /* Every fake detail is Bulbasaur's: 7 dm, 69 hg, grass and poison. */
  g_assert_true (shows_label (GTK_WIDGET (f->view), "0.7 m"));
  g_assert_true (shows_label (GTK_WIDGET (f->view), "6.9 kg"));

  pills = sg_test_find_all (GTK_WIDGET (f->view), GTK_TYPE_LABEL, has_css_class, "type-pill");
  g_assert_cmpuint (pills->len, ==, 2);
  g_assert_nonnull (sg_test_find_one (GTK_WIDGET (f->view), GTK_TYPE_LABEL, label_is, "Grass"));
  g_assert_nonnull (sg_test_find_one (GTK_WIDGET (f->view), GTK_TYPE_LABEL, label_is, "Poison"));
  g_assert_true (gtk_widget_has_css_class (sg_test_find_one (GTK_WIDGET (f->view), GTK_TYPE_LABEL, label_is, "Grass"),
                                           "type-grass"));

  /* Large: the item's own sprite and file. */
  g_assert_nonnull (sg_pokemon_get_texture (item));
  g_assert_true (sg_detail_view_get_texture (f->view) == sg_pokemon_get_texture (item));
  g_assert_cmpstr (sg_detail_view_get_path (f->view), ==, sg_pokemon_get_path (item));
  picture = large_picture (f->view);
  g_assert_nonnull (picture);
  g_assert_true (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)) == sg_pokemon_get_texture (item));
  /* Whole-number scale of a 96 px sprite. */
  g_assert_cmpint (sg_sprite_picture_get_size (SG_SPRITE_PICTURE (picture)) % 96, ==, 0);

  accessible = g_strdup_printf ("%s, Front", title);
  gtk_test_accessible_assert_property (large_sprite (f->view),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, accessible);

  /* Back to nothing. */
  sg_detail_view_set_item (f->view, NULL);
  g_assert_null (sg_detail_view_get_texture (f->view));
  g_assert_null (sg_detail_view_get_path (f->view));
  {
    g_autoptr(GPtrArray) none = thumbnails (f->view);

    g_assert_cmpuint (none->len, ==, 0);
  }
}

static gboolean
path_has_prefix (GPtrArray  *paths,
                 const char *prefix)
{
  for (guint i = 0; i < paths->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (paths, i), prefix))
      return TRUE;

  return FALSE;
}

static void
test_variants_fetched (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) children = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  g_autofree char *shiny_path = NULL;
  g_autofree char *shiny_label = NULL;
  g_autofree char *title = NULL;
  GtkWidget *shiny = NULL;
  SgDetailView *second;
  GtkWindow *second_window;
  SgPokemon *item;
  guint n_before;
  guint id;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_run (f, 6, 0);
  fixture_open_view (f);
  item = item_at (f, 2);
  id = sg_pokemon_get_id (item);
  title = sg_pokemon_dup_title (item);
  n_before = sg_test_count_pngs (f->folder);
  g_assert_cmpuint (n_before, ==, 6);

  sg_fake_server_reset_counters (f->server);
  sg_detail_view_set_item (f->view, item);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, all_thumbnails_loaded, f->view, "the thumbnails"));

  children = thumbnails (f->view);
  g_assert_cmpuint (children->len, ==, N_FAKE_VARIANTS);
  for (guint i = 0; i < children->len; i++)
    {
      GtkWidget *child = g_ptr_array_index (children, i);

      /* Keyboard users reach every one. */
      g_assert_true (gtk_widget_get_focusable (child));
      if (sg_test_find_one (child, GTK_TYPE_LABEL, label_is, "Front, Shiny") != NULL)
        shiny = child;
    }
  g_assert_nonnull (shiny);
  gtk_test_accessible_assert_property (shiny, GTK_ACCESSIBLE_PROPERTY_LABEL, "Front, Shiny, loaded");

  /* The four others came from the server, and are in the library now;
   * the item's own sprite was not fetched again. */
  paths = sg_fake_server_dup_request_paths (f->server);
  shiny_path = g_strdup_printf ("/sprites/pokemon/shiny/%u.png", id);
  g_assert_true (path_has_prefix (paths, shiny_path));
  g_assert_cmpuint (sg_test_count_pngs (f->folder), ==, n_before + N_FAKE_VARIANTS - 1);

  /* Clicked, it is shown large, and its file is the library's. */
  g_signal_emit_by_name (shiny, "activate");
  g_assert_true (sg_detail_view_get_texture (f->view) == thumbnail_texture (shiny));
  g_assert_false (sg_detail_view_get_texture (f->view) == sg_pokemon_get_texture (item));
  g_assert_true (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (large_picture (f->view))) ==
                 thumbnail_texture (shiny));
  g_assert_nonnull (sg_detail_view_get_path (f->view));
  g_assert_true (g_str_has_prefix (sg_detail_view_get_path (f->view), f->folder));
  g_assert_true (g_file_test (sg_detail_view_get_path (f->view), G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (sg_detail_view_get_path (f->view), !=, sg_pokemon_get_path (item));
  shiny_label = g_strdup_printf ("%s, Front, Shiny", title);
  gtk_test_accessible_assert_property (large_sprite (f->view),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, shiny_label);

  /* Another view of the same item: all from the library, no request. */
  sg_fake_server_reset_counters (f->server);
  second = SG_DETAIL_VIEW (sg_detail_view_new (f->downloader));
  second_window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (second_window, GTK_WIDGET (second));
  gtk_window_present (second_window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, sg_test_widget_is_mapped, second, "the second view"));
  sg_detail_view_set_item (second, item);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, all_thumbnails_loaded, second, "the second view's thumbnails"));
  g_assert_cmpuint (sg_fake_server_get_n_requests (f->server), ==, 0);
  gtk_window_destroy (second_window);
}

static void
test_cancel_on_item_change (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) children = NULL;
  SgPokemon *first;
  SgPokemon *second;
  guint n_before;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  /* Slow enough that the first item's fetches are still out when the
   * second item comes. */
  fixture_run (f, 4, 300);
  fixture_open_view (f);
  first = item_at (f, 0);
  second = item_at (f, 1);
  n_before = sg_test_count_pngs (f->folder);

  sg_detail_view_set_item (f->view, first);
  sg_detail_view_set_item (f->view, second);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, all_thumbnails_loaded, f->view, "the second item's thumbnails"));
  /* Had the first item's fetches gone on, their files would land by now. */
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, server_is_idle, f->server, "the server to be idle"));
  /* Late callbacks, if any, arrive. */
  sg_test_wait (200);

  children = thumbnails (f->view);
  g_assert_cmpuint (children->len, ==, N_FAKE_VARIANTS);
  g_assert_cmpuint (sg_test_count_pngs (f->folder), ==, n_before + N_FAKE_VARIANTS - 1);
  g_assert_true (sg_detail_view_get_texture (f->view) == sg_pokemon_get_texture (second));
}

static gboolean
all_thumbnails_failed (gpointer data)
{
  g_autoptr(GPtrArray) children = thumbnails (data);

  if (children->len == 0)
    return FALSE;

  for (guint i = 0; i < children->len; i++)
    if (gtk_widget_get_tooltip_text (g_ptr_array_index (children, i)) == NULL)
      return FALSE;

  return TRUE;
}

/* Every sprite of one Pokémon is not a PNG: each thumbnail says why, in its
 * tooltip and to screen readers, and so does the large box. */
static void
test_variants_failed (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) children = NULL;
  g_autofree char *accessible = NULL;
  const char *reason;
  GtkWidget *error_image;
  SgPokemon *item;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_run_with_fault (f, 4, 0, SG_FAKE_FAULT_NOT_PNG, 3);
  fixture_open_view (f);
  item = item_with_id (f, 3);
  g_assert_nonnull (item);
  g_assert_cmpuint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_FAILED);

  sg_detail_view_set_item (f->view, item);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, all_thumbnails_failed, f->view, "the thumbnails to fail"));

  children = thumbnails (f->view);
  g_assert_cmpuint (children->len, ==, N_FAKE_VARIANTS);
  for (guint i = 0; i < children->len; i++)
    {
      GtkWidget *child = g_ptr_array_index (children, i);

      g_assert_null (thumbnail_texture (child));
      reason = gtk_widget_get_tooltip_text (child);
      g_assert_nonnull (reason);
      g_assert_cmpstr (reason, !=, "");
    }

  /* The large box: no sprite, the item's reason, nothing to copy or save. */
  g_assert_null (sg_detail_view_get_texture (f->view));
  g_assert_nonnull (sg_pokemon_get_reason (item));
  g_assert_true (shows_label (GTK_WIDGET (f->view), sg_pokemon_get_reason (item)));
  error_image = sg_test_find_one (GTK_WIDGET (f->view), GTK_TYPE_IMAGE, NULL, NULL);
  g_assert_nonnull (error_image);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (f->view), "detail.copy", NULL) &&
                  sg_detail_view_get_texture (f->view) != NULL);

  /* A failed variant, clicked: its own reason. */
  g_signal_emit_by_name (g_ptr_array_index (children, 1), "activate");
  reason = gtk_widget_get_tooltip_text (g_ptr_array_index (children, 1));
  g_assert_true (shows_label (GTK_WIDGET (f->view), reason));
  accessible = g_strdup_printf ("Front, Shiny, failed: %s", reason);
  gtk_test_accessible_assert_property (g_ptr_array_index (children, 1),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, accessible);
}

static gboolean
thumbnails_are (gpointer data)
{
  gpointer *args = data;
  g_autoptr(GPtrArray) children = thumbnails (args[0]);

  return children->len == GPOINTER_TO_UINT (args[1]) && all_thumbnails_loaded (args[0]);
}

/* An item the run has not reached knows nothing of its variants: the view
 * learns them by fetching its own sprite (which brings the detail), then
 * shows them all. */
static void
test_details_on_demand (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SgPokemon) item = NULL;
  g_autofree char *base_url = NULL;
  g_autoptr(GError) error = NULL;
  gpointer args[2];

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  f->server = sg_fake_server_new (30, 0);
  g_assert_true (sg_fake_server_start (f->server, 0, &error));
  g_assert_no_error (error);
  base_url = sg_fake_server_dup_base_url (f->server);
  g_object_set (f->downloader, "base-url", base_url, NULL);
  fixture_open_view (f);

  item = sg_pokemon_new (25, "pikachu");
  g_assert_false (sg_pokemon_has_details (item));
  sg_detail_view_set_item (f->view, item);

  args[0] = f->view;
  args[1] = GUINT_TO_POINTER (N_FAKE_VARIANTS);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, thumbnails_are, args, "every variant's thumbnail"));
  g_assert_true (sg_pokemon_has_details (item));
  g_assert_true (shows_label (GTK_WIDGET (f->view), "0.7 m"));
  g_assert_nonnull (sg_test_find_one (GTK_WIDGET (f->view), GTK_TYPE_LABEL, label_is, "Grass"));
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closing the window cancels the fetches; their callbacks, which hold the
 * last references, find the view's thumbnails gone and touch nothing. */
static void
test_dispose_cancels (Fixture       *f,
                      gconstpointer  data)
{
  gpointer view;
  guint n_before;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_run (f, 3, 300);
  fixture_open_view (f);
  n_before = sg_test_count_pngs (f->folder);

  sg_detail_view_set_item (f->view, item_at (f, 0));
  view = f->view;
  g_object_add_weak_pointer (G_OBJECT (view), &view);
  f->view = NULL;
  gtk_window_destroy (g_steal_pointer (&f->window));

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, pointer_is_null, &view, "the view to be finalized"));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, server_is_idle, f->server, "the server to be idle"));
  /* Late callbacks, if any, arrive. */
  sg_test_wait (200);
  g_assert_cmpuint (sg_test_count_pngs (f->folder), ==, n_before);
}

typedef struct {
  GdkTexture *texture;
  GError     *error;
  gboolean    done;
} ReadResult;

static void
read_texture_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ReadResult *read = user_data;

  read->texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &read->error);
  read->done = TRUE;
}

static gboolean
read_is_done (gpointer data)
{
  return ((ReadResult *) data)->done;
}

static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  GdkClipboard *clipboard;
  ReadResult read = { 0 };
  SgPokemon *item;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_run (f, 3, 0);
  fixture_open_view (f);

  /* Nothing shown: nothing to copy. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (f->view), "detail.copy", NULL) &&
                  sg_detail_view_get_texture (f->view) != NULL);

  item = item_at (f, 1);
  sg_detail_view_set_item (f->view, item);

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->view));
  gdk_clipboard_set_text (clipboard, "not a sprite");

  /* The view's action, as a host's button or shortcut does it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "detail.copy", NULL));
  gdk_clipboard_read_texture_async (clipboard, NULL, read_texture_cb, &read);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, read_is_done, &read, "the clipboard"));
  g_assert_no_error (read.error);
  g_assert_nonnull (read.texture);
  g_assert_true (textures_equal (read.texture, sg_pokemon_get_texture (item)));
  g_clear_object (&read.texture);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
is_mapped (GtkWidget     *widget,
           gconstpointer  data)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
file_chooser_is_open (gpointer data)
{
  GtkWindow *window = sg_test_find_toplevel (GTK_TYPE_FILE_CHOOSER, is_mapped, NULL);

  if (window == NULL)
    return FALSE;

  *(GtkWindow **) data = window;
  return TRUE;
}

static gboolean
chooser_has_folder (gpointer data)
{
  g_autoptr(GFile) current = gtk_file_chooser_get_current_folder (data);

  return current != NULL;
}

static gboolean
chooser_is_in (gpointer data)
{
  gpointer *args = data;
  g_autoptr(GFile) current = gtk_file_chooser_get_current_folder (args[0]);

  return current != NULL && g_file_equal (current, args[1]);
}

typedef struct {
  gboolean  done;
  gboolean  saved;
  GError   *error;
} SaveResult;

static void
save_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SaveResult *save = user_data;

  save->saved = sg_export_save_as_finish (result, &save->error);
  save->done = TRUE;
}

static gboolean
save_is_done (gpointer data)
{
  return ((SaveResult *) data)->done;
}

/* The chooser is GTK's own dialog here (no portal outside a Flatpak): the
 * test answers it as a user would, with a name and Save. */
static void
test_save_as (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) folder = NULL;
  gpointer chooser_and_folder[2];
  g_autoptr(GCancellable) cancellable = NULL;
  g_autofree char *saved_folder = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *suggested = NULL;
  GtkWidget *save_button;
  g_autofree char *saved = NULL;
  g_autofree char *stored = NULL;
  gsize saved_length = 0;
  gsize stored_length = 0;
  g_autoptr(GError) error = NULL;
  SaveResult save = { 0 };
  GtkWindow *chooser = NULL;
  SgPokemon *item;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) || g_getenv ("GTK_USE_PORTAL") != NULL)
    {
      g_test_skip ("The portal's chooser cannot be answered from here");
      return;
    }

  fixture_run (f, 3, 0);
  fixture_open_view (f);
  item = item_at (f, 1);

  /* Suggests the library's name, and copies the stored file. */
  sg_export_save_as_async (f->window, item, NULL, NULL, save_cb, &save);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, file_chooser_is_open, &chooser, "the file chooser"));
  g_assert_true (gtk_window_get_transient_for (chooser) == f->window);
  expected = g_path_get_basename (sg_pokemon_get_path (item));
  g_assert_true (g_str_has_suffix (expected, ".png"));
  g_assert_true (g_ascii_isdigit (expected[0]) && expected[4] == '-');
  suggested = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpstr (suggested, ==, expected);

  saved_folder = g_build_filename (f->folder, "saved", NULL);
  destination = g_build_filename (saved_folder, "copy.png", NULL);
  g_assert_cmpint (g_mkdir (saved_folder, 0700), ==, 0);
  /* The chooser loads its first folder asynchronously; change it only
   * after that, or the first load wins. */
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, chooser_has_folder, chooser, "the chooser's first folder"));
  /* The chooser changes folders asynchronously. */
  folder = g_file_new_for_path (saved_folder);
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error));
  g_assert_no_error (error);
  chooser_and_folder[0] = chooser;
  chooser_and_folder[1] = folder;
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, chooser_is_in, chooser_and_folder, "the chooser to change folders"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "copy.png");
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpstr (g_file_peek_path (file), ==, destination);
  save_button = sg_test_find_one (GTK_WIDGET (chooser), GTK_TYPE_BUTTON, sg_test_button_label_is, "_Save");
  g_assert_nonnull (save_button);
  g_signal_emit_by_name (save_button, "clicked");

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, save_is_done, &save, "the copy"));
  g_assert_no_error (save.error);
  g_assert_true (save.saved);
  g_assert_true (g_file_get_contents (destination, &saved, &saved_length, NULL));
  g_assert_true (g_file_get_contents (sg_pokemon_get_path (item), &stored, &stored_length, NULL));
  g_assert_cmpmem (saved, saved_length, stored, stored_length);

  /* Dismissed: cancelled, nothing written. */
  save = (SaveResult) { 0 };
  chooser = NULL;
  sg_export_save_as_async (f->window, item, NULL, NULL, save_cb, &save);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, file_chooser_is_open, &chooser, "the file chooser"));
  g_assert_true (gtk_window_get_transient_for (chooser) == f->window);
  /* Closed before its first folder has loaded, GTK 4.8's chooser maps a
   * stray dialog without a parent (a Gtk-Message); let it load first. */
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, chooser_has_folder, chooser, "the chooser's first folder"));
  g_signal_emit_by_name (sg_test_find_one (GTK_WIDGET (chooser), GTK_TYPE_BUTTON, sg_test_button_label_is, "_Cancel"),
                         "clicked");
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, save_is_done, &save, "the dismissal"));
  g_assert_false (save.saved);
  g_assert_error (save.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&save.error);

  /* Cancelled by the caller while the chooser is open: it goes away. */
  save = (SaveResult) { 0 };
  chooser = NULL;
  cancellable = g_cancellable_new ();
  sg_export_save_as_async (f->window, item, NULL, cancellable, save_cb, &save);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, file_chooser_is_open, &chooser, "the file chooser"));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, chooser_has_folder, chooser, "the chooser's first folder"));
  g_cancellable_cancel (cancellable);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, save_is_done, &save, "the cancellation"));
  g_assert_error (save.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&save.error);
  chooser = NULL;
  g_assert_false (file_chooser_is_open (&chooser));
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gdk_content_provider_write_mime_type_finish (GDK_CONTENT_PROVIDER (source),
                                                              result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
test_content_for_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkContentProvider) provider = NULL;
  g_autoptr(GdkContentFormats) formats = NULL;
  g_autoptr(GFile) expected = NULL;
  g_autoptr(GOutputStream) stream = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uri_list = NULL;
  g_autofree char *uri = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean written = FALSE;
  GFile *file;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  folder = sg_test_make_tmp_dir ("sg-test-export");
  path = g_build_filename (folder, "0025-pikachu.png", NULL);
  g_assert_true (g_file_set_contents (path, "png", 3, &error));
  expected = g_file_new_for_path (path);

  provider = sg_export_content_for_file (path);
  formats = gdk_content_provider_ref_formats (provider);
  g_assert_true (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE));
  g_assert_true (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST));
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "text/uri-list"));

  g_value_init (&value, G_TYPE_FILE);
  g_assert_true (gdk_content_provider_get_value (provider, &value, &error));
  g_assert_no_error (error);
  file = g_value_get_object (&value);
  g_assert_true (g_file_equal (file, expected));

  /* What a file manager reads. */
  stream = g_memory_output_stream_new_resizable ();
  gdk_content_provider_write_mime_type_async (provider, "text/uri-list", stream,
                                              G_PRIORITY_DEFAULT, NULL,
                                              write_cb, &written);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, flag_is_set, &written, "the URI list"));
  g_assert_true (g_output_stream_close (stream, NULL, &error));
  g_assert_no_error (error);
  uri = g_file_get_uri (expected);
  uri_list = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)),
                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)));
  g_assert_true (g_str_has_prefix (uri_list, uri));

  g_unlink (path);
  g_rmdir (folder);
}

/* ── A file manager on the test bus ─────────────────────────────────────── */

static const char file_manager_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.FileManager1'>"
  "    <method name='ShowItems'>"
  "      <arg type='as' name='uris' direction='in'/>"
  "      <arg type='s' name='startup_id' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
file_manager_method_call (GDBusConnection       *connection,
                          const char            *sender,
                          const char            *object_path,
                          const char            *interface_name,
                          const char            *method_name,
                          GVariant              *parameters,
                          GDBusMethodInvocation *invocation,
                          gpointer               user_data)
{
  char ***shown_uris = user_data;

  if (g_str_equal (method_name, "ShowItems"))
    {
      g_strfreev (*shown_uris);
      g_variant_get (parameters, "(^ass)", shown_uris, NULL);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }

  g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.UnknownMethod",
                                              method_name);
}

static const GDBusInterfaceVTable file_manager_vtable = { file_manager_method_call, NULL, NULL, { 0 } };

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
strv_is_set (gpointer data)
{
  return *(char ***) data != NULL;
}

static void
test_open_folder_file_manager (void)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;
  g_auto(GStrv) shown_uris = NULL;
  gboolean acquired = FALSE;
  guint registration;
  guint owner;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("Inside a Flatpak the portal is asked, not the file manager");
      return;
    }

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  node = g_dbus_node_info_new_for_xml (file_manager_xml, &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (connection, "/org/freedesktop/FileManager1",
                                                    node->interfaces[0], &file_manager_vtable,
                                                    &shown_uris, NULL, &error);
  g_assert_no_error (error);
  owner = g_bus_own_name_on_connection (connection, "org.freedesktop.FileManager1",
                                        G_BUS_NAME_OWNER_FLAGS_NONE,
                                        on_name_acquired, NULL, &acquired, NULL);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, flag_is_set, &acquired, "the file manager's name"));

  file = g_file_new_for_path ("/tmp/sg-test/0025-pikachu.png");
  sg_export_open_folder (NULL, "/tmp/sg-test/0025-pikachu.png");
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, strv_is_set, &shown_uris, "ShowItems"));

  g_bus_unown_name (owner);
  g_dbus_connection_unregister_object (connection, registration);

  uri = g_file_get_uri (file);
  g_assert_cmpuint (g_strv_length (shown_uris), ==, 1);
  g_assert_cmpstr (shown_uris[0], ==, uri);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* The bus even without a display: the file manager test owns a name on
   * it. */
  have_display = sg_test_ui_init (&argc, &argv, SG_TEST_BUS_ALWAYS);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/detail-view/facts", test_facts);
  ADD ("/detail-view/variants/fetched", test_variants_fetched);
  ADD ("/detail-view/variants/cancel-on-item-change", test_cancel_on_item_change);
  ADD ("/detail-view/variants/cancel-on-dispose", test_dispose_cancels);
  ADD ("/detail-view/variants/failed", test_variants_failed);
  ADD ("/detail-view/details-on-demand", test_details_on_demand);
  ADD ("/detail-view/copy", test_copy);
  ADD ("/export/save-as", test_save_as);
#undef ADD
  g_test_add_func ("/export/content-for-file", test_content_for_file);
  g_test_add_func ("/export/open-folder/file-manager", test_open_folder_file_manager);

  ret = g_test_run ();

  sg_test_ui_shutdown ();

  return ret;
}
