"""Interrupted runs resume to exactly the weights of an uninterrupted run (CPU, same seed)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time

import pytest
import torch

from seglab import config
from seglab.cli import main
from seglab.data import generate_synthetic
from seglab.engine.experiment import train
from seglab.engine.trainer import Callback
from seglab.errors import CheckpointError
from seglab.runs.checkpoint import load_checkpoint

# bit-for-bit comparisons need a fixed thread count: float rounding depends on it
FLAGS = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4", "--precision", "fp32",
         "--no-progress", "--lr", "0.003", "--model-option", "dropout=0.2", "--schedule", "onecycle", "--threads", "1"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return generate_synthetic(tmp_path_factory.mktemp("resume") / "data", num_samples=24, size=(32, 32), seed=3)


def weights(run) -> dict[str, torch.Tensor]:
    return load_checkpoint(run / "checkpoints" / "last.safetensors").state_dict


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]


class StopAfter(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer, row, val):
        if trainer.epoch == self.epoch:
            raise KeyboardInterrupt


def test_ctrl_c_then_resume_matches_uninterrupted(data, tmp_path):
    cfg = config.load(overrides={
        "data.path": str(data), "model.name": "unet_small",
        "model.options": {"widths": [8, 16, 32], "dropout": 0.2},  # dropout: the RNG state matters
        "train.epochs": 3, "train.batch_size": 4, "train.precision": "fp32", "train.progress": False,
        "train.threads": 1,
    })
    full = train(cfg, tmp_path / "full")
    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "cut", callbacks=[StopAfter(1)])
    assert (tmp_path / "cut" / "checkpoints" / "interrupted.safetensors").is_file()
    assert load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.safetensors").info["epoch"] == 1
    resumed = train(cfg, tmp_path / "cut", resume=True)
    assert_same_weights(weights(tmp_path / "full"), weights(tmp_path / "cut"))
    assert [r["train_loss"] for r in resumed.history] == [r["train_loss"] for r in full.history]
    assert resumed.best_epoch == full.best_epoch
    assert resumed.best_scores.mean_iou == full.best_scores.mean_iou


def test_sigkill_mid_run_then_resume_matches_uninterrupted(data, tmp_path):
    args = [str(data), "--epochs", "4", *FLAGS]
    assert main(["train", "--no-plan", *args, "--out", str(tmp_path / "full")]) == 0

    cut = tmp_path / "cut"
    process = subprocess.Popen([sys.executable, "-m", "seglab", "train", "--no-plan", *args, "--out", str(cut)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = cut / "checkpoints" / "last.safetensors"
    deadline = time.time() + 120
    while not last.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    killed_after = load_checkpoint(last).info["epoch"]
    assert 1 <= killed_after < 4  # the run was cut short, and an epoch's state survived

    assert main(["train", "--no-plan", "--resume", str(cut), "--no-progress"]) == 0
    assert_same_weights(weights(tmp_path / "full"), weights(cut))


def test_resume_refuses_a_run_without_training_state(tmp_path, data, capsys):
    assert main(["train", "--no-plan", "--resume", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_unwritable_output_folder_gives_a_clear_error(data, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the run folder's parent should be")
    assert main(["train", "--no-plan", str(data), "--epochs", "1", *FLAGS, "--out", str(blocker / "run")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the run folder" in err and str(blocker / "run") in err


def test_resume_rebuilds_the_saved_network_when_the_config_no_longer_names_its_options(data, tmp_path):
    """As after a change of a preset's default: the checkpoint's card, not config.yaml, decides."""
    values = {"data.path": str(data), "model.name": "unet_small", "model.options": {"widths": [8, 16, 32]},
              "train.epochs": 1, "train.batch_size": 4, "train.precision": "fp32", "train.progress": False}
    train(config.load(overrides=values), tmp_path / "run")
    bare = config.load(overrides={**values, "model.options": {}, "train.epochs": 2})
    result = train(bare, tmp_path / "run", resume=True)
    assert len(result.history) == 2
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").card.options["widths"] == [8, 16, 32]


@pytest.mark.parametrize("schedule", ["onecycle", "cosine"])
def test_more_epochs_extend_a_finished_run_on_the_longer_schedule(data, tmp_path, schedule):
    """`--resume RUN --epochs N` after the run finished: training goes on as a run planned for N
    epochs from the start would at those steps (one-cycle stepped past its saved end before)."""
    overrides = {"data.path": str(data), "model.name": "unet_small", "model.options": {"widths": [8, 16]},
                 "train.epochs": 2, "train.batch_size": 4, "train.precision": "fp32", "train.progress": False,
                 "train.threads": 1, "train.schedule": schedule}
    train(config.load(overrides=overrides), tmp_path / "short")
    longer = config.load(overrides={**overrides, "train.epochs": 4})
    extended = train(longer, tmp_path / "short", resume=True)
    planned = train(longer, tmp_path / "long")
    assert [int(row["epoch"]) for row in extended.history] == [1, 2, 3, 4]
    assert [row["lr"] for row in extended.history[2:]] == pytest.approx([row["lr"] for row in planned.history[2:]])


def test_resuming_a_finished_run_says_it_has_no_epoch_left_and_how_to_train_on(data, tmp_path, capsys):
    """`--resume` on a run that reached its last epoch trained nothing and said only "resuming ...
    after epoch 4"; it says the run is done and that `--epochs N` (above 4) trains on."""
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(data), "--epochs", "1", *FLAGS, "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["train", "--no-plan", "--resume", str(run), "--no-progress"]) == 0
    assert f"already trained its last epoch (1 of 1): nothing left to train; to train on, give more epochs: " \
           f"`seglab train --resume {run} --epochs N` with N above 1" in capsys.readouterr().err


