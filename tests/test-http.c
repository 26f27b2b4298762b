/* test-http.c: the HTTP client's limits against a misbehaving loopback server
 *
 * The server runs on this thread's main loop; sg_http_get() blocks, so it runs
 * in a thread of its own, as it does in the app's workers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsoup/soup.h>

#include "sg-http.h"

typedef struct {
  SoupServer *server;
  char       *base;       /* http://127.0.0.1:PORT/ */
  guint       hits;       /* requests the server saw */
  char       *user_agent;
  guint       drip_id;
  /* the call */
  SgHttp     *http;
  char       *url;
  gsize       cap;
  GCancellable *cancellable;
  GBytes     *body;
  GError     *error;
  gboolean    done;
} Fixture;

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data);

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->base = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  f->http = sg_http_new (4);
  sg_http_set_deadline (f->http, 3000, 1000);
  sg_http_set_backoff (f->http, 10);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_handle_id (&f->drip_id, g_source_remove);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->http);
  g_clear_object (&f->cancellable);
  g_clear_pointer (&f->body, g_bytes_unref);
  g_clear_error (&f->error);
  g_free (f->base);
  g_free (f->url);
  g_free (f->user_agent);
}

static gpointer
get_thread (gpointer data)
{
  Fixture *f = data;

  f->body = sg_http_get (f->http, f->url, f->cap, f->cancellable, &f->error);
  g_atomic_int_set (&f->done, TRUE);
  g_main_context_wakeup (NULL);

  return NULL;
}

static void
get (Fixture    *f,
     const char *path,
     gsize       cap)
{
  GThread *thread;

  g_free (f->url);
  f->url = g_str_has_prefix (path, "http") || strchr (path, ':') != NULL
           ? g_strdup (path) : g_strconcat (f->base, path, NULL);
  f->cap = cap;
  f->done = FALSE;
  thread = g_thread_new ("get", get_thread, f);
  while (!g_atomic_int_get (&f->done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
}

static gboolean
drip (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, "x", 1);
  soup_server_message_unpause (msg);

  return G_SOURCE_CONTINUE;
}

static void
drip_finished (SoupServerMessage *msg,
               Fixture           *f)
{
  g_clear_handle_id (&f->drip_id, g_source_remove);
}

static GBytes *
gzip_zeros (gsize size)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autofree guint8 *zeros = g_malloc0 (size);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buffer[65536];
  gsize read_bytes, written, offset = 0;
  GConverterResult result;

  do
    {
      result = g_converter_convert (G_CONVERTER (compressor), zeros + offset, size - offset,
                                    buffer, sizeof buffer, G_CONVERTER_INPUT_AT_END,
                                    &read_bytes, &written, NULL);
      offset += read_bytes;
      g_byte_array_append (out, buffer, written);
    }
  while (result != G_CONVERTER_FINISHED && result != G_CONVERTER_ERROR);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  f->hits++;
  g_free (f->user_agent);
  f->user_agent = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                          "User-Agent"));

  if (g_str_equal (path, "/ok"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "hello", 5);
    }
  else if (g_str_equal (path, "/big-with-length"))
    {
      gsize size = 9 * 1024 * 1024;

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_body_append_take (body, g_malloc0 (size), size);
    }
  else if (g_str_equal (path, "/big-chunked"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      for (guint i = 0; i < 48; i++)
        soup_message_body_append_take (body, g_malloc0 (65536), 65536);
      soup_message_body_complete (body);
    }
  else if (g_str_equal (path, "/gzip-bomb"))
    {
      g_autoptr(GBytes) bomb = gzip_zeros (64 * 1024 * 1024);

      g_assert_cmpuint (g_bytes_get_size (bomb), <, SG_HTTP_MAX_IMAGE_BYTES);
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_replace (headers, "Content-Encoding", "gzip");
      soup_message_body_append_bytes (body, bomb);
    }
  else if (g_str_equal (path, "/to-file"))
    {
      soup_server_message_set_redirect (msg, 302, "file:///etc/passwd");
    }
  else if (g_str_equal (path, "/to-data"))
    {
      soup_server_message_set_redirect (msg, 301, "data:text/plain,hi");
    }
  else if (g_str_equal (path, "/loop"))
    {
      soup_server_message_set_redirect (msg, 302, "/loop");
    }
  else if (g_str_has_prefix (path, "/chain/"))
    {
      guint64 n = g_ascii_strtoull (path + strlen ("/chain/"), NULL, 10);
      g_autofree char *next = g_strdup_printf ("/chain/%" G_GUINT64_FORMAT, n - 1);

      if (n == 0)
        {
          soup_server_message_set_status (msg, 200, NULL);
          soup_message_body_append (body, SOUP_MEMORY_STATIC, "end", 3);
        }
      else
        soup_server_message_set_redirect (msg, 307, next);
    }
  else if (g_str_equal (path, "/429-once"))
    {
      if (f->hits == 1)
        {
          soup_server_message_set_status (msg, 429, NULL);
          soup_message_headers_replace (headers, "Retry-After", "1");
        }
      else
        {
          soup_server_message_set_status (msg, 200, NULL);
          soup_message_body_append (body, SOUP_MEMORY_STATIC, "ok", 2);
        }
    }
  else if (g_str_equal (path, "/503-always"))
    {
      soup_server_message_set_status (msg, 503, NULL);
    }
  else if (g_str_equal (path, "/slow-drip"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_server_message_pause (msg);
      f->drip_id = g_timeout_add (100, drip, msg);
      g_signal_connect (msg, "finished", G_CALLBACK (drip_finished), f);
    }
  else if (g_str_equal (path, "/stall"))
    {
      /* Headers and nothing else. */
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_server_message_pause (msg);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static void
test_ok_and_user_agent (Fixture       *f,
                        gconstpointer  data)
{
  get (f, "ok", 1024);
  g_assert_no_error (f->error);
  g_assert_cmpmem (g_bytes_get_data (f->body, NULL), g_bytes_get_size (f->body), "hello", 5);
  g_assert_true (g_str_has_prefix (f->user_agent, "sprite-gallery/"));
  g_assert_cmpuint (sg_http_get_requests (f->http), ==, 1);
}

static void
test_cap_with_length (Fixture       *f,
                      gconstpointer  data)
{
  get (f, "big-with-length", SG_HTTP_MAX_JSON_BYTES);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_LARGE);
  g_assert_cmpuint (f->hits, ==, 1);
}

static void
test_cap_chunked (Fixture       *f,
                  gconstpointer  data)
{
  get (f, "big-chunked", SG_HTTP_MAX_IMAGE_BYTES);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_LARGE);
  g_assert_cmpuint (f->hits, ==, 1);
}

static void
test_cap_gzip_bomb (Fixture       *f,
                    gconstpointer  data)
{
  /* Small on the wire, 64 MiB decoded: the decoded size counts. */
  get (f, "gzip-bomb", SG_HTTP_MAX_JSON_BYTES);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_LARGE);
}

