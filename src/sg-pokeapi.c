/* sg-pokeapi.c: PokeAPI URLs and JSON bodies turned into plain structs
 *
 * Every byte parsed here came from the network, so nothing is assumed about
 * it: a body of the wrong shape becomes a GError, a malformed list entry an
 * entry with a reason, never a crash or an assertion.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-pokeapi"

#include "config.h"

#include "sg-pokeapi.h"
#include "sg-pokeapi-private.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* json-glib's parser recurses once per nesting level with no limit of its own:
 * a body of a few hundred KB of "[" overflows a worker thread's stack. Real
 * PokeAPI bodies nest about 6 deep. */
#define MAX_JSON_DEPTH 64

G_DEFINE_QUARK (sg-pokeapi-error-quark, sg_pokeapi_error)

char *
sg_pokeapi_list_url (const char *base_url,
                     guint       limit)
{
  g_return_val_if_fail (base_url != NULL, NULL);

  return g_strdup_printf ("%s%spokemon?limit=%u",
                          base_url,
                          g_str_has_suffix (base_url, "/") ? "" : "/",
                          limit);
}

/* "{base}pokemon/25/": what the list gives as an entry's url, for when
 * only the number is known. */
char *
sg_pokeapi_detail_url (const char *base_url,
                       const char *id)
{
  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return g_strdup_printf ("%s%spokemon/%s/",
                          base_url,
                          g_str_has_suffix (base_url, "/") ? "" : "/",
                          id);
}

gboolean
sg_pokeapi_is_http_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL)
    return FALSE;

  /* GUri lets white space and control characters through ("http://a b/",
   * a CR LF in the path); no valid URL has them. */
  for (const char *p = url; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || *p == 0x7f)
        return FALSE;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 &&
      g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;

  host = g_uri_get_host (uri);

  return host != NULL && host[0] != '\0';
}

/* The id is the URL's last non-empty path segment ("…/pokemon/25/"), when it
 * is a plain decimal number; 0 otherwise. */
static guint
id_from_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;
  const char *end;
  const char *start;
  char digits[16];
  gsize len;
  guint64 value;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_PATH, NULL);
  if (uri == NULL)
    return 0;

  path = g_uri_get_path (uri);
  end = path + strlen (path);
  while (end > path && end[-1] == '/')
    end--;
  start = end;
  while (start > path && start[-1] != '/')
    start--;

  len = end - start;
  if (len == 0 || len >= sizeof digits)
    return 0;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (start[i]))
        return 0;
    }

  memcpy (digits, start, len);
  digits[len] = '\0';

  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT32, &value, NULL))
    return 0;

  return (guint) value;
}

static gboolean
read_hex4 (const char *data,
           gsize       length,
           gsize      *pos,
           gunichar   *value)
{
  gunichar v = 0;

  if (length - *pos < 4)
    return FALSE;

  for (guint k = 0; k < 4; k++)
    {
      int digit = g_ascii_xdigit_value (data[*pos + k]);

      if (digit < 0)
        return FALSE;
      v = (v << 4) | (gunichar) digit;
    }

  *pos += 4;
  *value = v;
  return TRUE;
}

/* Skips a string whose opening quote is before *pos; leaves *pos after the
 * closing quote. Only JSON's escapes pass, and a \u high surrogate only with
 * its low half: json-glib 1.6 leaks memory on a broken pair. UTF-8 is left to
 * json-glib, which checks the whole body. */
static gboolean
skip_string (const char *data,
             gsize       length,
             gsize      *pos)
{
  gsize i = *pos;

  while (i < length)
    {
      char c = data[i++];
      gunichar u;

      if (c == '"')
        {
          *pos = i;
          return TRUE;
        }

      /* Strict JSON escapes them; json-glib takes them raw */
      if ((guchar) c < 0x20)
        return FALSE;

      if (c != '\\')
        continue;

      if (i >= length)
        return FALSE;

      switch (data[i++])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          break;

        case 'u':
          if (!read_hex4 (data, length, &i, &u) || (u >= 0xdc00 && u <= 0xdfff))
            return FALSE;

          if (u >= 0xd800 && u <= 0xdbff)
            {
              if (length - i < 2 || data[i] != '\\' || data[i + 1] != 'u')
                return FALSE;
              i += 2;
              if (!read_hex4 (data, length, &i, &u) || u < 0xdc00 || u > 0xdfff)
                return FALSE;
            }
          break;

        default:
          return FALSE;
        }
    }

  /* Unterminated */
  return FALSE;
}

static inline gboolean
is_json_space (guchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline gboolean
is_scalar_char (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';
}

typedef enum {
  TOKEN_INVALID,
  TOKEN_VALID,
  TOKEN_HUGE_INTEGER,  /* valid JSON, but no gint64 holds it */
} TokenCheck;

/* A run of letters, digits and "+-." outside strings must be one literal or
 * one number of RFC 8259. json-glib's scanner takes more: 017 (octal), 0x1F,
 * 0b101, "1.", ".5", "- 1" (a sign, white space, then the number). */
static TokenCheck
check_scalar_token (const char *token,
                    gsize       length)
{
  const char *p = token;
  const char *end = token + length;
  const char *digits;
  gboolean is_integer = TRUE;
  gboolean negative = FALSE;
  guint64 magnitude = 0;
  gboolean overflow = FALSE;

  if ((length == 4 && memcmp (token, "true", 4) == 0) ||
      (length == 5 && memcmp (token, "false", 5) == 0) ||
      (length == 4 && memcmp (token, "null", 4) == 0))
    return TOKEN_VALID;

  if (p < end && *p == '-')
    {
      negative = TRUE;
      p++;
    }

  digits = p;
  while (p < end && g_ascii_isdigit (*p))
    {
      guint digit = (guint) (*p - '0');

      if (magnitude > (G_MAXUINT64 - digit) / 10)
        overflow = TRUE;
      else
        magnitude = magnitude * 10 + digit;
      p++;
    }
  if (p == digits || (*digits == '0' && p - digits > 1))
    return TOKEN_INVALID;

  if (p < end && *p == '.')
    {
      is_integer = FALSE;
      p++;
      if (p == end || !g_ascii_isdigit (*p))
        return TOKEN_INVALID;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      is_integer = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p == end || !g_ascii_isdigit (*p))
        return TOKEN_INVALID;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }

  if (p != end)
    return TOKEN_INVALID;

  /* json-glib wraps these around: 18446744073709551616 reads as -1 and
   * -18446744073709551615 as 1 */
  if (is_integer &&
      (overflow || magnitude > (guint64) G_MAXINT64 + (negative ? 1 : 0)))
    return TOKEN_HUGE_INTEGER;

  return TOKEN_VALID;
}

