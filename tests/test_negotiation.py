"""Format auto's choice from an Accept header (placepix.server.negotiation), and its step down
when a limit refuses the best format."""

from __future__ import annotations

import pytest

from placepix import parse_url
from placepix.errors import LimitError
from placepix.model.limits import Limits
from placepix.render import Renderer
from placepix.server.negotiation import accepted_formats, negotiate

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAFARI_OLD = "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
FIREFOX_OLD = "image/webp,*/*"


@pytest.mark.parametrize(
    ("accept", "formats"),
    [
        (CHROME, ("avif", "webp", "png")),
        (SAFARI_OLD, ("webp", "png")),
        (FIREFOX_OLD, ("webp", "png")),
        ("image/png,image/*;q=0.8", ("png",)),
        ("*/*", ("png",)),  # wildcards name no modern format
        ("image/*", ("png",)),
        ("", ("png",)),
        (None, ("png",)),
        ("image/avif;q=0,image/webp", ("webp", "png")),  # q=0: not acceptable
        ("image/webp;q=0.1,image/avif;q=0.2", ("avif", "webp", "png")),  # placepix's order
        ("IMAGE/AVIF", ("avif", "png")),
        ("image/avif;q=bad", ("png",)),
        ("image/avif ; q=0.5 , image/webp", ("avif", "webp", "png")),
    ],
)
def test_accepted_formats(accept: str | None, formats: tuple[str, ...]) -> None:
    assert accepted_formats(accept) == formats


def test_a_huge_accept_header_is_read_only_so_far() -> None:
    assert accepted_formats("x/y," * 10_000 + "image/avif") == ("png",)


def test_negotiation_steps_down_when_a_limit_refuses() -> None:
    renderer = Renderer(limits=Limits(max_avif_pixels=100 * 100, render_memory_budget=16 << 20))
    spec = parse_url("/200x200.auto")
    assert negotiate(renderer, spec, CHROME).spec.format == "webp"  # AVIF over its pixels
    assert negotiate(renderer, parse_url("/90x90.auto"), CHROME).spec.format == "avif"
    # 3000x3000: AVIF over its pixels, WebP over the memory budget (2.1 bytes a pixel), PNG fits
    assert negotiate(renderer, parse_url("/3000x3000.auto"), CHROME).spec.format == "png"
    with pytest.raises(LimitError, match="max_side"):
        negotiate(renderer, parse_url("/5000x10.auto"), CHROME)


def test_the_variants_have_etags_of_their_own() -> None:
    renderer = Renderer()
    spec = parse_url("/300x200.auto?text=Hi")
    etags = {negotiate(renderer, spec, accept).etag for accept in (CHROME, FIREFOX_OLD, None)}
    assert len(etags) == 3
    assert (
        negotiate(renderer, spec, FIREFOX_OLD).etag == renderer.plan("/300x200.webp?text=Hi").etag
    )


def test_the_library_plans_auto_as_png() -> None:
    assert Renderer().plan("/30x20.auto").spec.format == "png"
