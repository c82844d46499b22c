"""`placepix doctor`: does this machine's render stack work? Versions, fonts, native paths and
the probes that keep /readyz at 503 when they fail; exit status 1 when any fails."""

from __future__ import annotations

import json

import click

from placepix.cli.common import settings_or_exit
from placepix.health import report
from placepix.server.settings import renderer_for


@click.command(short_help="Check the render stack: versions, fonts, native paths and probes.")
@click.option("--json", "as_json", is_flag=True, help="The report as one JSON object.")
def doctor(as_json: bool) -> None:
    """Render the probe set that each worker renders when it starts (complex scripts that must
    shape, a colour emoji, every format), and print it with the versions of the render stack,
    the fonts found, missing and skipped, and which native paths run. Exits 1 when a probe
    fails, naming it."""
    described = report(renderer_for(settings_or_exit()))
    if as_json:
        click.echo(json.dumps(described, indent=2))
    else:
        click.echo(_text(described))
    if not described["ok"]:
        raise SystemExit(1)


def _text(described: dict[str, object]) -> str:
    lines = [f"placepix {described['placepix']} on Python {described['python']}"]
    packages = described["packages"]
    assert isinstance(packages, dict)
    lines.append("packages: " + ", ".join(f"{k} {v or 'missing'}" for k, v in packages.items()))
    environment = described["environment"]
    assert isinstance(environment, dict)
    codecs = environment.get("codecs", {})
    lines.append("codecs: " + ", ".join(f"{k} {v or 'missing'}" for k, v in codecs.items()))
    fonts = described["fonts"]
    assert isinstance(fonts, dict)
    lines.append(
        f"fonts: {fonts['names']} names, {fonts['fallbacks']} fallback fonts; "
        f"missing: {', '.join(fonts['missing']) or 'none'}; "
        f"skipped: {', '.join(s['file'] for s in fonts['skipped']) or 'none'}"
    )
    native = described["native"]
    assert isinstance(native, dict)
    for name, path in native.items():
        state = "on" if path["active"] else f"off ({path['reason']})"
        lines.append(f"native {name}: {state}")
    probes = described["probes"]
    assert isinstance(probes, list)
    for probe in probes:
        mark = "ok  " if probe["ok"] else "FAIL"
        lines.append(f"{mark} {probe['name']}: {probe['detail']}")
    lines.append("render stack: ok" if described["ok"] else "render stack: BROKEN")
    return "\n".join(lines)
