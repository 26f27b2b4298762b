/* test-fake-server.c
 *
 * Checks the fake PokeAPI against what the real one does, with a plain
 * SoupSession as the client.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "sg-fake-server.h"

#include <string.h>

#include <cairo.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the default main context until @cond holds; the server changes
 * state in its own thread, so wake up now and then to look. Bounded so a
 * broken server fails the test instead of hanging it. */
#define WAIT_UNTIL(cond)                                                  \
  G_STMT_START {                                                          \
    gint64 deadline_ = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;     \
    guint wake_id_ = g_timeout_add (5, wake_cb, NULL);                    \
    while (!(cond) && g_get_monotonic_time () < deadline_)                \
      g_main_context_iteration (NULL, TRUE);                              \
    g_source_remove (wake_id_);                                           \
    g_assert_true (cond);                                                 \
  } G_STMT_END

static SgFakeServer *
start_server (SgFakeServer *server)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sg_fake_server_start (server, 0, &error));
  g_assert_no_error (error);
  return server;
}

static SoupSession *
new_session (gboolean decode)
{
  SoupSession *session = soup_session_new_with_options ("max-conns", 64,
                                                        "max-conns-per-host", 64,
                                                        "timeout", 60,
                                                        NULL);

  if (!decode)
    soup_session_remove_feature_by_type (session, SOUP_TYPE_CONTENT_DECODER);
  return session;
}

static char *
url_for (SgFakeServer *server,
         const char   *path)
{
  g_autofree char *base = sg_fake_server_dup_base_url (server);

  g_assert_true (g_str_has_suffix (base, "/api/v2/"));
  base[strlen (base) - strlen ("/api/v2/")] = '\0';
  return g_strconcat (base, path, NULL);
}

/* GETs @url; returns the body, the message through @out_msg. */
static GBytes *
fetch_full (SoupSession  *session,
            const char   *url,
            const char   *accept_encoding,
            const char   *if_none_match,
            SoupMessage **out_msg,
            GError      **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  GBytes *body;

  if (accept_encoding != NULL)
    soup_message_headers_replace (headers, "Accept-Encoding", accept_encoding);
  if (if_none_match != NULL)
    soup_message_headers_replace (headers, "If-None-Match", if_none_match);

  body = soup_session_send_and_read (session, msg, NULL, error);
  if (out_msg != NULL)
    *out_msg = g_steal_pointer (&msg);
  return body;
}

static GBytes *
fetch (SoupSession  *session,
       const char   *url,
       SoupMessage **out_msg)
{
  g_autoptr(GError) error = NULL;
  GBytes *body = fetch_full (session, url, NULL, NULL, out_msg, &error);

  g_assert_no_error (error);
  g_assert_nonnull (body);
  return body;
}

static JsonNode *
parse_json (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  json_parser_load_from_data (parser, data, (gssize) len, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static JsonObject *
fetch_object (SoupSession *session,
              const char  *url,
              JsonNode   **out_root)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = fetch (session, url, &msg);

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  *out_root = parse_json (body);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*out_root));
  return json_node_get_object (*out_root);
}

static GBytes *
gunzip (GBytes *gzipped)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) raw = g_memory_input_stream_new_from_bytes (gzipped);
  g_autoptr(GInputStream) stream = g_converter_input_stream_new (raw, G_CONVERTER (decompressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_output_stream_splice (out, stream,
                          G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                          NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static const char *
header (SoupMessage *msg,
        const char  *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (msg), name);
}

/* ------------------------------------------------------------------------ */
/* List                                                                     */

static void
test_list_paging (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 0));
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *base = sg_fake_server_dup_base_url (server);
  g_autofree char *url = g_strconcat (base, "pokemon", NULL);
  g_autofree char *expected_next = g_strconcat (base, "pokemon?offset=20&limit=20", NULL);
  g_autofree char *expected_previous = g_strconcat (base, "pokemon?offset=0&limit=20", NULL);
  g_autoptr(JsonNode) root1 = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  JsonObject *page;
  JsonArray *results;
  g_autofree char *first_name = NULL;
  guint seen = 0;

  page = fetch_object (session, url, &root1);
  g_assert_cmpint (json_object_get_int_member (page, "count"), ==, 30);
  g_assert_cmpstr (json_object_get_string_member (page, "next"), ==, expected_next);
  g_assert_true (json_object_get_null_member (page, "previous"));
  results = json_object_get_array_member (page, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 20);

  /* Follow next, as a client should. */
  while (TRUE)
    {
      for (guint i = 0; i < json_array_get_length (results); i++, seen++)
        {
          JsonObject *entry = json_array_get_object_element (results, i);
          g_autofree char *name = sg_fake_server_dup_name (server, sg_fake_server_id_at (server, seen));
          g_autofree char *detail = g_strdup_printf ("%spokemon/%u/", base,
                                                     sg_fake_server_id_at (server, seen));

          g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, name);
          g_assert_cmpstr (json_object_get_string_member (entry, "url"), ==, detail);
        }
      if (json_object_get_null_member (page, "next"))
        break;

      g_clear_pointer (&root2, json_node_unref);
      page = fetch_object (session, json_object_get_string_member (page, "next"), &root2);
      results = json_object_get_array_member (page, "results");
      g_assert_cmpstr (json_object_get_string_member (page, "previous"), ==, expected_previous);
    }
  g_assert_cmpuint (seen, ==, 30);
  first_name = sg_fake_server_dup_name (server, 1);
  g_assert_cmpstr (first_name, ==, "bulbasaur");
}

