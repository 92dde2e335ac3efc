"""IDD's (the India Driving Dataset's) classes, read as its benchmark reads them: the 26
level-3 classes, every void label ignored.

IDD Segmentation ships Cityscapes-style polygons alone (`gtFine/train/<seq>/<frame>_gtFine_polygons.json`),
labelled with its own 40 names; its `createLabels.py` renders them into level-3 ids by the table of
AutoNUE's `helpers/anue_labels.py`, which groups the names (`parking` and `drivable fallback` are one
class, so are `caravan`, `trailer`, `train` and `vehicle fallback`) and leaves the void ones
(unlabeled, ego vehicle, rectification border, out of roi, license plate) at 255. Its evaluation
(`evaluate_mIoU.py`) names the classes; `annotations.cityscapes_json` reads the polygons by this table.
"""

from __future__ import annotations

from seglab.data.classes import ClassSpec

IGNORE = 255
# (name, colour) of the level-3 classes, in id order: evaluate_mIoU.py's names, anue_labels.py's colours
_LEVEL3 = (
    ("road", (128, 64, 128)), ("drivable fallback", (81, 0, 81)), ("sidewalk", (244, 35, 232)),
    ("non-drivable fallback", (152, 251, 152)), ("person", (220, 20, 60)), ("rider", (255, 0, 0)),
    ("motorcycle", (0, 0, 230)), ("bicycle", (119, 11, 32)), ("autorickshaw", (255, 204, 54)), ("car", (0, 0, 142)),
    ("truck", (0, 0, 70)), ("bus", (0, 60, 100)), ("vehicle fallback", (136, 143, 153)), ("curb", (220, 190, 40)),
    ("wall", (102, 102, 156)), ("fence", (190, 153, 153)), ("guard rail", (180, 165, 180)),
    ("billboard", (174, 64, 67)), ("traffic sign", (220, 220, 0)), ("traffic light", (250, 170, 30)),
    ("pole", (153, 153, 153)), ("obs-str-bar-fallback", (169, 187, 214)), ("building", (70, 70, 70)),
    ("bridge", (150, 100, 100)), ("vegetation", (107, 142, 35)), ("sky", (70, 130, 180)),
)  # fmt: skip
CLASSES = ClassSpec(names=tuple(name for name, _ in _LEVEL3), colours=tuple(colour for _, colour in _LEVEL3),
                    ignore_index=IGNORE)
_LEVEL3_ID = {name: level3 for level3, (name, _) in enumerate(_LEVEL3)}
# each label name's level-3 class (anue_labels.py's level3Id), void ones the ignore label
LABEL_CLASS = _LEVEL3_ID | {
    "parking": _LEVEL3_ID["drivable fallback"], "rail track": _LEVEL3_ID["non-drivable fallback"],
    "animal": _LEVEL3_ID["person"], "caravan": _LEVEL3_ID["vehicle fallback"],
    "trailer": _LEVEL3_ID["vehicle fallback"], "train": _LEVEL3_ID["vehicle fallback"],
    "polegroup": _LEVEL3_ID["pole"], "tunnel": _LEVEL3_ID["bridge"], "fallback background": _LEVEL3_ID["sky"],
    **dict.fromkeys(("unlabeled", "ego vehicle", "rectification border", "out of roi", "license plate"), IGNORE),
}
