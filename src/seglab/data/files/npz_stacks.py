""".npz files that hold a stack of images and one of masks, as DeepCell ships TissueNet
(`tissuenet_v1.1_train.npz`: `X` (N, 256, 256, 2) float32, the nuclear and membrane channels;
`y` (N, 256, 256, 2) int32, whole-cell and nuclear instance ids; `tissue_list`, `platform_list`).

Members are told from their headers, and read without unpickling. A zip member cannot be
memory-mapped, so a stack is read whole, after checking from its header that it holds numbers,
that its size agrees with the bytes the archive lists for it (a damaged header cannot ask for
gigabytes) and that it fits in half the memory available.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from seglab.data.classes.text_files import regular_file
from seglab.data.files.memory import within_half_memory
from seglab.data.files.npy_files import array_header, array_layout, holds_numbers, numeric
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable
from seglab.errors import DataError

_MOST_MEMBERS = 64  # arrays of an archive whose headers are read to find stacks


def npz_member_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The shape of each numeric array of a .npz file by name, from the headers.

    Raises:
        DataError: a damaged or truncated archive, naming it.
    """
    found = {}
    try:
        with zipfile.ZipFile(regular_file(path)) as archive:
            for info in archive.infolist()[:_MOST_MEMBERS]:
                if info.filename.endswith(".npy"):
                    with archive.open(info) as member:
                        shape, dtype = array_header(member)
                    if dtype is not None and holds_numbers(dtype):
                        found[info.filename.removesuffix(".npy")] = shape
    except DECODE_ERRORS as err:
        raise DataError(f"NumPy archive '{path}' cannot be read (damaged or truncated?): {err}") from None
    return found


def read_npz_stack(path: Path, name: str) -> np.ndarray:
    """The array `name` of a .npz file, read whole after the checks of the module docstring.

    Raises:
        DataError: any of those, or a damaged archive, naming the file and the array.
    """
    where = f"array '{name}' of '{path}'"
    try:
        with zipfile.ZipFile(regular_file(path)) as archive:
            info = archive.getinfo(f"{name}.npy")
            with archive.open(info) as member:
                shape, fortran, dtype = array_layout(member)
                if dtype is None:
                    raise ValueError("a .npy header of a version numpy reads only privately; save it with numpy.savez")
                numeric(dtype)
                size = math.prod(shape) * dtype.itemsize
                if size > info.file_size:
                    raise DataError(f"{where} claims {shape} {dtype} values, {size:,} bytes, but the archive holds "
                                    f"{info.file_size:,} for it (damaged?)")
                within_half_memory(size, where)
                data = member.read(size)
    except Unusable as err:
        raise DataError(f"{where} {err}") from None
    except DECODE_ERRORS as err:
        raise DataError(f"{where} cannot be read (damaged or truncated?): {err}") from None
    if len(data) != size:
        raise DataError(f"{where} holds {len(data):,} bytes of values, not the {size:,} its header claims (truncated?)")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")

