"""The "imagej-roi" format: Fiji/ImageJ ROI Manager outlines saved beside each image (ROI Manager >
More > Save...: `nuclei_00.tif` + `nuclei_00_RoiSet.zip`, a zip of ImageJ's binary `.roi` files,
or the set renamed `nuclei_00.zip`; one ROI saved alone as `nuclei_00.roi`; `RoiSet.zip` in a
folder of one image), painted into class-index masks once, as nuclei are annotated before
StarDist or Cellpose training.

ROIs are decoded with roifile (`pip install 'seglab[imagej]'`). Areas are painted: polygons,
freehand and traced outlines (ImageJ's ellipses and rotated rectangles are freehand), rectangles
and ovals, each pixel whose centre lies inside, as ImageJ's own masks are drawn; lines, angles
and points have no area and are left out (counted in the log). A composite ROI (shapes combined
with OR or XOR) and a text or image overlay are refused, naming the file and the ROI. The ROIs are
one class, `roi`, unless the ROI Manager gave them groups (Properties > Group: a number, its name
kept in ImageJ's preferences, not the file): a class per group, `group_<n>`, then. Later ROIs are
painted over earlier; images without a ROI file are listed; split folders give the splits.
"""

from __future__ import annotations

import importlib
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from seglab.data.annotations.annotation_formats import AnnotationBesideImages
from seglab.data.annotations.painted_masks import (LATER_OVER_EARLIER, Drawn, ImageObjects, centres_inside, ellipse,
                                                   turned)
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.classes.text_files import open_regular, regular_file
from seglab.data.discovery.folders import Folder
from seglab.data.discovery.naming import folder_split
from seglab.data.files.folder_listing import entries
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

UNGROUPED = "roi"  # the class of ROIs in no group
ROI_SUFFIX = ".roi"
# a ROI file's name: `<stem>_RoiSet.zip` (or `RoiSet.zip`, no stem), `<stem>.roi`
_ROI_FILE = re.compile(r"(?P<stem>.*?)(?:[_ -]?roiset\.zip|(?<=.)\.roi)", re.IGNORECASE)
_MAGIC = b"Iout"  # the first bytes of every .roi
_MOST_ROI_BYTES = 1 << 22  # a polygon of 65,535 sub-pixel points is under 1 MB: more is no ROI
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError, ValueError)
_ROUTE = "save the image's ROIs again from Fiji's ROI Manager (More > Save...)"


@dataclass(frozen=True)
class _Roi:
    """One ROI with area: its entry in the set, its group, and its outline as (x, y) points."""

    entry: str
    group: int
    ring: tuple[tuple[float, float], ...]

    @property
    def class_name(self) -> str:
        return group_class(self.group)

    def __call__(self, height: int, width: int) -> np.ndarray:
        return centres_inside(list(self.ring), height, width)


def group_class(group: int) -> str:
    """The class of a ROI Manager group: `group_<n>`, or `roi` for ROIs in none (group 0)."""
    return f"group_{group}" if group else UNGROUPED


def roi_files(folder: Folder) -> list[tuple[Path, Path]]:
    """(image, ROI file) for the images of `folder` with a `<stem>_RoiSet.zip`, a `<stem>.zip` of
    `.roi` files alone or a `<stem>.roi` beside them (a set before a single ROI), or a folder's
    one image with its `RoiSet.zip`."""
    stems = {image.stem for image in folder.files}
    named: dict[str, Path] = {}
    for path in sorted(entries(folder.path), key=lambda p: (p.suffix.lower() != ".zip", p.name)):
        match = _ROI_FILE.fullmatch(path.name)
        if match and path.is_file():
            named.setdefault(match["stem"], path)
        elif path.suffix.lower() == ".zip" and path.stem in stems and is_roi_file(path):  # Fiji's set, renamed
            named.setdefault(path.stem, path)
    if "" in named and len(folder.files) == 1:
        named.setdefault(folder.files[0].stem, named[""])
    return [(image, named[image.stem]) for image in folder.files if image.stem in named]


def is_roi_file(path: Path) -> bool:
    """Whether a file holds ImageJ ROIs: a `.roi` starting `Iout`, or a zip of `.roi` files alone."""
    try:
        if path.suffix.lower() == ROI_SUFFIX:
            with open_regular(path) as file:
                return file.read(len(_MAGIC)) == _MAGIC
        with zipfile.ZipFile(regular_file(path)) as archive:
            names = [name for name in archive.namelist() if not name.endswith("/")]
    except _ZIP_ERRORS:
        return False
    return bool(names) and all(name.lower().endswith(ROI_SUFFIX) for name in names)


def read_rois(path: Path) -> tuple[list[_Roi], int]:
    """The ROIs with area of a `.roi` file or a ROI set, and how many had none (lines, points).

    Raises:
        DataError: roifile missing, a damaged zip or ROI, or a composite, text or image ROI,
            naming the file and the ROI.
    """
    roifile = _roifile(path)
    rois, left_out = [], 0
    for entry, data in _entries(path):
        where = f"ImageJ ROI '{entry}' of '{path}'" if entry != path.name else f"ImageJ ROI '{path}'"
        try:
            roi = roifile.ImagejRoi.frombytes(data)
            ring = _ring(roi, roifile, where)
        except (ValueError, TypeError, IndexError, OverflowError, struct.error) as err:
            raise DataError(f"{where} cannot be read: {err}; {_ROUTE}") from None
        if ring is None:
            left_out += 1
        else:
            rois.append(_Roi(entry, int(roi.group), ring))
    return rois, left_out


