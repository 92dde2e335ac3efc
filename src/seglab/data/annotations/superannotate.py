"""The "superannotate" format: a SuperAnnotate project exported in its own format, unzipped
(`classes/classes.json`, and beside each image `a.jpg` its `a.jpg___objects.json`, or a pixel
project's `a.jpg___pixel.json` and `a.jpg___save.png`), painted into class-index masks once.

A vector project's instances are drawn in order, later over earlier, as SuperAnnotate draws
them: polygons (flat `points` `[x1, y1, x2, y2, ...]` in pixels, less the polygons of their
`exclude` list) and boxes (`bbox`: `points` `{x1, y1, x2, y2}`); points, polylines, ellipses and
other types are left out (counted in the log); a project of boxes only is refused as a detection
project. An instance's class is the class of `classes.json` its `classId` names, else its
`className`. The classes are the background (0) and those of `classes.json` that instances use,
in its order and colours (else the class names, sorted).

A pixel project's `___save.png` paints each instance's parts in colours of their own (#00000f,
#00001e, ... on black), which its `___pixel.json` gives each part: each pixel takes the class of
the instance whose part has its colour, black the background. A mask holding a colour no part
names, or a colour two classes' parts share, cannot be read so: that image is a finding, with the
route. `___fuse.png` (the image blended with the class colours, written when "Include fuse" is
ticked) is a rendering: never an image, never a mask.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotation_formats import AnnotationBesideImages, file_head, load_json, project_file, refuse_boxes_only
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, LabelMap, object_mask
from seglab.data.classes import ClassSpec, hex_colour, refuse_unnamed, tool_classes
from seglab.data.discovery.folders import Folder
from seglab.data.files.folder_listing import entries, matching
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.files.io import read_raw_mask
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

log = logging.getLogger(__name__)

CLASSES = "classes/classes.json"
VECTOR, PIXEL = "___objects.json", "___pixel.json"
SAVE = "___save.png"  # a pixel project's mask: each instance part in its own colour
FUSE = "___fuse.png"  # the image under its class colours: shown, never read
_AREA_TYPES = ("polygon", "bbox")
_PIXEL_ROUTE = ("; re-export the project in SuperAnnotate's format (each image's ___save.png and ___pixel.json "
                "from one export), or annotate it in a vector project and export that")


def _looks_like_superannotate(path: Path) -> bool:
    """A SuperAnnotate annotation's head: `metadata` and `instances`, or the older list of
    instances with a `type` each."""
    head = file_head(path).lstrip()
    return (head.startswith("{") and '"instances"' in head and '"metadata"' in head) or (
        head.startswith("[") and '"type"' in head and ('"classId"' in head or '"className"' in head))


def _no_image(path: Path) -> bool:
    """Whether an image file is an export's picture of an annotation (`___save.png`, `___fuse.png`)."""
    return path.name.endswith((SAVE, FUSE))


