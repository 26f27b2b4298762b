/* sg-window.c: the main window: header bar, grid, search, detail, status pages, toasts
 *
 * The window only watches the downloader: it starts and stops runs and shows
 * the items model, and knows nothing about HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-detail-view.h"
#include "sg-export.h"
#include "sg-pokemon.h"
#include "sg-search.h"
#include "sg-sprite-cell.h"
#include "sg-window.h"

typedef enum {
  SORT_BY_NUMBER,
  SORT_BY_NAME,
} SortBy;

static const char * const sort_by_names[] = { "number", "name" };

/* About what a large window shows at once: 12 columns, 4 rows. */
#define SG_WINDOW_N_TOP_TILES 48

struct _SgWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *view_stack;
  AdwWindowTitle       *window_title;
  GtkStack             *run_button_stack;
  GMenu                *view_menu;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkStack             *main_stack;
  AdwStatusPage        *empty_page;
  GtkSpinner           *loading_spinner;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  GtkStack             *results_stack;
  GtkGridView          *grid_view;
  AdwStatusPage        *no_results_page;
  AdwStatusPage        *error_page;
  GtkButton            *retry_button;
  GtkActionBar         *progress_action_bar;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_label;
  GtkBox               *detail_page;
  AdwWindowTitle       *detail_title;
  GtkButton            *back_button;

  /* Borrowed */
  SgDetailView         *detail_view;      /* a child of detail_page */

  /* Owned */
  SgDownloader         *downloader;       /* (owned) */
  GSettings            *settings;         /* (owned) (nullable) */
  GCancellable         *cancellable;      /* (owned) (nullable): set from start to callback */
  GCancellable         *export_cancellable; /* (owned): Save As dialogs; cancelled in dispose */
  AdwToast             *toast;            /* (owned) (nullable): the last one shown */
  GtkFilter            *search_filter;    /* (owned) */
  GtkFilter            *problems_filter;  /* (owned) */
  GtkFilterListModel   *filter_model;     /* (owned) */
  GtkSortListModel     *sort_model;       /* (owned) */
  GtkSingleSelection   *selection;        /* (owned) */
  GtkSorter            *name_sorter;      /* (owned) */
  SgSearchQuery        *query;            /* (owned) (nullable): NULL is no search */
  SgPokemon            *target;           /* (owned) (nullable): what Copy and Save As act on */
  GPtrArray            *newly_bound;      /* (owned): pending items bound since the last frame */
  guint                 prioritize_id;    /* idle that moves them to the front */

  SortBy                sort_by;
  guint                 show_problems : 1;
  guint                 restart_pending : 1;  /* the variant changed during our run */
};

G_DEFINE_FINAL_TYPE (SgWindow, sg_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_DOWNLOADER,
  PROP_SETTINGS,
  PROP_SEARCH_MODE,
  PROP_SORT_BY,
  PROP_SHOW_PROBLEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Each item's folded name, kept on the item: a keystroke then folds only the
 * query, never a thousand names. */
static GQuark folded_name_quark;

typedef struct {
  char *name;    /* what was folded: the name may change (set_identity) */
  char *folded;
} FoldedName;

static void
folded_name_free (gpointer data)
{
  FoldedName *cache = data;

  g_free (cache->name);
  g_free (cache->folded);
  g_free (cache);
}

static const char *
sg_window_get_folded_name (SgPokemon *item)
{
  FoldedName *cache = g_object_get_qdata (G_OBJECT (item), folded_name_quark);
  const char *name = sg_pokemon_get_name (item);

  if (cache == NULL || g_strcmp0 (cache->name, name) != 0)
    {
      cache = g_new0 (FoldedName, 1);
      cache->name = g_strdup (name);
      cache->folded = sg_search_fold (name);
      g_object_set_qdata_full (G_OBJECT (item), folded_name_quark, cache, folded_name_free);
    }

  return cache->folded;
}

static gboolean
sg_window_in_detail (SgWindow *self)
{
  /* NULL once the template is disposed; a late notify lands here. */
  return self->view_stack != NULL &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->view_stack), "detail") == 0;
}

/* What Copy, Save As and Show in Folder act on: the Pokémon shown large, or
 * else the selected tile. */
static SgPokemon *
sg_window_get_target (SgWindow *self)
{
  if (sg_window_in_detail (self))
    return self->detail_view != NULL ? sg_detail_view_get_item (self->detail_view) : NULL;

  return gtk_single_selection_get_selected_item (self->selection);
}

static GdkTexture *
sg_window_get_target_texture (SgWindow *self)
{
  SgPokemon *item;

  /* The detail view may show another variant than the grid. */
  if (sg_window_in_detail (self))
    return self->detail_view != NULL ? sg_detail_view_get_texture (self->detail_view) : NULL;

  item = sg_window_get_target (self);

  return item != NULL ? sg_pokemon_get_texture (item) : NULL;
}

static const char *
sg_window_get_target_path (SgWindow *self)
{
  SgPokemon *item;

  if (sg_window_in_detail (self))
    return self->detail_view != NULL ? sg_detail_view_get_path (self->detail_view) : NULL;

  item = sg_window_get_target (self);

  return item != NULL ? sg_pokemon_get_path (item) : NULL;
}

