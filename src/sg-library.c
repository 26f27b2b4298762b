/* sg-library.c: the download folder: safe names, atomic writes, what is stored
 *
 * File names are made from names sent by the network, so they are sanitised
 * here and nowhere else. A sprite is written to a hidden temporary file and
 * renamed into place, so a reader never sees half a PNG under its final name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-library"

#include "config.h"

#include "sg-library.h"

#include "sg-image.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
# define O_CLOEXEC 0
#endif

#ifndef O_NOFOLLOW
# define O_NOFOLLOW 0
#endif

/* Hidden, so file managers and our own listing skip half-written files; a
 * fixed prefix, so leftovers of a crash can be found and removed. */
#define TEMP_PREFIX   ".sg-tmp-"
#define TEMP_TEMPLATE TEMP_PREFIX "XXXXXX"

/* The shortest file that can pass the cheap check: the signature and IHDR,
 * then an IEND chunk. */
#define PNG_HEADER_BYTES 33
#define PNG_IEND_BYTES   12

static const guint8 png_iend[PNG_IEND_BYTES] = {
  0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

struct _SgLibrary
{
  GObject  parent_instance;

  char    *folder;  /* (owned), immutable after construction */
};

G_DEFINE_FINAL_TYPE (SgLibrary, sg_library, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FOLDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sg_library_finalize (GObject *object)
{
  SgLibrary *self = (SgLibrary *) object;

  g_clear_pointer (&self->folder, g_free);

  G_OBJECT_CLASS (sg_library_parent_class)->finalize (object);
}

static void
sg_library_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SgLibrary *self = SG_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_library_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SgLibrary *self = SG_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      self->folder = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_library_class_init (SgLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sg_library_finalize;
  object_class->get_property = sg_library_get_property;
  object_class->set_property = sg_library_set_property;

  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sg_library_init (SgLibrary *self)
{
}

SgLibrary *
sg_library_new (const char *folder)
{
  g_return_val_if_fail (folder != NULL, NULL);

  return g_object_new (SG_TYPE_LIBRARY,
                       "folder", folder,
                       NULL);
}

const char *
sg_library_get_folder (SgLibrary *self)
{
  g_return_val_if_fail (SG_IS_LIBRARY (self), NULL);

  return self->folder;
}

static void set_error_from_errno (GError     **error,
                                  int          saved_errno,
                                  const char  *format,
                                  ...) G_GNUC_PRINTF (3, 4);

/* The message, then the system's reason: "Could not write “…”: No space left
 * on device", in G_IO_ERROR so callers can tell G_IO_ERROR_NO_SPACE apart. */
static void
set_error_from_errno (GError     **error,
                      int          saved_errno,
                      const char  *format,
                      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s: %s", message, g_strerror (saved_errno));
}

gboolean
sg_library_ensure_folder (SgLibrary  *self,
                          GError    **error)
{
  g_autofree char *probe = NULL;
  int fd;

  g_return_val_if_fail (SG_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_mkdir_with_parents (self->folder, 0755) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display_name = g_filename_display_name (self->folder);

      set_error_from_errno (error, saved_errno, _("Could not create the folder “%s”"),
                            display_name);
      return FALSE;
    }

  /* access(W_OK) is wrong on read-only mounts, ACLs and network file systems;
   * creating a file is the only real test. */
  probe = g_build_filename (self->folder, TEMP_TEMPLATE, NULL);
  fd = g_mkstemp_full (probe, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *display_name = g_filename_display_name (self->folder);

      set_error_from_errno (error, saved_errno, _("Cannot write into the folder “%s”"),
                            display_name);
      return FALSE;
    }

  close (fd);
  g_unlink (probe);

  return TRUE;
}

/* Relative, at most "variant/file", no empty, dot or hidden component: the
 * path comes from our own code, but a mistake must not escape the folder. */
static gboolean
relpath_is_safe (const char *relpath)
{
  g_auto(GStrv) parts = NULL;
  guint n_parts;

  if (relpath == NULL || relpath[0] == '\0' || g_path_is_absolute (relpath))
    return FALSE;

  if (strchr (relpath, '\\') != NULL)
    return FALSE;

  parts = g_strsplit (relpath, "/", 0);
  n_parts = g_strv_length (parts);
  if (n_parts > 2)
    return FALSE;

  for (guint i = 0; i < n_parts; i++)
    {
      if (parts[i][0] == '\0' || parts[i][0] == '.')
        return FALSE;
    }

  return TRUE;
}

static guint
clean_directory (const char *directory)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint removed = 0;

  dir = g_dir_open (directory, 0, NULL);
  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (name, TEMP_PREFIX))
        continue;

      path = g_build_filename (directory, name, NULL);
      if (g_lstat (path, &st) != 0 || S_ISDIR (st.st_mode))
        continue;

      if (g_unlink (path) == 0)
        removed++;
      else
        g_debug ("Could not remove %s: %s", path, g_strerror (errno));
    }

  return removed;
}

