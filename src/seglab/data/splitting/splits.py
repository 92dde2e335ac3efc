"""Deterministic train/val/test splits of a dataset's pairs: drawn from a seed, folded for
cross-validation, or read from a split file.

The same pairs, fractions and seed always give the same split, whatever order the pairs come
in, so a run folder's split can be rebuilt from its config alone.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_text
from seglab.data.files.byte_copies import byte_copies
from seglab.data.files.index import Pair, natural_key
from seglab.errors import ConfigError
from seglab.registry import Registry

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
RUN_SPLITS_KEYS = ("root", "format")  # written beside the names in a run folder's splits.json
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
    form one unit, e.g. all slices of one subject; the groups come in seeded random order.
    Without a pattern, the groups the layout gave the pairs (volumes, a manifest's column)."""
    if pattern is None and not _has_groups(pairs):
        raise ConfigError(r"split mode 'groups' needs data.group_pattern (--group-pattern), e.g. '^(\w+?)_'")
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        if pattern is None:
            groups.setdefault(str(pair.group), []).append(pair)
            continue
        match = pattern.search(pair.name)
        if match is None:
            raise ConfigError(f"name '{pair.name}' does not match the group pattern '{pattern.pattern}'")
        groups.setdefault(match.group(1) if pattern.groups else match.group(0), []).append(pair)
    keys = list(groups)  # in the natural order of their first names, so any input order gives the same split
    order = np.random.default_rng(seed).permutation(len(keys))
    source = f"pattern '{pattern.pattern}'" if pattern is not None else "the dataset's own groups"
    logger.info("split by %d groups of names (%s)", len(keys), source)
    return [groups[keys[i]] for i in order]


def _has_groups(pairs: list[Pair]) -> bool:
    return bool(pairs) and all(p.group is not None for p in pairs)


def split_pairs(
    pairs: list[Pair],
    fractions: Sequence[float] = (0.7, 0.2, 0.1),
    seed: int = 0,
    mode: str = "random",
    group_pattern: str | None = None,
    folds: int | None = None,
    fold: int = 0,
) -> dict[str, list[Pair]]:
    """Split pairs into "train", "val" and "test".

    Pairs that carry split labels from their layout (CamVid train/ and val/, VOC's split lists)
    keep them: with a val split `fractions` and `mode` are not used (a mode other than random
    is warned about), a layout with train and test only keeps its test split and draws val
    from train by the train and val shares, and one with val and test only (WSSS4LUAD's
    `2.validation/` and `3.testing/`) keeps its test split and draws train and val from its val
    pairs: an official test image is never trained on. Otherwise every pair goes to exactly one split, and each split
    with a non-zero fraction gets at least one pair when there are enough pairs. Pairs that
    all carry a `group` (volume slices, a manifest's group column) are split as in mode
    "groups" when the mode is "random" and no pattern is given. In mode
    "groups", `fractions` are shares of the groups (as in scikit-learn's GroupShuffleSplit),
    and a group never straddles two splits.

    With `folds`, the units of the mode (pairs in seeded order, contiguous pairs, or whole
    groups) are cut into `folds` runs of nearly equal length, as scikit-learn's KFold does:
    run `fold` is "val", the others "train", and "test" stays empty (`fractions` not used). On
    a layout with its own splits, its train and val pairs are folded together and its test
    pairs stay the test split.

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
        folds: number of cross-validation folds (at least 2), or None for a plain split.
        fold: the fold that is "val", 0 <= fold < folds.

    Returns:
        {"train": [...], "val": [...], "test": [...]}, each naturally sorted by name.

    Raises:
        ConfigError: bad fractions, unknown mode, some pairs labelled and some not, a
            missing, invalid or unmatched group pattern, or fold numbers out of range.
    """
    fractions = _check_fractions(fractions)
    _check_fold_numbers(folds, fold)
    asked = mode
    if mode == "random" and group_pattern is None and _has_groups(pairs):
        mode = "groups"  # slices of one volume (or one manifest group) must never straddle splits
    order = SPLIT_MODES.get(mode)
    pattern = _compile_group_pattern(group_pattern, mode)
    ordered = _by_name(pairs)

    labelled = [p for p in ordered if p.split is not None]
    if labelled and len(labelled) == len(ordered) and {p.split for p in labelled} == {"train"}:
        logger.info("the dataset's layout names a train split only: val and test are drawn from it")
        labelled = []  # ACDC's database/training/ alone: a test split of none would score nothing
    if labelled:
        if len(labelled) != len(ordered):
            raise ConfigError(
                f"{len(labelled)} of {len(ordered)} pairs carry a split label from the dataset "
                "layout and the rest do not; give every image folder a split or none"
            )
        unknown = sorted({p.split for p in labelled} - set(SPLITS))  # type: ignore[type-var]
        if unknown:
            raise ConfigError(f"unknown split labels {unknown}; expected {', '.join(SPLITS)}")
        if folds is None and not any(p.split == "train" for p in labelled):
            counts = ", ".join(f"{name} {sum(p.split == name for p in labelled)}" for name in SPLITS[1:])
            if not any(p.split == "val" for p in labelled):
                raise ConfigError(f"the dataset's own split (folders or lists) has no train pairs ({counts}): "
                                  "--split-file FILE names a split")
            logger.info("the dataset's own split has no train pairs (%s): train and val are drawn from its val "
                        "pairs and its test pairs stay the test split (--folds K folds its val pairs instead)", counts)
            ordered = [replace(p, split="train") if p.split == "val" else p for p in ordered]  # WSSS4LUAD's
            labelled = ordered
        if folds is None and any(p.split == "val" for p in labelled):
            if asked != "random":
                logger.warning("split mode '%s' not used: the dataset's own train/val/test split is; --folds K or "
                               "--split-file FILE choose another", asked)
            logger.info("using the dataset's own train/val/test split (folders or lists); split fractions not used")
            return {name: [p for p in ordered if p.split == name] for name in SPLITS}
        if folds is not None:
            logger.info("folding the dataset's own train and val splits together; its test split stays the test split")
        else:
            logger.info("the dataset's own test split is the test split; val is drawn from its train split")
            fractions = _without_test(fractions)

    held_out = [p for p in ordered if p.split == "test"]
    units = _copies_together(order([p for p in ordered if p.split != "test"], seed, pattern))
    if folds is not None:
        train, val = _fold(units, folds, fold, "groups" if mode == "groups" else "pairs")
        return {"train": _flatten(train), "val": _flatten(val), "test": held_out}

    counts = _counts(len(units), fractions)
    result, start = {}, 0
    for name, count in zip(SPLITS, counts):
        result[name] = _flatten(units[start : start + count])
        start += count
    result["test"] += held_out
    return result


