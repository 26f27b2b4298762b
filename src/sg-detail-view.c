/* sg-detail-view.c: one Pokémon large: its sprite, facts and other variants
 *
 * The view shows the item's own sprite (the grid's variant) large, and
 * every variant the item's detail offers as a thumbnail below. Thumbnails
 * are fetched only while the view is on screen, through the downloader
 * (from the library when stored, else downloaded into it), and all of one
 * item's fetches share one GCancellable: a new item, a new set of variants,
 * the view leaving the screen or dispose cancels it, and a callback that
 * arrives after that touches nothing, since the thumbnails it was meant for
 * are gone (or will be fetched again).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-detail-view"

#include "config.h"

#include <glib/gi18n.h>

#include "sg-detail-view.h"
#include "sg-export.h"
#include "sg-http.h"
#include "sg-sprite-picture.h"
#include "sg-types.h"

#define THUMBNAIL_SIZE 96

typedef enum {
  THUMBNAIL_IDLE,     /* not fetched yet, or its fetch was cancelled */
  THUMBNAIL_LOADING,
  THUMBNAIL_DONE,     /* loaded, failed, or the item's own sprite */
} ThumbnailState;

/* One variant's tile in the flow box. Its widgets belong to the flow box. */
typedef struct {
  SgVariant        variant;
  GtkFlowBoxChild *child;        /* (unowned) */
  GtkStack        *stack;        /* (unowned): "loading", "picture", "error" */
  SgSpritePicture *picture;      /* (unowned) */
  GtkImage        *error_image;  /* (unowned) */
  GdkTexture      *texture;      /* (owned) (nullable) */
  char            *path;         /* (owned) (nullable) */
  char            *reason;       /* (owned) (nullable): why it failed */
  const char      *icon_name;    /* (nullable): the failure's icon */
  ThumbnailState   state;
} Thumbnail;

struct _SgDetailView
{
  AdwBin               parent_instance;

  /* Template widgets (the stack, AdwBin's child, is not bound: AdwBin
   * unparents it in its own dispose) */
  GtkWidget           *picture_box;
  SgSpritePicture     *picture;
  GtkWidget           *placeholder_box;
  GtkImage            *placeholder_image;
  GtkLabel            *placeholder_label;
  GtkLabel            *number_label;
  GtkLabel            *title_label;
  GtkBox              *types_box;
  GtkWidget           *facts_box;
  GtkLabel            *height_label;
  GtkLabel            *weight_label;
  AdwPreferencesGroup *variants_group;
  GtkFlowBox          *variants_box;

  /* Owned */
  SgDownloader        *downloader;   /* (owned) */
  SgPokemon           *item;         /* (owned) (nullable) */
  GCancellable        *cancellable;  /* (owned) (nullable): this set of thumbnails' fetches */
  Thumbnail           *thumbnails[SG_N_VARIANTS];  /* (owned) (nullable each) */
  guint                offered;      /* bit per variant with a thumbnail */
  SgVariant            item_variant; /* the variant of the item's own sprite */
  GdkTexture          *texture;      /* (owned) (nullable): shown large */
  char                *path;         /* (owned) (nullable): its file */
  SgVariant            shown_variant;
  gboolean             showing_item; /* the item's own sprite, following its changes */
  gboolean             selecting;    /* set while we move the selection ourselves */
};

