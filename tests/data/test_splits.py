from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seglab.data.files.index import Pair
from seglab.data.splitting.splits import split_pairs
from seglab.errors import ConfigError


def make_pairs(n: int, split: str | None = None) -> list[Pair]:
    return [Pair(f"slice_{i}", Path(f"i{i}.png"), Path(f"m{i}.png"), split) for i in range(n)]


def names(pairs):
    return [p.name for p in pairs]


def test_random_split_is_deterministic_and_covers_every_pair():
    pairs = make_pairs(50)
    first = split_pairs(pairs, seed=3)
    assert first == split_pairs(list(reversed(pairs)), seed=3)  # input order does not matter
    assert first != split_pairs(pairs, seed=4)
    assert [len(first[k]) for k in ("train", "val", "test")] == [35, 10, 5]
    together = sorted(names(first["train"] + first["val"] + first["test"]))
    assert together == sorted(names(pairs))


def test_blocks_are_contiguous_runs_in_natural_order():
    pairs = make_pairs(20)
    split = split_pairs(pairs, fractions=(0.5, 0.25, 0.25), mode="blocks")
    assert names(split["train"]) == [f"slice_{i}" for i in range(10)]  # slice_2 before slice_10
    assert names(split["val"]) == [f"slice_{i}" for i in range(10, 15)]
    assert names(split["test"]) == [f"slice_{i}" for i in range(15, 20)]


@pytest.mark.parametrize("n", [3, 4, 7])
def test_each_nonzero_fraction_gets_a_pair(n):
    split = split_pairs(make_pairs(n), fractions=(0.9, 0.05, 0.05))
    assert all(len(split[k]) >= 1 for k in ("train", "val", "test"))
    assert sum(len(v) for v in split.values()) == n


def test_zero_fraction_gets_nothing():
    split = split_pairs(make_pairs(10), fractions=(0.8, 0.2, 0.0))
    assert split["test"] == [] and len(split["val"]) == 2


def test_too_few_pairs_still_all_assigned():
    split = split_pairs(make_pairs(2))
    assert sum(len(v) for v in split.values()) == 2 and len(split["train"]) >= 1


def test_layout_split_labels_are_used():
    pairs = make_pairs(3, "train") + [Pair("v", Path("v.png"), Path("vm.png"), "val")]
    split = split_pairs(pairs, fractions=(0.5, 0.5, 0.0), seed=9)
    assert len(split["train"]) == 3 and names(split["val"]) == ["v"] and split["test"] == []


def test_a_layout_naming_a_train_split_only_has_val_and_test_drawn(caplog):
    """ACDC's database/training/ alone labelled every case train: val was drawn from it and the
    test split held nothing, so the run scored no test image."""
    caplog.set_level("INFO", logger="seglab")
    split = split_pairs(make_pairs(20, "train"), seed=0)
    assert [len(split[k]) for k in ("train", "val", "test")] == [14, 4, 2]
    assert "names a train split only: val and test are drawn from it" in caplog.text


def test_a_layout_split_without_train_pairs_draws_train_from_val_and_keeps_test(caplog):
    """DFC2020 ships labelled validation and test folders only: training stopped with 'the masks
    hold no class values (values: none)', the classes of an empty train split. WSSS4LUAD's
    `2.validation/` and `3.testing/`: its test images were drawn into training."""
    pairs = [*make_pairs(4, "val"), *(Pair(f"t{i}", Path(f"t{i}.png"), Path(f"tm{i}.png"), "test") for i in range(3))]
    caplog.set_level("INFO", logger="seglab")
    drawn = split_pairs(pairs, seed=0)
    assert [len(drawn[k]) for k in ("train", "val")] == [3, 1] and {p.name for p in drawn["test"]} == {"t0", "t1", "t2"}
    assert "has no train pairs (val 4, test 3): train and val are drawn from its val pairs" in caplog.text
    folded = split_pairs(pairs, folds=2, fold=0)
    assert len(folded["train"]) == len(folded["val"]) == 2 and len(folded["test"]) == 3
    with pytest.raises(ConfigError, match=r"no train pairs \(val 0, test 2\): --split-file"):
        split_pairs([Pair(f"t{i}", Path(f"t{i}.png"), Path(f"m{i}.png"), "test") for i in range(2)])


def test_mixed_split_labels_are_rejected():
    with pytest.raises(ConfigError, match="1 of 3 pairs carry a split label"):
        split_pairs(make_pairs(2) + make_pairs(1, "val"))


