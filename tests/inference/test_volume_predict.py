"""Volumes end to end: labels written on the input's grid and orientation, per-volume scores."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import ClassSpec
from seglab.data.volumes import read_volume
from seglab.inference.files import collect_inputs
from seglab.inference.predictor import Prediction
from seglab.inference.volumes import predict_volumes
from seglab.tasks import MultiClass

from ..data.test_volumes import write_dicom_series  # type: ignore[import-not-found]


class Threshold:
    """A stand-in model: class 1 where the first channel is bright (the fixtures' labelled box)."""

    classes = ClassSpec(names=("background", "tumour"))
    task = MultiClass()

    def predict(self, image: np.ndarray) -> Prediction:
        mask = (image[..., 0] > 140).astype(np.int64)
        return Prediction(mask, np.stack([1.0 - mask, mask]).astype(np.float32))


@pytest.mark.parametrize("axis", ["axial", "coronal", "sagittal"])
def test_labels_are_written_in_the_inputs_voxel_order(msd_dataset: Path, tmp_path: Path, axis: str) -> None:
    source = msd_dataset / "imagesTr" / "case2_0000.nii.gz"
    [written] = predict_volumes(Threshold(), [source], tmp_path / "out", axis)
    assert written.mask == tmp_path / "out" / "case2_0000_mask.nii.gz"
    result, truth = nib.load(written.mask), nib.load(msd_dataset / "labelsTr" / "case2.nii.gz")
    assert result.shape == truth.shape and np.allclose(result.affine, nib.load(source).affine)
    assert np.array_equal(np.asarray(result.dataobj), np.asarray(truth.dataobj))  # LAS stored, LAS written
    assert written.overlay.is_file()


def test_dicom_series_gets_a_label_volume_on_its_grid(tmp_path: Path) -> None:
    stored = np.full((12, 10, 4), 20, np.int16)
    stored[2:5, 3:6, 1] = 200  # bright after rescaling (x2 - 100): 300
    write_dicom_series(tmp_path / "series", stored)
    [written] = predict_volumes(Threshold(), [tmp_path / "series"], tmp_path / "out")
    result = nib.load(written.mask)
    assert result.shape == (12, 10, 4) and np.allclose(result.affine, read_volume([tmp_path / "series"]).affine)
    assert np.array_equal(np.asarray(result.dataobj), (stored == 200).astype(np.uint8))


def test_dicom_folders_and_nifti_files_are_collected_as_volumes(msd_dataset: Path, tmp_path: Path) -> None:
    write_dicom_series(tmp_path / "series", np.zeros((12, 10, 4), np.int16))
    found = collect_inputs([tmp_path / "series", msd_dataset / "imagesTs"])
    assert found == [tmp_path / "series", msd_dataset / "imagesTs" / "case9_0000.nii.gz"]


def test_train_evaluate_and_predict_a_volume_dataset(msd_dataset: Path, tmp_path: Path) -> None:
    run, out = tmp_path / "run", tmp_path / "pred"
    flags = ["--model", "unet_small", "--model-option", "widths=[8,16,32]", "--batch-size", "8",
             "--precision", "fp32", "--no-progress", "--epochs", "1", "--size", "32", "--slice-axis", "sagittal",
             "--empty-slices", "0.5"]
    assert main(["train", "--no-plan", str(msd_dataset), "--out", str(run), *flags]) == 0
    splits = json.loads((run / "splits.json").read_text())
    assert len({name.split("/")[0] for name in splits["test"]}) == 1

    assert main(["evaluate", str(run)]) == 0
    with (run / "eval" / "test" / "per_volume.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["volume"] for row in rows] == [splits["test"][0].split("/")[0]]
    # sagittal: 24 slices, 8 of them labelled (make_volume's box spans 8 columns); half the other 16 kept
    assert rows[0]["slices"] == "16" and list(rows[0]) == ["volume", "slices", "mean_dice", "dice_background",
                                                             "dice_tumour"]
    metrics = json.loads((run / "eval" / "test" / "metrics.json").read_text())
    assert set(metrics["per_volume"]["volumes"]) == {rows[0]["volume"]}

    assert main(["predict", str(run), str(msd_dataset / "imagesTs"), "--out", str(out)]) == 0
    source = msd_dataset / "imagesTs" / "case9_0000.nii.gz"
    result = nib.load(out / "case9_0000_mask.nii.gz")
    assert result.shape == nib.load(source).shape and np.allclose(result.affine, nib.load(source).affine)
    assert set(np.unique(np.asarray(result.dataobj))) <= {0, 1}
    with Image.open(out / "case9_0000_overlay.png") as overlay:  # the middle sagittal slice: (Y, Z) = 20 x 6
        assert overlay.size == (6, 20)
