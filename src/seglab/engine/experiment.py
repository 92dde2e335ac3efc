"""From a resolved config to a finished run folder: the builders, the trainer, the callbacks."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from seglab import config as config_io
from seglab.config import ExperimentConfig
from seglab.engine.builders import PreparedData, build_optimizer, build_scheduler, make_loader, prepare_data
from seglab.engine.callbacks import Checkpointer, EncoderFreezer, EpochLogger, HistoryWriter, ProgressBar
from seglab.engine.checkpoint import ModelCard
from seglab.engine.run_folder import RunFolder
from seglab.engine.trainer import Callback, Trainer
from seglab.errors import ConfigError
from seglab.losses import build_loss
from seglab.metrics import Scores
from seglab.models import create_model
from seglab.reports.summary import scores_markdown
from seglab.runtime import resolve_device, resolve_precision

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so a run repeats on the same machine."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class TrainResult:
    run: RunFolder
    history: list[dict[str, float]]
    best_epoch: int
    best_scores: Scores | None  # validation scores at the best epoch; None without a val split


def model_card(cfg: ExperimentConfig, data: PreparedData) -> ModelCard:
    """The card saved in every checkpoint. The encoder weight source is recorded in `extra`,
    not in the options: the checkpoint holds the trained weights, so rebuilding the model to
    load them must neither download nor read the original pretrained file."""
    options = dict(cfg.model.options)
    weights = options.pop("encoder_weights", None)
    return ModelCard(
        model=cfg.model.name,
        options=options,
        in_channels=data.in_channels,
        num_classes=data.classes.num_classes,
        classes=data.classes.to_dict(),
        mapping=data.index.mapping.to_dict(),
        size=data.size,
        mean=data.mean,
        std=data.std,
        extra={"encoder_weights": weights} if weights is not None else {},
    )


def train(cfg: ExperimentConfig, out: str | Path, callbacks: Sequence[Callback] = ()) -> TrainResult:
    """Train a model as `cfg` says and write the run folder `out`.

    Example:
        >>> cfg = config.load(overrides={"data.path": "data/", "train.epochs": 2})  # doctest: +SKIP
        >>> result = train(cfg, "runs/exp1")  # doctest: +SKIP
    """
    run = RunFolder(Path(out))
    if cfg.train.epochs < 1 or cfg.train.batch_size < 1:
        raise ConfigError("train.epochs and train.batch_size must be at least 1")
    seed_everything(cfg.train.seed)
    data = prepare_data(cfg.data, cfg.train.seed)
    device = resolve_device(cfg.train.device)
    precision = resolve_precision(cfg.train.precision, device)
    classes = data.classes
    model = create_model(cfg.model.name, data.in_channels, classes.num_classes, **cfg.model.options)
    pretrained_normalisation = getattr(model, "normalisation", None)
    if pretrained_normalisation is not None:  # preprocessing follows the pretrained weights
        data = replace(data, mean=pretrained_normalisation[0], std=pretrained_normalisation[1])
    card = model_card(cfg, data)
    extra_callbacks: list[Callback] = []
    if cfg.train.freeze_encoder_epochs > 0:
        if not hasattr(model, "freeze_encoder"):
            raise ConfigError(f"model '{cfg.model.name}' has no pretrained encoder to freeze")
        extra_callbacks.append(EncoderFreezer(cfg.train.freeze_encoder_epochs))
    resolved = replace(cfg, data=replace(cfg.data, size=data.size, ignore_index=classes.ignore_index))

    run.root.mkdir(parents=True, exist_ok=True)
    config_io.save(resolved, run.config)
    run.write_json(run.splits, {"root": str(data.index.root), "format": data.index.format, **data.split_names()})
    log.info(
        "model %s: %.2fM parameters, device %s, precision %s",
        cfg.model.name,
        sum(p.numel() for p in model.parameters()) / 1e6,
        device,
        precision.name,
    )

    batch = cfg.train.batch_size
    workers = cfg.data.num_workers
    train_loader = make_loader(
        data.dataset("train"), batch, shuffle=True, num_workers=workers, seed=cfg.train.seed,
        pin_memory=device.type == "cuda",
    )
    val_loader = (
        make_loader(data.dataset("val"), batch, shuffle=False, num_workers=workers) if data.splits["val"] else None
    )
    loss_fn = build_loss(cfg.loss.name, classes.num_classes, classes.ignore_index, cfg.loss.class_weights)
    optimizer = build_optimizer(model, cfg.train)
    scheduler = build_scheduler(optimizer, cfg.train, len(train_loader))
    checkpointer = Checkpointer(run, card)
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        num_classes=classes.num_classes,
        ignore_index=classes.ignore_index,
        scheduler=scheduler,
        device=device,
        precision=precision,
        grad_clip=cfg.train.grad_clip,
        channels_last=True,
        callbacks=[
            *extra_callbacks,
            ProgressBar(cfg.train.epochs, enabled=cfg.train.progress),
            EpochLogger(),
            checkpointer,
            HistoryWriter(run),
            *callbacks,
        ],
    )
    history = trainer.fit(train_loader, val_loader, cfg.train.epochs)

    best_scores = checkpointer.best_eval.scores if checkpointer.best_eval else None
    best_epoch = int(checkpointer.best_row["epoch"]) if checkpointer.best_row else len(history)
    payload = {"split": "val", "epoch": best_epoch}
    if best_scores is not None:
        payload.update(best_scores.to_dict(classes.names))
        (run.root / "metrics.md").write_text(
            f"# Validation at best epoch {best_epoch}\n\n" + scores_markdown(best_scores, classes)
        )
    run.write_json(run.metrics, payload)
    return TrainResult(run=run, history=history, best_epoch=best_epoch, best_scores=best_scores)
