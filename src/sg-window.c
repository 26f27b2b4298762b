/* sg-window.c: the main window: header bar, grid, progress, status pages, toasts
 *
 * The window only watches the downloader: it starts and stops runs and shows
 * the items model, and knows nothing about HTTP.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-pokemon.h"
#include "sg-sprite-cell.h"
#include "sg-window.h"

struct _SgWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkStack             *run_button_stack;
  GtkStack             *main_stack;
  AdwStatusPage        *empty_page;
  GtkSpinner           *loading_spinner;
  GtkScrolledWindow    *scrolled_window;
  GtkGridView          *grid_view;
  AdwStatusPage        *error_page;
  GtkButton            *retry_button;
  GtkActionBar         *progress_action_bar;
  GtkProgressBar       *progress_bar;
  GtkLabel             *progress_label;

  /* Owned */
  SgDownloader         *downloader;   /* (owned) */
  GSettings            *settings;     /* (owned) (nullable) */
  GCancellable         *cancellable;  /* (owned) (nullable): set from start to callback */
  AdwToast             *toast;        /* (owned) (nullable): the last one shown */
};

G_DEFINE_FINAL_TYPE (SgWindow, sg_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_DOWNLOADER,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

  if (cancelled)
    {
      sg_window_show_items_page (self, _("The download was stopped before the list arrived"));
      sg_window_show_toast (self, _("Stopped"));
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

      sg_window_show_items_page (self, _("The server lists no Pokémon"));
      sg_window_show_toast (self, summary);
    }
}

static void
sg_window_list_loaded_cb (SgWindow     *self,
                          SgDownloader *downloader)
{
  GtkAdjustment *vadjustment;

  /* Also when another caller runs our downloader: the model is ours to
   * show all the same. */
  sg_window_show_items_page (self, _("The server lists no Pokémon"));

  vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_lower (vadjustment));

  /* Progress means something once the list says how many there are; the
   * loading page says enough before that. */
  sg_window_update_progress (self);
  gtk_action_bar_set_revealed (self->progress_action_bar,
                               g_list_model_get_n_items (sg_downloader_get_items (downloader)) > 0);
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
  if (!sg_downloader_is_running (downloader))
    gtk_action_bar_set_revealed (self->progress_action_bar, FALSE);

  sg_window_update_actions (self);
}

static void
sg_window_base_url_cb (SgWindow     *self,
                       GParamSpec   *pspec,
                       SgDownloader *downloader)
{
  sg_window_update_subtitle (self);
}

static void
sg_window_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, sg_sprite_cell_new ());
  /* Nothing happens on activation yet: no hover highlight promising it. */
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
sg_window_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  SgSpriteCell *cell = SG_SPRITE_CELL (gtk_list_item_get_child (list_item));

  sg_sprite_cell_set_item (cell, gtk_list_item_get_item (list_item));
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

  g_cancellable_cancel (self->cancellable);
  sg_window_update_actions (self);
}

static void
sg_window_constructed (GObject *object)
{
  SgWindow *self = SG_WINDOW (object);
  g_autoptr(GtkSelectionModel) selection = NULL;

  G_OBJECT_CLASS (sg_window_parent_class)->constructed (object);

  g_assert (SG_IS_DOWNLOADER (self->downloader));

  /* The model stack, built once: the downloader keeps the same store across
   * runs, emptying it when a run starts and filling it when the list arrives.
   *
   *   GListStore of SgPokemon  (sg_downloader_get_items, Pokédex order)
   *     └─ GtkNoSelection      (nothing to select yet; keyboard focus still moves)
   *          └─ GtkGridView    (GtkSignalListItemFactory → SgSpriteCell, bind/unbind)
   */
  selection = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (sg_downloader_get_items (self->downloader))));
  gtk_grid_view_set_model (self->grid_view, selection);

  g_signal_connect_object (self->downloader, "list-loaded",
                           G_CALLBACK (sg_window_list_loaded_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "notify::n-finished",
                           G_CALLBACK (sg_window_n_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "notify::running",
                           G_CALLBACK (sg_window_running_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->downloader, "notify::base-url",
                           G_CALLBACK (sg_window_base_url_cb), self, G_CONNECT_SWAPPED);

  if (self->settings != NULL)
    {
      /* GTK keeps default-width/height at the unmaximized size, which is
       * what the next launch should restore. */
      g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
    }

  sg_window_update_subtitle (self);
  sg_window_show_items_page (self, NULL);
  sg_window_update_actions (self);
}

/* Cancel and forget: the run's callback, finding no cancellable, touches
 * nothing. */
static void
sg_window_forget_run (SgWindow *self)
{
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

  if (self->downloader != NULL)
    g_signal_handlers_disconnect_by_data (self->downloader, self);

  if (self->settings != NULL)
    {
      g_settings_unbind (self, "default-width");
      g_settings_unbind (self, "default-height");
      g_settings_unbind (self, "maximized");
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), SG_TYPE_WINDOW);

  g_clear_object (&self->toast);

  G_OBJECT_CLASS (sg_window_parent_class)->dispose (object);
}

static void
sg_window_finalize (GObject *object)
{
  SgWindow *self = SG_WINDOW (object);

  g_clear_object (&self->downloader);
  g_clear_object (&self->settings);

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

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SG_TYPE_SPRITE_CELL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/spritegallery/SpriteGallery/sg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SgWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, run_button_stack);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, grid_view);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, progress_action_bar);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SgWindow, progress_label);

  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, sg_window_refresh_action);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, sg_window_stop_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  /* Escape stops a run as it stops a page load in a browser. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
}

static void
sg_window_init (SgWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (sg_window_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (sg_window_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (sg_window_unbind_cb), NULL);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);
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

  gtk_spinner_start (self->loading_spinner);
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
