"""The side-by-side layout: pix2pix's pictures, each a photo and its colour label side by side in one
JPEG twice as wide as high (Kaggle's Cityscapes Image Pairs, `cityscapes_data/{train,val}/<n>.jpg`,
with its nested copy `cityscapes_data/cityscapes_data/`; pix2pix's `facades/{train,val,test}/<n>.jpg`).
Which half is the image is told from the pictures, or named by --side-by-side."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_image, read_mask
from seglab.errors import ConfigError, DataError

SIDE = 48  # each half's side
PALETTE = np.array([(128, 64, 128), (244, 35, 232), (70, 130, 180), (0, 0, 142)], np.uint8)  # Cityscapes' colours


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def photo(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(30, 220, (SIDE, SIDE, 3), dtype=np.uint8)


def labels(seed: int) -> np.ndarray:
    """A class-index map of large blocks, every class of `PALETTE` in it."""
    rng = np.random.default_rng(seed + 1000)
    mask = np.zeros((SIDE, SIDE), np.uint8)
    for value in range(1, len(PALETTE)):
        top, left = rng.integers(0, SIDE // 2, 2)
        mask[top:top + SIDE // 3, left:left + SIDE // 3] = value
    return mask


def drawing(seed: int) -> np.ndarray:
    """A flat-coloured image, no photo: its halves tell nothing beside a label map."""
    return np.repeat(labels(seed + 7)[..., None] * np.uint8(60), 3, axis=2)


def pictures(folder: Path, count: int, first: int = 0, label_left: bool = False, image=photo) -> None:
    """`count` JPEGs `<n>.jpg` of an image (`image(seed)`) and its colour label side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        halves = [image(first + n), PALETTE[labels(first + n)]]
        Image.fromarray(np.concatenate(halves[::-1] if label_left else halves, axis=1)).save(folder / f"{n}.jpg",
                                                                                              quality=95)


def test_pix2pix_pictures_are_cut_into_the_photo_and_its_colour_label(tmp_path: Path) -> None:
    """pix2pix's facades: three split folders of pictures, the photo left. Each is read as two
    files, the photo's half and the label's, the label's colours snapped as a JPEG's are."""
    root = tmp_path / "facades"
    for split, count, first in (("train", 6, 0), ("val", 3, 10), ("test", 3, 20)):
        pictures(root / "facades" / split, count, first)
    index = discover(root)
    assert index.format == "side-by-side" and index.image_half == "left"
    assert [(p.name, p.split) for p in index.pairs if p.name.endswith("/1")] == [
        ("facades/test/1", "test"), ("facades/train/1", "train"), ("facades/val/1", "val")]  # each folder's 1.jpg
    assert sum(p.split == "train" for p in index.pairs) == 6 and len(index.pairs) == 12
    assert index.classes is not None
    palette_of = [int(np.abs(PALETTE.astype(int) - colour).max(axis=1).argmin()) for colour in index.classes.colours]
    assert sorted(palette_of) == list(range(len(PALETTE)))  # a class per colour, as JPEG shifted it at most
    pair = next(p for p in index.pairs if p.name == "facades/train/3")
    assert np.array_equal(read_image(pair.image), read_image(root / "facades" / "train" / "3.jpg")[:, :SIDE])
    picture = root / "facades" / "train" / "3.jpg"  # what a finding on a written half names
    assert pair.sources == {pair.image: f"the left half of '{picture}'", pair.mask: f"the right half of '{picture}'"}
    read = read_mask(pair.mask, index.mapping)
    assert read.shape == (SIDE, SIDE)
    assert (np.array(palette_of)[read] == labels(3)).mean() > 0.97  # JPEG's edges aside, every label as drawn
    assert any("each the image (left half, told from the pictures) beside its mask (right half)" in line
               for line in index.pairing)


def test_the_label_on_the_left_makes_the_right_half_the_image(tmp_path: Path) -> None:
    pictures(tmp_path / "data" / "train", 4, label_left=True)
    pictures(tmp_path / "data" / "val", 2, 10, label_left=True)
    index = discover(tmp_path / "data")
    assert index.image_half == "right"
    pair = next(p for p in index.pairs if p.name == "train/1")
    assert np.array_equal(read_image(pair.image), read_image(tmp_path / "data" / "train" / "1.jpg")[:, SIDE:])


def test_a_nested_copy_of_the_dataset_is_read_once(tmp_path: Path, caplog) -> None:
    """Kaggle's Cityscapes Image Pairs ships `cityscapes_data/{train,val}/` and the same files
    again in `cityscapes_data/cityscapes_data/{train,val}/`: read once, the copy set aside."""
    caplog.set_level(logging.INFO, logger="seglab")
    top = tmp_path / "kaggle" / "cityscapes_data"
    for base in (top, top / "cityscapes_data"):
        pictures(base / "train", 4)
        pictures(base / "val", 2, 10)
    index = discover(tmp_path / "kaggle")
    assert index.format == "side-by-side" and len(index.pairs) == 6
    assert sorted(p.split for p in index.pairs) == ["train"] * 4 + ["val"] * 2
    assert len(index.ignored) == 6 and all("cityscapes_data/cityscapes_data" in p.as_posix() for p in index.ignored)
    assert f"passing {top / 'cityscapes_data'} as DATA reads the copy alone" in caplog.text


