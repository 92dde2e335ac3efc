"""The JSON file beside an exported model: what it expects as input and what its outputs mean.

`model.onnx` (or `model.pt`) holds only the network; `model.json` next to it holds the model
card (classes and colours, in_channels, training size, mean/std), the run's input naming (how
`seglab predict` tells a folder's images from its masks: `input_naming.InputNaming`), the tensor
names, and the parity numbers measured at export. With both files a model can be used without seglab's run
folder or torch, from any language that reads JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seglab._version import __version__
from seglab.errors import CheckpointError
from seglab.runs.atomic import write_json
from seglab.runs.card import ModelCard
from seglab.runs.input_naming import InputNaming

METADATA_VERSION = 1
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
PREPROCESSING = (
    "image (H, W, C) -> match in_channels (grey repeated, RGB averaged to grey) -> if size is set, "
    "bilinear antialiased resize to size (H, W) -> float32 x / 255 (uint8), / 65535 (uint16), "
    "/ 1 (float) -> (x - mean) / std per channel -> NCHW"
)
POSTPROCESSING = (
    "logits (N, num_classes, h, w) -> bilinear resize (align_corners=False) back to the input size "
    "-> softmax over classes -> argmax = class index"
)
MULTILABEL_POSTPROCESSING = (
    "logits (N, num_classes, h, w) -> bilinear resize (align_corners=False) back to the input size "
    "-> sigmoid per class -> class k present where its probability > card.extra.thresholds[k] (0.5 if absent)"
)


def smallest_input(model: object) -> int:
    """The smallest height and width `model` accepts: its `min_size` (a U-Net: 2 ** poolings),
    1 for a network that records none."""
    return int(getattr(model, "min_size", 1))


@dataclass(frozen=True)
class ExportMetadata:
    """What `model.json` says about the exported model beside it."""

    card: ModelCard
    format: str
    model_file: str  # name of the model file, relative to the JSON file
    input_name: str = INPUT_NAME
    output_name: str = OUTPUT_NAME
    min_size: int = 1  # smallest H and W the network accepts (a U-Net: 2 ** poolings)
    parity: list[dict[str, Any]] = field(default_factory=list)
    naming: InputNaming = field(default_factory=InputNaming)  # absent from files exported before it: the defaults

    def to_dict(self) -> dict[str, Any]:
        return {
            "seglab_export": METADATA_VERSION,
            "seglab_version": __version__,
            "format": self.format,
            "model_file": self.model_file,
            "input": {"name": self.input_name, "layout": "NCHW float32, normalised",
                      "dynamic": ["batch", "height", "width"], "min_size": self.min_size},
            "output": {"name": self.output_name, "layout": "NCHW float32 logits"},
            "preprocessing": PREPROCESSING,
            "postprocessing": MULTILABEL_POSTPROCESSING if self.card.extra.get("task") == "multilabel"
            else POSTPROCESSING,
            "card": self.card.to_dict(),
            "naming": self.naming.to_dict(),
            "parity": self.parity,
        }


def metadata_path(model_path: str | Path) -> Path:
    """`dir/model.onnx` -> `dir/model.json`."""
    return Path(model_path).with_suffix(".json")


def write_metadata(model_path: str | Path, metadata: ExportMetadata) -> Path:
    """Write `metadata` as JSON beside `model_path` (atomically) and return the JSON's path."""
    path = metadata_path(model_path)
    write_json(path, metadata.to_dict())
    return path


def read_metadata(model_path: str | Path) -> ExportMetadata:
    """Read the JSON beside an exported model.

    Raises:
        CheckpointError: the model or its JSON is missing, or the JSON is not seglab's.
    """
    model_path = Path(model_path)
    path = metadata_path(model_path)
    if not model_path.is_file():
        raise CheckpointError(f"exported model '{model_path}' does not exist")
    if not path.is_file():
        raise CheckpointError(
            f"'{path.name}' is missing beside '{model_path}'; it holds the classes and normalisation "
            "(re-export with `seglab export RUN`)"
        )
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        version = values.get("seglab_export")
        if version != METADATA_VERSION:
            raise CheckpointError(
                f"'{path}' has export metadata version {version}, this seglab reads {METADATA_VERSION}"
            )
        return ExportMetadata(
            card=ModelCard.from_dict(values["card"]),
            format=str(values["format"]),
            model_file=str(values["model_file"]),
            input_name=str(values["input"]["name"]),
            output_name=str(values["output"]["name"]),
            min_size=int(values["input"].get("min_size", 1)),
            parity=list(values.get("parity", [])),
            naming=InputNaming.from_dict(values.get("naming", {})),
        )
    except (json.JSONDecodeError, RecursionError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"'{path}' is not seglab export metadata: {err!r}") from None
