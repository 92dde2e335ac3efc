"""Where the command's log goes: stderr, and while training a run's train.log.

Library modules only log (`logging.getLogger(__name__)` under "seglab"); the command line is
the one place that attaches handlers to the 'seglab' logger.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("seglab")


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Copy seglab's log to `path` (the run's train.log) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
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
