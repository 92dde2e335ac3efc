"""8-bit RGB masks whose red channel is the class: KITTI-STEP's `panoptic_maps/` (R the semantic
train id, 255 void; G * 256 + B the instance) and UECFoodPix Complete's `mask/` (R the food
category, G and B zero). Their class colours differ by a level or a few of R, so as colour masks
they were refused as near colours filling regions, and a classes.json of one colour per class
was the only route. As 16-bit RGB masks (SYNTHIA) already are, they are read by their R.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from seglab.data.classes.mapping import (
    MAPPINGS,
    NEAR,
    SOLID,
    LabelMapping,
    MappingError,
    MaskMapping,
    without_unset,
    as_labels,
    relabelled,
)
from seglab.data.encodings.mask_sample import MaskSample

MAX_INSTANCE = 1000  # G * 256 + B of every painted colour stays below this: instance numbers, not colours
VOID = 255  # R 255 past the class ids: void (KITTI-STEP's)


@MAPPINGS.register("red-class")
@dataclass(frozen=True)
class RedClassMapping(MaskMapping):
    """8-bit RGB masks read by their first channel (R), the class; G and B (instance numbers, or
    zero) are not read."""

    values: tuple[tuple[int, int], ...] = ()  # R values read as other labels (a shipped table's codes compacted)
    kind: ClassVar[str] = "red-class"
    needs_rgb: ClassVar[bool] = True
    label_map_route: ClassVar[str] = ("RGB masks whose R channel is the class (red-class); name their classes in a "
                                      "classes.json \"names\" list instead")

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if raw.ndim != 3 or raw.shape[2] != 3:
            raise MappingError(f"mask has shape {raw.shape}; masks whose R is the class are RGB (H, W, 3)",
                               "grey-mask-for-colours")
        return relabelled(as_labels(raw[..., 0]), self.values)

    def to_dict(self) -> dict[str, Any]:
        return without_unset(super().to_dict(), values=[])

    def describe(self) -> str:
        table = f", through {LabelMapping(self.values).describe()}" if self.values else ""
        return f"{self.kind}: the R channel is the class{table}; G and B (instance numbers or zero) are not read"


def red_class_labels(sample: MaskSample) -> set[int] | None:
    """The R values of lossless colour masks whose R is the class, else None: two painted colours
    (each filling regions, `SOLID`) whose R lies within `NEAR` of another's, as class ids 1, 2, 3
    do and no class palette's colours, and every painted colour's G * 256 + B an instance number
    below `MAX_INSTANCE` (0 where G and B are blank), as object ids numbered in RGB (Stanford
    2D-3D-S) and colours per object are not. Antialiased edges paint no region, so they never count."""
    if sample.lossy & sample.colours.keys():
        return None
    filled = sample.filled_values()
    painted = [code for code, pixels in filled.items() if pixels >= SOLID]
    if not painted or max(code & 0xFFFF for code in painted) >= MAX_INSTANCE:
        return None
    reds = sorted({code >> 16 for code in painted} - {VOID})
    if not any(b - a <= NEAR for a, b in zip(reds, reds[1:])):
        return None
    return {code >> 16 for code in sample.colour_values()}
