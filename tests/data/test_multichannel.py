"""Multi-channel images: a multispectral TIFF's bands and an array's channels are kept, alpha is
dropped only where a file declares it, and such a dataset trains, evaluates and predicts."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from seglab.cli import main
from seglab.data import audit, discover
from seglab.data.discovery.channel_files import added_words, channel_groups, channel_names, group_name
from seglab.data.files.index import Pair
from seglab.data.files.io import read_header, read_image
from seglab.data.checking.checks import describe
from seglab.data.checking.stats import scan
from seglab.data.loading.dataset import SegmentationDataset
from seglab.data.loading.transforms import match_channels
from seglab.errors import ConfigError, DataError
from seglab.inference.files import display_image
from seglab.inference.predictor import Predictor
from seglab.inference.numpy_preprocess import normalise
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


GDAL_NODATA = 42113  # the TIFF tag GDAL writes a raster's no-data value in, as ASCII


def write_scenes(root: Path, scenes: dict[str, np.ndarray], no_data: str | None) -> None:
    """Float32 band stacks as HLS ships them (GeoTIFF, with or without GDAL_NODATA), each with an
    int16 mask of its size."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    tags = [(GDAL_NODATA, 2, 0, no_data, True)] if no_data is not None else []
    for name, scene in scenes.items():
        tifffile.imwrite(root / "images" / f"{name}.tif", scene, photometric="minisblack", planarconfig="contig",
                         extratags=tags)
        mask = np.zeros(scene.shape[:2], np.int16)
        mask[-2:] = 1
        tifffile.imwrite(root / "masks" / f"{name}.tif", mask, photometric="minisblack")


def no_data_scenes() -> dict[str, np.ndarray]:
    """Two 4x4 scenes of 2 bands: 0.1 and 0.2 under a first row of -9999 (no data), and 0.3 and 0.4."""
    a = np.dstack([np.full((4, 4), 0.1, np.float32), np.full((4, 4), 0.2, np.float32)])
    a[0] = -9999.0
    b = np.dstack([np.full((4, 4), 0.3, np.float32), np.full((4, 4), 0.4, np.float32)])
    return {"a": a, "b": b}


def test_tagged_no_data_stays_out_of_mean_and_std(tmp_path: Path) -> None:
    write_scenes(tmp_path, no_data_scenes(), "-9999")
    stats = scan(discover(tmp_path))
    # band 0: twelve pixels of 0.1 and sixteen of 0.3; band 1: the same of 0.2 and 0.4
    means = [(12 * low + 16 * high) / 28 for low, high in ((0.1, 0.3), (0.2, 0.4))]
    squares = [(12 * low**2 + 16 * high**2) / 28 for low, high in ((0.1, 0.3), (0.2, 0.4))]
    assert stats.mean == pytest.approx(means, rel=1e-5)
    assert stats.std == pytest.approx([np.sqrt(sq - m * m) for sq, m in zip(squares, means)], rel=1e-4)
    assert not [p for p in audit(discover(tmp_path)).problems if p.code in ("image-not-finite", "no-data-marker")]


def test_no_data_pixels_reach_the_network_as_the_mean(tmp_path: Path) -> None:
    write_scenes(tmp_path, no_data_scenes(), "-9999")
    index = discover(tmp_path)
    stats = scan(index)
    dataset = SegmentationDataset(index.pairs, index.mapping, None, stats.mean, stats.std, num_classes=2)
    image = next(dataset[i]["image"] for i, pair in enumerate(index.pairs) if pair.name == "a")
    assert torch.isfinite(image).all()
    assert torch.equal(image[:, 0], torch.zeros(2, 4))  # the mean, normalised
    assert image[:, 1:].abs().max() < 10  # the real values, no longer beside -9999
    assert np.array_equal(normalise(read_image(tmp_path / "images" / "a.tif"), stats.mean, stats.std),
                          image.numpy())  # exported models are fed the same
    assert not display_image(read_image(tmp_path / "images" / "a.tif"))[0].any()  # shown black in overlays
    resized = SegmentationDataset(index.pairs, index.mapping, (8, 8), stats.mean, stats.std, num_classes=2)
    assert all(torch.isfinite(resized[i]["image"]).all() for i in range(len(resized)))


def test_a_no_data_tag_on_integer_bands_keeps_their_scale(tmp_path: Path) -> None:
    scene = np.array([[0, 65535 // 5], [65535, 65535 // 5]], np.uint16)
    tifffile.imwrite(tmp_path / "dem.tif", scene, photometric="minisblack", extratags=[(GDAL_NODATA, 2, 0, "0", True)])
    image = read_image(tmp_path / "dem.tif")
    assert image.dtype == np.float32 and np.isnan(image[0, 0, 0])
    assert image[1, :, 0] == pytest.approx([1.0, 0.2])  # divided by 65535 as uint16 intensities are


def test_an_untagged_marker_is_reported_once_and_ordinary_data_is_not(tmp_path: Path) -> None:
    write_scenes(tmp_path / "untagged", no_data_scenes(), None)
    markers = [p for p in audit(discover(tmp_path / "untagged")).problems if p.code == "no-data-marker"]
    assert len(markers) == 1 and markers[0].path.name == "a.tif"
    assert "image holds -9999 in 1 % or more of its pixels, far from its other values (1 of 2 images hold such a " \
           "value): probably a no-data marker" in markers[0].message
    assert "gdal_edit.py -a_nodata VALUE FILE" in describe(markers[0])
    rng = np.random.default_rng(7)
    elevation = rng.uniform(-1500, 3000, (4, 4, 2)).astype(np.float32)
    elevation[0] = -1500  # the lowest value, repeated, but within the spread of the rest
    saturated = rng.integers(30000, 65535, (4, 4, 2), dtype=np.uint16)
    saturated[0] = 65535  # saturation among values that reach near it
    for name, scene in {"elevation": elevation, "saturated": saturated}.items():
        write_scenes(tmp_path / name, {"a": scene, "b": scene[::-1].copy()}, None)
        assert not [p for p in audit(discover(tmp_path / name)).problems if p.code == "no-data-marker"], name


KELP = ["--images", "train_satellite", "--masks", "train_kelp"]


def kelp_tiles(root: Path, count: int = 4) -> list[Path]:
    """Kelp Wanted as shipped: train_satellite/<tile>_satellite.tif, 7-band int16 Landsat (planar,
    no GDAL_NODATA tag) holding -32768 where there is no data (a 2x2 corner of two bands: under
    1 % of the values), beside train_kelp/<tile>_kelp.tif (uint8 0/1); the satellite tiles."""
    rng = np.random.default_rng(5)
    (root / "train_satellite").mkdir(parents=True)
    (root / "train_kelp").mkdir()
    tiles = []
    for i in range(count):
        kelp = np.zeros((32, 32), np.uint8)
        kelp[8:16, 4 + i : 20 + i] = 1
        satellite = (rng.integers(300, 700, (7, 32, 32)) + 400 * kelp.astype(np.int16)).astype(np.int16)
        satellite[:2, :2, :2] = -32768
        tiles.append(root / "train_satellite" / f"AA{i:03d}_satellite.tif")
        tifffile.imwrite(tiles[-1], satellite, photometric="minisblack", planarconfig="separate")
        tifffile.imwrite(root / "train_kelp" / f"AA{i:03d}_kelp.tif", kelp)
    return tiles


def test_kelp_wanted_band_stacks_are_images_of_the_masks_beside_them_with_no_flag(tmp_path: Path) -> None:
    """A 7-band int16 tile no mask reading takes looks unlike a mask (many values): train_satellite/
    pairs with train_kelp/ as shipped, not a second folder of masks that leaves no images."""
    kelp_tiles(tmp_path)
    index = discover(tmp_path)
    assert sorted((p.images[0].name, p.mask.name) for p in index.pairs) == [
        (f"AA{i:03d}_satellite.tif", f"AA{i:03d}_kelp.tif") for i in range(4)]


def test_an_untagged_int16_minimum_is_reported_however_few_pixels_hold_it(tmp_path: Path) -> None:
    kelp_tiles(tmp_path)
    report = audit(discover(tmp_path, images="train_satellite", masks="train_kelp"))
    markers = [p for p in report.problems if p.code == "no-data-marker"]
    assert len(markers) == 1 and markers[0].path.name == "AA000_satellite.tif"
    assert "image holds -32768, the lowest int16 value, which rasters fill missing pixels with (4 of 4 images hold " \
           "such a value): probably a no-data marker" in markers[0].message
    assert "(--nodata -32768 declares it)" in markers[0].message and "--nodata VALUE" in describe(markers[0])
    assert report.stats.std[0] > 1000  # read as a value: the reflectances (300-1100) spread about 175


def test_a_declared_no_data_value_stays_out_of_mean_and_std_and_reaches_the_network_as_the_mean(tmp_path: Path) -> None:
    tiles = kelp_tiles(tmp_path)
    index = discover(tmp_path, images="train_satellite", masks="train_kelp", no_data=-32768)
    report = audit(index)
    values = np.stack([tifffile.imread(tile) for tile in tiles]).astype(np.float64)  # (tiles, bands, H, W)
    values[values == -32768] = np.nan
    assert report.stats.mean == pytest.approx(np.nanmean(values, axis=(0, 2, 3)), rel=1e-6)
    assert report.stats.std == pytest.approx(np.nanstd(values, axis=(0, 2, 3)), rel=1e-5)
    assert report.stats.no_data_pixels == (16, 4)  # 2x2 pixels of each of 4 tiles
    assert not [p for p in report.problems if p.code in ("no-data-marker", "image-not-finite")]
    dataset = SegmentationDataset(index.pairs, index.mapping, None, report.stats.mean, report.stats.std, num_classes=2,
                                  no_data=index.no_data)
    image = dataset[0]["image"]
    assert torch.isfinite(image).all() and torch.equal(image[:2, :2, :2], torch.zeros(2, 2, 2))  # the mean
    assert image.abs().max() < 10
    assert read_image(tiles[0]).min() == -32768  # undeclared, a value as before
    assert main(["inspect", str(tmp_path), *KELP, "--nodata", "-32768"]) == 0


def test_a_declared_no_data_value_travels_with_the_run_to_evaluate_and_predict(tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture) -> None:
    tiles = kelp_tiles(tmp_path / "data")
    assert main(["inspect", str(tmp_path / "data"), *KELP, "--nodata", "-32768"]) == 0
    assert "No data:      16 px in 4 images (--nodata -32768 and GDAL_NODATA tags;" in capsys.readouterr().out
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "data"), *KELP, "--nodata", "-32768", "--out", str(run), *TINY]) == 0
    assert read_metadata(run / "checkpoints" / "best.safetensors")["card"]["no_data"] == -32768
    assert main(["evaluate", str(run)]) == 0
    predictor = Predictor.from_run(run, device="cpu")
    declared = predictor.predict(read_image(tiles[0], no_data=-32768)).probs
    assert np.array_equal(predictor.predict_file(tiles[0]).probs, declared)
    assert not np.allclose(predictor.predict(read_image(tiles[0])).probs, declared)  # -32768 fed as a value
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(tiles[0]), "--out", str(out)]) == 0
    assert np.array_equal(np.asarray(Image.open(out / "AA000_satellite_mask.png")), declared.argmax(0))


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



def rgb_thermal_scenes(root: Path, alpha: str = "thermal") -> None:
    """MFNet's ir_seg_dataset: images/<n>{D,N}.png RGBA whose 4th channel is the thermal image
    (`alpha` "thermal"), or a cut-out's alpha (0 and 255 with a soft edge: "cut-out"); labels/
    0..8; train/val/test lists of names."""
    rng = np.random.default_rng(11)
    names = [f"{i:05d}{'D' if i % 3 else 'N'}" for i in range(1, 9)]
    for d in ("images", "labels"):
        (root / d).mkdir(parents=True)
    for n in names:
        rgba = rng.integers(0, 256, (32, 40, 4), dtype=np.uint8)
        if alpha == "cut-out":
            rgba[..., 3] = 0
            rgba[8:24, 10:30, 3] = 255
            rgba[8, 10:30, 3] = 128  # the soft edge
        Image.fromarray(rgba, "RGBA").save(root / "images" / f"{n}.png")
        Image.fromarray(rng.integers(0, 9, (32, 40), dtype=np.uint8)).save(root / "labels" / f"{n}.png")
    for split, part in (("train", names[:4]), ("val", names[4:6]), ("test", names[6:])):
        (root / f"{split}.txt").write_text("\n".join(part) + "\n")


