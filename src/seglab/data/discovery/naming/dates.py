"""The date in a file's name, a key apart from the numbers: a date's parts are three numbers
that other files share, and its separators differ between a dataset's images and its masks.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.discovery.naming.names import stem

# a date, year first, its parts spelt with one separator or none: DynamicEarthNet's daily images
# `2018-01-01.tif` and monthly labels `<tile>-2018_01_01.tif` name one day alike
_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)([-_. ]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in(path: Path) -> str | None:
    """The one date in a file's name as YYYY-MM-DD, whatever its separators; None for a name of no
    date or of two (a change pair's `2018_2019`-like names are no key)."""
    found = {(m[1], m[3], m[4]) for m in _DATE.finditer(stem(path))}
    return "-".join(found.pop()) if len(found) == 1 else None
