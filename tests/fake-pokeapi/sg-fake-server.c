/* sg-fake-server.c
 *
 * A fake PokeAPI on 127.0.0.1: the paginated list, realistic details (the
 * real 2018 record of #1 with id, name and URLs substituted) and generated
 * PNG sprites, with latency and faults on demand. It runs its own thread and
 * GMainContext so that tests may block or spin their own main loop freely.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sg-fake-server"

#include "config.h"

#include "sg-fake-server.h"

#include <sys/socket.h>

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <zlib.h>

#include "sg-fake-resources.h"

#define RESOURCE_DIR       "/io/github/spritegallery/FakePokeapi/"
#define SPRITE_HOST_PREFIX "https://raw.githubusercontent.com/PokeAPI/sprites/master/sprites/"
#define CACHE_CONTROL      "public, max-age=86400"
#define JSON_TYPE          "application/json; charset=utf-8"
#define N_SPECIES          1025
#define FIRST_FORM_ID      10001
#define DEFAULT_LIMIT      20
#define N_503              2

/* Ids end up in hash keys next to a small slot number. */
#define MAX_ID             (G_MAXUINT32 >> 4)
#define SLOT_KEY(id, slot) GUINT_TO_POINTER (((guint) (id) << 4) | (guint) (slot))
#define SLOT_503           15
#define SLOT_429           14

/* Hostile faults (see sg-fake-server.h) */
#define HUGE_LENGTH        (64 * 1024 * 1024)
#define FLOOD_BLOCK        (64 * 1024)
#define BOMB_DECODED       (32 * 1024 * 1024)
#define HUGE_PNG_SIDE      8192
#define N_REDIRECT_HOPS    3
#define DRIP_INTERVAL_MS   1000
#define N_429              2
#define RATE_LIMIT_AFTER_S "2"
#define FILE_URL           "file:///etc/passwd"

/* Faults are kept as bit masks in a guint. */
G_STATIC_ASSERT (SG_FAKE_FAULT_NAME_NUL < 32);

typedef enum {
  SPRITE_FRONT_DEFAULT,
  SPRITE_FRONT_SHINY,
  SPRITE_BACK_DEFAULT,
  SPRITE_BACK_SHINY,
  SPRITE_ARTWORK,
  SPRITE_ARTWORK_SHINY,
  N_SPRITES
} SpriteKind;

/* variant: the names the app uses (sg-types.c); dir: the sprite host's layout. */
static const struct {
  const char *variant;
  const char *dir;
} sprite_kinds[N_SPRITES] = {
  [SPRITE_FRONT_DEFAULT] = { "front_default", "" },
  [SPRITE_FRONT_SHINY] = { "front_shiny", "shiny/" },
  [SPRITE_BACK_DEFAULT] = { "back_default", "back/" },
  [SPRITE_BACK_SHINY] = { "back_shiny", "back/shiny/" },
  [SPRITE_ARTWORK] = { "official-artwork", "other/official-artwork/" },
  [SPRITE_ARTWORK_SHINY] = { "official-artwork-shiny", "other/official-artwork/shiny/" },
};

/* The id-dependent parts of a detail. Names starting with '=' stand for a
 * whole JSON value (the quotes around the marker go away). */
typedef enum {
  TOKEN_ID,
  TOKEN_ID_TEXT,
  TOKEN_NAME,
  TOKEN_IS_DEFAULT,
  TOKEN_FRONT_DEFAULT,
  TOKEN_FRONT_SHINY,
  TOKEN_BACK_DEFAULT,
  TOKEN_BACK_SHINY,
  N_TOKENS
} TokenKind;

static const char * const token_names[N_TOKENS] = {
  [TOKEN_ID] = "=id",
  [TOKEN_ID_TEXT] = "id",
  [TOKEN_NAME] = "=name",
  [TOKEN_IS_DEFAULT] = "=is_default",
  [TOKEN_FRONT_DEFAULT] = "=front_default",
  [TOKEN_FRONT_SHINY] = "=front_shiny",
  [TOKEN_BACK_DEFAULT] = "=back_default",
  [TOKEN_BACK_SHINY] = "=back_shiny",
};

/* A compact detail split at its id-dependent parts: literals[0] token[0]
 * literals[1] … literals[n]. Each literal is also kept as raw deflate data
 * ending in a sync flush, so a gzip body for any id is these pieces joined
 * with stored blocks for the token values: no compression per id at all. */
typedef struct {
  GPtrArray *literals;   /* (owned) GBytes */
  GPtrArray *deflated;   /* (owned) GBytes */
  GArray    *tokens;     /* (owned) TokenKind */
  gsize      literal_len;
} Template;

typedef struct {
  GBytes *gzip;
  char   *etag;
} DetailCache;

typedef enum {
  ROUTE_NOT_FOUND,
  ROUTE_BAD_METHOD,
  ROUTE_LIST,
  ROUTE_DETAIL,
  ROUTE_SPRITE,
} Route;

struct _SgFakeServer
{
  /* Configuration: written before start, read-only afterwards. */
  guint         count;
  guint         latency_ms;
  GHashTable   *faults;          /* (owned) id → mask of 1 << SgFakeFault */
  guint         all_faults;      /* every id's mask together, for the list faults */
  GHashTable   *name_overrides;  /* (owned) id → valid UTF-8 */
  GPtrArray    *species_names;   /* (owned) names.json: ids 1… */
  GHashTable   *form_names;      /* (owned) names.json: id → name, 10001… */
  gboolean      started;
  guint         listen_port;

  GMutex        mutex;
  GCond         cond;
  gboolean      thread_ready;    /* (mutex) */
  GError       *start_error;     /* (mutex) (owned) (nullable) */
  guint         port;            /* (mutex) 0 until listening */
  guint         n_requests;      /* (mutex) */
  guint         n_not_modified;  /* (mutex) 304s sent */
  guint         in_flight;       /* (mutex) */
  guint         max_in_flight;   /* (mutex) */
  GPtrArray    *paths;           /* (mutex) (owned) */

  /* dup_sprite() may be called from any thread while the server renders. */
  GMutex        sprite_mutex;
  GHashTable   *sprites;         /* (sprite_mutex) (owned) SLOT_KEY (id, kind) → GBytes */

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;

  /* Server thread only. */
  SoupServer   *server;
  char         *base;            /* "http://127.0.0.1:PORT" */
  Template     *detail;
  GPtrArray    *served_names;    /* list index → name */
  GHashTable   *ids_by_name;
  GHashTable   *details;         /* id → DetailCache */
  GHashTable   *fault_hits;      /* SLOT_KEY → times served */
  GHashTable   *pending;         /* set of Req */
  GHashTable   *stolen;          /* set of Stolen */
  GBytes       *gzip_bomb;       /* (nullable) built on first use */
  GBytes       *huge_png;        /* (nullable) built on first use */
};

/* A request handled by libsoup; it holds one in-flight slot. */
typedef struct {
  SgFakeServer      *self;
  SoupServerMessage *msg;          /* (owned) */
  gulong             finished_id;
  GSource           *delay;        /* (owned) (nullable) */
  Route              route;
  guint              id;
  SpriteKind         sprite;
  guint              limit;
  guint              offset;
  guint              hop;          /* REDIRECT_CHAIN: ?hop=N */
} Req;

/* What a stolen connection does once its first bytes are written. */
typedef enum {
  STOLEN_RESET,   /* close */
  STOLEN_STALL,   /* wait for the client to go away */
  STOLEN_DRIP,    /* write `body` one byte every DRIP_INTERVAL_MS, then close */
  STOLEN_FLOOD,   /* write `body` again and again: `remaining` bytes, or forever */
} StolenMode;

#define FLOOD_FOREVER G_MAXUINT64

/* A connection taken over from libsoup to misbehave on the wire; it holds
 * the in-flight slot of the request it came from. */
typedef struct {
  SgFakeServer *self;
  GIOStream    *stream;       /* (owned) */
  GCancellable *cancellable;  /* (owned) */
  GBytes       *data;         /* (owned) what to write before misbehaving */
  GSource      *delay;        /* (owned) (nullable) */
  StolenMode    mode;
  GBytes       *body;         /* (owned) (nullable) DRIP: the bytes; FLOOD: the block */
  gsize         offset;       /* DRIP: the next byte */
  guint64       remaining;    /* FLOOD: bytes still to write */
  guint8        buf[512];
} Stolen;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static void
append_json_string (GString    *out,
                    const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* Deflates @data with zlib's @window_bits (negative: raw, +16: gzip). With
 * Z_SYNC_FLUSH the output ends byte-aligned and can be joined to more. */
static GBytes *
zlib_deflate (const void *data,
              gsize       len,
              int         window_bits,
              int         flush)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (len / 8 + 64);
  z_stream zs = { 0 };
  guint8 buf[16384];
  int ret;

  if (deflateInit2 (&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;

  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) len;

  do
    {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      ret = deflate (&zs, flush);
      g_byte_array_append (out, buf, sizeof buf - zs.avail_out);
    }
  while ((ret == Z_OK || ret == Z_BUF_ERROR) && zs.avail_out == 0);

  deflateEnd (&zs);

  if (zs.avail_in != 0 || (flush == Z_FINISH && ret != Z_STREAM_END))
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
gzip_bytes (const void *data,
            gsize       len)
{
  return zlib_deflate (data, len, 15 + 16, Z_FINISH);
}

static char *
make_etag (gboolean      weak,
           const guint8 *data,
           gsize         len)
{
  guint32 crc = (guint32) crc32 (0, data, (uInt) len);

  return g_strdup_printf ("%s\"%08x-%" G_GSIZE_MODIFIER "x\"", weak ? "W/" : "", crc, len);
}

static const char *
strip_weak (const char *tag)
{
  return g_str_has_prefix (tag, "W/") ? tag + 2 : tag;
}

/* If-None-Match uses the weak comparison (RFC 9110, 13.1.2). */
static gboolean
etag_matches (SoupServerMessage *msg,
              const char        *etag)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *header = soup_message_headers_get_list (headers, "If-None-Match");
  g_auto(GStrv) tags = NULL;

  if (header == NULL)
    return FALSE;

  tags = g_strsplit (header, ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_equal (tag, "*") || g_str_equal (strip_weak (tag), strip_weak (etag)))
        return TRUE;
    }

  return FALSE;
}

