"""One-hot masks (a binary channel per class in one array) read as class-index masks: BraTS
2020's 2-D slices as Kaggle ships them (HDF5 `image` 240x240x4, `mask` 240x240x3), Keras'
`to_categorical` arrays with a background channel, channel-first stacks, GeoTIFF label bands of
0/255 (DynamicEarthNet's), and overlapping channels pointed to --task multilabel."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.checking.audit import audit
from seglab.data.encodings.one_hot import OneHotMapping
from seglab.errors import DataError
from seglab.labelsets import unpack_numpy

H, W = 24, 28


def tumour(seed: int) -> np.ndarray:
    """Class indices 0 background, 1 necrotic core, 2 oedema, 3 enhancing, drawn by hand."""
    labels = np.zeros((H, W), np.int64)
    top = 2 + seed % 5
    labels[top : top + 10, 4:14] = 2
    labels[top + 3 : top + 7, 7:11] = 1
    labels[18:21, 20:24] = 3
    return labels


def one_hot(labels: np.ndarray, background: bool = False) -> np.ndarray:
    """H x W x C, 0/1: a channel per class 1..3, and class 0's first when `background`."""
    classes = range(0 if background else 1, 4)
    return np.stack([labels == k for k in classes], axis=-1).astype(np.uint8)


def brats2020_slices(root: Path, volumes: int = 3, slices: int = 4) -> dict[str, np.ndarray]:
    """Kaggle's BraTS2020_training_data/content/data/volume_<v>_slice_<s>.h5 with meta_data.csv."""
    folder = root / "BraTS2020_training_data" / "content" / "data"
    folder.mkdir(parents=True)
    expected = {}
    for v in range(1, volumes + 1):
        for s in range(slices):
            labels = tumour(v + s) if s else np.zeros((H, W), np.int64)  # the first slice shows no tumour
            image = np.random.default_rng(v * 10 + s).normal(0, 1, (H, W, 4))  # FLAIR, T1, T1ce, T2 (float64)
            with h5py.File(folder / f"volume_{v}_slice_{s}.h5", "w") as file:
                file["image"], file["mask"] = image, one_hot(labels)
            expected[f"volume_{v}_slice_{s}"] = labels
    (folder / "meta_data.csv").write_text("slice_path,target,volume,slice\n")
    return expected


def test_brats2020_slices_read_as_four_channels_and_four_classes(tmp_path: Path) -> None:
    expected = brats2020_slices(tmp_path)
    index = discover(tmp_path)
    assert index.format == "folder-pairs" and len(index.pairs) == 12
    assert index.mapping == OneHotMapping(3, 1) and index.classes.num_classes == 4
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.name]), pair.name
    assert len({p.group for p in index.pairs}) == 3  # a volume's slices stay in one split


