"""Text on a flat background -> bytes in any format, by the cheapest writer that makes exactly
the image Pillow would: PNG compresses only the text band (codecs/png.py), JPEG encodes only the
rows with text (codecs/jpeg.py), WebP and AVIF are encoded band by band (placepix._native, when
its gate lets them), and everything else goes through a Pillow image (codecs/pillow.py).

An `Encoder` belongs to one Renderer, with the caches these writers keep and its native paths.

A `mask` (placepix.imaging.shapes: `shape=circle`) multiplies the image's alpha: the canvas is no
longer flat, so PNG, GIF, TIFF and ICO go through Pillow with the whole image; WebP and AVIF
stay banded, each band clipped by its rows of the mask. JPEG and BMP never get one (the spec
reads a circle as a rectangle in formats without alpha).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import LRUCache
from PIL import Image

from placepix._native import avif, webp
from placepix._native.gate import NativePath
from placepix._native.loader import BandSource
from placepix.caching import SizedLRU
from placepix.codecs.jpeg import MCU_HEIGHT, BandedJpeg
from placepix.codecs.pillow import (
    AVIF_QUALITY,
    AVIF_SPEED,
    AVIF_THREADS,
    JPEG_QUALITY,
    WEBP_METHOD,
    WEBP_QUALITY,
    encode,
    flatten,
)
from placepix.codecs.png import PngWriter, palette_png, truecolour_png
from placepix.imaging.raster import blend_palette, canvas_mode, text_image
from placepix.imaging.shapes import clip, ellipse_mask
from placepix.imaging.types import GlyphLayer, TextRaster
from placepix.model.colors import Color

PALETTE_FORMATS = frozenset({"gif", "tiff", "bmp"})  # formats that store palette images
PALETTES_KEPT = 256  # (background, foreground) pairs
MASK_CACHE_BYTES = 2 * 1024 * 1024  # circle masks by canvas size: 8 of 512x512, 512 of 64x64
MASK_ENTRY_SHARE = 4  # masks up to 512 KiB (724x724) are kept; larger ones: made per render
GIF_CLEAR = 255  # the transparent index of a clipped GIF (quantized to the other 255)


class Encoder:
    """Every format's writer, the caches they keep, and the native paths they may take."""

    def __init__(self, *, native: bool = True) -> None:
        self.png = PngWriter()
        self.jpeg = BandedJpeg()
        self.webp: NativePath[webp.BandedEncoder] = NativePath("webp", webp.load, enabled=native)
        self.avif: NativePath[avif.BandedEncoder] = NativePath("avif", avif.load, enabled=native)
        self._palettes: LRUCache[tuple[Color, Color], bytes] = LRUCache(PALETTES_KEPT)
        self.masks: SizedLRU[tuple[int, int], Image.Image] = SizedLRU(
            MASK_CACHE_BYTES, lambda mask: mask.width * mask.height, MASK_ENTRY_SHARE
        )
        self._lock = threading.Lock()

    def banded(self, fmt: str) -> bool:
        """Whether `fmt` takes a banded writer (False: Pillow's own WebP or AVIF encoder, which
        needs several times the memory: placepix.budget)."""
        if fmt == "webp":
            return self.webp.active
        if fmt == "avif":
            return self.avif.active
        return True

    def native_paths(self) -> dict[str, NativePath[object]]:
        return {"webp": self.webp, "avif": self.avif}  # type: ignore[dict-item]

    def palette(self, background: Color, foreground: Color) -> bytes:
        """`blend_palette` of the two colours, kept for colours seen again."""
        key = (background, foreground)
        with self._lock:
            palette = self._palettes.get(key)
        if palette is None:
            palette = blend_palette(background, foreground)
            with self._lock:
                self._palettes[key] = palette
        return palette

    def ellipse(self, size: tuple[int, int]) -> Image.Image:
        """`ellipse_mask(size)`, kept for sizes seen again (avatars come in a few sizes)."""
        mask = self.masks.get(size)
        if mask is None:
            mask = ellipse_mask(size)
            self.masks.put(size, mask)
        return mask

    def encode_text(
        self,
        size: tuple[int, int],
        background: Color,
        foreground: Color,
        text: TextRaster,
        fmt: str,
        png_indices: Callable[[], bytes] | None = None,
        mask: Image.Image | None = None,
    ) -> bytes:
        """Encode `text` on a canvas of `size` in `fmt` (any raster format). `png_indices` may
        give the PNG index chunk already made (`PngWriter.index_chunk`); `mask` ('L', of
        `size`) clips the image: its alpha is multiplied by the mask."""
        if mask is not None:
            return self._clipped(size, background, foreground, text, fmt, mask)
        if fmt == "png" and text.color is None:
            palette = self.palette(background, foreground)
            has_alpha = canvas_mode(background, foreground) == "RGBA"
            indices = png_indices() if png_indices else self.png.index_chunk(size, text.coverage)
            return palette_png(size, palette, has_alpha, indices)
        if fmt == "jpeg":
            return self._banded_jpeg(size, background, foreground, text)
        if fmt == "webp":
            band, alpha = _bands(size, background, foreground, text)
            return self.webp.run(
                lambda banded: banded.encode(size, band, alpha, WEBP_QUALITY, WEBP_METHOD),
                lambda: self._with_pillow(size, background, foreground, text, fmt),
            )
        if fmt == "avif":
            band, alpha = _bands(size, background, foreground, text)
            return self.avif.run(
                lambda banded: banded.encode(
                    size,
                    band,
                    alpha,
                    quality=AVIF_QUALITY,
                    speed=AVIF_SPEED,
                    max_threads=AVIF_THREADS,
                ),
                lambda: self._with_pillow(size, background, foreground, text, fmt),
            )
        return self._with_pillow(size, background, foreground, text, fmt)

    def _clipped(
        self,
        size: tuple[int, int],
        background: Color,
        foreground: Color,
        text: TextRaster,
        fmt: str,
        mask: Image.Image,
    ) -> bytes:
        width = size[0]

        def band(top: int, bottom: int) -> Image.Image:
            drawn = text_image((width, bottom - top), background, foreground, _shifted(text, top))
            return clip(drawn, mask.crop((0, top, width, bottom)))

        def whole() -> bytes:
            return encode(clip(text_image(size, background, foreground, text), mask), fmt)

        if fmt == "webp":
            return self.webp.run(
                lambda banded: banded.encode(size, band, True, WEBP_QUALITY, WEBP_METHOD), whole
            )
        if fmt == "avif":
            return self.avif.run(
                lambda banded: banded.encode(
                    size,
                    band,
                    True,
                    quality=AVIF_QUALITY,
                    speed=AVIF_SPEED,
                    max_threads=AVIF_THREADS,
                ),
                whole,
            )
        image = clip(text_image(size, background, foreground, text), mask)
        if fmt == "png":
            return truecolour_png(image)
        return encode(_gif_with_clear_index(image) if fmt == "gif" else image, fmt)

    def _with_pillow(
        self,
        size: tuple[int, int],
        background: Color,
        foreground: Color,
        text: TextRaster,
        fmt: str,
    ) -> bytes:
        palette = self.palette(background, foreground) if fmt in PALETTE_FORMATS else None
        return encode(text_image(size, background, foreground, text, palette=palette), fmt)

    def _banded_jpeg(
        self, size: tuple[int, int], background: Color, foreground: Color, text: TextRaster
    ) -> bytes:
        """JPEG that encodes only the MCU rows holding text."""
        layers = [layer for layer in (text.coverage, text.color) if layer is not None]
        flat = flatten(text_image((1, 1), background, foreground, TextRaster(None)))
        pixel = flat.getpixel((0, 0))
        assert isinstance(pixel, tuple)
        colour = (int(pixel[0]), int(pixel[1]), int(pixel[2]))
        if not layers:
            return self.jpeg.encode(size, colour, None, 0, JPEG_QUALITY)
        top = min(layer.origin[1] for layer in layers) // MCU_HEIGHT * MCU_HEIGHT
        bottom = max(layer.origin[1] + layer.image.height for layer in layers)
        bottom = min(size[1], -(-bottom // MCU_HEIGHT) * MCU_HEIGHT)
        band_size = (size[0], bottom - top)
        band = flatten(text_image(band_size, background, foreground, _shifted(text, top)))
        return self.jpeg.encode(size, colour, band, top, JPEG_QUALITY)


def _gif_with_clear_index(image: Image.Image) -> Image.Image:
    """An RGBA image as GIF takes it: up to 255 colours and one transparent index for the
    pixels under half opacity (GIF has no partial alpha)."""
    alpha = image.getchannel("A")
    indexed = image.convert("RGB").quantize(GIF_CLEAR, dither=Image.Dither.NONE)
    indexed.paste(GIF_CLEAR, mask=alpha.point(lambda a: 255 if a < 128 else 0))
    indexed.info["transparency"] = GIF_CLEAR
    return indexed


def _bands(
    size: tuple[int, int], background: Color, foreground: Color, text: TextRaster
) -> tuple[BandSource, bool]:
    """For the banded WebP and AVIF encoders: what draws a band of rows (no full-size canvas
    ever exists), and whether the image may be translucent."""

    def band(top: int, bottom: int) -> Image.Image:
        return text_image((size[0], bottom - top), background, foreground, _shifted(text, top))

    return band, canvas_mode(background, foreground) == "RGBA"


def _shifted(text: TextRaster, rows: int) -> TextRaster:
    """`text` for a band that starts `rows` rows down the canvas."""
    return TextRaster(*(_shifted_layer(layer, rows) for layer in (text.coverage, text.color)))


def _shifted_layer(layer: GlyphLayer | None, rows: int) -> GlyphLayer | None:
    if layer is None:
        return None
    return GlyphLayer(layer.image, (layer.origin[0], layer.origin[1] - rows))
