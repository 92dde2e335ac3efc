"""Compute threads that follow the machine's load: chosen at start, revised from measured step times.

torch's OpenMP threads spin at every barrier. When another process holds one of the cores,
a thread per core waits for its descheduled sibling at every barrier, and a 2-core training
ran 15x slower (issue 28) where one thread would have cost its fair share. No fixed count is
right for both an idle and a busy machine, so `ThreadTuner` measures: it starts with torch's
count, tries a neighbouring count for a few steps now and then (at once when the step time
jumps) and keeps whichever was faster. The OpenMP wait policy (`OMP_WAIT_POLICY`,
`GOMP_SPINCOUNT`) is read once when torch loads, so the thread count is the knob left at run time.
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from seglab.errors import ConfigError
from seglab.runtime import resolve_threads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThreadChange:
    """One decision, kept for the benchmark and the tests: `before` -> `after` threads."""

    before: int
    after: int
    reason: str


class ThreadTuner:
    """Chooses the compute thread count from measured times per unit of work (a step, a pixel).

    Call `tick(work)` after each repeated piece of work (a training step, a predicted image)
    and `pause()` before anything that should not count (validation between epochs). Every
    `probe_every` steps the next count down or up (up to `most`) runs for up to `window` steps,
    and as soon as the median step time rises `jump` times above the one measured after the
    last decision, the next count down; it is kept when its median is `margin` faster. A probe
    is dropped after one step `jump` times slower and taken after two steps `jump` times faster:
    on the busy 2-core test machine a step with two threads took up to 40x one with one, so
    every step spent finding out counts. A count that lost waits twice as long before its next
    try, and at least until the steps it cost are `share` of the steps since (up to `max_wait`
    steps), so a busy machine does not pay for hopeless tries. `first` starts below `most`
    (cores found busy before the first step). `pinned` fixes the count (`--threads N`) and
    measures nothing.
    """

    def __init__(self, most: int, pinned: int | None = None, *, first: int | None = None, window: int = 3,
                 probe_every: int = 30, margin: float = 0.05, jump: float = 1.5, share: float = 0.02,
                 max_wait: int = 2000,
                 clock: Callable[[], float] = time.perf_counter,
                 apply: Callable[[int], None] = torch.set_num_threads, label: str = "compute") -> None:
        if pinned is not None and pinned < 1:
            raise ConfigError(f"threads must be >= 1, got {pinned}")
        self.most = max(1, most)
        self.pinned = pinned
        self.window, self.probe_every, self.margin, self.jump = window, probe_every, margin, jump
        self.share, self.max_wait = share, max_wait
        self.clock, self.apply, self.label = clock, apply, label
        self.current = pinned or min(first or self.most, self.most)
        self.changes: list[ThreadChange] = []
        self._lock = threading.Lock()  # seglab serve predicts on several threads
        self._marks = threading.local()  # each thread times its own work
        self._samples: list[float] = []  # at `current`, since the last decision
        self._reference: float | None = None  # median of the first window after the last decision
        # steps since the last probe: from `most` the first full window tries fewer at once; below it
        # (cores were found busy) more threads wait for the periodic try
        self._since = probe_every if self.current == self.most else 0
        self._candidate: int | None = None
        self._probe: list[float] = []
        self._base = 0.0  # median at `current` when the probe started
        self._wait: dict[int, int] = {}  # steps before a count that lost is tried again
        self._downward = True  # which neighbour to try first

    @property
    def adaptive(self) -> bool:
        return self.pinned is None

    def start(self) -> ThreadTuner:
        """Apply the starting count and say so; returns self."""
        self.apply(self.current)
        if self.adaptive:
            log.info("%s threads: %d of %d to start, adapting to the load from measured step times "
                     "(--threads N pins)", self.label, self.current, self.most)
        else:
            log.info("%s threads: %d, fixed (--threads N, --deterministic, or --compile on the CPU)", self.label,
                     self.current)
        return self

    def finish(self) -> None:
        """Give the process back the count it started with (a later run starts from it)."""
        if self.adaptive:  # also in the middle of a probe
            self.apply(self.most)

    def pause(self) -> None:
        """The time until the next `tick` is not a step (validation, checkpoints, a new epoch)."""
        self._marks.at = None

    def begin(self) -> None:
        """A piece of work starts now (where the time since the last `tick` is not work)."""
        self._marks.at = self.clock()

    def tick(self, work: float = 1.0) -> None:
        """One piece of `work` (1 for a step; pixels for images of different sizes) just ended."""
        now = self.clock()
        started = getattr(self._marks, "at", None)
        self._marks.at = now
        if started is not None and work > 0:
            with self._lock:
                self.record((now - started) / work)

    def record(self, seconds: float) -> None:
        """Feed one measured time per unit of work (what `tick` does with its clock)."""
        if not self.adaptive:
            return
        if self._candidate is not None:
            self._probe.append(seconds)
            worse = min(self._probe) > self.jump * self._base  # one step is enough to give up
            better = len(self._probe) >= 2 and self.jump * max(self._probe) < self._base
            if worse or better or len(self._probe) >= self.window:
                self._decide()
            return
        self._samples = [*self._samples[-(self.window - 1):], seconds]
        self._since += 1
        if len(self._samples) < self.window:
            return
        median = statistics.median(self._samples)
        if self._reference is None:
            self._reference = median
        jumped = median > self.jump * self._reference
        if jumped:
            self._wait.clear()  # the machine changed: every count deserves a fresh look
        # a jump means more contention: only fewer threads can help (more would spin at more barriers)
        neighbours = [n for n in (self.current - 1, *(() if jumped else (self.current + 1,))) if 1 <= n <= self.most]
        if not self._downward:
            neighbours.reverse()
        due = [n for n in neighbours if jumped or self._since >= self._wait.get(n, self.probe_every)]
        if due:
            self._candidate, self._probe, self._base = due[0], [], median
            self._downward = not self._downward
            log.debug("%s threads: trying %d against %d (%.3gs per step%s)", self.label, due[0], self.current,
                      median, ", a jump" if jumped else "")
            self.apply(due[0])

    def _decide(self) -> None:
        candidate, probed = self._candidate, statistics.median(self._probe)
        assert candidate is not None
        self._candidate = None
        if probed < (1 - self.margin) * self._base:
            reason = f"{probed:.3g}s against {self._base:.3g}s per step"
            log.info("%s threads: %d -> %d (%s)", self.label, self.current, candidate, reason)
            self.changes.append(ThreadChange(self.current, candidate, reason))
            self.current = candidate
            self._wait.clear()
        else:
            lost = sum(max(0.0, seconds / self._base - 1) for seconds in self._probe)  # in steps
            wait = max(2 * self._wait.get(candidate, self.probe_every), math.ceil(lost / self.share))
            self._wait[candidate] = min(wait, self.max_wait)
            self.apply(self.current)
        self._samples, self._reference, self._since = [], None, 0


def thread_tuner(requested: int | None, workers: int, device: torch.device, label: str,
                 adapt: bool = True) -> ThreadTuner | None:
    """The tuner for a process that computes on `device`: pinned to `requested` when given, else
    starting from the current count (torch's one per core, or what the user or OMP_NUM_THREADS
    set), less one core per DataLoader worker (`resolve_threads`), and adapting below it unless
    `adapt` is False (deterministic runs: float rounding depends on the thread count; compiled
    CPU kernels: a new count recompiles them). On CUDA,
    where the CPU only feeds the GPU, None unless pinned."""
    pinned = resolve_threads(requested, workers, device) if requested is not None else None
    if device.type == "cuda" and pinned is None:
        return None
    most = resolve_threads(None, workers, device) or torch.get_num_threads()
    if pinned is None and not adapt:
        pinned = most
    idle = idle_cores() if pinned is None and most > 1 else None
    first = max(1, round(idle)) if idle is not None else None  # the steps then say whether more pay
    return ThreadTuner(most, pinned=pinned, first=first, label=label)


def idle_cores(seconds: float = 0.2) -> float | None:
    """How many of this process's cores sat idle over `seconds` (Linux /proc/stat; None
    elsewhere): where other processes already keep cores busy, training starts with fewer
    threads instead of paying its first steps to find out (2 threads ran 8x slower than 1 with
    the shared test machine busy). Where it starts too low, the first probe goes up."""
    try:
        cores = {f"cpu{n}" for n in os.sched_getaffinity(0)}
        before = _idle_and_total(cores)
        time.sleep(seconds)
        after = _idle_and_total(cores)
    except (OSError, ValueError, AttributeError):
        return None
    total = after[1] - before[1]
    return len(cores) * (after[0] - before[0]) / total if total > 0 else None


def _idle_and_total(cores: set[str]) -> tuple[int, int]:
    """Summed idle+iowait and all jiffies of `cores` from /proc/stat."""
    idle = total = 0
    with open("/proc/stat") as stat:
        for line in stat:
            name, *fields = line.split()
            if name in cores:
                values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
                idle += values[3] + values[4]
                total += sum(values)
    return idle, total
