/* test-pokeapi.c: the PokeAPI parsers against real bodies and hostile ones
 *
 * Every body is copied into a buffer of exactly its length, with no NUL after
 * it, so a parser that reads one byte too far is caught by ASan.
 *
 * The detail scanner is checked against its json-glib reference
 * (sg_pokeapi_parse_detail_dom()) on every detail body parsed here: both
 * fail alike or both give the same fields.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "sg-pokeapi.h"
#include "sg-pokeapi-private.h"
#include "fuzz/detail-oracle.h"

/* Helpers */

/* Test data is hostile on purpose: escape it, so the TAP output stays ASCII
 * and one line per message. */
static void
message_escaped (const char *label,
                 const char *text)
{
  g_autofree char *escaped = text != NULL ? g_strescape (text, NULL) : g_strdup ("(null)");

  g_test_message ("%s: %s", label, escaped);
}

static GBytes *
load_data_file (const char *name)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  path = g_test_build_filename (G_TEST_DIST, "data", "pokeapi", name, NULL);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  /* g_file_get_contents() adds a NUL; the copy has none. */
  return g_bytes_new_take (g_memdup2 (contents, length), length);
}

static SgListPage *
parse_list_bytes (const char  *data,
                  gsize        length,
                  GError     **error)
{
  g_autofree char *exact = length > 0 ? g_memdup2 (data, length) : NULL;

  return sg_pokeapi_parse_list (exact, length, error);
}

static SgListPage *
parse_list_string (const char  *json,
                   GError     **error)
{
  return parse_list_bytes (json, strlen (json), error);
}

static void
assert_parsers_agree (const char *data,
                      gsize       length)
{
  g_autofree char *exact = length > 0 ? g_memdup2 (data, length) : NULL;
  g_autofree char *disagreement = detail_oracle_disagreement (exact, length);

  if (disagreement != NULL)
    {
      g_autofree char *body = g_strndup (data, MIN (length, 2000));

      message_escaped ("Body (first 2000 bytes)", body);
      message_escaped ("Disagreement", disagreement);
    }
  g_assert_null (disagreement);
}

static SgDetail *
parse_detail_bytes (const char  *data,
                    gsize        length,
                    GError     **error)
{
  g_autofree char *exact = length > 0 ? g_memdup2 (data, length) : NULL;

  assert_parsers_agree (data, length);

  return sg_pokeapi_parse_detail (exact, length, error);
}

static SgDetail *
parse_detail_string (const char  *json,
                     GError     **error)
{
  return parse_detail_bytes (json, strlen (json), error);
}

static SgListEntry *
page_entry (SgListPage *page,
            guint       index)
{
  g_assert_cmpuint (index, <, page->entries->len);
  return g_ptr_array_index (page->entries, index);
}

/* A detail with everything a real one has that we read, in a few hundred
 * bytes, with escapes and non-ASCII text so truncation hits them too. */
#define SMALL_DETAIL \
  "{\"id\":25,\"name\":\"pikachu\",\"height\":4,\"weight\":60," \
  "\"note\":\"\\u00e9\\\"quoted\\\" caf\xc3\xa9 \\ud83d\\ude00\"," \
  "\"types\":[{\"slot\":1," \
  "\"type\":{\"name\":\"electric\",\"url\":\"https://h/api/v2/type/13/\"}}]," \
  "\"sprites\":{\"front_default\":\"https://h/sprites/pokemon/25.png\"," \
  "\"front_shiny\":null,\"back_default\":\"https://h/sprites/pokemon/back/25.png\"," \
  "\"back_shiny\":null,\"other\":{\"official-artwork\":" \
  "{\"front_default\":\"https://h/sprites/pokemon/other/official-artwork/25.png\"}}}," \
  "\"stats\":[1.5,-2,3e2,true,false,null,[],{}]}"

#define SMALL_LIST \
  "{\"count\":2,\"next\":\"https://h/api/v2/pokemon?offset=2&limit=2\",\"previous\":null," \
  "\"results\":[{\"name\":\"bulbasaur\",\"url\":\"https://h/api/v2/pokemon/1/\"}," \
  "{\"name\":\"ivysaur\",\"url\":\"https://h/api/v2/pokemon/2/\"}]}"

/* A detail around a given "sprites" value; the rest is valid. */
static char *
detail_with_sprites (const char *sprites)
{
  return g_strdup_printf ("{\"id\":1,\"name\":\"bulbasaur\",\"sprites\":%s}", sprites);
}

/* URLs */

