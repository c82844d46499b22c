"""Build deploy/Dockerfile and run the image without a Docker daemon, for the container test.

mmdebstrap makes a Debian bookworm root file system (the stand-in for `debian:bookworm-slim`),
podman imports it as the base image, `buildah bud --isolation chroot` builds the Dockerfile on
it and `buildah run --isolation chroot` starts `placepix serve`, which then shares this
machine's loopback. The root file system is cached under ~/.cache/placepix/, named after a hash
of everything that goes into it, so only the first run pays for it; buildah's layer cache makes
a rebuild after a code change redo only the last layers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.server import free_port, wait_until_up

ROOT = Path(__file__).parent.parent
TOOLS = ("mmdebstrap", "podman", "buildah")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "placepix"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
SUITE = "bookworm"
MIRRORS = (
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
)
# The registries are reached through this machine's CA bundle: the root file system trusts it,
# also after the Dockerfile installs ca-certificates (which rebuilds the bundle from the
# certificates in /usr/local/share/ca-certificates).
HOOK = (
    'mkdir -p "$1/etc/ssl/certs" "$1/usr/local/share/ca-certificates"'
    f' && cp {CA_BUNDLE} "$1/etc/ssl/certs/ca-certificates.crt"'
    f' && cp {CA_BUNDLE} "$1/usr/local/share/ca-certificates/build-host.crt"'
)
IMAGE = "localhost/placepix:test"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def base_key() -> str:
    """A hash of what goes into the root file system: suite, mirrors, hook and CA bundle."""
    digest = hashlib.sha256("\n".join([SUITE, *MIRRORS, HOOK]).encode())
    digest.update(CA_BUNDLE.read_bytes() if CA_BUNDLE.exists() else b"")
    return digest.hexdigest()[:16]


def base_image() -> str:
    """The base image's name, made (root file system, then import) only when it is missing."""
    key = base_key()
    name = f"localhost/placepix-base:{key}"
    if _run(["podman", "image", "exists", name], check=False).returncode == 0:
        return name
    rootfs = CACHE / f"rootfs-{SUITE}-{key}.tar"
    if not rootfs.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
            partial = Path(scratch) / rootfs.name
            command = ["mmdebstrap", "--quiet", "--variant=apt", f"--customize-hook={HOOK}"]
            _run([*command, SUITE, str(partial), *MIRRORS], timeout=900)
            partial.rename(rootfs)  # only a whole file gets the cached name
    _run(["podman", "import", "--quiet", str(rootfs), name], timeout=300)
    return name


def build_image(base: str) -> float:
    """Builds deploy/Dockerfile on `base` as IMAGE; returns the seconds it took."""
    started = time.monotonic()
    command = ["buildah", "bud", "--isolation", "chroot", "--layers", "--format", "docker"]
    command += ["--pull=never", "--build-arg", f"BASE={base}", "-f", "deploy/Dockerfile"]
    _run([*command, "-t", IMAGE, "."], timeout=1800)
    return time.monotonic() - started


def image_bytes(name: str = IMAGE) -> int:
    out = _run(["podman", "image", "inspect", "--format", "{{.Size}}", name]).stdout
    return int(out.strip())


@contextmanager
def running_container(env: Mapping[str, str], workers: int = 2) -> Iterator[str]:
    """`placepix serve` in a container of IMAGE on a free loopback port; yields its URL.

    Only `env` is added to the image's own environment (the host's stays out)."""
    container = _run(["buildah", "from", "--pull=never", IMAGE]).stdout.strip()
    port = free_port()
    flags = [f"--env={name}={value}" for name, value in env.items()]
    serve = ["placepix", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command = ["buildah", "run", "--isolation", "chroot", *flags, container, "--", *serve]
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the server runs under buildah: stop the whole group
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, output, 60, name="the container", interval=0.2)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        output.close()
        _run(["buildah", "rm", container], check=False)


def _run(
    command: list[str], check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Runs a tool from the repository's root; a failure shows what the tool said."""
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{result.stdout}\n{result.stderr}")
    return result
