from __future__ import annotations

import numpy as np
from PIL import Image

from seglab.data.inspect import format_report, inspect_dataset


def test_report_on_tiny_dataset(tiny_dataset):
    report = inspect_dataset(tiny_dataset)
    assert report.classes.num_classes == 4 and report.stats.num_pairs == 12
    text = format_report(report)
    for expected in ("Format:       synthetic", "Pairs:        12", "32x32 (12)", "uint8 (12)", "circle", "Problems:     0"):
        assert expected in text


def test_report_lists_problems_ignore_and_splits(tmp_path):
    for split, names in (("train", ["a", "b"]), ("val", ["c"])):
        (tmp_path / split).mkdir()
        (tmp_path / f"{split}annot").mkdir()
        for name in names:
            Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / split / f"{name}.png")
            Image.fromarray(np.array([[0, 1, 11, 11]] * 4, np.uint8)).save(tmp_path / f"{split}annot" / f"{name}.png")
    Image.fromarray(np.zeros((2, 4), np.uint8)).save(tmp_path / "trainannot" / "b.png")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "val" / "d.png")
    text = format_report(inspect_dataset(tmp_path))
    assert "Pairs:        3 (train 2, val 1)" in text
    assert "ignore (11)" in text and "Sky" in text
    assert "trainannot/b.png: mask is 2x4" in text
    assert "val/d.png: image has no mask" in text
    assert "Problems:     2" in text
