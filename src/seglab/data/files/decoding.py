"""Pixels and headers of each file type: Pillow (PNG, JPEG, WebP, BMP, GIF, JPEG 2000 headers),
tifffile, NumPy, HDF5, MATLAB (.mat masks), DICOM (2-D images).

`read_array` gives a file's pixels as stored, `file_header` what its header says; both check
the pixel budget from the header first. Pillow's own decompression-bomb limit is raised to the
budget, so seglab's check decides. Pillow keeps 16 bits of grey PNGs only: 16-bit colour ones
(SYNTHIA's label masks, scientific RGB exports) are decoded by imagecodecs, at full depth; so are
JPEG 2000 files, whose colour above 8 bits Pillow reads as 8 and whose 9-15-bit grey it scales. Images
with an EXIF orientation are read the way viewers show them (rotated). Run them through
`read_errors.decode`, which names the file on any failure.
"""

from __future__ import annotations

import math
import re
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import imagecodecs
import numpy as np
import tifffile
from PIL import Image, ImageOps

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.files.channels import MAX_CHANNELS, channels_first_beside
from seglab.data.files.dicom import DICOM_SUFFIX, dicom_frames, read_dicom_image
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_header, h5_holds_image_and_mask, h5_pair_shapes, load_h5
from seglab.data.files.mat_files import MAT_SUFFIX, is_hdf5_mat, load_mat
from seglab.data.files.no_data import page_no_data
from seglab.data.files.npy_files import holds_image_and_mask as npz_holds_image_and_mask
from seglab.data.files.npy_files import load_npy, load_npz, npy_header, npz_header, npz_pair_shapes
from seglab.data.files.pixel_budget import max_pixels, within_budget
from seglab.data.files.read_errors import TIFF_SUFFIXES, Unusable

_OPENING = threading.Lock()  # see _open_pillow
_EXIF_ORIENTATION = 0x0112  # 1 = stored as shown; 5-8 swap height and width
_SHAPED_PAGES = 256  # pages of a TIFF read with tifffile's own series metadata: 0.1 s of its pairing (`open_tiff`)

# Pillow modes numpy reads directly with their precision kept; others are converted
_NATIVE_MODES = ("L", "RGB", "RGBA", "RGBa", "RGBX", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")
_PNG_WIDE_COLOUR = (2, 4, 6)  # PNG colour types RGB, grey + alpha, RGBA: Pillow keeps 8 of their 16 bits
# EXIF orientation -> the view of stored pixels that viewers show (as ImageOps.exif_transpose)
_SHOWN = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1], 5: lambda a: a.swapaxes(0, 1),
          6: lambda a: np.rot90(a, -1), 7: lambda a: a.swapaxes(0, 1)[::-1, ::-1], 8: lambda a: np.rot90(a, 1)}


@dataclass(frozen=True)
class FileHeader:
    """What a file's header says, before any pixel is decoded.

    Args:
        format: "PNG", "JPEG", "TIFF", "BMP", "NumPy", ... as the file's reader names it.
        mode: Pillow mode ("RGBA", "CMYK", "P", ...); for a TIFF "RGBA" when it declares an alpha
            sample, else ""; "" for arrays (NumPy, HDF5), whose channels are all data.
        frames: pages of a TIFF, frames of an animated PNG or GIF; 1 otherwise.
        orientation: the EXIF orientation (1-8) of images Pillow reads; 1 when there is none.
        size: (height, width) as viewers show the image, for images Pillow reads, and a TIFF's
            first page (its tags); else None.
    """

    format: str
    mode: str
    frames: int
    orientation: int = 1
    size: tuple[int, int] | None = None

    @property
    def transposed(self) -> bool:
        """Whether the EXIF orientation swaps height and width (orientations 5-8)."""
        return self.orientation in (5, 6, 7, 8)


