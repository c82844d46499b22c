"""Run nginx with the shipped deploy/nginx/placepix.conf on loopback ports, for the tests."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx

from tests.server import free_port

SHIPPED_CONF = Path(__file__).parent.parent / "deploy" / "nginx" / "placepix.conf"
SHIPPED_UPSTREAMS = ("127.0.0.1:8001", "127.0.0.1:8002")
SHIPPED_CACHE = "/var/cache/nginx/placepix"
SHIPPED_LISTEN = "listen 80;"
SHIPPED_INTERNAL_LISTEN = "listen 127.0.0.1:8080;"


class Nginx(NamedTuple):
    url: str  # the public server
    internal_url: str  # the probes-and-metrics server
    log: Path  # nginx's access log: one line a request, with the request id


def nginx_binary() -> str | None:
    """nginx's path, also when /usr/sbin is not on PATH (Debian puts it there); None if absent."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def configure(upstreams: Sequence[str], port: int, internal_port: int, workdir: Path) -> Path:
    """The shipped file with only its upstream addresses, `listen` lines and cache directory
    changed, inside a main configuration that runs nginx in the foreground as the current user
    and logs each request's id."""
    conf = SHIPPED_CONF.read_text()
    pairs = zip(SHIPPED_UPSTREAMS, upstreams, strict=True)  # one instance per shipped line
    swaps = {f"server {old} ": f"server {new} " for old, new in pairs}
    swaps |= {
        SHIPPED_LISTEN: f"listen 127.0.0.1:{port};",
        SHIPPED_INTERNAL_LISTEN: f"listen 127.0.0.1:{internal_port};",
        SHIPPED_CACHE: str(workdir / "cache"),
    }
    for old, new in swaps.items():
        # Exactly once: a shipped file edited out of step with this helper fails loudly here.
        assert conf.count(old) == 1, f"{SHIPPED_CONF.name} no longer has {old!r} exactly once"
        conf = conf.replace(old, new)
    (workdir / "placepix.conf").write_text(conf)
    main = workdir / "nginx.conf"
    # nginx's workers drop root to "nobody", who could not write the test's cache directory.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"""daemon off;
{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 512; }}
http {{
    log_format ids '$request_uri $status $placepix_request_id';
    access_log {workdir}/access.log ids;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/placepix.conf;
}}
"""
    )
    return main


@contextmanager
def running_nginx(upstreams: Sequence[str], workdir: Path) -> Iterator[Nginx]:
    """nginx over `upstreams` ("host:port"); yields its URLs; stopped on exit.

    nginx runs in its own process group, so that if its master has to be killed its workers
    (which would otherwise live on, still listening) go with it."""
    binary = nginx_binary()
    assert binary is not None
    port, internal_port = free_port(), free_port()
    main = configure(upstreams, port, internal_port, workdir)
    log = workdir / "nginx.out"  # a file: an unread pipe could fill up and block nginx
    with log.open("wb") as output:
        process = subprocess.Popen(
            [binary, "-e", "stderr", "-p", str(workdir), "-c", str(main)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Nginx(url, f"http://127.0.0.1:{internal_port}", workdir / "access.log")
    finally:
        process.terminate()  # SIGTERM: the master stops its workers
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 15
) -> None:
    """Polls until nginx answers HTTP at all (any status: the instances are not its concern)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{output}")
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(
        f"nginx did not answer within {timeout}s:\n{log.read_text(errors='replace')}"
    )
