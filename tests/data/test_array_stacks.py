"""Datasets kept as NumPy stacks of many images, as the nuclei benchmarks ship them: PanNuke's
three folds (`Fold 1/images/fold1/images.npy` float64 RGB, `Fold 1/masks/fold1/masks.npy` with
five types' instance maps and a background channel, `types.npy` beside), CoNIC's `images.npy` +
`labels.npy` (instances, classes), and `X_train.npy` + `y_train.npy` class indices. Before, each
stack was taken for one image and nothing paired. TissueNet's .npz files (`X`, `y`) and MitoEM's
HDF5 stacks (`train/im.h5` + `train/mito_label.h5`) found no layout."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from seglab.data import audit, discover, format_report, inspect_dataset, read_image, read_mask, split_pairs
from seglab.data.files.hdf5_files import h5_class_names
from seglab.data.layouts.array_stacks import format as array_stack_format
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
    np.save(tmp_path / "masks.npy", np.full((2, H, W), -3, np.int32))
    with pytest.raises(DataError, match=r"masks\.npy': slice 0 holds negative, fractional or infinite values"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def test_findings_on_a_slice_name_the_stack_it_was_cut_from(tmp_path):
    """EddyNet's `filtered_SSH_train_data.npy` marks land NaN: each fatal `image-not-finite` named
    the cached `~/.cache/seglab/array-stack/.../00003_image.npy`, no file of the dataset."""
    (tmp_path / "data").mkdir()
    ssh = np.random.default_rng(0).normal(0, 0.05, (4, H, W))
    ssh[3, :, :3] = np.nan  # land
    np.save(tmp_path / "data" / "filtered_SSH_train_data.npy", ssh)
    np.save(tmp_path / "data" / "train_groundtruth_Segmentation.npy", np.zeros((4, H, W)))
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    [finding] = audit(index).fatal
    assert finding.code == "image-not-finite" and finding.path == index.pairs[3].image  # --skip-bad drops the slice
    assert f"(cut from slice 3 of '{tmp_path / 'data' / 'filtered_SSH_train_data.npy'}' + " in str(finding)


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


def test_segmented_stacks_beside_grayscale_ones_pair_in_a_folder_per_sample(tmp_path: Path) -> None:
    """The Li-ion electrode CT library: `<sample>/<sample>_grayscale.tif` (uint16 pages) beside
    `<sample>_segmented.tif` (0 pore, 1 active material, 2 carbon-binder): `segmented` named no
    mask, so no layout was found. Each sample's slices pair page by page, the sample a group."""
    import tifffile

    samples = ("NMC_90wt_0bar", "NMC_96wt_300bar", "Graphite_SLC1506")
    for k, sample in enumerate(samples):
        rng = np.random.default_rng(k)
        phases = rng.integers(0, 3, (4, H, W)).astype(np.uint8)
        grey = 8000 + phases.astype(np.uint16) * 15000 + rng.integers(0, 3000, phases.shape).astype(np.uint16)
        (tmp_path / sample).mkdir()
        tifffile.imwrite(tmp_path / sample / f"{sample}_grayscale.tif", grey, imagej=True, metadata={"axes": "ZYX"})
        tifffile.imwrite(tmp_path / sample / f"{sample}_segmented.tif", phases, imagej=True, metadata={"axes": "ZYX"})
    index = discover(tmp_path)
    assert index.format == "array-stack" and len(index.pairs) == 12
    assert {p.group for p in index.pairs} == set(samples)
    for pair in index.pairs:  # page i with page i: the phase is the grey level's
        grey = read_image(pair.image)[..., 0].astype(np.int64)
        np.testing.assert_array_equal((grey - 8000) // 15000, read_mask(pair.mask, index.mapping))


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

    from seglab.data.files.tiff_stacks import tiff_stack_shape

    tifffile.imwrite(tmp_path / "a.tif", np.zeros((3, H, W), np.uint8), imagej=True, metadata={"axes": "CYX"})
    tifffile.imwrite(tmp_path / "b.tif", np.zeros((5, H, W), np.uint8), imagej=True, metadata={"axes": "ZYX"})
    assert tiff_stack_shape(tmp_path / "a.tif") is None and tiff_stack_shape(tmp_path / "b.tif") == (5, H, W)


def test_a_stack_written_a_page_at_a_time_is_one_stack_found_in_linear_time(tmp_path: Path) -> None:
    """tifffile's writer makes a series of each page appended (`imwrite(..., append=True)` in a
    loop), and tifffile pairs every series with every other: 20,000 such pages held `seglab inspect`
    over ten minutes on one file, 4,000 pages 18 s, and found no stack (its first series one page).
    Past 256 pages the pages are grouped by their shape: one stack."""
    import tifffile

    from seglab.data.files.tiff_stacks import read_tiff_stack, tiff_stack_shape

    slices = np.arange(300 * 4 * 4, dtype=np.uint16).reshape(300, 4, 4)
    with tifffile.TiffWriter(tmp_path / "frames.tif") as tif:
        for page in slices:
            tif.write(page, contiguous=False)  # as append=True writes each
    assert tiff_stack_shape(tmp_path / "frames.tif") == (300, 4, 4)
    np.testing.assert_array_equal(read_tiff_stack(tmp_path / "frames.tif"), slices)
    np.testing.assert_array_equal(read_image(tmp_path / "frames.tif")[..., 0], slices[0])


def test_pages_of_many_shapes_are_read_without_pairing_their_series(tmp_path: Path, monkeypatch) -> None:
    """A 5 MB TIFF of 3,000 pages, each of another shape, took 143 s to read (as an upload to
    `seglab serve` too): tifffile pairs each shape's series with every other to find pyramid levels.
    A file of more than 256 pages is no image of channels, nor a stack when its pages are of many
    shapes: its first page is read, and tifffile's series are never asked for."""
    import tifffile

    from seglab.data.files.decoding import file_header
    from seglab.data.files.tiff_stacks import tiff_stack_shape

    with tifffile.TiffWriter(tmp_path / "pages.tif") as tif:
        for width in range(1, 301):
            tif.write(np.full((1, width), width % 256, np.uint8), metadata=None, contiguous=False)

    def paired(*args, **kwargs):
        raise AssertionError("tifffile paired the series of 300 pages")

    monkeypatch.setattr(tifffile.tifffile, "pyramidize_series", paired)
    assert read_image(tmp_path / "pages.tif").shape == (1, 1, 1)
    assert tiff_stack_shape(tmp_path / "pages.tif") is None and file_header(tmp_path / "pages.tif").frames == 300


def objects(rng: np.random.Generator, count: int, first: int = 1, boxes: int = 10) -> np.ndarray:
    """(count, H, W) instance maps: `boxes` 3 x 3 boxes apart, numbered from `first`, in each slice."""
    maps = np.zeros((count, H, W), np.int32)
    for i in range(count):
        for k, cell in enumerate(rng.choice(30, boxes, replace=False)):
            y, x = 4 * (cell // 6), 4 * (cell % 6)
            maps[i, y:y + 3, x:x + 3] = first + k
    return maps


def tissuenet(root: Path) -> dict[str, np.ndarray]:
    """TissueNet v1.1 as DeepCell ships it: `tissuenet_v1.1_{train,val,test}.npz`, each with `X`
    (N, H, W, 2) float32 nuclear and membrane channels, `y` (N, H, W, 2) int32 whole-cell and
    nuclear ids (nucleus k inside cell k), `tissue_list` and `platform_list`; val and test of one
    count. Returns each split's y."""
    rng = np.random.default_rng(4)
    root.mkdir(parents=True)
    ys = {}
    for split, count in (("train", 4), ("val", 2), ("test", 2)):
        cells = objects(rng, count)
        nuclei = np.where(np.roll(cells, 1, axis=2) == cells, cells, 0)  # each cell's inner part
        ys[split] = np.stack([cells, nuclei], axis=-1)
        images = np.stack([nuclei > 0, cells > 0], axis=-1).astype(np.float32) + rng.normal(0, 0.1, (count, H, W, 2))
        np.savez_compressed(root / f"tissuenet_v1.1_{split}.npz", X=images.astype(np.float32), y=ys[split],
                            tissue_list=np.array(["breast"] * count), platform_list=np.array(["codex"] * count))
    return ys


def test_tissuenet_npz_files_read_their_whole_cell_ids_as_objects(tmp_path, caplog):
    ys = tissuenet(tmp_path / "tissuenet")
    with caplog.at_level("INFO", logger="seglab.data.layouts.array_stacks"):
        report = inspect_dataset(tmp_path / "tissuenet", cache_dir=str(tmp_path / "cache"))
    index = report.index
    assert index.format == "array-stack" and len(index.pairs) == 8
    assert {(p.split, p.name.rsplit("_", 1)[0]) for p in index.pairs} == {
        (s, f"tissuenet_v1.1_{s}") for s in ("train", "val", "test")}
    assert [p.code for p in report.problems] == ["instance-ids"]
    assert "tissuenet_v1.1_train.npz:y' holds 2 channels of object numbers" in caplog.text
    assert "channel 0 is read" in caplog.text
    for pair in index.pairs:
        split, i = pair.split, int(pair.name.rsplit("_", 1)[1])
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), ys[split][i, ..., 0])
        assert read_image(pair.image).shape == (H, W, 2)
    objects_read = discover(tmp_path / "tissuenet", cache_dir=str(tmp_path / "cache"), instance_masks=True)
    assert objects_read.classes.names == ("background", "object")
    pair = next(p for p in objects_read.pairs if p.split == "val")
    np.testing.assert_array_equal(read_mask(pair.mask, objects_read.mapping), ys["val"][0, ..., 0] > 0)


