"""`placepix render URL… | --from FILE`: many images at once, rendered in parallel processes.

The URLs are read here (a bad one is a failed line; the rest go on); each image is rendered in a
pool of processes, every process with its own Renderer built from the same PLACEPIX_* settings,
and written to the output directory under a name from its canonical URL (`output_name`). A
progress bar (tqdm, on stderr) shows on a terminal and never in a pipe or a log; each failure
is one line naming its line, and a summary line ends the run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tqdm import tqdm

from placepix.cli.outputs import output_name, read_url
from placepix.errors import PlacepixError
from placepix.model.spec import ImageSpec
from placepix.render import Renderer
from placepix.server.environment import BadSettings, load_settings
from placepix.server.settings import renderer_for

SHOWN_URL = 60  # characters of a failed URL repeated in its message
SHOWN_FAILURES = 10  # failed lines named in the summary; the rest are counted


@dataclass(frozen=True)
class Line:
    """One URL of a batch and where it came from: `line 4` of a file, `URL 2` of the command."""

    label: str
    url: str


@dataclass
class Outcome:
    """What a batch made: files written, their bytes, and the failed lines with why."""

    total: int
    written: int = 0
    size: int = 0
    failed: list[tuple[Line, str]] = field(default_factory=list)


def lines_of(text: str) -> list[Line]:
    """The URLs of a `--from` file: one a line; blank lines and `#` comments are skipped."""
    return [
        Line(f"line {number}", raw.strip())
        for number, raw in enumerate(text.splitlines(), start=1)
        if raw.strip() and not raw.strip().startswith("#")
    ]


def arguments(urls: tuple[str, ...]) -> list[Line]:
    """The URLs given on the command line: `URL 1`, `URL 2`…"""
    return [Line(f"URL {number}", url) for number, url in enumerate(urls, start=1)]


def run_batch(
    lines: list[Line], out_dir: Path, default_format: str, jobs: int, progress: bool
) -> Outcome:
    """Render `lines` into `out_dir` with up to `jobs` processes, saying each failure as it
    happens (one line on stderr); URLs that mean one image share its file."""
    outcome = Outcome(total=len(lines))
    bar = tqdm(total=len(lines), unit="image", file=sys.stderr, disable=not progress)

    def fail(line: Line, message: str) -> None:
        outcome.failed.append((line, message))
        url = line.url if len(line.url) <= SHOWN_URL else line.url[:SHOWN_URL] + "…"
        bar.write(f"placepix: {line.label}: {url}: {message}", file=sys.stderr)

    work: dict[Path, tuple[ImageSpec, list[Line]]] = {}
    with bar:
        for line in lines:
            try:
                spec = read_url(line.url, default_format)
            except PlacepixError as error:
                fail(line, error.message)
                bar.update()
                continue
            target = out_dir / output_name(spec)
            work.setdefault(target, (spec, []))[1].append(line)
        for target, (size, problem) in _render_all(work, jobs):
            same = work[target][1]
            if problem:
                for line in same:
                    fail(line, problem)
            else:
                outcome.written += 1
                outcome.size += size
            bar.update(len(same))
    return outcome


def summary(outcome: Outcome, out_dir: Path, seconds: float) -> str:
    """`placepix: 98 of 100 URLs rendered into out/ (97 files, 1.2 MB) in 3.1 s; failed:
    line 4, line 9`"""
    done = outcome.total - len(outcome.failed)
    text = (
        f"placepix: {done} of {outcome.total} URLs rendered into {out_dir}/ "
        f"({outcome.written} files, {_megabytes(outcome.size)}) in {seconds:.1f} s"
    )
    if not outcome.failed:
        return text
    labels = [line.label for line, _ in sorted(outcome.failed, key=lambda f: _order(f[0]))]
    named = ", ".join(labels[:SHOWN_FAILURES])
    more = len(labels) - SHOWN_FAILURES
    return f"{text}; failed: {named}" + (f" and {more} more" if more > 0 else "")


def default_jobs() -> int:
    """Processes for a batch: one per CPU this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def render_file(spec: ImageSpec, target: Path) -> tuple[int, str]:
    """Render `spec` into `target`: (bytes written, "") or (0, why not). Runs in a pool process;
    what goes wrong is returned, not raised, so that it arrives as one line."""
    try:
        data = batch_renderer().render(spec).data
    except PlacepixError as error:
        return 0, error.message
    except BadSettings as bad:  # the environment changed under the command: say so, once
        return 0, bad.lines[0]
    try:
        target.write_bytes(data)
    except OSError as error:
        return 0, f"can't write {target}: {error.strerror or type(error).__name__}"
    return len(data), ""


@cache
def batch_renderer() -> Renderer:
    """The Renderer of one batch process, made for its first image from the PLACEPIX_*
    settings the command has checked. Each process has its own: they share nothing."""
    return renderer_for(load_settings())


def _render_all(
    work: dict[Path, tuple[ImageSpec, list[Line]]], jobs: int
) -> Iterator[tuple[Path, tuple[int, str]]]:
    """(target, render_file's answer) for each target, as they finish."""
    if jobs <= 1 or len(work) <= 1:
        for target, (spec, _) in work.items():
            yield target, render_file(spec, target)
        return
    with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
        futures: dict[Future[tuple[int, str]], Path] = {
            pool.submit(render_file, spec, target): target for target, (spec, _) in work.items()
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:  # Ctrl-C, or a process that died: stop the rest at once
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _order(line: Line) -> tuple[str, int]:
    word, _, number = line.label.rpartition(" ")
    return word, int(number) if number.isdigit() else 0


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
