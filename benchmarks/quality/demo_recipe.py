"""The demo's recipe against others on the demo's own data: test mIoU and training seconds per
training seed (`seglab demo` writes its data with seed 0 and scores the test split).

The recipe `seglab demo` trains (seglab/demo.py) came from this table; a 32-image test split and
runs whose shape classes are found late make single runs noisy, hence several seeds.

    python benchmarks/quality/demo_recipe.py                              # demo vs old, seeds 0-2: ~20 min
    python benchmarks/quality/demo_recipe.py --recipes demo --seeds 0     # one run
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from seglab import config
from seglab.data import generate_synthetic
from seglab.demo import DEMO_EPOCHS, DEMO_LR, DEMO_SCHEDULE, DEMO_SIZE
from seglab.engine.experiment import train
from seglab.runtime import cpu_description
from seglab.evaluation.scoring import evaluate_run

RECIPES = {
    "demo": {"train.epochs": DEMO_EPOCHS, "train.lr": DEMO_LR, "train.schedule": DEMO_SCHEDULE},
    "old": {"train.epochs": 40, "train.lr": 3e-3, "train.schedule": "cosine"},  # seglab demo until stop 36
    "cosine-short": {"train.epochs": 24, "train.lr": 3e-3, "train.schedule": "cosine"},
    "cosine-high": {"train.epochs": 24, "train.lr": DEMO_LR, "train.schedule": "cosine"},
}


def run(data: Path, out: Path, recipe: dict, seed: int) -> tuple[float, float]:
    """Test mIoU and training seconds of one run."""
    cfg = config.load(overrides={
        "data.path": str(data), "model.name": "unet_small", "train.batch_size": 8, "train.seed": seed,
        "train.device": "cpu", "train.progress": False, **recipe})
    started = time.perf_counter()
    train(cfg, out, overwrite=True)
    seconds = time.perf_counter() - started
    return evaluate_run(out, device="cpu", progress=False).scores.mean_iou, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["demo", "old"], choices=list(RECIPES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=320, help="generated pairs (the demo's 320)")
    args = parser.parse_args()
    print(f"machine: {cpu_description()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; unet_small, batch 8, {args.samples} images {DEMO_SIZE[0]}x{DEMO_SIZE[1]}")
    print("| recipe | epochs, schedule, peak lr | test mIoU per seed | median | training s per run |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="seglab-demo-recipe-") as folder:
        data = generate_synthetic(Path(folder) / "data", num_samples=args.samples, size=DEMO_SIZE, seed=0)
        for name in args.recipes:
            recipe = RECIPES[name]
            results = [run(data, Path(folder) / f"{name}-{seed}", recipe, seed) for seed in args.seeds]
            scores = " / ".join(f"{miou:.3f}" for miou, _ in results)
            seconds = "-".join(f"{s:.0f}" for s in (min(s for _, s in results), max(s for _, s in results)))
            print(f"| {name} | {recipe['train.epochs']}, {recipe['train.schedule']}, {recipe['train.lr']:g} | "
                  f"{scores} | {statistics.median(m for m, _ in results):.3f} | {seconds} |", flush=True)


if __name__ == "__main__":
    main()
