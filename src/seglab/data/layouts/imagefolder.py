"""The "imagefolder" format: a Hugging Face `datasets` imagefolder, the folder
`load_dataset("imagefolder", data_dir=...)` reads, with a metadata file linking each image to its
mask, whose name need not be the image's (`images/IMG_1034.jpg` ~ `masks/seg_0001.png`).

A `metadata.jsonl` (an object a line) or `metadata.csv` lies in each split folder (`train/`,
`validation/`, `test/`) or at the top; its `file_name` column names the image and a
`mask_file_name` column (`label_file_name`, `annotation_file_name`, ...: imagefolder's
`*_file_name` columns of linked files) the mask, both relative to the file's folder. Rows are read
as a manifest's (`manifest.listed_pairs`); a row without a mask is an unlabelled image. The splits
are those the rows name, else the folders between DATA and each image. Mask values are named by
`id2label.json` at the top, else the dataset card (`hub_parquet.hub_value_names`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from seglab.data.classes.text_files import open_regular
from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.discovery.folders import walk
from seglab.data.discovery.naming import folders_split, usable_splits
from seglab.data.files.delimiters import table_delimiter
from seglab.data.files.index import DatasetIndex
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.data.layouts.hub_parquet import hub_value_names
from seglab.data.layouts.manifest import JSON_LINES_SUFFIX, listed_pairs
from seglab.data.layouts.manifest_columns import IMAGE_FILE_COLUMN, MASK_FILE_COLUMNS

METADATA_FILES = ("metadata.jsonl", "metadata.csv")  # the names imagefolder reads, the first where both lie
_HEADER_BYTES = 1 << 16  # a header line, or a first JSON Lines row, is far shorter


@FORMATS.register("imagefolder")
class ImageFolderFormat(FindingFormat[list[Path]]):
    """A Hugging Face imagefolder whose metadata files pair images and masks; see the module docstring."""

    layout = ("a Hugging Face imagefolder: metadata.jsonl or metadata.csv with file_name and mask_file_name columns "
              "in each split folder (train/images/ + train/masks/ + train/metadata.jsonl) or at the top, "
              "id2label.json beside")
    priority = 0  # before folder-pairs, which pairs images/ and masks/ by name: here the metadata alone links them

    def find(self, root: Path) -> list[Path]:
        return metadata_files(root) if root.is_dir() else []

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        files = self.found(root)
        pairs, unlabelled = [], []
        for path in files:
            _, listed, images, _ = listed_pairs(path)
            pairs += listed
            unlabelled += [image for image, _ in images]
        splits = [pair.split or folders_split(pair.image, root) for pair in pairs]
        kept = usable_splits(splits)
        pairs = unique_names([replace(p, split=s if kept else None) for p, s in zip(pairs, splits)], root)
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(root, mask_dirs, pairs, classes, self.options.cache_dir)
        index = DatasetIndex(root, "imagefolder", pairs, unlabelled, encoding.classes, encoding.mapping,
                             list(encoding.problems), mask_values=encoding.values)
        counts = ", ".join(f"{n} {split}" for split, n in Counter(p.split or "unsplit" for p in pairs).items())
        named = ", ".join(path.relative_to(root).as_posix() for path in files)
        index.pairing = [f"{named}: {len(pairs)} pairs listed ({counts}) by {IMAGE_FILE_COLUMN} and its mask column"
                         + (f", {len(unlabelled)} images without mask" if unlabelled else "")]
        if encoding.classes is None and type(encoding.mapping) is IdentityMapping:
            index.value_names = hub_value_names(root, files)
        return index

def metadata_files(root: Path) -> list[Path]:
    """The imagefolder metadata files that pair images with masks: `metadata.jsonl` or
    `metadata.csv` in a folder of images or one above it, up to `root` (`train/metadata.jsonl`
    over `train/images/`), whose columns name the image `file_name` and a mask (`_names_masks`)."""
    folders = {root}
    for folder in walk(root):
        folders.update(above for above in (folder.path, *folder.path.parents) if above.is_relative_to(root))
    found = [next((folder / name for name in METADATA_FILES if (folder / name).is_file()), None)
             for folder in sorted(folders)]
    return [path for path in found if path is not None and _names_masks(path)]


def _names_masks(path: Path) -> bool:
    """Whether a metadata file's columns (a CSV's header, the keys of a JSON Lines file's first row)
    hold `file_name` and a mask's (`mask_file_name`): image classification's metadata names no mask."""
    try:
        with open_regular(path, "r", encoding="utf-8-sig") as file:
            first = next((line for line in iter(lambda: file.readline(_HEADER_BYTES), "") if line.strip()), "")
    except (OSError, UnicodeDecodeError):
        return False
    if path.suffix.lower() == JSON_LINES_SUFFIX:
        try:
            row = json.loads(first)
        except (json.JSONDecodeError, RecursionError):
            return False
        columns = [str(key) for key in row] if isinstance(row, dict) else []
    else:
        columns = first.split(table_delimiter(path, first))
    named = {column.strip().strip('"').lower() for column in columns}
    return IMAGE_FILE_COLUMN in named and not named.isdisjoint(MASK_FILE_COLUMNS)