static void
test_list_limits (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (1030, 0));
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *base = sg_fake_server_dup_base_url (server);
  g_autofree char *form_name = NULL;
  const struct {
    const char *query;
    guint       n_results;
    guint       first_id;
    gboolean    has_next;
  } cases[] = {
    { "?limit=2000", 1030, 1, FALSE },          /* everything in one page */
    { "?limit=1030", 1030, 1, FALSE },
    { "?limit=1029", 1029, 1, TRUE },
    { "?limit=abc&offset=-5", 20, 1, TRUE },    /* nonsense: defaults */
    { "?limit=0", 20, 1, TRUE },
    { "?limit=10&offset=1025", 5, 10001, FALSE },
    { "?offset=5000", 0, 0, FALSE },
  };

  g_assert_cmpuint (sg_fake_server_id_at (server, 0), ==, 1);
  g_assert_cmpuint (sg_fake_server_id_at (server, 1024), ==, 1025);
  g_assert_cmpuint (sg_fake_server_id_at (server, 1025), ==, 10001);
  g_assert_cmpuint (sg_fake_server_id_at (server, 1029), ==, 10005);
  g_assert_cmpuint (sg_fake_server_id_at (server, 1030), ==, 0);
  /* Names of forms come from names.json too. */
  form_name = sg_fake_server_dup_name (server, 10001);
  g_assert_cmpstr (form_name, ==, "deoxys-attack");
  g_assert_null (sg_fake_server_dup_name (server, 1026));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strconcat (base, "pokemon", cases[i].query, NULL);
      g_autoptr(JsonNode) root = NULL;
      JsonObject *page = fetch_object (session, url, &root);
      JsonArray *results = json_object_get_array_member (page, "results");

      g_test_message ("%s", cases[i].query);
      g_assert_cmpint (json_object_get_int_member (page, "count"), ==, 1030);
      g_assert_cmpuint (json_array_get_length (results), ==, cases[i].n_results);
      g_assert_cmpint (!json_object_get_null_member (page, "next"), ==, cases[i].has_next);
      if (cases[i].n_results > 0)
        {
          g_autofree char *first = g_strdup_printf ("%spokemon/%u/", base, cases[i].first_id);
          JsonObject *entry = json_array_get_object_element (results, 0);

          g_assert_cmpstr (json_object_get_string_member (entry, "url"), ==, first);
        }
    }
}

static void
test_names_escaping (void)
{
  const char *weird = "a\"b\\c\n\t\x01\x1f<>/\x7f" "caf\xc3\xa9 \xff\xfe end";
  g_autoptr(SgFakeServer) server = sg_fake_server_new (5, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *base = NULL;
  g_autofree char *list_url = NULL;
  g_autofree char *detail_url = NULL;
  g_autofree char *served = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(JsonNode) detail = NULL;
  JsonObject *entry;
  JsonObject *object;

  sg_fake_server_set_name (server, 2, weird);
  start_server (server);
  base = sg_fake_server_dup_base_url (server);
  list_url = g_strconcat (base, "pokemon", NULL);
  detail_url = g_strconcat (base, "pokemon/2/", NULL);

  /* Invalid UTF-8 is replaced, everything else kept. */
  served = sg_fake_server_dup_name (server, 2);
  g_assert_true (g_utf8_validate (served, -1, NULL));
  g_assert_true (g_str_has_prefix (served, "a\"b\\c\n\t\x01\x1f<>/\x7f" "caf\xc3\xa9 "));
  g_assert_true (g_str_has_suffix (served, " end"));
  g_assert_nonnull (strstr (served, "\xef\xbf\xbd"));

  entry = json_array_get_object_element (json_object_get_array_member (fetch_object (session, list_url, &list),
                                                                       "results"), 1);
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, served);

  object = fetch_object (session, detail_url, &detail);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, served);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "species"), "name"),
                   ==, served);
}

/* ------------------------------------------------------------------------ */
/* Details                                                                  */

static void
assert_urls_point_at (GBytes     *body,
                      const char *host)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_autofree char *prefix = g_strconcat ("\"", host, "/", NULL);
  guint n = 0;

  for (const char *p = strstr (text, "\"http"); p != NULL; p = strstr (p + 1, "\"http"), n++)
    g_assert_true (g_str_has_prefix (p, prefix));
  g_assert_cmpuint (n, >, 100);

  g_assert_null (strstr (text, "\"/api/"));
  g_assert_null (strstr (text, "pokeapi.co"));
  g_assert_null (strstr (text, "githubusercontent"));
}

static void
test_detail_shape (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (1100, 0));
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *host = url_for (server, "");
  const guint ids[] = { 1, 25, 1025, 10001, 10075 };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/api/v2/pokemon/%u/", host, ids[i]);
      g_autofree char *name = sg_fake_server_dup_name (server, ids[i]);
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = fetch (session, url, &msg);
      g_autoptr(JsonNode) root = parse_json (body);
      JsonObject *object = json_node_get_object (root);
      JsonObject *sprites = json_object_get_object_member (object, "sprites");
      JsonObject *artwork;
      const char * const sprite_dirs[][2] = {
        { "front_default", "" },
        { "front_shiny", "shiny/" },
        { "back_default", "back/" },
        { "back_shiny", "back/shiny/" },
      };
      g_autofree char *artwork_url = NULL;

      g_test_message ("id %u", ids[i]);
      g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
      g_assert_cmpstr (header (msg, "Content-Type"), ==, "application/json; charset=utf-8");
      g_assert_cmpstr (header (msg, "Cache-Control"), ==, "public, max-age=86400");
      g_assert_true (g_str_has_prefix (header (msg, "ETag"), "W/\""));

      /* Realistic: the compact 2018 record is about 185 KB. */
      g_assert_cmpuint (g_bytes_get_size (body), >, 150000);
      g_assert_cmpuint (g_bytes_get_size (body), <, 250000);
      g_assert_null (memchr (g_bytes_get_data (body, NULL), '\n', g_bytes_get_size (body)));

      g_assert_cmpint (json_object_get_int_member (object, "id"), ==, ids[i]);
      g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, name);
      g_assert_cmpint (json_object_get_boolean_member (object, "is_default"), ==, ids[i] < 10000);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "types")), >, 0);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "stats")), ==, 6);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "moves")), >, 10);
      g_assert_true (json_object_has_member (object, "height"));
      g_assert_true (json_object_has_member (object, "weight"));

      for (guint j = 0; j < G_N_ELEMENTS (sprite_dirs); j++)
        {
          g_autofree char *expected = g_strdup_printf ("%s/sprites/pokemon/%s%u.png",
                                                       host, sprite_dirs[j][1], ids[i]);

          g_assert_cmpstr (json_object_get_string_member (sprites, sprite_dirs[j][0]), ==, expected);
        }
      g_assert_true (json_object_get_null_member (sprites, "front_female"));

      artwork = json_object_get_object_member (json_object_get_object_member (sprites, "other"),
                                               "official-artwork");
      artwork_url = g_strdup_printf ("%s/sprites/pokemon/other/official-artwork/%u.png", host, ids[i]);
      g_assert_cmpstr (json_object_get_string_member (artwork, "front_default"), ==, artwork_url);

      assert_urls_point_at (body, host);
    }
}