def _copies_together(units: list[list[Pair]]) -> list[list[Pair]]:
    """The units with each holding a copy of an earlier one's image (the same bytes: Drive's
    `leaf_03 (1).png`) joined to that one, so a drawn split or fold keeps copies in one split: in
    two, the audit stops training (`duplicate-across-splits`), and the scores would count memory."""
    unit_of = {pair.image: number for number, unit in enumerate(units) for pair in unit}
    joined = list(range(len(units)))  # each unit's first unit holding a copy of its images

    def first(number: int) -> int:
        while joined[number] != number:
            number = joined[number]
        return number

    copies = byte_copies(unit_of)
    for same in copies:
        numbers = sorted({first(unit_of[path]) for path in same})
        for number in numbers[1:]:
            joined[number] = numbers[0]
    together: dict[int, list[Pair]] = {}
    for number, unit in enumerate(units):
        together.setdefault(first(number), []).extend(unit)
    if len(together) < len(units):
        logger.info("%d images hold the same bytes as another (copies): each is kept in one split with its "
                    "copies", sum(len(same) for same in copies))
    return list(together.values())


def _without_test(fractions: tuple[float, float, float]) -> tuple[float, float, float]:
    """Train and val shares rescaled to fill the whole (a layout's test folder is the test split)."""
    train, val, _ = fractions
    return (train / (train + val), val / (train + val), 0.0) if train + val > 0 else (1.0, 0.0, 0.0)


def split_from_file(pairs: list[Pair], path: str | Path) -> dict[str, list[Pair]]:
    """Split pairs as a JSON file names them, so a split can be fixed by hand or reused.

    The file holds `{"train": [names], "val": [names], "test": [names]}` ("val" and "test" may
    be left out), the pair names seglab's index gives; a run folder's splits.json, which
    also records "root" and "format", is read as is. Layout split folders are overridden. A
    pair named in no split is left out of training and evaluation, with a warning, so that a
    split written by a run with --skip-bad can be reused.

    Returns:
        {"train": [...], "val": [...], "test": [...]}, each naturally sorted by name.

    Raises:
        ConfigError: an unreadable or malformed file, an empty train split, names not in the
            dataset, or names listed more than once (each is named).
    """
    names = read_split_file(Path(path))
    by_name = {pair.name: pair for pair in pairs}
    where: dict[str, list[str]] = {}
    for split in SPLITS:
        for name in names[split]:
            where.setdefault(name, []).append(split)
    repeated = [f"'{name}' ({', '.join(splits)})" for name, splits in where.items() if len(splits) > 1]
    if repeated:
        raise ConfigError(f"split file '{path}' lists {len(repeated)} pair(s) more than once: "
                          f"{_listing(repeated)}; each pair belongs to one split")
    unknown = [f"'{name}'" for name in where if name not in by_name]
    if unknown:
        raise ConfigError(f"split file '{path}' names {len(unknown)} pair(s) not in the dataset: {_listing(unknown)}; "
                          f"its {len(by_name)} pairs are named like '{next(iter(by_name), '')}' "
                          "(`seglab inspect`, or a run's splits.json)")
    if not names["train"]:
        raise ConfigError(f"split file '{path}' puts no pair in 'train'")
    left_out = [f"'{pair.name}'" for pair in _by_name(pairs) if pair.name not in where]
    if left_out:
        logger.warning("split file '%s' leaves %d of %d pairs out of every split, so they are not used: %s",
                       path, len(left_out), len(pairs), _listing(left_out))
    return {split: _by_name(by_name[name] for name in names[split]) for split in SPLITS}


