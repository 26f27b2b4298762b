/* sg-detail-view.h: one Pokémon large: its sprite, facts and other variants
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sg-downloader.h"
#include "sg-pokemon.h"

G_BEGIN_DECLS

#define SG_TYPE_DETAIL_VIEW (sg_detail_view_get_type ())

G_DECLARE_FINAL_TYPE (SgDetailView, sg_detail_view, SG, DETAIL_VIEW, AdwBin)

GtkWidget    *sg_detail_view_new            (SgDownloader *downloader);
SgDownloader *sg_detail_view_get_downloader (SgDetailView *self);
SgPokemon    *sg_detail_view_get_item       (SgDetailView *self);
void          sg_detail_view_set_item       (SgDetailView *self,
                                             SgPokemon    *item);
/* What is shown large (the item's sprite, or the variant last clicked), and
 * its file in the library; NULL when nothing is shown. */
GdkTexture   *sg_detail_view_get_texture    (SgDetailView *self);
const char   *sg_detail_view_get_path       (SgDetailView *self);

G_END_DECLS
