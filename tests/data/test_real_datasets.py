"""The shared real datasets are discovered and scanned with the right counts and classes.

Each test skips with a reason when its dataset folder is absent (see tests/conftest.py).
"""

from __future__ import annotations

from collections import Counter

from seglab.data.layouts.discover import discover
from seglab.data.classes.mapping import BinaryMapping, IdentityMapping
from seglab.data.splitting.splits import split_pairs
from seglab.data.checking.stats import resolve_classes, scan


def test_isbi2012(shared_data):
    index = discover(shared_data("isbi2012"))
    assert index.format == "folder-pairs"
    assert len(index.pairs) == 30 and len(index.unlabelled) == 30
    assert index.mapping == BinaryMapping()
    assert index.classes.names == ("membrane", "cell")
    stats = scan(index, index.pairs[:4])
    assert stats.image_sizes == {(512, 512): 4} and stats.channels == {1: 4}
    assert set(stats.mask_values) == {0, 1} and stats.problems == []


def test_camvid(shared_data):
    index = discover(shared_data("camvid"))
    assert Counter(p.split for p in index.pairs) == {"train": 367, "val": 101}
    assert index.mapping == IdentityMapping()
    classes = index.classes
    assert classes.num_classes == 11 and classes.ignore_index == 11
    assert classes.names[0] == "Sky" and classes.names[-1] == "Bicyclist"
    assert classes.colours[0] == (128, 128, 128)  # from palette11.png
    splits = split_pairs(index.pairs)
    assert len(splits["train"]) == 367 and len(splits["val"]) == 101 and splits["test"] == []
    stats = scan(index, index.pairs[::12])  # a sample keeps the test quick
    assert stats.image_sizes == {(360, 480): len(index.pairs[::12])}
    assert max(stats.mask_values) == 11 and stats.problems == []


def test_brain_mri(shared_data):
    index = discover(shared_data("brain-mri"))
    assert index.format == "npy-pairs" and len(index.pairs) == 143
    assert index.pairs[0].name == "mri_9" and index.pairs[1].name == "mri_10"  # natural order
    stats = scan(index)
    assert resolve_classes(index, stats).names == ("white matter", "gray matter", "background")
    assert stats.image_sizes == {(192, 224): 143} and stats.dtypes == {"float32": 143}
    assert set(stats.mask_values) == {0, 1, 2} and stats.problems == []
    blocks = split_pairs(index.pairs, mode="blocks")
    assert [len(blocks[k]) for k in ("train", "val", "test")] == [100, 29, 14]
