/* fake-pokeapi.c
 *
 * The fake PokeAPI as a program, for demos and benchmarks. It prints its
 * base URL as the only line on stdout once it listens (scripts read it to
 * learn the port) and runs until SIGINT or SIGTERM.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "fake-pokeapi"

#include "config.h"

#include "sg-fake-server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib.h>

#define EXIT_USAGE 2

static const struct {
  const char  *kind;
  SgFakeFault  fault;
} fault_kinds[] = {
  { "503", SG_FAKE_FAULT_SERVICE_UNAVAILABLE },
  { "reset", SG_FAKE_FAULT_RESET },
  { "stall", SG_FAKE_FAULT_STALL },
  { "404", SG_FAKE_FAULT_NOT_FOUND },
  { "invalid-json", SG_FAKE_FAULT_INVALID_JSON },
  { "not-png", SG_FAKE_FAULT_NOT_PNG },
  { "null-sprite", SG_FAKE_FAULT_NULL_SPRITE },
  { "huge-length", SG_FAKE_FAULT_HUGE_LENGTH },
  { "endless", SG_FAKE_FAULT_ENDLESS },
  { "gzip-bomb", SG_FAKE_FAULT_GZIP_BOMB },
  { "huge-png", SG_FAKE_FAULT_HUGE_PNG },
  { "truncated-png", SG_FAKE_FAULT_TRUNCATED_PNG },
  { "empty-body", SG_FAKE_FAULT_EMPTY_BODY },
  { "wrong-types", SG_FAKE_FAULT_WRONG_TYPES },
  { "missing-keys", SG_FAKE_FAULT_MISSING_KEYS },
  { "sprites-null", SG_FAKE_FAULT_SPRITES_NULL },
  { "list-no-results", SG_FAKE_FAULT_LIST_NO_RESULTS },
  { "list-count-string", SG_FAKE_FAULT_LIST_COUNT_STRING },
  { "list-file-url", SG_FAKE_FAULT_LIST_FILE_URL },
  { "file-url", SG_FAKE_FAULT_FILE_URL },
  { "data-url", SG_FAKE_FAULT_DATA_URL },
  { "redirect-file", SG_FAKE_FAULT_REDIRECT_FILE },
  { "redirect-data", SG_FAKE_FAULT_REDIRECT_DATA },
  { "redirect-loop", SG_FAKE_FAULT_REDIRECT_LOOP },
  { "redirect-chain", SG_FAKE_FAULT_REDIRECT_CHAIN },
  { "slow-drip", SG_FAKE_FAULT_SLOW_DRIP },
  { "reset-always", SG_FAKE_FAULT_RESET_ALWAYS },
  { "429", SG_FAKE_FAULT_TOO_MANY_REQUESTS },
  { "429-always", SG_FAKE_FAULT_RATE_LIMITED },
  { "name-nul", SG_FAKE_FAULT_NAME_NUL },
};

/* "503, reset, …": for the help and for errors. */
static char *
dup_fault_kinds (void)
{
  g_autoptr(GString) kinds = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fault_kinds); i++)
    g_string_append_printf (kinds, "%s%s", i > 0 ? ", " : "", fault_kinds[i].kind);

  return g_string_free (g_steal_pointer (&kinds), FALSE);
}

static gboolean
parse_uint (const char *text,
            guint       max,
            guint      *value)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &number, NULL))
    return FALSE;

  *value = (guint) number;
  return TRUE;
}

/* "KIND:ID[,ID...]" */
static gboolean
apply_fault (SgFakeServer  *server,
             const char    *spec,
             GError       **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", 2);
  g_auto(GStrv) ids = NULL;
  gboolean found = FALSE;
  SgFakeFault fault = SG_FAKE_FAULT_NOT_FOUND;

  if (parts[0] == NULL || parts[1] == NULL || *parts[1] == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--fault expects KIND:ID[,ID...], got '%s'", spec);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (fault_kinds); i++)
    {
      if (g_str_equal (parts[0], fault_kinds[i].kind))
        {
          fault = fault_kinds[i].fault;
          found = TRUE;
        }
    }
  if (!found)
    {
      g_autofree char *known = dup_fault_kinds ();

      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Unknown fault kind '%s' (known: %s)", parts[0], known);
      return FALSE;
    }

  ids = g_strsplit (parts[1], ",", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      guint id;

      if (!parse_uint (ids[i], G_MAXUINT32, &id) || id == 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "Bad id '%s' in --fault %s", ids[i], spec);
          return FALSE;
        }
      sg_fake_server_add_fault (server, fault, id);
    }

  return TRUE;
}

/* "ID:NAME"; the name may contain colons. */
static gboolean
apply_name (SgFakeServer  *server,
            const char    *spec,
            GError       **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", 2);
  guint id;

  if (parts[0] == NULL || parts[1] == NULL || !parse_uint (parts[0], G_MAXUINT32, &id) || id == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--name expects ID:NAME, got '%s'", spec);
      return FALSE;
    }

  sg_fake_server_set_name (server, id, parts[1]);
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(SgFakeServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;
  g_auto(GStrv) faults = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *known = dup_fault_kinds ();
  g_autofree char *fault_help = g_strdup_printf ("Misbehave for these ids (list-no-results, list-count-string: every list page); KIND: %s", known);
  int port = 0;
  int count = 1025;
  int latency_ms = 0;
  guint sigint_id;
  guint sigterm_id;
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "TCP port on 127.0.0.1 (default 0: any free one)", "P" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of Pokemon in the list (default 1025)", "N" },
    { "latency-ms", 'l', 0, G_OPTION_ARG_INT, &latency_ms, "Delay of every response (default 0)", "L" },
    { "fault", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &faults, fault_help, "KIND:ID[,ID...]" },
    { "name", 0, 0, G_OPTION_ARG_STRING_ARRAY, &names, "Serve NAME for ID", "ID:NAME" },
    { NULL }
  };

  /* stdout is reserved for the base URL line. */
  g_log_writer_default_set_use_stderr (TRUE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "Serves a fake PokeAPI on 127.0.0.1 and prints its base URL.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr ("%s: unexpected argument '%s'\n", g_get_prgname (), argv[1]);
      return EXIT_USAGE;
    }
  if (port < 0 || port > G_MAXUINT16 || count < 0 || latency_ms < 0)
    {
      g_printerr ("%s: --port must be 0-65535, --count and --latency-ms not negative\n",
                  g_get_prgname ());
      return EXIT_USAGE;
    }

  server = sg_fake_server_new ((guint) count, (guint) latency_ms);
  for (guint i = 0; faults != NULL && faults[i] != NULL; i++)
    {
      if (!apply_fault (server, faults[i], &error))
        {
          g_printerr ("%s: %s\n", g_get_prgname (), error->message);
          return EXIT_USAGE;
        }
    }
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (!apply_name (server, names[i], &error))
        {
          g_printerr ("%s: %s\n", g_get_prgname (), error->message);
          return EXIT_USAGE;
        }
    }

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);

  if (!sg_fake_server_start (server, (guint) port, &error))
    {
      g_printerr ("%s: cannot listen on 127.0.0.1:%d: %s\n", g_get_prgname (), port, error->message);
      return EXIT_FAILURE;
    }

  base_url = sg_fake_server_dup_base_url (server);
  printf ("%s\n", base_url);
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  return EXIT_SUCCESS;
}
