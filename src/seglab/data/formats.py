"""Dataset layouts on disk, a registry of them, and `discover`, which finds and indexes one.

Each format knows how to recognise its layout (`detect`) and list its pairs (`index`);
`discover` picks the format, applies classes.json and the ignore label, and refuses folders
without pairs. Adding a layout is one registered class.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from seglab.data.classes import ClassSpec, load_classes_file
from seglab.data.encoding import ENCODING_CODES, choose_encoding, label_map_encoding, sample_masks
from seglab.data.index import DatasetIndex, Pair, Problem, list_images, match_files, natural_key
from seglab.data.mapping import IdentityMapping, MaskMapping, OffsetMapping
from seglab.config import DataConfig
from seglab.errors import ConfigError, DataError
from seglab.registry import Registry

__all__ = ["FORMATS", "DatasetFormat", "DatasetIndex", "Pair", "Problem", "discover", "discover_data"]

logger = logging.getLogger(__name__)

OXFORD_PET_CLASSES = ClassSpec(names=("pet", "background", "border"))
BRAIN_MRI_CLASSES = ClassSpec(names=("white matter", "gray matter", "background"))
ISBI_CLASSES = ClassSpec(names=("membrane", "cell"))
CAMVID_NAMES = (
    "Sky", "Building", "Pole", "Road", "Pavement", "Tree",
    "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist",
)  # fmt: skip
CAMVID_VOID = 11

_SPLIT_NAMES = ("train", "val", "test")


class DatasetFormat:
    """A dataset layout: recognise it and list its pairs.

    Subclasses set `layout` (one line shown when auto-detection fails) and `priority`
    (lower is tried first, so specific layouts win over generic ones).
    """

    layout: ClassVar[str] = ""
    priority: ClassVar[int] = 100

    def detect(self, root: Path) -> bool:
        """Whether `root` looks like this layout (cheap: folder names only)."""
        raise NotImplementedError

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        """List pairs, unlabelled images and problems; `classes` comes from classes.json."""
        raise NotImplementedError


FORMATS: Registry[type[DatasetFormat]] = Registry("dataset format")


def discover(
    root: str | Path,
    format: str = "auto",
    classes_file: str | None = None,
    ignore_index: int | None = None,
    label_map: Mapping[object, object] | None = None,
) -> DatasetIndex:
    """Find the layout of a dataset folder and index its image/mask pairs.

    Args:
        root: dataset folder.
        format: a key of `FORMATS`, or "auto" to detect it.
        classes_file: classes.json to use; by default `root/classes.json` when present.
        ignore_index: overrides the ignore label of the classes.
        label_map: raw mask value -> class index or "ignore", replacing the mapping chosen
            from the masks (see `seglab.data.encoding.label_map_encoding`).

    Raises:
        DataError: missing or empty folder, unknown layout, bad classes.json, no pairs.
        ConfigError: `format` is not a registered format.

    Example:
        >>> index = discover("data/isbi2012")  # doctest: +SKIP
        >>> len(index.pairs), index.classes.names  # doctest: +SKIP
        (30, ('membrane', 'cell'))
    """
    root = Path(root)
    if not root.exists():
        raise DataError(f"dataset folder '{root}' does not exist")
    if not root.is_dir():
        raise DataError(f"dataset path '{root}' is not a folder")
    if not any(p for p in root.iterdir() if not p.name.startswith(".")):
        raise DataError(f"dataset folder '{root}' is empty")
    if classes_file is not None:
        classes = load_classes_file(classes_file)
    elif (root / "classes.json").is_file():
        classes = load_classes_file(root / "classes.json")
    else:
        classes = None

    fmt = _choose_format(root, format)
    index = fmt.index(root, classes)
    if not index.pairs:
        shown = "".join(f"\n  {p}" for p in index.problems[:5])
        raise DataError(f"no image/mask pairs found in '{root}' ({index.format} layout){shown}")
    if label_map is not None:
        index = _relabel(index, label_map, classes, ignore_index)
        ignore_index = index.ignore_index
    if index.classes is not None:
        if ignore_index is None:
            ignore_index = index.classes.ignore_index
        index.classes = replace(index.classes, ignore_index=ignore_index)
    index.ignore_index = ignore_index
    logger.info("%s: %s layout, %d pairs", root, index.format, len(index.pairs))
    return index


def discover_data(cfg: DataConfig) -> DatasetIndex:
    """`discover` with every reading option of the data section of a config.

    Training, evaluation, `seglab inspect` and the Python API all go through here, so a folder
    is read the same way by each of them.

    Raises:
        ConfigError: no dataset path, or an unknown format.
        DataError: see `discover`.
    """
    if cfg.path is None:
        raise ConfigError("no dataset given: pass a DATA folder (or data.path in the config)")
    return discover(cfg.path, cfg.format, classes_file=cfg.classes_file, ignore_index=cfg.ignore_index,
                    label_map=cfg.label_map)


def _relabel(
    index: DatasetIndex, label_map: Mapping[object, object], classes: ClassSpec | None, ignore_index: int | None
) -> DatasetIndex:
    """The index with a --label-map instead of the mapping (and classes) chosen from the masks."""
    if index.mapping.needs_rgb:
        raise ConfigError(f"data.label_map maps the values of label masks, but '{index.root}' has colour masks; "
                          "name their classes in a classes.json with \"colours\" instead")
    if ignore_index is None and classes is not None:
        ignore_index = classes.ignore_index
    mapping, ignore_index = label_map_encoding(label_map, ignore_index)
    kept = [p for p in index.problems if p.code not in ENCODING_CODES]
    return replace(index, mapping=mapping, classes=classes, problems=kept, ignore_index=ignore_index)


def _choose_format(root: Path, name: str) -> DatasetFormat:
    if name != "auto":
        try:
            fmt = FORMATS.get(name)()
        except KeyError as err:
            raise ConfigError(f"{err.args[0]} (for dataset '{root}'), or 'auto'") from None
        if not fmt.detect(root):
            raise DataError(f"'{root}' does not look like the {name} layout: expected {fmt.layout}")
        return fmt
    formats = sorted((FORMATS.get(n)() for n in FORMATS.names()), key=lambda f: f.priority)
    for fmt in formats:
        if fmt.detect(root):
            return fmt
    looked = "".join(f"\n  {n}: {FORMATS.get(n).layout}" for n in FORMATS.names())
    raise DataError(f"no known dataset layout in '{root}'; looked for:{looked}")


def _stem(path: Path) -> str:
    return path.stem


@FORMATS.register("oxford-pet")
class OxfordPetFormat(DatasetFormat):
    """Oxford-IIIT Pet: trimaps store 1 pet, 2 background, 3 border; classes 0, 1, 2."""

    layout = "images/*.jpg + annotations/trimaps/*.png (Oxford-IIIT Pet)"
    priority = 10

    def detect(self, root: Path) -> bool:
        return (root / "images").is_dir() and (root / "annotations" / "trimaps").is_dir()

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        images = list_images(root / "images")
        masks = list_images(root / "annotations" / "trimaps")
        matched, problems = match_files(
            images, masks, _stem, lambda p: f"annotations/trimaps/{p.stem}.png"
        )
        pairs = [Pair(k, image, mask) for k, image, mask in matched]
        return DatasetIndex(
            root, "oxford-pet", pairs, [], classes or OXFORD_PET_CLASSES, OffsetMapping(1), problems
        )


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


@FORMATS.register("folder-pairs")
class FolderPairsFormat(DatasetFormat):
    """An image folder and a mask folder with matching stems.

    Recognised folder pairs: images/ + masks/, image/ + label/, images/ + labels/ in the root or
    in train/ (ISBI), and X/ + Xannot/ for any X (SegNet CamVid: train/ + trainannot/, ...).
    Split labels are kept when the layout has both a train and a val folder pair.
    """

    layout = (
        "images/ + masks/, image/ + label/ (also under train/, with test/ unlabelled), "
        "or X/ + Xannot/ (CamVid), with an optional classes.json"
    )
    priority = 30
    dir_pairs: ClassVar[tuple[tuple[str, str], ...]] = (
        ("images", "masks"),
        ("image", "label"),
        ("images", "labels"),
    )

    def detect(self, root: Path) -> bool:
        return bool(self._groups(root))

    def _groups(self, root: Path) -> list[tuple[Path, Path, str | None]]:
        """(image folder, mask folder, split) for every folder pair found."""
        for base in (root, root / "train"):
            for i, m in self.dir_pairs:
                if (base / i).is_dir() and (base / m).is_dir():
                    return [(base / i, base / m, None)]
        groups = []
        for folder in sorted(root.iterdir(), key=lambda p: natural_key(p.name)):
            annot = root / f"{folder.name}annot"
            if folder.is_dir() and annot.is_dir():
                groups.append((folder, annot, folder.name if folder.name in _SPLIT_NAMES else None))
        return groups

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        groups = self._groups(root)
        if not {"train", "val"} <= {split for _, _, split in groups}:
            groups = [(i, m, None) for i, m, _ in groups]  # one labelled set: split by fractions
        pairs, problems = [], []
        for image_dir, mask_dir, split in groups:
            rel = mask_dir.relative_to(root).as_posix()
            matched, unpaired = match_files(
                list_images(image_dir), list_images(mask_dir), _stem, lambda p, r=rel: f"{r}/{p.stem}.*"
            )
            pairs += [Pair(k, image, mask, split) for k, image, mask in matched]
            problems += unpaired
        pairs = _unique_names(pairs, root)
        unlabelled = self._unlabelled(root, groups)
        classes, mapping, found = self._classes(root, groups, pairs, classes)
        return DatasetIndex(root, "folder-pairs", pairs, unlabelled, classes, mapping, problems + found)

    def _unlabelled(self, root: Path, groups: list[tuple[Path, Path, str | None]]) -> list[Path]:
        used = {i for i, _, _ in groups}
        test = root / "test"
        if not test.is_dir() or test in used:
            return []
        found = list_images(test)
        for i, m in self.dir_pairs:
            if (test / i).is_dir() and not (test / m).is_dir():
                found += list_images(test / i)
        return found

    def _classes(
        self,
        root: Path,
        groups: list[tuple[Path, Path, str | None]],
        pairs: list[Pair],
        classes: ClassSpec | None,
    ) -> tuple[ClassSpec | None, MaskMapping, list[Problem]]:
        """The encoding of the masks (`choose_encoding`), with class names of known layouts."""
        if not pairs:
            return classes, IdentityMapping(), []
        encoding = choose_encoding([p.mask for p in pairs if p.mask is not None], classes)
        found = list(encoding.problems)
        isbi = all(i.name == "image" and m.name == "label" for i, m, _ in groups)
        if classes is None and encoding.binary and isbi:
            return ISBI_CLASSES, encoding.mapping, found
        camvid = {m.name for _, m, _ in groups} >= {"trainannot", "valannot"}
        values = encoding.values
        if classes is None and camvid and values and max(values) <= CAMVID_VOID:
            classes = ClassSpec(CAMVID_NAMES, _camvid_colours(root), ignore_index=CAMVID_VOID)
            return classes, encoding.mapping, found
        return encoding.classes, encoding.mapping, found


def _camvid_colours(root: Path) -> tuple[tuple[int, int, int], ...]:
    """The SegNet legend from palette11.png (first 11 pixels), or generated colours."""
    path = root / "palette11.png"
    if not path.is_file():
        return ()
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    except (OSError, ValueError) as err:
        logger.warning("cannot read CamVid palette '%s' (%s); using generated colours", path, err)
        return ()
    if len(pixels) < len(CAMVID_NAMES):
        return ()
    return tuple(tuple(int(v) for v in p) for p in pixels[: len(CAMVID_NAMES)])  # type: ignore[misc]


def _unique_names(pairs: list[Pair], root: Path) -> list[Pair]:
    """Pairs sorted by name; equal stems from different folders get their folder as prefix."""
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.name] = counts.get(p.name, 0) + 1
    renamed = [
        replace(p, name=f"{p.image.parent.relative_to(root).as_posix()}/{p.name}")
        if counts[p.name] > 1
        else p
        for p in pairs
    ]
    return sorted(renamed, key=lambda p: natural_key(p.name))


@FORMATS.register("synthetic")
class SyntheticFormat(DatasetFormat):
    """A folder written by `generate_synthetic`: images/ + masks/ + classes.json + synthetic.json."""

    layout = "synthetic.json + images/ + masks/ + classes.json (written by generate_synthetic)"
    priority = 0

    def detect(self, root: Path) -> bool:
        return (root / "synthetic.json").is_file()

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        index = FolderPairsFormat().index(root, classes)
        index.format = "synthetic"
        return index