/* Leftovers of a crash or a kill. Call it before any store starts: it cannot
 * tell a leftover from another thread's file in progress. */
guint
sg_library_clean_temporary (SgLibrary *self)
{
  guint removed;

  g_return_val_if_fail (SG_IS_LIBRARY (self), 0);

  removed = clean_directory (self->folder);

  for (guint i = 0; i < SG_N_VARIANTS; i++)
    {
      g_autofree char *subfolder = NULL;

      if (i == SG_VARIANT_FRONT_DEFAULT)
        continue;

      subfolder = g_build_filename (self->folder, sg_variant_to_string (i), NULL);
      removed += clean_directory (subfolder);
    }

  return removed;
}

char *
sg_sanitize_name (const char *name)
{
  GString *out;

  if (name == NULL)
    return g_strdup ("unnamed");

  out = g_string_sized_new (SG_LIBRARY_MAX_NAME_BYTES + 1);

  /* Byte by byte: every byte of a multi-byte character becomes a separator,
   * so the result is plain ASCII and can be cut anywhere. */
  for (const char *p = name; *p != '\0' && out->len <= SG_LIBRARY_MAX_NAME_BYTES; p++)
    {
      char c = *p;

      if (g_ascii_isalnum (c) || c == '_')
        {
          /* Nothing may start the name but a letter or a digit: no ".",
           * "..", hidden file or "-option" */
          if (c == '_' && out->len == 0)
            continue;

          /* Lowercase, so names that differ only in case cannot collide on
           * case-insensitive file systems. */
          g_string_append_c (out, g_ascii_tolower (c));
        }
      else if (out->len > 0 && out->str[out->len - 1] != '-')
        {
          g_string_append_c (out, '-');
        }
    }

  if (out->len > SG_LIBRARY_MAX_NAME_BYTES)
    g_string_truncate (out, SG_LIBRARY_MAX_NAME_BYTES);

  while (out->len > 0 && (out->str[out->len - 1] == '-' || out->str[out->len - 1] == '_'))
    g_string_truncate (out, out->len - 1);

  if (out->len == 0)
    g_string_assign (out, "unnamed");

  return g_string_free (out, FALSE);
}

char *
sg_library_sprite_relpath (guint       id,
                           const char *name,
                           SgVariant   variant)
{
  g_autofree char *safe_name = NULL;
  g_autofree char *file_name = NULL;

  g_return_val_if_fail ((guint) variant < SG_N_VARIANTS, NULL);

  safe_name = sg_sanitize_name (name);
  file_name = g_strdup_printf ("%04u-%s.png", id, safe_name);

  if (variant == SG_VARIANT_FRONT_DEFAULT)
    return g_steal_pointer (&file_name);

  return g_build_filename (sg_variant_to_string (variant), file_name, NULL);
}

char *
sg_library_sprite_path (SgLibrary  *self,
                        guint       id,
                        const char *name,
                        SgVariant   variant)
{
  g_autofree char *relpath = NULL;

  g_return_val_if_fail (SG_IS_LIBRARY (self), NULL);
  g_return_val_if_fail ((guint) variant < SG_N_VARIANTS, NULL);

  relpath = sg_library_sprite_relpath (id, name, variant);

  return g_build_filename (self->folder, relpath, NULL);
}

/* pread() until @length bytes arrived; FALSE on an error or a short file. */
static gboolean
read_exactly (int     fd,
              guint8 *buffer,
              gsize   length,
              off_t   offset)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = pread (fd, buffer + done, length - done, offset + (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }

  return TRUE;
}

