/* sg-fake-server.h
 *
 * A fake PokeAPI (list, details, sprites) on 127.0.0.1, running in its own
 * thread, for tests, demos and benchmarks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SG_FAKE_FAULT_SERVICE_UNAVAILABLE, /* detail: first 2 requests answer 503 with Retry-After: 1, then OK */
  SG_FAKE_FAULT_RESET,               /* sprite: first request sends headers + half the body, then closes the connection; later requests OK */
  SG_FAKE_FAULT_STALL,               /* sprite: headers and part of the body, then nothing, forever (until the client goes away or the server stops) */
  SG_FAKE_FAULT_NOT_FOUND,           /* detail: 404 */
  SG_FAKE_FAULT_INVALID_JSON,        /* detail: 200 with a body that is not JSON */
  SG_FAKE_FAULT_NOT_PNG,             /* sprite: 200, Content-Type image/png, body is HTML */
  SG_FAKE_FAULT_NULL_SPRITE,         /* detail: every top-level sprite URL is null */
  /* Hostile servers (the id picks the Pokémon; "list:" faults ignore it and
   * change every list page). */
  SG_FAKE_FAULT_HUGE_LENGTH,         /* sprite: 200 declaring Content-Length 64 MiB, and sending it */
  SG_FAKE_FAULT_ENDLESS,             /* sprite: 200 chunked, no Content-Length, chunks of zeros forever */
  SG_FAKE_FAULT_GZIP_BOMB,           /* detail: 200 gzip, ~32 KiB on the wire, 32 MiB decoded */
  SG_FAKE_FAULT_HUGE_PNG,            /* sprite: a whole PNG of 8192×8192 pixels (256 MiB decoded, ~260 KiB on the wire) */
  SG_FAKE_FAULT_TRUNCATED_PNG,       /* sprite: the first half of the PNG, with a matching Content-Length */
  SG_FAKE_FAULT_EMPTY_BODY,          /* sprite: 200 image/png with an empty body */
  SG_FAKE_FAULT_WRONG_TYPES,         /* detail: "id" a string, "name" an array, "sprites" a string */
  SG_FAKE_FAULT_MISSING_KEYS,        /* detail: only "name" and "types": no "id", no "sprites" */
  SG_FAKE_FAULT_SPRITES_NULL,        /* detail: "sprites": null */
  SG_FAKE_FAULT_LIST_NO_RESULTS,     /* list: no "results" member */
  SG_FAKE_FAULT_LIST_COUNT_STRING,   /* list: "count" is a string */
  SG_FAKE_FAULT_LIST_FILE_URL,       /* list: this id's entry has the URL file:///etc/passwd */
  SG_FAKE_FAULT_FILE_URL,            /* detail: the top-level sprite URLs are file:///etc/passwd */
  SG_FAKE_FAULT_DATA_URL,            /* detail: the top-level sprite URLs are data: URLs of a valid PNG */
  SG_FAKE_FAULT_REDIRECT_FILE,       /* sprite: 302 to file:///etc/passwd */
  SG_FAKE_FAULT_REDIRECT_DATA,       /* sprite: 302 to a data: URL of a valid PNG */
  SG_FAKE_FAULT_REDIRECT_LOOP,       /* sprite: 302 to itself, forever */
  SG_FAKE_FAULT_REDIRECT_CHAIN,      /* sprite: three 307 redirects (?hop=1…3), then the PNG */
  SG_FAKE_FAULT_SLOW_DRIP,           /* sprite: headers, then the PNG one byte a second */
  SG_FAKE_FAULT_RESET_ALWAYS,        /* sprite: every request: headers + half the body, then close */
  SG_FAKE_FAULT_TOO_MANY_REQUESTS,   /* detail: first 2 requests answer 429 with Retry-After: 1, then OK */
  SG_FAKE_FAULT_RATE_LIMITED,        /* detail and sprite: always 429 with Retry-After: 2 */
  SG_FAKE_FAULT_NAME_NUL,            /* list and detail: the name goes on after a \u0000 escape with "/../../nul" */
} SgFakeFault;

typedef struct _SgFakeServer SgFakeServer;

SgFakeServer *sg_fake_server_new               (guint         count,
                                                guint         latency_ms);
void          sg_fake_server_add_fault         (SgFakeServer *self,
                                                SgFakeFault   fault,
                                                guint         id);
void          sg_fake_server_set_name          (SgFakeServer *self,
                                                guint         id,
                                                const char   *name);
gboolean      sg_fake_server_start             (SgFakeServer *self,
                                                guint         port,
                                                GError      **error);
char         *sg_fake_server_dup_base_url      (SgFakeServer *self);
guint         sg_fake_server_get_n_requests    (SgFakeServer *self);
guint         sg_fake_server_get_max_in_flight (SgFakeServer *self);
guint         sg_fake_server_get_n_not_modified (SgFakeServer *self);
guint         sg_fake_server_get_in_flight     (SgFakeServer *self);
GPtrArray    *sg_fake_server_dup_request_paths (SgFakeServer *self);
void          sg_fake_server_reset_counters    (SgFakeServer *self);
GBytes       *sg_fake_server_dup_sprite        (SgFakeServer *self,
                                                const char   *variant,
                                                guint         id);
char         *sg_fake_server_dup_name          (SgFakeServer *self,
                                                guint         id);
guint         sg_fake_server_id_at             (SgFakeServer *self,
                                                guint         index);
void          sg_fake_server_free              (SgFakeServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SgFakeServer, sg_fake_server_free)

G_END_DECLS
