"""The class colours of colour masks, told from edge noise, blends and JPEG shifts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from seglab.data.classes.mapping import NEAR, SOLID

MIN_SHARE = 0.001  # a colour covering less of the sampled pixels and filling no region is edge noise
BLEND = 32  # a colour this close to the line between two class colours, rarer than both, filling no region: a blend
MAX_COLOURS = 256  # more class colours than this are a photo, not a mask
PHOTO_SHARE = 0.5  # more of the pixels in colours to snap than this (a quarter, of one class colour): photos
# a lossy save's shift reaches this far in small masks (JPEG's 4:2:0 chroma rings #0b0000 and #00000b beside black
# next to red), short of the nearest classes of a benchmark palette (Cityscapes' bus and train, 20 apart)
LOSSY_NEAR = 16
WHITE = 0xFFFFFF


def discover_colours(
    counts: Mapping[int, int], filled: Mapping[int, int] | None = None, near: int = NEAR
) -> tuple[tuple[int, int, int], ...]:
    """The class colours among colour codes and their pixel counts, ordered by code (black first),
    but for a white on more pixels than any other colour: the background of masks drawn on white
    (Rico's semantic screenshots), class 0 as REFUGE's 255 is among grey levels (`label_maps`).

    A colour is a class when it covers at least `MIN_SHARE` of the pixels or fills regions of
    its own (`SOLID` pixels inside them, counted in `filled`), is not within `near` of a more
    frequent class colour (JPEG shifts flat areas by a few levels; `LOSSY_NEAR` for lossy masks)
    and is not a blend of two class colours: within `BLEND` of the line between them, under half
    as frequent as either and filling no region (antialiasing and JPEG chroma bleeding mix
    neighbouring colours along edges; a class painted in such a colour, iSAID's harbour between
    two others, fills regions).

    Stops after `MAX_COLOURS` + 1 colours: more are no classes (the caller refuses them).
    """
    filled = filled or {}
    total = sum(counts.values())
    kept: list[int] = []
    for code, pixels in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        solid = filled.get(code, 0)
        if pixels < MIN_SHARE * total and solid < SOLID:
            continue
        if not edge_noise(code, pixels, {k: counts[k] for k in kept}, solid, near):
            kept.append(code)
        if len(kept) > MAX_COLOURS:
            break
    background = kept[:1] if kept and near_colour(kept[0], (WHITE,), near) else []  # kept[0]: on the most pixels
    return tuple(colour_rgb(code) for code in background + sorted(set(kept) - set(background)))


def colour_name(colour: tuple[int, int, int]) -> str:
    """A generated class name that shows the colour: '#ff0000'."""
    return "#" + "".join(f"{v:02x}" for v in colour)


def edge_noise(code: int, pixels: int, classes: Mapping[int, int], filled: int, near: int = NEAR) -> bool:
    """Whether a colour that is no class colour lies near one (a JPEG shift, even of a flat block)
    or blends two without filling regions of its own (classes: code -> pixels)."""
    return near_colour(code, classes, near) or (filled < SOLID and _blend(code, pixels, classes))


def near_colour(code: int, others: Iterable[int], near: int = NEAR) -> bool:
    """Whether a colour lies within a JPEG shift (`near` in every channel) of one of `others` (colour codes)."""
    colour = np.array(colour_rgb(code))
    return any(np.abs(colour - colour_rgb(other)).max() <= near for other in others)


def _blend(code: int, pixels: int, classes: Mapping[int, int]) -> bool:
    """Whether a colour lies on the line between two class colours that are both twice as frequent."""
    frequent = [c for c, n in classes.items() if n >= 2 * pixels]
    if len(frequent) < 2:
        return False
    colour = np.array(colour_rgb(code), dtype=float)
    ends = np.array([colour_rgb(c) for c in frequent], dtype=float)
    start, step = ends[:, None, :], ends[None, :, :] - ends[:, None, :]  # every pair at once
    length = np.maximum((step * step).sum(axis=2), 1.0)
    t = ((colour - start) * step).sum(axis=2) / length
    gap = np.linalg.norm(start + t[..., None] * step - colour, axis=2)
    return bool(((t > 0) & (t < 1) & (gap <= BLEND)).any())


def colour_rgb(code: int) -> tuple[int, int, int]:
    """The colour of a colour code (r << 16 | g << 8 | b)."""
    return ((code >> 16) & 255, (code >> 8) & 255, code & 255)
