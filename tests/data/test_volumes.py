"""Volume datasets: layouts, slicing in RAS order, DICOM series, cache, empty slices, splits, errors."""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from PIL import Image
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from seglab.cli import main
from seglab.data.discovery.channel_files import nnunet_cases
from seglab.data import audit, discover, split_pairs
from seglab.data.files.dicom import read_dicom_series
from seglab.data.layouts.volume_format import is_label_volume, modality_cases, volume_cases
from seglab.data.files.volumes import read_volume
from seglab.errors import ConfigError, DataError

from ..conftest import LAS_AFFINE, VOLUME_SHAPE, make_volume  # type: ignore[import-not-found]

DEPTH = VOLUME_SHAPE[2]


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def save(path: Path, array: np.ndarray, affine: tuple = LAS_AFFINE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.Nifti1Image(array, np.array(affine)).to_filename(path)
    return path


def test_label_volumes_keep_raw_values_past_32767(tmp_path: Path) -> None:
    """`predict --write-values raw` writes the mask values a run was trained from: one past 32767
    wrapped negative as int16; NIfTI holds uint16, as the PNG and TIFF writers write."""
    from seglab.data.files.volumes import write_label_volume

    image, label = make_volume(0)
    volume = read_volume([save(tmp_path / "image.nii.gz", image)])
    raw = np.where(label[::-1] > 0, 40000, 850).astype(np.int64)  # RAS order: LAS flipped along X
    write_label_volume(tmp_path / "label.nii.gz", raw, volume)
    written = nib.load(tmp_path / "label.nii.gz")
    assert written.get_data_dtype() == np.uint16
    assert np.array_equal(np.asarray(written.dataobj), np.where(label > 0, 40000, 850))


def test_msd_layout_gives_one_group_of_slices_per_case(msd_dataset: Path) -> None:
    index = discover(msd_dataset)
    assert index.format == "volumes"
    assert len(index.pairs) == 4 * DEPTH
    assert [p.name for p in index.pairs[:DEPTH + 1]] == [f"case0/slice{i:03d}" for i in range(DEPTH)] + ["case1/slice000"]
    assert {p.group for p in index.pairs} == {"case0", "case1", "case2", "case3"}
    assert index.classes is not None and index.classes.names == ("background", "tumour")
    assert [p.name for p in index.unlabelled] == ["case9_0000.nii.gz"]
    assert not index.problems
    image = np.load(index.pairs[0].image)
    assert image.shape == (24, 20, 1) and image.dtype == np.float32
    assert np.load(index.pairs[2].mask).any() and not np.load(index.pairs[0].mask).any()


def test_findings_on_a_slice_name_the_volumes_it_was_cut_from(msd_dataset: Path) -> None:
    """A finding named the cached `slice002_image.npy` alone, no file of the dataset."""
    image, _ = make_volume(1)
    image[..., 2] = np.nan
    save(msd_dataset / "imagesTr" / "case1_0000.nii.gz", image.astype(np.float32))
    [finding] = audit(discover(msd_dataset)).fatal
    assert finding.code == "image-not-finite" and finding.path.name == "slice002_image.npy"
    assert f"(cut from slice 2 of '{msd_dataset / 'imagesTr' / 'case1_0000.nii.gz'}' + " in str(finding)


@pytest.mark.parametrize("spelled", ["Va", "Val"])
def test_amos_labelled_validation_cases_are_the_val_split(msd_dataset: Path, spelled: str) -> None:
    """AMOS ships imagesVa/ + labelsVa/ beside imagesTr/, WORD imagesVal/ + labelsVal/: their
    labelled validation cases were neither read nor listed, and val was drawn from the training cases."""
    for folder in (f"images{spelled}", f"labels{spelled}"):
        (msd_dataset / folder).mkdir()
    for i in (5, 6):
        image, label = make_volume(i)
        save(msd_dataset / f"images{spelled}" / f"case{i}_0000.nii.gz", image)
        save(msd_dataset / f"labels{spelled}" / f"case{i}.nii.gz", label)
    splits = split_pairs(discover(msd_dataset).pairs, seed=0)
    assert {split: sorted({p.group for p in pairs}) for split, pairs in splits.items() if pairs} == {
        "train": ["case0", "case1", "case2", "case3"], "val": ["case5", "case6"]}


def test_a_dataset_json_is_read_only_for_what_is_still_to_find(msd_dataset: Path, monkeypatch) -> None:
    """With the classes given (--classes) and the splits by folder (AMOS' imagesVa/ + labelsVa/),
    dataset.json is left to find neither: it was parsed all the same."""
    from seglab.data.splitting import datalists

    read = []
    real = datalists.read_datalist
    monkeypatch.setattr(datalists, "read_datalist", lambda path: read.append(path.name) or real(path))
    for i in (5, 6):
        image, label = make_volume(i)
        save(msd_dataset / "imagesVa" / f"case{i}_0000.nii.gz", image)
        save(msd_dataset / "labelsVa" / f"case{i}.nii.gz", label)
    (msd_dataset.parent / "classes.json").write_text('{"names": ["background", "lesion"]}')
    index = discover(msd_dataset, classes_file=str(msd_dataset.parent / "classes.json"))
    assert index.classes.names == ("background", "lesion") and {p.split for p in index.pairs} == {"train", "val"}
    assert read == []
    assert discover(msd_dataset).classes.names == ("background", "tumour") and read == ["dataset.json"]


def test_volumes_are_found_inside_the_folders_wrapping_them(msd_dataset: Path) -> None:
    """AMOS' archive unpacks to amos22/amos22/imagesTr/: DATA at the top found 'no image files'."""
    top = msd_dataset.parent / "amos22"
    shutil.move(msd_dataset, top / "amos22" / "Task01_Tiny")
    (top / "README.txt").write_text("AMOS 2022")
    index = discover(top)
    assert index.format == "volumes" and len({p.group for p in index.pairs}) == 4
    assert index.classes is not None and index.classes.names == ("background", "tumour")  # its dataset.json


def test_volume_folders_under_any_names_pair_with_images_and_masks_flags(tmp_path: Path) -> None:
    """COVID-19-CT-Seg: COVID-19-CT-Seg_20cases/ + Lung_and_Infection_Mask/ (and two other mask
    folders) was 'no image files found', and --images/--masks were for 2-D folders only."""
    for i in range(3):
        image, label = make_volume(i)
        save(tmp_path / "COVID-19-CT-Seg_20cases" / f"coronacases_{i:03d}.nii.gz", image)
        for folder in ("Lung_and_Infection_Mask", "Lung_Mask", "Infection_Mask"):
            save(tmp_path / folder / f"coronacases_{i:03d}.nii.gz", label)
    with pytest.raises(DataError, match=r"folders with volumes, in none of the volume layouts .*\n"
                                        r"  COVID-19-CT-Seg_20cases/: 3 volumes(.|\n)*--images DIR --masks DIR"):
        discover(tmp_path)
    index = discover(tmp_path, images="COVID-19-CT-Seg_20cases", masks="Lung_and_Infection_Mask")
    assert index.format == "volumes" and {p.group for p in index.pairs} == {f"coronacases_{i:03d}" for i in range(3)}
    assert all(p.mask.exists() for p in index.pairs)


def test_the_refusals_manifest_advice_runs_as_written(tmp_path: Path) -> None:
    """Volumes named otherwise than their labels: the refusal's `--manifest pairs.csv` went beside
    DATA, which is refused ("give either DATA or --manifest"); its command now runs once the CSV
    it names is written."""
    rows = ["image,mask"]
    for i in range(3):
        image, label = make_volume(i)
        save(tmp_path / "scans" / f"scan{i}.nii.gz", image)
        save(tmp_path / "things" / f"obj_{i + 7}.nii.gz", label)
        rows.append(f"scans/scan{i}.nii.gz,things/obj_{i + 7}.nii.gz")
    with pytest.raises(DataError) as refusal:
        discover(tmp_path)
    # the advice ends its line; the layouts looked for follow (de60d002)
    command = re.search(r"(seglab inspect --manifest \S+) \(docs/data.md\)$", str(refusal.value), re.MULTILINE)
    assert command is not None, str(refusal.value)
    args = shlex.split(command.group(1))[1:]
    Path(args[-1]).write_text("\n".join(rows) + "\n")
    assert main(args) == 0


def test_a_kaggle_metadata_csv_of_volumes_and_mask_columns_is_a_manifest_of_cases(tmp_path: Path) -> None:
    """Kaggle's COVID-19 CT scans: `ct_scans/coronacases_org_001.nii` and its masks in
    `lung_mask/`, `infection_mask/` and `lung_and_infection_mask/` named otherwise
    (`coronacases_001.nii`), which `metadata.csv` pairs (`ct_scan,lung_mask,infection_mask,
    lung_and_infection_mask`) by a Kaggle notebook's paths (`../input/covid19-ct-scans/...`). The
    manifest said 'no image column', its paths were missing files and its volumes no images; the
    folder's refusal named no table. Now `ct_scan` is the image column, the three mask columns are
    refused naming the flag that picks one, each path is the file its end names below the table,
    and each row a case of volumes cut into slices."""
    rows = ["ct_scan,lung_mask,infection_mask,lung_and_infection_mask"]
    columns = ("lung_mask", "infection_mask", "lung_and_infection_mask")
    for i in range(1, 3):
        image, label = make_volume(i)
        save(tmp_path / "ct_scans" / f"coronacases_org_{i:03d}.nii", image)
        for k, folder in enumerate(columns):
            save(tmp_path / folder / f"coronacases_{i:03d}.nii", label * (k + 1))
        rows.append(",".join(f"../input/covid19-ct-scans/{folder}/coronacases{'_org' * (not k)}_{i:03d}.nii"
                             for k, folder in enumerate(("ct_scans", *columns))))
    (tmp_path / "metadata.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"--manifest \S*metadata.csv --masks COLUMN, one of lung_mask, infection_mask"):
        discover(tmp_path)
    with pytest.raises(DataError, match=r"3 columns that could hold the masks \(lung_mask, infection_mask, "
                                        r"lung_and_infection_mask\); name the one to read: .* --masks lung_mask"):
        discover(tmp_path / "metadata.csv")
    index = discover(tmp_path / "metadata.csv", masks="lung_and_infection_mask")
    assert index.format == "volumes" and {p.group for p in index.pairs} == {"coronacases_org_001", "coronacases_org_002"}
    assert "paths written on another machine or from another folder" in index.pairing[0]
    assert sorted(index.mask_values) == [0, 3]  # the column picked: its volumes hold 3 where the others 1 and 2


def test_a_split_file_of_sections_naming_the_volumes_gives_the_cases_splits(tmp_path: Path) -> None:
    """CTSpine1K: `raw_data/volumes/<source>/<case>.nii.gz` + `raw_data/labels/<source>/<case>_seg.nii.gz`,
    and `metadata/data_split.txt` of `trainset:`, `test_public:`, `test_private:` sections naming
    `<case>.nii.gz`: read with `--images volumes --masks labels`, every case was in no split (the
    file unread, its names compared with the volumes' names less `.gz` alone) and test cases trained on."""
    cases = [("COLONOG", "1.3.6.1.4.1.9328.50.4.0001"), ("COLONOG", "1.3.6.1.4.1.9328.50.4.0002"),
             ("HNSCC-3DCT-RT", "HN-CHUM-001"), ("MSD-T10", "colon_001"), ("MSD-T10", "colon_005")]
    for i, (source, case) in enumerate(cases):
        image, label = make_volume(i)
        save(tmp_path / "raw_data" / "volumes" / source / f"{case}.nii.gz", image)
        save(tmp_path / "raw_data" / "labels" / source / f"{case}_seg.nii.gz", label)
    sections = {"trainset": cases[1:4], "test_public": cases[:1], "test_private": cases[4:]}
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "data_split.txt").write_text("".join(
        f"{heading}:\n" + "".join(f"{case}.nii.gz\n" for _, case in named) + "\n"
        for heading, named in sections.items()))
    index = discover(tmp_path, images="volumes", masks="labels")
    assert {p.group: p.split for p in index.pairs} == {
        "1.3.6.1.4.1.9328.50.4.0001": "test", "1.3.6.1.4.1.9328.50.4.0002": "train", "HN-CHUM-001": "train",
        "colon_001": "train", "colon_005": "test"}


def test_a_table_of_a_column_per_split_gives_the_cases_splits(tmp_path: Path) -> None:
    """MAMA-MIA's `train_test_splits.csv` (`train_split,test_split` above the case folders' names,
    `DUKE_001`, the shorter column padded with empty cells) beside `images/<CASE>/<case>_0000.nii.gz`:
    not read, and the test cases were trained on. A table whose columns are each titled by a split
    lists the cases of that split; a case is found by its name or its folder's."""
    cases = ("duke_001", "duke_002", "ispy1_1001", "nact_01", "nact_02")
    for case in cases:
        image, label = make_volume(len(case))
        save(tmp_path / "images" / case.upper() / f"{case}_0000.nii.gz", image)
        save(tmp_path / "segmentations" / "expert" / f"{case}.nii.gz", label)
    (tmp_path / "train_test_splits.csv").write_text(
        "train_split,test_split\nDUKE_001,NACT_02\nDUKE_002,DUKE_003\nISPY1_1001,\nNACT_01,\n")
    index = discover(tmp_path, images="images", masks="segmentations/expert")
    assert {p.group: p.split for p in index.pairs} == {
        "duke_001": "train", "duke_002": "train", "ispy1_1001": "train", "nact_01": "train", "nact_02": "test"}


@pytest.mark.parametrize("images", ["CT-1", "studies"])
def test_mosmeddata_studies_are_cases_by_their_whole_names(tmp_path: Path, images: str) -> None:
    """MosMedData: studies/CT-0 .. CT-4/study_NNNN.nii.gz (severity grades), masks/ for some of
    CT-1. `_0004` was read as an nnU-Net channel suffix: the unlabelled study_0004 and study_0010
    became one case 'study'; and --images studies found no volumes, all being one level down. The
    studies of grades none of whose studies has a mask are unlabelled, as a 2-D image folder
    without masks is: they were a warning each (about 1,060 on the real data); a CT-1 study
    without its mask stays one."""
    for n, grade in ((1, "CT-0"), (4, "CT-1"), (5, "CT-1"), (6, "CT-1"), (7, "CT-1"), (10, "CT-1"), (11, "CT-2")):
        image, label = make_volume(n)
        save(tmp_path / "studies" / grade / f"study_{n:04d}.nii.gz", image)
        if n in (5, 6, 7):
            save(tmp_path / "masks" / f"study_{n:04d}_mask.nii.gz", label)
    index = discover(tmp_path, images=images, masks="masks")
    assert {p.group for p in index.pairs} == {"study_0005", "study_0006", "study_0007"}
    unmasked = sorted(p.path.name for p in index.problems if p.code == "image-without-mask")
    assert unmasked == ["study_0004.nii.gz", "study_0010.nii.gz"]
    other_grades = [] if images == "CT-1" else ["study_0001.nii.gz", "study_0011.nii.gz"]
    assert [p.name for p in index.unlabelled] == other_grades


def test_nnunet_channel_suffixes_run_from_0000(tmp_path: Path) -> None:
    """A `_NNNN` suffix is a channel where its case has `_0000` and the numbers run on from it
    (BraTS in nnU-Net's naming); otherwise it is part of the case's name, also to predict."""
    image, label = make_volume(0)
    for channel in (0, 1):
        save(tmp_path / "imagesTr" / f"brats_001_{channel:04d}.nii.gz", image)
    save(tmp_path / "labelsTr" / "brats_001.nii.gz", label)
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"brats_001"} and np.load(index.pairs[0].image).shape[-1] == 2
    studies = [save(tmp_path / "predict" / f"study_{n:04d}.nii.gz", image) for n in (4, 10)]
    assert [name for name, _ in volume_cases(studies, 1)] == ["study_0004", "study_0010"]


def test_test_images_beside_training_labels_are_unlabelled_not_paired(msd_dataset: Path) -> None:
    """Two Decathlon tasks in one folder: each imagesTs/ was matched with its task's labelsTr/,
    its case9_0000 paired by number with a training case's label."""
    other = msd_dataset.parent / "Task02_Tiny"
    shutil.copytree(msd_dataset, other)
    for path in sorted(other.rglob("case*.nii.gz")):
        path.rename(path.with_name(path.name.replace("case", "liver")))
    index = discover(msd_dataset.parent)
    assert len({p.group for p in index.pairs}) == 8
    assert sorted(p.name for p in index.unlabelled) == ["case9_0000.nii.gz", "liver9_0000.nii.gz"]


def test_msd_dataset_json_form_names_the_classes(msd_dataset: Path) -> None:
    (msd_dataset / "dataset.json").write_text(json.dumps({"labels": {"0": "background", "1": "liver"}}))
    assert discover(msd_dataset).classes.names == ("background", "liver")


def test_dataset_json_ids_with_gaps_name_the_classes_in_id_order(msd_dataset: Path, text_reads: list[Path]) -> None:
    """ToothFairy2's nnU-Net dataset.json names ids 0-10, then teeth by FDI number (11-18, 21-28,
    ...): the gaps dropped the file, and the masks made 47 classes class_0 ... class_46, one per
    id up to the largest held, a class of each unused id and none of the declared 47 and 48. The
    declared ids are the classes in id order, their table maps them back, and inspect shows it;
    the file is read once, not once for the classes and again for the values' names."""
    from seglab.data import format_report, inspect_dataset

    labels = {"background": 0, "Jawbone": 1, "Upper Right Central Incisor": 11, "Upper Right Lateral Incisor": 12,
              "Upper Left Central Incisor": 21, "Upper Left Lateral Incisor": 22}
    for i in range(4):
        _, label = make_volume(i)
        save(msd_dataset / "labelsTr" / f"case{i}.nii.gz", np.where(label > 0, (1, 11, 21, 12)[i], 0).astype(np.uint8))
    (msd_dataset / "dataset.json").write_text(json.dumps({"labels": labels, "file_ending": ".nii.gz"}))
    index = discover(msd_dataset)
    assert [p for p in text_reads if p.name == "dataset.json"] == [msd_dataset / "dataset.json"]
    assert index.classes is not None and index.classes.names == tuple(labels) and index.ignore_index == 255
    table = dict(index.mapping.values)  # what `predict --write-values raw` writes back
    assert (table[11], table[21], table[22], table[13]) == (2, 4, 5, 255)
    report = inspect_dataset(msd_dataset)
    line = next(line for line in format_report(report).splitlines() if "Upper Left Central Incisor" in line)
    assert not report.fatal and line.startswith("    4  ") and line.endswith("mask value 21")


def test_nnunet_v1_dataset_json_names_the_classes_from_the_base_folder(msd_dataset: Path) -> None:
    """nnU-Net v1's nnUNet_raw_data_base/ holds nnUNet_raw_data/Task501_X/ beside nnUNet_cropped_data/:
    the cases were found, but the dataset.json beside their imagesTr/ was looked for in DATA only,
    and imagesTs/ of two channel files a case counted each file as an unlabelled image."""
    base = msd_dataset.parent / "nnUNet_raw_data_base"
    shutil.move(msd_dataset, base / "nnUNet_raw_data" / "Task501_Tiny")
    (base / "nnUNet_cropped_data" / "Task501_Tiny").mkdir(parents=True)
    save(base / "nnUNet_raw_data" / "Task501_Tiny" / "imagesTs" / "case9_0001.nii.gz", make_volume(9)[0])
    index = discover(base)
    assert index.classes is not None and index.classes.names == ("background", "tumour")
    assert [p.name for p in index.unlabelled] == ["case9_0000.nii.gz"]


def test_monai_datalist_names_the_classes_and_gives_the_splits(tmp_path: Path, caplog) -> None:
    """MONAI's BTCV: imagesTr/img0001 + labelsTr/label0001 and dataset_0.json, whose "labels" name
    the organs and whose "training" and "validation" lists split the cases: only a dataset.json was
    read, so the names were lost and val was drawn from all of them. Two such datalists (one per
    fold) are a choice, none read unasked."""
    root = tmp_path / "btcv"
    for i in range(1, 6):
        image, label = make_volume(i)
        save(root / "imagesTr" / f"img{i:04d}.nii.gz", image)
        save(root / "labelsTr" / f"label{i:04d}.nii.gz", label)
    cases = [{"image": f"imagesTr/img{i:04d}.nii.gz", "label": f"labelsTr/label{i:04d}.nii.gz"} for i in range(1, 6)]
    datalist = {"labels": {"0": "background", "1": "spleen"}, "training": cases[:3], "validation": cases[3:],
                "test": ["imagesTs/img0061.nii.gz"]}
    (root / "dataset_0.json").write_text(json.dumps(datalist))
    index = discover(root)
    assert index.classes is not None and index.classes.names == ("background", "spleen")
    assert {p.group: p.split for p in index.pairs} == {"img0001": "train", "img0002": "train", "img0003": "train",
                                                       "img0004": "val", "img0005": "val"}
    (root / "dataset_1.json").write_text(json.dumps(datalist | {"training": cases[2:], "validation": cases[:2]}))
    with caplog.at_level(logging.WARNING):
        index = discover(root)
    assert {p.split for p in index.pairs} == {None} and index.classes.names == ("background", "spleen")
    assert "2 datalists in" in caplog.text and "'dataset_0.json', 'dataset_1.json'" in caplog.text


