"""Paired preprocessing: resize images (bilinear) and masks (nearest), normalise to tensors.

Images keep their stored dtype through resizing so caches stay small; masks use nearest
neighbour (`files.label_resize.resize_mask`, torch-free for discovery) so labels stay integral
and no class is invented at a boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from seglab.data.files.io import image_scale
from seglab.data.files.label_resize import check_size
from seglab.errors import DataError


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of an (H, W, C) image to `size` (H, W), keeping its dtype.

    Downscaling is antialiased so thin structures (membranes, poles) fade instead of aliasing;
    integer images are rounded and clipped back to their range.
    """
    height, width = check_size(size)
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W, C), got shape {image.shape}")
    if image.shape[:2] == (height, width):
        return image.copy()
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)[None]
    y = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
    out = y[0].permute(1, 2, 0).numpy()
    if image.dtype.kind in "iu":
        info = np.iinfo(image.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return np.ascontiguousarray(out.astype(image.dtype))


def stands_in(found: int, channels: int) -> bool:
    """Whether an image of `found` channels can feed a model of `channels`: the same count, or
    grey and RGB for each other (`match_channels`)."""
    return found == channels or (found, channels) in ((1, 3), (3, 1))


def match_channels(image: np.ndarray, channels: int, source: object = "image") -> np.ndarray:
    """(H, W) or (H, W, C) -> (H, W, channels): grey is replicated to RGB, RGB averaged to grey.

    The one rule for training data and for prediction, so a model sees its inputs as it was
    trained on them. Bands and modalities are not made up: one band is no stand-in for four.

    Raises:
        DataError: naming `source`, when the channel counts cannot be matched (e.g. 2 -> 3, 1 -> 4).
    """
    if image.ndim == 2:
        image = image[:, :, None]
    found = image.shape[2]
    if not stands_in(found, channels):
        raise DataError(f"{source} has {found} channel(s) but the model expects {channels} (the channels of the "
                        "images it was trained on); only grey and RGB stand in for each other")
    if found == channels:
        return image
    if (found, channels) == (1, 3):
        return np.repeat(image, channels, axis=2)
    return image.mean(axis=2, keepdims=True).astype(image.dtype)  # RGB for grey


def prepare_image(image: np.ndarray, channels: int, size: Sequence[int] | None, source: object = "image") -> np.ndarray:
    """An image as the network is fed it, before normalisation: channels matched, then resized
    (antialiased bilinear) to `size` when one is set. Training data and `Predictor` both use it."""
    image = match_channels(image, channels, source)
    return resize_image(image, (int(size[0]), int(size[1]))) if size is not None else image


def to_tensor(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """(H, W, C) image of any dtype -> float32 (C, H, W): x / image_scale(dtype), then (x - mean) / std;
    no-data pixels (NaN) give 0, so the network sees them as the channel's mean.

    Shape: image (H, W, C) -> (C, H, W); `mean` and `std` hold one value per channel (or one
    value for all channels).

    Raises:
        ValueError: wrong number of mean/std values or a std that is not positive.
    """
    if image.ndim == 2:
        image = image[..., None]
    channels = image.shape[2]
    mean_t = torch.as_tensor(np.asarray(mean, dtype=np.float32).reshape(-1))
    std_t = torch.as_tensor(np.asarray(std, dtype=np.float32).reshape(-1))
    for what, values in (("mean", mean_t), ("std", std_t)):
        if values.numel() not in (1, channels):
            raise ValueError(f"{what} has {values.numel()} values for an image with {channels} channels")
    if not bool((std_t > 0).all()):
        raise ValueError(f"std must be positive, got {std_t.tolist()}")
    scale = image_scale(image.dtype)
    # via numpy: torch has few kernels for uint16, and float32 holds every uint16 exactly
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / np.float32(scale)).permute(2, 0, 1)
    x = (x - mean_t[:, None, None]) / std_t[:, None, None]
    if image.dtype.kind == "f":  # no-data pixels (NaN: `io.read_image`) become 0, the channel's mean
        x = x.masked_fill(torch.isnan(x), 0.0)
    return x.contiguous()