static gboolean
accepts_gzip (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *header = soup_message_headers_get_list (headers, "Accept-Encoding");
  GSList *unacceptable = NULL;
  GSList *acceptable;
  gboolean star = FALSE;
  gboolean gzip = FALSE;
  gboolean refused = FALSE;

  if (header == NULL)
    return FALSE;

  acceptable = soup_header_parse_quality_list (header, &unacceptable);
  for (GSList *l = acceptable; l != NULL; l = l->next)
    {
      if (g_ascii_strcasecmp (l->data, "gzip") == 0 || g_ascii_strcasecmp (l->data, "x-gzip") == 0)
        gzip = TRUE;
      else if (g_str_equal (l->data, "*"))
        star = TRUE;
    }
  for (GSList *l = unacceptable; l != NULL; l = l->next)
    {
      if (g_ascii_strcasecmp (l->data, "gzip") == 0)
        refused = TRUE;
    }
  soup_header_free_list (acceptable);
  soup_header_free_list (unacceptable);

  return gzip || (star && !refused);
}

static void
set_body (SoupServerMessage *msg,
          guint              status,
          const char        *content_type,
          GBytes            *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, status, NULL);
  if (content_type != NULL)
    soup_message_headers_replace (headers, "Content-Type", content_type);
  if (body != NULL)
    soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
}

static void
set_text (SoupServerMessage *msg,
          guint              status,
          const char        *content_type,
          const char        *text)
{
  g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));

  set_body (msg, status, content_type, body);
}

static void
set_not_found (SoupServerMessage *msg)
{
  set_text (msg, SOUP_STATUS_NOT_FOUND, "text/plain; charset=utf-8", "Not Found");
}

static void
set_too_many_requests (SoupServerMessage *msg,
                       const char        *retry_after)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", retry_after);
  set_text (msg, 429, "text/plain; charset=utf-8", "Too Many Requests");
  /* libsoup 3.2 has no phrase for 429. */
  soup_server_message_set_status (msg, 429, "Too Many Requests");
}

/* ------------------------------------------------------------------------ */
/* Ids and names                                                            */

static gboolean
index_of_id (SgFakeServer *self,
             guint         id,
             guint        *index)
{
  guint i;

  if (id >= 1 && id <= N_SPECIES)
    i = id - 1;
  else if (id >= FIRST_FORM_ID && id <= MAX_ID)
    i = N_SPECIES + (id - FIRST_FORM_ID);
  else
    return FALSE;

  if (i >= self->count)
    return FALSE;

  if (index != NULL)
    *index = i;
  return TRUE;
}

static guint
id_at (guint index)
{
  return index < N_SPECIES ? index + 1 : FIRST_FORM_ID + (index - N_SPECIES);
}

static void
load_names (SgFakeServer *self)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;

  self->species_names = g_ptr_array_new_with_free_func (g_free);
  self->form_names = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  bytes = g_resource_lookup_data (sg_fake_get_resource (), RESOURCE_DIR "names.json",
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), &error))
    {
      g_warning ("Cannot read names.json, using generated names: %s", error->message);
      return;
    }

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);

  if (json_object_has_member (object, "species") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "species")))
    {
      JsonArray *species = json_object_get_array_member (object, "species");

      for (guint i = 0; i < json_array_get_length (species); i++)
        {
          const char *name = json_node_get_string (json_array_get_element (species, i));

          g_ptr_array_add (self->species_names, g_strdup (name != NULL ? name : ""));
        }
    }

  if (json_object_has_member (object, "forms") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "forms")))
    {
      JsonArray *forms = json_object_get_array_member (object, "forms");

      for (guint i = 0; i < json_array_get_length (forms); i++)
        {
          JsonNode *node = json_array_get_element (forms, i);
          JsonArray *pair;
          const char *name;
          gint64 id;

          if (!JSON_NODE_HOLDS_ARRAY (node))
            continue;
          pair = json_node_get_array (node);
          if (json_array_get_length (pair) != 2)
            continue;
          id = json_node_get_int (json_array_get_element (pair, 0));
          name = json_node_get_string (json_array_get_element (pair, 1));
          if (id >= FIRST_FORM_ID && id <= MAX_ID && name != NULL)
            g_hash_table_insert (self->form_names, GUINT_TO_POINTER ((guint) id), g_strdup (name));
        }
    }
}

/* Reads configuration only, so any thread may call it once started. */
static char *
name_for_id (SgFakeServer *self,
             guint         id)
{
  const char *name;

  name = g_hash_table_lookup (self->name_overrides, GUINT_TO_POINTER (id));
  if (name == NULL && id >= 1 && id <= self->species_names->len)
    name = g_ptr_array_index (self->species_names, id - 1);
  if (name == NULL || *name == '\0')
    name = g_hash_table_lookup (self->form_names, GUINT_TO_POINTER (id));
  if (name != NULL && *name != '\0')
    return g_strdup (name);

  return g_strdup_printf ("pokemon-%u", id);
}

static guint
faults_for (SgFakeServer *self,
            guint         id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->faults, GUINT_TO_POINTER (id)));
}

static gboolean
has_fault (SgFakeServer *self,
           guint         id,
           SgFakeFault   fault)
{
  return (faults_for (self, id) & (1u << fault)) != 0;
}

/* Returns how often this fault slot was used before, and counts this use. */
static guint
fault_hit (SgFakeServer *self,
           guint         id,
           guint         slot)
{
  gpointer key = SLOT_KEY (id, slot);
  guint hits = GPOINTER_TO_UINT (g_hash_table_lookup (self->fault_hits, key));

  g_hash_table_insert (self->fault_hits, key, GUINT_TO_POINTER (hits + 1));
  return hits;
}

/* ------------------------------------------------------------------------ */
/* Sprites                                                                  */

static void
hsv_to_rgb (double  h,
            double  s,
            double  v,
            double *r,
            double *g,
            double *b)
{
  double i = floor (h * 6);
  double f = h * 6 - i;
  double p = v * (1 - s);
  double q = v * (1 - f * s);
  double t = v * (1 - (1 - f) * s);

  switch ((int) i % 6)
    {
    case 0: *r = v; *g = t; *b = p; break;
    case 1: *r = q; *g = v; *b = p; break;
    case 2: *r = p; *g = v; *b = t; break;
    case 3: *r = p; *g = q; *b = v; break;
    case 4: *r = t; *g = p; *b = v; break;
    default: *r = v; *g = p; *b = q; break;
    }
}

