"""The training callback that feeds the experiment loggers: what is logged, and when."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn
from torch.utils.data import Dataset

from seglab.data import ClassSpec
from seglab.engine.feeding import DeviceFeed
from seglab.engine.tracking.base import ExperimentLogger, LoggerSpec, Param
from seglab.engine.trainer import Callback, EvalResult, Trainer
from seglab.reports.plots import overlay, to_rgb_uint8
from seglab.runs.card import ModelCard
from seglab.runs.run_folder import RunFolder
from seglab.runtime import Precision

log = logging.getLogger(__name__)

IMAGES_SHOWN = 4  # validation images per logged epoch, spread over the split
MAX_SIDE = 512  # larger validation images are shown subsampled to about this many pixels per side
PER_CLASS = ("iou", "dice", "precision", "recall")  # metrics.json's per-class scores that are logged


class ExperimentTracking(Callback):
    """Sends the run to its loggers (`train.loggers`); the main process alone runs it.

    At the start: config.yaml; in a new record (a fresh run, or trackers added at a resume) also
    the resolved config flattened to dotted keys as hyperparameters, and the model card. Every
    epoch: each history.csv column, the learning rate included, with the epoch as step. At epoch
    1, every `images_every` epochs and at the last: `IMAGES_SHOWN` validation images as image |
    truth | prediction. At the end: curves.png; `finish` then adds the best epoch's overall and
    per-class scores (metrics.json, metrics.md) and closes the loggers, `abort` closes them as
    failed or killed.
    """

    def __init__(self, specs: Sequence[LoggerSpec], run: RunFolder, card: ModelCard, val_set: Dataset | None,
                 epochs: int, images_every: int = 5) -> None:
        self.specs = list(specs)
        self.run = run
        self.card = card
        self.val_set = val_set
        self.epochs = epochs
        self.images_every = images_every
        self.loggers: list[ExperimentLogger] = []

    def on_fit_start(self, trainer: Trainer) -> None:
        resumed_after = trainer.epoch
        for spec in self.specs:  # one by one: those already open are closed should the next one fail
            self.loggers.append(spec.open(self.run.root, resumed_after))
        params = flatten_params(yaml.safe_load(self.run.config.read_text(encoding="utf-8")))
        card = json.dumps(self.card.to_dict(), indent=2, ensure_ascii=False)
        for logger in self.loggers:
            logger.log_file(self.run.config, resumed_after)  # a resume may change some (epochs)
            if not logger.continues:  # a continued record keeps its first params (MLflow's never change)
                logger.log_params(params)
                logger.log_text("model_card.json", card, 0)

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        scalars = {key: float(value) for key, value in row.items() if key != "epoch" and value is not None}
        pictures = self._pictures(trainer) if self._images_due(trainer.epoch) else {}
        for logger in self.loggers:
            logger.log_scalars(scalars, trainer.epoch)
            for name, picture in pictures.items():
                logger.log_image(f"val_predictions/{name}", picture, trainer.epoch)

    def on_fit_end(self, trainer: Trainer) -> None:
        for logger in self.loggers:
            logger.log_file(self.run.curves, trainer.epoch)  # HistoryWriter, before this callback, drew it

    def finish(self) -> None:
        """Log the best epoch's scores (metrics.json, written after training) and close."""
        payload = json.loads(self.run.metrics.read_text(encoding="utf-8"))
        scalars = best_scores(payload)
        for logger in self.loggers:
            if scalars:
                logger.log_scalars(scalars, int(payload["epoch"]))
            for path in (self.run.metrics, self.run.root / "metrics.md"):
                if path.is_file():
                    logger.log_file(path, int(payload["epoch"]))
        self._close("finished")

    def abort(self, error: BaseException) -> None:
        """Close the loggers after training stopped with `error`, keeping that error the one raised."""
        try:
            self._close("killed" if isinstance(error, KeyboardInterrupt) else "failed")
        except Exception as err:  # the training error is the one the user must see
            log.warning("could not close the experiment loggers: %s", err)

    def _close(self, status: str) -> None:
        loggers, self.loggers = self.loggers, []
        for logger in loggers:
            logger.close(status)

    def _images_due(self, epoch: int) -> bool:
        if self.images_every <= 0 or self.val_set is None or len(self.val_set) == 0:  # type: ignore[arg-type]
            return False
        return epoch == 1 or epoch % self.images_every == 0 or epoch == self.epochs

    def _pictures(self, trainer: Trainer) -> dict[str, np.ndarray]:
        assert self.val_set is not None
        count = len(self.val_set)  # type: ignore[arg-type]
        picked = sorted({int(i) for i in np.linspace(0, count - 1, min(IMAGES_SHOWN, count)).round()})
        classes = self.card.class_spec
        return {str(sample["name"]): prediction_picture(trainer.scored_model, sample, classes, self.card,
                                                        trainer.feed, trainer.precision)
                for sample in (self.val_set[i] for i in picked)}


