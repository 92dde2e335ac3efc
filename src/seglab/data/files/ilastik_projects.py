"""The label names an ilastik project file (`.ilp`, HDF5) holds, for the masks it exported.

ilastik's Pixel Classification exports `<input>_Simple Segmentation.h5` beside each input: label
i + 1 per pixel (no 0) for the i-th name of the project's `PixelClassification/LabelNames`, which
the project names in the user's order; `value_classes` makes them classes 0 .. N-1.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

from seglab.data.classes.text_files import regular_file
from seglab.data.classes import ValueNames
from seglab.data.files.hdf5_files import h5py_module
from seglab.data.files.read_errors import Unusable
from seglab.errors import DataError

logger = logging.getLogger(__name__)

ILASTIK_PROJECT_GLOB = "*.ilp"
_LABEL_NAMES = "PixelClassification/LabelNames"


def value_names_from_ilastik_project(path: str | Path) -> ValueNames | None:
    """Names of the values ilastik's Simple Segmentation exports hold, from the project they came
    from: `LabelNames[i]` names value i + 1, a label id of the tool (`ValueNames.complete`). None
    for a project of no Pixel Classification, or with fewer than two labels; None with a warning
    without h5py, as the exports may be PNG or TIFF files that need none.

    Raises:
        DataError: a file that is no readable HDF5, naming it.
    """
    path = Path(path)
    try:
        h5py = h5py_module()
    except Unusable as err:
        logger.warning("ilastik project '%s' %s; its label names are not read", path, err)
        return None
    try:
        with h5py.File(regular_file(path), "r") as file:
            found = _label_names(file, h5py)
            names = [] if found is None else [_text(name) for name in found[()]]
    except (OSError, RuntimeError, KeyError) as err:
        raise DataError(f"ilastik project '{path}' cannot be read for its label names ({err}); save it "
                        "again from ilastik, or move it out of the dataset folder") from None
    if len(names) < 2 or not all(names) or len(set(names)) < len(names):
        return None
    return ValueNames(path, {i + 1: name for i, name in enumerate(names)}, complete=True)


def _label_names(file: Any, h5py: ModuleType) -> Any:
    """The project's list of label names, a 1-D dataset of strings in the file itself; None where
    there is none, or a link would make seglab read another file."""
    links = (file.get(group, getlink=True) for group in (_LABEL_NAMES.partition("/")[0], _LABEL_NAMES))
    if not all(isinstance(link, h5py.HardLink) for link in links):
        return None
    found = file[_LABEL_NAMES]
    usable = isinstance(found, h5py.Dataset) and not found.is_virtual and not found.external
    return found if usable and found.ndim == 1 and found.dtype.kind in "SUO" else None


def _text(name: object) -> str:
    """A name as h5py gives it: bytes of a fixed-length string dataset, or str."""
    return (name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)).strip()