static void
body_path (cairo_t *cr,
           guint    shape)
{
  switch (shape)
    {
    case 0:
      cairo_arc (cr, 48, 48, 34, 0, 2 * G_PI);
      break;
    case 1:
      cairo_new_sub_path (cr);
      cairo_arc (cr, 26, 26, 12, G_PI, 1.5 * G_PI);
      cairo_arc (cr, 70, 26, 12, 1.5 * G_PI, 2 * G_PI);
      cairo_arc (cr, 70, 74, 12, 0, 0.5 * G_PI);
      cairo_arc (cr, 26, 74, 12, 0.5 * G_PI, G_PI);
      cairo_close_path (cr);
      break;
    case 2:
      cairo_move_to (cr, 48, 10);
      cairo_line_to (cr, 86, 82);
      cairo_line_to (cr, 10, 82);
      cairo_close_path (cr);
      break;
    default:
      for (guint i = 0; i < 6; i++)
        {
          double a = G_PI / 6 + i * G_PI / 3;
          double x = 48 + 36 * cos (a);
          double y = 48 + 36 * sin (a);

          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_close_path (cr);
      break;
    }
}

static cairo_status_t
png_write_cb (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Deterministic: colour from the id, a shape from id % 4, the id's 16 low
 * bits as a 4×4 grid; shiny: complementary colour and a sparkle; back: no
 * eyes, stripes. Pixel sprites are drawn without antialiasing, like the
 * real ones; the official artwork is larger and smooth. */
static GBytes *
render_sprite (guint      id,
               SpriteKind kind)
{
  gboolean shiny = kind == SPRITE_FRONT_SHINY || kind == SPRITE_BACK_SHINY || kind == SPRITE_ARTWORK_SHINY;
  gboolean back = kind == SPRITE_BACK_DEFAULT || kind == SPRITE_BACK_SHINY;
  gboolean artwork = kind == SPRITE_ARTWORK || kind == SPRITE_ARTWORK_SHINY;
  int size = artwork ? 256 : 96;
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_t *cr;
  double hue = fmod (id * 0.618033988749895, 1.0);
  double r, g, b;
  cairo_status_t status;

  if (shiny)
    hue = fmod (hue + 0.5, 1.0);
  hsv_to_rgb (hue, shiny ? 0.5 : 0.8, shiny ? 1.0 : 0.85, &r, &g, &b);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cr = cairo_create (surface);
  cairo_scale (cr, size / 96.0, size / 96.0);
  if (!artwork)
    cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);

  /* Body */
  body_path (cr, id % 4);
  if (artwork)
    {
      cairo_pattern_t *gradient = cairo_pattern_create_radial (38, 34, 4, 48, 48, 48);

      cairo_pattern_add_color_stop_rgb (gradient, 0, MIN (1, r + 0.4), MIN (1, g + 0.4), MIN (1, b + 0.4));
      cairo_pattern_add_color_stop_rgb (gradient, 1, r * 0.8, g * 0.8, b * 0.8);
      cairo_set_source (cr, gradient);
      cairo_pattern_destroy (gradient);
    }
  else
    {
      cairo_set_source_rgb (cr, r, g, b);
    }
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, r * 0.3, g * 0.3, b * 0.3);
  cairo_set_line_width (cr, 3);
  cairo_stroke_preserve (cr);

  if (back)
    {
      cairo_save (cr);
      cairo_clip (cr);
      cairo_set_source_rgba (cr, r * 0.5, g * 0.5, b * 0.5, 0.8);
      for (int x = -96; x < 96; x += 16)
        {
          cairo_move_to (cr, x, 0);
          cairo_line_to (cr, x + 96, 96);
          cairo_line_to (cr, x + 102, 96);
          cairo_line_to (cr, x + 6, 0);
          cairo_close_path (cr);
        }
      cairo_fill (cr);
      cairo_restore (cr);
    }
  else
    {
      cairo_new_path (cr);
      for (int i = 0; i < 2; i++)
        {
          double x = i == 0 ? 38 : 58;

          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_rectangle (cr, x - 5, 34, 10, 10);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 0, 0, 0);
          cairo_rectangle (cr, x - 2, 37, 5, 5);
          cairo_fill (cr);
        }
    }
  cairo_new_path (cr);

  /* The id, readable in a magnified screenshot: bit 0 top left. */
  for (guint bit = 0; bit < 16; bit++)
    {
      double x = 38 + (bit % 4) * 5;
      double y = 50 + (bit / 4) * 5;

      if (id & (1u << bit))
        cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      else
        cairo_set_source_rgb (cr, 0.95, 0.95, 0.95);
      cairo_rectangle (cr, x, y, 4, 4);
      cairo_fill (cr);
    }

  if (shiny)
    {
      cairo_set_source_rgb (cr, 1.0, 0.9, 0.2);
      cairo_move_to (cr, 84, 2);
      cairo_line_to (cr, 87, 11);
      cairo_line_to (cr, 96, 14);
      cairo_line_to (cr, 87, 17);
      cairo_line_to (cr, 84, 26);
      cairo_line_to (cr, 81, 17);
      cairo_line_to (cr, 72, 14);
      cairo_line_to (cr, 81, 11);
      cairo_close_path (cr);
      cairo_fill (cr);
    }

  cairo_destroy (cr);
  cairo_surface_flush (surface);
  status = cairo_surface_write_to_png_stream (surface, png_write_cb, png);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_warning ("Cannot encode sprite %u: %s", id, cairo_status_to_string (status));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

static GBytes *
sprite_get (SgFakeServer *self,
            guint         id,
            SpriteKind    kind)
{
  GBytes *bytes;

  g_mutex_lock (&self->sprite_mutex);
  bytes = g_hash_table_lookup (self->sprites, SLOT_KEY (id, kind));
  if (bytes == NULL)
    {
      bytes = render_sprite (id, kind);
      if (bytes != NULL)
        g_hash_table_insert (self->sprites, SLOT_KEY (id, kind), bytes);
    }
  if (bytes != NULL)
    g_bytes_ref (bytes);
  g_mutex_unlock (&self->sprite_mutex);

  return bytes;
}

static gboolean
sprite_kind_from_variant (const char *variant,
                          SpriteKind *kind)
{
  for (guint i = 0; i < N_SPRITES; i++)
    {
      if (g_str_equal (variant, sprite_kinds[i].variant))
        {
          *kind = (SpriteKind) i;
          return TRUE;
        }
    }

  /* The JSON paths, for callers that think in terms of the detail. */
  if (g_str_equal (variant, "official-artwork.front_default"))
    *kind = SPRITE_ARTWORK;
  else if (g_str_equal (variant, "official-artwork.front_shiny"))
    *kind = SPRITE_ARTWORK_SHINY;
  else
    return FALSE;

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Detail template                                                          */

static void
template_free (Template *tmpl)
{
  g_ptr_array_unref (tmpl->literals);
  g_ptr_array_unref (tmpl->deflated);
  g_array_unref (tmpl->tokens);
  g_free (tmpl);
}

static void
detail_cache_free (gpointer data)
{
  DetailCache *cache = data;

  g_bytes_unref (cache->gzip);
  g_free (cache->etag);
  g_free (cache);
}

/* Points the three forms of URL in the 2018 data at us (see the README). */
static char *
rewrite_url (const char *base,
             const char *url)
{
  const char *path = NULL;

  if (g_str_has_prefix (url, SPRITE_HOST_PREFIX))
    return g_strconcat (base, "/sprites/", url + strlen (SPRITE_HOST_PREFIX), NULL);
  if (g_str_has_prefix (url, "/api/v2/"))
    return g_strconcat (base, url, NULL);
  if (g_str_has_prefix (url, "https://"))
    path = strchr (url + strlen ("https://"), '/');
  else if (g_str_has_prefix (url, "http://"))
    path = strchr (url + strlen ("http://"), '/');
  if (path != NULL && g_str_has_prefix (path, "/api/v2/"))
    return g_strconcat (base, path, NULL);

  return NULL;
}

static void
rewrite_urls (const char *base,
              JsonNode   *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *member;
        JsonNode *child;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &member, &child))
          rewrite_urls (base, child);
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          rewrite_urls (base, json_array_get_element (array, i));
      }
      break;

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *url = rewrite_url (base, json_node_get_string (node));

          if (url != NULL)
            json_node_set_string (node, url);
        }
      break;

    case JSON_NODE_NULL:
    default:
      break;
    }
}

static JsonObject *
get_object_member (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
set_name_and_url (JsonObject *object,
                  const char *url)
{
  if (object == NULL)
    return;
  json_object_set_string_member (object, "name", "@@=name@@");
  json_object_set_string_member (object, "url", url);
}

/* Marks the id-dependent parts of the record with @@token@@ markers. */
static void
mark_tokens (SgFakeServer *self,
             JsonObject   *root)
{
  static const TokenKind sprite_tokens[] = {
    [SPRITE_FRONT_DEFAULT] = TOKEN_FRONT_DEFAULT,
    [SPRITE_FRONT_SHINY] = TOKEN_FRONT_SHINY,
    [SPRITE_BACK_DEFAULT] = TOKEN_BACK_DEFAULT,
    [SPRITE_BACK_SHINY] = TOKEN_BACK_SHINY,
  };
  g_autofree char *form_url = g_strconcat (self->base, "/api/v2/pokemon-form/@@id@@/", NULL);
  g_autofree char *species_url = g_strconcat (self->base, "/api/v2/pokemon-species/@@id@@/", NULL);
  g_autofree char *encounters_url = g_strconcat (self->base, "/api/v2/pokemon/@@id@@/encounters", NULL);
  JsonNode *forms;
  JsonObject *sprites;

  json_object_set_string_member (root, "id", "@@=id@@");
  json_object_set_string_member (root, "name", "@@=name@@");
  json_object_set_string_member (root, "is_default", "@@=is_default@@");
  json_object_set_string_member (root, "location_area_encounters", encounters_url);

  forms = json_object_get_member (root, "forms");
  if (forms != NULL && JSON_NODE_HOLDS_ARRAY (forms))
    {
      JsonArray *array = json_node_get_array (forms);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (node))
            set_name_and_url (json_node_get_object (node), form_url);
        }
    }

  set_name_and_url (get_object_member (root, "species"), species_url);

  sprites = get_object_member (root, "sprites");
  if (sprites != NULL)
    {
      g_autoptr(JsonObject) other = json_object_new ();
      g_autoptr(JsonObject) artwork = json_object_new ();
      g_autofree char *artwork_url = NULL;
      g_autofree char *artwork_shiny_url = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (sprite_tokens); i++)
        {
          g_autofree char *marker = g_strdup_printf ("@@%s@@", token_names[sprite_tokens[i]]);

          json_object_set_string_member (sprites, sprite_kinds[i].variant, marker);
        }

      /* The 2018 record predates sprites.other; the live API has it. */
      artwork_url = g_strdup_printf ("%s/sprites/pokemon/%s@@id@@.png",
                                     self->base, sprite_kinds[SPRITE_ARTWORK].dir);
      artwork_shiny_url = g_strdup_printf ("%s/sprites/pokemon/%s@@id@@.png",
                                           self->base, sprite_kinds[SPRITE_ARTWORK_SHINY].dir);
      json_object_set_string_member (artwork, "front_default", artwork_url);
      json_object_set_string_member (artwork, "front_shiny", artwork_shiny_url);
      json_object_set_object_member (other, "official-artwork", g_steal_pointer (&artwork));
      json_object_set_object_member (sprites, "other", g_steal_pointer (&other));
    }
}

