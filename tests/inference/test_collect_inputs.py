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


def test_a_folder_of_a_datasets_pairs_gives_its_images_not_its_masks(tmp_path: Path, caplog) -> None:
    """GeoNRW's city folder: `<tile>_rgb.png` beside its `<tile>_seg.tif` and `<tile>_dem.tif`. The
    data stage pairs images with masks (and lists the elevations as ignored); predict takes the
    images alone, said in one line. Before, every file was predicted, masks too. A folder of
    `a.png` + `a_mask.png` alike; one of images alone gives them all."""
    rng = np.random.default_rng(0)
    city = tmp_path / "aachen"
    city.mkdir()
    for tile in ("290_5620", "290_5621", "291_5620"):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(city / f"{tile}_rgb.png")
        Image.fromarray(rng.integers(0, 4, (16, 16), dtype=np.uint8)).save(city / f"{tile}_seg.tif")
        Image.fromarray(rng.normal(100, 5, (16, 16)).astype(np.float32)).save(city / f"{tile}_dem.tif")
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([city]) == [city / f"{tile}_rgb.png" for tile in ("290_5620", "290_5621", "291_5620")]
    assert "3 images of 9 files; 3 masks left out (paired with the images as the data stage pairs a dataset's, e.g. " \
           "'290_5620_seg.tif'), and 3 files it lists as ignored beside them (e.g. '290_5620_dem.tif')" in caplog.text
    pairs = tmp_path / "pairs"
    _images(pairs, ["a.png", "b.png"])
    for name in ("a_mask.png", "b_mask.png"):
        Image.fromarray(np.eye(8, dtype=np.uint8)).save(pairs / name)
    assert collect_inputs([pairs]) == [pairs / "a.png", pairs / "b.png"]
    _images(tmp_path / "photos", ["a.png", "b.png"])
    assert collect_inputs([tmp_path / "photos"]) == [tmp_path / "photos" / "a.png", tmp_path / "photos" / "b.png"]
