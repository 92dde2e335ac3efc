"""The audit's table of findings: each code's severity (fatal or warning) and what to do,
and how findings are described and logged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from seglab.data.files.index import Problem

FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class Check:
    """How serious one kind of finding is, and what to do about it.

    `spans_files`: one finding for many files, which are its path and its related files
    (all of them are left out by --skip-bad); otherwise related files are only mentioned.
    """

    severity: str
    hint: str
    spans_files: bool = False


CHECKS: dict[str, Check] = {
    # the file cannot be used at all
    "missing": Check(FATAL, "restore the file, or remove the pair"),
    "broken-link": Check(FATAL, "point the link at an existing file, or remove it"),
    "not-a-file": Check(FATAL, "replace it with the file it stands for (a FIFO, a device, a socket or a folder is "
                               "never read), or remove the pair"),
    "permission-denied": Check(FATAL, "make the file readable (chmod a+r), or remove it"),
    "empty-file": Check(FATAL, "copy or export the file again, or remove it"),
    "not-an-image": Check(FATAL, "replace it with the real image, or remove it"),
    "wrong-extension": Check(FATAL, "rename the file to the suffix of the format it holds"),
    "unreadable": Check(FATAL, "export the file again (it is damaged or truncated), or remove it"),
    "missing-codec": Check(FATAL, "install the package the message names (the file itself is fine), or convert "
                           "the file to PNG or uncompressed TIFF"),
    "npz-arrays": Check(FATAL, "save one array per .npz or HDF5 file, or name it 'image' (or 'mask')"),
    "external-data": Check(FATAL, "copy the data into the file (h5py: write the array itself, not a link or "
                           "virtual dataset)"),
    "bad-shape": Check(FATAL, "save images as (H, W) or (H, W, C) with C 1-16 channels last and masks as "
                       "(H, W); transpose channel-first arrays, split volumes into slices"),
    "bad-volume": Check(FATAL, "re-export the volume named (docs/volumes.md), or move its case out of the dataset"),
    "bad-dtype": Check(FATAL, "save plain numbers: uint8/uint16/float images, integer masks"),
    "too-many-pixels": Check(FATAL, "raise the limit with --max-pixels N (data.max_pixels) if the machine has the "
                             "memory, else cut the file into tiles or downscale it (docs/limits.md)"),
    "image-not-finite": Check(FATAL, "pass --nodata nan if NaN marks pixels without data (left out of the "
                              "mean/std); else replace NaN/inf pixels (e.g. numpy.nan_to_num), or remove the image"),
    "mixed-channels": Check(FATAL, "give every image the same bands (or convert the odd ones), or move them out"),
    "channel-files-differ": Check(FATAL, "export the image's band or channel files again at one size, or move the "
                                  "image out"),
    # the pair does not fit together or the labels are not class indices
    "size-mismatch": Check(FATAL, "export the mask at its image's size, or check that they belong together"),
    "exif-rotation-mismatch": Check(FATAL, "rotate the mask the same way, or save the image with its rotation "
                                    "applied and no EXIF orientation (e.g. PIL.ImageOps.exif_transpose)"),
    "ignore-index-is-class": Check(FATAL, "choose an ignore label that no class uses (e.g. --ignore-index 255), "
                                   "or none if every label is a class", spans_files=True),
    "values-outside-classes": Check(FATAL, "map the values with --label-map (e.g. 255:1,3:ignore), set "
                                    "--ignore-index for a void label, declare the classes in classes.json, or "
                                    "fix the masks", spans_files=True),
    "binary-mask-for-multiclass": Check(FATAL, "declare 2 classes (or no classes.json) for binary masks; if 255 "
                                        "marks void pixels, set --ignore-index 255"),
    "colour-mask": Check(FATAL, "save it as a class-index mask like the others, or give classes.json "
                         "\"colours\" and make every mask a colour mask"),
    "grey-mask-for-colours": Check(FATAL, "save it as an RGB mask in the class colours of classes.json"),
    "unknown-colour": Check(FATAL, "add the colours to classes.json (a colour of no class to \"void_colours\"), "
                            "or repaint those pixels"),
    "unknown-label": Check(FATAL, "save the masks as PNG, or declare every class in classes.json \"names\" (a value "
                           "of no class as --ignore-index)"),
    "mask-not-integer": Check(FATAL, "round or re-export the mask as integer class indices"),
    "mask-not-finite": Check(FATAL, "replace NaN/inf labels by a class or the ignore label"),
    "bad-mask": Check(FATAL, "fix the mask so that the dataset's mask mapping accepts it"),
    "duplicate-across-splits": Check(FATAL, "remove one copy: the same image in training and evaluation "
                                     "inflates the scores (--skip-bad drops the val/test copy)"),
    # usable, but probably not what was meant
    "image-without-mask": Check(WARNING, "add its mask, or move the image out (it is not used); if it shows "
                                "nothing to mark (a defect-free sample), --unmasked-background reads it as all background"),
    "image-labelled-otherwise": Check(WARNING, "nothing, if only some images are labelled with masks: the others' "
                                      "labels (boxes, points) are not read, so those images are left out; draw their "
                                      "masks to train on them (--unmasked-background is for images that show nothing "
                                      "to mark, not these)"),
    "copy-without-mask": Check(WARNING, "nothing, or delete the copy: it is left out and its original is read with "
                               "its mask (--unmasked-background never reads a copy as background)"),
    "partial-merge": Check(WARNING, "add the missing mask, an all-zero one if nothing of that folder shows "
                           "(--merge-masks reads the image with its other folders' masks)"),
    "mask-without-image": Check(WARNING, "add its image or fix the name, or remove the mask (it is not used)"),
    "duplicate-name": Check(WARNING, "rename or remove one of the files (only the first is used)"),
    "unmatched-name": Check(WARNING, "rename the file to end in the number that pairs it (it is not used)"),
    "unsupported-format": Check(WARNING, "convert it to PNG or TIFF if it belongs to the dataset (it is not used)"),
    "overlapping-classes": Check(WARNING, "pass --task multilabel to read each class as a channel of its own; "
                                 "else such pixels are read as each finding says: the ignore label where drawn "
                                 "shapes overlap (COCO), the later row's class in a run-length table"),
    "lossy-mask": Check(WARNING, "save masks as PNG (or lossless WebP): JPEG and lossy WebP compression change labels "
                        "along edges"),
    "labels-off-image": Check(WARNING, "check the labels' coordinate system: export them in the image's CRS (or "
                              "lon/lat with a GeoTIFF that names its EPSG code), or in pixels"),
    "skipped-values": Check(WARNING, "pass the --label-map the finding gives (BraTS' 4 as 3, MaSTr1325's unknown 4 as "
                            "ignore), --instance-masks where it says the values number objects, or nothing if "
                            "the skipped values are classes these masks lack"),
    "instance-ids": Check(WARNING, "pass --instance-masks if each value (colour, channel) is one object; a "
                          "classes.json naming the values says they are classes"),
    "mixed-sources": Check(WARNING, "nothing, if every source numbers its classes alike; else train on one "
                           "source's pairs (a CSV of them as DATA) or rewrite one source's masks onto the other's "
                           "classes"),
    "white-background": Check(WARNING, "pass --label-map 0:1,255:0 if black marks the objects (masks drawn black "
                              "on white); nothing, if white does"),
    "outline-masks": Check(WARNING, "pass --fill-outlines to read each closed outline filled with its class "
                           "(docs/encodings.md); nothing, if the lines themselves are what to segment"),
    "snapped-pixels": Check(WARNING, "nothing, if the masks are antialiased or JPEG-saved; else check the "
                            "named masks, or list every class colour in classes.json", spans_files=True),
    "alpha-channel": Check(WARNING, "nothing, if the transparency means nothing; else read it as each finding says "
                           "(--alpha channel for an image's data, --mask-alpha for a mask's label)"),
    "colour-mode": Check(WARNING, "save the image as RGB to control the colour conversion"),
    "exif-orientation": Check(WARNING, "nothing, if its mask was drawn on the rotated view (as viewers show it)"),
    "multi-page": Check(WARNING, "split the pages into separate files if they are all meant to be used; pages that "
                        "are channels are read as such from an ImageJ hyperstack or OME-TIFF of axes CYX; a TIFF "
                        "image stack pairs page by page with a mask stack of as many pages, and with 2-D masks "
                        "named by its number and a page's (man_seg_001_003.tif: page 3 of t001.tif)"),
    "16-bit-image": Check(WARNING, "nothing, if intended: the normalisation adapts, but predict on 16-bit "
                          "images too"),
    "mixed-bit-depth": Check(WARNING, "convert all images to one bit depth"),
    "no-data-marker": Check(WARNING, "declare the value no data: --nodata VALUE (data.no_data; the run records "
                            "it, so evaluate and predict read images alike), or a GDAL_NODATA tag on each TIFF "
                            "(gdal_edit.py -a_nodata VALUE FILE), and seglab leaves those pixels out of the mean/std "
                            "and feeds them as the channel's mean; nothing, if the value is a measurement"),
    "grey-rgb-mixture": Check(WARNING, "convert the odd images so all have the same channels, if they are "
                              "not meant to differ"),
    "mixed-sizes": Check(WARNING, "pass --size HxW to choose the training size (default 256x256)"),
    "image-too-small": Check(WARNING, "pass --size HxW to upscale, or choose a model with fewer levels"),
    "empty-mask": Check(WARNING, "nothing, if the image really shows no object; else annotate it"),
    "single-class-mask": Check(WARNING, "check the annotation: one class fills the whole image"),
    "all-ignore-mask": Check(WARNING, "annotate the image, or remove the pair (it adds nothing to training)"),
    "duplicate-image": Check(WARNING, "remove one copy; a drawn split keeps copies in one split, and a split of "
                             "folders, lists or --split-file that parts them stops training"),
}
_UNKNOWN = Check(FATAL, "fix or remove the file")

_MAX_SHOWN = 5  # findings logged per code before "... and N more"


def severity(problem: Problem) -> str:
    """FATAL or WARNING, from the problem's code (unknown codes are fatal)."""
    return CHECKS.get(problem.code, _UNKNOWN).severity


