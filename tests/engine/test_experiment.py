"""Training end to end on a tiny synthetic dataset: the loss falls and the run folder is complete."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import torch

from seglab import config
from seglab.data import read_image
from seglab.engine.experiment import train
from seglab.inference.predictor import Predictor
from seglab.models import model_options
from seglab.runs.checkpoint import load_checkpoint


def tiny_config(data_path, **overrides):
    values = {
        "data.path": str(data_path),
        "model.name": "unet_small",
        "model.options": {"widths": [8, 16, 32]},
        "train.epochs": 2,
        "train.batch_size": 4,
        "train.lr": 3e-3,
        "train.progress": False,
        "train.precision": "fp32",
    }
    values.update(overrides)
    return config.load(overrides=values)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from seglab.data import generate_synthetic

    root = tmp_path_factory.mktemp("exp")
    data = generate_synthetic(root / "data", num_samples=24, size=(32, 32), seed=1)
    result = train(tiny_config(data, **{"train.epochs": 3}), root / "run")
    return data, result


def test_loss_falls_and_history_is_written(trained):
    _, result = trained
    losses = [row["train_loss"] for row in result.history]
    assert len(losses) == 3
    assert losses[-1] < losses[0]
    rows = list(csv.DictReader(result.run.history.open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert {"train_loss", "val_loss", "val_miou", "data_wait", "lr"} <= set(rows[0])


def test_run_folder_is_complete(trained):
    data, result = trained
    run = result.run
    for path in (run.config, run.splits, run.best, run.last, run.history, run.curves, run.metrics):
        assert path.is_file(), path
    splits = run.read_splits()
    names = splits["train"] + splits["val"] + splits["test"]
    assert len(names) == len(set(names)) == 24
    for split, fraction in (("train", 0.7), ("val", 0.2), ("test", 0.1)):
        assert abs(len(splits[split]) - fraction * 24) <= 1, split  # 70/20/10 up to rounding
    saved = run.read_config()
    assert saved.data.path == str(data)
    metrics = json.loads(run.metrics.read_text())
    assert metrics["epoch"] == result.best_epoch
    assert metrics["mean_iou"] == pytest.approx(result.best_scores.mean_iou)
    card = load_checkpoint(run.best).card
    assert card.num_classes == 4 and card.in_channels == 3 and card.model == "unet_small"
    # every option is stored, defaults too, so a later change of a default rebuilds this same network
    defaults = model_options("unet_small")
    assert set(card.options) == set(defaults)
    assert card.options["widths"] == [8, 16, 32]
    assert card.options["upsampling"] == defaults["upsampling"]


def test_reloaded_run_predicts_like_the_trained_model(trained):
    data, result = trained
    checkpoint = load_checkpoint(result.run.best)
    model = checkpoint.load_model()
    image = read_image(sorted((data / "images").iterdir())[0])
    predictor = Predictor.from_run(result.run.root, device="cpu")
    tensor = predictor.preprocess(image)
    with torch.no_grad():
        expected = model(tensor).argmax(1)[0].numpy()
    first = predictor.predict(image)
    second = Predictor.from_run(result.run.root, device="cpu").predict(image)
    np.testing.assert_array_equal(first.mask, expected)
    np.testing.assert_array_equal(first.mask, second.mask)
    assert first.probs.shape == (4, *image.shape[:2])
    np.testing.assert_allclose(first.probs.sum(0), 1.0, atol=1e-5)


def test_same_seed_same_metrics(tmp_path):
    from seglab.data import generate_synthetic

    data = generate_synthetic(tmp_path / "data", num_samples=12, size=(32, 32), seed=2)
    cfg = tiny_config(data, **{"train.epochs": 1})
    first = train(cfg, tmp_path / "a").history[-1]
    second = train(cfg, tmp_path / "b").history[-1]
    assert first["train_loss"] == second["train_loss"]
    assert first["val_miou"] == second["val_miou"]


def test_classes_splits_and_metrics_keep_names_as_written_not_as_escapes(tmp_path):
    """The train log sends users to classes.json to rename the classes: its 背景 read
    \\u80cc\\u666f, and so did splits.json's участок_0001 and metrics.json. They are UTF-8 now,
    and read back the same."""
    from seglab.data import generate_synthetic, load_classes_file

    synthetic = generate_synthetic(tmp_path / "synthetic", num_samples=12, size=(32, 32), num_classes=4)
    data = tmp_path / "data"
    for folder in ("images", "masks"):
        (data / folder).mkdir(parents=True)
        for path in (synthetic / folder).iterdir():
            shutil.copy(path, data / folder / f"участок_{path.name}")
    names = ("背景", "建筑", "道路", "вода")
    (data / "classes.json").write_text(json.dumps({"names": names}, ensure_ascii=False), encoding="utf-8")
    run = train(tiny_config(data, **{"train.epochs": 1}), tmp_path / "run").run
    texts = {path.name: path.read_text(encoding="utf-8") for path in (run.classes, run.splits, run.metrics)}
    assert "背景" in texts["classes.json"] and "背景" in texts["metrics.json"] and "участок_" in texts["splits.json"]
    assert [name for name, text in texts.items() if "\\u" in text] == []
    assert load_classes_file(run.classes).names == names
    assert all(name.startswith("участок_") for split in ("train", "val") for name in run.read_splits()[split])
