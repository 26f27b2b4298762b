/* sg-sprite-picture.c: draws a sprite crisp, at the largest whole scale that fits
 *
 * Sprites are pixel art (96×96 for the game sprites): scaled by a whole
 * number with nearest-neighbour sampling they stay sharp, scaled by 1.7 with
 * a smooth filter they turn to mush. The texture itself is never upscaled in
 * memory; the scaling happens when the node is drawn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-sprite-picture"

#include "config.h"

#include "sg-sprite-picture.h"

#define DEFAULT_SIZE 96
#define MIN_SIZE     16

struct _SgSpritePicture
{
  GtkWidget        parent_instance;

  /* Owned */
  GdkTexture      *texture;  /* (owned) (nullable) */
#if !GTK_CHECK_VERSION (4, 10, 0)
  /* The texture's pixels at 1×, made on first draw and kept until the
   * texture changes or the widget is unrealized: GTK 4.8 has no nearest
   * filter for texture nodes, so we paint through cairo. */
  cairo_surface_t *surface;  /* (owned) (nullable) */
#endif

  int              size;
};

G_DEFINE_FINAL_TYPE (SgSpritePicture, sg_sprite_picture, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sg_sprite_picture_drop_surface (SgSpritePicture *self)
{
#if !GTK_CHECK_VERSION (4, 10, 0)
  g_clear_pointer (&self->surface, cairo_surface_destroy);
#endif
}

#if !GTK_CHECK_VERSION (4, 10, 0)
static cairo_surface_t *
sg_sprite_picture_ensure_surface (SgSpritePicture *self)
{
  cairo_surface_t *surface;

  if (self->surface != NULL)
    return self->surface;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        gdk_texture_get_width (self->texture),
                                        gdk_texture_get_height (self->texture));
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }

  /* gdk_texture_download() writes premultiplied native-endian ARGB, which is
   * exactly CAIRO_FORMAT_ARGB32. */
  cairo_surface_flush (surface);
  gdk_texture_download (self->texture,
                        cairo_image_surface_get_data (surface),
                        cairo_image_surface_get_stride (surface));
  cairo_surface_mark_dirty (surface);

  self->surface = surface;

  return self->surface;
}

static void
sg_sprite_picture_append_nearest (SgSpritePicture       *self,
                                  GtkSnapshot           *snapshot,
                                  const graphene_rect_t *bounds)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  int tw, th;

  if (!(surface = sg_sprite_picture_ensure_surface (self)))
    return;

  tw = gdk_texture_get_width (self->texture);
  th = gdk_texture_get_height (self->texture);

  cr = gtk_snapshot_append_cairo (snapshot, bounds);
  cairo_translate (cr, bounds->origin.x, bounds->origin.y);
  cairo_scale (cr, bounds->size.width / tw, bounds->size.height / th);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, tw, th);
  cairo_fill (cr);
  cairo_destroy (cr);
}
#endif

static void
sg_sprite_picture_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  SgSpritePicture *self = SG_SPRITE_PICTURE (widget);
  graphene_rect_t bounds;
  int width, height;
  int tw, th;
  int sf;
  int scale;

  if (self->texture == NULL)
    return;

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  tw = gdk_texture_get_width (self->texture);
  th = gdk_texture_get_height (self->texture);
  if (width <= 0 || height <= 0 || tw <= 0 || th <= 0)
    return;

  /* Count in device pixels, so that on a 2× screen a 96 px sprite in a
   * 96 px box is drawn at 2× rather than at 1× and then smoothed. */
  sf = MAX (1, gtk_widget_get_scale_factor (widget));
  scale = MIN ((width * sf) / tw, (height * sf) / th);

  if (scale >= 1)
    {
      int dw = tw * scale;
      int dh = th * scale;
      /* Centred on whole device pixels: half a pixel off would blur every edge. */
      int dx = (width * sf - dw) / 2;
      int dy = (height * sf - dh) / 2;

      bounds = GRAPHENE_RECT_INIT ((float) dx / sf, (float) dy / sf,
                                   (float) dw / sf, (float) dh / sf);

#if GTK_CHECK_VERSION (4, 10, 0)
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_snapshot_append_scaled_texture (snapshot, self->texture,
                                          GSK_SCALING_FILTER_NEAREST, &bounds);
      G_GNUC_END_IGNORE_DEPRECATIONS
#else
      sg_sprite_picture_append_nearest (self, snapshot, &bounds);
#endif
    }
  else
    {
      /* Bigger than the box (official artwork is 475 px): that is not pixel
       * art, so shrink it smoothly, keeping its aspect. */
      double ratio = MIN ((double) width / tw, (double) height / th);
      double w = tw * ratio;
      double h = th * ratio;

      bounds = GRAPHENE_RECT_INIT ((width - w) / 2, (height - h) / 2, w, h);

#if GTK_CHECK_VERSION (4, 10, 0)
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_snapshot_append_scaled_texture (snapshot, self->texture,
                                          GSK_SCALING_FILTER_TRILINEAR, &bounds);
      G_GNUC_END_IGNORE_DEPRECATIONS
#else
      gtk_snapshot_append_texture (snapshot, self->texture, &bounds);
#endif
    }
}

