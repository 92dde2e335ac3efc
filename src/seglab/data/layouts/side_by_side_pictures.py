"""The "side-by-side" format: pictures twice as wide as high, each an image and its mask side by
side, as pix2pix's datasets ship them: Kaggle's Cityscapes Image Pairs
(`cityscapes_data/{train,val}/<n>.jpg`, a photo left and its Cityscapes colour label right, JPEG),
pix2pix's facades (`facades/{train,val,test}/<n>.jpg`, the CMP facade labels right).

Which half holds the image is told from the pictures, the label map's half painted in flat
regions and the photo's not (`encodings.label_halves`), or named by `--side-by-side left|right`;
where every picture is twice as wide as high but the halves do not tell, the refusal names that
flag (`side_by_side_route`). Auto-detection tries this layout last: a picture's shape is no proof
where names pair files. Each picture's halves are written once into the cache, the image's as
PNG (TIFF where PNG cannot hold its pixels: 16-bit colour) and the mask's as the picture was
saved: a JPEG's again as JPEG (at full quality, no chroma subsampling), so that its colours are
snapped as a lossy mask's are (`encoding.choose_encoding`); every later stage, the encoding of
the masks first, reads plain pairs. The splits are the folders' (`train/`, `val/`, `test/`); a
folder holding another's pictures again (Kaggle's nested `cityscapes_data/cityscapes_data/`) is
set aside (`dataset_copies`). The run's card keeps the image's half, so that `seglab predict`
takes that half of such pictures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shlex
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.classes import ClassSpec
from seglab.data.discovery.folders import Folder, walk
from seglab.data.discovery.folders.dataset_copies import without_copies
from seglab.data.discovery.naming import KeyRule, stem, usable_splits
from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.encodings.label_halves import image_half
from seglab.data.files.file_version import versions
from seglab.data.files.halves import HALVES, half_of, not_twice_as_wide, other_half
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.files.io import read_image
from seglab.data.files.lossy import lossy_format
from seglab.data.files.read_errors import ReadError
from seglab.data.files.staging import cache_folder, staged_folder
from seglab.data.files.tiff_pages import write_page
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # part of every key: bump when what is written changes
_MANIFEST = "halves.json"  # written last: a folder without it was never completed
_SIDE_BY_SIDE = KeyRule("an image and its mask side by side in one picture", stem)
_LOSSY_SAVE = {"quality": 100, "subsampling": 0}  # a JPEG mask written again: next to no further loss


@FORMATS.register("side-by-side")
class SideBySideFormat(FindingFormat[str | None]):
    """Pictures of an image and its mask side by side; see the module docstring."""

    layout = ("pictures twice as wide as high, each an image and its colour mask side by side (pix2pix's "
              "cityscapes_data/train/1.jpg, facades/train/1.jpg: photo left, label right), split folders above; "
              "the image's half told from the pictures, or named by --side-by-side left|right")
    priority = 200  # last: told by the pictures' shape and content, never before names pair files

    def detect(self, root: Path) -> bool:
        pictures = [p for f in walk(root) for p in f.files] if root.is_dir() else []
        return bool(pictures) and not_twice_as_wide(pictures) is None and self.found(root) is not None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        side = self.found(root)
        assert side is not None, "index() of a folder detect() refused"
        matches = [FolderMatch(f.path, f.path, f.split, _SIDE_BY_SIDE, [(stem(p), p, p) for p in f.files])
                   for f in walk(root) if f.files]
        matches, copies = without_copies(matches, root, lambda top: f"passing {shlex.quote(str(top))} as DATA")
        pictures, problems = _named_once(matches, root)
        kept = usable_splits(split for _, split in pictures)
        named = unique_names([Pair(stem(p), p, p, split if kept else None) for p, split in pictures], root)
        folder, halves, failed = _cut([pair.image for pair in named], side, root,
                                      cache_folder(self.options.cache_dir, "side-by-side"))
        pairs = [_halves_pair(pair, folder, halves[key], side) for pair in named
                 if (key := _key(pair.image, root)) in halves]
        problems += [Problem(root / path, message, code) for path, message, code in failed]
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(root, mask_dirs, pairs, classes, self.options.cache_dir)
        index = DatasetIndex(root, "side-by-side", pairs, [], encoding.classes, encoding.mapping,
                             problems + list(encoding.problems), ignored=copies, mask_values=encoding.values)
        how = "named by --side-by-side" if self.options.image_half is not None else "told from the pictures"
        index.pairing = [f"{folder_label(m.image_dir, root)}{f' [{m.split}]' if kept else ''}: {len(m.pairs)} "
                         f"pictures, each the image ({side} half, {how}) beside its mask ({other_half(side)} half)"
                         for m in matches] + [f"halves written into '{folder}'"]
        index.image_half = side
        return index

    def find(self, root: Path) -> str | None:
        """The half holding the image: the one `--side-by-side` names, else the one the pictures tell
        (`label_halves.image_half`); `found` tells it once per root for detect and index."""
        if self.options.image_half is not None:
            return self.options.image_half
        return image_half([p for f in walk(root) for p in f.files])


def side_by_side_route(folders: list[Folder]) -> str:
    """The flag that reads pictures twice as wide as high as an image and its mask side by side,
    where every picture in `folders` is one and their halves did not tell which holds the image
    (else the layout would have read them); empty otherwise."""
    pictures = [p for f in folders for p in f.files]
    if not pictures or not_twice_as_wide(pictures) is not None:
        return ""
    return ("every picture is twice as wide as high: if each holds an image and its mask side by side (pix2pix's "
            f"datasets), --side-by-side {HALVES[0]} reads the left half as the image and the right as its mask "
            f"(--side-by-side {HALVES[1]} the other way round; docs/data.md)")


def _named_once(matches: list[FolderMatch], root: Path) -> tuple[list[tuple[Path, str | None]], list[Problem]]:
    """The pictures of `matches` with their folder's split, and a `duplicate-name` finding for each
    picture named as one before it in its folder but for its suffix (`1.jpg` beside `1.png`), whose
    halves would be written over the first's."""
    first: dict[str, Path] = {}
    pictures, problems = [], []
    for match in matches:
        for _, picture, _ in match.pairs:
            named = first.setdefault(_key(picture, root), picture)
            if named is picture:
                pictures.append((picture, match.split))
            else:
                problems.append(Problem(picture, f"picture '{picture}' has the name of '{named.name}' beside it; only "
                                        "that one is read", "duplicate-name", (named,)))
    return pictures, problems


