/* sg-http.c: the one HTTP client: limits, deadline, caps, retries
 *
 * Every limit on what the network may do to us lives in this file, each with
 * its reason. Calls block and are made from worker threads: libsoup 3.2 lets
 * any thread send on a session configured before its first request.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-http"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "sg-http.h"
#include "sg-pokeapi.h"

/* A stalled server must not hold a worker for long without the user seeing why:
 * one request, all its attempts and waits included, ends after this long. */
#define DEFAULT_DEADLINE_MS   30000
/* A read or connect that makes no progress for this long is a timeout (and is
 * retried while the deadline allows). */
#define DEFAULT_IO_TIMEOUT_MS 10000
/* First back-off step; doubled each attempt, with jitter so that W workers
 * failing together do not retry together. */
#define DEFAULT_BACKOFF_MS    250
/* Connection errors, timeouts, 408, 429 and 5xx get this many attempts. */
#define MAX_ATTEMPTS          3
/* Redirects are followed by hand so that each target is checked. */
#define MAX_REDIRECTS         5
#define READ_CHUNK            (64 * 1024)
/* How often a request waiting behind a host's probe looks again. */
#define PROBE_POLL_US         (50 * 1000)

/* A host that asked us to slow down (429, or a Retry-After) is backed off as
 * a whole: nothing is sent to it before not_before, and then only one
 * request at a time (the probe) until one succeeds. Otherwise W workers
 * would retry together, three times each. */
typedef struct {
  gint64   not_before;  /* monotonic µs */
  gboolean limited;     /* asked to slow down, no success since */
  gboolean probing;     /* the one request allowed while limited is out */
  guint    status;      /* what it answered when it asked */
} HostState;

struct _SgHttp
{
  GObject      parent_instance;

  SoupSession *session;       /* (owned) */
  guint        deadline_ms;
  guint        io_timeout_ms;
  guint        backoff_ms;

  /* Counters, updated from workers. */
  gint         requests;      /* (atomic) */
  gint         in_flight;     /* (atomic) */
  gint         max_in_flight; /* (atomic) */

  /* A server that answers 429 or 503 with Retry-After is asking the whole
   * host to slow down, not one URL: every request to it waits. */
  GMutex       hosts_lock;
  GHashTable  *hosts;         /* (owned) host → HostState */
};

G_DEFINE_FINAL_TYPE (SgHttp, sg_http, G_TYPE_OBJECT)

G_DEFINE_QUARK (sg-http-error-quark, sg_http_error)

static void
sg_http_finalize (GObject *object)
{
  SgHttp *self = SG_HTTP (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->hosts, g_hash_table_unref);
  g_mutex_clear (&self->hosts_lock);

  G_OBJECT_CLASS (sg_http_parent_class)->finalize (object);
}

static void
sg_http_class_init (SgHttpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sg_http_finalize;
}

static void
sg_http_init (SgHttp *self)
{
  self->deadline_ms = DEFAULT_DEADLINE_MS;
  self->io_timeout_ms = DEFAULT_IO_TIMEOUT_MS;
  self->backoff_ms = DEFAULT_BACKOFF_MS;
  g_mutex_init (&self->hosts_lock);
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * sg_http_new:
 * @max_connections: how many requests may run at once (the worker count)
 *
 * The session's connection limits are construct-only, and the defaults (10,
 * and 2 per host) would silently serialise our workers on one host.
 */
SgHttp *
sg_http_new (guint max_connections)
{
  SgHttp *self = g_object_new (SG_TYPE_HTTP, NULL);
  g_autofree char *user_agent = NULL;

  max_connections = MAX (max_connections, 1);
  /* PokeAPI's fair-use policy asks for a descriptive User-Agent. */
  user_agent = g_strdup_printf ("sprite-gallery/%s (+https://github.com/spritegallery/sprite-gallery) ",
                                PACKAGE_VERSION);
  self->session = soup_session_new_with_options ("max-conns", max_connections + 2,
                                                 "max-conns-per-host", max_connections,
                                                 "user-agent", user_agent,
                                                 "timeout", DEFAULT_IO_TIMEOUT_MS / 1000,
                                                 NULL);

  return self;
}

