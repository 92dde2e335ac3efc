"""The "mask-table" format: a CSV that lists a mask file per object, as Open Images ships its
segmentations: `train-annotations-object-segmentation.csv` (MaskPath, ImageID, LabelName, BoxID,
BoxXMin, BoxXMax, BoxYMin, BoxYMax, ...) beside `train/<ImageID>.jpg` and `train-masks/` (or the
16 zip shards unpacked, `train-masks-0/` .. `train-masks-f/`) holding
`<ImageID>_<LabelName without '/'>_<BoxID>.png`, a 1-bit mask at a resolution of its own; or as
FiftyOne downloads it: `train/data/<ImageID>.jpg`, `train/labels/segmentations.csv`,
`train/labels/masks/<X>/...png`, `train/metadata/classes.csv`.

Each image's objects are painted once into the cache (`painted_masks`): every mask resized to
its image (nearest), larger boxes first so that a smaller object on a larger one stays seen,
each pixel the class of its object. Open Images masks are not exhaustive: the pixels of an
object no row lists read as background. The classes are the labels the rows use, named by a
two-column CSV beside a table or in a `metadata/` folder that names them (`oidv7-class-descriptions.csv`,
`class-descriptions-boxable.csv`, FiftyOne's `classes.csv`), not the 350 of
`oidv7-classes-segmentation.txt`: a download of a few classes would train a head of classes that
never occur (a classes.json keeps a larger numbering). The split is the one a table's name or
folders say (`train-`, `validation-`, `test-`; FiftyOne's `train/labels/`), else the image's folders'.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import nearest, refuse_shared_images
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, relative_names
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.classes.text_files import open_regular
from seglab.data.discovery.folders import walk
from seglab.data.discovery.naming import folder_split, folders_split, stem
from seglab.data.files.index import DatasetIndex, natural_key
from seglab.data.files.io import read_raw_mask
from seglab.data.files.label_resize import resize_mask
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError
from seglab.data.files.folder_listing import matching

_COLUMNS = {
    "mask": ("maskpath", "mask_path", "mask_file", "maskfile"),
    "image": ("imageid", "image_id"),
    "label": ("labelname", "label_name", "classname", "class_name"),
}  # fmt: skip  (no bare `label` or `class`: a metadata table's label of a whole image is no object's class)
_BOX = ("boxxmin", "boxxmax", "boxymin", "boxymax")  # fractions of the image's width and height


@dataclass(frozen=True)
class _Row:
    line: int  # in the CSV, the header being line 1
    mask: str  # the mask file's name
    image: str  # the image's id: its file's stem or name
    label: str
    area: float  # the object's box as a share of its image; 0 where the table has no box


def _columns(header: list[str]) -> dict[str, int]:
    """Each role's column (mask, image, label, and the box's four where all are there)."""
    lowered = [h.strip().lower() for h in header]
    found = {role: next(lowered.index(n) for n in names if n in lowered)
             for role, names in _COLUMNS.items() if any(n in lowered for n in names)}
    return found | ({name: lowered.index(name) for name in _BOX} if all(n in lowered for n in _BOX) else {})


def is_mask_table(path: Path) -> bool:
    """Whether `path` is a CSV whose header names a mask file, an image id and a label column."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as file:
            header = next(csv.reader(file), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return _COLUMNS.keys() <= _columns(header).keys()


def _rows(path: Path) -> list[_Row]:
    """A mask table's rows.

    Raises:
        DataError: the file cannot be read, or a row lacks a mask, image or label cell or has a
            box that is no numbers (the line named).
    """
    rows = []
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file)
            columns = _columns(next(reader, []))
            for line, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                values = {role: cells[i].strip() if len(cells) > i else "" for role, i in columns.items()}
                if not all(values[role] for role in _COLUMNS):
                    raise DataError(f"mask table '{path}' line {line}: a row needs a mask file, an image id and a "
                                    f"label; got '{','.join(cells)[:120]}'")
                rows.append(_Row(line, Path(values["mask"]).name, values["image"], values["label"],
                                 _box_area(values, path, line)))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"mask table '{path}' cannot be read: {err}") from None
    return rows


def _box_area(values: dict[str, str], path: Path, line: int) -> float:
    """The share of its image an object's box covers (0 without box columns): what orders the
    painting, needing no pixels.

    Raises:
        DataError: box cells that are no numbers.
    """
    if _BOX[0] not in values:
        return 0.0
    try:
        left, right, top, bottom = (float(values[name]) for name in _BOX)
    except ValueError:
        raise DataError(f"mask table '{path}' line {line}: the box cells "
                        f"({', '.join(values[n] for n in _BOX)}) are not numbers") from None
    return max(right - left, 0.0) * max(bottom - top, 0.0)