G_DEFINE_FINAL_TYPE (SgDetailView, sg_detail_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DOWNLOADER,
  PROP_ITEM,
  PROP_TEXTURE,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The types PokeAPI knows; only these become a style class, since the names
 * come from the network. */
static const char * const known_types[] = {
  "normal", "fire", "water", "electric", "grass", "ice", "fighting", "poison", "ground",
  "flying", "psychic", "bug", "rock", "ghost", "dragon", "dark", "steel", "fairy",
};

static void sg_detail_view_start_fetches (SgDetailView *self);

static void
thumbnail_free (Thumbnail *thumbnail)
{
  g_clear_object (&thumbnail->texture);
  g_clear_pointer (&thumbnail->path, g_free);
  g_clear_pointer (&thumbnail->reason, g_free);
  g_free (thumbnail);
}

/* ── What is shown large ───────────────────────────────────────────────── */

static void
sg_detail_view_update_picture_label (SgDetailView *self)
{
  g_autofree char *title = NULL;
  g_autofree char *label = NULL;

  if (self->item == NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->picture_box), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }

  title = sg_pokemon_dup_title (self->item);
  if (self->texture != NULL)
    /* Translators: the accessible name of the large sprite: name and
     * variant, as in "Pikachu, Back, Shiny" */
    label = g_strdup_printf (C_("large sprite", "%s, %s"), title, sg_variant_get_label (self->shown_variant));
  else
    /* Translators: the accessible name of the large sprite when there is none */
    label = g_strdup_printf (_("%s, no sprite"), title);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

/* Without a sprite to show, say why instead of showing an empty box. */
static void
sg_detail_view_update_placeholder (SgDetailView *self)
{
  Thumbnail *thumbnail = self->thumbnails[self->shown_variant];
  const char *icon_name = "image-x-generic-symbolic";
  const char *text = "";

  gtk_widget_set_visible (self->placeholder_box, self->item != NULL && self->texture == NULL);
  if (self->item == NULL || self->texture != NULL)
    return;

  if (self->showing_item)
    {
      switch (sg_pokemon_get_state (self->item))
        {
        case SG_ITEM_STATE_MISSING:
          icon_name = "image-missing-symbolic";
          text = _("No sprite");
          break;

        case SG_ITEM_STATE_FAILED:
          icon_name = "dialog-error-symbolic";
          text = sg_pokemon_get_reason (self->item);
          if (text == NULL)
            text = _("Download failed");
          break;

        case SG_ITEM_STATE_PENDING:
        case SG_ITEM_STATE_DOWNLOADED:
        case SG_ITEM_STATE_STORED:
        default:
          break;
        }
    }
  else if (thumbnail != NULL && thumbnail->reason != NULL)
    {
      icon_name = thumbnail->icon_name;
      text = thumbnail->reason;
    }

  gtk_image_set_from_icon_name (self->placeholder_image, icon_name);
  gtk_label_set_label (self->placeholder_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder_label), *text != '\0');
}

static void
sg_detail_view_update_actions (SgDetailView *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.copy", self->texture != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.save-as", self->path != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.show-in-folder", self->path != NULL);
}

