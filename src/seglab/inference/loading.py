"""One way in for every command that predicts (predict, evaluate, serve): a run folder, several
run folders (an ensemble) or an exported `model.onnx`, with the device and precision resolved
once, here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import torch

from seglab.errors import ConfigError
from seglab.inference.ensemble import EnsemblePredictor
from seglab.inference.predictor import InferenceOptions, Predictor, Segmenter, adapt_threads
from seglab.runtime import Precision, resolve_device, resolve_precision

log = logging.getLogger(__name__)

Source = str | Path


def resolve_placement(device: str | torch.device = "auto", precision: str | Precision = "fp32"
                      ) -> tuple[torch.device, Precision]:
    """`--device` and `--precision` as the objects prediction runs with (auto -> what this machine has)."""
    target = resolve_device(device)
    return target, precision if isinstance(precision, Precision) else resolve_precision(precision, target)


def load_segmenter(
    source: Source | Sequence[Source],
    device: str | torch.device = "auto",
    precision: str | Precision = "fp32",
    options: InferenceOptions | None = None,
    checkpoint: str = "best",
) -> Segmenter:
    """A `Predictor` for a run folder (its CPU threads adapting to the load, `adapt_threads`), an
    `EnsemblePredictor` averaging several, an `OnnxPredictor` for an exported `model.onnx`.

    `checkpoint` "last" loads the final weights instead of the best epoch's. Tiling, TTA and
    post-processing (`options`) apply to every member of an ensemble; post-processing once, to
    its mask.

    Raises:
        CheckpointError: a source is neither a finished run folder nor an exported model.
        ConfigError: an exported model with options only a run folder has (TTA, post-processing,
            compilation, another checkpoint, a precision other than fp32, an ensemble); it ignores a tile size.
    """
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    exported = [Path(s) for s in sources if Path(s).suffix.lower() == ".onnx"]
    if exported:
        return _load_exported(exported[0], len(sources), precision, options, checkpoint)
    target, resolved = resolve_placement(device, precision)
    if len(sources) == 1:  # its compute threads follow the machine's load
        return adapt_threads(Predictor.from_run(sources[0], target, checkpoint, options, resolved))
    return EnsemblePredictor.from_runs(sources, target, checkpoint, options, resolved)


def _load_exported(path: Path, count: int, precision: str | Precision, options: InferenceOptions | None,
                   checkpoint: str) -> Segmenter:
    """onnxruntime runs the model as exported: the whole image, in its own precision."""
    from seglab.inference.onnx_predictor import OnnxPredictor

    options = options or InferenceOptions()
    name = precision.name if isinstance(precision, Precision) else precision
    refused = {
        "--ensemble": count > 1, "--checkpoint": checkpoint != "best", f"--precision {name}": name != "fp32",
        "--tta": options.tta, "--min-component/--keep-largest": options.postprocess.active,
        "--compile": options.compile_mode is not None,
    }
    named = [flag for flag, given in refused.items() if given]
    if named:
        raise ConfigError(f"{', '.join(named)} need{'s' if len(named) == 1 else ''} a run folder; '{path}' is an exported model, which onnxruntime "
                          "runs whole and in the precision it was exported in")
    if options.tile is not None:  # seglab serve's memory bound by default, so said, not refused
        log.info("'%s' is an exported model: it predicts whole images, --tile applies to run folders", path)
    return OnnxPredictor.from_file(path)
