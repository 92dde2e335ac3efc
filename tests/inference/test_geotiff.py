"""A GeoTIFF's predicted mask is written georeferenced like it (`<name>_mask.tif`), so GIS tools
lay it over the image; other images get none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from seglab.cli import main
from seglab.data.classes import ClassSpec
from seglab.data.files.geotiff import GEO_TAGS, georeference
from seglab.inference.files import predict_files
from seglab.inference.predictor import Prediction
from seglab.labelsets import pack_numpy
from seglab.tasks import MultiLabel

# a 10 m UTM zone 33N grid, as GDAL writes a Sentinel-2 tile: pixel scale, tie point, GeoKeys, ASCII params
GEO = [(33550, 12, 3, (10.0, 10.0, 0.0), True), (33922, 12, 6, (0.0, 0.0, 0.0, 500000.0, 4600000.0, 0.0), True),
       (34735, 3, 16, (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32633), True),
       (34737, 2, 25, "WGS 84 / UTM zone 33N|", True)]


def test_georeference_reads_only_georeferenced_tiffs(tmp_path: Path) -> None:
    tifffile.imwrite(tmp_path / "geo.tif", np.zeros((4, 4), np.uint8), extratags=GEO)
    tifffile.imwrite(tmp_path / "plain.tif", np.zeros((4, 4), np.uint8))
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "plain.png")
    assert [code for code, *_ in georeference(tmp_path / "geo.tif")] == [33550, 33922, 34735, 34737]
    assert georeference(tmp_path / "plain.tif") == () == georeference(tmp_path / "plain.png")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, write_rgbn_tiles) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("geo")
    write_rgbn_tiles(root / "data", count=6, size=(32, 32), extratags=GEO)
    assert main(["train", str(root / "data"), "--out", str(root / "run"), "--model", "unet_small", "--model-option",
                 "widths=[8,16]", "--epochs", "1", "--batch-size", "2", "--no-progress", "--no-plan",
                 "--precision", "fp32"]) == 0
    return root / "data", root / "run"


def test_a_geotiff_gets_a_georeferenced_mask(run: tuple[Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    data, folder = run
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, tifffile.imread(data / "images" / "tile0.tif"), photometric="minisblack",
                     planarconfig="contig")
    out = tmp_path / "pred"
    assert main(["predict", str(folder), str(data / "images" / "tile0.tif"), str(plain), "--out", str(out),
                 "--no-progress"]) == 0
    assert "<name>_mask.tif for the 1 GeoTIFF(s)" in capsys.readouterr().out
    with tifffile.TiffFile(out / "tile0_mask.tif") as tif:
        page = tif.pages[0]
        assert tif.is_geotiff and page.shape == (32, 32) and page.dtype == np.uint8
        written = {code: page.tags[code].value for code in GEO_TAGS if code in page.tags}
        pixels = page.asarray()
    assert written == {code: value for code, _, _, value, _ in GEO}
    assert np.array_equal(pixels, np.asarray(Image.open(out / "tile0_mask.png")))
    assert not (out / "plain_mask.tif").exists() and (out / "plain_mask.png").exists()


class Overlapping:
    """A stand-in multi-label model: 'water' left of column 16, 'flooded' above row 16 (they overlap)."""

    classes = ClassSpec(names=("water", "flooded"))
    task = MultiLabel()
    in_channels = 4
    reads_alpha = True  # RGB and a band, as alpha.reads_alpha tells a 4-channel model
    no_data = None
    channel_files = ()
    image_half = None
    frame = None

    def predict(self, image: np.ndarray) -> Prediction:
        height, width = image.shape[:2]
        rows, cols = np.mgrid[:height, :width]
        planes = np.stack([cols < 16, rows < 16])
        return Prediction(pack_numpy(planes), planes.astype(np.float32))


def test_a_multilabel_prediction_on_a_geotiff_gets_a_band_per_class(tmp_path: Path) -> None:
    scene = tmp_path / "scene.tif"
    tifffile.imwrite(scene, np.zeros((24, 32, 4), np.uint16), photometric="minisblack", planarconfig="contig",
                     extratags=GEO)
    [written] = predict_files(Overlapping(), [scene], tmp_path / "out", progress=False)
    assert written.geotiff == tmp_path / "out" / "scene_mask.tif"
    with tifffile.TiffFile(written.geotiff) as tif:
        bands = tif.pages[0].asarray()
        assert tif.is_geotiff and {code: tif.pages[0].tags[code].value for code in GEO_TAGS
                                   if code in tif.pages[0].tags} == {code: value for code, _, _, value, _ in GEO}
    rows, cols = np.mgrid[:24, :32]
    assert bands.shape == (24, 32, 2)
    assert np.array_equal(bands[..., 0], cols < 16) and np.array_equal(bands[..., 1], rows < 16)
    assert len(written.class_masks) == 2  # the per-class PNGs as before


def test_tags_that_cannot_be_written_again_leave_the_png_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    scene = tmp_path / "scene.tif"
    tifffile.imwrite(scene, np.zeros((24, 32, 4), np.uint16), photometric="minisblack", planarconfig="contig",
                     extratags=GEO)
    broken = (*GEO[:3], (34737, 2, 3, "Ω|", True))  # GeoAsciiParams that are not 7-bit ASCII, as some writers leave
    monkeypatch.setattr("seglab.inference.files.writing.georeference", lambda path: broken)
    [written] = predict_files(Overlapping(), [scene], tmp_path / "out", progress=False)
    assert written.geotiff is None and not (tmp_path / "out" / "scene_mask.tif").exists()
    assert "its GeoTIFF tags cannot be written again" in caplog.text

