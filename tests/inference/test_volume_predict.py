"""Volumes end to end: labels written on the input's grid and orientation, per-volume scores."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from types import SimpleNamespace

import h5py
import nibabel as nib
import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import ClassSpec
from seglab.data.loading.transforms import match_channels
from seglab.data.files.volumes import read_volume
from seglab.data.layouts.volume_format import modality_cases
from seglab.errors import ConfigError, DataError
from seglab.inference.files import collect_inputs
from seglab.inference.predictor import Prediction
from seglab.inference.volume_inputs import volume_inputs
from seglab.inference.volumes import predict_volumes
from seglab.runs.checkpoint import load_checkpoint
from seglab.runs.input_naming import trained_on_volumes
from seglab.runs.run_folder import RunFolder
from seglab.tasks import MultiClass, MultiLabel

from ..data.test_volumes import _hecktor, write_dicom_series  # type: ignore[import-not-found]


class Threshold:
    """A stand-in model: class 1 where the first channel is bright (the fixtures' labelled box)."""

    classes = ClassSpec(names=("background", "tumour"))
    task = MultiClass()
    in_channels = 1
    modalities: tuple[str, ...] = ()
    planes_as_channels: bool | None = None  # a run written before seglab recorded how it read volumes

    def predict(self, image: np.ndarray) -> Prediction:
        mask = (image[..., 0] > 140).astype(np.int64)
        return Prediction(mask, np.stack([1.0 - mask, mask]).astype(np.float32))


class LastModality(Threshold):
    """A stand-in model of `in_channels` modalities: class 1 where the last one is bright, after
    checking that each channel holds its modality (channel k is offset by k)."""

    def __init__(self, in_channels: int) -> None:
        self.in_channels = in_channels

    def predict(self, image: np.ndarray) -> Prediction:
        assert image.shape[2] == self.in_channels
        assert np.allclose(image - image[..., :1], np.arange(self.in_channels) * 1000)
        mask = (image[..., -1] > 140 + 1000 * (self.in_channels - 1)).astype(np.int64)
        return Prediction(mask, np.stack([1.0 - mask, mask]).astype(np.float32))


def _modalities(folder: Path, names: list[str]) -> np.ndarray:
    """One volume per name, the k-th offset by 1000 k, a bright box in each; returns the box."""
    folder.mkdir(parents=True, exist_ok=True)
    box = np.zeros((12, 10, 4), bool)
    box[2:5, 3:6, 1] = True
    for k, name in enumerate(names):
        nib.save(nib.Nifti1Image(np.where(box, 200.0, 20.0) + 1000 * k, np.eye(4)), folder / name)
    return box


def test_a_brats_subject_folder_is_one_case_of_its_modalities(tmp_path: Path) -> None:
    subject = tmp_path / "BraTS2021_00001"
    box = _modalities(subject, [f"BraTS2021_00001_{m}.nii.gz" for m in ("flair", "t1", "t1ce", "t2")])
    nib.save(nib.Nifti1Image(box.astype(np.uint8), np.eye(4)), subject / "BraTS2021_00001_seg.nii.gz")
    [written] = predict_volumes(LastModality(4), collect_inputs([subject]), tmp_path / "out")
    assert written.mask == tmp_path / "out" / "BraTS2021_00001_mask.nii.gz"
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), box.astype(np.uint8))


def test_nnunet_channel_files_are_one_case(tmp_path: Path) -> None:
    box = _modalities(tmp_path / "imagesTs", ["prostate_04_0000.nii.gz", "prostate_04_0001.nii.gz"])
    [written] = predict_volumes(LastModality(2), collect_inputs([tmp_path / "imagesTs"]), tmp_path / "out")
    assert written.mask.name == "prostate_04_mask.nii.gz"
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), box.astype(np.uint8))


def test_one_modality_for_a_model_of_four_is_refused_naming_it(tmp_path: Path) -> None:
    _modalities(tmp_path, ["scan_flair.nii.gz"])
    with pytest.raises(DataError, match=r"scan_flair.nii.gz' gives 1 channel\(s\) but the model expects 4.*give a "
                                        r"case's modalities together"):
        predict_volumes(LastModality(4), [tmp_path / "scan_flair.nii.gz"], tmp_path / "out")