static void
sg_window_update_item_actions (SgWindow *self)
{
  gboolean in_detail = sg_window_in_detail (self);
  const char *path = sg_window_get_target_path (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", in_detail);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy",
                                 sg_window_get_target_texture (self) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as",
                                 sg_window_get_target (self) != NULL && path != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-folder", path != NULL);
}

static void
sg_window_target_notify_cb (SgWindow   *self,
                            GParamSpec *pspec,
                            GObject    *object)
{
  /* The detail view may notify while the window is being disposed. */
  if (self->selection != NULL)
    sg_window_update_item_actions (self);
}

/* Follows the target, so the actions light up when its sprite arrives. */
static void
sg_window_update_target (SgWindow *self)
{
  SgPokemon *target;

  if (self->selection == NULL)
    return;

  target = sg_window_get_target (self);

  if (target != self->target)
    {
      if (self->target != NULL)
        g_signal_handlers_disconnect_by_func (self->target, sg_window_target_notify_cb, self);

      g_set_object (&self->target, target);

      if (target != NULL)
        {
          g_signal_connect_object (target, "notify::texture",
                                   G_CALLBACK (sg_window_target_notify_cb), self, G_CONNECT_SWAPPED);
          g_signal_connect_object (target, "notify::path",
                                   G_CALLBACK (sg_window_target_notify_cb), self, G_CONNECT_SWAPPED);
        }
    }

  sg_window_update_item_actions (self);
}

static void
sg_window_update_actions (SgWindow *self)
{
  /* One run at a time: Refresh waits for our callback, not just for the
   * downloader's "running" to drop, so a run's callback never meets the next run. */
  gboolean ours = self->cancellable != NULL;
  gboolean busy = ours || sg_downloader_is_running (self->downloader);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop",
                                 ours && !g_cancellable_is_cancelled (self->cancellable));
  gtk_stack_set_visible_child_name (self->run_button_stack, ours ? "stop" : "refresh");
}

static void
sg_window_show_toast (SgWindow   *self,
                      const char *title)
{
  /* Only the latest news: a toast of the previous run goes at once. */
  if (self->toast != NULL)
    adw_toast_dismiss (self->toast);
  g_clear_object (&self->toast);

  self->toast = adw_toast_new (title);
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (self->toast));
}

static void
sg_window_show_items_page (SgWindow   *self,
                           const char *empty_description)
{
  GListModel *items = sg_downloader_get_items (self->downloader);

  if (g_list_model_get_n_items (items) > 0)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "grid");
    }
  else
    {
      if (empty_description != NULL)
        adw_status_page_set_description (self->empty_page, empty_description);
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
    }
}

static void
sg_window_update_progress (SgWindow *self)
{
  GListModel *items = sg_downloader_get_items (self->downloader);
  guint total = g_list_model_get_n_items (items);
  guint done = MIN (sg_downloader_get_n_finished (self->downloader), total);
  g_autofree char *text = NULL;

  if (total == 0)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      gtk_label_set_label (self->progress_label, "");
      return;
    }

  /* Translators: progress of a run: "37 of 100" (sprites) */
  text = g_strdup_printf (C_("progress", "%u of %u"), done, total);
  gtk_progress_bar_set_fraction (self->progress_bar, (double) done / total);
  gtk_label_set_label (self->progress_label, text);
}

static void
sg_window_update_subtitle (SgWindow *self)
{
  g_autofree char *base_url = NULL;
  g_autofree char *subtitle = NULL;

  g_object_get (self->downloader, "base-url", &base_url, NULL);

  /* Whenever the sprites do not come from the real PokeAPI, say so. */
  if (base_url != NULL && !g_str_equal (base_url, SG_DEFAULT_BASE_URL))
    {
      g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
      g_autofree char *server = NULL;

      if (uri != NULL && g_uri_get_host (uri) != NULL)
        {
          const char *path = g_uri_get_path (uri);

          while (*path == '/')
            path++;

          if (g_uri_get_port (uri) != -1)
            server = g_strdup_printf ("%s:%d/%s", g_uri_get_host (uri), g_uri_get_port (uri), path);
          else
            server = g_strdup_printf ("%s/%s", g_uri_get_host (uri), path);
        }
      else
        {
          server = g_strdup (base_url);
        }

      /* Translators: the window subtitle when the sprites come from another
       * server than PokeAPI; %s is its address, as in "127.0.0.1:41234/api/v2/" */
      subtitle = g_strdup_printf (_("Server: %s"), server);
    }

  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
}

static char *
sg_window_dup_summary (const SgRunStats *stats)
{
  guint n_sprites = stats->downloaded + stats->stored;
  double seconds = 0.0;
  g_autofree char *seconds_text = NULL;
  char *summary;

  if (stats->t_end_us > stats->t_start_us)
    seconds = (stats->t_end_us - stats->t_start_us) / (double) G_USEC_PER_SEC;
  seconds_text = g_strdup_printf ("%.1f", seconds);

  /* Translators: the toast after a run, as in "100 sprites in 1.4 s";
   * %u is the count and %s the seconds */
  summary = g_strdup_printf (ngettext ("%u sprite in %s s", "%u sprites in %s s", n_sprites),
                             n_sprites, seconds_text);

  if (stats->missing > 0)
    {
      char *longer;

      /* Translators: appended to the run summary, as in
       * "97 sprites in 1.4 s, 3 without a sprite" */
      longer = g_strdup_printf (ngettext ("%s, %u without a sprite",
                                          "%s, %u without a sprite",
                                          stats->missing),
                                summary, stats->missing);
      g_free (summary);
      summary = longer;
    }

  if (stats->failed > 0)
    {
      char *longer;

      /* Translators: appended to the run summary, as in "98 sprites in 1.4 s, 2 failed" */
      longer = g_strdup_printf (ngettext ("%s, %u failed", "%s, %u failed", stats->failed),
                                summary, stats->failed);
      g_free (summary);
      summary = longer;
    }

  return summary;
}

static gboolean
sg_window_is_list_error (const GError *error)
{
  return g_error_matches (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE) ||
         g_error_matches (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_LIST);
}

