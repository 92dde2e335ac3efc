"""The compute budget: a native-size model refuses a huge flat upload at once (413, from the header)
or predicts it by tiles; the estimate scales with the model, the tiles and the class count."""

from __future__ import annotations


import httpx
import numpy as np
import pytest

from seglab.inference.loading import load_segmenter
from seglab.inference.predictor import InferenceOptions
from seglab.web.app import create_app
from seglab.web.budget import ModelCost, RequestBudget, check_budget
from seglab.web.uploads import UploadError, UploadLimits

from .conftest import png_bytes, running

BIG = UploadLimits(max_bytes=2**20, max_pixels=4096 * 4096)


@pytest.fixture(scope="module")
def tiled_run(trained_run, one_thread):
    """The tiny native-size run, tiled by 64 px, with every forward's input size recorded."""
    predictor = load_segmenter(trained_run, "cpu", options=InferenceOptions(tile=64, batch_size=1))
    seen: list[tuple[int, int]] = []
    forward = predictor._forward

    def recording(batch):
        seen.append(tuple(batch.shape[-2:]))
        return forward(batch)

    predictor._forward = recording
    return predictor, seen


def test_huge_flat_upload_is_refused_from_its_header_at_once(tiled_run):
    predictor, seen = tiled_run
    app = create_app(predictor, BIG, budget=RequestBudget(max_seconds=1))
    flat = png_bytes(np.zeros((4096, 4096), np.uint8))
    assert len(flat) < 64 * 2**10  # a few KB on the wire, 16.7 million pixels decoded
    seen.clear()
    with running(app) as url:
        response = httpx.post(f"{url}/predict", files={"file": ("flat.png", flat, "image/png")}, timeout=30)
    assert response.status_code == 413, response.text
    detail = response.json()["detail"]
    assert "4096x4096" in detail and "--max-seconds" in detail and "1 s per request" in detail
    assert not seen  # refused before decoding, the network never ran


def test_large_upload_within_the_budget_is_predicted_by_tiles(tiled_run):
    predictor, seen = tiled_run
    app = create_app(predictor, BIG, budget=RequestBudget(max_seconds=600))
    seen.clear()
    with running(app) as url:
        response = httpx.post(f"{url}/predict", files={"file": ("wide.png", png_bytes(np.zeros((96, 200, 3), np.uint8)),
                                                                 "image/png")}, timeout=60)
    assert response.status_code == 200, response.text
    assert (response.json()["width"], response.json()["height"]) == (200, 96)
    assert seen and max(max(size) for size in seen) <= 64  # never the whole image at once


def _cost(**changes) -> ModelCost:
    values = dict(seconds_per_pixel=1e-6, num_classes=4, size=None, tile=512, overlap=0.25, stride=8,
                  description="unet_small at native size")
    return ModelCost(**{**values, **changes})


def test_cost_counts_tiles_and_ignores_the_upload_size_of_resized_models():
    native, resized = _cost(), _cost(size=(256, 256))
    assert native.network_pixels(512, 512) == 512 * 512
    assert native.network_pixels(1024, 1024) > 1024 * 1024  # overlapping tiles compute some pixels twice
    assert resized.network_pixels(4096, 4096) == resized.network_pixels(32, 32) == 256 * 256
    check_budget(resized, RequestBudget(max_seconds=1), 4096, 4096, "big.png")  # cheap whatever the upload


def test_many_classes_hit_the_memory_limit_with_its_option():
    with pytest.raises(UploadError, match="--max-request-mb") as refused:
        check_budget(_cost(num_classes=1024, seconds_per_pixel=0), RequestBudget(), 4096, 4096, "x.png")
    assert refused.value.status == 413 and "1024 class probability maps" in str(refused.value)


def test_message_names_the_largest_image_that_fits():
    budget = RequestBudget(max_seconds=1)
    side = _cost().largest_side(budget)
    assert _cost().seconds(side, side) <= 1 < _cost().seconds(side + 1, side + 1)
    with pytest.raises(UploadError, match=f"up to about {side}x{side} pixels fit"):
        check_budget(_cost(), budget, 2000, 2000, "x.png")


def test_a_faster_real_prediction_lowers_the_estimate():
    cost = _cost(seconds_per_pixel=1e-5)
    assert cost.observed(1.0, 512, 512).seconds_per_pixel == pytest.approx(1 / 512**2)
    assert cost.observed(100.0, 512, 512) is cost  # a slower one (a busy moment) changes nothing


def test_a_compiled_model_is_timed_after_its_compilation(trained_run, one_thread):
    from seglab.web.budget import measure_cost

    calls: list[str] = []
    for mode in (None, "default"):
        predictor = load_segmenter(trained_run, device="cpu")
        predictor.options = predictor.options.__class__(compile_mode=mode)  # as --compile would set it
        predict = predictor.predict
        predictor.predict = lambda image, predict=predict, mode=mode: calls.append(mode) or predict(image)
        assert measure_cost(predictor, side=32, repeats=1) is not None
    assert calls == [None, "default", "default"]  # one untimed call first: it compiles


def test_an_exported_model_is_not_compiled(tmp_path):
    from seglab.errors import ConfigError

    with pytest.raises(ConfigError, match="--compile needs a run folder"):
        load_segmenter(tmp_path / "model.onnx", options=InferenceOptions(compile_mode="default"))