static void
template_push_literal (Template   *tmpl,
                       const char *data,
                       gsize       len)
{
  GBytes *deflated = zlib_deflate (data, len, -15, Z_SYNC_FLUSH);

  g_assert (deflated != NULL);  /* only fails when out of memory */
  g_ptr_array_add (tmpl->literals, g_bytes_new (data, len));
  g_ptr_array_add (tmpl->deflated, deflated);
  tmpl->literal_len += len;
}

static Template *
template_new (SgFakeServer  *self,
              GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GString) literal = g_string_new (NULL);
  Template *tmpl;
  JsonNode *root;
  const char *p;
  const char *marker;

  bytes = g_resource_lookup_data (sg_fake_get_resource (), RESOURCE_DIR "apidata2018_pokemon_1.json",
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), error))
    return NULL;

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The detail template is not a JSON object");
      return NULL;
    }

  rewrite_urls (self->base, root);
  mark_tokens (self, json_node_get_object (root));

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  tmpl = g_new0 (Template, 1);
  tmpl->literals = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  tmpl->deflated = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  tmpl->tokens = g_array_new (FALSE, FALSE, sizeof (TokenKind));

  p = text;
  while ((marker = strstr (p, "@@")) != NULL)
    {
      const char *end = strstr (marker + 2, "@@");
      const char *after;
      TokenKind kind = N_TOKENS;

      if (end == NULL)
        break;

      for (guint i = 0; i < N_TOKENS; i++)
        {
          if (strlen (token_names[i]) == (gsize) (end - marker - 2) &&
              strncmp (marker + 2, token_names[i], end - marker - 2) == 0)
            kind = (TokenKind) i;
        }

      after = end + 2;
      if (kind == N_TOKENS)
        {
          /* Not ours: keep it as text. */
          g_string_append_len (literal, p, after - p);
          p = after;
          continue;
        }

      g_string_append_len (literal, p, marker - p);
      if (token_names[kind][0] == '=')
        {
          if (literal->len > 0 && literal->str[literal->len - 1] == '"')
            g_string_truncate (literal, literal->len - 1);
          if (*after == '"')
            after++;
        }

      template_push_literal (tmpl, literal->str, literal->len);
      g_string_truncate (literal, 0);
      g_array_append_val (tmpl->tokens, kind);
      p = after;
    }
  g_string_append (literal, p);
  template_push_literal (tmpl, literal->str, literal->len);

  return tmpl;
}

/* The name as a JSON string; with NAME_NUL it goes on after a \u0000
 * escape, which a parser that keeps C strings cuts off. */
static void
append_served_name (SgFakeServer *self,
                    GString      *out,
                    guint         id,
                    guint         index)
{
  append_json_string (out, g_ptr_array_index (self->served_names, index));
  if (has_fault (self, id, SG_FAKE_FAULT_NAME_NUL))
    {
      g_string_truncate (out, out->len - 1);
      g_string_append (out, "\\u0000/../../nul\"");
    }
}

/* A data: URL holding the real PNG, so that following it would "work". */
static char *
dup_png_data_url (SgFakeServer *self,
                  guint         id,
                  SpriteKind    kind)
{
  g_autoptr(GBytes) png = sprite_get (self, id, kind);
  g_autofree char *base64 = NULL;

  if (png == NULL)
    return g_strdup ("data:image/png;base64,");

  base64 = g_base64_encode (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  return g_strconcat ("data:image/png;base64,", base64, NULL);
}

/* Deflates @total bytes of @fill, fed a block at a time, with zlib's
 * @window_bits (+16: gzip). Bombs are made this way without holding their
 * decoded size in memory. */
static GBytes *
zlib_deflate_fill (guint8 fill,
                   gsize  total,
                   int    window_bits)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *block = g_malloc (FLOOD_BLOCK);
  z_stream zs = { 0 };
  guint8 buf[16384];
  gsize done = 0;
  int ret = Z_OK;

  memset (block, fill, FLOOD_BLOCK);
  if (deflateInit2 (&zs, 9, Z_DEFLATED, window_bits, 9, Z_RLE) != Z_OK)
    return NULL;

  while (ret == Z_OK)
    {
      gsize n = MIN (total - done, (gsize) FLOOD_BLOCK);
      int flush = done + n >= total ? Z_FINISH : Z_NO_FLUSH;

      zs.next_in = block;
      zs.avail_in = (uInt) n;
      done += n;
      do
        {
          zs.next_out = buf;
          zs.avail_out = sizeof buf;
          ret = deflate (&zs, flush);
          g_byte_array_append (out, buf, sizeof buf - zs.avail_out);
        }
      while (zs.avail_out == 0 && ret == Z_OK);

      if (flush == Z_FINISH)
        break;
    }

  deflateEnd (&zs);
  if (ret != Z_STREAM_END)
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
append_png_chunk (GByteArray   *out,
                  const char   *type,
                  const guint8 *data,
                  gsize         len)
{
  guint8 be[4] = { (len >> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff };
  guint32 crc;

  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
  crc = (guint32) crc32 (0, (const Bytef *) type, 4);
  if (len > 0)  /* crc32 (crc, NULL, 0) starts again at 0 */
    crc = (guint32) crc32 (crc, data, (uInt) len);
  be[0] = crc >> 24;
  be[1] = (crc >> 16) & 0xff;
  be[2] = (crc >> 8) & 0xff;
  be[3] = crc & 0xff;
  g_byte_array_append (out, be, 4);
}

/* A whole, valid PNG of HUGE_PNG_SIDE² transparent RGBA pixels: small on
 * the wire, 256 MiB once decoded. */
static GBytes *
build_huge_png (void)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 ihdr[13] = {
    (HUGE_PNG_SIDE >> 24) & 0xff, (HUGE_PNG_SIDE >> 16) & 0xff, (HUGE_PNG_SIDE >> 8) & 0xff, HUGE_PNG_SIDE & 0xff,
    (HUGE_PNG_SIDE >> 24) & 0xff, (HUGE_PNG_SIDE >> 16) & 0xff, (HUGE_PNG_SIDE >> 8) & 0xff, HUGE_PNG_SIDE & 0xff,
    8, 6, 0, 0, 0,  /* 8 bits, RGBA, deflate, filter 0, not interlaced */
  };
  g_autoptr(GBytes) idat = NULL;
  GByteArray *out;

  /* Each row: filter byte 0, then zeros; all of it zeros. */
  idat = zlib_deflate_fill (0, (gsize) HUGE_PNG_SIDE * (1 + (gsize) HUGE_PNG_SIDE * 4), 15);
  if (idat == NULL)
    return NULL;

  out = g_byte_array_new ();
  g_byte_array_append (out, signature, sizeof signature);
  append_png_chunk (out, "IHDR", ihdr, sizeof ihdr);
  append_png_chunk (out, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));
  append_png_chunk (out, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (out);
}

static void
detail_values (SgFakeServer *self,
               guint         id,
               guint         index,
               char        **values)
{
  gboolean null_sprites = has_fault (self, id, SG_FAKE_FAULT_NULL_SPRITE);
  GString *name = g_string_new (NULL);

  append_served_name (self, name, id, index);

  values[TOKEN_ID] = g_strdup_printf ("%u", id);
  values[TOKEN_ID_TEXT] = g_strdup_printf ("%u", id);
  values[TOKEN_NAME] = g_string_free (name, FALSE);
  values[TOKEN_IS_DEFAULT] = g_strdup (id < FIRST_FORM_ID ? "true" : "false");
  for (guint i = 0; i <= SPRITE_BACK_SHINY; i++)
    {
      TokenKind token = TOKEN_FRONT_DEFAULT + i;

      if (null_sprites)
        values[token] = g_strdup ("null");
      else if (has_fault (self, id, SG_FAKE_FAULT_FILE_URL))
        values[token] = g_strdup ("\"" FILE_URL "\"");
      else if (has_fault (self, id, SG_FAKE_FAULT_DATA_URL))
        {
          g_autofree char *data_url = dup_png_data_url (self, id, (SpriteKind) i);

          values[token] = g_strdup_printf ("\"%s\"", data_url);
        }
      else
        values[token] = g_strdup_printf ("\"%s/sprites/pokemon/%s%u.png\"",
                                         self->base, sprite_kinds[i].dir, id);
    }
}

static void
detail_values_clear (char **values)
{
  for (guint i = 0; i < N_TOKENS; i++)
    g_clear_pointer (&values[i], g_free);
}

static GBytes *
detail_render (SgFakeServer  *self,
               char         **values)
{
  Template *tmpl = self->detail;
  GString *out = g_string_sized_new (tmpl->literal_len + 1024);

  for (guint i = 0; i < tmpl->literals->len; i++)
    {
      GBytes *literal = g_ptr_array_index (tmpl->literals, i);
      gsize len;
      const char *data = g_bytes_get_data (literal, &len);

      g_string_append_len (out, data, len);
      if (i < tmpl->tokens->len)
        g_string_append (out, values[g_array_index (tmpl->tokens, TokenKind, i)]);
    }

  return g_string_free_to_bytes (out);
}

static void
append_le32 (GByteArray *out,
             guint32     value)
{
  guint8 le[4] = { value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >> 24) & 0xff };

  g_byte_array_append (out, le, 4);
}

