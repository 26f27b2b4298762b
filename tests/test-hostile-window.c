/* test-hostile-window.c: the window against a server with every hostile fault at once
 *
 * One run of the real window against the fake server with all the fault
 * classes of test-hostile.c mixed among good items: the main loop keeps
 * iterating while requests hang, good tiles show their sprites, failed ones
 * say why in their tooltip, and nothing is written outside the download
 * folder. Needs a display (run under xvfb-run); skips without one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "sg-downloader.h"
#include "sg-fake-server.h"
#include "sg-pokemon.h"
#include "sg-sprite-cell.h"
#include "sg-sprite-picture.h"
#include "sg-test-ui.h"
#include "sg-test-utils.h"
#include "sg-window.h"

/* ASan's shadow memory and quarantine are not the app's: no RSS bound there. */
#if defined(__SANITIZE_ADDRESS__)
# define SANITIZED 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define SANITIZED 1
# endif
#endif
#ifndef SANITIZED
# define SANITIZED 0
#endif

#define WAIT_SECONDS 120
#define N_ITEMS      48
#define MAX_RSS_KB   (300 * 1024)
#define HEARTBEAT_MS 100
/* Long enough for a few frames: allocation, mapping of grid rows. */
#define SETTLE_MS    300

static gboolean        have_display;
static GtkApplication *app;

typedef enum {
  EXPECT_DOWNLOADED,
  EXPECT_MISSING,
  EXPECT_FAILED,
} Expect;

/* Every fault class, on its own id; the ids between are good. */
static const struct {
  guint       id;
  SgFakeFault fault;
  Expect      expect;
} faults[] = {
  { 2, SG_FAKE_FAULT_HUGE_LENGTH, EXPECT_FAILED },
  { 4, SG_FAKE_FAULT_ENDLESS, EXPECT_FAILED },
  { 6, SG_FAKE_FAULT_GZIP_BOMB, EXPECT_FAILED },
  { 8, SG_FAKE_FAULT_HUGE_PNG, EXPECT_FAILED },
  { 10, SG_FAKE_FAULT_TRUNCATED_PNG, EXPECT_FAILED },
  { 12, SG_FAKE_FAULT_NOT_PNG, EXPECT_FAILED },
  { 14, SG_FAKE_FAULT_EMPTY_BODY, EXPECT_FAILED },
  { 16, SG_FAKE_FAULT_INVALID_JSON, EXPECT_FAILED },
  { 18, SG_FAKE_FAULT_WRONG_TYPES, EXPECT_FAILED },
  { 20, SG_FAKE_FAULT_MISSING_KEYS, EXPECT_FAILED },
  { 22, SG_FAKE_FAULT_SPRITES_NULL, EXPECT_FAILED },
  { 24, SG_FAKE_FAULT_LIST_FILE_URL, EXPECT_FAILED },
  { 26, SG_FAKE_FAULT_FILE_URL, EXPECT_FAILED },
  { 28, SG_FAKE_FAULT_DATA_URL, EXPECT_FAILED },
  { 30, SG_FAKE_FAULT_REDIRECT_FILE, EXPECT_FAILED },
  { 32, SG_FAKE_FAULT_REDIRECT_DATA, EXPECT_FAILED },
  { 34, SG_FAKE_FAULT_REDIRECT_LOOP, EXPECT_FAILED },
  { 36, SG_FAKE_FAULT_SLOW_DRIP, EXPECT_FAILED },
  { 38, SG_FAKE_FAULT_RESET_ALWAYS, EXPECT_FAILED },
  { 40, SG_FAKE_FAULT_STALL, EXPECT_FAILED },
  { 42, SG_FAKE_FAULT_RATE_LIMITED, EXPECT_FAILED },
  { 44, SG_FAKE_FAULT_NOT_FOUND, EXPECT_FAILED },
  /* Faults that a retry, a redirect or a sanitised name get past. */
  { 3, SG_FAKE_FAULT_REDIRECT_CHAIN, EXPECT_DOWNLOADED },
  { 5, SG_FAKE_FAULT_RESET, EXPECT_DOWNLOADED },
  { 7, SG_FAKE_FAULT_SERVICE_UNAVAILABLE, EXPECT_DOWNLOADED },
  { 9, SG_FAKE_FAULT_TOO_MANY_REQUESTS, EXPECT_DOWNLOADED },
  { 11, SG_FAKE_FAULT_NAME_NUL, EXPECT_DOWNLOADED },
  { 13, SG_FAKE_FAULT_NULL_SPRITE, EXPECT_MISSING },
};

static const struct {
  guint       id;
  const char *name;
} names[] = {
  { 15, "../../../escape" },
  { 17, "\xe2\x80\xae" "gnp.exe" },
  { 19, "tab\there\x1b[0m" },
  { 21, ".hidden" },
  { 23, "-rf" },
};

static Expect
expected (guint id)
{
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    if (faults[i].id == id)
      return faults[i].expect;

  return EXPECT_DOWNLOADED;
}

