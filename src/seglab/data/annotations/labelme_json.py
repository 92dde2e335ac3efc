"""The "labelme" format: LabelMe's JSON beside each image (`a.jpg` + `a.json` with `shapes`), the
annotation tool many teams draw their own masks in, painted into class-index masks once.

Polygons, rectangles, circles and X-AnyLabeling's rotated boxes (`rotation`: four corners) are
filled, later shapes over earlier ones, as LabelMe's own `labelme2voc.py` draws them; an AI mask
(LabelMe 5.3+'s `mask` shape: its box's two corners in `points`, a base64 PNG of the box's pixels
in `mask`) is pasted into its box as labelme's `shapes_to_label` pastes it; lines and points have
no area and are left out (counted in the log). The classes are `_background_` (0) and the labels
in the order of a `labels.txt` beside (the file `labelme2voc.py` reads: one label a line,
`__ignore__` and `_background_` first), else of a `classes.txt` (X-AnyLabeling's uploaded label
list) that names exactly the labels used, a background line aside, else sorted by name. A
`__ignore__` label is the ignore label 255. Split folders (`train/`, `val/`) give the splits, as
for plain folders.

A JSON kept away from its image (in an `annotations/` folder) names it by `imagePath`, relative
to the JSON, or by `imageName` where it has no `imagePath` (dacl10k's `annotations/train/<stem>.json`
over `images/train/<stem>.jpg`); a bare file name not beside the JSON is the dataset's one image of
that name. A JSON whose image is nowhere in the dataset but inside it (LabelMe saves the image
as base64 `imageData` by default) has it written once into the cache (`embedded_images`).
"""

from __future__ import annotations

import base64
import io
import logging
import math
import os
from collections import Counter
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.annotations.annotated_images import file_inside, unannotated_images
from seglab.data.annotations.annotation_formats import (AnnotationBesideImages, file_head, json_folders, load_json,
                                                    told_json)
from seglab.data.classes import ClassSpec, is_background, label_classes, shipped_classes, tool_values
from seglab.data.classes.text_files import regular_text
from seglab.data.annotations.embedded_images import extracted
from seglab.data.discovery.folders import Folder, walk
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, Problem, natural_key
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.files.read_errors import DECODE_ERRORS
from seglab.data.discovery.naming import folder_split
from seglab.data.annotations.painted_masks import IGNORE, LATER_OVER_EARLIER, Drawn, ImageObjects, ellipse
from seglab.errors import DataError
from seglab.data.files.folder_listing import matching

log = logging.getLogger(__name__)

BACKGROUND, IGNORED = "_background_", "__ignore__"  # labelme2voc's names
LABELS_FILE = "labels.txt"
_LABEL_LISTS = (LABELS_FILE, "classes.txt")  # labelme2voc's; X-AnyLabeling's uploaded labels, read when they fit
_AREA_SHAPES = ("polygon", "rectangle", "circle", "mask", "rotation")  # rotation: X-AnyLabeling's rotated box


def labelme_pairs(folder: Folder) -> list[tuple[Path, Path]]:
    """(image, JSON) for the images of `folder` with a LabelMe JSON of their stem beside."""
    jsons = {p.stem: p for p in matching(folder.path, "*.json")}
    return [(image, jsons[image.stem]) for image in folder.files if image.stem in jsons]


def _labelme_shapes(path: Path) -> dict | None:
    """A JSON object with a `shapes` list, as LabelMe's files are; None for any other file."""
    data = told_json(path, "LabelMe file")
    return data if isinstance(data, dict) and isinstance(data.get("shapes"), list) else None


def _is_labelme(path: Path) -> bool:
    """A LabelMe file that names its image (`imagePath`, or `imageName`): one kept away from it too."""
    data = _labelme_shapes(path)
    return data is not None and ("imagePath" in data or "imageName" in data)


def _is_labelme_beside(path: Path) -> bool:
    """A LabelMe file beside its image of the same stem: one that names its image, or whose shapes
    are LabelMe's (a `label` and `points` each) with no name for it (ReasonSeg's, of `target` and
    `ignore` outlines, written without `imagePath`)."""
    data = _labelme_shapes(path)
    shapes = data["shapes"] if data is not None else []
    return data is not None and ("imagePath" in data or "imageName" in data or bool(shapes) and all(
        isinstance(s, dict) and "label" in s and isinstance(s.get("points"), list) for s in shapes))


