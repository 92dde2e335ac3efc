"""Image stacks read page by page: folder pairs whose images are multi-page TIFF stacks (Z planes,
time points) are a pair per page, never their first pages alone.

A mask stack of as many pages pairs page by page (the Cell Tracking Challenge's 3-D sets:
`01/t000.tif` + `01_ST/SEG/man_seg000.tif`, 3-D silver truth), and a 2-D mask of one plane
(`discovery.plane_masks`: the gold truth `01_GT/SEG/man_seg_000_012.tif`) with the page it names.
Each page is written once as a one-page TIFF into the cache (`files.tiff_pages`), findings on it
naming its stack and page (`Pair.sources`); the pairs of one stack are one group, so that its
neighbouring planes never straddle two splits. Whether a folder's images are stacks is told from
its first TIFF pair's header (a folder holds one kind of file): the headers of a folder of 2-D
tiles are not all opened.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.files.file_threads import on_threads
from seglab.data.files.index import Pair
from seglab.data.files.read_errors import TIFF_SUFFIXES
from seglab.data.files.tiff_pages import page_files
from seglab.data.files.tiff_stacks import tiff_stack_shape


def read_by_page(pairs: list[Pair], planes: dict[Path, int], root: Path, cache: Path) -> tuple[list[Pair], list[str]]:
    """`pairs` with each image stack paired page by page with its mask stack of as many pages, and
    each mask in `planes` (mask -> page) paired with that page of its image stack; and a line for
    `seglab inspect` when stacks were paired page by page.

    Raises:
        DataError: a stack that cannot be read, or too large to be read whole (`tiff_stacks`).
    """
    stacked = _stack_pairs(pairs, planes)
    stacks = sorted({p.image for p in pairs if p.mask in planes} | {f for p in stacked for f in p.files})
    pages = dict(zip(stacks, on_threads(lambda stack: page_files(stack, cache), stacks)))
    read = []
    for pair in pairs:
        group = Path(os.path.relpath(pair.image, root)).with_suffix("").as_posix()  # `01/t000`: its pages'
        if pair.mask in planes:
            page = planes[pair.mask]
            image = pages[pair.image][page]
            read.append(replace(pair, image=image, group=group, sources={image: f"page {page} of '{pair.image}'"}))
        elif pair in stacked:
            read += [replace(pair, name=f"{pair.name}_{k:05d}", image=image, mask=mask, group=group,
                             sources={image: f"page {k} of '{pair.image}'", mask: f"page {k} of '{pair.mask}'"})
                     for k, (image, mask) in enumerate(zip(pages[pair.image], pages[pair.masks[0]]))]
        else:
            read.append(pair)
    said = [f"{len(stacked)} image stacks paired page by page with their mask stacks of as many pages: "
            f"{sum(len(pages[p.image]) for p in stacked)} pairs, a group per stack"] if stacked else []
    return read, said


def _stack_pairs(pairs: Sequence[Pair], planes: dict[Path, int]) -> set[Pair]:
    """The pairs of one image file and one mask file that are TIFF stacks of one page count, in
    the folders whose first such pair's image is a stack; a mask of one plane (`planes`) pairs
    with its page, and its stack's header is not read again here."""
    tiffs = [p for p in pairs if not p.more_channels and not p.more_masks and p.mask is not None
             and p.image.suffix.lower() in TIFF_SUFFIXES and p.mask.suffix.lower() in TIFF_SUFFIXES]
    firsts = {p.image.parent: p.image for p in reversed(tiffs)}
    folders = {folder for folder, first in firsts.items() if tiff_stack_shape(first) is not None}
    candidates = [p for p in tiffs if p.image.parent in folders and p.mask not in planes]

    def same_pages(pair: Pair) -> bool:
        image, mask = tiff_stack_shape(pair.image), tiff_stack_shape(pair.masks[0])
        return image is not None and mask is not None and image[0] == mask[0]

    return {p for p, same in zip(candidates, on_threads(same_pages, candidates)) if same}
