"""The thread tuner's decisions, driven by a fake machine whose step time depends on the thread
count and on whether another process is busy (deterministic: no real clock, no real threads)."""

from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from seglab import runtime_threads
from seglab.errors import ConfigError
from seglab.inference.predictor import Predictor, adapt_threads
from seglab.models import create_model
from seglab.runs.card import ModelCard
from seglab.runtime_threads import ThreadChange, ThreadTuner, thread_tuner


class FakeMachine:
    """Two cores: idle, 2 threads take 0.5 s a step and 1 thread 1 s; with one core busy, 2
    threads spin at every barrier (3 s) while 1 thread keeps its 1 s (issue 28's numbers' shape)."""

    def __init__(self) -> None:
        self.threads = 0
        self.busy = False
        self.applied: list[int] = []

    def apply(self, threads: int) -> None:
        self.threads = threads
        self.applied.append(threads)

    def step_seconds(self) -> float:
        if self.threads == 1:
            return 1.0
        return 3.0 if self.busy else 0.5


def run(tuner: ThreadTuner, machine: FakeMachine, steps: int) -> list[int]:
    """Threads in use at each step."""
    used = []
    for _ in range(steps):
        used.append(machine.threads)
        tuner.record(machine.step_seconds())
    return used


def tuner_on(machine: FakeMachine, **options) -> ThreadTuner:
    return ThreadTuner(2, apply=machine.apply, **options).start()


def test_an_idle_machine_keeps_a_thread_per_core():
    machine = FakeMachine()
    tuner = tuner_on(machine)
    used = run(tuner, machine, 400)
    assert tuner.current == 2 and tuner.changes == []
    assert used.count(1) / len(used) < 0.06  # losing probes of 1 thread cost little, and back off


def test_a_busy_core_moves_training_to_one_thread_within_a_few_steps(caplog):
    machine = FakeMachine()
    machine.busy = True
    with caplog.at_level(logging.INFO, logger="seglab.runtime_threads"):
        tuner = tuner_on(machine)
        used = run(tuner, machine, 400)
    assert tuner.changes[0].before == 2 and tuner.changes[0].after == 1
    assert used.index(1) == 3 and 2 not in used[5:30]  # 3 steps measured at 2 threads, 2 at 1 decide
    assert used.count(2) / len(used) < 0.04  # one step decides a losing probe, and probes back off
    assert "compute threads: 2 of 2 to start" in caplog.text and "compute threads: 2 -> 1" in caplog.text


def test_load_that_arrives_mid_run_is_noticed_by_the_jump_in_step_time():
    machine = FakeMachine()
    tuner = tuner_on(machine, probe_every=1000)  # no periodic probe comes to the rescue
    run(tuner, machine, 100)
    assert tuner.current == 2
    machine.busy = True
    used = run(tuner, machine, 30)
    assert tuner.current == 1 and used.index(1) <= 8


def test_load_that_leaves_gives_the_cores_back():
    machine = FakeMachine()
    machine.busy = True
    tuner = tuner_on(machine)
    run(tuner, machine, 300)
    assert tuner.current == 1
    machine.busy = False
    run(tuner, machine, 2000 + 10)  # at most the longest wait before 2 threads are tried again
    assert tuner.current == 2 and [c.after for c in tuner.changes][-1] == 2


def test_pinned_threads_are_applied_once_and_never_moved(caplog):
    machine = FakeMachine()
    machine.busy = True
    with caplog.at_level(logging.INFO, logger="seglab.runtime_threads"):
        tuner = ThreadTuner(2, pinned=2, apply=machine.apply).start()
        run(tuner, machine, 200)
    assert machine.applied == [2] and tuner.changes == []
    assert "compute threads: 2, fixed" in caplog.text
    with pytest.raises(ConfigError, match="threads must be >= 1"):
        ThreadTuner(2, pinned=0)


