"""Grey class-index masks saved as JPEG: the values that fill regions are the classes, the ringing
along edges snaps to the nearest of them, and lossless masks stay exact."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import audit, discover, read_mask
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.encodings import encoding
from seglab.data.encodings.lossy_labels import NearestLabelMapping

BLOCK = 8  # JPEG codes 8x8 blocks: one of a single class decodes exactly


def label_mask(seed: int, num_classes: int) -> np.ndarray:
    """64x64 class indices: rectangles off JPEG's block grid, each class in one of at least 12x12."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((64, 64), np.uint8)
    for k, label in enumerate(rng.permutation(np.arange(1, num_classes))):
        y, x = divmod(k % 16, 4)
        mask[3 + 15 * y:3 + 15 * y + 12, 2 + 15 * x:2 + 15 * x + 13] = label
    return mask


def write(root: Path, masks: list[np.ndarray], suffix: str, **options: int) -> Path:
    """images/ (random photos) + masks/ of `masks` saved with `suffix` and `options` (JPEG quality)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for i, mask in enumerate(masks):
        Image.fromarray(rng.integers(0, 256, (*mask.shape, 3), dtype=np.uint8)).save(root / "images" / f"m{i}.jpg")
        Image.fromarray(mask).save(root / "masks" / f"m{i}.{suffix}", **options)
    return root


def flat_blocks(mask: np.ndarray) -> np.ndarray:
    """The pixels of 8x8 blocks that hold one class: where a JPEG save changes nothing."""
    blocks = mask.reshape(mask.shape[0] // BLOCK, BLOCK, -1, BLOCK)
    flat = (blocks == blocks[:, :1, :, :1]).all(axis=(1, 3))
    return np.repeat(np.repeat(flat, BLOCK, axis=0), BLOCK, axis=1)


@pytest.mark.parametrize("quality", [75, 95])
def test_jpeg_masks_of_class_indices_keep_their_classes_and_snap_the_ringing(tmp_path, quality):
    """0/1/2 masks saved as JPEG ring 3, 4 and 5 beside their edges: those were classes 3 to 5,
    with the lossy-mask warning alone; now the three classes filling regions are read, and the
    ringing is snapped to the nearest in one warning naming the format and the values."""
    masks = [label_mask(seed, 3) for seed in range(6)]
    root = write(tmp_path / "d", masks, "jpg", quality=quality)
    index = discover(root)
    assert index.mapping == NearestLabelMapping((0, 1, 2))
    [snapped] = index.problems
    assert snapped.code == "snapped-pixels" and "JPEG masks, beyond their class values 0 to 2" in snapped.message
    assert "3 to 2" in snapped.message
    assert audit(index).fatal == []
    for i, truth in enumerate(masks):
        read = read_mask(root / "masks" / f"m{i}.jpg", index.mapping)
        assert set(np.unique(read).tolist()) <= {0, 1, 2}
        flat = flat_blocks(truth)
        assert (read[flat] == truth[flat]).all() and (read == truth).mean() > 0.95


def test_jpeg_masks_of_nineteen_ids_keep_each_that_fills_a_region(tmp_path):
    """Cityscapes-like train ids 0..18 saved as JPEG ring 19, 20, ... past 18: each id filling a
    region stays a class, however near its neighbours, and the ringing snaps to 18."""
    masks = [label_mask(seed, 19) for seed in range(8)]
    index = discover(write(tmp_path / "d", masks, "jpg", quality=75))
    assert index.mapping == NearestLabelMapping(tuple(range(19)))
    [snapped] = index.problems
    assert "19 to 18" in snapped.message


def test_png_masks_keep_a_rare_class_that_fills_no_region(tmp_path):
    """Lossless masks stay exact: a class drawn as a one-pixel line in one mask is no ringing."""
    masks = [label_mask(seed, 3) for seed in range(6)]
    masks[2][60, 5:40] = 3
    root = write(tmp_path / "d", masks, "png")
    index = discover(root)
    assert isinstance(index.mapping, IdentityMapping) and not index.problems
    assert (read_mask(root / "masks" / "m2.png", index.mapping) == masks[2]).all()


def test_a_value_filling_a_region_of_a_mask_the_sample_missed_is_refused(tmp_path, monkeypatch):
    """A value no sampled mask holds that fills a 5x5 patch is a class, not ringing: the mask is
    refused naming it (`unknown-label`), not merged into the nearest class; a strip of ringing
    four pixels wide is snapped."""
    monkeypatch.setattr(encoding, "sample_masks", partial(encoding.sample_masks, size=3))  # m0, m2, m5
    masks = [label_mask(seed, 3) for seed in range(6)]
    masks[3][48:64, 48:64] = 7  # whole JPEG blocks: saved exactly
    root = write(tmp_path / "d", masks, "jpg", quality=95)
    index = discover(root)
    assert index.mapping == NearestLabelMapping((0, 1, 2))
    [refused] = audit(index).fatal
    assert refused.code == "unknown-label" and refused.path == root / "masks" / "m3.jpg"
    assert "no class value and fill regions, not JPEG ringing along edges: 7 (256 px)" in refused.message
    ringing = np.zeros((16, 16), np.uint8)
    ringing[4:12, 4:8] = 3
    assert index.mapping.apply(ringing).max() == 2
