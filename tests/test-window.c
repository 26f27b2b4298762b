/* test-window.c: the window, its tiles and the preferences, against the fake server
 *
 * Needs a display (run under xvfb-run); every test skips without one.
 * Tests assert behaviour, never durations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sg-detail-view.h"
#include "sg-downloader.h"
#include "sg-fake-server.h"
#include "sg-pokemon.h"
#include "sg-preferences-window.h"
#include "sg-sprite-cell.h"
#include "sg-sprite-picture.h"
#include "sg-test-ui.h"
#include "sg-test-utils.h"
#include "sg-window.h"

#define WAIT_SECONDS 60
/* Long enough for a few frames: allocation, mapping of grid rows. */
#define SETTLE_MS    200

static gboolean        have_display;
static GtkApplication *app;

/* ── Helpers ───────────────────────────────────────────────────────────── */

static gboolean
has_action (GtkWidget     *widget,
            gconstpointer  data)
{
  return g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

static gboolean
is_main_stack (GtkWidget     *widget,
               gconstpointer  data)
{
  return gtk_stack_get_child_by_name (GTK_STACK (widget), "grid") != NULL;
}

/* What the user sees of an action: the sensitivity of its buttons. */
static gboolean
action_button_sensitive (GtkWidget  *window,
                         const char *action)
{
  GtkWidget *button = sg_test_find_one (window, GTK_TYPE_BUTTON, has_action, action);

  g_assert_nonnull (button);

  return gtk_widget_get_sensitive (button);
}

static gboolean
progress_shown (GtkWidget *window)
{
  GtkWidget *bar = sg_test_find_one (window, GTK_TYPE_ACTION_BAR, NULL, NULL);

  g_assert_nonnull (bar);

  return gtk_action_bar_get_revealed (GTK_ACTION_BAR (bar));
}

static const char *
visible_page (GtkWidget *window)
{
  GtkWidget *stack = sg_test_find_one (window, GTK_TYPE_STACK, is_main_stack, NULL);

  g_assert_nonnull (stack);

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static gboolean
shows_text (GtkWidget  *window,
            const char *text)
{
  return sg_test_find_one (window, GTK_TYPE_LABEL, sg_test_label_contains, text) != NULL;
}

static GdkTexture *
make_texture (int     width,
              int     height,
              guint32 argb_left,
              guint32 argb_right)
{
  g_autoptr(GBytes) bytes = NULL;
  guint32 *pixels = g_new (guint32, width * height);

  /* GDK_MEMORY_DEFAULT is premultiplied ARGB in a native-endian guint32,
   * as gdk_texture_download() writes it; these colours are opaque. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      pixels[y * width + x] = x < width / 2 ? argb_left : argb_right;

  bytes = g_bytes_new_take (pixels, (gsize) width * height * 4);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, width * 4);
}

/* ── The fixture: a fake server, a downloader, a window ─────────────────── */

typedef struct {
  char         *folder;       /* temporary */
  SgFakeServer *server;
  SgDownloader *downloader;
  GSettings    *settings;     /* (nullable) */
  SgWindow     *window;
  gboolean      run_finished;
} Fixture;

static void
on_run_finished (SgDownloader *downloader,
                 GError       *error,
                 Fixture      *f)
{
  f->run_finished = TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!have_display)
    return;

  f->folder = sg_test_make_tmp_dir ("sg-test-window");
  f->downloader = sg_test_downloader_new (f->folder);
  g_object_set (f->downloader, "decode-textures", TRUE, NULL);
  g_signal_connect (f->downloader, "run-finished", G_CALLBACK (on_run_finished), f);
}

/* Starts @server (configured with faults or names) for the fixture. */
static void
fixture_serve_server (Fixture      *f,
                      SgFakeServer *server,
                      guint         count,
                      guint         port)
{
  f->server = server;
  sg_test_serve (f->server, port, f->downloader, count);
}

static void
fixture_serve (Fixture *f,
               guint    count,
               guint    latency_ms,
               guint    port)
{
  fixture_serve_server (f, sg_fake_server_new (count, latency_ms), count, port);
}

static void
fixture_open_window (Fixture *f)
{
  f->window = sg_window_new (app, f->downloader, f->settings);
  gtk_window_present (GTK_WINDOW (f->window));
}

static gboolean
downloader_idle (gpointer data)
{
  return !sg_downloader_is_running (SG_DOWNLOADER (data));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* Destroying the window cancels its run; let that run end, so its
   * callback drops the window before the next test. */
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  if (f->downloader != NULL)
    g_assert_true (sg_test_wait_until (WAIT_SECONDS, downloader_idle, f->downloader, "the cancelled run to end"));
  g_clear_object (&f->downloader);
  g_clear_object (&f->settings);
  g_clear_pointer (&f->server, sg_fake_server_free);
  if (f->folder != NULL)
    sg_test_remove_tree (f->folder);
  g_clear_pointer (&f->folder, g_free);
}

static gboolean
run_is_over (gpointer data)
{
  Fixture *f = data;

  /* The window re-enables Refresh in its own callback, after the
   * downloader's "run-finished". */
  return f->run_finished && action_button_sensitive (GTK_WIDGET (f->window), "win.refresh");
}

static gboolean
list_is_loaded (gpointer data)
{
  Fixture *f = data;

  return g_list_model_get_n_items (sg_downloader_get_items (f->downloader)) > 0;
}

static void
assert_cells_show_their_items (GtkWidget *window,
                               gboolean   expect_textures)
{
  g_autoptr(GPtrArray) cells = sg_test_find_all (window, SG_TYPE_SPRITE_CELL, NULL, NULL);
  guint n_bound = 0;

  g_assert_cmpuint (cells->len, >, 0);
  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *cell = g_ptr_array_index (cells, i);
      SgPokemon *item = sg_sprite_cell_get_item (SG_SPRITE_CELL (cell));
      GtkWidget *picture = sg_test_find_one (cell, SG_TYPE_SPRITE_PICTURE, NULL, NULL);
      GdkTexture *texture = sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture));

      if (item == NULL)
        {
          /* A spare cell forgets everything. */
          g_assert_null (texture);
          continue;
        }

      n_bound++;
      g_assert_true (texture == sg_pokemon_get_texture (item));
      if (expect_textures)
        {
          g_autofree char *title = sg_pokemon_dup_title (item);
          g_autofree char *label = g_strdup_printf ("#%03u %s, downloaded",
                                                    sg_pokemon_get_id (item), title);

          g_assert_nonnull (texture);
          gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, label);
        }
    }

  g_assert_cmpuint (n_bound, >, 0);
}

/* Presses a shortcut of the window's class (what a key press reaching the
 * window would do; GTK has no public way to synthesize the key event). */
static gboolean
press_shortcut (GtkWidget       *widget,
                guint            keyval,
                GdkModifierType  modifiers)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == modifiers)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }

  g_error ("No shortcut for %s", gtk_accelerator_name (keyval, modifiers));

  return FALSE;
}

/* ── Tests ─────────────────────────────────────────────────────────────── */

static void
test_run_fills_grid (Fixture       *f,
                     gconstpointer  data)
{
  GListModel *items;
  GtkWidget *grid_view;
  GtkWidget *title;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 24, 0, 0);
  fixture_open_window (f);
  sg_window_start (f->window);

  g_assert_false (action_button_sensitive (GTK_WIDGET (f->window), "win.refresh"));
  g_assert_true (action_button_sensitive (GTK_WIDGET (f->window), "win.stop"));

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the end of the run"));
  sg_test_wait (SETTLE_MS);

  g_assert_false (action_button_sensitive (GTK_WIDGET (f->window), "win.stop"));
  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "grid");

  grid_view = sg_test_find_one (GTK_WIDGET (f->window), GTK_TYPE_GRID_VIEW, NULL, NULL);
  g_assert_nonnull (grid_view);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (grid_view)))),
                    ==, 24);

  items = sg_downloader_get_items (f->downloader);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (items, i);

      g_assert_cmpuint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_DOWNLOADED);
      g_assert_nonnull (sg_pokemon_get_texture (item));
    }

  assert_cells_show_their_items (GTK_WIDGET (f->window), TRUE);
  g_assert_true (shows_text (GTK_WIDGET (f->window), "24 sprites in"));

  /* Not the real PokeAPI: the subtitle says where the sprites come from. */
  title = sg_test_find_one (GTK_WIDGET (f->window), ADW_TYPE_WINDOW_TITLE, NULL, NULL);
  g_assert_nonnull (title);
  g_assert_true (g_str_has_prefix (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)),
                                   "Server: 127.0.0.1:"));
  g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title)),
                                   "/api/v2/"));

  /* A second run over the same model: the grid follows it. */
  f->run_finished = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.refresh", NULL);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the end of the second run"));
  sg_test_wait (SETTLE_MS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (grid_view)))),
                    ==, 24);
  assert_cells_show_their_items (GTK_WIDGET (f->window), TRUE);
}

