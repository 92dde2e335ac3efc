"""A dataset the planner has never seen: the planned recipe against seglab's hand recipes, each
trained for the same time budget on the same split (issue 32: within 0.02 mIoU of the best).

The hand recipes are the ones found by hand for the shared datasets, applied as they are:
- `defaults`: the fixed defaults of `seglab train --no-plan` (unet, native size, no augmentation);
- `isbi`: unet_small on 128x128 crops, one per 128x128 of image and epoch, 16 per step, light
  augmentation, lr 3e-3 (the ISBI 2012 recipe);
- `brain_mri`: unet_mri on whole images at native size, 8 per step, no augmentation, lr 3e-3;
- `camvid`: unet on whole images at a quarter of the median side, 8 per step, light augmentation,
  lr 2e-3 (CamVid trained at 96x128 of 360x480).
Every run ends on `--time-budget` (cosine schedule for the hand recipes, the plan's own for the
planned one). Each is scored on the val split at the images' original size; the verdict uses
the last weights (the best-epoch ones are chosen on the val split itself, so optimistic).
Not part of the test run.

    python benchmarks/quality/unseen.py --data ~/data/retina --time-budget 10m --out /tmp/unseen-retina
    python benchmarks/quality/unseen.py --data ~/data/pets --time-budget 10m --recipes isbi camvid
    python benchmarks/quality/unseen.py --data seglab-demo/data --time-budget 20s --workers 0   # smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import common

MARGIN = 0.02  # the target: the planned run within 0.02 mIoU of the best hand recipe
PATCH = 128
HAND_RECIPES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "isbi": {"model.name": "unet_small", "data.patch_size": (PATCH, PATCH), "train.batch_size": 16,
             "data.augment": "light", "train.lr": 3e-3},
    "brain_mri": {"model.name": "unet_mri", "train.batch_size": 8, "data.augment": "none", "train.lr": 3e-3},
    "camvid": {"model.name": "unet", "train.batch_size": 8, "data.augment": "light", "train.lr": 2e-3},
}


def hand_values(name: str, median_size: list[int]) -> dict[str, Any]:
    """The recipe's overrides for a dataset whose median image is `median_size` (H, W)."""
    values = dict(HAND_RECIPES[name])
    if name == "isbi":
        values["data.samples_per_image"] = max(1, round(median_size[0] * median_size[1] / PATCH**2))
    if name == "camvid":
        values["data.size"] = (max(32, round(median_size[0] / 4)), max(32, round(median_size[1] / 4)))
    return values


def main() -> None:
    parser = common.recipe_parser(__doc__, "unseen", samples_per_image=None)
    parser.add_argument("--recipes", nargs="+", choices=list(HAND_RECIPES), default=list(HAND_RECIPES),
                        help="hand recipes to train beside the planned one (default: all)")
    args = common.start(parser)
    if args.time_budget is None or not args.data.is_dir():
        parser.error("give the dataset (--data FOLDER) and --time-budget: every recipe trains for the same time")
    env = common.environment(args)
    started = time.perf_counter()
    planned_args = argparse.Namespace(**{**vars(args), "plan": True})
    runs = {"planned": common.train_and_score(common.overrides(planned_args), args.out / "planned", planned_args)}
    median_size = json.loads((args.out / "planned" / "plan.json").read_text())["fingerprint"]["median_size"]
    hand_args = argparse.Namespace(**{**vars(args), "plan": False})
    for name in args.recipes:
        flags = {key: value for key, value in common.overrides(hand_args).items() if value is not None}
        values = {**flags, **hand_values(name, median_size), **dict(args.set)}
        runs[name] = common.train_and_score(values, args.out / name, hand_args)
    total = time.perf_counter() - started

    def last(name: str) -> float:
        return runs[name].scores["last"].mean_iou

    best_hand = max(args.recipes, key=lambda name: -math.inf if math.isnan(last(name)) else last(name))
    rows = [[name, runs[name].train_size, str(runs[name].epochs), common.number(runs[name].scores["best"].mean_iou),
             common.number(last(name)), common.number(last(name) - last(best_hand))] for name in runs]
    gap = last("planned") - last(best_hand)
    met = "met" if gap >= -MARGIN else "NOT met"
    markdown = "\n\n".join([
        f"### {args.data.name}: the planned recipe against the hand recipes, {args.time_budget / 60:g} min each",
        common.run_facts(env, list(runs.values()), total),
        common.table(["recipe", "trained at", "epochs", "val mIoU, best", "val mIoU, last", "last - best hand"], rows),
        f"- planned {common.number(last('planned'))} against the best hand recipe ({best_hand}) "
        f"{common.number(last(best_hand))}: {gap:+.3f} (target within {MARGIN}: {met})",
    ])
    common.report(args.out, "unseen", markdown, {**env, "wall_seconds": total, "margin": MARGIN,
                                                 "runs": {name: run.to_dict() for name, run in runs.items()}})


if __name__ == "__main__":
    main()