/* ── Helpers ───────────────────────────────────────────────────────────── */

static gboolean
is_main_stack (GtkWidget *widget)
{
  return gtk_stack_get_child_by_name (GTK_STACK (widget), "grid") != NULL;
}

static const char *
visible_page (GtkWidget *window)
{
  g_autoptr(GPtrArray) stacks = sg_test_find_all (window, GTK_TYPE_STACK, NULL, NULL);

  for (guint i = 0; i < stacks->len; i++)
    if (is_main_stack (g_ptr_array_index (stacks, i)))
      return gtk_stack_get_visible_child_name (g_ptr_array_index (stacks, i));

  g_assert_not_reached ();
  return NULL;
}

static gsize
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return 0;

  return (gsize) g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);
}

/* ── The test ──────────────────────────────────────────────────────────── */

typedef struct {
  char         *parent;
  char         *folder;
  SgFakeServer *server;
  SgDownloader *downloader;
  SgWindow     *window;
  gboolean      run_finished;
  guint         ticks;            /* heartbeats during the run */
  guint         ticks_while_hung; /* … while the server held requests open */
  guint         heartbeat_id;
} Fixture;

static void
on_run_finished (SgDownloader *downloader,
                 GError       *error,
                 Fixture      *f)
{
  f->run_finished = TRUE;
}

/* Runs on the main loop: it fires only if nothing blocks the loop. */
static gboolean
heartbeat (gpointer data)
{
  Fixture *f = data;

  if (!sg_downloader_is_running (f->downloader))
    return G_SOURCE_CONTINUE;

  f->ticks++;
  if (sg_fake_server_get_in_flight (f->server) > 0)
    f->ticks_while_hung++;

  return G_SOURCE_CONTINUE;
}

static gboolean
run_is_over (gpointer data)
{
  Fixture *f = data;

  return f->run_finished && !sg_downloader_is_running (f->downloader);
}

static gboolean
downloader_idle (gpointer data)
{
  return !sg_downloader_is_running (SG_DOWNLOADER (data));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!have_display)
    return;

  f->parent = sg_test_make_tmp_dir ("sg-hostile-window");
  f->folder = g_build_filename (f->parent, "sprites", NULL);
  f->downloader = sg_test_downloader_new (f->folder);
  g_object_set (f->downloader,
                "decode-textures", TRUE,
                "workers", 8,
                /* The slow drip needs an I/O timeout above its one second
                 * a byte; the deadline ends it and the stall, and leaves
                 * room for the retries that the host-wide back-off of the
                 * 429s (Retry-After: 2) delays, with room to spare on a loaded
                 * machine. */
                "deadline-ms", 15000,
                "io-timeout-ms", 2000,
                "backoff-ms", 20,
                NULL);
  g_signal_connect (f->downloader, "run-finished", G_CALLBACK (on_run_finished), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (!have_display)
    return;

  g_clear_handle_id (&f->heartbeat_id, g_source_remove);
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, downloader_idle, f->downloader, "the run to end"));
  g_clear_object (&f->downloader);
  g_clear_pointer (&f->server, sg_fake_server_free);
  sg_test_remove_tree (f->parent);
  g_free (f->folder);
  g_free (f->parent);
}

static void
serve (Fixture *f,
       guint    count)
{
  sg_test_serve (f->server, 0, f->downloader, count);
}