static void
sg_window_show_banner (SgWindow     *self,
                       const GError *error)
{
  guint n_stored = sg_downloader_get_n_stored (self->downloader);
  g_autofree char *text = NULL;

  if (g_error_matches (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE))
    /* Translators: a bar above the grid when the server cannot be reached;
     * %u is how many sprites are stored on this computer */
    text = g_strdup_printf (ngettext ("Offline — showing %u downloaded sprite",
                                      "Offline — showing %u downloaded sprites",
                                      n_stored),
                            n_stored);
  else
    /* Translators: a bar above the grid when the server answered, but not
     * with a usable list; %u is how many sprites are stored on this computer */
    text = g_strdup_printf (ngettext ("Could not update the list — showing %u downloaded sprite",
                                      "Could not update the list — showing %u downloaded sprites",
                                      n_stored),
                            n_stored);

  gtk_label_set_label (self->banner_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->banner_label), error->message);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
sg_window_hide_banner (SgWindow *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

/* For the first tiles of a list, and a new order or filter: what was at the
 * top of the screen means nothing any more. A refresh keeps the place. */
static void
sg_window_scroll_to_top (SgWindow *self)
{
  if (self->grid_view == NULL || self->sort_model == NULL ||
      g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)) == 0)
    return;

  /* Not the adjustment: right after the model changed the grid has not
   * measured its rows, and GTK 4.8 warns that it cannot scroll there. The
   * grid's own action moves its anchor to the first tile instead
   * (gtk_grid_view_scroll_to is GTK 4.12). */
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);
}

/* Back to the gallery; @focus_grid when the grid is on show to take it. */
static void
sg_window_leave_detail (SgWindow *self,
                        gboolean  focus_grid)
{
  if (!sg_window_in_detail (self))
    return;

  gtk_stack_set_visible_child_name (self->view_stack, "gallery");
  /* The grid puts the focus back on the tile it had: the one just opened. */
  if (focus_grid)
    gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
  sg_window_update_target (self);
}

static void
sg_window_run_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SgWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean cancelled;

  sg_downloader_run_finish (SG_DOWNLOADER (object), result, &error);

  /* Destroyed while running: nobody is looking, and after dispose the
   * widgets are gone. */
  if (self->cancellable == NULL)
    return;

  g_debug ("Run finished: %s", error != NULL ? error->message : "success");

  /* Trust the error, not the cancellable: a failing run may have
   * cancelled its own work and still report why it failed. */
  cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&self->cancellable);

  gtk_spinner_stop (self->loading_spinner);
  gtk_action_bar_set_revealed (self->progress_action_bar, FALSE);
  sg_window_update_actions (self);

  /* Stopped for another variant: no news to tell, the next run follows. */
  if (self->restart_pending)
    {
      self->restart_pending = FALSE;
      sg_window_start (self);
      return;
    }

  if (cancelled)
    {
      sg_window_show_items_page (self, _("The download was stopped before the list arrived"));
      sg_window_show_toast (self, _("Stopped"));
    }
  else if (sg_window_is_list_error (error) &&
           g_list_model_get_n_items (sg_downloader_get_items (self->downloader)) > 0)
    {
      /* The stored library is on show: a bar above it says the list is old,
       * rather than an error page hiding what is there. */
      sg_window_show_banner (self, error);
      sg_window_show_items_page (self, NULL);
    }
  else if (error != NULL)
    {
      const char *title;
      const char *description = error->message;

      if (g_error_matches (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER))
        {
          adw_status_page_set_icon_name (self->error_page, "folder-symbolic");
          title = _("Could not use the download folder");
        }
      else
        {
          adw_status_page_set_icon_name (self->error_page, "network-error-symbolic");
          title = _("Could not load the Pokémon list");
        }

      /* The message may already begin with what the title says. */
      if (g_str_has_prefix (description, title) &&
          g_str_has_prefix (description + strlen (title), ": "))
        description += strlen (title) + 2;

      adw_status_page_set_title (self->error_page, title);
      adw_status_page_set_description (self->error_page, description);
      gtk_stack_set_visible_child_name (self->main_stack, "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->retry_button));
    }
  else
    {
      g_autofree char *summary = sg_window_dup_summary (sg_downloader_get_stats (self->downloader));

      sg_window_hide_banner (self);
      sg_window_show_items_page (self, _("The server lists no Pokémon"));
      sg_window_show_toast (self, summary);
    }
}

static void
sg_window_list_loaded_cb (SgWindow     *self,
                          SgDownloader *downloader)
{
  /* Also when another caller runs our downloader: the model is ours to
   * show all the same. No scrolling: a Refresh or Retry replaces the tiles
   * on show with the same ones, and the user keeps their place (the first
   * fill scrolls to the top in sg_window_items_changed_cb). */
  sg_window_show_items_page (self, _("The server lists no Pokémon"));

  /* A new list may bring the same items back pending: look at them again. */
  if (self->show_problems)
    gtk_filter_changed (self->problems_filter, GTK_FILTER_CHANGE_DIFFERENT);

  /* Progress means something once the list says how many there are; the
   * loading page says enough before that. */
  sg_window_update_progress (self);
  gtk_action_bar_set_revealed (self->progress_action_bar,
                               sg_downloader_is_running (downloader) &&
                               g_list_model_get_n_items (sg_downloader_get_items (downloader)) > 0);
}

/* Failed, missing, or pending with no run to fetch it (after Stop, or
 * offline): no sprite either way. */
static gboolean
sg_window_is_problem (SgWindow  *self,
                      SgPokemon *item)
{
  SgItemState state = sg_pokemon_get_state (item);

  if (state == SG_ITEM_STATE_PENDING)
    return !sg_downloader_is_running (self->downloader);

  return state == SG_ITEM_STATE_FAILED || state == SG_ITEM_STATE_MISSING;
}

static void
sg_window_item_finished_cb (SgWindow     *self,
                            SgPokemon    *item,
                            SgDownloader *downloader)
{
  /* A filter model does not watch its items: tell it that one changed. Only
   * this item changed, so the others keep their verdict. */
  if (self->show_problems)
    gtk_filter_changed (self->problems_filter,
                        sg_window_is_problem (self, item) ? GTK_FILTER_CHANGE_LESS_STRICT
                                                          : GTK_FILTER_CHANGE_MORE_STRICT);
}

