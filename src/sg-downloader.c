/* sg-downloader.c: the run: the list, a bounded queue of requests, statistics
 *
 * The scheduler lives on the main thread; workers only run jobs.
 *
 *   library index (the last list, details, validators) ──► items at once
 *   list pages (only when the cached list is stale) ──► items if it changed
 *        │                        scan of stored files (decoded off the main thread)
 *        ▼                                                  │
 *   queue of requests (details, each detail's sprite at the front; stale
 *   stored files revalidated with If-None-Match at the back)
 *        │ at most W in flight: one GTask per request, its work run on a
 *        │ GThreadPool of W threads (GLib's shared pool runs ~10 at once)
 *        ▼
 *   worker: GET ─► parse / check PNG ─► decode ─► write atomically
 *        │ each GTask completes on the main context
 *        ▼
 *   main thread: update the SgPokemon, queue the next request, count
 *
 * Scheduling requests rather than items keeps W requests in flight whenever W
 * are waiting, which is what reaches the bound (1 + ⌈2N/W⌉)·latency.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-downloader"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-downloader.h"
#include "sg-http.h"
#include "sg-image.h"
#include "sg-library.h"
#include "sg-library-index.h"
#include "sg-pokeapi.h"
#include "sg-pokemon.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

/* A list that never ends (a `next` loop, a server inventing entries) must not
 * grow without bound: PokeAPI has about 1300 records. */
#define MAX_LIST_ENTRIES 100000
#define MAX_LIST_PAGES   1000
/* Page size when asked for everything (limit 0). */
#define ALL_PAGE_SIZE    1000
/* Stored sprites are decoded off the main thread in batches of this many. */
#define LOAD_BATCH       64
/* During a run the index is written at most this often; a kill loses at
 * most this much of it, and the folder scan makes up for that. */
#define INDEX_WRITE_INTERVAL_S 2

typedef enum {
  JOB_LIST,
  JOB_DETAIL,
  JOB_SPRITE,
  JOB_REVALIDATE,  /* a stored sprite past its max-age */
} JobKind;

/* Immutable once queued: a worker reads it, never writes it. */
typedef struct {
  JobKind    kind;
  guint      index;        /* the item, for all but JOB_LIST */
  guint      generation;   /* of the items model it was queued for */
  char      *url;
  char      *relpath;      /* JOB_SPRITE, JOB_REVALIDATE: where it is stored */
  char      *etag;         /* (nullable) validators to send */
  char      *last_modified;
  gboolean   then_revalidate; /* JOB_DETAIL of a stored item: revalidate next */
  SgHttp    *http;         /* (owned) */
  SgLibrary *library;      /* (owned) */
  gboolean   decode;
} Job;

typedef struct {
  SgListPage      *page;   /* (owned) (nullable): NULL when not modified */
  SgHttpCacheInfo  cache;
} ListResult;

typedef struct {
  GdkTexture      *texture;  /* (owned) (nullable) */
  char            *path;     /* (owned) */
  gboolean         written;  /* FALSE when the file was already stored */
  gboolean         not_modified; /* JOB_REVALIDATE: the stored file is current */
  SgHttpCacheInfo  cache;
} SpriteResult;

struct _SgDownloader
{
  GObject       parent_instance;

  /* Settings, read when a run starts. */
  char         *base_url;
  guint         limit;
  guint         workers;
  SgVariant     variant;
  char         *folder;
  gboolean      decode_textures;
  guint         deadline_ms;
  guint         io_timeout_ms;
  guint         backoff_ms;
  char         *index_path;   /* (nullable): NULL means next to the default folder */

  GListStore   *items;        /* (owned) of SgPokemon */
  GPtrArray    *item_array;   /* (owned) the same items, for indexing */
  GThreadPool  *pool;         /* (owned) runs the requests' work */
  SgLibraryIndex *index;      /* (owned) (nullable): loaded by the first run */
  char         *loaded_index_path; /* (owned) (nullable): where it came from */
  gboolean      index_dirty;
  gboolean      index_writing;
  guint         index_timeout_id;
  SgHttp       *service_http; /* (owned) (nullable): for requests between runs */
  gboolean      offline;
  guint         server_count;

  /* The current run; all NULL/0 between runs. */
  GTask        *run_task;     /* (owned) (nullable) */
  GCancellable *cancellable;  /* (owned) (nullable): ours, cancelled with the caller's */
  GCancellable *caller_cancellable; /* (owned) (nullable) */
  GCancellable *scan_cancellable; /* (owned) (nullable): the library scan's; a stopped
                                   * or failed run still shows what is stored */
  gulong        caller_cancelled_id;
  SgHttp       *http;         /* (owned) (nullable) */
  SgLibrary    *library;      /* (owned) (nullable) */
  GQueue        queue;        /* of Job*, not yet started */
  guint         in_flight;    /* requests running */
  guint         pending_local;/* scans and loads of stored files running */
  GPtrArray    *entries;      /* (owned) (nullable) SgListEntry: the items' entries */
  GPtrArray    *paging;       /* (owned) (nullable) SgListEntry, while paging */
  guint         pages;
  GHashTable   *claimed;      /* (owned) relpath → item index + 1 */
  guint         n_finished;
  SgRunStats    stats;
  GError       *run_error;    /* (owned) (nullable) first fatal error */
  gboolean      list_done;    /* the items model holds the whole list */
  gboolean      list_confirmed; /* ...and it is the server's current one */
  gboolean      list_from_cache;
  gboolean      answered;     /* the network has answered once this run */
  guint         generation;   /* bumped when the items model is replaced */
  GArray       *waiting;      /* (owned) item indices to fetch once the list is confirmed */
  GArray       *waiting_revalidate; /* (owned) likewise, to revalidate */
  guint         decoding;     /* batches of stored sprites being decoded */
  char         *run_base_url; /* (owned) (nullable) */
  SgVariant     run_variant;
  guint         run_limit;
  guint         run_workers;
};

G_DEFINE_FINAL_TYPE (SgDownloader, sg_downloader, G_TYPE_OBJECT)

G_DEFINE_QUARK (sg-downloader-error-quark, sg_downloader_error)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_LIMIT,
  PROP_WORKERS,
  PROP_VARIANT,
  PROP_FOLDER,
  PROP_DECODE_TEXTURES,
  PROP_DEADLINE_MS,
  PROP_IO_TIMEOUT_MS,
  PROP_BACKOFF_MS,
  PROP_INDEX_PATH,
  PROP_RUNNING,
  PROP_N_FINISHED,
  PROP_REQUESTED,
  PROP_OFFLINE,
  PROP_SERVER_COUNT,
  N_PROPS
};

enum {
  LIST_LOADED,
  ITEM_FINISHED,
  RUN_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void pump (SgDownloader *self);
static void maybe_complete (SgDownloader *self);
static void mark_index_dirty (SgDownloader *self);

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->url);
  g_free (job->relpath);
  g_free (job->etag);
  g_free (job->last_modified);
  g_clear_object (&job->http);
  g_clear_object (&job->library);
  g_free (job);
}

static void
sprite_result_free (gpointer data)
{
  SpriteResult *result = data;

  g_clear_object (&result->texture);
  g_free (result->path);
  sg_http_cache_info_clear (&result->cache);
  g_free (result);
}

static void
list_result_free (gpointer data)
{
  ListResult *result = data;

  g_clear_pointer (&result->page, sg_list_page_free);
  sg_http_cache_info_clear (&result->cache);
  g_free (result);
}

static Job *
job_new (SgDownloader *self,
         JobKind       kind,
         guint         index,
         const char   *url)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->index = index;
  job->generation = self->generation;
  job->url = g_strdup (url);
  job->http = g_object_ref (self->http);
  job->library = g_object_ref (self->library);
  job->decode = self->decode_textures;

  return job;
}

/* ── Worker side ───────────────────────────────────────────────────────── */

static void
run_list_job (GTask *task,
              Job   *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  ListResult *result = g_new0 (ListResult, 1);
  gsize length;
  const char *data;

  result->cache.max_age = -1;
  body = sg_http_get_conditional (job->http, job->url, SG_HTTP_MAX_JSON_BYTES,
                                  job->etag, job->last_modified, &result->cache,
                                  g_task_get_cancellable (task), &error);
  if (body == NULL || result->cache.not_modified)
    {
      if (body == NULL)
        {
          list_result_free (result);
          g_task_return_error (task, g_steal_pointer (&error));
        }
      else
        g_task_return_pointer (task, result, list_result_free);
      return;
    }

  data = g_bytes_get_data (body, &length);
  result->page = sg_pokeapi_parse_list (data, length, &error);
  if (result->page == NULL)
    {
      list_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    g_task_return_pointer (task, result, list_result_free);
}

static void
run_detail_job (GTask *task,
                Job   *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SgDetail *detail;
  gsize length;
  const char *data;

  body = sg_http_get (job->http, job->url, SG_HTTP_MAX_JSON_BYTES,
                      g_task_get_cancellable (task), &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_bytes_get_data (body, &length);
  detail = sg_pokeapi_parse_detail (data, length, &error);
  if (detail == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, detail, (GDestroyNotify) sg_detail_free);
}

static GdkTexture *
load_stored (SgLibrary  *library,
             const char *relpath,
             GError    **error)
{
  g_autofree char *path = g_build_filename (sg_library_get_folder (library), relpath, NULL);
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;

  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return NULL;
  bytes = g_mapped_file_get_bytes (file);

  return sg_image_decode (bytes, error);
}

static gboolean
same_as_stored (const char *path,
                GBytes     *body)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);

  return file != NULL &&
         g_mapped_file_get_length (file) == g_bytes_get_size (body) &&
         memcmp (g_mapped_file_get_contents (file), g_bytes_get_data (body, NULL),
                 g_bytes_get_size (body)) == 0;
}

