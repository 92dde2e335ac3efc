from __future__ import annotations

import numpy as np
import pytest
import torch

from seglab.data.files.label_resize import resize_mask, same_aspect_ratio
from seglab.data.loading.transforms import resize_image, to_tensor


def test_to_tensor_hand_computed():
    image = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)  # (H=1, W=2, C=2)
    out = to_tensor(image, mean=(0.5, 0.2), std=(0.5, 0.4))
    assert out.dtype == torch.float32 and out.shape == (2, 1, 2)
    expected = torch.tensor([[[-1.0, -0.6]], [[2.0, 0.5]]])
    torch.testing.assert_close(out, expected)


def test_to_tensor_scales_by_dtype():
    deep = np.full((2, 2, 1), 65535, np.uint16)
    torch.testing.assert_close(to_tensor(deep, (0.0,), (1.0,)), torch.ones(1, 2, 2))
    floats = np.full((2, 2, 1), 0.25, np.float32)
    torch.testing.assert_close(to_tensor(floats, (0.25,), (2.0,)), torch.zeros(1, 2, 2))


def test_to_tensor_checks_mean_and_std():
    image = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(ValueError, match="mean has 2 values"):
        to_tensor(image, (0.1, 0.2), (1, 1, 1))
    with pytest.raises(ValueError, match="positive"):
        to_tensor(image, (0.1,), (0.0,))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_resize_image_keeps_dtype_and_constant_images(dtype):
    image = np.full((10, 12, 3), 200, dtype=dtype)
    out = resize_image(image, (5, 7))
    assert out.dtype == dtype and out.shape == (5, 7, 3)
    np.testing.assert_allclose(out, 200, rtol=1e-6)
    assert resize_image(image, (10, 12)) is not image


def test_resize_image_stays_in_range():
    image = np.random.default_rng(0).integers(0, 256, (9, 9, 1), dtype=np.uint8)
    out = resize_image(image, (20, 3))
    assert out.dtype == np.uint8 and out.shape == (20, 3, 1)


def test_resize_mask_keeps_labels_integral():
    rng = np.random.default_rng(0)
    mask = rng.choice([0, 3, 7, 255], size=(13, 17)).astype(np.int64)
    for size in ((5, 6), (40, 31), (13, 17)):
        out = resize_mask(mask, size)
        assert out.shape == size and out.dtype == mask.dtype
        assert set(np.unique(out).tolist()) <= {0, 3, 7, 255}
    np.testing.assert_array_equal(resize_mask(mask, (13, 17)), mask)
    np.testing.assert_array_equal(resize_mask(np.array([[1, 2], [3, 4]]), (4, 4))[::2, ::2], [[1, 2], [3, 4]])


def test_resize_rejects_bad_sizes():
    with pytest.raises(ValueError, match="size"):
        resize_mask(np.zeros((2, 2)), (0, 3))
    with pytest.raises(ValueError, match="size"):
        resize_image(np.zeros((2, 2, 1)), (2,))


def test_same_aspect_ratio_allows_a_side_rounded_by_a_pixel_and_no_more():
    """The audit's size-mismatch hint and --resize-masks tell a mask at another resolution alike."""
    assert same_aspect_ratio((299, 299), (256, 256)) and same_aspect_ratio((1920, 1080), (2560, 1440))
    assert same_aspect_ratio((20, 27), (16, 21))  # 21 * 20 / 16 = 26.25: 27 rounded off it
    assert not same_aspect_ratio((20, 30), (16, 21)) and not same_aspect_ratio((20, 20), (0, 5))
