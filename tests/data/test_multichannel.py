"""Multi-channel images: a multispectral TIFF's bands and an array's channels are kept, alpha is
dropped only where a file declares it, and such a dataset trains, evaluates and predicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from seglab.cli import main
from seglab.data import audit, discover
from seglab.data.io import read_header, read_image
from seglab.data.stats import scan
from seglab.data.transforms import match_channels
from seglab.errors import DataError
from seglab.inference.files import display_image
from seglab.reports.plots import to_rgb_uint8
from seglab.runs.checkpoint import read_metadata

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--precision", "fp32",
        "--no-progress", "--no-plan", "--epochs", "1", "--size", "32x32"]


def bands(seed: int, count: int, size: tuple[int, int] = (32, 40)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 60000, (*size, count), dtype=np.uint16)


def test_a_geotiff_keeps_every_band_and_declared_alpha_is_dropped(tmp_path: Path) -> None:
    rgbn = bands(0, 4)
    # GDAL's layout for a 4-band uint16 GeoTIFF: minisblack, three extra samples of unspecified meaning
    tifffile.imwrite(tmp_path / "rgbn.tif", rgbn, photometric="minisblack", planarconfig="contig")
    assert np.array_equal(read_image(tmp_path / "rgbn.tif"), rgbn)
    assert read_header(tmp_path / "rgbn.tif").mode == ""
    # tifffile's default for 4 samples: RGB with an unassociated alpha sample
    tifffile.imwrite(tmp_path / "rgba.tif", rgbn)
    assert np.array_equal(read_image(tmp_path / "rgba.tif"), rgbn[..., :3])
    assert read_header(tmp_path / "rgba.tif").mode == "RGBA"
    grey_alpha = bands(1, 2)
    tifffile.imwrite(tmp_path / "la.tif", grey_alpha, photometric="minisblack", planarconfig="contig",
                     extrasamples=["assocalpha"])
    assert np.array_equal(read_image(tmp_path / "la.tif"), grey_alpha[..., :1])


def test_separate_planes_come_channels_last(tmp_path: Path) -> None:
    planes = np.moveaxis(bands(2, 5), -1, 0)  # (5, H, W), as GDAL writes INTERLEAVE=BAND
    tifffile.imwrite(tmp_path / "planar.tif", planes, photometric="minisblack", planarconfig="separate")
    assert np.array_equal(read_image(tmp_path / "planar.tif"), np.moveaxis(planes, 0, -1))


def test_pages_that_metadata_calls_channels_are_channels(tmp_path: Path) -> None:
    """Fluorescence microscopy's channels as ImageJ and OME-TIFF store them (CYX); pages that are
    slices (ZYX) or of unknown meaning stay pages, of which the first is read."""
    planes = np.moveaxis(bands(6, 2), -1, 0)  # nuclei, membrane
    tifffile.imwrite(tmp_path / "imagej.tif", planes, imagej=True, metadata={"axes": "CYX"})
    tifffile.imwrite(tmp_path / "cells.ome.tif", planes, metadata={"axes": "CYX"})
    tifffile.imwrite(tmp_path / "zstack.tif", planes, imagej=True, metadata={"axes": "ZYX"})
    tifffile.imwrite(tmp_path / "pages.tif", planes)
    for name in ("imagej.tif", "cells.ome.tif"):
        assert np.array_equal(read_image(tmp_path / name), np.moveaxis(planes, 0, -1)), name
        assert read_header(tmp_path / name).frames == 1
    for name in ("zstack.tif", "pages.tif"):
        assert np.array_equal(read_image(tmp_path / name), planes[0][..., None]), name
        assert read_header(tmp_path / name).frames == 2


def test_arrays_keep_their_channels_and_pictures_drop_alpha(tmp_path: Path) -> None:
    two = np.random.default_rng(3).random((16, 20, 2)).astype(np.float32)  # two MRI modalities
    np.save(tmp_path / "two.npy", two)
    assert np.array_equal(read_image(tmp_path / "two.npy"), two)
    sentinel = np.random.default_rng(4).random((24, 24, 13)).astype(np.float32)
    np.save(tmp_path / "s2.npy", sentinel)
    assert read_image(tmp_path / "s2.npy").shape == (24, 24, 13)
    rgba = np.dstack([bands(5, 3).astype(np.uint8), np.full((32, 40), 9, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    assert np.array_equal(read_image(tmp_path / "rgba.png"), rgba[..., :3])
    Image.fromarray(rgba[..., :3]).convert("LA").save(tmp_path / "la.png")
    assert read_image(tmp_path / "la.png").shape == (32, 40, 1)


@pytest.mark.parametrize("shape, hint", [
    ((13, 40, 56), "channels first?"),  # a channel-first multispectral array
    ((5, 16, 16), "channels first?"),  # a small volume, slices first
    ((40, 56, 17), ""),  # more bands than seglab reads
    ((64, 64, 64), ""),  # a volume
])
def test_arrays_that_are_not_channels_last_images_are_refused(tmp_path: Path, shape: tuple[int, ...],
                                                              hint: str) -> None:
    np.save(tmp_path / "a.npy", np.zeros(shape, np.float32))
    with pytest.raises(DataError, match=r"'.*a.npy' has shape .*with C 1-16, channels last") as caught:
        read_image(tmp_path / "a.npy")
    assert (hint in str(caught.value)) and (bool(hint) == ("moveaxis" in str(caught.value)))


def test_multispectral_images_show_their_first_three_bands() -> None:
    image = np.arange(2 * 2 * 5, dtype=np.uint8).reshape(2, 2, 5)
    assert np.array_equal(to_rgb_uint8(image), image[..., :3])
    assert np.array_equal(to_rgb_uint8(image[..., :2]), np.repeat(image[..., :1], 3, axis=-1))
    assert display_image(np.zeros((4, 4, 13), np.float32)).shape == (4, 4, 3)
    assert display_image(np.zeros((4, 4, 2), np.uint16)).shape == (4, 4, 1)


def test_mean_and_std_leave_out_images_that_cannot_be_fed(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    arrays = {"a": np.full((8, 8, 4), 0.5, np.float32), "b": np.full((8, 8, 1), 0.25, np.float32),
              "c": np.full((8, 8, 3), 1.0, np.float32)}
    for name, image in arrays.items():
        np.save(tmp_path / "images" / f"{name}.npy", image)
        mask = np.zeros((8, 8), np.uint8)
        mask[:4] = 1
        np.save(tmp_path / "masks" / f"{name}.npy", mask)
    index = discover(tmp_path)
    stats = scan(index)
    assert stats.channels == {1: 1, 3: 1, 4: 1}
    assert stats.mean == pytest.approx((0.5,) * 4)  # a alone: one band is no stand-in for four
    problems = [p for p in audit(index).problems if p.code == "mixed-channels"]
    assert sorted(p.path.name for p in problems) == ["b.npy", "c.npy"]
    assert "image has 1 channel(s) but the model gets 4" in next(p.message for p in problems if p.path.name == "b.npy")


def test_grey_stands_in_for_rgb_only() -> None:
    grey = np.full((2, 2, 1), 7, np.uint8)
    assert match_channels(grey, 3).shape == (2, 2, 3)
    assert match_channels(np.dstack([grey, grey * 0, grey * 2]), 1)[..., 0].tolist() == [[7, 7], [7, 7]]
    with pytest.raises(DataError, match="scene has 1 channel\\(s\\) but the model expects 4"):
        match_channels(grey, 4, "scene")
    with pytest.raises(DataError, match="has 4 channel\\(s\\) but the model expects 1"):
        match_channels(np.zeros((2, 2, 4), np.uint8), 1)


def test_a_four_band_dataset_trains_evaluates_and_predicts(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                           write_rgbn_tiles) -> None:
    write_rgbn_tiles(tmp_path / "data")
    assert main(["inspect", str(tmp_path / "data")]) == 0
    assert "Channels:     4 (8)" in capsys.readouterr().out
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "data"), "--out", str(run), *TINY]) == 0
    card = read_metadata(run / "checkpoints" / "best.safetensors")["card"]
    assert card["in_channels"] == 4 and len(card["mean"]) == 4
    assert main(["evaluate", str(run)]) == 0
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(tmp_path / "data" / "images" / "tile0.tif"), "--out", str(out)]) == 0
    overlay = np.asarray(Image.open(out / "tile0_overlay.png"))
    assert overlay.shape == (32, 40, 3)
    assert np.asarray(Image.open(out / "tile0_mask.png")).shape == (32, 40)


def test_band_folders_are_pointed_to_stacking_which_then_pairs_by_name(tmp_path: Path) -> None:
    """38-Cloud: a folder per band and one of masks; the docs' stacking recipe gives 4-band images."""
    root = tmp_path / "38-Cloud_training"
    names = [f"patch_{k}_1_by_{k}_LC08_L1TP_002053_20160520_20170324_01_T1.TIF" for k in (1, 1, 2)]
    names[1] = names[1].replace("_1_by_1_", "_2_by_1_")  # two patches share their first number, as in 38-Cloud
    for name in names:
        for band in ("red", "green", "blue", "nir"):
            (root / f"train_{band}").mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(root / f"train_{band}" / f"{band}_{name}", bands(len(band), 1)[..., 0])
        (root / "train_gt").mkdir(exist_ok=True)
        mask = np.zeros((32, 40), np.uint8)
        mask[:10] = 255
        tifffile.imwrite(root / "train_gt" / f"gt_{name}", mask)
    with pytest.raises(DataError, match=r"pair with the images of 4 folders .*stack them into one multi-band TIFF "
                                        r"per image \(docs/encodings.md#bands-in-separate-folders\)"):
        discover(tmp_path)
    (root / "train_rgbn").mkdir()
    for name in names:  # the recipe of docs/encodings.md
        stack = np.dstack([tifffile.imread(root / f"train_{b}" / f"{b}_{name}") for b in ("red", "green", "blue", "nir")])
        tifffile.imwrite(root / "train_rgbn" / name, stack, photometric="minisblack", planarconfig="contig")
    index = discover(root, images="train_rgbn", masks="train_gt")
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == sorted((n, f"gt_{n}") for n in names)
    assert read_image(index.pairs[0].image).shape == (32, 40, 4)


def test_nnunet_2d_channel_files_are_named_as_unused_channels(tmp_path: Path) -> None:
    """nnU-Net's 2-D raw layout with two channel files per case: the second is named for what it is."""
    (tmp_path / "imagesTr").mkdir()
    (tmp_path / "labelsTr").mkdir()
    for i in range(4):
        for channel in range(2):
            image = bands(i + channel, 3).astype(np.uint8)
            Image.fromarray(image).save(tmp_path / "imagesTr" / f"road_{i}_{channel:04d}.png")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "labelsTr" / f"road_{i}.png")
    index = discover(tmp_path)
    assert sorted(p.image.name for p in index.pairs) == [f"road_{i}_0000.png" for i in range(4)]
    unused = [p for p in index.problems if p.path.name == "road_2_0001.png"]
    assert "channel 1 of nnU-Net case 'road_2', whose _0000 file is paired" in unused[0].message
