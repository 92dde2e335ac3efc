"""Class names a dataset's README lists in prose, in band order, for masks that name none (a
band per class): a sentence that counts the classes and lists as many names after a colon, as
DynamicEarthNet's does (`7 land-cover classes, one band each: impervious surface, agriculture,
forest & other vegetation, wetlands, soil, water, snow & ice.`). The count stated and the names
listed must agree with the bands, so a README's other numbers name nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.classes.readme_colours import MAX_NAME_WORDS, readme_lines

# a count, up to three words, the word for classes, then a colon and the names up to the sentence's end
_COUNTED_LIST = re.compile(r"(?<![\w.])(?P<count>\d{1,2})\s+(?:[\w-]+\s+){0,3}?(?:classes|categories)\b[^:.\n]*:"
                           r"\s*(?P<names>[^.\n]+)", re.IGNORECASE)


def readme_class_names(path: Path, count: int) -> tuple[str, ...] | None:
    """The `count` class names the README `path` lists (see the module docstring), or None."""
    lines = readme_lines(path) or []
    for found in _COUNTED_LIST.finditer("\n".join(lines)):
        names = _names(found["names"]) if int(found["count"]) == count else None
        if names is not None and len(names) == count:
            return names
    return None


def _names(listed: str) -> tuple[str, ...] | None:
    """The names of a comma-separated list, its last perhaps after 'and'; None when one is empty,
    longer than `MAX_NAME_WORDS` words, or listed twice."""
    names = [re.sub(r"^and\s+", "", name.strip(), flags=re.IGNORECASE) for name in listed.split(",")]
    last, _, after = names[-1].rpartition(" and ")
    if last and len(names) > 1:  # 'soil, water and snow': the last two
        names[-1:] = [last, after]
    names = [" ".join(name.split()) for name in names]
    if not all(names) or any(len(name.split()) > MAX_NAME_WORDS for name in names) or len(set(names)) < len(names):
        return None
    return tuple(names)
