"""How a folder's masks encode their classes, chosen from what the masks hold.

Dataset layouts find the mask files; this module looks inside a sample of them and picks the
mask mapping (and, where the masks define them, the classes):

- label masks (grey, palette indices, .npy, the first channel of 16-bit RGB): the values are
  the labels, or pack class and instance as class * 1000 (256, 100) + instance (`class_instances`: KITTI MOTS, VIPSeg); 0/255 masks (and 16-bit 0/65535 ones) become 0/1, and 0/255 masks with
  antialiased or JPEG edges are thresholded at 128, unless values between fill regions of a lossless
  mask: those are labels (Falling Things' object ids 12, 24, ... beside 255); in label masks saved
  lossy (JPEG, lossy WebP) the values past the classes that fill no region, JPEG's ringing along
  edges (3, 4 beside 0/1/2), snap to the nearest class value (`lossy_labels`);
- integer masks of bit sets, a bit per class and classes that overlap (`bit_sets`: PENGWIN's X-ray
  fragments), are read multi-label, a class per bit the masks use;
- colour masks: each colour with a real share of the pixels, or that fills regions of its own,
  is a class, ordered by colour code (r, g, b), so black comes first (white first where it is on the
  most pixels: the background of masks drawn on white); the in-between colours
  of antialiased or JPEG edges, which fill no region, snap to the nearest class colour, and so
  do JPEG shifts of a class colour, but only in lossy masks (JPEG, lossy WebP: `lossy.lossy_format`,
  where a shift reaches further, `colours.LOSSY_NEAR`): in a lossless mask a near colour filling
  regions is another class or object (colours numbering objects), and is refused. With
  classes.json colours those are the classes, and in lossy masks every other colour snaps to them;
- colour masks of a 0/255 class in each channel, overlapping where two are on (`channel_classes`:
  Chest CT Segmentation's lungs in R, heart in G, trachea in B), are read multi-label, a class per
  channel, each thresholded at 128;
- lossless colour masks whose painted colours are class ids a level apart in R, G and B instance
  numbers or zero, read by their R (`red_classes`: KITTI-STEP, UECFoodPix);
- stacks of 0/1 channels: a channel per class (`one_hot`), or, where the count of channels
  varies from mask to mask, a channel per object (`object_channels`: WGISD's grape bunches),
  read as background and object;
- RGBA masks whose RGB holds no label (one colour: a layer's; a photo: a cut-out's) but whose
  alpha does, read by the alpha as two classes (`alpha_masks`).

Every changed pixel is counted and reported (`snapped-pixels`), never silent. Without declared
classes, labels run from 0 up to the first wide gap in the values; values beyond it are stray
values (`values-outside-classes`), so one pixel of 65535 never makes a 65536-class model.

The sample is read by `mask_sample`, class colours found by `colours`, label masks that number
objects told by `numbered_objects`, and `--label-map` with the relabelling hints is `label_maps`;
this module makes the choice.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seglab.data.classes import ClassSpec, generic_name
from seglab.data.classes.mapping import (
    BINARY_SHARE,
    COLOUR_CLASSES_ROUTE,
    JPEG_NEAR,
    BinaryMapping,
    ColourMapping,
    IdentityMapping,
    LabelMapping,
    MaskMapping,
    NEAR,
    SOLID,
    NearestColourMapping,
    ThresholdMapping,
    colour_codes,
)
from seglab.data.encodings.alpha_masks import ALPHA_CLASSES, OPAQUE, AlphaMapping, alpha_label_mask
from seglab.data.encodings.bit_sets import BitSetsMapping, bit_set_bits
from seglab.data.encodings.channel_classes import (
    ON,
    ChannelClassesMapping,
    binary_channels,
    channel_classes,
    painted_overlaps,
    within_classes,
)
from seglab.data.encodings.channel_labels import channel_labels_route
from seglab.data.encodings.class_instances import class_instance_mapping
from seglab.data.encodings.coloured_objects import OBJECT_CLASSES, ColouredObjectsMapping, coloured_objects_problem
from seglab.data.encodings.colours import (
    LOSSY_NEAR,
    MAX_COLOURS,
    MIN_SHARE,
    PHOTO_SHARE,
    colour_name,
    colour_rgb,
    discover_colours,
    edge_noise,
    near_colour,
)
from seglab.data.encodings.lossy_labels import NearestLabelMapping, lossy_label_classes
from seglab.data.encodings.mask_sample import MaskSample, sample_masks
from seglab.data.encodings.numbered_objects import numbered_objects_problem
from seglab.data.encodings.object_channels import ObjectChannelsMapping, object_channels_problem
from seglab.data.encodings.one_hot import OneHotMapping
from seglab.data.encodings.palettes import known_palette, partly_known, void_unasked
from seglab.data.encodings.red_classes import VOID, RedClassMapping, red_class_labels
from seglab.data.encodings.rgb_ids import LABELS_FILE
from seglab.data.files.index import Problem
from seglab.data.files.lossy import lossy_format
from seglab.errors import DataError

logger = logging.getLogger(__name__)

WIDE_ON = 65535  # the object value of 16-bit binary masks
SOFT_LEVELS = 200  # 0..255 masks using nearly every level between their two commonest values, at the ends: mattes
SOFT_END = 8  # how near 0 and 255 a matte's background and foreground values lie
# small mattes too few to show SOFT_LEVELS (PPM-100's, shrunk): most masks with this many levels
# between each, on at most SOFT_LEVEL_PIXELS pixels on average, as a ramp spreads them and no
# label mask's classes are
SOFT_FEW_LEVELS, SOFT_LEVEL_PIXELS = 48, 16
NOISY_LEVELS = 5  # 0/255 masks with this many in-between values have noisy edges; fewer are stray
ENCODED_IDS = 50  # colour masks with this many colours, near ones filling regions: ids in RGB, not classes
# 0/255 masks white on more of their pixels than this are likely objects drawn black on white (PALM's optic disc,
# black on 4%): well above ISBI 2012's white cells around black membranes (white on 78%, membranes its class 0), and
# objects drawn white seldom cover nine pixels in ten
WHITE_BACKGROUND = 0.9
_LISTED_SNAPS = 8  # snapped values of lossy label masks named one by one in the warning
ENCODING_CODES = ("snapped-pixels", "instance-ids", "white-background")  # findings that depend on the chosen mapping


@dataclass(frozen=True)
class Encoding:
    """What `choose_encoding` decided.

    Args:
        classes: the declared classes, classes discovered from mask colours, or generic names
            for 0/255 masks; None: inferred from the label values after the scan.
        mapping: raw mask pixels -> labels.
        problems: `snapped-pixels`, `instance-ids` and `white-background` warnings.
        values: raw label values seen (for layouts that know their labels, e.g. CamVid).
        binary: the masks are 0/255 masks.
    """

    classes: ClassSpec | None
    mapping: MaskMapping
    problems: tuple[Problem, ...] = ()
    values: frozenset[int] = frozenset()
    binary: bool = False


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
    objects = object_channels_problem(sample.object_stacks, sample.stack_regions, sample.other_masks)
    if objects is not None and (classes is None or classes.num_classes == 2):  # WGISD's channel per grape bunch
        return Encoding(classes or OBJECT_CLASSES, ObjectChannelsMapping(), (objects,))
    if len(sample.stacks) > len(sample.labels) + len(sample.colours):
        return _one_hot_encoding(sample, classes)
    alpha = alpha_label_mask(sample.alphas, sample.opaque, sample.read)
    if alpha is not None and (classes is None or classes.num_classes == 2):  # a layer's or a cut-out's alpha
        return _alpha_encoding(sample, classes, alpha)
    if sample.is_colour:
        reds = red_class_labels(sample) if classes is None else None
        if reds is not None:  # KITTI-STEP's class in R, instance in G and B
            void = VOID if VOID in reds and len(reds) > 1 else None
            return Encoding(_numbered_classes(reds, void) if void is not None else None, RedClassMapping(),
                            values=frozenset(reds))
        channels = binary_channels(sample.colour_values()) if classes is None else None
        overlaps = painted_overlaps(sample) if channels is not None else []
        if channels is not None and overlaps and within_classes(sample.colour_values(), overlaps):
            return _channel_class_encoding(channels)  # Chest CT Segmentation's lungs, heart and trachea
        if overlaps:
            logger.info("the colour masks are 0/255 in each channel, regions on in several: if each channel is a "
                        "class of its own (classes that overlap), --task multilabel reads a class per channel")
        return _colour_encoding(sample, classes)
    return _label_encoding(sample, classes)


def _channel_class_encoding(channels: tuple[int, ...]) -> Encoding:
    """Colour masks of a 0/255 class per channel, overlapping (`channel_classes`): read multi-label,
    a class per channel, named and drawn in its colour."""
    classes = channel_classes(channels)
    logger.info("no classes.json: the colour masks hold a 0/255 class in each channel (%s), on together where "
                "classes overlap: read as multi-label, a class per channel, on from level %d of 255; if their colours "
                "are classes of their own, list them in a classes.json \"colours\" list and pass it with --classes",
                ", ".join(classes.names), ON)
    return Encoding(classes, ChannelClassesMapping(channels))


def _alpha_encoding(sample: MaskSample, classes: ClassSpec | None, example: Path) -> Encoding:
    """Masks whose alpha holds the label, their RGB none (`alpha_masks`): read as 0/255 masks are,
    two classes, the alpha levels between thresholded with the `snapped-pixels` warning."""
    logger.info("masks such as '%s' hold their label in the alpha channel, their RGB none (one colour, or the "
                "photo of a cut-out): read as binary masks, opaque pixels (alpha %d of 255 and up) class 1, "
                "transparent ones class 0", example, OPAQUE)
    soft = set(range(1, 255))
    edges = (_snapped_problem(sample, sample.alphas, soft, f"are partly transparent (a soft edge); each was "
                              f"thresholded at alpha {OPAQUE} to the nearer class"),) \
        if any(soft & counts.keys() for counts in sample.alphas.values()) else ()
    return Encoding(classes or ALPHA_CLASSES, AlphaMapping(), edges, binary=True)


def _numbered_classes(labels: set[int], void: int | None) -> ClassSpec:
    """Classes `class_0`... up to the largest of `labels` but `void`, the ignore label: what masks
    that pack a void value with their classes define, which the scan could not tell from stray values."""
    return ClassSpec(tuple(generic_name(k) for k in range(max(labels - {void}) + 1)), ignore_index=void)


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
    packed = class_instance_mapping(values)
    if packed is not None:  # KITTI MOTS' class * 1000 + instance
        labels = set(packed.apply(np.array([sorted(seen)], dtype=np.int64)).ravel().tolist())
        return Encoding(classes or _numbered_classes(labels, packed.void_label if packed.void else None), packed,
                        values=seen)
    bits = bit_set_bits(values)
    if bits is not None and (classes is None or classes.num_classes == len(bits)):  # PENGWIN's fragment bits
        return _bit_set_encoding(bits, classes, seen)
    spec = classes or ClassSpec((generic_name(0), generic_name(1)))
    grey = _grey_classes(classes)
    if set(values) == {0, WIDE_ON} and spec.num_classes == 2:  # 16-bit 0/65535 masks (TGS Salt)
        return Encoding(spec, ThresholdMapping(WIDE_ON // 2 + 1), values=seen, binary=True)
    if grey is not None and set(grey) != {0, 255} and sum(values[v] for v in grey) >= BINARY_SHARE * total:
        return Encoding(classes, LabelMapping(tuple(grey.items())), values=seen)  # grey levels named in class_dict
    if 255 not in values or not all(0 <= v <= 255 for v in values) or spec.num_classes != 2:
        return _identity_encoding(sample, classes, seen)
    white_first = grey == {255: 0, 0: 1}  # DeepGlobe Road's class_dict.csv: road 255,255,255, background 0,0,0
    near = sum(n for v, n in values.items() if v <= JPEG_NEAR or v >= 255 - JPEG_NEAR)
    compressed = _mostly_lossy(sample, sample.labels)
    noisy = len(between) >= NOISY_LEVELS and not _painted_levels(sample, between) and (
        exact >= BINARY_SHARE * total or (compressed and near >= BINARY_SHARE * total))
    if noisy or _soft(values, between, near, total, list(sample.labels.values())):
        what = ("lie between 0 and 255 (antialiased or JPEG edges); each was thresholded at 128 to the nearer class"
                if noisy else "lie between 0 and 255 on masks of soft edges (alpha mattes, averaged annotators: "
                "P3M-10k's portraits); each was thresholded at 128, 0 and 255 being the classes")
        snapped = _snapped_problem(sample, sample.labels, between, what)
        return Encoding(spec, ThresholdMapping(128, inverted=white_first), (snapped,), seen, binary=True)
    if total - exact <= MIN_SHARE * total:  # exact 0/255, or a few stray pixels the scan reports
        mapping = LabelMapping(((0, 1), (255, 0))) if white_first else BinaryMapping()
        white = _white_background_problem(sample, values[255] / total) if classes is None else None
        return Encoding(spec, mapping, (white,) if white else (), values=seen, binary=True)
    return _identity_encoding(sample, classes, seen)  # e.g. 0/1 labels, or numbered objects, with a 255 void border


def _bit_set_encoding(bits: tuple[int, ...], classes: ClassSpec | None, seen: frozenset[int]) -> Encoding:
    """Bit set masks read multi-label, a class per bit the masks use (`bit_sets`), named by
    classes.json in bit order or `bit_<k>`."""
    spec = classes or ClassSpec(tuple(f"bit_{k}" for k in bits))
    logger.info("the mask values (%s) are sums of bits %s: read as bit sets, multi-label, one class per bit (%s); "
                "a classes.json \"names\" list of %d names, in bit order, names them",
                ", ".join(map(str, sorted(seen)[:6])) + (", ..." if len(seen) > 6 else ""),
                ", ".join(map(str, bits)), ", ".join(spec.names), len(bits))
    return Encoding(spec, BitSetsMapping(bits), values=seen)


def _identity_encoding(sample: MaskSample, classes: ClassSpec | None, seen: frozenset[int]) -> Encoding:
    """Label masks read as they are, with the `instance-ids` warning where, without declared
    classes, their values number objects (`numbered_objects`), a void 255 border or not; lossy
    ones with their edges' ringing snapped to the values that fill regions (`lossy_labels`)."""
    instances = numbered_objects_problem(sample) if classes is None else None
    problems = (instances,) if instances else ()
    found = lossy_label_classes(sample, classes) if _mostly_lossy(sample, sample.labels) else None
    if found is None:
        return Encoding(classes, IdentityMapping(), problems, values=seen)
    mapping = NearestLabelMapping(found[0])
    return Encoding(classes, mapping, (*problems, _ringing_problem(sample, mapping, found[1])), values=seen)