static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  /* Slow enough that the run cannot end on its own before Stop. */
  fixture_serve (f, 40, 300, 0);
  g_object_set (f->downloader, "workers", 2, NULL);
  fixture_open_window (f);
  sg_window_start (f->window);

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, list_is_loaded, f, "the list"));
  g_assert_true (progress_shown (GTK_WIDGET (f->window)));
  g_assert_true (shows_text (GTK_WIDGET (f->window), " of 40"));
  g_assert_true (action_button_sensitive (GTK_WIDGET (f->window), "win.stop"));
  /* Escape, in the grid with no search open, is Stop. */
  g_assert_true (press_shortcut (GTK_WIDGET (f->window), GDK_KEY_Escape, 0));
  g_assert_false (action_button_sensitive (GTK_WIDGET (f->window), "win.stop"));

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the stopped run to end"));
  sg_test_wait (SETTLE_MS);

  g_assert_false (sg_downloader_is_running (f->downloader));
  g_assert_false (progress_shown (GTK_WIDGET (f->window)));
  g_assert_cmpuint (sg_downloader_get_n_finished (f->downloader), <, 40);
  g_assert_false (action_button_sensitive (GTK_WIDGET (f->window), "win.stop"));
  g_assert_true (shows_text (GTK_WIDGET (f->window), "Stopped"));
  /* The tiles that arrived stay, the others keep their placeholder. */
  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "grid");
  assert_cells_show_their_items (GTK_WIDGET (f->window), FALSE);
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closing the window cancels its run; the run's callback, which holds the
 * last reference, finds the widgets gone and touches nothing. */
static void
test_close_while_running (Fixture       *f,
                          gconstpointer  data)
{
  gpointer window;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 30, 200, 0);
  g_object_set (f->downloader, "workers", 2, NULL);
  fixture_open_window (f);
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, list_is_loaded, f, "the list"));

  window = f->window;
  g_object_add_weak_pointer (G_OBJECT (window), &window);
  gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&f->window)));

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, pointer_is_null, &window, "the window to be finalized"));
  g_assert_false (sg_downloader_is_running (f->downloader));
  g_assert_cmpuint (sg_downloader_get_n_finished (f->downloader), <, 30);
}

static gboolean
is_retry_button (GtkWidget     *widget,
                 gconstpointer  data)
{
  GtkWidget *page = gtk_widget_get_ancestor (widget, ADW_TYPE_STATUS_PAGE);

  return has_action (widget, "win.refresh") &&
         page != NULL && gtk_widget_is_drawable (page);
}

static void
test_server_down (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *base_url = NULL;
  GtkWidget *retry;
  guint port;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  /* A port that was just free: start a server, note its port, stop it. */
  fixture_serve (f, 12, 0, 0);
  base_url = sg_fake_server_dup_base_url (f->server);
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  port = (guint) g_uri_get_port (uri);
  g_clear_pointer (&f->server, sg_fake_server_free);

  fixture_open_window (f);
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the failed run"));
  sg_test_wait (SETTLE_MS);

  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "error");
  g_assert_true (shows_text (GTK_WIDGET (f->window), "Could not load the Pokémon list"));

  /* The server comes back on the same port; Retry downloads. */
  fixture_serve (f, 12, 0, port);
  retry = sg_test_find_one (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, is_retry_button, NULL);
  g_assert_nonnull (retry);
  g_assert_true (gtk_widget_get_sensitive (retry));
  f->run_finished = FALSE;
  g_signal_emit_by_name (retry, "clicked");
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the retried run"));
  sg_test_wait (SETTLE_MS);

  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "grid");
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 12);
  assert_cells_show_their_items (GTK_WIDGET (f->window), TRUE);
}

static gboolean
window_has_size (gpointer data)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (data), &width, &height);

  return gtk_widget_get_mapped (GTK_WIDGET (data)) && width == 800 && height == 600;
}

static void
test_window_size_setting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  int width, height;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
    {
      g_test_skip ("No compiled schema (GSETTINGS_SCHEMA_DIR)");
      return;
    }

  f->settings = g_settings_new (APP_ID);
  g_settings_set_int (f->settings, "window-width", 700);
  g_settings_set_int (f->settings, "window-height", 500);

  fixture_open_window (f);
  gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 800, 600);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, window_has_size, f->window, "the new size"));
  g_assert_cmpint (g_settings_get_int (f->settings, "window-width"), ==, 800);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-height"), ==, 600);
  g_assert_false (g_settings_get_boolean (f->settings, "window-maximized"));

  /* The real PokeAPI needs no subtitle. */
  g_object_set (f->downloader, "base-url", SG_DEFAULT_BASE_URL, NULL);
  g_assert_cmpstr (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (sg_test_find_one (GTK_WIDGET (f->window),
                                                                                ADW_TYPE_WINDOW_TITLE,
                                                                                NULL, NULL))),
                   ==, "");
}

/* A recycled cell must neither show nor follow its previous item. */
static void
test_cell_rebind (void)
{
  g_autoptr(SgPokemon) first = NULL;
  g_autoptr(SgPokemon) second = NULL;
  g_autoptr(GdkTexture) red = NULL;
  g_autoptr(GdkTexture) blue = NULL;
  GtkWidget *cell;
  GtkWidget *picture;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  red = make_texture (4, 4, 0xffff0000, 0xffff0000);
  blue = make_texture (4, 4, 0xff0000ff, 0xff0000ff);
  first = sg_pokemon_new (25, "pikachu");
  second = sg_pokemon_new (132, "ditto");
  sg_pokemon_finish (first, SG_ITEM_STATE_DOWNLOADED, red, "/tmp/x.png", NULL);

  cell = g_object_ref_sink (sg_sprite_cell_new ());
  picture = sg_test_find_one (cell, SG_TYPE_SPRITE_PICTURE, NULL, NULL);
  g_assert_nonnull (picture);

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), first);
  g_assert_true (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)) == red);
  gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, "#025 Pikachu, downloaded");
  g_assert_true (sg_test_find_one (cell, GTK_TYPE_LABEL, sg_test_label_contains, "#025") != NULL);
  g_assert_true (sg_test_find_one (cell, GTK_TYPE_LABEL, sg_test_label_contains, "Pikachu") != NULL);

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), NULL);
  g_assert_null (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)));
  g_assert_null (sg_test_find_one (cell, GTK_TYPE_LABEL, sg_test_label_contains, "Pikachu"));

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), second);
  g_assert_null (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)));
  g_assert_true (sg_test_find_one (cell, GTK_TYPE_LABEL, sg_test_label_contains, "#132") != NULL);
  /* Pending with no run going (after Stop, or offline): not on its way. */
  gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, "#132 Ditto, not downloaded");
  g_object_set (cell, "running", TRUE, NULL);
  gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, "#132 Ditto, downloading");
  g_object_set (cell, "running", FALSE, NULL);
  gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, "#132 Ditto, not downloaded");
  /* It belongs to the cell: a recycled cell keeps it. */
  g_object_set (cell, "running", TRUE, NULL);
  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), NULL);
  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), second);
  gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, "#132 Ditto, downloading");

  /* The old item changes: the cell does not care any more. */
  sg_pokemon_finish (first, SG_ITEM_STATE_DOWNLOADED, blue, "/tmp/y.png", NULL);
  g_assert_null (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)));

  /* Its own item arrives: the cell follows. */
  sg_pokemon_finish (second, SG_ITEM_STATE_DOWNLOADED, blue, "/tmp/z.png", NULL);
  g_assert_true (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)) == blue);

  /* A failed item says why, where the pointer can find it. */
  sg_pokemon_finish (second, SG_ITEM_STATE_FAILED, NULL, NULL, "HTTP 404");
  g_assert_null (sg_sprite_picture_get_texture (SG_SPRITE_PICTURE (picture)));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (cell), ==, "HTTP 404");
  g_assert_true (gtk_widget_has_css_class (cell, "failed"));
  gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, "#132 Ditto, failed: HTTP 404");

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), NULL);
  g_assert_null (gtk_widget_get_tooltip_text (cell));
  g_assert_false (gtk_widget_has_css_class (cell, "failed"));

  g_object_unref (cell);
}

