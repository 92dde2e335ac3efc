"""Atomic file writes: readers never see half a file, and a failed write keeps the old one."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
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
        tmp = _new_file_beside(target)
    except OSError as err:
        raise CheckpointError(f"cannot write '{target}': {err.strerror or err}; choose a writable --out folder") from None
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


def _new_file_beside(target: Path) -> Path:
    """An empty hidden file of a fresh name beside `target`, made as `open` makes files, readable as
    the umask allows: tempfile.mkstemp's 0600 left checkpoints and metrics unreadable to the others
    who share a run folder (a team's runs/ share, a server run as another user)."""
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return tmp


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """A file handle on `atomic_path(path)`; text is UTF-8 whatever the locale's encoding."""
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else "utf-8") as handle:
        yield handle


def write_json(path: str | Path, payload: Any, indent: int | None = 2,
               default: Callable[[Any], Any] | None = None) -> None:
    """Write `payload` as UTF-8 JSON, atomically. Names stay as written, not \\uXXXX escapes
    (classes.json is where users rename classes: 背景, not \\u80cc\\u666f); the bytes of a file
    name no encoding reads, kept as surrogates, stay \\udcXX escapes, which read back the same."""
    text = json.dumps(payload, indent=indent, ensure_ascii=False, default=default) + "\n"
    with atomic_write(path, "wb") as handle:
        handle.write(text.encode("utf-8", "backslashreplace"))
