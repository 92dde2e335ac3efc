"""MetaImage (`.mha` with its voxels, `.mhd` beside a `.raw` or `.zraw`) and NRRD (`.nrrd`,
`.nhdr` beside its data; 3D Slicer's `.seg.nrrd`) volumes: the formats of grand-challenge.org's
challenges (PI-CAI, LNDb, PROMISE12, LUNA16) and of 3D Slicer and ITK-SNAP.

Both are a text header and raw or deflated voxels, read here in a few lines each: every length
and size is checked against the pixel budget before the voxels are read, no more of a file is read
than the voxels the header states (a 16x16 header beside a 3 GB data file reads 256 bytes), and
deflated voxels inflate no further than their stated size. Their world coordinates
(left-posterior-superior in ITK's and Slicer's convention, or the space an NRRD names) become a
RAS affine, as nibabel's for NIfTI.
"""

from __future__ import annotations

import bz2
import gzip
import math
import os
import re
import zlib
from pathlib import Path

import numpy as np

from seglab.data.classes.text_files import open_regular
from seglab.data.files.pixel_budget import check_pixels
from seglab.errors import DataError

METAIMAGE_SUFFIXES = (".mha", ".mhd")
NRRD_SUFFIXES = (".nrrd", ".nhdr")
_HEADER_BYTES = 1 << 16  # headers are a few hundred bytes
_DEFLATE_SLACK = 1 << 16  # deflate, gzip and bzip2 grow incompressible voxels by under 1 % and a header
_META_TYPES = {"MET_CHAR": "i1", "MET_UCHAR": "u1", "MET_SHORT": "i2", "MET_USHORT": "u2", "MET_INT": "i4",
               "MET_UINT": "u4", "MET_LONG": "i4", "MET_ULONG": "u4", "MET_LONG_LONG": "i8",
               "MET_ULONG_LONG": "u8", "MET_FLOAT": "f4", "MET_DOUBLE": "f8"}
_NRRD_TYPES = {"signed char": "i1", "int8": "i1", "int8_t": "i1", "uchar": "u1", "unsigned char": "u1",
               "uint8": "u1", "uint8_t": "u1", "short": "i2", "short int": "i2", "signed short": "i2",
               "signed short int": "i2", "int16": "i2", "int16_t": "i2", "ushort": "u2", "unsigned short": "u2",
               "unsigned short int": "u2", "uint16": "u2", "uint16_t": "u2", "int": "i4", "signed int": "i4",
               "int32": "i4", "int32_t": "i4", "uint": "u4", "unsigned int": "u4", "uint32": "u4",
               "uint32_t": "u4", "longlong": "i8", "long long": "i8", "long long int": "i8",
               "signed long long": "i8", "signed long long int": "i8", "int64": "i8", "int64_t": "i8",
               "ulonglong": "u8", "unsigned long long": "u8", "unsigned long long int": "u8", "uint64": "u8",
               "uint64_t": "u8", "float": "f4", "double": "f8"}
_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0])
_SPACES = {"left-posterior-superior": _LPS_TO_RAS, "lps": _LPS_TO_RAS, "right-anterior-superior": np.eye(3),
           "ras": np.eye(3), "left-anterior-superior": np.diag([-1.0, 1.0, 1.0]), "las": np.diag([-1.0, 1.0, 1.0]),
           "scanner-xyz": np.eye(3), "3d-right-handed": np.eye(3)}


def metaimage_type(dtype: np.dtype) -> str:
    """The MetaImage ElementType of `dtype` (MET_INT for int32, before its alias MET_LONG)."""
    return next(name for name, code in _META_TYPES.items() if np.dtype(code) == dtype)


def is_metaimage(path: Path) -> bool:
    return path.name.lower().endswith(METAIMAGE_SUFFIXES)


def is_nrrd(path: Path) -> bool:
    return path.name.lower().endswith(NRRD_SUFFIXES)


