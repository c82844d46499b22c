"""Side-by-side peers, on this machine and in the same run: placepix against dummyimage.com's
PHP/GD code (php-fpm, 2 static children, behind nginx) and fakeimg.pl's Flask/Pillow code
(gunicorn, 2 sync workers). Each gets wrk -t2 -c32 on loopback with unique URLs, so every request
renders a new 300x200 or 1200x800 PNG; the ratios are placepix's images/s (200 responses per
second) over the peer's.

The peers' checkouts come from environment variables and are never part of this repo
(docs/peers-bench.md says how to get them); a peer that is missing is a row saying so."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

from bench.http import PLACEPIX_FORM, QUIET, UNIQUE_URLS, WORKERS, unique_urls_env, wrk
from tests.server import free_port, running_server

SIZES = ("300x200", "1200x800")
TEXT_SIZES = ("300x200",)
PLACEPIX_TEXT_FORM = "/{size}.png?text={colour}"  # a new text each request, default colours
STARTUP_SECONDS = 30.0
LIFETIME_SECONDS = 1800  # the peers' servers stop themselves after this, even if we die first
PIP_SECONDS = 600
BLOCK = 2**18  # requests per wrk thread in one run before it would reach the next round's colours
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {0: "grey", 2: "RGB", 3: "palette", 4: "grey+alpha", 6: "RGBA"}


class Unavailable(Exception):
    """A peer that cannot run here (checkout or runtime missing): its row says why."""


@dataclass(frozen=True)
class Target:
    """A running server and its URL form for a new image: `{size}` and `{colour}` to fill in."""

    name: str
    url: str
    form: str

    def path(self, size: str, colour: str) -> str:
        return self.form.format(size=size, colour=colour)

    def env(self, size: str, block: int) -> dict[str, str]:
        """wrk's environment for UNIQUE_URLS: this size, this form, colours from `block`, so
        that a later round never repeats an image (placepix caches)."""
        return unique_urls_env(self.form, size, block * BLOCK)


@dataclass(frozen=True)
class Peer:
    """How to get and serve one peer: `serve(checkout, tmp)` yields its base URL."""

    name: str
    env_var: str
    source: str
    form: str
    serve: Callable[[Path, Path], contextlib.AbstractContextManager[str]]
    text_form: str = ""  # a new text, {colour}'s six hex digits, on the default colours


# placepix and dummyimage both read /300x200/abcdef/fff.png (PLACEPIX_FORM) as background
# abcdef, text fff, PNG.


def run(quick: bool = False, *, text: bool = False) -> list[dict[str, object]]:
    """Rows by size and server: medians of `rounds` interleaved wrk runs of `seconds` each (10 s
    as in the issue's figures). Without any peer, placepix is not measured (see the http suite).
    `text`: every request a new text (six hex digits) on a 300x200 PNG instead of a new colour,
    so that every request lays out and draws new text (`run_text`)."""
    seconds, rounds = (3, 1) if quick else (10, 3)
    sizes = TEXT_SIZES if text else SIZES
    rows: list[dict[str, object]] = []
    pngs: dict[tuple[str, str], str] = {}
    with _sigterm_exits(), contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="placepix-peers-")))
        targets: list[Target] = []
        for peer in PEERS:
            started = _start(peer, stack, tmp, pngs, sizes, text)
            if isinstance(started, str):
                rows += [{"size": s, "server": peer.name, "note": started} for s in sizes]
            else:
                targets.append(started)
        if not targets:
            return rows  # placepix alone is the http suite's business
        server = stack.enter_context(running_server(QUIET, workers=WORKERS))
        form = PLACEPIX_TEXT_FORM if text else PLACEPIX_FORM
        targets.insert(0, Target("placepix", server.url, form))
        pngs |= {("placepix", size): _probe(targets[0], size) for size in sizes}
        runs = _measure(targets, seconds, rounds, sizes)
    rows += [_row(t.name, size, runs, pngs[t.name, size]) for size in sizes for t in targets]
    order = ["placepix", *(peer.name for peer in PEERS)]
    return sorted(
        rows, key=lambda row: (sizes.index(str(row["size"])), order.index(str(row["server"])))
    )


def run_text(quick: bool = False) -> list[dict[str, object]]:
    """Unique-text requests per second, side by side: `run(text=True)`."""
    return run(quick, text=True)


def _start(
    peer: Peer,
    stack: contextlib.ExitStack,
    tmp: Path,
    pngs: dict[tuple[str, str], str],
    sizes: tuple[str, ...] = SIZES,
    text: bool = False,
) -> Target | str:
    """Start `peer` for the rest of the run and check its PNGs (into `pngs`), or say why it is
    not measured."""
    checkout = os.environ.get(peer.env_var)
    if not checkout:
        return f"skipped: set {peer.env_var} to a checkout of {peer.source}"
    workdir = tmp / peer.name
    workdir.mkdir()
    try:
        url = stack.enter_context(peer.serve(Path(checkout).resolve(), workdir))
        target = Target(peer.name, url, peer.text_form if text else peer.form)
        pngs |= {(peer.name, size): _probe(target, size) for size in sizes}
    except Unavailable as why:
        return f"skipped: {why}"
    except (RuntimeError, OSError, subprocess.SubprocessError, httpx.HTTPError) as why:
        return f"failed: {why}"
    return target


def _probe(target: Target, size: str) -> str:
    """Check that the URL form gives a PNG of that size; describe it (bytes, colour type)."""
    url = target.url + target.path(size, "123456")
    body, width, height, colour = fetch_png(url, f"{target.name}: no PNG for {size}")
    if f"{width}x{height}" != size:
        raise RuntimeError(f"{target.name}: asked for {size}, got {width}x{height}")
    return f"{len(body)} B, {COLOUR_TYPES.get(colour, str(colour))}"


def fetch_png(url: str, what: str) -> tuple[bytes, int, int, int]:
    """GET `url`, which must answer 200 with a PNG (else a RuntimeError that `what` begins:
    whose PNG it is); its bytes, and the width, height and colour type of its IHDR."""
    response = httpx.get(url, timeout=30)
    body = response.content
    if response.status_code != 200 or body[:8] != PNG_SIGNATURE:
        raise RuntimeError(f"{what}: {response.status_code} {body[:80]!r}")
    width, height, _depth, colour = struct.unpack(">IIBB", body[16:26])
    return body, width, height, colour


def _measure(
    targets: list[Target], seconds: int, rounds: int, sizes: tuple[str, ...] = SIZES
) -> dict[tuple[str, str], list[dict[str, float]]]:
    """Interleave the servers, round after round, so that drift on a shared machine hits each
    alike; one short warm-up each first (opcache, imports, fonts). Block 0 is the warm-up's."""
    if rounds >= 2**24 // 8 // BLOCK:
        raise ValueError(f"at most {2**24 // 8 // BLOCK - 1} rounds: colours would repeat")
    for target in targets:
        _load(target, sizes[0], 1, 0)
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for block in range(1, rounds + 1):
        for size in sizes:
            for target in targets:
                result = _load(target, size, seconds, block)
                runs.setdefault((target.name, size), []).append(result)
    return runs


def _load(target: Target, size: str, seconds: int, block: int) -> dict[str, float]:
    """bench.http's wrk run; images/s are its 2xx answers only (wrk's Requests/sec counts all)."""
    result = wrk(target.url, seconds, UNIQUE_URLS, target.env(size, block))
    result["images_per_s"] = result["ok_rps"]
    result["refused_pct"] = result["failed_pct"]
    return result


def _row(
    name: str, size: str, runs: dict[tuple[str, str], list[dict[str, float]]], png: str
) -> dict[str, object]:
    """Medians over the rounds. The ratio is placepix's images/s over this server's, round by
    round (each pair measured within a minute), and the median of those."""
    own, ours = runs[name, size], runs["placepix", size]

    def median(key: str, digits: int) -> float:
        return round(statistics.median(r[key] for r in own), digits)

    ratio = placepix_ratio(ours, own, "images_per_s")
    return {
        "size": size,
        "server": name,
        "images_per_s": round(median("images_per_s", 0)),
        "p50_ms": median("p50_ms", 2),
        "p99_ms": median("p99_ms", 2),
        "all_rps": round(median("rps", 0)),
        "refused_pct": median("refused_pct", 1),
        "socket_errors": max(r["socket_errors"] for r in own),
        "runs_images_per_s": [round(r["images_per_s"]) for r in own],
        "png": png,
        "placepix_ratio": round(ratio, 2),
    }


def placepix_ratio(ours: list[dict[str, float]], own: list[dict[str, float]], key: str) -> float:
    """placepix's `key` over a server's, round by round (`ours` and `own` in the order they were
    measured, each pair within a minute), and the median of those; inf where it had none."""
    return statistics.median(
        p[key] / r[key] if r[key] else float("inf") for p, r in zip(ours, own, strict=True)
    )


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """SIGTERM raises SystemExit while the suite runs, so the servers are stopped on the way out."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`command` in its own session, killed by timeout(1) after LIFETIME_SECONDS whatever
    happens to us, output to `log`; on exit its whole process group is stopped."""
    if shutil.which("timeout"):
        command = ["timeout", "--kill-after=5", str(LIFETIME_SECONDS), *command]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """TERM to the process group we started (master and workers), KILL what is left after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _wait_until_up(url: str, processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """Poll `url` until it answers 200; fail early with the logs if a process exits."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"exited while starting:\n{_tails(logs)}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS:.0f} s:\n{_tails(logs)}")


