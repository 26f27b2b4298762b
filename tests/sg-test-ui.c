/* sg-test-ui.c: what the tests with a display need the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sg-test-ui.h"

/* Kept for the whole process on purpose: a file-level static, so
 * LeakSanitizer sees it as reachable. */
static GTestDBus *bus;

/* GTest, GTK and libadwaita for a test with a display; returns whether
 * there is one (without, each test skips).
 *
 * Not G_TEST_OPTION_ISOLATE_DIRS: it empties XDG_DATA_DIRS, and without
 * the shared MIME database and the icon theme GTK cannot load icons. The
 * download folder is a temporary folder of each test instead. */
gboolean
sg_test_ui_init (int        *argc,
                 char     ***argv,
                 SgTestBus   when)
{
  gboolean have_display;

  g_test_init (argc, argv, NULL);

  /* GTK's test accessibility backend: it records what the widgets tell
   * assistive technologies, and does not look for the accessibility bus
   * that the private session bus below lacks (a warning, fatal in tests). */
  g_setenv ("GTK_A11Y", "test", TRUE);

  have_display = gtk_init_check ();

  /* A private session bus, after GTK opened the display (it unsets
   * DISPLAY) and before libadwaita looks for the settings portal: no
   * desktop's portal, file manager or running instance is asked. */
  if (have_display || when == SG_TEST_BUS_ALWAYS)
    {
      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (bus);
    }

  if (have_display)
    adw_init ();

  return have_display;
}

/* The real id, so GtkApplication loads our help overlay and style.css;
 * non-unique, so no other instance gets our windows. */
GtkApplication *
sg_test_ui_new_application (void)
{
  g_autoptr(GError) error = NULL;
  GtkApplication *app = GTK_APPLICATION (adw_application_new (APP_ID, G_APPLICATION_NON_UNIQUE));

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  return app;
}

/* Stop, and no unref: down (which finalize calls) waits for the session
 * connection to be finalized, and GTK and libadwaita keep it until exit. */
void
sg_test_ui_shutdown (void)
{
  if (bus != NULL)
    g_test_dbus_stop (bus);
}

static void
collect (GtkWidget         *widget,
         GType              type,
         SgTestWidgetMatch  match,
         gconstpointer      data,
         GPtrArray         *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && (match == NULL || match (widget, data)))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, match, data, found);
}

/* Every descendant of @root (itself included) of @type that @match (if
 * any) accepts, depth first: what a test asserts on is what the user sees,
 * so it looks through the widget tree instead of at private fields. */
GPtrArray *
sg_test_find_all (GtkWidget         *root,
                  GType              type,
                  SgTestWidgetMatch  match,
                  gconstpointer      data)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (root, type, match, data, found);

  return found;
}

/* The first of sg_test_find_all(), or NULL. */
GtkWidget *
sg_test_find_one (GtkWidget         *root,
                  GType              type,
                  SgTestWidgetMatch  match,
                  gconstpointer      data)
{
  g_autoptr(GPtrArray) found = sg_test_find_all (root, type, match, data);

  return found->len > 0 ? g_ptr_array_index (found, 0) : NULL;
}

/* The first toplevel window of @type that @match (if any) accepts, or
 * NULL: dialogs are toplevels of their own, outside the tested widget. */
GtkWindow *
sg_test_find_toplevel (GType              type,
                       SgTestWidgetMatch  match,
                       gconstpointer      data)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) &&
          (match == NULL || match (GTK_WIDGET (window), data)))
        return window;  /* GTK keeps it, while it is open */
    }

  return NULL;
}

/* The preferences row whose title, without mnemonics, contains @row_title;
 * or, for another @type, the first such widget in it. */
GtkWidget *
sg_test_find_row_widget (GtkWidget  *root,
                         GType       type,
                         const char *row_title)
{
  g_autoptr(GPtrArray) rows = sg_test_find_all (root, ADW_TYPE_PREFERENCES_ROW, NULL, NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);
      g_auto(GStrv) parts = g_strsplit (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "_", -1);
      g_autofree char *title = g_strjoinv ("", parts);

      if (strstr (title, row_title) != NULL)
        return type == ADW_TYPE_PREFERENCES_ROW ? row : sg_test_find_one (row, type, NULL, NULL);
    }

  return NULL;
}

/* A SgTestWidgetMatch for a GtkLabel: its text contains @data. */
gboolean
sg_test_label_contains (GtkWidget     *widget,
                        gconstpointer  data)
{
  return strstr (gtk_label_get_label (GTK_LABEL (widget)), data) != NULL;
}

/* A SgTestWidgetMatch for a GtkButton: its label, mnemonic included, is @data. */
gboolean
sg_test_button_label_is (GtkWidget     *widget,
                         gconstpointer  data)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

/* A SgTestWidgetMatch: the widget's tooltip is @data. */
gboolean
sg_test_has_tooltip (GtkWidget     *widget,
                     gconstpointer  data)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), data) == 0;
}

/* A SgTestCondition on a widget. */
gboolean
sg_test_widget_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (GTK_WIDGET (widget));
}

/* A downloader into @folder whose timeouts are short, so that a test of a
 * failure ends in seconds, yet long enough for a loaded CI machine. */
SgDownloader *
sg_test_downloader_new (const char *folder)
{
  SgDownloader *downloader = sg_downloader_new ();

  g_object_set (downloader,
                "folder", folder,
                "deadline-ms", 4000,
                "io-timeout-ms", 1000,
                "backoff-ms", 20,
                NULL);

  return downloader;
}

static void
run_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  SgTestRun *run = user_data;

  sg_downloader_run_finish (SG_DOWNLOADER (source), result, &run->error);
  run->done = TRUE;
}

/* Starts a run of @downloader; @run, which must outlive it, says when it
 * is done and how. The caller clears @run->error. */
void
sg_test_run_start (SgTestRun    *run,
                   SgDownloader *downloader)
{
  run->done = FALSE;
  sg_downloader_run_async (downloader, NULL, run_cb, run);
}

/* A SgTestCondition on a SgTestRun. */
gboolean
sg_test_run_is_done (gpointer run)
{
  return ((SgTestRun *) run)->done;
}

/* Starts @server (configured with its faults or names) on @port, 0 for any,
 * and points @downloader at it for @limit Pokémon. */
void
sg_test_serve (SgFakeServer *server,
               guint         port,
               SgDownloader *downloader,
               guint         limit)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;

  g_assert_true (sg_fake_server_start (server, port, &error));
  g_assert_no_error (error);

  base_url = sg_fake_server_dup_base_url (server);
  g_object_set (downloader, "base-url", base_url, "limit", limit, NULL);
}
