"""Predictor: a trained model plus the preprocessing it was trained with, for new images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seglab.data import ClassSpec, read_image, resize_image, to_tensor
from seglab.engine.checkpoint import ModelCard, load_checkpoint
from seglab.engine.run_folder import RunFolder
from seglab.errors import DataError
from seglab.runtime import Precision, resolve_device, resolve_precision


@dataclass(frozen=True)
class Prediction:
    """Shape: mask (H, W) int64 class indices, probs (K, H, W) float32, at the input's size."""

    mask: np.ndarray
    probs: np.ndarray


def match_channels(image: np.ndarray, in_channels: int) -> np.ndarray:
    """(H, W) or (H, W, C) -> (H, W, in_channels): gray is replicated, RGB averaged to gray."""
    if image.ndim == 2:
        image = image[:, :, None]
    channels = image.shape[2]
    if channels == in_channels:
        return image
    if channels == 1:
        return np.repeat(image, in_channels, axis=2)
    if in_channels == 1:
        return image.mean(axis=2, keepdims=True).astype(image.dtype)
    raise DataError(f"image has {channels} channels but the model expects {in_channels}")


class Predictor:
    """Predict masks for arrays or files exactly as the training run preprocessed them.

    Example:
        >>> predictor = Predictor.from_run("runs/demo")  # doctest: +SKIP
        >>> prediction = predictor.predict(image_array)  # doctest: +SKIP
        >>> prediction.mask.shape == image_array.shape[:2]  # doctest: +SKIP
        True
    """

    def __init__(
        self,
        model: nn.Module,
        card: ModelCard,
        device: torch.device | str = "cpu",
        precision: Precision | None = None,
    ) -> None:
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.card = card
        self.classes: ClassSpec = card.class_spec
        self.precision = precision or resolve_precision("fp32", self.device)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "auto", precision: str = "fp32") -> Predictor:
        """Load a `.safetensors` checkpoint written by seglab (no pickle is ever read)."""
        checkpoint = load_checkpoint(path)
        target = resolve_device(device)
        return cls(checkpoint.load_model(target), checkpoint.card, target, resolve_precision(precision, target))

    @classmethod
    def from_run(cls, path: str | Path, device: str = "auto", checkpoint: str = "best") -> Predictor:
        """Load the best (or `last`) checkpoint of a run folder."""
        run = RunFolder.open(path)
        return cls.from_checkpoint(run.best if checkpoint == "best" else run.last, device)

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        """(H, W[, C]) array -> normalised (1, C, h, w) tensor at the training size."""
        image = match_channels(np.asarray(image), self.card.in_channels)
        if self.card.size is not None:
            image = resize_image(image, self.card.size)
        return to_tensor(image, self.card.mean, self.card.std)[None].to(self.device)

    @torch.no_grad()
    def predict(self, image: np.ndarray) -> Prediction:
        """Class mask and probabilities at the input's original size.

        Shape: image (H, W) or (H, W, C) -> mask (H, W), probs (K, H, W).
        """
        height, width = np.asarray(image).shape[:2]
        with self.precision.autocast():
            logits = self.model(self.preprocess(image))
        logits = logits.float()
        if logits.shape[-2:] != (height, width):
            logits = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
        probs = logits.softmax(dim=1)[0]
        return Prediction(mask=probs.argmax(0).cpu().numpy(), probs=probs.cpu().numpy())

    def predict_file(self, path: str | Path) -> Prediction:
        return self.predict(read_image(path))
