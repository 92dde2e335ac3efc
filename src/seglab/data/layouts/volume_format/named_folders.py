"""Image and label folders of volumes named for what they hold.

Named by --images and --masks, or by the names 2-D datasets use, below split folders.
"""

from __future__ import annotations

from pathlib import Path

from seglab.data.discovery.folders import MAX_DEPTH, folders_within, path_ends_with
from seglab.data.discovery.naming import (
    folder_split,
    folders_split,
    looks_like_image_folder,
    looks_like_mask_folder,
    usable_splits,
)
from seglab.data.files.volumes import volume_stem
from seglab.data.layouts.volume_format.cases import _Layout, _match, _volumes_in


def _named_folders_layout(root: Path, images: str, masks: str) -> _Layout | None:
    """The volumes of the image and label folders `--images` and `--masks` name, matched by name
    (COVID-19-CT-Seg's `COVID-19-CT-Seg_20cases/` + `Lung_and_Infection_Mask/`, beside
    `Lung_Mask/` and `Infection_Mask/`); None unless both hold volumes. Volumes that do not pair
    are the layout's problems, named: those folders are a volume layout, whatever their names."""
    image_dir, label_dir = _named_folder(root, images), _named_folder(root, masks)
    if image_dir is None or label_dir is None or image_dir == label_dir:
        return None
    image_files, label_files = _volumes_within(image_dir), _volumes_within(label_dir)
    if not image_files or not label_files:
        return None
    layout = _match(image_files, label_files, label_dir.relative_to(root).as_posix())
    return layout if layout.subjects or layout.problems else None


def _volumes_within(folder: Path) -> list[Path]:
    """The volumes in a folder --images or --masks names, or when none lie in it, those in the
    folders below it (MosMedData's `studies/` of `CT-0/` ... `CT-4/`, severity grades), unless
    two share a name: cases are matched by name, and two images of one name would be one case's."""
    found = _volumes_in(folder)
    if found:
        return found
    found = [p for below, _, _ in folders_within(folder, MAX_DEPTH) for p in _volumes_in(below)]
    return found if len({volume_stem(p) for p in found}) == len(found) else []


def _named_folder(root: Path, name: str) -> Path | None:
    """The folder a --images or --masks value names: a path under `root`, or the one folder whose
    path ends with it, four levels deep at most."""
    if (root / name).is_dir():
        return root / name
    found = [folder for folder, _, _ in folders_within(root, MAX_DEPTH)
             if path_ends_with(folder.relative_to(root).parts, name)]
    return found[0] if len(found) == 1 else None


def _named_folders(root: Path) -> _Layout | None:
    """An image folder beside a label folder, under any of the names 2-D datasets use and below
    split folders (BTCV's `RawData/Training/img/img0001.nii.gz` + `Training/label/label0001.nii.gz`,
    `Testing/img/` unlabelled): the split folders give the splits."""
    layout, splits = _Layout(), dict[str, str | None]()
    for folder, subfolders, _ in folders_within(root, MAX_DEPTH):
        named = {d: _volumes_in(folder / d) for d in subfolders  # only folders named for images or labels
                 if looks_like_image_folder(d) or looks_like_mask_folder(d)}
        label_dirs = [d for d, found in named.items() if found and looks_like_mask_folder(d)]
        for name, images in named.items():
            if not images or not looks_like_image_folder(name):
                continue
            split = folders_split(images[0], root)  # the nearest split folder above its files
            label_split = folder_split(label_dirs[0]) if len(label_dirs) == 1 else None
            other_split = bool(split and label_split and split != label_split)  # imagesTs/ beside labelsTr/
            if len(label_dirs) != 1 or other_split:
                layout.unlabelled += images if split == "test" and (not label_dirs or other_split) else []
                continue
            found = _match(images, named[label_dirs[0]], label_dirs[0])
            layout.subjects += found.subjects
            layout.problems += found.problems
            splits.update({s.name: split for s in found.subjects})
    if usable_splits(splits.values()):  # else (a train folder alone) the splits are drawn
        layout.splits = {name: split for name, split in splits.items() if split}
    return layout if layout.subjects else None