@dataclass(frozen=True)
class _ObjectMask:
    """An object's mask file, stored at a resolution of its own (Open Images' masks are smaller
    than their images), resized to the image's (nearest): the pixels over half its largest value."""

    path: Path

    def __call__(self, height: int, width: int) -> np.ndarray:
        try:
            values = read_raw_mask(self.path)
        except DataError as err:
            raise ValueError(str(err)) from None
        values = values.max(axis=2) if values.ndim == 3 else values
        return resize_mask(values.astype(np.float64) > values.max() / 2, (height, width))


@FORMATS.register("mask-table")
class MaskTableFormat(AnnotationFileFormat):
    """A CSV of a mask file per object beside the images (Open Images); see the module docstring."""

    layout = ("a CSV listing a mask file per object (Open Images' train-annotations-object-segmentation.csv: "
              "MaskPath,ImageID,LabelName) with the images and the masks (train-masks/<ImageID>_<mid>_<BoxID>.png)")
    cache_name = "mask-table"

    def files(self, root: Path) -> list[Path]:
        """The mask tables in `root` or in a folder above one of its image folders (FiftyOne's
        `train/labels/` above `train/labels/masks/0/`)."""
        if root.is_file():
            return [root] if is_mask_table(root) else []
        folders = dict.fromkeys([root, *(p for f in walk(root) for p in f.path.parents if p.is_relative_to(root))])
        return sorted((t for folder in folders for t in matching(folder, "*.csv") if is_mask_table(t)),
                      key=lambda p: natural_key(str(p)))

    def detect(self, root: Path) -> bool:
        """Whether a mask table is there: the mask files it lists are its labels, so the mask
        folders beside it do not make folder pairs of them."""
        return bool(self.found(root))

    def sources(self, root: Path, found: list[Path]) -> list[Path]:
        base = root.parent if root.is_file() else root
        return [*found, *_description_files(found, base)]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        tables = self.found(root)
        base = root.parent if root.is_file() else root
        rows = {table: _rows(table) for table in tables}
        mask_names = {row.mask for listed in rows.values() for row in listed}
        objects, said = _objects(rows, _files_by_key(base, mask_names), base)
        descriptions = _description_files(tables, base)
        described, names = _class_names(descriptions, {row.label for listed in objects.values() for _, row in listed})
        shown = sorted(set(names.values()), key=lambda name: (name.lower(), name))
        spec, value = tool_classes(shown, None, f"the classes of {relative_names(tables, base)}",
                                   self.options.multilabel, classes)
        refuse_unnamed(shown, value, spec, "the mask tables' objects have classes")
        label_value = {label: value[name] for label, name in names.items()}
        images = [ImageObjects(image, None, None, _larger_first(listed, label_value, table))
                  for (table, image), listed in objects.items()]
        split_of = {image: folder_split(table.stem) or folders_split(table, base) or folders_split(image, base)
                    for table, image in objects}
        masks = sorted({mask for listed in objects.values() for mask, _ in listed})
        pairs, problems = self.painted_pairs(images, [*tables, *descriptions, *masks], LATER_OVER_EARLIER, spec,
                                             base, "mask-table", split_of)
        paired = {p.image for p in pairs}
        ignored = [f for folder in walk(base) for f in folder.files if f.name not in mask_names and f not in paired]
        named = f"named by {described.name}" if described else "named by their label cells (no class descriptions)"
        count = len(spec.names) - (0 if self.options.multilabel else 1)
        line = "; ".join([f"{len(masks)} object masks of {relative_names(tables, base)} painted onto {len(pairs)} "
                          f"images, each resized to its image (nearest), larger boxes first, {count} classes {named}",
                          *said, *([f"{len(ignored)} images have no row in the tables: left out"] if ignored else [])])
        return self.indexed(base, pairs, spec, problems, line, ignored=ignored)


def _files_by_key(base: Path, mask_names: set[str]) -> dict[str, list[Path]]:
    """The image files under `base` by name and by stem (an image id is either), the mask files
    the tables list by name only: `a_m01g317_b1.png` is never image `a_m01g317_b1`."""
    by_key: dict[str, list[Path]] = {}
    for folder in walk(base):
        for file in folder.files:
            for key in dict.fromkeys([file.name] if file.name in mask_names else [file.name, stem(file)]):
                by_key.setdefault(key, []).append(file)
    return by_key


def _larger_first(listed: list[tuple[Path, _Row]], label_value: dict[str, int], table: Path) -> list[Drawn]:
    """An image's objects, the larger boxes first, so that a smaller object drawn later over a
    larger one it lies on stays seen; the box is the image's share, so the order needs no pixels."""
    return [Drawn(label_value[row.label], _ObjectMask(mask), f"mask '{row.mask}' (line {row.line} of '{table.name}')")
            for mask, row in sorted(listed, key=lambda pair: -pair[1].area)]