def test_ctrl_c_before_the_first_checkpoint_names_the_command_that_starts_again(data, tmp_path, capsys, monkeypatch):
    """Ctrl-C in epoch 1 said "continue with `seglab train --resume RUN`", and --resume then refused
    "not a finished seglab run"; both now say no checkpoint exists and give a command that works."""
    from seglab.engine.trainer import Trainer

    def stop(self, loader):
        raise KeyboardInterrupt

    run = tmp_path / "run"
    command = ["train", "--no-plan", str(data), "--epochs", "1", *FLAGS, "--out", str(run)]
    with monkeypatch.context() as patched:
        patched.setattr(Trainer, "train_one_epoch", stop)
        assert main(command) == 130
    err = capsys.readouterr().err
    assert "--resume" not in err
    assert f"no checkpoint was written yet, so there is nothing to resume; start again with " \
           f"`{shlex.join(['seglab', *command, '--overwrite'])}`" in err
    assert main(["train", "--resume", str(run)]) == 2
    route = f"`seglab train --config {run / 'config.yaml'} --out {run} --overwrite`"
    assert f"holds no checkpoint to resume from: its training stopped before the first epoch ended; start it " \
           f"again: {route}" in capsys.readouterr().err
    assert main(shlex.split(route.strip("`"))[1:] + ["--no-progress"]) == 0
    assert (run / "checkpoints" / "last.safetensors").is_file()


def test_ctrl_c_after_a_checkpoint_names_resume(data, tmp_path, capsys, monkeypatch):
    from seglab.engine.trainer import Trainer

    train_one_epoch = Trainer.train_one_epoch

    def stop_in_epoch_2(self, loader):
        if self.epoch == 2:
            raise KeyboardInterrupt
        return train_one_epoch(self, loader)

    run = tmp_path / "run"
    monkeypatch.setattr(Trainer, "train_one_epoch", stop_in_epoch_2)
    assert main(["train", "--no-plan", str(data), "--epochs", "2", *FLAGS, "--out", str(run)]) == 130
    err = capsys.readouterr().err
    assert f"seglab train: interrupted (continue with `seglab train --resume {run}`)" in err
    assert f"`seglab train --resume {run}` continues after the last complete epoch" in err
