/* sg-options.c: the command line, parsed before GApplication sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sg-options.h"
#include "sg-pokeapi.h"

void
sg_options_free (SgOptions *options)
{
  if (options == NULL)
    return;

  g_free (options->base_url);
  g_free (options->variant);
  g_free (options->output);
  g_free (options->stats_path);
  g_free (options);
}

SgOptions *
sg_options_parse (int      argc,
                  char   **argv,
                  GError **error)
{
  g_autoptr(SgOptions) options = g_new0 (SgOptions, 1);
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) rest = NULL;
  SgVariant variant;
  GOptionEntry entries[] = {
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &options->base_url,
      N_("PokeAPI server to use (default https://pokeapi.co/api/v2/)"), N_("URL") },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &options->limit,
      N_("How many Pokémon to download; 0 means all (default 100)"), N_("N") },
    { "workers", 'w', 0, G_OPTION_ARG_INT, &options->workers,
      N_("Requests in flight at once, 1–32 (default 8)"), N_("W") },
    { "variant", 0, 0, G_OPTION_ARG_STRING, &options->variant,
      N_("Sprite to show: front_default, front_shiny, back_default, back_shiny or official-artwork"),
      N_("NAME") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options->output,
      N_("Download folder (default: sprite-gallery/sprites in the user data folder)"), N_("DIR") },
    { "download-only", 0, 0, G_OPTION_ARG_NONE, &options->download_only,
      N_("Download without a window, print a summary and exit"), NULL },
    { "stats", 0, 0, G_OPTION_ARG_FILENAME, &options->stats_path,
      N_("Write the run’s statistics as JSON to FILE when it ends"), N_("FILE") },
    { "quit-when-done", 0, 0, G_OPTION_ARG_NONE, &options->quit_when_done,
      N_("Quit when the run has ended"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version,
      N_("Show the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
    { NULL }
  };

  options->limit = -1;
  options->workers = -1;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Download the sprites of the first N Pokémon and show them in a grid."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  /* Parse a copy: the caller's argv stays intact for GApplication. */
  args = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);

  if (!g_option_context_parse_strv (context, &args, error))
    return NULL;

  if (rest != NULL && rest[0] != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unexpected argument “%s”"), rest[0]);
      return NULL;
    }

  if (options->workers != -1 && (options->workers < SG_MIN_WORKERS || options->workers > SG_MAX_WORKERS))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--workers must be between %d and %d, not %d"),
                   SG_MIN_WORKERS, SG_MAX_WORKERS, options->workers);
      return NULL;
    }

  if (options->limit < -1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--limit must be 0 (all) or more, not %d"), options->limit);
      return NULL;
    }

  if (options->variant != NULL && !sg_variant_from_string (options->variant, &variant))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown sprite variant “%s”"), options->variant);
      return NULL;
    }

  if (options->base_url != NULL && !sg_pokeapi_is_http_url (options->base_url))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--base-url must be an http or https URL, not “%s”"), options->base_url);
      return NULL;
    }

  if (options->output != NULL && *options->output == '\0')
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--output must name a folder"));
      return NULL;
    }

  return g_steal_pointer (&options);
}

/* Runs for scripts, tests and benchmarks never hand off to (or receive) another
 * instance over D-Bus. */
gboolean
sg_options_is_non_unique (const SgOptions *options)
{
  return options->download_only || options->stats_path != NULL || options->quit_when_done;
}

/**
 * sg_options_dup_settings:
 *
 * Returns: (transfer full) (nullable): the app's settings, or %NULL when the
 *   schema is not installed (a build tree run without GSETTINGS_SCHEMA_DIR),
 *   where g_settings_new() would abort.
 */
GSettings *
sg_options_dup_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_warning ("The settings schema %s is not installed; using the defaults", APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

/* g_set_str() is GLib 2.76. */
static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* Options win over settings, which win over the defaults. Options are for
 * this run only: they never change the stored settings. */
void
sg_options_configure_downloader (const SgOptions *options,
                                 GSettings       *settings,
                                 SgDownloader    *downloader)
{
  g_autofree char *base_url = NULL;
  g_autofree char *variant_name = NULL;
  g_autofree char *folder = NULL;
  int limit = SG_DEFAULT_LIMIT;
  int workers = SG_DEFAULT_WORKERS;
  SgVariant variant = SG_VARIANT_FRONT_DEFAULT;

  if (settings != NULL)
    {
      base_url = g_settings_get_string (settings, "base-url");
      limit = g_settings_get_int (settings, "limit");
      workers = g_settings_get_int (settings, "workers");
      variant_name = g_settings_get_string (settings, "variant");
      folder = g_settings_get_string (settings, "output-dir");
    }

  if (options->base_url != NULL)
    replace_string (&base_url, options->base_url);
  if (options->limit >= 0)
    limit = options->limit;
  if (options->workers > 0)
    workers = options->workers;
  if (options->variant != NULL)
    replace_string (&variant_name, options->variant);
  if (options->output != NULL)
    replace_string (&folder, options->output);

  if (variant_name != NULL)
    sg_variant_from_string (variant_name, &variant);

  g_object_set (downloader,
                "base-url", base_url != NULL && *base_url != '\0' ? base_url : SG_DEFAULT_BASE_URL,
                "limit", (guint) CLAMP (limit, 0, 100000),
                "workers", (guint) CLAMP (workers, SG_MIN_WORKERS, SG_MAX_WORKERS),
                "variant", (guint) variant,
                "folder", folder,
                NULL);
}
