"""A label folder beside a folder of volumes per modality: each case's channels, a volume from each.

BONBID-HIE 2023 ships `BONBID2023_Train/1ADC_ss/<case>-ADC_ss.mha` (the skull-stripped ADC map),
`2Z_ADC/Zmap_<case>-ADC_smooth2mm_clipped10.mha` (its z-scores) and `3LABEL/<case>_lesion.mha`:
folders numbered in the order the release reads them, the case id inside names that differ from
folder to folder. Each image folder pairs with the labels as a folder of one modality would; a
case's channels are its volume in each, in folder order, and the case is named by the id its
files share.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path

from seglab.data.discovery.channel_files import folder_names_a_band
from seglab.data.discovery.pairing import folder_label
from seglab.data.files.index import Problem, natural_key
from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import volume_stem
from seglab.data.layouts.volume_format.cases import Layout, matched_cases

_ORDER_NUMBER = re.compile(r"\d+[_\- ]?(?=[A-Za-z])")  # a release's order before a folder's name: 1ADC_ss, 2Z_ADC
_FIRST_WORD, _LAST_WORD = re.compile(r"^[A-Za-z0-9]+"), re.compile(r"[A-Za-z0-9]+$")


def names_a_modality(folder: str) -> bool:
    """Whether a folder's name, less a leading order number, names a modality or band (`1ADC_ss`:
    adc; `2Z_ADC`; `flair`, `T1`), as the folders of one case's channels are named."""
    return folder_names_a_band(_ORDER_NUMBER.sub("", folder, count=1))


def modality_folder_cases(root: Path, folders: Sequence[tuple[Path, list[Path]]], label_dir: Path,
                          labels: list[Path]) -> Layout:
    """The cases of the label volumes `labels` (of `label_dir`) whose channels are a volume of each
    of `folders` (folder, its volumes; two or more, each named for a modality: `names_a_modality`),
    in folder order, each folder's volumes matched to the labels by name as one folder's are
    (`matched_cases`), with a line for `seglab inspect`'s Paired saying so; a label lacking a
    folder's volume is left out, a problem naming the folder, its other volumes listed as ignored.
    Empty when a folder pairs with no label."""
    ordered = sorted(folders, key=lambda found: natural_key(found[0].name))
    matched = [matched_cases(volumes, labels, label_dir.relative_to(root).as_posix()) for _, volumes in ordered]
    layout = Layout()
    if not all(found.subjects for found in matched):
        return layout
    by_label = [{s.label: s for s in found.subjects} for found in matched]
    for label in labels:
        cases = [found.get(label) for found in by_label]
        if None in cases:
            lacking = ", ".join(f"{folder.name}/" for (folder, _), case in zip(ordered, cases) if case is None)
            layout.problems.append(Problem(label, f"label volume has no image volume in {lacking} (the case's "
                                                  f"channels are a volume from each of {len(ordered)} folders)",
                                           "mask-without-image"))
            layout.ignored += [p for case in cases if case is not None for p in case.images]
            continue
        images = tuple(p for case in cases if case is not None for p in case.images)
        layout.subjects.append(Subject(case_id([*images, label]), images, label))
    layout.problems += [p for found in matched for p in found.problems if p.code != "mask-without-image"]
    layout.groups = {s.name: s.name for s in layout.subjects}
    if layout.subjects:
        first = layout.subjects[0]
        layout.grouping.append(
            f"{folder_label(ordered[0][0], root)}{''.join(f', {folder.name}/' for folder, _ in ordered[1:])} (a "
            f"modality each, the channels of each case in folder order) + {folder_label(label_dir, root)}: "
            f"{len(layout.subjects)} cases by the case id in their names ({first.name}: "
            f"{', '.join(p.name for p in (*first.images, first.label))})")
    return layout


def case_id(files: Sequence[Path]) -> str:
    """The longest run of characters the files' names share, less the marks around it
    (`MGHNICU_010-VISIT_01` in `MGHNICU_010-VISIT_01-ADC_ss`, `Zmap_MGHNICU_010-VISIT_01-...`
    and `MGHNICU_010-VISIT_01_lesion`) and a word a name goes on with (`ADC_s` of a case's image
    volumes alone, `-ADC_ss` and `-ADC_smooth2mm`: `MGHNICU_010-VISIT_01-ADC`); the first file's
    name when they share too little."""
    names = [volume_stem(path) for path in files]
    shared = names[0]
    for other in names[1:]:
        found = SequenceMatcher(None, shared, other, autojunk=False).find_longest_match(0, len(shared), 0, len(other))
        shared = shared[found.a:found.a + found.size]
    shared = _whole_words(shared, names).strip("_-. ")
    return shared if len(shared) > 2 else names[0]


def _whole_words(shared: str, names: Sequence[str]) -> str:
    """`shared`, a run of characters each of `names` holds, less a word at either end that one of
    them goes on with."""
    starts = [name.find(shared) for name in names]
    goes_on_before = any(name[:start][-1:].isalnum() for name, start in zip(names, starts))
    goes_on_after = any(name[start + len(shared):][:1].isalnum() for name, start in zip(names, starts))
    if goes_on_before:
        shared = _FIRST_WORD.sub("", shared)
    if goes_on_after:
        shared = _LAST_WORD.sub("", shared)
    return shared
