"""Settings from PLACEPIX_* variables, as a person sets them: every bad value is one line on
stderr that names the variable, the problem and an example, and a non-zero exit, for every
command and in each worker process; list settings read `a,b` or JSON; unknown variables are
warned about with the closest name. The commands run as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from placepix.server.environment import STARTUP_FAILURE, load_settings, unknown_variables
from tests.commands import clean_environment, run_placepix, stderr_lines
from tests.server import free_port

COMMANDS = [
    ["serve"],  # never reaches its port: the settings stop it first
    ["config"],
    ["render", "10x10", "-o", "-"],
    ["token", "hi"],
    ["sign", "/10x10"],
]
BAD = [
    ({"PLACEPIX_SECRET_KEYS": '["k1",'}, "PLACEPIX_SECRET_KEYS", "not a JSON list"),
    ({"PLACEPIX_MAX_SIDE": "big"}, "PLACEPIX_MAX_SIDE='big'", "not a whole number"),
    ({"PLACEPIX_FONT_DIRS": "/no/such/fonts"}, "PLACEPIX_FONT_DIRS", "not a directory"),
    ({"PLACEPIX_LOG_FORMAT": "xml"}, "PLACEPIX_LOG_FORMAT='xml'", "must be 'text' or 'json'"),
    ({"PLACEPIX_TOKEN_VERSIONS": "1,x"}, "PLACEPIX_TOKEN_VERSIONS", "entry 2: not a whole"),
    ({"PLACEPIX_PORT": "70000"}, "PLACEPIX_PORT='70000'", "must be at most 65535"),
]


def assert_one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The command failed with exactly one line on stderr holding every fragment."""
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_stops_at_a_bad_setting_with_one_line(command: list[str]) -> None:
    result = run_placepix(*command, env={"PLACEPIX_SECRET_KEYS": "k", "PLACEPIX_MAX_SIDE": "big"})
    line = assert_one_line(result, "PLACEPIX_MAX_SIDE='big'", "not a whole number")
    assert line == (
        "placepix: bad setting PLACEPIX_MAX_SIDE='big': not a whole number; "
        "e.g. PLACEPIX_MAX_SIDE=4000"
    )


@pytest.mark.parametrize(("env", "variable", "problem"), BAD, ids=[b[1] for b in BAD])
def test_each_bad_value_names_its_variable_its_problem_and_an_example(
    env: dict[str, str], variable: str, problem: str
) -> None:
    line = assert_one_line(run_placepix("config", env=env), variable, problem, "; e.g. ")
    assert line.startswith(f"placepix: bad setting {variable.partition('=')[0]}")


def test_two_bad_settings_are_two_lines() -> None:
    result = run_placepix("config", env={"PLACEPIX_MAX_SIDE": "big", "PLACEPIX_NATIVE": "maybe"})
    assert result.returncode != 0
    lines = stderr_lines(result)
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert {line.split("=")[0] for line in lines} == {
        "placepix: bad setting PLACEPIX_MAX_SIDE",
        "placepix: bad setting PLACEPIX_NATIVE",
    }


def test_a_secret_is_never_shown_in_its_error() -> None:
    result = run_placepix("config", env={"PLACEPIX_SECRET_KEYS": '["hunter2-very-secret",'})
    assert_one_line(result, "PLACEPIX_SECRET_KEYS")
    assert "hunter2" not in result.stderr


def test_signing_without_a_key_names_both_variables() -> None:
    result = run_placepix("serve", env={"PLACEPIX_REQUIRE_SIGNATURE": "true"})
    assert_one_line(
        result, "PLACEPIX_REQUIRE_SIGNATURE=true", "PLACEPIX_SECRET_KEYS", "e.g. PLACEPIX_"
    )


def test_a_plain_secret_key_is_a_list_of_one() -> None:
    result = run_placepix("config", "--json", env={"PLACEPIX_SECRET_KEYS": "plainstring"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["secret_keys"] == ["********"]


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        ("plainstring", ["plainstring"]),
        ("newest, older", ["newest", "older"]),
        ("a,b,", ["a", "b"]),
        ('["with,comma", "b"]', ["with,comma", "b"]),
        ("", []),
    ],
)
def test_secret_keys_take_a_comma_separated_list_or_json(
    monkeypatch: pytest.MonkeyPatch, value: str, keys: list[str]
) -> None:
    monkeypatch.setenv("PLACEPIX_SECRET_KEYS", value)
    assert [key.get_secret_value() for key in load_settings().secret_keys] == keys