/* Same bytes as detail_render(), gzip-encoded by joining the template's
 * pre-deflated pieces with stored blocks for the values (RFC 1951, 3.2.4). */
static GBytes *
detail_render_gzip (SgFakeServer  *self,
                    char         **values,
                    guint32       *crc_out,
                    gsize         *len_out)
{
  static const guint8 gzip_header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
  static const guint8 final_block[2] = { 0x03, 0x00 };  /* last block: fixed Huffman, only end-of-block */
  Template *tmpl = self->detail;
  GByteArray *out = g_byte_array_sized_new (16384);
  guint32 crc = (guint32) crc32 (0, NULL, 0);
  gsize total = 0;

  g_byte_array_append (out, gzip_header, sizeof gzip_header);

  for (guint i = 0; i < tmpl->literals->len; i++)
    {
      GBytes *literal = g_ptr_array_index (tmpl->literals, i);
      GBytes *deflated = g_ptr_array_index (tmpl->deflated, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (literal, &len);
      gsize zlen;
      const guint8 *zdata = g_bytes_get_data (deflated, &zlen);

      crc = (guint32) crc32 (crc, data, (uInt) len);
      total += len;
      g_byte_array_append (out, zdata, (guint) zlen);

      if (i < tmpl->tokens->len)
        {
          const char *value = values[g_array_index (tmpl->tokens, TokenKind, i)];
          gsize value_len = strlen (value);
          gsize done = 0;

          crc = (guint32) crc32 (crc, (const Bytef *) value, (uInt) value_len);
          total += value_len;

          while (done < value_len)
            {
              guint16 n = (guint16) MIN (value_len - done, 65535);
              guint8 header[5] = { 0x00, n & 0xff, n >> 8, (~n) & 0xff, ((guint16) ~n) >> 8 };

              g_byte_array_append (out, header, sizeof header);
              g_byte_array_append (out, (const guint8 *) value + done, n);
              done += n;
            }
        }
    }

  g_byte_array_append (out, final_block, sizeof final_block);
  append_le32 (out, crc);
  append_le32 (out, (guint32) total);

  *crc_out = crc;
  *len_out = total;
  return g_byte_array_free_to_bytes (out);
}

static DetailCache *
detail_cache_get (SgFakeServer *self,
                  guint         id,
                  guint         index)
{
  DetailCache *cache = g_hash_table_lookup (self->details, GUINT_TO_POINTER (id));

  if (cache == NULL)
    {
      char *values[N_TOKENS] = { NULL, };
      guint32 crc;
      gsize len;

      detail_values (self, id, index, values);
      cache = g_new0 (DetailCache, 1);
      cache->gzip = detail_render_gzip (self, values, &crc, &len);
      cache->etag = g_strdup_printf ("W/\"%08x-%" G_GSIZE_MODIFIER "x\"", crc, len);
      detail_values_clear (values);
      g_hash_table_insert (self->details, GUINT_TO_POINTER (id), cache);
    }

  return cache;
}

/* ------------------------------------------------------------------------ */
/* Counting                                                                 */

static void
flight_begin (SgFakeServer      *self,
              SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);

  g_mutex_lock (&self->mutex);
  self->n_requests++;
  self->in_flight++;
  self->max_in_flight = MAX (self->max_in_flight, self->in_flight);
  g_ptr_array_add (self->paths, g_strconcat (g_uri_get_path (uri), query ? "?" : "", query, NULL));
  g_mutex_unlock (&self->mutex);
}

static void
flight_end (SgFakeServer *self)
{
  g_mutex_lock (&self->mutex);
  g_assert (self->in_flight > 0);
  self->in_flight--;
  g_mutex_unlock (&self->mutex);
}

/* ------------------------------------------------------------------------ */
/* Stolen connections: reset, stall, drip and flood                         */

static void stolen_read (Stolen *st);

static void
stolen_end (Stolen *st)
{
  SgFakeServer *self = st->self;

  if (st->delay != NULL)
    {
      g_source_destroy (st->delay);
      g_clear_pointer (&st->delay, g_source_unref);
    }
  if (st->stream != NULL)
    g_io_stream_close (st->stream, NULL, NULL);

  g_hash_table_remove (self->stolen, st);
  flight_end (self);

  g_clear_object (&st->stream);
  g_clear_object (&st->cancellable);
  g_clear_pointer (&st->data, g_bytes_unref);
  g_clear_pointer (&st->body, g_bytes_unref);
  g_free (st);
}

static void
stolen_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Stolen *st = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  /* Whatever the client sends is ignored; only its going away counts. */
  if (n > 0)
    stolen_read (st);
  else
    stolen_end (st);
}

static void
stolen_read (Stolen *st)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (st->stream),
                             st->buf, sizeof st->buf, G_PRIORITY_DEFAULT,
                             st->cancellable, stolen_read_cb, st);
}

static void stolen_write_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      user_data);

static void
stolen_write_data (Stolen       *st,
                   const guint8 *data,
                   gsize         len)
{
  g_output_stream_write_all_async (g_io_stream_get_output_stream (st->stream),
                                   data, len, G_PRIORITY_DEFAULT,
                                   st->cancellable, stolen_write_cb, st);
}

static gboolean
stolen_drip_cb (gpointer user_data)
{
  Stolen *st = user_data;

  g_clear_pointer (&st->delay, g_source_unref);
  stolen_write_data (st, (const guint8 *) g_bytes_get_data (st->body, NULL) + st->offset++, 1);
  return G_SOURCE_REMOVE;
}

/* After each write: what the mode does next. A client that goes away makes
 * the next write fail, which ends every mode. */
static void
stolen_write_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Stolen *st = user_data;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL);

  if (!ok)
    {
      stolen_end (st);
      return;
    }

  switch (st->mode)
    {
    case STOLEN_STALL:
      stolen_read (st);
      break;

    case STOLEN_DRIP:
      if (st->offset >= g_bytes_get_size (st->body))
        stolen_end (st);
      else
        {
          st->delay = g_timeout_source_new (DRIP_INTERVAL_MS);
          g_source_set_callback (st->delay, stolen_drip_cb, st, NULL);
          g_source_attach (st->delay, st->self->context);
        }
      break;

    case STOLEN_FLOOD:
      if (st->remaining == 0)
        stolen_end (st);
      else
        {
          gsize len = g_bytes_get_size (st->body);

          if (st->remaining != FLOOD_FOREVER)
            {
              len = (gsize) MIN ((guint64) len, st->remaining);
              st->remaining -= len;
            }
          stolen_write_data (st, g_bytes_get_data (st->body, NULL), len);
        }
      break;

    case STOLEN_RESET:
    default:
      stolen_end (st);
      break;
    }
}

static void
stolen_write (Stolen *st)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (st->data, &len);

  stolen_write_data (st, data, len);
}