def _tails(logs: list[Path]) -> str:
    return "\n".join(
        f"{log.name}: {log.read_text(errors='replace')[-800:]}" for log in logs if log.exists()
    )


def _which(*names: str) -> str | None:
    """The first of `names` on PATH or in the sbin directories (nginx, php-fpm live there)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
    return next((found for name in names if (found := shutil.which(name, path=path))), None)


# PHP sites: php-fpm behind nginx, as dummyimage.com and ui-avatars.com run ########################

FPM_CONF = """\
[global]
pid = {tmp}/php-fpm.pid
error_log = {tmp}/php-fpm.log
daemonize = no

[{pool}]
{user}
listen = {tmp}/php-fpm.sock
pm = static
pm.max_children = {workers}
{settings}php_admin_value[error_log] = {tmp}/php-errors.log
"""

NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log error;
{user}
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
{http}    server {{
        listen 127.0.0.1:{port};
        root {root};
{server}    }}
}}
"""

# What every PHP request gets from nginx besides its script's name; {fastcgi} in a site's
# `server` part.
FASTCGI = """\
            fastcgi_pass unix:{tmp}/php-fpm.sock;
            fastcgi_param QUERY_STRING $query_string;
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param REQUEST_URI $request_uri;
            fastcgi_param DOCUMENT_ROOT $document_root;
            fastcgi_param SERVER_PROTOCOL $server_protocol;
            fastcgi_param GATEWAY_INTERFACE CGI/1.1;
            fastcgi_param REMOTE_ADDR $remote_addr;
            fastcgi_param SERVER_NAME $server_name;
            fastcgi_param SERVER_PORT $server_port;
            fastcgi_param REDIRECT_STATUS 200;
"""


