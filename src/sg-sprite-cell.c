/* sg-sprite-cell.c: one tile of the grid: sprite, number, name and state
 *
 * The cell follows whatever item it is given and forgets it when given
 * NULL: the grid recycles cells, and a recycled cell must never paint the
 * previous item's sprite or react to its notifications. A tile whose sprite
 * is stored can be dragged out as its PNG file.
 *
 * "running" says whether a run is going: a pending tile is "downloading"
 * only then, and "not downloaded" after Stop or offline. It belongs to the
 * cell, not the item, so a recycled cell keeps it (the window binds it to
 * the downloader's "running" once, when it makes the cell).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-sprite-cell"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-export.h"
#include "sg-sprite-cell.h"
#include "sg-sprite-picture.h"

struct _SgSpriteCell
{
  GtkWidget        parent_instance;

  /* Template widgets */
  SgSpritePicture *picture;
  GtkImage        *state_image;
  GtkLabel        *number_label;
  GtkLabel        *title_label;

  /* Owned */
  SgPokemon       *item;  /* (owned) (nullable): only while bound */

  gboolean         running;
};

G_DEFINE_FINAL_TYPE (SgSpriteCell, sg_sprite_cell, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sg_sprite_cell_clear (SgSpriteCell *self)
{
  sg_sprite_picture_set_texture (self->picture, NULL);
  gtk_label_set_label (self->number_label, "");
  gtk_label_set_label (self->title_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->state_image), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "pending");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "failed");
  if (gtk_widget_get_tooltip_text (GTK_WIDGET (self)) != NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
sg_sprite_cell_update (SgSpriteCell *self)
{
  g_autofree char *number = NULL;
  g_autofree char *title = NULL;
  g_autofree char *state_text = NULL;
  g_autofree char *accessible_label = NULL;
  const char *icon_name = NULL;
  const char *tooltip = NULL;
  const char *reason;
  gboolean pending = FALSE;
  gboolean failed = FALSE;
  guint id;

  if (self->item == NULL)
    {
      sg_sprite_cell_clear (self);
      return;
    }

  id = sg_pokemon_get_id (self->item);
  number = id > 0 ? g_strdup_printf ("#%03u", id) : g_strdup ("");
  title = sg_pokemon_dup_title (self->item);
  reason = sg_pokemon_get_reason (self->item);

  switch (sg_pokemon_get_state (self->item))
    {
    case SG_ITEM_STATE_DOWNLOADED:
    case SG_ITEM_STATE_STORED:
      /* Translators: the state of a tile, read by screen readers */
      state_text = g_strdup (_("downloaded"));
      break;

    case SG_ITEM_STATE_MISSING:
      icon_name = "image-missing-symbolic";
      tooltip = _("No sprite");
      /* Translators: the state of a tile, read by screen readers */
      state_text = g_strdup (_("no sprite"));
      break;

    case SG_ITEM_STATE_FAILED:
      icon_name = "dialog-error-symbolic";
      failed = TRUE;
      tooltip = reason != NULL ? reason : _("Download failed");
      /* Translators: the state of a tile, read by screen readers; %s is why */
      state_text = g_strdup_printf (_("failed: %s"), tooltip);
      break;

    case SG_ITEM_STATE_PENDING:
    default:
      /* A still, faint placeholder rather than a spinner: a hundred spinners
       * would be restless, and after Stop the items stay pending. */
      icon_name = "image-x-generic-symbolic";
      pending = TRUE;
      if (self->running)
        /* Translators: the state of a tile, read by screen readers */
        state_text = g_strdup (_("downloading"));
      else
        /* Translators: the state of a tile, read by screen readers: no
         * download is going (it was stopped, or the server is offline) */
        state_text = g_strdup (_("not downloaded"));
      break;
    }

  sg_sprite_picture_set_texture (self->picture, sg_pokemon_get_texture (self->item));
  gtk_label_set_label (self->number_label, number);
  gtk_label_set_label (self->title_label, title);

  gtk_widget_set_visible (GTK_WIDGET (self->state_image), icon_name != NULL);
  if (icon_name != NULL)
    gtk_image_set_from_icon_name (self->state_image, icon_name);

  if (pending)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_image), "pending");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "pending");

  if (failed)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->state_image), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self), "failed");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "failed");
    }

  /* Only on a change: on GTK 4.8 every call asks the X server where the
   * pointer is and waits for the answer, a stall per finished item. */
  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (self)), tooltip) != 0)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);

  /* Translators: the accessible name of a tile: number, name and state,
   * as in "#025 Pikachu, downloaded" */
  accessible_label = g_strdup_printf (_("%s %s, %s"), number, title, state_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_label,
                                  -1);
}

