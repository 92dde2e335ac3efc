"""A COCO file's objects as classes and painted shapes: the categories objects use, their
classes, each image's objects for `painted_masks`, and refusals of files without outlines."""

from __future__ import annotations

import logging
from pathlib import Path

from seglab.data.annotations.coco_reading import CocoAnnotations
from seglab.data.annotations.painted_masks import IGNORE, Drawn, ImageObjects
from seglab.data.classes import ClassSpec, shipped_classes
from seglab.errors import DataError

log = logging.getLogger(__name__)

_FEW_PIXELS = 4  # images no larger are left as they are: outlines within [0, 1] may be their pixels


def used_categories(coco: CocoAnnotations) -> set[int]:
    """The category ids that objects of `coco` use."""
    return {int(o["category_id"]) for objects in coco.objects.values() for o in objects}


def refuse_boxes_only(files: list[CocoAnnotations], described: str) -> None:
    """Stop on a detection dataset: objects with a `bbox` and an empty or no `segmentation` (a
    Roboflow object-detection export writes `"segmentation": []`) would be painted as nothing,
    and every mask would be background; some such objects among outlined ones are logged.

    Raises:
        DataError: no object has an outline, naming the files (`described`).
    """
    objects = [o for f in files for found in f.objects.values() for o in found]
    boxes = sum(1 for o in objects if not o.get("segmentation"))
    if objects and boxes == len(objects):
        raise DataError(f"{described}: none of its {boxes} objects has an outline "
                        "('segmentation'), only a box: a detection dataset, whose masks would all be background; "
                        "export the objects with polygons or masks (instance or semantic segmentation)")
    if boxes:
        log.warning("%d of %d COCO objects have no outline, only a box: they are left out of the masks",
                    boxes, len(objects))


def category_classes(names: list[str], used: list[int], multilabel: bool, classes: ClassSpec | None,
                     described: str) -> tuple[ClassSpec, dict[int, int]]:
    """The classes of the categories objects use (`used` ids, named `names`, in that order) and each
    id's label: background 0 and then theirs, pixels two classes claim ignored; under `multilabel`
    a mask per category, no background. `classes` (classes.json) replaces the names."""
    spec = classes or (shipped_classes(names, described) if multilabel else
                       shipped_classes(("background", *names), described, IGNORE))
    return spec, {category: k + 1 for k, category in enumerate(used)}


def fractional_outlines(coco: CocoAnnotations) -> bool:
    """Whether a file's polygons are fractions of their image's width and height (Azure Machine
    Learning's COCO export), not pixels: every coordinate of every polygon lies within [0, 1] and
    every image with objects is more than a few pixels wide and high, so that painted as pixels
    each object would be a pixel at the origin. A run-length object says the file is in pixels."""
    segmentations = [o.get("segmentation") for objects in coco.objects.values() for o in objects]
    outlined = [s for s in segmentations if s]
    if not outlined or not all(isinstance(s, list) for s in outlined):
        return False
    try:
        inside = all(0 <= float(v) <= 1 for s in outlined for polygon in s for v in polygon)
        sizes = [(int(coco.images[i]["width"]), int(coco.images[i]["height"]))
                 for i, objects in coco.objects.items() if objects and i in coco.images]
    except (KeyError, TypeError, ValueError, OverflowError):
        return False  # painting names the entry or object that is wrong
    if not inside or not sizes or min(min(size) for size in sizes) <= _FEW_PIXELS:
        return False
    log.info("COCO file '%s': every outline coordinate lies within [0, 1], fractions of the image's width and "
             "height (as Azure Machine Learning exports them): scaled to pixels", coco.path)
    return True


def image_objects(coco: CocoAnnotations, image_id: int | str, image: Path, label_of: dict[int, int],
                  relative: bool = False) -> ImageObjects:
    """An image's entry and objects, as `painted_masks` paints them; `relative`: polygons in
    fractions of the width and height (`fractional_outlines`).

    Raises:
        DataError: an entry without its height and width, or a run-length mask of another size.
    """
    entry = coco.images[image_id]
    try:
        height, width = int(entry["height"]), int(entry["width"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise DataError(f"COCO file '{coco.path}': image '{entry.get('file_name')}' has no height and width") from None
    drawn = []
    for item in coco.objects.get(image_id, []):
        source = f"COCO file '{coco.path}': object {item.get('id')} of image '{entry['file_name']}'"
        _refuse_other_size(item.get("segmentation"), height, width, source)
        drawn.append(Drawn(label_of[int(item["category_id"])], item.get("segmentation"), source))
    return ImageObjects(image, height, width, drawn, relative=relative)


def _refuse_other_size(segmentation: object, height: int, width: int, source: str) -> None:
    """Stop on a run-length mask whose `size` is not its image entry's: its runs belong to another
    grid, and a transposed size (as many pixels) would be painted without an error, wrongly.

    Raises:
        DataError: naming the object, both sizes and the route.
    """
    size = segmentation.get("size") if isinstance(segmentation, dict) else None
    if size is not None and size != [height, width]:
        raise DataError(f"{source} is a run-length mask of size {size} ([height, width]), but the image entry says "
                        f"[{height}, {width}]: the mask was made for another size of the image; export it again at "
                        "the image's size, or leave that object out")
