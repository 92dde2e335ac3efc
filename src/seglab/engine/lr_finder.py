"""The learning-rate range test (Smith 2015; fastai's `lr_find`): train with a rate that grows
exponentially from tiny to huge, watch the loss, and pick a rate inside its longest steady fall.

A fresh model is trained on the training split for a few dozen steps and thrown away; the run
that follows starts from new weights at the suggested rate.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from seglab.config import ExperimentConfig
from seglab.engine.builders import build_optimizer
from seglab.engine.distributed import shutdown
from seglab.engine.session import Session, build_session, seed_everything
from seglab.errors import ConfigError
from seglab.reports.plots import plot_lr_find, save_figure
from seglab.runs.run_folder import RunFolder

log = logging.getLogger(__name__)

_SMOOTHING = 0.9  # exponential moving average of the loss, as fastai's
_DIVERGED = 4.0  # stop once the smoothed loss is this many times its best


@dataclass(frozen=True)
class LrFinderResult:
    """What the range test saw.

    Args:
        lrs: the rate of each step.
        losses: the smoothed training loss after each step.
        suggested: fastai's "valley" pick: inside the longest steady fall of the smoothed loss.
        minimum: the rate at the smoothed loss's minimum; minimum / 10 is the other common pick.
    """

    lrs: tuple[float, ...]
    losses: tuple[float, ...]
    suggested: float
    minimum: float

    def to_dict(self) -> dict[str, Any]:
        return {"suggested": self.suggested, "minimum": self.minimum, "lrs": list(self.lrs),
                "losses": list(self.losses)}


def check_range(start: float, end: float, steps: int) -> None:
    """Raises ConfigError unless 0 < start < end and steps >= 5."""
    if not 0 < start < end or steps < 5:
        raise ConfigError(f"the learning-rate range must satisfy 0 < start < end with at least 5 steps; "
                          f"got {start:g}..{end:g} in {steps} steps")


def range_test(session: Session, start: float = 1e-7, end: float = 10.0, steps: int = 100) -> LrFinderResult:
    """Train `session`'s model on its training loader with a rate rising from `start` to `end`
    over `steps` steps (or until the loss diverges), with its loss, optimizer and precision.

    Raises:
        ConfigError: a bad range, or fewer than 5 steps before the loss diverged.
    """
    check_range(start, end, steps)
    model, precision = session.model.to(device=session.device), session.precision
    optimizer = build_optimizer(model, session.cfg.train)
    scales = [group["lr"] / optimizer.defaults["lr"] for group in optimizer.param_groups]  # encoder groups keep their ratio
    loss_fn = session.loss_fn  # build_session put it on the device
    model.train()
    lrs, losses = [], []
    average, best = 0.0, math.inf
    batches = _repeat(session.train_loader)  # small datasets repeat until the range is covered
    for step in range(steps):
        lr = start * (end / start) ** (step / (steps - 1))
        for group, scale in zip(optimizer.param_groups, scales):
            group["lr"] = lr * scale
        batch = next(batches)
        image, mask = session.feed(batch, training=True)
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            logits = model(image)
        loss = loss_fn(logits.float(), mask)
        value = float(loss.detach())
        if not math.isfinite(value):
            break
        loss.backward()
        optimizer.step()
        average = _SMOOTHING * average + (1 - _SMOOTHING) * value
        smoothed = average / (1 - _SMOOTHING ** (step + 1))  # bias-corrected, so early steps count fully
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if smoothed > _DIVERGED * best:
            break
    if len(lrs) < 5:
        raise ConfigError(f"the loss diverged after {len(lrs)} steps of the range test; start lower than {start:g}")
    suggested, minimum = suggest(lrs, losses)
    log.info("learning-rate range test: %d steps, %.2g..%.2g; valley pick %.2g, minimum at %.2g",
             len(lrs), lrs[0], lrs[-1], suggested, minimum)
    return LrFinderResult(tuple(lrs), tuple(losses), suggested, minimum)


def _repeat(loader: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The loader's batches over and over; unlike itertools.cycle it keeps no copy of them."""
    while True:
        yield from loader


def suggest(lrs: list[float], losses: list[float]) -> tuple[float, float]:
    """(fastai's "valley" pick, rate at the minimum) of a loss curve.

    The valley is the longest stretch over which the loss keeps falling (the longest decreasing
    subsequence); the pick lies half-way into its middle third, where the fall is steady and
    still far from the rates that blow up. More robust than the single steepest point, which
    noise can put anywhere.
    """
    values = np.asarray(losses)
    lowest = int(values.argmin())
    n = len(values)
    run = np.ones(n, dtype=int)  # length of the longest falling stretch ending at each step
    best_end = 0
    for i in range(1, n):
        earlier = run[:i][values[:i] > values[i]]
        if earlier.size:
            run[i] = earlier.max() + 1
        if run[i] > run[best_end]:
            best_end = i
    start = best_end - run[best_end] + 1
    third = (best_end - start) / 3
    return lrs[start + int(third) + int(third / 2)], lrs[lowest]


def write_lr_find(result: LrFinderResult, out: Path) -> None:
    """lr_find.json (rates, smoothed losses, picks) and lr_find.png in the folder `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "lr_find.json").write_text(json.dumps(result.to_dict(), indent=2))
    save_figure(plot_lr_find(result.lrs, result.losses, result.suggested), out / "lr_find.png")


def find_lr(cfg: ExperimentConfig, start: float = 1e-7, end: float = 10.0, steps: int = 100) -> LrFinderResult:
    """The learning-rate range test on `cfg`'s training split, model, loss and optimizer (see
    `lr_finder.range_test`); the model it trains is thrown away."""
    check_range(start, end, steps)
    seed_everything(cfg.train.seed)
    session = build_session(replace(cfg, train=replace(cfg.train, lr=start)))
    try:
        return range_test(session, start, end, steps)
    finally:
        shutdown(session.context)


def resolve_lr(cfg: ExperimentConfig, run: RunFolder) -> ExperimentConfig:
    """`--lr auto`: the range test's suggestion, recorded as lr_find.json/.png in the run folder."""
    if cfg.train.lr != "auto":
        return cfg
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # each process would test, and pick, on its own
        raise ConfigError("--lr auto does not run under distributed training: run `seglab lr-find` on one "
                          "process first and pass its suggestion as --lr")
    result = find_lr(cfg)
    write_lr_find(result, run.root)
    log.info("--lr auto: training at %.3g, the range test's pick (lr_find.png)",
             result.suggested)
    return replace(cfg, train=replace(cfg.train, lr=result.suggested))
