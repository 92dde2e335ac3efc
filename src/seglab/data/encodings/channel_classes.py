"""Colour masks that hold a binary class in each channel, not colours of classes: Kaggle's Chest
CT Segmentation paints the lungs in R, the heart in G and the trachea in B of one JPEG per slice,
yellow where lungs and heart overlap.

Each channel is a 0/255 mask of its own (within `JPEG_NEAR` of either end, JPEG-saved), so the
masks are read multi-label, a class per channel, each thresholded at `ON` as JPEG-saved 0/255
masks are. Read as colours they were as many classes as colour combinations, JPEG's bleeding
hues among them. Two tests tell them from masks whose primary and secondary colours are classes
of their own (ISPRS' white, yellow and cyan; a hand-made palette of red, green and yellow):
the overlaps are painted (`painted_overlaps`: in 2x2 blocks, where a lossy save bleeds odd pixels
along a red and green edge), lie where their classes go on alone, and are no shipped class
table's colours; and each is rarer than each class it joins (`within_classes`), as where two
structures meet. Masks that fail the second
read a class per channel with `--task multilabel`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import BINARY_SHARE, JPEG_NEAR, MAPPINGS, SOLID, MappingError, MaskMapping
from seglab.data.encodings.colours import MIN_SHARE
from seglab.data.encodings.mask_sample import REGION_SAMPLE, MaskSample
from seglab.data.encodings.palettes import known_palette
from seglab.data.files.io import read_raw_mask
from seglab.errors import DataError
from seglab.labelsets import pack_numpy

ON = 128  # a channel at this level or above is on: halfway, as 0/255 masks with JPEG edges are thresholded
_CHANNELS = (("red", (255, 0, 0)), ("green", (0, 255, 0)), ("blue", (0, 0, 255)))  # name and colour, in order
_On = tuple[bool, ...]  # which channels a pixel has on, in R, G, B order
_WITHIN_SHARE = 0.5  # of an overlap's edge, at least this much lies where one of its classes goes on alone


@MAPPINGS.register("channel-classes")
@dataclass(frozen=True)
class ChannelClassesMapping(MaskMapping):
    """Colour masks of a binary class in each of `channels` (0 R, 1 G, 2 B), on from `ON`: class
    i holds the pixels where channel `channels[i]` is on, classes overlapping where two are."""

    channels: tuple[int, ...] = (0, 1, 2)
    kind: ClassVar[str] = "channel-classes"
    needs_rgb: ClassVar[bool] = True
    multilabel: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if raw.ndim != 3 or raw.shape[2] <= max(self.channels):
            raise MappingError(f"mask has shape {raw.shape}; a class per colour channel needs RGB masks (H, W, 3)",
                               "grey-mask-for-colours")
        return pack_numpy(np.stack([raw[..., channel] >= ON for channel in self.channels]))


def channel_classes(channels: Sequence[int]) -> ClassSpec:
    """The classes of `channels` where no classes.json names them: each named and drawn in its colour."""
    return ClassSpec(tuple(_CHANNELS[c][0] for c in channels), tuple(_CHANNELS[c][1] for c in channels))


def binary_channels(counts: Counter[int]) -> tuple[int, ...] | None:
    """The channels on somewhere (on `MIN_SHARE` of the pixels) in colour masks whose every
    channel is 0/255: `BINARY_SHARE` of their pixels (counts: colour code -> pixels) within
    `JPEG_NEAR` of 0 or 255 in each channel; None for other colour masks."""
    rgb, pixels = _levels(counts)
    total = pixels.sum()
    ends = ((rgb <= JPEG_NEAR) | (rgb >= 255 - JPEG_NEAR)).all(axis=1)
    if not total or pixels[ends].sum() < BINARY_SHARE * total:
        return None
    on = rgb >= ON
    found = tuple(channel for channel in range(3) if pixels[on[:, channel]].sum() >= MIN_SHARE * total)
    return found or None


def painted_overlaps(sample: MaskSample) -> list[_On]:
    """The combinations of two or more channels on that cover `MIN_SHARE` of the sampled colour
    masks' pixels, fill 2x2 blocks (`SOLID` pixels in the first `REGION_SAMPLE` masks, read again)
    and end mostly where one of their channels does (`_edges`: an overlap lies where classes
    meet, not apart as KOMATSUNA's cyan leaf beside its blue and green ones); none where the
    combinations present are a shipped class table's colours (`palettes.known_palette`: ISPRS'
    white and yellow are classes)."""
    present = _combinations(sample.colour_values())
    joined = [on for on in present if sum(on) >= 2]
    if not joined or known_palette([_colour(on) for on in present]) is not None:
        return []
    blocks: Counter[_On] = Counter()
    edges: Counter[_On] = Counter()
    inside: Counter[_On] = Counter()
    for path in list(sample.colours)[:REGION_SAMPLE]:
        try:
            on = read_raw_mask(path, rgb=True)[..., :3] >= ON
        except DataError:
            continue  # the scan names it
        for combination in joined:
            alike = (on == np.array(combination)).all(axis=2)
            blocks[combination] += int((alike[:-1, :-1] & alike[1:, :-1] & alike[:-1, 1:] & alike[1:, 1:]).sum())
            edge, within = _edges(on, alike, combination)
            edges[combination] += edge
            inside[combination] += within
    return [on for on in joined if blocks[on] >= SOLID and inside[on] >= _WITHIN_SHARE * edges[on]]


def _edges(on: np.ndarray, alike: np.ndarray, combination: _On) -> tuple[int, int]:
    """The pixels of `alike` (those whose channels `on` are `combination`) on the edge of its
    regions, and those of them beside a pixel of some but not all of its channels."""
    edge = np.zeros(alike.shape, bool)
    within = np.zeros(alike.shape, bool)
    wanted = np.array(combination)
    padded = np.pad(on, ((1, 1), (1, 1), (0, 0)), mode="edge")
    height, width = alike.shape
    for dy, dx in ((0, 1), (2, 1), (1, 0), (1, 2)):
        beside = padded[dy:dy + height, dx:dx + width]
        other = (beside != wanted).any(axis=2)
        part = other & beside.any(axis=2) & ~(beside & ~wanted).any(axis=2)
        edge |= alike & other
        within |= alike & part
    return int(edge.sum()), int(within.sum())


def within_classes(counts: Counter[int], overlaps: Sequence[_On]) -> bool:
    """Whether each of `overlaps` covers fewer pixels than each channel it joins does alone: an
    overlap is part of each class, where a colour class (a yellow beside red and green) need not be."""
    present = _combinations(counts)
    return all(present.get(_alone(channel), 0) > present[on] for on in overlaps for channel in range(3) if on[channel])


def _combinations(counts: Counter[int]) -> dict[_On, int]:
    """The combinations of channels on (`ON`) that cover `MIN_SHARE` of the pixels, and their pixels."""
    rgb, pixels = _levels(counts)
    found: Counter[_On] = Counter()
    for on, n in zip(map(tuple, (rgb >= ON).tolist()), pixels.tolist()):
        found[on] += n
    return {on: n for on, n in found.items() if n >= MIN_SHARE * pixels.sum()}


def _levels(counts: Counter[int]) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) channel levels of each colour code in `counts`, and the pixels of each."""
    codes = np.fromiter(counts.keys(), np.int64, len(counts))
    pixels = np.fromiter(counts.values(), np.int64, len(counts))
    return np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=-1), pixels


def _alone(channel: int) -> _On:
    return tuple(c == channel for c in range(3))


def _colour(on: _On) -> tuple[int, int, int]:
    red, green, blue = (255 if bit else 0 for bit in on)
    return red, green, blue