static GtkDragSource *
find_drag_source (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (controller))
        return GTK_DRAG_SOURCE (controller);
    }

  return NULL;
}

/* A tile with a stored sprite drags out as its file; one without, not at all. */
static void
test_cell_drag (void)
{
  g_autoptr(SgPokemon) stored = NULL;
  g_autoptr(SgPokemon) pending = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkContentProvider) content = NULL;
  g_autoptr(GdkContentProvider) nothing = NULL;
  g_autoptr(GdkContentFormats) formats = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  GtkDragSource *source;
  GtkWidget *cell;
  GFile *file;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  texture = make_texture (4, 4, 0xffff0000, 0xff0000ff);
  stored = sg_pokemon_new (25, "pikachu");
  sg_pokemon_finish (stored, SG_ITEM_STATE_STORED, texture, "/tmp/sprites/0025-pikachu.png", NULL);
  pending = sg_pokemon_new (26, "raichu");

  cell = g_object_ref_sink (sg_sprite_cell_new ());
  source = find_drag_source (cell);
  g_assert_nonnull (source);
  g_assert_cmpint (gtk_drag_source_get_actions (source), ==, GDK_ACTION_COPY);

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), pending);
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &nothing);
  g_assert_null (nothing);

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), stored);
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &content);
  g_assert_nonnull (content);
  formats = gdk_content_provider_ref_formats (content);
  g_assert_true (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE));
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "text/uri-list"));
  g_value_init (&value, G_TYPE_FILE);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);
  file = g_value_get_object (&value);
  g_assert_cmpstr (g_file_peek_path (file), ==, "/tmp/sprites/0025-pikachu.png");

  sg_sprite_cell_set_item (SG_SPRITE_CELL (cell), NULL);
  g_object_unref (cell);
}

static gboolean
widget_has_width (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) > 0;
}

static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GError) error = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkTexture *texture;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  g_assert_true (gsk_renderer_realize (renderer, NULL, &error));
  g_assert_no_error (error);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_renderer_unrealize (renderer);

  return texture;
}

/* A 2×2-pixel sprite in a 96 px box is drawn at 48×, nearest-neighbour: every
 * pixel of the result is exactly one of the two colours, split at x = 48. */
static void
test_picture_crisp (void)
{
  g_autoptr(GdkTexture) sprite = NULL;
  g_autoptr(GdkTexture) rendered = NULL;
  g_autofree guint32 *pixels = NULL;
  GtkWidget *window;
  GtkWidget *picture;
  int min, nat;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  sprite = make_texture (2, 2, 0xffff0000, 0xff0000ff);
  picture = sg_sprite_picture_new ();
  gtk_widget_set_halign (picture, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);

  /* The box does not follow the texture, so tiles stay the same size. */
  gtk_widget_measure (picture, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 96);
  g_assert_cmpint (nat, ==, 96);
  sg_sprite_picture_set_texture (SG_SPRITE_PICTURE (picture), sprite);
  gtk_widget_measure (picture, GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 96);
  g_assert_cmpint (nat, ==, 96);

  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), picture);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, widget_has_width, picture, "the picture's allocation"));
  g_assert_cmpint (gtk_widget_get_width (picture), ==, 96);

  rendered = render_widget (picture);
  g_assert_cmpint (gdk_texture_get_width (rendered), ==, 96);
  g_assert_cmpint (gdk_texture_get_height (rendered), ==, 96);

  pixels = g_new (guint32, 96 * 96);
  gdk_texture_download (rendered, (guchar *) pixels, 96 * 4);
  for (int y = 0; y < 96; y++)
    for (int x = 0; x < 96; x++)
      {
        guint32 expected = x < 48 ? 0xffff0000 : 0xff0000ff;

        if (pixels[y * 96 + x] != expected)
          g_error ("Pixel (%d, %d) is %08x, not %08x: the sprite was smoothed or misplaced",
                   x, y, pixels[y * 96 + x], expected);
      }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences (void)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(SgDownloader) downloader = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autofree char *base_url = NULL;
  g_autofree char *variant = NULL;
  GtkWindow *window;
  GtkWidget *all_switch;
  GtkWidget *workers_spin;
  GtkWidget *variant_row;
  GtkWidget *server_row;
  GtkWidget *reset;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
    {
      g_test_skip ("No compiled schema (GSETTINGS_SCHEMA_DIR)");
      return;
    }

  settings = g_settings_new (APP_ID);
  g_settings_set_int (settings, "limit", 151);
  downloader = sg_downloader_new ();
  window = sg_preferences_window_new (NULL, downloader, settings);
  gtk_window_present (window);

  all_switch = sg_test_find_row_widget (GTK_WIDGET (window), GTK_TYPE_SWITCH, "All");
  g_assert_nonnull (all_switch);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (all_switch)));
  gtk_switch_set_active (GTK_SWITCH (all_switch), TRUE);
  g_assert_cmpint (g_settings_get_int (settings, "limit"), ==, 0);
  gtk_switch_set_active (GTK_SWITCH (all_switch), FALSE);
  g_assert_cmpint (g_settings_get_int (settings, "limit"), ==, 151);
  g_settings_set_int (settings, "limit", 0);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (all_switch)));

  workers_spin = sg_test_find_row_widget (GTK_WIDGET (window), GTK_TYPE_SPIN_BUTTON, "Parallel");
  g_assert_nonnull (workers_spin);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (workers_spin), 12);
  g_assert_cmpint (g_settings_get_int (settings, "workers"), ==, 12);

  variant_row = sg_test_find_row_widget (GTK_WIDGET (window), ADW_TYPE_PREFERENCES_ROW, "Sprite");
  g_assert_true (ADW_IS_COMBO_ROW (variant_row));
  adw_combo_row_set_selected (ADW_COMBO_ROW (variant_row), 4);
  variant = g_settings_get_string (settings, "variant");
  g_assert_cmpstr (variant, ==, "official-artwork");
  g_settings_set_string (settings, "variant", "back_shiny");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (variant_row)), ==, 3);

  server_row = sg_test_find_row_widget (GTK_WIDGET (window), ADW_TYPE_PREFERENCES_ROW, "Server");
  g_assert_true (ADW_IS_ENTRY_ROW (server_row));
  reset = sg_test_find_one (server_row, GTK_TYPE_BUTTON, sg_test_has_tooltip, "Reset to Default");
  g_assert_nonnull (reset);
  g_assert_false (gtk_widget_get_sensitive (reset));

  /* Not an http address: refused, and the row says so. */
  gtk_editable_set_text (GTK_EDITABLE (server_row), "ftp://127.0.0.1/");
  g_signal_emit_by_name (server_row, "apply");
  base_url = g_settings_get_string (settings, "base-url");
  g_assert_cmpstr (base_url, ==, SG_DEFAULT_BASE_URL);
  g_assert_true (gtk_widget_has_css_class (server_row, "error"));
  g_clear_pointer (&base_url, g_free);

  /* Applied with the final slash every request path needs. */
  gtk_editable_set_text (GTK_EDITABLE (server_row), "http://127.0.0.1:8000/api/v2");
  g_assert_false (gtk_widget_has_css_class (server_row, "error"));
  g_signal_emit_by_name (server_row, "apply");
  base_url = g_settings_get_string (settings, "base-url");
  g_assert_cmpstr (base_url, ==, "http://127.0.0.1:8000/api/v2/");
  g_assert_true (gtk_widget_get_sensitive (reset));
  g_clear_pointer (&base_url, g_free);

  g_signal_emit_by_name (reset, "clicked");
  base_url = g_settings_get_string (settings, "base-url");
  g_assert_cmpstr (base_url, ==, SG_DEFAULT_BASE_URL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, SG_DEFAULT_BASE_URL);
  g_assert_false (gtk_widget_get_sensitive (reset));

  gtk_window_destroy (window);
}

/* ── Search, sort, filter, detail, clipboard, banner ───────────────────── */

static GListModel *
grid_model (GtkWidget *window)
{
  GtkWidget *grid_view = sg_test_find_one (window, GTK_TYPE_GRID_VIEW, NULL, NULL);

  g_assert_nonnull (grid_view);

  return G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (grid_view)));
}

