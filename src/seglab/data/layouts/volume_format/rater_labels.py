"""Label volumes of one image by several raters, each named the image and a rater's number (LNDb's
`masks/LNDb-0001_rad1.mhd`, `_rad2`, `_rad3` for `data0/LNDb-0001.mhd`): rival labels of one case,
not cases of their own; which rater to train on is the user's choice (`--masks '*_rad1.mhd'`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data.files.slice_cache import Subject
from seglab.data.files.volumes import volume_stem
from seglab.data.layouts.volume_format.cases import Layout
from seglab.data.layouts.volume_format.subject_folders import rival_labels

_RATER = re.compile(r"(.+)[_-]([A-Za-z]*\d+)")  # an image's name and a rater's: LNDb-0001_rad1


def rater_cases(images: Sequence[Path], labels: Sequence[Path], label_file: str | None) -> Layout | None:
    """The cases of images whose label volumes are named each the image's name and a rater's number,
    the label of each the one `label_file` (`--masks`, a name or pattern) picks; None unless every
    label volume is so named and an image has two or more.

    Raises:
        DataError: no `label_file` picking one (`rival_labels`: each rater offered as `--masks`).
    """
    by_image = _raters(images, labels)
    if not any(len(found) > 1 for found in by_image.values()):
        return None
    if label_file is None:
        raise rival_labels(by_image, "images")
    picked = {stem: [p for p in found if fnmatchcase(p.name.lower(), label_file.lower())]
              for stem, found in by_image.items()}
    if any(len(found) > 1 for found in picked.values()):  # a pattern of several raters ('*.mhd'): no choice made
        raise rival_labels(by_image, "images")
    layout = Layout()
    for image in images:
        stem = volume_stem(image)
        if picked.get(stem):
            layout.subjects.append(Subject(stem, (image,), picked[stem][0]))
        else:  # LNDb's scans are read by 1 to 3 of its raters: one the picked rater did not read is unlabelled
            layout.unlabelled.append(image)
        layout.ignored += [p for p in by_image.get(stem, []) if p not in picked.get(stem, [])]
    return layout if layout.subjects else None


def _raters(images: Sequence[Path], labels: Sequence[Path]) -> dict[str, list[Path]]:
    """image name -> its label volumes, when every label is named an image's name and a rater's number; else empty."""
    stems = {volume_stem(p) for p in images}
    by_image: dict[str, list[Path]] = {}
    for label in labels:
        found = _RATER.fullmatch(volume_stem(label))
        if found is None or found.group(1) not in stems:
            return {}
        by_image.setdefault(found.group(1), []).append(label)
    return by_image
