"""The "superannotate" format: a SuperAnnotate project exported in its own format, unzipped
(`classes/classes.json`, and beside each image `a.jpg` its `a.jpg___objects.json`), painted into
class-index masks once.

A vector project's instances are drawn in order, later over earlier, as SuperAnnotate draws
them: polygons (flat `points` `[x1, y1, x2, y2, ...]` in pixels, less the polygons of their
`exclude` list) and boxes (`bbox`: `points` `{x1, y1, x2, y2}`); points, polylines, ellipses and
other types are left out (counted in the log); a project of boxes only is refused as a detection
project. An instance's class is the class of `classes.json` its `classId` names, else its
`className`. The classes are the background (0) and those of `classes.json` that instances use,
in its order and colours (else the class names, sorted). `___fuse.png` (the image blended with
the class colours, written when "Include fuse" is ticked) is a rendering: never an image, never a
mask.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotation_formats import AnnotationBesideImages, file_head, load_json, project_file
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, object_mask
from seglab.data.classes import ClassSpec, hex_colour, refuse_unnamed, tool_classes
from seglab.data.discovery.folders import Folder
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

log = logging.getLogger(__name__)

CLASSES = "classes/classes.json"
VECTOR = "___objects.json"
RENDERINGS = ("___fuse.png",)  # the image under its class colours: shown, never read
_AREA_TYPES = ("polygon", "bbox")


def _looks_like_superannotate(path: Path) -> bool:
    """A SuperAnnotate annotation's head: `metadata` and `instances`, or the older list of
    instances with a `type` each."""
    head = file_head(path).lstrip()
    return (head.startswith("{") and '"instances"' in head and '"metadata"' in head) or (
        head.startswith("[") and '"type"' in head and ('"classId"' in head or '"className"' in head))


def _rendering(path: Path) -> bool:
    return path.name.endswith(RENDERINGS)


@dataclass(frozen=True)
class _Annotation:
    """One image's annotation file, read: its instances and the image's size as it states it."""

    path: Path
    instances: list[dict]
    height: int | None
    width: int | None


def read_annotation(path: Path) -> _Annotation:
    """An annotation file: `{"metadata": ..., "instances": [...]}`, or a list of instances.

    Raises:
        DataError: not JSON, or no instances list, naming the file.
    """
    data = load_json(path, "SuperAnnotate annotation")
    instances = data.get("instances") if isinstance(data, dict) else data
    if not isinstance(instances, list):
        raise DataError(f"SuperAnnotate annotation '{path}' has no 'instances' list")
    metadata = data.get("metadata") if isinstance(data, dict) else None
    try:
        height, width = int(metadata["height"]), int(metadata["width"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError, OverflowError):
        height, width = None, None
    return _Annotation(path, [i for i in instances if isinstance(i, dict)], height, width)


def read_classes(path: Path) -> list[tuple[int | None, str, tuple[int, int, int]]]:
    """A project's classes in order: (id, name, colour) of each entry of `classes.json` (None: an
    id that is no number).

    Raises:
        DataError: no list of classes with a name and a #rrggbb colour, naming the file.
    """
    entries = load_json(path, "SuperAnnotate classes file")
    try:
        return [(e["id"] if isinstance(e.get("id"), int) else None, str(e["name"]),
                 hex_colour(e.get("color", "#000000"), f"class '{e['name']}'"))
                for e in entries if str(e.get("type", "object")) != "tag"]
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise DataError(f"SuperAnnotate classes file '{path}' is no list of classes with a name and a colour "
                        f"({err!r})") from None


def _class_name(instance: dict, names: dict[int, str]) -> str | None:
    """An instance's class: the one of `classes.json` its `classId` names, else its `className`."""
    named = names.get(instance.get("classId")) if isinstance(instance.get("classId"), int) else None
    name = instance.get("className")
    return named or (name.strip() if isinstance(name, str) and name.strip() else None)