/* Only a file that is not a whole PNG is set aside: one that could not be
 * read just now (EMFILE, EIO) is still the user's sprite. */
static gboolean
is_invalid_image (const GError *error)
{
  return error != NULL &&
         error->domain != G_FILE_ERROR && error->domain != G_IO_ERROR &&
         !g_error_matches (error, SG_IMAGE_ERROR, SG_IMAGE_ERROR_TOO_LARGE);
}

static void
run_sprite_job (GTask *task,
                Job   *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  SpriteResult *result;

  /* Already stored (a previous run, or another name for the same file):
   * nothing to fetch. */
  if (job->kind == JOB_SPRITE && sg_library_has_valid_sprite (job->library, job->relpath))
    {
      if (job->decode)
        texture = load_stored (job->library, job->relpath, NULL);

      if (!job->decode || texture != NULL)
        {
          result = g_new0 (SpriteResult, 1);
          result->texture = g_steal_pointer (&texture);
          result->path = g_build_filename (sg_library_get_folder (job->library),
                                           job->relpath, NULL);
          g_task_return_pointer (task, result, sprite_result_free);
          return;
        }
    }

  result = g_new0 (SpriteResult, 1);
  result->cache.max_age = -1;
  body = sg_http_get_conditional (job->http, job->url, SG_HTTP_MAX_IMAGE_BYTES,
                                  job->etag, job->last_modified, &result->cache,
                                  cancellable, &error);
  if (body == NULL)
    {
      sprite_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result->path = g_build_filename (sg_library_get_folder (job->library), job->relpath, NULL);

  /* 304: the stored file stays untouched. */
  if (result->cache.not_modified)
    {
      result->not_modified = TRUE;
      g_task_return_pointer (task, result, sprite_result_free);
      return;
    }

  /* A server without validators answers 200 again: the same bytes are not
   * written (or shown) again either. */
  if (job->kind == JOB_REVALIDATE && same_as_stored (result->path, body))
    {
      result->not_modified = TRUE;
      g_task_return_pointer (task, result, sprite_result_free);
      return;
    }

  /* Decoding is the only full check that a PNG is whole; the header check in
   * sg_image_decode() runs first, so a huge image is never decoded. */
  texture = sg_image_decode (body, &error);
  if (texture == NULL)
    {
      sprite_result_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!sg_library_store (job->library, job->relpath, body, cancellable, &error))
    {
      sprite_result_free (result);
      /* A full disk, a read-only or vanished folder fails every sprite
       * after this one too: the run stops (job_done()) with one clear
       * error instead of failing a thousand items. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_READ_ONLY) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER,
                                 "%s", error->message);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result->texture = job->decode ? g_steal_pointer (&texture) : NULL;
  result->written = TRUE;
  g_task_return_pointer (task, result, sprite_result_free);
}

/* Workers parse and decode in bursts (W responses tend to land together);
 * at a lower priority they never keep the main loop from drawing. */
static void
lower_thread_priority (void)
{
#ifdef __linux__
  static GPrivate lowered;

  if (g_private_get (&lowered) == NULL)
    {
      /* On Linux the nice value is per thread. */
      setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 5);
      g_private_set (&lowered, GINT_TO_POINTER (1));
    }
#endif
}

/* GThreadPool function: runs one request's GTask and drops the pool's ref. */
static void
run_job (gpointer data,
         gpointer pool_data)
{
  g_autoptr(GTask) task = data;
  Job *job = g_task_get_task_data (task);

  lower_thread_priority ();

  if (g_task_return_error_if_cancelled (task))
    return;

  switch (job->kind)
    {
    case JOB_LIST:
      run_list_job (task, job);
      break;

    case JOB_DETAIL:
      run_detail_job (task, job);
      break;

    case JOB_SPRITE:
    case JOB_REVALIDATE:
      run_sprite_job (task, job);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* ── Main thread ───────────────────────────────────────────────────────── */

static gboolean
is_cancelled (SgDownloader *self)
{
  return self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
finish_item (SgDownloader *self,
             guint         index,
             SgItemState   state,
             GdkTexture   *texture,
             const char   *path,
             const char   *reason)
{
  SgPokemon *item = g_ptr_array_index (self->item_array, index);

  if (sg_item_state_is_final (sg_pokemon_get_state (item)))
    {
      g_critical ("Item %u finished twice", index);
      return;
    }

  switch (state)
    {
    case SG_ITEM_STATE_DOWNLOADED:
      self->stats.downloaded++;
      if (self->stats.t_first_us == 0)
        self->stats.t_first_us = g_get_monotonic_time ();
      break;

    case SG_ITEM_STATE_STORED:
      self->stats.stored++;
      if (!self->answered)
        self->stats.stored_shown++;
      break;

    case SG_ITEM_STATE_MISSING:
      self->stats.missing++;
      break;

    case SG_ITEM_STATE_FAILED:
      self->stats.failed++;
      g_debug ("#%u %s failed: %s", sg_pokemon_get_id (item), sg_pokemon_get_name (item), reason);
      break;

    case SG_ITEM_STATE_PENDING:
    default:
      g_assert_not_reached ();
    }

  sg_pokemon_finish (item, state, texture, path, reason);
  self->n_finished++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FINISHED]);
  g_signal_emit (self, signals[ITEM_FINISHED], 0, item);
}

static void
fail_item (SgDownloader *self,
           guint         index,
           const char   *what,
           const GError *error)
{
  /* Translators: the first %s says which step failed, the second why */
  g_autofree char *reason = g_strdup_printf (_("%s: %s"), what, error->message);

  finish_item (self, index, SG_ITEM_STATE_FAILED, NULL, NULL, reason);
}

static void
set_offline (SgDownloader *self,
             gboolean      offline)
{
  if (self->offline == offline)
    return;

  self->offline = offline;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

static void
fail_run (SgDownloader *self,
          GError       *error)
{
  if (self->run_error == NULL)
    self->run_error = error;
  else
    g_error_free (error);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* No connection at all: the run stops with one error, and what is not
 * stored stays pending rather than failing a thousand times. */
static gboolean
check_unreachable (SgDownloader *self,
                   const GError *error,
                   gboolean      for_list)
{
  if (!g_error_matches (error, SG_HTTP_ERROR, SG_HTTP_ERROR_UNREACHABLE))
    return FALSE;

  /* Once the server has answered in this run, one address that cannot be
   * reached (a sprite host's name, a restart) fails that item, not the run. */
  if (!for_list && self->answered)
    return FALSE;

  set_offline (self, TRUE);
  if (for_list)
    fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE,
                                 _("Could not load the Pokémon list: %s"), error->message));
  else
    fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_OFFLINE,
                                 _("Lost the connection to the server: %s"), error->message));
  return TRUE;
}

static void job_done (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data);

static void
start_job (SgDownloader *self,
           Job          *job)
{
  GTask *task;

  task = g_task_new (self, self->cancellable, job_done, NULL);
  g_task_set_source_tag (task, start_job);
  /* A sprite written just as the run is stopped still counts as
   * downloaded: the worker says what happened, not the cancellable. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, job_free);
  self->in_flight++;
  g_thread_pool_push (self->pool, task, NULL);
}

static void
pump (SgDownloader *self)
{
  while (!is_cancelled (self) &&
         self->in_flight < self->run_workers &&
         !g_queue_is_empty (&self->queue))
    start_job (self, g_queue_pop_head (&self->queue));
}

static SgIndexEntry *
lookup_index_entry (SgDownloader *self,
                    guint         id,
                    const char   *name)
{
  SgIndexEntry *entry = self->index != NULL && id > 0
                        ? sg_library_index_lookup (self->index, id) : NULL;

  /* Another name under the same number is another Pokémon for us. */
  if (entry == NULL || g_strcmp0 (entry->name, name) != 0)
    return NULL;

  return entry;
}

static void
queue_revalidate (SgDownloader *self,
                  guint         index)
{
  SgPokemon *item = g_ptr_array_index (self->item_array, index);
  guint id = sg_pokemon_get_id (item);
  SgIndexEntry *entry = lookup_index_entry (self, id, sg_pokemon_get_name (item));
  SgIndexFile *file = entry != NULL ? entry->files[self->run_variant] : NULL;
  Job *job;

  if (file == NULL || sg_index_file_is_fresh (file, now_seconds ()))
    return;

  if (!entry->has_detail || entry->sprite_urls[self->run_variant] == NULL)
    {
      /* A rebuilt entry knows only the file: the detail tells the URL. */
      SgListEntry *list_entry = g_ptr_array_index (self->entries, index);

      job = job_new (self, JOB_DETAIL, index, list_entry->url);
      job->then_revalidate = TRUE;
      g_queue_push_tail (&self->queue, job);
      return;
    }

  job = job_new (self, JOB_REVALIDATE, index, entry->sprite_urls[self->run_variant]);
  job->relpath = sg_library_sprite_relpath (id, sg_pokemon_get_name (item), self->run_variant);
  job->etag = g_strdup (file->etag);
  job->last_modified = g_strdup (file->last_modified);
  /* At the back: what is missing comes before what is only old. */
  g_queue_push_tail (&self->queue, job);
}

static void
queue_sprite (SgDownloader *self,
              guint         index,
              guint         id,
              const char   *name,
              const char   *url,
              gboolean      at_front)
{
  g_autofree char *relpath = NULL;
  gpointer other;
  Job *job;

  if (url == NULL)
    {
      finish_item (self, index, SG_ITEM_STATE_MISSING, NULL, NULL, NULL);
      return;
    }

  /* Two entries must never write the same file: a duplicate, or names that
   * differ only in what the sanitiser removes. The first one keeps it. */
  relpath = sg_library_sprite_relpath (id, name, self->run_variant);
  other = g_hash_table_lookup (self->claimed, relpath);
  if (other != NULL && GPOINTER_TO_UINT (other) - 1 != index)
    {
      SgPokemon *owner = g_ptr_array_index (self->item_array, GPOINTER_TO_UINT (other) - 1);
      g_autofree char *reason = NULL;

      /* Translators: why a Pokémon failed; %u and %s are the number and
       * name of another one, as in "#122 mr-mime" */
      reason = g_strdup_printf (_("Its file would overwrite the sprite of #%u %s"),
                                sg_pokemon_get_id (owner), sg_pokemon_get_name (owner));
      finish_item (self, index, SG_ITEM_STATE_FAILED, NULL, NULL, reason);
      return;
    }
  g_hash_table_insert (self->claimed, g_strdup (relpath), GUINT_TO_POINTER (index + 1));

  job = job_new (self, JOB_SPRITE, index, url);
  job->relpath = g_steal_pointer (&relpath);
  /* After its detail, at the front: finishing started items first brings
   * the first sprite sooner and keeps the number of half-done items small.
   * Known from the index, in line like a detail, so Pokédex order holds. */
  if (at_front)
    g_queue_push_head (&self->queue, job);
  else
    g_queue_push_tail (&self->queue, job);
}

/* The detail reaches the item and the index: the grid, the detail view and
 * the next (maybe offline) launch all see it. */
static void
apply_detail (SgDownloader   *self,
              SgPokemon      *item,
              const SgDetail *detail)
{
  sg_pokemon_set_identity (item, detail->id, detail->name);
  sg_pokemon_set_types (item, (const char * const *) detail->types);
  sg_pokemon_set_details (item, detail->height, detail->weight,
                          (const char * const *) detail->sprite_urls);

  if (self->index != NULL && detail->id > 0)
    {
      sg_library_index_set_detail (self->index, detail->id, detail->name,
                                   (const char * const *) detail->types,
                                   detail->height, detail->weight,
                                   (const char * const *) detail->sprite_urls);
      mark_index_dirty (self);
    }
}

/* An item that is not stored: its sprite when the index knows the URL,
 * else its detail first. */
static void
queue_fetch (SgDownloader *self,
             guint         index)
{
  SgListEntry *list_entry = g_ptr_array_index (self->entries, index);
  SgPokemon *item = g_ptr_array_index (self->item_array, index);
  SgIndexEntry *entry = lookup_index_entry (self, sg_pokemon_get_id (item),
                                            sg_pokemon_get_name (item));

  if (entry != NULL && entry->has_detail)
    queue_sprite (self, index, entry->id, entry->name, entry->sprite_urls[self->run_variant], FALSE);
  else
    g_queue_push_tail (&self->queue, job_new (self, JOB_DETAIL, index, list_entry->url));
}

/* The list is confirmed: what waited for it is queued now. */
static void
release_waiting (SgDownloader *self)
{
  for (guint i = 0; i < self->waiting->len; i++)
    queue_fetch (self, g_array_index (self->waiting, guint, i));
  for (guint i = 0; i < self->waiting_revalidate->len; i++)
    queue_revalidate (self, g_array_index (self->waiting_revalidate, guint, i));
  g_array_set_size (self->waiting, 0);
  g_array_set_size (self->waiting_revalidate, 0);
}

/* ── Stored sprites: found and decoded off the main thread ─────────────── */

typedef struct {
  SgLibrary  *library;   /* (owned) */
  GPtrArray  *relpaths;  /* (owned) (element-type utf8) (nullable elements) */
  guint      *indices;   /* (owned) the item index of each relpath */
  gboolean    decode;
  guint       generation;
} ScanData;

typedef struct {
  guint        n;
  gboolean    *stored;    /* (array length=n) */
  GdkTexture **textures;  /* (array length=n) (nullable elements) */
} ScanResult;

static void
scan_data_free (gpointer data)
{
  ScanData *scan = data;

  g_clear_object (&scan->library);
  g_clear_pointer (&scan->relpaths, g_ptr_array_unref);
  g_free (scan->indices);
  g_free (scan);
}

static void
scan_result_free (gpointer data)
{
  ScanResult *result = data;

  for (guint i = 0; i < result->n; i++)
    g_clear_object (&result->textures[i]);
  g_free (result->textures);
  g_free (result->stored);
  g_free (result);
}

/* Disk work, so it goes to GLib's shared pool (which is GIO's), not to the
 * pool of requests. With decode unset it only checks which files are there
 * (a few µs each); with decode set it also loads their textures. A file
 * that is there but not a whole PNG is set aside, to be fetched again. */
static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ScanData *scan = task_data;
  ScanResult *result = g_new0 (ScanResult, 1);

  result->n = scan->relpaths->len;
  result->stored = g_new0 (gboolean, result->n);
  result->textures = g_new0 (GdkTexture *, result->n);

  for (guint i = 0; i < result->n; i++)
    {
      const char *relpath = g_ptr_array_index (scan->relpaths, i);

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (relpath == NULL)
        continue;
      if (!sg_library_has_valid_sprite (scan->library, relpath))
        {
          sg_library_set_aside (scan->library, relpath);
          continue;
        }

      if (scan->decode)
        {
          g_autoptr(GError) error = NULL;

          result->textures[i] = load_stored (scan->library, relpath, &error);
          result->stored[i] = result->textures[i] != NULL;
          if (!result->stored[i] && is_invalid_image (error))
            sg_library_set_aside (scan->library, relpath);
        }
      else
        result->stored[i] = TRUE;
    }

  g_task_return_pointer (task, result, scan_result_free);
}