def test_ticks_time_work_between_them_and_a_pause_leaves_a_gap_out():
    now = [0.0]
    machine = FakeMachine()
    machine.busy = True
    tuner = ThreadTuner(2, apply=machine.apply, clock=lambda: now[0]).start()
    tuner.tick()  # the first tick only marks the start
    for _ in range(5):
        now[0] += machine.step_seconds()
        tuner.tick()
    # three steps of 3 s made the window; the probe of 1 thread began, two steps of 1 s decided it
    assert machine.threads == 1 and tuner.changes == [ThreadChange(2, 1, "1s against 3s per step")]
    tuner.pause()
    now[0] += 100.0  # validation: not a step
    tuner.tick()
    now[0] += 2.0
    tuner.tick(work=2.0)  # two units of work at 1 s each
    assert tuner._samples == [1.0]


def test_a_cpu_predictor_times_each_image_per_pixel():
    card = ModelCard(model="unet_small", options={"widths": [8, 16]}, in_channels=3, num_classes=2,
                     classes={"names": ["background", "thing"]}, mapping={}, size=None, mean=(0.5,) * 3,
                     std=(0.25,) * 3)
    predictor = adapt_threads(Predictor(create_model("unet_small", 3, 2, widths=[8, 16]), card, "cpu"))
    assert predictor.threads is not None and predictor.threads.adaptive
    ticks = itertools.count()  # every image takes one second of this clock
    predictor.threads.clock = lambda: float(next(ticks))
    for side in (32, 64, 32):
        predictor.predict(np.zeros((side, side, 3), dtype=np.uint8))
    assert predictor.threads._samples == pytest.approx([1 / 32**2, 1 / 64**2, 1 / 32**2])


def test_a_jump_at_one_thread_tries_no_more_threads():
    """More load makes more threads worse, never better: a jump probes only downward."""
    machine = FakeMachine()
    machine.busy = True
    tuner = tuner_on(machine, probe_every=10_000)
    run(tuner, machine, 20)
    assert tuner.current == 1
    applied = len(machine.applied)
    for seconds in [1.0] * 5 + [4.0] * 10:  # the machine gets busier still
        tuner.record(seconds)
    assert len(machine.applied) == applied  # no probe of 2 threads


@pytest.mark.parametrize("idle, first", [(2.0, 2), (1.1, 1), (0.2, 1), (None, 2)])
def test_cores_found_busy_before_the_first_step_start_it_lower(monkeypatch, idle, first):
    monkeypatch.setattr(runtime_threads, "idle_cores", lambda: idle)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    tuner = thread_tuner(None, 0, torch.device("cpu"), "training")
    assert tuner is not None and tuner.current == first and tuner.most == 2 and tuner.adaptive


def test_idle_cores_are_read_from_the_kernel_where_there_is_proc_stat():
    idle = runtime_threads.idle_cores(0.05)
    if not Path("/proc/stat").is_file():
        assert idle is None
    else:
        assert idle is not None and 0.0 <= idle <= len(os.sched_getaffinity(0)) + 1e-6


def test_a_start_below_the_cores_waits_for_the_periodic_try_of_more():
    machine = FakeMachine()
    machine.busy = True
    tuner = ThreadTuner(2, first=1, apply=machine.apply).start()
    used = run(tuner, machine, 60)
    assert used[:30] == [1] * 30 and 2 in used[30:40]  # busy cores were measured: no try before step 30
    assert tuner.current == 1


def test_a_costly_losing_try_waits_until_its_cost_is_a_small_share():
    """One step with 2 threads costing 40 steps with 1 (seen on the busy test machine) is tried
    again only after 40 / 2% = 2000 steps, not after the usual 60."""
    machine = FakeMachine()
    machine.busy = True
    machine.step_seconds = lambda: 1.0 if machine.threads == 1 else 41.0
    tuner = ThreadTuner(2, first=1, apply=machine.apply).start()
    used = run(tuner, machine, 2100)
    tries = [i for i, threads in enumerate(used) if threads == 2]
    assert len(tries) == 2 and tries[1] - tries[0] >= 2000
