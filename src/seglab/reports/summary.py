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
    return "\n".join(lines)
