"""A recipe that configures itself: the dataset's fingerprint, this machine's measured speed and
a time budget make a training plan (`seglab plan DATA`; `seglab train DATA` follows it).

The rules and the experiments behind them: docs/auto.md.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from seglab.config import ExperimentConfig
from seglab.data.classes import ClassSpec
from seglab.data.checking.fingerprint import Fingerprint, fingerprint
from seglab.data.layouts.discover import discover_data
from seglab.data.loading.prepare import split_dataset
from seglab.data.checking.stats import resolve_classes, scan
from seglab.planning.plan import FROM_PLAN, FROM_USER, Choice, Plan
from seglab.planning.rules import MODELS, default_budget, plan_recipe
from seglab.planning.speed import training_speed
from seglab.runtime import resolve_device, resolve_precision

log = logging.getLogger(__name__)


def make_plan(cfg: ExperimentConfig, given: dict[str, Any] | None = None) -> Plan:
    """Plan a run on `cfg`'s data (read with its data options, split with its seed) for its
    device and precision, within `cfg.train.time_budget` or the device's default budget.

    Args:
        cfg: the config the user's flags make, before planning.
        given: the dotted overrides the user gave; the plan keeps them and says so.

    Raises:
        DataError, ConfigError: as training would, for the same data and options.
    """
    started = time.perf_counter()
    given = dict(given or {})
    print_, classes, val_images = fingerprint_training_split(cfg)
    device = resolve_device(cfg.train.device)
    precision = resolve_precision(cfg.train.precision, device)
    names = [cfg.model.name] if "model.name" in given else [name for name, _ in MODELS]
    options = cfg.model.options if "model.name" in given else {}
    speeds = {name: training_speed(name, print_.channels, classes.num_classes, device, precision, cfg.train.seed,
                                   options) for name in names}
    if cfg.train.time_budget is not None:
        budget, reason = cfg.train.time_budget, "yours"
    else:
        budget, reason = default_budget(device.type)
    machine = {"device": str(device), "precision": precision.name, "speeds": {k: round(v) for k, v in speeds.items()}}
    plan = plan_recipe(print_, speeds, budget, reason, val_images, machine, given)
    log.info("planned in %.1f s", time.perf_counter() - started)
    return plan


def fingerprint_training_split(cfg: ExperimentConfig) -> tuple[Fingerprint, ClassSpec, int]:
    """The data a plan reads: the fingerprint of `cfg`'s training split (read with its data
    options, split with its seed), the dataset's classes, and the number of validation images.

    Raises:
        DataError, ConfigError: as training would, for the same data and options.
    """
    index = discover_data(cfg.data)
    splits = split_dataset(cfg.data, index.pairs, cfg.train.seed)
    stats = scan(index, splits["train"])
    classes = resolve_classes(index, stats)
    return fingerprint(index, splits["train"], stats, classes), classes, len(splits["val"])


__all__ = ["Choice", "FROM_PLAN", "FROM_USER", "Fingerprint", "Plan", "fingerprint_training_split", "make_plan"]
