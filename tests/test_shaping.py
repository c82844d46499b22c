"""Cached-glyph text against Pillow's own `getlength`, `getmetrics` and `getmask2` (the
reference): same numbers, same offsets, same pixels, across fonts, sizes and scripts."""

from __future__ import annotations

import gc
import random
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFont

from placepix.render import default_renderer
from placepix.text import freetype
from placepix.text.fonts import FontFile
from placepix.text.shaping import GLYPHS, FontFace, Shaper, clear_glyphs, itemize, shaper_of

FONTS = default_renderer().fonts
NAMED = [FONTS.resolve(name) for name in ("lato", "dejavu-sans", "noto-sans", "inter")]
NAMED = list(dict.fromkeys(NAMED))  # missing fonts resolve to the default
SIZES = [4, 9, 13, 31, 48, 173]
ALPHABETS = {
    "latin": "AVTWYLPfiflffjgqy.,;:!?'\"“”‘’()[]{}0123456789 ×-–—_/@#%&*+=<>àéîõüçßøŒœ…«»€©™",
    "cyrillic": "Привет мир ЁЖЩ ъ 123 ().,",
    "greek": "Γειά σου κόσμε ΆΈ 12",
    "devanagari": "हिन्दी नमस्ते क्षत्रिय ्",
    "thai": "ภาษาไทย สวัสดี ่ ้",
    "han": "漢字中文、。「」 123",
    "japanese": "漢字かなカナ、。「」 123",  # three scripts: several runs
    "mixed": "Hello Привет Γειά (x) [y] «z» 12",
    "hebrew": "שלום עולם (בדיקה) ָּ.,!",
    "arabic": "مرحبا بالعالم (اختبار) ًٌ،؟ لا",
    "combining": "e\u0301a\u0300o\u0308 n\u0303",
}


def pillow_face(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font.path), size, layout_engine=ImageFont.Layout.RAQM)


def assert_drawn_like_pillow(font: FontFile, size: int, text: str) -> None:
    items = itemize(text)
    assert items is not None, text
    shaper = shaper_of(font, size)
    assert shaper is not None
    face = pillow_face(font, size)
    drawn = shaper.mask(text, items)
    assert drawn is not None
    mask, offset = drawn
    core, expected_offset = face.getmask2(text, mode="L", anchor="ls")
    expected = Image.Image()._new(core)
    where = f"{font.name} {size}px {text!r}"
    assert shaper.advance(text, items) == face.getlength(text), where
    assert (mask.size, offset) == (expected.size, expected_offset), where
    assert ImageChops.difference(mask, expected).getbbox() is None, where


def in_threads(work: Callable[[int], None], count: int = 4) -> None:
    """`work(0)` to `work(count - 1)` at once, a thread each; their exceptions raised here."""
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(work, range(count)))


def sample_texts(alphabet: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(count)]
    return [text for text in texts if text.strip()]


@pytest.mark.parametrize("font", NAMED, ids=lambda font: font.name)
@pytest.mark.parametrize("size", SIZES)
def test_metrics_are_pillows(font: FontFile, size: int) -> None:
    shaper = shaper_of(font, size)
    assert shaper is not None
    assert shaper.metrics() == pillow_face(font, size).getmetrics()


@pytest.mark.parametrize("font", NAMED, ids=lambda font: font.name)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("script", sorted(ALPHABETS))
def test_runs_are_measured_and_drawn_like_pillow(font: FontFile, size: int, script: str) -> None:
    texts = [text for text in sample_texts(ALPHABETS[script], 8, seed=size) if itemize(text)]
    assert len(texts) >= 4  # most take this path (Arabic punctuation alone does not)
    for text in texts:
        assert_drawn_like_pillow(font, size, text)


@pytest.mark.parametrize(
    "text",
    ["300 × 200", "4000 × 4000", "AVAW Te Yo", "fi ffl", "(quoted) “x”", "ga\u0301", " lead", "x"],
)
def test_labels_and_kerning_pairs_are_drawn_like_pillow(text: str) -> None:
    for size in (7, 48, 400):
        assert_drawn_like_pillow(FONTS.resolve("lato"), size, text)


