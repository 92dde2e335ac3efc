"""Image volumes in the dataset folder itself, their labels in a label folder below it.

MONAI Label's studies folder (`--studies datasets/Task09_Spleen/imagesTr`) is one: the images lie
in it, each label a viewer saved in `labels/final/<image id>.nii.gz`, the label before it was
edited (an imported or a model's one) in `labels/original/`, and `datastore_v2.json` lists both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from seglab.data.discovery.folders import visible_folders
from seglab.data.discovery.naming import looks_like_mask_folder
from seglab.data.layouts.volume_format.cases import Layout, is_label_volume, matched_cases, volumes_in

log = logging.getLogger(__name__)

SAVED_LABELS = "final"  # MONAI Label's tag of the labels it trains on; "original" tags them before edits


def studies_folder(root: Path, volumes: Callable[[Path], list[Path]] = volumes_in) -> Layout | None:
    """The cases of the image volumes in `root` whose labels, named as they are, lie in one
    folder named for labels (`labels/`, `masks/`) or one folder in it (`labels/final/`); of
    several such folders, MONAI Label's `labels/final/`, the others' volumes ignored. Images
    without a label are unlabelled: a studies folder is annotated a case at a time. None when
    no such folder pairs, or several do and none is `final` (the refusal offers each).
    `volumes` lists a folder's volumes (`volumes_in`, or the cache `_find_layout` shares)."""
    images = [p for p in volumes(root) if not is_label_volume(p)]
    if not images:
        return None
    paired = {folder: found for folder in _label_folders(root)
              if (found := matched_cases(images, volumes(folder), folder.relative_to(root).as_posix())).subjects}
    chosen = next(iter(paired), None) if len(paired) == 1 else next(
        (folder for folder in paired if folder.name == SAVED_LABELS), None)
    if chosen is None:
        return None
    layout = paired[chosen]
    used = {p for s in layout.subjects for p in s.images}
    layout.unlabelled = [p for p in images if p not in used]
    layout.problems = [p for p in layout.problems if p.code != "image-without-mask"]
    for folder in paired:
        if folder != chosen:
            layout.ignored += volumes(folder)
            log.info("'%s' holds labels of %d of the studies too, not read: those of '%s' are (MONAI Label's "
                     "saved labels); --images . --masks %s reads them instead", folder, len(paired[folder].subjects),
                     chosen, folder.relative_to(root).as_posix())
    return layout


def _label_folders(root: Path) -> list[Path]:
    """The folders in `root` named for labels, and the folders in those, in name order."""
    named = [p for p in visible_folders(root) if looks_like_mask_folder(p.name)]
    return [folder for top in named for folder in (top, *visible_folders(top))]
