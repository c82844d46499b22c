"""spec -> (bytes, media type): lay out the text once, then raster + encode, or write SVG."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from placepix.caching import SizedLRU
from placepix.codecs.encode import encode_text, working_memory
from placepix.codecs.svg import write_svg
from placepix.errors import LimitError
from placepix.imaging.distort import distort_text
from placepix.model.formats import file_extension
from placepix.model.limits import DEFAULT_LIMITS, Limits
from placepix.model.spec import Align, ImageSpec
from placepix.prepared import PREPARED, clear_prepared_text, prepared_text
from placepix.text.fonts import FACES, FontFile, FontLibrary, default_library
from placepix.text.layout import (
    LINE_MASKS,
    TextLayout,
    Typesetter,
    clear_line_masks,
    lay_out_text,
    rasterize_text,
)
from placepix.text.shaping import FONT_FACES, GLYPHS, SHAPED, SHAPERS, clear_glyphs
from placepix.url.grammar import parse_url

# Bump whenever the bytes for an unchanged spec change (encoder options, layout, fonts):
# it is part of every ETag, so caches everywhere stop serving the old bytes.
RENDER_VERSION = "10"
PADDING_SHARE = 0.05  # default padding: this share of the smaller side
SMALL_RENDER_BYTES = 16 * 1024 * 1024  # estimated without a layout below this (worst case)


@dataclass(frozen=True)
class Rendered:
    """An encoded image and what to serve it as."""

    data: bytes
    media_type: str
    spec: ImageSpec

    @property
    def extension(self) -> str:
        return file_extension(self.spec.format)


def render(
    spec: ImageSpec | str, *, limits: Limits = DEFAULT_LIMITS, fonts: FontLibrary | None = None
) -> Rendered:
    """Render a spec, or a URL like `600x400.png?text=Hi`, after checking it against `limits`.

    Raises `SpecError`/`LimitError` (both `PlacepixError`) for anything it will not draw.
    """
    fonts = fonts or default_library()
    spec = check(parse_url(spec) if isinstance(spec, str) else spec, limits, fonts)
    font = fonts.resolve(spec.font)
    size = (spec.pixel_width, spec.pixel_height)
    key = _layout_key(spec, fonts, font)
    layout = _lay_out(*key)
    if spec.format == "svg":
        data = write_svg(size, spec.background, spec.foreground, layout)
    else:
        data = _raster(spec, layout, key, size)
    return Rendered(data, spec.media_type, spec)


def _raster(
    spec: ImageSpec, layout: TextLayout, key: tuple[object, ...], size: tuple[int, int]
) -> bytes:
    """Encode the laid-out text in the spec's colours and format. Distorted text differs per
    URL; otherwise the raster is kept for the same text in other colours and formats."""
    background, foreground = spec.background, spec.foreground
    if spec.distort:
        seed = spec.canonical()
        glyphs = distort_text(rasterize_text(layout, size), size, layout.font_size, seed)
        return encode_text(size, background, foreground, glyphs, spec.format)
    text = prepared_text(key, layout, size)
    return encode_text(size, background, foreground, text.raster, spec.format, text.png_indices)


def check(spec: ImageSpec, limits: Limits, fonts: FontLibrary) -> ImageSpec:
    """Everything that can refuse a spec, done before any pixel is allocated."""
    check_request(spec, limits, fonts)
    check_memory(spec, limits, fonts)
    return spec


def check_request(spec: ImageSpec, limits: Limits, fonts: FontLibrary) -> ImageSpec:
    """The checks that need no layout, cheap enough for every request: the spec's limits, the
    font name, and a canvas that needs more memory than allowed before any text is drawn.
    `check_memory` does the rest (the server runs it in a render thread)."""
    spec.check(limits)
    fonts.resolve(spec.font)
    pixels = spec.pixel_width * spec.pixel_height
    canvas = working_memory(spec.format, pixels, 0, translucent=_translucent(spec))
    if canvas > limits.max_render_memory:
        raise _too_large(spec, fonts, canvas, limits)
    return spec


def check_memory(spec: ImageSpec, limits: Limits, fonts: FontLibrary) -> int:
    """The render's estimated peak memory (`memory_needed`); `LimitError` when it is more than
    `limits.max_render_memory`. May lay the text out: ~1 ms for large text."""
    needed = memory_needed(spec, fonts)
    if needed > limits.max_render_memory:
        raise _too_large(spec, fonts, needed, limits)
    return needed


def _too_large(spec: ImageSpec, fonts: FontLibrary, needed: int, limits: Limits) -> LimitError:
    budget = limits.max_render_memory
    return LimitError(
        f"image too large to render: a {spec.pixel_width}x{spec.pixel_height} "
        f"{_kind(spec, fonts)} needs about {needed >> 20} MiB, render_memory_budget is "
        f"{budget >> 20} MiB (at most {budget * spec.pixel_width * spec.pixel_height // needed} "
        "pixels)"
    )


def memory_needed(spec: ImageSpec, fonts: FontLibrary) -> int:
    """Estimated peak working memory of rendering `spec`, in bytes (`encoders.working_memory`):
    what admission control budgets and `check` bounds. Lays the text out (the render reuses
    the layout) unless even the worst case is small."""
    worst = worst_memory(spec)
    if worst <= SMALL_RENDER_BYTES:
        return worst
    return working_memory(
        spec.format,
        spec.pixel_width * spec.pixel_height,
        _text_box_pixels(spec, fonts),
        translucent=_translucent(spec),
        colour_glyphs=_has_colour_glyphs(spec, fonts),
    )


def worst_memory(spec: ImageSpec) -> int:
    """The estimate for text that fills the canvas, in translucent colours, with emoji."""
    pixels = spec.pixel_width * spec.pixel_height
    return working_memory(spec.format, pixels, pixels, translucent=True, colour_glyphs=True)


def _text_box_pixels(spec: ImageSpec, fonts: FontLibrary) -> int:
    """The pixels of the box around the laid-out text (with room for glyphs that overhang
    their advance), within the canvas: what the text's rasters and their caches scale with."""
    layout = lay_out(spec, fonts, fonts.resolve(spec.font))
    if not layout.lines:
        return 0
    widest = max(line.width for line in layout.lines) + layout.font_size // 2
    tallest = layout.line_height * (len(layout.lines) - 1) + int(layout.font_size * 1.3)
    return min(spec.pixel_width, widest) * min(spec.pixel_height, tallest)


