"""Cityscapes' label files, read as the benchmark reads them: 19 classes, every other id ignored.

Cityscapes ships `*_gtFine_labelIds.png` with 34 ids (0..33), of which 19 are evaluated and the
rest (unlabeled, ego vehicle, parking, guard rail, caravan, ...) are void; taken as they are, a
model would train 34 outputs and be scored on the void ones. cityscapesScripts'
`createTrainIdLabelImgs` writes `*_gtFine_labelTrainIds.png` with the 19 classes as 0..18 and
255 for void. Both read here as those 19 classes with 255 ignored (the ids and colours of
cityscapesScripts' `labels.py`); coarse labels (`_gtCoarse_`) use the same ids, and so do ACDC's
and Dark Zurich's `<frame>_gt_labelIds.png` and `_gt_labelTrainIds.png`. Shipped side by side,
label ids and train ids are one annotation in two encodings, not a choice: the ids are read.

The name alone is no proof: Lost and Found ships `*_gtCoarse_labelIds.png` holding its own ids
(1 free space, 2 and up obstacles), so a colour rendering shipped beside the masks that paints
the ids in other colours than Cityscapes' says they are not Cityscapes'.

Label ids under other names are read so when their colours say Cityscapes (GTA5's palette,
KITTI's `semantic_rgb/`), or when the dataset says so (Synscapes' grey `img/class/<n>.png` beside a
README saying its ids follow Cityscapes): 0..33 alone is common, so the values must show many of
the evaluated ids, one past train ids' 18, and a README, a folder name or the classes declared must
name Cityscapes too.

The colours (the void labels' in `VOID_COLOURS`) name colour masks drawn in them (`palettes`:
`*_gtFine_color.png` used as masks, Kaggle's Cityscapes Image Pairs).

The labels by name (`LABEL_CLASS`) read the polygons Cityscapes ships beside its masks
(`*_gtFine_polygons.json`), and datasets that ship such polygons alone (`annotations.cityscapes_json`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import IdentityMapping, LabelMapping, MaskMapping
from seglab.data.encodings.renderings import painted_colours, read_pixels
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.read_errors import DECODE_ERRORS

logger = logging.getLogger(__name__)

IGNORE = 255
# (name, label id, colour) of the 19 evaluated classes, in train-id order
_EVALUATED = (
    ("road", 7, (128, 64, 128)), ("sidewalk", 8, (244, 35, 232)), ("building", 11, (70, 70, 70)),
    ("wall", 12, (102, 102, 156)), ("fence", 13, (190, 153, 153)), ("pole", 17, (153, 153, 153)),
    ("traffic light", 19, (250, 170, 30)), ("traffic sign", 20, (220, 220, 0)), ("vegetation", 21, (107, 142, 35)),
    ("terrain", 22, (152, 251, 152)), ("sky", 23, (70, 130, 180)), ("person", 24, (220, 20, 60)),
    ("rider", 25, (255, 0, 0)), ("car", 26, (0, 0, 142)), ("truck", 27, (0, 0, 70)), ("bus", 28, (0, 60, 100)),
    ("train", 31, (0, 80, 100)), ("motorcycle", 32, (0, 0, 230)), ("bicycle", 33, (119, 11, 32)),
)  # fmt: skip
LABEL_IDS = 34
CLASSES = ClassSpec(names=tuple(name for name, _, _ in _EVALUATED),
                    colours=tuple(colour for _, _, colour in _EVALUATED), ignore_index=IGNORE)
# labels.py's other labels, by name, with their colours: void (train id 255), the first four marking no scene at all
_VOID = (
    ("unlabeled", (0, 0, 0)), ("ego vehicle", (0, 0, 0)), ("rectification border", (0, 0, 0)),
    ("out of roi", (0, 0, 0)), ("static", (0, 0, 0)), ("dynamic", (111, 74, 0)), ("ground", (81, 0, 81)),
    ("parking", (250, 170, 160)), ("rail track", (230, 150, 140)), ("guard rail", (180, 165, 180)),
    ("bridge", (150, 100, 100)), ("tunnel", (150, 120, 90)), ("polegroup", (153, 153, 153)),
    ("caravan", (0, 0, 90)), ("trailer", (0, 0, 110)),
)  # fmt: skip
VOID_LABELS = tuple(name for name, _ in _VOID)
# the colours a rendering (`gtFine_color.png`) paints void labels in: polegroup's is pole's, an evaluated class's
VOID_COLOURS = tuple(dict.fromkeys(colour for _, colour in _VOID if colour not in CLASSES.colours))
OUTSIDE_LABELS = VOID_LABELS[:4]  # the image's frame, the car it is shot from, no scene: void in any table
UNDRAWN_LABELS = ("license plate",)  # id -1: json2labelImg draws no polygon of it
# each label name's class (its train id), void ones the ignore label: how polygons (`*_gtFine_polygons.json`) read
LABEL_CLASS = {name: train_id for train_id, (name, _, _) in enumerate(_EVALUATED)} | dict.fromkeys(VOID_LABELS, IGNORE)
_TRAIN_ID = {label_id: train_id for train_id, (_, label_id, _) in enumerate(_EVALUATED)}
LABEL_ID_MAPPING = LabelMapping(tuple((label_id, _TRAIN_ID.get(label_id, IGNORE)) for label_id in range(LABEL_IDS)))
_NAMING = re.compile(r"_gt(?:Fine|Coarse)?_(labelIds|labelTrainIds)$")  # _gt_: ACDC's, Dark Zurich's
# the colour rendering shipped beside named label masks: gtFine's `x_gtFine_color.png`, ACDC's `x_gt_labelColor.png`
_RENDERINGS = ("color", "labelColor")
# the colours a rendering must give each value, by naming: the evaluated classes', and black for
# the void ids 0..4 (unlabeled, ego vehicle, ...), which renderings of Cityscapes ids all paint black
_BLACK_VOID_IDS = range(5)
_SHOULD_PAINT = {
    "labelIds": {**{i: (0, 0, 0) for i in _BLACK_VOID_IDS}, **{i: colour for _, i, colour in _EVALUATED}},
    "labelTrainIds": {train_id: colour for train_id, (_, _, colour) in enumerate(_EVALUATED)},
}
_RENDERINGS_CHECKED, _MASKS_LOOKED_AT = 3, 20
_KNOWN_IDS_SHOWN = 5  # evaluated ids values must show to be taken for label ids on a README's word
_MENTION = re.compile("cityscapes", re.IGNORECASE)
# a README's line naming Cityscapes as its masks' source, not only a model pretrained on it
_SAYS_IDS = re.compile(r"^(?=.*cityscapes)(?=.*\b(?:label|class|id)).*$", re.IGNORECASE | re.MULTILINE)
_README_BYTES = 1 << 16  # a README names its dataset's sources near its start


def cityscapes_reading(masks: Iterable[Path], values: Iterable[int], root: Path,
                       declared: ClassSpec | None = None) -> tuple[ClassSpec, MaskMapping] | None:
    """The classes and mapping of Cityscapes label masks: every mask named `*_gtFine_labelIds`
    (values 0..33) or `*_gtFine_labelTrainIds` (0..18 and 255) unless the colour rendering beside
    them says otherwise (`_painted_otherwise`), or label ids under other names whose colours say
    Cityscapes (`cityscapes_colours`: GTA5, KITTI) or whose values look like them in a dataset
    under `root` that names Cityscapes (`_named_cityscapes`: Synscapes), as `declared` classes
    with Cityscapes' names do; None for other masks."""
    masks = list(masks)
    kinds = {_kind(path) for path in masks}
    present = set(values)
    if kinds == {"labelIds"} and present <= set(range(LABEL_IDS)) and not _painted_otherwise(masks):
        return CLASSES, LABEL_ID_MAPPING
    if kinds == {"labelTrainIds"} and present <= set(range(len(_EVALUATED))) | {IGNORE} and not _painted_otherwise(masks):
        return CLASSES, IdentityMapping()
    if kinds == {None} and masks and present <= set(range(LABEL_IDS)) and (cityscapes_colours(masks[0]) or (
            looks_like_label_ids(present) and (_declared_cityscapes(declared) or _named_cityscapes(root, masks[0])))):
        return CLASSES, LABEL_ID_MAPPING
    return None


