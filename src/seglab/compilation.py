"""torch.compile for training and prediction: one place that knows the modes and what they need.

Compiling costs seconds to minutes once (13-45 s for a small U-Net on a 2-core CPU, a few
seconds when inductor's on-disk cache already holds the kernels) and then fuses the network's
elementwise work into fewer kernels; `reduce-overhead` adds CUDA graphs, which take away the
per-kernel launch cost that leaves a GPU idle on small and medium U-Nets.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import torch
from torch import nn

from seglab.errors import ConfigError

COMPILE_MODES = ("default", "reduce-overhead", "max-autotune")
CUDA_GRAPH_MODES = ("reduce-overhead", "max-autotune")  # inductor turns on CUDA graphs for both


def check_compile_mode(mode: str) -> str:
    """`mode` when torch.compile knows it.

    Raises:
        ConfigError: an unknown mode, with the known ones.
    """
    if mode not in COMPILE_MODES:
        raise ConfigError(f"unknown compile mode '{mode}'; choose from {', '.join(COMPILE_MODES)}")
    return mode


def cpu_compiler() -> str | None:
    """The C++ compiler inductor builds CPU kernels with (`$CXX`, else g++), or
    None when there is none on the PATH."""
    from torch._inductor import config as inductor_config

    names = [name for name in inductor_config.cpp.cxx if name] or ["g++"]
    return next((found for name in names if (found := shutil.which(name))), None)


def gpu_kernel_tools() -> list[str]:
    """What inductor's CUDA kernels need and this machine lacks: the triton package, and the C
    compiler triton builds its launchers with (`$CC`, else gcc or clang, as triton looks)."""
    missing = [] if importlib.util.find_spec("triton") is not None else ["the triton package"]
    if not (os.environ.get("CC") or shutil.which("gcc") or shutil.which("clang")):
        missing.append("a C compiler (gcc or clang, or the one $CC names)")
    return missing


def compile_model(model: nn.Module, mode: str, device: torch.device) -> nn.Module:
    """`model` compiled by inductor in `mode` (lazily: the first call pays the compile time).
    The returned module shares `model`'s parameters and buffers, so training it trains `model`.

    Raises:
        ConfigError: an unknown mode, or a machine without the compiler inductor needs for the
            device's kernels (inductor would fail at the first step with a long traceback).
    """
    check_compile_mode(mode)
    if device.type == "cpu" and cpu_compiler() is None:
        raise ConfigError("--compile on the CPU needs a C++ compiler for inductor's kernels (g++, or the one $CXX "
                          "names); install one (e.g. apt-get install g++) or leave --compile out")
    if device.type == "cuda" and (missing := gpu_kernel_tools()):
        raise ConfigError(f"--compile on CUDA needs {' and '.join(missing)} for inductor's GPU kernels; install "
                          "them (triton comes with Linux torch wheels; apt-get install gcc) or leave --compile out")
    return torch.compile(model, mode=mode)


def keeps_thread_count(mode: str | None, device: torch.device) -> bool:
    """Whether compiled code needs the CPU thread count left as it is: inductor builds its CPU
    kernels for torch's thread count and guards on it, so every change recompiles (22 s for
    unet_small on the 2-core test machine, at each count the thread tuner would try)."""
    return mode is not None and device.type == "cpu"


def uses_cuda_graphs(mode: str | None) -> bool:
    """Whether `mode` records CUDA graphs (on a CUDA device), which replay in a fixed memory pool."""
    return mode in CUDA_GRAPH_MODES


def begin_step(mode: str | None) -> None:
    """Call before each training step and each validation batch: under CUDA graphs it tells
    torch that the previous call's outputs may now be overwritten by the next replay. Once a
    training step has marked one, torch counts steps only by these marks, so validation
    batches that did not mark would all be one step, and their graphs would never replay."""
    if uses_cuda_graphs(mode):
        torch.compiler.cudagraph_mark_step_begin()
