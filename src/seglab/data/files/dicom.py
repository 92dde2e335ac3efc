"""Read one DICOM series (a folder of single-frame slices) as a voxel array and its affine, and
2-D DICOM images (radiographs, mammograms, ultrasound frames) as images.

Slices are ordered by their position along the slice normal, not by file name or
InstanceNumber, which exporters fill inconsistently; the affine maps voxels to RAS millimetres
like a NIfTI affine, so DICOM and NIfTI volumes share every step after reading.
"""

from __future__ import annotations

import struct
import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import BytesLengthException, InvalidDicomError

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.files.folder_listing import files_in
from seglab.data.files.file_warnings import reading
from seglab.data.files.pixel_budget import check_pixels, within_budget
from seglab.data.files.read_errors import Unusable
from seglab.errors import DataError

# what pydicom raises on a damaged element when it is first read: a bad value, a length that is no
# multiple of its value size, an unknown value representation, a short buffer
_DAMAGE = (ValueError, TypeError, KeyError, IndexError, AttributeError, EOFError, OverflowError, NotImplementedError,
           struct.error, BytesLengthException)

DICOM_SUFFIX = ".dcm"
# DICOM objects drawn on an image series, not images: by SOP class UID, or by Modality where that is
# missing; each its structures' sequence and name, and the tools that turn it into label volumes
_DRAWN_CLASSES = {"1.2.840.10008.5.1.4.1.1.481.3": "RTSTRUCT", "1.2.840.10008.5.1.4.1.1.66.4": "SEG"}
_DRAWN = {
    "RTSTRUCT": ("RT structure set (RTSTRUCT) of contours", "StructureSetROISequence", "ROIName",
                 "`dcmrtstruct2nii convert -r <RTSTRUCT file> -d <its image series folder> -o <labels folder>`, "
                 "platipy or rt-utils"),
    "SEG": ("segmentation object (SEG) of segments", "SegmentSequence", "SegmentLabel",
            "dcmqi's `segimage2itkimage --inputDICOM <SEG file> --outputDirectory <labels folder>` or pydicom-seg"),
}
_NAMES_SHOWN = 12
_PREAMBLE = 128  # DICOM Part 10 files hold "DICM" after a 128-byte preamble
_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def dicom_files(folder: Path) -> list[Path]:
    """The DICOM files directly in `folder`: `.dcm` files and extension-less files marked "DICM"."""
    if not folder.is_dir():
        return []
    return sorted(p for p in files_in(folder) if not p.name.startswith(".") and is_dicom(p))


def is_series(folder: Path) -> bool:
    """Whether `folder`'s DICOM files are the slices of one series (two or more of one
    SeriesInstanceUID): a volume; else each is an image of its own (a folder of radiographs).
    Headers only, once per folder as it stands (`seglab predict` asks for each of its files);
    a file that cannot be read counts as a slice, so reading the series names it."""
    try:
        return _one_series(folder, folder.stat().st_mtime_ns)
    except OSError:
        return False


@functools.lru_cache(maxsize=256)
def _one_series(folder: Path, changed: int) -> bool:
    files = dicom_files(folder)
    if len(files) < 2:
        return False
    series = set()
    for path in files:
        try:
            with reading(path):
                series.add(str(pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SeriesInstanceUID"])
                               .get("SeriesInstanceUID", "")))
        except (InvalidDicomError, OSError, *_DAMAGE):
            continue
        if len(series) > 1:
            return False
    return True


def dicom_frames(path: Path) -> tuple[str, int]:
    """A 2-D DICOM image's colour mode ("" grey, "RGB") and frame count, from its header."""
    ds = _dataset(path, pixels=False)
    return ("RGB" if int(getattr(ds, "SamplesPerPixel", 1) or 1) == 3 else ""), int(getattr(ds, "NumberOfFrames", 1)
                                                                                    or 1)


def dicom_size(path: Path) -> tuple[int, int]:
    """A 2-D DICOM image's (height, width), from its header (Rows, Columns)."""
    ds = _dataset(path, pixels=False)
    return int(getattr(ds, "Rows", 0) or 0), int(getattr(ds, "Columns", 0) or 0)


