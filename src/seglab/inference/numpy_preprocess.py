"""NumPy-only preprocessing and postprocessing, the same rules as `Predictor`, for exported models.

An exported model is run by onnxruntime, so nothing on that path should compute with torch.
These functions mirror `Predictor.preprocess` (channel matching, antialiased bilinear resize,
`x / image_scale(dtype)`, then `(x - mean) / std`) and `Predictor.predict` (logits resized back
bilinearly, softmax, argmax); tests/export/test_preprocess.py pins them to the torch versions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seglab.data.files.io import image_scale
from seglab.data.loading.transforms import match_channels


def prepare_image(
    image: np.ndarray,
    in_channels: int,
    size: Sequence[int] | None,
    mean: Sequence[float],
    std: Sequence[float],
) -> np.ndarray:
    """An image as the exported model's input: normalised float32 at the training size.

    Shape: image (H, W) or (H, W, C) -> (1, in_channels, h, w); (h, w) is `size` when given.
    """
    image = match_channels(np.asarray(image), in_channels)
    if size is not None and tuple(image.shape[:2]) != tuple(size):
        image = resize_bilinear(image, (int(size[0]), int(size[1])), antialias=True)
    return normalise(image, mean, std)[None]


def normalise(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """(H, W, C) image of any dtype -> float32 (C, H, W): x / image_scale(dtype), then (x - mean) / std;
    no-data pixels (NaN) give 0.

    The NumPy twin of `seglab.data.to_tensor`, with the same checks.

    Raises:
        ValueError: wrong number of mean/std values or a std that is not positive.
    """
    if image.ndim == 2:
        image = image[..., None]
    channels = image.shape[2]
    mean_a = np.asarray(mean, dtype=np.float32).reshape(-1)
    std_a = np.asarray(std, dtype=np.float32).reshape(-1)
    for what, values in (("mean", mean_a), ("std", std_a)):
        if values.size not in (1, channels):
            raise ValueError(f"{what} has {values.size} values for an image with {channels} channels")
    if not bool((std_a > 0).all()):
        raise ValueError(f"std must be positive, got {std_a.tolist()}")
    x = np.asarray(image, dtype=np.float32) / np.float32(image_scale(image.dtype))
    x = (x - mean_a) / std_a
    if image.dtype.kind == "f":  # no-data pixels (NaN) become 0, the channel's mean, as in `to_tensor`
        x[np.isnan(x)] = 0.0
    return np.ascontiguousarray(x.transpose(2, 0, 1), dtype=np.float32)


def probabilities(logits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Softmax class probabilities at `size`, resizing logits bilinearly first as `Predictor` does.

    Shape: logits (K, h, w) -> probs (K, H, W) float32.
    """
    logits = _logits_at(logits, size)
    shifted = np.exp(logits - logits.max(axis=0, keepdims=True))
    return np.ascontiguousarray(shifted / shifted.sum(axis=0, keepdims=True), dtype=np.float32)


def sigmoid_probabilities(logits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Multi-label: one sigmoid per class at `size`, resizing logits first as `Predictor` does.

    Shape: logits (K, h, w) -> probs (K, H, W) float32.
    """
    logits = _logits_at(logits, size)
    return np.ascontiguousarray(0.5 * (1 + np.tanh(0.5 * logits)), dtype=np.float32)  # sigmoid, no overflow


def _logits_at(logits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    logits = np.asarray(logits, dtype=np.float32)
    if logits.shape[-2:] != tuple(size):
        hwk = resize_bilinear(logits.transpose(1, 2, 0), size, antialias=False)
        logits = hwk.transpose(2, 0, 1)
    return logits


def resize_bilinear(image: np.ndarray, size: tuple[int, int], antialias: bool) -> np.ndarray:
    """Bilinear resize of an (H, W, C) array to `size`, matching `F.interpolate(align_corners=False)`.

    With `antialias` the triangle filter widens when shrinking, as torch's `antialias=True` does
    (and `seglab.data.resize_image` uses); integer images are rounded and clipped back to their
    dtype like there.
    """
    height, width = size
    out = image.astype(np.float32)
    out = _resize_axis(out, 0, *_weights(image.shape[0], height, antialias))
    out = _resize_axis(out, 1, *_weights(image.shape[1], width, antialias))
    if image.dtype.kind in "iu":
        info = np.iinfo(image.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return np.ascontiguousarray(out.astype(image.dtype))


def _weights(source: int, target: int, antialias: bool) -> tuple[np.ndarray, np.ndarray]:
    """Source indices and weights, (target, taps) each, for one axis.

    The formulas follow ATen's upsample kernels, in float32 as there, so results agree with
    torch to float rounding: the antialiased one from `_compute_weights_aa`, the plain one
    from `area_pixel_compute_source_index` (half-pixel centres, clamped at 0).
    """
    f32 = np.float32
    scale = f32(source) / f32(target)
    centres = scale * (np.arange(target, dtype=f32) + f32(0.5))
    if antialias:
        support = scale if scale >= 1 else f32(1)
        inv = f32(1) / scale if scale >= 1 else f32(1)
        # ATen truncates toward zero (an int64 cast), then clamps to the image
        low = np.maximum(np.trunc(centres - support + f32(0.5)), 0).astype(np.int64)
        high = np.minimum(np.trunc(centres + support + f32(0.5)), source).astype(np.int64)
        index = low[:, None] + np.arange(int((high - low).max()))[None, :]
        distance = (index.astype(f32) - centres[:, None] + f32(0.5)) * inv
        weight = np.clip(f32(1) - np.abs(distance), f32(0), None).astype(f32)
        weight[index >= high[:, None]] = 0
        weight /= weight.sum(axis=1, keepdims=True, dtype=f32)
    else:
        position = np.maximum(centres - f32(0.5), f32(0))
        first = np.minimum(position.astype(np.int64), source - 1)
        frac = (position - first.astype(f32)).astype(f32)
        index = np.stack([first, np.minimum(first + 1, source - 1)], axis=1)
        weight = np.stack([f32(1) - frac, frac], axis=1)
    return np.minimum(index, source - 1), weight.astype(f32)


def _resize_axis(array: np.ndarray, axis: int, index: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted sum over taps along `axis`; one tap at a time keeps memory at one output array."""
    moved = np.moveaxis(array, axis, 0)
    out = np.zeros((index.shape[0], *moved.shape[1:]), dtype=np.float32)
    extra = (slice(None),) + (None,) * (moved.ndim - 1)
    for tap in range(index.shape[1]):
        out += weight[:, tap][extra] * moved[index[:, tap]]
    return np.moveaxis(out, 0, axis)