def _roifile(path: Path) -> ModuleType:
    """roifile, an optional dependency: without it, a DataError names the package to install."""
    try:
        return importlib.import_module("roifile")
    except ImportError:
        raise DataError(f"ImageJ ROI file '{path}' needs roifile to be read: pip install 'seglab[imagej]'") from None


def _entries(path: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of each ROI a file holds: a `.roi` itself, or the `.roi` files of a zip.

    Raises:
        DataError: a zip that cannot be read, or an entry larger than any ROI, naming the file.
    """
    try:
        if path.suffix.lower() == ROI_SUFFIX:
            with open_regular(path) as file:
                entries = [(path.name, file.read(_MOST_ROI_BYTES + 1))]
        else:
            with zipfile.ZipFile(regular_file(path)) as archive:
                entries = [(name, _member(archive, name)) for name in archive.namelist()
                           if name.lower().endswith(ROI_SUFFIX)]
    except _ZIP_ERRORS as err:
        raise DataError(f"ImageJ ROI set '{path}' cannot be read as a zip: {err}; {_ROUTE}") from None
    large = next((name for name, data in entries if len(data) > _MOST_ROI_BYTES), None)
    if large is not None:
        raise DataError(f"ImageJ ROI '{large}' of '{path}' is larger than {_MOST_ROI_BYTES >> 20} MB, more than any "
                        f"ROI; {_ROUTE}")
    return entries


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A zip member's first bytes, one more than a ROI may hold: a zip bomb is never inflated whole."""
    with archive.open(name) as member:
        return member.read(_MOST_ROI_BYTES + 1)


def _ring(roi: Any, roifile: ModuleType, where: str) -> tuple[tuple[float, float], ...] | None:
    """A ROI's outline in image pixels; None for one without area (a line, an angle, points).

    Raises:
        DataError: a composite ROI, a text or image overlay, or a type unknown to ImageJ, naming it.
    """
    kinds, subtypes = roifile.ROI_TYPE, roifile.ROI_SUBTYPE
    if roi.subtype in (subtypes.TEXT, subtypes.IMAGE):
        raise DataError(f"{where} is a {roi.subtype.name.lower()} overlay, not an outline: delete it in the ROI "
                        "Manager and save the set again")
    if roi.roitype.name == "UNKNOWN":  # roifile 2026 reads a type it does not know so; earlier ones raise
        raise DataError(f"{where} is of no ROI type ImageJ writes (a damaged file?); {_ROUTE}")
    if roi.composite:
        raise DataError(f"{where} is a composite ROI (shapes combined with OR or XOR), which seglab does not paint: "
                        "split it in the ROI Manager (More > Split) and save the set again")
    if roi.roitype in (kinds.POLYGON, kinds.FREEHAND, kinds.TRACED):
        points = np.asarray(roi.coordinates(), dtype=np.float64).reshape(-1, 2)
        return tuple((float(x), float(y)) for x, y in points)
    if roi.roitype not in (kinds.RECT, kinds.OVAL):
        return None
    left, top, width, height = (roi.xd, roi.yd, roi.widthd, roi.heightd) if roi.subpixelrect else \
        (roi.left, roi.top, roi.right - roi.left, roi.bottom - roi.top)
    if roi.roitype == kinds.OVAL:
        flat = turned(ellipse(width / 2, height / 2), left + width / 2, top + height / 2)
        return tuple(zip(flat[::2], flat[1::2]))
    return ((left, top), (left + width, top), (left + width, top + height), (left, top + height))


@FORMATS.register("imagej-roi")
class ImageJRoiFormat(AnnotationBesideImages):
    """Images with Fiji/ImageJ ROI Manager sets beside them; see the module docstring."""

    layout = ("images with Fiji/ImageJ ROI Manager outlines beside each (nuclei_00.tif + nuclei_00_RoiSet.zip of "
              ".roi files, or nuclei_00.roi); needs pip install 'seglab[imagej]'")
    cache_name = "imagej-roi"

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        return roi_files(folder)

    def looks_right(self, path: Path) -> bool:
        return is_roi_file(path)

    def names_images(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]], folder: Folder) -> bool:
        """A folder named like masks (`annotated/`) holds images when ROI files lie beside them."""
        return any(annotated.path == folder.path for annotated, _ in found)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        sets = {path: read_rois(path) for _, pairs in found for _, path in pairs}
        groups = sorted({roi.group for rois, _ in sets.values() for roi in rois})
        names = [group_class(group) for group in groups] or [UNGROUPED]
        spec, value = tool_classes(names, None, f"the ImageJ ROIs under '{root}'", self.options.multilabel, classes)
        refuse_unnamed(names, value, spec, "ImageJ ROIs are of the classes")
        images = [ImageObjects(image, None, None, [Drawn(value[roi.class_name], roi, f"ImageJ ROI '{roi.entry}' of "
                                                         f"'{path}'") for roi in sets[path][0]])
                  for _, pairs in found for image, path in pairs]
        split_of = {image: folder.split or folder_split(image.parent.name) for folder, pairs in found
                    for image, _ in pairs}
        pairs, problems = self.painted_pairs(images, list(sets), LATER_OVER_EARLIER, spec, root, root.name or "imagej",
                                             split_of)
        problems += [Problem(image, "image has no ImageJ ROI set beside it (<stem>_RoiSet.zip or <stem>.roi)",
                             "image-without-mask")
                     for folder, annotated in found for image in sorted(set(folder.files) - {i for i, _ in annotated})]
        painted, left_out = sum(len(rois) for rois, _ in sets.values()), sum(n for _, n in sets.values())
        line = (f"{len(sets)} ImageJ ROI files painted: {painted} ROIs as {', '.join(names)}, later over earlier"
                + (f"; {left_out} lines, angles and points left out" if left_out else ""))
        return self.indexed(root, pairs, spec, problems, line)