def file_header(path: Path) -> FileHeader:
    """Format, colour mode, frame count and orientation of an image file, from its header."""
    suffix = path.suffix.lower()
    if suffix in (".npy", ".npz", *HDF5_SUFFIXES):
        kind, header = ("HDF5", h5_header) if suffix in HDF5_SUFFIXES else \
            ("NumPy", npz_header if suffix == ".npz" else npy_header)
        header(path)
        return FileHeader(kind, "", 1)
    if suffix in TIFF_SUFFIXES:
        with open_tiff(path) as tif:
            pages, first = 1 if _channel_pages(tif) else len(tif.pages), tif.pages[0]
            return FileHeader("TIFF", "RGBA" if _alpha_samples(first) else "", pages,
                              size=(first.imagelength, first.imagewidth))
    if suffix == MAT_SUFFIX:
        return FileHeader("MAT", "", 1)
    if suffix == DICOM_SUFFIX:
        return FileHeader("DICOM", *dicom_frames(path))
    with _open_pillow(path) as image:
        header = FileHeader(image.format or "", image.mode, int(getattr(image, "n_frames", 1)), _orientation(image))
        return replace(header, size=(image.width, image.height) if header.transposed else (image.height, image.width))


def read_array(path: Path, role: str, palette_rgb: bool, keep_alpha: bool = False) -> np.ndarray:
    """Pixels of any supported file, without alpha unless `keep_alpha` (a 4th channel that is
    data: MFNet's thermal band); palette images (PNG, GIF) give colours or, for masks, indices.
    Channels come last (a TIFF's separate planes and channel pages too).

    `role` ("image" or "mask") picks the array of a .npz or HDF5 file that holds several; the image
    of such a pair stored channels first comes channels last (`channels_first_pair`).
    """
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return load_npy(path)
    if suffix in (".npz", *HDF5_SUFFIXES):
        array = load_npz(path, role) if suffix == ".npz" else load_h5(path, role)
        return np.moveaxis(array, 0, -1) if role == "image" and channels_first_pair(path) else array
    if suffix == MAT_SUFFIX and is_hdf5_mat(path):  # MATLAB 7.3 is HDF5
        return load_h5(path, role)
    if suffix == MAT_SUFFIX:
        return load_mat(path)
    if suffix == DICOM_SUFFIX:
        return read_dicom_image(path)
    if suffix in TIFF_SUFFIXES:
        return read_tiff(path, keep_alpha)[0]
    with _open_pillow(path) as image:
        if image.format == "PNG" and _wide_colour_png(path):
            return _wide_png_pixels(path, _orientation(image), keep_alpha)
        if image.format == "JPEG2000":
            return _alpha_kept(imagecodecs.jpeg2k_decode(regular_file(path).read_bytes()), keep_alpha)
        image.load()
        if _orientation(image) != 1:  # as viewers show it; the mask must be drawn on that view
            image = ImageOps.exif_transpose(image)
        mode = image.mode
        if mode in ("P", "PA"):
            # via RGBA: Pillow warns when a palette with transparency goes straight to RGB; its
            # transparency is never data
            image = image.convert("RGBA").convert("RGB") if palette_rgb else image.getchannel(0)
        elif mode in ("LA", "La"):
            image = image.convert("LA") if keep_alpha else image.getchannel(0)
        elif mode == "1":
            image = image.convert("L")
        elif mode not in _NATIVE_MODES:  # CMYK, YCbCr, LAB, HSV, ...
            image = image.convert("RGB")
        if image.mode == "RGBX" or (image.mode in ("RGBA", "RGBa") and not keep_alpha):
            image = image.convert("RGB")
        return np.array(image)


@contextmanager
def _open_pillow(path: Path) -> Iterator[Image.Image]:
    """Open with Pillow, refusing an image over the budget from its header; Pillow's own
    decompression-bomb warning is silenced (this check replaces it)."""
    budget = max_pixels()
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < budget:
        Image.MAX_IMAGE_PIXELS = budget  # Pillow refuses above twice its limit; the budget decides
    # catch_warnings swaps the process's filters: one thread's exit would restore them under
    # another that is opening, whose warning would then reach the user. Opening reads the header only.
    with _OPENING, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(regular_file(path))
        except Image.DecompressionBombError as err:  # over twice the budget: Pillow stops first
            size = re.search(r"\((\d+) pixels\)", str(err))
            within_budget((int(size.group(1)),) if size else (budget + 1,))
            raise
    with image:
        within_budget((image.height, image.width))
        yield image


