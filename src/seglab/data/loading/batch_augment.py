"""Random flips and crops of a whole batch where it lives (the GPU), image and mask together.

The per-sample augmentation (`seglab.data.loading.augment`) runs in the loader's CPU workers, one
sample at a time; flips and uniform crops need no interpolation, so they can run on the batch
after it reached the device instead, as one gather per tensor: each sample's output pixel
(i, j) reads the input pixel (row[i], col[j]), where the rows and columns come from one random
window start and an optional reversal per sample. Image and mask read through the same
indices, so they cannot come apart. Windows larger than the image are padded as
`seglab.data.loading.sampling.PatchSampler.pad` pads: the image with 0 (the training mean, once
normalised), the mask with the fill label. A sample flipped along one axis is a mirror image
(along both, a half turn), so its mask's side classes trade labels as in `seglab.data.loading.augment`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from seglab.data.loading.augment import PAD_LABEL
from seglab.data.loading.mirror_classes import SideSwap


@dataclass(frozen=True)
class BatchAugment:
    """Flips with probability `hflip`/`vflip` per sample, and a random `crop` (H, W) window
    (None keeps the batch's size); `sides` are the classes a mirrored sample's mask exchanges.

    Example:
        >>> augment = BatchAugment(hflip=1.0)
        >>> image, mask = augment(torch.arange(4.0).view(1, 1, 2, 2), torch.tensor([[[0, 1], [2, 3]]]))
        >>> mask.tolist()
        [[[1, 0], [3, 2]]]
    """

    hflip: float = 0.0
    vflip: float = 0.0
    crop: tuple[int, int] | None = None
    fill_label: int = PAD_LABEL
    sides: SideSwap | None = None

    def __post_init__(self) -> None:
        if not (0.0 <= self.hflip <= 1.0 and 0.0 <= self.vflip <= 1.0):
            raise ValueError(f"flip probabilities must lie in [0, 1], got {self.hflip} and {self.vflip}")
        if self.crop is not None and (len(self.crop) != 2 or min(self.crop) < 1):
            raise ValueError(f"crop must be two positive integers (H, W), got {self.crop!r}")

    def names(self) -> list[str]:
        """What it does, for the log."""
        done = {"hflip": self.hflip > 0, "vflip": self.vflip > 0, "crop": self.crop is not None}
        return [name for name, on in done.items() if on]

    def __call__(self, image: Tensor, mask: Tensor, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Shape: image (B, C, H, W) float, mask (B, H, W) int64 -> (B, C, h, w), (B, h, w), on
        their device, without reading anything back to the host; the image comes out
        channels_last."""
        batch, _, height, width = image.shape
        out_height, out_width = self.crop or (height, width)
        rows, upside_down = _window(batch, height, out_height, self.vflip, generator, image.device)  # (B, h)
        cols, mirrored = _window(batch, width, out_width, self.hflip, generator, image.device)  # (B, w)
        inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[:, None, :]
        rows, cols = rows.clamp(0, height - 1)[:, :, None], cols.clamp(0, width - 1)[:, None, :]
        samples = torch.arange(batch, device=image.device)[:, None, None]
        # advanced indices around a slice put their dimensions first: (B, h, w, C), i.e. channels_last
        out_image = image[samples, :, rows, cols].permute(0, 3, 1, 2)
        out_mask = mask[samples, rows, cols]
        if self.sides is not None:
            out_mask = torch.where((mirrored ^ upside_down)[:, :, None], self.sides.labels(out_mask), out_mask)
        if self.crop is not None:  # only a window can reach outside the image
            out_image = out_image * inside[:, None].to(out_image.dtype)
            out_mask = torch.where(inside, out_mask, torch.full_like(out_mask, self.fill_label))
        return out_image, out_mask


def _window(batch: int, extent: int, length: int, flip: float, generator: torch.Generator | None,
            device: torch.device) -> tuple[Tensor, Tensor]:
    """Source indices of each sample's window along one axis, reversed where flipped: (B, length),
    and which samples are flipped: (B, 1) bool. A window longer than `extent` starts at a random
    negative offset (its ends are padding)."""
    low, high = min(0, extent - length), max(0, extent - length)
    start = torch.randint(low, high + 1, (batch, 1), generator=generator, device=device)
    offsets = torch.arange(length, device=device).expand(batch, length)
    flipped = torch.zeros(batch, 1, dtype=torch.bool, device=device)
    if flip > 0:
        flipped = torch.rand(batch, 1, generator=generator, device=device) < flip
        offsets = torch.where(flipped, length - 1 - offsets, offsets)
    return start + offsets, flipped