def test_object_numbers_past_255_are_kept_and_several_pairs_in_one_folder_are_named_apart(tmp_path):
    """Instance ids were refused as 'values outside the class indices 0-255'; `data/y_train.npy`
    and `data/y_test.npy` both named their pairs `data_00000`, ..."""
    rng = np.random.default_rng(5)
    (tmp_path / "data").mkdir()
    maps = {split: objects(rng, 3, first=300 if split == "train" else 70000) for split in ("train", "test")}
    for split, masks in maps.items():
        np.save(tmp_path / "data" / f"X_{split}.npy", rng.integers(0, 256, (3, H, W), np.uint8))
        np.save(tmp_path / "data" / f"y_{split}.npy", masks)
    report = inspect_dataset(tmp_path, cache_dir=str(tmp_path / "cache"), instance_masks=True)
    index = report.index
    assert sorted(p.name for p in index.pairs) == [f"y_{s}_{i:05d}" for s in ("test", "train") for i in range(3)]
    assert {p.mask.suffix for p in index.pairs} == {".png", ".npy"}  # 16-bit PNG, else .npy past 65535
    for pair in index.pairs:
        raw = maps[pair.split][int(pair.name[-5:])]
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), raw > 0)


def test_a_damaged_npz_stack_is_named(tmp_path):
    tissuenet(tmp_path / "t")
    train = tmp_path / "t" / "tissuenet_v1.1_train.npz"
    data = train.read_bytes()
    train.write_bytes(data[: len(data) * 2 // 3])  # the central directory and y cut off
    report = inspect_dataset(tmp_path / "t", cache_dir=str(tmp_path / "cache"))
    assert len(report.index.pairs) == 4 and train in report.index.ignored
    assert [(p.code, p.path) for p in report.problems if p.code != "instance-ids"] == [("unreadable", train)]
    assert "NumPy archive '" in report.problems[0].message
    np.savez(train, X=np.zeros((4, H, W, 2), np.float32), y=np.zeros((4, H, W, 2), np.int32))
    data = train.read_bytes()  # an uncompressed archive: X's and y's headers claim 9 slices, not 4
    train.write_bytes(data.replace(b"'shape': (4, 20, 24, 2)", b"'shape': (9, 20, 24, 2)"))
    with pytest.raises(DataError, match=r"array 'X' of '.*tissuenet_v1\.1_train\.npz' claims \(9, 20, 24, 2\)"):
        discover(tmp_path / "t", cache_dir=str(tmp_path / "cache"))


def test_mitoem_hdf5_stacks_pair_slice_by_slice_with_the_split_of_their_folder(tmp_path):
    """MitoEM and Lucchi++ as pytorch_connectomics reads them: `train/im.h5` (dataset `main`,
    (Z, Y, X) uint8) beside `train/mito_label.h5` (`main`, mitochondria numbered past 255)."""
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(6)
    labels = {}
    for split, count in (("train", 4), ("val", 2)):
        labels[split] = objects(rng, count, first=250, boxes=24).astype(np.uint16)
        images = np.where(labels[split] > 0, 60, 160).astype(np.uint8)
        (tmp_path / "mitoem" / split).mkdir(parents=True)
        with h5py.File(tmp_path / "mitoem" / split / "im.h5", "w") as file:
            file.create_dataset("main", data=images, compression="gzip")
        with h5py.File(tmp_path / "mitoem" / split / "mito_label.h5", "w") as file:
            file.create_dataset("main", data=labels[split], compression="gzip")
    report = inspect_dataset(tmp_path / "mitoem", cache_dir=str(tmp_path / "cache"))
    assert report.index.format == "array-stack" and "instance-ids" in [p.code for p in report.problems]
    assert report.index.pairing == ["train/im.h5 + train/mito_label.h5 [train]: 4 slices",
                                    "val/im.h5 + val/mito_label.h5 [val]: 2 slices"]
    index = discover(tmp_path / "mitoem", cache_dir=str(tmp_path / "cache"), instance_masks=True)
    for pair in index.pairs:
        split, i = pair.name.split("_")
        assert pair.split == split
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), labels[split][int(i)] > 0)
        np.testing.assert_array_equal(read_image(pair.image)[..., 0] == 60, labels[split][int(i)] > 0)


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Arrays by name in one file: a .npz, or an HDF5 file (datasets at its root) by `path`'s suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".npz":
        np.savez(path, **arrays)
        return
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as file:
        for name, array in arrays.items():
            file[name] = array


