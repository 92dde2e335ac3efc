"""Why a file could not be read: every decoder failure becomes one `ReadError` naming the file.

Decoders report damaged files through a dozen exception types; `decode` runs a reader and turns
any of them into a `ReadError` with a `code` for the data audit, saying whether a codec is
missing (and which package to install), the file is no image at all, its suffix misleads, or it
is damaged. A file that needs a codec which is not installed is not called corrupt.
"""

from __future__ import annotations

import os
import re
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image

from seglab.data.classes.text_files import irregular_kind, open_regular
from seglab.data.files.file_warnings import reading
from seglab.errors import DataError, one_line

TIFF_SUFFIXES = (".tif", ".tiff")
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # at byte 0, or past a user block (MATLAB 7.3's header: 512 bytes)

_T = TypeVar("_T")

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
    (HDF5_SIGNATURE, "HDF5"),
    (b"GIF8", "GIF"),
    (b"P5", "PGM"),
    (b"P6", "PPM"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),  # a .jp2's signature box
    (b"\xff\x4f\xff\x51", "JPEG 2000"),  # a bare codestream (.j2k): SOC, then SIZ
)
_DICOM_MAGIC_AT = 128  # DICOM files hold "DICM" after a 128-byte preamble
# WebP is a RIFF container: "RIFF", the file's size in 4 bytes, "WEBP", then its chunks (WAV and AVI are RIFF too)
_RIFF, _WEBP = b"RIFF", b"WEBP"
WEBP_HEADER = 12  # bytes before a WebP's first chunk

# Decoders report damaged files through many exception types (PIL: OSError, SyntaxError,
# struct.error, DecompressionBombError; numpy: ValueError, EOFError, and from its header parser
# SyntaxError, tokenize.TokenError, RecursionError; tifffile: ValueError).
# All of them mean "this file cannot be decoded", which is what the caller needs to hear.
DECODE_ERRORS = (
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
    RuntimeError,  # imagecodecs' DeflateError, ZstdError, ImcdError, Jpeg8Error on damaged TIFF strips; HDF5's errors
    ArithmeticError,  # tifffile divides by a RowsPerStrip of 0; sizes that overflow
    AssertionError,  # tifffile asserts what a page's header should hold (a series of pages of no dtype)
    tokenize.TokenError,
    Image.DecompressionBombError,
)


class ReadError(DataError):
    """A file that cannot be used as an image or mask; `code` says why, for the data audit.

    Codes: unreadable, missing-codec, missing, broken-link, not-a-file, permission-denied, empty-file,
    not-an-image, wrong-extension, bad-shape, bad-dtype, npz-arrays, too-many-pixels, and the
    `MappingError` codes for masks.
    """

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(one_line(message))
        self.code = code


class Unusable(Exception):
    """Raised inside a reader for a file that decodes but cannot be used; `decode` names the file.

    `detail` reads after the file's name ("is 30000x30000 = ... pixels, ...").
    """

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.code = code


def decode(path: Path, what: str, reader: Callable[[Path], _T]) -> _T:
    """`reader(path)`, with every way it can fail reported as a `ReadError` naming `what` and `path`.

    Raises:
        ReadError: missing, empty, unreadable or damaged file, a codec not installed, or an
            empty array.
    """
    if not os.path.exists(path):  # os.path's look-ups: a name too long for the file system is none, where Path's raise
        if os.path.islink(path):
            raise ReadError(f"{what} '{path}' is a broken symbolic link (or a link loop)", "broken-link")
        raise ReadError(f"{what} '{path}' does not exist", "missing")
    kind = irregular_kind(path)  # a FIFO's open would wait for a writer forever
    if kind is not None:
        raise ReadError(f"{what} '{path}' is {kind}, not a file", "not-a-file")
    try:
        if path.stat().st_size == 0:
            raise ReadError(f"{what} '{path}' is an empty file (0 bytes)", "empty-file")
        with reading(path):
            array = reader(path)
    except DataError:
        raise
    except Unusable as err:
        raise ReadError(f"{what} '{path}' {err}", err.code) from None
    except PermissionError as err:
        raise ReadError(f"{what} '{path}' cannot be opened: permission denied", "permission-denied") from err
    except (ImportError, *DECODE_ERRORS) as err:  # ImportError: imagecodecs lacks one codec
        raise _explain(path, what, err) from err
    if isinstance(array, np.ndarray) and array.size == 0:
        raise ReadError(f"{what} '{path}' is empty (shape {array.shape})", "bad-shape")
    return array


def format_by_content(path: Path) -> str | None:
    """The format a file's first bytes say it holds ("HDF5", "PNG", "DICOM", ...), whatever its
    suffix; None for others or an unreadable file."""
    return _format_of(_head(path))


def _head(path: Path) -> bytes:
    try:
        with open_regular(path) as file:
            return file.read(_DICOM_MAGIC_AT + 4)
    except OSError:
        return b""


def _format_of(head: bytes) -> str | None:
    if head[_DICOM_MAGIC_AT:] == b"DICM":
        return "DICOM"
    if head.startswith(_RIFF) and head[WEBP_HEADER - len(_WEBP):WEBP_HEADER] == _WEBP:
        return "WebP"
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def _explain(path: Path, what: str, err: BaseException) -> ReadError:
    """Why a file failed to decode: a codec not installed, not an image at all, a misleading
    suffix, or damage."""
    fix = _missing_codec(err)
    if fix is not None:
        return ReadError(f"{what} '{path}' needs a codec that is not installed ({err}); {fix}", "missing-codec")
    head = _head(path)
    found = _format_of(head)
    head = head[:16]
    suffix = path.suffix.lower()
    if found is None and head:
        return ReadError(
            f"{what} '{path}' is not an image file: it starts with {_show_bytes(head)}, "
            "not PNG, JPEG, WebP, JPEG 2000, TIFF, BMP, GIF, PPM/PGM, DICOM, NumPy (.npy, .npz) or HDF5 data",
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
    """Which decoder handles a format name or a file suffix: numpy, numpy-zip, h5py, tifffile, pydicom or Pillow."""
    if format_or_suffix in ("NumPy", ".npy"):
        return "numpy"
    if format_or_suffix in ("NumPy archive (zip)", ".npz"):
        return "numpy-zip"
    if format_or_suffix in ("HDF5", ".h5", ".hdf5"):
        return "h5py"
    if format_or_suffix in ("TIFF", *TIFF_SUFFIXES):
        return "tifffile"
    if format_or_suffix in ("DICOM", ".dcm"):
        return "pydicom"
    return "pillow"


def _show_bytes(head: bytes) -> str:
    text = head.decode("utf-8", errors="replace")
    if text.isprintable():
        return f"text {text[:12]!r}"
    return "bytes " + head[:8].hex(" ")
