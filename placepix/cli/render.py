"""`placepix render`: one URL to a file (or stdout), or many in parallel into a directory."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from placepix.cli.batch import (
    Line,
    arguments,
    default_jobs,
    lines_of,
    run_batch,
    summary,
)
from placepix.cli.common import file_problem, settings_or_exit
from placepix.cli.outputs import output_name, spec_for_file
from placepix.errors import PlacepixError
from placepix.model.formats import AUTO
from placepix.server.negotiation import negotiate
from placepix.server.settings import Settings, renderer_for


@click.command(short_help="Render image URLs to files: one, many, or a list --from a file.")
@click.argument("urls", nargs=-1, metavar="URL...")
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    help="File for one URL ('-' for stdout); its extension is the format when the URL names "
    "none. Default: a name from the URL, in --out-dir.",
)
@click.option(
    "--from",
    "from_file",
    metavar="FILE",
    help="Read the URLs from FILE, one a line ('-' for stdin; blank lines and # comments "
    "are skipped).",
)
@click.option(
    "-d",
    "--out-dir",
    default=".",
    show_default=True,
    metavar="DIR",
    help="Directory for the images (made if missing); each is named after its URL.",
)
@click.option(
    "--accept",
    default=None,
    metavar="TYPES",
    help="For format auto: the Accept header to choose by, e.g. 'image/avif,image/webp' "
    "(default: PNG, what a client that names no format gets).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes that render at once [default: one per CPU].",
)
def render(
    urls: tuple[str, ...],
    output: str | None,
    from_file: str | None,
    out_dir: str,
    accept: str | None,
    jobs: int | None,
) -> None:
    """Render image URLs to files. A URL is a path such as 600x400.webp?text=Hi or a full URL
    of placepix, placehold.co, dummyimage.com or fakeimg.pl (only its path and query count).

    \b
      placepix render 600x400.webp -o hero.webp
      placepix render 600x400 og 16:9x720/000/fff --out-dir placeholders
      placepix render --from urls.txt --out-dir placeholders

    Several URLs, or --from, render in parallel; a failed line is named, the others are
    written, and the exit status is 1."""
    if urls and from_file is not None:
        raise click.UsageError("give URLs or --from FILE, not both")
    if not urls and from_file is None:
        raise click.UsageError("give a URL (e.g. 600x400.png), several, or --from FILE")
    settings = settings_or_exit()
    if from_file is None and len(urls) == 1:
        _render_one(urls[0], output, Path(out_dir), settings, accept)
        return
    if output is not None:
        raise click.UsageError("-o names the file of one URL; several go to --out-dir")
    lines = arguments(urls) if from_file is None else _read_lines(from_file)
    directory = _made_directory(Path(out_dir))
    started = time.monotonic()
    outcome = run_batch(
        lines,
        directory,
        settings.default_format,
        jobs or default_jobs(),
        progress=sys.stderr.isatty(),
    )
    click.echo(summary(outcome, directory, time.monotonic() - started), err=True)
    if outcome.failed:
        raise SystemExit(1)


def _render_one(
    url: str, output: str | None, out_dir: Path, settings: Settings, accept: str | None
) -> None:
    target = None if output in (None, "-") else Path(output)
    try:
        spec = spec_for_file(url, target, settings.default_format)
        renderer = renderer_for(settings)
        if spec.format == AUTO:  # as the server would answer a request with `accept`
            spec = negotiate(renderer, spec, accept).spec
        image = renderer.render(spec)
    except PlacepixError as error:
        raise click.ClickException(error.message) from None
    if output == "-":
        sys.stdout.buffer.write(image.data)
        return
    if target is None:
        target = _made_directory(out_dir) / output_name(spec)
    try:
        target.write_bytes(image.data)
    except OSError as error:
        raise file_problem("write", target, error) from None
    click.echo(f"wrote {target} ({len(image.data)} bytes, {image.media_type})", err=True)


def _read_lines(source: str) -> list[Line]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise file_problem("read", source, error) from None
    except UnicodeDecodeError:
        raise click.ClickException(f"can't read {source}: not UTF-8 text") from None
    lines = lines_of(text)
    if not lines:
        raise click.ClickException(f"no URLs in {source}")
    return lines


def _made_directory(directory: Path) -> Path:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise file_problem("make the directory", directory, error) from None
    return directory