def looks_like_label_ids(values: Iterable[int]) -> bool:
    """Whether mask values can be Cityscapes' label ids and no train ids: all in 0..33, many of the
    evaluated ids among them and one past 18, the last train id."""
    present = set(values)
    return (present <= set(range(LABEL_IDS)) and len(present & _TRAIN_ID.keys()) >= _KNOWN_IDS_SHOWN
            and max(present) >= len(_EVALUATED))


def label_ids_hint(values: Iterable[int]) -> str:
    """The route for masks whose values look like Cityscapes' label ids that nothing says are
    (Synscapes' `img/class/` without its README): the --label-map of Cityscapes' table, or a
    classes.json of its 19 classes; empty for other values."""
    if not looks_like_label_ids(values):
        return ""
    table = ",".join(f"{i}:{'ignore' if label == IGNORE else label}" for i, label in LABEL_ID_MAPPING.values)
    return (f"if these are Cityscapes' label ids (Synscapes', GTA5's), --label-map {table} reads them as its 19 "
            "evaluated classes, the void ids ignored, as --classes with a classes.json of those 19 names does "
            "(docs/data.md); otherwise ")


def _declared_cityscapes(declared: ClassSpec | None) -> bool:
    """Whether a classes.json (`--classes`) names Cityscapes' 19 evaluated classes, in order."""
    return declared is not None and declared.names == CLASSES.names