/**
 * sg_http_set_deadline:
 *
 * Call before the first request: the session may not change while workers
 * use it.
 */
void
sg_http_set_deadline (SgHttp *self,
                      guint   deadline_ms,
                      guint   io_timeout_ms)
{
  g_return_if_fail (SG_IS_HTTP (self));
  g_return_if_fail (deadline_ms > 0 && io_timeout_ms > 0);

  self->deadline_ms = deadline_ms;
  self->io_timeout_ms = MIN (io_timeout_ms, deadline_ms);
  /* libsoup counts whole seconds. */
  soup_session_set_timeout (self->session, MAX (1, (self->io_timeout_ms + 999) / 1000));
}

void
sg_http_set_backoff (SgHttp *self,
                     guint   base_ms)
{
  g_return_if_fail (SG_IS_HTTP (self));

  self->backoff_ms = base_ms;
}

guint
sg_http_get_requests (SgHttp *self)
{
  g_return_val_if_fail (SG_IS_HTTP (self), 0);

  return (guint) g_atomic_int_get (&self->requests);
}

guint
sg_http_get_max_in_flight (SgHttp *self)
{
  g_return_val_if_fail (SG_IS_HTTP (self), 0);

  return (guint) g_atomic_int_get (&self->max_in_flight);
}

static void
in_flight_begin (SgHttp *self)
{
  int now;
  int max;

  g_atomic_int_inc (&self->requests);
  now = g_atomic_int_add (&self->in_flight, 1) + 1;
  do
    max = g_atomic_int_get (&self->max_in_flight);
  while (now > max && !g_atomic_int_compare_and_exchange (&self->max_in_flight, max, now));
}

static void
in_flight_end (SgHttp *self)
{
  g_atomic_int_add (&self->in_flight, -1);
}

/* Sleeps up to @delay_us, waking at once when @cancellable is cancelled, so a
 * worker waiting out a back-off never delays a Stop. */
