"""Writing multi-label predictions: one 0/255 mask per class and one overlay showing overlaps."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes import ClassSpec
from seglab.inference.predictor import Prediction
from seglab.labelsets import unpack_numpy
from seglab.reports.plots import multilabel_overlay


def file_safe(name: str) -> str:
    """A class name as a file-name part: letters, digits, '-' and '.'; anything else becomes '_'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_") or "class"


def class_masks(prediction: Prediction, classes: ClassSpec) -> dict[str, np.ndarray]:
    """Class name -> (H, W) uint8 mask, 255 where the class is predicted, else 0."""
    channels = unpack_numpy(prediction.mask, classes.num_classes)
    return {name: channel.astype(np.uint8) * 255 for name, channel in zip(classes.names, channels)}


def write_multilabel(base: Path, image: np.ndarray, prediction: Prediction, classes: ClassSpec) -> tuple[list[Path], Path]:
    """Write `<base>_<class>.png` for every class and `<base>_overlay.png` over `image` (uint8,
    as `files.display_image` gives it); returns the mask paths and the overlay's."""
    masks = []
    for name, mask in class_masks(prediction, classes).items():
        path = base.with_name(f"{base.name}_{file_safe(name)}.png")
        Image.fromarray(mask).save(path)
        masks.append(path)
    overlay_path = base.with_name(f"{base.name}_overlay.png")
    channels = unpack_numpy(prediction.mask, classes.num_classes)
    Image.fromarray(multilabel_overlay(image, channels, classes.colours)).save(overlay_path)
    return masks, overlay_path
