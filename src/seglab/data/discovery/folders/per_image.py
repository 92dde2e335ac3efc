"""Masks kept in a folder per image: below the images, RoadAnomaly's `frames/<name>.jpg` with
`frames/<name>.labels/labels_semantic.png` (and a colour rendering beside it), or `<name>/mask.png`;
under a mask folder beside the images, Drishti-GS1's `Images/<name>.png` with
`GT/<name>/SoftMap/<name>_ODsegSoftmap.png`.

No name rule pairs `labels_semantic.png` with `<name>.jpg`: the folder carries the image's name,
so the folder pairs, and the mask is the one file in it that names labels. Masks named after their
image (`<name>_ODsegSoftmap.png`) pair by name once found, as a mask folder's do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seglab.data.discovery.folders.listing import Folder, folders_within
from seglab.data.files.folder_listing import entries, skipped_folder
from seglab.data.files.index import list_images
from seglab.data.discovery.naming import KEY_RULES, KeyRule, looks_like_mask_folder, stem
from seglab.data.discovery.naming.learned_rules import named_after
from seglab.data.discovery.pairing import FolderMatch, match_folders, names_labels
from seglab.data.discovery.folders.rivals import folders_per_object
from seglab.errors import DataError


def per_image_masks(image: Folder, below: list[Folder], root: Path, rules: tuple[KeyRule, ...],
                    merge: bool) -> FolderMatch | None:
    """The masks of `image`'s files in the folders `below` it named after them (`<stem>/`,
    `<stem>.labels/`), when at least half of its images have one and the folders or their files
    are named for masks; a `--mask-pattern` with a folder part (`{stem}.labels/labels_semantic.png`)
    names the file. None when the folder has no such folders.

    Raises:
        DataError: a folder holds several files naming labels and no `--mask-pattern` chooses.
    """
    stems = {stem(p).lower() for p in image.files}
    own = {key: f for f in below if f.files
           and (key := _image_named(f.path.name, stems)) is not None}
    if len(own) < max(2, len(stems) / 2):
        return None
    if tuple(rules) != KEY_RULES:  # the pattern names the file in each folder
        match = match_folders(image.files, [p for f in own.values() for p in f.files], image.path, image.path,
                              root, image.split, rules, merge)
        return match if match.pairs else None
    chosen = {key: _the_mask(folder, key, root) for key, folder in own.items()}
    if not all(looks_like_mask_folder(folder.path.name) or looks_like_mask_folder(stem(chosen[key]))
               for key, folder in own.items()):
        return None  # `<name>/` of crops or tiles: no word says masks
    names = sorted({mask.name for mask in chosen.values()})
    rule = KeyRule(f"a folder named after each image holding its mask ({', '.join(names[:3])})",
                   lambda path: _image_named(path.parent.name, stems), lambda path: stem(path).lower())
    match = match_folders(image.files, list(chosen.values()), image.path, image.path, root, image.split, (rule,))
    match.extra_masks += [p for f in own.values() for p in f.files if p not in chosen.values()]
    return match


def mask_wrappers(folder: Path, allowed: Callable[[Path], bool]) -> list[Path]:
    """The folders in `folder` that may hold a folder per image (`masks_in_stem_folders`): named for
    masks, `allowed`, holding no image files themselves. Found once for the image folders side by
    side in `folder`, not once each: CULane's thousands of clip folders in `driver_23_30frame/`."""
    return [wrapper for wrapper in sorted(entries(folder)) if looks_like_mask_folder(wrapper.name)
            and wrapper.is_dir() and not skipped_folder(wrapper.name) and allowed(wrapper) and not list_images(wrapper)]


def masks_in_stem_folders(image: Folder, wrappers: list[Path], root: Path, rules: tuple[KeyRule, ...],
                          merge: bool) -> FolderMatch | None:
    """The masks of `image`'s files in a mask folder beside it (one of the `wrappers`, `mask_wrappers`
    of its folder) that holds a folder per image, named after it, for at least half of the images: the
    files named after their image in such a folder or up to two levels below it
    (`GT/<name>/SoftMap/<name>_ODsegSoftmap.png`). They pair as a mask folder's files do, so several
    namings per image (`_ODsegSoftmap`, `_cupsegSoftmap`) are rivals to choose from, or classes
    with `--task multilabel`. None when no folder beside holds such folders.
    """
    stems = {stem(p).lower() for p in image.files}
    for wrapper in wrappers:
        own = _folders_named_after(wrapper, stems, _image_named) if wrapper != image.path else {}
        if not own:
            continue
        masks = [path for key, folder in own.items() for path in _files_below(folder)
                 if _image_named(stem(path), {key}) == key]
        match = match_folders(image.files, masks, image.path, wrapper, root, image.split, rules, merge)
        if match.pairs:
            return match
    return None


