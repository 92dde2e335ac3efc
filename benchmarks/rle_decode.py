"""Seconds to read a run-length table dataset (Kaggle's CSV masks) the first time, when its
masks are decoded into the cache, and again, when the cache serves them: a Severstal-shaped
folder of N 256x1600 images, half of them with a defect row, generated in a temporary folder.

    python benchmarks/rle_decode.py
    python benchmarks/rle_decode.py --images 2000
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SHAPE = (256, 1600)


def severstal(root: Path, images: int) -> int:
    """A Severstal-shaped folder; returns the number of rows."""
    from seglab.data.files.rle import encode

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (*SHAPE, 3), dtype=np.uint8)
    (root / "train_images").mkdir(parents=True)
    rows = []
    for i in range(images):
        Image.fromarray(np.roll(photo, i, axis=1)).save(root / "train_images" / f"{i:06d}.jpg", quality=80)
        if i % 2:
            mask = np.zeros(SHAPE, np.uint8)
            top, left = rng.integers(0, 200), rng.integers(0, 1400)
            mask[top : top + 50, left : left + 180] = 1
            rows.append([f"{i:06d}.jpg", 1 + i % 4, encode(mask, "column")])
    with (root / "train.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["ImageId", "ClassId", "EncodedPixels"])
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000, help="images in the generated folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        from seglab.data import discover
        from seglab.runtime import cpu_description

        rows = severstal(Path(tmp) / "severstal", args.images)
        started = time.perf_counter()
        discover(Path(tmp) / "severstal")
        first = time.perf_counter() - started
        started = time.perf_counter()
        discover(Path(tmp) / "severstal")
        again = time.perf_counter() - started
    print(f"{cpu_description()}\n")
    print("| images | rows | first read: decode + write (s) | per decoded mask (ms) | cached read (s) |")
    print("|---|---|---|---|---|")
    print(f"| {args.images} | {rows} | {first:.1f} | {1000 * first / max(rows, 1):.1f} | {again:.2f} |")


if __name__ == "__main__":
    main()