static void
sg_detail_view_show (SgDetailView *self,
                     SgVariant     variant,
                     GdkTexture   *texture,
                     const char   *path)
{
  gboolean texture_changed;
  gboolean path_changed;

  self->shown_variant = variant;
  texture_changed = g_set_object (&self->texture, texture);
  path_changed = g_strcmp0 (self->path, path) != 0;
  if (path_changed)
    {
      g_free (self->path);
      self->path = g_strdup (path);
    }

  sg_sprite_picture_set_texture (self->picture, texture);
  sg_detail_view_update_picture_label (self);
  sg_detail_view_update_placeholder (self);
  sg_detail_view_update_actions (self);

  if (texture_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
  if (path_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
}

static void
sg_detail_view_show_item_sprite (SgDetailView *self)
{
  Thumbnail *thumbnail = self->thumbnails[self->item_variant];

  self->showing_item = TRUE;
  sg_detail_view_show (self, self->item_variant,
                       self->item != NULL ? sg_pokemon_get_texture (self->item) : NULL,
                       self->item != NULL ? sg_pokemon_get_path (self->item) : NULL);

  self->selecting = TRUE;
  if (thumbnail != NULL)
    gtk_flow_box_select_child (self->variants_box, thumbnail->child);
  else
    gtk_flow_box_unselect_all (self->variants_box);
  self->selecting = FALSE;
}

/* ── Thumbnails ────────────────────────────────────────────────────────── */

static void
thumbnail_update_label (Thumbnail  *thumbnail,
                        const char *state)
{
  g_autofree char *label = NULL;

  /* Translators: the accessible name of a sprite thumbnail: the variant
   * and its state, as in "Back, Shiny, loading" */
  label = g_strdup_printf (C_("thumbnail", "%s, %s"), sg_variant_get_label (thumbnail->variant), state);
  gtk_accessible_update_property (GTK_ACCESSIBLE (thumbnail->child),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
thumbnail_set_loading (Thumbnail *thumbnail)
{
  gtk_stack_set_visible_child_name (thumbnail->stack, "loading");
  /* Translators: the state of a sprite thumbnail, read by screen readers */
  thumbnail_update_label (thumbnail, _("loading"));
}

static void
thumbnail_set_texture (Thumbnail  *thumbnail,
                       GdkTexture *texture,
                       const char *path)
{
  g_set_object (&thumbnail->texture, texture);
  g_free (thumbnail->path);
  thumbnail->path = g_strdup (path);

  sg_sprite_picture_set_texture (thumbnail->picture, texture);
  gtk_stack_set_visible_child_name (thumbnail->stack, "picture");
  /* Only on a change: on GTK 4.8 each call is a round trip to the X server. */
  if (gtk_widget_get_tooltip_text (GTK_WIDGET (thumbnail->child)) != NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (thumbnail->child), NULL);
  /* Translators: the state of a sprite thumbnail, read by screen readers */
  thumbnail_update_label (thumbnail, _("loaded"));
}

static void
thumbnail_set_error (Thumbnail  *thumbnail,
                     const char *icon_name,
                     const char *reason)
{
  g_autofree char *state = NULL;

  g_free (thumbnail->reason);
  thumbnail->reason = g_strdup (reason);
  thumbnail->icon_name = icon_name;
  gtk_image_set_from_icon_name (thumbnail->error_image, icon_name);
  if (g_str_equal (icon_name, "dialog-error-symbolic"))
    gtk_widget_add_css_class (GTK_WIDGET (thumbnail->error_image), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (thumbnail->error_image), "error");
  gtk_stack_set_visible_child_name (thumbnail->stack, "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (thumbnail->child), reason);

  /* Translators: the state of a sprite thumbnail, read by screen readers;
   * %s is why it could not be loaded */
  state = g_strdup_printf (_("failed: %s"), reason);
  thumbnail_update_label (thumbnail, state);
}

static Thumbnail *
thumbnail_new (SgVariant variant)
{
  Thumbnail *thumbnail = g_new0 (Thumbnail, 1);
  GtkWidget *box;
  GtkWidget *spinner;
  GtkWidget *label;

  thumbnail->variant = variant;

  thumbnail->picture = SG_SPRITE_PICTURE (sg_sprite_picture_new ());
  sg_sprite_picture_set_size (thumbnail->picture, THUMBNAIL_SIZE);

  spinner = gtk_spinner_new ();
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
  gtk_widget_set_size_request (spinner, 24, 24);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);

  thumbnail->error_image = GTK_IMAGE (gtk_image_new ());
  gtk_image_set_pixel_size (thumbnail->error_image, 32);
  gtk_widget_add_css_class (GTK_WIDGET (thumbnail->error_image), "thumbnail-state");

  /* Every page the size of the picture, so a tile does not jump when its
   * sprite arrives. */
  thumbnail->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_set_hhomogeneous (thumbnail->stack, TRUE);
  gtk_stack_set_vhomogeneous (thumbnail->stack, TRUE);
  gtk_stack_set_transition_type (thumbnail->stack, GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_stack_add_named (thumbnail->stack, GTK_WIDGET (thumbnail->picture), "picture");
  gtk_stack_add_named (thumbnail->stack, spinner, "loading");
  gtk_stack_add_named (thumbnail->stack, GTK_WIDGET (thumbnail->error_image), "error");
  gtk_widget_set_halign (GTK_WIDGET (thumbnail->stack), GTK_ALIGN_CENTER);

  label = gtk_label_new (sg_variant_get_label (variant));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 10);
  gtk_widget_add_css_class (label, "caption");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (thumbnail->stack));
  gtk_box_append (GTK_BOX (box), label);

  thumbnail->child = GTK_FLOW_BOX_CHILD (gtk_flow_box_child_new ());
  gtk_flow_box_child_set_child (thumbnail->child, box);
  /* Which tile was activated; the flow box keeps them in variant order,
   * but only the offered ones. */
  g_object_set_data (G_OBJECT (thumbnail->child), "sg-variant", GUINT_TO_POINTER (variant));

  thumbnail_set_loading (thumbnail);

  return thumbnail;
}

typedef struct {
  SgDetailView *self;         /* (owned) */
  GCancellable *cancellable;  /* (owned): the one of the thumbnails it was started for */
  SgVariant     variant;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchData, fetch_data_free)

static void
fetch_variant_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  SgDetailView *self = data->self;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  Thumbnail *thumbnail;

  texture = sg_downloader_fetch_variant_finish (SG_DOWNLOADER (source), result, &path, &error);

  /* A new item or dispose cancelled it: its thumbnail is gone. */
  if (g_cancellable_is_cancelled (data->cancellable) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  thumbnail = self->thumbnails[data->variant];
  if (thumbnail == NULL)
    return;

  thumbnail->state = THUMBNAIL_DONE;

  if (texture == NULL)
    {
      if (g_error_matches (error, SG_DOWNLOADER_ERROR, SG_DOWNLOADER_ERROR_NO_SPRITE))
        thumbnail_set_error (thumbnail, "image-missing-symbolic", _("No sprite"));
      else if (g_error_matches (error, SG_HTTP_ERROR, SG_HTTP_ERROR_UNREACHABLE))
        /* Offline is a state, not a failure: no red. */
        thumbnail_set_error (thumbnail, "network-offline-symbolic",
                             _("Not downloaded yet: the server cannot be reached"));
      else
        thumbnail_set_error (thumbnail, "dialog-error-symbolic",
                             error != NULL ? error->message : _("Download failed"));
      sg_detail_view_update_placeholder (self);
      return;
    }

  thumbnail_set_texture (thumbnail, texture, path);

  /* Fetched while selected (the item's own sprite was missing): show it. */
  if (self->shown_variant == data->variant && self->texture == NULL)
    sg_detail_view_show (self, data->variant, texture, path);
}

static void
sg_detail_view_start_fetches (SgDetailView *self)
{
  /* On demand: a view that is not on screen downloads nothing. */
  if (self->item == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      Thumbnail *thumbnail = self->thumbnails[v];
      FetchData *data;

      if (thumbnail == NULL || thumbnail->state != THUMBNAIL_IDLE)
        continue;

      thumbnail->state = THUMBNAIL_LOADING;
      data = g_new0 (FetchData, 1);
      data->self = g_object_ref (self);
      data->cancellable = g_object_ref (self->cancellable);
      data->variant = v;
      sg_downloader_fetch_variant_async (self->downloader, self->item, v,
                                         self->cancellable,
                                         fetch_variant_cb, data);
    }
}

static void
sg_detail_view_clear_thumbnails (SgDetailView *self)
{
  GtkWidget *child;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    g_clear_pointer (&self->thumbnails[v], thumbnail_free);
  self->offered = 0;

  /* During dispose the template children are already gone. */
  if (self->variants_box != NULL)
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->variants_box))) != NULL)
      gtk_flow_box_remove (self->variants_box, child);
}