static void
test_list_url (void)
{
  struct {
    const char *base;
    guint limit;
    const char *expected;
  } cases[] = {
    { "https://pokeapi.co/api/v2/", 100, "https://pokeapi.co/api/v2/pokemon?limit=100" },
    { "https://pokeapi.co/api/v2", 100, "https://pokeapi.co/api/v2/pokemon?limit=100" },
    { "http://127.0.0.1:8080/api/v2/", 2000, "http://127.0.0.1:8080/api/v2/pokemon?limit=2000" },
    { "http://127.0.0.1:8080", 0, "http://127.0.0.1:8080/pokemon?limit=0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = sg_pokeapi_list_url (cases[i].base, cases[i].limit);

      g_assert_cmpstr (url, ==, cases[i].expected);
    }
}

static void
test_is_http_url (void)
{
  struct {
    const char *url;
    gboolean expected;
  } cases[] = {
    { "https://pokeapi.co/api/v2/pokemon/1/", TRUE },
    { "http://127.0.0.1:8080/x", TRUE },
    { "HTTPS://example.org", TRUE },
    { "HtTp://[::1]:80/", TRUE },
    { NULL, FALSE },
    { "", FALSE },
    { "https://", FALSE },
    { "http:///path", FALSE },
    { "file:///etc/passwd", FALSE },
    { "data:image/png;base64,iVBORw0KGgo=", FALSE },
    { "javascript:alert(1)", FALSE },
    { "ftp://example.org/x.png", FALSE },
    { "/api/v2/pokemon/1/", FALSE },
    { "//example.org/x", FALSE },
    { "pokeapi.co/api/v2/", FALSE },
    { "https:example.org", FALSE },
    { "https://exa mple.org/", FALSE },
    { "https://example.org/a b.png", FALSE },
    { "https://example.org/\r\nX-Evil: 1", FALSE },
    { "https://example.org/\t", FALSE },
    { " https://example.org/", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      message_escaped ("URL", cases[i].url);
      g_assert_cmpint (sg_pokeapi_is_http_url (cases[i].url), ==, cases[i].expected);
    }
}

/* Lists: real bodies */

static void
test_list_index_2018 (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("apidata2018_pokemon_index.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SgListPage) page = NULL;
  SgListEntry *entry;

  page = sg_pokeapi_parse_list (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);

  g_assert_cmpint (page->count, ==, 949);
  g_assert_null (page->next);
  g_assert_cmpuint (page->entries->len, ==, 949);

  for (guint i = 0; i < page->entries->len; i++)
    {
      entry = page_entry (page, i);
      g_assert_null (entry->error);
      g_assert_nonnull (entry->name);
      g_assert_true (g_str_has_prefix (entry->url, "https://pokeo.surge.sh/api/v2/pokemon/"));
      g_assert_cmpuint (entry->id, >, 0);
    }

  entry = page_entry (page, 0);
  g_assert_cmpstr (entry->name, ==, "bulbasaur");
  g_assert_cmpstr (entry->url, ==, "https://pokeo.surge.sh/api/v2/pokemon/1/");
  g_assert_cmpuint (entry->id, ==, 1);

  entry = page_entry (page, 948);
  g_assert_cmpstr (entry->name, ==, "magearna-original");
  g_assert_cmpuint (entry->id, ==, 10147);
}

static void
test_list_live_shape (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("pokemon_list_limit100.live-shape.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SgListPage) page = NULL;
  SgListEntry *entry;

  page = sg_pokeapi_parse_list (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);

  g_assert_cmpint (page->count, ==, 1351);
  g_assert_cmpstr (page->next, ==, "https://pokeapi.co/api/v2/pokemon?offset=100&limit=100");
  g_assert_cmpuint (page->entries->len, ==, 100);

  for (guint i = 0; i < page->entries->len; i++)
    {
      g_autofree char *url = g_strdup_printf ("https://pokeapi.co/api/v2/pokemon/%u/", i + 1);

      entry = page_entry (page, i);
      g_assert_null (entry->error);
      g_assert_cmpstr (entry->url, ==, url);
      g_assert_cmpuint (entry->id, ==, i + 1);
    }

  g_assert_cmpstr (page_entry (page, 0)->name, ==, "bulbasaur");
  g_assert_cmpstr (page_entry (page, 24)->name, ==, "pikachu");
  g_assert_cmpstr (page_entry (page, 99)->name, ==, "voltorb");
}

/* Lists: hostile bodies */

static void
test_list_not_json (void)
{
  const char *bodies[] = {
    "",
    "   \n\t ",
    "<html><body>502 Bad Gateway</body></html>",
    "OK",
    "{\"count\":1,",
    "{\"results\":[}",
    "{'results':[]}",
    "{/* comment */\"results\":[]}",
    "{\"results\":[]} // trailing comment",
    "{\"results\":[],}",
    "\xef\xbb",
    /* One value only: json-glib 1.6 takes the last and leaks the others */
    "{\"results\":[]} {\"results\":[]}",
    "2{\"results\":[]}",
    "null {\"results\":[]}",
    "\"x\"{\"results\":[]}",
    "{\"results\":[]} 2",
    "{\"results\":[]}]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;

      message_escaped ("Body", bodies[i]);
      page = parse_list_string (bodies[i], &error);
      g_assert_null (page);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
      g_assert_true (g_str_has_prefix (error->message, "The list is not valid JSON"));
    }
}

static void
test_list_null_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SgListPage) page = NULL;

  page = sg_pokeapi_parse_list (NULL, 0, &error);
  g_assert_null (page);
  g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
}

static void
test_list_wrong_shape (void)
{
  struct {
    const char *body;
    const char *message;
  } cases[] = {
    { "[]", "The list is not a JSON object" },
    { "[{\"name\":\"bulbasaur\",\"url\":\"https://h/1/\"}]", "The list is not a JSON object" },
    { "\"results\"", "The list is not a JSON object" },
    { "42", "The list is not a JSON object" },
    { "null", "The list is not a JSON object" },
    { "{}", "The list has no “results” array" },
    { "{\"count\":0}", "The list has no “results” array" },
    { "{\"results\":null}", "The list has no “results” array" },
    { "{\"results\":{}}", "The list has no “results” array" },
    { "{\"results\":\"[]\"}", "The list has no “results” array" },
    { "{\"results\":7}", "The list has no “results” array" },
    { "{\"count\":\"949\",\"results\":[]}", "The list’s “count” is not a number of records" },
    { "{\"count\":9.5,\"results\":[]}", "The list’s “count” is not a number of records" },
    { "{\"count\":-3,\"results\":[]}", "The list’s “count” is not a number of records" },
    { "{\"count\":null,\"results\":[]}", "The list’s “count” is not a number of records" },
    { "{\"count\":[1],\"results\":[]}", "The list’s “count” is not a number of records" },
    { "{\"next\":42,\"results\":[]}", "The list’s “next” is not a URL" },
    { "{\"next\":{},\"results\":[]}", "The list’s “next” is not a URL" },
    { "{\"next\":true,\"results\":[]}", "The list’s “next” is not a URL" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;

      message_escaped ("Body", cases[i].body);
      page = parse_list_string (cases[i].body, &error);
      g_assert_null (page);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_list_optional_fields (void)
{
  struct {
    const char *body;
    gint64 count;
    const char *next;
  } cases[] = {
    { "{\"results\":[]}", -1, NULL },
    { "{\"count\":0,\"next\":null,\"results\":[]}", 0, NULL },
    { "{\"count\":1302,\"next\":\"http://127.0.0.1:1/p?offset=20\",\"results\":[]}",
      1302, "http://127.0.0.1:1/p?offset=20" },
    /* A next page we cannot fetch is dropped, the page itself is kept */
    { "{\"next\":\"file:///etc/passwd\",\"results\":[]}", -1, NULL },
    { "{\"next\":\"/api/v2/pokemon?offset=20\",\"results\":[]}", -1, NULL },
    { "{\"next\":\"\",\"results\":[]}", -1, NULL },
    /* "previous" is not used, whatever it holds */
    { "{\"previous\":42,\"results\":[]}", -1, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;

      message_escaped ("Body", cases[i].body);
      page = parse_list_string (cases[i].body, &error);
      g_assert_no_error (error);
      g_assert_nonnull (page);
      g_assert_cmpint (page->count, ==, cases[i].count);
      g_assert_cmpstr (page->next, ==, cases[i].next);
      g_assert_cmpuint (page->entries->len, ==, 0);
    }
}

static void
test_list_malformed_entries (void)
{
  const char *body =
    "{\"count\":12,\"results\":["
    "{\"name\":\"bulbasaur\",\"url\":\"https://h/api/v2/pokemon/1/\"},"
    "42,"
    "[\"ivysaur\",\"https://h/api/v2/pokemon/2/\"],"
    "{\"url\":\"https://h/api/v2/pokemon/3/\"},"
    "{\"name\":5,\"url\":\"https://h/api/v2/pokemon/4/\"},"
    "{\"name\":\"\",\"url\":\"https://h/api/v2/pokemon/5/\"},"
    "{\"name\":\"charizard\"},"
    "{\"name\":\"squirtle\",\"url\":7},"
    "{\"name\":\"wartortle\",\"url\":\"file:///etc/passwd\"},"
    "{\"name\":\"blastoise\",\"url\":\"data:text/plain,hello\"},"
    "null,"
    "{\"name\":\"caterpie\",\"url\":\"https://h/api/v2/pokemon/10/\"}"
    "]}";
  struct {
    const char *name;
    const char *url;
    guint id;
    gboolean error;
  } expected[] = {
    { "bulbasaur", "https://h/api/v2/pokemon/1/", 1, FALSE },
    { NULL, NULL, 0, TRUE },
    { NULL, NULL, 0, TRUE },
    { NULL, "https://h/api/v2/pokemon/3/", 3, TRUE },
    { NULL, "https://h/api/v2/pokemon/4/", 4, TRUE },
    { NULL, "https://h/api/v2/pokemon/5/", 5, TRUE },
    { "charizard", NULL, 0, TRUE },
    { "squirtle", NULL, 0, TRUE },
    { "wartortle", NULL, 0, TRUE },
    { "blastoise", NULL, 0, TRUE },
    { NULL, NULL, 0, TRUE },
    { "caterpie", "https://h/api/v2/pokemon/10/", 10, FALSE },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SgListPage) page = NULL;

  page = parse_list_string (body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpint (page->count, ==, 12);
  g_assert_cmpuint (page->entries->len, ==, G_N_ELEMENTS (expected));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      SgListEntry *entry = page_entry (page, i);

      g_test_message ("Entry %u: %s", i, entry->error ? entry->error : "(no error)");
      g_assert_cmpstr (entry->name, ==, expected[i].name);
      g_assert_cmpstr (entry->url, ==, expected[i].url);
      g_assert_cmpuint (entry->id, ==, expected[i].id);
      if (expected[i].error)
        {
          g_assert_nonnull (entry->error);
          g_assert_cmpstr (entry->error, !=, "");
        }
      else
        {
          g_assert_null (entry->error);
        }
    }

  /* The reasons are sentences a person can read, about the right thing */
  g_assert_cmpstr (page_entry (page, 1)->error, ==, "Entry 2 of the list is not an object");
  g_assert_cmpstr (page_entry (page, 3)->error, ==, "Entry 4 of the list has no name");
  g_assert_cmpstr (page_entry (page, 6)->error, ==, "“charizard” has no URL");
  g_assert_cmpstr (page_entry (page, 8)->error, ==,
                   "The URL of “wartortle” is not an http or https address");
}

static void
test_list_entry_ids (void)
{
  struct {
    const char *url;
    guint id;
  } cases[] = {
    { "https://h/api/v2/pokemon/25/", 25 },
    { "https://h/api/v2/pokemon/25", 25 },
    { "https://h/api/v2/pokemon/25//", 25 },
    { "https://h/api/v2/pokemon/25/?x=1#f", 25 },
    { "https://h/api/v2/pokemon/0025/", 25 },
    { "https://h/api/v2/pokemon/10128/", 10128 },
    { "https://h/api/v2/pokemon/2147483647/", 2147483647 },
    { "https://h/api/v2/pokemon/2147483648/", 0 },
    { "https://h/api/v2/pokemon/99999999999999999999999/", 0 },
    { "https://h/api/v2/pokemon/0/", 0 },
    { "https://h/api/v2/pokemon/-1/", 0 },
    { "https://h/api/v2/pokemon/+1/", 0 },
    { "https://h/api/v2/pokemon/1e3/", 0 },
    /* Percent-encoded digits are the same URL as the digits (RFC 3986 §6.2.2.2) */
    { "https://h/api/v2/pokemon/%32%35/", 25 },
    { "https://h/api/v2/pokemon/%2F25/", 0 },
    { "https://h/api/v2/pokemon/2%2F5/", 0 },
    { "https://h/api/v2/pokemon/pikachu/", 0 },
    { "https://h/", 0 },
    { "https://h", 0 },
    { "https://h/?id=25", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;
      g_autofree char *body = NULL;
      SgListEntry *entry;

      body = g_strdup_printf ("{\"results\":[{\"name\":\"x\",\"url\":\"%s\"}]}", cases[i].url);
      message_escaped ("URL", cases[i].url);
      page = parse_list_string (body, &error);
      g_assert_no_error (error);
      entry = page_entry (page, 0);
      g_assert_null (entry->error);
      g_assert_cmpstr (entry->url, ==, cases[i].url);
      g_assert_cmpuint (entry->id, ==, cases[i].id);
    }
}

/* A list of one entry whose name is @name_json, a JSON value */
#define LIST_WITH_NAME(name_json) \
  "{\"results\":[{\"name\":" name_json ",\"url\":\"https://h/1/\"}]}"

static void
test_list_bad_bytes (void)
{
  /* A NUL inside a string, and bytes that are not UTF-8 */
  static const char with_nul[] = LIST_WITH_NAME ("\"bulba\0saur\"");
  static const char not_utf8[] = LIST_WITH_NAME ("\"bulba\xff\xfesaur\"");
  static const char overlong[] = LIST_WITH_NAME ("\"\xc0\xae\xc0\xae\"");
  static const char lone_surrogate[] = LIST_WITH_NAME ("\"\\udc00\"");
  /* json-glib 1.6 leaks when a high surrogate is followed by anything but a
   * low one; these must be refused before it sees them */
  static const char broken_pair[] = LIST_WITH_NAME ("\"\\ud83d\\u0041\"");
  static const char cut_pair[] = "{\"results\":[{\"name\":\"\\ud83d\\u";
  static const char lone_high[] = LIST_WITH_NAME ("\"\\ud83dx\"");
  static const char bad_escape[] = LIST_WITH_NAME ("\"\\x41\"");
  static const char short_escape[] = LIST_WITH_NAME ("\"\\u12\"");
  static const char extra_close[] = "{\"results\":[]}]";
  struct {
    const char *data;
    gsize length;
  } cases[] = {
    { with_nul, sizeof with_nul - 1 },
    { not_utf8, sizeof not_utf8 - 1 },
    { overlong, sizeof overlong - 1 },
    { lone_surrogate, sizeof lone_surrogate - 1 },
    { broken_pair, sizeof broken_pair - 1 },
    { cut_pair, sizeof cut_pair - 1 },
    { lone_high, sizeof lone_high - 1 },
    { bad_escape, sizeof bad_escape - 1 },
    { short_escape, sizeof short_escape - 1 },
    { extra_close, sizeof extra_close - 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;

      message_escaped ("Body", cases[i].data);
      page = parse_list_bytes (cases[i].data, cases[i].length, &error);
      g_assert_null (page);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
    }

  /* A valid pair and every JSON escape pass */
  {
    const char *body = LIST_WITH_NAME ("\"\\ud83d\\ude00 \\\" \\\\ \\/ "
                                       "\\b\\f\\n\\r\\t \\u00e9\"");
    g_autoptr(GError) error = NULL;
    g_autoptr(SgListPage) page = parse_list_string (body, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (page_entry (page, 0)->name, ==,
                     "\xf0\x9f\x98\x80 \" \\ / \b\f\n\r\t \xc3\xa9");
    g_assert_cmpuint (page_entry (page, 0)->id, ==, 1);
  }
}

static void
test_list_deep_nesting (void)
{
  /* json-glib recurses per level: without a limit this overflows the stack */
  const gsize depth = 200000;
  g_autoptr(GString) body = g_string_new ("{\"results\":[{\"name\":");
  g_autoptr(GError) error = NULL;
  g_autoptr(SgListPage) page = NULL;

  for (gsize i = 0; i < depth; i++)
    g_string_append_c (body, '[');
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (body, ']');
  g_string_append (body, "}]}");

  page = parse_list_bytes (body->str, body->len, &error);
  g_assert_null (page);
  g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);

  /* Nesting hidden from a naive count behind brackets in strings still counts */
  g_clear_error (&error);
  g_string_assign (body, "{\"results\":[{\"name\":\"]]]]]]]]]]\",\"url\":");
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (body, '{');
  page = parse_list_bytes (body->str, body->len, &error);
  g_assert_null (page);
  g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);

  /* Brackets inside strings do not count against the limit */
  g_clear_error (&error);
  g_string_assign (body, "{\"results\":[{\"name\":\"");
  for (gsize i = 0; i < 1000; i++)
    g_string_append (body, "[{");
  g_string_append (body, "\\\"\",\"url\":\"https://h/api/v2/pokemon/7/\"}]}");
  page = parse_list_bytes (body->str, body->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpuint (page_entry (page, 0)->id, ==, 7);
  g_assert_null (page_entry (page, 0)->error);
}

static void
test_list_truncated (void)
{
  const gsize length = strlen (SMALL_LIST);

  for (gsize i = 0; i < length; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;

      page = parse_list_bytes (SMALL_LIST, i, &error);
      g_assert_null (page);
      g_assert_nonnull (error);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SgListPage) page = parse_list_bytes (SMALL_LIST, length, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->entries->len, ==, 2);
  }
}

static void
test_list_error_utf8 (void)
{
  /* Found by fuzz-list: json-glib quotes the token it stumbled on cut to a
   * few dozen bytes, which split the emoji; the message was not UTF-8 */
  static const char found[] =
    "{\"count\":12,\"results\":[{\"name\":\"n/4/\"},{\"name\":\"\",\"url\":"
    "\"https://h/api/v2'p'okemon/5\xf0\x9f\x98\x80/\":\"warkortl\"}]}";

  for (guint n = 0; n <= 64; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) detail_error = NULL;
      g_autoptr(SgListPage) page = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autoptr(GString) body = NULL;

      if (n == 0)
        {
          body = g_string_new (found);
        }
      else
        {
          /* A string of n bytes and an emoji, then a colon where a comma
           * belongs */
          body = g_string_new ("{\"results\":[{\"name\":\"");
          for (guint i = 0; i < n; i++)
            g_string_append_c (body, 'x');
          g_string_append (body, "\xf0\x9f\x98\x80\xc3\xa9\":1}]}");
        }

      page = parse_list_bytes (body->str, body->len, &error);
      g_assert_null (page);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));

      /* The detail parsers too (the oracle checks both messages) */
      detail = parse_detail_bytes (body->str, body->len, &detail_error);
      g_assert_null (detail);
      g_assert_error (detail_error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
      g_assert_true (g_utf8_validate (detail_error->message, -1, NULL));
    }
}

/* Details: real bodies */

typedef struct {
  const char *file;
  guint id;
  const char *name;
  const char *types;  /* comma-separated */
  guint height;
  guint weight;
  const char *sprites[SG_N_VARIANTS];
} RealDetail;

#define SPRITES "https://raw.githubusercontent.com/PokeAPI/sprites/master/sprites/pokemon/"

static const RealDetail real_details[] = {
  { "apidata2018_pokemon_1.json", 1, "bulbasaur", "grass,poison", 7, 69,
    { SPRITES "1.png", SPRITES "shiny/1.png", SPRITES "back/1.png", SPRITES "back/shiny/1.png",
      NULL } },
  { "apidata2018_pokemon_25.json", 25, "pikachu", "electric", 4, 60,
    { SPRITES "25.png", SPRITES "shiny/25.png", SPRITES "back/25.png",
      SPRITES "back/shiny/25.png", NULL,
      /* The detail view offers the female forms where there are any */
      SPRITES "female/25.png", SPRITES "shiny/female/25.png", SPRITES "back/female/25.png",
      SPRITES "back/shiny/female/25.png" } },
  { "apidata2018_pokemon_132.json", 132, "ditto", "normal", 3, 40,
    { SPRITES "132.png", SPRITES "shiny/132.png", SPRITES "back/132.png",
      SPRITES "back/shiny/132.png", NULL } },
  { "apidata2020_pokemon_132.json", 132, "ditto", "normal", 3, 40,
    { SPRITES "132.png", SPRITES "shiny/132.png", SPRITES "back/132.png",
      SPRITES "back/shiny/132.png", SPRITES "other/official-artwork/132.png" } },
  /* Every sprite null: a detail without sprites, not an error */
  { "apidata2018_pokemon_10128.json", 10128, "lurantis-totem", "grass", 15, 580,
    { NULL, NULL, NULL, NULL, NULL } },
};

/* The body as the live API sends it: compact */
static GBytes *
compact_json (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  char *data;
  gsize length;

  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                              &error);
  g_assert_no_error (error);
  json_generator_set_root (generator, json_parser_get_root (parser));
  data = json_generator_to_data (generator, &length);

  return g_bytes_new_take (data, length);
}

static void
check_real_detail (const RealDetail *expected,
                   GBytes           *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;
  g_autofree char *types = NULL;

  detail = parse_detail_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_nonnull (detail);

  g_assert_cmpuint (detail->id, ==, expected->id);
  g_assert_cmpstr (detail->name, ==, expected->name);
  g_assert_nonnull (detail->types);
  types = g_strjoinv (",", detail->types);
  g_assert_cmpstr (types, ==, expected->types);
  g_assert_cmpuint (detail->height, ==, expected->height);
  g_assert_cmpuint (detail->weight, ==, expected->weight);

  for (guint i = 0; i < SG_N_VARIANTS; i++)
    {
      g_test_message ("Variant %s", sg_variant_to_string (i));
      g_assert_cmpstr (detail->sprite_urls[i], ==, expected->sprites[i]);
    }
}

static void
test_detail_real (gconstpointer data)
{
  const RealDetail *expected = data;
  g_autoptr(GBytes) bytes = load_data_file (expected->file);
  g_autoptr(GBytes) compact = compact_json (bytes);

  g_assert_cmpuint (g_bytes_get_size (compact), <, g_bytes_get_size (bytes));
  check_real_detail (expected, bytes);
  check_real_detail (expected, compact);
}

static void
test_detail_current_10128_sprites (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("apidata_current_10128_sprites.json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;
  g_autofree char *body = NULL;
  JsonObject *file_object;
  gsize length;

  /* The file holds the "sprites" object with a note beside it; wrap the
   * sprites in the smallest detail around them. */
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                              &error);
  g_assert_no_error (error);
  file_object = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (file_object, "sprites"));

  json_object_set_int_member (object, "id", 10128);
  json_object_set_string_member (object, "name", "x");
  json_object_set_member (object, "sprites",
                          json_node_copy (json_object_get_member (file_object, "sprites")));
  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, &length);

  detail = parse_detail_bytes (body, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (detail);
  g_assert_cmpuint (detail->id, ==, 10128);

  /* Top-level front_default is null while nested ones are not: no fallback */
  g_assert_null (detail->sprite_urls[SG_VARIANT_FRONT_DEFAULT]);
  g_assert_null (detail->sprite_urls[SG_VARIANT_FRONT_SHINY]);
  g_assert_null (detail->sprite_urls[SG_VARIANT_BACK_DEFAULT]);
  g_assert_null (detail->sprite_urls[SG_VARIANT_BACK_SHINY]);
  g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_OFFICIAL_ARTWORK], ==,
                   SPRITES "other/official-artwork/10128.png");

  /* No types in this body: an empty list, never NULL */
  g_assert_nonnull (detail->types);
  g_assert_null (detail->types[0]);
  g_assert_cmpuint (detail->height, ==, 0);
  g_assert_cmpuint (detail->weight, ==, 0);
}

static void
test_detail_real_truncated (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("apidata2020_pokemon_132.json");
  const char *data = g_bytes_get_data (bytes, NULL);
  gsize length = g_bytes_get_size (bytes);

  /* Trailing white space would make a shorter prefix valid */
  while (length > 0 && g_ascii_isspace (data[length - 1]))
    length--;

  /* Every prefix of a 34 KB body is a few seconds under ASan; a stride that
   * is prime lands on every kind of byte. */
  for (gsize i = 0; i < length; i += 97)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = parse_detail_bytes (data, i, &error);

      g_assert_null (detail);
      g_assert_nonnull (error);
    }
}