def test_auto3dseg_input_names_the_classes_and_says_its_folds_are_not_read(tmp_path: Path, caplog) -> None:
    """Auto3DSeg's input.yaml names its datalist (a "fold" per training case) and `class_names`
    without the background: both were passed over in silence."""
    root = tmp_path / "auto3dseg"
    for i in range(4):
        image, label = make_volume(i)
        save(root / "data" / "imagesTr" / f"liver_{i}.nii.gz", image)
        save(root / "data" / "labelsTr" / f"liver_{i}.nii.gz", label)
    training = [{"fold": i % 2, "image": f"imagesTr/liver_{i}.nii.gz", "label": f"labelsTr/liver_{i}.nii.gz"}
                for i in range(4)]
    (root / "folds.json").write_text(json.dumps({"training": training}))
    (root / "input.yaml").write_text("modality: CT\ndatalist: ./folds.json\ndataroot: ./data\nclass_names: [liver]\n")
    with caplog.at_level(logging.WARNING):
        index = discover(root)
    assert index.classes is not None and index.classes.names == ("background", "liver")
    assert "puts the cases in 2 folds (0, 1), which seglab does not read: --folds 2 --fold I" in caplog.text


def test_nnunet_region_labels_are_read_as_overlapping_classes(msd_dataset: Path) -> None:
    """nnU-Net v2's region-based training: dataset.json labels each region with the values it
    covers (`"whole tumor": [1, 2]`), which were dropped and the values read as class_0, class_1,
    class_2; they are the multi-label task of a classes.json's "regions", unless --task multiclass."""
    for i in range(4):
        _, label = make_volume(i)
        label[:, :, 3] *= 2  # the box's top slice is the core, inside the whole
        save(msd_dataset / "labelsTr" / f"case{i}.nii.gz", label)
    labels = {"background": 0, "whole tumor": [1, 2], "tumor core": [2]}
    (msd_dataset / "dataset.json").write_text(json.dumps({"labels": labels, "regions_class_order": [1, 2]}))
    index = discover(msd_dataset)
    assert index.mapping.kind == "regions" and index.mapping.regions == ((1, 2), (2,))
    assert index.classes is not None and index.classes.names == ("whole tumor", "tumor core")
    assert discover(msd_dataset, task="multiclass").mapping.kind == "identity"


def test_monai_label_studies_folder_reads_the_saved_labels(tmp_path: Path, caplog) -> None:
    """MONAI Label's studies folder: the images in DATA itself, saved labels in labels/final/,
    labels before edits in labels/original/: inspect stopped on a ValueError (the image folder's
    parent is outside DATA) while offering --images . as a route; with final/ beside, no layout read it."""
    for i in range(4):
        save(tmp_path / "studies" / f"spleen_{i}.nii.gz", make_volume(i)[0])
    for i, tag in ((0, "final"), (1, "final"), (2, "original"), (3, "original")):
        save(tmp_path / "studies" / "labels" / tag / f"spleen_{i}.nii.gz", make_volume(i)[1])
    (tmp_path / "studies" / "datastore_v2.json").write_text('{"name": "new-dataset", "objects": {}}')
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path / "studies")
    assert {p.group for p in index.pairs} == {"spleen_0", "spleen_1"} and not index.problems
    assert sorted(p.name for p in index.unlabelled) == ["spleen_2.nii.gz", "spleen_3.nii.gz"]
    assert [p.name for p in index.ignored] == ["spleen_2.nii.gz", "spleen_3.nii.gz"]
    assert "--images . --masks labels/original reads them" in caplog.text
    shutil.move(tmp_path / "studies" / "labels" / "final", tmp_path / "studies" / "labels" / "edited")
    with pytest.raises(DataError, match=r"--images \. --masks labels/edited, or --images \. --masks labels/original"):
        discover(tmp_path / "studies")


def test_slices_are_cut_in_ras_order(tmp_path: Path) -> None:
    """The stored LAS volume is flipped along X: voxel (2, 3, 4) is at RAS (21, 3, 4)."""
    image, label = make_volume(0)
    image[2, 3, 4] = 1000
    save(tmp_path / "d" / "images" / "a.nii.gz", image)
    save(tmp_path / "d" / "labels" / "a_seg.nii.gz", label)
    index = discover(tmp_path / "d")
    by_name = {p.name: p for p in index.pairs}
    axial = np.load(by_name["a/slice004"].image)[..., 0]
    assert np.unravel_index(axial.argmax(), axial.shape) == (21, 3)
    expected = nib.as_closest_canonical(nib.load(tmp_path / "d" / "images" / "a.nii.gz")).get_fdata()
    assert np.allclose(axial, expected[:, :, 4])

    coronal = discover(tmp_path / "d", slice_axis="coronal")
    assert len(coronal.pairs) == 20
    assert np.load({p.name: p for p in coronal.pairs}["a/slice003"].image)[21, 4, 0] == 1000
    sagittal = discover(tmp_path / "d", slice_axis="sagittal")
    assert len(sagittal.pairs) == 24 and np.load(sagittal.pairs[0].mask).shape == (20, DEPTH)


@pytest.mark.parametrize("label_dir, label_name", [("labels", "a_seg"), ("masks", "a_mask"), ("labels", "a")])
def test_images_and_labels_folders_match_by_name(tmp_path: Path, label_dir: str, label_name: str) -> None:
    image, label = make_volume(1)
    save(tmp_path / "images" / "a.nii", image)
    save(tmp_path / label_dir / f"{label_name}.nii.gz", label)
    save(tmp_path / "images" / "b.nii.gz", image)  # no label
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == DEPTH
    assert [p.code for p in index.problems] == ["image-without-mask"]
    assert "b.nii.gz" in str(index.problems[0])


def test_images_and_masks_folders_holding_their_volumes_in_one_subfolder_each_pair(tmp_path: Path) -> None:
    """ACOUSLIC-AI 2024: `images/stacked_fetal_ultrasound/<uuid>.mha` + `masks/stacked_fetal_abdomen/<uuid>.mha`
    (one subfolder each, named apart): 'no known dataset layout'. The frames are cut as every volume
    is, in RAS (X, Y) order: the .mha's x (its columns) are a slice's rows, flipped with y from ITK's LPS."""
    from seglab.data.files.metaimage import write_labels
    lps = np.diag([-0.28, -0.28, 1.0, 1.0])  # an identity TransformMatrix, as the release's .mha files hold
    for folder in ("images/stacked_fetal_ultrasound", "masks/stacked_fetal_abdomen"):
        (tmp_path / folder).mkdir(parents=True)
    for n in range(3):
        frames = np.random.default_rng(n).integers(0, 60, (32, 24, 5)).astype(np.uint8)
        label = np.zeros_like(frames)
        label[8:20, 6:16, 2] = 1 + n % 2
        write_labels(tmp_path / "images" / "stacked_fetal_ultrasound" / f"case-{n}.mha", frames, lps)
        write_labels(tmp_path / "masks" / "stacked_fetal_abdomen" / f"case-{n}.mha", label, lps)
    index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 3 * 5
    assert {p.group for p in index.pairs} == {"case-0", "case-1", "case-2"}
    frame = np.load({p.name: p for p in index.pairs}["case-2/slice002"].image)[..., 0]
    assert np.array_equal(frame, np.random.default_rng(2).integers(0, 60, (32, 24, 5))[::-1, ::-1, 2])


def test_hidden_and_archive_folders_beside_a_lone_folder_leave_it_the_one(tmp_path: Path) -> None:
    """The one visible folder, of a wrapper (`_lone_folder`) and of `images/` and `masks/`
    (`_lone_folder_volumes`), is the one beside hidden folders, a Mac archive's `__MACOSX/` and a
    file; a second visible folder makes none, as before: `images/` of two subfolders pairs nothing."""
    top = tmp_path / "download"
    dataset = top / "acouslic"
    for folder in ("images/frames", "masks/labels"):
        (dataset / folder).mkdir(parents=True)
        for beside in (".ipynb_checkpoints", "__MACOSX"):
            (dataset / folder).parent.joinpath(beside).mkdir()
    (top / "__MACOSX").mkdir()
    (top / ".cache").mkdir()
    (top / "README.txt").write_text("frames and labels")
    for n in range(2):
        image, label = make_volume(n)
        save(dataset / "images" / "frames" / f"case-{n}.nii.gz", image)
        save(dataset / "masks" / "labels" / f"case-{n}.nii.gz", label)
    index = discover(top)
    assert index.format == "volumes" and not index.problems and {p.group for p in index.pairs} == {"case-0", "case-1"}
    assert all(p.mask is not None for p in index.pairs)
    save(dataset / "images" / "more" / "case-2.nii.gz", make_volume(2)[0])
    with pytest.raises(DataError, match="no known dataset layout in '.*download'"):
        discover(top)


def test_subject_folders_stack_their_modalities_in_name_order(tmp_path: Path) -> None:
    for i in range(2):
        image, label = make_volume(i)
        folder = tmp_path / f"BraTS_{i:03d}"
        for offset, modality in enumerate(("t1", "flair", "t2", "t1ce")):
            save(folder / f"BraTS_{i:03d}_{modality}.nii.gz", image + offset)
        save(folder / f"BraTS_{i:03d}_seg.nii.gz", label)
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 2 * DEPTH
    slice2 = np.load(index.pairs[2].image)
    flair = read_volume([tmp_path / "BraTS_000" / "BraTS_000_flair.nii.gz"]).voxels
    assert slice2.shape == (*flair.shape[:2], 4)
    assert np.array_equal(slice2[..., 0], flair[:, :, 2, 0])  # flair, t1, t1ce, t2: offsets 1, 0, 3, 2
    assert np.allclose(slice2[..., 1:] - slice2[..., :1], [0 - 1, 3 - 1, 2 - 1])


def test_segthor_label_named_gt_alone_makes_subject_folders(tmp_path: Path) -> None:
    """SegTHOR: train/Patient_01/Patient_01.nii.gz + train/Patient_01/GT.nii.gz was 'no image files found'."""
    for i in range(1, 4):
        image, label = make_volume(i)
        save(tmp_path / "train" / f"Patient_{i:02d}" / f"Patient_{i:02d}.nii.gz", image)
        save(tmp_path / "train" / f"Patient_{i:02d}" / "GT.nii.gz", label)
    index = discover(tmp_path)
    assert index.format == "volumes" and {p.group for p in index.pairs} == {"Patient_01", "Patient_02", "Patient_03"}
    assert np.load(index.pairs[2].mask).any()


def test_subject_modalities_on_other_grids_are_a_named_finding(tmp_path: Path) -> None:
    for i in range(2):
        image, label = make_volume(i)
        folder = tmp_path / f"BraTS_{i:03d}"
        save(folder / f"BraTS_{i:03d}_flair.nii.gz", image)
        save(folder / f"BraTS_{i:03d}_t1.nii.gz", image[:, :, :-1] if i == 0 else image)
        save(folder / f"BraTS_{i:03d}_seg.nii.gz", label)
    index = discover(tmp_path)
    assert len(index.pairs) == DEPTH and [p.code for p in index.problems] == ["bad-volume"]
    assert re.search(r"BraTS_000_flair.nii.gz', '.*BraTS_000_t1.nii.gz' differ in shape", str(index.problems[0]))


def test_skip_bad_is_offered_only_for_findings_it_can_leave_out(tmp_path: Path, capsys) -> None:
    """A volume refused before it makes pairs is no pair --skip-bad can leave out: the refusal
    offered it, and with it training stopped on the same finding, offering it again (CAMUS)."""
    from seglab.cli import main
    for i in range(3):
        image, label = make_volume(i)
        folder = tmp_path / "data" / f"BraTS_{i:03d}"
        save(folder / f"BraTS_{i:03d}_flair.nii.gz", image)
        save(folder / f"BraTS_{i:03d}_t1.nii.gz", image[:, :, :-1] if i == 0 else image)
        save(folder / f"BraTS_{i:03d}_seg.nii.gz", label)
    for skip in ([], ["--skip-bad"]):
        args = ["train", "--no-plan", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--epochs", "1", *skip]
        assert main(args) == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert "[bad-volume]" in last and "--skip-bad cannot leave out a finding that belongs to no image/mask pair" \
            in last and "or pass --skip-bad" not in last
    assert main(["inspect", str(tmp_path / "data")]) == 2  # inspect's last line said "train with --skip-bad"
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "those in no image/mask pair (1) --skip-bad cannot leave out" in last and "train with" not in last


def test_nnunet_channel_files_become_channels(tmp_path: Path) -> None:
    image, label = make_volume(0)
    for channel in range(3):
        save(tmp_path / "imagesTr" / f"c_{channel:04d}.nii.gz", image + channel)
    save(tmp_path / "labelsTr" / "c.nii.gz", label)
    slice0 = np.load(discover(tmp_path).pairs[0].image)
    assert slice0.shape == (24, 20, 3) and np.allclose(slice0[..., 2] - slice0[..., 0], 2)


def test_cases_of_more_numbered_channels_keep_those_every_case_has(tmp_path: Path) -> None:
    """MAMA-MIA: `images/<CASE>/<case>_0000.nii.gz` .. `_000N` (3 to 6 DCE phases by cohort) with
    `segmentations/expert/<case>.nii.gz`: `--images images --masks expert` was a fatal mix of 3, 4
    and 6 channels. Every case is read with the phases all have; the later ones are ignored, and said."""
    for case, phases in (("duke_001", 3), ("duke_002", 3), ("ispy1_1001", 4), ("ispy2_100899", 6)):
        image, label = make_volume(phases)
        for phase in range(phases):
            save(tmp_path / "images" / case.upper() / f"{case}_{phase:04d}.nii.gz", image + 10 * phase)
        save(tmp_path / "segmentations" / "expert" / f"{case}.nii.gz", label)
    index = discover(tmp_path, images="images", masks="expert")
    assert len(index.pairs) == 4 * DEPTH and [p.code for p in audit(index).fatal] == []
    slice0 = np.load(next(p for p in index.pairs if p.group == "ispy2_100899").image)
    assert slice0.shape == (24, 20, 3) and np.allclose(slice0[..., 2] - slice0[..., 0], 20)
    assert sorted(p.name for p in index.ignored) == [
        "ispy1_1001_0003.nii.gz", *(f"ispy2_100899_{n:04d}.nii.gz" for n in (3, 4, 5))]
    assert index.pairing == ["cases with 3 (2 cases), 4 (1 case), 6 (1 case) numbered channel files: each is read with "
                             "its first 3 (_0000 to _0002), the channels every case has; 4 files of later channels "
                             "(_0003, _0004, _0005) of 2 cases are left out, listed as ignored (to train on them, move "
                             "the cases of fewer channels out of the dataset)"]


def test_folders_of_rival_label_volumes_are_offered_as_a_choice(tmp_path: Path) -> None:
    """MAMA-MIA's `segmentations/expert/` and `segmentations/automatic/` (nnU-Net's) label the
    cases of `images/<CASE>/<case>_0000.nii.gz`: 'in none of the volume layouts', no route named.
    The refusal offers each as the labels to train on, the hand-drawn first, and each route reads."""
    for case in ("duke_001", "duke_002", "nact_01"):
        image, label = make_volume(len(case))
        for phase in range(2):
            save(tmp_path / "images" / case.upper() / f"{case}_{phase:04d}.nii.gz", image)
        for labels in ("automatic", "expert"):
            save(tmp_path / "segmentations" / labels / f"{case}.nii.gz", label)
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert ("\n  2 folders of label volumes pair with the cases of images/, a choice of labels to train on: "
            "--images images --masks segmentations/expert, or --images images --masks segmentations/automatic\n"
            ) in str(refused.value)
    index = discover(tmp_path, images="images", masks="segmentations/expert")
    assert {p.group for p in index.pairs} == {"duke_001", "duke_002", "nact_01"}


def test_case_folders_of_modalities_pair_with_labels_named_their_case_and_label_words(tmp_path: Path) -> None:
    """UPenn-GBM: `NIfTI-files/images_structural/<case>/<case>_{FLAIR,T1,T1GD,T2}.nii.gz` with
    `images_segm/<case>_segm.nii.gz` (manual, some cases) and `automated_segm/<case>_automated_approx_segm.nii.gz`
    (all): 'no known dataset layout', no route named, and `--images images_structural --masks
    images_segm` expected `images_segm/<case>_FLAIR.nii.gz`. A label named a case folder and label
    words pairs with that folder's volumes, its channels; the two label folders are offered as a
    choice, the model's last."""
    root = tmp_path / "NIfTI-files"
    cases = ("UPENN-GBM-00001_11", "UPENN-GBM-00001_21", "UPENN-GBM-00002_11", "UPENN-GBM-00003_11")
    for n, case in enumerate(cases):
        image, label = make_volume(n)
        for k, modality in enumerate(("FLAIR", "T1", "T1GD", "T2")):
            save(root / "images_structural" / case / f"{case}_{modality}.nii.gz", image + 10 * k)
        save(root / "automated_segm" / f"{case}_automated_approx_segm.nii.gz", label)
        if n % 2 == 0:
            save(root / "images_segm" / f"{case}_segm.nii.gz", label)
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert ("\n  2 folders of label volumes pair with the cases of NIfTI-files/images_structural/, a choice of labels "
            "to train on: --images NIfTI-files/images_structural --masks NIfTI-files/images_segm, or --images "
            "NIfTI-files/images_structural --masks NIfTI-files/automated_segm\n") in str(refused.value)
    manual = discover(tmp_path, images="NIfTI-files/images_structural", masks="NIfTI-files/images_segm")
    assert {p.group for p in manual.pairs} == {cases[0], cases[2]} and not manual.problems
    assert len(manual.unlabelled) == 2 * 4 and manual.modalities == ("FLAIR", "T1", "T1GD", "T2")
    slice0 = np.load(manual.pairs[0].image)
    assert slice0.shape == (24, 20, 4) and np.allclose(slice0[..., 3] - slice0[..., 0], 30)
    automated = discover(tmp_path, images="NIfTI-files/images_structural", masks="NIfTI-files/automated_segm")
    assert {p.name.split("/")[0] for p in automated.pairs} == set(cases) and not automated.problems


def test_numbered_modality_folders_beside_a_label_folder_are_each_cases_channels(tmp_path: Path) -> None:
    """BONBID-HIE 2023: `1ADC_ss/<case>-ADC_ss`, `2Z_ADC/Zmap_<case>-ADC_smooth2mm_clipped10` and
    `3LABEL/<case>_lesion`: 'no known layout', no route named. Folders named for a modality less a
    leading order number are the channels of each case, in folder order, paired by the case id
    inside the differing names; a label lacking one folder's volume is a problem naming that folder."""
    root = tmp_path / "BONBID2023_Train"
    for n in (10, 11, 15):
        case = f"MGHNICU_{n:03d}-VISIT_01"
        image, label = make_volume(n)
        save(root / "1ADC_ss" / f"{case}-ADC_ss.nii.gz", image)
        if n != 15:
            save(root / "2Z_ADC" / f"Zmap_{case}-ADC_smooth2mm_clipped10.nii.gz", image + 1000)
        save(root / "3LABEL" / f"{case}_lesion.nii.gz", label)
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"MGHNICU_010-VISIT_01", "MGHNICU_011-VISIT_01"}
    slice0 = np.load(index.pairs[0].image)
    assert slice0.shape == (24, 20, 2) and np.allclose(slice0[..., 1] - slice0[..., 0], 1000)
    [lacking] = [p for p in index.problems if p.code == "mask-without-image"]
    assert lacking.path.name == "MGHNICU_015-VISIT_01_lesion.nii.gz" and "no image volume in 2Z_ADC/" in lacking.message
    assert [p.name for p in index.ignored] == ["MGHNICU_015-VISIT_01-ADC_ss.nii.gz"]
    assert index.pairing[0].startswith("1ADC_ss/, 2Z_ADC/ (a modality each, the channels of each case in folder "
                                       "order) + 3LABEL/: 2 cases by the case id in their names (MGHNICU_010-VISIT_01: ")


def test_two_modalities_are_channels_and_a_time_axis_is_refused(tmp_path: Path) -> None:
    image, label = make_volume(0)
    files = [save(tmp_path / f"c_{channel:04d}.nii.gz", image + channel) for channel in range(2)]
    assert read_volume(files).voxels.shape[3] == 2  # MSD's prostate: T2 and ADC
    frames = save(tmp_path / "cine.nii.gz", np.stack([image] * 17, axis=-1))
    with pytest.raises(DataError, match=r"cine.nii.gz' gives 17 channels \(modalities or a 4th axis such as time\)"):
        read_volume([frames])


def write_dicom_series(folder: Path, stored: np.ndarray, slope: float = 2.0, intercept: float = -100.0,
                       name: str = "IM{:04d}") -> None:
    """Axial CT slices (rows, columns, slices) as files named against position order (`name`
    formatted with slices to 1), extension-less by default."""
    folder.mkdir(parents=True)
    series, study = generate_uid(), generate_uid()
    depth = stored.shape[2]
    for k in range(depth):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = study, series, "CT"
        ds.Rows, ds.Columns = stored.shape[:2]
        ds.PixelSpacing = [0.5, 0.8]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-10.0, -20.0, 3.0 * k]
        ds.SliceThickness = 3.0
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.PixelData = np.ascontiguousarray(stored[:, :, k]).astype("<i2").tobytes()
        ds.save_as(folder / name.format(depth - k), enforce_file_format=True)  # names run against positions


