"""Trainer callbacks: progress bar, epoch log, checkpoints, history file and curves."""

from __future__ import annotations

import logging
import math
import statistics
import time
from typing import Any

import torch

from seglab.engine.trainer import Callback, EvalResult, Trainer
from seglab.progress import progress_bar
from seglab.reports.plots import plot_history, save_figure
from seglab.runs.card import ModelCard
from seglab.runs.checkpoint import BackgroundCheckpointWriter
from seglab.runs.resume import TrainingState, rng_states
from seglab.runs.run_folder import RunFolder
from seglab.runtime_threads import ThreadTuner

log = logging.getLogger(__name__)


class ProgressBar(Callback):
    """One bar per epoch with the running loss and training mIoU, then one over the validation
    batches (`seglab.progress.progress_bar`: off when output is not a terminal, or with
    `enabled=False`)."""

    def __init__(self, enabled: bool = True, interval: float = 0.5) -> None:
        self.enabled = enabled
        self.interval = interval  # seconds between redraws at most
        self._bar: Any = None
        self._shown: tuple[float, float] | None = None

    def on_epoch_start(self, trainer: Trainer, num_batches: int) -> None:
        self._open(num_batches, f"epoch {trainer.epoch}/{trainer.epochs}")
        self._shown = None

    def on_train_batch_end(self, trainer: Trainer) -> None:
        if self._bar is None:
            return
        # host-side values only (the trainer's last read), redrawn by tqdm at most every `interval`
        shown = (trainer.running_loss, trainer.running_miou)
        if not self._bar.disable and shown != self._shown and not math.isnan(shown[0]):
            self._bar.set_postfix(loss=f"{shown[0]:.4f}", miou=f"{shown[1]:.3f}", refresh=False)
            self._shown = shown
        self._bar.update(1)

    def on_validation_start(self, trainer: Trainer, num_batches: int) -> None:
        self._open(num_batches, f"epoch {trainer.epoch}/{trainer.epochs} validation")

    def on_validation_batch_end(self, trainer: Trainer) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        self._close()

    def _open(self, total: int, desc: str) -> None:
        self._close()
        self._bar = progress_bar(total=total, desc=desc, enabled=self.enabled, interval=self.interval)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def format_row(row: dict[str, float]) -> str:
    """One human line per epoch, e.g. 'epoch 3  train_loss 0.4123  val_miou 0.712 ...'."""
    parts = [f"epoch {int(row['epoch'])}"]
    for key, value in row.items():
        if key == "epoch" or value is None:
            continue
        if key == "data_wait":
            parts.append(f"data_wait {100 * value:.1f}%")
        elif key == "seconds":
            parts.append(f"{value:.1f}s")
        elif key == "lr":
            parts.append(f"lr {value:.2e}")
        else:
            parts.append(f"{key} {value:.4f}")
    return "  ".join(parts)


class EpochLogger(Callback):
    """Logs one line per epoch (the CLI routes it to the terminal and to train.log), ending in
    the time the whole run still needs at the median pace of the epochs so far (to `trainer.epochs`,
    the plan, which a time budget revises). After the second epoch of a run it also logs what
    the first cost beyond it: one-time costs (kernel warm-up, allocator growth, cache filling)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        line = format_row(row)
        if row.get("seconds") is not None:
            self.seconds.append(float(row["seconds"]))
        left = trainer.epochs - int(row["epoch"])
        if left > 0 and self.seconds:
            # the first epoch pays one-time costs (cache filling, warm-up): leave it out once there are others;
            # the median, so that one slow epoch (a recompile, a burst of load) does not throw every later line
            pace = statistics.median(self.seconds[1:] or self.seconds)
            line += f"  eta {format_duration(left * pace)}"
        log.info(line)
        if int(row["epoch"]) == 2 and len(self.seconds) == 2:  # not after a resume: its first epoch is no warm-up
            first, second = self.seconds
            log.info("first epoch %.1fs, %.1fs (%+.0f%%) against the second: its one-time costs (warm-up, cache "
                     "filling)", first, first - second, 100 * (first - second) / second)


def format_duration(seconds: float) -> str:
    """'45s', '3m05s', '1h02m'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Checkpointer(Callback):
    """Saves `best` whenever the monitored score improves, and `last` every epoch together with
    the training state that `--resume` needs (one atomic file, so it is never half-written).
    The files are written on a background thread while the next epoch trains; `close` waits
    for them (the run's end, or an error that stops it)."""

    def __init__(self, run: RunFolder, card: ModelCard, generator: torch.Generator,
                 monitor: str = "val_miou", config_digest: str = "") -> None:
        self.run = run
        self.config_digest = config_digest  # of the config the run started with (torchrun restarts)
        self.card = card
        self.generator = generator  # the training loader's shuffling generator
        self.monitor = monitor
        self.best_score = -math.inf
        self.best_row: dict[str, float] | None = None
        self.best_eval: EvalResult | None = None
        self.writer = BackgroundCheckpointWriter()

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        score = row.get(self.monitor)
        if score is None or math.isnan(score):
            score = -row["train_loss"]  # no validation split: fall back to training loss
        improved = score > self.best_score
        if improved:
            self.best_score, self.best_row, self.best_eval = score, dict(row), val
            log.debug("new best %s %.4f at epoch %d", self.monitor, score, trainer.epoch)
        self.writer.save_epoch(trainer.scored_model, self.card, self.training_state(trainer),
                               {"epoch": trainer.epoch, self.monitor: score},
                               last=self.run.last, best=self.run.best if improved else None)

    def close(self) -> None:
        """Wait for the queued files and stop the writer thread; raises the first write error."""
        self.writer.close()

    def training_state(self, trainer: Trainer) -> TrainingState:
        return TrainingState(
            epoch=trainer.epoch,
            history=list(trainer.history),
            best_score=self.best_score,
            best_epoch=int(self.best_row["epoch"]) if self.best_row else 0,
            optimizer=trainer.optimizer.state_dict(),
            scheduler=trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
            scaler=trainer.scaler.state_dict(),
            loader_generator=self.generator.get_state(),
            rng=rng_states(),
            trained_weights=trainer.model.state_dict() if trainer.average is not None else None,
            averaged_steps=trainer.average.updates if trainer.average is not None else 0,
            config_digest=self.config_digest,
        )


