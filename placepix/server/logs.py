"""Where log lines go: the logging setup of `placepix serve` (uvicorn's loggers, placepix's, the
root logger and Python's warnings, as text or one JSON object a line) and `LineWriter`, which
writes a worker's access lines in batches from a thread of its own.

Each access line used to be a `logging` call and a write to stderr on the event loop: ~40 % of a
cache hit's cost. Now the request only appends a tuple to a list; the writer formats and writes
them every `log_flush_seconds` (sooner when `log_buffer_lines` wait), as nginx buffers its log,
and `close()` (the app's shutdown, after SIGTERM has let requests finish) writes the rest.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

PIPE_BUF = 4096  # a write to a pipe up to this size is never interleaved with another's
log = logging.getLogger("placepix")


def iso_time(seconds: float) -> str:
    """UTC, ISO 8601 with milliseconds: 2026-11-29T15:33:25.123Z."""
    whole, micro = divmod(round(seconds * 1_000_000), 1_000_000)  # as datetime rounds
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{stamp}.{micro // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object a record: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": iso_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`2026-11-29T15:33:25.123Z INFO uvicorn.error: message`."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{iso_time(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def logging_config(level: str, json_lines: bool = False) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn's `log_config` (applied in the supervisor and
    in every worker): every logger, the root one included, writes to stderr through one
    formatter, so under `json_lines` every line is a JSON object."""
    level = "DEBUG" if level == "trace" else level.upper()
    formatter = JsonFormatter if json_lines else TextFormatter
    handler = {"handlers": ["default"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{formatter.__module__}.{formatter.__name__}"}},
        "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["default"], "level": "WARNING"},
        "loggers": {
            "uvicorn": handler,
            "placepix": handler,
            "py.warnings": {"handlers": ["default"], "propagate": False},
        },
    }


Format = Callable[[tuple[Any, ...]], str]


class LineWriter:
    """A worker's access lines: `add()` on the request path (an append), formatted by `format`
    and written to file descriptor `fd` by a thread, in writes of at most PIPE_BUF bytes that
    end at a line's end, so that the workers' lines never cut into each other on a shared pipe.

    While the output blocks, up to `max_waiting` lines wait; more are counted, dropped, and the
    count is logged once the output moves again."""

    def __init__(
        self,
        format: Format,
        *,
        flush_seconds: float,
        buffer_lines: int,
        max_waiting: int,
        fd: int = 2,
    ) -> None:
        self.format = format
        self.flush_seconds = flush_seconds
        self.buffer_lines = buffer_lines
        self.max_waiting = max_waiting
        self.fd = fd
        self.waiting: list[tuple[Any, ...]] = []
        self.dropped = 0
        self._wake = threading.Event()
        self._writing = threading.Lock()  # the thread's batches and close()'s last one
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, record: tuple[Any, ...]) -> None:
        waiting = self.waiting
        if len(waiting) >= self.max_waiting:
            self.dropped += 1
            return
        waiting.append(record)
        if len(waiting) == self.buffer_lines:
            self._wake.set()

    def start(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stops the thread and writes every line still waiting."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> None:
        with self._writing:
            # The swap is one step for the event loop's thread: a line added during it lands in
            # one list or the other, never in neither.
            records, self.waiting = self.waiting, []
            dropped, self.dropped = self.dropped, 0
            if records:
                self._write([self.format(record) for record in records])
            if dropped:
                log.warning("%d access lines dropped: the log output was blocked", dropped)

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except OSError:  # output closed: nothing else to do with the lines
                self.waiting.clear()
            except Exception:  # a line that would not format: say so, keep the thread alive
                log.exception("access log: a batch could not be written")

    def _write(self, lines: Sequence[str]) -> None:
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            data = (line + "\n").encode("utf-8", "replace")
            if chunk and size + len(data) > PIPE_BUF:
                self._write_all(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(data)
            size += len(data)
        if chunk:
            self._write_all(b"".join(chunk))

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