def test_dicom_series_is_sorted_rescaled_and_reoriented(tmp_path: Path) -> None:
    rows, cols, depth = 12, 10, 4
    stored = np.random.default_rng(0).integers(0, 50, (rows, cols, depth)).astype(np.int16)
    stored[1, 2, 3] = 500
    write_dicom_series(tmp_path / "sub1" / "dicom", stored)
    label = np.zeros((cols, rows, depth), np.uint8)  # written in RAS order on the same grid
    label[cols - 1 - 2, rows - 1 - 1, 3] = 1
    save(tmp_path / "sub1" / "sub1.nii.gz", label, affine=np.diag([0.8, 0.5, 3.0, 1.0]))
    index = discover(tmp_path)
    assert index.format == "volumes" and [p.name for p in index.pairs] == [f"sub1/slice{k:03d}" for k in range(depth)]
    # rows run posterior and columns left in DICOM (LPS): RAS flips both
    top = np.load(index.pairs[3].image)[..., 0]
    assert top.shape == (cols, rows)
    assert top[cols - 1 - 2, rows - 1 - 1] == 500 * 2.0 - 100
    assert np.allclose(top, (stored[::-1, ::-1, 3].T * 2.0 - 100))
    assert np.load(index.pairs[3].mask)[cols - 1 - 2, rows - 1 - 1] == 1
    assert np.allclose(np.load(index.pairs[0].image)[..., 0], stored[::-1, ::-1, 0].T * 2.0 - 100)


def test_dicom_series_folders_in_images_match_labels_by_name(tmp_path: Path) -> None:
    write_dicom_series(tmp_path / "images" / "p7", np.zeros((12, 10, 4), np.int16))
    save(tmp_path / "labels" / "p7_label.nii.gz", np.ones((10, 12, 4), np.uint8), affine=np.eye(4))
    index = discover(tmp_path)
    assert index.format == "volumes" and [p.group for p in index.pairs] == ["p7"] * 4


def test_dicom_affine_places_voxels_in_ras_millimetres(tmp_path: Path) -> None:
    write_dicom_series(tmp_path / "s", np.zeros((12, 10, 4), np.int16))
    volume = read_volume([tmp_path / "s"])
    assert nib.aff2axcodes(volume.affine) == ("P", "L", "S")
    # voxel (row 0, column 0, slice 0) is ImagePositionPatient (-10, -20, 0) LPS = (10, 20, 0) RAS
    assert np.allclose(volume.affine @ [0, 0, 0, 1], [10, 20, 0, 1])
    assert np.allclose(volume.affine @ [1, 1, 1, 1], [10 - 0.8, 20 - 0.5, 3, 1])


def test_dicom_series_with_a_missing_slice_is_refused(tmp_path: Path) -> None:
    write_dicom_series(tmp_path / "s", np.zeros((12, 10, 5), np.int16))
    (tmp_path / "s" / "IM0003").unlink()
    with pytest.raises(DataError, match=r"'.*s' has uneven slice spacing \(3 to 6 mm\)"):
        read_volume([tmp_path / "s"])


def test_splits_and_folds_keep_each_case_whole(msd_dataset: Path) -> None:
    pairs = discover(msd_dataset).pairs
    splits = split_pairs(pairs, (0.5, 0.25, 0.25), seed=3)
    groups = [{p.group for p in split} for split in splits.values()]
    assert sum(len(g) for g in groups) == 4 and set.union(*groups) == {f"case{i}" for i in range(4)}
    for fold in range(2):
        folded = split_pairs(pairs, folds=2, fold=fold)
        assert not {p.group for p in folded["train"]} & {p.group for p in folded["val"]}
        assert len(folded["val"]) == 2 * DEPTH


def test_empty_slices_keeps_a_seeded_share(msd_dataset: Path) -> None:
    labelled = 4 * 2  # make_volume labels slices 2 and 3 of each case
    assert len(discover(msd_dataset, empty_slices=0.0).pairs) == labelled
    half = [p.name for p in discover(msd_dataset, empty_slices=0.5).pairs]
    assert len(half) == labelled + 4 * 2 and half == [p.name for p in discover(msd_dataset, empty_slices=0.5).pairs]
    assert {f"case{i}/slice00{k}" for i in range(4) for k in (2, 3)} <= set(half)
    with pytest.raises(ConfigError, match="empty_slices"):
        discover(msd_dataset, empty_slices=1.5)
    with pytest.raises(ConfigError, match="slice_axis"):
        discover(msd_dataset, slice_axis="axil")


def test_slices_a_fill_value_covers_are_left_unannotated_not_pairs(tmp_path: Path) -> None:
    """SAROS labels every fifth axial slice and fills the others with 255 (not annotated): each
    all-255 slice was a pair, fatal as a binary mask among 12 classes, and with --ignore-index 255
    an all-ignore pair that adds nothing. A class filling a crop's slice, held elsewhere too, stays."""
    for n in range(3):
        image, label = make_volume(n)
        label[:, :, ::2] = 255  # slices 0, 2, 4 unannotated; make_volume's box stays on slice 3
        label[:4, :, 5] = 2  # a class filling part of slice 5 ...
        label[:, :, 1] = 2  # ... and all of slice 1: a class, not a fill
        save(tmp_path / "images" / f"case{n}.nii.gz", image)
        save(tmp_path / "labels" / f"case{n}.nii.gz", label)
    for ignore_index in (None, 255):
        index = discover(tmp_path, ignore_index=ignore_index)
        assert sorted({p.name.split("/")[1] for p in index.pairs}) == ["slice001", "slice003", "slice005"]
        assert not audit(index).fatal and 255 not in {v for p in index.pairs for v in np.unique(np.load(p.mask))}


def test_slices_are_cut_once_and_again_after_a_change(msd_dataset: Path) -> None:
    first = discover(msd_dataset).pairs[0].image
    written = first.stat().st_mtime_ns
    assert discover(msd_dataset).pairs[0].image.stat().st_mtime_ns == written
    image, _ = make_volume(5)
    save(msd_dataset / "imagesTr" / "case0_0000.nii.gz", image)
    again = discover(msd_dataset).pairs[0].image
    assert again.parent != first.parent and np.allclose(np.load(again)[..., 0], image[::-1, :, 0])


def test_corrupt_volume_is_a_fatal_problem_naming_it(msd_dataset: Path) -> None:
    broken = msd_dataset / "imagesTr" / "case1_0000.nii.gz"
    broken.write_bytes(broken.read_bytes()[:200])
    index = discover(msd_dataset)
    assert len(index.pairs) == 3 * DEPTH
    [problem] = [p for p in audit(index).fatal]
    assert problem.code == "bad-volume" and f"'{broken}'" in str(problem) and "cache" not in str(problem)
    with pytest.raises(DataError, match="case1_0000.nii.gz' cannot be read as NIfTI"):
        read_volume([broken])


def test_all_volumes_corrupt_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.nii.gz").write_bytes(b"not a nifti file at all")
    save(tmp_path / "labels" / "a.nii.gz", make_volume(0)[1])
    with pytest.raises(DataError, match=r"(?s)no image/mask pairs.*a.nii.gz' cannot be read"):
        discover(tmp_path)


def test_label_volume_of_another_shape_names_both_files(tmp_path: Path) -> None:
    image, label = make_volume(0)
    save(tmp_path / "images" / "a.nii.gz", image)
    save(tmp_path / "labels" / "a.nii.gz", label[:, :, :4])
    with pytest.raises(DataError, match=r"label volume '.*labels/a.nii.gz' has shape .*image volume '.*images/a.nii.gz'"):
        discover(tmp_path)


def test_two_d_folders_are_not_taken_for_volumes(tiny_dataset: Path) -> None:
    assert discover(tiny_dataset, format="auto").format == "synthetic"
    shutil.copytree(tiny_dataset / "images", tiny_dataset.parent / "plain" / "images")
    shutil.copytree(tiny_dataset / "masks", tiny_dataset.parent / "plain" / "masks")
    assert discover(tiny_dataset.parent / "plain").format == "folder-pairs"


def test_empty_slices_of_a_volume_are_no_warning(msd_dataset: Path) -> None:
    """Most slices of a scan hold no lesion; a warning per slice named cache files by the dozen."""
    index = discover(msd_dataset, empty_slices=1.0)
    assert len(index.pairs) > 4 * 2  # empty slices kept
    assert not [p for p in audit(index).warnings if p.code == "empty-mask"]


def test_acdc_frames_are_cases_grouped_by_patient_in_split_folders(tmp_path: Path) -> None:
    """ACDC: database/{training,testing}/patientNNN/ with two labelled frames each
    (patient001_frame01.nii.gz + patient001_frame01_gt.nii.gz), a 4-D sequence and Info.cfg:
    no layout matched (the labels end in `_gt`, the subjects sit two levels down)."""
    for split, numbers in (("training", (1, 2, 3)), ("testing", (101,))):
        for n in numbers:
            folder = tmp_path / "database" / split / f"patient{n:03d}"
            for frame in (1, 12):
                image, label = make_volume(n + frame)
                save(folder / f"patient{n:03d}_frame{frame:02d}.nii.gz", image)
                save(folder / f"patient{n:03d}_frame{frame:02d}_gt.nii.gz", label)
            save(folder / f"patient{n:03d}_4d.nii.gz", np.stack([make_volume(n)[0]] * 2, axis=-1))
            (folder / "Info.cfg").write_text("ED: 1\nES: 12\n")
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 8 * DEPTH
    assert {p.group for p in index.pairs} == {"patient001", "patient002", "patient003", "patient101"}
    assert {p.name.split("/")[0] for p in index.pairs if p.group == "patient001"} == {
        "patient001_frame01", "patient001_frame12"}
    assert {p.split for p in index.pairs if p.group == "patient101"} == {"test"}
    assert {p.split for p in index.pairs if p.group != "patient101"} == {"train"}
    splits = split_pairs(index.pairs, seed=0)
    assert {p.group for p in splits["test"]} == {"patient101"}
    assert not {p.group for p in splits["train"]} & {p.group for p in splits["val"]}


def test_cases_side_by_side_in_split_folders_get_their_folders_splits(tmp_path: Path) -> None:
    """LNQ2023: train/lnq2023-train-0001-ct.nrrd + lnq2023-train-0001-seg.nrrd beside
    validation/lnq2023-val-0001-ct.nrrd (+ -seg): the folders' splits were not read, and a drawn
    split put validation cases in train."""
    for split, tag, count in (("train", "train", 3), ("validation", "val", 2)):
        for n in range(1, count + 1):
            image, label = make_volume(n + 10 * (tag == "val"))
            save(tmp_path / "lnq2023" / split / f"lnq2023-{tag}-{n:04d}-ct.nii.gz", image)
            save(tmp_path / "lnq2023" / split / f"lnq2023-{tag}-{n:04d}-seg.nii.gz", label)
    index = discover(tmp_path)
    assert {p.group: p.split for p in index.pairs} == {
        **{f"lnq2023-train-{n:04d}-ct": "train" for n in (1, 2, 3)}, **{f"lnq2023-val-{n:04d}-ct": "val" for n in (1, 2)}}


def test_mmwhs_cases_named_after_their_modality_folder_are_a_patient_each(tmp_path: Path) -> None:
    """MM-WHS 2017: ct_train/ct_train_1001_image.nii.gz + ct_train_1001_label.nii.gz, mr_train/
    alike: the names start with their folder's, as ACDC's patient001/patient001_frame01 do, so
    each folder was one subject: 2 groups, a drawn split all CT cases in train and all MR in val."""
    for modality in ("ct", "mr"):
        for n in (1001, 1002, 1003):
            image, label = make_volume(n)
            save(tmp_path / f"{modality}_train" / f"{modality}_train_{n}_image.nii.gz", image)
            save(tmp_path / f"{modality}_train" / f"{modality}_train_{n}_label.nii.gz", label)
        save(tmp_path / f"{modality}_test" / f"{modality}_test_2001_image.nii.gz", make_volume(0)[0])
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"{m}_train_{n}_image" for m in ("ct", "mr") for n in (1001, 1002, 1003)}
    assert len(index.unlabelled) == 2


def test_versions_of_one_subject_in_one_folder_are_one_group(tmp_path: Path) -> None:
    """HVSMR 2016's training_axial_full_pat0 + training_axial_crop_pat0 + training_sa_crop_pat0 (one
    heart three times, each with its -label) and TopCoW 2024's imagesTr/topcow_ct_001_0000 +
    topcow_mr_001_0000 (one patient's CTA and MRA) were a group per case: a drawn split put a
    subject's near copy in training and another in validation."""
    for n in range(3):
        image, label = make_volume(n)
        for version in ("axial_full", "axial_crop", "sa_crop"):
            save(tmp_path / "hvsmr" / "Training dataset" / f"training_{version}_pat{n}.nii.gz", image)
            save(tmp_path / "hvsmr" / "Training dataset" / f"training_{version}_pat{n}-label.nii.gz", label)
        for modality in ("ct", "mr"):
            save(tmp_path / "topcow" / "imagesTr" / f"topcow_{modality}_{n:03d}_0000.nii.gz", image)
            save(tmp_path / "topcow" / "labelsTr" / f"topcow_{modality}_{n:03d}.nii.gz", label)
    hvsmr = discover(tmp_path / "hvsmr")
    assert len(hvsmr.pairs) == 9 * DEPTH and {p.group for p in hvsmr.pairs} == {f"training_pat{n}" for n in range(3)}
    topcow = discover(tmp_path / "topcow")
    assert len(topcow.pairs) == 6 * DEPTH and {p.group for p in topcow.pairs} == {f"topcow_{n:03d}" for n in range(3)}
    splits = split_pairs(topcow.pairs, (0.34, 0.33, 0.33), seed=0)
    assert not {p.group for p in splits["train"]} & {p.group for p in splits["val"]}


def test_sequences_after_a_leading_patient_number_are_one_group(tmp_path: Path) -> None:
    """SPIDER: images/1_t1.mha, 1_t2.mha, 1_t2_SPACE.mha + masks/ alike, a patient's number and then
    the MRI sequence, not every patient with every sequence: a group per volume put one patient's
    T1 in training and T2 in validation."""
    for patient in (1, 2, 3):
        for sequence in ("t1", "t2", "t2_SPACE")[: 2 if patient == 3 else 3]:
            image, label = make_volume(patient)
            save(tmp_path / "images" / f"{patient}_{sequence}.nii.gz", image)
            save(tmp_path / "masks" / f"{patient}_{sequence}.nii.gz", label)
    index = discover(tmp_path)
    assert len(index.pairs) == 8 * DEPTH and {p.group for p in index.pairs} == {"1", "2", "3"}
    assert index.pairing == ["3 subjects in the case names, by the id before each one's sequence, visit or scan "
                             "('1_t1' is '1'): a split keeps each subject's scans together"]  # `seglab inspect` shows it


def test_scan_folders_numbered_after_a_volunteer_are_one_group(tmp_path: Path) -> None:
    """CMRxMotion: data/P001-1/P001-1-ED.nii.gz + P001-1-ED-label.nii.gz (and -ES), P001-1 ... P001-4
    one volunteer's scans under four breath-hold instructions, some without labels: a group per
    scan folder put one volunteer's scans in training and validation."""
    for volunteer, scans in ((1, (1, 2, 3)), (2, (1, 2, 3, 4)), (3, (1, 2, 4))):
        for scan in scans:
            case = f"P{volunteer:03d}-{scan}"
            for phase in ("ED", "ES"):
                image, label = make_volume(volunteer + scan)
                save(tmp_path / "data" / case / f"{case}-{phase}.nii.gz", image)
                if scan != 4:  # severe motion: shipped without labels
                    save(tmp_path / "data" / case / f"{case}-{phase}-label.nii.gz", label)
    index = discover(tmp_path)
    assert len(index.pairs) == 2 * 8 * DEPTH and {p.group for p in index.pairs} == {"P001", "P002", "P003"}


def test_timepoints_after_a_case_id_are_one_group_though_few_patients_have_several(tmp_path: Path) -> None:
    """BraTS 2023 GLI: BraTS-GLI-00005-000/ and BraTS-GLI-00005-001/ (patient 00005's first scan and
    its follow-up, `<case>-t1c.nii.gz` ... `<case>-seg.nii.gz` each), most patients scanned once: each
    timepoint was a group, so a patient's follow-up could be scored after training on the first."""
    root = tmp_path / "ASNR-MICCAI-BraTS2023-GLI-Challenge-TrainingData"
    cases = ["00000-000", "00002-000", "00003-000", "00005-000", "00005-001", "00006-000", "00008-000", "00008-001"]
    for i, number in enumerate(cases):
        image, label = make_volume(i)
        for modality in ("t1c", "t2f"):
            save(root / f"BraTS-GLI-{number}" / f"BraTS-GLI-{number}-{modality}.nii.gz", image)
        save(root / f"BraTS-GLI-{number}" / f"BraTS-GLI-{number}-seg.nii.gz", label)
    index = discover(tmp_path)
    assert len(index.pairs) == 8 * DEPTH
    assert {p.group for p in index.pairs} == {f"BraTS-GLI-{n}" for n in ("00000", "00002", "00003", "00005", "00006",
                                                                        "00008")}
    assert index.pairing[-1] == ("6 subjects in the case names, by the id before each one's timepoint "
                                 "('BraTS-GLI-00008-001' is 'BraTS-GLI-00008'): a split keeps each subject's scans "
                                 "together")


def test_visit_folders_in_a_patient_folder_are_one_group_split_as_the_folder_above(tmp_path: Path) -> None:
    """MSLesSeg: train/P1/T1/P1_T1_FLAIR.nii.gz, _T1, _T2 + P1_T1_MASK.nii.gz, T1 ... T3 the patient's
    visits (not modalities), beside test/P54/P54_FLAIR.nii.gz ... (one visit, no visit folder): a
    group per visit put one patient's visits in training and validation, and as train/ is no
    container's own name, the official test patients were drawn into training too."""
    cases = {f"train/P{n}/T{visit}": f"P{n}_T{visit}" for n, visits in ((1, 3), (2, 2), (3, 1))
             for visit in range(1, visits + 1)} | {f"test/P{n}": f"P{n}" for n in (54, 55)}
    for i, (folder, stem) in enumerate(cases.items()):
        image, label = make_volume(i)
        for modality in ("FLAIR", "T1", "T2"):
            save(tmp_path / "MSLesSeg_Dataset" / folder / f"{stem}_{modality}.nii.gz", image)
        save(tmp_path / "MSLesSeg_Dataset" / folder / f"{stem}_MASK.nii.gz", label)
    index = discover(tmp_path)
    assert len(index.pairs) == 8 * DEPTH
    assert {p.group: p.split for p in index.pairs} == {"train/P1": "train", "train/P2": "train", "train/P3": "train",
                                                        "test/P54": "test", "test/P55": "test"}


@pytest.mark.parametrize("names", [
    ["CHUM-001", "CHUM-002", "CHUP-001", "CHUP-002"],  # sites numbering their patients anew: a word and a number
    ["scan_train_1", "scan_train_2", "scan_val_1", "scan_val_2"],  # a split word is no version
    ["case_ct_1", "case_ct_2", "case_mr_2", "case_mr_3"],  # other numbers under each word: other patients
    ["1_liver", "2_liver", "3_spleen", "4_spleen"],  # a word after each patient's number, none with two: a case each
    ["1_train", "1_val", "2_train", "2_val"],  # a split word after the number is no sequence
    ["site1_001", "site1_002", "site2_001", "site2_002"],  # sites numbering their patients anew
    ["site1-001", "site1-002", "site2-001", "site2-002", "site3-001"],  # most sites with several: no timepoints
    ["p1-000", "p1-002", "p2-000", "p3-000"],  # a gap: other patients, not a follow-up
])
def test_cases_named_alike_but_for_a_word_stay_apart_unless_versions(tmp_path: Path, names: list[str]) -> None:
    for i, name in enumerate(names):
        image, label = make_volume(i)
        save(tmp_path / "imagesTr" / f"{name}.nii.gz", image)
        save(tmp_path / "labelsTr" / f"{name}.nii.gz", label)
    assert {p.group for p in discover(tmp_path).pairs} == set(names)


def _ctpelvic1k(root: Path) -> None:
    """CTPelvic1K as shipped: CTPelvic1K_datasetN_data/datasetN_<id>_data.nii.gz beside
    CTPelvic1K_datasetN_mask_mappingback/datasetN_<id>_mask_4label.nii.gz, a folder pair per sub-dataset."""
    for dataset, ids in (("dataset1", ("0001", "0003")), ("dataset6", ("CLINIC_0001", "CLINIC_0002"))):
        for n, case in enumerate(ids):
            image, label = make_volume(n)
            save(root / f"CTPelvic1K_{dataset}_data" / f"{dataset}_{case}_data.nii.gz", image)
            save(root / f"CTPelvic1K_{dataset}_mask_mappingback" / f"{dataset}_{case}_mask_4label.nii.gz", label)


