"""A folder of .npz files that each hold an image and its mask (TransUNet's preprocessed Synapse
slices: `train_npz/case0005_slice000.npz` with arrays `image` and `label`) is a folder of pairs."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from seglab.data import discover, read_image, read_mask
from seglab.data.files.npy_files import npz_pair_shapes
from seglab.data.files.stack_arrays import array_stack_shape


def synapse(root: Path) -> dict[str, np.ndarray]:
    labels = {}
    rng = np.random.default_rng(0)
    (root / "train_npz").mkdir(parents=True)
    (root / "test_vol_h5").mkdir()
    for case in (5, 6):
        for index in range(3):
            label = np.zeros((24, 24), np.float32)  # TransUNet saves the labels as floats
            label[4 : 10 + index, 5:12] = case
            label[15:20, 2:9] = 1
            name = f"case{case:04d}_slice{index:03d}"
            np.savez(root / "train_npz" / f"{name}.npz", image=rng.random((24, 24)).astype(np.float32), label=label)
            labels[name] = label.astype(np.int64)
    (root / "test_vol_h5" / "case0001.npy.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    return labels


def test_each_archive_is_a_pair(tmp_path: Path) -> None:
    labels = synapse(tmp_path / "Synapse")
    index = discover(tmp_path / "Synapse")
    assert sorted(p.name for p in index.pairs) == sorted(labels)
    assert index.pairing[0] == "train_npz/: 6 .npz files, each holding its image and mask arrays"
    assert {p.group for p in index.pairs} == {"case0005", "case0006"}  # a split keeps a case's slices together
    for pair in index.pairs:
        assert pair.image == pair.mask
        assert read_image(pair.image).shape == (24, 24, 1)
        assert np.array_equal(read_mask(pair.mask, index.mapping), labels[pair.name])


def test_archives_of_one_array_are_not_pairs(tmp_path: Path) -> None:
    folder = tmp_path / "arrays"
    folder.mkdir()
    for i in range(3):
        np.savez(folder / f"a{i}.npz", np.zeros((8, 8), np.float32))  # one array: an image alone
    from seglab.data.discovery.folders import search_folders

    assert not search_folders(tmp_path).matches


def test_medsam_imgs_and_gts_are_an_image_and_its_mask(tmp_path: Path) -> None:
    """MedSAM's preprocessed 2-D cases (`Dermoscopy_ISIC2018_ISIC_0000000.npz`: `imgs` (H, W, 3),
    `gts` (H, W)) name their arrays `imgs` and `gts`: the folder was refused with no route."""
    folder = tmp_path / "train_npz" / "Dermoscopy" / "ISIC2018"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        lesion = np.zeros((48, 64), np.uint8)
        lesion[10 : 30 + i, 20:44] = 1
        np.savez_compressed(folder / f"Dermoscopy_ISIC2018_ISIC_{i:07d}.npz",
                            imgs=rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), gts=lesion)
    index = discover(tmp_path / "train_npz" / "Dermoscopy")
    assert len(index.pairs) == 3 and index.pairing[0] == "ISIC2018/: 3 .npz files, each holding its image and mask arrays"
    pair = index.pairs[0]
    assert read_image(pair.image).shape == (48, 64, 3)
    assert read_mask(pair.mask, index.mapping).sum() == 20 * 24


def test_an_image_stored_channels_first_beside_its_mask_is_read_channels_last(tmp_path: Path) -> None:
    """Sen2Fire's patches (`scene1/scene_1_patch_0_3.npz`: `image` (12, H, W) int16, `label` (H, W),
    `aerosol` (H, W)) keep the image's 12 bands first: refused as of a bad shape ('numpy.moveaxis and
    save'), though the (H, W) mask beside it says which axis holds the bands. Read channels last,
    as the pairing line says, and no stack of 12 slices for predict."""
    rng = np.random.default_rng(1)
    images = {}
    for scene in (1, 2):
        (tmp_path / f"scene{scene}").mkdir()
        for patch in range(2):
            name = f"scene_{scene}_patch_{patch}_{patch + 3}"
            images[name] = rng.integers(0, 4000, (12, 32, 32)).astype(np.int16)
            label = np.zeros((32, 32), np.uint8)
            label[4:12 + patch, 8:20] = 1
            np.savez(tmp_path / f"scene{scene}" / f"{name}.npz", image=images[name], label=label,
                     aerosol=rng.integers(0, 500, (32, 32)).astype(np.int16))
    index = discover(tmp_path)
    assert sorted(p.name for p in index.pairs) == sorted(images)
    for pair in index.pairs:
        assert np.array_equal(read_image(pair.image), np.moveaxis(images[pair.name], 0, -1))
        assert read_mask(pair.mask, index.mapping).shape == (32, 32)
        assert array_stack_shape(pair.image) is None
    assert index.pairing[0] == ("scene1/: 2 .npz files, each holding its image and mask arrays (the image's channels "
                                "first, (C, H, W) beside an (H, W) mask: read channels last)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_the_shapes_of_a_fifo_named_as_a_pair_file_are_none_without_waiting_for_a_writer(tmp_path):
    """`npz_pair_shapes` (the channels-first test) opens a .npz only once it is a regular file:
    a FIFO named `x.npz` had blocked it for a writer that never comes."""
    fifo = tmp_path / "x.npz"
    os.mkfifo(fifo)
    found = []
    reader = threading.Thread(target=lambda: found.append(npz_pair_shapes(fifo)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive() and found == [None]
