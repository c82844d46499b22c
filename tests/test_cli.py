from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from placepix.cli import main
from placepix.server.settings import Settings
from tests.commands import run_placepix, stderr_lines
from tests.conftest import decode


def test_render_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.webp"
    result = CliRunner().invoke(main, ["render", "600x400.webp?text=Hi", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert decode(target.read_bytes()).size == (600, 400)


def test_render_to_stdout() -> None:
    result = CliRunner().invoke(main, ["render", "30x20.gif", "-o", "-"])
    assert result.exit_code == 0
    assert decode(result.stdout_bytes).size == (30, 20)


def test_render_names_the_file_after_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render", "64x48.jpg"])
    assert result.exit_code == 0
    assert decode((tmp_path / "64x48.jpg").read_bytes()).size == (64, 48)


def test_bad_url_is_a_message_and_a_non_zero_exit() -> None:
    result = CliRunner().invoke(main, ["render", "600x400/zz"])
    assert result.exit_code == 1
    assert "not a colour" in result.output
    assert "Traceback" not in result.output


def test_bad_settings_fail_fast() -> None:
    result = CliRunner().invoke(main, ["render", "10x10"], env={"PLACEPIX_MAX_SIDE": "big"})
    assert result.exit_code == 1
    assert "PLACEPIX_MAX_SIDE" in result.output


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "placepix", "--help"], capture_output=True, text=True, check=True
    )
    assert "serve" in result.stdout and "render" in result.stdout


def test_config_prints_effective_settings_with_secrets_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLACEPIX_SECRET_KEYS", '["very-secret-key"]')
    monkeypatch.setenv("PLACEPIX_MAX_SIDE", "1234")
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 0, result.output
    assert "PLACEPIX_MAX_SIDE=1234" in result.output
    assert "very-secret-key" not in result.output
    assert 'PLACEPIX_SECRET_KEYS=["********"]' in result.output


def test_config_as_json_lists_every_setting() -> None:
    result = CliRunner().invoke(main, ["config", "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == set(Settings.model_fields)


def test_configuration_doc_is_generated_from_the_settings() -> None:
    """docs/configuration.md can't drift: regenerate it with `placepix config --markdown`."""
    result = CliRunner().invoke(main, ["config", "--markdown"])
    document = Path(__file__).parent.parent / "docs" / "configuration.md"
    assert result.output == document.read_text()
    assert all(f"PLACEPIX_{name.upper()}" in result.output for name in Settings.model_fields)


# ---- render: files, formats, names, full URLs (as a subprocess, as a person runs it) -------


def test_a_missing_directory_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.png"
    result = run_placepix("render", "600x400", "-o", str(target))
    assert result.returncode == 1
    assert stderr_lines(result) == [f"Error: can't write {target}: No such file or directory"]


def test_writing_onto_a_directory_is_one_line(tmp_path: Path) -> None:
    result = run_placepix("render", "600x400", "-o", str(tmp_path))
    assert result.returncode == 1
    assert stderr_lines(result) == [f"Error: can't write {tmp_path}: Is a directory"]


def test_the_format_follows_the_output_extension(tmp_path: Path) -> None:
    for name, fmt in [("out.jpg", "JPEG"), ("out.webp", "WEBP"), ("out.GIF", "GIF")]:
        result = run_placepix("render", "60x40?text=Hi", "-o", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert decode((tmp_path / name).read_bytes()).format == fmt


def test_a_format_that_disagrees_with_the_extension_is_an_error(tmp_path: Path) -> None:
    result = run_placepix("render", "600x400.png", "-o", "out.jpg", cwd=tmp_path)
    assert result.returncode == 1
    assert stderr_lines(result) == [
        "Error: the URL asks for png but out.jpg is a .jpg file: write out.png, or leave the "
        "format out of the URL"
    ]
    assert not (tmp_path / "out.jpg").exists()


def test_an_extension_that_is_no_image_format_is_an_error(tmp_path: Path) -> None:
    result = run_placepix("render", "600x400", "-o", "out.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert ".txt is not an image format" in result.stderr
    assert not (tmp_path / "out.txt").exists()


def test_default_names_differ_for_different_images(tmp_path: Path) -> None:
    for url in ("600x400/000/fff", "600x400?text=Hello", "600x400"):
        assert run_placepix("render", url, cwd=tmp_path).returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "600x400.png",
        "600x400_000000_ffffff.png",
        "600x400_text-Hello.png",
    ]


@pytest.mark.parametrize(
    ("url", "size", "fmt"),
    [
        ("https://placehold.co/600x400/png", (600, 400), "PNG"),
        ("https://placehold.co/600x400/000000/FFFFFF.webp?text=Hello\\nWorld", (600, 400), "WEBP"),
        ("placehold.co/320x4:3?text=Hi", (320, 240), "PNG"),
        ("https://dummyimage.com/600x400/000/fff.gif&text=dummyimage.com", (600, 400), "GIF"),
        ("http://fakeimg.pl/300x200/ff0000,128/000,255/?retina=1", (600, 400), "PNG"),
        ("https://img.example.com/og.jpg#fragment", (1200, 630), "JPEG"),
    ],
)
def test_a_full_url_of_a_supported_service_renders(
    tmp_path: Path, url: str, size: tuple[int, int], fmt: str
) -> None:
    result = run_placepix("render", url, "-o", "image", cwd=tmp_path)  # no extension: the URL's
    assert result.returncode == 0, result.stderr
    image = decode((tmp_path / "image").read_bytes())
    assert (image.size, image.format) == (size, fmt)


def test_help_shows_every_summary_in_full() -> None:
    result = run_placepix("--help", env={"COLUMNS": "80"})
    assert result.returncode == 0
    listing = result.stdout.partition("Commands:")[2]
    for name, command in main.commands.items():
        assert command.short_help, name
        line = next(line for line in listing.splitlines() if line.split()[:1] == [name])
        assert line.split(maxsplit=1)[1] == command.short_help  # not cut short
    assert "..." not in listing


def test_render_an_avatar(tmp_path: Path) -> None:
    target = tmp_path / "jane.png"
    result = CliRunner().invoke(main, ["render", "api/?name=Jane+Doe&size=256", "-o", str(target)])
    assert result.exit_code == 0, result.output
    image = decode(target.read_bytes())
    assert image.size == (256, 256) and image.format == "PNG"


def test_render_auto_picks_png_or_what_accept_says(tmp_path: Path) -> None:
    plain = CliRunner().invoke(main, ["render", "40x30.auto", "-o", "-"])
    assert plain.exit_code == 0 and decode(plain.stdout_bytes).format == "PNG"
    chosen = CliRunner().invoke(
        main, ["render", "40x30.auto", "--accept", "image/avif,image/webp", "-o", "-"]
    )
    assert chosen.exit_code == 0 and decode(chosen.stdout_bytes).format == "AVIF"
    stepped = CliRunner(env={"PLACEPIX_MAX_AVIF_PIXELS": "100"}).invoke(
        main, ["render", "40x30.auto", "--accept", "image/avif,image/webp", "-o", "-"]
    )
    assert stepped.exit_code == 0 and decode(stepped.stdout_bytes).format == "WEBP"


def test_a_bad_avatar_parameter_is_a_message() -> None:
    result = CliRunner().invoke(main, ["render", "api/?rounded=maybe"])
    assert result.exit_code == 1
    assert "rounded must be true or false" in result.output and "Traceback" not in result.output