/* Details: hostile bodies */

static void
test_detail_small_valid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;

  detail = parse_detail_string (SMALL_DETAIL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (detail);
  g_assert_cmpuint (detail->id, ==, 25);
  g_assert_cmpstr (detail->name, ==, "pikachu");
  g_assert_cmpstr (detail->types[0], ==, "electric");
  g_assert_null (detail->types[1]);
  g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_FRONT_DEFAULT], ==,
                   "https://h/sprites/pokemon/25.png");
  g_assert_null (detail->sprite_urls[SG_VARIANT_FRONT_SHINY]);
  g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_BACK_DEFAULT], ==,
                   "https://h/sprites/pokemon/back/25.png");
  g_assert_null (detail->sprite_urls[SG_VARIANT_BACK_SHINY]);
  g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_OFFICIAL_ARTWORK], ==,
                   "https://h/sprites/pokemon/other/official-artwork/25.png");
}

static void
test_detail_truncated (void)
{
  const gsize length = strlen (SMALL_DETAIL);

  for (gsize i = 0; i < length; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = parse_detail_bytes (SMALL_DETAIL, i, &error);

      g_assert_null (detail);
      g_assert_nonnull (error);
      g_assert_true (error->domain == SG_POKEAPI_ERROR);
    }
}

static void
test_detail_length_respected (void)
{
  /* Valid JSON followed by bytes outside the given length: they are not read
   * (the garbage would make the body invalid) */
  g_autofree char *buffer = g_strconcat (SMALL_DETAIL, "]]]garbage", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;

  detail = sg_pokeapi_parse_detail (buffer, strlen (SMALL_DETAIL), &error);
  g_assert_no_error (error);
  g_assert_nonnull (detail);
  g_assert_cmpuint (detail->id, ==, 25);

  g_clear_pointer (&detail, sg_detail_free);
  detail = sg_pokeapi_parse_detail (buffer, strlen (buffer), &error);
  g_assert_null (detail);
  g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
}

static void
test_detail_not_json (void)
{
  static const char with_nul[] = "{\"id\":1,\"name\":\"a\0b\",\"sprites\":{}}";
  static const char not_utf8[] = "{\"id\":1,\"name\":\"\xe2\x82\",\"sprites\":{}}";
  static const char single_quotes[] = "{\"id\":1,\"name\":'x',\"sprites\":{}}";
  struct {
    const char *data;
    gsize length;
  } cases[] = {
    { "", 0 },
    { "Not Found", 9 },
    { "OK", 2 },
    { with_nul, sizeof with_nul - 1 },
    { not_utf8, sizeof not_utf8 - 1 },
    { single_quotes, sizeof single_quotes - 1 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_error (&error);
      detail = parse_detail_bytes (cases[i].data, cases[i].length, &error);
      g_assert_null (detail);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
      g_assert_true (g_str_has_prefix (error->message, "The detail is not valid JSON"));
    }

  g_clear_error (&error);
  detail = sg_pokeapi_parse_detail (NULL, 0, &error);
  g_assert_null (detail);
  g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
}

static void
test_detail_wrong_shape (void)
{
  struct {
    const char *body;
    const char *message;
  } cases[] = {
    { "[]", "The detail is not a JSON object" },
    { "null", "The detail is not a JSON object" },
    { "\"bulbasaur\"", "The detail is not a JSON object" },
    /* id */
    { "{\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":null,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":-1,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":0,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":1.5,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":1.0,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":\"25\",\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":2147483648,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":99999999999999999999999,\"name\":\"x\",\"sprites\":{}}",
      "The detail has no valid “id”" },
    { "{\"id\":true,\"name\":\"x\",\"sprites\":{}}", "The detail has no valid “id”" },
    /* name */
    { "{\"id\":1,\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\":\"\",\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\":5,\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\":null,\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\":[\"x\"],\"sprites\":{}}", "The detail has no valid “name”" },
    /* sprites */
    { "{\"id\":1,\"name\":\"x\"}", "The detail has no sprites" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\":null}", "The detail has no sprites" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\":42}", "The detail has no sprites" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\":\"https://h/1.png\"}", "The detail has no sprites" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\":[\"https://h/1.png\"]}",
      "The detail has no sprites" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;

      message_escaped ("Body", cases[i].body);
      detail = parse_detail_string (cases[i].body, &error);
      g_assert_null (detail);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_detail_id_range (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;

  detail = parse_detail_string ("{\"id\":2147483647,\"name\":\"x\",\"sprites\":{}}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (detail->id, ==, G_MAXINT32);
  g_assert_nonnull (detail->types);
  g_assert_null (detail->types[0]);
  for (guint i = 0; i < SG_N_VARIANTS; i++)
    g_assert_null (detail->sprite_urls[i]);
}

static void
test_detail_bad_sprites (void)
{
  struct {
    const char *sprites;
    const char *message;  /* NULL: valid */
  } cases[] = {
    { "{\"front_default\":42}", "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":true}", "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":{\"url\":\"https://h/1.png\"}}",
      "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":[\"https://h/1.png\"]}",
      "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":\"\"}", "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":\"file:///etc/passwd\"}",
      "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":\"data:image/png;base64,iVBORw0KGgo=\"}",
      "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_default\":\"/sprites/pokemon/1.png\"}",
      "The detail’s “front_default” sprite is not a URL" },
    { "{\"front_shiny\":1.5}", "The detail’s “front_shiny” sprite is not a URL" },
    { "{\"back_default\":\"javascript:alert(1)\"}",
      "The detail’s “back_default” sprite is not a URL" },
    { "{\"back_shiny\":\"ftp://h/1.png\"}", "The detail’s “back_shiny” sprite is not a URL" },
    { "{\"other\":{\"official-artwork\":{\"front_default\":7}}}",
      "The detail’s “official-artwork” sprite is not a URL" },
    { "{\"other\":{\"official-artwork\":{\"front_default\":\"file:///x.png\"}}}",
      "The detail’s “official-artwork” sprite is not a URL" },
    { "{\"other\":42}", "The detail’s “other” sprites are not an object" },
    { "{\"other\":{\"official-artwork\":\"https://h/1.png\"}}",
      "The detail’s “official-artwork” sprites are not an object" },
    /* Valid: absent and null mean no sprite; the ones we do not read may hold anything */
    { "{}", NULL },
    { "{\"front_default\":null,\"other\":null}", NULL },
    { "{\"other\":{\"official-artwork\":null}}", NULL },
    { "{\"other\":{\"official-artwork\":{\"front_default\":null}}}", NULL },
    { "{\"front_transparent\":42,\"versions\":\"x\",\"other\":{\"home\":7}}", NULL },
    { "{\"front_female\":42}", "The detail’s “front_female” sprite is not a URL" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *body = detail_with_sprites (cases[i].sprites);

      message_escaped ("Sprites", cases[i].sprites);
      detail = parse_detail_string (body, &error);
      if (cases[i].message != NULL)
        {
          g_assert_null (detail);
          g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);
          g_assert_cmpstr (error->message, ==, cases[i].message);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_nonnull (detail);
          for (guint v = 0; v < SG_N_VARIANTS; v++)
            g_assert_null (detail->sprite_urls[v]);
        }
    }
}

static void
test_detail_types (void)
{
  struct {
    const char *types;
    const char *expected;  /* comma-separated */
  } cases[] = {
    { "null", "" },
    { "42", "" },
    { "{\"slot\":1,\"type\":{\"name\":\"grass\"}}", "" },
    { "[]", "" },
    { "[{\"slot\":2,\"type\":{\"name\":\"poison\"}},{\"slot\":1,\"type\":{\"name\":\"grass\"}}]",
      "grass,poison" },
    /* Each malformed entry is skipped, the rest kept in slot order */
    { "[{\"slot\":3,\"type\":{\"name\":\"c\"}},"
      "7,null,\"fire\","
      "{\"type\":{\"name\":\"noslot\"}},"
      "{\"slot\":\"1\",\"type\":{\"name\":\"stringslot\"}},"
      "{\"slot\":1.5,\"type\":{\"name\":\"floatslot\"}},"
      "{\"slot\":1,\"type\":\"notobject\"},"
      "{\"slot\":1,\"type\":{\"name\":\"\"}},"
      "{\"slot\":1,\"type\":{\"name\":5}},"
      "{\"slot\":1},"
      "{\"slot\":-4,\"type\":{\"name\":\"a\"}},"
      "{\"slot\":2,\"type\":{\"name\":\"b\"}}]",
      "a,b,c" },
    /* Same slot twice: body order */
    { "[{\"slot\":1,\"type\":{\"name\":\"x\"}},{\"slot\":1,\"type\":{\"name\":\"y\"}}]", "x,y" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *body = NULL;
      g_autofree char *joined = NULL;

      body = g_strdup_printf ("{\"id\":1,\"name\":\"x\",\"types\":%s,\"sprites\":{}}",
                              cases[i].types);
      message_escaped ("Types", cases[i].types);
      detail = parse_detail_string (body, &error);
      g_assert_no_error (error);
      g_assert_nonnull (detail->types);
      joined = g_strjoinv (",", detail->types);
      g_assert_cmpstr (joined, ==, cases[i].expected);
    }
}

static void
test_detail_sizes (void)
{
  struct {
    const char *fields;
    guint height;
    guint weight;
  } cases[] = {
    { "\"height\":7,\"weight\":69", 7, 69 },
    { "\"height\":0,\"weight\":0", 0, 0 },
    { "", 0, 0 },
    { "\"height\":-1,\"weight\":-69", 0, 0 },
    { "\"height\":1.5,\"weight\":\"69\"", 0, 0 },
    { "\"height\":null,\"weight\":[69]", 0, 0 },
    { "\"height\":4294967295,\"weight\":4294967296", 4294967295u, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *body = NULL;

      body = g_strdup_printf ("{\"id\":1,\"name\":\"x\",%s%s\"sprites\":{}}",
                              cases[i].fields, cases[i].fields[0] ? "," : "");
      message_escaped ("Body", body);
      detail = parse_detail_string (body, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (detail->height, ==, cases[i].height);
      g_assert_cmpuint (detail->weight, ==, cases[i].weight);
    }
}

static void
test_detail_deep_nesting (void)
{
  g_autoptr(GString) body = g_string_new ("{\"id\":1,\"name\":\"x\",\"sprites\":{},\"moves\":");
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append (body, "{\"a\":[");
  detail = parse_detail_bytes (body->str, body->len, &error);
  g_assert_null (detail);
  g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
}

/* Details: what the scanner decides like json-glib, and where both refuse
 * what json-glib alone would take */

/* A detail with id 1 and name "x" around @members (a JSON fragment, may be
 * empty) */
static char *
detail_with_members (const char *members)
{
  return g_strdup_printf ("{\"id\":1,\"name\":\"x\"%s%s,\"sprites\":{}}",
                          members[0] ? "," : "", members);
}

static void
test_detail_strict_json (void)
{
  /* json-glib 1.6 reads every one of these (01 as 1, 0x19 as 25, "- 1" as
   * -1, a raw tab inside a string…); strict JSON does not */
  const char *members[] = {
    "\"height\":01",
    "\"height\":00",
    "\"height\":-01",
    "\"height\":017",
    "\"height\":0x19",
    "\"height\":0b101",
    "\"height\":1.",
    "\"height\":.5",
    "\"height\":-.5",
    "\"height\":1.e5",
    "\"height\":- 1",
    "\"height\":-\n1",
    "\"height\":+1",
    "\"height\":-",
    "\"height\":1e",
    "\"height\":1e+",
    "\"height\":1.5.5",
    "\"height\":tru",
    "\"height\":nul",
    "\"height\":True",
    "\"height\":NaN",
    "\"height\":Infinity",
    "\"note\":\"a\tb\"",
    "\"note\":\"a\nb\"",
    "\"note\":\"a\x01" "b\"",
    "\"note\":\"a\x1f" "b\"",
    "\"no\tte\":1",
  };
  const char *bodies[] = {
    "\xef\xbb\xbf{\"id\":1,\"name\":\"x\",\"sprites\":{}}",
    "\f{\"id\":1,\"name\":\"x\",\"sprites\":{}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}}\v",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{},}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}} {}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}} 1",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}}x",
    "{\"id\":1 \"name\":\"x\",\"sprites\":{}}",
    "{\"id\" 1,\"name\":\"x\",\"sprites\":{}}",
    "{\"id\":1,,\"name\":\"x\",\"sprites\":{}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{\"a\":[1,]}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{\"a\":[,1]}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{\"a\":[1 2]}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{\"a\"}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{\"a\":}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{:1}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{1:1}}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":[1:2]}",
    "{\"id\":1,\"name\":\"x\",\"sprites\":{}]",
    "{\"id\":1,\"name\":\"x\",\"sprites\":[}",
    "{id:1,\"name\":\"x\",\"sprites\":{}}",
    /* Wrong shape and broken: not JSON comes first */
    "[1,2",
    "\"x",
    "{\"name\":\"x\"",
    "42x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members) + G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *body = NULL;

      if (i < G_N_ELEMENTS (members))
        body = detail_with_members (members[i]);
      else
        body = g_strdup (bodies[i - G_N_ELEMENTS (members)]);

      message_escaped ("Body", body);
      detail = parse_detail_string (body, &error);
      g_assert_null (detail);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
      g_assert_true (g_str_has_prefix (error->message, DETAIL_NOT_JSON_PREFIX));
    }

  /* The list goes through the same checks before json-glib */
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgListPage) page = NULL;
      g_autofree char *body = NULL;

      body = g_strdup_printf ("{\"count\":5,%s,\"results\":[]}", members[i]);
      message_escaped ("List", body);
      page = parse_list_string (body, &error);
      g_assert_null (page);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
    }
}

static void
test_detail_strict_json_valid (void)
{
  /* Numbers, literals and white space strict JSON allows, where we skip them */
  g_autofree char *body = detail_with_members (
    " \"a\" : [ 0 , -0 , 0.5 , -0.5e-3 , 1E+9 , 1e09 , 123456789012345678901234567890.5 ,"
    " true , false , null , \"\\u00e9\\t\\\"\\/\\\\\" , { } , [ ] ] \r\n\t ");
  g_autoptr(GError) error = NULL;
  g_autoptr(SgDetail) detail = NULL;

  detail = parse_detail_string (body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (detail->id, ==, 1);
}

static void
test_detail_duplicate_keys (void)
{
  /* The last of two members with the same key counts, as in json-glib */
  struct {
    const char *body;
    const char *message;  /* NULL: valid */
    guint id;
    const char *name;
    const char *types;
    const char *front;
    const char *artwork;
  } cases[] = {
    { "{\"id\":1,\"id\":7,\"name\":\"a\",\"sprites\":{}}", NULL, 7, "a", "", NULL, NULL },
    { "{\"id\":7,\"id\":0,\"name\":\"a\",\"sprites\":{}}", "The detail has no valid “id”" },
    { "{\"id\":1,\"name\":\"a\",\"name\":\"b\",\"sprites\":{}}", NULL, 1, "b", "", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"name\":\"\",\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"front_default\":\"https://h/1.png\"},\"sprites\":{}}",
      NULL, 1, "a", "", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{},\"sprites\":null}", "The detail has no sprites" },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":null,\"sprites\":{}}", NULL, 1, "a", "", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"front_default\":42,"
      "\"front_default\":\"https://h/2.png\"}}", NULL, 1, "a", "", "https://h/2.png", NULL },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"front_default\":\"https://h/2.png\","
      "\"front_default\":42}}", "The detail’s “front_default” sprite is not a URL" },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"other\":{\"official-artwork\":"
      "{\"front_default\":\"https://h/a.png\"}},\"other\":{}}}", NULL, 1, "a", "", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"other\":7,\"other\":{\"official-artwork\":"
      "{\"front_default\":\"https://h/a.png\"}}}}", NULL, 1, "a", "", NULL, "https://h/a.png" },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"other\":{\"official-artwork\":"
      "{\"front_default\":\"https://h/a.png\"},\"official-artwork\":null}}}",
      NULL, 1, "a", "", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"sprites\":{\"other\":{\"official-artwork\":"
      "{\"front_default\":\"https://h/a.png\",\"front_default\":\"https://h/b.png\"}}}}",
      NULL, 1, "a", "", NULL, "https://h/b.png" },
    { "{\"id\":1,\"name\":\"a\",\"types\":[{\"slot\":1,\"type\":{\"name\":\"grass\"}}],"
      "\"types\":[{\"slot\":1,\"type\":{\"name\":\"fire\"}}],\"sprites\":{}}",
      NULL, 1, "a", "fire", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"types\":[{\"slot\":1,\"type\":{\"name\":\"grass\"}}],"
      "\"types\":null,\"sprites\":{}}", NULL, 1, "a", "", NULL, NULL },
    { "{\"id\":1,\"name\":\"a\",\"types\":[{\"slot\":1,\"type\":{\"name\":\"a\"},"
      "\"type\":{\"url\":\"x\"}},{\"slot\":\"x\",\"slot\":2,\"type\":{\"name\":\"b\","
      "\"name\":\"c\"}},{\"slot\":3,\"slot\":null,\"type\":{\"name\":\"d\"}}],\"sprites\":{}}",
      NULL, 1, "a", "c", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *types = NULL;

      message_escaped ("Body", cases[i].body);
      detail = parse_detail_string (cases[i].body, &error);
      if (cases[i].message != NULL)
        {
          g_assert_null (detail);
          g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);
          g_assert_cmpstr (error->message, ==, cases[i].message);
          continue;
        }

      g_assert_no_error (error);
      g_assert_cmpuint (detail->id, ==, cases[i].id);
      g_assert_cmpstr (detail->name, ==, cases[i].name);
      types = g_strjoinv (",", detail->types);
      g_assert_cmpstr (types, ==, cases[i].types);
      g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_FRONT_DEFAULT], ==, cases[i].front);
      g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_OFFICIAL_ARTWORK], ==, cases[i].artwork);
    }
}

