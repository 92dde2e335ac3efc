"""The "sbd" format: the Semantic Boundaries Dataset as it is shipped (`benchmark_RELEASE/dataset/`:
`img/2008_000002.jpg`, `cls/2008_000002.mat`, `inst/`, `train.txt`, `val.txt`), the 11,355
VOC images whose class masks make Pascal VOC's "trainaug" set.

A `cls/*.mat` file holds the struct `GTcls`, whose `Segmentation` is the class mask (0
background, 1 aeroplane ... 20 tvmonitor: VOC's classes and colours; `mat_files` reads it).
`train.txt` and `val.txt` give SBD's own split (8,498 and 2,857 images); the instance masks in
`inst/` are not read.
"""

from __future__ import annotations

from pathlib import Path

from seglab.data.classes import ClassSpec
from seglab.data.layouts.formats import FORMATS, DatasetFormat
from seglab.data.files.index import DatasetIndex, Pair, list_images, match_files
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.data.splitting.list_splits import split_of_stems
from seglab.data.splitting.split_lists import apply_split_lists
from seglab.data.encodings.voc import CLASSES

_PLACES = (Path("."), Path("dataset"), Path("benchmark_RELEASE", "dataset"))  # DATA may be any of these


def sbd_folder(root: Path) -> Path | None:
    """The folder holding `img/` and `cls/` (with .mat masks): DATA, its `dataset/` or
    `benchmark_RELEASE/dataset/`."""
    for place in _PLACES:
        folder = root / place
        if (folder / "img").is_dir() and (folder / "cls").is_dir() and any((folder / "cls").glob(f"*{MAT_SUFFIX}")):
            return folder
    return None


@FORMATS.register("sbd")
class SbdFormat(DatasetFormat):
    """SBD: img/*.jpg + cls/*.mat (GTcls.Segmentation) + train.txt/val.txt; VOC's 21 classes."""

    layout = "img/*.jpg + cls/*.mat (GTcls.Segmentation) + train.txt/val.txt (SBD, Pascal VOC's trainaug masks)"
    priority = 10

    def detect(self, root: Path) -> bool:
        return root.is_dir() and sbd_folder(root) is not None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        folder = sbd_folder(root) or root
        masks = sorted((folder / "cls").glob(f"*{MAT_SUFFIX}"))
        matched, problems = match_files(list_images(folder / "img"), masks, lambda p: p.stem,
                                        lambda p: f"cls/{p.stem}{MAT_SUFFIX}")
        pairs = [Pair(key, image, mask) for key, image, mask in matched]
        lists = {split: folder / f"{split}.txt" for split in ("train", "val") if (folder / f"{split}.txt").is_file()}
        pairs, _, problems = apply_split_lists(pairs, problems, {folder / "img": split_of_stems(lists)} if lists else {},
                                               " and ".join(f"'{path}'" for path in lists.values()))
        line = (f"SBD: {len(pairs)} images with their cls/*.mat masks, VOC's 21 classes"
                + (f"; the split of {' and '.join(p.name for p in lists.values())}" if lists else ""))
        return DatasetIndex(folder, "sbd", pairs, [], classes or CLASSES, IdentityMapping(), problems, pairing=[line])
