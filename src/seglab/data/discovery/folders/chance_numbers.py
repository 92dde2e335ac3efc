"""Image and mask folders that a file's number pairs in a few files only: numbers shared by chance, refused.

MATLAB Image Labeler writes `PixelLabelData/Label_1.png`, `Label_2.png`, ... in the order of its
labelling session, beside images named `IMG_0003.jpg` ... `IMG_0044.jpg`: the first number in
the names paired IMG_0003 with Label_3 and IMG_0007 with Label_7, both wrong, and warned of the
other six. A number that pairs under half the files of both folders is no pairing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from seglab.data.discovery.naming.key_rules import NUMBER_RULES
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.discovery.pairs_csv import pairs_csv_route
from seglab.errors import DataError

_IMAGE_LABELER_MASK = re.compile(r"Label_\d+")  # MATLAB Image Labeler's PixelLabelData files, numbered in session order


def refuse_chance_numbers(matches: Iterable[FolderMatch], root: Path) -> None:
    """Stop at a folder pair whose number rule (`NUMBER_RULES`) pairs under half of its images
    and under half of its masks.

    Raises:
        DataError: naming the folders, the counts, an example pair and the routes (masks named
            as their images, or a manifest of the pairs).
    """
    for match in matches:
        images = len(match.pairs) + sum(p.code == "image-without-mask" for p in match.problems)
        masks = len(match.pairs) + sum(p.code == "mask-without-image" for p in match.problems)
        if match.rule not in NUMBER_RULES or not match.pairs or 2 * len(match.pairs) >= min(images, masks):
            continue
        _, image, mask = match.pairs[0]
        labeler = (" MATLAB Image Labeler numbers its Label_N.png in the order of the labelling session, not by "
                   "image name; only its gTruth object says which image each is (gTruth.DataSource.Source beside "
                   "gTruth.LabelData.PixelLabelData): write those two lists as that CSV's columns."
                   if all(_IMAGE_LABELER_MASK.fullmatch(m.stem) for _, _, m in match.pairs) else "")
        raise DataError(f"'{root}': {folder_label(match.image_dir, root)} and {folder_label(match.mask_dir, root)} "
                        f"pair by {match.rule.name} for only {len(match.pairs)} of their {images} images and {masks} "
                        f"masks ('{image.name}' with '{mask.name}'): numbers shared by chance, not a pairing. Name each "
                        f"mask as its image ('{image.stem}.png'), or {pairs_csv_route(root)}.{labeler}")
