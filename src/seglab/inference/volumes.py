"""Predict NIfTI volumes and DICOM series slice by slice and write one label volume each.

Slices are cut exactly as the "volumes" dataset format cut the training slices (RAS order,
the run's `data.slice_axis`), or a file is one colour picture stored channel-first where the
run's card records that training read its volumes so (`_colour_picture`), and the labels are
written back in the input's own voxel order with its affine and header, so they overlay the
input in any viewer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.loading.transforms import stands_in
from seglab.data.layouts.volume_format import modality_cases, modality_folder_cases, modality_folders, volume_cases
from seglab.data.layouts.volume_format.prediction_cases import Case
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_image_shape, h5_in_file_order
from seglab.data.files.metaimage import is_metaimage, is_nrrd
from seglab.data.classes import ClassSpec
from seglab.data.files.volumes import (
    Volume,
    cut,
    picture_grid,
    read_volume,
    slice_axis,
    write_label_volume,
)
from seglab.errors import DataError
from seglab.inference.bad_inputs import BadInputs
from seglab.inference.files import output_names, write_overlay
from seglab.inference.output_bases import OutputBases
from seglab.inference.predictor import Segmenter
from seglab.inference.region_labels import region_painting
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
    values: np.ndarray | None = None, bases: OutputBases | None = None,
    cases: Mapping[Path, tuple[str, tuple[Path, ...]]] | None = None,
) -> list[WrittenVolume]:
    """For each case of the volume files and DICOM series folders write `<name>_mask.nii.gz` (or
    `.mha`, `.nrrd`, as its input) and
    `<name>_overlay.png` into `out_dir`, predicting its slices across `axis`. A case is a volume,
    or the channel files of one (nnU-Net's `case_0000`, `case_0001`; a BraTS subject's
    modalities, for a model of that many channels: `volume_format.volume_cases`, of more numbered
    channel files than the model's its first, the run's; the `<case>__<MODALITY>` volumes of the
    modalities the model was trained on, the others left out: `volume_format.modality_cases`; a
    volume of each folder named for a modality: `volume_format.modality_folder_cases`), named by
    its case (cases of one name by their folders: `_case_names`); a volume alone keeps the name
    `names` (default `output_names(sources)`) gives it (`cases`: `named_cases`, where the caller listed
    them already), every name claimed in `bases` before any case is predicted (`OutputBases.claim_all`);
    `progress` shows a bar over the cases; with `values` (each class's raw mask value:
    `raw_values.raw_values`) the label volume holds those; a multi-label model of nested regions
    (nnU-Net's BraTS regions) writes each region's label painted in order, as nnU-Net does
    (`region_labels`). A 4-D file
    whose 4th axis is frames (a cine) is predicted frame by frame into a 4-D mask (`_volume_labels`).
    A case that cannot be read or predicted stops it, or is recorded in `bad` and passed over where
    that skips them (`BadInputs`). A file of 3 or 4 planes is one colour picture stored
    channel-first where the run's training read its image volumes so (FH-PS-AOP's: `_colour_picture`).

    Raises:
        DataError: a volume that cannot be read, or whose channels the model cannot take, or a case
            lacking a modality the model was trained on (named).
        ConfigError: an unknown axis, or a multi-label model but of nested regions (label volumes
            hold one label per voxel: `region_labels.region_painting`).
    """
    regions = region_painting(predictor.card.mapping, predictor.classes) if predictor.task.name == "multilabel" \
        else None
    values = regions.values if regions is not None else values
    classes = regions.classes if regions is not None else predictor.classes
    bad = bad or BadInputs()
    out = Path(out_dir)
    across = slice_axis(axis)
    cases = cases if cases is not None else named_cases(predictor, sources, names)
    bases = bases or OutputBases()
    claimed = bases.claim_all(out, {source: name for source, (name, _) in cases.items()})
    written, told = [], False  # of colour pictures, once
    for source, (_, files) in progress_bar(cases.items(), desc="predict", unit="volume", enabled=progress):
        with bad.guard(source):
            base = claimed[source]
            picture = _colour_picture(files, predictor)
            if picture and not told:
                told = True
                log.info("%s: read as a 2-D colour picture stored channel-first, its planes the channels, as %s",
                         source, "the run's training read its image volumes" if predictor.planes_as_channels
                         else "a file of 3 planes for a model of 3 channels (the run does not record how training "
                         "read its volumes)")
            volume = read_volume(files, channel_limit=None,  # a cine's frames may outnumber any model's channels
                                 planes_as_channels=picture)
            labels = _volume_labels(predictor, volume, across)
            labels = regions.paint(labels) if regions is not None else labels
            base.parent.mkdir(parents=True, exist_ok=True)
            mask_path, overlay_path = base.with_name(f"{base.name}_mask{_mask_suffix(source)}"), \
                base.with_name(f"{base.name}_overlay.png")
            write_label_volume(mask_path, _in_file_order(labels if values is None else values[labels], source), volume)
            write_middle_overlay(overlay_path, volume.voxels, labels, across, classes)
            written.append(WrittenVolume(source, mask_path, overlay_path))
            log.debug("%s -> %s (%d %s slices)", source, mask_path, labels.shape[across], axis)
    return written


def named_cases(predictor: Segmenter, sources: Sequence[Path],
                names: Mapping[Path, str] | None = None) -> dict[Path, tuple[str, tuple[Path, ...]]]:
    """Each case of the volume files and DICOM series folders `sources` as `predict_volumes` reads
    them, by its first file: the name its outputs are written under, and its files."""
    names = names or output_names(sources)
    by_modality, others = modality_cases(sources, predictor.modalities)
    by_folder, others = modality_folder_cases(others, predictor.in_channels)
    cases = [*by_modality, *by_folder, *volume_cases(others, predictor.in_channels)]
    named_by_case = {files[0] for _, files in cases if len(files) > 1} | {files[0] for _, files in by_modality}
    case_names = _case_names(cases, names, named_by_case)
    return {files[0]: (case_names[files[0]], tuple(files)) for _, files in cases}


def _case_names(cases: Sequence[Case], names: Mapping[Path, str], named_by_case: set[Path]) -> dict[Path, str]:
    """The name each case's outputs are written under, by its first file: a volume alone keeps its
    `names`', a case of several files its case name; cases of one name (MSLUB's
    `patient01/preprocessed/` and `patient02/preprocessed/`, each named by its folder) are named by
    their folders' paths below the folder they share (`patient01`, `patient02`), then the case name
    unless the case is named by its folder."""
    folders: dict[str, list[str]] = {}
    for case, files in cases:
        if files[0] in named_by_case:
            folders.setdefault(case, []).append(str(files[0].absolute().parent))
    shared = {case: Path(os.path.commonpath(found)) for case, found in folders.items() if len(found) > 1}
    named = {}
    for case, files in cases:
        source = files[0]
        if source not in named_by_case or case not in shared:
            named[source] = names[source] if source not in named_by_case else case
            continue
        folder = source.absolute().parent
        parts = folder.relative_to(shared[case]).parts
        named[source] = "/".join(parts[:-1] if folder.name == case else (*parts, case)) or case
    return named


def predict_slices(predictor: Segmenter, voxels: np.ndarray, across: int) -> np.ndarray:
    """Labels of `voxels` (X, Y, Z, C), predicted slice by slice across axis `across`: (X, Y, Z).
    A TIFF stack's pages (N, H, W, C) are slices across axis 0 (`stacks.predict_stacks`)."""
    return np.stack([predictor.predict(cut(voxels, across, i)).mask for i in range(voxels.shape[across])],
                    axis=across)


