"""The case a folder name is a version of: SenNet + HOA 2023's `kidney_1_dense/` and
`kidney_1_voi/` (one kidney, densely labelled and a volume of interest), `kidney_3_sparse/` and
`kidney_3_dense/` (kidney 3's images with sparse labels, and dense labels of some of its slices):
words after the number of a case name its version, not another case.
"""

from __future__ import annotations

import re

from seglab.data.discovery.naming.names import words
from seglab.data.discovery.naming.split_words import folder_split

# a case's name up to its number, then words of letters alone (the version)
_VERSIONED = re.compile(r"(?P<case>.*?[a-z][^/]*?\d+)(?P<version>(?:[_\-. ]+[a-z]+)+)", re.IGNORECASE)


def versioned_case(name: str) -> str | None:
    """`kidney_3_dense` -> `kidney_3`: the name before the words that follow its last number,
    where it holds a letter before that number (a bare `01_raw` is no named case); None for a
    name ending in its number, or whose words after it name a split (`case_01_train` is the
    case in a split, not a version of it)."""
    found = _VERSIONED.fullmatch(name)
    if found is None or any(folder_split(word) for word in words(found["version"])):
        return None
    return found["case"]


def case_name(name: str) -> str:
    """The case a name is a version of (`versioned_case`), else the name itself: `kidney_3_dense`
    and `kidney_3` both name `kidney_3`."""
    return versioned_case(name) or name
