/* sg-library-index.c: what the library holds, and when each file was checked
 *
 * The index is only a cache of what the folder and the server say: a missing
 * or corrupt index is rebuilt from the files in the folder, and a rebuilt
 * entry counts as checked at rebuild time, so a crash never causes a wave of
 * re-downloads. Nothing the user downloaded depends on the index.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "sg-library-index"

#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>

#include "sg-library-index.h"
#include "sg-library.h"

/* Bumped when the format changes; an index of another version is rebuilt. */
#define INDEX_VERSION 1

struct _SgLibraryIndex
{
  GObject     parent_instance;

  GHashTable *entries;  /* (owned) id → SgIndexEntry */
  SgIndexList *list;    /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (SgLibraryIndex, sg_library_index, G_TYPE_OBJECT)

static void
index_file_free (SgIndexFile *file)
{
  if (file == NULL)
    return;

  g_free (file->etag);
  g_free (file->last_modified);
  g_free (file);
}

static void
index_entry_free (gpointer data)
{
  SgIndexEntry *entry = data;

  g_free (entry->name);
  g_strfreev (entry->types);
  for (guint i = 0; i < SG_N_VARIANTS; i++)
    {
      g_free (entry->sprite_urls[i]);
      index_file_free (entry->files[i]);
    }
  g_free (entry);
}

SgIndexListEntry *
sg_index_list_entry_new (guint       id,
                         const char *name,
                         const char *url)
{
  SgIndexListEntry *entry = g_new0 (SgIndexListEntry, 1);

  entry->id = id;
  entry->name = g_strdup (name);
  entry->url = g_strdup (url);

  return entry;
}

void
sg_index_list_entry_free (SgIndexListEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->name);
  g_free (entry->url);
  g_free (entry);
}

static void
index_list_free (SgIndexList *list)
{
  if (list == NULL)
    return;

  g_free (list->base_url);
  g_free (list->etag);
  g_free (list->last_modified);
  g_clear_pointer (&list->entries, g_ptr_array_unref);
  g_free (list);
}

static void
sg_library_index_finalize (GObject *object)
{
  SgLibraryIndex *self = SG_LIBRARY_INDEX (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->list, index_list_free);

  G_OBJECT_CLASS (sg_library_index_parent_class)->finalize (object);
}

static void
sg_library_index_class_init (SgLibraryIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sg_library_index_finalize;
}

static void
sg_library_index_init (SgLibraryIndex *self)
{
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, index_entry_free);
}

SgLibraryIndex *
sg_library_index_new (void)
{
  return g_object_new (SG_TYPE_LIBRARY_INDEX, NULL);
}

guint
sg_library_index_get_n_entries (SgLibraryIndex *self)
{
  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), 0);

  return g_hash_table_size (self->entries);
}

SgIndexEntry *
sg_library_index_lookup (SgLibraryIndex *self,
                         guint           id)
{
  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), NULL);

  return g_hash_table_lookup (self->entries, GUINT_TO_POINTER (id));
}

SgIndexEntry *
sg_library_index_ensure (SgLibraryIndex *self,
                         guint           id,
                         const char     *name)
{
  SgIndexEntry *entry;

  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), NULL);
  g_return_val_if_fail (id > 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = sg_library_index_lookup (self, id);
  if (entry == NULL)
    {
      entry = g_new0 (SgIndexEntry, 1);
      entry->id = id;
      entry->types = g_new0 (char *, 1);
      g_hash_table_insert (self->entries, GUINT_TO_POINTER (id), entry);
    }

  if (g_strcmp0 (entry->name, name) != 0)
    {
      g_free (entry->name);
      entry->name = g_strdup (name);
    }

  return entry;
}

void
sg_library_index_set_file (SgLibraryIndex *self,
                           guint           id,
                           SgVariant       variant,
                           const char     *etag,
                           const char     *last_modified,
                           gint64          checked,
                           gint64          max_age)
{
  SgIndexEntry *entry;
  SgIndexFile *file;

  g_return_if_fail (SG_IS_LIBRARY_INDEX (self));
  g_return_if_fail ((guint) variant < SG_N_VARIANTS);

  entry = sg_library_index_lookup (self, id);
  g_return_if_fail (entry != NULL);

  file = g_new0 (SgIndexFile, 1);
  file->etag = g_strdup (etag);
  file->last_modified = g_strdup (last_modified);
  file->checked = checked;
  file->max_age = max_age >= 0 ? max_age : SG_INDEX_DEFAULT_MAX_AGE;

  index_file_free (entry->files[variant]);
  entry->files[variant] = file;
}

