"""Predict a list of files and folders and write masks, overlays and probabilities."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data import IMAGE_SUFFIXES, image_scale, read_image, write_mask_png
from seglab.data.volumes import VOLUME_SUFFIXES, is_volume
from seglab.errors import DataError
from seglab.inference.predictor import Segmenter
from seglab.reports.plots import overlay

log = logging.getLogger(__name__)


def collect_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Image and volume files named directly, DICOM series folders, plus the images and NIfTI
    volumes inside other named folders (not recursive)."""
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir() and is_volume(item):  # a DICOM series is one input
            files.append(item)
        elif item.is_dir():
            found = sorted(
                p for p in item.iterdir()
                if (p.suffix.lower() in IMAGE_SUFFIXES or p.name.lower().endswith(VOLUME_SUFFIXES))
                and not p.name.startswith("._") and p.is_file()
            )
            if not found:
                raise DataError(f"folder '{item}' holds no images ({', '.join(IMAGE_SUFFIXES)}) or volumes "
                                f"({', '.join(VOLUME_SUFFIXES)}, DICOM series)")
            files.extend(found)
        elif item.is_file():
            files.append(item)
        else:
            raise DataError(f"input '{item}' does not exist")
    return files


def display_image(image: np.ndarray) -> np.ndarray:
    """Any image array -> uint8 for overlays; float images are stretched to their own range."""
    if image.dtype == np.uint8:
        return image
    values = image.astype(np.float32)
    if np.issubdtype(image.dtype, np.integer):
        values = values / image_scale(image.dtype)
    else:
        low, high = float(values.min()), float(values.max())
        values = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return (np.clip(values, 0, 1) * 255).astype(np.uint8)


def write_overlay(path: Path, image: np.ndarray, mask: np.ndarray, colours: Sequence[Sequence[int]]) -> None:
    """Save `image` (H, W, C) with `mask` (H, W) drawn over it in the class colours as a PNG."""
    shown = display_image(image)
    Image.fromarray(overlay(shown[..., 0] if shown.shape[-1] == 1 else shown, mask, colours)).save(path)


@dataclass(frozen=True)
class WrittenPrediction:
    source: Path
    mask: Path
    overlay: Path
    probs: Path | None


def predict_files(
    predictor: Segmenter, files: Iterable[Path], out_dir: str | Path, save_probs: bool = False
) -> list[WrittenPrediction]:
    """For each file write `<stem>_mask.png` (class indices, palette colours),
    `<stem>_overlay.png`, and with `save_probs` `<stem>_probs.npy` (float16, K x H x W)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    classes = predictor.classes
    written = []
    for path in files:
        image = read_image(path)
        prediction = predictor.predict(image)
        mask_path = out / f"{path.stem}_mask.png"
        overlay_path = out / f"{path.stem}_overlay.png"
        write_mask_png(mask_path, prediction.mask, classes.colours)
        write_overlay(overlay_path, image, prediction.mask, classes.colours)
        probs_path = None
        if save_probs:
            probs_path = out / f"{path.stem}_probs.npy"
            np.save(probs_path, prediction.probs.astype(np.float16))
        written.append(WrittenPrediction(path, mask_path, overlay_path, probs_path))
        log.debug("%s -> %s", path, mask_path)
    return written
