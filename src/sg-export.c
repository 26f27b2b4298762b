/* sg-export.c: sprites out of the app: clipboard, Save As, file manager, drag
 *
 * Everything here goes through what the desktop offers, so that it works the
 * same inside a Flatpak: the file chooser and the OpenURI portal reach files
 * the sandbox cannot see, and a dropped file travels as a URI list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-export"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gunixfdlist.h>
#include <adwaita.h>

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "sg-export.h"
#include "sg-types.h"

/* ── Clipboard ─────────────────────────────────────────────────────────── */

void
sg_export_copy_texture (GtkWidget  *widget,
                        GdkTexture *texture)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  /* GDK offers it as image/png (and every format gdk-pixbuf writes). */
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (widget), texture);
}

/* ── Save As ───────────────────────────────────────────────────────────── */

typedef struct {
  GFile                *source;        /* (owned) */
#if !GTK_CHECK_VERSION (4, 10, 0)
  GtkFileChooserNative *chooser;       /* (owned) (nullable): while it is open */
  gulong                cancelled_id;
#endif
} SaveData;

static void
save_data_free (SaveData *data)
{
#if !GTK_CHECK_VERSION (4, 10, 0)
  /* The handler is gone when the cancellable fired (it cleared the id):
   * disconnecting from inside it would deadlock. */
  g_assert (data->cancelled_id == 0);
  if (data->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (data->chooser));
  g_clear_object (&data->chooser);
#endif
  g_clear_object (&data->source);
  g_free (data);
}

static void
save_copy_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_copy_finish (G_FILE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        /* Translators: %s is the system's reason, as in "Permission denied" */
        g_task_return_new_error (task, error->domain, error->code,
                                 _("Could not save the sprite: %s"), error->message);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
save_copy_to (GTask *task,
              GFile *destination)
{
  SaveData *data = g_task_get_task_data (task);

  /* The chooser already asked before replacing a file. The copy gets the
   * default permissions of a new file, not those of our library file. */
  g_file_copy_async (data->source, destination,
                     G_FILE_COPY_OVERWRITE | G_FILE_COPY_TARGET_DEFAULT_PERMS,
                     G_PRIORITY_DEFAULT,
                     g_task_get_cancellable (task),
                     NULL, NULL,
                     save_copy_cb, task);
}

#if GTK_CHECK_VERSION (4, 10, 0)
/* Newer API on purpose, behind the check: our GDK_VERSION_MAX_ALLOWED
 * (4.8) flags it as unavailable, which is what keeps it out elsewhere. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
save_dialog_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) destination = NULL;

  destination = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (source), result, &error);
  if (destination == NULL)
    {
      if (g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED) ||
          g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", error->message);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  save_copy_to (g_steal_pointer (&task), destination);
}
G_GNUC_END_IGNORE_DEPRECATIONS
#else
/* Main thread: our cancellables are cancelled there. */
static void
save_cancelled_cb (GCancellable *cancellable,
                   GTask        *task)
{
  SaveData *data = g_task_get_task_data (task);

  data->cancelled_id = 0;
  if (data->chooser == NULL)
    return;

  /* Closing it emits no response: the task ends here. */
  g_signal_handlers_disconnect_by_data (data->chooser, task);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (data->chooser));
  g_clear_object (&data->chooser);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
}

static void
save_response_cb (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  g_autoptr(GFile) destination = NULL;

  g_signal_handlers_disconnect_by_data (chooser, task);
  if (data->cancelled_id != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), data->cancelled_id);
  data->cancelled_id = 0;

  if (response == GTK_RESPONSE_ACCEPT)
    destination = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  gtk_native_dialog_destroy (chooser);
  g_clear_object (&data->chooser);

  if (destination == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The file chooser was dismissed");
      return;
    }

  save_copy_to (g_steal_pointer (&task), destination);
}
#endif

/* The name it has in the library ("0025-pikachu.png"), which is already a
 * safe file name. The library keeps other variants under the same name in a
 * folder per variant ("front_shiny/0025-pikachu.png"): out of it, the name
 * says which ("0025-pikachu-front_shiny.png"). */
static char *
save_suggested_name (SgPokemon *item,
                     GFile     *source)
{
  g_autofree char *basename = g_file_get_basename (source);
  g_autoptr(GFile) parent = g_file_get_parent (source);
  g_autofree char *folder = parent != NULL ? g_file_get_basename (parent) : NULL;
  SgVariant variant;

  if (basename == NULL || !g_str_has_suffix (basename, ".png") || !g_utf8_validate (basename, -1, NULL))
    return g_strdup_printf ("%04u.png", sg_pokemon_get_id (item));

  if (folder != NULL && sg_variant_from_string (folder, &variant) &&
      variant != SG_VARIANT_FRONT_DEFAULT)
    {
      basename[strlen (basename) - strlen (".png")] = '\0';
      return g_strdup_printf ("%s-%s.png", basename, folder);
    }

  return g_steal_pointer (&basename);
}

