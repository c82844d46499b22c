"""Limits: what one request may ask for, named, with the reason for each default."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; checked before any pixel is allocated. These defaults are
    also the server's (`Settings` takes them from `DEFAULT_LIMITS`)."""

    max_side: int = 4000  # pixels, per side, after retina scaling
    max_pixels: int = 4000 * 4000  # width x height after retina scaling
    max_text_length: int = 500  # characters, after normalisation
    max_font_size: int = 2000  # pixels (explicit font_size)
    max_url_length: int = 2048  # characters of path + query, as received
    max_avif_pixels: int = 1500 * 1500  # libaom: 12-18 bytes a pixel, 4000x4000 is ~180 MB
    render_memory_budget: int = 64 * 1024 * 1024  # estimated peak bytes of one render


DEFAULT_LIMITS = Limits()
