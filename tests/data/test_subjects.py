"""Subjects in file names: slices of one scan never straddle two splits.

Names hand-made after the layouts that ship them: TransUNet's Synapse slices, an ACDC 2-D
export's frames, the LGG MRI set's folder per patient (Buda et al., `kaggle_3m`), and BUSI's
class folders, which are no subjects.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from seglab.data import discover, split_pairs
from seglab.data.discovery import channel_files
from seglab.data.files.index import Pair
from seglab.data.layouts.folder_pairs.deeper_folders import deeper_line
from seglab.data.splitting.subjects import sibling_trees

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

SIZE = (12, 16)


def mask(seed: int) -> np.ndarray:
    out = np.zeros(SIZE, np.uint8)
    out[2 + seed % 5 : 8, 3:9] = 255
    return out


def side_by_side(folder: Path, names: list[str], first: int = 0) -> None:
    """`first`: the seed of the first image, so that folders' images differ (copies stay in one split)."""
    for i, name in enumerate(names):
        save(folder / f"{name}.tif", photo(first + i, SIZE))
        save(folder / f"{name}_mask.tif", mask(i))


def test_slice_names_group_by_case(tmp_path: Path) -> None:
    names = [f"case{c:04d}_slice{s:03d}" for c in (5, 6, 7, 9, 10) for s in range(6)]
    for i, name in enumerate(names):
        save(tmp_path / "images" / f"{name}.png", photo(i, SIZE))
        save(tmp_path / "masks" / f"{name}.png", mask(i))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"case0005", "case0006", "case0007", "case0009", "case0010"}
    assert "5 subjects in the names" in index.pairing[-1]
    splits = split_pairs(index.pairs, (0.6, 0.2, 0.2), seed=3)
    seen = {split: {p.group for p in pairs} for split, pairs in splits.items()}
    assert not seen["train"] & seen["val"] and not seen["train"] & seen["test"] and not seen["val"] & seen["test"]


@pytest.mark.parametrize("slices", [(None,), (0, 1)])
def test_frames_of_an_acdc_export_group_by_patient(tmp_path: Path, slices: tuple[int | None, ...]) -> None:
    # `patient001_frame01`, or per slice `patient001_frame01_slice_0`: both frames of a patient together
    names = [f"patient{p:03d}_frame{f:02d}" + ("" if s is None else f"_slice_{s}")
             for p in (1, 2, 3) for f in (1, 12) for s in slices]
    for i, name in enumerate(names):
        save(tmp_path / "images" / f"{name}.png", photo(i, SIZE))
        save(tmp_path / "masks" / f"{name}.png", mask(i))
    assert {p.group for p in discover(tmp_path).pairs} == {"patient001", "patient002", "patient003"}


def test_lgg_folders_per_patient_group_their_numbered_slices(tmp_path: Path) -> None:
    root = tmp_path / "kaggle_3m"
    patients = [f"TCGA_CS_49{41 + i}_1996090{i}" for i in range(6)]
    for patient in patients:
        side_by_side(root / patient, [f"{patient}_{n}" for n in range(1, 4)])
    index = discover(root)
    assert len(index.pairs) == 18
    assert {p.group for p in index.pairs} == set(patients)
    assert all(p.group == p.image.parent.name for p in index.pairs)


@pytest.mark.parametrize("folders", [("benign", "malignant", "normal"), ("a", "b", "c", "d", "e", "f")])
def test_no_subjects_where_names_do_not_say(tmp_path: Path, folders: tuple[str, ...]) -> None:
    # BUSI's class folders number their images differently ('benign (3).png'); plain names have no subject
    for folder in folders:
        side_by_side(tmp_path / "data" / folder, [f"{folder} ({n})" for n in range(1, 4)])
    assert all(p.group is None for p in discover(tmp_path / "data").pairs)


def test_few_numbered_folders_are_no_subjects(tmp_path: Path) -> None:
    # three folders of `<folder>_<n>` files are likelier classes than patients
    for folder in ("benign", "malignant", "normal"):
        side_by_side(tmp_path / "data" / folder, [f"{folder}_{n}" for n in range(1, 4)])
    assert all(p.group is None for p in discover(tmp_path / "data").pairs)


def test_ultrasound_nerve_names_group_by_subject(tmp_path: Path) -> None:
    """Kaggle's Ultrasound Nerve Segmentation: `train/<subject>_<image>.tif` beside
    `<subject>_<image>_mask.tif` (about 120 images of each of 47 subjects), `test/<n>.tif` unlabelled."""
    side_by_side(tmp_path / "train", [f"{s}_{n}" for s in (1, 2, 3, 10, 47) for n in range(1, 5)])
    for n in (1, 2):
        save(tmp_path / "test" / f"{n}.tif", photo(n, SIZE))
    index = discover(tmp_path)
    assert len(index.pairs) == 20 and len(index.unlabelled) == 2
    assert {p.group for p in index.pairs} == {"1", "2", "3", "10", "47"}
    assert next(p for p in index.pairs if p.name == "10_3").group == "10"
    assert "by the number before the image's number" in index.pairing[-1]


def test_slices_of_three_patients_named_by_a_long_id_group_by_patient(tmp_path: Path) -> None:
    """OSIC's slices in Kaggle's Chest CT Segmentation: `ID00007637202177411956430_12.jpg`, slice 12
    of a patient whose id is letters and a long number, no class's; three patients are enough, where
    three short numbers (`1_0`, `2_0`, `3_0`) may be classes."""
    patients = ["ID00007637202177411956430", "ID00009637202177434476278", "ID00010637202177584971671"]
    side_by_side(tmp_path / "long", [f"{patient}_{n}" for patient in patients for n in range(3)])
    assert {p.group for p in discover(tmp_path / "long").pairs} == {patient.lower() for patient in patients}
    side_by_side(tmp_path / "short", [f"{subject}_{n}" for subject in (1, 2, 3) for n in range(3)])
    assert {p.group for p in discover(tmp_path / "short").pairs} == {None}


GEONRW_CITIES = {"aachen": 3, "bergisch": 2, "bielefeld": 2, "duesseldorf": 2, "herne": 2, "neuss": 1}


@pytest.mark.parametrize("top", ["", "train/"])
def test_grid_tiles_in_city_folders_group_by_the_city(tmp_path: Path, top: str) -> None:
    """GeoNRW's `aachen/290_5620_rgb.jp2` + `290_5620_seg.tif`: tiles of a 1 km grid named by
    easting and northing, a folder per city; grouped by the easting, which neighbouring cities
    share (`aachen/291_5620`, `bergisch/291_5621`), a split kept an easting's column together
    across cities and put a city's neighbouring tiles in train and test."""
    for c, (city, tiles) in enumerate(GEONRW_CITIES.items()):
        for i in range(tiles):
            name = f"{290 + c + i // 2}_{5620 + (c + i) % 2}"
            save(tmp_path / f"{top}{city}" / f"{name}_rgb.png", photo(10 * c + i, SIZE))
            save(tmp_path / f"{top}{city}" / f"{name}_seg.png", mask(i))
    index = discover(tmp_path)
    assert len(index.pairs) == 12
    assert {p.group for p in index.pairs} == set(GEONRW_CITIES) and _apart(index)
    assert "the folder each is in, whose numbers recur in the others" in index.pairing[-1]


def test_subject_numbers_in_shipped_split_folders_stay_subjects(tmp_path: Path) -> None:
    """A subject's images in `train/` and `val/` are in one place: the split folders are no groups."""
    side_by_side(tmp_path / "train", [f"{s}_{n}" for s in (1, 2, 3, 10, 47) for n in range(1, 4)])
    side_by_side(tmp_path / "val", [f"{s}_{n}" for s in (1, 2, 3, 10, 47) for n in range(4, 6)])
    index = discover(tmp_path)
    assert {p.split for p in index.pairs} == {"train", "val"}
    assert {p.group for p in index.pairs} == {"1", "2", "3", "10", "47"}


@pytest.mark.parametrize("names", [
    [f"{s}_{n}" for s in (1, 2, 3) for n in range(1, 5)],  # three number prefixes: no more likely subjects than classes
    [f"{scene}_{n}" for scene in ("kitchen", "office", "bedroom", "bath", "street") for n in range(1, 5)],
])
def test_number_pairs_of_few_subjects_and_named_scenes_are_no_subjects(tmp_path: Path, names: list[str]) -> None:
    side_by_side(tmp_path / "data", names)
    assert all(p.group is None for p in discover(tmp_path / "data").pairs)


