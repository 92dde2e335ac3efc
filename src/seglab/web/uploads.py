"""Turn uploaded bytes into an image array, refusing what the server should not try to decode.

The checks happen before decoding: byte size, then the format and the pixel count from the
file header, so a small file that declares a huge image (a decompression bomb) is refused
without allocating it. Decoding itself goes through `read_image`, the same reader as
`seglab predict`, so 16-bit PNGs, TIFFs and palettes are handled the same way.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from seglab.data import read_image
from seglab.data.files.io import PICTURE_SUFFIXES
from seglab.data.files.npy_files import array_header
from seglab.errors import DataError, SeglabError

# the format's name (Pillow's, or NumPy) -> the suffix read_image dispatches on: what `seglab
# predict` reads, so a model trained on .npy slices is served its own input format
FORMATS = {**PICTURE_SUFFIXES, "NumPy": ".npy"}
_NPY_MAGIC = b"\x93NUMPY"


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may be: bytes on the wire, pixels once decoded (H x W), and the seconds its
    body may take to arrive (a request holds a place in the queue while its body is read, so a
    stalled or byte-by-byte client would otherwise hold it for good; 60 s carries the default
    10 MiB at 1.4 Mbit/s)."""

    max_bytes: int = 10 * 2**20
    max_pixels: int = 4096 * 4096
    max_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.max_seconds <= 0:
            raise ValueError(f"the upload time limit must be positive, got {self.max_seconds} s")


class UploadError(SeglabError):
    """An upload the server refuses; `status` is the HTTP status code to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadInfo:
    """What the file header of an accepted upload says, before any pixel is decoded."""

    format: str  # Pillow's name, a key of FORMATS
    width: int
    height: int


def probe_upload(data: bytes, filename: str | None, limits: UploadLimits) -> UploadInfo:
    """Check an upload's bytes and header (format, pixel count) without decoding it.

    Raises:
        UploadError: 400 empty, 413 too many bytes or pixels, 415 not a PNG/JPEG/WebP/TIFF/BMP/GIF
            image or a numeric .npy array.
    """
    name = filename or "upload"
    if not data:
        raise UploadError(400, f"'{name}' is empty")
    if len(data) > limits.max_bytes:
        raise UploadError(413, f"'{name}' is {_mib(len(data))}; this server accepts uploads up to "
                               f"{_mib(limits.max_bytes)}")
    kinds = ", ".join(FORMATS)
    if data.startswith(_NPY_MAGIC):
        return _probe_npy(data, name, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the pixel limit below decides
            with Image.open(io.BytesIO(data)) as probe:
                fmt, (width, height) = probe.format, probe.size
    except Image.DecompressionBombError as err:
        raise UploadError(413, f"'{name}' declares an image too large to decode: {err}") from None
    except UnidentifiedImageError:
        raise UploadError(415, f"'{name}' is not an image this server reads ({kinds})") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise UploadError(415, f"'{name}' is not a readable image ({kinds}): {err}") from None
    if fmt not in FORMATS:
        raise UploadError(415, f"'{name}' is a {fmt} image; this server reads {kinds}")
    _check_pixels(name, width, height, limits)
    return UploadInfo(fmt, width, height)


def _check_pixels(name: str, width: int, height: int, limits: UploadLimits) -> None:
    if width * height > limits.max_pixels:
        raise UploadError(413, f"'{name}' is {width}x{height} = {width * height} pixels; this server "
                               f"accepts at most {limits.max_pixels} pixels")


def _probe_npy(data: bytes, name: str, limits: UploadLimits) -> UploadInfo:
    """Shape and dtype from a .npy header: (H, W) or (H, W, C) with C 1-4, numbers only."""
    try:
        shape, dtype = array_header(io.BytesIO(data))
    except (ValueError, SyntaxError, EOFError, OSError) as err:
        raise UploadError(415, f"'{name}' is not a readable .npy array: {err}") from None
    if dtype is None:
        raise UploadError(415, f"'{name}' is a .npy file of a header version this server does not read")
    if dtype.hasobject or dtype.kind not in "biuf":
        raise UploadError(415, f"'{name}' holds {dtype} values; this server reads numeric arrays")
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 2, 3, 4)):
        raise UploadError(415, f"'{name}' has shape {tuple(shape)}; expected (H, W) or (H, W, C) with C 1-4")
    _check_pixels(name, int(shape[1]), int(shape[0]), limits)
    return UploadInfo("NumPy", int(shape[1]), int(shape[0]))


def decode_upload(data: bytes, filename: str | None, limits: UploadLimits, keep_alpha: bool = False,
                  no_data: float | None = None) -> np.ndarray:
    """Image bytes -> (H, W, C) array as `read_image` returns it, after `probe_upload`'s checks;
    `keep_alpha` for a model that reads alpha as a channel (`alpha.reads_alpha`), `no_data` the
    value its training read as no data (`ModelCard.no_data`).

    Raises:
        UploadError: as `probe_upload`, and 415 for a file that cannot be decoded.
    """
    info = probe_upload(data, filename, limits)
    with tempfile.TemporaryDirectory(prefix="seglab-upload-") as tmp:
        path = Path(tmp) / f"upload{FORMATS[info.format]}"
        path.write_bytes(data)
        try:
            return read_image(path, keep_alpha, no_data)
        except DataError as err:
            raise UploadError(415, f"'{filename or 'upload'}' cannot be decoded: {err}") from None


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"
