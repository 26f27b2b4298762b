/* test-image.c: the PNG header check and the decoder, without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sg-image.h"

/* Helpers */

/* A w×h RGBA image whose pixels encode their position, so a decode that
 * mixes up rows or channels shows; the blue channel is noise, so the PNG is
 * as large as a real sprite's instead of a few hundred bytes. */
static guint8 *
make_pixels (guint w,
             guint h)
{
  guint8 *pixels = g_malloc ((gsize) w * h * 4);

  for (guint y = 0; y < h; y++)
    {
      for (guint x = 0; x < w; x++)
        {
          guint8 *p = pixels + ((gsize) y * w + x) * 4;
          guint32 noise = (x * 73856093u) ^ (y * 19349663u);

          noise ^= noise >> 13;
          noise *= 0x5bd1e995u;

          p[0] = (guint8) x;
          p[1] = (guint8) y;
          p[2] = (guint8) (noise >> 24);
          p[3] = 255;
        }
    }

  return pixels;
}

static GBytes *
make_png (guint w,
          guint h)
{
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  pixels = g_bytes_new_take (make_pixels (w, h), (gsize) w * h * 4);
  texture = gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8, pixels, (gsize) w * 4);

  return gdk_texture_save_to_png_bytes (texture);
}

/* A copy of exactly @length bytes, so a read past the end trips ASan */
static guint8 *
exact_copy (GBytes *bytes,
            gsize   length)
{
  g_assert_cmpuint (length, <=, g_bytes_get_size (bytes));

  return length > 0 ? g_memdup2 (g_bytes_get_data (bytes, NULL), length) : NULL;
}

static void
put_be32 (guint8  *p,
          guint32  value)
{
  p[0] = (guint8) (value >> 24);
  p[1] = (guint8) (value >> 16);
  p[2] = (guint8) (value >> 8);
  p[3] = (guint8) value;
}

/* A PNG signature and IHDR claiming @w×@h, with a wrong CRC: all the check
 * reads, and what a decompression bomb starts with. */
static GBytes *
make_header (guint32 w,
             guint32 h)
{
  guint8 header[33] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0, 0, 0, 0, 0, 0,
    8, 6, 0, 0, 0,
    0, 0, 0, 0,
  };

  put_be32 (header + 16, w);
  put_be32 (header + 20, h);

  return g_bytes_new (header, sizeof header);
}

static void
assert_check_fails (GBytes      *bytes,
                    SgImageError code)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = exact_copy (bytes, g_bytes_get_size (bytes));
  guint w = 7;
  guint h = 7;

  g_assert_false (sg_image_check_png (data, g_bytes_get_size (bytes), &w, &h, &error));
  g_assert_error (error, SG_IMAGE_ERROR, (int) code);
  g_assert_cmpstr (error->message, !=, "");

  /* Outputs are left alone on failure */
  g_assert_cmpuint (w, ==, 7);
  g_assert_cmpuint (h, ==, 7);
}

/* Check */

static void
test_check_valid (void)
{
  const guint sizes[][2] = { { 96, 96 }, { 1, 1 }, { 40, 30 }, { 1024, 1 }, { 1024, 1024 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) png = make_png (sizes[i][0], sizes[i][1]);
      g_autofree guint8 *data = exact_copy (png, g_bytes_get_size (png));
      g_autoptr(GError) error = NULL;
      guint w = 0;
      guint h = 0;

      g_assert_true (sg_image_check_png (data, g_bytes_get_size (png), &w, &h, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (w, ==, sizes[i][0]);
      g_assert_cmpuint (h, ==, sizes[i][1]);

      /* Width and height are optional */
      g_assert_true (sg_image_check_png (data, g_bytes_get_size (png), NULL, NULL, NULL));
    }
}

static void
test_check_truncated (void)
{
  g_autoptr(GBytes) png = make_png (96, 96);

  /* Every length that has the signature's start but not the whole header */
  for (gsize length = 0; length < 33; length++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *data = exact_copy (png, length);

      g_assert_false (sg_image_check_png (data, length, NULL, NULL, &error));
      g_assert_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TRUNCATED);
    }

  /* The header alone is enough for the check (the decoder needs more) */
  {
    g_autofree guint8 *data = exact_copy (png, 33);
    guint w = 0;

    g_assert_true (sg_image_check_png (data, 33, &w, NULL, NULL));
    g_assert_cmpuint (w, ==, 96);
  }
}

static void
test_check_empty (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sg_image_check_png (NULL, 0, NULL, NULL, &error));
  g_assert_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TRUNCATED);
}