def labelled_slices(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(count, H, W) grey images and their 0/1 masks, each slice its own."""
    masks = np.random.default_rng(seed).integers(0, 2, (count, H, W), np.uint8)
    return (masks * 100 + np.arange(count, dtype=np.uint8)[:, None, None]), masks


@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_images_and_masks_arrays_of_one_file_are_2d_pairs_in_npz_and_hdf5_alike(tmp_path, suffix):
    """`images` + `masks` (N, H, W) in one file are N independent pairs, which a drawn split spreads
    over train, val and test. The HDF5 file was read as one 3-D volume (the rule for SSL4MIS'
    `image` + `label` cases): its slices one case, kept whole in train."""
    images, masks = labelled_slices(10, seed=7)
    save_arrays(tmp_path / "stack" / f"data{suffix}", images=images, masks=masks)
    index = discover(tmp_path / "stack", cache_dir=str(tmp_path / "cache"))
    assert index.format == "array-stack"
    assert index.pairing == [f"data{suffix}:images + data{suffix}:masks: 10 slices"]
    drawn = split_pairs(index.pairs, (0.6, 0.2, 0.2))
    assert [len(drawn[s]) for s in ("train", "val", "test")] == [6, 2, 2]
    for pair in index.pairs:
        i = int(pair.name.rsplit("_", 1)[1])
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks[i])
        np.testing.assert_array_equal(read_image(pair.image)[..., 0], images[i])


@pytest.mark.parametrize("suffix", [".npz", ".h5"])
def test_keras_split_arrays_pair_by_name_with_their_split_in_npz_and_hdf5_alike(tmp_path, suffix):
    """Keras' `x_train`, `y_train`, `x_test`, `y_test` in one file: pairs by name, the split from the
    name. The HDF5 file was refused: 'no known dataset layout'."""
    images, masks = labelled_slices(12, seed=8)
    save_arrays(tmp_path / "keras" / f"data{suffix}", x_train=images[:9], y_train=masks[:9], x_test=images[9:],
                y_test=masks[9:])
    index = discover(tmp_path / "keras", cache_dir=str(tmp_path / "cache"))
    assert sorted(index.pairing) == [f"data{suffix}:x_test + data{suffix}:y_test [test]: 3 slices",
                                     f"data{suffix}:x_train + data{suffix}:y_train [train]: 9 slices"]
    assert sorted(p.split for p in index.pairs) == ["test"] * 3 + ["train"] * 9
    pair = next(p for p in index.pairs if p.name == "data_y_test_00001")
    np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks[10])


def test_an_hdf5_file_of_a_group_per_split_gives_the_splits_and_its_classes_attribute_the_names(tmp_path):
    """One `dataset.h5` with groups `train/`, `val/`, `test/`, each `images` + `masks`, and the class
    names in a `classes` attribute on its root, as preprocessed releases ship them. It was
    refused: 'no known dataset layout'."""
    h5py = pytest.importorskip("h5py")
    slices = {}
    (tmp_path / "lesions").mkdir()
    with h5py.File(tmp_path / "lesions" / "dataset.h5", "w") as file:
        file.attrs["classes"] = np.array([b"background", b"lesion"])
        for seed, (split, count) in enumerate((("train", 8), ("val", 3), ("test", 3))):
            slices[split] = labelled_slices(count, seed)
            file[f"{split}/images"], file[f"{split}/masks"] = slices[split]
    index = discover(tmp_path / "lesions", cache_dir=str(tmp_path / "cache"))
    assert index.format == "array-stack" and index.classes.names == ("background", "lesion")
    assert sorted(index.pairing) == [f"dataset.h5:{s}/images + dataset.h5:{s}/masks [{s}]: {n} slices"
                                     for s, n in (("test", 3), ("train", 8), ("val", 3))]
    assert sorted(p.split for p in index.pairs) == ["test"] * 3 + ["train"] * 8 + ["val"] * 3
    for pair in index.pairs:
        i = int(pair.name.removeprefix(f"dataset_{pair.split}_masks_"))
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), slices[pair.split][1][i])
        np.testing.assert_array_equal(read_image(pair.image)[..., 0], slices[pair.split][0][i])
    with h5py.File(tmp_path / "lesions" / "dataset.h5", "a") as file:
        file.attrs["classes"] = np.array([0, 1])  # no names: the classes are told from the masks
    assert discover(tmp_path / "lesions", cache_dir=str(tmp_path / "cache")).classes is None


def test_an_hdf5_file_of_several_mask_stacks_is_opened_once_for_its_classes(tmp_path, monkeypatch):
    """Its `classes` attribute was read once per mask stack: three times for train/, val/, test/."""
    h5py = pytest.importorskip("h5py")
    (tmp_path / "lesions").mkdir()
    with h5py.File(tmp_path / "lesions" / "dataset.h5", "w") as file:
        file.attrs["classes"] = np.array([b"background", b"lesion"])
        for seed, split in enumerate(("train", "val", "test")):
            file[f"{split}/images"], file[f"{split}/masks"] = labelled_slices(3, seed)
    opened = []
    monkeypatch.setattr(array_stack_format, "h5_class_names", lambda path: opened.append(path) or h5_class_names(path))
    index = discover(tmp_path / "lesions", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "lesion") and opened == [tmp_path / "lesions" / "dataset.h5"]


def toothfairy(root: Path, patients: int = 6, dense: int = 4) -> dict[str, np.ndarray]:
    """ToothFairy (CVPR 2022) as unpacked: `Dataset/P<n>/data.npy` (Z, H, W) int16 CBCT scan,
    `gt_sparse.npy` (the canal traced, every patient) and `gt_alpha.npy` (dense, the first
    `dense` patients only), and `splits.json` naming the patients: train, val, test, and the
    `synthetic` ones (sparse labels only). Returns each patient's dense labels."""
    rng = np.random.default_rng(7)
    labels = {}
    for n in range(1, patients + 1):
        folder = root / "Dataset" / f"P{n}"
        folder.mkdir(parents=True)
        alpha = np.zeros((5, H, W), np.uint8)
        alpha[1:4, 4 + n:8 + n, 3:20] = 1
        sparse = np.zeros_like(alpha)
        sparse[1:4, 6 + n, 3:20:4] = 1
        np.save(folder / "data.npy", rng.normal(500, 200, alpha.shape).astype(np.int16))
        np.save(folder / "gt_sparse.npy", sparse)
        if n <= dense:
            np.save(folder / "gt_alpha.npy", alpha)
            labels[f"P{n}"] = alpha
    (root / "splits.json").write_text(json.dumps({"train": ["P1", "P2"], "val": ["P3"], "test": ["P4"],
                                                  "synthetic": [f"P{n}" for n in range(dense + 1, patients + 1)]}))
    return labels


def test_rival_label_stacks_are_refused_and_a_folder_per_patient_is_its_group_and_split(tmp_path):
    """ToothFairy was read as 128 pairs: each data.npy paired with both gt_alpha.npy and
    gt_sparse.npy (every slice twice, with two masks), named `gt_alpha_00000` in every patient,
    one patient's slices in several splits, splits.json unread."""
    labels = toothfairy(tmp_path / "ToothFairy_Dataset")
    cache = str(tmp_path / "cache")
    with pytest.raises(DataError, match=r"P1/data\.npy' \(and 3 image stacks more\): 2 mask stacks .* rival "
                                        r"annotations .*pick one with --masks gt_alpha or --masks gt_sparse"):
        discover(tmp_path / "ToothFairy_Dataset", cache_dir=cache)
    index = discover(tmp_path / "ToothFairy_Dataset", cache_dir=cache, masks="gt_alpha")
    assert index.format == "array-stack" and len(index.pairs) == 4 * 5
    assert len({p.name for p in index.pairs}) == len(index.pairs)
    assert {(p.name.split("_")[0], p.group, p.split) for p in index.pairs} == {
        ("P1", "Dataset/P1", "train"), ("P2", "Dataset/P2", "train"), ("P3", "Dataset/P3", "val"),
        ("P4", "Dataset/P4", "test")}
    for pair in index.pairs:
        patient, i = pair.name.split("_")
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), labels[patient][int(i)])
    assert sorted(p.relative_to(tmp_path / "ToothFairy_Dataset").as_posix() for p in index.ignored) == [
        "Dataset/P1/gt_sparse.npy", "Dataset/P2/gt_sparse.npy", "Dataset/P3/gt_sparse.npy",
        "Dataset/P4/gt_sparse.npy", "Dataset/P5/data.npy", "Dataset/P5/gt_sparse.npy", "Dataset/P6/data.npy",
        "Dataset/P6/gt_sparse.npy"]
    traced = discover(tmp_path / "ToothFairy_Dataset", cache_dir=cache, masks="gt_sparse.npy")
    assert len(traced.pairs) == 6 * 5 and {p.group for p in traced.pairs} == {f"Dataset/P{n}" for n in range(1, 7)}
    assert {p.split for p in traced.pairs} == {None}  # the synthetic patients are in no split: the split is drawn
    drawn = split_pairs(traced.pairs, (0.5, 0.25, 0.25))
    assert not {p.group for p in drawn["train"]} & {p.group for p in drawn["val"] + drawn["test"]}


