"""The server under load: a bounded queue with 503 + Retry-After beyond it, /health answering while
the model is busy, and queued work dropped when its client has gone. A fake model that waits for
the test to let it finish makes every case deterministic and fast."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest

from seglab.data import ClassSpec
from seglab.inference.predictor import Prediction
from seglab.tasks import MultiClass
from seglab.web.app import create_app
from seglab.web.queue import QueueLimits

from .conftest import LIMITS, png_bytes, running

PNG = png_bytes(np.zeros((16, 16, 3), np.uint8))


class HeldSegmenter:
    """Predicts background everywhere, but only once the test calls `release.set()`."""

    classes = ClassSpec(("background", "thing"))
    task = MultiClass()
    reads_alpha = False  # as the Segmenter protocol asks: an upload is read for an RGB model
    no_data = None

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.calls = 0

    def predict(self, image: np.ndarray) -> Prediction:
        self.calls += 1
        self.started.set()
        assert self.release.wait(20), "the test never released the model"
        mask = np.zeros(np.asarray(image).shape[:2], np.int64)
        return Prediction(mask=mask, probs=np.zeros((2, *mask.shape), np.float32))


@pytest.fixture
def held() -> Iterator[tuple[HeldSegmenter, object, str]]:
    model = HeldSegmenter()
    app = create_app(model, LIMITS, queue=QueueLimits(max_concurrent=1, max_queue=1))
    with running(app) as url:
        yield model, app, url
        model.release.set()


def post_in_background(url: str) -> tuple[threading.Thread, list[httpx.Response]]:
    answers: list[httpx.Response] = []

    def send() -> None:
        answers.append(httpx.post(f"{url}/predict", files={"file": ("a.png", PNG, "image/png")}, timeout=30))

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, answers


def wait_for(condition, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def health(url: str) -> dict:
    return httpx.get(f"{url}/health", timeout=5).json()


def test_full_queue_answers_503_with_retry_after_at_once(held):
    model, app, url = held
    first, first_answer = post_in_background(url)
    assert model.started.wait(10)
    second, second_answer = post_in_background(url)
    wait_for(lambda: health(url)["queued"] == 1, "the second request to queue")

    # answered while the model is still held: the refusal never waited for it
    refused = httpx.post(f"{url}/predict", files={"file": ("c.png", PNG, "image/png")}, timeout=10)
    assert refused.status_code == 503, refused.text
    assert not model.release.is_set()
    assert int(refused.headers["Retry-After"]) >= 1
    assert "--max-queue 1" in refused.json()["detail"]

    model.release.set()
    first.join(20)
    second.join(20)
    assert [a.status_code for a in first_answer + second_answer] == [200, 200]
    assert model.calls == 2 and app.state.queue.refused == 1


def test_health_answers_while_the_model_is_busy(held):
    model, _, url = held
    busy, _ = post_in_background(url)
    assert model.started.wait(10)
    for _ in range(5):  # the model is held until released below: these answers never waited for it
        assert health(url) == {"status": "ok", "running": 1, "queued": 0}
    model.release.set()
    busy.join(20)


def test_queued_request_of_a_disconnected_client_is_not_computed(held):
    model, app, url = held
    first, first_answer = post_in_background(url)
    assert model.started.wait(10)

    boundary = "seglab-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gone.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + PNG + f"\r\n--{boundary}--\r\n".encode()
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as gone:
        gone.sendall(f"POST /predict HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Length: {len(body)}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode() + body)
        wait_for(lambda: health(url)["queued"] == 1, "the request to queue")
    # the client has gone; its request is still queued behind the busy model
    time.sleep(0.2)
    model.release.set()
    first.join(20)
    assert first_answer[0].status_code == 200
    wait_for(lambda: app.state.queue.skipped == 1, "the gone client's request to be dropped")
    # it leaves the queue once its 499 is sent, an await later: a loaded machine may answer health first
    wait_for(lambda: health(url)["queued"] == 0, "the dropped request to leave the queue")
    assert model.calls == 1
    assert health(url) == {"status": "ok", "running": 0, "queued": 0}


def test_a_stalled_upload_gives_its_place_in_the_queue_back():
    """A client that sends its headers and then stalls (or dribbles its body) held a place in the
    queue for good: as many as the queue holds answered every other upload 503 until they left."""
    model = HeldSegmenter()
    model.release.set()
    limits = dataclasses.replace(LIMITS, max_seconds=0.5)
    with running(create_app(model, limits, queue=QueueLimits(max_concurrent=1, max_queue=0))) as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=5) as stalled:
            stalled.sendall(f"POST /predict HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Length: 5000\r\n"
                            "Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n".encode())
            answer = b"".join(iter(lambda: stalled.recv(4096), b"")).decode()  # until the server closes
            assert answer.startswith("HTTP/1.1 408") and "--upload-timeout" in answer, answer
            wait_for(lambda: health(url)["queued"] == 0, "the stalled request to leave the queue")
            served = httpx.post(f"{url}/predict", files={"file": ("a.png", PNG, "image/png")}, timeout=10)
        assert served.status_code == 200, served.text


def test_serve_refuses_bad_queue_options_before_loading(tmp_path, capsys):
    from seglab.cli import main

    assert main(["serve", str(tmp_path / "no-run"), "--max-concurrent", "0"]) == 2
    assert "max_concurrent must be >= 1" in capsys.readouterr().err
