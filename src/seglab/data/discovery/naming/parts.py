"""Folders that are the numbered parts of one set, as a download splits a large one: Kaggle's
LiTS re-upload ships its image volumes in `volume_pt1/` ... `volume_pt5/` beside one
`segmentations/`; others write `images part 2` or `scans-1of5`. Read apart, each part pairs
with a fifth of the labels; read together, they are the image folder.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# `_pt1`, ` part 2`, `Part1` (a part word after a separator, or the whole name), or `-1of5`
_PART = re.compile(r"(?P<set>.*?)(?:(?:^|[_\-. ]+)(?:pt|part)[_\-. ]*\d+|[_\-. ]*\d+[_\- ]*of[_\- ]*\d+)",
                   re.IGNORECASE)


def part_set(name: str) -> str | None:
    """The set a folder name numbers a part of, lower-cased (`volume` for `volume_pt1`, `Volume
    part 2` and `volume-1of5`; empty for `Part1`); None for a name that numbers no part."""
    found = _PART.fullmatch(name)
    return found["set"].lower() if found else None


def parts_of_one_set(names: Collection[str]) -> bool:
    """Whether two or more folder names are each a numbered part of one set (`part_set`)."""
    sets = {part_set(name) for name in names}
    return len(names) > 1 and len(sets) == 1 and None not in sets