gboolean
sg_library_has_valid_sprite (SgLibrary  *self,
                             const char *relpath)
{
  g_autofree char *path = NULL;
  guint8 head[PNG_HEADER_BYTES];
  guint8 tail[PNG_IEND_BYTES];
  gboolean valid;
  struct stat st;
  int fd;

  g_return_val_if_fail (SG_IS_LIBRARY (self), FALSE);

  if (!relpath_is_safe (relpath))
    return FALSE;

  path = g_build_filename (self->folder, relpath, NULL);

  /* O_NOFOLLOW: a symlink is not a sprite we stored. O_NONBLOCK: opening a
   * FIFO planted under a sprite's name must not hang a worker. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
  if (fd < 0)
    return FALSE;

  valid = fstat (fd, &st) == 0 &&
          S_ISREG (st.st_mode) &&
          st.st_size >= PNG_HEADER_BYTES + PNG_IEND_BYTES &&
          read_exactly (fd, head, sizeof head, 0) &&
          sg_image_check_png (head, sizeof head, NULL, NULL, NULL) &&
          read_exactly (fd, tail, sizeof tail, st.st_size - PNG_IEND_BYTES) &&
          memcmp (tail, png_iend, sizeof tail) == 0;

  close (fd);

  return valid;
}

/* "No such file or directory" about a temporary name says nothing useful
 * when the whole folder was deleted (or unmounted) during the run. */
static gboolean
set_error_if_folder_gone (SgLibrary  *self,
                          GError    **error)
{
  g_autofree char *display_name = NULL;

  if (g_file_test (self->folder, G_FILE_TEST_IS_DIR))
    return FALSE;

  display_name = g_filename_display_name (self->folder);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("The download folder “%s” no longer exists"), display_name);
  return TRUE;
}

gboolean
sg_library_store (SgLibrary     *self,
                  const char    *relpath,
                  GBytes        *bytes,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *directory = NULL;
  g_autofree char *temp_path = NULL;
  g_autofree char *display_path = NULL;
  const char *slash;
  const guint8 *data;
  gsize length;
  gsize done = 0;
  int fd;

  g_return_val_if_fail (SG_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!relpath_is_safe (relpath))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("Refusing to store a file at “%s”: not a path inside the library"),
                   relpath != NULL ? relpath : "(null)");
      return FALSE;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  path = g_build_filename (self->folder, relpath, NULL);
  display_path = g_filename_display_name (path);

  /* Only a variant's subfolder is created here, never the folder itself
   * (sg_library_ensure_folder() made it): one deleted during a run, or the
   * mount point of a drive that went away, must not be re-created with
   * sprites scattered into it. Several threads may create the same
   * subfolder at once: an existing one is success. */
  slash = strchr (relpath, '/');
  if (slash == NULL)
    directory = g_strdup (self->folder);
  else
    {
      g_autofree char *subfolder = g_strndup (relpath, slash - relpath);

      directory = g_build_filename (self->folder, subfolder, NULL);
      if (g_mkdir (directory, 0755) != 0 && errno != EEXIST)
        {
          int saved_errno = errno;
          g_autofree char *display_name = g_filename_display_name (directory);

          if (saved_errno != ENOENT || !set_error_if_folder_gone (self, error))
            set_error_from_errno (error, saved_errno, _("Could not create the folder “%s”"),
                                  display_name);
          return FALSE;
        }
    }

  /* In the same directory, so rename() stays on one file system and is atomic */
  temp_path = g_build_filename (directory, TEMP_TEMPLATE, NULL);
  fd = g_mkstemp_full (temp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *display_name = g_filename_display_name (directory);

      if (saved_errno != ENOENT || !set_error_if_folder_gone (self, error))
        set_error_from_errno (error, saved_errno, _("Could not create a file in “%s”"),
                              display_name);
      return FALSE;
    }

  data = g_bytes_get_data (bytes, &length);
  while (done < length)
    {
      ssize_t n = write (fd, data + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;

      if (n <= 0)
        {
          /* ENOSPC, EDQUOT, EIO… (a zero-byte write only happens on a full disk) */
          int saved_errno = n < 0 ? errno : ENOSPC;

          close (fd);
          g_unlink (temp_path);
          set_error_from_errno (error, saved_errno, _("Could not write “%s”"), display_path);
          return FALSE;
        }

      done += (gsize) n;
    }

  /* No fsync(): a sprite lost in a power cut fails the IEND check of
   * sg_library_has_valid_sprite() and is downloaded again, while a thousand
   * fsyncs would cost seconds. Some file systems (NFS) report a full disk
   * only here, so close() is checked. */
  if (close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (temp_path);
      set_error_from_errno (error, saved_errno, _("Could not write “%s”"), display_path);
      return FALSE;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_unlink (temp_path);
      return FALSE;
    }

  if (g_rename (temp_path, path) != 0)
    {
      int saved_errno = errno;

      g_unlink (temp_path);
      /* The folder may go between the temporary file and the rename. */
      if (saved_errno != ENOENT || !set_error_if_folder_gone (self, error))
        set_error_from_errno (error, saved_errno, _("Could not save “%s”"), display_path);
      return FALSE;
    }

  return TRUE;
}