@dataclass(frozen=True)
class PhpSite:
    """What one PHP site served by `serve_php` has of its own: php-fpm's pool name and extra
    pool settings, nginx's document root, its http-level directives and the rest of its server
    block (format templates over {tmp}, {root} and {fastcgi}), and a path that answers 200
    once php-fpm and nginx are both up."""

    pool: str
    root: Path
    server: str
    up: str
    http: str = ""
    settings: str = ""


@contextlib.contextmanager
def serve_php(site: PhpSite, tmp: Path, fpm: str, nginx: str) -> Iterator[str]:
    """`site` under php-fpm `fpm` (pm static, WORKERS children: as many as placepix's workers)
    behind one worker of `nginx`, both on loopback, configs and logs in `tmp`; its base URL."""
    as_root = os.geteuid() == 0
    port = free_port()
    parts = {"tmp": tmp, "root": site.root, "fastcgi": FASTCGI.format(tmp=tmp)}
    (tmp / "php-fpm.conf").write_text(
        FPM_CONF.format(
            tmp=tmp,
            pool=site.pool,
            workers=WORKERS,
            user="user = root" if as_root else "",
            settings=site.settings,
        )
    )
    (tmp / "nginx.conf").write_text(
        NGINX_CONF.format(
            tmp=tmp,
            port=port,
            root=site.root,
            user="user root;" if as_root else "",
            http=site.http.format(**parts),
            server=site.server.format(**parts),
        )
    )
    fpm_command = [fpm, "--nodaemonize", "--fpm-config", str(tmp / "php-fpm.conf")]
    if as_root:  # php-fpm refuses root without it; nginx's workers are root then too
        fpm_command.append("--allow-to-run-as-root")
    nginx_command = [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf")]
    nginx_command += ["-e", str(tmp / "nginx-error.log")]
    logs = [tmp / name for name in ("php-fpm.out", "php-fpm.log", "php-errors.log")]
    logs += [tmp / "nginx.out", tmp / "nginx-error.log"]
    with _process(fpm_command, logs[0]) as php, _process(nginx_command, logs[3]) as web:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url + site.up, [php, web], logs)
        yield url


def nginx_path() -> str:
    """nginx, from PATH or the sbin directories."""
    nginx = _which("nginx")
    if nginx is None:
        raise Unavailable("nginx is not installed (apt-get install nginx-light)")
    return nginx


