"""The learning-rate range test: its pick on a known curve, the command, and --lr auto."""

from __future__ import annotations

import json

import pytest
import yaml

from seglab.cli import main
from seglab.engine.lr_finder import check_range, suggest
from seglab.errors import ConfigError

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--size", "16",
        "--precision", "fp32", "--no-progress"]


def test_suggest_picks_inside_the_longest_fall():
    lrs = [10.0 ** e for e in range(-9, 3)]  # 1e-9 .. 100
    # flat, then falling steadily from index 2 to its minimum at index 9 (1.0), then blowing up
    losses = [2.0, 2.0, 1.95, 1.9, 1.7, 1.4, 1.0, 0.7, 0.5, 0.4, 3.0, 9.0]
    valley, lowest = suggest(lrs, losses)
    # the fall runs over indices 1..9 (9 steps); a third is 2.67: index 1 + 2 + 1 = 4, rate 1e-5
    assert valley == pytest.approx(1e-5) and lowest == pytest.approx(1.0)
    assert suggest(lrs, [1.0 + i for i in range(12)]) == (1e-9, 1e-9)  # only rises: the smallest rate


def test_a_bad_range_is_refused():
    with pytest.raises(ConfigError, match="0 < start < end"):
        check_range(1.0, 0.1, 50)


def test_lr_find_command_writes_the_curve_and_a_suggestion(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "lrf"
    assert main(["lr-find", str(tiny_dataset), "--steps", "12", "--out", str(out), *TINY]) == 0
    found = json.loads((out / "lr_find.json").read_text())
    assert (out / "lr_find.png").is_file()
    assert 5 <= len(found["lrs"]) == len(found["losses"]) <= 12
    assert found["lrs"] == sorted(found["lrs"]) and found["lrs"][0] == pytest.approx(1e-7)
    assert found["suggested"] in found["lrs"] and found["minimum"] in found["lrs"]
    assert f"suggested learning rate: {found['suggested']:.3g}" in capsys.readouterr().out


def test_lr_auto_trains_at_the_suggestion_and_records_it(tiny_dataset, tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", "--lr", "auto", *TINY]) == 0
    found = json.loads((run / "lr_find.json").read_text())
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["train"]["lr"] == pytest.approx(found["suggested"])
    assert (run / "lr_find.png").is_file()


def test_lr_must_be_a_number_or_auto(tiny_dataset, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--no-plan", str(tiny_dataset), "--lr", "fast"])
    assert "learning rate must be a number like 3e-3, or auto" in capsys.readouterr().err
