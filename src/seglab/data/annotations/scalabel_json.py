"""The "scalabel" format: the Scalabel format (scalabel.ai's exports, and BDD100K's polygon
labels: `{"frames": [...], "config": {...}}`, or a list of frames) beside the images, painted into
class-index masks once.

A frame names its image (`name`, `url`) and lists its labels, each of a `category` with `poly2d`
polygons (`vertices`, `types`, `closed`), drawn label by label, later over earlier; a label's
closed polygons are filled together. Scalabel's 'C' vertices are the control points of Bezier
curves: they are filled as corners, a polygon through them, which the curve lies within. Open
polylines (`closed: false`: BDD100K's lane markings) have no area and are left out, as are boxes
and labels without `poly2d` (counted in the log); a file with no closed polygon (a detection or
lane file) is refused. The classes are the background (0) and the categories, in the order of
`config.categories` (their leaves, for BDD100K's nested ones), else sorted by name. A file named
for a split (`sem_seg_train.json`) gives its images that split. Frames of one `videoName` (BDD100K's
tracking sets, a Scalabel video project) are one group, so a split never divides a video.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import locate_images, url_file_name
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, file_head, load_json, relative_names, top_annotation_files
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects, object_mask
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.naming import folder_split
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

log = logging.getLogger(__name__)

_CLOSED, _OPEN, _BOX, _OTHER = "closed polygons", "open polylines", "boxes", "labels without poly2d"


def _looks_like_scalabel(path: Path) -> bool:
    """A Scalabel file's head: frames whose labels have a `category` and `poly2d` or `box2d`."""
    head = file_head(path).lstrip()
    return head[:1] in "{[" and '"labels"' in head and '"category"' in head and (
        '"poly2d"' in head or '"box2d"' in head)


@dataclass(frozen=True)
class _ScalabelFile:
    """One Scalabel file, read: its frames and the leaf categories of its config, in order."""

    path: Path
    frames: list[dict]
    categories: list[str]
    size: tuple[int | None, int | None]


def read_scalabel(path: Path) -> _ScalabelFile:
    """A Scalabel file: `{"frames": [...], "config": {...}}` or a list of frames.

    Raises:
        DataError: not JSON, or no list of frames, naming the file.
    """
    data = load_json(path, "Scalabel file")
    frames = data.get("frames") if isinstance(data, dict) else data
    if not isinstance(frames, list):
        raise DataError(f"Scalabel file '{path}' has no list of frames (a 'frames' list, or a list at its top)")
    config = data.get("config") if isinstance(data, dict) and isinstance(data.get("config"), dict) else {}
    return _ScalabelFile(path, [f for f in frames if isinstance(f, dict)], _leaves(config.get("categories")),
                         _size(config.get("imageSize")))


def _leaves(categories: object, depth: int = 0) -> list[str]:
    """The names of categories without subcategories, in order (BDD100K nests `flat` over `road`)."""
    if not isinstance(categories, list) or depth > 8:
        return []
    names = []
    for category in categories:
        if isinstance(category, dict) and isinstance(category.get("name"), str):
            below = _leaves(category.get("subcategories"), depth + 1)
            names += below or [category["name"]]
    return names