def test_a_case_of_more_numbered_channel_files_than_the_model_is_read_with_the_runs(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """MAMA-MIA's `ISPY2_100899/` holds 6 DCE phases, `_0000` to `_0005`; training read every case
    with the 3 all cases have. Predict refused it as 6 channels for a model of 3: it reads the
    run's `_0000` to `_0002` (the stand-in checks each channel is its phase), said in a log line."""
    case = tmp_path / "ISPY2_100899"
    box = _modalities(case, [f"ispy2_100899_{phase:04d}.nii.gz" for phase in range(6)])
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format.prediction_cases"):
        [written] = predict_volumes(LastModality(3), collect_inputs([case]), tmp_path / "out")
    assert written.mask.name == "ispy2_100899_mask.nii.gz"
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), box.astype(np.uint8))
    assert "1 case(s) of more numbered channel files than the model's 3 channels (e.g. ispy2_100899: _0000, _0001, " \
           "_0002, _0003, _0004, _0005): each is read with _0000, _0001, _0002, the channels the run was trained on" \
           in caplog.text


def test_the_folders_of_a_modality_each_are_paired_into_cases_as_training_paired_them(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """BONBID-HIE's `BONBID2023_Train/1ADC_ss/<case>-ADC_ss`, `2Z_ADC/Zmap_<case>-ADC_smooth2mm_clipped10`
    beside `3LABEL/<case>_lesion`: training reads a volume of each modality folder as a case's
    channels, in folder order. Predict refused the folder (volumes only in subfolders), and the two
    modality folders given were each volume a case of 1 channel, refused for a model of 2."""
    root = tmp_path / "BONBID2023_Train"
    box = np.zeros((12, 10, 4), bool)
    box[2:5, 3:6, 1] = True
    cases = ("MGHNICU_010-VISIT_01", "MGHNICU_011-VISIT_01")
    for case in cases:
        for k, name in enumerate((f"1ADC_ss/{case}-ADC_ss", f"2Z_ADC/Zmap_{case}-ADC_smooth2mm_clipped10")):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            nib.save(nib.Nifti1Image(np.where(box, 200.0, 20.0) + 1000 * k, np.eye(4)), root / f"{name}.nii.gz")
        (root / "3LABEL").mkdir(exist_ok=True)
        nib.save(nib.Nifti1Image(box.astype(np.uint8), np.eye(4)), root / "3LABEL" / f"{case}_lesion.nii.gz")
    with pytest.raises(DataError, match="only in subfolders"):  # a model of 1 channel: which folder is for the user
        collect_inputs([root])
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        inputs = collect_inputs([root], in_channels=2)
    assert "the volumes of 1ADC_ss/, 2Z_ADC/, a folder per modality, are the channels of each case; 3LABEL/ left " \
           "out" in caplog.text
    for given in (inputs, collect_inputs([root / "2Z_ADC", root / "1ADC_ss"])):
        written = predict_volumes(LastModality(2), given, tmp_path / "out")
        assert sorted(w.mask.name for w in written) == [f"{case}-ADC_mask.nii.gz" for case in cases]
        for w in written:
            assert np.array_equal(np.asarray(nib.load(w.mask).dataobj), box.astype(np.uint8))


class Modalities(LastModality):
    """A stand-in model of the modalities a run's card records (WMH's FLAIR, T1; autoPET's CTres, PET, SUV)."""

    def __init__(self, *modalities: str) -> None:
        super().__init__(len(modalities))
        self.modalities = modalities


def test_volumes_named_as_the_models_modalities_are_one_case_and_one_modality_is_refused(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """WMH's `0/pre/FLAIR.nii.gz`, `T1.nii.gz` (and autoPET's `CTres`, `PET`, `SUV`) were each a
    case of their own, refused (or, for a 3-channel model, a 1-channel volume copied into its 3
    channels silently): now a folder's volumes named as the run's modalities are one case named by
    the folder, the others beside them left out with a log line, and a volume of one channel for a
    model of several modalities is refused naming them and the folders that hold them."""
    box = _modalities(tmp_path / "0" / "pre", ["FLAIR.nii.gz", "T1.nii.gz"])
    _modalities(tmp_path / "0" / "pre", ["3DT1.nii.gz"])  # a label volume: left out by collect_inputs
    nib.save(nib.Nifti1Image(box.astype(np.uint8), np.eye(4)), tmp_path / "0" / "wmh.nii.gz")
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format.prediction_cases"):
        [written] = predict_volumes(Modalities("FLAIR", "T1"), collect_inputs([tmp_path / "0" / "pre"]),
                                    tmp_path / "out")
    assert written.mask.name == "pre_mask.nii.gz" and written.source.name == "FLAIR.nii.gz"
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), box.astype(np.uint8))
    assert "left out 1 volume(s) beside the FLAIR, T1 volumes named as the model's modalities" in caplog.text
    with pytest.raises(DataError, match=r"wmh.nii.gz' gives 1 channel\(s\) but the model was trained on the FLAIR, "
                                        r"T1 volumes of each case.*`seglab predict RUN .*pre`"):
        predict_volumes(Modalities("FLAIR", "T1"), collect_inputs([tmp_path / "0"]), tmp_path / "out")
    _modalities(tmp_path / "ct", ["scan.nii.gz"])
    with pytest.raises(DataError, match=r"scan.nii.gz' gives 1 channel\(s\) but the model was trained on the "
                                        r"CTres, PET, SUV volumes"):
        predict_volumes(Modalities("CTres", "PET", "SUV"), [tmp_path / "ct" / "scan.nii.gz"], tmp_path / "out")