def test_an_rgba_dataset_whose_alpha_is_thermal_reads_it_as_a_fourth_channel(tmp_path: Path,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    rgb_thermal_scenes(tmp_path / "mfnet")
    with caplog.at_level(logging.INFO, logger="seglab.data.layouts.discover"):
        index = discover(tmp_path / "mfnet")
    report = audit(index)
    assert report.stats.channels == {4: 8}
    assert not [p for p in report.warnings if p.code == "alpha-channel"]
    assert index.alpha_channel
    assert sum("holds data" in r.getMessage() for r in caplog.records) == 1
    image = Image.open(tmp_path / "mfnet" / "images" / "00001D.png")
    assert np.array_equal(read_image(image.filename, index.alpha_channel), np.asarray(image))
    dropped = discover(tmp_path / "mfnet", alpha="drop")
    assert not dropped.alpha_channel and scan(dropped).channels == {3: 8}


def test_a_cut_out_alpha_is_dropped_and_the_warning_names_the_way_to_keep_it(tmp_path: Path) -> None:
    rgb_thermal_scenes(tmp_path / "cutouts", alpha="cut-out")
    report = audit(discover(tmp_path / "cutouts"))
    assert report.stats.channels == {3: 8}
    warnings = [describe(p) for p in report.warnings if p.code == "alpha-channel"]
    assert len(warnings) == 8 and "--alpha channel" in warnings[0]
    assert scan(discover(tmp_path / "cutouts", alpha="channel")).channels == {4: 8}


def test_a_16_bit_rgba_tiff_keeps_its_alpha_only_when_the_dataset_does(tmp_path: Path) -> None:
    rgbt = bands(7, 4)
    tifffile.imwrite(tmp_path / "rgbt.tif", rgbt)  # RGB with an unassociated alpha sample
    assert np.array_equal(read_image(tmp_path / "rgbt.tif"), rgbt[..., :3])
    assert np.array_equal(read_image(tmp_path / "rgbt.tif", keep_alpha=True), rgbt)


def test_an_rgb_thermal_model_predicts_rgba_images_with_their_thermal_channel(tmp_path: Path) -> None:
    rgb_thermal_scenes(tmp_path / "mfnet")
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "mfnet"), "--out", str(run), *TINY]) == 0
    assert read_metadata(run / "checkpoints" / "best.safetensors")["card"]["in_channels"] == 4
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(tmp_path / "mfnet" / "images"), "--out", str(out), "--no-progress"]) == 0
    assert np.asarray(Image.open(out / "00001D_mask.png")).shape == (32, 40)


CLOUD_NAMES = [f"patch_{k}_1_by_{k}_LC08_L1TP_002053_20160520_20170324_01_T1.TIF" for k in (1, 2, 3, 4, 5, 6)]


def cloud_folders(root: Path, names: list[str] = CLOUD_NAMES) -> None:
    """38-Cloud's training layout: a folder per band (single-band uint16 TIFFs named after their
    band) and train_gt/; band b of patch k holds 1000 * b + k, and the patch's top rows are cloud."""
    for k, name in enumerate(names):
        for b, band in enumerate(("blue", "nir", "green", "red")):  # listed out of order on purpose
            (root / f"train_{band}").mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(root / f"train_{band}" / f"{band}_{name}", np.full((32, 40), 1000 * b + k, np.uint16))
        (root / "train_gt").mkdir(exist_ok=True)
        mask = np.zeros((32, 40), np.uint8)
        mask[: 4 + 2 * k] = 255
        tifffile.imwrite(root / "train_gt" / f"gt_{name}", mask)


def test_band_folders_are_the_channels_of_one_image_red_green_blue_first(tmp_path: Path) -> None:
    """38-Cloud: a folder per band and one of masks pair as 4-band images, in the order red,
    green, blue, then the others; a patch lacking a band is left out, naming the band's folder."""
    root = tmp_path / "38-Cloud_training"
    cloud_folders(root)
    (root / "train_nir" / f"nir_{CLOUD_NAMES[5]}").unlink()
    index = discover(tmp_path)
    assert sorted(p.name for p in index.pairs) == sorted(n[:-4] for n in CLOUD_NAMES[:5])  # no red_ prefix
    pair = next(p for p in index.pairs if p.name == CLOUD_NAMES[2][:-4])
    assert [f.parent.name for f in pair.images] == ["train_red", "train_green", "train_blue", "train_nir"]
    assert {f.name for f in pair.images} == {f"{b}_{CLOUD_NAMES[2]}" for b in ("red", "green", "blue", "nir")}
    assert read_image(pair.images)[0, 0].tolist() == [3002, 2002, 2, 1002]
    lacking = [p for p in index.problems if p.code == "mask-without-image"]
    assert [p.path.name for p in lacking] == [f"gt_{CLOUD_NAMES[5]}"]
    assert "no band file in 38-Cloud_training/train_nir/" in lacking[0].message
    assert "train_red/, train_green/, train_blue/, train_nir/ (the channels of one image)" in index.pairing[0]
    assert scan(index).channels == {4: 5}
    assert [p.code for p in audit(index).fatal] == []


def test_band_folders_of_a_test_split_count_each_unlabelled_image_once(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """38-Cloud's `38-Cloud_test/test_red/` ... `test_nir/` (no masks) and the scene previews
    `Natural_False_Color/` in both split folders were 'Unlabelled: 22' for 5 test images: each
    band file counted, and the test split's previews too, while the training split's were left
    out. Band folders named as the pairs' are one image's files; the previews are left out."""
    cloud_folders(tmp_path / "38-Cloud_training")
    for split in ("38-Cloud_training", "38-Cloud_test"):
        save_picture(tmp_path / split / "Natural_False_Color" / "LC08_L1TP_002053_20160520_20170324_01_T1.jpg",
                     np.random.default_rng(1).integers(0, 256, (48, 48, 3), dtype=np.uint8))
    for name in CLOUD_NAMES[:3]:
        for band in ("red", "green", "blue", "nir"):
            (tmp_path / "38-Cloud_test" / f"test_{band}").mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(tmp_path / "38-Cloud_test" / f"test_{band}" / f"{band}_{name}", bands(0, 1)[..., 0])
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert len(index.pairs) == 6
    assert sorted(p.name for p in index.unlabelled) == sorted(f"red_{n}" for n in CLOUD_NAMES[:3])
    assert {p.relative_to(tmp_path).as_posix() for p in index.ignored} >= {
        f"{split}/Natural_False_Color/LC08_L1TP_002053_20160520_20170324_01_T1.jpg"
        for split in ("38-Cloud_training", "38-Cloud_test")}
    assert "38-Cloud_test/test_red/, test_green/, test_blue/, test_nir/ hold the bands of 3 unlabelled images" \
        in caplog.text


def test_a_band_folder_run_trains_evaluates_and_remembers_its_channels(tmp_path: Path) -> None:
    """Training on band folders records 4 channels with a mean each, and evaluate reads the
    bands again from their folders."""
    cloud_folders(tmp_path / "data")
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "data"), "--out", str(run), *TINY]) == 0
    card = read_metadata(run / "checkpoints" / "best.safetensors")["card"]
    assert card["in_channels"] == 4 and len(card["mean"]) == 4
    assert card["channel_files"] == ["red", "green", "blue", "nir"]
    assert main(["evaluate", str(run)]) == 0


def test_a_band_folder_model_predicts_each_image_from_its_band_files_in_its_order(tmp_path: Path, capsys) -> None:
    """38-Cloud's test folder (test_red/ ... test_nir/, no masks): `predict` on the folder, or
    on the band folders in any order, reads each patch's four files in the trained order and
    names the outputs after the patch; a patch lacking a band is refused, naming its files."""
    from seglab.inference.loading import load_segmenter

    cloud_folders(tmp_path / "data")
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "data"), "--out", str(run), *TINY]) == 0
    test = tmp_path / "38-Cloud_test"
    rng = np.random.default_rng(1)
    stacks = {}
    for name in CLOUD_NAMES[:2]:
        stacks[name] = rng.integers(0, 65535, (32, 40, 4)).astype(np.uint16)
        for b, band in enumerate(("red", "green", "blue", "nir")):
            (test / f"test_{band}").mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(test / f"test_{band}" / f"{band}_{name}", stacks[name][..., b])
    predictor = load_segmenter([str(run)], "cpu")
    for inputs in ([test], [test / f"test_{band}" for band in ("nir", "blue", "red", "green")]):
        out = tmp_path / f"pred{len(inputs)}"
        assert main(["predict", str(run), *map(str, inputs), "--out", str(out), "--no-progress"]) == 0
        assert sorted(p.name for p in out.glob("*_mask.png")) == sorted(f"{n[:-4]}_mask.png" for n in CLOUD_NAMES[:2])
        for name, stack in stacks.items():
            expected = predictor.predict(stack).mask
            np.testing.assert_array_equal(np.asarray(Image.open(out / f"{name[:-4]}_mask.png")), expected)
    (test / "test_nir" / f"nir_{CLOUD_NAMES[1]}").unlink()
    capsys.readouterr()
    assert main(["predict", str(run), str(test), "--out", str(tmp_path / "pred")]) == 2
    assert f"red_{CLOUD_NAMES[1]}' lacks its channel file(s) nir: the model reads 4 files" in capsys.readouterr().err


def test_an_nnunet_2d_model_predicts_each_case_from_its_channel_files(tmp_path: Path) -> None:
    """imagesTs/ of nnU-Net's 2-D layout: each case's _0000 and _0001 files are one image, in
    channel order, written as the case's name; a model of one file per image is unaffected."""
    from seglab.inference.loading import load_segmenter

    data = tmp_path / "Dataset120_Road"
    for folder in ("imagesTr", "labelsTr", "imagesTs"):
        (data / folder).mkdir(parents=True)
    for i in range(6):
        for channel in range(2):
            Image.fromarray(bands(i + 10 * channel, 1)[..., 0].astype(np.uint8)).save(
                data / "imagesTr" / f"road_{i}_{channel:04d}.png")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(data / "labelsTr" / f"road_{i}.png")
    run = tmp_path / "run"
    assert main(["train", str(data), "--out", str(run), *TINY]) == 0
    assert read_metadata(run / "checkpoints" / "best.safetensors")["card"]["channel_files"] == ["0000", "0001"]
    cases = {f"road_{i}": bands(50 + i, 2).astype(np.uint8) for i in (7, 8)}
    for case, image in cases.items():
        for channel in range(2):
            Image.fromarray(image[..., channel]).save(data / "imagesTs" / f"{case}_{channel:04d}.png")
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(data / "imagesTs"), "--out", str(out), "--no-progress"]) == 0
    assert sorted(p.name for p in out.glob("*_mask.png")) == ["road_7_mask.png", "road_8_mask.png"]
    predictor = load_segmenter([str(run)], "cpu")
    for case, image in cases.items():
        np.testing.assert_array_equal(np.asarray(Image.open(out / f"{case}_mask.png")), predictor.predict(image).mask)


def test_a_folder_of_colour_images_and_one_of_a_band_are_one_image_colour_first(tmp_path: Path) -> None:
    """`nir/` and `rgb/` beside `masks/`: 4 channels, the colour image's three first."""
    for folder in ("nir", "rgb", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(3):
        Image.fromarray(np.full((32, 40, 3), (10 + i, 20, 30), np.uint8)).save(tmp_path / "rgb" / f"tile{i}.png")
        Image.fromarray(np.full((32, 40), 40 + i, np.uint8)).save(tmp_path / "nir" / f"tile{i}.png")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "masks" / f"tile{i}.png")
    index = discover(tmp_path)
    assert [p.name for p in index.pairs] == ["tile0", "tile1", "tile2"]
    assert read_image(index.pairs[2].images)[0, 0].tolist() == [12, 20, 30, 42]
    assert index.pairing[0].startswith("rgb/, nir/ (the channels of one image) + masks/")


