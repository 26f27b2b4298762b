/* sg-image.h: checking and decoding untrusted PNG sprites
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

#define SG_IMAGE_ERROR (sg_image_error_quark ())

typedef enum {
  SG_IMAGE_ERROR_NOT_PNG,
  SG_IMAGE_ERROR_TRUNCATED,
  SG_IMAGE_ERROR_TOO_LARGE,
} SgImageError;

/* A sprite is at most this many pixels on a side, checked in the header
 * before anything is decoded: a 40-byte PNG can claim gigabytes. */
#define SG_IMAGE_MAX_SIDE 1024

GQuark      sg_image_error_quark (void);
gboolean    sg_image_check_png   (const guint8  *data,
                                  gsize          length,
                                  guint         *width,
                                  guint         *height,
                                  GError       **error);
GdkTexture *sg_image_decode      (GBytes        *bytes,
                                  GError       **error);

G_END_DECLS
