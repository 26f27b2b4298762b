/* sg-pokemon.c: one item of the grid
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "sg-pokemon.h"

struct _SgPokemon
{
  GObject      parent_instance;

  guint        id;
  char        *name;     /* (owned) */
  GStrv        types;    /* (owned) never NULL */
  SgItemState  state;
  GdkTexture  *texture;  /* (owned) (nullable) */
  char        *path;     /* (owned) (nullable): where the sprite is stored */
  char        *reason;   /* (owned) (nullable): why it failed */

  /* From the detail or the library index */
  gboolean     has_details;
  guint        height;   /* decimetres */
  guint        weight;   /* hectograms */
  char        *sprite_urls[SG_N_VARIANTS];  /* (owned) (nullable) each */
};

G_DEFINE_FINAL_TYPE (SgPokemon, sg_pokemon, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_TITLE,
  PROP_TYPES,
  PROP_STATE,
  PROP_TEXTURE,
  PROP_PATH,
  PROP_REASON,
  PROP_HAS_DETAILS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sg_pokemon_finalize (GObject *object)
{
  SgPokemon *self = SG_POKEMON (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->types, g_strfreev);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->reason, g_free);
  for (guint i = 0; i < SG_N_VARIANTS; i++)
    g_clear_pointer (&self->sprite_urls[i], g_free);

  G_OBJECT_CLASS (sg_pokemon_parent_class)->finalize (object);
}

static void
sg_pokemon_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SgPokemon *self = SG_POKEMON (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint (value, self->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_TITLE:
      g_value_take_string (value, sg_pokemon_dup_title (self));
      break;

    case PROP_TYPES:
      g_value_set_boxed (value, self->types);
      break;

    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;

    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;

    case PROP_HAS_DETAILS:
      g_value_set_boolean (value, self->has_details);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sg_pokemon_class_init (SgPokemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sg_pokemon_finalize;
  object_class->get_property = sg_pokemon_get_property;

  properties[PROP_ID] =
    g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TYPES] =
    g_param_spec_boxed ("types", NULL, NULL, G_TYPE_STRV,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* A plain uint keeps the core free of generated enum types; values are SgItemState. */
  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL, 0, SG_ITEM_STATE_FAILED, SG_ITEM_STATE_PENDING,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_REASON] =
    g_param_spec_string ("reason", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_HAS_DETAILS] =
    g_param_spec_boolean ("has-details", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sg_pokemon_init (SgPokemon *self)
{
  self->types = g_new0 (char *, 1);
}

SgPokemon *
sg_pokemon_new (guint       id,
                const char *name)
{
  SgPokemon *self = g_object_new (SG_TYPE_POKEMON, NULL);

  self->id = id;
  self->name = g_strdup (name != NULL ? name : "");

  return self;
}

guint
sg_pokemon_get_id (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), 0);

  return self->id;
}

const char *
sg_pokemon_get_name (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);

  return self->name;
}

/* "mr-mime" → "Mr-Mime": names arrive lowercase; a title reads better in the
 * grid. Only ASCII letters change, so any other bytes pass through as they are. */
char *
sg_pokemon_dup_title (SgPokemon *self)
{
  char *title;
  gboolean word_start = TRUE;

  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);

  title = g_utf8_make_valid (self->name, -1);
  for (char *p = title; *p != '\0'; p++)
    {
      if (word_start && g_ascii_islower (*p))
        *p = g_ascii_toupper (*p);
      word_start = (*p == '-' || *p == ' ');
    }

  return title;
}

const char * const *
sg_pokemon_get_types (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);

  return (const char * const *) self->types;
}

void
sg_pokemon_set_types (SgPokemon          *self,
                      const char * const *types)
{
  static const char * const none[] = { NULL };

  g_return_if_fail (SG_IS_POKEMON (self));

  if (types == NULL)
    types = none;

  if (g_strv_equal ((const char * const *) self->types, types))
    return;

  g_strfreev (self->types);
  self->types = g_strdupv ((char **) types);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPES]);
}

SgItemState
sg_pokemon_get_state (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), SG_ITEM_STATE_PENDING);

  return self->state;
}

GdkTexture *
sg_pokemon_get_texture (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);

  return self->texture;
}

const char *
sg_pokemon_get_reason (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);

  return self->reason;
}

const char *
sg_pokemon_get_path (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);

  return self->path;
}

/* The detail is the authority on id and name (the list only has a name). */
void
sg_pokemon_set_identity (SgPokemon  *self,
                         guint       id,
                         const char *name)
{
  g_return_if_fail (SG_IS_POKEMON (self));
  g_return_if_fail (name != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  if (self->id != id)
    {
      self->id = id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
    }

  if (g_strcmp0 (self->name, name) != 0)
    {
      g_free (self->name);
      self->name = g_strdup (name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

guint
sg_pokemon_get_height (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), 0);

  return self->height;
}

guint
sg_pokemon_get_weight (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), 0);

  return self->weight;
}

const char *
sg_pokemon_get_sprite_url (SgPokemon *self,
                           SgVariant  variant)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), NULL);
  g_return_val_if_fail ((guint) variant < SG_N_VARIANTS, NULL);

  return self->sprite_urls[variant];
}

gboolean
sg_pokemon_has_details (SgPokemon *self)
{
  g_return_val_if_fail (SG_IS_POKEMON (self), FALSE);

  return self->has_details;
}

void
sg_pokemon_set_details (SgPokemon          *self,
                        guint               height,
                        guint               weight,
                        const char * const *sprite_urls)
{
  g_return_if_fail (SG_IS_POKEMON (self));
  g_return_if_fail (sprite_urls != NULL);

  self->height = height;
  self->weight = weight;
  for (guint i = 0; i < SG_N_VARIANTS; i++)
    {
      g_free (self->sprite_urls[i]);
      self->sprite_urls[i] = g_strdup (sprite_urls[i]);
    }

  /* Notified every time: the details may have changed under the same flag. */
  self->has_details = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_DETAILS]);
}

void
sg_pokemon_finish (SgPokemon   *self,
                   SgItemState  state,
                   GdkTexture  *texture,
                   const char  *path,
                   const char  *reason)
{
  g_return_if_fail (SG_IS_POKEMON (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (g_set_object (&self->texture, texture))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);

  if (g_strcmp0 (self->path, path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
    }

  if (g_strcmp0 (self->reason, reason) != 0)
    {
      g_free (self->reason);
      self->reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
    }

  /* State last, and without freezing notifications (which may reorder
   * them), so a handler of notify::state sees the texture and reason. */
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}
