"""A case folder of labels alone, for images of a sibling case folder that is a version of its case.

SenNet + HOA 2023 ships `train/kidney_3_dense/labels/` beside `train/kidney_3_sparse/images/` +
`labels/`: dense labels of some of kidney 3's slices, whose images only the sparse folder holds
(`naming.case_versions`: both are versions of `kidney_3`). Read alone, the dense labels pair with
nothing and are passed over. Paired with the sibling's images, they take the place of its own
masks of the same slices: a folder shipped to relabel some images is the later, fuller labelling.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.complementary_masks import read_together
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.naming import looks_like_mask_folder
from seglab.data.discovery.naming.case_versions import case_name, versioned_case
from seglab.data.discovery.pairing import FolderMatch, folder_label, match_folders, used_mask_folders

logger = logging.getLogger(__name__)


def sibling_case_labels(folders: list[Folder], matches: dict[Path, FolderMatch], root: Path) -> list[Path]:
    """Pair each mask folder that no image folder uses, in a case folder holding no paired images,
    with the images of the one sibling case folder of its case (module doc) when every one of its
    masks names one of them; `matches` is updated in place. Returns the sibling's own masks that
    these replace, to be listed as ignored."""
    used = used_mask_folders(matches)
    by_case: dict[tuple[Path, str], list[Path]] = {}
    for image_dir in matches:
        case = image_dir.parent
        by_case.setdefault((case.parent, case_name(case.name)), []).append(image_dir)
    replaced: list[Path] = []
    for labels in folders:
        case = labels.path.parent
        name = versioned_case(case.name)
        if not labels.files or name is None or labels.path in used or labels.path in matches \
                or not looks_like_mask_folder(labels.path.name):
            continue
        siblings = by_case.get((case.parent, name), [])  # its own case folder among them: it holds images
        if len(siblings) == 1 and siblings[0].parent != case:
            replaced += _relabel(matches, matches[siblings[0]], labels, root)
    return replaced


def _relabel(matches: dict[Path, FolderMatch], own: FolderMatch, labels: Folder, root: Path) -> list[Path]:
    """Pair `labels`' files with `own`'s images by `own`'s rule, in place of `own`'s masks of the
    same images, when each pairs; returns the masks replaced (none when some file pairs with none)."""
    images = sorted({image for _, image, _ in own.pairs} | {p.path for p in own.problems
                                                             if p.code == "image-without-mask"})
    found = match_folders(images, labels.files, own.image_dir, labels.path, root, own.split, (own.rule,))
    if len(found.pairs) < len(labels.files):
        return []
    keys = {key for key, _, _ in found.pairs}
    kept = replace(own, pairs=[pair for pair in own.pairs if pair[0] not in keys])
    replaced = [mask for key, _, mask in own.pairs if key in keys]
    matches[own.image_dir] = (read_together([found, kept]) if kept.pairs else None) or found
    logger.info("%s: a case folder of labels alone, for %d of %s's images: paired with them%s", folder_label(
        labels.path, root), len(found.pairs), folder_label(own.image_dir, root),
        f", in place of {len(replaced)} masks of {folder_label(own.mask_dir, root)} (listed as ignored)"
        if replaced else "")
    return replaced
