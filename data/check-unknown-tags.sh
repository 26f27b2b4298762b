#!/usr/bin/env bash
# data/check-unknown-tags.sh: on AppStream < 1.0, fail on any unknown metainfo tag but <developer>.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-unknown-tags.sh APPSTREAMCLI METAINFO
#
# The validate-metainfo test has to lower the whole "unknown-tag" issue to
# pedantic for AppStream 0.16, which would also let a misspelled tag such as
# <releasez> through. This lists the pedantic issues and allows only one.

set -euo pipefail

appstreamcli=$1
metainfo=$2

# Exit status ignored here: validate-metainfo is the test that judges the rest.
report=$("$appstreamcli" validate --no-net --pedantic --override=unknown-tag=pedantic \
           "$metainfo" 2>&1) || true

# Lines look like "P: io.github.spritegallery.SpriteGallery:30: unknown-tag developer".
unexpected=$(grep -E ':[0-9]*: unknown-tag ' <<< "$report" |
               grep -vE ': unknown-tag developer$' || true)

if [[ -n $unexpected ]]; then
  echo "error: unknown tags in $metainfo:" >&2
  echo "$unexpected" >&2
  exit 1
fi
if ! grep -qE ': unknown-tag developer$' <<< "$report"; then
  # Either <developer> is gone or appstreamcli's report changed format; both
  # mean this check no longer proves anything.
  echo "error: expected exactly the <developer> tag to be reported; got:" >&2
  echo "$report" >&2
  exit 1
fi
echo "only <developer> is unknown to $("$appstreamcli" --version)"