/* One cheap pass before json-glib sees the body, no copy:
 *  - its parser recurses once per nesting level with no limit of its own, so
 *    nesting is bounded here;
 *  - it also accepts comments and single-quoted strings, which could hide
 *    brackets from the count, so outside strings only the characters of
 *    strict JSON pass;
 *  - its scanner takes numbers and strings that strict JSON does not (see
 *    check_scalar_token(), control characters in strings): refused;
 *  - it accepts several values in a row ("{} {}") and leaks all but the
 *    last, so exactly one value is allowed;
 *  - a body cut short (open string or bracket) never reaches its error paths.
 * The grammar itself (commas, colons, what may follow what) and UTF-8 are
 * left to json-glib, which is strict there.
 *
 * Integers too large for a gint64 set *has_huge; when @rewrite is a copy of
 * @data, they are overwritten there with a number of the same length that
 * json-glib reads as a double ("0.000…"), so that they read as "not an
 * integer", as in the detail scanner, instead of a wrapped-around value. */
static gboolean
check_json_text (const char *data,
                 gsize       length,
                 char       *rewrite,
                 gboolean   *has_huge)
{
  gboolean seen_value = FALSE;
  guint depth = 0;
  gsize i = 0;

  *has_huge = FALSE;

  while (i < length)
    {
      guchar c = (guchar) data[i];

      /* Anything at the top level but white space starts a value */
      if (depth == 0 && !is_json_space (c))
        {
          if (seen_value)
            return FALSE;
          seen_value = TRUE;
        }

      if (is_scalar_char (c))
        {
          gsize start = i;
          TokenCheck check;

          while (i < length && is_scalar_char ((guchar) data[i]))
            i++;

          check = check_scalar_token (data + start, i - start);
          if (check == TOKEN_INVALID)
            return FALSE;
          if (check == TOKEN_HUGE_INTEGER)
            {
              *has_huge = TRUE;
              if (rewrite != NULL)
                {
                  gsize digits = start + (data[start] == '-' ? 1 : 0);

                  /* At least 19 digits: room for "0." and zeros */
                  memset (rewrite + digits, '0', i - digits);
                  rewrite[digits + 1] = '.';
                }
            }
          continue;
        }

      i++;
      if (c == '"')
        {
          if (!skip_string (data, length, &i))
            return FALSE;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        {
          if (depth == 0)
            return FALSE;
          depth--;
        }
      else if (!is_json_space (c) && c != ',' && c != ':')
        {
          return FALSE;
        }
    }

  return depth == 0;
}

/* Returns the root node (owned), or NULL with @error set to @message. */
static JsonNode *
load_json (const char  *data,
           gsize        length,
           const char  *message,
           GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *rewritten = NULL;
  gboolean has_huge;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   _("%s: the body is empty"), message);
      return NULL;
    }

  if (length > G_MAXSSIZE || !check_json_text (data, length, NULL, &has_huge))
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON, message);
      return NULL;
    }

  if (has_huge)
    {
      rewritten = g_memdup2 (data, length);
      check_json_text (data, length, rewritten, &has_huge);
      data = rewritten;
    }

  /* With an explicit length, json-glib reads exactly @length bytes, so the
   * body need not be NUL-terminated; it rejects NUL bytes and invalid UTF-8. */
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* json-glib quotes the offending token cut to a few dozen bytes, which
       * can split a UTF-8 sequence (found by fuzz-list) */
      g_autofree char *reason = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   "%s (%s)", message, reason);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      /* Only white space */
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   _("%s: the body is empty"), message);
      return NULL;
    }

  return root;
}

static const char *
node_get_string (JsonNode *node)
{
  if (node == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* TRUE only for an integer: json-glib turns 1.5 or 1e3 into a double, which
 * is not an id, a count or a height. */
static gboolean
node_get_int (JsonNode *node,
              gint64   *value)
{
  if (node == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  *value = json_node_get_int (node);
  return TRUE;
}

static JsonObject *
node_get_object (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

/* List */

void
sg_list_entry_free (SgListEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->name);
  g_free (entry->url);
  g_free (entry->error);
  g_free (entry);
}

static void
list_entry_free (gpointer data)
{
  sg_list_entry_free (data);
}

void
sg_list_page_free (SgListPage *page)
{
  if (page == NULL)
    return;

  g_free (page->next);
  g_clear_pointer (&page->entries, g_ptr_array_unref);
  g_free (page);
}

static SgListEntry *
parse_list_entry (JsonNode *node,
                  guint     index)
{
  SgListEntry *entry = g_new0 (SgListEntry, 1);
  JsonObject *object;
  JsonNode *name_node;
  JsonNode *url_node;
  const char *name;
  const char *url;

  object = node_get_object (node);
  if (object == NULL)
    {
      entry->error = g_strdup_printf (_("Entry %u of the list is not an object"), index + 1);
      return entry;
    }

  name_node = json_object_get_member (object, "name");
  name = node_get_string (name_node);
  if (name != NULL && name[0] != '\0')
    entry->name = g_strdup (name);
  else if (name_node == NULL)
    entry->error = g_strdup_printf (_("Entry %u of the list has no name"), index + 1);
  else if (name == NULL)
    entry->error = g_strdup_printf (_("The name of entry %u of the list is not a string"),
                                    index + 1);
  else
    entry->error = g_strdup_printf (_("The name of entry %u of the list is empty"), index + 1);

  url_node = json_object_get_member (object, "url");
  url = node_get_string (url_node);
  if (url != NULL && sg_pokeapi_is_http_url (url))
    {
      entry->url = g_strdup (url);
      entry->id = id_from_url (url);
    }
  else if (entry->error == NULL)
    {
      if (url_node == NULL)
        entry->error = g_strdup_printf (_("“%s” has no URL"), entry->name);
      else if (url == NULL)
        entry->error = g_strdup_printf (_("The URL of “%s” is not a string"), entry->name);
      else
        entry->error = g_strdup_printf (_("The URL of “%s” is not an http or https address"),
                                        entry->name);
    }

  return entry;
}

SgListPage *
sg_pokeapi_parse_list (const char  *data,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SgListPage) page = NULL;
  JsonObject *object;
  JsonNode *node;
  JsonArray *results;
  guint n_results;

  root = load_json (data, length, _("The list is not valid JSON"), error);
  if (root == NULL)
    return NULL;

  object = node_get_object (root);
  if (object == NULL)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The list is not a JSON object"));
      return NULL;
    }

  page = g_new0 (SgListPage, 1);
  page->count = -1;
  page->entries = g_ptr_array_new_with_free_func (list_entry_free);

  node = json_object_get_member (object, "count");
  if (node != NULL)
    {
      gint64 count;

      if (!node_get_int (node, &count) || count < 0)
        {
          g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                               _("The list’s “count” is not a number of records"));
          return NULL;
        }
      page->count = count;
    }

  node = json_object_get_member (object, "next");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      const char *next = node_get_string (node);

      if (next == NULL)
        {
          g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                               _("The list’s “next” is not a URL"));
          return NULL;
        }

      /* A next page we could not fetch is no reason to drop this one. */
      if (sg_pokeapi_is_http_url (next))
        page->next = g_strdup (next);
    }

  node = json_object_get_member (object, "results");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The list has no “results” array"));
      return NULL;
    }

  results = json_node_get_array (node);
  n_results = json_array_get_length (results);
  for (guint i = 0; i < n_results; i++)
    g_ptr_array_add (page->entries, parse_list_entry (json_array_get_element (results, i), i));

  return g_steal_pointer (&page);
}

