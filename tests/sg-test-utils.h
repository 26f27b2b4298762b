/* sg-test-utils.h: what every test of the project needs the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gboolean (*SgTestCondition) (gpointer data);

char     *sg_test_make_tmp_dir  (const char      *prefix);
void      sg_test_remove_tree   (const char      *path);
guint     sg_test_count_pngs    (const char      *path);
void      sg_test_iterate_until (gboolean        *condition,
                                 guint            seconds);
gboolean  sg_test_wait_until    (guint            seconds,
                                 SgTestCondition  condition,
                                 gpointer         data,
                                 const char      *what);
void      sg_test_wait          (guint            ms);

G_END_DECLS
