"""Command line: `placepix serve | render`. Parsing by click; the work is done by the core."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from placepix.errors import PlacepixError
from placepix.minting import make_token
from placepix.model.formats import AUTO
from placepix.model.sizes import parse_size
from placepix.parts import MAX_PARTS, make_tokens, parts_html
from placepix.render import Rendered, Renderer
from placepix.server.logs import JsonFormatter, logging_config
from placepix.server.negotiation import negotiate
from placepix.server.settings import Settings, reference_markdown, renderer_for
from placepix.url.grammar import parse
from placepix.url.signing import sign_url
from placepix.url.tokens import image_url


@click.group()
@click.version_option(package_name="placepix")
def main() -> None:
    """placepix: placeholder images, generated in memory."""


@main.command()
@click.option("--host", help="Address to listen on [PLACEPIX_HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port [PLACEPIX_PORT, default 8000].")
@click.option("--workers", type=int, help="Worker processes [PLACEPIX_WORKERS, default CPUs].")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve images over HTTP."""
    import uvicorn

    flags = {"host": host, "port": port, "workers": workers}
    for name, value in flags.items():
        if value is not None:
            os.environ[f"PLACEPIX_{name.upper()}"] = str(value)  # worker processes read these
    try:
        settings = _settings()
    except click.ClickException as error:
        if os.environ.get("PLACEPIX_LOG_FORMAT", "").lower() != "json":
            raise
        # Even the line that says why the server did not start is JSON when JSON is asked for.
        click.echo(JsonFormatter().format(_record(error.message)), err=True)
        sys.exit(1)
    with _shared_metrics_dir(settings.metrics), _exit_cleanly_on_sigterm():
        uvicorn.run(
            "placepix.server.app:app_from_env",
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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of KEY=value.")
@click.option("--markdown", is_flag=True, help="The reference of every setting instead.")
def config(as_json: bool, markdown: bool) -> None:
    """Print the effective configuration (from PLACEPIX_* variables), secrets masked."""
    if markdown:
        click.echo(reference_markdown(), nl=False)
        return
    settings = _settings()
    values = settings.model_dump(mode="json")
    values["secret_keys"] = ["********" for _ in settings.secret_keys]
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    for name, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        click.echo(f"PLACEPIX_{name.upper()}={shown}")


@main.command()
@click.argument("url")
@click.option(
    "-o",
    "--output",
    default=None,
    help="File to write ('-' for stdout; default: a name from the URL).",
)
@click.option(
    "--accept",
    default=None,
    help="For format auto: an Accept header to choose by, e.g. 'image/avif,image/webp' "
    "(default: PNG, what a client that names no format gets).",
)
def render(url: str, output: str | None, accept: str | None) -> None:
    """Render URL (e.g. 600x400.webp?text=Hi, or api/?name=Jane+Doe) to a file."""
    settings = _settings()
    try:
        image = _rendered(renderer_for(settings), url, accept, settings.default_format)
    except PlacepixError as error:
        raise click.ClickException(error.message) from None
    if output == "-":
        sys.stdout.buffer.write(image.data)
        return
    spec = image.spec
    target = Path(output or f"{spec.width}x{spec.height}.{image.extension}")
    target.write_bytes(image.data)
    click.echo(f"wrote {target} ({len(image.data)} bytes, {image.media_type})", err=True)


def _rendered(renderer: Renderer, url: str, accept: str | None, default_format: str) -> Rendered:
    """`url` rendered as the server would answer a request with `accept` as its Accept
    header (it only matters for format auto)."""
    path, _, query = url.partition("?")
    spec = parse(path, query, default_format=default_format)
    if spec.format != AUTO or accept is None:
        return renderer.render(spec)
    plan = negotiate(renderer, spec, accept)
    return Rendered(renderer.execute(renderer.refine(plan)), plan.spec.media_type, plan.spec)


@main.command()
@click.argument("text")
@click.option("--size", help="WIDTHxHEIGHT; default: just large enough for the text.")
@click.option("--bg", "background", default="ffffff", show_default=True, help="Background.")
@click.option("--fg", "foreground", default="000000", show_default=True, help="Text colour.")
@click.option("--font", help="Font name (see GET /fonts).")
@click.option("--font-size", type=int, help="Font size in pixels.")
@click.option("--format", "fmt", default="png", show_default=True, help="Image format.")
@click.option("--padding", type=int, help="Padding in pixels.")
@click.option("--ttl", type=int, help="Seconds until the token expires (default: never).")
@click.option("--random", is_flag=True, help="A different token every time (not CDN-cacheable).")
@click.option(
    "--distort",
    type=click.IntRange(0, 3),
    is_flag=False,
    flag_value=1,
    default=0,
    metavar="[LEVEL]",
    help="Anti-OCR distortion: 1 (alone: --distort) to 3, stronger and harder to read.",
)
@click.option(
    "--parts",
    type=click.IntRange(1, MAX_PARTS),
    help="Split the text over this many images that read as one line side by side.",
)
@click.option("--html", is_flag=True, help="Print an HTML snippet (<span> of <img>s) instead.")
@click.option("--alt", default="", help="With --html: what the image is (not what it says).")
@click.option(
    "--base", default="", help="With --html: the server's URL, e.g. https://img.example.com."
)
def token(
    text: str,
    size: str | None,
    random: bool,
    parts: int | None,
    html: bool,
    alt: str,
    base: str,
    **style: Any,
) -> None:
    """Print the /t/ path of an image of TEXT whose text is not readable from the URL; with
    --parts, one path per part; with --html, the <img> snippet."""
    settings = _settings()
    secret = settings.newest_secret()
    if secret is None:
        raise click.ClickException("set PLACEPIX_SECRET_KEYS first, e.g. '[\"a long secret\"]'")
    width, height = _size(size)
    style = {k: v for k, v in style.items() if v is not None}
    style["format"] = style.pop("fmt")
    style["renderer"] = renderer_for(settings)  # the server's fonts size the image
    try:
        if parts is None and not html:
            made = make_token(
                text, secret, width=width, height=height, deterministic=not random, **style
            )
            click.echo(image_url(made))
            return
        if size is not None:
            raise click.ClickException("--parts and --html size each image to its text: no --size")
        pieces = make_tokens(text, secret, parts or 1, deterministic=not random, **style)
    except PlacepixError as error:
        raise click.ClickException(error.message) from None
    if html:
        click.echo(parts_html(pieces, alt, base=base.rstrip("/")))
    else:
        click.echo("\n".join(piece.path() for piece in pieces))


@main.command()
@click.argument("url")
def sign(url: str) -> None:
    """Print URL (e.g. /600x400.png?text=Hi) signed for a server with require_signature on."""
    settings = _settings()
    secret = settings.newest_secret()
    if secret is None:
        raise click.ClickException("set PLACEPIX_SECRET_KEYS first")
    try:
        click.echo(sign_url(url, secret, default_format=settings.default_format))
    except PlacepixError as error:
        raise click.ClickException(error.message) from None


def _size(size: str | None) -> tuple[int | None, int | None]:
    if size is None:
        return None, None
    try:
        parsed = parse_size(size)
    except PlacepixError as error:
        raise click.ClickException(error.message) from None
    return parsed.width, parsed.height


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("placepix", logging.ERROR, __file__, 0, message, None, None)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"PLACEPIX_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise click.ClickException(f"bad settings: {problems}") from None
