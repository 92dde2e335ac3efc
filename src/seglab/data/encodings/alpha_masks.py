"""Masks that hold their label in the alpha channel: a layer exported from Photoshop or Procreate
(RGBA, the RGB black or one brush colour, the object opaque) or a "Remove background" cut-out
(the photo's RGB, the object opaque, white under the transparency).

Their RGB holds no label, so read by it every mask is one class; `AlphaMapping` reads the alpha
instead: opaque pixels (from `OPAQUE` of 255 levels up) are class 1, transparent ones class 0,
a soft edge thresholded between, as 0/255 mattes are. A sample tells such masks
(`alpha_label_mask`); `--mask-alpha` reads any masks so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from seglab.data.classes import ClassSpec, generic_name
from seglab.data.classes.mapping import MAPPINGS, MaskMapping, colour_codes, single_channel
from seglab.data.encodings.colours import PHOTO_SHARE, discover_colours

OPAQUE = 128  # alpha level (of 255) from which a pixel is the object: the nearer end of a soft edge
ALPHA_CLASSES = ClassSpec((generic_name(0), generic_name(1)))  # transparent, opaque: as 0/255 masks are named


def alpha_levels(alpha: np.ndarray) -> np.ndarray:
    """An alpha channel as 8-bit levels, 0 transparent to 255 opaque, whatever its dtype."""
    if alpha.dtype == np.uint8:
        return alpha
    top = np.iinfo(alpha.dtype).max if alpha.dtype.kind in "ui" else 1.0
    return np.round(np.clip(np.nan_to_num(alpha.astype(np.float64) / top), 0, 1) * 255).astype(np.uint8)


@MAPPINGS.register("alpha")
@dataclass(frozen=True)
class AlphaMapping(MaskMapping):
    """The mask's alpha channel is its label: opaque pixels (`OPAQUE` levels and up) class 1,
    transparent ones class 0; its RGB is not read."""

    kind: ClassVar[str] = "alpha"
    needs_alpha: ClassVar[bool] = True

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return (alpha_levels(single_channel(raw)) >= OPAQUE).astype(np.int64)


def alpha_counts(raw: np.ndarray, alpha: np.ndarray) -> tuple[Counter[int], Counter[int]]:
    """(pixels per alpha level, pixels per colour code of the opaque pixels) of a mask whose raw
    pixels (`io.raw_mask`: grey or RGB) are `raw`; grey values count as codes of their own."""
    levels = alpha_levels(alpha)
    counts = np.bincount(levels.ravel(), minlength=256)
    under = raw[levels >= OPAQUE]
    codes = colour_codes(under) if under.ndim == 2 else under
    values, pixels = np.unique(codes, return_counts=True)
    return (Counter({level: int(n) for level, n in enumerate(counts.tolist()) if n}),
            Counter(dict(zip(values.tolist(), pixels.tolist()))))


def alpha_label_mask(levels: Mapping[Path, Counter[int]], opaque: Mapping[Path, Counter[int]],
                     read: int) -> Path | None:
    """The first mask whose alpha holds the label, when most of the `read` masks sampled have an
    alpha channel (`levels`, per mask `alpha_counts`') that is opaque on some pixels and
    transparent on others, and their RGB holds no label: under the opaque pixels (`opaque`) one
    colour (a layer's fill) or a photo (a cut-out: most of them in colours too rare to be
    classes, `discover_colours`); else None, the RGB being the label and the alpha transparency."""
    if len(levels) <= read / 2:
        return None
    shown = sum(n for counts in opaque.values() for n in counts.values())
    if not 0 < shown < sum(n for counts in levels.values() for n in counts.values()):
        return None
    colours = sum(opaque.values(), Counter())
    classes = colour_codes(np.array(discover_colours(colours), dtype=np.int64).reshape(1, -1, 3))[0].tolist()
    pictured = shown - sum(colours[code] for code in classes)
    if len(colours) > 1 and pictured <= PHOTO_SHARE * shown:
        return None
    return next(path for path, counts in opaque.items() if counts)
