"""A split that a README gives as ranges of the numbers the images are named by.

AutoLaparo's Task 3 names its frames `imgs/00001.jpg` ... `01800.jpg` beside `masks/` and gives
the split in its README.txt: `## Dataset splitting: 00001-01020 training, 01021-01380 validation,
01381-01800 testing.` One line of two or more ranges, each followed by a split word (`for` may
come between), whose ends are spelt as the file names spell their numbers (`00001`, zero-padded
to their width), and that hold every image's number, one range each, is that split. A range of
other numbers (`Videos 1-10 for training`: the frames name no video) or spelt otherwise splits
nothing, and the split is drawn.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.classes.readme_colours import readme_files, readme_lines
from seglab.data.discovery.naming import SPLIT_WORDS, usable_splits
from seglab.data.files.index import Pair
from seglab.data.splitting.list_readers import LISTS
from seglab.data.files.folder_listing import side_entries

logger = logging.getLogger(__name__)

_RANGE = re.compile(r"(?<![\w.])(\d{1,9})\s*(?:-|–|to)\s*(\d{1,9})\s+(?:for\s+(?:the\s+)?)?([A-Za-z]+)")
_NUMBERED = re.compile(r"\d{1,9}")  # an image named by its number alone: AutoLaparo's 00001
_SPLIT_WORDS = {word: split for word, split in SPLIT_WORDS.items() if len(word) > 2}  # not prose's `tr`, `te`


def readme_range_splits(pairs: list[Pair], root: Path) -> tuple[list[Pair], str | None]:
    """`pairs` with the split a README gives as ranges of their images' numbers (the module
    docstring), read from the README of `root` or of a folder between it and the images, with a
    line saying so; as they are, with None, when one has a split already, an image is named by
    no number alone, or no README line splits them all."""
    numbers = [_NUMBERED.fullmatch(p.image.stem) for p in pairs]
    if not pairs or any(p.split is not None for p in pairs) or not all(numbers):
        return pairs, None
    spelt = [found[0] for found in numbers if found is not None]
    values = [int(number) for number in spelt]
    width = len(spelt[0]) if len({len(s) for s in spelt}) == 1 and any(s.startswith("0") for s in spelt) else None
    for readme in _readmes(root, pairs):
        for line in readme_lines(readme) or []:
            ranges = _ranges(line, width)
            if not ranges:  # nearly every line: no image is looked up
                continue
            splits = [_split_of(number, ranges) for number in values]
            if None not in splits and usable_splits(splits):
                counts = ", ".join(f"{s} {splits.count(s)}" for s in LISTS if s in splits)
                said = f"split by the number ranges '{readme.name}' gives ({line.strip()[:120]}): {counts}"
                logger.info("%s: %s", root, said)
                return [replace(p, split=split) for p, split in zip(pairs, splits)], said
    return pairs, None


def _readmes(root: Path, pairs: Sequence[Pair]) -> list[Path]:
    """The READMEs of `root` and of the folders from it down to those holding the images."""
    folders = {root}
    for pair in pairs:
        if pair.image.is_relative_to(root):
            parts = pair.image.parent.relative_to(root).parts
            folders.update(root.joinpath(*parts[:k]) for k in range(1, len(parts) + 1))
    return [readme for folder in sorted(folders) for readme in readme_files(side_entries(folder))]


def _ranges(line: str, width: int | None) -> list[tuple[int, int, str]]:
    """The (first, last, split) ranges of a line naming two splits or more, each range's ends
    spelt as the images' numbers are (zero-padded to `width`, or not padded where it is None);
    none otherwise, or where two ranges overlap."""
    found = []
    for first, last, word in _RANGE.findall(line):
        split = _SPLIT_WORDS.get(word.lower())
        if split is None or not all(_spelt_alike(end, width) for end in (first, last)) or int(first) > int(last):
            return []
        found.append((int(first), int(last), split))
    found.sort()
    apart = all(one[1] < other[0] for one, other in zip(found, found[1:]))
    return found if len({split for *_, split in found}) >= 2 and apart else []


def _spelt_alike(number: str, width: int | None) -> bool:
    """Whether a range's end is spelt as the file names spell their numbers: zero-padded to `width`, or not padded."""
    return len(number) == width if width is not None else number == str(int(number))


def _split_of(number: int, ranges: Sequence[tuple[int, int, str]]) -> str | None:
    return next((split for first, last, split in ranges if first <= number <= last), None)