def test_halves_that_do_not_tell_are_refused_naming_the_flag_that_reads_them(tmp_path: Path) -> None:
    """A drawing beside its label: both halves flat, neither told apart. The refusal names
    --side-by-side, which reads them."""
    pictures(tmp_path / "data" / "train", 4, image=drawing)
    pictures(tmp_path / "data" / "val", 2, 10, image=drawing)
    with pytest.raises(DataError, match=r"every picture is twice as wide as high: if each holds an image and its "
                                        r"mask side by side \(pix2pix's datasets\), --side-by-side left reads"):
        discover(tmp_path / "data")
    index = discover(tmp_path / "data", side_by_side="left")
    assert index.format == "side-by-side" and index.image_half == "left" and len(index.pairs) == 6
    assert any("(left half, named by --side-by-side)" in line for line in index.pairing)


def test_side_by_side_refuses_pictures_of_another_shape_and_other_layouts(tmp_path: Path) -> None:
    pictures(tmp_path / "data" / "train", 3)
    Image.fromarray(photo(9)).save(tmp_path / "data" / "train" / "square.jpg")
    with pytest.raises(DataError, match=r"square.jpg is not one: move other files out, or pass the folder"):
        discover(tmp_path / "data", side_by_side="left")
    with pytest.raises(ConfigError, match="--side-by-side reads the side-by-side layout, not 'folder-pairs'"):
        discover(tmp_path / "data", format="folder-pairs", side_by_side="left")
    with pytest.raises(ConfigError, match="names the half of each picture that holds the image: left or right"):
        discover(tmp_path / "data", side_by_side="top")


def test_files_whose_headers_all_fail_are_no_pictures_twice_as_wide(tmp_path: Path) -> None:
    """.npz files of arrays named for no role (each header unreadable as an image's) show no picture
    twice as wide as high: the refusal had offered --side-by-side for MedSAM's 48x64 arrays, and
    --side-by-side names the first file rather than cutting it."""
    folder = tmp_path / "arrays" / "ISIC2018"
    folder.mkdir(parents=True)
    for i in range(3):
        np.savez(folder / f"case_{i}.npz", photo=photo(i)[:, :32], outline=np.zeros((SIDE, 32), np.uint8))
    with pytest.raises(DataError, match="no known dataset layout") as refused:
        discover(tmp_path / "arrays")
    assert "every picture is twice as wide as high" not in str(refused.value)
    with pytest.raises(DataError, match=r"case_0.npz is not one: move other files out"):
        discover(tmp_path / "arrays", side_by_side="left")


def test_cityscapes_colour_labels_are_named_by_its_table(tmp_path: Path) -> None:
    """Kaggle's Cityscapes Image Pairs draw the labels in Cityscapes' colours, which the JPEG
    shifts by a level or two (road's (128, 64, 128) found as (128, 63, 127)): the classes were
    19 colours named '#803f7f' and so on. Colours within the shift of its table's are its 19
    evaluated classes, in its order, and its void colours (black: unlabeled) the ignore label."""
    from seglab.data.encodings.cityscapes import CLASSES

    table = np.array([(0, 0, 0), *CLASSES.colours], np.uint8)  # void, then the classes in train-id order
    cells = (np.arange(SIDE)[:, None] // 12) * 5 + np.arange(SIDE)[None, :] // 10  # 4 x 5 blocks, 20 values
    folder = tmp_path / "cityscapes_data" / "cityscapes_data"
    for split, count in (("train", 4), ("val", 2)):
        for n in range(1, count + 1):
            (folder / split).mkdir(parents=True, exist_ok=True)
            label = table[(cells + n) % len(table)]
            Image.fromarray(np.concatenate([photo(n), label], axis=1)).save(folder / split / f"{n}.jpg", quality=95)
    index = discover(tmp_path)
    assert index.classes.names == CLASSES.names and index.ignore_index == 255
    drawn = (cells + 1) % len(table)  # train/1's values: 0 void, k the class k - 1
    expected = np.where(drawn == 0, 255, drawn - 1)
    inner = np.ix_(abs(np.arange(SIDE) % 12 - 5.5) < 4, abs(np.arange(SIDE) % 10 - 4.5) < 3)  # JPEG's edges aside
    read = read_mask(next(p for p in index.pairs if p.name.endswith("train/1")).mask, index.mapping)
    assert np.array_equal(read[inner], expected[inner])