/**
 * sg_export_save_as_async:
 * @parent: (nullable): the window the chooser belongs to
 * @item: the Pokémon
 * @path: (nullable): the file to save, or %NULL for the item's stored sprite
 */
void
sg_export_save_as_async (GtkWindow           *parent,
                         SgPokemon           *item,
                         const char          *path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GtkFileFilter) filter = NULL;
  g_autoptr(GFile) initial_folder = NULL;
  const char *pictures;
  SaveData *data;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (SG_IS_POKEMON (item));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sg_export_save_as_async);

  if (path == NULL)
    path = sg_pokemon_get_path (item);
  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("This sprite is not stored yet"));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  data = g_new0 (SaveData, 1);
  data->source = g_file_new_for_path (path);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  name = save_suggested_name (item, data->source);

  /* Not the process's working folder, which is where GTK would start. */
  pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  initial_folder = g_file_new_for_path (pictures != NULL && g_file_test (pictures, G_FILE_TEST_IS_DIR)
                                        ? pictures : g_get_home_dir ());

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("PNG Images"));
  gtk_file_filter_add_mime_type (filter, "image/png");

#if GTK_CHECK_VERSION (4, 10, 0)
/* Newer API on purpose, behind the check: our GDK_VERSION_MAX_ALLOWED
 * (4.8) flags it as unavailable, which is what keeps it out elsewhere. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
    g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

    g_list_store_append (filters, filter);
    gtk_file_dialog_set_title (dialog, _("Save Sprite"));
    gtk_file_dialog_set_initial_folder (dialog, initial_folder);
    gtk_file_dialog_set_initial_name (dialog, name);
    gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_save (dialog, parent, cancellable, save_dialog_cb, g_steal_pointer (&task));
  }
G_GNUC_END_IGNORE_DEPRECATIONS
#else
  /* The native chooser is the portal's inside a Flatpak, so the user can
   * save anywhere without the sandbox seeing the rest of their files. */
  data->chooser = gtk_file_chooser_native_new (_("Save Sprite"), parent,
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (data->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (data->chooser), filter);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (data->chooser), initial_folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (data->chooser), name);

  g_signal_connect (data->chooser, "response", G_CALLBACK (save_response_cb), task);
  if (cancellable != NULL)
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (save_cancelled_cb),
                                                task, NULL);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (data->chooser));
  /* The chooser's response (or the cancellable) now holds the task. */
  g_steal_pointer (&task);
#endif
}

gboolean
sg_export_save_as_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sg_export_save_as_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_as_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GWeakRef *parent_ref = user_data;
  g_autoptr(GtkWindow) parent = g_weak_ref_get (parent_ref);
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  g_weak_ref_clear (parent_ref);
  g_free (parent_ref);

  if (sg_export_save_as_finish (result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Sprite Not Saved"), error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * sg_export_save_as:
 * @parent: (nullable): the window the chooser (and any error) belongs to
 * @item: the Pokémon whose stored sprite to save
 */
void
sg_export_save_as (GtkWindow *parent,
                   SgPokemon *item)
{
  GWeakRef *parent_ref;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (SG_IS_POKEMON (item));

  /* Weak: the window may close while the file is being copied. */
  parent_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (parent_ref, parent);
  sg_export_save_as_async (parent, item, NULL, NULL, save_as_cb, parent_ref);
}

/* ── Show in the file manager ──────────────────────────────────────────── */

typedef struct {
  GdkDisplay *display;  /* (owned) */
  GFile      *file;     /* (owned) */
  char       *handle;   /* (owned): the parent window for the portal, or "" */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_object (&data->display);
  g_clear_object (&data->file);
  g_clear_pointer (&data->handle, g_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenData, open_data_free)

static void
open_launch_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_warning ("Could not open the download folder: %s", error->message);
}

/* The last resort: the folder itself, with whatever opens folders. Inside a
 * Flatpak, GIO goes through the OpenURI portal for this too. */
static void
open_folder_fallback (OpenData *data)
{
  g_autoptr(GFile) folder = g_file_get_parent (data->file);
  g_autoptr(GdkAppLaunchContext) context = NULL;
  g_autofree char *uri = NULL;

  if (folder == NULL)
    return;

  uri = g_file_get_uri (folder);
  if (data->display != NULL)
    context = gdk_display_get_app_launch_context (data->display);
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           open_launch_cb, NULL);
}

static void
open_call_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), NULL,
                                                           result, &error);
  if (reply == NULL)
    {
      g_debug ("Could not show the file in the file manager: %s", error->message);
      open_folder_fallback (data);
    }
}

