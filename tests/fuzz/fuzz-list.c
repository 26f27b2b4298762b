/* fuzz-list.c: libFuzzer target for sg_pokeapi_parse_list()
 *
 * Besides what ASan and UBSan catch, a result must keep its promises: an
 * error or a page, never both; entries without an error have a name and an
 * http(s) URL; every string is UTF-8.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "sg-pokeapi.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
fail (const char *what)
{
  fprintf (stderr, "fuzz-list: %s\n", what);
  abort ();
}

static void
check_text (const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    fail ("a string that is not UTF-8");
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SgListPage) page = NULL;

  page = sg_pokeapi_parse_list ((const char *) data, size, &error);

  if ((page == NULL) == (error == NULL))
    fail ("a page and an error, or neither");

  if (page == NULL)
    {
      if (error->domain != SG_POKEAPI_ERROR)
        fail ("an error of another domain");
      check_text (error->message);
      return 0;
    }

  if (page->entries == NULL || page->count < -1)
    fail ("a malformed page");
  if (page->next != NULL && !sg_pokeapi_is_http_url (page->next))
    fail ("a next page that is not an http(s) URL");

  for (guint i = 0; i < page->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (page->entries, i);

      check_text (entry->name);
      check_text (entry->url);
      check_text (entry->error);

      if (entry->name != NULL && entry->name[0] == '\0')
        fail ("an empty name");
      if (entry->url != NULL && !sg_pokeapi_is_http_url (entry->url))
        fail ("an entry URL that is not http(s)");
      if (entry->url == NULL && entry->id != 0)
        fail ("an id without a URL");
      if (entry->id > G_MAXINT32)
        fail ("an id out of range");
      if (entry->error == NULL && (entry->name == NULL || entry->url == NULL))
        fail ("an entry with neither a name and a URL nor an error");
      if (entry->error != NULL && entry->error[0] == '\0')
        fail ("an empty error");
    }

  return 0;
}
