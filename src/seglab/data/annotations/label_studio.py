"""The "label-studio" format: Label Studio's JSON export (`project-1-at-...json`, a list of tasks,
each with its image and its annotations) beside the images, painted into class-index masks once.

An annotation's results are drawn in order, later over earlier, as Label Studio's converter
draws them: `brushlabels` (Label Studio's own bit-packed run-length RGBA mask, read where its
alpha is at least half), `polygonlabels` (points in percent of the image), `rectanglelabels`
(turned by `rotation` about its top-left corner) and `ellipselabels` (turned about its centre);
key points and other results have no area and are left out (counted in the log). A task's
ground-truth annotation is read, else its first that was not cancelled. The export holds no
label order, so the classes are the background (0) and the labels sorted by name. Images are
found by the task's file (`/data/upload/1/8f3a2b1c-frame.jpg`, a local-files `?d=` path, a URL):
by its name, or without the 8-character prefix Label Studio gives uploads.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, file_head, load_json, relative_names, top_annotation_files, refuse_boxes_only
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, ellipse, object_mask, turned
from seglab.errors import DataError

log = logging.getLogger(__name__)

_AREA_RESULTS = ("brushlabels", "polygonlabels", "rectanglelabels", "ellipselabels")
_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")  # Label Studio renames an upload `8f3a2b1c-frame.jpg`


def _looks_like_export(path: Path) -> bool:
    head = file_head(path)
    return head.lstrip().startswith("[") and '"annotations"' in head and '"result"' in head


@dataclass(frozen=True)
class _Task:
    """A task's image names to try, and its chosen annotation's results (None: none made yet)."""

    key: int
    names: tuple[str, ...]
    results: list[dict] | None


def read_export(path: Path) -> tuple[list[_Task], int]:
    """An export's tasks, and how many had several annotations (one is read).

    Raises:
        DataError: not JSON, or not a list of tasks with `data`, naming the file.
    """
    tasks = load_json(path, "Label Studio export")
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks):
        raise DataError(f"Label Studio export '{path}' is not a list of tasks with 'data' (export it as JSON, "
                        "not JSON-MIN)")
    read, several = [], 0
    for key, task in enumerate(tasks):
        annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")
                       and isinstance(a.get("result"), list)]
        several += len(annotations) > 1
        chosen = next((a for a in annotations if a.get("ground_truth")), annotations[0] if annotations else None)
        read.append(_Task(key, _image_names(task), [r for r in chosen["result"] if isinstance(r, dict)]
                          if chosen else None))
    return read, several


def _image_names(task: dict) -> tuple[str, ...]:
    """Where a task's image may be found: the local-files path (`?d=images/a.jpg`), the file name,
    and the name without an upload's prefix."""
    data = task["data"]
    value = data.get("image")
    if not isinstance(value, str):
        value = next((v for v in data.values() if isinstance(v, str) and Path(urlparse(v).path).suffix.lower()
                      in IMAGE_SUFFIXES), "")
    url = urlparse(value)
    local = [unquote(d) for d in parse_qs(url.query).get("d", [])]
    name = Path(unquote(url.path)).name
    named = [name, _UPLOAD_PREFIX.sub("", name)] if Path(name).suffix.lower() in IMAGE_SUFFIXES else []
    return tuple(dict.fromkeys([*local, *named]))


def _label(result: dict) -> str | None:
    """A result's label: the first of its value's `<kind>labels` list."""
    kind, value = result.get("type"), result.get("value")
    labels = value.get(kind) if isinstance(value, dict) and isinstance(kind, str) else None
    return str(labels[0]) if isinstance(labels, list) and labels else None


def _size(results: list[dict]) -> tuple[int | None, int | None]:
    for result in results:
        try:
            return int(result["original_height"]), int(result["original_width"])
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
    return None, None


