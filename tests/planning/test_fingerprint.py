"""The fingerprint's measures on masks whose answers are known by construction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.config import DataConfig
from seglab.data.checking.fingerprint import PRIOR_GRID, _ShapeTally, fingerprint
from seglab.data.layouts.discover import discover_data
from seglab.data.checking.stats import resolve_classes, scan


def tally(*masks: np.ndarray, classes: int = 2) -> _ShapeTally:
    shapes = _ShapeTally(classes)
    for mask in masks:
        shapes.add(np.stack([mask == c for c in range(classes)]))
    return shapes


def test_width_of_stripes_is_their_width() -> None:
    mask = np.zeros((64, 64), dtype=np.int64)
    for left in range(4, 60, 12):  # five vertical stripes 4 px wide, top to bottom of the image
        mask[:, left:left + 4] = 1
    shapes = tally(mask)
    # each stripe: area 4*64, edge pixels 2*64 (the image border is no edge), so 2 * area / edges = 4
    assert shapes.width(1) == pytest.approx(4.0)
    assert shapes.width(0) > 8


def test_width_of_a_disc_is_its_radius() -> None:
    rows, cols = np.mgrid[:101, :101]
    mask = ((rows - 50) ** 2 + (cols - 50) ** 2 <= 30**2).astype(np.int64)
    assert tally(mask).width(1) == pytest.approx(30, rel=0.15)  # a digital edge is shorter than 2 pi r


def test_component_area_is_pixel_weighted() -> None:
    mask = np.zeros((64, 64), dtype=np.int64)
    mask[10:30, 10:30] = 1  # one piece of 400 px
    for k in range(5):  # and five specks of 1 px: many pieces, few pixels
        mask[50, 10 * k + 2] = 1
    # a plain median of the piece sizes would be 1; half the pixels lie in the 400-px piece
    assert tally(mask).component_area(1) == 400


def test_alignment_separates_registered_from_scattered_scenes() -> None:
    rng = np.random.default_rng(0)
    registered, scattered = [], []
    for _ in range(20):
        mask = np.zeros((64, 64), dtype=np.int64)
        mask[:32] = 1  # always the top half
        registered.append(mask)
        mask = np.zeros((64, 64), dtype=np.int64)
        top, left = rng.integers(0, 48, 2)
        mask[top:top + 16, left:left + 16] = 1  # a square anywhere
        scattered.append(mask)
    assert tally(*registered).alignment() == pytest.approx(1.0)
    assert tally(*scattered).alignment() < 0.1
    assert PRIOR_GRID <= 64


def test_fingerprint_of_a_folder(tmp_path: Path) -> None:
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(1)
    for i, (h, w) in enumerate([(40, 60), (40, 60), (50, 70), (40, 60)]):
        Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)).save(images / f"{i}.png")
        mask = np.zeros((h, w), dtype=np.uint8)
        mask[:, 10:13] = 1  # a 3-px line
        mask[20:, 30:] = 2  # a block
        Image.fromarray(mask).save(masks / f"{i}.png")
    index = discover_data(DataConfig(path=str(tmp_path)))
    stats = scan(index)
    found = fingerprint(index, index.pairs, stats, resolve_classes(index, stats))
    assert found.num_images == 4
    assert found.median_size == (40, 60) and found.sizes == 2 and found.min_side == 40 and found.max_side == 70
    assert found.channels == 1
    line = found.classes[1]
    assert line.width == pytest.approx(3.0) and line.thin and line.image_share == 1.0
    assert found.thinnest == line
    assert not found.classes[2].thin
    assert sum(c.pixel_share for c in found.classes) == pytest.approx(1.0, abs=1e-3)
    assert found.to_dict()["classes"][1]["thin"] is True


def test_fingerprint_of_overlapping_classes(tmp_path: Path) -> None:
    """Multi-label masks (masks/<class>/ folders): each class measured from its own bits."""
    (tmp_path / "images").mkdir()
    for name in ("organ", "lesion"):
        (tmp_path / "masks" / name).mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((40, 40), 100, dtype=np.uint8)).save(tmp_path / "images" / f"{i}.png")
        organ = np.zeros((40, 40), dtype=np.uint8)
        organ[5:35, 5:35] = 255
        lesion = np.zeros((40, 40), dtype=np.uint8)
        lesion[18:22, 10:30] = 255  # inside the organ: a 4-px band
        Image.fromarray(organ).save(tmp_path / "masks" / "organ" / f"{i}.png")
        Image.fromarray(lesion).save(tmp_path / "masks" / "lesion" / f"{i}.png")
    index = discover_data(DataConfig(path=str(tmp_path)))
    stats = scan(index)
    found = fingerprint(index, index.pairs, stats, resolve_classes(index, stats))
    assert found.multilabel
    widths = {c.name: c.width for c in found.classes}
    assert widths["lesion"] == pytest.approx(4 * 20 * 2 / (2 * 20 + 2 * 2), rel=0.01)  # 2 x area / edge pixels
    assert widths["organ"] > 10 and found.thinnest.name == "lesion"


def test_the_erosion_of_all_planes_at_once_is_scipys() -> None:
    from scipy import ndimage

    from seglab.data.checking.fingerprint import _eroded

    rng = np.random.default_rng(0)
    for shape in [(3, 1, 1), (2, 1, 7), (4, 5, 1), (3, 17, 23)]:
        planes = rng.random(shape) < 0.6
        expected = np.stack([ndimage.binary_erosion(plane, border_value=1) for plane in planes])
        assert np.array_equal(_eroded(planes), expected), shape
