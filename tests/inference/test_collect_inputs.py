"""Which files a folder given to `seglab predict` yields, and what a folder yielding none says."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from seglab.cli import main
from seglab.errors import DataError
from seglab.inference.files import channel_images, collect_inputs, output_names
from seglab.runs.input_naming import InputNaming
from seglab.runs.run_folder import RunFolder

from ..data.test_volumes import save, write_dicom_series  # type: ignore[import-not-found]


def _images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / name)


def test_a_folder_of_dicom_series_folders_gives_each_series(tmp_path: Path) -> None:
    for case in ("p0", "p1"):
        write_dicom_series(tmp_path / "images" / case, np.zeros((6, 5, 3), np.int16))
    assert collect_inputs([tmp_path / "images"]) == [tmp_path / "images" / "p0", tmp_path / "images" / "p1"]


def test_a_dataset_root_names_its_image_folders_and_the_command_not_guessing(tmp_path: Path) -> None:
    """Images only in subfolders (a dataset's images/ beside its masks/): none is predicted by
    guessing; the refusal names them with their counts and a command that works."""
    root = tmp_path / "data"
    _images(root / "set" / "images", ["a.png", "b.png"])
    _images(root / "set" / "masks", ["a.png"])
    (root / "empty").mkdir()
    with pytest.raises(DataError) as refusal:
        collect_inputs([root])
    message = str(refusal.value)
    assert f"'{root / 'set' / 'images'}' (2 images), '{root / 'set' / 'masks'}' (1 image)." in message
    assert f"`seglab predict RUN {root / 'set' / 'images'}`" in message
    assert collect_inputs([root / "set" / "images"]) == [root / "set" / "images" / "a.png",
                                                         root / "set" / "images" / "b.png"]


def test_a_folder_of_a_datasets_pairs_gives_its_images_not_its_masks(tmp_path: Path, caplog) -> None:
    """GeoNRW's city folder: `<tile>_rgb.png` beside its `<tile>_seg.tif` and `<tile>_dem.tif`. The
    data stage pairs images with masks (and lists the elevations as ignored); predict takes the
    images alone, said in one line. Before, every file was predicted, masks too. A folder of
    `a.png` + `a_mask.png` alike; one of images alone gives them all."""
    rng = np.random.default_rng(0)
    city = tmp_path / "aachen"
    city.mkdir()
    for tile in ("290_5620", "290_5621", "291_5620"):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(city / f"{tile}_rgb.png")
        Image.fromarray(rng.integers(0, 4, (16, 16), dtype=np.uint8)).save(city / f"{tile}_seg.tif")
        Image.fromarray(rng.normal(100, 5, (16, 16)).astype(np.float32)).save(city / f"{tile}_dem.tif")
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([city]) == [city / f"{tile}_rgb.png" for tile in ("290_5620", "290_5621", "291_5620")]
    assert "3 images of 9 files; 3 masks left out (paired with the images as the data stage pairs a dataset's, e.g. " \
           "'290_5620_seg.tif'), and 3 files it lists as ignored beside them (e.g. '290_5620_dem.tif')" in caplog.text
    pairs = tmp_path / "pairs"
    _images(pairs, ["a.png", "b.png"])
    for name in ("a_mask.png", "b_mask.png"):
        Image.fromarray(np.eye(8, dtype=np.uint8)).save(pairs / name)
    assert collect_inputs([pairs]) == [pairs / "a.png", pairs / "b.png"]
    _images(tmp_path / "photos", ["a.png", "b.png"])
    assert collect_inputs([tmp_path / "photos"]) == [tmp_path / "photos" / "a.png", tmp_path / "photos" / "b.png"]


def test_a_folder_holding_a_models_earlier_outputs_gives_the_images_alone(tmp_path: Path, caplog) -> None:
    """zhixuhao/unet's `data/membrane/test/`: `0.png` ... beside `0_predict.png` ..., the outputs of
    an earlier run, which inspect sets aside and predict predicted as images too. A photo named
    like another with a number (`car_1.png` beside `car.png`) stays an image."""
    test = tmp_path / "test"
    _images(test, [f"{i}{suffix}.png" for i in range(3) for suffix in ("", "_predict")] + ["car.png", "car_1.png"])
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([test]) == [test / name for name in ("0.png", "1.png", "2.png", "car.png", "car_1.png")]
    assert f"{test}: 5 images of 8 files; 3 model outputs left out (named after an image beside it plus a word such " \
           "as _predict, as the data stage sets them aside, e.g. '0_predict.png')" in caplog.text


def test_a_folder_of_image_and_label_volumes_gives_the_images(tmp_path: Path, caplog) -> None:
    """Kaggle lungs' `3d_images/` (IMG_0002 beside MASK_0002) and an NFBS subject (T1w beside its
    T1w_brainmask and the T1w_brain it made): the label volumes and their products are left out as
    the data stage leaves them out, in one line. Before, every volume was predicted; a folder of
    label volumes alone still gives them."""
    lungs, subject = tmp_path / "3d_images", tmp_path / "A00028352"
    for case in ("0002", "0003"):
        save(lungs / f"IMG_{case}.nii.gz", np.zeros((6, 5, 3), np.int16))
        save(lungs / f"MASK_{case}.nii.gz", np.zeros((6, 5, 3), np.uint8))
    for name in ("T1w", "T1w_brain", "T1w_brainmask"):
        save(subject / f"sub-A00028352_ses-NFB3_{name}.nii.gz", np.zeros((6, 5, 3), np.int16))
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([lungs]) == [lungs / "IMG_0002.nii.gz", lungs / "IMG_0003.nii.gz"]
        assert collect_inputs([subject]) == [subject / "sub-A00028352_ses-NFB3_T1w.nii.gz"]
    assert "2 images of 4 files; 2 masks left out" in caplog.text
    assert "1 image of 3 files; 1 mask left out (paired with the images as the data stage pairs a dataset's, e.g. " \
           "'sub-A00028352_ses-NFB3_T1w_brainmask.nii.gz'), and 1 file it lists as ignored beside them (e.g. " \
           "'sub-A00028352_ses-NFB3_T1w_brain.nii.gz')" in caplog.text
    (lungs / "IMG_0002.nii.gz").unlink()
    (lungs / "IMG_0003.nii.gz").unlink()
    assert collect_inputs([lungs]) == [lungs / "MASK_0002.nii.gz", lungs / "MASK_0003.nii.gz"]


def test_a_case_folder_gives_its_image_not_the_runs_masks_nor_the_labels_training_set_aside(
        tmp_path: Path, caplog) -> None:
    """SAROS' `case_007/`: `image.nii.gz` beside the label volumes of two tasks, `body-regions.nii.gz`
    and `body-parts.nii.gz`, neither named as a label. A run trained with `--masks body-regions.nii.gz`
    (training set `body-parts` aside for its voxels, a label's) predicted all three; now the folder
    gives the image, the run's --masks file and the volume set aside for its voxels left out, in one line."""
    case = tmp_path / "case_007"
    regions = np.zeros((8, 6, 4), np.uint8)
    regions[2:6, 1:5] = 3
    save(case / "image.nii.gz", np.random.default_rng(0).normal(0, 300, (8, 6, 4)).astype(np.int16))
    save(case / "body-regions.nii.gz", regions)
    save(case / "body-parts.nii.gz", regions // 3 * 2)
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([case], masks="body-regions.nii.gz") == [case / "image.nii.gz"]
    assert "1 image of 3 files; 1 mask left out (paired with the images as the data stage pairs a dataset's, e.g. " \
           "'body-regions.nii.gz'), and 1 volume set aside as training set them aside beside its --masks " \
           "'body-regions.nii.gz' (their voxels are a label's, e.g. 'body-parts.nii.gz')" in caplog.text
    assert InputNaming.from_dict(InputNaming(masks="body-regions.nii.gz").to_dict()).masks == "body-regions.nii.gz"


def test_predict_reads_a_case_folder_by_the_masks_its_run_recorded(trained_run: Path, tmp_path: Path) -> None:
    """The run's `data.masks` (`--masks body-regions.nii.gz`) is its naming, as predict reads it."""
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["data"].update(masks="body-regions.nii.gz")
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    assert InputNaming.of_run(RunFolder(run)).masks == "body-regions.nii.gz"


def test_a_file_given_twice_or_with_its_folder_is_one_input(tmp_path: Path, monkeypatch) -> None:
    """fh_ps_aop's `image_mha/03744.mha image_mha`: read twice, one volume became two channels of a
    case (refused as giving 2 channels); a video given twice was predicted twice. The first
    mention keeps its place and spelling."""
    _images(tmp_path / "frames", ["a.png", "b.png"])
    monkeypatch.chdir(tmp_path)
    assert collect_inputs(["frames/b.png", "frames", tmp_path / "frames" / "b.png"]) == \
        [Path("frames/b.png"), Path("frames/a.png")]
    save(tmp_path / "scans" / "001.nii.gz", np.zeros((6, 5, 3), np.int16))
    assert collect_inputs(["scans/001.nii.gz", "scans/001.nii.gz"]) == [Path("scans/001.nii.gz")]


def test_a_dataset_root_suggests_its_image_folder_not_its_mask_folder(tmp_path: Path) -> None:
    """ASOCA's `Normal/` holds `Annotations/` (sorted first) beside `CTCA/`, EndoVis' `seq_2/` its
    `labels/` beside `left_frames/`: the command suggested predicts the images, not the masks."""
    _images(tmp_path / "seq_2" / "labels", ["frame000.png"])
    _images(tmp_path / "seq_2" / "left_frames", ["frame000.png"])
    with pytest.raises(DataError, match=re.escape(f"`seglab predict RUN {tmp_path / 'seq_2' / 'left_frames'}`")):
        collect_inputs([tmp_path / "seq_2"])
    _images(tmp_path / "masks_only" / "labels", ["a.png"])
    with pytest.raises(DataError, match=re.escape(f"`seglab predict RUN {tmp_path / 'masks_only' / 'labels'}`")):
        collect_inputs([tmp_path / "masks_only"])


def _rendered_view(view: Path) -> None:
    """A Structured3D view: three lightings of one photo beside its `semantic.png` and renderings."""
    rng = np.random.default_rng(0)
    view.mkdir(parents=True)
    for name in ("rgb_rawlight.png", "rgb_coldlight.png", "rgb_warmlight.png", "depth.png", "normal.png"):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(view / name)
    Image.fromarray(rng.integers(0, 4, (32, 32), dtype=np.uint8)).save(view / "semantic.png")


def test_a_folder_is_read_by_the_runs_own_mask_pattern_and_images(tmp_path: Path, caplog) -> None:
    """A run trained with `--mask-pattern semantic.png --images rgb_rawlight.png` (Structured3D) or
    `--mask-pattern instrument_instances.png` (RobustMIS' `raw.png` beside it): a view's folder gives
    the image training read, its mask and renderings left out in one line. Before, the default
    naming found no mask there and every file was predicted, masks too. A file named is predicted."""
    view = tmp_path / "perspective" / "full" / "0"
    _rendered_view(view)
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([view], images="rgb_rawlight.png", mask_pattern="semantic.png") == \
            [view / "rgb_rawlight.png"]
    assert "1 image of 6 files; 1 mask left out (paired with the images as the data stage pairs a dataset's, e.g. " \
           "'semantic.png'), and 2 files it lists as ignored beside them (e.g. 'depth.png'), and 2 images the run's " \
           "--images 'rgb_rawlight.png' does not name" in caplog.text
    assert collect_inputs([view], mask_pattern="semantic.png") == \
        [view / name for name in ("rgb_coldlight.png", "rgb_rawlight.png", "rgb_warmlight.png")]
    assert collect_inputs([view / "depth.png", view], images="rgb_rawlight.png", mask_pattern="semantic.png") == \
        [view / "depth.png", view / "rgb_rawlight.png"]
    frame = tmp_path / "Proctocolectomy" / "1" / "10"
    _images(frame, ["raw.png", "instrument_instances.png"])
    assert collect_inputs([frame], mask_pattern="instrument_instances.png") == [frame / "raw.png"]


def test_predict_reads_a_folder_by_the_naming_its_run_recorded(trained_run: Path, tmp_path: Path) -> None:
    """`seglab predict RUN FOLDER` takes the naming from the run's config.yaml: `data.images` and
    `data.mask_pattern` as training was given them."""
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["data"].update(images="rgb_rawlight.png", mask_pattern="semantic.png")
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    _rendered_view(tmp_path / "view")
    assert main(["predict", str(run), str(tmp_path / "view"), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*_mask.png")) == ["rgb_rawlight_mask.png"]


def test_a_folder_of_a_datasets_pairs_leaves_out_the_tiles_other_products(tmp_path: Path, caplog) -> None:
    """A FAT scene: `000000.left.jpg` beside its `.seg.png` mask and the `.depth.png` rendered with
    it. Training lists the depth images as ignored, the tile's other products; predict took them
    as images and wrote `000000.left.depth_mask.png`."""
    scene = tmp_path / "kitchen_0"
    _images(scene, [f"00000{n}.{side}.{kind}" for n in range(2) for side in ("left", "right")
                    for kind in ("jpg", "depth.png")])
    for name in ("000000.left", "000000.right", "000001.left", "000001.right"):
        Image.fromarray(np.eye(8, dtype=np.uint8) * 3).save(scene / f"{name}.seg.png")
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([scene]) == [scene / f"00000{n}.{side}.jpg" for n in range(2) for side in ("left", "right")]
    assert "4 images of 12 files; 4 masks left out (paired with the images as the data stage pairs a dataset's, e.g. " \
           "'000000.left.seg.png'), and 4 files it lists as ignored beside them (e.g. '000000.left.depth.png')" \
           in caplog.text


def test_a_folder_of_rival_mask_namings_counts_each_file_once(tmp_path: Path, caplog) -> None:
    """PixelAnnotationTool saves `<stem>_mask.png` (strokes), `_watershed_mask.png` (grown from
    them) and `_color_mask.png` beside `<stem>.jpg`: "8 images of 32 files; 16 masks left out ...
    and 16 files it lists as ignored" added up to 40, the watershed masks counted in both."""
    folder = tmp_path / "scenes"
    _images(folder, [f"scene_0{k}.jpg" for k in range(2)])
    for k in range(2):
        for kind in ("mask", "watershed_mask"):
            Image.fromarray(np.eye(8, dtype=np.uint8) * (k + 1)).save(folder / f"scene_0{k}_{kind}.png")
        Image.fromarray(np.full((8, 8, 3), 60 * k, np.uint8)).save(folder / f"scene_0{k}_color_mask.png")
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        assert collect_inputs([folder]) == [folder / "scene_00.jpg", folder / "scene_01.jpg"]
    counts = re.search(r"(\d+) images of (\d+) files; (\d+) masks left out .* and (\d+) files it lists as ignored",
                       caplog.text)
    assert counts is not None and [int(n) for n in counts.groups()] == [2, 8, 4, 2]


def test_a_case_folder_of_images_and_their_labels_gives_the_images(tmp_path: Path) -> None:
    """CMRxMotion's `P002-1/`: `P002-1-ED.nii.gz` beside `P002-1-ED-label.nii.gz` (and ES alike).
    An image named as its label less the label word is the label's image, as training read it,
    not a product of the label (NFBS' `T1w_brain` beside `T1w_brainmask`): predict left out all 4."""
    case = tmp_path / "P002-1"
    for phase in ("ED", "ES"):
        save(case / f"P002-1-{phase}.nii.gz", np.zeros((6, 5, 3), np.int16))
        save(case / f"P002-1-{phase}-label.nii.gz", np.zeros((6, 5, 3), np.uint8))
    assert collect_inputs([case]) == [case / "P002-1-ED.nii.gz", case / "P002-1-ES.nii.gz"]


def test_a_folder_of_hub_shards_names_them_and_a_route_to_their_pictures(tmp_path: Path, monkeypatch) -> None:
    """A Hugging Face dataset's Parquet shards (save_to_disk's Arrow files alike): the refusal listed
    image suffixes only. It names the shards and the commands that predict their pictures, and
    the folder `seglab inspect` unpacks them into is one predict reads."""
    pytest.importorskip("pyarrow")
    from ..data.test_hub_parquet import shard  # type: ignore[import-not-found]

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "sidewalk"
    shard(root / "data" / "train-00000-of-00001.parquet", range(3))
    with pytest.raises(DataError) as refusal:
        collect_inputs([root])
    message = str(refusal.value)
    assert "1 Parquet shard of a Hugging Face dataset (e.g. 'data/train-00000-of-00001.parquet')" in message
    assert f"`seglab inspect {root}` unpacks them" in message and "`seglab predict RUN FOLDER/IMAGE_COLUMN`" in message
    assert main(["inspect", str(root)]) == 0
    unpacked = next((tmp_path / "cache").rglob("pixel_values"))
    assert len(collect_inputs([unpacked])) == 3


def test_a_hub_shard_named_as_an_input_gives_the_route_to_its_pictures(tmp_path: Path) -> None:
    """OAM-TCD's `data/test-00000-of-00001.parquet` named to predict: 'is not an image file: it
    starts with bytes 50 41 52 31'. The refusal names the shard and the route its folder's gives."""
    shard = tmp_path / "oam_tcd" / "data" / "test-00000-of-00001.parquet"
    shard.parent.mkdir(parents=True)
    shard.write_bytes(b"PAR1" + bytes(16) + b"PAR1")  # named, never opened
    with pytest.raises(DataError) as refusal:
        collect_inputs([shard])
    assert str(refusal.value).startswith(f"'{shard}' is a Parquet shard of a Hugging Face dataset, rows of pictures "
                                         "that predict does not read.")
    assert f"`seglab inspect {shard.parent}` unpacks them" in str(refusal.value)


def test_a_dataset_roots_example_is_the_runs_image_folder_never_its_mask_folder(tmp_path: Path) -> None:
    """Photoshop cutouts trained with `--images shots --masks cutouts`, and Weka's `classified/`
    beside `images/`, read without a flag: the refusal of the dataset's root suggested predicting
    the folder first in name order, the run's masks (`cutouts/`, `classified/`). It suggests the
    run's --images folder, else the one named for images, and never the run's --masks folder."""
    for root, folders in (("cutouts", ("cutouts", "shots")), ("weka", ("classified", "images"))):
        for folder in folders:
            _images(tmp_path / root / folder, ["item_00.png", "item_01.png"])
    for root, naming, example in (("cutouts", {"images": "shots", "masks": "cutouts"}, "shots"),
                                  ("cutouts", {"masks": str(tmp_path / "cutouts" / "cutouts")}, "shots"),
                                  ("weka", {}, "images")):
        with pytest.raises(DataError) as refusal:
            collect_inputs([tmp_path / root], **naming)
        assert str(refusal.value).endswith(f"e.g. `seglab predict RUN {tmp_path / root / example}`")
    with pytest.raises(DataError) as refusal:
        collect_inputs([tmp_path / "cutouts"], masks="*s")  # every folder the run's masks': no example at all
    assert "e.g." not in str(refusal.value)


def test_a_folder_of_case_folders_of_band_folders_gives_each_cases_images(tmp_path: Path, caplog) -> None:
    """BrainMetShare's `mets_stanford_releaseMask_test/Mets_003/0/000.png` ... `3/000.png`, a sequence
    per numbered folder, for a run of channels 0 to 3: the test folder of patients was refused (its
    images lie two folders down), and two patients given together mixed their slices ('000.png' of
    Mets_003 and of Mets_017 both channel 0 of one image). Each patient's slice is one image of
    its four files, named by patient and slice; a patient's `seg/` is left out in one line."""
    test = tmp_path / "mets_stanford_releaseMask_test"
    for patient in ("Mets_003", "Mets_017"):
        for sequence in ("0", "1", "2", "3"):
            _images(test / patient / sequence, ["000.png", "001.png"])
    _images(test / "Mets_017" / "seg", ["000.png", "001.png"])
    names = ("0", "1", "2", "3")
    with caplog.at_level("INFO", logger="seglab.inference.files"):
        files = collect_inputs([test], names)
    assert "seg/ (1 folder) holds no channel files of the model (0, 1, 2, 3); not predicted" in caplog.text
    images = channel_images(files, names)
    assert list(images.values()) == [tuple(test / patient / sequence / slice_ for sequence in names)
                                     for patient in ("Mets_003", "Mets_017") for slice_ in ("000.png", "001.png")]
    assert sorted(output_names(files, names).values()) == ["Mets_003/000", "Mets_003/001", "Mets_017/000",
                                                           "Mets_017/001"]
    patients = collect_inputs([test / "Mets_003", test / "Mets_017"], names)
    assert channel_images(patients, names) == images


def test_a_folder_is_listed_as_the_data_stage_lists_one(tmp_path: Path) -> None:
    """Predict's folder listing is the data stage's (`listed_files`): a hidden file (`.b.png`: an
    editor's or a sync tool's copy) is left out, where it was predicted; a FIFO is left out and one
    named as an input is refused as what it is, never opened (its read waits for a writer); a name
    that is no UTF-8 is kept, as the data stage keeps it."""
    _images(tmp_path, ["a.png", ".b.png"])
    not_utf8 = Path(os.fsdecode(os.fsencode(tmp_path) + b"/c\xff.png"))
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(not_utf8)
    os.mkfifo(tmp_path / "d.png")
    assert collect_inputs([tmp_path]) == [tmp_path / "a.png", not_utf8]
    with pytest.raises(DataError, match="is a FIFO"):
        collect_inputs([tmp_path / "d.png"])
