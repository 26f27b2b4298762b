/* detail-oracle.h: sg_pokeapi_parse_detail() against its json-glib reference
 *
 * Shared by test-pokeapi.c and fuzz-detail.c, header-only so that each links
 * only the core library.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "sg-pokeapi.h"
#include "sg-pokeapi-private.h"

#define DETAIL_NOT_JSON_PREFIX "The detail is not valid JSON"

/* NULL when both parsers give the same result for @data: both fail with the
 * same code (and the same message, but for the reason json-glib gives in
 * parentheses after a syntax error), or both succeed with equal fields.
 * Otherwise a description of the difference, to free. */
static inline char *
detail_oracle_disagreement (const char *data,
                            gsize       length)
{
  g_autoptr(GError) scan_error = NULL;
  g_autoptr(GError) dom_error = NULL;
  g_autoptr(SgDetail) scan = NULL;
  g_autoptr(SgDetail) dom = NULL;

  scan = sg_pokeapi_parse_detail (data, length, &scan_error);
  dom = sg_pokeapi_parse_detail_dom (data, length, &dom_error);

  if ((scan == NULL) != (scan_error != NULL) || (dom == NULL) != (dom_error != NULL))
    return g_strdup ("a result and an error, or neither");

  if ((scan_error != NULL && !g_utf8_validate (scan_error->message, -1, NULL)) ||
      (dom_error != NULL && !g_utf8_validate (dom_error->message, -1, NULL)))
    return g_strdup ("an error message that is not UTF-8");

  if (scan == NULL || dom == NULL)
    {
      if (scan != NULL || dom != NULL)
        return g_strdup_printf ("scanner: %s; DOM: %s",
                                scan_error ? scan_error->message : "success",
                                dom_error ? dom_error->message : "success");

      if (scan_error->domain != SG_POKEAPI_ERROR || dom_error->domain != SG_POKEAPI_ERROR ||
          scan_error->code != dom_error->code)
        return g_strdup_printf ("scanner: %s; DOM: %s", scan_error->message, dom_error->message);

      if (scan_error->code == SG_POKEAPI_ERROR_INVALID_JSON)
        {
          /* Same sentence; only the reason in parentheses may differ */
          if (!g_str_has_prefix (scan_error->message, DETAIL_NOT_JSON_PREFIX) ||
              !g_str_has_prefix (dom_error->message, DETAIL_NOT_JSON_PREFIX) ||
              (strchr (dom_error->message, '(') == NULL &&
               strchr (scan_error->message, '(') == NULL &&
               strcmp (scan_error->message, dom_error->message) != 0))
            return g_strdup_printf ("scanner: %s; DOM: %s",
                                    scan_error->message, dom_error->message);
        }
      else if (strcmp (scan_error->message, dom_error->message) != 0)
        {
          return g_strdup_printf ("scanner: %s; DOM: %s", scan_error->message, dom_error->message);
        }

      return NULL;
    }

  if (scan->id != dom->id)
    return g_strdup_printf ("id: %u != %u", scan->id, dom->id);
  if (g_strcmp0 (scan->name, dom->name) != 0)
    return g_strdup_printf ("name: %s != %s", scan->name, dom->name);
  if (scan->height != dom->height || scan->weight != dom->weight)
    return g_strdup_printf ("height, weight: %u, %u != %u, %u",
                            scan->height, scan->weight, dom->height, dom->weight);
  if (scan->types == NULL || dom->types == NULL ||
      !g_strv_equal ((const char * const *) scan->types, (const char * const *) dom->types))
    {
      g_autofree char *a = scan->types ? g_strjoinv (",", scan->types) : g_strdup ("(null)");
      g_autofree char *b = dom->types ? g_strjoinv (",", dom->types) : g_strdup ("(null)");

      return g_strdup_printf ("types: %s != %s", a, b);
    }
  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      if (g_strcmp0 (scan->sprite_urls[v], dom->sprite_urls[v]) != 0)
        return g_strdup_printf ("sprite %u: %s != %s", v,
                                scan->sprite_urls[v], dom->sprite_urls[v]);
    }

  return NULL;
}
