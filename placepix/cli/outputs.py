"""Where `placepix render` writes: a spec read from a URL (a path, or a full URL of any service
placepix reads), the format agreed with `-o`'s extension, and a file name from the canonical URL.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote

import click

from placepix.model.formats import AUTO, AUTO_FORMATS, MEDIA_TYPES, file_extension, format_name
from placepix.model.spec import DEFAULT_BACKGROUND, DEFAULT_FOREGROUND, ImageSpec
from placepix.url.grammar import parse, split_url

NAME_VALUE_CHARACTERS = 40  # of a query value in a file name; longer ones are cut and hashed
_NAME_SAFE = re.compile(r"[^A-Za-z0-9-]+")
_DEFAULT_COLOURS = (DEFAULT_BACKGROUND.hex(), DEFAULT_FOREGROUND.hex())


def read_url(url: str, default_format: str) -> ImageSpec:
    """The spec of `url`: `600x400.png?text=Hi`, `/600x400`, or a full URL such as
    `https://placehold.co/600x400/png` (only its path and query count). `SpecError` if bad."""
    path, query = split_url(url.strip())
    return parse(path, query, default_format=default_format)


def spec_for_file(url: str, target: Path | None, default_format: str) -> ImageSpec:
    """The spec of `url` written to `target`: a URL that names no format takes the one of the
    file's extension; a URL that names another one is an error, and so is an extension that
    is no image format (PNG bytes in `out.jpg` would fool every program that opens it)."""
    extension = target.suffix[1:] if target is not None else ""
    if not extension:
        return read_url(url, default_format)
    fmt = format_name(extension)
    if fmt is None:
        choices = ", ".join(f".{file_extension(name)}" for name in MEDIA_TYPES)
        raise click.ClickException(
            f"{target}: .{extension} is not an image format (use {choices}, or no extension)"
        )
    spec = read_url(url, fmt)
    if spec.format != fmt:
        fixed = target.with_suffix(f".{file_extension(spec.format)}") if target else ""
        raise click.ClickException(
            f"the URL asks for {spec.format} but {target} is a .{extension} file: "
            f"write {fixed}, or leave the format out of the URL"
        )
    return spec


def output_name(spec: ImageSpec) -> str:
    """A file name that says what the image is, from its canonical URL: `600x400.png`,
    `600x400@2x_000000_ffffff.webp`, `600x400_text-Hello.png`. Default colours are left out;
    query values are kept when they are letters, digits and hyphens only, else cut to those
    and followed by a hash of the canonical URL, so that two different images
    never get one name."""
    canonical = spec.canonical()
    path, _, query = canonical.lstrip("/").partition("?")
    size, background, foreground = path.rpartition(".")[0].split("/")
    parts = [size]
    if (background, foreground) != _DEFAULT_COLOURS:
        parts += [background, foreground]
    exact = True
    for pair in query.split("&") if query else []:
        key, _, raw = pair.partition("=")
        value = unquote(raw)
        slug = _NAME_SAFE.sub("-", value).strip("-")[:NAME_VALUE_CHARACTERS]
        exact = exact and slug == value
        parts.append(f"{key}-{slug}" if slug else key)
    if not exact:
        parts.append(hashlib.sha256(canonical.encode()).hexdigest()[:8])
    fmt = AUTO_FORMATS[-1] if spec.format == AUTO else spec.format  # what the library makes
    return "_".join(parts) + f".{file_extension(fmt)}"
