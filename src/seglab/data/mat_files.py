"""MATLAB .mat files as masks, as the Semantic Boundaries Dataset (SBD: `cls/2008_000002.mat`,
a struct `GTcls` whose `Segmentation` field is the class mask) and PASCAL-Context (`LabelMap`)
ship them. Read with SciPy's MAT reader (MATLAB 5 to 7.2; no code in the file is run); the mask
is the only 2-D numeric array, else the one named for masks. MATLAB 7.3 files are HDF5 files
and read as such.

The shapes of a file's top-level variables are read from its header first (`scipy.io.whosmat`),
so one announcing more pixels than the budget is refused before it is decompressed; a struct's
fields are checked once read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy import io as scipy_io
from scipy.io.matlab import MatReadError

from seglab.data.pixel_budget import within_budget
from seglab.data.read_errors import Unusable

MAT_SUFFIX = ".mat"
MASK_NAMES = ("Segmentation", "LabelMap", "mask", "label", "labels", "seg", "gt")  # SBD, PASCAL-Context, ...
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"  # MATLAB 7.3 files begin with a 512-byte text header, then HDF5


def is_hdf5_mat(path: Path) -> bool:
    """Whether a .mat file is MATLAB 7.3's HDF5 (its HDF5 signature at byte 512)."""
    with path.open("rb") as file:
        file.seek(512)
        return file.read(len(_HDF5_MAGIC)) == _HDF5_MAGIC


def load_mat(path: Path) -> np.ndarray:
    """The mask array of a .mat file: its only 2-D numeric array (struct fields included, one
    level down), else the one named like a mask (`MASK_NAMES`).

    Raises:
        Unusable: no such array, several and none named so, or more pixels than the budget.
    """
    try:
        for _, shape, kind in scipy_io.whosmat(str(path)):
            if kind not in ("struct", "cell", "object") and shape:
                within_budget(tuple(int(n) for n in shape))
        loaded = scipy_io.loadmat(str(path), squeeze_me=True, struct_as_record=False)
    except (MatReadError, ValueError, TypeError, KeyError, IndexError, EOFError, OverflowError, MemoryError,
            NotImplementedError) as err:
        raise Unusable(f"cannot be read as a MATLAB file (damaged, or a kind SciPy does not read): {err}",
                       "unreadable") from None
    variables = {k: v for k, v in loaded.items() if not k.startswith("__")}
    arrays = dict(_arrays(variables))
    if len(arrays) == 1:
        name = next(iter(arrays))
    else:
        name = next((n for want in MASK_NAMES for n in arrays if n.rsplit(".", 1)[-1] == want), "")
    if not name:
        held = ", ".join(arrays) or "no 2-D numeric array"
        raise Unusable(f"holds {held}; name the mask variable one of {', '.join(MASK_NAMES)}", "npz-arrays")
    array = np.asarray(arrays[name])
    within_budget(array.shape)
    return array


def _arrays(variables: dict[str, Any], prefix: str = "") -> list[tuple[str, np.ndarray]]:
    """The 2-D numeric arrays among the variables and the fields of their structs (one level)."""
    found = []
    for name, value in variables.items():
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype.kind in "biuf":
            found.append((f"{prefix}{name}", value))
        elif not prefix and hasattr(value, "_fieldnames"):  # scipy's mat_struct
            found += _arrays({field: getattr(value, field) for field in value._fieldnames}, f"{name}.")
    return found