static void scan_done   (GObject      *object,
                         GAsyncResult *res,
                         gpointer      user_data);
static void scan_stored (SgDownloader *self);

static void
start_scan (SgDownloader *self,
            ScanData     *scan,
            gpointer      source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, self->scan_cancellable, scan_done, source_tag);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, scan, scan_data_free);
  self->pending_local++;
  if (scan->decode)
    self->decoding++;
  g_task_run_in_thread (task, scan_thread);
}

static ScanData *
scan_data_new (SgDownloader *self,
               gboolean      decode)
{
  ScanData *scan = g_new0 (ScanData, 1);

  scan->library = g_object_ref (self->library);
  scan->decode = decode;
  scan->generation = self->generation;
  scan->relpaths = g_ptr_array_new_with_free_func (g_free);
  scan->indices = g_new0 (guint, self->entries->len);

  return scan;
}

static void
finish_stored (SgDownloader *self,
               guint         index,
               const char   *relpath,
               GdkTexture   *texture)
{
  g_autofree char *path = g_build_filename (sg_library_get_folder (self->library), relpath, NULL);
  SgPokemon *item = g_ptr_array_index (self->item_array, index);
  SgIndexEntry *entry;

  g_hash_table_insert (self->claimed, g_strdup (relpath), GUINT_TO_POINTER (index + 1));
  finish_item (self, index, SG_ITEM_STATE_STORED, texture, path, NULL);

  /* A file the index does not know (a kill before the index was written,
   * another copy of the app) counts as checked now, like a rebuilt one. */
  if (self->index != NULL && sg_pokemon_get_id (item) > 0)
    {
      entry = sg_library_index_ensure (self->index, sg_pokemon_get_id (item),
                                       sg_pokemon_get_name (item));
      if (entry->files[self->run_variant] == NULL)
        {
          sg_library_index_set_file (self->index, entry->id, self->run_variant,
                                     NULL, NULL, now_seconds (), -1);
          mark_index_dirty (self);
        }
    }

  if (self->list_confirmed)
    queue_revalidate (self, index);
  else
    g_array_append_val (self->waiting_revalidate, index);
}

static void
fetch_or_wait (SgDownloader *self,
               guint         index)
{
  if (self->list_confirmed)
    queue_fetch (self, index);
  else
    g_array_append_val (self->waiting, index);
}

/* Two passes: the first (one task, decode unset) finds which items are
 * stored, so that every other item is queued at once and in Pokédex order;
 * the second decodes the stored ones in batches, spread over the shared
 * pool's threads. */
