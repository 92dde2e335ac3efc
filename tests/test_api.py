"""The Python API on tiny synthetic data: load, look, train, evaluate, predict, save and reload."""

from __future__ import annotations

import gc
import json
import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import seglab
from seglab.api.run import experiment_config
from seglab.data import generate_synthetic
from seglab.errors import UnknownNameError
from seglab.engine.sanity import SanityResult
from seglab.errors import ConfigError

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
TINY = {
    "model": "unet_small",
    "model_options": {"widths": [8, 16, 32]},
    "batch_size": 4,
    "lr": 3e-3,
    "precision": "fp32",
    "progress": False,
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> seglab.Dataset:
    root = generate_synthetic(tmp_path_factory.mktemp("api") / "data", num_samples=20, size=(32, 32), seed=1)
    return seglab.load_dataset(root)


@pytest.fixture(scope="module")
def run(dataset) -> seglab.Run:
    return seglab.train(dataset, epochs=2, **TINY)


@pytest.fixture
def temporary_run(run, tmp_path) -> seglab.Run:
    """A copy of the trained run, owned the way `train` owns a run written without `out=`."""
    return seglab.Run(shutil.copytree(run.path, tmp_path / "unsaved"), temporary=True)


def test_load_dataset_detects_the_layout_and_splits(dataset):
    assert dataset.format == "synthetic"
    assert len(dataset) == 20 and dataset.classes.num_classes == 4
    assert sum(len(names) for names in dataset.splits.values()) == 20
    assert dataset.config.path == str(dataset.path) and dataset.path.is_absolute()
    assert "synthetic" in repr(dataset)
    summary = dataset.summary()
    assert "Format:       synthetic" in summary and "Split:        train 14, val 4, test 2" in summary


def test_load_dataset_options_are_checked_by_the_config(dataset):
    with pytest.raises(ConfigError, match="did you mean 'split_mode'"):
        seglab.load_dataset(dataset.path, split_mod="blocks")
    assert seglab.load_dataset(dataset.path, size=24).config.size == (24, 24)


def test_show_batch_draws_image_and_mask_per_sample(dataset):
    figure = dataset.show_batch(3)
    assert isinstance(figure, Figure) and len(figure.axes) == 6
    assert len(dataset.show_batch(6).axes) == 12  # wraps after four samples, no spare panels
    assert len(dataset.show_batch(100, split="test").axes) == 2 * len(dataset.splits["test"])
    with pytest.raises(KeyError, match="unknown split"):
        dataset.show_batch(2, split="holdout")


def test_train_returns_a_run_with_its_history(run, dataset):
    history = run.history
    assert isinstance(history, pd.DataFrame)
    assert list(history.index) == [1, 2]
    assert {"train_loss", "train_miou", "val_loss", "val_miou"} <= set(history.columns)
    assert run.temporary and run.path.is_dir()
    assert run.best_epoch in (1, 2)
    assert run.config.model.name == "unet_small" and run.config.data.path == str(dataset.path)
    assert run.classes.names == dataset.classes.names
    figure = run.plot_history()
    assert isinstance(figure, Figure) and len(figure.axes) == 2


def test_evaluate_scores_the_test_split(run, dataset):
    evaluation = run.evaluate()
    assert evaluation.split == "test" and evaluation.num_images == len(dataset.splits["test"])
    assert 0 <= evaluation.scores.mean_iou <= 1
    table = evaluation.table()
    assert list(table.index) == [*dataset.classes.names, "mean"]
    assert table.loc["mean", "iou"] == pytest.approx(evaluation.scores.mean_iou, nan_ok=True)
    assert (evaluation.out_dir / "metrics.json").is_file()


def test_show_results_draws_four_panels_per_image(run):
    figure = run.show_results(2)
    assert isinstance(figure, Figure) and len(figure.axes) == 8
    names = json.loads((run.path / "splits.json").read_text())["test"]
    assert [ax.get_title() for ax in figure.axes[:3]] == [f"image: {names[0]}", "truth", "prediction"]
    assert figure.axes[4].get_title() == names[-1]  # spread over the split: its first and last image
    assert figure.axes[3].get_title().startswith("error ")


def test_predict_takes_an_array_or_a_file(run, dataset):
    image, _ = dataset.sample(0, split="test")
    prediction = run.predict(image)
    assert prediction.mask.shape == (32, 32) and prediction.probs.shape == (4, 32, 32)
    np.testing.assert_allclose(prediction.probs.sum(axis=0), 1, atol=1e-5)
    path = dataset.path / "images" / f"{dataset.splits['test'][0]}.png"
    assert np.array_equal(run.predict(path).mask, prediction.mask)
    assert np.array_equal(run.predict(str(path)).mask, prediction.mask)


def test_saved_run_reloads_with_the_same_predictions(temporary_run, dataset, tmp_path):
    image, _ = dataset.sample(0, split="test")
    before = temporary_run.predict(image)
    unsaved = temporary_run.path
    saved = temporary_run.save(tmp_path / "kept" / "run")
    assert not unsaved.exists() and temporary_run.path == saved and not temporary_run.temporary
    reloaded = seglab.load_run(saved).predict(image)
    assert np.array_equal(reloaded.mask, before.mask)
    np.testing.assert_allclose(reloaded.probs, before.probs, atol=1e-6)


def test_unsaved_run_folder_goes_with_the_run(run, tmp_path):
    unsaved = seglab.Run(shutil.copytree(run.path, tmp_path / "unsaved"), temporary=True)
    unsaved.predict(np.zeros((32, 32, 3), dtype=np.uint8))
    path = unsaved.path
    del unsaved
    gc.collect()
    assert not path.exists()


def test_save_copies_a_kept_run_and_refuses_a_used_folder(run, tmp_path):
    kept = seglab.load_run(shutil.copytree(run.path, tmp_path / "kept"))
    copy = kept.save(tmp_path / "copy")
    assert kept.path == tmp_path / "kept" and (copy / "checkpoints" / "best.safetensors").is_file()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        kept.save(tmp_path / "used")


def test_train_options_are_checked_and_placed(dataset):
    with pytest.raises(ConfigError, match="did you mean 'epochs'"):
        seglab.train(dataset, epoch=3)
    with pytest.raises(ConfigError, match="load_dataset"):
        seglab.train(dataset, seed=3)
    with pytest.raises(ConfigError, match="'size' is a dataset option"):
        seglab.train(dataset, size=64)
    cfg = experiment_config(dataset, "unet_small", {"widths": [8, 16]}, "ce", {"class_weights": [1, 2, 1, 1]})
    assert cfg.loss.class_weights == (1.0, 2.0, 1.0, 1.0) and cfg.loss.name == "ce"
    assert cfg.data == dataset.config and cfg.train.seed == dataset.seed
    assert cfg.model.options == {"widths": [8, 16]}


def test_failed_training_leaves_no_temporary_folder(dataset, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(UnknownNameError, match="unknown model"):
        seglab.train(dataset, model="unet_tiny", epochs=1, progress=False)
    assert list(tmp_path.iterdir()) == []


class Terminal(io.StringIO):
    """Captured stderr that claims to be a terminal, where progress bars are drawn."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("progress", [True, False])
def test_progress_bars_draw_only_when_asked(dataset, monkeypatch, capsys, progress):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    seglab.train(dataset, epochs=1, **{**TINY, "progress": progress})
    assert ("epoch 1/1" in terminal.getvalue()) == progress
    assert capsys.readouterr().out == ""  # the library never prints


def test_sanity_check_takes_a_dataset(dataset):
    result = seglab.sanity_check(dataset, model="unet_small", model_options={"widths": [8, 16, 32]},
                                 steps=4, precision="fp32")
    assert isinstance(result, SanityResult) and 1 <= result.steps <= 4
    assert np.isfinite(result.first_loss) and np.isfinite(result.last_loss)


def test_the_python_api_doc_example_runs(tmp_path, monkeypatch):
    example = DOC.read_text().split("## The whole flow", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    exec(compile(example, str(DOC), "exec"), {})
    assert (tmp_path / "runs" / "demo-api" / "checkpoints" / "best.safetensors").is_file()
