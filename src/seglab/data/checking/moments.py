"""Per-channel mean and standard deviation of a dataset's images, summed image by image, so a
scan on threads adds each image's sums as it is read."""

from __future__ import annotations

import numpy as np

from seglab.data.files.io import image_scale


class Moments:
    """Running per-channel sums of x and x^2 in float64, kept apart for grey and RGB images."""

    def __init__(self) -> None:
        self.sums: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def add_sums(self, channels: int, s: np.ndarray, ss: np.ndarray, n: np.ndarray) -> None:
        zeros = np.zeros(channels)
        old_s, old_ss, old_n = self.sums.get(channels, (zeros, zeros, zeros))
        self.sums[channels] = (old_s + s, old_ss + ss, old_n + n)

    @staticmethod
    def of(image: np.ndarray, finite: bool) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """One image's (channels, sum, sum of squares, pixels counted per channel), scaled to
        [0, 1]; NaN pixels (no data, `no_data.blank_no_data`) are not counted. `finite`: the caller
        found no NaN (nor infinity), so a float image is not scanned for them again."""
        channels = image.shape[2]
        planes = np.moveaxis(image, 2, 0).reshape(channels, -1)
        if image.dtype.kind == "u":
            # a histogram per channel is exact and several times faster than float reductions
            levels = np.arange(np.iinfo(image.dtype).max + 1, dtype=np.float64)
            hists = np.stack([np.bincount(p, minlength=len(levels)) for p in planes]).astype(np.float64)
            s, ss, n = hists @ levels, hists @ (levels * levels), np.full(channels, float(planes.shape[1]))
        else:
            x = planes.astype(np.float64)
            if finite:
                n = np.full(channels, float(planes.shape[1]))
            else:
                counted = ~np.isnan(x)
                x[~counted] = 0.0
                n = counted.sum(axis=1).astype(np.float64)
            s, ss = x.sum(axis=1), np.einsum("ij,ij->i", x, x)
        scale = image_scale(image.dtype)
        return channels, s / scale, ss / scale**2, n

    def result(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        if not self.sums:
            return (), ()
        channels = max(self.sums)
        s, ss, n = np.zeros(channels), np.zeros(channels), np.zeros(channels)
        for count, (part_s, part_ss, part_n) in self.sums.items():
            if count == channels or (count, channels) == (1, 3):  # (1,) broadcasts: grey is repeated to RGB
                s, ss, n = s + part_s, ss + part_ss, n + part_n  # other counts cannot be fed
        n = np.maximum(n, 1)  # a band with no data anywhere: mean 0, std 0
        mean = s / n
        std = np.sqrt(np.maximum(ss / n - mean * mean, 0.0))
        return tuple(float(v) for v in mean), tuple(float(v) for v in std)