/* Detail */

void
sg_detail_free (SgDetail *detail)
{
  if (detail == NULL)
    return;

  g_free (detail->name);
  g_strfreev (detail->types);
  for (guint i = 0; i < SG_N_VARIANTS; i++)
    g_free (detail->sprite_urls[i]);
  g_free (detail);
}

typedef struct {
  gint64      slot;
  guint       index;
  const char *name;
} TypeSlot;

static int
type_slot_compare (gconstpointer a,
                   gconstpointer b)
{
  const TypeSlot *ta = a;
  const TypeSlot *tb = b;

  if (ta->slot != tb->slot)
    return ta->slot < tb->slot ? -1 : 1;

  /* Same slot twice: keep the body's order, so the result is deterministic */
  return ta->index < tb->index ? -1 : (ta->index > tb->index);
}

/* Types are decoration: malformed ones are skipped, never an error. */
static char **
parse_types (JsonObject *object)
{
  g_autoptr(GArray) slots = NULL;
  JsonNode *node;
  JsonArray *array;
  guint n;
  char **types;

  node = json_object_get_member (object, "types");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_new0 (char *, 1);

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  slots = g_array_sized_new (FALSE, FALSE, sizeof (TypeSlot), n);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = node_get_object (json_array_get_element (array, i));
      JsonObject *type;
      TypeSlot slot = { 0, i, NULL };

      if (entry == NULL ||
          !node_get_int (json_object_get_member (entry, "slot"), &slot.slot))
        continue;

      type = node_get_object (json_object_get_member (entry, "type"));
      if (type == NULL)
        continue;

      slot.name = node_get_string (json_object_get_member (type, "name"));
      if (slot.name == NULL || slot.name[0] == '\0')
        continue;

      g_array_append_val (slots, slot);
    }

  g_array_sort (slots, type_slot_compare);

  types = g_new0 (char *, slots->len + 1);
  for (guint i = 0; i < slots->len; i++)
    types[i] = g_strdup (g_array_index (slots, TypeSlot, i).name);

  return types;
}

/* A sprite is absent, null or an http(s) URL; anything else means the body is
 * not what we think it is, and the whole detail is refused. */
static gboolean
parse_sprite (JsonObject  *object,
              SgVariant    variant,
              const char  *member,
              char       **url_out,
              GError     **error)
{
  JsonNode *node;
  const char *url;

  node = object != NULL ? json_object_get_member (object, member) : NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  url = node_get_string (node);
  if (url == NULL || !sg_pokeapi_is_http_url (url))
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                   _("The detail’s “%s” sprite is not a URL"),
                   sg_variant_to_string (variant));
      return FALSE;
    }

  *url_out = g_strdup (url);
  return TRUE;
}

/* Absent or null: NULL without an error. Another type: an error. */
static gboolean
get_optional_object (JsonObject  *parent,
                     const char  *member,
                     JsonObject **object_out,
                     GError     **error)
{
  JsonNode *node = parent != NULL ? json_object_get_member (parent, member) : NULL;

  *object_out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                   _("The detail’s “%s” sprites are not an object"), member);
      return FALSE;
    }

  *object_out = json_node_get_object (node);
  return TRUE;
}

static guint
parse_size (JsonObject *object,
            const char *member)
{
  gint64 value;

  if (!node_get_int (json_object_get_member (object, member), &value) ||
      value < 0 || value > G_MAXUINT)
    return 0;

  return (guint) value;
}

/* The reference for sg_pokeapi_parse_detail(): the same rules, read from
 * json-glib's tree of the whole body. Tests and fuzzers compare the two. */
