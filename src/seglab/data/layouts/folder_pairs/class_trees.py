"""Sibling folders named by words, each holding the same numbered case folders of images with a
binary mask each: a class per folder, read one at a time.

The Dresden Surgical Anatomy Dataset ships a folder per structure and in each a folder per
surgery: `liver/01/image00.png` + `mask00.png`, `colon/01/image00.png` + `mask00.png`. A mask
marks its folder's structure alone (the others in the frame are background), so read together
every structure would be one class, and surgery 01 a group in each structure folder, straddling
the splits. seglab refuses and names the folder to pass as DATA.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.channel_files import folder_names_a_band
from seglab.data.discovery.naming import folder_split
from seglab.data.discovery.pairs_csv import pairs_csv_route
from seglab.data.encodings.encoding import choose_encoding
from seglab.data.files.index import Pair
from seglab.errors import DataError

_MIN_SHARED = 2  # case folders two class folders share: one in common may be chance


def refuse_class_trees(root: Path, pairs: Sequence[Pair]) -> None:
    """Refuse pairs under class folders (`class_folders`) whose masks hold two values at most.

    Raises:
        DataError: naming the class folders and one to pass as DATA.
    """
    folders = class_folders(root, pairs)
    if not folders:
        return
    inside = [m for p in pairs if p.mask is not None and any(f in p.image.parents for f in folders) for m in p.masks]
    encoding = choose_encoding(inside, None)
    if not (encoding.binary or 0 < len(encoding.values) <= 2):
        return  # the classes of one class-index mask in each: sites or sources of one labelling
    names = ", ".join(f"{f.name}/" for f in folders[:4]) + (f" and {len(folders) - 4} more" if len(folders) > 4 else "")
    cases = sorted({p.image.parent.name for p in pairs if p.image.parent.parent == folders[0]})
    raise DataError(
        f"{root}: {names} each hold the same numbered folders ({', '.join(f'{c}/' for c in cases[:2])}, ...) of "
        "images with a binary mask each: a class each (a structure, an organ) whose masks mark it alone; read "
        "together they would be one class, and a case's images a group in each folder. Read one class a run: "
        f"seglab inspect {shlex.quote(str(folders[0]))} (--task multilabel reads no such tree; if the folders are "
        f"sites of one class, {pairs_csv_route(root)})")


def class_folders(root: Path, pairs: Sequence[Pair]) -> list[Path]:
    """Sibling folders whose names hold no number nor a split or band word, each with images in
    numbered folders right below it that another of them has too (DSAD's `liver/01/` and
    `colon/01/`); empty when there are not two such."""
    cases: dict[Path, set[str]] = {}
    for folder in dict.fromkeys(pair.image.parent for pair in pairs):  # in order, each once
        if folder.parent != root and folder.is_relative_to(root) and _numbered(folder.name) \
                and _class_word(folder.parent.name):
            cases.setdefault(folder.parent, set()).add(folder.name)
    siblings: dict[Path, list[Path]] = {}
    for folder in cases:
        siblings.setdefault(folder.parent, []).append(folder)
    for folders in siblings.values():
        mirrored = sorted(f for f in folders if any(
            len(cases[f] & cases[g]) >= max(_MIN_SHARED, len(cases[f]) / 2) for g in folders if g != f))
        if len(mirrored) >= 2:
            return mirrored
    return []


def _numbered(name: str) -> bool:
    return any(c.isdigit() for c in name)


def _class_word(name: str) -> bool:
    """Whether a folder name may name a class: words alone, no split (`train/`) nor band (`nir/`)."""
    return not _numbered(name) and folder_split(name) is None and not folder_names_a_band(name)