def flatten_params(values: Mapping[str, Any], prefix: str = "") -> dict[str, Param]:
    """{'train': {'lr': 0.001}} -> {'train.lr': 0.001}; lists, mappings as values and None as
    JSON text (trackers take numbers, strings and booleans)."""
    flat: dict[str, Param] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and prefix == "":
            flat.update(flatten_params(value, f"{name}."))
        elif isinstance(value, (str, int, float, bool)):
            flat[name] = value
        else:
            flat[name] = json.dumps(value)
    return flat


def best_scores(metrics: Mapping[str, Any]) -> dict[str, float]:
    """metrics.json's scores as scalars: 'best_val/mean_iou', 'best_val/iou/<class>', ..."""
    scalars = {f"best_val/{key}": float(value) for key, value in metrics.items()
               if key not in ("epoch", "split", "classes") and isinstance(value, (int, float))}
    for name, scores in metrics.get("classes", {}).items():
        for key in PER_CLASS:
            if scores.get(key) is not None:
                scalars[f"best_val/{key}/{name}"] = float(scores[key])
    return scalars


@torch.no_grad()
def prediction_picture(model: nn.Module, sample: Mapping[str, Any], classes: ClassSpec, card: ModelCard,
                       feed: DeviceFeed, precision: Precision) -> np.ndarray:
    """One validation sample as image | truth | prediction, side by side, every `stride`-th pixel
    of images larger than `MAX_SIDE` (nearest: labels stay labels). `feed` brings it to the
    device as validation does (a uint8 sample is normalised there).

    Shape: sample image (C, H, W), mask (H, W) -> (H', 3 W' + 4, 3) uint8.
    """
    batch, _ = feed({"image": torch.as_tensor(sample["image"])[None],
                     "mask": torch.as_tensor(np.asarray(sample["mask"]))[None]})
    image = batch[0].cpu()
    was_training = model.training
    model.eval()
    with precision.autocast():
        logits = model(batch)
    model.train(was_training)
    stride = -(-max(image.shape[-2:]) // MAX_SIDE)
    pred = logits.argmax(1)[0, ::stride, ::stride].cpu().numpy()
    truth = np.asarray(sample["mask"])[::stride, ::stride]
    shown = displayable(image[:, ::stride, ::stride], card.mean, card.std)
    paint = dict(ignore_index=classes.ignore_index, faint=classes.background)
    gap = np.full((shown.shape[0], 2, 3), 255, dtype=np.uint8)
    return np.concatenate([to_rgb_uint8(shown), gap, overlay(shown, truth, classes.colours, **paint), gap,
                           overlay(shown, pred, classes.colours, **paint)], axis=1)


def displayable(image: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """A normalised (C, H, W) image back to (H, W) or (H, W, 3) floats in [0, 1]: undone
    normalisation, stretched to its own range when it leaves [0, 1] (float or unusual data);
    other channel counts than 1 and 3 show their first channel."""
    channels = image.shape[0]
    values = image.float().cpu() * torch.tensor(std).view(-1, 1, 1) + torch.tensor(mean).view(-1, 1, 1)
    values = values[:3] if channels >= 3 else values[:1]
    low, high = float(values.min()), float(values.max())
    if low < 0 or high > 1:
        values = (values - low) / (high - low) if high > low else torch.zeros_like(values)
    array = values.permute(1, 2, 0).numpy()
    return array[..., 0] if array.shape[-1] == 1 else array