@pytest.mark.parametrize(
    "fractions, message",
    [
        ((0.7, 0.2), "three numbers"),
        ((0.7, 0.2, 0.2), "sum to 1"),
        ((1.2, -0.2, 0.0), ">= 0"),
        ((0.0, 0.5, 0.5), "train fraction"),
        (("a", 0, 0), "three numbers"),
        ((float("nan"), 0.5, 0.5), "finite"),
    ],
)
def test_bad_fractions(fractions, message):
    with pytest.raises(ConfigError, match=message):
        split_pairs(make_pairs(5), fractions=fractions)


def test_unknown_mode():
    with pytest.raises(ConfigError, match="unknown split mode 'block'.*blocks"):
        split_pairs(make_pairs(5), mode="block")


def test_a_split_without_validation_images_is_said(tiny_dataset: Path, tmp_path: Path, caplog) -> None:
    """DSB-like folders can pair one image: training then scored nothing and chose by training loss."""
    import json
    import logging

    from seglab import config
    from seglab.data.loading.prepare import prepare_data

    names = sorted(p.stem for p in (tiny_dataset / "images").iterdir())
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"train": names[:10], "val": [], "test": names[10:]}))
    with caplog.at_level(logging.WARNING, logger="seglab"):
        prepare_data(config.DataConfig(path=str(tiny_dataset), split_file=str(split)), seed=0)
    assert "no validation images (12 pairs in all)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="seglab"):
        prepare_data(config.DataConfig(path=str(tiny_dataset)), seed=0)
    assert "no validation images" not in caplog.text


def test_copies_of_an_image_stay_in_one_split_or_fold(tmp_path: Path) -> None:
    """A Google Drive export holds `leaf_03 (1).png` beside `leaf_03.png`, the same bytes: drawn
    apart, the audit stopped training on `duplicate-across-splits` for a split seglab drew itself.
    Copies are now one unit of every mode and fold; blank images (one value) are alike by chance
    and drawn alone, as the audit's duplicate check passes over them."""
    from PIL import Image

    rng = np.random.default_rng(0)
    pairs = []
    for i in range(24):
        image = tmp_path / f"leaf_{i:02d}.png"
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(image)
        pairs.append(Pair(image.stem, image, tmp_path / f"{image.stem}_mask.png"))
    for i in range(0, 24, 4):  # every fourth leaf twice more: `(1)` and `Copy of`
        for copy in (f"leaf_{i:02d} (1).png", f"Copy of leaf_{i:02d}.png"):
            (tmp_path / copy).write_bytes(pairs[i].image.read_bytes())
            pairs.append(Pair(copy[:-4], tmp_path / copy, tmp_path / "m.png"))
    blanks = [tmp_path / f"blank_{i}.png" for i in range(6)]
    for blank in blanks:
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(blank)
    pairs += [Pair(blank.stem, blank, tmp_path / "m.png") for blank in blanks]
    for mode, folds in (("random", None), ("blocks", None), ("random", 3)):
        for seed in range(4):
            split = split_pairs(pairs, seed=seed, mode=mode, folds=folds, fold=seed % 3 if folds else 0)
            where = {pair.name: name for name, listed in split.items() for pair in listed}
            for i in range(0, 24, 4):
                assert where[f"leaf_{i:02d} (1)"] == where[f"Copy of leaf_{i:02d}"] == where[f"leaf_{i:02d}"], \
                    (mode, folds, seed, i)
    assert len({name for name, listed in split_pairs(pairs, seed=0).items()
                for pair in listed if pair.name.startswith("blank")}) > 1


def test_slices_alike_in_their_first_bytes_are_not_read_whole_to_find_copies(tmp_path: Path, monkeypatch) -> None:
    """seglab's cached .npy slices of a volume are of one size and begin alike (one header, then
    background): every split read each slice whole to find copies among them. Blocks at each file's
    start, middle and end tell them apart; only a copy is read whole."""
    from seglab.data.files import byte_copies

    pairs = []
    for i in range(6):
        slice_ = np.zeros((128, 256), np.float32)  # 128 KiB: the first 64 KiB background in every slice
        slice_[64, :] = i + 1
        np.save(tmp_path / f"slice_{i}.npy", slice_)
        pairs.append(Pair(f"slice_{i}", tmp_path / f"slice_{i}.npy", tmp_path / "m.png"))
    (tmp_path / "copy.npy").write_bytes(pairs[0].image.read_bytes())
    pairs.append(Pair("copy", tmp_path / "copy.npy", tmp_path / "m.png"))
    whole, read_whole = byte_copies._whole, []
    monkeypatch.setattr(byte_copies, "_whole", lambda path: read_whole.append(path.name) or whole(path))
    where = {pair.name: name for name, listed in split_pairs(pairs, seed=0).items() for pair in listed}
    assert sorted(read_whole) == ["copy.npy", "slice_0.npy"]
    assert where["copy"] == where["slice_0"]
