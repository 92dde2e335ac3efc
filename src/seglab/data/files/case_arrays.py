"""Cases nnU-Net preprocessed, each one channels-first array of a .npz file (v1's
`nnUNetData_plans_v2.1_stage0/<case>.npz` and `nnUNet_cropped_data/<task>/<case>.npz`: `data`,
(C + 1, Z, Y, X), the case's C modalities and, last, its segmentation, -1 outside the crop; v2's
`data` beside `seg`), told from the header and read as `seglab predict` reads a volume: the
modalities a model takes, slice by slice across Z, nnU-Net's first spatial axis (the array keeps
no affine to reorient by; its pickled properties are never read).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seglab.data.files.channels import MAX_CHANNELS, channels_last
from seglab.data.files.npy_files import array_for_role, npz_header
from seglab.data.files.npz_stacks import npz_member_shapes, read_npz_stack
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable
from seglab.errors import DataError

_NNUNET_DATA = "data"  # the array nnU-Net saves a preprocessed case as


def case_array_shape(path: Path) -> tuple[int, ...] | None:
    """(C, Z, Y, X) of a .npz file's image array that is one case, channels first: four axes, the
    first a few channels (a segmentation's one more than an image may have), fewer than the
    slices' sides, and the last three no stack of images with their channels last
    (`stack_arrays.array_stack_shape` reads those); None for other files, or one that cannot be read."""
    if path.suffix.lower() != ".npz":
        return None
    try:
        shape = npz_header(path)[0]
    except (*DECODE_ERRORS, Unusable):
        return None
    case = len(shape) == 4 and 1 <= shape[0] <= MAX_CHANNELS + 1 and shape[0] < min(shape[2:]) \
        and not channels_last(shape[1:])
    return tuple(shape) if case else None


def read_case_slices(path: Path, channels: int) -> np.ndarray:
    """The slices of a case (`case_array_shape`) across Z, (Z, Y, X, C) float32 as volumes are
    read: its channels, less the last where that is its segmentation (`_stacks_segmentation`).

    Raises:
        DataError: other than the model's `channels`, a segmentation of other than whole numbers, a
            slice over the pixel budget, a damaged file or one too large for half the memory, naming
            it and what to give instead.
    """
    try:
        shapes = npz_member_shapes(path)
        name = array_for_role(list(shapes), "image", "arrays", "no arrays", "name the image array 'image'")
        within_budget(shapes[name][2:])
    except Unusable as err:
        raise DataError(f"case '{path}' {err}") from None
    data = read_npz_stack(path, name)
    stacked = _stacks_segmentation(name, shapes)
    image = data[:-1] if stacked else data
    if len(image) != channels or (stacked and not np.array_equal(data[-1], np.round(data[-1]))):
        held = f"{len(image)} channel(s) and its segmentation last" if stacked else f"{len(image)} channel(s)"
        raise DataError(f"case '{path}' holds {held}, channels first ({name} {data.shape}, as nnU-Net preprocesses a "
                        f"case), and the model reads {channels}: predict the case's own volumes (nnU-Net's "
                        "imagesTr/<case>_0000.nii.gz, ...) as training read them")
    return np.ascontiguousarray(np.moveaxis(image, 0, -1), dtype=np.float32)


def _stacks_segmentation(name: str, shapes: dict[str, tuple[int, ...]]) -> bool:
    """Whether a case's array `name` holds its segmentation as its last channel: nnU-Net v1's
    `data` alone in the file (v2 keeps it as `seg` beside `data`)."""
    return name == _NNUNET_DATA and len(shapes) == 1