SgDetail *
sg_pokeapi_parse_detail_dom (const char  *data,
                             gsize        length,
                             GError     **error)
{
  static const SgVariant top_level[] = {
    SG_VARIANT_FRONT_DEFAULT,
    SG_VARIANT_FRONT_SHINY,
    SG_VARIANT_BACK_DEFAULT,
    SG_VARIANT_BACK_SHINY,
    SG_VARIANT_FRONT_FEMALE,
    SG_VARIANT_FRONT_SHINY_FEMALE,
    SG_VARIANT_BACK_FEMALE,
    SG_VARIANT_BACK_SHINY_FEMALE,
  };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SgDetail) detail = NULL;
  JsonObject *object;
  JsonObject *sprites;
  JsonObject *other;
  JsonObject *artwork;
  const char *name;
  gint64 id;

  root = load_json (data, length, _("The detail is not valid JSON"), error);
  if (root == NULL)
    return NULL;

  object = node_get_object (root);
  if (object == NULL)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail is not a JSON object"));
      return NULL;
    }

  if (!node_get_int (json_object_get_member (object, "id"), &id) ||
      id < 1 || id > G_MAXINT32)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail has no valid “id”"));
      return NULL;
    }

  name = node_get_string (json_object_get_member (object, "name"));
  if (name == NULL || name[0] == '\0')
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail has no valid “name”"));
      return NULL;
    }

  sprites = node_get_object (json_object_get_member (object, "sprites"));
  if (sprites == NULL)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail has no sprites"));
      return NULL;
    }

  detail = g_new0 (SgDetail, 1);
  detail->id = (guint) id;
  detail->name = g_strdup (name);
  detail->types = parse_types (object);
  detail->height = parse_size (object, "height");
  detail->weight = parse_size (object, "weight");

  /* Only the top-level members: a null front_default means "no sprite",
   * never "take one of the nested ones" (those differ in size and style). */
  for (guint i = 0; i < G_N_ELEMENTS (top_level); i++)
    {
      SgVariant variant = top_level[i];

      if (!parse_sprite (sprites, variant, sg_variant_to_string (variant),
                         &detail->sprite_urls[variant], error))
        return NULL;
    }

  if (!get_optional_object (sprites, "other", &other, error) ||
      !get_optional_object (other, "official-artwork", &artwork, error) ||
      !parse_sprite (artwork, SG_VARIANT_OFFICIAL_ARTWORK, "front_default",
                     &detail->sprite_urls[SG_VARIANT_OFFICIAL_ARTWORK], error))
    return NULL;

  return g_steal_pointer (&detail);
}

/* Detail: the scanner
 *
 * A detail is about 185 KB of which a few hundred bytes are read. json-glib
 * built a tree of all of it, ~4 ms a detail, and a round of workers parses
 * several at once on two cores. This reads the body once, checks all of it
 * as strict JSON, and allocates only the strings it keeps; what it skips
 * (moves, game_indices, versions…) costs a tight loop over the bytes.
 *
 * It gives the same result as sg_pokeapi_parse_detail_dom() for every body,
 * json-glib's ways included where they decide a result:
 *  - a key given twice: the last one counts, as json-glib replaces the
 *    member (a later "sprites" replaces everything read in an earlier one);
 *  - a \u0000 escape ends the string there, keys included, as json-glib
 *    hands out C strings ("name\u0000x" is the key "name");
 * and it refuses what check_json_text() refuses before json-glib: nesting
 * deeper than MAX_JSON_DEPTH, all that is not strict JSON, and it reads
 * integers beyond a gint64 as "not an integer". Only the reason in an
 * INVALID_JSON message differs from json-glib's. */

typedef enum {
  KIND_ABSENT,
  KIND_NULL,
  KIND_BOOLEAN,
  KIND_INTEGER,  /* fits in a gint64 */
  KIND_NUMBER,   /* any other number */
  KIND_STRING,
  KIND_ARRAY,
  KIND_OBJECT,
} Kind;

/* What a value means to us, from the members that lead to it. A role's
 * descendants follow it in one run, up to role_last[]. */
typedef enum {
  ROLE_NONE,            /* skipped */
  ROLE_ROOT,
  ROLE_ID,
  ROLE_NAME,
  ROLE_HEIGHT,
  ROLE_WEIGHT,
  ROLE_TYPES,
  ROLE_TYPE_ENTRY,      /* an element of "types" */
  ROLE_TYPE_SLOT,
  ROLE_TYPE,
  ROLE_TYPE_NAME,
  ROLE_SPRITES,
  ROLE_FRONT_DEFAULT,   /* the four in SgVariant order */
  ROLE_FRONT_SHINY,
  ROLE_BACK_DEFAULT,
  ROLE_BACK_SHINY,
  ROLE_FRONT_FEMALE,    /* the four female ones, in SgVariant order */
  ROLE_FRONT_SHINY_FEMALE,
  ROLE_BACK_FEMALE,
  ROLE_BACK_SHINY_FEMALE,
  ROLE_OTHER,
  ROLE_ARTWORK,
  ROLE_ARTWORK_FRONT,
  N_ROLES
} Role;

G_STATIC_ASSERT (ROLE_FRONT_SHINY - ROLE_FRONT_DEFAULT == SG_VARIANT_FRONT_SHINY);
G_STATIC_ASSERT (ROLE_BACK_DEFAULT - ROLE_FRONT_DEFAULT == SG_VARIANT_BACK_DEFAULT);
G_STATIC_ASSERT (ROLE_BACK_SHINY - ROLE_FRONT_DEFAULT == SG_VARIANT_BACK_SHINY);
G_STATIC_ASSERT (ROLE_BACK_SHINY_FEMALE - ROLE_FRONT_FEMALE ==
                 SG_VARIANT_BACK_SHINY_FEMALE - SG_VARIANT_FRONT_FEMALE);