static void
open_window (Fixture *f)
{
  f->window = sg_window_new (app, f->downloader, NULL);
  /* Big enough that every tile of the run has a cell. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1260, 1000);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
assert_reason_readable (const char *reason)
{
  g_assert_nonnull (reason);
  g_assert_true (g_utf8_validate (reason, -1, NULL));
  g_assert_cmpuint (strlen (reason), >, 10);
  g_assert_cmpuint (strlen (reason), <, 400);
  for (const char *p = reason; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
}

static void
test_all_faults (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) cells = NULL;
  g_autoptr(GDir) parent = NULL;
  GListModel *items;
  guint n_failed_cells = 0;
  guint n_good_cells = 0;
  const char *entry;

  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  f->server = sg_fake_server_new (N_ITEMS, 0);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    sg_fake_server_add_fault (f->server, faults[i].fault, faults[i].id);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    sg_fake_server_set_name (f->server, names[i].id, names[i].name);
  serve (f, N_ITEMS);

  open_window (f);
  f->heartbeat_id = g_timeout_add (HEARTBEAT_MS, heartbeat, f);
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, run_is_over, f, "the end of the run"));
  sg_test_wait (SETTLE_MS);

  /* The loop kept turning while stalled, dripping and rate-limited
   * requests hung for seconds (each of them holds a request open for 2 s
   * or more; a loop blocked by them would not have ticked at all). */
  g_test_message ("%u heartbeats, %u of them while the server held requests open",
                  f->ticks, f->ticks_while_hung);
  g_assert_cmpuint (f->ticks_while_hung, >=, 10);

  g_assert_cmpstr (visible_page (GTK_WIDGET (f->window)), ==, "grid");

  items = sg_downloader_get_items (f->downloader);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, N_ITEMS);
  for (guint i = 0; i < N_ITEMS; i++)
    {
      g_autoptr(SgPokemon) item = g_list_model_get_item (items, i);

      if (sg_pokemon_get_reason (item) != NULL)
        g_test_message ("#%u: %s", i + 1, sg_pokemon_get_reason (item));

      switch (expected (i + 1))
        {
        case EXPECT_DOWNLOADED:
          g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_DOWNLOADED);
          g_assert_nonnull (sg_pokemon_get_texture (item));
          break;

        case EXPECT_MISSING:
          g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_MISSING);
          break;

        case EXPECT_FAILED:
        default:
          g_assert_cmpint (sg_pokemon_get_state (item), ==, SG_ITEM_STATE_FAILED);
          assert_reason_readable (sg_pokemon_get_reason (item));
          g_assert_null (sg_pokemon_get_texture (item));
          break;
        }
    }

  /* What the user sees: a failed tile says why where the pointer finds
   * it, a good one shows its sprite. */
  cells = sg_test_find_all (GTK_WIDGET (f->window), SG_TYPE_SPRITE_CELL, NULL, NULL);
  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *cell = g_ptr_array_index (cells, i);
      SgPokemon *item = sg_sprite_cell_get_item (SG_SPRITE_CELL (cell));
      g_autoptr(GPtrArray) pictures = sg_test_find_all (cell, SG_TYPE_SPRITE_PICTURE, NULL, NULL);
      GdkTexture *texture;

      if (item == NULL)
        continue;

      g_assert_cmpuint (pictures->len, ==, 1);
      texture = sg_sprite_picture_get_texture (g_ptr_array_index (pictures, 0));
      if (sg_pokemon_get_state (item) == SG_ITEM_STATE_FAILED)
        {
          g_assert_cmpstr (gtk_widget_get_tooltip_text (cell), ==, sg_pokemon_get_reason (item));
          g_assert_true (gtk_widget_has_css_class (cell, "failed"));
          g_assert_null (texture);
          n_failed_cells++;
        }
      else if (sg_pokemon_get_state (item) == SG_ITEM_STATE_DOWNLOADED)
        {
          g_assert_nonnull (texture);
          g_assert_true (texture == sg_pokemon_get_texture (item));
          n_good_cells++;
        }
    }
  g_test_message ("%u failed and %u good tiles checked", n_failed_cells, n_good_cells);
  g_assert_cmpuint (n_failed_cells, >, 0);
  g_assert_cmpuint (n_good_cells, >, 0);

  /* Nothing outside the download folder. */
  parent = g_dir_open (f->parent, 0, NULL);
  while ((entry = g_dir_read_name (parent)) != NULL)
    g_assert_cmpstr (entry, ==, "sprites");

  g_test_message ("peak RSS %" G_GSIZE_FORMAT " kB", peak_rss_kb ());
#if !SANITIZED
  g_assert_cmpuint (peak_rss_kb (), <, MAX_RSS_KB);
#endif
}

static gboolean
list_failed (gpointer data)
{
  Fixture *f = data;

  return f->run_finished && g_strcmp0 (visible_page (GTK_WIDGET (f->window)), "error") == 0;
}

static gboolean
label_has_text (GtkWidget  *root,
                const char *text)
{
  g_autoptr(GPtrArray) labels = sg_test_find_all (root, GTK_TYPE_LABEL, NULL, NULL);

  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);

      if (gtk_widget_is_drawable (label) &&
          strstr (gtk_label_get_label (GTK_LABEL (label)), text) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* A list that is not a list: the error page says what was wrong with it. */
static void
test_bad_list (Fixture       *f,
               gconstpointer  data)
{
  if (!have_display)
    {
      g_test_skip ("No display");
      return;
    }

  f->server = sg_fake_server_new (N_ITEMS, 0);
  sg_fake_server_add_fault (f->server, SG_FAKE_FAULT_LIST_NO_RESULTS, 1);
  serve (f, N_ITEMS);

  open_window (f);
  sg_window_start (f->window);
  g_assert_true (sg_test_wait_until (WAIT_SECONDS, list_failed, f, "the error page"));
  sg_test_wait (SETTLE_MS);
  g_assert_true (label_has_text (GTK_WIDGET (f->window), "results"));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  have_display = sg_test_ui_init (&argc, &argv, SG_TEST_BUS_WITH_DISPLAY);
  if (have_display)
    app = sg_test_ui_new_application ();

  g_test_add ("/hostile-window/all-faults", Fixture, NULL, fixture_setup, test_all_faults,
              fixture_teardown);
  g_test_add ("/hostile-window/list-without-results", Fixture, NULL, fixture_setup,
              test_bad_list, fixture_teardown);

  ret = g_test_run ();

  g_clear_object (&app);
  sg_test_ui_shutdown ();

  return ret;
}