LEFT_TO_RIGHT = "".join(ALPHABETS[name] for name in ALPHABETS if name not in ("hebrew", "arabic"))


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=LEFT_TO_RIGHT, min_size=1, max_size=24),
    size=st.integers(min_value=4, max_value=120),
)
def test_any_left_to_right_text_is_drawn_like_pillow(text: str, size: int) -> None:
    assert_drawn_like_pillow(FONTS.resolve("noto-sans"), size, text)


@settings(max_examples=150, deadline=None)
@given(
    script=st.sampled_from(["hebrew", "arabic"]),
    data=st.data(),
    size=st.integers(min_value=4, max_value=120),
)
def test_any_plain_right_to_left_text_is_drawn_like_pillow(
    script: str, data: st.DataObject, size: int
) -> None:
    text = data.draw(st.text(alphabet=ALPHABETS[script], min_size=1, max_size=24))
    if itemize(text) is not None:  # without a letter it is not right to left
        font = FONTS.font_for(ALPHABETS[script][0], FONTS.resolve("lato"))  # Noto's
        assert_drawn_like_pillow(font, size, text)


LATN, CYRL, ZYYY = (freetype.hb_tag(name) for name in ("Latn", "Cyrl", "Zyyy"))
LTR, RTL = freetype.HB_DIRECTION_LTR, freetype.HB_DIRECTION_RTL


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("300 × 200", [(0, 9, ZYYY, LTR)]),  # no letter: raqm shapes it all as Common
        ("Hello, world 42", [(0, 15, LATN, LTR)]),
        ("(Привет)", [(0, 8, CYRL, LTR)]),  # leading neutrals take the script after them
        ("e\u0301", [(0, 2, LATN, LTR)]),  # a mark takes its base's script
        ("\u0301", [(0, 1, freetype.hb_tag("Zinh"), LTR)]),
        ("Hi Привет", [(0, 3, LATN, LTR), (3, 9, CYRL, LTR)]),  # a space goes with the left
        ("a(Б)c", [(0, 2, LATN, LTR), (2, 3, CYRL, LTR), (3, 5, LATN, LTR)]),  # brackets
        ("漢字かな", [(0, 2, freetype.hb_tag("Hani"), LTR), (2, 4, freetype.hb_tag("Hira"), LTR)]),
        ("(שלום!)", [(0, 7, freetype.hb_tag("Hebr"), RTL)]),
    ],
)
def test_runs_and_scripts_are_the_ones_raqm_resolves(
    text: str, items: list[tuple[int, int, int, int]]
) -> None:
    assert itemize(text) == tuple(items)


@pytest.mark.parametrize(
    "text",
    ["", "abc مرحبا", "שלום 42", "مرحبا ٣", "שלום مرحبا", "x\u202ey"],
    ids=["empty", "both-directions", "hebrew-number", "arabic-digit", "two-rtl", "override"],
)
def test_text_with_bidi_levels_to_resolve_is_left_to_pillow(text: str) -> None:
    assert itemize(text) is None


def test_pasting_white_through_coverage_blends_as_pillows_renderer() -> None:
    """What `Shaper.mask` relies on where glyphs overlap: Pillow's renderer blends coverage s
    over d as s + d(255 - s)/255 rounded (its MULDIV255); a paste of 255 through s computes
    the same for every pair."""
    coverage = Image.frombytes("L", (256, 256), bytes(range(256)) * 256)
    below = Image.frombytes("L", (256, 256), bytes(y for y in range(256) for _ in range(256)))
    blended = below.copy()
    blended.paste(255, (0, 0, 256, 256), coverage)

    def muldiv255(a: int, b: int) -> int:
        t = a * b + 128
        return ((t >> 8) + t) >> 8

    expected = bytes(
        d if s == 0 else s if d == 0 else min(255, s + muldiv255(d, 255 - s))
        for d in range(256)
        for s in range(256)
    )
    assert blended.tobytes() == expected


def test_glyphs_are_cached_once_and_cleared() -> None:
    clear_glyphs()
    shaper = shaper_of(FONTS.resolve("lato"), 61)
    assert shaper is not None
    shaper.mask("abba", ((0, 4, LATN, LTR),))
    assert len({key for key in GLYPHS._lru if key[:2] == (shaper.path, 61)}) == 2
    clear_glyphs()
    assert GLYPHS.current_bytes == 0