static void
test_detail_variants (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 0));
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *with_slash = url_for (server, "/api/v2/pokemon/25/");
  g_autofree char *without_slash = url_for (server, "/api/v2/pokemon/25");
  g_autofree char *by_name = url_for (server, "/api/v2/pokemon/pikachu/");
  g_autoptr(GBytes) a = fetch (session, with_slash, NULL);
  g_autoptr(GBytes) b = fetch (session, without_slash, NULL);
  g_autoptr(GBytes) c = fetch (session, by_name, NULL);
  const char * const missing[] = {
    "/api/v2/pokemon/0/",
    "/api/v2/pokemon/31/",      /* past count */
    "/api/v2/pokemon/10001/",   /* forms start after 1025 entries */
    "/api/v2/pokemon/nope/",
    "/api/v2/pokemon/25/x",
    "/api/v2/berry/1/",
    "/sprites/pokemon/31.png",
    "/sprites/pokemon/front/1.png",
    "/",
  };

  g_assert_true (g_bytes_equal (a, b));
  g_assert_true (g_bytes_equal (a, c));

  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autofree char *url = url_for (server, missing[i]);
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = fetch (session, url, &msg);

      g_test_message ("%s", missing[i]);
      g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NOT_FOUND);
      g_assert_cmpuint (g_bytes_get_size (body), >, 0);
      g_assert_cmpuint (g_bytes_get_size (body), <, 200);
    }
}

static void
test_detail_gzip (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 0));
  g_autoptr(SoupSession) raw_session = new_session (FALSE);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *url = url_for (server, "/api/v2/pokemon/7/");
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) zmsg = NULL;
  g_autoptr(SoupMessage) zmsg2 = NULL;
  g_autoptr(SoupMessage) pmsg = NULL;
  g_autoptr(SoupMessage) dmsg = NULL;
  g_autoptr(GBytes) zbody = fetch_full (raw_session, url, "gzip, deflate", NULL, &zmsg, &error);
  g_autoptr(GBytes) zbody2 = fetch_full (raw_session, url, "br;q=1, gzip;q=0.5", NULL, &zmsg2, &error);
  g_autoptr(GBytes) pbody = fetch_full (raw_session, url, "identity", NULL, &pmsg, &error);
  g_autoptr(GBytes) dbody = fetch (session, url, &dmsg);
  g_autoptr(GBytes) unzipped = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (header (zmsg, "Content-Encoding"), ==, "gzip");
  g_assert_cmpstr (header (zmsg2, "Content-Encoding"), ==, "gzip");
  g_assert_null (header (pmsg, "Content-Encoding"));
  g_assert_cmpstr (header (zmsg, "Vary"), ==, "Accept-Encoding");
  g_assert_cmpuint (g_bytes_get_size (zbody), <, g_bytes_get_size (pbody) / 10);

  /* Same document either way, and the same (weak) validator. */
  unzipped = gunzip (zbody);
  g_assert_true (g_bytes_equal (unzipped, pbody));
  g_assert_true (g_bytes_equal (zbody, zbody2));
  g_assert_true (g_bytes_equal (dbody, pbody));
  g_assert_cmpstr (header (zmsg, "ETag"), ==, header (pmsg, "ETag"));

  root = parse_json (unzipped);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "id"), ==, 7);
}

static void
test_detail_conditional (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 0));
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *url = url_for (server, "/api/v2/pokemon/3/");
  g_autofree char *other_url = url_for (server, "/api/v2/pokemon/4/");
  g_autofree char *sprite_url = url_for (server, "/sprites/pokemon/3.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) first = NULL;
  g_autoptr(SoupMessage) other = NULL;
  g_autoptr(SoupMessage) again = NULL;
  g_autoptr(SoupMessage) stale = NULL;
  g_autoptr(SoupMessage) sprite = NULL;
  g_autoptr(SoupMessage) sprite_again = NULL;
  g_autoptr(GBytes) body = fetch (session, url, &first);
  g_autoptr(GBytes) other_body = fetch (session, other_url, &other);
  g_autoptr(GBytes) sprite_body = fetch (session, sprite_url, &sprite);
  g_autoptr(GBytes) again_body = NULL;
  g_autoptr(GBytes) stale_body = NULL;
  g_autoptr(GBytes) sprite_again_body = NULL;
  g_autofree char *list = NULL;

  g_assert_cmpstr (header (first, "ETag"), !=, header (other, "ETag"));

  list = g_strdup_printf ("\"nope\", %s", header (first, "ETag"));
  again_body = fetch_full (session, url, NULL, list, &again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (again), ==, SOUP_STATUS_NOT_MODIFIED);
  g_assert_cmpuint (g_bytes_get_size (again_body), ==, 0);
  g_assert_cmpstr (header (again, "ETag"), ==, header (first, "ETag"));
  g_assert_cmpstr (header (again, "Cache-Control"), ==, "public, max-age=86400");

  stale_body = fetch_full (session, url, NULL, header (other, "ETag"), &stale, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (stale), ==, SOUP_STATUS_OK);
  g_assert_true (g_bytes_equal (stale_body, body));

  g_assert_nonnull (header (sprite, "ETag"));
  g_assert_cmpstr (header (sprite, "Cache-Control"), ==, "public, max-age=86400");
  sprite_again_body = fetch_full (session, sprite_url, NULL, header (sprite, "ETag"), &sprite_again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (sprite_again), ==, SOUP_STATUS_NOT_MODIFIED);
}

