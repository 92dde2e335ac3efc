"""What a sample of a folder's masks holds: their values, colours and regions, read once."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy import ndimage

from seglab.data.classes.mapping import MappingError, colour_codes, filled_pixels, single_channel, wide_rgb
from seglab.data.encodings.alpha_masks import alpha_counts
from seglab.data.encodings.label_maps import CLASS_GAP, DEFAULT_IGNORE
from seglab.data.encodings.object_channels import object_stack, one_region_channels
from seglab.data.encodings.one_hot import channel_stack, label_bands
from seglab.data.files.channels import binary_planes
from seglab.data.files.io import ARRAY_SUFFIXES, raw_mask, read_mask_and_alpha, read_mask_array
from seglab.data.files.lossy import lossy_format
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.errors import DataError

logger = logging.getLogger(__name__)

SAMPLE = 200  # masks read to choose an encoding: every mask of most datasets
REGION_SAMPLE = 20  # label masks whose values' regions are counted, to tell object numbers from classes
MAX_OBJECTS = 5000  # values in one mask beyond which regions are not counted (noise, not objects)
# `filled_pixels` reach in lossy label masks: a 5x5 patch, as JPEG's ringing may hold a 3x3 one (`lossy_labels`)
LOSSY_REACH = 2
T = TypeVar("T")


@dataclass
class MaskSample:
    """Raw pixel counts of a sample of masks, before any mapping.

    Args:
        listed: masks in the dataset.
        labels: per label mask (grey, palette indices, or grey saved as RGB), value -> pixels.
        colours: per colour mask, colour code (r << 16 | g << 8 | b) -> pixels.
        filled: per colour mask, colour code -> pixels inside regions of it (`filled_pixels`).
        label_filled: likewise per label mask of values 0..255, lossy or one between them
            (`_may_paint_levels`), value -> pixels inside regions of it (5x5 patches in lossy masks).
        regions: per label mask of the first `REGION_SAMPLE` with a value that may number an
            object (`object_values`; integer masks), (such values, those that form one connected region).
        colour_regions: likewise per colour mask with a colour besides black, for colours.
        apart: the label masks of `regions` whose non-zero values never touch one another
            (`_kept_apart`).
        stacks: per one-hot array (`one_hot.channel_stack`), (channels, whether every pixel is
            on in one channel).
        object_stacks: per 3-D 0/1 array of any number of channels (`object_channels.object_stack`),
            (channels, pixels on in any channel, pixels on in two or more).
        stack_regions: per object stack of the first `REGION_SAMPLE` with a pixel on, (channels
            with a pixel on, channels forming one region).
        alphas, opaque: per picture mask with an alpha channel (RGBA, grey + alpha), pixels per
            alpha level, and per colour code (grey value) of its opaque pixels (`alpha_counts`).
        lossy: the label and colour masks saved lossy (JPEG, lossy WebP: `lossy.lossy_format`),
            told once per mask for every check that asks.
    """

    listed: int
    labels: dict[Path, Counter[int]] = field(default_factory=dict)
    colours: dict[Path, Counter[int]] = field(default_factory=dict)
    filled: dict[Path, Counter[int]] = field(default_factory=dict)
    label_filled: dict[Path, Counter[int]] = field(default_factory=dict)
    regions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    colour_regions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    apart: set[Path] = field(default_factory=set)
    stacks: dict[Path, tuple[int, bool]] = field(default_factory=dict)
    object_stacks: dict[Path, tuple[int, int, int]] = field(default_factory=dict)
    stack_regions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    alphas: dict[Path, Counter[int]] = field(default_factory=dict)
    opaque: dict[Path, Counter[int]] = field(default_factory=dict)
    lossy: set[Path] = field(default_factory=set)

    @property
    def read(self) -> int:
        return len(self.labels) + len(self.colours) + len(self.stacks)

    @property
    def other_masks(self) -> int:
        """Sampled masks that are no `object_stacks`."""
        return len((self.labels.keys() | self.colours.keys() | self.stacks.keys()) - self.object_stacks.keys())

    @property
    def is_colour(self) -> bool:
        """Most masks are colour images; a stray colour mask among label masks is one bad file."""
        return len(self.colours) > len(self.labels)

    def label_values(self) -> Counter[int]:
        return sum(self.labels.values(), Counter())

    def colour_values(self) -> Counter[int]:
        return sum(self.colours.values(), Counter())

    def filled_values(self) -> Counter[int]:
        return sum(self.filled.values(), Counter())


def sample_masks(masks: list[Path], size: int = SAMPLE) -> MaskSample:
    """Count the values (or colours) of up to `size` evenly spaced masks; unreadable ones are
    skipped here and reported by the scan."""
    sample = MaskSample(listed=len(masks))
    wide: Path | None = None
    for path in evenly(masks, size):
        try:
            suffix = path.suffix.lower()
            if suffix in ARRAY_SUFFIXES or suffix in TIFF_SUFFIXES:  # read once: a one-hot stack, else the raw mask
                array = read_mask_array(path)
                # one scan, for both kinds of stack of 0/1 arrays; more bands than a colour has (0/255 in a TIFF) one-hot
                binary = binary_planes(array) if suffix in ARRAY_SUFFIXES and array.ndim == 3 else None
                if binary is not None:
                    _count_objects(sample, path, binary)
                stacked = binary if binary is not None else array if label_bands(array.shape) else None
                planes = channel_stack(stacked) if stacked is not None else None
                if planes is not None:
                    sample.stacks[path] = (len(planes), bool((planes.sum(axis=0) == 1).all()))
                    continue
                raw = raw_mask(array, path)
            else:
                raw, alpha = read_mask_and_alpha(path)
                if alpha is not None:
                    sample.alphas[path], sample.opaque[path] = alpha_counts(raw, alpha)
        except DataError as err:
            logger.debug("skipping unreadable mask while choosing an encoding: %s", err)
            continue
        if lossy_format(path) is not None:
            sample.lossy.add(path)
        if raw.ndim == 3 and raw.dtype == np.uint8 and not (raw == raw[..., :1]).all():  # colours are 8-bit
            codes = colour_codes(raw)
            sample.colours[path], sample.filled[path] = _region_counts(codes)
            if len(sample.colour_regions) < REGION_SAMPLE and len(sample.colours[path].keys() - {0}):
                sample.colour_regions[path] = _one_region_values(codes)
            continue
        try:
            labels = single_channel(raw)  # grey saved as RGB is a label map, and so is 16-bit RGB's first channel
        except MappingError:  # other stacks are for the scan to name
            continue
        if wide is None and wide_rgb(raw):
            wide = path
        if labels.dtype.kind in "biu" or np.isfinite(labels).all():
            sample.labels[path] = counts = _value_counts(labels)
            if _may_paint_levels(counts, path in sample.lossy):
                reach = LOSSY_REACH if path in sample.lossy else 1
                sample.label_filled[path] = counts - _value_counts(labels[~filled_pixels(labels, reach)])
            objects = object_values(counts)
            if len(sample.regions) < REGION_SAMPLE and objects and _whole_numbers(labels):
                void = DEFAULT_IGNORE in counts and DEFAULT_IGNORE not in objects  # a border: no object's regions
                sample.regions[path] = _one_region_values(np.where(labels == DEFAULT_IGNORE, 0, labels) if void
                                                          else labels)
                if _kept_apart(labels):
                    sample.apart.add(path)
    if wide is not None:
        logger.info("masks such as '%s' are 16-bit RGB: their first channel (R) is read as the class and the others "
                    "are not (SYNTHIA's GT/LABELS number instances in G)", wide)
    return sample


def object_values(counts: Counter[int]) -> set[int]:
    """The values of a label mask that may number objects: not 0, nor 255 past a wide gap
    (`CLASS_GAP`) above every other value, the void border around numbered objects (VOC's
    SegmentationObject, HRSC2016's ships), where it would split one object's value from the rest."""
    values = set(counts) - {0}
    below = values - {DEFAULT_IGNORE}
    if DEFAULT_IGNORE in values and below and DEFAULT_IGNORE - max(below) > CLASS_GAP:
        return below
    return values


def _count_objects(sample: MaskSample, path: Path, array: np.ndarray) -> None:
    """Note `array` (0/1, `binary_planes`) in `sample.object_stacks` (and `stack_regions`) when it is an
    `object_stack`."""
    planes = object_stack(array)
    if planes is None:
        return
    on = planes.sum(axis=0)
    sample.object_stacks[path] = (len(planes), int((on > 0).sum()), int((on > 1).sum()))
    if len(sample.stack_regions) < REGION_SAMPLE and on.any():
        sample.stack_regions[path] = one_region_channels(planes)


def _region_counts(values: np.ndarray) -> tuple[Counter[int], Counter[int]]:
    """Pixels of each value (label or colour code), and of each the pixels inside regions of it:
    all but the few on edges, which are counted instead of the many inside."""
    counts = _value_counts(values)
    return counts, counts - _value_counts(values[~filled_pixels(values)])


def _may_paint_levels(counts: Counter[int], lossy: bool) -> bool:
    """Whether a label mask's regions are worth counting: only those of a mask of values 0..255,
    lossy (`lossy_labels`: its classes fill regions, JPEG's ringing none) or with one strictly
    between (`encoding._painted_levels`: Falling Things' object ids 12, 24, ... beside its 255, not
    an antialiased edge); counting costs half a mask's reading."""
    return all(0 <= v <= 255 for v in counts) and (lossy or any(0 < v < 255 for v in counts))


def _whole_numbers(labels: np.ndarray) -> bool:
    """Integer labels, or floats that hold whole numbers only: HoVer-Net's `inst_map` numbers its
    nuclei in float64."""
    return labels.dtype.kind in "iu" or (labels.dtype.kind == "f" and bool((labels == np.round(labels)).all()))


def _one_region_values(labels: np.ndarray) -> tuple[int, int]:
    """(non-zero values, values forming one 8-connected region): each number of an instance mask
    is one object, where a class of a label mask is often in several places. Values are ranked
    first, so a stray huge value (4,000,000,000) costs nothing; more than `MAX_OBJECTS` values
    (noise) are not counted."""
    values, ranks = np.unique(labels, return_inverse=True)
    if not 0 < len(values) - (values[0] == 0) <= MAX_OBJECTS:
        return 0, 0
    dense = ranks.reshape(labels.shape) + (values[0] != 0)  # 0 stays 0, other values 1..k
    return len(values) - int(values[0] == 0), one_region_count(dense)


def one_region_count(dense: np.ndarray) -> int:
    """How many of the values 1..k of `dense` (a mask or a volume) form one connected region each
    (8-connected in 2-D, 26 in 3-D), each value labelled within its own bounding box."""
    structure = np.ones((3,) * dense.ndim)
    return int(sum(ndimage.label(dense[box] == value, structure=structure)[1] == 1
                   for value, box in enumerate(ndimage.find_objects(dense), start=1) if box is not None))


def _kept_apart(labels: np.ndarray) -> bool:
    """Whether no two different non-zero values of a label mask are neighbours (side by side or
    one above the other): objects kept apart by 0, as EM neuron ids are by their membranes at 0,
    however many pieces a neuron's profile makes in a section; classes meet their neighbours."""
    for one, other in ((labels[1:], labels[:-1]), (labels[:, 1:], labels[:, :-1])):
        if ((one != other) & (one != 0) & (other != 0)).any():
            return False
    return True


def evenly(items: list[T], k: int) -> list[T]:
    """Up to `k` evenly spaced items (masks, cases), first and last included."""
    if len(items) <= k:
        return items
    return [items[i] for i in np.linspace(0, len(items) - 1, k).round().astype(int)]


def _value_counts(array: np.ndarray) -> Counter[int]:
    if array.dtype in (np.uint8, np.uint16):  # bincount is several times faster than unique
        counts = np.bincount(array.ravel())
        present = np.flatnonzero(counts)
        return Counter(dict(zip(present.tolist(), counts[present].tolist())))
    values, counts = np.unique(array, return_counts=True)
    return Counter(dict(zip(values.tolist(), counts.tolist())))
