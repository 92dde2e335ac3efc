"""Multi-page TIFF stacks predicted page by page, as training read them, into mask stacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile

from seglab import Predictor
from seglab.cli import main
from seglab.inference.stacks import predict_stacks, tiff_stacks

from ..data.test_instance_masks import ctc_z_stacks  # type: ignore[import-not-found]
from .test_volume_predict import Threshold


class PageThreshold(Threshold):
    """The stand-in model of `test_volume_predict`, of no channel files (a `Segmenter`)."""

    channel_files: tuple[str, ...] = ()
    reads_alpha = False


def _boxes(pages: int) -> np.ndarray:
    """(pages, 12, 10): a bright box on each page, one row lower on each."""
    boxes = np.zeros((pages, 12, 10), bool)
    for k in range(pages):
        boxes[k, 2 + k:5 + k, 3:6] = True
    return boxes


def test_a_stack_is_predicted_page_by_page_into_a_mask_stack(tmp_path: Path) -> None:
    boxes = _boxes(5)
    tifffile.imwrite(tmp_path / "t000.tif", np.where(boxes, 200, 20).astype(np.uint8), imagej=True,
                     metadata={"axes": "ZYX"})
    [written] = predict_stacks(PageThreshold(), tiff_stacks([tmp_path / "t000.tif"], PageThreshold()), tmp_path / "out")
    assert written.mask == tmp_path / "out" / "t000_mask.tif" and written.overlay.is_file()
    assert np.array_equal(tifffile.imread(written.mask), boxes.astype(np.uint8))


def test_a_pyramid_of_pages_of_several_sizes_is_one_image(tmp_path: Path) -> None:
    with tifffile.TiffWriter(tmp_path / "slide.tif") as tif:
        tif.write(np.full((32, 32), 20, np.uint8))
        tif.write(np.full((8, 8), 20, np.uint8), subfiletype=1)  # its thumbnail
    assert tiff_stacks([tmp_path / "slide.tif"], PageThreshold()) == []


def test_a_run_trained_on_z_stack_pages_predicts_every_page_of_a_stack(tmp_path: Path, monkeypatch) -> None:
    """The Cell Tracking Challenge's `01/t000.tif` (4 Z planes) trained on page by page was predicted
    as its first page alone: one `t000_mask.png`, no warning."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data, run, out = tmp_path / "ctc", tmp_path / "run", tmp_path / "pred"
    planes = ctc_z_stacks(data)
    flags = ["--masks", "*_ST/SEG", "--instance-masks", "--model", "unet_small", "--model-option", "widths=[8,16]",
             "--batch-size", "8", "--precision", "fp32", "--no-progress", "--epochs", "1", "--size", "32"]
    assert main(["train", "--no-plan", str(data), "--out", str(run), *flags]) == 0
    assert main(["predict", str(run), str(data / "01" / "t000.tif"), "--out", str(out), "--no-progress"]) == 0
    masks = tifffile.imread(out / "t000_mask.tif")
    predictor = Predictor.from_run(run)
    assert masks.shape == (4, 48, 64) and (out / "t000_overlay.png").is_file()
    for z in range(4):
        np.testing.assert_array_equal(masks[z], predictor.predict(planes[0, z][0][..., None]).mask)
