"""Export a trained model to a deployable file, write its metadata, and check its parity.

Example:
    >>> result = export_run("runs/demo", "onnx")  # doctest: +SKIP
    >>> result.model_path, result.worst  # doctest: +SKIP
    (PosixPath('runs/demo/export/model.onnx'), 8.9e-08)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from seglab.errors import ConfigError
from seglab.export.formats import FORMATS
from seglab.export.parity import PARITY_TOLERANCE, ParityError, ParityResult, check_parity, default_sizes
from seglab.runs.card import ModelCard
from seglab.runs.checkpoint import load_checkpoint
from seglab.runs.exported import ExportMetadata, smallest_input, write_metadata
from seglab.runs.input_naming import InputNaming
from seglab.runs.run_folder import RunFolder

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ExportResult:
    model_path: Path
    metadata_path: Path
    parity: list[ParityResult]

    @property
    def worst(self) -> float:
        """The largest absolute difference over all parity checks."""
        return max(r.max_abs_diff for r in self.parity)


def trace_sample(model: nn.Module, in_channels: int) -> Tensor:
    """Two images of (2^n - 1) x (2^n + 1): at every level of a U-Net one side is odd.

    Exporters record the decoder's pad-to-skip branch for the sample's sizes only. Halving with
    floor (max-pooling) keeps 2^n - 1 odd at every level, halving with ceil (strided convs, as
    in ResNet encoders) keeps 2^n + 1 odd; so the upsampled map never matches its skip and the
    padding or cropping, computed from the symbolic sizes, goes into the graph. n is at least 7
    (six levels) and two more than the model's `min_size` needs. Two images, not one, because
    torch.export treats a size of 1 as a constant.
    """
    n = max(7, smallest_input(model).bit_length() + 2)
    generator = torch.Generator().manual_seed(0)
    return torch.randn(2, in_channels, 2**n - 1, 2**n + 1, generator=generator)


def export_model(
    model: nn.Module,
    card: ModelCard,
    out_dir: str | Path,
    format: str = "onnx",
    sizes: Sequence[tuple[int, int]] | None = None,
    naming: InputNaming = InputNaming(),
) -> ExportResult:
    """Export `model` into `out_dir`, check it against PyTorch, and write the JSON beside it.

    Args:
        model: the trained network (moved to the CPU and switched to eval mode here).
        card: its model card; it goes into the JSON so the file can be used without a run folder.
        out_dir: folder for `model.onnx` + `model.json` (or `model.torchscript.pt` + `.json`).
        format: a name from `FORMATS` ("onnx", "torchscript").
        sizes: (H, W) input sizes for the parity check; default three sizes around the card's size.
        naming: how its run named its inputs, which `seglab predict` applies to a folder.

    Raises:
        UnknownNameError: unknown format (the message lists the formats).
        ConfigError: a parity size below the model's smallest input.
        ParityError: a difference above 1e-4; the files stay on disk for inspection.
    """
    spec = FORMATS.get(format)
    model = model.cpu().eval()
    min_size = smallest_input(model)
    sizes = list(sizes or default_sizes(card.size, min_size))
    too_small = [f"{h}x{w}" for h, w in sizes if min(h, w) < min_size]
    if too_small:
        raise ConfigError(f"parity sizes {', '.join(too_small)} are too small: this model needs H and W of at "
                          f"least {min_size}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / spec.file_name
    spec.export(model, model_path, trace_sample(model, card.in_channels))
    parity = check_parity(model, spec.load(model_path), sizes, card.in_channels)
    metadata = ExportMetadata(card=card, format=format, model_file=model_path.name, min_size=min_size,
                              parity=[r.to_dict() for r in parity], naming=naming)
    metadata_path = write_metadata(model_path, metadata)
    result = ExportResult(model_path, metadata_path, parity)
    log.debug("exported %s; parity max |diff| %.2e", model_path, result.worst)
    if result.worst >= PARITY_TOLERANCE:
        raise ParityError(
            f"'{model_path}' differs from the PyTorch model by up to {result.worst:.3g} "
            f"(tolerance {PARITY_TOLERANCE:g}); do not deploy it"
        )
    return result


def export_run(
    run: str | Path,
    format: str = "onnx",
    out_dir: str | Path | None = None,
    sizes: Sequence[tuple[int, int]] | None = None,
    checkpoint: str = "best",
) -> ExportResult:
    """Export the best (or `last`) checkpoint of a run folder into `out_dir` (default RUN/export),
    with the run's input naming (`InputNaming.of_run`), so that predicting with the file lists a
    folder's inputs as predicting with the run does.

    Raises:
        CheckpointError: not a finished run folder.
        ConfigError, ParityError: as `export_model`.
    """
    folder = RunFolder.open(run)
    loaded = load_checkpoint(folder.best if checkpoint == "best" else folder.last)
    return export_model(loaded.load_model("cpu"), loaded.card, out_dir or folder.root / "export", format, sizes,
                        InputNaming.of_run(folder))
