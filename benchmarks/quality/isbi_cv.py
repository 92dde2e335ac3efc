"""ISBI 2012 membranes: K-fold cross-validation over the 30 labelled slices (`--folds 5`).

Each fold trains on the other slices and is scored on its held-out slices at their original
512x512 size: Dice for membrane and cell, their mean, mIoU and pixel error (1 - pixel
accuracy), per fold and averaged over the folds. The headline uses each fold's last weights:
the best-epoch checkpoint is chosen on the held-out fold itself, so its scores (also shown)
are optimistic. Target: mean Dice >= 0.89. Not part of the test run.

The default recipe is the best one found on a 2-core CPU (docs/results.md): unet_small on
128x128 patches of the native slices, 16 per slice and epoch and 16 per batch, light
augmentation, 40 epochs.

    python benchmarks/quality/isbi_cv.py --out /tmp/isbi-cv
    python benchmarks/quality/isbi_cv.py --only 1 2 --loss ce   # an ablation on two of the five folds
    python benchmarks/quality/isbi_cv.py --seeds 2   # each fold scored by an ensemble of two seeds
    python benchmarks/quality/isbi_cv.py --epochs 1 --size 64 --patch-size 64 --folds 2   # smoke run
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import common
from seglab.evaluation.scoring import evaluate_run
from seglab.inference.predictor import InferenceOptions
from seglab.metrics import Scores

TARGET_MEAN_DICE = 0.89


def main() -> None:
    parser = common.recipe_parser(__doc__, "isbi2012", epochs=40, model="unet_small", batch_size=16, lr=3e-3,
                                  augment="light", loss="ce_dice", patch_size=(128, 128), samples_per_image=16)
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: %(default)s)")
    parser.add_argument("--only", type=int, nargs="+", metavar="K",
                        help="train and score only these folds (for quick ablations; the mean is then over them)")
    parser.add_argument("--seeds", type=int, default=1, metavar="N",
                        help="train each fold with N seeds (from --seed on) on the same split and score the "
                        "ensemble of their last weights (`seglab evaluate --ensemble`; default: %(default)s)")
    args = common.start(parser)
    env = common.environment(args)
    started = time.perf_counter()
    runs, ensembles = [], []
    for fold in args.only or range(args.folds):
        run = common.train_and_score(common.overrides(args, **{"data.folds": args.folds, "data.fold": fold}),
                                     args.out / f"fold{fold}", args)
        runs.append(run)
        if args.seeds > 1:
            ensembles.append(score_seed_ensemble(run.run, fold, args))
    total = time.perf_counter() - started

    names = runs[0].class_names

    def columns(scores: Scores) -> dict[str, float]:
        dice = {f"Dice {name}": value for name, value in zip(names, scores.dice)}
        return {**dice, "mean Dice": scores.mean_dice, "mIoU": scores.mean_iou, "pixel error": 1 - scores.accuracy}

    def averaged(per_fold: list[Scores]) -> dict[str, float]:
        rows = [columns(scores) for scores in per_fold]
        return {key: statistics.mean(row[key] for row in rows) for key in rows[0]}

    seed_runs = [run.scores["last"] for run in runs]
    headline = ensembles or seed_runs  # each fold's ensemble when there is one, else its single run
    last, best = averaged(headline), averaged([run.scores["best"] for run in runs])
    folds = args.only or list(range(args.folds))
    rows = [[str(k), *map(common.number, columns(scores).values()), str(run.epochs),
             f"{run.wall_seconds / 60:.1f}"] for k, run, scores in zip(folds, runs, headline)]
    rows.append([f"**mean of {len(folds)}**", *map(common.number, last.values()), "", f"{total / 60:.1f}"])
    best_note = (f"Best-epoch weights, chosen on the held-out fold itself (optimistic): mean Dice "
                 f"{common.number(best['mean Dice'])}, mIoU {common.number(best['mIoU'])}")
    paragraphs = [
        f"### ISBI 2012, {args.folds}-fold cross-validation ({args.model or 'the planned recipe'}, last weights of each fold"
        + (f", ensemble of {args.seeds} seeds" if ensembles else "")
        + (f"; folds {', '.join(map(str, folds))} only)" if args.only else ")"),
        common.run_facts(env, runs, total),
        common.table(["fold", *last, "epochs", "wall min"], rows),
        common.verdict("mean Dice over the folds (last weights)", last["mean Dice"], TARGET_MEAN_DICE),
    ]
    if ensembles:
        paragraphs += [
            f"{best_note} (seed {args.seed} alone); seed {args.seed} alone, last weights: mean Dice "
            f"{common.number(averaged(seed_runs)['mean Dice'])}.",
            "The wall times of the ensemble's other seeds are not in the table's per-fold column.",
        ]
    else:
        paragraphs.append(f"{best_note}.")
    markdown = "\n\n".join(paragraphs)
    common.report(args.out, "isbi_cv", markdown, {
        **env, "folds": args.folds, "scored_folds": folds, "wall_seconds": total, "target_mean_dice": TARGET_MEAN_DICE,
        "mean_last": last, "mean_best": best, "runs": [r.to_dict() for r in runs],
        "seeds": args.seeds, "ensembles": [scores.to_dict(names) for scores in ensembles],
    })


def score_seed_ensemble(first: Path, fold: int, args: argparse.Namespace) -> Scores:
    """Train seeds 1..N-1 of a fold on the split of its seed-0 run (`first`) and score the
    ensemble of all N last weights on the held-out slices."""
    others = []
    for offset in range(1, args.seeds):
        seed = args.seed + offset
        values = common.overrides(args, **{"data.split_file": str(first / "splits.json"), "data.folds": None,
                                           "data.fold": 0, "train.seed": seed})
        others.append(common.train_and_score(values, args.out / f"fold{fold}-seed{seed}", args).run)
    return evaluate_run(first, split="val", out=first / "eval" / f"val-ensemble{args.seeds}", device=args.device,
                        checkpoint="last", options=InferenceOptions(tta=args.tta), ensemble=others).scores


if __name__ == "__main__":
    main()
