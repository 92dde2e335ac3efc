"""Data-parallel training with torch.distributed: one process per device, launched by torchrun.

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK (and the rendezvous for several nodes); this module
reads them, joins the process group, shards the data and sums metrics across processes. A plain
`seglab train` (no torchrun) is a world of one and none of this does anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from seglab.errors import ConfigError


@dataclass(frozen=True)
class DistributedContext:
    """This process's place in the world, and the collectives training needs.

    Every collective runs on `collective_device`, the device the process group's backend
    handles: the process's GPU under NCCL (which accepts only CUDA tensors), the CPU under gloo.
    Tensors handed in elsewhere are copied there first, so callers need not know the backend.
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    collective_device: torch.device = torch.device("cpu")

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Only the main process writes the run folder and prints progress."""
        return self.rank == 0

    def device(self, requested: torch.device) -> torch.device:
        """Each process of a multi-GPU node takes the GPU of its local rank."""
        if self.enabled and requested.type == "cuda":
            return torch.device("cuda", self.local_rank)
        return requested

    def reduce_sum(self, tensor: Tensor) -> Tensor:
        """Sum over processes, returned on `collective_device` (identity in a single process)."""
        if not self.enabled:
            return tensor
        total = tensor.to(self.collective_device, copy=True)
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    def broadcast_int(self, value: int) -> int:
        """The main process's `value`, on every process (e.g. a plan only rank 0 may decide)."""
        if not self.enabled:
            return value
        shared = torch.tensor([value], dtype=torch.int64, device=self.collective_device)
        dist.broadcast(shared, src=0)
        return int(shared.item())

    @torch.no_grad()
    def sync_buffers(self, module: nn.Module) -> None:
        """Make `module`'s buffers (BatchNorm running statistics) the same on every process.

        DDP keeps parameters in step but not buffers: each process updates its running
        statistics from its own batches, so each would validate a slightly different model and
        the saved one (rank 0's) would score differently from what was logged. Floating-point
        buffers become their mean over processes (every process's batches count, as they would
        in one process with the global batch); integer ones (batch counters, equal anyway)
        are taken from the main process.
        """
        if not self.enabled:
            return
        buffers = list(module.buffers())
        for dtype in dict.fromkeys(b.dtype for b in buffers):
            group = [b for b in buffers if b.dtype == dtype]
            flat = torch.cat([b.reshape(-1) for b in group]).to(self.collective_device)
            if torch.is_floating_point(flat):
                dist.all_reduce(flat, op=dist.ReduceOp.SUM)
                flat /= self.world_size
            else:
                dist.broadcast(flat, src=0)
            offset = 0
            for b in group:
                b.copy_(flat[offset: offset + b.numel()].view_as(b))
                offset += b.numel()

    def shard(self, size: int) -> list[int]:
        """This process's share of `size` items (every item exactly once over all processes,
        unlike DistributedSampler, which pads with repeats that would skew validation scores)."""
        return list(range(self.rank, size, self.world_size))

    def wrap(self, model: nn.Module, device: torch.device, sync_batchnorm: bool) -> nn.Module:
        """The model as the training step should call it: DDP-wrapped when distributed."""
        if not self.enabled:
            return model
        if sync_batchnorm:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def check_sync_batchnorm(enabled: bool, device: torch.device) -> None:
    """SyncBatchNorm runs on CUDA only (torch raises a bare ValueError elsewhere, mid-training)."""
    if enabled and device.type != "cuda":
        raise ConfigError(f"--sync-batchnorm needs CUDA devices (this run is on {device.type}); leave it out: "
                          "BatchNorm statistics are still averaged over the processes before each validation")


def init_distributed(device: torch.device) -> DistributedContext:
    """Join the process group torchrun prepared: NCCL on CUDA (collectives on the process's GPU),
    gloo on CPU. A group for both ("cpu:gloo,cuda:nccl") is not needed: every collective runs
    on `collective_device`."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedContext()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    collective_device = torch.device("cuda", local_rank) if device.type == "cuda" else torch.device("cpu")
    if not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistributedContext(rank, world_size, local_rank, collective_device)


def per_process_batch(batch_size: int, context: DistributedContext) -> int:
    """`--batch-size` is the global batch: each process takes an equal share of it."""
    if batch_size % context.world_size:
        raise ConfigError(
            f"batch size {batch_size} does not split over {context.world_size} processes; "
            f"use a multiple of {context.world_size}"
        )
    return batch_size // context.world_size


def shutdown(context: DistributedContext) -> None:
    if context.enabled and dist.is_initialized():
        dist.destroy_process_group()