/* ------------------------------------------------------------------------ */
/* Sprites                                                                  */

typedef struct {
  const guint8 *data;
  gsize         len;
  gsize         pos;
} PngReader;

static cairo_status_t
png_read_cb (void          *closure,
             unsigned char *data,
             unsigned int   length)
{
  PngReader *reader = closure;

  if (reader->len - reader->pos < length)
    return CAIRO_STATUS_READ_ERROR;
  memcpy (data, reader->data + reader->pos, length);
  reader->pos += length;
  return CAIRO_STATUS_SUCCESS;
}

static guint32
pixel_at (cairo_surface_t *surface,
          int              x,
          int              y)
{
  const guint8 *row = cairo_image_surface_get_data (surface) + y * cairo_image_surface_get_stride (surface);

  return ((const guint32 *) (const void *) row)[x];
}

/* Decodes @png and checks it is a @size² image with transparency. */
static void
assert_png (GBytes *png,
            int     size)
{
  PngReader reader = { NULL, 0, 0 };
  cairo_surface_t *surface;

  reader.data = g_bytes_get_data (png, &reader.len);
  g_assert_cmpuint (reader.len, >, 8);
  g_assert_cmpmem (reader.data, 8, "\x89PNG\r\n\x1a\n", 8);

  surface = cairo_image_surface_create_from_png_stream (png_read_cb, &reader);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_format (surface), ==, CAIRO_FORMAT_ARGB32);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, size);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, size);
  /* A transparent corner, an opaque middle. */
  g_assert_cmphex (pixel_at (surface, 0, size - 1) >> 24, ==, 0);
  g_assert_cmphex (pixel_at (surface, size / 2, size / 2) >> 24, ==, 0xff);
  cairo_surface_destroy (surface);
}

static void
test_sprite_png (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 0));
  g_autoptr(SoupSession) session = new_session (TRUE);
  const struct {
    const char *variant;
    const char *dir;
    int         size;
  } variants[] = {
    { "front_default", "", 96 },
    { "front_shiny", "shiny/", 96 },
    { "back_default", "back/", 96 },
    { "back_shiny", "back/shiny/", 96 },
    { "official-artwork", "other/official-artwork/", 256 },
    { "official-artwork-shiny", "other/official-artwork/shiny/", 256 },
  };
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint id = 1; id <= 3; id++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
        {
          g_autofree char *path = g_strdup_printf ("/sprites/pokemon/%s%u.png", variants[i].dir, id);
          g_autofree char *url = url_for (server, path);
          g_autoptr(SoupMessage) msg = NULL;
          g_autoptr(GBytes) body = fetch (session, url, &msg);
          g_autoptr(GBytes) expected = sg_fake_server_dup_sprite (server, variants[i].variant, id);
          g_autoptr(GBytes) again = sg_fake_server_dup_sprite (server, variants[i].variant, id);

          g_test_message ("%s", path);
          g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
          g_assert_cmpstr (header (msg, "Content-Type"), ==, "image/png");
          g_assert_nonnull (expected);
          g_assert_true (g_bytes_equal (body, expected));
          g_assert_true (g_bytes_equal (again, expected));
          assert_png (body, variants[i].size);

          /* Every sprite differs from every other. */
          for (guint j = 0; j < seen->len; j++)
            g_assert_false (g_bytes_equal (body, g_ptr_array_index (seen, j)));
          g_ptr_array_add (seen, g_bytes_ref (body));
        }
    }

  g_assert_null (sg_fake_server_dup_sprite (server, "front_default", 31));
  g_assert_null (sg_fake_server_dup_sprite (server, "sideways", 1));
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                   */

static void
test_fault_service_unavailable (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (30, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *url = NULL;
  g_autofree char *healthy = NULL;

  sg_fake_server_add_fault (server, SG_FAKE_FAULT_SERVICE_UNAVAILABLE, 5);
  start_server (server);
  url = url_for (server, "/api/v2/pokemon/5/");
  healthy = url_for (server, "/api/v2/pokemon/6/");

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = fetch (session, url, &msg);

      if (i < 2)
        {
          g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
          g_assert_cmpstr (header (msg, "Retry-After"), ==, "1");
        }
      else
        {
          g_autoptr(JsonNode) root = parse_json (body);

          g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
          g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "id"), ==, 5);
        }
    }

  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) body = fetch (session, healthy, &msg);

    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  }
}

static void
test_fault_detail_bodies (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (30, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *not_found_url = NULL;
  g_autofree char *invalid_url = NULL;
  g_autofree char *null_url = NULL;
  g_autofree char *host = NULL;
  g_autoptr(SoupMessage) not_found = NULL;
  g_autoptr(SoupMessage) invalid = NULL;
  g_autoptr(GBytes) not_found_body = NULL;
  g_autoptr(GBytes) invalid_body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *list_url = NULL;
  JsonObject *sprites;
  const char * const top_level[] = {
    "front_default", "front_shiny", "front_female", "front_shiny_female",
    "back_default", "back_shiny", "back_female", "back_shiny_female",
  };

  sg_fake_server_add_fault (server, SG_FAKE_FAULT_NOT_FOUND, 9);
  sg_fake_server_add_fault (server, SG_FAKE_FAULT_INVALID_JSON, 10);
  sg_fake_server_add_fault (server, SG_FAKE_FAULT_NULL_SPRITE, 12);
  start_server (server);
  host = url_for (server, "");
  not_found_url = url_for (server, "/api/v2/pokemon/9/");
  invalid_url = url_for (server, "/api/v2/pokemon/10/");
  null_url = url_for (server, "/api/v2/pokemon/12/");
  list_url = url_for (server, "/api/v2/pokemon?limit=30");

  /* The broken ones are still listed. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (fetch_object (session, list_url, &list),
                                                                         "results")), ==, 30);

  not_found_body = fetch (session, not_found_url, &not_found);
  g_assert_cmpuint (soup_message_get_status (not_found), ==, SOUP_STATUS_NOT_FOUND);

  invalid_body = fetch (session, invalid_url, &invalid);
  g_assert_cmpuint (soup_message_get_status (invalid), ==, SOUP_STATUS_OK);
  g_assert_false (json_parser_load_from_data (parser, g_bytes_get_data (invalid_body, NULL),
                                              (gssize) g_bytes_get_size (invalid_body), &error));
  g_assert_nonnull (error);

  sprites = json_object_get_object_member (fetch_object (session, null_url, &root), "sprites");
  for (guint i = 0; i < G_N_ELEMENTS (top_level); i++)
    g_assert_true (json_object_get_null_member (sprites, top_level[i]));
  /* Like the live data: nested sprites stay. */
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (json_object_get_object_member (sprites, "other"), "official-artwork"), "front_default"),
                                   host));
}

