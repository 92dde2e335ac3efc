"""torch.compile for training and prediction: one place that knows the modes and what they need.

Compiling costs seconds to minutes once (13-45 s for a small U-Net on a 2-core CPU, a few
seconds when inductor's on-disk cache already holds the kernels) and then fuses the network's
elementwise work into fewer kernels; `reduce-overhead` adds CUDA graphs, which take away the
per-kernel launch cost that leaves a GPU idle on small and medium U-Nets.
"""

from __future__ import annotations

import shutil

import torch
from torch import nn

from seglab.errors import ConfigError

COMPILE_MODES = ("default", "reduce-overhead", "max-autotune")


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


def compile_model(model: nn.Module, mode: str, device: torch.device) -> nn.Module:
    """`model` compiled by inductor in `mode` (lazily: the first call pays the compile time).
    The returned module shares `model`'s parameters and buffers, so training it trains `model`.

    Raises:
        ConfigError: an unknown mode, or a CPU device without a C++ compiler (inductor would
            fail at the first step with a long traceback).
    """
    check_compile_mode(mode)
    if device.type == "cpu" and cpu_compiler() is None:
        raise ConfigError("--compile on the CPU needs a C++ compiler for inductor's kernels (g++, or the one $CXX "
                          "names); install one (e.g. apt-get install g++) or leave --compile out")
    return torch.compile(model, mode=mode)


def keeps_thread_count(mode: str | None, device: torch.device) -> bool:
    """Whether compiled code needs the CPU thread count left as it is: inductor builds its CPU
    kernels for torch's thread count and guards on it, so every change recompiles (22 s for
    unet_small on the 2-core test machine, at each count the thread tuner would try)."""
    return mode is not None and device.type == "cpu"


def begin_step(mode: str | None) -> None:
    """Call at the start of every training step: under CUDA graphs (reduce-overhead) it tells
    torch that the previous step's outputs may now be overwritten by the next replay."""
    if mode == "reduce-overhead":
        torch.compiler.cudagraph_mark_step_begin()
