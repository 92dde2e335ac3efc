"""A folder that holds the pairs of its sibling folders again, the whole dataset beside its splits
(HRSC2016's `FullDataSet/` beside `Train/` and `Test/`; a `trainval/` beside `train/` and `val/`).

Read too, every pair would count twice and the split folders' copies would straddle the drawn
splits, so it is set aside, as a COCO annotation file holding another's images is
(`annotations.coco_json`). It is told by content, not by name: its pairs are the pairs of two or
more other folders together, the same file names with the same bytes.
"""

from __future__ import annotations

import filecmp
import logging
import shlex
from pathlib import Path

from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.index import list_images

logger = logging.getLogger(__name__)

SAME_BYTES = 3  # pairs of each part whose image and mask are compared byte for byte with the whole's copies


def without_unions(matches: list[FolderMatch], root: Path) -> tuple[list[FolderMatch], list[Path]]:
    """The matches less each whose pairs are exactly those of two or more others, each a part of
    it (`_copies`), and the files of those set aside (its unpaired images too); each one logged.
    A part may be a whole of its own (`all/` holding `trainval/` and `test/`, `trainval/` holding
    `train/` and `val/`): the smallest folders are always kept, so every pair is read once."""
    held = {id(match): by_name(match) for match in matches}
    parts: dict[int, list[FolderMatch]] = {}
    for part, whole in _within(matches, held):
        if _copies(held[id(part)], held[id(whole)]):
            parts.setdefault(id(whole), []).append(part)
    aside: list[FolderMatch] = []
    for whole in matches:
        mine, found = held[id(whole)], parts.get(id(whole), [])
        if len(found) < 2 or set().union(*(held[id(m)] for m in found)) != mine.keys():
            continue
        aside.append(whole)
        listed = ", ".join(folder_label(m.image_dir, root) for m in found)
        logger.info("%s holds the %d pairs of %s again (the same files): set aside, each pair read once in its own "
                    "folder's split (--images %s reads it alone)", folder_label(whole.image_dir, root), len(mine),
                    listed, shlex.quote(folder_label(whole.image_dir, root).rstrip("/")))
    kept = [m for m in matches if not any(m is a for a in aside)]
    folders = dict.fromkeys(folder for m in aside for folder in (m.image_dir, m.mask_dir))  # once, side by side
    return kept, [p for folder in folders for p in list_images(folder, masks=True)]


def _within(matches: list[FolderMatch], held: dict[int, dict[str, tuple[Path, Path]]]
            ) -> list[tuple[FolderMatch, FolderMatch]]:
    """(part, whole) for each match whose image names are some of another's, the part's first
    image the same size in both: the wholes are looked for among the holders of the part's first
    name and that file's size, so that folders whose frames are named alike (a folder per video,
    each `00000.jpg` ...) never compare with each other, and the work grows with the folders, not
    their square."""
    firsts = {id(match): min(names) for match in matches if (names := held[id(match)])}
    looked_for = set(firsts.values())  # names `_copies` compares the bytes of
    holders: dict[tuple[str, int], list[FolderMatch]] = {}
    own: dict[int, tuple[str, int]] = {}  # a match -> its first name and that file's size, read once
    for match in matches:
        for name in looked_for & held[id(match)].keys():
            key = (name, file_size(held[id(match)][name][0]))
            holders.setdefault(key, []).append(match)
            if name == firsts[id(match)]:
                own[id(match)] = key
    found = []
    for part in matches:
        names = held[id(part)].keys()
        if id(part) in own:
            found += [(part, whole) for whole in holders[own[id(part)]]
                      if len(held[id(whole)]) > len(names) and names < held[id(whole)].keys()]
    return found


def file_size(path: Path) -> int:
    """A file's size in bytes; -1 for one that cannot be read (the audit names it)."""
    try:
        return path.stat().st_size
    except OSError:
        return -1


def by_name(match: FolderMatch) -> dict[str, tuple[Path, Path]]:
    """A match's pairs by their image file's name: (image, mask)."""
    return {image.name: (image, mask) for _, image, mask in match.pairs}


def _copies(part: dict[str, tuple[Path, Path]], whole: dict[str, tuple[Path, Path]]) -> bool:
    """Whether the first `SAME_BYTES` pairs of `part` are the same files in `whole`, image and mask:
    a folder of other annotations (a newer version) of the same images is no copy."""
    return all(filecmp.cmp(one, other, shallow=False)
               for name in sorted(part)[:SAME_BYTES] for one, other in zip(part[name], whole[name]))