static void
test_fault_not_png (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (30, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;

  sg_fake_server_add_fault (server, SG_FAKE_FAULT_NOT_PNG, 11);
  start_server (server);
  url = url_for (server, "/sprites/pokemon/11.png");

  body = fetch (session, url, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (header (msg, "Content-Type"), ==, "image/png");
  g_assert_cmpuint (g_bytes_get_size (body), >, 8);
  g_assert_true (memcmp (g_bytes_get_data (body, NULL), "\x89PNG", 4) != 0);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "<html>"));
}

static void
test_fault_reset (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (30, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *url = NULL;
  g_autofree char *shiny_url = NULL;
  g_autoptr(GBytes) expected = NULL;

  sg_fake_server_add_fault (server, SG_FAKE_FAULT_RESET, 6);
  start_server (server);
  url = url_for (server, "/sprites/pokemon/6.png");
  shiny_url = url_for (server, "/sprites/pokemon/shiny/6.png");
  expected = sg_fake_server_dup_sprite (server, "front_default", 6);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = fetch_full (session, url, NULL, NULL, &msg, &error);

      if (i == 0)
        {
          g_assert_nonnull (error);
          g_test_message ("reset: %s", error->message);
          g_assert_null (body);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (g_bytes_equal (body, expected));
        }
    }

  /* Each sprite fails once. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = fetch_full (session, shiny_url, NULL, NULL, NULL, &error);

    g_assert_nonnull (error);
  }

  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 0);
  g_assert_cmpuint (sg_fake_server_get_n_requests (server), ==, 4);
}

/* ------------------------------------------------------------------------ */
/* Hostile faults: what each one puts on the wire                           */

/* Sends GET @url without following redirects or decoding; reads at most
 * @max bytes of the body (0: none) and closes. */
static GBytes *
fetch_raw (SoupSession  *session,
           const char   *url,
           gsize         max,
           SoupMessage **out_msg,
           GError      **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 buf[65536];

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  stream = soup_session_send (session, msg, NULL, error);
  if (stream == NULL)
    return NULL;

  while (body->len < max)
    {
      gssize n = g_input_stream_read (stream, buf, MIN (sizeof buf, max - body->len), NULL, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (body, buf, (guint) n);
    }
  g_input_stream_close (stream, NULL, NULL);

  if (out_msg != NULL)
    *out_msg = g_steal_pointer (&msg);
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

static guint32
be32_at (GBytes *bytes,
         gsize   offset)
{
  const guint8 *p = (const guint8 *) g_bytes_get_data (bytes, NULL) + offset;

  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *text)
{
  return g_strstr_len (g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), text) != NULL;
}

static void
test_fault_hostile (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (40, 0);
  g_autoptr(SoupSession) raw = new_session (FALSE);
  g_autoptr(SoupSession) decoding = new_session (TRUE);
  g_autoptr(GBytes) sprite5 = NULL;
  g_autofree char *base = NULL;
  static const struct {
    SgFakeFault fault;
    guint       id;
  } faults[] = {
    { SG_FAKE_FAULT_HUGE_LENGTH, 1 }, { SG_FAKE_FAULT_ENDLESS, 2 }, { SG_FAKE_FAULT_GZIP_BOMB, 3 },
    { SG_FAKE_FAULT_HUGE_PNG, 4 }, { SG_FAKE_FAULT_TRUNCATED_PNG, 5 }, { SG_FAKE_FAULT_EMPTY_BODY, 6 },
    { SG_FAKE_FAULT_WRONG_TYPES, 7 }, { SG_FAKE_FAULT_MISSING_KEYS, 8 }, { SG_FAKE_FAULT_SPRITES_NULL, 9 },
    { SG_FAKE_FAULT_LIST_FILE_URL, 10 }, { SG_FAKE_FAULT_FILE_URL, 11 }, { SG_FAKE_FAULT_DATA_URL, 12 },
    { SG_FAKE_FAULT_REDIRECT_FILE, 13 }, { SG_FAKE_FAULT_REDIRECT_DATA, 14 },
    { SG_FAKE_FAULT_REDIRECT_LOOP, 15 }, { SG_FAKE_FAULT_REDIRECT_CHAIN, 16 },
    { SG_FAKE_FAULT_SLOW_DRIP, 17 }, { SG_FAKE_FAULT_RESET_ALWAYS, 18 },
    { SG_FAKE_FAULT_TOO_MANY_REQUESTS, 19 }, { SG_FAKE_FAULT_RATE_LIMITED, 20 },
    { SG_FAKE_FAULT_NAME_NUL, 21 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    sg_fake_server_add_fault (server, faults[i].fault, faults[i].id);
  start_server (server);
  base = url_for (server, "");
  sprite5 = sg_fake_server_dup_sprite (server, "front_default", 5);

  /* Bodies: a declared 64 MiB that does come; chunks forever; a gzip bomb
   * small on the wire and 32 MiB decoded. */
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *url = g_strconcat (base, "/sprites/pokemon/1.png", NULL);
    g_autoptr(GBytes) body = fetch_raw (raw, url, 4 << 20, &msg, NULL);

    g_assert_cmpint (soup_message_headers_get_content_length (soup_message_get_response_headers (msg)),
                     ==, 64 << 20);
    g_assert_cmpuint (g_bytes_get_size (body), ==, 4 << 20);
  }
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *url = g_strconcat (base, "/sprites/pokemon/2.png", NULL);
    g_autoptr(GBytes) body = fetch_raw (raw, url, 4 << 20, &msg, NULL);

    g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_response_headers (msg)),
                     ==, SOUP_ENCODING_CHUNKED);
    g_assert_cmpuint (g_bytes_get_size (body), ==, 4 << 20);
  }
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *url = g_strconcat (base, "/api/v2/pokemon/3/", NULL);
    g_autoptr(GBytes) wire = fetch_raw (raw, url, 1 << 20, &msg, NULL);
    g_autoptr(GBytes) decoded = gunzip (wire);

    g_assert_cmpstr (header (msg, "Content-Encoding"), ==, "gzip");
    g_assert_cmpuint (g_bytes_get_size (wire), <, 64 * 1024);
    g_assert_cmpuint (g_bytes_get_size (decoded), ==, 32 << 20);
  }

  /* Images: 8192×8192 in a small whole PNG; half a PNG; nothing. */
  {
    g_autofree char *url = g_strconcat (base, "/sprites/pokemon/4.png", NULL);
    g_autoptr(GBytes) body = fetch_raw (raw, url, 4 << 20, NULL, NULL);

    g_assert_cmpuint (g_bytes_get_size (body), <, 2 << 20);
    g_assert_cmpuint (be32_at (body, 16), ==, 8192);
    g_assert_cmpuint (be32_at (body, 20), ==, 8192);
    g_assert_true (memcmp ((const guint8 *) g_bytes_get_data (body, NULL) + g_bytes_get_size (body) - 8,
                           "IEND\xae\x42\x60\x82", 8) == 0);
  }
  {
    g_autofree char *url = g_strconcat (base, "/sprites/pokemon/5.png", NULL);
    g_autoptr(GBytes) body = fetch_raw (raw, url, 1 << 20, NULL, NULL);

    g_assert_cmpuint (g_bytes_get_size (body), ==, g_bytes_get_size (sprite5) / 2);
    g_assert_true (memcmp (g_bytes_get_data (body, NULL), g_bytes_get_data (sprite5, NULL),
                           g_bytes_get_size (body)) == 0);
  }
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *url = g_strconcat (base, "/sprites/pokemon/6.png", NULL);
    g_autoptr(GBytes) body = fetch_raw (raw, url, 1 << 20, &msg, NULL);

    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
    g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  }

  /* JSON of the wrong shape. */
  {
    g_autofree char *url7 = g_strconcat (base, "/api/v2/pokemon/7/", NULL);
    g_autofree char *url8 = g_strconcat (base, "/api/v2/pokemon/8/", NULL);
    g_autofree char *url9 = g_strconcat (base, "/api/v2/pokemon/9/", NULL);
    g_autoptr(JsonNode) root7 = NULL;
    g_autoptr(JsonNode) root8 = NULL;
    g_autoptr(JsonNode) root9 = NULL;
    JsonObject *object;

    object = fetch_object (decoding, url7, &root7);
    g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "id")), ==, G_TYPE_STRING);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "name")));
    object = fetch_object (decoding, url8, &root8);
    g_assert_false (json_object_has_member (object, "id"));
    g_assert_false (json_object_has_member (object, "sprites"));
    object = fetch_object (decoding, url9, &root9);
    g_assert_true (json_object_get_null_member (object, "sprites"));
  }

  /* URLs that are not http. */
  {
    g_autofree char *list_url = g_strconcat (base, "/api/v2/pokemon?limit=40", NULL);
    g_autofree char *url11 = g_strconcat (base, "/api/v2/pokemon/11/", NULL);
    g_autofree char *url12 = g_strconcat (base, "/api/v2/pokemon/12/", NULL);
    g_autoptr(JsonNode) list = NULL;
    g_autoptr(JsonNode) root11 = NULL;
    g_autoptr(JsonNode) root12 = NULL;
    JsonArray *results;

    results = json_object_get_array_member (fetch_object (decoding, list_url, &list), "results");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 9), "url"),
                     ==, "file:///etc/passwd");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (results, 8), "url"),
                                     "http://"));
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (fetch_object (decoding, url11, &root11), "sprites"),
                                                    "front_default"),
                     ==, "file:///etc/passwd");
    g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (fetch_object (decoding, url12, &root12), "sprites"),
                                                                    "front_default"),
                                     "data:image/png;base64,iVBORw0KGgo"));
  }

  /* Redirects: to file:, to data:, to itself, and a chain that ends. */
  {
    const struct {
      guint       id;
      const char *hop;
      const char *location_prefix;
    } redirects[] = {
      { 13, "", "file:///etc/passwd" },
      { 14, "", "data:image/png;base64," },
      { 15, "", "/sprites/pokemon/15.png" },
      { 16, "", "/sprites/pokemon/16.png?hop=1" },
      { 16, "?hop=2", "/sprites/pokemon/16.png?hop=3" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (redirects); i++)
      {
        g_autoptr(SoupMessage) msg = NULL;
        g_autofree char *url = g_strdup_printf ("%s/sprites/pokemon/%u.png%s", base, redirects[i].id,
                                                redirects[i].hop);
        g_autoptr(GBytes) body = fetch_raw (raw, url, 0, &msg, NULL);
        const char *location = header (msg, "Location");

        g_assert_true (SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (msg)));
        g_assert_nonnull (location);
        /* libsoup makes a relative Location absolute. */
        if (redirects[i].location_prefix[0] == '/')
          g_assert_true (g_str_has_suffix (location, redirects[i].location_prefix));
        else
          g_assert_true (g_str_has_prefix (location, redirects[i].location_prefix));
      }
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autofree char *url = g_strconcat (base, "/sprites/pokemon/16.png?hop=3", NULL);
      g_autoptr(GBytes) body = fetch_raw (raw, url, 1 << 20, &msg, NULL);
      g_autoptr(GBytes) expected = sg_fake_server_dup_sprite (server, "front_default", 16);

      g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
      g_assert_true (g_bytes_equal (body, expected));
    }
  }

  /* Slow: the headers come at once, the body a byte at a time; resets
   * every time. */
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *url = g_strconcat (base, "/sprites/pokemon/17.png", NULL);
    g_autoptr(GBytes) expected = sg_fake_server_dup_sprite (server, "front_default", 17);
    g_autoptr(GBytes) body = fetch_raw (raw, url, 1, &msg, NULL);

    g_assert_cmpint (soup_message_headers_get_content_length (soup_message_get_response_headers (msg)),
                     ==, g_bytes_get_size (expected));
    g_assert_cmpuint (g_bytes_get_size (body), ==, 1);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = g_strconcat (base, "/sprites/pokemon/18.png", NULL);
      g_autoptr(GBytes) body = fetch_full (decoding, url, NULL, NULL, NULL, &error);

      g_assert_null (body);
      g_assert_nonnull (error);
    }

  /* 429: twice with Retry-After: 1, then fine; always, with Retry-After: 2. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autofree char *url = g_strconcat (base, "/api/v2/pokemon/19/", NULL);
      g_autoptr(GBytes) body = fetch_raw (raw, url, 0, &msg, NULL);

      g_assert_cmpuint (soup_message_get_status (msg), ==, i < 2 ? 429 : SOUP_STATUS_OK);
      if (i < 2)
        g_assert_cmpstr (header (msg, "Retry-After"), ==, "1");
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autofree char *url = g_strdup_printf ("%s%s", base, i == 0 ? "/api/v2/pokemon/20/" : "/sprites/pokemon/20.png");
      g_autoptr(GBytes) body = fetch_raw (raw, url, 0, &msg, NULL);

      g_assert_cmpuint (soup_message_get_status (msg), ==, 429);
      g_assert_cmpstr (header (msg, "Retry-After"), ==, "2");
    }

  /* A name that goes on after a NUL escape, in the list and the detail. */
  {
    g_autofree char *list_url = g_strconcat (base, "/api/v2/pokemon?limit=40", NULL);
    g_autofree char *url = g_strconcat (base, "/api/v2/pokemon/21/", NULL);
    g_autoptr(GBytes) list = fetch (decoding, list_url, NULL);
    g_autoptr(GBytes) detail = fetch (decoding, url, NULL);

    g_assert_true (bytes_contain (list, "\\u0000/../../nul\""));
    g_assert_true (bytes_contain (detail, "\\u0000/../../nul\""));
  }

  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 0);
}

