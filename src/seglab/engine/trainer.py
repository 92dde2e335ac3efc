"""The training loop and nothing else: progress, checkpoints and history live in callbacks."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from seglab.compilation import begin_step, compile_model
from seglab.engine.averaging import weight_average
from seglab.engine.feeding import DeviceFeed
from seglab.errors import SeglabError
from seglab.metrics import Scores
from seglab.runtime import Precision, resolve_precision
from seglab.tasks import MultiClass, Task


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

    def on_train_batch_end(self, trainer: Trainer) -> None:
        """After each step. Only host-side values are fresh here (`trainer.step`); the running
        loss and mIoU are those of the last read (`Trainer.read_every`): reading the device
        every step would make the host wait for the GPU."""

    def on_validation_start(self, trainer: Trainer, num_batches: int) -> None: ...

    def on_validation_batch_end(self, trainer: Trainer) -> None: ...

    def on_epoch_end(self, trainer: Trainer, row: dict[str, float], val: EvalResult | None) -> None: ...

    def on_fit_end(self, trainer: Trainer) -> None: ...


def clip_gradients(parameters: Iterable[nn.Parameter], max_norm: float) -> None:
    """`clip_grad_norm_`, always rescaling (by 1 when under the limit): deciding whether to skip
    the rescale would read the norm back to the host, a sync that stalls a GPU every step."""
    with_grad = [p for p in parameters if p.grad is not None]
    nn.utils.clip_grad_norm_(with_grad, max_norm, error_if_nonfinite=False, foreach=True)


def assert_mask_labels(mask: Tensor, num_classes: int, ignore_index: int | None) -> None:
    """Stop on labels outside [0, K) other than `ignore_index`, without waiting for the device:
    an asynchronous device assert (on a GPU it fails at a later kernel launch; on the CPU at
    once, as a RuntimeError). seglab's datasets already refuse such masks when they read them,
    with the file named; this guards other loaders at the cost of two small kernels, where a
    host-side check of a 16x512x512 batch takes 10-30 ms of the main thread."""
    valid = (mask >= 0) & (mask < num_classes)
    if ignore_index is not None:
        valid |= mask == ignore_index
    allowed = f"0..{num_classes - 1}" + ("" if ignore_index is None else f" or {ignore_index}")
    torch._assert_async(valid.all(), f"a training mask holds a label outside {allowed}")


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
    task: Task = MultiClass(),
    feed: DeviceFeed | None = None,
    compile_mode: str | None = None,
) -> EvalResult:
    """Accumulate one confusion matrix over the whole loader (not a mean of batch scores),
    reading nothing back from the device until the end.

    With `reduce_sum` (distributed training), each process scores its shard and the
    matrices and loss sums are added up across processes. `task` turns logits into labels
    (argmax, or thresholded sigmoids for multi-label bit-set masks) and counts them.
    `feed` brings batches to the device (default: float batches as they are, channels_last
    on request); it normalises uint8 batches. `compile_mode` is the mode `model` was compiled
    in, so that each batch starts a step of its CUDA graphs.

    Shape: batches of image (B, C, H, W) and mask (B, H, W).
    """
    device = torch.device(device)
    precision = precision or resolve_precision("fp32", device)
    was_training = model.training
    model.eval()
    confusion = task.confusion(num_classes, ignore_index)
    # loss sum and pixel count stay on the device until the end: no wait per batch
    totals = torch.zeros(2, dtype=torch.float64, device=device)
    feed = feed or DeviceFeed(device, channels_last)
    for image, mask in feed.batches(loader):
        begin_step(compile_mode)
        with precision.autocast():
            logits = model(image)
        logits = logits.float()
        assert_mask_labels(mask, task.label_count(num_classes), ignore_index)
        confusion.update(task.labels(logits), mask, check=False)  # checked above without a sync
        if loss_fn is not None:
            counted = (mask != ignore_index).sum() if ignore_index is not None else mask.new_full((), mask.numel())
            totals += torch.stack([loss_fn(logits, mask).double() * counted, counted.double()])
    model.train(was_training)
    if reduce_sum is not None:
        confusion.matrix = reduce_sum(confusion.matrix.to(device))
        totals = reduce_sum(totals)
    loss_sum, pixels = totals.tolist()
    loss = loss_sum / max(pixels, 1) if loss_fn is not None else None
    return EvalResult(loss=loss, scores=confusion.compute(), matrix=confusion.matrix.cpu())


class Trainer:
    """Runs epochs of optimisation and validation; knows nothing about files or printing.

    A training step never reads a value back from the device (on a GPU the host would wait
    for the queued work): the loss sum and the training confusion matrix accumulate on the
    device and are read every `read_every` steps (default 50 on a GPU, 1 on the CPU, where
    reading costs nothing) and at the end of each epoch, where a NaN or
    infinite loss stops the run. Mask labels are checked by asynchronous device asserts.

    `feed` (a `DeviceFeed`) brings each batch to the device: it normalises uint8 batches there
    and applies device-side flips and crops. With `compile_mode`, the model is compiled before
    `wrap` (DDP) sees it, and validation calls the compiled scored model.

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
        sync_buffers: Callable[[nn.Module], None] | None = None,
        ema_decay: float | None = None,
        read_every: int | None = None,
        task: Task = MultiClass(),
        feed: DeviceFeed | None = None,
        compile_mode: str | None = None,
    ) -> None:
        self.device = torch.device(device)
        self.model = model.to(self.device)
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        # with `ema_decay`, an exponential moving average of the weights, updated every step
        self.average = weight_average(self.model, ema_decay) if ema_decay is not None else None
        self.loss_fn = loss_fn.to(self.device)  # its class weights too
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.task = task
        self.precision = precision or resolve_precision("fp32", self.device)
        self.grad_clip = grad_clip
        self.channels_last = channels_last
        self.callbacks = list(callbacks)
        self.feed = feed or DeviceFeed(self.device, channels_last)
        # the first calls of a compiled model pay its compile time (once for training, once for eval)
        self.compile_mode = compile_mode
        compiled = self._compiled(self.model)
        # the training step calls `network` (e.g. DDP around `model`); checkpoints save `model`
        self.network = wrap(compiled) if wrap is not None else compiled
        self.scored_network = compiled if self.average is None else self._compiled(self.average.module)
        self.reduce_sum = reduce_sum
        self.sync_buffers = sync_buffers  # distributed: make BatchNorm statistics equal on every process
        # on the CPU a read costs nothing, so the loss shows (and a NaN stops the run) at once
        self.read_every = read_every or (1 if self.device.type == "cpu" else 50)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision.needs_grad_scaler)
        self.epoch = 0
        self.epochs = 0  # the planned last epoch, set by `fit`
        self.step = 0  # steps of the current epoch
        self.history: list[dict[str, float]] = []
        self.train_confusion = task.confusion(num_classes, ignore_index)
        self.running_loss = math.nan  # mean training loss of this epoch at the last read
        self.running_miou = math.nan  # training mIoU of this epoch at the last read
        self._loss_sum = torch.zeros((), device=self.device)
        self.data_wait = 0.0  # seconds spent waiting for batches in the current epoch
        self.should_stop = False  # a callback (early stopping) ends the run after this epoch

    def fit(self, train_loader: DataLoader, val_loader: DataLoader | None, epochs: int) -> list[dict[str, float]]:
        """Train up to `epochs` (counting epochs already done) and return the history rows.
        A callback may move `self.epochs` while the run goes (a time budget's re-plan)."""
        self.epochs = epochs
        self._emit("on_fit_start")
        while self.epoch < self.epochs:
            self.epoch += 1
            started = time.perf_counter()
            self._emit("on_epoch_start", len(train_loader))
            train_loss = self.train_one_epoch(train_loader)
            if self.reduce_sum is not None:
                self.train_confusion.matrix = self.reduce_sum(self.train_confusion.matrix)
            row = {
                "epoch": self.epoch,
                "train_loss": train_loss,
                "train_miou": self.train_confusion.compute().mean_iou,
                "lr": self.optimizer.param_groups[0]["lr"],
            }
            if self.sync_buffers is not None:  # before validating and saving: one model on every process
                self.sync_buffers(self.model)
                if self.average is not None:
                    self.sync_buffers(self.average.module)
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
            if self.any_process(self.should_stop):
                break
        self._emit("on_fit_end")
        return self.history

    def any_process(self, flag: bool) -> bool:
        """`flag` or'ed over the processes, the same on each: a decision such as stopping (a time
        budget reads each process's own clock) must not split them, or those that go on would
        wait forever for the others in the next collective."""
        if self.reduce_sum is None:
            return flag
        return bool(self.reduce_sum(torch.tensor([float(flag)])).item() > 0)

    def train_one_epoch(self, loader: DataLoader) -> float:
        """One pass over `loader`; returns the mean loss over batches (over all processes)."""
        self.model.train()
        self.train_confusion.reset()
        self._loss_sum = torch.zeros((), device=self.device)
        self.running_loss = self.running_miou = math.nan
        self.data_wait = 0.0
        self.step = 0
        waited = time.perf_counter()
        for image, mask in self.feed.batches(loader, training=True, epoch=self.epoch):
            assert_mask_labels(mask, self.task.label_count(self.num_classes), self.ignore_index)
            self.data_wait += time.perf_counter() - waited
            self.train_step(image, mask)
            self.step += 1
            if self.step % self.read_every == 0:
                self.read_running()
            self._emit("on_train_batch_end")
            waited = time.perf_counter()
        return self.read_running()

    def read_running(self) -> float:
        """Read the epoch's loss so far from the device (summed over processes): sets
        `running_loss` and `running_miou` and returns the mean loss per step.

        Raises:
            TrainingError: a loss since the start of the epoch was NaN or infinite.
        """
        totals = torch.stack([self._loss_sum.double(), self._loss_sum.new_full((), self.step).double()])
        if self.reduce_sum is not None:
            totals = self.reduce_sum(totals)
        loss_sum, steps = totals.tolist()
        if not math.isfinite(loss_sum):
            raise TrainingError(
                f"loss became {loss_sum} at epoch {self.epoch} (by step {self.step}); the last good checkpoint is "
                "kept. Try a lower --lr or --precision fp32"
            )
        self.running_loss = loss_sum / max(steps, 1)
        self.running_miou = self.train_confusion.compute().mean_iou
        return self.running_loss

    def train_step(self, image: Tensor, mask: Tensor) -> Tensor:
        """Forward, loss in float32, backward, clip, step; returns the loss, left on the device."""
        begin_step(self.compile_mode)
        self.optimizer.zero_grad(set_to_none=True)
        with self.precision.autocast():
            logits = self.network(image)
        logits = logits.float()
        loss = self.loss_fn(logits, mask)
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
        self.train_confusion.update(self.task.labels(logits.detach()), mask, check=False)
        loss = loss.detach()
        self._loss_sum += loss  # a NaN or infinity stays in the sum, and stops the run at the next read
        return loss

    @property
    def scored_model(self) -> nn.Module:
        """The weights validation scores and checkpoints hold: the average when there is one."""
        return self.average.module if self.average is not None else self.model

    def _compiled(self, module: nn.Module) -> nn.Module:
        return compile_model(module, self.compile_mode, self.device) if self.compile_mode is not None else module

    def validate(self, loader: DataLoader) -> EvalResult:
        self._emit("on_validation_start", len(loader))
        return evaluate(
            self.scored_network,
            self._emitting(loader, "on_validation_batch_end"),
            self.num_classes,
            self.ignore_index,
            loss_fn=self.loss_fn,
            device=self.device,
            precision=self.precision,
            channels_last=self.channels_last,
            reduce_sum=self.reduce_sum,
            task=self.task,
            feed=self.feed,
            compile_mode=self.compile_mode,
        )

    def _emitting(self, batches: Iterable[Any], event: str) -> Iterator[Any]:
        """`batches`, emitting `event` after each one is used."""
        for batch in batches:
            yield batch
            self._emit(event)

    def _emit(self, event: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(self, *args)
