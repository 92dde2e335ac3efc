"""Atomic file writes: readers never see half a file, and a failed write keeps the old one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, IO

from seglab.errors import CheckpointError


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` to write; once written it is synced and renamed onto
    `path`, so readers never see half a file and a failed write keeps the previous version."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as err:
        raise CheckpointError(f"cannot write '{target}': {err.strerror or err}; choose a writable --out folder") from None
    tmp = Path(name)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise CheckpointError(
            f"cannot write '{target}': {err.strerror or err}; the previous version is kept "
            "(free disk space or choose another --out folder)"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """A file handle on `atomic_path(path)`."""
    with atomic_path(path) as tmp, open(tmp, mode) as handle:
        yield handle