def test_chase_db1_eyes_of_one_child_group_together(tmp_path: Path) -> None:
    """CHASE_DB1: `Image_01L.jpg` and `Image_01R.jpg`, a child's left and right eye: split apart,
    the test scored near copies of training images."""
    for i, child in enumerate(range(1, 8)):
        for eye in "LR":
            save(tmp_path / f"Image_{child:02d}{eye}.jpg", photo(i, SIZE))
            save(tmp_path / f"Image_{child:02d}{eye}_1stHO.png", mask(i))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"Image_{c:02d}" for c in range(1, 8)}
    assert "by the name before its eye" in index.pairing[-1]
    splits = split_pairs(index.pairs, seed=0)
    groups = [{p.group for p in splits[s]} for s in ("train", "val", "test")]
    assert all(groups) and not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])


def stereo_trajectories(root: Path, trajectories: list[str], frames: int) -> None:
    """TartanAir's `<env>/<Easy|Hard>/P00k/image_{left,right}/N_{side}.png` beside
    `seg_{side}/N_{side}_seg.png`: frame numbers that every trajectory repeats."""
    for i, trajectory in enumerate(trajectories):
        for frame in range(frames):
            for side in ("left", "right"):
                save(root / trajectory / f"image_{side}" / f"{frame:06d}_{side}.png", photo(10 * i + frame, SIZE))
                save(root / trajectory / f"seg_{side}" / f"{frame:06d}_{side}_seg.png", mask(frame))


def test_stereo_frames_group_by_their_trajectory_not_their_frame_number(tmp_path: Path) -> None:
    """TartanAir: `000000_left` in every trajectory was one subject `000000`, frame 0 of all
    trajectories together and each trajectory's near-copy frames in every split."""
    trajectories = ["factory/Easy/P000", "factory/Hard/P001", "office/Easy/P000", "office/Hard/P001"]
    stereo_trajectories(tmp_path, trajectories, 3)
    index = discover(tmp_path, mask_pattern="{stem}_seg.png")
    assert len(index.pairs) == 24 and {p.group for p in index.pairs} == set(trajectories) and _apart(index)
    assert "the sequence folder of its stereo frames" in index.pairing[-1]


def test_eyes_in_case_folders_group_by_the_case_and_eye_number(tmp_path: Path) -> None:
    """Eyes whose names repeat from folder to folder (`site1/images/01_L.png`, `site2/images/01_L.png`)
    are a person of each folder: the folder is part of the subject, not the eye's own folder."""
    for site in ("site1", "site2"):
        for i, person in enumerate(range(1, 5)):
            for eye in ("L", "R"):
                save(tmp_path / site / "images" / f"{person:02d}_{eye}.png", photo(i, SIZE))
                save(tmp_path / site / "masks" / f"{person:02d}_{eye}.png", mask(i))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"{s}/images/{n:02d}" for s in ("site1", "site2") for n in range(1, 5)}


def test_names_ending_in_a_letter_without_fellow_eyes_are_no_subjects(tmp_path: Path) -> None:
    side_by_side(tmp_path / "data", [f"tile_{n}{'LR'[n % 2]}" for n in range(10)])  # one image per number
    assert {p.group for p in discover(tmp_path / "data").pairs} == {None}


def _apart(index) -> bool:
    splits = split_pairs(index.pairs, seed=0)
    groups = [{p.group for p in splits[s]} for s in ("train", "val", "test")]
    return all(groups) and not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])


def test_kolektorsdd_parts_group_by_the_item_folder(tmp_path: Path) -> None:
    """KolektorSDD: `kos01/Part0.jpg` + `Part0_label.bmp`, ..., one commutator per folder: its
    parts were split apart, near copies in training and test."""
    for item in range(1, 8):
        side_by_side(tmp_path / f"kos{item:02d}", [f"Part{n}" for n in range(4)], first=10 * item)
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"kos{i:02d}" for i in range(1, 8)} and _apart(index)
    assert "whose file names repeat in the others" in index.pairing[-1]


def test_one_frame_per_folder_of_one_file_name_groups_by_the_numbered_folder_above(tmp_path: Path) -> None:
    """ROBUST-MIS 2019: `Training/<surgery>/<patient>/<frame>/raw.png` + `instrument_instances.png`,
    one frame per folder: each frame was its own item, so frames of one patient's video went to
    training and validation alike."""
    frames = {"Proctocolectomy/1": (10, 250), "Proctocolectomy/2": (12, 40), "Sigmoid/1": (99, 7),
              "Sigmoid/3": (5,)}
    for i, (video, numbers) in enumerate(frames.items()):
        for frame in numbers:
            save(tmp_path / "Training" / video / str(frame) / "raw.png", photo(10 * i + frame, SIZE))
            save(tmp_path / "Training" / video / str(frame) / "instrument_instances.png", mask(frame))
    index = discover(tmp_path, mask_pattern="instrument_instances.png")
    assert {p.image.parent.relative_to(tmp_path).as_posix(): p.group for p in index.pairs} == {
        f"Training/{video}/{frame}": f"Training/{video}" for video, numbers in frames.items() for frame in numbers}
    assert "the numbered folder above its frame's" in index.pairing[-1]


def test_a_numbered_test_stage_above_the_patient_folders_is_no_subject(tmp_path: Path) -> None:
    """ROBUST-MIS 2019 as released: `Training/<surgery>/<patient>/<frame>/raw.png` beside
    `Testing/Stage_<n>/<surgery>/<patient>/<frame>/`. Counted down from the dataset folder, a test
    frame's outermost numbered folder was its stage: 'Testing/Stage_1' a subject, and the log's
    example read "('raw' is 'Testing/Stage_1')"."""
    frames = {"Training/Proctocolectomy/1": (10, 250), "Training/Proctocolectomy/2": (12, 40),
              "Training/Rectal resection/1": (33, 560), "Training/Rectal resection/3": (7,),
              "Training/Sigmoid/1": (99,), "Testing/Stage_1/Proctocolectomy/8": (1,),
              "Testing/Stage_2/Proctocolectomy/9": (4,), "Testing/Stage_3/Sigmoid/1": (3,),
              "Testing/Stage_3/Sigmoid/2": (120,)}
    for i, (patient, numbers) in enumerate(frames.items()):
        for frame in numbers:
            save(tmp_path / patient / str(frame) / "raw.png", photo(10 * i + frame, SIZE))
            save(tmp_path / patient / str(frame) / "instrument_instances.png", mask(frame))
    index = discover(tmp_path, mask_pattern="instrument_instances.png")
    assert {p.image.parent.relative_to(tmp_path).as_posix(): p.group for p in index.pairs} == {
        f"{patient}/{frame}": patient for patient, numbers in frames.items() for frame in numbers}
    assert ("('Testing/Stage_1/Proctocolectomy/8/1/raw' is 'Testing/Stage_1/Proctocolectomy/8')"
            in index.pairing[-1])


def nyu_colours(seed: int) -> np.ndarray:
    """A Structured3D `semantic.png`: NYU-40 classes as colours, wall, floor and a bed."""
    out = np.zeros((*SIZE, 3), np.uint8)
    out[:4], out[4:] = (174, 199, 232), (152, 223, 138)
    out[6 + seed % 3 : 10, 4:12] = (255, 187, 120)
    return out


def test_one_view_per_folder_of_one_file_name_groups_by_the_outermost_numbered_folder(tmp_path: Path) -> None:
    """Structured3D: `Structured3D/scene_00000/2D_rendering/<room>/perspective/{full,empty}/<n>/rgb_rawlight.png`
    + `semantic.png`, and `panorama/full/`: one camera furnished and empty, and a room's other views,
    landed in different splits; the house (`scene_00000`) is the group, not the room nor the release folder."""
    views = ["perspective/full/0", "perspective/full/1", "perspective/empty/0", "perspective/empty/1", "panorama/full"]
    scenes = [f"scene_{n:05d}" for n in (0, 1, 3000, 3250)]
    for i, scene in enumerate(scenes):
        for room in (2201 + i, 485142 + i):
            for k, view in enumerate(views):
                folder = tmp_path / "Structured3D" / scene / "2D_rendering" / str(room) / view
                save(folder / "rgb_rawlight.png", photo(100 * i + 10 * (room % 2) + k, SIZE))
                save(folder / "semantic.png", nyu_colours(k))
    index = discover(tmp_path, mask_pattern="semantic.png", images="rgb_rawlight.png")
    assert {p.group for p in index.pairs} == {f"Structured3D/{scene}" for scene in scenes} and _apart(index)
    assert "the numbered folder above its frame's" in index.pairing[-1]