static void
sg_window_n_finished_cb (SgWindow     *self,
                         GParamSpec   *pspec,
                         SgDownloader *downloader)
{
  sg_window_update_progress (self);
}

static void
sg_window_running_cb (SgWindow     *self,
                      GParamSpec   *pspec,
                      SgDownloader *downloader)
{
  gboolean running = sg_downloader_is_running (downloader);

  if (!running)
    gtk_action_bar_set_revealed (self->progress_action_bar, FALSE);

  /* Pending items are problems only with no run to fetch them: they join
   * the filter when a run ends and leave it when one starts. (The tiles
   * follow "running" through their own binding.) */
  if (self->show_problems)
    gtk_filter_changed (self->problems_filter,
                        running ? GTK_FILTER_CHANGE_MORE_STRICT : GTK_FILTER_CHANGE_LESS_STRICT);

  sg_window_update_actions (self);
}

static void
sg_window_items_changed_cb (SgWindow   *self,
                            guint       position,
                            guint       removed,
                            guint       added,
                            GListModel *items)
{
  guint n_items = g_list_model_get_n_items (items);

  /* The first tiles: start at the top. */
  if (n_items > 0 && n_items == added && removed == 0)
    sg_window_scroll_to_top (self);

  /* Emptied with no run going: Clear Library in the preferences. Nothing
   * left to show, to be offline about, or to look at large. (During a run,
   * sg_window_run_cb says what an empty list means.) */
  if (n_items == 0 && removed > 0 && !sg_downloader_is_running (self->downloader))
    {
      sg_window_hide_banner (self);
      sg_window_leave_detail (self, FALSE);
      if (self->detail_view != NULL)
        sg_detail_view_set_item (self->detail_view, NULL);
      sg_window_show_items_page (self, _("Download the sprites of the first Pokémon"));
      sg_window_update_progress (self);
      sg_window_update_target (self);
    }
}

static void
sg_window_base_url_cb (SgWindow     *self,
                       GParamSpec   *pspec,
                       SgDownloader *downloader)
{
  sg_window_update_subtitle (self);
}

/* ── Visible first ─────────────────────────────────────────────────────── */

/* Each call moves one item to the front, so the tiles bound in one frame
 * (top-left first) are moved last to first: they keep their order, ahead of
 * everything off screen. Moving them as they bind would reverse it. */
static gboolean
sg_window_prioritize_cb (gpointer user_data)
{
  SgWindow *self = SG_WINDOW (user_data);
  g_autoptr(GPtrArray) items = g_steal_pointer (&self->newly_bound);

  self->newly_bound = g_ptr_array_new_with_free_func (g_object_unref);
  self->prioritize_id = 0;

  for (guint i = items->len; i > 0; i--)
    {
      SgPokemon *item = g_ptr_array_index (items, i - 1);

      if (sg_pokemon_get_state (item) == SG_ITEM_STATE_PENDING)
        sg_downloader_prioritize (self->downloader, item);
    }

  return G_SOURCE_REMOVE;
}

static void
sg_window_queue_prioritize (SgWindow  *self,
                            SgPokemon *item)
{
  if (sg_pokemon_get_state (item) != SG_ITEM_STATE_PENDING)
    return;

  g_ptr_array_add (self->newly_bound, g_object_ref (item));
  if (self->prioritize_id == 0)
    self->prioritize_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE,
                                           sg_window_prioritize_cb, self, NULL);
}

/* The grid keeps the widget of an item that stays in the model, so a search
 * that leaves a bound tile at the top binds nothing: the first tiles of the
 * new result come first by this way. */
static void
sg_window_prioritize_top (SgWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->sort_model);
  guint n = MIN (g_list_model_get_n_items (model), SG_WINDOW_N_TOP_TILES);

  /* What was bound before the search goes first, so the search's tiles,
   * moved after it, end up in front. */
  if (self->prioritize_id != 0)
    {
      g_source_remove (self->prioritize_id);
      sg_window_prioritize_cb (self);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (model, i);

      sg_window_queue_prioritize (self, item);
    }
}

/* ── Search, sort and the problems filter ──────────────────────────────── */

static gboolean
sg_window_search_filter_func (gpointer item,
                              gpointer user_data)
{
  SgWindow *self = user_data;

  if (self->query == NULL)
    return TRUE;

  return sg_search_query_matches (self->query,
                                  sg_pokemon_get_id (item),
                                  sg_window_get_folded_name (item));
}

static gboolean
sg_window_problems_filter_func (gpointer item,
                                gpointer user_data)
{
  SgWindow *self = user_data;

  return !self->show_problems || sg_window_is_problem (self, item);
}

static void
sg_window_update_results_page (SgWindow *self)
{
  gboolean searching = self->query != NULL && !sg_search_query_is_empty (self->query);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) > 0 ||
      g_list_model_get_n_items (sg_downloader_get_items (self->downloader)) == 0)
    {
      gtk_stack_set_visible_child_name (self->results_stack, "results");
      return;
    }

  if (searching)
    {
      adw_status_page_set_icon_name (self->no_results_page, "edit-find-symbolic");
      adw_status_page_set_title (self->no_results_page, _("No Results Found"));
      adw_status_page_set_description (self->no_results_page,
                                       self->show_problems
                                       ? _("No failed or missing sprite matches the search")
                                       : _("Try a different name or number"));
    }
  else
    {
      adw_status_page_set_icon_name (self->no_results_page, "emblem-ok-symbolic");
      adw_status_page_set_title (self->no_results_page, _("No Failed or Missing Sprites"));
      adw_status_page_set_description (self->no_results_page,
                                       _("Every Pokémon so far has its sprite"));
    }

  gtk_stack_set_visible_child_name (self->results_stack, "no-results");
}

static void
sg_window_filtered_items_changed_cb (SgWindow   *self,
                                     guint       position,
                                     guint       removed,
                                     guint       added,
                                     GListModel *model)
{
  sg_window_update_results_page (self);
}

