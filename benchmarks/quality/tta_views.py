"""Which flips should test-time augmentation average? A diagnostic for trained runs.

Scores a split of each RUN (every image at its original size, as `seglab evaluate`) three ways:
the image alone, the flips its training augmentation showed the model (`--tta`, whose default
is `--tta-flips trained`) and all four flips (`--tta --tta-flips all`), and prints Dice per
class and mean Dice of each, per run and averaged over the runs (e.g. the folds of a
cross-validation). Runs from before seglab recorded the training transforms in the model card
take them from the run's config.yaml. No training.

    python benchmarks/quality/tta_views.py /tmp/isbi-cv/fold0 /tmp/isbi-cv/fold1 --checkpoint last
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace
from pathlib import Path

import torch

import common
from seglab.data.loading.augment import PAD_LABEL, build_augment
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.inference.tta import trained_flips
from seglab.metrics import ConfusionMatrix, Scores
from seglab.runs.checkpoint import Checkpoint, load_checkpoint
from seglab.runs.run_folder import RunFolder

VIEWS = {"image alone": InferenceOptions(), "trained flips": InferenceOptions(tta=True),
         "all four flips": InferenceOptions(tta=True, tta_flips="all")}


def load(path: Path, checkpoint: str) -> Checkpoint:
    """The run's checkpoint; a card without `augment_transforms` gets them from the run's config."""
    run = RunFolder.open(path)
    saved = load_checkpoint(run.best if checkpoint == "best" else run.last)
    if saved.card.augment_transforms is not None:
        return saved
    data = run.read_config().data
    augment = build_augment(data.augment, data.augment_options, PAD_LABEL)
    return replace(saved, card=replace(saved.card, augment_transforms=tuple(augment.names()) if augment else ()))


def score(path: Path, split: str, saved: Checkpoint, options: InferenceOptions) -> Scores:
    predictor = Predictor(saved.load_model(), saved.card, options=options)
    confusion = ConfusionMatrix(predictor.classes.num_classes, predictor.classes.ignore_index)
    for image, mask in common.labelled_images(path, split):
        confusion.update(torch.from_numpy(predictor.predict(image).mask), torch.from_numpy(mask))
    return confusion.compute()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="run folders written by `seglab train`")
    parser.add_argument("--split", default="val", help="the runs' split to predict (default: %(default)s)")
    parser.add_argument("--checkpoint", default="last", choices=common.CHECKPOINTS,
                        help="weights to use (default: %(default)s)")
    args = parser.parse_args()
    common.tune_allocator()

    names: tuple[str, ...] = ()
    mean_dice: dict[str, list[float]] = {view: [] for view in VIEWS}
    rows = []
    for path in args.runs:
        saved = load(path, args.checkpoint)
        names, flips = saved.card.class_spec.names, trained_flips(saved.card.augment_transforms or ())
        for view, options in VIEWS.items():
            scores = score(path, args.split, saved, options)
            mean_dice[view].append(scores.mean_dice)
            shown = f"trained flips ({len(flips)} views)" if view == "trained flips" else view
            rows.append([str(path), shown, *map(common.number, scores.dice), common.number(scores.mean_dice)])
    for view, values in mean_dice.items():
        rows.append([f"**mean of {len(args.runs)}**", view, *[""] * len(names), common.number(statistics.mean(values))])
    print(f"{args.split} split, {args.checkpoint} weights\n")
    print(common.table(["run", "views", *(f"Dice {name}" for name in names), "mean Dice"], rows))


if __name__ == "__main__":
    main()