def test_cases_named_by_one_folder_name_are_named_by_the_folders_that_tell_them_apart(tmp_path: Path) -> None:
    """MSLUB's `patient01/preprocessed/` and `patient02/preprocessed/` (FLAIR, T1 each) were both the
    case `preprocessed`, written to one `preprocessed/preprocessed_mask.nii.gz`, the first overwritten
    while predict counted 2 volumes: now each is named by the folder that tells them apart, and a
    second input whose outputs would land on a taken name is refused, naming both."""
    for patient in ("patient01", "patient02"):
        box = _modalities(tmp_path / patient / "preprocessed", ["FLAIR.nii.gz", "T1.nii.gz"])
    inputs = collect_inputs([tmp_path / "patient01" / "preprocessed", tmp_path / "patient02" / "preprocessed"])
    written = predict_volumes(Modalities("FLAIR", "T1"), inputs, tmp_path / "out")
    assert sorted(str(w.mask.relative_to(tmp_path / "out")) for w in written) == \
        ["patient01_mask.nii.gz", "patient02_mask.nii.gz"]
    for w in written:
        assert np.array_equal(np.asarray(nib.load(w.mask).dataobj), box.astype(np.uint8))
    _modalities(tmp_path / "scans", ["patient01_0000.nii.gz", "patient01_0001.nii.gz"])
    with pytest.raises(DataError, match=r"patient01_0000.nii.gz' would be written as '.*patient01_\*', as "
                                        r"'.*patient01/preprocessed/FLAIR.nii.gz' already is"):
        predict_volumes(Modalities("FLAIR", "T1"), [*inputs, *collect_inputs([tmp_path / "scans"])],
                        tmp_path / "again")


class NestedRegions(Threshold):
    """A stand-in multi-label model of nnU-Net's BraTS regions, as its card records them: a voxel
    is in region k (bit k) where it is brighter than 100 k."""

    classes = ClassSpec(names=("whole tumor", "tumor core", "enhancing tumor"))
    task = MultiLabel()

    def __init__(self, mapping: dict) -> None:
        self.card = SimpleNamespace(mapping=mapping)

    def predict(self, image: np.ndarray) -> Prediction:
        bits = sum((image[..., 0] > 100 * k).astype(np.int64) << k for k in range(3))
        return Prediction(bits, np.zeros((3, *bits.shape), np.float32))


def test_a_multilabel_model_of_nested_regions_writes_their_labels_as_nnunet_does(tmp_path: Path) -> None:
    """nnU-Net's BraTS regions (whole tumour [1, 2, 3] > tumour core [2, 3] > enhancing [3]) trained
    as overlapping classes: volume prediction was refused for every multi-label model, with no route.
    Now each region's own label is painted in order, later over earlier (nnU-Net's
    regions_class_order); a multi-label model of other masks is refused naming the route."""
    voxels = np.zeros((6, 5, 4), np.float32)
    voxels[1:5, 1:4] = 50
    voxels[2:4, 2:3] = 150
    voxels[3, 2, 1:3] = 250
    save_path = tmp_path / "BraTS2021_00002.nii.gz"
    nib.save(nib.Nifti1Image(voxels, np.eye(4)), save_path)
    regions = {"kind": "regions", "regions": [[1, 2, 3], [2, 3], [3]], "ignore_label": None}
    [written] = predict_volumes(NestedRegions(regions), [save_path], tmp_path / "out")
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj),
                          np.select([voxels > 200, voxels > 100, voxels > 0], [3, 2, 1], 0))
    with pytest.raises(ConfigError, match=r"a 'folders' mapping: save the volume's slices as 2-D images and "
                                          r"predict their folder \(`seglab predict RUN SLICES`\)"):
        predict_volumes(NestedRegions({"kind": "folders"}), [save_path], tmp_path / "out")


