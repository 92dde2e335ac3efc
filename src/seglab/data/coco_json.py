"""The "coco" format: objects outlined in a COCO JSON file (polygons or run-length masks), as COCO
ships them and CVAT, Roboflow, Label Studio and makesense.ai export them, painted into
class-index masks once.

Recognised files: a JSON with `images`, `annotations` and `categories` lists, in the dataset
folder, in `annotations/` or in a split folder (`annotations/instances_train2017.json`, CVAT's
`annotations/instances_default.json`, Roboflow's `train/_annotations.coco.json`); DATA may be
the file itself. Where COCO ships several files of one split (`person_keypoints_*`, `stuff_*`),
the `instances_*` ones are read.

Each image's objects are painted as torchvision's COCO segmentation reference paints them: an
object's pixels get its category's class (categories in id order, after background 0; the ones
no object uses, such as Roboflow's dataset-name category, are left out), and pixels that objects
of two classes claim get the ignore label 255. Masks are written as PNGs into the cache, keyed by
the JSON files and the images, so that every later stage reads plain pairs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from seglab.data.cache import default_cache_dir
from seglab.data.classes import ClassSpec, default_colours
from seglab.data.file_version import file_version
from seglab.data.folder_pairs import unique_names
from seglab.data.folders import METADATA_FILES, walk
from seglab.data.formats import FORMATS, DatasetFormat, ReadOptions
from seglab.data.index import DatasetIndex, Pair, Problem
from seglab.data.io import write_mask_png
from seglab.data.mapping import IdentityMapping
from seglab.data.naming import folder_split, stem, usable_splits
from seglab.data.pixel_budget import max_pixels
from seglab.data.staging import staged_folder
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # part of every key: bump when painting changes
OVERLAP = 255  # pixels that objects of two classes claim: scored in no class
_MANIFEST = "masks.json"  # written last: a folder without it was never completed
_KEYS = ('"images"', '"annotations"', '"categories"')
_SNIFFED_BYTES = 1 << 16  # a file's head that must name `images` (the other keys may come last)


@dataclass
class _Annotations:
    """One COCO file, read: its images (id -> entry), their objects and the categories."""

    path: Path
    images: dict[int, dict] = field(default_factory=dict)
    objects: dict[int, list[dict]] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)

    @property
    def split(self) -> str | None:
        """The split its name or folder says (`instances_val2017.json`, Roboflow's `valid/`)."""
        return folder_split(self.path.stem) or folder_split(self.path.parent.name)


def coco_files(root: Path) -> list[Path]:
    """The COCO annotation files of a dataset: `root` itself, or the JSON files in `root`, its
    `annotations/` and its subfolders whose head names `images`; `instances_*` ones only, when
    COCO's other kinds lie beside them."""
    if root.is_file():
        return [root] if _looks_like_coco(root) else []
    candidates = [*root.glob("*.json"), *root.glob("*/*.json")]
    found = sorted(p for p in candidates if p.name.lower() not in METADATA_FILES and _looks_like_coco(p))
    instances = [p for p in found if p.name.startswith("instances")]
    return instances or found


def _looks_like_coco(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            head = file.read(_SNIFFED_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return head.lstrip().startswith("{") and _KEYS[0] in head and (path.stat().st_size > _SNIFFED_BYTES
                                                                   or all(k in head for k in _KEYS))


def read_annotations(path: Path) -> _Annotations:
    """A COCO file's images, objects and categories.

    Raises:
        DataError: not JSON, or lists that are not COCO's, naming the file.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"COCO file '{path}' cannot be read as JSON: {err}") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("images", "annotations",
                                                                                      "categories")):
        raise DataError(f"COCO file '{path}' needs 'images', 'annotations' and 'categories' lists")
    read = _Annotations(path)
    try:
        read.categories = {int(c["id"]): str(c["name"]) for c in data["categories"]}
        read.images = {int(i["id"]): i for i in data["images"] if str(i.get("file_name", ""))}
        for item in data["annotations"]:
            read.objects.setdefault(int(item["image_id"]), []).append(item)
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"COCO file '{path}': an entry lacks its id, name or image_id ({err!r})") from None
    return read


@FORMATS.register("coco")
class CocoFormat(DatasetFormat):
    """COCO JSON annotations beside the images; DATA is the folder or the JSON file."""

    layout = ("a COCO JSON file (images, annotations with polygons or RLE, categories) beside the images: "
              "annotations/instances_*.json, Roboflow's _annotations.coco.json, CVAT's instances_default.json")
    priority = -1  # before folder-pairs, which would find the images alone

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, list[Path]] = {}

    def files_of(self, root: Path) -> list[Path]:
        if root not in self._found:
            self._found[root] = coco_files(root)
        return self._found[root]

    def detect(self, root: Path) -> bool:
        files = self.files_of(root)
        if root.is_file() or not files:
            return bool(files)
        return not any(f.named_mask and f.files for f in walk(root))  # mask files shipped too: folder-pairs

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        if root.is_file() and base.name.lower().startswith("annotation"):  # COCO's annotations/ beside the images
            base = base.parent
        files = [read_annotations(p) for p in self.files_of(root)]
        used = sorted({int(o["category_id"]) for f in files for objects in f.objects.values() for o in objects})
        names = {c: n for f in files for c, n in f.categories.items()}
        unknown = [c for c in used if c not in names]
        if unknown:
            raise DataError(f"COCO objects use category ids {unknown[:5]} that no 'categories' entry names "
                            f"({', '.join(str(f.path) for f in files)})")
        label_of = {category: k + 1 for k, category in enumerate(used)}
        named = ("background", *(names[c] for c in used))
        spec = classes or ClassSpec(named, default_colours(len(named), named), ignore_index=OVERLAP)
        images, problems = _locate(files, base)
        split_of = {f.path: f.split for f in files}
        splits = {image: split_of[path] for path, entries in images.items() for image in entries.values()}
        if not usable_splits(splits.values()):
            splits = dict.fromkeys(splits)
        masks, overlaps = _painted(files, images, label_of, spec, base,
                                   Path(self.options.cache_dir or default_cache_dir()) / "coco")
        problems += [Problem(base / image, text, "overlapping-classes") for image, text in overlaps]
        pairs = unique_names([Pair(stem(image), image, masks[image], splits[image]) for image in masks], base)
        objects = sum(len(o) for f in files for o in f.objects.values())
        line = (f"{', '.join(f.path.relative_to(base).as_posix() for f in files)}: {objects} objects on "
                f"{len(pairs)} images painted into {len(used)} classes (pixels two classes claim: ignore {OVERLAP})")
        log.info("%s", line)
        return DatasetIndex(base, "coco", pairs, [], spec, IdentityMapping(), problems, pairing=[line])


def _locate(files: list[_Annotations], base: Path) -> tuple[dict[Path, dict[int, Path]], list[Problem]]:
    """Each file's image ids with the image file its `file_name` names: beside the JSON, under the
    dataset folder, or by its name alone when one image file under the dataset folder has it
    (COCO's `train2017/` beside `annotations/`)."""
    by_name: dict[str, list[Path]] = {}
    for folder in walk(base):
        for path in folder.files:
            by_name.setdefault(path.name, []).append(path)
    found: dict[Path, dict[int, Path]] = {}
    problems = []
    claimed: dict[Path, Path] = {}
    for coco in files:
        found[coco.path] = {}
        for image_id, entry in coco.images.items():
            name = str(entry["file_name"])
            candidates = [p for p in (coco.path.parent / name, base / name) if p.is_file()]
            candidates = candidates or by_name.get(Path(name).name, [])
            if len(candidates) != 1 and len(set(candidates)) != 1:
                why = "no image file has that name" if not candidates else f"{len(candidates)} image files have it"
                problems.append(Problem(coco.path, f"image '{name}' (id {image_id}): {why}",
                                        "mask-without-image"))
                continue
            image = candidates[0]
            if image in claimed:
                raise DataError(f"'{image}' is annotated in both '{claimed[image]}' and '{coco.path}'; "
                                "pass the one to train on as DATA")
            claimed[image] = coco.path
            found[coco.path][image_id] = image
    return found, problems


def _painted(files: list[_Annotations], images: dict[Path, dict[int, Path]], label_of: dict[int, int],
             spec: ClassSpec, base: Path, cache_root: Path) -> tuple[dict[Path, Path], list[tuple[str, str]]]:
    """Each image's mask file, painted now or by an earlier call, and the images where classes
    overlap. The cache names images relative to the dataset folder."""
    facts = [CACHE_VERSION, [list(file_version(f.path)) for f in files], sorted(label_of.items()),
             [str(p.relative_to(base)) for entries in images.values() for p in entries.values()]]
    key = hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]
    folder = cache_root / f"{files[0].path.stem.strip('_.') or 'coco'}-{key}"
    if not (folder / _MANIFEST).is_file():
        log.info("painting the objects of %d images into '%s' (once)", sum(map(len, images.values())), folder)
        with staged_folder(folder) as partial:
            _write(files, images, label_of, spec, base, partial)
    manifest = json.loads((folder / _MANIFEST).read_text())
    return {base / image: folder / mask for image, mask in manifest["masks"].items()}, manifest["overlaps"]


def _write(files: list[_Annotations], images: dict[Path, dict[int, Path]], label_of: dict[int, int],
           spec: ClassSpec, base: Path, partial: Path) -> None:
    masks, overlaps = {}, []
    for coco in files:
        for image_id, image in images[coco.path].items():
            entry = coco.images[image_id]
            labels, claimed = _paint(entry, coco.objects.get(image_id, []), label_of, coco.path)
            name = f"{len(masks):07d}-{image.stem}.png"
            write_mask_png(partial / name, labels, spec.colours)
            relative = image.relative_to(base).as_posix()
            masks[relative] = name
            if claimed:
                overlaps.append((relative, f"{claimed} pixels claimed by objects of two classes: ignore label "
                                 f"{OVERLAP}"))
    (partial / _MANIFEST).write_text(json.dumps({"masks": masks, "overlaps": overlaps}))


def _paint(entry: dict, objects: list[dict], label_of: dict[int, int], path: Path) -> tuple[np.ndarray, int]:
    """One image's class-index mask and how many pixels objects of two classes claimed.

    Raises:
        DataError: an image larger than the pixel budget, or an object whose outline is not
            COCO's (naming the file and object id).
    """
    try:
        height, width = int(entry["height"]), int(entry["width"])
    except (KeyError, TypeError, ValueError):
        raise DataError(f"COCO file '{path}': image '{entry.get('file_name')}' has no height and width") from None
    if height * width > max_pixels():
        raise DataError(f"COCO file '{path}': image '{entry['file_name']}' is {height}x{width} = {height * width} "
                        f"pixels, more than --max-pixels {max_pixels()}")
    labels = np.zeros((height, width), np.uint8)
    for item in objects:
        try:
            on = object_mask(item.get("segmentation"), height, width)
        except (TypeError, ValueError, KeyError, IndexError) as err:
            raise DataError(f"COCO file '{path}': object {item.get('id')} of image '{entry['file_name']}' has a "
                            f"segmentation that is neither polygons nor RLE ({err})") from None
        value = label_of[int(item["category_id"])]
        clash = on & (labels != 0) & (labels != value)
        labels[on & ~clash & (labels == 0)] = value
        labels[clash] = OVERLAP
    return labels, int((labels == OVERLAP).sum())


def object_mask(segmentation: object, height: int, width: int) -> np.ndarray:
    """An object's pixels from its COCO segmentation: polygons `[[x1, y1, x2, y2, ...], ...]`, or
    run-length counts `{"size": [h, w], "counts": [...] or "compressed"}` in column-major order.

    Raises:
        ValueError: neither form, or runs that do not fit the image.
    """
    if isinstance(segmentation, list):
        canvas = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(canvas)
        for polygon in segmentation:
            points = [float(v) for v in polygon]
            if len(points) >= 6:
                draw.polygon(list(zip(points[::2], points[1::2])), fill=1, outline=1)
        return np.asarray(canvas, dtype=bool)
    if isinstance(segmentation, dict):
        counts = segmentation["counts"]
        runs = _decompressed(counts) if isinstance(counts, str) else [int(c) for c in counts]
        if sum(runs) != height * width or any(r < 0 for r in runs):
            raise ValueError(f"runs cover {sum(runs)} pixels of a {height}x{width} image")
        flat = np.repeat(np.arange(len(runs)) % 2 == 1, runs)
        return flat.reshape(width, height).T
    raise ValueError(f"got {type(segmentation).__name__}")


def _decompressed(text: str) -> list[int]:
    """pycocotools' compressed RLE string (6-bit groups from '0', a sign bit, deltas from the count
    two before) as counts."""
    counts: list[int] = []
    at = 0
    while at < len(text):
        value, shift, more = 0, 0, True
        while more:
            if at >= len(text):
                raise ValueError("compressed counts end inside a number")
            char = ord(text[at]) - 48
            value |= (char & 0x1F) << shift
            more = bool(char & 0x20)
            at, shift = at + 1, shift + 5
            if not more and char & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts
