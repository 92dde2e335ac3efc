"""Where the command's log goes: stderr, and while training a run's train.log.

Library modules only log (`logging.getLogger(__name__)` under "seglab"); the command line is
the one place that attaches handlers to the 'seglab' logger.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from seglab.data.files.file_warnings import being_read

log = logging.getLogger("seglab")
SHOWN_PER_KIND = 3  # warnings from one line of a decoder, one per file: the first few, the rest with -v


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Copy seglab's log to `path` (the run's train.log) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8", errors="backslashreplace")  # as stderr prints names
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


def configure_logging(verbose: bool) -> None:
    """One stderr handler on the 'seglab' logger (replaced, not stacked, on repeated calls)."""
    for handler in [h for h in log.handlers if getattr(h, "seglab_cli", False)]:
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.seglab_cli = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False
    _name_files_in_warnings()


def _name_files_in_warnings() -> None:
    """Warnings raised while seglab reads a file (pydicom's invalid UIDs, nibabel's odd headers)
    go to the log naming the file, not as the decoder's source line; a warning from one line of a
    decoder is shown for the first `SHOWN_PER_KIND` files, the rest with -v. Other warnings as before."""
    if getattr(warnings.showwarning, "seglab_cli", False):
        return
    shown_before = warnings.showwarning
    counts: Counter[tuple[type[Warning], str, int]] = Counter()

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file=None,
             line: str | None = None) -> None:
        path = being_read()
        if path is None:
            shown_before(message, category, filename, lineno, file, line)
            return
        kind = (category, filename, lineno)
        counts[kind] += 1
        more = " (further warnings like this are shown with -v)" if counts[kind] == SHOWN_PER_KIND else ""
        log.log(logging.WARNING if counts[kind] <= SHOWN_PER_KIND else logging.DEBUG,
                "warning: '%s': %s%s", path, message, more)

    show.seglab_cli = True  # type: ignore[attr-defined]
    warnings.showwarning = show
