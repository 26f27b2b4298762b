/* sg-library.h: the download folder: safe names, atomic writes, what is stored
 *
 * Thread-safe: an SgLibrary holds only its immutable folder path, so workers
 * call it directly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sg-types.h"

G_BEGIN_DECLS

#define SG_TYPE_LIBRARY (sg_library_get_type ())

G_DECLARE_FINAL_TYPE (SgLibrary, sg_library, SG, LIBRARY, GObject)

/* Longest sanitised name, in bytes, so that "{id:04}-{name}.png" stays far
 * below NAME_MAX (255) on every file system. */
#define SG_LIBRARY_MAX_NAME_BYTES 64

SgLibrary  *sg_library_new               (const char    *folder);
const char *sg_library_get_folder        (SgLibrary     *self);
gboolean    sg_library_ensure_folder     (SgLibrary     *self,
                                          GError       **error);
guint       sg_library_clean_temporary   (SgLibrary     *self);
char       *sg_library_sprite_relpath    (guint          id,
                                          const char    *name,
                                          SgVariant      variant);
char       *sg_library_sprite_path       (SgLibrary     *self,
                                          guint          id,
                                          const char    *name,
                                          SgVariant      variant);
gboolean    sg_library_has_valid_sprite  (SgLibrary     *self,
                                          const char    *relpath);
gboolean    sg_library_store             (SgLibrary     *self,
                                          const char    *relpath,
                                          GBytes        *bytes,
                                          GCancellable  *cancellable,
                                          GError       **error);

gboolean    sg_library_set_aside         (SgLibrary     *self,
                                          const char    *relpath);
void        sg_library_measure           (SgLibrary     *self,
                                          guint64       *bytes,
                                          guint         *n_files);
gboolean    sg_library_clear             (SgLibrary     *self,
                                          GError       **error);
char       *sg_sanitize_name             (const char    *name);

G_END_DECLS
