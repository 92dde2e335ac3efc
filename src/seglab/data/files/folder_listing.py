"""Listing a dataset's folders: each listing once per `one_listing`, and a folder that may not be
listed passed over with one warning, not a stop.

Here, below every reader, so that any listing of the dataset's folders (a reader's of a DICOM
series, an encoding's of a mask's siblings, discovery's walk) goes through the same gate.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)
_Found = TypeVar("_Found")

_SKIPPED = ("__macosx", "__pycache__", ".git", "runs", "checkpoints")
_LISTINGS: ContextVar[dict[tuple[object, ...], object] | None] = ContextVar("seglab_listings", default=None)
# DATA and the cache folder within `one_listing`: the folders whose listing stays as it is while discovery runs
_KEPT: ContextVar[tuple[str, str | None] | None] = ContextVar("seglab_kept_listings", default=None)


@contextmanager
def one_listing(data: Path | None = None, cache: Path | None = None) -> Iterator[None]:
    """Within the block `walk` lists each folder tree once: the formats that try a dataset in
    turn (run-length tables, COCO, LabelMe, YOLO, folder pairs) read one listing of its files,
    not one each (0.4 s apiece for 40,000 files). Each folder in `data` is listed once too
    (`entries`, `listable`), but for those in `cache`, where discovery writes. Outside, every
    call lists afresh."""
    token = _LISTINGS.set({})
    kept = _KEPT.set(None if data is None else (os.path.abspath(data), cache and os.path.abspath(cache)))
    try:
        yield
    finally:
        _KEPT.reset(kept)
        _LISTINGS.reset(token)


def once_per_listing(key: tuple[object, ...], compute: Callable[[], _Found]) -> _Found:
    """`compute()` once per `key` (hashable: a root and what else the result depends on) within
    `one_listing`, the same object each time: a search that several formats run on one dataset
    (folder-pairs', which Cityscapes polygons ask before stepping aside) is run once. Outside,
    every call computes afresh."""
    listings = _LISTINGS.get()
    if listings is None:
        return compute()
    if key not in listings:
        listings[key] = compute()
    return listings[key]  # type: ignore[return-value]


def skipped_folder(name: str) -> bool:
    """Whether a folder is never data: hidden, a Mac archive's `__MACOSX`, a cache, a run's output."""
    return name.startswith(".") or name.lower() in _SKIPPED


def entries(folder: Path) -> list[Path]:
    """What `folder` holds, for every listing of the dataset's folders; nothing where it may not
    be listed (no read permission), said once (`passed_over`): a locked folder among the data's
    is passed over, as a hidden one is, not a stop. A folder of DATA is listed once per
    `one_listing` (`_once_in_data`): the readers asking in turn (a DICOM series', a volume
    folder's, a split table's) listed each sequence folder of a video dataset several times."""
    def listing() -> list[Path]:
        try:
            return list(folder.iterdir())
        except PermissionError as err:
            passed_over(folder, err)
            return []
    return list(_once_in_data(("entries", folder), folder, listing))


def listed_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files directly in `folder` whose names end with one of `suffixes` (lower case: `.png`,
    `.nii.gz`) in any case, as every listing of a folder's data files takes them: hidden and macOS
    `._*` files left out, nothing where it may not be listed (`entries`), and no FIFO, device or
    socket (a FIFO's read waits for a writer); a broken symbolic link is kept, so that reading it
    reports it instead of its file silently going missing."""
    return [p for p in entries(folder) if p.name.lower().endswith(suffixes) and not p.name.startswith(".")
            and (p.is_file() or (p.is_symlink() and not p.exists()))]


def subfolders(root: Path) -> list[Path]:
    """The folders in `root` that may be listed (`listable`), in name order: a look inside a
    locked one (`locked/images`) would fail on the path alone, so it is left out before."""
    return sorted(p for p in entries(root) if p.is_dir() and listable(p))


def listable(folder: Path) -> bool:
    """Whether `folder` may be listed; one that may not is said once per listing (`passed_over`).
    Asked once a folder of DATA per `one_listing` (`subfolders` asks of every folder in its parent)."""
    def opens() -> bool:
        try:
            with os.scandir(folder):
                return True
        except PermissionError as err:
            passed_over(folder, err)
            return False
    return _once_in_data(("listable", folder), folder, opens)


def _once_in_data(key: tuple[object, ...], folder: Path, compute: Callable[[], _Found]) -> _Found:
    """`compute()` once per `key` within `one_listing` where `folder` lies in DATA and not in the
    cache folder (files written there during discovery would be missed); afresh otherwise."""
    kept = _KEPT.get()
    where = os.path.abspath(folder)
    if kept is None or not _inside(where, kept[0]) or (kept[1] is not None and _inside(where, kept[1])):
        return compute()
    return once_per_listing(key, compute)


def _inside(path: str, folder: str) -> bool:
    """Whether absolute `path` is `folder` or lies below it (by name: `data2/` is not in `data/`)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def passed_over(folder: Path | str, err: PermissionError) -> None:
    """Say once per listing that `folder` may not be listed and is passed over, and how to read it;
    once by whichever path it was reached (a link looping back to the dataset folder is another)."""
    once_per_listing(("unreadable", os.path.realpath(folder)), lambda: logger.warning(
        "'%s' cannot be listed (%s): passed over; give read permission (chmod -R u+rX %s) to read it",
        folder, err.strerror, shlex.quote(str(folder))))
