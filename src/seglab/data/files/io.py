"""Read images and masks from disk (PNG, JPEG, WebP, JPEG 2000, TIFF, BMP, GIF, PPM/PGM/PBM, .npy, .npz, HDF5)
and write masks.

Everything downstream sees one shape convention: images (H, W, C) in their stored dtype (C 1 or
3 from picture formats, up to `channels.MAX_CHANNELS` bands from TIFF and array files), masks
(H, W) int64 class indices. Any file that cannot be decoded becomes a `ReadError` naming the
file (`read_errors.py`), so one bad file in a thousand is easy to find; every reader checks the
file's header against the pixel budget before decoding (`pixel_budget.py`). The decoders of
each file type are in `decoding.py` and `npy_files.py`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.files.case_arrays import case_array_shape, read_case_slices
from seglab.data.files.channels import MAX_CHANNELS, channels_first, channels_last
from seglab.data.files.decoding import FileHeader, file_header, read_array, read_tiff
from seglab.data.files.hdf5_files import HDF5_SUFFIXES
from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.data.files.no_data import blank_no_data
from seglab.data.classes.mapping import MappingError, MaskMapping, binary_pixels, single_channel
from seglab.data.files.read_errors import TIFF_SUFFIXES, ReadError, decode
from seglab.data.files.stack_arrays import as_slice_files, read_array_stack, read_group_slice
from seglab.data.files.tiff_stacks import read_tiff_stack
from seglab.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".jp2", ".j2k", ".tif", ".tiff", ".bmp", ".gif",
                  ".ppm", ".pgm", ".pbm", ".npy", ".npz", ".dcm", *HDF5_SUFFIXES)  # PPM: STARE; PBM: Figaro1k
# Pillow's name of a picture format -> the suffix `read_image` reads it by: what an upload, or an
# image embedded in an annotation file, is saved as
# files of arrays, not pictures: a mask's one-hot channels, an image folder's depth maps (Synscapes' depth/)
ARRAY_SUFFIXES = (".npy", ".npz", *HDF5_SUFFIXES, MAT_SUFFIX)
PICTURE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp", "TIFF": ".tif", "BMP": ".bmp", "GIF": ".gif"}
_BANDED = (*TIFF_SUFFIXES, *ARRAY_SUFFIXES)  # files whose further bands are labels as often as alpha


def picture_suffix(data: bytes) -> str:
    """The suffix of a picture kept as bytes (an annotation file's embedded image, a Parquet
    row's), told by Pillow from its header alone: the file it is written as keeps its format.

    Raises:
        KeyError: a picture of another format than `PICTURE_SUFFIXES`'.
        OSError, ValueError, ...: no picture (`read_errors.DECODE_ERRORS`).
    """
    with Image.open(io.BytesIO(data)) as image:
        return PICTURE_SUFFIXES[str(image.format)]


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


def read_image(path: str | Path | Sequence[Path], keep_alpha: bool = False, no_data: float | None = None,
               frame: int | None = None) -> np.ndarray:
    """Read an image as (H, W, C), keeping its stored precision.

    Alpha is dropped (RGBA, grey+alpha, a TIFF's declared alpha samples) unless `keep_alpha`:
    a dataset whose alpha holds data (MFNet's thermal band, `alpha.data_alpha_image`) reads it
    as its last channel. Palette images become RGB. TIFF and array files (.npy, .npz, HDF5) keep up to `MAX_CHANNELS` channels: a
    multispectral image's bands, a scan's modalities. uint8 and uint16 are kept; floats become
    float32; bool becomes uint8 0/255; other integers become float32 so no value is clipped.
    Multi-page TIFFs give their first page (`read_image_stack` gives every page of a stack). The pixels a TIFF's GDAL_NODATA tag marks,
    and those holding `no_data` (the value a dataset declares, `data.no_data`, in any file), are NaN,
    in float32 scaled as `image_scale` scales the stored dtype (`no_data.blank_no_data`): they
    stay out of the mean/std and are fed as the channel's mean (`transforms.to_tensor`).

    Several paths (a pair's `images`: bands or channels kept in files of their own) are one
    image, their channels in order; files of different dtypes are each scaled to [0, 1] by their
    own (`image_scale`) and stacked as float32. With `frame`, each file holds a time series of its
    band along its last axis (Contrails' `band_08.npy`, (H, W, 8)) and gives that frame alone, one
    channel (`DatasetIndex.frame`).

    Raises:
        DataError: missing, unreadable or corrupt file, an unusable shape (no such `frame` too),
            or files of one image that differ in size or give more than `MAX_CHANNELS` channels together.
    """
    if not isinstance(path, (str, Path)):
        return _stacked([_read_one_image(Path(p), keep_alpha, no_data, frame) for p in path], [Path(p) for p in path])
    return _read_one_image(Path(path), keep_alpha, no_data, frame)


def _read_one_image(path: Path, keep_alpha: bool, declared: float | None, frame: int | None) -> np.ndarray:
    if path.suffix.lower() in TIFF_SUFFIXES:  # its no-data tag from the open that reads its pixels
        array, tagged = decode(path, "image", lambda p: read_tiff(p, keep_alpha))
    else:
        array, tagged = decode(path, "image", lambda p: read_array(p, "image", True, keep_alpha)), None
    if frame is not None:
        if array.ndim != 3 or not 0 <= frame < array.shape[2]:
            raise ReadError(f"image '{path}' has shape {array.shape}; frame {frame} of a band's time series (H, W, "
                            "frames) is read, as the run was trained", "bad-shape")
        array = array[..., frame]
    if array.ndim == 2:
        array = array[..., None]
    if not channels_last(array.shape):
        hint = " (channels first? save numpy.moveaxis(array, 0, -1); a volume? see docs/volumes.md)" \
            if channels_first(array.shape) else ""
        raise ReadError(f"image '{path}' has shape {array.shape}; expected (H, W) or (H, W, C) with C 1-"
                        f"{MAX_CHANNELS}, channels last{hint}", "bad-shape")
    array = _image_dtype(array, path)
    return np.ascontiguousarray(blank_no_data(array, [v for v in (tagged, declared) if v is not None]))


def read_image_stack(path: str | Path, keep_alpha: bool = False, no_data: float | None = None,
                     channels: int | None = None) -> np.ndarray:
    """Every slice of a stack of 2-D images, (N, H, W, C), each as `read_image` reads the file that
    training cut from it: a multi-page TIFF's pages (`tiff_stacks.tiff_stack_shape`; `tiff_pages`),
    a fourth sample alpha dropped unless `keep_alpha`; or the image array of a .npz or HDF5 stack
    (`stack_arrays.array_stack_shape`) in the dtype of the slice files the array-stack format wrote
    (`stack_arrays.as_slice_files`); or, for a model of `channels`, the slices of a case nnU-Net
    preprocessed, channels first (`case_arrays.case_array_shape`), its modalities as a volume's.
    Their dtype is as `read_image` gives it, the pixels holding `no_data` NaN.

    Raises:
        DataError: a damaged stack, or one over the pixel budget or half the memory, or a case of
            other channels than the model's, naming it.
    """
    path = Path(path)
    if channels is not None and case_array_shape(path):
        return _pages_as_images(read_case_slices(path, channels), path, no_data)
    tiff = path.suffix.lower() in TIFF_SUFFIXES
    pages = read_tiff_stack(path) if tiff else read_array_stack(path)
    pages = pages[..., None] if pages.ndim == 3 else pages
    if tiff and not keep_alpha and pages.shape[3] == 4:
        pages = pages[..., :3]
    elif not tiff:
        pages = as_slice_files(pages)
    return _pages_as_images(pages, path, no_data)


def read_group_image(path: str | Path, group: str, names: Sequence[str], shape: tuple[int, ...],
                     no_data: float | None = None) -> np.ndarray:
    """The image datasets `names` (the first of `shape`, from its header) of one `group` of an HDF5
    file that keeps a sample per group (ChaBuD's `<uuid>/post_fire`; with `--bands pre_fire,post_fire`
    both, stacked as channels in that order), (H, W, C), as `read_image` reads the slice file the
    array-stack format wrote of them for training (`stack_arrays.as_slice_files`).

    Raises:
        DataError: a damaged file or dataset, or one over the pixel budget, naming it.
    """
    pages = read_group_slice(Path(path), group, names, shape)
    pages = as_slice_files(pages[..., None] if pages.ndim == 3 else pages)
    return _pages_as_images(pages, Path(path), no_data)[0]


def _pages_as_images(pages: np.ndarray, path: Path, no_data: float | None) -> np.ndarray:
    """Slices (N, H, W, C) in the dtype `read_image` gives, the pixels holding `no_data` NaN."""
    pages = _image_dtype(pages, path)
    return np.ascontiguousarray(blank_no_data(pages, [no_data] if no_data is not None else []))


def _stacked(arrays: list[np.ndarray], paths: list[Path]) -> np.ndarray:
    """The channels of an image's files, in order, as one image."""
    for array, path in zip(arrays[1:], paths[1:]):
        if array.shape[:2] != arrays[0].shape[:2]:
            raise ReadError(f"image '{path}' is {array.shape[0]}x{array.shape[1]} (HxW) but '{paths[0]}', whose "
                            f"channels it continues, is {arrays[0].shape[0]}x{arrays[0].shape[1]}", "channel-files-differ")
    channels = sum(a.shape[2] for a in arrays)
    if channels > MAX_CHANNELS:
        raise ReadError(f"image '{paths[0]}' with its {len(paths) - 1} further channel file(s) gives {channels} "
                        f"channels; seglab reads at most {MAX_CHANNELS}", "bad-shape")
    if len({a.dtype for a in arrays}) > 1:
        arrays = [a.astype(np.float32) / np.float32(image_scale(a.dtype)) for a in arrays]
    return np.concatenate(arrays, axis=2)


def grey_as_rgb(image: np.ndarray) -> bool:
    """Whether an (H, W, C) image is grey saved as RGB (three equal channels): a band file so
    saved is one channel of its image."""
    return image.shape[2] == 3 and np.array_equal(image[..., 0], image[..., 1]) \
        and np.array_equal(image[..., 1], image[..., 2])


def channel_count(image: Path) -> int | None:
    """An image file's channels, from its pixels, one for grey saved as RGB (a band so saved:
    `grey_as_rgb`); None if it cannot be read."""
    try:
        pixels = read_image(image)
    except DataError:
        return None
    return 1 if grey_as_rgb(pixels) else pixels.shape[2]


def read_raw_mask(path: str | Path, rgb: bool = False, alpha: bool = False) -> np.ndarray:
    """Read mask pixels before any mapping: (H, W), or (H, W, 3) for colour masks.

    Palette ("P") masks give their indices unless `rgb` is set, in which case they give the
    colours (for masks whose classes are defined by colour). `alpha` gives the alpha channel
    alone, (H, W), for masks whose alpha holds the label (`mask_alpha`).

    Raises:
        DataError: missing, unreadable or corrupt file, an unusable shape, or no alpha channel
            where `alpha` asks for it.
    """
    path = Path(path)
    return raw_mask(decode(path, "mask", lambda p: read_array(p, "mask", palette_rgb=rgb, keep_alpha=alpha)), path,
                    alpha)


def read_mask_and_alpha(path: str | Path) -> tuple[np.ndarray, np.ndarray | None]:
    """`read_raw_mask`'s pixels of a mask and its alpha channel (`mask_alpha`; None without one),
    from one read: what tells masks whose alpha holds the label.

    Raises:
        DataError: missing, unreadable or corrupt file, or an unusable shape.
    """
    path = Path(path)
    picture = path.suffix.lower() not in _BANDED  # a TIFF's declared alpha stays dropped, as `read_raw_mask` drops it
    array = decode(path, "mask", lambda p: read_array(p, "mask", palette_rgb=False, keep_alpha=picture))
    alpha = mask_alpha(array, path)
    return raw_mask(array if alpha is None else array[..., :-1], path), alpha


def raw_mask(array: np.ndarray, path: Path, alpha: bool = False) -> np.ndarray:
    """`read_raw_mask` of pixels already read (`read_mask_array`'s, when `rgb` is not needed).

    Raises:
        DataError: an unusable shape or dtype, or no alpha channel where `alpha` asks for it,
            naming `path`.
    """
    if alpha:
        found = mask_alpha(array, path)
        if found is None:
            raise ReadError(f"mask '{path}' has no alpha channel, but the dataset's masks are read by their alpha "
                            "(their RGB holds no label, or --mask-alpha): save it with its transparency as the others "
                            "are, or leave out --mask-alpha where it was passed", "bad-mask")
        return np.ascontiguousarray(found)
    if array.ndim == 3 and array.shape[2] == 2 and path.suffix.lower() in (*TIFF_SUFFIXES, *ARRAY_SUFFIXES):
        raise ReadError(_label_bands(array, path), "bad-shape")
    if array.ndim == 3 and array.shape[2] in (1, 2):  # grey (+ alpha: an LA or PA picture)
        array = array[..., 0]
    elif array.ndim == 3 and array.shape[2] == 4:  # RGB + alpha
        array = array[..., :3]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ReadError(f"mask '{path}' has shape {array.shape}; expected a 2-D label map (H, W)", "bad-shape")
    if array.dtype.kind not in "biuf":
        raise ReadError(f"mask '{path}' has dtype {array.dtype}; expected integer class indices", "bad-dtype")
    return np.ascontiguousarray(array)


def mask_alpha(array: np.ndarray, path: Path) -> np.ndarray | None:
    """The alpha channel of a picture mask (PNG, WebP, GIF, ...) read with it (`read_array`'s
    `keep_alpha`): the last of its grey + alpha or RGB + alpha channels; None for other masks, and
    for TIFF and array files, whose further bands are labels as often as alpha."""
    if array.ndim != 3 or array.shape[2] not in (2, 4) or path.suffix.lower() in _BANDED:
        return None
    return array[..., -1]


def _label_bands(array: np.ndarray, path: Path) -> str:
    """Why a mask of two label bands (WorldFloods' gt/: cloud and water) is not cut to its first,
    naming each band's values, and the route that reads it."""
    bands = "; ".join(f"band {i + 1}: {few_values(array[..., i])}" for i in range(2))
    binary = all(binary_pixels(array[..., i]) is not None for i in range(2))
    route = ("--task multilabel reads its 0/1 bands as a class each" if binary else
             "seglab reads one label band per mask: save the band to train on as a one-band mask")
    return f"mask '{path}' holds 2 label bands ({bands}), not one label map; {route}"


def few_values(band: np.ndarray) -> str:
    """A band's distinct values, the first few."""
    values = np.unique(band)
    return ", ".join(map(str, values[:6].tolist())) + (f" and {len(values) - 6} more" if len(values) > 6 else "")


def read_mask_array(path: str | Path) -> np.ndarray:
    """Mask pixels as stored, any shape (multi-channel .npy/.tif masks), within the pixel budget.

    Raises:
        DataError: missing, unreadable or corrupt file.
    """
    path = Path(path)
    return decode(path, "mask", lambda p: read_array(p, "mask", palette_rgb=False))


def read_mask(path: str | Path | Sequence[Path], mapping: MaskMapping) -> np.ndarray:
    """Read a mask as (H, W) int64 class indices after applying `mapping`.

    Several paths (a pair's `masks` under `--merge-masks`) are read as one mask: their pixelwise
    maximum, which for 0/255 masks of objects is their union (colour masks: see `_merged`).

    Raises:
        DataError: a file cannot be read, is not a label map this mapping can use, or does not
            have the size of the masks it merges with.
    """
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    shown = f"'{paths[0]}'" + (f" (merged with {len(paths) - 1} more)" if len(paths) > 1 else "")
    if mapping.reads_many:  # a mask file per class (IDRiD's lesion folders)
        return mapping.read_all(paths)
    if mapping.reads_files:  # multi-label layouts: several files or channels per mask
        if len(paths) > 1:
            raise ReadError(f"mask {shown}: merged masks are read as class-index masks, not as multi-label "
                            f"ones ({mapping.kind})", "bad-mask")
        return mapping.read(paths[0])
    raw = _merged(paths, mapping.needs_rgb, mapping.needs_alpha)
    try:
        return mapping.apply(raw)
    except ValueError as err:
        raise ReadError(f"mask {shown}: {err}", getattr(err, "code", "bad-mask")) from None


def _merged(paths: Sequence[Path], rgb: bool, alpha: bool) -> np.ndarray:
    """The raw pixels of one mask file, or of several merged: the pixelwise maximum of label
    masks (grey ones saved as RGB included, and alphas that hold the label); for colour masks
    (IDRiD's red lesions on black), the coloured pixels of each drawn over the ones before, so
    every colour stays a mask colour."""
    if len(paths) == 1:
        return read_raw_mask(paths[0], rgb=rgb, alpha=alpha)
    merged: np.ndarray | None = None
    for path in paths:
        raw = read_raw_mask(path, rgb=rgb, alpha=alpha)
        try:
            raw = single_channel(raw)
        except MappingError:
            pass  # a colour mask
        if merged is not None and raw.shape != merged.shape:
            raise ReadError(f"mask '{path}' is {'x'.join(map(str, raw.shape))} but '{paths[0]}', the mask it is "
                            f"merged with, is {'x'.join(map(str, merged.shape))} (a label and a colour mask, or "
                            "another size)", "size-mismatch")
        if merged is None:
            merged = raw
        elif raw.ndim == 3:
            merged = np.where(raw.any(axis=2, keepdims=True), raw, merged)
        else:
            merged = np.maximum(merged, raw)
    assert merged is not None
    return merged


def read_header(path: str | Path) -> FileHeader:
    """Format, colour mode and frame count of an image file, reading its header only.

    Raises:
        DataError: the file cannot be opened or its header is damaged.
    """
    return decode(Path(path), "file", file_header)


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
