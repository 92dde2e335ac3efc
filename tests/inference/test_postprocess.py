"""Connected-component clean-up on hand-made masks."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.data import ClassSpec
from seglab.inference.postprocess import (
    PostProcess,
    cleaned_labels,
    keep_largest_component,
    remove_small_components,
)

CLASSES = ClassSpec(names=("background", "cat", "dog"))


def blobs() -> np.ndarray:
    """Background with a 4x4 cat, a 1-pixel cat speck, a 2x2 dog and a dog pixel touching it diagonally."""
    mask = np.zeros((10, 10), dtype=np.int64)
    mask[1:5, 1:5] = 1
    mask[8, 8] = 1
    mask[6:8, 1:3] = 2
    mask[8, 3] = 2  # diagonal neighbour of (7, 2): same 8-connected component
    return mask


def test_small_components_are_removed_and_filled_by_their_surroundings():
    cleaned = remove_small_components(blobs(), min_size=3, labels=[1, 2])
    assert cleaned[8, 8] == 0  # speck inside background becomes background
    assert (cleaned[1:5, 1:5] == 1).all()
    assert (cleaned[6:8, 1:3] == 2).all() and cleaned[8, 3] == 2  # 5 pixels, diagonally connected
    assert cleaned.dtype == blobs().dtype


def test_a_speck_inside_another_class_takes_that_class():
    mask = np.full((7, 7), 2)
    mask[3, 3] = 1
    assert (remove_small_components(mask, 2, [1, 2]) == 2).all()


def test_keep_largest_keeps_one_component_per_class():
    mask = blobs()
    mask[8, 6] = 2  # a second dog component (1 pixel), apart from the first
    cleaned = keep_largest_component(mask, [1, 2])
    assert cleaned[8, 8] == 0 and cleaned[8, 6] == 0
    assert (cleaned[1:5, 1:5] == 1).all() and (cleaned[6:8, 1:3] == 2).all()


def test_background_and_ignore_are_never_cleaned():
    classes = ClassSpec(names=("road", "background", "void"), ignore_index=2)
    assert cleaned_labels(classes) == [0]
    mask = np.zeros((6, 6), dtype=np.int64)
    mask[0, 0] = 1  # a one-pixel background hole stays
    mask[5, 5] = 2  # so does an ignore pixel
    cleaned = PostProcess(min_component=4, keep_largest=True)(mask, classes)
    assert np.array_equal(cleaned, mask)


def test_nothing_to_fill_from_leaves_the_mask_alone():
    mask = np.array([[1, 2], [2, 1]])
    assert np.array_equal(remove_small_components(mask, 10, [1, 2]), mask)


def test_empty_classes_and_disabled_options_change_nothing():
    mask = np.zeros((5, 5), dtype=np.int64)
    assert np.array_equal(keep_largest_component(mask, [1, 2]), mask)
    assert not PostProcess().active
    assert np.array_equal(PostProcess()(blobs(), CLASSES), blobs())


def test_negative_sizes_are_refused():
    with pytest.raises(ValueError, match="min_component"):
        PostProcess(min_component=-1)
