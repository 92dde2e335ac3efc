"""What a refusal says of headerless raw volumes: `.raw` files with no MetaImage or NRRD header of
their name beside them (Digital Rocks Portal's `Berea/Berea_2d25um_binary.raw`, whose dimensions
and type only its README states). seglab reads such voxels through a `.mhd` header naming them,
so the route is a header beside each, shown with the dimensions and type a README states where
they fit the file's size (a README's "1000 x 1000 x 1000 voxels, 8-bit unsigned"), else with
placeholders. Without the line those files were never mentioned: "no image files found".
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from seglab.data.classes.readme_colours import readme_files, readme_lines
from seglab.data.files.metaimage import METAIMAGE_SUFFIXES, NRRD_SUFFIXES, metaimage_type
from seglab.data.files.folder_listing import side_entries

RAW_SUFFIX = ".raw"
_HEADERS = (*METAIMAGE_SUFFIXES, *NRRD_SUFFIXES)
# "1000 x 1000 x 1000", "512x512"; a side of 19 digits or more fills no file, and int() refuses 4,300
_DIMENSIONS = re.compile(r"\b(\d{1,18})\s*[x×*]\s*(\d{1,18})(?:\s*[x×*]\s*(\d{1,18}))?\b")
_BITS = re.compile(r"\b(8|16|32|64)[- ]?bits?\b", re.IGNORECASE)
_FLOAT = re.compile(r"\bfloat|\breal\b", re.IGNORECASE)
_SIGNED = re.compile(r"(?<!un)signed\b", re.IGNORECASE)
_TYPE_PLACEHOLDER = "<MET_UCHAR (8-bit), MET_USHORT or MET_SHORT (16-bit), MET_FLOAT (32-bit float)>"


def headerless_raw_line(root: Path, listing: list[tuple[Path, list[str]]], shown: int) -> str:
    """The refusal's lines for the folders of `listing` (folder, file names) holding `.raw` files
    without a header, at most `shown` of them, and the header to write beside each; else ""."""
    found = [(folder, raw) for folder, files in listing if (raw := _headerless(files))]
    if not found:
        return ""
    first = found[0][0] / found[0][1][0]
    dimensions, element_type, said = _readme_layout(root, first)
    header = "\n".join(f"      {line}" for line in (
        f"NDims = {len(dimensions)}", f"DimSize = {' '.join(dimensions)}", f"ElementType = {element_type}",
        f"ElementDataFile = {first.name}"))
    return ("\nraw files with no header beside them (.mhd or .nhdr) to give their dimensions and type, which seglab "
            "cannot read alone:"
            + "".join(f"\n  {folder.relative_to(root).as_posix() or '.'}/: {len(raw)} '{RAW_SUFFIX}' files"
                      for folder, raw in found[:shown])
            + f"\n  write a MetaImage header beside each, named alike ({first.with_suffix('.mhd').relative_to(root)}"
            f"), {said}:\n{header}\n  then seglab reads it as a volume (docs/volumes.md)")


def _headerless(files: list[str]) -> list[str]:
    """The `.raw` files among a folder's `files` that no `.mhd` or `.nhdr` of their name describes."""
    described = {name.rsplit(".", 1)[0].lower() for name in files if name.lower().endswith(_HEADERS)}
    return sorted(name for name in files if name.lower().endswith(RAW_SUFFIX)
                  and name[: -len(RAW_SUFFIX)].lower() not in described)


def _readme_layout(root: Path, raw: Path) -> tuple[list[str], str, str]:
    """The dimensions (X Y [Z]) and MetaImage element type a README in `raw`'s folder or above it
    (up to `root`) states, the first whose voxels fill the file exactly, with where they are from;
    placeholders for what no README states."""
    try:
        size = raw.stat().st_size
    except OSError:  # a broken link: nothing to fit
        size = 0
    folders = [raw.parent, *[p for p in raw.parent.parents if p == root or root in p.parents]]
    for readme in (path for folder in folders for path in readme_files(side_entries(folder))):
        text = " ".join(readme_lines(readme) or [])
        for found in _DIMENSIONS.finditer(text):
            dimensions = [d for d in found.groups() if d is not None]
            voxels = math.prod(map(int, dimensions))
            if size and voxels and size % voxels == 0 and (element_type := _element_type(text, size // voxels)):
                return dimensions, element_type, f"with the dimensions and type {readme.name} states"
    return ["<x>", "<y>", "<z>"], _TYPE_PLACEHOLDER, "with the dimensions and type of the volumes"


def _element_type(text: str, itemsize: int) -> str | None:
    """The MetaImage element type of voxels `itemsize` bytes each that `text` describes ("8-bit
    unsigned", "32-bit float"): unsigned unless it says signed or float; one byte needs no words."""
    bits = _BITS.search(text)
    if bits is None and itemsize != 1 or bits is not None and int(bits.group(1)) != 8 * itemsize:
        return None
    kind = "f" if _FLOAT.search(text) and itemsize >= 4 else "i" if _SIGNED.search(text) else "u"
    return metaimage_type(np.dtype(f"{kind}{itemsize}"))
