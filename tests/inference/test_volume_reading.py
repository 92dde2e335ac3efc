"""A volume file given to `seglab predict` is read as the run's training read its image volumes,
which the run's card records (`ModelCard.planes_as_channels`): a colour picture stored
channel-first (FH-PS-AOP's `image_mha/`) as one slice of its planes, any other volume cut into
slices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seglab.cli import main
from seglab.data.files.metaimage import read_metaimage
from seglab.runs.checkpoint import load_checkpoint

from ..data.test_metaimage import mha  # type: ignore[import-not-found]

SIDE = 16


def _pictures(root: Path, planes: int, cases: int = 6) -> None:
    """FH-PS-AOP's layout: `image_mha/<case>.mha`, a picture of `planes` planes stored channel-first
    (a bright box in the last plane alone), beside `label_mha/<case>.mha`, its box one slice."""
    for folder in ("image_mha", "label_mha"):
        (root / folder).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for case in range(cases):
        labels = np.zeros((SIDE, SIDE), np.uint8)
        x, y = rng.integers(2, SIDE - 8, 2)
        labels[x : x + 6, y : y + 6] = 1
        image = rng.integers(0, 60, (SIDE, SIDE, planes)).astype(np.int16)
        image[..., -1] += 150 * labels
        mha(root / "image_mha" / f"{3744 + 7 * case:05d}.mha", image)
        mha(root / "label_mha" / f"{3744 + 7 * case:05d}.mha", labels[..., None], element="MET_UCHAR")


@pytest.fixture(scope="module")
def picture_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A run trained for one epoch on 6 pictures of 4 planes stored channel-first, and its data."""
    root = tmp_path_factory.mktemp("pictures")
    _pictures(root / "data", planes=4)
    flags = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "2", "--precision", "fp32",
             "--no-progress", "--epochs", "1", "--workers", "0", "--no-plan", "--cache-dir", str(root / "cache")]
    assert main(["train", str(root / "data"), "--out", str(root / "run"), *flags]) == 0
    return root / "run", root / "data"


def test_a_run_trained_on_pictures_of_4_planes_predicts_such_a_file_as_one_picture(picture_run, tmp_path, capsys):
    """Before, the run recorded nothing and predict read a 4-plane file as 4 grey slices, refused
    for a model of 4 channels; now its card says how training read them, and predict reads alike."""
    run, data = picture_run
    assert main(["predict", str(run), str(data / "image_mha" / "03744.mha"), "--out", str(tmp_path),
                 "--no-progress"]) == 0
    labels, _ = read_metaimage(tmp_path / "03744_mask.mha")
    assert labels.shape == (SIDE, SIDE, 1)  # one slice, on the picture's grid
    assert "read as a 2-D colour picture stored channel-first, its planes the channels, as the run's training" \
        in capsys.readouterr().err
    card = load_checkpoint(run / "checkpoints" / "best.safetensors").card
    assert card.planes_as_channels is True and card.in_channels == 4


def test_a_thin_volume_of_3_slices_for_a_run_trained_on_2d_images_is_cut_into_slices(trained_run, tmp_path):
    """A run of RGB photographs records that it read no pictures stored channel-first: a CT of 3
    slices given to it is 3 slices, each grey standing in for RGB, not one colour picture."""
    scan = np.random.default_rng(1).integers(0, 200, (SIDE, SIDE, 3)).astype(np.int16)
    mha(tmp_path / "thin_ct.mha", scan)
    assert main(["predict", str(trained_run), str(tmp_path / "thin_ct.mha"), "--out", str(tmp_path / "out"),
                 "--no-progress"]) == 0
    labels, _ = read_metaimage(tmp_path / "out" / "thin_ct_mask.mha")
    assert labels.shape == (SIDE, SIDE, 3)
    assert load_checkpoint(trained_run / "checkpoints" / "best.safetensors").card.planes_as_channels is False
