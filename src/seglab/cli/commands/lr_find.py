"""`seglab lr-find`: the learning-rate range test on a dataset's training split."""

from __future__ import annotations

import argparse
from pathlib import Path

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import add_training_options, build_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_options(parser)
    parser.add_argument("--start-lr", type=float, default=1e-7, metavar="LR", help="first rate (default 1e-7)")
    parser.add_argument("--end-lr", type=float, default=10.0, metavar="LR", help="last rate (default 10)")
    parser.add_argument("--steps", type=int, default=100, metavar="N", help="optimisation steps (default 100)")
    parser.add_argument("--out", default="runs/lr-find", metavar="FOLDER",
                        help="folder for lr_find.png and lr_find.json (default runs/lr-find)")


def run(args: argparse.Namespace) -> None:
    from seglab.engine.lr_finder import find_lr, write_lr_find

    result = find_lr(build_config(args), start=args.start_lr, end=args.end_lr, steps=args.steps)
    write_lr_find(result, Path(args.out))
    print(f"suggested learning rate: {result.suggested:.3g} (inside the longest steady fall of the loss); the loss is lowest at "
          f"{result.minimum:.3g}, and {result.minimum / 10:.3g} is the cautious pick")
    print(f"written: {args.out}/lr_find.png, lr_find.json; train with --lr {result.suggested:.3g} (or --lr auto)")


COMMANDS.register("lr-find")(Command(
    help="find a learning rate: the range test on DATA's training split",
    description="Train a fresh model for --steps steps with a learning rate rising "
                "exponentially from --start-lr to --end-lr (stopping when the loss diverges), plot "
                "the smoothed loss against the rate and suggest the rate where it falls fastest. "
                "The training options (model, loss, optimizer, batch size, size) are train's.",
    add_arguments=add_arguments,
    run=run,
))
