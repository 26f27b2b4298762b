#!/usr/bin/python3
# tests/test-ui-atspi.py: search the grid with the keyboard, as a user would
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-ui-atspi.py SPRITE_GALLERY FAKE_POKEAPI
#
# Runs the built app against the fake PokeAPI, waits for the tiles on the
# accessibility bus, then types real key events (XTest, through the AT-SPI
# registry) and reads the tiles' accessible names ("#025 Pikachu,
# downloaded") to see the grid narrow:
#  - Ctrl+F opens the search, empty, and Escape puts the focus on the tiles;
#  - type-to-search: typing with the focus in the grid opens the search;
#  - Escape closes it and every tile comes back;
#  - Ctrl+F opens it; a number ("#007") finds that Pokémon;
#  - Enter opens the first match, and Escape comes back to the search;
#  - with no match, "No Results Found".
#
# Exit status: 0 pass, 1 fail, 77 skip (needs DISPLAY, a session bus and
# pyatspi: run under xvfb-run and dbus-run-session).

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

N = 30
WAIT_S = 90
SKIP = 77
TILE = re.compile(r"#(\d{3,}) (\S.*), (downloaded|downloading|not downloaded|no sprite|failed: .*)")


class Failure(Exception):
    pass


def log(message):
    print(message, flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)
    log("ok - " + message)


def wait_for(description, predicate, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout} s waiting for {description}")
        time.sleep(0.2)


