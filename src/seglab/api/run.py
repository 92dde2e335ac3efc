"""`train`, `load_run` and `sanity_check` from Python, and the `Run` they give back.

A run is the run folder that `seglab train` writes (config, checkpoints, history, metrics);
`Run` only reads it. Without `out=`, `train` writes into a new temporary folder that is
deleted when the `Run` object is garbage-collected or Python exits, unless `Run.save(path)`
moved it somewhere permanent first; with `out=`, the folder is kept where it was written.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from seglab import config as config_io
from seglab.api.dataset import Dataset
from seglab.config import DataConfig, ExperimentConfig, LossConfig
from seglab.data import ClassSpec, read_image, read_mask
from seglab.engine import experiment, sanity
from seglab.engine.sanity import SanityResult
from seglab.engine.trainer import Callback
from seglab.errors import ConfigError
from seglab.evaluation.scoring import evaluate_run, pairs_to_evaluate, spread
from seglab.inference.files import display_image
from seglab.inference.predictor import Prediction, Predictor
from seglab.metrics import Scores
from seglab.reports.plots import plot_gallery, plot_history
from seglab.runs.run_folder import RunFolder, read_run_json

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

_DATA_KEYS = frozenset(f.name for f in fields(DataConfig))
_LOSS_KEYS = frozenset(f.name for f in fields(LossConfig)) - {"name"}


@dataclass(frozen=True)
class Evaluation:
    """Scores of a run on one split, each image scored at its original size.

    `out_dir` holds the same files as `seglab evaluate`: metrics.json, metrics.md,
    confusion.png, gallery.png.
    """

    split: str
    num_images: int
    scores: Scores
    classes: ClassSpec
    out_dir: Path

    def table(self) -> pd.DataFrame:
        """Per-class IoU, Dice, precision, recall and support, with a "mean" row last (pandas)."""
        pd = _pandas("Evaluation.table")
        per_class = self.scores.to_dict(self.classes.names)["classes"]
        table = pd.DataFrame.from_dict(per_class, orient="index", dtype=float)
        means = {"iou": self.scores.mean_iou, "dice": self.scores.mean_dice, "recall": self.scores.mean_accuracy}
        table.loc["mean"] = [means.get(column, float("nan")) for column in table.columns]
        return table


class Run:
    """A finished training run: its history, scores, figures and predictions.

    Made by `seglab.train` or `seglab.load_run`. Predictions and figures use the best
    checkpoint (highest validation mIoU).
    """

    def __init__(self, path: str | Path, device: str = "auto", temporary: bool = False) -> None:
        self._folder = RunFolder.open(path)
        self.device = device
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._folder.root), True) if temporary else None

    @property
    def path(self) -> Path:
        return self._folder.root

    @property
    def temporary(self) -> bool:
        """True until `save` moves a run that `train` wrote into a temporary folder."""
        return self._cleanup is not None and self._cleanup.alive

    @property
    def config(self) -> ExperimentConfig:
        """The resolved config the run was trained with (its config.yaml)."""
        return self._folder.read_config()

    @property
    def classes(self) -> ClassSpec:
        return self._predictor.classes

    @property
    def best_epoch(self) -> int:
        return int(self._folder_json("metrics.json")["epoch"])

    @property
    def history(self) -> pd.DataFrame:
        """One row per epoch, indexed by epoch: train_loss, train_miou, val_loss, val_miou, lr, ...
        (a pandas DataFrame of the run's history.csv)."""
        frame = _pandas("Run.history").DataFrame(self._folder.read_history())
        return frame.astype({"epoch": int}).set_index("epoch")

    def __repr__(self) -> str:
        where = " (temporary: save() keeps it)" if self.temporary else ""
        return f"Run('{self.path}'{where}, model={self.config.model.name!r}, best_epoch={self.best_epoch})"

    def plot_history(self) -> Figure:
        """Loss and mIoU per epoch, train and validation."""
        return plot_history(self._folder.read_history())

    def evaluate(self, split: str = "test", data: str | Path | None = None) -> Evaluation:
        """Score the best checkpoint on a split of the run's dataset, or on every pair of `data`.

        Also writes RUN/eval/<split>/ as `seglab evaluate` does. An empty test split falls
        back to the validation split (logged).
        """
        report = evaluate_run(self.path, data, split=split, device=self.device)
        return Evaluation(report.split, report.num_images, report.scores, self.classes, report.out_dir)

    def show_results(self, n: int = 4, split: str = "test") -> Figure:
        """`n` images spread over a split, each row titled with its name: image | truth | prediction |
        error."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        pairs, split, mapping = pairs_to_evaluate(self._folder, None, split)
        if not pairs:
            raise ValueError(f"the {split} split of '{self.path}' is empty")
        images, truths, preds = [], [], []
        shown = [pairs[i] for i in spread(len(pairs), n)]  # spread over the split, not n neighbouring slices
        for pair in shown:
            assert pair.mask is not None  # pairs_to_evaluate returns labelled pairs only
            image = read_image(pair.images, self._predictor.reads_alpha, self._predictor.no_data)
            images.append(display_image(image))
            truths.append(read_mask(pair.masks, mapping))
            preds.append(self._predictor.predict(image).mask)
        classes = self.classes
        return plot_gallery(images, truths, preds, classes.colours, classes.names, classes.ignore_index,
                            titles=[pair.name for pair in shown], errors=True)

    def predict(self, image: np.ndarray | str | Path) -> Prediction:
        """Predict one image (an array as `seglab.data.read_image` returns, or a file).

        Shape: image (H, W) or (H, W, C) -> mask (H, W), probs (K, H, W), at the input's size.
        """
        if isinstance(image, (str, Path)):
            return self._predictor.predict_file(image)
        return self._predictor.predict(image)

    def save(self, path: str | Path) -> Path:
        """Keep the run at `path`: a temporary run is moved there, any other run copied.

        Raises:
            FileExistsError: `path` exists and is not an empty folder.
        """
        target = Path(path).expanduser().resolve()
        if target == self.path.resolve():
            return target
        if target.exists():
            if not target.is_dir() or any(target.iterdir()):
                raise FileExistsError(f"cannot save the run to '{target}': it exists and is not an empty folder")
            target.rmdir()
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.temporary:
            assert self._cleanup is not None
            self._cleanup.detach()
            shutil.move(str(self.path), str(target))
            self._folder = RunFolder.open(target)
        else:
            shutil.copytree(self.path, target)
        return target

    @cached_property
    def _predictor(self) -> Predictor:
        return Predictor.from_run(self.path, device=self.device)

    def _folder_json(self, name: str) -> dict[str, Any]:
        return read_run_json(self.path / name)


def _pandas(what: str) -> Any:
    """pandas, imported on first use: the tables are for notebooks, training does not need it."""
    try:
        import pandas
    except ImportError as err:
        raise ImportError(f"{what} needs pandas: pip install pandas") from err
    return pandas


def load_run(path: str | Path, device: str = "auto") -> Run:
    """Open a run folder written by `seglab.train`, `Run.save` or `seglab train`.

    Raises:
        CheckpointError: the folder holds no finished run.
    """
    return Run(path, device=device)


def experiment_config(
    dataset: Dataset, model: str, model_options: Mapping[str, Any] | None, loss: str, options: Mapping[str, Any]
) -> ExperimentConfig:
    """The config `seglab train` would resolve: the dataset's data section, the model, and each
    option put in the loss or train section (unknown keys fail with the config's hint)."""
    values: dict[str, dict[str, Any]] = {
        "data": config_io.to_dict(dataset.config),
        "model": {"name": model, "options": dict(model_options or {})},
        "loss": {"name": loss},
        "train": {"seed": dataset.seed},
    }
    for key, value in options.items():
        if key == "seed":
            raise ConfigError("the seed belongs to the dataset, which splits with it: "
                              "seglab.load_dataset(path, seed=...)")
        if key in _DATA_KEYS:
            raise ConfigError(f"'{key}' is a dataset option: seglab.load_dataset(path, {key}=...)")
        values["loss" if key in _LOSS_KEYS else "train"][key] = value
    return config_io.from_dict(ExperimentConfig, values)


def train(
    dataset: Dataset,
    model: str = "unet",
    *,
    model_options: Mapping[str, Any] | None = None,
    loss: str = "ce_dice",
    out: str | Path | None = None,
    overwrite: bool = False,
    callbacks: Sequence[Callback] = (),
    **options: Any,
) -> Run:
    """Train a model on `dataset` and return the finished run.

    Args:
        dataset: from `load_dataset`; its split and seed are used as they are.
        model: a name from `seglab.list_models()`.
        model_options: keyword arguments of that model, e.g. {"widths": [16, 32, 64]} or
            {"encoder_weights": "imagenet"} (downloads once into the torch cache).
        loss: "ce", "dice" or "ce_dice".
        out: run folder to write; None writes a temporary one (see `Run.save`).
        overwrite: replace a run already in `out` (deleting its checkpoints, evaluations and
            exports); without it such a folder is refused.
        callbacks: extra `seglab.engine.trainer.Callback`s for the training loop.
        **options: fields of `seglab.config.TrainConfig` (epochs, batch_size, lr, optimizer,
            schedule, device, precision, progress, ...) and `class_weights` of the loss.
            `progress=False` turns the progress bars off.

    Raises:
        ConfigError: an unknown option or a bad value; the message names it.

    Example:
        >>> run = seglab.train(ds, model="unet_small", epochs=2, progress=False)  # doctest: +SKIP
        >>> run.history["val_miou"].max()  # doctest: +SKIP
    """
    cfg = experiment_config(dataset, model, model_options, loss, options)
    temporary = out is None
    root = Path(tempfile.mkdtemp(prefix="seglab-run-") if out is None else out)
    try:
        with visible_log(cfg.train.progress):
            experiment.train(cfg, root, callbacks=callbacks, overwrite=overwrite)
    except Exception:
        if temporary:  # nothing of a failed run to keep; an interrupted one keeps its weights
            shutil.rmtree(root, ignore_errors=True)
        raise
    return Run(root, device=cfg.train.device, temporary=temporary)


def sanity_check(
    dataset: Dataset,
    model: str = "unet",
    *,
    model_options: Mapping[str, Any] | None = None,
    loss: str = "ce_dice",
    steps: int = 300,
    target: float = 0.9,
    batch_size: int = 2,
    **options: Any,
) -> SanityResult:
    """Can `model` overfit one batch of `dataset`? Passes when that batch's mIoU reaches `target`.

    A model that cannot learn `batch_size` images by heart has a bug (labels, loss,
    architecture, learning rate) that more data will not fix. `options` as for `train`
    (lr, device, precision).

    Example:
        >>> result = seglab.sanity_check(ds, model="unet_small", steps=100)  # doctest: +SKIP
        >>> result.passed, result.miou  # doctest: +SKIP
    """
    cfg = experiment_config(dataset, model, model_options, loss, options)
    with visible_log(cfg.train.progress):
        return sanity.sanity_check(cfg, steps=steps, target=target, batch_size=batch_size)


_PROGRESS_PREFIXES = ("epoch ", "step ")  # the lines that say how far a call has got


@contextmanager
def visible_log(enabled: bool = True) -> Iterator[None]:
    """Show seglab's progress lines (one per epoch with its ETA, sanity steps) and warnings on
    stdout while a call runs, when the caller has set up no logging: a notebook or script user
    otherwise waits in silence. The setup chatter (data, cache, model) stays in the logger, and a
    logging setup of the caller's own (any handler on the root or the 'seglab' logger) is left
    alone."""
    logger = logging.getLogger("seglab")
    if not enabled or logger.handlers or logging.getLogger().handlers:
        yield
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: record.levelno >= logging.WARNING
                      or record.getMessage().startswith(_PROGRESS_PREFIXES))
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
