#!/usr/bin/python3
# reference_client.py: the client Sprite Gallery replaces, for the benchmark.
#
# Written the way such a script usually is: a ThreadPoolExecutor of W
# workers, one requests.Session per thread (threading.local), one task per
# Pokémon (GET detail, then GET sprite, then save the PNG). Same server, same
# N, same file names as the app ({id:04}-{name}.png), so the bench compares
# like with like. Prints one JSON line on stdout:
#   {"requested", "downloaded", "missing", "failed", "requests",
#    "t_first_ms", "t_all_ms"}   (times in ms from this script's start)
#
# Needs Debian's python3-requests: run it with /usr/bin/python3.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import time

T0 = time.monotonic()  # before the imports: requests costs ~100 ms to import

import argparse
import concurrent.futures
import json
import os
import sys
import threading

import requests

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT_S = 30

local = threading.local()
lock = threading.Lock()
counters = {"requests": 0, "t_first": None}


def session():
    s = getattr(local, "session", None)
    if s is None:
        s = local.session = requests.Session()
    return s


def get(url):
    with lock:
        counters["requests"] += 1
    r = session().get(url, timeout=TIMEOUT_S)
    r.raise_for_status()
    return r


def safe_name(name):
    # The fake server's names are tame, but never let one leave the folder.
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "unnamed"


def fetch_one(url, outdir, variant):
    detail = get(url).json()
    sprite_url = detail["sprites"].get(variant)
    if not sprite_url:
        return "missing"
    png = get(sprite_url).content
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG: " + sprite_url)
    path = os.path.join(outdir, "%04d-%s.png" % (int(detail["id"]), safe_name(detail["name"])))
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)
    with lock:
        if counters["t_first"] is None:
            counters["t_first"] = time.monotonic()
    return "downloaded"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--base-url", required=True)
    p.add_argument("-n", type=int, default=100)
    p.add_argument("-w", type=int, default=8)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--variant", default="front_default")
    a = p.parse_args()

    os.makedirs(a.output, exist_ok=True)
    base = a.base_url if a.base_url.endswith("/") else a.base_url + "/"

    # One list request: the same one the app makes for N items.
    with lock:
        counters["requests"] += 1
    results = requests.get(base + "pokemon?limit=%d" % a.n, timeout=TIMEOUT_S).json()["results"][: a.n]

    outcome = {"downloaded": 0, "missing": 0, "failed": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.w) as pool:
        futures = [pool.submit(fetch_one, r["url"], a.output, a.variant) for r in results]
        for f in concurrent.futures.as_completed(futures):
            try:
                outcome[f.result()] += 1
            except Exception as e:  # a failed item must not hide the others
                print("reference_client: %s" % e, file=sys.stderr)
                outcome["failed"] += 1

    t_end = time.monotonic()
    t_first = counters["t_first"]
    print(json.dumps({
        "requested": len(results),
        **outcome,
        "requests": counters["requests"],
        "t_first_ms": None if t_first is None else round((t_first - T0) * 1000),
        "t_all_ms": round((t_end - T0) * 1000),
    }))
    return 1 if outcome["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
