"""Class names a .mat mask carries beside its array: SIFT Flow's `SemanticLabels/*.mat` hold `S`
(0 unlabelled, 1 to 33) and `names`, a cell of its 33 class names. A list of as many names as
the highest value names values 1 to N (0 is then unlabelled: scored in no class); one name more
names values 0 to N. Any other count says nothing, and the values stay unnamed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import IdentityMapping, MaskMapping, OffsetMapping
from seglab.data.files.mat_files import MAT_SUFFIX, is_hdf5_mat, mat_text
from seglab.data.files.read_errors import Unusable

logger = logging.getLogger(__name__)

UNLABELLED = -1  # the label value 0 becomes under the offset: no class uses it


def mat_names_reading(masks: Iterable[Path], values: Iterable[int]) -> tuple[ClassSpec, MaskMapping] | None:
    """The classes a .mat mask's list of names gives (read from the first mask) and the mapping
    that numbers them: value v is class v - 1 with 0 the ignore label -1 when the names are as
    many as the highest value, value v class v when one more; None otherwise."""
    first = next((m for m in masks if m.suffix.lower() == MAT_SUFFIX), None)
    seen = [v for v in values if v >= 0]
    if first is None or not seen or is_hdf5_mat(first):
        return None
    try:
        texts = mat_text(first)
    except Unusable:
        return None
    highest = max(seen)
    for variable, names in texts.items():
        if len(names) < 2 or len(set(names)) < len(names) or not all(names):
            continue
        if len(names) == highest:
            logger.info("class names from '%s' (%s: %d names for values 1 to %d); 0 is unlabelled, scored in no "
                        "class", first, variable, len(names), highest)
            return ClassSpec(tuple(names), ignore_index=UNLABELLED), OffsetMapping(1)
        if len(names) == highest + 1:
            logger.info("class names from '%s' (%s: %d names for values 0 to %d)", first, variable, len(names), highest)
            return ClassSpec(tuple(names)), IdentityMapping()
    return None
