"""Settings from PLACEPIX_* environment variables, with problems said in one line each.

`load_settings()` is what every command and every worker process calls: a bad value raises
`BadSettings`, whose lines each name the variable, what is wrong with its value and an example
(`placepix: bad setting PLACEPIX_MAX_SIDE='big': not a whole number; e.g.
PLACEPIX_MAX_SIDE=4000`), never pydantic's many-line report. `unknown_variables()` finds
PLACEPIX_* variables that are no setting (a typo is otherwise silently ignored) and names the
closest setting.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError

from placepix.server.logs import JsonFormatter
from placepix.server.settings import Settings

PREFIX = "PLACEPIX_"
SECRET_FIELDS = frozenset({"secret_keys"})  # values never shown, not even in an error
SHOWN_VALUE = 60  # characters of a bad value quoted in its message
STARTUP_FAILURE = 3  # the exit status uvicorn's supervisor reads as "a worker could not start"


class BadSettings(Exception):
    """Settings that can't be used; `lines` has one line per problem, ready for stderr."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and `overrides`); `BadSettings` when any is bad."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise BadSettings([problem_line(detail) for detail in error.errors()]) from None
    except SettingsError as error:  # a value pydantic-settings could not even decode
        match = re.search(r'field "(\w+)"', str(error))
        name = match.group(1) if match else "?"
        raise BadSettings([_line(name, "can't be read") + _example(name)]) from None


def problem_line(detail: ErrorDetails) -> str:
    """One line for one pydantic error: the variable, its value, the problem and an example."""
    location = detail["loc"]
    if not location:  # a rule across settings: its message names the variables itself
        return f"placepix: bad settings: {_reason(detail)}"
    name = str(location[0])
    return _line(name, _reason(detail)) + _example(name)


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning line for each PLACEPIX_* variable that is no setting, with the closest name."""
    environ = os.environ if environ is None else environ
    known = [name.upper() for name in Settings.model_fields]
    warnings = []
    for variable in sorted(environ):
        name = variable.removeprefix(PREFIX).upper()
        if not variable.startswith(PREFIX) or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean {PREFIX}{close[0]}?" if close else "see `placepix config --markdown`"
        warnings.append(f"placepix: warning: {variable} is not a setting (ignored); {hint}")
    return warnings


def say(lines: list[str], level: int = logging.ERROR) -> list[str]:
    """`lines` as the server writes them: as they are, or one JSON object each under
    PLACEPIX_LOG_FORMAT=json, the format of every other line of the server then (read from
    the variable: the settings may be what is wrong)."""
    if os.environ.get(f"{PREFIX}LOG_FORMAT", "").strip().lower() != "json":
        return lines
    formatter = JsonFormatter()
    return [
        formatter.format(logging.LogRecord("placepix", level, __file__, 0, line, None, None))
        for line in lines
    ]


def _line(name: str, reason: str) -> str:
    variable = f"{PREFIX}{name.upper()}"
    value = os.environ.get(variable)
    if value is None or name in SECRET_FIELDS:
        return f"placepix: bad setting {variable}: {reason}"
    shown = value if len(value) <= SHOWN_VALUE else value[:SHOWN_VALUE] + "…"
    return f"placepix: bad setting {variable}={shown!r}: {reason}"


def _reason(detail: ErrorDetails) -> str:
    """pydantic's message, said for a person setting a variable."""
    kind, context = detail["type"], detail.get("ctx") or {}
    where = [part for part in detail["loc"][1:] if isinstance(part, int)]
    entry = f"entry {where[0] + 1}: " if where else ""
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{entry}not a whole number"
    if kind in ("float_parsing", "float_type"):
        return f"{entry}not a number"
    if kind == "bool_parsing":
        return "not true or false (1/0, yes/no, on/off work too)"
    if kind == "greater_than_equal":
        return f"{entry}must be at least {context['ge']}"
    if kind == "greater_than":
        return f"{entry}must be more than {context['gt']}"
    if kind == "less_than_equal":
        return f"{entry}must be at most {context['le']}"
    if kind == "literal_error":
        return f"must be {context['expected']}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "value_error":
        return f"{entry}{detail['msg'].removeprefix('Value error, ')}"
    return f"{entry}{detail['msg']}"


def _example(name: str) -> str:
    field = Settings.model_fields.get(name)
    if field is None:
        return ""
    if field.examples:
        example: object = field.examples[0]
    elif field.default_factory is None:
        example = field.default
    else:
        return ""
    shown = str(example).lower() if isinstance(example, bool) else str(example)
    return f"; e.g. {PREFIX}{name.upper()}={shown}"