static void
scan_done (GObject      *object,
           GAsyncResult *res,
           gpointer      user_data)
{
  SgDownloader *self = SG_DOWNLOADER (object);
  ScanData *scan = g_task_get_task_data (G_TASK (res));
  gboolean first_pass = user_data == scan_stored;
  ScanData *batch = NULL;
  ScanResult *result;

  self->pending_local--;
  if (scan->decode)
    self->decoding--;
  result = g_task_propagate_pointer (G_TASK (res), NULL);

  /* A batch finishes up to LOAD_BATCH items: one n-finished notify for all
   * of them, so the progress is laid out once. */
  g_object_freeze_notify (G_OBJECT (self));

  for (guint i = 0; i < scan->relpaths->len; i++)
    {
      guint index = scan->indices[i];
      const char *relpath = g_ptr_array_index (scan->relpaths, i);
      gboolean stored = result != NULL && result->stored[i];

      /* The model was replaced (the list changed) while we scanned. A
       * stopped or failed run goes on: what is stored is shown all the same,
       * and nothing is requested (pump() checks the run's cancellable). */
      if (scan->generation != self->generation)
        break;

      if (stored && first_pass && self->decode_textures)
        {
          if (batch == NULL)
            batch = scan_data_new (self, TRUE);
          batch->indices[batch->relpaths->len] = index;
          g_ptr_array_add (batch->relpaths, g_strdup (relpath));
          if (batch->relpaths->len == LOAD_BATCH)
            start_scan (self, g_steal_pointer (&batch), start_scan);
        }
      else if (stored)
        finish_stored (self, index, relpath, result->textures[i]);
      else
        fetch_or_wait (self, index);
    }

  if (batch != NULL)
    start_scan (self, g_steal_pointer (&batch), start_scan);

  /* Every stored item is in the model with its texture. */
  if (self->decoding == 0 && scan->generation == self->generation &&
      self->stats.t_stored_us == 0)
    self->stats.t_stored_us = g_get_monotonic_time ();

  g_clear_pointer (&result, scan_result_free);
  g_object_thaw_notify (G_OBJECT (self));
  pump (self);
  maybe_complete (self);
}

static void
scan_stored (SgDownloader *self)
{
  ScanData *scan = scan_data_new (self, FALSE);

  for (guint i = 0; i < self->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->error != NULL)
        continue;

      /* Before the detail says otherwise, the list's id and name are the
       * best guess of where a previous run stored the sprite. */
      scan->indices[scan->relpaths->len] = i;
      g_ptr_array_add (scan->relpaths,
                       entry->id > 0
                       ? sg_library_sprite_relpath (entry->id, entry->name, self->run_variant)
                       : NULL);
    }

  start_scan (self, scan, scan_stored);
}

/* ── The list ──────────────────────────────────────────────────────────── */

static gboolean
same_entries (GPtrArray *a,
              GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;

  for (guint i = 0; i < a->len; i++)
    {
      SgListEntry *x = g_ptr_array_index (a, i);
      SgListEntry *y = g_ptr_array_index (b, i);

      if (x->id != y->id || g_strcmp0 (x->name, y->name) != 0 ||
          g_strcmp0 (x->url, y->url) != 0 || g_strcmp0 (x->error, y->error) != 0)
        return FALSE;
    }

  return TRUE;
}

/* Fills the items model from @entries (taken), replacing what it held. */
static void
apply_list (SgDownloader *self,
            GPtrArray    *entries)
{
  g_autoptr(GPtrArray) new_items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  /* Whatever was queued or scanned for the old items is dropped. */
  self->generation++;
  for (GList *l = self->queue.head; l != NULL; )
    {
      GList *next = l->next;
      Job *job = l->data;

      if (job->kind != JOB_LIST)
        {
          g_queue_delete_link (&self->queue, l);
          job_free (job);
        }
      l = next;
    }
  g_array_set_size (self->waiting, 0);
  g_array_set_size (self->waiting_revalidate, 0);
  g_hash_table_remove_all (self->claimed);
  self->stats.downloaded = self->stats.stored = self->stats.missing = self->stats.failed = 0;
  self->n_finished = 0;

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = entries;

  for (guint i = 0; i < self->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (self->entries, i);
      SgPokemon *item = sg_pokemon_new (entry->id, entry->name);
      SgIndexEntry *known = lookup_index_entry (self, entry->id, entry->name);

      /* What the library knows shows at once, also offline. */
      if (known != NULL && known->has_detail)
        {
          sg_pokemon_set_types (item, (const char * const *) known->types);
          sg_pokemon_set_details (item, known->height, known->weight,
                                  (const char * const *) known->sprite_urls);
        }
      g_ptr_array_add (new_items, item);
    }

  g_ptr_array_set_size (self->item_array, 0);
  for (guint i = 0; i < new_items->len; i++)
    g_ptr_array_add (self->item_array, g_object_ref (g_ptr_array_index (new_items, i)));

  /* The scan (and after it the first requests) starts before the splice,
   * which makes the grid's cells and takes a while on the main thread. */
  scan_stored (self);

  /* One splice, so the grid lays out once, not N times. */
  g_list_store_splice (self->items, 0, n_old, new_items->pdata, new_items->len);

  self->stats.requested = self->entries->len;
  self->list_done = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FINISHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUESTED]);
  g_signal_emit (self, signals[LIST_LOADED], 0);

  for (guint i = 0; i < self->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->error != NULL)
        finish_item (self, i, SG_ITEM_STATE_FAILED, NULL, NULL, entry->error);
    }
}

static void
set_server_count (SgDownloader *self,
                  gint64        count)
{
  guint value = count > 0 ? (guint) MIN (count, (gint64) MAX_LIST_ENTRIES) : 0;

  if (value == 0 || value == self->server_count)
    return;

  self->server_count = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_COUNT]);
}

static SgListEntry *
list_entry_new (guint       id,
                const char *name,
                const char *url)
{
  SgListEntry *entry = g_new0 (SgListEntry, 1);

  entry->id = id;
  entry->name = g_strdup (name);
  entry->url = g_strdup (url);

  return entry;
}

/* Without a list of this server (a rebuilt index, another server), what is
 * stored still shows, in Pokédex order, until the list says otherwise. */
static GPtrArray *
dup_stored_entries (SgDownloader *self)
{
  g_autoptr(GPtrArray) stored = sg_library_index_dup_entries (self->index);
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sg_list_entry_free);

  for (guint i = 0; i < stored->len; i++)
    {
      const SgIndexEntry *known = g_ptr_array_index (stored, i);
      g_autofree char *id = NULL;
      g_autofree char *url = NULL;

      if (self->run_limit > 0 && entries->len >= self->run_limit)
        break;
      if (known->files[self->run_variant] == NULL)
        continue;

      id = g_strdup_printf ("%u", known->id);
      url = sg_pokeapi_detail_url (self->run_base_url, id);
      g_ptr_array_add (entries, list_entry_new (known->id, known->name, url));
    }

  if (entries->len == 0)
    g_clear_pointer (&entries, g_ptr_array_unref);

  return entries;
}

/* The cached list of the same server, when there is one; @covers says
 * whether it holds all this run asks for (else the list is asked again,
 * and meanwhile, or offline, the grid shows what the cache has). */
static GPtrArray *
dup_cached_entries (SgDownloader *self,
                    gboolean     *covers)
{
  const SgIndexList *list = self->index != NULL ? sg_library_index_get_list (self->index) : NULL;
  GPtrArray *entries;
  guint n;

  *covers = FALSE;
  if (self->index == NULL)
    return NULL;
  if (list == NULL || g_strcmp0 (list->base_url, self->run_base_url) != 0)
    return dup_stored_entries (self);

  /* It was asked for at least as much, or the server had no more. */
  *covers = list->limit == 0 ||
            (self->run_limit != 0 && self->run_limit <= list->limit) ||
            list->entries->len < list->limit;

  n = self->run_limit > 0 ? MIN (self->run_limit, list->entries->len) : list->entries->len;
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sg_list_entry_free);
  for (guint i = 0; i < n; i++)
    {
      const SgIndexListEntry *cached = g_ptr_array_index (list->entries, i);

      g_ptr_array_add (entries, list_entry_new (cached->id, cached->name, cached->url));
    }

  return entries;
}

static void
remember_list (SgDownloader          *self,
               const SgHttpCacheInfo *cache)
{
  GPtrArray *cached;

  if (self->index == NULL)
    return;

  /* A list with broken entries is asked for again every time: it is not
   * something to show offline either. */
  for (guint i = 0; i < self->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (self->entries, i);

      if (entry->error != NULL || entry->id == 0)
        return;
    }

  cached = g_ptr_array_new_with_free_func ((GDestroyNotify) sg_index_list_entry_free);
  for (guint i = 0; i < self->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (self->entries, i);

      g_ptr_array_add (cached, sg_index_list_entry_new (entry->id, entry->name, entry->url));
    }

  /* Validators only when one page held it all: they belong to that page. */
  sg_library_index_set_list (self->index, self->run_base_url, self->run_limit,
                             self->server_count > 0 ? (gint64) self->server_count : -1,
                             cached,
                             self->pages == 0 ? cache->etag : NULL,
                             self->pages == 0 ? cache->last_modified : NULL,
                             now_seconds (), cache->max_age);
  mark_index_dirty (self);
}

static void
list_complete (SgDownloader          *self,
               GPtrArray             *entries,
               const SgHttpCacheInfo *cache)
{
  if (entries->len > self->run_limit && self->run_limit > 0)
    g_ptr_array_set_size (entries, self->run_limit);

  /* The list we showed from the library is still the server's: go on with
   * it, keeping every texture in place. */
  if (self->list_from_cache && self->entries != NULL && same_entries (self->entries, entries))
    g_ptr_array_unref (entries);
  else
    apply_list (self, entries);

  remember_list (self, cache);
  self->list_confirmed = TRUE;
  release_waiting (self);
}

