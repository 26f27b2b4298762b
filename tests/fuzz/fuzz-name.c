/* fuzz-name.c: libFuzzer target for sg_sanitize_name() and
 * sg_library_sprite_relpath()
 *
 * The input is the name (up to its first NUL byte); the id and the variant
 * are drawn from it, so that plain names make a corpus. A sanitised name is
 * never empty, at most SG_LIBRARY_MAX_NAME_BYTES of printable ASCII, starts
 * with a letter or a digit (no ".", "..", hidden file or "-option"), has no
 * "/" or "\\", and sanitising it again changes nothing; the relative path is
 * "[variant/]NNNN-name.png", never absolute, never climbing out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg-library.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
fail (const char *what,
      const char *value)
{
  g_autofree char *escaped = g_strescape (value != NULL ? value : "(null)", NULL);

  fprintf (stderr, "fuzz-name: %s: \"%s\"\n", what, escaped);
  abort ();
}

static void
check_safe_name (const char *safe)
{
  gsize length;

  if (safe == NULL)
    fail ("NULL name", NULL);

  length = strlen (safe);
  if (length == 0 || length > SG_LIBRARY_MAX_NAME_BYTES)
    fail ("a name of the wrong length", safe);

  if (!g_ascii_isalnum (safe[0]))
    fail ("a name that starts with neither a letter nor a digit", safe);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) safe[i];

      if (c <= 0x20 || c >= 0x7f || c == '/' || c == '\\')
        fail ("a name with a byte that is not printable ASCII, or a separator", safe);
    }

  if (!g_utf8_validate (safe, -1, NULL))
    fail ("a name that is not UTF-8", safe);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *name = g_strndup ((const char *) data, size);
  g_autofree char *safe = NULL;
  g_autofree char *again = NULL;
  g_autofree char *relpath = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) parts = NULL;
  SgVariant variant = (SgVariant) (size % SG_N_VARIANTS);
  guint id = g_str_hash (name);

  safe = sg_sanitize_name (name);
  check_safe_name (safe);

  again = sg_sanitize_name (safe);
  if (strcmp (again, safe) != 0)
    fail ("a sanitised name that changes when sanitised again", safe);

  relpath = sg_library_sprite_relpath (id, name, variant);
  if (relpath == NULL)
    fail ("NULL path", name);

  expected = g_strdup_printf ("%s%s%04u-%s.png",
                              variant == SG_VARIANT_FRONT_DEFAULT ? "" : sg_variant_to_string (variant),
                              variant == SG_VARIANT_FRONT_DEFAULT ? "" : "/",
                              id, safe);
  if (strcmp (relpath, expected) != 0)
    fail ("an unexpected path", relpath);

  if (g_path_is_absolute (relpath) || strchr (relpath, '\\') != NULL)
    fail ("an absolute path, or one with a backslash", relpath);

  parts = g_strsplit (relpath, "/", 0);
  if (g_strv_length (parts) != (variant == SG_VARIANT_FRONT_DEFAULT ? 1 : 2))
    fail ("a path of the wrong depth", relpath);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || parts[i][0] == '.' || strlen (parts[i]) > 255)
        fail ("an empty, hidden, or too long path component", relpath);
    }

  return 0;
}
