"""The Renderer: spec -> plan -> bytes, owning every cache a render fills.

Rendering is two steps, so that a server can decide what to do between them:

1. `plan(spec)` checks the spec against the limits, names its bytes (the ETag) and estimates
   what rendering will cost (placepix.budget) -- cheap enough for an event loop;
2. `execute(plan)` lays the text out, draws and encodes it.

For large canvases the memory estimate in a plan is the worst case; `refine(plan)` lays the
text out (in a render thread) and replaces it with the estimate of the real text's box. The
layout is kept, so `execute` does not make it again. `render(spec)` does it all and keeps the
bytes. Two Renderers share nothing; `placepix.render()` uses `default_renderer()`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import PIL
from isal import __version__ as isal_version
from PIL import Image, features

from placepix import budget
from placepix._native.gate import NativePath, native_allowed
from placepix.caching import CachePool, SizedLRU
from placepix.codecs.encoder import Encoder
from placepix.codecs.svg import SvgLine, write_svg
from placepix.imaging.bold import bold_radius, embolden
from placepix.imaging.distort import distort_text
from placepix.imaging.types import TextRaster
from placepix.model.formats import AUTO, AUTO_FORMATS, file_extension
from placepix.model.limits import DEFAULT_LIMITS, Limits
from placepix.model.spec import ImageSpec
from placepix.prepared import CACHE_BYTES, ENTRY_SHARE, PreparedText
from placepix.text import engine as text_engine
from placepix.text.engine import TextEngine
from placepix.text.fonts import FontFile, FontLibrary
from placepix.text.layout import MIN_FONT_SIZE, TextLayout
from placepix.url.grammar import parse_url

# Bump whenever the bytes for an unchanged spec and environment change (encoder options,
# layout): it is part of every ETag, with the fingerprint of the render environment.
RENDER_VERSION = "12"
IMAGE_CACHE_BYTES = 40 * 1024 * 1024
INLINE_RENDER_US = 1000  # renders estimated this fast may run where they are asked for
PADDING_SHARE = 0.05  # default padding: this share of the smaller side
CODEC_FEATURES = ("jpg", "zlib", "webp", "avif", "libtiff")  # Pillow draws no text


@dataclass(frozen=True)
class Plan:
    """A checked spec and what rendering it will cost. `memory` is an upper estimate in bytes
    (the worst case for the canvas until `exact`); `inline` says the render is cheap by
    construction (the size label, or a short text in one colour, on a small canvas: `budget`),
    whatever the caches hold."""

    spec: ImageSpec
    font: FontFile
    etag: str
    memory: int
    microseconds: float
    inline: bool
    exact: bool


@dataclass(frozen=True)
class Rendered:
    """An encoded image and what to serve it as."""

    data: bytes
    media_type: str
    spec: ImageSpec

    @property
    def extension(self) -> str:
        return file_extension(self.spec.format)


class Renderer:
    """Renders specs within `limits`, in the fonts of `fonts`, keeping up to `cache_bytes` of
    encoded images and bounded caches of text work. `native=False` keeps every direct C call
    off (None: as `PLACEPIX_NATIVE` says); auto-fitted text goes no smaller than
    `min_font_size` px at scale 1 (placepix.text.layout)."""

    def __init__(
        self,
        *,
        limits: Limits = DEFAULT_LIMITS,
        fonts: FontLibrary | None = None,
        cache_bytes: int = IMAGE_CACHE_BYTES,
        native: bool | None = None,
        inline_render_us: float = INLINE_RENDER_US,
        min_font_size: int = MIN_FONT_SIZE,
    ) -> None:
        self.limits = limits
        self.fonts = fonts if fonts is not None else FontLibrary.discover()
        native = native_allowed() if native is None else native
        self.text = TextEngine(self.fonts, min_font_size=min_font_size, native=native)
        self.encoder = Encoder(native=native)
        self.images: SizedLRU[str, bytes] = SizedLRU(cache_bytes, len)
        self.prepared: SizedLRU[tuple[object, ...], PreparedText] = SizedLRU(
            CACHE_BYTES, lambda prepared: prepared.nbytes, ENTRY_SHARE
        )
        self.caches = CachePool([self.images, self.prepared, *self.text.caches()])
        self.inline_render_us = inline_render_us
        self.environment = self._environment()
        self.fingerprint = _digest(json.dumps(self.environment, sort_keys=True))

    def plan(self, spec: ImageSpec | str) -> Plan:
        """Check `spec` (or a URL like `600x400.png?text=Hi`) and estimate its render; raises
        `SpecError`/`LimitError` for anything it will not draw. No pixel is allocated. A spec
        in format `auto` is planned as PNG: what a client that names no format gets (servers
        choose by the Accept header first: placepix.server.negotiation)."""
        spec = parse_url(spec) if isinstance(spec, str) else spec
        if spec.format == AUTO:
            spec = replace(spec, format=AUTO_FORMATS[-1])
        spec.check(self.limits)
        font = self.fonts.resolve(spec.font)
        banded = self.encoder.banded(spec.format)
        worst = budget.worst_memory(spec, banded=banded)  # at least the canvas's own need
        if worst > self.limits.render_memory_budget:
            canvas = budget.canvas_memory(spec, banded=banded)
            if canvas > self.limits.render_memory_budget:
                kind = budget.describe_kind(spec, colour_glyphs=False)
                raise budget.too_large(spec, canvas, self.limits.render_memory_budget, kind)
        pixels = spec.pixel_width * spec.pixel_height
        microseconds = budget.render_microseconds(
            spec.format, pixels, banded=banded, clipped=spec.shape != "rect"
        )
        inline = microseconds <= self.inline_render_us and self._cheap_text(spec, font)
        exact = worst <= budget.SMALL_RENDER_BYTES
        etag = self.etag(spec.canonical())
        return Plan(spec, font, etag, worst, microseconds, inline, exact)

    def _cheap_text(self, spec: ImageSpec, font: FontFile) -> bool:
        """Whether `spec`'s text is cheap to draw by construction (`budget`): the size label,
        or a short text with no colour glyphs."""
        if budget.is_cheap_text(spec):
            return True
        return budget.is_short_text(spec) and not self.text.has_colour_glyphs(
            spec.display_text, font
        )

    def refine(self, plan: Plan) -> Plan:
        """`plan` with the memory estimate of its real text (laid out now, and kept); raises
        `LimitError` when that is more than `render_memory_budget`."""
        if plan.exact:
            return plan
        spec = plan.spec
        colour = self.text.has_colour_glyphs(spec.display_text, plan.font)
        banded = self.encoder.banded(spec.format)
        ink = self.text.ink(self.lay_out(spec))
        listed = not self.text.glyphs.bitmaps.active  # glyph pixels read as Python lists
        needed = budget.text_memory(
            spec, ink, colour_glyphs=colour, banded=banded, listed_glyphs=listed
        )
        if needed > self.limits.render_memory_budget:
            kind = budget.describe_kind(spec, colour_glyphs=colour)
            raise budget.too_large(spec, needed, self.limits.render_memory_budget, kind)
        return replace(plan, memory=needed, exact=True)

    def execute_inline(self, plan: Plan) -> bytes | None:
        """The bytes of `plan` if making them is cheap now, else None (render it in a thread):
        cheap by construction (`plan.inline`), or its text's raster is prepared and encoding it
        takes under `inline_render_us` by the estimate (colour glyphs count a full-colour
        canvas). Distorted text and SVG need a layout, so they are never cheap that way."""
        if plan.inline:
            return self.execute(plan)
        spec = plan.spec
        if spec.distort or spec.format == "svg":
            return None
        prepared = self.prepared.get(self._prepared_key(spec))
        if prepared is None:
            return None
        microseconds = budget.render_microseconds(
            spec.format,
            spec.pixel_width * spec.pixel_height,
            banded=self.encoder.banded(spec.format),
            clipped=spec.shape != "rect",
            colour_glyphs=prepared.raster.color is not None,
        )
        if microseconds > self.inline_render_us:
            return None
        return self._encode(spec, prepared)

    def execute(self, plan: Plan) -> bytes:
        """The encoded image of a plan (checks were made by `plan` and `refine`)."""
        spec = plan.spec
        size = (spec.pixel_width, spec.pixel_height)
        if spec.format != "svg" and not spec.distort:  # no layout needed once it is prepared
            prepared = self.prepared.get(self._prepared_key(spec))
            if prepared is None:
                prepared = self._prepared(spec, self.lay_out(spec))
            return self._encode(spec, prepared)
        layout = self.lay_out(spec)
        if spec.format == "svg":
            return write_svg(
                size,
                spec.background,
                spec.foreground,
                [
                    SvgLine(line.text, line.x, line.width, line.baseline, line.direction)
                    for line in layout.lines
                ],
                font_size=layout.font_size,
                families=layout.families,
                align=layout.align,
                shape=spec.shape,
                bold=spec.bold,
            )
        raster = self._raster(spec, layout)  # distorted: drawn anew every time
        boxes = self.text.glyph_boxes(layout)
        seed = spec.canonical()
        glyphs = distort_text(raster, boxes, size, layout.font_size, seed, spec.distort)
        colours = (spec.background, spec.foreground)
        return self.encoder.encode_text(size, *colours, glyphs, spec.format, mask=self._mask(spec))

    def _encode(self, spec: ImageSpec, text: PreparedText) -> bytes:
        size = (spec.pixel_width, spec.pixel_height)
        colours = (spec.background, spec.foreground)
        return self.encoder.encode_text(
            size, *colours, text.raster, spec.format, text.png_indices, self._mask(spec)
        )

    def _mask(self, spec: ImageSpec) -> Image.Image | None:
        """The ellipse a circle is clipped by (kept per size by the Encoder), else None."""
        size = (spec.pixel_width, spec.pixel_height)
        return self.encoder.ellipse(size) if spec.shape == "circle" else None

    def render(self, spec: ImageSpec | str) -> Rendered:
        """Plan, refine and execute `spec`, or take its bytes from the cache."""
        plan = self.plan(spec)
        data = self.images.get(plan.etag)
        if data is None:
            data = self.execute(self.refine(plan))
            self.images.put(plan.etag, data)
        return Rendered(data, plan.spec.media_type, plan.spec)

    def lay_out(self, spec: ImageSpec) -> TextLayout:
        """The layout of `spec`'s text in pixel units; colours and format don't change it, so
        it is kept for specs that differ only in those."""
        width, height = spec.pixel_width, spec.pixel_height
        padding = spec.padding * spec.scale if spec.padding is not None else None
        return self.text.lay_out(
            spec.display_text,
            self.fonts.resolve(spec.font),
            (width, height),
            font_size=spec.font_size * spec.scale if spec.font_size is not None else None,
            align=spec.align,
            padding=padding if padding is not None else default_padding(width, height),
            wrap=spec.text is not None,  # the size label stays on one line
            min_size=self.text.min_font_size * spec.scale,
        )

    def etag(self, key: str, *, prefix: str = "") -> str:
        """A strong ETag for `key` (a canonical URL, or a token and format) in this render
        environment: an upgrade that may change bytes changes every ETag by itself."""
        digest = _digest("\n".join((RENDER_VERSION, self.fingerprint, key)))
        return f'"{prefix}{digest[:32]}"'

    def clear_text_caches(self) -> None:
        """Forget every layout, rasterised text and glyph; fonts stay known (cold benchmarks)."""
        self.text.clear()
        self.prepared.clear()

    def _raster(self, spec: ImageSpec, layout: TextLayout) -> TextRaster:
        """The text engine's raster of `layout` on `spec`'s canvas."""
        size = (spec.pixel_width, spec.pixel_height)
        raster = self.text.rasterize(layout, size)
        if spec.bold:
            # BOLD HOOK (issue 20): synthetic bold, the engine's coverage grown by a share of
            # the font size (placepix.imaging.bold), until the text engine draws bold itself
            # (a bold face, or FreeType's emboldening): then hand `spec.bold` to
            # TextEngine.lay_out/rasterize, which also measures the bolder text, and delete this
            # branch, imaging/bold.py and budget's BOLD_TEXT_BYTES.
            raster = embolden(raster, bold_radius(layout.font_size), size)
        return raster

    def _prepared(self, spec: ImageSpec, layout: TextLayout) -> PreparedText:
        """Rasterise `layout` for `spec` and keep it (colours and format don't change it)."""
        size = (spec.pixel_width, spec.pixel_height)
        prepared = PreparedText(self._raster(spec, layout), size, self.encoder.png.index_chunk)
        self.prepared.put(self._prepared_key(spec), prepared)
        return prepared

    def _prepared_key(self, spec: ImageSpec) -> tuple[object, ...]:
        """What decides a spec's raster: its text, font and geometry, not colours or format."""
        return (
            spec.display_text,
            spec.font,
            spec.pixel_width,
            spec.pixel_height,
            spec.scale,
            spec.font_size,
            spec.align,
            spec.padding,
            spec.text is not None,
            spec.bold,
        )

    def native_paths(self) -> dict[str, NativePath[object]]:
        """Every native path this Renderer may take: the encoders' and the text engine's."""
        return {**self.encoder.native_paths(), "bitmaps": self.text.glyphs.bitmaps}  # type: ignore[dict-item]

    def _environment(self) -> dict[str, Any]:
        """What decides the bytes besides the spec: fonts, library versions, active paths."""
        return {
            "render_version": RENDER_VERSION,
            "fonts": self.fonts.fingerprint(),
            "pillow": PIL.__version__,
            "codecs": {name: features.version(name) for name in CODEC_FEATURES},
            "isal": isal_version,
            # the encoders' paths change bytes; the bitmap copy reads the same pixels either way
            "native": {name: path.active for name, path in self.encoder.native_paths().items()},
            "text": text_engine.environment(),
            "min_font_size": self.text.min_font_size,
        }


def default_padding(width: int, height: int) -> int:
    """A share of the smaller side, and at least a pixel so that text never touches the edge."""
    return max(1, int(min(width, height) * PADDING_SHARE))


@cache
def default_renderer() -> Renderer:
    """The Renderer of `render()`: bundled and system fonts, default limits and caches. The one
    process-wide object of placepix (as logging has its root logger); servers, tests and
    benchmarks build their own."""
    return Renderer()


def render(spec: ImageSpec | str, *, renderer: Renderer | None = None) -> Rendered:
    """Render a spec, or a URL like `600x400.png?text=Hi`, with `renderer` (default:
    `default_renderer()`). Raises `SpecError`/`LimitError` (both `PlacepixError`) for anything
    it will not draw."""
    return (renderer or default_renderer()).render(spec)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
