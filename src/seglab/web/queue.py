"""Bounded work for `seglab serve`: a few predictions at once, a short queue, 503 beyond it.

Predictions run on a small pool of worker threads (`max_concurrent`), never on the event
loop, so `/health` and refusals are answered at once however busy the model is. Requests
wait their turn in a queue of at most `max_queue`; a request beyond it is answered 503 with
a `Retry-After` estimated from recent prediction times, before its body is read. A queued
request whose client has gone when its turn comes is dropped, not computed. When the queue
runs empty the workers give freed memory back to the OS (`release_memory`), so a burst does
not leave the server gigabytes larger.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
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
    """Admission (`admit`), waiting and running (`run`) of the predictions of one app.

    Counters are touched only on the event loop, so they need no lock.
    """

    def __init__(self, limits: QueueLimits | None = None) -> None:
        self.limits = limits or QueueLimits()
        self.running = 0
        self.waiting = 0
        self.completed = 0
        self.refused = 0
        self.skipped = 0
        self._seconds = 1.0  # moving average of a prediction's time, for Retry-After
        self._slots = asyncio.Semaphore(self.limits.max_concurrent)
        self._executor = ThreadPoolExecutor(self.limits.max_concurrent, thread_name_prefix="seglab-predict")

    @property
    def full(self) -> bool:
        return self.running + self.waiting >= self.limits.max_concurrent + self.limits.max_queue

    def retry_after(self) -> int:
        """Seconds until the work ahead is likely done: a hint for the client, at least 1."""
        ahead = (self.running + self.waiting) / self.limits.max_concurrent
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(ahead * self._seconds)))

    def busy(self) -> ServerBusy:
        self.refused += 1
        retry = self.retry_after()
        return ServerBusy(retry, f"the server is busy: {self.running} prediction(s) running and {self.waiting} "
                                 f"waiting, the most it queues (--max-concurrent {self.limits.max_concurrent}, "
                                 f"--max-queue {self.limits.max_queue}); retry in {retry} s")

    def admit(self) -> None:
        """Take a place in the queue; pair with `run` or `leave`.

        Raises:
            ServerBusy: the queue is full.
        """
        if self.full:
            raise self.busy()
        self.waiting += 1

    def leave(self) -> None:
        """Give back the place of an admitted request refused before it ran (a bad upload)."""
        self.waiting -= 1
        self._after()

    async def run(self, request: Request, work: Callable[[], T]) -> T:
        """Wait for a worker, then run `work` on it, unless the client has gone by then.

        Raises:
            ClientGone: the client disconnected while the request waited.
        """
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        try:
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
        finally:
            self._slots.release()
            self._after()

    def _after(self) -> None:
        if self.running == 0 and self.waiting == 0:  # a burst is over
            self._executor.submit(release_memory)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc's `malloc_trim`).

    `seglab` keeps freed buffers in the process for speed (`runtime.tune_allocator`), which
    suits training but would leave a server at its burst peak for good.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
