/* sg-search.c: what a search query matches, without any widget
 *
 * A name matches when the folded query is a substring of the folded name.
 * Folding lowercases (full case folding: "ß" is "ss"), strips accents
 * ("Flabébé" is "flabebe") and keeps only letters and digits, so "mr mime",
 * "Mr. Mime" and "mr-mime" are one query. A query of digits, with or without
 * a "#" and leading zeros ("25", "025", "#025"), also matches the Pokémon of
 * that number; with the "#" it matches only the number.
 *
 * The window folds the query once per keystroke and each name once, then
 * only compares bytes, so filtering a thousand tiles stays cheap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-search"

#include "config.h"

#include <string.h>

#include "sg-search.h"

struct _SgSearchQuery
{
  char     *folded;        /* (owned): never NULL; "" matches everything */
  guint     number;
  gboolean  has_number;    /* the folded query is all digits */
  gboolean  number_valid;  /* and they fit a guint */
  gboolean  number_only;   /* a "#" came first: not a part of a name */
};

static gboolean
is_mark (gunichar c)
{
  switch ((int) g_unichar_type (c))
    {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
      return TRUE;

    default:
      return FALSE;
    }
}

/**
 * sg_search_fold:
 * @text: (nullable): any bytes; invalid UTF-8 is replaced, not trusted
 *
 * Returns: (transfer full): @text case-folded, decomposed without its
 *   accents, and without anything but letters and digits
 */
char *
sg_search_fold (const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *casefolded = NULL;
  g_autofree char *decomposed = NULL;
  GString *folded;

  if (text == NULL || *text == '\0')
    return g_strdup ("");

  /* Names come from the network and queries from a paste: neither is
   * promised to be valid UTF-8, which the functions below require. */
  valid = g_utf8_make_valid (text, -1);
  /* Case first: folding may produce a combining mark ("İ" → "i̇"), which the
   * decomposition then exposes and the loop drops. */
  casefolded = g_utf8_casefold (valid, -1);
  /* Compatibility decomposition: "é" → "e" + U+0301, "ﬁ" → "fi", "２" → "2". */
  decomposed = g_utf8_normalize (casefolded, -1, G_NORMALIZE_ALL);
  if (decomposed == NULL)
    return g_strdup ("");

  folded = g_string_sized_new (strlen (decomposed));
  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_mark (c) || !g_unichar_isalnum (c))
        continue;

      g_string_append_unichar (folded, c);
    }

  return g_string_free (folded, FALSE);
}

/**
 * sg_search_query_new:
 * @text: (nullable): what the user typed
 *
 * Returns: (transfer full): the query, folded once
 */
SgSearchQuery *
sg_search_query_new (const char *text)
{
  SgSearchQuery *query = g_new0 (SgSearchQuery, 1);
  const char *p;

  query->folded = sg_search_fold (text);

  if (query->folded[0] == '\0')
    return query;

  query->has_number = TRUE;
  for (p = query->folded; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      {
        query->has_number = FALSE;
        break;
      }

  if (query->has_number)
    {
      guint64 number;

      /* Fifty digits are still a query, just one that no number matches. */
      query->number_valid = g_ascii_string_to_unsigned (query->folded, 10, 0, G_MAXUINT,
                                                        &number, NULL);
      query->number = query->number_valid ? (guint) number : 0;

      for (p = text; g_ascii_isspace (*p); p++)
        ;
      query->number_only = *p == '#';
    }

  return query;
}

void
sg_search_query_free (SgSearchQuery *query)
{
  if (query == NULL)
    return;

  g_free (query->folded);
  g_free (query);
}

/* TRUE when the query matches everything: nothing but spaces and punctuation. */
gboolean
sg_search_query_is_empty (const SgSearchQuery *query)
{
  g_return_val_if_fail (query != NULL, TRUE);

  return query->folded[0] == '\0';
}

/**
 * sg_search_query_matches:
 * @query: a query
 * @id: the Pokémon's number; 0 when unknown
 * @folded_name: (nullable): its name, through sg_search_fold()
 */
gboolean
sg_search_query_matches (const SgSearchQuery *query,
                         guint                id,
                         const char          *folded_name)
{
  g_return_val_if_fail (query != NULL, FALSE);

  if (query->folded[0] == '\0')
    return TRUE;

  if (query->has_number && query->number_valid && id != 0 && id == query->number)
    return TRUE;

  if (query->number_only)
    return FALSE;

  return folded_name != NULL && strstr (folded_name, query->folded) != NULL;
}

static gboolean
queries_equal (const SgSearchQuery *a,
               const SgSearchQuery *b)
{
  return g_str_equal (a->folded, b->folded) && a->number_only == b->number_only;
}

/**
 * sg_search_query_compare:
 * @old_query: (nullable): the query before; NULL is the empty query
 * @new_query: (nullable): the query now
 *
 * Returns: how the matches of @new_query relate to those of @old_query
 */
SgSearchChange
sg_search_query_compare (const SgSearchQuery *old_query,
                         const SgSearchQuery *new_query)
{
  gboolean old_empty = old_query == NULL || sg_search_query_is_empty (old_query);
  gboolean new_empty = new_query == NULL || sg_search_query_is_empty (new_query);

  if (old_empty && new_empty)
    return SG_SEARCH_CHANGE_NONE;
  if (old_empty)
    return SG_SEARCH_CHANGE_MORE_STRICT;
  if (new_empty)
    return SG_SEARCH_CHANGE_LESS_STRICT;
  if (queries_equal (old_query, new_query))
    return SG_SEARCH_CHANGE_NONE;

  /* A number matches by equality: "25" does not match all that "2" does
   * (#025 is no match of "2"), so only text narrows or widens. */
  if (old_query->has_number || new_query->has_number)
    return SG_SEARCH_CHANGE_DIFFERENT;

  if (strstr (new_query->folded, old_query->folded) != NULL)
    return SG_SEARCH_CHANGE_MORE_STRICT;
  if (strstr (old_query->folded, new_query->folded) != NULL)
    return SG_SEARCH_CHANGE_LESS_STRICT;

  return SG_SEARCH_CHANGE_DIFFERENT;
}
