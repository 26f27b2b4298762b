/* test-preferences.c: the preferences window: its keys, and the library
 *
 * Needs a display (run under xvfb-run); every test skips without one, or
 * without the compiled schema (GSETTINGS_SCHEMA_DIR). The settings live in
 * the memory backend (GSETTINGS_BACKEND=memory).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sg-downloader.h"
#include "sg-fake-server.h"
#include "sg-preferences-window.h"
#include "sg-test-ui.h"
#include "sg-test-utils.h"

#define WAIT_SECONDS 60

static gboolean   have_display;

/* ── The fixture: settings, a downloader after a run, the window ────────── */

typedef struct {
  gboolean      skip;
  GSettings    *settings;
  char         *folder;
  SgFakeServer *server;
  SgDownloader *downloader;
  GtkWindow    *window;
  SgTestRun     run;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  if (!have_display)
    {
      g_test_skip ("No display");
      f->skip = TRUE;
      return;
    }
  if (source == NULL || !(schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)))
    {
      g_test_skip ("No compiled schema (GSETTINGS_SCHEMA_DIR)");
      f->skip = TRUE;
      return;
    }

  f->settings = g_settings_new (APP_ID);
  /* The memory backend lives as long as the process: start each test
   * from the defaults. */
  g_settings_reset (f->settings, "limit");
  g_settings_reset (f->settings, "base-url");
  g_settings_reset (f->settings, "output-dir");

  f->folder = sg_test_make_tmp_dir ("sg-test-preferences");
  f->downloader = sg_test_downloader_new (f->folder);
}

static void
fixture_serve (Fixture *f,
               guint    count,
               guint    latency_ms)
{
  f->server = sg_fake_server_new (count, latency_ms);
  sg_test_serve (f->server, 0, f->downloader, 0);
}

static void
fixture_start_run (Fixture *f)
{
  sg_test_run_start (&f->run, f->downloader);
}

static void
fixture_run (Fixture *f,
             guint    count)
{
  fixture_serve (f, count, 0);
  fixture_start_run (f);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, sg_test_run_is_done, &f->run, "the end of the run"));
  g_assert_no_error (f->run.error);
}

static void
fixture_open (Fixture *f)
{
  f->window = sg_preferences_window_new (NULL, f->downloader, f->settings);
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  if (f->downloader != NULL && !f->run.done && sg_downloader_is_running (f->downloader))
    g_assert_true (sg_test_wait_until (WAIT_SECONDS, sg_test_run_is_done, &f->run, "the run to end"));
  g_clear_error (&f->run.error);
  g_clear_object (&f->downloader);
  g_clear_pointer (&f->server, sg_fake_server_free);
  g_clear_object (&f->settings);
  if (f->folder != NULL)
    sg_test_remove_tree (f->folder);
  g_clear_pointer (&f->folder, g_free);
}

/* ── Tests ─────────────────────────────────────────────────────────────── */

static void
test_limit (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *all_switch;
  GtkWidget *limit_spin;
  GtkWidget *limit_row;

  if (f->skip)
    return;

  fixture_run (f, 7);
  g_settings_set_int (f->settings, "limit", 5);
  fixture_open (f);

  all_switch = sg_test_find_row_widget (GTK_WIDGET (f->window), GTK_TYPE_SWITCH, "All");
  limit_spin = sg_test_find_row_widget (GTK_WIDGET (f->window), GTK_TYPE_SPIN_BUTTON, "Pokémon to Download");
  limit_row = sg_test_find_row_widget (GTK_WIDGET (f->window), ADW_TYPE_PREFERENCES_ROW, "Pokémon to Download");
  g_assert_nonnull (all_switch);
  g_assert_nonnull (limit_spin);

  /* Up to what the server has. */
  g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (limit_spin))),
                     ==, 7);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (limit_spin)), ==, 5);

  /* "All" is limit 0; off again, the number comes back. */
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (all_switch)));
  gtk_switch_set_active (GTK_SWITCH (all_switch), TRUE);
  g_assert_cmpint (g_settings_get_int (f->settings, "limit"), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (limit_row));
  gtk_switch_set_active (GTK_SWITCH (all_switch), FALSE);
  g_assert_cmpint (g_settings_get_int (f->settings, "limit"), ==, 5);
  g_assert_true (gtk_widget_get_sensitive (limit_row));

  /* And the other way round. */
  g_settings_set_int (f->settings, "limit", 0);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (all_switch)));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (limit_spin), 3);
  g_settings_set_int (f->settings, "limit", 3);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (all_switch)));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (limit_spin), 6);
  g_assert_cmpint (g_settings_get_int (f->settings, "limit"), ==, 6);
}