static void
list_page_done (SgDownloader          *self,
                SgListPage            *page,
                const SgHttpCacheInfo *cache)
{
  guint wanted = self->run_limit > 0 ? self->run_limit : MAX_LIST_ENTRIES;
  guint before = self->paging->len;

  if (page->count >= 0)
    set_server_count (self, page->count);
  if (self->run_limit == 0 && page->count >= 0)
    wanted = (guint) MIN (page->count, (gint64) MAX_LIST_ENTRIES);

  for (guint i = 0; i < page->entries->len && self->paging->len < wanted; i++)
    {
      /* Moved, not copied: the page frees what is left. */
      g_ptr_array_add (self->paging, g_ptr_array_index (page->entries, i));
      page->entries->pdata[i] = NULL;
    }

  /* The live API keeps a `next` even when this page already holds all N, so
   * stop as soon as we have N; an empty page or a runaway chain stops too. */
  if (self->paging->len < wanted &&
      page->next != NULL &&
      self->paging->len > before &&
      ++self->pages < MAX_LIST_PAGES)
    {
      g_queue_push_head (&self->queue, job_new (self, JOB_LIST, 0, page->next));
      return;
    }

  list_complete (self, g_steal_pointer (&self->paging), cache);
}

/* ── The library index ─────────────────────────────────────────────────── */

static char *
dup_index_path (SgDownloader *self)
{
  g_autofree char *default_folder = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *basename = NULL;

  if (self->index_path != NULL && *self->index_path != '\0')
    return g_strdup (self->index_path);

  /* One index per folder, all in the app's data dir. */
  default_folder = sg_downloader_dup_default_folder ();
  if (g_strcmp0 (self->folder, default_folder) == 0)
    return g_build_filename (g_get_user_data_dir (), "sprite-gallery", "index.json", NULL);

  checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->folder, -1);
  basename = g_strdup_printf ("index-%.16s.json", checksum);
  return g_build_filename (g_get_user_data_dir (), "sprite-gallery", basename, NULL);
}

static void
write_index_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  char **data = task_data;  /* { path, json } */
  g_autoptr(GError) error = NULL;

  if (!sg_library_index_write (data[0], data[1], &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void write_index (SgDownloader *self);

static void
write_index_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SgDownloader *self = SG_DOWNLOADER (object);
  g_autoptr(GError) error = NULL;

  self->index_writing = FALSE;
  self->pending_local--;
  if (g_application_get_default () != NULL)
    g_application_release (g_application_get_default ());

  /* The index is only a cache: losing it costs a rebuild, not a sprite. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Could not write the library index: %s", error->message);

  if (self->index_dirty && self->run_task == NULL)
    write_index (self);
  maybe_complete (self);
}

/* The JSON is made here, from the main thread's index, and written by a
 * worker; one write at a time, the next one after it. */
static void
write_index (SgDownloader *self)
{
  g_autoptr(GTask) task = NULL;
  char **data;

  if (self->index == NULL || self->index_writing || self->loaded_index_path == NULL)
    return;

  data = g_new0 (char *, 3);
  data[0] = g_strdup (self->loaded_index_path);
  data[1] = sg_library_index_to_json (self->index);
  self->index_dirty = FALSE;
  self->index_writing = TRUE;
  self->pending_local++;
  /* Closing the window must not end the process before the index is on
   * disk (a GIO hold, so the core needs no GTK). */
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());

  /* Not cancellable: a stopped run still keeps what it downloaded. */
  task = g_task_new (self, NULL, write_index_done, NULL);
  g_task_set_source_tag (task, write_index);
  g_task_set_task_data (task, data, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, write_index_thread);
}

static gboolean
index_timeout_cb (gpointer user_data)
{
  SgDownloader *self = user_data;

  self->index_timeout_id = 0;
  if (self->index_dirty)
    write_index (self);

  return G_SOURCE_REMOVE;
}

static void
mark_index_dirty (SgDownloader *self)
{
  self->index_dirty = TRUE;

  /* Between runs (a variant fetched for the detail view) at once; during
   * one, at most every few seconds, and once more at its end. */
  if (self->run_task == NULL)
    write_index (self);
  else if (self->index_timeout_id == 0)
    self->index_timeout_id = g_timeout_add_seconds (INDEX_WRITE_INTERVAL_S, index_timeout_cb, self);
}

/* ── Completion ────────────────────────────────────────────────────────── */

/* The server answered (anything, an error status included): not offline. */
static void
note_answer (SgDownloader *self,
             gboolean      answered)
{
  if (!answered)
    return;

  self->answered = TRUE;
  set_offline (self, FALSE);
}

static gboolean
is_current (SgDownloader *self,
            Job          *job)
{
  return job->kind == JOB_LIST || job->generation == self->generation;
}

static void
sprite_done (SgDownloader *self,
             Job          *job,
             SpriteResult *sprite,
             const GError *error)
{
  SgPokemon *item = g_ptr_array_index (self->item_array, job->index);
  guint id = sg_pokemon_get_id (item);

  if (sprite != NULL && self->index != NULL && id > 0)
    {
      /* Written or confirmed: its validators and the time are what the
       * next launch goes by. */
      sg_library_index_ensure (self->index, id, sg_pokemon_get_name (item));
      if (sprite->written || sprite->not_modified || job->kind == JOB_SPRITE)
        {
          SgIndexEntry *entry = sg_library_index_lookup (self->index, id);
          SgIndexFile *old = entry->files[self->run_variant];
          const char *etag = sprite->cache.etag;
          const char *last_modified = sprite->cache.last_modified;

          /* A 304 need not repeat the validators. */
          if (sprite->not_modified && etag == NULL && old != NULL)
            etag = old->etag;
          if (sprite->not_modified && last_modified == NULL && old != NULL)
            last_modified = old->last_modified;

          sg_library_index_set_file (self->index, id, self->run_variant, etag, last_modified,
                                     now_seconds (), sprite->cache.max_age);
          mark_index_dirty (self);
        }
    }

  if (job->kind == JOB_REVALIDATE)
    {
      if (sprite == NULL)
        {
          /* The stored file stays what it was: a failed refresh loses nothing. */
          if (!check_unreachable (self, error, FALSE) &&
              !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_debug ("Could not revalidate #%u: %s", id, error->message);
        }
      else if (sprite->not_modified)
        self->stats.not_modified++;
      else
        {
          self->stats.updated++;
          sg_pokemon_finish (item, sg_pokemon_get_state (item), sprite->texture,
                             sprite->path, NULL);
        }
      return;
    }

  if (sprite != NULL)
    finish_item (self, job->index,
                 sprite->written ? SG_ITEM_STATE_DOWNLOADED : SG_ITEM_STATE_STORED,
                 sprite->texture, sprite->path, NULL);
  else if (g_error_matches (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER))
    {
      fail_item (self, job->index, _("Could not store the sprite"), error);
      fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER,
                                   _("Cannot use the download folder: %s"), error->message));
    }
  else if (check_unreachable (self, error, FALSE))
    ;
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    fail_item (self, job->index, _("Could not download the sprite"), error);
}

static void
job_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  SgDownloader *self = SG_DOWNLOADER (object);
  GTask *task = G_TASK (result);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_assert (self->in_flight > 0);
  self->in_flight--;

  switch (job->kind)
    {
    case JOB_LIST:
      {
        ListResult *list = g_task_propagate_pointer (task, &error);

        note_answer (self, list != NULL);

        if (list != NULL && list->page == NULL)
          {
            /* 304: the cached list is the server's. */
            sg_library_index_touch_list (self->index, now_seconds (), list->cache.max_age);
            mark_index_dirty (self);
            self->list_confirmed = TRUE;
            release_waiting (self);
          }
        else if (list != NULL)
          list_page_done (self, list->page, &list->cache);
        else if (check_unreachable (self, error, TRUE))
          ;
        else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_LIST,
                                       _("Could not load the Pokémon list: %s"),
                                       error->message));
        g_clear_pointer (&list, list_result_free);
      }
      break;

    case JOB_DETAIL:
      {
        g_autoptr(SgDetail) detail = g_task_propagate_pointer (task, &error);

        note_answer (self, detail != NULL || !g_error_matches (error, SG_HTTP_ERROR,
                                                                SG_HTTP_ERROR_UNREACHABLE));
        if (!is_current (self, job))
          break;

        if (detail != NULL)
          {
            apply_detail (self, g_ptr_array_index (self->item_array, job->index), detail);
            if (job->then_revalidate)
              queue_revalidate (self, job->index);
            else
              queue_sprite (self, job->index, detail->id, detail->name,
                            detail->sprite_urls[self->run_variant], TRUE);
          }
        else if (check_unreachable (self, error, FALSE))
          ;
        else if (job->then_revalidate)
          g_debug ("No detail to revalidate #%u: %s", job->index, error->message);
        else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          fail_item (self, job->index, _("Could not load its details"), error);
      }
      break;

    case JOB_SPRITE:
    case JOB_REVALIDATE:
      {
        SpriteResult *sprite = g_task_propagate_pointer (task, &error);

        note_answer (self, sprite != NULL || !g_error_matches (error, SG_HTTP_ERROR,
                                                                SG_HTTP_ERROR_UNREACHABLE));
        if (is_current (self, job))
          sprite_done (self, job, sprite, error);
        g_clear_pointer (&sprite, sprite_result_free);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  pump (self);
  maybe_complete (self);
}

