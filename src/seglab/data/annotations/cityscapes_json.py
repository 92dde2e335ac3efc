"""The "cityscapes-polygons" format: Cityscapes-style polygon files as the only labels, painted
into class-index masks once. IDD Segmentation ships so (`gtFine/train/<seq>/<frame>_gtFine_polygons.json`
beside `leftImg8bit/train/<seq>/<frame>_leftImg8bit.png`), and so do Cityscapes-format exports;
Cityscapes itself ships its label PNGs beside the polygons, and is read from those (folder-pairs).

A file holds the image's `imgHeight`, `imgWidth` and its `objects`, each a `label` and a `polygon`
of [x, y] points, filled in order, later over earlier, as cityscapesScripts' and IDD's
`json2labelImg.py` draw them; `deleted` objects are left out, and so are objects with no polygon
(RailSem19's rail `polyline`s and signal `boundingbox`es), counted. The classes come from the table the
labels fit (`_TABLES`): Cityscapes' names read as its 19 evaluated classes, IDD's (which use names
Cityscapes lacks: `autorickshaw`, `drivable fallback`, ...) as its 26 level-3 classes; a label
`cargroup` is `car`, as the scripts read it. Void labels paint the ignore label 255, and so do the
pixels no polygon covers (the scripts' `unlabeled`). Labels that fit no table (a tool's export)
are read as other annotation tools' labels: background (0, the pixels no polygon covers) and the
labels sorted by name, Cityscapes' void labels (`out of roi`, `ego vehicle`, ...) ignored.

A file's frame (`<frame>_gtFine_polygons.json`) finds its images by name (`<frame>_leftImg8bit.png`
and its renderings, Foggy Cityscapes' `<frame>_leftImg8bit_foggy_beta_0.02.png`; or `<frame>.png`)
in the folder that mirrors the file's (`train/<seq>/`); the split folder gives the split and the
sequence (or city) folder below it the group.

Dense masks of the frames shipped beside the files are the labels, read by folder-pairs: Cityscapes'
`*_gtFine_labelIds.png` in `gtFine/`, or RailSem19's label ids in `uint8/rs19_val/` beside
`jsons/rs19_val/`, a tree named for no role that mirrors the images' (`mirror_trees.kind_keys`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotation_formats import (
    AnnotationJsonFolders, file_head, json_folders, load_json, one_folder,
)
from seglab.data.annotations.painted_masks import IGNORE, LATER_OVER_EARLIER, Drawn, ImageObjects, LabelMap, xy
from seglab.data.classes import VOID_LABEL, ClassSpec, refuse_unnamed, tool_classes
from seglab.data.classes.names import label_key
from seglab.data.discovery.folders import Folder, walk
from seglab.data.discovery.folders.placement import path_lies_under
from seglab.data.discovery.naming import folder_split, folders_split, stem
from seglab.data.discovery.naming.cityscapes import frame_of
from seglab.data.encodings import cityscapes, idd
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.layouts.folder_pairs import FolderPairsFormat
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_FRAME = re.compile(r"(?P<frame>.+?)(?:_gt(?:fine|coarse)?)?_polygons", re.IGNORECASE)


@dataclass(frozen=True)
class _Table:
    """A dataset's label table: its classes and each label name's class (void ones `IGNORE`),
    names as `label_key` writes them; `undrawn` labels are no polygon at all."""

    name: str
    classes: ClassSpec
    label_class: Mapping[str, int]
    undrawn: frozenset[str] = frozenset()

    @classmethod
    def of(cls, name: str, classes: ClassSpec, label_class: Mapping[str, int], undrawn: tuple[str, ...] = ()) -> _Table:
        keyed = {label_key(n): c for n, c in label_class.items()}
        return cls(name, classes, keyed, frozenset(map(label_key, undrawn)))

    def named(self, label: str) -> str | None:
        """The table's name of a label, `cargroup` read as `car` (the scripts' rule); None when unknown."""
        key = label_key(label)
        if key not in self.label_class and key not in self.undrawn and key.endswith("group"):
            key = key.removesuffix("group").strip()
        return key if key in self.label_class or key in self.undrawn else None


_TABLES = (  # tried in order: labels both name are Cityscapes', the format's own
    _Table.of("Cityscapes' 19 evaluated classes", cityscapes.CLASSES, cityscapes.LABEL_CLASS, cityscapes.UNDRAWN_LABELS),
    _Table.of("IDD's 26 level-3 classes", idd.CLASSES, idd.LABEL_CLASS),
)
_OUTSIDE = frozenset(map(label_key, cityscapes.OUTSIDE_LABELS))  # void whatever the table


def _is_polygons(path: Path) -> bool:
    head = file_head(path).lstrip()
    return head.startswith("{") and '"imgHeight"' in head and '"objects"' in head


def _frame(path: Path) -> str:
    """The frame a polygon file annotates: `x` of `x_gtFine_polygons.json`, or its stem (`rs00000.json`)."""
    found = _FRAME.fullmatch(path.stem)
    return (found.group("frame") if found else path.stem).lower()


def _image_frame(image: Path) -> str:
    """The frame an image shows: `x` of `x_leftImg8bit.png`, or its stem (`rs00000.jpg`)."""
    return frame_of(stem(image)) or stem(image).lower()


@dataclass(frozen=True)
class _Polygons:
    """One polygon file, read: the image's size and its objects (label, flat polygon) in order,
    deleted ones and those with no polygon left out (counted)."""

    path: Path
    height: int | None
    width: int | None
    objects: list[tuple[str, list[float]]]
    deleted: int
    unoutlined: int = 0

    @property
    def frame(self) -> str:
        return _frame(self.path)


def read_polygons(path: Path) -> _Polygons:
    """A Cityscapes-style polygon file; an object with no `polygon` (a polyline, a box) is left out.

    Raises:
        DataError: not JSON, no `objects` list, or a polygon that is no list of [x, y] points,
            naming the file and the object.
    """
    data = load_json(path, "Cityscapes polygon file")
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise DataError(f"Cityscapes polygon file '{path}' has no 'objects' list")
    try:
        height, width = int(data["imgHeight"]), int(data["imgWidth"])
    except (KeyError, TypeError, ValueError, OverflowError):
        height = width = None
    objects, deleted, unoutlined = [], 0, 0
    for number, item in enumerate(data["objects"], start=1):
        if not isinstance(item, dict):
            continue
        if item.get("deleted"):
            deleted += 1
            continue
        if item.get("polygon") is None:
            unoutlined += 1
            continue
        try:
            outline = [v for point in xy(item.get("polygon")) for v in point]
        except (TypeError, ValueError, IndexError):
            raise DataError(f"Cityscapes polygon file '{path}': object {number} ('{item.get('label')}') has a "
                            "polygon that is no list of [x, y] points") from None
        objects.append((str(item.get("label", "")), outline))
    return _Polygons(path, height, width, objects, deleted, unoutlined)


def _filled(value: int) -> LabelMap:
    """A label map of one value: the pixels no polygon covers."""
    return lambda height, width: np.full((height, width), value, np.uint8)


@FORMATS.register("cityscapes-polygons")
class CityscapesPolygonsFormat(AnnotationJsonFolders):
    """Cityscapes-style polygon files (`*_gtFine_polygons.json`) and the images they name; see
    the module docstring."""

    layout = ("Cityscapes-style polygons alone (IDD): gtFine/train/<seq>/<frame>_gtFine_polygons.json + "
              "leftImg8bit/train/<seq>/<frame>_leftImg8bit.png")
    cache_name = "cityscapes-polygons"
    picks_folders = True  # --images and --masks pick among renderings and annotation folders
    looks_right = staticmethod(_is_polygons)

    def label_folders(self, root: Path) -> list[Path]:
        masks = self.options.masks
        return [f for f in json_folders(root, _is_polygons)
                if masks is None or path_lies_under(f.relative_to(root).parts, masks)]

    def detect(self, root: Path) -> bool:
        """Whether polygon files are there and no mask files: Cityscapes' label PNGs, shipped beside
        its polygons, are read by folder-pairs, with --images and --masks too."""
        found, masks = self._search(root)
        return bool(found) and not masks

    def steps_aside(self, root: Path) -> bool:
        """Whether folder-pairs pairs images of the files' frames with dense masks (RailSem19's
        `uint8/` label ids beside `jsons/`, whose polylines and boxes paint no mask): those are the
        labels. A folder-pairs search that refuses (two folders could hold the masks) leaves the
        polygons read."""
        frames = {_frame(path) for path in self.found(root)}
        try:
            matches = FolderPairsFormat(self.options).found(root).matches
        except DataError:
            return False
        return any(_image_frame(image) in frames for match in matches for _, image, _ in match.pairs)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        files = [read_polygons(p) for p in self.found(root)]
        images, problems = self._located(root, files)
        used = sorted({label for f in files for label, _ in f.objects}, key=lambda u: (label_key(u), u))
        table = None if classes else next((t for t in _TABLES if all(t.named(u) for u in used)), None)
        if table is not None:
            spec, value, uncovered = _table_classes(table, used, self.options.multilabel)
            described = table.name
        else:
            spec, value = _tool_classes(used, f"the labels of the Cityscapes polygon files under '{root}'",
                                        self.options.multilabel, classes)
            uncovered, described = 0, f"the labels (no dataset's table names {_unknown(used)})"
        placed = [(f, image) for f in files for image in images.get(f.path, [])]
        drawn = {f.path: [Drawn(value[label], [outline], f"Cityscapes polygon file '{f.path}': object {n} ('{label}')")
                          for n, (label, outline) in enumerate(f.objects, start=1) if label in value] for f in files}
        entries = [ImageObjects(image, f.height, f.width, drawn[f.path], labels=_filled(uncovered) if uncovered else None)
                   for f, image in placed]
        split_of = {image: folders_split(f.path, root) or folders_split(image, root) for f, image in placed}
        pairs, painting = self.painted_pairs(entries, [f.path for f in files], LATER_OVER_EARLIER, spec, root,
                                             "cityscapes-polygons", split_of)
        group_of = {image: _group(f.path) for f, image in placed}
        pairs = [replace(p, group=group_of[p.image]) for p in pairs]
        unlabelled = [i for folder in self._image_folders(root) for i in folder.files if i not in group_of]
        deleted, unoutlined = sum(f.deleted for f in files), sum(f.unoutlined for f in files)
        line = (f"{len(files)} Cityscapes polygon files painted into {len(pairs)} images' masks as {described}, "
                "later over earlier" + (f"; {deleted} deleted objects left out" if deleted else "")
                + (f"; {unoutlined} objects with no polygon (polylines, boxes) left out" if unoutlined else "")
                + (f"; pixels no polygon covers: ignore {IGNORE} (unlabeled)" if uncovered else ""))
        return self.indexed(root, pairs, spec, problems + painting, line, unlabelled)

    def _image_folders(self, root: Path) -> list[Folder]:
        images = self.options.images
        return [f for f in walk(root) if images is None or path_lies_under(f.parts, images)]

    def _located(self, root: Path, files: list[_Polygons]) -> tuple[dict[Path, list[Path]], list[Problem]]:
        """Each file's images: those of its frame in the folder nearest its own (the most trailing
        folder names alike: `leftImg8bit/train/0/` for `gtFine/train/0/`), all renderings of the
        frame there; a file without one is a problem.

        Raises:
            DataError: a frame's images in several such folders (renderings to choose from), or an
                image two files annotate, naming the flag that picks one.
        """
        by_frame: dict[str, list[Path]] = {}
        for folder in self._image_folders(root):
            for image in folder.files:
                by_frame.setdefault(_image_frame(image), []).append(image)
        found: dict[Path, list[Path]] = {}
        claimed: dict[Path, Path] = {}
        problems = []
        for f in files:
            candidates = by_frame.get(f.frame, [])
            if not candidates:
                problems.append(Problem(f.path, f"no image of frame '{f.frame}' ({f.frame}_leftImg8bit.png) under "
                                        f"'{root}'", "mask-without-image"))
                continue
            tails = {i: _shared_tail(f.path.parent, i.parent) for i in candidates}
            near = [i for i, tail in tails.items() if tail == max(tails.values())]
            one_folder(root, sorted({i.parent for i in near}), f"the images of '{f.path.name}' lie in",
                       partial(_differing_folder, root, "--images"))
            for image in near:
                if image in claimed:
                    one_folder(root, [claimed[image].parent, f.path.parent],
                               f"'{image.name}' is annotated by '{claimed[image].name}' and '{f.path.name}', in",
                               partial(_differing_folder, root, "--masks"))
                    raise DataError(f"'{image}' is annotated by both '{claimed[image]}' and '{f.path}'; keep one")
                claimed[image] = f.path
            found[f.path] = near
        return found, problems


def _table_classes(table: _Table, used: list[str], multilabel: bool) -> tuple[ClassSpec, dict[str, int], int]:
    """A table's classes, each drawn label's value (void ones `IGNORE`; `undrawn` ones none) and
    the value of the pixels no polygon covers (`IGNORE`, the scripts' `unlabeled`). Under
    `multilabel` class k is channel k, counted from 1, and void pixels are in none."""
    first = 1 if multilabel else 0
    classed = {u: table.label_class[named] for u in used if (named := table.named(u)) not in table.undrawn}
    value = {u: IGNORE if c == IGNORE else c + first for u, c in classed.items()}
    spec = replace(table.classes, ignore_index=None) if multilabel else table.classes
    return spec, value, 0 if multilabel else IGNORE


def _tool_classes(used: list[str], source: str, multilabel: bool,
                  classes: ClassSpec | None) -> tuple[ClassSpec, dict[str, int]]:
    """Labels of no table read as an annotation tool's (`tool_classes`), Cityscapes' labels of
    what is outside the scene (`out of roi`, `ego vehicle`, ...) void unless classes.json names them."""
    named = set(classes.names) if classes else set()
    outside = [u for u in used if label_key(u) in _OUTSIDE and u not in named]
    labels = [u for u in used if u not in outside]
    spec, value = tool_classes(labels, None, source, multilabel, classes)
    refuse_unnamed(labels, value, spec, "Cityscapes polygon files use labels")
    if outside and spec.ignore_index is None:
        spec = replace(spec, ignore_index=VOID_LABEL)
    return spec, value | dict.fromkeys(outside, VOID_LABEL)


def _unknown(used: list[str]) -> str:
    """The first labels no table names, for the log."""
    unknown = [u for u in used if not any(t.named(u) for t in _TABLES)]
    return ", ".join(f"'{u}'" for u in unknown[:3]) + (", ..." if len(unknown) > 3 else "")


def _group(path: Path) -> str | None:
    """A file's sequence or city: its folder, when the one above is a split (`train/0`, `train/aachen`)."""
    folder = path.parent
    if folder_split(folder.parent.name) is None or folder_split(folder.name) is not None:
        return None
    return f"{folder.parent.name}/{folder.name}"


def _shared_tail(a: Path, b: Path) -> int:
    """How many trailing folder names two folders share (`gtFine/train/0`, `leftImg8bit/train/0`: 2)."""
    count = 0
    for x, y in zip(reversed(a.parts), reversed(b.parts)):
        if x.lower() != y.lower():
            break
        count += 1
    return count


def _differing_folder(root: Path, flag: str, folders: Sequence[Path]) -> str:
    """The route of `annotation_formats.one_folder`: `flag` and the folder that picks one of
    `folders`, to the first name by which they differ (`leftImg8bit_foggy` beside `leftImg8bit`)."""
    parts = [f.relative_to(root).parts if f.is_relative_to(root) else f.parts for f in folders]
    differ = next((k for k in range(min(map(len, parts))) if len({p[k] for p in parts}) > 1), None)
    return f"; name the one to read: {flag} {'/'.join(parts[-1][:differ + 1])}" if differ is not None else ""
