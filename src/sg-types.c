/* sg-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sg-types.h"

/* These strings are the names on the command line, in GSettings and of the
 * variant subfolders, so they never change. */
static const char * const variant_names[SG_N_VARIANTS] = {
  [SG_VARIANT_FRONT_DEFAULT] = "front_default",
  [SG_VARIANT_FRONT_SHINY] = "front_shiny",
  [SG_VARIANT_BACK_DEFAULT] = "back_default",
  [SG_VARIANT_BACK_SHINY] = "back_shiny",
  [SG_VARIANT_OFFICIAL_ARTWORK] = "official-artwork",
  [SG_VARIANT_FRONT_FEMALE] = "front_female",
  [SG_VARIANT_FRONT_SHINY_FEMALE] = "front_shiny_female",
  [SG_VARIANT_BACK_FEMALE] = "back_female",
  [SG_VARIANT_BACK_SHINY_FEMALE] = "back_shiny_female",
};

static const char * const variant_labels[SG_N_VARIANTS] = {
  [SG_VARIANT_FRONT_DEFAULT] = N_("Front"),
  [SG_VARIANT_FRONT_SHINY] = N_("Front, Shiny"),
  [SG_VARIANT_BACK_DEFAULT] = N_("Back"),
  [SG_VARIANT_BACK_SHINY] = N_("Back, Shiny"),
  [SG_VARIANT_OFFICIAL_ARTWORK] = N_("Official Artwork"),
  [SG_VARIANT_FRONT_FEMALE] = N_("Front, Female"),
  [SG_VARIANT_FRONT_SHINY_FEMALE] = N_("Front, Shiny, Female"),
  [SG_VARIANT_BACK_FEMALE] = N_("Back, Female"),
  [SG_VARIANT_BACK_SHINY_FEMALE] = N_("Back, Shiny, Female"),
};

/* What people read: menus, the detail view. */
const char *
sg_variant_get_label (SgVariant variant)
{
  g_return_val_if_fail ((guint) variant < SG_N_VARIANTS, NULL);

  return _(variant_labels[variant]);
}

const char *
sg_variant_to_string (SgVariant variant)
{
  g_return_val_if_fail ((guint) variant < SG_N_VARIANTS, NULL);

  return variant_names[variant];
}

gboolean
sg_variant_from_string (const char *string,
                        SgVariant  *variant)
{
  g_return_val_if_fail (variant != NULL, FALSE);

  if (string == NULL)
    return FALSE;

  for (guint i = 0; i < SG_N_VARIANTS; i++)
    {
      if (g_str_equal (string, variant_names[i]))
        {
          *variant = (SgVariant) i;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
sg_item_state_is_final (SgItemState state)
{
  return state != SG_ITEM_STATE_PENDING;
}
