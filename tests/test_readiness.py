"""Readiness means the render stack works: each worker renders the probe set when it starts,
and `/readyz` answers 503 naming what failed; `placepix doctor` prints the same and exits 1.
The broken stack is made for real: the system's fonts for complex scripts and emoji are hidden
from the server in a private mount namespace (nothing else on the machine sees it)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server import Server, can_hide, hiding, running_server

pytestmark = pytest.mark.e2e
SYSTEM_FONTS = "/usr/share/fonts"
needs_hiding = pytest.mark.skipif(not can_hide(), reason="no private mount namespaces here")


def ready_answer(server: Server) -> httpx.Response:
    """/readyz once the workers have checked their render stack (running_server waits)."""
    return httpx.get(f"{server.url}/readyz", timeout=10)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    empty = tmp_path_factory.mktemp("no-fonts")
    with running_server(prefix=hiding(SYSTEM_FONTS, str(empty))) as server:
        yield server


def test_a_working_stack_is_ready_and_says_so_in_info(server: Server) -> None:
    response = ready_answer(server)
    assert (response.status_code, response.text) == (200, "ready\n")
    health = httpx.get(f"{server.url}/info.json", timeout=10).json()["health"]
    assert health["ok"] is True and all(probe["ok"] for probe in health["probes"])


@needs_hiding
def test_without_the_script_fonts_readyz_is_503_and_names_the_probes(broken: Server) -> None:
    response = ready_answer(broken)
    assert response.status_code == 503
    assert response.text.startswith("render stack broken: arabic joins")
    assert "devanagari conjuncts" in response.text and "colour emoji" in response.text
    assert httpx.get(f"{broken.url}/healthz", timeout=10).status_code == 200  # alive, not ready
    assert "render stack check failed: arabic joins" in broken.log()


def doctor(*prefix: str, options: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "placepix", "doctor", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_doctor_says_ok_and_exits_0() -> None:
    result = doctor()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("render stack: ok")
    assert "native webp:" in result.stdout and "fonts:" in result.stdout


@needs_hiding
def test_doctor_names_what_is_broken_and_exits_1(tmp_path: Path) -> None:
    result = doctor(*hiding(SYSTEM_FONTS, str(tmp_path)))
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == [
        "FAIL arabic joins",
        "FAIL devanagari conjuncts",
        "FAIL colour emoji",
    ]
    as_json = doctor(*hiding(SYSTEM_FONTS, str(tmp_path)), options=("--json",))
    assert json.loads(as_json.stdout)["ok"] is False and as_json.returncode == 1
