#!/usr/bin/python3
# tests/test-i18n.py: the installed app speaks Brazilian Portuguese
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-i18n.py SOURCE_ROOT FAKE_POKEAPI
#
# gettext finds the catalogues under LOCALEDIR, the install prefix, so this
# builds and installs the app into a temporary prefix first. Then, with
# LANG=pt_BR.UTF-8 and against the fake PokeAPI:
#  - the headless mode prints its summary in Portuguese (and in English
#    under LANG=C.UTF-8, so the check can tell the two apart);
#  - the window shows Portuguese text, read through AT-SPI: the tiles'
#    accessible names, the header bar tooltips, the subtitle, the progress
#    and the toast; then the preferences window (app.preferences) and the
#    shortcuts window (win.show-help-overlay, strings with a context).
#
# Exit status: 0 pass, 1 fail, 77 skip (no pt_BR.UTF-8 locale; the window
# part also needs a display, a session bus and pyatspi).
# Set SG_TEST_SHOTS_DIR to keep screenshots (pt_BR-*.png) there.

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

APP_ID = "io.github.spritegallery.SpriteGallery"
APP_PATH = "/io/github/spritegallery/SpriteGallery"
N = 20
WAIT_S = 90
SKIP = 77

# English strings that must not be left in the Portuguese window.
ENGLISH = {
    "Refresh", "Stop", "Main Menu", "No Sprites Yet", "Loading the Pokémon List…",
    "Download the sprites of the first Pokémon", "Could not load the Pokémon list",
    "Download", "Retry", "Preferences", "Server", "Storage",
    "Download Folder", "Reset to Default", "Changes apply to the next refresh.",
}


class Failure(Exception):
    pass


def log(message):
    print(message, flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)
    log("ok - " + message)


def has_pt_br_locale():
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=30).stdout
    names = {line.strip().lower().replace("-", "") for line in out.splitlines()}
    return "pt_br.utf8" in names


def plain_env(tmp, lang):
    """A user session of our own: no test-harness settings, only @lang."""
    env = dict(os.environ)
    for name in ("GSETTINGS_SCHEMA_DIR", "GSETTINGS_BACKEND", "LANGUAGE", "LC_ALL",
                 "LC_MESSAGES", "NO_AT_BRIDGE", "GTK_A11Y", "G_MESSAGES_DEBUG"):
        env.pop(name, None)
    env.update({
        "LANG": lang,
        # Settings are not under test here; the options carry the run.
        "GSETTINGS_BACKEND": "memory",
        "XDG_DATA_DIRS": os.path.join(tmp, "prefix", "share") + ":/usr/local/share:/usr/share",
        "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
        "XDG_DATA_HOME": os.path.join(tmp, "data"),
        "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
    })
    return env


def install(srcdir, tmp):
    prefix = os.path.join(tmp, "prefix")
    build = os.path.join(tmp, "build")
    logfile = os.path.join(tmp, "install.log")
    log(f"# Installing into {prefix}")
    with open(logfile, "w") as f:
        for argv in (["meson", "setup", build, srcdir, "--prefix=" + prefix, "-Dtests=false",
                      "--wrap-mode=nodownload"],
                     ["meson", "compile", "-C", build],
                     ["meson", "install", "-C", build]):
            if subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, timeout=600).returncode != 0:
                with open(logfile) as r:
                    sys.stderr.write("".join(r.readlines()[-40:]))
                raise Failure("could not build and install: " + " ".join(argv))
    binary = os.path.join(prefix, "bin", "sprite-gallery")
    check(os.access(binary, os.X_OK), "installed bin/sprite-gallery")
    check(os.path.isfile(os.path.join(prefix, "share", "locale", "pt_BR", "LC_MESSAGES",
                                      "sprite-gallery.mo")),
          "installed the pt_BR catalogue")
    return binary


