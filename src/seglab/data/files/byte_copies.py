"""Files that hold the same bytes: Google Drive's `leaf_03 (1).png` beside `leaf_03.png`, a
`Copy of leaf_05.png`, a Kaggle upload's dataset folder nested in itself.

Files are compared by size first (one stat each), then by a hash of their first bytes, then of
their whole, so a folder of distinct files is barely read. Files of one pixel value (blank
tiles, empty slices) are alike by chance, not copies, as the audit's duplicate check holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

from seglab.data.files.io import read_image
from seglab.errors import DataError

_HEAD = 1 << 16  # bytes hashed of each file that shares its size with another: distinct files differ within them
_CHUNK = 1 << 20


def byte_copies(paths: Iterable[Path]) -> list[list[Path]]:
    """The groups of two or more of `paths` that hold the same bytes, each sorted, sorted by their
    first file; a file that cannot be read or holds one pixel value (`holds_one_value`) is in none."""
    groups = [sorted(set(paths))]
    for key in (file_size, _head, _whole):  # files that cannot be read fail at `_head`
        groups = [same for group in groups for same in _alike(group, key)]
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


def _head(path: Path) -> bytes | None:
    return _digest(path, _HEAD)


def _whole(path: Path) -> bytes | None:
    return _digest(path, None)


def _digest(path: Path, limit: int | None) -> bytes | None:
    """A hash of the file's first `limit` bytes (None: all of them); None when it cannot be read."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with path.open("rb") as file:
            if limit is not None:
                digest.update(file.read(limit))
            else:
                while chunk := file.read(_CHUNK):
                    digest.update(chunk)
    except OSError:
        return None
    return digest.digest()
