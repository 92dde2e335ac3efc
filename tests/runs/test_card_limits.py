"""Hostile model cards: a checkpoint header asking for absurd widths, sizes or class counts is one
clear CheckpointError at load (exit 2), before any layer is allocated."""

from __future__ import annotations

import json
import resource
import shutil
from pathlib import Path

import pytest
from safetensors import safe_open
from safetensors.torch import save_file

from seglab.cli import main
from seglab.errors import CheckpointError
from seglab.runs.card import CARD_LIMITS, ModelCard
from seglab.runs.checkpoint import load_checkpoint


def _card(**changes) -> dict:
    card = {
        "model": "unet_small", "options": {"widths": [8, 16, 32]}, "in_channels": 3, "num_classes": 4,
        "classes": {"names": ["a", "b", "c", "d"]}, "mapping": {}, "size": None,
        "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
    }
    return {**card, **changes}


@pytest.mark.parametrize("changes, named", [
    ({"options": {"widths": [8, 1_000_000]}}, "option widths entry 1000000"),
    ({"options": {"widths": [8] * 40}}, "expected a list of 1 to 12 widths"),
    ({"options": {"decoder_widths": [256, 128, 64, 32, 2**20]}}, "option decoder_widths entry"),
    ({"size": [100_000, 100_000]}, "size side 100000"),
    ({"size": [256]}, "expected [height, width]"),
    ({"num_classes": 50_000}, "num_classes 50000"),
    ({"in_channels": 0}, "in_channels 0"),
    ({"mean": [0.5] * 7}, "mean with 7 values for 3 channels"),
    # a NaN or zero std (a model.json edited by hand, JSON's NaN) made every input NaN: one class predicted, unsaid
    ({"std": [0.25, float("nan"), 0.25]}, "std [0.25, nan, 0.25] (expected finite numbers above 0)"),
    ({"std": [0.0]}, "std [0.0] (expected finite numbers above 0)"),
    ({"mean": [float("inf")] * 3}, "mean [inf, inf, inf] (expected finite numbers)"),
    ({"mean": "abc"}, "mean ['a', 'b', 'c'] (expected finite numbers)"),
    ({"options": {"encoder_weights": "/etc/passwd"}}, "option encoder_weights"),
    ({"channel_files": ["red", "green", "blue", "nir"]}, "channel_files ['red', 'green', 'blue', 'nir'] (expected 2 to 3"),
    ({"channel_files": ["red"]}, "channel_files ['red']"),
    ({"channel_files": ["red", 7]}, "channel_files ['red', 7]"),
    ({"channel_files": ["x" * 65, "y"]}, "names of up to 64 characters"),
])
def test_card_beyond_the_limits_is_refused(changes, named):
    with pytest.raises(CheckpointError, match="outside seglab's limits") as refused:
        ModelCard.from_dict(_card(**changes))
    assert named in str(refused.value)


def test_channel_files_that_are_no_list_are_a_malformed_card():
    with pytest.raises(CheckpointError, match="malformed.*channel_files is str, not a list"):
        ModelCard.from_dict(_card(channel_files="red"))
    assert ModelCard.from_dict(_card()).channel_files == ()  # cards written before seglab recorded them


def test_how_training_read_its_volumes_is_true_false_or_unrecorded():
    """`planes_as_channels`: True for pictures stored channel-first, False for volumes cut into
    slices, None in cards written before seglab recorded it (predict then guesses, as it did)."""
    with pytest.raises(CheckpointError, match="malformed.*planes_as_channels is 'yes', not true, false or null"):
        ModelCard.from_dict(_card(planes_as_channels="yes"))
    assert ModelCard.from_dict(_card()).planes_as_channels is None
    assert ModelCard.from_dict(ModelCard.from_dict(_card(planes_as_channels=True)).to_dict()).planes_as_channels


def test_the_image_half_of_side_by_side_pictures_is_left_right_or_unrecorded():
    """`image_half`: the half of pix2pix's pictures training read as the image; None for a run that
    read each file whole, and in cards written before seglab recorded it."""
    with pytest.raises(CheckpointError, match="malformed.*image_half is 'top', not 'left', 'right' or null"):
        ModelCard.from_dict(_card(image_half="top"))
    assert ModelCard.from_dict(_card()).image_half is None
    assert ModelCard.from_dict(ModelCard.from_dict(_card(image_half="right")).to_dict()).image_half == "right"


def test_the_frame_of_band_time_series_is_a_frame_number_or_unrecorded():
    """`frame`: the frame of Contrails' band files (H, W, 8) training read; None for a run that read
    each file whole, and in cards written before seglab recorded it."""
    for bad in (-1, True, "4"):
        with pytest.raises(CheckpointError, match=r"malformed.*frame is .*, not a frame number from 0 or null"):
            ModelCard.from_dict(_card(frame=bad))
    assert ModelCard.from_dict(_card()).frame is None
    assert ModelCard.from_dict(ModelCard.from_dict(_card(frame=4)).to_dict()).frame == 4


def test_cards_of_every_preset_are_within_the_limits():
    card = ModelCard.from_dict(_card(options={"widths": [64, 128, 256, 512, 1024]}, size=[1024, 2048]))
    card.check_limits()
    assert CARD_LIMITS.max_width == 4096 and CARD_LIMITS.max_size == 16384 and CARD_LIMITS.max_classes == 1024


def _crafted_run(trained_run: Path, tmp_path: Path, **changes) -> Path:
    """A copy of the tiny run whose best checkpoint keeps its weights under a rewritten card."""
    run = tmp_path / "crafted"
    shutil.copytree(trained_run, run)
    path = run / "checkpoints" / "best.safetensors"
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["seglab"])
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    meta["card"] = {**meta["card"], **changes}
    save_file(tensors, str(path), metadata={"seglab": json.dumps(meta)})
    return run


def test_crafted_checkpoint_with_absurd_widths_fails_at_load(trained_run, tmp_path, capsys):
    run = _crafted_run(trained_run, tmp_path, options={"widths": [8, 16, 1_000_000]})
    with pytest.raises(CheckpointError, match="option widths entry 1000000"):
        load_checkpoint(run / "checkpoints" / "best.safetensors")
    assert main(["serve", str(run), "--device", "cpu"]) == 2
    assert "outside seglab's limits" in capsys.readouterr().err


def test_card_within_the_limits_but_not_matching_its_weights_allocates_nothing(trained_run, tmp_path, capsys):
    # ten levels of 4096 channels: about 12 GB of float32 weights if it were built
    run = _crafted_run(trained_run, tmp_path, options={"widths": [4096] * 10})
    checkpoint = load_checkpoint(run / "checkpoints" / "best.safetensors")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with pytest.raises(CheckpointError, match="does not fit the model its card describes"):
        checkpoint.load_model()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 2**20  # the meta device: under 1 GiB more
    assert main(["predict", str(run), str(next((trained_run.parent / "data" / "images").iterdir())),
                 "--out", str(tmp_path / "masks"), "--device", "cpu"]) == 2
    assert "does not fit the model its card describes" in capsys.readouterr().err
