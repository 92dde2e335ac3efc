"""How a run's training named and read its inputs, which `seglab predict` applies to the folders
it is given: the file-name rules that tell a folder's images from its masks, the plane volumes
were cut across, whether a DICOM series was a volume or 2-D frames, and the datasets of an HDF5
file's sample groups stacked as each image's channels.

A run folder holds it in config.yaml and splits.json; an exported model carries it in the JSON
beside it (`exported.ExportMetadata.naming`), so `seglab predict model.onnx FOLDER` lists a
folder's inputs as `seglab predict RUN FOLDER` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from seglab.data.files.volumes import SLICE_AXES
from seglab.runs.run_folder import RunFolder

_MAX_TEXT = 256  # characters of a file-name pattern: far beyond any dataset's, a bound for a crafted file
_MAX_BANDS = 64  # names in `bands`: an image has 16 channels at most, a band a channel or more


@dataclass(frozen=True)
class InputNaming:
    """The run's naming; the defaults are what a run records when given no option.

    Attributes:
        images: `data.images`: a file-name pattern picking a folder's images (Structured3D's
            `rgb_rawlight.png`) or the image folder; None: found.
        mask_pattern: `data.mask_pattern`: a mask's name from its image's stem (RobustMIS'
            `instrument_instances.png`), which leaves a folder's masks out; None: seglab's rules.
        slice_axis: `data.slice_axis`: the plane volumes are cut in.
        volumes: trained on volumes cut into slices (a DICOM series is one volume); False: on 2-D
            images (a `.dcm` file is one image, as Sunnybrook's frames trained).
        masks: `data.masks`: of volumes, each case's label volume (SAROS' `body-regions.nii.gz`),
            which predict leaves out with the volumes whose voxels are a label's beside it, as
            training set them aside; None: seglab's rules.
        bands: `data.bands`: of an HDF5 file of a sample per group, the datasets of each group
            stacked as an image's channels, in order (ChaBuD's `pre_fire`, `post_fire`); None: one.
    """

    images: str | None = None
    mask_pattern: str | None = None
    slice_axis: str = "axial"
    volumes: bool = True
    masks: str | None = None
    bands: tuple[str, ...] | None = None

    @classmethod
    def of_run(cls, folder: RunFolder) -> InputNaming:
        """The naming of a run folder: its config's data section and `trained_on_volumes`."""
        data = folder.read_config().data
        return cls(data.images, data.mask_pattern, data.slice_axis, trained_on_volumes(folder), data.masks, data.bands)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> InputNaming:
        """Parse `to_dict`'s output from a file that may come from anywhere: each value's type is
        checked, nothing is evaluated; a key left out keeps its default.

        Raises:
            TypeError: not a mapping, an unknown key, or a value of another type or beyond the bounds.
        """
        if not isinstance(values, Mapping):
            raise TypeError(f"input naming is {type(values).__name__}, not a mapping")
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"input naming has unknown keys {sorted(map(str, unknown))}")
        bands = values.get("bands")
        if bands is not None and not (isinstance(bands, (list, tuple)) and 0 < len(bands) <= _MAX_BANDS
                                      and all(isinstance(band, str) and 0 < len(band) <= _MAX_TEXT for band in bands)):
            raise TypeError(f"input naming bands is {bands!r:.80}, not null or a list of 1 to {_MAX_BANDS} names of 1 "
                            f"to {_MAX_TEXT} characters")
        naming = cls(**{**values, "bands": tuple(bands) if bands is not None else None})
        for name in ("images", "mask_pattern", "masks"):
            text = getattr(naming, name)
            if text is not None and (not isinstance(text, str) or not 0 < len(text) <= _MAX_TEXT):
                raise TypeError(f"input naming {name} is {text!r}, not null or a text of 1 to {_MAX_TEXT} characters")
        if naming.slice_axis not in SLICE_AXES:
            raise TypeError(f"input naming slice_axis is {naming.slice_axis!r}, not one of {', '.join(SLICE_AXES)}")
        if not isinstance(naming.volumes, bool):
            raise TypeError(f"input naming volumes is {naming.volumes!r}, not true or false")
        return naming


def trained_on_volumes(folder: RunFolder) -> bool:
    """Whether a run was trained on volumes cut into slices: its splits.json records the format
    training read ("volumes"; its config may say "auto"). A run written before splits.json named
    it is taken as volumes, as predict always did."""
    return not folder.splits.is_file() or folder.read_splits().get("format", "volumes") == "volumes"
