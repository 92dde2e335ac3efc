"""Continuing a run (`--resume`, a torchrun restart): put the trainer back exactly where the
last complete epoch left it, from the training state in `last.safetensors`."""

from __future__ import annotations

import logging
from dataclasses import replace

import torch

from seglab.config import ExperimentConfig
from seglab.data.loading.prepare import PreparedData
from seglab.engine.callbacks import Checkpointer
from seglab.engine.trainer import Trainer
from seglab.errors import CheckpointError, DataError
from seglab.runs.card import ModelCard
from seglab.runs.checkpoint import Checkpoint
from seglab.runs.resume import set_rng_states
from seglab.runs.run_folder import RunFolder

log = logging.getLogger(__name__)


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