def chabud(path: Path, pre_fire: range | None = None, samples: int = 6, bands: int = 12) -> dict[str, np.ndarray]:
    """ChaBuD's `train_eval.hdf5`: a group per sample, named by a UUID, holding `post_fire` (H, W, 12)
    uint16 (or of `bands` channels), `pre_fire` alike in the samples of `pre_fire` (all when None),
    `mask` (H, W, 1) 0/1, and a `fold` attribute, sample k in fold k % 3; the masks by group."""
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    masks = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as file:
        for k in range(samples):
            group = file.create_group(f"{k:08x}-4c1e-9b2a-{k:012x}")
            group.attrs["fold"], group.attrs["comments"] = k % 3, ""
            group["post_fire"] = rng.integers(0, 10_000, (H, W, bands), dtype=np.uint16)
            if pre_fire is None or k in pre_fire:
                group["pre_fire"] = rng.integers(0, 10_000, (H, W, bands), dtype=np.uint16)
            masks[group.name.lstrip("/")] = (rng.random((H, W, 1)) > 0.7).astype(np.uint8)
            group["mask"] = masks[group.name.lstrip("/")]
    return masks


def test_an_hdf5_file_of_a_group_per_sample_pairs_each_group_grouped_by_its_fold(tmp_path):
    """ChaBuD's `train_eval.hdf5` was refused: 'no known dataset layout', the file listed as one
    image file; its groups are samples, not the splits of `train/images` + `train/masks`."""
    masks = chabud(tmp_path / "chabud" / "train_eval.hdf5", pre_fire=range(1, 6))
    index = discover(tmp_path / "chabud", cache_dir=str(tmp_path / "cache"))
    assert index.format == "array-stack"
    assert {p.name.removeprefix("train_eval_"): p.group for p in index.pairs} == {
        name: f"fold {k % 3}" for k, name in enumerate(masks)}
    for pair in index.pairs:
        mask = masks[pair.name.removeprefix("train_eval_")][..., 0]  # (H, W, 1) squeezed
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), mask)
        assert read_image(pair.image).shape == (H, W, 12)
    assert index.pairing == ["train_eval.hdf5:<group>/post_fire + train_eval.hdf5:<group>/mask [train]: 6 groups, a "
                             "sample each; grouped by their attribute 'fold': 3 shipped folds (--folds 3 validates on "
                             "one at a time); 'pre_fire' is in 5 of the 6 groups, not in all, so not read: --bands "
                             "pre_fire,post_fire stacks it before post_fire (dates 1 and 2 of a change) in those 5, "
                             "leaving out the 1 without it, once the two give no more than 16 channels (now 24): save "
                             "the channels to learn from as datasets of their own in each group (h5py: "
                             "group['pre_fire_rgb'] = group['pre_fire'][()][..., [3, 2, 1]]) and name those with "
                             "--bands (docs/data.md)"]


