"""Figures for runs and predictions: training curves, confusion matrix, sample gallery.

Figures are built with `matplotlib.figure.Figure` directly rather than pyplot, so they
need no GUI backend, never touch pyplot's global figure list and leave a notebook user's
backend alone. Every plotting function returns the Figure; `save_figure` writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from seglab.data.classes import ERROR_COLOUR
from seglab.reports.fonts import class_labels, drawing_fonts, quiet_missing_glyphs

Colour = tuple[int, int, int]

_HISTORY_PANELS = (
    ("loss", ("train_loss", "val_loss")),
    ("mIoU", ("train_miou", "val_miou")),
)
_MAX_ANNOTATED_CLASSES = 12  # beyond this, cell labels overlap


def colorize(mask: np.ndarray, colours: Sequence[Colour], ignore_index: int | None = None) -> np.ndarray:
    """Paint a label map with one RGB colour per class.

    Labels that are `ignore_index` or have no colour (negative or >= len(colours)) are black.

    Shape: mask (H, W) integer -> (H, W, 3) uint8.
    """
    mask = np.asarray(mask)
    table = np.asarray(colours, dtype=np.uint8).reshape(-1, 3)
    known = (mask >= 0) & (mask < len(table))
    if ignore_index is not None:
        known &= mask != ignore_index
    rgb = np.zeros((*mask.shape, 3), dtype=np.uint8)
    rgb[known] = table[mask[known]]
    return rgb


def overlay(
    image: np.ndarray,
    mask: np.ndarray,
    colours: Sequence[Colour],
    alpha: float = 0.5,
    ignore_index: int | None = None,
    faint: int | None = None,
) -> np.ndarray:
    """Blend class colours over an image; ignored and unknown labels keep the image, and the
    `faint` class (the background, which fills most pictures) is blended at a quarter of `alpha`.

    Args:
        image: uint8, or float in [0, 1]; grey, grey + channel axis, RGB or RGBA (alpha dropped).
        mask: integer labels of the same height and width.
        colours: RGB colour per class.
        alpha: weight of the colour, 0 (image only) to 1 (colour only).
        ignore_index: label to leave unpainted.
        faint: label drawn at a quarter of `alpha` (`ClassSpec.background`), or None.

    Raises:
        ValueError: image and mask sizes differ, or the image is neither uint8 nor float.

    Shape: image (H, W) or (H, W, C), mask (H, W) -> (H, W, 3) uint8.
    """
    rgb = to_rgb_uint8(image)
    mask = np.asarray(mask)
    if rgb.shape[:2] != mask.shape:
        raise ValueError(f"image is {rgb.shape[0]}x{rgb.shape[1]} but mask is {mask.shape[0]}x{mask.shape[1]}")
    painted = (mask >= 0) & (mask < len(colours))
    if ignore_index is not None:
        painted &= mask != ignore_index
    weight = np.full(mask.shape, alpha, dtype=np.float32)
    if faint is not None:
        weight[mask == faint] = alpha / 4
    weight = weight[..., None]
    blend = (1 - weight) * rgb + weight * colorize(mask, colours, ignore_index)
    return np.where(painted[..., None], np.round(blend), rgb).astype(np.uint8)


def multilabel_overlay(image: np.ndarray, channels: np.ndarray, colours: Sequence[Colour],
                       alpha: float = 0.5) -> np.ndarray:
    """Blend each class colour over the pixels of its channel, one class after another, so an
    overlap shows both colours mixed (a class-index `overlay` can show only one).

    Shape: image (H, W) or (H, W, C), channels (K, H, W) bool -> (H, W, 3) uint8.
    """
    out = to_rgb_uint8(image).astype(np.float32)
    if out.shape[:2] != channels.shape[1:]:
        raise ValueError(f"image is {out.shape[0]}x{out.shape[1]} but masks are {channels.shape[1]}x{channels.shape[2]}")
    for present, colour in zip(channels, colours):
        out[present] = (1 - alpha) * out[present] + alpha * np.asarray(colour, dtype=np.float32)
    return np.round(out).astype(np.uint8)


def shown_channels(image: np.ndarray) -> np.ndarray:
    """The channels of an (H, W, C) image a picture shows: grey or RGB as they are, the first
    three of more (a multispectral image's first bands, a scan's first modalities), the first of two."""
    if image.ndim != 3 or image.shape[2] in (1, 3):
        return image
    return image[..., :3] if image.shape[2] > 3 else image[..., :1]


def to_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Convert a displayable image to RGB uint8.

    Raises:
        ValueError: a dtype other than uint8 or float, or not (H, W) or (H, W, C).

    Shape: (H, W) or (H, W, C) -> (H, W, 3) uint8: grey repeated, RGBA without alpha, other
    counts their first three channels (two: their first).
    """
    image = np.asarray(image)
    if np.issubdtype(image.dtype, np.floating):
        image = np.round(np.clip(np.nan_to_num(image, nan=0.0), 0, 1) * 255).astype(np.uint8)  # no data: black
    elif image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 or float in [0, 1], got {image.dtype}")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] == 0:
        raise ValueError(f"image must be (H, W) or (H, W, C); got {image.shape}")
    shown = shown_channels(image)
    return np.repeat(shown, 3, axis=-1) if shown.shape[-1] == 1 else shown