static void
test_check_too_large (void)
{
  const guint32 sizes[][2] = {
    { 20000, 20000 }, { 1025, 1 }, { 1, 1025 }, { 1025, 1025 },
    { G_MAXUINT32, 1 }, { 1, G_MAXUINT32 }, { 0x7fffffff, 0x7fffffff },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) header = make_header (sizes[i][0], sizes[i][1]);

      assert_check_fails (header, SG_IMAGE_ERROR_TOO_LARGE);
    }

  {
    g_autoptr(GBytes) header = make_header (20000, 20000);
    g_autoptr(GError) error = NULL;

    g_assert_false (sg_image_check_png (g_bytes_get_data (header, NULL), 33, NULL, NULL,
                                        &error));
    g_assert_cmpstr (error->message, ==,
                     "The image is 20000×20000 pixels; at most 1024×1024 are allowed");
  }

  /* The largest allowed size passes the check */
  {
    g_autoptr(GBytes) header = make_header (1024, 1024);

    g_assert_true (sg_image_check_png (g_bytes_get_data (header, NULL), 33, NULL, NULL, NULL));
  }
}

static void
test_check_not_png (void)
{
  static const char gif[] = "GIF89a\x60\x00\x60\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9";
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F' };
  static const char html[] = "<html><body>404 Not Found</body></html>";
  static const char almost[] = "\x89PNG\r\n\x1a\r";  /* line endings converted */
  struct {
    const guint8 *data;
    gsize length;
  } cases[] = {
    { (const guint8 *) gif, sizeof gif - 1 },
    { jpeg, sizeof jpeg },
    { (const guint8 *) html, sizeof html - 1 },
    { (const guint8 *) html, 1 },
    { (const guint8 *) almost, sizeof almost - 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (cases[i].data, cases[i].length);

      assert_check_fails (bytes, SG_IMAGE_ERROR_NOT_PNG);
    }

  {
    g_autoptr(GBytes) bytes = g_bytes_new (html, sizeof html - 1);
    g_autoptr(GError) error = NULL;

    g_assert_false (sg_image_check_png (g_bytes_get_data (bytes, NULL), sizeof html - 1,
                                        NULL, NULL, &error));
    g_assert_cmpstr (error->message, ==, "The file is not a PNG image");
  }
}

static void
test_check_bad_ihdr (void)
{
  g_autoptr(GBytes) png = make_png (96, 96);
  gsize length = g_bytes_get_size (png);
  struct {
    gsize offset;
    guint8 value;
  } damage[] = {
    { 11, 14 },     /* IHDR length 14 */
    { 8, 1 },       /* IHDR length 2^24 + 13 */
    { 12, 'i' },    /* "iHDR" */
    { 15, 'T' },    /* "IHDT" */
  };

  for (guint i = 0; i < G_N_ELEMENTS (damage); i++)
    {
      g_autofree guint8 *data = exact_copy (png, length);
      g_autoptr(GBytes) bytes = NULL;

      data[damage[i].offset] = damage[i].value;
      bytes = g_bytes_new (data, length);
      assert_check_fails (bytes, SG_IMAGE_ERROR_NOT_PNG);
    }

  /* A first chunk that is not IHDR */
  {
    g_autofree guint8 *data = exact_copy (png, length);
    g_autoptr(GBytes) bytes = NULL;

    memcpy (data + 12, "IDAT", 4);
    bytes = g_bytes_new (data, length);
    assert_check_fails (bytes, SG_IMAGE_ERROR_NOT_PNG);
  }

  /* No pixels at all */
  {
    g_autoptr(GBytes) zero_width = make_header (0, 10);
    g_autoptr(GBytes) zero_height = make_header (10, 0);

    assert_check_fails (zero_width, SG_IMAGE_ERROR_NOT_PNG);
    assert_check_fails (zero_height, SG_IMAGE_ERROR_NOT_PNG);
  }
}

/* Decode */

static void
test_decode_valid (void)
{
  g_autoptr(GBytes) png = make_png (96, 96);
  g_autoptr(GBytes) exact = g_bytes_new_take (exact_copy (png, g_bytes_get_size (png)),
                                              g_bytes_get_size (png));
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *expected = make_pixels (96, 96);
  g_autofree guint8 *pixels = NULL;

  texture = sg_image_decode (exact, &error);
  g_assert_no_error (error);
  g_assert_true (GDK_IS_TEXTURE (texture));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 96);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 96);

  /* gdk_texture_download() gives premultiplied B8G8R8A8 in native order */
  pixels = g_malloc (96 * 96 * 4);
  gdk_texture_download (texture, pixels, 96 * 4);
  for (gsize i = 0; i < 96 * 96; i++)
    {
      guint32 value = ((guint32 *) (gpointer) pixels)[i];

      g_assert_cmpuint ((value >> 16) & 0xff, ==, expected[i * 4 + 0]);
      g_assert_cmpuint ((value >> 8) & 0xff, ==, expected[i * 4 + 1]);
      g_assert_cmpuint (value & 0xff, ==, expected[i * 4 + 2]);
      g_assert_cmpuint (value >> 24, ==, 255);
    }
}

