"""Releases that ship their training set as 2-D slice files and their test set as 3-D volumes,
in sibling folders named for their splits: TransUNet's Synapse multi-organ CT
(`data/Synapse/train_npz/case0005_slice000.npz`, `image` + `label` each, beside
`test_vol_h5/case0001.npy.h5`, a 3-D `image` + `label`), as TransUNet, Swin-Unet and most papers
on Synapse read it.

Either folder alone is a layout seglab reads (2-D pairs in one file each; HDF5 cases), but read
alone the other is lost: the volumes format took the three test volumes and trained on them,
folder-pairs the slices and called the labelled test volumes unlabelled. Found together, the
slices keep their folder's split and the volumes theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seglab.data.files.decoding import holds_image_and_mask
from seglab.data.discovery.folders import Folder, walk
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_holds_volume
from seglab.data.files.index import Pair
from seglab.data.discovery.naming import folder_split, usable_splits
from seglab.data.splitting.subjects import subject_of

_SNIFFED = 2  # files opened per folder to judge its content
_PAIR_SUFFIXES = (".npz", *HDF5_SUFFIXES)


@dataclass(frozen=True)
class SlicesBesideVolumes:
    """What `slices_beside_volumes` found.

    Args:
        slices: the 2-D pairs, each file its own image and mask, with its folder's split and
            grouped by the case its name starts with (`case0005_slice000` -> `case0005`).
        volumes: the folder of HDF5 cases beside them.
        volume_split: the split its name gives.
    """

    slices: list[Pair]
    volumes: Path
    volume_split: str


def slices_beside_volumes(root: Path) -> SlicesBesideVolumes | None:
    """A folder of 2-D pair files beside a folder of HDF5 volume cases, four levels down at most,
    their names giving two splits with train among them; None otherwise (the slices of SSL4MIS'
    ACDC lie inside its volumes' folder, named for no split: folder-pairs reads those)."""
    folders = walk(root)
    for volumes in folders:
        cases = [p for p in volumes.files if p.suffix.lower() in HDF5_SUFFIXES]
        volume_split = folder_split(volumes.path.name)
        if not cases or volume_split is None or not all(h5_holds_volume(p) for p in cases[:_SNIFFED]):
            continue
        for slices in (f for f in folders if f.path.parent == volumes.path.parent and f.path != volumes.path):
            found = _pair_files(slices)
            split = folder_split(slices.path.name)
            if found and split is not None and usable_splits((split, volume_split)):
                pairs = [Pair(p.stem, p, p, split, subject_of(p.stem) or p.stem) for p in found]
                return SlicesBesideVolumes(pairs, volumes.path, volume_split)
    return None


def _pair_files(folder: Folder) -> list[Path]:
    """The .npz or HDF5 files of a folder of them that each hold an image and a mask array."""
    files = [p for p in folder.files if p.suffix.lower() in _PAIR_SUFFIXES]
    if len(files) < 0.5 * len(folder.files) or not all(holds_image_and_mask(p) for p in files[:_SNIFFED]):
        return []
    return files