static void
sg_window_search_changed_cb (SgWindow       *self,
                             GtkSearchEntry *entry)
{
  g_autoptr(SgSearchQuery) query = sg_search_query_new (gtk_editable_get_text (GTK_EDITABLE (entry)));
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  /* Folded once here; the filter only compares bytes. The hint lets a
   * longer query look only at what matched before. */
  switch (sg_search_query_compare (self->query, query))
    {
    case SG_SEARCH_CHANGE_NONE:
      g_clear_pointer (&self->query, sg_search_query_free);
      self->query = g_steal_pointer (&query);
      return;

    case SG_SEARCH_CHANGE_MORE_STRICT:
      change = GTK_FILTER_CHANGE_MORE_STRICT;
      break;

    case SG_SEARCH_CHANGE_LESS_STRICT:
      change = GTK_FILTER_CHANGE_LESS_STRICT;
      break;

    case SG_SEARCH_CHANGE_DIFFERENT:
    default:
      change = GTK_FILTER_CHANGE_DIFFERENT;
      break;
    }

  g_clear_pointer (&self->query, sg_search_query_free);
  self->query = g_steal_pointer (&query);
  gtk_filter_changed (self->search_filter, change);
  sg_window_scroll_to_top (self);
  sg_window_update_results_page (self);
  sg_window_prioritize_top (self);
}

static void
sg_window_search_mode_cb (SgWindow     *self,
                          GParamSpec   *pspec,
                          GtkSearchBar *search_bar)
{
  /* The focus was in the entry that just went away: back to the tiles. */
  if (!gtk_search_bar_get_search_mode (search_bar) &&
      self->grid_view != NULL &&
      gtk_widget_get_mapped (GTK_WIDGET (self->grid_view)))
    gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
sg_window_set_sort_by (SgWindow *self,
                       SortBy    sort_by)
{
  if (self->sort_by == sort_by)
    return;

  self->sort_by = sort_by;
  /* The downloader's order is the Pokédex order: numbers need no sorter. */
  gtk_sort_list_model_set_sorter (self->sort_model,
                                  sort_by == SORT_BY_NAME ? self->name_sorter : NULL);
  sg_window_scroll_to_top (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_BY]);
}

static void
sg_window_set_show_problems (SgWindow *self,
                             gboolean  show_problems)
{
  show_problems = !!show_problems;
  if (self->show_problems == show_problems)
    return;

  self->show_problems = show_problems;
  gtk_filter_changed (self->problems_filter,
                      show_problems ? GTK_FILTER_CHANGE_MORE_STRICT : GTK_FILTER_CHANGE_LESS_STRICT);
  sg_window_scroll_to_top (self);
  sg_window_update_results_page (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_PROBLEMS]);
}

/* ── The variant ───────────────────────────────────────────────────────── */

static void
sg_window_variant_changed_cb (SgWindow   *self,
                              const char *key,
                              GSettings  *settings)
{
  /* The application reconfigured the downloader in its own "changed"
   * handler, connected before the window existed, so it ran first. A run
   * reads the variant when it starts: stop ours and start again once it has
   * ended, from its callback. */
  if (self->cancellable != NULL)
    {
      self->restart_pending = TRUE;
      g_cancellable_cancel (self->cancellable);
      sg_window_update_actions (self);
    }
  else
    {
      sg_window_start (self);
    }
}

static void
sg_window_add_variant_menu (SgWindow *self)
{
  g_autoptr(GAction) action = g_settings_create_action (self->settings, "variant");
  g_autoptr(GMenu) section = g_menu_new ();

  g_action_map_add_action (G_ACTION_MAP (self), action);

  for (SgVariant variant = 0; variant < SG_N_GRID_VARIANTS; variant++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (sg_variant_get_label (variant), NULL);
      /* As bound in class_init: Alt+1 for the first grid variant, and on. */
      g_autofree char *accel = gtk_accelerator_name (GDK_KEY_1 + variant, GDK_ALT_MASK);

      g_menu_item_set_action_and_target_value (item, "win.variant",
                                               g_variant_new_string (sg_variant_to_string (variant)));
      g_menu_item_set_attribute (item, "accel", "s", accel);
      g_menu_append_item (section, item);
    }

  /* Translators: the section of the view menu that picks the grid's sprites */
  g_menu_append_section (self->view_menu, _("Sprite"), G_MENU_MODEL (section));

  g_signal_connect_object (self->settings, "changed::variant",
                           G_CALLBACK (sg_window_variant_changed_cb), self, G_CONNECT_SWAPPED);
}

/* ── Tiles and the detail page ─────────────────────────────────────────── */

static void
sg_window_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  user_data)
{
  SgWindow *self = SG_WINDOW (user_data);
  GtkWidget *cell = sg_sprite_cell_new ();

  /* Whatever item it is given later, a pending tile says "downloading"
   * only while a run goes. The binding goes with the cell. */
  g_object_bind_property (self->downloader, "running", cell, "running", G_BINDING_SYNC_CREATE);
  gtk_list_item_set_child (list_item, cell);
  gtk_list_item_set_activatable (list_item, TRUE);
}

static void
sg_window_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  SgWindow *self = SG_WINDOW (user_data);
  SgSpriteCell *cell = SG_SPRITE_CELL (gtk_list_item_get_child (list_item));
  SgPokemon *item = gtk_list_item_get_item (list_item);

  sg_sprite_cell_set_item (cell, item);

  /* Bound means on screen or about to be: what the user looks at comes
   * first, so a scroll pulls its tiles to the front of the queue. */
  sg_window_queue_prioritize (self, item);
}

static void
sg_window_unbind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *list_item,
                     gpointer                  user_data)
{
  SgSpriteCell *cell = SG_SPRITE_CELL (gtk_list_item_get_child (list_item));

  /* Forget the item: a recycled cell must not show its sprite. */
  sg_sprite_cell_set_item (cell, NULL);
}