def read_dicom_image(path: Path) -> np.ndarray:
    """A 2-D DICOM image's pixels: grey (H, W) float32 in its modality's units (RescaleSlope and
    RescaleIntercept applied), MONOCHROME1 inverted within its stored bits so that bright is high,
    as MONOCHROME2; colour (H, W, 3) as RGB. A multi-frame file gives its first frame.

    Raises:
        Unusable: not DICOM or damaged (`unreadable`), compressed pixels without their decoder
            (`missing-codec`), an RTSTRUCT or a SEG (`drawn_object`), no pixels or more than the
            pixel budget.
    """
    ds = _dataset(path, pixels=True)
    drawn = drawn_object(ds)
    if drawn is not None:
        raise Unusable(drawn, "not-an-image")
    if "PixelData" not in ds and ("Rows" in ds or not len(ds)):
        raise Unusable("is a damaged or truncated DICOM file: it holds no pixel data where an image or any element "
                       "should follow", "unreadable")
    if "PixelData" not in ds:
        raise Unusable("is a DICOM file without pixel data (a report, a DICOMDIR)", "not-an-image")
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    within_budget((int(getattr(ds, "Rows", 0) or 0), int(getattr(ds, "Columns", 0) or 0)))
    try:
        pixels = ds.pixel_array if frames == 1 else pydicom.pixels.pixel_array(ds, index=0)
    except (NotImplementedError, RuntimeError, ImportError) as err:
        raise Unusable(f"holds pixels compressed as {getattr(ds.file_meta, 'TransferSyntaxUID', '?')}, whose decoder "
                       f"is not installed ({err}): pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg",
                       "missing-codec") from None
    except _DAMAGE as err:
        raise Unusable(f"holds pixel data that cannot be decoded ({type(err).__name__}: {err})", "unreadable") from None
    photometric = str(getattr(ds, "PhotometricInterpretation", "MONOCHROME2")).upper()
    if pixels.ndim == 3 and pixels.shape[-1] == 3:
        if photometric.startswith("YBR"):
            pixels = pydicom.pixels.convert_color_space(pixels, photometric, "RGB")
        return pixels
    if pixels.ndim != 2:
        raise Unusable(f"has pixels of shape {pixels.shape}; expected a grey or RGB image", "bad-shape")
    if photometric == "MONOCHROME1":  # inverted within the stored range, the same for every image
        bits = int(getattr(ds, "BitsStored", 0) or pixels.dtype.itemsize * 8)
        pixels = -pixels.astype(np.int64) if int(getattr(ds, "PixelRepresentation", 0) or 0) \
            else (1 << bits) - 1 - pixels.astype(np.int64)
    slope = float(getattr(ds, "RescaleSlope", 1.0) or 1.0)
    intercept = float(getattr(ds, "RescaleIntercept", 0.0) or 0.0)
    return pixels.astype(np.float32) * np.float32(slope) + np.float32(intercept)


def drawn_object(ds: pydicom.Dataset) -> str | None:
    """Why a DICOM file drawn on an image series, an RTSTRUCT's contours (TCIA's LCTSC: a CT series
    beside `1-1.dcm`) or a SEG's segments, is neither an image nor a mask seglab reads: what it is,
    the structures it names and the tools that turn it into NIfTI label volumes. None for any other
    file. Its structures' names are read as far as the file is whole."""
    try:
        kind = _DRAWN_CLASSES.get(str(ds.get("SOPClassUID", ""))) or str(ds.get("Modality", "")).upper()
    except _DAMAGE:  # damaged where it would say: read as any other file, which names the damage
        return None
    if kind not in _DRAWN:
        return None
    what, sequence, field, tools = _DRAWN[kind]
    names: list[str] = []
    try:
        for item in ds.get(sequence, []):
            names.append(str(item.get(field, "") or "?"))
    except _DAMAGE:
        pass  # a damaged sequence: the names read so far
    more = f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else ""
    listed = ", ".join(names[:_NAMES_SHOWN]) + more
    return (f"is a DICOM {what} ({listed or 'none named'}) drawn on an image series, not an image or a mask: seglab "
            f"reads neither; convert it to NIfTI label volumes on the series' grid ({tools}), the series to NIfTI "
            "with dcm2niix, and pass their folders as --images DIR --masks DIR")


def _parsed(path: Path, pixels: bool = True) -> pydicom.Dataset:
    """A DICOM file parsed from its bytes in memory: a damaged element length then asks a buffer
    for more than it holds, where pydicom reading a file first allocates all it was asked for (a
    slice whose pixel data claims 2 GB allocated 2 GB). Raises what reading and pydicom raise."""
    ds = pydicom.dcmread(io.BytesIO(regular_file(path).read_bytes()), stop_before_pixels=not pixels)
    ds.filename = str(path)  # messages name the file, as when pydicom opens it
    return ds


