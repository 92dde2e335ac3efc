"""Volumes to predict, grouped into cases by their channel suffixes or modality words."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from seglab.data.files.index import natural_key
from seglab.data.layouts.volume_format.cases import _CHANNEL, is_label_volume
from seglab.data.files.volumes import volume_stem


def volume_cases(volumes: Sequence[Path], channels: int) -> list[tuple[str, tuple[Path, ...]]]:
    """Volumes to predict as cases (name, channel files in order) for a model of `channels`:
    nnU-Net's `case_0000`, `case_0001`, ... of one folder as case `case`; a folder's `channels`
    volumes that are one stem and a modality word each (BraTS' `BraTS_001_flair`, `_t1`, `_t1ce`,
    `_t2`) as that stem, its label volume left out; any other volume (a 4-D NIfTI, a DICOM
    series) alone, by its name."""
    cases: dict[tuple[Path, str], list[Path]] = {}
    for path in volumes:
        stem = volume_stem(path)
        key = _CHANNEL.sub("", stem) if path.is_file() and _CHANNEL.search(stem) else stem
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
