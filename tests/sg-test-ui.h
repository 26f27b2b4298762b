/* sg-test-ui.h: what the tests with a display need the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sg-downloader.h"
#include "sg-fake-server.h"

G_BEGIN_DECLS

typedef gboolean (*SgTestWidgetMatch) (GtkWidget *widget, gconstpointer data);

/* When sg_test_ui_init() starts the private session bus. */
typedef enum {
  SG_TEST_BUS_WITH_DISPLAY,  /* every test needs a display: no bus without one */
  SG_TEST_BUS_ALWAYS,        /* some tests run without a display, and ask the bus */
} SgTestBus;

gboolean        sg_test_ui_init            (int        *argc,
                                            char     ***argv,
                                            SgTestBus   when);
GtkApplication *sg_test_ui_new_application (void);
void            sg_test_ui_shutdown        (void);

GPtrArray    *sg_test_find_all         (GtkWidget         *root,
                                        GType              type,
                                        SgTestWidgetMatch  match,
                                        gconstpointer      data);
GtkWidget    *sg_test_find_one         (GtkWidget         *root,
                                        GType              type,
                                        SgTestWidgetMatch  match,
                                        gconstpointer      data);
GtkWindow    *sg_test_find_toplevel    (GType              type,
                                        SgTestWidgetMatch  match,
                                        gconstpointer      data);
GtkWidget    *sg_test_find_row_widget  (GtkWidget         *root,
                                        GType              type,
                                        const char        *row_title);
gboolean      sg_test_label_contains   (GtkWidget         *widget,
                                        gconstpointer      data);
gboolean      sg_test_button_label_is  (GtkWidget         *widget,
                                        gconstpointer      data);
gboolean      sg_test_has_tooltip      (GtkWidget         *widget,
                                        gconstpointer      data);
gboolean      sg_test_widget_is_mapped (gpointer           widget);

/* A run of a downloader, for a test to wait for and check. */
typedef struct {
  gboolean  done;
  GError   *error;  /* (owned) (nullable) */
} SgTestRun;

SgDownloader *sg_test_downloader_new   (const char        *folder);
void          sg_test_run_start        (SgTestRun         *run,
                                        SgDownloader      *downloader);
gboolean      sg_test_run_is_done      (gpointer           run);
void          sg_test_serve            (SgFakeServer      *server,
                                        guint              port,
                                        SgDownloader      *downloader,
                                        guint              limit);

G_END_DECLS