static void
test_detail_escapes (void)
{
  /* Keys are compared after unescaping; \u0000 ends a string, keys
   * included, as json-glib hands out C strings */
  struct {
    const char *body;
    const char *message;  /* NULL: valid */
    guint id;
    const char *name;
    const char *front;
  } cases[] = {
    { "{\"\\u0069d\":5,\"n\\u0061me\":\"x\",\"sprites\":{\"front\\u005fdefault\":"
      "\"https:\\/\\/h\\/1.png\"}}", NULL, 5, "x", "https://h/1.png" },
    { "{\"id\":1,\"name\":\"\\u00e9\\ud83d\\ude00 \\\"q\\\" \\\\ \\b\\f\\n\\r\\t\","
      "\"sprites\":{}}", NULL, 1, "\xc3\xa9\xf0\x9f\x98\x80 \"q\" \\ \b\f\n\r\t", NULL },
    { "{\"id\":1,\"name\":\"caf\xc3\xa9 \xef\xbf\xbe \xf4\x8f\xbf\xbf \x7f\",\"sprites\":{}}",
      NULL, 1, "caf\xc3\xa9 \xef\xbf\xbe \xf4\x8f\xbf\xbf \x7f", NULL },
    { "{\"id\":1,\"name\":\"pika\\u0000chu\",\"sprites\":{}}", NULL, 1, "pika", NULL },
    { "{\"id\":1,\"name\":\"\\u0000chu\",\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\\u0000suffix\":\"y\",\"sprites\":{}}", NULL, 1, "y", NULL },
    { "{\"id\":1,\"na\\u0000me\":\"y\",\"sprites\":{}}", "The detail has no valid “name”" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\\u0000 and more text after it\":"
      "{\"front_default\":\"https://h/1.png\\u0000 junk\"}}", NULL, 1, "x", "https://h/1.png" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\":{\"front_default\":\"\\u0000https://h/1.png\"}}",
      "The detail’s “front_default” sprite is not a URL" },
    /* A key longer than any we read, that is one of them up to its \u0000 */
    { "{\"id\":1,\"name\":\"x\",\"sprites\":{\"front_default\\u0000"
      "0123456789012345678901234567890123456789012345678901234567890123456789\":"
      "\"https://h/1.png\"}}", NULL, 1, "x", "https://h/1.png" },
    { "{\"id\":1,\"name\":\"x\",\"sprites\":{\"front_default "
      "0123456789012345678901234567890123456789012345678901234567890123456789\":"
      "\"https://h/1.png\"}}", NULL, 1, "x", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;

      message_escaped ("Body", cases[i].body);
      detail = parse_detail_string (cases[i].body, &error);
      if (cases[i].message != NULL)
        {
          g_assert_null (detail);
          g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);
          g_assert_cmpstr (error->message, ==, cases[i].message);
          continue;
        }

      g_assert_no_error (error);
      g_assert_cmpuint (detail->id, ==, cases[i].id);
      g_assert_cmpstr (detail->name, ==, cases[i].name);
      g_assert_cmpstr (detail->sprite_urls[SG_VARIANT_FRONT_DEFAULT], ==, cases[i].front);
    }
}

