"""Split files a dataset ships as Python pickles (nnU-Net v1's `splits_final.pkl`: its five folds'
train and val case names), which seglab never loads: unpickling runs whatever code the file
names. Such a file is said in one warning with the route that reads its split, rather than passed
over as if the dataset shipped none.
"""

from __future__ import annotations

import logging
from pathlib import Path

from seglab.data.discovery.folders import PICKLE_SUFFIXES, SideFiles
from seglab.data.splitting.list_names import LIST_WORDS, words
from seglab.data.splitting.shipped_folds import names_folds

logger = logging.getLogger(__name__)

_SHOWN = 3  # files named in the warning


def say_pickled_splits(root: Path, listing: SideFiles) -> None:
    """Warn of the pickles within `root` named for splits or folds (`splits_final.pkl`,
    `folds.pickle`; not nnU-Net's `dataset_properties.pkl` nor a case's `prostate_00.pkl`), naming
    them and `--split-file`, which reads a split written as JSON. They are looked for in the
    `listing` of `root` discovery made (`folders.side_files`, `MAX_DEPTH` levels down), of its
    first 20,000 folders, not in a walk of their own."""
    found = sorted(folder / name for folder, names in listing.first_folders(root, "pickled split files")
                   for name in names if _names_a_split(name))
    if not found:
        return
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    logger.warning("split files not read, pickles, which seglab never loads (unpickling runs the code a pickle "
                   "names): %s%s; if one holds the official split, write it as JSON ({\"train\": [names], \"val\": "
                   "[names]}, the pair names a run's splits.json lists) and train with --split-file FILE",
                   ", ".join(f"'{path}'" for path in found[:_SHOWN]), more)


def _names_a_split(name: str) -> bool:
    """Whether a file is a pickle named for splits or folds."""
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and f".{suffix.lower()}" in PICKLE_SUFFIXES \
        and (not LIST_WORDS.isdisjoint(words(stem)) or names_folds(stem))