def test_font_dirs_and_token_versions_take_lists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for value, expected in [
        (str(first), [first]),
        (f"{first}, {second}", [first, second]),
        (json.dumps([str(second)]), [second]),
    ]:
        monkeypatch.setenv("PLACEPIX_FONT_DIRS", value)
        assert load_settings().font_dirs == expected
    monkeypatch.setenv("PLACEPIX_TOKEN_VERSIONS", "2")
    assert load_settings().token_versions == [2]
    monkeypatch.setenv("PLACEPIX_TOKEN_VERSIONS", "[1, 2]")
    assert load_settings().token_versions == [1, 2]


def test_an_unknown_variable_is_warned_about_with_the_closest_name() -> None:
    result = run_placepix("config", env={"PLACEPIX_MAX_SIDEE": "10"})
    assert result.returncode == 0
    assert stderr_lines(result) == [
        "placepix: warning: PLACEPIX_MAX_SIDEE is not a setting (ignored); "
        "did you mean PLACEPIX_MAX_SIDE?"
    ]
    assert "PLACEPIX_MAX_SIDE=4000" in result.stdout  # the typo changed nothing


def test_unknown_variables_without_a_close_name() -> None:
    found = unknown_variables({"PLACEPIX_ZZZ": "1", "PLACEPIX_PORT": "1", "HOME": "/"})
    assert found == [
        "placepix: warning: PLACEPIX_ZZZ is not a setting (ignored); "
        "see `placepix config --markdown`"
    ]


def test_a_worker_with_bad_settings_prints_one_line_and_says_it_could_not_start() -> None:
    """uvicorn calls app_from_env in each worker: no traceback there either."""
    result = subprocess.run(
        [sys.executable, "-c", "from placepix.server.app import app_from_env; app_from_env()"],
        env=clean_environment({"PLACEPIX_MAX_SIDE": "big"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == STARTUP_FAILURE
    assert_one_line(result, "PLACEPIX_MAX_SIDE='big'", "not a whole number")


@pytest.mark.e2e
@pytest.mark.parametrize("workers", [1, 2])
def test_the_master_exits_non_zero_when_its_workers_cannot_start(
    tmp_path: Path, workers: int
) -> None:
    """Settings the master read fine, but the workers' environment is bad: each worker says
    so in one line, and the master stops and exits non-zero (uvicorn's own run() exits 0)."""
    script = tmp_path / "serve.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os, sys
            from placepix.cli.serve import run_server
            from placepix.server.environment import load_settings

            if __name__ == "__main__":
                settings = load_settings(port={free_port()}, workers={workers}, metrics=False)
                os.environ["PLACEPIX_MAX_SIDE"] = "big"  # what the workers will read
                sys.exit(run_server(settings))
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == STARTUP_FAILURE, result.stderr
    assert "Traceback" not in result.stderr
    ours = [line for line in stderr_lines(result) if line.startswith("placepix:")]
    # Each worker that got as far says it; the first to fail stops the rest, maybe before.
    assert 1 <= len(ours) <= workers
    assert all("PLACEPIX_MAX_SIDE='big': not a whole number" in line for line in ours)


@pytest.mark.e2e
def test_uvicorn_running_the_factory_itself_gets_the_same_line() -> None:
    command = [sys.executable, "-m", "uvicorn", "placepix.server.app:app_from_env", "--factory"]
    result = subprocess.run(
        [*command, "--port", str(free_port())],
        env=clean_environment({"PLACEPIX_MAX_SIDE": "big"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == STARTUP_FAILURE
    assert "Traceback" not in result.stderr
    assert [line for line in stderr_lines(result) if line.startswith("placepix:")] == [
        "placepix: bad setting PLACEPIX_MAX_SIDE='big': not a whole number; "
        "e.g. PLACEPIX_MAX_SIDE=4000"
    ]


def test_under_json_logs_a_worker_says_it_in_json() -> None:
    """Under PLACEPIX_LOG_FORMAT=json every line a server writes is a JSON object: this one
    too, even though the settings that say so could not be read."""
    result = subprocess.run(
        [sys.executable, "-c", "from placepix.server.app import app_from_env; app_from_env()"],
        env=clean_environment({"PLACEPIX_MAX_SIDE": "big", "PLACEPIX_LOG_FORMAT": "json"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == STARTUP_FAILURE
    (line,) = stderr_lines(result)
    entry = json.loads(line)
    assert entry["level"] == "error"
    assert entry["message"].startswith("placepix: bad setting PLACEPIX_MAX_SIDE='big'")