static SgPokemon *
grid_item (GtkWidget *window,
           guint      position)
{
  g_autoptr(SgPokemon) item = g_list_model_get_item (grid_model (window), position);

  /* The model keeps it alive. */
  return item;
}

/* The ids in the grid, in order, as "1 2 3": a failure shows them. */
static char *
grid_ids (GtkWidget *window)
{
  GListModel *model = grid_model (window);
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_string_append_printf (ids, "%s%u", i > 0 ? " " : "",
                            sg_pokemon_get_id (grid_item (window, i)));

  return g_string_free (ids, FALSE);
}

typedef struct {
  GtkWidget  *window;
  const char *ids;
} GridIds;

static gboolean
grid_shows_ids (gpointer data)
{
  GridIds *expected = data;
  g_autofree char *ids = grid_ids (expected->window);

  return g_str_equal (ids, expected->ids);
}

static void
assert_grid_ids (GtkWidget  *window,
                 const char *expected)
{
  GridIds data = { window, expected };
  g_autofree char *ids = NULL;

  /* The search entry waits a moment after typing before it says so. */
  if (!sg_test_wait_until (WAIT_SECONDS, grid_shows_ids, &data, expected))
    {
      ids = grid_ids (window);
      g_assert_cmpstr (ids, ==, expected);
    }
}

static gboolean
is_stack_with (GtkWidget     *widget,
               gconstpointer  data)
{
  return gtk_stack_get_child_by_name (GTK_STACK (widget), data) != NULL;
}

static const char *
stack_page (GtkWidget  *window,
            const char *some_page)
{
  GtkWidget *stack = sg_test_find_one (window, GTK_TYPE_STACK, is_stack_with, some_page);

  g_assert_nonnull (stack);

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static void
type_search (GtkWidget  *window,
             const char *text)
{
  GtkWidget *entry = sg_test_find_one (window, GTK_TYPE_SEARCH_ENTRY, NULL, NULL);

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

/* Class actions answer only through the widget's action muxer: a button
 * bound to the action shows what the user gets. */
static gboolean
window_action_enabled (GtkWidget  *window,
                       const char *name)
{
  GtkWidget *box = sg_test_find_one (window, GTK_TYPE_BOX, NULL, NULL);
  GtkWidget *probe = gtk_button_new ();
  gboolean enabled;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (probe), name);
  gtk_box_append (GTK_BOX (box), probe);
  enabled = gtk_widget_get_sensitive (probe);
  gtk_box_remove (GTK_BOX (box), probe);

  return enabled;
}

static void
run_to_end (Fixture *f)
{
  f->run_finished = FALSE;
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the end of the run"));
  sg_test_wait (SETTLE_MS);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  SgFakeServer *server;
  GtkWidget *window;
  GtkWidget *search_bar;
  gboolean search_mode;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  server = sg_fake_server_new (30, 0);
  /* Accents and capitals, as another language's names would have. */
  sg_fake_server_set_name (server, 7, "Flabébé");
  fixture_serve_server (f, server, 30, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  run_to_end (f);

  search_bar = sg_test_find_one (window, GTK_TYPE_SEARCH_BAR, NULL, NULL);
  g_assert_nonnull (search_bar);
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)));

  /* Ctrl+F opens the bar, with the focus in the entry. */
  g_assert_true (press_shortcut (window, GDK_KEY_f, GDK_CONTROL_MASK));
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)));
  g_object_get (window, "search-mode", &search_mode, NULL);
  g_assert_true (search_mode);

  /* By name: case and accents do not matter. */
  type_search (window, "PIKA");
  assert_grid_ids (window, "25");
  assert_cells_show_their_items (window, TRUE);
  type_search (window, "chu");
  assert_grid_ids (window, "25 26");
  type_search (window, "flabebe");
  assert_grid_ids (window, "7");
  type_search (window, "FLABÉBÉ");
  assert_grid_ids (window, "7");
  type_search (window, "saur");
  assert_grid_ids (window, "1 2 3");

  /* By number, as the tiles write it or not. */
  type_search (window, "#025");
  assert_grid_ids (window, "25");
  type_search (window, "025");
  assert_grid_ids (window, "25");
  type_search (window, "4");
  assert_grid_ids (window, "4");
  g_assert_cmpstr (stack_page (window, "no-results"), ==, "results");

  /* Nothing matches: a status page says so. */
  type_search (window, "missingno");
  assert_grid_ids (window, "");
  g_assert_cmpstr (stack_page (window, "no-results"), ==, "no-results");
  g_assert_true (shows_text (window, "No Results Found"));

  /* Escape closes the search and shows every tile again. */
  g_assert_true (press_shortcut (window, GDK_KEY_Escape, 0));
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, (SgTestCondition) grid_shows_ids,
                                     &(GridIds) { window, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
                                                          "21 22 23 24 25 26 27 28 29 30" },
                                     "every tile back"));
  g_assert_cmpstr (stack_page (window, "no-results"), ==, "results");
  /* With nothing to stop and no search, Escape is not the window's. */
  g_assert_false (press_shortcut (window, GDK_KEY_Escape, 0));
}

static gboolean
title_before (SgPokemon *a,
              SgPokemon *b)
{
  g_autofree char *title_a = sg_pokemon_dup_title (a);
  g_autofree char *title_b = sg_pokemon_dup_title (b);

  return g_utf8_collate (title_a, title_b) <= 0;
}

static void
test_sort_by_name (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *window;
  GListModel *model;
  g_autofree char *sort_by = NULL;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 12, 0, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  run_to_end (f);

  assert_grid_ids (window, "1 2 3 4 5 6 7 8 9 10 11 12");

  gtk_widget_activate_action (window, "win.sort-by", "s", "name");
  g_object_get (window, "sort-by", &sort_by, NULL);
  g_assert_cmpstr (sort_by, ==, "name");
  model = grid_model (window);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 12);
  /* Blastoise (#009) before Bulbasaur (#001), and so on. */
  g_assert_cmpuint (sg_pokemon_get_id (grid_item (window, 0)), ==, 9);
  for (guint i = 1; i < 12; i++)
    g_assert_true (title_before (grid_item (window, i - 1), grid_item (window, i)));
  sg_test_wait (SETTLE_MS);
  assert_cells_show_their_items (window, TRUE);

  /* A search keeps the order. */
  type_search (window, "char");
  assert_grid_ids (window, "6 4 5");

  type_search (window, "");
  gtk_widget_activate_action (window, "win.sort-by", "s", "number");
  assert_grid_ids (window, "1 2 3 4 5 6 7 8 9 10 11 12");

  /* An unknown order is refused, not applied. */
  gtk_widget_activate_action (window, "win.sort-by", "s", "weight");
  g_clear_pointer (&sort_by, g_free);
  g_object_get (window, "sort-by", &sort_by, NULL);
  g_assert_cmpstr (sort_by, ==, "number");

  /* No problem to show: the page says so rather than an empty grid. */
  gtk_widget_activate_action (window, "win.show-problems", NULL);
  assert_grid_ids (window, "");
  g_assert_cmpstr (stack_page (window, "no-results"), ==, "no-results");
  g_assert_true (shows_text (window, "No Failed or Missing Sprites"));
}

