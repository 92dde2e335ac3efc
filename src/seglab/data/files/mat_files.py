"""MATLAB .mat files as masks, as the Semantic Boundaries Dataset (SBD: `cls/2008_000002.mat`,
a struct `GTcls` whose `Segmentation` field is the class mask), PASCAL-Context (`LabelMap`) and
the nuclei datasets (CoNSeP's `type_map` beside its `inst_map`) ship them. The mask is the only
2-D numeric array (struct fields included, one level down), else the one named for masks
(`MASK_NAMES`). A cell array gives its first cell's arrays: BSDS500's and CrackForest's
`groundTruth{1}.Segmentation`, the first annotator's (a cell holds one struct per annotator).
Lizard's files hold objects and their classes instead (`inst_map`, `id`, `class`), painted into
the class mask (`_object_classes`). An object map alone (`inst_map`: HoVer-Net's CPM-17 and
Kumar) is read as it is, and `instance_variable` names it, so the encoding warns of object
numbers whatever their count or type (HoVer-Net stores them as float64).

MATLAB 5 files (up to 7.2) are parsed here, numeric arrays, structs and cells only: SciPy's
reader crashes the process (a segmentation fault) on some damaged files, which a dataset reader
must survive. Every length is checked against the bytes that hold it, an array's size against the
pixel budget before it is read, and compressed variables inflate only as far as the budget
allows. MATLAB 7.3 files are HDF5 files and read as such.
"""

from __future__ import annotations

import functools
import logging
import math
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.files.pixel_budget import max_pixels, within_budget
from seglab.data.files.read_errors import HDF5_SIGNATURE, Unusable

log = logging.getLogger(__name__)

MAT_SUFFIX = ".mat"
MASK_NAMES = ("Segmentation", "LabelMap", "mask", "label", "labels", "seg", "gt",
              "type_map")  # SBD, PASCAL-Context, ..., CoNSeP and HoVer-Net's nuclei types
