"""Integer masks whose pixels are bit sets: bit k set = class k present, classes that overlap
(PENGWIN Task 2's X-ray fragments: uint32 masks, bits 1-10 sacrum, 11-20 left hip, 21-30 right hip).

seglab's own multi-label targets take that very form (`seglab.labelsets`), so such masks are
read as multi-label with a channel per bit the masks use, in bit order. `bit_set_bits` tells them
from label maps and numbered objects: values past a byte, sparse in their range (a label run or
object ids fill theirs), most of several bits yet of few (the classes that overlap at a pixel:
object ids such as SExtractor's catalogue NUMBERs 4589 ... 38917 hold about half their bits
each), from few bits that they combine, and not all multiples of a round decimal step (NAIC
2020's classes 100, 200, ..., 800 are ids a person chose).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from seglab.data.classes.mapping import MAPPINGS, MaskMapping, as_labels, single_channel
from seglab.labelsets import MAX_CLASSES, pack_numpy

LABEL_RANGE = 256  # label maps and 8-bit masks keep their values below this
SPARSE = 16  # bit sets use at most one value in this many of 0..their largest
SEVERAL_BITS = 0.5  # more than this share of the values combine two bits or more ...
FEW_BITS = 4  # ... and most hold at most this many: few classes overlap at one pixel
DECIMAL_STEP = 10  # values all multiples of it (100, 200, ...) are ids written in decimal, not bit sets


def bits_of(values: Iterable[int]) -> tuple[int, ...]:
    """The bits set in any of `values` (non-negative integers), lowest first."""
    union = 0
    for value in values:
        union |= value
    return tuple(k for k in range(union.bit_length()) if union >> k & 1)


def bit_set_bits(values: Counter[int]) -> tuple[int, ...] | None:
    """The bits of masks whose values are bit sets (the module docstring), or None."""
    present = [int(v) for v in values if v > 0 and float(v).is_integer()]
    if len(present) < 2 or len(present) != sum(1 for v in values if v != 0) or max(present) < LABEL_RANGE \
            or math.gcd(*present) % DECIMAL_STEP == 0:
        return None
    bits = bits_of(present)
    bit_counts = [bin(v).count("1") for v in present]
    several = sum(count >= 2 for count in bit_counts)
    few = sum(count <= FEW_BITS for count in bit_counts)
    if len(bits) > MAX_CLASSES or len(present) < len(bits) or several <= SEVERAL_BITS * len(present) \
            or few <= len(present) / 2:
        return None
    return bits if len(present) * SPARSE <= max(present) else None


@MAPPINGS.register("bit-sets")
@dataclass(frozen=True)
class BitSetsMapping(MaskMapping):
    """Bit set masks read as multi-label: channel i is bit `bits[i]` of the pixel's value; bits
    outside `bits` (none in the sampled masks) are dropped."""

    bits: tuple[int, ...]
    kind = "bit-sets"
    multilabel = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "bits", tuple(int(b) for b in self.bits))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        labels = as_labels(single_channel(raw))
        return pack_numpy(np.stack([(labels >> bit) & 1 == 1 for bit in self.bits]))