static void
test_problems_filter (Fixture       *f,
                      gconstpointer  data)
{
  SgFakeServer *server;
  GtkWidget *window;
  gboolean show_problems;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  server = sg_fake_server_new (16, 0);
  sg_fake_server_add_fault (server, SG_FAKE_FAULT_NOT_FOUND, 3);
  sg_fake_server_add_fault (server, SG_FAKE_FAULT_NULL_SPRITE, 11);
  fixture_serve_server (f, server, 16, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);

  /* On before the run: items join the filter as they fail, not only when
   * it is switched on. */
  gtk_widget_activate_action (window, "win.show-problems", NULL);
  g_object_get (window, "show-problems", &show_problems, NULL);
  g_assert_true (show_problems);
  run_to_end (f);
  assert_grid_ids (window, "3 11");
  g_assert_cmpuint (sg_pokemon_get_state (grid_item (window, 0)), ==, SG_ITEM_STATE_FAILED);
  g_assert_cmpuint (sg_pokemon_get_state (grid_item (window, 1)), ==, SG_ITEM_STATE_MISSING);
  assert_cells_show_their_items (window, FALSE);

  /* With a search: both filters at once. */
  gtk_widget_activate_action (window, "win.search", NULL);
  type_search (window, "#011");
  assert_grid_ids (window, "11");
  type_search (window, "#012");
  assert_grid_ids (window, "");
  g_assert_true (shows_text (window, "No Results Found"));

  type_search (window, "");
  gtk_widget_activate_action (window, "win.show-problems", NULL);
  assert_grid_ids (window, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16");
}

static gboolean
in_detail (GtkWidget *window)
{
  return g_strcmp0 (stack_page (window, "detail"), "detail") == 0;
}

static void
test_detail_and_back (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *window;
  GtkWidget *grid_view;
  GtkWidget *detail;
  SgPokemon *item;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 12, 0, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  run_to_end (f);

  grid_view = sg_test_find_one (window, GTK_TYPE_GRID_VIEW, NULL, NULL);
  g_assert_true (gtk_grid_view_get_single_click_activate (GTK_GRID_VIEW (grid_view)));
  g_assert_false (window_action_enabled (window, "win.back"));
  /* Nothing selected yet: nothing to copy. */
  g_assert_false (window_action_enabled (window, "win.copy"));

  /* A click or Enter on the fifth tile. */
  item = grid_item (window, 4);
  g_signal_emit_by_name (grid_view, "activate", 4);
  g_assert_true (in_detail (window));
  detail = sg_test_find_one (window, SG_TYPE_DETAIL_VIEW, NULL, NULL);
  g_assert_nonnull (detail);
  g_assert_true (sg_detail_view_get_item (SG_DETAIL_VIEW (detail)) == item);
  g_assert_true (shows_text (window, "Charmeleon"));
  g_assert_true (window_action_enabled (window, "win.back"));
  g_assert_true (window_action_enabled (window, "win.save-as"));
  g_assert_true (window_action_enabled (window, "win.open-folder"));

  /* Escape goes back, and does not stop or search anything. */
  g_assert_true (press_shortcut (window, GDK_KEY_Escape, 0));
  g_assert_false (in_detail (window));
  g_assert_false (window_action_enabled (window, "win.back"));

  /* Alt+Left too, and Ctrl+F on the detail page searches the gallery. */
  g_signal_emit_by_name (grid_view, "activate", 0);
  g_assert_true (in_detail (window));
  g_assert_true (press_shortcut (window, GDK_KEY_Left, GDK_ALT_MASK));
  g_assert_false (in_detail (window));
  g_signal_emit_by_name (grid_view, "activate", 0);
  g_assert_true (press_shortcut (window, GDK_KEY_f, GDK_CONTROL_MASK));
  g_assert_false (in_detail (window));
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (sg_test_find_one (window, GTK_TYPE_SEARCH_BAR,
                                                                            NULL, NULL))));

  /* Enter in the search opens the first match, at once. */
  type_search (window, "charmel");
  g_signal_emit_by_name (sg_test_find_one (window, GTK_TYPE_SEARCH_ENTRY, NULL, NULL), "activate");
  g_assert_true (in_detail (window));
  g_assert_cmpuint (sg_pokemon_get_id (sg_detail_view_get_item (SG_DETAIL_VIEW (detail))), ==, 5);
  g_assert_true (press_shortcut (window, GDK_KEY_Escape, 0));
  g_assert_false (in_detail (window));
  assert_grid_ids (window, "5");
}

typedef struct {
  GdkTexture *texture;
  gboolean    done;
} ClipboardRead;

static void
read_texture_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ClipboardRead *read = user_data;
  g_autoptr(GError) error = NULL;

  read->texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

static gboolean
read_is_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static GdkTexture *
read_clipboard_texture (GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_texture_async (gtk_widget_get_clipboard (widget), NULL, read_texture_cb, &read);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, read_is_done, &read, "the clipboard"));

  return read.texture;
}

static void
assert_same_pixels (GdkTexture *a,
                    GdkTexture *b)
{
  int width = gdk_texture_get_width (a);
  int height = gdk_texture_get_height (a);
  g_autofree guchar *pixels_a = NULL;
  g_autofree guchar *pixels_b = NULL;

  g_assert_cmpint (gdk_texture_get_width (b), ==, width);
  g_assert_cmpint (gdk_texture_get_height (b), ==, height);
  pixels_a = g_malloc ((gsize) width * height * 4);
  pixels_b = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (a, pixels_a, width * 4);
  gdk_texture_download (b, pixels_b, width * 4);
  g_assert_true (memcmp (pixels_a, pixels_b, (gsize) width * height * 4) == 0);
}

static void
test_copy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GdkTexture) copied = NULL;
  g_autoptr(GdkTexture) copied_tile = NULL;
  GtkWidget *window;
  GtkWidget *grid_view;
  GtkSelectionModel *selection;
  SgPokemon *item;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 6, 0, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  run_to_end (f);

  /* In the detail page: what it shows large. */
  grid_view = sg_test_find_one (window, GTK_TYPE_GRID_VIEW, NULL, NULL);
  item = grid_item (window, 1);
  g_signal_emit_by_name (grid_view, "activate", 1);
  g_assert_true (in_detail (window));
  g_assert_true (window_action_enabled (window, "win.copy"));
  g_assert_true (press_shortcut (window, GDK_KEY_c, GDK_CONTROL_MASK));
  copied = read_clipboard_texture (window);
  g_assert_nonnull (copied);
  assert_same_pixels (copied, sg_detail_view_get_texture (SG_DETAIL_VIEW (sg_test_find_one (window, SG_TYPE_DETAIL_VIEW,
                                                                                    NULL, NULL))));
  g_assert_true (shows_text (window, "Sprite copied"));
  gtk_widget_activate_action (window, "win.back", NULL);

  /* In the grid: the selected tile. */
  selection = gtk_grid_view_get_model (GTK_GRID_VIEW (grid_view));
  gtk_selection_model_select_item (selection, 3, TRUE);
  item = grid_item (window, 3);
  g_assert_true (window_action_enabled (window, "win.copy"));
  gtk_widget_activate_action (window, "win.copy", NULL);
  copied_tile = read_clipboard_texture (window);
  g_assert_nonnull (copied_tile);
  assert_same_pixels (copied_tile, sg_pokemon_get_texture (item));

  /* Unselected: nothing to act on. */
  gtk_selection_model_unselect_item (selection, 3);
  g_assert_false (window_action_enabled (window, "win.copy"));
  g_assert_false (window_action_enabled (window, "win.save-as"));
  g_assert_false (window_action_enabled (window, "win.open-folder"));
}

static gboolean
is_banner_label (GtkWidget     *widget,
                 gconstpointer  data)
{
  GtkWidget *revealer = gtk_widget_get_ancestor (widget, GTK_TYPE_REVEALER);

  return revealer != NULL && gtk_widget_has_css_class (gtk_widget_get_parent (widget), "offline-banner");
}

static gboolean
banner_shown (GtkWidget *window)
{
  GtkWidget *label = sg_test_find_one (window, GTK_TYPE_LABEL, is_banner_label, NULL);

  g_assert_nonnull (label);

  return gtk_revealer_get_reveal_child (GTK_REVEALER (gtk_widget_get_ancestor (label, GTK_TYPE_REVEALER)));
}

static const char *
banner_text (GtkWidget *window)
{
  return gtk_label_get_label (GTK_LABEL (sg_test_find_one (window, GTK_TYPE_LABEL, is_banner_label, NULL)));
}

/* The next launch, with a new downloader on the same folder, asks for more
 * than is stored (with all of it stored, no request is needed) and finds the
 * server gone. */
static void
relaunch_offline (Fixture    *f,
                  const char *base_url)
{
  gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&f->window)));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, downloader_idle, f->downloader, "the first downloader"));
  g_clear_pointer (&f->server, sg_fake_server_free);
  g_clear_object (&f->downloader);
  f->downloader = sg_downloader_new ();
  g_object_set (f->downloader,
                "folder", f->folder,
                "decode-textures", TRUE,
                "deadline-ms", 4000,
                "io-timeout-ms", 1000,
                "backoff-ms", 20,
                "base-url", base_url,
                "limit", 16,
                NULL);
  g_signal_connect (f->downloader, "run-finished", G_CALLBACK (on_run_finished), f);
  fixture_open_window (f);
  run_to_end (f);
}

/* A launch without the server shows the stored library under a bar that
 * says so, with Retry, instead of an error page. */
