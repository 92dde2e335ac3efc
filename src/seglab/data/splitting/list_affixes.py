"""Split lists that name images less a prefix or suffix every image name carries: MARIDA's
`splits/train_X.txt` names `1-12-19_48MYU_0`, the patch `S2_1-12-19_48MYU_0.tif` (its own loaders
add the `S2_`). Read as the names they stand for only when one affix makes every entry of the
lists an image's name and no entry is one as it stands: the evidence that they were written so.
Else lists may name what the images were cut from, the start of their names: NuCLS'
`fold_1_train.csv` names slides (`TCGA-A1-A0SK-DX1`), its images the slide's crops
(`TCGA-A1-A0SK-DX1_id-5ea4..._left-10000_top-...`): each image takes its source's split.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

logger = logging.getLogger(__name__)

_MARKS = ("_", "-", ".", " ")  # after a source's name in its crops' names


def with_affix(split_of: dict[str, str], stems: Collection[str], where: str = "") -> dict[str, str]:
    """`split_of` (list entry -> split) with the image names its entries stand for added, when
    one prefix or suffix added to every entry gives a name among `stems` and no entry is one
    already; every such affix where each does, a sample's file each (WeedsGalore's `<sample>_R`,
    ..., `<sample>_RE`, a band each, for an entry `<sample>`); else `split_of` unchanged. The entries stay: a list of
    cases names their folders too (CAMUS' `patient0001`, its cases `patient0001_2CH_ED`, ...).
    `where` names the lists in the log; without it nothing is logged (asked whether the lists
    name a folder's images)."""
    names = set(stems)
    if not split_of or not names.isdisjoint(split_of):
        return split_of
    first = next(iter(split_of))
    affixes = sorted({("prefix", s[: len(s) - len(first)]) for s in names if s.endswith(first)}
                     | {("suffix", s[len(first):]) for s in names if s.startswith(first)})
    named: dict[str, str] = {}
    found = []
    for kind, affix in affixes:
        each = {(affix + entry if kind == "prefix" else entry + affix): split for entry, split in split_of.items()}
        if names.issuperset(each):
            named.update(each)
            found.append((kind, affix))
    if not found:
        return {**split_of, **_by_source(split_of, names, where)}
    if where:
        kinds = {kind for kind, _ in found}
        what = "affixes" if len(kinds) > 1 else f"{found[0][0]}es" if len(found) > 1 else found[0][0]
        logger.info("the split lists in %s name the images less the %s %s of their names: read with %s", where,
                    what, ", ".join(f"'{affix}'" for _, affix in found), "each" if len(found) > 1 else "it")
    return {**split_of, **named}


def _by_source(split_of: dict[str, str], names: set[str], where: str) -> dict[str, str]:
    """image name -> split of the entry its name starts with before a mark (`_`, `-`, `.`, space),
    the longest such, when every entry starts some image's name; else empty."""
    source_of: dict[str, str] = {}
    for name in names:  # name by name, not entry by name: lists of 20k slides beside 20k crops
        starts = [name[:i] for i, char in enumerate(name) if char in _MARKS and name[:i] in split_of]
        if starts:
            source_of[name] = starts[-1]  # the longest entry, the nearest source, wins
    if not source_of or not split_of.keys() <= {*source_of.values()}:
        return {}
    if where:
        name = min(source_of)
        logger.info("the split lists in %s name what the images were cut from, the start of their names ('%s' of "
                    "'%s'): each image takes its split", where, source_of[name], name)
    return {name: split_of[entry] for name, entry in source_of.items()}
