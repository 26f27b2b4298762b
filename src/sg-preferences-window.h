/* sg-preferences-window.h: the settings of the next run, and the library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sg-downloader.h"

G_BEGIN_DECLS

#define SG_TYPE_PREFERENCES_WINDOW (sg_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SgPreferencesWindow, sg_preferences_window, SG, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *sg_preferences_window_new (GtkWindow    *parent,
                                      SgDownloader *downloader,
                                      GSettings    *settings);

G_END_DECLS