static gboolean
stolen_delay_cb (gpointer user_data)
{
  Stolen *st = user_data;

  g_clear_pointer (&st->delay, g_source_unref);
  stolen_write (st);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */

static void
req_free (Req *req)
{
  if (req->delay != NULL)
    {
      g_source_destroy (req->delay);
      g_clear_pointer (&req->delay, g_source_unref);
    }
  g_clear_signal_handler (&req->finished_id, req->msg);
  g_clear_object (&req->msg);
  g_free (req);
}

static void
req_end (Req *req)
{
  SgFakeServer *self = req->self;

  g_hash_table_remove (self->pending, req);
  flight_end (self);
  req_free (req);
}

static void
req_finished_cb (SoupServerMessage *msg,
                 Req               *req)
{
  req_end (req);
}

/* Takes the connection from libsoup and answers a sprite on the raw wire:
 *  - RESET, STALL: headers and half the body; then close, or wait for the
 *    client to go away;
 *  - DRIP: headers, then the body one byte at a time;
 *  - FLOOD with @chunked: chunks of zeros forever; without: the PNG and
 *    zeros up to a declared Content-Length of HUGE_LENGTH. */
static void
req_steal_full (Req        *req,
                StolenMode  mode,
                gboolean    chunked)
{
  SgFakeServer *self = req->self;
  g_autoptr(GBytes) png = sprite_get (self, req->id, req->sprite);
  g_autoptr(GString) raw = g_string_new (NULL);
  gsize len = png != NULL ? g_bytes_get_size (png) : 0;
  Stolen *st;

  st = g_new0 (Stolen, 1);
  st->self = self;
  st->mode = mode;
  st->cancellable = g_cancellable_new ();

  g_string_append (raw,
                   "HTTP/1.1 200 OK\r\n"
                   "Content-Type: image/png\r\n"
                   "Cache-Control: " CACHE_CONTROL "\r\n");
  switch (mode)
    {
    case STOLEN_FLOOD:
      if (chunked)
        {
          g_autoptr(GString) chunk = g_string_new (NULL);

          g_string_append (raw, "Transfer-Encoding: chunked\r\n\r\n");
          g_string_append_printf (chunk, "%x\r\n", FLOOD_BLOCK);
          g_string_set_size (chunk, chunk->len + FLOOD_BLOCK);
          memset (chunk->str + chunk->len - FLOOD_BLOCK, 0, FLOOD_BLOCK);
          g_string_append (chunk, "\r\n");
          st->body = g_string_free_to_bytes (g_steal_pointer (&chunk));
          st->remaining = FLOOD_FOREVER;
        }
      else
        {
          g_string_append_printf (raw, "Content-Length: %u\r\n\r\n", (guint) HUGE_LENGTH);
          len = MIN (len, HUGE_LENGTH);
          if (png != NULL)
            g_string_append_len (raw, g_bytes_get_data (png, NULL), len);
          st->body = g_bytes_new_take (g_malloc0 (FLOOD_BLOCK), FLOOD_BLOCK);
          st->remaining = HUGE_LENGTH - len;
        }
      break;

    case STOLEN_DRIP:
      g_string_append_printf (raw, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
      st->body = png != NULL ? g_bytes_ref (png) : g_bytes_new (NULL, 0);
      break;

    case STOLEN_RESET:
    case STOLEN_STALL:
    default:
      g_string_append_printf (raw, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
      if (png != NULL)
        g_string_append_len (raw, g_bytes_get_data (png, NULL), len / 2);
      break;
    }

  st->data = g_string_free_to_bytes (g_steal_pointer (&raw));

  /* The in-flight slot moves from the Req to the Stolen. */
  g_clear_signal_handler (&req->finished_id, req->msg);
  g_hash_table_remove (self->pending, req);
  g_hash_table_add (self->stolen, st);
  st->stream = soup_server_message_steal_connection (req->msg);
  req_free (req);

  if (st->stream == NULL)
    {
      stolen_end (st);
    }
  else if (self->latency_ms > 0)
    {
      st->delay = g_timeout_source_new (self->latency_ms);
      g_source_set_callback (st->delay, stolen_delay_cb, st, NULL);
      g_source_attach (st->delay, self->context);
    }
  else
    {
      stolen_write (st);
    }
}

static void
req_steal (Req      *req,
           gboolean  stall)
{
  req_steal_full (req, stall ? STOLEN_STALL : STOLEN_RESET, FALSE);
}

static void
send_cacheable (SgFakeServer      *self,
                SoupServerMessage *msg,
                const char        *content_type,
                const char        *etag,
                GBytes            *body,
                gboolean           gzipped)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", CACHE_CONTROL);
  soup_message_headers_replace (headers, "ETag", etag);

  if (etag_matches (msg, etag))
    {
      g_mutex_lock (&self->mutex);
      self->n_not_modified++;
      g_mutex_unlock (&self->mutex);
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }

  if (gzipped)
    soup_message_headers_replace (headers, "Content-Encoding", "gzip");
  set_body (msg, SOUP_STATUS_OK, content_type, body);
}

static void
respond_list (SgFakeServer *self,
              Req          *req)
{
  SoupServerMessage *msg = req->msg;
  guint64 end = MIN ((guint64) req->offset + req->limit, (guint64) self->count);
  g_autoptr(GString) out = g_string_sized_new (128 + 80 * (end > req->offset ? end - req->offset : 0));
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) gzipped = NULL;
  g_autofree char *etag = NULL;

  if (self->all_faults & (1u << SG_FAKE_FAULT_LIST_COUNT_STRING))
    g_string_append_printf (out, "{\"count\":\"%u\",\"next\":", self->count);
  else
    g_string_append_printf (out, "{\"count\":%u,\"next\":", self->count);
  if ((guint64) req->offset + req->limit < self->count)
    g_string_append_printf (out, "\"%s/api/v2/pokemon?offset=%u&limit=%u\"",
                            self->base, req->offset + req->limit, req->limit);
  else
    g_string_append (out, "null");

  g_string_append (out, ",\"previous\":");
  if (req->offset > 0)
    g_string_append_printf (out, "\"%s/api/v2/pokemon?offset=%u&limit=%u\"",
                            self->base, req->offset > req->limit ? req->offset - req->limit : 0,
                            req->limit);
  else
    g_string_append (out, "null");

  if (self->all_faults & (1u << SG_FAKE_FAULT_LIST_NO_RESULTS))
    g_string_append (out, ",\"pokemon\":[]}");
  else
    {
      g_string_append (out, ",\"results\":[");
      for (guint64 i = req->offset; i < end; i++)
        {
          guint id = id_at ((guint) i);

          if (i > req->offset)
            g_string_append_c (out, ',');
          g_string_append (out, "{\"name\":");
          append_served_name (self, out, id, (guint) i);
          if (has_fault (self, id, SG_FAKE_FAULT_LIST_FILE_URL))
            g_string_append (out, ",\"url\":\"" FILE_URL "\"}");
          else
            g_string_append_printf (out, ",\"url\":\"%s/api/v2/pokemon/%u/\"}", self->base, id);
        }
      g_string_append (out, "]}");
    }

  etag = make_etag (TRUE, (const guint8 *) out->str, out->len);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Vary", "Accept-Encoding");
  if (accepts_gzip (msg) && (gzipped = gzip_bytes (out->str, out->len)) != NULL)
    {
      send_cacheable (self, msg, JSON_TYPE, etag, gzipped, TRUE);
    }
  else
    {
      plain = g_string_free_to_bytes (g_steal_pointer (&out));
      send_cacheable (self, msg, JSON_TYPE, etag, plain, FALSE);
    }
}

static void
respond_detail (SgFakeServer *self,
                Req          *req)
{
  SoupServerMessage *msg = req->msg;
  DetailCache *cache;
  guint index;

  if (!index_of_id (self, req->id, &index) || has_fault (self, req->id, SG_FAKE_FAULT_NOT_FOUND))
    {
      set_not_found (msg);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_SERVICE_UNAVAILABLE) &&
      fault_hit (self, req->id, SLOT_503) < N_503)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "1");
      set_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                "Service Unavailable");
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_RATE_LIMITED))
    {
      set_too_many_requests (msg, RATE_LIMIT_AFTER_S);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_TOO_MANY_REQUESTS) &&
      fault_hit (self, req->id, SLOT_429) < N_429)
    {
      set_too_many_requests (msg, "1");
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_GZIP_BOMB))
    {
      if (self->gzip_bomb == NULL)
        self->gzip_bomb = zlib_deflate_fill (' ', BOMB_DECODED, 15 + 16);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Encoding", "gzip");
      set_body (msg, SOUP_STATUS_OK, JSON_TYPE, self->gzip_bomb);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_WRONG_TYPES) ||
      has_fault (self, req->id, SG_FAKE_FAULT_MISSING_KEYS) ||
      has_fault (self, req->id, SG_FAKE_FAULT_SPRITES_NULL))
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autoptr(GBytes) body = NULL;

      if (has_fault (self, req->id, SG_FAKE_FAULT_WRONG_TYPES))
        g_string_append_printf (out, "{\"id\":\"%u\",\"name\":[\"x\"],\"types\":{\"slot\":\"1\"},"
                                "\"sprites\":\"%s/sprites/pokemon/%u.png\"}",
                                req->id, self->base, req->id);
      else if (has_fault (self, req->id, SG_FAKE_FAULT_MISSING_KEYS))
        {
          g_string_append (out, "{\"name\":");
          append_served_name (self, out, req->id, index);
          g_string_append (out, ",\"types\":[]}");
        }
      else
        {
          g_string_append_printf (out, "{\"id\":%u,\"name\":", req->id);
          append_served_name (self, out, req->id, index);
          g_string_append (out, ",\"types\":[],\"sprites\":null}");
        }
      body = g_string_free_to_bytes (g_steal_pointer (&out));
      set_body (msg, SOUP_STATUS_OK, JSON_TYPE, body);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_INVALID_JSON))
    {
      /* What a broken CDN or captive portal sends instead. */
      set_text (msg, SOUP_STATUS_OK, JSON_TYPE,
                "<!DOCTYPE html>\n<html><head><title>OK</title></head>"
                "<body><p>OK</p></body></html>\n");
      return;
    }

  cache = detail_cache_get (self, req->id, index);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Vary", "Accept-Encoding");
  if (accepts_gzip (msg))
    {
      send_cacheable (self, msg, JSON_TYPE, cache->etag, cache->gzip, TRUE);
    }
  else if (etag_matches (msg, cache->etag))
    {
      send_cacheable (self, msg, JSON_TYPE, cache->etag, NULL, FALSE);
    }
  else
    {
      char *values[N_TOKENS] = { NULL, };
      g_autoptr(GBytes) body = NULL;

      detail_values (self, req->id, index, values);
      body = detail_render (self, values);
      detail_values_clear (values);
      send_cacheable (self, msg, JSON_TYPE, cache->etag, body, FALSE);
    }
}

