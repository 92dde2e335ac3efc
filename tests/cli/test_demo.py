"""`seglab demo`: the whole job from an empty folder, with the demo's own recipe."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seglab.cli import main
from seglab.demo import DEMO_EPOCHS, DEMO_LR


def test_demo_trains_evaluates_and_predicts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--epochs", "2", "--samples", "30", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "test mIoU" in printed and "predictions: 3 masks" in printed  # 10% of 30 is the test split
    config = yaml.safe_load((out / "run" / "config.yaml").read_text())
    assert config["train"]["schedule"] == "onecycle" and config["train"]["lr"] == DEMO_LR  # warm-up, then 6e-3
    assert config["train"]["epochs"] == 2 and config["model"]["name"] == "unet_small"
    assert len(list((out / "predictions").glob("*.png"))) >= 3
    assert (out / "run" / "eval" / "test").is_dir() and (out / "run" / "train.log").stat().st_size > 0


def test_demo_default_length_is_in_its_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert f"default {DEMO_EPOCHS}, one-cycle" in capsys.readouterr().out