/* The file is what leaves: a file manager copies it, an image editor opens
 * it, a chat attaches it. Nothing to drag before the sprite is stored. */
static GdkContentProvider *
sg_sprite_cell_drag_prepare_cb (SgSpriteCell  *self,
                                double         x,
                                double         y,
                                GtkDragSource *source)
{
  const char *path;

  if (self->item == NULL || (path = sg_pokemon_get_path (self->item)) == NULL)
    return NULL;

  return sg_export_content_for_file (path);
}

static void
sg_sprite_cell_drag_begin_cb (SgSpriteCell  *self,
                              GdkDrag       *drag,
                              GtkDragSource *source)
{
  GdkTexture *texture = self->item != NULL ? sg_pokemon_get_texture (self->item) : NULL;

  /* The sprite itself under the pointer, held at its centre. */
  if (texture != NULL)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (texture),
                              gdk_texture_get_width (texture) / 2,
                              gdk_texture_get_height (texture) / 2);
}

static void
sg_sprite_cell_item_notify_cb (SgSpriteCell *self,
                               GParamSpec   *pspec,
                               SgPokemon    *item)
{
  g_assert (SG_IS_SPRITE_CELL (self));
  g_assert (self->item == item);

  sg_sprite_cell_update (self);
}

static void
sg_sprite_cell_dispose (GObject *object)
{
  SgSpriteCell *self = SG_SPRITE_CELL (object);
  GtkWidget *child;

  sg_sprite_cell_set_item (self, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), SG_TYPE_SPRITE_CELL);
  /* A plain GtkWidget does not unparent its children; the template's
   * unnamed ones are still here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sg_sprite_cell_parent_class)->dispose (object);
}

/* Not in the header: the window sets it through the "running" property. */
static void
sg_sprite_cell_set_running (SgSpriteCell *self,
                            gboolean      running)
{
  running = !!running;
  if (self->running == running)
    return;

  self->running = running;

  /* Only a pending tile reads it; during dispose the template is gone. */
  if (self->item != NULL && self->picture != NULL &&
      sg_pokemon_get_state (self->item) == SG_ITEM_STATE_PENDING)
    sg_sprite_cell_update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
sg_sprite_cell_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SgSpriteCell *self = SG_SPRITE_CELL (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_sprite_cell_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SgSpriteCell *self = SG_SPRITE_CELL (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      sg_sprite_cell_set_item (self, g_value_get_object (value));
      break;

    case PROP_RUNNING:
      sg_sprite_cell_set_running (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_sprite_cell_class_init (SgSpriteCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sg_sprite_cell_dispose;
  object_class->get_property = sg_sprite_cell_get_property;
  object_class->set_property = sg_sprite_cell_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SG_TYPE_POKEMON,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SG_TYPE_SPRITE_PICTURE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/spritegallery/SpriteGallery/sg-sprite-cell.ui");
  gtk_widget_class_bind_template_child (widget_class, SgSpriteCell, picture);
  gtk_widget_class_bind_template_child (widget_class, SgSpriteCell, state_image);
  gtk_widget_class_bind_template_child (widget_class, SgSpriteCell, number_label);
  gtk_widget_class_bind_template_child (widget_class, SgSpriteCell, title_label);

  gtk_widget_class_set_css_name (widget_class, "sprite-cell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sg_sprite_cell_init (SgSpriteCell *self)
{
  GtkDragSource *source;

  gtk_widget_init_template (GTK_WIDGET (self));

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect_object (source, "prepare",
                           G_CALLBACK (sg_sprite_cell_drag_prepare_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (source, "drag-begin",
                           G_CALLBACK (sg_sprite_cell_drag_begin_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (source));
}

GtkWidget *
sg_sprite_cell_new (void)
{
  return g_object_new (SG_TYPE_SPRITE_CELL, NULL);
}

SgPokemon *
sg_sprite_cell_get_item (SgSpriteCell *self)
{
  g_return_val_if_fail (SG_IS_SPRITE_CELL (self), NULL);

  return self->item;
}

void
sg_sprite_cell_set_item (SgSpriteCell *self,
                         SgPokemon    *item)
{
  static const char * const watched[] = {
    "notify::id", "notify::title", "notify::state", "notify::texture", "notify::reason",
  };

  g_return_if_fail (SG_IS_SPRITE_CELL (self));
  g_return_if_fail (item == NULL || SG_IS_POKEMON (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);

  g_set_object (&self->item, item);

  if (item != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
        g_signal_connect_object (item, watched[i],
                                 G_CALLBACK (sg_sprite_cell_item_notify_cb),
                                 self, G_CONNECT_SWAPPED);
    }

  /* During dispose the template children are already gone. */
  if (self->picture != NULL)
    sg_sprite_cell_update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
