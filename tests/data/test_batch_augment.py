"""Flips and crops of whole batches: masks stay aligned with their images, padding is filled,
and the draws follow the probabilities and windows the per-sample path uses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seglab.data.loading.batch_augment import BatchAugment
from seglab.data.loading.mirror_classes import SideSwap
from seglab.data.loading.sampling import PatchSampler

FILL = 255


def labelled_batch(batch: int, height: int, width: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Images whose first channel is the mask (as a float) and the second each pixel's unique
    position code, so a mask read from any other pixel than its image's shows."""
    generator = torch.Generator().manual_seed(seed)
    mask = torch.randint(0, 5, (batch, height, width), generator=generator)
    position = torch.arange(batch * height * width, dtype=torch.float32).view(batch, height, width) + 1
    return torch.stack([mask.float(), position], dim=1), mask


@pytest.mark.parametrize("crop", [None, (5, 7), (12, 9), (8, 11)], ids=["flips", "smaller", "larger", "mixed"])
def test_masks_stay_aligned_with_their_images(crop: tuple[int, int] | None) -> None:
    image, mask = labelled_batch(64, 8, 10)
    out_image, out_mask = BatchAugment(0.5, 0.5, crop, FILL)(image, mask, torch.Generator().manual_seed(1))
    height, width = crop or (8, 10)
    assert out_image.shape == (64, 2, height, width) and out_mask.shape == (64, height, width)
    inside = out_mask != FILL
    assert torch.equal(out_image[:, 0][inside], out_mask[inside].float())  # the mask moved with its image
    padded = ~inside
    assert bool((out_image[:, 0][padded] == 0).all() and (out_image[:, 1][padded] == 0).all())
    # every kept pixel comes from its own sample, in its own row and column order (a flip or a shift)
    codes = out_image[:, 1][inside].long() - 1
    assert bool((codes // 80 == torch.arange(64)[:, None, None].expand_as(inside)[inside]).all())
    if crop is None:
        assert bool(inside.all())  # no window: nothing is padded


def test_flips_are_exact_reversals() -> None:
    image, mask = labelled_batch(4, 6, 6)
    out_image, out_mask = BatchAugment(hflip=1.0)(image, mask)
    assert torch.equal(out_image, image.flip(-1)) and torch.equal(out_mask, mask.flip(-1))
    out_image, out_mask = BatchAugment(vflip=1.0)(image, mask)
    assert torch.equal(out_image, image.flip(-2)) and torch.equal(out_mask, mask.flip(-2))
    assert out_image.is_contiguous(memory_format=torch.channels_last)


def test_mirrored_samples_swap_their_side_classes_and_turned_ones_keep_them() -> None:
    swap = SideSwap.from_classes(["background", "left_eye", "right_eye", "nose", "mouth"])
    image, mask = labelled_batch(64, 6, 8)
    mask[:, 0, :2] = FILL  # ignore stays ignore
    image[:, 0] = mask.float()
    out_image, out_mask = BatchAugment(0.5, 0.5, None, FILL, swap)(image, mask, torch.Generator().manual_seed(3))
    moved = out_image[:, 0].long()  # each pixel's label before augmenting
    position = out_image[:, 1]
    across, down = position[:, 0, 0] > position[:, 0, -1], position[:, 0, 0] > position[:, -1, 0]
    mirrored = (across ^ down)[:, None, None]  # one flip mirrors, both are a half turn
    swapped = torch.where(moved == 1, 2, torch.where(moved == 2, 1, moved))
    assert torch.equal(out_mask, torch.where(mirrored, swapped, moved))
    assert bool(mirrored.any() and (across & down).any() and (~across & ~down).any())  # every case was drawn
    assert bool((out_mask == FILL).sum(dim=(1, 2)).eq(2).all())


def test_draws_follow_the_probabilities_and_the_patch_sampler_windows() -> None:
    samples, height, width, crop = 4000, 6, 9, (6, 5)
    image, mask = labelled_batch(samples, height, width)
    out_image, _ = BatchAugment(0.3, 0.0, crop)(image, mask, torch.Generator().manual_seed(2))
    first = out_image[:, 1, 0, :].long() - 1 - torch.arange(samples)[:, None] * height * width  # row 0 positions
    flipped = first[:, 0] > first[:, -1]
    assert abs(flipped.float().mean().item() - 0.3) < 0.03
    starts = torch.where(flipped, first[:, -1], first[:, 0])
    counts = np.bincount(starts.numpy(), minlength=width - crop[1] + 1)
    # the per-sample path's uniform windows (PatchSampler without class-centred crops)
    rng = np.random.default_rng(0)
    reference = np.bincount([PatchSampler(crop).window(np.zeros((height, width), np.uint8), rng)[1].start
                             for _ in range(samples)], minlength=len(counts))
    assert len(counts) == len(reference) == 5
    expected = samples / len(counts)
    assert np.abs(counts - expected).max() < 0.1 * expected and np.abs(reference - expected).max() < 0.1 * expected


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="flip probabilities"):
        BatchAugment(hflip=1.5)
    with pytest.raises(ValueError, match="crop"):
        BatchAugment(crop=(0, 4))