/* List faults change every page. */
static void
test_fault_list (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (40, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  sg_fake_server_add_fault (server, SG_FAKE_FAULT_LIST_NO_RESULTS, 1);
  sg_fake_server_add_fault (server, SG_FAKE_FAULT_LIST_COUNT_STRING, 1);
  start_server (server);
  url = url_for (server, "/api/v2/pokemon?offset=20&limit=10");

  object = fetch_object (session, url, &root);
  g_assert_false (json_object_has_member (object, "results"));
  g_assert_cmpstr (json_object_get_string_member (object, "count"), ==, "40");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "next"), "offset=30&limit=10"));
}

typedef struct {
  guint   n_done;
  guint   n_failed;
  guint   n_ok;
  GError *first_error;
} Results;

static void
send_and_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Results *results = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  results->n_done++;
  if (body != NULL)
    results->n_ok++;
  else
    results->n_failed++;
  if (error != NULL && results->first_error == NULL)
    results->first_error = g_steal_pointer (&error);
}

static void
send_async (SoupSession  *session,
            const char   *url,
            GCancellable *cancellable,
            Results      *results)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable,
                                    send_and_read_cb, results);
}

static void
test_fault_stall (void)
{
  g_autoptr(SgFakeServer) server = sg_fake_server_new (30, 0);
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = NULL;
  g_autofree char *healthy = NULL;
  Results results = { 0, };

  sg_fake_server_add_fault (server, SG_FAKE_FAULT_STALL, 8);
  start_server (server);
  url = url_for (server, "/sprites/pokemon/8.png");
  healthy = url_for (server, "/sprites/pokemon/7.png");

  /* It stays in flight until the client gives up… */
  send_async (session, url, cancellable, &results);
  send_async (session, url, cancellable, &results);
  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 2);
  g_assert_cmpuint (results.n_done, ==, 0);

  /* …while other requests go on. */
  {
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) body = fetch (session, healthy, &msg);

    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  }
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (server), ==, 3);

  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (results.n_done == 2);
  g_assert_cmpuint (results.n_failed, ==, 2);
  g_clear_error (&results.first_error);
  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 0);

  /* Stopping the server while stalled neither hangs nor leaks. */
  send_async (session, url, NULL, &results);
  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 1);
  g_clear_pointer (&server, sg_fake_server_free);
  WAIT_UNTIL (results.n_done == 3);
  g_assert_cmpuint (results.n_failed, ==, 3);
  g_clear_error (&results.first_error);
}

