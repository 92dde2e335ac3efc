"""The "cellpose" format: the Cellpose GUI's `<stem>_seg.npy` beside each image (`cells_000.tif` +
`cells_000_seg.npy`, what `cellpose --train --mask_filter _seg.npy` trains on), its `masks`
written once into the cache as class-index masks.

A `_seg.npy` is a pickled dict (`masks`: the cells numbered 1..n, 0 the background; `outlines`,
`flows`, `chan_choose`, ...), which `np.load` reads only with `allow_pickle`, that is running any
code the file names. It is read by `pickled_arrays`, which admits numpy's arrays and plain values
alone: a file that names anything else is a finding naming it, and nothing of it runs. Every
numbered cell is one class, `cell`, as `--instance-masks` reads numbered masks. The other files
Cellpose writes beside an image (`_cp_masks.png`, `_flows.tif`, ...) are no images. Split
folders (`train/`, `val/`) give the splits, as for plain folders.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotation_formats import AnnotationBesideImages
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, ImageObjects, LabelMap
from seglab.data.classes import ClassSpec
from seglab.data.discovery.folders import Folder
from seglab.data.discovery.naming import folder_split
from seglab.data.discovery.naming.output_words import CELLPOSE_OUTPUT_NAME
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.files.npy_files import npy_header
from seglab.data.files.pickled_arrays import integer_array, pickled_dict
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

SEG_SUFFIX = "_seg.npy"
CELL_CLASSES = ("background", "cell")


def _is_seg(path: Path) -> bool:
    """Whether a file's header says it holds one pickled object, as a `_seg.npy` does."""
    try:
        shape, dtype = npy_header(path)
    except DECODE_ERRORS:
        return False
    return shape == () and dtype is not None and dtype.hasobject


def _images_and_segs(folder: Folder) -> tuple[Folder, list[tuple[Path, Path]]]:
    """`folder` without the files Cellpose writes beside its images, and those images with their
    `_seg.npy`, found in the same listing (`.npy` is an image suffix): the folder is not listed again."""
    kept = [p for p in folder.files if not CELLPOSE_OUTPUT_NAME.fullmatch(p.name.split(".")[0])]
    images = replace(folder, files=kept)
    segs = {p.name.removesuffix(SEG_SUFFIX): p for p in folder.files if p.name.endswith(SEG_SUFFIX)}
    return images, [(image, segs[image.stem]) for image in images.files if image.stem in segs]


def cell_labels(seg: Path) -> LabelMap:
    """A `_seg.npy`'s label map: 1 (cell) where `masks` numbers a cell, 0 elsewhere."""

    def draw(height: int, width: int) -> np.ndarray:
        try:
            masks = integer_array(pickled_dict(seg).get("masks"), "masks", 2)
        except (*DECODE_ERRORS, Unusable) as err:
            raise DataError(f"Cellpose file '{seg}' {err}; save its masks as PNG instead (`cellpose --save_png`, or "
                            "`cellpose.io.save_masks`: <stem>_cp_masks.png), which seglab reads beside the images with "
                            "--instance-masks") from None
        if masks.shape != (height, width):
            raise DataError(f"Cellpose file '{seg}' has masks of {masks.shape[0]}x{masks.shape[1]} pixels, but its "
                            f"image is {height}x{width}")
        return (masks > 0).astype(np.uint8)

    return draw


@FORMATS.register("cellpose")
class CellposeFormat(AnnotationBesideImages):
    """Images with the Cellpose GUI's `_seg.npy` beside each; see the module docstring."""

    layout = "images with the Cellpose GUI's _seg.npy beside each (a.tif + a_seg.npy: cells numbered in 'masks')"
    cache_name = "cellpose"

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        """The images of `folder` as `walk` listed it with their `_seg.npy`."""
        return _images_and_segs(folder)[1]

    def looks_right(self, path: Path) -> bool:
        return _is_seg(path)

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Folder, list[tuple[Path, Path]]]]:
        """The folders where half the images at least have a `_seg.npy`, each without the files
        Cellpose writes beside its images."""
        found = [_images_and_segs(folder) for folder in folders]
        return [(images, pairs) for images, pairs in found if self.annotates(images, pairs)]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        spec = classes or ClassSpec(CELL_CLASSES[1:] if self.options.multilabel else CELL_CLASSES)
        images = [ImageObjects(image, None, None, labels=cell_labels(seg)) for _, pairs in found for image, seg in pairs]
        split_of = {image: folder.split or folder_split(image.parent.name) for folder, pairs in found
                    for image, _ in pairs}
        segs = [seg for _, pairs in found for _, seg in pairs]
        pairs, problems = self.painted_pairs(images, segs, LATER_OVER_EARLIER, spec, root, root.name or "cellpose",
                                             split_of)
        problems += [Problem(image, f"image has no Cellpose {SEG_SUFFIX} beside it", "image-without-mask")
                     for folder, annotated in found for image in sorted(set(folder.files) - {i for i, _ in annotated})]
        line = f"{len(pairs)} Cellpose {SEG_SUFFIX} files read: every numbered cell is the class 'cell'"
        return self.indexed(root, pairs, spec, problems, line)
