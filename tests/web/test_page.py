"""A person's view: headless Chromium opens the page of `seglab serve`, uploads a PNG, sees the result.

Uses Debian's chromium (/usr/bin/chromium, installed by .ci/run) through Playwright; never
`playwright install`. Skips with the reason when either is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_port

CHROMIUM = Path(os.environ.get("SEGLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (dev extra)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served_by_cli(trained_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`seglab serve RUN` as a user starts it, in a subprocess on a free local port."""
    port = free_port()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "seglab", "serve", str(trained_run), "--port", str(port), "--device", "cpu"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`seglab serve` did not start; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_upload_shows_overlay_legend_and_download(browser, served_by_cli, sample_png, tmp_path, capsys):
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    try:
        page.goto(served_by_cli + "/")
        assert "segmentation" in page.title()
        page.set_input_files("#file", str(sample_png))
        page.wait_for_selector("#result:not([hidden])", timeout=20_000)
        page.wait_for_function("document.getElementById('overlay').naturalWidth > 0", timeout=10_000)
        assert page.eval_on_selector("#overlay", "img => img.naturalWidth") == 32
        assert page.eval_on_selector("#overlay", "img => img.src").startswith("data:image/png;base64,")
        legend = page.locator("#legend tr.legend-item")
        assert legend.count() == 4
        text = page.inner_text("#legend")
        for name in ("background", "circle", "square", "triangle"):
            assert name in text
        assert "%" in text
        assert page.get_attribute("#download", "download") == f"{sample_png.stem}_mask.png"
        assert page.get_attribute("#download", "href").startswith("data:image/png;base64,")
        screenshot = tmp_path / "seglab-serve-page.png"
        page.screenshot(path=str(screenshot), full_page=True)
        with capsys.disabled():
            print(f"\nscreenshot (test artifact): {screenshot}")
        assert screenshot.stat().st_size > 0

        bad = tmp_path / "notes.png"
        bad.write_text("not an image")
        page.set_input_files("#file", str(bad))
        page.wait_for_selector("#error:not([hidden])", timeout=10_000)
        assert "415" in page.inner_text("#error")
    finally:
        page.close()