def best_epoch(history: Sequence[dict[str, float]], key: str = "val_miou") -> int | None:
    """The epoch with the highest `key` (the first on a tie), None when no row has it."""
    scored = [(row[key], -int(row.get("epoch", i + 1))) for i, row in enumerate(history) if row.get(key) is not None]
    return -max(scored)[1] if scored else None


def plot_history(history: Sequence[dict[str, float]]) -> Figure:
    """Loss and mIoU curves per epoch, train and validation, in two panels, with the best
    validation epoch marked (the one whose weights best.safetensors keeps).

    Rows without a key (e.g. no validation every epoch) are skipped for that curve; rows
    without "epoch" are numbered from 1. Epoch ticks are whole numbers, however short the run.
    """
    best = best_epoch(history)
    fig = Figure(figsize=(10, 4), layout="constrained")
    for ax, (title, keys) in zip(fig.subplots(1, len(_HISTORY_PANELS)), _HISTORY_PANELS):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if best is not None:
            ax.axvline(best, color="0.5", linestyle="--", linewidth=1, label=f"best epoch {best}")
        for key in keys:
            points = [
                (row.get("epoch", i + 1), row[key])
                for i, row in enumerate(history)
                if row.get(key) is not None
            ]
            if points:
                epochs, values = zip(*points)
                ax.plot(epochs, values, marker=".", label=key)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        if 0 < len(history) < 4:  # a short run: whole epochs with room around them, not 0.95-1.05
            ax.set_xlim(0.5, len(history) + 0.5)
        if ax.lines:
            ax.legend()
    return fig


