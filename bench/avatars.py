"""Avatars side by side, on this machine and in the same run: placepix's /api against
ui-avatars.com's own PHP code (LasseRafn/ui-avatars: php-fpm, 2 static children, behind nginx,
as its Dockerfile serves it). Both get wrk -t2 -c32 on loopback with a new name and background
colour on every request, so that neither has the image cached: ui-avatars keys its disk cache on
initials and colours, placepix its image cache on the canonical URL. The ratio is placepix's
avatars/s (200 responses per second) over ui-avatars'.

The checkout comes from PLACEPIX_PEER_UIAVATARS and is never part of this repo; its PHP
dependencies from its vendor/ (composer install) or, where Composer can't reach its registry,
from PLACEPIX_PEER_UIAVATARS_DEPS, a directory of their checkouts by package name
(docs/peers-bench.md). Missing either, the suite measures placepix alone and says why.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.http import QUIET, WORKERS, wrk
from bench.peers import (
    PhpSite,
    Unavailable,
    _sigterm_exits,
    fetch_png,
    nginx_path,
    php_fpm,
    placepix_ratio,
    serve_php,
)
from tests.server import running_server

CHECKOUT_ENV = "PLACEPIX_PEER_UIAVATARS"
DEPS_ENV = "PLACEPIX_PEER_UIAVATARS_DEPS"
CASES = {"64 px": "&size=64", "64 px rounded": "&size=64&rounded=true", "256 px": "&size=256"}
BLOCK = 2**20  # requests per wrk thread and run before a later run would repeat a name
# Each request a new person: the counter picks the initials' two letters (676 pairs, as real
# Latin initials repeat) and makes the name and the background colour unique.
UNIQUE_AVATARS = """
local threads = 0
local letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) counter = tonumber(os.getenv("BENCH_START")) end
function request()
  counter = counter + 1
  local n = counter * 8 + id
  local a, b = n % 26 + 1, math.floor(n / 26) % 26 + 1
  local name = letters:sub(a, a) .. "ame+" .. letters:sub(b, b) .. "urname" .. n
  local colour = string.format("%06x", n % 16777216)
  local query = "name=" .. name .. "&background=" .. colour .. os.getenv("BENCH_SUFFIX")
  return wrk.format(nil, "/api/?" .. query)
end
"""
UI_AVATARS_SERVER = """\
        # ui-avatars' own nginx.conf: PHP writes the PNG to cache/ and answers with
        # X-Accel-Redirect, and nginx sends the file from this internal location.
        location /cache/ {{
            internal;
            alias {root}/cache/;
        }}
        location /api {{
            fastcgi_param SCRIPT_FILENAME {root}/api/index.php;
            fastcgi_param SCRIPT_NAME /api/index.php;
            fastcgi_param HTTP_ACCEPT $http_accept;
{fastcgi}        }}
"""
AUTOLOAD = """<?php
// Written by placepix's bench/avatars.py: what `composer install` would write, for the
// PSR-4 prefixes of the dependencies' composer.json files and ui-avatars' Utils classmap.
$prefixes = {prefixes};
spl_autoload_register(function ($class) use ($prefixes) {{
    foreach ($prefixes as $prefix => $dir) {{
        if (strncmp($class, $prefix, strlen($prefix)) === 0) {{
            $file = $dir . '/' . str_replace('\\\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {{
                require $file;
                return;
            }}
        }}
    }}
}});
"""


def run(quick: bool = False) -> list[dict[str, object]]:
    """Rows by case and server: medians of interleaved wrk runs (10 s, 3 rounds; quick: 3 s,
    1 round)."""
    seconds, rounds = (3, 1) if quick else (10, 3)
    with _sigterm_exits(), contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="placepix-avatars-")))
        server = stack.enter_context(running_server(QUIET, workers=WORKERS))
        targets = {"placepix": server.url}
        note = ""
        try:
            targets["ui-avatars"] = stack.enter_context(serve_ui_avatars(tmp))
        except Unavailable as why:
            note = f"ui-avatars skipped: {why}"
        except (RuntimeError, OSError, subprocess.SubprocessError, httpx.HTTPError) as why:
            note = f"ui-avatars failed: {why}"
        probes = {
            (name, case): probe(url, suffix)
            for name, url in targets.items()
            for case, suffix in CASES.items()
        }
        runs = measure(targets, seconds, rounds)
    rows = [row(name, case, runs, probes[name, case]) for case in CASES for name in targets]
    return rows + ([{"case": "-", "server": "ui-avatars", "note": note}] if note else [])


def measure(
    targets: dict[str, str], seconds: int, rounds: int
) -> dict[tuple[str, str], list[dict[str, float]]]:
    """Interleaved rounds after one short warm-up each (opcache, fonts); block 0 is the
    warm-up's names."""
    for url in targets.values():
        load(url, "&size=64", 1, 0)
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for block in range(1, rounds + 1):
        for case, suffix in CASES.items():
            for name, url in targets.items():
                runs.setdefault((name, case), []).append(load(url, suffix, seconds, block))
    return runs