def read_split_file(path: Path, other_sets: bool = False) -> dict[str, list[str]]:
    """The names of each split in a JSON split file (`split_from_file`); a dataset's own
    `split.json` in that form is read as its official split (`split_lists`), where `other_sets`
    keeps the further sets of names it may list beside train, val or test (ToothFairy's
    `synthetic` patients), under their keys.

    Raises:
        ConfigError: an unreadable file or one of another form, naming it.
    """
    expected = '{"train": [names], "val": [names], "test": [names]}'
    try:
        values = json_value(regular_text(path))
    except FileNotFoundError:
        raise ConfigError(f"split file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"split file '{path}' cannot be read: {err}") from None
    except (ValueError, RecursionError) as err:  # ValueError: JSONDecodeError, or a number past int()'s 4,300 digits
        raise ConfigError(f"split file '{path}' is not valid JSON ({err!r}); expected {expected}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"split file '{path}' must hold a JSON object {expected}")
    unknown = sorted(set(values) - set(SPLITS) - set(RUN_SPLITS_KEYS))
    if unknown and not (other_sets and set(values) & set(SPLITS)):
        raise ConfigError(f"split file '{path}' has unknown keys {unknown}; expected {', '.join(SPLITS)}")
    names = {split: values.get(split, []) for split in (*SPLITS, *unknown)}
    for split, listed in names.items():
        if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
            raise ConfigError(f"split file '{path}': '{split}' must be a list of pair names, got {listed!r:.80}")
    return names


def _listing(items: list[str], limit: int = 10) -> str:
    """The first `limit` items, then how many more: error messages name without flooding."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def _fold(units: list[list[Pair]], folds: int, fold: int, kind: str) -> tuple[list[list[Pair]], list[list[Pair]]]:
    """Cut the ordered units into `folds` contiguous runs; run `fold` validates, the rest train."""
    if folds > len(units):
        raise ConfigError(f"{folds} folds need at least {folds} {kind}, but there are only {len(units)}; "
                          "choose fewer data.folds")
    size, extra = divmod(len(units), folds)  # the first `extra` folds get one unit more
    start = fold * size + min(fold, extra)
    stop = start + size + (1 if fold < extra else 0)
    logger.info("cross-validation fold %d of %d: %d of %d %s for validation", fold, folds, stop - start,
                len(units), kind)
    return units[:start] + units[stop:], units[start:stop]


def _flatten(units: list[list[Pair]]) -> list[Pair]:
    return _by_name(pair for unit in units for pair in unit)


def _by_name(pairs: Iterable[Pair]) -> list[Pair]:
    """Pairs in the natural order of their names, the order every split is returned in."""
    return sorted(pairs, key=lambda p: natural_key(p.name))


def _check_fold_numbers(folds: int | None, fold: int) -> None:
    if folds is None:
        if fold != 0:
            raise ConfigError(f"data.fold={fold} needs data.folds (--folds K) for cross-validation")
        return
    if folds < 2:
        raise ConfigError(f"data.folds must be at least 2 for cross-validation, got {folds} (null for no folds)")
    if not 0 <= fold < folds:
        raise ConfigError(f"data.fold must be between 0 and {folds - 1} for {folds} folds, got {fold}")


def _compile_group_pattern(group_pattern: str | None, mode: str) -> re.Pattern[str] | None:
    if group_pattern is None:
        return None
    if mode != "groups":
        raise ConfigError(f"data.group_pattern is only used by split mode 'groups', not '{mode}'")
    try:
        return re.compile(group_pattern)
    except (re.error, OverflowError, RecursionError) as err:  # a{99999999999}; thousands of nested groups
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
