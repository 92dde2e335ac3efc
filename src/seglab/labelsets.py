"""Multi-label masks as bit sets: pixel value = sum of 2**k over the classes k present.

A multi-label target keeps the shape of a class-index mask, (H, W) integers, so every stage
built for those (caching in the smallest dtype, nearest-neighbour resizing, crops, flips,
padding with an ignore label) carries it unchanged; the loss and the metrics unpack the bits
into one binary channel per class. Pixels left out of loss and metrics hold `IGNORE` (-1), the
value crops and augmentation already pad with, so no bit set can be mistaken for it.

Shape: labels (..., H, W) int <-> channels (..., K, H, W) bool.

The tensor functions import torch when called: reading masks (`seglab inspect`) needs only the
NumPy ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from torch import Tensor

IGNORE = -1  # equals seglab.data.loading.augment.PAD_LABEL: padding is ignored in both modes
MAX_CLASSES = 30  # bit sets up to 2**30 - 1 stay in int32 (the dataset caches the smallest dtype)
DEFAULT_THRESHOLD = 0.5


def unpack(labels: Tensor, num_classes: int) -> Tensor:
    """Bit set labels -> one boolean channel per class; `IGNORE` pixels give all-False channels.

    Shape: (B, H, W) -> (B, K, H, W).
    """
    import torch

    bits = torch.arange(num_classes, device=labels.device).view(1, -1, 1, 1)
    return ((labels.clamp_min(0).unsqueeze(1) >> bits) & 1).bool()


def pack(channels: Tensor) -> Tensor:
    """One boolean channel per class -> bit set labels (int64). Shape: (B, K, H, W) -> (B, H, W)."""
    import torch

    weights = (2 ** torch.arange(channels.shape[1], device=channels.device, dtype=torch.int64)).view(1, -1, 1, 1)
    return (channels.long() * weights).sum(1)


def pack_numpy(channels: np.ndarray) -> np.ndarray:
    """NumPy `pack` for one mask. Shape: (K, H, W) bool -> (H, W) int64."""
    weights = (2 ** np.arange(channels.shape[0], dtype=np.int64)).reshape(-1, 1, 1)
    return (channels.astype(np.int64) * weights).sum(0)


def unpack_numpy(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """NumPy `unpack` for one mask. Shape: (H, W) -> (K, H, W) bool."""
    bits = np.arange(num_classes).reshape(-1, 1, 1)
    return ((np.maximum(labels, 0)[None] >> bits) & 1).astype(bool)


def threshold_logits(thresholds: tuple[float, ...] | None, num_classes: int) -> Tensor:
    """Per-class probability thresholds as logits (sigmoid(x) > t iff x > logit(t)).

    Raises:
        ValueError: a threshold outside (0, 1) or the wrong count.
    """
    values = thresholds if thresholds is not None else (DEFAULT_THRESHOLD,) * num_classes
    if len(values) != num_classes or not all(0 < t < 1 for t in values):
        raise ValueError(f"thresholds must be {num_classes} probabilities strictly between 0 and 1, got {list(values)}")
    import torch

    return torch.logit(torch.tensor(values, dtype=torch.float64)).float()


def class_pixels(value_counts: Mapping[int, int], num_classes: int) -> list[int]:
    """Pixels where each class is present, from pixel counts per bit-set value (`IGNORE` left out)."""
    return [sum(n for v, n in value_counts.items() if v >= 0 and v >> k & 1) for k in range(num_classes)]
