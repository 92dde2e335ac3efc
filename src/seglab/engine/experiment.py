"""From a resolved config to a finished run folder: the builders, the trainer, the callbacks."""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from seglab import config as config_io
from seglab.config import ExperimentConfig
from seglab.data import ClassSpec
from seglab.engine.budget import BudgetPlanner, epochs_in_budget
from seglab.engine.builders import build_optimizer, build_scheduler
from seglab.engine.callbacks import AdaptThreads, Checkpointer, EpochLogger, HistoryWriter, ProgressBar
from seglab.engine.distributed import shutdown
from seglab.engine.estimate import estimate_epoch
from seglab.engine.lr_finder import resolve_lr
from seglab.engine.restart import config_digest, restarts_before_first_checkpoint, resumes_after_restart
from seglab.engine.restore import restore, with_saved_architecture
from seglab.engine.session import Session, build_session, compile_mode
from seglab.engine.thresholds import tune_thresholds
from seglab.engine.tracking import ExperimentTracking, logger_specs
from seglab.engine.trainer import Callback, Trainer, TrainingError, evaluate
from seglab.metrics import Scores
from seglab.reports.summary import never_predicted, scores_markdown
from seglab.runs.atomic import write_json
from seglab.runs.card import ModelCard
from seglab.runs.checkpoint import load_checkpoint, save_checkpoint
from seglab.runs.run_folder import RunFolder
from seglab.tasks import training_ignore_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    run: RunFolder
    history: list[dict[str, float]]
    best_epoch: int
    best_scores: Scores | None  # validation scores at the best epoch; None without a val split


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
        route = (f"`seglab train --resume {shlex.quote(str(run.root))}` continues after the last complete epoch"
                 if trainer.history else "no epoch completed, so there is nothing to resume yet")
        log.warning("interrupted during epoch %d: current weights saved to %s; %s", trainer.epoch, run.interrupted,
                    route)
        raise
    except (torch.OutOfMemoryError, RuntimeError) as err:
        if not isinstance(err, torch.OutOfMemoryError) and "can't allocate memory" not in str(err):
            raise
        raise TrainingError(f"out of memory at batch size {batch_size}: try --batch-size {max(batch_size // 2, 1)} "
                            "or a smaller --size") from None


