"""The advice to list pairs in a CSV, as a command that runs once the CSV is written: a manifest
is passed in place of DATA (`--manifest` beside DATA is refused), so the advice names it inside
DATA's folder and drops DATA."""

from __future__ import annotations

import shlex
from pathlib import Path


def pairs_csv_route(root: Path) -> str:
    """'list the pairs ...: seglab inspect --manifest <root>/pairs.csv', for a refusal or a warning."""
    return ("list the pairs in a CSV with image and mask columns (paths relative to it) and pass it in place of "
            f"DATA: seglab inspect --manifest {shlex.quote(str(root / 'pairs.csv'))}")