/* A new value of a role replaces the old one and everything read inside it */
static const guint8 role_last[N_ROLES] = {
  [ROLE_NONE] = ROLE_NONE,
  [ROLE_ROOT] = N_ROLES - 1,
  [ROLE_ID] = ROLE_ID,
  [ROLE_NAME] = ROLE_NAME,
  [ROLE_HEIGHT] = ROLE_HEIGHT,
  [ROLE_WEIGHT] = ROLE_WEIGHT,
  [ROLE_TYPES] = ROLE_TYPE_NAME,
  [ROLE_TYPE_ENTRY] = ROLE_TYPE_NAME,
  [ROLE_TYPE_SLOT] = ROLE_TYPE_SLOT,
  [ROLE_TYPE] = ROLE_TYPE_NAME,
  [ROLE_TYPE_NAME] = ROLE_TYPE_NAME,
  [ROLE_SPRITES] = ROLE_ARTWORK_FRONT,
  [ROLE_FRONT_DEFAULT] = ROLE_FRONT_DEFAULT,
  [ROLE_FRONT_SHINY] = ROLE_FRONT_SHINY,
  [ROLE_BACK_DEFAULT] = ROLE_BACK_DEFAULT,
  [ROLE_BACK_SHINY] = ROLE_BACK_SHINY,
  [ROLE_FRONT_FEMALE] = ROLE_FRONT_FEMALE,
  [ROLE_FRONT_SHINY_FEMALE] = ROLE_FRONT_SHINY_FEMALE,
  [ROLE_BACK_FEMALE] = ROLE_BACK_FEMALE,
  [ROLE_BACK_SHINY_FEMALE] = ROLE_BACK_SHINY_FEMALE,
  [ROLE_OTHER] = ROLE_ARTWORK_FRONT,
  [ROLE_ARTWORK] = ROLE_ARTWORK_FRONT,
  [ROLE_ARTWORK_FRONT] = ROLE_ARTWORK_FRONT,
};

/* The strings we keep; the others are only checked */
static const gboolean role_keeps_text[N_ROLES] = {
  [ROLE_NAME] = TRUE,
  [ROLE_TYPE_NAME] = TRUE,
  [ROLE_FRONT_DEFAULT] = TRUE,
  [ROLE_FRONT_SHINY] = TRUE,
  [ROLE_BACK_DEFAULT] = TRUE,
  [ROLE_BACK_SHINY] = TRUE,
  [ROLE_FRONT_FEMALE] = TRUE,
  [ROLE_FRONT_SHINY_FEMALE] = TRUE,
  [ROLE_BACK_FEMALE] = TRUE,
  [ROLE_BACK_SHINY_FEMALE] = TRUE,
  [ROLE_ARTWORK_FRONT] = TRUE,
};

/* The members we read, by the role of the object that holds them */
static const struct {
  Role        parent;
  Role        role;
  const char *key;
} member_roles[] = {
  { ROLE_ROOT, ROLE_ID, "id" },
  { ROLE_ROOT, ROLE_NAME, "name" },
  { ROLE_ROOT, ROLE_HEIGHT, "height" },
  { ROLE_ROOT, ROLE_WEIGHT, "weight" },
  { ROLE_ROOT, ROLE_TYPES, "types" },
  { ROLE_ROOT, ROLE_SPRITES, "sprites" },
  { ROLE_TYPE_ENTRY, ROLE_TYPE_SLOT, "slot" },
  { ROLE_TYPE_ENTRY, ROLE_TYPE, "type" },
  { ROLE_TYPE, ROLE_TYPE_NAME, "name" },
  { ROLE_SPRITES, ROLE_FRONT_DEFAULT, "front_default" },
  { ROLE_SPRITES, ROLE_FRONT_SHINY, "front_shiny" },
  { ROLE_SPRITES, ROLE_BACK_DEFAULT, "back_default" },
  { ROLE_SPRITES, ROLE_BACK_SHINY, "back_shiny" },
  { ROLE_SPRITES, ROLE_FRONT_FEMALE, "front_female" },
  { ROLE_SPRITES, ROLE_FRONT_SHINY_FEMALE, "front_shiny_female" },
  { ROLE_SPRITES, ROLE_BACK_FEMALE, "back_female" },
  { ROLE_SPRITES, ROLE_BACK_SHINY_FEMALE, "back_shiny_female" },
  { ROLE_SPRITES, ROLE_OTHER, "other" },
  { ROLE_OTHER, ROLE_ARTWORK, "official-artwork" },
  { ROLE_ARTWORK, ROLE_ARTWORK_FRONT, "front_default" },
};

static const gboolean role_has_members[N_ROLES] = {
  [ROLE_ROOT] = TRUE,
  [ROLE_TYPE_ENTRY] = TRUE,
  [ROLE_TYPE] = TRUE,
  [ROLE_SPRITES] = TRUE,
  [ROLE_OTHER] = TRUE,
  [ROLE_ARTWORK] = TRUE,
};

/* Longer than any key of member_roles[] */
#define MAX_KEY_BYTES 31

/* Bytes of a string that need a closer look: the end, an escape, control
 * characters (strict JSON escapes them) and UTF-8 sequences */
#define ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const guint8 string_byte_special[256] = {
  ROW (1), ROW (1),                                /* 0x00–0x1f */
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x22 '"' */
  ROW (0), ROW (0),
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,  /* 0x5c '\\' */
  ROW (0), ROW (0),
  ROW (1), ROW (1), ROW (1), ROW (1), ROW (1), ROW (1), ROW (1), ROW (1),  /* 0x80–0xff */
};
#undef ROW

typedef struct {
  Kind    kind;
  gint64  integer;  /* KIND_INTEGER */
  char   *text;     /* (owned) (nullable): KIND_STRING, when role_keeps_text[] */
} Field;

typedef struct {
  const guchar *start;
  const guchar *end;
  const guchar *error_at;
  const char   *problem;     /* (nullable): why the body is not JSON, in English */
  Field         fields[N_ROLES];  /* [ROLE_NONE] takes what is skipped */
  GArray       *types;       /* (element-type TypeSlot) (nullable): complete entries */
  GPtrArray    *type_names;  /* (nullable): owns the names in @types */
  guint         n_type_entries;
  guint         type_entry_index;
} Scanner;

static void
scanner_clear_fields (Scanner *s,
                      guint    first,
                      guint    last)
{
  for (guint r = first; r <= last; r++)
    {
      g_clear_pointer (&s->fields[r].text, g_free);
      s->fields[r].kind = KIND_ABSENT;
    }
}

static void
scanner_clear (Scanner *s)
{
  scanner_clear_fields (s, 0, N_ROLES - 1);
  g_clear_pointer (&s->types, g_array_unref);
  g_clear_pointer (&s->type_names, g_ptr_array_unref);
}

static gboolean
scan_fail (Scanner      *s,
           const guchar *at,
           const char   *problem)
{
  s->error_at = at;
  s->problem = problem;
  return FALSE;
}

