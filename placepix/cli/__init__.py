"""Command line: `placepix serve | render | token | sign | config | doctor`, one module per command
group. Parsing by click; the work is done by the core and the server."""

from __future__ import annotations

import click

from placepix.cli.config import config
from placepix.cli.doctor import doctor
from placepix.cli.render import render
from placepix.cli.serve import serve
from placepix.cli.tokens import sign, token

HELP_WIDTH = 100  # click's default (80) cuts the command summaries short


@click.group(context_settings={"max_content_width": HELP_WIDTH})
@click.version_option(package_name="placepix")
def main() -> None:
    """placepix: placeholder images, generated in memory.

    Settings are PLACEPIX_* environment variables: `placepix config --markdown` lists them."""


main.add_command(serve)
main.add_command(render)
main.add_command(token)
main.add_command(sign)
main.add_command(config)
main.add_command(doctor)
