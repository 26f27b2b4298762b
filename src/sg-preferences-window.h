/* sg-preferences-window.h: the settings of the next run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SG_TYPE_PREFERENCES_WINDOW (sg_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SgPreferencesWindow, sg_preferences_window, SG, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWindow *sg_preferences_window_new (GtkWindow *parent,
                                      GSettings *settings);

G_END_DECLS
