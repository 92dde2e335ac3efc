"""What identifies one version of a file: its resolved path, size and modification time.

The caches of decoded data (scan results, the disk cache, volume slices) key on it, so a file
written since is read again and an unchanged one is not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def file_version(path: str | Path) -> tuple[str, int, int]:
    """(resolved path, size in bytes, modification time in ns).

    Raises:
        OSError: the file cannot be found or stat'ed.
    """
    status = Path(path).stat()
    return str(Path(path).resolve()), status.st_size, status.st_mtime_ns


def versions(paths: Iterable[Path]) -> list[tuple[str, int, int]]:
    """(path as given, size, modification time in ns) of each file that exists: a stat each, no
    path resolution (cheap for 100,000 images)."""
    found = []
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue
        found.append((str(path), status.st_size, status.st_mtime_ns))
    return found