def test_bands_stack_a_dataset_some_sample_groups_lack_with_the_images_of_the_groups_holding_both(tmp_path):
    """ChaBuD's `pre_fire` is in most samples, not all, and was left out with no way to read it:
    change detectors train on it stacked before `post_fire`. `--bands pre_fire,post_fire` reads
    the two as the channels of one image, date 1 first, in the groups holding both, the others
    left out and named; past the 16 channels an image may have it is refused, saying what to do."""
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "chabud" / "train_eval.hdf5"
    chabud(path, pre_fire=range(1, 6), bands=3)
    cache = str(tmp_path / "cache")
    plain = discover(path.parent, cache_dir=cache)
    assert len(plain.pairs) == 6 and "--bands pre_fire,post_fire stacks it before post_fire (dates 1 and 2 of a " \
        "change) in those 5, leaving out the 1 without it" in plain.pairing[0]
    index = discover(path.parent, cache_dir=cache, bands=["pre_fire", "post_fire"])
    first = "00000000-4c1e-9b2a-000000000000"  # sample 0: no pre_fire
    assert len(index.pairs) == 5 and first not in {p.name.removeprefix("train_eval_") for p in index.pairs}
    assert index.pairing[0].startswith("train_eval.hdf5:<group>/pre_fire+post_fire + train_eval.hdf5:<group>/mask")
    assert f"1 of the 6 groups lack 'pre_fire' and are left out: {first}" in index.pairing[0]
    with h5py.File(path) as file:
        for pair in index.pairs:
            group = file[pair.name.removeprefix("train_eval_")]
            np.testing.assert_array_equal(read_image(pair.image), np.concatenate([group["pre_fire"][()],
                                                                                  group["post_fire"][()]], axis=2))
    chabud(tmp_path / "full" / "train_eval.hdf5", pre_fire=range(1, 6))
    with pytest.raises(DataError, match=r"--bands pre_fire,post_fire gives 24 channels an image, and seglab reads at "
                                        r"most 16: save the channels to learn from"):
        discover(tmp_path / "full", cache_dir=cache, bands=["pre_fire", "post_fire"])


