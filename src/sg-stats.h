/* sg-stats.h: the process clock, the main-loop stall probe, --stats JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sg-downloader.h"

G_BEGIN_DECLS

typedef struct {
  gint64  t_window_us;    /* monotonic; 0 when there is no window */
  gboolean has_probe;
  double  max_stall_ms;
  double  p99_stall_ms;
} SgGuiStats;

void     sg_stats_init_clock        (void);
gint64   sg_stats_get_process_start (void);
gint64   sg_stats_ms_since_start    (gint64            monotonic_us);
gsize    sg_stats_get_peak_rss_kb   (void);

void     sg_stall_probe_start       (void);
void     sg_stall_probe_stop        (void);
void     sg_stall_probe_get         (double           *max_ms,
                                     double           *p99_ms);

char    *sg_stats_to_json           (const SgRunStats *stats,
                                     const SgGuiStats *gui);
gboolean sg_stats_write             (const char       *path,
                                     const SgRunStats *stats,
                                     const SgGuiStats *gui,
                                     GError          **error);

G_END_DECLS