def _size(size: object) -> tuple[int | None, int | None]:
    try:
        return int(size["height"]), int(size["width"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError, OverflowError):
        return None, None


def _labels(frame: dict) -> list[dict]:
    return [label for label in frame.get("labels") or [] if isinstance(label, dict)] \
        if isinstance(frame.get("labels"), list) else []


def _polygons(label: dict) -> list[dict]:
    poly2d = label.get("poly2d")
    return [p for p in poly2d if isinstance(p, dict)] if isinstance(poly2d, list) else []


def _kinds(label: dict) -> list[str]:
    """What a label draws: each of its polygons closed or open, else a box or nothing."""
    polygons = _polygons(label)
    if polygons:
        return [_CLOSED if p.get("closed", True) is not False else _OPEN for p in polygons]
    return [_BOX if isinstance(label.get("box2d"), dict) else _OTHER]


def _category(label: dict) -> str | None:
    category = label.get("category")
    return category.strip() if isinstance(category, str) and category.strip() else None


def _video(frame: dict) -> str:
    """The video a frame is of (`videoName`: BDD100K's tracking sets, a Scalabel video project); its
    frames are near copies, one group. Empty for a frame of none."""
    video = frame.get("videoName")
    return video.strip() if isinstance(video, str) else ""


def _image_names(frame: dict) -> tuple[str, ...]:
    """Where a frame's image may be found: its name (a path, or a URL), and the file names of its
    name and its URL."""
    name, url = (frame.get(k) if isinstance(frame.get(k), str) else "" for k in ("name", "url"))
    named = [name, url_file_name(name), url_file_name(url)]
    return tuple(dict.fromkeys(n for n in named if n.strip()))


@FORMATS.register("scalabel")
class ScalabelFormat(AnnotationFileFormat):
    """A Scalabel-format JSON (Scalabel's export, BDD100K's polygons) beside the images; DATA is
    the folder or the JSON."""

    layout = ("a Scalabel-format JSON (Scalabel's export, BDD100K's polygons: frames with labels of a category and "
              "poly2d) beside the images")
    cache_name = "scalabel"

    def files(self, root: Path) -> list[Path]:
        return top_annotation_files(root, ".json", _looks_like_scalabel)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        files = [read_scalabel(p) for p in self.found(root)]
        labels = [label for f in files for frame in f.frames for label in _labels(frame)]
        kinds = Counter(kind for label in labels for kind in _kinds(label))
        if not kinds[_CLOSED]:
            found = ", ".join(f"{n} {kind}" for kind, n in kinds.items()) or "no labels"
            raise DataError(f"{relative_names([f.path for f in files], base)}: no closed poly2d to fill ({found}): a "
                            "detection or lane file, whose masks would be empty; export the polygons of a "
                            "segmentation project")
        used = {c for label in labels if _CLOSED in _kinds(label) and (c := _category(label))}
        listed = [c for f in files for c in f.categories]
        order = [c for c in dict.fromkeys(listed) if c in used] + sorted(used - set(listed))
        spec, value = tool_classes(order, None, f"the categories of {relative_names([f.path for f in files], base)}",
                                   self.options.multilabel, classes)
        refuse_unnamed(sorted(used), value, spec, "Scalabel labels use categories")
        located, problems = locate_images([(f.path, [(k, _image_names(frame)) for k, frame in enumerate(f.frames)])
                                           for f in files], base, "frame")
        images, splits, videos = [], {}, {}
        for f in files:
            for key, frame in enumerate(f.frames):
                image = located[f.path].get(key)
                if image is not None:
                    size = _size(frame.get("size")) if isinstance(frame.get("size"), dict) else f.size
                    images.append(ImageObjects(image, *size, _drawn(f.path, key, frame, value)))
                    splits[image] = folder_split(f.path.stem)
                    if video := _video(frame):
                        videos[image] = video
        pairs, painting = self.painted_pairs(images, [f.path for f in files], LATER_OVER_EARLIER, spec, base,
                                             files[0].path.stem[:40] or "scalabel", splits)
        pairs = _by_video(pairs, videos)
        grouped = {p.group for p in pairs if p.image in videos and p.group is not None}
        left_out = {kind: n for kind, n in kinds.items() if kind != _CLOSED}
        line = (f"{relative_names([f.path for f in files], base)}: {len(pairs)} frames painted into "
                f"{len(spec.names)} classes, later labels over earlier"
                + (f"; a group per videoName ({len(grouped)} videos)" if grouped else "")
                + (f"; left out (no area): {', '.join(f'{n} {kind}' for kind, n in left_out.items())}"
                   if left_out else "")
                + ("; Bezier control points ('C' vertices) filled as corners" if _has_curves(labels) else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _by_video(pairs: list[Pair], videos: dict[Path, str]) -> list[Pair]:
    """`pairs` grouped by the video of each frame (`_video`; a frame of none a group alone, since a
    split keeps groups whole only when every pair has one), when some video holds several; else
    as they are, for their names to say the groups (`seglab.data.splitting.subjects`)."""
    held = [videos[p.image] for p in pairs if p.image in videos]
    if len(set(held)) == len(held):
        return pairs
    return [replace(p, group=videos.get(p.image, p.name)) for p in pairs]


def _has_curves(labels: list[dict]) -> bool:
    return any("C" in str(p.get("types") or "") for label in labels for p in _polygons(label))


def _drawn(path: Path, key: int, frame: dict, value: dict[str, int]) -> list[Drawn]:
    """A frame's labels with a closed polygon, in order."""
    drawn = []
    for number, label in enumerate(_labels(frame), start=1):
        category = _category(label)
        closed = [p for p in _polygons(label) if p.get("closed", True) is not False]
        if category is not None and closed:
            source = f"Scalabel file '{path}': frame {key + 1}, label {number} ('{category}')"
            drawn.append(Drawn(value[category], Poly2d(closed), source))
    return drawn


@dataclass(frozen=True)
class Poly2d:
    """A label's closed polygons (`vertices` `[[x, y], ...]` in pixels), filled together."""

    polygons: list[dict]

    def __call__(self, height: int, width: int) -> np.ndarray:
        try:
            outlines = [[float(v) for point in p["vertices"] for v in point[:2]] for p in self.polygons]
        except (KeyError, TypeError) as err:
            raise ValueError(f"its vertices are no [x, y] points ({err!r})") from None
        return object_mask(outlines, height, width)
