"""The "coco-per-image" format: a COCO-style JSON per image, `{"image": {...}, "annotations":
[...]}`, as Meta ships SA-1B (Segment Anything 1B: `sa_000000/sa_1.jpg` + `sa_1.json`, each
object a compressed run-length mask), painted into class-index masks once as the "coco" format
paints a whole file's objects (`coco_objects`: its objects, classes and painting).

A file's `image` entry names its image (`file_name`, found as COCO's are; else an image of the
file's stem) and gives its height and width; its `annotations` are COCO objects, polygons or
run-length masks, whose `size` must be the entry's (`coco_objects.image_objects`). An object with no
`category_id` (SA-1B's masks: class-agnostic, overlapping, parts inside wholes) is the class
`object`, as `--instance-masks` names it, so the mask is background and the union of the
objects; one with a `category_id` takes its category's name from a `categories` list in the
files, or `class_<id>` where no file lists categories. A JSON's folder, else its image's, names
the split.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders, file_head, load_json
from seglab.data.annotations.coco_objects import category_classes, image_objects, refuse_boxes_only, used_categories
from seglab.data.annotations.coco_reading import CocoAnnotations
from seglab.data.annotations.painted_masks import IGNORE, OVERLAP_IGNORED
from seglab.data.classes import ClassSpec
from seglab.data.classes.names import generic_name
from seglab.data.discovery.naming import folder_split
from seglab.data.encodings.coloured_objects import OBJECT_CLASSES
from seglab.data.files.index import DatasetIndex
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_IMAGE_ENTRY = re.compile(r'"image"\s*:\s*\{')  # one image's entry, not COCO's `images` list nor a path
_UNCATEGORISED = -1  # the category id of objects that give none (SA-1B's): no COCO id is negative
_ONE = 0  # the key of a file's one image


def _is_per_image_coco(path: Path) -> bool:
    """A JSON object whose head holds an `image` entry of its own and `annotations` (not V7 Darwin
    1.0's `image`, which has an `original_filename`, nor VISOR's frames, each an `image` and its
    `annotations` inside a `video_annotations` list)."""
    head = file_head(path).lstrip()
    entry = _IMAGE_ENTRY.search(head)
    return head.startswith("{") and '"annotations"' in head and entry is not None \
        and _depth(head[:entry.start()]) == 1 and '"original_filename"' not in head


def _depth(text: str) -> int:
    """How many objects and lists are open at the end of `text`, a JSON document's start (brackets
    inside strings not counted)."""
    depth, quoted, escaped = 0, False, False
    for char in text:
        if quoted:
            quoted, escaped = (escaped or char != '"'), (not escaped and char == "\\")
        elif char == '"':
            quoted = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth


def read_image_file(path: Path) -> CocoAnnotations:
    """A per-image COCO-style file as a COCO file of one image (key `_ONE`), its objects without a
    category given `_UNCATEGORISED`.

    Raises:
        DataError: not JSON, no `image` object or `annotations` list, or ids that are no numbers,
            naming the file.
    """
    data = load_json(path, "COCO-style file")
    image = data.get("image") if isinstance(data, dict) else None
    objects = data.get("annotations") if isinstance(data, dict) else None
    if not isinstance(image, dict) or not isinstance(objects, list):
        raise DataError(f"COCO-style file '{path}' needs an 'image' object and an 'annotations' list")
    listed = data.get("categories")
    try:
        categories = {int(c["id"]): str(c["name"]) for c in listed} if isinstance(listed, list) else {}
        found = [{**o, "category_id": _UNCATEGORISED if o.get("category_id") is None else int(o["category_id"])}
                 for o in objects if isinstance(o, dict)]
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise DataError(f"COCO-style file '{path}': a category lacks its id or name, or an id is no number "
                        f"({err!r})") from None
    return CocoAnnotations(path, {_ONE: {**image, "file_name": str(image.get("file_name") or "")}}, {_ONE: found},
                           categories)


def _image_names(coco: CocoAnnotations) -> list[str]:
    """The names its image is looked for by: its `file_name`, else the file's stem with an image suffix."""
    named = coco.images[_ONE]["file_name"]
    return [named] if named else [f"{coco.path.stem}{suffix}" for suffix in IMAGE_SUFFIXES]


def _names(files: list[CocoAnnotations], used: list[int], root: Path) -> list[str]:
    """The class name of each used category id: `object` for objects without one, else the
    files' `categories`, else `class_<id>` where no file lists categories.

    Raises:
        DataError: ids that the files' categories lists do not name.
    """
    named = {_UNCATEGORISED: OBJECT_CLASSES.names[1]} | {c: n for f in files for c, n in f.categories.items()}
    unknown = [c for c in used if c not in named]
    if unknown and any(f.categories for f in files):
        raise DataError(f"the COCO-style files under '{root}' use category ids {unknown[:5]} that no 'categories' "
                        "entry names; add them to the files' categories lists")
    return [named.get(c) or generic_name(c) for c in used]


@FORMATS.register("coco-per-image")
class CocoPerImageFormat(AnnotationJsonFolders):
    """COCO-style JSON files of one image each, and the images they name; see the module docstring."""

    layout = ('a COCO-style JSON per image ({"image": {file_name, height, width}, "annotations": [...]}): '
              "SA-1B's sa_000000/sa_1.jpg + sa_1.json")
    cache_name = "coco-per-image"
    looks_right = staticmethod(_is_per_image_coco)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        files = [read_image_file(p) for p in self.found(root)]
        refuse_boxes_only(files, f"the {len(files)} COCO-style files under '{root}'")
        used = sorted(set().union(*map(used_categories, files)))
        multilabel = self.options.multilabel  # a mask per class, so that they may overlap
        spec, label_of = category_classes(_names(files, used, root), used, multilabel, classes,
                                          f"the categories of the COCO-style files under '{root}'")
        located, problems = locate_images([(f.path, [(_ONE, _image_names(f))]) for f in files], base, "file")
        found = {located[f.path][_ONE]: f for f in files if _ONE in located[f.path]}
        images = [image_objects(f, _ONE, image, label_of) for image, f in found.items()]
        split_of = {image: folder_split(f.path.parent.name) or folder_split(image.parent.name)
                    for image, f in found.items()}
        pairs, painting = self.painted_pairs(images, [f.path for f in files], OVERLAP_IGNORED, spec, base,
                                             self.cache_name, split_of)
        objects = sum(len(f.objects[_ONE]) for f in files)
        line = (f"{len(files)} COCO-style files, one per image: {objects} objects on {len(pairs)} images painted "
                f"into {len(spec.names)} classes" + (" (a mask per class: they may overlap)" if multilabel else
                                                     f" (pixels two classes claim: ignore {IGNORE})" if len(used) > 1
                                                     else ""))
        if _UNCATEGORISED in used:
            line += f"; objects without a category_id are '{OBJECT_CLASSES.names[1]}', their union the foreground"
        return self.indexed(base, pairs, spec, problems + painting, line)
