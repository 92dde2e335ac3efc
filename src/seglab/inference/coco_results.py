"""Predicted masks as a COCO JSON file: one object per connected region of each class, as a
compressed run-length mask, with the images and categories, so that CVAT, Label Studio or
Roboflow import the predictions for correction and seglab reads the file back as a dataset.

Categories are the model's classes without the background, numbered by class index (a
multi-label model's classes from 1); each region (8-connected) is one annotation with its
area and bounding box.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scipy import ndimage

from seglab.data.classes import ClassSpec
from seglab.data.files.io import read_raw_mask
from seglab.data.annotations.painted_masks import compressed_runs
from seglab.inference.files import WrittenPrediction
from seglab.inference.submission import class_planes, connected_regions, foreground_labels
from seglab.runs.atomic import write_json


def write_coco_json(written: Sequence[WrittenPrediction], path: str | Path, classes: ClassSpec,
                    multilabel: bool) -> int:
    """Write the masks of `written` as a COCO JSON at `path`; return the number of objects."""
    labels = foreground_labels(classes, multilabel)
    category = {label: label + 1 if multilabel else label for label in labels}
    images, objects = [], []
    for image_id, prediction in enumerate(written, start=1):
        planes = class_planes(prediction, labels, multilabel)
        height, width = planes[0].shape if planes else read_raw_mask(prediction.mask).shape[:2]
        images.append({"id": image_id, "file_name": prediction.source.name, "height": int(height), "width": int(width)})
        for label, plane in zip(labels, planes):
            regions, count = connected_regions(plane)
            for box, k in zip(ndimage.find_objects(regions), range(1, count + 1)):
                on = regions == k
                rows, columns = box
                objects.append({"id": len(objects) + 1, "image_id": image_id, "category_id": category[label],
                                "segmentation": compressed_runs(on), "area": int(on.sum()), "iscrowd": 0,
                                "bbox": [columns.start, rows.start, columns.stop - columns.start,
                                         rows.stop - rows.start]})
    categories = [{"id": category[label], "name": classes.names[label], "supercategory": ""} for label in labels]
    write_json(path, {"info": {"description": "seglab predictions"}, "images": images, "annotations": objects,
                      "categories": categories}, indent=None)
    return len(objects)
