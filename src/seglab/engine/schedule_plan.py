"""Learning-rate schedules whose end can move: a time budget re-plans the run's length while it trains.

The schedule stays the one first planned (warmup, cosine or one-cycle over `planned` steps);
what a re-plan changes is how fast the optimizer's steps walk along it. From the step of the
re-plan on, the steps left are stretched or squeezed linearly onto what is left of the planned
schedule, so the rate never jumps and reaches its final value exactly at the new last step.
Until a re-plan the walk is one planned step per step: such a run trains exactly as before.
"""

from __future__ import annotations

from typing import Any

import torch


class StepPlan:
    """The piecewise-linear walk from optimizer steps to planned steps; mixed into a scheduler,
    whose state dict then carries it (a resumed run continues on the re-planned schedule)."""

    last_epoch: int

    def _start_plan(self, planned: int) -> None:
        self.planned_steps = planned
        self.plan_end = planned  # the optimizer step at which the planned schedule ends
        self.anchor_step = 0
        self.anchor_position = 0.0

    def position(self, step: float) -> float:
        """Where optimizer step `step` stands on the planned schedule."""
        left = self.planned_steps - self.anchor_position
        return self.anchor_position + left * (step - self.anchor_step) / max(self.plan_end - self.anchor_step, 1)

    def replan(self, step: int, end: int) -> None:
        """From optimizer step `step` on, finish the planned schedule at step `end` instead."""
        if end <= step:
            return
        self.anchor_position, self.anchor_step, self.plan_end = self.position(step), step, end

    def get_lr(self) -> list[float]:  # the scheduler's own formula, at the planned position
        actual = self.last_epoch
        self.last_epoch = self.position(actual)  # type: ignore[assignment]
        try:
            return super().get_lr()  # type: ignore[misc]
        finally:
            self.last_epoch = actual


class PlannedLambdaLR(StepPlan, torch.optim.lr_scheduler.LambdaLR):
    def __init__(self, optimizer: torch.optim.Optimizer, lr_lambda, planned_steps: int) -> None:  # noqa: ANN001
        self._start_plan(planned_steps)
        super().__init__(optimizer, lr_lambda)


class PlannedOneCycleLR(StepPlan, torch.optim.lr_scheduler.OneCycleLR):
    def __init__(self, optimizer: torch.optim.Optimizer, planned_steps: int, **options: object) -> None:
        self._start_plan(planned_steps)
        super().__init__(optimizer, total_steps=planned_steps + 1, **options)  # type: ignore[arg-type]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume on the cycle this scheduler was built with, as a cosine schedule resumes with
        the formula it was built with: the same cycle when the run's length is unchanged, the
        longer one when `--resume RUN --epochs N` extends the run (the saved, shorter cycle
        would end before the new steps do: torch refuses to step past its end)."""
        cycle = {"total_steps": self.total_steps, "_schedule_phases": self._schedule_phases}
        super().load_state_dict(state_dict)
        self.__dict__.update(cycle)


def replan_schedule(scheduler: torch.optim.lr_scheduler.LRScheduler | None, step: int, end: int) -> bool:
    """Make `scheduler` end at optimizer step `end`; False when it has no plan to move (none,
    or a constant rate)."""
    if not isinstance(scheduler, StepPlan):
        return False
    scheduler.replan(step, end)
    return True