static void
reset_run (SgDownloader *self)
{
  g_queue_clear_full (&self->queue, job_free);
  if (self->caller_cancellable != NULL)
    g_cancellable_disconnect (self->caller_cancellable, self->caller_cancelled_id);
  self->caller_cancelled_id = 0;
  g_clear_object (&self->caller_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->scan_cancellable);
  g_clear_object (&self->http);
  g_clear_object (&self->library);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->paging, g_ptr_array_unref);
  g_clear_pointer (&self->claimed, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_array_unref);
  g_clear_pointer (&self->waiting_revalidate, g_array_unref);
  g_clear_pointer (&self->run_base_url, g_free);
  g_clear_handle_id (&self->index_timeout_id, g_source_remove);
}

/* The run ends once nothing is running: every GTask has completed exactly
 * once, so no callback can arrive after the run's own task. */
static void
maybe_complete (SgDownloader *self)
{
  g_autoptr(GTask) task = NULL;
  gboolean all_done;

  if (self->run_task == NULL || self->in_flight > 0 || self->pending_local > 0)
    return;

  all_done = self->list_done && self->list_confirmed &&
             self->n_finished == self->stats.requested &&
             g_queue_is_empty (&self->queue);
  if (!all_done && self->run_error == NULL && !is_cancelled (self))
    return;

  /* What this run learnt is on disk before anyone hears it ended (the
   * headless mode exits right after). */
  if (self->index_dirty)
    {
      g_clear_handle_id (&self->index_timeout_id, g_source_remove);
      write_index (self);
      if (self->index_writing)
        return;
    }

  task = g_steal_pointer (&self->run_task);
  self->stats.t_end_us = g_get_monotonic_time ();
  self->stats.requests = sg_http_get_requests (self->http);
  self->stats.max_in_flight = sg_http_get_max_in_flight (self->http);

  if (self->run_error != NULL)
    {
      GError *error = g_steal_pointer (&self->run_error);

      g_signal_emit (self, signals[RUN_FINISHED], 0, error);
      reset_run (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      g_task_return_error (task, error);
    }
  else if (!all_done)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     _("The download was stopped"));

      g_signal_emit (self, signals[RUN_FINISHED], 0, error);
      reset_run (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      g_signal_emit (self, signals[RUN_FINISHED], 0, NULL);
      reset_run (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      g_task_return_boolean (task, TRUE);
    }
}

/* ── Starting ──────────────────────────────────────────────────────────── */

typedef struct {
  SgLibrary      *library;     /* (owned) */
  char           *index_path;  /* (owned) (nullable): load the index from here */
  SgLibraryIndex *index;       /* (owned) (nullable): the result */
} Prepare;

static void
prepare_free (gpointer data)
{
  Prepare *prepare = data;

  g_clear_object (&prepare->library);
  g_free (prepare->index_path);
  g_clear_object (&prepare->index);
  g_free (prepare);
}

static void
prepare_folder_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  Prepare *prepare = task_data;
  g_autoptr(GError) error = NULL;

  if (!sg_library_ensure_folder (prepare->library, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Leftovers of a run that was killed mid-write. */
  sg_library_clean_temporary (prepare->library);

  if (prepare->index_path != NULL)
    {
      gboolean rebuilt = FALSE;

      prepare->index = sg_library_index_load (prepare->index_path,
                                              sg_library_get_folder (prepare->library),
                                              now_seconds (), &rebuilt);
      if (rebuilt && sg_library_index_get_n_entries (prepare->index) > 0)
        g_message ("Rebuilt the library index from %s (%u sprites)",
                   sg_library_get_folder (prepare->library),
                   sg_library_index_get_n_entries (prepare->index));
    }

  g_task_return_boolean (task, TRUE);
}

static void
request_list (SgDownloader *self)
{
  const SgIndexList *cached = self->index != NULL ? sg_library_index_get_list (self->index) : NULL;
  g_autofree char *url = sg_pokeapi_list_url (self->run_base_url,
                                              self->run_limit > 0 ? self->run_limit : ALL_PAGE_SIZE);
  Job *job = job_new (self, JOB_LIST, 0, url);

  /* Revalidate the list we show, when it came in one page of this size. */
  if (self->list_from_cache && cached != NULL && cached->limit == self->run_limit)
    {
      job->etag = g_strdup (cached->etag);
      job->last_modified = g_strdup (cached->last_modified);
    }

  self->paging = g_ptr_array_new_with_free_func ((GDestroyNotify) sg_list_entry_free);
  g_queue_push_head (&self->queue, job);
}

static void
prepare_folder_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SgDownloader *self = SG_DOWNLOADER (object);
  Prepare *prepare = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->pending_local--;

  if (prepare->index != NULL)
    {
      g_clear_object (&self->index);
      self->index = g_steal_pointer (&prepare->index);
      g_free (self->loaded_index_path);
      self->loaded_index_path = g_strdup (prepare->index_path);
      if (sg_library_index_get_list (self->index) != NULL)
        set_server_count (self, sg_library_index_get_list (self->index)->count);
    }

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER,
                                     _("Cannot use the download folder: %s"), error->message));
    }
  else
    {
      gboolean covers;
      GPtrArray *cached = dup_cached_entries (self, &covers);

      /* The library first, before any request, and also when the run was
       * stopped at once; the list is asked for only when it is older than
       * the server said it keeps. */
      if (cached != NULL)
        {
          self->list_from_cache = TRUE;
          self->list_confirmed = covers &&
                                 sg_library_index_list_is_fresh (self->index, now_seconds ());
          apply_list (self, cached);
        }

      if (!self->list_confirmed && !is_cancelled (self))
        request_list (self);
      pump (self);
    }

  maybe_complete (self);
}

static void
on_caller_cancelled (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

void
sg_downloader_run_async (SgDownloader        *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) prepare_task = NULL;
  g_autofree char *index_path = NULL;
  Prepare *prepare;

  g_return_if_fail (SG_IS_DOWNLOADER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sg_downloader_run_async);
  /* We decide between success, failure and cancellation ourselves: a run
   * that failed for want of a list stays a failure. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->run_task != NULL)
    {
      g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_BUSY,
                               _("A download is already running"));
      return;
    }

  if (!sg_pokeapi_is_http_url (self->base_url))
    {
      g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_LIST,
                               _("The server address “%s” is not an http or https URL"),
                               self->base_url);
      return;
    }

  /* Forget the previous run, but keep its items in the model: the grid
   * goes on showing them until this run's list replaces them in one splice
   * (and still shows them if this one fails). Until then nothing may touch
   * them, so the array the scheduler indexes is emptied. */
  g_ptr_array_set_size (self->item_array, 0);
  memset (&self->stats, 0, sizeof self->stats);
  self->stats.t_start_us = g_get_monotonic_time ();
  self->n_finished = 0;
  self->pages = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FINISHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUESTED]);

  /* One cancellable through every layer below us. It is our own, so that a
   * fatal error can stop the run without cancelling the caller's object, and
   * it follows the caller's (which may be cancelled from any thread). */
  self->cancellable = g_cancellable_new ();
  self->scan_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      self->caller_cancellable = g_object_ref (cancellable);
      self->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                         G_CALLBACK (on_caller_cancelled),
                                                         g_object_ref (self->cancellable),
                                                         g_object_unref);
    }
  self->http = sg_http_new (self->workers);
  sg_http_set_deadline (self->http, self->deadline_ms, self->io_timeout_ms);
  sg_http_set_backoff (self->http, self->backoff_ms);
  self->library = sg_library_new (self->folder);
  self->run_base_url = g_strdup (self->base_url);
  self->run_variant = self->variant;
  self->run_limit = self->limit;
  self->run_workers = self->workers;
  self->list_done = FALSE;
  self->list_confirmed = FALSE;
  self->list_from_cache = FALSE;
  self->answered = FALSE;
  self->generation++;
  self->claimed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->waiting = g_array_new (FALSE, FALSE, sizeof (guint));
  self->waiting_revalidate = g_array_new (FALSE, FALSE, sizeof (guint));
  /* Exclusive and kept: libsoup binds a connection to the thread that made
   * it, so the same W threads keep reusing their W kept-alive connections.
   * Threads borrowed from GLib's idle cache would each open new ones. */
  if (self->pool == NULL || g_thread_pool_get_max_threads (self->pool) != (int) self->workers)
    {
      if (self->pool != NULL)
        g_thread_pool_free (self->pool, FALSE, TRUE);
      self->pool = g_thread_pool_new (run_job, NULL, (int) self->workers, TRUE, NULL);
    }
  self->run_task = g_steal_pointer (&task);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  /* The index is read once per folder; later runs keep the one in memory. */
  index_path = dup_index_path (self);
  prepare = g_new0 (Prepare, 1);
  prepare->library = g_object_ref (self->library);
  if (self->index == NULL || g_strcmp0 (index_path, self->loaded_index_path) != 0)
    prepare->index_path = g_steal_pointer (&index_path);

  /* The scan's cancellable: a run stopped at once still loads the library. */
  prepare_task = g_task_new (self, self->scan_cancellable, prepare_folder_done, NULL);
  g_task_set_source_tag (prepare_task, prepare_folder_thread);
  g_task_set_task_data (prepare_task, prepare, prepare_free);
  self->pending_local++;
  g_task_run_in_thread (prepare_task, prepare_folder_thread);
}

