"""Multi-page TIFF stacks predicted page by page, as training read them, and videos frame by frame,
into mask stacks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import tifffile

from seglab import Predictor
from seglab.cli import main
from seglab.errors import DataError
from seglab.inference.files import collect_inputs
from seglab.inference.stacks import array_stacks, predict_stacks, tiff_stacks, videos
from seglab.tasks import MultiLabel

from ..data.test_array_stacks import save_arrays  # type: ignore[import-not-found]
from ..data.test_instance_masks import ctc_z_stacks  # type: ignore[import-not-found]
from .test_volume_predict import LastModality, Threshold


class PageThreshold(Threshold):
    """The stand-in model of `test_volume_predict`, of no channel files (a `Segmenter`)."""

    channel_files: tuple[str, ...] = ()
    reads_alpha = False
    no_data = None


def _boxes(pages: int, width: int = 10) -> np.ndarray:
    """(pages, 12, width): a bright box on each page, one row lower on each."""
    boxes = np.zeros((pages, 12, width), bool)
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


@pytest.mark.skipif(importlib.util.find_spec("av") is None,
                    reason="videos need the 'video' extra (PyAV): pip install 'seglab[video]'")
def test_a_video_in_a_folder_is_predicted_frame_by_frame_into_a_mask_stack(tmp_path: Path) -> None:
    """EchoNet's clips (`Videos/<name>.avi`), trained on their traced frames, predicted whole."""
    import av

    boxes = _boxes(5)
    (tmp_path / "Videos").mkdir()
    with av.open(str(tmp_path / "Videos" / "clip.avi"), "w") as container:
        stream = container.add_stream("png", rate=50)  # lossless: the frames decode as written
        stream.width, stream.height, stream.pix_fmt = 10, 12, "rgb24"
        for box in boxes:
            frame = np.repeat(np.where(box, 200, 20).astype(np.uint8)[..., None], 3, axis=2)  # grey stored as RGB
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    inputs = collect_inputs([tmp_path / "Videos"])
    assert inputs == [tmp_path / "Videos" / "clip.avi"]
    [written] = predict_stacks(PageThreshold(), videos(inputs, PageThreshold()), tmp_path / "out")
    assert written.mask == tmp_path / "out" / "clip_mask.tif" and written.overlay.is_file()
    assert np.array_equal(tifffile.imread(written.mask), boxes.astype(np.uint8))


def test_a_video_for_a_multilabel_model_is_refused_with_the_route(tmp_path: Path) -> None:
    (tmp_path / "clip.avi").write_bytes(b"RIFF")
    multilabel = PageThreshold()
    multilabel.task = MultiLabel()
    with pytest.raises(DataError, match="save its frames as images"):
        videos([tmp_path / "clip.avi"], multilabel)


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


