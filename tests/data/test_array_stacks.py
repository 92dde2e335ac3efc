"""Datasets kept as NumPy stacks of many images, as the nuclei benchmarks ship them: PanNuke's
three folds (`Fold 1/images/fold1/images.npy` float64 RGB, `Fold 1/masks/fold1/masks.npy` with
five types' instance maps and a background channel, `types.npy` beside), CoNIC's `images.npy` +
`labels.npy` (instances, classes), and `X_train.npy` + `y_train.npy` class indices. Before, each
stack was taken for one image and nothing paired."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seglab.data import discover, inspect_dataset, read_image, read_mask
from seglab.errors import DataError

H, W = 20, 24


def pannuke(root: Path, count: int = 3) -> dict[str, np.ndarray]:
    """The three folds as unpacked; returns each pair name's class mask, painted by hand."""
    masks = {}
    rng = np.random.default_rng(0)
    for fold in (1, 2, 3):
        images = rng.integers(0, 256, (count, H, W, 3)).astype(np.float64)  # PanNuke stores whole values as float64
        stack = np.zeros((count, H, W, 6))
        stack[..., 5] = 1
        for i in range(count):
            expected = np.zeros((H, W), np.int64)
            for k, (kind, y, x) in enumerate(((fold - 1, 2, 3), (4, 10 + i, 12), (1, 4, 15))):
                stack[i, y:y + 4, x:x + 5, kind] = k + 7  # an instance id
                stack[i, y:y + 4, x:x + 5, 5] = 0
                expected[y:y + 4, x:x + 5] = kind + 1
            masks[f"fold{fold}_{i:05d}"] = expected
        for kind, array in (("images", images), ("masks", stack)):
            folder = root / f"Fold {fold}" / kind / f"fold{fold}"
            folder.mkdir(parents=True)
            np.save(folder / f"{kind}.npy", array)
        np.save(root / f"Fold {fold}" / "images" / f"fold{fold}" / "types.npy", np.array(["Breast"] * count))
        masks[f"fold{fold}_images"] = images
    return masks


def test_pannuke_folds_read_as_its_split_with_its_classes(tmp_path):
    expected = pannuke(tmp_path / "pannuke")
    report = inspect_dataset(tmp_path / "pannuke", cache_dir=str(tmp_path / "cache"))
    index = report.index
    assert index.format == "array-stack" and not report.problems
    assert report.classes.names == ("background", "neoplastic", "inflammatory", "connective", "dead", "epithelial")
    assert {(p.name, p.split) for p in index.pairs} == {
        (f"fold{f}_{i:05d}", s) for f, s in ((1, "train"), (2, "val"), (3, "test")) for i in range(3)}
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected[pair.name])
        fold, i = pair.name.split("_")
        assert pair.image.suffix == ".png"  # whole values: a PNG, as exact
        np.testing.assert_array_equal(read_image(pair.image), expected[f"{fold}_images"][int(i)].astype(np.uint8))
    assert sorted(p.name for p in index.ignored) == ["types.npy"] * 3


def test_the_slices_are_written_once(tmp_path):
    pannuke(tmp_path / "pannuke", count=2)
    first = discover(tmp_path / "pannuke", cache_dir=str(tmp_path / "cache"))
    written = {p.mask: p.mask.stat().st_mtime_ns for p in first.pairs}
    again = discover(tmp_path / "pannuke", cache_dir=str(tmp_path / "cache"))
    assert {p.mask: p.mask.stat().st_mtime_ns for p in again.pairs} == written


def test_conic_reads_its_class_channel_and_numpy_splits_their_names(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (4, H, W, 3), np.uint8)
    labels = np.zeros((4, H, W, 2), np.int32)
    for i in range(4):
        for k in range(1, 9):  # eight nuclei: more instance ids than classes
            labels[i, 2 * k:2 * k + 2, 2:6, 0] = k
            labels[i, 2 * k:2 * k + 2, 2:6, 1] = 1 + (i + k) % 6
    (tmp_path / "conic" / "data").mkdir(parents=True)
    np.save(tmp_path / "conic" / "data" / "images.npy", images)
    np.save(tmp_path / "conic" / "data" / "labels.npy", labels)
    index = discover(tmp_path / "conic", cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 4 and {p.split for p in index.pairs} == {None}
    for i, pair in enumerate(index.pairs):
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), labels[i, ..., 1])

    (tmp_path / "xy").mkdir()
    for split, count in (("train", 5), ("test", 5)):  # equal counts: the split word pairs them
        np.save(tmp_path / "xy" / f"X_{split}.npy", rng.integers(0, 256, (count, H, W), np.uint8))
        np.save(tmp_path / "xy" / f"y_{split}.npy", np.full((count, H, W), 1 + (split == "test"), np.uint8))
    index = discover(tmp_path / "xy", cache_dir=str(tmp_path / "cache"))
    assert {(p.split, int(read_mask(p.mask, index.mapping).max())) for p in index.pairs} == {("train", 1), ("test", 2)}


def test_one_hot_masks_read_as_their_channel(tmp_path):
    classes = np.random.default_rng(2).integers(0, 3, (3, H, W))
    np.save(tmp_path / "images.npy", np.zeros((3, H, W, 1), np.uint8))
    np.save(tmp_path / "masks.npy", np.eye(3, dtype=np.uint8)[classes])
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    for i, pair in enumerate(index.pairs):
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), classes[i])


