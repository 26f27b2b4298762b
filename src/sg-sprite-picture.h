/* sg-sprite-picture.h: draws a sprite crisp, at the largest whole scale that fits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SG_TYPE_SPRITE_PICTURE (sg_sprite_picture_get_type ())

G_DECLARE_FINAL_TYPE (SgSpritePicture, sg_sprite_picture, SG, SPRITE_PICTURE, GtkWidget)

GtkWidget  *sg_sprite_picture_new         (void);
GdkTexture *sg_sprite_picture_get_texture (SgSpritePicture *self);
void        sg_sprite_picture_set_texture (SgSpritePicture *self,
                                           GdkTexture      *texture);
int         sg_sprite_picture_get_size    (SgSpritePicture *self);
void        sg_sprite_picture_set_size    (SgSpritePicture *self,
                                           int              size);

G_END_DECLS
