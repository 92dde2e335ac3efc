"""Cityscapes' label files, read as the benchmark reads them: 19 classes, every other id ignored.

Cityscapes ships `*_gtFine_labelIds.png` with 34 ids (0..33), of which 19 are evaluated and the
rest (unlabeled, ego vehicle, parking, guard rail, caravan, ...) are void; taken as they are, a
model would train 34 outputs and be scored on the void ones. cityscapesScripts'
`createTrainIdLabelImgs` writes `*_gtFine_labelTrainIds.png` with the 19 classes as 0..18 and
255 for void. Both read here as those 19 classes with 255 ignored (the ids and colours of
cityscapesScripts' `labels.py`); coarse labels (`_gtCoarse_`) use the same ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes import ClassSpec
from seglab.data.mapping import IdentityMapping, LabelMapping, MaskMapping
from seglab.data.read_errors import DECODE_ERRORS

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
_TRAIN_ID = {label_id: train_id for train_id, (_, label_id, _) in enumerate(_EVALUATED)}
LABEL_ID_MAPPING = LabelMapping(tuple((label_id, _TRAIN_ID.get(label_id, IGNORE)) for label_id in range(LABEL_IDS)))
_NAMING = re.compile(r"_gt(?:Fine|Coarse)_(labelIds|labelTrainIds)$")


def cityscapes_reading(masks: Iterable[Path], values: Iterable[int]) -> tuple[ClassSpec, MaskMapping] | None:
    """The classes and mapping of Cityscapes label masks: every mask named `*_gtFine_labelIds`
    (values 0..33) or `*_gtFine_labelTrainIds` (0..18 and 255), or label ids under other names
    whose colours say Cityscapes (`cityscapes_colours`: GTA5, KITTI); None for other masks."""
    masks = list(masks)
    kinds = {match.group(1) if (match := _NAMING.search(path.stem)) else None for path in masks}
    present = set(values)
    if kinds == {"labelIds"} and present <= set(range(LABEL_IDS)):
        return CLASSES, LABEL_ID_MAPPING
    if kinds == {"labelTrainIds"} and present <= set(range(len(_EVALUATED))) | {IGNORE}:
        return CLASSES, IdentityMapping()
    if kinds == {None} and masks and present <= set(range(LABEL_IDS)) and cityscapes_colours(masks[0]):
        return CLASSES, LABEL_ID_MAPPING
    return None


def cityscapes_colours(mask: Path) -> bool:
    """Whether a label-id mask comes with Cityscapes' colours: a palette giving every evaluated
    id its Cityscapes colour (GTA5's `labels/`), or a colour rendering of the same name in a
    sibling folder that paints each evaluated id present so (KITTI's `semantic_rgb/`)."""
    try:
        with Image.open(mask) as image:
            palette = image.getpalette() if image.mode == "P" else None
            ids = np.asarray(image)
    except DECODE_ERRORS:  # a damaged mask is the audit's to report, not a reason to stop here
        return False
    if palette is not None:
        return all(tuple(palette[3 * i : 3 * i + 3]) == colour for _, i, colour in _EVALUATED)
    shown = [(ids == i, colour) for _, i, colour in _EVALUATED if ids.ndim == 2 and (ids == i).any()]
    if not shown:
        return False
    for sibling in (d for d in mask.parent.parent.iterdir() if d.is_dir() and d != mask.parent):
        rendering = sibling / mask.name
        if not rendering.is_file():
            continue
        try:
            with Image.open(rendering) as image:
                rgb = np.asarray(image.convert("RGB"))
        except DECODE_ERRORS:
            continue
        if rgb.shape[:2] == ids.shape and all((rgb[where] == colour).all() for where, colour in shown):
            return True
    return False
