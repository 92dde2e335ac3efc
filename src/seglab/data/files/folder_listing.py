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
from dataclasses import dataclass
from fnmatch import fnmatch
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


def forgetting() -> Callable[[], None]:
    """A call that forgets what `once_per_listing` remembered since this one: a reading whose logged
    words are dropped (DATA refused, then read through the folder it wraps) drops what it listed and
    said with them, so that the reading that stands lists and says it again (a locked folder it
    passes over, said once by the dropped reading and never by the one that stands)."""
    listings = _LISTINGS.get()
    if listings is None:
        return lambda: None
    before = set(listings)

    def forget() -> None:
        for key in set(listings) - before:
            del listings[key]
    return forget


def skipped_folder(name: str) -> bool:
    """Whether a folder is never data: hidden, a Mac archive's `__MACOSX`, a cache, a run's output."""
    return name.startswith(".") or name.lower() in _SKIPPED


@dataclass(frozen=True)
class Listing:
    """A folder's entries as one `os.scandir` read them, each one's kind told by the directory
    itself (a stat for links alone): the readers asking of one folder in turn whether its entries
    are files or folders stat'ed each entry again (20,000 pairs: 600,000 stats an inspect).

    Args:
        paths: every entry, in the order the folder lists them.
        folders: the names of the folders, links to folders too.
        files: the names of the regular files, links to them too.
        links: the names of the symbolic links.
        readable: False where the folder may not be listed (no read permission): passed over, empty.
    """

    paths: tuple[Path, ...] = ()
    folders: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    readable: bool = True


def listing(folder: Path | str) -> Listing:
    """`folder` listed (`Listing`); empty where it may not be listed (no read permission), said
    once (`passed_over`): a locked folder among the data's is passed over, as a hidden one is, not
    a stop. A folder of DATA is listed once per `one_listing` (`_once_in_data`): the readers asking
    in turn (a DICOM series', a volume folder's, a split table's, discovery's walks) listed each
    sequence folder of a video dataset several times.

    Raises:
        OSError: `folder` is missing or no folder.
    """
    def listed() -> Listing:
        try:
            with os.scandir(folder) as found:
                kinds = [(entry.name, _kind(entry.is_dir), _kind(entry.is_file), entry.is_symlink())
                         for entry in found]
        except PermissionError as err:
            passed_over(folder, err)
            return Listing(readable=False)
        return Listing(tuple(Path(folder, name) for name, *_ in kinds),
                       frozenset(name for name, is_dir, *_ in kinds if is_dir),
                       frozenset(name for name, _, is_file, _ in kinds if is_file),
                       frozenset(name for name, *_, is_link in kinds if is_link))
    return _once_in_data(("listing", Path(folder)), Path(folder), listed)


def _kind(asks: Callable[[], bool]) -> bool:
    """What a directory entry's `is_dir` or `is_file` says, False where the link it follows cannot
    be (as `Path.is_dir` says)."""
    try:
        return asks()
    except OSError:
        return False


def entries(folder: Path) -> list[Path]:
    """What `folder` holds, for every listing of the dataset's folders (`listing`)."""
    return list(listing(folder).paths)


def folders_in(folder: Path) -> list[Path]:
    """The folders (links to folders too) in `folder`, in listing order (`listing`: no stat each)."""
    listed = listing(folder)
    return [p for p in listed.paths if p.name in listed.folders]


def files_in(folder: Path) -> list[Path]:
    """The regular files (links to them too) in `folder`, in listing order (`listing`: no stat each)."""
    listed = listing(folder)
    return [p for p in listed.paths if p.name in listed.files]


def matching(folder: Path, pattern: str) -> list[Path]:
    """`folder.glob(pattern)` for a pattern of names alone (`*.json`, `[Rr][Ee][Aa][Dd][Mm][Ee]*`),
    on the one `listing` of the folder: the readers of class tables, READMEs and annotation files
    each globbed the mask folder again (20,000 masks: a dozen listings an inspect). Nothing where
    `folder` is missing or no folder, as glob finds nothing there; in any case where the system's
    names are (Windows: `A.JSON` for `*.json`), as glob matches (`fnmatch`, by `os.path.normcase`)."""
    return [p for p in side_entries(folder) if fnmatch(p.name, pattern)]


def side_entries(folder: Path) -> list[Path]:
    """What `folder` holds (`entries`), but nothing where it is missing, no folder or cannot be
    listed (a link that loops), as a glob finds nothing there: for the readers of side files
    (READMEs, class tables) beside paths that may name no folder (a manifest's pairs in a folder
    since removed)."""
    try:
        return entries(folder)
    except OSError:
        return []


def listed_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files directly in `folder` whose names end with one of `suffixes` (lower case: `.png`,
    `.nii.gz`) in any case, as every listing of a folder's data files takes them: hidden and macOS
    `._*` files left out, nothing where it may not be listed (`listing`), and no FIFO, device or
    socket (a FIFO's read waits for a writer); a broken symbolic link is kept, so that reading it
    reports it instead of its file silently going missing."""
    listed = listing(folder)
    return [p for p in listed.paths if p.name.lower().endswith(suffixes) and not p.name.startswith(".")
            and (p.name in listed.files or (p.name in listed.links and p.name not in listed.folders
                                            and not p.exists()))]


def subfolders(root: Path) -> list[Path]:
    """The folders in `root` that may be listed (`listable`), in name order: a look inside a
    locked one (`locked/images`) would fail on the path alone, so it is left out before."""
    return sorted(p for p in folders_in(root) if listable(p))


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
