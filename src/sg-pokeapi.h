/* sg-pokeapi.h: PokeAPI URLs and JSON bodies turned into plain structs
 *
 * Pure functions with no I/O, safe to call from any thread and fuzzed:
 * every byte they read came from the network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "sg-types.h"

G_BEGIN_DECLS

#define SG_POKEAPI_ERROR (sg_pokeapi_error_quark ())

typedef enum {
  SG_POKEAPI_ERROR_INVALID_JSON,   /* not JSON at all */
  SG_POKEAPI_ERROR_INVALID_DATA,   /* JSON, but not of the expected shape */
} SgPokeapiError;

typedef struct {
  char  *name;   /* (nullable): NULL when the entry is malformed */
  char  *url;    /* (nullable): the detail URL, verbatim; NULL when malformed */
  guint  id;     /* from the URL's last path segment; 0 when it has none */
  char  *error;  /* (nullable): why this one entry cannot be used */
} SgListEntry;

typedef struct {
  gint64     count;    /* the server's record count, -1 when absent */
  char      *next;     /* (nullable): the next page's URL */
  GPtrArray *entries;  /* (element-type SgListEntry) */
} SgListPage;

typedef struct {
  guint   id;
  char   *name;
  char  **types;                       /* type names in slot order; never NULL */
  guint   height;                      /* decimetres, 0 when absent */
  guint   weight;                      /* hectograms, 0 when absent */
  char   *sprite_urls[SG_N_VARIANTS];  /* (nullable) each: NULL means no sprite */
} SgDetail;

GQuark      sg_pokeapi_error_quark   (void);

char       *sg_pokeapi_detail_url    (const char   *base_url,
                                      const char   *id);
char       *sg_pokeapi_list_url      (const char   *base_url,
                                      guint         limit);
gboolean    sg_pokeapi_is_http_url   (const char   *url);

SgListPage *sg_pokeapi_parse_list    (const char   *data,
                                      gsize         length,
                                      GError      **error);
void        sg_list_page_free        (SgListPage   *page);
void        sg_list_entry_free       (SgListEntry  *entry);  /* NULL-safe */

SgDetail   *sg_pokeapi_parse_detail  (const char   *data,
                                      gsize         length,
                                      GError      **error);
void        sg_detail_free           (SgDetail     *detail);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SgListPage, sg_list_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SgDetail, sg_detail_free)

G_END_DECLS