static void
test_detail_bad_utf8 (void)
{
  const char *names[] = {
    "\xc0\xae",          /* overlong */
    "\xc1\xbf",
    "\xe0\x80\xaf",
    "\xf0\x80\x80\xaf",
    "\xed\xa0\x80",      /* a surrogate */
    "\xed\xbf\xbf",
    "\xf4\x90\x80\x80",  /* beyond U+10FFFF */
    "\xf5\x80\x80\x80",
    "\xf8\x88\x80\x80\x80",
    "\x80",              /* a lone continuation byte */
    "a\xbf",
    "\xe2\x82",          /* cut short */
    "\xf0\x9f\x98",
    "\xc3",
    "\xff",
    "\xfe",
    "\xc3\x28",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *body = NULL;
      g_autofree char *key_body = NULL;

      body = g_strdup_printf ("{\"id\":1,\"name\":\"%s\",\"sprites\":{}}", names[i]);
      message_escaped ("Body", body);
      detail = parse_detail_string (body, &error);
      g_assert_null (detail);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);

      /* Anywhere in the body, not only in what we read */
      g_clear_error (&error);
      key_body = g_strdup_printf ("{\"id\":1,\"name\":\"x\",\"sprites\":{},\"m\":[{\"%s\":0}]}",
                                  names[i]);
      detail = parse_detail_string (key_body, &error);
      g_assert_null (detail);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
    }
}

