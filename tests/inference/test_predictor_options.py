"""Predictor with tiling, flip TTA and post-processing: the options reach the mask."""

from __future__ import annotations

import copy
import logging
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy import ndimage

from seglab.data import make_sample
from seglab.inference.postprocess import EIGHT_CONNECTED, PostProcess
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.runs.card import ModelCard

NAMES = ["background", "circle", "square", "triangle"]


def card(size: tuple[int, int] | None = None, augment_transforms: tuple[str, ...] | None = None) -> ModelCard:
    """The preprocessing of `trained_model`: RGB scaled to [-1, 1]."""
    return ModelCard(model="unet_small", options={"widths": [8, 16]}, in_channels=3, num_classes=4,
                     classes={"names": NAMES}, mapping={}, size=size, mean=(0.5,) * 3, std=(0.5,) * 3,
                     augment_transforms=augment_transforms)


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


class CountingModel(torch.nn.Module):
    """Wraps a model and records the inputs of its forward passes."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.inputs: list[torch.Tensor] = []

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        self.inputs.append(batch.clone())
        return self.model(batch)


@pytest.mark.parametrize(("transforms", "tta_flips", "views"), [
    (("scale_crop", "hflip"), "trained", [(), (-1,)]),  # the light preset showed the horizontal flip alone
    (("scale_crop", "hflip"), "all", [(), (-1,), (-2,), (-2, -1)]),
    (("hflip", "vflip", "rot90"), "trained", [(), (-1,), (-2,), (-2, -1)]),
    (None, "trained", [(), (-1,), (-2,), (-2, -1)]),  # augmentation not recorded (older checkpoint): all four
    ((), "trained", [()]),  # trained without flips: one plain pass
])
def test_tta_averages_the_flips_training_showed_the_model(trained_model, image, transforms, tta_flips, views):
    counting = CountingModel(copy.deepcopy(trained_model))
    options = InferenceOptions(tta=True, tta_flips=tta_flips)
    predictor = Predictor(counting, card(augment_transforms=transforms), options=options)
    prediction = predictor.predict(image)
    batch = predictor.preprocess(image)
    assert len(counting.inputs) == len(views)
    assert all(torch.equal(seen, batch.flip(dims) if dims else batch) for seen, dims in zip(counting.inputs, views))
    with torch.no_grad():
        probs = [counting.model(batch.flip(dims) if dims else batch).softmax(1) for dims in views]
    expected = sum(p.flip(dims) if dims else p for p, dims in zip(probs, views))[0].numpy() / len(views)
    assert np.allclose(prediction.probs, expected, atol=1e-5)


def test_resized_models_tile_the_resized_image_and_answer_at_the_original_size(trained_model, image):
    prediction = Predictor(trained_model, card(size=(96, 96)), options=InferenceOptions(tile=64)).predict(image)
    assert prediction.mask.shape == (160, 200) and prediction.probs.shape == (4, 160, 200)


def test_a_resized_model_warns_once_when_it_shrinks_a_much_larger_input(trained_model, caplog):
    """A 2000x2000 mosaic given to ISBI's planned 384x384 model was shrunk 5 times without a word."""
    trained_on_48 = replace(card(size=(16, 16)), extra={"largest_side": 48})  # 48x48 images trained at 16x16
    predictor = Predictor(trained_model, trained_on_48)
    with caplog.at_level(logging.WARNING, logger="seglab.inference.predictor"):
        predictor.predict(np.zeros((48, 48, 3), np.uint8))  # shrunk 3 times as in training: said nothing
        predictor.predict(np.zeros((64, 80, 3), np.uint8))  # 1.7 times the training images: nothing
        assert not caplog.records
        for _ in range(2):
            predictor.predict(np.zeros((64, 96, 3), np.uint8))
    assert len(caplog.records) == 1
    assert caplog.messages[0].startswith("an input of 64x96, 2.0 times the largest training image (48 px a side), "
                                         "is shrunk 6.0 times to this model's training size 16x16")
    assert "--size native" in caplog.messages[0]


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
    older = {key: value for key, value in options.to_dict().items() if key != "tta_flips"}
    assert InferenceOptions.from_dict(older).tta_flips == "all"  # TTA averaged all four flips before tta_flips
    assert options.describe() == ("tiles of 256 px, overlap 0.5, flip TTA (flips seen in training), components "
                                  "under 10 px removed, largest component per class kept")
    assert InferenceOptions().describe() == "whole image"
    for bad in (dict(tile=0), dict(overlap=1.0), dict(batch_size=0)):
        with pytest.raises(ValueError):
            InferenceOptions(**bad)