def test_hdf5_names_and_text_not_in_utf8_are_left_out_or_read_printable(tmp_path, caplog):
    """h5py gives a group name that is not UTF-8 as bytes, and a string attribute that is not as
    text holding surrogates: the bytes raised TypeError in detection, and class names holding
    surrogates could not be printed (UnicodeEncodeError) nor written as UTF-8. The group is left
    out, with a warning naming the file; the text reads with U+FFFD in place of the bytes."""
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "chabud" / "train_eval.hdf5"
    chabud(path, pre_fire=range(0))
    with h5py.File(path, "a") as file:
        odd = file.create_group(b"\xff-4c1e")
        odd["post_fire"], odd["mask"] = np.zeros((H, W, 12), np.uint16), np.zeros((H, W, 1), np.uint8)
        file.attrs.create("classes", [b"background", b"burn\xffed"], dtype=h5py.string_dtype())
        file[next(iter(file))].attrs.create(b"a\xff", 1)  # an attribute name before `fold`
    with caplog.at_level(logging.WARNING, logger="seglab.data.files.hdf5_files"):
        report = inspect_dataset(tmp_path / "chabud", cache_dir=str(tmp_path / "cache"))
    assert len(report.index.pairs) == 6 and report.index.classes.names == ("background", "burn\ufffded")
    assert f"HDF5 file '{path}': objects named in bytes that are not UTF-8 are left out (1, e.g. '\ufffd-4c1e')" \
        in caplog.text
    assert {p.group for p in report.index.pairs} == {"fold 0", "fold 1", "fold 2"}
    format_report(report, all_problems=True).encode("utf-8")  # as `seglab inspect` prints it


