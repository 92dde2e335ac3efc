"""Pascal VOC's segmentation masks, read as the benchmark reads them: 21 classes, 255 ignored.

`SegmentationClass/*.png` are palette images whose indices are the class (0 background, 1
aeroplane ... 20 tvmonitor) and whose 255 marks the void border drawn around every object; SBD's
augmented set (`SegmentationClassAug/`) uses the same values. Without this, seglab would infer
the classes from the values present (one fewer when a subset lacks tvmonitor) and stop on 255.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from seglab.data.classes import ClassSpec

IGNORE = 255
NAMES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)  # fmt: skip
MASK_FOLDERS = ("SegmentationClass", "SegmentationClassAug")


def palette_colour(index: int) -> tuple[int, int, int]:
    """VOC's palette: the bits of `index` spread over the high bits of red, green and blue."""
    red = green = blue = 0
    for shift in range(7, -1, -1):
        red |= (index & 1) << shift
        green |= (index >> 1 & 1) << shift
        blue |= (index >> 2 & 1) << shift
        index >>= 3
    return red, green, blue


CLASSES = ClassSpec(names=NAMES, colours=tuple(palette_colour(i) for i in range(len(NAMES))), ignore_index=IGNORE)


def voc_classes(mask_dirs: Iterable[Path], values: Iterable[int]) -> ClassSpec | None:
    """VOC's classes when every mask folder is a VOC segmentation folder and the values are
    VOC's (0..20 and 255); None otherwise."""
    folders = {path.name for path in mask_dirs}
    if folders and folders <= set(MASK_FOLDERS) and set(values) <= set(range(len(NAMES))) | {IGNORE}:
        return CLASSES
    return None
