/* sg-window.h: the main window: header bar, search, grid, detail page, status pages, toasts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sg-downloader.h"

G_BEGIN_DECLS

#define SG_TYPE_WINDOW (sg_window_get_type ())

G_DECLARE_FINAL_TYPE (SgWindow, sg_window, SG, WINDOW, AdwApplicationWindow)

SgWindow     *sg_window_new            (GtkApplication *application,
                                        SgDownloader   *downloader,
                                        GSettings      *settings);
void          sg_window_start          (SgWindow       *self);
SgDownloader *sg_window_get_downloader (SgWindow       *self);

G_END_DECLS