def test_a_band_stacked_onto_colour_images_is_said_with_the_route_to_the_colour_alone(tmp_path: Path, caplog) -> None:
    """Pothole-440's `{train,val,test}/{rgb,mask,depth}/`: its 16-bit depth maps were stacked
    as a 4th channel with no word but the Paired line; a warning names depth/ and --images rgb,
    which reads the RGB alone."""
    for split, count in (("train", 3), ("val", 2)):
        for i in range(count):
            for folder, array in (("rgb", np.full((32, 40, 3), (10 + i, 20, 30), np.uint8)),
                                  ("depth", np.full((32, 40), 900 + i, np.uint16)),
                                  ("mask", np.eye(32, 40, dtype=np.uint8) * 255)):
                (tmp_path / split / folder).mkdir(parents=True, exist_ok=True)
                Image.fromarray(array).save(tmp_path / split / folder / f"{i:04d}.png")
    with caplog.at_level(logging.WARNING):
        index = discover(tmp_path)
    assert len(index.pairs[0].images) == 2
    assert "train/depth/ stacked onto the colour images of train/rgb/ as further channels (4 channels an image, " \
           "in 2 folder pair(s)); --images rgb reads the colour images alone" in caplog.text
    index = discover(tmp_path, images="rgb")
    assert len(index.pairs) == 5 and all(len(p.images) == 1 for p in index.pairs)


def test_folders_of_colour_images_sharing_masks_are_still_refused(tmp_path: Path) -> None:
    """Two folders of RGB renderings of one scene (ISPRS Potsdam's RGB and IRRG tiles) are
    alternatives, not bands: the user names one."""
    for folder in ("2_Ortho_RGB", "3_Ortho_IRRG", "5_Labels_all"):
        (tmp_path / folder).mkdir()
    for i in range(3):
        Image.fromarray(bands(i, 3).astype(np.uint8)).save(tmp_path / "2_Ortho_RGB" / f"top_{i}_RGB.tif")
        Image.fromarray(bands(i + 5, 3).astype(np.uint8)).save(tmp_path / "3_Ortho_IRRG" / f"top_{i}_IRRG.tif")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "5_Labels_all" / f"top_{i}_label.tif")
    with pytest.raises(DataError, match=r"pair with the images of 2 folders .*--images 2_Ortho_RGB"):
        discover(tmp_path)


def test_nnunet_2d_channel_files_are_the_channels_of_their_case(tmp_path: Path) -> None:
    """nnU-Net's 2-D raw layout with channel files `road_1_0000.png`, `road_1_0001.png`, ...:
    each case is one image of their channels in number order; a case with a gap is left out."""
    (tmp_path / "imagesTr").mkdir()
    (tmp_path / "labelsTr").mkdir()
    for i in range(4):
        for channel in (2, 0, 1):
            if (i, channel) != (3, 1):
                Image.fromarray(np.full((32, 40), 10 * channel + i, np.uint8)).save(
                    tmp_path / "imagesTr" / f"road_{i}_{channel:04d}.png")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "labelsTr" / f"road_{i}.png")
    index = discover(tmp_path)
    assert sorted(p.image.name for p in index.pairs) == [f"road_{i}_0000.png" for i in range(3)]
    pair = next(p for p in index.pairs if p.image.name == "road_2_0000.png")
    assert [f.name for f in pair.more_channels] == ["road_2_0001.png", "road_2_0002.png"]
    assert read_image(pair.images)[0, 0].tolist() == [2, 12, 22]
    gap = [p for p in index.problems if p.path.name == "road_3_0000.png"]
    assert "has channel files up to _0002 but no road_3_0001; the case is left out" in gap[0].message
    assert scan(index).channels == {3: 3}


def test_a_rewritten_band_file_misses_the_disk_cache_and_is_read_again(tmp_path: Path) -> None:
    """The decoded-sample cache and the scan key on every file of an image, its bands too."""
    from seglab.data.loading.dataset import SegmentationDataset

    cloud_folders(tmp_path / "data")
    index = discover(tmp_path / "data")
    pair = next(p for p in index.pairs if p.name == CLOUD_NAMES[0][:-4])

    def first_sample() -> np.ndarray:
        dataset = SegmentationDataset([pair], index.mapping, (32, 40), (0.5,) * 4, (0.25,) * 4, num_classes=2,
                                      cache="disk", cache_dir=tmp_path / "cache")
        return dataset[0]["image"].numpy()

    before = first_sample()
    nir = pair.more_channels[-1]
    tifffile.imwrite(nir, np.full((32, 40), 65535, np.uint16))
    os.utime(nir, ns=(nir.stat().st_atime_ns, nir.stat().st_mtime_ns + 10**9))
    after = first_sample()
    np.testing.assert_array_equal(after[:3], before[:3])
    np.testing.assert_allclose(after[3], (1.0 - 0.5) / 0.25, rtol=1e-5)
    assert scan(index, [pair]).mean[3] == pytest.approx(1.0)


def test_the_index_memo_keeps_an_images_channel_files(tmp_path: Path) -> None:
    from seglab.data.files.index import DatasetIndex, Pair
    from seglab.data.annotations.index_memo import _loaded, _save
    from seglab.data.classes.mapping import IdentityMapping

    files = [tmp_path / f"{band}_a.tif" for band in ("red", "green", "nir")] + [tmp_path / "gt_a.tif"]
    for path in files:
        path.write_bytes(b"")
    pair = Pair("a", files[0], files[3], "train", None, (), tuple(files[1:3]))
    _save(tmp_path / "memo.json", DatasetIndex(tmp_path, "folder-pairs", [pair], [], None, IdentityMapping(), []))
    assert _loaded(tmp_path / "memo.json").pairs == [pair]
    files[2].unlink()  # a band gone: the memo is stale
    assert _loaded(tmp_path / "memo.json") is None


def test_files_of_one_image_stack_their_channels_scaling_each_by_its_own_dtype(tmp_path: Path) -> None:
    """A uint8 RGB file and a uint16 band give 4 float channels in [0, 1]; more than 16
    channels together are refused, naming the first file."""
    Image.fromarray(np.full((4, 5, 3), 51, np.uint8)).save(tmp_path / "rgb.png")
    tifffile.imwrite(tmp_path / "nir.tif", np.full((4, 5), 13107, np.uint16))
    image = read_image([tmp_path / "rgb.png", tmp_path / "nir.tif"])
    assert image.dtype == np.float32 and image.shape == (4, 5, 4)
    np.testing.assert_allclose(image[0, 0], [0.2, 0.2, 0.2, 0.2], rtol=1e-6)
    Image.fromarray(np.full((20, 24, 3), 51, np.uint8)).save(tmp_path / "big.png")
    np.save(tmp_path / "many.npy", np.zeros((20, 24, 14), np.uint8))
    with pytest.raises(DataError, match=r"image '.*big.png' with its 1 further channel file\(s\) gives 17 channels"):
        read_image([tmp_path / "big.png", tmp_path / "many.npy"])


def band_files_named_with_their_band(root: Path, band_folders: tuple[str, ...], grey_as_rgb: bool) -> list[str]:
    """ETCI 2021's layout: `<scene>/tiles/<band>/<tile>_<band>.png` beside a flood mask and a
    water-body mask named `<tile>.png`, in two scenes; a file's band value is its channel's index
    + 10. The tiles' names."""
    tiles = []
    for scene in ("bangladesh_20170314t115609", "nebraska_20170309t002110"):
        folder = root / "train" / scene / "tiles"
        for kind in (*band_folders, "flood_label", "water_body_label"):
            (folder / kind).mkdir(parents=True)
        for i in range(2):
            tile = f"{scene}_x-{i}_y-0"
            tiles.append(tile)
            for value, band in enumerate(band_folders, 10):
                pixels = np.full((24, 32, 3) if grey_as_rgb else (24, 32), value, np.uint8)
                Image.fromarray(pixels).save(folder / band / f"{tile}_{band}.png")
            for kind in ("flood_label", "water_body_label"):
                Image.fromarray(np.eye(24, 32, dtype=np.uint8) * 255).save(folder / kind / f"{tile}.png")
    return tiles


@pytest.mark.parametrize(("band_folders", "grey_as_rgb", "order"), [
    (("vh", "vv"), True, ("vv", "vh")),  # ETCI 2021: grey bands saved as RGB, like polarisation first
    (("B03", "B02"), False, ("B02", "B03")),  # Sentinel-2 bands by name
])
def test_band_files_named_with_their_folders_band_stack_and_pair_with_masks_named_without_it(
        tmp_path: Path, band_folders: tuple[str, ...], grey_as_rgb: bool, order: tuple[str, ...]) -> None:
    """`vv/<tile>_vv.png` and `vh/<tile>_vh.png` are the channels of one image (a channel per
    file, grey saved as RGB too) that pairs with `flood_label/<tile>.png`; the second mask folder
    is a choice the refusal names; predict puts the band files of a tile together again."""
    tiles = band_files_named_with_their_band(tmp_path, band_folders, grey_as_rgb)
    with pytest.raises(DataError, match=r"(?s)flood_label/.*water_body_label/.*--masks flood_label"):
        discover(tmp_path)
    index = discover(tmp_path, masks="flood_label")
    assert sorted(p.name for p in index.pairs) == sorted(tiles)
    pair = index.pairs[0]
    assert [f.parent.name for f in pair.images] == list(order)
    per_file = 3 if grey_as_rgb else 1  # a band file keeps its channels: grey saved as RGB gives 3 equal ones
    assert read_image(pair.images)[0, 0].tolist() == [10 + band_folders.index(b) for b in order for _ in range(per_file)]
    assert channel_names(pair) == tuple(band.lower() for band in order)
    groups, others = channel_groups(sorted(pair.images, reverse=True), channel_names(pair))
    assert (groups, others) == ([pair.images], [])
    assert group_name(groups[0], channel_names(pair)) == pair.name


@settings(max_examples=80, deadline=None)
@example(names=("vv", "vh"), files=[("x", "vv_a.png"), ("", "vv_a.png"), ("x", "a_vh.png")])  # two vv files of one image
@given(names=st.sampled_from([("0000", "0001"), ("0000", "0001", "0002"), ("red", "green", "blue", "nir"),
                              ("b02", "b03"), ("vv", "vh")]),
       files=st.lists(st.tuples(st.sampled_from(["", "test_red", "test_nir", "b02", "x"]),
                                st.from_regex(r"(red_|nir_|b02_|vv_)?[a-z]{1,4}(_\d{1,2})?(_000[0-3]|_red|_vh)?\.png",
                                              fullmatch=True)), min_size=1, max_size=8, unique=True))
def test_channel_groups_take_every_file_once_in_the_names_order(names, files):
    """Whatever the names, each file is in one image's group or among the others; a group holds
    a file per channel name, in the names' order; or a DataError names the incomplete image."""
    paths = [Path("/data") / folder / name for folder, name in files]
    try:
        groups, others = channel_groups(paths, names)
    except DataError as err:
        assert "lacks its channel file(s)" in str(err) or "are both channel" in str(err)
        return
    taken = [p for group in groups for p in group] + others
    assert sorted(taken) == sorted(paths)
    assert all(len(group) == len(names) for group in groups)
    for group in groups:
        name = group_name(group, names)
        assert name and "/" not in name


def test_numbered_frames_with_masks_of_their_own_names_are_no_channel_files(tmp_path: Path) -> None:
    """Video frames `frame_0000.png` ... with masks named as the frames, every other one
    annotated: the unannotated frames are images without masks, not channels of frame_0000."""
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for i in range(6):
        Image.fromarray(np.full((32, 40), i, np.uint8)).save(tmp_path / "images" / f"frame_{i:04d}.png")
        if i % 2 == 0:
            Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "masks" / f"frame_{i:04d}.png")
    index = discover(tmp_path)
    assert [(p.name, p.more_channels) for p in index.pairs] == [(f"frame_{i:04d}", ()) for i in (0, 2, 4)]
    assert sorted(p.path.name for p in index.problems if p.code == "image-without-mask") == [
        f"frame_{i:04d}.png" for i in (1, 3, 5)]


