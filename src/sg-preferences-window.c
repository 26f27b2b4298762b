/* sg-preferences-window.c: the settings of the next run, and the library
 *
 * Everything in the first groups is a GSettings key; the application hands
 * the keys to the downloader when they change, and a run reads them when it
 * starts. The Library row asks the downloader itself: how much its folder
 * holds, and to clear it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-downloader.h"
#include "sg-preferences-window.h"
#include "sg-types.h"

struct _SgPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwActionRow         *limit_row;
  GtkSpinButton        *limit_spin;
  GtkSwitch            *all_switch;
  GtkSpinButton        *workers_spin;
  AdwComboRow          *variant_row;
  AdwEntryRow          *server_row;
  GtkButton            *server_reset_button;
  AdwActionRow         *folder_row;
  GtkButton            *folder_reset_button;
  AdwActionRow         *usage_row;
  GtkSpinner           *usage_spinner;
  GtkButton            *clear_button;

  /* Owned */
  GSettings            *settings;      /* (owned) */
  SgDownloader         *downloader;    /* (owned) (nullable): no Library row without it */
  GCancellable         *cancellable;   /* (owned): cancelled in dispose */
  GCancellable         *measuring;     /* (owned) (nullable): the measure in flight */
#if !GTK_CHECK_VERSION (4, 10, 0)
  GtkFileChooserNative *folder_chooser; /* (owned) (nullable): while it is open */
#endif
  gboolean              clearing;

  /* Set while we write to widgets, so their handlers do not write back. */
  gboolean              updating;
};

G_DEFINE_FINAL_TYPE (SgPreferencesWindow, sg_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* "limit" is 0 for all: the switch says "all", the spin button the number. */
static void
sg_preferences_window_update_limit (SgPreferencesWindow *self)
{
  int limit = g_settings_get_int (self->settings, "limit");

  self->updating = TRUE;
  gtk_switch_set_active (self->all_switch, limit == 0);
  /* Clamped to the server's count, when known (GtkAdjustment does not
   * clamp a value it already holds when its range shrinks). */
  if (limit > 0)
    gtk_spin_button_set_value (self->limit_spin,
                               MIN (limit, gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (self->limit_spin))));
  gtk_widget_set_sensitive (GTK_WIDGET (self->limit_row), limit != 0);
  self->updating = FALSE;
}

/* Up to what the server has, once we know it. */
static void
sg_preferences_window_update_limit_range (SgPreferencesWindow *self)
{
  guint count = self->downloader != NULL ? sg_downloader_get_server_count (self->downloader) : 0;
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (self->limit_spin);
  g_autofree char *subtitle = NULL;

  /* Only the spin button is clamped to the new range, never the key: the
   * downloader caps the limit to the server's count anyway, and another
   * server may have more. */
  self->updating = TRUE;
  gtk_adjustment_set_upper (adjustment, count > 0 ? count : 100000);
  self->updating = FALSE;
  sg_preferences_window_update_limit (self);

  if (count > 0)
    /* Translators: the subtitle of "Pokémon to Download"; %'u is how many
     * the server has, with the locale's digit grouping */
    subtitle = g_strdup_printf (ngettext ("Counting from the first in the Pokédex; the server has %'u",
                                          "Counting from the first in the Pokédex; the server has %'u",
                                          count),
                                count);
  else
    subtitle = g_strdup (_("Counting from the first in the Pokédex"));
  adw_action_row_set_subtitle (self->limit_row, subtitle);
}

static void
sg_preferences_window_limit_changed_cb (SgPreferencesWindow *self,
                                        GtkSpinButton       *spin)
{
  if (self->updating || gtk_switch_get_active (self->all_switch))
    return;

  g_settings_set_int (self->settings, "limit", gtk_spin_button_get_value_as_int (spin));
}

static void
sg_preferences_window_all_changed_cb (SgPreferencesWindow *self,
                                      GParamSpec          *pspec,
                                      GtkSwitch           *all_switch)
{
  if (self->updating)
    return;

  g_settings_set_int (self->settings, "limit",
                      gtk_switch_get_active (all_switch) ? 0 : gtk_spin_button_get_value_as_int (self->limit_spin));
}

static gboolean
sg_preferences_window_variant_get_mapping (GValue   *value,
                                           GVariant *variant,
                                           gpointer  user_data)
{
  SgVariant sprite_variant;

  if (!sg_variant_from_string (g_variant_get_string (variant, NULL), &sprite_variant) ||
      sprite_variant >= SG_N_GRID_VARIANTS)
    return FALSE;

  /* The rows of the combo are in SgVariant order. */
  g_value_set_uint (value, sprite_variant);

  return TRUE;
}