/* ------------------------------------------------------------------------ */
/* Counting                                                                 */

static void
test_in_flight_latency (void)
{
  /* A latency longer than any test: the requests can only be answered by
   * stopping the server, which must then not hang or leak. */
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 60000));
  g_autoptr(SoupSession) session = new_session (TRUE);
  Results results = { 0, };

  for (guint i = 1; i <= 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v2/pokemon/%u/", i);
      g_autofree char *url = url_for (server, path);

      send_async (session, url, NULL, &results);
    }

  /* A server that slept instead of pausing would never get here. */
  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 6);
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (server), ==, 6);
  g_assert_cmpuint (sg_fake_server_get_n_requests (server), ==, 6);
  g_assert_cmpuint (results.n_done, ==, 0);

  g_clear_pointer (&server, sg_fake_server_free);
  WAIT_UNTIL (results.n_done == 6);
  g_assert_cmpuint (results.n_failed, ==, 6);
  g_clear_error (&results.first_error);
}

static void
test_counting (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 20));
  g_autoptr(SoupSession) session = new_session (TRUE);
  g_autoptr(GPtrArray) paths = NULL;
  g_autofree char *stats_url = url_for (server, "/_fake/stats");
  g_autofree char *reset_url = url_for (server, "/_fake/reset");
  const char * const requested[] = {
    "/api/v2/pokemon?limit=5&offset=0",
    "/api/v2/pokemon/1/",
    "/sprites/pokemon/1.png",
    "/nothing/here",
  };
  Results results = { 0, };

  for (guint i = 0; i < G_N_ELEMENTS (requested); i++)
    {
      g_autofree char *url = url_for (server, requested[i]);

      send_async (session, url, NULL, &results);
    }
  WAIT_UNTIL (results.n_done == G_N_ELEMENTS (requested));
  g_assert_cmpuint (results.n_ok, ==, G_N_ELEMENTS (requested));
  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 0);

  g_assert_cmpuint (sg_fake_server_get_n_requests (server), ==, G_N_ELEMENTS (requested));
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (server), >=, 1);
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (server), <=, G_N_ELEMENTS (requested));
  paths = sg_fake_server_dup_request_paths (server);
  g_assert_cmpuint (paths->len, ==, G_N_ELEMENTS (requested));
  for (guint i = 0; i < G_N_ELEMENTS (requested); i++)
    g_assert_true (g_ptr_array_find_with_equal_func (paths, requested[i], g_str_equal, NULL));

  /* The control endpoint is not counted. */
  {
    g_autoptr(JsonNode) root = NULL;
    JsonObject *stats = fetch_object (session, stats_url, &root);

    g_assert_cmpint (json_object_get_int_member (stats, "requests"), ==, G_N_ELEMENTS (requested));
    g_assert_cmpint (json_object_get_int_member (stats, "max_in_flight"), ==,
                     sg_fake_server_get_max_in_flight (server));
  }
  {
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", reset_url);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), <, 300);
  }
  g_assert_cmpuint (sg_fake_server_get_n_requests (server), ==, 0);
  g_assert_cmpuint (sg_fake_server_get_max_in_flight (server), ==, 0);
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = sg_fake_server_dup_request_paths (server);
  g_assert_cmpuint (paths->len, ==, 0);

  g_clear_pointer (&paths, g_ptr_array_unref);
  {
    g_autofree char *url = url_for (server, "/api/v2/pokemon/2/");
    g_autoptr(GBytes) body = fetch (session, url, NULL);
  }
  sg_fake_server_reset_counters (server);
  g_assert_cmpuint (sg_fake_server_get_n_requests (server), ==, 0);
}

