/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sg-application.h"
#include "sg-headless.h"
#include "sg-stats.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SgOptions) options = NULL;
  g_autoptr(SgApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  char *app_argv[2] = { argv[0], NULL };

  /* Every time in --stats counts from here. */
  sg_stats_init_clock ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  options = sg_options_parse (argc, argv, &error);
  if (options == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "sprite-gallery",
                  error->message);
      g_printerr (_("Run “%s --help” to see the options.\n"), argv[0]);
      return SG_EXIT_USAGE;
    }

  if (options->version)
    {
      g_print ("sprite-gallery %s\n", PACKAGE_VERSION);
      return SG_EXIT_OK;
    }

  if (options->download_only)
    return sg_headless_run (options);

  /* Our parser has taken every option; GApplication gets none to reject. */
  app = sg_application_new (g_steal_pointer (&options));

  return g_application_run (G_APPLICATION (app), 1, app_argv);
}
