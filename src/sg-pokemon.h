/* sg-pokemon.h: one item of the grid
 *
 * Main thread only: workers hand their results to the downloader, which sets
 * them here, so every notify reaches bindings on the main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

#include "sg-types.h"

G_BEGIN_DECLS

#define SG_TYPE_POKEMON (sg_pokemon_get_type ())

G_DECLARE_FINAL_TYPE (SgPokemon, sg_pokemon, SG, POKEMON, GObject)

SgPokemon   *sg_pokemon_new          (guint         id,
                                      const char   *name);
guint        sg_pokemon_get_id       (SgPokemon    *self);
const char  *sg_pokemon_get_name     (SgPokemon    *self);
char        *sg_pokemon_dup_title    (SgPokemon    *self);
const char * const *sg_pokemon_get_types (SgPokemon *self);
void         sg_pokemon_set_types    (SgPokemon    *self,
                                      const char * const *types);
SgItemState  sg_pokemon_get_state    (SgPokemon    *self);
GdkTexture  *sg_pokemon_get_texture  (SgPokemon    *self);
const char  *sg_pokemon_get_reason   (SgPokemon    *self);
const char  *sg_pokemon_get_path     (SgPokemon    *self);
void         sg_pokemon_set_identity (SgPokemon    *self,
                                      guint         id,
                                      const char   *name);
/* From the detail (or the library index); main thread only. */
guint        sg_pokemon_get_height   (SgPokemon    *self);   /* decimetres, 0 unknown */
guint        sg_pokemon_get_weight   (SgPokemon    *self);   /* hectograms, 0 unknown */
const char  *sg_pokemon_get_sprite_url (SgPokemon  *self,
                                      SgVariant     variant); /* (nullable) */
gboolean     sg_pokemon_has_details  (SgPokemon    *self);
void         sg_pokemon_set_details  (SgPokemon    *self,
                                      guint         height,
                                      guint         weight,
                                      const char * const *sprite_urls); /* SG_N_VARIANTS, nullable each */
void         sg_pokemon_finish       (SgPokemon    *self,
                                      SgItemState   state,
                                      GdkTexture   *texture,
                                      const char   *path,
                                      const char   *reason);

G_END_DECLS
