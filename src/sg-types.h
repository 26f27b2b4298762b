/* sg-types.h: the enums shared by the core and the interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every item ends in exactly one of DOWNLOADED, STORED, MISSING or FAILED. */
typedef enum {
  SG_ITEM_STATE_PENDING,
  SG_ITEM_STATE_DOWNLOADED,
  SG_ITEM_STATE_STORED,
  SG_ITEM_STATE_MISSING,
  SG_ITEM_STATE_FAILED,
} SgItemState;

typedef enum {
  SG_VARIANT_FRONT_DEFAULT,
  SG_VARIANT_FRONT_SHINY,
  SG_VARIANT_BACK_DEFAULT,
  SG_VARIANT_BACK_SHINY,
  SG_VARIANT_OFFICIAL_ARTWORK,
  /* Only some Pokémon have these; the detail view offers them, the grid
   * (and its setting) does not. */
  SG_VARIANT_FRONT_FEMALE,
  SG_VARIANT_FRONT_SHINY_FEMALE,
  SG_VARIANT_BACK_FEMALE,
  SG_VARIANT_BACK_SHINY_FEMALE,
} SgVariant;

/* The variants the grid can show: the first five. */
#define SG_N_GRID_VARIANTS (SG_VARIANT_OFFICIAL_ARTWORK + 1)
#define SG_N_VARIANTS      (SG_VARIANT_BACK_SHINY_FEMALE + 1)

const char *sg_variant_to_string   (SgVariant    variant);
gboolean    sg_variant_from_string (const char  *string,
                                    SgVariant   *variant);
const char *sg_variant_get_label   (SgVariant    variant);
gboolean    sg_item_state_is_final (SgItemState  state);

G_END_DECLS