static guint
sg_detail_view_get_offered (SgDetailView *self)
{
  guint offered = 0;

  if (self->item == NULL)
    return 0;

  /* Without its details (an item the run has not reached) we do not know
   * what it offers; fetching its own variant fetches the details too, and
   * their arrival rebuilds the thumbnails. */
  if (!sg_pokemon_has_details (self->item))
    return 1u << self->item_variant;

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    if (sg_pokemon_get_sprite_url (self->item, v) != NULL)
      offered |= 1u << v;

  return offered;
}

/* Builds the thumbnails anew when the set of variants changes (a new item,
 * or the item's details arriving). */
static void
sg_detail_view_update_thumbnails (SgDetailView *self)
{
  guint offered = sg_detail_view_get_offered (self);
  GdkTexture *item_texture;

  if (offered == self->offered)
    return;

  sg_detail_view_clear_thumbnails (self);
  self->offered = offered;

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      Thumbnail *thumbnail;

      if ((offered & (1u << v)) == 0)
        continue;

      thumbnail = thumbnail_new (v);
      self->thumbnails[v] = thumbnail;
      gtk_flow_box_append (self->variants_box, GTK_WIDGET (thumbnail->child));
    }

  /* The item's own sprite is already here: no need to fetch it again. */
  item_texture = self->item != NULL ? sg_pokemon_get_texture (self->item) : NULL;
  if (self->thumbnails[self->item_variant] != NULL && item_texture != NULL)
    {
      Thumbnail *thumbnail = self->thumbnails[self->item_variant];

      thumbnail->state = THUMBNAIL_DONE;
      thumbnail_set_texture (thumbnail, item_texture, sg_pokemon_get_path (self->item));
    }

  gtk_widget_set_visible (GTK_WIDGET (self->variants_group), offered != 0);

  sg_detail_view_start_fetches (self);
}