def test_structured3d_scenes_take_the_official_split_by_number_and_other_numbered_scenes_none(tmp_path: Path) -> None:
    """Structured3D's README splits by scene number (scene_00000-02999 train, 03000-03249 val,
    03250-03499 test); its folders name no split, so the split was drawn, by scene but with its
    test scenes in training. The pairing says where the split came from; scene folders holding no
    `2D_rendering/` take no split from their numbers."""
    for release, renderings in (("Structured3D", "2D_rendering"), ("other", "renderings")):
        for i, scene in enumerate(f"scene_{n:05d}" for n in (0, 1, 3000, 3250)):
            for k, view in enumerate(("perspective/full/0", "panorama/full")):
                folder = tmp_path / release / release / scene / renderings / str(2201 + i) / view
                save(folder / "rgb_rawlight.png", photo(10 * i + k, SIZE))
                save(folder / "semantic.png", nyu_colours(k))
    index = discover(tmp_path / "Structured3D", mask_pattern="semantic.png", images="rgb_rawlight.png")
    assert {p.image.relative_to(index.root).parts[1]: p.split for p in index.pairs} == {
        "scene_00000": "train", "scene_00001": "train", "scene_03000": "val", "scene_03250": "test"}
    assert "split by scene number, Structured3D's official split" in "\n".join(index.pairing)
    assert {p.image.relative_to(index.root).parts[1] for p in split_pairs(index.pairs, seed=0)["test"]} == {"scene_03250"}
    index = discover(tmp_path / "other", mask_pattern="semantic.png", images="rgb_rawlight.png")
    assert {p.split for p in index.pairs} == {None}


def test_one_pair_per_folder_named_alike_in_several_folders_groups_by_the_name(tmp_path: Path) -> None:
    """SeasoNet: `<season>/grid1/<patch>/<patch>_10m_RGB.tif` + `_labels.tif`, one place's patch in
    every season folder: each season's copy was its own item, one place in training and test."""
    patches = ["32UME_20180418T104021_53_9_7_5", "32TMT_20190214T103129_47_7_7_8", "33UUU_20180601T101031_51_9_13_1"]
    for i, season in enumerate(("spring", "summer", "snow")):
        for k, patch in enumerate(patches):
            folder = tmp_path / season / "grid1" / patch
            save(folder / f"{patch}_10m_RGB.tif", photo(10 * i + k, SIZE))
            save(folder / f"{patch}_labels.tif", mask(k))
    index = discover(tmp_path)
    assert {p.image.stem: p.group for p in index.pairs} == {f"{p}_10m_RGB": f"{p}_10m_RGB" for p in patches}
    assert _apart(index) and "each of several folders holds" in index.pairing[-1]


def test_ct_ich_window_folders_group_by_the_patient_folder_above(tmp_path: Path) -> None:
    """CT-ICH's 2-D copy: `Patients_CT/049/brain/3.jpg` + `3_HGE_Seg.jpg`, `bone/3.jpg` beside:
    slice numbers repeat in each patient's `brain/`, a word, so no subject was found and slices
    of one patient straddled the splits."""
    patients = ["049", "050", "051", "053", "058"]
    for i, patient in enumerate(patients):
        for n in range(1, 5):
            save(tmp_path / "Patients_CT" / patient / "brain" / f"{n}.png", photo(10 * i + n, SIZE))
            save(tmp_path / "Patients_CT" / patient / "brain" / f"{n}_HGE_Seg.png", mask(n))
            save(tmp_path / "Patients_CT" / patient / "bone" / f"{n}.png", photo(10 * i + n + 5, SIZE))
    index = discover(tmp_path, format="folder-pairs")
    assert {p.group for p in index.pairs} == {f"Patients_CT/{patient}" for patient in patients} and _apart(index)


def test_carvana_views_group_by_the_car_id(tmp_path: Path) -> None:
    """Carvana: `train/0cdf5b5d0ce1_01.jpg` ... `_16`, 16 views of each car around a turntable."""
    cars = ["0cdf5b5d0ce1", "7af4d25c3a78", "8182cff9d528", "fdd8ff2348d7", "11acc40dc0ea", "2faf504842df"]
    for i, car in enumerate(cars):
        for view in range(1, 5):
            save(tmp_path / "train" / f"{car}_{view:02d}.jpg", photo(10 * i + view, SIZE))
            save(tmp_path / "train_masks" / f"{car}_{view:02d}_mask.png", mask(view))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == set(cars) and _apart(index)


def test_cholecseg8k_clips_group_by_the_video(tmp_path: Path) -> None:
    """CholecSeg8k: `video01/video01_00080/frame_80_endo.png` + `frame_80_endo_watershed_mask.png`,
    clips of 80 frames numbered after their video: neighbouring frames straddled the splits."""
    for video in (1, 9, 12, 17, 20):
        for clip in (80, 160):
            folder = tmp_path / f"video{video:02d}" / f"video{video:02d}_{clip:05d}"
            for frame in (clip, clip + 1):
                save(folder / f"frame_{frame}_endo.png", photo(1000 * video + frame, SIZE))
                save(folder / f"frame_{frame}_endo_watershed_mask.png", mask(frame))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"video{v:02d}" for v in (1, 9, 12, 17, 20)} and _apart(index)


@pytest.mark.parametrize("scenes", [
    ["LC08_L1TP_002053_20160520_20170324_01_T1", "LC08_L1TP_029041_20160720_20170222_01_T1",
     "LC08_L1TP_011247_20160620_20170221_01_T1", "LC08_L1TP_032035_20160420_20170223_01_T1"],  # 38-Cloud
    ["S2A_MSIL1C_20170105T013442_N0204_R031_T53NMJ_20170105T013443",
     "S2B_MSIL2A_20190314T101019_N0211_R022_T32TQM_20190314T130422",
     "S2A_MSIL1C_20180601T093031_N0206_R136_T34TCT_20180601T113226"],
])
def test_patches_of_one_satellite_scene_group_by_the_scene(tmp_path: Path, scenes: list[str]) -> None:
    """38-Cloud's `patch_1_1_by_1_LC08_L1TP_002053_...`: patches of one scene were split apart."""
    names = [f"patch_{k}_{k % 3 + 1}_by_{k}_{scene}" for scene in scenes for k in range(1, 5)]
    for i, name in enumerate(names):
        save(tmp_path / "images" / f"{name}.tif", photo(i, SIZE))
        save(tmp_path / "masks" / f"{name}.tif", mask(i))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == set(scenes) and _apart(index)
    assert "the satellite scene each was cut from" in index.pairing[-1]


def mammograms(root: Path, patients: list[str], views: tuple[str, ...] = ("CC", "MLO")) -> None:
    """CDD-CESM's `Low energy images of CDD-CESM/P1_L_DM_MLO.jpg` and `Subtracted images of
    CDD-CESM/P1_L_CM_MLO.jpg`: patient, breast side, image type and view, a mask beside each."""
    for t, (folder, kind) in enumerate((("Low energy images", "DM"), ("Subtracted images", "CM"))):
        names = [f"{p}_{side}_{kind}_{view}" for p in patients for side in "LR" for view in views]
        for i, name in enumerate(names):
            save(root / folder / f"{name}.png", photo(100 * t + i, SIZE))
            save(root / folder / f"{name}_mask.png", mask(i))


def test_a_subject_id_before_words_of_few_values_groups_by_the_subject(tmp_path: Path) -> None:
    """CDD-CESM: no subject was found, so a test image's twin (the same breast and view, the other
    image type, the same lesion) sat in train."""
    mammograms(tmp_path, ["P1", "P2", "P3", "P12"])
    index = discover(tmp_path)
    assert {p.image.stem: p.group for p in index.pairs}["P12_R_CM_MLO"] == "P12"
    assert {p.group for p in index.pairs} == {"P1", "P2", "P3", "P12"} and _apart(index)
    assert "the subject id before words of a few values" in index.pairing[-1]


