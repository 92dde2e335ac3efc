"""`POST /predict` and friends: the happy path, every refusal as a clear 4xx, and a server that keeps serving."""

from __future__ import annotations

import base64
import io

import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from seglab.web.render import class_shares

from .conftest import LIMITS, png_bytes


@pytest.fixture(scope="module")
def client(server_url):
    with httpx.Client(base_url=server_url, timeout=30) as session:
        yield session


def _upload(client, content: bytes, name: str = "image.png", field: str = "file") -> httpx.Response:
    return client.post("/predict", files={field: (name, content, "application/octet-stream")})


def test_predict_returns_mask_overlay_and_shares(client, sample_png):
    response = _upload(client, sample_png.read_bytes(), sample_png.name)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["width"], body["height"]) == (32, 32)
    mask_image = Image.open(io.BytesIO(base64.b64decode(body["mask_png"])))
    assert mask_image.mode == "P" and mask_image.size == (32, 32)  # palette PNG: values are class indices
    mask = np.array(mask_image)
    assert mask.max() < 4
    overlay = Image.open(io.BytesIO(base64.b64decode(body["overlay_png"])))
    assert overlay.mode == "RGB" and overlay.size == (32, 32)
    names = [c["name"] for c in body["classes"]]
    assert names == ["background", "circle", "square", "triangle"]
    assert sum(c["pixels"] for c in body["classes"]) == 32 * 32
    assert sum(c["share"] for c in body["classes"]) == pytest.approx(1.0)
    assert [c["pixels"] for c in body["classes"]] == list(np.bincount(mask.ravel(), minlength=4))


def test_grey_and_16_bit_images_are_accepted(client):
    grey16 = (np.random.default_rng(0).random((40, 24)) * 65535).astype(np.uint16)
    response = _upload(client, png_bytes(grey16))
    assert response.status_code == 200, response.text
    assert (response.json()["width"], response.json()["height"]) == (24, 40)


def _picture(format: str) -> bytes:
    """A 32x32 image saved in a Pillow `format`."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (40, 90, 200)).save(buffer, format=format)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize("make", [lambda: _picture("GIF"), lambda: _picture("WEBP"),
                                  lambda: _npy(np.random.default_rng(0).random((32, 32)).astype(np.float32))],
                         ids=["gif", "webp", "npy"])
def test_what_predict_reads_is_served_too(client, make):
    response = _upload(client, make())
    assert response.status_code == 200, response.text
    assert (response.json()["width"], response.json()["height"]) == (32, 32)


REFUSALS = {
    "empty file": (lambda: b"", 400, "is empty"),
    "text file": (lambda: b"just some text, not an image", 415, "not an image"),
    "truncated png": (lambda: png_bytes(np.zeros((32, 32, 3), np.uint8))[:60], 415, "image"),
    "ico": (lambda: _picture("ICO"), 415, "is a ICO image; this server reads PNG, JPEG, WEBP"),
    "npy of objects": (lambda: _npy(np.array([None, 1], dtype=object)), 415, "holds object values"),
    "npy volume": (lambda: _npy(np.zeros((4, 8, 8, 8), np.float32)), 415, "has shape (4, 8, 8, 8)"),
    "npy too many pixels": (lambda: _npy(np.zeros((300, 300), np.uint8)), 413, "at most 40000 pixels"),
    "too many pixels": (lambda: png_bytes(np.zeros((300, 300), np.uint8)), 413, "at most 40000 pixels"),
    "file over the byte limit": (lambda: np.random.default_rng(0).bytes(LIMITS.max_bytes + 100), 413, "up to"),
    "body over the byte limit": (lambda: np.random.default_rng(0).bytes(4 * LIMITS.max_bytes), 413, "up to 0.2 MiB"),
    "image smaller than the network": (lambda: png_bytes(np.zeros((2, 2, 3), np.uint8)), 422, "too small"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_uploads_get_clear_4xx(client, case):
    make, status, message = REFUSALS[case]
    response = _upload(client, make())
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]


def test_missing_field_and_chunked_body(client):
    response = _upload(client, b"123", field="image")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "file"]
    chunks = iter([b"--x\r\n", b"data"])  # a generator body goes out chunked, without Content-Length
    response = client.post("/predict", content=chunks, headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 411 and "Content-Length" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["image/png", "application/json", None])
def test_a_body_that_is_no_multipart_form_is_told_how_to_send_the_image(client, sample_png, content_type):
    """A raw image or JSON body was answered 422 'Field required' at body.file, which names no way to send it."""
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/predict", content=sample_png.read_bytes(), headers=headers)
    assert response.status_code == 415, response.text
    assert "multipart/form-data upload in the field 'file'" in response.json()["detail"]


def test_server_keeps_serving_after_refusals(client, sample_png):
    for case in REFUSALS.values():
        assert 400 <= _upload(client, case[0]()).status_code < 500
    assert _upload(client, sample_png.read_bytes()).status_code == 200
    assert client.get("/health").json()["status"] == "ok"


def test_openapi_documents_the_api(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/predict"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "411", "413", "415", "422"} <= set(operation["responses"])
    assert {"mask_png", "overlay_png", "classes"} <= set(spec["components"]["schemas"]["PredictResponse"]["properties"])
    assert client.get("/docs").status_code == 200
    info = client.get("/api/model").json()
    assert info["num_classes"] == 4 and info["in_channels"] == 3 and info["classes"][1]["name"] == "circle"


def test_class_shares_count_every_class():
    from seglab.data import ClassSpec

    shares = class_shares(np.array([[0, 0], [2, 0]]), ClassSpec(("a", "b", "c")))
    assert [(s.name, s.pixels, s.share) for s in shares] == [("a", 3, 0.75), ("b", 0, 0.0), ("c", 1, 0.25)]


def test_serve_precision_reaches_the_predictor(trained_run, capsys):
    from seglab.cli import main
    from seglab.inference.loading import load_segmenter

    assert load_segmenter(trained_run, device="cpu").precision.dtype is None  # fp32, exact, unless asked
    assert load_segmenter(trained_run, device="cpu", precision="bf16").precision.dtype is torch.bfloat16
    assert main(["serve", str(trained_run), "--precision", "fp16", "--device", "cpu"]) == 2  # refused before serving
    assert "fp16 needs a CUDA device" in capsys.readouterr().err
