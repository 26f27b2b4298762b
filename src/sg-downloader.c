/* sg-downloader.c: the run: the list, a bounded queue of requests, statistics
 *
 * The scheduler lives on the main thread; workers only run jobs.
 *
 *   list pages ──► items (GListStore, Pokédex order) ──► scan of stored files
 *        │                                                  │
 *        ▼                                                  ▼
 *   queue of requests (details, then each detail's sprite at the front)
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
#include "sg-pokeapi.h"
#include "sg-pokemon.h"

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

typedef enum {
  JOB_LIST,
  JOB_DETAIL,
  JOB_SPRITE,
} JobKind;

/* Immutable once queued: a worker reads it, never writes it. */
typedef struct {
  JobKind    kind;
  guint      index;     /* the item, for JOB_DETAIL and JOB_SPRITE */
  char      *url;
  char      *relpath;   /* JOB_SPRITE: where to store it */
  SgHttp    *http;      /* (owned) */
  SgLibrary *library;   /* (owned) */
  gboolean   decode;
} Job;

typedef struct {
  GdkTexture *texture;  /* (owned) (nullable) */
  char       *path;     /* (owned) */
  gboolean    written;  /* FALSE when the file was already stored */
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

  GListStore   *items;        /* (owned) of SgPokemon */
  GPtrArray    *item_array;   /* (owned) the same items, for indexing */
  GThreadPool  *pool;         /* (owned) runs the requests' work */

  /* The current run; all NULL/0 between runs. */
  GTask        *run_task;     /* (owned) (nullable) */
  GCancellable *cancellable;  /* (owned) (nullable): ours, cancelled with the caller's */
  GCancellable *caller_cancellable; /* (owned) (nullable) */
  gulong        caller_cancelled_id;
  SgHttp       *http;         /* (owned) (nullable) */
  SgLibrary    *library;      /* (owned) (nullable) */
  GQueue        queue;        /* of Job*, not yet started */
  guint         in_flight;    /* requests running */
  guint         pending_local;/* scans and loads of stored files running */
  GPtrArray    *entries;      /* (owned) (nullable) SgListEntry, while paging */
  guint         pages;
  GHashTable   *claimed;      /* (owned) relpath → item index + 1 */
  guint         n_finished;
  SgRunStats    stats;
  GError       *run_error;    /* (owned) (nullable) first fatal error */
  gboolean      list_done;    /* the items model holds the whole list */
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
  PROP_RUNNING,
  PROP_N_FINISHED,
  PROP_REQUESTED,
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

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->url);
  g_free (job->relpath);
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
  SgListPage *page;
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
  page = sg_pokeapi_parse_list (data, length, &error);
  if (page == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, page, (GDestroyNotify) sg_list_page_free);
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
  if (sg_library_has_valid_sprite (job->library, job->relpath))
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

  body = sg_http_get (job->http, job->url, SG_HTTP_MAX_IMAGE_BYTES, cancellable, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Decoding is the only full check that a PNG is whole; the header check in
   * sg_image_decode() runs first, so a huge image is never decoded. */
  texture = sg_image_decode (body, &error);
  if (texture == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!sg_library_store (job->library, job->relpath, body, cancellable, &error))
    {
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

  result = g_new0 (SpriteResult, 1);
  result->texture = job->decode ? g_steal_pointer (&texture) : NULL;
  result->path = g_build_filename (sg_library_get_folder (job->library), job->relpath, NULL);
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
         self->in_flight < self->workers &&
         !g_queue_is_empty (&self->queue))
    start_job (self, g_queue_pop_head (&self->queue));
}

