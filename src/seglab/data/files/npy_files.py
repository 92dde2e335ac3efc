"""NumPy files (.npy, .npz) as images and masks: shape and dtype from the header, then the array,
never unpickled.

A .npz file holding several arrays gives the one named for its role (`ARRAY_KEYS`).
"""

from __future__ import annotations

import re
import threading
import tokenize
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable

# the array of a several-array .npz (or HDF5) file that is the image or the mask, in order of preference;
# an HDF5 dataset by its own name, in a group too (Platynereis' `volumes/raw`; PlantSeg's `raw` + `label`;
# MedSAM's preprocessed `imgs` + `gts`)
# BlenderProc's writer: `colors` beside `category_id_segmaps` (and `instance_segmaps`, `depth`, `normals`)
ARRAY_KEYS = {"image": ("image", "img", "imgs", "raw", "colors", "arr_0"),
              "mask": ("mask", "label", "labels", "seg", "segmentation", "gt", "gts", "category_id_segmaps", "arr_0")}
# words naming a role's arrays where no name is one of ARRAY_KEYS (`volumes/labels/nucleus_instance_labels`)
_ROLE_WORDS = {"image": {"image", "images", "img", "raw", "data"},
               "mask": {"mask", "masks", "label", "labels", "seg", "segmentation", "gt", "groundtruth"}}

# NumPy parses a header with ast.literal_eval, and CPython 3.11 can fail it with "SystemError: AST
# constructor recursion depth mismatch" when threads parse at once (CPython gh-106905); seglab
# decodes files in threads, so every header is parsed under this lock (the data are read outside it).
HEADER_LOCK = threading.Lock()


def array_header(file: IO[bytes]) -> tuple[tuple[int, ...], np.dtype | None]:
    """Shape and dtype from the header of a .npy stream, reading nothing past it (dtype None for
    header versions numpy reads privately).

    Raises:
        ValueError: not a .npy header (numpy's message).
    """
    shape, _, dtype = array_layout(file)
    return shape, dtype


def array_layout(file: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype | None]:
    """Shape, Fortran order and dtype from the header of a .npy stream, reading nothing past it
    (dtype None for header versions numpy reads privately).

    Raises:
        ValueError: not a .npy header (numpy's message; a damaged header's text, which numpy parses
            as a Python literal and fails on with SyntaxError or tokenize's TokenError, too).
    """
    with HEADER_LOCK:
        version = np.lib.format.read_magic(file)
        if version not in ((1, 0), (2, 0)):
            return (), False, None
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        try:
            shape, fortran, dtype = read(file)
        except (SyntaxError, tokenize.TokenError, RecursionError) as err:
            raise ValueError(f"damaged .npy header ({type(err).__name__}: {err})") from None
    return tuple(shape), fortran, dtype


def memory_mapped(path: Path) -> np.memmap:
    """A .npy file memory-mapped read-only, never unpickled: the header is checked against the
    file's size before anything is read, so a damaged header cannot ask for gigabytes."""
    with HEADER_LOCK:
        return np.load(regular_file(path), mmap_mode="r", allow_pickle=False)


def npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype | None]:
    """Shape and dtype from a .npy header (dtype None for header versions numpy reads privately)."""
    with open_regular(path) as file:
        return array_header(file)


def npy_shape(path: Path) -> tuple[int, ...] | None:
    """A .npy file's shape from its header; None for other files, or a header that cannot be read."""
    if path.suffix.lower() != ".npy":
        return None
    try:
        return npy_header(path)[0]
    except DECODE_ERRORS:
        return None


def npz_header(path: Path, role: str = "image") -> tuple[tuple[int, ...], np.dtype | None]:
    """Shape and dtype of the .npz member holding the image (or mask), from its header."""
    with zipfile.ZipFile(regular_file(path)) as archive, archive.open(_npz_member(archive, role)) as member:
        return array_header(member)


def load_npy(path: Path) -> np.ndarray:
    """A .npy file's array, within the pixel budget; object arrays refused (`Unusable`)."""
    shape, dtype = npy_header(path)
    numeric(dtype)
    within_budget(shape)
    return np.array(memory_mapped(path))


