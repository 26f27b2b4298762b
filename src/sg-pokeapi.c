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
 * its low half: json-glib 1.6 leaks memory on a broken pair. */
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

/* One cheap pass before json-glib sees the body, no copy:
 *  - its parser recurses once per nesting level with no limit of its own, so
 *    nesting is bounded here;
 *  - it also accepts comments and single-quoted strings, which could hide
 *    brackets from the count, so outside strings only the characters of
 *    strict JSON pass;
 *  - it accepts several values in a row ("{} {}") and leaks all but the
 *    last, so exactly one value is allowed;
 *  - a body cut short (open string or bracket) never reaches its error paths. */
static gboolean
check_json_text (const char *data,
                 gsize       length)
{
  gboolean seen_value = FALSE;
  gboolean in_scalar = FALSE;
  guint depth = 0;
  gsize i = 0;

  while (i < length)
    {
      guchar c = (guchar) data[i++];
      gboolean scalar = g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';

      /* Anything at the top level but white space or the rest of the same
       * number or literal starts a value */
      if (depth == 0 && !is_json_space (c) && !(scalar && in_scalar))
        {
          if (seen_value)
            return FALSE;
          seen_value = TRUE;
        }
      in_scalar = scalar;

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
      else if (!scalar && !is_json_space (c) && c != ',' && c != ':')
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
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   _("%s: the body is empty"), message);
      return NULL;
    }

  if (length > G_MAXSSIZE || !check_json_text (data, length))
    {
      g_set_error_literal (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON, message);
      return NULL;
    }

  /* With an explicit length, json-glib reads exactly @length bytes, so the
   * body need not be NUL-terminated; it rejects NUL bytes and invalid UTF-8. */
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON,
                   "%s (%s)", message, local_error->message);
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

SgDetail *
sg_pokeapi_parse_detail (const char  *data,
                         gsize        length,
                         GError     **error)
{
  static const SgVariant top_level[] = {
    SG_VARIANT_FRONT_DEFAULT,
    SG_VARIANT_FRONT_SHINY,
    SG_VARIANT_BACK_DEFAULT,
    SG_VARIANT_BACK_SHINY,
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
