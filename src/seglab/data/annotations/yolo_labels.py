"""The "yolo" format: Ultralytics' segmentation labels (YOLOv8/v11 `-seg`), the layout Roboflow and
Ultralytics export: `images/train/a.jpg` + `labels/train/a.txt` (or `train/images/` +
`train/labels/`), one object a line, `class x1 y1 x2 y2 ...` with coordinates as fractions of
the image's width and height, and a `data.yaml` naming the classes (Label Studio's YOLO export:
`classes.txt`).

Objects are painted once into cached class-index masks (`painted_masks`, which reads each
image's size from its header then, not on every later read): background is class 0
and YOLO class k is class k + 1; where objects overlap the smaller one is drawn over the larger,
as Ultralytics builds its overlap masks. An image without a label file is all background, as
Ultralytics reads it; an image folder without a label folder is unlabelled. Lines of five
numbers are detection boxes, not outlines: such a folder is refused with that explanation.
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from seglab.data.annotations.annotation_formats import AnnotationFilesFormat
from seglab.data.classes import ClassSpec, generic_name, shipped_classes
from seglab.data.classes.text_files import regular_text
from seglab.data.classes.yaml_files import load_yaml
from seglab.data.discovery.folders import Folder
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.errors import DataError

log = logging.getLogger(__name__)

CLASS_FILES = ("data.yaml", "dataset.yaml", "data.yml")
NAME_LISTS = ("classes.txt", "obj.names")  # one name a line: Label Studio's YOLO export, Darknet's
_BOX_VALUES = 5  # class cx cy w h: a detection label


def label_folder(images: Path, root: Path) -> Path | None:
    """The label folder Ultralytics pairs with an image folder: its last `images` part made
    `labels` (`images/train` -> `labels/train`, `train/images` -> `train/labels`), when it exists."""
    parts = list(images.relative_to(root).parts)
    if "images" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("images")
    parts[at] = "labels"
    found = root.joinpath(*parts)
    return found if found.is_dir() else None


@FORMATS.register("yolo")
class YoloFormat(AnnotationFilesFormat):
    """Ultralytics segmentation labels; see the module docstring."""

    layout = "images/<split>/a.jpg + labels/<split>/a.txt (YOLO segmentation: class x1 y1 x2 y2 ...), data.yaml"
    cache_name = "yolo"

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Folder, Path | None]]:
        """The image folders with their label folders (None: unlabelled), when some image has its
        `<stem>.txt` there (Stanford Background's `labels/0000047.regions.txt` are no YOLO labels)."""
        found = [(f, label_folder(f.path, root)) for f in folders if f.files and "images" in f.parts]
        labelled = any(labels is not None and any((labels / f"{image.stem}.txt").is_file() for image in folder.files)
                       for folder, labels in found)
        return found if labelled else []

    def sources(self, root: Path, found: list[tuple[Folder, Path | None]]) -> list[Path]:
        return [label for _, labels in found if labels is not None for label in labels.glob("*.txt")]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        images, unlabelled, problems, sources, used = [], [], [], [], set()
        for folder, labels in found:
            if labels is None:
                unlabelled += folder.files
                continue
            for image in folder.files:
                label_file = labels / f"{image.stem}.txt"
                objects = _objects(label_file, image)
                used |= {k for k, _ in objects}
                images.append((image, folder.split, objects))
                sources += [label_file] if label_file.is_file() else []
        multilabel = self.options.multilabel  # a mask per class, so that they may overlap
        names = _class_names(root, used)[1:] if multilabel else _class_names(root, used)
        spec = classes or shipped_classes(names, f"the YOLO classes of '{root}' (data.yaml's names)")
        if len(spec.names) < max(used, default=-1) + (1 if multilabel else 2):
            raise DataError(f"YOLO labels under '{root}' use class {max(used)}, but the classes are "
                            f"{', '.join(spec.names)} (background and data.yaml's names)")
        drawn = [ImageObjects(image, None, None, _largest_first(objects, image), relative=True)
                 for image, _, objects in images]
        pairs, problems = self.painted_pairs(drawn, sources, LATER_OVER_EARLIER, spec, root, root.name or "yolo",
                                             {image: split for image, split, _ in images})
        count = sum(len(objects) for _, _, objects in images)
        line = f"YOLO segmentation labels: {count} objects on {len(pairs)} images painted into " + (
            f"a mask per class ({len(spec.names)}): they may overlap" if multilabel else
            f"{len(spec.names) - 1} classes and background, smaller objects over larger")
        return self.indexed(root, pairs, spec, problems, line, unlabelled)


def _objects(path: Path, image: Path) -> list[tuple[int, list[float]]]:
    """(YOLO class, normalised outline) per line of a label file; none when there is no file.

    Raises:
        DataError: a line of detection box values, or one that is no class and coordinate pairs,
            naming the file and line.
    """
    if not path.is_file():
        return []
    try:
        lines = regular_text(path, encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"YOLO label file '{path}' cannot be read: {err}") from None
    objects = []
    for number, line in enumerate(lines, start=1):
        values = line.split()
        if not values:
            continue
        if len(values) == _BOX_VALUES:
            raise DataError(f"YOLO label file '{path}' line {number} holds a detection box (class cx cy w h), not an "
                            "outline: segmentation needs YOLO-seg labels (class x1 y1 x2 y2 ...), e.g. Roboflow's "
                            "or Ultralytics' segmentation export")
        try:
            label, coords = int(values[0]), [float(v) for v in values[1:]]
        except ValueError:
            coords, label = [], -1
        if label < 0 or len(coords) < 6 or len(coords) % 2:
            raise DataError(f"YOLO label file '{path}' line {number}: expected a class and x y pairs (class x1 y1 "
                            f"x2 y2 x3 y3 ...), got '{line[:80]}' (for image '{image.name}')")
        objects.append((label, coords))
    return objects


def _largest_first(objects: list[tuple[int, list[float]]], image: Path) -> list[Drawn]:
    """The objects' outlines (fractions of the image's size), largest area first, so that a
    smaller one is drawn over a larger one it lies on (Ultralytics' overlap masks); the size
    scales every area alike, so the order needs no pixels."""
    drawn = []
    for number, (label, coords) in enumerate(objects, start=1):
        xs, ys = coords[::2], coords[1::2]
        area = 0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs))))
        drawn.append((area, Drawn(label + 1, [coords], f"YOLO object {number} of image '{image}'")))
    return [d for _, d in sorted(drawn, key=lambda pair: -pair[0])]