def plot_lr_find(lrs: Sequence[float], losses: Sequence[float], suggested: float) -> Figure:
    """The learning-rate range test: smoothed loss against rate (log scale), the pick marked."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    ax.plot(lrs, losses, label="smoothed training loss")
    ax.axvline(suggested, color="0.3", linestyle="--", linewidth=1, label=f"suggested lr {suggested:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title("learning-rate range test")
    ax.legend()
    return fig


def plot_confusion(matrix: np.ndarray, class_names: Sequence[str], normalize: bool = True) -> Figure:
    """Confusion matrix as a heat map, rows = truth, columns = prediction.

    With `normalize`, each row is divided by its total, so cells read as the fraction of a
    true class predicted as each class (the diagonal is recall); empty rows stay 0. Cells
    are annotated when there are at most 12 classes. The classes are labelled by id where no
    installed font draws their names (`fonts.class_labels`).

    Raises:
        ValueError: the matrix is not square or does not match `class_names`.

    Shape: matrix (K, K).
    """
    matrix = np.asarray(matrix)
    num_classes = len(class_names)
    if matrix.shape != (num_classes, num_classes):
        raise ValueError(f"matrix is {matrix.shape} but there are {num_classes} class names")
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        values = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    else:
        values = matrix
    size = 2 + 0.5 * num_classes
    fig = Figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(image, ax=ax)
    ticks = np.arange(num_classes)
    labels, fonts = class_labels(class_names)
    ax.set_xticks(ticks, labels=labels, rotation=45, ha="right", fontfamily=fonts)
    ax.set_yticks(ticks, labels=labels, fontfamily=fonts)
    by_id = "" if labels == list(class_names) else " (class id)"
    ax.set_xlabel(f"prediction{by_id}")
    ax.set_ylabel(f"truth{by_id}")
    if num_classes <= _MAX_ANNOTATED_CLASSES:
        threshold = values.max() / 2
        for (row, col), value in np.ndenumerate(values):
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            colour = "white" if value > threshold else "black"
            ax.text(col, row, text, ha="center", va="center", color=colour, fontsize=8)
    return fig


def shown_name(name: str) -> str:
    """A file name as a figure's title shows it: one that is not UTF-8 (`b"\\xff.png"`, held as a
    lone surrogate) backslash-escaped (`\\udcff.png`), as the command line prints it, where
    Matplotlib's fonts raised TypeError."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def plot_gallery(
    images: Sequence[np.ndarray],
    truths: Sequence[np.ndarray | None],
    preds: Sequence[np.ndarray],
    colours: Sequence[Colour],
    class_names: Sequence[str],
    ignore_index: int | None = None,
    titles: Sequence[str] | None = None,
    errors: bool = False,
) -> Figure:
    """One row per sample: image | truth | prediction, with a legend of class colours; with
    `errors`, a fourth panel shows the wrong pixels in red, titled with their share.

    The figure of `seglab evaluate`'s gallery.png, the report and `Run.show_results`. A None
    truth (an unlabelled image) gets a "no label" panel. `titles` names each row (the image's
    name and score), written above its image.

    Raises:
        ValueError: the three sequences differ in length or are empty.

    Shape: each image (H, W) or (H, W, C); each truth and pred (H, W) integer labels.
    """
    if not len(images) == len(truths) == len(preds) or not images:
        raise ValueError(
            f"need the same non-zero number of images, truths and preds; "
            f"got {len(images)}, {len(truths)}, {len(preds)}"
        )
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    rows, columns = len(images), 4 if errors else 3
    fig = Figure(figsize=(3 * columns, 3 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for title, ax in zip(("image", "truth", "prediction"), axes[0]):
        ax.set_title(title)
    fonts = drawing_fonts(titles or ())
    for row, (row_axes, image, truth, pred) in enumerate(zip(axes, images, truths, preds)):
        image_ax, truth_ax, pred_ax = row_axes[:3]
        if titles is not None:
            image_ax.set_title(shown_name(titles[row] if row else f"image: {titles[row]}"), fontsize=11,
                               fontfamily=fonts)
        image_ax.imshow(to_rgb_uint8(image))
        if truth is None:
            truth_ax.text(0.5, 0.5, "no label", ha="center", va="center", transform=truth_ax.transAxes)
        else:
            truth_ax.imshow(colorize(truth, colours, ignore_index), interpolation="nearest")
        pred_ax.imshow(colorize(pred, colours, ignore_index), interpolation="nearest")
        if errors and truth is not None:
            row_axes[3].imshow(error_map(image, truth, pred, ignore_index), interpolation="nearest")
            counted = truth.size if ignore_index is None else int((np.asarray(truth) != ignore_index).sum())
            wrong = int(wrong_pixels(truth, pred, ignore_index).sum())
            row_axes[3].set_title(f"error {100 * wrong / max(counted, 1):.1f}%")
        for ax in row_axes:
            ax.set_axis_off()
    wrong = [Patch(color=np.asarray(ERROR_COLOUR) / 255, label="wrong")] if errors else []
    add_class_legend(fig, colours, class_names, extra=wrong)
    return fig


def add_class_legend(fig: Figure, colours: Sequence[Colour], class_names: Sequence[str],
                     extra: Sequence[Patch] = ()) -> None:
    """The class colours (and `extra` entries) as a legend under a figure of masks
    (constrained layout makes room), the classes by id where no installed font draws their names."""
    labels, fonts = class_labels(class_names)
    handles = [Patch(color=np.asarray(c) / 255, label=label) for c, label in zip(colours, labels)]
    handles += list(extra)
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), prop={"family": fonts})


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


def save_figure(fig: Figure, path: str | PathLike[str]) -> None:
    """Write `fig` as a PNG at 100 dpi; the figure stays open for reuse."""
    with quiet_missing_glyphs():
        fig.savefig(path, dpi=100, format="png")
