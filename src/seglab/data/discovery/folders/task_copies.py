"""Image folders holding the same images as another's, each with masks of its own: the labels of
two tasks on one set of images, never one dataset.

DeepFish ships its frames twice, `Localization/images/valid/` with point masks (a pixel per fish)
and `Segmentation/images/valid/` with fish outlines: read together, each frame would train twice
on two answers. As `union_folders` tells copies, it is told by content, not by name: the same
file names, the first images the same bytes, the masks not.
"""

from __future__ import annotations

import filecmp
import hashlib
import shlex
from itertools import combinations
from pathlib import Path

from seglab.data.discovery.folders.union_folders import SAME_BYTES, by_name
from seglab.data.discovery.naming import folder_split, looks_like_mask_folder
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.byte_copies import file_size, holds_one_value
from seglab.errors import DataError


def refuse_task_copies(matches: list[FolderMatch], root: Path) -> None:
    """Refuse two matches whose image folders hold the same images with other masks, naming the
    folders where their paths part (the tasks) and how to read one.

    Raises:
        DataError: two image folders copy each other and their masks differ.
    """
    held = {id(match): by_name(match) for match in matches}
    alike: dict[tuple[frozenset[str], int], list[FolderMatch]] = {}  # the same names, the first image as large
    for match in matches:
        if names := held[id(match)]:
            alike.setdefault((frozenset(names), file_size(names[min(names)][0])), []).append(match)
    for group in alike.values():
        first = sorted(held[id(group[0])])[:SAME_BYTES]
        for one, other in (pair for same in _same_first_image(group, held) for pair in combinations(same, 2)):
            pairs = [(held[id(one)][name], held[id(other)][name]) for name in first]
            if all(filecmp.cmp(a[0], b[0], shallow=False) for a, b in pairs) \
                    and not all(filecmp.cmp(a[1], b[1], shallow=False) for a, b in pairs) \
                    and not _splits_or_blanks(one, other, root, pairs[0][0][0]):
                raise _two_tasks(one, other, root)


def _same_first_image(group: list[FolderMatch], held: dict[int, dict[str, tuple[Path, Path]]]
                      ) -> list[list[FolderMatch]]:
    """The matches of `group` (the same names, the first image as large) by their first image's
    bytes, read once each: only those alike can copy each other. A folder per clip whose frames
    are named alike and compress to one size (CULane's `00000.jpg`, ...) then compares with none,
    not byte for byte with every other (the work grew with the square of the clips). A first image
    that cannot be read tells no copy (the audit names it)."""
    if len(group) < 2:
        return []
    by_bytes: dict[bytes, list[FolderMatch]] = {}
    for match in group:
        try:
            digest = hashlib.blake2b(held[id(match)][min(held[id(match)])][0].read_bytes(), digest_size=16).digest()
        except OSError:
            continue
        by_bytes.setdefault(digest, []).append(match)
    return list(by_bytes.values())


def _splits_or_blanks(one: FolderMatch, other: FolderMatch, root: Path, image: Path) -> bool:
    """Copies that say no task: folders parting at split folders (CPM-17's `train/` and `test/`:
    an image in both is a duplicate, which the audit reports), or images of one value, alike by
    chance (generated stand-ins, blank frames)."""
    parts = (_task_folder(one, other, root)[0].name, _task_folder(other, one, root)[0].name)
    return any(folder_split(part) is not None for part in parts) or holds_one_value(image)


def _two_tasks(one: FolderMatch, other: FolderMatch, root: Path) -> DataError:
    """The refusal: both folders named, a folder named for segmentation offered first."""
    tasks = sorted((_task_folder(one, other, root), _task_folder(other, one, root)),
                   key=lambda pair: (not looks_like_mask_folder(pair[0].name), pair[0].name))
    listed = "".join(f"\n  {folder_label(top, root)}: {folder_label(match.image_dir, root)} + "
                     f"{folder_label(match.mask_dir, root)}, {len(match.pairs)} pairs" for top, match in tasks)
    return DataError(f"'{root}': the same images (by name and bytes) are paired with other masks in two folders, "
                     f"the labels of two tasks, not one dataset:{listed}\nread one task: "
                     + " or ".join(_route(top, match, root) for top, match in tasks))


def _task_folder(match: FolderMatch, beside: FolderMatch, root: Path) -> tuple[Path, FolderMatch]:
    """The folder of `match`'s path where it parts from `beside`'s (DeepFish's `Localization/`)."""
    mine, theirs = match.image_dir.relative_to(root).parts, beside.image_dir.relative_to(root).parts
    at = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)) - 1)
    return root.joinpath(*mine[: at + 1]), match


def _route(top: Path, match: FolderMatch, root: Path) -> str:
    """`seglab inspect` of the task's folder when it holds the masks too, else --images and --masks."""
    if top in match.mask_dir.parents or top == match.mask_dir:
        return f"seglab inspect {shlex.quote(str(top))}"
    images, masks = (shlex.quote(p.relative_to(root).as_posix()) for p in (match.image_dir, match.mask_dir))
    return f"seglab inspect {shlex.quote(str(root))} --images {images} --masks {masks}"
