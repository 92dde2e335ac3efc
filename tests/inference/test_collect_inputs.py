"""Which files a folder given to `seglab predict` yields, and what a folder yielding none says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.errors import DataError
from seglab.inference.files import collect_inputs

from ..data.test_volumes import write_dicom_series  # type: ignore[import-not-found]


def _images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / name)


def test_a_folder_of_dicom_series_folders_gives_each_series(tmp_path: Path) -> None:
    for case in ("p0", "p1"):
        write_dicom_series(tmp_path / "images" / case, np.zeros((6, 5, 3), np.int16))
    assert collect_inputs([tmp_path / "images"]) == [tmp_path / "images" / "p0", tmp_path / "images" / "p1"]


def test_a_dataset_root_names_its_image_folders_and_the_command_not_guessing(tmp_path: Path) -> None:
    """Images only in subfolders (a dataset's images/ beside its masks/): none is predicted by
    guessing; the refusal names them with their counts and a command that works."""
    root = tmp_path / "data"
    _images(root / "set" / "images", ["a.png", "b.png"])
    _images(root / "set" / "masks", ["a.png"])
    (root / "empty").mkdir()
    with pytest.raises(DataError) as refusal:
        collect_inputs([root])
    message = str(refusal.value)
    assert f"'{root / 'set' / 'images'}' (2 images), '{root / 'set' / 'masks'}' (1 image)." in message
    assert f"`seglab predict RUN {root / 'set' / 'images'}`" in message
    assert collect_inputs([root / "set" / "images"]) == [root / "set" / "images" / "a.png",
                                                         root / "set" / "images" / "b.png"]
