"""Random training views: patch windows (class-aware), and a per-sample seed for each draw.

Large images train on random patches whose size is independent of the image size; with
`rare_class_crops` a share of the patches is centred on a pixel of a class chosen uniformly
among the classes present in the mask, so a class covering 1% of the pixels is seen in far
more than 1% of the patches.

Every random choice for a sample comes from a seed that travels with its index
(`SeededSampler` yields `(index, seed)`), drawn from the DataLoader's shuffling generator.
So a draw does not depend on which process loads the sample, a fixed seed repeats a run
exactly, and `--resume`, which restores that generator, continues with the same draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Sampler

_MAX_SEED = 2**62


class SeededSampler(Sampler[tuple[int, int]]):
    """Yields (index, seed): the indices of `base` in its order, each with a fresh seed.

    Args:
        base: the sampler deciding the order (a RandomSampler, a DistributedSampler, ...).
        generator: where the seeds come from; the loader's shuffling generator, so saving
            and restoring that one generator covers order and augmentation alike.
        repeats: passes over `base` per epoch, each index with its own seed every time, so a
            few large images give several random patches per epoch (`data.samples_per_image`).
    """

    def __init__(self, base: Iterable[int], generator: torch.Generator, repeats: int = 1) -> None:
        if repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {repeats}")
        self.base = base
        self.generator = generator
        self.repeats = repeats

    def __len__(self) -> int:
        assert isinstance(self.base, Sized)
        return len(self.base) * self.repeats

    def __iter__(self) -> Iterator[tuple[int, int]]:
        indices = [int(i) for _ in range(self.repeats) for i in self.base]
        seeds = torch.randint(_MAX_SEED, (len(indices),), generator=self.generator).tolist()
        return iter(zip(indices, seeds))


def sample_rng(index: int, seed: int | None) -> np.random.Generator:
    """The generator for one draw of sample `index`.

    The index is mixed in, so samples that share a seed (the same step on different
    processes in distributed training) still differ. Without a seed (a bare index, e.g. a
    plain DataLoader), the seed comes from torch's global generator, which `seed_everything`
    seeds in the main process and the DataLoader seeds in each worker.
    """
    if seed is None:
        seed = int(torch.randint(_MAX_SEED, ()).item())
    return np.random.default_rng([seed, index])


class PatchSampler:
    """Chooses fixed-size patch windows in a mask, uniformly or centred on a chosen class.

    Args:
        size: (H, W) of every patch.
        rare_class_crops: probability that a patch is centred on a random pixel of one class,
            picked uniformly among the classes present in the mask (ignored pixels excluded);
            otherwise the window is uniform over the image.
        ignore_index: label never chosen as a centre.
        fill_label: mask value for the padding of images smaller than a patch.

    Raises:
        ValueError: a size that is not two positive integers, a probability outside [0, 1].

    Example:
        >>> mask = np.full((8, 8), 255, dtype=np.uint8); mask[7, 7] = 1  # one labelled pixel
        >>> PatchSampler((4, 4), 1.0, ignore_index=255).window(mask, np.random.default_rng(0))
        (slice(4, 8, None), slice(4, 8, None))
    """

    def __init__(
        self,
        size: tuple[int, int],
        rare_class_crops: float = 0.0,
        ignore_index: int | None = None,
        fill_label: int = -1,
    ) -> None:
        if len(size) != 2 or any(isinstance(v, bool) or int(v) != v or v < 1 for v in size):
            raise ValueError(f"patch size must be two positive integers (H, W), got {size!r}")
        if not 0.0 <= rare_class_crops <= 1.0:
            raise ValueError(f"rare_class_crops is a probability in [0, 1], got {rare_class_crops}")
        self.size = (int(size[0]), int(size[1]))
        self.rare_class_crops = float(rare_class_crops)
        self.ignore_index = ignore_index
        self.fill_label = fill_label

    def window(self, mask: np.ndarray, rng: np.random.Generator) -> tuple[slice, slice]:
        """Row and column slices of one patch; shorter than `size` where the image is smaller."""
        height, width = mask.shape
        centre = self._class_pixel(mask, rng) if rng.random() < self.rare_class_crops else None
        spans = []
        for axis, (extent, length) in enumerate(zip((height, width), self.size)):
            room = max(extent - length, 0)
            if centre is None:
                start = int(rng.integers(room + 1))
            else:
                start = min(max(centre[axis] - length // 2, 0), room)
            spans.append(slice(start, start + length))
        return spans[0], spans[1]

    def pad(self, image: Tensor, mask: Tensor, rng: np.random.Generator) -> tuple[Tensor, Tensor]:
        """Pad a patch cut from a smaller image up to `size`, at a random offset: the image
        with 0 (the training mean, once normalised), the mask with `fill_label`.

        Shape: image (C, h, w), mask (h, w) -> (C, H, W), (H, W).
        """
        rows, cols = self.size[0] - image.shape[-2], self.size[1] - image.shape[-1]
        if rows <= 0 and cols <= 0:
            return image, mask
        top, left = int(rng.integers(max(rows, 0) + 1)), int(rng.integers(max(cols, 0) + 1))
        padding = (left, max(cols, 0) - left, top, max(rows, 0) - top)
        return F.pad(image, padding, value=0.0), F.pad(mask, padding, value=self.fill_label)

    def _class_pixel(self, mask: np.ndarray, rng: np.random.Generator) -> tuple[int, int] | None:
        """A random pixel of a class chosen uniformly among those present; None if none is."""
        present = np.flatnonzero(np.bincount(mask.ravel()))
        if self.ignore_index is not None:
            present = present[present != self.ignore_index]
        if present.size == 0:
            return None
        label = present[rng.integers(present.size)]
        where = np.flatnonzero(mask.ravel() == label)
        row, col = divmod(int(where[rng.integers(where.size)]), mask.shape[1])
        return row, col
