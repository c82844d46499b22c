"""`placepix serve`: uvicorn with placepix's settings, one app per worker process.

Each worker builds its app with `placepix.server.app:app_from_env`, which reads the settings
again; a worker that can't start (bad settings, say) prints one line and exits with uvicorn's
start-up failure status, and then the master stops and exits with that status too (uvicorn's own
`run()` would exit 0 after its workers failed).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from placepix.cli.common import settings_or_exit
from placepix.server.environment import STARTUP_FAILURE, say
from placepix.server.logs import logging_config
from placepix.server.settings import Settings

APP = "placepix.server.app:app_from_env"


@click.command(short_help="Serve images over HTTP (settings: PLACEPIX_* variables).")
@click.option("--host", help="Address to listen on [PLACEPIX_HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port [PLACEPIX_PORT, default 8000].")
@click.option("--workers", type=int, help="Worker processes [PLACEPIX_WORKERS, default CPUs].")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve images over HTTP. Settings come from PLACEPIX_* environment variables
    (`placepix config --markdown` lists them); these options override three of them."""
    flags = {"host": host, "port": port, "workers": workers}
    for name, value in flags.items():
        if value is not None:
            os.environ[f"PLACEPIX_{name.upper()}"] = str(value)  # worker processes read these
    status = run_server(settings_or_exit(server=True))
    if status:
        for line in say(["placepix: the server could not start (see above)"]):
            click.echo(line, err=True)
        raise SystemExit(status)


def run_server(settings: Settings, app: str = APP) -> int:
    """Run uvicorn until it is stopped; the exit status: 0, or `STARTUP_FAILURE` when a worker
    could not start."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    with _shared_metrics_dir(settings.metrics), _exit_cleanly_on_sigterm():
        config = uvicorn.Config(
            app,
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_config=logging_config(settings.log_level, settings.log_format == "json"),
            access_log=False,  # placepix.server.access writes its own
            # Client addresses from X-Forwarded-For only from the proxies named; by default
            # none (uvicorn's own default trusts 127.0.0.1).
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
            server_header=False,
            timeout_keep_alive=settings.keep_alive_timeout,
            http="placepix.server.protocol:BoundedHttpToolsProtocol",
            timeout_graceful_shutdown=settings.graceful_timeout,
        )
        if config.workers == 1:
            server = uvicorn.Server(config)
            server.run()  # a worker that can't start raises SystemExit(STARTUP_FAILURE) here
            return 0 if server.started else STARTUP_FAILURE
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
        failed = any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
        return STARTUP_FAILURE if failed else 0


@contextmanager
def _exit_cleanly_on_sigterm() -> Iterator[None]:
    """uvicorn drains requests on SIGTERM, then re-raises the signal under the handler it
    found. With the default handler the process would die there, before `finally` blocks run
    (the metrics directory would stay in /dev/shm); this one makes it a normal exit."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _shared_metrics_dir(enabled: bool) -> Iterator[None]:
    """Workers keep their metrics in files here (in memory: /dev/shm) so that /metrics sums
    them. Set before any worker imports prometheus-client; removed when the server stops."""
    if not enabled:
        yield
        return
    shm = Path("/dev/shm")
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    directory = tempfile.mkdtemp(prefix="placepix-metrics-", dir=parent)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)