def _ringing_problem(sample: MaskSample, mapping: NearestLabelMapping, noise: set[int]) -> Problem:
    """The `snapped-pixels` warning of lossy label masks: their format, class values, and each value snapped."""
    formats = "/".join(sorted({str(lossy_format(path)) for path in sample.lossy & sample.labels.keys()}))
    labels, snaps = mapping.labels, sorted(noise)
    listed = ", ".join(f"{v} to {mapping.apply(np.array([[v]]))[0, 0]}" for v in snaps[:_LISTED_SNAPS])
    run = len(labels) > 2 and len(labels) == labels[-1] - labels[0] + 1
    values = f"{labels[0]} to {labels[-1]}" if run else ", ".join(map(str, labels))
    fill = "s that fill" if len(snaps) > 1 else " that fills"
    what = (f"hold {len(snaps)} value{fill} no region of these {formats} masks, beyond their class values {values}: "
            f"the ringing a lossy save leaves along edges; each was snapped to the nearest class value "
            f"({listed}{', ...' * (len(snaps) > _LISTED_SNAPS)})")
    return _snapped_problem(sample, sample.labels, noise, what)


def _white_background_problem(sample: MaskSample, white: float) -> Problem | None:
    """The `white-background` warning for 0/255 masks white on more than `WHITE_BACKGROUND` of the
    sampled pixels: 255 is read as class 1 whatever it covers, and in masks drawn black on white
    (PALM's optic disc and lesions) the objects would be class 0; the masks cannot tell which."""
    if white <= WHITE_BACKGROUND:
        return None
    message = (f"0/255 masks are white (255, read as class 1) on {white:.0%} of the sampled pixels and black (0, "
               "class 0) on the rest: if black marks the objects on a white background (PALM's optic disc), "
               "--label-map 0:1,255:0 reads black as class 1 and white as class 0")
    return Problem(next(iter(sample.labels)), message, "white-background")


