"""From the loader's batch to the network's input on the device, at the least host cost.

8-bit images leave the loader as uint8 (a quarter of float32's bytes over PCIe) and masks as
uint8/int16 (an eighth of int64's); on the device one float32 copy (channels_last when asked)
is normalised in place, with the very operations `seglab.data.loading.transforms.to_tensor` does on
the host, so training numbers are the same bit for bit. On CUDA the copy of the next batch,
its normalisation and its flips/crops (`BatchAugment`) run on a side stream while the current
step computes, from pinned memory; on the CPU the same calls run in line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seglab.data.loading.augment import PAD_LABEL, Augment
from seglab.data.loading.batch_augment import BatchAugment
from seglab.data.loading.dataset import SegmentationDataset
from seglab.data.files.io import image_scale
from seglab.data.loading.prepare import PreparedData
from seglab.data.loading.sampling import PatchSampler
from seglab.errors import ConfigError

log = logging.getLogger(__name__)

DEVICE_FLIPS = ("hflip", "vflip")


class DeviceFeed:
    """Moves batches to `device` and makes them what the network takes.

    Args:
        device: where the network runs.
        channels_last: images in channels_last layout.
        mean, std: the normalisation of uint8 batches (per channel, of image / 255); batches
            that arrive as float are taken as already normalised.
        augment: flips and crops applied to training batches on the device.
        seed: with `augment`, the draws of epoch e come from a generator seeded with (seed, e),
            so a resumed run repeats them.
    """

    def __init__(self, device: torch.device, channels_last: bool = False, mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None, augment: BatchAugment | None = None, seed: int = 0) -> None:
        self.device = torch.device(device)
        self.layout = torch.channels_last if channels_last else torch.contiguous_format
        self.augment = augment
        self.seed = seed
        self.normalisation = None
        if mean is not None and std is not None:
            shape = (1, -1, 1, 1)
            # 255 as a device tensor: CUDA divides by a host scalar as a multiply by its
            # reciprocal, which differs from numpy's x / 255 in the last bit for half the values
            self.normalisation = (torch.tensor(image_scale(np.dtype(np.uint8)), device=self.device),
                                  torch.tensor(mean, dtype=torch.float32, device=self.device).view(shape),
                                  torch.tensor(std, dtype=torch.float32, device=self.device).view(shape))
        self.generator = torch.Generator(self.device) if augment is not None else None
        self.stream = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None

    def __call__(self, batch: dict[str, Any], training: bool = False) -> tuple[Tensor, Tensor]:
        """One batch on the device: image float32 (B, C, H, W) normalised, mask int64 (B, H, W)."""
        image = batch["image"].to(self.device, non_blocking=True)
        mask = batch["mask"].to(self.device, non_blocking=True).long()
        image = self.normalise(image) if image.dtype == torch.uint8 else image.contiguous(memory_format=self.layout)
        if training and self.augment is not None:
            image, mask = self.augment(image, mask, self.generator)
            image = image.contiguous(memory_format=self.layout)
        return image, mask

    def normalise(self, image: Tensor) -> Tensor:
        """uint8 -> float32 (x / 255 - mean) / std in one new buffer, operations in to_tensor's order."""
        if self.normalisation is None:
            raise ValueError("a uint8 batch reached a DeviceFeed without mean and std to normalise it")
        scale, mean, std = self.normalisation
        out = image.to(torch.float32, memory_format=self.layout)
        return out.div_(scale).sub_(mean).div_(std)

    def batches(self, loader: Iterable[dict[str, Any]], training: bool = False,
                epoch: int = 0) -> Iterator[tuple[Tensor, Tensor]]:
        """The loader's batches on the device; on CUDA each is prepared while the one before computes."""
        if training and self.generator is not None:
            self.generator.manual_seed(self.seed * 1_000_003 + epoch)
        if self.stream is None:
            for batch in loader:
                yield self(batch, training)
            return
        yield from self._prefetched(loader, training)

    def _prefetched(self, loader: Iterable[dict[str, Any]], training: bool) -> Iterator[tuple[Tensor, Tensor]]:
        """CUDA only: copy, normalise and augment batch n+1 on a side stream during step n."""
        assert self.stream is not None
        compute = torch.cuda.current_stream(self.device)

        def enqueue(batch: dict[str, Any] | None) -> tuple[Tensor, Tensor] | None:
            if batch is None:
                return None
            with torch.cuda.stream(self.stream):
                return self(batch, training)

        batches = iter(loader)
        ready = enqueue(next(batches, None))
        while ready is not None:
            compute.wait_stream(self.stream)
            for tensor in ready:
                tensor.record_stream(compute)  # allocated on the side stream, freed after the step
            current, ready = ready, enqueue(next(batches, None))
            yield current


@dataclass(frozen=True)
class FeedPlan:
    """Which training views stay in the loader's workers and which move to the device."""

    augment: Augment | None  # per-sample augmentation left on the CPU
    patches: PatchSampler | None  # per-sample crops left on the CPU
    on_device: BatchAugment | None  # flips and uniform crops done on the device
    raw: bool  # 8-bit images: loaders yield uint8 images and compact masks

    def dataset(self, data: PreparedData, split: str, training: bool = False) -> SegmentationDataset:
        """`data.dataset` with this plan's training views."""
        views = replace(data, augment=self.augment, patches=self.patches)
        return views.dataset(split, training=training, raw=self.raw)


def plan_feeding(data: PreparedData, device: torch.device, augment_device: bool | None,
                 samples_per_image: int = 1) -> FeedPlan:
    """Decide what runs on the device. `augment_device` True moves the flips of the augmentation
    to the device, and the uniform crops of --patch-size when nothing else stays on the CPU, the
    images share one size (the loader then batches whole images) and each image gives one view
    an epoch (`samples_per_image` views are drawn by the loader's workers); None does so on CUDA.

    Flips commute in distribution with the other transforms (each draws reflection-symmetric
    parameters), so doing them last, on the device, trains on the same distribution.

    Raises:
        ConfigError: `augment_device` True without flips or uniform crops to move.
    """
    raw = bool(data.stats.dtypes) and set(data.stats.dtypes) == {"uint8"}
    moved = augment_device if augment_device is not None else device.type == "cuda"
    augment, patches = data.augment, data.patches
    if not moved:
        return FeedPlan(augment, patches, None, raw)
    flips = {name: float(params["p"]) for name, params in augment.steps if name in DEVICE_FLIPS} if augment else {}
    cpu_augment = augment.without(flips) if augment is not None else None
    same_size = data.size is not None or len(data.stats.image_sizes) == 1
    crop = None
    if (patches is not None and patches.rare_class_crops == 0 and cpu_augment is None and same_size
            and samples_per_image == 1):
        crop, patches = patches.size, None
    if not flips and crop is None:
        if augment_device:
            raise ConfigError("--augment-device moves flips (hflip, vflip) and uniform --patch-size crops to the "
                              "device, and this run has neither (crops stay on the CPU with --rare-class-crops, "
                              "--samples-per-image above 1, other augmentation, or images of several sizes)")
        return FeedPlan(augment, patches, None, raw)
    fill = data.train_ignore_index if data.train_ignore_index is not None else PAD_LABEL  # set when crops move
    sides = augment.sides if augment is not None else None
    on_device = BatchAugment(flips.get("hflip", 0.0), flips.get("vflip", 0.0), crop, fill, sides)
    log.info("augmentation on the device (%s): %s", device, ", ".join(on_device.names()))
    return FeedPlan(cpu_augment, patches, on_device, raw)
