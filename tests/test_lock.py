"""The lock files agree with pyproject.toml: every dependency it names is pinned, with hashes, at a
version its range allows; the dev lock pins the image's packages at the same versions.
(`make lock` regenerates both; the image installs requirements.lock, CI requirements-dev.lock.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# `name==version [; marker] \` then one `--hash=sha256:...` line per file.
PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)[^\n]*\\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n?)+)",
    re.M,
)


def pins(lock: str) -> dict[str, tuple[Version, int]]:
    """Package -> (pinned version, number of hashes) for every pin in a lock file."""
    text = (ROOT / lock).read_text()
    found: dict[str, tuple[Version, int]] = {
        canonicalize_name(name): (Version(version), hashes.count("--hash="))
        for name, version, hashes in PIN.findall(text)
    }
    lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(found) == len(lines), f"{lock}: a pin without hashes or of another form"
    return found


def requirements(group: str) -> list[Requirement]:
    if group == "run":
        return [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    if group == "build":
        return [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    return [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"][group]]


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["run", "build"]), ("requirements-dev.lock", ["run", "dev"])],
)
def test_every_dependency_is_pinned_with_hashes_in_its_range(lock: str, groups: list[str]) -> None:
    pinned = pins(lock)
    for requirement in (r for group in groups for r in requirements(group)):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in {lock}: run `make lock`"
        version, hashes = pinned[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {requirement}: run `make lock`"
        )
        assert hashes >= 1


def test_the_dev_lock_pins_the_image_packages_alike() -> None:
    """Tests run on the versions the image ships (the build backend is the image's alone)."""
    image, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    build_only = {canonicalize_name(r.name) for r in requirements("build")}
    for name, (version, _) in image.items():
        if name not in build_only:
            assert dev.get(name, (None,))[0] == version, name
