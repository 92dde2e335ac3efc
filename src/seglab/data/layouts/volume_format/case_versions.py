"""Cases that are versions of one subject's scan, told by their names, grouped as that subject.

A folder may hold each subject several times over under one number, the words around it naming
the version: TopCoW 2024's `topcow_ct_001` and `topcow_mr_001` (one patient's CTA and MRA),
HVSMR 2016's `training_axial_full_pat0`, `training_axial_crop_pat0` and `training_sa_crop_pat0`
(one heart, cropped and resliced). Split apart, a subject's near copy is scored as unseen. The
words are versions, not sites that number their patients anew (HECKTOR's `CHUM-001`, `CHUP-001`),
when every version holds the same numbers and they share a word besides it; a split word among
them (`train_01`, `val_01`) names no version, and the folders of MM-WHS' `ct_train/` and `mr_train/` (other patients) are kept apart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.naming import folder_split
from seglab.data.layouts.volume_format.cases import Layout

log = logging.getLogger(__name__)

_ONE_NUMBER = re.compile(r"(?P<before>\D*?)(?P<number>\d+)(?P<after>\D*)")  # a name holding one number
_WORD_SPLIT = re.compile(r"[_\-. ]+")


def with_version_groups(layout: Layout) -> Layout:
    """`layout` with the cases of each folder that are versions of one subject (module doc) in one
    group, named by the words every version shares around the number (`topcow_001`); cases it
    groups already keep their group."""
    by_folder: dict[Path, list[str]] = {}
    for subject in layout.subjects:
        if layout.groups.get(subject.name, subject.name) == subject.name:
            by_folder.setdefault(subject.images[0].parent, []).append(subject.name)
    for folder, cases in by_folder.items():
        found = version_subjects(cases)
        if found:
            layout.groups.update(found)
            log.info("%s: %d cases are %d subjects' versions, named alike but for words around one number "
                     "('%s' is '%s'): a split keeps each subject's versions together",
                     folder, len(found), len(set(found.values())), cases[0], found[cases[0]])
    return layout


def version_subjects(cases: Sequence[str]) -> dict[str, str]:
    """case -> its subject, when every case holds one number, the rest of the names (the version)
    takes two forms or more, each with the same numbers (two or more), every form shares a word
    besides the number (the dataset's or the subject's: `topcow`, `pat0`; a word and a number
    alone, `CHUM-001` beside `CHUP-001`, name a site's patient), and no split word tells them
    apart; empty otherwise."""
    named = {case: _version_and_number(case) for case in cases}
    numbers: dict[str, set[int]] = {}
    for version, number in filter(None, named.values()):
        numbers.setdefault(version, set()).add(int(number))
    if None in named.values() or len(numbers) < 2 or len({frozenset(n) for n in numbers.values()}) != 1 \
            or len(next(iter(numbers.values()))) < 2:
        return {}
    shared = set.intersection(*(set(_words(version)) for version in numbers))
    if shared == {"#"} or any(folder_split(word) for version in numbers for word in _words(version) if word not in shared):
        return {}
    return {case: "_".join(word.replace("#", number) for word in _words(version) if word in shared)
            for case, (version, number) in ((c, found) for c, found in named.items() if found)}


def _version_and_number(case: str) -> tuple[str, str] | None:
    """`topcow_ct_001` -> (`topcow_ct_#`, `001`); None for a name of no number or several."""
    found = _ONE_NUMBER.fullmatch(case)
    return (f"{found['before']}#{found['after']}", found["number"]) if found else None


def _words(name: str) -> list[str]:
    return [word for word in _WORD_SPLIT.split(name) if word]
