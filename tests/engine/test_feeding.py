"""uint8 batches normalised on the device train exactly like host-normalised float batches, and
the feeding plan moves flips and crops to the device only where that keeps training the same."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from seglab import config
from seglab.data.loading.prepare import make_loader, prepare_data
from seglab.engine.feeding import DeviceFeed, plan_feeding
from seglab.engine.trainer import Trainer, evaluate
from seglab.errors import ConfigError
from seglab.losses import build_loss
from seglab.models import create_model

CPU = torch.device("cpu")


def train_steps(loader: object, feed: DeviceFeed, epochs: int = 2) -> tuple[list[float], dict[str, torch.Tensor], float]:
    """Losses of `epochs` epochs of a seeded unet_small, its final weights and its validation loss."""
    torch.manual_seed(0)
    model = create_model("unet_small", 3, 4, widths=[8, 16])
    trainer = Trainer(model, build_loss("ce_dice", 4), torch.optim.AdamW(model.parameters(), lr=1e-2), num_classes=4,
                      channels_last=True, feed=feed)
    losses = []
    for trainer.epoch in range(1, epochs + 1):
        losses.append(trainer.train_one_epoch(loader))  # type: ignore[arg-type]
    val = evaluate(trainer.model, loader, 4, loss_fn=trainer.loss_fn, channels_last=True, feed=feed)  # type: ignore[arg-type]
    return losses, {k: v.clone() for k, v in model.state_dict().items()}, val.loss or 0.0


def test_uint8_batches_train_exactly_like_the_float_path(tiny_dataset: Path, one_thread: None) -> None:
    data = prepare_data(config.DataConfig(path=str(tiny_dataset)), seed=0)
    plan = plan_feeding(data, CPU, augment_device=None)
    assert plan.raw and plan.on_device is None  # 8-bit PNGs
    raw_loader = make_loader(plan.dataset(data, "train"), 4, shuffle=True, seed=3)
    float_loader = make_loader(data.dataset("train"), 4, shuffle=True, seed=3)
    batch = next(iter(raw_loader))
    assert batch["image"].dtype == torch.uint8 and batch["mask"].dtype == torch.uint8
    feed = DeviceFeed(CPU, channels_last=True, mean=data.mean, std=data.std)
    expected = next(iter(float_loader))
    image, mask = feed(batch)
    assert torch.equal(image, expected["image"]) and image.is_contiguous(memory_format=torch.channels_last)
    assert mask.dtype == torch.int64 and torch.equal(mask, expected["mask"])

    raw_losses, raw_weights, raw_val = train_steps(raw_loader, feed)
    float_losses, float_weights, float_val = train_steps(float_loader, feed)
    assert raw_losses == float_losses and raw_val == float_val
    assert all(torch.equal(raw_weights[k], float_weights[k]) for k in raw_weights)


def test_non_8bit_sources_stay_on_the_float_path(tiny_dataset: Path) -> None:
    data = prepare_data(config.DataConfig(path=str(tiny_dataset)), seed=0)
    for dtypes in ({"uint16": 12}, {"float32": 12}, {"uint8": 6, "uint16": 6}):
        plan = plan_feeding(replace(data, stats=replace(data.stats, dtypes=dtypes)), CPU, None)
        assert not plan.raw
        assert plan.dataset(data, "train")[0]["image"].dtype == torch.float32


def test_a_uint8_batch_without_normalisation_is_refused() -> None:
    batch = {"image": torch.zeros(1, 3, 4, 4, dtype=torch.uint8), "mask": torch.zeros(1, 4, 4, dtype=torch.uint8)}
    with pytest.raises(ValueError, match="without mean and std"):
        DeviceFeed(CPU)(batch)


def test_flips_move_to_the_device_and_the_rest_stays(tiny_dataset: Path) -> None:
    cfg = config.DataConfig(path=str(tiny_dataset), augment="light", patch_size=(16, 16))
    data = prepare_data(cfg, seed=0)
    plan = plan_feeding(data, CPU, augment_device=True)
    assert plan.on_device is not None and plan.on_device.names() == ["hflip"] and plan.on_device.hflip == 0.5
    assert plan.augment is not None and "hflip" not in plan.augment.names() and "scale_crop" in plan.augment.names()
    assert plan.patches is data.patches  # crops before the CPU augmentation stay there
    assert plan_feeding(data, CPU, augment_device=None).on_device is None  # auto: CUDA only
    assert plan_feeding(data, CPU, augment_device=False).augment is data.augment


def eyes_dataset(root: Path, names: list[str]) -> Path:
    """Six 16x16 faces: class 1 (`names[1]`) on the left, class 2 on the right, background 0."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        mask = np.zeros((16, 16), np.uint8)
        mask[4:8, 2:6], mask[4:8, 10:14] = 1, 2
        image = (rng.integers(0, 60, (16, 16, 3)) + 60 * mask[..., None]).astype(np.uint8)
        Image.fromarray(image).save(root / "images" / f"face{i}.png")
        Image.fromarray(mask).save(root / "masks" / f"face{i}.png")
    (root / "classes.json").write_text(json.dumps({"names": names}))
    return root


def swapped_sides(mask: torch.Tensor) -> torch.Tensor:
    return torch.where(mask == 1, 2, torch.where(mask == 2, 1, mask))


