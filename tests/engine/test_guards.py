"""Training guards: NaN loss, out of memory, deterministic mode."""

from __future__ import annotations

import pytest
import torch

from seglab import config
from seglab.engine.experiment import train
from seglab.engine.trainer import Callback, Trainer, TrainingError
from seglab.runs.checkpoint import load_checkpoint


def tiny(data, **overrides):
    return config.load(overrides={
        "data.path": str(data), "model.name": "unet_small", "model.options": {"widths": [8, 16]},
        "train.epochs": 3, "train.batch_size": 4, "train.precision": "fp32", "train.progress": False, **overrides,
    })


class PoisonLossAfter(Callback):
    """From the next epoch on, the loss is NaN (as after a diverging step)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer, row, val):
        if trainer.epoch == self.epoch:
            trainer.loss_fn = lambda logits, mask: logits.sum() * float("nan")


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tiny_dataset, tmp_path):
    with pytest.raises(TrainingError, match="loss became nan at epoch 2"):
        train(tiny(tiny_dataset), tmp_path / "run", callbacks=[PoisonLossAfter(1)])
    last = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert last.info["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in last.state_dict.values() if t.is_floating_point())


def test_out_of_memory_suggests_a_smaller_batch(tiny_dataset, tmp_path, monkeypatch):
    def exhausted(self, *args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(Trainer, "fit", exhausted)
    with pytest.raises(TrainingError, match="out of memory at batch size 4: try --batch-size 2"):
        train(tiny(tiny_dataset), tmp_path / "run")


def test_deterministic_mode_repeats_metrics_bit_for_bit(tiny_dataset, tmp_path):
    cfg = tiny(tiny_dataset, **{"train.deterministic": True, "train.epochs": 1})
    try:
        first = train(cfg, tmp_path / "a").history[-1]
        assert torch.are_deterministic_algorithms_enabled()
        second = train(cfg, tmp_path / "b").history[-1]
    finally:
        torch.use_deterministic_algorithms(False)
    assert first["train_loss"] == second["train_loss"]
    assert first["val_miou"] == second["val_miou"]
    assert first["val_loss"] == second["val_loss"]


@pytest.mark.parametrize(("model", "side"), [("unet", 16), ("unet_resnet18", 32)])
def test_images_smaller_than_the_network_are_refused_before_training(tmp_path, capsys, model, side):
    from seglab.cli import main
    from seglab.data import generate_synthetic

    data = generate_synthetic(tmp_path / "data", num_samples=6, size=(side - 4, side - 4))
    assert main(["train", "--no-plan", str(data), "--model", model, "--epochs", "1", "--out", str(tmp_path / "run"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"needs at least {side} px per side" in err and "--size" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "checkpoints" / "best.safetensors").exists()


def test_deterministic_cuda_runs_refuse_layers_without_a_deterministic_backward():
    """torch raises at the first backward through bilinear upsampling on CUDA; seglab names it before."""
    from seglab.engine.session import check_deterministic_kernels
    from seglab.errors import ConfigError
    from seglab.models import create_model

    bilinear = create_model("unet", 3, 2, widths=[4, 8], upsampling="bilinear")
    with pytest.raises(ConfigError, match=r"Upsample\(bilinear\); .*upsampling=nearest"):
        check_deterministic_kernels(True, bilinear, torch.device("cuda"))
    check_deterministic_kernels(True, bilinear, torch.device("cpu"))  # deterministic on the CPU
    check_deterministic_kernels(False, bilinear, torch.device("cuda"))
    check_deterministic_kernels(True, create_model("unet", 3, 2, widths=[4, 8]), torch.device("cuda"))