static void
test_decode_truncated (void)
{
  g_autoptr(GBytes) png = make_png (96, 96);
  gsize length = g_bytes_get_size (png);

  g_test_message ("The PNG has %" G_GSIZE_FORMAT " bytes", length);

  /* Every cut before the image data ends; the last 12 bytes are IEND, which
   * a decoder may or may not insist on. */
  for (gsize cut = 0; cut + 12 < length; cut++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_take (exact_copy (png, cut), cut);
      g_autoptr(GdkTexture) texture = NULL;
      g_autoptr(GError) error = NULL;

      texture = sg_image_decode (bytes, &error);
      if (texture != NULL)
        g_error ("A PNG cut to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes was decoded",
                 cut, length);
      g_assert_nonnull (error);
      if (cut < 33)
        g_assert_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TRUNCATED);
    }

  for (gsize cut = length - 12; cut < length; cut++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_take (exact_copy (png, cut), cut);
      g_autoptr(GdkTexture) texture = NULL;
      g_autoptr(GError) error = NULL;

      texture = sg_image_decode (bytes, &error);
      g_assert_true ((texture == NULL) != (error == NULL));
    }
}

static void
test_decode_corrupt (void)
{
  g_autoptr(GBytes) png = make_png (96, 96);
  gsize length = g_bytes_get_size (png);
  g_autofree guint8 *data = exact_copy (png, length);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  /* A flipped bit in the compressed data, well before IEND */
  data[length / 2] ^= 0x10;
  bytes = g_bytes_new (data, length);
  texture = sg_image_decode (bytes, &error);
  g_assert_null (texture);
  g_assert_nonnull (error);
}

static void
test_decode_refused (void)
{
  g_autoptr(GBytes) huge = make_header (20000, 20000);
  g_autoptr(GBytes) text = g_bytes_new_static ("Not Found", 9);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = sg_image_decode (huge, &error);
  g_assert_null (texture);
  g_assert_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TOO_LARGE);

  g_clear_error (&error);
  texture = sg_image_decode (text, &error);
  g_assert_null (texture);
  g_assert_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_NOT_PNG);

  g_clear_error (&error);
  texture = sg_image_decode (empty, &error);
  g_assert_null (texture);
  g_assert_error (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TRUNCATED);
}

int
main (int   argc,
      char *argv[])
{
  /* Decoding must work without a display: workers and the headless mode
   * have none. */
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/image/check/valid", test_check_valid);
  g_test_add_func ("/image/check/truncated", test_check_truncated);
  g_test_add_func ("/image/check/empty", test_check_empty);
  g_test_add_func ("/image/check/too-large", test_check_too_large);
  g_test_add_func ("/image/check/not-png", test_check_not_png);
  g_test_add_func ("/image/check/bad-ihdr", test_check_bad_ihdr);
  g_test_add_func ("/image/decode/valid", test_decode_valid);
  g_test_add_func ("/image/decode/truncated", test_decode_truncated);
  g_test_add_func ("/image/decode/corrupt", test_decode_corrupt);
  g_test_add_func ("/image/decode/refused", test_decode_refused);

  return g_test_run ();
}