def test_brats2020_slices_train(tmp_path: Path) -> None:
    brats2020_slices(tmp_path / "data", volumes=4)
    assert main(["train", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--model", "unet_small",
                 "--model-option", "widths=[8,16]", "--epochs", "1", "--batch-size", "4", "--no-progress",
                 "--no-plan", "--precision", "fp32"]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert list(metrics["classes"]) == ["class_0", "class_1", "class_2", "class_3"]


def pairs_of_arrays(root: Path, masks: list[np.ndarray]) -> None:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, mask in enumerate(masks):
        np.save(root / "images" / f"p{i}.npy", np.random.default_rng(i).random((H, W), np.float32))
        np.save(root / "masks" / f"p{i}.npy", mask)


def test_a_background_channel_makes_a_class_per_channel(tmp_path: Path) -> None:
    labels = [tumour(i) for i in range(4)]
    pairs_of_arrays(tmp_path, [one_hot(x, background=True) for x in labels])  # Keras' to_categorical
    index = discover(tmp_path)
    assert index.mapping == OneHotMapping(4, 0) and index.classes.num_classes == 4
    assert np.array_equal(read_mask(index.pairs[2].mask, index.mapping), labels[2])


def test_channels_first_stacks_read_alike(tmp_path: Path) -> None:
    labels = [tumour(i) for i in range(4)]
    pairs_of_arrays(tmp_path, [np.moveaxis(one_hot(x), -1, 0) for x in labels])  # 3 x H x W
    index = discover(tmp_path)
    assert index.mapping == OneHotMapping(3, 1)
    assert np.array_equal(read_mask(index.pairs[1].mask, index.mapping), labels[1])


def test_overlapping_channels_point_to_multilabel_which_reads_them(tmp_path: Path) -> None:
    nested = []
    for i in range(4):  # whole tumour, tumour core, enhancing: nested regions, as nnU-Net trains BraTS
        labels = tumour(i)
        nested.append(np.stack([labels > 0, (labels == 1) | (labels == 3), labels == 3], axis=-1).astype(np.uint8))
    pairs_of_arrays(tmp_path, nested)
    index = discover(tmp_path)
    findings = [p for p in audit(index).problems if p.code == "bad-mask"]
    assert len(findings) == 4 and "overlap are a mask per class: train with --task multilabel" in findings[0].message
    multilabel = discover(tmp_path, task="multilabel")
    assert multilabel.classes.num_classes == 3
    planes = unpack_numpy(read_mask(multilabel.pairs[0].mask, multilabel.mapping), 3)
    assert np.array_equal(planes, np.moveaxis(nested[0], -1, 0).astype(bool))


def test_geotiff_label_bands_of_0_and_255_read_as_classes(tmp_path: Path) -> None:
    """DynamicEarthNet's labels: a GeoTIFF band per class, 255 where the class lies, the bands
    covering each pixel once; and such bands beside no background band. Only 0/1 arrays were
    channel stacks: these were refused as 'shape (24, 28, 7); expected a 2-D label map (H, W)'."""
    cover = [tumour(i) * 2 for i in range(3)]  # classes 0, 2, 4, 6 of seven, a band each
    background = [tumour(i) for i in range(3)]  # classes 1..3 in five bands, 0 in none
    for name, labels, bands in (("cover", cover, range(7)), ("background", background, range(1, 6))):
        (tmp_path / name / "images").mkdir(parents=True)
        (tmp_path / name / "masks").mkdir()
        for i, x in enumerate(labels):
            np.save(tmp_path / name / "images" / f"p{i}.npy", np.random.default_rng(i).random((H, W), np.float32))
            stack = np.stack([(x == k).astype(np.uint8) * 255 for k in bands])
            tifffile.imwrite(tmp_path / name / "masks" / f"p{i}.tif", stack, photometric="minisblack",
                             planarconfig="separate")
    index = discover(tmp_path / "cover")
    assert index.mapping == OneHotMapping(7, 0) and index.classes.num_classes == 7
    assert np.array_equal(read_mask(index.pairs[1].mask, index.mapping), cover[1])
    index = discover(tmp_path / "background")
    assert index.mapping == OneHotMapping(5, 1) and index.classes.num_classes == 6
    assert np.array_equal(read_mask(index.pairs[2].mask, index.mapping), background[2])


def test_classes_json_of_another_count_is_refused(tmp_path: Path) -> None:
    pairs_of_arrays(tmp_path, [one_hot(tumour(i)) for i in range(4)])
    (tmp_path / "classes.json").write_text(json.dumps({"names": ["background", "tumour"]}))
    with pytest.raises(DataError, match="classes.json names 2 classes, but the masks of '.*' are one-hot with 3 "
                                        "channels: 4 classes with the background"):
        discover(tmp_path)


@settings(max_examples=80, deadline=None)
@given(planes=hnp.arrays(np.uint8, st.tuples(st.integers(2, 4), st.just(6), st.just(7)), elements=st.integers(0, 1)),
       first=st.sampled_from([0, 1]), last=st.booleans())
def test_any_channel_stack_reads_by_the_rule_or_is_named(planes, first, last):
    """Whatever 0/1 channels hold: class k + first where channel k alone is on, 0 where none is
    (refused when the channels are said to cover every pixel), overlaps refused naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mask.npy"
        np.save(path, np.moveaxis(planes, 0, -1) if last else planes)
        on = planes.sum(axis=0)
        mapping = OneHotMapping(len(planes), first)
        if (on > 1).any() or (first == 0 and (on == 0).any()):
            with pytest.raises(DataError, match="mask.npy'"):
                mapping.read(path)
            return
        expected = np.where(on == 0, 0, np.argmax(planes, axis=0) + first)
        assert np.array_equal(mapping.read(path), expected)
