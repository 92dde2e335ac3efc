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
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

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
        """Sum over processes (identity in a single process)."""
        if not self.enabled:
            return tensor
        total = tensor.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

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


def init_distributed(device: torch.device) -> DistributedContext:
    """Join the process group torchrun prepared (NCCL on CUDA, gloo on CPU)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedContext()
    context = DistributedContext(int(os.environ["RANK"]), world_size, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(context.local_rank)
        dist.init_process_group(backend=backend)
    return context


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