def php_fpm(extensions: tuple[str, ...], packages: str) -> str:
    """php-fpm with `extensions` (the PHP modules a site needs), whichever PHP version the
    system has; `packages` are what apt-get installs for them."""
    versions = sorted(Path("/usr/sbin").glob("php-fpm*"), reverse=True)
    fpm = _which("php-fpm", *(path.name for path in versions))
    if fpm is None:
        raise Unavailable(f"php-fpm is not installed (apt-get install php-fpm {packages})")
    modules = subprocess.run([fpm, "-m"], capture_output=True, text=True, timeout=30).stdout.split()
    missing = [ext for ext in extensions if ext not in modules]
    if missing:
        raise Unavailable(f"{fpm} lacks {', '.join(missing)} (apt-get install {packages})")
    return fpm


# dummyimage.com ###################################################################################

DUMMYIMAGE_SETTINGS = """\
; code.php reads $_GET['text'] without isset when there is no text: PHP 8 logs a warning on
; every request. Only errors are logged here, as placepix runs without its access log.
php_admin_value[error_reporting] = E_ALL & ~E_WARNING & ~E_NOTICE & ~E_DEPRECATED
"""
DUMMYIMAGE_SERVER = """\
        # dummyimage's own nginx.conf: every path goes to code.php as ?x=<path>
        rewrite (.*) /code.php?x=$request_uri last;
        location = /code.php {{
            fastcgi_param SCRIPT_FILENAME $document_root/code.php;
            fastcgi_param SCRIPT_NAME /code.php;
{fastcgi}        }}
"""


@contextlib.contextmanager
def serve_dummyimage(checkout: Path, tmp: Path) -> Iterator[str]:
    """dummyimage's code.php under php-fpm (pm static, 2 children: its 2 workers) behind one
    nginx worker, as dummyimage.com runs; both on loopback, configs and logs in `tmp`."""
    if not (checkout / "code.php").is_file():
        raise Unavailable(f"no code.php in {checkout}: not a dummyimage checkout")
    nginx = nginx_path()
    fpm = php_fpm(("gd",), "php-gd")
    site = PhpSite(
        "dummyimage",
        checkout,
        DUMMYIMAGE_SERVER,
        "/10x10/000/fff.png",
        # a 1200x800 PNG stays in memory, never in a temporary file
        http="    fastcgi_buffers 16 16k;\n",
        settings=DUMMYIMAGE_SETTINGS,
    )
    with serve_php(site, tmp, fpm, nginx) as url:
        yield url


# fakeimg.pl #######################################################################################


@contextlib.contextmanager
def serve_fakeimg(checkout: Path, tmp: Path) -> Iterator[str]:
    """fakeimg's Flask app under gunicorn, 2 sync workers (its Dockerfile runs gunicorn's default
    sync workers, 4 of them), from a virtualenv of its pinned requirements made in `tmp`."""
    app, requirements = checkout / "app", checkout / "requirements.txt"
    if not (app / "main.py").is_file() or not requirements.is_file():
        raise Unavailable(f"no app/main.py or requirements.txt in {checkout}: not fakeimg")
    venv = tmp / "venv"
    _virtualenv(venv, requirements)
    port = free_port()
    command = [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--chdir", str(app), "main:app"]
    log = tmp / "gunicorn.log"
    with _process(command, log) as gunicorn:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url + "/check", [gunicorn], [log])
        yield url


def _virtualenv(venv: Path, requirements: Path) -> None:
    """A fresh virtualenv with fakeimg's requirements, on placepix's own CPython version, so
    that the Python side is the same interpreter; never placepix's virtualenv."""
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=120
    )
    if made.returncode != 0:
        raise Unavailable(f"cannot make a virtualenv: {made.stderr.strip()[-300:]}")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    pip += ["--disable-pip-version-check", "-r", str(requirements)]
    installed = subprocess.run(pip, capture_output=True, text=True, timeout=PIP_SECONDS)
    if installed.returncode != 0:
        raise RuntimeError(f"pip install -r {requirements}: {installed.stderr.strip()[-500:]}")


PEERS = (
    Peer(
        "dummyimage",
        "PLACEPIX_PEER_DUMMYIMAGE",
        "github.com/kingkool68/dummyimage",
        PLACEPIX_FORM,  # /300x200/abcdef/fff.png: background, foreground, format
        serve_dummyimage,
        # dummyimage reads its text only as "&text=" in the path (code.php), on its defaults
        "/{size}/cccccc/969696.png&text={colour}",
    ),
    Peer(
        "fakeimg",
        "PLACEPIX_PEER_FAKEIMG",
        "github.com/Rydgel/Fake-images-please",
        # fakeimg takes /300x200/abcdef/fff/ as background, foreground, PNG by default; in
        # /300x200/abcdef/fff.png "fff" would be a file name, and the text its default grey.
        "/{size}/{colour}/fff/",
        serve_fakeimg,
        "/{size}/?text={colour}",
    ),
)
