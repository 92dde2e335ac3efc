"""The split that a dataset's split lists give each name they list (`split_of_stems`) and each
image (`listed_split`), once `list_search` has found the lists: the one place that says how a
list names an image, so that every layout reading lists reads them alike.

The lists name images by stem, one per line (anything after the first word, as in VOC's
`ImageSets/Main/*_train.txt`, is not read, but for lines `<name> <number>` naming images
`<name>_<number>`, as LFW's do: `list_numbers`); a word that is a path or a file name names the
image of that name (`list_paths`), and words that all name images less one prefix or suffix name
those (`list_affixes`). Lists of volumes name the slices cut from them (SSL4MIS' `val.list`
names `patient003_frame01`, whose slices `patient003_frame01_slice_4` they hold).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from seglab.data.splitting.list_numbers import listed_stems
from seglab.data.splitting.list_paths import listed_paths
from seglab.data.splitting.list_readers import is_table, read_table
from seglab.data.splitting.list_rows import rows_named
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_SLICE = re.compile(r"_slice_?\d+$")  # a slice's name after its volume's: patient001_frame01_slice_3


def volume_of_slice(stem: str) -> str:
    """The name of the volume a slice's name is after (`patient001_frame01` for
    `patient001_frame01_slice_3`); the name itself when it names no slice."""
    return _SLICE.sub("", stem)


def listed_split(split_of: Mapping[str, str], stem: str) -> str | None:
    """The split the lists give an image: by its stem, else by its volume's (SSL4MIS' val.list
    names `patient003_frame01`, the image is `patient003_frame01_slice_4`), else by its number
    (GTA5's split.mat numbers `00001.png` 1)."""
    found = split_of.get(stem) or split_of.get(volume_of_slice(stem))
    return found or (split_of.get(str(int(stem))) if stem.isascii() and stem.isdigit() else None)


def split_of_stems(
    files: dict[str, Path], held_out: Iterable[Path] = (), stems: Collection[str] = ()
) -> dict[str, str]:
    """The split of each stem the lists name; the stems only a held-out list names (`held_out`,
    Sen1Floods11's Bolivia chips) are test images, with a warning naming the list: a set held out
    from training is one to test on. `stems`, the images' names, tell lists of `<name> <number>`
    lines that name `<name>_<number>` (LFW's, `list_numbers`) from those naming `<name>`.

    Raises:
        DataError: a stem listed in two splits, naming both files.
    """
    split_of: dict[str, str] = {}
    listed_in: dict[str, Path] = {}
    tables: dict[Path, dict[str, list[str]]] = {}  # a table (GTA5's split.mat) names every split: parsed once
    by_path = listed_paths(files)  # CULane's clips each hold a 00000.jpg: `own_splits` reads them per folder
    for split, path in files.items():
        if by_path is not None:
            listed = by_path[split]
        else:
            if is_table(path) and path not in tables:
                tables[path] = read_table(path)
            listed = (tables[path].get(split, []) if path in tables
                      else rows_named(path, listed_stems(path, stems), stems))
        for stem in listed:
            if split_of.get(stem, split) != split:
                raise DataError(f"'{stem}' is listed in both '{listed_in[stem]}' and '{path}'; "
                                "an image belongs to one split")
            split_of[stem], listed_in[stem] = split, path
    for path in held_out:
        unlisted = [stem for stem in listed_stems(path, stems) if stem not in split_of]
        if unlisted:
            logger.warning("'%s' names %d images that no train, val or test list beside it names: they go to "
                           "test, as a set held out from training (--split-file FILE gives another split)",
                           path, len(unlisted))
        split_of.update(dict.fromkeys(unlisted, "test"))
    return split_of
