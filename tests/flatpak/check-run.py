#!/usr/bin/python3
# tests/flatpak/check-run.py: checks what one run of the installed Flatpak left
# behind: its --stats file, and a screenshot of its window.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-run.py stats FILE N            the run requested, downloaded N and failed none
#   check-run.py window PNG X Y W H      the window area of the screenshot is filled with sprites
#
# Prints one line per finding and exits 1 when the check fails.

import colorsys
import json
import subprocess
import sys


def check_stats(path, n):
    with open(path) as f:
        stats = json.load(f)
    print("stats: " + json.dumps(stats, sort_keys=True))
    problems = []
    if stats.get("requested") != n:
        problems.append(f"requested {stats.get('requested')}, expected {n}")
    # The sandbox's data folder is fresh for each run, so everything is downloaded.
    if stats.get("downloaded") != n:
        problems.append(f"downloaded {stats.get('downloaded')}, expected {n}")
    if stats.get("failed") != 0:
        problems.append(f"failed {stats.get('failed')}, expected 0")
    for p in problems:
        print("stats: " + p)
    return not problems


def read_rgb(png, x, y, w, h):
    """The pixels of one rectangle of PNG, as bytes (RGB, 8 bit)."""
    raw = subprocess.run(
        ["convert", png, "-crop", f"{w}x{h}+{x}+{y}", "+repage", "-depth", "8", "rgb:-"],
        check=True, stdout=subprocess.PIPE).stdout
    if len(raw) != w * h * 3:
        raise SystemExit(f"window: crop gave {len(raw)} bytes, expected {w * h * 3}")
    return raw


def check_window(png, x, y, w, h):
    """The fake server draws each sprite in a strong colour whose hue follows
    the Pokédex number (golden-ratio steps), on a transparent background.
    Adwaita's own interface is grey, white and one accent blue. So a window
    filled with sprites shows strong colours of many hues, and in every band
    from the top of the grid to the bottom; an empty grid, placeholders, an
    error page or a half-filled first row do not."""
    raw = read_rgb(png, x, y, w, h)
    buckets = [0] * 24          # 15° hue buckets
    bands = [0] * 4             # horizontal bands of the area below the header bar
    header = min(60, h // 4)
    band_h = (h - header) / len(bands)
    strong = 0
    for row in range(header, h, 2):     # every other pixel is plenty
        band = min(int((row - header) / band_h), len(bands) - 1)
        base = row * w * 3
        for col in range(0, w, 2):
            i = base + col * 3
            r, g, b = raw[i], raw[i + 1], raw[i + 2]
            if max(r, g, b) < 100 or max(r, g, b) - min(r, g, b) < 80:
                continue        # dark, grey or pale: not a sprite body
            hue, sat, val = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
            if sat < 0.5:
                continue
            strong += 1
            buckets[int(hue * 24) % 24] += 1
            bands[band] += 1
    hues = sum(1 for c in buckets if c >= 50)
    print(f"window: {w}x{h} at +{x}+{y}; strong-colour samples {strong}; "
          f"hue buckets with >= 50 samples: {hues}/24; per band (top to bottom): {bands}")
    problems = []
    if hues < 12:
        problems.append(f"only {hues} hues (want >= 12): the grid does not show many sprites")
    empty = [i + 1 for i, c in enumerate(bands) if c < 100]
    if empty:
        problems.append(f"bands {empty} of {len(bands)} have (almost) no sprite colours: "
                        "the grid is not filled")
    for p in problems:
        print("window: " + p)
    return not problems


def main(argv):
    if len(argv) == 4 and argv[1] == "stats":
        ok = check_stats(argv[2], int(argv[3]))
    elif len(argv) == 7 and argv[1] == "window":
        ok = check_window(argv[2], *(int(a) for a in argv[3:]))
    else:
        print(__doc__ or "usage: check-run.py stats FILE N | window PNG X Y W H", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