static const guchar *
scan_fail_null (Scanner      *s,
                const guchar *at,
                const char   *problem)
{
  scan_fail (s, at, problem);
  return NULL;
}

/* A value of @role starts: it replaces the one before, if any */
static void
scanner_begin_value (Scanner *s,
                     Role     role,
                     Kind     kind)
{
  if (role == ROLE_NONE)
    return;

  scanner_clear_fields (s, role, role_last[role]);
  s->fields[role].kind = kind;

  if (role == ROLE_ROOT || role == ROLE_TYPES)
    {
      g_clear_pointer (&s->types, g_array_unref);
      g_clear_pointer (&s->type_names, g_ptr_array_unref);
      s->n_type_entries = 0;
    }
  else if (role == ROLE_TYPE_ENTRY)
    {
      s->type_entry_index = s->n_type_entries++;
    }
}

/* The same rules as parse_types(): malformed entries are skipped */
static void
scanner_end_type_entry (Scanner *s)
{
  Field *slot = &s->fields[ROLE_TYPE_SLOT];
  Field *name = &s->fields[ROLE_TYPE_NAME];
  TypeSlot entry;

  if (s->fields[ROLE_TYPE_ENTRY].kind != KIND_OBJECT ||
      slot->kind != KIND_INTEGER ||
      s->fields[ROLE_TYPE].kind != KIND_OBJECT ||
      name->kind != KIND_STRING ||
      name->text[0] == '\0')
    return;

  if (s->types == NULL)
    {
      s->types = g_array_new (FALSE, FALSE, sizeof (TypeSlot));
      s->type_names = g_ptr_array_new_with_free_func (g_free);
    }

  entry.slot = slot->integer;
  entry.index = s->type_entry_index;
  entry.name = name->text;
  g_ptr_array_add (s->type_names, g_steal_pointer (&name->text));
  g_array_append_val (s->types, entry);
}

/* Inlined even in debug builds: it runs before every token */
G_ALWAYS_INLINE static inline const guchar *
skip_space (const guchar *p,
            const guchar *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static inline gboolean
scan_hex4 (const guchar *p,
           const guchar *end,
           gunichar     *value)
{
  gunichar v = 0;

  if (end - p < 4)
    return FALSE;

  for (guint k = 0; k < 4; k++)
    {
      int digit = g_ascii_xdigit_value (p[k]);

      if (digit < 0)
        return FALSE;
      v = (v << 4) | (gunichar) digit;
    }

  *value = v;
  return TRUE;
}

/* One UTF-8 sequence at @p, whose first byte is not ASCII: the shortest form
 * of a scalar value, as g_utf8_validate() wants it. NULL when invalid. */
static const guchar *
scan_utf8 (const guchar *p,
           const guchar *end)
{
  guchar c = *p;
  guchar low = 0x80;
  guchar high = 0xbf;
  guint n;

  if (c >= 0xc2 && c <= 0xdf)
    {
      n = 1;
    }
  else if (c >= 0xe0 && c <= 0xef)
    {
      n = 2;
      if (c == 0xe0)
        low = 0xa0;   /* overlong */
      else if (c == 0xed)
        high = 0x9f;  /* surrogates */
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      n = 3;
      if (c == 0xf0)
        low = 0x90;   /* overlong */
      else if (c == 0xf4)
        high = 0x8f;  /* beyond U+10FFFF */
    }
  else
    {
      return NULL;
    }

  if ((gsize) (end - p) <= n || p[1] < low || p[1] > high)
    return NULL;

  for (guint k = 2; k <= n; k++)
    {
      if ((p[k] & 0xc0) != 0x80)
        return NULL;
    }

  return p + n + 1;
}

/* Checks the string whose text starts at @p, after its opening quote;
 * returns the position after its closing quote, NULL if it is not JSON. */
static const guchar *
scan_string (Scanner      *s,
             const guchar *p)
{
  const guchar *end = s->end;

  for (;;)
    {
      guchar c;

      while (p < end && !string_byte_special[*p])
        p++;

      if (p == end)
        return scan_fail_null (s, p, "unterminated string");

      c = *p;
      if (c == '"')
        return p + 1;

      if (c >= 0x80)
        {
          const guchar *next = scan_utf8 (p, end);

          if (next == NULL)
            return scan_fail_null (s, p, "invalid UTF-8");
          p = next;
          continue;
        }

      if (c < 0x20)
        return scan_fail_null (s, p, "control character in a string");

      /* A backslash */
      if (end - p < 2)
        return scan_fail_null (s, p, "unterminated string");

      switch (p[1])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p += 2;
          break;

        case 'u':
          {
            gunichar u;

            if (!scan_hex4 (p + 2, end, &u) || (u >= 0xdc00 && u <= 0xdfff))
              return scan_fail_null (s, p, "invalid \\u escape");
            p += 6;

            /* A high surrogate only with its low half */
            if (u >= 0xd800 && u <= 0xdbff)
              {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                    !scan_hex4 (p + 2, end, &u) || u < 0xdc00 || u > 0xdfff)
                  return scan_fail_null (s, p, "invalid surrogate pair");
                p += 6;
              }
          }
          break;

        default:
          return scan_fail_null (s, p, "invalid escape");
        }
    }
}

static inline void
append_bytes (char       *out,
              gsize       cap,
              gsize      *length,
              const char *bytes,
              gsize       n)
{
  if (*length < cap)
    memcpy (out + *length, bytes, MIN (n, cap - *length));
  *length += n;
}

/* The text of a string that scan_string() passed, from after its opening
 * quote to before its closing one, written to @out (at most @cap bytes, then
 * a NUL) up to its first U+0000, like json-glib. Returns the length of the
 * whole text: more than @cap when it did not fit. */