/* ── Facts ─────────────────────────────────────────────────────────────── */

static GtkWidget *
type_pill_new (const char *type)
{
  g_autofree char *css_class = NULL;
  g_autofree char *first = NULL;
  g_autofree char *text = NULL;
  GtkWidget *label;
  const char *rest;

  if (!g_utf8_validate (type, -1, NULL) || *type == '\0')
    return NULL;

  /* "electric" → "Electric": PokeAPI's names are lower-case identifiers. */
  rest = g_utf8_next_char (type);
  first = g_utf8_strup (type, rest - type);
  text = g_strconcat (first, rest, NULL);

  label = gtk_label_new (text);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
  gtk_widget_add_css_class (label, "type-pill");
  for (guint i = 0; i < G_N_ELEMENTS (known_types); i++)
    if (g_str_equal (type, known_types[i]))
      {
        css_class = g_strconcat ("type-", type, NULL);
        gtk_widget_add_css_class (label, css_class);
        break;
      }

  return label;
}

/* Height in decimetres, weight in hectograms, as PokeAPI gives them. */
static char *
format_height (guint decimetres)
{
  if (decimetres == 0)
    return g_strdup (_("Unknown"));

  /* Translators: a height in metres, as in "0.4 m" */
  return g_strdup_printf (_("%.1f m"), decimetres / 10.0);
}

static char *
format_weight (guint hectograms)
{
  if (hectograms == 0)
    return g_strdup (_("Unknown"));

  /* Translators: a weight in kilograms, as in "6.0 kg" */
  return g_strdup_printf (_("%.1f kg"), hectograms / 10.0);
}

