/* test-search.c: what a search query matches (displayless)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sg-search.h"

static gboolean
query_matches (const char *text,
               guint       id,
               const char *name)
{
  g_autoptr(SgSearchQuery) query = sg_search_query_new (text);
  g_autofree char *folded_name = sg_search_fold (name);

  return sg_search_query_matches (query, id, folded_name);
}

static void
test_fold_case_and_accents (void)
{
  g_autofree char *null_folded = sg_search_fold (NULL);
  static const struct {
    const char *text;
    const char *folded;
  } cases[] = {
    { "Pikachu", "pikachu" },
    { "PIKACHU", "pikachu" },
    { "Flabébé", "flabebe" },
    /* Decomposed input folds the same as precomposed. */
    { "Flabe\xcc\x81" "be\xcc\x81", "flabebe" },
    { "Ÿveltal", "yveltal" },
    { "straße", "strasse" },
    { "İ", "i" },
    { "ﬁ", "fi" },
    { "Ｐｉｋａ", "pika" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folded = sg_search_fold (cases[i].text);

      g_assert_cmpstr (folded, ==, cases[i].folded);
    }

  g_assert_cmpstr (null_folded, ==, "");

}

static void
test_fold_punctuation (void)
{
  g_autofree char *a = sg_search_fold ("Mr. Mime");
  g_autofree char *b = sg_search_fold ("mr-mime");
  g_autofree char *c = sg_search_fold ("  mr   mime  ");
  g_autofree char *d = sg_search_fold ("Nidoran♀");
  g_autofree char *e = sg_search_fold ("porygon-z2");

  g_assert_cmpstr (a, ==, "mrmime");
  g_assert_cmpstr (b, ==, "mrmime");
  g_assert_cmpstr (c, ==, "mrmime");
  g_assert_cmpstr (d, ==, "nidoran");
  g_assert_cmpstr (e, ==, "porygonz2");
}

static void
test_match_name (void)
{
  g_assert_true (query_matches ("pika", 25, "pikachu"));
  g_assert_true (query_matches ("CHU", 25, "pikachu"));
  g_assert_true (query_matches ("Pikachu", 25, "pikachu"));
  g_assert_false (query_matches ("pikachus", 25, "pikachu"));
  g_assert_false (query_matches ("raichu", 25, "pikachu"));

  /* Accents on either side. */
  g_assert_true (query_matches ("flabebe", 669, "flabébé"));
  g_assert_true (query_matches ("FLABÉBÉ", 669, "flabebe"));
  g_assert_true (query_matches ("Flabébé", 669, "flabébé"));

  /* Punctuation and spaces do not count. */
  g_assert_true (query_matches ("mr mime", 122, "mr-mime"));
  g_assert_true (query_matches ("Mr. Mime", 122, "mr-mime"));
  g_assert_true (query_matches ("mime-jr", 439, "mime-jr"));
  g_assert_true (query_matches ("mimejr", 439, "mime-jr"));
}

static void
test_match_number (void)
{
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "pikachu" : NULL;

      g_assert_true (query_matches ("25", 25, name));
      g_assert_true (query_matches ("025", 25, name));
      g_assert_true (query_matches ("#025", 25, name));
      g_assert_true (query_matches ("#25", 25, name));
      g_assert_true (query_matches ("  #025 ", 25, name));
      g_assert_true (query_matches ("00000000000000000025", 25, name));
      g_assert_true (query_matches ("２５", 25, name));

      g_assert_false (query_matches ("2", 25, name));
      g_assert_false (query_matches ("250", 25, name));
      g_assert_false (query_matches ("#026", 25, name));
      g_assert_false (query_matches ("#0", 25, name));
    }

  /* Digits without "#" may be a part of a name; with "#" only a number. */
  g_assert_true (query_matches ("2", 233, "porygon2"));
  g_assert_false (query_matches ("#2", 233, "porygon2"));
  g_assert_true (query_matches ("#233", 233, "porygon2"));

  /* Number 0 is no Pokémon: an item of unknown number matches no number. */
  g_assert_false (query_matches ("0", 0, "pikachu"));
  g_assert_false (query_matches ("#000", 0, "pikachu"));

  /* Larger than any guint: a query, matching nothing by number. */
  g_assert_false (query_matches ("99999999999999999999999", 25, "pikachu"));
  g_assert_false (query_matches ("#4294967296", 0, "pikachu"));
  g_assert_true (query_matches ("4294967295", G_MAXUINT, "x"));
}

static void
test_match_empty (void)
{
  static const char * const empty[] = { "", "   ", "#", " # ", "-", "…", "\t\n", "♀" };

  for (guint i = 0; i < G_N_ELEMENTS (empty); i++)
    {
      g_autoptr(SgSearchQuery) query = sg_search_query_new (empty[i]);

      g_assert_true (sg_search_query_is_empty (query));
      g_assert_true (sg_search_query_matches (query, 1, "bulbasaur"));
      g_assert_true (sg_search_query_matches (query, 0, NULL));
    }

  {
    g_autoptr(SgSearchQuery) query = sg_search_query_new (NULL);

    g_assert_true (sg_search_query_is_empty (query));
  }
}

/* Whatever arrives from a paste or the network: no crash, the folded text
 * is valid UTF-8, and only its letters and digits count. */
