"""One pass over a dataset: sizes, channels, dtypes, class pixel counts, mean/std, problems.

`scan` feeds `seglab inspect`, the data audit, the normalisation constants saved with a model,
and the class count when no classes are declared. It records unreadable or inconsistent files
as problems instead of stopping, so one report lists everything to fix, and keeps a few facts
per file (size, bit depth, pixel hash, labels present) from which the audit judges the rest.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from pathlib import Path
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from seglab.data.checking.moments import Moments
from seglab.data.classes import ClassSpec, generic_name
from seglab.data.encodings.label_maps import inferred_class_count, relabel_hint
from seglab.data.files.file_threads import on_threads
from seglab.data.files.file_version import file_version
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.files.io import read_header, read_image, read_mask
from seglab.data.files.label_resize import same_aspect_ratio
from seglab.data.files.no_data import likely_marker, no_data_value
from seglab.data.classes.mapping import LabelMapping, MaskMapping
from seglab.data.encodings.outlines import FilledOutlineMapping, drawn_as_outlines
from seglab.data.encodings.void_bands import band_share
from seglab.data.files.pixel_budget import max_pixels
from seglab.data.layouts.resized_masks import resize_target
from seglab.data.files.read_errors import ReadError
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_MAX_VALUES_SHOWN = 10
_MAX_VALUES_MAPPED = 256  # a byte's values: a suggested --label-map maps every value the masks hold, up to these
_MAX_FILES_SHOWN = 3  # per stray value


@dataclass
class DatasetStats:
    """What `scan` found.

    Args:
        num_pairs: pairs scanned.
        image_sizes: (H, W) -> number of images.
        channels: channel count -> number of images.
        dtypes: dtype name -> number of images.
        mask_values: class index (after the mapping) -> pixel count, ignore label included.
        mean: per channel mean of image / image_scale; grey images count towards every channel
            when the dataset also has RGB images (they are replicated when loaded).
        std: per channel standard deviation, same convention.
        no_data_pixels: pixels left out of mean/std as no data in one or more channels (a TIFF's
            GDAL_NODATA tag, `DatasetIndex.no_data`), and the images holding them.
        problems: unreadable files, size mismatches, values outside the classes (one finding
            for all masks: its path and related files hold them); each of them stops training
            (the audit in `seglab.data.checking.audit` adds the warnings).
        images: per image file, what was decoded (for the audit's per-file checks).
        mask_labels: per mask file, the labels present after the mapping, sorted.
        outlines: per mask file with a class besides its background, whether it is drawn as
            outlines (`outlines.drawn_as_outlines`: HC18's ring around the head).
    """

    num_pairs: int
    image_sizes: dict[tuple[int, int], int] = field(default_factory=dict)
    channels: dict[int, int] = field(default_factory=dict)
    dtypes: dict[str, int] = field(default_factory=dict)
    mask_values: dict[int, int] = field(default_factory=dict)
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    no_data_pixels: tuple[int, int] = (0, 0)
    problems: list[Problem] = field(default_factory=list)
    images: dict[Path, ImageFacts] = field(default_factory=dict)
    mask_labels: dict[Path, tuple[int, ...]] = field(default_factory=dict)
    outlines: dict[Path, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageFacts:
    """What `scan` saw in one decoded image.

    Args:
        size: (H, W).
        channels: as read (1 grey, 3 RGB, up to `channels.MAX_CHANNELS` bands).
        dtype: numpy dtype name as read (uint8, uint16, float32).
        high: largest pixel value.
        constant: every pixel has the same value (a blank image or slice).
        digest: BLAKE2b hash of the decoded pixels with their dtype and shape: files with equal
            digests hold the same image, whatever their format or compression.
        marker: a value that looks like an untagged no-data marker (`no_data.likely_marker`), else None.
    """

    size: tuple[int, int]
    channels: int
    dtype: str
    high: float
    constant: bool
    digest: str
    marker: float | None = None


def scan(index: DatasetIndex, pairs: list[Pair] | None = None) -> DatasetStats:
    """Read every mask and image once and summarise them, on a thread per core
    (`file_threads.on_threads`); the summary keeps the pairs' order.

    Args:
        index: from `discover`.
        pairs: a subset to scan (e.g. the training split, for normalisation); default all pairs.
    """
    pairs = index.pairs if pairs is None else pairs
    sizes: Counter[tuple[int, int]] = Counter()
    channels: Counter[int] = Counter()
    dtypes: Counter[str] = Counter()
    values: Counter[int] = Counter()
    moments = Moments()
    no_data_pixels = no_data_images = 0
    problems: list[Problem] = []
    images: dict[Path, ImageFacts] = {}
    mask_labels: dict[Path, tuple[int, ...]] = {}
    outlines: dict[Path, bool] = {}

    described = repr(index.mapping)  # once: ADE20K's mapping lists thousands of ids, and each key would copy it
    scanned = on_threads(lambda pair: _scan_pair(pair, index.mapping, described, index.ignore_index,
                                                 index.alpha_channel, index.no_data), pairs)
    for pair, seen in zip(pairs, scanned):
        problems += seen.problems
        if seen.image is not None:
            sizes[seen.image.size] += 1
            channels[seen.image.channels] += 1
            dtypes[seen.image.dtype] += 1
            images[pair.image] = seen.image
        if seen.sums is not None:
            moments.add_sums(*seen.sums)
            no_data_pixels += seen.no_data_pixels
            no_data_images += seen.no_data_pixels > 0
        if pair.mask is not None and seen.labels is not None:
            values.update(dict(zip(seen.labels, seen.counts)))
            mask_labels[pair.mask] = seen.labels
            if seen.outlines is not None:
                outlines[pair.mask] = seen.outlines

    problems += _value_problems(index, mask_labels, values)
    problems += _ignore_problems(index, mask_labels)
    mean, std = moments.result()
    logger.debug("scanned %d pairs, %d problems", len(pairs), len(problems))
    return DatasetStats(
        num_pairs=len(pairs),
        image_sizes=dict(sorted(sizes.items())),
        channels=dict(sorted(channels.items())),
        dtypes=dict(sorted(dtypes.items())),
        mask_values=dict(sorted(values.items())),
        mean=mean,
        std=std,
        no_data_pixels=(no_data_pixels, no_data_images),
        problems=problems,
        images=images,
        mask_labels=mask_labels,
        outlines=outlines,
    )


@dataclass(frozen=True)
class _PairScan:
    """What one pair adds to a scan: its image's facts, moments and no-data pixels, its mask's
    labels, pixel counts and whether it is drawn as outlines (None when unreadable or absent;
    outlines also when nothing is drawn), and the problems found in the pair alone."""

    image: ImageFacts | None
    sums: tuple[int, np.ndarray, np.ndarray, int] | None
    no_data_pixels: int
    labels: tuple[int, ...] | None
    counts: tuple[int, ...] | None
    outlines: bool | None
    problems: tuple[Problem, ...]


# One `seglab train` scans the training split up to three times (the planner, the audit of every
# split, the normalisation fitted on train); each pair's result is kept for the process, keyed
# by the files' paths, modification times and sizes, the mask mapping, the ignore label (outlines
# leave it out), whether alpha is a channel, the declared no-data value and the pixel budget, so
# the files are decoded once.
_SCANNED: dict[tuple[object, ...], _PairScan] = {}
_SCANNED_LIMIT = 200_000


def _scan_pair(pair: Pair, mapping: MaskMapping, described: str, ignore_index: int | None,
               keep_alpha: bool, no_data: float | None) -> _PairScan:
    try:
        key = (tuple(map(file_version, pair.images)), tuple(map(file_version, pair.masks)), described,
               ignore_index, keep_alpha, repr(no_data), max_pixels())  # repr: NaN equals itself
    except OSError:  # missing or unreachable: read it, to report why
        return _read_pair(pair, mapping, ignore_index, keep_alpha, no_data)
    found = _SCANNED.get(key)
    if found is None:  # another thread may clear the dict meanwhile: keep the result at hand
        if len(_SCANNED) >= _SCANNED_LIMIT:
            _SCANNED.clear()
        found = _SCANNED[key] = _read_pair(pair, mapping, ignore_index, keep_alpha, no_data)
    return found


def _read_pair(pair: Pair, mapping: MaskMapping, ignore_index: int | None, keep_alpha: bool,
               no_data: float | None) -> _PairScan:
    problems: list[Problem] = []
    facts = sums = labels = counts = outlines = None
    blank = 0
    try:
        image = read_image(pair.images, keep_alpha, no_data)
    except DataError as err:
        problems.append(Problem(pair.image, str(err), _code(err)))
        image = None
    else:
        finite = image.dtype.kind != "f" or bool(np.isfinite(image).all())  # the one scan of a float image
        facts = _image_facts(image, finite)
        if not finite and not _no_data(pair, image, no_data):
            problems.append(Problem(pair.image, "image holds NaN or infinite values", "image-not-finite"))
        else:
            sums = Moments.of(image, finite)
            blank = 0 if finite else int(np.isnan(image).any(axis=2).sum())  # NaN: no data, none in a finite image
    if pair.mask is not None:
        try:
            mask = read_mask(pair.masks, mapping)
        except DataError as err:
            problems.append(Problem(pair.mask, str(err), _code(err)))
        else:
            uniques, pixel_counts = _label_counts(mask)
            labels, counts = tuple(uniques.tolist()), tuple(pixel_counts.tolist())
            if not mapping.multilabel:  # bit sets of overlapping classes draw no outlines
                outlines = drawn_as_outlines(mask, ignore_index)
            if image is not None and image.shape[:2] != mask.shape:
                problems.append(_size_problem(pair, image.shape[:2], mask.shape))
    return _PairScan(facts, sums, blank, labels, counts, outlines, tuple(problems))


def _no_data(pair: Pair, image: np.ndarray, declared: float | None) -> bool:
    """Whether an image's NaN are the no-data pixels: those of the value the dataset declares, or
    those its files' GDAL_NODATA tag marks (and none is infinite)."""
    return not np.isinf(image).any() and (
        declared is not None or any(no_data_value(path) is not None for path in pair.images))


def _files_holding(values: list[int], masks: tuple[Path, ...], mapping: MaskMapping) -> dict[int, Path]:
    """The first file of an image's masks that holds each of `values` (else its first mask): with
    `--merge-masks` (EndoVis 2017's `<instrument>_labels/frame000.png` of 10, 20, 30 and
    `Other_labels/frame000.png` of 255), the finding names the file to fix, not the pair's first
    mask. Read again only for stray values, each file once for all of them."""
    found: dict[int, Path] = {}
    for mask in masks if len(masks) > 1 else ():
        if len(found) == len(values):
            break
        try:
            labels = read_mask(mask, mapping)
        except DataError:
            continue
        found.update((value, mask) for value in values if value not in found and (labels == value).any())
    return {value: found.get(value, masks[0]) for value in values}


def _code(err: DataError) -> str:
    return err.code if isinstance(err, ReadError) else "unreadable"


def _image_facts(image: np.ndarray, finite: bool) -> ImageFacts:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{image.dtype.str}{image.shape}".encode())
    digest.update(np.ascontiguousarray(image).data)
    low, high = _value_range(image, finite)
    return ImageFacts(
        size=(image.shape[0], image.shape[1]),
        channels=image.shape[2],
        dtype=image.dtype.name,
        high=float(high),
        constant=bool(low == high),
        digest=digest.hexdigest(),
        marker=likely_marker(image),
    )


def _value_range(image: np.ndarray, finite: bool) -> tuple[float, float]:
    """Lowest and highest value, no-data (NaN) pixels left out; (0, 0) when every pixel is one.
    `finite`: the image holds no NaN or infinity, so has no pixel to leave out."""
    if finite:
        return float(image.min()), float(image.max())
    data = image[~np.isnan(image)]
    return (float(data.min()), float(data.max())) if data.size else (0.0, 0.0)


def _value_problems(
    index: DatasetIndex, mask_labels: dict[Path, tuple[int, ...]], pixels: Counter[int]
) -> list[Problem]:
    """Labels that are no class: binary masks in a multi-class set (per file), and one finding
    listing every stray value with its pixel count and files.

    Without declared classes the class count comes from all masks (`_class_count`).
    """
    ignore = index.ignore_index
    if index.classes is not None:
        num_classes, declared = index.mapping.label_count(index.classes.num_classes), ""
    else:
        num_classes = _class_count(index, pixels)
        declared = ", inferred from the masks: labels stop at the first wide gap in the values"
    problems = []
    stray: dict[int, list[Path]] = {}
    merged = {pair.mask: pair.masks for pair in index.pairs if pair.more_masks}
    for path, labels in mask_labels.items():
        bad = [v for v in labels if _outside(v, num_classes, ignore)]
        if num_classes > 2 and bad == [255] and set(labels) <= {0, 255}:
            message = f"mask holds only 0 and 255, a binary mask, but the dataset has {num_classes} classes"
            problems.append(Problem(path, message, "binary-mask-for-multiclass"))
            continue
        for value, holding in _files_holding(bad, merged.get(path, (path,)), index.mapping).items():
            stray.setdefault(value, []).append(holding)
    if not stray:
        return problems
    values = sorted(stray)
    shown = ", ".join(f"{v} ({pixels[v]:,} px in {_files(stray[v])})" for v in values[:_MAX_VALUES_SHOWN])
    more = f" and {len(values) - _MAX_VALUES_SHOWN} more values" if len(values) > _MAX_VALUES_SHOWN else ""
    files = sorted({path for paths in stray.values() for path in paths}, key=str)
    limit = f"0..{num_classes - 1}" if num_classes else "none"
    found = [] if index.classes else sorted(v for v in pixels if 0 <= v < num_classes and pixels[v])
    objects = any(p.code == "instance-ids" for p in index.problems)
    hint = relabel_hint(index.mapping, values, None if index.classes else num_classes, found, objects, pixels,
                        lambda value: band_share(stray[value], value, index.mapping))
    message = f"masks have values outside the classes ({limit}{declared}): {shown}{more}; {hint}"  # all: a map is run as given
    return problems + [Problem(files[0], message, "values-outside-classes", tuple(files[1:]))]


def _files(paths: list[Path]) -> str:
    names = ", ".join(p.name for p in paths[:_MAX_FILES_SHOWN])
    more = f" and {len(paths) - _MAX_FILES_SHOWN} more" if len(paths) > _MAX_FILES_SHOWN else ""
    return f"{len(paths)} file{'s' * (len(paths) != 1)}: {names}{more}"


def _label_counts(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values present in a mask and their pixel counts (bincount when labels are small)."""
    low, high = int(mask.min()), int(mask.max())
    if low < 0 or high > 65535:
        return np.unique(mask, return_counts=True)
    counts = np.bincount(mask.ravel(), minlength=high + 1)
    present = np.flatnonzero(counts)
    return present, counts[present]


def _outside(value: int, num_classes: int, ignore_index: int | None) -> bool:
    return value != ignore_index and not 0 <= value < num_classes


def _size_problem(pair: Pair, image_hw: tuple[int, ...], mask_hw: tuple[int, ...]) -> Problem:
    """A size mismatch; one that the image's EXIF rotation explains says so."""
    assert pair.mask is not None
    message = f"mask is {mask_hw[0]}x{mask_hw[1]} (HxW) but image '{pair.image}' is {image_hw[0]}x{image_hw[1]}"
    if tuple(mask_hw) == tuple(image_hw[::-1]):
        try:
            orientation = read_header(pair.image).orientation
        except DataError:
            orientation = 1
        if orientation in (5, 6, 7, 8):
            return Problem(pair.mask, f"{message} as shown: its EXIF orientation {orientation} rotates the stored "
                           f"{image_hw[1]}x{image_hw[0]} pixels, which the mask fits", "exif-rotation-mismatch",
                           (pair.image,))
    resizable = resize_target(pair) is not None  # not a mask of an array file, whose header gives no size
    return Problem(pair.mask, message + _scale_hint(image_hw, mask_hw, resizable), "size-mismatch", (pair.image,))


_RESIZE_MASKS = ("--resize-masks, which reads each mask resized to its image's size with nearest-neighbour "
                 "resampling (each pixel stays a label), the files as they are")


def _scale_hint(image_hw: tuple[int, ...], mask_hw: tuple[int, ...], resizable: bool) -> str:
    """What to do when the mask is the image at another resolution, a resolution and not a pairing
    error: shrunk by one whole factor on both sides (SCR's lung masks are 1024x1024 for JSRT's
    2048x2048 radiographs), or scaled alike on both sides, the same aspect ratio (the COVID-19
    Radiography Database's 256x256 lung masks for its 299x299 radiographs); `--resize-masks` where
    it reads the mask (`resizable`)."""
    (image_h, image_w), (mask_h, mask_w) = image_hw[:2], mask_hw[:2]
    ratio = image_h // mask_h if mask_h else 0
    flag = f", or pass {_RESIZE_MASKS}" if resizable else ""
    if ratio >= 2 and (image_h, image_w) == (mask_h * ratio, mask_w * ratio):
        return (f", exactly {ratio} times the mask on each side: the masks were drawn at a lower resolution; resize "
                f"the images to the masks' size in a copy of the dataset (1/{ratio} on each side){flag}")
    if not same_aspect_ratio(image_hw, mask_hw):
        return ""
    copy = "resize the images to the masks' size in a copy of the dataset"
    return (f", {image_h / mask_h:.3g} times the mask on each side (the same aspect ratio): the masks were saved at "
            f"another resolution; {f'pass {_RESIZE_MASKS}, or {copy}' if resizable else copy}")


def _ignore_problems(index: DatasetIndex, mask_labels: dict[Path, tuple[int, ...]]) -> list[Problem]:
    """An ignore label that is also a declared class index, found in the masks: that class
    would silently drop out of loss and metrics."""
    ignore, classes = index.ignore_index, index.classes
    if ignore is None or classes is None or not 0 <= ignore < classes.num_classes:
        return []
    files = sorted((path for path, labels in mask_labels.items() if ignore in labels), key=str)
    if not files:
        return []
    message = (f"the ignore label {ignore} is class '{classes.names[ignore]}', which {len(files)} mask(s) use "
               f"(e.g. '{files[0]}'): that class would be left out of loss and metrics")
    return [Problem(files[0], message, "ignore-index-is-class", tuple(files[1:]))]


def resolve_classes(index: DatasetIndex, stats: DatasetStats) -> ClassSpec:
    """The dataset's classes: `index.classes` when known, else class_0..class_K-1 from the masks
    (K from `_class_count`: stray values far beyond the others size nothing).

    Raises:
        DataError: classes unknown and the masks hold no usable (non-ignore, non-negative) value.
    """
    if index.classes is not None:  # multi-label classes overlap: none is background
        return index.classes if index.mapping.multilabel else _with_background(index.classes, stats)
    if not stats.mask_values and stats.problems:  # every mask refused: say why, not "no classes"
        raise DataError(f"no mask of '{index.root}' could be read, so its classes are unknown; the first problem: "
                        f"{stats.problems[0]}")
    count = _class_count(index, stats.mask_values)
    if not count:
        found = sorted(v for v in stats.mask_values if v != index.ignore_index)
        more = f" and {len(found) - _MAX_VALUES_SHOWN} more" if len(found) > _MAX_VALUES_SHOWN else ""
        # every value: a map of the first ten left the EL benchmark's grey 255 ('crack') unread
        example = ",".join(f"{v}:{i}" for i, v in enumerate(found)) if len(found) <= _MAX_VALUES_MAPPED else ""
        raise DataError(
            f"cannot infer the classes of '{index.root}': the masks hold no class values from 0 up besides "
            f"the ignore label (values: {', '.join(map(str, found[:_MAX_VALUES_SHOWN])) or 'none'}{more}); add a "
            f"classes.json, or map the values to classes{f' with --label-map {example}' if example else ''}"
        )
    names = tuple(map(generic_name, range(count)))
    return _with_background(ClassSpec(names=names, ignore_index=index.ignore_index), stats)


def _class_count(index: DatasetIndex, values: Iterable[int]) -> int:
    """Classes inferred from the mask values (`inferred_class_count`), and at least every class a
    --label-map maps to: a subset without the top classes (GTA5's ids mapped to Cityscapes'
    19 train ids) keeps them; filling outlines (`--fill-outlines`) adds no label to its map's."""
    count = inferred_class_count(v for v in values if v != index.ignore_index)
    mapping = index.mapping.base if isinstance(index.mapping, FilledOutlineMapping) else index.mapping
    if isinstance(mapping, LabelMapping):
        targets = [label for _, label in mapping.values if label >= 0 and label != index.ignore_index]
        count = max(count, max(targets, default=-1) + 1)
    return count


def _with_background(classes: ClassSpec, stats: DatasetStats) -> ClassSpec:
    """`classes` with the most common class as background when no class is named so: drawn
    faint in overlays, it stops covering every picture in one colour."""
    if classes.background is not None:
        return classes
    counts = {c: n for c, n in stats.mask_values.items() if 0 <= c < classes.num_classes and c != classes.ignore_index}
    if not counts:
        return classes
    return replace(classes, background=max(counts, key=lambda c: (counts[c], -c)))
