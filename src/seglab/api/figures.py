"""Figures of the Python API: a batch of samples, and image | truth | prediction | error rows.

Like `seglab.reports.plots`, figures are built on `matplotlib.figure.Figure` without pyplot,
so they need no GUI backend and leave the user's pyplot state alone; a notebook shows a
returned Figure inline, a script saves it with `seglab.reports.plots.save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from seglab.data.classes import ERROR_COLOUR
from seglab.reports.plots import Colour, add_class_legend, colorize, to_rgb_uint8

MAX_COLUMNS = 4  # samples per row of `plot_samples`; more wrap onto further rows


def error_map(image: np.ndarray, truth: np.ndarray, pred: np.ndarray, ignore_index: int | None = None) -> np.ndarray:
    """The image in dimmed grey with every wrongly predicted pixel in red.

    Pixels whose truth is `ignore_index` never count as wrong, as in the metrics.

    Shape: image (H, W) or (H, W, C), truth and pred (H, W) -> (H, W, 3) uint8.
    """
    grey = to_rgb_uint8(image).mean(axis=-1, keepdims=True) * 0.5  # dimmed, so red stands out
    wrong = wrong_pixels(truth, pred, ignore_index)
    rgb = np.repeat(grey, 3, axis=-1).astype(np.uint8)
    rgb[wrong] = ERROR_COLOUR
    return rgb


def wrong_pixels(truth: np.ndarray, pred: np.ndarray, ignore_index: int | None = None) -> np.ndarray:
    """Boolean (H, W): prediction differs from a truth label that is not `ignore_index`."""
    truth, pred = np.asarray(truth), np.asarray(pred)
    if truth.shape != pred.shape:
        raise ValueError(f"truth is {truth.shape} but prediction is {pred.shape}")
    wrong = truth != pred
    if ignore_index is not None:
        wrong &= truth != ignore_index
    return wrong


def plot_samples(
    images: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    colours: Sequence[Colour],
    class_names: Sequence[str],
    ignore_index: int | None = None,
) -> Figure:
    """Each sample as an image with its mask below; up to four samples per row.

    The figure has exactly two axes per sample.

    Raises:
        ValueError: no samples, or different numbers of images and masks.
    """
    if len(images) != len(masks) or not images:
        raise ValueError(f"need the same non-zero number of images and masks; got {len(images)}, {len(masks)}")
    count = len(images)
    columns = min(count, MAX_COLUMNS)
    rows = math.ceil(count / columns)
    fig = Figure(figsize=(2.6 * columns, 5.2 * rows + 0.5), layout="constrained")
    grid = fig.subplots(2 * rows, columns, squeeze=False)
    for k in range(rows * columns):
        image_ax, mask_ax = grid[2 * (k // columns), k % columns], grid[2 * (k // columns) + 1, k % columns]
        if k >= count:
            image_ax.remove()
            mask_ax.remove()
            continue
        image_ax.imshow(to_rgb_uint8(images[k]))
        mask_ax.imshow(colorize(masks[k], colours, ignore_index), interpolation="nearest")
        for ax in (image_ax, mask_ax):
            ax.set_axis_off()
    add_class_legend(fig, colours, class_names)
    return fig


def plot_results(
    images: Sequence[np.ndarray],
    truths: Sequence[np.ndarray],
    preds: Sequence[np.ndarray],
    colours: Sequence[Colour],
    class_names: Sequence[str],
    ignore_index: int | None = None,
    titles: Sequence[str] | None = None,
) -> Figure:
    """One row per sample: image | truth | prediction | error (wrong pixels in red).

    Each error panel is titled with its share of wrong pixels, ignored pixels left out, and
    each image with its entry of `titles` (the image's name) when given.

    Raises:
        ValueError: the three sequences differ in length or are empty.
    """
    if not len(images) == len(truths) == len(preds) or not images:
        raise ValueError(
            f"need the same non-zero number of images, truths and preds; got {len(images)}, {len(truths)}, {len(preds)}"
        )
    rows = len(images)
    fig = Figure(figsize=(12, 3 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, 4, squeeze=False)
    for title, ax in zip(("image", "truth", "prediction"), axes[0]):
        ax.set_title(title)
    for row, ((image_ax, truth_ax, pred_ax, error_ax), image, truth, pred) in enumerate(zip(axes, images, truths, preds)):
        if titles is not None:
            image_ax.set_title(f"image: {titles[row]}" if row == 0 else titles[row], fontsize=11)
        image_ax.imshow(to_rgb_uint8(image))
        truth_ax.imshow(colorize(truth, colours, ignore_index), interpolation="nearest")
        pred_ax.imshow(colorize(pred, colours, ignore_index), interpolation="nearest")
        error_ax.imshow(error_map(image, truth, pred, ignore_index), interpolation="nearest")
        counted = truth.size if ignore_index is None else int((np.asarray(truth) != ignore_index).sum())
        wrong = int(wrong_pixels(truth, pred, ignore_index).sum())
        error_ax.set_title(f"error {100 * wrong / max(counted, 1):.1f}%")
        for ax in (image_ax, truth_ax, pred_ax, error_ax):
            ax.set_axis_off()
    add_class_legend(fig, colours, class_names, extra=[Patch(color=_rgb(ERROR_COLOUR), label="wrong")])
    return fig


def _rgb(colour: Colour) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)
