"""TorchScript export by tracing, with dynamic batch and spatial size, and a runner for it.

Tracing records the U-Net's pad-to-skip step for the sample's sizes only; as for ONNX,
`trace_sample` gives a size that is odd at every level, so the traced padding is computed from
the input's sizes and the module works at any size (the parity check confirms it).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

Runner = Callable[[np.ndarray], np.ndarray]


def export_torchscript(model: nn.Module, path: Path, sample: Tensor) -> None:
    """Trace `model` on `sample` and save the TorchScript module to `path`."""
    with warnings.catch_warnings():
        # the tracer warns about every Python branch on a size (the input checks, the padding
        # test) and torch.jit about its own deprecation; the parity check is the real test
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", FutureWarning)
        with torch.no_grad():
            traced = torch.jit.trace(model, sample, check_trace=False)
        torch.jit.save(traced, str(path))


def load_torchscript(path: Path) -> Runner:
    """The saved module on the CPU, as a function from an input batch to logits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        module = torch.jit.load(str(path), map_location="cpu").eval()

    def run(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))).numpy()

    return run
