"""Images of the shared tiny trained run (tests/conftest.py), for the export tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def run_images(trained_run: Path) -> list[Path]:
    return sorted((trained_run.parent / "data" / "images").iterdir())[:4]
