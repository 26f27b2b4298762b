/* fuzz-png.c: libFuzzer target for sg_image_check_png() and sg_image_decode()
 *
 * The header check must never pass a side of 0 or above SG_IMAGE_MAX_SIDE;
 * what it passes is decoded (cheap: at most 1024² pixels), and a decoded
 * texture has the size the header claimed. GTK 4.8's PNG loader leaks on
 * some broken files: lsan.supp hides that.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "sg-image.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
fail (const char *what)
{
  fprintf (stderr, "fuzz-png: %s\n", what);
  abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint width = 0;
  guint height = 0;
  gboolean ok;

  ok = sg_image_check_png (data, size, &width, &height, &error);
  if (ok == (error != NULL))
    fail ("a result and an error, or neither");

  if (!ok)
    {
      if (error->domain != SG_IMAGE_ERROR)
        fail ("an error of another domain");
      return 0;
    }

  if (width == 0 || height == 0 || width > SG_IMAGE_MAX_SIDE || height > SG_IMAGE_MAX_SIDE)
    fail ("a size out of range passed the check");

  bytes = g_bytes_new (data, size);
  texture = sg_image_decode (bytes, &error);
  if ((texture == NULL) == (error == NULL))
    fail ("a texture and an error, or neither");

  if (texture != NULL &&
      ((guint) gdk_texture_get_width (texture) != width ||
       (guint) gdk_texture_get_height (texture) != height))
    fail ("a texture of another size than its header claims");

  /* lsan.supp hides what GTK leaks, which would hide a texture leaked here */
  if (texture != NULL && G_OBJECT (texture)->ref_count != 1)
    fail ("a texture with a reference besides the caller's");

  return 0;
}
