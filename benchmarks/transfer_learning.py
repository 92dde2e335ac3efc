"""Compare the core U-Net with ResNet-encoder U-Nets on real data under the same time budget.

Every model trains from scratch for the same wall-clock budget (`train.time_budget`: the epoch
count and the cosine schedule are fitted to it from a measured step). Prints a Markdown table per
dataset (val mIoU, per-class IoU, seconds per epoch, epochs done, parameters) and writes the raw
numbers as JSON. Not part of the test run.

    python benchmarks/transfer_learning.py --budget 240 --out /tmp/transfer
    python benchmarks/transfer_learning.py --epochs 15 --datasets brain-mri
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import torch

from seglab import config
from seglab.engine.experiment import train
from seglab.runs.checkpoint import load_checkpoint
from seglab.allocator import tune_allocator
from seglab.runtime import cpu_description

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DATASETS = {
    # name: (folder, overrides) -- sizes keep a CPU epoch short; blocks split for MRI slices
    "camvid": ("camvid", {"data.size": [96, 128], "train.batch_size": 8}),
    "brain-mri": ("brain-mri", {"data.split_mode": "blocks", "train.batch_size": 8}),
}
MODELS = {
    "unet": {},
    "unet_resnet18": {"encoder_weights": None},
    "unet_resnet34": {"encoder_weights": None},
}


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_one(dataset: str, model: str, budget: float | None, epochs: int, out: Path) -> dict:
    """Train one model; the budget is wall-clock seconds, or a fixed epoch count when None
    (fairer on a machine shared with other jobs, where wall-clock budgets buy unequal work)."""
    folder, overrides = DATASETS[dataset]
    cfg = config.load(overrides={
        "data.path": str(SHARED / folder), "model.name": model, "model.options": MODELS[model],
        "train.epochs": epochs, "train.time_budget": budget, "train.lr": 2e-3, "train.progress": False,
        **overrides,
    })
    started = time.perf_counter()
    result = train(cfg, out / f"{dataset}-{model}")
    wall = time.perf_counter() - started
    scores = result.best_scores
    checkpoint = load_checkpoint(result.run.best)
    params = sum(t.numel() for k, t in checkpoint.state_dict.items()
                 if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    return {
        "dataset": dataset, "model": model, "budget_seconds": budget, "epochs": len(result.history),
        "best_epoch": result.best_epoch,
        "val_miou": scores.mean_iou, "val_mdice": scores.mean_dice,
        "per_class_iou": scores.iou, "class_names": list(checkpoint.card.class_spec.names),
        "seconds_per_epoch": statistics.median(r["seconds"] for r in result.history),
        "wall_seconds": wall, "parameters": params,
    }


def markdown(rows: list[dict]) -> str:
    names = rows[0]["class_names"]
    head = "| model | params | s/epoch | epochs (best) | val mIoU | " + " | ".join(names) + " |"
    lines = [head, "|" + "---|" * (5 + len(names))]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['parameters'] / 1e6:.1f}M | {r['seconds_per_epoch']:.1f} "
            f"| {r['epochs']} ({r['best_epoch']}) "
            f"| {r['val_miou']:.3f} | " + " | ".join(f"{v:.3f}" for v in r["per_class_iou"]) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=None, help="training seconds per model")
    parser.add_argument("--epochs", type=int, default=500, help="epochs per model (the cap, with --budget)")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/seglab-transfer"))
    args = parser.parse_args()
    tune_allocator()
    print(f"machine: {cpu_description()}, {torch.get_num_threads()} threads; "
          f"torch {torch.__version__}; seglab commit {commit()}")
    results = []
    for dataset in args.datasets:
        rows = [run_one(dataset, model, args.budget, args.epochs, args.out) for model in args.models]
        results += rows
        budget = f"{args.budget:.0f} s" if args.budget else f"{args.epochs} epochs"
        print(f"\n### {dataset} ({budget} of training each, from scratch)\n\n{markdown(rows)}\n", flush=True)
    (args.out / "transfer.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