static gboolean
sleep_cancellable (gint64         delay_us,
                   GCancellable  *cancellable,
                   GError       **error)
{
  GPollFD pollfd;
  gint64 end = g_get_monotonic_time () + delay_us;

  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_usleep (delay_us);
      return TRUE;
    }

  for (;;)
    {
      gint64 left = end - g_get_monotonic_time ();

      if (g_cancellable_is_cancelled (cancellable) || left <= 0)
        break;
      g_poll (&pollfd, 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
    }
  g_cancellable_release_fd (cancellable);

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Retry-After is either seconds or an HTTP date; returns µs, or -1. */
static gint64
parse_retry_after (SoupMessage *msg)
{
  const char *value;
  guint64 seconds;

  value = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  if (value == NULL)
    return -1;

  if (g_ascii_string_to_unsigned (value, 10, 0, 24 * 3600, &seconds, NULL))
    return (gint64) seconds * G_USEC_PER_SEC;
  else
    {
      g_autoptr(GDateTime) date = soup_date_time_new_from_http_string (value);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      if (date == NULL)
        return -1;
      return MAX (0, g_date_time_difference (date, now));
    }
}

static gboolean
status_is_retryable (guint status)
{
  return status == SOUP_STATUS_REQUEST_TIMEOUT ||
         status == 429 /* Too Many Requests: libsoup 3.2 has no name for it */ ||
         (status >= 500 && status < 600);
}

static gboolean
error_is_retryable (const GError *error)
{
  if (error->domain == SG_HTTP_ERROR)
    return error->code == SG_HTTP_ERROR_NETWORK || error->code == SG_HTTP_ERROR_UNREACHABLE;

  /* Anything the transport reports (refused, reset, timed out, closed early,
   * a garbled response) may pass; cancellation never does. */
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Host and port: another port is another server. */
static char *
host_key (GUri *uri)
{
  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
}

/* Waits until @uri's host may be sent a request: a host that asked us to
 * slow down gets nothing before its time, then one request at a time. Sets
 * *probe when this request is that one (host_done() gives it back). Fails
 * rather than wait past @deadline. */
static gboolean
wait_for_host (SgHttp        *self,
               GUri          *uri,
               gint64         deadline,
               gboolean      *probe,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *key = host_key (uri);

  *probe = FALSE;

  for (;;)
    {
      HostState *state;
      gint64 now = g_get_monotonic_time ();
      gint64 until;
      guint status;

      g_mutex_lock (&self->hosts_lock);
      state = g_hash_table_lookup (self->hosts, key);
      if (state == NULL || (state->not_before <= now && !(state->limited && state->probing)))
        {
          if (state != NULL && state->limited)
            state->probing = *probe = TRUE;
          g_mutex_unlock (&self->hosts_lock);
          return TRUE;
        }
      until = state->not_before > now ? state->not_before : now + PROBE_POLL_US;
      status = state->status;
      g_mutex_unlock (&self->hosts_lock);

      if (until >= deadline)
        {
          g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_TIMEOUT,
                       /* Translators: %s is a host name, %u an HTTP status such as 429 */
                       _("Gave up: %s answered %u and asked to wait longer than allowed"),
                       g_uri_get_host (uri), status);
          return FALSE;
        }

      if (!sleep_cancellable (until - now, cancellable, error))
        return FALSE;
    }
}

/* After each attempt: a success lifts the host's back-off, an answer that
 * asks to slow down (re)starts it, and the probe is given back. */
static void
host_done (SgHttp  *self,
           GUri    *uri,
           gboolean probe,
           gboolean success,
           guint    status,
           gint64   retry_after_us)
{
  g_autofree char *key = host_key (uri);
  gboolean slow_down = status == 429 || (retry_after_us >= 0 && status_is_retryable (status));
  HostState *state;

  g_mutex_lock (&self->hosts_lock);
  state = g_hash_table_lookup (self->hosts, key);
  if (state == NULL && slow_down)
    {
      state = g_new0 (HostState, 1);
      g_hash_table_insert (self->hosts, g_steal_pointer (&key), state);
    }
  if (state != NULL)
    {
      if (probe)
        state->probing = FALSE;
      if (success)
        state->limited = FALSE;
      else if (slow_down)
        {
          gint64 wait_us = retry_after_us >= 0 ? retry_after_us : (gint64) self->backoff_ms * 1000;

          state->limited = TRUE;
          state->status = status;
          state->not_before = MAX (state->not_before, g_get_monotonic_time () + wait_us);
        }
    }
  g_mutex_unlock (&self->hosts_lock);
}

static GBytes *
read_body (GInputStream  *stream,
           goffset        content_length,
           gsize          max_bytes,
           gint64         deadline,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GByteArray) body = NULL;

  /* The declared length is only a hint (the decoder may change it), but it
   * saves regrowing the buffer for most bodies. */
  body = g_byte_array_sized_new (content_length > 0 && (gsize) content_length <= max_bytes
                                 ? (guint) content_length : READ_CHUNK);

  for (;;)
    {
      gssize n;
      guint old_len = body->len;

      g_byte_array_set_size (body, old_len + READ_CHUNK);
      n = g_input_stream_read (stream, body->data + old_len, READ_CHUNK, cancellable, error);
      if (n < 0)
        return NULL;
      g_byte_array_set_size (body, old_len + (guint) n);
      if (n == 0)
        break;

      /* Counted after content decoding, so a gzip bomb is cut off here. */
      if (body->len > max_bytes)
        {
          g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_LARGE,
                       _("The response is larger than the %u KiB allowed"),
                       (guint) (max_bytes / 1024));
          return NULL;
        }

      /* A body that drips in slowly never trips the I/O timeout. */
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error_literal (error, SG_HTTP_ERROR, SG_HTTP_ERROR_TIMEOUT,
                               _("The server is sending the response too slowly"));
          return NULL;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

/* The proxy GLib's resolver (the session's) picks for @uri, or NULL when
 * the connection is direct. Only asked after a failure. */
static char *
dup_proxy_for (SgHttp *self,
               GUri   *uri)
{
  GProxyResolver *resolver = soup_session_get_proxy_resolver (self->session);
  g_autofree char *uri_string = g_uri_to_string (uri);
  g_auto(GStrv) proxies = NULL;

  if (resolver == NULL)
    return NULL;

  proxies = g_proxy_resolver_lookup (resolver, uri_string, NULL, NULL);
  if (proxies == NULL || proxies[0] == NULL || g_str_has_prefix (proxies[0], "direct://"))
    return NULL;

  return g_strdup (proxies[0]);
}

static gboolean
is_unreachable (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND);
}

