"""Split files (`data.split_file`, `--split-file`): a run's splits.json reproduces its split,
and every wrong name is reported by name."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml

from seglab import config
from seglab.cli import main
from seglab.data import discover
from seglab.data.files.index import Pair
from seglab.data.loading.prepare import prepare_data
from seglab.data.splitting.splits import split_from_file, split_pairs
from seglab.errors import ConfigError

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4",
        "--precision", "fp32", "--no-progress", "--epochs", "1"]


def slices(n: int) -> list[Pair]:
    return [Pair(f"slice_{i}", Path(f"i{i}.png"), Path(f"m{i}.png")) for i in range(n)]


def names(pairs: list[Pair]) -> list[str]:
    return [pair.name for pair in pairs]


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "split.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_named_split_is_used_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, {"train": ["slice_3", "slice_0", "slice_10"], "val": ["slice_1"], "test": ["slice_2"]})
    split = split_from_file(slices(11)[:4] + slices(11)[10:], path)
    assert {k: names(v) for k, v in split.items()} == {
        "train": ["slice_0", "slice_3", "slice_10"], "val": ["slice_1"], "test": ["slice_2"]}


def test_run_splits_json_with_root_and_format_is_read_and_val_test_may_be_missing(tmp_path: Path) -> None:
    run_file = write(tmp_path, {"root": "/data", "format": "npy-pairs", "train": ["slice_0"], "val": ["slice_1"],
                                "test": []})
    assert names(split_from_file(slices(2), run_file)["val"]) == ["slice_1"]
    only_train = write(tmp_path, {"train": ["slice_0", "slice_1"]})
    assert split_from_file(slices(2), only_train)["val"] == []


def test_unknown_names_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, {"train": ["slice_0", "slice_99"], "val": ["ghost"]})
    with pytest.raises(ConfigError, match=r"names 2 pair\(s\) not in the dataset: 'slice_99', 'ghost'"):
        split_from_file(slices(3), path)


def test_names_in_two_splits_are_named_with_their_splits(tmp_path: Path) -> None:
    path = write(tmp_path, {"train": ["slice_0", "slice_1", "slice_1"], "val": ["slice_2"], "test": ["slice_0"]})
    with pytest.raises(ConfigError, match=r"more than once: 'slice_0' \(train, test\), 'slice_1' \(train, train\)"):
        split_from_file(slices(3), path)


def test_long_lists_of_bad_names_are_cut_short(tmp_path: Path) -> None:
    path = write(tmp_path, {"train": [f"x{i}" for i in range(25)]})
    with pytest.raises(ConfigError, match=r"'x9' and 15 more"):
        split_from_file(slices(3), path)


def test_pairs_in_no_split_are_left_out_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger("seglab"), "propagate", True)  # the CLI tests switch it off
    path = write(tmp_path, {"train": ["slice_0", "slice_2"], "val": ["slice_3"]})
    with caplog.at_level(logging.WARNING, logger="seglab"):
        split = split_from_file(slices(5), path)
    assert sorted(n for v in split.values() for n in names(v)) == ["slice_0", "slice_2", "slice_3"]
    assert "leaves 2 of 5 pairs out of every split" in caplog.text and "'slice_1', 'slice_4'" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        (["slice_0"], "must hold a JSON object"),
        ({"train": ["slice_0"], "valid": ["slice_1"]}, r"unknown keys \['valid'\]"),
        ({"train": "slice_0"}, "'train' must be a list of pair names"),
        ({"train": [0, 1]}, "'train' must be a list of pair names"),
        ({"train": [], "val": ["slice_0"]}, "puts no pair in 'train'"),
    ],
)
def test_malformed_split_files(tmp_path: Path, content: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        split_from_file(slices(2), write(tmp_path, content))


def test_missing_split_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        split_from_file(slices(2), tmp_path / "nope.json")


def test_split_file_and_folds_exclude_each_other(tiny_dataset: Path, tmp_path: Path) -> None:
    cfg = config.load(overrides={"data.path": str(tiny_dataset), "data.split_file": str(write(tmp_path, {})),
                                 "data.folds": 3})
    with pytest.raises(ConfigError, match="use one or the other"):
        prepare_data(cfg.data, seed=0)


def test_cli_fold_run_is_reproduced_by_its_splits_json(tiny_dataset: Path, tmp_path: Path, one_thread) -> None:
    folded, copied = tmp_path / "fold1", tmp_path / "copy"
    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(folded), "--folds", "3", "--fold", "1",
                 "--split-mode", "blocks", *TINY]) == 0
    written = json.loads((folded / "splits.json").read_text())
    expected = split_pairs(discover(tiny_dataset, "auto").pairs, mode="blocks", folds=3, fold=1)
    assert {k: written[k] for k in ("train", "val", "test")} == {k: names(v) for k, v in expected.items()}
    assert len(written["val"]) == 4 and written["test"] == []
    recorded = yaml.safe_load((folded / "config.yaml").read_text())["data"]
    assert (recorded["folds"], recorded["fold"], recorded["split_mode"]) == (3, 1, "blocks")

    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(copied), "--split-file", str(folded / "splits.json"),
                 *TINY]) == 0
    assert json.loads((copied / "splits.json").read_text()) == written
    assert yaml.safe_load((copied / "config.yaml").read_text())["data"]["split_file"] == str(folded / "splits.json")


def test_cli_reports_a_bad_fold_in_one_line(tiny_dataset: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(tmp_path / "run"), "--folds", "3", "--fold", "3",
                 *TINY]) == 2
    assert "data.fold must be between 0 and 2 for 3 folds, got 3" in capsys.readouterr().err