def _painted_levels(sample: MaskSample, between: set[int]) -> set[int]:
    """The values between 0 and 255 that fill regions (`SOLID` pixels inside regions of one value)
    in a lossless mask: labels (Falling Things' object ids 12, 24, ... beside its 255), as the
    ramp of an antialiased edge is a pixel or two wide. Lossy masks are not asked: JPEG leaves
    near-flat areas of 1 or 254 inside the regions of 0 and 255."""
    return {v for path, filled in sample.label_filled.items() if path not in sample.lossy
            for v in between if filled[v] >= SOLID}


def _soft(values: Counter[int], between: set[int], near: int, total: int, masks: list[Counter[int]]) -> bool:
    """Whether 0..255 masks are soft (alpha mattes): the two most common values at either end,
    most pixels near them, and nearly every level between, as no label mask numbers its classes;
    in masks too small to show them, most masks with many levels spread thin, as on a ramp."""
    if not (len(between) >= SOFT_LEVELS or _ramps(masks)) or near < total / 2:
        return False
    low, high = sorted(v for v, _ in values.most_common(2))
    return low <= SOFT_END and high >= 255 - SOFT_END


def _ramps(masks: list[Counter[int]]) -> bool:
    """Whether most of the masks each hold SOFT_FEW_LEVELS or more levels between 0 and 255, each
    on SOFT_LEVEL_PIXELS pixels or fewer on average: the ramp of a small matte's soft edge."""
    ramps = 0
    for counts in masks:
        between = [n for v, n in counts.items() if 0 < v < 255]
        ramps += len(between) >= SOFT_FEW_LEVELS and sum(between) <= SOFT_LEVEL_PIXELS * len(between)
    return ramps > len(masks) / 2


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
    reads them, as no class table holds hundreds of nuclei an image, and objects' colours are
    matched to no shipped class table (KOMATSUNA's leaf colours are 4 of GID's 5)."""
    objects = None if classes is not None else coloured_objects_problem(sample.colours, sample.filled,
                                                                        sample.colour_regions)
    if objects is None:
        return _colour_classes(sample, classes)
    try:
        encoding = _colour_classes(sample, classes, palettes=False)
    except DataError:
        message = f"{objects.message}: they are too many to be classes and are read so (as with --instance-masks)"
        return Encoding(OBJECT_CLASSES, ColouredObjectsMapping(), (replace(objects, message=message),))
    return replace(encoding, problems=(objects, *encoding.problems))


def _mostly_lossy(sample: MaskSample, masks: dict[Path, Counter[int]]) -> bool:
    """Whether most of the sampled `masks` are saved lossy (JPEG or lossy WebP: `sample.lossy`)."""
    return len(sample.lossy & masks.keys()) > len(masks) / 2


def _colour_classes(sample: MaskSample, classes: ClassSpec | None, palettes: bool = True) -> Encoding:
    counts, filled = sample.colour_values(), sample.filled_values()
    total = sum(counts.values())
    lossy = _mostly_lossy(sample, sample.colours)
    near = LOSSY_NEAR if lossy else NEAR
    found, tabled = None, False
    if classes is None:
        classes, found, tabled = _found_classes(sample, counts, filled, palettes, near)
    void = classes.void_colours
    known = np.array(classes.colours + void)
    table = {code: counts[code] for code in colour_codes(known).tolist()}
    unknown = {code for code in counts if code not in table}
    noise = {code for code in unknown if (counts[code] < MIN_SHARE * total and filled[code] < SOLID)
             or edge_noise(code, counts[code], table, filled[code], near)}
    if lossy and (found is None or tabled):  # declared classes, or a benchmark's: a lossy save's other colours are
        noise = unknown  # its shifts and blends (a 2x2 chroma block's row across a class edge, Cityscapes' red rider
        # beside its yellow sign); those filling regions the scan refuses
    _refuse_painted(sample, noise, len(classes.colours))
    if found:
        logger.info("no classes.json: %s", found)
    void_label = 255 if classes.ignore_index is None else classes.ignore_index
    if not noise or unknown - noise:  # a frequent unknown colour: the scan names its files
        return Encoding(classes, ColourMapping(classes.colours, void, void_label))
    if found:  # colours found in the masks, not declared: so many to snap are a photo's
        share = _photo_share(sample, noise, set(table), near) / total
        if share > PHOTO_SHARE or (len(classes.colours) == 1 and share > PHOTO_SHARE / 2):
            raise DataError(f"colour masks such as '{next(iter(sample.colours))}' hold {len(noise):,} colours that are "
                            f"no class colour, {share:.0%} of their pixels: edges are never so many. Are they photos "
                            "with the background painted over (Oxford 102 Flowers' segmim/)? Masks hold one colour "
                            f"per class; or {COLOUR_CLASSES_ROUTE}")
    snapped = _snapped_problem(sample, sample.colours, noise, f"have {len(noise)} colours that are not class "
                               "colours (antialiased or JPEG edges); each was snapped to the nearest class colour")
    return Encoding(classes, NearestColourMapping(classes.colours, void, void_label), (snapped,))


def _photo_share(sample: MaskSample, noise: set[int], classes: set[int], near: int) -> int:
    """The sampled pixels in colours to snap that no lossy save explains: in lossless masks every
    such colour, in lossy ones (JPEG, lossy WebP) those beyond a shift (`near`) of every class
    colour, as a lossy save shifts most pixels of small masks a level or two (a WebP at quality 80:
    58% of its pixels off their class colour, 13% beyond the shift)."""
    unshifted = {code for code in noise if not near_colour(code, classes, near)}
    return sum(counts[code] for path, counts in sample.colours.items()
               for code in counts.keys() & (unshifted if path in sample.lossy else noise))


def _found_classes(
    sample: MaskSample, counts: Counter[int], filled: Counter[int], palettes: bool, near: int
) -> tuple[ClassSpec, str, bool]:
    """The classes of colour masks without classes.json, the line that says how they were found,
    and whether a benchmark's table (`palettes.known_palette`) gave them; `palettes`: whether one
    may; `near`: how far a colour shift reaches (`discover_colours`)."""
    colours = discover_colours(counts, filled, near)
    if not 0 < len(colours) <= MAX_COLOURS:
        raise DataError(f"colour masks such as '{next(iter(sample.colours))}' hold {len(counts):,} colours, "
                        f"{'too many' if colours else 'none'} frequent enough to be classes: are they photos? "
                        f"Masks hold one colour per class; or {COLOUR_CLASSES_ROUTE}")
    shipped = known_palette(colours, near) if palettes else None
    if shipped is not None and (not shipped[1] or void_unasked(shipped[0], colours, near)):
        classes = shipped[0].spec(void=shipped[1])
        several = len(classes.void_colours) > 1  # Cityscapes' ten, ISPRS' black alone
        it, verb = ("them", "are") if several else ("it", "is")
        void = (f"; its void colour{'s' * several} {', '.join(map(str, classes.void_colours))} {verb} the ignore "
                f"label (a classes.json listing {it} among the colours, passed with --classes, trains {it})"
                if shipped[1] else "")
        return classes, (f"the mask colours are {shipped[0].name}'s, read as its {classes.num_classes} classes "
                         f"({', '.join(classes.names)}){void}"), True
    if shipped is not None:  # ISPRS's eroded ground truth: its black boundary is void, if the user says so
        logger.warning("the mask colours are %s's and its void colour %s: if that marks no class, pass "
                       "--classes with this classes.json: %s", shipped[0].name,
                       ", ".join(map(str, shipped[0].void)), json.dumps(shipped[0].spec(void=True).to_dict()))
    partly = partly_known(colours, near) if palettes and shipped is None else None
    if partly is not None:  # a few of Cityscapes' colours: its benchmark's masks, or hand-made ones in its colours
        logger.info("the mask colours are %s's, %d of its %d classes' (too few to take the masks for its): if they "
                    "are, pass --classes with this classes.json (its void colours ignored): %s", partly[0].name,
                    partly[1], len(partly[0].classes), json.dumps(partly[0].spec(void=True).to_dict()))
    classes = ClassSpec(names=tuple(colour_name(c) for c in colours), colours=colours)
    return classes, f"{len(colours)} mask colours are the classes: {', '.join(classes.names)}", False


def _refuse_painted(sample: MaskSample, noise: set[int], num_classes: int) -> None:
    """Refuse colours taken for JPEG shifts that fill regions of lossless masks (PNG, lossless
    WebP), where no JPEG shifted them: other classes or objects, which snapping would merge
    silently (Stanford 2D-3D-S's semantic/ numbers objects in RGB, R*65536 + G*256 + B, 1 level apart).

    Raises:
        DataError: naming a mask holding such a colour, how many there are, and the route: a
            classes.json of every colour, or, for masks of a label map per channel, one of them
            (`channel_labels`).
    """
    lossless = [path for path in sample.filled if path not in sample.lossy]
    filled = sum((sample.filled[path] for path in lossless), Counter())
    painted = sorted(code for code in noise if filled[code] >= SOLID)
    if not painted:
        return
    # regions pooled over the masks: none need hold SOLID pixels of it alone (Hi-UCD's change ids)
    path = max(lossless, key=lambda p: sample.filled[p][painted[0]])
    total = len(sample.colour_values())
    ids = (f"; {total:,} colours in the sampled masks look like numbers encoded in RGB (ids, R*65536 + G*256 + B), "
           f"not class colours: a label table of the ids ({LABELS_FILE}, Stanford 2D-3D-S's assets/) in DATA or "
           "DATA/assets names their classes" if total >= ENCODED_IDS else "")
    listed = ", ".join(colour_name(colour_rgb(code)) for code in painted[:5])
    more = ", ..." if len(painted) > 5 else ""
    channels = channel_labels_route(sample)  # Hi-UCD's land cover of two dates and their change in R, G and B
    route = f": they hold {channels}" if channels else (
        f"{ids}. List every class colour in a classes.json \"colours\" list and pass it with --classes")
    raise DataError(f"lossless colour masks such as '{path}' hold {len(painted):,} colours ({listed}{more}) that "
                    f"fill regions within {NEAR} levels of one of the {num_classes} class colours: no JPEG shifted "
                    f"them, so they are no edge noise to snap{route}")


def _snapped_problem(sample: MaskSample, per_file: dict[Path, Counter[int]], changed: set[int], what: str) -> Problem:
    """One warning for every changed pixel of the sample: how many, in which files."""
    files = {path: sum(counts[v] for v in changed if v in counts) for path, counts in per_file.items()}
    files = {path: n for path, n in files.items() if n}
    ranked = sorted(files, key=lambda path: (-files[path], str(path)))
    sampled = f" of {sample.read} sampled" if sample.read < sample.listed else ""
    masks = f"{len(files)}{sampled} mask{'s' * (len(files) != 1 or bool(sampled))}"
    message = f"{sum(files.values()):,} mask pixels in {masks} (most here: {files[ranked[0]]:,}) {what}"
    return Problem(ranked[0], message, "snapped-pixels", tuple(ranked[1:]))
