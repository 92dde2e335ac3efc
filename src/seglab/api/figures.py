"""Figures of the Python API: a batch of samples (rows of results are `reports.plots.plot_gallery`).

Like `seglab.reports.plots`, figures are built on `matplotlib.figure.Figure` without pyplot,
so they need no GUI backend and leave the user's pyplot state alone; a notebook shows a
returned Figure inline, a script saves it with `seglab.reports.plots.save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from seglab.reports.plots import Colour, add_class_legend, colorize, to_rgb_uint8

MAX_COLUMNS = 4  # samples per row of `plot_samples`; more wrap onto further rows


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