def _wide_colour_png(path: Path) -> bool:
    """Whether a PNG's header (IHDR, the first chunk) declares 16-bit colour or grey + alpha."""
    with open_regular(path) as file:
        head = file.read(26)  # signature, chunk length and type, width, height, bit depth, colour type
    return head[12:16] == b"IHDR" and head[24] == 16 and head[25] in _PNG_WIDE_COLOUR


def _wide_png_pixels(path: Path, orientation: int, keep_alpha: bool = False) -> np.ndarray:
    """A 16-bit colour (or grey + alpha) PNG's uint16 pixels, without alpha unless `keep_alpha`,
    as viewers show them."""
    array = _alpha_kept(imagecodecs.png_decode(regular_file(path).read_bytes()), keep_alpha)
    return np.ascontiguousarray(_SHOWN[orientation](array) if orientation != 1 else array)


def _alpha_kept(array: np.ndarray, keep_alpha: bool) -> np.ndarray:
    """Pixels imagecodecs decoded, their alpha (grey + alpha, RGBA) dropped unless `keep_alpha`."""
    if keep_alpha or array.ndim != 3 or array.shape[2] not in (2, 4):
        return array
    return array[..., 0] if array.shape[2] == 2 else array[..., :3]


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, ValueError, SyntaxError, struct.error):  # damaged EXIF: shown as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def read_tiff(path: Path, keep_alpha: bool = False) -> tuple[np.ndarray, float | None]:
    """The first page, channels last, without the samples its tags declare alpha (unless
    `keep_alpha`: a dataset whose alpha holds data); other extra samples (a GeoTIFF's
    near-infrared band) are data and kept. A stack whose metadata says its
    pages are channels (an ImageJ hyperstack or OME-TIFF of axes CYX: fluorescence microscopy's
    nuclei and membrane channels) gives them all, channels last. With the pixels, the first page's
    GDAL_NODATA value (`no_data.page_no_data`), read in the same open; None without one."""
    with open_tiff(path) as tif:
        no_data = page_no_data(tif.pages[0])
        series = _channel_pages(tif)
        if series is not None:
            within_budget((*series.shape[1:], series.shape[0]))
            within_file(series.pages, path)
            return np.moveaxis(series.asarray(), 0, -1), no_data
        page = tif.pages[0]
        within_budget(page.shape)  # tiled and compressed pages too: the tags give the shape
        within_file([page], path)
        alpha, samples, separate = _alpha_samples(page), page.samplesperpixel, page.planarconfig == 2
        array = np.asarray(page.asarray())
    if separate and array.ndim == 3 and array.shape[0] == samples != array.shape[2]:  # planes: (S, H, W)
        array = np.moveaxis(array, 0, -1)
    if alpha and not keep_alpha and array.ndim == 3 and array.shape[2] == samples:
        array = np.delete(array, alpha, axis=2)
    return array, no_data


def open_tiff(path: Path) -> tifffile.TiffFile:
    """A TIFF file opened for its pages and series. tifffile pairs each series of a file with every
    other to find pyramid levels, in time that grows with the square of their count, and its own
    writer makes a series of each page appended (`imwrite(..., append=True)` in a loop): 4,000
    pages took 18 s, 20,000 ten minutes. A file of more than `_SHAPED_PAGES` pages is opened again
    without that writer's metadata, its pages grouped by their shape (a stack of 20,000: 2 s); a
    series of channels (CYX) is `MAX_CHANNELS` pages at most, and every slice axis reads alike.

    Raises:
        OSError, tifffile.TiffFileError: as `tifffile.TiffFile`.
    """
    tif = tifffile.TiffFile(regular_file(path))
    if not tif.is_shaped or len(tif.pages) <= _SHAPED_PAGES:
        return tif
    tif.close()
    return tifffile.TiffFile(regular_file(path), is_shaped=False)