INSTANCE_NAMES = ("inst_map", "instance_map", "inst")  # maps that number objects: the mask when no class map is beside
_HEADER = 128
_HDF5_AT = 512  # MATLAB 7.3 files begin with a 512-byte text header, then HDF5
_MATRIX, _COMPRESSED = 14, 15  # data element types
_TYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
_CLASSES = {6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4", 13: "u4", 14: "i8", 15: "u8"}
_CELL, _STRUCT, _CHAR = 1, 2, 4  # classes of a cell array, a struct, characters; sparse arrays, objects skipped
_TEXT = {2: "u1", 4: "u2", 16: "utf-8", 17: "u2"}  # data types MATLAB stores characters as (UTF-8, UTF-16 too)


def is_hdf5_mat(path: Path) -> bool:
    """Whether a .mat file is MATLAB 7.3's HDF5 (its HDF5 signature at byte 512)."""
    with open_regular(path) as file:
        file.seek(_HDF5_AT)
        return file.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE


def load_mat(path: Path) -> np.ndarray:
    """The mask array of a MATLAB 5 file.

    Raises:
        Unusable: not a MATLAB 5 file or damaged (`unreadable`), no 2-D numeric array or several
            and none named like a mask (`npz-arrays`), an array over the pixel budget.
    """
    return _mask(mat_arrays(path))[1]


def instance_variable(path: Path) -> str | None:
    """The variable a MATLAB 5 file's mask is read from when its name says it numbers objects
    (`inst_map` with no class map beside it), else None (MATLAB 7.3 files too): its values are
    objects, each a class of its own unless read with `--instance-masks`.

    Raises:
        Unusable: as `load_mat`.
    """
    if is_hdf5_mat(path):
        return None
    name = _mask(mat_arrays(path))[0]
    return name if name.rsplit(".", 1)[-1] in INSTANCE_NAMES else None


def _mask(arrays: dict[str, np.ndarray]) -> tuple[str, np.ndarray]:
    """(variable name, mask) of a file's arrays: Lizard's painted classes (named `class`), the
    only 2-D array, else the one named for masks, else for objects (CPM-17's `inst_map` beside
    its `inst_centroid`)."""
    planes = {name: array for name, array in arrays.items() if array.ndim == 2}
    if "inst_map" in planes and "class" in arrays and not any(n in planes for n in MASK_NAMES):
        return "class", _object_classes(planes["inst_map"], arrays.get("id"), arrays["class"])
    if len(planes) == 1:
        name = next(iter(planes))
    else:
        name = next((n for want in MASK_NAMES + INSTANCE_NAMES for n in planes if n.rsplit(".", 1)[-1] == want), "")
    if not name:
        held = ", ".join(planes) or "no 2-D numeric array"
        raise Unusable(f"holds {held}; name the mask variable one of {', '.join(MASK_NAMES)}", "npz-arrays")
    return name, planes[name]


def mat_arrays(path: Path) -> dict[str, np.ndarray]:
    """The numeric arrays (up to 2-D) of a MATLAB 5 file by name (a struct's fields as
    `struct.field`, a cell array's first cell as `cell{1}`), read by seglab's own parser: no code
    in the file can run.

    Raises:
        Unusable: not a MATLAB 5 file, or damaged (`unreadable`).
    """
    reader = _file_reader(path)
    try:
        return dict(a for matrix in reader.matrices(_HEADER, len(reader.data)) for a in matrix.arrays(depth=0))
    except (ValueError, IndexError, struct.error, zlib.error) as err:
        raise Unusable(f"cannot be read as a MATLAB file (damaged or truncated): {err}", "unreadable") from None


def mat_text(path: Path) -> dict[str, list[str]]:
    """The text of a MATLAB 5 file's top-level character arrays (a row each) and cell arrays of
    them (a cell each) by variable name: HKU-IS' `trainImgSet.mat` lists its images' names so.

    Raises:
        Unusable: not a MATLAB 5 file, or damaged (`unreadable`).
    """
    reader = _file_reader(path)
    try:
        return {m.name: text for m in reader.matrices(_HEADER, len(reader.data)) if (text := m.text())}
    except (ValueError, IndexError, struct.error, zlib.error, UnicodeDecodeError) as err:
        raise Unusable(f"cannot be read as a MATLAB file (damaged or truncated): {err}", "unreadable") from None


def _file_reader(path: Path) -> _Reader:
    """A reader of a MATLAB 5 file's bytes, in the byte order its header gives.

    Raises:
        Unusable: no MATLAB 5 header (`unreadable`).
    """
    data = regular_file(path).read_bytes()
    if len(data) < _HEADER or data[126:128] not in (b"IM", b"MI"):
        raise Unusable("is no MATLAB 5 file (no 'MATLAB 5.0 MAT-file' header)", "unreadable")
    return _Reader(data, "<" if data[126:128] == b"IM" else ">")


def _object_classes(objects: np.ndarray, ids: np.ndarray | None, classes: np.ndarray) -> np.ndarray:
    """The class mask of Lizard's labels: `inst_map` numbers the nuclei, `class` holds the class of
    each object listed in `id` (objects 1, 2, ... in order without it); 0 stays background.

    Raises:
        Unusable: the lists differ in length, or the map holds an object they do not list.
    """
    classes = classes.reshape(-1).astype(np.int64)
    ids = np.arange(1, len(classes) + 1) if ids is None else ids.reshape(-1).astype(np.int64)
    if len(ids) != len(classes):
        raise Unusable(f"lists {len(ids)} objects in 'id' but {len(classes)} in 'class'", "unreadable")
    objects = objects.astype(np.int64)
    numbers = np.unique(objects)
    unlisted = numbers[(numbers != 0) & ~np.isin(numbers, ids)]
    if unlisted.size or (ids < 0).any():
        what = f"object {unlisted[0]} in 'inst_map'" if unlisted.size else f"object {ids.min()} in 'id'"
        raise Unusable(f"holds {what}, which 'id' and 'class' do not give a class", "unreadable")
    lookup = np.zeros(max(int(numbers.max()), int(ids.max(initial=0))) + 1, np.int64)
    lookup[ids] = classes
    return lookup[objects]


class _Reader:
    """MATLAB 5 data elements: a tag (type, byte count; or both in 4 bytes with up to 4 bytes of
    data, the "small element"), then the data padded to 8 bytes."""

    def __init__(self, data: bytes, endian: str) -> None:
        self.data, self.endian = data, endian

    def element(self, at: int, end: int) -> tuple[int, bytes, int]:
        """(type, payload, where the next element starts) of the element at `at`."""
        if at + 8 > end:
            raise ValueError("a data element's tag runs past its end")
        kind, size = struct.unpack_from(self.endian + "II", self.data, at)
        if kind >> 16:  # small element: its size in the high 16 bits, the data in the next 4 bytes
            small, kind = kind >> 16, kind & 0xFFFF
            if small > 4:
                raise ValueError("a small data element claims more than 4 bytes")
            return kind, self.data[at + 4:at + 4 + small], at + 8
        if at + 8 + size > end:
            raise ValueError(f"a data element of {size} bytes runs past the file's end")
        return kind, self.data[at + 8:at + 8 + size], at + 8 + size + (-size % 8 if kind != _COMPRESSED else 0)

    def matrices(self, at: int, end: int, inflated: bool = False) -> Iterator[_Matrix]:
        """The top-level variables; a compressed variable holds one uncompressed."""
        while at < end:
            kind, payload, at = self.element(at, end)
            if kind == _COMPRESSED and not inflated:
                inner = _Reader(_inflate(payload), self.endian)
                yield from inner.matrices(0, len(inner.data), inflated=True)
            elif kind == _MATRIX:
                yield _Matrix(self, payload)


class _Matrix:
    """One miMATRIX element: flags (its class), dimensions, name, then its data or fields."""

    def __init__(self, reader: _Reader, payload: bytes) -> None:
        self.reader = _Reader(payload, reader.endian)
        self.at = 0
        flags = self._next()
        self.kind = int(np.frombuffer(flags[:4], self.reader.endian + "u4")[0]) & 0xFF if len(flags) >= 4 else 0
        self.dims = tuple(int(n) for n in np.frombuffer(self._next(), self.reader.endian + "i4"))
        self.name = self._next().decode("latin-1")

    def _next(self) -> bytes:
        _, payload, self.at = self.reader.element(self.at, len(self.reader.data))
        return payload

    def arrays(self, depth: int) -> list[tuple[str, np.ndarray]]:
        if self.kind in _CLASSES:
            array = self.numeric()
            return [(self.name, array)] if array is not None else []
        if self.kind == _STRUCT and depth == 0:
            return self.fields()
        if self.kind == _CELL and depth == 0:
            return self.first_cell()
        return []

    def numeric(self) -> np.ndarray | None:
        """The real part as an array of the array's class with its dimensions of 1 dropped (a
        MATLAB vector is 1-D, a scalar 0-D), or None when more than two remain."""
        if any(n < 0 for n in self.dims) or len([n for n in self.dims if n != 1]) > 2:
            return None
        within_budget(self.dims)
        kind, payload, self.at = self.reader.element(self.at, len(self.reader.data))
        if kind not in _TYPES:
            raise ValueError(f"variable '{self.name}' stores its values as type {kind}, which MATLAB arrays never use")
        values = np.frombuffer(payload, self.reader.endian + _TYPES[kind])
        if values.size != math.prod(self.dims):
            raise ValueError(f"variable '{self.name}' holds {values.size} values for dimensions {self.dims}")
        return values.astype(_CLASSES[self.kind]).reshape(self.dims, order="F").squeeze()

    def text(self) -> list[str]:
        """The rows of a character array, less the blanks that pad them, or the text of each cell
        of a cell array of them; nothing for other arrays."""
        if self.kind == _CELL:
            cells = []
            for _ in range(max(math.prod(self.dims), 0)):
                kind, payload, self.at = self.reader.element(self.at, len(self.reader.data))
                cells += _Matrix(self.reader, payload).text() if kind == _MATRIX and payload else []
            return cells
        if self.kind != _CHAR or len(self.dims) != 2 or min(self.dims) < 0:
            return []
        within_budget(self.dims)
        kind, payload, self.at = self.reader.element(self.at, len(self.reader.data))
        if kind not in _TEXT:
            raise ValueError(f"variable '{self.name}' stores its characters as type {kind}")
        if _TEXT[kind] == "utf-8":
            codes = np.frombuffer(payload.decode("utf-8").encode("utf-32-le"), "<u4")
        else:
            codes = np.frombuffer(payload, self.reader.endian + _TEXT[kind])
        if codes.size != math.prod(self.dims):
            raise ValueError(f"variable '{self.name}' holds {codes.size} characters for dimensions {self.dims}")
        rows = codes.reshape(self.dims, order="F")
        return ["".join(map(chr, row)).rstrip(" \0") for row in rows]

    def first_cell(self) -> list[tuple[str, np.ndarray]]:
        """The arrays of a cell array's first cell, named `cell{1}` (a struct's fields
        `cell{1}.field`): BSDS500 keeps one struct per annotator, the first is read, the others
        left. A cell inside a cell is skipped."""
        cells = math.prod(self.dims)
        if cells <= 0 or any(n < 0 for n in self.dims):
            return []
        kind, payload, self.at = self.reader.element(self.at, len(self.reader.data))
        if kind != _MATRIX or not payload:
            return []
        cell = _Matrix(self.reader, payload)
        if cell.kind == _CELL:
            return []
        found = [(f"{self.name}{{1}}{name.removeprefix(cell.name)}", a) for name, a in cell.arrays(depth=0)]
        if found and cells > 1:
            _tell_first_cell(self.name)
        return found

    def fields(self) -> list[tuple[str, np.ndarray]]:
        """The numeric fields of a 1x1 struct, named `struct.field`."""
        if math.prod(self.dims) != 1:
            return []
        width = int(np.frombuffer(self._next(), self.reader.endian + "i4")[0])
        names = self._next()
        if width <= 0 or len(names) % width:
            raise ValueError(f"struct '{self.name}' has field names of {width} bytes in {len(names)}")
        found = []
        for k in range(len(names) // width):
            field = names[k * width:(k + 1) * width].split(b"\0")[0].decode("latin-1")
            kind, payload, self.at = self.reader.element(self.at, len(self.reader.data))
            if kind == _MATRIX and payload:
                found += [(f"{self.name}.{field}", a) for _, a in _Matrix(self.reader, payload).arrays(depth=1)]
        return found


@functools.cache
def _tell_first_cell(name: str) -> None:
    """Log, once per variable name, that a cell array's other cells are left."""
    log.info("MATLAB cell arrays '%s' hold several cells (BSDS500's groundTruth: one annotator each); the "
             "first, %s{1}, is read, the others are left", name, name)


def _inflate(payload: bytes) -> bytes:
    """A compressed variable's bytes, inflated no further than the largest array the budget
    allows (8 bytes a value) and its headers could need."""
    most = max_pixels() * 8 + (1 << 20)
    inflate = zlib.decompressobj()
    data = inflate.decompress(payload, most)
    if inflate.unconsumed_tail:
        raise ValueError(f"a compressed variable inflates beyond {most:,} bytes, more than the pixel budget allows")
    return data