def _objects(rows: dict[Path, list[_Row]], by_key: dict[str, list[Path]],
             base: Path) -> tuple[dict[tuple[Path, Path], list[tuple[Path, _Row]]], list[str]]:
    """Each (table, image)'s objects, (mask file, row), and what was left out,
    said in a line each: rows whose image is not here (FiftyOne keeps every row of a split
    whose images it downloaded a few of), images whose masks are not all here (a zip shard not
    unpacked: painted without them, their pixels would read as background).

    Raises:
        DataError: no row names an image here, or no listed mask file is here; an image listed
            in two tables.
    """
    located: dict[Path, dict[str, Path]] = {}
    objects: dict[tuple[Path, Path], list[tuple[Path, _Row]]] = {}
    no_image: list[_Row] = []
    no_mask: dict[tuple[Path, Path], _Row] = {}
    for table, listed in rows.items():
        located[table] = {}
        for row in listed:
            images = nearest(by_key.get(row.image, []), table)
            masks = nearest(by_key.get(row.mask, []), table)
            if len(images) != 1:
                no_image.append(row)
                continue
            located[table][row.image] = images[0]
            if len(masks) == 1:
                objects.setdefault((table, images[0]), []).append((masks[0], row))
            else:
                no_mask.setdefault((table, images[0]), row)
    refuse_shared_images(located, base)
    _refuse_empty(rows, located, no_mask, base)
    for key in no_mask:
        objects.pop(key, None)
    said = []
    if no_image:
        said.append(f"{len(no_image)} rows name images not here or here twice (first: '{no_image[0].image}'): left out")
    if no_mask:
        first = next(iter(no_mask.values()))
        said.append(f"{len(no_mask)} images have a mask file missing (first: '{first.mask}'): left out; unpack "
                    "every zip shard of the masks under the dataset folder to read them")
    return objects, said


def _refuse_empty(rows: dict[Path, list[_Row]], located: dict[Path, dict[str, Path]],
                  no_mask: dict[tuple[Path, Path], _Row], base: Path) -> None:
    """Stop where the tables pair nothing: no image of theirs, or none of their mask files, is here.

    Raises:
        DataError: naming the tables, a few ids or mask names, and the folder searched.
    """
    listed = [row for table_rows in rows.values() for row in table_rows]
    tables = relative_names(list(rows), base)
    if not any(located.values()):
        ids = ", ".join(sorted({row.image for row in listed}, key=natural_key)[:3])
        raise DataError(f"no image under '{base}' is named by the image ids of {tables} (such as {ids}); put the "
                        "images (<ImageID>.jpg) in a folder under it")
    if len(no_mask) == sum(len(images) for images in located.values()):
        names = ", ".join(row.mask for row in list(no_mask.values())[:3])
        raise DataError(f"no mask file that {tables} lists is under '{base}' (such as {names}); unpack the masks' "
                        "zip files (Open Images' train-masks-0.zip .. train-masks-f.zip) into a folder under it")


def _description_files(tables: list[Path], base: Path) -> list[Path]:
    """The two-column CSVs that may name the labels: beside a table, in the folder above it or
    the dataset folder, or in a `metadata/` folder of one of them (FiftyOne's `classes.csv`)."""
    folders = dict.fromkeys(f for t in tables for f in (t.parent, t.parent.parent, base) if f.is_relative_to(base))
    folders |= dict.fromkeys(f / "metadata" for f in list(folders) if (f / "metadata").is_dir())
    files = {p for folder in folders for p in matching(folder, "*.csv")} - set(tables)
    return sorted((p for p in files if _pairs_of(p, lines=1)), key=lambda p: natural_key(str(p)))


def _pairs_of(path: Path, lines: int | None = None) -> dict[str, str]:
    """The cells of a two-column CSV (`LabelName,DisplayName`, with or without that header), the
    first `lines` rows or all; empty for a file of other rows, or one that cannot be read."""
    pairs = {}
    try:
        with open_regular(path, "r", newline="", encoding="utf-8-sig") as file:
            for number, cells in enumerate(csv.reader(file)):
                if lines is not None and number >= lines:
                    break
                if len(cells) != 2:
                    return {}
                pairs[cells[0].strip()] = cells[1].strip()
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return pairs


def _class_names(descriptions: list[Path], used: set[str]) -> tuple[Path | None, dict[str, str]]:
    """The description file (of `_description_files`) that names the most of the `used` labels
    (the first of those naming all), and each label's class name: its description (with the
    label where two share one, so that they stay two classes), else the label itself."""
    best: tuple[Path | None, dict[str, str]] = (None, {})
    for path in descriptions:
        names = {label: name for label, name in _pairs_of(path).items() if label in used and name}
        if len(names) > len(best[1]):
            best = path, names
        if len(names) == len(used):
            break
    path, names = best
    shared = Counter(names.values())
    return path, {label: label if label not in names else names[label] if shared[names[label]] == 1
                  else f"{names[label]} ({label})" for label in used}
