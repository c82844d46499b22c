"""Font files are checked before they join a library (issue 18, rows 6 and 7): each kind of bad
file is refused with its reason, without opening what must not be opened, within a time limit."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from placepix.text.cmap import Coverage
from placepix.text.fonts import BUNDLED_DIR, COLOR_EMOJI_SIZE
from placepix.text.vetting import RejectedFont, Vetting, check_font

LATO = BUNDLED_DIR / "Lato-Regular.ttf"
EMOJI = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")


def bad_files(directory: Path) -> dict[str, str]:
    """One file of each bad kind in `directory`: file name -> the reason it must be refused."""
    lato = LATO.read_bytes()
    (directory / "Corrupt-Regular.ttf").write_bytes(b"\x00\x01\x00\x00\x00\x00" + bytes(512))
    (directory / "Scrambled-Regular.ttf").write_bytes(b"\x00\x01\x00\x00" + bytes(range(256)) * 8)
    (directory / "Junk-Regular.ttf").write_bytes(b"<html>not a font</html>")
    (directory / "Empty-Regular.ttf").write_bytes(b"")
    (directory / "Truncated-Regular.ttf").write_bytes(lato[: len(lato) // 2])
    os.mkfifo(directory / "Fifo-Regular.ttf")
    (directory / "Gone-Regular.ttf").symlink_to(directory / "nothing-here.ttf")
    (directory / "Folder-Regular.ttf").mkdir()
    (directory / "Device-Regular.ttf").symlink_to("/dev/zero")
    return {
        "Corrupt-Regular.ttf": "unreadable tables or cmap: no cmap table",
        "Scrambled-Regular.ttf": "truncated: its",
        "Junk-Regular.ttf": "not an OpenType or TrueType font",
        "Empty-Regular.ttf": "empty file",
        "Truncated-Regular.ttf": "truncated: its 'GPOS' table ends at byte",
        "Fifo-Regular.ttf": "not a regular file (a FIFO)",
        "Gone-Regular.ttf": "dangling symlink",
        "Folder-Regular.ttf": "not a regular file (a directory)",
        "Device-Regular.ttf": "not a regular file (a character device)",
    }


def test_a_good_font_gives_its_coverage() -> None:
    coverage = check_font(LATO)
    assert ord("A") in coverage and ord("日") not in coverage


@pytest.mark.skipif(not EMOJI.exists(), reason="fonts-noto-color-emoji not installed")
def test_a_colour_bitmap_font_is_checked_at_its_one_size() -> None:
    assert ord("😀") in check_font(EMOJI, COLOR_EMOJI_SIZE)
    with pytest.raises(RejectedFont, match="FreeType cannot load it: invalid pixel size"):
        check_font(EMOJI)  # at a size it does not have: what the size argument is for


def test_each_bad_kind_is_refused_with_its_reason(tmp_path: Path) -> None:
    for name, reason in bad_files(tmp_path).items():
        started = time.monotonic()
        with pytest.raises(RejectedFont) as refused:
            check_font(tmp_path / name)
        assert str(refused.value).startswith(reason), (name, str(refused.value))
        assert time.monotonic() - started < 1  # a FIFO opened for reading would block here


def test_a_font_freetype_refuses_is_refused(tmp_path: Path) -> None:
    """Tables in place and a readable cmap, but a 'head' table FreeType can't use."""
    lato = bytearray(LATO.read_bytes())
    tables = int.from_bytes(lato[4:6], "big")
    for record in range(12, 12 + 16 * tables, 16):
        if lato[record : record + 4] == b"head":
            lato[record : record + 4] = b"hexd"  # the table is there under another name
    (tmp_path / "Headless.ttf").write_bytes(bytes(lato))
    with pytest.raises(RejectedFont, match="FreeType cannot load it"):
        check_font(tmp_path / "Headless.ttf")


def test_vetting_checks_each_file_once_and_logs_each_bad_one_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reasons = bad_files(tmp_path)
    calls: list[Path] = []

    def counting(path: Path, fixed_size: int) -> Coverage:
        calls.append(path)
        return check_font(path, fixed_size)

    vetting = Vetting(counting)
    with caplog.at_level(logging.WARNING, logger="placepix"):
        for _ in range(3):
            assert vetting.accept(LATO, "bundled")
            for name in reasons:
                assert not vetting.accept(tmp_path / name, "font_dirs")
    assert len(calls) == len(reasons) + 1
    assert {path.name for path in vetting.skipped} == set(reasons)
    for path, skipped in vetting.skipped.items():
        assert skipped.reason.startswith(reasons[path.name]) and skipped.source == "font_dirs"
    assert ord("A") in vetting.coverage[LATO]
    lines = [r.getMessage() for r in caplog.records if r.name == "placepix"]
    assert len(lines) == len(reasons)
    assert all(line.startswith("font skipped: ") for line in lines)


def test_a_check_that_hangs_is_abandoned_after_its_time_limit() -> None:
    release = threading.Event()

    def hangs_on_the_first(path: Path, fixed_size: int) -> Coverage:
        if path.name == "Stuck-Regular.ttf":
            release.wait(30)  # as open() on a FIFO or a dead network mount would
        return Coverage([(65, 90)])

    vetting = Vetting(hangs_on_the_first, per_file=0.2)
    started = time.monotonic()
    try:
        assert not vetting.accept(Path("/fonts/Stuck-Regular.ttf"), "font_dirs")
        assert time.monotonic() - started < 1
        assert vetting.accept(Path("/fonts/Next-Regular.ttf"), "font_dirs")  # the rest go on
    finally:
        release.set()
    (skipped,) = vetting.skipped.values()
    assert skipped.reason == "checking it took longer than 0.2 s"


def test_the_start_up_checks_have_a_time_limit_in_all() -> None:
    def slow(path: Path, fixed_size: int) -> Coverage:
        time.sleep(0.4)
        return Coverage([(65, 90)])

    vetting = Vetting(slow, overall=1.0)
    accepted = [vetting.accept(Path(f"/fonts/F{n}-Regular.ttf"), "system") for n in range(5)]
    assert accepted == [True, True, False, False, False]
    reasons = [s.reason for s in vetting.skipped.values()]
    assert reasons[0].startswith("checking it took longer than 0.")  # what was left: ~0.2 s
    assert reasons[1:] == ["not checked: the start-up font checks ran out of time"] * 2


def test_a_crash_inside_a_check_skips_the_file_instead_of_stopping_start_up() -> None:
    def broken(path: Path, fixed_size: int) -> Coverage:
        raise IndexError("a parser bug")

    vetting = Vetting(broken)
    assert not vetting.accept(Path("/fonts/Any-Regular.ttf"), "system")
    (skipped,) = vetting.skipped.values()
    assert skipped.reason == "checking it failed: a parser bug"
