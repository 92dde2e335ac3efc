"""Split lists that name an image by a name and its number: LFW Part Labels' `parts_train.txt`
line `George_W_Bush 10` is the image `George_W_Bush_0010` (LFW's `people.txt` and `pairs.txt` are
written so too). Read so only when the joined names are image names and no first word is one: the
first word names the image in every other list (VOC's `ImageSets/Main/<class>_train.txt`,
`2008_000002  1`, names `2008_000002`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from pathlib import Path

from seglab.data.splitting.list_readers import numbered_entries, read_list
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_NUMBERED = re.compile(r"(.+)_(\d+)")  # a stem of a name and a number: George_W_Bush_0010


def listed_stems(path: Path, stems: Collection[str]) -> list[str]:
    """The image stems a list of one split names: the first word of each line (`read_list`), or,
    when its lines are `<name> <number>` that name images of `stems` joined as `<name>_<number>`
    (any zero padding: `George_W_Bush_0010`) and no first word names one, those images.

    Raises:
        DataError: a list that cannot be read, naming it.
    """
    first = read_list(path)
    names = set(stems)
    if not names or not names.isdisjoint(first):
        return first
    entries = numbered_entries(path)
    if entries is None:
        return first
    numbered = {(m[1], int(m[2])): stem for stem in names if (m := _NUMBERED.fullmatch(stem))}
    if numbered.keys().isdisjoint(entries):
        return first
    joined = [numbered.get((name, number), f"{name}_{number:04d}") for name, number in entries]
    logger.info("split list '%s' names images by a name and a number ('%s %d'): read as '%s'", path,
                *entries[0], joined[0])
    return joined


def reads_stems(path: Path) -> bool:
    """Whether `listed_stems` of the list may depend on the images' stems: its lines are a name and a
    number each, or it cannot be read (`listed_stems` says so). Any other list names the same
    stems whatever the images, so what it gives one image folder serves every other (VSPW's
    lists of 3,536 videos, read once, not once a video)."""
    try:
        return numbered_entries(path) is not None
    except DataError:
        return True