static void
sg_detail_view_update_facts (SgDetailView *self)
{
  g_autofree char *number = NULL;
  g_autofree char *title = NULL;
  g_autofree char *height = NULL;
  g_autofree char *weight = NULL;
  const char * const *types;
  GtkWidget *child;
  guint id;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->types_box))) != NULL)
    gtk_box_remove (self->types_box, child);

  if (self->item == NULL)
    {
      gtk_label_set_label (self->number_label, "");
      gtk_label_set_label (self->title_label, "");
      return;
    }

  id = sg_pokemon_get_id (self->item);
  number = id > 0 ? g_strdup_printf ("#%03u", id) : g_strdup ("");
  title = sg_pokemon_dup_title (self->item);
  gtk_label_set_label (self->number_label, number);
  gtk_label_set_label (self->title_label, title);

  types = sg_pokemon_get_types (self->item);
  for (guint i = 0; types != NULL && types[i] != NULL; i++)
    {
      GtkWidget *pill = type_pill_new (types[i]);

      if (pill != NULL)
        gtk_box_append (self->types_box, pill);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->types_box),
                          gtk_widget_get_first_child (GTK_WIDGET (self->types_box)) != NULL);

  height = format_height (sg_pokemon_get_height (self->item));
  weight = format_weight (sg_pokemon_get_weight (self->item));
  gtk_label_set_label (self->height_label, height);
  gtk_label_set_label (self->weight_label, weight);
  gtk_widget_set_visible (self->facts_box, sg_pokemon_has_details (self->item));
}

static void
sg_detail_view_item_notify_cb (SgDetailView *self,
                               GParamSpec   *pspec,
                               SgPokemon    *item)
{
  const char *name = g_param_spec_get_name (pspec);

  g_assert (self->item == item);

  /* A run notifies state, texture, path and reason of every item it
   * finishes; the facts only change with the identity or the details. */
  if (g_str_equal (name, "id") || g_str_equal (name, "name") || g_str_equal (name, "title") ||
      g_str_equal (name, "types") || g_str_equal (name, "has-details"))
    {
      sg_detail_view_update_facts (self);
      sg_detail_view_update_thumbnails (self);
      sg_detail_view_update_picture_label (self);
    }

  /* The run finished the item while it was shown. */
  if (self->showing_item &&
      (self->texture != sg_pokemon_get_texture (item) ||
       g_strcmp0 (self->path, sg_pokemon_get_path (item)) != 0))
    {
      Thumbnail *thumbnail = self->thumbnails[self->item_variant];

      if (thumbnail != NULL && sg_pokemon_get_texture (item) != NULL)
        {
          thumbnail->state = THUMBNAIL_DONE;
          thumbnail_set_texture (thumbnail, sg_pokemon_get_texture (item), sg_pokemon_get_path (item));
        }
      sg_detail_view_show_item_sprite (self);
    }

  /* Its state may have changed (failed, say) without a texture either way. */
  sg_detail_view_update_placeholder (self);
}

/* ── Actions ───────────────────────────────────────────────────────────── */

static void
variant_activated_cb (SgDetailView    *self,
                      GtkFlowBoxChild *child,
                      GtkFlowBox      *box)
{
  SgVariant variant = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (child), "sg-variant"));
  Thumbnail *thumbnail;

  if (variant >= SG_N_VARIANTS || (thumbnail = self->thumbnails[variant]) == NULL)
    return;

  if (variant == self->item_variant && sg_pokemon_get_texture (self->item) != NULL)
    {
      sg_detail_view_show_item_sprite (self);
      return;
    }

  /* Still loading, or failed: show it large as soon as it comes, or the
   * empty box, so the selection and the picture agree. */
  self->showing_item = FALSE;
  sg_detail_view_show (self, variant, thumbnail->texture, thumbnail->path);
}

/* The arrow keys move the selection without activating: follow it, so
 * what is selected is what is shown large. */
static void
variant_selected_cb (SgDetailView *self,
                     GtkFlowBox   *box)
{
  g_autoptr(GList) selected = NULL;

  if (self->selecting)
    return;

  selected = gtk_flow_box_get_selected_children (box);
  if (selected != NULL)
    variant_activated_cb (self, selected->data, box);
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SgDetailView *self = SG_DETAIL_VIEW (widget);

  if (self->texture != NULL)
    sg_export_copy_texture (widget, self->texture);
}