@pytest.mark.parametrize("suffix", [".h5", ".npz"])
def test_a_run_trained_on_a_stack_file_predicts_each_of_its_slices(tmp_path: Path, monkeypatch, suffix: str) -> None:
    """`images` + `masks` of (N, H, W) in one file, which training reads as N 2-D pairs: in HDF5 it was
    predicted as one volume cut across its thinnest axis (here its rows) into `stack_mask.nii.gz`,
    in a .npz refused as an image of shape (N, H, W). Now each slice gets a mask page, the mask the
    run predicts for that slice alone."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    boxes = np.zeros((30, 24, 32), bool)  # more slices than rows
    for box, (top, left) in zip(boxes, rng.integers(2, 14, (30, 2))):
        box[top:top + 8, left:left + 12] = True
    images = np.where(boxes, 200, 20).astype(np.uint8) + rng.integers(0, 30, boxes.shape, np.uint8)
    data, run, out = tmp_path / "data", tmp_path / "run", tmp_path / "pred"
    save_arrays(data / f"stack{suffix}", images=images, masks=boxes.astype(np.uint8))
    flags = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--precision", "fp32",
             "--no-progress", "--epochs", "6"]
    assert main(["train", "--no-plan", str(data), "--out", str(run), *flags]) == 0
    assert main(["predict", str(run), str(data / f"stack{suffix}"), "--out", str(out), "--no-progress"]) == 0
    masks = tifffile.imread(out / "stack_mask.tif")
    predictor = Predictor.from_run(run)
    assert masks.shape == (30, 24, 32) and (out / "stack_overlay.png").is_file() and masks.any()  # boxes found
    for i in (0, 17, 29):
        np.testing.assert_array_equal(masks[i], predictor.predict(images[i][..., None]).mask)


def test_stack_files_of_images_alone_are_predicted_slice_by_slice(tmp_path: Path) -> None:
    """A test split saved without its masks: a .npz of `x_test` alone, an HDF5 file of one RGB
    (N, H, W, 3) dataset (a one-dataset (N, H, W) HDF5 file stays a volume, as NucMM's `main`)."""
    boxes = _boxes(5, width=20)
    grey = np.where(boxes, 200, 20).astype(np.uint8)
    save_arrays(tmp_path / "x_test.npz", x_test=grey)
    save_arrays(tmp_path / "rgb.h5", images=np.repeat(grey[..., None], 3, axis=3))
    found = array_stacks(collect_inputs([tmp_path]), PageThreshold())
    assert found == [tmp_path / "rgb.h5", tmp_path / "x_test.npz"]
    for written in predict_stacks(PageThreshold(), found, tmp_path / "out"):
        assert np.array_equal(tifffile.imread(written.mask), boxes.astype(np.uint8))


def test_a_stack_file_for_a_multilabel_model_is_refused_with_the_route(tmp_path: Path) -> None:
    save_arrays(tmp_path / "stack.npz", images=np.zeros((3, 12, 20), np.uint8))
    multilabel = PageThreshold()
    multilabel.task = MultiLabel()
    with pytest.raises(DataError, match="stack.npz' is a stack of images, .* save its slices as images"):
        array_stacks([tmp_path / "stack.npz"], multilabel)


class CaseModalities(LastModality):
    """The stand-in model of `in_channels` modalities of `test_volume_predict`, of no channel files."""

    channel_files: tuple[str, ...] = ()
    reads_alpha = False
    no_data = None


def test_a_case_nnunet_preprocessed_is_predicted_from_its_modalities_slice_by_slice(tmp_path: Path) -> None:
    """nnU-Net v1's `nnUNetData_plans_v2.1_stage0/<case>.npz`: `data` (3, Z, Y, X), two modalities
    then the segmentation (-1 outside the crop). Predict read it as one image of shape (3, 5, 12, 10)
    and refused it ('expected (H, W) or (H, W, C)'). Its modalities are the image of each slice
    across Z, the segmentation left out, into a mask stack; a model of other channels is refused,
    naming the case and the volumes to give instead."""
    boxes = _boxes(5)
    modality = np.where(boxes, 200, 20).astype(np.float32)
    segmentation = np.where(boxes, 1, 0).astype(np.float32)
    segmentation[:, 0] = -1  # outside the crop
    folder = tmp_path / "nnUNetData_plans_v2.1_stage0"
    folder.mkdir()
    np.savez_compressed(folder / "prostate_00.npz", data=np.stack([modality, modality + 1000, segmentation]))
    model = CaseModalities(2)
    inputs = collect_inputs([folder])
    assert array_stacks(inputs, model) == [folder / "prostate_00.npz"]
    [written] = predict_stacks(model, inputs, tmp_path / "out")
    assert written.mask == tmp_path / "out" / "prostate_00_mask.tif" and written.overlay.is_file()
    assert np.array_equal(tifffile.imread(written.mask), boxes.astype(np.uint8))
    with pytest.raises(DataError, match=r"case '.*prostate_00.npz' holds 2 channel\(s\) and its segmentation last, "
                                        r"channels first \(data \(3, 5, 12, 10\).*the model reads 3: predict the "
                                        r"case's own volumes"):
        predict_stacks(CaseModalities(3), inputs, tmp_path / "out3")
