"""Label masks that pack class and object into one value, class * 1000 + instance: KITTI MOTS'
and MOTSChallenge's `instances/<seq>/<frame>.png` (1001, 1003 cars, 2002 a pedestrian; 10000 an
ignore region) and Cityscapes' `*_gtFine_instanceIds.png` (things id * 1000 + n, stuff its plain
label id). Read as they are, every object became a class and the offered --label-map listed each
one; read here, the class is value // 1000, and a value below 1000 is a class as it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from seglab.data.classes.mapping import MAPPINGS, MaskMapping, as_labels, single_channel

PACKING = 1000  # value = class * PACKING + instance
MAX_INSTANCE = 500  # instance numbers (value % 1000) stay below this: a frame's objects or a sequence's tracks
MAX_CLASSES = 64  # packed classes (value // 1000) take no more values than this (Cityscapes' things: 10)
PACKED_SHARE = 0.5  # this share of the distinct non-zero values, at least, is packed (1000 or more)
IGNORE_REGION = 10000  # MOTS' class 10 "ignore", never numbered: pixels scored in no class
VOID_LABEL = 255


@MAPPINGS.register("class-instance")
@dataclass(frozen=True)
class ClassInstanceMapping(MaskMapping):
    """Values `packing` or more are class * `packing` + instance and read as their class; smaller
    values are classes as they are; the `void` values become `void_label`."""

    packing: int = PACKING
    void: tuple[int, ...] = ()
    void_label: int = VOID_LABEL
    kind: ClassVar[str] = "class-instance"

    def __post_init__(self) -> None:
        object.__setattr__(self, "void", tuple(int(v) for v in self.void))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        values = as_labels(single_channel(raw))
        labels = np.where(values >= self.packing, values // self.packing, values)
        if self.void:
            labels[np.isin(values, self.void)] = self.void_label
        return labels

    def describe(self) -> str:
        void = f"; {', '.join(map(str, self.void))} ignored ({self.void_label})" if self.void else ""
        return (f"{self.kind}: values class * {self.packing} + instance read as their class (value // "
                f"{self.packing}), values below {self.packing} as they are{void}")


def class_instance_mapping(values: Counter[int]) -> ClassInstanceMapping | None:
    """The mapping of label masks whose values pack class and instance, else None: most distinct
    non-zero values `PACKING` or more, their classes few (`MAX_CLASSES`) and their instance numbers
    small (`MAX_INSTANCE`), as neuron or object ids spread over the thousands are not. `IGNORE_REGION`
    is void where it is the only value of its class."""
    nonzero = [v for v in values if isinstance(v, int) and v > 0]
    packed = [v for v in nonzero if v >= PACKING]
    if not packed or len(packed) < PACKED_SHARE * len(nonzero):
        return None
    if len({v // PACKING for v in packed}) > MAX_CLASSES or max(v % PACKING for v in packed) >= MAX_INSTANCE:
        return None
    ignored = {v for v in packed if v // PACKING == IGNORE_REGION // PACKING} == {IGNORE_REGION}
    return ClassInstanceMapping(void=(IGNORE_REGION,) if ignored else ())

