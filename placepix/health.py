"""Does this machine's render stack work? A small probe set, run by each worker at start-up
(`/readyz` answers 503 with the reason while a probe fails) and by `placepix doctor`.

Each probe renders through the public Renderer, so it checks what requests will get, whatever
the text engine and codecs are made of. Complex scripts are checked by what shaping must do,
not by pixels that differ between font versions: Arabic letters drawn joined must differ from
the same letters kept apart by zero-width non-joiners, a Devanagari conjunct from its
letters with an explicit virama; an emoji must come out in colour; every format must decode
to the size it was asked for.
"""

from __future__ import annotations

import io
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

import PIL
from PIL import Image, ImageChops

from placepix._version import __version__
from placepix.errors import PlacepixError
from placepix.model.formats import MEDIA_TYPES
from placepix.render import Renderer

ZWNJ = "\u200c"  # zero width non-joiner: keeps letters apart that shaping would join
PROBE_SIZE = "160x60"
TEXT_STACK = ("Pillow", "uharfbuzz", "freetype-py", "python-bidi", "isal", "cryptography")


@dataclass(frozen=True)
class Probe:
    """One check and its outcome; `detail` says what was seen, in words."""

    name: str
    ok: bool
    detail: str


def run_probes(renderer: Renderer) -> list[Probe]:
    """Every probe, in order; none raises."""
    probes: list[tuple[str, Callable[[Renderer], str]]] = [
        ("arabic joins", _arabic_joins),
        ("devanagari conjuncts", _devanagari_conjuncts),
        ("colour emoji", _colour_emoji),
        *((f"{fmt} encodes", _encodes(fmt)) for fmt in MEDIA_TYPES if fmt != "svg"),
        ("svg writes", _svg_writes),
    ]
    results = []
    for name, probe in probes:
        try:
            results.append(Probe(name, True, probe(renderer)))
        except (PlacepixError, ProbeFailedError, OSError, ValueError) as error:
            results.append(Probe(name, False, str(error) or type(error).__name__))
    return results


def report(renderer: Renderer, probes: list[Probe] | None = None) -> dict[str, object]:
    """What `placepix doctor` prints and `/info.json` includes: versions, fonts, native paths
    and the probes."""
    probes = run_probes(renderer) if probes is None else probes
    fonts = renderer.fonts.describe()
    return {
        "placepix": __version__,
        "python": platform.python_version(),
        "packages": {name: _version_of(name) for name in TEXT_STACK},
        "pillow": PIL.__version__,
        "environment": renderer.environment,
        "fonts": {
            "names": len(renderer.fonts.names),
            "fallbacks": len(renderer.fonts.fallbacks),
            "missing": fonts.get("missing", []),
            "skipped": fonts.get("skipped", []),
        },
        "native": {name: path.describe() for name, path in renderer.native_paths().items()},
        "probes": [{"name": p.name, "ok": p.ok, "detail": p.detail} for p in probes],
        "ok": all(p.ok for p in probes),
    }


class ProbeFailedError(Exception):
    """A probe saw the wrong thing; the message says what."""


def _arabic_joins(renderer: Renderer) -> str:
    return _differs(renderer, "بببب", ZWNJ.join("بببب"), "joined Arabic letters")


def _devanagari_conjuncts(renderer: Renderer) -> str:
    return _differs(renderer, "क्ष", "क्" + ZWNJ + "ष", "a Devanagari conjunct")


def _differs(renderer: Renderer, shaped: str, apart: str, what: str) -> str:
    """Shaping that works draws `shaped` unlike `apart`; without it, both are the same glyphs
    (or the same missing-glyph boxes)."""
    together = _image(renderer, f"{PROBE_SIZE}/fff/000.png?text={_quote(shaped)}&font_size=40")
    separate = _image(renderer, f"{PROBE_SIZE}/fff/000.png?text={_quote(apart)}&font_size=40")
    if ImageChops.difference(together, separate).getbbox() is None:
        raise ProbeFailedError(
            f"{what}: drawn as if not shaped (is a font for the script missing?)"
        )
    return f"{what} shaped"


def _colour_emoji(renderer: Renderer) -> str:
    image = _image(renderer, f"{PROBE_SIZE}/fff/000.png?text=%F0%9F%98%80&font_size=40")
    hsv = image.convert("RGB").convert("HSV")
    _, saturation_max = hsv.getchannel("S").getextrema()
    if not isinstance(saturation_max, int) or saturation_max < 128:
        raise ProbeFailedError("the emoji is not in colour (is a colour emoji font missing?)")
    return "drawn in colour"


def _encodes(fmt: str) -> Callable[[Renderer], str]:
    def probe(renderer: Renderer) -> str:
        image = _image(renderer, f"17x9/123/eee.{fmt}?text=ok")
        if image.size != (17, 9):
            raise ProbeFailedError(f"decoded as {image.size[0]}x{image.size[1]}, not 17x9")
        return f"decodes as {image.format}"

    return probe


def _svg_writes(renderer: Renderer) -> str:
    data = renderer.render("17x9.svg?text=ok").data
    if not data.startswith(b"<svg") or b"</svg>" not in data:
        raise ProbeFailedError("not an SVG document")
    return "an SVG document"


def _image(renderer: Renderer, url: str) -> Image.Image:
    image = Image.open(io.BytesIO(renderer.render(url).data))
    image.load()
    return image


def _quote(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode())


def _version_of(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
