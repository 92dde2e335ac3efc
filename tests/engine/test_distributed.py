"""Distributed data-parallel training: torchrun with 2 CPU processes (gloo) on synthetic data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seglab.cli import main
from seglab.data import generate_synthetic
from seglab.engine.distributed import DistributedContext, per_process_batch
from seglab.errors import ConfigError

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
    assert main(["train", str(data), *FLAGS, "--out", str(single)]) == 0
    ddp = tmp_path / "ddp"
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
         "-m", "seglab", "train", str(data), *FLAGS, "--out", str(ddp)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = [p for p in tmp_path.iterdir() if (p / "config.yaml").exists()]
    assert not (tmp_path / "runs").exists()
    assert sorted(p.name for p in runs) == ["ddp", "single"]  # rank 1 wrote no folder of its own
    assert (ddp / "checkpoints" / "best.safetensors").is_file()
    assert "2 processes" in (ddp / "train.log").read_text()
    ddp_rows = (ddp / "history.csv").read_text().splitlines()
    assert len(ddp_rows) == 1 + 4  # header + one row per epoch, written once
    single_miou = json.loads((single / "metrics.json").read_text())["mean_iou"]
    ddp_miou = json.loads((ddp / "metrics.json").read_text())["mean_iou"]
    # same global batch and data; shuffling order differs, so agreement is close, not exact
    assert abs(single_miou - ddp_miou) < 0.15, (single_miou, ddp_miou)