@dataclass(frozen=True)
class _Annotation:
    """One image's annotation file, read: its instances and the image's size as it states it."""

    path: Path
    instances: list[dict]
    height: int | None
    width: int | None

    @property
    def pixel(self) -> bool:
        """A pixel project's annotation, whose instances are the parts of its `___save.png`."""
        return self.path.name.endswith(PIXEL)

    @property
    def save(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(PIXEL) + SAVE)

    def paints(self, instance: dict) -> bool:
        """Whether an instance has an area: a pixel annotation's are parts of its mask."""
        return self.pixel or instance.get("type") in _AREA_TYPES


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
    """A SuperAnnotate export (classes/classes.json, a.jpg + a.jpg___objects.json, or a pixel
    project's a.jpg___pixel.json + a.jpg___save.png); see the module docstring."""

    layout = ("a SuperAnnotate export: classes/classes.json and beside each image a.jpg its a.jpg___objects.json "
              "(vector: polygons, boxes) or a.jpg___pixel.json + a.jpg___save.png (pixel)")
    cache_name = "superannotate"

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Folder, list[tuple[Path, Path]]]]:
        """As the base's, the pictures of annotations left out of the folders' images."""
        return super().find(root, [replace(f, files=[p for p in f.files if not _no_image(p)]) for f in folders])

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        named = {p.name for p in matching(folder.path, "*___*.json")}
        pairs = []
        for image in folder.files:
            annotation = next((f"{image.name}{end}" for end in (VECTOR, PIXEL) if f"{image.name}{end}" in named), None)
            if annotation is not None:
                pairs.append((image, folder.path / annotation))
        return pairs

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
        kinds = Counter(str(i.get("type")) for a, i in instances if not a.pixel)
        refuse_boxes_only(kinds, "bbox", _AREA_TYPES, lambda n: f"the {len(read)} SuperAnnotate annotations "
                          f"(e.g. '{next(iter(read))}') hold {n} boxes and no polygon", "annotate the objects with polygons")
        for annotation, instance in instances:
            if annotation.paints(instance) and _class_name(instance, names) is None:
                raise DataError(f"SuperAnnotate annotation '{annotation.path}': an instance of classId "
                                f"{instance.get('classId')!r} names no class of "
                                f"'{classes_path or CLASSES}' and has no className; add the class to it")
        used = {name for a, i in instances if a.paints(i) and (name := _class_name(i, names))}
        order = [name for _, name, _ in listed if name in used] + sorted(used - {name for _, name, _ in listed})
        colours = {name: colour for _, name, colour in listed}
        source = f"the classes of '{classes_path}'" if classes_path else f"the instances under '{root}'"
        spec, value = tool_classes(order, colours, source, self.options.multilabel, classes)
        refuse_unnamed(sorted(used), value, spec, "SuperAnnotate instances use classes")
        images, missing = [], []
        for _, labelled in found:
            for image, path in labelled:
                annotation = read[path]
                if annotation.pixel and not annotation.save.is_file():
                    missing.append(Problem(image, f"its pixel annotation '{path.name}' has no {annotation.save.name} "
                                                  "beside it: export the project with its masks", "image-without-mask"))
                    continue
                labels = part_labels(annotation, value, names) if annotation.pixel else None
                images.append(ImageObjects(image, annotation.height, annotation.width, _drawn(annotation, value, names),
                                           labels=labels))
        saves = [a.save for a in read.values() if a.pixel and a.save.is_file()]
        split_of = {image: folder.split for folder, labelled in found for image, _ in labelled}
        pairs, problems = self.painted_pairs(images, [*read, *saves, *([classes_path] if classes_path else [])],
                                             LATER_OVER_EARLIER, spec, root, root.name or "superannotate", split_of)
        problems += missing + [Problem(image, f"image has no SuperAnnotate annotation ({image.name}{VECTOR} or "
                                              f"{PIXEL})", "image-without-mask")
                               for folder, labelled in found
                               for image in sorted(set(folder.files) - {i for i, _ in labelled})]
        renderings = sorted(p for folder, _ in found for p in entries(folder.path) if p.name.endswith(FUSE))
        left_out = sum(n for kind, n in kinds.items() if kind not in _AREA_TYPES)
        pixel = sum(a.pixel for a in read.values())
        line = (f"{len(pairs)} SuperAnnotate annotations painted into {len(spec.names)} classes, later instances over "
                "earlier" + (f"; {pixel} pixel annotations read from their ___save.png's part colours" if pixel else "")
                + (f"; {left_out} points, polylines, ellipses and other instances left out" if left_out else "")
                + (f"; {len(renderings)} renderings (___fuse.png) not read" if renderings else ""))
        return self.indexed(root, pairs, spec, problems, line, ignored=renderings)


def _drawn(annotation: _Annotation, value: dict[str, int], names: dict[int, str]) -> list[Drawn]:
    """A vector annotation's polygons and boxes, in order (none for a pixel annotation)."""
    drawn = []
    for number, instance in enumerate(annotation.instances, start=1):
        kind, name = instance.get("type"), _class_name(instance, names)
        if kind in _AREA_TYPES and name is not None and not annotation.pixel:
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


def part_labels(annotation: _Annotation, value: dict[str, int], names: dict[int, str]) -> LabelMap:
    """The label map of a pixel annotation's `___save.png`: each pixel's colour looked up through
    the instance parts of its `___pixel.json` to the instance's class, black the background."""
    parts = [(part.get("color"), value[name]) for instance in annotation.instances
             if (name := _class_name(instance, names)) is not None and isinstance(instance.get("parts"), list)
             for part in instance["parts"] if isinstance(part, dict)]

    def draw(height: int, width: int) -> np.ndarray:
        class_of = {0: 0}
        for colour, label in parts:
            try:
                red, green, blue = hex_colour(colour, "an instance part")
            except ValueError as err:
                raise DataError(f"SuperAnnotate annotation '{annotation.path}': {err}") from None
            if class_of.setdefault(red << 16 | green << 8 | blue, label) != label:
                raise DataError(f"SuperAnnotate annotation '{annotation.path}': parts of two classes have colour "
                                f"{colour}, so its mask cannot tell them apart{_PIXEL_ROUTE}")
        rgb = read_raw_mask(annotation.save, rgb=True)
        if rgb.ndim != 3 or rgb.shape[:2] != (height, width):
            raise DataError(f"SuperAnnotate mask '{annotation.save}' is {'x'.join(map(str, rgb.shape))}; expected an "
                            f"RGB picture of {height}x{width}, its image's size")
        codes = rgb[..., 0].astype(np.int64) << 16 | rgb[..., 1].astype(np.int64) << 8 | rgb[..., 2].astype(np.int64)
        found, inverse = np.unique(codes, return_inverse=True)
        unknown = [int(code) for code in found if int(code) not in class_of]
        if unknown:
            listed = ", ".join(f"#{code:06x}" for code in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise DataError(f"SuperAnnotate mask '{annotation.save}' has {int(np.isin(codes, unknown).sum())} pixels "
                            f"of {len(unknown)} colours ({listed}) that no instance part of '{annotation.path.name}' "
                            f"names, so their classes cannot be told{_PIXEL_ROUTE}")
        table = np.array([class_of[int(code)] for code in found], np.uint8)
        return table[inverse.reshape(height, width)]

    return draw