def test_grey_folders_that_name_no_band_are_versions_and_refused(tmp_path: Path) -> None:
    """`images/` and `images_denoised/` beside `masks/`: two versions of one grey image, not
    bands (the first folder's name adds no word); the user names one, as before."""
    for folder in ("images", "images_denoised", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(3):
        for folder in ("images", "images_denoised"):
            Image.fromarray(np.full((32, 40), i, np.uint8)).save(tmp_path / folder / f"cell{i}.png")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "masks" / f"cell{i}.png")
    with pytest.raises(DataError, match=r"pair with the images of 2 folders .*--images images"):
        discover(tmp_path)


def test_a_map_drawn_from_the_labels_is_no_band(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """NuInsSeg's `distance maps/` (grey, drawn from the masks) beside `tissue images/`: stacked
    as a fourth channel before, leaking the labels into the input. Now set aside and logged."""
    for folder in ("tissue images", "distance maps", "mask binary"):
        (tmp_path / folder).mkdir()
    for i in range(3):
        Image.fromarray(bands(i, 3).astype(np.uint8)).save(tmp_path / "tissue images" / f"cell_{i}.png")
        distance = np.hypot(*np.mgrid[-16:16, -20:20]) * (3 + i)  # smooth: no mask
        Image.fromarray(distance.astype(np.uint8)).save(tmp_path / "distance maps" / f"cell_{i}.png")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "mask binary" / f"cell_{i}.png")
    with caplog.at_level(logging.INFO, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path)
    assert {p.image.parent.name for p in index.pairs} == {"tissue images"} and not any(p.more_channels for p in index.pairs)
    assert read_image(index.pairs[0].images).shape[2] == 3
    assert sorted(p.name for p in index.ignored) == ["cell_0.png", "cell_1.png", "cell_2.png"]
    assert "--images 'distance maps' reads them" in caplog.text


@pytest.mark.parametrize("folders", [("top", "dsm"), ("B02", "B03", "B04", "B08")])
def test_bands_named_by_their_sensor_stack(tmp_path: Path, folders: tuple[str, ...]) -> None:
    """ISPRS Vaihingen's `top/` (IRRG) with `dsm/`; Sentinel-2's band folders: one image."""
    (tmp_path / "gts").mkdir()
    for folder in folders:
        (tmp_path / folder).mkdir()
    for i in range(2):
        for k, folder in enumerate(folders):
            pixels = bands(i * 10 + k, 3 if folder == "top" else 1).astype(np.uint8).squeeze()  # not mask-like
            Image.fromarray(pixels).save(tmp_path / folder / f"area{i}.tif")
        Image.fromarray(np.eye(32, 40, dtype=np.uint8)).save(tmp_path / "gts" / f"area{i}.tif")
    index = discover(tmp_path)
    assert len(index.pairs) == 2 and read_image(index.pairs[0].images).shape[2] == 4


def change_folders(root: Path, dates: tuple[str, str], splits: dict[str, int], masks: str = "label",
                   channels: int = 3) -> None:
    """A change-detection layout (LEVIR-CD's `train/A/`, `train/B/`, `train/label/`): each
    scene at two dates in folders named for them (`dates`, date 1 first), date 2 holding 100
    more than date 1, and a 0/255 change mask."""
    for s, (split, count) in enumerate(splits.items()):
        for i in range(count):
            for k, date in enumerate(dates):
                pixels = (bands(10 * s + i, channels) % 100 + 100 * k).astype(np.uint8)
                save_picture(root / split / date / f"{split}_{i}.png", pixels.squeeze())
            change = np.zeros((32, 40), np.uint8)
            change[i : i + 8, 4:12] = 255
            save_picture(root / split / masks / f"{split}_{i}.png", change)


def save_picture(path: Path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


@pytest.mark.parametrize("dates", [("A", "B"), ("Image1", "Image2"), ("time1", "time2"), ("t1", "t2"),
                                   ("pre", "post"), ("before", "after")])  # date 1 first, not by name
def test_two_dates_of_one_scene_are_one_image_date_one_first(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                             dates: tuple[str, str]) -> None:
    """LEVIR-CD's `A/` + `B/` + `label/` in each split (S2Looking's `Image1/` `Image2/`,
    SYSU-CD's `time1/` `time2/`, DSIFN's colour `t1/` `t2/`, `pre/` `post/`): refused before,
    with a suggested `--images A` that trained a change model on date 1 alone and listed
    val/B/, test/B/ as unlabelled images. Now each mask's image is both dates, date 1's
    channels first, and a mask lacking its date-2 file is left out, naming that folder."""
    change_folders(tmp_path, dates, {"train": 4, "val": 2, "test": 2})
    first, second = dates
    (tmp_path / "test" / second / "test_1.png").unlink()
    with caplog.at_level(logging.INFO, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path)
    assert sorted((p.split, p.name) for p in index.pairs) == sorted(
        [("train", f"train_{i}") for i in range(4)] + [("val", "val_0"), ("val", "val_1"), ("test", "test_0")])
    assert index.unlabelled == [] and index.ignored == []
    pair = next(p for p in index.pairs if p.name == "train_2")
    assert [f.parent.name for f in pair.images] == [first, second]
    stacked = read_image(pair.images)
    assert stacked.shape == (32, 40, 6) and (stacked[..., 3:].astype(int) - stacked[..., :3] == 100).all()
    [lacking] = [p for p in index.problems if p.code == "mask-without-image"]
    assert lacking.path.name == "test_1.png" and f"no date-2 file in test/{second}/" in lacking.message
    assert f"{first}/, {second}/ (dates 1 and 2 of one scene" in index.pairing[0]
    assert f"{first}/ and " in caplog.text and "two dates (change detection)" in caplog.text


def test_grey_t1_and_t2_folders_are_mri_sequences_stacked_as_bands(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """`t1/` and `t2/` of grey images are an MRI slice's T1- and T2-weighted sequences: still
    the channels of one image (as bands), not two dates."""
    change_folders(tmp_path, ("t1", "t2"), {"train": 3}, masks="seg", channels=1)
    with caplog.at_level(logging.INFO, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path)
    assert [f.parent.name for f in index.pairs[0].images] == ["t1", "t2"]
    assert "(the channels of one image)" in index.pairing[0] and "change detection" not in caplog.text


def test_numbered_sibling_folders_beside_the_masks_are_an_images_channels_in_number_order(tmp_path: Path) -> None:
    """BrainMetShare's `Mets_<n>/0/` ... `3/` (an MR sequence each, grey slices named alike)
    beside `seg/`: refused before, offering `--images 0` (one sequence). Folders named by numbers
    alone are the channels of one image, in number order, and the Paired line says so."""
    root = tmp_path / "mets_stanford_releaseMask_train"
    for patient in ("Mets_005", "Mets_008"):
        for s in range(3):
            for k in range(4):  # sequence k's pixels in [50k, 50k + 50)
                pixels = (bands(s, 1) % 50 + 50 * k).astype(np.uint8)[..., 0]
                save_picture(root / patient / str(k) / f"{s:03d}.png", pixels)
            save_picture(root / patient / "seg" / f"{s:03d}.png", np.eye(32, 40, dtype=np.uint8) * 255)
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and [p.code for p in audit(index).fatal] == []
    pair = index.pairs[0]
    assert [f.parent.name for f in pair.images] == ["0", "1", "2", "3"]
    assert (read_image(pair.images).max(axis=(0, 1)) // 50).tolist() == [0, 1, 2, 3]
    assert "Mets_005/0/, 1/, 2/, 3/ (the channels of one image) + " in index.pairing[0]


def test_per_date_building_masks_beside_the_change_masks_stay_a_choice(tmp_path: Path) -> None:
    """S2Looking's `label1/` and `label2/` (each date's buildings) beside `label/` (the change):
    the refusal names the mask folders; `--masks label` reads the change with both dates."""
    root = tmp_path / "S2Looking"
    change_folders(root, ("Image1", "Image2"), {"train": 3, "val": 2})
    for split, count in (("train", 3), ("val", 2)):
        for folder in ("label1", "label2"):
            for i in range(count):
                save_picture(root / split / folder / f"{split}_{i}.png", np.eye(32, 40, dtype=np.uint8) * 255)
    with pytest.raises(DataError, match=r"(?s)3 folders could hold the masks .*--masks label$"):
        discover(tmp_path)
    index = discover(tmp_path, masks="label")
    assert len(index.pairs) == 5 and all(read_image(p.images).shape[2] == 6 for p in index.pairs)
    assert {p.mask.parent.name for p in index.pairs} == {"label"}


def test_images_naming_one_date_warns_that_the_other_is_left_out(tmp_path: Path, caplog) -> None:
    """--images A on LEVIR-CD reads date 1 alone, with which no change can be learnt: it did so
    without a word, B/ listed among the ignored files."""
    change_folders(tmp_path, ("A", "B"), {"train": 3, "val": 2})
    with caplog.at_level(logging.WARNING, logger="seglab"):
        index = discover(tmp_path, images="A")
    assert len(index.pairs) == 5 and all(read_image(p.images).shape[2] == 3 for p in index.pairs)
    assert f"'{tmp_path / 'train' / 'B'}', '{tmp_path / 'val' / 'B'}' beside it hold the other date" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="seglab"):
        discover(tmp_path)
    assert "other date" not in caplog.text


def year_folders(root: Path, splits: dict[str, int], masks: bool = True) -> None:
    """Hi-UCD mini's layout: `<split>/image/2017/9/<r>_<c>.png` and `2018/9/` (a zoom folder below
    each year; 2018's pixels 100 above 2017's), `<split>/mask/2017_2018/9/` of change masks, no
    masks for test/."""
    for s, (split, count) in enumerate(splits.items()):
        for i in range(count):
            name = f"{20 + i}_{31 + i}.png"
            for year in ("2018", "2017"):  # date 2 first on disk: the years order them
                pixels = bands(10 * s + i, 3) % 100 + 100 * (year == "2018")
                save_picture(root / split / "image" / year / "9" / name, pixels.astype(np.uint8))
            if masks and split != "test":
                change = np.zeros((32, 40), np.uint8)
                change[i : i + 8, 4:12] = 1
                save_picture(root / split / "mask" / "2017_2018" / "9" / name, change)


@pytest.mark.parametrize("named", [{}, {"images": "image", "masks": "mask"}])
def test_year_folders_are_two_dates_of_the_change_masks_named_for_both(tmp_path: Path, named: dict[str, str]) -> None:
    """Hi-UCD's `image/2017/9/` and `image/2018/9/` beside `mask/2017_2018/9/`: the mask folder
    mirrored neither image folder (two parts differ) and nothing paired ('no known dataset
    layout'; with --images image --masks mask, 'images named as no mask'); the year folders,
    their leaves alike (`9/`), were no dates. Now each mask's image is 2017's channels, then
    2018's, in the shipped train and val splits, and test/'s two scenes are 2 unlabelled images."""
    root = tmp_path / "Hi-UCD_mini"
    year_folders(root, {"train": 3, "val": 2, "test": 2})
    index = discover(root, **named)
    assert sorted(p.split for p in index.pairs) == ["train"] * 3 + ["val"] * 2
    pair = next(p for p in index.pairs if p.split == "train")
    assert [f.relative_to(root).parts[2] for f in pair.images] == ["2017", "2018"]
    stacked = read_image(pair.images)
    assert stacked.shape == (32, 40, 6) and (stacked[..., 3:].astype(int) - stacked[..., :3] == 100).all()
    assert len(index.unlabelled) == 2 and all(f.parts[-3] == "2017" for f in index.unlabelled)
    assert "train/image/2017/9/, 2018/9/ (dates 1 and 2 of one scene" in index.pairing[0]
    assert channel_names(pair) == ("2017", "2018")


def test_images_naming_one_year_warns_that_the_other_year_below_is_left_out(tmp_path: Path, caplog) -> None:
    """--images 2017 on Hi-UCD reads date 1 alone; the warning looked for the other date beside
    the image folder only (`2017/9/` has none), not beside the year folder above it."""
    year_folders(tmp_path, {"train": 2, "val": 1})
    with caplog.at_level(logging.WARNING, logger="seglab"):
        index = discover(tmp_path, images="2017", masks="2017_2018")
    assert len(index.pairs) == 3 and all(read_image(p.images).shape[2] == 3 for p in index.pairs)
    assert f"'{tmp_path / 'train' / 'image' / '2018' / '9'}', '{tmp_path / 'val' / 'image' / '2018' / '9'}' beside it " \
           "hold the other date" in caplog.text


def test_geometric_augmentations_move_both_dates_together() -> None:
    """A 6-channel image of two dates: flips, rotations, crops and elastic warps move date 2's
    channels exactly as date 1's, as they move bands, so the change mask still fits both."""
    from seglab.data.loading.augment import Augment

    augment = Augment({"scale_crop": {}, "hflip": {}, "vflip": {}, "rot90": {}, "rotate": {}, "elastic": {}}, 255)
    date = torch.rand(3, 32, 40)
    for seed in range(10):
        image, _ = augment(torch.cat([date, date]), torch.zeros(32, 40, dtype=torch.int64), seed)
        assert torch.equal(image[:3], image[3:])


def test_a_change_model_trains_on_both_dates_and_predicts_a_split_folder(tmp_path: Path, capsys) -> None:
    """LEVIR-CD's layout trains a 6-channel model whose card names the date folders (`a`, `b`);
    `predict RUN test/` reads each scene's A/ and B/ files together, names the outputs after
    the scene, and leaves the split's label/ out (logged) instead of predicting masks as images."""
    from seglab.inference.loading import load_segmenter

    data = tmp_path / "LEVIR-CD"
    change_folders(data, ("A", "B"), {"train": 6, "val": 2, "test": 2})
    run = tmp_path / "run"
    assert main(["train", str(data), "--out", str(run), *TINY]) == 0
    card = read_metadata(run / "checkpoints" / "best.safetensors")["card"]
    assert card["in_channels"] == 6 and card["channel_files"] == ["a", "b"]
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(data / "test"), "--out", str(out), "--no-progress"]) == 0
    assert sorted(p.name for p in out.glob("*_mask.png")) == ["test_0_mask.png", "test_1_mask.png"]
    predictor = load_segmenter([str(run)], "cpu")
    for name in ("test_0", "test_1"):
        stack = read_image([data / "test" / date / f"{name}.png" for date in ("A", "B")])
        np.testing.assert_array_equal(np.asarray(Image.open(out / f"{name}_mask.png")), predictor.predict(stack).mask)


