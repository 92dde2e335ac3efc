from __future__ import annotations

import json

import numpy as np
import pytest

from seglab.data.layouts.synthetic import generate_synthetic, make_sample
from seglab.errors import DataError


def folder_bytes(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    a = generate_synthetic(tmp_path / "a", num_samples=6, size=(24, 24), seed=1)
    b = generate_synthetic(tmp_path / "b", num_samples=6, size=(24, 24), seed=1)
    c = generate_synthetic(tmp_path / "c", num_samples=6, size=(24, 24), seed=2)
    assert folder_bytes(a) == folder_bytes(b)
    assert folder_bytes(a)["images/0000.png"] != folder_bytes(c)["images/0000.png"]


def test_layout_and_manifest(tiny_dataset):
    assert sorted(p.name for p in (tiny_dataset / "images").iterdir())[:2] == ["0000.png", "0001.png"]
    assert len(list((tiny_dataset / "masks").iterdir())) == 12
    classes = json.loads((tiny_dataset / "classes.json").read_text())
    assert classes["names"] == ["background", "circle", "square", "triangle"]
    manifest = json.loads((tiny_dataset / "synthetic.json").read_text())
    assert manifest["num_samples"] == 12 and manifest["size"] == [32, 32] and manifest["seed"] == 0


def test_make_sample_shapes_and_variety():
    rng = np.random.default_rng(0)
    samples = [make_sample(rng, (40, 50), 6) for _ in range(30)]
    image, mask = samples[0]
    assert image.shape == (40, 50, 3) and image.dtype == np.uint8
    assert mask.shape == (40, 50) and mask.dtype == np.uint8
    assert set(np.unique(np.stack([m for _, m in samples])).tolist()) == set(range(6))
    # classes are not one colour each: the mean colour of a class varies between images
    circle_means = [img[m == 1].mean(axis=0) for img, m in samples if (m == 1).sum() > 20]
    assert np.ptp(np.array(circle_means), axis=0).max() > 60


def test_rerun_replaces_and_refuses_foreign_folders(tmp_path):
    root = generate_synthetic(tmp_path / "s", num_samples=5, size=(16, 16))
    generate_synthetic(root, num_samples=2, size=(16, 16))
    assert len(list((root / "images").iterdir())) == 2
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="not empty"):
        generate_synthetic(tmp_path / "other")


@pytest.mark.parametrize("num_classes", [1, 9])
def test_class_count_is_checked(tmp_path, num_classes):
    with pytest.raises(ValueError, match="num_classes"):
        generate_synthetic(tmp_path / "x", num_classes=num_classes)
