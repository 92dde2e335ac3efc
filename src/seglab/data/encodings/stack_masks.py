"""How a stack of masks holds its classes (`seglab.data.layouts.array_stacks`), told from a few of its
slices: class indices, one-hot channels, PanNuke's instance maps per nucleus type beside a
background channel, CoNIC's instances beside their classes, or TissueNet's two channels of
object numbers (whole-cell and nuclear ids, neither a class of the other's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seglab.errors import DataError


@dataclass(frozen=True)
class MaskReading:
    """How a mask stack holds its classes: `kind` is "classes", "one-hot", "typed-objects"
    (PanNuke), "objects-and-classes" (CoNIC, `channel` the classes') or "objects" (channels of
    objects each, TissueNet's whole-cell and nuclear ids: `channel` the one read)."""

    kind: str
    channel: int = 0

    def classes(self, mask: np.ndarray) -> np.ndarray:
        """One slice's class indices."""
        if self.kind == "classes":
            return mask if mask.ndim == 2 else mask[..., 0]
        if self.kind == "one-hot":
            return np.argmax(mask, axis=-1)
        if self.kind == "typed-objects":
            types = mask[..., :-1] > 0
            return np.where(types.any(axis=-1), np.argmax(types, axis=-1) + 1, 0)
        return mask[..., self.channel]


def mask_reading(label: str, shape: tuple[int, ...], sample: np.ndarray) -> MaskReading:
    """How the mask stack `label` of `shape` holds its classes, told from a few of its slices.

    Raises:
        DataError: channels that none of the readings fits, naming the file.
    """
    if sample.ndim == 3 or sample.shape[-1] == 1:
        return MaskReading("classes")
    binary = ((sample == 0) | (sample == 1)).all(axis=(0, 1, 2))
    if binary.all() and (sample.sum(axis=-1) == 1).all():
        return MaskReading("one-hot")
    whole = (sample >= 0).all() and (sample == np.round(sample)).all()
    if whole and binary[-1]:
        return MaskReading("typed-objects")
    if whole and sample.shape[-1] == 2:
        counts = [len(np.unique(sample[..., c])) for c in range(2)]
        classes = int(np.argmin(counts))
        if _one_class_per_object(sample[..., 1 - classes], sample[..., classes]):
            return MaskReading("objects-and-classes", channel=classes)
        return MaskReading("objects", channel=0)
    raise DataError(f"mask stack '{label}' holds {shape} arrays whose {sample.shape[-1]} channels are "
                    "neither class indices, one-hot classes, instance maps per type beside a 0/1 background "
                    "channel (PanNuke), instances beside classes (CoNIC), nor two channels of object numbers "
                    "(TissueNet); save (N, H, W) class indices")


def _one_class_per_object(objects: np.ndarray, classes: np.ndarray) -> bool:
    """Whether every object (a value of `objects` in one slice, background too) lies within one
    value of `classes`: CoNIC's classes beside its instances, not TissueNet's nuclei, whose cells
    hold background around them."""
    for numbers, values in zip(objects, classes):
        found, numbers = np.unique(numbers, return_inverse=True)  # ranks: any values, no overflow
        kinds, values = np.unique(values, return_inverse=True)
        if len(np.unique(numbers * len(kinds) + values)) != len(found):
            return False
    return True