static void
test_detail_huge_integers (void)
{
  /* json-glib wraps integers beyond 64 bits around (-18446744073709551615
   * reads as 1); both parsers take them as numbers that are not integers */
  struct {
    const char *members;
    const char *message;  /* NULL: valid */
    guint height;
    const char *types;
  } cases[] = {
    { "\"id\":-18446744073709551615", "The detail has no valid “id”" },
    { "\"id\":-99999999999999999999999", "The detail has no valid “id”" },
    { "\"id\":18446744073709551617", "The detail has no valid “id”" },
    { "\"id\":9223372036854775808", "The detail has no valid “id”" },
    { "\"id\":9223372036854775807", "The detail has no valid “id”" },
    { "\"id\":-9223372036854775808", "The detail has no valid “id”" },
    { "\"id\":1,\"height\":-18446744073709551611", NULL, 0, "" },
    { "\"id\":1,\"height\":18446744073709551616", NULL, 0, "" },
    { "\"id\":1,\"height\":4294967295", NULL, 4294967295u, "" },
    { "\"id\":1,\"types\":[{\"slot\":-18446744073709551615,\"type\":{\"name\":\"a\"}},"
      "{\"slot\":-9223372036854775808,\"type\":{\"name\":\"b\"}},"
      "{\"slot\":9223372036854775807,\"type\":{\"name\":\"c\"}},"
      "{\"slot\":9223372036854775808,\"type\":{\"name\":\"d\"}},"
      "{\"slot\":0,\"type\":{\"name\":\"e\"}},{\"slot\":-0,\"type\":{\"name\":\"f\"}}]",
      NULL, 0, "b,e,f,c" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;
      g_autofree char *body = NULL;
      g_autofree char *types = NULL;

      body = g_strdup_printf ("{%s,\"name\":\"x\",\"sprites\":{}}", cases[i].members);
      message_escaped ("Body", body);
      detail = parse_detail_string (body, &error);
      if (cases[i].message != NULL)
        {
          g_assert_null (detail);
          g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);
          g_assert_cmpstr (error->message, ==, cases[i].message);
          continue;
        }

      g_assert_no_error (error);
      g_assert_cmpuint (detail->height, ==, cases[i].height);
      types = g_strjoinv (",", detail->types);
      g_assert_cmpstr (types, ==, cases[i].types);
    }

  /* The list too: its count was read as 1 */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SgListPage) page = NULL;

    page = parse_list_string ("{\"count\":-18446744073709551615,\"results\":[]}", &error);
    g_assert_null (page);
    g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_DATA);

    g_clear_error (&error);
    page = parse_list_string ("{\"count\":9223372036854775807,\"results\":[],"
                              "\"x\":[99999999999999999999999,-99999999999999999999999]}",
                              &error);
    g_assert_no_error (error);
    g_assert_cmpint (page->count, ==, G_MAXINT64);
  }
}