def first_series(tif: tifffile.TiffFile) -> tifffile.TiffPageSeries | None:
    """tifffile's first series of a file `open_tiff` opened; None for a file of none, and unasked
    for one of more than `_SHAPED_PAGES` pages of more than `MAX_CHANNELS` shapes, whose series
    tifffile would pair in time growing with the square of their count: no stack (pages of one
    shape, a thumbnail's aside)."""
    if len(tif.pages) > _SHAPED_PAGES and len({page.shape for page in tif.pages}) > MAX_CHANNELS:
        return None
    return tif.series[0] if tif.series else None


def within_file(pages: object, path: Path) -> None:
    """Every strip or tile of the pages lies within the file: tifffile reads each with a file
    read of the length its tag states, which first allocates that much (a damaged byte count
    asked for 67 MB of a 400-byte file); and the pages hold the strips or tiles their shape
    needs, as tifffile allocates the whole shape before it finds them missing (a damaged
    ImageLength of 6,815,776 rows asked for 218 MB of a 339-byte file, 1 strip of 212,993).

    Raises:
        Unusable: a strip or tile past the file's end, or fewer than the shape needs (`unreadable`).
    """
    size = path.stat().st_size
    for page in pages:  # type: ignore[attr-defined]
        needed, held = math.prod(getattr(page, "chunked", ()) or (0,)), len(getattr(page, "dataoffsets", ()))
        if held < needed:
            raise Unusable(f"is corrupt or truncated: its {getattr(page, 'shape', '')} pixels need {needed:,} TIFF "
                           f"strips or tiles and it holds {held:,}", "unreadable")
        for offset, count in zip(getattr(page, "dataoffsets", ()), getattr(page, "databytecounts", ())):
            if offset + count > size:
                raise Unusable(f"is corrupt or truncated: a TIFF strip or tile of {count:,} bytes at {offset:,} runs "
                               f"past the file's end ({size:,} bytes)", "unreadable")


def _channel_pages(tif: tifffile.TiffFile) -> tifffile.TiffPageSeries | None:
    """The series of a TIFF whose pages its metadata calls channels (axes CYX, 2 to
    `MAX_CHANNELS` of them); None for other files, whose pages may be slices or frames, and
    unasked for one of more than `_SHAPED_PAGES` pages: tifffile pairs the series of pages of
    differing shapes in time growing with the square of their count (3,000 pages of a 5 MB upload
    took 143 s), and channels are a few pages."""
    if len(tif.pages) > _SHAPED_PAGES:
        return None
    series = tif.series[0] if tif.series else None
    if series is None or series.axes != "CYX" or not 2 <= series.shape[0] <= MAX_CHANNELS:
        return None
    return series


def _alpha_samples(page: tifffile.TiffPage) -> list[int]:
    """Which samples of a TIFF page its ExtraSamples tag declares alpha (associated or not)."""
    extras = tuple(page.extrasamples or ())
    first = page.samplesperpixel - len(extras)
    if first < 1:  # a tag that does not fit the page: nothing is declared
        return []
    return [first + i for i, kind in enumerate(extras) if int(kind) in (1, 2)]


def channels_first_pair(path: Path) -> bool:
    """Whether a .npz or HDF5 file is a pair by itself whose image array is (C, H, W), its channels
    first, as the (H, W) mask array beside it shows (`channels.channels_first_beside`: Sen2Fire's
    `image` (12, 512, 512) beside `label` (512, 512)), from the headers: `read_array` gives such an
    image channels last, where it had been refused as of a bad shape."""
    suffix = path.suffix.lower()
    shapes = npz_pair_shapes(path) if suffix == ".npz" else h5_pair_shapes(path) if suffix in HDF5_SUFFIXES else None
    return shapes is not None and channels_first_beside(*shapes)


def holds_image_and_mask(path: Path) -> bool:
    """Whether a .npz or HDF5 file is a pair by itself: an image array and a mask array."""
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return npz_holds_image_and_mask(path)
    return suffix in HDF5_SUFFIXES and h5_holds_image_and_mask(path)
