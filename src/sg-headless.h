/* sg-headless.h: `--download-only`: no display, a summary, an exit status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sg-options.h"

G_BEGIN_DECLS

int sg_headless_run (const SgOptions *options);

G_END_DECLS