static void
test_detail_depth_limit (void)
{
  for (guint depth = 60; depth <= 70; depth++)
    {
      g_autoptr(GString) body = g_string_new ("{\"id\":1,\"name\":\"x\",\"sprites\":{},\"m\":");
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = NULL;

      /* The detail itself is one level */
      for (guint i = 1; i < depth; i++)
        g_string_append (body, i % 2 ? "[" : "{\"a\":");
      g_string_append_c (body, '0');
      for (guint i = depth - 1; i >= 1; i--)
        g_string_append (body, i % 2 ? "]" : "}");
      g_string_append_c (body, '}');

      g_test_message ("Depth %u", depth);
      detail = parse_detail_bytes (body->str, body->len, &error);
      if (depth <= 64)
        {
          g_assert_no_error (error);
          g_assert_nonnull (detail);
        }
      else
        {
          g_assert_null (detail);
          g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
        }
    }
}

/* Bytes that change what a JSON body means in many ways */
static const guchar mutation_bytes[] = {
  0x00, '\t', '\n', ' ', '"', '\\', '/', '0', '1', '9', '-', '+', '.', 'e', 'u', 'x',
  ',', ':', '[', ']', '{', '}', 'n', 't', 0x7f, 0x80, 0xbf, 0xc3, 0xed, 0xf4, 0xff,
};

