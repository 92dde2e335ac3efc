"""Subjects seen more than once across sibling folders or trees, where one name alone says none:
a scene's two dates in date folders (SECOND's `im1/` and `im2/`), images sharing one mask (Foggy
Cityscapes' renderings), one image and mask tree repeated in sibling folders (ROSE's `SVC/` and
`DVC/`), top folders repeating one tree of images (MIDV-2020's `templates/` and `photo/`). Each
rule compares the folders with each other, not a name with a pattern."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from seglab.data.discovery.channel_files import YEAR, date_groups, date_order
from seglab.data.discovery.naming import folder_split, stem
from seglab.data.discovery.unmasked import is_background_fill, is_shared_blank
from seglab.data.files.index import Pair
from seglab.data.splitting.subjects.evidence import says_subjects
from seglab.data.splitting.subjects.name_parts import shown_path


def by_dates(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """SECOND's `im1/00003.png` + `label1/` and `im2/00003.png` + `label2/` -> `00003`: images of one
    name in sibling folders named for two dates (im1/im2, A/B, t1/t2, pre/post: `date_order`; or two
    years, 2018/ and 2019/), each date with its own mask, show one scene; apart, its dates would
    straddle splits."""
    stems: dict[Path, dict[str, str]] = {}
    for pair in pairs:
        stems.setdefault(pair.image.parent, {})[pair.image.stem.lower()] = pair.name
    siblings: dict[Path, list[Path]] = {}
    for folder in stems:
        siblings.setdefault(folder.parent, []).append(folder)
    dated_with = {folder: others for group in siblings.values() for folder, others in _dated_siblings(group).items()}
    subjects, dated = {}, []
    for folder, named in stems.items():
        for other in dated_with.get(folder, ()):
            scene = Path(os.path.relpath(folder.parent, root))
            subjects.update({named[key]: (scene / key).as_posix() for key in named.keys() & stems[other].keys()})
            dated.append(folder.name)
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, f"the scene its dates show, named alike in sibling date folders ({'/, '.join(dated[:2])}/)"


def _dated_siblings(folders: list[Path]) -> dict[Path, list[Path]]:
    """Each of `folders` (one parent's) -> those of the others its name dates it against (`_dates`),
    in their order, compared within their `date_groups` alone."""
    by_name = {folder.name: folder for folder in folders}
    candidates: dict[Path, set[Path]] = {}
    for group in date_groups(list(by_name)):
        for name in group:
            candidates.setdefault(by_name[name], set()).update(by_name[other] for other in group if other != name)
    order = {folder: i for i, folder in enumerate(folders)}
    return {folder: [other for other in sorted(others, key=order.__getitem__) if _dates(folder.name, other.name)]
            for folder, others in candidates.items()}


def _dates(folder: str, other: str) -> bool:
    """Whether two folder names differ by the words of two dates, or by a year alone."""
    years = [YEAR.sub("#", name) for name in (folder, other)]
    return date_order([folder, other], True) is not None or (years[0] == years[1] and folder != other)


def by_shared_mask(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """Foggy Cityscapes' `x_leftImg8bit_foggy_beta_0.005.png`, `_0.01` and `_0.02` -> their one mask
    `x_gtFine_labelIds.png`: images sharing a mask render one scene, a near copy across splits.
    `--unmasked-background`'s fills, and a run-length table's mask of the rows without a pixel, are
    shared by images that have nothing else in common."""
    subjects = {pair.name: shown_path(pair.mask, root) for pair in pairs
                if pair.mask is not None and not is_background_fill(pair.mask) and not is_shared_blank(pair.mask)}
    if not says_subjects(subjects, len(pairs)):
        return None
    return subjects, "the mask they share"


def by_parallel_trees(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """ROSE's `ROSE-1/SVC/train/img/01.tif` + `gt/01.tif`, again under `DVC/` and `SVC_DVC/` ->
    `ROSE-1/train/img/01`: one eye imaged at each depth of the retina, in sibling folders that
    each hold an image and mask folder pair of the same file names below split folders of their own
    (a copy of the dataset's tree, imaged another way). The folders told apart are named by words
    alone, above the masks as above the images, above a split and naming none: numbered folders are
    cases (`folders.by_case_folder`), word-named case folders holding their image and mask folders alike
    (`benign/images/`) classes, and MVTec AD's defect folders of `000.png` each (`test/broken_large/`,
    masks in `ground_truth/broken_large/`) other photos. A folder whose image folders of one split
    hold a name twice numbers its files in each (MVTec 3D-AD's `bagel/test/crack/rgb/000.png` and
    `bagel/test/hole/rgb/000.png`): its names are no subjects, and `cable_gland/`'s `000.png` another
    object's photo. Pairs outside such folders (ROSE-2's, another device's) are a group each."""
    folders: dict[tuple[Path, Path], set[str]] = {}  # an image and its mask folder -> the image names
    for pair in pairs:
        if pair.mask is not None:
            folders.setdefault((pair.image.parent, pair.mask.parent), set()).add(pair.image.stem.lower())
    trees: dict[tuple[tuple[str, ...], int], dict[Path, set[str]]] = {}  # the path less one part -> its folders
    splits: dict[tuple[tuple[str, ...], str], dict[Path, set[str]]] = {}  # a sibling folder's split -> its folders
    for (images, masks), names in folders.items():
        parts = Path(os.path.relpath(images, root)).parts
        case = Path(os.path.relpath(os.path.commonpath([os.path.abspath(images), os.path.abspath(masks)]),
                                    os.path.abspath(root)))
        for place, part in enumerate(case.parts if case.parts[:1] not in ((), ("..",)) else ()):
            split = next(filter(None, map(folder_split, case.parts[place + 1:])), None)
            if folder_split(part) is None and not any(c.isdigit() for c in part) and split is not None:
                trees.setdefault((parts[:place] + parts[place + 1:], place), {}).setdefault(images, set()).update(names)
                splits.setdefault((parts[:place + 1], split), {}).setdefault(images, set()).update(names)
    numbering = {sibling for (sibling, _), held in splits.items()  # names counted again in each image folder
                 if max(Counter(name for names in held.values() for name in names).values()) > 1}
    parallel = {}  # an image folder -> its path less the part its siblings differ by
    for (rest, place), held in trees.items():
        held = {images: names for images, names in held.items()
                if Path(os.path.relpath(images, root)).parts[:place + 1] not in numbering}
        if len(held) > 1 and len(set(map(frozenset, held.values()))) == 1 and len(next(iter(held.values()))) > 1:
            parallel.update(dict.fromkeys(held, rest))
    subjects = {pair.name: Path(*parallel[pair.image.parent], pair.image.stem).as_posix()
                for pair in pairs if pair.image.parent in parallel}
    if len(set(subjects.values())) < 2:
        return None
    return subjects, "its image's name in the sibling folders that repeat one image and mask tree (one subject imaged each way)"


def by_repeated_top_trees(pairs: list[Pair], root: Path) -> tuple[dict[str, str], str] | None:
    """MIDV-2020's `templates/images/alb_id/00.jpg`, again as `scan_upright/images/alb_id/00.jpg` and
    `photo/images/alb_id/00.jpg` -> `images/alb_id/00`: one document captured each way, in top
    folders that repeat one tree of image paths (most of each one's, in several folders below it),
    where the masks drawn from annotation files tell nothing (`by_parallel_trees` needs mask
    folders). The top folders are named by words alone and no split (numbered folders are cases),
    and the images lie in no split folder below them: a top folder with splits of its own is a
    dataset of its own (MVTec 3D-AD's `bagel/test/crack/rgb/000.png`, a bagel's photo, not
    `cable_gland/`'s), or a copy imaged another way that `by_parallel_trees` tells; class folders
    hold one folder of numbered files each (`benign/images/001.png`), or names of their own (BUSI's
    `benign (1).png`), and are left alone. Pairs outside such folders are a group each."""
    trees: dict[str, dict[str, str]] = {}  # a top folder -> its images' paths below it (no suffix) -> pair names
    unsplit: dict[tuple[str, ...], bool] = {}  # an image folder's parts -> whether none names a split: once a folder
    for pair in pairs:
        if not pair.image.is_relative_to(root):
            continue
        parts = pair.image.relative_to(root).parts
        if len(parts) < 3:  # an image at the top, or DATA itself named as one (a manifest's '.')
            continue
        top, *below = parts
        if parts[:-1] not in unsplit:
            unsplit[parts[:-1]] = not any(map(folder_split, parts[:-1]))
        if unsplit[parts[:-1]] and not any(c.isdigit() for c in top):
            trees.setdefault(top, {})[Path(*below[:-1], stem(pair.image)).as_posix()] = pair.name
    held = Counter(path for tree in trees.values() for path in tree)
    repeating = [tree for tree in trees.values() if sum(held[path] > 1 for path in tree) > len(tree) / 2]
    held = Counter(path for tree in repeating for path in tree)
    subjects = {name: path for tree in repeating for path, name in tree.items() if held[path] > 1}
    if len(repeating) < 2 or len({os.path.dirname(path) for path in subjects.values()}) < 2:
        return None
    return subjects, "its image's path in the top folders that repeat one tree of images (one item captured each way)"