def test_an_id_before_words_of_many_values_is_no_subject(tmp_path: Path) -> None:
    # `cam1_<scene>`: a camera's many scenes are no views of one subject
    mammograms(tmp_path, ["cam1", "cam2", "cam3", "cam4"], views=("kitchen", "office", "bedroom", "bath", "street"))
    assert all(p.group is None for p in discover(tmp_path).pairs)


DIGESTPATH_SLIDES = ["18-00530A", "18-01240B", "2018_64982_1-3", "18-03021A", "D20180011"]


@pytest.mark.parametrize("sources, crop", [
    (DIGESTPATH_SLIDES, "{source}_2019-05-0{k} 21_0{k}_01-lv1-{x}-15766-2530-2296"),  # slide, scan date, level, x-y-w-h
    ([f"P{n:04d}" for n in (1, 7, 12, 40, 41, 99)], "{source}_{x}_{k}"),  # a tile's crops at x, y
])
def test_crops_group_by_the_source_before_their_numbers(tmp_path: Path, sources: list[str], crop: str) -> None:
    """DigestPath 2019's `tissue-train-pos-v1/`: the crops of one slide landed in train and test."""
    side_by_side(tmp_path / "data", [crop.format(source=s, k=k, x=20000 + 3000 * k) for s in sources for k in (1, 2, 3)])
    index = discover(tmp_path / "data")
    assert {p.group for p in index.pairs} == set(sources) and _apart(index)
    assert "the name before the numbers of its crop or date" in index.pairing[-1]


def test_qupath_tiles_group_by_their_slide(tmp_path: Path) -> None:
    """QuPath's TileExporter writes `tiles/<slide>/<slide> [d=2,x=..,y=..,w=..,h=..].tif` and the
    labelled `.png` of the same name: three slides were too few for `by_crop_source`, whose
    numbers the region tag hides, so a random split mixed one slide's tiles across train and val."""
    for slide in ("CMU-1", "CMU-2", "CMU-3"):
        for k, (x, y) in enumerate([(0, 0), (64, 0), (0, 64), (64, 64)]):
            name = f"{slide} [d=2,x={x},y={y},w=64,h=64]"
            save(tmp_path / "tiles" / slide / f"{name}.tif", photo(k, SIZE))
            save(tmp_path / "tiles" / slide / f"{name}.png", mask(k))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"CMU-1", "CMU-2", "CMU-3"}
    assert "the slide each tile was cut from" in index.pairing[-1]


@pytest.mark.parametrize("folders", [("slide-A", "slide-B", "slide-C"), ("train", "val", "test")])
def test_tiles_in_a_folder_per_slide_named_before_their_numbers_group_by_it(tmp_path: Path,
                                                                            folders: tuple[str, ...]) -> None:
    """Other tile exporters' `<slide>/<slide>_<x>_<y>`: the folder named as the tiles' name before
    their numbers is the slide's, however few the slides; split folders named so are no slide."""
    for folder in folders:
        side_by_side(tmp_path / folder, [f"{folder}_{x}_{y}" for x in (0, 512) for y in (0, 512)])
    groups = {p.group for p in discover(tmp_path).pairs}
    assert groups == ({None} if folders[0] == "train" else set(folders))


@pytest.mark.parametrize("names", [
    [f"img_{n:03d}_{n % 4}" for n in range(20)],  # no number before the tail
    [f"{seq}_{n:06d}" for seq in ("0001TP", "0006R0", "0016E5", "Seq05VD", "0005VD") for n in range(4)],  # CamVid frames
    [f"{city}_{n:06d}_000019" for city in ("aachen", "bochum", "bremen", "cologne", "erfurt") for n in range(4)],
    [f"{s}_{n}_{n + 1}" for s in (1, 2, 3) for n in range(5)],  # three subjects: as likely classes
])
def test_numbered_names_that_are_no_crops_are_no_subjects(tmp_path: Path, names: list[str]) -> None:
    side_by_side(tmp_path / "data", names)
    assert all(p.group is None for p in discover(tmp_path / "data").pairs)


def chaos(root: Path, cases: list[str], modality: str = "CT") -> None:
    """CHAOS' layout: Train_Sets/CT/<patient>/DICOM_anon/ slices + Ground/ masks, names that
    say nothing of the patient (`i0000,0000b`, `liver_GT_000`)."""
    for n, case in enumerate(cases):
        for s in range(4):
            save(root / "Train_Sets" / modality / case / "DICOM_anon" / f"i{s:04d},0000b.png", photo(n * 10 + s, SIZE))
            save(root / "Train_Sets" / modality / case / "Ground" / f"liver_GT_{s:03d}.png", mask(s))


def test_case_folders_holding_image_and_mask_folders_are_the_subjects(tmp_path: Path) -> None:
    """CHAOS put one patient's slices in train, val and test alike."""
    chaos(tmp_path, ["1", "2", "5", "6", "8"])
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"Train_Sets/CT/{n}" for n in ("1", "2", "5", "6", "8")}
    splits = split_pairs(index.pairs, seed=0)
    groups = [{p.group for p in splits[s]} for s in ("train", "val", "test")]
    assert all(groups) and not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])


def test_case_folders_without_a_number_are_no_subjects(tmp_path: Path) -> None:
    """Folders named by a word are as often classes (lesion types, scenes): never validate on a
    class that was not trained on."""
    chaos(tmp_path, ["benign", "malignant", "normal", "cyst", "other"])
    assert {p.group for p in discover(tmp_path).pairs} == {None}


def test_image_folders_deeper_than_the_search_are_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """CHAOS' MR slices (Train_Sets/MR/1/T2SPIR/DICOM_anon/) lie a level deeper than its CT's:
    they were left out without a word."""
    chaos(tmp_path, ["1", "2", "3"])
    chaos(tmp_path, ["1/T2SPIR", "2/T2SPIR", "3/T2SPIR"], modality="MR")
    index = discover(tmp_path)
    assert {p.image.parts[-4] for p in index.pairs} == {"CT"}
    line = ("6 folders with images lie deeper than 4 levels and were not searched, such as "
            "Train_Sets/MR/1/T2SPIR/DICOM_anon/: pass a folder further down as DATA to read them")
    assert line in index.pairing and line in caplog.text


def chaos_mr(root: Path, patients: list[str]) -> None:
    """CHAOS' MR train set as shipped: a patient's T2SPIR slices in `T2SPIR/DICOM_anon/`, its
    T1DUAL echoes a level further down, in `T1DUAL/DICOM_anon/InPhase/` (named as the masks of
    `T1DUAL/Ground/`) and `OutPhase/` (numbered between them)."""
    for n, patient in enumerate(patients):
        for s in range(4):
            t2, in_phase, out_phase = f"IMG-0002-{2 * s + 1:05d}", f"IMG-0004-{2 * s + 2:05d}", f"IMG-0004-{2 * s + 1:05d}"
            save(root / patient / "T2SPIR" / "DICOM_anon" / f"{t2}.png", photo(n * 100 + s, SIZE))
            save(root / patient / "T2SPIR" / "Ground" / f"{t2}.png", mask(s))
            save(root / patient / "T1DUAL" / "DICOM_anon" / "InPhase" / f"{in_phase}.png", photo(n * 100 + 10 + s, SIZE))
            save(root / patient / "T1DUAL" / "DICOM_anon" / "OutPhase" / f"{out_phase}.png", photo(n * 100 + 20 + s, SIZE))
            save(root / patient / "T1DUAL" / "Ground" / f"{in_phase}.png", mask(s + 1))