/* Is @basename one of ours: "0025-pikachu.png", or one set aside? */
static gboolean
is_sprite_name (const char *basename)
{
  gsize digits = strspn (basename, "0123456789");

  return digits >= 4 && basename[digits] == '-' &&
         (g_str_has_suffix (basename, ".png") || g_str_has_suffix (basename, ".png.invalid"));
}

/**
 * sg_library_set_aside:
 *
 * A stored file that is not a valid PNG is renamed to "….png.invalid",
 * so the sprite is fetched again and nothing is deleted. Returns whether a
 * file was moved.
 */
gboolean
sg_library_set_aside (SgLibrary  *self,
                      const char *relpath)
{
  g_autofree char *path = NULL;
  g_autofree char *aside = NULL;
  struct stat st;

  g_return_val_if_fail (SG_IS_LIBRARY (self), FALSE);

  if (!relpath_is_safe (relpath))
    return FALSE;

  path = g_build_filename (self->folder, relpath, NULL);
  /* Only a regular file of ours: never follow a planted symlink. */
  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;

  aside = g_strconcat (path, ".invalid", NULL);
  if (g_rename (path, aside) != 0)
    {
      g_debug ("Could not set %s aside: %s", path, g_strerror (errno));
      return FALSE;
    }

  g_message ("%s is not a valid PNG; kept as %s and fetched again", path, aside);
  return TRUE;
}

typedef gboolean (*SpriteFileFunc) (const char  *path,
                                    struct stat *st,
                                    gpointer     user_data,
                                    GError     **error);

/* Calls @func on every sprite file of ours, in the folder and the variant
 * subfolders; nothing else in them is touched. */
static gboolean
foreach_sprite_file (SgLibrary      *self,
                     SpriteFileFunc  func,
                     gpointer        user_data,
                     GError        **error)
{
  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      g_autofree char *directory = NULL;
      g_autoptr(GDir) dir = NULL;
      const char *basename;

      directory = v == SG_VARIANT_FRONT_DEFAULT
                  ? g_strdup (self->folder)
                  : g_build_filename (self->folder, sg_variant_to_string (v), NULL);
      dir = g_dir_open (directory, 0, NULL);
      if (dir == NULL)
        continue;

      while ((basename = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = NULL;
          struct stat st;

          if (!is_sprite_name (basename))
            continue;
          path = g_build_filename (directory, basename, NULL);
          if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
            continue;
          if (!func (path, &st, user_data, error))
            return FALSE;
        }
    }

  return TRUE;
}

typedef struct {
  guint64 bytes;
  guint   n_files;
} Usage;

static gboolean
add_usage (const char  *path,
           struct stat *st,
           gpointer     user_data,
           GError     **error)
{
  Usage *usage = user_data;

  usage->bytes += (guint64) st->st_size;
  usage->n_files++;

  return TRUE;
}

/* Blocking; for a worker. */
void
sg_library_measure (SgLibrary *self,
                    guint64   *bytes,
                    guint     *n_files)
{
  Usage usage = { 0, 0 };

  g_return_if_fail (SG_IS_LIBRARY (self));

  foreach_sprite_file (self, add_usage, &usage, NULL);
  if (bytes != NULL)
    *bytes = usage.bytes;
  if (n_files != NULL)
    *n_files = usage.n_files;
}

static gboolean
remove_sprite_file (const char  *path,
                    struct stat *st,
                    gpointer     user_data,
                    GError     **error)
{
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      /* Translators: %s is a file's path */
      set_error_from_errno (error, saved_errno, _("Could not remove “%s”"), path);
      return FALSE;
    }

  return TRUE;
}

/**
 * sg_library_clear:
 *
 * Blocking; for a worker. Removes the sprites this app stored (and those
 * set aside), then the variant subfolders if they are left empty. Other
 * files in the folder are not ours and stay.
 */
gboolean
sg_library_clear (SgLibrary  *self,
                  GError    **error)
{
  g_return_val_if_fail (SG_IS_LIBRARY (self), FALSE);

  if (!foreach_sprite_file (self, remove_sprite_file, NULL, error))
    return FALSE;

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      g_autofree char *subfolder = NULL;

      if (v == SG_VARIANT_FRONT_DEFAULT)
        continue;
      subfolder = g_build_filename (self->folder, sg_variant_to_string (v), NULL);
      /* Fails, as it should, when something else is inside. */
      g_rmdir (subfolder);
    }

  return TRUE;
}
