"""The "pair-lists" format: a list per split in DATA (`train.txt`, `val.txt`, `test.txt`) whose
lines each name a folder of images and then a mask file, the mask that of the folder's image named
alike by the pairing rules (`pairing.match_folders`).

DynamicEarthNet lists `/planet/na/<aoi>/PF-SR /labels/<aoi>/Labels/Raster/<tile>/<tile>-2018_01_01.tif`:
an area's daily images and one month's label, which pairs with the image of its date
(`naming.dates.date_in`: `2018-01-01.tif` ~ `<tile>-2018_01_01.tif`). Only the lists tell which image
folder a label folder belongs to, and they carry the official split; the pairs of one listed
folder (one area over time) are a group. Listed paths start at DATA (a leading `/` too), or
end in it when the lists were written from a folder above.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from seglab.data.classes.text_files import regular_text
from seglab.data.classes import ClassSpec
from seglab.data.discovery.naming import SPLIT_WORDS
from seglab.data.discovery.pairing import match_folders
from seglab.data.files.folder_listing import side_entries
from seglab.data.files.index import DatasetIndex, Pair, Problem, list_images
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.layouts.formats import FORMATS, FindingFormat

_LIST_SUFFIXES = (".txt", ".lst")
_Line = tuple[Path, int, list[str]]  # a list, a line's number, its words


def _listed(root: Path, word: str) -> Path | None:
    """A list's path in `root`: as written, or its end (at least a folder and a name) where the
    list was written from a folder above; None when neither is there."""
    parts = [part for part in word.replace("\\", "/").split("/") if part]
    return next((path for k in range(max(len(parts) - 1, 1)) if (path := root.joinpath(*parts[k:])).exists()), None)


def _lines(path: Path) -> list[_Line]:
    text = regular_text(path, encoding="utf-8-sig", errors="replace")
    return [(path, n, line.split()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _names_pair(root: Path, words: list[str]) -> bool:
    """Whether a line's first word is a folder of images and its second a file."""
    folder = _listed(root, words[0]) if len(words) >= 2 else None
    mask = _listed(root, words[1]) if folder is not None else None
    return folder is not None and folder.is_dir() and bool(list_images(folder)) and mask is not None and mask.is_file()


def pair_lists(root: Path) -> dict[str, list[_Line]]:
    """split -> the lines of its list in `root`, for split lists whose first line names a folder
    of images and a mask file; empty when any list's does not (lists of image names are split
    lists of the folder-pairs layout)."""
    found: dict[str, list[_Line]] = {}
    for path in sorted(side_entries(root)):
        split = SPLIT_WORDS.get(path.stem.lower()) if path.suffix.lower() in _LIST_SUFFIXES else None
        if split is not None and path.is_file():
            found.setdefault(split, []).extend(_lines(path))
    if not found or not all(lines and _names_pair(root, lines[0][2]) for lines in found.values()):
        return {}
    return found


def _group_names(folders: list[Path]) -> dict[Path, str]:
    """Each listed folder's name as a group: the parts of its path in which the folders differ
    (DynamicEarthNet's area, `1311_3077_13`, of `planet/na/1311_3077_13/PF-SR`)."""
    depth = {len(f.parts) for f in folders}
    if len(depth) > 1:
        return {f: f.as_posix() for f in folders}
    varied = [i for i in range(depth.pop()) if len({f.parts[i] for f in folders}) > 1]
    return {f: "/".join(f.parts[i] for i in varied) or f.name for f in folders}


@FORMATS.register("pair-lists")
class PairListsFormat(FindingFormat[dict[str, list[_Line]]]):
    """DATA holds `train.txt`, `val.txt`, ... of lines `<image folder> <mask>`: each mask pairs with
    its folder's image named alike (the same date)."""

    layout = ("train.txt/val.txt/test.txt of lines '<image folder> <mask file>', the mask that of the folder's "
              "image named alike, by its date too (DynamicEarthNet's planet/na/<aoi>/PF-SR/2018-01-01.tif ~ "
              "labels/<aoi>/Labels/Raster/<tile>/<tile>-2018_01_01.tif)")
    priority = 10

    def find(self, root: Path) -> dict[str, list[_Line]]:
        return pair_lists(root)

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        lists = self.found(root)
        listed: dict[Path, list[tuple[Path, str]]] = {}  # image folder -> (mask, split)
        problems = []
        for split, lines in lists.items():
            for path, number, words in lines:
                folder, mask = (_listed(root, w) for w in words[:2]) if len(words) >= 2 else (None, None)
                if folder is None or mask is None or not folder.is_dir() or not mask.is_file():
                    problems.append(Problem(path, f"line {number} of '{path}' names '{' '.join(words[:2])}', not an "
                                            f"image folder and a mask file in '{root}'", "missing"))
                else:
                    listed.setdefault(folder, []).append((mask, split))
        groups = _group_names([f.relative_to(root) for f in listed])
        pairs, unpaired = [], 0
        for folder, masks in listed.items():
            images = list_images(folder)
            match = match_folders(images, [m for m, _ in masks], folder, masks[0][0].parent, root)
            image_of = {mask: image for _, image, mask in match.pairs}
            for mask, split in masks:
                if mask in image_of:
                    pairs.append(Pair(image_of[mask].stem, image_of[mask], mask, split,
                                      groups[folder.relative_to(root)]))
                else:
                    problems.append(Problem(mask, f"mask has no image in '{folder}' named alike (nor of its date)",
                                            "mask-without-image"))
            unpaired += len(images) - len(image_of)
        pairs = unique_names(pairs, root)
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(root, mask_dirs, pairs, classes, self.options.cache_dir)
        index = DatasetIndex(root, "pair-lists", pairs, [], encoding.classes, encoding.mapping,
                             problems + list(encoding.problems), mask_values=encoding.values)
        counts = ", ".join(f"{n} {split}" for split, n in Counter(p.split for p in pairs).items())
        named = ", ".join(sorted({path.name for ls in lists.values() for path, _, _ in ls}))
        index.pairing = [f"{named}: {len(pairs)} masks ({counts}) each with the image of its listed folder named alike; "
                         f"{len(listed)} folders (a group each) of {len(pairs) + unpaired} images, the others unpaired"]
        return index
