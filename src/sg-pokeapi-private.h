/* sg-pokeapi-private.h: internals of sg-pokeapi.c for its tests and fuzzers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sg-pokeapi.h"

G_BEGIN_DECLS

/* sg_pokeapi_parse_detail() as it was first written: json-glib builds the
 * whole tree, then the same rules read it. About 20 times slower; kept as the
 * oracle the scanner is checked against. */
SgDetail *sg_pokeapi_parse_detail_dom (const char  *data,
                                       gsize        length,
                                       GError     **error);

G_END_DECLS
