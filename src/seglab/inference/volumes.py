"""Predict NIfTI volumes and DICOM series slice by slice and write one label volume each.

Slices are cut exactly as the "volumes" dataset format cut the training slices (RAS order,
the run's `data.slice_axis`), and the labels are written back in the input's own voxel order
with its affine and header, so they overlay the input in any viewer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.volumes import cut, read_volume, slice_axis, write_label_volume
from seglab.errors import ConfigError
from seglab.inference.files import output_names, write_overlay
from seglab.inference.predictor import Segmenter
from seglab.progress import progress_bar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrittenVolume:
    source: Path
    mask: Path  # <name>_mask.nii.gz: labels on the input's grid
    overlay: Path  # <name>_overlay.png: the middle slice with its labels


def predict_volumes(
    predictor: Segmenter, sources: Sequence[Path], out_dir: str | Path, axis: str = "axial",
    names: Mapping[Path, str] | None = None, progress: bool = True,
) -> list[WrittenVolume]:
    """For each NIfTI file or DICOM series folder write `<name>_mask.nii.gz` and
    `<name>_overlay.png` into `out_dir`, predicting its slices across `axis`; the names are
    `output_names(sources)` unless given; `progress` shows a bar over the volumes.

    Raises:
        DataError: a volume that cannot be read (named).
        ConfigError: an unknown axis, or a multi-label model (label volumes hold one class per voxel).
    """
    if predictor.task.name == "multilabel":
        raise ConfigError("volume prediction writes one label per voxel; a multi-label model predicts 2-D images only")
    out = Path(out_dir)
    names = names or output_names(sources)
    across = slice_axis(axis)
    written = []
    for source in progress_bar(sources, desc="predict", unit="volume", enabled=progress):
        volume = read_volume([source])
        labels = np.zeros(volume.voxels.shape[:3], dtype=np.int64)
        for i in range(labels.shape[across]):
            where = [slice(None)] * 3
            where[across] = slice(i, i + 1)
            labels[tuple(where)] = np.expand_dims(predictor.predict(cut(volume.voxels, across, i)).mask, across)
        base = out / names[source]
        base.parent.mkdir(parents=True, exist_ok=True)
        mask_path, overlay_path = base.with_name(f"{base.name}_mask.nii.gz"), base.with_name(f"{base.name}_overlay.png")
        write_label_volume(mask_path, labels, volume)
        middle = labels.shape[across] // 2
        write_overlay(overlay_path, cut(volume.voxels, across, middle), cut(labels, across, middle),
                      predictor.classes)
        written.append(WrittenVolume(source, mask_path, overlay_path))
        log.debug("%s -> %s (%d %s slices)", source, mask_path, labels.shape[across], axis)
    return written
