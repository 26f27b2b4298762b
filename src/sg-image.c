/* sg-image.c: checking and decoding untrusted PNG sprites
 *
 * The header is checked by hand before any decoder sees the data, so a tiny
 * file claiming a huge image is refused without allocating anything, and only
 * PNG data ever reaches GTK's loaders.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-image"

#include "config.h"

#include "sg-image.h"

#include <glib/gi18n.h>
#include <string.h>

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* Signature (8) + IHDR length and type (8) + IHDR data (13) + CRC (4) */
#define PNG_HEADER_BYTES 33

G_DEFINE_QUARK (sg-image-error-quark, sg_image_error)

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
sg_image_check_png (const guint8  *data,
                    gsize          length,
                    guint         *width,
                    guint         *height,
                    GError       **error)
{
  guint32 w;
  guint32 h;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length == 0)
    {
      g_set_error_literal (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TRUNCATED,
                           _("The image file is empty"));
      return FALSE;
    }

  if (memcmp (data, png_signature, MIN (length, sizeof png_signature)) != 0)
    {
      g_set_error_literal (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_NOT_PNG,
                           _("The file is not a PNG image"));
      return FALSE;
    }

  if (length < PNG_HEADER_BYTES)
    {
      g_set_error_literal (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TRUNCATED,
                           _("The PNG image is cut short"));
      return FALSE;
    }

  /* The PNG specification requires IHDR to come first, 13 bytes long. */
  if (read_be32 (data + 8) != 13 || memcmp (data + 12, "IHDR", 4) != 0)
    {
      g_set_error_literal (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_NOT_PNG,
                           _("The file is not a PNG image (its header is damaged)"));
      return FALSE;
    }

  w = read_be32 (data + 16);
  h = read_be32 (data + 20);

  if (w == 0 || h == 0)
    {
      g_set_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_NOT_PNG,
                   _("The file is not a PNG image (it claims %u×%u pixels)"), w, h);
      return FALSE;
    }

  if (w > SG_IMAGE_MAX_SIDE || h > SG_IMAGE_MAX_SIDE)
    {
      g_set_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TOO_LARGE,
                   _("The image is %u×%u pixels; at most %u×%u are allowed"),
                   w, h, (guint) SG_IMAGE_MAX_SIDE, (guint) SG_IMAGE_MAX_SIDE);
      return FALSE;
    }

  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;

  return TRUE;
}

GdkTexture *
sg_image_decode (GBytes  *bytes,
                 GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GdkTexture *texture;
  const guint8 *data;
  gsize length;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  if (!sg_image_check_png (data, length, NULL, NULL, error))
    return NULL;

  /* Safe in a worker thread and without a display (GTK ≥ 4.6). The signature
   * check above sends the data to GTK's own libpng loader, not to the
   * gdk-pixbuf modules. */
  texture = gdk_texture_new_from_bytes (bytes, &local_error);
  if (texture == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("The PNG image could not be decoded: "));
      return NULL;
    }

  return texture;
}
