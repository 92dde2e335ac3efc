"""The training loop and nothing else: progress, checkpoints and history live in callbacks."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from seglab.engine.averaging import weight_average
from seglab.errors import SeglabError
from seglab.metrics import ConfusionMatrix, Scores
from seglab.runtime import Precision, resolve_precision


class TrainingError(SeglabError):
    """Training cannot go on (for example the loss became NaN)."""


@dataclass(frozen=True)
class EvalResult:
    """Scores of one pass over a split; `loss` is None when no loss function was given."""

    loss: float | None
    scores: Scores
    matrix: Tensor


class Callback:
    """Hooks the trainer calls; subclasses override what they need."""

    def on_fit_start(self, trainer: Trainer) -> None: ...

    def on_epoch_start(self, trainer: Trainer, num_batches: int) -> None: ...

    def on_train_batch_end(self, trainer: Trainer, loss: float) -> None: ...

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None: ...

    def on_fit_end(self, trainer: Trainer) -> None: ...


def clip_gradients(parameters: Iterable[nn.Parameter], max_norm: float) -> None:
    """`clip_grad_norm_`, minus its rescale when that would multiply by 1: the rescale reads and
    writes every gradient (about half of clip_grad_norm_'s 6 ms per unet_resnet18 step on a
    2-core CPU), and after the first epoch about 90% of CamVid steps are under the limit.
    The check reads the norm (a sync, as the loss value already is every step)."""
    with_grad = [p for p in parameters if p.grad is not None]
    total = nn.utils.get_total_norm([p.grad for p in with_grad])
    if total + 1e-6 > max_norm:  # clip_grad_norm_'s factor max_norm / (total + 1e-6) is < 1
        nn.utils.clip_grads_with_norm_(with_grad, max_norm, total)


def _to_device(batch: dict[str, Any], device: torch.device, channels_last: bool) -> tuple[Tensor, Tensor]:
    image = batch["image"].to(device, non_blocking=True)
    if channels_last:
        image = image.contiguous(memory_format=torch.channels_last)
    return image, batch["mask"].to(device, non_blocking=True)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[dict[str, Any]],
    num_classes: int,
    ignore_index: int | None = None,
    loss_fn: nn.Module | None = None,
    device: torch.device | str = "cpu",
    precision: Precision | None = None,
    channels_last: bool = False,
    reduce_sum: Callable[[Tensor], Tensor] | None = None,
) -> EvalResult:
    """Accumulate one confusion matrix over the whole loader (not a mean of batch scores).

    With `reduce_sum` (distributed training), each process scores its shard and the
    matrices and loss sums are added up across processes.

    Shape: batches of image (B, C, H, W) and mask (B, H, W).
    """
    device = torch.device(device)
    precision = precision or resolve_precision("fp32", device)
    was_training = model.training
    model.eval()
    confusion = ConfusionMatrix(num_classes, ignore_index)
    loss_sum, pixels = 0.0, 0
    for batch in loader:
        image, mask = _to_device(batch, device, channels_last)
        with precision.autocast():
            logits = model(image)
        logits = logits.float()
        confusion.update(logits.argmax(1), mask)
        if loss_fn is not None:
            counted = int((mask != ignore_index).sum()) if ignore_index is not None else mask.numel()
            loss_sum += float(loss_fn(logits, mask)) * counted
            pixels += counted
    model.train(was_training)
    if reduce_sum is not None:
        confusion.matrix = reduce_sum(confusion.matrix)
        loss_sum, pixels = reduce_sum(torch.tensor([loss_sum, float(pixels)], dtype=torch.float64)).tolist()
    loss = loss_sum / max(pixels, 1) if loss_fn is not None else None
    return EvalResult(loss=loss, scores=confusion.compute(), matrix=confusion.matrix.cpu())


class Trainer:
    """Runs epochs of optimisation and validation; knows nothing about files or printing.

    Example:
        >>> trainer = Trainer(model, loss_fn, optimizer, num_classes=3)  # doctest: +SKIP
        >>> history = trainer.fit(train_loader, val_loader, epochs=2)  # doctest: +SKIP
    """

    def __init__(
        self,
        model: nn.Module,
        loss_fn: nn.Module,
        optimizer: torch.optim.Optimizer,
        *,
        num_classes: int,
        ignore_index: int | None = None,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        device: torch.device | str = "cpu",
        precision: Precision | None = None,
        grad_clip: float | None = None,
        channels_last: bool = False,
        callbacks: Sequence[Callback] = (),
        wrap: Callable[[nn.Module], nn.Module] | None = None,
        reduce_sum: Callable[[Tensor], Tensor] | None = None,
        ema_decay: float | None = None,
    ) -> None:
        self.device = torch.device(device)
        self.model = model.to(self.device)
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        # with `ema_decay`, an exponential moving average of the weights, updated every step
        self.average = weight_average(self.model, ema_decay) if ema_decay is not None else None
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.precision = precision or resolve_precision("fp32", self.device)
        self.grad_clip = grad_clip
        self.channels_last = channels_last
        self.callbacks = list(callbacks)
        # the training step calls `network` (e.g. DDP around `model`); checkpoints save `model`
        self.network = wrap(self.model) if wrap is not None else self.model
        self.reduce_sum = reduce_sum
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision.needs_grad_scaler)
        self.epoch = 0
        self.history: list[dict[str, float]] = []
        self.train_confusion = ConfusionMatrix(num_classes, ignore_index)
        self.data_wait = 0.0  # seconds spent waiting for batches in the current epoch
        self.should_stop = False  # a callback (early stopping) ends the run after this epoch

    def fit(self, train_loader: DataLoader, val_loader: DataLoader | None, epochs: int) -> list[dict[str, float]]:
        """Train up to `epochs` (counting epochs already done) and return the history rows."""
        self._emit("on_fit_start")
        for self.epoch in range(self.epoch + 1, epochs + 1):
            started = time.perf_counter()
            self._emit("on_epoch_start", len(train_loader))
            train_loss = self.train_one_epoch(train_loader)
            if self.reduce_sum is not None:
                self.train_confusion.matrix = self.reduce_sum(self.train_confusion.matrix)
                total, processes = self.reduce_sum(torch.tensor([train_loss, 1.0], dtype=torch.float64)).tolist()
                train_loss = total / processes
            row = {
                "epoch": self.epoch,
                "train_loss": train_loss,
                "train_miou": self.train_confusion.compute().mean_iou,
                "lr": self.optimizer.param_groups[0]["lr"],
            }
            val = None
            if val_loader is not None:
                val = self.validate(val_loader)
                row.update(
                    val_loss=val.loss,
                    val_miou=val.scores.mean_iou,
                    val_mdice=val.scores.mean_dice,
                    val_accuracy=val.scores.accuracy,
                )
            seconds = time.perf_counter() - started
            row.update(seconds=seconds, data_wait=self.data_wait / seconds)
            self.history.append(row)
            self._emit("on_epoch_end", row, val)
            if self.should_stop:
                break
        self._emit("on_fit_end")
        return self.history

    def train_one_epoch(self, loader: DataLoader) -> float:
        """One pass over `loader`; returns the mean loss over batches."""
        self.model.train()
        self.train_confusion.reset()
        self.data_wait = 0.0
        total, count = 0.0, 0
        waited = time.perf_counter()
        for batch in loader:
            image, mask = _to_device(batch, self.device, self.channels_last)
            self.data_wait += time.perf_counter() - waited
            loss = self.train_step(image, mask)
            total += loss
            count += 1
            self._emit("on_train_batch_end", loss)
            waited = time.perf_counter()
        return total / max(count, 1)

    def train_step(self, image: Tensor, mask: Tensor) -> float:
        """Forward, loss in float32, backward, clip, step; raises TrainingError on a NaN loss."""
        self.optimizer.zero_grad(set_to_none=True)
        with self.precision.autocast():
            logits = self.network(image)
        logits = logits.float()
        loss = self.loss_fn(logits, mask)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise TrainingError(
                f"loss became {value} at epoch {self.epoch}; the last good checkpoint is kept. "
                "Try a lower --lr or --precision fp32"
            )
        self.scaler.scale(loss).backward()
        if self.grad_clip is not None:
            self.scaler.unscale_(self.optimizer)
            clip_gradients(self.model.parameters(), self.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.scheduler is not None:
            self.scheduler.step()
        if self.average is not None:
            self.average.update_parameters(self.model)
        self.train_confusion.update(logits.detach().argmax(1), mask)
        return value

    @property
    def scored_model(self) -> nn.Module:
        """The weights validation scores and checkpoints hold: the average when there is one."""
        return self.average.module if self.average is not None else self.model

    def validate(self, loader: DataLoader) -> EvalResult:
        return evaluate(
            self.scored_model,
            loader,
            self.num_classes,
            self.ignore_index,
            loss_fn=self.loss_fn,
            device=self.device,
            precision=self.precision,
            channels_last=self.channels_last,
            reduce_sum=self.reduce_sum,
        )

    def _emit(self, event: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(self, *args)