void
sg_library_index_clear_file (SgLibraryIndex *self,
                             guint           id,
                             SgVariant       variant)
{
  SgIndexEntry *entry;

  g_return_if_fail (SG_IS_LIBRARY_INDEX (self));
  g_return_if_fail ((guint) variant < SG_N_VARIANTS);

  entry = sg_library_index_lookup (self, id);
  if (entry != NULL)
    g_clear_pointer (&entry->files[variant], index_file_free);
}

void
sg_library_index_set_detail (SgLibraryIndex     *self,
                             guint               id,
                             const char         *name,
                             const char * const *types,
                             guint               height,
                             guint               weight,
                             const char * const *sprite_urls)
{
  SgIndexEntry *entry;

  g_return_if_fail (SG_IS_LIBRARY_INDEX (self));
  g_return_if_fail (sprite_urls != NULL);

  entry = sg_library_index_ensure (self, id, name);
  g_strfreev (entry->types);
  entry->types = types != NULL ? g_strdupv ((char **) types) : g_new0 (char *, 1);
  entry->height = height;
  entry->weight = weight;
  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      g_free (entry->sprite_urls[v]);
      entry->sprite_urls[v] = g_strdup (sprite_urls[v]);
    }
  entry->has_detail = TRUE;
}

const SgIndexList *
sg_library_index_get_list (SgLibraryIndex *self)
{
  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), NULL);

  return self->list;
}

void
sg_library_index_set_list (SgLibraryIndex *self,
                           const char     *base_url,
                           guint           limit,
                           gint64          count,
                           GPtrArray      *entries,
                           const char     *etag,
                           const char     *last_modified,
                           gint64          checked,
                           gint64          max_age)
{
  SgIndexList *list;

  g_return_if_fail (SG_IS_LIBRARY_INDEX (self));
  g_return_if_fail (base_url != NULL);
  g_return_if_fail (entries != NULL);

  list = g_new0 (SgIndexList, 1);
  list->base_url = g_strdup (base_url);
  list->limit = limit;
  list->count = count;
  list->entries = entries;
  list->etag = g_strdup (etag);
  list->last_modified = g_strdup (last_modified);
  list->checked = checked;
  list->max_age = max_age >= 0 ? max_age : SG_INDEX_DEFAULT_MAX_AGE;

  index_list_free (self->list);
  self->list = list;
}

void
sg_library_index_touch_list (SgLibraryIndex *self,
                             gint64          checked,
                             gint64          max_age)
{
  g_return_if_fail (SG_IS_LIBRARY_INDEX (self));

  if (self->list == NULL)
    return;

  self->list->checked = checked;
  if (max_age >= 0)
    self->list->max_age = max_age;
}

gboolean
sg_library_index_list_is_fresh (SgLibraryIndex *self,
                                gint64          now)
{
  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), FALSE);

  return self->list != NULL &&
         self->list->checked <= now && now - self->list->checked < self->list->max_age;
}

/* Forgets everything, as after Clear Library. */
void
sg_library_index_clear (SgLibraryIndex *self)
{
  g_return_if_fail (SG_IS_LIBRARY_INDEX (self));

  g_hash_table_remove_all (self->entries);
  g_clear_pointer (&self->list, index_list_free);
}

gboolean
sg_index_file_is_fresh (const SgIndexFile *file,
                        gint64             now)
{
  if (file == NULL)
    return FALSE;

  /* A clock that went backwards makes everything stale, not fresh forever. */
  return file->checked <= now && now - file->checked < file->max_age;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const SgIndexEntry *x = *(SgIndexEntry * const *) a;
  const SgIndexEntry *y = *(SgIndexEntry * const *) b;

  return (x->id > y->id) - (x->id < y->id);
}

/**
 * sg_library_index_dup_entries:
 *
 * Returns: (transfer container): the entries, ordered by id; they stay owned
 *   by the index
 */