static void
test_offline_banner (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *base_url = NULL;
  GtkWidget *retry;
  guint port;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  /* The first launch fills the library. */
  fixture_serve (f, 12, 0, 0);
  fixture_open_window (f);
  run_to_end (f);
  g_assert_false (banner_shown (GTK_WIDGET (f->window)));
  base_url = sg_fake_server_dup_base_url (f->server);
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  port = (guint) g_uri_get_port (uri);

  relaunch_offline (f, base_url);

  /* The core fills the model from the library index at run start: an
   * empty model here is the very regression this test is for. */
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 12);
  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "grid");
  g_assert_true (banner_shown (GTK_WIDGET (f->window)));
  g_test_message ("Banner: %s", banner_text (GTK_WIDGET (f->window)));
  g_assert_true (g_str_has_suffix (banner_text (GTK_WIDGET (f->window)), "showing 12 downloaded sprites"));
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (GTK_WIDGET (f->window))), ==, 12);
  assert_cells_show_their_items (GTK_WIDGET (f->window), TRUE);
  /* One piece of news, not a toast as well. */
  g_assert_false (shows_text (GTK_WIDGET (f->window), "Stopped"));

  /* The server is back; the banner's Retry downloads, and the bar goes. */
  fixture_serve (f, 16, 0, port);
  retry = sg_test_find_one (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, has_action, "win.refresh");
  g_assert_nonnull (retry);
  f->run_finished = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.refresh", NULL);
  g_assert_false (banner_shown (GTK_WIDGET (f->window)));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the retried run"));
  sg_test_wait (SETTLE_MS);
  g_assert_false (banner_shown (GTK_WIDGET (f->window)));
  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "grid");
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (GTK_WIDGET (f->window))), ==, 16);
}

typedef struct {
  Fixture *f;
  guint    n_runs;
  guint    n_cancelled;
} RunCount;

static void
count_runs (SgDownloader *downloader,
            GError       *error,
            RunCount     *count)
{
  count->n_runs++;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    count->n_cancelled++;
}

static gboolean
second_run_over (gpointer data)
{
  RunCount *count = data;

  return count->n_runs == 2 && run_is_over (count->f);
}

/* What the application does on a change of the settings. */
static void
apply_variant (GSettings    *settings,
               const char   *key,
               SgDownloader *downloader)
{
  g_autofree char *name = g_settings_get_string (settings, "variant");
  SgVariant variant;

  if (sg_variant_from_string (name, &variant))
    g_object_set (downloader, "variant", (guint) variant, NULL);
}

static void
test_variant_menu (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GVariant) state = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  RunCount count = { f, 0, 0 };
  GtkWidget *window;
  guint variant;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
    {
      g_test_skip ("No compiled schema (GSETTINGS_SCHEMA_DIR)");
      return;
    }

  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "variant", "front_default");
  /* Connected first, as the application's handler is. */
  g_signal_connect (f->settings, "changed", G_CALLBACK (apply_variant), f->downloader);

  /* Slow, so the change meets a run in progress. */
  fixture_serve (f, 30, 100, 0);
  g_object_set (f->downloader, "workers", 2, NULL);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  g_signal_connect (f->downloader, "run-finished", G_CALLBACK (count_runs), &count);

  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "variant");
  g_assert_nonnull (state);
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "front_default");

  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, list_is_loaded, f, "the list"));

  /* The radio item of the menu: the setting changes, the run starts over
   * with the new variant, without a "Stopped" toast in between. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "variant", g_variant_new_string ("front_shiny"));
  {
    g_autofree char *chosen = g_settings_get_string (f->settings, "variant");

    g_assert_cmpstr (chosen, ==, "front_shiny");
  }
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, second_run_over, &count, "the run with the new variant"));
  sg_test_wait (SETTLE_MS);
  g_assert_cmpuint (count.n_cancelled, ==, 1);
  g_object_get (f->downloader, "variant", &variant, NULL);
  g_assert_cmpuint (variant, ==, SG_VARIANT_FRONT_SHINY);
  g_assert_cmpuint (sg_downloader_get_n_finished (f->downloader), ==, 30);
  g_assert_false (shows_text (window, "Stopped"));
  g_assert_true (shows_text (window, "30 sprites in"));
  g_clear_pointer (&state, g_variant_unref);
  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "variant");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "front_shiny");

  g_signal_handlers_disconnect_by_func (f->downloader, count_runs, &count);
  g_signal_handlers_disconnect_by_func (f->settings, apply_variant, f->downloader);
}

static GPtrArray *class_shortcut_names (GtkWidget *widget);

/* The view menu offers every grid variant once, and the sort and filter,
 * each with the key that does the same. */
static void
test_view_menu (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GPtrArray) buttons = NULL;
  g_autoptr(GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GMenuModel *menu = NULL;
  guint n_variant_items = 0;
  gboolean has_sort = FALSE;
  gboolean has_problems = FALSE;
  g_autoptr(GPtrArray) shortcuts = NULL;
  guint n_accels = 0;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
    {
      g_test_skip ("No compiled schema (GSETTINGS_SCHEMA_DIR)");
      return;
    }

  f->settings = g_settings_new (APP_ID);
  fixture_open_window (f);
  shortcuts = class_shortcut_names (GTK_WIDGET (f->window));

  buttons = sg_test_find_all (GTK_WIDGET (f->window), GTK_TYPE_MENU_BUTTON, NULL, NULL);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (g_ptr_array_index (buttons, i)), "View Options") == 0)
      menu = gtk_menu_button_get_menu_model (g_ptr_array_index (buttons, i));
  g_assert_nonnull (menu);

  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);

      g_assert_nonnull (section);
      for (int i = 0; i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *action = NULL;
          g_autofree char *accel = NULL;
          g_autofree char *accel_name = NULL;
          g_autoptr(GVariant) target = NULL;
          guint keyval;
          GdkModifierType mods;

          g_assert_true (g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
          target = g_menu_model_get_item_attribute_value (section, i, G_MENU_ATTRIBUTE_TARGET, NULL);

          /* Every item shows its key, and the window has that key. */
          if (!g_menu_model_get_item_attribute (section, i, "accel", "s", &accel))
            g_error ("The view menu item for %s shows no key", action);
          g_assert_true (gtk_accelerator_parse (accel, &keyval, &mods));
          accel_name = gtk_accelerator_name (keyval, mods);
          if (!g_ptr_array_find_with_equal_func (shortcuts, accel_name, g_str_equal, NULL))
            g_error ("The view menu shows %s for %s, which the window does not bind", accel, action);
          n_accels++;

          if (g_str_equal (action, "win.variant"))
            {
              SgVariant variant;
              g_autofree char *expected = NULL;

              n_variant_items++;
              g_assert_true (sg_variant_from_string (g_variant_get_string (target, NULL), &variant));
              g_assert_cmpint (variant, <, SG_N_GRID_VARIANTS);
              g_assert_true (g_hash_table_add (targets, g_variant_dup_string (target, NULL)));
              /* Alt+1 for the first, in the menu's order. */
              expected = gtk_accelerator_name (GDK_KEY_1 + variant, GDK_ALT_MASK);
              g_assert_cmpstr (accel_name, ==, expected);
            }
          has_sort |= g_str_equal (action, "win.sort-by");
          has_problems |= g_str_equal (action, "win.show-problems");
        }
    }

  g_assert_cmpuint (n_variant_items, ==, SG_N_GRID_VARIANTS);
  g_assert_cmpuint (n_accels, ==, SG_N_GRID_VARIANTS + 3);
  g_assert_true (has_sort);
  g_assert_true (has_problems);
}

/* The keys of the shortcuts a widget's class (and its parents) declare. */
static GPtrArray *
class_shortcut_names (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller) ||
          g_strcmp0 (gtk_event_controller_get_name (GTK_EVENT_CONTROLLER (controller)),
                     "gtk-widget-class-shortcuts") != 0)
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger))
            g_ptr_array_add (names,
                             gtk_accelerator_name (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)),
                                                   gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger))));
        }
    }

  return names;
}

