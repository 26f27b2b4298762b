/* sg-search.h: what a search query matches, without any widget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SgSearchQuery SgSearchQuery;

/* How the set of matches changed from one query to the next; the window maps
 * it onto GtkFilterChange, so a longer query only looks at what matched. */
typedef enum {
  SG_SEARCH_CHANGE_NONE,         /* the same matches */
  SG_SEARCH_CHANGE_MORE_STRICT,  /* a subset of the previous matches */
  SG_SEARCH_CHANGE_LESS_STRICT,  /* a superset of the previous matches */
  SG_SEARCH_CHANGE_DIFFERENT,
} SgSearchChange;

char           *sg_search_fold           (const char          *text);

SgSearchQuery  *sg_search_query_new      (const char          *text);
void            sg_search_query_free     (SgSearchQuery       *query);
gboolean        sg_search_query_is_empty (const SgSearchQuery *query);
gboolean        sg_search_query_matches  (const SgSearchQuery *query,
                                          guint                id,
                                          const char          *folded_name);
SgSearchChange  sg_search_query_compare  (const SgSearchQuery *old_query,
                                          const SgSearchQuery *new_query);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SgSearchQuery, sg_search_query_free)

G_END_DECLS