static void
sg_window_show_detail (SgWindow  *self,
                       SgPokemon *item)
{
  g_autofree char *title = sg_pokemon_dup_title (item);
  g_autofree char *number = NULL;
  guint id = sg_pokemon_get_id (item);

  if (self->detail_view == NULL)
    return;

  number = id > 0 ? g_strdup_printf ("#%03u", id) : g_strdup ("");
  adw_window_title_set_title (self->detail_title, title);
  adw_window_title_set_subtitle (self->detail_title, number);

  sg_detail_view_set_item (self->detail_view, item);
  gtk_stack_set_visible_child_name (self->view_stack, "detail");
  gtk_widget_grab_focus (GTK_WIDGET (self->back_button));

  sg_window_update_target (self);
}

static void
sg_window_grid_activate_cb (SgWindow    *self,
                            guint        position,
                            GtkGridView *grid_view)
{
  g_autoptr(SgPokemon) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (item != NULL)
    sg_window_show_detail (self, item);
}

/* Enter in the search opens the first match: type a name, press Enter. */
static void
sg_window_search_activate_cb (SgWindow       *self,
                              GtkSearchEntry *entry)
{
  g_autoptr(SgPokemon) item = NULL;

  /* What the grid shows may lag the entry by the search delay. */
  g_signal_emit_by_name (entry, "search-changed");
  item = g_list_model_get_item (G_LIST_MODEL (self->selection), 0);
  if (item != NULL)
    sg_window_show_detail (self, item);
}

static void
sg_window_back_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  sg_window_leave_detail (SG_WINDOW (widget), TRUE);
}

static void
sg_window_copy_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SgWindow *self = SG_WINDOW (widget);
  GdkTexture *texture = sg_window_get_target_texture (self);

  if (texture == NULL)
    return;

  sg_export_copy_texture (widget, texture);
  sg_window_show_toast (self, _("Sprite copied"));
}

static void
sg_window_save_as_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(SgWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (sg_export_save_as_finish (result, &error))
    return;

  /* Dismissed, or the window is going: nothing to say. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->export_cancellable))
    return;

  sg_window_show_toast (self, error->message);
}

static void
sg_window_save_as_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  SgWindow *self = SG_WINDOW (widget);
  SgPokemon *item = sg_window_get_target (self);

  if (item == NULL || sg_window_get_target_path (self) == NULL)
    return;

  /* In the detail page, the variant shown; in the grid, the item's own. */
  sg_export_save_as_async (GTK_WINDOW (self), item,
                           sg_window_in_detail (self) ? sg_window_get_target_path (self) : NULL,
                           self->export_cancellable,
                           sg_window_save_as_cb,
                           g_object_ref (self));
}

static void
sg_window_open_folder_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  SgWindow *self = SG_WINDOW (widget);
  const char *path = sg_window_get_target_path (self);

  if (path != NULL)
    sg_export_open_folder (GTK_WINDOW (self), path);
}

static void
sg_window_refresh_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  sg_window_start (SG_WINDOW (widget));
}

static void
sg_window_stop_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SgWindow *self = SG_WINDOW (widget);

  if (self->cancellable == NULL)
    return;

  self->restart_pending = FALSE;
  g_cancellable_cancel (self->cancellable);
  sg_window_update_actions (self);
}

/* Ctrl+F opens the search, or, when it is open but the focus is elsewhere
 * (on a tile, after the detail page), goes back to it; only from the entry
 * does it close the search, as the search button does. */
static gboolean
sg_window_search_shortcut_cb (GtkWidget *widget,
                              GVariant  *args,
                              gpointer   user_data)
{
  SgWindow *self = SG_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (!sg_window_in_detail (self) &&
      gtk_search_bar_get_search_mode (self->search_bar) &&
      (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->search_entry))))
    return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));

  return gtk_widget_activate_action (widget, "win.search", NULL);
}

/* Escape means the nearest thing to leave: the detail page, then the
 * search, then the run (as Stop in a browser). The search entry handles its
 * own Escape before this. */
static gboolean
sg_window_escape_cb (GtkWidget *widget,
                     GVariant  *args,
                     gpointer   user_data)
{
  SgWindow *self = SG_WINDOW (widget);

  if (sg_window_in_detail (self))
    return gtk_widget_activate_action (widget, "win.back", NULL);

  if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);
      return TRUE;
    }

  if (self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    return gtk_widget_activate_action (widget, "win.stop", NULL);

  return FALSE;
}

static void
sg_window_view_changed_cb (SgWindow   *self,
                           GParamSpec *pspec,
                           GtkStack   *view_stack)
{
  /* On the detail page, typing is not a search: no key goes to a hidden
   * entry. */
  if (pspec != NULL && g_str_equal (pspec->name, "visible-child-name") && self->search_bar != NULL)
    gtk_search_bar_set_key_capture_widget (self->search_bar,
                                           sg_window_in_detail (self) ? NULL : GTK_WIDGET (self));

  sg_window_update_target (self);
}

