"""Read images and masks from disk (PNG, JPEG, TIFF, BMP, GIF, .npy, .npz) and write masks.

Everything downstream sees one shape convention: images (H, W, C) with C 1 or 3 in their stored
dtype, masks (H, W) int64 class indices. Any file that cannot be decoded becomes a `DataError`
naming the file, so one bad file in a thousand is easy to find; a file that needs a codec which
is not installed says which package to install instead of calling the file corrupt.

Every reader checks the pixel count its file's header announces against one budget
(`set_max_pixels`, from `data.max_pixels` or `--max-pixels`) before decoding anything: a 1 MB
compressed or tiled file can announce 30000x30000 pixels, and only the header says so cheaply.
Pillow's own decompression-bomb limit is raised to the budget, so seglab's check decides.
Images with an EXIF orientation are read the way viewers show them (rotated).
"""

from __future__ import annotations

import math
import re
import struct
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import numpy as np
import tifffile
from PIL import Image, ImageOps

from seglab.config import DEFAULT_MAX_PIXELS
from seglab.data.mapping import MaskMapping
from seglab.errors import ConfigError, DataError, one_line

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".npy", ".npz")
_TIFF_SUFFIXES = (".tif", ".tiff")

# the array of a several-array .npz file that is the image or the mask, in order of preference
_NPZ_KEYS = {"image": ("image", "img", "arr_0"), "mask": ("mask", "label", "labels", "seg", "arr_0")}

_T = TypeVar("_T")

_EXIF_ORIENTATION = 0x0112  # 1 = stored as shown; 5-8 swap height and width
_budget = DEFAULT_MAX_PIXELS  # decoded pixels per file; set_max_pixels changes it for the process

# leading bytes of the formats the readers know; anything else is not an image seglab can read
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
    (b"BM", "BMP"),
    (b"\x93NUMPY", "NumPy"),
    (b"PK\x03\x04", "NumPy archive (zip)"),
    (b"GIF8", "GIF"),
)

# Decoders report damaged files through many exception types (PIL: OSError, SyntaxError,
# struct.error, DecompressionBombError; numpy: ValueError, EOFError, and from its header parser
# SyntaxError, tokenize.TokenError, RecursionError; tifffile: ValueError).
# All of them mean "this file cannot be decoded", which is what the caller needs to hear.
_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
    zipfile.BadZipFile,
    MemoryError,
    RecursionError,
    tokenize.TokenError,
    Image.DecompressionBombError,
)


class ReadError(DataError):
    """A file that cannot be used as an image or mask; `code` says why, for the data audit.

    Codes: unreadable, missing-codec, missing, broken-link, permission-denied, empty-file,
    not-an-image, wrong-extension, bad-shape, bad-dtype, npz-arrays, and the `MappingError`
    codes for masks.
    """

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(one_line(message))
        self.code = code


@dataclass(frozen=True)
class FileHeader:
    """What a file's header says, before any pixel is decoded.

    Args:
        format: "PNG", "JPEG", "TIFF", "BMP", "NumPy", ... as the file's reader names it.
        mode: Pillow mode ("RGBA", "CMYK", "P", ...); for NumPy and TIFF files "RGBA" when the
            last axis has 4 samples, else "".
        frames: pages of a TIFF, frames of an animated PNG or GIF; 1 otherwise.
        orientation: the EXIF orientation (1-8) of images Pillow reads; 1 when there is none.
    """

    format: str
    mode: str
    frames: int
    orientation: int = 1

    @property
    def transposed(self) -> bool:
        """Whether the EXIF orientation swaps height and width (orientations 5-8)."""
        return self.orientation in (5, 6, 7, 8)