static void
test_variant (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *variant = NULL;
  GtkWidget *variant_row;
  GListModel *model;

  if (f->skip)
    return;

  fixture_open (f);
  variant_row = sg_test_find_row_widget (GTK_WIDGET (f->window), ADW_TYPE_PREFERENCES_ROW, "Sprite");
  g_assert_true (ADW_IS_COMBO_ROW (variant_row));

  /* The grid's five, not the female forms only the detail view shows. */
  model = adw_combo_row_get_model (ADW_COMBO_ROW (variant_row));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 1), ==, "Front, Shiny");

  adw_combo_row_set_selected (ADW_COMBO_ROW (variant_row), 4);
  variant = g_settings_get_string (f->settings, "variant");
  g_assert_cmpstr (variant, ==, "official-artwork");
  g_settings_set_string (f->settings, "variant", "back_shiny");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (variant_row)), ==, 3);
  g_settings_reset (f->settings, "variant");
}

static void
test_server_reset (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *base_url = NULL;
  GtkWidget *server_row;
  GtkWidget *reset;

  if (f->skip)
    return;

  fixture_open (f);
  server_row = sg_test_find_row_widget (GTK_WIDGET (f->window), ADW_TYPE_PREFERENCES_ROW, "Server");
  g_assert_true (ADW_IS_ENTRY_ROW (server_row));
  reset = sg_test_find_one (server_row, GTK_TYPE_BUTTON, sg_test_has_tooltip, "Reset to Default");
  g_assert_nonnull (reset);
  g_assert_false (gtk_widget_get_sensitive (reset));

  gtk_editable_set_text (GTK_EDITABLE (server_row), "http://127.0.0.1:8000/api/v2");
  g_signal_emit_by_name (server_row, "apply");
  base_url = g_settings_get_string (f->settings, "base-url");
  g_assert_cmpstr (base_url, ==, "http://127.0.0.1:8000/api/v2/");
  g_assert_true (gtk_widget_get_sensitive (reset));
  g_clear_pointer (&base_url, g_free);

  g_signal_emit_by_name (reset, "clicked");
  base_url = g_settings_get_string (f->settings, "base-url");
  g_assert_cmpstr (base_url, ==, SG_DEFAULT_BASE_URL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, SG_DEFAULT_BASE_URL);
  g_assert_false (gtk_widget_get_sensitive (reset));
}

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *default_folder = sg_downloader_dup_default_folder ();
  GtkWidget *folder_row;
  GtkWidget *reset;

  if (f->skip)
    return;

  fixture_open (f);
  folder_row = sg_test_find_row_widget (GTK_WIDGET (f->window), ADW_TYPE_PREFERENCES_ROW, "Download Folder");
  g_assert_nonnull (folder_row);
  reset = sg_test_find_one (folder_row, GTK_TYPE_BUTTON, sg_test_has_tooltip, "Reset to Default");
  g_assert_nonnull (reset);

  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (folder_row)), ==, default_folder);
  g_assert_false (gtk_widget_get_visible (reset));

  g_settings_set_string (f->settings, "output-dir", f->folder);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (folder_row)), ==, f->folder);
  g_assert_true (gtk_widget_get_visible (reset));

  g_signal_emit_by_name (reset, "clicked");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (folder_row)), ==, default_folder);
  g_assert_false (gtk_widget_get_visible (reset));
}

static gboolean
usage_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (args[0])), args[1]) == 0;
}

static gboolean
is_visible (GtkWidget     *widget,
            gconstpointer  data)
{
  return gtk_widget_get_visible (widget);
}

static gboolean
dialog_is_open (gpointer data)
{
  GtkWindow *window = sg_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, is_visible, NULL);

  if (window == NULL)
    return FALSE;

  *(AdwMessageDialog **) data = ADW_MESSAGE_DIALOG (window);
  return TRUE;
}

static gboolean
dialog_is_gone (gpointer data)
{
  AdwMessageDialog *dialog = NULL;

  return !dialog_is_open (&dialog);
}

typedef struct {
  guint64  bytes;
  guint    n_files;
  gboolean done;
} Measure;

static void
measure_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Measure *measure = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sg_downloader_measure_library_finish (SG_DOWNLOADER (source), result,
                                                       &measure->bytes, &measure->n_files,
                                                       &error));
  g_assert_no_error (error);
  measure->done = TRUE;
}