void
sg_http_cache_info_clear (SgHttpCacheInfo *info)
{
  g_clear_pointer (&info->etag, g_free);
  g_clear_pointer (&info->last_modified, g_free);
  info->max_age = -1;
  info->not_modified = FALSE;
}

/* Validators and freshness, from the last response of a redirect chain. */
static void
read_cache_info (SoupMessage     *msg,
                 SgHttpCacheInfo *info)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char *cache_control = soup_message_headers_get_list (headers, "Cache-Control");
  const char *etag = soup_message_headers_get_one (headers, "ETag");
  const char *last_modified = soup_message_headers_get_one (headers, "Last-Modified");

  sg_http_cache_info_clear (info);

  /* Validators go back to the server verbatim in a header: refuse what could
   * not be sent again (control characters, absurd lengths). */
  if (etag != NULL && strlen (etag) < 256 && g_utf8_validate (etag, -1, NULL) &&
      strpbrk (etag, "\r\n") == NULL)
    info->etag = g_strdup (etag);
  if (last_modified != NULL && strlen (last_modified) < 64 &&
      g_utf8_validate (last_modified, -1, NULL) && strpbrk (last_modified, "\r\n") == NULL)
    info->last_modified = g_strdup (last_modified);

  if (cache_control != NULL)
    {
      g_autoptr(GHashTable) directives = soup_header_parse_param_list (cache_control);
      const char *max_age = g_hash_table_lookup (directives, "max-age");
      guint64 seconds;

      if (g_hash_table_contains (directives, "no-cache") ||
          g_hash_table_contains (directives, "no-store"))
        info->max_age = 0;
      else if (max_age != NULL && g_ascii_string_to_unsigned (max_age, 10, 0, G_MAXINT32,
                                                              &seconds, NULL))
        info->max_age = (gint64) seconds;
    }
}

/* One attempt, redirects included. Sets *retry_after_us when the server said
 * how long to wait. */