def _dataset(path: Path, pixels: bool) -> pydicom.Dataset:
    """`_parsed`, its failures a 2-D image's (`Unusable`)."""
    try:
        return _parsed(path, pixels)
    except (InvalidDicomError, *_DAMAGE) as err:
        raise Unusable(f"cannot be read as DICOM (damaged, or not DICOM): {err}", "unreadable") from None


def is_dicom(path: Path) -> bool:
    """Whether `path` names a DICOM file: a `.dcm` one, or one without an extension marked "DICM"."""
    if path.suffix.lower() == ".dcm":
        return True
    if path.suffix:
        return False
    try:
        with open_regular(path) as file:
            head = file.read(_PREAMBLE + 4)
    except OSError:
        return False
    return head[_PREAMBLE:] == b"DICM"


def read_dicom_series(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Voxels (rows, columns, slices) as float32 with RescaleSlope/Intercept applied, and the
    4x4 voxel-to-RAS affine.

    Raises:
        DataError: no slices (an RTSTRUCT's or a SEG's folder: `drawn_object`), several series,
            multi-frame or compressed data that cannot be decoded, missing geometry tags, slices of
            different size, orientation or position, or a damaged file (pydicom parses elements
            when they are first read: a damaged one fails then, with any of `_DAMAGE`).
    """
    with _damage_named(folder):
        datasets, affine, shape = _placed_series(folder, pixels=True)
        check_pixels(folder, "DICOM series", shape)  # before any slice is decoded
        slices = [_pixels(ds) for ds in datasets]
    if len({s.shape for s in slices}) > 1:
        raise DataError(f"DICOM series '{folder}' mixes slice sizes {sorted({s.shape for s in slices})}")
    return np.stack(slices, axis=-1), affine


def dicom_series_grid(folder: Path) -> tuple[tuple[int, int, int], np.ndarray]:
    """The voxel grid of a DICOM series from its headers alone, as `read_dicom_series` reads it:
    (rows, columns, slices) and the voxel-to-RAS affine; no pixel data is read (a release's other
    series of a patient are told apart from the one its labels were drawn on by their grids).

    Raises:
        DataError: as `read_dicom_series`, for a series whose headers do not form one volume.
    """
    with _damage_named(folder):
        _, affine, shape = _placed_series(folder, pixels=False)
    return shape, affine


@contextmanager
def _damage_named(folder: Path) -> Iterator[None]:
    """A series file's damage (any of `_DAMAGE`, raised where pydicom first parses an element)
    as a `DataError` naming the series and a route around it."""
    try:
        yield
    except _DAMAGE as err:
        raise DataError(f"DICOM series '{folder}' holds a damaged file ({type(err).__name__}: {err}); export the "
                        "series again, or convert it to NIfTI with dcm2niix") from None


def _placed_series(folder: Path, pixels: bool) -> tuple[list[pydicom.Dataset], np.ndarray, tuple[int, int, int]]:
    """The series' slices in order (`_placed`), its affine and its grid (rows, columns, slices):
    the files holding pixel data, or with `pixels` False their headers alone, of those with Rows,
    but for objects drawn on a series (`drawn_object`: an RTSTRUCT or a SEG beside the slices).

    Raises:
        DataError: as `_placed`; a folder of drawn objects alone, naming one and the route.
    """
    kept = "PixelData" if pixels else "Rows"  # a DICOMDIR has neither
    found = [(ds, drawn_object(ds)) for ds in (_read(path, pixels) for path in dicom_files(folder))]
    datasets = [ds for ds, drawn in found if kept in ds and drawn is None]  # an RTSTRUCT beside its slices passed over
    if not datasets and any(drawn for _, drawn in found):  # a folder of an RTSTRUCT or a SEG: no volume
        ds, drawn = next((ds, drawn) for ds, drawn in found if drawn)
        raise DataError(f"DICOM file '{ds.filename}' {drawn}")
    datasets, affine = _placed(folder, datasets)
    rows, columns = (int(getattr(datasets[0], tag, 0) or 0) for tag in ("Rows", "Columns"))
    return datasets, affine, (rows, columns, len(datasets))


def _placed(folder: Path, datasets: list[pydicom.Dataset]) -> tuple[list[pydicom.Dataset], np.ndarray]:
    """A series' image slices in order along the slice normal, and the voxel-to-RAS affine of
    (rows, columns, slices), from their headers.

    Raises:
        DataError: no slices, several series, mixed orientations, slices at one position or unevenly spaced.
    """
    if not datasets:
        raise DataError(f"DICOM folder '{folder}' holds no image slices (.dcm or extension-less DICOM files)")
    series = {str(getattr(ds, "SeriesInstanceUID", "")) for ds in datasets}
    if len(series) > 1:
        raise DataError(f"DICOM folder '{folder}' holds {len(series)} series; put each series in its own folder")
    orientation = _floats(datasets[0], "ImageOrientationPatient", 6)
    if any(not np.allclose(_floats(ds, "ImageOrientationPatient", 6), orientation, atol=1e-4) for ds in datasets):
        raise DataError(f"DICOM series '{folder}' mixes slice orientations; it cannot form one volume")
    row_cos, col_cos = orientation[:3], orientation[3:]
    normal = np.cross(row_cos, col_cos)
    positions = np.array([_floats(ds, "ImagePositionPatient", 3) for ds in datasets])
    order = np.argsort(positions @ normal, kind="stable")
    datasets, positions = [datasets[i] for i in order], positions[order]
    gaps = np.diff(positions @ normal)
    if len(gaps) and gaps.min() < 1e-4:
        raise DataError(f"DICOM series '{folder}' has several slices at one position (a repeated or mixed series)")
    if len(gaps) and gaps.max() - gaps.min() > 0.01 * np.median(gaps):  # the affine assumes one spacing
        raise DataError(f"DICOM series '{folder}' has uneven slice spacing ({gaps.min():g} to {gaps.max():g} mm): "
                        "a slice is missing or two series are mixed; restore the missing files")
    row_spacing, col_spacing = _floats(datasets[0], "PixelSpacing", 2)
    if len(datasets) > 1:
        step = (positions[-1] - positions[0]) / (len(datasets) - 1)
    else:
        step = normal * float(getattr(datasets[0], "SliceThickness", 1.0) or 1.0)
    affine = np.eye(4)
    affine[:3, 0] = col_cos * row_spacing  # down a column: array axis 0 (rows)
    affine[:3, 1] = row_cos * col_spacing  # along a row: array axis 1 (columns)
    affine[:3, 2] = step
    affine[:3, 3] = positions[0]
    return datasets, _LPS_TO_RAS @ affine  # DICOM patient space is LPS, NIfTI's is RAS


def _read(path: Path, pixels: bool = True) -> pydicom.Dataset:
    """`_parsed`, its failures a series slice's (`DataError`)."""
    try:
        return _parsed(path, pixels)
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError) as err:
        raise DataError(f"DICOM file '{path}' cannot be read (damaged, or not DICOM): {err}") from None


