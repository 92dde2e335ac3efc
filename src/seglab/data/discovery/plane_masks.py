"""2-D masks of single planes of multi-page image stacks, named by the stack's number and the plane's.

The Cell Tracking Challenge's 3-D sets (Fluo-N3DH-CHO, Fluo-N3DH-CE, ...) ship their gold truth for
a few planes of a few frames: `01_GT/SEG/man_seg_TTT_ZZZ.tif` is plane ZZZ of the Z stack
`01/tTTT.tif`. No name rule pairs them (two planes of one frame share its number), so such masks
pair here with the page they name, which `layouts.folder_pairs.stack_pages` reads as a file of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.naming import KeyRule
from seglab.data.discovery.naming.numbers import first_number, numbers_in
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.data.files.tiff_stacks import tiff_stack_shape


def _stack_and_plane(path: Path) -> tuple[str, int] | None:
    """(stack number, plane) of a name holding exactly two numbers (`man_seg_001_003`: "1", 3)."""
    found = numbers_in(path)
    return (str(int(found[0])), int(found[1])) if len(found) == 2 else None


PLANE_RULE = KeyRule("the stack's number, then the plane's (man_seg_001_003: plane 3 of stack 1)", first_number)


def plane_pairs(images: Sequence[Path], masks: Sequence[Path]
                ) -> tuple[list[tuple[str, Path, Path]], dict[str, int]] | None:
    """(key, image stack, mask) of every mask, and key -> the plane (page) of the stack it is of; None
    unless every mask is a TIFF whose name holds two numbers, the first naming one image (by its
    first number) that is a multi-page TIFF stack, the second a page within it, no two masks one plane."""
    if not masks or any(m.suffix.lower() not in TIFF_SUFFIXES for m in masks):
        return None
    stacks: dict[str, Path] = {}
    for image in images:
        number = first_number(image)
        if number is None or number in stacks:
            return None
        stacks[number] = image
    named: list[tuple[Path, str, int]] = []
    for mask in masks:
        found = _stack_and_plane(mask)
        if found is None or found[0] not in stacks:
            return None
        named.append((mask, *found))
    if len({(number, plane) for _, number, plane in named}) < len(named):
        return None
    pages = {number: _page_count(stacks[number]) for number in {number for _, number, _ in named}}
    if any(plane >= pages[number] for _, number, plane in named):
        return None
    return ([(f"{number}_{plane}", stacks[number], mask) for mask, number, plane in named],
            {f"{number}_{plane}": plane for _, number, plane in named})


def _page_count(image: Path) -> int:
    """The pages of a multi-page TIFF stack; 0 for any other file."""
    shape = tiff_stack_shape(image) if image.suffix.lower() in TIFF_SUFFIXES else None
    return shape[0] if shape is not None else 0