def _class_names(root: Path, used: set[int]) -> tuple[str, ...]:
    """Background and the `names` of the dataset's data.yaml (a list, or a dict from class
    number to name), or the lines of a `classes.txt` (Label Studio's YOLO export) or `obj.names`,
    else class_0.. up to the highest class the labels use.

    Raises:
        DataError: a data.yaml that is not YAML or whose names are neither form.
    """
    for path in (root / name for name in CLASS_FILES):
        if not path.is_file():
            continue
        try:
            data = load_yaml(regular_text(path, encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise DataError(f"'{path}' cannot be read as YAML: {err}") from None
        names = data.get("names") if isinstance(data, dict) else None
        if isinstance(names, dict):
            names = [names[k] for k in sorted(names)] if sorted(names) == list(range(len(names))) else None
        if not isinstance(names, list) or not names or not all(isinstance(n, (str, int, float)) for n in names):
            raise DataError(f"'{path}': 'names' must list the class names (['cat', 'dog'] or {{0: cat, 1: dog}})")
        log.info("class names from '%s'", path)
        return ("background", *(str(n) for n in names))
    for path in (root / name for name in NAME_LISTS):
        if path.is_file():
            log.info("class names from '%s'", path)
            lines = regular_text(path, encoding="utf-8", errors="replace").splitlines()
            return ("background", *(line.strip() for line in lines if line.strip()))
    return ("background", *(generic_name(k) for k in range(max(used, default=-1) + 1)))