def test_an_hdf5_file_is_opened_once_to_find_its_stacks(tmp_path, monkeypatch):
    """A file of a group per split (`train/images` + `train/masks`) was opened twice by the
    detection: once to look for a sample per group, again for its datasets."""
    h5py = pytest.importorskip("h5py")
    (tmp_path / "lesions").mkdir()
    with h5py.File(tmp_path / "lesions" / "dataset.h5", "w") as file:
        for seed, split in enumerate(("train", "val")):
            file[f"{split}/images"], file[f"{split}/masks"] = labelled_slices(3 + seed, seed)
    opened = []
    monkeypatch.setattr(h5py, "File", lambda path, *args, _open=h5py.File, **kwargs: opened.append(path)
                        or _open(path, *args, **kwargs))
    assert array_stack_format.ArrayStackFormat().detect(tmp_path / "lesions")
    assert opened == [tmp_path / "lesions" / "dataset.h5"]


def test_two_datasets_of_every_sample_group_are_a_choice_named_by_the_flag(tmp_path):
    chabud(tmp_path / "chabud" / "train_eval.hdf5")
    with pytest.raises(DataError, match=r"pick one with --images post_fire or --images pre_fire"):
        discover(tmp_path / "chabud", cache_dir=str(tmp_path / "cache"))
    index = discover(tmp_path / "chabud", cache_dir=str(tmp_path / "cache"), images="pre_fire")
    assert len(index.pairs) == 6 and index.pairing[0].startswith("train_eval.hdf5:<group>/pre_fire + ")