gboolean
sg_downloader_run_finish (SgDownloader  *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ── GObject ───────────────────────────────────────────────────────────── */

static void
sg_downloader_dispose (GObject *object)
{
  SgDownloader *self = SG_DOWNLOADER (object);

  /* A running run holds a ref on us through its tasks, so reaching dispose
   * means nothing is running; cancel anyway in case of a stray ref drop. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->scan_cancellable != NULL)
    g_cancellable_cancel (self->scan_cancellable);

  G_OBJECT_CLASS (sg_downloader_parent_class)->dispose (object);
}

static void
sg_downloader_finalize (GObject *object)
{
  SgDownloader *self = SG_DOWNLOADER (object);

  reset_run (self);
  g_clear_handle_id (&self->index_timeout_id, g_source_remove);
  g_clear_object (&self->index);
  g_clear_pointer (&self->loaded_index_path, g_free);
  g_clear_object (&self->service_http);
  g_free (self->index_path);
  /* Wait for idle pool threads to go: every job has completed by now. */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, TRUE, TRUE);
  g_clear_object (&self->items);
  g_clear_pointer (&self->item_array, g_ptr_array_unref);
  g_clear_error (&self->run_error);
  g_free (self->base_url);
  g_free (self->folder);

  G_OBJECT_CLASS (sg_downloader_parent_class)->finalize (object);
}

static void
sg_downloader_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SgDownloader *self = SG_DOWNLOADER (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_LIMIT:
      g_value_set_uint (value, self->limit);
      break;

    case PROP_WORKERS:
      g_value_set_uint (value, self->workers);
      break;

    case PROP_VARIANT:
      g_value_set_uint (value, self->variant);
      break;

    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;

    case PROP_DECODE_TEXTURES:
      g_value_set_boolean (value, self->decode_textures);
      break;

    case PROP_DEADLINE_MS:
      g_value_set_uint (value, self->deadline_ms);
      break;

    case PROP_IO_TIMEOUT_MS:
      g_value_set_uint (value, self->io_timeout_ms);
      break;

    case PROP_BACKOFF_MS:
      g_value_set_uint (value, self->backoff_ms);
      break;

    case PROP_INDEX_PATH:
      g_value_set_string (value, self->index_path);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->run_task != NULL);
      break;

    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;

    case PROP_SERVER_COUNT:
      g_value_set_uint (value, self->server_count);
      break;

    case PROP_N_FINISHED:
      g_value_set_uint (value, self->n_finished);
      break;

    case PROP_REQUESTED:
      g_value_set_uint (value, self->stats.requested);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_string (char       **field,
            const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
sg_downloader_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SgDownloader *self = SG_DOWNLOADER (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      set_string (&self->base_url, value);
      if (self->base_url == NULL)
        self->base_url = g_strdup (SG_DEFAULT_BASE_URL);
      break;

    case PROP_LIMIT:
      self->limit = g_value_get_uint (value);
      break;

    case PROP_WORKERS:
      self->workers = g_value_get_uint (value);
      break;

    case PROP_VARIANT:
      self->variant = (SgVariant) g_value_get_uint (value);
      break;

    case PROP_FOLDER:
      set_string (&self->folder, value);
      if (self->folder == NULL || *self->folder == '\0')
        {
          g_free (self->folder);
          self->folder = sg_downloader_dup_default_folder ();
        }
      break;

    case PROP_DECODE_TEXTURES:
      self->decode_textures = g_value_get_boolean (value);
      break;

    case PROP_DEADLINE_MS:
      self->deadline_ms = g_value_get_uint (value);
      break;

    case PROP_IO_TIMEOUT_MS:
      self->io_timeout_ms = g_value_get_uint (value);
      break;

    case PROP_BACKOFF_MS:
      self->backoff_ms = g_value_get_uint (value);
      break;

    case PROP_INDEX_PATH:
      set_string (&self->index_path, value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  g_object_notify_by_pspec (object, pspec);
}

static void
sg_downloader_class_init (SgDownloaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = sg_downloader_dispose;
  object_class->finalize = sg_downloader_finalize;
  object_class->get_property = sg_downloader_get_property;
  object_class->set_property = sg_downloader_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, SG_DEFAULT_BASE_URL, rw);
  properties[PROP_LIMIT] =
    g_param_spec_uint ("limit", NULL, NULL, 0, MAX_LIST_ENTRIES, SG_DEFAULT_LIMIT, rw);
  properties[PROP_WORKERS] =
    g_param_spec_uint ("workers", NULL, NULL, SG_MIN_WORKERS, SG_MAX_WORKERS,
                       SG_DEFAULT_WORKERS, rw);
  properties[PROP_VARIANT] =
    g_param_spec_uint ("variant", NULL, NULL, 0, SG_N_VARIANTS - 1,
                       SG_VARIANT_FRONT_DEFAULT, rw);
  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL, NULL, rw);
  properties[PROP_DECODE_TEXTURES] =
    g_param_spec_boolean ("decode-textures", NULL, NULL, TRUE, rw);
  properties[PROP_DEADLINE_MS] =
    g_param_spec_uint ("deadline-ms", NULL, NULL, 1, G_MAXUINT, 30000, rw);
  properties[PROP_IO_TIMEOUT_MS] =
    g_param_spec_uint ("io-timeout-ms", NULL, NULL, 1, G_MAXUINT, 10000, rw);
  properties[PROP_BACKOFF_MS] =
    g_param_spec_uint ("backoff-ms", NULL, NULL, 0, G_MAXUINT, 250, rw);
  properties[PROP_INDEX_PATH] =
    g_param_spec_string ("index-path", NULL, NULL, NULL, rw);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE, ro);
  properties[PROP_SERVER_COUNT] =
    g_param_spec_uint ("server-count", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_FINISHED] =
    g_param_spec_uint ("n-finished", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_REQUESTED] =
    g_param_spec_uint ("requested", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LIST_LOADED] =
    g_signal_new ("list-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[ITEM_FINISHED] =
    g_signal_new ("item-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SG_TYPE_POKEMON);
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sg_downloader_init (SgDownloader *self)
{
  self->items = g_list_store_new (SG_TYPE_POKEMON);
  self->item_array = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->queue);
}

/* The default download folder: `sprite-gallery/sprites` under the XDG data
 * dir (inside a Flatpak, the app's own data dir). */
char *
sg_downloader_dup_default_folder (void)
{
  return g_build_filename (g_get_user_data_dir (), "sprite-gallery", "sprites", NULL);
}

SgDownloader *
sg_downloader_new (void)
{
  return g_object_new (SG_TYPE_DOWNLOADER, NULL);
}

GListModel *
sg_downloader_get_items (SgDownloader *self)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), NULL);

  return G_LIST_MODEL (self->items);
}

const SgRunStats *
sg_downloader_get_stats (SgDownloader *self)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), NULL);

  return &self->stats;
}

gboolean
sg_downloader_is_running (SgDownloader *self)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), FALSE);

  return self->run_task != NULL;
}

guint
sg_downloader_get_n_finished (SgDownloader *self)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), 0);

  return self->n_finished;
}

gboolean
sg_downloader_get_offline (SgDownloader *self)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), FALSE);

  return self->offline;
}

guint
sg_downloader_get_server_count (SgDownloader *self)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), 0);

  return self->server_count;
}

/* Items in the model with a sprite on disk. */
guint
sg_downloader_get_n_stored (SgDownloader *self)
{
  guint n = 0;

  g_return_val_if_fail (SG_IS_DOWNLOADER (self), 0);

  /* The model, not the run's array: a run that failed before its list
   * arrived still shows the previous run's items. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->items)); i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);
      SgItemState state = sg_pokemon_get_state (item);

      if (state == SG_ITEM_STATE_STORED || state == SG_ITEM_STATE_DOWNLOADED)
        n++;
    }

  return n;
}

void
sg_downloader_prioritize (SgDownloader *self,
                          SgPokemon    *item)
{
  guint index;

  g_return_if_fail (SG_IS_DOWNLOADER (self));
  g_return_if_fail (SG_IS_POKEMON (item));

  if (self->run_task == NULL || !g_ptr_array_find (self->item_array, item, &index))
    return;

  /* Still waiting for the list to be confirmed: first in line then. */
  for (guint i = 0; self->waiting != NULL && i < self->waiting->len; i++)
    {
      if (g_array_index (self->waiting, guint, i) == index)
        {
          g_array_remove_index (self->waiting, i);
          g_array_prepend_val (self->waiting, index);
          return;
        }
    }

  for (GList *l = self->queue.head; l != NULL; l = l->next)
    {
      Job *job = l->data;

      if (job->kind != JOB_LIST && job->kind != JOB_REVALIDATE && job->index == index)
        {
          g_queue_unlink (&self->queue, l);
          /* Behind a list page, which everything else waits for. */
          if (!g_queue_is_empty (&self->queue) &&
              ((Job *) g_queue_peek_head (&self->queue))->kind == JOB_LIST)
            g_queue_insert_after_link (&self->queue, self->queue.head, l);
          else
            g_queue_push_head_link (&self->queue, l);
          return;
        }
    }
}

