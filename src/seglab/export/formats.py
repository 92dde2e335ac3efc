"""The export formats by name: file suffix, exporter, and a runner to check the file with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch import Tensor, nn

from seglab.export.onnx import export_onnx, load_onnx
from seglab.export.torchscript import export_torchscript, load_torchscript
from seglab.registry import Registry


@dataclass(frozen=True)
class ExportFormat:
    """How one format is written (`export(model, path, sample)`) and run back (`load(path)`)."""

    file_name: str
    export: Callable[[nn.Module, Path, Tensor], None]
    load: Callable[[Path], Callable[[np.ndarray], np.ndarray]]


FORMATS: Registry[ExportFormat] = Registry("export format")
FORMATS.register("onnx")(ExportFormat("model.onnx", export_onnx, load_onnx))
# its own stem, so that its JSON does not overwrite the ONNX model's in a shared folder
FORMATS.register("torchscript")(ExportFormat("model.torchscript.pt", export_torchscript, load_torchscript))
