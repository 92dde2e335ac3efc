"""Grey class-index masks saved lossy (JPEG, lossy WebP): the values that fill regions are the
classes, and the values JPEG rings along edges past them (3 and 4 beside the edges of 0/1/2
masks) snap to the nearest.

Class indices lie a level apart, so no shift distance tells a class from noise as colours'
`LOSSY_NEAR` does; regions do. JPEG's ringing stays within the 8x8 block of an edge, in strips a
few pixels wide that may hold a 3x3 patch of one value but not a 5x5 one (at quality 50 and up),
where a painted class does: a region here is a 5x5 patch (`LOSSY_REACH`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import (
    MAPPINGS,
    SOLID,
    MappingError,
    MaskMapping,
    as_labels,
    filling_regions,
    single_channel,
)
from seglab.data.encodings.colours import PHOTO_SHARE
from seglab.data.encodings.label_maps import CLASS_GAP
from seglab.data.encodings.mask_sample import LOSSY_REACH, MaskSample


@MAPPINGS.register("nearest-label")
@dataclass(frozen=True)
class NearestLabelMapping(MaskMapping):
    """Lossy grey label masks: every value becomes the nearest of the class `labels` (the lower
    of two as near), so JPEG's ringing along edges snaps to a class.

    A value that is no label and fills regions (a 5x5 patch, `LOSSY_REACH`) is no ringing but a
    class the sample left out: the mask is refused (`unknown-label`) rather than merged into another.
    """

    labels: tuple[int, ...] = ()
    kind: ClassVar[str] = "nearest-label"

    def __post_init__(self) -> None:
        labels = tuple(self.labels)
        if not labels or not all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
            raise ValueError(f"nearest-label mapping needs one integer label or more, got {self.labels!r}")
        object.__setattr__(self, "labels", tuple(sorted(set(labels))))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        labels = as_labels(single_channel(raw))
        values, inverse = np.unique(labels, return_inverse=True)
        table = np.array(self.labels, dtype=np.int64)
        nearest = table[np.abs(values[:, None] - table[None]).argmin(axis=1)]  # sorted: ties go to the lower
        inverse = inverse.reshape(labels.shape)
        self._refuse_filled(values, nearest, inverse)
        return nearest[inverse]

    def _refuse_filled(self, values: np.ndarray, nearest: np.ndarray, inverse: np.ndarray) -> None:
        """Raise for values that are no label and fill regions."""
        found, pixels = filling_regions(values != nearest, inverse, LOSSY_REACH)
        if not len(found):
            return
        listed = ", ".join(f"{values[i]} ({pixels[i]:,} px)" for i in found[:5])
        raise MappingError(
            f"mask has values that are no class value and fill regions, not JPEG ringing along edges: {listed}; "
            f"snapping would merge them into the classes {', '.join(map(str, self.labels))}",
            "unknown-label",
        )


def lossy_label_classes(sample: MaskSample, classes: ClassSpec | None) -> tuple[tuple[int, ...], set[int]] | None:
    """(class values, values to snap) of grey label masks most of which are saved lossy. The class
    values fill regions (`SOLID` pixels inside them pooled over the masks, `label_filled`: inside
    5x5 patches in lossy ones) or lie between two that do, at most `CLASS_GAP` apart (ids whose
    small regions a JPEG scrambled, as it does a 12x12 square of 11 among 0, 7 and 16); with
    declared classes, their indices and ignore label too. The others are JPEG's ringing: past the
    top class value (3 beside 0/1/2) or in a wide gap (250 below a 255 void). None where none is
    left to snap, or where those hold more than `PHOTO_SHARE` of the pixels (a photo, which the
    scan names)."""
    filled = sum(sample.label_filled.values(), Counter())
    values = sample.label_values()
    regions = sorted(v for v in values if filled[v] >= SOLID)
    kept = set(regions) | {v for v in values if _between_classes(v, regions)}
    if classes is not None:
        kept |= {v for v in values if v < classes.num_classes or v == classes.ignore_index}
    noise = set(values) - kept
    if not kept or not noise or sum(values[v] for v in noise) > PHOTO_SHARE * sum(values.values()):
        return None
    return tuple(sorted(kept)), noise


def _between_classes(value: int, regions: list[int]) -> bool:
    """Whether `value` lies between two of the sorted values filling `regions`, at most `CLASS_GAP` apart."""
    above = bisect_left(regions, value)
    return 0 < above < len(regions) and regions[above] - regions[above - 1] <= CLASS_GAP
