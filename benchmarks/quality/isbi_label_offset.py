"""ISBI 2012: are the membrane labels centred on the dark membranes of the images?

Membranes are dark in the EM slices. For each shift (dy, dx) of the label masks by whole pixels,
this script averages the standardised darkness of the image under the shifted membrane pixels;
the shift with the darkest average is where the labels sit best. A parabola through the three
values around the peak, along each axis, gives the sub-pixel offset. No training; a few seconds.

Why it matters: a label offset from the image by a fraction of a pixel is learned like any
other regularity by a network that always sees it the same way round, but a flip along that
axis turns +d into -d, so flipped training samples (and flip test-time augmentation) teach two
positions at once and blur the predicted edges by 2d.

    python benchmarks/quality/isbi_label_offset.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import common
from seglab.data import read_image

MEMBRANE_VALUE = 0  # membrane pixels are black (0) in the label PNGs, cells white (255)
BORDER = 8  # pixels left out at each edge, so that np.roll's wrap-around never counts


def darkness_under_labels(images: np.ndarray, membranes: np.ndarray, reach: int) -> np.ndarray:
    """(2 reach + 1, 2 reach + 1) table: mean standardised darkness under the membrane labels
    rolled by (dy, dx) = (row - reach, column - reach)."""
    images = images.astype(np.float64)
    dark = -(images - images.mean()) / images.std()
    inner = (slice(None), slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    table = np.empty((2 * reach + 1, 2 * reach + 1))
    for row, dy in enumerate(range(-reach, reach + 1)):
        for column, dx in enumerate(range(-reach, reach + 1)):
            shifted = np.roll(membranes, (dy, dx), axis=(1, 2))[inner].astype(np.float64)
            table[row, column] = (dark[inner] * shifted).sum() / shifted.sum()
    return table


def parabola_peak(left: float, centre: float, right: float) -> float:
    """Offset of the vertex of the parabola through (-1, left), (0, centre), (1, right)."""
    curvature = left - 2 * centre + right
    return 0.0 if curvature == 0 else 0.5 * (left - right) / curvature


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=common.SHARED / "isbi2012")
    parser.add_argument("--reach", type=int, default=2, help="largest shift tried, in pixels (default: %(default)s)")
    args = parser.parse_args()
    labels = sorted((args.data / "train" / "label").glob("*.png"))
    if not labels:
        raise SystemExit(f"no label PNGs in {args.data / 'train' / 'label'}")
    # read_image gives (H, W, 1) for these single-channel PNGs
    images = np.stack([read_image(args.data / "train" / "image" / path.name)[..., 0] for path in labels])
    membranes = np.stack([read_image(path)[..., 0] == MEMBRANE_VALUE for path in labels])
    table = darkness_under_labels(images, membranes, args.reach)
    row, column = np.unravel_index(table.argmax(), table.shape)
    row, column = int(np.clip(row, 1, 2 * args.reach - 1)), int(np.clip(column, 1, 2 * args.reach - 1))
    dy = row - args.reach + parabola_peak(*table[row - 1:row + 2, column])
    dx = column - args.reach + parabola_peak(*table[row, column - 1:column + 2])

    shifts = range(-args.reach, args.reach + 1)
    print(f"Mean standardised darkness of the image under the membrane labels of {len(labels)} slices, "
          f"labels rolled down by dy rows and right by dx columns:\n")
    print(common.table(["dy \\ dx", *map(str, shifts)],
                       [[str(dy_), *map(common.number, values)] for dy_, values in zip(shifts, table)]))
    print(f"\nDarkest at a label shift of dy = {dy:+.2f}, dx = {dx:+.2f} pixels (parabola through the peak): "
          f"the membranes sit that far down and right of their labels.")


if __name__ == "__main__":
    main()
