"""Milliseconds `seglab.data.files.io.read_image` takes per file, by kind: PNG, TIFF tiles of a few
sizes and dtypes, and a GeoTIFF with a GDAL_NODATA tag (its no-data pixels read as NaN). Reading
is what `seglab inspect`'s scan, the audit and the first epoch's cache filling do for every image.

    python benchmarks/image_reads.py            # best of 5 rounds of 50 reads per file
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

from seglab.data.files.io import read_image
from seglab.runtime import cpu_description

_GDAL_NODATA = 42113


def _files(folder: Path) -> dict[str, Path]:
    """One file of each kind, random pixels (fixed seed)."""
    rng = np.random.default_rng(0)
    rgb = (rng.random((256, 256, 3)) * 255).astype(np.uint8)
    large = (rng.random((1024, 1024, 3)) * 255).astype(np.uint8)
    bands = rng.random((512, 512, 6)).astype(np.float32)
    tagged = bands.copy()
    tagged[:64] = -9999.0
    files = {"PNG, RGB 256x256": folder / "rgb.png", "TIFF, RGB 256x256 uint8": folder / "rgb.tif",
             "TIFF, RGB 1024x1024 uint8": folder / "large.tif", "TIFF, 6 bands 512x512 float32": folder / "bands.tif",
             "GeoTIFF, 6 bands with GDAL_NODATA": folder / "tagged.tif"}
    Image.fromarray(rgb).save(files["PNG, RGB 256x256"])
    tifffile.imwrite(files["TIFF, RGB 256x256 uint8"], rgb)
    tifffile.imwrite(files["TIFF, RGB 1024x1024 uint8"], large)
    tifffile.imwrite(files["TIFF, 6 bands 512x512 float32"], bands)
    tifffile.imwrite(files["GeoTIFF, 6 bands with GDAL_NODATA"], tagged,
                     extratags=[(_GDAL_NODATA, "s", 0, "-9999", True)])
    return files


def read_ms(path: Path, reads: int, rounds: int) -> float:
    """The best round's milliseconds per read, after one warm-up read."""
    read_image(path)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reads):
            read_image(path)
        best = min(best, (time.perf_counter() - start) / reads)
    return 1000 * best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    with tempfile.TemporaryDirectory() as folder:
        print("| file | ms per read |\n|---|---|")
        for name, path in _files(Path(folder)).items():
            print(f"| {name} | {read_ms(path, args.reads, args.rounds):.3f} |")


if __name__ == "__main__":
    main()
