"""Which file each thread is reading, so that a decoder's warning can name it.

pydicom, nibabel and pyshp report odd but readable files (an invalid UID, a header field out of
range) through Python's warnings, which name the decoder's own source line and never the file:
among thousands of files read on several threads the user cannot find the one meant. Readers
mark the file they read with `reading`, per thread (warnings' own filters are process-wide, not
safe to swap from threads); the command line's warning handler (`cli.log_setup`) names it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_state = threading.local()


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Mark `path` as the file this thread reads while the block runs (nested marks restore the outer)."""
    outer = being_read()
    _state.path = path
    try:
        yield
    finally:
        _state.path = outer


def being_read() -> Path | None:
    """The file this thread is reading, if a reader marked one."""
    return getattr(_state, "path", None)