def test_flips_swap_the_side_classes_on_both_paths(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A flipped face's left eye is the mirror image's right eye: horizontal flips (the light
    preset's) exchange the labels of classes named as sides, in the workers and on the device."""
    root = eyes_dataset(tmp_path / "faces", ["background", "left_eye", "right_eye"])
    cfg = config.DataConfig(path=str(root), augment="none", augment_options={"hflip": {"p": 1.0}})
    with caplog.at_level(logging.INFO, logger="seglab"):
        data = prepare_data(cfg, seed=0)
    assert "flips swap the side classes: left_eye<->right_eye" in caplog.text
    plain, flipped = data.dataset("train")[0]["mask"], data.dataset("train", training=True)[0]["mask"]
    assert torch.equal(flipped, swapped_sides(plain.flip(-1)))

    plan = plan_feeding(data, CPU, augment_device=True)
    assert plan.on_device is not None and plan.augment is None
    batch = next(iter(make_loader(plan.dataset(data, "train", training=True), 2, shuffle=False)))
    _, on_device = DeviceFeed(CPU, True, data.mean, data.std, plan.on_device)(batch, training=True)
    assert torch.equal(on_device, swapped_sides(batch["mask"].long().flip(-1)))


def test_classes_without_sides_flip_as_they_are(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = eyes_dataset(tmp_path / "faces", ["class_0", "class_1", "class_2"])
    cfg = config.DataConfig(path=str(root), augment="light")
    with caplog.at_level(logging.INFO, logger="seglab"):
        data = prepare_data(cfg, seed=0)
    assert data.augment is not None and data.augment.sides is None and "side classes" not in caplog.text


def test_uniform_crops_of_same_size_images_move_to_the_device(tiny_dataset: Path) -> None:
    cfg = config.DataConfig(path=str(tiny_dataset), patch_size=(24, 40), augment_options={"vflip": {"p": 0.3}})
    data = prepare_data(cfg, seed=0)
    plan = plan_feeding(data, CPU, augment_device=True)
    assert plan.on_device is not None and (plan.on_device.crop, plan.on_device.vflip) == ((24, 40), 0.3)
    assert plan.on_device.fill_label == data.train_ignore_index  # the loss skips the padding
    assert plan.augment is None and plan.patches is None
    train = plan.dataset(data, "train", training=True)
    assert not train.randomised and train[0]["image"].dtype == torch.uint8  # whole uint8 images to the device
    feed = DeviceFeed(CPU, True, data.mean, data.std, plan.on_device)
    image, mask = next(feed.batches(make_loader(train, 4, shuffle=True), training=True))
    assert image.shape == (4, 3, 24, 40) and mask.shape == (4, 24, 40)
    val_image, _ = next(feed.batches(make_loader(plan.dataset(data, "val"), 4, shuffle=False)))
    assert val_image.shape[-2:] == (32, 32)  # validation is never augmented
    rare = prepare_data(replace(cfg, rare_class_crops=0.5, augment_options={}), seed=0)
    with pytest.raises(ConfigError, match="--augment-device"):
        plan_feeding(rare, CPU, augment_device=True)  # class-centred crops need the mask on the CPU


def test_several_views_per_image_keep_their_crops_in_the_workers(tiny_dataset: Path) -> None:
    """--samples-per-image draws its views in the loader: moving the crops to the device (as CUDA
    does by default) left a dataset without random views, which make_loader refused."""
    cfg = config.DataConfig(path=str(tiny_dataset), patch_size=(16, 16), augment_options={"hflip": {"p": 0.5}},
                            samples_per_image=3)
    data = prepare_data(cfg, seed=0)
    plan = plan_feeding(data, CPU, augment_device=True, samples_per_image=cfg.samples_per_image)
    assert plan.patches is data.patches and plan.on_device is not None and plan.on_device.crop is None
    train = plan.dataset(data, "train", training=True)
    loader = make_loader(train, 4, shuffle=True, samples_per_image=cfg.samples_per_image)
    assert len(loader.sampler) == 3 * len(train)  # type: ignore[arg-type]
    image, _ = next(DeviceFeed(CPU, True, data.mean, data.std, plan.on_device).batches(loader, training=True))
    assert image.shape == (4, 3, 16, 16)


def test_device_augmentation_repeats_per_epoch_with_the_seed() -> None:
    from seglab.data.loading.batch_augment import BatchAugment

    batches = [{"image": torch.rand(8, 1, 6, 6), "mask": torch.randint(0, 3, (8, 6, 6))}]
    feeds = [DeviceFeed(CPU, augment=BatchAugment(0.5, 0.5, (4, 4)), seed=7) for _ in range(2)]
    first, again = (next(feed.batches(batches, training=True, epoch=3))[0] for feed in feeds)
    other_epoch = next(feeds[0].batches(batches, training=True, epoch=4))[0]
    assert torch.equal(first, again) and not torch.equal(first, other_epoch)


def test_masks_travel_in_one_smallest_type_per_dataset() -> None:
    import numpy as np

    from seglab.data.loading.dataset import label_dtype

    assert label_dtype(4, None) == label_dtype(4, 255) == np.uint8
    assert label_dtype(4, -1) == label_dtype(300, None) == label_dtype(4, 256) == np.int16
    assert label_dtype(4, 70000) == np.int32


def test_crops_of_images_of_several_sizes_stay_in_the_workers(tiny_dataset: Path) -> None:
    data = prepare_data(config.DataConfig(path=str(tiny_dataset), patch_size=(16, 16)), seed=0)
    several = replace(data, stats=replace(data.stats, image_sizes={(32, 32): 6, (40, 32): 6}))
    with pytest.raises(ConfigError, match="images of several sizes"):
        plan_feeding(several, CPU, augment_device=True)
    assert plan_feeding(data, CPU, augment_device=True).on_device.crop == (16, 16)  # type: ignore[union-attr]
