"""--dry-run estimates, --time-budget fits the epoch count to the wall clock."""

from __future__ import annotations

from dataclasses import replace

import pytest

from seglab import config
from seglab.cli import main, parse_duration
from seglab.engine.experiment import train
from seglab.engine.session import dry_run

TINY = {"model.name": "unet_small", "model.options": {"widths": [8, 16]}, "train.batch_size": 4,
        "train.precision": "fp32", "train.progress": False}


def test_durations_parse():
    assert parse_duration("90s") == 90 and parse_duration("10m") == 600 and parse_duration("1.5h") == 5400
    assert parse_duration("45") == 45
    with pytest.raises(Exception, match="duration"):
        parse_duration("soon")


def test_dry_run_measures_without_training(tiny_dataset, tmp_path, capsys):
    estimate = dry_run(config.load(overrides={"data.path": str(tiny_dataset), **TINY}))
    assert estimate.step_seconds > 0 and estimate.train_steps == 2  # 8 train pairs / batch 4
    assert estimate.epoch_seconds >= estimate.step_seconds * 2
    assert estimate.peak_memory_mb > 0
    assert main(["train", "--no-plan", str(tiny_dataset), "--dry-run", "--out", str(tmp_path / "run"),
                 "--model", "unet_small", "--batch-size", "4"]) == 0
    assert "per epoch" in capsys.readouterr().out
    assert not (tmp_path / "run" / "checkpoints" / "best.safetensors").exists()


def test_time_budget_caps_epochs_and_keeps_the_best(tiny_dataset, tmp_path):
    cfg = config.load(overrides={"data.path": str(tiny_dataset), **TINY, "train.epochs": 10_000,
                                 "train.time_budget": 3.0})
    result = train(cfg, tmp_path / "run")
    assert 1 <= len(result.history) < 10_000
    assert sum(row["seconds"] for row in result.history) < 3.0 + 2 * max(r["seconds"] for r in result.history)
    saved = result.run.read_config()
    # config.yaml keeps the first plan, fitted to the budget: the re-plans at each epoch end may pass it
    # when later epochs run faster than the first (a load that lifts), so the history may be longer
    assert 1 <= saved.train.epochs < 10_000
    assert result.run.best.is_file()


def test_a_resumed_budget_run_trains_on_past_the_plan_its_config_recorded(tiny_dataset, tmp_path):
    cfg = config.load(overrides={"data.path": str(tiny_dataset), **TINY, "train.epochs": 2, "train.threads": 1})
    train(cfg, tmp_path / "run")
    budget = replace(cfg, train=replace(cfg.train, time_budget=3.0))
    resumed = train(budget, tmp_path / "run", resume=True)  # config.yaml says 2 epochs, both done
    assert len(resumed.history) > 2
