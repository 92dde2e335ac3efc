"""Shared by the quality benchmarks: the recipe flags, one training run scored on its val split
at the images' original size, and a report that states what a number needs to be trusted
(command, sizes, epochs, wall time, device, commit).

The scripts import it as `common` (Python puts the script's folder first on the path).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seglab import config
from seglab.cli import parse_assignment, parse_duration, parse_size
from seglab.data import read_image, read_mask
from seglab.engine.experiment import train
from seglab.runtime import cpu_description
from seglab.evaluation.scoring import evaluate_run, pairs_to_evaluate
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.metrics import Scores
from seglab.planning import make_plan
from seglab.runs.checkpoint import load_checkpoint
from seglab.runs.run_folder import RunFolder
from seglab.allocator import tune_allocator

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CHECKPOINTS = ("best", "last")
# the recipe flags: with --plan, only those given on the command line are kept
RECIPE_KEYS = ("epochs", "size", "model", "batch_size", "lr", "augment", "patch_size", "samples_per_image", "loss")


def recipe_parser(doc: str, dataset: str, **recipe: Any) -> argparse.ArgumentParser:
    """The flags every quality benchmark takes, with `recipe` as the script's defaults."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / dataset, help="dataset folder (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/seglab-quality") / dataset,
                        help="folder for the run folders and the results (default: %(default)s)")
    parser.add_argument("--epochs", type=int, help="training epochs (default: %(default)s)")
    parser.add_argument("--size", type=parse_size, metavar="S|HxW",
                        help="training size, e.g. 256 or 360x480 (default: %(default)s, i.e. native); "
                        "scores are always taken at the original size")
    parser.add_argument("--model", help="a model of `seglab models` (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, help="images per step (default: %(default)s)")
    parser.add_argument("--lr", type=float, help="peak learning rate (default: %(default)s)")
    parser.add_argument("--augment", help="none | light | strong (default: %(default)s)")
    parser.add_argument("--patch-size", type=parse_size, metavar="S|HxW",
                        help="train on random crops of this size (default: %(default)s, i.e. whole images)")
    parser.add_argument("--samples-per-image", type=int,
                        help="random training patches of each image per epoch (default: %(default)s)")
    parser.add_argument("--loss", help="a loss of `seglab train --loss` (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="split and training seed (default: %(default)s)")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1),
                        help="DataLoader workers (default: %(default)s)")
    parser.add_argument("--tta", action="store_true",
                        help="score with flip test-time augmentation (`seglab evaluate --tta`: 4 passes per image)")
    parser.add_argument("--set", action="append", type=parse_assignment, default=[], metavar="SECTION.KEY=VALUE",
                        help="any other config value, as `seglab train --set` (repeatable)")
    parser.add_argument("--plan", action="store_true",
                        help="let seglab's planner choose the recipe (as `seglab train DATA` does), keeping only "
                        "the recipe flags given on the command line; the plan is kept as RUN/plan.json")
    parser.add_argument("--time-budget", type=parse_duration, metavar="10m",
                        help="training time per run: the planner sizes the recipe to it, the run ends on it")
    parser.set_defaults(**{"size": None, "patch_size": None, "samples_per_image": 1, **recipe})
    return parser


def start(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the flags, show seglab's progress log on stderr, and set up CPU training as `seglab` does."""
    args = parser.parse_args()
    if args.plan:  # the script's recipe defaults give way to the plan
        parser.set_defaults(**{key: None for key in RECIPE_KEYS})
        args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    tune_allocator()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def overrides(args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    """Config overrides from the recipe flags; `extra` (a split, a fold) and then --set win."""
    return {
        "data.path": str(args.data), "data.size": args.size, "data.augment": args.augment,
        "data.patch_size": args.patch_size, "data.samples_per_image": args.samples_per_image,
        "data.num_workers": args.workers, "model.name": args.model,
        "loss.name": args.loss, "train.epochs": args.epochs, "train.batch_size": args.batch_size,
        "train.lr": args.lr, "train.seed": args.seed, "train.device": args.device, "train.progress": False,
        "train.time_budget": args.time_budget, **extra, **dict(args.set),
    }


@dataclass(frozen=True)
class ScoredRun:
    """A trained run and its val-split scores at original size, for its best and last weights."""

    run: Path
    class_names: tuple[str, ...]
    epochs: int  # epochs completed (early stopping may end a run sooner)
    best_epoch: int
    seconds_per_epoch: float
    wall_seconds: float  # data preparation, training and scoring
    train_size: str  # "HxW", or "native size"
    original_sizes: tuple[str, ...]  # of the scored images, "HxW"
    scores: dict[str, Scores]  # "best", "last"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": str(self.run), "epochs": self.epochs, "best_epoch": self.best_epoch,
            "seconds_per_epoch": self.seconds_per_epoch, "wall_seconds": self.wall_seconds,
            "train_size": self.train_size, "original_sizes": list(self.original_sizes),
            "val": {name: scores.to_dict(self.class_names) for name, scores in self.scores.items()},
        }


def class_diagnostic_parser(doc: str, class_help: str) -> argparse.ArgumentParser:
    """The arguments of a no-training diagnostic of one class of one run: RUN, --class, --split,
    --checkpoint; the script adds its own."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a run folder written by `seglab train`")
    parser.add_argument("--class", dest="class_name", required=True, help=class_help)
    parser.add_argument("--split", default="val", help="the run's split to predict (default: %(default)s)")
    parser.add_argument("--checkpoint", default="last", choices=CHECKPOINTS, help="weights to use (default: %(default)s)")
    return parser


def class_predictor(args: argparse.Namespace) -> tuple[Predictor, int]:
    """The run's predictor (on the CPU) and the index of `--class` among its classes."""
    predictor = Predictor.from_run(args.run, device="cpu", checkpoint=args.checkpoint)
    names = predictor.classes.names
    if args.class_name not in names:
        raise SystemExit(f"unknown class '{args.class_name}'; the run's classes: {', '.join(names)}")
    return predictor, names.index(args.class_name)


def labelled_images(run: Path, split: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(image, true class mask) of every pair in a run's split, as `seglab evaluate` reads them."""
    pairs, _, mapping = pairs_to_evaluate(RunFolder.open(run), None, split)
    for pair in pairs:
        yield read_image(pair.image), read_mask(pair.mask, mapping)


def train_and_score(values: dict[str, Any], out: Path, args: argparse.Namespace) -> ScoredRun:
    """Train one run and score its val split with `seglab evaluate`'s code: every image
    predicted and compared at its original size, the best and the last checkpoint."""
    started = time.perf_counter()
    plan = None
    if args.plan:
        given = {key: value for key, value in values.items() if value is not None}
        plan = make_plan(config.load(overrides=given), given)
        print("\n".join(plan.explain()), file=sys.stderr)
        values = {**plan.overrides(), **given}
    result = train(config.load(overrides=values), out)
    if plan is not None:
        plan.save(out / "plan.json")
    options = InferenceOptions(tta=args.tta)
    scores = {
        name: evaluate_run(out, split="val", out=out / "eval" / f"val-{name}", device=args.device, checkpoint=name,
                           options=options).scores
        for name in CHECKPOINTS
    }
    wall = time.perf_counter() - started
    run = RunFolder.open(out)
    size = run.read_config().data.size
    pairs, _, _ = pairs_to_evaluate(run, None, "val")
    originals = sorted({"x".join(map(str, read_image(pair.image).shape[:2])) for pair in pairs})
    return ScoredRun(
        run=out,
        class_names=load_checkpoint(run.best).card.class_spec.names,
        epochs=len(result.history),
        best_epoch=result.best_epoch,
        seconds_per_epoch=statistics.median(row["seconds"] for row in result.history),
        wall_seconds=wall,
        train_size=f"{size[0]}x{size[1]}" if size else "native size",
        original_sizes=tuple(originals),
        scores=scores,
    )


def number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def class_table(run: ScoredRun, metrics: dict[str, str]) -> str:
    """Per-class scores of the best and the last weights side by side, then their macro means.

    Args:
        metrics: column label -> `Scores` field, e.g. {"Dice": "dice", "IoU": "iou"}.
    """
    epochs = {"best": run.best_epoch, "last": run.epochs}
    header = ["class", *(f"{label}, {name} (epoch {epochs[name]})" for name in CHECKPOINTS for label in metrics)]
    rows = [[class_name, *(number(getattr(run.scores[name], field)[k]) for name in CHECKPOINTS
                           for field in metrics.values())]
            for k, class_name in enumerate(run.class_names)]
    rows.append(["**mean**", *(number(getattr(run.scores[name], f"mean_{field}")) for name in CHECKPOINTS
                               for field in metrics.values())])
    return table(header, rows)


def verdict(what: str, value: float, target: float) -> str:
    met = "met" if value >= target else "NOT met"
    return f"{what}: {number(value)} (target >= {target:.2f}: {met})"


def environment(args: argparse.Namespace) -> dict[str, Any]:
    """What a reader needs to repeat or compare a result: command, machine, versions, commit."""
    cuda = torch.cuda.is_available() and args.device != "cpu"
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                                check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "device": torch.cuda.get_device_name() if cuda else f"CPU {cpu_description()}, "
                                                             f"{torch.get_num_threads()} threads",
        "torch": torch.__version__,
        "seglab_commit": commit,
        "recipe": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
    }


def run_facts(env: dict[str, Any], runs: list[ScoredRun], total_seconds: float) -> str:
    """The lines above every results table: command, sizes, epochs, wall time, device."""
    sizes = sorted({size for run in runs for size in run.original_sizes})
    epochs = ", ".join(f"{run.epochs} (best {run.best_epoch})" for run in runs)
    return "\n".join([
        f"- command: `{env['command']}`",
        f"- resolution: trained at {runs[0].train_size}; scored at the original size ({', '.join(sizes)}), "
        f"{InferenceOptions(tta=env['recipe']['tta']).describe()}",
        f"- epochs run (best epoch by val mIoU): {epochs}",
        f"- wall time: {total_seconds / 60:.1f} min in all; {statistics.median(r.seconds_per_epoch for r in runs):.1f} "
        "s per epoch (median)",
        f"- device: {env['device']}; torch {env['torch']}; seglab commit {env['seglab_commit']}",
    ])


def report(out: Path, name: str, markdown: str, payload: dict[str, Any]) -> None:
    """Print the Markdown and keep it, with the raw numbers as JSON, in `out`."""
    print(markdown, flush=True)
    (out / f"{name}.md").write_text(markdown + "\n")
    (out / f"{name}.json").write_text(json.dumps(payload, indent=2))
    print(f"\nwritten: {out / f'{name}.md'}, {out / f'{name}.json'}", file=sys.stderr)