def load(url: str, suffix: str, seconds: int, block: int) -> dict[str, float]:
    env = os.environ | {"BENCH_SUFFIX": suffix, "BENCH_START": str(block * BLOCK)}
    return wrk(url, seconds, UNIQUE_AVATARS, env)


def probe(url: str, suffix: str) -> str:
    """Check that a server answers the avatar form with a PNG of the size asked; describe it."""
    avatar = f"{url}/api/?name=Probe+Avatar&background=123456{suffix}"
    body, width, _height, colour = fetch_png(avatar, f"{url}: no PNG avatar")
    size = suffix.split("size=")[1].split("&")[0]
    if str(width) != size:
        raise RuntimeError(f"{url}: asked for {size} px, got {width}")
    return f"{len(body)} B, colour type {colour}"


def row(
    name: str, case: str, runs: dict[tuple[str, str], list[dict[str, float]]], png: str
) -> dict[str, object]:
    own, ours = runs[name, case], runs["placepix", case]
    ratio = placepix_ratio(ours, own, "ok_rps")
    return {
        "case": case,
        "server": name,
        "avatars_per_s": round(statistics.median(r["ok_rps"] for r in own)),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in own), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in own), 2),
        "refused_pct": round(statistics.median(r["failed_pct"] for r in own), 1),
        "runs": [round(r["ok_rps"]) for r in own],
        "png": png,
        "placepix_ratio": round(ratio, 2),
    }


@contextlib.contextmanager
def serve_ui_avatars(tmp: Path) -> Iterator[str]:
    """ui-avatars' api/index.php under php-fpm (pm static, 2 children) behind one nginx worker,
    from a copy of the checkout in `tmp` (it writes every PNG to its cache/ directory)."""
    checkout = os.environ.get(CHECKOUT_ENV)
    if not checkout:
        raise Unavailable(f"set {CHECKOUT_ENV} to a checkout of github.com/LasseRafn/ui-avatars")
    source = Path(checkout).resolve()
    if not (source / "api" / "index.php").is_file() or not (source / "Utils").is_dir():
        raise Unavailable(f"no api/index.php or Utils/ in {source}: not a ui-avatars checkout")
    fpm = php_fpm(("gd", "mbstring", "fileinfo"), "php-gd php-mbstring")
    nginx = nginx_path()
    root = tmp / "root"
    for part in ("api", "Utils"):
        shutil.copytree(source / part, root / part)
    (root / "cache").mkdir()
    _vendor(source, root / "vendor")
    site = PhpSite(
        "ui-avatars",
        root,
        UI_AVATARS_SERVER,
        "/api/?name=Up&size=16",
        http="    sendfile on;\n    types {{ image/png png; }}\n",
    )
    with serve_php(site, tmp, fpm, nginx) as url:
        yield url


def _vendor(checkout: Path, vendor: Path) -> None:
    """The checkout's own vendor/ when Composer installed it, else an autoloader over the
    dependency checkouts in $PLACEPIX_PEER_UIAVATARS_DEPS (by package name, e.g.
    lasserafn/php-initials), read from each one's composer.json."""
    if (checkout / "vendor" / "autoload.php").is_file():
        vendor.symlink_to(checkout / "vendor")
        return
    deps = os.environ.get(DEPS_ENV)
    if not deps:
        raise Unavailable(
            f"no vendor/ in {checkout} (composer install) and {DEPS_ENV} unset: "
            "docs/peers-bench.md says how to get the dependencies without Composer's registry"
        )
    lock = json.loads((checkout / "composer.lock").read_text())
    prefixes: dict[str, str] = {"Utils\\": str(vendor.parent / "Utils")}
    for package in lock["packages"]:
        directory = Path(deps).resolve() / package["name"]
        if not (directory / "composer.json").is_file():
            continue  # the PSR-7 packages: Intervention needs them only for PSR-7 input
        autoload = json.loads((directory / "composer.json").read_text()).get("autoload", {})
        for prefix, path in autoload.get("psr-4", {}).items():
            prefixes[prefix] = str(directory / (path[0] if isinstance(path, list) else path))
    ordered = sorted(prefixes.items(), key=lambda item: -len(item[0]))
    table = "[" + ", ".join(f"{_php(k)} => {_php(v)}" for k, v in ordered) + "]"
    vendor.mkdir()
    (vendor / "autoload.php").write_text(AUTOLOAD.format(prefixes=table))


def _php(text: str) -> str:
    """A PHP single-quoted string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
