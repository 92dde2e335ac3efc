"""Predictor with tiling, flip TTA and post-processing: the options reach the mask."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from scipy import ndimage

from seglab.data import make_sample
from seglab.engine.checkpoint import ModelCard
from seglab.inference.postprocess import EIGHT_CONNECTED, PostProcess
from seglab.inference.predictor import InferenceOptions, Predictor

NAMES = ["background", "circle", "square", "triangle"]


def card(size: tuple[int, int] | None = None) -> ModelCard:
    """The preprocessing of `trained_model`: RGB scaled to [-1, 1]."""
    return ModelCard(model="unet_small", options={"widths": [8, 16]}, in_channels=3, num_classes=4,
                     classes={"names": NAMES}, mapping={}, size=size, mean=(0.5,) * 3, std=(0.5,) * 3)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return make_sample(np.random.default_rng(1), (160, 200), 4)[0]


def test_tiled_predictor_agrees_with_the_whole_image(trained_model, image):
    whole = Predictor(trained_model, card()).predict(image)
    tiled = Predictor(trained_model, card(), options=InferenceOptions(tile=64, overlap=0.25)).predict(image)
    assert tiled.mask.shape == image.shape[:2] and tiled.probs.shape == (4, 160, 200)
    assert (tiled.mask == whole.mask).mean() >= 0.995
    assert np.allclose(tiled.probs.sum(axis=0), 1, atol=1e-5)


def test_tta_and_tiling_together_keep_the_output_contract(trained_model, image):
    options = InferenceOptions(tile=64, tta=True)
    prediction = Predictor(trained_model, card(), options=options).predict(image)
    plain = Predictor(trained_model, card()).predict(image)
    assert prediction.mask.shape == (160, 200) and prediction.mask.dtype == plain.mask.dtype
    assert np.allclose(prediction.probs.sum(axis=0), 1, atol=1e-5)
    assert (prediction.mask == plain.mask).mean() > 0.9  # an average of views, not something else


def test_resized_models_tile_the_resized_image_and_answer_at_the_original_size(trained_model, image):
    prediction = Predictor(trained_model, card(size=(96, 96)), options=InferenceOptions(tile=64)).predict(image)
    assert prediction.mask.shape == (160, 200) and prediction.probs.shape == (4, 160, 200)


def test_post_processing_reaches_the_mask_but_not_the_probabilities(trained_model, image):
    options = InferenceOptions(postprocess=PostProcess(min_component=40))
    cleaned = Predictor(trained_model, card(), options=options).predict(image)
    raw = Predictor(trained_model, card()).predict(image)
    assert np.array_equal(cleaned.probs, raw.probs)
    for label in range(1, 4):  # background (class 0) is left alone
        ids, count = ndimage.label(cleaned.mask == label, structure=EIGHT_CONNECTED)
        assert count == 0 or np.bincount(ids.ravel())[1:].min() >= 40


def test_the_network_runs_channels_last_with_the_contiguous_answer(trained_model, image):
    contiguous = copy.deepcopy(trained_model).to(memory_format=torch.contiguous_format)
    predictor = Predictor(copy.deepcopy(trained_model), card())
    weights = [p for p in predictor.model.parameters() if p.ndim == 4]
    assert weights and all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    assert not all(p.is_contiguous() for p in weights)
    with torch.no_grad():
        expected = contiguous(predictor.preprocess(image)).softmax(dim=1)[0].numpy()
    prediction = predictor.predict(image)
    assert np.allclose(prediction.probs, expected, atol=1e-5)
    assert np.array_equal(prediction.mask, expected.argmax(0))


def test_options_round_trip_and_refuse_bad_values():
    options = InferenceOptions(tile=256, overlap=0.5, tta=True, postprocess=PostProcess(10, True))
    assert InferenceOptions.from_dict(options.to_dict()) == options
    assert options.describe() == ("tiles of 256 px, overlap 0.5, flip TTA, components under 10 px removed, "
                                  "largest component per class kept")
    assert InferenceOptions().describe() == "whole image"
    for bad in (dict(tile=0), dict(overlap=1.0), dict(batch_size=0)):
        with pytest.raises(ValueError):
            InferenceOptions(**bad)
