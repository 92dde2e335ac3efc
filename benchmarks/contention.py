"""Training speed on a busy machine: a fixed small workload with 0, 1 and 2 competing busy processes,
for the default thread choice (adapting to the load) and for every fixed `--threads N`.

Each training is its own `seglab train` process (threads and OpenMP start fresh), on the demo's
synthetic data with `unet_small`. The competitors are plain Python busy loops this script starts
before and stops after each condition. Rounds are interleaved (every load and setting once per
round, the settings' order rotating) so that drift in the machine hits all alike. Printed per
load and setting: seconds per epoch (the epochs after the first: median over rounds, min-max),
the first epoch's extra cost over the later ones (its one-time costs), and the default's ratio to
the best fixed count under the same load (the target in issue 28: at most 1.15 with one busy process).

    python benchmarks/contention.py                 # about 20 minutes on 2 cores
    python benchmarks/contention.py --quick         # seconds: checks the script, numbers mean nothing
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import torch

from seglab.data import generate_synthetic
from seglab.runtime import cpu_description

BUSY_LOOP = "while True: pass"


@contextmanager
def competitors(count: int) -> Iterator[None]:
    """`count` busy processes for the duration of the block, stopped by their own handles."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(count)]
    try:
        time.sleep(0.5 if count else 0)  # let them reach their loop
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def train_epochs(data: Path, out: Path, threads: int | None, args: argparse.Namespace) -> list[float]:
    """Seconds of each epoch of one `seglab train` run."""
    command = [sys.executable, "-m", "seglab", "train", str(data), "--out", str(out), "--overwrite",
               "--model", "unet_small", "--epochs", str(args.epochs), "--batch-size", "8", "--lr", "3e-3",
               "--precision", "fp32", "--seed", "0", "--no-plan"]
    if threads is not None:
        command += ["--threads", str(threads)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out / "history.csv") as handle:
        return [float(row["seconds"]) for row in csv.DictReader(handle)]


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, nargs="+", default=[0, 1, 2], help="competing busy processes")
    parser.add_argument("--threads", type=int, nargs="+", default=None,
                        help="fixed thread counts to compare with the default (default: 1..cores)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--samples", type=int, default=320, help="synthetic images (the demo's 320)")
    parser.add_argument("--size", type=int, default=96, help="image side (the demo's 96)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: checks that the script runs")
    args = parser.parse_args()
    if args.quick:
        args.loads, args.rounds, args.epochs, args.samples, args.size = [0, 1], 1, 2, 24, 32
        args.threads = args.threads or [1]
    fixed = args.threads or list(range(1, (os.cpu_count() or 1) + 1))
    settings: list[int | None] = [None, *fixed]
    names = {setting: "default" if setting is None else f"--threads {setting}" for setting in settings}
    later: dict[tuple[int, int | None], list[float]] = {}
    extra: dict[tuple[int, int | None], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="seglab-contention-") as folder:
        data = generate_synthetic(Path(folder) / "data", num_samples=args.samples, size=(args.size, args.size), seed=0)
        for round_index in range(args.rounds):
            for load in args.loads:
                order = settings[round_index % len(settings):] + settings[:round_index % len(settings)]
                with competitors(load):
                    for setting in order:
                        seconds = train_epochs(data, Path(folder) / "run", setting, args)
                        rest = seconds[1:] or seconds
                        later.setdefault((load, setting), []).append(statistics.median(rest))
                        extra.setdefault((load, setting), []).append(seconds[0] - statistics.median(rest))
                        print(f"round {round_index + 1} load {load} {names[setting]}: "
                              + " ".join(f"{s:.2f}" for s in seconds), file=sys.stderr, flush=True)
    print(f"machine: {cpu_description()}, {os.cpu_count()} CPUs, torch "
          f"{torch.__version__}, Python {platform.python_version()}; unet_small, {args.samples} images "
          f"{args.size}x{args.size}, batch 8, fp32, {args.epochs} epochs x {args.rounds} rounds")
    print("| busy processes | threads | s per epoch (median, min-max) | first epoch extra s | default / best fixed |")
    print("|---|---|---|---|---|")
    for load in args.loads:
        best = min(statistics.median(later[(load, n)]) for n in fixed)
        for setting in settings:
            ratio = f"{statistics.median(later[(load, None)]) / best:.2f}" if setting is None else ""
            print(f"| {load} | {names[setting]} | {cell(later[(load, setting)])} | "
                  f"{statistics.median(extra[(load, setting)]):+.2f} | {ratio} |")


if __name__ == "__main__":
    main()
