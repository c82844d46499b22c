"""Whether a connection's client reads its answer: what still waits, progress, a deadline.

What waits for a client is in three places: the part of the answer not handed to the transport
yet, the transport's buffer, and the kernel's send queue (on loopback the kernel takes
megabytes at once, and only tells the process it may write again once a third of them went
out: a client reading steadily can look stalled from the transport alone). `SendWatch` counts
all three (`waiting_bytes`) and judges a connection from them: it is stalled when nothing of it
went out for `send_timeout` seconds, or when its answer is not out `send_timeout` seconds plus
its size at `min_send_rate` after it began to wait -- the time an answer may take scales with
its size, so a client that reads a byte now and then holds no large answer for ever.
"""

from __future__ import annotations

import fcntl
import socket
import struct
import termios

_OUTQ = struct.Struct("i")


def kernel_unsent(connection: socket.socket | None) -> int:
    """Bytes in the kernel's send queue of `connection` that its peer has not received yet
    (Linux's SIOCOUTQ); 0 where that can't be asked."""
    if connection is None:
        return 0
    try:
        raw = fcntl.ioctl(connection.fileno(), termios.TIOCOUTQ, b"\0" * _OUTQ.size)
    except (OSError, ValueError, AttributeError):
        return 0
    return int(_OUTQ.unpack(raw)[0])


class SendWatch:
    """The sending side of one connection, judged at each look (`stalled`)."""

    def __init__(self, send_timeout: float, min_send_rate: float) -> None:
        self.send_timeout = send_timeout
        self.min_send_rate = min_send_rate
        self.waiting = 0  # bytes waiting at the last look; 0: nothing is watched
        self.last_progress = 0.0  # when some of it last went out
        self.deadline: float | None = None  # when the answer under way must be out
        self._answer: object = None  # ...which answer that is
        self._drained = False  # the transport drained below its low-water mark since

    def answer_waits(self, answer: object, waiting: int, now: float) -> bool:
        """`answer` (uvicorn's request cycle) has `waiting` bytes the client has not taken
        (the transport paused writing); its deadline starts now if it is a new one. True when
        the connection was not watched before (its timer must be armed)."""
        if answer is not self._answer:
            self._answer = answer
            self.deadline = now + self.send_timeout + waiting / self.min_send_rate
        if self.waiting:
            return False
        self.waiting, self.last_progress = waiting, now
        return True

    def drained(self) -> None:
        self._drained = True

    def stalled(self, waiting: int, now: float) -> bool:
        """Look at the connection, `waiting` bytes now: whether to drop it."""
        if not waiting or not self.waiting or waiting < self.waiting or self._drained:
            self.last_progress = now  # some went out, or the wait only began since last time
        self.waiting, self._drained = waiting, False
        if not waiting:
            self._answer, self.deadline = None, None  # all out: the next answer starts afresh
            return False
        late = self.deadline is not None and now >= self.deadline
        return late or now - self.last_progress >= self.send_timeout

    def next_look(self, now: float) -> float | None:
        """Seconds until the next look while something waits (None: nothing does)."""
        if not self.waiting:
            return None
        delay = self.send_timeout / 2
        if self.deadline is not None:
            delay = min(delay, self.deadline - now)
        return delay