def marida_patches(root: Path, count: int = 3, grey_images: bool = False) -> Path:
    """MARIDA: patches/S2_<date>_<tile>/S2_<date>_<tile>_<n>.tif (11 float32 reflectance bands in
    [0, 1)) beside its class mask `_cl.tif` and confidence `_conf.tif` (uint8). `grey_images`: a
    folder of uint8 scans of few grey levels instead, that only their name tells from masks."""
    folder = root / "patches" / "S2_1-12-19_48MYU"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for n in range(count):
        name = f"S2_1-12-19_48MYU_{n}"
        pixels = (rng.integers(0, 3, (32, 40)) * 100).astype(np.uint8) if grey_images \
            else rng.random((32, 40, 11)).astype(np.float32)
        tifffile.imwrite(folder / f"{name}.tif", pixels, photometric="minisblack", planarconfig="contig")
        classes = np.zeros((32, 40), np.uint8)
        classes[4:20, 8:30] = n % 3 + 1
        tifffile.imwrite(folder / f"{name}_cl.tif", classes)
        tifffile.imwrite(folder / f"{name}_conf.tif", (classes > 0).astype(np.uint8) * 2)
    return folder


def test_float_reflectance_patches_are_images_and_the_named_mask_pattern_reads_them(tmp_path: Path) -> None:
    """MARIDA was refused, and the pattern the refusal named gave 'no image/mask folders fit':
    float reflectance in [0, 1) made integer is all 0, so the images 'looked like masks'."""
    marida_patches(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    assert "--mask-pattern '{stem}_cl.tif': 3 masks" in str(info.value)
    index = discover(tmp_path, mask_pattern="{stem}_cl.tif")
    assert sorted(p.mask.name for p in index.pairs) == [f"S2_1-12-19_48MYU_{n}_cl.tif" for n in range(3)]
    assert read_image(index.pairs[0].image).shape == (32, 40, 11)


def test_a_mask_pattern_names_the_masks_of_a_folder_whose_images_look_like_masks(tmp_path: Path) -> None:
    marida_patches(tmp_path, grey_images=True)
    index = discover(tmp_path, mask_pattern="{stem}_cl.tif")
    assert sorted(p.image.name for p in index.pairs) == [f"S2_1-12-19_48MYU_{n}.tif" for n in range(3)]


def s1s2_water(root: Path, scenes: tuple[int, ...] = (1, 5, 6)) -> None:
    """S1S2-Water: a folder per scene holding `sentinel12_{s1,s2}_<id>_{img,msk,valid}.tif` (S1 2
    int16 bands, S2 6 uint16 bands, each sensor its own water mask and valid mask), the DEM's
    `sentinel12_copdem30_<id>_{elevation,slope}.tif` at a third of the size, and the scene's STAC
    item `sentinel12_<id>_meta.json`."""
    for i in scenes:
        folder = root / str(i)
        folder.mkdir(parents=True)
        water = np.zeros((48, 48), np.uint8)
        water[10:30, 5 + i:25 + i] = 1
        for sensor, pixels in (("s1", bands(i, 2, (48, 48)).astype(np.int16)), ("s2", bands(i, 6, (48, 48)))):
            tifffile.imwrite(folder / f"sentinel12_{sensor}_{i}_img.tif", pixels, photometric="minisblack",
                             planarconfig="contig")
            tifffile.imwrite(folder / f"sentinel12_{sensor}_{i}_msk.tif", water)
            tifffile.imwrite(folder / f"sentinel12_{sensor}_{i}_valid.tif", np.ones((48, 48), np.uint8))
        for layer in ("elevation", "slope"):
            tifffile.imwrite(folder / f"sentinel12_copdem30_{i}_{layer}.tif", bands(i, 1, (16, 16))[..., 0])
        (folder / f"sentinel12_{i}_meta.json").write_text('{"type": "Feature", "properties": {"split": "train"}}')


def test_images_and_masks_named_as_such_pair_beside_other_rasters_of_the_scene(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """S1S2-Water's `_img` and `_msk` files paired only without the `_valid` and DEM files beside
    them, which were taken for the images of every mask; `--mask-pattern '{stem}_msk.tif'` gave
    'no image/mask folders fit'. Now they pair, the others are left out (logged, listed as
    ignored), the two sensors' channel counts are a finding naming the pattern that reads each,
    and that pattern leaves the other sensor's images out rather than calling them unmasked."""
    s1s2_water(tmp_path)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == sorted(
        (f"sentinel12_{s}_{i}_img.tif", f"sentinel12_{s}_{i}_msk.tif") for s in ("s1", "s2") for i in (1, 5, 6))
    assert {p.name for p in index.ignored} >= {"sentinel12_copdem30_1_elevation.tif", "sentinel12_s2_1_valid.tif"}
    assert "12 files beside images and masks named as such (_img, _msk, ...) are named as neither" in caplog.text
    mixed = [describe(p) for p in audit(index).fatal if p.code == "mixed-channels"]
    assert len(mixed) == 3 and sum(r"--mask-pattern '(.*_s1_.*)_msk\.tif' or '(.*_s2_.*)_msk\.tif'" in m
                                   for m in mixed) == 1
    for sensor, channels in (("s1", 2), ("s2", 6)):
        index = discover(tmp_path, mask_pattern=rf"(.*_{sensor}_.*)_msk\.tif")
        assert sorted(p.image.name for p in index.pairs) == [f"sentinel12_{sensor}_{i}_img.tif" for i in (1, 5, 6)]
        assert not [p for p in index.problems if p.code in ("image-without-mask", "mask-without-image")]
        assert scan(index).channels == {channels: 3} and not audit(index).fatal


def sparcs_scenes(root: Path, scenes: tuple[str, ...] = ("LC80010812013365LGN00_18", "LC80020622013244LGN00_32",
                                                          "LC80050152014172LGN00_33")) -> None:
    """SPARCS (Landsat 8 cloud validation) as USGS ships it: `sending/<scene>_data.tif` (10 uint16
    bands) beside its class mask `<scene>_mask.png` (0-6), its RGB rendering `<scene>_photo.png`
    and the quality and Collection-1 masks `<scene>_qmask.tif`, `<scene>_c1mask.tif`."""
    folder = root / "sending"
    folder.mkdir(parents=True)
    for i, scene in enumerate(scenes):
        labels = np.zeros((24, 24), np.uint8)
        labels[4:16, 2 + i:14 + i] = 5
        labels[18:, :] = 2
        data = bands(i, 10, (24, 24))
        tifffile.imwrite(folder / f"{scene}_data.tif", data, photometric="minisblack", planarconfig="contig")
        Image.fromarray(labels).save(folder / f"{scene}_mask.png")
        Image.fromarray((data[..., [3, 2, 1]] >> 8).astype(np.uint8)).save(folder / f"{scene}_photo.png")
        tifffile.imwrite(folder / f"{scene}_qmask.tif", (labels > 3).astype(np.uint8) * 2)
        tifffile.imwrite(folder / f"{scene}_c1mask.tif", labels)


@pytest.mark.parametrize("mask_pattern", [None, "{stem}_mask.png"])
def test_data_files_pair_with_their_masks_beside_renderings_and_other_products(tmp_path: Path,
                                                                                mask_pattern: str | None) -> None:
    """SPARCS' `_photo.png`, `_qmask.tif` and `_c1mask.tif` were taken for images competing for
    each `_mask.png`: 'no known dataset layout', and the pattern the message offers, 'no folders
    fit'. `_data` names images now, so the products beside are left out, listed as ignored."""
    sparcs_scenes(tmp_path)
    index = discover(tmp_path, mask_pattern=mask_pattern)
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == [
        (f"{s}_data.tif", f"{s}_mask.png") for s in ("LC80010812013365LGN00_18", "LC80020622013244LGN00_32",
                                                    "LC80050152014172LGN00_33")]
    assert {p.name.rsplit("_", 1)[1] for p in index.ignored} == {"photo.png", "qmask.tif", "c1mask.tif"}
    assert not [p for p in index.problems if p.code in ("image-without-mask", "mask-without-image")]
    assert scan(index).channels == {10: 3}


SENTINEL2 = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")  # in band order
AGRIFIELDNET = "ref_agrifieldnet_competition_v1"


def agrifieldnet_chips(root: Path, train: tuple[str, ...] = ("0a1b2", "13c4d", "2e5f6"),
                       test: tuple[str, ...] = ("3a7b8",)) -> None:
    """AgriFieldNet's STAC catalogue: `<P>_source/<P>_source_<chip>/` of a uint8 raster per band
    (band b of chip k holds 10 * k + b in its natural order, B8A after B08), with stac.json;
    `<P>_labels_train/<P>_labels_train_<chip>/raster_labels.tif` (crop ids, 0 = no label) beside
    `field_ids.tif`, and `<P>_labels_test/` of field ids alone."""
    for k, chip in enumerate((*train, *test)):
        source = root / AGRIFIELDNET / f"{AGRIFIELDNET}_source" / f"{AGRIFIELDNET}_source_{chip}"
        source.mkdir(parents=True)
        for b in (11, 8, 0, 4, 9, 1, 10, 2, 6, 3, 5, 7):  # written out of order
            tifffile.imwrite(source / f"{SENTINEL2[b]}.tif", np.full((32, 40), 10 * k + b, np.uint8))
        (source / "stac.json").write_text('{"type": "Feature"}')
        split = "train" if chip in train else "test"
        labels = root / AGRIFIELDNET / f"{AGRIFIELDNET}_labels_{split}" / f"{AGRIFIELDNET}_labels_{split}_{chip}"
        labels.mkdir(parents=True)
        crops = np.zeros((32, 40), np.uint8)
        crops[4 + k : 20, 6:30] = (1, 4, 9, 36)[k]
        tifffile.imwrite(labels / "field_ids.tif", (crops > 0).astype(np.uint16) * (1000 + k))
        if split == "train":
            tifffile.imwrite(labels / "raster_labels.tif", crops)
    for folder in ("source", "labels_train", "labels_test"):
        (root / AGRIFIELDNET / f"{AGRIFIELDNET}_{folder}" / "collection.json").write_text('{"type": "Collection"}')


def test_chip_folders_of_band_files_are_one_image_each_in_band_order_paired_by_chip(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """AgriFieldNet (a folder of 12 Sentinel-2 band files per chip, its labels in a folder per
    chip beside field ids) was 'no known dataset layout'. Each chip folder is one image of its
    bands in their natural order, paired with `raster_labels.tif` by the chip id both folder
    names end with; `field_ids.tif` is listed as ignored, a test chip without labels is
    unlabelled, and a chip lacking a band is left out, naming the chip and the band."""
    agrifieldnet_chips(tmp_path)
    lacking = tmp_path / AGRIFIELDNET / f"{AGRIFIELDNET}_source" / f"{AGRIFIELDNET}_source_2e5f6"
    (lacking / "B05.tif").unlink()
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert [p.name for p in index.pairs] == [f"{AGRIFIELDNET}_source_0a1b2", f"{AGRIFIELDNET}_source_13c4d"]
    pair = index.pairs[1]
    assert tuple(f.stem for f in pair.images) == SENTINEL2
    assert read_image(pair.images)[0, 0].tolist() == list(range(10, 22))
    assert (pair.mask.parent.name, pair.mask.name) == (f"{AGRIFIELDNET}_labels_train_13c4d", "raster_labels.tif")
    assert channel_names(pair) == ("b01", "b02", "b03", "b04", "b05", "b06", "b07", "b08", "b8a", "b09", "b11", "b12")
    assert [p.parent.name for p in index.unlabelled] == [f"{AGRIFIELDNET}_source_3a7b8"]
    assert {p.name for p in index.ignored} >= {"field_ids.tif", "collection.json"}
    assert sum(p.name == "field_ids.tif" for p in index.ignored) == 4
    left_out = [p for p in index.problems if p.code == "mask-without-image"]
    assert len(left_out) == 1 and f"{AGRIFIELDNET}_source_2e5f6/' has no band file B05" in left_out[0].message
    assert "<chip>/ (B01, B02, B03, B04, B05, B06, B07, B08, B8A, B09, B11, B12: the channels of one image)" \
        in index.pairing[0]
    assert "field_ids.tif beside each label left out, listed as ignored" in caplog.text
    assert scan(index).channels == {12: 2}


@pytest.mark.parametrize("in_items", [False, True], ids=["collection summaries", "item properties"])
def test_stac_label_classes_name_the_crop_ids_and_leave_0_unlabelled(tmp_path: Path, in_items: bool) -> None:
    """AgriFieldNet's label collection lists its crop ids as `label:classes` (`"1: Wheat"`, ...,
    `"36: Rice"`; STAC's label extension, in the collection's summaries or each item's
    properties), 0 no label: they were not read, so ids 0 to 16 made class_0 ... class_16 and 36
    a fatal value outside the classes. The named ids are the classes in id order, the others
    (0 among them) the ignore label."""
    agrifieldnet_chips(tmp_path)
    listed = {"label:classes": [{"name": "raster_labels", "classes": ["1: Wheat", "2: Mustard", "4: No Crop",
                                                                        "9: Maize", "36: Rice"]}]}
    labels = tmp_path / AGRIFIELDNET / f"{AGRIFIELDNET}_labels_train"
    if in_items:
        for item in labels.glob("*/"):
            (item / "stac.json").write_text(json.dumps({"type": "Feature", "properties": listed}))
    else:
        (labels / "collection.json").write_text(json.dumps({"type": "Collection", "summaries": listed}))
    index = discover(tmp_path)
    assert index.classes.names == ("Wheat", "Mustard", "No Crop", "Maize", "Rice") and index.ignore_index == 255
    assert [dict(index.mapping.values)[v] for v in (0, 1, 4, 9, 36)] == [255, 0, 2, 3, 4]
    assert [p.code for p in audit(index).fatal] == []


def cloud_cover_chips(root: Path, chips: tuple[str, ...] = ("adwp", "adwu", "adwz", "adxp", "aeaj", "aecy")) -> None:
    """DrivenData's Cloud Cover: `train_features/<chip>/B02.tif` ... `B08.tif` (uint16) and
    `train_labels/<chip>.tif` (1 = cloud), the clouds bright in every band, with its metadata."""
    rng = np.random.default_rng(3)
    for k, chip in enumerate(chips):
        cloud = np.zeros((32, 40), np.uint8)
        cloud[2 * k : 2 * k + 14, 4:24] = 1
        for band in ("B08", "B04", "B03", "B02"):
            (root / "train_features" / chip).mkdir(parents=True, exist_ok=True)
            pixels = rng.integers(500, 3000, (32, 40)) + np.where(cloud == 1, 20000, 0)
            tifffile.imwrite(root / "train_features" / chip / f"{band}.tif", pixels.astype(np.uint16))
        (root / "train_labels").mkdir(exist_ok=True)
        tifffile.imwrite(root / "train_labels" / f"{chip}.tif", cloud)
    (root / "train_metadata.csv").write_text("chip_id,location\n" + "".join(f"{c},Chifunfu\n" for c in chips))


def test_the_words_each_band_file_adds_are_the_channel_names_and_tell_a_chip_folder() -> None:
    """`added_words` is the one rule: a chip folder's band files (BigEarthNet's `<patch>_B01.tif`)
    and the channel names of its image."""
    named = [["s2a", "t35", "b01"], ["s2a", "t35", "b8a"], ["s2a", "t35", "b11", "x"]]
    assert added_words(named) == [("b01",), ("b8a",), ("b11", "x")]
    chip = Path("S2A_T35_42")
    pair = Pair("S2A_T35_42", chip / "S2A_T35_B01.tif", None, more_channels=(chip / "S2A_T35_B8A.tif",))
    assert channel_names(pair) == ("b01", "b8a")


@pytest.mark.parametrize("named", [{}, {"images": "train_features", "masks": "train_labels"}])
def test_chip_folders_pair_with_label_files_named_after_their_chip(tmp_path: Path, named: dict[str, str]) -> None:
    """Cloud Cover's `train_features/<chip>/` beside `train_labels/<chip>.tif`, found or named
    with --images and --masks (both refused as 'no known layout' before): 4 bands per image."""
    cloud_cover_chips(tmp_path)
    index = discover(tmp_path, **named)
    assert [p.name for p in index.pairs] == ["adwp", "adwu", "adwz", "adxp", "aeaj", "aecy"]
    assert [f.name for f in index.pairs[0].images] == ["B02.tif", "B03.tif", "B04.tif", "B08.tif"]
    assert index.pairs[0].mask.relative_to(tmp_path).as_posix() == "train_labels/adwp.tif"
    assert [p.code for p in audit(index).fatal] == []


def test_bands_picks_a_chips_band_files_and_the_run_predicts_chip_folders_alike(tmp_path: Path) -> None:
    """`--bands B04,B03,B02` reads three of Cloud Cover's four band files, in that order; the
    run records them (config and card), so evaluate reads them again and predict reads a chip
    folder, or a folder of chip folders, as training did: B08 left out, outputs named by chip."""
    from seglab.inference.loading import load_segmenter

    cloud_cover_chips(tmp_path / "data")
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "data"), "--bands", "B04,B03,B02", "--out", str(run), *TINY]) == 0
    assert read_metadata(run / "checkpoints" / "best.safetensors")["card"]["channel_files"] == ["b04", "b03", "b02"]
    assert "bands:\n  - B04\n  - B03\n  - B02\n" in (run / "config.yaml").read_text()
    assert main(["evaluate", str(run)]) == 0
    test = tmp_path / "test_features"
    cloud_cover_chips(test, ("bfaa", "bfab"))
    predictor = load_segmenter([str(run)], "cpu")
    for inputs, chips in (("train_features/bfaa", ["bfaa"]), ("train_features", ["bfaa", "bfab"])):
        out = tmp_path / "pred" / inputs
        assert main(["predict", str(run), str(test / inputs), "--out", str(out), "--no-progress"]) == 0
        assert sorted(p.name for p in out.glob("*_mask.png")) == [f"{c}_mask.png" for c in chips]
        for chip in chips:
            stack = read_image([test / "train_features" / chip / f"{b}.tif" for b in ("B04", "B03", "B02")])
            np.testing.assert_array_equal(np.asarray(Image.open(out / f"{chip}_mask.png")),
                                          predictor.predict(stack).mask)


