"""Cache folders that appear complete or not at all: written beside under a name of this
process, then renamed into place (volume slices, decoded run-length masks)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """An empty folder to fill in place of `folder`, renamed to it when the block ends.

    A block that raises leaves the partial folder behind and `folder` absent, so no reader takes
    it for complete; another process that finished the same folder first keeps its copy.
    """
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    yield partial
    try:
        partial.rename(folder)
    except OSError:  # another process finished the same folder first: its copy is as good
        shutil.rmtree(partial, ignore_errors=True)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/seglab`, else `~/.cache/seglab`: outside run folders, so runs share it."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seglab"


def cache_folder(cache_dir: str | Path | None, purpose: str = "") -> Path:
    """The folder of one purpose's cached files (`volumes`, `rle`, ...) in `cache_dir`, the
    user's `--cache-dir` (None: `default_cache_dir()`), so that every cache lies under one top."""
    return Path(cache_dir or default_cache_dir()) / purpose
