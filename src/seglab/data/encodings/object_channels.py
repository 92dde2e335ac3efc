"""Masks that stack a binary channel per object: WGISD's `data/<image>.npz`, whose `arr_0` is
H x W x N with a 0/1 channel per grape bunch, N the bunches of that image.

A channel per class (`one_hot`) is as many channels in every mask; a channel per object is as many
as the image holds objects, so the count varies from mask to mask, and each channel is mostly one
region overlapping the others little. Read as one-hot classes, such masks fail on every mask of
another count than the first, so they are read as `--instance-masks` reads objects:
`ObjectChannelsMapping` marks background (0) where no channel is on and `object` (1) where any is,
with the `instance-ids` warning that says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy import ndimage

from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping
from seglab.data.encodings.coloured_objects import VARYING_COUNTS
from seglab.data.files.channels import binary_planes
from seglab.data.files.index import Problem
from seglab.data.files.io import read_mask_array
from seglab.data.files.read_errors import ReadError

OVERLAP = 0.5  # objects' channels: pixels on in two or more are below this share of those on in any
ONE_REGION_CHANNELS = 0.5  # ... and this share of the channels one region each (a bunch behind a leaf falls in two)


def object_stack(array: np.ndarray) -> np.ndarray | None:
    """(N, H, W) booleans when `array` is 3-D and 0/1 with fewer channels than either side, last
    (WGISD's H x W x N) or first, N any number; else None."""
    if array.ndim != 3:
        return None
    if array.shape[2] < min(array.shape[:2]):
        array = np.moveaxis(array, 2, 0)
    elif array.shape[0] >= min(array.shape[1:]):
        return None
    return binary_planes(array)


def one_region_channels(planes: np.ndarray) -> tuple[int, int]:
    """(channels with a pixel on, channels whose pixels form one 8-connected region), each
    labelled within its bounding box, as objects are small beside the image."""
    shown = single = 0
    for plane in planes:
        rows, columns = np.flatnonzero(plane.any(axis=1)), np.flatnonzero(plane.any(axis=0))
        if not len(rows):
            continue
        box = plane[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
        shown += 1
        single += ndimage.label(box, structure=np.ones((3, 3)))[1] == 1
    return shown, single


@MAPPINGS.register("object-channels")
@dataclass(frozen=True)
class ObjectChannelsMapping(MaskMapping):
    """A binary channel per object (`--instance-masks` on channel stacks): background (0) where no
    channel is on, object (1) where any is, whatever the number of channels of each mask."""

    kind: ClassVar[str] = "object-channels"
    reads_files: ClassVar[bool] = True

    def read(self, path: Path) -> np.ndarray:
        array = read_mask_array(path)
        planes = object_stack(array[..., None] if array.ndim == 2 else array)  # one object saved squeezed
        if planes is None:
            raise ReadError(f"mask '{path}' has shape {array.shape}: not channels of 0 and 1, one per object "
                            "(H x W x N or N x H x W)", "bad-mask")
        return planes.any(axis=0).astype(np.int64)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError("object channel stacks are read whole (seglab.data.read_mask)")


def object_channels_problem(
    stacks: Mapping[Path, tuple[int, int, int]], regions: Mapping[Path, tuple[int, int]], others: int
) -> Problem | None:
    """The `instance-ids` warning for masks that stack a channel per object: stacks outnumber the
    `others` masks sampled, their channel counts take `VARYING_COUNTS` values or more, their
    channels overlap little (`OVERLAP`) and are mostly one region each (`ONE_REGION_CHANNELS`).

    Args:
        stacks: per sampled 0/1 stack (`object_stack`), (channels, pixels on in any channel,
            pixels on in two or more).
        regions: per stack whose regions were counted, `one_region_channels`.
        others: sampled masks that are no such stack.
    """
    counts = sorted({channels for channels, _, _ in stacks.values()})
    if len(stacks) <= others or len(counts) < VARYING_COUNTS:
        return None
    on, overlap = sum(s[1] for s in stacks.values()), sum(s[2] for s in stacks.values())
    shown, single = sum(r[0] for r in regions.values()), sum(r[1] for r in regions.values())
    if not on or overlap >= OVERLAP * on or single < ONE_REGION_CHANNELS * shown:
        return None
    path = max(stacks, key=lambda p: stacks[p][0])
    message = (f"mask channels look like objects, not classes: {counts[0]} to {counts[-1]} channels of 0 and 1 per "
               "mask (a channel per class would be as many in every mask), each mostly one region, overlapping "
               "little; read as --instance-masks reads objects: background where no channel is on, the one class "
               "'object' where any is (pass --instance-masks to say so)")
    return Problem(path, message, "instance-ids")