static void
queue_sprite (SgDownloader *self,
              guint         index,
              SgDetail     *detail)
{
  SgPokemon *item = g_ptr_array_index (self->item_array, index);
  const char *url = detail->sprite_urls[self->variant];
  g_autofree char *relpath = NULL;
  gpointer other;
  Job *job;

  sg_pokemon_set_identity (item, detail->id, detail->name);
  sg_pokemon_set_types (item, (const char * const *) detail->types);

  if (url == NULL)
    {
      finish_item (self, index, SG_ITEM_STATE_MISSING, NULL, NULL, NULL);
      return;
    }

  /* Two entries must never write the same file: a duplicate, or names that
   * differ only in what the sanitiser removes. The first one keeps it. */
  relpath = sg_library_sprite_relpath (detail->id, detail->name, self->variant);
  other = g_hash_table_lookup (self->claimed, relpath);
  if (other != NULL)
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
  /* At the front: finishing started items first brings the first sprite
   * sooner and keeps the number of half-done items small. */
  g_queue_push_head (&self->queue, job);
}

/* ── Stored sprites: found and decoded off the main thread ─────────────── */

typedef struct {
  SgLibrary  *library;   /* (owned) */
  GPtrArray  *relpaths;  /* (owned) (element-type utf8) (nullable elements) */
  guint      *indices;   /* (owned) the item index of each relpath */
  gboolean    decode;
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
 * (a few µs each); with decode set it also loads their textures. */
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
      if (relpath == NULL || !sg_library_has_valid_sprite (scan->library, relpath))
        continue;

      if (scan->decode)
        {
          result->textures[i] = load_stored (scan->library, relpath, NULL);
          result->stored[i] = result->textures[i] != NULL;
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
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, scan_done, source_tag);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, scan, scan_data_free);
  self->pending_local++;
  g_task_run_in_thread (task, scan_thread);
}

static ScanData *
scan_data_new (SgDownloader *self,
               gboolean      decode)
{
  ScanData *scan = g_new0 (ScanData, 1);

  scan->library = g_object_ref (self->library);
  scan->decode = decode;
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

  g_hash_table_insert (self->claimed, g_strdup (relpath), GUINT_TO_POINTER (index + 1));
  finish_item (self, index, SG_ITEM_STATE_STORED, texture, path, NULL);
}

static void
queue_detail (SgDownloader *self,
              guint         index)
{
  SgListEntry *entry = g_ptr_array_index (self->entries, index);

  g_queue_push_tail (&self->queue, job_new (self, JOB_DETAIL, index, entry->url));
}

/* Two passes: the first (one task, decode unset) finds which items are
 * stored, so that every other item's detail is queued at once and in
 * Pokédex order; the second decodes the stored ones in batches, spread over
 * the shared pool's threads. */
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
  result = g_task_propagate_pointer (G_TASK (res), NULL);

  for (guint i = 0; i < scan->relpaths->len; i++)
    {
      guint index = scan->indices[i];
      const char *relpath = g_ptr_array_index (scan->relpaths, i);
      gboolean stored = result != NULL && result->stored[i];

      if (is_cancelled (self))
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
        queue_detail (self, index);
    }

  if (batch != NULL)
    start_scan (self, g_steal_pointer (&batch), start_scan);

  g_clear_pointer (&result, scan_result_free);
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
                       ? sg_library_sprite_relpath (entry->id, entry->name, self->variant)
                       : NULL);
    }

  start_scan (self, scan, scan_stored);
}

/* ── The list ──────────────────────────────────────────────────────────── */

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

