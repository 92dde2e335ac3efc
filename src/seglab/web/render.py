"""A prediction as the web app shows it: PNGs (mask, overlay, input) and per-class pixel shares."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data import ClassSpec, write_mask_png
from seglab.inference.files import display_image
from seglab.inference.multilabel import class_masks
from seglab.inference.predictor import Prediction
from seglab.labelsets import unpack_numpy
from seglab.reports.plots import multilabel_overlay, overlay, to_rgb_uint8


@dataclass(frozen=True)
class ClassShare:
    index: int
    name: str
    colour: tuple[int, int, int]
    pixels: int
    share: float  # fraction of the image's pixels, 0-1


@dataclass(frozen=True)
class RenderedPrediction:
    """PNG bytes of the mask (palette, class indices), the overlay and the input, plus shares;
    a multi-label model's mask is its bit sets (grey, 8 or 16 bit) and `class_pngs` holds one
    0/255 PNG per class, as `seglab predict` writes them."""

    mask_png: bytes
    overlay_png: bytes
    image_png: bytes
    shares: list[ClassShare]
    class_pngs: dict[str, bytes] | None = None


def render_prediction(image: np.ndarray, prediction: Prediction, classes: ClassSpec,
                      multilabel: bool = False) -> RenderedPrediction:
    """Encode what the page shows; the mask PNG is byte-for-byte what `seglab predict` writes."""
    shown = to_rgb_uint8(display_image(np.asarray(image)))
    if multilabel:
        channels = unpack_numpy(prediction.mask, classes.num_classes)
        pixels = channels.reshape(classes.num_classes, -1).sum(1)
        total = max(int(channels[0].size), 1)
        bits = prediction.mask.astype(np.uint8 if classes.num_classes <= 8 else np.uint16)
        return RenderedPrediction(
            mask_png=png(bits),
            overlay_png=png(multilabel_overlay(shown, channels, classes.colours)),
            image_png=png(shown),
            shares=[ClassShare(i, name, classes.colours[i], int(pixels[i]), int(pixels[i]) / total)
                    for i, name in enumerate(classes.names)],
            class_pngs={name: png(mask) for name, mask in class_masks(prediction, classes).items()},
        )
    return RenderedPrediction(
        mask_png=mask_png(prediction.mask, classes),
        overlay_png=png(overlay(shown, prediction.mask, classes.colours, faint=classes.background)),
        image_png=png(shown),
        shares=class_shares(prediction.mask, classes),
    )


def class_shares(mask: np.ndarray, classes: ClassSpec) -> list[ClassShare]:
    """Pixel count and fraction of every class, including classes absent from the mask."""
    counts = np.bincount(np.asarray(mask).ravel(), minlength=classes.num_classes)
    total = max(int(counts.sum()), 1)
    return [
        ClassShare(i, name, classes.colours[i], int(counts[i]), float(counts[i]) / total)
        for i, name in enumerate(classes.names)
    ]


def mask_png(mask: np.ndarray, classes: ClassSpec) -> bytes:
    """The palette PNG of `write_mask_png` (values = class indices), as bytes."""
    with tempfile.TemporaryDirectory(prefix="seglab-mask-") as tmp:
        path = Path(tmp) / "mask.png"
        write_mask_png(path, mask, classes.colours)
        return path.read_bytes()


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()
