"""Per-class score tables in Markdown, with the averaging convention stated."""

from __future__ import annotations

import math

from seglab.data import ClassSpec
from seglab.metrics import Scores


def _cell(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4f}"


def averaging_note(classes: ClassSpec) -> str:
    """The sentence every report carries, so nobody has to guess what 'mean' means."""
    ignored = (
        f" Pixels labelled {classes.ignore_index} (ignore) are excluded everywhere."
        if classes.ignore_index is not None
        else ""
    )
    background = [n for n in classes.names if "background" in n.lower()]
    included = f", {' and '.join(background)} included" if background else ""
    return (
        f"Means are macro averages over all {classes.num_classes} classes ({', '.join(classes.names)}){included}; "
        "a class absent from both truth and prediction (n/a) is left out of "
        f"the mean. Accuracy per class is recall; overall accuracy counts every pixel.{ignored}"
    )


def never_predicted(scores: Scores, classes: ClassSpec) -> str | None:
    """A warning naming the classes present in the truth that the model never predicts (a run
    that calls every pixel one class scores a fine accuracy and is useless), or None."""
    missing = [
        f"{name} ({support:,} true pixels)"
        for name, precision, support in zip(classes.names, scores.precision, scores.support)
        if math.isnan(precision) and support > 0
    ]
    if not missing:
        return None
    return (
        f"never predicted: {', '.join(missing)}; the model labels those pixels as other classes. Train longer "
        "or at a higher resolution, try --class-weights auto or --loss dice, or check the masks with seglab inspect"
    )


def scores_markdown(scores: Scores, classes: ClassSpec) -> str:
    """A Markdown table: one row per class, then the means."""
    lines = [
        "| class | IoU | Dice | precision | recall (accuracy) | pixels |",
        "|---|---|---|---|---|---|",
    ]
    for i, name in enumerate(classes.names):
        lines.append(
            f"| {name} | {_cell(scores.iou[i])} | {_cell(scores.dice[i])} | {_cell(scores.precision[i])} "
            f"| {_cell(scores.recall[i])} | {scores.support[i]} |"
        )
    lines.append(
        f"| **mean** | **{_cell(scores.mean_iou)}** | **{_cell(scores.mean_dice)}** | | "
        f"**{_cell(scores.mean_accuracy)}** | |"
    )
    lines += ["", f"Overall pixel accuracy: {_cell(scores.accuracy)}", "", averaging_note(classes), ""]
    warning = never_predicted(scores, classes)
    if warning is not None:
        lines += [f"**Warning: {warning}.**", ""]
    return "\n".join(lines)
