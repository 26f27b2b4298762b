/* sg-headless.c: `--download-only`: no display, a summary, an exit status
 *
 * Exit status: 0 when every item ended downloaded, stored or missing; 1 when
 * any failed; 2 when the folder is unusable or the list could not be had;
 * 130 after SIGINT (143 after SIGTERM), once the run is cleanly cancelled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-headless"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "sg-headless.h"
#include "sg-pokemon.h"
#include "sg-stats.h"

typedef struct {
  GMainLoop       *loop;
  SgDownloader    *downloader;
  GCancellable    *cancellable;
  const SgOptions *options;
  gboolean         tty;
  guint            last_decile;
  int              signal_status;   /* 0, or the status a signal asks for */
  int              status;
} Headless;

static gboolean
on_signal (gpointer user_data,
           int      status)
{
  Headless *headless = user_data;

  if (headless->signal_status == 0)
    {
      headless->signal_status = status;
      g_printerr ("\n%s\n", _("Stopping…"));
      g_cancellable_cancel (headless->cancellable);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  return on_signal (user_data, SG_EXIT_CANCELLED);
}

static gboolean
on_sigterm (gpointer user_data)
{
  return on_signal (user_data, 128 + SIGTERM);
}

static void
on_item_finished (SgDownloader *downloader,
                  SgPokemon    *item,
                  Headless     *headless)
{
  guint done = sg_downloader_get_n_finished (downloader);
  guint total = sg_downloader_get_stats (downloader)->requested;

  if (sg_pokemon_get_state (item) == SG_ITEM_STATE_FAILED)
    {
      if (headless->tty)
        g_printerr ("\r\033[K");
      /* Translators: #number name: reason */
      g_printerr (_("#%04u %s failed: %s\n"), sg_pokemon_get_id (item),
                  sg_pokemon_get_name (item), sg_pokemon_get_reason (item));
    }

  if (headless->tty)
    {
      g_printerr ("\r\033[K");
      /* Translators: progress, e.g. "37 of 100" */
      g_printerr (C_("progress", "%u of %u"), done, total);
    }
  else if (total > 0 && done * 10 / total > headless->last_decile)
    {
      headless->last_decile = done * 10 / total;
      g_printerr (C_("progress", "%u of %u"), done, total);
      g_printerr ("\n");
    }
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Headless *headless = user_data;
  const SgRunStats *stats = sg_downloader_get_stats (headless->downloader);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = sg_downloader_run_finish (headless->downloader, result, &error);

  if (headless->tty)
    g_printerr ("\r\033[K");

  if (headless->options->stats_path != NULL)
    {
      g_autoptr(GError) stats_error = NULL;

      if (!sg_stats_write (headless->options->stats_path, stats, NULL, &stats_error))
        g_printerr (_("Could not write the statistics: %s\n"), stats_error->message);
    }

  if (!ok && headless->signal_status != 0)
    headless->status = headless->signal_status;
  else if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    headless->status = SG_EXIT_CANCELLED;
  else if (!ok)
    {
      g_printerr ("%s\n", error->message);
      headless->status = SG_EXIT_USAGE;
    }
  else
    headless->status = stats->failed > 0 ? SG_EXIT_FAILED : SG_EXIT_OK;

  if (ok || headless->signal_status != 0 ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      double seconds = (stats->t_end_us - stats->t_start_us) / (double) G_USEC_PER_SEC;
      g_autofree char *requested = NULL;
      g_autofree char *downloaded = NULL;
      g_autofree char *stored = NULL;
      g_autofree char *missing = NULL;
      g_autofree char *failed = NULL;

      /* Translators: part of the headless summary, see "%s in %.2f s: …" */
      requested = g_strdup_printf (ngettext ("%u Pokémon", "%u Pokémon", stats->requested),
                                   stats->requested);
      /* Translators: part of the headless summary, see "%s in %.2f s: …" */
      downloaded = g_strdup_printf (ngettext ("%u downloaded", "%u downloaded", stats->downloaded),
                                    stats->downloaded);
      /* Translators: part of the headless summary, see "%s in %.2f s: …" */
      stored = g_strdup_printf (ngettext ("%u already stored", "%u already stored", stats->stored),
                                stats->stored);
      /* Translators: part of the headless summary, see "%s in %.2f s: …" */
      missing = g_strdup_printf (ngettext ("%u without a sprite", "%u without a sprite", stats->missing),
                                 stats->missing);
      /* Translators: part of the headless summary, see "%s in %.2f s: …" */
      failed = g_strdup_printf (ngettext ("%u failed", "%u failed", stats->failed),
                                stats->failed);

      /* Translators: the one-line summary of a headless run, as in "100 Pokémon
       * in 1.42 s: 97 downloaded, 0 already stored, 2 without a sprite, 1 failed";
       * the first %s is "%u Pokémon", %.2f the seconds, then "%u downloaded",
       * "%u already stored", "%u without a sprite" and "%u failed" */
      g_print (_("%s in %.2f s: %s, %s, %s, %s\n"),
               requested, seconds, downloaded, stored, missing, failed);
    }

  g_main_loop_quit (headless->loop);
}

int
sg_headless_run (const SgOptions *options)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(SgDownloader) downloader = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Headless headless = { 0 };
  guint sigint_id;
  guint sigterm_id;

  settings = sg_options_dup_settings ();
  downloader = sg_downloader_new ();
  sg_options_configure_downloader (options, settings, downloader);
  /* Nobody looks at textures here; the PNG is still fully checked. */
  g_object_set (downloader, "decode-textures", FALSE, NULL);

  headless.loop = loop;
  headless.downloader = downloader;
  headless.cancellable = cancellable;
  headless.options = options;
  headless.tty = isatty (STDERR_FILENO);

  sigint_id = g_unix_signal_add (SIGINT, on_sigint, &headless);
  sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm, &headless);
  g_signal_connect (downloader, "item-finished", G_CALLBACK (on_item_finished), &headless);

  sg_downloader_run_async (downloader, cancellable, run_done, &headless);
  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (downloader, &headless);

  return headless.status;
}