static gboolean
measure_is_done (gpointer data)
{
  return ((Measure *) data)->done;
}

static AdwMessageDialog *
click_clear (GtkWidget *window)
{
  AdwMessageDialog *dialog = NULL;
  GtkWidget *clear = sg_test_find_one (window, GTK_TYPE_BUTTON, sg_test_button_label_is, "_Clear Library…");

  g_assert_nonnull (clear);
  g_assert_true (gtk_widget_get_sensitive (clear));
  g_signal_emit_by_name (clear, "clicked");
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, dialog_is_open, &dialog, "the confirmation"));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (adw_message_dialog_has_response (dialog, "clear"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "clear"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  /* Enter must not destroy anything. */
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");

  return dialog;
}

/* As the user does it: the dialog's button, which also closes it. */
static void
respond (AdwMessageDialog *dialog,
         const char       *label)
{
  GtkWidget *button = sg_test_find_one (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, sg_test_button_label_is, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static void
test_library_usage_and_clear (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *size = NULL;
  g_autofree char *expected = NULL;
  gpointer args[2];
  AdwMessageDialog *dialog;
  GtkWidget *usage_row;
  Measure measure = { 0 };
  guint64 sprite_bytes = 0;
  GStatBuf st;

  if (f->skip)
    return;

  fixture_run (f, 5);
  g_assert_cmpuint (sg_test_count_pngs (f->folder), ==, 5);
  fixture_open (f);

  usage_row = sg_test_find_row_widget (GTK_WIDGET (f->window), ADW_TYPE_PREFERENCES_ROW, "Library");
  g_assert_nonnull (usage_row);

  /* The five sprites (and the index), as the downloader measures them. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (sg_downloader_get_items (f->downloader), i);

      g_assert_cmpint (g_stat (sg_pokemon_get_path (item), &st), ==, 0);
      sprite_bytes += st.st_size;
    }
  sg_downloader_measure_library_async (f->downloader, NULL, measure_cb, &measure);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, measure_is_done, &measure, "the measure"));
  g_assert_cmpuint (measure.n_files, ==, 5);
  g_assert_cmpuint (measure.bytes, >=, sprite_bytes);

  size = g_format_size (measure.bytes);
  expected = g_strdup_printf ("%s in 5 files", size);
  args[0] = usage_row;
  args[1] = expected;
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, usage_is, args, "the library's size"));

  /* Cancel: nothing goes. */
  dialog = click_clear (GTK_WIDGET (f->window));
  respond (dialog, "_Cancel");
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, dialog_is_gone, NULL, "the confirmation to close"));
  g_assert_cmpuint (sg_test_count_pngs (f->folder), ==, 5);

  /* Clear: the files, and the items, go. */
  dialog = click_clear (GTK_WIDGET (f->window));
  respond (dialog, "_Clear");
  args[1] = (gpointer) "Empty";
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, usage_is, args, "the library to be empty"));
  g_assert_cmpuint (sg_test_count_pngs (f->folder), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (sg_downloader_get_items (f->downloader)), ==, 0);
}

static void
test_library_busy (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *clear;

  if (f->skip)
    return;

  /* Slow enough that the run is still going while we look. */
  fixture_serve (f, 6, 400);
  g_object_set (f->downloader, "workers", 1, NULL);
  fixture_open (f);
  clear = sg_test_find_one (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, sg_test_button_label_is, "_Clear Library…");
  g_assert_nonnull (clear);
  g_assert_true (gtk_widget_get_sensitive (clear));

  fixture_start_run (f);
  g_assert_true (sg_downloader_is_running (f->downloader));
  g_assert_false (gtk_widget_get_sensitive (clear));
  g_assert_nonnull (gtk_widget_get_tooltip_text (clear));

  g_assert_true (sg_test_wait_until (WAIT_SECONDS, sg_test_run_is_done, &f->run, "the end of the run"));
  g_assert_true (gtk_widget_get_sensitive (clear));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  have_display = sg_test_ui_init (&argc, &argv, SG_TEST_BUS_ALWAYS);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/preferences/limit/all-and-server-count", test_limit);
  ADD ("/preferences/variant", test_variant);
  ADD ("/preferences/server/reset", test_server_reset);
  ADD ("/preferences/folder/reset", test_folder);
  ADD ("/preferences/library/usage-and-clear", test_library_usage_and_clear);
  ADD ("/preferences/library/busy", test_library_busy);
#undef ADD

  ret = g_test_run ();

  sg_test_ui_shutdown ();

  return ret;
}
