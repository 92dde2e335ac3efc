"""Measure a few training steps to predict epoch time and memory (`--dry-run`, `--time-budget`)."""

from __future__ import annotations

import copy
import resource
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader

from seglab.compilation import begin_step, compile_model, uses_cuda_graphs
from seglab.engine.feeding import DeviceFeed
from seglab.runtime import Precision, timed


@dataclass(frozen=True)
class Estimate:
    step_seconds: float  # one optimisation step, after warm-up
    train_steps: int  # per epoch
    val_seconds: float  # one full validation pass
    peak_memory_mb: float  # CUDA: peak allocated; CPU: peak resident size of the process
    one_time_seconds: float = 0.0  # paid once per run: the first steps' extra time (compilation, warm-up)

    @property
    def epoch_seconds(self) -> float:
        return self.step_seconds * self.train_steps + self.val_seconds

    def epochs_within(self, budget: float) -> int:
        """Whole epochs that fit in `budget` seconds after the one-time cost (0 when none does)."""
        return max(int((budget - self.one_time_seconds) // self.epoch_seconds), 0)


def estimate_epoch(
    model: nn.Module,
    loss_fn: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader | None,
    device: torch.device,
    precision: Precision,
    feed: DeviceFeed | None = None,
    compile_mode: str | None = None,
    steps: int = 3,
) -> Estimate:
    """Time `steps` training steps (after the warm-up calls) on a copy of the model, compiled in
    `compile_mode` when given, with batches brought to the device by `feed` (default: float
    batches, channels_last).

    The first training step and the first validation forward pass cost more than the later
    ones (allocator and kernel warm-up; with compilation, the compile time of the training and
    the validation graphs; under CUDA graphs, the first two calls run a warm-up and a recording
    before replays start): that extra time is `one_time_seconds`, paid once per run, not per
    epoch. The copy and a zero-learning-rate optimizer leave the real model untouched, and the
    random states (the host's, the device's and the loader's shuffling) are restored afterwards,
    so a run that estimates first trains exactly like one that does not.
    """
    devices = [device] if device.type == "cuda" else []
    shuffling = getattr(train_loader, "generator", None)
    shuffled = shuffling.get_state() if isinstance(shuffling, torch.Generator) else None
    with torch.random.fork_rng(devices):
        estimate = _measure(model, loss_fn, train_loader, val_loader, device, precision,
                            feed or DeviceFeed(device, channels_last=True), compile_mode, steps)
    if shuffled is not None:
        shuffling.set_state(shuffled)
    return estimate


def _measure(model: nn.Module, loss_fn: nn.Module, train_loader: DataLoader, val_loader: DataLoader | None,
             device: torch.device, precision: Precision, feed: DeviceFeed, compile_mode: str | None,
             steps: int) -> Estimate:
    """`estimate_epoch`'s timing, which moves the random states it restores."""
    warm_calls = 3 if uses_cuda_graphs(compile_mode) and device.type == "cuda" else 1
    probe = copy.deepcopy(model).to(device, memory_format=torch.channels_last).train()
    network = compile_model(probe, compile_mode, device) if compile_mode is not None else probe
    optimizer = torch.optim.SGD(probe.parameters(), lr=0.0)
    image, mask = feed(next(iter(train_loader)), training=True)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def step() -> None:
        begin_step(compile_mode)
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            logits = network(image)
        loss_fn(logits.float(), mask).backward()
        optimizer.step()

    first_steps = timed(step, device, warm_calls)  # warm-up: allocator, kernels, lazy init, compilation
    step_seconds = timed(step, device, steps) / steps
    one_time = max(first_steps - warm_calls * step_seconds, 0.0)

    val_seconds = 0.0
    if val_loader is not None and len(val_loader):
        probe.eval()

        def forward() -> None:
            begin_step(compile_mode)
            with torch.no_grad(), precision.autocast():
                network(image)

        first_forwards = timed(forward, device, warm_calls)  # compiles the evaluation graph
        forward_seconds = timed(forward, device)
        one_time += max(first_forwards - warm_calls * forward_seconds, 0.0)
        val_batch = getattr(val_loader, "batch_size", None) or len(image)
        val_seconds = forward_seconds * len(val_loader) * val_batch / len(image)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return Estimate(step_seconds=step_seconds, train_steps=len(train_loader), val_seconds=val_seconds,
                    peak_memory_mb=peak, one_time_seconds=one_time)