def test_ctpelvic1k_folder_pairs_named_alike_but_for_their_role_words_pair(tmp_path: Path) -> None:
    """CTPelvic1K's `..._data/` + `..._mask_mappingback/` folders, two per sub-dataset, were 'in none
    of the volume layouts'; and --images/--masks with --mask-pattern '{stem}_mask_4label.nii.gz'
    tried the 2-D folder-pairs layout alone, which reads no volumes."""
    _ctpelvic1k(tmp_path)
    index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems and _labels_fit_their_images(index)
    assert {p.group for p in index.pairs} == {"dataset1_0001_data", "dataset1_0003_data",
                                              "dataset6_CLINIC_0001_data", "dataset6_CLINIC_0002_data"}
    named = discover(tmp_path, images="CTPelvic1K_dataset6_data", masks="CTPelvic1K_dataset6_mask_mappingback",
                     mask_pattern="{stem}_mask_4label.nii.gz")
    assert named.format == "volumes" and not named.problems and len(named.pairs) == 2 * DEPTH


@pytest.mark.parametrize(("offset", "value", "why"), [
    (108, struct.pack("<f", -1e10), "cannot be read as NIfTI .*vox offset"),  # nibabel: HeaderDataError
    (252, struct.pack("<hh", 0, 1) + bytes(24) + bytes(48), "has an affine that gives no axis orientation"),
], ids=["negative-data-offset", "zero-sform"])
def test_a_damaged_nifti_header_is_named_not_a_traceback(tmp_path, offset, value, why):
    """Header bytes a damaged download can hold: nibabel raised HeaderDataError and
    OrientationError, which escaped the volume reader (34 of 1,500 damaged files did)."""
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 3), np.float32), np.eye(4)), str(tmp_path / "v.nii"))
    data = bytearray((tmp_path / "v.nii").read_bytes())
    data[offset:offset + len(value)] = value  # the zero-sform case: no qform, sform code 1, a zero sform
    (tmp_path / "v.nii").write_bytes(bytes(data))
    with pytest.raises(DataError, match=rf"v\.nii' {why}"):
        read_volume([tmp_path / "v.nii"])


def test_a_damaged_dicom_element_is_named_not_a_traceback(tmp_path: Path) -> None:
    """pydicom parses an element when it is first read: an unknown value representation, a
    length that is no multiple of its value size, a bad number raised past the reader (45 of
    1,000 damaged series did)."""
    write_dicom_series(tmp_path / "series", np.zeros((8, 6, 3), np.int16))
    victim = sorted((tmp_path / "series").iterdir())[1]
    data = victim.read_bytes()
    tag = b"\x20\x00\x0e\x00UI"  # SeriesInstanceUID, explicit VR little endian
    assert tag in data
    victim.write_bytes(data.replace(tag, b"\x20\x00\x0e\x00U\xd2"))  # no such value representation
    with pytest.raises(DataError, match=r"series' holds a damaged file \(NotImplementedError"):
        read_volume([tmp_path / "series"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stems=st.lists(st.from_regex(r"[a-z]{1,6}(_[a-z0-9]{1,5}){0,2}(_000[0-3])?", fullmatch=True), min_size=1,
                      max_size=6, unique=True), channels=st.integers(1, 4))
@example(stems=["aa_00000_0000", "aa_00000_0001"], channels=1)  # the second channel left out, as training reads one
def test_volume_cases_take_every_image_volume_once(tmp_path, stems, channels):
    """Whatever the names, a case is one or more files of one folder, no file is in two cases,
    and only label volumes beside a subject's modalities, or numbered channel files past the
    model's channels (`_first_channels`: `aa_0001` for a 1-channel model), are left out."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    files = []
    for stem in stems:
        (folder / f"{stem}.nii.gz").write_bytes(b"")
        files.append(folder / f"{stem}.nii.gz")
    cases = volume_cases(files, channels)
    taken = [f for _, group in cases for f in group]
    assert len(taken) == len(set(taken)) and set(taken) <= set(files)
    left_out = set(files) - set(taken)
    past_channels = {f for f in nnunet_cases(files) if int(f.name.removesuffix(".nii.gz")[-4:]) >= channels}
    assert all(is_label_volume(f) or f in past_channels for f in left_out)
    assert all(len(group) == 1 or len({f.parent for f in group}) == 1 for _, group in cases)


def test_a_series_slice_claiming_gigabytes_of_pixels_allocates_none_of_them(tmp_path: Path) -> None:
    """One damaged length in a slice's pixel data (2 GB claimed for the 60 bytes it holds):
    pydicom reading the file allocated the 2 GB; slices are now parsed from their bytes in
    memory, which answer with what they hold (the series reads, or fails naming the file)."""
    import tracemalloc

    write_dicom_series(tmp_path / "series", np.zeros((6, 5, 3), np.int16))
    slice_file = sorted((tmp_path / "series").iterdir())[0]
    data = bytearray(slice_file.read_bytes())
    at = data.find(b"\xe0\x7f\x10\x00OW")  # (7FE0,0010) PixelData, explicit VR: 2 reserved bytes, then its length
    data[at + 8:at + 12] = (0x7FFFFFF0).to_bytes(4, "little")
    slice_file.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        read_dicom_series(tmp_path / "series")
    except DataError as err:
        assert "series" in str(err)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak


def _labels_fit_their_images(index) -> bool:
    """Every labelled slice's box lies on its image's bright box (make_volume), so each label
    was paired with its own image."""
    for pair in index.pairs:
        image, mask = np.load(pair.image)[..., 0], np.load(pair.mask)
        if mask.any() and image[mask == 1].mean() < image[mask == 0].mean() + 40:
            return False
    return True


@pytest.mark.parametrize("batch", ["Training Batch 1", "."])
def test_lits_cases_pair_by_number_each_its_own_subject(tmp_path: Path, batch: str) -> None:
    """LiTS' `volume-3.nii` + `segmentation-3.nii` side by side, in `Training Batch 1/` as it
    unpacks or at the top: six patients were one case of six channels trained against patient
    0's label (in a batch folder), or no layout at all (at the top)."""
    for n in (0, 1, 2, 10, 11):
        image, label = make_volume(n)
        save(tmp_path / batch / f"volume-{n}.nii", image)
        save(tmp_path / batch / f"segmentation-{n}.nii", label)
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 5 * DEPTH
    assert {p.group for p in index.pairs} == {f"volume-{n}" for n in (0, 1, 2, 10, 11)}
    assert np.load(index.pairs[0].image).shape[-1] == 1 and _labels_fit_their_images(index)


def test_btcv_image_and_label_folders_pair_by_number_below_split_folders(tmp_path: Path) -> None:
    """Synapse multi-organ (BTCV) as shipped: RawData/Training/img/img0001.nii.gz +
    Training/label/label0001.nii.gz, Testing/img/ without labels; no layout was found."""
    for n in (1, 2, 3, 4):
        image, label = make_volume(n)
        save(tmp_path / "RawData" / "Training" / "img" / f"img{n:04d}.nii.gz", image)
        save(tmp_path / "RawData" / "Training" / "label" / f"label{n:04d}.nii.gz", label)
    save(tmp_path / "RawData" / "Testing" / "img" / "img0061.nii.gz", make_volume(61)[0])
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 4 * DEPTH
    assert {p.group for p in index.pairs} == {f"img{n:04d}" for n in (1, 2, 3, 4)} and _labels_fit_their_images(index)
    assert {p.split for p in index.pairs} == {None}  # a training folder alone: the splits are drawn
    assert [p.name for p in index.unlabelled] == ["img0061.nii.gz"]


def _asoca(root: Path) -> None:
    """ASOCA as shipped: ASOCA/{Normal,Diseased}/CTCA/<group>_<n>.nrrd + Annotations/<same>.nrrd,
    with Centerlines/*.vtp and SurfaceMeshes/*.stl beside them."""
    for group in ("Normal", "Diseased"):
        for n in (1, 2):
            image, label = make_volume(n)
            save(root / "ASOCA" / group / "CTCA" / f"{group}_{n}.nii.gz", image)
            save(root / "ASOCA" / group / "Annotations" / f"{group}_{n}.nii.gz", label)
            (root / "ASOCA" / group / "Centerlines").mkdir(exist_ok=True)
            (root / "ASOCA" / group / "Centerlines" / f"{group}_{n}.vtp").write_text("<VTKFile/>")


@pytest.mark.parametrize("named", [{}, {"images": "CTCA", "masks": "Annotations"}])
def test_asoca_image_folders_of_any_name_pair_with_the_label_folder_beside_them(tmp_path: Path, named: dict) -> None:
    """ASOCA's CTCA/ is no image-folder name: the dataset was refused, and --images CTCA --masks
    Annotations too, each name ending two folders' paths (Normal/ and Diseased/)."""
    _asoca(tmp_path)
    index = discover(tmp_path, **named)
    assert index.format == "volumes" and len(index.pairs) == 4 * DEPTH and not index.problems
    assert {p.group for p in index.pairs} == {f"{g}_{n}" for g in ("Normal", "Diseased") for n in (1, 2)}
    assert _labels_fit_their_images(index)


def _segrap(root: Path) -> None:
    """SegRap2023 as shipped: `SegRap2023_Training_Set_120cases/segrap_000n/{image,image_contrast}.nii.gz`
    (plain and contrast CT) and a tree of case folders of the same names apart,
    `SegRap2023_Training_Set_120cases_OneHot_Labels/Task001/segrap_000n/<Organ>.nii.gz`, a 0/1
    volume per organ (Task002's per tumour beside it)."""
    for n in (1, 2, 3):
        image, label = make_volume(n)
        case = f"segrap_{n:04d}"
        save(root / "SegRap2023_Training_Set_120cases" / case / "image.nii.gz", image)
        save(root / "SegRap2023_Training_Set_120cases" / case / "image_contrast.nii.gz", image + 40)
        for task, organs in (("Task001", ("Brain", "Eye_L")), ("Task002", ("GTVp", "GTVnd"))):
            for k, organ in enumerate(organs, 1):
                save(root / "SegRap2023_Training_Set_120cases_OneHot_Labels" / task / case / f"{organ}.nii.gz",
                     (label == k).astype(np.uint8))


def test_case_folders_pair_with_the_case_folders_of_their_names_in_a_label_tree(tmp_path: Path) -> None:
    """SegRap2023 (`_segrap`): the refusal offers --images and --masks for the two trees, and
    those read each case's two CT volumes as its channels and its label folder's 0/1 volumes as a
    class each. Before, the refusal named no route and --images/--masks gave 'no image/mask
    folders fit': every case's volumes are named alike, so they never paired by name."""
    _segrap(tmp_path)
    with pytest.raises(DataError, match=r"--images SegRap2023_Training_Set_120cases --masks "
                                        r"SegRap2023_Training_Set_120cases_OneHot_Labels/Task001 pairs them"):
        discover(tmp_path)
    index = discover(tmp_path, images="SegRap2023_Training_Set_120cases", masks="Task001")
    assert index.format == "volumes" and len(index.pairs) == 3 * DEPTH and not index.problems
    assert index.classes.names == ("background", "Brain", "Eye_L")
    assert {p.group for p in index.pairs} == {"segrap_0001", "segrap_0002", "segrap_0003"}
    assert np.load(index.pairs[0].image).shape[-1] == 2 and _labels_fit_their_images(index)


@pytest.mark.parametrize("product", ["T1w_brain", "T1w_masked"])
def test_an_image_masked_by_its_label_is_left_out_of_the_channels(tmp_path: Path, caplog, product: str) -> None:
    """NFBS ships `<id>/sub-<id>_ses-NFB3_T1w.nii.gz`, `_T1w_brain` (the T1w times the mask) and
    `_T1w_brainmask` (the label): the stripped image, the answer, was fed as a second channel."""
    for n in (1, 2, 3):
        image, label = make_volume(n)
        folder = tmp_path / "NFBS_Dataset" / f"A0000{n}"
        save(folder / f"sub-A0000{n}_ses-NFB3_T1w.nii.gz", image)
        save(folder / f"sub-A0000{n}_ses-NFB3_{product}.nii.gz", image * (label > 0))
        save(folder / f"sub-A0000{n}_ses-NFB3_T1w_brainmask.nii.gz", label)
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 3 * DEPTH and not index.problems
    assert np.load(index.pairs[0].image).shape[-1] == 1 and _labels_fit_their_images(index)
    assert sorted(p.name for p in index.ignored) == [f"sub-A0000{n}_ses-NFB3_{product}.nii.gz" for n in (1, 2, 3)]
    assert "left out 3 image volumes made with their case's label" in caplog.text


def test_a_case_folders_image_off_its_labels_grid_is_left_out_beside_one_on_it(tmp_path: Path, caplog) -> None:
    """Mindboggle-101 ships `<subject>/t1weighted.nii.gz` (native) beside `t1weighted.MNI152.nii.gz`
    (another grid) and the native `labels.DKT31.manual.nii.gz` (+ its MNI152 copy): both images
    were taken as channels and every case refused, 'differ in shape'."""
    for n in (1, 2, 3):
        image, label = make_volume(n)
        folder = tmp_path / "Mindboggle101_volumes" / "MMRR-21_volumes" / f"MMRR-21-{n}"
        save(folder / "t1weighted.nii.gz", image)
        save(folder / "t1weighted.MNI152.nii.gz", image[:-2, :-2])
        save(folder / "labels.DKT31.manual.nii.gz", label)
        save(folder / "labels.DKT31.manual.MNI152.nii.gz", label[:-2, :-2])
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path, masks="labels.DKT31.manual.nii.gz")
    assert index.format == "volumes" and len(index.pairs) == 3 * DEPTH and not index.problems
    assert np.load(index.pairs[0].image).shape[-1] == 1 and _labels_fit_their_images(index)
    assert {p.name for p in index.ignored} == {"t1weighted.MNI152.nii.gz", "labels.DKT31.manual.MNI152.nii.gz"}
    assert "left out 3 image volumes of case folders" in caplog.text


def test_freesurfer_ids_a_colour_lut_names_are_classes_in_value_order(tmp_path: Path, caplog) -> None:
    """Mindboggle-101's label volumes hold FreeSurfer ids (4, 43, 1002, 2005, ...) that its
    `FreeSurferColorLUT.txt` names (`id name R G B A`, among ids no volume holds): the LUT was not
    read, and the ids made a class per value up to the first wide gap, the rest fatal
    values-outside-classes. The held ids are classes 0..N-1 in value order, named by the LUT, and
    the table maps them back."""
    ids = (0, 4, 43, 1002, 2005)
    for n in (1, 2):
        image, label = make_volume(n)
        folder = tmp_path / "Mindboggle101_volumes" / "MMRR-21_volumes" / f"MMRR-21-{n}"
        save(folder / "t1weighted.nii.gz", image)
        labels = np.zeros(label.shape, np.int32)
        for k, voxel in enumerate(np.argwhere(label == 1)):
            labels[tuple(voxel)] = ids[1 + k % 4]
        save(folder / "labels.DKT31.manual+aseg.nii.gz", labels)
    (tmp_path / "FreeSurferColorLUT.txt").write_text(
        "#No. Label Name:                R   G   B   A\n\n0   Unknown                 0   0   0   0\n"
        "4   Left-Lateral-Ventricle  120 18  134 0\n7   Left-Cerebellum-White-Matter 220 248 164 0\n"
        "43  Right-Lateral-Ventricle 120 18  134 0\n1002    ctx-lh-caudalanteriorcingulate 125 100 160 0\n"
        "2005    ctx-rh-cuneus       220 20  100 0\n")
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path, masks="labels.DKT31.manual+aseg.nii.gz")
    assert index.classes.names == ("Unknown", "Left-Lateral-Ventricle", "Right-Lateral-Ventricle",
                                   "ctx-lh-caudalanteriorcingulate", "ctx-rh-cuneus")
    assert index.ignore_index == 255 and not [p for p in audit(index).problems if p.severity == "fatal"]
    table = dict(index.mapping.values)  # what `predict --write-values raw` writes back
    assert (table[1002], table[2005], table[7]) == (3, 4, 255)
    assert "are classes 0 to" in caplog.text


def test_a_label_set_table_named_after_the_label_volumes_names_their_classes(tmp_path: Path) -> None:
    """neurite-oasis: each subject folder holds `seg4.nii.gz` and `seg35.nii.gz`, and the root
    `seg4_labels.txt`, `seg35_labels.txt` (FreeSurfer-style `0 Unknown`, `1 Cortex` lines). No
    table was read (its 0 'Unknown' is no background word) and the classes were numbers; the
    table named after the label volumes picked names them, all of its set, never the other set's."""
    for n in (1, 2, 3):
        image, label = make_volume(n)
        folder = tmp_path / f"OASIS_OAS1_000{n}_MR1"
        save(folder / "norm.nii.gz", image)
        save(folder / "seg4.nii.gz", label * 3)
        save(folder / "seg35.nii.gz", label * 7)
    (tmp_path / "seg4_labels.txt").write_text("0    Unknown\n1    Cortex\n2    Subcortical-Gray-Matter\n"
                                              "3    White-Matter\n4    CSF\n")
    (tmp_path / "seg35_labels.txt").write_text("0    background\n" + "".join(f"{v:<5}Structure-{v}\n" for v in range(1, 36)))
    four = discover(tmp_path, masks="seg4.nii.gz")
    assert four.classes.names == ("Unknown", "Cortex", "Subcortical-Gray-Matter", "White-Matter", "CSF")
    assert discover(tmp_path, masks="seg35.nii.gz").classes.names[7] == "Structure-7"
    (tmp_path / "seg4_labels.txt").unlink()  # the other set's table names no values of seg4
    unnamed = discover(tmp_path, masks="seg4.nii.gz")
    assert unnamed.classes is None or not any(name.startswith("Structure") for name in unnamed.classes.names)


ITKSNAP_LABELS = """################################################
# ITK-SnAP Label Description File
# File format:
# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL
################################################
    0     0    0    0        0  0  0    "Clear Label"
    1   255    0    0        1  1  1    "Liver"
    2     0  255    0        1  1  1    "Kidney"
    6     0    0  255     0.75  1  1    "Spleen"
"""
SLICER_COLOUR_TABLE = "# Color table file /home/me/Segmentation_ColorTable.ctbl\n# 4 values\n0 Background 0 0 0 0\n" \
                      "1 Liver 255 0 0 255\n2 Kidney 0 255 0 255\n6 Spleen 0 0 255 255\n"


@pytest.mark.parametrize("table, text, background", [("labels.txt", ITKSNAP_LABELS, "Clear Label"),
                                                     ("Segmentation_ColorTable.ctbl", SLICER_COLOUR_TABLE, "Background")])
def test_a_tools_label_table_names_its_sparse_ids_as_classes_in_value_order(tmp_path: Path, table: str, text: str,
                                                                            background: str) -> None:
    """ITK-SNAP's `labels.txt` (Segmentation > Export Label Descriptions: `IDX R G B A VIS MSH "LABEL"`
    rows) beside `<case>.nii.gz` + `<case>_seg.nii.gz` was not read: label ids 0, 1, 2, 6 made
    class_0 ... class_6, classes 3-5 empty. 3D Slicer's colour table (`id name R G B A`) names
    its ids alike. The ids are classes 0..3 in value order, 0 the background."""
    for n in range(3):
        image, label = make_volume(n)
        label[label == 1] = 1 + (np.indices(label.shape)[0][label == 1] % 3)
        save(tmp_path / f"patient{n + 1:02d}.nii.gz", image)
        save(tmp_path / f"patient{n + 1:02d}_seg.nii.gz", np.where(label == 3, 6, label).astype(np.uint8))
    (tmp_path / table).write_text(text)
    index = discover(tmp_path)
    assert index.classes.names == (background, "Liver", "Kidney", "Spleen") and index.classes.background == 0
    assert dict(index.mapping.values)[6] == 3 and not [p for p in audit(index).problems if p.severity == "fatal"]


def test_myops_modalities_are_channels_of_the_case_its_gd_label_names(tmp_path: Path) -> None:
    """MyoPS 2020 ships train25/myops_training_101_{C0,DE,T2}.nii.gz + train25_myops_gd/
    myops_training_101_gd.nii.gz (ground truth, values 200 ... 2221): `_gd` was no label suffix, so
    --images train25 --masks train25_myops_gd refused each modality file as a case of no label."""
    root = tmp_path / "MyoPS 2020 Dataset"
    for n in (101, 102, 103):
        image, label = make_volume(n)
        for offset, modality in enumerate(("C0", "DE", "T2")):
            save(root / "train25" / f"myops_training_{n}_{modality}.nii.gz", image + 10 * offset)
        save(root / "train25_myops_gd" / f"myops_training_{n}_gd.nii.gz", (label * 200).astype(np.int16))
    index = discover(tmp_path, images="train25", masks="train25_myops_gd", label_map={200: 1})
    assert index.format == "volumes" and len(index.pairs) == 3 * DEPTH and not index.problems
    assert {p.group for p in index.pairs} == {f"myops_training_{n}" for n in (101, 102, 103)}
    assert index.modalities == ("C0", "DE", "T2") and np.load(index.pairs[0].image).shape[-1] == 3


def test_emidec_case_folders_of_an_image_and_a_contours_folder_are_a_case_each(tmp_path: Path) -> None:
    """EMIDEC ships Case_N006/Images/Case_N006.nii.gz + Case_N006/Contours/Case_N006.nii.gz and a
    clinical Case_N006.txt beside each folder: Contours/ was no label folder, so every case
    folder was refused as 'in none of the volume layouts'."""
    names = ("Case_N006", "Case_N012", "Case_P001", "Case_P002")
    for n, name in enumerate(names):
        image, label = make_volume(n)
        save(tmp_path / "emidec-dataset-1.0.1" / name / "Images" / f"{name}.nii.gz", image)
        save(tmp_path / "emidec-dataset-1.0.1" / name / "Contours" / f"{name}.nii.gz", label)
        (tmp_path / "emidec-dataset-1.0.1" / f"{name}.txt").write_text("Discharge Diagnosis: Normal\n")
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == len(names) * DEPTH
    assert {p.group for p in index.pairs} == set(names) and _labels_fit_their_images(index)