class GreyModel(Threshold):
    """A stand-in grey model that feeds itself as a `Predictor` does (`match_channels`)."""

    def predict(self, image: np.ndarray) -> Prediction:
        return super().predict(match_channels(image, self.in_channels))


def test_an_rgb_volume_feeds_a_grey_model_averaged_as_an_rgb_image_does(tmp_path: Path) -> None:
    """Grey and RGB stand in for each other in volumes as in images (`stands_in`): a 3-channel
    volume is averaged for a grey model; a 2-channel one is two frames, each predicted alone."""
    box = np.zeros((12, 10, 4), bool)
    box[2:5, 3:6, 1] = True
    voxels = np.stack([np.where(box, 200.0, 20.0) + shift for shift in (-30, 0, 30)], axis=-1)
    nib.save(nib.Nifti1Image(voxels, np.eye(4)), tmp_path / "rgb.nii.gz")
    [written] = predict_volumes(GreyModel(), [tmp_path / "rgb.nii.gz"], tmp_path / "out")
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), box.astype(np.uint8))
    nib.save(nib.Nifti1Image(voxels[..., :2], np.eye(4)), tmp_path / "two.nii.gz")
    [written] = predict_volumes(GreyModel(), [tmp_path / "two.nii.gz"], tmp_path / "out")
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), np.stack([box, box], axis=-1))


def _cine(path: Path, frames: int) -> np.ndarray:
    """A 4-D cine NIfTI (M&Ms-2's `001_LA_CINE.nii.gz`): a bright box a row lower in each frame,
    stored LAS; returns the boxes as stored, (X, Y, Z, T)."""
    boxes = np.zeros((12, 10, 2, frames), bool)
    for t in range(frames):
        boxes[1 + t % 8:4 + t % 8, 3:6, 1, t] = True
    nib.save(nib.Nifti1Image(np.where(boxes, 200.0, 20.0), np.diag([-1.4, 1.4, 8.0, 1.0])), path)
    return boxes


@pytest.mark.parametrize("frames", [6, 20])  # 20: more than any model's channels (`MAX_CHANNELS`)
def test_a_cine_volumes_frames_are_each_predicted_into_a_4d_mask(
        tmp_path: Path, frames: int, caplog: pytest.LogCaptureFixture) -> None:
    """M&Ms-2's 6-frame `001_LA_CINE.nii.gz` for a 1-channel model was refused as "6 channel(s)",
    the route offered being the one taken ("or one 4-D NIfTI")."""
    boxes = _cine(tmp_path / "001_LA_CINE.nii.gz", frames)
    with caplog.at_level("INFO", logger="seglab.inference.volumes"):
        [written] = predict_volumes(Threshold(), [tmp_path / "001_LA_CINE.nii.gz"], tmp_path / "out")
    result = nib.load(written.mask)
    assert written.mask.name == "001_LA_CINE_mask.nii.gz" and written.overlay.is_file()
    assert result.shape == boxes.shape and np.allclose(result.affine, nib.load(tmp_path / "001_LA_CINE.nii.gz").affine)
    assert np.array_equal(np.asarray(result.dataobj), boxes.astype(np.uint8))
    assert f"its 4th axis holds {frames} frames (the model takes 1 channel(s)): each frame predicted" in caplog.text


