/* sg-stats.c: the process clock, the main-loop stall probe, --stats JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "sg-stats.h"

static gint64 process_start_us;

/* Called first thing in main(): every time in --stats counts from here. */
void
sg_stats_init_clock (void)
{
  process_start_us = g_get_monotonic_time ();
}

gint64
sg_stats_get_process_start (void)
{
  return process_start_us;
}

gint64
sg_stats_ms_since_start (gint64 monotonic_us)
{
  return (monotonic_us - process_start_us + 500) / 1000;
}

/* VmHWM: the peak resident set size the kernel recorded. */
gsize
sg_stats_get_peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;
  guint64 kb = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;

  line = strstr (status, "VmHWM:");
  if (line != NULL)
    kb = g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);

  return (gsize) kb;
}

/* ── The stall probe ──────────────────────────────────────────────────────
 * A 1 ms timeout on the main context: how late each dispatch comes is how
 * long the loop was busy with something else. A healthy loop reads near 0;
 * this is not a frame interval. */

#define PROBE_INTERVAL_MS 1

static guint probe_source;
static gint64 probe_expected_us;
static GArray *probe_lateness_us;

static gboolean
probe_tick (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 late = MAX (0, now - probe_expected_us);

  g_array_append_val (probe_lateness_us, late);
  probe_expected_us = now + PROBE_INTERVAL_MS * 1000;

  return G_SOURCE_CONTINUE;
}

void
sg_stall_probe_start (void)
{
  if (probe_source != 0)
    return;

  if (probe_lateness_us == NULL)
    probe_lateness_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe_expected_us = g_get_monotonic_time () + PROBE_INTERVAL_MS * 1000;
  probe_source = g_timeout_add_full (G_PRIORITY_DEFAULT, PROBE_INTERVAL_MS, probe_tick, NULL, NULL);
  g_source_set_name_by_id (probe_source, "[sprite-gallery] stall probe");
}

void
sg_stall_probe_stop (void)
{
  g_clear_handle_id (&probe_source, g_source_remove);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

void
sg_stall_probe_get (double *max_ms,
                    double *p99_ms)
{
  g_autoptr(GArray) sorted = NULL;

  *max_ms = 0;
  *p99_ms = 0;
  if (probe_lateness_us == NULL || probe_lateness_us->len == 0)
    return;

  sorted = g_array_copy (probe_lateness_us);
  g_array_sort (sorted, compare_gint64);
  *max_ms = g_array_index (sorted, gint64, sorted->len - 1) / 1000.0;
  *p99_ms = g_array_index (sorted, gint64, (sorted->len - 1) * 99 / 100) / 1000.0;
}

/* ── JSON ─────────────────────────────────────────────────────────────── */

static void
append_time (GString    *json,
             const char *key,
             gint64      monotonic_us)
{
  if (monotonic_us == 0)
    g_string_append_printf (json, ",\"%s\":null", key);
  else
    g_string_append_printf (json, ",\"%s\":%" G_GINT64_FORMAT, key,
                            sg_stats_ms_since_start (monotonic_us));
}

char *
sg_stats_to_json (const SgRunStats *stats,
                  const SgGuiStats *gui)
{
  GString *json = g_string_new (NULL);
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (json,
                          "{\"requested\":%u,\"downloaded\":%u,\"stored\":%u,"
                          "\"missing\":%u,\"failed\":%u",
                          stats->requested, stats->downloaded, stats->stored,
                          stats->missing, stats->failed);
  append_time (json, "t_first_ms", stats->t_first_us);
  append_time (json, "t_all_ms", stats->t_end_us);
  g_string_append_printf (json, ",\"stored_shown\":%u", stats->stored_shown);
  append_time (json, "t_stored_ms", stats->t_stored_us);
  g_string_append_printf (json, ",\"not_modified\":%u,\"updated\":%u",
                          stats->not_modified, stats->updated);
  g_string_append_printf (json, ",\"requests\":%u,\"max_in_flight\":%u,\"rss_kb\":%" G_GSIZE_FORMAT,
                          stats->requests, stats->max_in_flight, sg_stats_get_peak_rss_kb ());

  if (gui != NULL)
    {
      append_time (json, "t_window_ms", gui->t_window_us);
      if (gui->has_probe)
        {
          g_string_append_printf (json, ",\"main_loop_max_stall_ms\":%s",
                                  g_ascii_formatd (number, sizeof number, "%.2f", gui->max_stall_ms));
          g_string_append_printf (json, ",\"main_loop_p99_stall_ms\":%s",
                                  g_ascii_formatd (number, sizeof number, "%.2f", gui->p99_stall_ms));
        }
    }

  g_string_append (json, "}\n");

  return g_string_free (json, FALSE);
}

gboolean
sg_stats_write (const char       *path,
                const SgRunStats *stats,
                const SgGuiStats *gui,
                GError          **error)
{
  g_autofree char *json = sg_stats_to_json (stats, gui);

  /* Atomic, so a reader polling for the file never sees half of it. */
  return g_file_set_contents (path, json, -1, error);
}
