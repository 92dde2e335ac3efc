"""A corrupt file among good ones: `seglab predict` stops at it, or with --skip-bad names it and predicts the rest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main


def _images_with_a_corrupt_one(folder: Path) -> None:
    """a.png, c.png readable; b.png truncated halfway, so the file after it is the test."""
    folder.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(folder / name)
    whole = (folder / "b.png").read_bytes()
    (folder / "b.png").write_bytes(whole[: len(whole) // 2])


def test_a_corrupt_image_stops_predict_saying_skip_bad(trained_run: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    _images_with_a_corrupt_one(tmp_path / "images")
    assert main(["predict", str(trained_run), str(tmp_path / "images"), "--out", str(tmp_path / "out"),
                 "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "b.png" in error and "--skip-bad" in error


def test_skip_bad_names_the_corrupt_image_predicts_the_rest_and_exits_1(trained_run: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _images_with_a_corrupt_one(tmp_path / "images")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exited:
        main(["predict", str(trained_run), str(tmp_path / "images"), "--out", str(out), "--no-progress", "--skip-bad"])
    assert exited.value.code == 1
    assert sorted(p.name for p in out.glob("*_mask.png")) == ["a_mask.png", "c_mask.png"]
    error = capsys.readouterr().err
    assert "1 input(s) skipped as bad" in error
    assert [line for line in error.splitlines() if "skipped '" in line and "b.png' (--skip-bad): image" in line]
