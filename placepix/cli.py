"""Command line: `placepix serve | render`. Parsing by click; the work is done by the core."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from placepix.errors import PlacepixError
from placepix.render import render as render_image
from placepix.settings import Settings


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
    settings = _settings()
    uvicorn.run(
        "placepix.web.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        server_header=False,
    )


@main.command()
@click.argument("url")
@click.option(
    "-o",
    "--output",
    default=None,
    help="File to write ('-' for stdout; default: a name from the URL).",
)
def render(url: str, output: str | None) -> None:
    """Render URL (e.g. 600x400.webp?text=Hi) to a file."""
    settings = _settings()
    try:
        image = render_image(url, limits=settings.limits())
    except PlacepixError as error:
        raise click.ClickException(error.message) from None
    if output == "-":
        sys.stdout.buffer.write(image.data)
        return
    spec = image.spec
    target = Path(output or f"{spec.width}x{spec.height}.{image.extension}")
    target.write_bytes(image.data)
    click.echo(f"wrote {target} ({len(image.data)} bytes, {image.media_type})", err=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"PLACEPIX_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise click.ClickException(f"bad settings: {problems}") from None