/* Every shortcut of the window is in the Keyboard Shortcuts window. */
static void
test_shortcuts_documented (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GPtrArray) inherited = NULL;
  g_autoptr(GPtrArray) ours = NULL;
  g_autoptr(GPtrArray) shortcuts = NULL;
  GtkWidget *parent;
  g_autoptr(GString) documented = g_string_new (" ");
  GtkWidget *overlay;
  guint n_checked = 0;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  builder = gtk_builder_new_from_resource ("/io/github/spritegallery/SpriteGallery/gtk/help-overlay.ui");
  overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_assert_nonnull (overlay);
  shortcuts = sg_test_find_all (overlay, GTK_TYPE_SHORTCUTS_SHORTCUT, NULL, NULL);
  g_assert_cmpuint (shortcuts->len, >, 0);
  for (guint i = 0; i < shortcuts->len; i++)
    {
      g_autofree char *accelerator = NULL;
      g_auto(GStrv) accels = NULL;

      g_object_get (g_ptr_array_index (shortcuts, i), "accelerator", &accelerator, NULL);
      if (accelerator == NULL)
        continue;
      accels = g_strsplit (accelerator, " ", -1);
      for (guint j = 0; accels[j] != NULL; j++)
        {
          guint keyval;
          GdkModifierType mods;
          g_autofree char *name = NULL;

          g_assert_true (gtk_accelerator_parse (accels[j], &keyval, &mods));
          name = gtk_accelerator_name (gdk_keyval_to_lower (keyval), mods);
          g_string_append_printf (documented, "%s ", name);
        }
    }

  /* Ours are those the parent class lacks (GtkWindow brings Tab, space,
   * the inspector…). */
  parent = g_object_ref_sink (adw_application_window_new (app));
  inherited = class_shortcut_names (parent);
  gtk_window_destroy (GTK_WINDOW (parent));
  g_object_unref (parent);

  fixture_open_window (f);
  ours = class_shortcut_names (GTK_WIDGET (f->window));
  for (guint i = 0; i < ours->len; i++)
    {
      const char *name = g_ptr_array_index (ours, i);
      g_autofree char *needle = g_strdup_printf (" %s ", name);

      if (g_ptr_array_find_with_equal_func (inherited, name, g_str_equal, NULL))
        continue;
      if (strstr (documented->str, needle) == NULL)
        g_error ("The shortcut %s is not in help-overlay.ui (it lists:%s)", name, documented->str);
      n_checked++;
    }

  /* The view menu's keys: the sort, the filter, the grid's sprites. */
  {
    static const struct {
      guint           keyval;
      GdkModifierType mods;
    } view_keys[] = {
      { GDK_KEY_1, GDK_CONTROL_MASK },
      { GDK_KEY_2, GDK_CONTROL_MASK },
      { GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK },
      { GDK_KEY_1, GDK_ALT_MASK },
      { GDK_KEY_2, GDK_ALT_MASK },
      { GDK_KEY_3, GDK_ALT_MASK },
      { GDK_KEY_4, GDK_ALT_MASK },
      { GDK_KEY_5, GDK_ALT_MASK },
    };

    for (guint i = 0; i < G_N_ELEMENTS (view_keys); i++)
      {
        g_autofree char *name = gtk_accelerator_name (view_keys[i].keyval, view_keys[i].mods);
        g_autofree char *needle = g_strdup_printf (" %s ", name);

        if (!g_ptr_array_find_with_equal_func (ours, name, g_str_equal, NULL))
          g_error ("The window has no shortcut %s", name);
        g_assert_nonnull (strstr (documented->str, needle));
      }
  }

  /* Ctrl+R, F5, Ctrl+F, Alt+Left, Ctrl+C, Ctrl+S, Ctrl+Shift+O, Escape,
   * Ctrl+1, Ctrl+2, Ctrl+Shift+F, Alt+1…Alt+5. */
  g_assert_cmpuint (n_checked, >=, 16);

  /* With no settings there is no variant to pick: the key does nothing,
   * quietly. */
  g_assert_false (press_shortcut (GTK_WIDGET (f->window), GDK_KEY_1, GDK_ALT_MASK));
}

/* The view menu's keys do what its items do. */
static void
test_shortcuts_view (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autofree char *sort_by = NULL;
  gboolean show_problems;
  GtkWidget *window;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
    {
      g_test_skip ("No compiled schema (GSETTINGS_SCHEMA_DIR)");
      return;
    }

  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "variant", "front_default");
  /* A variant change starts a run: against the fake server. */
  fixture_serve (f, 12, 0, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  run_to_end (f);

  g_assert_true (press_shortcut (window, GDK_KEY_2, GDK_CONTROL_MASK));
  g_object_get (window, "sort-by", &sort_by, NULL);
  g_assert_cmpstr (sort_by, ==, "name");
  g_assert_cmpuint (sg_pokemon_get_id (grid_item (window, 0)), ==, 9);
  g_clear_pointer (&sort_by, g_free);
  g_assert_true (press_shortcut (window, GDK_KEY_1, GDK_CONTROL_MASK));
  g_object_get (window, "sort-by", &sort_by, NULL);
  g_assert_cmpstr (sort_by, ==, "number");
  g_assert_cmpuint (sg_pokemon_get_id (grid_item (window, 0)), ==, 1);

  /* A toggle, as the menu's check item. */
  g_assert_true (press_shortcut (window, GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK));
  g_object_get (window, "show-problems", &show_problems, NULL);
  g_assert_true (show_problems);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (window)), ==, 0);
  g_assert_true (press_shortcut (window, GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK));
  g_object_get (window, "show-problems", &show_problems, NULL);
  g_assert_false (show_problems);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (window)), ==, 12);

  /* Alt+1…Alt+5: the grid's sprites, in the menu's order; the last one
   * back to the first. */
  for (guint i = 1; i <= SG_N_GRID_VARIANTS; i++)
    {
      SgVariant variant = i % SG_N_GRID_VARIANTS;
      g_autofree char *name = NULL;

      g_assert_true (press_shortcut (window, GDK_KEY_1 + variant, GDK_ALT_MASK));
      name = g_settings_get_string (f->settings, "variant");
      g_assert_cmpstr (name, ==, sg_variant_to_string (variant));
    }
}

typedef struct {
  guint    id;
  gboolean finished;
  gboolean previous_pending;  /* when it finished, the one before it was pending */
  SgPokemon *previous;
} Overtake;

static void
record_overtake (SgDownloader *downloader,
                 SgPokemon    *item,
                 Overtake     *overtake)
{
  if (sg_pokemon_get_id (item) != overtake->id || overtake->finished)
    return;

  overtake->finished = TRUE;
  overtake->previous_pending = sg_pokemon_get_state (overtake->previous) == SG_ITEM_STATE_PENDING;
}

static gboolean
overtake_finished (gpointer data)
{
  return ((Overtake *) data)->finished;
}

/* What is on screen comes first: the tiles a search shows (and any tile
 * bound to a pending item) move their requests to the front of the queue. */
static void
test_visible_first (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SgPokemon) previous = NULL;
  Overtake overtake = { 60, FALSE, FALSE, NULL };
  GtkWidget *window;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  /* One request at a time, in Pokédex order unless told otherwise: #059
   * comes about 118 round trips after the start. */
  fixture_serve (f, 60, 100, 0);
  g_object_set (f->downloader, "workers", 1, NULL);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  g_signal_connect (f->downloader, "item-finished", G_CALLBACK (record_overtake), &overtake);
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, list_is_loaded, f, "the list"));
  previous = g_list_model_get_item (sg_downloader_get_items (f->downloader), 58);
  overtake.previous = previous;
  g_assert_cmpuint (sg_pokemon_get_id (previous), ==, 59);

  /* Searching for the last one puts it first in the grid. */
  gtk_widget_activate_action (window, "win.search", NULL);
  type_search (window, "#060");
  assert_grid_ids (window, "60");

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, overtake_finished, &overtake, "#060"));
  g_assert_true (overtake.previous_pending);
  g_assert_cmpuint (sg_pokemon_get_state (grid_item (window, 0)), ==, SG_ITEM_STATE_DOWNLOADED);
  sg_test_wait (SETTLE_MS);
  assert_cells_show_their_items (window, TRUE);

  g_signal_handlers_disconnect_by_func (f->downloader, record_overtake, &overtake);
}

/* ── A run that is not going, a cleared library, the place in the grid ─── */

static guint
count_pending (GListModel *model)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (model, i);

      if (sg_pokemon_get_state (item) == SG_ITEM_STATE_PENDING)
        n++;
    }

  return n;
}

/* Asserts what the tiles of pending items tell a screen reader; returns
 * how many there are. */
