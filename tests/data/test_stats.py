from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from seglab.data.checking import moments as moments_module
from seglab.data.checking import stats as stats_module
from seglab.data.layouts.discover import discover
from seglab.data.checking.stats import resolve_classes, scan
from seglab.errors import DataError


def test_scan_tiny_dataset(tiny_dataset):
    index = discover(tiny_dataset)
    stats = scan(index)
    assert stats.num_pairs == 12
    assert stats.image_sizes == {(32, 32): 12} and stats.channels == {3: 12} and stats.dtypes == {"uint8": 12}
    assert sum(stats.mask_values.values()) == 12 * 32 * 32
    assert set(stats.mask_values) <= {0, 1, 2, 3}
    assert len(stats.mean) == 3 and all(0 < m < 1 for m in stats.mean)
    assert stats.problems == []


def test_mean_std_match_numpy_and_grey_counts_for_every_channel(tmp_path):
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (4, 5), dtype=np.uint8)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(colour).save(tmp_path / "images" / "a.png")
    Image.fromarray(grey).save(tmp_path / "images" / "b.png")
    for name in ("a", "b"):
        Image.fromarray(np.zeros((4, 5), np.uint8)).save(tmp_path / "masks" / f"{name}.png")
    stats = scan(discover(tmp_path))
    pixels = np.concatenate([colour.reshape(-1, 3), np.repeat(grey.reshape(-1, 1), 3, axis=1)]) / 255
    np.testing.assert_allclose(stats.mean, pixels.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(stats.std, pixels.std(axis=0), atol=1e-9)
    assert stats.channels == {1: 1, 3: 1}


def test_scan_reports_problems_by_file(tiny_dataset):
    masks = tiny_dataset / "masks"
    Image.fromarray(np.zeros((16, 32), np.uint8)).save(masks / "0001.png")  # wrong size
    Image.fromarray(np.full((32, 32), 9, np.uint8)).save(masks / "0002.png")  # class 9 of 4
    (masks / "0003.png").write_bytes((masks / "0004.png").read_bytes()[:60])  # truncated
    stats = scan(discover(tiny_dataset))
    by_file = {p.path.name: p.message for p in stats.problems}
    assert "16x32" in by_file["0001.png"] and "0000.png" not in by_file
    assert "0001.png" in str(next(p.path for p in stats.problems if "16x32" in p.message))
    assert "outside the classes (0..3): 9" in by_file["0002.png"]
    assert "cannot be read" in by_file["0003.png"]
    assert stats.num_pairs == 12


def test_ignore_value_is_counted_not_reported(tiny_dataset):
    mask = np.zeros((32, 32), np.uint8)
    mask[:4] = 255
    Image.fromarray(mask).save(tiny_dataset / "masks" / "0000.png")
    stats = scan(discover(tiny_dataset, ignore_index=255))
    assert stats.mask_values[255] == 4 * 32 and stats.problems == []


def test_resolve_classes_infers_from_mask_values(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "images" / "a.png")
    mask = np.array([[0, 4, 255, 255]] * 4, np.uint8)
    Image.fromarray(mask).save(tmp_path / "masks" / "a.png")
    index = discover(tmp_path, ignore_index=255)
    spec = resolve_classes(index, scan(index))
    assert spec.names == tuple(f"class_{i}" for i in range(5)) and spec.ignore_index == 255


def test_resolve_classes_needs_some_class(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "images" / "a.png")
    Image.fromarray(np.full((4, 4), 7, np.uint8)).save(tmp_path / "masks" / "a.png")
    index = discover(tmp_path, ignore_index=7)
    with pytest.raises(DataError, match="cannot infer the classes"):
        resolve_classes(index, scan(index))


def test_the_refusals_label_map_maps_every_value_the_masks_hold(tmp_path):
    """The EL solar-cell benchmark's grey masks hold 11 values, its 'crack' 255 the last: the
    suggested --label-map mapped the first ten shown, so 255 fell out of the classes."""
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(np.zeros((4, 11, 3), np.uint8)).save(tmp_path / "images" / "a.png")
    grey = [32, 65, 73, 76, 80, 88, 105, 128, 173, 226, 255]
    Image.fromarray(np.array([grey] * 4, np.uint8)).save(tmp_path / "masks" / "a.png")
    index = discover(tmp_path)
    with pytest.raises(DataError, match=r"values: 32, 65, .*, 226 and 1 more\).*--label-map 32:0,.*,226:9,255:10$"):
        resolve_classes(index, scan(index))


def test_a_finite_float_image_is_not_searched_for_nan_pixels_again(tmp_path, monkeypatch):
    """The scan checks a float image is finite in one pass; it then counted its NaN pixels
    (no data) in another, which for a finite image are none, and its value range and moments
    searched it for NaN twice more."""
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(2):
        np.save(tmp_path / "images" / f"{i}.npy", np.random.default_rng(i).random((4, 5, 2), dtype=np.float32))
        Image.fromarray(np.eye(4, 5, dtype=np.uint8)).save(tmp_path / "masks" / f"{i}.png")
    index = discover(tmp_path)
    searched = []

    class CountingNumpy:
        """numpy, each image `np.isnan` and `np.isfinite` search counted by its shape."""

        def __getattr__(self, name):
            return getattr(np, name)

        def isnan(self, array):
            searched.append(("isnan", np.shape(array)))
            return np.isnan(array)

        def isfinite(self, array):
            searched.append(("isfinite", np.shape(array)))
            return np.isfinite(array)

    monkeypatch.setattr(stats_module, "np", CountingNumpy())
    monkeypatch.setattr(moments_module, "np", CountingNumpy())
    stats = scan(index)
    assert stats.num_pairs == 2 and stats.no_data_pixels == (0, 0) and stats.problems == []
    assert searched == [("isfinite", (4, 5, 2))] * 2  # once per image


def test_a_later_scan_decodes_only_files_that_changed(tiny_dataset, monkeypatch):
    """`seglab train` scans the training split for the plan, the audit and the normalisation:
    the files are decoded once, and a file written since is decoded again."""
    index = discover(tiny_dataset)
    scan(index)
    decoded = []
    real = stats_module.read_image
    monkeypatch.setattr(stats_module, "read_image", lambda path, *rest: decoded.append(path) or real(path, *rest))
    subset = scan(index, index.pairs[:5])
    assert decoded == []
    pixels = np.concatenate([np.asarray(Image.open(p.image)).reshape(-1, 3) for p in index.pairs[:5]]) / 255
    np.testing.assert_allclose(subset.mean, pixels.mean(axis=0), atol=1e-9)  # the subset's own moments
    assert subset.num_pairs == 5 and sum(subset.mask_values.values()) == 5 * 32 * 32

    first = index.pairs[0].image
    Image.fromarray(np.full((32, 32, 3), 255, np.uint8)).save(first)
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 10**9))
    rescanned = scan(index, index.pairs[:1])
    assert decoded == [(first,)] and rescanned.mean == (1.0, 1.0, 1.0)
