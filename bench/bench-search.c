/* bench-search.c: what one keystroke of the search costs, over 1302 items
 *
 * The grid's filter runs sg_search_query_matches() over every item's folded
 * name through a GtkFilterListModel, as the window does. This times the
 * whole refilter for a person typing and erasing a few queries, and prints
 * JSON for bench/run. A frame is 16.7 ms at 60 Hz.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "sg-pokemon.h"
#include "sg-search.h"

#define N_ITEMS 1302

static SgSearchQuery *current;

static gboolean
match_item (gpointer item,
            gpointer user_data)
{
  const char *folded = g_object_get_data (item, "folded");

  return sg_search_query_matches (current, sg_pokemon_get_id (item), folded);
}

int
main (int   argc,
      char *argv[])
{
  /* What people type, one keystroke at a time, then erase. */
  static const char * const words[] = { "pikachu", "#025", "mr-mime", "flabébé", "zz" };
  g_autoptr(GListStore) store = g_list_store_new (SG_TYPE_POKEMON);
  g_autoptr(GtkFilterListModel) model = NULL;
  GtkCustomFilter *filter;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  double max_ms = 0.0, total_ms = 0.0;

  for (guint i = 1; i <= N_ITEMS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u", i % 7 == 0 ? "flabébé" : "pokemon", i);
      g_autoptr(SgPokemon) item = sg_pokemon_new (i, name);

      g_object_set_data_full (G_OBJECT (item), "folded", sg_search_fold (name), g_free);
      g_list_store_append (store, item);
    }

  current = sg_search_query_new ("");
  filter = gtk_custom_filter_new (match_item, NULL, NULL);
  model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (store)), GTK_FILTER (filter));
  gtk_filter_list_model_set_incremental (model, FALSE);

  for (guint w = 0; w < G_N_ELEMENTS (words); w++)
    {
      gsize length = strlen (words[w]);

      /* Typing, then erasing: every prefix twice. */
      for (gsize step = 1; step <= 2 * length; step++)
        {
          gsize n = step <= length ? step : 2 * length - step;
          g_autofree char *text = g_strndup (words[w], n);
          SgSearchQuery *next = sg_search_query_new (text);
          SgSearchChange change = sg_search_query_compare (current, next);
          gint64 start;
          double ms;

          sg_search_query_free (current);
          current = next;
          start = g_get_monotonic_time ();
          gtk_filter_changed (GTK_FILTER (filter),
                              change == SG_SEARCH_CHANGE_MORE_STRICT ? GTK_FILTER_CHANGE_MORE_STRICT
                              : change == SG_SEARCH_CHANGE_LESS_STRICT ? GTK_FILTER_CHANGE_LESS_STRICT
                              : GTK_FILTER_CHANGE_DIFFERENT);
          /* Reading the count makes sure the model did its work. */
          (void) g_list_model_get_n_items (G_LIST_MODEL (model));
          ms = (g_get_monotonic_time () - start) / 1000.0;
          g_array_append_val (times, ms);
          max_ms = MAX (max_ms, ms);
          total_ms += ms;
        }
    }

  g_print ("{\"items\":%u,\"keystrokes\":%u,\"mean_ms\":%.3f,\"max_ms\":%.3f}\n",
           N_ITEMS, times->len, total_ms / times->len, max_ms);
  sg_search_query_free (current);

  return 0;
}