def test_chaos_mr_echoes_below_the_named_images_pair_and_a_patient_is_one_subject(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`--images DICOM_anon --masks Ground` read CHAOS' T2SPIR slices only: T1DUAL's, one level
    below its `DICOM_anon/`, were neither paired nor said, and a patient's two sequences were two
    subjects (`1/T1DUAL`, `1/T2SPIR`) that a split could divide."""
    chaos_mr(tmp_path / "MR", ["1", "2", "5"])
    index = discover(tmp_path / "MR", images="DICOM_anon", masks="Ground")
    assert sorted({(p.image.parent.name, p.mask.parent.parent.name) for p in index.pairs}) == [
        ("DICOM_anon", "T2SPIR"), ("InPhase", "T1DUAL")]
    assert len(index.pairs) == 24 and all(p.image.stem == p.mask.stem for p in index.pairs)
    assert sorted(p.parent.name for p in index.ignored) == ["OutPhase"] * 12
    assert ("3 folder(s) below --images DICOM_anon hold images named as no mask: 1/T1DUAL/DICOM_anon/OutPhase/ "
            "(4 images)") in caplog.text
    assert {p.group for p in index.pairs} == {"1", "2", "5"} and _apart(index)


def _videos(root: Path, masks: str, frames: dict[str, list[str]], image_suffix: str) -> None:
    """JPEGImages/<sequence>/<frame><image_suffix> beside <masks>/<sequence>/<frame>.png."""
    for i, (sequence, names) in enumerate(frames.items()):
        for k, name in enumerate(names):
            save(root / "JPEGImages" / sequence / f"{name}{image_suffix}", photo(10 * i + k, SIZE))
            save(root / masks / sequence / f"{name}.png", mask(k))


def test_frames_repeating_in_word_named_sequence_folders_group_by_the_sequence(tmp_path: Path) -> None:
    """DAVIS' `JPEGImages/480p/bear/00000.jpg` + `Annotations/480p/bear/00000.png`: videos named by
    a word were no subjects, and their frames straddled the splits (YouTube-VOS' hex names were)."""
    sequences = ["bear", "bmx-bumps", "boat", "blackswan", "dogs-jump", "dog-agility"]
    _videos(tmp_path, "Annotations", {seq: [f"{frame:05d}" for frame in range(3)] for seq in sequences}, ".jpg")
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"JPEGImages/{s}" for s in sequences} and _apart(index)
    assert "whose file names repeat in the others" in index.pairing[-1]


def test_frames_numbered_after_their_video_group_by_the_sequence_folder(tmp_path: Path) -> None:
    """SegTrack v2's `JPEGImages/bmx/bmx_06668.png`, `birdfall/birdfall2_00018.png`,
    `girl/00001.bmp`: video frames whose numbers seldom repeat from folder to folder were no
    subjects, and a video's frames straddled the splits."""
    names = {"birdfall": "birdfall2_{:05d}", "bmx": "bmx_{:05d}", "drift": "drift_{:05d}", "frog": "frog_{:05d}",
             "girl": "{:05d}", "worm": "worm_{:05d}"}
    _videos(tmp_path, "GroundTruth", {seq: [pattern.format(100 * i + frame) for frame in range(3)]
                                      for i, (seq, pattern) in enumerate(names.items())}, ".png")
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"JPEGImages/{s}" for s in names} and _apart(index)
    assert "of frames numbered after it" in index.pairing[-1]


def test_numbered_names_of_another_word_than_their_folder_are_no_video(tmp_path: Path) -> None:
    """ADE20K's full release: `images/ADE/training/<category>/<scene>/ADE_train_00000001.jpg`,
    numbered over the whole set; the scene folders are scenes to learn, not videos."""
    for i, scene in enumerate(("abbey", "airport", "alley", "apse", "aquarium")):
        for k in range(3):
            name = f"ADE_train_{10 * i + k:08d}"
            save(tmp_path / "ADE" / "training" / scene / f"{name}.jpg", photo(10 * i + k, SIZE))
            save(tmp_path / "annotations" / "training" / scene / f"{name}.png", mask(k))
    assert {p.group for p in discover(tmp_path).pairs} == {None}


def test_samples_numbered_in_defect_type_folders_are_no_videos(tmp_path: Path) -> None:
    """MVTec AD's `bottle/test/broken_large/000.png` + `ground_truth/broken_large/000_mask.png`:
    the numbers repeat from folder to folder as DAVIS' frames do, but the folders are defect types
    to learn, not videos; grouped, whole defect types would be left out of training."""
    for category, defects in (("bottle", ("broken_large", "broken_small", "contamination")),
                              ("screw", ("scratch_head", "scratch_neck", "thread_side"))):
        for defect in defects:
            for i in range(3):
                save(tmp_path / category / "test" / defect / f"{i:03d}.png", photo(i, SIZE))
                save(tmp_path / category / "ground_truth" / defect / f"{i:03d}_mask.png", mask(i))
    index = discover(tmp_path)
    assert len(index.pairs) == 18 and {p.group for p in index.pairs} == {None}


def test_numbered_products_with_their_own_splits_are_no_subjects(tmp_path: Path) -> None:
    """BTAD's `BTech_Dataset_transformed/01/test/ko/0000.bmp` + `01/ground_truth/ko/0000.png`: each
    numbered folder is a product with its own train/test folders, not a patient; grouped by them,
    three products made three subjects and a split held whole products out of training."""
    root = tmp_path / "BTech_Dataset_transformed"
    for product in ("01", "02", "03"):
        for i in range(3):
            save(root / product / "test" / "ko" / f"{i:04d}.png", photo(i, SIZE))
            save(root / product / "ground_truth" / "ko" / f"{i:04d}.png", mask(i))
            save(root / product / "train" / "ok" / f"{i:04d}.png", photo(10 + i, SIZE))
    index = discover(tmp_path)
    assert len(index.pairs) == 9 and {p.group for p in index.pairs} == {None}


def sun_seg(root: Path, layout: dict[str, list[str]]) -> None:
    """SUN-SEG: `<top>/Frame/<clip>/<name>_image0001.jpg` + `<top>/GT/<clip>/<name>_image0001.png`."""
    for top, clips in layout.items():
        for i, clip in enumerate(clips):
            for frame in (1, 2):
                save(root / top / "Frame" / clip / f"case_M_2018_a2_image{frame:04d}.jpg", photo(10 * i + frame, SIZE))
                save(root / top / "GT" / clip / f"case_M_2018_a2_image{frame:04d}.png", mask(frame))


def test_clips_of_one_case_group_by_the_case(tmp_path: Path) -> None:
    """SUN-SEG's `TrainDataset/Frame/case1_1/` and `case1_3/` are two clips of case 1: they were
    two subjects, case 1 in val and test at once. TNBC's `Slide_01`, `Slide_02` stay apart."""
    sun_seg(tmp_path / "SUN-SEG", {"TrainDataset": ["case1_1", "case1_3", "case2_1", "case3_1", "case3_2", "case4"]})
    index = discover(tmp_path / "SUN-SEG")
    top = "TrainDataset/Frame"
    assert {p.group for p in index.pairs} == {f"{top}/case1", f"{top}/case2_1", f"{top}/case3", f"{top}/case4"}
    assert "clips of one case together" in index.pairing[-1]
    sun_seg(tmp_path / "tnbc", {"data": [f"Slide_{n:02d}" for n in range(1, 5)]})
    assert len({p.group for p in discover(tmp_path / "tnbc").pairs}) == 4


def test_a_clip_folder_named_by_separators_and_a_number_alone_is_no_case(tmp_path: Path) -> None:
    """Clip folders `__1/` and `__2/` name no case before their number: reading their subjects
    raised IndexError. They stay subjects of their own; SUN-SEG's case3_1 and case3_2 are put together."""
    sun_seg(tmp_path / "S", {"TrainDataset": ["__1", "__2", "case2_1", "case3_1", "case3_2", "case4"]})
    top = "TrainDataset/Frame"
    assert {p.group for p in discover(tmp_path / "S").pairs} == {
        f"{top}/__1", f"{top}/__2", f"{top}/case2_1", f"{top}/case3", f"{top}/case4"}


