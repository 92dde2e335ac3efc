"""From the names to the groups: a shipped subject table first, else the subject rules tried in
turn (the first that reads subjects wins), the subjects of one case merged (its clips, versions,
or copies in sibling trees), and each pair grouped by its subject, with the line `seglab inspect`
shows saying how."""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from seglab.data.discovery.naming import folder_split
from seglab.data.discovery.naming.case_versions import case_name
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.splitting.subject_tables import SubjectTable, find_subject_table
from seglab.data.splitting.subjects.evidence import MIN_CASES
from seglab.data.splitting.subjects.file_names import (
    by_case_id,
    by_case_slice,
    by_crop_source,
    by_leading_id,
    by_place_before_sensor,
    by_scene_id,
    by_slice_token,
    by_subject_number,
    by_tile_source,
)
from seglab.data.splitting.subjects.folders import (
    by_case_folder,
    by_eye,
    by_frame_folder,
    by_numbered_folder,
    by_numbered_folder_pair,
    by_repeated_names,
)
from seglab.data.splitting.subjects.name_parts import NAME_PART, last_part, shown_path
from seglab.data.splitting.subjects.sibling_trees import (
    by_dates,
    by_parallel_trees,
    by_repeated_top_trees,
    by_shared_mask,
)

log = logging.getLogger(__name__)
CLIP = re.compile(r"(?P<case>.+)[_\-]\d+")  # SUN-SEG's case1_3: clip 3 of case 1


def with_subjects(index: DatasetIndex) -> DatasetIndex:
    """`index` with each pair's subject as its group, when a shipped table or the names give them
    (see the package's doc); unchanged when any pair has a group already or neither says."""
    if not index.pairs or any(p.group is not None for p in index.pairs):
        return index
    if (table := find_subject_table(index.pairs, index.root)) is not None:
        return _by_table(index, table)
    found = (by_dates(index.pairs, index.root) or by_slice_token(index.pairs) or by_case_id(index.pairs)
             or by_numbered_folder(index.pairs)
             or by_subject_number(index.pairs, index.root)
             or by_eye(index.pairs, index.root) or by_case_folder(index.pairs, index.root, index.label_folders)
             or by_numbered_folder_pair(index.pairs, index.root)
             or by_repeated_names(index.pairs, index.root) or by_frame_folder(index.pairs, index.root)
             or by_case_slice(index.pairs) or by_place_before_sensor(index.pairs) or by_scene_id(index.pairs)
             or by_crop_source(index.pairs) or by_tile_source(index.pairs) or by_leading_id(index.pairs)
             or by_shared_mask(index.pairs, index.root) or by_parallel_trees(index.pairs, index.root)
             or by_repeated_top_trees(index.pairs, index.root))
    if found is None:
        return index
    subjects, how = found
    subjects, clips = _clips_together(subjects)
    how += ", clips of one case together" if clips else ""
    subjects, versions = _versions_together(subjects)
    how += ", versions of one case together" if versions else ""
    subjects, variants = _variants_together(subjects)
    how += ", a case's folder in each sibling tree together" if variants else ""
    example = next(p for p in index.pairs if p.name in subjects)
    shown = _example_name(example, index.pairs)
    line = (f"{len(set(subjects.values()))} subjects in the names, by {how} ('{shown}' is "
            f"'{subjects[example.name]}'): a split keeps each subject's images together")
    return _grouped(index, subjects, line)


def _clips_together(subjects: dict[str, str]) -> tuple[dict[str, str], bool]:
    """SUN-SEG's `Frame/case1_1/` and `Frame/case1_3/` -> `Frame/case1`: subjects named as a case
    (a last word holding a letter and a number) and a clip number after it, when some case has
    several clips: clips of one patient's video look alike. A name without a number before its own
    (TNBC's `Slide_01`, `Slide_02`; SA-Med2D-20M's `ct_00--AbdomenCT1K--Case_00001`, whose digits lie
    in words before) names no case. Whether any were put together."""
    return _cases_together(subjects, _clip_case)


def _clip_case(last: str) -> str | None:
    """The case a subject's last part names before its clip number (`case1` of `case1_3`), None where none."""
    found = CLIP.fullmatch(last)
    words = NAME_PART.findall(found["case"]) if found else []  # none in a case of separators alone (`__1`)
    word = words[-1] if words else ""
    return found["case"] if any(c.isalpha() for c in word) and any(c.isdigit() for c in word) else None