static void
test_bad_url (Fixture       *f,
              gconstpointer  data)
{
  get (f, "file:///etc/passwd", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_BAD_URL);
  g_assert_cmpuint (sg_http_get_requests (f->http), ==, 0);
}

static void
test_redirect_to_file (Fixture       *f,
                       gconstpointer  data)
{
  get (f, "to-file", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_BAD_URL);
  g_clear_error (&f->error);
  get (f, "to-data", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_BAD_URL);
}

static void
test_redirect_loop (Fixture       *f,
                    gconstpointer  data)
{
  get (f, "loop", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_MANY_REDIRECTS);
  /* The first request and five redirects, not retried. */
  g_assert_cmpuint (f->hits, ==, 6);
}

static void
test_redirect_chain (Fixture       *f,
                     gconstpointer  data)
{
  get (f, "chain/5", 1024);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->hits, ==, 6);
  g_clear_pointer (&f->body, g_bytes_unref);

  get (f, "chain/6", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_TOO_MANY_REDIRECTS);
}

static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  get (f, "429-once", 1024);
  g_assert_no_error (f->error);
  g_assert_cmpuint (f->hits, ==, 2);
}

static void
test_no_retry_404 (Fixture       *f,
                   gconstpointer  data)
{
  get (f, "nothing-here", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_STATUS);
  g_assert_nonnull (strstr (f->error->message, "404"));
  g_assert_cmpuint (f->hits, ==, 1);
}

static void
test_retry_gives_up (Fixture       *f,
                     gconstpointer  data)
{
  get (f, "503-always", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_STATUS);
  g_assert_cmpuint (f->hits, ==, 3);
}

static void
test_slow_drip (Fixture       *f,
                gconstpointer  data)
{
  /* Each byte comes before the I/O timeout, so only the deadline stops it. */
  get (f, "slow-drip", 1024 * 1024);
  g_assert_nonnull (f->error);
  g_assert_null (f->body);
  g_test_message ("%s", f->error->message);
}

static void
test_stall (Fixture       *f,
            gconstpointer  data)
{
  get (f, "stall", 1024);
  g_assert_error (f->error, SG_HTTP_ERROR, SG_HTTP_ERROR_NETWORK);
  g_test_message ("%s", f->error->message);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_stall (Fixture       *f,
                   gconstpointer  data)
{
  f->cancellable = g_cancellable_new ();
  sg_http_set_deadline (f->http, 60000, 60000);
  g_timeout_add (200, cancel_later, f->cancellable);
  get (f, "stall", 1024);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/http/ok-and-user-agent", test_ok_and_user_agent);
  ADD ("/http/cap/content-length", test_cap_with_length);
  ADD ("/http/cap/chunked", test_cap_chunked);
  ADD ("/http/cap/gzip-bomb", test_cap_gzip_bomb);
  ADD ("/http/url/not-http", test_bad_url);
  ADD ("/http/redirect/to-file-and-data", test_redirect_to_file);
  ADD ("/http/redirect/loop", test_redirect_loop);
  ADD ("/http/redirect/chain-of-five", test_redirect_chain);
  ADD ("/http/retry/after-429-retry-after", test_retry_after);
  ADD ("/http/retry/not-after-404", test_no_retry_404);
  ADD ("/http/retry/gives-up-after-3", test_retry_gives_up);
  ADD ("/http/deadline/slow-drip", test_slow_drip);
  ADD ("/http/deadline/stall", test_stall);
  ADD ("/http/cancel/stall", test_cancel_stall);

#undef ADD

  return g_test_run ();
}
