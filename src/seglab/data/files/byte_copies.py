"""Files that hold the same bytes: Google Drive's `leaf_03 (1).png` beside `leaf_03.png`, a
`Copy of leaf_05.png`, a Kaggle upload's dataset folder nested in itself.

Files are compared by size first (one stat each), then by a hash of a few blocks of each (its
start, middle and end), then of their whole, so a folder of distinct files is barely read: even
seglab's cached .npy slices of a volume, all of one size and beginning alike, differ in those
blocks. Files of one pixel value (blank tiles, empty slices) are alike by chance, not copies, as
the audit's duplicate check holds.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from seglab.data.classes.text_files import open_regular
from seglab.data.files.io import read_image
from seglab.errors import DataError

_BLOCK = 1 << 12  # bytes read at each place a file is sampled: distinct files differ within them
_CHUNK = 1 << 20


def byte_copies(paths: Iterable[Path], holding: Collection[Path] | None = None) -> list[list[Path]]:
    """The groups of two or more of `paths` that hold the same bytes, each sorted, sorted by their
    first file; a file that cannot be read or holds one pixel value (`holds_one_value`) is in none.
    With `holding`, only the groups holding one of those files: the others are read no further
    than their size."""
    groups = [sorted(set(paths))]
    for key in (file_size, _sample, _whole):  # files that cannot be read fail at `_sample`
        groups = [same for group in groups for same in _alike(group, key)
                  if holding is None or any(path in holding for path in same)]
    return sorted((group for group in groups if not holds_one_value(group[0])), key=lambda group: group[0])


def holds_one_value(path: Path) -> bool:
    """Whether an image's pixels are all one value (a blank frame, a generated stand-in); False for
    one that cannot be decoded (the audit names it)."""
    try:
        pixels = read_image(path)
    except DataError:
        return False
    return bool(pixels.size) and bool((pixels == pixels.flat[0]).all())


def _alike(paths: list[Path], key: Callable[[Path], Hashable | None]) -> list[list[Path]]:
    """`paths` grouped by `key`, less the groups of one path and the paths of no key (unreadable)."""
    by_key: dict[Hashable, list[Path]] = {}
    for path in paths:
        if (found := key(path)) is not None:
            by_key.setdefault(found, []).append(path)
    return [same for same in by_key.values() if len(same) > 1]


def file_size(path: Path) -> int:
    """A file's size in bytes; -1 for one that cannot be read (the audit names it)."""
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _sample(path: Path) -> bytes | None:
    return _digest(path, _blocks)


def _whole(path: Path) -> bytes | None:
    return _digest(path, _chunks)


def _digest(path: Path, read: Callable[[BinaryIO], Iterator[bytes]]) -> bytes | None:
    """A hash of the bytes `read` takes from the file; None when it cannot be read."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open_regular(path) as file:
            for chunk in read(file):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()


def _blocks(file: BinaryIO) -> Iterator[bytes]:
    """`_BLOCK` bytes at the file's start, middle and end (overlapping in a small file)."""
    size = file.seek(0, os.SEEK_END)
    for offset in (0, max(size // 2 - _BLOCK // 2, 0), max(size - _BLOCK, 0)):
        file.seek(offset)
        yield file.read(_BLOCK)


def _chunks(file: BinaryIO) -> Iterator[bytes]:
    while chunk := file.read(_CHUNK):
        yield chunk
