"""Seconds a planned `seglab train` spends reading its data before the first step: the planner's
scan and fingerprint of the training split, then training's own data preparation (the audit of
every split and the normalisation fitted on train), each timed in one process as `seglab train`
runs them. Files are decoded once per process (`seglab.data.checking.stats`); the second column shows
what is left.

    python benchmarks/data_startup.py                       # the shared datasets
    python benchmarks/data_startup.py --data ~/data/pets    # any folder seglab reads
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import torch

from seglab import config
from seglab.data.loading.prepare import prepare_data
from seglab.planning import fingerprint_training_split
from seglab.runtime import cpu_description

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def startup_seconds(folder: Path) -> tuple[float, float]:
    """(the planner's reading, prepare_data) in seconds, in this order in one process."""
    cfg = config.load(overrides={"data.path": str(folder)})
    started = time.perf_counter()
    fingerprint_training_split(cfg)
    planned = time.perf_counter()
    prepare_data(cfg.data, cfg.train.seed)
    return planned - started, time.perf_counter() - planned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, nargs="+",
                        default=[SHARED / name for name in ("camvid", "isbi2012", "brain-mri")],
                        help="dataset folders (default: the shared datasets)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"{cpu_description()}, torch {torch.__version__}\n")
    print("| dataset | planner: scan + fingerprint (s) | prepare_data: audit + normalisation (s) | total (s) |")
    print("|---|---|---|---|")
    for folder in args.data:
        plan, prepare = startup_seconds(folder)
        print(f"| {folder.name} | {plan:.1f} | {prepare:.1f} | {plan + prepare:.1f} |")


if __name__ == "__main__":
    main()
