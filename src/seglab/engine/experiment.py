"""From a resolved config to a finished run folder: the builders, the trainer, the callbacks."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, Subset

from seglab import config as config_io
from seglab.config import DEFAULT_EPOCHS, ExperimentConfig
from seglab.engine.builders import (PreparedData, build_optimizer, build_scheduler, make_loader, model_min_side,
                                    prepare_data, resolve_class_weights)
from seglab.data import ClassSpec
from seglab.engine.budget import BudgetPlanner, epochs_in_budget
from seglab.engine.callbacks import (AdaptThreads, Checkpointer, EarlyStopping, EncoderFreezer, EpochLogger,
                                     HistoryWriter, ProgressBar, SamplerEpoch)
from seglab.engine.checkpoint import Checkpoint, ModelCard, load_checkpoint, save_checkpoint
from seglab.engine.distributed import (DistributedContext, check_sync_batchnorm, init_distributed, per_process_batch,
                                      shutdown)
from seglab.engine.estimate import Estimate, estimate_epoch
from seglab.engine.restart import config_digest, restarts_before_first_checkpoint, resumes_after_restart
from seglab.engine.resume import set_rng_states
from seglab.engine.lr_finder import LrFinderResult, check_range, range_test, write_lr_find
from seglab.engine.run_folder import RunFolder
from seglab.engine.trainer import Callback, Trainer, TrainingError, evaluate
from seglab.errors import CheckpointError, ConfigError, DataError
from seglab.losses import build_loss
from seglab.metrics import Scores
from seglab.models import create_model, model_options
from seglab.reports.summary import never_predicted, scores_markdown
from seglab.runtime import Precision, resolve_device, resolve_precision
from seglab.runtime_threads import ThreadTuner, thread_tuner

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
        extra={"encoder_weights": weights} if weights is not None else {},
        augment_transforms=tuple(data.augment.names()) if data.augment is not None else (),
    )


def check_train_config(cfg: ExperimentConfig) -> None:
    if (cfg.train.epochs is not None and cfg.train.epochs < 1) or cfg.train.batch_size < 1:
        raise ConfigError("train.epochs and train.batch_size must be at least 1")
    if cfg.train.freeze_encoder_epochs < 0:
        raise ConfigError("train.freeze_encoder_epochs must be >= 0")
    if cfg.train.ema_decay is not None and not 0.0 < cfg.train.ema_decay < 1.0:
        raise ConfigError(f"train.ema_decay must lie between 0 and 1 (e.g. 0.999), got {cfg.train.ema_decay}")
    if cfg.train.early_stopping_patience is not None and cfg.train.early_stopping_patience < 1:
        raise ConfigError("train.early_stopping_patience must be at least 1 epoch (or null for no early stopping)")
    if isinstance(cfg.train.lr, str) and cfg.train.lr != "auto":
        raise ConfigError(f"train.lr must be a number or 'auto' (the learning-rate range test), got '{cfg.train.lr}'")


def set_determinism(enabled: bool) -> None:
    """Deterministic kernels everywhere (CPU results repeat bit for bit anyway for a fixed seed)."""
    if enabled:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(enabled)
    torch.backends.cudnn.benchmark = not enabled


def restore(run: RunFolder, checkpoint: Checkpoint, trainer: Trainer, checkpointer: Checkpointer,
            generator: torch.Generator, data: PreparedData) -> None:
    """Put model, optimizer, scheduler, scaler, RNGs and counters back to the end of the last
    saved epoch, so the resumed run continues exactly as an uninterrupted one would."""
    saved_splits = {k: v for k, v in run.read_splits().items() if k in data.splits}
    if saved_splits != data.split_names():
        raise DataError(f"the dataset of '{run.root}' changed since the run started (its splits differ); "
                        "start a new run instead of resuming")
    state = checkpoint.training_state
    if state is None:
        raise CheckpointError(f"'{run.last}' holds no training state to resume from")
    trainer.model.load_state_dict(state.trained_weights or checkpoint.state_dict, strict=True)
    if trainer.average is not None:  # a run started without --ema starts its average here
        trainer.average.module.load_state_dict(checkpoint.state_dict, strict=True)
        trainer.average.updates = state.averaged_steps
    trainer.optimizer.load_state_dict(state.optimizer)
    match_parameter_layout(trainer.optimizer)
    if trainer.scheduler is not None and state.scheduler is not None:
        trainer.scheduler.load_state_dict(state.scheduler)
    trainer.scaler.load_state_dict(state.scaler)
    trainer.epoch = state.epoch
    trainer.history = list(state.history)
    checkpointer.best_score = state.best_score
    checkpointer.best_row = next((r for r in state.history if int(r["epoch"]) == state.best_epoch), None)
    generator.set_state(state.loader_generator)
    set_rng_states(state.rng)
    log.info("resuming %s after epoch %d (best %s %.4f at epoch %d)", run.root, state.epoch,
             checkpointer.monitor, state.best_score, state.best_epoch)


def with_saved_architecture(cfg: ExperimentConfig, card: ModelCard) -> ExperimentConfig:
    """`cfg` with the model options of the card of the run's last checkpoint (every option,
    defaults included), so a resumed run rebuilds the network it saved even if a preset's
    default changed since; the encoder weight source stays as configured."""
    weights = {k: v for k, v in cfg.model.options.items() if k == "encoder_weights"}
    return replace(cfg, model=replace(cfg.model, name=card.model, options={**card.options, **weights}))


def match_parameter_layout(optimizer: torch.optim.Optimizer) -> None:
    """Give each per-parameter state tensor (Adam's moments) its parameter's strides again.

    Checkpoints store tensors contiguous, but channels_last parameters have other strides, and
    the fused Adam kernel walks state and parameter as one flat buffer: with mismatched layouts
    a resumed run would update the wrong elements."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            state = optimizer.state.get(param, {})
            for key, value in state.items():
                if torch.is_tensor(value) and value.shape == param.shape and value.stride() != param.stride():
                    state[key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


def fit(trainer: Trainer, train_loader: DataLoader, val_loader: DataLoader | None, epochs: int,
        run: RunFolder, card: ModelCard, batch_size: int, is_main: bool = True) -> list[dict[str, float]]:
    """Run the loop; on Ctrl-C keep the current weights (the main process), on out-of-memory say
    what to change."""
    try:
        return trainer.fit(train_loader, val_loader, epochs)
    except KeyboardInterrupt:
        if not is_main:  # the weights are the same on every process; one writes them
            raise
        save_checkpoint(run.interrupted, trainer.scored_model, card, epoch=trainer.epoch, complete=False)
        log.warning("interrupted during epoch %d: current weights saved to %s; `seglab train --resume %s` "
                    "continues after the last complete epoch", trainer.epoch, run.interrupted, run.root)
        raise
    except (torch.OutOfMemoryError, RuntimeError) as err:
        if not isinstance(err, torch.OutOfMemoryError) and "can't allocate memory" not in str(err):
            raise
        raise TrainingError(f"out of memory at batch size {batch_size}: try --batch-size {max(batch_size // 2, 1)} "
                            "or a smaller --size") from None


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
                           adapt=not cfg.train.deterministic)
    if threads is not None:
        threads.start()
    classes = data.classes
    model = create_model(cfg.model.name, data.in_channels, classes.num_classes, **cfg.model.options)
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
    train_set = data.dataset("train", training=True)
    sampler = (
        DistributedSampler(train_set, context.world_size, context.rank, shuffle=True, seed=cfg.train.seed,
                           drop_last=True)
        if context.enabled else None
    )
    train_loader = make_loader(
        train_set, batch, shuffle=True, num_workers=workers, seed=cfg.train.seed,
        pin_memory=device.type == "cuda", sampler=sampler, samples_per_image=cfg.data.samples_per_image,
    )
    val_loader = full_val_loader = None
    if data.splits["val"]:
        val_set = data.dataset("val")
        full_val_loader = make_loader(val_set, batch, shuffle=False, num_workers=workers)
        val_loader = (make_loader(Subset(val_set, context.shard(len(val_set))), batch, shuffle=False,
                                  num_workers=workers) if context.enabled else full_val_loader)
    if sampler is not None:
        callbacks.append(SamplerEpoch(sampler))
    # on the device with its class weights (a buffer), also for --dry-run and --time-budget's estimate
    loss_fn = build_loss(cfg.loss.name, classes.num_classes, data.train_ignore_index,
                         resolve_class_weights(cfg.loss.class_weights, data)).to(device)
    return Session(cfg, data, context, device, precision, model, model_card(cfg, data), train_loader, val_loader,
                   full_val_loader, loss_fn, callbacks, threads)


def dry_run(cfg: ExperimentConfig) -> Estimate:
    """Time a few steps and report the expected seconds per epoch and peak memory; trains nothing."""
    session = build_session(cfg)
    estimate = estimate_epoch(session.model, session.loss_fn, session.train_loader, session.val_loader,
                              session.device, session.precision)
    shutdown(session.context)
    return estimate


def fit_to_budget(session: Session) -> ExperimentConfig:
    """With train.time_budget, the first plan of the epoch count (and so the schedule) from a
    few measured steps; `BudgetPlanner` revises it at every epoch end. train.epochs, when given,
    stays the upper bound; without it the budget alone decides.

    Only the main process measures and decides; the others take its plan, since processes that
    planned different epoch counts would wait for each other forever in a collective."""
    cfg = session.cfg
    if cfg.train.time_budget is None:
        return cfg
    epochs = 0
    if session.context.is_main:
        estimate = estimate_epoch(session.model, session.loss_fn, session.train_loader, session.val_loader,
                                  session.device, session.precision)
        epochs = max(1, epochs_in_budget(cfg.train.time_budget, estimate.epoch_seconds))
        if cfg.train.epochs is not None:
            epochs = min(epochs, cfg.train.epochs)
        log.info("time budget %.0fs: about %.1fs per epoch, so %d epoch(s) to start with (%s), re-planned at "
                 "every epoch's end", cfg.train.time_budget, estimate.epoch_seconds, epochs,
                 f"at most train.epochs={cfg.train.epochs}" if cfg.train.epochs is not None else "no epoch cap")
    epochs = session.context.broadcast_int(epochs)
    return replace(cfg, train=replace(cfg.train, epochs=epochs))


def train(cfg: ExperimentConfig, out: str | Path, callbacks: Sequence[Callback] = (),
          resume: bool = False, overwrite: bool = False) -> TrainResult:
    """Train a model as `cfg` says and write the run folder `out`; with `resume`, continue the
    run in `out` from its last complete epoch. The main process claims `out` for the whole run
    (`RunFolder.claim`): a folder in use by another training, or holding a run while neither
    `resume` nor `overwrite` is given, is refused before anything is read or written.
    Under a torchrun restart (`--max-restarts`) the run continues from its own last checkpoint
    (`resumes_after_restart`), or starts again if it died before writing one.

    Example:
        >>> cfg = config.load(overrides={"data.path": "data/", "train.epochs": 2})  # doctest: +SKIP
        >>> result = train(cfg, "runs/exp1")  # doctest: +SKIP
    """
    run = RunFolder(Path(out))
    digest = config_digest(cfg)
    if resumes_after_restart(cfg, out):  # also when the front door has already said `resume`
        resume = True
        # the plan the run started with (a --time-budget run fitted its epoch count)
        cfg = replace(cfg, train=replace(cfg.train, epochs=run.read_config().train.epochs))
    if int(os.environ.get("RANK", "0")) != 0:  # only the main process writes (and claims) the folder
        return _train(cfg, run, callbacks, resume, digest)
    with run.claim(resume=resume, overwrite=overwrite or restarts_before_first_checkpoint(out)):
        return _train(cfg, run, callbacks, resume, digest)


def find_lr(cfg: ExperimentConfig, start: float = 1e-7, end: float = 10.0, steps: int = 100) -> LrFinderResult:
    """The learning-rate range test on `cfg`'s training split, model, loss and optimizer (see
    `lr_finder.range_test`); the model it trains is thrown away."""
    check_range(start, end, steps)
    seed_everything(cfg.train.seed)
    session = build_session(replace(cfg, train=replace(cfg.train, lr=start)))
    try:
        return range_test(session, start, end, steps)
    finally:
        shutdown(session.context)


def resolve_lr(cfg: ExperimentConfig, run: RunFolder) -> ExperimentConfig:
    """`--lr auto`: the range test's suggestion, recorded as lr_find.json/.png in the run folder."""
    if cfg.train.lr != "auto":
        return cfg
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # each process would test, and pick, on its own
        raise ConfigError("--lr auto does not run under distributed training: run `seglab lr-find` on one "
                          "process first and pass its suggestion as --lr")
    result = find_lr(cfg)
    write_lr_find(result, run.root)
    log.info("--lr auto: training at %.3g, the range test's pick (lr_find.png)",
             result.suggested)
    return replace(cfg, train=replace(cfg.train, lr=result.suggested))


def _train(cfg: ExperimentConfig, run: RunFolder, callbacks: Sequence[Callback], resume: bool,
           digest: str) -> TrainResult:
    saved = load_checkpoint(RunFolder.open(run.root).last) if resume else None  # read once: architecture, then state
    if saved is not None:
        cfg = with_saved_architecture(cfg, saved.card)
    if not resume:
        cfg = resolve_lr(cfg, run)
    session = build_session(cfg)
    ceiling = session.cfg.train.epochs if not resume else None  # a resumed plan is no cap
    cfg = fit_to_budget(session) if not resume else session.cfg
    data, context, device, model, card = session.data, session.context, session.device, session.model, session.card
    classes = data.classes
    optimizer = build_optimizer(model, cfg.train)
    scheduler = build_scheduler(optimizer, cfg.train, len(session.train_loader))
    checkpointer = Checkpointer(run, card, generator=session.train_loader.generator, config_digest=digest)
    budget = ([BudgetPlanner(cfg.train.time_budget, ceiling, context.broadcast_int if context.enabled else None)]
              if cfg.train.time_budget is not None else [])
    threads = [AdaptThreads(session.threads)] if session.threads is not None and session.threads.adaptive else []
    trainer = Trainer(
        model,
        session.loss_fn,
        optimizer,
        num_classes=classes.num_classes,
        ignore_index=data.train_ignore_index,  # includes the label of padding from crops/augmentation
        scheduler=scheduler,
        device=device,
        precision=session.precision,
        grad_clip=cfg.train.grad_clip,
        channels_last=True,
        callbacks=[
            *session.callbacks,
            *budget,
            *threads,
            # only the main process shows progress and writes the run folder
            *([ProgressBar(enabled=cfg.train.progress), EpochLogger(), checkpointer,
               HistoryWriter(run)] if context.is_main else []),
            *callbacks,
        ],
        wrap=lambda module: maybe_compile(context.wrap(module, device, cfg.train.sync_batchnorm), cfg.train.compile),
        reduce_sum=context.reduce_sum if context.enabled else None,
        sync_buffers=context.sync_buffers if context.enabled else None,
        ema_decay=cfg.train.ema_decay,
    )
    if saved is not None:
        restore(run, saved, trainer, checkpointer, session.train_loader.generator, data)
    elif context.is_main:
        run.create()
        run.write_json(run.splits, {"root": str(data.index.root), "format": data.index.format, **data.split_names()})
    if context.is_main:
        # absolute paths, so the run evaluates and reports from any working directory
        resolved = replace(cfg, data=replace(cfg.data, size=data.size, ignore_index=classes.ignore_index,
                                             path=_absolute(cfg.data.path), classes_file=_absolute(cfg.data.classes_file)))
        config_io.save(resolved, run.config)
        run.write_json(run.classes, classes.to_dict())
        log.info("classes: %s (saved in %s: rename them there and pass it back with --classes)",
                 ", ".join(classes.names), run.classes)
    epochs = cfg.train.epochs
    if saved is not None and budget:  # its plan was re-planned since config.yaml recorded the first one
        epochs = max(epochs, trainer.epoch + 1)
    try:
        history = fit(trainer, session.train_loader, session.val_loader, epochs, run, card,
                      session.train_loader.batch_size or cfg.train.batch_size, context.is_main)
    finally:
        try:
            checkpointer.close()  # queued checkpoint files reach the disk, also when training stopped early
        finally:
            shutdown(context)
    if not context.is_main:
        return TrainResult(run=run, history=history, best_epoch=0, best_scores=None)
    # re-scoring a best epoch from before a resume reads the whole split, not rank 0's shard
    return summarise(run, checkpointer, trainer, session.full_val_loader, classes, history)


def _absolute(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path is not None else None


def maybe_compile(module: torch.nn.Module, enabled: bool) -> torch.nn.Module:
    """torch.compile on request: compile time (13-43 s here) pays off only on long runs."""
    return torch.compile(module) if enabled else module


def summarise(run: RunFolder, checkpointer: Checkpointer, trainer: Trainer, val_loader: DataLoader | None,
              classes: ClassSpec, history: list[dict[str, float]]) -> TrainResult:
    """Write metrics.json and metrics.md for the best epoch (re-scored if it predates a resume)."""
    best_epoch = int(checkpointer.best_row["epoch"]) if checkpointer.best_row else len(history)
    best_eval = checkpointer.best_eval
    if best_eval is None and val_loader is not None:
        best_model = load_checkpoint(run.best).load_model(trainer.device)
        best_eval = evaluate(best_model, val_loader, classes.num_classes, classes.ignore_index,
                             loss_fn=trainer.loss_fn, device=trainer.device, precision=trainer.precision)
    best_scores = best_eval.scores if best_eval else None
    payload = {"split": "val", "epoch": best_epoch}
    warning = never_predicted(best_scores, classes) if best_scores is not None else None
    if warning is not None:
        log.warning("validation at the best epoch %d: %s", best_epoch, warning)
    if best_scores is not None:
        payload.update(best_scores.to_dict(classes.names))
        (run.root / "metrics.md").write_text(
            f"# Validation at best epoch {best_epoch}\n\n" + scores_markdown(best_scores, classes)
        )
    run.write_json(run.metrics, payload)
    return TrainResult(run=run, history=history, best_epoch=best_epoch, best_scores=best_scores)
