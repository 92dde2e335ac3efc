"""The "parallel-lists" format: `<split>_rgb.txt` + `<split>_label.txt`, line i of each one sample.

ESANet's prepared SUN RGB-D ships `train_rgb.txt`, `train_depth.txt`, `train_label.txt` and the
`test_` three beside `SUNRGBD/`: paths relative to the dataset folder, line i of every list one
sample (`.../image/NYU0001.jpg` with `.../label/label.npy`, names unrelated), relative to the
dataset folder or to the one folder inside it where they exist (`SUNRGBD/`). Only such lists pair
those files, and they carry the official split.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.classes.text_files import regular_text
from seglab.data.classes import ClassSpec
from seglab.data.discovery.naming import SPLIT_WORDS, stem
from seglab.data.files.folder_listing import matching, subfolders
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.layouts.formats import FORMATS, DatasetFormat

_LIST = re.compile(r"(?P<split>[a-z]+)_(?P<kind>rgb|images?|imgs?|labels?|masks?)\.txt", re.IGNORECASE)
_IMAGE_KINDS = ("rgb", "image", "images", "img", "imgs")


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in regular_text(path, encoding="utf-8-sig", errors="replace").splitlines()
            if line.strip()]


def _base(root: Path, image: str) -> Path | None:
    """The folder a listed path is relative to: `root` or one folder inside it (ESANet's `SUNRGBD/`)."""
    inside = [p for p in subfolders(root) if not p.name.startswith(".")]
    return next((base for base in (root, *inside) if (base / image).is_file()), None)


def parallel_lists(root: Path) -> tuple[Path, dict[str, tuple[list[str], list[str]]]] | None:
    """The folder the paths start from and split -> (image paths, mask paths) of the list pairs in
    `root` whose line counts agree and whose first image and mask exist: the evidence that line i
    of one names line i of the other's image. None when there are none."""
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(matching(root, "*.txt")):
        named = _LIST.fullmatch(path.name)
        split = SPLIT_WORDS.get(named.group("split").lower()) if named else None
        if named and split:
            kind = "image" if named.group("kind").lower() in _IMAGE_KINDS else "mask"
            found.setdefault(split, {}).setdefault(kind, path)
    lists, bases = {}, set()
    for split, kinds in found.items():
        if len(kinds) == 2:
            images, masks = _lines(kinds["image"]), _lines(kinds["mask"])
            base = _base(root, images[0]) if images and len(images) == len(masks) else None
            if base is not None and (base / masks[0]).is_file():
                lists[split] = images, masks
                bases.add(base)
    return (bases.pop(), lists) if len(bases) == 1 else None


@FORMATS.register("parallel-lists")
class ParallelListsFormat(DatasetFormat):
    """DATA holds `<split>_rgb.txt` + `<split>_label.txt` (or `_image`/`_mask`), line i of each a pair."""

    layout = ("<split>_rgb.txt + <split>_label.txt (or _image/_mask) listing image and mask paths line by line, "
              "with their split (ESANet's SUN RGB-D)")
    priority = 10

    def detect(self, root: Path) -> bool:
        return root.is_dir() and parallel_lists(root) is not None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base, lists = parallel_lists(root) or (root, {})
        pairs = [Pair(stem(base / image), base / image, base / mask, split)
                 for split, (images, masks) in lists.items() for image, mask in zip(images, masks)]
        pairs = unique_names(pairs, base)
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(root, mask_dirs, pairs, classes, self.options.cache_dir)
        counts = ", ".join(f"{len(images)} {split}" for split, (images, _) in lists.items())
        index = DatasetIndex(root, "parallel-lists", pairs, [], encoding.classes, encoding.mapping,
                             list(encoding.problems), mask_values=encoding.values)
        index.pairing = [f"pairs listed line by line in {', '.join(f'{s}_*.txt' for s in lists)}: {counts}"]
        return index
