#!/usr/bin/env bash
# po/check-potfiles.sh: check that po/POTFILES lists exactly what needs translating.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-potfiles.sh SOURCE_ROOT
#
# Fails when POTFILES
#  - lists a file that does not exist,
#  - is not sorted (C locale) or lists a file twice,
#  - misses a file under src/ or data/ that has translatable strings.
# A file that has such strings but must not be translated goes in po/POTFILES.skip.

set -euo pipefail
export LC_ALL=C

srcdir=${1:-$(dirname "$0")/..}
cd "$srcdir"

potfiles=po/POTFILES
skipfile=po/POTFILES.skip
status=0

if [[ ! -f $potfiles ]]; then
  echo "error: $potfiles not found in $PWD" >&2
  exit 1
fi

# Entries without comments, blank lines and surrounding blanks.
read_list () {
  [[ -f $1 ]] || return 0
  sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

listed=$(read_list "$potfiles")
skipped=$(read_list "$skipfile")

# 1. Every listed file exists.
while IFS= read -r f; do
  [[ -z $f ]] && continue
  if [[ ! -f $f ]]; then
    echo "error: $potfiles lists $f, which does not exist" >&2
    status=1
  fi
done <<< "$listed"

# 2. Sorted, without duplicates, so merges stay trivial.
if ! sort -c -u <<< "$listed" 2> /dev/null; then
  echo "error: $potfiles is not sorted (LC_ALL=C sort -u); expected:" >&2
  sort -u <<< "$listed" | sed 's/^/  /' >&2
  status=1
fi

# 3. Every file with translatable strings is listed (or skipped on purpose).
# Does file $1 contain strings that xgettext would extract?
has_translatable () {
  local f=$1
  case $f in
    *.c | *.h)
      # _(), N_(), C_(), NC_(), Q_() and the gettext family, with or without
      # a space before the parenthesis.
      grep -Eq '(^|[^[:alnum:]_])(N|C|NC|Q)?_[[:space:]]*\(' "$f" ||
        grep -Eq '(^|[^[:alnum:]_])(g_)?(d|dc|dn|dcn|n|p|np|dp)?gettext2?[[:space:]]*\(' "$f"
      ;;
    *.ui | *.ui.in)
      grep -Eqi 'translatable[[:space:]]*=[[:space:]]*["'\''](yes|true|y|t|1)["'\'']' "$f"
      ;;
    *.desktop.in | *.desktop.in.in)
      # msgfmt --desktop translates these keys by default; "_Name" is the old
      # intltool spelling.
      grep -Eq '^_?(Name|GenericName|Comment|Keywords)(\[[^]]*\])?[[:space:]]*=' "$f"
      ;;
    *.metainfo.xml.in | *.appdata.xml.in | *.metainfo.xml.in.in | *.appdata.xml.in.in)
      grep -Eq '<(_)?(name|summary|p|li|caption|developer_name|keyword)[[:space:]>]' "$f"
      ;;
    *.gschema.xml | *.gschema.xml.in)
      grep -Eq '<summary|<description|[[:space:]]l10n[[:space:]]*=' "$f"
      ;;
    *.in)
      # Other intltool-style templates mark translatable tags and keys with "_".
      grep -Eq '<_[[:alpha:]]|^_[[:alpha:]]+[[:space:]]*=' "$f"
      ;;
    *)
      return 1
      ;;
  esac
}

while IFS= read -r f; do
  f=${f#./}
  if grep -qxF -- "$f" <<< "$listed" || grep -qxF -- "$f" <<< "$skipped"; then
    continue
  fi
  if has_translatable "$f"; then
    echo "error: $f has translatable strings but is not in $potfiles" \
         "(add it, or to $skipfile if it must not be translated)" >&2
    status=1
  fi
done < <(find src data -type f 2> /dev/null | sort)

if [[ $status -eq 0 ]]; then
  echo "$potfiles is complete and sorted ($(wc -l <<< "$listed") files)"
fi
exit $status
