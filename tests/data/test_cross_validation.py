"""K-fold cross-validation splits: every pair validates exactly once, units never straddle."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from seglab.data.files.index import Pair
from seglab.data.splitting.splits import split_pairs
from seglab.errors import ConfigError

SUBJECT = r"^(\w+?)_"


def slices(n: int, split: str | None = None) -> list[Pair]:
    return [Pair(f"slice_{i}", Path(f"i{i}.png"), Path(f"m{i}.png"), split) for i in range(n)]


def subjects(counts: dict[str, int]) -> list[Pair]:
    return [Pair(f"{name}_{i}", Path(f"{name}_{i}.png"), Path(f"m_{name}_{i}.png"))
            for name, count in counts.items() for i in range(count)]


def names(pairs: list[Pair]) -> list[str]:
    return [pair.name for pair in pairs]


def all_folds(pairs: list[Pair], folds: int, **options) -> list[dict[str, list[Pair]]]:
    return [split_pairs(pairs, folds=folds, fold=k, **options) for k in range(folds)]


CASES = [
    ("random", None, slices(23)),
    ("blocks", None, slices(23)),
    ("groups", SUBJECT, subjects({f"sub{k}": 1 + k % 3 for k in range(11)})),
]


@pytest.mark.parametrize("folds", [2, 3, 5])
@pytest.mark.parametrize(("mode", "pattern", "pairs"), CASES, ids=[c[0] for c in CASES])
def test_folds_partition_the_pairs_and_each_pair_validates_once(mode, pattern, pairs, folds) -> None:
    splits = all_folds(pairs, folds, mode=mode, group_pattern=pattern, seed=4)
    everything = sorted(names(pairs))
    for split in splits:
        assert split["test"] == []
        assert not set(names(split["train"])) & set(names(split["val"]))
        assert sorted(names(split["train"] + split["val"])) == everything
    times_in_val = Counter(name for split in splits for name in names(split["val"]))
    assert sorted(times_in_val) == everything and set(times_in_val.values()) == {1}


def test_random_folds_are_seeded_balanced_and_ignore_input_order() -> None:
    pairs = slices(23)
    splits = all_folds(pairs, 5, seed=1)
    assert [len(s["val"]) for s in splits] == [5, 5, 5, 4, 4]  # the first 23 % 5 folds get one more
    assert splits == all_folds(list(reversed(pairs)), 5, seed=1)
    assert splits != all_folds(pairs, 5, seed=2)
    assert names(splits[0]["val"]) != [f"slice_{i}" for i in range(5)]  # shuffled, not blocks


def test_block_folds_are_contiguous_runs_in_natural_order() -> None:
    splits = all_folds(slices(23), 5, mode="blocks")
    starts = [0, 5, 10, 15, 19]
    for split, start, stop in zip(splits, starts, [*starts[1:], 23]):
        assert names(split["val"]) == [f"slice_{i}" for i in range(start, stop)]  # slice_2 before slice_10


def test_group_folds_never_split_a_group() -> None:
    pairs = subjects({f"sub{k}": 2 + k % 4 for k in range(12)})
    for seed in range(5):
        splits = all_folds(pairs, 4, mode="groups", group_pattern=SUBJECT, seed=seed)
        val_groups = [{name.split("_")[0] for name in names(s["val"])} for s in splits]
        for split, groups in zip(splits, val_groups):
            assert not groups & {name.split("_")[0] for name in names(split["train"])}
            assert len(groups) == 3  # folds count groups, not pairs
        assert set().union(*val_groups) == {f"sub{k}" for k in range(12)}


def test_layout_test_folder_stays_test_and_the_rest_is_folded() -> None:
    pairs = slices(6, "train") + [Pair(f"v{i}", Path(f"v{i}"), Path(f"mv{i}"), "val") for i in range(3)]
    pairs.append(Pair("t0", Path("t0"), Path("mt0"), "test"))
    splits = all_folds(pairs, 3)
    assert all(names(s["test"]) == ["t0"] for s in splits)
    folded = sorted(name for s in splits for name in names(s["val"]))
    assert folded == sorted(names(pairs[:-1]))


@pytest.mark.parametrize(
    ("folds", "fold", "message"),
    [
        (1, 0, "at least 2"),
        (5, 5, "between 0 and 4 for 5 folds, got 5"),
        (5, -1, "between 0 and 4 for 5 folds, got -1"),
        (None, 2, "data.fold=2 needs data.folds"),
        (8, 0, "8 folds need at least 8 pairs, but there are only 7"),
    ],
)
def test_bad_fold_numbers(folds, fold, message) -> None:
    with pytest.raises(ConfigError, match=message):
        split_pairs(slices(7), folds=folds, fold=fold)


def test_too_many_folds_counts_groups() -> None:
    with pytest.raises(ConfigError, match="4 folds need at least 4 groups, but there are only 3"):
        split_pairs(subjects({"a": 5, "b": 5, "c": 5}), mode="groups", group_pattern=SUBJECT, folds=4)