def _named_cityscapes(root: Path, mask: Path) -> bool:
    """Whether the dataset says its masks are Cityscapes': a folder from `root` down to `mask`'s
    named so (`gta5_cityscapes/`), or a README in one of them naming Cityscapes on a line about
    labels, classes or ids (Synscapes' "class ids follow Cityscapes")."""
    folders = [folder for folder in (mask.parent, *mask.parent.parents) if folder.is_relative_to(root)]
    if any(_MENTION.search(folder.name) for folder in folders):
        return True
    readmes = (path for folder in folders for path in sorted(folder.glob("[Rr][Ee][Aa][Dd][Mm][Ee]*")) if path.is_file())
    return any(_SAYS_IDS.search(_text_start(path)) for path in readmes)


def _text_start(path: Path) -> str:
    """The first `_README_BYTES` of a text file; empty for one that cannot be read."""
    try:
        with open_regular(path) as file:
            return file.read(_README_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def label_ids_namings(namings: dict[str, list[Path]]) -> tuple[str, ...] | None:
    """Of rival mask namings (`--mask-pattern` template -> masks), the label ids' when each other
    is Cityscapes' train ids of the same annotation (`{stem}_gt_labelIds.png` beside
    `{stem}_gt_labelTrainIds.png`; gtFine's and gtCoarse's pairs alike), as a first mask of each
    pair, mapped, shows; else None."""
    ids = tuple(t for t in namings if _kind(Path(t)) == "labelIds")
    partners = {_train_ids_name(t) for t in ids}
    if not ids or set(namings) != {*ids, *partners} or not all(_same_labels(namings[t][:1]) for t in ids):
        return None
    return ids


def _same_labels(masks: list[Path]) -> bool:
    """Whether each label-id mask's train-id partner holds its ids mapped by Cityscapes' table; a
    missing or damaged file proves nothing."""
    for mask in masks:
        values = read_pixels(mask, rgb=False)
        encoded = read_pixels(mask.with_name(_train_ids_name(mask.name)), rgb=False)
        if values is None or encoded is None or values.shape != encoded.shape \
                or not np.array_equal(LABEL_ID_MAPPING.apply(values), encoded):
            return False
    return bool(masks)


def _train_ids_name(name: str) -> str:
    """The name of the train-id mask (or naming) beside a label-id one: `x_gt_labelTrainIds.png`."""
    return "labelTrainIds".join(name.rsplit("labelIds", 1))


def _painted_otherwise(masks: list[Path]) -> bool:
    """Whether the colour renderings shipped beside the first named masks paint their values in
    other colours than Cityscapes' (Lost and Found's free space, its id 1, is no black ego
    vehicle), judged by the first rendering that gives each value one colour."""
    with_rendering = ((mask, rendering) for mask in islice(masks, _MASKS_LOOKED_AT)
                      if (rendering := _rendering(mask)) is not None)
    for mask, rendering in islice(with_rendering, _RENDERINGS_CHECKED):
        painted = _painted(mask, rendering)
        if painted is None:
            continue
        should = _SHOULD_PAINT[_kind(mask)]
        wrong = [(value, colour) for value, colour in painted.items() if colour != should[value]]
        if wrong:
            logger.info("%s: named as Cityscapes' labels, but %s paints value %d as rgb%s, not in Cityscapes' "
                        "colour: the values are read as they are, not as Cityscapes' classes (--label-map maps them "
                        "to classes)", mask.parent, rendering.name, *wrong[0])
        return bool(wrong)
    return False


def _kind(mask: Path) -> str | None:
    """"labelIds" or "labelTrainIds" for a mask named as Cityscapes', else None."""
    found = _NAMING.search(mask.stem)
    return found.group(1) if found else None


def _rendering(mask: Path) -> Path | None:
    """The colour rendering shipped beside a named label mask (`x_gtFine_color.png`), if any."""
    found = _NAMING.search(mask.stem)
    if found is None:
        return None
    names = (mask.stem[: found.start(1)] + rendering + mask.suffix for rendering in _RENDERINGS)
    return next((mask.with_name(name) for name in names if mask.with_name(name).is_file()), None)


def _painted(mask: Path, rendering: Path) -> dict[int, tuple[int, ...]] | None:
    """The colour `rendering` paints each value of `mask` in that Cityscapes gives a colour; None
    when it is no rendering of the mask (a value in several colours, another size)."""
    ids, rgb = read_pixels(mask, rgb=False), read_pixels(rendering, rgb=True)
    found = painted_colours(ids, rgb) if ids is not None and rgb is not None else None
    if found is None:
        return None
    painted = {}
    for value in _SHOULD_PAINT[_kind(mask)]:
        colours = found.get(value, ())
        if len(colours) > 1:
            return None
        if len(colours) == 1:
            code = int(colours[0])
            painted[value] = (code >> 16, code >> 8 & 0xFF, code & 0xFF)
    return painted


def cityscapes_colours(mask: Path) -> bool:
    """Whether a label-id mask comes with Cityscapes' colours: a palette giving every evaluated
    id its Cityscapes colour (GTA5's `labels/`), or a colour rendering of the same name in a
    sibling folder that paints each evaluated id present so (KITTI's `semantic_rgb/`)."""
    try:
        with Image.open(regular_file(mask)) as image:
            palette = image.getpalette() if image.mode == "P" else None
            ids = np.asarray(image)
    except DECODE_ERRORS:  # a damaged mask is the audit's to report, not a reason to stop here
        return False
    if palette is not None:
        return all(tuple(palette[3 * i : 3 * i + 3]) == colour for _, i, colour in _EVALUATED)
    shown = [(ids == i, colour) for _, i, colour in _EVALUATED if ids.ndim == 2 and (ids == i).any()]
    if not shown:
        return False
    for sibling in (d for d in subfolders(mask.parent.parent) if d != mask.parent):
        rendering = sibling / mask.name
        rgb = read_pixels(rendering, rgb=True) if rendering.is_file() else None
        if rgb is not None and rgb.shape[:2] == ids.shape and all((rgb[where] == colour).all() for where, colour in shown):
            return True
    return False
