"""Volumes whose voxels are a label's, whatever their names: rival labels, never channels.

SAROS ships `case_000/image.nii.gz` beside the label volumes of two tasks, `body-regions.nii.gz`
and `body-parts.nii.gz`, neither named as a label. With `--masks body-regions.nii.gz` picking one,
the other became the image's second channel: the model was handed a label. A label volume holds
few whole values in regions (most neighbouring voxels alike); an image holds intensities, fractions
or hundreds of values that vary from voxel to voxel (a CT's noise, an MR's). Judged once per file
name, on the first case folder holding it: a dataset's cases name their volumes alike.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.discovery.folders.content import fractional
from seglab.data.files.volumes import read_volume

log = logging.getLogger(__name__)

_MOST_VALUES = 256  # a label's classes (TotalSegmentator's 117, dHCP's 87 regions) and a fill value or two
_ALIKE_SHARE = 0.5  # of neighbouring voxel pairs outside the background: an image's vary with its noise
_VALUE_RANGE = 1 << 16  # label ids span less (FreeSurfer's reach 14175); a wider range is an image's


class LabelVoxels:
    """`holds_label_values`, remembered by file name for one discovery (a dataset's cases name
    their volumes alike, so the first case's judges the others'), and the volumes set aside so."""

    def __init__(self) -> None:
        self._verdicts: dict[str, bool] = {}
        self.set_aside: list[Path] = []

    def rivals(self, images: Sequence[Path]) -> list[Path]:
        """The volume files of `images` that hold a label's voxels, now set aside; none when that
        would leave no image."""
        for path in images:
            if path.is_file() and path.name not in self._verdicts:
                self._verdicts[path.name] = holds_label_values(path)
        found = [p for p in images if self._verdicts.get(p.name, False)]
        found = found if len(found) < len(images) else []
        self.set_aside += found
        return found

    def log_set_aside(self, label_file: str) -> None:
        """One log line for the volumes set aside as rival labels beside those `--masks` picked."""
        if not self.set_aside:
            return
        names = sorted({p.name for p in self.set_aside})
        log.info("set aside %s beside '%s' in %d case folders: its voxels are a label's (few whole values in "
                 "regions), not an image's, so it is no channel; to train on it, pick it: %s",
                 ", ".join(f"'{n}'" for n in names), label_file, len({p.parent for p in self.set_aside}),
                 ", or ".join(f"--masks {shlex.quote(n)}" for n in names))


def holds_label_values(path: Path) -> bool:
    """Whether the volume file `path` holds a label's voxels: whole values, two to `_MOST_VALUES`
    of them (one alone fills a blank volume), and most neighbouring voxels outside the background alike.

    Raises:
        DataError: a file that cannot be read, naming it.
    """
    voxels = read_volume([path]).voxels[..., 0]
    low, high = float(voxels.min(initial=0)), float(voxels.max(initial=0))
    if not np.isfinite([low, high]).all() or high - low >= _VALUE_RANGE or fractional(voxels):
        return False
    if not 2 <= np.count_nonzero(np.bincount((voxels - low).astype(np.int32).ravel())) <= _MOST_VALUES:
        return False
    pairs = [_neighbours(voxels, axis) for axis in range(voxels.ndim)]
    foreground = sum(int(np.count_nonzero((a != 0) | (b != 0))) for a, b in pairs)
    alike = sum(int(np.count_nonzero((a == b) & (a != 0))) for a, b in pairs)
    return foreground > 0 and alike >= _ALIKE_SHARE * foreground


def _neighbours(voxels: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """The voxels and their next neighbours along `axis`, as two arrays of one shape."""
    ahead = [slice(None)] * voxels.ndim
    behind = [slice(None)] * voxels.ndim
    ahead[axis], behind[axis] = slice(1, None), slice(None, -1)
    return voxels[tuple(ahead)], voxels[tuple(behind)]
