/* sg-library-index.h: what the library holds: per Pokémon its details and,
 * per stored file, its validators and when it was last checked
 *
 * The index is a JSON file written atomically. An index is an object of the
 * main thread; loading and writing the file are plain blocking functions for
 * workers, which hand a whole index (or its JSON text) across threads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sg-types.h"

G_BEGIN_DECLS

#define SG_TYPE_LIBRARY_INDEX (sg_library_index_get_type ())

G_DECLARE_FINAL_TYPE (SgLibraryIndex, sg_library_index, SG, LIBRARY_INDEX, GObject)

/* PokeAPI sends `Cache-Control: public, max-age=86400`; without one we
 * revalidate once a day too. */
#define SG_INDEX_DEFAULT_MAX_AGE (24 * 60 * 60)

typedef struct {
  char   *etag;           /* (nullable) */
  char   *last_modified;  /* (nullable) */
  gint64  checked;        /* Unix seconds of the last fetch or revalidation */
  gint64  max_age;        /* seconds the server said the file stays fresh */
} SgIndexFile;

typedef struct {
  guint        id;
  char        *name;
  char       **types;                       /* never NULL */
  guint        height;
  guint        weight;
  char        *sprite_urls[SG_N_VARIANTS];  /* (nullable) each */
  SgIndexFile *files[SG_N_VARIANTS];        /* (nullable) each: NULL when not stored */
  gboolean     has_detail;                  /* sprite_urls, types, height, weight are known */
} SgIndexEntry;

/* The last list the server sent, so a launch shows the library (and a
 * launch within max-age sends nothing) before the list is asked again. */
typedef struct {
  char      *base_url;
  guint      limit;      /* what was asked for; 0 = all */
  gint64     count;      /* the server's record count, -1 unknown */
  char      *etag;       /* (nullable) of the first page */
  char      *last_modified; /* (nullable) of the first page */
  gint64     checked;    /* Unix seconds */
  gint64     max_age;
  GPtrArray *entries;    /* (element-type SgIndexListEntry) in list order */
} SgIndexList;

typedef struct {
  guint  id;
  char  *name;
  char  *url;
} SgIndexListEntry;

SgLibraryIndex *sg_library_index_new          (void);
SgLibraryIndex *sg_library_index_load         (const char      *path,
                                               const char      *folder,
                                               gint64           now,
                                               gboolean        *rebuilt);
SgLibraryIndex *sg_library_index_rebuild      (const char      *folder,
                                               gint64           now);
char           *sg_library_index_to_json      (SgLibraryIndex  *self);
gboolean        sg_library_index_write        (const char      *path,
                                               const char      *json,
                                               GError         **error);
guint           sg_library_index_get_n_entries (SgLibraryIndex *self);
GPtrArray      *sg_library_index_dup_entries  (SgLibraryIndex  *self);
SgIndexEntry   *sg_library_index_lookup       (SgLibraryIndex  *self,
                                               guint            id);
SgIndexEntry   *sg_library_index_ensure       (SgLibraryIndex  *self,
                                               guint            id,
                                               const char      *name);
void            sg_library_index_set_file     (SgLibraryIndex  *self,
                                               guint            id,
                                               SgVariant        variant,
                                               const char      *etag,
                                               const char      *last_modified,
                                               gint64           checked,
                                               gint64           max_age);
void            sg_library_index_clear_file   (SgLibraryIndex  *self,
                                               guint            id,
                                               SgVariant        variant);
gboolean        sg_index_file_is_fresh        (const SgIndexFile *file,
                                               gint64           now);

void            sg_library_index_set_detail   (SgLibraryIndex  *self,
                                               guint            id,
                                               const char      *name,
                                               const char * const *types,
                                               guint            height,
                                               guint            weight,
                                               const char * const *sprite_urls);
/* (transfer none) (nullable) */
const SgIndexList *sg_library_index_get_list  (SgLibraryIndex  *self);
/* @entries: (element-type SgIndexListEntry) (transfer full) */
void            sg_library_index_set_list     (SgLibraryIndex  *self,
                                               const char      *base_url,
                                               guint            limit,
                                               gint64           count,
                                               GPtrArray       *entries,
                                               const char      *etag,
                                               const char      *last_modified,
                                               gint64           checked,
                                               gint64           max_age);
void            sg_library_index_touch_list   (SgLibraryIndex  *self,
                                               gint64           checked,
                                               gint64           max_age);
gboolean        sg_library_index_list_is_fresh (SgLibraryIndex *self,
                                               gint64           now);
SgIndexListEntry *sg_index_list_entry_new     (guint            id,
                                               const char      *name,
                                               const char      *url);
void            sg_index_list_entry_free      (SgIndexListEntry *entry);
void            sg_library_index_clear        (SgLibraryIndex  *self);

G_END_DECLS
