"""The one form in which file names are compared: the stem (`.nii.gz` counts as one suffix), its
letters composed as Linux and Windows write them, lower case; and a name's words. Every rule of
the `naming` package keys files through these, so that one item is never named two ways.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path


def stem(path: Path) -> str:
    """File name without its suffix; `.nii.gz`-like double suffixes count as one."""
    name = path.name
    for double in (".nii.gz", ".tar.gz"):
        if name.lower().endswith(double):
            return name[: -len(double)]
    return path.stem


def composed(path: Path) -> Path:
    """`path` with its letters in Unicode's composed form (NFC), the form names are compared in: a
    Mac writes `ä` as `a` and a combining diaeresis (NFD), Linux and Windows as one letter, so a
    photo copied from a Mac and its mask written on Linux would name one item two ways."""
    text = str(path)
    return path if text.isascii() else Path(unicodedata.normalize("NFC", text))


def name_key(path: Path) -> str:
    """A file's name as names are compared: its stem, composed (`composed`) and lower case."""
    return stem(composed(path)).lower()


def words(name: str) -> list[str]:
    """The lower-case words of a name, split at anything but letters and digits."""
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