def test_a_4d_volume_of_a_multiple_of_the_models_channels_is_refused_with_a_route_that_works(tmp_path: Path) -> None:
    """Two frames of a 2-modality model's modalities along one 4th axis: frames or modalities cannot
    be told apart there, and the route the message gives predicts the first frame."""
    box = _modalities(tmp_path / "modalities", ["scan_0000.nii.gz", "scan_0001.nii.gz"])
    modalities = [nib.load(tmp_path / "modalities" / f"scan_000{k}.nii.gz").get_fdata() for k in (0, 1)]
    nib.save(nib.Nifti1Image(np.stack(modalities * 2, axis=-1), np.eye(4)), tmp_path / "frames.nii.gz")
    with pytest.raises(DataError, match=r"frames.nii.gz' gives 4 channel\(s\) but the model expects 2.*save each "
                                        r"group of 2 along its 4th axis as a volume of its own \(nibabel: "
                                        r"nib.save\(img.slicer\[..., 0:2\], 'part_0.nii.gz'\)\)"):
        predict_volumes(LastModality(2), [tmp_path / "frames.nii.gz"], tmp_path / "out")
    img = nib.load(tmp_path / "frames.nii.gz")
    nib.save(img.slicer[..., 0:2], tmp_path / "part_0.nii.gz")
    [written] = predict_volumes(LastModality(2), [tmp_path / "part_0.nii.gz"], tmp_path / "out")
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), box.astype(np.uint8))


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


def test_hdf5_volumes_are_predicted_as_volumes_into_masks_in_their_datasets_axis_order(tmp_path: Path) -> None:
    """NucMM's `Image/val/img_064_668_576.h5` (one (Z, Y, X) dataset `main`) and PlantSeg's
    `ovules/test/*.h5` (`raw` + `label`) were predicted as 2-D images and refused as "has shape
    (8, 16, 16); expected (H, W)": now each is a volume, read as training read it (its thinnest axis
    cut), its mask a NIfTI of the dataset's shape, identity affine; a 2-D dataset stays an image, and
    an image's (H, W, C) too for a run trained on 2-D images."""
    box = np.zeros((4, 12, 10), bool)
    box[1, 2:5, 3:6] = True
    voxels = np.where(box, 200.0, 20.0).astype(np.float32)
    with h5py.File(tmp_path / "img_000.h5", "w") as file:
        file["main"] = voxels
    with h5py.File(tmp_path / "N_294.h5", "w") as file:
        file["raw"], file["label"] = voxels, box.astype(np.uint8)
    for name, shape in (("slice.h5", (12, 10)), ("rgb.h5", (12, 10, 3))):
        with h5py.File(tmp_path / name, "w") as file:
            file["image"] = np.zeros(shape, np.float32)
    inputs = collect_inputs([tmp_path])
    volumes = volume_inputs(inputs, on_volumes=False)  # a run trained on 2-D images
    assert volumes == [tmp_path / "N_294.h5", tmp_path / "img_000.h5"]
    assert volume_inputs(inputs) == [*volumes, tmp_path / "rgb.h5"]  # one trained on volumes: any 3-D, as it read
    written = predict_volumes(Threshold(), volumes, tmp_path / "out")
    for result in written:
        mask = nib.load(result.mask)
        assert result.mask.name.endswith("_mask.nii.gz") and np.allclose(mask.affine, np.eye(4))
        assert np.array_equal(np.asarray(mask.dataobj), box.astype(np.uint8))


def test_hdf5_datasets_named_as_stacks_are_no_volume(tmp_path: Path) -> None:
    """`images` + `masks` of (N, H, W), which training reads as N 2-D pairs by the datasets' names
    (`hdf5_files.names_stacks`), were predicted as one volume cut across its thinnest axis: with
    more slices than rows, across the rows. A case's `raw` + `label` stays a volume (above)."""
    slices = np.zeros((30, 24, 32), np.uint8)
    with h5py.File(tmp_path / "stack.h5", "w") as file:
        file["images"], file["masks"] = slices, slices
    assert volume_inputs([tmp_path / "stack.h5"], on_volumes=False) == []
    assert volume_inputs([tmp_path / "stack.h5"]) == []


def test_dicom_folders_and_nifti_files_are_collected_as_volumes(msd_dataset: Path, tmp_path: Path) -> None:
    write_dicom_series(tmp_path / "series", np.zeros((12, 10, 4), np.int16))
    found = collect_inputs([tmp_path / "series", msd_dataset / "imagesTs"])
    assert found == [tmp_path / "series", msd_dataset / "imagesTs" / "case9_0000.nii.gz"]


