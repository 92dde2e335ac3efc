"""`seglab sanity`: check that a model can overfit one batch (a quick test of data, model and loss)."""

from __future__ import annotations

import argparse

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import add_training_options, build_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_options(parser)
    parser.add_argument("--steps", type=int, default=300, help="maximum optimisation steps")
    parser.add_argument("--target", type=float, default=0.9, help="batch mIoU needed to pass")


def run(args: argparse.Namespace) -> None:
    from seglab.engine.sanity import sanity_check

    result = sanity_check(build_config(args), steps=args.steps, target=args.target)
    verdict = "PASS" if result.passed else "FAIL"
    print(f"sanity {verdict}: batch mIoU {result.miou:.3f} (target {result.target}) after {result.steps} steps; "
          f"loss {result.first_loss:.4f} -> {result.last_loss:.4f}")
    if not result.passed:
        raise SystemExit(1)


COMMANDS.register("sanity")(Command(
    help="check that a model can overfit one batch of DATA",
    add_arguments=add_arguments,
    run=run,
))
