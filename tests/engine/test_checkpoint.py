from __future__ import annotations

import os
import pickle

import pytest
import torch

from seglab.engine.checkpoint import ModelCard, atomic_write, load_checkpoint, save_checkpoint
from seglab.errors import CheckpointError


def make_card() -> ModelCard:
    return ModelCard(
        model="unet",
        options={"widths": [8, 16]},
        in_channels=1,
        num_classes=3,
        classes={"names": ["a", "b", "c"], "colours": [[0, 0, 0], [255, 0, 0], [0, 255, 0]], "ignore_index": None},
        mapping={"kind": "identity"},
        size=(32, 48),
        mean=(0.5,),
        std=(0.25,),
    )


def test_round_trip_rebuilds_identical_model(tmp_path):
    card = make_card()
    model = card.build_model().eval()
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, card, epoch=4, val_miou=0.5)
    checkpoint = load_checkpoint(path)
    assert checkpoint.card == card
    assert checkpoint.info == {"epoch": 4, "val_miou": 0.5}
    loaded = checkpoint.load_model()
    image = torch.randn(2, 1, 37, 41)
    assert torch.equal(model(image), loaded(image))


def test_pickle_files_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        load_checkpoint(evil)
    assert not marker.exists()


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "none.safetensors")
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, tmp_path / "plain.safetensors")
    with pytest.raises(CheckpointError, match="no seglab metadata"):
        load_checkpoint(tmp_path / "plain.safetensors")


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write(b"partial")
            raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_disk_full_keeps_the_previous_checkpoint_and_says_so(tmp_path, monkeypatch):
    import errno

    card = make_card()
    model = card.build_model()
    path = tmp_path / "last.safetensors"
    save_checkpoint(path, model, card, epoch=1)
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(CheckpointError, match="No space left on device.*previous version is kept"):
        save_checkpoint(path, model, card, epoch=2)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["last.safetensors"]


def test_format_1_encoder_unet_checkpoint_loads_with_its_bilinear_decoder(tmp_path):
    """Format 1 cards held only the options a user set; unet_resnet* then upsampled bilinearly."""
    import json

    from safetensors.torch import save_file

    from seglab.models import create_model

    card = make_card()
    old = create_model("unet_resnet18", 1, 3, upsampling="bilinear").eval()
    meta = {"format_version": 1, "card": {**card.to_dict(), "model": "unet_resnet18", "options": {}}, "info": {}}
    path = tmp_path / "v1.safetensors"
    save_file({k: v.contiguous() for k, v in old.state_dict().items()}, path, metadata={"seglab": json.dumps(meta)})
    checkpoint = load_checkpoint(path)
    assert checkpoint.card.options == {"upsampling": "bilinear"}
    image = torch.randn(1, 1, 64, 64)
    assert torch.equal(checkpoint.load_model()(image), old(image))