static guint
assert_pending_cells_say (GtkWidget  *window,
                          const char *state)
{
  g_autoptr(GPtrArray) cells = sg_test_find_all (window, SG_TYPE_SPRITE_CELL, NULL, NULL);
  guint n = 0;

  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *cell = g_ptr_array_index (cells, i);
      SgPokemon *item = sg_sprite_cell_get_item (SG_SPRITE_CELL (cell));
      g_autofree char *title = NULL;
      g_autofree char *label = NULL;

      if (item == NULL || sg_pokemon_get_state (item) != SG_ITEM_STATE_PENDING)
        continue;

      title = sg_pokemon_dup_title (item);
      label = g_strdup_printf ("#%03u %s, %s", sg_pokemon_get_id (item), title, state);
      gtk_test_accessible_assert_property (cell, GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      n++;
    }

  return n;
}

/* After Stop, a pending item is not on its way: its tile says so, and
 * "Only Failed and Missing" shows it rather than "Every Pokémon so far has
 * its sprite". */
static void
test_stopped_pending (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *window;
  guint n_pending;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  /* Slow enough that the run cannot end on its own before Stop. */
  fixture_serve (f, 40, 300, 0);
  g_object_set (f->downloader, "workers", 2, NULL);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, list_is_loaded, f, "the list"));
  sg_test_wait (SETTLE_MS);

  /* While the run goes, pending tiles are on their way, and no problem. */
  g_assert_true (sg_downloader_is_running (f->downloader));
  g_assert_cmpuint (assert_pending_cells_say (window, "downloading"), >, 0);
  gtk_widget_activate_action (window, "win.show-problems", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (window)), ==, 0);
  g_assert_cmpstr (stack_page (window, "no-results"), ==, "no-results");

  /* Stopped: the same tiles, still bound, now say they will not come, and
   * the filter, switched on before, takes them in. */
  gtk_widget_activate_action (window, "win.stop", NULL);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the stopped run to end"));
  sg_test_wait (SETTLE_MS);
  n_pending = count_pending (sg_downloader_get_items (f->downloader));
  g_assert_cmpuint (n_pending, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (window)), ==, n_pending);
  g_assert_cmpstr (stack_page (window, "no-results"), ==, "results");
  g_assert_cmpuint (assert_pending_cells_say (window, "not downloaded"), >, 0);

  /* Every tile again, in recycled cells: the same. */
  gtk_widget_activate_action (window, "win.show-problems", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (window)), ==, 40);
  sg_test_wait (SETTLE_MS);
  g_assert_cmpuint (assert_pending_cells_say (window, "not downloaded"), >, 0);
}

typedef struct {
  gboolean  done;
  GError   *error;
} ClearResult;

static void
clear_library_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ClearResult *clear = user_data;

  sg_downloader_clear_library_finish (SG_DOWNLOADER (object), result, &clear->error);
  clear->done = TRUE;
}

static gboolean
clear_done (gpointer data)
{
  return ((ClearResult *) data)->done;
}

/* Clear Library (in the preferences) empties the model: the window shows
 * its empty page, not a blank grid under "showing 12", and leaves a detail
 * page whose files are gone. */
static void
test_clear_library (Fixture       *f,
                    gconstpointer  data)
{
  ClearResult clear = { FALSE, NULL };
  g_autofree char *base_url = NULL;
  GtkWidget *window;
  GtkWidget *detail;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 12, 0, 0);
  fixture_open_window (f);
  run_to_end (f);
  base_url = sg_fake_server_dup_base_url (f->server);
  relaunch_offline (f, base_url);
  window = GTK_WIDGET (f->window);
  g_assert_cmpstr (visible_page (window), ==, "grid");
  g_assert_true (banner_shown (window));

  g_signal_emit_by_name (sg_test_find_one (window, GTK_TYPE_GRID_VIEW, NULL, NULL), "activate", 2);
  g_assert_true (in_detail (window));
  detail = sg_test_find_one (window, SG_TYPE_DETAIL_VIEW, NULL, NULL);
  g_assert_nonnull (sg_detail_view_get_item (SG_DETAIL_VIEW (detail)));

  sg_downloader_clear_library_async (f->downloader, NULL, clear_library_cb, &clear);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, clear_done, &clear, "the library to be cleared"));
  g_assert_no_error (clear.error);
  sg_test_wait (SETTLE_MS);

  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 0);
  g_assert_false (in_detail (window));
  g_assert_null (sg_detail_view_get_item (SG_DETAIL_VIEW (detail)));
  g_assert_cmpstr (visible_page (window), ==, "empty");
  g_assert_false (banner_shown (window));
  g_assert_false (window_action_enabled (window, "win.copy"));
  g_assert_false (window_action_enabled (window, "win.open-folder"));
  g_assert_true (window_action_enabled (window, "win.refresh"));
}

static GtkAdjustment *
grid_vadjustment (GtkWidget *window)
{
  GtkWidget *grid_view = sg_test_find_one (window, GTK_TYPE_GRID_VIEW, NULL, NULL);
  GtkWidget *scrolled = gtk_widget_get_ancestor (grid_view, GTK_TYPE_SCROLLED_WINDOW);

  g_assert_nonnull (scrolled);

  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
}

/* Refresh puts the same tiles back: the user keeps their place. A new
 * order starts at the top. */
/* The first row in view: GTK 4.8 scrolls to the very top, later GTK only
 * as far as it takes to show the first tile. */
static gboolean
adjustment_shows_first_row (gpointer data)
{
  GtkAdjustment *adjustment = data;

  return gtk_adjustment_get_value (adjustment) <
         gtk_adjustment_get_lower (adjustment) + gtk_adjustment_get_page_size (adjustment) / 4;
}

static void
test_refresh_keeps_place (Fixture       *f,
                          gconstpointer  data)
{
  GtkAdjustment *vadjustment;
  GtkWidget *window;
  double lower;
  double middle;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  fixture_serve (f, 200, 0, 0);
  fixture_open_window (f);
  window = GTK_WIDGET (f->window);
  run_to_end (f);

  vadjustment = grid_vadjustment (window);
  lower = gtk_adjustment_get_lower (vadjustment);
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment) - gtk_adjustment_get_page_size (vadjustment),
                     >, lower + 100);
  middle = lower + (gtk_adjustment_get_upper (vadjustment) - gtk_adjustment_get_page_size (vadjustment) - lower) / 2;
  gtk_adjustment_set_value (vadjustment, middle);
  sg_test_wait (SETTLE_MS);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), >, lower);

  run_to_end (f);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model (window)), ==, 200);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), >, lower);

  /* The scroll happens when the grid next lays out: wait for it, not for
   * a fixed time (a sanitizer build lays out much later). */
  gtk_widget_activate_action (window, "win.sort-by", "s", "name");
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, adjustment_shows_first_row, vadjustment,
                                     "the grid back at the top"));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  have_display = sg_test_ui_init (&argc, &argv, SG_TEST_BUS_WITH_DISPLAY);
  if (have_display)
    app = sg_test_ui_new_application ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/window/run/fills-grid", test_run_fills_grid);
  ADD ("/window/run/stop", test_stop);
  ADD ("/window/run/server-down-then-retry", test_server_down);
  ADD ("/window/run/close-while-running", test_close_while_running);
  ADD ("/window/settings/size", test_window_size_setting);
  ADD ("/window/search/narrows", test_search);
  ADD ("/window/sort/by-name", test_sort_by_name);
  ADD ("/window/filter/problems", test_problems_filter);
  ADD ("/window/detail/activate-and-back", test_detail_and_back);
  ADD ("/window/detail/copy", test_copy);
  ADD ("/window/offline/banner", test_offline_banner);
  ADD ("/window/variant/restarts-run", test_variant_menu);
  ADD ("/window/menu/view", test_view_menu);
  ADD ("/window/shortcuts/documented", test_shortcuts_documented);
  ADD ("/window/shortcuts/view", test_shortcuts_view);
  ADD ("/window/run/stopped-pending", test_stopped_pending);
  ADD ("/window/library/clear", test_clear_library);
  ADD ("/window/run/refresh-keeps-place", test_refresh_keeps_place);
  ADD ("/window/tiles/visible-first", test_visible_first);
#undef ADD
  g_test_add_func ("/window/cell/rebind", test_cell_rebind);
  g_test_add_func ("/window/cell/drag-out", test_cell_drag);
  g_test_add_func ("/window/picture/crisp", test_picture_crisp);
  g_test_add_func ("/window/preferences/keys", test_preferences);

  ret = g_test_run ();

  g_clear_object (&app);
  sg_test_ui_shutdown ();

  return ret;
}
