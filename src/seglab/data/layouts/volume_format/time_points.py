"""A case folder's scans of several time points, each volume named its scan's name and a word.

The ISBI 2015 longitudinal MS challenge ships a patient's visits in one folder:
`training01/preprocessed/training01_01_flair_pp.nii` ... `training01_01_t2_pp.nii` beside
`masks/training01_01_mask1.nii` and `_mask2.nii` (two raters), for time points `_01` to `_05`.
Read as one case, every time point's sequences were its channels and every label volume a rival
label; each time point is a case of its own, the patient's folder their group.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from seglab.data.files.volumes import volume_stem

_SEPARATORS = "_-."
_NUMBER_WORD = re.compile(r"(?:^|(?<=[_\-.]))\d+(?=$|[_\-.])")  # a time point's `_01`, a word that is a number


def time_point_scans(images: Sequence[Path], labels: Sequence[Path]) -> dict[str, tuple[tuple[Path, ...], list[Path]]]:
    """scan -> its image volumes and label volumes. A label's scan is the longest name it shares with an
    image up to a separator (`training01_01` of `training01_01_mask1` and `training01_01_flair_pp`), its
    images those named it and a word. Only when the labels name two scans or more, alike but for a
    word that is a number (time points, not Prostate158's modalities `t2_anatomy_reader1` and
    `adc_tumor_reader1`), and every image is one scan's; empty otherwise."""
    stems = [volume_stem(image) for image in images]
    scans: dict[str, tuple[list[Path], list[Path]]] = {}
    for label in labels:
        scan = max((_shared_name(volume_stem(label), stem) for stem in stems), key=len, default="")
        if not scan:
            return {}
        scans.setdefault(scan, ([], []))[1].append(label)
    if len(scans) < 2 or len({_NUMBER_WORD.sub("#", scan) for scan in scans}) > 1:
        return {}
    for image, stem in zip(images, stems):
        owners = [scan for scan in scans if _named(stem, scan)]
        if len(owners) != 1:
            return {}
        scans[owners[0]][0].append(image)
    return {scan: (tuple(found), held) for scan, (found, held) in scans.items()}


def _shared_name(label: str, image: str) -> str:
    """The longest start of both names that ends each or a word of each; empty when none does."""
    shared = os.path.commonprefix([label, image])
    end = next((n for n in range(len(shared), 0, -1)
                if all(len(name) == n or name[n] in _SEPARATORS for name in (label, image))), 0)
    return shared[:end]


def _named(name: str, scan: str) -> bool:
    """Whether `name` is `scan`, or `scan` and a word after a separator."""
    return name == scan or (name.startswith(scan) and name[len(scan)] in _SEPARATORS)