def test_a_test_split_deeper_than_the_search_is_named_with_the_data_that_reads_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SUN-SEG's `TestEasyDataset/Unseen/Frame/case5/` lies a level deeper than its
    `TrainDataset/Frame/case1_1/`: its test split was drawn from the train clips, the official
    test sets left out under a line saying only 'pass a folder further down'."""
    sun_seg(tmp_path / "SUN-SEG", {"TrainDataset": ["case1_1", "case2_1", "case3_1"],
                                   "TestEasyDataset/Unseen": ["case5", "case6_1"]})
    index = discover(tmp_path)
    assert {p.split for p in index.pairs} == {None}  # a train folder alone: all three splits drawn from it
    line = ("4 folders with images lie deeper than 4 levels and were not searched, among them the official test "
            "split's SUN-SEG/TestEasyDataset/Unseen/Frame/case5/: its test split is drawn from the pairs read "
            "instead; pass SUN-SEG/ as DATA to read it")
    assert line in index.pairing and line in caplog.text
    assert {p.split for p in discover(tmp_path / "SUN-SEG").pairs} == {"train", "test"}


def test_a_deeper_mask_folder_is_no_official_split(tmp_path: Path) -> None:
    """Drishti-GS1's `Test/Test_GT/<name>/SoftMap/` deeper than the search holds masks: it was named
    'the official test split' even when no pair was read. Only a deeper folder of images under a
    split folder, beside pairs read, is."""
    deeper = [tmp_path / "D" / "Test" / "Test_GT" / "d_001" / "SoftMap"]
    such_as = ("1 folders with images lie deeper than 4 levels and were not searched, such as "
               "D/Test/Test_GT/d_001/SoftMap/: pass a folder further down as DATA to read them")
    assert deeper_line(tmp_path, deeper, [], set()) == such_as
    assert deeper_line(tmp_path, deeper, [tmp_path / "D" / "Training" / "Images"], {"train"}) == such_as
    frames = [tmp_path / "D" / "Test" / "Frames" / "d_001" / "rgb"]
    assert deeper_line(tmp_path, frames, [], set()).endswith("pass a folder further down as DATA to read them")
    assert "official test split's D/Test/Frames/d_001/rgb/" in deeper_line(
        tmp_path, frames, [tmp_path / "D" / "Training" / "Images"], {"train"})


def test_mirrored_numbered_folders_of_one_name_are_a_drive_each(tmp_path: Path) -> None:
    """IDD-Lite: `leftImg8bit/train/0/000000_image.jpg` + `gtFine/train/0/000000_label.png`, a numbered
    folder per drive in both trees: grouped by it until a rule for renamed trees (Fish4Knowledge's
    species folders fish_01/ ~ mask_01/, no groups) dropped every mirrored tree's numbered folders."""
    frame = 0
    for drive in ("0", "1", "2", "3"):
        for _ in range(3):
            save(tmp_path / "leftImg8bit" / "train" / drive / f"{frame:06d}_image.png", photo(frame, SIZE))
            save(tmp_path / "gtFine" / "train" / drive / f"{frame:06d}_label.png", mask(frame))
            frame += 1
    index = discover(tmp_path)
    assert {p.image.stem: p.group for p in index.pairs}["000004_image"] == "leftImg8bit/train/1"
    assert len({p.group for p in index.pairs}) == 4


@pytest.mark.parametrize(("dates", "labels"), [(("im1", "im2"), ("label1", "label2")),
                                               (("A", "B"), ("label_A", "label_B")),
                                               (("2018", "2019"), ("mask_2018", "mask_2019"))])
def test_a_scenes_two_dates_with_their_own_masks_group_by_the_scene(
        tmp_path: Path, dates: tuple[str, str], labels: tuple[str, str]) -> None:
    """SECOND: `im1/00003.png` + `label1/`, `im2/00003.png` + `label2/`, a change-detection scene's
    two dates, each with its own mask. Before: 24 pairs of no group, one scene's dates in two splits."""
    scenes = [f"{n:05d}" for n in (3, 5, 8, 12, 17, 21)]
    for k, (date, label) in enumerate(zip(dates, labels)):
        for i, scene in enumerate(scenes):
            save(tmp_path / "train" / date / f"{scene}.png", photo(10 * k + i, SIZE))
            save(tmp_path / "train" / label / f"{scene}.png", mask(i + k))
    index = discover(tmp_path)
    assert {(p.image.parent.name, p.mask.parent.name) for p in index.pairs} == set(zip(dates, labels))
    assert {p.image.stem: p.group for p in index.pairs if p.image.parent.name == dates[1]} == {
        s: f"train/{s}" for s in scenes}
    assert len({p.group for p in index.pairs}) == 6 and "sibling date folders" in index.pairing[-1]
    splits = split_pairs(index.pairs, (0.6, 0.2, 0.2), seed=3)
    seen = {split: {p.group for p in pairs} for split, pairs in splits.items()}
    assert not seen["train"] & seen["val"] and not seen["train"] & seen["test"] and not seen["val"] & seen["test"]


def test_sequence_folders_numbered_across_1900_are_sequences_not_dates(tmp_path: Path) -> None:
    """Video sequences `seq_1897/` ... `seq_1903/`, each beside its mask folder: a run of numbers
    crossing 1900 numbers sequences, no years. Before: `seq_1900/` ... `seq_1903/` were dates of one
    scene, and discover stopped at '7 folders could hold the masks of images/seq_1900/'."""
    numbers = range(1897, 1904)
    for n in numbers:
        for frame in range(2):
            save(tmp_path / "images" / f"seq_{n}" / f"{frame:05d}.png", photo(n + frame, SIZE))
            save(tmp_path / "masks" / f"seq_{n}" / f"{frame:05d}.png", mask(n + frame))
    index = discover(tmp_path)
    assert {(p.image.parent.name, p.mask.parent.name) for p in index.pairs} == {(f"seq_{n}",) * 2 for n in numbers}
    assert {p.group for p in index.pairs} == {f"images/seq_{n}" for n in numbers}


@pytest.mark.parametrize(("names", "dated"), [
    (["2018", "2019"], {"2018", "2019"}),  # Hi-UCD's years
    (["seq_1899", "seq_1900", "seq_1901"], set()),  # a run crossing 1900
    (["seq_0007", "seq_2019", "seq_2020"], set()),  # beside a number of the same width that is no year
    ([f"seq_{n}" for n in range(1950, 2010)], set()),  # 60 in a row: more than years of one scene
    (["scene_0001_2019", "scene_0001_2020", "scene_0002_2019"], {"scene_0001_2019", "scene_0001_2020"}),
])
def test_a_number_as_wide_as_a_year_dates_folders_only_among_few_years(names: list[str], dated: set[str]) -> None:
    assert channel_files.dated_names(names) == dated
    folders = [Path("root") / name for name in names]
    assert {f.name for f, others in sibling_trees._dated_siblings(folders).items() if others} == dated


def test_date_folders_are_found_among_their_siblings_as_by_comparing_every_two() -> None:
    """`_dated_siblings` compares only names alike but for a year or a date word: on random
    sibling names it finds what `_dates` finds comparing every two."""
    rng = random.Random(7)
    parts = ["a", "b", "im1", "im2", "t1", "t2", "pre", "post", "2018", "2019", "train", "x", "07"]
    for _ in range(200):
        names = {"_".join(rng.sample(parts, rng.randint(1, 3))) for _ in range(rng.randint(2, 12))}
        folders = [Path("root") / name for name in sorted(names)]
        every_two = {f: [o for o in folders if o != f and sibling_trees._dates(f.name, o.name)] for f in folders}
        found = sibling_trees._dated_siblings(folders)
        assert {f: found.get(f, []) for f in folders} == every_two


def test_chip_folders_under_one_parent_are_not_compared_two_by_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cloud Cover's ~11.7k chip folders under one parent, an image in each: comparing every two
    folder names took 50 minutes."""
    calls = []
    monkeypatch.setattr(sibling_trees, "_dates", lambda *names: calls.append(names) or False)
    root = Path("cloud_cover")
    pairs = [Pair(f"chip{n:04d}/B02", root / "train_features" / f"chip{n:04d}" / "B02.tif",
                  root / "train_labels" / f"chip{n:04d}.tif") for n in range(300)]
    assert sibling_trees.by_dates(pairs, root) is None
    assert len(calls) < len(pairs)


def test_sa_med2d_slices_along_an_axis_group_by_their_case(tmp_path: Path) -> None:
    """SA-Med2D-20M's `images/<modality>--<source>--<case>--x_0003.png` (slice 3 along x) beside
    `masks/<stem>--0000_000.png`: the `--x_`/`--y_`/`--z_` slice numbers were no slice word, so no
    group was found and a case's slices straddled splits; AbdomenCT1K's `Case_00001` and
    `Case_00002`, whose digits lie in a word before `Case`'s, stay two patients."""
    cases = ["ct_00--AbdomenCT1K--Case_00001", "ct_00--AbdomenCT1K--Case_00002", "mr_00--ACDC--patient001_frame01",
             "mr_t2w--Prostate_MRI--case00", "ct_00--KiTS--case_00007"]
    for i, case in enumerate(cases):
        for axis, number in (("x", 3), ("y", 10), ("z", 17)):
            name = f"{case}--{axis}_{number:04d}"
            save(tmp_path / "SAMed2Dv1" / "images" / f"{name}.png", photo(i, SIZE))
            save(tmp_path / "SAMed2Dv1" / "masks" / f"{name}--0000_000.png", mask(i + number))
    index = discover(tmp_path)
    patients = {*cases[:2], "mr_00--ACDC--patient001", *cases[3:]}  # an ACDC patient's frames together
    assert {p.group for p in index.pairs} == patients and _apart(index)
    assert "the name before its slice, frame or lesion number" in index.pairing[-1]


