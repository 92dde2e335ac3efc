from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from seglab.data.loading import dataset as dataset_module
from seglab.data.loading.dataset import SegmentationDataset
from seglab.data.layouts.discover import discover
from seglab.data.files.index import Pair
from seglab.data.classes.mapping import IdentityMapping
from seglab.errors import DataError

MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)


def build(root, **kwargs) -> SegmentationDataset:
    index = discover(root)
    options = dict(size=None, mean=MEAN, std=STD, num_classes=4)
    options.update(kwargs)
    return SegmentationDataset(index.pairs, index.mapping, **options)


def test_sample_dict(tiny_dataset):
    data = build(tiny_dataset, size=(24, 20))
    sample = data[0]
    assert sample["image"].dtype == torch.float32 and sample["image"].shape == (3, 24, 20)
    assert sample["mask"].dtype == torch.int64 and sample["mask"].shape == (24, 20)
    assert sample["name"] == "0000" and len(data) == 12
    assert int(sample["mask"].max()) < 4
    batch = next(iter(torch.utils.data.DataLoader(data, batch_size=4)))
    assert batch["image"].shape == (4, 3, 24, 20) and batch["name"][1] == "0001"


def test_each_file_is_decoded_once_and_cached_compactly(tiny_dataset, monkeypatch):
    calls = []
    original = dataset_module.read_image
    monkeypatch.setattr(dataset_module, "read_image", lambda p, *rest: calls.append(p) or original(p, *rest))
    data = build(tiny_dataset)
    first = data[3]
    again = data[3]
    assert len(calls) == 1
    torch.testing.assert_close(first["image"], again["image"])
    image, mask = data._cached[3]
    assert image.dtype == np.uint8 and mask.dtype == np.uint8
    uncached = build(tiny_dataset, cache="none")
    uncached[3], uncached[3]
    assert len(calls) == 3


def test_values_outside_the_classes_name_the_mask(tiny_dataset):
    Image.fromarray(np.full((32, 32), 6, np.uint8)).save(tiny_dataset / "masks" / "0002.png")
    data = build(tiny_dataset)
    with pytest.raises(DataError, match=r"0002.png' has values 6 outside the classes \(expected 0..3\)"):
        data[2]


def test_ignore_index_is_allowed(tiny_dataset):
    mask = np.zeros((32, 32), np.uint8)
    mask[0] = 255
    Image.fromarray(mask).save(tiny_dataset / "masks" / "0002.png")
    assert int(build(tiny_dataset, ignore_index=255)[2]["mask"].max()) == 255
    with pytest.raises(DataError, match="255"):
        build(tiny_dataset)[2]


def test_size_mismatch_names_both_files(tiny_dataset):
    Image.fromarray(np.zeros((16, 32), np.uint8)).save(tiny_dataset / "masks" / "0001.png")
    with pytest.raises(DataError, match=r"masks/0001.png' is 16x32.*images/0001.png' is 32x32"):
        build(tiny_dataset)[1]


def test_grey_images_are_replicated_to_rgb(tmp_path):
    Image.fromarray(np.full((4, 4), 255, np.uint8)).save(tmp_path / "g.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "m.png")
    pair = Pair("g", tmp_path / "g.png", tmp_path / "m.png")
    image = SegmentationDataset([pair], IdentityMapping(), None, MEAN, STD, num_classes=2)[0]["image"]
    assert image.shape == (3, 4, 4)
    torch.testing.assert_close(image, torch.full((3, 4, 4), 2.0))


def test_channels_are_matched_as_prediction_matches_them(tiny_dataset):
    """One rule for training and prediction: colour averaged to grey, grey replicated; a count
    that cannot be matched names the file."""
    from seglab.data.loading.transforms import match_channels

    data = build(tiny_dataset, mean=(0.0,), std=(1.0,))
    rgb = np.asarray(Image.open(tiny_dataset / "images" / "0000.png").convert("RGB"))
    expected = match_channels(rgb, 1)[..., 0] / 255.0
    assert data[0]["image"].shape[0] == 1
    np.testing.assert_allclose(data[0]["image"][0].numpy(), expected, atol=1e-6)
    with pytest.raises(DataError, match="0000.png' has 3 channel\\(s\\) but the model expects 2"):
        build(tiny_dataset, mean=(0.5, 0.5), std=(0.2, 0.2))[0]


def test_pairs_without_masks_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="without a mask"):
        SegmentationDataset([Pair("x", tmp_path / "x.png", None)], IdentityMapping(), None, MEAN, STD, 2)


def test_oxford_pet_end_to_end(oxford_pet_dataset):
    from seglab.data.checking.stats import resolve_classes, scan

    index = discover(oxford_pet_dataset)
    stats = scan(index)
    assert stats.channels == {1: 1, 3: 3} and len(stats.mean) == 3 and stats.problems == []
    assert set(stats.mask_values) == {0, 1, 2}
    classes = resolve_classes(index, stats)
    data = SegmentationDataset(index.pairs, index.mapping, (24, 24), stats.mean, stats.std, classes.num_classes)
    batch = next(iter(torch.utils.data.DataLoader(data, batch_size=4)))
    assert batch["image"].shape == (4, 3, 24, 24)
    assert set(batch["mask"].unique().tolist()) == {0, 1, 2}
