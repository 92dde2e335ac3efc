"""A generated multi-label dataset: a disc and a square that overlap in every image.

The disc brightens the red channel and the square the green one, so where they overlap the
image shows both and the truth holds both classes: one sigmoid per class can segment it, a
softmax that must pick one class per pixel cannot. The same samples can be written in each
multi-label layout (`seglab.data.layouts.multilabel`); the output is a function of the seed only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.errors import DataError

CLASSES = ("disc", "square")
LAYOUTS = ("folders", "channels", "regions")
# the regions layout's class-index masks: 0 neither, 1 disc only, 2 square only, 3 both
REGIONS = {"disc": [1, 3], "square": [2, 3]}


def make_overlap_sample(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """One noisy RGB image and its (2, H, W) boolean truth: disc, square.

    The square's centre lies 0.5-0.8 disc radii from the disc's, so they always overlap
    (about a third of the disc).
    """
    height, width = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    side = min(height, width)
    radius = rng.uniform(0.2, 0.28) * side
    cy, cx = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
    angle = rng.uniform(0, 2 * math.pi)
    offset = rng.uniform(0.5, 0.8) * radius
    sy, sx = cy + offset * math.sin(angle), cx + offset * math.cos(angle)
    half = rng.uniform(0.75, 0.95) * radius
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    square = (np.abs(yy - sy) <= half) & (np.abs(xx - sx) <= half)
    image = rng.uniform(20, 80, 3) + rng.normal(0, 12, (height, width, 3))
    image[..., 0] += disc * rng.uniform(90, 150)
    image[..., 1] += square * rng.uniform(90, 150)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), np.stack([disc, square])


def generate_overlaps(root: str | Path, num_samples: int = 48, size: tuple[int, int] = (48, 48), seed: int = 0,
                      layout: str = "folders") -> Path:
    """Write the overlap dataset under `root` in one multi-label layout.

    Layouts: "folders" writes images/ + masks/disc/ + masks/square/ (0/255 PNGs); "channels"
    writes images/ + masks/*.npy (2 x H x W uint8, 0/1); "regions" writes images/ + masks/*.png
    class-index masks (`REGIONS`) and a classes.json naming the regions.

    Raises:
        ValueError: unknown layout, no samples, or a side under 16 px.
        DataError: `root` is a non-empty folder.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got '{layout}'")
    if num_samples < 1 or min(size) < 16:
        raise ValueError(f"need at least one sample of at least 16x16 px, got {num_samples} of {size}")
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise DataError(f"cannot write the overlap dataset into '{root}': the folder is not empty")
    folders = [root / "images"] + ([root / "masks" / c for c in CLASSES] if layout == "folders" else [root / "masks"])
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(num_samples):
        image, truth = make_overlap_sample(rng, (int(size[0]), int(size[1])))
        name = f"{i:04d}"
        Image.fromarray(image).save(root / "images" / f"{name}.png")
        if layout == "folders":
            for channel, cls in zip(truth, CLASSES):
                Image.fromarray(channel.astype(np.uint8) * 255).save(root / "masks" / cls / f"{name}.png")
        elif layout == "channels":
            np.save(root / "masks" / f"{name}.npy", truth.astype(np.uint8))
        else:
            Image.fromarray((truth[0] * 1 + truth[1] * 2).astype(np.uint8)).save(root / "masks" / f"{name}.png")
    if layout == "regions":
        (root / "classes.json").write_text(json.dumps({"regions": REGIONS}, indent=2) + "\n")
    return root
