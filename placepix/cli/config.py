"""`placepix config`: the effective settings, or the reference of every setting."""

from __future__ import annotations

import json

import click

from placepix.cli.common import settings_or_exit
from placepix.server.settings import reference_markdown


@click.command(short_help="Print the effective settings (secrets masked) or their reference.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of KEY=value.")
@click.option("--markdown", is_flag=True, help="The reference of every setting instead.")
def config(as_json: bool, markdown: bool) -> None:
    """Print the effective configuration (from PLACEPIX_* variables), secrets masked; with
    --markdown, the reference of every setting (docs/configuration.md)."""
    if markdown:
        click.echo(reference_markdown(), nl=False)
        return
    settings = settings_or_exit()
    values = settings.model_dump(mode="json")
    values["secret_keys"] = ["********" for _ in settings.secret_keys]
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    for name, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        click.echo(f"PLACEPIX_{name.upper()}={shown}")
