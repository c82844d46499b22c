"""`placepix token` and `placepix sign`: URLs for a server with secret keys."""

from __future__ import annotations

from typing import Any

import click

from placepix.cli.common import settings_or_exit
from placepix.errors import PlacepixError
from placepix.minting import make_token
from placepix.model.sizes import parse_size
from placepix.parts import MAX_PARTS, make_tokens, parts_html
from placepix.server.settings import Settings, renderer_for
from placepix.url.signing import sign_url
from placepix.url.tokens import image_url

NO_KEY = "set PLACEPIX_SECRET_KEYS first, e.g. PLACEPIX_SECRET_KEYS=a-long-random-secret"


@click.command(short_help="Print the /t/ URL of an image of TEXT that is not readable from it.")
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
@click.option("--distort", is_flag=True, help="Anti-OCR waves and strokes (a speed bump).")
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
    --parts, one path per part; with --html, the <img> snippet. The image is checked against
    this instance's limits before the token is made."""
    settings = settings_or_exit()
    secret = _secret(settings)
    width, height = _size(size)
    style = {k: v for k, v in style.items() if v is not None}
    style["format"] = style.pop("fmt")
    style["renderer"] = renderer_for(settings)  # the server's fonts and limits
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


@click.command(short_help="Print URL signed for a server that serves signed URLs only.")
@click.argument("url")
def sign(url: str) -> None:
    """Print URL (e.g. /600x400.png?text=Hi) signed for a server with require_signature on."""
    settings = settings_or_exit()
    secret = _secret(settings)
    try:
        click.echo(sign_url(url, secret, default_format=settings.default_format))
    except PlacepixError as error:
        raise click.ClickException(error.message) from None


def _secret(settings: Settings) -> str:
    secret = settings.newest_secret()
    if secret is None:
        raise click.ClickException(NO_KEY)
    return secret


def _size(size: str | None) -> tuple[int | None, int | None]:
    if size is None:
        return None, None
    try:
        parsed = parse_size(size)
    except PlacepixError as error:
        raise click.ClickException(error.message) from None
    return parsed.width, parsed.height