GPtrArray *
sg_library_index_dup_entries (SgLibraryIndex *self)
{
  GPtrArray *entries;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), NULL);

  entries = g_ptr_array_sized_new (g_hash_table_size (self->entries));
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (entries, value);
  g_ptr_array_sort (entries, compare_entries);

  return entries;
}

/* ── Writing ───────────────────────────────────────────────────────────── */

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *key,
                     const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

char *
sg_library_index_to_json (SgLibraryIndex *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  g_return_val_if_fail (SG_IS_LIBRARY_INDEX (self), NULL);

  entries = sg_library_index_dup_entries (self);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, INDEX_VERSION);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);

  for (guint i = 0; i < entries->len; i++)
    {
      const SgIndexEntry *entry = g_ptr_array_index (entries, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, entry->id);
      add_nullable_string (builder, "name", entry->name);
      json_builder_set_member_name (builder, "types");
      json_builder_begin_array (builder);
      for (guint t = 0; entry->types[t] != NULL; t++)
        json_builder_add_string_value (builder, entry->types[t]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "has_detail");
      json_builder_add_boolean_value (builder, entry->has_detail);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, entry->height);
      json_builder_set_member_name (builder, "weight");
      json_builder_add_int_value (builder, entry->weight);

      json_builder_set_member_name (builder, "sprites");
      json_builder_begin_object (builder);
      for (guint v = 0; v < SG_N_VARIANTS; v++)
        add_nullable_string (builder, sg_variant_to_string (v), entry->sprite_urls[v]);
      json_builder_end_object (builder);

      json_builder_set_member_name (builder, "files");
      json_builder_begin_object (builder);
      for (guint v = 0; v < SG_N_VARIANTS; v++)
        {
          const SgIndexFile *file = entry->files[v];

          if (file == NULL)
            continue;

          json_builder_set_member_name (builder, sg_variant_to_string (v));
          json_builder_begin_object (builder);
          add_nullable_string (builder, "etag", file->etag);
          add_nullable_string (builder, "last_modified", file->last_modified);
          json_builder_set_member_name (builder, "checked");
          json_builder_add_int_value (builder, file->checked);
          json_builder_set_member_name (builder, "max_age");
          json_builder_add_int_value (builder, file->max_age);
          json_builder_end_object (builder);
        }
      json_builder_end_object (builder);

      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);

  if (self->list != NULL)
    {
      json_builder_set_member_name (builder, "list");
      json_builder_begin_object (builder);
      add_nullable_string (builder, "base_url", self->list->base_url);
      json_builder_set_member_name (builder, "limit");
      json_builder_add_int_value (builder, self->list->limit);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, self->list->count);
      add_nullable_string (builder, "etag", self->list->etag);
      add_nullable_string (builder, "last_modified", self->list->last_modified);
      json_builder_set_member_name (builder, "checked");
      json_builder_add_int_value (builder, self->list->checked);
      json_builder_set_member_name (builder, "max_age");
      json_builder_add_int_value (builder, self->list->max_age);
      json_builder_set_member_name (builder, "entries");
      json_builder_begin_array (builder);
      for (guint i = 0; i < self->list->entries->len; i++)
        {
          const SgIndexListEntry *entry = g_ptr_array_index (self->list->entries, i);

          json_builder_begin_array (builder);
          json_builder_add_int_value (builder, entry->id);
          json_builder_add_string_value (builder, entry->name);
          json_builder_add_string_value (builder, entry->url);
          json_builder_end_array (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/**
 * sg_library_index_write:
 *
 * Blocking; for a worker. Atomic: a crash leaves the old index or the new
 * one, never half of either.
 */
gboolean
sg_library_index_write (const char  *path,
                        const char  *json,
                        GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  return g_file_set_contents_full (path, json, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* ── Reading ───────────────────────────────────────────────────────────── */

static const char *
get_string (JsonObject *object,
            const char *key)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
get_int (JsonObject *object,
         const char *key,
         gint64      min,
         gint64      max,
         gint64     *value)
{
  JsonNode *node = json_object_get_member (object, key);
  gint64 number;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  number = json_node_get_int (node);
  if (number < min || number > max)
    return FALSE;

  *value = number;
  return TRUE;
}

static gboolean
parse_entry (SgLibraryIndex *self,
             JsonNode       *node)
{
  JsonObject *object;
  JsonObject *sprites;
  JsonObject *files;
  JsonArray *types;
  SgIndexEntry *entry;
  JsonNode *has_detail;
  const char *name;
  gint64 id;
  gint64 number;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  object = json_node_get_object (node);

  name = get_string (object, "name");
  if (!get_int (object, "id", 1, G_MAXINT32, &id) || name == NULL ||
      sg_library_index_lookup (self, (guint) id) != NULL)
    return FALSE;

  entry = sg_library_index_ensure (self, (guint) id, name);

  has_detail = json_object_get_member (object, "has_detail");
  entry->has_detail = has_detail != NULL && JSON_NODE_HOLDS_VALUE (has_detail) &&
                      json_node_get_value_type (has_detail) == G_TYPE_BOOLEAN &&
                      json_node_get_boolean (has_detail);
  if (get_int (object, "height", 0, G_MAXINT32, &number))
    entry->height = (guint) number;
  if (get_int (object, "weight", 0, G_MAXINT32, &number))
    entry->weight = (guint) number;

  if (json_object_has_member (object, "types") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "types")))
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      types = json_object_get_array_member (object, "types");
      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          JsonNode *type = json_array_get_element (types, i);

          if (JSON_NODE_HOLDS_VALUE (type) && json_node_get_value_type (type) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (type));
        }
      g_strfreev (entry->types);
      entry->types = g_strv_builder_end (builder);
    }

  sprites = json_object_has_member (object, "sprites") &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "sprites"))
            ? json_object_get_object_member (object, "sprites") : NULL;
  files = json_object_has_member (object, "files") &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "files"))
          ? json_object_get_object_member (object, "files") : NULL;

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      const char *key = sg_variant_to_string (v);

      if (sprites != NULL)
        entry->sprite_urls[v] = g_strdup (get_string (sprites, key));

      if (files != NULL && json_object_has_member (files, key) &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (files, key)))
        {
          JsonObject *file = json_object_get_object_member (files, key);
          gint64 checked = 0;
          gint64 max_age = SG_INDEX_DEFAULT_MAX_AGE;

          get_int (file, "checked", 0, G_MAXINT64, &checked);
          get_int (file, "max_age", 0, G_MAXINT32, &max_age);
          sg_library_index_set_file (self, entry->id, v,
                                     get_string (file, "etag"),
                                     get_string (file, "last_modified"),
                                     checked, max_age);
        }
    }

  return TRUE;
}

