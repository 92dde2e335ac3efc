"""Tiny generated datasets of textured shapes for tests, docs and demos.

Shape colours come from the same distribution as background colours and every region is
textured and noisy, so a network has to learn shape (not one colour) to segment them. The
output is a function of the seed only: the same seed writes the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes import ClassSpec
from seglab.data.files.io import write_mask_png
from seglab.errors import DataError

MANIFEST = "synthetic.json"

# Each shape is a test on coordinates (u, v) rotated into the shape's frame, with radius r.
ShapeTest = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


def _triangle(u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    # equilateral triangle with circumradius r: inside all three edges, each at distance r/2
    inside = np.ones(u.shape, dtype=bool)
    for k in range(3):
        angle = math.pi / 2 + k * 2 * math.pi / 3
        inside &= math.cos(angle) * u + math.sin(angle) * v <= r / 2
    return inside


SHAPES: dict[str, ShapeTest] = {
    "circle": lambda u, v, r: u * u + v * v <= r * r,
    "square": lambda u, v, r: np.maximum(np.abs(u), np.abs(v)) <= 0.8 * r,
    "triangle": _triangle,
    "ring": lambda u, v, r: (u * u + v * v <= r * r) & (u * u + v * v >= (0.55 * r) ** 2),
    "cross": lambda u, v, r: (
        ((np.abs(u) <= 0.3 * r) & (np.abs(v) <= r)) | ((np.abs(v) <= 0.3 * r) & (np.abs(u) <= r))
    ),
    "diamond": lambda u, v, r: np.abs(u) + np.abs(v) <= r,
    "ellipse": lambda u, v, r: (u / r) ** 2 + (v / (0.5 * r)) ** 2 <= 1,
}
MAX_CLASSES = len(SHAPES) + 1


def synthetic_classes(num_classes: int) -> ClassSpec:
    """"background" plus the first num_classes - 1 shape names."""
    _check_num_classes(num_classes)
    return ClassSpec(names=("background", *list(SHAPES)[: num_classes - 1]))


def _check_num_classes(num_classes: int) -> None:
    if not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"num_classes must be 2..{MAX_CLASSES} got {num_classes}")


def _texture(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Stripes of random frequency, direction and strength, in [-1, 1] times a random amplitude."""
    angle = rng.uniform(0, math.pi)
    freq = rng.uniform(0.05, 0.35)
    phase = rng.uniform(0, 2 * math.pi)
    return rng.uniform(5, 35) * np.sin(freq * (math.cos(angle) * xx + math.sin(angle) * yy) + phase)


def make_sample(
    rng: np.random.Generator, size: tuple[int, int], num_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """One image of 1-4 textured shapes on a textured gradient background, and its mask.

    Args:
        rng: source of all randomness (the sample is a function of its state).
        size: (H, W).
        num_classes: 2..8: class 0 is background, class k the k-th shape of `SHAPES`.

    Returns:
        image uint8 (H, W, 3) and mask uint8 (H, W); later shapes occlude earlier ones.
    """
    _check_num_classes(num_classes)
    height, width = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    start, end = rng.uniform(0, 255, (2, 3))
    angle = rng.uniform(0, 2 * math.pi)
    ramp = math.cos(angle) * xx / max(width, 1) + math.sin(angle) * yy / max(height, 1)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    image = start + (end - start) * ramp[..., None] + _texture(rng, yy, xx)[..., None]
    mask = np.zeros((height, width), dtype=np.uint8)
    shapes = list(SHAPES.values())
    side = min(height, width)
    for _ in range(rng.integers(1, 5)):
        label = int(rng.integers(1, num_classes))
        radius = rng.uniform(0.12, 0.3) * side
        cy, cx = rng.uniform(0.15, 0.85) * height, rng.uniform(0.15, 0.85) * width
        turn = rng.uniform(0, 2 * math.pi)
        dx, dy = xx - cx, yy - cy
        u = math.cos(turn) * dx + math.sin(turn) * dy
        v = -math.sin(turn) * dx + math.cos(turn) * dy
        region = shapes[label - 1](u, v, radius)
        colour = rng.uniform(0, 255, 3)
        image[region] = colour + _texture(rng, yy, xx)[region][:, None]
        mask[region] = label
    image += rng.normal(0, rng.uniform(3, 12), image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), mask


def generate_synthetic(
    root: str | Path,
    num_samples: int = 64,
    size: tuple[int, int] = (96, 96),
    seed: int = 0,
    num_classes: int = 4,
) -> Path:
    """Write a synthetic dataset: images/NNNN.png, masks/NNNN.png, classes.json, synthetic.json.

    Masks are palette PNGs (class indices, coloured in a viewer). Re-running into a folder
    written before replaces its files.

    Raises:
        ValueError: bad sizes or class count.
        DataError: `root` is a non-empty folder that was not written by this function.

    Example:
        >>> import tempfile
        >>> root = generate_synthetic(tempfile.mkdtemp(), num_samples=2, size=(16, 16))
        >>> sorted(p.name for p in (root / "masks").iterdir())
        ['0000.png', '0001.png']
    """
    _check_num_classes(num_classes)
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    if len(size) != 2 or min(size) < 8:
        raise ValueError(f"size must be (H, W) with both at least 8, got {size!r}")
    root = Path(root)
    _prepare(root)
    classes = synthetic_classes(num_classes)
    rng = np.random.default_rng(seed)
    width = max(4, len(str(num_samples - 1)))
    for i in range(num_samples):
        image, mask = make_sample(rng, (int(size[0]), int(size[1])), num_classes)
        name = f"{i:0{width}d}.png"
        Image.fromarray(image).save(root / "images" / name, format="PNG")
        write_mask_png(root / "masks" / name, mask, classes.colours)
    (root / "classes.json").write_text(json.dumps(classes.to_dict(), indent=2) + "\n")
    manifest = {
        "generator": "seglab.data.layouts.synthetic",
        "num_samples": num_samples,
        "size": [int(size[0]), int(size[1])],
        "seed": seed,
        "num_classes": num_classes,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return root


def _prepare(root: Path) -> None:
    """Create the folders; clear the images of an earlier run, refuse any other non-empty folder."""
    if root.exists() and not root.is_dir():
        raise DataError(f"cannot write a synthetic dataset to '{root}': it is a file")
    if root.is_dir() and any(root.iterdir()):
        if not (root / MANIFEST).is_file():
            raise DataError(
                f"cannot write a synthetic dataset into '{root}': the folder is not empty "
                f"and has no {MANIFEST}; choose an empty folder"
            )
        for folder in (root / "images", root / "masks"):
            for old in folder.glob("*.png"):
                old.unlink()
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(parents=True, exist_ok=True)
