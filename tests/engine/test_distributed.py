"""Distributed data-parallel training: torchrun with 2 CPU processes (gloo) on synthetic data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from torch import nn

import seglab
from seglab.cli import main, torchrun
from seglab.data import generate_synthetic
from seglab import config
from seglab.engine.distributed import DistributedContext, per_process_batch
from seglab.engine.experiment import train
from seglab.engine.restart import resumes_after_restart
from seglab.engine.trainer import Trainer
from seglab.errors import ConfigError
from seglab.losses import build_loss

# the processes torchrun starts import this checkout's seglab, whatever their working directory
ENV = {**os.environ, "PYTHONPATH": str(Path(seglab.__file__).parents[1]), "TORCH_DISABLE_SHARE_RDZV_TCP_STORE": "1",
       "OMP_NUM_THREADS": "1"}

FLAGS = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "8", "--precision", "fp32",
         "--no-progress", "--epochs", "4", "--lr", "0.01"]


def test_shards_cover_every_item_once():
    shards = [DistributedContext(rank, 3).shard(10) for rank in range(3)]
    assert sorted(i for shard in shards for i in shard) == list(range(10))


def test_global_batch_is_split_over_processes():
    assert per_process_batch(8, DistributedContext(0, 2)) == 4
    with pytest.raises(ConfigError, match="multiple of 2"):
        per_process_batch(7, DistributedContext(0, 2))


def test_torchrun_two_processes_matches_single_process(tmp_path):
    data = generate_synthetic(tmp_path / "data", num_samples=40, size=(32, 32), seed=5)
    single = tmp_path / "single"
    assert main(["train", "--no-plan", str(data), *FLAGS, "--out", str(single)]) == 0
    ddp = tmp_path / "ddp"
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
         "-m", "seglab", "--", "train", "--no-plan", str(data), *FLAGS, "--out", str(ddp), "--log", "tensorboard"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=ENV,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = [p for p in tmp_path.iterdir() if (p / "config.yaml").exists()]
    assert not (tmp_path / "runs").exists()
    assert sorted(p.name for p in runs) == ["ddp", "single"]  # rank 1 wrote no folder of its own
    assert (ddp / "checkpoints" / "best.safetensors").is_file()
    assert "2 processes" in (ddp / "train.log").read_text()
    ddp_rows = (ddp / "history.csv").read_text().splitlines()
    assert len(ddp_rows) == 1 + 4  # header + one row per epoch, written once
    events = list((ddp / "tensorboard").glob("events.out.tfevents.*"))
    assert len(events) == 1 and events[0].stat().st_size > 0  # rank 0 alone logs
    single_miou = json.loads((single / "metrics.json").read_text())["mean_iou"]
    ddp_miou = json.loads((ddp / "metrics.json").read_text())["mean_iou"]
    # same global batch and data; shuffling order differs, so agreement is close, not exact
    assert abs(single_miou - ddp_miou) < 0.15, (single_miou, ddp_miou)


class Recorded:
    """Stands in for torch.distributed's collectives in a one-process test: records the device
    of every tensor handed to them and leaves the values alone."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.devices: list[torch.device] = []
        monkeypatch.setattr(dist, "all_reduce", lambda tensor, op=None: self.devices.append(tensor.device))
        monkeypatch.setattr(dist, "broadcast", lambda tensor, src=0: self.devices.append(tensor.device))


def test_collectives_run_on_the_process_group_device(monkeypatch: pytest.MonkeyPatch) -> None:
    # NCCL handles only CUDA tensors: whatever the caller hands in goes to the group's device
    # (meta stands in for the GPU here)
    recorded = Recorded(monkeypatch)
    context = DistributedContext(0, 2, collective_device=torch.device("meta"))
    context.reduce_sum(torch.zeros(3, dtype=torch.float64))
    context.sync_buffers(nn.BatchNorm2d(2, device="meta"))
    assert recorded.devices and {d.type for d in recorded.devices} == {"meta"}