static void
sg_window_constructed (GObject *object)
{
  SgWindow *self = SG_WINDOW (object);
  GtkExpression *expression;
  GtkSorter *sorter;

  G_OBJECT_CLASS (sg_window_parent_class)->constructed (object);

  g_assert (SG_IS_DOWNLOADER (self->downloader));

  /* The model stack, built once: the downloader keeps the same store across
   * runs, filling it from the library when a run starts and again when the
   * list arrives.
   *
   *   GListStore of SgPokemon       (sg_downloader_get_items, Pokédex order)
   *     └─ GtkFilterListModel       (GtkEveryFilter: the search, the problems)
   *          └─ GtkSortListModel    (no sorter: by number; a string sorter: by name)
   *               └─ GtkSingleSelection  (the tile Copy and Save As act on)
   *                    └─ GtkGridView    (GtkSignalListItemFactory → SgSpriteCell)
   */
  self->search_filter = GTK_FILTER (gtk_custom_filter_new (sg_window_search_filter_func, self, NULL));
  self->problems_filter = GTK_FILTER (gtk_custom_filter_new (sg_window_problems_filter_func, self, NULL));
  {
    GtkMultiFilter *every = GTK_MULTI_FILTER (gtk_every_filter_new ());

    gtk_multi_filter_append (every, g_object_ref (self->search_filter));
    gtk_multi_filter_append (every, g_object_ref (self->problems_filter));
    self->filter_model = gtk_filter_list_model_new (g_object_ref (sg_downloader_get_items (self->downloader)),
                                                    GTK_FILTER (every));
  }

  /* By name as shown, collated (accents sort as the locale says); by number
   * where two names are equal, which a hostile server may send. */
  expression = gtk_property_expression_new (SG_TYPE_POKEMON, NULL, "title");
  self->name_sorter = GTK_SORTER (gtk_multi_sorter_new ());
  gtk_multi_sorter_append (GTK_MULTI_SORTER (self->name_sorter),
                           GTK_SORTER (gtk_string_sorter_new (expression)));
  expression = gtk_property_expression_new (SG_TYPE_POKEMON, NULL, "id");
  sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
  gtk_multi_sorter_append (GTK_MULTI_SORTER (self->name_sorter), sorter);

  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              self->sort_by == SORT_BY_NAME ? g_object_ref (self->name_sorter) : NULL);

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  /* Nothing is selected until the user picks a tile: Copy must not act on a
   * tile nobody chose. */
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->filter_model, "items-changed",
                           G_CALLBACK (sg_window_filtered_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (sg_window_view_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (sg_downloader_get_items (self->downloader), "items-changed",
                           G_CALLBACK (sg_window_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "list-loaded",
                           G_CALLBACK (sg_window_list_loaded_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "item-finished",
                           G_CALLBACK (sg_window_item_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "notify::n-finished",
                           G_CALLBACK (sg_window_n_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "notify::running",
                           G_CALLBACK (sg_window_running_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "notify::base-url",
                           G_CALLBACK (sg_window_base_url_cb), self, G_CONNECT_SWAPPED);

  self->detail_view = SG_DETAIL_VIEW (sg_detail_view_new (self->downloader));
  gtk_widget_set_vexpand (GTK_WIDGET (self->detail_view), TRUE);
  gtk_box_append (self->detail_page, GTK_WIDGET (self->detail_view));
  /* It may show another variant than the item's: Copy follows. */
  g_signal_connect_object (self->detail_view, "notify::texture",
                           G_CALLBACK (sg_window_target_notify_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->detail_view, "notify::path",
                           G_CALLBACK (sg_window_target_notify_cb), self, G_CONNECT_SWAPPED);

  if (self->settings != NULL)
    {
      /* GTK keeps default-width/height at the unmaximized size, which is
       * what the next launch should restore. */
      g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

      sg_window_add_variant_menu (self);
    }

  sg_window_update_subtitle (self);
  sg_window_show_items_page (self, NULL);
  sg_window_update_results_page (self);
  sg_window_update_actions (self);
  sg_window_update_target (self);
}

/* Cancel and forget: the run's callback, finding no cancellable, touches
 * nothing. */
static void
sg_window_forget_run (SgWindow *self)
{
  self->restart_pending = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static void
sg_window_unrealize (GtkWidget *widget)
{
  /* gtk_window_destroy() unrealizes the window but does not dispose it
   * while the run's callback holds a reference: stop the run here, or it
   * would go on for a window nobody sees. */
  sg_window_forget_run (SG_WINDOW (widget));

  GTK_WIDGET_CLASS (sg_window_parent_class)->unrealize (widget);
}

static void
sg_window_dispose (GObject *object)
{
  SgWindow *self = SG_WINDOW (object);

  sg_window_forget_run (self);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_handle_id (&self->prioritize_id, g_source_remove);

  if (self->downloader != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->downloader, self);
      /* Clear Library may empty it while a run's callback keeps us alive. */
      g_signal_handlers_disconnect_by_data (sg_downloader_get_items (self->downloader), self);
    }

  if (self->settings != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->settings, self);
      g_settings_unbind (self, "default-width");
      g_settings_unbind (self, "default-height");
      g_settings_unbind (self, "maximized");
      /* Out of the window's action group while both live: the action holds
       * the settings, and a change of them after the window is gone must
       * not reach the group the action was in. */
      g_action_map_remove_action (G_ACTION_MAP (self), "variant");
    }

  if (self->target != NULL)
    g_signal_handlers_disconnect_by_data (self->target, self);
  g_clear_object (&self->target);

  /* The grid goes with the template; the models go after it, and the
   * filters' callbacks, which read self, go with the models. */
  gtk_widget_dispose_template (GTK_WIDGET (self), SG_TYPE_WINDOW);
  self->detail_view = NULL;

  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->name_sorter);
  g_clear_object (&self->search_filter);
  g_clear_object (&self->problems_filter);
  g_clear_object (&self->toast);

  G_OBJECT_CLASS (sg_window_parent_class)->dispose (object);
}

static void
sg_window_finalize (GObject *object)
{
  SgWindow *self = SG_WINDOW (object);

  g_clear_object (&self->downloader);
  g_clear_object (&self->settings);
  g_clear_object (&self->export_cancellable);
  g_clear_pointer (&self->newly_bound, g_ptr_array_unref);
  g_clear_pointer (&self->query, sg_search_query_free);

  G_OBJECT_CLASS (sg_window_parent_class)->finalize (object);
}

static void
sg_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SgWindow *self = SG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DOWNLOADER:
      g_value_set_object (value, self->downloader);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_SEARCH_MODE:
      /* Asked for by the action while the template is being built, and
       * after it is disposed. */
      g_value_set_boolean (value, self->search_bar != NULL &&
                                  gtk_search_bar_get_search_mode (self->search_bar));
      break;

    case PROP_SORT_BY:
      g_value_set_string (value, sort_by_names[self->sort_by]);
      break;

    case PROP_SHOW_PROBLEMS:
      g_value_set_boolean (value, self->show_problems);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SgWindow *self = SG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DOWNLOADER:
      self->downloader = g_value_dup_object (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_SEARCH_MODE:
      if (self->search_bar == NULL)
        break;
      /* Ctrl+F on the detail page searches the gallery. */
      if (g_value_get_boolean (value) && sg_window_in_detail (self))
        gtk_widget_activate_action (GTK_WIDGET (self), "win.back", NULL);
      gtk_search_bar_set_search_mode (self->search_bar, g_value_get_boolean (value));
      break;

    case PROP_SORT_BY:
      /* The action's target arrives as any string: ignore the unknown. */
      for (guint i = 0; i < G_N_ELEMENTS (sort_by_names); i++)
        if (g_strcmp0 (g_value_get_string (value), sort_by_names[i]) == 0)
          sg_window_set_sort_by (self, (SortBy) i);
      break;

    case PROP_SHOW_PROBLEMS:
      sg_window_set_show_problems (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_window_class_init (SgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sg_window_constructed;
  object_class->dispose = sg_window_dispose;
  object_class->finalize = sg_window_finalize;
  object_class->get_property = sg_window_get_property;
  object_class->set_property = sg_window_set_property;

  widget_class->unrealize = sg_window_unrealize;

  properties[PROP_DOWNLOADER] =
    g_param_spec_object ("downloader", NULL, NULL, SG_TYPE_DOWNLOADER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /* The three below back the stateful actions win.search, win.sort-by and
   * win.show-problems. */
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SORT_BY] =
    g_param_spec_string ("sort-by", NULL, NULL, "number",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SHOW_PROBLEMS] =
    g_param_spec_boolean ("show-problems", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  folded_name_quark = g_quark_from_static_string ("sg-window-folded-name");

  g_type_ensure (SG_TYPE_SPRITE_CELL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/spritegallery/SpriteGallery/sg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SgWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, run_button_stack);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, view_menu);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, results_stack);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, grid_view);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, progress_action_bar);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, detail_page);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, detail_title);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, back_button);

  gtk_widget_class_bind_template_callback (widget_class, sg_window_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sg_window_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, sg_window_search_mode_cb);
  gtk_widget_class_bind_template_callback (widget_class, sg_window_grid_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, sg_window_view_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, sg_window_refresh_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, sg_window_stop_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, sg_window_back_action);
  gtk_widget_class_install_action (widget_class, "win.copy", NULL, sg_window_copy_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, sg_window_save_as_action);
  gtk_widget_class_install_action (widget_class, "win.open-folder", NULL, sg_window_open_folder_action);
  gtk_widget_class_install_property_action (widget_class, "win.search", "search-mode");
  gtk_widget_class_install_property_action (widget_class, "win.sort-by", "sort-by");
  gtk_widget_class_install_property_action (widget_class, "win.show-problems", "show-problems");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, sg_window_search_shortcut_cb, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  /* Bindings of the window: a focused entry's own Ctrl+C copies its text first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "win.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-folder", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, sg_window_escape_cb, NULL);
  /* The view menu; its items show these (the "accel" attributes). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK,
                                       "win.sort-by", "s", sort_by_names[SORT_BY_NUMBER]);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK,
                                       "win.sort-by", "s", sort_by_names[SORT_BY_NAME]);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.show-problems", NULL);
  /* win.variant is the settings' action, added in constructed (with no
   * settings, there is none and these keys do nothing). */
  for (SgVariant variant = 0; variant < SG_N_GRID_VARIANTS; variant++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + variant, GDK_ALT_MASK,
                                         "win.variant", "s", sg_variant_to_string (variant));
}

static void
sg_window_init (SgWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->export_cancellable = g_cancellable_new ();
  self->newly_bound = g_ptr_array_new_with_free_func (g_object_unref);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (sg_window_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (sg_window_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (sg_window_unbind_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);

  /* Typing anywhere in the gallery starts a search; the bar ignores keys
   * while it is not mapped, so typing on the detail page does not. */
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
}

SgWindow *
sg_window_new (GtkApplication *application,
               SgDownloader   *downloader,
               GSettings      *settings)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (SG_IS_DOWNLOADER (downloader), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (SG_TYPE_WINDOW,
                       "application", application,
                       "downloader", downloader,
                       "settings", settings,
                       NULL);
}

/* Starts a run, as Refresh does; does nothing while one is going. */
void
sg_window_start (SgWindow *self)
{
  g_return_if_fail (SG_IS_WINDOW (self));

  if (self->cancellable != NULL || sg_downloader_is_running (self->downloader))
    return;

  self->cancellable = g_cancellable_new ();

  if (self->toast != NULL)
    adw_toast_dismiss (self->toast);
  g_clear_object (&self->toast);
  sg_window_hide_banner (self);

  /* Tiles on show (the library, or the last run) stay while the new list
   * loads; an empty window says it is loading. */
  gtk_spinner_start (self->loading_spinner);
  if (g_list_model_get_n_items (sg_downloader_get_items (self->downloader)) == 0)
    gtk_stack_set_visible_child_name (self->main_stack, "loading");
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_label_set_label (self->progress_label, "");
  sg_window_update_actions (self);

  /* The callback holds a reference, so the window outlives the run; it
   * checks the cancellable before touching any widget. */
  sg_downloader_run_async (self->downloader,
                           self->cancellable,
                           sg_window_run_cb,
                           g_object_ref (self));
}

SgDownloader *
sg_window_get_downloader (SgWindow *self)
{
  g_return_val_if_fail (SG_IS_WINDOW (self), NULL);

  return self->downloader;
}