static void
parse_list (SgLibraryIndex *self,
            JsonObject     *object)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sg_index_list_entry_free);
  const char *base_url = get_string (object, "base_url");
  gint64 limit = 0, count = -1, checked = 0, max_age = SG_INDEX_DEFAULT_MAX_AGE;
  JsonArray *array;

  if (base_url == NULL ||
      !json_object_has_member (object, "entries") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "entries")))
    return;

  get_int (object, "limit", 0, G_MAXINT32, &limit);
  get_int (object, "count", -1, G_MAXINT64, &count);
  get_int (object, "checked", 0, G_MAXINT64, &checked);
  get_int (object, "max_age", 0, G_MAXINT32, &max_age);

  array = json_object_get_array_member (object, "entries");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonArray *triple;
      JsonNode *id, *name, *url;

      if (!JSON_NODE_HOLDS_ARRAY (node) ||
          json_array_get_length (triple = json_node_get_array (node)) != 3)
        return;
      id = json_array_get_element (triple, 0);
      name = json_array_get_element (triple, 1);
      url = json_array_get_element (triple, 2);
      if (!JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_INT64 ||
          json_node_get_int (id) < 1 || json_node_get_int (id) > G_MAXINT32 ||
          !JSON_NODE_HOLDS_VALUE (name) || json_node_get_value_type (name) != G_TYPE_STRING ||
          !JSON_NODE_HOLDS_VALUE (url) || json_node_get_value_type (url) != G_TYPE_STRING)
        return;
      g_ptr_array_add (entries, sg_index_list_entry_new ((guint) json_node_get_int (id),
                                                         json_node_get_string (name),
                                                         json_node_get_string (url)));
    }

  sg_library_index_set_list (self, base_url, (guint) limit, count, g_steal_pointer (&entries),
                             get_string (object, "etag"), get_string (object, "last_modified"),
                             checked, max_age);
}

