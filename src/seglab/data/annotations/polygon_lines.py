"""The "polygon-lines" format: a JSON Lines file of typed polygons, a line per image, beside the
images it names by id (HuBMAP Hacking the Human Vasculature's `polygons.jsonl`: `{"id":
"0006ff2aa7cd", "annotations": [{"type": "glomerulus", "coordinates": [[[x, y], ...]]}, ...]}` for
`train/0006ff2aa7cd.tif`), painted into class-index masks once.

A line's `id` (or `image_id`) is its image's name less the suffix, found under the dataset folder.
Each object is a `type` and GeoJSON polygon `coordinates` in pixels (rings of `[x, y]` points: the
first the outline, the others holes), drawn in order, later over earlier. The classes are the
background (0) and the types, sorted; a type named like void or doubt (`classes.is_void`: HuBMAP's
`unsure`) is painted as the ignore label 255. The images no line names (HuBMAP's tiles left
unannotated, its `test/`) are unlabelled. A table beside them naming each image's source slide
(`tile_meta.csv`'s `source_wsi`) groups them (`splitting.subject_tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import (
    AnnotationFileFormat,
    file_head,
    relative_names,
    top_annotation_files,
)
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, Polygon
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.folders import walk
from seglab.data.discovery.naming import folders_split
from seglab.data.files.index import DatasetIndex
from seglab.data.files.json_lines import json_object_lines
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_ID_KEYS = ("id", "image_id")
_SHAPE = '{"id": ..., "annotations": [{"type": ..., "coordinates": [[[x, y], ...]]}, ...]}'


def _looks_like_polygon_lines(path: Path) -> bool:
    """A head of JSON objects, each naming an image id beside `annotations` of typed `coordinates`."""
    head = file_head(path).lstrip()
    return head.startswith("{") and any(f'"{key}"' in head for key in _ID_KEYS) \
        and all(f'"{key}"' in head for key in ("annotations", "type", "coordinates"))


@dataclass(frozen=True)
class _Line:
    """A line of the file: its number, the image id and its objects (type, rings)."""

    number: int
    image_id: str
    objects: list[tuple[str, list]]


def read_polygon_lines(path: Path) -> list[_Line]:
    """A file's lines, each an image id and its typed polygons.

    Raises:
        DataError: unreadable, or a line that is no JSON object with an id and a list of
            `annotations`, or an annotation without a `type` and a list of rings, naming the file
            and the line.
    """
    return [_line(entry, path, number) for number, entry in json_object_lines(path, "polygon file", _SHAPE)]


def _line(entry: dict, path: Path, number: int) -> _Line:
    image_id = next((entry[key] for key in _ID_KEYS if isinstance(entry.get(key), (str, int))), None)
    annotations = entry.get("annotations")
    if image_id is None or not isinstance(annotations, list):
        raise DataError(f"polygon file '{path}' line {number} has no image id ('id') and 'annotations' list: expected "
                        + _SHAPE)
    objects = []
    for k, item in enumerate(annotations, start=1):
        kind = item.get("type") if isinstance(item, dict) else None
        rings = item.get("coordinates") if isinstance(item, dict) else None
        if not isinstance(kind, str) or not kind.strip() or not isinstance(rings, list) or not rings:
            raise DataError(f"polygon file '{path}' line {number}: annotation {k} has no 'type' and 'coordinates' "
                            "(a list of rings of [x, y] points)")
        objects.append((kind.strip(), rings))
    return _Line(number, str(image_id), objects)


@FORMATS.register("polygon-lines")
class PolygonLinesFormat(AnnotationFileFormat):
    """A JSON Lines file of typed polygons beside the images; see the module docstring."""

    layout = ("a JSON Lines file of typed polygons, a line per image (HuBMAP HHV's polygons.jsonl: {\"id\", "
              "\"annotations\": [{\"type\", \"coordinates\"}]}) beside the images named <id>.tif")
    cache_name = "polygon-lines"

    def files(self, root: Path) -> list[Path]:
        return top_annotation_files(root, ".jsonl", _looks_like_polygon_lines)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        files = {path: read_polygon_lines(path) for path in self.found(root)}
        names = relative_names(list(files), base)
        types = sorted({kind for lines in files.values() for line in lines for kind, _ in line.objects})
        spec, value = tool_classes(types, None, f"the polygon types of {names}", self.options.multilabel,
                                   classes)
        refuse_unnamed(types, value, spec, "the polygons are of types")
        located, problems = locate_images(
            [(path, [(line.number, [f"{line.image_id}{suffix}" for suffix in IMAGE_SUFFIXES]) for line in lines])
             for path, lines in files.items()], base, "line")
        by_image: dict[Path, ImageObjects] = {}  # an image named on two lines: its objects together
        for path, lines in files.items():
            for line in lines:
                if (image := located[path].get(line.number)) is not None:
                    by_image.setdefault(image, ImageObjects(image, None, None)).objects.extend(
                        Drawn(value[kind], Polygon(rings[0], rings[1:]),
                              f"polygon file '{path}' line {line.number}: annotation {k} ('{kind}')")
                        for k, (kind, rings) in enumerate(line.objects, start=1))
        images = list(by_image.values())
        split_of = {entry.image: folders_split(entry.image, base) for entry in images}
        pairs, painting = self.painted_pairs(images, list(files), LATER_OVER_EARLIER, spec, base, "polygon-lines",
                                             split_of)
        annotated = {entry.image for entry in images}
        unlabelled = [p for folder in walk(base) for p in folder.files if p not in annotated]
        line = (f"{names}: {len(pairs)} images' polygons painted into {len(spec.names)} classes by type, later over "
                "earlier" + "".join(f"; '{kind}' ignored ({value[kind]})" for kind in types
                                    if value[kind] == spec.ignore_index)
                + (f"; {len(unlabelled)} images no line names unlabelled" if unlabelled else ""))
        return self.indexed(base, pairs, spec, problems + painting, line, unlabelled)
