"""Does `--time-budget` hold when the machine gets busy? One `seglab train --time-budget` per case,
with a burst of competing busy processes at the start of the run, in its middle, or none.

The target (issue 28): a 10-minute budget with a 2-minute burst at its start or its middle ends in
9.5-10.5 minutes with the schedule completed (the learning rate at its final value, 1% of the
peak for cosine). Printed per case: the training's wall time (the `seglab train` process, data
reading and planning included), the seconds the epochs took (history.csv), the epochs run, the
last epoch's learning rate against the peak, and the slowest epoch (the burst's mark).

    python benchmarks/budget_burst.py                    # about 32 minutes on 2 cores
    python benchmarks/budget_burst.py --quick            # a minute: checks the script, numbers mean nothing
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch

from contention import competitors
from seglab.data import generate_synthetic
from seglab.runtime import cpu_description

LR = 3e-3


def burst_later(start: float, seconds: float, busy: int, stop: threading.Event) -> threading.Thread:
    """A thread that runs `busy` competitors from `start` seconds on, for `seconds`."""

    def run() -> None:
        if stop.wait(start):
            return
        with competitors(busy):
            stop.wait(seconds)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def train_with_burst(data: Path, out: Path, burst_at: float | None, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, "-m", "seglab", "train", str(data), "--out", str(out), "--overwrite", "--no-plan",
               "--model", "unet_small", "--batch-size", "8", "--lr", str(LR), "--schedule", "cosine",
               "--precision", "fp32", "--seed", "0", "--time-budget", f"{args.budget}s", "--no-progress"]
    stop = threading.Event()
    burster = burst_later(burst_at, args.burst, args.busy, stop) if burst_at is not None else None
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    stop.set()
    if burster is not None:
        burster.join()
    with open(out / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    seconds = [float(row["seconds"]) for row in rows]
    return {"wall": wall, "epochs_s": sum(seconds), "epochs": len(rows), "last_lr": float(rows[-1]["lr"]),
            "slowest": max(seconds), "median": statistics.median(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--burst", type=float, default=120.0, help="seconds of competing load (default 120)")
    parser.add_argument("--busy", type=int, default=2, help="competing busy processes (default 2: every core)")
    parser.add_argument("--cases", nargs="+", default=["start", "middle"], choices=["none", "start", "middle"])
    parser.add_argument("--samples", type=int, default=320, help="synthetic images (the demo's 320)")
    parser.add_argument("--size", type=int, default=96, help="image side (the demo's 96)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: checks that the script runs")
    args = parser.parse_args()
    if args.quick:
        args.budget, args.burst, args.samples, args.size = 20.0, 5.0, 24, 32
    starts = {"none": None, "start": 0.0, "middle": args.budget / 2 - args.burst / 2}
    print(f"machine: {cpu_description()}, {os.cpu_count()} CPUs, torch "
          f"{torch.__version__}; unet_small, {args.samples} images {args.size}x{args.size}, batch 8, fp32, cosine "
          f"lr {LR}; budget {args.budget:.0f}s; burst {args.burst:.0f}s of {args.busy} busy process(es)")
    print("| burst | wall s | wall / budget | epochs s | epochs | last lr / peak | median epoch s | slowest epoch s |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="seglab-budget-") as folder:
        data = generate_synthetic(Path(folder) / "data", num_samples=args.samples, size=(args.size, args.size), seed=0)
        for case in args.cases:
            burst_at = starts[case]
            result = train_with_burst(data, Path(folder) / f"run-{case}", burst_at, args)
            when = "none" if burst_at is None else f"{case} ({burst_at:.0f}-{burst_at + args.burst:.0f}s)"
            print(f"| {when} | {result['wall']:.0f} | {result['wall'] / args.budget:.3f} | {result['epochs_s']:.0f} | "
                  f"{result['epochs']:.0f} | {result['last_lr'] / LR:.3f} | {result['median']:.2f} | "
                  f"{result['slowest']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