/* ── One variant on demand ─────────────────────────────────────────────── */

typedef struct {
  SgHttp     *http;          /* (owned) */
  SgLibrary  *library;       /* (owned) */
  SgVariant   variant;
  guint       id;
  char       *name;          /* (owned) */
  char       *sprite_url;    /* (owned) (nullable): NULL until the detail says */
  char       *detail_url;    /* (owned) */
  SgPokemon  *item;          /* (owned) touched on the main thread only */
  /* Results */
  SgDetail   *detail;        /* (owned) (nullable): fetched on the way */
  GdkTexture *texture;       /* (owned) */
  char       *path;          /* (owned) */
  gboolean    written;
  SgHttpCacheInfo cache;
} VariantFetch;

static void
variant_fetch_free (gpointer data)
{
  VariantFetch *fetch = data;

  g_clear_object (&fetch->http);
  g_clear_object (&fetch->library);
  g_free (fetch->name);
  g_free (fetch->sprite_url);
  g_free (fetch->detail_url);
  g_clear_object (&fetch->item);
  g_clear_pointer (&fetch->detail, sg_detail_free);
  g_clear_object (&fetch->texture);
  g_free (fetch->path);
  sg_http_cache_info_clear (&fetch->cache);
  g_free (fetch);
}

static void
fetch_variant_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  VariantFetch *fetch = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *relpath = NULL;

  if (fetch->sprite_url == NULL)
    {
      gsize length;
      const char *data;

      body = sg_http_get (fetch->http, fetch->detail_url, SG_HTTP_MAX_JSON_BYTES,
                          cancellable, &error);
      if (body == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      data = g_bytes_get_data (body, &length);
      fetch->detail = sg_pokeapi_parse_detail (data, length, &error);
      if (fetch->detail == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      fetch->sprite_url = g_strdup (fetch->detail->sprite_urls[fetch->variant]);
      g_clear_pointer (&body, g_bytes_unref);
    }

  if (fetch->sprite_url == NULL)
    {
      g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_NO_SPRITE,
                               _("There is no sprite of this kind"));
      return;
    }

  relpath = sg_library_sprite_relpath (fetch->id, fetch->name, fetch->variant);
  fetch->path = g_build_filename (sg_library_get_folder (fetch->library), relpath, NULL);

  if (sg_library_has_valid_sprite (fetch->library, relpath))
    {
      g_autoptr(GError) load_error = NULL;

      fetch->texture = load_stored (fetch->library, relpath, &load_error);
      if (fetch->texture != NULL)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      if (is_invalid_image (load_error))
        sg_library_set_aside (fetch->library, relpath);
    }

  fetch->cache.max_age = -1;
  body = sg_http_get_conditional (fetch->http, fetch->sprite_url, SG_HTTP_MAX_IMAGE_BYTES,
                                  NULL, NULL, &fetch->cache, cancellable, &error);
  if (body == NULL ||
      (fetch->texture = sg_image_decode (body, &error)) == NULL ||
      !sg_library_ensure_folder (fetch->library, &error) ||
      !sg_library_store (fetch->library, relpath, body, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  fetch->written = TRUE;
  g_task_return_boolean (task, TRUE);
}

void
sg_downloader_fetch_variant_async (SgDownloader        *self,
                                   SgPokemon           *item,
                                   SgVariant            variant,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  VariantFetch *fetch;
  g_autofree char *id_string = NULL;

  g_return_if_fail (SG_IS_DOWNLOADER (self));
  g_return_if_fail (SG_IS_POKEMON (item));
  g_return_if_fail ((guint) variant < SG_N_VARIANTS);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sg_downloader_fetch_variant_async);

  if (sg_pokemon_get_id (item) == 0)
    {
      g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_NO_SPRITE,
                               _("There is no sprite of this kind"));
      return;
    }

  if (sg_pokemon_has_details (item) && sg_pokemon_get_sprite_url (item, variant) == NULL)
    {
      g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_NO_SPRITE,
                               _("There is no sprite of this kind"));
      return;
    }

  /* Its own session: between runs there is none, and during one the run's
   * W connections stay the run's. */
  if (self->service_http == NULL)
    {
      self->service_http = sg_http_new (SG_DEFAULT_WORKERS);
      sg_http_set_deadline (self->service_http, self->deadline_ms, self->io_timeout_ms);
      sg_http_set_backoff (self->service_http, self->backoff_ms);
    }

  id_string = g_strdup_printf ("%u", sg_pokemon_get_id (item));
  fetch = g_new0 (VariantFetch, 1);
  fetch->http = g_object_ref (self->service_http);
  fetch->library = sg_library_new (self->folder);
  fetch->variant = variant;
  fetch->id = sg_pokemon_get_id (item);
  fetch->name = g_strdup (sg_pokemon_get_name (item));
  fetch->sprite_url = g_strdup (sg_pokemon_get_sprite_url (item, variant));
  fetch->detail_url = sg_pokeapi_detail_url (self->base_url, id_string);
  fetch->item = g_object_ref (item);

  g_task_set_task_data (task, fetch, variant_fetch_free);
  g_task_run_in_thread (task, fetch_variant_thread);
}

/**
 * sg_downloader_fetch_variant_finish:
 * @path: (out) (optional): where the sprite is stored
 *
 * Returns: (transfer full): the sprite
 */
GdkTexture *
sg_downloader_fetch_variant_finish (SgDownloader  *self,
                                    GAsyncResult  *result,
                                    char         **path,
                                    GError       **error)
{
  VariantFetch *fetch;

  g_return_val_if_fail (SG_IS_DOWNLOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  fetch = g_task_get_task_data (G_TASK (result));

  /* What the worker learnt reaches the item and the index here, on the
   * main thread, whatever the caller does with the texture. */
  if (fetch->detail != NULL)
    {
      apply_detail (self, fetch->item, fetch->detail);
      g_clear_pointer (&fetch->detail, sg_detail_free);
    }
  if (fetch->written && self->index != NULL)
    {
      sg_library_index_ensure (self->index, fetch->id, fetch->name);
      sg_library_index_set_file (self->index, fetch->id, fetch->variant,
                                 fetch->cache.etag, fetch->cache.last_modified,
                                 now_seconds (), fetch->cache.max_age);
      fetch->written = FALSE;
      mark_index_dirty (self);
    }

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  if (path != NULL)
    *path = g_strdup (fetch->path);

  return g_object_ref (fetch->texture);
}

/* ── The library as a whole ────────────────────────────────────────────── */

typedef struct {
  SgLibrary *library;    /* (owned) */
  char      *index_path; /* (owned) */
  guint64    bytes;
  guint      n_files;
} LibraryJob;

static void
library_job_free (gpointer data)
{
  LibraryJob *job = data;

  g_clear_object (&job->library);
  g_free (job->index_path);
  g_free (job);
}

static LibraryJob *
library_job_new (SgDownloader *self)
{
  LibraryJob *job = g_new0 (LibraryJob, 1);

  job->library = sg_library_new (self->folder);
  job->index_path = dup_index_path (self);

  return job;
}

static void
measure_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LibraryJob *job = task_data;
  struct stat st;

  sg_library_measure (job->library, &job->bytes, &job->n_files);
  if (g_stat (job->index_path, &st) == 0)
    job->bytes += (guint64) st.st_size;

  g_task_return_boolean (task, TRUE);
}

void
sg_downloader_measure_library_async (SgDownloader        *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SG_IS_DOWNLOADER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sg_downloader_measure_library_async);
  g_task_set_task_data (task, library_job_new (self), library_job_free);
  g_task_run_in_thread (task, measure_thread);
}

gboolean
sg_downloader_measure_library_finish (SgDownloader  *self,
                                      GAsyncResult  *result,
                                      guint64       *bytes,
                                      guint         *n_files,
                                      GError       **error)
{
  LibraryJob *job;

  g_return_val_if_fail (SG_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  if (bytes != NULL)
    *bytes = job->bytes;
  if (n_files != NULL)
    *n_files = job->n_files;

  return TRUE;
}

static void
clear_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  LibraryJob *job = task_data;
  g_autoptr(GError) error = NULL;

  /* The index first: an index without its files would only be rebuilt,
   * files without an index are a library that is not cleared. */
  if (g_unlink (job->index_path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               _("Could not remove “%s”: %s"), job->index_path,
                               g_strerror (saved_errno));
      return;
    }

  if (!sg_library_clear (job->library, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
sg_downloader_clear_library_async (SgDownloader        *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SG_IS_DOWNLOADER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sg_downloader_clear_library_async);

  if (self->run_task != NULL || self->index_writing)
    {
      g_task_return_new_error (task, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_BUSY,
                               _("Stop the download before clearing the library"));
      return;
    }

  /* Forget it in memory now, so nothing writes it back. */
  if (self->index != NULL)
    sg_library_index_clear (self->index);
  self->index_dirty = FALSE;
  g_ptr_array_set_size (self->item_array, 0);
  g_list_store_remove_all (self->items);
  self->stats.requested = 0;
  self->n_finished = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FINISHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUESTED]);

  g_task_set_task_data (task, library_job_new (self), library_job_free);
  g_task_run_in_thread (task, clear_thread);
}

gboolean
sg_downloader_clear_library_finish (SgDownloader  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
