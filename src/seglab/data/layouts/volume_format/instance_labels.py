"""Label volumes that number objects, not classes: RibFrac's fractures, 1..n in each case.

Read as classes, each case's first fracture is class 1 and its fifth class 5, whatever they are;
the `instance-ids` warning routes such labels to `--instance-masks` (background and one object
class), as for 2-D masks (`seglab.data.encodings.numbered_objects`). A volume needs more evidence than a
2-D mask, as a multi-organ case holds its organs 1..n too, each one region in 3-D (BTCV's 13):
values 1..n in most labelled cases, n taking `VARYING_COUNTS` values or more and none of them in
most cases (BTCV's cases hold all 13 organs but a few), and each value one connected region in
the cases read again to look.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.encodings.coloured_objects import NUMBERED, ONE_REGION, VARYING_COUNTS
from seglab.data.encodings.mask_sample import evenly, one_region_count
from seglab.data.files.index import Problem

REGION_CASES = 5  # label volumes read again from their slices to count their values' regions


@dataclass(frozen=True)
class LabelledCase:
    """A cut case: its label volume, the label values other than 0 it holds, its label slice files."""

    label: Path
    values: tuple[int, ...]
    slices: tuple[Path, ...]


def instance_problem(cases: list[LabelledCase]) -> Problem | None:
    """The `instance-ids` warning when the label volumes number objects (the module docstring),
    naming the volume of the most; None otherwise."""
    counted = [case for case in cases if case.values]
    numbered = [case for case in counted if case.values == tuple(range(1, len(case.values) + 1))]
    counts = Counter(len(case.values) for case in numbered)
    if not counted or len(numbered) < NUMBERED * len(counted) or len(counts) < VARYING_COUNTS \
            or 2 * counts.most_common(1)[0][1] > len(numbered):
        return None
    looked = evenly(numbered, REGION_CASES)
    single = sum(one_region_count(np.stack([np.load(path) for path in case.slices])) for case in looked)
    if single < ONE_REGION * sum(len(case.values) for case in looked):
        return None
    most = max(numbered, key=lambda case: len(case.values))
    message = (f"label values look like object numbers, not classes: 1..n in {len(numbered)} of {len(counted)} "
               f"labelled volumes, n from {min(counts)} to {max(counts)}, each value one region; if each value is one "
               "object (an instance mask: RibFrac numbers its fractures so), --instance-masks reads every object as "
               "one foreground class")
    return Problem(most.label, message, "instance-ids")
