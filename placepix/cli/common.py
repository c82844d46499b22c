"""What every command shares: settings read once with problems said in one line each, and
errors turned into one line and a non-zero exit."""

from __future__ import annotations

import click

from placepix.server.environment import BadSettings, load_settings, unknown_variables
from placepix.server.settings import Settings

SETTINGS_EXIT = 1  # the exit status of a command stopped by bad settings


def settings_or_exit() -> Settings:
    """The settings from PLACEPIX_* variables. Unknown variables are warned about (with the
    closest setting); bad values are printed one line each, and the command exits."""
    for warning in unknown_variables():
        click.echo(warning, err=True)
    try:
        return load_settings()
    except BadSettings as bad:
        for line in bad.lines:
            click.echo(line, err=True)
        raise SystemExit(SETTINGS_EXIT) from None


def file_problem(action: str, path: object, error: OSError) -> click.ClickException:
    """`can't write out/x.png: No such file or directory`: an OSError in one line."""
    reason = error.strerror or type(error).__name__
    return click.ClickException(f"can't {action} {path}: {reason}")
