"""Masks whose values each folder's `_object_settings.json` names: NDDS exports (Falling Things).

A value means what the file beside its mask says, and that differs by folder: Falling Things'
`mixed/<scene>/` masks paint its 21 objects 12, 24, ..., 252, while each `single/<object>/<scene>/`
paints its one object 255. Read through the files, every object class is one class (0 the
background) wherever it was painted, named as the files name it; a single table of values
would read 255 as one class in every single-object folder, or leave it outside the classes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping, as_labels, relabelled, single_channel
from seglab.data.classes.object_settings import OBJECT_SETTINGS, object_setting_values
from seglab.data.files.io import read_raw_mask
from seglab.data.files.read_errors import ReadError

logger = logging.getLogger(__name__)

BACKGROUND = "background"  # value 0: no object was painted there


@MAPPINGS.register("object-settings")
@dataclass(frozen=True)
class ObjectSettingsMapping(MaskMapping):
    """Each mask value becomes the class its folder's `_object_settings.json` names (`names`:
    classes 1 to N), 0 the background."""

    names: tuple[str, ...] = ()
    kind: ClassVar[str] = "object-settings"
    reads_files: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))  # a list when rebuilt from JSON (`from_dict`)

    def read(self, path: Path) -> np.ndarray:
        named = _folder_values(path.parent)
        if named is None:
            raise ReadError(f"mask '{path}' has no {OBJECT_SETTINGS} beside it naming its values, as the "
                            "dataset's other masks have; add it, or move the mask out", "bad-mask")
        try:
            labels = as_labels(single_channel(read_raw_mask(path)))
        except MappingError as err:
            raise ReadError(f"mask '{path}': {err}", err.code) from None
        classes = {name: k for k, name in enumerate(self.names, 1)}
        table = tuple((value, classes[name]) for value, name in named.items() if name in classes)
        unnamed = np.setdiff1d(np.unique(labels), [0, *(value for value, _ in table)])
        if unnamed.size:
            raise ReadError(f"mask '{path}' holds values {', '.join(map(str, unnamed[:6].tolist()))} that the "
                            f"{OBJECT_SETTINGS} beside it names no object of; --label-map maps the raw values "
                            "instead (every folder alike)", "values-outside-classes")
        return relabelled(labels, table)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError(f"masks named by {OBJECT_SETTINGS} are read with their folder's file (seglab.data.read_mask)")

    def describe(self) -> str:
        return (f"object-settings: each value the class the {OBJECT_SETTINGS} beside its mask names "
                f"({len(self.names)} object classes, 0 {BACKGROUND})")


@functools.lru_cache(maxsize=256)  # read once per folder, not per mask
def _folder_values(folder: Path) -> dict[int, str] | None:
    path = folder / OBJECT_SETTINGS
    return object_setting_values(path) if path.is_file() else None


def object_settings_reading(mask_dirs: Sequence[Path]) -> tuple[ClassSpec, ObjectSettingsMapping] | None:
    """The classes and mapping of masks whose every folder holds an `_object_settings.json` naming
    its values: the object classes in the order of the lowest value each is painted with (then by
    name), after the background; None when a folder holds none."""
    tables: list[dict[int, str]] = []
    for folder in dict.fromkeys(mask_dirs):  # a dataset's first folder without one ends the look
        table = _folder_values(folder)
        if table is None:
            return None
        tables.append(table)
    if not tables:
        return None
    lowest: dict[str, int] = {}
    for table in tables:
        for value, name in table.items():
            lowest[name] = min(value, lowest.get(name, value))
    names = tuple(sorted(lowest, key=lambda name: (lowest[name], name)))
    logger.info("class names from the %s beside each of %d mask folders (NDDS exports: %d object classes, "
                "0 %s); a mask value is the class its own folder's file names", OBJECT_SETTINGS, len(tables),
                len(names), BACKGROUND)
    return ClassSpec((BACKGROUND, *names)), ObjectSettingsMapping(names)