static void
save_as_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SgDetailView) self = user_data;
  g_autoptr(GError) error = NULL;
  GtkWidget *overlay;
  AdwToast *toast;

  if (sg_export_save_as_finish (result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    return;

  /* The window around us shows toasts; we do not need to know which window. */
  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL)
    {
      g_warning ("Could not save the sprite: %s", error->message);
      return;
    }

  toast = adw_toast_new (error->message);
  adw_toast_set_timeout (toast, 0);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SgDetailView *self = SG_DETAIL_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->item == NULL || self->path == NULL)
    return;

  sg_export_save_as_async (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                           self->item, self->path, NULL,
                           save_as_cb, g_object_ref (self));
}

static void
show_in_folder_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SgDetailView *self = SG_DETAIL_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->path != NULL)
    sg_export_open_folder (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->path);
}

static GdkContentProvider *
drag_prepare_cb (SgDetailView   *self,
                 double          x,
                 double          y,
                 GtkDragSource  *source)
{
  if (self->path == NULL)
    return NULL;

  /* The sprite itself under the pointer; official artwork would be too big. */
  if (self->texture != NULL && gdk_texture_get_width (self->texture) <= 128)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (self->texture), 0, 0);

  return sg_export_content_for_file (self->path);
}

/* ── GObject ───────────────────────────────────────────────────────────── */

static void
sg_detail_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (sg_detail_view_parent_class)->map (widget);

  sg_detail_view_start_fetches (SG_DETAIL_VIEW (widget));
}

/* Off screen (hidden, or its window closing), nothing is fetched: the
 * fetches in flight are cancelled, and start again when it is shown. This
 * is also what lets a closed window's view go: each fetch holds a reference
 * to it, so dispose would only come after the last one. */
static void
sg_detail_view_unmap (GtkWidget *widget)
{
  SgDetailView *self = SG_DETAIL_VIEW (widget);

  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    if (self->thumbnails[v] != NULL && self->thumbnails[v]->state == THUMBNAIL_LOADING)
      self->thumbnails[v]->state = THUMBNAIL_IDLE;

  GTK_WIDGET_CLASS (sg_detail_view_parent_class)->unmap (widget);
}

static void
sg_detail_view_dispose (GObject *object)
{
  SgDetailView *self = SG_DETAIL_VIEW (object);

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_clear_object (&self->item);
  sg_detail_view_clear_thumbnails (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), SG_TYPE_DETAIL_VIEW);

  G_OBJECT_CLASS (sg_detail_view_parent_class)->dispose (object);
}

static void
sg_detail_view_finalize (GObject *object)
{
  SgDetailView *self = SG_DETAIL_VIEW (object);

  g_clear_object (&self->downloader);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (sg_detail_view_parent_class)->finalize (object);
}

static void
sg_detail_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SgDetailView *self = SG_DETAIL_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOWNLOADER:
      g_value_set_object (value, self->downloader);
      break;

    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;

    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_detail_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SgDetailView *self = SG_DETAIL_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOWNLOADER:
      self->downloader = g_value_dup_object (value);
      break;

    case PROP_ITEM:
      sg_detail_view_set_item (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_detail_view_constructed (GObject *object)
{
  SgDetailView *self = SG_DETAIL_VIEW (object);

  G_OBJECT_CLASS (sg_detail_view_parent_class)->constructed (object);

  g_assert (SG_IS_DOWNLOADER (self->downloader));
}

static void
sg_detail_view_class_init (SgDetailViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = sg_detail_view_constructed;
  object_class->dispose = sg_detail_view_dispose;
  object_class->finalize = sg_detail_view_finalize;
  object_class->get_property = sg_detail_view_get_property;
  object_class->set_property = sg_detail_view_set_property;

  widget_class->map = sg_detail_view_map;
  widget_class->unmap = sg_detail_view_unmap;

  properties[PROP_DOWNLOADER] =
    g_param_spec_object ("downloader", NULL, NULL, SG_TYPE_DOWNLOADER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SG_TYPE_POKEMON,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SG_TYPE_SPRITE_PICTURE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/spritegallery/SpriteGallery/sg-detail-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, picture_box);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, picture);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, placeholder_box);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, placeholder_image);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, placeholder_label);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, number_label);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, title_label);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, types_box);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, facts_box);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, height_label);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, weight_label);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, variants_group);
  gtk_widget_class_bind_template_child (widget_class, SgDetailView, variants_box);
  gtk_widget_class_bind_template_callback (widget_class, variant_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, variant_selected_cb);

  /* For the host's buttons, menus and shortcuts (the window puts them in
   * its header bar); each is enabled only when it can act. */
  gtk_widget_class_install_action (widget_class, "detail.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "detail.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "detail.show-in-folder", NULL, show_in_folder_action);

  gtk_widget_class_set_css_name (widget_class, "detail-view");
}

