"""Folders of volumes shipped without labels beside the labelled cases: counted, not passed over.

FLARE22 ships its 50 labelled cases in `Training/FLARE22_LabeledCase50/images/` + `labels/`,
and 2000 unlabelled CTs in `Training/FLARE22_UnlabeledCase1-1000/` and `Validation/`, which no
layout reads: `inspect` said "Unlabelled: 0". A folder-pairs dataset counts an image split
without masks as unlabelled; so do volumes here, on evidence the folder's name gives: a folder
of volumes none of which a case uses, named (or lying below a folder named) for unlabelled data
or for a val or test split, holding no volume named as a label.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.discovery.folders import MAX_DEPTH, folders_within
from seglab.data.discovery.naming import folder_split, looks_like_mask_folder
from seglab.data.files.index import natural_key
from seglab.data.files.volumes import VOLUME_SUFFIXES
from seglab.data.layouts.volume_format.cases import Layout, is_label_volume

_UNLABELLED = re.compile(r"un-?label+ed", re.IGNORECASE)  # FLARE22_UnlabeledCase1-1000, unlabelled/


def unlabelled_folders(root: Path, layout: Layout) -> list[Path]:
    """The volumes of the folders under `root` that hold unlabelled cases by their names (the
    package docstring), less those `layout` already uses or lists, naturally sorted."""
    used = {p for s in layout.subjects for p in (*s.images, s.label)} | set(layout.unlabelled)
    used |= {p.path for p in layout.problems if p.path is not None}
    found = []
    for folder, _, files in folders_within(root, MAX_DEPTH):
        volumes = [folder / f for f in files if f.lower().endswith(VOLUME_SUFFIXES) and not f.startswith(".")]
        if volumes and _named_unlabelled(folder.relative_to(root).parts) and not any(
                p in used or is_label_volume(p) for p in volumes):
            found += sorted(volumes, key=lambda p: natural_key(p.name))
    return found


def _named_unlabelled(parts: tuple[str, ...]) -> bool:
    """A folder path whose folders name unlabelled data, or a val or test split (and none of them
    masks: Infection_Mask/ beside Lung_Mask/ holds labels)."""
    unlabelled = any(_UNLABELLED.search(part) or folder_split(part) in ("val", "test") for part in parts)
    return unlabelled and not any(looks_like_mask_folder(part) and not _UNLABELLED.search(part) for part in parts)
