"""2-D pictures in a volume dataset's tree that no case reads: a 2-D copy of the scans shipped
beside the volumes (Kaggle's "Finding lungs in CT data": `2d_images/` + `2d_masks/` beside
`3d_images/`), which were left out without a word."""

from __future__ import annotations

import logging
from pathlib import Path

from seglab.data.discovery.folders import MAX_DEPTH, folders_within
from seglab.data.files.index import natural_key
from seglab.data.files.io import PICTURE_SUFFIXES
from seglab.data.layouts.volume_format.cases import Layout

log = logging.getLogger(__name__)

_PICTURES = (*PICTURE_SUFFIXES.values(), ".jpeg", ".tiff", ".jp2", ".pgm", ".ppm")  # DICOM, arrays, HDF5 are volumes' own


def pictures_beside(root: Path, layout: Layout) -> list[Path]:
    """The picture files under `root` that `layout` neither reads nor lists, naturally sorted,
    logged in one line naming their folders and the route that reads them instead."""
    used = {p for s in layout.subjects for p in (*s.images, s.label)} | set(layout.unlabelled)
    used |= {p for pair in layout.slices for p in pair.files}
    found = [folder / name for folder, _, files in folders_within(root, MAX_DEPTH) for name in files
             if name.lower().endswith(_PICTURES) and not name.startswith(".") and folder / name not in used]
    if found:
        folders = sorted({p.parent.relative_to(root).as_posix() for p in found}, key=natural_key)
        shown = ", ".join(f"'{f}/'" for f in folders[:4]) + (f" and {len(folders) - 4} more" if len(folders) > 4 else "")
        log.warning("%s: %d 2-D pictures in %s beside the volumes are not read (a 2-D copy of the scans?); "
                    "--format folder-pairs reads them instead of the volumes", root, len(found), shown)
    return sorted(found, key=lambda p: natural_key(str(p)))
