"""--time-budget re-plans at every epoch end: a fake clock, slowed by bursts of load, drives the
real Trainer and scheduler, and the run must end within 5% of its budget with the schedule done."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from seglab.config import TrainConfig
from seglab.engine.budget import BudgetPlanner, epochs_in_budget
from seglab.engine.builders import build_scheduler, lr_factor
from seglab.engine.trainer import Callback, Trainer

BUDGET = 600.0
STEPS = 4  # per epoch
STEP_SECONDS = 5.0  # idle: 20 s epochs, 30 of them in the budget


class LoadedClock(Callback):
    """Advances a fake clock by each step's cost: `slowdown` times slower inside `burst`, and the
    first epoch pays `warmup` seconds of one-time costs. Records the rate of every step."""

    def __init__(self, burst: tuple[float, float], slowdown: float = 3.0, warmup: float = 15.0) -> None:
        self.now, self.burst, self.slowdown, self.warmup = 0.0, burst, slowdown, warmup
        self.rates: list[float] = []

    def __call__(self) -> float:
        return self.now

    def on_train_batch_end(self, trainer: Trainer) -> None:
        slow = self.burst[0] <= self.now < self.burst[1]
        self.now += STEP_SECONDS * (self.slowdown if slow else 1.0)
        if trainer.epoch == 1 and trainer.step == 1:
            self.now += self.warmup
        self.rates.append(trainer.optimizer.param_groups[0]["lr"])


def budget_run(schedule: str, first_plan: int, burst: tuple[float, float], broadcast=None):
    torch.manual_seed(0)
    model = nn.Conv2d(1, 2, 3, padding=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = build_scheduler(optimizer, TrainConfig(epochs=first_plan, schedule=schedule), STEPS)
    clock = LoadedClock(burst)
    planner = BudgetPlanner(BUDGET, broadcast=broadcast, clock=clock)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, num_classes=2, scheduler=scheduler,
                      callbacks=[clock, planner])
    batches = [{"image": torch.randn(2, 1, 8, 8), "mask": torch.randint(0, 2, (2, 8, 8))}] * STEPS
    history = trainer.fit(batches, None, first_plan)
    return clock, optimizer, history


@pytest.mark.parametrize("schedule, final_factor", [("cosine", 0.01), ("onecycle", 1 / (25 * 1e4))])
@pytest.mark.parametrize("first_plan, burst", [
    (10, (0.0, 120.0)),  # planned while the machine was busy, which it stays for the first 2 minutes
    (30, (240.0, 360.0)),  # planned on an idle machine that gets busy for 2 minutes in the middle
])
def test_a_burst_of_load_still_ends_within_5_percent_with_the_schedule_done(schedule, final_factor, first_plan, burst):
    clock, optimizer, history = budget_run(schedule, first_plan, burst)
    assert 0.95 * BUDGET <= clock.now <= 1.05 * BUDGET
    assert len(history) != first_plan  # re-planned
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * final_factor, rel=1e-3)  # the schedule ended
    peak = clock.rates.index(max(clock.rates))
    falling = clock.rates[peak:]
    assert all(b <= a + 1e-12 for a, b in zip(falling, falling[1:]))  # no jump back up at a re-plan


def test_a_schedule_never_replanned_is_the_one_planned_and_a_replan_moves_only_its_end():
    def rates(scheduler, optimizer, steps):
        out = []
        for _ in range(steps):
            out.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        return out

    cfg = TrainConfig(epochs=10, schedule="cosine", warmup_epochs=1)
    planned = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    plain = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    reference = torch.optim.lr_scheduler.LambdaLR(plain, lambda step: lr_factor(step, 40, 4, "cosine"))
    scheduler = build_scheduler(planned, cfg, STEPS)
    assert rates(scheduler, planned, 20) == rates(reference, plain, 20)  # bit for bit
    scheduler.replan(20, 60)  # half-way: the other half now takes twice the steps
    stretched = rates(scheduler, planned, 41)
    assert stretched[0] == pytest.approx(plain.param_groups[0]["lr"])  # no jump at the re-plan
    assert stretched[40] == pytest.approx(0.1 * 0.01)  # the final rate at the new end
    assert stretched[20] == pytest.approx(0.1 * lr_factor(30, 40, 4, "cosine"))  # half-way along what was left


def test_the_main_process_plan_is_the_one_every_process_follows():
    clock, _, history = budget_run("cosine", 30, (0.0, 0.0), broadcast=lambda planned: 12)
    assert len(history) == 12 and clock.now < 0.5 * BUDGET


def test_epochs_in_budget_rounds_to_the_nearest_epoch():
    assert [epochs_in_budget(s, 20.0) for s in (9.0, 11.0, 100.0, -5.0)] == [0, 1, 5, 0]
