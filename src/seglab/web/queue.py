"""Bounded work for `seglab serve`: a few predictions at once, a short queue, 503 beyond it.

Predictions run on a small pool of worker threads (`max_concurrent`), never on the event
loop, so `/health` and refusals are answered at once however busy the model is. Requests
wait their turn in a queue of at most `max_queue`; a request beyond it is answered 503 with
a `Retry-After` estimated from recent prediction times, before its body is read. A queued
request whose client has gone when its turn comes is dropped, not computed. When the queue
has been empty for a second the workers give freed memory back to the OS (`release_memory`),
so a burst does not leave the server gigabytes larger.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from starlette.requests import Request

from seglab.errors import SeglabError

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_RETRY_AFTER_S = 120
IDLE_BEFORE_RELEASE_S = 1.0  # a server busy with back-to-back requests keeps its buffers


@dataclass(frozen=True)
class QueueLimits:
    """Predictions computed at once, and requests that may wait for one."""

    max_concurrent: int = 1
    max_queue: int = 16

    def __post_init__(self) -> None:
        if self.max_concurrent < 1 or self.max_queue < 0:
            raise ValueError(f"max_concurrent must be >= 1 and max_queue >= 0, got {self.max_concurrent} "
                             f"and {self.max_queue}")


class ServerBusy(SeglabError):
    """The queue is full: answer 503 with `Retry-After: retry_after` seconds."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientGone(SeglabError):
    """The client disconnected while its request waited; its work was skipped."""


class WorkQueue:
    """Admission (`admitted`), waiting and running (`run`) of the predictions of one app.

    A request is admitted as soon as its headers arrive (`admit`, by the `QueueGate` middleware)
    and leaves when its answer is sent (`leave`), so requests whose bodies are still being read
    count as queued too. Counters are touched only on the event loop, so they need no lock.
    """

    def __init__(self, limits: QueueLimits | None = None) -> None:
        self.limits = limits or QueueLimits()
        self.admitted = 0
        self.running = 0
        self.completed = 0
        self.refused = 0
        self.skipped = 0
        self._seconds = 1.0  # moving average of a prediction's time, for Retry-After
        self._idle: asyncio.TimerHandle | None = None
        self._slots = asyncio.Semaphore(self.limits.max_concurrent)
        self._executor = ThreadPoolExecutor(self.limits.max_concurrent, thread_name_prefix="seglab-predict")

    @property
    def waiting(self) -> int:
        return self.admitted - self.running

    @property
    def full(self) -> bool:
        return self.admitted >= self.limits.max_concurrent + self.limits.max_queue

    def retry_after(self) -> int:
        """Seconds until the work ahead is likely done: a hint for the client, at least 1."""
        ahead = self.admitted / self.limits.max_concurrent
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(ahead * self._seconds)))

    def admit(self) -> None:
        """Take a place in the queue for one request; give it back with `leave`.

        Raises:
            ServerBusy: the queue is full.
        """
        if self.full:
            self.refused += 1
            retry = self.retry_after()
            raise ServerBusy(retry, f"the server is busy: {self.running} prediction(s) running and {self.waiting} "
                                    f"waiting, the most it queues (--max-concurrent {self.limits.max_concurrent}, "
                                    f"--max-queue {self.limits.max_queue}); retry in {retry} s")
        self.admitted += 1
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def leave(self) -> None:
        self.admitted -= 1
        if self.admitted == 0:  # a burst may be over: give its memory back once the server stays idle
            self._idle = asyncio.get_running_loop().call_later(
                IDLE_BEFORE_RELEASE_S, self._executor.submit, release_memory)

    async def run(self, request: Request, work: Callable[[], T]) -> T:
        """Wait for a worker, then run `work` on it, unless the client has gone by then.

        Raises:
            ClientGone: the client disconnected while the request waited.
        """
        async with self._slots:
            if await request.is_disconnected():
                self.skipped += 1
                raise ClientGone("the client disconnected while its request waited; skipped")
            self.running += 1
            started = time.perf_counter()
            try:
                return await asyncio.get_running_loop().run_in_executor(self._executor, work)
            finally:
                self.running -= 1
                self.completed += 1
                self._seconds = 0.7 * self._seconds + 0.3 * (time.perf_counter() - started)

    def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)


def release_memory() -> None:
    """Hand freed heap pages back to the OS (glibc's `malloc_trim`); a few ms.

    `seglab` keeps freed buffers in the process for speed (`allocator.tune_allocator`), which
    suits training but would leave a server at its burst peak for good. No `gc.collect()`:
    a prediction's arrays are freed by reference counting as it returns, and a full collection
    holds the GIL (and so the event loop) for about 0.2 s in a server process.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
