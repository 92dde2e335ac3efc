"""LoveDA's land-cover masks, read as the benchmark reads them: `Train/Urban/masks_png/1366.png`
beside `images_png/`, values 0 (no data: scored in no class) and 1 to 7 for its seven classes
(background, building, road, water, barren, forest, agriculture). Without this, seglab inferred
eight unnamed classes, no-data among them, and `--ignore-index 0` gave the seven without names.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from seglab.data.classes import ClassSpec, default_colours
from seglab.data.classes.mapping import OffsetMapping

NAMES = ("background", "building", "road", "water", "barren", "forest", "agriculture")
_MASK_FOLDER, _DOMAINS = "masks_png", ("urban", "rural")
NO_DATA = -1  # the label value 0 becomes under the offset: no class uses it


def loveda_reading(mask_dirs: Iterable[Path], values: Iterable[int]) -> tuple[ClassSpec, OffsetMapping] | None:
    """LoveDA's classes and the offset that makes value v class v - 1 (no data, 0, the ignore
    label -1), when every mask folder is a domain's `masks_png/` and the values are LoveDA's."""
    dirs = list(mask_dirs)
    if not dirs or any(d.name.lower() != _MASK_FOLDER or d.parent.name.lower() not in _DOMAINS for d in dirs):
        return None
    if not set(values) <= set(range(len(NAMES) + 1)):
        return None
    return ClassSpec(NAMES, default_colours(len(NAMES), NAMES), ignore_index=NO_DATA), OffsetMapping(1)
