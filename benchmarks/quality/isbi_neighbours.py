"""ISBI 2012 with each slice's neighbouring sections as extra input channels (2.5D), for an ablation.

The 30 labelled slices are consecutive serial sections of one volume, so the sections above and
below show where an oblique, blurred membrane continues. This script writes a copy of the data
set whose image N.png is an RGB PNG of the sections (N - step, N, N + step), repeating the first
and last section at the ends; the labels are copied unchanged. The images of the other slices
are inputs only (their labels are never read for slice N), so the held-out folds stay clean.
Train on it with `isbi_cv.py --data OUT`. No training here; a few seconds.

    python benchmarks/quality/isbi_neighbours.py --out /tmp/isbi-neighbours
    python benchmarks/quality/isbi_cv.py --only 1 --workers 0 --data /tmp/isbi-neighbours --out /tmp/bench/neighbours
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

import common
from seglab.data import read_image


def neighbour_stack(sections: list[np.ndarray], index: int, step: int) -> np.ndarray:
    """(H, W, 3) uint8: the sections at index - step, index and index + step, clamped to the stack."""
    last = len(sections) - 1
    return np.stack([sections[max(index - step, 0)], sections[index], sections[min(index + step, last)]], axis=-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=common.SHARED / "isbi2012")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the 3-channel copy to")
    parser.add_argument("--step", type=int, default=1, help="distance of the neighbours, in sections (default: %(default)s)")
    args = parser.parse_args()
    source = args.data / "train"
    count = len(list((source / "label").glob("*.png")))
    if count == 0:
        raise SystemExit(f"no label PNGs in {source / 'label'}")
    # the slices are named 0.png .. N-1.png in the order of the sections
    sections = [read_image(source / "image" / f"{i}.png")[..., 0] for i in range(count)]
    for folder in ("image", "label"):
        (args.out / "train" / folder).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.fromarray(neighbour_stack(sections, i, args.step)).save(args.out / "train" / "image" / f"{i}.png")
        shutil.copy(source / "label" / f"{i}.png", args.out / "train" / "label" / f"{i}.png")
    print(f"wrote {count} 3-channel slices (sections i-{args.step}, i, i+{args.step}) to {args.out / 'train'}")


if __name__ == "__main__":
    main()
