"""Masks drawn as outlines: a closed line around each object instead of the object's region.

HC18 ships the fetal head as the ellipse around it (`000_HC_Annotation.png`, a 1-2 px ring of
255 on 0), and contour exports do the same. Read as they are, the class is the ring and the
model learns to draw rings. `drawn_as_outlines` tells such masks from thin structures that are
the target: a membrane network (ISBI 2012) encloses hundreds of cells with one connected line,
a vessel tree or a crack encloses almost nothing. `--fill-outlines` reads masks through
`FilledOutlineMapping`, which gives the background each closed line encloses its class.

The background of a mask is the label that covers most of its frame (the outermost pixels):
an outline lies inside the picture, around background.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import ndimage

from seglab.data.classes.mapping import MAPPINGS, MaskMapping, filled_pixels

# a line encloses at least 3 times its own pixels, so a mask of outlines has at most a quarter of them
MAX_SHARE = 0.25
# share of a class's pixels inside 3x3 patches of it: a line up to 3 px wide has fewer (a third at 3 px)
THIN = 0.4
# background enclosed per line pixel: a 1 px circle of radius r encloses r/2 per pixel, a filled region nothing
ENCLOSES = 3.0
CELL = 9  # pixels an enclosed hole needs to count (a pinhole in a wobbly stroke does not)
# enclosed holes per filled outline: 1, 2 for a figure eight or nested rings; a membrane network, hundreds
HOLES_PER_OUTLINE = 3
MAX_CLASSES = 16  # more labels drawn in one mask are object numbers or a scene, not outlined classes
_EIGHT = np.ones((3, 3), bool)  # lines connect diagonally; holes (label's default cross) do not leak through them


def frame_label(mask: np.ndarray) -> int:
    """The label covering most of the mask's outermost pixels: its background."""
    frame = np.concatenate([mask[0], mask[-1], mask[1:-1, 0], mask[1:-1, -1]])
    values, counts = np.unique(frame, return_counts=True)
    return int(values[np.argmax(counts)])


def drawn_as_outlines(mask: np.ndarray, ignore_index: int | None = None) -> bool | None:
    """Whether every class of a mask besides its background is closed thin lines around background.

    Each class must be thin (`THIN`), enclose background of `ENCLOSES` times its pixels, and
    enclose few holes per outline (`HOLES_PER_OUTLINE`); a mask drawing more than `MAX_CLASSES`
    labels is none. None: the mask holds no class besides its background.

    Shape: mask (H, W) labels.
    """
    background = frame_label(mask)
    drawn = _drawn(mask, background, ignore_index)
    share = drawn.mean()
    if not share:
        return None
    if share > MAX_SHARE:
        return False
    box = _box(drawn)
    mask, drawn = mask[box], drawn[box]
    labels, pixels = np.unique(mask[drawn], return_counts=True)
    if len(labels) > MAX_CLASSES:
        return False
    inner, inner_pixels = np.unique(mask[drawn & filled_pixels(mask)], return_counts=True)
    if np.any(inner_pixels > THIN * pixels[np.searchsorted(labels, inner)]):
        return False
    around = mask == background
    return all(_encloses_like_outlines(mask == label, around) for label in labels)


def _drawn(mask: np.ndarray, background: int, ignore_index: int | None) -> np.ndarray:
    drawn = mask != background
    if ignore_index is not None:
        drawn &= mask != ignore_index
    return drawn


def _box(drawn: np.ndarray) -> tuple[slice, slice]:
    """The drawn pixels' bounding box and a pixel of background around it, within the mask: what
    the box's frame touches is outside every line, so lines enclose the same in it (and it is
    quicker to label than a large mask with one small object)."""
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    return slice(max(rows[0] - 1, 0), rows[-1] + 2), slice(max(cols[0] - 1, 0), cols[-1] + 2)


def _encloses_like_outlines(region: np.ndarray, background: np.ndarray) -> bool:
    holes = enclosed(region)
    cells, count = ndimage.label(holes)
    sizes = np.bincount(cells.ravel(), minlength=count + 1)
    big = sizes >= CELL
    big[0] = False
    if not big.any() or np.count_nonzero(holes & background) < ENCLOSES * np.count_nonzero(region):
        return False
    outlines, _ = ndimage.label(region | holes, _EIGHT)
    enclosing = np.unique(outlines[big[cells]])  # the filled outlines holding a counted hole
    return np.count_nonzero(big) <= HOLES_PER_OUTLINE * len(enclosing)


def enclosed(region: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels outside `region` that it encloses, cut off from the mask's frame
    (`scipy.ndimage.binary_fill_holes` less the region, from one labelling: linear time)."""
    parts, count = ndimage.label(~region)
    touching = np.zeros(count + 1, bool)
    touching[0] = True  # the region itself
    touching[np.concatenate([parts[0], parts[-1], parts[:, 0], parts[:, -1]])] = True
    return ~touching[parts]


def fill_outlines(mask: np.ndarray, ignore_index: int | None = None) -> np.ndarray:
    """The mask with the background each class encloses given that class.

    Larger fills are painted first, so an outline inside another's keeps its own class inside;
    lines and pixels of other classes stay as drawn. Lines cut by the image's edge enclose nothing.

    Shape: mask (H, W) labels -> (H, W) labels.
    """
    background = frame_label(mask)
    drawn = _drawn(mask, background, ignore_index)
    filled = mask.copy()
    if not drawn.any():
        return filled
    box = _box(drawn)
    part = filled[box]  # a view: painted in place
    fills = [(enclosed(part == label), int(label)) for label in np.unique(part[drawn[box]])]
    open_ = part == background
    for holes, label in sorted(fills, key=lambda fill: -np.count_nonzero(fill[0])):
        part[holes & open_] = label
    return filled


@MAPPINGS.register("filled-outlines")
@dataclass(frozen=True)
class FilledOutlineMapping(MaskMapping):
    """`--fill-outlines`: masks mapped by `base`, then each closed outline filled (`fill_outlines`).

    Args:
        base: how raw pixels become labels before filling (binary 0/255 for HC18).
        ignore_label: the ignore label, never filled nor filled over.
    """

    base: MaskMapping
    ignore_label: int | None = None
    kind: ClassVar[str] = "filled-outlines"

    def __post_init__(self) -> None:
        if isinstance(self.base, dict):  # from `to_dict`'s JSON
            object.__setattr__(self, "base", MaskMapping.from_dict(self.base))
        if self.base.multilabel or self.base.reads_files or self.base.reads_many:
            raise ValueError(f"outlines are filled in class-index masks, not in multi-label ones ({self.base.kind})")

    @property
    def needs_rgb(self) -> bool:  # type: ignore[override]
        return self.base.needs_rgb  # colour outlines are read as their colours

    @property
    def needs_alpha(self) -> bool:  # type: ignore[override]
        return self.base.needs_alpha  # outlines drawn in the alpha channel

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return fill_outlines(self.base.apply(raw), self.ignore_label)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "base": self.base.to_dict(), "ignore_label": self.ignore_label}
