"""Measure a few training steps to predict epoch time and memory (`--dry-run`, `--time-budget`)."""

from __future__ import annotations

import copy
import resource
import time
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader

from seglab.runtime import Precision


@dataclass(frozen=True)
class Estimate:
    step_seconds: float  # one optimisation step, after warm-up
    train_steps: int  # per epoch
    val_seconds: float  # one full validation pass
    peak_memory_mb: float  # CUDA: peak allocated; CPU: peak resident size of the process

    @property
    def epoch_seconds(self) -> float:
        return self.step_seconds * self.train_steps + self.val_seconds


def estimate_epoch(
    model: nn.Module,
    loss_fn: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader | None,
    device: torch.device,
    precision: Precision,
    channels_last: bool = True,
    steps: int = 3,
) -> Estimate:
    """Time `steps` training steps (after one warm-up) on a copy of the model.

    The copy and a zero-learning-rate optimizer leave the real model untouched, and the RNG
    state is restored afterwards, so a run that estimates first trains exactly like one that
    does not.
    """
    rng = torch.get_rng_state()
    probe = copy.deepcopy(model).to(device).train()
    if channels_last:
        probe = probe.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(probe.parameters(), lr=0.0)
    batch = next(iter(train_loader))
    image, mask = batch["image"].to(device), batch["mask"].to(device)
    if channels_last:
        image = image.contiguous(memory_format=torch.channels_last)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            logits = probe(image)
        loss_fn(logits.float(), mask).backward()
        optimizer.step()

    step()  # warm-up: allocator, kernels, lazy init
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    step_seconds = (time.perf_counter() - started) / steps

    val_seconds = 0.0
    if val_loader is not None and len(val_loader):
        probe.eval()
        with torch.no_grad(), precision.autocast():
            started = time.perf_counter()
            probe(image)
            val_seconds = (time.perf_counter() - started) * len(val_loader) * val_loader.batch_size / len(image)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    torch.set_rng_state(rng)
    return Estimate(step_seconds=step_seconds, train_steps=len(train_loader), val_seconds=val_seconds,
                    peak_memory_mb=peak)
