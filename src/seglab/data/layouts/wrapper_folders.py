"""A dataset folder that only wraps the dataset: the folder an archive was unpacked into, holding
the archive's one top folder (MUSES' `muses/`), read as that folder is.

The search counts one such wrapper against its depth already (`folders.listing.MAX_DEPTH`), so
a dataset whose own tree is as deep as the search reaches is read from its folder and refused
from the wrapper: MUSES keeps its frames in `muses/frame_camera/train/clear/day/`, four levels
down in `muses/`, five in the folder holding it. Only a wrapper in which no layout is found is
passed through; a dataset read from the folder given stays read as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from seglab.data.files.folder_listing import entries, forgetting, listable
from seglab.data.discovery.folders import skipped_folder
from seglab.errors import DataError

logger = logging.getLogger(__name__)
_Read = TypeVar("_Read")
_MOST_WRAPPERS = 2  # AMOS' archive unpacks to amos22/amos22/, as the volume layouts allow


def read_inside_wrappers(root: Path, read: Callable[[Path], _Read]) -> tuple[Path, _Read]:
    """`read(root)` and `root`, or, where it finds no layout there (a `DataError`), `read` of the
    folder `root` wraps (`lone_folder`) and that folder, two wrappers deep at most, the innermost
    that reads. Where none does, the refusal of `root` stands: it names what lies deeper. What
    the reads log is said for the reading that stands alone: a refused DATA's warnings were said
    once more by each folder it wraps (Eyecandies' masks no naming pairs).

    Raises:
        DataError: `read`'s of `root`, when no folder it wraps reads either.
    """
    if lone_folder(root) is None:
        return root, read(root)
    with _held_logs() as said:
        forget = forgetting()  # what a dropped reading listed and said, said again by the one that stands
        try:
            return root, read(root)
        except DataError as refusal:
            said_of_root = said[:]
            inner, depth = lone_folder(root), 1
            while inner is not None and depth <= _MOST_WRAPPERS:
                said.clear()
                forget()
                try:
                    found = read(inner)
                except DataError:
                    inner, depth = lone_folder(inner), depth + 1
                    continue
                logger.info("'%s' holds one folder and no dataset layout of its own: '%s' is read as the dataset, "
                            "as passing it as DATA would", root, inner)
                return inner, found
            said[:] = said_of_root
            raise refusal


@contextmanager
def _held_logs() -> Iterator[list[logging.LogRecord]]:
    """Hold what seglab logs inside, then say the records left in the list yielded (the caller
    drops those of a reading that does not stand), each through its own logger as if just logged."""
    seglab = logging.getLogger("seglab")
    held: list[logging.LogRecord] = []
    holder = logging.Handler()
    holder.emit = held.append  # type: ignore[method-assign]
    handlers, propagate = seglab.handlers, seglab.propagate
    seglab.handlers, seglab.propagate = [holder], False
    try:
        yield held
    finally:
        seglab.handlers, seglab.propagate = handlers, propagate
        for record in held:
            logging.getLogger(record.name).handle(record)


def wrapped_folder(root: Path) -> Path:
    """The innermost folder `root` wraps, two wrappers deep at most, as `read_inside_wrappers`
    looks into them; `root` itself when it wraps none."""
    inner, depth = root, 0
    while (lone := lone_folder(inner)) is not None and depth < _MOST_WRAPPERS:
        inner, depth = lone, depth + 1
    return inner


def lone_folder(root: Path) -> Path | None:
    """The one thing in `root`, when it is a folder (hidden files and `__MACOSX` aside); None
    otherwise, and for a file."""
    if not root.is_dir():
        return None
    visible = [p for p in entries(root) if not p.name.startswith(".")
               and not (p.is_dir() and (skipped_folder(p.name) or not listable(p)))]
    return visible[0] if len(visible) == 1 and visible[0].is_dir() else None
