"""Work on many files at once, on a thread per core: decoding and encoding images (Pillow,
tifffile), drawing and numpy's array work release the GIL for most of a file's time, so threads
share the cores without copying arrays between processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")
MOST_THREADS = 8  # beyond this, reading and writing the files is the limit


def on_threads(work: Callable[[_In], _Out], items: Sequence[_In]) -> list[_Out]:
    """`work` of every item, in the items' order, on up to a thread per core (at most
    `MOST_THREADS`, at most one per item); the first error raised stops it."""
    with ThreadPoolExecutor(max_workers=min(MOST_THREADS, os.cpu_count() or 1, max(len(items), 1))) as pool:
        return list(pool.map(work, items))
