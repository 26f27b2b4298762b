/* sg-sprite-cell.h: one tile of the grid: sprite, number, name and state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sg-pokemon.h"

G_BEGIN_DECLS

#define SG_TYPE_SPRITE_CELL (sg_sprite_cell_get_type ())

G_DECLARE_FINAL_TYPE (SgSpriteCell, sg_sprite_cell, SG, SPRITE_CELL, GtkWidget)

GtkWidget *sg_sprite_cell_new      (void);
SgPokemon *sg_sprite_cell_get_item (SgSpriteCell *self);
void       sg_sprite_cell_set_item (SgSpriteCell *self,
                                    SgPokemon    *item);

G_END_DECLS