CONTRAILS_BANDS = [f"band_{b:02d}" for b in range(8, 17)]


def contrails(root: Path, splits: dict[str, int] = {"train": 3, "validation": 2, "test": 1}) -> dict[str, list[str]]:
    """Google Research's Identify Contrails (Kaggle 2023): `<split>/<record>/band_08.npy` ...
    `band_16.npy`, each (H, W, 8) float32, eight frames whose frame 4 is labelled (band b of frame
    t of the k-th record of all is 100b + 10t + k), `human_pixel_masks.npy` (H, W, 1) beside them,
    train's `human_individual_masks.npy` (H, W, 1, R) too, test/ unlabelled; returns each split's records."""
    records: dict[str, list[str]] = {}
    for split, count in splits.items():
        first = sum(map(len, records.values()))
        records[split] = [f"{1000216489776414077 + 9737 * k}" for k in range(first, first + count)]
        for k, record in enumerate(records[split], start=first):
            folder = root / split / record
            folder.mkdir(parents=True)
            for band in CONTRAILS_BANDS:
                frames = 100 * int(band[-2:]) + 10 * np.arange(8, dtype=np.float32) + k
                np.save(folder / f"{band}.npy", np.broadcast_to(frames, (16, 20, 8)).astype(np.float32))
            if split == "test":
                continue
            contrail = np.zeros((16, 20, 1), np.int32)
            contrail[2 + k : 5 + k, 3:17] = 1
            np.save(folder / "human_pixel_masks.npy", contrail)
            if split == "train":
                np.save(folder / "human_individual_masks.npy", np.repeat(contrail[..., None], 3, axis=3))
        (root / f"{split}_metadata.json").write_text(json.dumps([{"record_id": r, "timestamp": 1.7e9}
                                                                 for r in records[split]]))
    return records


