"""How long `seglab plan` takes on a 600-image, 3-class photo dataset of mixed sizes, and how many
lines it prints (issue 32: under 30 s and under 30 lines).

The dataset is generated in the Oxford-IIIT Pet layout (images/*.jpg, annotations/trimaps/*.png
with 1 pet, 2 background, 3 border), in the real set's spread of sizes (about 200-500 px a side),
each "pet" a textured ellipse somewhere in the photo with a 3-px border band.

    python benchmarks/plan_time.py                  # about a minute: generates 600 pairs, then plans
    python benchmarks/plan_time.py --images 60      # quicker
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import ndimage
from seglab.runtime import cpu_description


def generate_pets(root: Path, count: int, seed: int = 0) -> Path:
    """`count` JPEG photos and PNG trimaps in the Oxford-IIIT Pet layout."""
    images, trimaps = root / "images", root / "annotations" / "trimaps"
    images.mkdir(parents=True)
    trimaps.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        height, width = (int(v) for v in rng.integers(200, 501, 2))
        rows, cols = np.mgrid[:height, :width]
        cy, cx = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
        ry, rx = rng.uniform(0.2, 0.4) * height, rng.uniform(0.2, 0.4) * width
        pet = ((rows - cy) / ry) ** 2 + ((cols - cx) / rx) ** 2 <= 1
        trimap = np.full((height, width), 2, dtype=np.uint8)
        trimap[pet] = 1
        trimap[ndimage.binary_dilation(pet, iterations=3) & ~ndimage.binary_erosion(pet, iterations=3)] = 3
        photo = rng.normal(110, 30, (height, width, 3))
        photo[pet] += rng.normal(60, 20, 3)
        Image.fromarray(photo.clip(0, 255).astype(np.uint8)).save(images / f"breed_{i}.jpg", quality=90)
        Image.fromarray(trimap).save(trimaps / f"breed_{i}.png")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=600, help="pairs to generate (default: %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = generate_pets(Path(folder) / "pets", args.images)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "seglab", "plan", str(data)], capture_output=True, text=True)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    lines = done.stdout.rstrip("\n").splitlines()
    print(done.stdout)
    print(f"| images | plan wall time (s) | lines printed | machine | torch |\n|---|---|---|---|---|\n"
          f"| {args.images} | {seconds:.1f} | {len(lines)} | {cpu_description()}, "
          f"{torch.get_num_threads()} threads | {torch.__version__} |")


if __name__ == "__main__":
    main()
