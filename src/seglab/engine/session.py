"""Everything built from a config before the first step: the data, the device, the model, the
loaders and the loss (`build_session`), shared by `train`, `--dry-run`, `seglab sanity` and the
learning-rate range test, so each of them sees the data and model a training run would."""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, Subset

from seglab.compilation import check_compile_mode, keeps_thread_count
from seglab.config import DEFAULT_EPOCHS, ExperimentConfig
from seglab.data.discovery.channel_files import channel_names
from seglab.data.loading.prepare import PreparedData, make_loader, prepare_data
from seglab.engine.builders import model_min_side, resolve_class_weights
from seglab.engine.callbacks import EarlyStopping, EncoderFreezer, SamplerEpoch
from seglab.engine.distributed import (DistributedContext, check_sync_batchnorm, init_distributed, per_process_batch,
                                       shutdown)
from seglab.engine.estimate import Estimate, estimate_epoch
from seglab.engine.feeding import DeviceFeed, plan_feeding
from seglab.engine.trainer import Callback
from seglab.errors import ConfigError
from seglab.losses import build_loss
from seglab.models import create_model, model_options
from seglab.runs.card import ModelCard
from seglab.runtime import Precision, resolve_device, resolve_precision
from seglab.runtime_threads import ThreadTuner, thread_tuner
from seglab.tasks import MultiLabel, Task, loss_for_task, task_for

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so a run repeats on the same machine."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def model_card(cfg: ExperimentConfig, data: PreparedData) -> ModelCard:
    """The card saved in every checkpoint. The encoder weight source is recorded in `extra`,
    not in the options: the checkpoint holds the trained weights, so rebuilding the model to
    load them must neither download nor read the original pretrained file. Every option is
    stored, defaults included, so a later change of a preset's default rebuilds the same network."""
    options = {**model_options(cfg.model.name), **cfg.model.options}
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
        extra={**({"encoder_weights": weights} if weights is not None else {}), **task_for(data.multilabel).extra(),
               **_largest_side(data)},
        augment_transforms=tuple(data.augment.names()) if data.augment is not None else (),
        channel_files=next((channel_names(p) for p in data.splits["train"] if p.more_channels), ()),
        modalities=data.index.modalities if len(data.index.modalities) == data.in_channels else (),
        planes_as_channels=data.index.planes_as_channels,
        no_data=data.index.no_data,
        image_half=data.index.image_half,
        frame=data.index.frame,
    )


def _largest_side(data: PreparedData) -> dict[str, int]:
    """A resized model's largest training image side, by which prediction tells an input far larger
    than anything it trained on (shrunk to the training size, it loses its detail) from a test image."""
    sides = [max(size) for size in data.stats.image_sizes]
    return {"largest_side": max(sides)} if data.size is not None and sides else {}


def check_train_config(cfg: ExperimentConfig) -> None:
    if (cfg.train.epochs is not None and cfg.train.epochs < 1) or cfg.train.batch_size < 1:
        raise ConfigError("train.epochs and train.batch_size must be at least 1")
    if cfg.train.freeze_encoder_epochs < 0:
        raise ConfigError("train.freeze_encoder_epochs must be >= 0")
    if cfg.train.ema_decay is not None and not 0.0 < cfg.train.ema_decay < 1.0:
        raise ConfigError(f"train.ema_decay must lie between 0 and 1 (e.g. 0.999), got {cfg.train.ema_decay}")
    if cfg.train.early_stopping_patience is not None and cfg.train.early_stopping_patience < 1:
        raise ConfigError("train.early_stopping_patience must be at least 1 epoch (or null for no early stopping)")
    check_compile_mode(cfg.train.compile_mode)
    if isinstance(cfg.train.lr, str) and cfg.train.lr != "auto":
        raise ConfigError(f"train.lr must be a number or 'auto' (the learning-rate range test), got '{cfg.train.lr}'")
    if cfg.train.log_images_every < 0:
        raise ConfigError("train.log_images_every must be >= 0 epochs (0: no images)")


