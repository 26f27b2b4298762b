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