static gsize
decode_string (const guchar *p,
               const guchar *end,
               char         *out,
               gsize         cap)
{
  gsize length = 0;

  while (p < end)
    {
      char utf8[6];
      gunichar u = 0;
      gunichar low = 0xdc00;

      if (*p != '\\')
        {
          const guchar *run = p;

          while (p < end && *p != '\\')
            p++;
          append_bytes (out, cap, &length, (const char *) run, p - run);
          continue;
        }

      switch (p[1])
        {
        case 'b': utf8[0] = '\b'; break;
        case 'f': utf8[0] = '\f'; break;
        case 'n': utf8[0] = '\n'; break;
        case 'r': utf8[0] = '\r'; break;
        case 't': utf8[0] = '\t'; break;
        case 'u': break;
        default: utf8[0] = (char) p[1]; break;
        }

      if (p[1] != 'u')
        {
          append_bytes (out, cap, &length, utf8, 1);
          p += 2;
          continue;
        }

      /* scan_string() saw four hex digits, and a low surrogate after a high */
      scan_hex4 (p + 2, end, &u);
      p += 6;
      if (u >= 0xd800 && u <= 0xdbff)
        {
          scan_hex4 (p + 2, end, &low);
          u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        }

      if (u == 0)
        break;

      append_bytes (out, cap, &length, utf8, g_unichar_to_utf8 (u, utf8));
    }

  out[MIN (length, cap)] = '\0';
  return length;
}

/* The role of the member whose key (text between the quotes) is [key, end),
 * in an object of role @parent */
static Role
member_role (Role          parent,
             const guchar *key,
             const guchar *end)
{
  char decoded[MAX_KEY_BYTES + 1];

  if (decode_string (key, end, decoded, MAX_KEY_BYTES) > MAX_KEY_BYTES)
    return ROLE_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (member_roles); i++)
    {
      if (member_roles[i].parent == parent && strcmp (member_roles[i].key, decoded) == 0)
        return member_roles[i].role;
    }

  return ROLE_NONE;
}

/* A number of RFC 8259 at @p; NULL if it is not one. What follows it is
 * checked by the caller, which wants a separator there ("01" fails on "1"). */
static const guchar *
scan_number (Scanner      *s,
             const guchar *p,
             Kind         *kind,
             gint64       *integer)
{
  const guchar *end = s->end;
  const guchar *start = p;
  gboolean negative = FALSE;
  gboolean overflow = FALSE;
  guint64 magnitude = 0;

  *kind = KIND_INTEGER;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }

  if (p == end || !g_ascii_isdigit (*p))
    return scan_fail_null (s, start, "invalid number");

  if (*p == '0')
    {
      p++;
    }
  else
    {
      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          guint digit = (guint) (*p - '0');

          if (magnitude > (G_MAXUINT64 - digit) / 10)
            overflow = TRUE;
          else
            magnitude = magnitude * 10 + digit;
        }
    }

  if (p < end && *p == '.')
    {
      *kind = KIND_NUMBER;
      p++;
      if (p == end || !g_ascii_isdigit (*p))
        return scan_fail_null (s, start, "invalid number");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *kind = KIND_NUMBER;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p == end || !g_ascii_isdigit (*p))
        return scan_fail_null (s, start, "invalid number");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }

  if (*kind == KIND_INTEGER)
    {
      if (overflow || magnitude > (guint64) G_MAXINT64 + (negative ? 1 : 0))
        *kind = KIND_NUMBER;
      else if (negative)
        *integer = (gint64) (0 - magnitude);
      else
        *integer = (gint64) magnitude;
    }

  return p;
}

static inline gboolean
has_literal (const guchar *p,
             const guchar *end,
             const char   *literal,
             gsize         length)
{
  return (gsize) (end - p) >= length && memcmp (p, literal, length) == 0;
}

/* The whole body, once, without recursion: checks that it is one strict JSON
 * value and fills s->fields on the way. */
static gboolean
scan_body (Scanner *s)
{
  struct {
    guint8 is_object;
    guint8 role;
  } stack[MAX_JSON_DEPTH];
  const guchar *p = s->start;
  const guchar *end = s->end;
  guint depth = 0;
  Role role = ROLE_ROOT;
  Kind kind;
  gint64 integer = 0;

value:
  p = skip_space (p, end);
  if (p == end)
    return scan_fail (s, p, "a value is missing");

  switch (*p)
    {
    case '{':
    case '[':
      if (depth == MAX_JSON_DEPTH)
        return scan_fail (s, p, "nested too deep");

      stack[depth].is_object = (*p == '{');
      stack[depth].role = role;
      depth++;
      scanner_begin_value (s, role, *p == '{' ? KIND_OBJECT : KIND_ARRAY);

      p = skip_space (p + 1, end);
      if (p < end && *p == (stack[depth - 1].is_object ? '}' : ']'))
        {
          p++;
          goto close;
        }

      if (stack[depth - 1].is_object)
        goto member;

      role = role == ROLE_TYPES ? ROLE_TYPE_ENTRY : ROLE_NONE;
      goto value;

    case '"':
      {
        const guchar *text = p + 1;

        p = scan_string (s, text);
        if (p == NULL)
          return FALSE;

        scanner_begin_value (s, role, KIND_STRING);
        if (role_keeps_text[role])
          {
            /* Escapes only shrink the text */
            gsize cap = (gsize) (p - 1 - text);

            s->fields[role].text = g_malloc (cap + 1);
            decode_string (text, p - 1, s->fields[role].text, cap);
          }
      }
      break;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      p = scan_number (s, p, &kind, &integer);
      if (p == NULL)
        return FALSE;

      scanner_begin_value (s, role, kind);
      s->fields[role].integer = integer;
      break;

    case 't':
      if (!has_literal (p, end, "true", 4))
        return scan_fail (s, p, "unexpected character");
      p += 4;
      scanner_begin_value (s, role, KIND_BOOLEAN);
      break;

    case 'f':
      if (!has_literal (p, end, "false", 5))
        return scan_fail (s, p, "unexpected character");
      p += 5;
      scanner_begin_value (s, role, KIND_BOOLEAN);
      break;

    case 'n':
      if (!has_literal (p, end, "null", 4))
        return scan_fail (s, p, "unexpected character");
      p += 4;
      scanner_begin_value (s, role, KIND_NULL);
      break;

    default:
      return scan_fail (s, p, "unexpected character");
    }

  /* A value of @role is complete */
  goto done;

close:
  depth--;
  role = stack[depth].role;

done:
  if (role == ROLE_TYPE_ENTRY)
    scanner_end_type_entry (s);

  p = skip_space (p, end);

  if (depth == 0)
    {
      if (p != end)
        return scan_fail (s, p, "more after the value");
      return TRUE;
    }

  if (p == end)
    return scan_fail (s, p, "unexpected end");

  if (*p == (stack[depth - 1].is_object ? '}' : ']'))
    {
      p++;
      goto close;
    }

  if (*p != ',')
    return scan_fail (s, p, "unexpected character");

  p = skip_space (p + 1, end);
  if (!stack[depth - 1].is_object)
    {
      role = stack[depth - 1].role == ROLE_TYPES ? ROLE_TYPE_ENTRY : ROLE_NONE;
      goto value;
    }

member:
  if (p == end || *p != '"')
    return scan_fail (s, p, "a key is missing");

  {
    const guchar *key = p + 1;
    Role parent = stack[depth - 1].role;

    p = scan_string (s, key);
    if (p == NULL)
      return FALSE;

    role = role_has_members[parent] ? member_role (parent, key, p - 1) : ROLE_NONE;
  }

  p = skip_space (p, end);
  if (p == end || *p != ':')
    return scan_fail (s, p, "a colon is missing");
  p++;
  goto value;
}