def set_determinism(enabled: bool) -> None:
    """Deterministic kernels everywhere (CPU results repeat bit for bit anyway for a fixed seed)."""
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(enabled)
    torch.backends.cudnn.benchmark = not enabled


# modules whose CUDA backward has no deterministic kernel (torch.use_deterministic_algorithms)
_NONDETERMINISTIC_ON_CUDA = (torch.nn.AdaptiveAvgPool2d, torch.nn.AdaptiveMaxPool2d, torch.nn.FractionalMaxPool2d,
                             torch.nn.MaxUnpool2d, torch.nn.ReflectionPad2d)
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def check_deterministic_kernels(enabled: bool, model: torch.nn.Module, device: torch.device) -> None:
    """--deterministic on CUDA with layers torch has no deterministic backward for: refused up
    front, naming them, instead of torch's RuntimeError at the first backward.

    Raises:
        ConfigError: the layers, and what to change.
    """
    if not enabled or device.type != "cuda":
        return
    found = sorted({f"Upsample({m.mode})" for m in model.modules()
                    if isinstance(m, torch.nn.Upsample) and m.mode in _INTERPOLATING}
                   | {type(m).__name__ for m in model.modules() if isinstance(m, _NONDETERMINISTIC_ON_CUDA)})
    if found:
        raise ConfigError(f"--deterministic on CUDA: torch has no deterministic backward for this model's "
                          f"{', '.join(found)}; choose other layers (e.g. --model-option upsampling=nearest) "
                          "or leave --deterministic out")


@dataclass
class Session:
    """Everything built from a config before the first step: data, device, model and loaders."""

    cfg: ExperimentConfig
    data: PreparedData
    context: DistributedContext
    device: torch.device
    precision: Precision
    model: torch.nn.Module
    card: ModelCard
    train_loader: DataLoader
    val_loader: DataLoader | None  # this process's shard of the validation split
    full_val_loader: DataLoader | None  # the whole validation split (the main process's final scoring)
    loss_fn: torch.nn.Module
    callbacks: list[Callback]  # the ones the config asks for (freezing, early stopping, sampler epochs)
    task: Task  # softmax or multi-label outputs
    feed: DeviceFeed  # batches to the device: normalised there when 8-bit, flipped/cropped there when planned
    threads: ThreadTuner | None = None  # compute threads on the CPU: adapting to the load, or pinned