def test_rois_named_with_a_bracketed_box_group_by_their_slide(tmp_path: Path) -> None:
    """TIGER's `roi-level-annotations/tissue-bcss/images/<slide>_[x1, y1, x2, y2].png` and the mask of
    that name in `masks/`: only QuPath's `[d=,x=,y=]` region tag said a slide, so a slide's ROIs were
    no group and straddled splits. One slide in two subsets (bcss and cells) is one group."""
    slides = {"tissue-bcss": ["TCGA-A1-A0SK-01Z-00-DX1.A44D70FA", "TCGA-A2-A0CM-01Z-00-DX1.AC4901DE"],
              "tissue-blocks": ["100B", "105S"], "tissue-cells": ["TCGA-A1-A0SK-01Z-00-DX1.A44D70FA", "111S"]}
    k = 0
    for subset, names in slides.items():
        for slide in names:
            for j in range(3):
                k += 1
                name = f"{slide}_[{10000 + 512 * j}, {20000 + 256 * k}, {10048 + 512 * j}, {20040 + 256 * k}].png"
                save(tmp_path / "wsirois" / "roi-level-annotations" / subset / "images" / name, photo(k, SIZE))
                save(tmp_path / "wsirois" / "roi-level-annotations" / subset / "masks" / name, mask(k))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {s for names in slides.values() for s in names} and _apart(index)
    assert "the slide each tile was cut from" in index.pairing[-1]


def test_one_eye_in_sibling_trees_of_image_and_mask_folders_groups_by_its_name(tmp_path: Path) -> None:
    """ROSE: `ROSE-1/SVC/train/img/01.tif` + `gt/01.tif`, again under `DVC/` and `SVC_DVC/`: one eye's
    OCTA at three depths of the retina, each its own pair, were three groups, so a drawn val split
    held eye 01's DVC image while training on its SVC one. ROSE-2's pairs (other eyes) stay a group each."""
    for plexus in ("SVC", "DVC", "SVC_DVC"):
        for split, eyes in (("train", (1, 2, 3, 4)), ("test", (5, 6))):
            for eye in eyes:
                save(tmp_path / "ROSE-1" / plexus / split / "img" / f"{eye:02d}.tif", photo(eye, SIZE)[..., 0])
                save(tmp_path / "ROSE-1" / plexus / split / "gt" / f"{eye:02d}.tif", mask(eye))
    for split, eyes in (("train", (1, 2)), ("test", (3,))):
        for eye in eyes:
            save(tmp_path / "ROSE-2" / split / "original" / f"{eye:02d}_ROSE-2.png", photo(10 + eye, SIZE)[..., 0])
            save(tmp_path / "ROSE-2" / split / "gt" / f"{eye:02d}_ROSE-2.png", mask(eye))
    index = discover(tmp_path)
    assert len(index.pairs) == 3 * 6 + 3
    rose1 = {p.image.relative_to(tmp_path).as_posix(): p.group for p in index.pairs if p.image.parts[-5] == "ROSE-1"}
    assert {group for group in rose1.values()} == {f"ROSE-1/{split}/img/{eye:02d}" for split, eyes in (
        ("train", (1, 2, 3, 4)), ("test", (5, 6))) for eye in eyes}
    assert rose1["ROSE-1/DVC/train/img/01.tif"] == rose1["ROSE-1/SVC/train/img/01.tif"] == "ROSE-1/train/img/01"
    rose2 = [p.group for p in index.pairs if "ROSE-2" in p.image.parts]
    assert len(set(rose2)) == 3 and "sibling folders that repeat one image and mask tree" in index.pairing[-1]


def test_objects_numbering_their_photos_in_each_defect_folder_are_no_versions_of_one_subject(tmp_path: Path) -> None:
    """MVTec 3D-AD: `bagel/test/crack/rgb/000.png` + `gt/000.png`, again under `cable_gland/`: two
    objects' photos, each numbered from 000 in every defect folder, were one subject (ROSE's rule,
    then MIDV-2020's), so a split kept a bagel's crack with a cable gland's."""
    for obj in ("bagel", "cable_gland"):
        for defect in ("crack", "good", "hole"):
            for i in range(2):
                save(tmp_path / obj / "test" / defect / "rgb" / f"{i:03d}.png", photo(i, SIZE))
                save(tmp_path / obj / "test" / defect / "gt" / f"{i:03d}.png", mask(i))
        save(tmp_path / obj / "train" / "good" / "rgb" / "000.png", photo(9, SIZE))
    index = discover(tmp_path)
    assert len(index.pairs) == 12 and {p.group for p in index.pairs} == {None}


def midv(root: Path) -> None:
    """MIDV-2020: `<top>/images/<doctype>/NN.jpg` under `templates/`, `scan_upright/` and `photo/`,
    regions in one VIA 2 project a document type, `<top>/annotations/<doctype>.json`."""
    for top in ("templates", "scan_upright", "photo"):
        for doctype in ("alb_id", "esp_id", "grc_passport"):
            metadata = {}
            for n in range(2):
                image = root / top / "images" / doctype / f"{n:02d}.jpg"
                save(image, photo(n, SIZE))
                size = image.stat().st_size
                quad = {"name": "polygon", "all_points_x": [2, 13, 13, 2], "all_points_y": [1, 1, 10, 10]}
                metadata[f"{image.name}{size}"] = {"filename": image.name, "size": size, "file_attributes": {},
                                                   "regions": [{"shape_attributes": quad,
                                                                "region_attributes": {"field_name": "doc_quad"}}]}
            (root / top / "annotations").mkdir(parents=True, exist_ok=True)
            (root / top / "annotations" / f"{doctype}.json").write_text(json.dumps(
                {"_via_settings": {}, "_via_img_metadata": metadata, "_via_image_id_list": list(metadata)}))


