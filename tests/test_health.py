"""The render-stack probes behind /readyz and `placepix doctor`: they pass on a machine with
the fonts and codecs placepix needs, and each fails, naming what is wrong, when its piece is
missing."""

from __future__ import annotations

import pytest

from placepix.health import report, run_probes
from placepix.render import Renderer, default_renderer
from placepix.text.fonts import FontLibrary


def test_every_probe_passes_with_the_system_fonts() -> None:
    probes = run_probes(default_renderer())
    assert [p.name for p in probes if not p.ok] == []
    assert {"arabic joins", "devanagari conjuncts", "colour emoji", "avif encodes"} <= {
        p.name for p in probes
    }


def test_without_fonts_for_complex_scripts_and_emoji_the_probes_fail_and_say_why() -> None:
    bundled_only = Renderer(fonts=FontLibrary.discover([], system_dirs=[]))
    failed = {p.name: p.detail for p in run_probes(bundled_only) if not p.ok}
    assert set(failed) == {"arabic joins", "devanagari conjuncts", "colour emoji"}
    assert "not shaped" in failed["arabic joins"] and "colour" in failed["colour emoji"]


def test_a_codec_that_makes_broken_files_fails_its_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    renderer = Renderer(fonts=default_renderer().fonts, native=False)
    real = renderer.encoder.encode_text

    def truncated(*args: object, **kwargs: object) -> bytes:
        data: bytes = real(*args, **kwargs)  # type: ignore[arg-type]
        return data[: len(data) // 2] if args[4] == "gif" else data

    monkeypatch.setattr(renderer.encoder, "encode_text", truncated)
    failed = [p.name for p in run_probes(renderer) if not p.ok]
    assert failed == ["gif encodes"]


def test_the_report_names_versions_fonts_and_paths() -> None:
    described = report(default_renderer())
    assert described["ok"] is True
    packages = described["packages"]
    assert isinstance(packages, dict) and packages["Pillow"]
    assert set(described) >= {"environment", "fonts", "native", "probes"}