def test_cases_without_labels_beside_subject_folders_are_unlabelled(tmp_path: Path) -> None:
    """KiTS19: data/case_00000/imaging.nii.gz + segmentation.nii.gz, and the test cases'
    data/case_00210/imaging.nii.gz alone, which were counted nowhere."""
    for n in (0, 1):
        image, label = make_volume(n)
        save(tmp_path / "data" / f"case_{n:05d}" / "imaging.nii.gz", image)
        save(tmp_path / "data" / f"case_{n:05d}" / "segmentation.nii.gz", label)
    save(tmp_path / "data" / "case_00210" / "imaging.nii.gz", make_volume(210)[0])
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"case_00000", "case_00001"}
    assert [p.parent.name for p in index.unlabelled] == ["case_00210"]


def test_kits21_aggregated_labels_are_a_choice_and_never_channels(tmp_path: Path) -> None:
    """KiTS21: each case holds imaging.nii.gz and its annotators' intersection, majority vote and
    union (`aggregated_AND_seg`, `_MAJ_`, `_OR_`). The first by name, AND, was trained on with a
    warning to rename files; with `--masks aggregated_MAJ_seg.nii.gz` AND and OR became the
    image's second and third channels, the labels fed to the model as input."""
    for n in range(3):
        image, majority = make_volume(n)
        union, intersection = majority.copy(), majority.copy()
        union[:, :, 1] = 1
        intersection[:, :, 3] = 0
        folder = tmp_path / "kits21" / "data" / f"case_{n:05d}"
        save(folder / "imaging.nii.gz", image)
        for name, label in (("AND", intersection), ("MAJ", majority), ("OR", union)):
            save(folder / f"aggregated_{name}_seg.nii.gz", label)
        save(folder / "segmentations" / "kidney_instance-1_annotation-1.nii.gz", majority)
    with pytest.raises(DataError, match=re.escape(
            "3 case folders hold several label volumes (e.g. '") + r".*case_00000': aggregated_AND_seg.nii.gz, "
            r"aggregated_MAJ_seg.nii.gz, aggregated_OR_seg.nii.gz\); pick the labels to train on:\n"
            r"  --masks aggregated_AND_seg.nii.gz: 3 cases\n  --masks aggregated_MAJ_seg.nii.gz: 3 cases\n"
            r"  --masks aggregated_OR_seg.nii.gz: 3 cases$"):
        discover(tmp_path)
    index = discover(tmp_path, masks="aggregated_MAJ_seg.nii.gz")
    assert len(index.pairs) == 3 * DEPTH and {np.load(p.image).shape[-1] for p in index.pairs} == {1}
    assert sorted(p.name for p in index.ignored) == ["aggregated_AND_seg.nii.gz"] * 3 + ["aggregated_OR_seg.nii.gz"] * 3
    assert sum(np.load(p.mask).sum() for p in index.pairs) == 3 * 2 * 8 * 7  # the majority's box, slices 2-3


@pytest.mark.parametrize("rater", ["annotation_{}", "rater_{}", "annotator{}"])
def test_curvas_raters_label_maps_are_a_choice_and_never_channels(tmp_path: Path, rater: str) -> None:
    """CURVAS ships training_set/<case>/image.nii.gz beside three raters' annotation_1.nii.gz,
    annotation_2.nii.gz and annotation_3.nii.gz: no layout was found, and with --masks
    annotation_1.nii.gz the other raters' label maps became the image's second and third channels."""
    for n in range(3):
        image, label = make_volume(n)
        folder = tmp_path / "CURVAS" / "training_set" / f"UKCHLL{n:03d}"
        save(folder / "image.nii.gz", image)
        for k in (1, 2, 3):
            save(folder / f"{rater.format(k)}.nii.gz", np.roll(label, k - 2, axis=0))
    with pytest.raises(DataError, match=r"3 case folders hold several label volumes (.|\n)*pick the labels to train "
                                        rf"on:\n  --masks {rater.format(1)}.nii.gz: 3 cases\n"):
        discover(tmp_path)
    index = discover(tmp_path, masks=f"{rater.format(2)}.nii.gz")
    assert len(index.pairs) == 3 * DEPTH and {np.load(p.image).shape[-1] for p in index.pairs} == {1}
    assert sorted(p.name for p in index.ignored) == [f"{rater.format(k)}.nii.gz" for k in (1, 3) for _ in range(3)]


@pytest.mark.parametrize("readme", ["CURVAS: 3 annotations per CT. Labels 1 pancreas, 2 kidney, 3 liver.\n",
                                    "## Labels\n\n- 1 pancreas\n- 2 kidney\n- 3 liver\n"])
def test_a_readme_naming_the_label_values_names_the_volumes_classes(tmp_path: Path, readme: str) -> None:
    """CURVAS' and CMRxMotion's README.md name their label values in its text (`Labels 1 pancreas,
    2 kidney, 3 liver.`), which no reader took: the classes were class_0 ... class_3. Their 0, named by
    none, is a label volume's background, not ADE20K's 'other' that --ignore-index 0 would leave out."""
    for n in range(3):
        image, label = make_volume(n)
        label[label == 1] = 1 + (np.indices(label.shape)[0][label == 1] % 3)
        folder = tmp_path / "training_set" / f"UKCHLL{n:03d}"
        save(folder / "image.nii.gz", image)
        save(folder / "annotation_1.nii.gz", label.astype(np.uint8))
    (tmp_path / "README.md").write_text(readme)
    index = discover(tmp_path, masks="annotation_1.nii.gz")
    assert index.classes.names == ("background", "pancreas", "kidney", "liver")
    assert index.classes.ignore_index is None  # no label volume holds 255: none is claimed void


def test_a_label_volume_named_as_none_beside_the_picked_one_is_set_aside_not_fed(tmp_path: Path) -> None:
    """SAROS ships case_000/image.nii.gz beside body-regions.nii.gz and body-parts.nii.gz, two
    tasks' labels named as none: with --masks body-regions.nii.gz, body-parts became the image's
    second channel, a label fed to the model, and no flag left it out."""
    for n in range(3):
        image, regions = make_volume(n)
        parts = np.zeros_like(regions)
        parts[2:22, 2:18] = 1
        parts[2:22, 10:18, 3:] = 2
        folder = tmp_path / "saros" / f"case_{n:03d}"
        save(folder / "image.nii.gz", (image * 10).astype(np.int16))  # a CT's whole values, varying voxel to voxel
        save(folder / "body-regions.nii.gz", regions)
        save(folder / "body-parts.nii.gz", parts)
    index = discover(tmp_path, masks="body-regions.nii.gz")
    assert {np.load(p.image).shape[-1] for p in index.pairs} == {1}
    assert sorted(p.name for p in index.ignored) == ["body-parts.nii.gz"] * 3
    assert sorted(p.name for p in discover(tmp_path, masks="body-parts.nii.gz").ignored) == ["body-regions.nii.gz"] * 3


def test_a_case_in_raw_and_preprocessed_folders_is_a_choice_of_versions(tmp_path: Path) -> None:
    """MSLUB: patient01/raw/ and patient01/preprocessed/ each hold FLAIR, T1W, T2W and
    consensus_gt.nii.gz. With --masks consensus_gt.nii.gz both copies were read as cases (each
    counted twice), raw's T1W, off the label's grid, a fatal finding, and no flag picked one."""
    for n in range(3):
        image, label = make_volume(n)
        for version in ("raw", "preprocessed"):
            folder = tmp_path / "MSLUB" / f"patient{n + 1:02d}" / version
            for k, modality in enumerate(("FLAIR", "T1W", "T2W")):
                native = version == "raw" and modality == "T1W"
                save(folder / f"{modality}.nii.gz", image[:, :, :4] if native else image + k)
            save(folder / "consensus_gt.nii.gz", label)
    with pytest.raises(DataError, match=r"3 folders each hold their case in 2 versions(.|\n)*pick the version to "
                                        r"train on:\n  --masks preprocessed/consensus_gt.nii.gz: 3 cases\n"
                                        r"  --masks raw/consensus_gt.nii.gz: 3 cases$"):
        discover(tmp_path, masks="consensus_gt.nii.gz")
    index = discover(tmp_path, masks="preprocessed/consensus_gt.nii.gz")
    assert len(index.pairs) == 3 * DEPTH and len({p.group for p in index.pairs}) == 3
    assert {np.load(p.image).shape[-1] for p in index.pairs} == {3}
    assert sorted({p.parent.name for p in index.ignored}) == ["raw"]
    raw = discover(tmp_path, masks="raw/consensus_gt.nii.gz")  # its T1W, on another grid, left out
    assert {np.load(p.image).shape[-1] for p in raw.pairs} == {2} and not audit(raw).fatal


def test_a_modality_file_named_as_a_label_is_refused_as_a_channel(tmp_path: Path) -> None:
    """A case's `<case>__seg.nii.gz` among its modality files (`<case>__CT`) in imagesTr/ was fed as
    the second channel, the label as input; it is refused, named, with the routes."""
    _hecktor(tmp_path)
    for i in range(3):
        shutil.copy(tmp_path / "labelsTr" / f"CHUM-{i:03d}.nii.gz", tmp_path / "imagesTr" / f"CHUM-{i:03d}__seg.nii.gz")
    with pytest.raises(DataError, match=r"case CHUM-000: '.*imagesTr/CHUM-000__seg.nii.gz' is named as a label, "
                                        r"yet it would be fed as an image channel .*pick the label to train on with "
                                        r"--masks"):
        discover(tmp_path)


def test_prostate158_rater_numbered_labels_are_a_choice_and_its_csv_lists_the_split(tmp_path: Path) -> None:
    """Prostate158: train/<id>/ holds t2, adc and dwi (these two on a coarser grid), the zones in
    t2_anatomy_reader1 and, in lesion cases, t2_tumor_reader1 and adc_tumor_reader1; train.csv and
    valid.csv list each case's file paths. The rater-numbered volumes were read as images: no
    layout, and with `--masks t2_anatomy_reader1.nii.gz` the tumour volumes became channels (off
    the grid: fatal); the lists, naming every case's `t2.nii.gz`, were not read."""
    root = tmp_path / "prostate158_train"
    rows = {"train": [], "valid": []}
    for n in range(5):
        image, label = make_volume(n)
        case = root / "train" / f"{20 + n:03d}"
        save(case / "t2.nii.gz", image)
        for name in ("adc", "dwi"):
            save(case / f"{name}.nii.gz", np.zeros((12, 10, 3), np.float32))
        save(case / "t2_anatomy_reader1.nii.gz", label)
        if n % 2:  # a case with a lesion
            save(case / "t2_tumor_reader1.nii.gz", label)
            save(case / "adc_tumor_reader1.nii.gz", np.zeros((12, 10, 3), np.uint8))
        files = ",".join(f"train/{case.name}/{name}.nii.gz" for name in ("t2", "adc", "dwi", "t2_anatomy_reader1"))
        rows["valid" if n > 2 else "train"].append(f"{case.name},{files}")
    for split, lines in rows.items():
        (root / f"{split}.csv").write_text("\n".join(["ID,t2,adc,dwi,t2_anatomy_reader1", *lines]) + "\n")
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    offered = re.findall(r"--masks (\S+): (\d) cases", str(refused.value))
    assert offered == [("adc_tumor_reader1.nii.gz", "2"), ("t2_anatomy_reader1.nii.gz", "5"),
                       ("t2_tumor_reader1.nii.gz", "2")]
    index = discover(tmp_path, masks="t2_anatomy_reader1.nii.gz")
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 5 * DEPTH
    assert {np.load(p.image).shape[-1] for p in index.pairs} == {1}  # t2 alone
    assert {p.group: p.split for p in index.pairs} == {"020": "train", "021": "train", "022": "train",
                                                        "023": "val", "024": "val"}
    assert sorted(p.name for p in index.ignored) == ["adc_tumor_reader1.nii.gz"] * 2 + ["t2_tumor_reader1.nii.gz"] * 2


def test_label_volumes_named_after_their_case_are_offered_as_a_pattern(tmp_path: Path) -> None:
    """A BraTS-like case with a brain mask beside its tumour labels, both named after the case:
    `--masks` with the case's name as `*` names the label volume of every case."""
    for n in range(2):
        image, label = make_volume(n)
        folder = tmp_path / f"Case_{n:03d}"
        save(folder / f"Case_{n:03d}_t1.nii.gz", image)
        save(folder / f"Case_{n:03d}_brainmask.nii.gz", np.ones_like(label))
        save(folder / f"Case_{n:03d}_seg.nii.gz", label)
    with pytest.raises(DataError, match=r"--masks '\*_brainmask.nii.gz': 2 cases\n  --masks '\*_seg.nii.gz': 2 cases"):
        discover(tmp_path)
    index = discover(tmp_path, masks="*_seg.nii.gz")
    assert {p.group for p in index.pairs} == {"Case_000", "Case_001"}
    assert sum(np.load(p.mask).sum() for p in index.pairs) == 2 * 2 * 8 * 7
    assert sorted(p.name for p in index.ignored) == ["Case_000_brainmask.nii.gz", "Case_001_brainmask.nii.gz"]


def test_time_point_folders_of_patients_are_refused_at_once_offering_each_time_points_labels(tmp_path: Path) -> None:
    """HNTS-MRG 2024: <patient>/preRT/<patient>_preRT_T2.nii.gz + _preRT_mask, and <patient>/midRT/
    with _midRT_T2 + _midRT_mask beside the pre-RT pair registered onto it. The refusal counted the
    first patient's folders alone ('1 case folders') and offered `--masks '10_*_mask.nii.gz'`, the
    time point as the wildcard: one patient's labels. Read, each time point was a group."""
    for patient in (2, 4, 10):
        image, label = make_volume(patient)
        folder = tmp_path / "hnts" / "HNTSMRG24_train" / str(patient)
        save(folder / "preRT" / f"{patient}_preRT_T2.nii.gz", image)
        save(folder / "preRT" / f"{patient}_preRT_mask.nii.gz", label)
        for name, volume in (("midRT_T2", image), ("midRT_mask", label), ("preRT_T2_registered", image),
                             ("preRT_mask_registered", label)):
            save(folder / "midRT" / f"{patient}_{name}.nii.gz", volume)
    with pytest.raises(DataError, match=r"^3 case folders hold several label volumes \(e\.g\. '.*10/midRT': .*\n"
                       r"  --masks '\*_midRT_mask.nii.gz': 3 cases\n  --masks '\*_preRT_mask.nii.gz': 3 cases\n"
                       r"  --masks '\*_preRT_mask_registered.nii.gz': 3 cases$"):
        discover(tmp_path / "hnts")
    mid = discover(tmp_path / "hnts", masks="*_midRT_mask.nii.gz")
    assert {p.name.split("/")[0] for p in mid.pairs} == {"2", "4", "10"} and len(mid.unlabelled) == 3
    assert {np.load(p.image).shape[-1] for p in mid.pairs} == {2}  # the mid-RT T2 and the pre-RT one registered
    both = discover(tmp_path / "hnts", masks="*_mask.nii.gz")
    assert len(both.pairs) == 6 * DEPTH and {p.group for p in both.pairs} == {"2", "4", "10"}



def _qubiq(root: Path, raters: int = 2) -> None:
    """QUBIQ 2021's `training_data_v3/<task set>/{Training,Validation}/caseNN/image.nii.gz` with
    `task01_segRR.nii.gz`, a label volume per rater; every task set numbers its cases from case01."""
    for task_set in ("brain-growth", "kidney", "prostate"):
        for split, cases in (("Training", (1, 2)), ("Validation", (34,))):
            for n in cases:
                image, label = make_volume(n)
                folder = root / task_set / split / f"case{n:02d}"
                save(folder / "image.nii.gz", image)
                for rater in range(1, raters + 1):
                    save(folder / f"task01_seg{rater:02d}.nii.gz", label)


@pytest.mark.parametrize("masks", [None, "task01_seg01.nii.gz"])
def test_qubiq_task_sets_side_by_side_are_separate_datasets_read_one_a_run(tmp_path: Path, masks: str | None) -> None:
    """From QUBIQ's archive root, the rival-labels refusal named brain-growth's cases alone, and
    `--masks task01_seg01.nii.gz` read brain-growth, kidney and prostate as one class, each
    `caseNN` one group across the three and its pair names twice over."""
    _qubiq(tmp_path / "training_data_v3")
    route = f"seglab inspect {tmp_path / 'training_data_v3' / 'brain-growth'}" + (f" --masks {masks}" if masks else "")
    with pytest.raises(DataError, match=r"brain-growth/, kidney/, prostate/ each hold split folders of their own "
                                        r"\(Training/, Validation/\) of case folders: separate datasets.*"
                                        + re.escape(f"Read one dataset a run: {route} (")):
        discover(tmp_path / "training_data_v3", masks=masks)
    index = discover(tmp_path / "training_data_v3" / "brain-growth", masks="task01_seg01.nii.gz")
    assert len(index.pairs) == 3 * DEPTH and {p.group for p in index.pairs} == {"case01", "case02", "case34"}
    assert {p.split for p in index.pairs if p.group == "case34"} == {"val"}


def test_case_folders_of_one_name_in_two_sites_are_two_cases_and_groups(tmp_path: Path) -> None:
    """Sites numbering their case folders anew (`siteA/case01/`, `siteB/case01/`): both cases were
    named `case01`, their pairs' names repeated and one group across the sites."""
    for site in ("siteA", "siteB"):
        for n in (1, 2):
            image, label = make_volume(n)
            save(tmp_path / site / f"case{n:02d}" / "image.nii.gz", image)
            save(tmp_path / site / f"case{n:02d}" / "seg.nii.gz", label)
    index = discover(tmp_path)
    assert len({p.name for p in index.pairs}) == len(index.pairs) == 4 * DEPTH
    assert {p.group for p in index.pairs} == {"siteA/case01", "siteA/case02", "siteB/case01", "siteB/case02"}
    assert {p.name for p in index.pairs if p.group == "siteB/case01"} == {f"siteB/case01/slice{i:03d}"
                                                                        for i in range(DEPTH)}
    splits = split_pairs(index.pairs, seed=0)
    assert sum(len({p.group for p in split}) for split in splits.values()) == 4


def test_task_folders_of_cases_numbered_alike_with_other_label_values_are_separate_datasets(tmp_path: Path) -> None:
    """StructSeg 2019 ships Thoracic_OAR/<n>/ (labels 1-6, organs) beside Lung_GTV/<n>/ (label 1,
    the tumour), data.nii.gz + label.nii.gz each, cases numbered 1.. in each: read as one dataset of
    7 classes, the tumour the left lung's class 1. Sites of one dataset (same values) are still read."""
    root = tmp_path / "StructSeg"
    for task, cases, values in (("Thoracic_OAR", 3, (1, 2, 3)), ("Lung_GTV", 2, (1,))):
        for n in range(1, cases + 1):
            image, label = make_volume(n)
            for value in values[1:]:
                label[value * 5:value * 5 + 3, 1:4, 1:5] = value
            save(root / task / str(n) / "data.nii.gz", image)
            save(root / task / str(n) / "label.nii.gz", label)
    with pytest.raises(DataError, match=re.escape(
            "Lung_GTV/, Thoracic_OAR/ each hold case folders named alike whose labels hold different values "
            "(Lung_GTV/: 1; Thoracic_OAR/: 1, 2, 3): separate datasets") + r".*"
            + re.escape(f"Read one dataset a run: seglab inspect {root / 'Lung_GTV'} (")):
        discover(root)
    index = discover(root / "Thoracic_OAR")
    assert len(index.pairs) == 3 * DEPTH and {p.group for p in index.pairs} == {"1", "2", "3"}
    shutil.rmtree(root / "Thoracic_OAR")
    for n in (1, 2):  # a second site of the same task
        shutil.copytree(root / "Lung_GTV" / str(n), root / "Lung_GTV_site2" / str(n))
    assert len(discover(root).pairs) == 4 * DEPTH
    image, label = make_volume(1)  # a site whose few cases hold one class more (or lack a rare one) is a site still
    label[10:13, 1:4, 1:5] = 2
    save(root / "Lung_GTV_site3" / "1" / "data.nii.gz", image)
    save(root / "Lung_GTV_site3" / "1" / "label.nii.gz", label)
    assert len(discover(root).pairs) == 5 * DEPTH