def app_env(tmp):
    """A session of our own: the memory settings backend, our schema, and an
    accessibility bridge (the test harness turns it off for the C tests)."""
    env = dict(os.environ)
    for name in ("NO_AT_BRIDGE", "GTK_A11Y", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env.update({
        "LANG": "C.UTF-8",
        "GSETTINGS_BACKEND": "memory",
        "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
        "XDG_DATA_HOME": os.path.join(tmp, "data"),
        "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
    })
    return env


def start_fake_server(fake, tmp):
    out = open(os.path.join(tmp, "fake.out"), "w+")
    err = open(os.path.join(tmp, "fake.err"), "w")
    proc = subprocess.Popen([fake, "--count", str(N)], stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out.seek(0)
        line = out.readline().strip()
        if line:
            return proc, line
        if proc.poll() is not None:
            raise Failure("the fake server exited")
        time.sleep(0.1)
    raise Failure("the fake server printed no URL within 10 s")


def find_app(pyatspi, pid):
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        try:
            app = desktop.getChildAtIndex(i)
            if app is not None and app.get_process_id() == pid:
                return app
        except Exception:
            continue
    return None


def walk(acc, found, depth=0):
    """Collects the accessibles under @acc (itself included)."""
    if acc is None or depth > 64:
        return
    found.append(acc)
    try:
        n = acc.childCount
    except Exception:
        # A widget may go away while we look.
        return
    for i in range(n):
        try:
            walk(acc.getChildAtIndex(i), found, depth + 1)
        except Exception:
            continue


def safe_name(acc):
    try:
        return acc.name or ""
    except Exception:
        return ""


def safe_role(acc):
    try:
        return acc.getRoleName()
    except Exception:
        return ""


def tiles(app):
    """The names of the tiles the grid holds now. GTK 4.8 keeps filtered-out
    cells around unbound, and an unbound cell has no name: only bound tiles
    count."""
    found = []
    walk(app, found)
    return {safe_name(a) for a in found if TILE.fullmatch(safe_name(a))}


def every_tile(pyatspi, app):
    """The names of every tile of the grid, first row to last. GTK 4.8 has a
    widget, thus an accessible, for each item of the grid; GTK >= 4.12 only
    for the rows on screen and a few around them. So when the grid shows
    fewer than N tiles, this scrolls it with the keyboard, End then Home, as a
    user would, and puts together what each end shows (for the same number,
    the later name wins). The two ends cover the N tiles of this test. Keys
    are sent only with the focus on a tile."""
    by_number = {}

    def read():
        for name in tiles(app):
            by_number[TILE.fullmatch(name).group(1)] = name

    read()
    if len(by_number) < N and focused(pyatspi, app, ("table cell",)):
        for key in ("End", "Home"):
            press_key(pyatspi, key)
            time.sleep(0.5)
            read()
    return set(by_number.values())


def focused(pyatspi, app, roles):
    """The focused accessible under @app if its role is one of @roles."""
    found = []
    walk(app, found)
    for acc in found:
        try:
            if acc.getState().contains(pyatspi.STATE_FOCUSED) and safe_role(acc) in roles:
                return acc
        except Exception:
            continue
    return None


def entry_text(entry):
    try:
        text = entry.queryText()
        return text.getText(0, text.characterCount)
    except Exception:
        return None


# X keysyms: Latin-1 characters are their own code.
KEYSYMS = {"Escape": 0xff1b, "BackSpace": 0xff08, "Return": 0xff0d, "Home": 0xff50, "End": 0xff57}
CONTROL_MASK = 1 << 2  # X's ControlMask


def press_key(pyatspi, name, modifiers=0):
    """Presses a key as the keyboard would, with @modifiers (an X mask) held
    down: KEY_PRESS would take a keycode, which depends on the keymap."""
    if modifiers:
        pyatspi.Registry.generateKeyboardEvent(modifiers, None, pyatspi.KEY_LOCKMODIFIERS)
    pyatspi.Registry.generateKeyboardEvent(KEYSYMS.get(name) or ord(name), None, pyatspi.KEY_SYM)
    if modifiers:
        pyatspi.Registry.generateKeyboardEvent(modifiers, None, pyatspi.KEY_UNLOCKMODIFIERS)
    time.sleep(0.05)


def type_text(pyatspi, text):
    for ch in text:
        # KEY_SYM presses the key of that symbol, with Shift when the keymap
        # needs it ("#").
        assert 0x20 <= ord(ch) < 0x7f
        pyatspi.Registry.generateKeyboardEvent(ord(ch), None, pyatspi.KEY_SYM)
        time.sleep(0.05)


def test(binary, fake, tmp):
    import pyatspi

    fake_proc, base_url = start_fake_server(fake, tmp)
    applog = open(os.path.join(tmp, "app.log"), "w")
    proc = subprocess.Popen([binary, "--base-url", base_url, "-n", str(N),
                             "-o", os.path.join(tmp, "sprites")],
                            env=app_env(tmp), stdout=applog, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        def running_app():
            if proc.poll() is not None:
                raise Failure(f"the app exited with {proc.returncode}")
            return find_app(pyatspi, proc.pid)

        app = wait_for("the app on the accessibility bus", running_app)
        wait_for("the first tiles", lambda: tiles(app))

        # The focus to the tiles, through the search: GTK >= 4.12 leaves the
        # closed search's entry out of the tree, and focuses nothing at first.
        press_key(pyatspi, "f", CONTROL_MASK)
        entry = wait_for("the search entry “Search Pokémon” to take the focus",
                         lambda: focused(pyatspi, app, ("entry", "text")), timeout=10)
        check(safe_name(entry) == "Search Pokémon" and entry_text(entry) == "",
              "Ctrl+F opens the search; the focus is in its empty entry")
        # Escape, with the focus in the entry: never the window's Stop.
        press_key(pyatspi, "Escape")
        wait_for("the focus on a tile", lambda: focused(pyatspi, app, ("table cell",)), timeout=10)
        check(True, "Escape closes the search and puts the focus on the tiles")

        def all_downloaded():
            names = every_tile(pyatspi, app)
            return names if len([t for t in names if t.endswith(", downloaded")]) == N else None

        wait_for(f"{N} downloaded tiles", all_downloaded)
        check(True, f"the grid shows {N} tiles, named like “#001 Bulbasaur, downloaded”")
        check(entry_text(entry) == "", "the search entry is empty")

        # Type-to-search: the keys reach the window, not an entry.
        type_text(pyatspi, "pika")
        wait_for("the grid to narrow to Pikachu",
                 lambda: tiles(app) == {"#025 Pikachu, downloaded"})
        check(True, "typing “pika” in the grid narrows it to “#025 Pikachu, downloaded”")
        check(entry_text(entry) == "pika", "the typed text went to the search entry")

        # Escape closes the search (and empties it): every tile comes back.
        press_key(pyatspi, "Escape")
        wait_for("every tile back", lambda: len(every_tile(pyatspi, app)) == N)
        check(entry_text(entry) == "", "Escape empties and closes the search; every tile is back")

        # Ctrl+F, then a number as the tiles write it.
        press_key(pyatspi, "f", CONTROL_MASK)
        type_text(pyatspi, "#007")
        try:
            wait_for("the grid to narrow to #007", lambda: tiles(app) == {"#007 Squirtle, downloaded"},
                     timeout=20)
        except Failure:
            log(f"# the entry holds {entry_text(entry)!r}; the grid {sorted(tiles(app))[:5]}")
            raise
        check(True, "Ctrl+F then “#007” narrows the grid to “#007 Squirtle, downloaded”")

        # Enter opens the first match; keys typed there do not reach the
        # hidden search, and Escape comes back to the search as it was.
        def squirtle_labels():
            found = []
            walk(app, found)
            return len([a for a in found if safe_role(a) == "label" and safe_name(a) == "Squirtle"])

        before = squirtle_labels()
        press_key(pyatspi, "Return")
        wait_for("the detail page of Squirtle", lambda: squirtle_labels() > before, timeout=20)
        check(True, "Enter in the search opens the detail page of the first match")
        type_text(pyatspi, "x")
        press_key(pyatspi, "Escape")
        time.sleep(0.5)
        check(entry_text(entry) == "#007", "typing on the detail page leaves the search alone")
        check(tiles(app) == {"#007 Squirtle, downloaded"}, "Escape on the detail page goes back to the search")

        # The focus is back on the tile: Ctrl+F returns to the open search.
        press_key(pyatspi, "f", CONTROL_MASK)
        time.sleep(0.3)
        check(entry_text(entry) == "#007", "Ctrl+F with the search open keeps it")

        # Nothing matches: the status page is read.
        for _ in range(4):
            press_key(pyatspi, "BackSpace")
        type_text(pyatspi, "zzz")
        wait_for("no tile", lambda: len(tiles(app)) == 0)
        found = []
        walk(app, found)
        check("No Results Found" in {safe_name(a) for a in found},
              "no match: “No Results Found” and no tile")

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        applog.close()
        fake_proc.send_signal(signal.SIGTERM)
        try:
            fake_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fake_proc.kill()
            fake_proc.wait()


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} SPRITE_GALLERY FAKE_POKEAPI", file=sys.stderr)
        return 2
    binary, fake = sys.argv[1], sys.argv[2]

    if not os.environ.get("DISPLAY") or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        log("SKIP: needs DISPLAY and a session bus (xvfb-run, dbus-run-session)")
        return SKIP
    if importlib.util.find_spec("pyatspi") is None:
        log("SKIP: no pyatspi; install python3-pyatspi")
        return SKIP

    tmp = tempfile.mkdtemp(prefix="sg-test-ui-atspi.")
    try:
        test(binary, fake, tmp)
        return 0
    except Failure as e:
        log(f"FAIL: {e}")
        applog = os.path.join(tmp, "app.log")
        if os.path.exists(applog):
            with open(applog) as f:
                sys.stderr.write("--- log of the app:\n" + "".join(f.readlines()[-40:]))
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
