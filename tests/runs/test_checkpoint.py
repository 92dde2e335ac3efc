from __future__ import annotations

import errno
import os
import pickle
import threading

import pytest
import torch
from safetensors import SafetensorError

from seglab.errors import CheckpointError
from seglab.runs.atomic import atomic_write, write_json
import seglab.runs.atomic as atomic_module
from seglab.runs.card import ModelCard
from seglab.runs.checkpoint import BackgroundCheckpointWriter, load_checkpoint, save_checkpoint
import seglab.runs.checkpoint as checkpoint_module
from seglab.runs.resume import TrainingState
from seglab.runs.run_folder import RunFolder


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
        augment_transforms=("scale_crop", "hflip"),
    )


def test_cards_written_before_augmentation_was_recorded_still_load():
    values = make_card().to_dict()
    assert values["augment_transforms"] == ["scale_crop", "hflip"]
    del values["augment_transforms"]
    assert ModelCard.from_dict(values).augment_transforms is None  # unknown, not "no augmentation"


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
    with pytest.raises(CheckpointError, match="is a PyTorch pickle checkpoint.*never unpickles"):
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


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_atomic_write_makes_files_as_the_umask_allows(tmp_path, umask):
    """Run files were written 0600 whatever the umask (tempfile.mkstemp's mode): best.safetensors
    and metrics.json unreadable to the group sharing runs/, beside curves.png readable by all."""
    previous = os.umask(umask)
    try:
        write_json(tmp_path / "metrics.json", {"miou": 0.5})
    finally:
        os.umask(previous)
    assert (tmp_path / "metrics.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_json_keeps_names_as_written_and_a_file_name_no_encoding_reads_as_an_escape(tmp_path):
    """splits.json holds file names: 'участок_01' as written (UTF-8), `b"\\xff3"` (a lone
    surrogate, which UTF-8 cannot encode) as its \\udcff escape; both read back the same."""
    names = ["участок_01", os.fsdecode(b"\xff3")]
    run = RunFolder(tmp_path / "run")
    write_json(run.splits, {"train": names})
    assert '"участок_01"' in run.splits.read_text(encoding="utf-8") and "\\udcff3" in run.splits.read_text()
    assert run.read_splits() == {"train": names}


def full_disk(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def half_written(tensors, filename, metadata=None) -> None:
    """safetensors' file writer failing midway, as on a full disk."""
    with open(filename, "wb") as handle:
        handle.write(b"half a checkpoint")
    raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")


@pytest.mark.parametrize("failing", ["fsync", "tensor writer"])
def test_disk_full_keeps_the_previous_checkpoint_and_says_so(tmp_path, monkeypatch, failing):
    """The tensors go straight to the file (safetensors' writer); its I/O errors read like ours."""
    card = make_card()
    model = card.build_model()
    path = tmp_path / "last.safetensors"
    save_checkpoint(path, model, card, epoch=1)
    before = path.read_bytes()

    if failing == "fsync":
        monkeypatch.setattr(atomic_module.os, "fsync", full_disk)
    else:
        monkeypatch.setattr(checkpoint_module, "save_file", half_written)
    with pytest.raises(CheckpointError, match="last.safetensors.*No space left on device.*previous version is kept"):
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


def make_training_state(optimizer: torch.optim.Optimizer) -> TrainingState:
    return TrainingState(epoch=1, history=[], best_score=0.5, best_epoch=1, optimizer=optimizer.state_dict(),
                         scheduler=None, scaler={}, loader_generator=torch.Generator().get_state(), rng={})


def test_background_writes_hold_the_epoch_end_state_while_training_goes_on(tmp_path, monkeypatch):
    """The writer copies weights and optimizer moments first: a step taken while the files are
    still being written must not leak into them."""
    card = make_card()
    model = card.build_model()
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(2, 1, 8, 8)).sum().backward()
    optimizer.step()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    moments = [state["exp_avg"].clone() for state in optimizer.state.values()]

    release = threading.Event()
    real_save_file = checkpoint_module.save_file

    def slow_disk(tensors, filename, metadata=None):
        release.wait(timeout=30)
        real_save_file(tensors, filename, metadata=metadata)

    monkeypatch.setattr(checkpoint_module, "save_file", slow_disk)
    writer = BackgroundCheckpointWriter()
    writer.save_epoch(model, card, make_training_state(optimizer), {"epoch": 1},
                      last=tmp_path / "last.safetensors", best=tmp_path / "best.safetensors")
    assert not (tmp_path / "last.safetensors").exists()  # still queued
    optimizer.step()  # the next epoch trains (in place)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(1.0)
    release.set()
    writer.close()

    for name in ("best", "last"):
        saved = load_checkpoint(tmp_path / f"{name}.safetensors")
        assert all(torch.equal(saved.state_dict[k], v) for k, v in weights.items())
    saved_moments = [s["exp_avg"] for s in load_checkpoint(tmp_path / "last.safetensors").training_state.optimizer["state"].values()]
    assert all(torch.equal(a, b) for a, b in zip(saved_moments, moments))


def test_a_background_write_error_is_raised_and_keeps_the_previous_file(tmp_path, monkeypatch):
    card = make_card()
    model = card.build_model()
    optimizer = torch.optim.Adam(model.parameters())
    last = tmp_path / "last.safetensors"
    save_checkpoint(last, model, card, epoch=0)
    before = last.read_bytes()

    monkeypatch.setattr(atomic_module.os, "fsync", full_disk)
    writer = BackgroundCheckpointWriter()
    writer.save_epoch(model, card, make_training_state(optimizer), {"epoch": 1}, last=last)
    with pytest.raises(CheckpointError, match="last.safetensors.*No space left on device"):
        writer.close()
    assert last.read_bytes() == before


def test_random_states_of_more_cards_than_this_machine_has_restore_those_it_has(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run saved on 4 GPUs resumed on 1: torch's set_rng_state_all indexes a generator per state."""
    from seglab.runs.resume import rng_states, set_rng_states

    restored: list[list[torch.Tensor]] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: [torch.full((4,), card, dtype=torch.uint8) for card in range(4)])
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", restored.append)
    states = rng_states()
    assert len(states["cuda"]) == 4
    set_rng_states(states)
    assert len(restored) == 1 and [state[0].item() for state in restored[0]] == [0]
