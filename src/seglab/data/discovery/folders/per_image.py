"""Masks kept in a folder per image, beside the images: RoadAnomaly's `frames/<name>.jpg` with
`frames/<name>.labels/labels_semantic.png` (and a colour rendering beside it), or `<name>/mask.png`.

No name rule pairs `labels_semantic.png` with `<name>.jpg`: the folder carries the image's name,
so the folder pairs, and the mask is the one file in it that names labels.
"""

from __future__ import annotations

from pathlib import Path

from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.naming import KEY_RULES, KeyRule, looks_like_mask_folder, named_after, stem
from seglab.data.discovery.pairing import FolderMatch, match_folders, names_labels
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


def _image_named(folder: str, stems: set[str]) -> str | None:
    """The image stem a folder is named by: the whole name, or the stem and one word (`x.labels`)."""
    lower = folder.lower()
    return lower if lower in stems else named_after(lower, stems)


def _the_mask(folder: Folder, key: str, root: Path) -> Path:
    """The one mask in an image's folder: its only file, or its only one naming labels (not a
    rendering: RoadAnomaly's `labels_semantic.png`, not `labels_semantic_color.png`)."""
    if len(folder.files) == 1:
        return folder.files[0]
    labels = [p for p in folder.files if looks_like_mask_folder(stem(p)) and names_labels(stem(p))]
    if len(labels) == 1:
        return labels[0]
    shown = folder.path.relative_to(root).as_posix()
    names = ", ".join(f"'{p.name}'" for p in folder.files[:4])
    example = f"{{stem}}{folder.path.name[len(key):]}/{folder.files[0].name}"
    raise DataError(f"'{shown}/', the folder of one image, holds several files that could be its mask ({names}): "
                    f"name the one to train on with --mask-pattern, e.g. '{example}'")