def _floats(ds: pydicom.Dataset, tag: str, count: int) -> np.ndarray:
    values = getattr(ds, tag, None)
    try:
        array = np.array([float(v) for v in values], dtype=np.float64)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        array = np.array([])
    if array.shape != (count,):
        raise DataError(f"DICOM file '{ds.filename}' lacks a valid {tag} ({count} numbers), needed to place the slice")
    return array


def _pixels(ds: pydicom.Dataset) -> np.ndarray:
    if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1:
        raise DataError(f"DICOM file '{ds.filename}' holds several frames; seglab reads series of single-frame "
                        "slices (convert it with dcm2niix to NIfTI)")
    check_pixels(Path(str(ds.filename)), "DICOM file", (int(getattr(ds, "Rows", 0) or 0),
                                                      int(getattr(ds, "Columns", 0) or 0)))
    try:
        pixels = ds.pixel_array
    except (NotImplementedError, RuntimeError, ValueError, AttributeError) as err:
        raise DataError(f"DICOM file '{ds.filename}' pixel data cannot be decoded ({err}); decompress the series "
                        "or convert it to NIfTI with dcm2niix") from None
    if pixels.ndim != 2:
        raise DataError(f"DICOM file '{ds.filename}' has pixel shape {pixels.shape}; expected one grey slice")
    slope = float(getattr(ds, "RescaleSlope", 1.0) or 1.0)
    intercept = float(getattr(ds, "RescaleIntercept", 0.0) or 0.0)
    return pixels.astype(np.float32) * np.float32(slope) + np.float32(intercept)
