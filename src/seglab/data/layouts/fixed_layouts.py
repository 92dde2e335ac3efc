"""Layouts known by their fixed folder names: Oxford-IIIT Pet's `images/` + `annotations/trimaps/`
(in DATA or the one folder in it holding images), a folder of binary masks per class
(multi-label), and MRIs/ + Segmentations/ .npy pairs.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import IdentityMapping, OffsetMapping
from seglab.data.discovery.folders import holds_images, lone_data_folder
from seglab.data.discovery.pairing import folder_label
from seglab.data.encodings.mask_sample import sample_masks
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import DatasetIndex, Pair, Problem, list_images, match_files, natural_key
from seglab.data.layouts.formats import DatasetFormat, FORMATS
from seglab.data.layouts.multilabel import class_folders, index_class_folders
from seglab.data.splitting.split_lists import apply_split_lists, read_split_lists

OXFORD_PET_CLASSES = ClassSpec(names=("pet", "background", "border"))
BRAIN_MRI_CLASSES = ClassSpec(names=("white matter", "gray matter", "background"))


def _stem(path: Path) -> str:
    return path.stem


@FORMATS.register("oxford-pet")
class OxfordPetFormat(DatasetFormat):
    """Oxford-IIIT Pet: trimaps store 1 pet, 2 background, 3 border; classes 0, 1, 2. The official
    split is `annotations/trainval.txt` (train, val drawn from it) and `annotations/test.txt`."""

    layout = "images/*.jpg + annotations/trimaps/*.png (Oxford-IIIT Pet)"
    priority = 10

    def detect(self, root: Path) -> bool:
        return root.is_dir() and oxford_pet_folder(root) is not None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        folder = oxford_pet_folder(root) or root
        images, trimaps = folder / "images", folder / "annotations" / "trimaps"
        matched, problems = match_files(
            list_images(images), list_images(trimaps), _stem, lambda p: f"annotations/trimaps/{p.stem}.png"
        )
        pairs = [Pair(k, image, mask) for k, image, mask in matched]
        lists = read_split_lists([(images, trimaps)], folder)
        pairs, unlabelled, problems = apply_split_lists(
            pairs, problems, lists.splits, ", ".join(sorted({f"'{p.parent}'" for p in lists.files})))
        line = (f"{folder_label(images, root)} + {folder_label(trimaps, root)}: {len(pairs)} pairs by name"
                + (f", split as {' and '.join(p.name for p in sorted(lists.files))} say" if lists.files else ""))
        return DatasetIndex(folder, "oxford-pet", pairs, unlabelled, classes or OXFORD_PET_CLASSES, OffsetMapping(1),
                            problems, pairing=[line])


def oxford_pet_folder(root: Path) -> Path | None:
    """The folder holding `images/` + `annotations/trimaps/`: DATA, or the one folder in it that
    holds images (`lone_data_folder`: torchvision's `OxfordIIITPet(root="data")` unpacks to
    `data/oxford-iiit-pet/`, beside the other datasets it downloaded there)."""
    def holds_pets(folder: Path) -> bool:
        return (folder / "images").is_dir() and (folder / "annotations" / "trimaps").is_dir()

    if holds_pets(root):
        return root
    if not any(holds_pets(p) for p in subfolders(root)):  # before any listing of DATA
        return None
    inner = lone_data_folder(root, lambda folder: holds_images(root, folder))
    return inner if inner is not None and holds_pets(inner) else None


@FORMATS.register("class-folders")
class ClassFoldersFormat(DatasetFormat):
    """Multi-label: images/ + masks/<class>/ with one binary mask per class (seglab.data.layouts.multilabel)."""

    layout = "images/ + masks/<class>/<name>.png, one binary mask per class (multi-label)"
    priority = 25

    def detect(self, root: Path) -> bool:
        return root.is_dir() and class_folders(root) is not None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        return index_class_folders(root, classes)


@FORMATS.register("npy-pairs")
class NpyPairsFormat(DatasetFormat):
    """MRIs/<anything>_<i>.npy + Segmentations/segm_<i>.npy, matched by the trailing number i."""

    layout = "MRIs/*_<i>.npy + Segmentations/segm_<i>.npy (matched by the trailing number)"
    priority = 20

    def detect(self, root: Path) -> bool:
        return (root / "MRIs").is_dir() and (root / "Segmentations").is_dir()

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        problems: list[Problem] = []

        def numbered(folder: Path) -> list[Path]:
            files = [p for p in list_images(folder) if p.suffix.lower() == ".npy"]
            for p in files:
                if not re.search(r"\d+$", p.stem):
                    problems.append(
                        Problem(p, "name has no trailing number to match image and mask", "unmatched-name")
                    )
            return [p for p in files if re.search(r"\d+$", p.stem)]

        def number(path: Path) -> str:
            return str(int(re.search(r"(\d+)$", path.stem).group(1)))  # type: ignore[union-attr]

        images, masks = numbered(root / "MRIs"), numbered(root / "Segmentations")
        matched, unpaired = match_files(
            images, masks, number, lambda p: f"Segmentations/segm_{number(p)}.npy"
        )
        pairs = [Pair(image.stem, image, mask) for _, image, mask in matched]
        pairs.sort(key=lambda p: natural_key(p.name))
        if classes is None and pairs:
            values = set(sample_masks([p.mask for p in pairs if p.mask is not None]).label_values())
            # the brain MRI tutorial labels: 0 white matter, 1 gray matter, 2 background
            classes = BRAIN_MRI_CLASSES if values == {0, 1, 2} else None
        problems += unpaired
        return DatasetIndex(root, "npy-pairs", pairs, [], classes, IdentityMapping(), problems)