def write_middle_overlay(path: Path, voxels: np.ndarray, labels: np.ndarray, across: int, classes: ClassSpec) -> None:
    """`<name>_overlay.png` of a predicted volume or stack: its middle slice across `across` with its
    labels, of a 4-D mask (`_volume_labels`) its first frame's."""
    if labels.ndim == 4:
        voxels, labels = voxels[..., :1], labels[..., 0]
    middle = labels.shape[across] // 2
    write_overlay(path, cut(voxels, across, middle), cut(labels, across, middle), classes)


def _volume_labels(predictor: Segmenter, volume: Volume, across: int) -> np.ndarray:
    """(X, Y, Z) labels of a volume whose 4th axis the model takes as its channels; (X, Y, Z, T)
    of one 4-D file whose 4th axis is frames (`_holds_frames`: a cine MRI's time points), each
    frame predicted as a volume of its own.

    Raises:
        DataError: channels the model cannot take, naming the files and a route that works.
    """
    given, channels = volume.voxels.shape[3], predictor.in_channels
    if len(predictor.modalities) > 1 and given < channels:  # never one modality copied into the others' channels
        raise DataError(_lacks_modalities(volume, predictor.modalities))
    if _holds_frames(len(volume.sources), given, channels):
        log.info("%s: its 4th axis holds %d frames (the model takes %d channel(s)): each frame predicted as a "
                 "volume of its own, into a 4-D mask", volume.sources[0], given, channels)
        return np.stack([predict_slices(predictor, volume.voxels[..., t:t + 1], across) for t in range(given)],
                        axis=-1)
    if stands_in(given, channels):
        return predict_slices(predictor, volume.voxels, across)
    named = ", ".join(repr(str(f)) for f in volume.sources)
    route = (f"save each group of {channels} along its 4th axis as a volume of its own (nibabel: "
             f"nib.save(img.slicer[..., 0:{channels}], 'part_0.nii.gz')) and predict those"
             if len(volume.sources) == 1 and given > channels else
             "give a case's modalities together (nnU-Net's case_0000, case_0001, ... files, a subject folder's "
             f"volumes, or one 4-D NIfTI of {channels} along its 4th axis)")
    raise DataError(f"volume {named} gives {given} channel(s) but the model expects {channels}, the modalities it "
                    f"was trained on: {route}")