@FORMATS.register("labelme")
class LabelMeFormat(AnnotationBesideImages):
    """Images with a LabelMe JSON beside each; see the module docstring."""

    layout = "images with a LabelMe JSON beside each (a.jpg + a.json with shapes: polygons, rectangles, circles, AI masks)"
    cache_name = "labelme"

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        return labelme_pairs(folder)

    def looks_right(self, path: Path) -> bool:
        return _is_labelme_beside(path)

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Folder, list[tuple[Path, Path]]]]:
        """The images with a JSON beside, and the folders of JSON files kept elsewhere, each
        JSON paired with itself until `read` finds its image (`imagePath` or `imageName`, or its
        `imageData`)."""
        found = super().find(root, folders)
        if not root.is_dir():
            return found
        beside = {json_path for _, pairs in found for _, json_path in pairs}
        for folder in json_folders(root, lambda p: '"shapes"' in file_head(p) and _is_labelme(p)):
            away = [(p, p) for p in sorted(matching(folder, "*.json"), key=lambda p: natural_key(p.name)) if p not in beside]
            if away:
                parts = folder.relative_to(root).parts
                found.append((Folder(folder, [], folder_split(folder.name), False, False, parts), away))
        return found

    def sources(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
        return [*super().sources(root, found), *_label_files(root, found)]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        read = {json_path: _read(json_path) for _, pairs in found for _, json_path in pairs}
        found, unplaced = self._placed(root, found, read)
        shapes = {path: file.shapes for path, file in read.items()}
        multilabel = self.options.multilabel  # a mask per label, so that they may overlap
        source = f"the LabelMe labels under '{root}'"
        labels, listed = _label_order(root, found, shapes, classes)
        merged = label_classes(labels, source, classes)
        names = tuple(dict.fromkeys(k for k in merged.values() if k))[1 if multilabel else 0:]
        voided = IGNORED in _all_labels(shapes) or None in merged.values()
        spec = classes or shipped_classes(names, source)
        if voided and not multilabel and spec.ignore_index is None:
            spec = replace(spec, ignore_index=IGNORE)
        first = 1 if multilabel else 0  # multi-label: label k's mask is channel k - 1; no background channel
        value = {BACKGROUND: 0} | {name: k + first for k, name in enumerate(spec.names)}
        value |= tool_values(merged, value) | {IGNORED: IGNORE}
        named_in = "the classes.json read (--classes)" if listed is None else f"'{listed}'"
        images, skipped = [], 0
        for _, pairs in found:
            for image, json_path in pairs:
                drawn, left_out, missing = _drawn(json_path, shapes[json_path], value)
                skipped += left_out
                if missing:
                    raise DataError(f"LabelMe file '{json_path}' uses labels {', '.join(missing)} that the classes "
                                    f"({', '.join(spec.names)}) do not name; add them to {named_in}")
                images.append(ImageObjects(image, *(read[json_path].size or (None, None)), drawn))
        # a JSON's folder names the split, else (a JSON kept away from its image) the image's folder does
        split_of = {image: folder.split or folder_split(image.parent.name) for folder, labelled in found
                    for image, _ in labelled}
        jsons = [j for _, labelled in found for _, j in labelled]
        pairs, problems = self.painted_pairs(images, jsons, LATER_OVER_EARLIER, spec, root, root.name or "labelme",
                                             split_of)
        problems += unplaced + [Problem(image, "image has no LabelMe JSON beside it", "image-without-mask")
                                for folder, labelled in found
                                for image in sorted(set(folder.files) - {i for i, _ in labelled})]
        line = (f"{len(pairs)} LabelMe JSON files painted into {len(spec.names)} classes, later shapes over earlier"
                + (f"; {skipped} lines and points left out (no area)" if skipped else ""))
        return self.indexed(root, pairs, spec, problems, line, unlabelled=_unannotated_beside_named(found, root))

    def _placed(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]], read: dict[Path, _LabelMe]
                ) -> tuple[list[tuple[Folder, list[tuple[Path, Path]]]], list[Problem]]:
        """`found` with each JSON kept away from its image paired with the image its `imagePath`
        names in the dataset, else with its `imageData` written into the cache; the findings of
        the JSONs whose image is neither, or is annotated beside already."""
        claimed = {image for _, pairs in found for image, json_path in pairs if image != json_path}
        by_name = cache(lambda: _images_by_name(root))
        named: dict[Path, Path] = {}
        embedded, problems = [], []
        for _, pairs in found:
            for image, json_path in pairs:
                if image != json_path:
                    continue
                name = read[json_path].image_path
                target = _named_image(json_path, name, root) or (by_name().get(name) if name == Path(name).name
                                                                  else None)
                if target is not None:
                    named[json_path] = target
                elif read[json_path].embeds:
                    embedded.append(json_path)
                else:
                    problems.append(Problem(json_path, f"LabelMe file's image '{read[json_path].image_path}' is not in "
                                            "the dataset, and the file holds no imageData", "mask-without-image"))
        images, failed = extracted(embedded, root, self.cache_folder(), _image_data) if embedded else ({}, [])
        named |= images
        placed = []
        for folder, pairs in found:
            kept = []
            for image, json_path in pairs:
                image = named.get(json_path, image) if image == json_path else image
                if image == json_path:
                    continue
                if image in claimed and json_path in named:
                    problems.append(Problem(json_path, f"LabelMe file names '{image}', which a LabelMe file beside it "
                                            "annotates already; it is not read", "duplicate-name", (image,)))
                    continue
                kept.append((image, json_path))
            placed.append((folder, kept))
        return placed, problems + failed


