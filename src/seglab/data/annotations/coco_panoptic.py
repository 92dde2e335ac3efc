"""The "coco-panoptic" format: panoptic annotations in COCO's format, read as semantic masks, as
COCO 2017 (`annotations/panoptic_train2017.json` + `annotations/panoptic_train2017/*.png`),
Cityscapes (cityscapesScripts' `gtFine/cityscapes_panoptic_train.json`), ADE20K (Mask2Former's
`ade20k_panoptic_train.json`), Mapillary Vistas 2.0 (`training/v2.0/panoptic/panoptic_2020.json`)
and WildDash 2 (`wd_public_v2p0/panoptic.json`) ship them. Image ids are COCO's integers or, in
Cityscapes' and WildDash 2's files, strings (`frankfurt_000000_000294`).

A PNG per image numbers its segments in colour (id = R + 256 G + 256^2 B); the JSON's
`segments_info` gives each id its category. Classes are the categories in id order, in their
colours (COCO's 133: 80 things and 53 stuff), with no background class: every pixel is a thing
or stuff, and void pixels (id 0, or an id no segment names) get the ignore label 255, as
Detectron2's and Mask2Former's semantic targets of these annotations. Each PNG is looked up once
into a class-index mask in the cache (`painted_masks`).

A folder with COCO's instance annotations too (`instances_*.json`) is read by the `coco`
format, and one that ships semantic masks (Cityscapes' `*_labelIds.png`) by `folder-pairs`;
`--format coco-panoptic` chooses this reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotated_images import file_inside, locate_images
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, relative_names, top_annotation_files
from seglab.data.classes import ClassSpec, json_colour, shipped_classes
from seglab.data.annotations.coco_reading import coco_files, coco_lists, image_key, is_panoptic
from seglab.data.discovery.folders import Folder, walk
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, Problem, natural_key
from seglab.data.files.io import read_raw_mask
from seglab.data.discovery.naming import folder_split, folders_split
from seglab.data.annotations.painted_masks import IGNORE, LATER_OVER_EARLIER, ImageObjects, LabelMap
from seglab.errors import DataError
from seglab.data.files.folder_listing import matching

_MOST_CLASSES = 255  # class indices 0..254 in a uint8 mask, 255 ignored


def panoptic_files(root: Path, folders: Sequence[Folder]) -> list[Path]:
    """The panoptic JSON files: DATA itself, or those in DATA, beside an image folder (COCO's
    `annotations/` holding `panoptic_train2017/`), in it (Mapillary's `panoptic/`) or where COCO's
    files lie (`top_annotation_files`: detectron2's `coco/annotations/` beside `coco/panoptic_train2017/`)."""
    if root.is_file():
        return [root] if is_panoptic(root) else []
    places = {root, *(f.path for f in folders), *(f.path.parent for f in folders)}
    found = {p for place in places for p in matching(place, "*.json") if is_panoptic(p)}
    found.update(top_annotation_files(root, ".json", is_panoptic))
    return sorted(found, key=lambda p: natural_key(str(p)))


def png_folder(annotations: Path) -> Path:
    """Where a panoptic JSON's PNGs are: the folder of its name beside it (COCO's
    `annotations/panoptic_train2017/`) or beside its folder (detectron2's `panoptic_train2017/`
    beside `annotations/`), else its own folder."""
    named = (annotations.with_suffix(""), annotations.parent.parent / annotations.stem)
    return next((folder for folder in named if folder.is_dir()), annotations.parent)


@dataclass(frozen=True)
class _Panoptic:
    """One panoptic JSON, read: its images (id -> entry), each image's annotation and the
    categories (id -> (name, colour or None))."""

    path: Path
    images: dict[int | str, dict]
    annotations: dict[int | str, dict]
    categories: dict[int, tuple[str, tuple[int, int, int] | None]]


def read_panoptic(path: Path) -> _Panoptic:
    """A panoptic JSON's images, annotations and categories.

    Raises:
        DataError: not JSON, or not COCO's panoptic lists, naming the file.
    """
    data = coco_lists(path, "panoptic")
    try:
        categories = {int(c["id"]): (str(c["name"]), json_colour(c.get("color"))) for c in data["categories"]}
        images = {image_key(i["id"]): i for i in data["images"] if str(i.get("file_name", ""))}
        annotations = {image_key(a["image_id"]): a for a in data["annotations"]}
        for entry in annotations.values():
            if not isinstance(entry.get("file_name"), str) or not isinstance(entry.get("segments_info"), list):
                raise TypeError(f"image_id {entry['image_id']} has no PNG 'file_name' or no 'segments_info' list")
            entry["segments"] = {int(s["id"]): int(s["category_id"]) for s in entry["segments_info"]}
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as err:
        raise DataError(f"panoptic file '{path}': an entry lacks its id, name, image_id, file_name or segments, or "
                        f"an id is no number (image ids may also be strings) ({err!r})") from None
    return _Panoptic(path, images, annotations, categories)


def segment_labels(png: Path, label_of: dict[int, int], void: int) -> LabelMap:
    """The label map of a panoptic PNG: each pixel's segment id (R + 256 G + 256^2 B) looked up
    in `label_of` (segment id -> class index), `void` where no segment has the id."""

    def draw(height: int, width: int) -> np.ndarray:
        rgb = read_raw_mask(png, rgb=True)
        if rgb.ndim != 3 or rgb.shape[:2] != (height, width):
            raise DataError(f"panoptic PNG '{png}' is {'x'.join(map(str, rgb.shape))}; expected an RGB image of "
                            f"{height}x{width}, its image's size")
        channels = rgb.astype(np.int64)
        ids = channels[..., 0] + 256 * channels[..., 1] + 65536 * channels[..., 2]
        found, inverse = np.unique(ids, return_inverse=True)
        table = np.array([label_of.get(int(v), void) for v in found], np.uint8)
        return table[inverse.reshape(height, width)]

    return draw


@FORMATS.register("coco-panoptic")
class CocoPanopticFormat(AnnotationFileFormat):
    """COCO panoptic annotations (a JSON + a segment PNG per image) read as semantic masks."""

    layout = ("COCO panoptic: panoptic_*.json + a PNG per image numbering its segments (COCO, Cityscapes, ADE20K, "
              "Mapillary Vistas 2.0)")
    cache_name = "coco-panoptic"
    priority = -2  # before coco, whose sniffing a panoptic JSON would also pass

    def files(self, root: Path) -> list[Path]:
        return panoptic_files(root, walk(root) if root.is_dir() else [])

    def steps_aside(self, root: Path) -> bool:
        """COCO 2017 ships instance annotations beside the panoptic ones: `coco` reads those."""
        return any(p.name.startswith("instances") for p in coco_files(root))

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        files = [read_panoptic(p) for p in self.found(root)]
        categories = {c: named for f in files for c, named in sorted(f.categories.items())}
        ordered = sorted(categories)
        if len(ordered) > _MOST_CLASSES:
            raise DataError(f"{relative_names([f.path for f in files], base)}: {len(ordered)} categories, more than "
                            f"the {_MOST_CLASSES} classes a mask holds")
        multilabel = self.options.multilabel  # label k is channel k, counted from 1; void is 0
        first = 1 if multilabel else 0
        class_of = {c: first + k for k, c in enumerate(ordered)}
        names = [categories[c][0] for c in ordered]
        colours = [colour for c in ordered if (colour := categories[c][1]) is not None]
        described = f"the categories of {relative_names([f.path for f in files], base)}"
        spec = classes or shipped_classes(names, described, None if multilabel else IGNORE,
                                          colours if len(colours) == len(names) else None)
        images, problems = locate_images([(f.path, [(i, str(e["file_name"])) for i, e in f.images.items()])
                                          for f in files], base, "id")
        drawn, sources = [], []
        for panoptic in files:
            folder = png_folder(panoptic.path)
            for image_id, image in images[panoptic.path].items():
                entry, annotation = panoptic.images[image_id], panoptic.annotations.get(image_id)
                png = folder / str(annotation["file_name"]) if annotation else None
                if png is None or not file_inside(png, base):
                    problems.append(Problem(image, f"image has no panoptic PNG ({png or 'no annotation'} in "
                                            f"'{panoptic.path}')", "image-without-mask"))
                    continue
                unknown = sorted({c for c in annotation["segments"].values() if c not in class_of})
                if unknown:
                    raise DataError(f"panoptic file '{panoptic.path}': segments of image '{entry['file_name']}' use "
                                    f"category ids {unknown[:5]} that no 'categories' entry names")
                label_of = {segment: class_of[c] for segment, c in annotation["segments"].items()}
                drawn.append(ImageObjects(image, *_size(entry, panoptic.path),
                                          labels=segment_labels(png, label_of, 0 if multilabel else IGNORE)))
                sources.append(png)
        split_of = {image: _split(f.path, base) for f in files for image in images[f.path].values()}
        pairs, painting = self.painted_pairs(drawn, [f.path for f in files] + sources, LATER_OVER_EARLIER, spec,
                                             base, files[0].path.stem, split_of)
        line = (f"{relative_names([f.path for f in files], base)}: {len(pairs)} images' panoptic PNGs read as "
                f"{len(ordered)} classes " + ("(a mask per class)" if multilabel else f"(void pixels: ignore {IGNORE})"))
        return self.indexed(base, pairs, spec, problems + painting, line)


def _size(entry: dict, path: Path) -> tuple[int, int]:
    """An image entry's height and width.

    Raises:
        DataError: an entry without them, naming the file.
    """
    try:
        return int(entry["height"]), int(entry["width"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise DataError(f"panoptic file '{path}': image '{entry.get('file_name')}' has no height and width") from None


def _split(path: Path, base: Path) -> str | None:
    """The split a panoptic file's name or a folder between it and the dataset names
    (`panoptic_val2017.json`, Mapillary's `training/v2.0/panoptic/panoptic_2020.json`)."""
    return folder_split(path.stem) or folders_split(path, base)
