"""Volumes to predict, grouped into cases by their channel suffixes or modality words."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.channel_files import nnunet_cases
from seglab.data.files.index import natural_key
from seglab.data.layouts.volume_format.cases import _MODALITY, is_label_volume
from seglab.data.files.volumes import volume_stem
from seglab.errors import DataError

log = logging.getLogger(__name__)

Case = tuple[str, tuple[Path, ...]]  # a case's name and its channel volumes, in the model's order


def modality_cases(volumes: Sequence[Path], modalities: Sequence[str]) -> tuple[list[Case], list[Path]]:
    """The cases of `<case>__<MODALITY>` volumes (HECKTOR's `CHUM-050__CT`, `CHUM-050__PT`) for a
    model trained on `modalities` (its card's, in order), and the volumes named otherwise.

    A modality word is one of the model's or one beside them in a case of one folder; each
    case's volumes of the model's modalities are its channels, in the model's order, and the
    others (HECKTOR's PET for a CT model) are left out with one log line naming them. Only with
    such evidence: a model without modalities, or a volume whose word is none of these, leaves
    the volume to `volume_cases`, as before.

    Raises:
        DataError: a case that lacks a modality the model was trained on, naming its volumes.
    """
    named: dict[tuple[Path, str], dict[str, Path]] = {}  # (folder, case) -> modality -> its volume
    for path in volumes:
        match = _MODALITY.fullmatch(volume_stem(path)) if modalities and path.is_file() else None
        if match:
            named.setdefault((path.parent, match.group(1)), {})[match.group(2)] = path
    words = {*modalities, *(word for found in named.values() if set(found) & set(modalities) for word in found)}
    cases: list[Case] = []
    grouped: set[Path] = set()
    left_out: list[tuple[str, Path]] = []
    for (folder, case), found in named.items():
        kept = {word: path for word, path in found.items() if word in words}
        if not kept:
            continue
        missing = [m for m in modalities if m not in kept]
        if missing:
            raise DataError(f"case {case} in '{folder}' has no {' or '.join(missing)} volume (given: "
                            f"{', '.join(repr(p.name) for p in kept.values())}): the model was trained on the "
                            f"{', '.join(modalities)} volumes of each case (<case>__<MODALITY> files); add the "
                            "case's missing volume beside them, or leave its files out of the inputs")
        cases.append((case, tuple(kept[m] for m in modalities)))
        grouped.update(kept.values())
        left_out += [(word, path) for word, path in kept.items() if word not in modalities]
    if left_out:
        others = sorted({word for word, _ in left_out}, key=natural_key)
        log.info("left out %d volume(s) of modality %s (e.g. '%s'): the model was trained on %s only", len(left_out),
                 ", ".join(f"'{w}'" for w in others), left_out[0][1], ", ".join(modalities))
    return cases, [path for path in volumes if path not in grouped]


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
        subject = _modality_stem(modalities) if len(modalities) == channels > 1 else None
        if subject is not None:
            found.append((subject, tuple(sorted(modalities, key=lambda p: natural_key(p.name)))))
        found += [(key, tuple(files)) for key, files in named if subject is None or files[0] not in singles]
    return found


def _modality_stem(files: Sequence[Path]) -> str | None:
    """The stem that two or more volumes share before a modality word each (`BraTS_001_` +
    `flair`, `t1`, ...), without its separator; None when they are not so named."""
    stems = [volume_stem(p) for p in files]
    if len(stems) < 2:
        return None
    shared = os.path.commonprefix(stems)
    cut = max(shared.rfind(sep) for sep in "_-.")
    words = [stem[cut + 1:] for stem in stems]
    if cut < 1 or not all(w and w[0].isalpha() for w in words):
        return None
    return shared[:cut]