def _unannotated_beside_named(found: list[tuple[Folder, list[tuple[Path, Path]]]], root: Path) -> list[Path]:
    """The images without a LabelMe file in the dataset folders whose images the files kept away
    name (BSData's `data/*.jpg` beside the ones `label/*.json` annotate): unlabelled images,
    counted, not passed over. Folders with files beside their images say theirs as
    image-without-mask; images written from `imageData` lie in the cache, no dataset folder."""
    beside = {folder.path for folder, _ in found if folder.files}
    named = {image.parent for folder, pairs in found if not folder.files for image, _ in pairs
             if image.is_relative_to(root)} - beside
    return unannotated_images(named, {image for _, pairs in found for image, _ in pairs}, root)


def _named_image(json_path: Path, image_path: str, root: Path) -> Path | None:
    """The image file a LabelMe file's `imagePath` names, relative to the file, when it lies in
    the dataset (`annotated_images.file_inside`); None otherwise."""
    if not image_path:
        return None
    target = Path(os.path.normpath(json_path.parent / image_path))
    return target if target.suffix.lower() in IMAGE_SUFFIXES and file_inside(target, root) else None


def _images_by_name(root: Path) -> dict[str, Path]:
    """The dataset's image files by file name, of the names only one file has."""
    images = [image for folder in walk(root) for image in folder.files]
    counts = Counter(image.name for image in images)
    return {image.name: image for image in images if counts[image.name] == 1}


@dataclass(frozen=True)
class _LabelMe:
    """One LabelMe file, read: its shapes, the image's size when stated, its `imagePath` (else its
    `imageName`), and whether it holds the image itself (`imageData`)."""

    shapes: list[dict]
    size: tuple[int, int] | None
    image_path: str
    embeds: bool


def _read(path: Path) -> _LabelMe:
    """A LabelMe file's shapes, the image's height and width when the file states them, and
    where its image is.

    Raises:
        DataError: not JSON, or no `shapes` list, naming the file.
    """
    data = load_json(path, "LabelMe file")
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise DataError(f"LabelMe file '{path}' has no 'shapes' list")
    try:
        size: tuple[int, int] | None = (int(data["imageHeight"]), int(data["imageWidth"]))
    except (KeyError, TypeError, ValueError, OverflowError):
        size = None
    image_data = data.get("imageData")
    image_path = data.get("imagePath", data.get("imageName"))
    return _LabelMe([s for s in data["shapes"] if isinstance(s, dict)], size,
                    image_path if isinstance(image_path, str) else "", isinstance(image_data, str) and bool(image_data))


def _image_data(path: Path) -> object:
    """A LabelMe file's base64 `imageData` (read again when it is written out, so that a
    thousand files' images are never held at once)."""
    data = load_json(path, "LabelMe file")
    return data.get("imageData") if isinstance(data, dict) else None


def _all_labels(shapes: dict[Path, list[dict]]) -> set[str]:
    """The labels of the shapes with an area (a label used on lines only would be a class without pixels)."""
    return {str(s.get("label", "")) for found in shapes.values() for s in found
            if str(s.get("shape_type") or "polygon") in _AREA_SHAPES}


def _label_order(root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]], shapes: dict[Path, list[dict]],
                 classes: ClassSpec | None) -> tuple[tuple[str, ...], Path | None]:
    """`_background_` and the labels, in the order of the first `labels.txt` in the dataset folder
    or beside the images, else of the first `classes.txt` there that names exactly the labels used
    (a background line aside: a list of another task's names orders nothing), else sorted by name;
    and the list read, None where none is or `classes` (classes.json) names the classes instead."""
    used = _all_labels(shapes) - {BACKGROUND, IGNORED, ""}
    for listed in _label_files(root, found) if classes is None else []:
        lines = [line.strip() for line in regular_text(listed, encoding="utf-8", errors="replace").splitlines()]
        named = [line for line in lines if line and line != IGNORED and line != BACKGROUND]
        if listed.name == LABELS_FILE:
            log.info("class order from '%s'", listed)
            return (BACKGROUND, *named), listed
        if used <= set(named) and all(name in used or is_background(name) for name in named):
            log.info("class order from '%s', which names the labels the shapes use", listed)
            return (BACKGROUND, *(name for name in dict.fromkeys(named) if name in used)), listed
        log.info("'%s' is not read as the class order: it does not name exactly the labels the shapes use (%s)",
                 listed, ", ".join(sorted(used)))
    return (BACKGROUND, *sorted(used)), None


