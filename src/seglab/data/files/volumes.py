"""Read medical volumes (NIfTI, Analyze 7.5, MetaImage and NRRD files, DICOM series) in canonical RAS order, cut
them into 2-D slices, and write label volumes back in the source's own voxel order.

Every volume is reoriented to RAS+ (as `nibabel.as_closest_canonical` does) before slicing, so
"axial" means the same plane whatever order the scanner stored the voxels in, and a model
trained on one dataset sees slices of another the same way up. An Analyze 7.5 header records
voxel sizes but no orientation: nibabel reads it as Analyze's default transverse order, x
running right to left (LAS, radiological, as SPM does), and it is reoriented from there like
NIfTI (its x axis flipped).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.filebasedimages import ImageFileError
from nibabel.orientations import (
    OrientationError,
    apply_orientation,
    axcodes2ornt,
    inv_ornt_aff,
    io_orientation,
    ornt_transform,
)
from nibabel.spatialimages import HeaderDataError

from seglab.data.classes.text_files import irregular_kind, regular_file
from seglab.data.files.folder_listing import files_in
from seglab.data.files.channels import MAX_CHANNELS
from seglab.data.files.dicom import dicom_series_grid, is_series, read_dicom_series
from seglab.data.files.file_warnings import reading
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, load_h5_volume
from seglab.data.files.label_dtype import label_dtype
from seglab.data.files.metaimage import (
    METAIMAGE_SUFFIXES,
    NRRD_SUFFIXES,
    header_grid,
    is_metaimage,
    is_nrrd,
    read_metaimage,
    read_nrrd,
    write_labels,
)
from seglab.data.files.pixel_budget import check_pixels
from seglab.data.files.read_errors import decode
from seglab.errors import ConfigError, DataError

ANALYZE_SUFFIX = ".hdr"  # Analyze 7.5 (or a NIfTI-1 pair): the header, its voxels in the `.img` beside it
VOLUME_SUFFIXES = (".nii.gz", ".nii", ANALYZE_SUFFIX, *METAIMAGE_SUFFIXES, *NRRD_SUFFIXES)
SLICE_AXES = {"sagittal": 0, "coronal": 1, "axial": 2}  # axes of the RAS+ voxel order
THICK_SLICES = 2.0  # voxels this many times farther apart across one plane than within it: a stack of 2-D acquisitions
COLOUR_PLANES = (3, 4)  # an RGB(A) picture stored channel-first is a "volume" of this many planes (FH-PS-AOP)
# nibabel reports damaged files as any of these (gzip: OSError/EOFError/zlib.error; headers: ValueError)
_NIFTI_ERRORS = (ImageFileError, HeaderDataError, OSError, EOFError, ValueError, ArithmeticError, zlib.error,
                 struct.error, MemoryError)  # ArithmeticError: mmap's "length must be positive" of a damaged header


@dataclass(frozen=True)
class Volume:
    """An image volume in canonical RAS+ voxel order.

    Shape: voxels (X, Y, Z, C) float32 with C from 1 to `MAX_CHANNELS` (modalities).

    Args:
        voxels: intensities (rescaled for DICOM, scaled by scl_slope for NIfTI), RAS+ order.
        affine: the source's voxel-to-world affine in its own voxel order, which a label
            volume written for it carries.
        header: the NIfTI header of the first source (kept in written label volumes), None for other formats.
        sources: the files or DICOM folders read, one per channel file.
    """

    voxels: np.ndarray
    affine: np.ndarray
    header: nib.Nifti1Header | None
    sources: tuple[Path, ...]


def is_volume(path: Path) -> bool:
    """A NIfTI, Analyze (its `.hdr`), MetaImage or NRRD file, a folder holding a DICOM series, or
    a `.dcm` file of one (a `.dcm` file among others of other series, or alone, is a 2-D image)."""
    name = path.name.lower()
    if path.is_dir():
        return is_series(path)
    return name.endswith(VOLUME_SUFFIXES) or (name.endswith(".dcm") and is_series(path.parent))


def volume_stem(path: Path) -> str:
    """File name without `.nii.gz`, `.nii`, `.hdr` (or another volume suffix), `.dcm` or `.h5`; a DICOM folder's
    own name."""
    name = path.name
    for suffix in (*VOLUME_SUFFIXES, ".dcm", *HDF5_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def slice_axis(name: str) -> int:
    """The RAS+ axis that `data.slice_axis` names (axial 2, coronal 1, sagittal 0).

    Raises:
        ConfigError: an unknown name.
    """
    if name not in SLICE_AXES:
        raise ConfigError(f"data.slice_axis must be one of {', '.join(SLICE_AXES)}, got '{name}'")
    return SLICE_AXES[name]


def acquisition_plane(affine: np.ndarray) -> str | None:
    """The plane a volume was acquired in, by its voxel-to-world `affine`: the RAS+ axis its voxels
    lie farthest apart along, at least `THICK_SLICES` times as far as along the others (MRSpineSeg's
    sagittal T2 stacks: 4 mm between slices, 0.6 mm pixels); None for a volume about as fine along
    every axis (a 3-D acquisition, whose every plane is as sharp) or of no orientation."""
    try:
        orientation = io_orientation(affine)
    except OrientationError:
        return None
    spacing = np.sqrt((np.asarray(affine)[:3, :3] ** 2).sum(axis=0))[np.argsort(orientation[:, 0])]
    thickest = int(np.argmax(spacing))
    if spacing[thickest] < THICK_SLICES * np.delete(spacing, thickest).max():
        return None
    return next(plane for plane, axis in SLICE_AXES.items() if axis == thickest)


def cut(voxels: np.ndarray, axis: int, index: int) -> np.ndarray:
    """Slice `index` across RAS+ axis `axis`: (X, Y, Z[, C]) -> the two other axes [, C]."""
    return np.ascontiguousarray(np.take(voxels, index, axis=axis))


def read_volume(sources: Sequence[Path], channel_limit: int | None = MAX_CHANNELS,
                planes_as_channels: bool = False) -> Volume:
    """Read one image volume from its channel files (nnU-Net `_0000`, `_0001`, ...), each a
    NIfTI file or a DICOM series folder, stacked as channels in the order given. Prediction
    lifts `channel_limit`: a cine's 4th axis of 25 frames is predicted frame by frame. With
    `planes_as_channels` a one-channel file's planes (its third axis, in file order) are the
    channels of one slice: a 2-D colour picture stored channel-first (`colour_planes`).

    Raises:
        DataError: a file that cannot be read, channel files of different grids, or more channels
            than `MAX_CHANNELS` (each message names the files).
    """
    arrays, affines, headers = zip(*(_read_source(path) for path in sources))
    if planes_as_channels:  # before reorienting: a flipped third axis must not reverse R, G and B
        arrays = tuple(a[:, :, None, :] if a.ndim == 3 else a for a in arrays)
    shapes = {a.shape[:3] for a in arrays}
    if len(shapes) > 1:
        raise DataError(f"channel volumes {', '.join(repr(str(p)) for p in sources)} differ in shape "
                        f"{sorted(shapes)}; they must share one voxel grid (resample them, or move all but one out)")
    voxels = np.concatenate([a if a.ndim == 4 else a[..., None] for a in arrays], axis=-1)
    if channel_limit is not None and voxels.shape[3] > channel_limit:
        raise DataError(f"volume '{sources[0]}' gives {voxels.shape[3]} channels (modalities or a 4th axis such as "
                        f"time); seglab trains on at most {channel_limit}: keep fewer per case")
    return Volume(_to_canonical(voxels, affines[0], sources[0]), affines[0], headers[0], tuple(sources))


def read_labels(path: Path, image: Volume) -> np.ndarray:
    """Integer labels of a label volume in canonical RAS+ order, on the grid of `image`.

    Shape: (X, Y, Z), the first three axes of `image.voxels`.

    Raises:
        DataError: an unreadable file, non-integer values, or a shape other than the image's
            (both files named).
    """
    array, affine, _ = _read_source(path, "mask")
    if array.ndim == 4 and array.shape[3] == 1:
        array = array[..., 0]
    labels = _to_canonical(array, affine, path)
    if labels.shape != image.voxels.shape[:3]:
        raise DataError(f"label volume '{path}' has shape {labels.shape} but image volume '{image.sources[0]}' "
                        f"has {image.voxels.shape[:3]} (both in RAS order); they must share one voxel grid")
    if not np.isfinite(labels).all() or not np.array_equal(labels, np.round(labels)):
        raise DataError(f"label volume '{path}' holds non-integer values; expected integer class labels")
    return labels.astype(np.int64)


def colour_planes(image: Path, label: Path) -> bool:
    """Whether image volume `image` is a 2-D colour picture stored channel-first: its file's third
    axis is 3 or 4 planes (`picture_grid`) where its label volume `label` is one slice of the same
    in-plane size (FH-PS-AOP's `image_mha/03744.mha`, DimSize 256 256 3, beside a 256 x 256 label),
    read from their headers.

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    grid = picture_grid(image)
    return grid is not None and _volume_file(label) and volume_grid(label)[0] == (*grid[:2], 1)


def picture_grid(image: Path) -> tuple[int, ...] | None:
    """The voxel grid of volume file `image` (`volume_grid`) when its third axis is as many planes
    as a colour picture has channels (`COLOUR_PLANES`: 3 or 4), read from its header; None for any
    other, a DICOM series or an HDF5 case. What `colour_planes` asks of a training case's image,
    and all that prediction can ask of a file for a run whose card records that training read its
    image volumes so (`ModelCard.planes_as_channels`).

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    grid = volume_grid(image)[0] if _volume_file(image) else None
    return grid if grid is not None and grid[2] in COLOUR_PLANES else None


def _volume_file(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(VOLUME_SUFFIXES)


def label_values(path: Path) -> tuple[int, ...]:
    """The values other than 0 that label volume `path` holds, in order, read from it alone (no
    image grid to check it against): what tells one task's labels from another's.

    Raises:
        DataError: a file that cannot be read, naming it.
    """
    voxels, _, _ = _read_source(path, "mask")
    labels = np.rint(voxels).astype(np.int64)
    return tuple(nonzero_values(labels, int(labels.min(initial=0)), int(labels.max(initial=0))))


def nonzero_values(labels: np.ndarray, low: int, high: int) -> list[int]:
    """The label values other than 0, in order, the least and the greatest being `low` and `high`:
    counted by bincount where they allow (a few times faster than unique on a CT's hundred million
    voxels)."""
    found = np.flatnonzero(np.bincount(labels.ravel())) if low >= 0 and high < 1 << 16 else np.unique(labels)
    return found[found != 0].tolist()


def volume_grid(path: Path) -> tuple[tuple[int, ...], np.ndarray]:
    """The voxel grid of a NIfTI, Analyze, MetaImage or NRRD file or a DICOM series folder, from
    its headers alone: its first three dimensions (a single slice's third 1, as it is read) and
    its affine (RAS, of the voxels in the file's own order).

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    if path.is_dir():
        return dicom_series_grid(path)
    if is_metaimage(path) or is_nrrd(path):
        return header_grid(path)
    try:
        with reading(path):
            image = nib.load(str(regular_file(path)))
            return (*image.shape[:3], 1)[:3], image.affine  # (X, Y) as (X, Y, 1)
    except _NIFTI_ERRORS as err:
        raise _unreadable_nifti(path, err) from None


def canonical_grid(shape: tuple[int, ...], affine: np.ndarray) -> tuple[tuple[int, ...], np.ndarray]:
    """A voxel grid as its volume is read (`_to_canonical`: RAS+ order), so that one grid stored in
    two axis orders (a DICOM series' rows first, an NRRD's x first) compares equal.

    Raises:
        OrientationError: an affine that gives no axis orientation.
    """
    orientation = io_orientation(affine)
    return (tuple(shape[axis] for axis in np.argsort(orientation[:, 0])),
            affine @ inv_ornt_aff(orientation, shape))


def analyze_data_file(path: Path) -> Path:
    """The `.img` file holding the voxels of Analyze header `path` (`.IMG` beside a `.HDR`), as nibabel looks for it."""
    return path.with_suffix(".IMG" if path.suffix.isupper() else ".img")


def _unreadable_nifti(path: Path, err: Exception) -> DataError:
    if path.name.lower().endswith(ANALYZE_SUFFIX):  # ENVI's and Radiance's text headers are `.hdr` files too
        return DataError(f"volume '{path}' cannot be read as an Analyze 7.5 or NIfTI header (damaged, or a `.hdr` "
                         f"of another format such as ENVI?): {err}; export it again, as NIfTI if you can")
    return DataError(f"volume '{path}' cannot be read as NIfTI (damaged or truncated?): {err}; "
                     "export or download it again")


def structure_files(folder: Path, structures: Sequence[str]) -> dict[str, Path]:
    """The volume of each of `structures` that `folder` holds (`liver` -> `liver.nii.gz`)."""
    held = {volume_stem(p): p for p in files_in(folder) if p.name.lower().endswith(VOLUME_SUFFIXES)}
    return {name: held[name] for name in structures if name in held}


def read_structures(files: Mapping[str, Path], structures: Sequence[str], image: Volume) -> np.ndarray:
    """Class labels from a 0/1 volume per structure (`files`: TotalSegmentator's and AbdomenAtlas'
    `segmentations/liver.nii.gz`, ...; UroCell's `mito/fib1-0-0-0.nii.gz`): structure k's voxels are
    class k + 1, a structure without a file is absent; where two claim a voxel, the later one in
    `structures` wins.

    Shape: (X, Y, Z) in RAS order, on the grid of `image`.

    Raises:
        DataError: as `read_labels`, naming the structure's file.
    """
    labels = np.zeros(image.voxels.shape[:3], np.int64)
    for k, name in enumerate(structures):
        if name in files:
            labels[read_labels(files[name], image) > 0] = k + 1
    return labels


def write_label_volume(path: Path, labels: np.ndarray, volume: Volume) -> None:
    """Write RAS+ `labels` in the voxel order, affine and header of `volume`'s source: as NIfTI,
    or as MetaImage or NRRD when `path` names one (`metaimage.write_labels`).

    Shape: labels (X, Y, Z), the first three axes of `volume.voxels`; (X, Y, Z, T) of a 4-D
    volume whose frames were predicted one by one.
    """
    original = apply_orientation(labels, ornt_transform(axcodes2ornt("RAS"), io_orientation(volume.affine)))
    if is_metaimage(path) or is_nrrd(path):
        write_labels(path, original, volume.affine)
        return
    dtype = label_dtype(labels)  # uint16 past 255: int16 wrapped raw values past 32767
    header = volume.header.copy() if volume.header is not None else None
    image = nib.Nifti1Image(original.astype(dtype), volume.affine, header=header)
    image.set_data_dtype(dtype)
    image.header.set_slope_inter(1, 0)  # labels are stored as is, never scaled like intensities
    image.to_filename(str(path))


def _to_canonical(array: np.ndarray, affine: np.ndarray, path: Path) -> np.ndarray:
    """Voxels reordered and flipped to RAS+ (trailing channel axes untouched).

    Raises:
        DataError: an affine that gives no orientation (zeros, NaN: a damaged header), naming `path`.
    """
    try:
        return np.ascontiguousarray(apply_orientation(array, io_orientation(affine)))
    except OrientationError as err:
        raise DataError(f"volume '{path}' has an affine that gives no axis orientation ({err}); its header is "
                        "damaged: export or download it again") from None


def _read_source(path: Path, role: str = "image") -> tuple[np.ndarray, np.ndarray, nib.Nifti1Header | None]:
    """Voxels (X, Y, Z[, C]) float32, affine and header of a NIfTI file or DICOM series folder;
    of an HDF5 case, its `role` dataset ("image" or "mask") with the thinnest axis as Z and no
    orientation (an identity affine)."""
    with reading(path):  # a NIfTI, DICOM or NRRD header's warnings name the file
        return _read_unmarked(path, role)


def _read_unmarked(path: Path, role: str) -> tuple[np.ndarray, np.ndarray, nib.Nifti1Header | None]:
    if path.name.lower().endswith(HDF5_SUFFIXES):
        voxels = decode(path, "volume", lambda p: load_h5_volume(p, role))
        return voxels.astype(np.float32), np.eye(4), None
    if path.is_dir():
        voxels, affine = read_dicom_series(path)
        return voxels, affine, None
    if path.name.lower().endswith(".dcm"):
        voxels, affine = read_dicom_series(path.parent)
        return voxels, affine, None
    if not path.is_file():
        kind = irregular_kind(path)  # a FIFO a manifest names: never opened
        raise DataError(f"volume '{path}' is {kind}, not a file" if kind else f"volume '{path}' does not exist")
    if is_metaimage(path) or is_nrrd(path):  # grand-challenge's and 3D Slicer's formats
        voxels, affine = (read_metaimage if is_metaimage(path) else read_nrrd)(path)
        return voxels, affine, None
    if path.name.lower().endswith(ANALYZE_SUFFIX) and not analyze_data_file(path).is_file():
        raise DataError(f"Analyze header '{path}' has no '{analyze_data_file(path).name}' beside it, the file that "
                        "holds its voxels: copy it there (a .hdr and its .img are one volume)")
    try:
        image = nib.load(str(regular_file(path)))
        check_pixels(path, "volume", image.shape)  # from the header, before the voxels are decompressed
        voxels = np.asarray(image.get_fdata(dtype=np.float32))
    except PermissionError:
        raise DataError(f"volume '{path}' cannot be opened: permission denied") from None
    except _NIFTI_ERRORS as err:
        raise _unreadable_nifti(path, err) from None
    while voxels.ndim > 4 and voxels.shape[-1] == 1:  # (X, Y, Z, 1, 1) from some converters
        voxels = voxels[..., 0]
    if voxels.ndim == 2:  # one slice: CAMUS' 2023 release saves each echocardiogram frame as (X, Y)
        voxels = voxels[:, :, None]
    if voxels.ndim not in (3, 4):
        raise DataError(f"volume '{path}' has shape {voxels.shape}; expected 3-D (X, Y, Z) or 4-D with channels last")
    header = image.header if isinstance(image.header, nib.Nifti1Header) else None
    return voxels, image.affine, header