def load_npz(path: Path, role: str) -> np.ndarray:
    """The image (or mask) array of a .npz file, within the pixel budget; object arrays refused."""
    shape, dtype = npz_header(path, role)
    numeric(dtype)
    within_budget(shape)
    with zipfile.ZipFile(path) as archive, archive.open(_npz_member(archive, role)) as member, HEADER_LOCK:
        return np.lib.format.read_array(member, allow_pickle=False)


def holds_image_and_mask(path: Path) -> bool:
    """Whether a .npz file holds an image array and a different mask array (TransUNet's Synapse
    slices: `image` and `label`), so that the file is a pair by itself."""
    try:
        with zipfile.ZipFile(regular_file(path)) as archive:
            return _npz_member(archive, "image") != _npz_member(archive, "mask")
    except (*DECODE_ERRORS, Unusable):  # zipfile raises NotImplementedError for a damaged version field
        return False


def npz_pair_shapes(path: Path) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The shapes of a .npz file's image and mask arrays, from their headers, where they are two
    arrays (`holds_image_and_mask`); None otherwise, or for a file that cannot be read."""
    try:
        with zipfile.ZipFile(regular_file(path)) as archive:
            members = _npz_member(archive, "image"), _npz_member(archive, "mask")
            if members[0] == members[1]:
                return None
            image, mask = (_member_shape(archive, member) for member in members)
    except (*DECODE_ERRORS, Unusable):
        return None
    return image, mask


def _member_shape(archive: zipfile.ZipFile, member: str) -> tuple[int, ...]:
    with archive.open(member) as file:
        return array_header(file)[0]


def holds_numbers(dtype: np.dtype) -> bool:
    """Whether arrays of `dtype` hold numbers (booleans, integers, floats, complex), not Python
    objects, text, records or dates, which no image or mask reading takes."""
    return dtype.kind in "biufc"


def numeric(dtype: np.dtype | None) -> None:
    """Refuse arrays of anything but numbers (`Unusable`, `holds_numbers`): nothing unpickled, and
    no text (an HDF5 dataset of strings crashed the stack reader's checks of its values)."""
    if dtype is not None and not holds_numbers(dtype):
        held = "Python objects" if dtype.hasobject else "no numbers"
        raise Unusable(f"holds {held} (dtype {dtype}); expected numbers", "bad-dtype")


def _npz_member(archive: zipfile.ZipFile, role: str) -> str:
    """The member of a .npz file holding the image (or mask): the only array, else a known name."""
    keys = [name.removesuffix(".npy") for name in archive.namelist() if name.endswith(".npy")]
    key = array_for_role(keys, role, "arrays", "no arrays",
                         f"save one array per .npz file, or name the {role} array '{role}'")
    return f"{key}.npy"


def array_for_role(keys: Sequence[str], role: str, noun: str, none: str, advice: str) -> str:
    """Which of a file's arrays (.npz members, HDF5 datasets, which may sit in groups: `volumes/raw`)
    holds the image (or mask): the only one, else the one named the first of `ARRAY_KEYS[role]`,
    else the one whose path has a word for the role (`volumes/labels/nucleus_instance_labels`), of
    several the one named `semantic` over instance ids.

    Raises:
        Unusable: several arrays and none, or several alike, so named (code `npz-arrays`): `noun`
            names them, `none` says there are none, `advice` how to fix the file.
    """
    if len(keys) == 1:
        return keys[0]
    preferred = ARRAY_KEYS[role]
    named = next((found for k in preferred if (found := [key for key in keys if _leaf(key) == k])), None)
    worded = [key for key in keys if not _ROLE_WORDS[role].isdisjoint(_words(key))]
    candidates = named or [key for key in worded if "semantic" in _words(key)] or worded
    if len(candidates) == 1:
        return candidates[0]
    held = f"{len(keys)} {noun} ({', '.join(keys)})" if keys else none
    names = " or ".join(f"'{k}'" for k in preferred)
    alike = f"several named for the {role} ({', '.join(candidates)})" if candidates else f"none is named {names}"
    raise Unusable(f"holds {held} and {alike}; {advice}", "npz-arrays")


def _leaf(key: str) -> str:
    """An array's own name, less the groups it sits in."""
    return key.rsplit("/", 1)[-1]


def _words(key: str) -> set[str]:
    return set(re.split(r"[/_\-.]+", key.lower()))
