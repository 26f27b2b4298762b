/* sg-downloader.h: the run: the list, a bounded queue of requests, statistics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include <gdk/gdk.h>

#include "sg-pokemon.h"
#include "sg-types.h"

G_BEGIN_DECLS

#define SG_TYPE_DOWNLOADER (sg_downloader_get_type ())
#define SG_DOWNLOADER_ERROR (sg_downloader_error_quark ())

G_DECLARE_FINAL_TYPE (SgDownloader, sg_downloader, SG, DOWNLOADER, GObject)

typedef enum {
  SG_DOWNLOADER_ERROR_LIST,    /* the list could not be fetched or parsed */
  SG_DOWNLOADER_ERROR_FOLDER,  /* the download folder is unusable */
  SG_DOWNLOADER_ERROR_BUSY,    /* a run is already going */
  SG_DOWNLOADER_ERROR_OFFLINE, /* the server could not be reached at all */
  SG_DOWNLOADER_ERROR_NO_SPRITE, /* the Pokémon has no sprite of that variant */
} SgDownloaderError;

#define SG_DEFAULT_BASE_URL "https://pokeapi.co/api/v2/"
#define SG_DEFAULT_LIMIT    100
#define SG_DEFAULT_WORKERS  8
#define SG_MIN_WORKERS      1
#define SG_MAX_WORKERS      32

typedef struct {
  guint  requested;      /* items in the list */
  guint  downloaded;     /* sprites written this run */
  guint  stored;         /* already present and kept */
  guint  missing;        /* no sprite to download */
  guint  failed;
  gint64 t_start_us;     /* monotonic */
  gint64 t_first_us;     /* monotonic; 0 when no sprite was written */
  gint64 t_end_us;       /* monotonic; 0 while running */
  guint  requests;       /* HTTP requests sent, retries and redirects included */
  guint  max_in_flight;
  guint  stored_shown;   /* items shown from the library before any network answer */
  gint64 t_stored_us;    /* monotonic; every stored item in the model with its texture */
  guint  not_modified;   /* stored files the server confirmed (304) */
  guint  updated;        /* stored files the server had changed, fetched again */
} SgRunStats;

/* Properties (set them between runs; a run reads them when it starts):
 *   base-url (string), limit (uint, 0 = the server's count), workers (uint 1–32),
 *   variant (SgVariant as uint), folder (string),
 *   decode-textures (bool: give each item a GdkTexture; off in headless mode),
 *   deadline-ms, io-timeout-ms, backoff-ms (uint; the HTTP limits, tests shorten them).
 *   index-path (string: the library index; default from the folder).
 * Read-only: running (bool), n-finished (uint), requested (uint),
 *   offline (bool: the last run could not reach the server),
 *   server-count (uint: the server's record count, from the list or the
 *   index; 0 when unknown).
 * Signals (main thread):
 *   list-loaded ()                  the items model holds every entry
 *   item-finished (SgPokemon *item) the item reached its final state
 *   run-finished (GError *error)    just before the run's task completes; error NULL on success
 *
 * The items model (GListStore of SgPokemon) is filled in Pokédex order when a
 * run starts, from the library index (stored sprites first, decoded off the
 * main thread), and again when the list arrives if it differs. */
GQuark            sg_downloader_error_quark  (void);
SgDownloader     *sg_downloader_new          (void);
char             *sg_downloader_dup_default_folder (void);
GListModel       *sg_downloader_get_items    (SgDownloader        *self);
const SgRunStats *sg_downloader_get_stats    (SgDownloader        *self);
gboolean          sg_downloader_is_running   (SgDownloader        *self);
guint             sg_downloader_get_n_finished (SgDownloader      *self);
void              sg_downloader_run_async    (SgDownloader        *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean          sg_downloader_run_finish   (SgDownloader        *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Moves the item's queued request to the front: what is on screen comes
 * first. Does nothing when it is not queued. */
void              sg_downloader_prioritize   (SgDownloader        *self,
                                              SgPokemon           *item);

/* Another variant of one item, for the detail view: from the library when
 * stored, else downloaded into it. Works with or without a run going. */
void              sg_downloader_fetch_variant_async  (SgDownloader        *self,
                                                      SgPokemon           *item,
                                                      SgVariant            variant,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GdkTexture       *sg_downloader_fetch_variant_finish (SgDownloader        *self,
                                                      GAsyncResult        *result,
                                                      char               **path,
                                                      GError             **error);

/* The library's disk usage (PNG files of every variant, and the index). */
void              sg_downloader_measure_library_async  (SgDownloader        *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean          sg_downloader_measure_library_finish (SgDownloader        *self,
                                                        GAsyncResult        *result,
                                                        guint64             *bytes,
                                                        guint               *n_files,
                                                        GError             **error);

/* Removes the sprites this app stored (every variant) and the index, and
 * empties the items model. Fails with BUSY while a run is going. */
void              sg_downloader_clear_library_async  (SgDownloader        *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean          sg_downloader_clear_library_finish (SgDownloader        *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

guint             sg_downloader_get_n_stored   (SgDownloader      *self);
gboolean          sg_downloader_get_offline    (SgDownloader      *self);
guint             sg_downloader_get_server_count (SgDownloader    *self);

G_END_DECLS
