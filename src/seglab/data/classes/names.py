"""What a class name says: background (drawn faint), void (scored in no class), or nothing (`class_3`)."""

from __future__ import annotations

import re

_BACKGROUND_NAMES = ("background", "bg", "void", "clutter", "unlabeled", "unlabelled",
                     "clear label")  # ITK-SNAP's label 0


def is_background(name: str) -> bool:
    """Whether a class name says it is the background (drawn faint in overlays)."""
    return name.strip().lower() in _BACKGROUND_NAMES or name.strip().lower().startswith("background")


# what datasets call pixels scored in no class (MoNuSAC, RUGD, BCSS, AI4Mars, TIGER; HuBMAP HHV's
# 'unsure' vessels, which its annotators could not tell)
VOID_NAMES = re.compile(r"ambiguous|ignored?|exclude[d]?|void|unlabell?ed|unannotated|outside_roi|don'?t[ _]?care"
                        r"|null|no[ _]label|unsure|uncertain", re.IGNORECASE)


def is_void(name: str) -> bool:
    """Whether a class name says its pixels belong to no class (RELLIS-3D's 'void', BCSS's
    'outside_roi', MoNuSAC's 'Ambiguous', TIGER's 'unannotated', HuBMAP HHV's 'unsure'): they are
    the ignore label, not a class to learn."""
    return bool(VOID_NAMES.fullmatch(name.strip()))


def label_key(label: str) -> str:
    """A label as spellings of one compare: lower case, one space between words (`Out_of_ROI`,
    `out of roi`; TTPLA's `Cable` and `cable`)."""
    return " ".join(re.split(r"[\s_-]+", label.strip().lower()))


def generic_name(label: int) -> str:
    """The name of a class nothing names: `class_3` for label 3."""
    return f"class_{label}"
