/* sg-http.h: the one HTTP client: limits, deadline, caps, retries
 *
 * Blocking calls, made from worker threads; the session is configured
 * completely in sg_http_new(), on the thread that creates it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SG_TYPE_HTTP (sg_http_get_type ())
#define SG_HTTP_ERROR (sg_http_error_quark ())

G_DECLARE_FINAL_TYPE (SgHttp, sg_http, SG, HTTP, GObject)

typedef enum {
  SG_HTTP_ERROR_STATUS,             /* the server answered with an error status */
  SG_HTTP_ERROR_TOO_LARGE,          /* the body passed its cap */
  SG_HTTP_ERROR_BAD_URL,            /* not an http(s) URL */
  SG_HTTP_ERROR_TOO_MANY_REDIRECTS,
  SG_HTTP_ERROR_TIMEOUT,            /* the request's deadline passed */
  SG_HTTP_ERROR_NETWORK,            /* reset, timed out, broken mid-body, … */
  SG_HTTP_ERROR_UNREACHABLE,        /* no connection at all: refused, no route, no name */
} SgHttpError;

/* Caps on bodies after content decoding, so a gzip bomb counts at full size. */
#define SG_HTTP_MAX_JSON_BYTES  (8 * 1024 * 1024)
#define SG_HTTP_MAX_IMAGE_BYTES (2 * 1024 * 1024)

/* What a response says about caching it, and whether it was a 304. */
typedef struct {
  char     *etag;           /* (nullable) */
  char     *last_modified;  /* (nullable) */
  gint64    max_age;        /* seconds from Cache-Control; -1 when absent */
  gboolean  not_modified;   /* 304: the body is empty, keep what you have */
} SgHttpCacheInfo;

void     sg_http_cache_info_clear  (SgHttpCacheInfo *info);

GQuark   sg_http_error_quark       (void);
SgHttp  *sg_http_new               (guint          max_connections);
void     sg_http_set_deadline      (SgHttp        *self,
                                    guint          deadline_ms,
                                    guint          io_timeout_ms);
void     sg_http_set_backoff       (SgHttp        *self,
                                    guint          base_ms);
GBytes  *sg_http_get               (SgHttp        *self,
                                    const char    *url,
                                    gsize          max_bytes,
                                    GCancellable  *cancellable,
                                    GError       **error);
GBytes  *sg_http_get_conditional   (SgHttp          *self,
                                    const char      *url,
                                    gsize            max_bytes,
                                    const char      *if_none_match,
                                    const char      *if_modified_since,
                                    SgHttpCacheInfo *info,
                                    GCancellable    *cancellable,
                                    GError         **error);
guint    sg_http_get_requests      (SgHttp        *self);
guint    sg_http_get_max_in_flight (SgHttp        *self);

G_END_DECLS