def build_session(cfg: ExperimentConfig) -> Session:
    """Check the config, read and split the data, build model, loaders and loss."""
    check_train_config(cfg)
    if cfg.train.epochs is None and cfg.train.time_budget is None:  # with a budget, `fit_to_budget` plans it
        cfg = replace(cfg, train=replace(cfg.train, epochs=DEFAULT_EPOCHS))
    set_determinism(cfg.train.deterministic)
    seed_everything(cfg.train.seed)
    data = prepare_data(cfg.data, cfg.train.seed, min_side=model_min_side(cfg.model))
    context = init_distributed(resolve_device(cfg.train.device))
    device = context.device(resolve_device(cfg.train.device))
    check_sync_batchnorm(cfg.train.sync_batchnorm, device)
    precision = resolve_precision(cfg.train.precision, device)
    threads = thread_tuner(cfg.train.threads, cfg.data.num_workers, device, "training",
                           adapt=not cfg.train.deterministic and not keeps_thread_count(compile_mode(cfg), device))
    if threads is not None:
        threads.start()
    classes = data.classes
    model = create_model(cfg.model.name, data.in_channels, classes.num_classes, **cfg.model.options)
    check_deterministic_kernels(cfg.train.deterministic, model, device)
    pretrained_normalisation = getattr(model, "normalisation", None)
    if pretrained_normalisation is not None:  # preprocessing follows the pretrained weights
        data = replace(data, mean=pretrained_normalisation[0], std=pretrained_normalisation[1])
    callbacks: list[Callback] = []
    if cfg.train.freeze_encoder_epochs > 0:
        if context.enabled:
            raise ConfigError("--freeze-encoder-epochs is not supported with distributed training; "
                              "use --encoder-lr-scale instead")
        if not hasattr(model, "freeze_encoder"):
            raise ConfigError(f"model '{cfg.model.name}' has no pretrained encoder to freeze")
        callbacks.append(EncoderFreezer(cfg.train.freeze_encoder_epochs))
    if cfg.train.early_stopping_patience is not None:  # on every process: they see the same val scores
        callbacks.append(EarlyStopping(cfg.train.early_stopping_patience))
    log.info(
        "model %s: %.2fM parameters, device %s (%d threads), precision %s%s",
        cfg.model.name,
        sum(p.numel() for p in model.parameters()) / 1e6,
        device,
        torch.get_num_threads(),
        precision.name,
        f", {context.world_size} processes" if context.enabled else "",
    )

    batch = per_process_batch(cfg.train.batch_size, context)
    workers = cfg.data.num_workers
    plan = plan_feeding(data, device, cfg.data.augment_device, cfg.data.samples_per_image)
    train_set = plan.dataset(data, "train", training=True)
    sampler = (
        DistributedSampler(train_set, context.world_size, context.rank, shuffle=True, seed=cfg.train.seed,
                           drop_last=True)
        if context.enabled else None
    )
    pin = device.type == "cuda"  # page-locked batches copy to the GPU without a host wait
    train_loader = make_loader(
        train_set, batch, shuffle=True, num_workers=workers, seed=cfg.train.seed,
        pin_memory=pin, sampler=sampler, samples_per_image=cfg.data.samples_per_image,
    )
    val_loader = full_val_loader = None
    if data.splits["val"]:
        val_set = plan.dataset(data, "val")
        full_val_loader = make_loader(val_set, batch, shuffle=False, num_workers=workers, pin_memory=pin)
        val_loader = (make_loader(Subset(val_set, context.shard(len(val_set))), batch, shuffle=False,
                                  num_workers=workers, pin_memory=pin) if context.enabled else full_val_loader)
    if sampler is not None:
        callbacks.append(SamplerEpoch(sampler))
    # on the device with its class weights (a buffer), also for --dry-run and --time-budget's estimate
    task = task_for(data.multilabel)
    if cfg.train.tune_thresholds and not isinstance(task, MultiLabel):
        raise ConfigError("--tune-thresholds chooses per-class sigmoid thresholds: it needs multi-label masks "
                          "(docs/multilabel.md)")
    if cfg.train.tune_thresholds and not data.splits["val"]:
        raise ConfigError("--tune-thresholds chooses thresholds on the validation split, which is empty")
    loss_fn = build_loss(loss_for_task(task, cfg.loss.name), classes.num_classes, data.train_ignore_index,
                         resolve_class_weights(cfg.loss.class_weights, data)).to(device)
    feed = DeviceFeed(device, channels_last=True, mean=data.mean, std=data.std, augment=plan.on_device,
                      seed=cfg.train.seed)
    return Session(cfg, data, context, device, precision, model, model_card(cfg, data), train_loader, val_loader,
                   full_val_loader, loss_fn, callbacks, task, feed, threads)


def dry_run(cfg: ExperimentConfig) -> Estimate:
    """Time a few steps and report the expected seconds per epoch and peak memory; trains nothing."""
    session = build_session(cfg)
    estimate = estimate_epoch(session.model, session.loss_fn, session.train_loader, session.val_loader,
                              session.device, session.precision, session.feed, compile_mode(cfg))
    shutdown(session.context)
    return estimate


def compile_mode(cfg: ExperimentConfig) -> str | None:
    """torch.compile's mode when the run compiles (--compile), else None."""
    return cfg.train.compile_mode if cfg.train.compile else None


