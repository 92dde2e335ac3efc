"""Process-level choices: device and numeric precision (the allocator's is `seglab.allocator`)."""

from __future__ import annotations

import logging
import platform
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache

import torch

from seglab.errors import ConfigError

log = logging.getLogger(__name__)


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """`auto` picks CUDA when present; an explicit CUDA request without CUDA is an error. A
    device already resolved passes through the same check."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device '{name}'; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device '{name}' was asked for but CUDA is not available; use --device cpu")
    return device


def cpu_description() -> str:
    """The CPU's model name and its widest vector units, e.g. "AMD EPYC, AVX2": a CPU timing
    means little without them (AMX trains several times faster than AVX2 alone)."""
    try:
        info = open("/proc/cpuinfo").read()
    except OSError:
        info = ""
    model = re.search(r"^model name\s*:\s*(.+)$", info, re.MULTILINE)
    name = model.group(1).strip() if model else (platform.processor() or platform.machine())
    units = [label for flag, label in (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16"), ("avx512f", "AVX-512"),
                                       ("avx2", "AVX2")) if re.search(rf"\b{flag}\b", info)]
    return f"{name}, {units[0] if units else torch.backends.cpu.get_cpu_capability()}"


@cache
def cpu_has_fast_bf16() -> bool:
    """True when the CPU executes bf16 natively (AVX-512 BF16 or AMX), where bf16 pays off."""
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@dataclass(frozen=True)
class Precision:
    """Autocast settings for one device: `dtype` None means plain float32."""

    name: str
    device_type: str
    dtype: torch.dtype | None

    @property
    def needs_grad_scaler(self) -> bool:
        return self.dtype is torch.float16

    def autocast(self) -> AbstractContextManager[object]:
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_precision(name: str, device: torch.device) -> Precision:
    """Turn `--precision` into autocast settings.

    auto: bf16 on CUDA cards with bf16 units (compute capability 8.0, Ampere, and later), else
    fp16 with a grad scaler; bf16 on CPUs with native bf16, fp32 elsewhere. fp16 on CPU is
    refused: it is slow there and gains nothing. (torch.cuda.is_bf16_supported() also says yes
    to the slow emulated bf16 of older cards, such as a T4 or V100.)
    """
    if name not in PRECISIONS:
        raise ConfigError(f"unknown precision '{name}'; choose from {', '.join(PRECISIONS)}")
    cuda = device.type == "cuda"
    if name == "auto":
        if cuda:
            name = "bf16" if torch.cuda.get_device_capability(device) >= (8, 0) else "fp16"
        else:
            name = "bf16" if cpu_has_fast_bf16() else "fp32"
    if name == "fp16" and not cuda:
        raise ConfigError("precision fp16 needs a CUDA device; use bf16 or fp32 on CPU")
    dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[name]
    return Precision(name=name, device_type=device.type, dtype=dtype)


_STARTUP_THREADS = torch.get_num_threads()  # torch's own choice: one per physical core


def resolve_threads(requested: int | None, workers: int, device: torch.device) -> int | None:
    """Intra-op threads for the training process; None keeps the current setting.

    On CPU every DataLoader worker needs a core of its own (workers and compute threads on one
    core preempt each other), so by default one core per worker is left out of torch's
    one-thread-per-core start-up choice. Without workers, or on CUDA, nothing changes.
    """
    if requested is not None:
        if requested < 1:
            raise ConfigError(f"threads must be >= 1, got {requested}")
        return requested
    if device.type == "cuda" or workers == 0:
        return None
    return max(1, _STARTUP_THREADS - workers)


def timed(work: Callable[[], None], device: torch.device, repeats: int = 1) -> float:
    """Seconds `repeats` calls of `work` take, the device's queued work included (CUDA runs
    asynchronously: without the syncs a step would seem to take only its launch time)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    for _ in range(repeats):
        work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started