def test_one_image_and_its_mask_as_arrays_are_no_stack(tmp_path):
    """`image.npy` (H, W, 3) beside `mask.npy` (H, W) is one pair, not three images."""
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(2):
        np.save(tmp_path / "images" / f"image_{i}.npy", np.zeros((H, W, 3), np.uint8))
        np.save(tmp_path / "masks" / f"image_{i}.npy", np.zeros((H, W), np.uint8))
    assert discover(tmp_path, cache_dir=str(tmp_path / "cache")).format == "folder-pairs"


def test_unreadable_stacks_are_named(tmp_path):
    np.save(tmp_path / "images.npy", np.zeros((2, H, W, 3), np.uint8))
    np.save(tmp_path / "masks.npy", np.full((2, H, W, 3), 0.5))
    with pytest.raises(DataError, match=r"masks\.npy' holds \(2, 20, 24, 3\) arrays whose 3 channels are neither"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    np.save(tmp_path / "masks.npy", np.zeros((2, H, W), np.uint8))
    data = (tmp_path / "images.npy").read_bytes()
    (tmp_path / "images.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"images\.npy' cannot be read as a NumPy array"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    np.save(tmp_path / "images.npy", np.zeros((2, H, W, 3), np.uint8))
    np.save(tmp_path / "masks.npy", np.full((2, H, W), 300, np.int32))
    with pytest.raises(DataError, match=r"masks\.npy': slice 0 holds values outside the class indices 0-255"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def em_stack(path: Path, seed: int, count: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """A multi-page TIFF of grey EM-like slices and its 0/255 label stack beside, as Fiji saves
    them (ImageJ stacks: axes ZYX); slice i's box moves with i."""
    import tifffile

    images = np.random.default_rng(seed).integers(0, 120, (count, H, W)).astype(np.uint8)
    labels = np.zeros((count, H, W), np.uint8)
    for i in range(count):
        labels[i, 2 + i:9 + i, 3:11] = 255
    images[labels == 255] += 120
    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, images, imagej=True, metadata={"axes": "ZYX"})
    return images, labels


def test_lucchi_tiff_stacks_pair_page_by_page(tmp_path: Path) -> None:
    """Lucchi's mitochondria (EPFL): training.tif + training_groundtruth.tif, testing.tif +
    testing_groundtruth.tif, 165 pages each: only each file's first page was read (a warning)."""
    import tifffile

    for split in ("training", "testing"):
        _, labels = em_stack(tmp_path / f"{split}.tif", seed=len(split))
        tifffile.imwrite(tmp_path / f"{split}_groundtruth.tif", labels, imagej=True, metadata={"axes": "ZYX"})
    index = discover(tmp_path)
    assert index.format == "array-stack" and len(index.pairs) == 10
    assert {p.split for p in index.pairs} == {"train", "test"} and index.classes.num_classes == 2
    for pair in index.pairs:
        image, mask = read_image(pair.image)[..., 0], read_mask(pair.mask, index.mapping)
        assert set(np.unique(mask).tolist()) == {0, 1} and image[mask == 1].min() >= 120  # page i with page i


def test_isbi_2012_volumes_as_the_challenge_ships_them(tmp_path: Path) -> None:
    """train-volume.tif + train-labels.tif (30 pages) and test-volume.tif without labels: no
    layout was found. A train stack alone: the splits are drawn."""
    import tifffile

    _, labels = em_stack(tmp_path / "train-volume.tif", seed=1)
    tifffile.imwrite(tmp_path / "train-labels.tif", labels)
    em_stack(tmp_path / "test-volume.tif", seed=2)
    index = discover(tmp_path)
    assert len(index.pairs) == 5 and {p.split for p in index.pairs} == {None}
    assert [p.name for p in index.ignored] == ["test-volume.tif"]


def test_a_truncated_tiff_stack_is_named(tmp_path: Path) -> None:
    import tifffile

    _, labels = em_stack(tmp_path / "train-volume.tif", seed=1)
    tifffile.imwrite(tmp_path / "train-labels.tif", labels)
    data = bytearray((tmp_path / "train-volume.tif").read_bytes())
    (tmp_path / "train-volume.tif").write_bytes(data[: len(data) - 200])  # the last slices cut off
    with pytest.raises(DataError, match=r"TIFF stack '.*train-volume\.tif' (is corrupt or truncated|cannot be read)"):
        discover(tmp_path)


def test_channel_pages_are_no_stack(tmp_path: Path) -> None:
    """An ImageJ hyperstack of three stains (axes CYX) is one image of three channels."""
    import tifffile

    from seglab.data.tiff_stacks import tiff_stack_shape

    tifffile.imwrite(tmp_path / "a.tif", np.zeros((3, H, W), np.uint8), imagej=True, metadata={"axes": "CYX"})
    tifffile.imwrite(tmp_path / "b.tif", np.zeros((5, H, W), np.uint8), imagej=True, metadata={"axes": "ZYX"})
    assert tiff_stack_shape(tmp_path / "a.tif") is None and tiff_stack_shape(tmp_path / "b.tif") == (5, H, W)