def test_one_document_in_top_folders_repeating_one_image_tree_groups_by_its_path(tmp_path: Path) -> None:
    """MIDV-2020's `templates/images/alb_id/00.jpg`, again under `scan_upright/` and `photo/` (masks
    painted from VIA files): one document captured three ways was three groups, so a drawn split
    trained on its scan and tested on its photo. Class folders repeating one folder of numbered
    names (`benign/images/000.png`) stay ungrouped."""
    midv(tmp_path / "midv")
    index = discover(tmp_path / "midv", cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 18 and index.format == "via"
    groups = {p.image.relative_to(tmp_path / "midv").as_posix(): p.group for p in index.pairs}
    assert len(set(groups.values())) == 6
    assert groups["templates/images/alb_id/00.jpg"] == groups["photo/images/alb_id/00.jpg"] == "images/alb_id/00"
    assert "top folders that repeat one tree of images" in index.pairing[-1]
    split_of = {p.group: split for split, pairs in split_pairs(index.pairs, seed=0).items() for p in pairs}
    assert all(split_of[p.group] == split for split, pairs in split_pairs(index.pairs, seed=0).items() for p in pairs)
    for top in ("benign", "malignant", "normal"):
        for n in range(3):
            save(tmp_path / "classes" / top / "images" / f"{n:03d}.png", photo(n, SIZE))
            save(tmp_path / "classes" / top / "masks" / f"{n:03d}.png", mask(n))
    assert {p.group for p in discover(tmp_path / "classes").pairs} == {None}


def test_medsam_slices_numbered_after_a_hyphen_group_by_their_case(tmp_path: Path) -> None:
    """MedSAM's `npy/CT_Abd/imgs/CT_Abd_FLARE22_Tr_0001-012.npy` + `gts/` (pre_CT_MR.py's
    `<case>-<slice:03d>`): a hyphen and three digits were no slice word, so a CT's slices straddled
    splits. A DICOM export's `IM-0001-0048` in each patient's folder is that patient's series."""
    root = tmp_path / "npy" / "CT_Abd"
    for folder in ("imgs", "gts"):
        (root / folder).mkdir(parents=True)
    for case in range(1, 7):
        for z in (12, 13, 40):
            name = f"CT_Abd_FLARE22_Tr_{case:04d}-{z:03d}"
            np.save(root / "imgs" / f"{name}.npy", photo(10 * case + z, SIZE).astype(np.float64) / 255)
            np.save(root / "gts" / f"{name}.npy", (mask(z) > 0).astype(np.uint8) * (1 + z % 3))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {f"CT_Abd_FLARE22_Tr_{case:04d}" for case in range(1, 7)}
    assert "the case id before its slice number" in index.pairing[-1] and _apart(index)


def test_biomedparse_names_group_by_the_patient_they_start_with(tmp_path: Path) -> None:
    """BiomedParse's `ACDC/train/patient001_frame01_1_MRI_heart.png` (a patient, a frame, a slice, the
    modality and site) with a mask per target, `train_mask/<stem>_myocardium.png`: the name ended in
    no slice or frame number, so a patient's frames and slices straddled splits."""
    patients = {"train": ["patient001", "patient002", "patient003", "patient004"], "test": ["patient101", "patient102"]}
    for split, names in patients.items():
        for n, patient in enumerate(names):
            for frame in ("frame01", "frame12"):
                for slice_ in (1, 2):
                    stem = f"{patient}_{frame}_{slice_}_MRI_heart"
                    save(tmp_path / "ACDC" / split / f"{stem}.png", photo(100 * n + 10 * slice_ + len(frame), SIZE))
                    for target in ("left+heart+ventricle", "myocardium"):
                        save(tmp_path / "ACDC" / f"{split}_mask" / f"{stem}_{target}.png", mask(n + len(target)))
    index = discover(tmp_path / "ACDC", task="multilabel")
    assert len(index.pairs) == 24
    assert {p.group for p in index.pairs} == {p for names in patients.values() for p in names}
    assert "the patient, case or subject id the name starts with" in index.pairing[-1]
    drawn = split_pairs(index.pairs, seed=0)
    assert not {p.group for p in drawn["train"]} & {p.group for p in drawn["val"]}


def test_a_writer_under_every_distortion_is_one_group(tmp_path: Path) -> None:
    """CVC-MUSCIMA's staff removal set: `CvcMuscima-Distortions/<distortion>/w-NN/image/pNNN.png` +
    `gt/pNNN.png`, every writer's pages under each distortion: a writer was a group per distortion,
    so a page trained on undistorted was validated on curved. Site folders numbering other
    patients (other files) stay apart."""
    root = tmp_path / "CvcMuscima-Distortions"
    for d, distortion in enumerate(("ideal", "curvature", "kanungo", "staffline-y-variation-v1")):
        for w, writer in enumerate(("w-01", "w-02", "w-35", "w-50")):
            for page in ("p001", "p012"):
                seed = 1000 * d + 10 * w + int(page[1:])
                save(root / distortion / writer / "image" / f"{page}.png", photo(seed, SIZE)[..., 0])
                save(root / distortion / writer / "gt" / f"{page}.png", mask(seed))
    index = discover(tmp_path)
    assert len(index.pairs) == 4 * 4 * 2
    assert {p.group for p in index.pairs} == {f"CvcMuscima-Distortions/w-{n}" for n in ("01", "02", "35", "50")}
    assert "a case's folder in each sibling tree together" in index.pairing[-1] and _apart(index)
    for site, pages in (("north", ("p001", "p002")), ("south", ("p003", "p004"))):
        for w, writer in enumerate(("01", "02", "03", "04")):
            for page in pages:
                save(tmp_path / "sites" / site / writer / "image" / f"{page}.png", photo(w, SIZE)[..., 0])
                save(tmp_path / "sites" / site / writer / "gt" / f"{page}.png", mask(w))
    assert len({p.group for p in discover(tmp_path / "sites").pairs}) == 8


def test_sen2fire_patches_group_by_the_scene_folder_they_are_named_after(tmp_path: Path) -> None:
    """Sen2Fire: `scene1/scene_1_patch_0_3.npz` holding `image` (H, W, 12), `label` and `aerosol`, a
    scene's patches in its folder: the folder (`scene1`) and the names (`scene_1_patch`) spelled the
    scene apart, so its patches were split at random, neighbours on both sides."""
    rng = np.random.default_rng(0)
    for scene in range(1, 5):
        for i, j in ((0, 3), (1, 4), (2, 5)):
            label = np.zeros(SIZE, np.uint8)
            label[i : i + 4, j : j + 5] = 1
            (tmp_path / "Sen2Fire" / f"scene{scene}").mkdir(parents=True, exist_ok=True)
            np.savez(tmp_path / "Sen2Fire" / f"scene{scene}" / f"scene_{scene}_patch_{i}_{j}.npz",
                     image=rng.integers(0, 4000, (*SIZE, 12)).astype(np.int16), label=label,
                     aerosol=rng.integers(0, 500, SIZE).astype(np.int16))
    index = discover(tmp_path / "Sen2Fire")
    assert len(index.pairs) == 12 and {p.group for p in index.pairs} == {f"scene{n}" for n in range(1, 5)}
    assert "a folder per slide or scene" in index.pairing[-1] and _apart(index)


def test_calfin_fronts_group_by_the_glacier_before_the_landsat_code(tmp_path: Path) -> None:
    """CALFIN's `training/data/train/<Glacier>_<LE07|LC08|LT05>_L1TP_<date>_<path-row>_T1_<band>_Subset_Raw.png`
    + `..._Subset_Mask.png`: one glacier's front on several dates, by three Landsat sensors, was no
    group (no full scene id), so a glacier trained on was validated on."""
    glaciers = ["Akullikassaap", "Upernavik-NE", "Rink-Isbrae", "Kangiata-Nunata-Sermia", "Jakobshavn"]
    sensors = [("LE07", "B4", "2003-06-10", "017-008"), ("LC08", "B5", "2014-08-12", "019-010"),
               ("LT05", "B4", "2008-07-11", "018-009")]
    for g, glacier in enumerate(glaciers):
        for s, (sensor, band, date, path_row) in enumerate(sensors):
            stem = f"{glacier}_{sensor}_L1TP_{date}_{path_row}_T1_{band}_Subset"
            save(tmp_path / "training" / "data" / "train" / f"{stem}_Raw.png", photo(10 * g + s, SIZE)[..., 0])
            save(tmp_path / "training" / "data" / "train" / f"{stem}_Mask.png", mask(g + s))
    index = discover(tmp_path, mask_pattern="{stem}_Mask.png")
    assert len(index.pairs) == 15 and {p.group for p in index.pairs} == set(glaciers)
    assert "the place named before its satellite's sensor code" in index.pairing[-1] and _apart(index)


def test_the_repeated_top_trees_rule_reads_each_image_folders_split_words_once(monkeypatch, tmp_path):
    """`by_repeated_top_trees`, the last rule, runs on every dataset no other rule groups: whether
    an image's folders name a split is asked once a folder, not once a pair (100,000 pairs under a
    few folders had taken twice as long)."""
    calls = []
    asked = sibling_trees.folder_split
    monkeypatch.setattr(sibling_trees, "folder_split", lambda name: calls.append(name) or asked(name))
    pairs = [Pair(f"{top}_{i}", tmp_path / top / "images" / f"{i:03d}.jpg", tmp_path / top / "masks" / f"{i:03d}.png")
             for top in ("templates", "photo") for i in range(200)]
    found = sibling_trees.by_repeated_top_trees(pairs, tmp_path)
    assert len(calls) == 2 * 2  # two image folders, two parts each
    assert found is None  # one folder below the tops: no tree of several folders repeated