def _lacks_modalities(volume: Volume, modalities: Sequence[str]) -> str:
    """Why a volume of fewer channels than a model of `modalities` takes is refused (a grey volume
    would stand in for an RGB model's three: `stands_in`), naming the folders beside it that hold
    them (WMH's `0/wmh.nii.gz`: `0/pre/` on its grid, then `0/orig/`)."""
    named = ", ".join(repr(str(f)) for f in volume.sources)
    folders = modality_folders(volume.sources[0], modalities) if volume.sources[0].is_file() else []
    where = (f"; {', '.join(repr(str(d)) for d in folders)} hold{'s' if len(folders) == 1 else ''} them: "
             f"`seglab predict RUN {folders[0]}`" if folders else "")
    files = ", ".join(f"{m}.nii.gz" for m in modalities)
    return (f"volume {named} gives {volume.voxels.shape[3]} channel(s) but the model was trained on the "
            f"{', '.join(modalities)} volumes of each case: give a case's volumes together, named as the modalities "
            f"({files} in one folder, or <case>_{modalities[0]}.nii.gz, ...){where}")


def _colour_picture(files: Sequence[Path], predictor: Segmenter) -> bool:
    """Whether a case is one file read as a 2-D colour picture stored channel-first, its planes the
    channels, as the run's training read its image volumes (`ModelCard.planes_as_channels`): for a
    run that read them so, a file of 3 or 4 planes that can feed the model (`volumes.picture_grid`:
    FH-PS-AOP's `image_mha/03744.mha`, DimSize 256 256 3); for one that cut them into slices, or read 2-D
    images, none (a thin CT of 3 slices stays a volume). A run that does not record it (written
    before seglab did) reads a file of 3 planes for an RGB model (3 channels, no modalities) so, as
    predict always did, where its planes would each be fed as grey standing in for RGB.

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    recorded = predictor.planes_as_channels
    grid = picture_grid(files[0]) if len(files) == 1 and recorded is not False else None
    if grid is None:
        return False
    if recorded:  # planes that can feed the model, as training fed its pictures (`match_channels`)
        return stands_in(grid[2], predictor.in_channels)
    return grid[2] == predictor.in_channels == 3 and not predictor.modalities


def _holds_frames(files: int, given: int, channels: int) -> bool:
    """Whether a volume's 4th axis is frames to predict one by one: one file whose 4th axis the
    model cannot take whole, a frame can feed it, and the count is no multiple of its channels
    (M&Ms-2's `001_LA_CINE.nii.gz`, 6 frames, for a model of 1: `stands_in`)."""
    return files == 1 and given > 1 and not stands_in(given, channels) and stands_in(1, channels) \
        and (channels == 1 or given % channels != 0)


def _in_file_order(labels: np.ndarray, source: Path) -> np.ndarray:
    """Labels to write for `source`: an HDF5 volume's in its dataset's axis order (it was read with
    its thinnest axis last, and has no affine to say so: `hdf5_files.load_h5_volume`), so the mask
    indexes as the file's arrays do; any other's as they are (`write_label_volume` reorients them)."""
    shape = h5_image_shape(source) if source.suffix.lower() in HDF5_SUFFIXES else None
    return labels if shape is None else h5_in_file_order(labels, shape)


def _mask_suffix(source: Path) -> str:
    """The predicted mask's format, the input's: `.mha` for MetaImage (grand-challenge takes it),
    `.nrrd` for NRRD (3D Slicer), else NIfTI."""
    return ".mha" if is_metaimage(source) else ".nrrd" if is_nrrd(source) else ".nii.gz"
