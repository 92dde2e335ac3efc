"""Predict NIfTI volumes and DICOM series slice by slice and write one label volume each.

Slices are cut exactly as the "volumes" dataset format cut the training slices (RAS order,
the run's `data.slice_axis`), and the labels are written back in the input's own voxel order
with its affine and header, so they overlay the input in any viewer.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.loading.transforms import stands_in
from seglab.data.layouts.volume_format import modality_cases, volume_cases
from seglab.data.files.metaimage import is_metaimage, is_nrrd
from seglab.data.classes import ClassSpec
from seglab.data.files.volumes import cut, read_volume, slice_axis, write_label_volume
from seglab.errors import ConfigError, DataError
from seglab.inference.bad_inputs import BadInputs
from seglab.inference.files import output_names, write_overlay
from seglab.inference.predictor import Segmenter
from seglab.progress import progress_bar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrittenVolume:
    source: Path
    mask: Path  # <name>_mask.nii.gz (.mha, .nrrd for such inputs): labels on the input's grid
    overlay: Path  # <name>_overlay.png: the middle slice with its labels


def predict_volumes(
    predictor: Segmenter, sources: Sequence[Path], out_dir: str | Path, axis: str = "axial",
    names: Mapping[Path, str] | None = None, progress: bool = True, bad: BadInputs | None = None,
    values: np.ndarray | None = None,
) -> list[WrittenVolume]:
    """For each case of the volume files and DICOM series folders write `<name>_mask.nii.gz` (or
    `.mha`, `.nrrd`, as its input) and
    `<name>_overlay.png` into `out_dir`, predicting its slices across `axis`. A case is a volume,
    or the channel files of one (nnU-Net's `case_0000`, `case_0001`; a BraTS subject's
    modalities, for a model of that many channels: `volume_format.volume_cases`; the
    `<case>__<MODALITY>` volumes of the modalities the model was trained on, the others left out:
    `volume_format.modality_cases`), named by its case; a volume alone keeps the name `names`
    (default `output_names(sources)`) gives it; `progress` shows a bar over the cases; with `values`
    (each class's raw mask value: `raw_values.raw_values`) the label volume holds those. A case that
    cannot be read or predicted stops it, or is recorded in `bad` and passed over where that skips
    them (`BadInputs`).

    Raises:
        DataError: a volume that cannot be read, or whose channels the model cannot take, or a case
            lacking a modality the model was trained on (named).
        ConfigError: an unknown axis, or a multi-label model (label volumes hold one class per voxel).
    """
    if predictor.task.name == "multilabel":
        raise ConfigError("volume prediction writes one label per voxel; a multi-label model predicts 2-D images only")
    bad = bad or BadInputs()
    out = Path(out_dir)
    names = names or output_names(sources)
    across = slice_axis(axis)
    by_modality, others = modality_cases(sources, predictor.modalities)
    cases = [*by_modality, *volume_cases(others, predictor.in_channels)]
    named_by_case = {files[0] for _, files in cases if len(files) > 1} | {files[0] for _, files in by_modality}
    taken = Counter(case for case, files in cases if files[0] in named_by_case)
    written = []
    for case, files in progress_bar(cases, desc="predict", unit="volume", enabled=progress):
        with bad.guard(files[0]):
            source = files[0]
            name = names[source] if source not in named_by_case else case if taken[case] == 1 \
                else f"{source.parent.name}/{case}"
            volume = read_volume(files)
            given = volume.voxels.shape[3]
            if not stands_in(given, predictor.in_channels):
                raise DataError(f"volume {', '.join(repr(str(f)) for f in files)} gives {given} channel(s) but "
                                f"the model expects {predictor.in_channels}, the modalities it was trained on: give "
                                "a case's modalities together (nnU-Net's case_0000, case_0001, ... files, a subject "
                                "folder's volumes, or one 4-D NIfTI)")
            labels = predict_slices(predictor, volume.voxels, across)
            base = out / name
            base.parent.mkdir(parents=True, exist_ok=True)
            mask_path, overlay_path = base.with_name(f"{base.name}_mask{_mask_suffix(source)}"), \
                base.with_name(f"{base.name}_overlay.png")
            write_label_volume(mask_path, labels if values is None else values[labels], volume)
            write_middle_overlay(overlay_path, volume.voxels, labels, across, predictor.classes)
            written.append(WrittenVolume(source, mask_path, overlay_path))
            log.debug("%s -> %s (%d %s slices)", source, mask_path, labels.shape[across], axis)
    return written


def predict_slices(predictor: Segmenter, voxels: np.ndarray, across: int) -> np.ndarray:
    """Labels of `voxels` (X, Y, Z, C), predicted slice by slice across axis `across`: (X, Y, Z).
    A TIFF stack's pages (N, H, W, C) are slices across axis 0 (`stacks.predict_stacks`)."""
    return np.stack([predictor.predict(cut(voxels, across, i)).mask for i in range(voxels.shape[across])],
                    axis=across)


def write_middle_overlay(path: Path, voxels: np.ndarray, labels: np.ndarray, across: int, classes: ClassSpec) -> None:
    """`<name>_overlay.png` of a predicted volume or stack: its middle slice across `across` with its labels."""
    middle = labels.shape[across] // 2
    write_overlay(path, cut(voxels, across, middle), cut(labels, across, middle), classes)


def _mask_suffix(source: Path) -> str:
    """The predicted mask's format, the input's: `.mha` for MetaImage (grand-challenge takes it),
    `.nrrd` for NRRD (3D Slicer), else NIfTI."""
    return ".mha" if is_metaimage(source) else ".nrrd" if is_nrrd(source) else ".nii.gz"
