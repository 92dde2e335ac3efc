"""The "isat" format: ISAT's JSON (ISAT_with_segment_anything, the SAM-assisted annotation tool),
one file per image in the label folder the user picked (`labels/slide_00.json` for
`images/slide_00.png`, or beside the images), painted into class-index masks once.

Each file's `info` names the image (`name`, else the file's stem) and its `width` and `height`;
its `objects` are polygons (`segmentation`: `[[x, y], ...]`) of a `category`, painted in `layer`
order, higher layers over lower, as ISAT draws them and its VOC export paints them; an object of
ISAT's reserved category `__background__` paints the background (a hole cut into the layers
below). The classes are those of the `isat.yaml` ISAT writes into the label folder (its `label`
list of `name` and `color`), in its order with `__background__` as the background (0), else
the background and the categories used, sorted. Images without a file are unlabelled; a file
whose image is not in the dataset is a finding. The split is the one the image's folders name.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from seglab.data.annotations.annotated_images import locate_images, unannotated_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders, file_head, load_json_once, told_json
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, Polygon
from seglab.data.classes import ClassSpec, hex_colour, refuse_unnamed, tool_classes
from seglab.data.classes.text_files import regular_text
from seglab.data.classes.yaml_files import load_yaml
from seglab.data.discovery.naming import folders_split
from seglab.data.files.index import DatasetIndex
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

log = logging.getLogger(__name__)

BACKGROUND = "__background__"  # ISAT's reserved first category
CLASS_FILE = "isat.yaml"  # ISAT's category list and colours, in the label folder


def _is_isat(path: Path) -> bool:
    """An ISAT file: a JSON object of an `info` object and an `objects` list (parsed once: `_read` takes it)."""
    head = file_head(path).lstrip()
    if not (head.startswith("{") and '"info"' in head and '"objects"' in head):
        return False
    return _holds_isat(told_json(path, "ISAT file", load_json_once))


def _holds_isat(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("info"), dict) and isinstance(data.get("objects"), list)


@dataclass(frozen=True)
class _IsatFile:
    """One ISAT file, read: its image's names to look for, its size when stated, and its objects
    in drawing order (lower layers first), each with its number in the file."""

    path: Path
    names: tuple[str, ...]
    height: int | None
    width: int | None
    objects: list[tuple[int, dict]]


def _read(path: Path) -> _IsatFile:
    """An ISAT file, its objects sorted by layer (stably: objects of one layer in file order).

    Raises:
        DataError: not JSON, or no `info` object and `objects` list, naming the file.
    """
    data = load_json_once(path, "ISAT file")
    if not _holds_isat(data):
        raise DataError(f"ISAT file '{path}' has no 'info' object and 'objects' list; save it again in ISAT")
    info = data["info"]
    name = info.get("name")
    names = (name,) if isinstance(name, str) and name else tuple(f"{path.stem}{s}" for s in IMAGE_SUFFIXES)
    try:
        size: tuple[int | None, int | None] = (int(info["height"]), int(info["width"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        size = (None, None)
    numbered = [(number, o) for number, o in enumerate(data["objects"], start=1) if isinstance(o, dict)]
    objects = sorted(numbered, key=lambda item: _layer(item[1]))
    return _IsatFile(path, names, *size, objects)


def _layer(item: dict) -> float:
    """An object's drawing layer (0 when it states none a number)."""
    layer = item.get("layer")
    return float(layer) if isinstance(layer, (int, float)) and math.isfinite(layer) else 0.0


def _category(item: dict) -> str:
    return str(item.get("category", ""))


def _class_file(base: Path, files: list[Path]) -> Path | None:
    """The `isat.yaml` beside the first ISAT file that has one, else in the dataset folder."""
    folders = dict.fromkeys([*(p.parent for p in files), base])
    return next((folder / CLASS_FILE for folder in folders if (folder / CLASS_FILE).is_file()), None)


def _listed_categories(path: Path) -> tuple[list[str], dict[str, tuple[int, int, int]]]:
    """The categories of an `isat.yaml` in its order (`__background__` left out) and their
    colours (`#rrggbb`; `__background__`'s as the background's).

    Raises:
        DataError: not YAML, or no `label` list of entries with a `name`, naming the file.
    """
    try:
        data = load_yaml(regular_text(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise DataError(f"ISAT class file '{path}' cannot be read as YAML: {err}") from None
    entries = data.get("label") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("name"), str)
                                                for e in entries):
        raise DataError(f"ISAT class file '{path}' has no 'label' list of categories (- name: cell, color: "
                        "'#ff0000'); save the categories again in ISAT, or remove the file to take them sorted")
    colours = {}
    for entry in entries:
        name = "background" if entry["name"] == BACKGROUND else entry["name"]
        try:
            colours[name] = hex_colour(entry.get("color"), f"category '{name}'")
        except ValueError:
            continue  # a category without a usable colour takes one of ours (`tool_classes`)
    return [e["name"] for e in entries if e["name"] != BACKGROUND], colours


@FORMATS.register("isat")
class IsatFormat(AnnotationJsonFolders):
    """ISAT's JSON files (one per image) and the images they name; see the module docstring."""

    layout = "ISAT JSON, one per image: images/a.png + labels/a.json (info, objects with layers) + labels/isat.yaml"
    cache_name = "isat"
    looks_right = staticmethod(_is_isat)

    def sources(self, root: Path, found: list[Path]) -> list[Path]:
        listed = _class_file(root.parent if root.is_file() else root, found)
        return [*found, *([listed] if listed else [])]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        files = [_read(path) for path in self.found(root)]
        used = sorted({_category(o) for f in files for _, o in f.objects} - {BACKGROUND})
        listed = _class_file(base, [f.path for f in files])
        names, colours = _listed_categories(listed) if listed else (used, {})
        if listed:
            log.info("class order from '%s'", listed)
        spec, value = tool_classes(names, colours, f"the ISAT categories under '{root}'", self.options.multilabel,
                                   classes)
        value[BACKGROUND] = 0
        refuse_unnamed(used, value, spec, "ISAT objects use categories",
                       f"; add them to '{listed}'" if listed else "")
        located, problems = locate_images([(f.path, [("info.name", list(f.names))]) for f in files], base,
                                          "named by")
        images = [ImageObjects(located[f.path]["info.name"], f.height, f.width, _drawn(f, value))
                  for f in files if "info.name" in located[f.path]]
        split_of = {entry.image: folders_split(entry.image, base) for entry in images}
        pairs, painting = self.painted_pairs(images, [f.path for f in files], LATER_OVER_EARLIER, spec, base, "isat",
                                             split_of)
        annotated = {entry.image for entry in images}
        unlabelled = unannotated_images({i.parent for i in annotated if i.is_relative_to(base)}, annotated, base)
        line = (f"{len(pairs)} ISAT files painted into {len(spec.names)} classes "
                f"({'isat.yaml' if listed else 'categories sorted'}), higher layers over lower")
        return self.indexed(base, pairs, spec, problems + painting, line, unlabelled=unlabelled)


def _drawn(file: _IsatFile, value: dict[str, int]) -> list[Drawn]:
    """A file's objects as polygons, lower layers first."""
    return [Drawn(value[_category(o)], Polygon(o.get("segmentation"), ()),
                  f"ISAT file '{file.path}': object {number} ('{_category(o)}')") for number, o in file.objects]