class AdaptThreads(Callback):
    """Times every training step for a `ThreadTuner`; what happens between epochs (validation,
    checkpoints) does not count as a step."""

    def __init__(self, tuner: ThreadTuner) -> None:
        self.tuner = tuner

    def on_epoch_start(self, trainer: Trainer, num_batches: int) -> None:
        self.tuner.pause()

    def on_train_batch_end(self, trainer: Trainer) -> None:
        self.tuner.tick()

    def on_fit_end(self, trainer: Trainer) -> None:
        self.tuner.finish()


class SamplerEpoch(Callback):
    """Tells a DistributedSampler the epoch, so each epoch is shuffled differently (and alike on
    every process)."""

    def __init__(self, sampler: torch.utils.data.DistributedSampler) -> None:
        self.sampler = sampler

    def on_epoch_start(self, trainer: Trainer, num_batches: int) -> None:
        self.sampler.set_epoch(trainer.epoch)


class EncoderFreezer(Callback):
    """Trains only the decoder for the first `epochs` epochs, then the whole network.

    The model must offer `freeze_encoder(bool)` (the pretrained-encoder U-Nets do), which also
    keeps the frozen encoder's BatchNorm statistics fixed.
    """

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_start(self, trainer: Trainer, num_batches: int) -> None:
        frozen = trainer.epoch <= self.epochs
        trainer.model.freeze_encoder(frozen)  # type: ignore[operator]
        if trainer.epoch in (1, self.epochs + 1):
            log.info("encoder %s from epoch %d", "frozen" if frozen else "trainable", trainer.epoch)


class HistoryWriter(Callback):
    """Rewrites history.csv after every epoch, so an interrupted run keeps it, and curves.png
    at the end and at most every `plot_every` seconds (drawing costs as much as a tiny epoch)."""

    def __init__(self, run: RunFolder, plot_every: float = 60.0) -> None:
        self.run = run
        self.plot_every = plot_every
        self._plotted_at = time.monotonic()

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        self.run.write_history(trainer.history)
        if time.monotonic() - self._plotted_at > self.plot_every:
            self.on_fit_end(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        save_figure(plot_history(trainer.history), self.run.curves)
        self._plotted_at = time.monotonic()


class EarlyStopping(Callback):
    """Stops training once the monitored score has not improved for `patience` epochs.

    The score is the one `Checkpointer` keeps the best weights by (`val_miou`, or minus the
    training loss without a validation split), so the run ends `patience` epochs after the
    epoch saved as best. After `--resume` the count is rebuilt from the history.

    Args:
        patience: epochs without improvement to allow.
        monitor: history column to watch; higher is better.
        min_delta: an improvement must exceed this.
    """

    def __init__(self, patience: int, monitor: str = "val_miou", min_delta: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f"early stopping patience must be >= 1 epoch, got {patience}")
        self.patience = patience
        self.monitor = monitor
        self.min_delta = min_delta
        self.best = -math.inf
        self.waited = 0

    def on_fit_start(self, trainer: Trainer) -> None:
        self.best, self.waited = -math.inf, 0
        for row in trainer.history:
            self._update(row)

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None:
        if self._update(row):
            trainer.should_stop = True

    def on_fit_end(self, trainer: Trainer) -> None:
        if trainer.should_stop:  # logged here, after the last epoch's own line
            log.info("early stopping after epoch %d: no %s better than %.4f for %d epochs",
                     trainer.epoch, self.monitor, self.best, self.waited)

    def _update(self, row: dict[str, float]) -> bool:
        """Count one epoch; True when patience has run out."""
        score = row.get(self.monitor)
        if score is None or math.isnan(score):
            score = -row["train_loss"]
        if score > self.best + self.min_delta:
            self.best, self.waited = score, 0
        else:
            self.waited += 1
        return self.waited >= self.patience
