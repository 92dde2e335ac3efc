"""A live `seglab` web server on 127.0.0.1 around the shared tiny trained run, for the web tests."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


pytest.importorskip("fastapi", reason="the web app needs the 'serve' extra")
pytest.importorskip("httpx", reason="the web tests need httpx (dev extra)")
uvicorn = pytest.importorskip("uvicorn", reason="the web app needs the 'serve' extra")

from seglab.web.app import create_app  # noqa: E402  (after the skips above)
from seglab.inference.loading import load_segmenter  # noqa: E402
from seglab.web.uploads import UploadLimits  # noqa: E402

LIMITS = UploadLimits(max_bytes=256 * 2**10, max_pixels=200 * 200)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sample_png(trained_run: Path) -> Path:
    return sorted((trained_run.parent / "data" / "images").iterdir())[0]


@contextmanager
def running(app: object) -> Iterator[str]:
    """uvicorn serving `app` in a background thread on a free local port; yields its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the web server did not start within 30 s")
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def server_url(trained_run: Path) -> Iterator[str]:
    """The app around the tiny trained run, served for the whole session."""
    with running(create_app(load_segmenter(trained_run, device="cpu"), LIMITS, name="tiny")) as url:
        yield url
