"""Patch crops (class-aware), per-sample seeds, and reproducible training views."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import RandomSampler

from seglab import config
from seglab.data.loading.augment import PAD_LABEL
from seglab.data.loading.prepare import make_loader, prepare_data
from seglab.data.loading.sampling import PatchSampler, SeededSampler
from seglab.errors import ConfigError

RARE = 1


def rare_masks(count: int = 20, size: int = 128, square: int = 6) -> list[np.ndarray]:
    """Background masks with one small square of a rare class (0.2% of the pixels)."""
    rng = np.random.default_rng(0)
    masks = []
    for _ in range(count):
        mask = np.zeros((size, size), dtype=np.uint8)
        top, left = rng.integers(0, size - square, 2)
        mask[top : top + square, left : left + square] = RARE
        masks.append(mask)
    return masks


def rare_share(sampler: PatchSampler, masks: list[np.ndarray], draws: int = 50) -> tuple[float, float]:
    """(share of rare pixels in the patches, share of patches showing the rare class)."""
    rng = np.random.default_rng(1)
    pixels = seen = total = 0
    for _ in range(draws):
        for mask in masks:
            rows, cols = sampler.window(mask, rng)
            patch = mask[rows, cols]
            assert patch.shape == sampler.size
            hits = int((patch == RARE).sum())
            pixels, seen, total = pixels + hits, seen + (hits > 0), total + 1
    return pixels / (total * patch.size), seen / total


def test_class_aware_crops_show_the_rare_class_far_more_often() -> None:
    masks = rare_masks()
    uniform = rare_share(PatchSampler((32, 32), rare_class_crops=0.0), masks)
    aware = rare_share(PatchSampler((32, 32), rare_class_crops=0.5), masks)
    # uniform crops: ~0.22% rare pixels, ~9% of patches show it; half the crops centred on a
    # class chosen among the two present: at least a quarter of the patches show the whole square
    assert uniform[0] == pytest.approx(36 / 128**2, rel=0.25)
    assert aware[0] > 3 * uniform[0]
    assert aware[1] > 0.25 > uniform[1]


def test_centred_crops_contain_the_chosen_pixel_and_skip_ignored_labels() -> None:
    mask = np.full((40, 50), 255, dtype=np.uint8)
    mask[39, 0] = 2  # one labelled pixel in a corner
    sampler = PatchSampler((8, 8), rare_class_crops=1.0, ignore_index=255)
    rows, cols = sampler.window(mask, np.random.default_rng(0))
    assert (rows, cols) == (slice(32, 40), slice(0, 8))  # clamped inside the image


def test_small_images_are_padded_with_zero_and_the_fill_label() -> None:
    sampler = PatchSampler((6, 8), fill_label=PAD_LABEL)
    image, mask = torch.ones(3, 4, 5), torch.full((4, 5), 2)
    rows, cols = sampler.window(np.zeros((4, 5), dtype=np.uint8), np.random.default_rng(0))
    assert (rows.stop - rows.start, cols.stop - cols.start) == (6, 8)  # slices clip to the image
    out_image, out_mask = sampler.pad(image, mask, np.random.default_rng(0))
    assert out_image.shape == (3, 6, 8) and out_mask.shape == (6, 8)
    assert int((out_mask == 2).sum()) == 20 and int((out_mask == PAD_LABEL).sum()) == 48 - 20
    assert float(out_image.sum()) == 3 * 20  # padding is 0, the normalised mean


@pytest.mark.parametrize("args", [((0, 8), 0.0), ((8,), 0.0), ((8, 8), 1.5)])
def test_bad_patch_settings_are_refused(args: tuple) -> None:
    with pytest.raises(ValueError):
        PatchSampler(*args)


def test_seeded_sampler_keeps_the_base_order_and_draws_repeatable_seeds() -> None:
    def draw(seed: int) -> list[tuple[int, int]]:
        generator = torch.Generator().manual_seed(seed)
        return list(SeededSampler(RandomSampler(range(10), generator=generator), generator))

    plain = list(RandomSampler(range(10), generator=torch.Generator().manual_seed(3)))
    first = draw(3)
    assert [i for i, _ in first] == plain  # same shuffle as without augmentation
    assert first == draw(3) and first != draw(4)
    assert len({seed for _, seed in first}) == 10


def views_config(data: Path, **overrides: object) -> config.ExperimentConfig:
    values = {"data.path": str(data), "data.augment": "strong", "data.patch_size": [24, 24],
              "data.rare_class_crops": 0.5, **overrides}
    return config.load(overrides=values)


def batches(loader) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(b["image"], b["mask"]) for b in loader]


def test_training_views_are_random_patches_and_validation_whole_images(tiny_dataset: Path) -> None:
    data = prepare_data(views_config(tiny_dataset).data, seed=0)
    train, val = data.dataset("train", training=True), data.dataset("val")
    assert train.randomised and not val.randomised
    assert train[(0, 1)]["image"].shape == (3, 24, 24) and val[0]["image"].shape == (3, 32, 32)
    assert torch.equal(train[(0, 1)]["image"], train[(0, 1)]["image"])
    assert not torch.equal(train[(0, 1)]["image"], train[(0, 2)]["image"])
    assert data.train_ignore_index == PAD_LABEL  # synthetic data has no ignore index of its own
    plain = prepare_data(config.load(overrides={"data.path": str(tiny_dataset)}).data, seed=0)
    assert plain.train_ignore_index is None and not plain.dataset("train", training=True).randomised


def test_a_fixed_seed_repeats_every_epoch_and_workers_draw_alike(tiny_dataset: Path) -> None:
    data = prepare_data(views_config(tiny_dataset).data, seed=0)

    def two_epochs(workers: int) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
        loader = make_loader(data.dataset("train", training=True), 4, shuffle=True, seed=5, num_workers=workers)
        return [batches(loader), batches(loader)]

    def same(a: list, b: list) -> bool:
        return all(torch.equal(x[0], y[0]) and torch.equal(x[1], y[1]) for x, y in zip(a, b))

    single, again, workers = two_epochs(0), two_epochs(0), two_epochs(2)
    assert same(single[0], again[0]) and same(single[1], again[1])
    assert not same(single[0], single[1])  # a new draw every epoch
    # a sample's draw depends on its (index, seed) only, not on the process loading it; from
    # the second epoch on, persistent workers consume the loader generator differently
    assert same(single[0], workers[0])
    assert same(workers[1], two_epochs(2)[1])


def test_views_config_errors(tiny_dataset: Path) -> None:
    with pytest.raises(ConfigError, match="needs data.patch_size"):
        prepare_data(views_config(tiny_dataset, **{"data.patch_size": None}).data, seed=0)
    with pytest.raises(ConfigError, match="rare_class_crops"):
        prepare_data(views_config(tiny_dataset, **{"data.rare_class_crops": 2.0}).data, seed=0)


def test_samples_per_image_draws_several_different_patches_of_each_image(tiny_dataset: Path) -> None:
    data = prepare_data(views_config(tiny_dataset, **{"data.augment": "none"}).data, seed=0)
    train = data.dataset("train", training=True)
    loader = make_loader(train, 2, shuffle=True, seed=5, samples_per_image=3)
    assert len(loader.sampler) == 3 * len(train) and len(loader) == 3 * len(train) // 2
    draws = list(loader.sampler)
    counts = {i: [seed for index, seed in draws if index == i] for i in range(len(train))}
    assert all(len(seeds) == 3 and len(set(seeds)) == 3 for seeds in counts.values())  # every image 3x, own seeds
    patches = [train[(0, seed)]["image"] for seed in counts[0]]
    assert not torch.equal(patches[0], patches[1]) or not torch.equal(patches[1], patches[2])


def test_samples_per_image_needs_random_views_and_a_positive_count(tiny_dataset: Path) -> None:
    plain = prepare_data(config.load(overrides={"data.path": str(tiny_dataset)}).data, seed=0)
    with pytest.raises(ConfigError, match="needs --patch-size or --augment"):
        make_loader(plain.dataset("train", training=True), 2, shuffle=True, samples_per_image=2)
    views = prepare_data(views_config(tiny_dataset).data, seed=0)
    with pytest.raises(ConfigError, match="must be >= 1"):
        make_loader(views.dataset("train", training=True), 2, shuffle=True, samples_per_image=0)