static GBytes *
get_once (SgHttp        *self,
          GUri          *start_uri,
          gsize          max_bytes,
          gint64         deadline,
          const char    *if_none_match,
          const char    *if_modified_since,
          SgHttpCacheInfo *info,
          gint64        *retry_after_us,
          guint         *status_out,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GUri) uri = g_uri_ref (start_uri);

  *retry_after_us = -1;
  *status_out = 0;

  for (guint redirects = 0; ; redirects++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *proxy = NULL;
      GBytes *body;
      guint status;

      msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
      /* We follow redirects ourselves, to check where each one leads. */
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      if (if_none_match != NULL)
        soup_message_headers_replace (soup_message_get_request_headers (msg),
                                      "If-None-Match", if_none_match);
      if (if_modified_since != NULL)
        soup_message_headers_replace (soup_message_get_request_headers (msg),
                                      "If-Modified-Since", if_modified_since);

      in_flight_begin (self);
      stream = soup_session_send (self->session, msg, cancellable, &local_error);
      if (stream == NULL)
        {
          in_flight_end (self);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_set_error_literal (error, SG_HTTP_ERROR, SG_HTTP_ERROR_NETWORK,
                                 _("The server did not answer in time"));
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else if ((proxy = dup_proxy_for (self, uri)) != NULL)
            /* A failing proxy looks like a failing server: say which it was. */
            g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_NETWORK,
                         _("Could not reach %s through the proxy %s: %s"),
                         g_uri_get_host (uri), proxy, local_error->message);
          else
            {
              /* No connection at all is how being offline looks; the caller
               * tells it from a server that fails once connected. */
              SgHttpError code = is_unreachable (local_error) ? SG_HTTP_ERROR_UNREACHABLE
                                                              : SG_HTTP_ERROR_NETWORK;

              if (strstr (local_error->message, g_uri_get_host (uri)) != NULL)
                /* GIO's own message already names the host. */
                g_set_error_literal (error, SG_HTTP_ERROR, code, local_error->message);
              else
                g_set_error (error, SG_HTTP_ERROR, code,
                             _("Could not reach %s: %s"), g_uri_get_host (uri), local_error->message);
            }
          return NULL;
        }

      status = soup_message_get_status (msg);
      *status_out = status;

      if (SOUP_STATUS_IS_REDIRECTION (status) && status != SOUP_STATUS_NOT_MODIFIED)
        {
          const char *location;
          g_autoptr(GUri) target = NULL;

          g_input_stream_close (stream, NULL, NULL);
          in_flight_end (self);

          location = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                   "Location");
          if (location != NULL)
            target = g_uri_parse_relative (uri, location, SOUP_HTTP_URI_FLAGS, NULL);
          if (target == NULL)
            {
              g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_STATUS,
                           _("The server answered %u with no usable address to go to"), status);
              return NULL;
            }
          else
            {
              g_autofree char *target_string = g_uri_to_string (target);

              if (!sg_pokeapi_is_http_url (target_string))
                {
                  g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_BAD_URL,
                               _("Refusing to follow a redirect to a “%s” address"),
                               g_uri_get_scheme (target));
                  return NULL;
                }
            }
          if (redirects + 1 > MAX_REDIRECTS)
            {
              g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_MANY_REDIRECTS,
                           _("Too many redirects (more than %u)"), MAX_REDIRECTS);
              return NULL;
            }

          g_clear_pointer (&uri, g_uri_unref);
          uri = g_steal_pointer (&target);
          continue;
        }

      if (info != NULL)
        read_cache_info (msg, info);

      if (status == SOUP_STATUS_NOT_MODIFIED && info != NULL &&
          (if_none_match != NULL || if_modified_since != NULL))
        {
          g_input_stream_close (stream, NULL, NULL);
          in_flight_end (self);
          info->not_modified = TRUE;
          return g_bytes_new (NULL, 0);
        }

      if (!SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          g_input_stream_close (stream, NULL, NULL);
          in_flight_end (self);
          *retry_after_us = parse_retry_after (msg);
          g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_STATUS,
                       /* Translators: %u is an HTTP status code, %s its reason, e.g. “404 (Not Found)” */
                       _("The server answered %u (%s)"), status,
                       soup_message_get_reason_phrase (msg) != NULL &&
                       *soup_message_get_reason_phrase (msg) != '\0'
                       ? soup_message_get_reason_phrase (msg)
                       : soup_status_get_phrase (status));
          return NULL;
        }

      {
        SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
        goffset length = soup_message_headers_get_content_length (headers);
        const char *encoding = soup_message_headers_get_one (headers, "Content-Encoding");

        /* Without content coding the declared length is the body's: refuse
         * early rather than read 8 MiB to find out. */
        if (encoding == NULL && length > 0 && (guint64) length > max_bytes)
          {
            g_input_stream_close (stream, NULL, NULL);
            in_flight_end (self);
            g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_LARGE,
                         _("The response is larger than the %u KiB allowed"),
                         (guint) (max_bytes / 1024));
            return NULL;
          }

        body = read_body (stream, encoding == NULL ? length : 0, max_bytes, deadline,
                          cancellable, &local_error);
      }
      g_input_stream_close (stream, NULL, NULL);
      in_flight_end (self);

      if (body == NULL)
        {
          if (local_error->domain == SG_HTTP_ERROR ||
              g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_set_error_literal (error, SG_HTTP_ERROR, SG_HTTP_ERROR_NETWORK,
                                 _("The server stopped sending the response"));
          else
            g_set_error (error, SG_HTTP_ERROR, SG_HTTP_ERROR_NETWORK,
                         _("The connection to %s broke: %s"),
                         g_uri_get_host (uri), local_error->message);
        }

      return body;
    }
}