def _label_files(root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
    """The `labels.txt` files, then the `classes.txt` ones, in the dataset folder, beside the
    images or above them, the first of which that fits orders the classes."""
    folders = dict.fromkeys([root, *(f.path for f, _ in found), *(f.path.parent for f, _ in found)])
    return [folder / name for name in _LABEL_LISTS for folder in folders if (folder / name).is_file()]


def _drawn(path: Path, shapes: list[dict], value: dict[str, int]) -> tuple[list[Drawn], int, list[str]]:
    """The shapes with an area as COCO polygons (AI masks as `BoxMask`), how many others were
    left out, and the labels the classes do not name."""
    drawn, left_out, missing = [], 0, []
    for number, shape in enumerate(shapes, start=1):
        label, kind = str(shape.get("label", "")), str(shape.get("shape_type") or "polygon")
        segmentation = _segmentation(kind, shape) if kind in _AREA_SHAPES else None
        if segmentation is None:
            left_out += 1
        elif label not in value:
            missing.append(label)
        else:
            drawn.append(Drawn(value[label], segmentation, f"LabelMe file '{path}': shape {number} ('{label}', {kind})"))
    return drawn, left_out, sorted(set(missing))


def _segmentation(kind: str, shape: dict) -> list[list[float]] | BoxMask | None:
    """A shape's COCO polygons, or an AI mask's `BoxMask` (checked when it is drawn); None for
    points that outline no area."""
    if kind == "mask":
        return BoxMask(shape.get("mask"), shape.get("points"))
    outline = _outline(kind, shape.get("points"))
    return None if outline is None else [outline]


def _outline(kind: str, points: object) -> list[float] | None:
    """A polygon, rectangle (two corners) or circle (centre, a point on it) as a flat polygon;
    None for points that outline no area."""
    try:
        xy = [(float(x), float(y)) for x, y in points]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    if kind == "rectangle" and len(xy) == 2:
        (x0, y0), (x1, y1) = xy
        xy = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif kind == "circle" and len(xy) == 2:
        (cx, cy), (px, py) = xy
        radius = math.hypot(px - cx, py - cy)
        xy = [(cx + dx, cy + dy) for dx, dy in ellipse(radius, radius)]
    return [v for point in xy for v in point] if len(xy) >= 3 else None


@dataclass(frozen=True)
class BoxMask:
    """An AI mask's pixels (an `Outline`): the true pixels of a base64 PNG pasted into the box of
    two corners `[[x1, y1], [x2, y2]]` at rows y1..y2 and columns x1..x2, the corners cut to whole
    numbers, as labelme's `shapes_to_label` pastes it (`mask[y1:y2 + 1, x1:x2 + 1] = crop`)."""

    data: object
    corners: object

    def __call__(self, height: int, width: int) -> np.ndarray:
        try:
            (x1, y1), (x2, y2) = ((int(float(x)), int(float(y))) for x, y in self.corners)  # type: ignore[union-attr]
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"its points {self.corners!r} are not a box's two corners [[x1, y1], [x2, y2]]") from None
        if not (0 <= x1 <= x2 < width and 0 <= y1 <= y2 < height):
            raise ValueError(f"its box ({x1}, {y1})-({x2}, {y2}) does not lie inside the {height}x{width} image")
        canvas = np.zeros((height, width), bool)
        canvas[y1:y2 + 1, x1:x2 + 1] = _crop(self.data, (x1, y1, x2, y2))
        return canvas


def _crop(data: object, box: tuple[int, int, int, int]) -> np.ndarray:
    """The true (non-zero) pixels of an AI mask's base64 PNG, the crop of `box` (x1, y1, x2, y2):
    a PNG whose header states another size is not decoded.

    Raises:
        ValueError: no base64 of a picture Pillow decodes, or one of another size than the box.
    """
    if not isinstance(data, str) or not data:
        raise ValueError("its 'mask' holds no base64 PNG")
    x1, y1, x2, y2 = box
    rows, columns = y2 - y1 + 1, x2 - x1 + 1
    try:
        with Image.open(io.BytesIO(base64.b64decode(data, validate=True))) as crop:
            size = crop.height, crop.width
            on = np.asarray(crop.convert("L")) > 0 if size == (rows, columns) else None
    except DECODE_ERRORS as err:
        raise ValueError(f"its 'mask' is no base64 PNG ({err})") from None
    if on is None:
        raise ValueError(f"its mask is {size[0]}x{size[1]} pixels but its box ({x1}, {y1})-({x2}, {y2}) is "
                         f"{rows}x{columns}; LabelMe saves the crop of the box, rows y1..y2 and columns x1..x2: "
                         "redraw the mask in LabelMe, or set the points to the crop's corners")
    return on
