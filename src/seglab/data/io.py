"""Read images and masks from disk (8/16-bit, float, palettes, TIFF, .npy) and write masks.

Everything downstream sees one shape convention: images (H, W, C) with C 1 or 3 in their stored
dtype, masks (H, W) int64 class indices. Any file that cannot be decoded becomes a `DataError`
naming the file, so one bad file in a thousand is easy to find.
"""

from __future__ import annotations

import struct
import tokenize
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

from seglab.data.mapping import MaskMapping
from seglab.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".npy")
_TIFF_SUFFIXES = (".tif", ".tiff")

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
    MemoryError,
    RecursionError,
    tokenize.TokenError,
    Image.DecompressionBombError,
)

# Pillow modes numpy reads directly with their precision kept; others are converted
_NATIVE_MODES = ("L", "RGB", "RGBA", "RGBa", "RGBX", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")


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
    array = _decode(path, "image", lambda p: _read_array(p, palette_rgb=True))
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise DataError(
            f"image '{path}' has shape {array.shape}; expected (H, W) or (H, W, C) with C 1-4"
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
    array = _decode(path, "mask", lambda p: _read_array(p, palette_rgb=rgb))
    if array.ndim == 3 and array.shape[2] in (1, 2):  # grey (+ alpha)
        array = array[..., 0]
    elif array.ndim == 3 and array.shape[2] == 4:  # RGB + alpha
        array = array[..., :3]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise DataError(f"mask '{path}' has shape {array.shape}; expected a 2-D label map (H, W)")
    if array.dtype.kind not in "biuf":
        raise DataError(f"mask '{path}' has dtype {array.dtype}; expected integer class indices")
    return np.ascontiguousarray(array)


def read_mask(path: str | Path, mapping: MaskMapping) -> np.ndarray:
    """Read a mask as (H, W) int64 class indices after applying `mapping`.

    Raises:
        DataError: the file cannot be read or is not a label map this mapping can use.
    """
    raw = read_raw_mask(path, rgb=mapping.needs_rgb)
    try:
        return mapping.apply(raw)
    except ValueError as err:
        raise DataError(f"mask '{path}': {err}") from None


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


def _decode(path: Path, what: str, reader: Callable[[Path], np.ndarray]) -> np.ndarray:
    if not path.is_file():
        reason = "is not a file" if path.exists() else "does not exist"
        raise DataError(f"{what} '{path}' {reason}")
    try:
        array = reader(path)
    except DataError:
        raise
    except _DECODE_ERRORS as err:
        raise DataError(f"{what} '{path}' cannot be read (corrupt or truncated?): {err}") from err
    if array.size == 0:
        raise DataError(f"{what} '{path}' is empty (shape {array.shape})")
    return array


def _load_npy(path: Path) -> np.ndarray:
    # memory-mapping checks the header against the file size before allocating anything,
    # so a damaged header cannot ask for gigabytes
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.array(mapped)


def _load_tiff(path: Path) -> np.ndarray:
    return np.asarray(tifffile.imread(path, key=0))


def _read_array(path: Path, palette_rgb: bool) -> np.ndarray:
    """Pixels of any supported file; palette images give colours or, for masks, indices."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _load_npy(path)
    if suffix in _TIFF_SUFFIXES:
        return _load_tiff(path)
    with Image.open(path) as image:
        image.load()
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
        return array.astype(np.float32)
    raise DataError(f"image '{path}' has dtype {array.dtype}; expected numeric pixel values")