/**
 * sg_http_get:
 * @url: an http or https URL (anything else is refused)
 * @max_bytes: cap on the decoded body
 *
 * Blocking GET with the retry policy: connection errors, timeouts, 408, 429
 * and 5xx are tried up to three times with exponential back-off and jitter,
 * honouring Retry-After; everything else fails at once. Never takes longer
 * than the deadline.
 *
 * Returns: (transfer full): the body
 */
GBytes *
sg_http_get (SgHttp        *self,
             const char    *url,
             gsize          max_bytes,
             GCancellable  *cancellable,
             GError       **error)
{
  return sg_http_get_conditional (self, url, max_bytes, NULL, NULL, NULL, cancellable, error);
}

/**
 * sg_http_get_conditional:
 * @if_none_match: (nullable): an ETag from an earlier response
 * @if_modified_since: (nullable): a Last-Modified from an earlier response
 * @info: (out caller-allocates) (optional): the response's validators and
 *   max-age; clear it with sg_http_cache_info_clear()
 *
 * sg_http_get() that revalidates: when the server answers 304 the result is
 * an empty body and @info->not_modified is set.
 *
 * Returns: (transfer full): the body
 */
GBytes *
sg_http_get_conditional (SgHttp          *self,
                         const char      *url,
                         gsize            max_bytes,
                         const char      *if_none_match,
                         const char      *if_modified_since,
                         SgHttpCacheInfo *info,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_autoptr(GUri) uri = NULL;
  gint64 start;
  gint64 deadline;

  g_return_val_if_fail (SG_IS_HTTP (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sg_pokeapi_is_http_url (url) ||
      (uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL)) == NULL)
    {
      g_set_error_literal (error, SG_HTTP_ERROR, SG_HTTP_ERROR_BAD_URL,
                           _("The address is not an http or https URL"));
      return NULL;
    }

  start = g_get_monotonic_time ();
  deadline = start + (gint64) self->deadline_ms * 1000;

  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 retry_after_us = -1;
      gint64 delay_us;
      guint status = 0;
      GBytes *body;
      gboolean probe;

      if (!wait_for_host (self, uri, deadline, &probe, cancellable, error))
        return NULL;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          host_done (self, uri, probe, FALSE, 0, -1);
          return NULL;
        }

      body = get_once (self, uri, max_bytes, deadline, if_none_match, if_modified_since, info,
                       &retry_after_us, &status, cancellable, &local_error);
      host_done (self, uri, probe, body != NULL, status, retry_after_us);
      if (body != NULL)
        return body;

      if (local_error->domain == SG_HTTP_ERROR && local_error->code == SG_HTTP_ERROR_STATUS)
        {
          if (!status_is_retryable (status) || attempt >= MAX_ATTEMPTS)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
        }
      else if (!error_is_retryable (local_error) || attempt >= MAX_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      delay_us = (gint64) self->backoff_ms * 1000 * (1 << (attempt - 1));
      delay_us = (gint64) (delay_us * g_random_double_range (0.5, 1.5));
      if (retry_after_us >= 0)
        delay_us = MAX (delay_us, retry_after_us);

      if (g_get_monotonic_time () + delay_us >= deadline)
        {
          if (retry_after_us >= 0)
            g_prefix_error (&local_error,
                            _("Gave up: the server asked to wait %d s. "),
                            (int) (retry_after_us / G_USEC_PER_SEC));
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      g_debug ("Attempt %u for %s failed (%s); retrying in %" G_GINT64_FORMAT " ms",
               attempt, url, local_error->message, delay_us / 1000);

      if (!sleep_cancellable (delay_us, cancellable, error))
        return NULL;
    }
}