def start_fake_server(fake, tmp):
    out = open(os.path.join(tmp, "fake.out"), "w+")
    err = open(os.path.join(tmp, "fake.err"), "w")
    # A little latency, so the window has a run to show.
    proc = subprocess.Popen([fake, "--count", "151", "--latency-ms", "20"],
                            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out.seek(0)
        line = out.readline().strip()
        if line:
            break
        if proc.poll() is not None:
            raise Failure("the fake server exited")
        time.sleep(0.1)
    else:
        raise Failure("the fake server printed no URL within 10 s")
    if not re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v2/", line):
        raise Failure(f"unexpected base URL from the fake server: {line!r}")
    return proc, line


def run_headless(binary, env, base_url, folder):
    r = subprocess.run([binary, "--download-only", "--base-url", base_url, "-n", str(N),
                        "-o", folder],
                       env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise Failure(f"--download-only exited with {r.returncode}: {r.stderr}")
    lines = r.stdout.splitlines()
    if len(lines) != 1:
        raise Failure(f"expected one summary line on stdout, got {r.stdout!r}")
    return lines[0], r.stderr


def test_headless(binary, tmp, base_url):
    # The control: English without a catalogue for the language.
    line, _ = run_headless(binary, plain_env(tmp, "C.UTF-8"), base_url,
                           os.path.join(tmp, "headless-C"))
    check(re.fullmatch(rf"{N} Pokémon in \d+\.\d\d s: {N} downloaded, 0 already stored, "
                       r"0 without a sprite, 0 failed", line) is not None,
          f"English summary under LANG=C.UTF-8: {line}")

    env = plain_env(tmp, "pt_BR.UTF-8")
    folder = os.path.join(tmp, "headless-pt_BR")
    line, err = run_headless(binary, env, base_url, folder)
    # pt_BR: plural=(n > 1), and a decimal comma.
    check(re.fullmatch(rf"{N} Pokémon em \d+,\d\d s: {N} baixados, 0 já armazenado, "
                       r"0 sem sprite, 0 falhou", line) is not None,
          f"Portuguese summary: {line}")
    check(f"{N} de {N}" in err.splitlines(), f"Portuguese progress on stderr: “{N} de {N}”")

    line, _ = run_headless(binary, env, base_url, folder)
    check(re.fullmatch(rf"{N} Pokémon em \d+,\d\d s: 0 baixado, {N} já armazenados, "
                       r"0 sem sprite, 0 falhou", line) is not None,
          f"Portuguese summary of a second run: {line}")


# --- The window, through AT-SPI --------------------------------------------

def walk(acc, found, depth=0):
    """Collects (role, name, description) of @acc and its descendants."""
    if acc is None or depth > 64:
        return
    try:
        found.append((acc.getRoleName(), acc.name or "", acc.description or ""))
        n = acc.childCount
    except Exception:
        # A widget may go away while we look.
        return
    for i in range(n):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        walk(child, found, depth + 1)


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


def window_checks(found, port, seen):
    """What must be in the Portuguese window: {description: present}.

    GTK 4.8 exposes a tooltip as the description and hidden widgets too; GTK
    4.18 makes the tooltip the name of an icon-only button, names a tile on
    its cell and on the cell's child, and leaves hidden widgets out. So names
    and descriptions count alike, tiles are counted once per name, and
    transient text (progress, toast) counts when any poll saw it.
    """
    texts = {t for _, name, desc in found for t in (name, desc) if t}
    seen |= texts
    tiles = {t for t in texts if re.fullmatch(r"#\d{3} \S.*, baixado", t)}
    finished = f"{N} de {N}" in seen or \
        any(re.fullmatch(rf"{N} sprites em \d+,\d s", t) for t in seen)
    wanted = {
        "the subtitle “Servidor: 127.0.0.1:…”": f"Servidor: 127.0.0.1:{port}/api/v2/" in texts,
        f"the progress “{N} de {N}” or the toast “{N} sprites em …”": finished,
        f"{N} tiles named “#NNN Name, baixado”": len(tiles) == N,
        "the Refresh button “Atualizar”": "Atualizar" in texts,
        "the menu button “Menu principal”": "Menu principal" in texts,
    }
    return wanted


def wait_for(description, predicate, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout} s waiting for {description}")
        time.sleep(0.25)


def screenshot(name):
    shots = os.environ.get("SG_TEST_SHOTS_DIR")
    if not shots:
        return
    os.makedirs(shots, exist_ok=True)
    path = os.path.join(shots, name)
    subprocess.run(["import", "-window", "root", path], timeout=30, check=True)
    log(f"# screenshot: {path}")


def activate(action, env, path=APP_PATH):
    """Activates an action the app exports on the session bus."""
    subprocess.run(["gdbus", "call", "--session", "--timeout", "5", "--dest", APP_ID,
                    "--object-path", path, "--method", "org.gtk.Actions.Activate",
                    action, "[]", "{}"],
                   env=env, check=True, capture_output=True, timeout=30)


def test_window(binary, tmp, base_url):
    import pyatspi

    port = re.match(r"http://127\.0\.0\.1:(\d+)/", base_url).group(1)
    env = plain_env(tmp, "pt_BR.UTF-8")
    applog = open(os.path.join(tmp, "app.log"), "w")
    proc = subprocess.Popen([binary, "--base-url", base_url, "-n", str(N),
                             "-o", os.path.join(tmp, "window")],
                            env=env, stdout=applog, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        def running_app():
            if proc.poll() is not None:
                raise Failure(f"the app exited with {proc.returncode}")
            return find_app(pyatspi, proc.pid)

        app = wait_for("the app on the accessibility bus", running_app)

        missing = []
        seen = set()

        def filled():
            nonlocal missing
            app_found = running_app()
            found = []
            walk(app_found, found)
            missing = [what for what, ok in window_checks(found, port, seen).items() if not ok]
            return found if not missing else None

        try:
            found = wait_for("the Portuguese window", filled)
        except Failure:
            log("# still missing: " + "; ".join(missing))
            raise
        for what in window_checks(found, port, seen):
            log("ok - window: " + what)
        english = sorted({t for _, n, d in found for t in (n, d) if t in ENGLISH})
        check(not english, "window: no English left" + (f" ({english})" if english else ""))
        screenshot("pt_BR-grid.png")

        # The preferences window, as the menu or Ctrl+, opens it.
        activate("preferences", env)

        def preferences():
            found = []
            walk(app, found)
            frames = [n for role, n, _ in found if role in ("frame", "dialog", "window")]
            return found if "Preferências" in frames else None

        found = wait_for("a window titled “Preferências”", preferences, timeout=30)
        names = {n for _, n, _ in found}
        for text in ("Pasta de downloads", "Downloads si_multâneos", "Servidor",
                     "Armazenamento", "As alterações valem a partir da próxima atualização."):
            # Rows expose their title with or without the mnemonic underscore.
            check(text in names or text.replace("_", "") in names, f"preferences: “{text}”")
        english = sorted({t for _, n, d in found for t in (n, d) if t in ENGLISH})
        check(not english, "preferences: no English left" + (f" ({english})" if english else ""))
        screenshot("pt_BR-preferences.png")

        # The shortcuts window: strings with a context (msgctxt) in a .ui file.
        activate("show-help-overlay", env, APP_PATH + "/window/1")

        def shortcuts():
            found = []
            walk(app, found)
            names = {n for _, n, _ in found}
            return found if "Mostrar o menu principal" in names else None

        found = wait_for("the shortcuts window", shortcuts, timeout=30)
        names = {n for _, n, _ in found}
        # Shortcut titles, not group titles: GTK 4.18 leaves the group title
        # of a one-group section out of the accessibility tree.
        for text in ("Mostrar o menu principal", "Atalhos de teclado", "Sair"):
            check(text in names, f"shortcuts: “{text}”")
        screenshot("pt_BR-shortcuts.png")

        activate("quit", env)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise Failure("the app did not quit within 10 s of app.quit")
        check(proc.returncode == 0, "the app quit")
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        applog.close()


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} SOURCE_ROOT FAKE_POKEAPI", file=sys.stderr)
        return 2
    srcdir, fake = os.path.abspath(sys.argv[1]), sys.argv[2]

    if not has_pt_br_locale():
        log("SKIP: no pt_BR.UTF-8 locale (locale -a); .ci/run generates it")
        return SKIP

    window_skip = None
    if not os.environ.get("DISPLAY") or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        window_skip = "needs DISPLAY and a session bus (xvfb-run, dbus-run-session)"
    else:
        if importlib.util.find_spec("pyatspi") is None:
            window_skip = "no pyatspi; install python3-pyatspi"

    tmp = tempfile.mkdtemp(prefix="sg-test-i18n.")
    fake_proc = None
    try:
        binary = install(srcdir, tmp)
        fake_proc, base_url = start_fake_server(fake, tmp)
        test_headless(binary, tmp, base_url)
        if window_skip:
            log("SKIP: window part: " + window_skip)
            return SKIP
        test_window(binary, tmp, base_url)
        return 0
    except Failure as e:
        log(f"FAIL: {e}")
        applog = os.path.join(tmp, "app.log")
        if os.path.exists(applog):
            with open(applog) as f:
                sys.stderr.write("--- log of the app:\n" + "".join(f.readlines()[-40:]))
        return 1
    finally:
        if fake_proc is not None:
            fake_proc.send_signal(signal.SIGTERM)
            try:
                fake_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                fake_proc.kill()
                fake_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