static GVariant *
sg_preferences_window_variant_set_mapping (const GValue       *value,
                                           const GVariantType *expected_type,
                                           gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= SG_N_GRID_VARIANTS)
    return NULL;

  return g_variant_new_string (sg_variant_to_string ((SgVariant) selected));
}

static void
sg_preferences_window_update_server (SgPreferencesWindow *self)
{
  g_autofree char *base_url = g_settings_get_string (self->settings, "base-url");
  g_autoptr(GVariant) user_value = g_settings_get_user_value (self->settings, "base-url");
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));

  self->updating = TRUE;
  if (!g_str_equal (text, base_url))
    gtk_editable_set_text (GTK_EDITABLE (self->server_row), base_url);
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
  self->updating = FALSE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->server_reset_button),
                            user_value != NULL && !g_str_equal (base_url, SG_DEFAULT_BASE_URL));
}

/* An http(s) address with a host and neither query nor fragment; a missing
 * final slash is added, since every request path is resolved against the
 * base. NULL if unusable. */
static char *
sg_preferences_window_normalize_url (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = g_uri_parse (stripped, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return NULL;

  if (g_str_has_suffix (stripped, "/"))
    return g_steal_pointer (&stripped);

  return g_strconcat (stripped, "/", NULL);
}

static void
server_row_apply_cb (SgPreferencesWindow *self,
                     AdwEntryRow         *row)
{
  g_autofree char *base_url = NULL;

  base_url = sg_preferences_window_normalize_url (gtk_editable_get_text (GTK_EDITABLE (row)));
  if (base_url == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      gtk_widget_error_bell (GTK_WIDGET (row));
      return;
    }

  g_settings_set_string (self->settings, "base-url", base_url);
  /* The key may not have changed (the same text applied twice); show the
   * normalized text all the same. */
  sg_preferences_window_update_server (self);
}

static void
server_row_changed_cb (SgPreferencesWindow *self,
                       AdwEntryRow         *row)
{
  if (!self->updating)
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static void
server_reset_clicked_cb (SgPreferencesWindow *self,
                         GtkButton           *button)
{
  g_settings_reset (self->settings, "base-url");
  sg_preferences_window_update_server (self);
}

static void
sg_preferences_window_update_folder (SgPreferencesWindow *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "output-dir");
  gboolean is_default = folder[0] == '\0';

  if (is_default)
    {
      g_free (folder);
      folder = sg_downloader_dup_default_folder ();
    }

  adw_action_row_set_subtitle (self->folder_row, folder);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_reset_button), !is_default);
}

static void
folder_reset_clicked_cb (SgPreferencesWindow *self,
                         GtkButton           *button)
{
  g_settings_reset (self->settings, "output-dir");
}

static void
sg_preferences_window_set_folder (SgPreferencesWindow *self,
                                  GFile               *folder)
{
  g_autofree char *path = g_file_get_path (folder);

  /* A folder without a local path (an FTP share in the chooser's sidebar)
   * cannot hold the library. */
  if (path == NULL)
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (_("Choose a folder on this computer")));
      return;
    }

  g_settings_set_string (self->settings, "output-dir", path);
}

#if GTK_CHECK_VERSION (4, 10, 0)
/* Newer API on purpose, behind the check: our GDK_VERSION_MAX_ALLOWED
 * (4.8) flags it as unavailable, which is what keeps it out elsewhere. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
folder_dialog_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SgPreferencesWindow) self = user_data;
  g_autoptr(GFile) folder = NULL;

  folder = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (source), result, NULL);
  if (folder != NULL && !g_cancellable_is_cancelled (self->cancellable))
    sg_preferences_window_set_folder (self, folder);
}
G_GNUC_END_IGNORE_DEPRECATIONS
#else
static void
folder_chooser_response_cb (SgPreferencesWindow *self,
                            int                  response,
                            GtkNativeDialog     *chooser)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->folder_chooser);

  if (folder != NULL)
    sg_preferences_window_set_folder (self, folder);
}
#endif

static void
folder_choose_clicked_cb (SgPreferencesWindow *self,
                          GtkButton           *button)
{
  g_autofree char *current = g_strdup (adw_action_row_get_subtitle (self->folder_row));
  g_autoptr(GFile) current_file = NULL;

  if (current != NULL && g_file_test (current, G_FILE_TEST_IS_DIR))
    current_file = g_file_new_for_path (current);

#if GTK_CHECK_VERSION (4, 10, 0)
/* Newer API on purpose, behind the check: our GDK_VERSION_MAX_ALLOWED
 * (4.8) flags it as unavailable, which is what keeps it out elsewhere. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, _("Download Folder"));
    gtk_file_dialog_set_modal (dialog, TRUE);
    if (current_file != NULL)
      gtk_file_dialog_set_initial_folder (dialog, current_file);
    gtk_file_dialog_select_folder (dialog, GTK_WINDOW (self), self->cancellable,
                                   folder_dialog_cb, g_object_ref (self));
  }
G_GNUC_END_IGNORE_DEPRECATIONS
#else
  if (self->folder_chooser != NULL)
    return;

  /* Native: inside a Flatpak this is the portal's chooser, which also
   * grants the sandbox access to the folder chosen. */
  self->folder_chooser = gtk_file_chooser_native_new (_("Download Folder"), GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                      _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->folder_chooser), TRUE);
  if (current_file != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->folder_chooser), current_file, NULL);
  g_signal_connect_object (self->folder_chooser, "response",
                           G_CALLBACK (folder_chooser_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->folder_chooser));
