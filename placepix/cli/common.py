"""What every command shares: settings read once with problems said in one line each, and
errors turned into one line and a non-zero exit."""

from __future__ import annotations

import logging

import click

from placepix.server.environment import BadSettings, load_settings, say, unknown_variables
from placepix.server.settings import Settings

SETTINGS_EXIT = 1  # the exit status of a command stopped by bad settings


def settings_or_exit(server: bool = False) -> Settings:
    """The settings from PLACEPIX_* variables. Unknown variables are warned about (with the
    closest setting); bad values are printed one line each, and the command exits. A
    `server`'s lines are JSON under PLACEPIX_LOG_FORMAT=json, as all its other lines."""

    def echo(lines: list[str], level: int) -> None:
        for line in say(lines, level) if server else lines:
            click.echo(line, err=True)

    echo(unknown_variables(), logging.WARNING)
    try:
        return load_settings()
    except BadSettings as bad:
        echo(bad.lines, logging.ERROR)
        raise SystemExit(SETTINGS_EXIT) from None


def file_problem(action: str, path: object, error: OSError) -> click.ClickException:
    """`can't write out/x.png: No such file or directory`: an OSError in one line."""
    reason = error.strerror or type(error).__name__
    return click.ClickException(f"can't {action} {path}: {reason}")
