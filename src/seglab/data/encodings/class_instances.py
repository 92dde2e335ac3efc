"""Label masks that pack class and object into one value, class * factor + instance: KITTI MOTS'
and MOTSChallenge's `instances/<seq>/<frame>.png` (1001, 1003 cars, 2002 a pedestrian; 10000 an
ignore region) and Cityscapes' `*_gtFine_instanceIds.png` (things id * 1000 + n, stuff its plain
label id), VIPSeg's `panomasks/` (things class * 100 + n, stuff its plain id). Not 256: objects
numbered past 255 one after another (MitoEM's mitochondria 250, 251, ... 275) look packed by it. Read as they are, every object became a class and the offered
--label-map listed each one; read here, the class is value // factor, and a value below the
factor is a class as it is. Where no value below the factor is a class, the classes are numbered
1, 2, ... after the background: the CVPR 2018 WAD challenge's `train_label/*_instanceIds.png`
(uint16, cars 33000, 33001, a person 36000, ...: classes 33 to 40) were 41 classes, 33 of them
empty; its other pixels, 255, were a class too: a lone value below the factor and above every class,
with no 0 beside it, is the background, and with 0 beside it void.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from seglab.data.classes.mapping import MAPPINGS, MaskMapping, as_labels, single_channel

PACKING = 1000  # value = class * PACKING + instance: MOTS', Cityscapes'
PACKINGS = (PACKING, 100)  # the factors datasets use: 1000, VIPSeg's 100
# instance numbers (value % factor) stay below factor // INSTANCE_SHARE (500 of 1000): a frame's
# objects or a sequence's tracks, where object ids spread over all of value % factor
INSTANCE_SHARE = 2
MAX_CLASSES = 64  # packed classes (value // factor) take no more values than this (Cityscapes' things: 10)
MAX_CLASS_ID = 255  # nor is any above this (VIPSeg's 124): 16-bit 0/65535 masks are no class 655 by 100
PACKED_SHARE = 0.5  # this share of the distinct non-zero values, at least, is packed (the factor or more)
IGNORE_REGION = 10000  # MOTS' class 10 "ignore", never numbered (packed by 1000): pixels scored in no class
VOID_LABEL = 255


@MAPPINGS.register("class-instance")
@dataclass(frozen=True)
class ClassInstanceMapping(MaskMapping):
    """Values `plain_below` (`packing` unless set) or more are class * `packing` + instance and
    read as their class, or where `classes` lists them as its place in it from 1 (a class it does
    not list past them all, for the audit to name); smaller values are classes as they are (VIPSeg's
    stuff ids up to 124, its things packed by 100, when its class table names them); the
    `background` values become 0 and the `void` values `void_label`."""

    packing: int = PACKING
    void: tuple[int, ...] = ()
    void_label: int = VOID_LABEL
    plain_below: int | None = None
    classes: tuple[int, ...] = ()
    background: tuple[int, ...] = ()
    kind: ClassVar[str] = "class-instance"

    def __post_init__(self) -> None:
        for name in ("void", "classes", "background"):
            object.__setattr__(self, name, tuple(int(v) for v in getattr(self, name)))

    @property
    def first_packed(self) -> int:
        """The smallest value read as class * `packing` + instance."""
        return self.packing if self.plain_below is None else self.plain_below

    def apply(self, raw: np.ndarray) -> np.ndarray:
        values = as_labels(single_channel(raw))
        packed = values >= self.first_packed
        labels = np.where(packed, values // self.packing, values)
        if self.classes:
            listed = np.isin(labels, self.classes)
            labels[packed] = np.where(listed[packed], np.searchsorted(self.classes, labels[packed]) + 1,
                                      labels[packed] + len(self.classes) + 1)
        if self.background:
            labels[np.isin(values, self.background)] = 0
        if self.void:
            labels[np.isin(values, self.void)] = self.void_label
        return labels

    def describe(self) -> str:
        numbered = (f", classes {', '.join(map(str, self.classes))} numbered 1 to {len(self.classes)}"
                    if self.classes else "")
        background = f"; {', '.join(map(str, self.background))} background (0)" if self.background else ""
        void = f"; {', '.join(map(str, self.void))} ignored ({self.void_label})" if self.void else ""
        return (f"{self.kind}: values class * {self.packing} + instance read as their class (value // "
                f"{self.packing}){numbered}, values below {self.first_packed} as they are{background}{void}")


def class_instance_mapping(values: Counter[int]) -> ClassInstanceMapping | None:
    """The mapping of label masks whose values pack class and instance, else None: for a factor of
    `PACKINGS`, most distinct non-zero values the factor or more, their classes few (`MAX_CLASSES`,
    at most `MAX_CLASS_ID`) and their instance numbers small (below factor // `INSTANCE_SHARE`),
    some not 0, as neuron or object ids spread over the thousands are not, nor plain labels of
    more classes than the factor (ADE20K's 150). Of the factors that fit, the one leaving the smallest instance numbers, the largest on a
    tie (MOTS' 1001, 2002 fit 100 too). `IGNORE_REGION` is void where it is the only value of its class."""
    nonzero = [v for v in values if isinstance(v, int) and v > 0]
    fits = {f: packed for f in PACKINGS if (packed := _packed(nonzero, f))}
    if not fits:
        return None
    factor = min(fits, key=lambda f: (max(v % f for v in fits[f]), -f))
    region = factor == PACKING and {v for v in fits[factor] if v // factor == IGNORE_REGION // factor} == {IGNORE_REGION}
    void = (IGNORE_REGION,) if region else ()
    classes = sorted({v // factor for v in fits[factor] if v not in void})
    plain = sorted(v for v in nonzero if v < factor)
    fill = tuple(plain) if len(plain) == 1 and plain[0] > classes[-1] else ()  # WAD's 255: no class of the packing
    if len(plain) > len(fill):  # Cityscapes' stuff ids: the classes' own numbering, kept
        return ClassInstanceMapping(packing=factor, void=void)
    background, void = (fill, void) if 0 not in values else ((), (*void, *fill))
    numbered = tuple(classes) if classes != list(range(1, len(classes) + 1)) else ()
    return ClassInstanceMapping(packing=factor, void=void, classes=numbered, background=background)


def _packed(nonzero: list[int], factor: int) -> list[int]:
    """The values of `nonzero` packed by `factor`, or [] where they do not look packed by it."""
    packed = [v for v in nonzero if v >= factor]
    if not packed or len(packed) < PACKED_SHARE * len(nonzero):
        return []
    classes, instances = {v // factor for v in packed}, {v % factor for v in packed}
    if len(classes) > MAX_CLASSES or max(classes) > MAX_CLASS_ID or max(instances) >= factor // INSTANCE_SHARE:
        return []
    return packed if max(instances) > 0 else []  # no object numbered: 0/100 masks are binary