#endif
}

/* ── The library: its size, and clearing it ────────────────────────────── */

static void
sg_preferences_window_update_clear (SgPreferencesWindow *self)
{
  gboolean running = self->downloader != NULL && sg_downloader_is_running (self->downloader);

  /* The downloader refuses while a run is going; say so before the click. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->clear_button), !running && !self->clearing);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->clear_button),
                               running ? _("Not while downloading") : NULL);
}

static void
measure_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SgPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  guint64 bytes = 0;
  guint n_files = 0;

  if (!sg_downloader_measure_library_finish (SG_DOWNLOADER (source), result, &bytes, &n_files, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup (error->message);
    }
  else if (n_files == 0)
    {
      /* Translators: the size of the library when it holds nothing */
      text = g_strdup (_("Empty"));
    }
  else
    {
      size = g_format_size (bytes);
      /* Translators: the size of the library: "12.3 MB in 1,025 files";
       * the ' in %'u groups the digits as the locale does */
      text = g_strdup_printf (ngettext ("%s in %'u file", "%s in %'u files", n_files), size, n_files);
    }

  g_clear_object (&self->measuring);
  adw_action_row_set_subtitle (self->usage_row, text);
  gtk_spinner_stop (self->usage_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->usage_spinner), FALSE);
}

static void
sg_preferences_window_measure (SgPreferencesWindow *self)
{
  if (self->downloader == NULL)
    return;

  /* Only the latest answer counts: the folder may have changed since. */
  if (self->measuring != NULL)
    g_cancellable_cancel (self->measuring);
  g_clear_object (&self->measuring);
  self->measuring = g_cancellable_new ();

  gtk_widget_set_visible (GTK_WIDGET (self->usage_spinner), TRUE);
  gtk_spinner_start (self->usage_spinner);
  sg_downloader_measure_library_async (self->downloader, self->measuring,
                                       measure_cb, g_object_ref (self));
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SgPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!sg_downloader_clear_library_finish (SG_DOWNLOADER (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->clearing = FALSE;
  sg_preferences_window_update_clear (self);
  sg_preferences_window_measure (self);

  if (error != NULL)
    {
      AdwToast *toast;

      /* Translators: %s is why, as in "A download is running" */
      message = g_strdup_printf (_("Could not clear the library: %s"), error->message);
      toast = adw_toast_new (message);
      adw_toast_set_timeout (toast, 0);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
      return;
    }

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Library cleared")));
}

static void
clear_response_cb (SgPreferencesWindow *self,
                   const char          *response,
                   AdwMessageDialog    *dialog)
{
  if (!g_str_equal (response, "clear") || self->clearing)
    return;

  self->clearing = TRUE;
  sg_preferences_window_update_clear (self);
  sg_downloader_clear_library_async (self->downloader, self->cancellable,
                                     clear_cb, g_object_ref (self));
}

static void
clear_clicked_cb (SgPreferencesWindow *self,
                  GtkButton           *button)
{
  g_autofree char *folder = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->downloader == NULL)
    return;

  g_object_get (self->downloader, "folder", &folder, NULL);
  /* Translators: %s is the download folder */
  body = g_strdup_printf (_("Every sprite downloaded to “%s” will be removed. "
                            "They are downloaded again on the next refresh."),
                          folder != NULL ? folder : "");

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Clear Library?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "clear", _("_Clear"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "clear",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (clear_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sg_preferences_window_downloader_notify_cb (SgPreferencesWindow *self,
                                            GParamSpec          *pspec,
                                            SgDownloader        *downloader)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "server-count"))
    sg_preferences_window_update_limit_range (self);
  else if (g_str_equal (name, "running"))
    sg_preferences_window_update_clear (self);
  else if (g_str_equal (name, "folder"))
    sg_preferences_window_measure (self);
}

/* A run adds files: the size shown would be stale. */
static void
sg_preferences_window_run_finished_cb (SgPreferencesWindow *self,
                                       GError              *error,
                                       SgDownloader        *downloader)
{
  sg_preferences_window_measure (self);
}

static void
sg_preferences_window_set_downloader (SgPreferencesWindow *self,
                                      SgDownloader        *downloader)
{
  gtk_widget_set_visible (GTK_WIDGET (self->usage_row), downloader != NULL);
  if (downloader == NULL)
    return;

  self->downloader = g_object_ref (downloader);
  g_signal_connect_object (downloader, "notify",
                           G_CALLBACK (sg_preferences_window_downloader_notify_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (downloader, "run-finished",
                           G_CALLBACK (sg_preferences_window_run_finished_cb),
                           self, G_CONNECT_SWAPPED);

  sg_preferences_window_update_limit_range (self);
  sg_preferences_window_update_clear (self);
  sg_preferences_window_measure (self);
}

static void
sg_preferences_window_settings_changed_cb (SgPreferencesWindow *self,
                                           const char          *key,
                                           GSettings           *settings)
{
  if (g_str_equal (key, "limit"))
    sg_preferences_window_update_limit (self);
  else if (g_str_equal (key, "base-url"))
    sg_preferences_window_update_server (self);
  else if (g_str_equal (key, "output-dir"))
    sg_preferences_window_update_folder (self);
}

static void
sg_preferences_window_set_settings (SgPreferencesWindow *self,
                                    GSettings           *settings)
{
  self->settings = g_object_ref (settings);

  g_settings_bind (settings, "workers", self->workers_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "variant", self->variant_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                sg_preferences_window_variant_get_mapping,
                                sg_preferences_window_variant_set_mapping,
                                NULL, NULL);

  g_signal_connect_object (settings, "changed",
                           G_CALLBACK (sg_preferences_window_settings_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->limit_spin, "value-changed",
                           G_CALLBACK (sg_preferences_window_limit_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->all_switch, "notify::active",
                           G_CALLBACK (sg_preferences_window_all_changed_cb),
                           self, G_CONNECT_SWAPPED);

  sg_preferences_window_update_limit (self);
  sg_preferences_window_update_server (self);
  sg_preferences_window_update_folder (self);
}

static void
sg_preferences_window_dispose (GObject *object)
{
  SgPreferencesWindow *self = SG_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->measuring != NULL)
    g_cancellable_cancel (self->measuring);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->downloader != NULL)
    g_signal_handlers_disconnect_by_data (self->downloader, self);
#if !GTK_CHECK_VERSION (4, 10, 0)
  if (self->folder_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->folder_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
    }
  g_clear_object (&self->folder_chooser);
#endif

  gtk_widget_dispose_template (GTK_WIDGET (self), SG_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (sg_preferences_window_parent_class)->dispose (object);
}

static void
sg_preferences_window_finalize (GObject *object)
{
  SgPreferencesWindow *self = SG_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->downloader);
  g_clear_object (&self->measuring);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sg_preferences_window_parent_class)->finalize (object);
}

static void
sg_preferences_window_class_init (SgPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sg_preferences_window_dispose;
  object_class->finalize = sg_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/spritegallery/SpriteGallery/sg-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, limit_row);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, limit_spin);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, all_switch);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, workers_spin);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, variant_row);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, server_reset_button);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, folder_reset_button);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, usage_row);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, usage_spinner);
  gtk_widget_class_bind_template_child (widget_class, SgPreferencesWindow, clear_button);
  gtk_widget_class_bind_template_callback (widget_class, server_row_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_row_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_reset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_reset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_clicked_cb);
}

static void
sg_preferences_window_init (SgPreferencesWindow *self)
{
  g_autoptr(GtkStringList) variants = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  /* The grid's variants, in SgVariant order, with the labels the detail
   * view uses too. */
  for (guint v = 0; v < SG_N_GRID_VARIANTS; v++)
    gtk_string_list_append (variants, sg_variant_get_label (v));
  adw_combo_row_set_model (self->variant_row, G_LIST_MODEL (variants));
}

/**
 * sg_preferences_window_new:
 * @parent: (nullable): the window it belongs to
 * @downloader: (nullable): for the Library row (its size, and Clear); the
 *   row is hidden without one
 * @settings: the application's settings
 */
GtkWindow *
sg_preferences_window_new (GtkWindow    *parent,
                           SgDownloader *downloader,
                           GSettings    *settings)
{
  SgPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (downloader == NULL || SG_IS_DOWNLOADER (downloader), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SG_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  sg_preferences_window_set_settings (self, settings);
  sg_preferences_window_set_downloader (self, downloader);

  return GTK_WINDOW (self);
}
