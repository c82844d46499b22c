"""The gallery of docs/tokens.md: every `distort` level on every kind of text, one sheet per
bundled font, as tokens show them (`token_spec`: sized to the text, 20-pixel font, #222 on
white), and what each level costs a reader (placepix.imaging.legibility) over the OCR corpus.

    python -m scripts.distort_gallery                 # writes docs/distort/*.png, prints costs
    python -m scripts.distort_gallery --fonts lato --out /tmp/gallery

A sheet has a row per kind of text and a column per level (0, plain, then 1 to 3), each image
at its own size on a light grey ground so that its edges show.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from placepix.imaging import legibility
from placepix.imaging.distort import LEVELS, distort_layers
from placepix.minting import token_spec
from placepix.model.colors import contrast_ratio
from placepix.render import Renderer
from placepix.url.grammar import parse_url
from scripts.ocr_attack import FONTS, corpus

ROOT = Path(__file__).resolve().parent.parent
TEXTS = (  # one of each kind of scripts/ocr_attack.py
    ("email", "jane.doe@example.com"),
    ("phone", "+44 20 7946 0958"),
    ("price", "€1,299.00"),
    ("name", "Kenji Tanaka"),
    ("iban", "GB29 NWBK 6016 1331 9268 19"),
)
GROUND = (230, 232, 236)
GAP = 8


def sheet(renderer: Renderer, font: str, foreground: str = "222222") -> Image.Image:
    """One font's sheet: a row per text of TEXTS, a column per level."""
    levels = [0, *LEVELS]
    rows = []
    for _, text in TEXTS:
        specs = [token_spec(text, foreground=foreground, font=font, distort=n) for n in levels]
        rows.append([_decode(renderer.render(spec).data) for spec in specs])
    widths = [max(row[i].width for row in rows) for i in range(len(levels))]
    heights = [max(image.height for image in row) for row in rows]
    size = (sum(widths) + GAP * (len(widths) + 1), sum(heights) + GAP * (len(heights) + 1))
    out = Image.new("RGB", size, GROUND)
    y = GAP
    for row, height in zip(rows, heights, strict=True):
        x = GAP
        for image, width in zip(row, widths, strict=True):
            out.paste(image, (x, y))
            x += width + GAP
        y += height + GAP
    return out


def costs(renderer: Renderer, count: int) -> list[str]:
    """Per level, over `count` texts of the OCR corpus: the least ink any glyph kept, the least
    share of a glyph's ink that nothing covers, and the mean of that share."""
    lines = ["level  least ink kept  least uncovered  mean uncovered"]
    samples = corpus(count, seed=22)
    for level in LEVELS:
        kept, uncovered, means = 1.0, 1.0, []
        for sample in samples:
            spec = parse_url(sample.url(level))
            layout = renderer.lay_out(spec)
            size = (spec.pixel_width, spec.pixel_height)
            made = distort_layers(
                renderer.text.rasterize(layout, size),
                renderer.text.glyph_boxes(layout),
                size,
                layout.font_size,
                spec.canonical(),
                level,
            )
            if made is None:
                continue
            measured = legibility.measure(made)
            kept = min(kept, measured.worst_ink_kept)
            uncovered = min(uncovered, measured.worst_uncovered)
            means.append(measured.mean_uncovered)
        mean = sum(means) / max(1, len(means))
        lines.append(f"{level:>5}  {kept:>14.0%}  {uncovered:>15.0%}  {mean:>14.0%}")
    return lines


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fonts", default=",".join(FONTS))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "distort")
    parser.add_argument("--count", type=int, default=200, help="corpus texts for the costs")
    args = parser.parse_args(argv)
    renderer = Renderer()
    args.out.mkdir(parents=True, exist_ok=True)
    for font in args.fonts.split(","):
        sheet(renderer, font).save(args.out / f"{font}.png", optimize=True)
        print(f"wrote {args.out / font}.png")
    white, text = parse_url("1x1/ffffff/222222").background, parse_url("1x1/fff/222").foreground
    print(f"contrast of #222 on white: {contrast_ratio(text, white):.1f}:1 (at least 4.5:1)")
    print("\n".join(costs(renderer, args.count)))


if __name__ == "__main__":
    main()
