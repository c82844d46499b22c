"""Run nginx with the shipped deploy/nginx/placepix.conf on loopback ports, for the tests."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.server import free_port

SHIPPED_CONF = Path(__file__).parent.parent / "deploy" / "nginx" / "placepix.conf"
SHIPPED_UPSTREAMS = ("127.0.0.1:8001", "127.0.0.1:8002")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def configure(upstreams: Sequence[str], port: int, workdir: Path) -> Path:
    """The shipped file with only its addresses, port and directories changed, inside a main
    configuration that runs nginx in the foreground as the current user."""
    conf = SHIPPED_CONF.read_text()
    upstream_lines = "".join(
        f"    server {address} max_fails=1 fail_timeout=10s;\n" for address in upstreams
    )
    for shipped in SHIPPED_UPSTREAMS:
        conf = conf.replace(f"    server {shipped} max_fails=1 fail_timeout=10s;\n", "")
    conf = conf.replace("    keepalive 32;", upstream_lines + "    keepalive 32;")
    conf = conf.replace("/var/cache/nginx/placepix", str(workdir / "cache"))
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    assert conf.count(f"127.0.0.1:{port}") == 1 and str(workdir) in conf, "shipped file changed"
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
    access_log off;
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
def running_nginx(upstreams: Sequence[str], workdir: Path) -> Iterator[str]:
    """nginx over `upstreams` ("host:port"); yields its base URL; stopped on exit."""
    binary = nginx_binary()
    assert binary is not None
    port = free_port()
    main = configure(upstreams, port, workdir)
    output = (workdir / "nginx.out").open("wb")  # a file: an unread pipe could fill up
    process = subprocess.Popen(
        [binary, "-p", str(workdir), "-c", str(main)], stdout=output, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, workdir / "nginx.out")
        yield url
    finally:
        output.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 15
) -> None:
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
    raise RuntimeError("nginx did not start")
