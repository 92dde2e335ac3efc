"""Which of `seglab predict`'s inputs are volumes, read as training read them: a NIfTI, Analyze,
MetaImage or NRRD file, a DICOM series, and an HDF5 file whose image dataset is 3-D (NucMM's
`Image/val/img_064_668_576.h5` of one dataset, PlantSeg's `ovules/test/*.h5` of `raw` and
`label`), which the volumes format cuts into slices (`volume_format.cases.hdf5_volumes_in`,
`hdf5_cases`) and `volumes.read_volume` reads alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.files.channels import channels_last
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_image_shape
from seglab.data.files.volumes import is_volume


def volume_inputs(files: Sequence[Path]) -> list[Path]:
    """The inputs among `files` that are predicted as volumes (`reads_as_volume`), in order."""
    return [path for path in files if reads_as_volume(path)]


def reads_as_volume(path: Path) -> bool:
    """A volume file or DICOM series (`volumes.is_volume`), or an HDF5 file whose image dataset is
    3-D and no image's (H, W, C) (`channels.channels_last`: a (256, 256, 3) dataset is an RGB
    image), read from its header; a 2-D dataset (SSL4MIS' ACDC slices) is an image."""
    if path.is_file() and path.suffix.lower() in HDF5_SUFFIXES:
        shape = h5_image_shape(path)
        return shape is not None and len(shape) == 3 and not channels_last(shape)
    return is_volume(path)
