"""Split lists that name images less a prefix or suffix every image name carries: MARIDA's
`splits/train_X.txt` names `1-12-19_48MYU_0`, the patch `S2_1-12-19_48MYU_0.tif` (its own loaders
add the `S2_`). Read as the names they stand for only when one affix makes every entry of the
lists an image's name and no entry is one as it stands: the evidence that they were written so.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

logger = logging.getLogger(__name__)


def with_affix(split_of: dict[str, str], stems: Collection[str], where: str) -> dict[str, str]:
    """`split_of` (list entry -> split) with the image names its entries stand for added, when
    one prefix or suffix added to every entry gives a name among `stems` and no entry is one
    already; else `split_of` unchanged. The entries stay: a list of cases names their folders
    too (CAMUS' `patient0001`, its cases `patient0001_2CH_ED`, ...). `where` names the lists in
    the log."""
    names = set(stems)
    if not split_of or not names.isdisjoint(split_of):
        return split_of
    first = next(iter(split_of))
    affixes = sorted({("prefix", s[: len(s) - len(first)]) for s in names if s.endswith(first)}
                     | {("suffix", s[len(first):]) for s in names if s.startswith(first)})
    for kind, affix in affixes:
        named = {(affix + entry if kind == "prefix" else entry + affix): split for entry, split in split_of.items()}
        if names.issuperset(named):
            logger.info("the split lists in %s name the images less the %s '%s' of their names: read with it",
                        where, kind, affix)
            return {**split_of, **named}
    return split_of
