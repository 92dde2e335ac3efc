"""The folders `--images` and `--masks` name, paired: as named, by place below them, or by split."""

from __future__ import annotations

from pathlib import Path

from seglab.data.layouts.folder_pairs.shared_place import pair_by_shared_place
from seglab.data.discovery.folders import (
    CLASS_FOLDER_TASKS,
    NAMED_DEPTH,
    Folder,
    FolderSearch,
    labels_by_split,
    named_tops,
    path_ends_with,
    search_folders,
    strictest_versions,
    walk,
)
from seglab.data.files.index import list_images
from seglab.data.discovery.naming import KeyRule
from seglab.data.discovery.pairing import combine_matches, folder_label, match_folders
from seglab.data.discovery.rival_namings import settle_rival_namings
from seglab.errors import DataError


def _named_pair(
    root: Path, images: str, masks: str, rules: tuple[KeyRule, ...], merge: bool, multilabel: bool = False,
    multiclass: bool = False, bands: tuple[str, ...] | None = None, frame: int | None = None,
) -> FolderSearch:
    """`--images NAME --masks NAME`: exactly that pair when each names one folder holding image
    files, wherever it lies (Semantic Drone's `original_images/` two levels down, its
    `RGB_color_image_masks/` inside a wrapper of the same name); a name found at several levels
    (DRIVE's `training/1st_manual/`, `test/1st_manual/`) pairs by place, as `search_folders` does.
    With `merge`, a --masks folder whose folders below each hold masks of the images
    (Montgomery's `ManualMask/leftMask/` and `rightMask/`) gives each image all its masks, merged;
    with `multilabel`, one class per folder (IDRiD's lesion folders; `multilabel.ClassFilesMapping`), with
    `multiclass` the classes of one class-index mask (`multilabel.ClassFileLabelsMapping`). Folders
    of chip folders of band files (Cloud Cover's `--images train_features --masks train_labels`) are
    read with `bands` and `frame` as `search_folders` reads them.

    Raises:
        DataError: names at several levels that `search_folders` cannot pair, listed.
    """
    folders = walk(root, NAMED_DEPTH)
    image_dirs, mask_dirs = _named_folders(root, images, folders), _named_folders(root, masks, folders)
    if image_dirs and image_dirs == mask_dirs:
        raise DataError(f"'{root}': --images {images} and --masks {masks} both name "
                        f"{', '.join(folder_label(d, root) for d in image_dirs)}; name the folder of each")
    if len(image_dirs) == 1 and len(mask_dirs) == 1:
        image_dir, mask_dir = image_dirs[0], mask_dirs[0]
        match = match_folders(list_images(image_dir), list_images(mask_dir, masks=True), image_dir, mask_dir, root, rules=rules,
                              merge=merge)
        return FolderSearch(matches=settle_rival_namings([match], multilabel))
    below = [f.path for f in _below(root, masks, folders)]
    if len(image_dirs) == 1 and not mask_dirs and len(below) > 1:  # a mask folder per object or class?
        image_dir = image_dirs[0]
        pairing = [m for m in (match_folders(list_images(image_dir), list_images(d, masks=True), image_dir, d, root,
                                             rules=rules, merge=merge) for d in below) if m.pairs]
        if len(pairing) > 1 and not (merge or multilabel or multiclass):
            pairing = labels_by_split(image_dir, strictest_versions(pairing, root, set()), root, set())
            if len(pairing) == 1:  # AI4Mars' --masks labels: its labels/train/ and labels/test/<version>/
                return FolderSearch(matches=settle_rival_namings(pairing, multilabel))
            listed = "".join(f"\n  {folder_label(m.mask_dir, root)}: {len(m.pairs)} pairs" for m in pairing)
            raise DataError(f"'{root}': {len(pairing)} folders under --masks {masks} pair with the images of "
                            f"{folder_label(image_dir, root)}:{listed}\nname one with --masks, pass --merge-masks "
                            f"to read each image's masks of all of them as one (their union), {CLASS_FOLDER_TASKS}")
        if len(pairing) > 1:
            return FolderSearch(matches=settle_rival_namings([combine_matches(pairing)], False))
    found = search_folders(root, rules, images, masks, merge, multilabel, multiclass, bands, frame)
    if not found.matches:
        named = {f.path: f for f in folders}
        image_folders = [named[d] for d in image_dirs if d in named] or _below(root, images, folders)
        mask_folders = [named[d] for d in mask_dirs if d in named] or _below(root, masks, folders)
        found = (_by_split(root, _below(root, images, folders), _below(root, masks, folders), rules, merge)
                 or _by_split(root, [named[d] for d in image_dirs if d in named],
                              [named[d] for d in mask_dirs if d in named], rules, merge)
                 or pair_by_shared_place(root, image_folders, mask_folders, rules, merge, multilabel)
                 or found)
    several = [(flag, dirs) for flag, dirs in (("--images", image_dirs), ("--masks", mask_dirs)) if len(dirs) > 1]
    if not found.matches and several:
        listed = "".join(f"\n  {flag}: " + ", ".join(folder_label(d, root) for d in dirs) for flag, dirs in several)
        raise DataError(f"'{root}': the named folders hold image files at several places that do not pair by "
                        f"place:{listed}\nname one of each by its path under the dataset folder")
    return found


def _below(root: Path, name: str, folders: list[Folder]) -> list[Folder]:
    """The folders with image files below the folders that a --images/--masks value names."""
    tops = named_tops(root, name, folders)
    return [f for f in folders if f.files and any(top in f.path.parents for top in tops)]


def _by_split(
    root: Path, image_folders: list[Folder], mask_folders: list[Folder], rules: tuple[KeyRule, ...], merge: bool
) -> FolderSearch | None:
    """Image and mask folders of one split each, named otherwise on each side (LIP's
    `TrainVal_images/train_images/` and `TrainVal_parsing_annotations/train_segmentations/`;
    BDD100K's `images/10k/train/` and `labels/sem_seg/masks/train/`; Mapillary's
    `training/images/` and `training/v2.0/labels/`): each split's images pair with its masks, and
    an image split without masks (test) is unlabelled. None unless each folder has a split of
    its own."""
    image_splits = {f.split: f for f in image_folders}
    mask_splits = {f.split: f for f in mask_folders}
    if (not mask_splits or len(image_splits) < len(image_folders) or len(mask_splits) < len(mask_folders)
            or None in image_splits or None in mask_splits or not mask_splits.keys() <= image_splits.keys()):
        return None
    matches = [match_folders(image_splits[split].files, mask.files, image_splits[split].path, mask.path, root, split,
                             rules, merge) for split, mask in mask_splits.items()]
    unlabelled = [p for split, f in image_splits.items() if split not in mask_splits for p in f.files]
    return FolderSearch(matches=[m for m in matches if m.pairs], unlabelled=unlabelled)


def _named_folders(root: Path, name: str, folders: list[Folder]) -> list[Path]:
    """Folders holding image files that a --images/--masks value names: the path under the
    dataset folder or as given (or, when it holds none, folders of its name inside it: Semantic
    Drone's wrapper), else every folder whose path ends with it, at any level."""
    for path in (root / name, Path(name).expanduser()):
        if path.is_dir():  # that folder, or one of its name inside it (a wrapper), never one elsewhere
            inside = [f.path for f in folders if f.files and f.path.name == path.name and path in f.path.parents]
            return [path] if list_images(path) else inside
    # 'v2.0/labels' names Mapillary's training/v2.0/labels/, not v1.2/labels/
    return [f.path for f in folders if f.files and path_ends_with(f.parts, name)]
