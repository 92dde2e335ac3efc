"""A run folder's own files, edited or damaged since the run wrote them (binary bytes, JSON cut
short): each stage that reads them names the file, never a traceback."""

from __future__ import annotations

import pytest

from seglab import config as config_io
from seglab.errors import ConfigError, DataError
from seglab.planning.plan import Plan
from seglab.runs.run_folder import RunFolder

DAMAGE = {"binary": b"\x00\xff{\"broken", "cut": b'{"train": ["a", "b'}


@pytest.mark.parametrize("damage", DAMAGE)
def test_splits_metrics_and_plan_files_are_named(tmp_path, damage):
    run = RunFolder(tmp_path / "run")
    run.root.mkdir()
    run.splits.write_bytes(DAMAGE[damage])
    with pytest.raises(DataError, match=r"splits\.json' is damaged or unreadable"):
        run.read_splits()
    (run.root / "plan.json").write_bytes(DAMAGE[damage])
    with pytest.raises(DataError, match=r"plan\.json' is damaged or unreadable"):
        Plan.load(run.root / "plan.json")


def test_a_plan_of_another_shape_and_splits_that_are_no_mapping_are_named(tmp_path):
    run = RunFolder(tmp_path / "run")
    run.root.mkdir()
    (run.root / "plan.json").write_text('{"choices": []}')
    with pytest.raises(DataError, match=r"plan\.json' is no plan seglab wrote"):
        Plan.load(run.root / "plan.json")
    run.splits.write_text("[1, 2]")
    with pytest.raises(DataError, match=r"splits\.json' is damaged: it holds no train/val/test lists"):
        run.read_splits()


@pytest.mark.parametrize("text", [b"\x00\xffepoch,loss\n", b"epoch,train_loss\n1,high\n"], ids=["binary", "no-number"])
def test_a_damaged_history_is_named(tmp_path, text):
    run = RunFolder(tmp_path / "run")
    run.root.mkdir()
    run.history.write_bytes(text)
    with pytest.raises(DataError, match=r"history\.csv' is damaged"):
        run.read_history()


def test_a_config_that_is_not_text_is_named(tmp_path):
    (tmp_path / "config.yaml").write_bytes(b"\x00\xff\xfe")
    with pytest.raises(ConfigError, match=r"config\.yaml' cannot be read"):
        config_io.load(tmp_path / "config.yaml")
