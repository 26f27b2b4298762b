/* sg-application.c: the app: actions and accels, the window, --stats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-application"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-application.h"
#include "sg-preferences-window.h"
#include "sg-stats.h"
#include "sg-window.h"

struct _SgApplication
{
  AdwApplication  parent_instance;

  SgOptions      *options;      /* (owned) */
  GSettings      *settings;     /* (owned) (nullable): NULL without a schema */
  SgDownloader   *downloader;   /* (owned) (nullable) */
  gint64          t_window_us;  /* first frame of the first window */
  gboolean        stats_written;
};

G_DEFINE_FINAL_TYPE (SgApplication, sg_application, ADW_TYPE_APPLICATION)

static void
on_first_frame (GdkFrameClock *clock,
                SgApplication *self)
{
  if (self->t_window_us == 0)
    self->t_window_us = g_get_monotonic_time ();
  g_signal_handlers_disconnect_by_func (clock, on_first_frame, self);
}

static void
on_window_realize (GtkWidget     *window,
                   SgApplication *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  if (clock != NULL)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_frame), self);
}

/* A GUI run ends when every item has ended or the list could not be had (an
 * offline launch counts): write the stats then, with the window still open. */
static void
on_run_finished (SgDownloader  *downloader,
                 GError        *error,
                 SgApplication *self)
{
  if (self->options->stats_path != NULL && !self->stats_written)
    {
      g_autoptr(GError) write_error = NULL;
      SgGuiStats gui = { 0 };

      gui.t_window_us = self->t_window_us;
      gui.has_probe = TRUE;
      sg_stall_probe_get (&gui.max_stall_ms, &gui.p99_stall_ms);

      if (!sg_stats_write (self->options->stats_path, sg_downloader_get_stats (downloader),
                           &gui, &write_error))
        g_warning ("Could not write the statistics: %s", write_error->message);
      self->stats_written = TRUE;
    }

  if (self->options->quit_when_done)
    g_application_quit (G_APPLICATION (self));
}

static void
on_settings_changed (GSettings     *settings,
                     const char    *key,
                     SgApplication *self)
{
  /* Read when the next run starts; the command line still wins. */
  sg_options_configure_downloader (self->options, settings, self->downloader);
}

static void
sg_application_activate (GApplication *app)
{
  SgApplication *self = SG_APPLICATION (app);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  if (self->downloader == NULL)
    {
      self->downloader = sg_downloader_new ();
      sg_options_configure_downloader (self->options, self->settings, self->downloader);
      g_signal_connect (self->downloader, "run-finished", G_CALLBACK (on_run_finished), self);
      if (self->settings != NULL)
        g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
    }

  window = GTK_WINDOW (sg_window_new (GTK_APPLICATION (app), self->downloader, self->settings));
  g_signal_connect (window, "realize", G_CALLBACK (on_window_realize), self);
  gtk_window_present (window);
  sg_window_start (SG_WINDOW (window));
}

static void
sg_application_startup (GApplication *app)
{
  SgApplication *self = SG_APPLICATION (app);

  G_APPLICATION_CLASS (sg_application_parent_class)->startup (app);

  if (self->options->stats_path != NULL)
    sg_stall_probe_start ();
}

static void
sg_application_shutdown (GApplication *app)
{
  SgApplication *self = SG_APPLICATION (app);

  sg_stall_probe_stop ();
  if (self->downloader != NULL)
    g_signal_handlers_disconnect_by_data (self->downloader, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  G_APPLICATION_CLASS (sg_application_parent_class)->shutdown (app);
}

static void
sg_application_finalize (GObject *object)
{
  SgApplication *self = SG_APPLICATION (object);

  g_clear_object (&self->downloader);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->options, sg_options_free);

  G_OBJECT_CLASS (sg_application_parent_class)->finalize (object);
}

static void
sg_application_class_init (SgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = sg_application_finalize;
  app_class->activate = sg_application_activate;
  app_class->startup = sg_application_startup;
  app_class->shutdown = sg_application_shutdown;
}

static void
show_about (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "Sprite Gallery developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Sprite Gallery"),
                         "application-icon", APP_ID,
                         "developer-name", _("Sprite Gallery developers"),
                         "version", PACKAGE_VERSION,
                         "website", "https://github.com/spritegallery/sprite-gallery",
                         "issue-url", "https://github.com/spritegallery/sprite-gallery/issues",
                         "developers", developers,
                         /* Translators: replace with your names, one per line */
                         "translator-credits", _("translator-credits"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Pokémon data and sprites come from PokeAPI (pokeapi.co). "
                                       "Pokémon and their names are trademarks of Nintendo."),
                         NULL);
}

static void
show_preferences (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  SgApplication *self = SG_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->settings == NULL)
    return;

  gtk_window_present (sg_preferences_window_new (parent, self->downloader, self->settings));
}

static void
quit_app (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", show_about },
  { "preferences", show_preferences },
  { "quit", quit_app },
};

static void
sg_application_init (SgApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
}

/**
 * sg_application_new:
 * @options: (transfer full): the parsed command line
 */
SgApplication *
sg_application_new (SgOptions *options)
{
  SgApplication *self;
  GApplicationFlags flags = G_APPLICATION_DEFAULT_FLAGS;

  if (sg_options_is_non_unique (options))
    flags |= G_APPLICATION_NON_UNIQUE;

  self = g_object_new (SG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", flags,
                       "resource-base-path", "/io/github/spritegallery/SpriteGallery",
                       NULL);
  self->options = options;
  self->settings = sg_options_dup_settings ();

  if (self->settings == NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                                "preferences")),
                                 FALSE);

  return self;
}
