"""A run folder records its dataset by absolute path, and a moved one is pointed at its data."""

from __future__ import annotations

import shutil

import yaml

from seglab.cli import main

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--size", "16",
        "--precision", "fp32", "--no-progress", "--epochs", "1"]


def test_a_run_evaluates_from_another_directory_and_after_a_move(tmp_path, tiny_dataset, monkeypatch, capsys):
    monkeypatch.chdir(tiny_dataset.parent)
    assert main(["train", "--no-plan", tiny_dataset.name, "--out", "run", *TINY]) == 0  # paths typed relative
    config = yaml.safe_load((tiny_dataset.parent / "run" / "config.yaml").read_text())
    assert config["data"]["path"] == str(tiny_dataset.resolve())

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["evaluate", str(tiny_dataset.parent / "run")]) == 0

    moved_data = tmp_path / "moved-data"
    shutil.move(tiny_dataset, moved_data)
    capsys.readouterr()
    assert main(["evaluate", str(tiny_dataset.parent / "run")]) == 2
    err = capsys.readouterr().err
    assert f"dataset folder '{tiny_dataset.resolve()}' recorded in" in err and "--data-path FOLDER" in err
    assert main(["evaluate", str(tiny_dataset.parent / "run"), "--data-path", str(moved_data)]) == 0
    assert main(["report", str(tiny_dataset.parent / "run"), "--data-path", str(moved_data)]) == 0
