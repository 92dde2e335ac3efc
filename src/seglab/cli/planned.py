"""Planning from the command line: `seglab plan` prints the plan, `seglab train` follows it."""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from seglab import config as config_io
from seglab.cli.options import build_config, user_overrides
from seglab.errors import ConfigError

if TYPE_CHECKING:
    from seglab.planning import Plan

log = logging.getLogger(__name__)

# `seglab train --nproc N` plans once in its launcher; the N processes read that plan from here
SHARED_PLAN_ENV = "SEGLAB_PLAN_FILE"


def planning(args: argparse.Namespace) -> bool:
    """Whether `seglab train` plans: --plan (the default), unless a --config file or --resume
    already fixes the recipe.

    Raises:
        ConfigError: torchrun started several processes without a shared plan: each would measure
            the machine and they might not agree.
    """
    if not args.plan or args.config is not None or args.resume is not None:
        return False
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and SHARED_PLAN_ENV not in os.environ:
        raise ConfigError("the processes torchrun started would each plan and might not agree: let seglab start "
                          "them (`seglab train DATA --nproc N` plans once for all), or save the plan with "
                          "`seglab plan DATA --save-config plan.yaml` and train with --config plan.yaml, "
                          "or pass --no-plan")
    return True


def plan_from_flags(args: argparse.Namespace, unplanned: config_io.ExperimentConfig
                    ) -> tuple[config_io.ExperimentConfig, Plan]:
    """The plan for the flags' data and budget (`unplanned`: the config the flags alone make),
    and the config it makes with the flags on top. A process of `--nproc N` takes its launcher's plan."""
    from seglab.planning import Plan, make_plan  # imports torch, which training is about to use

    given = user_overrides(args)
    given.pop("data.path", None)
    shared = os.environ.get(SHARED_PLAN_ENV)
    plan = Plan.load(shared) if shared else make_plan(unplanned, given)
    return build_config(args, plan.overrides()), plan


@contextmanager
def shared_plan(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    """Plan once in `seglab train --nproc N`'s launcher (on its own measured speed: one process's)
    and keep the plan while the block runs; yields the environment that hands it to the processes."""
    with tempfile.TemporaryDirectory(prefix="seglab-plan-") as folder:
        _, plan = plan_from_flags(args, build_config(args))
        path = Path(folder) / "plan.json"
        plan.save(path)
        log.info("planned once for all %d processes (speed measured in the launcher)", args.nproc)
        yield {SHARED_PLAN_ENV: str(path)}
