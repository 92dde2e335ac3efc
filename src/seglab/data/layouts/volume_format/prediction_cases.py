"""Volumes to predict, grouped into cases by their channel suffixes, modality words or modality folders."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from seglab.data.discovery.channel_files import nnunet_cases
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import natural_key
from seglab.data.layouts.volume_format.cases import is_label_volume, matched_cases, modality_stem, volumes_in
from seglab.data.layouts.volume_format.modality_folders import case_id, names_a_modality
from seglab.data.layouts.volume_format.modality_grids import on_label_grid
from seglab.data.files.volumes import volume_stem
from seglab.errors import DataError

log = logging.getLogger(__name__)

Case = tuple[str, tuple[Path, ...]]  # a case's name and its channel volumes, in the model's order
_SEPARATOR = re.compile(r"__?|[-.]")  # between a case's name and a modality word, as `cases` splits them


def modality_cases(volumes: Sequence[Path], modalities: Sequence[str]) -> tuple[list[Case], list[Path]]:
    """The cases of volumes named a case and a modality word (HECKTOR's `CHUM-050__CT` and
    `CHUM-050__PT`, HaN-Seg's `case_01_IMG_CT` and `case_01_IMG_MR_T1`, as training named them:
    `cases.case_modalities`) or a modality word alone, one folder a case named by it (autoPET's
    `<study>/CTres.nii.gz`, `PET`, `SUV`; WMH's `<case>/pre/FLAIR.nii.gz`, `T1`: the other volumes
    of that folder, its label or CT, left out with one log line) for a model trained on
    `modalities` (its card's, in order), and the volumes named otherwise.

    A modality word is one of the model's or one that follows, in a volume of the same folder,
    the name of a case that a volume of the model's modalities gives; each case's volumes of the
    model's modalities are its channels, in the model's order, and the others (HECKTOR's PET for
    a CT model, HaN-Seg's MR) are left out with one log line naming them. Only with such evidence:
    a model without modalities, or a volume whose word is none of these, leaves the volume to
    `volume_cases`, as before.

    Raises:
        DataError: a case that lacks a modality the model was trained on, naming its volumes.
    """
    files = [path for path in volumes if path.is_file()] if modalities else []
    named: dict[tuple[Path, str], dict[str, Path]] = {}  # (folder, case) -> modality -> its volume
    for path in files:  # autoPET's <study>/CTres.nii.gz, PET, SUV; WMH's <case>/pre/FLAIR.nii.gz, T1
        if volume_stem(path) in modalities:  # the case is its folder, named even when given as "."
            named.setdefault((path.parent, path.absolute().parent.name), {})[volume_stem(path)] = path
    bare = {folder: case for folder, case in named}
    others = [path for path in files if path.parent in bare and path not in named[path.parent, bare[path.parent]].values()]
    if others:
        log.info("left out %d volume(s) beside the %s volumes named as the model's modalities (e.g. '%s'): not "
                 "one of its channels", len(others), ", ".join(modalities), others[0])
    files = [path for path in files if path.parent not in bare]
    of_model = {(path.parent, found[0]) for path in files
                if (found := _case_and_word(path, lambda _, word: word in modalities))}
    words = set(modalities)
    for path in files:  # the words beside them: HECKTOR's `PT` of `CHUM-050__PT` beside `CHUM-050__CT`
        found = _case_and_word(path, lambda case, word: (path.parent, case) in of_model and word[0].isalpha())
        words.update(found[1:] if found else ())
    for path in files:
        found = _case_and_word(path, lambda _, word: word in words)
        if found:
            named.setdefault((path.parent, found[0]), {})[found[1]] = path
    cases: list[Case] = []
    grouped: set[Path] = set()
    left_out: list[tuple[str, Path]] = []
    for (folder, case), kept in named.items():
        missing = [m for m in modalities if m not in kept]
        if missing:
            word, given = next(iter(kept.items()))
            wanted = ", ".join(repr(_with_word(given, word, m)) for m in missing)
            raise DataError(f"case {case} in '{folder}' has no {' or '.join(missing)} volume (given: "
                            f"{', '.join(repr(p.name) for p in kept.values())}): the model was trained on the "
                            f"{', '.join(modalities)} volumes of each case, named as these are; add {wanted} beside "
                            "them, or leave the case's files out of the inputs")
        cases.append((case, tuple(kept[m] for m in modalities)))
        grouped.update(kept.values())
        left_out += [(word, path) for word, path in kept.items() if word not in modalities]
    if left_out:
        others = sorted({word for word, _ in left_out}, key=natural_key)
        log.info("left out %d volume(s) of modality %s (e.g. '%s'): the model was trained on %s only", len(left_out),
                 ", ".join(f"'{w}'" for w in others), left_out[0][1], ", ".join(modalities))
    return cases, [path for path in volumes if path not in grouped and path not in others]


def modality_folders(beside: Path, modalities: Sequence[str]) -> list[Path]:
    """The subfolders of volume `beside`'s folder holding a volume named as each of `modalities`,
    those on its grid first (WMH's `0/pre/` beside `0/wmh.nii.gz`, then `0/orig/`, each with
    `FLAIR.nii.gz` and `T1.nii.gz`): where a case's channels lie when a volume beside them, its
    label, was given instead."""
    held = {sub: volumes_in(sub) for sub in sorted(subfolders(beside.parent), key=lambda p: natural_key(p.name))}
    folders = {sub: files for sub, files in held.items() if set(modalities) <= {volume_stem(p) for p in files}}
    return sorted(folders, key=lambda sub: not on_label_grid(folders[sub], beside))


def _case_and_word(path: Path, fits: Callable[[str, str], bool]) -> tuple[str, str] | None:
    """A volume's name as a case and a modality word after a separator (`CHUM-050` + `PT`,
    `case_01_IMG` + `MR_T1`) that `fits`, the longest such case; None when none fits."""
    stem = volume_stem(path)
    for separator in reversed(list(_SEPARATOR.finditer(stem))):
        case, word = stem[:separator.start()], stem[separator.end():]
        if case and word and fits(case, word):
            return case, word
    return None


def _with_word(path: Path, word: str, modality: str) -> str:
    """The name of `path`'s volume of another modality: its modality `word` (at the end of its
    stem) replaced, its separator and suffix kept (iSeg's `subject-11-T2.hdr` -> `subject-11-T1.hdr`,
    HECKTOR's `CHUM-051__PT.nii.gz` -> `CHUM-051__CT.nii.gz`)."""
    end = len(volume_stem(path))
    return f"{path.name[:end - len(word)]}{modality}{path.name[end:]}"


def volume_cases(volumes: Sequence[Path], channels: int) -> list[Case]:
    """Volumes to predict as cases (name, channel files in order) for a model of `channels`:
    nnU-Net's `case_0000`, `case_0001`, ... of one folder as case `case`; a folder's `channels`
    volumes that are one stem and a modality word each (BraTS' `BraTS_001_flair`, `_t1`, `_t1ce`,
    `_t2`) as that stem, its label volume left out; any other volume (a 4-D NIfTI, a DICOM
    series) alone, by its name."""
    channel_of = nnunet_cases(p for p in volumes if p.is_file())
    cases: dict[tuple[Path, str], list[Path]] = {}
    for path in volumes:
        key = channel_of.get(path, volume_stem(path))
        cases.setdefault((path.parent, key), []).append(path)
    by_folder: dict[Path, list[tuple[str, list[Path]]]] = {}
    for (folder, key), files in cases.items():
        by_folder.setdefault(folder, []).append((key, sorted(files, key=lambda p: natural_key(p.name))))
    found = []
    for folder, named in by_folder.items():
        singles = [files[0] for _, files in named if len(files) == 1 and files[0].is_file()]
        modalities = [p for p in singles if not is_label_volume(p)]
        subject = modality_stem(modalities) if len(modalities) == channels > 1 else None
        if subject is not None:
            found.append((subject, tuple(sorted(modalities, key=lambda p: natural_key(p.name)))))
        found += [(key, tuple(files)) for key, files in named if subject is None or files[0] not in singles]
    return _first_channels(found, channel_of.keys(), channels)


def _first_channels(cases: list[Case], numbered: Collection[Path], channels: int) -> list[Case]:
    """`cases` with each case of more numbered channel files than the model's `channels` read with
    its first ones, `_0000` on: the channels the run was trained on, as training reads the numbered
    channels every case has (`channel_counts`: MAMA-MIA's `ispy2_100899_0000` ... `_0005`, 6 DCE
    phases, for a model of the 3 every case had); said in one log line naming them."""
    longer = [(case, files) for case, files in cases if files[0] in numbered and len(files) > channels]
    if not longer:
        return cases
    case, files = longer[0]
    log.info("%d case(s) of more numbered channel files than the model's %d channels (e.g. %s: %s): each is read "
             "with %s, the channels the run was trained on (training reads those every case has), the later ones "
             "left out", len(longer), channels, case, ", ".join(_number(p) for p in files),
             ", ".join(_number(p) for p in files[:channels]))
    return [(case, files[:channels] if files[0] in numbered else files) for case, files in cases]


def _number(path: Path) -> str:
    """A numbered channel file's channel (`_0003` of `ispy2_100899_0003.nii.gz`)."""
    return f"_{volume_stem(path)[-4:]}"


def modality_folder_cases(volumes: Sequence[Path], channels: int) -> tuple[list[Case], list[Path]]:
    """The cases of volumes in `channels` folders side by side, each named for a modality, as
    training read them beside a label folder (`modality_folders`: BONBID-HIE's `1ADC_ss/` and
    `2Z_ADC/` beside `3LABEL/`): a volume of each folder, in folder order, matched to the first
    folder's by name as training matched each folder's to the labels (`matched_cases`), named by
    what their names share (`MGHNICU_010-VISIT_01-ADC`); and the other volumes. A volume matched in not
    every folder is left to the others, refused there as too few channels."""
    by_folder: dict[Path, list[Path]] = {}
    for path in volumes:
        if path.is_file() and names_a_modality(path.parent.name):
            by_folder.setdefault(path.parent, []).append(path)
    beside: dict[Path, list[Path]] = {}
    for folder in sorted(by_folder, key=lambda d: natural_key(d.name)):
        beside.setdefault(folder.absolute().parent, []).append(folder)
    cases: list[Case] = []
    for first, *others in (folders for folders in beside.values() if len(folders) == channels > 1):
        matched = [{s.label: s.images for s in matched_cases(by_folder[d], by_folder[first], first.name).subjects}
                   for d in others]
        for volume in by_folder[first]:
            images = (volume, *(p for found in matched for p in found.get(volume, ())))
            if len(images) == channels:
                cases.append((case_id(images), images))
    grouped = {path for _, images in cases for path in images}
    return cases, [path for path in volumes if path not in grouped]