def _key(picture: Path, root: Path) -> str:
    """A picture's path below `root` less its suffix: the cache's names of its halves."""
    return picture.relative_to(root).with_suffix("").as_posix()


def _halves_pair(pair: Pair, folder: Path, halves: tuple[str, str], side: str) -> Pair:
    """`pair` of a picture reading its image and mask halves written under `folder`, each saying
    which half of the picture it is, for findings about it."""
    image, mask = folder / halves[0], folder / halves[1]
    return replace(pair, image=image, mask=mask, sources={image: f"the {side} half of '{pair.image}'",
                                                          mask: f"the {other_half(side)} half of '{pair.image}'"})


def _cut(pictures: list[Path], side: str, root: Path, cache: Path
         ) -> tuple[Path, dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """The cache folder of the pictures' halves (named for the dataset), written now or by an
    earlier call for the same pictures and side; each picture's (image file, mask file) by its
    `_key`, relative to that folder, and the pictures that could not be read (path below `root`,
    message, code).
    """
    facts = [CACHE_VERSION, side, str(root.resolve()), versions(pictures)]  # a broken link has none: read, it is named
    folder = cache / f"{root.name}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("writing the halves of %d pictures into '%s' (once)", len(pictures), folder)
        with staged_folder(folder) as partial:
            halves: dict[str, tuple[str, str]] = {}
            failed: list[tuple[str, str, str]] = []
            for picture in pictures:
                key = _key(picture, root)
                try:
                    halves[key] = _written(picture, side, partial, key)
                except DataError as err:
                    failed.append((picture.relative_to(root).as_posix(), str(err),
                                   err.code if isinstance(err, ReadError) else "unreadable"))
            (partial / _MANIFEST).write_text(json.dumps({"halves": halves, "failed": failed}))
    manifest = json.loads((folder / _MANIFEST).read_text())
    written = {key: (image, mask) for key, (image, mask) in manifest["halves"].items()}
    return folder, written, [(path, message, code) for path, message, code in manifest["failed"]]


def _written(picture: Path, side: str, folder: Path, key: str) -> tuple[str, str]:
    """A picture's image half written as `images/<key>.png` and its mask half as `masks/<key>.png`,
    or `.jpg` for a picture saved lossy (`lossy.lossy_format`), under `folder`; the two files
    relative to it. A half PNG cannot hold as Pillow writes it (16-bit colour, float, bands of a
    JPEG 2000) is a `.tif` instead, its dtype and values kept.

    Raises:
        DataError: the picture cannot be read (`read_image`).
    """
    pixels = read_image(picture)  # as `seglab predict` reads such a picture before taking its half
    lossy = lossy_format(picture) is not None
    image = _written_half(half_of(pixels, side), folder, f"images/{key}", False)
    return image, _written_half(half_of(pixels, other_half(side)), folder, f"masks/{key}", lossy)


def _written_half(half: np.ndarray, folder: Path, name: str, lossy: bool) -> str:
    """`half` (H, W, C) written under `folder` as `name` with the suffix that keeps it: `.jpg` where
    `lossy` (a JPEG's pixels: 8-bit grey or RGB), `.png` for 8-bit pixels of up to 4 channels and
    16-bit grey, else `.tif`; the file relative to `folder`."""
    png = half.shape[2] <= 4 if half.dtype == np.uint8 else half.dtype == np.uint16 and half.shape[2] == 1
    suffix = ".jpg" if lossy else ".png" if png else ".tif"
    path = folder / f"{name}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".tif":
        write_page(path, half[..., 0] if half.shape[2] == 1 else half)
    else:
        Image.fromarray(half[..., 0] if half.shape[2] == 1 else np.ascontiguousarray(half)).save(
            path, **(_LOSSY_SAVE if lossy else {}))
    return f"{name}{suffix}"
