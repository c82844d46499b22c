"""Run the `placepix` command line as a subprocess, as a person would, for the tests of what
it prints and how it exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from placepix.server.settings import Settings

KNOWN = {f"PLACEPIX_{name.upper()}" for name in Settings.model_fields}


def clean_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without PLACEPIX_* variables that are no setting (so that a
    developer's shell adds no warning), plus `env`."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PLACEPIX_") or name in KNOWN
    }
    return kept | (env or {})


def run_placepix(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m placepix ARGS` with `env` added; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "placepix", *args],
        env=clean_environment(env),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]
