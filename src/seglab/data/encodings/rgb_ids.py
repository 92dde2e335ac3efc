"""Masks that number objects in RGB, read through the label table the dataset ships: Stanford
2D-3D-S's `semantic/*_domain_semantic.png` hold, per pixel, the index R*65536 + G*256 + B into
`assets/semantic_labels.json`, a list of labels `<class>_<object>_<room>_<n>_<area>`
(`chair_3_office_1_1`, `<UNK>_0_<UNK>_0_0`). The class is the label's first word; `<UNK>`, a
void-like name (`names.is_void`) and indices past the list (0x0D0D0D marks pixels without a
label) are the ignore label. Read as colour classes, the thousands of object colours were either
refused or snapped together; through the table they are the dataset's 13 classes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_text
from seglab.data.classes import ClassSpec, default_colours
from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping, colour_codes
from seglab.data.classes.names import is_void

logger = logging.getLogger(__name__)

LABELS_FILE = "semantic_labels.json"
_UNKNOWN = "<UNK>"
_WORD = "_"  # the class is the label's text before its first underscore


@MAPPINGS.register("rgb-ids")
@dataclass(frozen=True)
class RgbIdMapping(MaskMapping):
    """RGB masks whose colour code r << 16 | g << 8 | b indexes `labels`, the class of each id;
    ids past its end and ids of no class (-1 in `labels`) become `void_label`."""

    labels: tuple[int, ...] = ()
    void_label: int = 255
    kind: ClassVar[str] = "rgb-ids"
    needs_rgb: ClassVar[bool] = True

    def __post_init__(self) -> None:
        labels = tuple(self.labels)
        if not labels or not all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
            raise ValueError("an rgb-ids mapping needs a list of integer labels, one per id")
        object.__setattr__(self, "labels", labels)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if raw.ndim != 3 or raw.shape[2] != 3 or raw.dtype != np.uint8:
            raise MappingError(f"mask has shape {raw.shape} of {raw.dtype}; ids encoded in RGB need 8-bit RGB masks",
                               "grey-mask-for-colours")
        codes = colour_codes(raw)
        labels = np.full(codes.shape, self.void_label, dtype=np.int64)
        known = codes < len(self._table)
        labels[known] = self._table[codes[known]]
        return labels

    @cached_property
    def _table(self) -> np.ndarray:
        """The label of each id, void for ids of no class: built once, not for every mask (Stanford's
        table holds some 9,800 labels)."""
        table = np.array(self.labels, dtype=np.int64)
        table[table < 0] = self.void_label
        return table

    def describe(self) -> str:
        named = sum(v >= 0 for v in self.labels)
        return (f"{self.kind}: colour code R*65536 + G*256 + B indexes {len(self.labels):,} labels, {named:,} of a class; "
                f"the others and codes past them are {self.void_label} (ignored)")


def id_labels_file(root: Path, mask_dirs: Iterable[Path]) -> Path | None:
    """The first `semantic_labels.json` in DATA, its `assets/`, or a folder between DATA and a
    mask folder (and its `assets/`): where Stanford 2D-3D-S's download and copies of it keep it."""
    folders = [root]
    top = root.resolve()
    for mask_dir in mask_dirs:
        folders += [p for p in reversed(mask_dir.resolve().parents) if p.is_relative_to(top) and p != top]
    for folder in dict.fromkeys(folders):
        for candidate in (folder / LABELS_FILE, folder / "assets" / LABELS_FILE):
            if candidate.is_file():
                return candidate
    return None


def rgb_ids_reading(path: Path, ignore_index: int | None = None) -> tuple[ClassSpec, RgbIdMapping] | None:
    """The classes (the labels' first words, sorted, void ones left out) and the mapping of a
    labels file, or None (with a warning) when it is no list of `<class>_...` labels."""
    try:
        labels = json_value(regular_text(path, encoding="utf-8"))
    except (OSError, ValueError) as err:  # ValueError: undecodable, no JSON, or a number past int()'s 4,300 digits
        logger.warning("cannot read '%s' (%s): its masks are read without it", path, err)
        return None
    if not isinstance(labels, list) or not labels or not all(isinstance(v, str) and _WORD in v for v in labels):
        logger.warning("'%s' is no list of labels such as \"chair_3_office_1_1\": its masks are read without it", path)
        return None
    words = [label.split(_WORD, 1)[0] for label in labels]
    names = sorted({w for w in words if w != _UNKNOWN and not is_void(w)})
    if not names:
        return None
    void_label = 255 if ignore_index is None else ignore_index
    index = {name: k for k, name in enumerate(names)}
    classes = ClassSpec(tuple(names), default_colours(len(names), tuple(names)), ignore_index=void_label)
    mapping = RgbIdMapping(tuple(index.get(w, -1) for w in words), void_label)
    logger.info("masks number objects in RGB, read through '%s': %d labels of %d classes (%s); '%s', void "
                "names and ids past the list are ignored", path, len(labels), len(names), ", ".join(names), _UNKNOWN)
    return classes, mapping
