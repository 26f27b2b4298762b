/* sg-options.h: the command line, parsed before GApplication sees it
 *
 * GApplication's own parser exits 1 on an unknown option; ours reports a
 * usage error, which the headless contract says is exit status 2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "sg-downloader.h"

G_BEGIN_DECLS

#define SG_EXIT_OK        0
#define SG_EXIT_FAILED    1   /* some item failed */
#define SG_EXIT_USAGE     2   /* bad option, unusable folder, no list */
#define SG_EXIT_CANCELLED 130 /* SIGINT, as a shell reports it */

typedef struct {
  char     *base_url;        /* (nullable): not given */
  gint      limit;           /* -1: not given */
  gint      workers;         /* -1: not given */
  char     *variant;         /* (nullable) */
  char     *output;          /* (nullable) */
  char     *stats_path;      /* (nullable) */
  gboolean  download_only;
  gboolean  quit_when_done;
  gboolean  version;
} SgOptions;

SgOptions *sg_options_parse                (int            argc,
                                            char         **argv,
                                            GError       **error);
void       sg_options_free                 (SgOptions     *options);
gboolean   sg_options_is_non_unique        (const SgOptions *options);
GSettings *sg_options_dup_settings         (void);
void       sg_options_configure_downloader (const SgOptions *options,
                                            GSettings     *settings,
                                            SgDownloader  *downloader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SgOptions, sg_options_free)

G_END_DECLS
