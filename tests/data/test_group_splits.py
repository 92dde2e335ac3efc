"""Group splits: all pairs of one group (e.g. one subject's slices) land in one split."""

from __future__ import annotations

from pathlib import Path

import pytest

from seglab.data.files.index import Pair
from seglab.data.splitting.splits import split_pairs
from seglab.errors import ConfigError

SUBJECT = r"^(\w+?)_"


def subjects(counts: dict[str, int]) -> list[Pair]:
    return [Pair(f"{name}_{i}", Path(f"{name}_{i}.png"), Path(f"m_{name}_{i}.png"))
            for name, count in counts.items() for i in range(count)]


def groups_of(pairs: list[Pair]) -> set[str]:
    return {pair.name.split("_")[0] for pair in pairs}


def test_no_group_is_on_two_sides_for_any_seed() -> None:
    pairs = subjects({f"sub{k:02d}": 3 + k % 4 for k in range(20)})
    for seed in range(10):
        split = split_pairs(pairs, (0.6, 0.2, 0.2), seed=seed, mode="groups", group_pattern=SUBJECT)
        train, val, test = (groups_of(split[name]) for name in ("train", "val", "test"))
        assert not (train & val or train & test or val & test)
        assert (len(train), len(val), len(test)) == (12, 4, 4)  # fractions are shares of groups
        assert sum(len(v) for v in split.values()) == len(pairs)
    assert split_pairs(pairs, seed=1, mode="groups", group_pattern=SUBJECT) == split_pairs(
        list(reversed(pairs)), seed=1, mode="groups", group_pattern=SUBJECT
    )


def test_whole_match_is_the_key_without_a_capture_group() -> None:
    pairs = subjects({"a": 4, "b": 4, "c": 4})
    split = split_pairs(pairs, (0.34, 0.33, 0.33), mode="groups", group_pattern=r"^[a-z]+")
    assert sorted(len(groups_of(v)) for v in split.values()) == [1, 1, 1]


@pytest.mark.parametrize(
    ("mode", "pattern", "message"),
    [
        ("groups", None, "needs data.group_pattern"),
        ("groups", r"^(x\d)_", "does not match"),
        ("groups", r"^(\w+", "not a valid regular expression"),
        ("random", SUBJECT, "only used by split mode 'groups'"),
    ],
)
def test_group_pattern_errors(mode: str, pattern: str | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        split_pairs(subjects({"sub1": 2, "sub2": 2}), mode=mode, group_pattern=pattern)


def test_keys_of_any_shape_work() -> None:
    # keys "", "1", "10": slices grouped by tens, as in docs/training.md
    pairs = [Pair(f"mri_{i}", Path(f"{i}.npy"), Path(f"s{i}.npy")) for i in range(5, 125)]
    split = split_pairs(pairs, mode="groups", group_pattern=r"^mri_(\d*)\d$")
    tens = [{int(p.name[4:]) // 10 for p in split[name]} for name in ("train", "val", "test")]
    assert sum(len(t) for t in tens) == 13 and not (tens[0] & tens[1] or tens[0] & tens[2] or tens[1] & tens[2])