def _versions_together(subjects: dict[str, str]) -> tuple[dict[str, str], bool]:
    """SenNet + HOA 2023's `train/kidney_1_dense` and `train/kidney_1_voi` -> `train/kidney_1`:
    subjects named as versions of one case (`versioned_case`), or as the case itself, where the
    case has several: one kidney labelled twice over, split apart, is scored on what was trained
    on. Whether any were put together."""
    return _cases_together(subjects, case_name)


def _variants_together(subjects: dict[str, str]) -> tuple[dict[str, str], bool]:
    """CVC-MUSCIMA's `CvcMuscima-Distortions/ideal/w-01` and `curvature/w-01` -> `CvcMuscima-Distortions/w-01`:
    subject folders whose names hold a number (a writer, a patient) in each of two or more sibling
    folders that hold the same such folders, each with the same file names: one tree rendered or
    imaged each way (a writer's pages under every distortion), whose copies of a page, split apart,
    are scored as unseen. The files are their paths below the subject folder (ROBUST-MIS' patients'
    `<frame>/raw.png` differ by frame). Sites numbering their patients anew hold other patients and
    other images (`folders._sequences_together` tells them by their sets). Whether any were put together."""
    files: dict[str, set[str]] = {}
    for name, subject in subjects.items():
        if name.startswith(f"{subject}/"):  # a folder's subject, not a name's
            files.setdefault(subject, set()).add(name.removeprefix(f"{subject}/").lower())
    trees: dict[str, dict[str, dict[str, frozenset[str]]]] = {}  # a parent -> its folders -> their cases' files
    for subject, held in files.items():
        tree, _, case = subject.rpartition("/")
        parent, _, variant = tree.rpartition("/")
        if variant and folder_split(variant) is None and any(c.isdigit() for c in case):
            trees.setdefault(parent, {}).setdefault(variant, {})[case] = frozenset(held)
    merged = {}
    for parent, variants in trees.items():
        alike = Counter(frozenset(cases.items()) for cases in variants.values())
        for variant, cases in variants.items():
            if alike[frozenset(cases.items())] > 1 and len(cases) >= MIN_CASES:
                merged.update({f"{parent}/{variant}/".lstrip("/") + case: f"{parent}/{case}".lstrip("/")
                               for case in cases})
    return {name: merged.get(subject, subject) for name, subject in subjects.items()}, bool(merged)


def _cases_together(subjects: dict[str, str], case_of_last: Callable[[str], str | None]) -> tuple[dict[str, str], bool]:
    """Each subject as the case `case_of_last` reads in its last part (None: no case), where that
    case is read in several subjects. Whether any were put together."""
    case_of = {}
    for subject in set(subjects.values()):
        head, _, last = subject.rpartition("/")
        if (case := case_of_last(last)) is not None:
            case_of[subject] = f"{head}/{case}" if head else case
    counts = Counter(case_of.values())
    merged = {subject: case for subject, case in case_of.items() if counts[case] > 1 and case != subject}
    return {name: merged.get(subject, subject) for name, subject in subjects.items()}, bool(merged)


def _grouped(index: DatasetIndex, subjects: dict[str, str], line: str) -> DatasetIndex:
    """`index` with each pair grouped by its subject (a pair without one is a group of its own),
    and `line` logged and kept for `seglab inspect`."""
    log.info("%s: %s", index.root, line)
    pairs = [replace(p, group=subjects.get(p.name, p.name)) for p in index.pairs]
    return replace(index, pairs=pairs, pairing=[*index.pairing, line])


def _by_table(index: DatasetIndex, table: SubjectTable) -> DatasetIndex:
    """`index` grouped by `table`, which is read now and so no longer listed as ignored."""
    unlisted = len(index.pairs) - len(table.subjects)
    line = (f"split by the {table.column} of {shown_path(table.path, index.root)}: "
            f"{len(set(table.subjects.values())) + unlisted:,} groups"
            + (f" ({unlisted:,} pairs it gives no {table.column}: a group each)" if unlisted else ""))
    ignored = [p for p in index.ignored if os.path.abspath(p) != os.path.abspath(table.path)]
    return _grouped(replace(index, ignored=ignored), table.subjects, line)


def _example_name(example: Pair, pairs: list[Pair]) -> str:
    """`example`'s name as the log shows it: its file's, or its whole name where other pairs' files
    share it (ROBUST-MIS' `raw` of every frame folder), which would say nothing."""
    last = last_part(example.name)
    return last if sum(last_part(p.name) == last for p in pairs) == 1 else example.name