def test_a_file_of_one_case_s_stacks_is_its_group(tmp_path):
    """MedSAM-on-Laptop's `train_npz/CT/AbdomenCT1K/CT_AbdomenCT-1K_Case_00001.npz`, one patient's
    CT as `imgs` + `gts` (D, H, W) a file: its slices were no group, one scan's neighbouring slices
    drawn into training and validation. A file named for a split (TissueNet's) is no case."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "train_npz" / "CT" / "AbdomenCT1K"
    folder.mkdir(parents=True)
    for case in range(1, 5):
        gts = np.zeros((6, H, W), np.uint8)
        gts[1:5, 4:12, 5:15] = 1 + case % 2
        np.savez_compressed(folder / f"CT_AbdomenCT-1K_Case_{case:05d}.npz", imgs=rng.integers(0, 256, (6, H, W),
                            dtype=np.uint8), gts=gts, spacing=np.array([2.5, 0.8, 0.8]))
    index = discover(tmp_path / "train_npz" / "CT", cache_dir=str(tmp_path / "cache"))
    assert index.format == "array-stack" and len(index.pairs) == 4 * 6
    assert {p.group for p in index.pairs} == {f"AbdomenCT1K/CT_AbdomenCT-1K_Case_{case:05d}" for case in range(1, 5)}
    drawn = split_pairs(index.pairs, seed=0)
    assert not {p.group for p in drawn["train"]} & {p.group for p in drawn["val"] + drawn["test"]}
    tissuenet(tmp_path / "tissuenet")
    assert {p.group for p in discover(tmp_path / "tissuenet", cache_dir=str(tmp_path / "cache")).pairs} == {None}
