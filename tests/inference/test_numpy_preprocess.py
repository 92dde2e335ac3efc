"""The NumPy preprocessing of exported models follows the torch rules of `Predictor` exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seglab.data import image_scale, resize_image, to_tensor
from seglab.inference.numpy_preprocess import normalise, prepare_image, probabilities, resize_bilinear
from seglab.inference.predictor import Predictor
from seglab.models import create_model
from seglab.runs.card import ModelCard

SIZES = [((37, 53), (32, 32)), ((32, 32), (37, 53)), ((100, 80), (24, 30)), ((5, 7), (64, 3)), ((9, 9), (9, 9))]


def _image(shape: tuple[int, ...], dtype: type, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).random(shape)
    if dtype is np.float32:
        return values.astype(np.float32)
    return (values * np.iinfo(dtype).max).astype(dtype)


@pytest.mark.parametrize(("source", "target"), SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.uint16])
def test_resize_matches_torch_antialiased_bilinear(source, target, dtype):
    image = _image((*source, 3), dtype)
    ours = resize_bilinear(image, target, antialias=True).astype(np.float64)
    theirs = resize_image(image, target).astype(np.float64)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if dtype is np.float32:
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    else:  # float32 rounding can tip an integer x.5 either way: at most 1 level, rarely
        diff = np.abs(ours - theirs)
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01


@pytest.mark.parametrize(("source", "target"), SIZES)
def test_probabilities_match_interpolate_then_softmax(source, target):
    logits = np.random.default_rng(1).standard_normal((4, *source)).astype(np.float32)
    expected = torch.from_numpy(logits)[None]
    if source != target:
        expected = F.interpolate(expected, size=target, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(probabilities(logits, target), expected.softmax(1)[0].numpy(), atol=1e-5)


def test_normalise_matches_to_tensor_and_its_checks():
    image = _image((6, 5, 3), np.uint16)
    expected = to_tensor(image, (0.2, 0.3, 0.4), (0.5, 0.6, 0.7)).numpy()
    np.testing.assert_allclose(normalise(image, (0.2, 0.3, 0.4), (0.5, 0.6, 0.7)), expected, atol=1e-6)
    with pytest.raises(ValueError, match="std must be positive"):
        normalise(image, (0.0,), (0.0,))
    with pytest.raises(ValueError, match="mean has 2 values"):
        normalise(image, (0.1, 0.2), (1.0,))


@pytest.mark.parametrize("size", [None, (24, 40)])
@pytest.mark.parametrize(("shape", "dtype"), [((30, 50, 3), np.uint8), ((30, 50), np.uint16), ((17, 9, 1), np.float32)])
def test_prepare_image_matches_predictor_preprocess(size, shape, dtype):
    card = ModelCard(model="unet_small", options={"widths": [8, 16]}, in_channels=3, num_classes=2,
                     classes={"names": ["a", "b"]}, mapping={}, size=size, mean=(0.4, 0.5, 0.6), std=(0.2, 0.3, 0.25))
    predictor = Predictor(create_model("unet_small", 3, 2, widths=[8, 16]), card)
    image = _image(shape, dtype)
    expected = predictor.preprocess(image).numpy()
    got = prepare_image(image, card.in_channels, card.size, card.mean, card.std)
    assert got.shape == expected.shape and got.dtype == np.float32
    # after an integer resize a value may round one level apart (see the resize test)
    level = 1 / image_scale(image.dtype) / min(card.std) if size is not None else 0.0
    diff = np.abs(got - expected)
    assert diff.max() <= level + 1e-5
    assert (diff > 1e-5).mean() < 0.01
