"""Deterministic train/val/test splits of a dataset's pairs from a seed.

The same pairs, fractions and seed always give the same split, whatever order the pairs come
in, so a run folder's split can be rebuilt from its config alone.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from seglab.data.index import Pair, natural_key
from seglab.errors import ConfigError
from seglab.registry import Registry

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
# a mode orders the naturally sorted pairs into units that always go to the same split
SplitMode = Callable[[list[Pair], int, "re.Pattern[str] | None"], list[list[Pair]]]
SPLIT_MODES: Registry[SplitMode] = Registry("split mode")


@SPLIT_MODES.register("random")
def _random_order(pairs: list[Pair], seed: int, pattern: re.Pattern[str] | None) -> list[list[Pair]]:
    """Seeded shuffle of the naturally sorted pairs, one unit per pair."""
    order = np.random.default_rng(seed).permutation(len(pairs))
    return [[pairs[i]] for i in order]


@SPLIT_MODES.register("blocks")
def _block_order(pairs: list[Pair], seed: int, pattern: re.Pattern[str] | None) -> list[list[Pair]]:
    """Natural order: contiguous runs keep neighbouring slices or frames in the same split."""
    return [[pair] for pair in pairs]


@SPLIT_MODES.register("groups")
def _group_order(pairs: list[Pair], seed: int, pattern: re.Pattern[str] | None) -> list[list[Pair]]:
    """Pairs whose names give the same key (the pattern's first group, else its whole match)
    form one unit, e.g. all slices of one subject; the groups come in seeded random order."""
    if pattern is None:
        raise ConfigError(r"split mode 'groups' needs data.group_pattern (--group-pattern), e.g. '^(\w+?)_'")
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        match = pattern.search(pair.name)
        if match is None:
            raise ConfigError(f"name '{pair.name}' does not match the group pattern '{pattern.pattern}'")
        groups.setdefault(match.group(1) if pattern.groups else match.group(0), []).append(pair)
    keys = list(groups)  # in the natural order of their first names, so any input order gives the same split
    order = np.random.default_rng(seed).permutation(len(keys))
    logger.info("split by %d groups of names (pattern '%s')", len(keys), pattern.pattern)
    return [groups[keys[i]] for i in order]


def split_pairs(
    pairs: list[Pair],
    fractions: Sequence[float] = (0.7, 0.2, 0.1),
    seed: int = 0,
    mode: str = "random",
    group_pattern: str | None = None,
) -> dict[str, list[Pair]]:
    """Split pairs into "train", "val" and "test".

    Pairs that carry split labels from their layout (CamVid train/ and val/) keep them and
    `fractions` is not used. Otherwise every pair goes to exactly one split, and each split
    with a non-zero fraction gets at least one pair when there are enough pairs. In mode
    "groups", `fractions` are shares of the groups (as in scikit-learn's GroupShuffleSplit),
    and a group never straddles two splits.

    Args:
        pairs: labelled pairs.
        fractions: train, val, test shares; non-negative, summing to 1.
        seed: shuffling seed for mode "random".
        mode: "random" (seeded shuffle), "blocks" (contiguous runs of the sorted names, train
            first, so neighbouring MRI slices do not straddle splits) or "groups" (seeded
            shuffle of groups of names sharing a key, e.g. a subject id).
        group_pattern: regular expression whose first group (or whole match) is the group key
            of a name, searched anywhere in it; mode "groups" only. `^(\\w+?)_` groups
            "sub01_slice3" under "sub01".

    Returns:
        {"train": [...], "val": [...], "test": [...]}, each naturally sorted by name.

    Raises:
        ConfigError: bad fractions, unknown mode, some pairs labelled and some not, or a
            missing, invalid or unmatched group pattern.
    """
    fractions = _check_fractions(fractions)
    try:
        order = SPLIT_MODES.get(mode)
    except KeyError as err:
        raise ConfigError(err.args[0]) from None
    pattern = _compile_group_pattern(group_pattern, mode)
    ordered = sorted(pairs, key=lambda p: natural_key(p.name))

    labelled = [p for p in ordered if p.split is not None]
    if labelled:
        if len(labelled) != len(ordered):
            raise ConfigError(
                f"{len(labelled)} of {len(ordered)} pairs carry a split label from the dataset "
                "layout and the rest do not; give every image folder a split or none"
            )
        unknown = sorted({p.split for p in labelled} - set(SPLITS))  # type: ignore[type-var]
        if unknown:
            raise ConfigError(f"unknown split labels {unknown}; expected {', '.join(SPLITS)}")
        logger.info("using the dataset's own train/val/test folders; split fractions not used")
        return {name: [p for p in ordered if p.split == name] for name in SPLITS}

    units = order(ordered, seed, pattern)
    counts = _counts(len(units), fractions)
    result, start = {}, 0
    for name, count in zip(SPLITS, counts):
        chosen = [pair for unit in units[start : start + count] for pair in unit]
        result[name] = sorted(chosen, key=lambda p: natural_key(p.name))
        start += count
    return result


def _compile_group_pattern(group_pattern: str | None, mode: str) -> re.Pattern[str] | None:
    if group_pattern is None:
        return None
    if mode != "groups":
        raise ConfigError(f"data.group_pattern is only used by split mode 'groups', not '{mode}'")
    try:
        return re.compile(group_pattern)
    except re.error as err:
        raise ConfigError(f"group pattern '{group_pattern}' is not a valid regular expression: {err}") from None


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    expected = "split fractions must be three numbers (train, val, test)"
    try:
        values = tuple(float(f) for f in fractions)
    except (TypeError, ValueError):
        raise ConfigError(f"{expected}, got {fractions!r}") from None
    if len(values) != 3:
        raise ConfigError(f"{expected}, got {list(values)}")
    if any(not math.isfinite(f) or f < 0 for f in values):
        raise ConfigError(f"split fractions must be finite and >= 0, got {list(values)}")
    if values[0] == 0:
        raise ConfigError(f"the train fraction must be > 0, got {list(values)}")
    if not math.isclose(sum(values), 1.0, abs_tol=1e-6):
        raise ConfigError(f"split fractions must sum to 1, got {list(values)} (sum {sum(values):g})")
    return values  # type: ignore[return-value]


def _counts(n: int, fractions: tuple[float, float, float]) -> list[int]:
    """Largest-remainder counts, then one pair moved to each empty split with a non-zero share."""
    raw = [f * n for f in fractions]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(3), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    wanted = [i for i in range(3) if fractions[i] > 0]
    if n >= len(wanted):
        for i in wanted:
            if counts[i] == 0:
                donor = max(range(3), key=lambda j: (counts[j], -j))
                counts[donor] -= 1
                counts[i] += 1
    return counts