static void
list_complete (SgDownloader *self)
{
  g_autoptr(GPtrArray) new_items = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->entries->len > self->limit && self->limit > 0)
    g_ptr_array_set_size (self->entries, self->limit);

  for (guint i = 0; i < self->entries->len; i++)
    {
      SgListEntry *entry = g_ptr_array_index (self->entries, i);

      g_ptr_array_add (new_items, sg_pokemon_new (entry->id, entry->name));
    }

  for (guint i = 0; i < new_items->len; i++)
    g_ptr_array_add (self->item_array, g_object_ref (g_ptr_array_index (new_items, i)));

  /* The scan (and after it the first requests) starts before the splice,
   * which makes the grid's cells and takes a while on the main thread. */
  scan_stored (self);

  /* One splice, so the grid lays out once, not N times. */
  g_list_store_splice (self->items, 0, 0, new_items->pdata, new_items->len);

  self->stats.requested = self->entries->len;
  self->list_done = TRUE;
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
list_page_done (SgDownloader *self,
                SgListPage   *page)
{
  guint wanted = self->limit > 0 ? self->limit : MAX_LIST_ENTRIES;
  guint before = self->entries->len;

  if (self->limit == 0 && page->count >= 0)
    wanted = (guint) MIN (page->count, (gint64) MAX_LIST_ENTRIES);

  for (guint i = 0; i < page->entries->len && self->entries->len < wanted; i++)
    {
      /* Moved, not copied: the page frees what is left. */
      g_ptr_array_add (self->entries, g_ptr_array_index (page->entries, i));
      page->entries->pdata[i] = NULL;
    }

  /* The live API keeps a `next` even when this page already holds all N, so
   * stop as soon as we have N; an empty page or a runaway chain stops too. */
  if (self->entries->len < wanted &&
      page->next != NULL &&
      self->entries->len > before &&
      ++self->pages < MAX_LIST_PAGES)
    {
      g_queue_push_head (&self->queue, job_new (self, JOB_LIST, 0, page->next));
      return;
    }

  list_complete (self);
}

/* ── Completion ────────────────────────────────────────────────────────── */

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
        g_autoptr(SgListPage) page = g_task_propagate_pointer (task, &error);

        if (page != NULL)
          list_page_done (self, page);
        else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_LIST,
                                       _("Could not load the Pokémon list: %s"),
                                       error->message));
      }
      break;

    case JOB_DETAIL:
      {
        g_autoptr(SgDetail) detail = g_task_propagate_pointer (task, &error);

        if (detail != NULL)
          queue_sprite (self, job->index, detail);
        else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          fail_item (self, job->index, _("Could not load its details"), error);
      }
      break;

    case JOB_SPRITE:
      {
        SpriteResult *sprite = g_task_propagate_pointer (task, &error);

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
        else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          fail_item (self, job->index, _("Could not download the sprite"), error);
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
  g_clear_object (&self->http);
  g_clear_object (&self->library);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->claimed, g_hash_table_unref);
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

  all_done = self->list_done && self->n_finished == self->stats.requested;
  if (!all_done && self->run_error == NULL && !is_cancelled (self))
    return;

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

static void
prepare_folder_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  SgLibrary *library = task_data;
  g_autoptr(GError) error = NULL;

  if (!sg_library_ensure_folder (library, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    {
      /* Leftovers of a run that was killed mid-write. */
      sg_library_clean_temporary (library);
      g_task_return_boolean (task, TRUE);
    }
}

static void
prepare_folder_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SgDownloader *self = SG_DOWNLOADER (object);
  g_autoptr(GError) error = NULL;

  self->pending_local--;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail_run (self, g_error_new (SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_FOLDER,
                                     _("Cannot use the download folder: %s"), error->message));
    }
  else if (!is_cancelled (self))
    {
      g_autofree char *url = sg_pokeapi_list_url (self->base_url,
                                                  self->limit > 0 ? self->limit : ALL_PAGE_SIZE);

      g_queue_push_tail (&self->queue, job_new (self, JOB_LIST, 0, url));
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
  g_autoptr(GTask) prepare = NULL;

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

  /* Forget the previous run. */
  g_ptr_array_set_size (self->item_array, 0);
  g_list_store_remove_all (self->items);
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
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sg_list_entry_free);
  self->list_done = FALSE;
  self->claimed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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

  prepare = g_task_new (self, self->cancellable, prepare_folder_done, NULL);
  g_task_set_source_tag (prepare, prepare_folder_thread);
  g_task_set_task_data (prepare, g_object_ref (self->library), g_object_unref);
  self->pending_local++;
  g_task_run_in_thread (prepare, prepare_folder_thread);
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

  G_OBJECT_CLASS (sg_downloader_parent_class)->dispose (object);
}

static void
sg_downloader_finalize (GObject *object)
{
  SgDownloader *self = SG_DOWNLOADER (object);

  reset_run (self);
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

    case PROP_RUNNING:
      g_value_set_boolean (value, self->run_task != NULL);
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
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
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