static void
respond_sprite (SgFakeServer *self,
                Req          *req)
{
  SoupServerMessage *msg = req->msg;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *etag = NULL;
  gsize len;
  const guint8 *data;

  if (!index_of_id (self, req->id, NULL))
    {
      set_not_found (msg);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_RATE_LIMITED))
    {
      set_too_many_requests (msg, RATE_LIMIT_AFTER_S);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_REDIRECT_FILE))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, FILE_URL);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_REDIRECT_DATA))
    {
      g_autofree char *data_url = dup_png_data_url (self, req->id, req->sprite);

      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, data_url);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_REDIRECT_LOOP))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND,
                                        g_uri_get_path (soup_server_message_get_uri (msg)));
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_REDIRECT_CHAIN) && req->hop < N_REDIRECT_HOPS)
    {
      g_autofree char *next = g_strdup_printf ("%s?hop=%u",
                                               g_uri_get_path (soup_server_message_get_uri (msg)),
                                               req->hop + 1);

      soup_server_message_set_redirect (msg, SOUP_STATUS_TEMPORARY_REDIRECT, next);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_EMPTY_BODY))
    {
      set_body (msg, SOUP_STATUS_OK, "image/png", NULL);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_HUGE_PNG))
    {
      if (self->huge_png == NULL)
        self->huge_png = build_huge_png ();
      set_body (msg, SOUP_STATUS_OK, "image/png", self->huge_png);
      return;
    }

  if (has_fault (self, req->id, SG_FAKE_FAULT_NOT_PNG))
    {
      set_text (msg, SOUP_STATUS_OK, "image/png",
                "<!DOCTYPE html>\n<html><head><title>Rate limited</title></head>"
                "<body><h1>Too many requests</h1></body></html>\n");
      return;
    }

  png = sprite_get (self, req->id, req->sprite);
  if (png == NULL)
    {
      set_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                "Internal Server Error");
      return;
    }

  data = g_bytes_get_data (png, &len);
  if (has_fault (self, req->id, SG_FAKE_FAULT_TRUNCATED_PNG))
    {
      g_autoptr(GBytes) half = g_bytes_new_from_bytes (png, 0, len / 2);

      set_body (msg, SOUP_STATUS_OK, "image/png", half);
      return;
    }

  etag = make_etag (FALSE, data, len);
  send_cacheable (self, msg, "image/png", etag, png, FALSE);
}

static void
respond (SgFakeServer *self,
         Req          *req)
{
  switch (req->route)
    {
    case ROUTE_LIST:
      respond_list (self, req);
      break;
    case ROUTE_DETAIL:
      respond_detail (self, req);
      break;
    case ROUTE_SPRITE:
      respond_sprite (self, req);
      break;
    case ROUTE_BAD_METHOD:
      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "Allow", "GET, HEAD");
      set_text (req->msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                "Method Not Allowed");
      break;
    case ROUTE_NOT_FOUND:
    default:
      set_not_found (req->msg);
      break;
    }
}

static gboolean
req_delay_cb (gpointer user_data)
{
  Req *req = user_data;
  g_autoptr(SoupServerMessage) msg = g_object_ref (req->msg);

  g_clear_pointer (&req->delay, g_source_unref);
  respond (req->self, req);
  /* req may be gone once libsoup writes the response. */
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static guint
parse_query_uint (GHashTable *query,
                  const char *key,
                  guint       min,
                  guint       fallback)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, key) : NULL;
  guint64 number;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, min, G_MAXUINT32, &number, NULL))
    return fallback;

  return (guint) number;
}

static gboolean
parse_id (const char *text,
          gsize       len,
          guint      *id)
{
  g_autofree char *copy = g_strndup (text, len);
  guint64 number;

  if (!g_ascii_string_to_unsigned (copy, 10, 1, MAX_ID, &number, NULL))
    return FALSE;

  *id = (guint) number;
  return TRUE;
}

/* Fills in req->route and its arguments from the path. */
static void
req_route (SgFakeServer *self,
           Req          *req,
           const char   *path,
           GHashTable   *query)
{
  const char *method = soup_server_message_get_method (req->msg);
  const char *rest;

  req->route = ROUTE_NOT_FOUND;

  if (g_str_equal (path, "/api/v2/pokemon") || g_str_equal (path, "/api/v2/pokemon/"))
    {
      /* Like Django REST framework's LimitOffsetPagination: nonsense falls
       * back to the defaults. */
      req->route = ROUTE_LIST;
      req->limit = parse_query_uint (query, "limit", 1, DEFAULT_LIMIT);
      req->offset = parse_query_uint (query, "offset", 0, 0);
    }
  else if (g_str_has_prefix (path, "/api/v2/pokemon/"))
    {
      gsize len;
      gpointer id;

      rest = path + strlen ("/api/v2/pokemon/");
      len = strlen (rest);
      if (len > 0 && rest[len - 1] == '/')
        len--;

      if (len > 0 && memchr (rest, '/', len) == NULL)
        {
          g_autofree char *key = g_strndup (rest, len);

          if (parse_id (rest, len, &req->id))
            req->route = ROUTE_DETAIL;
          else if (g_hash_table_lookup_extended (self->ids_by_name, key, NULL, &id))
            {
              req->id = GPOINTER_TO_UINT (id);
              req->route = ROUTE_DETAIL;
            }
        }
    }
  else if (g_str_has_prefix (path, "/sprites/pokemon/") && g_str_has_suffix (path, ".png"))
    {
      const char *file;
      gsize dir_len;

      rest = path + strlen ("/sprites/pokemon/");
      file = strrchr (rest, '/');
      file = file != NULL ? file + 1 : rest;
      dir_len = file - rest;

      for (guint i = 0; i < N_SPRITES; i++)
        {
          if (strlen (sprite_kinds[i].dir) == dir_len &&
              strncmp (rest, sprite_kinds[i].dir, dir_len) == 0 &&
              parse_id (file, strlen (file) - strlen (".png"), &req->id))
            {
              req->sprite = (SpriteKind) i;
              req->route = ROUTE_SPRITE;
              req->hop = parse_query_uint (query, "hop", 0, 0);
            }
        }
    }

  if (req->route != ROUTE_NOT_FOUND &&
      !g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_HEAD))
    req->route = ROUTE_BAD_METHOD;
}

static void
handle_control (SgFakeServer      *self,
                SoupServerMessage *msg,
                const char        *path)
{
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/_fake/stats") && g_str_equal (method, SOUP_METHOD_GET))
    {
      g_autofree char *json = NULL;
      g_autoptr(GBytes) body = NULL;

      g_mutex_lock (&self->mutex);
      json = g_strdup_printf ("{\"requests\":%u,\"max_in_flight\":%u,\"not_modified\":%u}\n",
                              self->n_requests, self->max_in_flight, self->n_not_modified);
      g_mutex_unlock (&self->mutex);

      body = g_bytes_new_take (json, strlen (json));
      json = NULL;
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Cache-Control", "no-store");
      set_body (msg, SOUP_STATUS_OK, JSON_TYPE, body);
    }
  else if (g_str_equal (path, "/_fake/reset") && g_str_equal (method, SOUP_METHOD_POST))
    {
      sg_fake_server_reset_counters (self);
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
    }
  else
    {
      set_not_found (msg);
    }
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SgFakeServer *self = user_data;
  Req *req;

  if (g_str_has_prefix (path, "/_fake/"))
    {
      handle_control (self, msg, path);
      return;
    }

  flight_begin (self, msg);

  req = g_new0 (Req, 1);
  req->self = self;
  req->msg = g_object_ref (msg);
  g_hash_table_add (self->pending, req);
  req->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (req_finished_cb), req);

  req_route (self, req, path, query);

  if (req->route == ROUTE_SPRITE && index_of_id (self, req->id, NULL))
    {
      if (has_fault (self, req->id, SG_FAKE_FAULT_STALL))
        {
          req_steal (req, TRUE);
          return;
        }
      if (has_fault (self, req->id, SG_FAKE_FAULT_RESET_ALWAYS))
        {
          req_steal (req, FALSE);
          return;
        }
      if (has_fault (self, req->id, SG_FAKE_FAULT_SLOW_DRIP))
        {
          req_steal_full (req, STOLEN_DRIP, FALSE);
          return;
        }
      if (has_fault (self, req->id, SG_FAKE_FAULT_ENDLESS))
        {
          req_steal_full (req, STOLEN_FLOOD, TRUE);
          return;
        }
      if (has_fault (self, req->id, SG_FAKE_FAULT_HUGE_LENGTH))
        {
          req_steal_full (req, STOLEN_FLOOD, FALSE);
          return;
        }
      if (has_fault (self, req->id, SG_FAKE_FAULT_RESET) &&
          fault_hit (self, req->id, req->sprite) == 0)
        {
          req_steal (req, FALSE);
          return;
        }
    }

  if (self->latency_ms > 0)
    {
      /* Other requests go on meanwhile. */
      soup_server_message_pause (msg);
      req->delay = g_timeout_source_new (self->latency_ms);
      g_source_set_callback (req->delay, req_delay_cb, req, NULL);
      g_source_attach (req->delay, self->context);
    }
  else
    {
      respond (self, req);
    }
}

/* ------------------------------------------------------------------------ */
/* Server thread                                                            */

static gboolean
server_setup (SgFakeServer  *self,
              GError       **error)
{
  GSList *uris;
  guint port;

  self->server = soup_server_new ("server-header", "fake-pokeapi ", NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);
  {
    /* Our own socket, for its backlog: libsoup listens with 10, and 32
     * connections opened at once would then wait for a SYN retransmit (1 s). */
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, self->listen_port);

    socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
    if (socket == NULL)
      return FALSE;
    g_socket_set_listen_backlog (socket, SOMAXCONN);
    if (!g_socket_bind (socket, address, TRUE, error) ||
        !g_socket_listen (socket, error) ||
        !soup_server_listen_socket (self->server, socket, 0, error))
      return FALSE;
  }

  uris = soup_server_get_uris (self->server);
  port = uris != NULL ? (guint) g_uri_get_port (uris->data) : 0;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  if (port == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The server has no port");
      return FALSE;
    }

  self->base = g_strdup_printf ("http://127.0.0.1:%u", port);
  self->detail = template_new (self, error);
  if (self->detail == NULL)
    return FALSE;

  self->served_names = g_ptr_array_new_full (self->count, g_free);
  self->ids_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < self->count; i++)
    {
      char *name = name_for_id (self, id_at (i));

      g_ptr_array_add (self->served_names, name);
      if (!g_hash_table_contains (self->ids_by_name, name))
        g_hash_table_insert (self->ids_by_name, name, GUINT_TO_POINTER (id_at (i)));
    }

  g_mutex_lock (&self->mutex);
  self->port = port;
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  SgFakeServer *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* Ends everything in flight without leaking: paused messages, delayed and
 * stalled stolen connections, then libsoup's own connections. */