def fit_to_budget(session: Session) -> ExperimentConfig:
    """With train.time_budget, choose the epoch count (and so the schedule) from a measured step.

    Only the main process measures and decides; the others take its plan, since processes that
    planned different epoch counts would wait for each other forever in a collective."""
    cfg = session.cfg
    if cfg.train.time_budget is None:
        return cfg
    epochs = 0
    if session.context.is_main:
        estimate = estimate_epoch(session.model, session.loss_fn, session.train_loader, session.val_loader,
                                  session.device, session.precision, session.feed, compile_mode(cfg))
        epochs = max(1, epochs_in_budget(cfg.train.time_budget - estimate.one_time_seconds, estimate.epoch_seconds))
        if cfg.train.epochs is not None:
            epochs = min(epochs, cfg.train.epochs)
        log.info("time budget %.0fs: about %.1fs once (warm-up%s) and %.1fs per epoch, so %d epoch(s) to start "
                 "with (%s), re-planned at every epoch's end", cfg.train.time_budget, estimate.one_time_seconds,
                 ", compilation" if cfg.train.compile else "", estimate.epoch_seconds, epochs,
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


def _train(cfg: ExperimentConfig, run: RunFolder, callbacks: Sequence[Callback], resume: bool,
           digest: str) -> TrainResult:
    # read once: architecture, then state
    saved = load_checkpoint(RunFolder.open_to_resume(run.root).last) if resume else None
    if saved is not None:
        cfg = with_saved_architecture(cfg, saved.card)
    # checked before any work (a missing extra stops the run here); only the main process logs
    trackers = logger_specs(cfg.train.loggers) if int(os.environ.get("RANK", "0")) == 0 else []
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
    val_set = session.full_val_loader.dataset if session.full_val_loader is not None else None
    tracking = (ExperimentTracking(trackers, run, card, val_set, cfg.train.epochs, cfg.train.log_images_every)
                if trackers and context.is_main else None)
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
               HistoryWriter(run), *([tracking] if tracking is not None else [])] if context.is_main else []),
            *callbacks,
        ],
        wrap=lambda module: context.wrap(module, device, cfg.train.sync_batchnorm),
        reduce_sum=context.reduce_sum if context.enabled else None,
        sync_buffers=context.sync_buffers if context.enabled else None,
        ema_decay=cfg.train.ema_decay,
        task=session.task,
        feed=session.feed,
        compile_mode=compile_mode(cfg),
    )
    if saved is not None:
        restore(run, saved, trainer, checkpointer, session.train_loader.generator, data)
    elif context.is_main:
        run.create()
        write_json(run.splits, {"root": str(data.index.root), "format": data.index.format, **data.split_names()})
    if context.is_main:
        # absolute paths, so the run evaluates and reports from any working directory
        resolved = replace(cfg, data=replace(cfg.data, size=data.size, ignore_index=classes.ignore_index,
                                             path=_absolute(cfg.data.path), classes_file=_absolute(cfg.data.classes_file)))
        config_io.save(resolved, run.config)
        write_json(run.classes, classes.to_dict())
        log.info("classes: %s (saved in %s: rename them there and pass it back with --classes)",
                 ", ".join(classes.names), run.classes)
    epochs = cfg.train.epochs
    if saved is not None and budget:  # its plan was re-planned since config.yaml recorded the first one
        epochs = max(epochs, trainer.epoch + 1)
    if saved is not None and trainer.epoch >= epochs and context.is_main:
        log.warning("%s already trained its last epoch (%d of %d): nothing left to train; to train on, give more "
                    "epochs: `seglab train --resume %s --epochs N` with N above %d", run.root, trainer.epoch, epochs,
                    shlex.quote(str(run.root)), trainer.epoch)
    try:
        history = fit(trainer, session.train_loader, session.val_loader, epochs, run, card,
                      session.train_loader.batch_size or cfg.train.batch_size, context.is_main)
    except BaseException as err:
        if tracking is not None:
            tracking.abort(err)
        raise
    finally:
        try:
            checkpointer.close()  # queued checkpoint files reach the disk, also when training stopped early
        finally:
            shutdown(context)
    if not context.is_main:
        return TrainResult(run=run, history=history, best_epoch=0, best_scores=None)
    if cfg.train.tune_thresholds and session.full_val_loader is not None:  # checked in build_session
        tune_thresholds(run, session.full_val_loader, classes.names, session.feed)
    # re-scoring a best epoch from before a resume reads the whole split, not rank 0's shard
    result = summarise(run, checkpointer, trainer, session.full_val_loader, classes, history)
    if tracking is not None:
        tracking.finish()
    return result


def _absolute(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path is not None else None


def summarise(run: RunFolder, checkpointer: Checkpointer, trainer: Trainer, val_loader: DataLoader | None,
              classes: ClassSpec, history: list[dict[str, float]]) -> TrainResult:
    """Write metrics.json and metrics.md for the best epoch (re-scored if it predates a resume)."""
    best_epoch = int(checkpointer.best_row["epoch"]) if checkpointer.best_row else len(history)
    best_eval = checkpointer.best_eval
    if best_eval is None and val_loader is not None:
        best_model = load_checkpoint(run.best).load_model(trainer.device)
        best_eval = evaluate(best_model, val_loader, classes.num_classes,
                             training_ignore_index(trainer.task, classes.ignore_index), loss_fn=trainer.loss_fn,
                             device=trainer.device, precision=trainer.precision, task=trainer.task,
                             feed=trainer.feed)
    best_scores = best_eval.scores if best_eval else None
    payload = {"split": "val", "epoch": best_epoch}
    warning = never_predicted(best_scores, classes) if best_scores is not None else None
    if warning is not None:
        log.warning("validation at the best epoch %d: %s", best_epoch, warning)
    if best_scores is not None:
        payload.update(best_scores.to_dict(classes.names))
        (run.root / "metrics.md").write_text(
            f"# Validation at best epoch {best_epoch}\n\n" + scores_markdown(best_scores, classes), encoding="utf-8"
        )
    write_json(run.metrics, payload)
    return TrainResult(run=run, history=history, best_epoch=best_epoch, best_scores=best_scores)
