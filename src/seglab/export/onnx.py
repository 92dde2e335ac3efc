"""ONNX export with dynamic batch, height and width, and an onnxruntime runner for it.

Uses the torch.export-based exporter (`dynamo=True`). The U-Net pads each upsampled map to
its skip's size only when the sizes differ, a Python branch that export records once for the
sample it sees; `trace_sample` therefore picks a size that is odd at every level, so the
padding (computed from the symbolic sizes) is in the graph and is zero where nothing is missing.
"""

from __future__ import annotations

import importlib.util
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from seglab.errors import SeglabError
from seglab.inference.onnx_predictor import onnx_session
from seglab.runs.exported import INPUT_NAME, OUTPUT_NAME, smallest_input

Runner = Callable[[np.ndarray], np.ndarray]
TESTED_TORCH = "2.14.1"  # the torch that constraints.txt pins and CI exports with


def export_onnx(model: nn.Module, path: Path, sample: Tensor) -> None:
    """Write `model` as a single-file ONNX graph with inputs `image` and outputs `logits`.

    Shape: image (batch, C, height, width) float32 -> logits (batch, K, height, width); the
    three named axes are dynamic.
    """
    if importlib.util.find_spec("onnxscript") is None:  # torch's exporter writes graphs with it
        raise SeglabError("ONNX export needs onnx and onnxscript: pip install 'seglab[export]'")
    dim, smallest = torch.export.Dim, smallest_input(model)
    # the sides' lower bound is the model's: older exporters (torch 2.11) refuse a range whose
    # small sizes the network's own guards (H, W >= min_size) rule out
    axes = {0: dim("batch"), 2: dim("height", min=smallest), 3: dim("width", min=smallest)}
    try:
        torch.onnx.export(
            model, (sample,), str(path), dynamo=True, verbose=False, external_data=False,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], dynamic_shapes={INPUT_NAME: axes},
            custom_translation_table={operator.floordiv: _floor_divide},
        )
    except Exception as error:  # torch.export's errors share no public base class across versions
        raise SeglabError(
            f"ONNX export failed under torch {torch.__version__}: {_root_cause(error)}\n"
            f"seglab's ONNX export is tested with torch {TESTED_TORCH} (constraints.txt; docs/deployment.md lists "
            "the versions known to fail): install that one, or export with --format torchscript"
        ) from error


def _root_cause(error: BaseException) -> str:
    """The first line of the innermost exception: the exporter wraps the real reason in layers
    of advice."""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _floor_divide(numerator: Any, denominator: Any) -> Any:
    """Python's `//` on symbolic sizes, rounding down as Python does.

    The exporter writes `a // b` as ONNX Div, which truncates toward zero, so `-1 // 2` becomes
    0 instead of -1 and a decoder that crops an upsampled map one pixel too large (ResNet
    encoders, odd sizes) crops the wrong side. ONNX Mod on integers takes the divisor's sign
    like Python's `%`, so `(a - a % b) / b` is exact.
    """
    from onnxscript import opset18 as op

    return op.Div(op.Sub(numerator, op.Mod(numerator, denominator)), denominator)


def load_onnx(path: Path) -> Runner:
    """An onnxruntime session on the CPU, as a function from an input batch to logits.

    Raises:
        SeglabError: onnxruntime is not installed.
        CheckpointError: the file is not a loadable ONNX model.
    """
    session = onnx_session(path)
    output = session.get_outputs()[0].name
    name = session.get_inputs()[0].name
    return lambda batch: session.run([output], {name: np.ascontiguousarray(batch, dtype=np.float32)})[0]