static void
server_shutdown (SgFakeServer *self)
{
  GList *list;

  list = g_hash_table_get_keys (self->pending);
  for (GList *l = list; l != NULL; l = l->next)
    req_end (l->data);
  g_list_free (list);

  list = g_hash_table_get_keys (self->stolen);
  for (GList *l = list; l != NULL; l = l->next)
    {
      Stolen *st = l->data;

      if (st->delay != NULL)
        stolen_end (st);
      else
        g_cancellable_cancel (st->cancellable);
    }
  g_list_free (list);

  /* Cancelled operations report back through the context. */
  while (g_hash_table_size (self->stolen) > 0)
    g_main_context_iteration (self->context, TRUE);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  while (g_main_context_pending (self->context))
    g_main_context_iteration (self->context, FALSE);
}

static gpointer
server_thread (gpointer user_data)
{
  SgFakeServer *self = user_data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);

  ok = server_setup (self, &error);

  g_mutex_lock (&self->mutex);
  self->thread_ready = TRUE;
  self->start_error = error;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    g_main_loop_run (self->loop);

  server_shutdown (self);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

/**
 * sg_fake_server_new:
 * @count: number of list entries (ids 1…1025, then 10001…)
 * @latency_ms: delay added to every response, without blocking others
 *
 * Returns: (transfer full): a server, not started yet
 */
SgFakeServer *
sg_fake_server_new (guint count,
                    guint latency_ms)
{
  SgFakeServer *self = g_new0 (SgFakeServer, 1);

  self->count = MIN (count, N_SPECIES + (MAX_ID - FIRST_FORM_ID));
  self->latency_ms = latency_ms;
  self->faults = g_hash_table_new (NULL, NULL);
  self->name_overrides = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_mutex_init (&self->sprite_mutex);
  self->paths = g_ptr_array_new_with_free_func (g_free);
  self->sprites = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  self->details = g_hash_table_new_full (NULL, NULL, NULL, detail_cache_free);
  self->fault_hits = g_hash_table_new (NULL, NULL);
  self->pending = g_hash_table_new (NULL, NULL);
  self->stolen = g_hash_table_new (NULL, NULL);

  load_names (self);

  return self;
}

/**
 * sg_fake_server_add_fault:
 *
 * Makes @id misbehave as @fault describes. Call before start; faults and
 * ids combine. Fault state (which 503s and resets were served) survives
 * sg_fake_server_reset_counters().
 */
void
sg_fake_server_add_fault (SgFakeServer *self,
                          SgFakeFault   fault,
                          guint         id)
{
  guint mask;

  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);
  g_return_if_fail ((guint) fault <= SG_FAKE_FAULT_NAME_NUL);

  mask = faults_for (self, id) | (1u << fault);
  self->all_faults |= 1u << fault;
  g_hash_table_insert (self->faults, GUINT_TO_POINTER (id), GUINT_TO_POINTER (mask));
}

/**
 * sg_fake_server_set_name:
 *
 * Overrides the name served for @id. Any bytes: invalid UTF-8 is replaced
 * with U+FFFD, everything else is served JSON-escaped. Call before start.
 */
void
sg_fake_server_set_name (SgFakeServer *self,
                         guint         id,
                         const char   *name)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->started);
  g_return_if_fail (name != NULL);

  g_hash_table_insert (self->name_overrides, GUINT_TO_POINTER (id), g_utf8_make_valid (name, -1));
}

/**
 * sg_fake_server_start:
 * @port: TCP port on 127.0.0.1, 0 for any free one
 *
 * Starts the server thread and returns once it listens.
 */
gboolean
sg_fake_server_start (SgFakeServer  *self,
                      guint          port,
                      GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->started, FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->started = TRUE;
  self->listen_port = port;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_try_new ("sg-fake-server", server_thread, self, error);
  if (self->thread == NULL)
    return FALSE;

  g_mutex_lock (&self->mutex);
  while (!self->thread_ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      g_thread_join (g_steal_pointer (&self->thread));
      g_mutex_lock (&self->mutex);
      self->port = 0;
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }

  return TRUE;
}

/**
 * sg_fake_server_dup_base_url:
 *
 * Returns: (transfer full) (nullable): "http://127.0.0.1:PORT/api/v2/", or
 *   %NULL if not running
 */
char *
sg_fake_server_dup_base_url (SgFakeServer *self)
{
  guint port;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  port = self->port;
  g_mutex_unlock (&self->mutex);

  return port != 0 ? g_strdup_printf ("http://127.0.0.1:%u/api/v2/", port) : NULL;
}

/* Every request received, except the /_fake/ control endpoints. */
guint
sg_fake_server_get_n_requests (SgFakeServer *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  n = self->n_requests;
  g_mutex_unlock (&self->mutex);

  return n;
}

guint
sg_fake_server_get_max_in_flight (SgFakeServer *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  n = self->max_in_flight;
  g_mutex_unlock (&self->mutex);

  return n;
}

guint
sg_fake_server_get_in_flight (SgFakeServer *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  n = self->in_flight;
  g_mutex_unlock (&self->mutex);

  return n;
}

guint
sg_fake_server_get_n_not_modified (SgFakeServer *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->mutex);
  n = self->n_not_modified;
  g_mutex_unlock (&self->mutex);

  return n;
}

/**
 * sg_fake_server_dup_request_paths:
 *
 * Returns: (transfer full) (element-type utf8): path and query of each
 *   counted request, in arrival order
 */
GPtrArray *
sg_fake_server_dup_request_paths (SgFakeServer *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (self != NULL, NULL);

  g_mutex_lock (&self->mutex);
  copy = g_ptr_array_new_full (self->paths->len, g_free);
  for (guint i = 0; i < self->paths->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (self->paths, i)));
  g_mutex_unlock (&self->mutex);

  return copy;
}

/* Requests still in flight stay counted in the new high-water mark. */
void
sg_fake_server_reset_counters (SgFakeServer *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  self->n_requests = 0;
  self->n_not_modified = 0;
  self->max_in_flight = self->in_flight;
  g_ptr_array_set_size (self->paths, 0);
  g_mutex_unlock (&self->mutex);
}

/**
 * sg_fake_server_dup_sprite:
 * @variant: "front_default", "front_shiny", "back_default", "back_shiny",
 *   "official-artwork" or "official-artwork-shiny"
 *
 * Returns: (transfer full) (nullable): the PNG served for that sprite, or
 *   %NULL for an unknown variant or an id not in the list
 */
GBytes *
sg_fake_server_dup_sprite (SgFakeServer *self,
                           const char   *variant,
                           guint         id)
{
  SpriteKind kind;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (variant != NULL, NULL);

  if (!sprite_kind_from_variant (variant, &kind) || !index_of_id (self, id, NULL))
    return NULL;

  return sprite_get (self, id, kind);
}

/**
 * sg_fake_server_dup_name:
 *
 * Returns: (transfer full) (nullable): the name served for @id, as a JSON
 *   parser reads it back, or %NULL if @id is not in the list
 */
char *
sg_fake_server_dup_name (SgFakeServer *self,
                         guint         id)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (!index_of_id (self, id, NULL))
    return NULL;

  return name_for_id (self, id);
}

/* Returns: the id of the @index-th list entry, or 0 past the end */
guint
sg_fake_server_id_at (SgFakeServer *self,
                      guint         index)
{
  g_return_val_if_fail (self != NULL, 0);

  return index < self->count ? id_at (index) : 0;
}

/* Stops the server (clients still connected see their connection closed)
 * and frees it. */
void
sg_fake_server_free (SgFakeServer *self)
{
  if (self == NULL)
    return;

  if (self->thread != NULL)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, quit_cb, self, NULL);
      g_source_attach (source, self->context);
      g_source_unref (source);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->detail, template_free);
  g_clear_pointer (&self->served_names, g_ptr_array_unref);
  g_clear_pointer (&self->ids_by_name, g_hash_table_unref);
  g_clear_pointer (&self->details, g_hash_table_unref);
  g_clear_pointer (&self->fault_hits, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->stolen, g_hash_table_unref);
  g_clear_pointer (&self->gzip_bomb, g_bytes_unref);
  g_clear_pointer (&self->huge_png, g_bytes_unref);
  g_clear_pointer (&self->sprites, g_hash_table_unref);
  g_clear_pointer (&self->paths, g_ptr_array_unref);
  g_clear_pointer (&self->faults, g_hash_table_unref);
  g_clear_pointer (&self->name_overrides, g_hash_table_unref);
  g_clear_pointer (&self->species_names, g_ptr_array_unref);
  g_clear_pointer (&self->form_names, g_hash_table_unref);
  g_clear_error (&self->start_error);
  g_free (self->base);
  g_mutex_clear (&self->sprite_mutex);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->mutex);
  g_free (self);
}
