"""A folder that holds the pairs of its sibling folders again, the whole dataset beside its splits
(HRSC2016's `FullDataSet/` beside `Train/` and `Test/`; a `trainval/` beside `train/` and `val/`).

Read too, every pair would count twice and the split folders' copies would straddle the drawn
splits, so it is set aside, as a COCO annotation file holding another's images is
(`annotations.coco_subsets`). It is told by content, not by name: its pairs are the pairs of two or
more other folders together, the same file names with the same bytes.
"""

from __future__ import annotations

import filecmp
import logging
import shlex
from pathlib import Path

from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.byte_copies import file_size
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
    """(part, whole) for each match whose image names are some of a possible whole's
    (`_possible_wholes`), the part's first image the same size in both: the wholes are looked for
    among those holding the part's first name at that file's size. Folders whose frames are
    named alike (a folder per video or clip, each `00000.jpg` ...) are no possible wholes, so none
    is compared with another, and the work grows with the pairs, not the square of the folders."""
    wholes = _possible_wholes(matches, held)
    firsts = {id(match): min(names) for match in matches if (names := held[id(match)])}
    looked_for = set(firsts.values())  # names `_copies` compares the bytes of
    holders: dict[tuple[str, int], list[FolderMatch]] = {}
    for whole in wholes:
        for name in looked_for & held[id(whole)].keys():
            holders.setdefault((name, file_size(held[id(whole)][name][0])), []).append(whole)
    held_names = {name for name, _ in holders}
    found = []
    for part in matches:
        names = held[id(part)]
        if names and (first := firsts[id(part)]) in held_names:
            found += [(part, whole) for whole in holders.get((first, file_size(names[first][0])), [])
                      if len(held[id(whole)]) > len(names) and names.keys() < held[id(whole)].keys()]
    return found


def _possible_wholes(matches: list[FolderMatch], held: dict[int, dict[str, tuple[Path, Path]]]
                     ) -> list[FolderMatch]:
    """The matches each of whose image names a match with fewer pairs holds too: a whole's pairs
    are its parts' together, each part smaller, so no other can be one. A folder of a video's
    frames holds its last frame's name with longer videos only. One pass over the names."""
    fewest: dict[str, int] = {}  # an image name -> the fewest pairs of a match holding it
    for match in matches:
        count = len(held[id(match)])
        for name in held[id(match)]:
            fewest[name] = min(fewest.get(name, count), count)
    return [match for match in matches if (names := held[id(match)]) and all(fewest[n] < len(names) for n in names)]


def by_name(match: FolderMatch) -> dict[str, tuple[Path, Path]]:
    """A match's pairs by their image file's name: (image, mask)."""
    return {image.name: (image, mask) for _, image, mask in match.pairs}


def _copies(part: dict[str, tuple[Path, Path]], whole: dict[str, tuple[Path, Path]]) -> bool:
    """Whether the first `SAME_BYTES` pairs of `part` are the same files in `whole`, image and mask:
    a folder of other annotations (a newer version) of the same images is no copy."""
    return all(filecmp.cmp(one, other, shallow=False)
               for name in sorted(part)[:SAME_BYTES] for one, other in zip(part[name], whole[name]))