/* Every byte of @data replaced by each of mutation_bytes (or one in @stride
 * of them), and dropped: the scanner and the DOM parser must agree each time */
static void
check_mutations (const char *data,
                 gsize       length,
                 gsize       stride)
{
  g_autofree char *copy = g_memdup2 (data, length);
  guint n_valid = 0;
  guint n_total = 0;

  for (gsize offset = 0; offset < length; offset += stride)
    {
      char saved = copy[offset];

      for (guint k = 0; k < G_N_ELEMENTS (mutation_bytes); k++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(SgDetail) detail = NULL;

          if ((guchar) saved == mutation_bytes[k])
            continue;
          copy[offset] = (char) mutation_bytes[k];
          detail = parse_detail_bytes (copy, length, &error);
          n_valid += detail != NULL;
          n_total++;
        }
      copy[offset] = saved;

      /* The byte dropped */
      memmove (copy + offset, copy + offset + 1, length - offset - 1);
      assert_parsers_agree (copy, length - 1);
      n_total++;
      memcpy (copy, data, length);
    }

  g_test_message ("%u mutations of %" G_GSIZE_FORMAT " bytes, %u still valid details",
                  n_total, length, n_valid);
}

static void
test_detail_mutations_small (void)
{
  check_mutations (SMALL_DETAIL, strlen (SMALL_DETAIL), 1);
}

static void
test_detail_mutations_real (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("apidata2020_pokemon_132.json");
  g_autoptr(GBytes) compact = compact_json (bytes);

  /* A stride that is prime lands on every kind of byte */
  check_mutations (g_bytes_get_data (compact, NULL), g_bytes_get_size (compact), 53);
}

static void
test_detail_compact_prefixes (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("apidata2020_pokemon_132.json");
  g_autoptr(GBytes) compact = compact_json (bytes);
  const char *data = g_bytes_get_data (compact, NULL);
  gsize length = g_bytes_get_size (compact);

  for (gsize i = 0; i < length; i += 31)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = parse_detail_bytes (data, i, &error);

      g_assert_null (detail);
      g_assert_error (error, SG_POKEAPI_ERROR, SG_POKEAPI_ERROR_INVALID_JSON);
    }
}

/* Reports, never asserts: run with -m perf */
static void
test_detail_perf (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) compact = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  const char *data;
  gsize length;
  double scan_seconds;
  double dom_seconds;
  const guint n = 200;

  if (!g_test_perf ())
    {
      g_test_skip ("Only with -m perf");
      return;
    }

  bytes = load_data_file ("apidata2018_pokemon_1.json");
  compact = compact_json (bytes);
  data = g_bytes_get_data (compact, &length);

  g_timer_start (timer);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SgDetail) detail = sg_pokeapi_parse_detail (data, length, NULL);

      g_assert_nonnull (detail);
    }
  scan_seconds = g_timer_elapsed (timer, NULL) / n;

  g_timer_start (timer);
  for (guint i = 0; i < n / 10; i++)
    {
      g_autoptr(SgDetail) detail = sg_pokeapi_parse_detail_dom (data, length, NULL);

      g_assert_nonnull (detail);
    }
  dom_seconds = g_timer_elapsed (timer, NULL) / (n / 10);

  g_test_message ("bulbasaur, compact, %" G_GSIZE_FORMAT " bytes: scanner %.3f ms, "
                  "json-glib DOM %.3f ms per detail", length,
                  scan_seconds * 1000, dom_seconds * 1000);
  g_test_minimized_result (scan_seconds, "scanner: %.6f s per detail", scan_seconds);
}

typedef struct {
  const char *data;
  gsize length;
} ThreadData;

static gpointer
parse_in_thread (gpointer user_data)
{
  const ThreadData *td = user_data;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SgDetail) detail = sg_pokeapi_parse_detail (td->data, td->length, &error);

      if (detail == NULL || detail->id != 132 || g_strcmp0 (detail->name, "ditto") != 0)
        return GINT_TO_POINTER (FALSE);
    }

  return GINT_TO_POINTER (TRUE);
}

static void
test_detail_threads (void)
{
  g_autoptr(GBytes) bytes = load_data_file ("apidata2020_pokemon_132.json");
  ThreadData td = { g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes) };
  GThread *threads[8];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("parse", parse_in_thread, &td);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/pokeapi/url/list", test_list_url);
  g_test_add_func ("/pokeapi/url/is-http", test_is_http_url);

  g_test_add_func ("/pokeapi/list/index-2018", test_list_index_2018);
  g_test_add_func ("/pokeapi/list/live-shape", test_list_live_shape);
  g_test_add_func ("/pokeapi/list/not-json", test_list_not_json);
  g_test_add_func ("/pokeapi/list/null-data", test_list_null_data);
  g_test_add_func ("/pokeapi/list/wrong-shape", test_list_wrong_shape);
  g_test_add_func ("/pokeapi/list/optional-fields", test_list_optional_fields);
  g_test_add_func ("/pokeapi/list/malformed-entries", test_list_malformed_entries);
  g_test_add_func ("/pokeapi/list/entry-ids", test_list_entry_ids);
  g_test_add_func ("/pokeapi/list/bad-bytes", test_list_bad_bytes);
  g_test_add_func ("/pokeapi/list/deep-nesting", test_list_deep_nesting);
  g_test_add_func ("/pokeapi/list/truncated", test_list_truncated);
  g_test_add_func ("/pokeapi/list/error-utf8", test_list_error_utf8);

  for (guint i = 0; i < G_N_ELEMENTS (real_details); i++)
    {
      g_autofree char *path = g_strdup_printf ("/pokeapi/detail/real/%s", real_details[i].file);

      g_test_add_data_func (path, &real_details[i], test_detail_real);
    }
  g_test_add_func ("/pokeapi/detail/current-10128-sprites", test_detail_current_10128_sprites);
  g_test_add_func ("/pokeapi/detail/real-truncated", test_detail_real_truncated);
  g_test_add_func ("/pokeapi/detail/small-valid", test_detail_small_valid);
  g_test_add_func ("/pokeapi/detail/truncated", test_detail_truncated);
  g_test_add_func ("/pokeapi/detail/length-respected", test_detail_length_respected);
  g_test_add_func ("/pokeapi/detail/not-json", test_detail_not_json);
  g_test_add_func ("/pokeapi/detail/wrong-shape", test_detail_wrong_shape);
  g_test_add_func ("/pokeapi/detail/id-range", test_detail_id_range);
  g_test_add_func ("/pokeapi/detail/bad-sprites", test_detail_bad_sprites);
  g_test_add_func ("/pokeapi/detail/types", test_detail_types);
  g_test_add_func ("/pokeapi/detail/sizes", test_detail_sizes);
  g_test_add_func ("/pokeapi/detail/deep-nesting", test_detail_deep_nesting);
  g_test_add_func ("/pokeapi/detail/strict-json", test_detail_strict_json);
  g_test_add_func ("/pokeapi/detail/strict-json-valid", test_detail_strict_json_valid);
  g_test_add_func ("/pokeapi/detail/duplicate-keys", test_detail_duplicate_keys);
  g_test_add_func ("/pokeapi/detail/escapes", test_detail_escapes);
  g_test_add_func ("/pokeapi/detail/bad-utf8", test_detail_bad_utf8);
  g_test_add_func ("/pokeapi/detail/huge-integers", test_detail_huge_integers);
  g_test_add_func ("/pokeapi/detail/depth-limit", test_detail_depth_limit);
  g_test_add_func ("/pokeapi/detail/mutations-small", test_detail_mutations_small);
  g_test_add_func ("/pokeapi/detail/mutations-real", test_detail_mutations_real);
  g_test_add_func ("/pokeapi/detail/compact-prefixes", test_detail_compact_prefixes);
  g_test_add_func ("/pokeapi/detail/perf", test_detail_perf);
  g_test_add_func ("/pokeapi/detail/threads", test_detail_threads);

  return g_test_run ();
}
