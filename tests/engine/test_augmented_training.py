"""Training with crops, augmentation, class weights, warmup and early stopping repeats exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seglab import config
from seglab.data import generate_synthetic
from seglab.engine.experiment import train
from seglab.runs.checkpoint import load_checkpoint
from seglab.runs.run_folder import RunFolder

TIMING = ("seconds", "data_wait")


@pytest.fixture
def one_thread():
    """Tiny tensors train faster on one thread, and a busy machine does not slow it down."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_a_fixed_seed_gives_the_same_metrics_run_to_run(tmp_path: Path, one_thread: None) -> None:
    data = generate_synthetic(tmp_path / "data", num_samples=12, size=(32, 32), seed=2)
    cfg = config.load(overrides={
        "data.path": str(data), "data.augment": "strong", "data.patch_size": [16, 16],
        "data.rare_class_crops": 0.5, "loss.name": "focal_dice", "loss.class_weights": "auto",
        "model.name": "unet_small", "model.options": {"widths": [4, 8]},
        "train.epochs": 2, "train.batch_size": 4, "train.warmup_epochs": 1, "train.early_stopping_patience": 5,
        "train.progress": False, "train.precision": "fp32",
    })
    first = train(cfg, tmp_path / "a").history
    second = train(cfg, tmp_path / "b").history
    assert len(first) == 2
    strip = [{k: v for k, v in row.items() if k not in TIMING} for row in first]
    assert strip == [{k: v for k, v in row.items() if k not in TIMING} for row in second]
    saved = config.load(tmp_path / "a" / "config.yaml")
    assert saved.data.patch_size == (16, 16) and saved.loss.class_weights == "auto"
    # the model card names the views training showed the network, for flip TTA to keep to
    card = load_checkpoint(RunFolder.open(tmp_path / "a").best).card
    assert card.augment_transforms == ("scale_crop", "hflip", "vflip", "rot90", "rotate", "elastic",
                                       "brightness", "contrast", "gamma", "noise")
