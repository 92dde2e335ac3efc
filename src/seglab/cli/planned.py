"""Planning from the command line: `seglab plan` prints the plan, `seglab train` follows it."""

from __future__ import annotations

import argparse
import os

from seglab import config as config_io
from seglab.cli.options import build_config, user_overrides
from seglab.errors import ConfigError
from seglab.planning import Plan


def planning(args: argparse.Namespace) -> bool:
    """Whether `seglab train` plans: --plan (the default), unless a --config file or --resume
    already fixes the recipe.

    Raises:
        ConfigError: planning with several processes, which would each measure and might differ.
    """
    if not args.plan or args.config is not None or args.resume is not None:
        return False
    if args.nproc > 1 or int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise ConfigError("several processes would each plan and might not agree: save the plan with `seglab plan "
                          "DATA --save-config plan.yaml` and train with --config plan.yaml, or pass --no-plan")
    return True


def plan_from_flags(args: argparse.Namespace, unplanned: config_io.ExperimentConfig
                    ) -> tuple[config_io.ExperimentConfig, Plan]:
    """The plan for the flags' data and budget (`unplanned`: the config the flags alone make),
    and the config it makes with the flags on top."""
    from seglab.planning import make_plan

    given = user_overrides(args)
    given.pop("data.path", None)
    plan = make_plan(unplanned, given)
    return build_config(args, plan.overrides()), plan