# Pillow modes numpy reads directly with their precision kept; others are converted
_NATIVE_MODES = ("L", "RGB", "RGBA", "RGBa", "RGBX", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")


def set_max_pixels(limit: int) -> None:
    """Set the budget of decoded pixels per file for every reader in this process.

    Training, evaluation and `seglab inspect` set it from `data.max_pixels`, `seglab predict`
    from `--max-pixels`. DataLoader workers are forked and inherit it.

    Raises:
        ConfigError: a limit below 1.
    """
    global _budget
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"data.max_pixels must be a positive integer, got {limit!r}")
    _budget = limit


def check_pixels(path: Path, what: str, shape: Sequence[int]) -> None:
    """Refuse a file whose header announces more pixels than the budget, before decoding it.

    A trailing axis of 1-4 samples (channels) is not counted; every other axis is (volumes
    count voxels).

    Raises:
        ReadError: code `too-many-pixels`, naming the file, its size, the limit and the option.
    """
    try:
        _within_budget(shape)
    except _Unusable as err:
        raise ReadError(f"{what} '{path}' {err}", err.code) from None


def _within_budget(shape: Sequence[int]) -> None:
    dims = tuple(int(n) for n in shape)
    counted = dims[:-1] if len(dims) == 3 and dims[-1] <= 4 else dims
    pixels = math.prod(counted)
    if pixels > _budget:
        raise _Unusable(
            f"is {'x'.join(map(str, dims)) + ' = ' if len(dims) > 1 else ''}{pixels:,} pixels, over seglab's limit of {_budget:,} (refused "
            f"before decoding); if the machine has the memory, raise the limit with --max-pixels {pixels} "
            "(data.max_pixels in a config), else tile or downscale the file",
            "too-many-pixels",
        )


def image_scale(dtype: np.dtype | type | str) -> float:
    """Divide by this to get float intensities: 255 for uint8, 65535 for uint16, 1 for float.

    Raises:
        ValueError: for dtypes `read_image` never returns.
    """
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return 255.0
    if dtype == np.uint16:
        return 65535.0
    if dtype.kind == "f":
        return 1.0
    raise ValueError(f"unsupported image dtype {dtype}; expected uint8, uint16 or float")


def read_image(path: str | Path) -> np.ndarray:
    """Read an image as (H, W, C) with C 1 or 3, keeping its stored precision.

    RGBA drops alpha, palette images become RGB, grey+alpha becomes grey. uint8 and uint16 are
    kept; floats become float32; bool becomes uint8 0/255; other integers become float32 so no
    value is clipped. Multi-page TIFFs give their first page.

    Raises:
        DataError: missing, unreadable, corrupt or truncated file, or an unusable shape.
    """
    path = Path(path)
    array = _decode(path, "image", lambda p: _read_array(p, "image", palette_rgb=True))
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise ReadError(
            f"image '{path}' has shape {array.shape}; expected (H, W) or (H, W, C) with C 1-4",
            "bad-shape",
        )
    if array.shape[2] == 2:  # grey + alpha
        array = array[..., :1]
    elif array.shape[2] == 4:  # RGB + alpha
        array = array[..., :3]
    return np.ascontiguousarray(_image_dtype(array, path))


def read_raw_mask(path: str | Path, rgb: bool = False) -> np.ndarray:
    """Read mask pixels before any mapping: (H, W), or (H, W, 3) for colour masks.

    Palette ("P") masks give their indices unless `rgb` is set, in which case they give the
    colours (for masks whose classes are defined by colour).

    Raises:
        DataError: missing, unreadable or corrupt file, or an unusable shape.
    """
    path = Path(path)
    array = _decode(path, "mask", lambda p: _read_array(p, "mask", palette_rgb=rgb))
    if array.ndim == 3 and array.shape[2] in (1, 2):  # grey (+ alpha)
        array = array[..., 0]
    elif array.ndim == 3 and array.shape[2] == 4:  # RGB + alpha
        array = array[..., :3]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ReadError(f"mask '{path}' has shape {array.shape}; expected a 2-D label map (H, W)", "bad-shape")
    if array.dtype.kind not in "biuf":
        raise ReadError(f"mask '{path}' has dtype {array.dtype}; expected integer class indices", "bad-dtype")
    return np.ascontiguousarray(array)