static gboolean
open_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

static void
open_bus_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      open_folder_fallback (data);
      return;
    }

  if (open_in_flatpak ())
    {
      g_autofree char *path = g_file_get_path (data->file);
      g_autoptr(GUnixFDList) fd_list = NULL;
      GVariantBuilder options;
      int fd;

      /* The portal wants the file itself, not its name: the sandbox's
       * paths mean nothing outside it. */
#ifdef O_PATH
      fd = open (path, O_PATH | O_CLOEXEC);
#else
      fd = open (path, O_RDONLY | O_CLOEXEC);
#endif
      if (fd < 0)
        {
          open_folder_fallback (data);
          return;
        }
      fd_list = g_unix_fd_list_new_from_array (&fd, 1);  /* takes the fd */

      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_dbus_connection_call_with_unix_fd_list (bus,
                                                "org.freedesktop.portal.Desktop",
                                                "/org/freedesktop/portal/desktop",
                                                "org.freedesktop.portal.OpenURI",
                                                "OpenDirectory",
                                                g_variant_new ("(sha{sv})", data->handle, 0, &options),
                                                NULL,
                                                G_DBUS_CALL_FLAGS_NONE,
                                                -1,
                                                fd_list,
                                                NULL,
                                                open_call_cb,
                                                g_steal_pointer (&data));
    }
  else
    {
      g_autofree char *uri = g_file_get_uri (data->file);
      const char *uris[] = { uri, NULL };

      /* Nautilus, Dolphin, Nemo and others implement it; the file comes up
       * selected in its folder. */
      g_dbus_connection_call_with_unix_fd_list (bus,
                                                "org.freedesktop.FileManager1",
                                                "/org/freedesktop/FileManager1",
                                                "org.freedesktop.FileManager1",
                                                "ShowItems",
                                                g_variant_new ("(^ass)", uris, ""),
                                                NULL,
                                                G_DBUS_CALL_FLAGS_NONE,
                                                -1,
                                                NULL,
                                                NULL,
                                                open_call_cb,
                                                g_steal_pointer (&data));
    }
}

/**
 * sg_export_open_folder:
 * @parent: (nullable): the window asking
 * @path: a file in the library
 *
 * Fire and forget: the file manager is another program, and the only
 * failure we can act on (nothing answers) leads to the fallback.
 */
void
sg_export_open_folder (GtkWindow  *parent,
                       const char *path)
{
  OpenData *data;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (path != NULL);

  data = g_new0 (OpenData, 1);
  data->file = g_file_new_for_path (path);
  data->display = g_object_ref (parent != NULL ? gtk_widget_get_display (GTK_WIDGET (parent))
                                               : gdk_display_get_default ());
  data->handle = g_strdup ("");

#ifdef GDK_WINDOWING_X11
  /* The portal puts its window above ours when it knows ours; on Wayland
   * that needs an exported handle, an async round trip we skip. */
  if (parent != NULL && gtk_widget_get_realized (GTK_WIDGET (parent)))
    {
      GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (parent));

      if (GDK_IS_X11_SURFACE (surface))
        {
          g_free (data->handle);
          data->handle = g_strdup_printf ("x11:%lx", (unsigned long) gdk_x11_surface_get_xid (surface));
        }
    }
#endif

  g_bus_get (G_BUS_TYPE_SESSION, NULL, open_bus_cb, data);
}

/* ── Drag and drop ─────────────────────────────────────────────────────── */

/**
 * sg_export_content_for_file:
 * @path: a file
 *
 * Returns: (transfer full): a provider offering the file as a #GFile, a
 *   #GdkFileList (which GDK also writes as text/uri-list and for the file
 *   transfer portal) and as explicit text/uri-list bytes
 */
GdkContentProvider *
sg_export_content_for_file (const char *path)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *uri_list = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GdkFileList *file_list;
  GSList *files;
  GdkContentProvider *providers[3];

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  uri = g_file_get_uri (file);
  /* RFC 2483: one URI a line, CRLF. */
  uri_list = g_strconcat (uri, "\r\n", NULL);
  bytes = g_bytes_new (uri_list, strlen (uri_list));

  files = g_slist_prepend (NULL, file);
  file_list = gdk_file_list_new_from_list (files);
  g_slist_free (files);

  providers[0] = gdk_content_provider_new_typed (G_TYPE_FILE, file);
  providers[1] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, file_list);
  providers[2] = gdk_content_provider_new_for_bytes ("text/uri-list", bytes);
  g_boxed_free (GDK_TYPE_FILE_LIST, file_list);

  return gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
}