@FORMATS.register("label-studio")
class LabelStudioFormat(AnnotationFileFormat):
    """Label Studio's JSON export beside the images; DATA is the folder or the JSON file."""

    layout = "a Label Studio JSON export (a list of tasks: brush, polygon, rectangle, ellipse labels) beside the images"
    cache_name = "label-studio"

    def files(self, root: Path) -> list[Path]:
        return top_annotation_files(root, ".json", _looks_like_export)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        exports = {path: read_export(path) for path in self.found(root)}
        results = [r for tasks, _ in exports.values() for t in tasks for r in t.results or []]
        kinds = Counter(str(r.get("type")) for r in results)
        refuse_boxes_only(kinds, "rectanglelabels", _AREA_RESULTS,
                          lambda n: f"{', '.join(map(str, exports))}: its {n} results are all rectangles",
                          "label with brushes or polygons")
        used = sorted({label for r in results if r.get("type") in _AREA_RESULTS and (label := _label(r))})
        spec, value = tool_classes(used, None, f"the labels of {', '.join(map(str, exports))}",
                                   self.options.multilabel, classes)
        refuse_unnamed(used, value, spec, "Label Studio results use labels")
        located, problems = locate_images([(path, [(t.key, t.names) for t in tasks if t.names])
                                           for path, (tasks, _) in exports.items()], base, "task")
        problems += [Problem(path, f"task {t.key + 1} names no image file", "mask-without-image")
                     for path, (tasks, _) in exports.items() for t in tasks if not t.names]
        images = []
        for path, (tasks, _) in exports.items():
            for task in tasks:
                image = located[path].get(task.key)
                if image is None:
                    continue
                if task.results is None:
                    problems.append(Problem(image, "its task has no annotation yet", "image-without-mask"))
                    continue
                images.append(ImageObjects(image, *_size(task.results), _drawn(path, task, value)))
        pairs, painting = self.painted_pairs(images, list(exports), LATER_OVER_EARLIER, spec, base,
                                             next(iter(exports)).stem[:40] or "label-studio", {})
        several = sum(n for _, n in exports.values())
        left_out = sum(n for kind, n in kinds.items() if kind not in _AREA_RESULTS)
        line = (f"{relative_names(list(exports), base)}: {len(pairs)} tasks painted into {len(spec.names)} classes, "
                "later results over earlier" + (f"; {left_out} results without area left out" if left_out else "")
                + (f"; {several} tasks with several annotations: the ground truth, else the first, is read"
                   if several else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _drawn(path: Path, task: _Task, value: dict[str, int]) -> list[Drawn]:
    """A task's results with an area, in order."""
    drawn = []
    for number, result in enumerate(task.results or [], start=1):
        kind, label = result.get("type"), _label(result)
        if kind in _AREA_RESULTS and label:  # as `used`: a result labelled '' names no class
            drawn.append(Drawn(value[label], Result(str(kind), result.get("value") or {}),
                               f"Label Studio export '{path}': task {task.key + 1}, result {number} ('{label}', {kind})"))
    return drawn


@dataclass(frozen=True)
class Result:
    """One result's shape, drawn on an image of the given size (coordinates in percent of it)."""

    kind: str
    value: dict

    def __call__(self, height: int, width: int) -> np.ndarray:
        if self.kind == "brushlabels":
            return brush_pixels(self.value.get("rle"), height, width)
        return object_mask([self._outline(height, width)], height, width)

    def _outline(self, height: int, width: int) -> list[float]:
        """The shape as a flat polygon in pixels.

        Raises:
            ValueError: a coordinate that is missing or no number.
        """
        try:
            if self.kind == "polygonlabels":
                return [float(v) * (width if k % 2 == 0 else height) / 100 for point in self.value["points"]
                        for k, v in enumerate(point[:2])]
            x, y = float(self.value["x"]) * width / 100, float(self.value["y"]) * height / 100
            if self.kind == "rectanglelabels":  # turned about its top-left corner
                w, h = float(self.value["width"]) * width / 100, float(self.value["height"]) * height / 100
                offsets = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
            else:
                offsets = ellipse(float(self.value["radiusX"]) * width / 100, float(self.value["radiusY"]) * height / 100)
            return turned(offsets, x, y, float(self.value.get("rotation") or 0))
        except (KeyError, TypeError) as err:
            raise ValueError(f"it lacks a coordinate ({err!r})") from None


def brush_pixels(rle: object, height: int, width: int) -> np.ndarray:
    """A brush mask from Label Studio's run-length bytes (thi.ng's rle-pack of the RGBA pixels:
    a 32-bit count, a word size, four run-length sizes, then runs and literals), where its alpha
    is at least half.

    Raises:
        ValueError: no list of bytes, a count that is not the image's RGBA size, or bits that
            run out or overrun it.
    """
    try:
        packed = bytes(rle)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError("its brush 'rle' is no list of bytes") from None
    bits = bin(int.from_bytes(b"\x01" + packed, "big"))[3:]  # the leading 1 keeps the zeros in front
    at = 0

    def read(size: int) -> int:
        nonlocal at
        if at + size > len(bits):
            raise ValueError("its brush runs end early")
        at += size
        return int(bits[at - size:at], 2)

    count, word = read(32), read(5) + 1
    if count != 4 * height * width:
        raise ValueError(f"its brush holds {count} values, not the {4 * height * width} of a {width}x{height} image")
    if word > 8:
        raise ValueError(f"its brush values have {word} bits; Label Studio writes 8")
    sizes = [read(4) + 1 for _ in range(4)]
    out = np.zeros(count, np.uint8)
    i = 0
    while i < count:
        repeat = read(1)
        j = i + 1 + read(sizes[read(2)])
        if j > count:
            raise ValueError("its brush runs overrun the image")
        if repeat:
            out[i:j] = read(word)
        else:
            out[i:j] = [read(word) for _ in range(j - i)]
        i = j
    return out.reshape(height, width, 4)[:, :, 3] >= (1 << (word - 1))