def _translucent(spec: ImageSpec) -> bool:
    return not (spec.background.opaque and spec.foreground.opaque)


def _has_colour_glyphs(spec: ImageSpec, fonts: FontLibrary) -> bool:
    font = fonts.resolve(spec.font)
    return any(fonts.font_for(char, font).color for char in set(spec.display_text))


def _kind(spec: ImageSpec, fonts: FontLibrary) -> str:
    """'webp', 'translucent webp with emoji': what decides a render's memory, in words."""
    translucent = "translucent " if _translucent(spec) else ""
    emoji = " with emoji" if _has_colour_glyphs(spec, fonts) else ""
    return f"{translucent}{spec.format}{emoji}"


def etag_for(spec: ImageSpec, fonts: FontLibrary | None = None) -> str:
    """A strong ETag: equal for every URL that means the same bytes on this font set."""
    fonts = fonts or default_library()
    key = f"{RENDER_VERSION}\n{fonts.fingerprint()}\n{spec.canonical()}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def text_caches() -> tuple[SizedLRU[Any, Any], ...]:
    """The process's caches of text work (rasterised runs and glyphs, prepared rasters, loaded
    faces and shapers), for a `CachePool` to shrink while large renders run."""
    return (LINE_MASKS, PREPARED, FACES, FONT_FACES, SHAPERS, GLYPHS, SHAPED)


def clear_layout_caches() -> None:
    """Forget every layout and rasterised text and glyph; fonts stay loaded (benchmarks
    measure cold renders with it)."""
    _lay_out.cache_clear()
    clear_line_masks()
    clear_glyphs()
    clear_prepared_text()


def lay_out(spec: ImageSpec, fonts: FontLibrary, font: FontFile) -> TextLayout:
    """The layout for `spec`, in pixel units. Colours and format don't change it, so it is
    kept for specs that differ only in those."""
    return _lay_out(*_layout_key(spec, fonts, font))


def _layout_key(spec: ImageSpec, fonts: FontLibrary, font: FontFile) -> tuple[object, ...]:
    """Everything that decides a spec's layout, in `_lay_out`'s order: the key of the layout
    cache, and of the prepared raster (with the canvas size it contains)."""
    return (
        fonts,
        font,
        spec.display_text,
        spec.pixel_width,
        spec.pixel_height,
        spec.scale,
        spec.font_size,
        spec.align,
        spec.padding,
        spec.text is not None,  # the size label stays on one line
    )


@lru_cache(maxsize=2048)
def _lay_out(
    fonts: FontLibrary,
    font: FontFile,
    text: str,
    width: int,
    height: int,
    scale: int,
    font_size: int | None,
    align: Align,
    padding: int | None,
    wrap: bool,
) -> TextLayout:
    padding = padding * scale if padding is not None else default_padding(width, height)
    return lay_out_text(
        text,
        Typesetter(fonts, font),
        (width, height),
        font_size=font_size * scale if font_size is not None else None,
        align=align,
        padding=padding,
        wrap=wrap,
    )


def default_padding(width: int, height: int) -> int:
    """A share of the smaller side, and at least a pixel so that text never touches the edge."""
    return max(1, int(min(width, height) * PADDING_SHARE))