@FORMATS.register("superannotate")
class SuperAnnotateFormat(AnnotationBesideImages):
    """A SuperAnnotate export (classes/classes.json, a.jpg + a.jpg___objects.json); see the module
    docstring."""

    layout = ("a SuperAnnotate export: classes/classes.json and beside each image a.jpg its a.jpg___objects.json "
              "(vector: polygons, boxes)")
    cache_name = "superannotate"

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Folder, list[tuple[Path, Path]]]]:
        """As the base's, the renderings left out of the folders' images."""
        return super().find(root, [replace(f, files=[p for p in f.files if not _rendering(p)]) for f in folders])

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        named = {p.name for p in folder.path.glob(f"*{VECTOR}")}
        return [(image, folder.path / f"{image.name}{VECTOR}") for image in folder.files
                if f"{image.name}{VECTOR}" in named]

    def looks_right(self, path: Path) -> bool:
        return _looks_like_superannotate(path)

    def sources(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
        classes = project_file(root, [folder for folder, _ in found], CLASSES)
        return [*super().sources(root, found), *([classes] if classes else [])]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        read = {annotation: read_annotation(annotation) for _, pairs in found for _, annotation in pairs}
        classes_path = project_file(root, [folder for folder, _ in found], CLASSES)
        listed = read_classes(classes_path) if classes_path else []
        names = {key: name for key, name, _ in listed if key is not None}
        instances = [(a, i) for a in read.values() for i in a.instances]
        kinds = Counter(str(i.get("type")) for _, i in instances)
        if kinds["bbox"] and kinds["bbox"] == sum(kinds[k] for k in _AREA_TYPES):
            raise DataError(f"the {len(read)} SuperAnnotate annotations (e.g. '{next(iter(read))}') hold "
                            f"{kinds['bbox']} boxes and no polygon: a detection project, whose masks would be boxes; "
                            "annotate the objects with polygons")
        for annotation, instance in instances:
            if instance.get("type") in _AREA_TYPES and _class_name(instance, names) is None:
                raise DataError(f"SuperAnnotate annotation '{annotation.path}': an instance of classId "
                                f"{instance.get('classId')!r} names no class of "
                                f"'{classes_path or CLASSES}' and has no className; add the class to it")
        used = {name for _, i in instances if i.get("type") in _AREA_TYPES and (name := _class_name(i, names))}
        order = [name for _, name, _ in listed if name in used] + sorted(used - {name for _, name, _ in listed})
        colours = {name: colour for _, name, colour in listed}
        source = f"the classes of '{classes_path}'" if classes_path else f"the instances under '{root}'"
        spec, value = tool_classes(order, colours, source, self.options.multilabel, classes)
        refuse_unnamed(sorted(used), value, spec, "SuperAnnotate instances use classes")
        images = [ImageObjects(image, read[annotation].height, read[annotation].width,
                               _drawn(read[annotation], value, names))
                  for _, pairs in found for image, annotation in pairs]
        split_of = {image: folder.split for folder, labelled in found for image, _ in labelled}
        pairs, problems = self.painted_pairs(images, [*read, *([classes_path] if classes_path else [])],
                                             LATER_OVER_EARLIER, spec, root, root.name or "superannotate", split_of)
        problems += [Problem(image, f"image has no SuperAnnotate annotation ({image.name}{VECTOR})",
                             "image-without-mask")
                     for folder, labelled in found
                     for image in sorted(set(folder.files) - {i for i, _ in labelled})]
        renderings = sorted(p for folder, _ in found for p in folder.path.iterdir() if _rendering(p))
        left_out = sum(n for kind, n in kinds.items() if kind not in _AREA_TYPES)
        line = (f"{len(pairs)} SuperAnnotate annotations painted into {len(spec.names)} classes, later instances over "
                "earlier" + (f"; {left_out} points, polylines, ellipses and other instances left out"
                             if left_out else "")
                + (f"; {len(renderings)} renderings (___fuse.png) not read" if renderings else ""))
        return self.indexed(root, pairs, spec, problems, line, ignored=renderings)


def _drawn(annotation: _Annotation, value: dict[str, int], names: dict[int, str]) -> list[Drawn]:
    """An annotation's polygons and boxes, in order."""
    drawn = []
    for number, instance in enumerate(annotation.instances, start=1):
        kind, name = instance.get("type"), _class_name(instance, names)
        if kind in _AREA_TYPES and name is not None:
            source = f"SuperAnnotate annotation '{annotation.path}': instance {number} ('{name}', {kind})"
            drawn.append(Drawn(value[name], Instance(str(kind), instance), source))
    return drawn


@dataclass(frozen=True)
class Instance:
    """A polygon (flat `points`, less its `exclude` polygons) or a box (`points` `{x1, y1, x2,
    y2}`), in pixels; ValueError when its points are no numbers."""

    kind: str
    instance: dict

    def __call__(self, height: int, width: int) -> np.ndarray:
        points = self.instance.get("points")
        try:
            if self.kind == "bbox":
                x1, y1, x2, y2 = (float(points[k]) for k in ("x1", "y1", "x2", "y2"))  # type: ignore[index]
                return object_mask([[x1, y1, x2, y1, x2, y2, x1, y2]], height, width)
            on = object_mask([list(points)], height, width)  # type: ignore[call-overload]
            excluded = self.instance.get("exclude") or []
            return on & ~object_mask([list(p) for p in excluded], height, width)
        except (KeyError, TypeError) as err:
            raise ValueError(f"its points are no numbers ({err!r})") from None