static void
sg_detail_view_init (SgDetailView *self)
{
  GtkDragSource *drag_source;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Drag the large sprite out as its file, to a file manager or an editor. */
  drag_source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (drag_source, GDK_ACTION_COPY);
  g_signal_connect_object (drag_source, "prepare", G_CALLBACK (drag_prepare_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (self->picture_box, GTK_EVENT_CONTROLLER (drag_source));

  sg_detail_view_update_actions (self);
}

GtkWidget *
sg_detail_view_new (SgDownloader *downloader)
{
  g_return_val_if_fail (SG_IS_DOWNLOADER (downloader), NULL);

  return g_object_new (SG_TYPE_DETAIL_VIEW,
                       "downloader", downloader,
                       NULL);
}

SgDownloader *
sg_detail_view_get_downloader (SgDetailView *self)
{
  g_return_val_if_fail (SG_IS_DETAIL_VIEW (self), NULL);

  return self->downloader;
}

SgPokemon *
sg_detail_view_get_item (SgDetailView *self)
{
  g_return_val_if_fail (SG_IS_DETAIL_VIEW (self), NULL);

  return self->item;
}

void
sg_detail_view_set_item (SgDetailView *self,
                         SgPokemon    *item)
{
  guint variant = SG_VARIANT_FRONT_DEFAULT;

  g_return_if_fail (SG_IS_DETAIL_VIEW (self));
  g_return_if_fail (item == NULL || SG_IS_POKEMON (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_data (self->item, self);
  g_set_object (&self->item, item);

  /* The grid shows the downloader's variant: that is the item's own sprite. */
  g_object_get (self->downloader, "variant", &variant, NULL);
  self->item_variant = variant < SG_N_VARIANTS ? variant : SG_VARIANT_FRONT_DEFAULT;

  /* Rebuilt, whatever the new item offers: the old fetches are cancelled. */
  sg_detail_view_clear_thumbnails (self);
  self->offered = G_MAXUINT;

  if (item != NULL)
    g_signal_connect_object (item, "notify", G_CALLBACK (sg_detail_view_item_notify_cb),
                             self, G_CONNECT_SWAPPED);

  gtk_stack_set_visible_child_name (GTK_STACK (adw_bin_get_child (ADW_BIN (self))),
                                    item != NULL ? "details" : "empty");
  sg_detail_view_update_facts (self);
  sg_detail_view_update_thumbnails (self);
  sg_detail_view_show_item_sprite (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

GdkTexture *
sg_detail_view_get_texture (SgDetailView *self)
{
  g_return_val_if_fail (SG_IS_DETAIL_VIEW (self), NULL);

  return self->texture;
}

const char *
sg_detail_view_get_path (SgDetailView *self)
{
  g_return_val_if_fail (SG_IS_DETAIL_VIEW (self), NULL);

  return self->path;
}
