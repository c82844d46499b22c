"""`placepix render URL… | --from FILE`: many images in parallel processes, each failure named,
a summary line, a progress bar on terminals only. Run as a subprocess, as a person would."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from placepix.cli.batch import Line, lines_of
from placepix.cli.outputs import output_name, read_url
from tests.commands import clean_environment, run_placepix, stderr_lines
from tests.conftest import decode

URLS = """\
# the placeholders of a design system
600x400

og.webp
600x400/zz
https://placehold.co/16:9x360/000/fff/png?text=Hero
600x400?font=no-such-font
600x400
99999x99999
"""


def test_a_batch_writes_the_good_lines_and_names_the_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text(URLS)
    result = run_placepix("render", "--from", "urls.txt", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 1
    lines = stderr_lines(result)
    failures = sorted(lines[:-1], key=lambda line: int(line.split()[2].rstrip(":")))
    assert failures == [  # each as its process finishes: in any order
        "placepix: line 5: 600x400/zz: not a colour: 'zz' (use hex like ff8800, a CSS name, "
        "or transparent)",
        *[line for line in lines if line.startswith("placepix: line 7: ")],
        "placepix: line 9: 99999x99999: image too large: 99999x99999 pixels; max_side is 4000",
    ]
    assert "unknown font 'no-such-font'" in failures[1]
    assert lines[-1].startswith("placepix: 4 of 7 URLs rendered into out/ (3 files, ")
    assert lines[-1].endswith("; failed: line 5, line 7, line 9")
    written = {path.name: decode(path.read_bytes()) for path in (tmp_path / "out").iterdir()}
    assert {name: (image.size, image.format) for name, image in written.items()} == {
        "600x400.png": ((600, 400), "PNG"),
        "1200x630.webp": ((1200, 630), "WEBP"),
        "640x360_000000_ffffff_text-Hero.png": ((640, 360), "PNG"),
    }
    assert "\r" not in result.stderr and "image/s" not in result.stderr  # no bar in a pipe


def test_urls_on_the_command_line_render_in_several_processes(tmp_path: Path) -> None:
    urls = [f"{width}x50.gif" for width in range(40, 48)]
    result = run_placepix("render", *urls, "600x400", "-j", "2", "-d", "images", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stderr_lines(result)[-1].startswith("placepix: 9 of 9 URLs rendered into images/")
    sizes = sorted(decode(path.read_bytes()).size for path in (tmp_path / "images").iterdir())
    assert sizes == [(width, 50) for width in range(40, 48)] + [(600, 400)]


def test_failed_urls_of_the_command_line_are_named_by_position(tmp_path: Path) -> None:
    result = run_placepix("render", "10x10", "10x10/nope", "-d", str(tmp_path))
    assert result.returncode == 1
    assert stderr_lines(result)[0].startswith("placepix: URL 2: 10x10/nope: not a colour")
    assert stderr_lines(result)[-1].endswith("failed: URL 2")


def test_urls_from_standard_input(tmp_path: Path) -> None:
    result = run_placepix("render", "--from", "-", "-d", str(tmp_path), stdin="30x20\n20x30\n")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["20x30.png", "30x20.png"]


def test_urls_that_mean_one_image_share_its_file(tmp_path: Path) -> None:
    result = run_placepix(
        "render", "60x40/000/fff", "60x40/000000/ffffff.png", "-d", "out", cwd=tmp_path
    )
    assert result.returncode == 0
    assert "2 of 2 URLs rendered into out/ (1 files" in result.stderr
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["60x40_000000_ffffff.png"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "missing.txt"], "Error: can't read missing.txt: No such file or directory"),
        (["--from", "empty.txt"], "Error: no URLs in empty.txt"),
        (["10x10", "20x20", "-d", "a-file"], "Error: can't make the directory a-file: File exists"),
    ],
)
def test_file_problems_of_a_batch_are_one_line(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "empty.txt").write_text("# nothing yet\n\n")
    (tmp_path / "a-file").write_text("")
    result = run_placepix("render", *arguments, cwd=tmp_path)
    assert result.returncode == 1
    assert stderr_lines(result) == [message]


def test_one_output_file_for_several_urls_is_a_usage_error(tmp_path: Path) -> None:
    result = run_placepix("render", "10x10", "20x20", "-o", "x.png", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        stderr_lines(result)[-1] == "Error: -o names the file of one URL; several go to --out-dir"
    )


def test_a_terminal_gets_a_progress_bar(tmp_path: Path) -> None:
    """stderr on a pseudo-terminal: tqdm draws its bar there (and nowhere else)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    command = [sys.executable, "-m", "placepix", "render", "30x30", "40x40", "-d", "out"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=clean_environment(), stderr=terminal, stdout=subprocess.PIPE
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    text = shown.decode(errors="replace")
    assert "100%" in text and "2/2" in text and "image" in text
    assert "2 of 2 URLs rendered into out/" in text


def test_lines_of_a_url_file() -> None:
    assert lines_of("# comment\n\n  600x400  \nog\n") == [
        Line("line 3", "600x400"),
        Line("line 4", "og"),
    ]


NAMED = [
    "600x400",
    "600x400/000/fff",
    "600x400/000000/ffffff.webp",
    "600x400@2x",
    "600x400?text=Hello",
    "600x400?text=hello",
    "600x400?text=Hello World",
    "600x400?text=Hello-World",
    "600x400?text=Hello_World",
    "600x400?text=Hello%20World%21",
    "600x400?text=" + "a" * 60,
    "600x400?text=" + "a" * 61,
    "600x400?text=日本",
    "600x400?text=中文",
    "600x400?text=a&font=roboto",
    "600x400?text=a_font-roboto",
    "600x400?font_size=40",
    "600x400?padding=40",
    "600x400?align=left",
    "600x400?distort=1",
]


def test_different_images_never_share_a_name() -> None:
    specs = {read_url(url, "png") for url in NAMED}
    names = {output_name(spec) for spec in specs}
    assert len(specs) == len(NAMED) and len(names) == len(specs)
    assert all("/" not in name and len(name) < 200 for name in names)
    assert output_name(read_url("600x400?text=Hello", "png")) == "600x400_text-Hello.png"
    assert output_name(read_url("600x400@2x/000/fff.webp", "png")) == (
        "600x400@2x_000000_ffffff.webp"
    )
