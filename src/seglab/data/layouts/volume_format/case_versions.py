"""Cases that are versions of one subject's scan, told by their names, grouped as that subject.

A folder may hold each subject several times over under one number, the words around it naming
the version: TopCoW 2024's `topcow_ct_001` and `topcow_mr_001` (one patient's CTA and MRA),
HVSMR 2016's `training_axial_full_pat0`, `training_axial_crop_pat0` and `training_sa_crop_pat0`
(one heart, cropped and resliced). Split apart, a subject's near copy is scored as unseen. The
words are versions, not sites that number their patients anew (HECKTOR's `CHUM-001`, `CHUP-001`),
when every version holds the same numbers and they share a word besides it; a split word among
them (`train_01`, `val_01`) names no version, and the folders of MM-WHS' `ct_train/` and `mr_train/` (other patients) are kept apart.

Or the subject's id leads the name, the version after it (`leading_subjects`): SPIDER's
`images/1_t1.mha`, `1_t2.mha` and `1_t2_SPACE.mha` are patient 1's sequences, CMRxMotion's case
folders `P001-1/` ... `P001-4/` volunteer P001's scans, MSLesSeg's `train/P1/T1/` ... `T3/`
patient P1's visits. Or a timepoint's three digits end the name, after a case id ending in its own
number (`timepoint_subjects`): BraTS 2023's `BraTS-GLI-00005-000/` and `BraTS-GLI-00005-001/`, patient
00005's first scan and its follow-up, where most patients are scanned once. Or a case is one of a subject's numbered lesions, slices or frames
(`subjects.subject_of`): ULS23's `case_00000_lesion_00` and `case_00000_lesion_01`, a volume of
interest around each of a patient's lesions.

Or each subject's folder holds its case once per processing stage, in folders of one name each
(`stage_versions`): MSLUB's `patient01/raw/` and `patient01/preprocessed/`, each holding the
FLAIR, T1W, T1WKS, T2W and `consensus_gt.nii.gz`. Not versions to group but copies to choose
among: read together, each case counts twice.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

from seglab.data.discovery.naming import folder_split
from seglab.data.layouts.volume_format.cases import Layout
from seglab.data.splitting.subjects import subject_of

log = logging.getLogger(__name__)

_ONE_NUMBER = re.compile(r"(?P<before>\D*?)(?P<number>\d+)(?P<after>\D*)")  # a name holding one number
_WORD_SPLIT = re.compile(r"[_\-. ]+")
# a subject's id (a number, or letters and a number) and its version after it, a word or a scan's one digit
# (SPIDER's `1_t2_SPACE`, CMRxMotion's `P001-1`; a site's patients are numbered `site1_001`); the subject
# may be a folder of its versions' folders (MSLesSeg's `train/P1/T1`: patient P1's first visit)
_LEADING_ID = re.compile(r"(?P<subject>(?:.*/)?[a-z]*\d+)[_\-/](?P<version>[a-z][^/]*|\d)", re.IGNORECASE)
_MOST_VERSIONS = 4  # a subject's sequences, visits or scans; more are the cases of a site numbering its own
_TIMEPOINT = re.compile(r"(?P<subject>.*\d)-(?P<timepoint>\d{3})")  # BraTS 2023's BraTS-GLI-00005-001
# a processing stage naming a folder of a case's volumes (MSLUB's raw/ and preprocessed/, MSSEG-2016's Raw_Data/)
_STAGE_WORDS = {"raw", "orig", "original", "native", "pre", "preprocessed", "processed", "registered",
                "coregistered", "resampled", "normalized", "normalised", "skullstripped", "stripped", "corrected"}


def with_version_groups(layout: Layout) -> Layout:
    """`layout` with the cases of each folder that are versions of one subject (module doc) in one
    group, named by the words every version shares around the number (`topcow_001`), or by the id
    leading their groups' names (`leading_subjects`), after grouping a subject's numbered lesions,
    slices or frames (`_numbered_parts_together`); cases it groups already keep their group. How
    they were grouped is logged and kept for `seglab inspect`."""
    _numbered_parts_together(layout)
    by_folder: dict[Path, list[str]] = {}
    for subject in layout.subjects:
        if layout.groups.get(subject.name, subject.name) == subject.name:
            by_folder.setdefault(subject.images[0].parent, []).append(subject.name)
    for folder, cases in by_folder.items():
        found = version_subjects(cases)
        if found:
            layout.groups.update(found)
            _grouped(layout, f"{folder}: {len(found)} cases are {len(set(found.values()))} subjects' versions, named "
                             f"alike but for words around one number ('{cases[0]}' is '{found[cases[0]]}'): a split "
                             "keeps each subject's versions together")
    groups = {s.name: layout.groups.get(s.name, s.name) for s in layout.subjects}
    subjects = leading_subjects(set(groups.values()))
    if subjects:
        layout.groups.update({case: subjects.get(group, group) for case, group in groups.items()})
        example = min(subjects)
        _grouped(layout, f"{len(set(subjects.values()))} subjects in the case names, by the id before each one's "
                         f"sequence, visit or scan ('{example}' is '{subjects[example]}'): a split keeps each subject's "
                         "scans together")
    elif subjects := timepoint_subjects(set(groups.values())):
        layout.groups.update({case: subjects[group] for case, group in groups.items()})
        held = Counter(subjects.values())
        example = max(name for name, subject in subjects.items() if held[subject] > 1)  # a later timepoint
        _grouped(layout, f"{len(set(subjects.values()))} subjects in the case names, by the id before each one's "
                         f"timepoint ('{example}' is '{subjects[example]}'): a split keeps each subject's scans together")
    return layout


def _numbered_parts_together(layout: Layout) -> None:
    """The cases of `layout` that no group holds yet, named as a subject's numbered lesion, slice or
    frame (`subject_of`: ULS23's `case_00000_lesion_01`), grouped as that subject where some subject
    has several: a patient's lesions, split apart, would be scored on the patient trained on."""
    found = {s.name: subject for s in layout.subjects
             if layout.groups.get(s.name, s.name) == s.name and (subject := subject_of(s.name)) is not None}
    if max(Counter(found.values()).values(), default=0) < 2:
        return
    layout.groups.update(found)
    example = min(found)
    _grouped(layout, f"{len(found)} cases are {len(set(found.values()))} subjects' numbered lesions, slices or frames, "
                     f"by the name before the number ('{example}' is '{found[example]}'): a split keeps each "
                     "subject's cases together")


def _grouped(layout: Layout, line: str) -> None:
    """Log how `layout`'s cases were grouped, and keep it for `seglab inspect`."""
    log.info("%s", line)
    layout.grouping.append(line)


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


def leading_subjects(names: Collection[str]) -> dict[str, str]:
    """name -> its subject, when most names start with a subject's id (a number, or letters and a
    number) and end in one of a few versions of its scans (SPIDER's `1_t1`, `1_t2`, `1_t2_SPACE`;
    CMRxMotion's `P001-1`, a scan's one digit; MSLesSeg's `train/P1/T1`, a visit's folder in the
    subject's): most subjects hold several, no more than `_MOST_VERSIONS`, one version more than half
    the subjects hold (the protocol's, not another patient's number: CTPelvic1K's `dataset1_0001`,
    `dataset6_CLINIC_0001`, whose 'versions' each one subject holds) and none a split word, and more
    than half the names are of this form; empty otherwise. Names of another form are left out."""
    found = {name: match for name in names if (match := _LEADING_ID.fullmatch(name))}
    versions: dict[str, set[str]] = {}
    for match in found.values():
        versions.setdefault(match["subject"], set()).add(match["version"].lower())
    held = Counter(version for held_by_one in versions.values() for version in held_by_one)
    if len(versions) < 2 or len(found) <= len(names) / 2 or max(map(len, versions.values())) > _MOST_VERSIONS \
            or sum(len(held_by_one) > 1 for held_by_one in versions.values()) < len(versions) / 2 \
            or max(held.values()) <= len(versions) / 2 or any(folder_split(version) for version in held):
        return {}
    return {name: match["subject"] for name, match in found.items()}


def timepoint_subjects(names: Collection[str]) -> dict[str, str]:
    """name -> its subject, when every name is a case id ending in a number, then a hyphen and a
    timepoint's three digits (BraTS 2023's `BraTS-GLI-00005-000`, `BraTS-GLI-00005-001`), each
    subject's timepoints run on from its first, more than half the subjects hold the lowest alone
    (scanned once), some several and none more than `_MOST_VERSIONS`; empty otherwise. Sites
    numbering their patients (`site1-001`, `site1-002`) hold several each, more, or leave gaps.
    Unlike `leading_subjects`, few subjects need several."""
    found = {name: match for name in names if (match := _TIMEPOINT.fullmatch(name))}
    timepoints: dict[str, set[int]] = {}
    for match in found.values():
        timepoints.setdefault(match["subject"], set()).add(int(match["timepoint"]))
    if not found or len(found) < len(names) or not 1 < max(map(len, timepoints.values())) <= _MOST_VERSIONS:
        return {}
    lowest = min(min(held) for held in timepoints.values())
    if any(held != set(range(min(held), min(held) + len(held))) for held in timepoints.values()) \
            or sum(held == {lowest} for held in timepoints.values()) <= len(timepoints) / 2:
        return {}
    return {name: match["subject"] for name, match in found.items()}


def stage_versions(layouts: Sequence[Layout]) -> list[str]:
    """The names of the case folders that each of `layouts` (a subject folder's cases each) holds,
    when they are versions of its one case (module doc): two or more, the same in every subject
    folder, each named for a processing stage, with a label volume of one name; empty otherwise."""
    names = {tuple(sorted(s.name for s in layout.subjects)) for layout in layouts}
    labels = {s.label.name for layout in layouts for s in layout.subjects}
    versions = next(iter(names)) if len(names) == 1 and len(labels) == 1 else ()
    if len(versions) < 2 or not all(_STAGE_WORDS & set(_words(v.lower())) for v in versions):
        return []
    return list(versions)


def _version_and_number(case: str) -> tuple[str, str] | None:
    """`topcow_ct_001` -> (`topcow_ct_#`, `001`); None for a name of no number or several."""
    found = _ONE_NUMBER.fullmatch(case)
    return (f"{found['before']}#{found['after']}", found["number"]) if found else None


def _words(name: str) -> list[str]:
    return [word for word in _WORD_SPLIT.split(name) if word]