def test_training_hands_collectives_tensors_on_the_model_device(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = Recorded(monkeypatch)
    context = DistributedContext(0, 2, collective_device=torch.device("cpu"))
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    batches = [{"image": torch.randn(2, 1, 4, 4), "mask": torch.randint(0, 2, (2, 4, 4))}] * 2
    trainer = Trainer(model, build_loss("ce_dice", 2), torch.optim.SGD(model.parameters(), lr=0.1), num_classes=2,
                      reduce_sum=context.reduce_sum, sync_buffers=context.sync_buffers, ema_decay=0.9,
                      read_every=100)  # as on a GPU: read (and summed over processes) at the epoch's end only
    trainer.fit(batches, batches, epochs=1)  # type: ignore[arg-type]
    # train loss + train matrix + float and integer buffers of model and average + val matrix + val loss + stop
    assert len(recorded.devices) == 9
    assert set(recorded.devices) == {trainer.device}


def test_sync_batchnorm_is_refused_off_cuda(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = generate_synthetic(tmp_path / "data", num_samples=8, size=(32, 32), seed=5)
    assert main(["train", "--no-plan", str(data), *FLAGS, "--sync-batchnorm", "--device", "cpu", "--out", str(tmp_path / "r")]) == 2
    assert "--sync-batchnorm needs CUDA" in capsys.readouterr().err


def test_nproc_and_max_restarts_reach_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    launched = {}

    def call(command: list[str], env: dict[str, str]) -> int:
        launched.update(command=command, env=env)
        return 0

    monkeypatch.setattr(torchrun.subprocess, "call", call)
    with pytest.raises(SystemExit):
        torchrun.relaunch_with_torchrun(["train", "data", "--nproc", "2", "--max-restarts=3", "--epochs", "2"], 2, 3)
    command = launched["command"]
    assert "--nproc-per-node=2" in command and "--max-restarts=3" in command
    assert command[command.index("seglab"):] == ["seglab", "--", "train", "data", "--epochs", "2"]
    assert launched["env"]["TORCH_DISABLE_SHARE_RDZV_TCP_STORE"] == "1"
    assert main(["train", "--no-plan", "data", "--max-restarts", "1"]) == 2  # restarts of one process: refused
    # what torchrun hands a process: seglab's arguments after '--' (with the '--' on some Pythons)
    assert main(["--", "train", "data", "--max-restarts", "1"]) == 2


def test_nproc_refuses_a_folder_holding_a_run_before_torchrun_starts(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.yaml").write_text("a finished run\n")
    monkeypatch.setattr(torchrun.subprocess, "call", lambda *args, **kwargs: pytest.fail("torchrun was started"))
    command = ["train", "--no-plan", str(tmp_path / "data"), "--out", str(run), "--nproc", "2", "--max-restarts", "3"]
    assert main(command) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (run / "config.yaml").read_text() == "a finished run\n"  # refused, nothing touched


# Run by torchrun: seglab's own command line, plus test-only hooks. Rank 0 plans 4 epochs from
# its (faked) estimate, rank 1's would be 1 epoch: only the broadcast plan keeps them together.
# Rank 1 alone asks to stop after epoch 3: both must stop there.
# The first attempt dies after epoch 1 (all processes, once the checkpoint is on disk, the run
# folder's lock left behind as after a crash); torchrun's restart must continue at epoch 2.
# After the restart no epoch counts as better, so metrics.json re-scores epoch 1's checkpoint.
DRIVER = textwrap.dedent("""
    import json, os, sys
    import torch
    import seglab.engine.experiment as experiment
    from seglab.cli import main
    from seglab.engine.callbacks import Checkpointer
    from seglab.engine.estimate import Estimate
    from seglab.engine.trainer import Callback

    rank = int(os.environ["RANK"])
    dumps = sys.argv[1]

    def estimate(*args, **kwargs):
        return Estimate(step_seconds=0.0, train_steps=1, val_seconds=30.0 if rank == 0 else 100.0, peak_memory_mb=0)

    class Hooks(Callback):
        def on_fit_start(self, trainer):
            if os.environ["TORCHELASTIC_RESTART_COUNT"] != "0":  # keep epoch 1 as best: re-scored at the end
                for callback in trainer.callbacks:
                    if isinstance(callback, Checkpointer):
                        callback.best_score = float("inf")

        def on_epoch_start(self, trainer, num_batches):
            if trainer.epoch == 2 and os.environ["TORCHELASTIC_RESTART_COUNT"] == "0":
                for callback in trainer.callbacks:
                    if isinstance(callback, Checkpointer):
                        callback.close()
                os._exit(1)

        def on_epoch_end(self, trainer, row, val):
            if rank == 1 and trainer.epoch == 3:  # as a time budget might on one process's clock
                trainer.should_stop = True

        def on_fit_end(self, trainer):
            state = {k: v.detach().cpu() for k, v in trainer.scored_model.state_dict().items()}
            torch.save(state, f"{dumps}/rank{rank}.pt")
            with open(f"{dumps}/rank{rank}.json", "w") as handle:
                json.dump({"epochs": [int(r["epoch"]) for r in trainer.history]}, handle)

    real_train = experiment.train
    experiment.train = lambda cfg, out, callbacks=(), **kw: real_train(cfg, out, callbacks=[*callbacks, Hooks()], **kw)
    experiment.estimate_epoch = estimate
    sys.exit(main(sys.argv[2:]))
""")


def test_torchrun_restart_continues_with_one_plan_and_one_model(tmp_path: Path) -> None:
    data = generate_synthetic(tmp_path / "data", num_samples=18, size=(32, 32), seed=3)
    driver, dumps, run = tmp_path / "driver.py", tmp_path / "dumps", tmp_path / "run"
    driver.write_text(DRIVER)
    dumps.mkdir()
    flags = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--precision",
             "fp32", "--no-progress", "--epochs", "5", "--time-budget", "120", "--lr", "0.01", "--device", "cpu"]
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "--max-restarts=1",
         str(driver), str(dumps), "train", "--no-plan", str(data), *flags, "--out", str(run)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=ENV,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = (run / "train.log").read_text()
    assert "torchrun restart 1: resuming" in log and "stale lock" in done.stderr
    assert "so 4 epoch(s)" in log
    # one plan (rank 0's 120 s / 30 s = 4 epochs) on both ranks, one stop after epoch 3; epochs 2
    # and 3 after the restart
    plans = [json.loads((dumps / f"rank{r}.json").read_text())["epochs"] for r in (0, 1)]
    assert plans == [[1, 2, 3], [1, 2, 3]]
    assert [line.split(",")[0] for line in (run / "history.csv").read_text().splitlines()[1:]] == ["1", "2", "3"]
    # weights and BatchNorm statistics alike on every rank
    states = [torch.load(dumps / f"rank{r}.pt") for r in (0, 1)]
    assert states[0].keys() == states[1].keys() and any("running_mean" in k for k in states[0])
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
    # metrics.json scores the whole validation split, as `seglab evaluate` does
    assert json.loads((run / "metrics.json").read_text())["epoch"] == 1
    assert main(["evaluate", str(run), "--split", "val", "--device", "cpu"]) == 0
    trained = json.loads((run / "metrics.json").read_text())
    evaluated = json.loads((run / "eval" / "val" / "metrics.json").read_text())
    assert trained["mean_iou"] == pytest.approx(evaluated["mean_iou"], abs=1e-9)
    assert trained["accuracy"] == pytest.approx(evaluated["accuracy"], abs=1e-9)


def test_a_restart_before_the_first_checkpoint_starts_again_and_after_it_resumes_its_own_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = generate_synthetic(tmp_path / "data", num_samples=8, size=(32, 32), seed=5)
    cfg = config.load(overrides={"data.path": str(data), "model.name": "unet_small", "model.options": {"widths": [8, 16]},
                                 "train.epochs": 1, "train.batch_size": 4, "train.progress": False})
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("written by the attempt that died\n")
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "1")
    train(cfg, run)  # not refused as "already holds a run"
    with monkeypatch.context() as patch:  # the decision reads the checkpoint's header, never its tensors
        patch.setattr("seglab.runs.checkpoint.load_checkpoint", None)
        patch.setattr("safetensors.safe_open.get_tensor", None, raising=False)
        assert resumes_after_restart(cfg, run)
    other = replace(cfg, train=replace(cfg.train, lr=cfg.train.lr * 2))
    assert not resumes_after_restart(other, run)  # another config's checkpoint is not ours to continue
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "0")
    assert not resumes_after_restart(cfg, run)
