"""`seglab plan` and the planned `seglab train`: what they print, write and keep."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from seglab import planning
from seglab.cli import main
from seglab.cli.commands import train as train_command
from seglab.cli.planned import SHARED_PLAN_ENV
from seglab.config import load
from seglab.engine import experiment
from seglab.data.layouts.synthetic import generate_synthetic


@pytest.fixture
def shapes(tmp_path: Path) -> Path:
    return generate_synthetic(tmp_path / "data", num_samples=12, size=(48, 48), num_classes=3)


def test_plan_prints_a_short_plan_and_writes_it(shapes: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    saved, plan_file = tmp_path / "plan.yaml", tmp_path / "plan.json"
    assert main(["plan", str(shapes), "--augment", "none", "--save-config", str(saved), "--json", str(plan_file)]) == 0
    printed = capsys.readouterr().out.splitlines()
    plan_lines = printed[:printed.index(next(line for line in printed if line.startswith("config written")))]
    assert len(plan_lines) <= 30
    assert any("model.name" in line for line in plan_lines) and any("kpx/s" in line for line in plan_lines)
    assert any(line.startswith(" *data.augment") for line in plan_lines)  # the user's flag, marked
    choices = {c["key"]: c for c in json.loads(plan_file.read_text())["choices"]}
    assert choices["data.augment"]["source"] == "user" and choices["data.augment"]["value"] == "none"
    assert choices["model.name"]["source"] == "plan" and choices["model.name"]["basis"]["speeds_px_per_s"]
    cfg = load(saved)  # the saved config trains exactly the plan
    assert cfg.model.name == choices["model.name"]["value"] and cfg.data.augment == "none"
    assert cfg.train.time_budget == choices["train.time_budget"]["value"] == 900.0
    assert cfg.data.path == str(shapes)


def test_train_follows_the_plan_and_keeps_it(shapes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "training_speed", lambda name, *args: {"unet": 2e6, "unet_small": 8e6}[name])
    run = tmp_path / "run"
    flags = ["--epochs", "1", "--precision", "fp32", "--no-progress", "--batch-size", "4"]
    assert main(["train", str(shapes), "--out", str(run), *flags]) == 0
    plan = json.loads((run / "plan.json").read_text())
    choices = {c["key"]: c for c in plan["choices"]}
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["model"]["name"] == choices["model.name"]["value"] == "unet"  # fast enough for the larger one
    assert config["train"]["lr"] == choices["train.lr"]["value"] == 2e-3
    assert config["train"]["batch_size"] == 4 and choices["train.batch_size"]["source"] == "user"
    assert config["train"]["time_budget"] is None and config["train"]["epochs"] == 1  # --epochs: no budget
    assert plan["fingerprint"]["num_images"] > 0 and "alignment" in plan["fingerprint"]
    assert "plan:" in (run / "train.log").read_text()

    fixed = tmp_path / "fixed"
    assert main(["train", str(shapes), "--out", str(fixed), "--no-plan", *flags]) == 0
    assert not (fixed / "plan.json").exists()
    assert yaml.safe_load((fixed / "config.yaml").read_text())["train"]["lr"] == load().train.lr


def test_what_is_never_planned(shapes: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["plan", "--config", str(tmp_path / "x.yaml"), str(shapes)]) == 2
    assert "whole recipe" in capsys.readouterr().err
    monkeypatch.setenv("WORLD_SIZE", "2")  # torchrun started us: every process would plan on its own
    assert main(["train", str(shapes), "--out", str(tmp_path / "ddp")]) == 2
    assert "--nproc N` plans once" in capsys.readouterr().err


def test_nproc_plans_once_for_all_its_processes(shapes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "training_speed", lambda name, *args: {"unet": 10.0, "unet_small": 1e3}[name])
    handed: dict[str, object] = {}

    def launch(argv: list[str], nproc: int, max_restarts: int = 0, extra_env: dict | None = None) -> None:
        """Stands in for torchrun: one process of the N, run while the launcher still holds its plan."""
        shared = Path(extra_env[SHARED_PLAN_ENV])
        handed["plan"] = json.loads(shared.read_text())
        monkeypatch.setattr(planning, "training_speed", lambda *args: pytest.fail("a process measured again"))
        with monkeypatch.context() as rank:
            rank.setenv("WORLD_SIZE", "1")
            rank.setenv(SHARED_PLAN_ENV, str(shared))
            handed["code"] = main([a for a in argv if a not in ("--nproc", "2")])
        with monkeypatch.context() as rank:  # another rank: it trains the same plan, silently
            rank.setenv("WORLD_SIZE", "2")
            rank.setenv("RANK", "1")
            rank.setenv(SHARED_PLAN_ENV, str(shared))
            rank.setattr(experiment, "train", lambda cfg, out, resume=False: handed.setdefault("rank 1", cfg))
            main([a for a in argv if a not in ("--nproc", "2")])
        raise SystemExit(handed["code"])

    monkeypatch.setattr(train_command, "relaunch_with_torchrun", launch)
    run = tmp_path / "ddp"
    argv = ["train", str(shapes), "--out", str(run), "--nproc", "2", "--epochs", "1", "--no-progress"]
    with pytest.raises(SystemExit) as launched:  # the launcher exits with torchrun's code
        main(argv)
    assert launched.value.code == handed["code"] == 0
    assert json.loads((run / "plan.json").read_text()) == handed["plan"]
    config = yaml.safe_load((run / "config.yaml").read_text())
    planned = {c["key"]: c["value"] for c in handed["plan"]["choices"]}
    assert config["model"]["name"] == planned["model.name"] == "unet_small"  # the launcher's slow speeds
    assert config["train"]["lr"] == planned["train.lr"]
    other, first = handed["rank 1"], load(run / "config.yaml")
    assert other.model == first.model and other.data == first.data and other.train.lr == first.train.lr


def test_a_saved_plan_loads_back_equal(shapes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "training_speed", lambda name, *args: {"unet": 20.0, "unet_small": 100.0}[name])
    plan = planning.make_plan(load(overrides={"data.path": str(shapes)}))  # so slow that it downscales
    plan.save(tmp_path / "plan.json")
    loaded = planning.Plan.load(tmp_path / "plan.json")
    assert loaded.choices == plan.choices and loaded.fingerprint == plan.fingerprint  # tuples are tuples again
    assert loaded.to_dict() == plan.to_dict() and isinstance(loaded.value("data.size"), tuple)
