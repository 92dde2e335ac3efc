"""Image and mask folders named by --images and --masks that lie apart, paired by the place they share.

Per-scene and per-domain datasets keep a scene's images and masks in folders that differ in more
than one path part: Sugar Beets' `<day>/images/rgb/` and `<day>/annotations/dlp/colorCleaned/`,
FLAIR's mirrored trees `flair_aerial_train/<domain>/<zone>/img/` and
`flair_labels_train/<domain>/<zone>/msk/`. Each image folder takes the one mask folder that
shares the most of its place; one mask folder serves several image folders only when they
divide its files (CAMO's `Images/Train/` and `Images/Test/` with one `GT/`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.folders import Folder, FolderSearch
from seglab.data.discovery.naming import KeyRule
from seglab.data.discovery.pairing import FolderMatch, match_folders
from seglab.data.discovery.rival_namings import settle_rival_namings

_UNCLAIMED = "mask-without-image"  # the problem code of a mask that no image of its folder pairs with


def pair_by_shared_place(
    root: Path,
    image_folders: Sequence[Folder],
    mask_folders: Sequence[Folder],
    rules: tuple[KeyRule, ...],
    merge: bool,
    multilabel: bool = False,
) -> FolderSearch | None:
    """Each image folder with the mask folder sharing the most of its place (`_shared_place`),
    each image folder keeping its split. None unless every image folder has one such mask folder
    that pairs with it, and no mask file pairs with two image folders."""
    if len(image_folders) < 2 or not mask_folders:
        return None
    nearest = [_nearest(image, mask_folders) for image in image_folders]
    if None in nearest:
        return None
    matches = [match_folders(image.files, mask.files, image.path, mask.path, root, image.split, rules, merge)
               for image, mask in zip(image_folders, nearest) if mask is not None]
    claimed = [mask for match in matches for _, _, mask in match.pairs]
    if not all(match.pairs for match in matches) or len(claimed) != len(set(claimed)):
        return None
    return FolderSearch(matches=settle_rival_namings(_without_claimed(matches, set(claimed)), multilabel))


def _shared_place(image: Folder, mask: Folder) -> int:
    """How many folders two paths share at one place, counted from the dataset folder
    (`<day>/` above `images/rgb/` and `annotations/dlp/colorCleaned/`) or from the end
    (`<domain>/<zone>/` of two mirrored trees; a class folder `glaucoma/` ending both)."""
    def same(a: Sequence[str], b: Sequence[str]) -> int:
        return sum(x == y for x, y in zip(a, b))

    return max(same(image.parts, mask.parts), same(image.parts[::-1], mask.parts[::-1]))


def _nearest(image: Folder, mask_folders: Sequence[Folder]) -> Folder | None:
    """The one mask folder sharing the most of `image`'s place; None on a tie."""
    shared = [_shared_place(image, mask) for mask in mask_folders]
    best = [mask for mask, n in zip(mask_folders, shared) if n == max(shared)]
    return best[0] if len(best) == 1 else None


def _without_claimed(matches: list[FolderMatch], claimed: set[Path]) -> list[FolderMatch]:
    """`matches` less the mask-without-image warnings for masks another image folder pairs with."""
    return [replace(m, problems=[p for p in m.problems if not (p.code == _UNCLAIMED and p.path in claimed)])
            for m in matches]
