"""When a subject rule is believed: how many of the names must give a subject, in how many
subjects, none holding a whole split. Every rule reads names its own way and is judged by these
alike, so a loose reading that finds classes or splits instead of subjects says nothing."""

from __future__ import annotations

import os
from collections import Counter

SHARE = 0.9  # of the names that must say their subject
MIN_FOLDERS = 5  # subjects by folder or number; fewer are more likely classes (BUSI's benign/, malignant/)
MIN_CASES = 3  # case folders named with a number: a train, a validation and a test subject
MOST_IN_ONE = 1 / 3  # of the pairs in one folder of repeated names: more is a whole split (MVTec's good/)


def says_subjects(subjects: dict[str, str], pairs: int) -> bool:
    """Nearly every name gives a subject, and some subject has several names."""
    counts = Counter(subjects.values())
    return len(subjects) >= SHARE * pairs and len(counts) >= 2 and max(counts.values()) >= 2


def in_enough_folders(subjects: dict[str, str], pairs: int) -> bool:
    """Whether folder subjects are several folders, none holding a whole split (more than
    `MOST_IN_ONE` of the pairs): from `MIN_CASES` folders whose names hold a number, from
    `MIN_FOLDERS` named by words (fewer are more likely classes)."""
    counts = Counter(subjects.values())
    numbered = all(any(c.isdigit() for c in os.path.basename(folder)) for folder in counts)
    fewest = MIN_CASES if numbered else MIN_FOLDERS
    return len(counts) >= fewest and max(counts.values(), default=0) <= MOST_IN_ONE * pairs \
        and says_subjects(subjects, pairs)


def most_have_several(subjects: dict[str, str]) -> bool:
    """Whether at least half the subjects have several names."""
    counts = Counter(subjects.values())
    return sum(n >= 2 for n in counts.values()) >= len(counts) / 2