def test_target_folders_repeating_one_set_of_images_are_separate_tasks(tmp_path: Path) -> None:
    """SAM-Med3D's `medical_preprocessed/<target>/ct_WORD/imagesTr/word_0001.nii.gz` + `labelsTr/`: the
    same CT under `adrenal/`, `liver/` and `kidney_left/`, each label 0/1 for its organ, was read as one
    dataset whose three organs were one `class_1`, each CT three times, its copies only warned."""
    root = tmp_path / "data" / "medical_preprocessed"
    for t, target in enumerate(("adrenal", "kidney_left", "liver")):
        for n in range(1, 5):
            image, label = make_volume(n)
            label[...] = 0
            label[2 + 3 * t : 5 + 3 * t, 1:4, 1:4] = 1
            save(root / target / "ct_WORD" / "imagesTr" / f"word_{n:04d}.nii.gz", image)
            save(root / target / "ct_WORD" / "labelsTr" / f"word_{n:04d}.nii.gz", label)
    with pytest.raises(DataError, match=re.escape(
            "adrenal/, kidney_left/, liver/ hold the same image volumes (by name and bytes: "
            "adrenal/ct_WORD/imagesTr/word_0001.nii.gz and kidney_left/ct_WORD/imagesTr/word_0001.nii.gz)")
            + r".*" + re.escape(f"Read one task a run: seglab inspect {root / 'adrenal'} (")):
        discover(tmp_path)
    index = discover(root / "adrenal")
    assert len(index.pairs) == 4 * DEPTH and len({p.group for p in index.pairs}) == 4


def _wmh(root: Path, label_name: str, channel_folder: str) -> None:
    """The WMH Segmentation Challenge 2017 as shipped: <site>/<case>/wmh.nii.gz (0, 1 the lesions,
    2 other pathology) beside pre/FLAIR.nii.gz and pre/T1.nii.gz on its grid, and orig/ holding the
    same modalities as acquired (and 3DT1 at one site), each on a grid of its own."""
    for site, cases in (("Utrecht", (0, 2)), ("Singapore", (50, 51)), ("GE3T", (100, 101))):
        for n in cases:
            image, label = make_volume(n)
            label[20:22, 15:18, 2:4] = 2  # beside the lesions, on their slices
            case = root / "training" / site / str(n)
            save(case / label_name, label)
            save(case / channel_folder / "FLAIR.nii.gz", image)
            save(case / channel_folder / "T1.nii.gz", image + 7)
            for name in ("FLAIR", "T1", "reg_T1") + (("3DT1",) if site == "GE3T" else ()):
                save(case / "orig" / f"{name}.nii.gz", np.zeros((30, 30, 9), np.float32), np.diag([0.9, 0.9, 1.2, 1]))


@pytest.mark.parametrize("label_name, channel_folder, flags", [
    ("wmh.nii.gz", "pre", {}), ("wmh.nii.gz", "pre", {"masks": "wmh.nii.gz"}), ("lesion_seg.nii.gz", "anat", {})])
def test_a_label_volume_beside_a_subfolder_of_its_channels_is_a_case(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, label_name: str, channel_folder: str,
        flags: dict[str, str]) -> None:
    """WMH 2017's <site>/<case>/wmh.nii.gz beside pre/FLAIR + pre/T1 (and orig/ on other grids) was
    'in none of the volume layouts', with --masks wmh.nii.gz too: a case per case folder, its
    channels the subfolder on the label's grid, orig/ left out in one log line and listed."""
    _wmh(tmp_path / "WMH", label_name, channel_folder)
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path / "WMH", **flags)
    assert index.format == "volumes" and not index.problems and not index.unlabelled
    assert {p.group for p in index.pairs} == {"0", "2", "50", "51", "100", "101"}
    assert len(index.pairs) == 6 * DEPTH and _labels_fit_their_images(index)
    slice0 = np.load(index.pairs[0].image)
    assert slice0.shape == (24, 20, 2) and np.allclose(slice0[..., 1] - slice0[..., 0], 7)  # FLAIR, T1
    assert len(index.ignored) == 6 * 3 + 2 and {p.parent.name for p in index.ignored} == {"orig"}
    assert caplog.text.count("left out the volumes of the 'orig/' subfolders of 6 case folders") == 1


def test_other_pathology_in_wmh_labels_is_ignored_with_the_label_map(tmp_path: Path) -> None:
    """WMH's label 2, other pathology, is left out of training and scoring: --label-map 2:ignore."""
    _wmh(tmp_path / "WMH", "wmh.nii.gz", "pre")
    index = discover(tmp_path / "WMH", label_map={2: "ignore"})
    assert not index.problems and index.ignore_index == 255
    assert index.mapping.apply(np.array([[0, 1, 2]], np.uint8)).tolist() == [[0, 1, 255]]


def _msseg(root: Path, area_name: str) -> None:
    """MSSEG-2016 as shipped: Training/<center>/<patient>/Masks/ holding Consensus.nii.gz, the raters'
    ManualSegmentation_<n>.nii.gz and the brain mask (binary, holding every lesion voxel), beside
    Preprocessed_Data/ (the modalities on the masks' grid) and Raw_Data/ (each on a grid of its own)."""
    for center, patients in (("Center_01", ("Patient_01", "Patient_02")), ("Center_07", ("Patient_01",))):
        for n, patient in enumerate(patients):
            image, label = make_volume(n)
            case = root / "Training" / center / patient
            brain = np.zeros_like(label)
            brain[1:-1, 1:-1, 1:-1] = 1
            save(case / "Masks" / "Consensus.nii.gz", label)
            save(case / "Masks" / area_name, brain)
            for rater in (1, 2, 3):
                save(case / "Masks" / f"ManualSegmentation_{rater}.nii.gz", label)
            for modality, offset in (("FLAIR", 0), ("T1", 7)):
                save(case / "Preprocessed_Data" / f"{modality}_preprocessed.nii.gz", image + offset)
                save(case / "Raw_Data" / f"3D{modality}.nii.gz", np.zeros((30, 30, 9), np.float32))


@pytest.mark.parametrize("area_name", ["Brain_Mask.nii.gz", "FOV.nii.gz"])
def test_a_masks_subfolder_beside_a_subfolder_of_channels_is_a_case(tmp_path: Path, area_name: str) -> None:
    """MSSEG-2016's <center>/<patient>/Masks/ was read as a case folder, the consensus as its image, and the
    brain mask offered as a label: a case per patient folder, its channels Preprocessed_Data/ (on the label's
    grid), Raw_Data/ left out; the consensus and the raters rival labels, the brain mask (by name, else as
    the area holding every lesion voxel) none."""
    _msseg(tmp_path / "MSSEG", area_name)
    with pytest.raises(DataError) as refused:
        discover(tmp_path / "MSSEG")
    offered = re.findall(r"--masks (\S+):", str(refused.value))
    assert offered == ["Consensus.nii.gz", *(f"ManualSegmentation_{n}.nii.gz" for n in (1, 2, 3))]
    index = discover(tmp_path / "MSSEG", masks="Consensus.nii.gz")
    assert index.format == "volumes" and not index.problems and not index.unlabelled
    assert {p.group for p in index.pairs} == {"Center_01/Patient_01", "Center_01/Patient_02", "Center_07/Patient_01"}
    assert len(index.pairs) == 3 * DEPTH and _labels_fit_their_images(index)
    slice0 = np.load(index.pairs[0].image)
    assert slice0.shape == (24, 20, 2) and np.allclose(slice0[..., 1] - slice0[..., 0], 7)  # FLAIR, T1
    assert {p.name for p in index.ignored} == {area_name, "3DFLAIR.nii.gz", "3DT1.nii.gz",
                                                *(f"ManualSegmentation_{n}.nii.gz" for n in (1, 2, 3))}


def test_time_points_in_a_patient_folder_are_cases_of_the_patients_group(tmp_path: Path) -> None:
    """ISBI 2015 (longitudinal MS): training/<patient>/preprocessed/<patient>_<TT>_flair_pp.nii, `_t2_pp`
    beside masks/<patient>_<TT>_mask1.nii and `_mask2.nii` (two raters), time points TT = 01 to 05, and
    orig/ (as acquired, off the grid). It was refused offering a `--masks '*_01_mask1.nii'` per time
    point ('3 cases', '1 cases'), and any of those read all of a patient's time points as one case's channels."""
    visits = {"training01": 2, "training02": 3, "training03": 2}
    for p, (patient, count) in enumerate(visits.items()):
        folder = tmp_path / "isbi2015" / "training" / patient
        for t in range(1, count + 1):
            image, label = make_volume(3 * p + t)
            for modality, offset in (("flair", 0), ("t2", 7)):
                save(folder / "preprocessed" / f"{patient}_{t:02d}_{modality}_pp.nii", image + offset)
                save(folder / "orig" / f"{patient}_{t:02d}_{modality}.nii.gz", np.zeros((30, 30, 9), np.float32))
            save(folder / "masks" / f"{patient}_{t:02d}_mask1.nii", label)
            save(folder / "masks" / f"{patient}_{t:02d}_mask2.nii", np.roll(label, 1, axis=0))
    save(tmp_path / "isbi2015" / "training" / "training02" / "masks" / "training02_01_mask3.nii", label)  # once
    with pytest.raises(DataError, match=r"^3 case folders hold several label volumes \(e\.g\. '.*training01': .*\n"
                       r"  --masks '\*_mask1.nii': 7 cases\n  --masks '\*_mask2.nii': 7 cases\n"
                       r"  --masks '\*_mask3.nii': 1 case$"):
        discover(tmp_path / "isbi2015")
    index = discover(tmp_path / "isbi2015", masks="*_mask2.nii")
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 7 * DEPTH
    assert {p.name.split("/")[0]: p.group for p in index.pairs} == {
        f"{patient}_{t:02d}": patient for patient, count in visits.items() for t in range(1, count + 1)}
    assert index.modalities == ("flair_pp", "t2_pp") and _labels_fit_their_images(index)
    slice0 = np.load(index.pairs[0].image)
    assert slice0.shape == (24, 20, 2) and np.allclose(slice0[..., 1] - slice0[..., 0], 7)  # flair, t2


def test_totalsegmentator_structures_become_classes_and_meta_csv_the_splits(tmp_path: Path) -> None:
    """TotalSegmentator (and AbdomenAtlas) ship s0000/ct.nii.gz with segmentations/<structure>.nii.gz,
    a 0/1 volume each, and meta.csv (`image_id;...;split`): nothing was found ('no image files')."""
    rows = ["image_id;age;gender;institute;study_type;split"]
    for n, split in enumerate(("train", "train", "train", "val", "test")):
        image, label = make_volume(n)
        case = tmp_path / f"s{n:04d}"
        save(case / "ct.nii.gz", image)
        liver = label.copy()
        spleen = np.zeros_like(label)
        spleen[15:20, 2:6, 1:5] = 1
        save(case / "segmentations" / "liver.nii.gz", liver)
        if n != 1:  # a case whose spleen was not segmented
            save(case / "segmentations" / "spleen.nii.gz", spleen)
        save(case / "segmentations" / "aorta.nii.gz", np.zeros_like(label))
        rows.append(f"s{n:04d};60;m;A;ct abdomen;{split}")
    (tmp_path / "meta.csv").write_text("\n".join(rows) + "\n")
    index = discover(tmp_path)
    assert index.format == "volumes" and index.classes.names == ("background", "aorta", "liver", "spleen")
    assert {p.group: p.split for p in index.pairs} == {"s0000": "train", "s0001": "train", "s0002": "train",
                                                        "s0003": "val", "s0004": "test"}
    labels = {p.group: np.load(p.mask) for p in index.pairs if p.name.endswith("slice002")}
    assert set(np.unique(labels["s0000"]).tolist()) == {0, 2, 3} and set(np.unique(labels["s0001"]).tolist()) == {0, 2}
    liver_pixels = [np.load(p.mask) == 2 for p in index.pairs if p.group == "s0000"]
    assert sum(int(m.sum()) for m in liver_pixels) == int(make_volume(0)[1].sum())


@pytest.mark.parametrize(("images", "labels"), [("data", "."), ("images", "labels")])
def test_urocell_folders_of_label_volumes_are_a_class_each(tmp_path: Path, images: str, labels: str) -> None:
    """UroCell ships data/fib1-0-0-0.nii.gz beside fv/, golgi/, lyso/ and mito/, each holding a 0/1
    volume per image named like it (2-D class-folders' masks/<class>/ of volumes): inspect refused
    the folders, --images data --masks mito read one organelle, and images/ + labels/<class>/ was
    refused too. Painted as TotalSegmentator's structures: the later name wins an overlap, and a
    case a class folder lacks is without that class."""
    fv = np.zeros(VOLUME_SHAPE, np.uint8)
    fv[0:2, 0:2, :] = 1
    for n in range(3):
        image, mito = make_volume(n)
        golgi = np.zeros_like(mito)
        golgi[3 + n:5 + n, :, 2:4] = 1  # over mito's first two rows: mito's
        name = f"fib1-{n}-0-0.nii.gz"
        save(tmp_path / images / name, image)
        save(tmp_path / labels / "mito" / name, mito)
        save(tmp_path / labels / "golgi" / name, golgi)
        if n != 1:  # a case without fusiform vesicles drawn
            save(tmp_path / labels / "fv" / name, fv)
    with pytest.raises(DataError):  # --masks naming one class folder never reads all of them
        discover(tmp_path, masks="mito")
    index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems
    assert index.classes is not None and index.classes.names == ("background", "fv", "golgi", "mito")
    assert {p.group for p in index.pairs} == {"fib1-0-0-0", "fib1-1-0-0", "fib1-2-0-0"}
    counts = {case: np.bincount(np.concatenate([np.load(p.mask).ravel() for p in index.pairs if p.group == case]),
                                minlength=4).tolist() for case in ("fib1-0-0-0", "fib1-1-0-0")}
    mito, golgi = make_volume(0)[1].sum(), 2 * 20 * 2
    assert counts["fib1-0-0-0"][1:] == [int(fv.sum()), golgi - 2 * 7 * 2, int(mito)]
    assert counts["fib1-1-0-0"][1] == 0
    one = discover(tmp_path, images=images, masks=str(Path(labels) / "mito"))  # one organelle, as before
    assert one.format == "volumes" and len(one.pairs) == 3 * DEPTH
    assert set(np.unique(np.concatenate([np.load(p.mask).ravel() for p in one.pairs])).tolist()) == {0, 1}


@pytest.mark.parametrize(("folder", "masks"), [("structures", None), ("organs", "organs")])
def test_pddca_structures_folders_are_a_class_per_organ(tmp_path: Path, folder: str, masks: str | None) -> None:
    """PDDCA ships <case>/img.nrrd + <case>/structures/<Organ>.nrrd, a 0/1 volume per organ (one
    missing in a case): structures/ was no mask folder, so the organs were read as the channels
    of img.nrrd taken for their label, and --masks structures did not reach the structures."""
    for n in range(3):
        image, label = make_volume(n)
        case = tmp_path / "PDDCA-1.4.1" / f"0522c000{n}"
        save(case / "img.nii.gz", image)
        save(case / folder / "Mandible.nii.gz", label)
        save(case / folder / "BrainStem.nii.gz", np.zeros_like(label))
        if n != 1:  # a case whose chiasm was not drawn
            save(case / folder / "Chiasm.nii.gz", np.zeros_like(label))
        (case / "points").mkdir()
        (case / "points" / "ll.fcsv").write_text("# Markups fiducial file version = 4.4\n")
    index = discover(tmp_path, masks=masks)
    assert index.format == "volumes" and index.classes.names == ("background", "BrainStem", "Chiasm", "Mandible")
    assert {p.group for p in index.pairs} == {"0522c0000", "0522c0001", "0522c0002"}
    assert set(np.unique(np.load(index.pairs[2].mask)).tolist()) == {0, 3}


def _isles(root: Path, subject: int, session: int, labelled: bool = True) -> None:
    """One ISLES 2022 session as shipped: dwi and adc in rawdata/.../dwi/, a FLAIR on a grid of its
    own in anat/, the lesion mask in derivatives/sub-X/ses-Y/."""
    image, label = make_volume(10 * subject + session)
    case = f"sub-strokecase{subject:04d}_ses-{session:04d}"
    raw = root / "rawdata" / f"sub-strokecase{subject:04d}" / f"ses-{session:04d}"
    save(raw / "dwi" / f"{case}_dwi.nii.gz", image)
    save(raw / "dwi" / f"{case}_adc.nii.gz", image + 500)
    (raw / "dwi" / f"{case}_dwi.json").write_text("{}")
    save(raw / "anat" / f"{case}_FLAIR.nii.gz", np.zeros((30, 30, 9), np.float32), np.diag([1.6, 1.6, 1.6, 1.0]))
    if labelled:
        save(root / "derivatives" / f"sub-strokecase{subject:04d}" / f"ses-{session:04d}" / f"{case}_msk.nii.gz", label)