/* parse_sprite() for a scanned field */
static gboolean
sprite_from_field (Field      *field,
                   SgVariant   variant,
                   char      **url_out,
                   GError    **error)
{
  if (field->kind == KIND_ABSENT || field->kind == KIND_NULL)
    return TRUE;

  if (field->kind != KIND_STRING || !sg_pokeapi_is_http_url (field->text))
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                   _("The detail’s “%s” sprite is not a URL"),
                   sg_variant_to_string (variant));
      return FALSE;
    }

  *url_out = g_steal_pointer (&field->text);
  return TRUE;
}

/* get_optional_object() for a scanned field */
static gboolean
check_optional_object (const Field  *field,
                       const char   *member,
                       GError      **error)
{
  if (field->kind == KIND_ABSENT || field->kind == KIND_NULL || field->kind == KIND_OBJECT)
    return TRUE;

  g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
               _("The detail’s “%s” sprites are not an object"), member);
  return FALSE;
}

static guint
size_from_field (const Field *field)
{
  if (field->kind != KIND_INTEGER || field->integer < 0 || field->integer > G_MAXUINT)
    return 0;

  return (guint) field->integer;
}

/* The checks of sg_pokeapi_parse_detail_dom(), in the same order */
static SgDetail *
detail_from_scanner (Scanner  *s,
                     GError  **error)
{
  g_autoptr(SgDetail) detail = NULL;
  Field *f = s->fields;
  guint n_types;

  if (f[ROLE_ROOT].kind != KIND_OBJECT)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail is not a JSON object"));
      return NULL;
    }

  if (f[ROLE_ID].kind != KIND_INTEGER ||
      f[ROLE_ID].integer < 1 || f[ROLE_ID].integer > G_MAXINT32)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail has no valid “id”"));
      return NULL;
    }

  if (f[ROLE_NAME].kind != KIND_STRING || f[ROLE_NAME].text[0] == '\0')
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail has no valid “name”"));
      return NULL;
    }

  if (f[ROLE_SPRITES].kind != KIND_OBJECT)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA,
                           _("The detail has no sprites"));
      return NULL;
    }

  detail = g_new0 (SgDetail, 1);
  detail->id = (guint) f[ROLE_ID].integer;
  detail->name = g_steal_pointer (&f[ROLE_NAME].text);
  detail->height = size_from_field (&f[ROLE_HEIGHT]);
  detail->weight = size_from_field (&f[ROLE_WEIGHT]);

  n_types = s->types != NULL ? s->types->len : 0;
  if (n_types > 0)
    g_array_sort (s->types, type_slot_compare);
  detail->types = g_new0 (char *, n_types + 1);
  for (guint i = 0; i < n_types; i++)
    detail->types[i] = g_strdup (g_array_index (s->types, TypeSlot, i).name);

  for (guint v = SG_VARIANT_FRONT_DEFAULT; v <= SG_VARIANT_BACK_SHINY; v++)
    {
      if (!sprite_from_field (&f[ROLE_FRONT_DEFAULT + v], v, &detail->sprite_urls[v], error))
        return NULL;
    }

  for (guint v = SG_VARIANT_FRONT_FEMALE; v <= SG_VARIANT_BACK_SHINY_FEMALE; v++)
    {
      if (!sprite_from_field (&f[ROLE_FRONT_FEMALE + (v - SG_VARIANT_FRONT_FEMALE)], v,
                              &detail->sprite_urls[v], error))
        return NULL;
    }

  /* No "other" object means no "official-artwork" in it: those fields are
   * only filled inside an object */
  if (!check_optional_object (&f[ROLE_OTHER], "other", error) ||
      !check_optional_object (&f[ROLE_ARTWORK], "official-artwork", error) ||
      !sprite_from_field (&f[ROLE_ARTWORK_FRONT], SG_VARIANT_OFFICIAL_ARTWORK,
                          &detail->sprite_urls[SG_VARIANT_OFFICIAL_ARTWORK], error))
    return NULL;

  return g_steal_pointer (&detail);
}

SgDetail *
sg_pokeapi_parse_detail (const char  *data,
                         gsize        length,
                         GError     **error)
{
  const char *message = _("The detail is not valid JSON");
  Scanner s = { 0, };
  SgDetail *detail;

  if (data == NULL || length == 0 ||
      skip_space ((const guchar *) data, (const guchar *) data + length) ==
      (const guchar *) data + length)
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   _("%s: the body is empty"), message);
      return NULL;
    }

  if (length > G_MAXSSIZE)
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON, message);
      return NULL;
    }

  s.start = (const guchar *) data;
  s.end = s.start + length;

  if (!scan_body (&s))
    {
      /* The reason is for a developer, like json-glib's line and column */
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   "%s (%s at byte %" G_GSIZE_FORMAT ")",
                   message, s.problem, (gsize) (s.error_at - s.start));
      scanner_clear (&s);
      return NULL;
    }

  detail = detail_from_scanner (&s, error);
  scanner_clear (&s);

  return detail;
}