def folders_per_image(image: Folder, candidates: list[FolderMatch]) -> list[Path] | None:
    """The folders named after the files of `image`, one for at least half of them, in the folder
    holding `folders_per_object`'s numbered folders when those are named so too: a folder per image,
    holding that image's masks (MVTec LOCO AD's `ground_truth/logical_anomalies/000/000.png` and
    `001.png`, a mask per defect of `test/logical_anomalies/000.png`), whose files pair by name with
    other images (`000/001.png` with `001.png`) by chance. None otherwise."""
    if not folders_per_object(candidates):
        return None
    stems = {stem(p).lower() for p in image.files}
    if not all(c.mask_dir.name.lower() in stems for c in candidates):
        return None
    return list(_folders_named_after(candidates[0].mask_dir.parent, stems, _wholly_named).values()) or None


def masks_in_image_folders(image: Folder, folders: list[Path], root: Path, merge: bool) -> FolderMatch | None:
    """The masks of `image`'s files in `folders` (`folders_per_image`), every file of such a folder
    its image's, however named (MVTec LOCO AD's `ground_truth/logical_anomalies/000/000.png` and
    `001.png`, a mask per defect of `000.png`): merged with `merge` (`--merge-masks`); None without
    it where a folder holds several, which `rivals._ambiguous` then refuses, naming the flag."""
    masks = [path for folder in folders for path in list_images(folder, masks=True)]
    if not merge and len({path.parent for path in masks}) < len(masks):
        return None
    rule = KeyRule("a folder named after each image holding its masks", lambda path: path.parent.name.lower(),
                   lambda path: stem(path).lower())
    return match_folders(image.files, masks, image.path, folders[0].parent, root, image.split, (rule,), merge)


def of_an_image(folder: Folder, parent: Folder | None) -> bool:
    """Whether `folder` is named after an image in `parent`, the folder holding it, and every file
    in it carries that name: the image's own files (ADE20K's per-object masks,
    `ADE_val_00000001/instance_000_ADE_val_00000001.png`), never images of their own."""
    name = folder.path.name.lower()
    return parent is not None and any(stem(p).lower() == name for p in parent.files) \
        and all(name in path.name.lower() for path in folder.files)


def _files_below(folder: Path) -> list[Path]:
    """The image files in `folder` and up to two levels below it."""
    return [p for here, _, _ in folders_within(folder, 2) for p in list_images(here, masks=True)]


def _folders_named_after(wrapper: Path, stems: set[str], named: Callable[[str, set[str]], str | None]
                         ) -> dict[str, Path]:
    """The folders in `wrapper` by the image stem `named` finds in their names, when they are two
    or more and at least half as many as `stems`: a folder per image; empty when fewer."""
    own = {key: sub for sub in sorted(entries(wrapper))
           if sub.is_dir() and (key := named(sub.name, stems)) is not None}
    return own if len(own) >= max(2, len(stems) / 2) else {}


def _wholly_named(folder: str, stems: set[str]) -> str | None:
    """The image stem that is a folder's whole name."""
    lower = folder.lower()
    return lower if lower in stems else None


def _image_named(folder: str, stems: set[str]) -> str | None:
    """The image stem a folder is named by: the whole name, or the stem and one word (`x.labels`)."""
    return _wholly_named(folder, stems) or named_after(folder.lower(), stems)


def one_mask(files: list[Path]) -> Path | None:
    """The one mask among the files of an image's folder: its only file, or its only one naming
    labels (not a rendering: RoadAnomaly's `labels_semantic.png`, not `labels_semantic_color.png`;
    AgriFieldNet's `raster_labels.tif`, not `field_ids.tif`); None when no file or several are."""
    if len(files) == 1:
        return files[0]
    labels = [p for p in files if looks_like_mask_folder(stem(p)) and names_labels(stem(p))]
    return labels[0] if len(labels) == 1 else None


def _the_mask(folder: Folder, key: str, root: Path) -> Path:
    """`one_mask` of an image's folder.

    Raises:
        DataError: the folder holds several files that could be its mask.
    """
    found = one_mask(folder.files)
    if found is not None:
        return found
    shown = folder.path.relative_to(root).as_posix()
    names = ", ".join(f"'{p.name}'" for p in folder.files[:4])
    example = f"{{stem}}{folder.path.name[len(key):]}/{folder.files[0].name}"
    raise DataError(f"'{shown}/', the folder of one image, holds several files that could be its mask ({names}): "
                    f"name the one to train on with --mask-pattern, e.g. '{example}'")

