"""Colour masks that paint each object its own colour (BBBC039's `masks/*.png`: every nucleus a
colour of its own on black), told apart from colour masks of classes.

A class colour recurs from mask to mask and a class often lies in several places (CamVid's road,
an ISPRS tile's buildings); an object's colour is one region, and colours picked per object seldom
recur in another mask. Read as classes, such masks make a class per object, so they get the
`instance-ids` warning of label masks that number objects, and `--instance-masks` reads them with
`ColouredObjectsMapping`: black is background, every other colour the one class `object`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.files.index import Problem
from seglab.data.classes.mapping import MAPPINGS, MaskMapping, nonzero_pixels

OBJECT_CLASSES = ClassSpec(("background", "object"))  # what --instance-masks reads
ONE_REGION = 0.9  # share of the values (or colours) forming one region each in instance masks
MANY_OBJECTS = 20  # this many values (or colours) in one mask, each one region: objects, not classes
OWN_COLOURS = 0.5  # share of the masks' colours found in no other sampled mask: colours picked per object
NUMBERED = 0.8  # share of the masks numbering their objects 1..n (in values, or in a colour order)
VARYING_COUNTS = 3  # ... with this many different n among the masks (GlaS: 1 to 3 glands)
GROWTH = 2  # colours in order: the most in a mask at least this many times the fewest


@MAPPINGS.register("coloured-objects")
@dataclass(frozen=True)
class ColouredObjectsMapping(MaskMapping):
    """`--instance-masks` on colour masks: black is background (0), any other colour an object (1)."""

    kind: ClassVar[str] = "coloured-objects"
    needs_rgb: ClassVar[bool] = True  # a palette mask's indices say nothing of its colours

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return nonzero_pixels(raw).astype(np.int64)


def coloured_objects_problem(
    colours: Mapping[Path, Counter[int]], filled: Mapping[Path, Counter[int]], regions: Mapping[Path, tuple[int, int]]
) -> Problem | None:
    """The `instance-ids` warning for colour masks whose colours are objects: each colour one
    region that fills an area (a photo's colours are scattered pixels), and either `MANY_OBJECTS`
    colours in a mask or most colours of the masks in no other mask.

    Args:
        colours: per sampled mask, colour code -> pixels.
        filled: per sampled mask, colour code -> pixels inside regions of it.
        regions: per mask whose regions were counted, (non-black colours, colours forming one region).
    """
    counted = {path: found for path, found in regions.items() if found[0]}
    if not counted or sum(r[1] for r in counted.values()) < ONE_REGION * sum(r[0] for r in counted.values()):
        return None
    painted = [bool(filled[path][code]) for path in counted for code in colours[path] if code]
    if sum(painted) < ONE_REGION * len(painted):
        return None
    path, (most, _) = max(counted.items(), key=lambda item: item[1][0])
    if most >= MANY_OBJECTS or (len(counted) > 1 and _own_share(colours, counted) >= OWN_COLOURS):
        what = f"{most} colours in this mask, each one region"
    elif sizes := _colours_in_order([set(colours[path]) - {0} for path in counted]):
        what = (f"each mask holds the first n of one colour order, n from {min(sizes)} to {max(sizes)}, each colour "
                "one region, as objects coloured by their order (KOMATSUNA's leaves: blue the first, green the "
                "second, ...)")
    else:
        return None
    message = (f"mask colours look like objects, not classes: {what}; if each colour is one object (an instance "
               "mask), --instance-masks reads black as background and every other colour as one foreground class")
    return Problem(path, message, "instance-ids")


def _colours_in_order(held: list[set[int]]) -> set[int]:
    """The counts n of colours per mask when most masks hold the first n colours of one order
    (the colours held by most masks first) and n grows from few (the largest at least `GROWTH`
    times the smallest), taking `VARYING_COUNTS` values or more: objects coloured by their order
    of appearance, the same few colours in every mask. Else an empty set: class sets are seldom
    nested so, and a fixed class table missing a rare class or two (a face's parts, 12 to 14)
    does not grow from few."""
    masks_with = Counter(code for codes in held for code in codes)
    order = sorted(masks_with, key=lambda code: (-masks_with[code], code))
    sizes = [len(codes) for codes in held if codes == set(order[: len(codes)])]
    if len(sizes) < NUMBERED * len(held) or len(set(sizes)) < VARYING_COUNTS or max(sizes) < GROWTH * min(sizes):
        return set()
    return set(sizes)


def _own_share(colours: Mapping[Path, Counter[int]], counted: Mapping[Path, object]) -> float:
    """Share of the non-black colours of the `counted` masks that no other sampled mask holds."""
    masks_with = Counter(code for counts in colours.values() for code in counts)
    own = [masks_with[code] == 1 for path in counted for code in colours[path] if code]
    return sum(own) / max(len(own), 1)
