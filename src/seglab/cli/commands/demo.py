"""`seglab demo`: generate data, train, evaluate and predict in one go (seglab.demo)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from seglab.cli.command import COMMANDS, Command
from seglab.cli.log_setup import log_to_file
from seglab.cli.options import add_device_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seglab.demo import DEMO_EPOCHS  # imports the whole library: only when the demo's flags are wanted

    parser.add_argument("--out", default="seglab-demo", help="folder for data, run and predictions")
    parser.add_argument("--epochs", type=int, default=DEMO_EPOCHS, metavar="N",
                        help=f"training epochs (default {DEMO_EPOCHS}, one-cycle schedule)")
    parser.add_argument("--samples", type=int, default=320, help="number of generated image/mask pairs")
    add_device_option(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> None:
    from seglab.demo import run_demo
    from seglab.runs.run_folder import RunFolder

    started = time.perf_counter()
    folder = Path(args.out) / "run"
    with RunFolder(folder).claim(overwrite=True), log_to_file(folder / "train.log"):
        result = run_demo(args.out, epochs=args.epochs, samples=args.samples, device=args.device,
                          progress=not args.no_progress)
    scores = result.evaluation.scores
    print(f"demo finished in {time.perf_counter() - started:.0f}s")
    print(f"  data:        {result.data}")
    print(f"  run folder:  {result.training.run.root}  (curves.png, history.csv, checkpoints/)")
    print(f"  evaluation:  {result.evaluation.out_dir}  test mIoU {scores.mean_iou:.3f}, "
          f"mDice {scores.mean_dice:.3f}, accuracy {scores.accuracy:.3f}")
    print(f"  predictions: {len(result.predictions)} masks + overlays in {args.out}/predictions")


COMMANDS.register("demo")(Command(
    help="generate data, train, evaluate and predict in one go",
    add_arguments=add_arguments,
    run=run,
))
