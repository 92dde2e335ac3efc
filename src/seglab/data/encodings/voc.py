"""Pascal VOC's segmentation masks, read as the benchmark reads them: 21 classes, 255 ignored.

`SegmentationClass/*.png` are palette images whose indices are the class (0 background, 1
aeroplane ... 20 tvmonitor) and whose 255 marks the void border drawn around every object; SBD's
augmented set (`SegmentationClassAug/`) uses the same values. Without this, seglab would infer
the classes from the values present (one fewer when a subset lacks tvmonitor) and stop on 255.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from seglab.data.classes.text_files import regular_file
from seglab.data.classes import ClassSpec
from seglab.data.files.read_errors import DECODE_ERRORS

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


def voc_classes(mask_dirs: Iterable[Path], values: Iterable[int], first_mask: Path | None = None) -> ClassSpec | None:
    """VOC's classes when every mask folder is a VOC segmentation folder, the values are VOC's
    (0..20 and 255) and something beyond the folder name says VOC: the 255 border, the split
    lists, or VOC's palette in `first_mask`. Other tools name their export folders alike
    (Aeroscapes' grey 0..11 masks in `SegmentationClass/`); None for those."""
    dirs = list(mask_dirs)
    values = set(values)
    if not dirs or {path.name for path in dirs} - set(MASK_FOLDERS) or not values <= set(range(len(NAMES))) | {IGNORE}:
        return None
    lists = any((d.parent / "ImageSets" / "Segmentation").is_dir() for d in dirs)
    return CLASSES if IGNORE in values or lists or _voc_palette(first_mask) else None


def _voc_palette(path: Path | None) -> bool:
    """Whether `path` is a palette image with VOC's colours for the 21 classes."""
    if path is None:
        return False
    try:
        with Image.open(regular_file(path)) as image:
            palette = image.getpalette() if image.mode == "P" else None
    except DECODE_ERRORS:  # a damaged mask is the audit's to report
        return False
    wanted = [c for colour in CLASSES.colours for c in colour]
    return palette is not None and palette[: len(wanted)] == wanted
