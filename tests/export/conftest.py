"""A tiny trained run shared by the export tests (trained once per session: about 5 s on CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seglab.cli import main
from seglab.data.synthetic import generate_synthetic

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "4",
        "--precision", "fp32", "--no-progress", "--epochs", "1"]


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export-run")
    data = generate_synthetic(root / "data", num_samples=12, size=(32, 32), num_classes=4)
    assert main(["train", str(data), "--out", str(root / "run"), *TINY]) == 0
    return root / "run"


@pytest.fixture(scope="session")
def run_images(trained_run: Path) -> list[Path]:
    return sorted((trained_run.parent / "data" / "images").iterdir())[:4]
