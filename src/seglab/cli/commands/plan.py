"""`seglab plan`: the recipe `seglab train DATA` would follow, without training."""

from __future__ import annotations

import argparse
from pathlib import Path

from seglab import config as config_io
from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import add_recipe_options, add_training_options, build_config
from seglab.cli.planned import plan_from_flags
from seglab.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_options(parser)
    add_recipe_options(parser)
    parser.add_argument("--save-config", metavar="YAML",
                        help="also write the planned config, for `seglab train --config YAML` (e.g. with --nproc, or "
                        "to edit it first)")
    parser.add_argument("--json", metavar="FILE", help="also write the plan as JSON, as a planned run keeps it in "
                        "RUN/plan.json: every choice with its reason and the measured values it came from")


def run(args: argparse.Namespace) -> None:
    if args.config is not None:
        raise ConfigError("a --config file is a whole recipe: `seglab plan` plans from DATA and flags only")
    cfg, plan = plan_from_flags(args, build_config(args))
    print("\n".join(plan.explain()))
    if args.save_config:
        config_io.save(cfg, args.save_config)
        print(f"config written: {args.save_config} (seglab train --config {args.save_config})")
    if args.json:
        plan.save(Path(args.json))
        print(f"plan written: {args.json}")


COMMANDS.register("plan")(Command(
    help="print the recipe `seglab train DATA` would follow, from the data, this machine and a time budget",
    description="Measure DATA's training split (sizes, thinnest class, alignment), time a few training "
                "steps of each candidate network here, and choose resolution, patches, network, batch size, "
                "augmentation, learning rate and length for the time budget (--time-budget, default 15 min on a "
                "CPU). Flags you give are kept and marked. Trains nothing (docs/auto.md).",
    add_arguments=add_arguments,
    run=run,
))