/* Getters from other threads while requests run. */
static gpointer
poll_thread (gpointer user_data)
{
  SgFakeServer *server = user_data;
  guint max = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GPtrArray) paths = sg_fake_server_dup_request_paths (server);
      g_autoptr(GBytes) sprite = sg_fake_server_dup_sprite (server, "front_default", 1 + i % 30);

      max = MAX (max, sg_fake_server_get_in_flight (server));
      g_assert_cmpuint (sg_fake_server_get_in_flight (server), <=, sg_fake_server_get_max_in_flight (server));
    }

  return GUINT_TO_POINTER (max + 1);
}

static void
test_threads (void)
{
  g_autoptr(SgFakeServer) server = start_server (sg_fake_server_new (30, 1));
  g_autoptr(SoupSession) session = new_session (TRUE);
  GThread *poller = g_thread_new ("poll", poll_thread, server);
  Results results = { 0, };

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *path = g_strdup_printf (i % 2 ? "/api/v2/pokemon/%u/" : "/sprites/pokemon/%u.png",
                                               1 + i % 30);
      g_autofree char *url = url_for (server, path);

      send_async (session, url, NULL, &results);
    }
  WAIT_UNTIL (results.n_done == 60);
  g_assert_cmpuint (results.n_ok, ==, 60);
  g_assert_nonnull (g_thread_join (poller));
  WAIT_UNTIL (sg_fake_server_get_in_flight (server) == 0);
  g_assert_cmpuint (sg_fake_server_get_n_requests (server), ==, 60);
}

static void
test_start_busy_port (void)
{
  g_autoptr(SgFakeServer) first = start_server (sg_fake_server_new (5, 0));
  g_autoptr(SgFakeServer) second = sg_fake_server_new (5, 0);
  g_autofree char *base = sg_fake_server_dup_base_url (first);
  g_autoptr(GUri) uri = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (sg_fake_server_start (second, (guint) g_uri_get_port (uri), &error));
  g_assert_nonnull (error);
  g_assert_null (sg_fake_server_dup_base_url (second));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fake-server/list/paging", test_list_paging);
  g_test_add_func ("/fake-server/list/limits", test_list_limits);
  g_test_add_func ("/fake-server/list/names-escaping", test_names_escaping);
  g_test_add_func ("/fake-server/detail/shape", test_detail_shape);
  g_test_add_func ("/fake-server/detail/variants", test_detail_variants);
  g_test_add_func ("/fake-server/detail/gzip", test_detail_gzip);
  g_test_add_func ("/fake-server/detail/conditional", test_detail_conditional);
  g_test_add_func ("/fake-server/sprite/png", test_sprite_png);
  g_test_add_func ("/fake-server/fault/service-unavailable", test_fault_service_unavailable);
  g_test_add_func ("/fake-server/fault/detail-bodies", test_fault_detail_bodies);
  g_test_add_func ("/fake-server/fault/not-png", test_fault_not_png);
  g_test_add_func ("/fake-server/fault/reset", test_fault_reset);
  g_test_add_func ("/fake-server/fault/stall", test_fault_stall);
  g_test_add_func ("/fake-server/fault/hostile", test_fault_hostile);
  g_test_add_func ("/fake-server/fault/list", test_fault_list);
  g_test_add_func ("/fake-server/counting/in-flight-latency", test_in_flight_latency);
  g_test_add_func ("/fake-server/counting/requests", test_counting);
  g_test_add_func ("/fake-server/counting/threads", test_threads);
  g_test_add_func ("/fake-server/start/busy-port", test_start_busy_port);

  return g_test_run ();
}