def test_threads_sharing_a_shaper_draw_what_one_thread_draws() -> None:
    libraries = freetype.libraries()
    assert libraries is not None
    shaper = Shaper(libraries, FontFace(libraries, str(FONTS.resolve("lato").path)), 57)
    texts = sample_texts(ALPHABETS["mixed"], 40, seed=7)
    expected = {}
    for text in texts:
        drawn = shaper.mask(text, itemize(text) or ())
        assert drawn is not None
        expected[text] = drawn[0].tobytes()
    clear_glyphs()
    wrong: list[str] = []

    def draw_all() -> None:
        for text in texts:
            drawn = shaper.mask(text, itemize(text) or ())
            if drawn is None or drawn[0].tobytes() != expected[text]:
                wrong.append(text)

    in_threads(lambda _: draw_all())
    assert wrong == []


def test_colour_fonts_have_no_shaper() -> None:
    emoji = FONTS.font_for("😀", FONTS.resolve("lato"))
    assert emoji.color
    assert shaper_of(emoji, 48) is None


def test_a_file_freetype_cannot_open_is_an_os_error(tmp_path: Path) -> None:
    libraries = freetype.libraries()
    assert libraries is not None
    not_a_font = tmp_path / "not-a-font.ttf"
    not_a_font.write_bytes(b"no font here")
    with pytest.raises(OSError, match="FreeType can't open"):
        FontFace(libraries, str(not_a_font))
    with pytest.raises(OSError, match="can't size"):
        Shaper(libraries, FontFace(libraries, str(FONTS.resolve("lato").path)), 0)
    gc.collect()  # a half-built shaper must not close again what its __init__ closed


def test_shapers_opened_and_dropped_by_threads_at_once() -> None:
    """Opening and closing faces changes the FreeType library's face list, and sizes of one
    face take turns: one at a time."""
    libraries = freetype.libraries()
    assert libraries is not None
    path = str(FONTS.resolve("lato").path)
    shared = FontFace(libraries, path)  # half the sizes share one face: sizes switch under it
    failures: list[BaseException] = []

    def churn(offset: int) -> None:
        try:
            for size in range(8 + offset, 40, 4):
                face = FontFace(libraries, path) if size % 8 == offset % 8 else shared
                drawn = Shaper(libraries, face, size).mask("Churn", ((0, 5, LATN, LTR),))
                assert drawn is not None and drawn[0].getbbox() is not None
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    in_threads(churn)
    assert failures == []


def test_sizes_sharing_a_face_in_turns_draw_like_pillow() -> None:
    """Each size activates itself on the shared face before FreeType or HarfBuzz use it."""
    font = FONTS.resolve("lato")
    small, large = shaper_of(font, 19), shaper_of(font, 67)
    assert small is not None and large is not None and small._face is large._face
    for text in sample_texts(ALPHABETS["latin"], 12, seed=3):
        for size in (19, 67, 19):
            clear_glyphs()
            assert_drawn_like_pillow(font, size, text)


def test_a_process_holding_shapers_exits_cleanly() -> None:
    """At exit, finalizers run in any order: a size must not be closed after its face (with a
    CFF font, closing it the other way round crashed the interpreter)."""
    cff = [font for font in NAMED if font.path.suffix in (".otf", ".ttc")]
    if not cff:
        pytest.skip("no CFF font installed (fonts-inter)")
    script = (
        "from placepix.text import freetype\n"
        "from placepix.text.shaping import FontFace, Shaper, itemize\n"
        "libraries = freetype.libraries()\n"
        f"path = {str(cff[0].path)!r}\n"
        "pairs = []\n"
        "for _ in range(20):\n"
        "    face = FontFace(libraries, path)\n"
        "    shaper = Shaper(libraries, face, 48)\n"
        "    shaper.mask('exit', itemize('exit'))\n"
        "    pairs.append((face, shaper))\n"
        "face = FontFace(libraries, path)\n"
        "sizes = [Shaper(libraries, face, size) for size in range(20, 120)]\n"
        "for shaper in sizes:\n"
        "    shaper.advance('exit', itemize('exit'))\n"
        "def held():  # a function: module globals now sit in a cycle, finalized in any order\n"
        "    return pairs, sizes\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
