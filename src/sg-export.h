/* sg-export.h: sprites out of the app: clipboard, Save As, file manager, drag
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sg-pokemon.h"

G_BEGIN_DECLS

/* Puts @texture on @widget's clipboard. */
void                sg_export_copy_texture     (GtkWidget           *widget,
                                                GdkTexture          *texture);

/* Asks where to save @path (the item's stored file, or one of its variants;
 * NULL for the item's own) with a file chooser suggesting "0025-pikachu.png",
 * then copies it there. Finishes with FALSE and G_IO_ERROR_CANCELLED when the
 * user dismisses the chooser; the caller shows other errors. */
void                sg_export_save_as_async    (GtkWindow           *parent,
                                                SgPokemon           *item,
                                                const char          *path,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean            sg_export_save_as_finish   (GAsyncResult        *result,
                                                GError             **error);
/* The same, reporting errors with a dialog on @parent. */
void                sg_export_save_as          (GtkWindow           *parent,
                                                SgPokemon           *item);

/* Shows @path selected in the file manager (the portal inside a Flatpak,
 * org.freedesktop.FileManager1 outside), or else opens its folder. */
void                sg_export_open_folder      (GtkWindow           *parent,
                                                const char          *path);

/* For a GtkDragSource: the file as a GFile, a GdkFileList and text/uri-list. */
GdkContentProvider *sg_export_content_for_file (const char          *path);

G_END_DECLS
