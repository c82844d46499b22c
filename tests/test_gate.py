"""The gate in front of every direct C call: the kill switch, the version gates, and the fall
back to Pillow when a native path fails (never a 5xx)."""

from __future__ import annotations

import logging

import pytest

from placepix._native import avif, webp
from placepix._native.gate import NATIVE_ENV, NativePath, native_allowed
from placepix.model.limits import Limits
from placepix.render import Renderer, default_renderer
from tests.rendering import NATIVE


def test_the_kill_switch_reads_placepix_native(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, allowed in (("off", False), ("0", False), ("OFF ", False), ("on", True)):
        monkeypatch.setenv(NATIVE_ENV, value)
        assert native_allowed() is allowed
    monkeypatch.delenv(NATIVE_ENV)
    assert native_allowed()


def test_a_switched_off_path_never_loads() -> None:
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return 1

    path: NativePath[int] = NativePath("test", load, enabled=False)
    assert path.run(lambda impl: impl * 10, lambda: -1) == -1
    assert loads == [] and not path.active and "PLACEPIX_NATIVE" in str(path.reason)


def test_a_failure_falls_back_switches_the_path_off_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    path: NativePath[int] = NativePath("test", lambda: 7)
    calls: list[int] = []

    def failing(impl: int) -> int:
        calls.append(impl)
        raise OSError("the library went away")

    with caplog.at_level(logging.WARNING, logger="placepix"):
        assert path.run(failing, lambda: -1) == -1
        assert path.run(failing, lambda: -2) == -2  # off now: not called again
    assert calls == [7]
    assert not path.active and "OSError" in str(path.reason)
    assert [r.getMessage() for r in caplog.records].count(
        "native test path off, its fallback serves instead: OSError: the library went away"
    ) == 1


def test_a_loader_that_fails_or_refuses_leaves_the_path_off() -> None:
    def broken() -> int:
        raise OSError("no such library")

    assert not NativePath("broken", broken).active
    refused: NativePath[int] = NativePath("refused", lambda: None)
    assert not refused.active and refused.reason == "no library this code was written for"


@pytest.mark.parametrize("module", [webp, avif])
def test_libraries_of_other_versions_are_refused(
    module: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A libwebp 2 or a libavif 1.5 may have other struct layouts: refused, not guessed at."""
    for version in ("2.0.0", "1.5.0", "0.9.1", "not-a-version"):
        if module is webp and version.startswith("1."):
            continue  # libwebp 1.x keeps its ABI: any 1.x is taken
        monkeypatch.setattr("PIL.features.version", lambda name, v=version: v)
        assert module.load() is None, version  # type: ignore[attr-defined]


@NATIVE
@pytest.mark.parametrize("fmt", ["webp", "avif"])
def test_a_failing_native_encoder_is_served_by_pillow_with_the_same_bytes(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"320x200/ff000080/00f.{fmt}?text=fall+back"
    expected = Renderer(native=False, fonts=default_renderer().fonts).render(url).data
    renderer = Renderer(native=True, fonts=default_renderer().fonts)
    path = renderer.encoder.native_paths()[fmt]
    assert path.active

    def crash(*args: object, **kwargs: object) -> bytes:
        raise ValueError("simulated ABI mismatch")

    monkeypatch.setattr(type(path.impl), "encode", crash)
    assert renderer.render(url).data == expected
    assert not path.active and not renderer.encoder.banded(fmt)


def test_with_native_off_the_budget_counts_pillows_memory() -> None:
    fonts, limits = default_renderer().fonts, Limits(render_memory_budget=1 << 40)
    native = Renderer(native=True, fonts=fonts, limits=limits)
    pillow = Renderer(native=False, fonts=fonts, limits=limits)
    assert not pillow.encoder.banded("webp") and not pillow.encoder.banded("avif")
    if native.encoder.banded("webp"):
        url = "2500x2500.webp"
        assert pillow.refine(pillow.plan(url)).memory > 3 * native.refine(native.plan(url)).memory
