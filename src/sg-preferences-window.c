/* sg-preferences-window.c: the settings of the next run
 *
 * Everything here is a GSettings key; the application hands the keys to the
 * downloader when they change, and a run reads them when it starts.
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

  /* Owned */
  GSettings            *settings;  /* (owned) */

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
  if (limit > 0)
    gtk_spin_button_set_value (self->limit_spin, limit);
  gtk_widget_set_sensitive (GTK_WIDGET (self->limit_row), limit != 0);
  self->updating = FALSE;
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

  if (!sg_variant_from_string (g_variant_get_string (variant, NULL), &sprite_variant))
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

  if (selected >= SG_N_VARIANTS)
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

  if (folder[0] == '\0')
    {
      g_free (folder);
      folder = sg_downloader_dup_default_folder ();
    }

  adw_action_row_set_subtitle (self->folder_row, folder);
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

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), SG_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (sg_preferences_window_parent_class)->dispose (object);
}

static void
sg_preferences_window_finalize (GObject *object)
{
  SgPreferencesWindow *self = SG_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

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
  gtk_widget_class_bind_template_callback (widget_class, server_row_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_row_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, server_reset_clicked_cb);
}

static void
sg_preferences_window_init (SgPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
sg_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  SgPreferencesWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SG_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  sg_preferences_window_set_settings (self, settings);

  return GTK_WINDOW (self);
}
