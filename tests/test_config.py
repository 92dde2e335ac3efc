from __future__ import annotations

import pytest

from seglab import config
from seglab.errors import ConfigError


def test_defaults_and_overrides(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("train:\n  epochs: 7\n  lr: 0.01\ndata:\n  size: [64, 32]\n")
    cfg = config.load(path, {"train.epochs": 3, "model.name": "unet_small"})
    assert cfg.train.epochs == 3  # override beats file
    assert cfg.train.lr == 0.01
    assert cfg.data.size == (64, 32)
    assert cfg.model.name == "unet_small"
    assert cfg.train.batch_size == config.TrainConfig().batch_size


def test_round_trip(tmp_path):
    cfg = config.load(overrides={"data.split": [0.5, 0.25, 0.25], "model.options": {"widths": [8, 16]}})
    config.save(cfg, tmp_path / "c.yaml")
    assert config.load(tmp_path / "c.yaml") == cfg


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"train.epoch": 3}, "did you mean 'epochs'"),
        ({"train.epochs": "many"}, "must be int"),
        ({"train.epochs": True}, "must be int"),
        ({"data.size": [1, 2, 3]}, "needs 2 values"),
        ({"optimiser.lr": 1}, "unknown config key 'optimiser'"),
        ({"epochs": 1}, "section.key"),
    ],
)
def test_bad_values_are_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        config.load(overrides=overrides)


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        config.load(bad)


def test_save_writes_names_as_written_not_as_escapes(tmp_path):
    """config.yaml held a dataset path in Cyrillic or CJK as "\\u0434..." escapes (and so did what
    MLflow and TensorBoard were sent of it); it is UTF-8 now, and a name no encoding reads (a lone
    surrogate) stays its escape. Both read back the same."""
    cfg = config.load(overrides={"data.path": "/data/участок/背景", "data.images": "\udcff3"})
    config.save(cfg, tmp_path / "config.yaml")
    text = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert "/data/участок/背景" in text and "\\u" not in text.replace("\\uDCFF", "")
    assert config.load(tmp_path / "config.yaml") == cfg


def test_save_makes_the_folder_and_names_a_file_it_cannot_write(tmp_path):
    """`seglab plan DATA --save-config runs/plan.yaml` in a fresh folder ended in a traceback
    (FileNotFoundError) because no run had made `runs/` yet."""
    cfg = config.ExperimentConfig()
    config.save(cfg, tmp_path / "runs" / "plan.yaml")
    assert config.load(tmp_path / "runs" / "plan.yaml") == cfg
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match=r"cannot write the config '.*file/plan.yaml'"):
        config.save(cfg, tmp_path / "file" / "plan.yaml")