/* A grid wants every tile the same size whether or not its sprite has
 * arrived, so the box does not follow the texture: the texture follows the box. */
static void
sg_sprite_picture_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  SgSpritePicture *self = SG_SPRITE_PICTURE (widget);

  *minimum = self->size;
  *natural = self->size;
}

static GtkSizeRequestMode
sg_sprite_picture_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
sg_sprite_picture_unrealize (GtkWidget *widget)
{
  SgSpritePicture *self = SG_SPRITE_PICTURE (widget);

  sg_sprite_picture_drop_surface (self);

  GTK_WIDGET_CLASS (sg_sprite_picture_parent_class)->unrealize (widget);
}

static void
sg_sprite_picture_dispose (GObject *object)
{
  SgSpritePicture *self = SG_SPRITE_PICTURE (object);

  sg_sprite_picture_drop_surface (self);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (sg_sprite_picture_parent_class)->dispose (object);
}

static void
sg_sprite_picture_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SgSpritePicture *self = SG_SPRITE_PICTURE (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    case PROP_SIZE:
      g_value_set_int (value, self->size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_sprite_picture_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SgSpritePicture *self = SG_SPRITE_PICTURE (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      sg_sprite_picture_set_texture (self, g_value_get_object (value));
      break;

    case PROP_SIZE:
      sg_sprite_picture_set_size (self, g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_sprite_picture_class_init (SgSpritePictureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sg_sprite_picture_dispose;
  object_class->get_property = sg_sprite_picture_get_property;
  object_class->set_property = sg_sprite_picture_set_property;

  widget_class->snapshot = sg_sprite_picture_snapshot;
  widget_class->measure = sg_sprite_picture_measure;
  widget_class->get_request_mode = sg_sprite_picture_get_request_mode;
  widget_class->unrealize = sg_sprite_picture_unrealize;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The side of the square box, in logical pixels. */
  properties[PROP_SIZE] =
    g_param_spec_int ("size", NULL, NULL, MIN_SIZE, 4096, DEFAULT_SIZE,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "sprite-picture");
  /* The cell around it carries the accessible name. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
sg_sprite_picture_init (SgSpritePicture *self)
{
  self->size = DEFAULT_SIZE;
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
sg_sprite_picture_new (void)
{
  return g_object_new (SG_TYPE_SPRITE_PICTURE, NULL);
}

GdkTexture *
sg_sprite_picture_get_texture (SgSpritePicture *self)
{
  g_return_val_if_fail (SG_IS_SPRITE_PICTURE (self), NULL);

  return self->texture;
}

void
sg_sprite_picture_set_texture (SgSpritePicture *self,
                               GdkTexture      *texture)
{
  g_return_if_fail (SG_IS_SPRITE_PICTURE (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (!g_set_object (&self->texture, texture))
    return;

  sg_sprite_picture_drop_surface (self);
  /* The box keeps its size, so a redraw is enough. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

int
sg_sprite_picture_get_size (SgSpritePicture *self)
{
  g_return_val_if_fail (SG_IS_SPRITE_PICTURE (self), DEFAULT_SIZE);

  return self->size;
}

void
sg_sprite_picture_set_size (SgSpritePicture *self,
                            int              size)
{
  g_return_if_fail (SG_IS_SPRITE_PICTURE (self));

  size = MAX (size, MIN_SIZE);
  if (self->size == size)
    return;

  self->size = size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
}