static void
test_hostile (void)
{
  static const struct {
    const char *text;
    const char *folded;
  } hostile[] = {
    { "\xff\xfe\xfd", "" },                          /* not UTF-8 */
    { "pika\xc3", "pika" },                            /* a truncated sequence */
    { "\xe2\x80\xae" "uhcakip", "uhcakip" },           /* a right-to-left override */
    { "\xe2\x80\x8b", "" },                            /* a zero-width space */
    { "x\xcc\x81\xcc\x81\xcc\x81\xcc\x81", "x" },        /* a pile of combining marks */
    { "%s%n%x", "snx" },
    { "../../../etc/passwd", "etcpasswd" },
    { "\x1b[31mred\x1b[0m", "31mred0m" },
  };
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autoptr(SgSearchQuery) huge_query = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *folded = sg_search_fold (hostile[i].text);
      g_autoptr(SgSearchQuery) query = sg_search_query_new (hostile[i].text);

      g_assert_true (g_utf8_validate (folded, -1, NULL));
      g_assert_cmpstr (folded, ==, hostile[i].folded);
      g_assert_cmpint (sg_search_query_is_empty (query), ==, folded[0] == '\0');
      g_assert_cmpint (sg_search_query_matches (query, 25, "bulbasaur"), ==, folded[0] == '\0');
      /* A hostile name matches its own query. */
      g_assert_true (query_matches (hostile[i].text, 7, hostile[i].text));
    }

  for (guint i = 0; i < 100000; i++)
    g_string_append (huge, "é9");
  huge_query = sg_search_query_new (huge->str);
  g_assert_false (sg_search_query_is_empty (huge_query));
  g_assert_false (sg_search_query_matches (huge_query, 25, "pikachu"));
}

static void
test_compare (void)
{
  static const struct {
    const char     *old_text;
    const char     *new_text;
    SgSearchChange  change;
  } cases[] = {
    { "", "", SG_SEARCH_CHANGE_NONE },
    { "", "p", SG_SEARCH_CHANGE_MORE_STRICT },
    { "p", "pi", SG_SEARCH_CHANGE_MORE_STRICT },
    { "pi", "Pik", SG_SEARCH_CHANGE_MORE_STRICT },
    { "ika", "pikac", SG_SEARCH_CHANGE_MORE_STRICT },
    { "pik", "pi", SG_SEARCH_CHANGE_LESS_STRICT },
    { "pi", "", SG_SEARCH_CHANGE_LESS_STRICT },
    { "pik", "PIK", SG_SEARCH_CHANGE_NONE },
    { "pik", "pi-k", SG_SEARCH_CHANGE_NONE },
    { "pik", "char", SG_SEARCH_CHANGE_DIFFERENT },
    /* Numbers match by equality: neither narrower nor wider. */
    { "", "2", SG_SEARCH_CHANGE_MORE_STRICT },
    { "2", "25", SG_SEARCH_CHANGE_DIFFERENT },
    { "25", "2", SG_SEARCH_CHANGE_DIFFERENT },
    { "25", "#25", SG_SEARCH_CHANGE_DIFFERENT },
    { "25", "025", SG_SEARCH_CHANGE_DIFFERENT },
    { "#25", "", SG_SEARCH_CHANGE_LESS_STRICT },
    { "#", "#0", SG_SEARCH_CHANGE_MORE_STRICT },
    { "pika", "pika2", SG_SEARCH_CHANGE_MORE_STRICT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SgSearchQuery) old_query = sg_search_query_new (cases[i].old_text);
      g_autoptr(SgSearchQuery) new_query = sg_search_query_new (cases[i].new_text);

      g_test_message ("\"%s\" -> \"%s\"", cases[i].old_text, cases[i].new_text);
      g_assert_cmpint (sg_search_query_compare (old_query, new_query), ==, cases[i].change);
    }

  g_assert_cmpint (sg_search_query_compare (NULL, NULL), ==, SG_SEARCH_CHANGE_NONE);
}

/* The hint is a promise to GtkFilter: check it against the matches
 * themselves, over names and numbers that tell the cases apart. */
static void
test_compare_keeps_promise (void)
{
  static const char * const names[] = {
    "bulbasaur", "pikachu", "raichu", "porygon2", "mr-mime", "flabébé", "nidoran-f", "",
  };
  static const char * const queries[] = {
    "", "p", "pi", "pik", "chu", "ichu", "2", "25", "#2", "#25", "025", "0", "mime", "m",
    "é", "e", "#", "porygon2",
  };

  for (guint q1 = 0; q1 < G_N_ELEMENTS (queries); q1++)
    for (guint q2 = 0; q2 < G_N_ELEMENTS (queries); q2++)
      {
        g_autoptr(SgSearchQuery) old_query = sg_search_query_new (queries[q1]);
        g_autoptr(SgSearchQuery) new_query = sg_search_query_new (queries[q2]);
        SgSearchChange change = sg_search_query_compare (old_query, new_query);

        for (guint id = 0; id < 30; id++)
          for (guint n = 0; n < G_N_ELEMENTS (names); n++)
            {
              g_autofree char *folded = sg_search_fold (names[n]);
              gboolean was = sg_search_query_matches (old_query, id, folded);
              gboolean is = sg_search_query_matches (new_query, id, folded);

              if ((change == SG_SEARCH_CHANGE_NONE && was != is) ||
                  (change == SG_SEARCH_CHANGE_MORE_STRICT && is && !was) ||
                  (change == SG_SEARCH_CHANGE_LESS_STRICT && was && !is))
                g_error ("“%s” → “%s” (change %d) broke its promise on #%u “%s”",
                         queries[q1], queries[q2], change, id, names[n]);
            }
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/search/fold/case-and-accents", test_fold_case_and_accents);
  g_test_add_func ("/search/fold/punctuation", test_fold_punctuation);
  g_test_add_func ("/search/match/name", test_match_name);
  g_test_add_func ("/search/match/number", test_match_number);
  g_test_add_func ("/search/match/empty", test_match_empty);
  g_test_add_func ("/search/match/hostile", test_hostile);
  g_test_add_func ("/search/compare/hints", test_compare);
  g_test_add_func ("/search/compare/keeps-promise", test_compare_keeps_promise);

  return g_test_run ();
}