def hint(problem: Problem) -> str:
    """What to do about the problem."""
    return CHECKS.get(problem.code, _UNKNOWN).hint


def files_of(problem: Problem) -> tuple[Path, ...]:
    """The files a finding is about: its path, and its related files when it spans several."""
    if problem.path is None:
        return ()
    spans = CHECKS.get(problem.code, _UNKNOWN).spans_files
    return (problem.path, *problem.related) if spans else (problem.path,)


def describe(problem: Problem) -> str:
    """One line: "[code] file: what is wrong -> what to do"."""
    return f"[{problem.code}] {problem} -> {hint(problem)}"


def log_lines(problems: Iterable[Problem], per_code: int = _MAX_SHOWN) -> list[str]:
    """One `describe` line per problem, at most `per_code` of each code, then "... and N more"."""
    by_code: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_code[problem.code].append(problem)
    lines = []
    for code, group in by_code.items():
        lines += [describe(p) for p in group[:per_code]]
        if len(group) > per_code:
            lines.append(f"[{code}] ... and {len(group) - per_code} more (`seglab inspect` lists them all)")
    return lines


def format_problems(problems: list[Problem], indent: str = "  ", warnings_per_code: int | None = None) -> list[str]:
    """Problems grouped by severity, then code (with its hint once), one file per line.

    `warnings_per_code` caps the lines of each warning code ("... and N more"), so that
    thousands of one warning (VOC's detection-only images) do not bury the rest; fatal
    findings are always listed in full, as each stops training.
    """
    lines = []
    for level in (FATAL, WARNING):
        by_code: dict[str, list[Problem]] = defaultdict(list)
        for problem in problems:
            if severity(problem) == level:
                by_code[problem.code].append(problem)
        if not by_code:
            continue
        lines.append(f"{indent}{level}:")
        for code, group in by_code.items():
            lines.append(f"{indent * 2}{code} ({len(group)}): {CHECKS.get(code, _UNKNOWN).hint}")
            shown = group if level == FATAL or warnings_per_code is None else group[:warnings_per_code]
            lines += [f"{indent * 3}{p}" for p in shown]
            if len(shown) < len(group):
                more = len(group) - len(shown)
                lines.append(f"{indent * 3}... and {more} more (`seglab inspect --all` lists every one)")
    return lines