@pytest.mark.parametrize("trained_on", ["contour-text", "volumes"])
def test_dicom_frames_are_images_for_a_run_trained_on_frames_and_a_series_for_one_trained_on_volumes(
        tmp_path: Path, trained_on: str) -> None:
    """Sunnybrook's run, trained on single `.dcm` frames (contour-text layout), was given
    `SC-HF-NI-3/IM-0001-0001.dcm` and predicted the whole series folder's volume, once per file:
    now a run whose splits.json records a 2-D format predicts each frame as an image, a series
    folder as its frames; a run trained on volumes still reads the series as one volume."""
    write_dicom_series(tmp_path / "series", np.zeros((12, 10, 4), np.int16), name="IM-0001-{:04d}.dcm")
    run = tmp_path / "run"
    run.mkdir()
    (run / "splits.json").write_text(json.dumps({"root": "data", "format": trained_on, "train": [], "val": []}))
    on_volumes = trained_on_volumes(RunFolder(run))
    assert on_volumes == (trained_on == "volumes")
    frames = sorted((tmp_path / "series").glob("*.dcm"))
    given = collect_inputs([tmp_path / "series"], series=on_volumes)
    if on_volumes:
        assert given == [tmp_path / "series"] and volume_inputs(given + frames[:1], on_volumes) == given + frames[:1]
    else:
        assert given == frames and volume_inputs(given, on_volumes) == []


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


def test_a_case_lacking_a_modality_is_refused_naming_its_missing_volume_as_its_files_are_named(
        tmp_path: Path) -> None:
    """iSeg 2017's subject-11-T2.hdr alone for a T1, T2 run was described as "<case>__<MODALITY>
    files", a naming iSeg does not use: the refusal names the file to add, named as the given one."""
    given = tmp_path / "subject-11-T2.hdr"
    given.touch()
    with pytest.raises(DataError, match=r"has no T1 volume \(given: 'subject-11-T2.hdr'\): the model was trained on "
                                        r"the T1, T2 volumes of each case, named as these are; add "
                                        r"'subject-11-T1.hdr' beside them") as refusal:
        modality_cases([given], ("T1", "T2"))
    assert "__<MODALITY>" not in str(refusal.value)


def test_a_run_of_modality_files_predicts_each_case_from_the_modalities_it_was_trained_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """HECKTOR's imagesTs/CHUM-050__CT + __PT were predicted each on its own by a CT model: the PET
    volume segmented and written as a prediction. Now the run remembers ("CT",), each case is
    predicted from its CT, the PET left out with a log line, and a case without CT refused."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _hecktor(tmp_path / "hecktor", cases=4)
    tests = tmp_path / "imagesTs"
    for i in (50, 51):
        ct = _modalities(tests, [f"CHUM-0{i}__CT.nii.gz"])
        nib.save(nib.Nifti1Image(np.ones((6, 5, 2), np.float32), np.diag([4.0, 4.0, 2.0, 1.0])),
                 tests / f"CHUM-0{i}__PT.nii.gz")
    _modalities(tests, ["scan.nii.gz"])  # named otherwise: predicted alone, as before
    run, out = tmp_path / "run", tmp_path / "pred"
    flags = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "8", "--precision", "fp32",
             "--no-progress", "--epochs", "1", "--size", "32"]
    assert main(["train", "--no-plan", str(tmp_path / "hecktor"), "--out", str(run), *flags]) == 0
    assert load_checkpoint(RunFolder.open(run).best).card.modalities == ("CT",)
    capsys.readouterr()
    assert main(["predict", str(run), str(tests), "--out", str(out)]) == 0
    logged = capsys.readouterr().err
    assert sorted(p.name for p in out.glob("*_mask.nii.gz")) == ["CHUM-050_mask.nii.gz", "CHUM-051_mask.nii.gz",
                                                                 "scan_mask.nii.gz"]
    assert nib.load(out / "CHUM-050_mask.nii.gz").shape == ct.shape  # on the CT's grid, not the PET's
    assert re.search(r"left out 2 volume\(s\) of modality 'PT' \(e.g. '.*CHUM-050__PT.nii.gz'\): the model was "
                     r"trained on CT only", logged)
    (tests / "CHUM-051__CT.nii.gz").unlink()
    assert main(["predict", str(run), str(tests), "--out", str(tmp_path / "refused")]) == 2
    assert re.search(r"case CHUM-051 in '.*imagesTs' has no CT volume \(given: 'CHUM-051__PT.nii.gz'\): the model "
                     r"was trained on the CT volumes of each case, named as these are; add 'CHUM-051__CT.nii.gz' "
                     r"beside them", capsys.readouterr().err)
    assert not (tmp_path / "refused").exists()