static SgLibraryIndex *
parse_index (const char *data,
             gsize       length)
{
  g_autoptr(SgLibraryIndex) self = sg_library_index_new ();
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *root;
  JsonArray *entries;
  gint64 version;

  if (!json_parser_load_from_data (parser, data, (gssize) length, NULL) ||
      json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;

  root = json_node_get_object (json_parser_get_root (parser));
  if (!get_int (root, "version", 0, G_MAXINT32, &version) || version != INDEX_VERSION ||
      !json_object_has_member (root, "entries") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "entries")))
    return NULL;

  entries = json_object_get_array_member (root, "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      /* One bad entry means the file is not what we wrote: rebuild it all. */
      if (!parse_entry (self, json_array_get_element (entries, i)))
        return NULL;
    }

  /* A bad list is only forgotten: it is asked for again. */
  if (json_object_has_member (root, "list") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "list")))
    parse_list (self, json_object_get_object_member (root, "list"));

  return g_steal_pointer (&self);
}

/* "0025-pikachu.png" → 25, "pikachu" */
static gboolean
parse_sprite_name (const char  *basename,
                   guint       *id,
                   char       **name)
{
  const char *dash = strchr (basename, '-');
  g_autofree char *digits = NULL;
  guint64 number;

  if (dash == NULL || dash - basename < 4 || !g_str_has_suffix (basename, ".png") ||
      strlen (dash + 1) <= strlen (".png"))
    return FALSE;

  digits = g_strndup (basename, dash - basename);
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT32, &number, NULL))
    return FALSE;

  *id = (guint) number;
  *name = g_strndup (dash + 1, strlen (dash + 1) - strlen (".png"));

  return TRUE;
}

/**
 * sg_library_index_rebuild:
 *
 * Blocking; for a worker. Every valid sprite in the folder (and its variant
 * subfolders) becomes an entry checked at @now. Files that are not valid
 * PNGs are left out, so they are fetched again.
 */
SgLibraryIndex *
sg_library_index_rebuild (const char *folder,
                          gint64      now)
{
  g_autoptr(SgLibraryIndex) self = sg_library_index_new ();
  g_autoptr(SgLibrary) library = sg_library_new (folder);

  for (guint v = 0; v < SG_N_VARIANTS; v++)
    {
      g_autofree char *dir_path = NULL;
      g_autoptr(GDir) dir = NULL;
      const char *basename;

      dir_path = v == SG_VARIANT_FRONT_DEFAULT
                 ? g_strdup (folder)
                 : g_build_filename (folder, sg_variant_to_string (v), NULL);
      dir = g_dir_open (dir_path, 0, NULL);
      if (dir == NULL)
        continue;

      while ((basename = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *name = NULL;
          g_autofree char *relpath = NULL;
          guint id;

          if (!parse_sprite_name (basename, &id, &name))
            continue;

          relpath = v == SG_VARIANT_FRONT_DEFAULT
                    ? g_strdup (basename)
                    : g_build_filename (sg_variant_to_string (v), basename, NULL);
          if (!sg_library_has_valid_sprite (library, relpath))
            continue;

          sg_library_index_ensure (self, id, name);
          sg_library_index_set_file (self, id, v, NULL, NULL, now, SG_INDEX_DEFAULT_MAX_AGE);
        }
    }

  return g_steal_pointer (&self);
}

/**
 * sg_library_index_load:
 * @rebuilt: (out) (optional): set when the index was missing or corrupt
 *
 * Blocking; for a worker. Never fails: an index that cannot be read is
 * rebuilt from the folder.
 */
SgLibraryIndex *
sg_library_index_load (const char *path,
                       const char *folder,
                       gint64      now,
                       gboolean   *rebuilt)
{
  g_autofree char *contents = NULL;
  gsize length;
  SgLibraryIndex *self = NULL;

  if (g_file_get_contents (path, &contents, &length, NULL))
    self = parse_index (contents, length);

  if (rebuilt != NULL)
    *rebuilt = self == NULL;
  if (self == NULL)
    self = sg_library_index_rebuild (folder, now);

  return self;
}
