"""The pages of a multi-page TIFF stack as one-page TIFF files, written once into a cache folder
that later reads reuse.

A stack read page by page (`layouts.folder_pairs.stack_pages`: the Cell Tracking Challenge's Z
stacks `01/t000.tif` with `01_ST/SEG/man_seg000.tif`) is then plain 2-D files to every later stage,
each page read as any TIFF is, its dtype and values kept. A stack's folder is keyed by its path,
size and modification time, so an edited stack is written again, and it appears complete or not
at all (written beside, then renamed).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import tifffile

from seglab.data.files.file_version import file_version
from seglab.data.files.staging import staged_folder
from seglab.data.files.tiff_stacks import read_tiff_stack

CACHE_VERSION = 1  # part of every key: bump when what is written changes
_MANIFEST = "pages.json"  # written last: a folder without it was never completed
_COLOURS = (3, 4)  # samples of a page written as RGB (or RGBA)


def page_files(stack: Path, cache: Path) -> list[Path]:
    """A one-page TIFF of each page of `stack`, in order, written now or by an earlier call.

    Raises:
        DataError: a damaged stack, one over the pixel budget or over half the memory, naming it.
    """
    facts = [CACHE_VERSION, *file_version(stack)]
    named = "_".join((*stack.parent.parts[-2:], stack.stem))  # the source in audit messages: 01_ST_SEG_man_seg000
    folder = cache / f"{named}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        pages = read_tiff_stack(stack)
        with staged_folder(folder) as partial:
            for i, page in enumerate(pages):
                write_page(partial / _page_name(stack, i), page)
            (partial / _MANIFEST).write_text(json.dumps({"source": str(stack), "pages": len(pages)}))
    count = int(json.loads((folder / _MANIFEST).read_text())["pages"])
    return [folder / _page_name(stack, i) for i in range(count)]


def _page_name(stack: Path, index: int) -> str:
    return f"{stack.stem}_{index:05d}.tif"


def write_page(path: Path, page: np.ndarray) -> None:
    """One page as a TIFF that reads back as it was: grey (H, W), RGB(A) or bands (H, W, C)."""
    colour = page.ndim == 3 and page.shape[2] in _COLOURS
    tifffile.imwrite(path, page, photometric="rgb" if colour else "minisblack",
                     planarconfig="contig" if page.ndim == 3 else None)
