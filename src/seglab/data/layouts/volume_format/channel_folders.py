"""A case folder's label volume, or its subfolder of label volumes, beside a subfolder of its channels.

The WMH Segmentation Challenge ships `<site>/<case>/wmh.nii.gz` beside `pre/FLAIR.nii.gz` and
`pre/T1.nii.gz`, registered onto the label's grid, and `orig/` holding the same modalities as
acquired, each on a grid of its own. seglab resamples nothing, so the one subfolder all of whose
volumes lie on the label volume's voxel grid holds the case's channels, in name order, and the
subfolders beside it are left out, in one log line. MSSEG-2016 ships its label volumes in a
subfolder of their own, `<center>/<patient>/Masks/`, beside `Preprocessed_Data/` (on their grid) and
`Raw_Data/`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from seglab.data.discovery.folders import visible_folders
from seglab.data.discovery.naming import looks_like_mask_folder
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import natural_key
from seglab.data.layouts.volume_format.cases import volumes_in
from seglab.data.layouts.volume_format.modality_grids import on_label_grid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelFolder:
    """A case's label volume, its channels (one subfolder's volumes) and the volumes left out."""

    label: Path
    images: tuple[Path, ...]
    left_out: tuple[Path, ...]  # the other subfolders' volumes, on grids of their own


def channel_folder(folder: Path, label: Path, masks: Path | None = None) -> ChannelFolder | None:
    """The case of `label`, the one volume of case folder `folder` or one of its subfolder `masks`:
    its channels are the volumes of the one other subfolder all of whose volumes lie on the label's
    grid; None without such a subfolder, or beside a subfolder named for masks (TotalSegmentator's
    `segmentations/`, a case's structures).

    Raises:
        DataError: a header that cannot be read, naming the file.
    """
    held = {d: files for d in sorted(visible_folders(folder), key=lambda p: natural_key(p.name))
            if d != masks and (files := [p for p in volumes_in(d) if p.is_file()])}
    if not held or any(looks_like_mask_folder(d.name) for d in held):
        return None
    on_grid = [d for d, files in held.items() if on_label_grid(files, label)]
    if len(on_grid) != 1:
        return None
    left_out = tuple(p for d, files in held.items() if d != on_grid[0] for p in files)
    return ChannelFolder(label, tuple(held[on_grid[0]]), left_out)


def masks_subfolder(folder: Path) -> Path | None:
    """The one subfolder named for masks holding volume files, of a case folder holding no volume
    of its own, which the caller checks (MSSEG-2016's `Patient_01/Masks/` beside `Preprocessed_Data/`
    and `Raw_Data/`)."""
    found = [d for d in subfolders(folder) if looks_like_mask_folder(d.name)
             and any(p.is_file() for p in volumes_in(d))]
    return found[0] if len(found) == 1 else None


def log_left_out(volumes: Sequence[Path], case_folders: Collection[Path]) -> None:
    """One log line for the volumes left out beside a case's channels, off its label volume's grid:
    those of case folders' subfolders (WMH's `orig/` beside `pre/`) and those in `case_folders`
    themselves (Mindboggle's `t1weighted.MNI152` beside `t1weighted`, `modality_grids`)."""
    own = [p for p in volumes if p.parent in case_folders]
    below = [p for p in volumes if p.parent not in case_folders]
    what = []
    if below:
        folders = ", ".join(f"'{name}/'" for name in sorted({p.parent.name for p in below}, key=natural_key))
        what.append(f"the volumes of the {folders} subfolders of "
                    f"{len({p.parent.parent for p in below})} case folders (e.g. '{below[0]}'): not all on their "
                    "label volume's voxel grid, beside a subfolder whose volumes are, the channels")
    if own:
        what.append(f"{len(own)} image volumes of case folders (e.g. '{own[0]}'): off their label volume's voxel "
                    "grid, beside image volumes on it, the channels")
    if what:
        log.info("left out %s; to train on them, resample them onto it (ANTs' antsApplyTransforms, SimpleITK's "
                 "Resample) in a copy of the dataset", "; and ".join(what))
