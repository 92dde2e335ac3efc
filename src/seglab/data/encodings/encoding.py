"""How a folder's masks encode their classes, chosen from what the masks hold.

Dataset layouts find the mask files; this module looks inside a sample of them and picks the
mask mapping (and, where the masks define them, the classes):

- label masks (grey, palette indices, .npy, the first channel of 16-bit RGB): the values are
  the labels; 0/255 masks (and 16-bit 0/65535 ones) become 0/1, and 0/255 masks with
  antialiased or JPEG edges are thresholded at 128;
- colour masks: each colour with a real share of the pixels, or that fills regions of its own,
  is a class, ordered by colour code (r, g, b), so black comes first; the in-between colours
  of antialiased or JPEG edges, which fill no region, snap to the nearest class colour. With
  classes.json colours those are the classes.

Every changed pixel is counted and reported (`snapped-pixels`), never silent. Without declared
classes, labels run from 0 up to the first wide gap in the values; values beyond it are stray
values (`values-outside-classes`), so one pixel of 65535 never makes a 65536-class model.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy import ndimage

from seglab.data.classes import ClassSpec, generic_name
from seglab.data.encodings.coloured_objects import (
    MANY_OBJECTS,
    OBJECT_CLASSES,
    ONE_REGION,
    ColouredObjectsMapping,
    coloured_objects_problem,
)
from seglab.data.files.index import Problem
from seglab.data.files.io import raw_mask, read_mask_array, read_raw_mask
from seglab.data.classes.mapping import (
    BinaryMapping,
    ColourMapping,
    IdentityMapping,
    LabelMapping,
    MappingError,
    MaskMapping,
    NEAR,
    SOLID,
    NearestColourMapping,
    ThresholdMapping,
    colour_codes,
    filled_pixels,
    single_channel,
    wide_rgb,
)
from seglab.data.files.mat_files import MAT_SUFFIX, instance_variable
from seglab.data.encodings.one_hot import ARRAY_SUFFIXES, OneHotMapping, channel_stack
from seglab.data.encodings.palettes import known_palette
from seglab.data.files.read_errors import Unusable
from seglab.errors import ConfigError, DataError

logger = logging.getLogger(__name__)

SAMPLE = 200  # masks read to choose an encoding: every mask of most datasets
MIN_SHARE = 0.001  # a colour covering less of the sampled pixels and filling no region is edge noise
BLEND = 32  # a colour this close to the line between two class colours, rarer than both, filling no region: a blend
BINARY_SHARE = 0.9  # 0/255 masks: at least this share of pixels is 0 or 255
WIDE_ON = 65535  # the object value of 16-bit binary masks
SOFT_LEVELS = 200  # 0..255 masks using nearly every level between their two commonest values, at the ends: mattes
SOFT_END = 8  # how near 0 and 255 a matte's background and foreground values lie
NOISY_LEVELS = 5  # 0/255 masks with this many in-between values have noisy edges; fewer are stray
# JPEG-saved 0/255 masks (Kvasir-SEG's, and more so resized copies): JPEG blurs every edge and
# rings beside it, so fewer pixels are exact; those within this of 0 or 255 count as on the level
JPEG_NEAR = 48
JPEG_SUFFIXES = (".jpg", ".jpeg")
CLASS_GAP = 16  # without classes.json, labels after more unused values than this are stray
MAX_COLOURS = 256  # more class colours than this are a photo, not a mask
PHOTO_SHARE = 0.5  # more of the pixels in colours to snap than this (a quarter, of one class colour): photos
DEFAULT_IGNORE = 255  # the label of `ignore` in --label-map when no ignore index is set
ENCODING_CODES = ("snapped-pixels", "instance-ids")  # findings that depend on the chosen mapping
REGION_SAMPLE = 20  # label masks whose values' regions are counted, to tell object numbers from classes
OBJECT_VALUES = 10  # values 1..n in a mask, each one region, with n this high: object numbers
VARYING_COUNTS = 3  # or 1..n with this many different n among the masks (GlaS: 1 to 3 glands)
MAX_OBJECTS = 5000  # values in one mask beyond which regions are not counted (noise, not objects)


@dataclass
class MaskSample:
    """Raw pixel counts of a sample of masks, before any mapping.

    Args:
        listed: masks in the dataset.
        labels: per label mask (grey, palette indices, or grey saved as RGB), value -> pixels.
        colours: per colour mask, colour code (r << 16 | g << 8 | b) -> pixels.
        filled: per colour mask, colour code -> pixels inside regions of it (`filled_pixels`).
        regions: per label mask of the first `REGION_SAMPLE` with a non-zero value (integer
            masks), (non-zero values, values that form one connected region).
        colour_regions: likewise per colour mask with a colour besides black, for colours.
        stacks: per one-hot array (`one_hot.channel_stack`), (channels, whether every pixel is
            on in one channel).
    """

    listed: int
    labels: dict[Path, Counter[int]] = field(default_factory=dict)
    colours: dict[Path, Counter[int]] = field(default_factory=dict)
    filled: dict[Path, Counter[int]] = field(default_factory=dict)
    regions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    colour_regions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    stacks: dict[Path, tuple[int, bool]] = field(default_factory=dict)

    @property
    def read(self) -> int:
        return len(self.labels) + len(self.colours) + len(self.stacks)

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


@dataclass(frozen=True)
class Encoding:
    """What `choose_encoding` decided.

    Args:
        classes: the declared classes, classes discovered from mask colours, or generic names
            for 0/255 masks; None: inferred from the label values after the scan.
        mapping: raw mask pixels -> labels.
        problems: `snapped-pixels` warnings.
        values: raw label values seen (for layouts that know their labels, e.g. CamVid).
        binary: the masks are 0/255 masks.
    """

    classes: ClassSpec | None
    mapping: MaskMapping
    problems: tuple[Problem, ...] = ()
    values: frozenset[int] = frozenset()
    binary: bool = False


def sample_masks(masks: list[Path], size: int = SAMPLE) -> MaskSample:
    """Count the values (or colours) of up to `size` evenly spaced masks; unreadable ones are
    skipped here and reported by the scan."""
    sample = MaskSample(listed=len(masks))
    wide: Path | None = None
    for path in _evenly(masks, size):
        try:
            if path.suffix.lower() in ARRAY_SUFFIXES:  # read once: a one-hot stack, else the raw mask
                array = read_mask_array(path)
                planes = channel_stack(array)
                if planes is not None:
                    sample.stacks[path] = (len(planes), bool((planes.sum(axis=0) == 1).all()))
                    continue
                raw = raw_mask(array, path)
            else:
                raw = read_raw_mask(path)
        except DataError as err:
            logger.debug("skipping unreadable mask while choosing an encoding: %s", err)
            continue
        if raw.ndim == 3 and raw.dtype == np.uint8 and not (raw == raw[..., :1]).all():  # colours are 8-bit
            codes = colour_codes(raw)
            sample.colours[path], sample.filled[path] = _colour_counts(codes)
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
            counts = sample.labels[path] = _value_counts(labels)
            if len(sample.regions) < REGION_SAMPLE and len(counts.keys() - {0}) and _whole_numbers(labels):
                sample.regions[path] = _one_region_values(labels)
    if wide is not None:
        logger.info("masks such as '%s' are 16-bit RGB: their first channel (R) is read as the class and the others "
                    "are not (SYNTHIA's GT/LABELS number instances in G)", wide)
    return sample


def _colour_counts(codes: np.ndarray) -> tuple[Counter[int], Counter[int]]:
    """Pixels of each colour, and of each the pixels inside regions of it: all but the few on
    edges, which are counted instead of the many inside."""
    counts = _value_counts(codes)
    return counts, counts - _value_counts(codes[~filled_pixels(codes)])


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
    single = sum(ndimage.label(dense[box] == rank, structure=np.ones((3, 3)))[1] == 1
                 for rank, box in enumerate(ndimage.find_objects(dense), start=1) if box is not None)
    return len(values) - int(values[0] == 0), int(single)


def _instance_problem(sample: MaskSample) -> Problem | None:
    """A warning when label masks number objects (Cellpose's `_masks.png`, the Cell Tracking
    Challenge's `man_seg*.tif`, GlaS's `_anno.bmp`): each value one region, and either
    `MANY_OBJECTS` values in a mask, or values 1..n in most masks with n reaching
    `OBJECT_VALUES` or varying between masks (trimaps' 1..3 in every mask do not). Read as
    classes they would make a class per object. MATLAB masks named for objects (`inst_map` alone:
    HoVer-Net's CPM-17 and Kumar) are told however few objects they hold."""
    named = _named_instances(sample)
    if named is not None:
        return named
    counted = {p: r for p, r in sample.regions.items() if r[0]}
    if not counted or sum(r[1] for r in counted.values()) < ONE_REGION * sum(r[0] for r in counted.values()):
        return None
    path, (most, _) = max(counted.items(), key=lambda item: item[1][0])
    numbered = sum(set(sample.labels[p]) - {0} == set(range(1, r[0] + 1)) for p, r in counted.items())
    varying = len({r[0] for r in counted.values()}) >= VARYING_COUNTS
    if not (most >= MANY_OBJECTS or (numbered >= 0.8 * len(counted) and (most >= OBJECT_VALUES or varying))):
        return None
    message = (f"mask values look like object numbers, not classes: {most} values in this mask, each one region; "
               "if each value is one object (an instance mask), --instance-masks reads every object as one "
               "foreground class")
    return Problem(path, message, "instance-ids")


def _named_instances(sample: MaskSample) -> Problem | None:
    """The `instance-ids` warning when the first sampled MATLAB mask is a variable named for
    objects (`mat_files.instance_variable`); one file tells, as a dataset's files are alike."""
    path = next((p for p in sample.labels if p.suffix.lower() == MAT_SUFFIX), None)
    try:
        name = instance_variable(path) if path is not None else None
    except Unusable:  # it was read a moment ago; a file changed since is for the scan to name
        return None
    if name is None:
        return None
    message = (f"MATLAB variable '{name}' numbers objects and no class map lies beside it (HoVer-Net's CPM-17 and "
               "Kumar): read as classes, each object becomes a class; --instance-masks reads every object as one "
               "foreground class")
    return Problem(path, message, "instance-ids")


def choose_encoding(masks: list[Path], classes: ClassSpec | None) -> Encoding:
    """The mapping (and classes, where the masks define them) for a dataset's masks.

    Args:
        masks: every mask file of the dataset; a sample of `SAMPLE` of them is read.
        classes: from classes.json, or None.

    Raises:
        DataError: colour masks without classes.json whose colours are no classes: none covers
            `MIN_SHARE` of the pixels, or more than `MAX_COLOURS` do (photos, not masks).
    """
    sample = sample_masks(masks)
    if len(sample.stacks) > len(sample.labels) + len(sample.colours):
        return _one_hot_encoding(sample, classes)
    if sample.is_colour:
        return _colour_encoding(sample, classes)
    return _label_encoding(sample, classes)


def _one_hot_encoding(sample: MaskSample, classes: ClassSpec | None) -> Encoding:
    """Masks one-hot in a binary channel per class: background 0 and a class per channel, or a
    class per channel when they cover every pixel (`multilabel.apply_task` checks classes.json
    against them, knowing the task)."""
    channels = Counter(count for count, _ in sample.stacks.values()).most_common(1)[0][0]
    first = 0 if all(covered for _, covered in sample.stacks.values()) else 1
    generic = ClassSpec(tuple(generic_name(k) for k in range(channels + first)))
    return Encoding(classes or generic, OneHotMapping(channels, first))


def _label_encoding(sample: MaskSample, classes: ClassSpec | None) -> Encoding:
    values = sample.label_values()
    seen = frozenset(int(v) for v in values if float(v).is_integer())
    total = sum(values.values())
    between = {v for v in values if v not in (0, 255)}
    exact = values[0] + values[255]
    spec = classes or ClassSpec((generic_name(0), generic_name(1)))
    grey = _grey_classes(classes)
    if set(values) == {0, WIDE_ON} and spec.num_classes == 2:  # 16-bit 0/65535 masks (TGS Salt)
        return Encoding(spec, ThresholdMapping(WIDE_ON // 2 + 1), values=seen, binary=True)
    if grey is not None and set(grey) != {0, 255} and sum(values[v] for v in grey) >= BINARY_SHARE * total:
        return Encoding(classes, LabelMapping(tuple(grey.items())), values=seen)  # grey levels named in class_dict
    if 255 not in values or not all(0 <= v <= 255 for v in values) or spec.num_classes != 2:
        instances = _instance_problem(sample) if classes is None else None
        return Encoding(classes, IdentityMapping(), (instances,) if instances else (), values=seen)
    white_first = grey == {255: 0, 0: 1}  # DeepGlobe Road's class_dict.csv: road 255,255,255, background 0,0,0
    near = sum(n for v, n in values.items() if v <= JPEG_NEAR or v >= 255 - JPEG_NEAR)
    jpeg = sum(p.suffix.lower() in JPEG_SUFFIXES for p in sample.labels) > len(sample.labels) / 2
    noisy = len(between) >= NOISY_LEVELS and (exact >= BINARY_SHARE * total or (jpeg and near >= BINARY_SHARE * total))
    if noisy or _soft(values, between, near, total):
        what = ("lie between 0 and 255 (antialiased or JPEG edges); each was thresholded at 128 to the nearer class"
                if noisy else "lie between 0 and 255 on masks of soft edges (alpha mattes, averaged annotators: "
                "P3M-10k's portraits); each was thresholded at 128, 0 and 255 being the classes")
        snapped = _snapped_problem(sample, sample.labels, between, what)
        return Encoding(spec, ThresholdMapping(128, inverted=white_first), (snapped,), seen, binary=True)
    if total - exact <= MIN_SHARE * total:  # exact 0/255, or a few stray pixels the scan reports
        mapping = LabelMapping(((0, 1), (255, 0))) if white_first else BinaryMapping()
        return Encoding(spec, mapping, values=seen, binary=True)
    return Encoding(classes, IdentityMapping(), values=seen)  # e.g. 0/1 labels with a 255 void border


def _soft(values: Counter[int], between: set[int], near: int, total: int) -> bool:
    """Whether 0..255 masks are soft (alpha mattes): the two most common values at either end,
    most pixels near them, and nearly every level between, as no label mask numbers its classes."""
    if len(between) < SOFT_LEVELS or near < total / 2:
        return False
    low, high = sorted(v for v, _ in values.most_common(2))
    return low <= SOFT_END and high >= 255 - SOFT_END


def _grey_classes(classes: ClassSpec | None) -> dict[int, int] | None:
    """Grey level -> class when every class colour is a grey (r = g = b) and they are not the
    class indices themselves: a class_dict.csv over grey masks (DeepGlobe Road's white road and
    black background) names the classes by their level, whatever its row order."""
    if classes is None or not classes.colours or any(len(set(c)) != 1 for c in classes.colours):
        return None
    levels = {int(c[0]): k for k, c in enumerate(classes.colours)}
    return None if all(level == k for level, k in levels.items()) else levels


def _colour_encoding(sample: MaskSample, classes: ClassSpec | None) -> Encoding:
    """Colour masks read by their class colours, with the `instance-ids` warning when their colours
    are objects (`coloured_objects`); objects too many to be classes are read as --instance-masks
    reads them, as no class table holds hundreds of nuclei an image."""
    objects = None if classes is not None else coloured_objects_problem(sample.colours, sample.filled,
                                                                        sample.colour_regions)
    if objects is None:
        return _colour_classes(sample, classes)
    try:
        encoding = _colour_classes(sample, classes)
    except DataError:
        message = f"{objects.message}: they are too many to be classes and are read so (as with --instance-masks)"
        return Encoding(OBJECT_CLASSES, ColouredObjectsMapping(), (replace(objects, message=message),))
    return replace(encoding, problems=(objects, *encoding.problems))


def _colour_classes(sample: MaskSample, classes: ClassSpec | None) -> Encoding:
    counts, filled = sample.colour_values(), sample.filled_values()
    total = sum(counts.values())
    if classes is None:
        colours = discover_colours(counts, filled)
        if not 0 < len(colours) <= MAX_COLOURS:
            raise DataError(f"colour masks such as '{next(iter(sample.colours))}' hold {len(counts):,} colours, "
                            f"{'too many' if colours else 'none'} frequent enough to be classes: are they photos? "
                            "Masks hold one colour per class; or list the class colours in classes.json")
        shipped = known_palette(colours)
        if shipped is not None and not shipped[1]:
            classes = shipped[0].spec()
            logger.info("no classes.json: the mask colours are %s's, read as its %d classes (%s)", shipped[0].name,
                        classes.num_classes, ", ".join(classes.names))
        else:
            if shipped is not None:  # ISPRS's eroded ground truth: its black boundary is void, if the user says so
                logger.warning("the mask colours are %s's and its void colour %s: if that marks no class, pass "
                               "--classes with this classes.json: %s", shipped[0].name,
                               ", ".join(map(str, shipped[0].void)), json.dumps(shipped[0].spec(void=True).to_dict()))
            classes = ClassSpec(names=tuple(colour_name(c) for c in colours), colours=colours)
            logger.info("no classes.json: %d mask colours are the classes: %s", len(colours),
                        ", ".join(classes.names))
    void = classes.void_colours
    known = np.array(classes.colours + void)
    table = {code: counts[code] for code in colour_codes(known).tolist()}
    unknown = {code for code in counts if code not in table}
    noise = {code for code in unknown if (counts[code] < MIN_SHARE * total and filled[code] < SOLID)
             or _edge_noise(code, counts[code], table, filled[code])}
    void_label = 255 if classes.ignore_index is None else classes.ignore_index
    if not noise or unknown - noise:  # a frequent unknown colour: the scan names its files
        return Encoding(classes, ColourMapping(classes.colours, void, void_label))
    share = sum(counts[code] for code in noise) / total
    if share > PHOTO_SHARE or (len(classes.colours) == 1 and share > PHOTO_SHARE / 2):
        raise DataError(f"colour masks such as '{next(iter(sample.colours))}' hold {len(noise):,} colours that are no "
                        f"class colour, {share:.0%} of their pixels: edges are never so many. Are they photos with "
                        "the background painted over (Oxford 102 Flowers' segmim/)? Masks hold one colour per "
                        "class; or list the class colours in classes.json")
    snapped = _snapped_problem(sample, sample.colours, noise, f"have {len(noise)} colours that are not class "
                               "colours (antialiased or JPEG edges); each was snapped to the nearest class colour")
    return Encoding(classes, NearestColourMapping(classes.colours, void, void_label), (snapped,))


def discover_colours(
    counts: Mapping[int, int], filled: Mapping[int, int] | None = None
) -> tuple[tuple[int, int, int], ...]:
    """The class colours among colour codes and their pixel counts, ordered by code (black first).

    A colour is a class when it covers at least `MIN_SHARE` of the pixels or fills regions of
    its own (`SOLID` pixels inside them, counted in `filled`), is not within `NEAR` of a more
    frequent class colour (JPEG shifts flat areas by a few levels) and is not a blend of two
    class colours: within `BLEND` of the line between them, under half as frequent as either
    and filling no region (antialiasing and JPEG chroma bleeding mix neighbouring colours along
    edges; a class painted in such a colour, iSAID's harbour between two others, fills regions).

    Stops after `MAX_COLOURS` + 1 colours: more are no classes (the caller refuses them).
    """
    filled = filled or {}
    total = sum(counts.values())
    kept: list[int] = []
    for code, pixels in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        solid = filled.get(code, 0)
        if pixels < MIN_SHARE * total and solid < SOLID:
            continue
        if not _edge_noise(code, pixels, {k: counts[k] for k in kept}, solid):
            kept.append(code)
        if len(kept) > MAX_COLOURS:
            break
    return tuple(_rgb(code) for code in sorted(kept))


def colour_name(colour: tuple[int, int, int]) -> str:
    """A generated class name that shows the colour: '#ff0000'."""
    return "#" + "".join(f"{v:02x}" for v in colour)


def inferred_class_count(labels: Iterable[int]) -> int:
    """K for masks without declared classes: labels 0..K-1 run up to the first gap of more
    than `CLASS_GAP` unused values; larger labels are stray values, never classes."""
    count = 0
    for label in sorted(v for v in labels if v >= 0):
        if label - count > CLASS_GAP:
            break
        count = label + 1
    return count


def relabel_hint(mapping: MaskMapping, stray: list[int], num_classes: int | None = None) -> str:
    """How to map stray label values without editing files: a --label-map (or --ignore-index);
    one stray value beside class 0 alone (`num_classes` 1) is the object of a binary mask, and
    several beyond inferred classes are first offered as classes."""
    if not isinstance(mapping, (IdentityMapping, BinaryMapping, LabelMapping)):
        return "declare them in classes.json, or set --ignore-index for a void label"
    if num_classes == 1 and len(stray) == 1 and isinstance(mapping, IdentityMapping) and stray[0] > 0:
        value = stray[0]
        return (f"the masks hold 0 and {value}, a binary mask: --label-map {value}:1 reads {value} as class 1 "
                f"(--label-map {value}:ignore if it marks void pixels)")
    if num_classes == 1 and isinstance(mapping, IdentityMapping) and _even_levels(stray):
        listed = ",".join(f"{v}:{k}" for k, v in enumerate(sorted(stray), start=1))
        halved = ",".join(f"{v}:{int(v * 2 > max(stray))}" for v in sorted(stray))
        return (f"the masks hold 0 and {len(stray)} evenly spaced grey levels, classes drawn to be seen (CHAOS' "
                f"63, 126, 189, 252): --label-map {listed} reads them as classes 1 to {len(stray)}; if they are "
                f"one object's soft mask (the share of annotators marking it: CUB-200's 51, 102, ..., 255), "
                f"--label-map {halved} reads it cut at half")
    kept = "255:1," if isinstance(mapping, BinaryMapping) else ""  # the map replaces 0/255 -> 0/1
    option = f"--label-map {kept}" + ",".join(f"{v}:ignore" for v in stray)
    if min(stray) < 0:
        option = option.replace(" ", "=", 1)  # argparse would take '-1:...' for an option
    classes = [v for v in stray if v != DEFAULT_IGNORE]  # 255: COCO-Stuff's and most datasets' void
    if num_classes and len(classes) > 1 and isinstance(mapping, IdentityMapping) and min(stray) > 0:
        top = max(classes)  # several values past a gap: most often classes a subset leaves out (Mapillary)
        void = " with \"ignore_index\": 255" if DEFAULT_IGNORE in stray else ""
        return (f"if they are classes, name all {top + 1} (0 to {top}) in a classes.json \"names\" list{void}; "
                f"if they mark void pixels, set {option}")
    void = "--ignore-index 255 if it marks void pixels, or " if stray == [255] else ""
    return f"set {void}{option} (or map them to classes), or declare the classes in classes.json"


def _even_levels(values: list[int]) -> bool:
    """Two or more values at k / n of the largest (within rounding), k = 1..n: 85, 170, 255."""
    ordered, top = sorted(values), max(values)
    return len(ordered) >= 2 and min(ordered) > 1 and all(
        abs(v - top * k / len(ordered)) <= 1 for k, v in enumerate(ordered, start=1))


def parse_label_map(values: Mapping[object, object]) -> dict[int, int | str]:
    """Check a label map {raw value: class index or "ignore"}; keys may be digit strings (JSON).

    Raises:
        ConfigError: a key that is not an integer, or a target that is not a class index or "ignore".
    """
    if not isinstance(values, Mapping) or not values:
        raise ConfigError(f"data.label_map must map raw mask values to classes, e.g. {{255: 1, 3: ignore}}; "
                          f"got {values!r}")
    parsed: dict[int, int | str] = {}
    for raw, label in values.items():
        try:
            key = int(str(raw))
        except ValueError:
            raise ConfigError(f"data.label_map: '{raw}' is not a raw mask value (an integer)") from None
        if label != "ignore" and (isinstance(label, bool) or not isinstance(label, int) or label < 0):
            raise ConfigError(f"data.label_map: {raw} maps to {label!r}; expected a class index >= 0 or 'ignore'")
        parsed[key] = label  # type: ignore[assignment]
    return parsed


def label_map_encoding(
    label_map: Mapping[object, object], ignore_index: int | None
) -> tuple[LabelMapping, int | None]:
    """The mapping of a --label-map and the ignore index it needs.

    "ignore" is the ignore index when one is set; else it is `DEFAULT_IGNORE` (255), which
    becomes the ignore index (logged), so unlisted 255 pixels are ignored as well.

    Raises:
        ConfigError: bad entries, or "ignore" with 255 also used as a class and no ignore index.
    """
    parsed = parse_label_map(label_map)
    targets = {label for label in parsed.values() if label != "ignore"}
    if "ignore" in parsed.values() and ignore_index is None:
        if DEFAULT_IGNORE in targets:
            raise ConfigError(f"data.label_map maps values to 'ignore' and to class {DEFAULT_IGNORE}; "
                              "set the ignore label with --ignore-index")
        ignore_index = DEFAULT_IGNORE
        logger.info("label map: 'ignore' is label %d (no ignore index was set)", DEFAULT_IGNORE)
    pairs = tuple((raw, ignore_index if label == "ignore" else label) for raw, label in sorted(parsed.items()))
    return LabelMapping(pairs), ignore_index  # type: ignore[arg-type]


def _snapped_problem(sample: MaskSample, per_file: dict[Path, Counter[int]], changed: set[int], what: str) -> Problem:
    """One warning for every changed pixel of the sample: how many, in which files."""
    files = {path: sum(counts[v] for v in changed if v in counts) for path, counts in per_file.items()}
    files = {path: n for path, n in files.items() if n}
    ranked = sorted(files, key=lambda path: (-files[path], str(path)))
    sampled = f" of {sample.read} sampled" if sample.read < sample.listed else ""
    masks = f"{len(files)}{sampled} mask{'s' * (len(files) != 1 or bool(sampled))}"
    message = f"{sum(files.values()):,} mask pixels in {masks} (most here: {files[ranked[0]]:,}) {what}"
    return Problem(ranked[0], message, "snapped-pixels", tuple(ranked[1:]))


def _edge_noise(code: int, pixels: int, classes: Mapping[int, int], filled: int) -> bool:
    """Whether a colour that is no class colour lies near one (a JPEG shift, even of a flat block)
    or blends two without filling regions of its own (classes: code -> pixels)."""
    return _near(code, classes) or (filled < SOLID and _blend(code, pixels, classes))


def _near(code: int, others: Iterable[int]) -> bool:
    colour = np.array(_rgb(code))
    return any(np.abs(colour - _rgb(other)).max() <= NEAR for other in others)


def _blend(code: int, pixels: int, classes: Mapping[int, int]) -> bool:
    """Whether a colour lies on the line between two class colours that are both twice as frequent."""
    frequent = [c for c, n in classes.items() if n >= 2 * pixels]
    if len(frequent) < 2:
        return False
    colour = np.array(_rgb(code), dtype=float)
    ends = np.array([_rgb(c) for c in frequent], dtype=float)
    start, step = ends[:, None, :], ends[None, :, :] - ends[:, None, :]  # every pair at once
    length = np.maximum((step * step).sum(axis=2), 1.0)
    t = ((colour - start) * step).sum(axis=2) / length
    gap = np.linalg.norm(start + t[..., None] * step - colour, axis=2)
    return bool(((t > 0) & (t < 1) & (gap <= BLEND)).any())


def _evenly(paths: list[Path], k: int) -> list[Path]:
    """Up to `k` evenly spaced paths, first and last included."""
    if len(paths) <= k:
        return paths
    return [paths[i] for i in np.linspace(0, len(paths) - 1, k).round().astype(int)]


def _value_counts(array: np.ndarray) -> Counter[int]:
    if array.dtype in (np.uint8, np.uint16):  # bincount is several times faster than unique
        counts = np.bincount(array.ravel())
        present = np.flatnonzero(counts)
        return Counter(dict(zip(present.tolist(), counts[present].tolist())))
    values, counts = np.unique(array, return_counts=True)
    return Counter(dict(zip(values.tolist(), counts.tolist())))


def _rgb(code: int) -> tuple[int, int, int]:
    return ((code >> 16) & 255, (code >> 8) & 255, code & 255)
