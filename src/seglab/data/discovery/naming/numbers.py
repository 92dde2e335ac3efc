"""The numbers in a file's name, the loosest key: masks that share only a number with their
image (DRIVE's `21_training.tif` ~ `21_manual1.gif`) pair by it when no two files on one side
share one.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.discovery.naming.names import stem

_HASH = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)  # an id such as DSB 2018's sha256 names, not a number


def numbers_in(path: Path) -> list[str]:
    """The numbers in a file's name; none in a hash, whose digits only look like numbers (one
    image's '…ad5a' would pair with any mask whose hash ends in 5)."""
    name = stem(path)
    return [] if _HASH.fullmatch(name) else re.findall(r"\d+", name)


def first_number(path: Path) -> str | None:
    found = numbers_in(path)
    return str(int(found[0])) if found else None


def _last_number(path: Path) -> str | None:
    found = numbers_in(path)
    return str(int(found[-1])) if found else None
