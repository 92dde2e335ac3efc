"""Which of `seglab predict`'s inputs are volumes, read as training read them: a NIfTI, Analyze,
MetaImage or NRRD file, a DICOM series, and an HDF5 file whose image dataset is 3-D (NucMM's
`Image/val/img_064_668_576.h5` of one dataset, PlantSeg's `ovules/test/*.h5` of `raw` and
`label`), which the volumes format cuts into slices (`volume_format.cases.hdf5_volumes_in`,
`hdf5_cases`) and `volumes.read_volume` reads alike; but not one whose datasets are named as
stacks of 2-D images (`images` + `masks` of (N, H, W): `hdf5_files.names_stacks`, the rule the
array-stack format trained by), predicted slice by slice (`stacks.array_stacks`). A run trained
on 2-D DICOM frames (Sunnybrook's contour-text layout: one `.dcm` per image) reads a `.dcm` file
as one image, a series folder as its frames, as it trained; a run trained on volumes (its
splits.json's format: `input_naming.trained_on_volumes`) reads a series as one volume."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.files.channels import channels_last
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_holds_stacks, h5_image_shape
from seglab.data.files.volumes import is_volume


def volume_inputs(files: Sequence[Path], on_volumes: bool = True) -> list[Path]:
    """The inputs among `files` that are predicted as volumes (`reads_as_volume`), in order."""
    return [path for path in files if reads_as_volume(path, on_volumes)]


def reads_as_volume(path: Path, on_volumes: bool = True) -> bool:
    """A volume file (`volumes.is_volume`); a DICOM series folder or a `.dcm` file of one for a
    run trained `on_volumes`, else none (a `.dcm` is one 2-D frame, as it trained); an HDF5 file
    whose image dataset is 3-D, but for a run trained on 2-D images one whose shape is an image's
    (H, W, C) (`channels.channels_last`: a (256, 256, 3) dataset is an RGB image), read from its
    header, and none whose datasets are named as stacks (`hdf5_files.h5_holds_stacks`); a 2-D
    dataset (SSL4MIS' ACDC slices) is an image."""
    if path.is_file() and path.suffix.lower() in HDF5_SUFFIXES:
        shape = h5_image_shape(path)
        return shape is not None and len(shape) == 3 and (on_volumes or not channels_last(shape)) \
            and not h5_holds_stacks(path)
    if path.is_dir() or path.suffix.lower() == ".dcm":
        return on_volumes and is_volume(path)
    return is_volume(path)