def test_chip_folders_of_band_time_series_with_their_labels_beside_are_one_image_each_at_the_middle_frame(
        tmp_path: Path) -> None:
    """Contrails: each record folder holds nine band files of eight frames each and its labels. Refused as
    'no known layout' (`band_NN` named no band, and the labels beside them made no chip folder); read with
    --mask-pattern each band file was an image of its 8 frames. Now each record is one image of its nine
    bands at frame 4, its mask `human_pixel_masks.npy`, each rater's masks set aside, test/ unlabelled;
    --frame picks another frame, within the eight."""
    records = contrails(tmp_path)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert {p.name: p.split for p in index.pairs} == {**dict.fromkeys(records["train"], "train"),
                                                      **dict.fromkeys(records["validation"], "val")}
    assert index.frame == 4
    pair = next(p for p in index.pairs if p.name == records["validation"][1])
    assert [f.name for f in pair.images] == [f"{band}.npy" for band in CONTRAILS_BANDS]
    assert pair.sources[pair.images[1]] == f"frame 4 of '{tmp_path / 'validation' / pair.name / 'band_09.npy'}'"
    assert read_image(pair.images)[0, 0].tolist() == [100 * b + 40 + 4 for b in range(8, 17)]
    assert pair.mask.relative_to(tmp_path).as_posix() == f"validation/{pair.name}/human_pixel_masks.npy"
    assert {p.name for p in index.ignored} >= {"human_individual_masks.npy"}
    assert [p.code for p in audit(index).fatal] == []
    again = discover(tmp_path, cache_dir=str(tmp_path / "cache"), frame=7, bands=["14", "11"])
    assert again.frame == 7 and read_image(again.pairs[0].images)[0, 0].tolist() == [1470, 1170]
    with pytest.raises(DataError, match=r"--frame 8: the band files of train/ hold 8 frames each, 0 to 7"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"), frame=8)


def test_a_band_time_series_run_predicts_record_folders_at_its_frame(tmp_path: Path) -> None:
    """The run records the frame beside its nine bands, and predict reads a record folder, or a
    split's folder of them, at that frame, the labels beside the band files left out."""
    from seglab.inference.loading import load_segmenter

    records = contrails(tmp_path / "data")
    run = tmp_path / "run"
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert main(["train", str(tmp_path / "data"), "--out", str(run), *cache, *TINY]) == 0
    card = read_metadata(run / "checkpoints" / "best.safetensors")["card"]
    assert card["frame"] == 4 and card["channel_files"] == [band[-2:] for band in CONTRAILS_BANDS]
    predictor = load_segmenter([str(run)], "cpu")
    for inputs, read in ((f"test/{records['test'][0]}", records["test"]), ("validation", records["validation"])):
        out = tmp_path / "pred" / inputs
        assert main(["predict", str(run), str(tmp_path / "data" / inputs), "--out", str(out), "--no-progress"]) == 0
        assert sorted(p.name for p in out.glob("*_mask.png")) == [f"{record}_mask.png" for record in read]
        for record in read:
            folder = next((tmp_path / "data").glob(f"*/{record}"))
            stack = np.stack([np.load(folder / f"{band}.npy")[..., 4] for band in CONTRAILS_BANDS], axis=-1)
            np.testing.assert_array_equal(np.asarray(Image.open(out / f"{record}_mask.png")),
                                          predictor.predict(stack).mask)


def test_chip_bands_of_several_sizes_are_refused_naming_the_files_and_the_bands_of_one_size(tmp_path: Path) -> None:
    """BigEarthNet-S2's `<tile>_<patch>/<tile>_<patch>_B01.tif` ... at 10, 20 and 60 m (120, 60
    and 20 pixels a side) beside its reference maps: refused, naming the files of each size and
    the --bands that reads those of the largest, which reads them; one band is no chip image."""
    tile = "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP"
    sizes = {"B01": 4, "B05": 12, "B8A": 12, "B02": 24, "B03": 24, "B04": 24, "B08": 24}
    for patch in ("26_57", "26_58", "27_57"):
        name = f"{tile}_{patch}"
        for band, side in sizes.items():
            path = tmp_path / "BigEarthNet-S2" / tile / name / f"{name}_{band}.tif"
            path.parent.mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(path, bands(side, 1, (side, side))[..., 0])
        reference = np.full((24, 24), 211, np.uint16)
        reference[:12] = 311
        save_picture(tmp_path / "Reference_Maps" / tile / name / f"{name}_reference_map.tif", reference)
    with pytest.raises(DataError, match=r"differ in size \(24x24: .*_26_57_B02.tif, .*_B08.tif; 12x12: .*_B05.tif, "
                                        r".*_B8A.tif; 4x4: .*_B01.tif\); .*--bands B02,B03,B04,B08"):
        discover(tmp_path)
    index = discover(tmp_path, bands=["B02", "B03", "B04", "B08"])
    assert len(index.pairs) == 3 and index.pairs[0].name == f"{tile}_26_57"
    assert index.pairs[0].mask.name == f"{tile}_26_57_reference_map.tif"
    assert read_image(index.pairs[0].images).shape == (24, 24, 4)
    with pytest.raises(ConfigError, match="two or more bands"):
        discover(tmp_path, bands=["B08"])


def test_patient_folders_of_photos_named_like_bands_are_no_chips(tmp_path: Path) -> None:
    """e-ophtha EX: `e_optha_EX/EX/<patient>/C0001273.jpg` + `Annotation_EX/<patient>/C0001273_EX.png`.
    `C0001273` reads as a band word (`C` and a number), so each patient folder of two photos
    looked like a chip of bands no other chip held: read as 2 'chips' of 5 channels, the masks
    ignored. Chips share their band names; photos numbered apart share none."""
    for patient, photos in (("E0000404", ("C0001273", "C0001274")), ("E0017059", ("C0007104", "C0007105", "C0007106"))):
        for photo in photos:
            photo_pixels = np.random.default_rng(len(photo)).integers(0, 256, (16, 16, 3)).astype(np.uint8)
            save_picture(tmp_path / "EX" / patient / f"{photo}.jpg", photo_pixels)
            mask = np.zeros((16, 16), np.uint8)
            mask[4:8, 4:8] = 255
            save_picture(tmp_path / "Annotation_EX" / patient / f"{photo}_EX.png", mask)
    index = discover(tmp_path)
    assert index.format == "folder-pairs" and len(index.pairs) == 5
    assert {p.mask.name for p in index.pairs} == {f"{p}_EX.png" for p in
                                                  ("C0001273", "C0001274", "C0007104", "C0007105", "C0007106")}


def test_chips_that_no_labels_name_are_no_chip_layout_and_no_bands_route(tmp_path: Path) -> None:
    """`<city>/north/` and `south/` hold bands at 10, 20 and 60 m, labelled per city
    (`<city>/cm/cm.png`), not per chip, and named as no dates of the city. The size refusal
    offered `--bands B02,B03,B04,B08`, which then ended in 'no known dataset layout': chips no
    labels name are not read as chips."""
    for city in ("aguasclaras", "bercy"):
        for part in ("north", "south"):
            for band, side in (("B01", 4), ("B02", 16), ("B03", 16), ("B04", 16), ("B08", 16)):
                path = tmp_path / "Images" / city / part / f"S2A_OPER_{city}_{band}.tif"
                path.parent.mkdir(parents=True, exist_ok=True)
                tifffile.imwrite(path, bands(side, 1, (side, side))[..., 0])
        save_picture(tmp_path / "Train Labels" / city / "cm" / "cm.png", np.zeros((16, 16), np.uint8))
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "--bands" not in str(refused.value) and "differ in size" not in str(refused.value)


OSCD_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A")


def oscd(root: Path, train: tuple[str, ...] = ("aguasclaras", "bercy", "bordeaux"),
         test: tuple[str, ...] = ("nantes", "paris")) -> None:
    """OSCD as IEEE DataPort ships it (9 of its 13 bands): `... - Images/<city>/imgs_1/<product>_B01.tif`
    ... at 10, 20 and 60 m, `imgs_1_rect/B01.tif` ... all at 10 m (band k of date d is 100k + 1000d),
    `imgs_2/`, `imgs_2_rect/` likewise, `pair/img1.png`, `img2.png` (RGB previews), and
    `... - Train Labels/<city>/cm/cm.png` (0/255) beside `<city>-cm.tif` (1 no change, 2 change),
    `... - Test Labels/` likewise, with `train.txt` and `test.txt` (one comma-separated line)."""
    images = root / "Onera Satellite Change Detection dataset - Images"
    for city in (*train, *test):
        for date in (1, 2):
            for k, band in enumerate(OSCD_BANDS):
                pixels = np.full((16, 16), 100 * k + 1000 * date, np.uint16)
                folder = images / city / f"imgs_{date}_rect"
                folder.mkdir(parents=True, exist_ok=True)
                tifffile.imwrite(folder / f"{band}.tif", pixels)
                step = 4 if band in ("B01", "B09") else 2 if band in ("B05", "B06", "B07", "B8A") else 1
                native = images / city / f"imgs_{date}" / f"T23KPQ_2018010{date}_{band}.tif"
                native.parent.mkdir(exist_ok=True)
                tifffile.imwrite(native, pixels[::step, ::step])
            save_picture(images / city / "pair" / f"img{date}.png", np.full((16, 16, 3), 40 * date, np.uint8))
        change = np.zeros((16, 16), np.uint8)
        change[4:8, 2:10] = 1
        labels = root / f"Onera Satellite Change Detection dataset - {'Train' if city in train else 'Test'} Labels"
        save_picture(labels / city / "cm" / "cm.png", change * 255)
        tifffile.imwrite(labels / city / "cm" / f"{city}-cm.tif", change + 1)
    (images / "train.txt").write_text(",".join(train))
    (images / "test.txt").write_text(",".join(test))


def test_a_scene_folder_of_two_date_folders_of_bands_is_one_image_labelled_by_the_scene(tmp_path: Path) -> None:
    """OSCD: each city a folder of its two dates' band folders, its change mask in the labels' folder
    of that city: 'no known dataset layout'. Now each city is one image of both dates (date 1's bands
    first), its mask `cm/cm.png`, split by the Train and Test Labels folders. Its 9 bands a date
    (13 as shipped) are 18 channels, more than an image may have: refused, naming `--bands` and the
    RGB previews (`--images pair`), each a route that reads the scenes."""
    oscd(tmp_path)
    with pytest.raises(DataError, match=r"hold 9 bands a date, 18 channels an image, and seglab reads at most 16: "
                                        r"read 8 bands at most, e\.g\. --bands B01,B02,B03,B04,B05,B06,B07,B08, or "
                                        r"--images pair reads pair/img1\.png, img2\.png$"):
        discover(tmp_path)
    index = discover(tmp_path, bands=["B02", "B03", "B04", "B08"])
    assert {p.name: p.split for p in index.pairs} == {
        "aguasclaras": "train", "bercy": "train", "bordeaux": "train", "nantes": "test", "paris": "test"}
    pair = next(p for p in index.pairs if p.name == "paris")
    assert [f.relative_to(pair.image.parents[1]).as_posix() for f in pair.images] == [
        f"imgs_{date}_rect/{band}.tif" for date in (1, 2) for band in ("B02", "B03", "B04", "B08")]
    assert read_image(pair.images)[0, 0].tolist() == [1100, 1200, 1300, 1700, 2100, 2200, 2300, 2700]
    assert pair.mask.relative_to(tmp_path).parts[-3:] == ("paris", "cm", "cm.png")
    assert {"paris-cm.tif", "T23KPQ_20180101_B02.tif", "img1.png"} <= {p.name for p in index.ignored}
    assert "<scene>/ (imgs_1_rect/B02.tif, imgs_1_rect/B03.tif, ..., imgs_2_rect/B08.tif: dates 1 and 2" \
        in index.pairing[0]
    pictures = discover(tmp_path, images="pair")
    assert len(pictures.pairs) == 5 and read_image(pictures.pairs[0].images)[0, 0].tolist() == [40] * 3 + [80] * 3


def test_date_folders_in_an_images_folder_pair_with_the_labels_beside_it(tmp_path: Path) -> None:
    """Fields of The World: `<country>/s2_images/window_a/<id>.tif` and `window_b/` (two Sentinel-2
    dates of 4 bands) beside `label_masks/semantic_2class/`, `semantic_3class/` and `instance/`, with
    `chips_<country>.parquet` (`aoi_id`, `split`): 'no known dataset layout'. The dates pair with the
    labels beside their images folder, as one image of 8 channels, window_a's first; the two label
    sets are a choice (the instance ids step aside), and each country's table gives the split."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    splits = {"austria": ["train", "train", "val", "test"], "slovenia": ["train", "val", "test", "train"]}
    for country, chips in splits.items():
        root = tmp_path / "ftw" / country
        ids = [f"g{country[:2]}{k}" for k in range(len(chips))]
        for k, aoi in enumerate(ids):
            fields = np.zeros((16, 16), np.uint8)
            fields[2:10, 3:12] = 1
            for folder, mask in (("semantic_2class", fields), ("semantic_3class", fields * (1 + (k % 2))),
                                 ("instance", fields.astype(np.uint16) * (7 + k))):
                (root / "label_masks" / folder).mkdir(parents=True, exist_ok=True)
                tifffile.imwrite(root / "label_masks" / folder / f"{aoi}.tif", mask)
            if k < 3:  # the last chip is labelled only, without imagery
                for d, window in enumerate(("window_a", "window_b")):
                    (root / "s2_images" / window).mkdir(parents=True, exist_ok=True)
                    planes = (1000 * (d + 1) + np.arange(4)[:, None, None] + np.zeros((4, 16, 16))).astype(np.uint16)
                    tifffile.imwrite(root / "s2_images" / window / f"{aoi}.tif", planes, photometric="minisblack",
                                     planarconfig="separate")
        pq.write_table(pa.table({"aoi_id": ids, "split": chips, "geometry": [b"\x01\x03"] * len(ids)}),
                       root / f"chips_{country}.parquet")
    with pytest.raises(DataError, match=r"2 folders could hold the masks of 'austria/s2_images/window_a/'") as refused:
        discover(tmp_path / "ftw")
    assert "semantic_2class/: 3 pairs" in str(refused.value) and "semantic_3class/: 3 pairs" in str(refused.value)
    assert "instance/" not in str(refused.value)
    index = discover(tmp_path / "ftw", masks="semantic_3class")
    assert {p.name: p.split for p in index.pairs} == {
        "gau0": "train", "gau1": "train", "gau2": "val", "gsl0": "train", "gsl1": "val", "gsl2": "test"}
    pair = index.pairs[0]
    assert [f.parent.name for f in pair.images] == ["window_a", "window_b"]
    assert read_image(pair.images)[0, 0].tolist() == [1000, 1001, 1002, 1003, 2000, 2001, 2002, 2003]
    assert "austria/s2_images/window_a/, window_b/ (dates 1 and 2 of one scene" in index.pairing[0]


WEEDS_BANDS = ("R", "G", "B", "NIR", "RE")


def weedsgalore(root: Path, dates: tuple[str, ...] = ("2023-05-25", "2023-05-30", "2023-06-06")) -> list[str]:
    """WeedsGalore: `<date>/images/<date>_<NNNN>_{R,G,B,NIR,RE}.png`, an 8-bit band a file (band k
    filled with 10 * (k + 1)), beside `<date>/semantics/<date>_<NNNN>.png` (classes 0 to 5) and
    `<date>/instances/` (object ids), with `splits/{train,val,test}.txt` naming the samples less
    their band. The samples' names."""
    samples = []
    for date in dates:
        for k in range(2):
            sample = f"{date}_{k:04d}"
            samples.append(sample)
            for b, band in enumerate(WEEDS_BANDS):
                save_picture(root / date / "images" / f"{sample}_{band}.png", np.full((16, 16), 10 * (b + 1), np.uint8))
            plants = np.zeros((16, 16), np.uint8)
            plants[2:8, 2:8], plants[10:14, 9:15] = 1, 2 + k
            save_picture(root / date / "semantics" / f"{sample}.png", plants)
            save_picture(root / date / "instances" / f"{sample}.png", np.where(plants > 0, 3 + plants, 0).astype(np.uint8))
    (root / "splits").mkdir()
    for split, listed in (("train", samples[:4]), ("val", samples[4:5]), ("test", samples[5:])):
        (root / "splits" / f"{split}.txt").write_text("\n".join(listed) + "\n")
    return samples


def test_a_samples_band_files_are_one_image_paired_by_the_samples_name_and_split_by_the_lists(tmp_path: Path) -> None:
    """WeedsGalore's `<sample>_R.png` ... `_RE.png`: each sample was read as its `_NIR` file alone
    (a band word), its R, G, B and RE files 'images without masks', and the split lists, naming
    the samples, were matched against `_B` alone and not used. The band files of a sample are one
    image of 5 channels in band order, named by the sample, split by the lists, grouped by date."""
    samples = weedsgalore(tmp_path)
    index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {**{s: "train" for s in samples[:4]}, samples[4]: "val",
                                                     samples[5]: "test"}
    assert all([f.name for f in p.images] == [f"{p.name}_{b}.png" for b in WEEDS_BANDS] for p in index.pairs)
    assert all(p.mask.relative_to(tmp_path).as_posix() == f"{p.name[:10]}/semantics/{p.name}.png" for p in index.pairs)
    assert read_image(index.pairs[0].images)[0, 0].tolist() == [10, 20, 30, 40, 50]
    assert {p.name: p.group for p in index.pairs} == {s: s[:10] for s in samples}
    assert [p for p in index.problems if p.code == "image-without-mask"] == []
    assert "(<sample>_{R,G,B,NIR,RE}: a file per band, the channels of one image)" in index.pairing[0]
    names = channel_names(index.pairs[0])  # as a run records them, so that predict groups the files alike
    assert names == ("r", "g", "b", "nir", "re")
    groups, others = channel_groups(sorted((tmp_path / "2023-05-25" / "images").iterdir()), names)
    assert others == [] and sorted(groups) == sorted(p.images for p in index.pairs if p.name.startswith("2023-05-25"))


def test_bands_picks_a_samples_band_files_in_its_order(tmp_path: Path) -> None:
    """`--bands NIR,R,G` read every band of WeedsGalore's samples ('changes nothing'): the named
    ones are read in that order, the others listed as ignored; a band no sample has is refused."""
    weedsgalore(tmp_path)
    index = discover(tmp_path, bands=("NIR", "R", "G"))
    assert read_image(index.pairs[0].images)[0, 0].tolist() == [40, 10, 20]
    assert channel_names(index.pairs[0]) == ("nir", "r", "g")
    assert {p.name for p in index.ignored if p.parent.name == "images"} == {
        f"{p.name}_{b}.png" for p in index.pairs for b in ("B", "RE")}
    with pytest.raises(DataError, match=r"--bands nir,swir: the samples of 2023-05-25/images/ have no band file swir; "
                                        r"they have R, G, B, NIR, RE"):
        discover(tmp_path, bands=("NIR", "SWIR"))


def msbin(root: Path, bands: range = range(4), colour: bool = False) -> list[str]:
    """MSBin: `<split>/images/<book>_<page>_<band>.png`, a grey wavelength a file (band b filled with
    10 * (b + 1)), beside `<split>/labels/<book>_<page>.png` and the DIBCO labels of one foreground,
    `<split>/dibco_labels/fg_1/<book>_<page>.png`. The pages' names."""
    pages = []
    for split, names in (("train", ("BT_0", "BT_1", "EA_0")), ("test", ("BT_10", "EA_10"))):
        for page in names:
            pages.append(page)
            for b in bands:
                shape = (16, 20, 3) if colour else (16, 20)
                save_picture(root / split / "images" / f"{page}_{b}.png", np.full(shape, 10 * (b + 1), np.uint8))
            ink = np.zeros((16, 20), np.uint8)
            ink[3:6, 2:15] = 1
            save_picture(root / split / "labels" / f"{page}.png", ink)
            save_picture(root / split / "dibco_labels" / "fg_1" / f"{page}.png", (1 - ink) * 255)
    return pages


@pytest.mark.parametrize("bands", [range(4), range(1, 5)])
def test_numbered_band_files_are_one_image_where_a_mask_is_named_by_the_sample(tmp_path: Path, bands: range) -> None:
    """MSBin's `images/BT_0_0.png` ... `BT_0_11.png` (a wavelength each) beside `labels/BT_0.png`:
    a bare number named no band, so no band file paired and the refusal offered --mask-pattern
    '{stem}.png', which pairs none. Numbers running 0 to N-1 (or 1 to N) alike over every page, each
    page's mask named by the rest of the name and no band file's, are the bands of one image."""
    pages = msbin(tmp_path, bands)
    with pytest.raises(DataError, match=r"(?s)2 folders could hold the masks of 'test/images/'.*--masks labels"):
        discover(tmp_path)
    index = discover(tmp_path, masks="labels")
    assert {p.name: p.split for p in index.pairs} == {page: "test" if int(page[3:]) >= 10 else "train" for page in pages}
    assert all([f.name for f in p.images] == [f"{p.name}_{b}.png" for b in bands] for p in index.pairs)
    assert read_image(index.pairs[0].images)[0, 0].tolist() == [10 * (b + 1) for b in bands]
    assert f"(<sample>_{{{','.join(map(str, bands))}}}: a file per band" in index.pairing[0]
    assert [p for p in index.problems if p.code == "image-without-mask"] == []
    names = channel_names(index.pairs[0])  # as a run records them, so that predict groups the files alike
    assert names == tuple(map(str, bands))
    groups, others = channel_groups(sorted((tmp_path / "train" / "images").iterdir()), names)
    assert others == [] and sorted(groups) == sorted(p.images for p in index.pairs if p.split == "train")
    assert {group_name(group, names) for group in groups} == {"BT_0", "BT_1", "EA_0"}


def test_numbers_are_no_bands_without_a_mask_per_sample_or_with_a_mask_per_file(tmp_path: Path) -> None:
    """A number names a frame or a slice as often as a band: files numbered after a name with a
    mask each (`<clip>_0.png` + `<clip>_0.png`), or whose numbers run unlike over the names, stay
    images of their own."""
    for clip in ("a", "b"):
        for frame in range(3):
            save_picture(tmp_path / "framed" / "images" / f"{clip}_{frame}.png", np.full((16, 16), frame, np.uint8))
            save_picture(tmp_path / "framed" / "masks" / f"{clip}_{frame}.png", np.eye(16, dtype=np.uint8))
    index = discover(tmp_path / "framed")
    assert len(index.pairs) == 6 and all(len(p.images) == 1 for p in index.pairs)
    for clip, frames in (("a", 3), ("b", 2)):
        for frame in range(frames):
            save_picture(tmp_path / "uneven" / "images" / f"{clip}_{frame}.png", np.full((16, 16), frame, np.uint8))
        save_picture(tmp_path / "uneven" / "masks" / f"{clip}.png", np.eye(16, dtype=np.uint8))
    with pytest.raises(DataError, match="no image/mask pairs found"):
        discover(tmp_path / "uneven")


def test_no_mask_pattern_is_offered_that_two_images_share(tmp_path: Path) -> None:
    """MSBin's pages read in colour are no bands: the route offered for `images/` beside `labels/`
    was --mask-pattern '{stem}.png' ({stem} the name less its last word, which the 4 files of a
    page share), and that pairs one of them; no such template is offered."""
    from seglab.data.discovery.folders import walk
    from seglab.data.layouts.apart_folders import apart_routes

    msbin(tmp_path, colour=True)
    assert not any("{stem}" in route for route in apart_routes(list(walk(tmp_path))))


def test_single_letters_are_no_bands_beside_other_words_or_of_colour_files(tmp_path: Path) -> None:
    """A letter names a band only among a sample's files of one band each, every one named by a
    band: a stereo pair's `<frame>_L.png` and `_R.png` are two images, and so are colour photos
    `<frame>_R.png`, `<frame>_B.png` (a right and a back camera), each with its mask."""
    stereo, cameras = tmp_path / "stereo", tmp_path / "cameras"
    for root, views in ((stereo, {"L": (16, 16), "R": (16, 16)}), (cameras, {"R": (16, 16, 3), "B": (16, 16, 3)})):
        for frame in range(3):
            for view, shape in views.items():
                pixels = np.random.default_rng(frame).integers(0, 256, shape).astype(np.uint8)
                save_picture(root / "images" / f"{frame:04d}_{view}.png", pixels)
                save_picture(root / "masks" / f"{frame:04d}_{view}.png", np.eye(16, dtype=np.uint8))
        index = discover(root)
        assert len(index.pairs) == 6 and all(len(p.images) == 1 for p in index.pairs)


def test_channel_files_named_with_another_channels_word_keep_the_image_name_and_its_subject(tmp_path: Path) -> None:
    """PST900 names its depth and thermal files as its rgb ones (`depth/30_bag26_rect_rgb_frame0000000042.png`):
    the image keeps the name its files share without any channel's word, so the subjects in the names
    (`30_bag26_rect`, the name before the frame number) group its frames."""
    for folder in ("rgb", "depth", "thermal", "labels"):
        (tmp_path / "train" / folder).mkdir(parents=True)
    for bag in (20, 23, 26):
        for frame in range(2):
            name = f"30_bag{bag}_rect_rgb_frame{bag * 10 + frame:010d}.png"
            for i, folder in enumerate(("rgb", "depth", "thermal")):
                Image.fromarray(np.full((24, 32), 40 * i + bag + frame, np.uint8)).save(tmp_path / "train" / folder / name)
            Image.fromarray(np.eye(24, 32, dtype=np.uint8)).save(tmp_path / "train" / "labels" / name)
    index = discover(tmp_path)
    pair = next(p for p in index.pairs if p.name.startswith("30_bag26"))
    assert pair.name == "30_bag26_rect_frame0000000260"
    assert group_name(sorted(pair.images), channel_names(pair)) == pair.name
    assert len({p.group for p in index.pairs}) == 3


def test_a_folder_is_told_no_chip_with_one_look_at_its_label_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """`chip_bands` runs on every image folder a search weighs: the chip's label files are found once
    a folder, not once a file (a folder of 3,000 photos had taken minutes)."""
    from seglab.data.discovery.folders import band_chips
    from seglab.data.discovery.folders.listing import Folder

    calls = []
    real = band_chips.chip_labels
    monkeypatch.setattr(band_chips, "chip_labels", lambda files: calls.append(1) or real(files))
    photos = Folder(Path("/data/images"), [Path(f"/data/images/{i:05d}.jpg") for i in range(300)], None, False, True,
                    ("images",))
    assert band_chips.chip_bands(photos) is None
    assert len(calls) <= 1