def test_isles_bids_sessions_are_cases_grouped_by_subject(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """ISLES 2022 ships as BIDS (rawdata/sub-X/ses-Y/dwi/ + derivatives/sub-X/ses-Y/*_msk.nii.gz):
    'no known dataset layout', and no flag read it."""
    root = tmp_path / "ISLES-2022"
    (root / "rawdata").mkdir(parents=True)
    (root / "dataset_description.json").write_text('{"Name": "ISLES 2022", "BIDSVersion": "1.6.0"}')
    for subject, session in ((1, 1), (1, 2), (2, 1), (3, 1)):
        _isles(root, subject, session)
    _isles(root, 4, 1, labelled=False)
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 4 * DEPTH
    assert {p.name.split("/")[0]: p.group for p in index.pairs} == {
        "sub-strokecase0001_ses-0001": "sub-strokecase0001", "sub-strokecase0001_ses-0002": "sub-strokecase0001",
        "sub-strokecase0002_ses-0001": "sub-strokecase0002", "sub-strokecase0003_ses-0001": "sub-strokecase0003"}
    slice2 = np.load(index.pairs[2].image)
    assert slice2.shape == (24, 20, 2) and np.allclose(slice2[..., 0] - slice2[..., 1], 500)  # adc, dwi
    assert _labels_fit_their_images(index)
    assert [p.name for p in index.unlabelled] == ["sub-strokecase0004_ses-0001_adc.nii.gz",
                                                  "sub-strokecase0004_ses-0001_dwi.nii.gz"]
    assert re.search(r"left out the 'FLAIR' volumes \(e.g. '.*sub-strokecase0001_ses-0001_FLAIR.nii.gz'\): on their "
                     r"label volume's voxel grid in 0 of 4 cases; to train on them as a channel, resample", caplog.text)
    for seed in range(4):  # a subject's two sessions always in one split
        splits = split_pairs(index.pairs, (0.5, 0.25, 0.25), seed=seed).values()
        assert sum(len({p.group for p in split}) for split in splits) == 3


@pytest.mark.parametrize("training", ["ATLAS_2/Training/R001", "derivatives/ATLAS/train"])
def test_atlas_bids_lesion_masks_beside_their_t1w(tmp_path: Path, training: str) -> None:
    """ATLAS 2.0 ships BIDS-named files, the T1w and its lesion mask in one anat/ folder
    (`..._space-MNI152NLin2009aSym_label-L_desc-T1lesion_mask.nii.gz`), beside a brain mask that
    is no label; its test subjects have no mask. No layout was found."""
    space = "space-MNI152NLin2009aSym"
    for n in (1, 2, 3, 40):
        image, label = make_volume(n)
        case = f"sub-r001s{n:03d}_ses-1"
        folder = tmp_path / (training if n < 40 else training.replace("rain", "est")) / f"sub-r001s{n:03d}" / "ses-1"
        save(folder / "anat" / f"{case}_{space}_T1w.nii.gz", image)
        save(folder / "anat" / f"{case}_{space}_desc-brain_mask.nii.gz", np.ones_like(label))
        if n < 40:
            save(folder / "anat" / f"{case}_{space}_label-L_desc-T1lesion_mask.nii.gz", label)
    index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 3 * DEPTH
    assert {p.group for p in index.pairs} == {"sub-r001s001", "sub-r001s002", "sub-r001s003"}
    assert np.load(index.pairs[0].image).shape[-1] == 1 and _labels_fit_their_images(index)
    assert [p.name for p in index.unlabelled] == [f"sub-r001s040_ses-1_{space}_T1w.nii.gz"]


def test_a_bids_segmentation_picked_by_masks_keeps_subject_groups_and_its_own_names_table(tmp_path: Path) -> None:
    """dHCP (BIDS derivatives): sub-X/ses-Y/anat/ holds the T2w, `_desc-drawem9_dseg` (tissues,
    named by the top-level `desc-drawem9_dseg.tsv`) and `_desc-drawem87_dseg` (regions). With
    --masks '*drawem87_dseg.nii.gz' each session's anat/ folder was a subject of its own (a
    subject's sessions straddled splits), and the drawem9 table named the region values."""
    root = tmp_path / "dhcp" / "rel3_dhcp_anat_pipeline"
    for subject, session in (("CC01", "7201"), ("CC02", "8300"), ("CC02", "9100"), ("CC03", "8607")):
        image, label = make_volume(int(session) % 7)
        stem = f"sub-{subject}_ses-{session}"
        folder = root / f"sub-{subject}" / f"ses-{session}" / "anat"
        save(folder / f"{stem}_T2w.nii.gz", image)
        save(folder / f"{stem}_desc-drawem9_dseg.nii.gz", label)
        save(folder / f"{stem}_desc-drawem87_dseg.nii.gz", label * np.arange(1, 7, dtype=np.uint8))
    (root / "desc-drawem9_dseg.tsv").write_text("index\tname\n" + "".join(f"{v}\ttissue {v}\n" for v in range(10)))
    tissues = discover(tmp_path / "dhcp")
    assert tissues.classes is not None and tissues.classes.names[1] == "tissue 1"
    regions = discover(tmp_path / "dhcp", masks="*drawem87_dseg.nii.gz")
    assert {p.group for p in regions.pairs} == {"sub-CC01", "sub-CC02", "sub-CC03"}
    assert {np.load(p.image).shape[-1] for p in regions.pairs} == {1}
    assert sorted(p.name.split("_")[2] for p in regions.ignored) == ["desc-drawem9"] * 4
    assert regions.classes is None or not any(name.startswith("tissue") for name in regions.classes.names)


def test_bids_reconstructions_of_one_modality_are_one_channel(tmp_path: Path) -> None:
    """FeTA 2.1/2.2: each subject's one T2w as `sub-X_rec-mial_T2w` or `sub-X_rec-irtk_T2w` beside
    its `rec-..._dseg`. The `rec-` entity was read as part of the modality: two channels, and the
    irtk cases fatal 'lacks the rec-mial_T2w channel'. acq-, rec- and run- name variants of one
    modality; of a case's two, the one whose entities its label's name holds is read."""
    for n, recs in enumerate((["mial"], ["irtk"], ["irtk"], ["mial", "irtk"]), start=1):
        image, label = make_volume(n)
        anat = tmp_path / "feta" / f"sub-{n:03d}" / "anat"
        for rec in recs:
            save(anat / f"sub-{n:03d}_rec-{rec}_T2w.nii.gz", image + 1000 * (rec != recs[0]))
        save(anat / f"sub-{n:03d}_rec-{recs[0]}_dseg.nii.gz", label)
    index = discover(tmp_path / "feta")
    assert not index.problems and {p.group for p in index.pairs} == {f"sub-{n:03d}" for n in (1, 2, 3, 4)}
    assert {np.load(p.image).shape[-1] for p in index.pairs} == {1}
    assert [p.name for p in index.ignored] == ["sub-004_rec-irtk_T2w.nii.gz"]
    assert np.load(next(p for p in index.pairs if p.group == "sub-004").image).max() < 1000  # mial, as labelled


def test_bids_subject_folders_are_read_through_links_a_few_levels_down_past_a_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A subject's files were found with `rglob`: a session linked in from where it was downloaded
    (`sub-02/ses-1 -> ../../store/...`) was never looked into, and the subject's folder was listed
    to its bottom however deep. They are looked for three levels down (`ses-1/anat/` and one
    more), links followed, each real folder once: a link back up the tree (a loop) ends."""
    from seglab.data.layouts.volume_format.bids import bids_cases

    root = tmp_path / "bids"
    for n in (1, 2, 3):
        image, label = make_volume(n)
        case = f"sub-{n:02d}_ses-1"
        anat = (tmp_path / "store" / case if n == 2 else root / f"sub-{n:02d}" / "ses-1") / "anat"
        save(anat / f"{case}_T1w.nii.gz", image)
        save(anat / f"{case}_label-L_desc-lesion_mask.nii.gz", label)
    (root / "sub-02").mkdir()
    (root / "sub-02" / "ses-1").symlink_to(tmp_path / "store" / "sub-02_ses-1", target_is_directory=True)
    (root / "sub-01" / "ses-1" / "anat" / "again").symlink_to(root / "sub-01", target_is_directory=True)
    chain = root / "sub-03" / "ses-1" / "extra"
    chain.joinpath(*["d"] * 40).mkdir(parents=True)
    index = discover(root)
    assert {p.group for p in index.pairs} == {"sub-01", "sub-02", "sub-03"}
    listed = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": listed.append(Path(path)) or real(path))
    assert bids_cases(root) is not None
    assert len([p for p in listed if p.is_relative_to(chain)]) <= 2  # extra/ and extra/d/: was 41


def test_a_bids_case_without_a_channel_on_its_label_grid_is_a_named_finding(tmp_path: Path) -> None:
    for subject in (1, 2, 3):
        _isles(tmp_path, subject, 1)
    adc = tmp_path / "rawdata" / "sub-strokecase0002" / "ses-0001" / "dwi" / "sub-strokecase0002_ses-0001_adc.nii.gz"
    save(adc, make_volume(0)[0][:, :, :-1])
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"sub-strokecase0001", "sub-strokecase0003"}
    assert [p.code for p in index.problems] == ["bad-volume"]
    assert re.search(r"case sub-strokecase0002_ses-0001 lacks the adc channel on the voxel grid of its label volume "
                     r"'.*_msk.nii.gz' \('.*sub-strokecase0002_ses-0001_adc.nii.gz' lies on another grid\)",
                     str(index.problems[0]))



def _hecktor(root: Path, cases: int = 3) -> None:
    """HECKTOR 2022 as shipped: imagesTr/<case>__CT.nii.gz on the label's grid and <case>__PT.nii.gz
    on a coarser one of its own, labelsTr/<case>.nii.gz."""
    for i in range(cases):
        image, label = make_volume(i)
        case = f"CHUM-{i:03d}"
        save(root / "imagesTr" / f"{case}__CT.nii.gz", image)
        save(root / "imagesTr" / f"{case}__PT.nii.gz", np.ones((12, 10, 6), np.float32), np.diag([4.0, 3.0, 3.0, 1.0]))
        save(root / "labelsTr" / f"{case}.nii.gz", label)


@pytest.mark.parametrize("flags", [{}, {"images": "imagesTr", "masks": "labelsTr"}])
def test_modality_files_are_channels_of_their_case_off_grid_ones_left_out(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, flags: dict[str, str]) -> None:
    """HECKTOR 2022's imagesTr/CHUM-001__CT + __PT with labelsTr/CHUM-001 were 'image volume has no
    label volume'; with --images imagesTr --masks labelsTr, 'in none of the volume layouts'."""
    _hecktor(tmp_path / "hecktor2022")
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path, **flags)
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 3 * DEPTH
    assert {p.group for p in index.pairs} == {"CHUM-000", "CHUM-001", "CHUM-002"}
    assert np.load(index.pairs[0].image).shape == (24, 20, 1) and _labels_fit_their_images(index)
    assert re.search(r"left out the 'PT' volumes \(e.g. '.*CHUM-000__PT.nii.gz'\): on their label volume's voxel "
                     r"grid in 0 of 3 cases", caplog.text)


def test_modalities_on_the_label_grid_are_channels_in_name_order(tmp_path: Path) -> None:
    """<case>_<modality> files on one grid stack as channels in modality-name order, the same in every case."""
    for i in range(2):
        image, label = make_volume(i)
        save(tmp_path / "imagesTr" / f"p{i}_T2.nii.gz", image + 7)
        save(tmp_path / "imagesTr" / f"p{i}_FLAIR.nii.gz", image)
        save(tmp_path / "labelsTr" / f"p{i}.nii.gz", label)
    index = discover(tmp_path)
    assert not index.problems and {p.group for p in index.pairs} == {"p0", "p1"}
    slice0 = np.load(index.pairs[0].image)
    assert slice0.shape == (24, 20, 2) and np.allclose(slice0[..., 1] - slice0[..., 0], 7)  # FLAIR, T2


def test_the_modalities_of_modality_file_cases_are_recorded_for_the_run(tmp_path: Path) -> None:
    """A run remembers the modalities its channels are, so that predict groups `<case>__<MODALITY>`
    volumes again: HECKTOR's CT alone (its PET left out), ("CT",); FLAIR and T2 in name order;
    a case of one `<case>__CT` file."""
    _hecktor(tmp_path / "hecktor")
    assert discover(tmp_path / "hecktor").modalities == ("CT",)
    for i in range(2):
        image, label = make_volume(i)
        save(tmp_path / "brain" / "imagesTr" / f"p{i}_T2.nii.gz", image + 7)
        save(tmp_path / "brain" / "imagesTr" / f"p{i}_FLAIR.nii.gz", image)
        save(tmp_path / "brain" / "labelsTr" / f"p{i}.nii.gz", label)
        save(tmp_path / "ct" / "imagesTr" / f"c{i}__CT.nii.gz", image)
        save(tmp_path / "ct" / "labelsTr" / f"c{i}.nii.gz", label)
    assert discover(tmp_path / "brain").modalities == ("FLAIR", "T2")
    index = discover(tmp_path / "ct")
    assert index.modalities == ("CT",) and {p.group for p in index.pairs} == {"c0", "c1"}
    assert discover(tmp_path / "hecktor", images="imagesTr", masks="labelsTr").modalities == ("CT",)


def _off_grid_in_some(root: Path, layout: str) -> tuple[Path, Path]:
    """Five cases of a CT on the label's grid and an MR on a grid of its own in the first three,
    on the label's in the last two, read in two parts: imagesTr/ + labelsTr/ beside imagesVa/ +
    labelsVa/, two folders of case folders (HaN-Seg's `set_1/case_01/`), or two folders of cases
    side by side (iSeg-2017's `subject-1-T1`, `subject-1-label`): a vote per part feeds the first
    part's cases the CT, the second's the CT and MR. The first case's CT and MR, returned."""
    volumes = []
    for i in range(5):
        image, label = make_volume(i)
        part = 0 if i < 3 else 1
        folder = {"split folders": root / ("imagesTr", "imagesVa")[part],
                  "case folders": root / f"set_{part}" / f"case{i}", "folders of cases": root / f"part{part}"}[layout]
        name = {"split folders": f"case{i}__", "case folders": f"case{i}_", "folders of cases": f"case{i}-"}[layout]
        volumes += [save(folder / f"{name}CT.nii.gz", image),
                    save(folder / f"{name}MR.nii.gz", np.ones((12, 10, 6), np.float32), np.diag([4.0, 3.0, 3.0, 1.0]))
                    if i < 3 else save(folder / f"{name}MR.nii.gz", image + 5)]
        save(root / ("labelsTr", "labelsVa")[part] / f"case{i}.nii.gz" if layout == "split folders"
             else folder / f"{name}label.nii.gz", label)
    return volumes[0], volumes[1]


@pytest.mark.parametrize("layout", ["split folders", "case folders", "folders of cases"])
def test_modalities_off_the_label_grid_are_voted_once_over_the_dataset(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, layout: str) -> None:
    """The modalities on another grid than the label's were voted per folder read (imagesTr/,
    then imagesVa/; each split folder's case folders; each folder of cases): the MR, off the grid
    in 3 of 5 cases, was left out of the first folder's cases and a channel of the other's, cases of
    1 and 2 channels and no modalities recorded for predict. One vote over the dataset leaves it
    out of every case, in one log line, and predict leaves it out as the run did."""
    ct, mr = _off_grid_in_some(tmp_path / "data", layout)
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path / "data")
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 5 * DEPTH
    assert {np.load(p.image).shape[-1] for p in index.pairs} == {1}
    assert index.modalities == ("CT",)
    left_out = [r.getMessage() for r in caplog.records if r.getMessage().startswith("left out")]
    assert len(left_out) == 1 and re.match(r"left out the 'MR' volumes \(e.g. '[^']*case0[_-]+MR.nii.gz'\): on their "
                                           r"label volume's voxel grid in 2 of 5 cases", left_out[0])
    assert modality_cases([ct, mr], index.modalities) == ([("case0", (ct,))], [])


def test_autopet_studies_are_cases_of_their_modalities_on_the_label_grid_grouped_by_patient(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """autoPET 2022 ships FDG-PET-CT-Lesions/PETCT_<hash>/<date-study>/{CT,CTres,PET,SUV,SEG}.nii.gz,
    CT on a finer grid of its own: all four image volumes were a case's channels, every case refused
    ('differ in shape'). A case per study, its channels CTres, PET and SUV, CT left out in one log
    line, grouped by patient (a patient's follow-up studies in one split)."""
    studies = {"PETCT_0011f3deaf": ["03-23-2003-NA-PET-CT Ganzkoerper-10445"],
               "PETCT_01140d52d8": ["08-13-2005-NA-PET-CT Ganzkoerper-56839", "11-03-2005-NA-PET-CT Ganzkoerper-91234"],
               "PETCT_0143bb5a8c": ["06-10-2006-NA-PET-CT Ganzkoerper nativ-35481"]}
    root = tmp_path / "FDG-PET-CT-Lesions"
    for n, (patient, dates) in enumerate(studies.items()):
        for study in dates:
            image, label = make_volume(n)
            folder = root / patient / study
            save(folder / "SEG.nii.gz", label)
            for offset, modality in enumerate(("CTres", "PET", "SUV")):
                save(folder / f"{modality}.nii.gz", image + offset)
            save(folder / "CT.nii.gz", np.zeros((48, 40, 6), np.float32), np.diag([1.0, 0.75, 3.0, 1.0]))
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 4 * DEPTH
    assert index.modalities == ("CTres", "PET", "SUV") and _labels_fit_their_images(index)
    assert np.allclose(np.load(index.pairs[0].image)[..., 2] - np.load(index.pairs[0].image)[..., 0], 2)
    assert caplog.text.count("left out the 'CT' volumes") == 1
    assert {p.name.split("/")[0]: p.group for p in index.pairs} == {
        study: patient for patient, dates in studies.items() for study in dates}


def test_named_volume_folders_that_do_not_pair_say_which_files(tmp_path: Path) -> None:
    """--images and --masks naming imagesTr/ and labelsTr/ whose names do not pair were refused as
    'in none of the volume layouts (imagesTr/ + labelsTr/, ...)': the very layout named."""
    for i, (name, other) in enumerate((("liver", "tumour"), ("spleen", "kidney"))):
        image, label = make_volume(i)
        save(tmp_path / "imagesTr" / f"{name}.nii.gz", image)
        save(tmp_path / "labelsTr" / f"{other}.nii.gz", label)
    with pytest.raises(DataError, match=r"no image/mask pairs(.|\n)*imagesTr/liver.nii.gz: image volume has no label "
                                        r"volume \(expected labelsTr/liver.nii.gz") as err:
        discover(tmp_path, images="imagesTr", masks="labelsTr")
    assert "in none of the volume layouts" not in str(err.value)


def test_folders_of_unlabelled_volumes_beside_the_cases_are_counted(tmp_path: Path) -> None:
    """FLARE22's Training/FLARE22_UnlabeledCase1-1000/ and Validation/ volumes, beside the labelled
    Training/FLARE22_LabeledCase50/images/ + labels/, were never mentioned ('Unlabelled: 0')."""
    root = tmp_path / "FLARE22"
    for i in range(2):
        image, label = make_volume(i)
        save(root / "Training" / "FLARE22_LabeledCase50" / "images" / f"FLARE22_Tr_{i:04d}_0000.nii.gz", image)
        save(root / "Training" / "FLARE22_LabeledCase50" / "labels" / f"FLARE22_Tr_{i:04d}.nii.gz", label)
        save(root / "Training" / "FLARE22_UnlabeledCase1-1000" / f"Case_{i:05d}_0000.nii.gz", image)
    save(root / "Validation" / "FLARE22_Val_0001_0000.nii.gz", image)
    save(root / "Validation" / "Infection_Mask" / "FLARE22_Val_0001.nii.gz", label)  # labels, not images
    index = discover(tmp_path)
    assert index.format == "volumes" and {p.group for p in index.pairs} == {"FLARE22_Tr_0000", "FLARE22_Tr_0001"}
    assert [p.name for p in index.unlabelled] == ["Case_00000_0000.nii.gz", "Case_00001_0000.nii.gz",
                                                  "FLARE22_Val_0001_0000.nii.gz"]


def test_volumes_side_by_side_named_by_image_and_mask_words_pair(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """MedSeg COVID-19 CT ships tr_im.nii.gz + tr_mask.nii.gz (and tr_lung_masks.nii.gz, another
    target, and val_im.nii.gz, unlabelled) side by side: 'in none of the volume layouts', no flag."""
    image, label = make_volume(0)
    save(tmp_path / "tr_im.nii.gz", image)
    save(tmp_path / "tr_mask.nii.gz", label)
    save(tmp_path / "tr_lung_masks.nii.gz", label)
    save(tmp_path / "val_im.nii.gz", image)
    with caplog.at_level("WARNING", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path)
    assert index.format == "volumes" and {p.group for p in index.pairs} == {"tr"} and len(index.pairs) == DEPTH
    assert _labels_fit_their_images(index) and [p.name for p in index.unlabelled] == ["val_im.nii.gz"]
    assert [(p.path.name, p.code) for p in index.problems] == [("tr_lung_masks.nii.gz", "mask-without-image")]
    assert re.search(r"'.*tr_im.nii.gz' is the only labelled volume: its 6 slices are one case, which a drawn split "
                     r"keeps whole in one split .*: seglab train --split-mode blocks", caplog.text)
    blocks = split_pairs(index.pairs, (0.5, 0.25, 0.25), mode="blocks")
    assert [len(blocks[s]) for s in ("train", "val", "test")] == [3, 2, 1]


def test_dicom_series_beside_a_mask_file_per_slice_are_offered_the_flags_that_pair_them(tmp_path: Path) -> None:
    """CHAOS' CT ships Train_Sets/CT/<patient>/DICOM_anon/i0000,0000b.dcm ... beside
    Ground/liver_GT_000.png ...: the refusal told to convert the 'label series' to NIfTI, though
    there is none and --images DICOM_anon --masks Ground pairs each slice with its mask. (Slices
    of a few values each, as a phantom's, look like masks themselves, so nothing pairs unnamed.)"""
    depth = 4
    for k, patient in enumerate(("1", "2", "5")):
        stored = np.random.default_rng(k).integers(-60, -40, (16, 16, depth)).astype(np.int16)
        write_dicom_series(tmp_path / patient / "DICOM_anon", stored, name="i{:04d},0000b.dcm")
        for n in range(1, depth + 1):
            mask = np.zeros((16, 16), np.uint8)
            mask[n:n + 6, 4:12] = 255
            (tmp_path / patient / "Ground").mkdir(exist_ok=True)
            Image.fromarray(mask).save(tmp_path / patient / "Ground" / f"liver_GT_{n:03d}.png")
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    message = str(refused.value)
    assert ("\n  all 3 of them have a mask file per slice beside them (1/Ground/ for 1/DICOM_anon/): --images "
            "DICOM_anon --masks Ground pairs each slice with its mask") in message
    assert "label series" not in message
    index = discover(tmp_path, images="DICOM_anon", masks="Ground")
    assert len(index.pairs) == 3 * depth and {p.mask.parent.name for p in index.pairs} == {"Ground"}


def test_dicom_label_series_are_listed_with_the_route_that_reads_them(tmp_path: Path) -> None:
    """3D-IRCADb-01 ships 3Dircadb1.1/PATIENT_DICOM/ beside MASKS_DICOM/liver/ (a DICOM series per
    structure): the refusal said 'no image files found' and never mentioned a DICOM series."""
    for case in ("3Dircadb1.1", "3Dircadb1.2"):
        write_dicom_series(tmp_path / case / "PATIENT_DICOM", np.zeros((12, 10, 4), np.int16))
        write_dicom_series(tmp_path / case / "MASKS_DICOM" / "liver", np.ones((12, 10, 4), np.int16), 1.0, 0.0)
    with pytest.raises(DataError, match=r"folders holding a DICOM series, which seglab reads as an image volume, never "
                                        r"as labels:\n  3Dircadb1.1/MASKS_DICOM/liver/: 4 slices\n  "
                                        r"3Dircadb1.1/PATIENT_DICOM/: 4 slices(.|\n)*convert each label series to one "
                                        r"NIfTI label volume"):
        discover(tmp_path)


def _iseg(root: Path, suffix: str, subjects: range = range(1, 4), tests: range = range(11, 13)) -> None:
    """iSeg-2017 as shipped: iSeg-2017-Training/subject-N-{T1,T2,label} (Analyze 7.5 `.hdr` + `.img`
    pairs; 0 background, 10 CSF, 150 grey matter, 250 white matter), iSeg-2017-Testing/ without labels."""
    for folder, ids in (("iSeg-2017-Training", subjects), ("iSeg-2017-Testing", tests)):
        for n in ids:
            labels = np.zeros(VOLUME_SHAPE, np.uint8)
            labels[2:20, 2:18, 1:5], labels[4:18, 4:16, 2:4], labels[6:16, 6:14, 2:4] = 10, 150, 250
            for name, voxels in (("T1", 100 + labels * 0.5), ("T2", 300 - labels * 0.3), ("label", labels)):
                path = root / folder / f"subject-{n}-{name}{suffix}"
                if name == "label" and folder.endswith("Testing"):
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                cls = nib.AnalyzeImage if suffix == ".hdr" else nib.Nifti1Image
                nib.save(cls(voxels.astype(np.uint8 if name == "label" else np.int16), np.array(LAS_AFFINE)), path)


@pytest.mark.parametrize("suffix", [".hdr", ".nii.gz"])
def test_iseg_subjects_side_by_side_are_cases_of_their_modalities(tmp_path: Path, suffix: str) -> None:
    """iSeg-2017 ships Analyze 7.5 pairs, `subject-1-T1.hdr` + `.img`, `-T2`, `-label`, side by side:
    refused as "'.hdr' files, a format seglab does not read: convert them to PNG or TIFF"; named so
    in NIfTI, its cases were refused as rival label volumes of one case folder."""
    _iseg(tmp_path, suffix)
    index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 3 * DEPTH
    assert {p.group for p in index.pairs} == {"subject-1", "subject-2", "subject-3"}
    assert index.modalities == ("T1", "T2") and np.load(index.pairs[0].image).shape[-1] == 2
    assert [p.name for p in index.unlabelled] == [f"subject-{n}-{m}{suffix}" for n in (11, 12) for m in ("T1", "T2")]
    values = set().union(*(np.unique(np.load(p.mask)).tolist() for p in index.pairs))
    assert values == {0, 10, 150, 250}


def test_analyze_volumes_are_read_as_las_and_turned_to_ras(tmp_path: Path) -> None:
    """Analyze 7.5 records no orientation: nibabel reads its voxels as LAS (x right to left, as SPM
    does), so they are flipped along x to RAS, as a NIfTI volume of that affine is."""
    voxels = np.arange(np.prod(VOLUME_SHAPE), dtype=np.int16).reshape(VOLUME_SHAPE)
    nib.save(nib.AnalyzeImage(voxels, np.eye(4)), tmp_path / "a.hdr")
    assert (tmp_path / "a.img").is_file()
    volume = read_volume([tmp_path / "a.hdr"])
    np.testing.assert_array_equal(volume.voxels[..., 0], voxels[::-1].astype(np.float32))


def test_an_analyze_header_without_its_voxels_is_named(tmp_path: Path) -> None:
    """A `.hdr` whose `.img` is missing: nibabel's FileNotFoundError read as "cannot be read as NIfTI
    (damaged or truncated?)"; the case is a bad-volume problem naming the file to copy."""
    _iseg(tmp_path, ".hdr")
    (tmp_path / "iSeg-2017-Training" / "subject-2-T2.img").unlink()
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"subject-1", "subject-3"}
    [problem] = [p for p in index.problems if p.code == "bad-volume"]
    assert "Analyze header '" in problem.message and "subject-2-T2.hdr' has no 'subject-2-T2.img' beside it" \
        in problem.message


def test_analyze_voxel_files_are_no_unread_format_but_raw_img_files_are(tmp_path: Path) -> None:
    """Without a layout, the refusal listed every Analyze `.img` (the voxels of a `.hdr`) as a format
    seglab does not read; a raw `.IMG` without a header (JSRT's radiographs) still is one."""
    _iseg(tmp_path, ".hdr", subjects=range(0), tests=range(11, 14))
    for i in range(3):
        (tmp_path / "All247images" / f"JPCLN00{i}.IMG").parent.mkdir(exist_ok=True)
        (tmp_path / "All247images" / f"JPCLN00{i}.IMG").write_bytes(bytes(64))
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "iSeg-2017-Testing/: 6 volumes" in str(refused.value)
    assert "All247images/: 3 '.img' files" in str(refused.value) and "iSeg-2017-Testing/: 6 '.img'" not in str(
        refused.value)


def _ribfrac(root: Path, fractures: Callable[[int], int]) -> None:
    """RibFrac 2020 unzipped: ribfrac-train-images-1/Part1/RibFracN-image.nii.gz + ribfrac-train-labels-1/Part1/
    RibFracN-label.nii.gz (and -2/Part2/), ribfrac-val-images/ + ribfrac-val-labels/, ribfrac-test-images/;
    each label volume numbers the case's `fractures(n)` fractures 1..k."""
    folders = {"ribfrac-train-{}-1/Part1": (1, 2, 3), "ribfrac-train-{}-2/Part2": (301, 302),
               "ribfrac-val-{}": (421, 422), "ribfrac-test-{}": (501,)}
    for folder, cases in folders.items():
        for n in cases:
            image, labels = make_volume(n)
            labels[:] = 0
            for k in range(fractures(n)):
                labels[2 + 5 * k:4 + 5 * k, 3:6, 1:4] = k + 1
            save(root / folder.format("images") / f"RibFrac{n}-image.nii.gz", image)
            if "test" not in folder:
                save(root / folder.format("labels") / f"RibFrac{n}-label.nii.gz", labels)


def test_ribfrac_parts_one_level_down_pair_and_folder_names_give_the_splits(tmp_path: Path) -> None:
    """Only RibFrac's val cases were read, with no split: its train cases lie one level down in
    Part1/ and Part2/ of ribfrac-train-images-1/ and -2/, and were dropped without a word."""
    _ribfrac(tmp_path, lambda n: 1 + n % 4)
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"RibFrac{n}" for n in (1, 2, 3, 301, 302, 421, 422)}
    assert {p.group: p.split for p in index.pairs} == {
        **{f"RibFrac{n}": "train" for n in (1, 2, 3, 301, 302)}, "RibFrac421": "val", "RibFrac422": "val"}
    assert [p.name for p in index.unlabelled] == ["RibFrac501-image.nii.gz"]


