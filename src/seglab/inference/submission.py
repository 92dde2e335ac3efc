"""Predicted masks as a run-length table: the CSV Kaggle's segmentation competitions score.

One row per image and class, an empty mask an empty cell (as the competitions' sample
submissions list every image): `ImageId,EncodedPixels` when the model has one class besides the
background (Airbus, TGS, Carvana), else `ImageId,ClassId,EncodedPixels` with the class index
(Severstal's ClassId 1-4, as `seglab.data.annotations.rle_table` reads its train.csv) or, for a multi-label
model, the class name (Understanding Clouds' `Fish`). Competitions name their columns each their
own way; the pixel order and the id (file name or stem) are the two choices that change the
strings, so they are flags. Competitions that score objects (Airbus' ships, Sartorius' cells)
take a row per object: `objects` splits each class into its connected regions (8-connected).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import ndimage

from seglab.data.classes import ClassSpec, generic_name
from seglab.data.encodings.colours import colour_name
from seglab.data.files.io import read_raw_mask
from seglab.data.discovery.naming import stem
from seglab.data.files.rle import ORDERS, encode
from seglab.errors import ConfigError
from seglab.inference.files import WrittenPrediction

ID_STYLES = ("name", "stem")


def write_rle_table(written: Sequence[WrittenPrediction], path: str | Path, classes: ClassSpec, multilabel: bool,
                    order: str = "column", ids: str = "name", objects: bool = False) -> int:
    """Write the masks of `written` as a run-length CSV at `path`; return the number of rows
    (with `objects`, one per connected region, and one empty row for a class with none).

    Raises:
        ConfigError: an unknown order or id style.
    """
    if order not in ORDERS or ids not in ID_STYLES:
        raise ConfigError(f"run-length tables take --rle-order {' or '.join(ORDERS)} and --rle-ids "
                          f"{' or '.join(ID_STYLES)}; got {order}, {ids}")
    labels = foreground_labels(classes, multilabel)
    header = ["ImageId", "EncodedPixels"] if len(labels) == 1 else ["ImageId", "ClassId", "EncodedPixels"]
    rows = []
    for prediction in written:
        key = prediction.source.name if ids == "name" else stem(prediction.source)
        for label, plane in zip(labels, class_planes(prediction, labels, multilabel)):
            cell = classes.names[label] if multilabel else str(label)
            rows += [[key, text] if len(labels) == 1 else [key, cell, text] for text in _texts(plane, order, objects)]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with Path(path).open("w", newline="", encoding="utf-8", errors="surrogateescape") as file:  # names as on disk
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def _texts(plane: np.ndarray, order: str, objects: bool) -> list[str]:
    """The run-length strings of a class's pixels: one, or one per connected region (at least one)."""
    if not objects:
        return [encode(plane, order)]
    regions, count = connected_regions(plane)
    return [encode(regions == k, order) for k in range(1, count + 1)] or [""]


def class_planes(prediction: WrittenPrediction, labels: Sequence[int], multilabel: bool) -> list[np.ndarray]:
    """Each of `labels`' pixels in a written prediction: a multi-label model's class masks
    (non-zero), else the pixels of the class-index mask (read once) that hold the label."""
    if multilabel:
        return [read_raw_mask(mask) != 0 for mask in prediction.class_masks]
    mask = read_raw_mask(prediction.mask)
    return [mask == label for label in labels]


def connected_regions(plane: np.ndarray) -> tuple[np.ndarray, int]:
    """The 8-connected regions of a class's pixels (numbered 1..count) and their count: the
    objects of `--rle-objects` and `--coco-json`."""
    return ndimage.label(plane, structure=np.ones((3, 3), bool))


def foreground_labels(classes: ClassSpec, multilabel: bool) -> list[int]:
    """The labels that get rows: every class of a multi-label model, else all but the background:
    the class named like it (`ClassSpec.named_background`), else, of classes nothing named
    (`class_0`, a colour's `#000000`), class 0 where it is the background by the data: of two
    classes (0/1 masks), or the most common class (`ClassSpec.background` as training fills it in,
    Severstal's 0 of 0-4; not MaSTr1325's 0 obstacles beside its water and sky), else none. Not the
    most common class of named classes without a background (a street scene's road, Hugging
    Face's `vehicle-car`): a class to submit like any other."""
    if multilabel:
        return list(range(classes.num_classes))
    background = classes.named_background
    if background is None and _unnamed(classes) and (classes.num_classes == 2 or classes.background == 0):
        background = 0
    return [label for label in range(classes.num_classes) if label != background]


def _unnamed(classes: ClassSpec) -> bool:
    """Whether every class has the name seglab gives a class nothing names: `class_3`, or its colour."""
    return all(name in (generic_name(k), colour_name(colour))
               for k, (name, colour) in enumerate(zip(classes.names, classes.colours)))