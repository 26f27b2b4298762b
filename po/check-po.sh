#!/usr/bin/env bash
# po/check-po.sh: check that every language in po/LINGUAS is valid and complete.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-po.sh SOURCE_ROOT
#
# Fails when a language of LINGUAS has no .po file, or its .po file
#  - does not compile with `msgfmt --check` (format strings, plural forms,
#    header),
#  - has fuzzy or untranslated messages,
#  - misses a message of po/sprite-gallery.pot (run the
#    sprite-gallery-update-po target after sprite-gallery-pot).

set -euo pipefail
export LC_ALL=C

srcdir=${1:-$(dirname "$0")/..}
cd "$srcdir/po"

pot=sprite-gallery.pot
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[[ -f $pot ]] || { echo "error: po/$pot not found" >&2; exit 1; }

languages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' LINGUAS)
for lang in $languages; do
  po=$lang.po
  if [[ ! -f $po ]]; then
    echo "error: LINGUAS lists $lang, but po/$po does not exist" >&2
    status=1
    continue
  fi

  if ! msgfmt --check --statistics -o /dev/null "$po" 2> "$tmp/stats"; then
    cat "$tmp/stats" >&2
    echo "error: po/$po does not compile" >&2
    status=1
    continue
  fi
  if grep -Eq 'fuzzy|untranslated' "$tmp/stats"; then
    echo "error: po/$po is incomplete: $(cat "$tmp/stats")" >&2
    status=1
  fi

  # Merged with the template, a message the .po file lacks shows up untranslated.
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$po" "$pot"
  msgfmt --statistics -o /dev/null "$tmp/merged.po" 2> "$tmp/merged-stats"
  if grep -Eq 'fuzzy|untranslated' "$tmp/merged-stats"; then
    echo "error: po/$po lacks messages of po/$pot (run the sprite-gallery-update-po target):" \
         "$(cat "$tmp/merged-stats")" >&2
    status=1
  fi

  [[ $status -eq 0 ]] && echo "po/$po: $(cat "$tmp/stats")"
done

exit $status
