"""A run trained on pix2pix's pictures, each a photo and its colour label side by side, records
which half is the image (`ModelCard.image_half`): `seglab predict` given the same pictures (the
test split's) predicts that half, its masks the half's size, and says so; an input of another
shape is predicted whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.runs.checkpoint import load_checkpoint

SIDE = 32
PALETTE = np.array([(128, 64, 128), (0, 0, 142)], np.uint8)  # Cityscapes' road and car


def picture(seed: int) -> np.ndarray:
    """A noise photo with a bright square, left, and its label (the square a car), right."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((SIDE, SIDE), np.uint8)
    top, left = rng.integers(2, SIDE - 14, 2)
    mask[top:top + 12, left:left + 12] = 1
    photo = rng.integers(20, 120, (SIDE, SIDE, 3), dtype=np.uint8)
    photo[mask == 1] += 120
    return np.concatenate([photo, PALETTE[mask]], axis=1)


def test_predict_takes_the_image_half_of_pictures_as_the_run_trained(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = tmp_path / "facades"
    for split, count in (("train", 6), ("val", 2), ("test", 2)):
        (data / split).mkdir(parents=True)
        for n in range(1, count + 1):
            Image.fromarray(picture(n + 10 * len(split))).save(data / split / f"{n}.png")
    run = tmp_path / "run"
    assert main(["train", str(data), "--out", str(run), "--model", "unet_small", "--model-option", "widths=[8,16]",
                 "--epochs", "1", "--batch-size", "2", "--no-progress", "--no-plan", "--precision", "fp32"]) == 0
    assert load_checkpoint(run / "checkpoints" / "best.safetensors").card.image_half == "left"
    Image.fromarray(picture(99)[:, :SIDE]).save(tmp_path / "photo.png")  # a photo alone: read whole
    capsys.readouterr()
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(data / "test"), str(tmp_path / "photo.png"), "--out", str(out),
                 "--no-progress"]) == 0
    assert "2 images of 3 are twice as wide as high, an image and its mask side by side as the run trained on: " \
           "the left half of each was predicted" in capsys.readouterr().err
    for name in ("1", "2", "photo"):
        assert Image.open(out / f"{name}_mask.png").size == (SIDE, SIDE)
        assert Image.open(out / f"{name}_overlay.png").size == (SIDE, SIDE)