def test_uls23_lesions_of_one_patient_group_and_its_unlabelled_images_are_listed(tmp_path: Path) -> None:
    """ULS23: `novel_data/ULS23_*/{images,labels}/` and `processed_data/fully_annotated/<source>/{images,labels}/`,
    a volume of interest around each lesion, `<patient>_lesion_NN.nii.gz`, beside
    `partially_annotated/DeepLesion/images/` (RECIST marks only, no label volumes). Each lesion was a
    group of its own, so a patient's lesions straddled splits, and the unlabelled images were
    neither counted nor listed."""
    root = tmp_path / "ULS23"
    folders = {"novel_data/ULS23_DeepLesion3D": ["000001_01_01_lesion_00", "000001_01_01_lesion_01",
                                                 "000002_02_01_lesion_00"],
               "novel_data/ULS23_Radboudumc_Bone": ["RUMC_BONE_0001_lesion_00", "RUMC_BONE_0001_lesion_01"],
               "processed_data/fully_annotated/kits21": ["case_00000_lesion_00", "case_00000_lesion_01",
                                                         "case_00001_lesion_00"],
               "processed_data/partially_annotated/DeepLesion": ["000004_01_01_lesion_00"]}
    for n, (folder, names) in enumerate(folders.items()):
        for k, name in enumerate(names):
            image, labels = make_volume(10 * n + k)
            save(root / folder / "images" / f"{name}.nii.gz", image)
            if "partially" not in folder:
                save(root / folder / "labels" / f"{name}.nii.gz", labels)
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"000001_01_01", "000002_02_01", "RUMC_BONE_0001", "case_00000",
                                              "case_00001"}
    assert "8 cases are 5 subjects' numbered lesions" in index.pairing[0]
    assert [p.name for p in index.unlabelled] == ["000004_01_01_lesion_00.nii.gz"]


def test_image_folders_in_parts_sharing_one_label_folder_leave_no_label_unpaired(tmp_path: Path) -> None:
    """PENGWIN's CT: `PENGWIN_CT_train_images_part1/` and `_part2/` beside one `PENGWIN_CT_train_labels/`:
    each part's labels of the other part's cases were 'label volume has no image volume' warnings."""
    for n in range(1, 5):
        image, labels = make_volume(n)
        save(tmp_path / f"PENGWIN_CT_train_images_part{1 + n // 3}" / f"00{n}.nii.gz", image)
        save(tmp_path / "PENGWIN_CT_train_labels" / f"00{n}.nii.gz", labels)
    save(tmp_path / "PENGWIN_CT_train_labels" / "009.nii.gz", make_volume(9)[1])
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"00{n}" for n in range(1, 5)}
    assert [(p.path.name, p.code) for p in index.problems if p.code == "mask-without-image"] == [
        ("009.nii.gz", "mask-without-image")]


@pytest.mark.parametrize("part", ["volume_pt{}", "volume part {}", "volume-{}of3"])
def test_image_folders_numbered_as_parts_of_one_set_are_read_together(tmp_path: Path, part: str) -> None:
    """Kaggle's LiTS re-upload: `volume_pt1/volume-0.nii` ... `volume_pt5/`, every label in one
    `segmentations/segmentation-N.nii`; no flag read it, and the refusal offered a part each."""
    for n in range(6):
        image, labels = make_volume(n)
        save(tmp_path / part.format(1 + n // 2) / f"volume-{n}.nii", image)
        save(tmp_path / "segmentations" / f"segmentation-{n}.nii", labels)
    index = discover(tmp_path)
    assert index.format == "volumes"
    assert {p.group for p in index.pairs} == {f"volume-{n}" for n in range(6)}
    assert not index.problems


def test_a_2d_copy_beside_the_volumes_is_listed_as_ignored_with_its_route(tmp_path: Path, caplog) -> None:
    """Kaggle's "Finding lungs in CT data": `2d_images/` + `2d_masks/` beside `3d_images/`; the
    volumes were read and the 2-D pairs, the larger part, dropped with "Ignored: 0"."""
    root = tmp_path / "lungs"
    for n in range(2):
        image, labels = make_volume(n)
        save(root / "3d_images" / f"IMG_000{n}.nii.gz", image)
        save(root / "3d_images" / f"MASK_000{n}.nii.gz", labels)
    for folder in ("2d_images", "2d_masks"):
        (root / folder).mkdir()
        for z in (70, 80):
            Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / folder / f"ID_0000_Z_00{z}.tif")
    with caplog.at_level(logging.WARNING):
        index = discover(root)
    assert index.format == "volumes" and len({p.group for p in index.pairs}) == 2
    assert [p.relative_to(root).as_posix() for p in index.ignored] == [
        "2d_images/ID_0000_Z_0070.tif", "2d_images/ID_0000_Z_0080.tif", "2d_masks/ID_0000_Z_0070.tif",
        "2d_masks/ID_0000_Z_0080.tif"]
    assert "4 2-D pictures in '2d_images/', '2d_masks/' beside the volumes are not read" in caplog.text
    assert "--format folder-pairs" in caplog.text
    assert len(discover(root, format="folder-pairs").pairs) == 2


def test_ct_ich_scans_folder_beside_masks_is_the_image_folder_the_jpeg_copy_listed(tmp_path: Path, caplog) -> None:
    """PhysioNet's CT-ICH: `ct_scans/049.nii` + `masks/049.nii`, and a JPEG copy
    `Patients_CT/049/brain/3.jpg` + `3_HGE_Seg.jpg`: `ct_scans/` was no image-folder name, so the
    JPEG copy was read as 2-D pairs and the volumes named nowhere."""
    root = tmp_path / "ct-ich-1.3.1"
    for n in (49, 50, 51):
        image, label = make_volume(n)
        save(root / "ct_scans" / f"{n:03d}.nii", image)
        save(root / "masks" / f"{n:03d}.nii", label)
        for name in ("3.jpg", "3_HGE_Seg.jpg"):
            (root / "Patients_CT" / f"{n:03d}" / "brain").mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "Patients_CT" / f"{n:03d}" / "brain" / name)
    with caplog.at_level(logging.WARNING):
        index = discover(tmp_path)
    assert index.format == "volumes" and len(index.pairs) == 3 * DEPTH and not index.problems
    assert {p.group for p in index.pairs} == {"049", "050", "051"} and _labels_fit_their_images(index)
    assert "6 2-D pictures in 'Patients_CT/049/brain/'" in caplog.text


def test_label_volumes_numbering_objects_are_routed_to_instance_masks(tmp_path: Path) -> None:
    """RibFrac numbers each case's fractures 1..k: read as classes, the fourth fracture of a case
    was class 4, without a word. Organs 1..3 in every case (a multi-organ dataset) are classes."""
    _ribfrac(tmp_path / "fractures", lambda n: 1 + n % 4)
    index = discover(tmp_path / "fractures")
    [warning] = [p for p in index.problems if p.code == "instance-ids"]
    assert "1..n in 7 of 7 labelled volumes, n from 2 to 4, each value one region" in warning.message
    assert "--instance-masks" in warning.message
    objects = discover(tmp_path / "fractures", instance_masks=True)
    assert objects.classes.names == ("background", "object") and not objects.problems
    _ribfrac(tmp_path / "organs", lambda n: {301: 2, 302: 1}.get(n, 3))  # most cases hold all three
    assert not [p for p in discover(tmp_path / "organs").problems if p.code == "instance-ids"]


def test_nci_isbi_labels_named_after_patient_folders_of_dicom_series_are_its_cases(tmp_path: Path) -> None:
    """NCI-ISBI 2013: TCIA's Prostate-3T/<patient>/<study>/<series>/ DICOM beside the challenge's
    NCI-ISBI-2013/{Training,Leaderboard}/<patient>.nrrd, which no folder holds beside its images:
    the DICOM files were offered as 2-D images. A case per label, its series the one on the label's
    grid (an ADC series beside it left out), the label folders the splits, test patients unlabelled."""
    rows, cols, depth = 12, 10, 4
    labels = {"Prostate3T-01-0001": "Training", "Prostate3T-01-0002": "Training", "Prostate3T-01-0003": "Leaderboard"}
    for patient in (*labels, "Prostate3T-01-0020"):
        stored = np.zeros((rows, cols, depth), np.int16)
        stored[2:5, 3:6, 1:3] = 50
        study = tmp_path / "Prostate-3T" / patient / "06-12-2004-NA-MRI PROSTATE-43215"
        write_dicom_series(study / "3.000000-T2 TSE Axial-71234", stored, slope=1.0, intercept=0.0)
        write_dicom_series(study / "5.000000-ADC-81234", np.zeros((6, 5, 2), np.int16))
        if patient in labels:  # in RAS order on the series' grid: rows run posterior, columns left
            ras = (stored[::-1, ::-1, :].transpose(1, 0, 2) > 0).astype(np.uint8)
            affine = np.diag([0.8, 0.5, 3.0, 1.0])
            affine[:3, 3] = [10 - 0.8 * (cols - 1), 20 - 0.5 * (rows - 1), 0]
            save(tmp_path / "NCI-ISBI-2013" / labels[patient] / f"{patient}.nii.gz", ras, affine=affine)
    index = discover(tmp_path)
    assert index.format == "volumes" and not index.problems
    assert {p.group: p.split for p in index.pairs} == {"Prostate3T-01-0001": "train", "Prostate3T-01-0002": "train",
                                                       "Prostate3T-01-0003": "val"}
    assert all(np.array_equal(np.load(p.image)[..., 0] > 0, np.load(p.mask) > 0) for p in index.pairs)
    assert sorted(p.name for p in index.ignored) == ["5.000000-ADC-81234"] * 3
    assert [p.parent.parent.name for p in index.unlabelled] == ["Prostate3T-01-0020"] * 2  # which is its T2: unsaid


def test_rsna_abdominal_trauma_series_group_by_their_patient_folder(tmp_path: Path) -> None:
    """RSNA 2023 Abdominal Trauma: `train_images/<patient>/<series>/<n>.dcm` beside
    `segmentations/<series>.nii`. The refusal offered no route to pair them, and with it each series
    was a group: patient 10004's two series could land in train and test. The patient folder holding
    a case's series is its group; a folder of every series (`images/<series>/`) is none."""
    series = {"10004": ("21057", "51033"), "10005": ("18667",), "10026": ("29700",), "10051": ("39723",),
              "10082": ("6294",)}
    for patient, numbers in series.items():
        for number in numbers:
            write_dicom_series(tmp_path / "train_images" / patient / number, np.zeros((12, 10, 4), np.int16))
            if patient != "10082":
                save(tmp_path / "segmentations" / f"{number}.nii", np.ones((10, 12, 4), np.uint8), affine=np.eye(4))
    with pytest.raises(DataError, match="label volumes pair with the cases of train_images/: --images train_images "
                                        "--masks segmentations"):
        discover(tmp_path)
    index = discover(tmp_path, images="train_images", masks="segmentations")
    assert {p.name.split("/")[0]: p.group for p in index.pairs} == {
        "21057": "10004", "51033": "10004", "18667": "10005", "29700": "10026", "39723": "10051"}
    assert index.pairing == ["4 subjects by the folder holding each case's DICOM series ('18667' is '10005'): a split "
                             "keeps each subject's series together"]
    assert [p.parent.name for p in index.unlabelled] == ["10082"]
    flat = tmp_path / "flat"
    (flat / "labels").mkdir(parents=True)
    for number in ("21057", "51033", "18667"):
        shutil.copytree(tmp_path / "train_images" / "10004" / "21057", flat / "images" / number)
        shutil.copy(tmp_path / "segmentations" / "21057.nii", flat / "labels" / f"{number}.nii")
    assert {p.group for p in discover(flat).pairs} == {"21057", "51033", "18667"}


def test_patient_labels_look_at_no_file_of_a_dataset_without_two_volumes(tmp_path: Path, monkeypatch) -> None:
    """The last volume layout tried, so every 2-D dataset reaches it: with fewer than two volume
    files in the listing no file is sniffed for DICOM (extension-less ones would be opened)."""
    from seglab.data.layouts.volume_format import patient_labels

    for folder in ("images", "masks", "notes"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "README").write_text("not a volume")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "images" / "a.png")
    (tmp_path / "masks" / "a.nii.gz").write_bytes(b"")
    monkeypatch.setattr(patient_labels, "is_dicom", lambda path: pytest.fail(f"sniffed {path}"))
    assert patient_labels.patient_label_cases(tmp_path) is None


def test_lndb_raters_label_volumes_are_a_choice_and_images_span_numbered_folders(tmp_path: Path) -> None:
    """LNDb: data0/LNDb-0001.mhd ... data1/LNDb-0004.mhd beside masks/LNDb-0001_rad1.mhd, _rad2
    (a radiologist's each, 1 to 3 a scan): nothing paired, --merge-masks neither, and the refusal
    expected masks/LNDb-0001.nii.gz. The raters are offered as --masks, the scans of both folders
    read, a scan the picked rater did not read unlabelled."""
    from seglab.data.files.metaimage import write_labels

    for folder in ("data0", "data1", "masks"):
        (tmp_path / folder).mkdir()
    for n in range(1, 5):
        image, label = make_volume(n)
        write_labels(tmp_path / f"data{(n - 1) // 2}" / f"LNDb-{n:04d}.mha", image.astype(np.int16),
                     np.array(LAS_AFFINE))
        for rater in range(1, 2 + n % 3):  # 2, 3, 1 and 2 raters
            write_labels(tmp_path / "masks" / f"LNDb-{n:04d}_rad{rater}.mha", label, np.array(LAS_AFFINE))
    with pytest.raises(DataError, match=re.escape(
            "3 images hold several label volumes (e.g. 'LNDb-0001': LNDb-0001_rad1.mha, LNDb-0001_rad2.mha); pick "
            "the labels to train on:\n  --masks '*_rad1.mha': 4 cases\n  --masks '*_rad2.mha': 3 cases\n"
            "  --masks '*_rad3.mha': 1 case")):
        discover(tmp_path)
    index = discover(tmp_path, masks="*_rad2.mha")
    assert {p.group for p in index.pairs} == {"LNDb-0001", "LNDb-0002", "LNDb-0004"} and not index.problems
    assert [p.name for p in index.unlabelled] == ["LNDb-0003.mha"]
    for n in range(1, 4):  # one label each, named as its scan, but for LNDb-0004's: expected as a .mha too
        for label in (tmp_path / "masks").glob(f"LNDb-{n:04d}_rad*.mha"):
            label.rename(tmp_path / "masks" / f"LNDb-{n:04d}.mha")
    for label in (tmp_path / "masks").glob("*_rad*.mha"):
        label.unlink()
    [unpaired] = [p for p in discover(tmp_path).problems if p.code == "image-without-mask"]
    assert unpaired.message.endswith("(expected masks/LNDb-0004.mha or LNDb-0004_seg.mha)")


def test_half_the_names_led_by_two_sub_datasets_make_no_subjects() -> None:
    """CTPelvic1K's sub-datasets: `dataset6_CLINIC_0001_data` reads as subject `dataset6` in
    version `CLINIC_0001_data`, each such version one patient's. With half the names of that form
    and two 'subjects', each version held by one of two passed the 'most' tests (1 < 1 is false),
    and three dataset6 patients became one group."""
    from seglab.data.layouts.volume_format.case_versions import leading_subjects

    names = [f"dataset1_{n:04d}_data" for n in (1, 3, 5)] + [f"dataset2_{n:04d}_data" for n in (2, 4)] + [
        f"dataset6_CLINIC_{n:04d}_data" for n in (1, 2, 3)] + [f"dataset7_SMIR_{n:04d}_data" for n in (1, 2)]
    assert leading_subjects(names) == {}
    spider = [f"{p}_{s}" for p in (1, 2) for s in ("t1", "t2")]
    assert leading_subjects(spider) == {name: name.split("_")[0] for name in spider}


def test_volumes_acquired_in_another_plane_than_the_one_cut_are_said_with_the_route(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """MRSpineSeg: `train/MR/Case1.nii.gz` + `train/Mask/mask_case1.nii.gz`, sagittal T2 stacks (4 mm
    between slices, 0.6 mm pixels), stored slice last as a scanner's export does: cut axially
    without a word, into slices whose every row was one thick sagittal slice. The plane comes from
    the affine, whatever axis stores it; cut as acquired, nothing is said."""
    sagittal_last = ((0.0, 0.0, 4.0, 0.0), (0.6, 0.0, 0.0, 0.0), (0.0, 0.6, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))
    for n in (1, 2, 3):
        image, label = make_volume(n)
        save(tmp_path / "train" / "MR" / f"Case{n}.nii.gz", image, sagittal_last)
        save(tmp_path / "train" / "Mask" / f"mask_case{n}.nii.gz", label, sagittal_last)
    with caplog.at_level(logging.WARNING):
        axial = discover(tmp_path)
    assert len(axial.pairs) == 3 * VOLUME_SHAPE[1]
    assert "3 of 3 volumes were acquired as sagittal slices" in caplog.text
    assert "cut them as acquired with --slice-axis sagittal" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        sagittal = discover(tmp_path, slice_axis="sagittal")
    assert len(sagittal.pairs) == 3 * DEPTH and "acquired as" not in caplog.text
