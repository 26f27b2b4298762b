/* sg-test-utils.c: what every test of the project needs the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "sg-test-utils.h"

/* A fresh folder under the temporary directory; the caller removes it with
 * sg_test_remove_tree(). */
char *
sg_test_make_tmp_dir (const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix);
  char *path = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return path;
}

/* Removes @path and all below it, following no symlink (tests plant some). */
void
sg_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          sg_test_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

/* Every PNG under @path, counted; following no symlink. */
guint
sg_test_count_pngs (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        n += sg_test_count_pngs (child);
      else if (g_str_has_suffix (name, ".png"))
        n++;
    }

  return n;
}

static gboolean
timeout_reached (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@condition is set. Bounded: a hang fails the
 * test instead of stalling CI. */
void
sg_test_iterate_until (gboolean *condition,
                       guint     seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_reached, &timed_out);

  while (!*condition && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Timed out after %u s", seconds);
  g_source_remove (id);
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds, checking it at least every
 * 50 ms (a condition may change without any source firing). Bounded: a
 * hang fails the test instead of stalling CI; the caller asserts the
 * result, so the failure points at its line. */
gboolean
sg_test_wait_until (guint            seconds,
                    SgTestCondition  condition,
                    gpointer         data,
                    const char      *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  guint wake_id = g_timeout_add (50, wake_up, NULL);
  gboolean met;

  while (!(met = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (wake_id);
  if (!met)
    g_test_message ("Timed out after %u s waiting for %s", seconds, what);

  return met;
}

/* Runs the main loop for @ms milliseconds: for what would arrive late. */
void
sg_test_wait (guint ms)
{
  gboolean waited = FALSE;

  g_timeout_add (ms, timeout_reached, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
}
