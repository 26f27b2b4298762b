/* fuzz-detail.c: libFuzzer target for sg_pokeapi_parse_detail()
 *
 * The json-glib reference parser, sg_pokeapi_parse_detail_dom(), is the
 * oracle: any input on which the two disagree aborts, besides what ASan and
 * UBSan catch. A detail must also keep its promises (an id in range, a
 * name, http(s) sprite URLs, UTF-8 text).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "detail-oracle.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
fail (const char *what)
{
  g_autofree char *escaped = g_strescape (what, NULL);

  fprintf (stderr, "fuzz-detail: %s\n", escaped);
  abort ();
}

static void
check_detail (const SgDetail *detail)
{
  if (detail->id < 1 || detail->id > G_MAXINT32)
    fail ("an id out of range");
  if (detail->name == NULL || detail->name[0] == '\0' ||
      !g_utf8_validate (detail->name, -1, NULL))
    fail ("no name, or not UTF-8");
  if (detail->types == NULL)
    fail ("types is NULL");
  for (guint i = 0; detail->types[i] != NULL; i++)
    {
      if (detail->types[i][0] == '\0' || !g_utf8_validate (detail->types[i], -1, NULL))
        fail ("an empty type, or not UTF-8");
    }
  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      if (detail->sprite_urls[v] != NULL && !sg_pokeapi_is_http_url (detail->sprite_urls[v]))
        fail ("a sprite URL that is not http(s)");
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *disagreement = NULL;
  g_autoptr(SgDetail) detail = NULL;

  /* libFuzzer's buffer has exactly @size bytes: reading past them is caught */
  disagreement = detail_oracle_disagreement ((const char *) data, size);
  if (disagreement != NULL)
    {
      g_autofree char *what = g_strconcat ("scanner and DOM disagree: ", disagreement, NULL);

      fail (what);
    }

  detail = sg_pokeapi_parse_detail ((const char *) data, size, NULL);
  if (detail != NULL)
    check_detail (detail);

  return 0;
}