def read_mask_array(path: str | Path) -> np.ndarray:
    """Mask pixels as stored, any shape (multi-channel .npy/.tif masks), within the pixel budget.

    Raises:
        DataError: missing, unreadable or corrupt file.
    """
    path = Path(path)
    return _decode(path, "mask", lambda p: _read_array(p, "mask", palette_rgb=False))


def read_mask(path: str | Path, mapping: MaskMapping) -> np.ndarray:
    """Read a mask as (H, W) int64 class indices after applying `mapping`.

    Raises:
        DataError: the file cannot be read or is not a label map this mapping can use.
    """
    if mapping.reads_files:  # multi-label layouts: several files or channels per mask
        return mapping.read(Path(path))
    raw = read_raw_mask(path, rgb=mapping.needs_rgb)
    try:
        return mapping.apply(raw)
    except ValueError as err:
        raise ReadError(f"mask '{path}': {err}", getattr(err, "code", "bad-mask")) from None


def read_header(path: str | Path) -> FileHeader:
    """Format, colour mode and frame count of an image file, reading its header only.

    Raises:
        DataError: the file cannot be opened or its header is damaged.
    """
    return _decode(Path(path), "file", _header)


def write_mask_png(path: str | Path, mask: np.ndarray, colours: Sequence[Sequence[int]]) -> None:
    """Write a palette PNG whose pixel values are the class indices and palette the class colours.

    It opens coloured in any viewer and `read_mask` reads the indices back unchanged.

    Raises:
        ValueError: mask not 2-D or values outside 0-255 (a palette holds 256 entries).
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {mask.shape}")
    if mask.size and (mask.min() < 0 or mask.max() > 255):
        raise ValueError(f"palette PNG masks hold values 0-255, got {mask.min()}..{mask.max()}")
    palette = [int(v) for colour in colours for v in colour][: 256 * 3]
    # a full 256-entry palette stops Pillow packing pixels into 1/2/4 bits, which would
    # truncate indices (e.g. an ignore label 255) beyond the last class colour
    palette += [0] * (256 * 3 - len(palette))
    image = Image.fromarray(mask.astype(np.uint8))
    image.putpalette(palette)
    image.save(Path(path), format="PNG")


class _Unusable(Exception):
    """Raised inside a reader for a file that decodes but cannot be used; `_decode` names it."""

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.code = code


def _decode(path: Path, what: str, reader: Callable[[Path], _T]) -> _T:
    if not path.is_file():
        if path.is_symlink():
            raise ReadError(f"{what} '{path}' is a broken symbolic link (or a link loop)", "broken-link")
        reason = "is not a file" if path.exists() else "does not exist"
        raise ReadError(f"{what} '{path}' {reason}", "missing")
    try:
        if path.stat().st_size == 0:
            raise ReadError(f"{what} '{path}' is an empty file (0 bytes)", "empty-file")
        array = reader(path)
    except DataError:
        raise
    except _Unusable as err:
        raise ReadError(f"{what} '{path}' {err}", err.code) from None
    except PermissionError as err:
        raise ReadError(f"{what} '{path}' cannot be opened: permission denied", "permission-denied") from err
    except (ImportError, *_DECODE_ERRORS) as err:  # ImportError: imagecodecs lacks one codec
        raise _explain(path, what, err) from err
    if isinstance(array, np.ndarray) and array.size == 0:
        raise ReadError(f"{what} '{path}' is empty (shape {array.shape})", "bad-shape")
    return array


def _explain(path: Path, what: str, err: BaseException) -> ReadError:
    """Why a file failed to decode: a codec not installed, not an image at all, a misleading
    suffix, or damage."""
    fix = _missing_codec(err)
    if fix is not None:
        return ReadError(f"{what} '{path}' needs a codec that is not installed ({err}); {fix}", "missing-codec")
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError:
        head = b""
    found = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    suffix = path.suffix.lower()
    if found is None and head:
        return ReadError(
            f"{what} '{path}' is not an image file: it starts with {_show_bytes(head)}, "
            "not PNG, JPEG, TIFF, BMP, GIF or NumPy (.npy, .npz) data",
            "not-an-image",
        )
    if found is not None and _reader_of(found) != _reader_of(suffix):
        return ReadError(f"{what} '{path}' holds {found} data but is named '{suffix}'", "wrong-extension")
    return ReadError(f"{what} '{path}' cannot be read (corrupt or truncated?): {err}", "unreadable")


def _missing_codec(err: BaseException) -> str | None:
    """What to install when `err` says a decoder is missing (tifffile, Pillow, imagecodecs), else None."""
    text = str(err)
    package = re.search(r"requires the '([\w.-]+)' package", text)  # tifffile without imagecodecs
    if package:
        return f"install it: pip install {package.group(1)}"
    decoder = re.search(r"decoder (\w+) not available", text)  # Pillow built without a library
    if decoder:
        return (f"this Pillow was built without its '{decoder.group(1)}' decoder: "
                "pip install --force-reinstall pillow (the wheels include it)")
    if isinstance(err, ImportError):  # imagecodecs built without one codec
        return "install the full codec set: pip install --upgrade imagecodecs"
    return None


def _reader_of(format_or_suffix: str) -> str:
    """Which decoder handles a format name or a file suffix: numpy, numpy-zip, tifffile or Pillow."""
    if format_or_suffix in ("NumPy", ".npy"):
        return "numpy"
    if format_or_suffix in ("NumPy archive (zip)", ".npz"):
        return "numpy-zip"
    if format_or_suffix in ("TIFF", *_TIFF_SUFFIXES):
        return "tifffile"
    return "pillow"


def _show_bytes(head: bytes) -> str:
    text = head.decode("utf-8", errors="replace")
    if text.isprintable():
        return f"text {text[:12]!r}"
    return "bytes " + head[:8].hex(" ")


def _header(path: Path) -> FileHeader:
    suffix = path.suffix.lower()
    if suffix in (".npy", ".npz"):
        shape = _npz_header(path)[0] if suffix == ".npz" else _npy_header(path)[0]
        return FileHeader("NumPy", "RGBA" if len(shape) == 3 and shape[2] == 4 else "", 1)
    if suffix in _TIFF_SUFFIXES:
        with tifffile.TiffFile(path) as tif:
            shape = tif.pages[0].shape
            return FileHeader("TIFF", "RGBA" if len(shape) == 3 and shape[2] == 4 else "", len(tif.pages))
    with _open_pillow(path) as image:
        return FileHeader(image.format or "", image.mode, int(getattr(image, "n_frames", 1)), _orientation(image))


@contextmanager
def _open_pillow(path: Path) -> Iterator[Image.Image]:
    """Open with Pillow, refusing an image over the budget from its header; Pillow's own
    decompression-bomb warning is silenced (this check replaces it)."""
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < _budget:
        Image.MAX_IMAGE_PIXELS = _budget  # Pillow refuses above twice its limit; the budget decides
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except Image.DecompressionBombError as err:  # over twice the budget: Pillow stops first
            size = re.search(r"\((\d+) pixels\)", str(err))
            _within_budget((int(size.group(1)),) if size else (_budget + 1,))
            raise
        with image:
            _within_budget((image.height, image.width))
            yield image


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, ValueError, SyntaxError, struct.error):  # damaged EXIF: shown as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype | None]:
    """Shape and dtype from a .npy header (dtype None for header versions numpy reads privately)."""
    with path.open("rb") as file:
        return array_header(file)


def array_header(file: IO[bytes]) -> tuple[tuple[int, ...], np.dtype | None]:
    """Shape and dtype from the header of a .npy stream, reading nothing past it (dtype None for
    header versions numpy reads privately).

    Raises:
        ValueError: not a .npy header (numpy's message).
    """
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(file)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(file)
    else:
        return (), None
    return tuple(shape), dtype


def _numeric(dtype: np.dtype | None) -> None:
    if dtype is not None and dtype.hasobject:
        raise _Unusable(f"holds Python objects (dtype {dtype}); expected numbers", "bad-dtype")


def _load_npy(path: Path) -> np.ndarray:
    shape, dtype = _npy_header(path)
    _numeric(dtype)
    _within_budget(shape)
    # memory-mapping checks the header against the file size before allocating anything,
    # so a damaged header cannot ask for gigabytes
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.array(mapped)


def _npz_member(archive: zipfile.ZipFile, role: str) -> str:
    """The member of a .npz file holding the image (or mask): the only array, else a known name."""
    keys = [name.removesuffix(".npy") for name in archive.namelist() if name.endswith(".npy")]
    if len(keys) == 1:
        return f"{keys[0]}.npy"
    preferred = _NPZ_KEYS[role]
    key = next((k for k in preferred if k in keys), None)
    if key is None:
        held = f"{len(keys)} arrays ({', '.join(keys)})" if keys else "no arrays"
        named = " or ".join(f"'{k}'" for k in preferred)
        raise _Unusable(f"holds {held} and none is named {named}; save one array per .npz file, "
                        f"or name the {role} array '{role}'", "npz-arrays")
    return f"{key}.npy"


def _npz_header(path: Path, role: str = "image") -> tuple[tuple[int, ...], np.dtype | None]:
    with zipfile.ZipFile(path) as archive, archive.open(_npz_member(archive, role)) as member:
        return array_header(member)


def _load_npz(path: Path, role: str) -> np.ndarray:
    shape, dtype = _npz_header(path, role)
    _numeric(dtype)
    _within_budget(shape)
    with zipfile.ZipFile(path) as archive, archive.open(_npz_member(archive, role)) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _load_tiff(path: Path) -> np.ndarray:
    with tifffile.TiffFile(path) as tif:
        _within_budget(tif.pages[0].shape)  # tiled and compressed pages too: the tags give the shape
    return np.asarray(tifffile.imread(path, key=0))


def _read_array(path: Path, role: str, palette_rgb: bool) -> np.ndarray:
    """Pixels of any supported file; palette images (PNG, GIF) give colours or, for masks, indices.

    `role` ("image" or "mask") picks the array of a .npz file that holds several.
    """
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _load_npy(path)
    if suffix == ".npz":
        return _load_npz(path, role)
    if suffix in _TIFF_SUFFIXES:
        return _load_tiff(path)
    with _open_pillow(path) as image:
        image.load()
        if _orientation(image) != 1:  # as viewers show it; the mask must be drawn on that view
            image = ImageOps.exif_transpose(image)
        mode = image.mode
        if mode in ("P", "PA"):
            # via RGBA: Pillow warns when a palette with transparency goes straight to RGB
            image = image.convert("RGBA") if palette_rgb else image.getchannel(0)
        elif mode in ("LA", "La"):
            image = image.getchannel(0)
        elif mode == "1":
            image = image.convert("L")
        elif mode not in _NATIVE_MODES:  # CMYK, YCbCr, LAB, HSV, ...
            image = image.convert("RGB")
        return np.array(image)


def _image_dtype(array: np.ndarray, path: Path) -> np.ndarray:
    kind = array.dtype.kind
    if kind == "u" and array.dtype.itemsize in (1, 2):
        return array.astype(array.dtype.newbyteorder("="), copy=False)
    if kind == "b":
        return array.astype(np.uint8) * np.uint8(255)
    if kind in "iuf":
        with np.errstate(over="ignore"):  # values beyond float32 become inf, which `scan` reports
            return array.astype(np.float32)
    raise ReadError(f"image '{path}' has dtype {array.dtype}; expected numeric pixel values", "bad-dtype")
