"""`--time-budget` that holds: the run's length is re-planned at every epoch end from the epoch
times measured so far, whatever the machine's load did to them, and the learning-rate schedule
is refitted so its final value falls on the budget's end.

The plan before the first step comes from a few timed steps (`estimate.estimate_epoch`); the
first epoch also pays one-time costs (kernel warm-up, allocator growth, cache filling), so from
the second epoch on the pace leaves it out.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections.abc import Callable

from seglab.engine.schedule_plan import replan_schedule
from seglab.engine.trainer import Callback, EvalResult, Trainer

log = logging.getLogger(__name__)

def epochs_in_budget(seconds_left: float, pace: float) -> int:
    """Whole epochs to add: the nearest count, so the run ends within half an epoch of the budget
    (before or after), where always rounding down would end up to a whole epoch early."""
    return max(0, math.floor(seconds_left / pace + 0.5)) if pace > 0 else 0


class BudgetPlanner(Callback):
    """Re-plans the epoch count (`trainer.epochs`) and the schedule's end at every epoch end.

    The pace is the median of the last three epochs, the first epoch left out once there is
    another: recent enough to follow a burst of load within two epochs, and not thrown by one
    slow epoch (on the shared test machine single epochs took 6x their neighbours). The
    main process plans; under distributed training `broadcast` hands its plan to the others.
    `ceiling` (an explicit --epochs) bounds the plan.
    """

    def __init__(self, seconds: float, ceiling: int | None = None, broadcast: Callable[[int], int] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.ceiling, self.broadcast, self.clock = seconds, ceiling, broadcast, clock
        self.durations: list[float] = []
        self._started = self._epoch_started = clock()

    def on_fit_start(self, trainer: Trainer) -> None:
        self._started = self.clock()

    def on_epoch_start(self, trainer: Trainer, num_batches: int) -> None:
        self._epoch_started = self.clock()

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        now = self.clock()
        self.durations.append(now - self._epoch_started)
        elapsed = now - self._started
        pace = statistics.median(self.durations[1:][-3:] or self.durations)
        planned = trainer.epoch + epochs_in_budget(self.seconds - elapsed, pace)
        if self.ceiling is not None:
            planned = min(planned, self.ceiling)
        if self.broadcast is not None:
            planned = self.broadcast(planned)
        if planned <= trainer.epoch:
            if trainer.epoch < trainer.epochs:
                why = (f"the --epochs cap of {self.ceiling}" if planned == self.ceiling else
                       f"another epoch (about {pace:.1f}s) would end more than half of it past the budget")
                log.info("time budget: %.0fs used of %.0fs, stopping after epoch %d: %s", elapsed, self.seconds,
                         trainer.epoch, why)
            trainer.epochs = trainer.epoch
            return
        if planned != trainer.epochs:
            log.info("time budget: %.0fs used of %.0fs at about %.1fs per epoch: %d epochs in all (was %d)",
                     elapsed, self.seconds, pace, planned, trainer.epochs)
            self._move_schedule(trainer, planned)
            trainer.epochs = planned

    @staticmethod
    def _move_schedule(trainer: Trainer, planned: int) -> None:
        """End the schedule with epoch `planned`: each epoch takes the steps this one took."""
        if trainer.scheduler is None:
            return
        done = trainer.scheduler.last_epoch  # optimizer steps so far, also after a resume
        replan_schedule(trainer.scheduler, done, done + (planned - trainer.epoch) * trainer.step)