def read_metaimage(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Voxels (X, Y, Z[, C]) float32 and RAS affine of a MetaImage volume.

    Raises:
        DataError: a damaged header, data missing or short, an element type or layout MetaImage
            volumes do not use, more voxels than the pixel budget; naming the file.
    """
    fields, at = _metaimage_fields(path)
    dims, dtype, channels = _metaimage_layout(path, fields)
    check_pixels(path, "volume", (*dims, channels))
    if _truth(fields.get("binarydatabyteordermsb", fields.get("elementbyteordermsb", "False"))):
        dtype = dtype.newbyteorder(">")
    count = math.prod(dims) * channels * dtype.itemsize
    compressed = _truth(fields.get("compresseddata", "False"))
    source = fields["elementdatafile"]
    if source.upper() == "LOCAL":
        file, start = path, at
    elif source.upper() == "LIST" or "%" in source:
        raise DataError(f"MetaImage '{path}' keeps its slices in a list of files; convert it to one .mha "
                        "(SimpleITK: sitk.WriteImage(sitk.ReadImage(path), 'case.mha'))")
    else:
        file = _data_file(path, source)
        skip = _whole(path, fields, "headersize", 0)
        start = -count if skip == -1 and not compressed else skip
    data = _stored(path, file, start, count, compressed)
    if compressed:
        data = _inflated(path, data, count, zlib.decompressobj())
    voxels = _voxels(path, data, dtype, count, (*dims[::-1], channels))  # x fastest, channels faster still
    voxels = voxels.transpose(2, 1, 0, 3)
    return (voxels[..., 0] if channels == 1 else voxels).astype(np.float32), _metaimage_affine(fields)


def read_nrrd(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Voxels (X, Y, Z[, C]) float32 and RAS affine of an NRRD volume (a channel axis, one whose
    space direction is `none`, comes last).

    Raises:
        DataError: as `read_metaimage`.
    """
    fields, at = _nrrd_fields(path)
    sizes, dtype, directions = _nrrd_layout(path, fields)
    channel_axes = _channel_axes(directions)
    check_pixels(path, "volume", tuple(sizes))
    if dtype.itemsize > 1 and fields.get("endian", "little").lower() == "big":
        dtype = dtype.newbyteorder(">")
    count = math.prod(sizes) * dtype.itemsize
    source = fields.get("data file", fields.get("datafile"))
    file, start = (_data_file(path, source), _whole(path, fields, "byte skip", 0)) if source else (path, at)
    encoding = fields.get("encoding", "raw").lower()
    data = _stored(path, file, -count if source and start == -1 else start, count, encoding != "raw")
    if encoding in ("gzip", "gz"):
        data = _inflated(path, data, count, zlib.decompressobj(zlib.MAX_WBITS | 32))
    elif encoding in ("bzip2", "bz2"):
        data = _inflated(path, data, count, bz2.BZ2Decompressor())
    elif encoding != "raw":
        raise DataError(f"NRRD '{path}' is encoded '{encoding}'; seglab reads raw, gzip and bzip2 NRRD files")
    voxels = _voxels(path, data, dtype, count, tuple(sizes[::-1])).transpose(*range(len(sizes) - 1, -1, -1))
    if channel_axes and path.name.lower().endswith(".seg.nrrd"):
        raise DataError(f"3D Slicer segmentation '{path}' keeps overlapping segments in {sizes[channel_axes[0]]} "
                        "layers; export it as a label map (Segmentations module: Export visible segments to label map)")
    if channel_axes:
        voxels = np.moveaxis(voxels, channel_axes[0], -1)
    if voxels.ndim - bool(channel_axes) == 2:
        voxels = voxels[:, :, None]
    return voxels.astype(np.float32), _nrrd_affine(fields, directions)


def header_grid(path: Path) -> tuple[tuple[int, int, int], np.ndarray]:
    """The voxel grid of a MetaImage or NRRD volume from its header alone, as its voxels are read
    (`read_metaimage`, `read_nrrd`): its spatial sizes (X, Y, Z) and its RAS affine.

    Raises:
        DataError: a damaged header, naming the file.
    """
    if is_metaimage(path):
        fields, _ = _metaimage_fields(path)
        dims, _, _ = _metaimage_layout(path, fields)
        return (dims[0], dims[1], dims[2]), _metaimage_affine(fields)
    fields, _ = _nrrd_fields(path)
    sizes, _, directions = _nrrd_layout(path, fields)
    channels = _channel_axes(directions)
    spatial = [size for axis, size in enumerate(sizes) if axis not in channels] + [1]  # (X, Y) as (X, Y, 1)
    return (spatial[0], spatial[1], spatial[2]), _nrrd_affine(fields, directions)


def _metaimage_fields(path: Path) -> tuple[dict[str, str], int]:
    """A MetaImage header's fields (keys lowercase), and where the voxels after it start."""
    head, at = _header_text(path, lambda line: line.lower().startswith("elementdatafile"))
    return {key.strip().lower(): value.strip() for key, _, value in
            (line.partition("=") for line in head.splitlines() if "=" in line)}, at


def _metaimage_layout(path: Path, fields: dict[str, str]) -> tuple[list[int], np.dtype, int]:
    """The sizes (X, Y, Z), element type and channels a MetaImage header states.

    Raises:
        DataError: a header without them, or not of a 2-D or 3-D volume, naming the file.
    """
    unreadable = DataError(f"MetaImage '{path}' has no DimSize, ElementType or ElementDataFile it can be read by "
                           "(a damaged header?)")
    if "elementdatafile" not in fields:
        raise unreadable
    try:
        dims = [int(v) for v in fields["dimsize"].split()]
        dtype = np.dtype(_META_TYPES[fields["elementtype"].upper()])
    except (KeyError, ValueError):
        raise unreadable from None
    channels = _whole(path, fields, "elementnumberofchannels", 1)
    if len(dims) not in (2, 3) or min(dims) < 1 or channels < 1:
        raise DataError(f"MetaImage '{path}' is {'x'.join(map(str, dims))} with {channels} channels; "
                        "expected a 3-D volume")
    return dims + [1] * (3 - len(dims)), dtype, channels


def _metaimage_affine(fields: dict[str, str]) -> np.ndarray:
    spacing = _numbers(fields.get("elementspacing", fields.get("elementsize", "")), 3, 1.0)
    origin = _numbers(fields.get("offset", fields.get("position", fields.get("origin", ""))), 3, 0.0)
    rows = _numbers(fields.get("transformmatrix", fields.get("rotation", fields.get("orientation", ""))), 9, None)
    directions = np.asarray(rows, float).reshape(3, 3).T if None not in rows else np.eye(3)
    return _affine(_LPS_TO_RAS, directions * spacing, origin)


def _nrrd_fields(path: Path) -> tuple[dict[str, str], int]:
    """An NRRD header's fields (keys lowercase), and where the voxels after it start.

    Raises:
        DataError: a file that is no NRRD, naming it.
    """
    head, at = _header_text(path, lambda line: line == "")
    lines = head.splitlines()
    if not lines or not lines[0].startswith("NRRD"):
        raise DataError(f"'{path}' is no NRRD file (it does not start with NRRD000x)")
    return {key.strip().lower(): value.strip() for key, _, value in
            (line.partition(":") for line in lines[1:] if ":" in line and not line.startswith("#"))}, at


def _nrrd_layout(path: Path, fields: dict[str, str]) -> tuple[list[int], np.dtype, list[str | None]]:
    """The sizes, type and space directions (None for `none`, a channel axis) an NRRD header states.

    Raises:
        DataError: a header without them, or not of a 2-D or 3-D volume with at most one channel
            axis, naming the file.
    """
    try:
        sizes = [int(v) for v in fields["sizes"].split()]
        dtype = np.dtype(_NRRD_TYPES[fields["type"].lower()])
    except (KeyError, ValueError):
        raise DataError(f"NRRD '{path}' has no sizes or type it can be read by (a damaged header?)") from None
    directions = [found.group(1) for found in re.finditer(r"\(([^)]*)\)|none", fields.get("space directions", ""))]
    channel_axes = _channel_axes(directions)
    if min(sizes, default=0) < 1 or len(sizes) - len(channel_axes) not in (2, 3) or len(channel_axes) > 1:
        raise DataError(f"NRRD '{path}' is {' x '.join(map(str, sizes))}; expected a 3-D volume, with at most one "
                        "channel axis")
    return sizes, dtype, directions


def _channel_axes(directions: list[str | None]) -> list[int]:
    """The axes whose space direction is `none`: not in space, a channel axis."""
    return [axis for axis, direction in enumerate(directions) if direction is None]


def _nrrd_affine(fields: dict[str, str], directions: list[str | None]) -> np.ndarray:
    space = _SPACES.get(fields.get("space", "left-posterior-superior").lower(), _LPS_TO_RAS)
    vectors = [_numbers(d.replace(",", " "), 3, math.nan) for d in directions if d]
    if len(vectors) == 2:
        vectors.append([0.0, 0.0, 1.0])
    origin = _numbers(fields.get("space origin", "").strip("()").replace(",", " "), 3, 0.0)
    if len(vectors) != 3 or any(len(v) != 3 or not all(map(math.isfinite, v)) for v in vectors):
        spacings = _numbers(fields.get("spacings", ""), 3, 1.0)  # no directions: axes along the world's
        vectors = [[spacings[0], 0.0, 0.0], [0.0, spacings[1], 0.0], [0.0, 0.0, spacings[2]]]
    return _affine(space, np.asarray(vectors, float).T, origin)


def nrrd_header(path: Path) -> str:
    """An NRRD's header text, up to the blank line before its data: the key/value lines
    (`key:=value`) tools write their label names into (`segment_labels`).

    Raises:
        DataError: a file that cannot be read or whose header has no end, naming it.
    """
    return _header_text(path, lambda line: line == "")[0]


def write_labels(path: Path, labels: np.ndarray, affine: np.ndarray) -> None:
    """Write a label volume (X, Y, Z) in its voxel order as MetaImage (`.mha`, deflated) or NRRD
    (`.nrrd`, gzip) by `path`'s suffix, placed by the RAS `affine` in ITK's left-posterior-superior
    world, as the volume it was predicted from: grand-challenge takes `.mha` submissions."""
    columns = _LPS_TO_RAS @ affine[:3, :3]  # RAS and LPS flip the same two axes: the matrix is its own inverse
    origin = _LPS_TO_RAS @ affine[:3, 3]
    spacing = np.linalg.norm(columns, axis=0)
    dtype = np.dtype("u1") if labels.min() >= 0 and labels.max() <= 255 else np.dtype("<i2")
    voxels = np.ascontiguousarray(labels.astype(dtype).transpose(2, 1, 0)).tobytes()  # x fastest
    if is_metaimage(path):
        data = zlib.compress(voxels)
        rows = " ".join(f"{v:.10g}" for v in (columns / spacing).T.ravel())
        head = ("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
                f"CompressedData = True\nCompressedDataSize = {len(data)}\nTransformMatrix = {rows}\n"
                f"Offset = {' '.join(f'{v:.10g}' for v in origin)}\n"
                f"ElementSpacing = {' '.join(f'{v:.10g}' for v in spacing)}\n"
                f"DimSize = {' '.join(map(str, labels.shape))}\n"
                f"ElementType = {metaimage_type(dtype)}\nElementDataFile = LOCAL\n")
    else:
        data = gzip.compress(voxels)
        directions = " ".join("(" + ",".join(f"{v:.10g}" for v in column) + ")" for column in columns.T)
        head = (f"NRRD0004\ntype: {'uint8' if dtype.itemsize == 1 else 'int16'}\ndimension: 3\n"
                "space: left-posterior-superior\n"
                f"sizes: {' '.join(map(str, labels.shape))}\nspace directions: {directions}\n"
                "kinds: domain domain domain\nendian: little\nencoding: gzip\n"
                f"space origin: ({','.join(f'{v:.10g}' for v in origin)})\n\n")
    path.write_bytes(head.encode("ascii") + data)


def _header_text(path: Path, ends: object) -> tuple[str, int]:
    """A header's text up to and including the line `ends` (a predicate) says is its last, and
    where the data after it start."""
    try:
        with open_regular(path) as file:
            head = file.read(_HEADER_BYTES)
    except OSError as err:
        raise DataError(f"volume '{path}' cannot be read: {err}") from None
    at = 0
    for raw in head.splitlines(keepends=True):
        at += len(raw)
        line = raw.decode("latin-1").strip()
        if ends(line):  # type: ignore[operator]
            return head[:at].decode("latin-1"), at
    raise DataError(f"volume '{path}' has no end to its header in its first {_HEADER_BYTES:,} bytes (damaged?)")


def _data_file(header: Path, name: str) -> Path:
    """A header's data file, named relative to it and never outside its folder."""
    try:
        target = (header.parent / name).resolve()
        if target.parent != header.parent.resolve() or not target.is_file():
            raise DataError(f"volume '{header}' names its data file '{name}', which is not beside it")
        return target
    except (OSError, ValueError) as err:  # a name with a NUL byte, a file that cannot be looked up
        raise DataError(f"volume '{header}' names its data file {name!r}, which cannot be read ({err})") from None


def _stored(header: Path, file: Path, start: int, count: int, compressed: bool) -> bytes:
    """The voxels' bytes in `file` from `start` (from its end where negative): `count` of them, or
    as many as `count` bytes take deflated; never the rest of the file, however large.

    Raises:
        DataError: the file cannot be read, naming it and its header.
    """
    try:
        with open_regular(file) as opened:
            opened.seek(max(os.fstat(opened.fileno()).st_size + start, 0) if start < 0 else start)
            return opened.read(count + count // 64 + _DEFLATE_SLACK if compressed else count)
    except (OSError, ValueError, OverflowError) as err:  # a seek past what the system can address
        raise DataError(f"volume '{header}': its voxels in '{file}' cannot be read ({err})") from None


def _inflated(path: Path, data: bytes, count: int, inflate: zlib._Decompress | bz2.BZ2Decompressor) -> bytes:
    """Compressed voxels, inflated to at most `count` bytes (one more tells a bomb)."""
    try:
        out = inflate.decompress(data, count + 1)
    except (zlib.error, OSError, EOFError, ValueError) as err:
        raise DataError(f"volume '{path}': its compressed voxels cannot be inflated ({err})") from None
    if len(out) > count:
        raise DataError(f"volume '{path}': its compressed voxels inflate beyond the {count:,} bytes its header states")
    return out


def _voxels(path: Path, data: bytes, dtype: np.dtype, count: int, shape: tuple[int, ...]) -> np.ndarray:
    if len(data) < count:
        raise DataError(f"volume '{path}' holds {len(data):,} bytes of voxels where its header states {count:,} "
                        "(truncated?)")
    return np.frombuffer(data[:count], dtype).reshape(shape)


def _whole(path: Path, fields: dict[str, str], key: str, default: int) -> int:
    """A header field that is a whole number (`default` when absent or empty).

    Raises:
        DataError: another value, naming the file and the field.
    """
    try:
        return int(fields.get(key) or default)
    except ValueError:
        raise DataError(f"volume '{path}': its header's {key} is {fields[key]!r}, not a whole number") from None


def _numbers(text: str, count: int, default: float | None) -> list:
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        values = []
    if len(values) < count or not all(map(math.isfinite, values[:count])):
        return [default] * count
    return values[:count]


def _affine(space: np.ndarray, columns: np.ndarray, origin: list) -> np.ndarray:
    """The RAS affine of voxel axes `columns` (each a step in world space) from `origin`."""
    affine = np.eye(4)
    affine[:3, :3] = space @ columns
    affine[:3, 3] = space @ np.asarray(origin, float)
    return affine


def _truth(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")
