"""Dataset folders as their authors ship them, rebuilt from generated files: each is read with no
flag (or refused with the competing folders named, then read with the flag the message gives).

The layouts follow well-known public datasets: PASCAL VOC, ADE20K, Cityscapes, nnU-Net raw
folders, Kvasir-SEG, ISIC, DRIVE, CRACK500, Massachusetts roads, MVTec AD, and the shapes
users make themselves (capitalised folders, split folders above or below, side-by-side files,
manifests).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tracemalloc
from collections import Counter
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import tifffile
from PIL import Image

from seglab.cli import main
from seglab.data import discover, inspect_dataset, format_report, read_mask, split_pairs
from seglab.data.checking.audit import audit
from seglab.data.classes import load_classes_file, value_names_from_label_json
from seglab.data.classes.mapping import OffsetMapping
from seglab.data.discovery.naming.mask_patterns import pattern_for, unique_template_stems
from seglab.data.layouts.layout_refusal import what_was_seen
from seglab.errors import DataError

SIZE = (12, 16)


def photo(seed: int, size: tuple[int, int] = SIZE) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


def labels(seed: int, values: tuple[int, ...] = (0, 1, 2), dtype: type = np.uint8,
           size: tuple[int, int] = SIZE) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mask = np.full(size, values[0], dtype)
    h, w = size
    mask[h // 6 : h * 2 // 3, w // 5 : w * 3 // 5] = values[1 % len(values)]
    mask[h * 3 // 4 :, w * 3 // 4 :] = values[-1]
    mask[0, 0] = values[int(rng.integers(len(values)))]
    return mask


def save(path: Path, array: np.ndarray, palette: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(array)
    if palette:
        image = image.convert("P") if array.ndim == 3 else Image.fromarray(array, mode="L").convert("P")
        image.putpalette([v for i in range(256) for v in (i * 7 % 256, i * 13 % 256, i * 29 % 256)])
    image.save(path)
    return path


def relative(index, attribute: str = "image") -> list[str]:
    return sorted(getattr(p, attribute).relative_to(index.root).as_posix() for p in index.pairs)


# --- the layouts --------------------------------------------------------------------------------


def voc(root: Path) -> None:
    base = root / "VOCdevkit" / "VOC2012"
    for i in range(6):
        name = f"2007_{i:06d}"
        save(base / "JPEGImages" / f"{name}.jpg", photo(i))
        border = labels(i, (0, 15, 255))
        if i < 4:  # VOC annotates only some of its images for segmentation
            save(base / "SegmentationClass" / f"{name}.png", border)
            save(base / "SegmentationObject" / f"{name}.png", labels(i, (0, 1, 2)))
    (base / "ImageSets" / "Segmentation").mkdir(parents=True)
    (base / "ImageSets" / "Segmentation" / "train.txt").write_text("2007_000000\n")
    (base / "Annotations").mkdir()
    (base / "Annotations" / "2007_000000.xml").write_text("<annotation/>")


def ade(root: Path) -> None:
    base = root / "ADEChallengeData2016"
    for split, count in (("training", 5), ("validation", 2)):
        for i in range(count):
            save(base / "images" / split / f"ADE_{split[:5]}_{i:08d}.jpg", photo(i + 100 * (split == "validation")))
            # over the dataset every label up to 150 is near another, as in ADE20K's 150 classes
            save(base / "annotations" / split / f"ADE_{split[:5]}_{i:08d}.png", labels(i, (0, 30 * i + 15, 30 * i + 30)))
    (base / "objectInfo150.csv").write_text("Idx,Ratio,Train,Val,Name\n")


def cityscapes(root: Path, train_ids: bool = False, train_values: tuple[int, ...] = (0, 8, 13)) -> None:
    """`train_ids`: with cityscapesscripts' `_gtFine_labelTrainIds.png` beside the label ids
    (`train_values` those of ids 7, 21 and 26: road, vegetation, car)."""
    for split, cities in (("train", ("aachen", "bochum")), ("val", ("frankfurt",))):
        for city in cities:
            for i in range(2):
                name = f"{city}_{i:06d}_000019"
                save(root / "leftImg8bit" / split / city / f"{name}_leftImg8bit.png", photo(i + 10 * len(city)))
                gt = root / "gtFine" / split / city
                save(gt / f"{name}_gtFine_labelIds.png", labels(i, (7, 21, 26)))
                if train_ids:
                    save(gt / f"{name}_gtFine_labelTrainIds.png", labels(i, train_values))
                save(gt / f"{name}_gtFine_color.png", photo(i + 50))
                save(gt / f"{name}_gtFine_instanceIds.png", labels(i, (0, 26001, 26002), np.uint16))
                (gt / f"{name}_gtFine_polygons.json").write_text("{}")


def nnunet(root: Path) -> None:
    base = root / "Dataset042_Roads"
    for i in range(4):
        save(base / "imagesTr" / f"road_{i:03d}_0000.png", photo(i))
        save(base / "labelsTr" / f"road_{i:03d}.png", labels(i, (0, 1, 1)))
    save(base / "imagesTs" / "road_100_0000.png", photo(9))
    (base / "dataset.json").write_text(json.dumps({
        "channel_names": {"0": "R"}, "labels": {"background": 0, "road": 1}, "numTraining": 4, "file_ending": ".png",
    }))


def kvasir(root: Path) -> None:
    base = root / "Kvasir-SEG" / "Kvasir-SEG"
    for i in range(4):
        name = f"cju0qkwl35piu0993l0dewei{i}"
        save(base / "images" / f"{name}.jpg", photo(i, (60, 80)))
        save(base / "masks" / f"{name}.jpg", labels(i, (0, 255, 255), size=(60, 80)))  # JPEG-noisy edges
    (root / "Kvasir-SEG" / "kavsir_bboxes.json").write_text("{}")


def isic(root: Path) -> None:
    for i in range(4):
        save(root / "ISIC2018_Task1-2_Training_Input" / f"ISIC_{i:07d}.jpg", photo(i))
        save(root / "ISIC2018_Task1_Training_GroundTruth" / f"ISIC_{i:07d}_segmentation.png", labels(i, (0, 255, 255)))
    (root / "ISIC2018_Task1-2_Training_Input" / "LICENSE.txt").write_text("CC-BY-NC")


def drive(root: Path) -> None:
    for split, numbers in (("training", range(21, 25)), ("test", range(1, 3))):
        for n in numbers:
            save(root / split / "images" / f"{n:02d}_{split}.tif", photo(n))
            save(root / split / "1st_manual" / f"{n:02d}_manual1.gif", labels(n, (0, 255, 255)))
            save(root / split / "mask" / f"{n:02d}_{split}_mask.gif", labels(0, (0, 255, 255)))


def chase(root: Path, mask_suffix: str = ".png") -> None:
    """CHASE_DB1: one flat folder, two observers' vessel masks named after each image."""
    for n in range(1, 3):
        for eye in "LR":
            name = f"Image_{n:02d}{eye}"
            save(root / "CHASEDB1" / f"{name}.jpg", photo(n + 10 * (eye == "R")))
            save(root / "CHASEDB1" / f"{name}_1stHO{mask_suffix}", labels(n, (0, 255, 255)))
            save(root / "CHASEDB1" / f"{name}_2ndHO{mask_suffix}", labels(n + 1, (0, 255, 255)))


def drone(root: Path) -> None:
    """Semantic Drone (Kaggle): images two levels down, colour masks inside a wrapper of their name."""
    base = root / "dataset" / "semantic_drone_dataset"
    for i in range(3):
        save(base / "original_images" / f"{i:03d}.jpg", photo(i))
        save(base / "label_images_semantic" / f"{i:03d}.png", labels(i, (1, 2, 3)))
        save(root / "RGB_color_image_masks" / "RGB_color_image_masks" / f"{i:03d}.png", labels(i, (10, 20, 30)))


def crack500(root: Path) -> None:
    for i in range(4):
        save(root / "CRACK500" / "traincrop" / f"20160222_08{i:04d}_1_1.jpg", photo(i))
        save(root / "CRACK500" / "traincrop" / f"20160222_08{i:04d}_1_1.png", labels(i, (0, 255, 255)))


def mass_roads(root: Path) -> None:
    for split, count in (("train", 3), ("val", 1), ("test", 1)):
        for i in range(count):
            save(root / "tiff" / split / f"{10078660 + i}_15.tiff", photo(i + 10 * len(split)))
            save(root / "tiff" / f"{split}_labels" / f"{10078660 + i}_15.tif", labels(i, (0, 255, 255)))


def mvtec(root: Path) -> None:
    base = root / "bottle"
    for i in range(3):
        save(base / "train" / "good" / f"{i:03d}.png", photo(i))
        save(base / "test" / "good" / f"{i:03d}.png", photo(i + 10))
        for defect in ("broken_large", "contamination"):
            save(base / "test" / defect / f"{i:03d}.png", photo(i + 20))
            save(base / "ground_truth" / defect / f"{i:03d}_mask.png", labels(i, (0, 255, 255)))
    (base / "license.txt").write_text("CC BY-NC-SA 4.0")


def capitals(root: Path) -> None:
    for i in range(4):
        save(root / "Images" / f"IMG_{i}.PNG", photo(i))
        save(root / "Masks" / f"IMG_{i}.PNG", labels(i))


def splits_above(root: Path) -> None:
    for split, count in (("train", 4), ("valid", 2)):
        for i in range(count):
            save(root / split / "imgs" / f"{split}{i}.png", photo(i + (100 if split != "train" else 0)))
            save(root / split / "gt" / f"{split}{i}_gt.png", labels(i))


def splits_below(root: Path) -> None:
    for split, count in (("Train", 4), ("Test", 2)):
        for i in range(count):
            save(root / "images" / split / f"{split}_{i}.jpg", photo(i + 10 * len(split)))
            save(root / "labels" / split / f"{split}_{i}_label.PNG", labels(i))


def side_by_side_suffix(root: Path) -> None:
    for i in range(4):
        save(root / "data" / f"cell{i}.png", photo(i))
        save(root / "data" / f"cell{i}_mask.png", labels(i, (0, 255, 255)))


def numbers_only(root: Path) -> None:
    for i in range(1, 5):
        save(root / "raw" / f"img_{i:03d}.png", photo(i))
        save(root / "seg" / f"segm_{i}.png", labels(i))


def unnamed_folders(root: Path) -> None:
    for i in range(4):
        save(root / "A" / f"{i}.jpg", photo(i))
        save(root / "B" / f"{i}.png", labels(i))


def stray_files(root: Path) -> None:
    capitals(root)
    np.save(root / "class_weights.npy", np.ones(3, np.float32))
    save(root / "overview.png", photo(99))
    (root / "meta.mat").write_bytes(b"MATLAB 5.0")


def csv_manifest(root: Path) -> Path:
    rows = ["image,mask,split,subject"]
    for i in range(6):
        save(root / "pics" / f"p{i}.jpg", photo(i))
        save(root / "anno" / f"p{i}-seg.png", labels(i))
        rows.append(f"pics/p{i}.jpg,anno/p{i}-seg.png,{'train' if i < 4 else 'test'},s{i // 2}")
    (root / "pairs.csv").write_text("\n".join(rows) + "\n")
    return root / "pairs.csv"


def json_manifest(root: Path) -> Path:
    items = []
    for i in range(5):
        save(root / "x" / f"{i}.png", photo(i))
        save(root / "y" / f"{i}.png", labels(i))
        items.append({"image": f"x/{i}.png", "label": f"y/{i}.png"})
    (root / "dataset.json").write_text(json.dumps({"training": items[:4], "test": [items[4]]}))
    return root / "dataset.json"


# (build, pairs, how the first pair's mask is named relative to the root, split counts or None,
#  how masks are read, number of classes)
READ_AS_SHIPPED = [
    (ade, 7, "ADEChallengeData2016/annotations/training/ADE_train_00000000.png", {"train": 5, "val": 2}, "identity", 151),
    (cityscapes, 6, "gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png", {"train": 4, "val": 2}, "labels",
     19),
    (nnunet, 4, "Dataset042_Roads/labelsTr/road_000.png", None, "identity", 2),
    (kvasir, 4, "Kvasir-SEG/Kvasir-SEG/masks/cju0qkwl35piu0993l0dewei0.jpg", None, "threshold", 2),
    (isic, 4, "ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png", None, "binary", 2),
    (crack500, 4, "CRACK500/traincrop/20160222_080000_1_1.png", None, "binary", 2),
    (mass_roads, 5, "tiff/test_labels/10078660_15.tif", {"train": 3, "val": 1, "test": 1}, "binary", 2),
    (mvtec, 6, "bottle/ground_truth/broken_large/000_mask.png", None, "binary", 2),
    (capitals, 4, "Masks/IMG_0.PNG", None, "identity", 3),
    (splits_above, 6, "train/gt/train0_gt.png", {"train": 4, "val": 2}, "identity", 3),
    (splits_below, 6, "labels/Test/Test_0_label.PNG", {"train": 4, "test": 2}, "identity", 3),
    (side_by_side_suffix, 4, "data/cell0_mask.png", None, "binary", 2),
    (numbers_only, 4, "seg/segm_1.png", None, "identity", 3),
    (unnamed_folders, 4, "B/0.png", None, "identity", 3),
]


@pytest.mark.parametrize(("build", "count", "first_mask", "splits", "mapping", "classes"), READ_AS_SHIPPED,
                         ids=[c[0].__name__ for c in READ_AS_SHIPPED])
def test_folders_are_read_as_shipped(tmp_path, build, count, first_mask, splits, mapping, classes):
    build(tmp_path)
    report = inspect_dataset(tmp_path)  # what `seglab inspect` and `seglab train` read
    index = report.index
    assert index.format == "folder-pairs"
    assert len(index.pairs) == count, index.pairing
    assert first_mask in relative(index, "mask")
    for pair in index.pairs:  # every image is paired with its own mask
        assert pair.image.suffix.lower() in (".jpg", ".png", ".tif", ".tiff")
        assert pair.image != pair.mask
    found = {s: sum(p.split == s for p in index.pairs) for s in ("train", "val", "test")}
    if splits is None:
        assert all(p.split is None for p in index.pairs)
    else:
        assert {k: v for k, v in found.items() if v} == splits
    matched = [line for line in index.pairing if "--unmasked-background" not in line]  # MVTec's good/: a note
    assert matched and all("pairs by" in line for line in matched)
    assert index.mapping.kind == mapping and report.classes.num_classes == classes
    assert not report.fatal, [str(p) for p in report.fatal]


def zhixuhao_unet(repo: Path) -> Path:
    """zhixuhao/unet after its notebook and main.py ran: ISBI 2012's grey slices and 0/255 labels
    in data/membrane/train/image/ + label/, the notebook's augmented copies in train/aug/
    (image_<i>_<n>.png beside mask_<i>_<n>.png), the test slices with main.py's predictions
    beside them (test/<i>_predict.png); returns data/membrane/."""
    membrane = repo / "data" / "membrane"
    for i in range(4):
        label = np.where(labels(i) == 0, 0, 255).astype(np.uint8)
        save(membrane / "train" / "image" / f"{i}.png", photo(i)[..., 0])
        save(membrane / "train" / "label" / f"{i}.png", label)
        save(membrane / "train" / "aug" / f"image_{i}_{4000 + i}.png", photo(i)[::-1, :, 0])
        save(membrane / "train" / "aug" / f"mask_{i}_{4000 + i}.png", label[::-1])
    for i in range(2):
        save(membrane / "test" / f"{i}.png", photo(10 + i)[..., 0])
        save(membrane / "test" / f"{i}_predict.png", photo(20 + i)[..., 1])
    (repo / "unet_membrane.hdf5").write_bytes(b"\x89HDF\r\n\x1a\n")
    return membrane


@pytest.mark.parametrize("at", ["repository", "membrane"])
def test_zhixuhao_unets_augmented_copies_and_predictions_are_set_aside(tmp_path, caplog, at):
    membrane = zhixuhao_unet(tmp_path / "unet")
    for name in ("2.png", "2_1.png"):  # two photos of a test folder, one named after the other: both images
        shutil.copy(membrane / "test" / "0.png", membrane / "test" / name)
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path / "unet" if at == "repository" else membrane)
    assert sorted(p.image.relative_to(membrane).as_posix() for p in index.pairs) == [
        f"train/image/{i}.png" for i in range(4)]
    assert index.classes.names == ("membrane", "cell")  # ISBI 2012's, once aug/ is no mask folder
    assert sorted(p.name for p in index.unlabelled) == ["0.png", "1.png", "2.png", "2_1.png"]
    ignored = {p.relative_to(membrane).as_posix() for p in index.ignored if p.is_relative_to(membrane)}
    assert {"test/0_predict.png", "test/1_predict.png", "train/aug/image_0_4000.png",
            "train/aug/mask_0_4000.png"} <= ignored
    assert "train/aug/ holds augmented copies of the pairs (8 files" in caplog.text
    assert not [p for p in index.problems if p.path is not None and "aug" in p.path.parts]
    assert len(discover(membrane / "train" / "aug").pairs) == 4  # the route the log gives


def test_cityscapes_other_annotations_are_ignored_not_unpaired(tmp_path):
    cityscapes(tmp_path)
    index = discover(tmp_path)
    assert not [p for p in index.problems if p.code == "mask-without-image"]
    ignored = {p.name for p in index.ignored}
    assert "aachen_000000_000019_gtFine_color.png" in ignored
    assert "without mask/image affixes" in index.pairing[0]


def test_cityscapes_train_ids_beside_label_ids_read_the_ids_and_a_pattern_reads_either(tmp_path):
    """Label ids and the train ids made from them are one annotation in two encodings, no choice."""
    cityscapes(tmp_path, train_ids=True)
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and all(p.mask.name.endswith("_gtFine_labelIds.png") for p in index.pairs)
    assert {p.name for p in index.ignored} >= {"aachen_000000_000019_gtFine_labelTrainIds.png"}
    assert not [p for p in index.problems if p.code in ("mask-without-image", "duplicate-name")]
    for pattern in ("{stem}_gtFine_labelTrainIds.png", r"(.+)_gtFine_labelTrainIds\.png"):
        index = discover(tmp_path, mask_pattern=pattern)
        assert len(index.pairs) == 6
        for pair in index.pairs:
            assert pair.mask.name == pair.image.name.replace("_leftImg8bit", "_gtFine_labelTrainIds")


def test_cityscapes_train_ids_unlike_the_label_ids_are_refused_counting_every_folder(tmp_path):
    cityscapes(tmp_path, train_ids=True, train_values=(0, 8, 14))  # car as 14: train ids of another table
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)  # 3 cities of 2 images: counted over the dataset, not the first folder
    assert "--mask-pattern '{stem}_gtFine_labelIds.png': 6 masks" in message
    assert "--mask-pattern '{stem}_gtFine_labelTrainIds.png': 6 masks" in message


@pytest.mark.parametrize("wrapper", ["", "cityscapes_download"])
def test_cityscapes_named_by_its_top_folders_pairs_their_mirrored_subfolders(tmp_path, wrapper):
    cityscapes(tmp_path / wrapper)
    index = discover(tmp_path, images="leftImg8bit", masks="gtFine")  # files sit in split/city/ below them
    assert relative(index, "mask") == relative(discover(tmp_path), "mask")
    assert len(index.pairs) == 6 and {p.split for p in index.pairs} == {"train", "val"}
    assert all(p.mask.parent.name == p.image.parent.name for p in index.pairs)


def test_cityscapes_named_by_its_top_folders_refuses_rival_namings_as_without_flags(tmp_path):
    cityscapes(tmp_path, train_ids=True, train_values=(0, 8, 14))
    with pytest.raises(DataError, match=r"--mask-pattern '\{stem\}_gtFine_labelTrainIds.png': 6 masks"):
        discover(tmp_path, images="leftImg8bit", masks="gtFine")
    index = discover(tmp_path, images="leftImg8bit", masks="gtFine", mask_pattern="{stem}_gtFine_labelTrainIds.png")
    assert len(index.pairs) == 6 and all(p.mask.name.endswith("_gtFine_labelTrainIds.png") for p in index.pairs)


def test_ade20k_object_info_names_the_label_values_and_ignore_0_lines_them_up(tmp_path, caplog):
    ade(tmp_path)  # masks hold 0 (ADE's 'other') and values up to 150
    rows = "".join(f"{v},0.01,10,1,thing{v};alias{v}\n" for v in range(1, 151))
    (tmp_path / "ADEChallengeData2016" / "objectInfo150.csv").write_text(f"Idx,Ratio,Train,Val,Name\n{rows}")
    report = inspect_dataset(tmp_path)
    assert report.classes.names[:3] == ("class_0", "thing1", "thing2") and report.classes.num_classes == 151
    assert "objectInfo150.csv' names no class for mask value 0" in caplog.text and "--ignore-index 0" in caplog.text
    assert "objectInfo150.csv" not in {p.name for p in report.index.ignored}
    report = inspect_dataset(tmp_path, ignore_index=0)  # values 1..150 are classes 0..149
    assert report.classes.names[:2] == ("thing1", "thing2") and report.classes.num_classes == 150
    assert report.stats.mask_values[15 - 1] > 0 and "  14  thing15" in format_report(report)


def test_ade20k_object_info_as_its_zip_ships_it_tab_separated_names_the_values(tmp_path):
    """The ADEChallengeData2016 zip ships objectInfo150.txt (tabs; synonyms `building, edifice`),
    not the devkit's .csv: no name was read, and the values beyond the inferred classes were
    offered as ignore labels."""
    ade(tmp_path)
    rows = "".join(f"{v}\t0.01\t10\t1\tthing{v}, alias{v}\n" for v in range(1, 151))
    (tmp_path / "ADEChallengeData2016" / "objectInfo150.txt").write_text(f"Idx\tRatio\tTrain\tVal\tName\n{rows}")
    report = inspect_dataset(tmp_path, ignore_index=0)
    assert report.classes.names[:2] == ("thing1", "thing2") and report.classes.num_classes == 150


def test_ade20k_object_info_names_detectron2s_reduced_masks_one_down(tmp_path, caplog):
    """Detectron2 and Mask2Former read ADEChallengeData2016/annotations_detectron2/, which
    prepare_ade20k_sem_seg.py writes as value - 1 with 0 ('other') made 255. Before: --masks
    annotations_detectron2 named them by objectInfo150 as they were: value 0 (wall) class_0,
    value 1 (building) 'wall', every name one off and no word said."""
    ade(tmp_path)
    base = tmp_path / "ADEChallengeData2016"
    for mask in sorted((base / "annotations").rglob("*.png")):
        values = np.asarray(Image.open(mask)).astype(np.int16) - 1
        save(base / "annotations_detectron2" / mask.relative_to(base / "annotations"),
             np.where(values < 0, 255, values).astype(np.uint8))
    rows = "".join(f"{v}\t0.01\t10\t1\tthing{v}\n" for v in range(1, 151))
    (base / "objectInfo150.txt").write_text(f"Idx\tRatio\tTrain\tVal\tName\n{rows}")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="ADEChallengeData2016/annotations_detectron2")
    assert index.classes.names[:2] == ("thing1", "thing2") and index.classes.num_classes == 150
    assert index.ignore_index == 255 and "they are its reduced copy" in caplog.text
    index = discover(tmp_path, masks="ADEChallengeData2016/annotations")  # the unreduced masks: as before
    assert index.classes.names[:2] == ("class_0", "thing1") and index.classes.num_classes == 151


def test_a_table_from_1_is_fitted_to_the_values_sampled_for_the_encoding(tmp_path, monkeypatch):
    """Whether objectInfo150 names the masks or their reduced copy is told by the values sampled
    to choose the encoding (`DatasetIndex.mask_values`): each mask was read a second time for it."""
    from seglab.data.encodings import mask_sample

    read = []
    reader = mask_sample.read_mask_and_alpha
    monkeypatch.setattr(mask_sample, "read_mask_and_alpha", lambda path: read.append(path) or reader(path))
    ade(tmp_path)
    base = tmp_path / "ADEChallengeData2016"
    (base / "objectInfo150.txt").write_text("Idx\tRatio\tTrain\tVal\tName\n" + "".join(
        f"{v}\t0.01\t10\t1\tthing{v}\n" for v in range(1, 151)))
    index = discover(tmp_path)
    assert index.value_names.names[1] == "thing1" and 0 not in index.value_names.names
    assert sorted(read) == sorted((base / "annotations").rglob("*.png"))


def test_nnunet_raw_folder_takes_class_names_from_dataset_json(tmp_path):
    nnunet(tmp_path)
    index = discover(tmp_path / "Dataset042_Roads")
    assert index.classes is not None and index.classes.names == ("background", "road")
    assert [p.name for p in index.unlabelled] == ["road_100_0000.png"]


def test_nnunet_raw_folder_with_gaps_in_its_label_ids_keeps_their_names_in_id_order(tmp_path, text_reads):
    """A dataset.json naming ids with gaps (ToothFairy2's FDI tooth numbers 11-18, 21-28, ...) was
    dropped: the classes were class_0 ... class_21, one per id up to the largest held. Its ids are
    the classes in id order, the ids it skips the ignore label; the file is read once, not once
    for the classes and again for the values' names."""
    nnunet(tmp_path)
    base = tmp_path / "Dataset042_Roads"
    for i in range(4):
        save(base / "labelsTr" / f"road_{i:03d}.png", labels(i, (0, 11, 21)))
    (base / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "kerb": 1, "lane 11": 11, "lane 21": 21},
                                                   "file_ending": ".png"}))
    index = discover(base)
    assert index.classes is not None and index.classes.names == ("background", "kerb", "lane 11", "lane 21")
    assert (dict(index.mapping.values)[21], index.ignore_index) == (3, 255)
    assert [p for p in text_reads if p.name == "dataset.json"] == [base / "dataset.json"]


def test_split_below_keeps_the_test_folder_and_draws_val_from_train(tmp_path):
    splits_below(tmp_path)
    index = discover(tmp_path)
    split = split_pairs(index.pairs, (0.5, 0.5, 0.0))
    assert sorted(p.name for p in split["test"]) == ["Test_0", "Test_1"]
    assert len(split["train"]) == 2 and len(split["val"]) == 2


def test_val_and_test_folders_alone_keep_the_test_folder_and_draw_train_from_val(tmp_path, caplog):
    """WSSS4LUAD: masks only in `2.validation/{img,mask,background-mask}/` and `3.testing/...`
    (`1.training/` holds unlabelled images): with `--masks mask` the split was drawn over both
    folders, training on the official test images."""
    for i in range(8):
        save(tmp_path / "1.training" / f"43621{i}-7159-48057-[1, 0, 0].png", photo(i))
    for folder, names in (("2.validation", range(6)), ("3.testing", range(6, 9))):
        for i in names:
            save(tmp_path / folder / "img" / f"{i:02d}.png", photo(i))
            save(tmp_path / folder / "mask" / f"{i:02d}.png", labels(i, (0, 1, 2, 3)), palette=True)
            save(tmp_path / folder / "background-mask" / f"{i:02d}.png", labels(i, (0, 255)))
    index = discover(tmp_path, masks="mask")
    assert {(p.image.parts[-3], p.split) for p in index.pairs} == {("2.validation", "val"), ("3.testing", "test")}
    caplog.set_level("INFO", logger="seglab")
    split = split_pairs(index.pairs, seed=0)
    assert {p.image.parts[-3] for p in split["test"]} == {"3.testing"} and len(split["test"]) == 3
    assert {p.image.parts[-3] for p in split["train"] + split["val"]} == {"2.validation"} and split["val"]
    assert "has no train pairs (val 6, test 3): train and val are drawn from its val pairs" in caplog.text


def test_numbered_test_sets_and_a_val_word_beside_a_split_folder_give_their_splits(tmp_path, caplog):
    """DIS5K: `DIS5K/DIS-TR/{im,gt}/` beside `DIS-VD/` (validation) and `DIS-TE1/`..`DIS-TE4/` (four
    test sets): `vd` and `te1` were no split words, so the split was drawn and the official test
    images trained on without a word. Beside no split folder such names say nothing."""
    plan = {"DIS-TR": 4, "DIS-VD": 2, "DIS-TE1": 1, "DIS-TE2": 1, "DIS-TE3": 1, "DIS-TE4": 1}
    k = 0
    for folder, count in plan.items():
        for _ in range(count):
            name = f"{1 + k}#Accessories#1#Bag#{2339506821 + k}_o"
            save(tmp_path / "DIS5K" / folder / "im" / f"{name}.jpg", photo(k))
            save(tmp_path / "DIS5K" / folder / "gt" / f"{name}.png", labels(k, (0, 255)))
            k += 1
    index = discover(tmp_path)
    expected = {"DIS-TR": "train", "DIS-VD": "val", **{f"DIS-TE{n}": "test" for n in range(1, 5)}}
    assert {(p.image.parts[-3], p.split) for p in index.pairs} == set(expected.items())
    save(tmp_path / "more" / "extra" / "im" / "1.jpg", photo(1))  # a folder naming no split beside them: said
    save(tmp_path / "more" / "extra" / "gt" / "1.png", labels(1, (0, 255)))
    (tmp_path / "DIS5K").rename(tmp_path / "more" / "DIS5K")
    index = discover(tmp_path / "more")
    assert {p.split for p in index.pairs} == {None}
    assert "DIS5K/DIS-TE1/im/ is in a test split folder but extra/im/ is in none" in caplog.text
    from seglab.data.discovery.naming.split_words import sibling_splits

    assert sibling_splits(["vd", "te1", "TS01", "TS02"]) == dict.fromkeys(["vd", "te1", "TS01", "TS02"])
    assert sibling_splits(["train", "test1", "test2"]) == {"train": "train", "test1": "test", "test2": "test"}


def test_a_masks_naming_puts_its_key_where_the_name_holds_it_not_at_its_first_match():
    from seglab.data.discovery.naming.learned_rules import naming_template

    assert naming_template(Path("v2_2.png"), "2") == "v2_{stem}.png"  # image 2's mask, prefix 'v2_'
    assert naming_template(Path("A1_A1_mask.PNG"), "a1") == "{stem}_A1_mask.PNG"
    assert naming_template(Path("x_07_gt.png"), "07") == "x_{stem}_gt.png"  # neither end: the first match
    assert naming_template(Path("other.png"), "07") == "other.png"


def test_two_mask_folders_are_refused_with_both_named_and_the_flag(tmp_path):
    drive(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "test/1st_manual/: 2 pairs" in message and "test/mask/: 2 pairs" in message
    assert "--masks 1st_manual" in message
    index = discover(tmp_path, masks="1st_manual")
    assert len(index.pairs) == 6
    assert {p.mask.name for p in index.pairs} >= {"21_manual1.gif", "01_manual1.gif"}
    assert {p.split for p in index.pairs} == {"train", "test"}


def viton(root: Path) -> None:
    """VITON-HD: persons in image/, their parse maps (palette PNGs) in image-parse-v3/ and a
    variant in image-parse-agnostic-v3.2/; the garments in cloth/, their masks as JPEG in
    cloth-mask/, all named alike."""
    for split, count in (("train", 3), ("test", 2)):
        for i in range(count):
            name, base = f"{i:05d}_00", root / split
            save(base / "image" / f"{name}.jpg", photo(i))
            save(base / "image-parse-v3" / f"{name}.png", labels(i, (0, 5, 13)), palette=True)
            save(base / "image-parse-agnostic-v3.2" / f"{name}.png", labels(i, (0, 13, 13)), palette=True)
            save(base / "cloth" / f"{name}.jpg", photo(10 + i))
            save(base / "cloth-mask" / f"{name}.jpg", labels(i, (0, 255, 255)))


def test_a_mask_folder_named_for_a_sibling_image_folder_is_its_and_parse_maps_are_offered(tmp_path):
    viton(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "cloth-mask" not in message.split("pass the one")[0]
    assert "image-parse-v3/: 2 pairs" in message and "--masks image-parse-v3" in message
    index = discover(tmp_path, images="image", masks="image-parse-v3")
    assert {p.mask.parent.name for p in index.pairs} == {"image-parse-v3"} and len(index.pairs) == 5
    assert {p.split for p in index.pairs} == {"train", "test"}


def test_the_refusal_of_parse_maps_names_the_image_folder_among_others_named_alike(tmp_path):
    viton(tmp_path)  # image-densepose/ beside image/ pairs with the parse maps too: --masks alone is refused again
    for split, count in (("train", 3), ("test", 2)):
        for i in range(count):
            save(tmp_path / split / "image-densepose" / f"{i:05d}_00.jpg", photo(20 + i))
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    route = str(info.value).split("e.g. ", 1)[1].splitlines()[0].split()
    assert route == ["--masks", "image-parse-v3", "--images", "image"]
    index = discover(tmp_path, masks=route[1], images=route[3])
    assert {p.image.parent.name for p in index.pairs} == {"image"} and len(index.pairs) == 5


def test_the_refusal_names_no_image_folder_where_the_others_are_its_channels(tmp_path):
    """MSRS: `{train,test}/vi/` (visible, colour) and `ir/` (infrared, grey), named alike, beside
    `Segmentation_labels/` and its colour rendering `Segmentation_visualize/`. The refusal offered
    `--masks Segmentation_labels --images ir`, which drops the visible image; `--masks` alone reads
    `vi/` and `ir/` as the channels of one image, as folders of colour and of a band are."""
    for split, count in (("train", 3), ("test", 2)):
        for i in range(count):
            name = f"{i:05d}{'DN'[i % 2]}.png"
            save(tmp_path / split / "vi" / name, photo(i))
            save(tmp_path / split / "ir" / name, photo(10 + i)[..., 0])
            save(tmp_path / split / "Segmentation_labels" / name, labels(i, (0, 1, 8)))
            save(tmp_path / split / "Segmentation_visualize" / name, photo(20 + i))
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    route = str(refused.value).split("e.g. ", 1)[1].split()
    assert route == ["--masks", "Segmentation_labels"]
    index = discover(tmp_path, masks=route[1])
    assert len(index.pairs) == 5 and all([f.parent.name for f in p.images] == ["vi", "ir"] for p in index.pairs)


def test_named_folders_pair_exactly_wherever_they_lie(tmp_path):
    drone(tmp_path)
    index = discover(tmp_path, images="original_images", masks="RGB_color_image_masks")
    assert relative(index, "mask") == [f"RGB_color_image_masks/RGB_color_image_masks/{i:03d}.png" for i in range(3)]
    assert relative(index) == [f"dataset/semantic_drone_dataset/original_images/{i:03d}.jpg" for i in range(3)]
    drive(tmp_path / "drive")  # names found at several levels still pair by place
    index = discover(tmp_path / "drive", images="images", masks="1st_manual")
    assert len(index.pairs) == 6 and {p.mask.parent.name for p in index.pairs} == {"1st_manual"}


def test_named_folders_at_several_places_that_do_not_pair_are_listed(tmp_path):
    for where in ("set1", "set2"):
        save(tmp_path / where / "pics" / f"{where}.png", photo(0))
    save(tmp_path / "labels" / "truth" / "set1.png", labels(0))
    with pytest.raises(DataError) as info:
        discover(tmp_path, images="pics", masks="truth")
    assert "--images: set1/pics/, set2/pics/" in str(info.value)


def test_named_folders_under_each_scene_pair_by_the_place_they_share(tmp_path):
    for day in ("day1", "day2"):  # Sugar Beets: <day>/images/rgb/ + <day>/annotations/dlp/colorCleaned/
        for i in range(2):
            save(tmp_path / "beets" / day / "images" / "rgb" / f"{day}_frame{i}.png", photo(i))
            save(tmp_path / "beets" / day / "annotations" / "dlp" / "colorCleaned" / f"{day}_frame{i}.png", labels(i))
    index = discover(tmp_path / "beets", images="rgb", masks="colorCleaned")
    assert {(p.image.parts[-4], p.mask.parts[-5]) for p in index.pairs} == {("day1", "day1"), ("day2", "day2")}
    for split, zone in (("train", "D006/Z1"), ("train", "D006/Z2"), ("test", "D012/Z3")):  # FLAIR's mirrored trees
        for i in range(2):
            save(tmp_path / "flair" / f"flair_aerial_{split}" / zone / "img" / f"IMG_{zone[-1]}0{i}.png", photo(i))
            save(tmp_path / "flair" / f"flair_labels_{split}" / zone / "msk" / f"MSK_{zone[-1]}0{i}.png", labels(i))
    index = discover(tmp_path / "flair", images="img", masks="msk")
    assert [(p.image.name, p.mask.name, p.split) for p in index.pairs][:2] == [
        ("IMG_100.png", "MSK_100.png", "train"), ("IMG_101.png", "MSK_101.png", "train")]
    assert all(p.image.parts[-4:-2] == p.mask.parts[-4:-2] for p in index.pairs) and len(index.pairs) == 6
    assert {p.split for p in index.pairs} == {"train", "test"}


def test_split_image_folders_divide_one_flat_mask_folder(tmp_path):
    for split, numbers in (("Train", range(3)), ("Test", range(3, 5))):  # CAMO: Images/<split>/ + one GT/
        for i in numbers:
            save(tmp_path / "CAMO" / "Images" / split / f"camo_{i}.jpg", photo(i))
            save(tmp_path / "CAMO" / "GT" / f"camo_{i}.png", labels(i, (0, 255)))
    index = discover(tmp_path, images="Images", masks="GT")
    assert [(p.image.stem, p.mask.stem, p.split) for p in index.pairs] == [
        ("camo_0", "camo_0", "train"), ("camo_1", "camo_1", "train"), ("camo_2", "camo_2", "train"),
        ("camo_3", "camo_3", "test"), ("camo_4", "camo_4", "test")]
    assert not [p for p in audit(index).problems if p.code == "mask-without-image"]


def test_numbered_image_and_mask_folders_pair_as_cases_and_group(tmp_path):
    for slide in (1, 2, 3):  # TNBC: Slide_01/ beside GT_01/, a slide each
        for k in range(2):
            save(tmp_path / f"Slide_{slide:02d}" / f"p{slide}{'ab'[k]}.png", photo(k))
            save(tmp_path / f"GT_{slide:02d}" / f"p{slide}{'ab'[k]}.png", labels(k, (0, 255)))
    index = discover(tmp_path)
    assert {(p.image.parent.name, p.mask.parent.name) for p in index.pairs} == {
        ("Slide_01", "GT_01"), ("Slide_02", "GT_02"), ("Slide_03", "GT_03")}
    assert {p.name: p.group for p in index.pairs}["p1a"] == "Slide_01" and len({p.group for p in index.pairs}) == 3


def camvid_kaggle(root: Path) -> None:
    """CamVid as on Kaggle: train/ + train_labels/ colour masks, names in class_dict.csv."""
    (root / "class_dict.csv").write_text("name,r,g,b\nSky,128,128,128\nRoad,128,64,128\nCar,64,0,128\n")
    palette = np.array([(128, 128, 128), (128, 64, 128), (64, 0, 128)], np.uint8)
    for i in range(3):
        save(root / "train" / f"0001TP_{i:06d}.png", photo(i))
        save(root / "train_labels" / f"0001TP_{i:06d}_L.png", palette[labels(i)])


def test_class_dict_csv_names_the_colour_classes(tmp_path, caplog):
    camvid_kaggle(tmp_path)
    with caplog.at_level("INFO", logger="seglab"):
        index = discover(tmp_path)
    assert index.classes.names == ("Sky", "Road", "Car") and index.mapping.kind == "colour"
    assert index.classes.colours[2] == (64, 0, 128)
    assert "class_dict.csv" in caplog.text  # says where the names came from
    assert "class_dict.csv" not in {p.name for p in index.ignored}
    (tmp_path / "class_dict.csv").write_text("name,r,g,b\nSky,128,128\n")
    with pytest.raises(DataError, match=r"class_dict.csv', row 2: expected a name and three integers"):
        discover(tmp_path)


def test_voc_class_masks_are_read_as_voc_reads_them_not_its_object_masks(tmp_path, caplog):
    """VOC's 21 classes with the 255 border ignored; inferred, a subset made 16 unnamed classes
    (up to person, 15) and the border a fatal stray value. SegmentationObject/ beside numbers
    objects: it stopped discovery as a rival until --masks SegmentationClass was given."""
    voc(tmp_path)
    with caplog.at_level("INFO", logger="seglab"):
        report = inspect_dataset(tmp_path)
    assert "SegmentationObject/ holds object masks" in caplog.text and "--masks SegmentationObject" in caplog.text
    assert [m.name for m in {p.mask.parent for p in report.index.pairs}] == ["SegmentationClass"]
    assert len(report.index.pairs) == 4
    unpaired = [p for p in report.problems if p.code == "image-without-mask"]
    assert len(unpaired) == 2  # VOC images without segmentation stay warnings
    assert not report.fatal and report.classes.num_classes == 21 and report.classes.ignore_index == 255
    assert (report.classes.names[15], report.classes.colours[15]) == ("person", (192, 128, 128))
    object_masks = inspect_dataset(tmp_path, masks="SegmentationObject")  # instance ids are no VOC classes
    assert object_masks.classes.num_classes == 3


def test_one_image_matching_two_masks_lists_a_pattern_for_each(tmp_path):
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "masks" / f"{i}_mask.png", labels(i))
        save(tmp_path / "masks" / f"{i}_roi.png", labels(i + 1))
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    assert "--mask-pattern '{stem}_mask.png': 3 masks" in str(info.value)
    assert "--mask-pattern '{stem}_roi.png': 3 masks" in str(info.value)
    index = discover(tmp_path, mask_pattern="{stem}_roi.png")
    assert sorted(p.mask.name for p in index.pairs) == ["0_roi.png", "1_roi.png", "2_roi.png"]


def structured3d(root: Path) -> None:
    """Structured3D's 2D renderings: `scene_<n>/2D_rendering/<room>/perspective/full/<view>/` holds
    three lightings of the view (`rgb_rawlight.png`, `rgb_coldlight.png`, `rgb_warmlight.png`), its
    mask `semantic.png` and its other renderings (`depth.png`, `albedo.png`, `normal.png`,
    `instance.png`) under fixed names, seven levels down."""
    for scene in (0, 1):
        for view in (0, 1):
            folder = root / "Structured3D" / f"scene_{scene:05d}" / "2D_rendering" / "485142" / "perspective" / "full" / str(view)
            seed = 10 * scene + view
            for n, light in enumerate(("raw", "cold", "warm")):
                save(folder / f"rgb_{light}light.png", photo(seed + n))
            save(folder / "semantic.png", labels(seed))
            save(folder / "instance.png", labels(seed + 1, (0, 1, 2, 3)))
            save(folder / "depth.png", labels(seed, (0, 900, 4000), np.uint16))
            save(folder / "albedo.png", photo(seed + 5))
            save(folder / "normal.png", photo(seed + 6))
            (folder / "layout.json").write_text("{}")


def test_a_mask_of_one_fixed_name_in_each_folder_pairs_every_image_beside_it(tmp_path):
    """Structured3D (`structured3d`): no name pairs `rgb_rawlight.png` with `semantic.png`, and the
    views lie too deep to search; the refusal offers `--mask-pattern semantic.png`, which pairs the
    mask with each lighting of its view, one group, the other renderings ignored. Before, that
    pattern was refused for want of a group."""
    structured3d(tmp_path)
    with pytest.raises(DataError, match=r"a mask named alike beside the images in 4 folders \(Structured3D/scene_00000/"
                                        r"2D_rendering/485142/perspective/full/0/semantic.png\): --mask-pattern "
                                        r"semantic.png pairs it with every image in its folder"):
        discover(tmp_path)
    index = discover(tmp_path, mask_pattern="semantic.png")
    assert len(index.pairs) == 12
    assert Counter(p.image.name for p in index.pairs) == {f"rgb_{light}light.png": 4 for light in ("raw", "cold", "warm")}
    assert all(p.mask.name == "semantic.png" and p.mask.parent == p.image.parent for p in index.pairs)
    assert len({p.group for p in index.pairs}) == 4  # a view's three lightings, one group
    assert all(len({p.group for p in index.pairs if p.image.parent == p0.image.parent}) == 1 for p0 in index.pairs)
    ignored = {p.name for p in index.ignored}
    assert {"depth.png", "albedo.png", "normal.png", "instance.png"} <= ignored


def test_images_sharing_a_mask_are_said_and_a_file_name_pattern_as_images_reads_one_of_them(tmp_path, caplog):
    """Structured3D's three lightings of a view share its `semantic.png`: the pairing says so and
    names the `--images` file-name pattern that reads one lighting, which leaves the others out
    (listed as ignored). Before, `--images rgb_rawlight.png` named no folder and was passed over."""
    structured3d(tmp_path)
    with caplog.at_level(logging.WARNING, logger="seglab.data.layouts.folder_pairs"):
        discover(tmp_path, mask_pattern="semantic.png")
    assert "3 images share each mask in Structured3D/scene_00000/" in caplog.text
    assert "--images 'rgb_coldlight.png' (or 'rgb_rawlight.png', 'rgb_warmlight.png')" in caplog.text
    index = discover(tmp_path, mask_pattern="semantic.png", images="rgb_rawlight.png")
    assert [p.image.name for p in index.pairs] == ["rgb_rawlight.png"] * 4 and len({p.mask for p in index.pairs}) == 4
    assert {p.name for p in index.ignored} >= {"rgb_coldlight.png", "rgb_warmlight.png"}


def cloudsen12(root: Path) -> None:
    """CloudSEN12's per-scene GeoTIFFs: `high/<roi>/<scene>/` holds the scene's products
    (`S2L1C.tif` 13 bands, `S2L2A.tif` 14, `S1.tif` radar, 2), `extra/` layers and `labels/`
    holding the hand-drawn `manual_hq.tif` beside the cloud masks algorithms made (`fmask.tif`,
    `sen2cor.tif`, ...), each under a fixed name."""
    for roi, scenes in (("ROI_00012", ("20190110T1", "20190111T1")), ("ROI_02345", ("20190210T1",))):
        for n, scene in enumerate(scenes):
            folder = root / "cloudsen12" / "high" / roi / scene
            seed = 10 * int(roi[-2:]) + n
            folder.mkdir(parents=True)
            for name, bands in (("S2L1C", 13), ("S2L2A", 14), ("S1", 2)):
                tifffile.imwrite(folder / f"{name}.tif",
                                 np.stack([photo(seed + b)[..., 0] for b in range(bands)]).astype(np.uint16))
            save(folder / "extra" / "elevation.tif", labels(seed, (0, 40, 90)))
            save(folder / "labels" / "manual_hq.tif", labels(seed, (0, 1, 3)))
            for rival in ("fmask", "sen2cor", "qa60"):
                save(folder / "labels" / f"{rival}.tif", labels(seed + 1, (0, 1, 2)))


def test_a_mask_of_one_fixed_name_in_a_folder_of_each_case_pairs_the_case_folders_images(tmp_path, caplog):
    """CloudSEN12 (`cloudsen12`): `--mask-pattern labels/manual_hq.tif`, a fixed name with a folder
    part, is the mask of every image in the case folder holding that part; the refusal offers it
    (the hand-drawn mask first, the algorithms' named as rivals) and `--images S2L1C.tif` reads
    one product. Before, the pattern was refused for want of a group, and only a manifest read it."""
    cloudsen12(tmp_path)
    with pytest.raises(DataError, match=r"a folder of masks in 3 case folders of images \(cloudsen12/high/ROI_00012/"
                                        r"20190110T1/labels/manual_hq.tif\): --mask-pattern labels/manual_hq.tif pairs "
                                        r"it with every image in its case folder.*other masks too \(fmask.tif, qa60.tif, "
                                        r"sen2cor.tif\)"):
        discover(tmp_path)
    with caplog.at_level(logging.WARNING, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path, mask_pattern="labels/manual_hq.tif")
    assert "--images 'S1.tif' (or 'S2L1C.tif', 'S2L2A.tif')" in caplog.text
    assert len(index.pairs) == 9 and all(p.mask.relative_to(p.image.parent).as_posix() == "labels/manual_hq.tif"
                                         for p in index.pairs)
    index = discover(tmp_path, mask_pattern="labels/manual_hq.tif", images="S2L1C.tif")
    assert [p.image.name for p in index.pairs] == ["S2L1C.tif"] * 3 and len({p.mask for p in index.pairs}) == 3
    ignored = {p.relative_to(p.parents[1]).as_posix() for p in index.ignored}
    assert {"labels/fmask.tif", "labels/qa60.tif", "extra/elevation.tif"} <= ignored


def test_two_photos_of_a_scene_beside_its_mask_both_pair_and_a_file_name_pattern_picks_one(tmp_path, caplog):
    """ClearGrasp: synthetic `<object>-train/rgb-imgs/N-rgb.jpg` + `segmentation-masks/N-segmentation-mask.png`
    (beside `outlines/`), and real `real-test/d415/` and `real-val/d415/` holding
    `N-transparent-rgb-img.jpg`, `N-opaque-rgb-img.jpg` (the objects swapped for opaque copies)
    and `N-mask.png` side by side. Before, `--masks segmentation-masks` left the real pairs unread
    (their masks counted as unlabelled images): two photos share a number, so no rule paired them."""
    for i in range(2):
        train = tmp_path / "cleargrasp-dataset-train" / "cup-with-waves-train"
        save(train / "rgb-imgs" / f"{i:09d}-rgb.jpg", photo(i))
        save(train / "segmentation-masks" / f"{i:09d}-segmentation-mask.png", labels(i, (0, 255)))
        save(train / "outlines" / f"{i:09d}-outlineSegmentation.png", labels(i, (0, 1, 2)))
        for split in ("real-test", "real-val"):
            real = tmp_path / "cleargrasp-dataset-test-val" / split / "d415"
            save(real / f"{i:09d}-transparent-rgb-img.jpg", photo(10 + i))
            save(real / f"{i:09d}-opaque-rgb-img.jpg", photo(20 + i))
            save(real / f"{i:09d}-mask.png", labels(i, (0, 255)))
    with caplog.at_level(logging.WARNING, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path, masks="segmentation-masks")
    assert Counter(p.split for p in index.pairs) == {"train": 2, "test": 4, "val": 4}
    real = [p for p in index.pairs if p.split != "train"]
    assert all(p.mask.name.endswith("-mask.png") and p.mask.parent == p.image.parent for p in real)
    assert all(len({p.group for p in real if p.mask == p0.mask}) == 1 for p0 in real)  # a scene's photos: one group
    assert not index.unlabelled
    assert "--images '*-opaque-rgb-img.jpg' (or '*-transparent-rgb-img.jpg')" in caplog.text
    index = discover(tmp_path, masks="segmentation-masks", images="*-transparent-rgb-img.jpg")
    assert Counter(p.split for p in index.pairs) == {"train": 2, "test": 2, "val": 2}
    assert {p.image.name.split("-", 1)[1] for p in index.pairs} == {"rgb.jpg", "transparent-rgb-img.jpg"}


def test_views_named_by_kind_and_number_pair_by_number_and_no_one_mask_is_offered_for_all(tmp_path):
    """The UOIS Tabletop Object Dataset: `<split>/scene_<n>/rgb_<v>.jpeg` ~ `segmentation_<v>.png`
    beside the uint16 `depth_<v>.png`. The depth blocked every name rule, and the refusal offered
    `--mask-pattern segmentation_00000.png`, which paired every view with view 0's mask (rc 0)."""
    for split, scene in (("training_set", 0), ("training_set", 1), ("test_set", 0)):
        folder = tmp_path / split / f"scene_{scene:05d}"
        for view in range(3):
            seed = 10 * scene + view + (split == "test_set") * 50
            save(folder / f"rgb_{view:05d}.jpeg", photo(seed))
            save(folder / f"segmentation_{view:05d}.png", labels(seed, (0, 1, 2 + view)))
            depth = np.random.default_rng(seed).integers(500, 2000, SIZE).astype(np.uint16)  # millimetres
            save(folder / f"depth_{view:05d}.png", depth)
    index = discover(tmp_path)
    assert len(index.pairs) == 9
    assert all(p.mask.name == p.image.name.replace("rgb", "segmentation").replace(".jpeg", ".png")
               and p.mask.parent == p.image.parent for p in index.pairs)
    assert {p.name for p in index.ignored} >= {f"depth_{view:05d}.png" for view in range(3)}
    assert "--mask-pattern segmentation_00000.png" not in what_was_seen(tmp_path)


def test_several_images_numbered_as_their_mask_are_offered_a_template_never_one_mask_for_all(tmp_path):
    """Eyecandies: `<candy>/<split>/data/000_image_0.png` ... `000_image_5.png` (six lightings) beside
    `000_mask.png`, `000_normals.png` too, a folder of one sample among them. The refusal offered
    `--mask-pattern 000_mask.png`, pairing every image of every folder with that one mask, and no
    template paired the lightings with their mask."""
    for candy, samples in (("CandyCane", {"train": 2, "val": 1}), ("GummyBear", {"train": 2, "val": 1})):
        for split, count in samples.items():
            folder = tmp_path / "Eyecandies" / candy / split / "data"
            for n in range(count):
                for light in range(3):
                    save(folder / f"{n:03d}_image_{light}.png", photo(100 * n + 10 * light + len(candy)))
                save(folder / f"{n:03d}_normals.png", photo(7 * n + 1))
                save(folder / f"{n:03d}_mask.png", labels(n + len(candy), (0, 255)))
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "--mask-pattern 000_mask.png" not in str(refused.value)
    assert "--mask-pattern '{stem}_mask.png' pairs each with the mask of its number" in str(refused.value)
    index = discover(tmp_path, mask_pattern="{stem}_mask.png")
    assert len(index.pairs) == 18 and Counter(p.split for p in index.pairs) == {"train": 12, "val": 6}
    assert all(p.mask.name == p.image.name.split("_image_")[0] + "_mask.png" and p.mask.parent == p.image.parent
               for p in index.pairs)
    assert len({p.group for p in index.pairs}) == 6  # a mask's lightings stay in one split
    assert sorted(p.name for p in index.ignored) == sorted(f"{n:03d}_normals.png" for n in (0, 1, 0) * 2)


def test_a_refused_folder_wrapping_the_dataset_says_its_warnings_once(tmp_path, caplog):
    """Eyecandies unpacked into a folder of its own (`<download>/Eyecandies/<candy>/...`): DATA was
    refused, then read again through the folder it wraps, and the masks-no-naming-pairs warning
    was said twice, once per reading; now once, for the refusal that stands."""
    for candy in ("CandyCane", "GummyBear"):
        folder = tmp_path / "Eyecandies" / candy / "train" / "data"
        for n in range(2):
            for light in range(2):
                save(folder / f"{n:03d}_image_{light}.png", photo(100 * n + 10 * light + len(candy)))
            save(folder / f"{n:03d}_mask.png", labels(n + len(candy), (0, 255)))
    with caplog.at_level(logging.WARNING, logger="seglab"), pytest.raises(DataError):
        discover(tmp_path)
    said = [r.getMessage() for r in caplog.records if "no naming read side by side pairs" in r.getMessage()]
    assert len(said) == 1, said
    assert said[0].startswith(f"{tmp_path}: 2 folder(s)")


def test_a_locked_folder_inside_a_wrapped_dataset_is_said_by_the_reading_that_stands(tmp_path, caplog):
    """The folder holding muses/ alone is refused, then read as muses/: a folder there that may not
    be listed was said by the refused reading, whose words are dropped, and then remembered as said:
    passed over without a word. Now said once."""
    muses(tmp_path / "muses")
    (tmp_path / "muses" / "locked" / "x").mkdir(parents=True)
    real = os.scandir

    def scandir(path="."):  # a folder without read permission (root reads any: no chmod in a test run as root)
        if not isinstance(path, int) and os.path.basename(os.fsdecode(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path)

    with mock.patch("os.scandir", scandir), caplog.at_level(logging.WARNING, logger="seglab"):
        index = discover(tmp_path)
    assert index.root == tmp_path / "muses"
    said = [r.getMessage() for r in caplog.records if "cannot be listed" in r.getMessage()]
    assert said == [f"'{tmp_path / 'muses' / 'locked'}' cannot be listed (Permission denied): passed over; give read "
                    f"permission (chmod -R u+rX {tmp_path / 'muses' / 'locked'}) to read it"]


def test_images_sharing_a_mask_keyed_by_a_digit_int_does_not_read_are_said_not_a_traceback(tmp_path, caplog):
    """`²_image_0.png` and `²_image_1.png` share `²_mask.png`: `'²'.isdigit()` is true, and the
    line saying the images share each mask raised ValueError on `int('²')`; the key is text."""
    for key in ("\u00b2", "\u00b3"):
        for light in range(2):
            save(tmp_path / f"{key}_image_{light}.png", photo(10 * ord(key) + light))
        save(tmp_path / f"{key}_mask.png", labels(ord(key), (0, 255)))
    with caplog.at_level(logging.WARNING, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path, mask_pattern="{stem}_mask.png")
    assert len(index.pairs) == 4 and "--images '*_image_0.png' (or '*_image_1.png')" in caplog.text


def test_an_input_mask_beside_the_output_truth_is_a_rival_naming_the_truth_offered_first(tmp_path):
    """ICDAR 2021 MapSeg's `101-INPUT.jpg` with its map area `101-INPUT-MASK.png` (an input) and
    the truth `101-OUTPUT-GT.png`, side by side; the test split has no truth. Before, each image
    paired with its map area and the truth was a mask without an image."""
    for split, numbers in (("train", (101, 102, 103)), ("test", (301,))):
        for n in numbers:
            save(tmp_path / "1-detbblocks" / split / f"{n}-INPUT.jpg", photo(n))
            save(tmp_path / "1-detbblocks" / split / f"{n}-INPUT-MASK.png", labels(n, (0, 255)))
            if split == "train":
                save(tmp_path / "1-detbblocks" / split / f"{n}-OUTPUT-GT.png", labels(n + 1, (0, 255)))
    with pytest.raises(DataError, match=r"pick the labels to train on:\n  --mask-pattern '\{stem\}-OUTPUT-GT.png': 3 "
                                        r"masks\n  --mask-pattern '\{stem\}-INPUT-MASK.png': 4 masks"):
        discover(tmp_path)
    index = discover(tmp_path, mask_pattern="{stem}-OUTPUT-GT.png")
    assert sorted(p.mask.name for p in index.pairs) == [f"{n}-OUTPUT-GT.png" for n in (101, 102, 103)]


def test_masks_named_after_their_image_with_any_suffix_are_found_and_two_observers_refused(tmp_path):
    chase(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "images match more than one mask each" in message
    assert "--mask-pattern '{stem}_1stHO.png': 4 masks" in message
    assert "--mask-pattern '{stem}_2ndHO.png': 4 masks" in message
    index = discover(tmp_path, mask_pattern="{stem}_1stHO.png")
    assert sorted(p.mask.name for p in index.pairs) == [f"Image_0{n}{e}_1stHO.png" for n in (1, 2) for e in "LR"]


def test_one_unknown_suffix_pairs_side_by_side_files_of_one_type(tmp_path):
    for i in range(3):
        save(tmp_path / f"scan{i}.png", photo(i))
        save(tmp_path / f"scan{i}_expert.png", labels(i))
    index = discover(tmp_path)
    assert sorted(p.mask.name for p in index.pairs) == [f"scan{i}_expert.png" for i in range(3)]
    assert index.pairing == ["./ (images and masks side by side): 3 pairs by image name + '_expert.png'"]


def test_masks_named_by_several_known_affixes_in_one_folder_all_pair(tmp_path):
    """Students labelling one folder in turn, each naming masks their own way beside the photos:
    `a_mask.png`, `b-mask.png`, `c.mask.png`, `d_annotated.png`. Before: `_annotated` was no mask
    affix, so those masks were taken for images without masks, and 6 of 8 photos paired."""
    for i, affix in enumerate(["_mask", "-mask", ".mask", "_annotated"] * 2):
        save(tmp_path / "labelled" / f"pic{i:03d}.jpg", photo(i))
        save(tmp_path / "labelled" / f"pic{i:03d}{affix}.png", labels(i, (0, 255)))
    index = discover(tmp_path)
    assert len(index.pairs) == 8 and not index.problems
    assert all(p.mask.name.startswith(p.image.stem) for p in index.pairs)


def segments_ai(root: Path) -> None:
    """Segments.ai's semantic export (its SDK's `export_dataset(dataset, export_format='semantic')`)
    in `segments/<owner>_<dataset>/<release>/`: `x.png`, `x_label_ground-truth.png` (instance ids
    as RGBA: id = R + 256 G + 65536 B) and `x_label_ground-truth_semantic.png` (category ids), the
    release JSON at the top naming the categories in `dataset.task_attributes.categories`."""
    release = root / "segments" / "jane_cells" / "v0.1"
    for i in range(3):
        instances = labels(i, (0, 1, 2, 3))
        save(release / f"slide_{i:02d}.png", photo(i))
        save(release / f"slide_{i:02d}_label_ground-truth.png",
             np.stack([instances, np.zeros_like(instances), np.zeros_like(instances), np.zeros_like(instances)], -1))
        save(release / f"slide_{i:02d}_label_ground-truth_semantic.png", np.array([0, 1, 2, 1], np.uint8)[instances])
    categories = [{"id": 1, "name": "cell", "color": [255, 0, 0]}, {"id": 2, "name": "nucleus", "color": [0, 0, 255]}]
    (root / "cells-v0.1.json").write_text(json.dumps({"name": "v0.1", "dataset": {
        "name": "cells", "task_type": "segmentation-bitmap",
        "task_attributes": {"format_version": "0.1", "categories": categories}, "samples": []}}))


@pytest.mark.parametrize("pattern", [None, "{stem}_label_ground-truth_semantic.png"])
def test_segments_ai_semantic_masks_pair_and_the_release_names_their_categories(tmp_path, pattern):
    """Segments.ai's instance bitmaps were read as the masks (their R as classes) and the semantic
    ones beside them dropped unsaid; `--mask-pattern '{stem}_label_ground-truth_semantic.png'`
    found no folders, the semantic mask keyed after the instance mask it is named after too. The
    semantic masks pair, the instance ones are listed as ignored, and the release names the
    categories, 0 the background."""
    segments_ai(tmp_path)
    index = discover(tmp_path, mask_pattern=pattern)
    assert sorted(p.mask.name for p in index.pairs) == [f"slide_{i:02d}_label_ground-truth_semantic.png" for i in range(3)]
    assert sorted(p.name for p in index.ignored) == [f"slide_{i:02d}_label_ground-truth.png" for i in range(3)]
    assert index.classes.names == ("background", "cell", "nucleus")


def deepscores_v2(root: Path) -> None:
    """DeepScores v2 dense: `ds2_dense/images/<page>.png` + `segmentation/<page>_seg.png` (grey, each
    pixel its category's `color`) + `instance/<page>_inst.png`, and `deepscores_train.json` /
    `deepscores_test.json` in the Oriented Bounding Box schema: categories by id, once per annotation
    set (DeepScores' names, MUSCIMA++'s), with the value of each in the masks."""
    names = {1: "brace", 2: "ledgerLine", 6: "clefG", 122: "staff"}
    categories = {str(value + offset): {"name": name.upper() if offset else name, "color": value,
                                        "annotation_set": "muscima++" if offset else "deepscores"}
                  for value, name in names.items() for offset in (0, 135)}
    pages = {"train": ["lg-1-aug-beethoven--page-1", "lg-2-aug-gonville--page-2"], "test": ["lg-3-aug-lilyjazz--page-1"]}
    for split, listed in pages.items():
        for k, page in enumerate(listed):
            save(root / "ds2_dense" / "images" / f"{page}.png", photo(k)[..., 0])
            save(root / "ds2_dense" / "segmentation" / f"{page}_seg.png", labels(k, (0, 1, 2, 6, 122)))
            save(root / "ds2_dense" / "instance" / f"{page}_inst.png", photo(k + 9))
        (root / "ds2_dense" / f"deepscores_{split}.json").write_text(json.dumps({
            "info": {"description": "DeepScoresV2"}, "annotation_sets": ["deepscores", "muscima++"],
            "categories": categories, "annotations": {},
            "images": [{"id": k + 1, "filename": f"{page}.png", "width": SIZE[1], "height": SIZE[0], "ann_ids": []}
                       for k, page in enumerate(listed)]}))


def test_deepscores_categories_name_the_mask_values_and_its_json_files_split_them(tmp_path):
    """DeepScores v2's classes are its categories' `color` values in the `_seg.png` masks: they
    were class_0 ... class_122, inferred from the masks (the staff's 122 outside them, fatal). Its
    `deepscores_train.json` and `deepscores_test.json` list each split's images: said as split
    lists not read."""
    deepscores_v2(tmp_path)
    index = discover(tmp_path, masks="segmentation")
    assert index.classes.names == ("background", "brace", "ledgerLine", "clefG", "staff")
    assert {p.image.stem: p.split for p in index.pairs} == {
        "lg-1-aug-beethoven--page-1": "train", "lg-2-aug-gonville--page-2": "train", "lg-3-aug-lilyjazz--page-1": "test"}
    mask = read_mask(index.pairs[0].mask, index.mapping)
    raw = labels(0, (0, 1, 2, 6, 122))
    assert (mask[raw == 122] == 4).all() and (mask[raw == 6] == 3).all()


def test_deepscores_categories_before_a_million_annotations_are_read_from_the_file_head(tmp_path):
    """DeepScores v2's deepscores_train.json keeps its categories before about a million annotations:
    parsed whole to name five mask values, 240 MB of it took 2 GB of memory and a minute; the
    categories are read from the head of a file larger than a class table now."""
    deepscores_v2(tmp_path)
    train = tmp_path / "ds2_dense" / "deepscores_train.json"
    annotations = ", ".join(f'"{k}": {{"a_bbox": [1.0, 2.0, 3.0, 4.0], "cat_id": ["1", "136"], "img_id": "1"}}'
                            for k in range(80_000))  # 6 MB, over a class table's 4 MB
    train.write_text(train.read_text().replace('"annotations": {}', f'"annotations": {{{annotations}}}'))
    tracemalloc.start()
    try:
        names = value_names_from_label_json(train)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert names is not None and names.names == {0: "background", 1: "brace", 2: "ledgerLine", 6: "clefG", 122: "staff"}
    assert peak < 16 << 20, f"{peak:,} bytes held to read {train.stat().st_size:,}"


def test_a_segments_ai_release_of_many_samples_names_its_categories_from_its_head(tmp_path):
    """A release JSON over a class table's 4 MB (some thousand samples) was read for the OBB
    schema alone and named no category: the masks' classes went unnamed. Its
    `dataset.task_attributes`, ahead of the samples, names them."""
    segments_ai(tmp_path)
    release = tmp_path / "cells-v0.1.json"
    values = json.loads(release.read_text())
    values["samples"] = [{"name": f"slide_{k:05d}.png", "uuid": "0" * 1000} for k in range(4_500)]
    release.write_text(json.dumps(values))
    assert release.stat().st_size > 4 << 20
    names = value_names_from_label_json(release)
    assert names is not None and names.names == {0: "background", 1: "cell", 2: "nucleus"}


def cvc_colondb(root: Path, polyp: str = "p") -> None:
    """CVC-ColonDB as CVC first shipped it: `<n>.bmp` frames beside their polyp masks `p<n>.bmp`,
    non-informative region masks `s<n>.bmp` and polyp contours `c<n>.bmp`, all in one folder."""
    for i in range(1, 5):
        save(root / "CVC-ColonDB" / f"{i}.bmp", photo(i))
        save(root / "CVC-ColonDB" / f"{polyp}{i}.bmp", labels(i, (0, 255)))
        save(root / "CVC-ColonDB" / f"s{i}.bmp", labels(i + 1, (0, 255)))
        save(root / "CVC-ColonDB" / f"c{i}.bmp", labels(i + 2, (0, 255)))


def test_masks_named_with_a_prefix_beside_their_images_are_a_choice_a_pattern_reads(tmp_path):
    """CVC-ColonDB's `p1.bmp` beside `1.bmp` was refused with a generic '{stem}_mask.png', and
    `--mask-pattern 'p{stem}.bmp'` gave 'no image/mask folders fit': a side-by-side mask had to
    carry a known affix or a suffix. Now a one-word prefix is a naming as a suffix is: the three
    are refused as a choice, and the pattern (a template or a regex, any prefix) reads one."""
    cvc_colondb(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    for naming in ("p", "s", "c"):
        assert f"--mask-pattern '{naming}{{stem}}.bmp': 4 masks" in str(info.value)
    for pattern in ("p{stem}.bmp", r"p(\d+)\.bmp"):
        index = discover(tmp_path, mask_pattern=pattern)
        assert sorted((p.image.name, p.mask.name) for p in index.pairs) == [(f"{i}.bmp", f"p{i}.bmp") for i in range(1, 5)]
        assert {p.name for p in index.ignored} >= {f"{k}{i}.bmp" for k in "sc" for i in range(1, 5)}
        assert not [p for p in index.problems if p.code in ("image-without-mask", "mask-without-image")]
    for polyp in ("polyp_", "manual_polyp_"):  # any prefix a pattern names, not only a known affix
        cvc_colondb(tmp_path / polyp, polyp)
        index = discover(tmp_path / polyp, mask_pattern=f"{polyp}{{stem}}.bmp")
        assert sorted(p.mask.name for p in index.pairs) == [f"{polyp}{i}.bmp" for i in range(1, 5)]


def dsad(root: Path, structures: tuple[str, ...] = ("colon", "liver"), values: tuple[int, ...] = (0, 255)) -> None:
    """The Dresden Surgical Anatomy Dataset: a folder per structure, in each a folder per surgery
    holding `image00.png` ... beside `mask00.png` ..., the structure's binary mask."""
    for s, structure in enumerate(structures):
        for surgery in range(1, 5):
            for k in range(3):
                seed = 100 * s + 10 * surgery + k
                save(root / "DSAD" / structure / f"{surgery:02d}" / f"image{k:02d}.png", photo(seed))
                save(root / "DSAD" / structure / f"{surgery:02d}" / f"mask{k:02d}.png", labels(seed, values))


def test_a_word_and_a_number_pair_side_by_side_by_the_number_and_a_structure_is_read_a_run(tmp_path):
    """DSAD's `liver/01/image00.png` + `mask00.png` paired by no rule nor pattern (an affix word was
    dropped only before a separator, `image_00`), and read at the root every structure would be
    one class: a structure is read a run, its surgeries the groups."""
    dsad(tmp_path)
    liver = tmp_path / "DSAD" / "liver"
    for pattern in (None, "mask{stem}.png", r"mask(\d+)\.png", r"mask(.+)\.png"):
        index = discover(liver, mask_pattern=pattern)
        assert sorted((p.image.parent.name, p.image.name, p.mask.name) for p in index.pairs) == \
            [(f"{s:02d}", f"image{k:02d}.png", f"mask{k:02d}.png") for s in range(1, 5) for k in range(3)]
        assert not index.problems
        assert len(discover(liver / "01", mask_pattern=pattern).pairs) == 3
    index = discover(liver)
    assert {p.group for p in index.pairs} == {"01", "02", "03", "04"}  # a surgery's frames in one split
    with pytest.raises(DataError) as info:
        discover(tmp_path / "DSAD")
    assert "colon/, liver/ each hold the same numbered folders" in str(info.value)
    assert f"seglab inspect {tmp_path / 'DSAD' / 'colon'}" in str(info.value)
    dsad(tmp_path / "sites", ("north", "south"), (0, 1, 2))  # class-index masks: sites of one labelling
    assert len(discover(tmp_path / "sites" / "DSAD").pairs) == 24


def test_a_pattern_whose_group_is_a_number_pairs_the_image_with_that_last_number(tmp_path):
    for i in range(1, 5):
        save(tmp_path / "frames" / f"frame_{i:03d}.png", photo(i))
        save(tmp_path / "masks" / f"mask{i}.png", labels(i))
    index = discover(tmp_path, mask_pattern=r"mask(\d+)\.png")
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == [(f"frame_{i:03d}.png", f"mask{i}.png")
                                                                         for i in range(1, 5)]
    assert "the image's last number" in index.pairing[0]


def test_explicit_folders_and_regex_pattern(tmp_path):
    for i in range(3):
        save(tmp_path / "pictures" / f"scan{i}.png", photo(i))
        save(tmp_path / "stuff" / f"expert-scan{i}-final.png", labels(i))
        save(tmp_path / "stuff" / f"draft-scan{i}.png", labels(i + 1))
    index = discover(tmp_path, images="pictures", masks="stuff", mask_pattern=r"expert-(.+)-final\.png")
    assert sorted(p.mask.name for p in index.pairs) == [f"expert-scan{i}-final.png" for i in range(3)]
    assert index.pairing == [r"pictures/ + stuff/: 3 pairs by --mask-pattern 'expert-(.+)-final\.png'"]


def test_stray_files_are_listed_as_ignored_not_fatal(tmp_path):
    stray_files(tmp_path)
    report = inspect_dataset(tmp_path)
    names = {p.name for p in report.index.ignored}
    assert {"class_weights.npy", "overview.png", "meta.mat"} <= names
    assert not report.fatal
    text = format_report(report)
    assert "Ignored:" in text and "overview.png" in text
    assert "Images/ + Masks/: 4 pairs by same name" in text


def test_unpaired_image_names_the_closest_mask(tmp_path):
    capitals(tmp_path)
    save(tmp_path / "Images" / "scan_final.png", photo(7))
    save(tmp_path / "Masks" / "scan_finl.png", labels(7))
    index = discover(tmp_path)
    message = next(p.message for p in index.problems if p.path.name == "scan_final.png")
    assert message.endswith("closest unpaired mask: 'scan_finl.png'")  # a typo: no pattern pairs it alone


def test_a_linked_image_folder_is_walked_once_and_a_macs_names_pair_with_linuxs(tmp_path):
    """A project whose images/ links to the photo archive elsewhere, the photos' names decomposed
    (NFD: copied from a Mac), the masks' composed (NFC: written on Linux). Before: the link was not
    walked ('no known dataset layout'), and on a copy no name paired. A link back up the tree (a
    loop) and a second link to the archive are walked never and once: no folder read twice."""
    import unicodedata

    archive, project = tmp_path / "archive", tmp_path / "projekt"
    names = ["Blätter_01", "Größe (1)", "Äpfel-03", "Süß 05"]
    for i, name in enumerate(names):
        save(archive / f"{unicodedata.normalize('NFD', name)}.png", photo(i))
        save(project / "masks" / f"{unicodedata.normalize('NFC', name)}_gt.png", labels(i, (0, 255)))
    (project / "images").symlink_to(archive)
    (project / "photos_link").symlink_to(archive)
    (project / "masks" / "loop").symlink_to(project)
    index = discover(project)
    assert len(index.pairs) == 4 and not index.problems
    assert {p.image.parent.name for p in index.pairs} == {"images"}
    assert all(unicodedata.normalize("NFC", p.mask.name) == unicodedata.normalize("NFC", f"{p.image.stem}_gt.png")
               for p in index.pairs)


def test_a_closest_mask_hint_offers_no_pattern_that_pairs_nothing():
    """A pattern is offered only when it pairs the two files: `İ` lower-cases to two letters, so the
    template cut from the lower-case name was `{stem}gt.png`, which pairs nothing; and a Mac's
    decomposed name is its composed one, not a first word to keep (`Äpfel-{stem}_x.png`)."""
    import unicodedata

    assert pattern_for(Path("İzmir_01.png"), Path("İzmir_01_gt.png")) is None
    nfd, nfc = (unicodedata.normalize(form, "Äpfel-03") for form in ("NFD", "NFC"))
    assert pattern_for(Path(f"{nfd}.png"), Path(f"{nfc}_x.png")) == "{stem}_x.png"


def test_mask_words_inside_names_pair_and_the_tile_number_groups(tmp_path):
    """The Forest Aerial Images pair `images/119_sat_09.jpg` with `masks/119_mask_09.jpg` (patch 9
    of tile 119): no rule paired them (the numbers repeat, the affix is inside the name), nor
    could --mask-pattern; and a tile's patches must stay in one split."""
    for tile in (119, 855, 992, 3064, 10452):
        for patch in (2, 9):
            save(tmp_path / "images" / f"{tile}_sat_{patch:02d}.jpg", photo(tile + patch))
            save(tmp_path / "masks" / f"{tile}_mask_{patch:02d}.png", labels(tile + patch, (0, 255)))
    index = discover(tmp_path)
    assert len(index.pairs) == 10 and not index.problems
    assert all(p.image.stem.replace("_sat_", "_mask_") == p.mask.stem for p in index.pairs)
    assert {p.group for p in index.pairs} == {"119", "855", "992", "3064", "10452"}


def test_csv_manifest_keeps_split_and_groups(tmp_path):
    manifest = csv_manifest(tmp_path)
    index = discover(manifest)
    assert index.format == "manifest" and len(index.pairs) == 6
    assert {p.group for p in index.pairs} == {"s0", "s1", "s2"}
    split = split_pairs(index.pairs, (0.5, 0.5, 0.0))
    assert sorted(p.name for p in split["test"]) == ["p4", "p5"]
    train_groups = {p.group for p in split["train"]}
    assert not train_groups & {p.group for p in split["val"]}


def test_semicolon_manifest_reads_as_a_comma_one(tmp_path):
    """A spreadsheet saved as CSV where the comma is the decimal mark separates cells by
    semicolons: it was one column named 'image;mask;split;subject' and refused."""
    manifest = csv_manifest(tmp_path)
    manifest.write_text(manifest.read_text().replace(",", ";"))
    index = discover(manifest)
    assert len(index.pairs) == 6 and [p.split for p in index.pairs].count("test") == 2
    assert {p.group for p in index.pairs} == {"s0", "s1", "s2"}


def test_json_manifest_in_the_decathlon_form(tmp_path):
    index = discover(json_manifest(tmp_path))
    assert len(index.pairs) == 5 and [p.split for p in index.pairs].count("test") == 1


@pytest.mark.parametrize(("content", "fragment"), [
    ("picture,mask\na.png,b.png\n", "no image column"),
    ("a.png\tb.png\nc.png\td.png\n", "has no header: its first line names files"),  # its row, not a header
    ("image,mask,split\nx/0.png,y/0.png,holdout\n", "row 2: unknown split 'holdout'"),
    ("image,mask\n,y/0.png\n", "row 2: the image path is empty"),
])
def test_bad_manifests_name_the_row_and_the_fix(tmp_path, content, fragment):
    json_manifest(tmp_path)
    (tmp_path / "pairs.csv").write_text(content)
    with pytest.raises(DataError, match=fragment):
        discover(tmp_path / "pairs.csv")


def test_manifest_paths_from_the_folder_above_and_missing_files_named(tmp_path):
    """VisA's split_csv/1cls.csv names `candle/Data/...` from the dataset's top, not from
    split_csv/: those paths were missing files, and the audit crashed listing their folders
    (FileNotFoundError). Now they are read from the folder where they are; paths that exist
    nowhere are problems naming each file."""
    for i in range(4):
        save(tmp_path / "VisA" / "candle" / "Images" / f"{i}.png", photo(i))
        save(tmp_path / "VisA" / "candle" / "Masks" / f"{i}.png", labels(i, (0, 255)))
    rows = "".join(f"candle/Images/{i}.png,candle/Masks/{i}.png\n" for i in range(4))
    (tmp_path / "VisA" / "split_csv").mkdir()
    (tmp_path / "VisA" / "split_csv" / "1cls.csv").write_text("image,mask\n" + rows)
    index = discover(tmp_path / "VisA" / "split_csv" / "1cls.csv")
    assert index.root == tmp_path / "VisA" and all(p.image.is_file() and p.mask.is_file() for p in index.pairs)
    (tmp_path / "VisA" / "split_csv" / "1cls.csv").write_text("image,mask\n" + rows.replace("candle/", "gone/"))
    missing = audit(discover(tmp_path / "VisA" / "split_csv" / "1cls.csv")).problems
    assert {p.path.name for p in missing if "does not exist" in p.message} >= {"0.png", "3.png"}


def test_a_manifest_excel_wrote_on_windows_reads_its_paths_below_its_folder(tmp_path):
    """Excel on a German Windows machine: a BOM, `;`, CRLF and absolute paths
    `C:\\Users\\anna\\Desktop\\lesions\\images\\x.png`. Before: refused, image
    '.../C:\\Users\\anna\\...' does not exist. Each path is now the file it ends with below the
    manifest's folder, the longest end there: the mask of the image's name in masks/ stays the mask."""
    rows = ["Image;Mask;Split;Patient"]
    for i in range(4):
        save(tmp_path / "images" / f"lesion_{i}.png", photo(i))
        save(tmp_path / "masks" / f"lesion_{i}.png", labels(i, (0, 255)))
        rows.append(f"C:\\Users\\anna\\Desktop\\lesions\\images\\lesion_{i}.png;"
                    f"C:\\Users\\anna\\Desktop\\lesions\\masks\\lesion_{i}.png;{'train' if i < 2 else 'test'};P{i // 2}")
    (tmp_path / "pairs.csv").write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode())
    index = discover(tmp_path / "pairs.csv")
    assert [(p.image.relative_to(tmp_path).as_posix(), p.mask.relative_to(tmp_path).as_posix()) for p in index.pairs] \
        == [(f"images/lesion_{i}.png", f"masks/lesion_{i}.png") for i in range(4)]
    assert [p.split for p in index.pairs] == ["train", "train", "test", "test"]
    assert {p.group for p in index.pairs} == {"P0", "P1"} and not audit(index).problems
    assert "paths written on another machine" in index.pairing[0]


def test_unknown_layout_lists_image_folders_and_the_flags(tmp_path):
    save(tmp_path / "a" / "only.png", photo(0))
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "a/: 1 image files" in message and "--images DIR --masks DIR" in message
    assert "alone for images and masks in one folder" in message  # a flat folder needs only --mask-pattern


def test_matlab_files_without_images_are_named_in_the_refusal(tmp_path):
    """Duke's DME OCT set ships `2015_BOE_Chiu/Subject_01.mat` ... (scans and annotations in one
    MATLAB file): the refusal said 'no image files found' and nothing of the 10 files."""
    for i in range(3):
        (tmp_path / "2015_BOE_Chiu").mkdir(exist_ok=True)
        (tmp_path / "2015_BOE_Chiu" / f"Subject_{i:02d}.mat").write_bytes(b"MATLAB 5.0 MAT-file" + bytes(200))
    with pytest.raises(DataError, match=r"2015_BOE_Chiu/: 3 MATLAB '.mat' files, read only as the masks of images "
                                        r"named alike: images stored inside them are not read"):
        discover(tmp_path)


def test_text_files_of_contour_points_are_named_in_the_refusal(tmp_path):
    """DRIONS-DB: `images/image_001.jpg` and the optic disc rim of each traced by two experts,
    `experts_anotation/anotExpert1_001.txt` (36 lines `x , y`): the refusal listed the images only,
    never the contours, which are the only annotation; the contour-text layout reads them and
    refuses the two experts' rival outlines, naming each. Text files of words or of more numbers a
    line (YOLO's `class x y w h`) are no point lists."""
    for i in range(1, 4):
        save(tmp_path / "images" / f"image_{i:03d}.jpg", photo(i))
        for expert in (1, 2):
            (tmp_path / "experts_anotation").mkdir(exist_ok=True)
            points = "".join(f"{30 + 9 * np.cos(a):.0f} , {20 + 9 * np.sin(a):.0f}\r\n" for a in np.arange(36) / 6)
            (tmp_path / "experts_anotation" / f"anotExpert{expert}_{i:03d}.txt").write_text(points)
        (tmp_path / "notes").mkdir(exist_ok=True)
        (tmp_path / "notes" / f"image_{i:03d}.txt").write_text("optic disc\nfovea 1 2\nright eye\n")
        (tmp_path / "boxes").mkdir(exist_ok=True)
        (tmp_path / "boxes" / f"image_{i:03d}.txt").write_text("0 0.5 0.5 0.2 0.2\n" * 3)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert ("has 2 outlines of class 'object' (experts_anotation/anotExpert1_001.txt, "
            "experts_anotation/anotExpert2_001.txt): rival annotations") in message
    assert "--masks 'anotExpert1_*': 3 outline files" in message
    assert "notes/" not in message and "boxes/" not in message


def test_cli_reads_a_manifest_and_named_folders(tmp_path, capsys):
    manifest = csv_manifest(tmp_path / "m")
    assert main(["inspect", "--manifest", str(manifest)]) == 0
    assert "Pairs:        6" in capsys.readouterr().out
    for i in range(3):
        save(tmp_path / "f" / "scans" / f"s{i}.png", photo(i))
        save(tmp_path / "f" / "truth_v2" / f"s{i}.png", labels(i))
    images, masks = tmp_path / "f" / "scans", tmp_path / "f" / "truth_v2"
    assert main(["inspect", "--images", str(images), "--masks", str(masks)]) == 0
    assert "scans/ + truth_v2/: 3 pairs by same name" in capsys.readouterr().out


def test_cli_reads_named_folders_given_relative_without_data(tmp_path, capsys, monkeypatch):
    """IDRiD's `--images 'A. Segmentation/1. Original Images/a. Training Set' --masks ...` from its
    folder, without DATA: the dataset folder became absolute and the named folders stayed
    relative, and the class-table and case-folder lookups crashed mixing the two (ValueError)."""
    for i in range(3):  # a folder of 0/255 masks per lesion under the masks' folder
        save(tmp_path / "A. Segmentation" / "images" / f"IDRiD_{i:02d}.jpg", photo(i))
        for lesion in ("1. Microaneurysms", "5. Optic Disc"):
            save(tmp_path / "A. Segmentation" / "gt" / lesion / f"IDRiD_{i:02d}_{lesion[3:5].upper()}.tif",
                 labels(i, (0, 255)))
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "--images", "A. Segmentation/images", "--masks", "A. Segmentation/gt",
                 "--task", "multilabel"]) == 0
    assert "Pairs:        3" in capsys.readouterr().out


def test_train_reads_what_inspect_reads(tmp_path):
    splits_above(tmp_path / "data")
    run = tmp_path / "run"
    args = ["train", "--no-plan", str(tmp_path / "data"), "--out", str(run), "--epochs", "1", "--size", "16",
            "--batch-size", "2", "--no-progress", "--model-option", "widths=[4,8]"]
    assert main(args) == 0
    splits = json.loads((run / "splits.json").read_text())
    inspected = inspect_dataset(tmp_path / "data")
    assert sorted(splits["train"] + splits["val"] + splits["test"]) == sorted(p.name for p in inspected.index.pairs)
    assert len(splits["val"]) == 2
    trained = json.loads((run / "classes.json").read_text())
    assert trained["names"] == list(inspected.classes.names)
    assert [tuple(c) for c in trained["colours"]] == list(inspected.classes.colours)


@pytest.mark.parametrize("train_ids", [False, True], ids=["labelIds", "labelTrainIds"])
def test_cityscapes_reads_as_its_19_evaluated_classes_with_void_ignored(tmp_path, train_ids):
    """34 label ids taken as they are would train the void ones (ego vehicle, parking, ...) as classes."""
    from seglab.data import read_mask

    cityscapes(tmp_path, train_ids=train_ids)
    pattern = "{stem}_gtFine_labelTrainIds.png" if train_ids else None
    report = inspect_dataset(tmp_path, mask_pattern=pattern)
    classes = report.classes
    assert classes.num_classes == 19 and classes.ignore_index == 255
    assert (classes.names[0], classes.names[8], classes.names[13]) == ("road", "vegetation", "car")
    assert classes.colours[0] == (128, 64, 128)
    pair = report.index.pairs[0]
    read = read_mask(pair.mask, report.index.mapping)
    assert set(np.unique(read)) <= {0, 8, 13}  # road, vegetation and car, from ids 7, 21 and 26
    if not train_ids:  # a void id (4, 'static') becomes the ignore label
        save(pair.mask, np.full((8, 8), 4, np.uint8))
        assert set(np.unique(read_mask(pair.mask, report.index.mapping))) == {255}
    declared = tmp_path / "classes.json"  # as a trained run's classes.json declares them
    declared.write_text(json.dumps(classes.to_dict()))
    again = inspect_dataset(tmp_path, mask_pattern=pattern, classes_file=str(declared))
    assert again.index.mapping == report.index.mapping and again.classes.names == classes.names


def test_stare_ppm_images_and_two_observers_labels(tmp_path):
    """STARE ships PPM: stare-images/im0001.ppm with labels-ah/im0001.ah.ppm and labels-vk/im0001.vk.ppm."""
    for i in range(1, 5):
        save(tmp_path / "stare-images" / f"im{i:04d}.ppm", photo(i))
        for observer in ("ah", "vk"):
            save(tmp_path / f"labels-{observer}" / f"im{i:04d}.{observer}.ppm", labels(i, (0, 255)))
    with pytest.raises(DataError, match=r"(?s)labels-ah/.*labels-vk/.*--masks"):  # two observers: choose one
        discover(tmp_path)
    report = inspect_dataset(tmp_path, masks="labels-ah")
    assert len(report.index.pairs) == 4 and not report.fatal
    assert report.index.mapping.kind == "binary" and report.classes.num_classes == 2


def test_instance_masks_are_not_paired_by_digits_inside_hashes(tmp_path):
    """2018 Data Science Bowl: stage1_train/<sha256>/images/<sha256>.png and masks/<sha256>.png, one
    file per nucleus. '...ad5a' paired with a nucleus whose hash ends in 5, and it trained on that."""
    import hashlib

    for i in range(3):
        sample = hashlib.sha256(f"image{i}".encode()).hexdigest()
        save(tmp_path / "stage1_train" / sample / "images" / f"{sample}.png", photo(i))
        for k in range(6):
            nucleus = hashlib.sha256(f"nucleus{i}-{k}".encode()).hexdigest()
            save(tmp_path / "stage1_train" / sample / "masks" / f"{nucleus}.png", labels(k, (0, 255)))
    with pytest.raises(DataError, match=r"18 masks for 3 images, none named after an image: .*instance masks"):
        discover(tmp_path)


def test_json_label_files_no_layout_reads_are_named_as_such(tmp_path):
    """Kili's own export: images/patch_000.png + labels/patch_000.json (the asset and its
    jsonResponse). It was refused as 'expected labels/patch_000.*', as if nothing were there."""
    for i in range(3):
        save(tmp_path / "images" / f"patch_{i:03d}.png", photo(i))
        (tmp_path / "labels").mkdir(exist_ok=True)
        (tmp_path / "labels" / f"patch_{i:03d}.json").write_text(json.dumps(
            {"externalId": f"patch_{i:03d}.png", "latestLabel": {"jsonResponse": {"JOB_0": {"annotations": []}}}}))
    with pytest.raises(DataError, match=r"(?s)patch_000.png: image's label file labels/patch_000.json is JSON in a "
                                        r"format no layout of seglab reads.*JSON label files named as the images \(3, "
                                        r"such as .*it reads the JSON of COCO, LabelMe.*fmt='coco'") as err:
        discover(tmp_path)
    assert "expected labels/patch_000.*" not in str(err.value)


def test_one_mask_folder_for_several_image_folders_asks_which_images(tmp_path):
    """ISPRS Potsdam: top_potsdam_2_10_RGB.tif in 2_Ortho_RGB/ (and _IRRG, _RGBIR band folders) with
    top_potsdam_2_10_label.tif in 5_Labels_all/: each mask would be trained once per band folder."""
    for tile in ("2_10", "2_11", "3_10"):
        for folder, band in (("2_Ortho_RGB", "RGB"), ("3_Ortho_IRRG", "IRRG")):
            save(tmp_path / folder / f"top_potsdam_{tile}_{band}.tif", photo(len(tile)))
        save(tmp_path / "5_Labels_all" / f"top_potsdam_{tile}_label.tif", labels(1, (0, 1, 2)))
    with pytest.raises(DataError, match=r"masks of 5_Labels_all/ pair with the images of 2 folders .*--images 2_Ortho_RGB"):
        discover(tmp_path)
    index = discover(tmp_path, images="2_Ortho_RGB")
    assert len(index.pairs) == 3 and all(p.mask.stem.replace("_label", "_RGB") == p.image.stem for p in index.pairs)


def test_bdci_test_images_pair_with_no_training_mask_by_a_learned_prefix(tmp_path):
    """CCF BDCI 2020: img_train/T000000.jpg + lab_train/T000000.png beside the test set
    img_testA/000000.jpg. 'T' + image name paired the test images with training masks too, and the
    refusal offered `--images img_testA`; the same names and the split words (testA: test set A)
    pair img_train/, so img_testA/'s images are unlabelled."""
    from seglab.data.discovery.naming import folder_split

    assert [folder_split(n) for n in ("img_testA", "trainB", "dataA", "img_testAB")] == ["test", "train", None, None]
    for i in range(6):
        save(tmp_path / "img_train" / f"T{i:06d}.jpg", photo(i))
        save(tmp_path / "lab_train" / f"T{i:06d}.png", labels(i, (0, 1, 2, 3)))
    for i in range(3):
        save(tmp_path / "img_testA" / f"{i:06d}.jpg", photo(10 + i))
    index = discover(tmp_path)
    assert index.pairing == ["img_train/ + lab_train/: 6 pairs by same name"]
    assert all(p.image.stem == p.mask.stem for p in index.pairs) and len(index.pairs) == 6
    assert sorted(p.name for p in index.unlabelled) == ["000000.jpg", "000001.jpg", "000002.jpg"]


@pytest.mark.parametrize("pictures", [("rgb", "rgb-2k"), ("left", "left-2k")])
def test_several_image_folders_refusal_offers_pictures_named_for_images(tmp_path, pictures):
    """Synscapes: img/{rgb,rgb-2k,depth}/<n>.png|.npy pair with img/class/<n>.png. The refusal's
    example was the first folder, `--images depth`, which trains on the depth maps; it names a
    folder named for images, and else one of pictures before one of arrays."""
    for i in range(1, 4):
        save(tmp_path / "img" / pictures[0] / f"{i}.png", photo(i))
        save(tmp_path / "img" / pictures[1] / f"{i}.png", photo(i, (SIZE[0] * 2, SIZE[1] * 2)))
        (tmp_path / "img" / "depth").mkdir(parents=True, exist_ok=True)
        np.save(tmp_path / "img" / "depth" / f"{i}.npy", np.random.default_rng(i).random(SIZE, np.float32) * 80)
        save(tmp_path / "img" / "class" / f"{i}.png", labels(i, (7, 23, 26)))
    with pytest.raises(DataError, match=rf"pair with the images of 3 folders .*--images {pictures[0]} "):
        discover(tmp_path)
    assert all(pair.image.parent.name == pictures[0] for pair in discover(tmp_path, images=pictures[0]).pairs)


def test_signate_task_prefixed_images_and_annotations_folders_pair(tmp_path):
    """SIGNATE's 2nd AI Edge Contest: seg_train_images/train_0000.jpg + seg_train_annotations/
    train_0000.png (colour masks) beside seg_test_images/. The task word `seg` every folder's
    name starts with read each as a mask folder: no known dataset layout."""
    for i in range(4):
        save(tmp_path / "seg_train_images" / f"train_{i:04d}.jpg", photo(i))
        colours = np.array([(0, 152, 225), (69, 47, 142), (0, 0, 255)], np.uint8)  # sky, lane, car
        save(tmp_path / "seg_train_annotations" / f"train_{i:04d}.png", colours[labels(i)])
    for i in range(2):
        save(tmp_path / "seg_test_images" / f"test_{i:03d}.jpg", photo(10 + i))
    index = discover(tmp_path)
    assert index.pairing == ["seg_train_images/ + seg_train_annotations/: 4 pairs by same name"]
    assert sorted(p.name for p in index.unlabelled) == ["test_000.jpg", "test_001.jpg"]


def test_deepglobe_sat_images_pair_with_their_masks_by_name(tmp_path):
    for i in (119, 855, 10452):
        save(tmp_path / "train" / f"{i}_sat.jpg", photo(i))
        save(tmp_path / "train" / f"{i}_mask.png", labels(i, (0, 1)))
    for split, i in (("valid", 2061), ("test", 1014)):  # released without masks
        save(tmp_path / split / f"{i}_sat.jpg", photo(i))
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and "without mask/image affixes" in index.pairing[0]
    assert sorted(p.name for p in index.unlabelled) == ["1014_sat.jpg", "2061_sat.jpg"] and index.ignored == []


def test_a_lettered_round_of_images_beside_train_is_an_unlabelled_test_set(tmp_path):
    """NAIC 2020: `train/image/1.tif` + `train/label/1.png` beside `image_A/` (test round A, no
    masks): its images were counted as ignored files, not as unlabelled test images."""
    for i in range(1, 4):
        save(tmp_path / "train" / "image" / f"{i}.tif", photo(i))
        save(tmp_path / "train" / "label" / f"{i}.png", labels(i))
    for i in range(1, 3):
        save(tmp_path / "image_A" / f"{i}.tif", photo(10 + i))
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and index.ignored == []
    assert sorted(p.relative_to(tmp_path).as_posix() for p in index.unlabelled) == ["image_A/1.tif", "image_A/2.tif"]


def test_duts_tr_and_te_folders_are_the_train_and_test_splits(tmp_path):
    """DUTS: `DUTS-TR/DUTS-TR-Image/` + `DUTS-TR-Mask/` and `DUTS-TE/...`: TE said no split, so
    the test images were pooled with the training ones and drawn into every split."""
    for split, count in (("TR", 4), ("TE", 2)):
        for i in range(count):
            save(tmp_path / f"DUTS-{split}" / f"DUTS-{split}-Image" / f"ILSVRC2012_test_{split}{i}.jpg", photo(i))
            save(tmp_path / f"DUTS-{split}" / f"DUTS-{split}-Mask" / f"ILSVRC2012_test_{split}{i}.png", labels(i, (0, 255)))
    index = discover(tmp_path)
    assert sorted((p.split, p.image.parent.name) for p in index.pairs) == [
        ("test", "DUTS-TE-Image")] * 2 + [("train", "DUTS-TR-Image")] * 4


def test_cvppp_foreground_and_leaf_masks_beside_rgb_images_offer_a_choice(tmp_path):
    """CVPPP's A1/plant001_rgb.png + plant001_fg.png + plant001_label.png: no layout was found and
    no flag read it (only a manifest did)."""
    folder = tmp_path / "CVPPP2017_LSC_training" / "training" / "A1"
    for i in range(1, 5):
        save(folder / f"plant{i:03d}_rgb.png", photo(i))
        save(folder / f"plant{i:03d}_fg.png", labels(i, (0, 1)))
        save(folder / f"plant{i:03d}_label.png", labels(i, (0, 1, 2)), palette=True)
    with pytest.raises(DataError, match=r"--mask-pattern '\{stem\}_fg.png': 4 masks"):
        discover(tmp_path)
    index = discover(tmp_path, mask_pattern="{stem}_fg.png")
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == [
        (f"plant{i:03d}_rgb.png", f"plant{i:03d}_fg.png") for i in range(1, 5)]


def test_busi_second_lesion_masks_are_masks_not_images(tmp_path):
    """BUSI: 'benign (4).png', 'benign (4)_mask.png' and a second lesion 'benign (4)_mask_1.png',
    which was read as an image without a mask, its lesion silently left out."""
    root = tmp_path / "Dataset_BUSI_with_GT"
    for kind in ("benign", "malignant"):
        for i in range(1, 5):
            save(root / kind / f"{kind} ({i}).png", photo(i))
            save(root / kind / f"{kind} ({i})_mask.png", labels(i, (0, 255)))
        save(root / kind / f"{kind} (2)_mask_1.png", labels(7, (0, 255)))
    with pytest.raises(DataError, match=r"(?s)--mask-pattern '\{stem\}_mask.png': 8 masks\n'\{stem\}_mask_1.png' "
                                        r"\(2 masks\) numbers more masks.*--merge-masks"):
        discover(tmp_path)
    index = discover(tmp_path, mask_pattern="{stem}_mask.png")
    assert len(index.pairs) == 8 and not [p for p in index.problems if p.code == "image-without-mask"]
    assert {p.name for p in index.ignored} == {"benign (2)_mask_1.png", "malignant (2)_mask_1.png"}


def test_coco_stuff_named_folders_pair_by_place_with_year_splits(tmp_path):
    """COCO-Stuff: images/{train,val}2017/*.jpg mirrored by stuffthingmaps_trainval2017/{train,val}2017/*.png,
    whose name says nothing of masks; `train2017` was no split word."""
    from seglab.data.discovery.naming import folder_split

    assert [folder_split(n) for n in ("train2017", "val2014", "test2015", "2017", "x2017")] == [
        "train", "val", "test", None, None]
    for split, ids in (("train", (9, 25, 30)), ("val", (139, 285))):
        for i in ids:
            save(tmp_path / "images" / f"{split}2017" / f"{i:012d}.jpg", photo(i))
            save(tmp_path / "stuffthingmaps_trainval2017" / f"{split}2017" / f"{i:012d}.png", labels(i, (0, 1, 255)))
    index = discover(tmp_path, images="images", masks="stuffthingmaps_trainval2017")
    assert len(index.pairs) == 5 and {p.split for p in index.pairs} == {"train", "val"}
    assert all(p.image.stem == p.mask.stem and p.image.parent.name == p.mask.parent.name for p in index.pairs)


def test_a_mask_folder_named_by_path_is_never_the_image_folder(tmp_path):
    """IDRiD: `--masks` naming the ground-truth folder of a split, which holds one folder per
    lesion, resolved by its base name ('a. Training Set') to the image folder, and every image
    was paired with itself, silently."""
    images = Path("A. Segmentation", "1. Original Images", "a. Training Set")
    truth = Path("A. Segmentation", "2. All Segmentation Groundtruths", "a. Training Set")
    for i in range(1, 5):
        save(tmp_path / images / f"IDRiD_{i:02d}.jpg", photo(i))
        for lesion, suffix in (("1. Microaneurysms", "MA"), ("5. Optic Disc", "OD")):
            red = np.zeros((*SIZE, 3), np.uint8)
            red[..., 0] = labels(i, (0, 255))
            save(tmp_path / truth / lesion / f"IDRiD_{i:02d}_{suffix}.tif", red)
    with pytest.raises(DataError, match=r"(?s)2 folders under --masks .*1. Microaneurysms/: 4 pairs.*5. Optic Disc/"):
        discover(tmp_path, images=str(images), masks=str(truth))
    index = discover(tmp_path, images=str(images), masks=str(truth / "5. Optic Disc"))
    assert [p.mask.name for p in index.pairs] == [f"IDRiD_{i:02d}_OD.tif" for i in range(1, 5)]
    with pytest.raises(DataError, match="both name"):
        discover(tmp_path, images=str(images), masks=str(images))


def test_a_manifest_of_binary_masks_gets_generic_class_names(tmp_path):
    """A pairs.csv of 0/255 masks was named as ISBI 2012 (membrane, cell): the ISBI test held for
    an empty list of mask folders."""
    rows = ["image,mask"]
    for i in range(4):
        save(tmp_path / "cases" / f"IMD{i}" / f"IMD{i}_image.bmp", photo(i))
        save(tmp_path / "cases" / f"IMD{i}" / f"IMD{i}_lesion.bmp", labels(i, (0, 255)))
        rows.append(f"cases/IMD{i}/IMD{i}_image.bmp,cases/IMD{i}/IMD{i}_lesion.bmp")
    (tmp_path / "pairs.csv").write_text("\n".join(rows) + "\n")
    assert discover(tmp_path / "pairs.csv").classes.names == ("class_0", "class_1")


def test_tgs_salt_16_bit_masks_are_binary(tmp_path):
    """TGS Salt ships 16-bit 0/65535 masks: they stopped as 'values outside the classes', with a
    suggested --label-map 65535:ignore that ignored every salt pixel."""
    from seglab.data import read_mask

    for name in ("0a1b2c3d4e", "5f6a7b8c9d", "a0b1c2d3e4"):
        save(tmp_path / "train" / "images" / f"{name}.png", photo(len(name)))
        (tmp_path / "train" / "masks").mkdir(exist_ok=True)
        Image.fromarray(labels(3, (0, 65535), np.uint16)).save(tmp_path / "train" / "masks" / f"{name}.png")
    index = discover(tmp_path)
    assert index.classes.num_classes == 2 and not index.problems
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(3, (0, 1)).astype(np.int64))


def test_masks_of_zero_and_one_other_value_are_offered_the_map_that_reads_them(tmp_path):
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "masks" / f"{i}.png", labels(i, (0, 100)))
    report = inspect_dataset(tmp_path)
    [stray] = [p for p in report.problems if p.code == "values-outside-classes"]
    assert "the masks hold 0 and 100, a binary mask: --label-map 100:1 reads 100 as class 1" in stray.message
    mapped = inspect_dataset(tmp_path, label_map={100: 1})
    assert mapped.classes.num_classes == 2 and not [p for p in mapped.problems if p.code == "values-outside-classes"]


def test_aeroscapes_voc_folder_names_with_own_classes_and_trn_lists(tmp_path):
    """Aeroscapes mimics VOC's folders (JPEGImages/, SegmentationClass/, ImageSets/) with grey
    0..11 masks: it was read as VOC's 21 classes (aeroplane..tvmonitor), by folder name alone,
    and its ImageSets/trn.txt and val.txt were not read."""
    base = tmp_path / "aeroscapes"
    names = [f"00000{s}_00{f}" for s in (1, 2, 3) for f in (1, 2, 3)]
    for i, name in enumerate(names):
        save(base / "JPEGImages" / f"{name}.jpg", photo(i))
        save(base / "SegmentationClass" / f"{name}.png", labels(i, (0, 5, 11)))
        save(base / "Visualizations" / f"{name}.png", photo(i + 50))
    (base / "ImageSets").mkdir()
    (base / "ImageSets" / "trn.txt").write_text("\n".join(names[:6]) + "\n")
    (base / "ImageSets" / "val.txt").write_text("\n".join(names[6:]) + "\n")
    index = discover(tmp_path, images="JPEGImages", masks="SegmentationClass")
    assert index.classes is None or "aeroplane" not in index.classes.names
    assert inspect_dataset(tmp_path, images="JPEGImages", masks="SegmentationClass").classes.num_classes == 12
    assert [p.split for p in index.pairs] == ["train"] * 6 + ["val"] * 3


def test_a_label_map_keeps_the_classes_it_maps_to_that_a_subset_lacks(tmp_path):
    """GTA5 with Cityscapes ids mapped to the 19 train ids: the class count followed the largest
    id present, so a subset without the top classes trained fewer classes than the map names."""
    for i in range(3):
        save(tmp_path / "images" / f"{i:05d}.png", photo(i))
        save(tmp_path / "labels" / f"{i:05d}.png", labels(i, (7, 8, 26)))  # road, sidewalk, car
    report = inspect_dataset(tmp_path, label_map={7: 0, 8: 1, 26: 13, 28: 15, 33: 18, 0: "ignore"})
    assert report.classes.num_classes == 19 and not [p for p in report.problems if p.code == "values-outside-classes"]


def test_messages_name_what_number_pairing_expects_and_every_folder_left(tmp_path):
    """The Cell Tracking Challenge pairs `01/t001.tif` with `01_GT/SEG/man_seg001.tif` by number:
    an image without a gold mask was said to expect `t001.*`. A tree that pairs nothing listed
    its first 6 image folders and no more."""
    for t in range(4):
        save(tmp_path / "ctc" / "01" / f"t{t:03d}.tif", photo(t)[..., 0])
        if t % 2:
            save(tmp_path / "ctc" / "01_GT" / "SEG" / f"man_seg{t:03d}.tif", labels(t, (0, 1, 2)))
    index = discover(tmp_path / "ctc", images="01", masks="01_GT/SEG")
    assert [p.message for p in index.problems if p.code == "image-without-mask"][0] == (
        "image has no mask (expected a mask numbered 0 in 01_GT/SEG/)")
    for i in range(14):
        save(tmp_path / "many" / f"lesion {i}" / f"IDRiD_{i:02d}_{i}.png", labels(i))
    with pytest.raises(DataError, match=r"lesion 7/: 1 image files\n  \.\.\. and 2 more folders"):
        discover(tmp_path / "many")


@pytest.mark.parametrize(("images", "masks", "image_dirs", "mask_dirs"), [
    ("TrainVal_images", "TrainVal_parsing_annotations",  # LIP
     {"train": "TrainVal_images/train_images", "val": "TrainVal_images/val_images"},
     {"train": "TrainVal_parsing_annotations/train_segmentations",
      "val": "TrainVal_parsing_annotations/val_segmentations"}),
    ("images/10k", "labels/sem_seg/masks",  # BDD100K, its test images unlabelled
     {"train": "images/10k/train", "val": "images/10k/val", "test": "images/10k/test"},
     {"train": "labels/sem_seg/masks/train", "val": "labels/sem_seg/masks/val"}),
])
def test_named_folders_pair_the_split_folders_below_them(tmp_path, images, masks, image_dirs, mask_dirs):
    """LIP and BDD100K name their split folders differently under the image and the mask folder
    (and at other depths): --images/--masks paired nothing, so one split at a time was all."""
    for split, folder in image_dirs.items():
        for i in range(3):
            save(tmp_path / folder / f"{split}{i}.jpg", photo(i))
            if split in mask_dirs:
                save(tmp_path / mask_dirs[split] / f"{split}{i}.png", labels(i))
    index = discover(tmp_path, images=images, masks=masks)
    assert sorted((p.split, p.image.stem) for p in index.pairs) == sorted(
        (s, f"{s}{i}") for s in mask_dirs for i in range(3))
    assert all(p.mask.parent == tmp_path / mask_dirs[p.split] for p in index.pairs)
    assert len(index.unlabelled) == (3 if "test" in image_dirs else 0)


def test_glas_split_in_the_file_names(tmp_path):
    """GlaS names its split in each file (train_1.bmp, testA_1.bmp, testB_1.bmp, one folder):
    the official test images were drawn into training."""
    from seglab.data.discovery.naming.split_words import name_split

    assert [name_split(n) for n in ("train_1", "testA_3", "testB_12", "val-001", "tr_1", "valves_2", "t000")] == [
        "train", "test", "test", "val", None, None, None]
    base = tmp_path / "Warwick QU Dataset (Released 2016_07_08)"
    for name in ("train_1", "train_2", "train_3", "train_4", "testA_1", "testA_2", "testB_1"):
        save(base / f"{name}.bmp", photo(len(name)))
        save(base / f"{name}_anno.bmp", labels(len(name), (0, 1)))
    index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {
        "train_1": "train", "train_2": "train", "train_3": "train", "train_4": "train",
        "testA_1": "test", "testA_2": "test", "testB_1": "test"}
    assert {p.name for p in split_pairs(index.pairs, seed=0)["test"]} == {"testA_1", "testA_2", "testB_1"}


def test_mapillary_versions_and_annotation_folders(tmp_path):
    """Mapillary Vistas ships training/images/ beside training/v1.2/{labels,instances,panoptic}/
    and training/v2.0/... : the refusal proposed `--images instances` (16-bit instance maps as
    photos), and `--masks v2.0/labels` matched v1.2/labels/ too, by its last part."""
    for split, count in (("training", 3), ("validation", 2)):
        for i in range(count):
            save(tmp_path / split / "images" / f"key{split[0]}{i}.jpg", photo(i))
            for version in ("v1.2", "v2.0"):
                save(tmp_path / split / version / "labels" / f"key{split[0]}{i}.png", labels(i))
                for kind in ("instances", "panoptic"):
                    save(tmp_path / split / version / kind / f"key{split[0]}{i}.png", labels(i + 9, (0, 300, 7), np.uint16))
    save(tmp_path / "testing" / "images" / "keyx.jpg", photo(7))
    for flags in ({}, {"images": "images", "masks": "v2.0/labels"}):  # without flags it was refused
        index = discover(tmp_path, **flags)
        assert sorted((p.split, p.mask.parent.relative_to(tmp_path).as_posix()) for p in index.pairs) == [
            *[("train", "training/v2.0/labels")] * 3, *[("val", "validation/v2.0/labels")] * 2]
        assert [p.name for p in index.unlabelled] == ["keyx.jpg"]
    older = discover(tmp_path, images="images", masks="v1.2/labels")
    assert {p.mask.parent.parent.name for p in older.pairs} == {"v1.2"}


# cityscapesScripts' labels.py: label id -> colour of the 19 evaluated classes
CITYSCAPES_COLOURS = {
    7: (128, 64, 128), 8: (244, 35, 232), 11: (70, 70, 70), 12: (102, 102, 156), 13: (190, 153, 153),
    17: (153, 153, 153), 19: (250, 170, 30), 20: (220, 220, 0), 21: (107, 142, 35), 22: (152, 251, 152),
    23: (70, 130, 180), 24: (220, 20, 60), 25: (255, 0, 0), 26: (0, 0, 142), 27: (0, 0, 70), 28: (0, 60, 100),
    31: (0, 80, 100), 32: (0, 0, 230), 33: (119, 11, 32),
}


def test_cityscapes_ids_under_other_names_are_read_by_their_colours(tmp_path):
    """GTA5 (palette PNGs whose indices are Cityscapes label ids) and KITTI (grey label ids with a
    `semantic_rgb/` rendering) trained the raw ids, void ids included, as 28 or 27 classes; and
    KITTI's folders paired nothing, and the refusal's example was its instance maps."""
    from seglab.data import read_mask

    palette = [0] * 768
    for label_id, colour in CITYSCAPES_COLOURS.items():
        palette[3 * label_id : 3 * label_id + 3] = colour
    for i in range(3):
        ids = labels(i, (7, 26, 1))  # road, car, ego vehicle (void)
        save(tmp_path / "gta5" / "images" / f"{i:05d}.png", photo(i))
        gta = Image.fromarray(ids, mode="L").convert("P")
        gta.putpalette(palette)
        (tmp_path / "gta5" / "labels").mkdir(parents=True, exist_ok=True)
        gta.save(tmp_path / "gta5" / "labels" / f"{i:05d}.png")
        kitti = tmp_path / "kitti" / "data_semantics" / "training"
        save(kitti / "image_2" / f"{i:06d}_10.png", photo(i))
        save(kitti / "semantic" / f"{i:06d}_10.png", ids)
        (kitti / "instance").mkdir(exist_ok=True)
        Image.fromarray(ids.astype(np.uint16) * 256 + 1).save(kitti / "instance" / f"{i:06d}_10.png")
        save(kitti / "semantic_rgb" / f"{i:06d}_10.png", np.array(palette, np.uint8).reshape(256, 3)[ids])
        save(tmp_path / "plain" / "images" / f"{i}.png", photo(i))  # same values, no Cityscapes colours
        save(tmp_path / "plain" / "masks" / f"{i}.png", ids)
    gta5 = discover(tmp_path / "gta5")
    with pytest.raises(DataError, match=r"(?s)2 folders could.*/semantic/.*semantic_rgb/.*e\.g\. --masks semantic$") as error:
        discover(tmp_path / "kitti")  # `semantic/` sat under `data_semantics/` and was taken for images
    assert "instance/" not in str(error.value)  # object ids are no choice beside label masks
    kitti = discover(tmp_path / "kitti", masks="semantic")
    for index in (gta5, kitti):
        assert index.classes.num_classes == 19 and index.classes.ignore_index == 255
        truth = read_mask(index.pairs[0].mask, index.mapping)
        assert set(np.unique(truth)) == {0, 13, 255}  # road, car, void
    assert discover(tmp_path / "plain").classes is None  # inferred from the values, as before


def test_cityscapes_ids_in_a_dataset_that_names_cityscapes_are_its_19_classes(tmp_path):
    """Synscapes ships img/class/<n>.png, grey Cityscapes label ids, and a README saying its class
    ids follow Cityscapes: they were read as 34 classes, void ids (unlabeled, ground) trained as
    classes. With nothing naming Cityscapes the values are read as they are, and the
    skipped-values finding gives the --label-map of Cityscapes' table; a classes.json of its 19
    classes reads them as the README does."""
    from seglab.data import read_mask
    from seglab.data.encodings.cityscapes import CLASSES

    ids = np.array((0, 6, 7, 8, 11, 21, 23, 24, 26), np.uint8)  # void, road, ..., sky, person, car
    for i in range(1, 4):
        for root in (tmp_path / "Synscapes", tmp_path / "plain"):
            save(root / "img" / "rgb" / f"{i}.png", photo(i))
            save(root / "img" / "class" / f"{i}.png", np.roll(ids[np.arange(SIZE[0] * SIZE[1]) % len(ids)], i).reshape(SIZE))
    (tmp_path / "Synscapes" / "README.md").write_text("# Synscapes\n\nimg/class: class ids follow Cityscapes.\n")
    (tmp_path / "cityscapes.json").write_text(json.dumps({"names": list(CLASSES.names), "ignore_index": 255}))
    for index in (discover(tmp_path / "Synscapes"), discover(tmp_path / "plain", classes_file=tmp_path / "cityscapes.json")):
        assert index.classes.names == CLASSES.names and index.classes.ignore_index == 255
        assert set(np.unique(read_mask(index.pairs[0].mask, index.mapping))) == {0, 1, 2, 8, 10, 11, 13, 255}
    plain = inspect_dataset(tmp_path / "plain")
    assert plain.classes.num_classes == 27
    assert "--label-map 0:ignore,1:ignore," in next(p.message for p in plain.problems if p.code == "skipped-values")


def test_a_void_colour_of_colour_masks_is_ignored(tmp_path):
    """ISPRS Vaihingen's eroded ground truth paints the object boundaries black, which the
    benchmark ignores: declared as a class with it as ignore_index, it was refused as a class
    the masks use; left out, it was an unknown colour. classes.json "void_colours" reads it as
    the ignore label."""
    from seglab.data import read_mask
    from seglab.data.classes import ClassSpec

    colours = {"impervious": (255, 255, 255), "building": (0, 0, 255), "car": (255, 255, 0)}
    for i in range(3):
        ids = labels(i, (0, 1, 2))
        rgb = np.array(list(colours.values()), np.uint8)[ids]
        rgb[ids.shape[0] // 2, :] = 0  # a black boundary line
        save(tmp_path / "top" / f"top_mosaic_09cm_area{i}.tif", photo(i))
        save(tmp_path / "gts_eroded_for_participants" / f"top_mosaic_09cm_area{i}_noBoundary.tif", rgb)
    (tmp_path / "classes.json").write_text(json.dumps({"names": list(colours), "colours": list(colours.values()),
                                                       "void_colours": [[0, 0, 0]]}))
    report = inspect_dataset(tmp_path)
    assert report.classes.num_classes == 3 and report.classes.ignore_index == 255 and not report.problems
    truth = read_mask(report.index.pairs[0].mask, report.index.mapping)
    assert (truth[SIZE[0] // 2] == 255).all() and set(np.unique(truth)) == {0, 1, 2, 255}
    spec = report.classes
    assert ClassSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ValueError, match="a void colour is also a class colour"):
        ClassSpec(names=("a", "b"), colours=((0, 0, 0), (9, 9, 9)), void_colours=((0, 0, 0),))


def test_ph2_one_folder_per_case(tmp_path):
    """PH2: `PH2 Dataset images/IMD002/IMD002_Dermoscopic_Image/IMD002.bmp` with
    `IMD002_lesion/IMD002_lesion.bmp` and `IMD002_roi/` beside: the lesion folders took the image
    role of the 'PH2 Dataset images' wrapper and nothing paired; the refusal's --masks named one
    case only."""
    base = tmp_path / "PH2Dataset" / "PH2 Dataset images"
    for i in range(2, 6):
        case = base / f"IMD{i:03d}"
        save(case / f"IMD{i:03d}_Dermoscopic_Image" / f"IMD{i:03d}.bmp", photo(i))
        save(case / f"IMD{i:03d}_lesion" / f"IMD{i:03d}_lesion.bmp", labels(i, (0, 255)))
        colour = np.zeros((*SIZE, 3), np.uint8)
        colour[2:6, 3:9] = (255, 0, 0)
        save(case / f"IMD{i:03d}_roi" / f"IMD{i:03d}_R1_Label4.bmp", colour)
    with pytest.raises(DataError, match=r"e\.g\. --masks '\*_lesion'$"):
        discover(tmp_path)
    index = discover(tmp_path, masks="*_lesion")
    assert [(p.image.name, p.mask.name) for p in index.pairs] == [
        (f"IMD{i:03d}.bmp", f"IMD{i:03d}_lesion.bmp") for i in range(2, 6)]


def test_values_past_a_gap_are_offered_as_classes_first(tmp_path):
    """Mapillary's labels use ids up to 123 with gaps; a subset's values past the first wide gap
    were offered only as --label-map V:ignore, which drops real classes from training."""
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "labels" / f"{i}.png", labels(i, (0, 1, 2, 3, 40 + 10 * i)))
    [stray] = [p for p in inspect_dataset(tmp_path).problems if p.code == "values-outside-classes"]
    assert stray.message.endswith("if they are classes, --label-map 40:3,50:4,60:5 reads the 6 values found as classes "
                                  '0 to 5 in their order, or name all 61 (0 to 60) in a classes.json "names" list; '
                                  "if they mark void pixels, set --label-map 40:ignore,50:ignore,60:ignore")


def test_vaihingen_photos_under_a_labelling_wrapper_are_images(tmp_path):
    """ISPRS Vaihingen: top/ (photos), gts_for_participants/ and gts_eroded_for_participants/
    under ISPRS_semantic_labeling_Vaihingen/, whose 'labeling' made every folder below a mask
    folder: nothing paired, and --masks gts_for_participants found no images."""
    base = tmp_path / "ISPRS_semantic_labeling_Vaihingen"
    colours = np.array([(255, 255, 255), (0, 0, 255), (255, 255, 0)], np.uint8)
    for i in range(1, 7):
        save(base / "top" / f"top_mosaic_09cm_area{i}.tif", photo(i))
        if i % 2:
            save(base / "gts_for_participants" / f"top_mosaic_09cm_area{i}.tif", colours[labels(i)])
            save(base / "gts_eroded_for_participants" / f"top_mosaic_09cm_area{i}_noBoundary.tif", colours[labels(i)])
    with pytest.raises(DataError, match=r"(?s)gts_eroded_for_participants/: 3 pairs.*gts_for_participants/: 3 pairs.*"
                                        r"e\.g\. --masks gts_"):
        discover(tmp_path)
    index = discover(tmp_path, masks="gts_for_participants")
    assert [p.image.name for p in index.pairs] == [f"top_mosaic_09cm_area{i}.tif" for i in (1, 3, 5)]


def test_a_refusal_names_image_folders_too_deep_to_search(tmp_path):
    """BDD100K unzipped into a folder of its name: its masks sit five levels down
    (bdd100k/bdd100k/labels/sem_seg/masks/train/) and were left out without a word."""
    base = tmp_path / "bdd100k"
    for i in range(3):
        save(base / "images" / "10k" / "train" / f"{i}.jpg", photo(i))
        save(base / "labels" / "sem_seg" / "masks" / "train" / f"{i}.png", labels(i))
    (tmp_path / "bdd100k_sem_seg_labels_trainval.zip").touch()  # as downloaded: no lone wrapper, read as bdd100k/ is
    with pytest.raises(DataError, match=r"folders deeper than 4 levels are not searched, such as "
                                        r"bdd100k/labels/sem_seg/masks/train/: pass a folder further down as DATA"):
        discover(tmp_path)
    assert len(discover(base, images="images/10k", masks="labels/sem_seg/masks").pairs) == 3


def test_a_refusal_says_class_folders_of_photos_are_a_classification_set(tmp_path):
    """MONAI's MedNIST (`MedNIST/AbdomenCT/000000.jpeg`, ... six class folders, beside the archive
    and the tutorial's weights): the refusal listed the folders, never that they hold no masks. A
    folder holding other files too is not said to be one."""
    for k, name in enumerate(("AbdomenCT", "BreastMRI", "CXR", "ChestCT", "Hand", "HeadCT")):
        for i in range(3):
            save(tmp_path / "MedNIST" / name / f"{i:06d}.jpeg", photo(10 * k + i)[..., 0])
    (tmp_path / "MedNIST.tar.gz").write_bytes(b"")
    (tmp_path / "best_metric_model.pth").write_bytes(b"")
    with pytest.raises(DataError, match=r"(?s)MedNIST/CXR/: 3 image files.*these look like the class folders of an "
                                        r"image classification set \(a folder of images per class\) with no masks"):
        discover(tmp_path)
    (tmp_path / "MedNIST" / "Hand" / "notes.txt").write_text("hand radiographs\n")
    assert "classification set" not in what_was_seen(tmp_path)


def test_class_folders_with_image_folders_below_the_search_may_hold_masks_there(tmp_path):
    """Real-IAD: `realiad_1024/<object>/OK/S0001/` within reach, `NG/<defect>/S0101/` with its
    masks (`.png` beside each `.jpg`) a level deeper, and `realiad_jsons/` listing both. The
    refusal said 'class folders of an image classification set ... with no masks anywhere'."""
    base = tmp_path / "realiad_1024" / "audiojack"
    for i in range(3):
        save(base / "OK" / f"S000{i}" / f"audiojack_000{i}_OK_C1.jpg", photo(i))
        save(base / "NG" / "AK" / f"S010{i}" / f"audiojack_010{i}_NG_AK_C1.jpg", photo(10 + i))
        save(base / "NG" / "AK" / f"S010{i}" / f"audiojack_010{i}_NG_AK_C1.png", labels(i, (0, 255)))
    (tmp_path / "realiad_jsons").mkdir()
    (tmp_path / "realiad_jsons" / "audiojack.json").write_text(json.dumps({"train": [
        {"image_path": f"audiojack/OK/S000{i}/audiojack_000{i}_OK_C1.jpg", "mask_path": None} for i in range(3)]}))
    message = what_was_seen(tmp_path)
    assert "no masks anywhere" not in message and "label files" not in message
    assert (f"folders deeper than 4 levels were not searched and masks may lie there "
            f"(realiad_1024/audiojack/NG/AK/S0100/): pass {tmp_path / 'realiad_1024'} as DATA") in message
    assert len(discover(tmp_path / "realiad_1024").pairs) == 3


def hasty_export(root: Path) -> str:
    """Hasty's JSON v1.1 export: images in a folder per Hasty dataset, the labels in one JSON."""
    images = []
    for folder, numbers in (("Default", range(3)), ("batch2", range(3, 5))):
        for i in numbers:
            save(root / folder / f"field_{i:03d}.jpg", photo(i))
            images.append({"image_name": f"field_{i:03d}.jpg", "dataset_name": folder, "width": SIZE[1],
                           "height": SIZE[0], "labels": [{"class_name": "weed", "polygon": [[1, 1], [8, 1], [8, 6]]}]})
    (root / "weeds_export.json").write_text(json.dumps({"export_format_version": "1.1", "images": images}))
    return "weeds_export.json"


def icy_rois(root: Path) -> str:
    """Icy's ROIs in an XML beside each image, named as it."""
    for i in range(3):
        save(root / f"cells_{i:02d}.tif", photo(i)[..., 0])
        (root / f"cells_{i:02d}.xml").write_text("<root><rois><roi><classname>plugins.kernel.roi.roi2d.ROI2DPolygon"
                                                 "</classname><name>cell</name></roi></rois></root>")
    return "./: 3 '.xml' files (cells_00.xml, ...)"


def biigle_report(root: Path) -> str:
    """BIIGLE's CSV image annotation report of a volume, unzipped beside the volume's images."""
    rows = ["annotation_label_id,label_id,label_name,image_id,filename,shape_name,points"]
    for i in range(3):
        save(root / "images" / f"DIVE12_{100 + i:04d}.jpg", photo(i))
        rows.append(f'{i},11,Sponge,{i},DIVE12_{100 + i:04d}.jpg,Polygon,"[1,1,8,1,8,6]"')
    (root / "biigle_report").mkdir()
    (root / "biigle_report" / "42_dive12_csv_image_annotation_report.csv").write_text("\n".join(rows) + "\n")
    return "biigle_report/42_dive12_csv_image_annotation_report.csv"


def toloka_results(root: Path) -> str:
    """Toloka's TSV of a pool's results: the task image's URL, and its shapes as JSON in a cell."""
    rows = ["INPUT:image\tOUTPUT:result\tASSIGNMENT:status"]
    for i in range(3):
        save(root / "images" / f"parking_{i:02d}.jpg", photo(i))
        shapes = [{"shape": "polygon", "label": "car", "points": [{"left": 0.1, "top": 0.1}, {"left": 0.5, "top": 0.2}]}]
        rows.append(f"https://storage.example.net/bucket/parking_{i:02d}.jpg\t{json.dumps(shapes)}\tACCEPTED")
    (root / "assignments_from_pool_41234567.tsv").write_text("\n".join(rows) + "\n")
    return "assignments_from_pool_41234567.tsv"


def annotorious_annotations(root: Path) -> str:
    """Annotorious' W3C Web Annotations, each targeting an image by URL with an SVG selector."""
    annotations = []
    for i in range(3):
        save(root / "img" / f"facade_{i:02d}.jpg", photo(i))
        annotations.append({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
                            "body": [{"type": "TextualBody", "purpose": "tagging", "value": "window"}],
                            "target": {"source": f"http://localhost:8080/img/facade_{i:02d}.jpg", "selector": {
                                "type": "SvgSelector", "value": '<svg><polygon points="1,1 8,1 8,6"></polygon></svg>'}}})
    (root / "annotations.json").write_text(json.dumps(annotations))
    return "annotations.json"


@pytest.mark.parametrize("export", [hasty_export, icy_rois, biigle_report, toloka_results, annotorious_annotations])
def test_a_refusal_names_an_annotation_tools_label_files_that_name_the_images(tmp_path, export):
    """Hasty's JSON beside its dataset folders was called the class folders of a classification set
    with no masks anywhere; Icy's XML sidecars and BIIGLE's CSV report were never named."""
    named = export(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert f"label files that name the images, in a format seglab does not read (an annotation tool's own export):" \
           f"\n  {named}: names the images" in message
    assert "export the labels from the tool as COCO JSON, LabelMe JSON or masks" in message
    assert "classification set" not in message


def bids_sidecars(root: Path) -> None:
    """AxonDeepSeg's BIDS microscopy: `sub-rat1/micr/sub-rat1_sample-data1_SEM.png` and its JSON
    sidecar of the pixel size, named as the image."""
    for i in range(1, 3):
        save(root / "sub-rat1" / "micr" / f"sub-rat1_sample-data{i}_SEM.png", photo(i)[..., 0])
        (root / "sub-rat1" / "micr" / f"sub-rat1_sample-data{i}_SEM.json").write_text(json.dumps(
            {"PixelSize": [0.013, 0.013], "PixelSizeUnits": "um", "BodyPart": "SPINAL CORD"}))


def fovea_points(root: Path) -> None:
    """PALM's `Fovea_location.csv`: a point per image (imgName, Fovea_X, Fovea_Y), beside its disc masks."""
    rows = ["ID,imgName,Fovea_X,Fovea_Y"]
    for i in range(1, 4):
        save(root / "PALM-Training400" / f"H{i:04d}.jpg", photo(i))
        rows.append(f"{i},H{i:04d}.jpg,{20 + i}.5,18.25")
    (root / "Annotation-D&F").mkdir()
    (root / "Annotation-D&F" / "Fovea_location.csv").write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("files", [bids_sidecars, fovea_points])
def test_files_naming_the_images_that_draw_nothing_are_no_annotation_tools_export(tmp_path, files):
    """AxonDeepSeg's BIDS sidecars (`sub-rat1_sample-data1_SEM.json` of the pixel size) and PALM's
    `Fovea_location.csv` (a point per image) were named as labels in a format seglab does not read,
    with the route to export them from the tool as COCO JSON: neither is a labelling export."""
    files(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    assert "label files that name the images" not in str(info.value)


def test_a_refusal_names_deep_image_folders_when_none_is_within_reach(tmp_path):
    """BSDS500's BSR/BSDS500/data/images/train/: only 'no image files found' was said; then that
    sentence, wrong there (Dark Zurich's images are only deep), came before the deep folders."""
    for i in range(3):
        save(tmp_path / "BSR" / "BSDS500" / "data" / "images" / "train" / f"{i}.jpg", photo(i))
    (tmp_path / "BSR" / "bench").mkdir()  # beside BSDS500/: BSR/ is no lone wrapper, which the depth would skip
    with pytest.raises(DataError, match=r"no image files within 4 levels: the images lie deeper\n  \(folders deeper "
                                        r"than 4 levels are not searched, such as BSR/BSDS500/data/images/train/") as info:
        discover(tmp_path)
    assert "no image files found" not in str(info.value)


def test_refuge_illustrations_are_no_images_and_named_tops_pair_below(tmp_path):
    """REFUGE: photos in REFUGE-Training400/Training400/<class>/, masks in
    Annotation-Training400/Disc_Cup_Masks/<class>/ and the photos with the outlines drawn in
    Annotation-Training400/Disc_Cup_Fovea_Illustration/<class>/. `--masks Disc_Cup_Masks` paired
    the masks with the illustrations (the answer drawn in every training image), and naming both
    tops paired nothing."""
    for kind, letter in (("Glaucoma", "g"), ("Non-Glaucoma", "n")):
        for i in range(1, 4):
            save(tmp_path / "REFUGE-Training400" / "Training400" / kind / f"{letter}{i:04d}.jpg", photo(i))
            save(tmp_path / "Annotation-Training400" / "Disc_Cup_Fovea_Illustration" / kind / f"{letter}{i:04d}.jpg",
                 photo(i + 10))
            save(tmp_path / "Annotation-Training400" / "Disc_Cup_Masks" / kind / f"{letter}{i:04d}.bmp",
                 labels(i, (0, 128, 255)))
    with pytest.raises(DataError, match="fit the given folders"):
        discover(tmp_path, masks="Disc_Cup_Masks")
    index = discover(tmp_path, images="REFUGE-Training400/Training400", masks="Annotation-Training400/Disc_Cup_Masks")
    assert sorted((p.image.parent.parent.name, p.mask.parent.parent.name, p.image.stem == p.mask.stem)
                  for p in index.pairs) == [("Training400", "Disc_Cup_Masks", True)] * 6
    assert {p.parent.name for p in index.ignored} == {"Glaucoma", "Non-Glaucoma"}  # the illustrations


def test_isaid_images_folders_inside_mask_folders_hold_masks(tmp_path):
    """iSAID: `train/images/P0002.png` + `train/Semantic_masks/images/P0002_instance_color_RGB.png`
    (and `Instance_masks/images/`): every `images/` was an image folder, so nothing paired and
    no --masks value read it."""
    colours = np.array([[0, 0, 0], [0, 63, 63], [0, 127, 127]], np.uint8)
    for split, count in (("train", 3), ("val", 2)):
        for i in range(count):
            save(tmp_path / split / "images" / f"P{i:04d}.png", photo(i))
            save(tmp_path / split / "Semantic_masks" / "images" / f"P{i:04d}_instance_color_RGB.png", colours[labels(i)])
            save(tmp_path / split / "Instance_masks" / "images" / f"P{i:04d}_instance_id_RGB.png",
                 colours[labels(i + 5)])
    save(tmp_path / "test" / "images" / "P9999.png", photo(9))
    index = discover(tmp_path)
    assert sorted((p.split, p.mask.parent.parent.name) for p in index.pairs) == [
        ("train", "Semantic_masks")] * 3 + [("val", "Semantic_masks")] * 2
    assert [p.name for p in index.unlabelled] == ["P9999.png"]


def test_images_folders_below_a_wrapper_named_like_masks_stay_images(tmp_path):
    """Kvasir-SEG/test/images/ (a wrapper whose name holds 'seg') stays a folder of unlabelled
    test images: only an images/ folder right inside a mask folder holds masks (iSAID's)."""
    for i in range(3):
        save(tmp_path / "Kvasir-SEG" / "train" / "images" / f"{i}.jpg", photo(i))
        save(tmp_path / "Kvasir-SEG" / "train" / "masks" / f"{i}.jpg", labels(i, (0, 255)))
        save(tmp_path / "Kvasir-SEG" / "test" / "images" / f"t{i}.jpg", photo(i + 5))
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and sorted(p.name for p in index.unlabelled) == ["t0.jpg", "t1.jpg", "t2.jpg"]


def test_bdd100k_pairs_its_split_folders_at_other_depths_with_no_flag(tmp_path, caplog):
    """BDD100K: `images/10k/train/` + `labels/sem_seg/masks/train/`, and the same labels drawn in
    colours in `labels/sem_seg/colormaps/train/`: it paired only with --images and --masks."""
    for split in ("train", "val", "test"):
        for i in range(3):
            save(tmp_path / "images" / "10k" / split / f"{split}{i}.jpg", photo(i))
            if split != "test":
                save(tmp_path / "labels" / "sem_seg" / "masks" / split / f"{split}{i}.png", labels(i))
                colours = np.array([[0, 0, 0], [128, 64, 128], [70, 70, 70]], np.uint8)[labels(i)]
                save(tmp_path / "labels" / "sem_seg" / "colormaps" / split / f"{split}{i}.png", colours)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert sorted((p.split, p.mask.parent.relative_to(tmp_path).as_posix()) for p in index.pairs) == sorted(
        (s, f"labels/sem_seg/masks/{s}") for s in ("train", "val") for _ in range(3))
    assert len(index.unlabelled) == 3
    assert "holds pictures of the masks" in caplog.text and "--masks labels/sem_seg/colormaps" in caplog.text
    assert len(discover(tmp_path, masks="labels/sem_seg/colormaps").pairs) == 6


def test_synthia_names_its_label_folder_beside_the_colour_rendering(tmp_path):
    """SYNTHIA-RAND-CITYSCAPES: `RGB/` + `GT/LABELS/` (16-bit RGB PNGs, the class id in R) beside
    `GT/COLOR/` (the labels drawn in colours) and `Depth/Depth/`. The search expected masks in
    `GT/` itself and named no flag; with --masks the class ids read as 0 (Pillow's 8 high bits)."""
    import imagecodecs

    from seglab.data import read_mask

    base = tmp_path / "RAND_CITYSCAPES"
    for i in range(3):
        ids = labels(i, (3, 8, 22)).astype(np.uint16)
        save(base / "RGB" / f"{i:07d}.png", photo(i))
        (base / "GT" / "LABELS").mkdir(parents=True, exist_ok=True)
        (base / "GT" / "LABELS" / f"{i:07d}.png").write_bytes(
            imagecodecs.png_encode(np.stack([ids, (ids == 8) * (100 + i), 0 * ids], axis=-1).astype(np.uint16)))
        save(base / "GT" / "COLOR" / f"{i:07d}.png", np.array([[0, 0, 0]] * 8 + [[0, 0, 142]] * 15 + [[9, 9, 9]],
                                                                np.uint8)[ids])
        save(base / "Depth" / "Depth" / f"{i:07d}.png", (photo(i)[..., 0].astype(np.uint16) * 200))
    with pytest.raises(DataError, match=r"(?s)2 folders could.*GT/COLOR/.*GT/LABELS/.*e\.g\. --masks LABELS$"):
        discover(tmp_path)  # a rendering is no part of the labels: --merge-masks is not offered
    index = discover(tmp_path, masks="LABELS")
    assert relative(index, "mask") == [f"RAND_CITYSCAPES/GT/LABELS/{i:07d}.png" for i in range(3)]
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(0, (3, 8, 22)))


def test_benchmark_colour_tables_name_the_classes(tmp_path, caplog, monkeypatch):
    """ISPRS and UAVid colour masks were classes named '#0000ff' in colour-code order. A table
    whose classes hold every colour found (most of them present) now names them in its order;
    ISPRS's black boundary is not ignored unasked, but the classes.json that does is offered."""
    isprs = [(255, 255, 255), (0, 0, 255), (0, 255, 255), (0, 255, 0), (255, 255, 0), (255, 0, 0)]
    uavid = [(0, 0, 0), (128, 0, 0), (128, 64, 128), (0, 128, 0), (128, 128, 0), (64, 0, 128), (192, 0, 192)]

    def write(name: str, colours: list, boundary: bool = False) -> Path:
        for i in range(len(colours)):
            mask = np.zeros((*SIZE, 3), np.uint8)
            for k, colour in enumerate(colours):
                mask[:, k * SIZE[1] // len(colours) : (k + 1) * SIZE[1] // len(colours)] = colour
            if boundary:
                mask[SIZE[0] // 2] = 0
            save(tmp_path / name / "images" / f"{i}.png", photo(i))
            save(tmp_path / name / "masks" / f"{i}.png", np.roll(mask, i, axis=1))
        return tmp_path / name

    assert discover(write("isprs", isprs)).classes.names == (
        "impervious surfaces", "building", "low vegetation", "tree", "car", "clutter")
    assert discover(write("uavid", uavid)).classes.names[:3] == ("clutter", "building", "road")
    assert discover(write("primaries", isprs[:3])).classes.names == ("#0000ff", "#00ffff", "#ffffff")
    # GID's five colours are ISPRS' but white: they were ISPRS' classes (water 'building', an empty
    # 'impervious surfaces'); GID's complete table names them, and its classes.json is the one offered
    gid = ("built-up", "farmland", "forest", "meadow", "water")
    assert discover(write("gid", isprs[5:] + isprs[3:4] + isprs[2:3] + isprs[4:5] + isprs[1:2])).classes.names == gid
    monkeypatch.setattr(logging.getLogger("seglab"), "propagate", True)
    with caplog.at_level(logging.WARNING, logger="seglab"):
        discover(write("gid_other", isprs[1:], boundary=True))  # with its black 'other' areas
    assert '"built-up"' in caplog.text and "impervious" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="seglab"):
        eroded = discover(write("eroded", isprs, boundary=True))
    assert eroded.classes.num_classes == 7 and '"void_colours": [[0, 0, 0]]' in caplog.text
    caplog.clear()  # Unity Perception's red, green, blue and yellow on black: four of GID's five are no GID
    with caplog.at_level(logging.WARNING, logger="seglab"):
        rendered = discover(write("rendered", [(0, 0, 0), *isprs[1:2], *isprs[3:6]], boundary=True))
    assert "GID" not in caplog.text and rendered.classes.names == ("#000000", "#0000ff", "#00ff00", "#ff0000", "#ffff00")


def test_masks_in_a_few_of_cityscapes_colours_are_offered_its_classes(tmp_path, caplog):
    """A driving dataset's masks in four of Cityscapes' colours (road, sidewalk, sky, car) and
    its black: too few to be taken for Cityscapes' 19 classes, they were '#rrggbb' without a word
    of the table; its classes.json, void colours ignored, is offered, and reads them so."""
    from seglab.data.encodings.cityscapes import CLASSES

    colours = np.array([(0, 0, 0), (128, 64, 128), (244, 35, 232), (70, 130, 180), (0, 0, 142)], np.uint8)
    for i in range(3):
        save(tmp_path / "data" / "images" / f"{i}.png", photo(i))
        stripes = (np.arange(SIZE[1]) // 3 + i) % len(colours)  # 3 columns a colour
        save(tmp_path / "data" / "masks" / f"{i}.png", colours[np.tile(stripes, (SIZE[0], 1))])
    with caplog.at_level(logging.INFO, logger="seglab"):
        assert discover(tmp_path / "data").classes.names == ("#000000", "#00008e", "#4682b4", "#804080", "#f423e8")
    assert "the mask colours are Cityscapes's, 4 of its 19 classes' (too few to take the masks for its)" in caplog.text
    offered = caplog.text.split("classes.json (its void colours ignored): ", 1)[1].splitlines()[0]
    (tmp_path / "classes.json").write_text(offered)
    index = discover(tmp_path / "data", classes_file=tmp_path / "classes.json")
    assert index.classes.names == CLASSES.names and index.ignore_index == 255
    assert set(np.unique(read_mask(index.pairs[0].mask, index.mapping))) == {0, 1, 10, 13, 255}


def test_gid15_colour_table_names_its_classes_and_ignores_black(tmp_path):
    """GID-15 (Fine Land-cover Classification_15classes/image_RGB/ + label_15classes/*_label.tif)
    was read as 16 classes named '#0000c8' in colour-code order, its black 'unlabelled' trained
    as class 0. Its table names its 15 classes in its order when most of them are found, and with
    so many of a table's colours found black is its unlabelled, the ignore label, unasked."""
    from seglab.data import read_mask

    table = [("industrial land", (200, 0, 0)), ("urban residential", (250, 0, 150)),
             ("rural residential", (200, 150, 150)), ("traffic land", (250, 150, 150)), ("paddy field", (0, 200, 0)),
             ("irrigated land", (150, 250, 0)), ("dry cropland", (150, 200, 150)), ("garden plot", (200, 0, 200)),
             ("arbor woodland", (150, 0, 250)), ("shrub land", (150, 150, 250)), ("natural grassland", (250, 200, 0)),
             ("artificial grassland", (200, 200, 0)), ("river", (0, 0, 200)), ("lake", (0, 150, 200)),
             ("pond", (0, 200, 250))]
    colours = np.array([(0, 0, 0)] + [c for _, c in table[:13]], np.uint8)  # black and 13 of the 15
    root = tmp_path / "Fine Land-cover Classification_15classes"
    for i in range(3):
        column = (np.arange(SIZE[1]) + i) % len(colours)
        save(root / "image_RGB" / f"GF2_PMS1__L1A000{i}-MSS1.tif", photo(i))
        save(root / "label_15classes" / f"GF2_PMS1__L1A000{i}-MSS1_label.tif", colours[np.tile(column, (SIZE[0], 1))])
    index = discover(tmp_path)
    assert index.classes.names == tuple(name for name, _ in table)
    mask, column = read_mask(index.pairs[0].mask, index.mapping), np.arange(SIZE[1]) % len(colours)  # the first's
    assert set(np.unique(mask[:, column == 0])) == {255} and set(np.unique(mask[:, column == 1])) == {0}


def test_mapillary_config_names_the_label_values(tmp_path):
    """Mapillary Vistas names its label values in config_v2.0.json ("labels", value i at position
    i, with a readable name, its last 'Unlabeled' evaluated in no class); its classes were
    class_0..class_N."""
    names = ["Bird", "Ground Animal", "Curb", "Fence", "Road", "Unlabeled"]
    for version, readable in (("v1.2", ["Old"] * 6), ("v2.0", names)):
        labels_json = [{"name": f"x--{i}", "readable": r, "color": [i, i, i], "evaluate": r != "Unlabeled"}
                       for i, r in enumerate(readable)]
        (tmp_path / f"config_{version}.json").write_text(json.dumps({"labels": labels_json, "version": version}))
    for i in range(3):
        save(tmp_path / "training" / "images" / f"k{i}.jpg", photo(i))
        save(tmp_path / "training" / "v2.0" / "labels" / f"k{i}.png", labels(i, (0, 2, 4, 5)))
    index = discover(tmp_path, images="images", masks="v2.0/labels")
    assert index.classes.names == tuple(names[:5]) and index.ignore_index == 5  # 'Unlabeled' is evaluated in none
    assert discover(tmp_path, images="images", masks="v2.0/labels", ignore_index=255).classes.num_classes == 6


def test_cell_tracking_challenge_sequences_pair_with_their_truth_folders(tmp_path):
    """The Cell Tracking Challenge: 01/t000.tif with 01_GT/SEG/man_seg000.tif (gold, some frames),
    01_GT/TRA/ (tracking markers) and 01_ST/SEG/ (silver, every frame); 02/ likewise. Nothing
    paired without flags, and --masks 01_ST/SEG matched 01_GT/SEG too and one sequence only."""
    base = tmp_path / "Fluo-N2DH-GOWT1"
    for sequence in ("01", "02"):
        for t in range(4):
            save(base / sequence / f"t{t:03d}.tif", photo(t)[..., 0])
            for folder, name in (("ST/SEG", "man_seg"), ("GT/TRA", "man_track")):
                save(base / f"{sequence}_{folder}" / f"{name}{t:03d}.tif", labels(t, (0, 1, 2)))
            if t % 2:
                save(base / f"{sequence}_GT" / "SEG" / f"man_seg{t:03d}.tif", labels(t, (0, 1, 2)))
    with pytest.raises(DataError, match=r"(?s)01_GT/SEG/: 2 pairs.*01_GT/TRA/: 4 pairs.*01_ST/SEG/: 4 pairs.*"
                                        r"e\.g\. --masks '\*_GT/SEG' --instance-masks \(its man_seg files number the "
                                        r"cells: one foreground class\)$"):
        discover(tmp_path)
    silver = discover(tmp_path, masks="*_ST/SEG")
    assert sorted((p.image.parent.name, p.mask.parent.parent.name) for p in silver.pairs) == [
        *[("01", "01_ST")] * 4, *[("02", "02_ST")] * 4]
    assert len(discover(tmp_path, masks="*_GT/SEG").pairs) == 4


def test_values_past_a_gap_with_a_void_255_are_counted_without_it(tmp_path):
    """COCO-Stuff's values 0..181 and 255 for unlabelled: the advice counted 256 classes."""
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        mask = labels(i, (0, 1, 2))
        mask[0, :3], mask[-1, :3] = 100 + 40 * i, 255
        save(tmp_path / "labels" / f"{i}.png", mask)
    [stray] = [p for p in inspect_dataset(tmp_path).problems if p.code == "values-outside-classes"]
    assert 'name all 181 (0 to 180) in a classes.json "names" list with "ignore_index": 255;' in stray.message


CVAT_LABELMAP = "# label:color_rgb:parts:actions\nbackground:0,0,0::\ncar:51,221,255::\nperson:255,96,96::\n"


def test_a_cvat_segmentation_mask_export_reads_its_labelmap(tmp_path):
    """CVAT's "Segmentation mask 1.1" export with images: JPEGImages/, SegmentationClass/ (RGB in
    the labels' colours), SegmentationObject/ (a colour per object), ImageSets/Segmentation/default.txt
    and labelmap.txt naming the labels and their colours. Before: a choice between the two mask
    folders, then classes named class_0.. in the order the colours were met."""
    colours = {0: (0, 0, 0), 1: (51, 221, 255), 2: (255, 96, 96)}
    for i in range(4):
        ids = labels(i, (0, 2, 1))
        save(tmp_path / "JPEGImages" / f"frame_{i:06d}.jpg", photo(i))
        save(tmp_path / "SegmentationClass" / f"frame_{i:06d}.png", np.array([colours[v] for v in range(3)], np.uint8)[ids])
        save(tmp_path / "SegmentationObject" / f"frame_{i:06d}.png", photo(i + 50)[..., :3] * (ids[..., None] > 0))
    (tmp_path / "ImageSets" / "Segmentation").mkdir(parents=True)
    (tmp_path / "ImageSets" / "Segmentation" / "default.txt").write_text("\n".join(f"frame_{i:06d}" for i in range(4)))
    (tmp_path / "labelmap.txt").write_text(CVAT_LABELMAP)
    index = discover(tmp_path)
    assert index.classes.names == ("background", "car", "person")
    assert index.classes.colours == ((0, 0, 0), (51, 221, 255), (255, 96, 96))
    assert {p.mask.parent.name for p in index.pairs} == {"SegmentationClass"} and len(index.pairs) == 4
    assert "labelmap.txt" not in {p.name for p in index.ignored}
    from seglab.data import read_mask

    np.testing.assert_array_equal(read_mask(index.pairs[1].mask, index.mapping), labels(1, (0, 2, 1)))


def test_a_damaged_cvat_labelmap_is_named_by_line(tmp_path):
    for i in range(2):
        save(tmp_path / "JPEGImages" / f"{i}.jpg", photo(i))
        save(tmp_path / "SegmentationClass" / f"{i}.png", np.array([(0, 0, 0), (51, 221, 255)], np.uint8)[labels(i, (0, 1))])
    (tmp_path / "labelmap.txt").write_text("# label:color_rgb:parts:actions\nbackground:0,0,0::\ncar:51,221::\n")
    with pytest.raises(DataError, match=r"labelmap.txt', line 3: expected 'name:r,g,b::'"):
        discover(tmp_path)


def test_a_roboflow_semantic_mask_export_reads_its_classes_csv(tmp_path):
    """Roboflow's "Semantic Segmentation Masks" export: train/, valid/, test/ each holding
    `<name>_jpg.rf.<hash>.jpg` beside `..._mask.png` and a `_classes.csv` (`Pixel Value, Class`).
    Before: classes class_0, class_1, ... and the three CSVs listed as ignored."""
    for split, count in (("train", 3), ("valid", 2), ("test", 2)):
        for i in range(count):
            name = f"IMG_{i:04d}_jpg.rf.{split}{i:02d}3f9a1c2e"
            save(tmp_path / split / f"{name}.jpg", photo(i))
            save(tmp_path / split / f"{name}_mask.png", labels(i, (0, 1, 2)))
        (tmp_path / split / "_classes.csv").write_text("Pixel Value, Class\n0, background\n1, cat\n2, dog\n")
    (tmp_path / "README.roboflow.txt").write_text("exported via roboflow.com\n")
    (tmp_path / "labels.csv").write_text("id,class\nIMG_0000,cat\n")  # image labels, no value names
    index = discover(tmp_path)
    assert index.classes.names == ("background", "cat", "dog")
    assert {p.split for p in index.pairs} == {"train", "val", "test"} and len(index.pairs) == 7
    assert not [p for p in index.ignored if p.name == "_classes.csv"]


def test_goose_label_mapping_csv_names_its_label_ids(tmp_path):
    """GOOSE 2D: images/<split>/<scenario>/<frame>_windshield_vis.png, labels/<split>/<scenario>/
    <frame>_windshield_{labelids,color,instanceids}.png and goose_label_mapping.csv (`label_key,
    class_name, has_instance, hex`). Before: its header was no value table, so the sparse ids read
    as class_0 ... class_53, with a warning that they looked like object numbers."""
    names = ["undefined", "traffic_cone", "snow", "cobble", "obstacle", "leaves"]
    rows = "".join(f"{i},{name},False,#{i:02x}{i:02x}40\n" for i, name in enumerate(names))
    (tmp_path / "goose_label_mapping.csv").write_text(f"label_key,class_name,has_instance,hex\n{rows}")
    for split in ("train", "val"):
        for i in range(3):
            frame = f"2022-07-22_flight__{i:04d}_16584942343343{i}_windshield"
            save(tmp_path / "images" / split / "2022-07-22_flight" / f"{frame}_vis.png", photo(i))
            save(tmp_path / "labels" / split / "2022-07-22_flight" / f"{frame}_labelids.png", labels(i, (0, 3, 5)))
            save(tmp_path / "labels" / split / "2022-07-22_flight" / f"{frame}_color.png", photo(i + 9))
    index = discover(tmp_path, mask_pattern="{stem}_labelids.png")
    assert index.classes.names == tuple(names)
    assert not [p for p in index.problems if p.code == "instance-ids"]


def test_colour_renderings_beside_label_ids_are_no_images(tmp_path):
    """GOOSE 2D without its `_instanceids.png`: labels/<split>/<scenario>/ holds `<frame>_labelids.png`
    and `<frame>_color.png`, the same labels painted in colours, the photos lying in images/. Before:
    the renderings were paired side by side as the images of the label ids, and the photos were
    left unpaired; now the folder holds masks only and the refusal names the route by the label ids.
    A flat-colour image not named as a rendering (a tiny dataset's `<frame>.png`) stays an image."""
    palette = np.array([(0, 0, 0), (255, 128, 0), (0, 200, 255)], np.uint8)
    for split in ("train", "val"):
        for i in range(3):
            frame = f"2022-07-22_flight__{i:04d}_16584942343343{i}_windshield"
            save(tmp_path / "images" / split / "2022-07-22_flight" / f"{frame}_vis.png", photo(i))
            save(tmp_path / "labels" / split / "2022-07-22_flight" / f"{frame}_labelids.png", labels(i, (0, 3, 5)))
            save(tmp_path / "labels" / split / "2022-07-22_flight" / f"{frame}_color.png", palette[labels(i)])
    with pytest.raises(DataError) as refusal:
        discover(tmp_path)
    assert "--images images --masks labels --mask-pattern '{stem}_labelids.png'" in str(refusal.value)
    index = discover(tmp_path, images="images", masks="labels", mask_pattern="{stem}_labelids.png")
    assert {p.image.parent.parent.parent.name for p in index.pairs} == {"images"} and len(index.pairs) == 6
    for path in (tmp_path / "labels").rglob("*_color.png"):
        path.rename(path.with_name(path.name.replace("_color", "")))
    assert len(discover(tmp_path / "labels").pairs) == 6  # flat colours, named as no rendering: still images

def test_a_csv_of_names_and_colours_names_the_colour_classes_and_its_unlabeled_is_ignored(tmp_path, caplog):
    """VIPER: <split>/img/<seq>/<seq>_<frame>.jpg + <split>/cls/<seq>/... colour masks and a
    classes.csv (`classname, red, green, blue`, 0 'unlabeled'). Before: only `*class_dict*.csv`
    was a colour table, so the classes were '#000000', '#4682b4', ... and unlabeled was trained."""
    from seglab.data import read_mask

    table = [("unlabeled", (0, 0, 0)), ("sky", (70, 130, 180)), ("road", (128, 64, 128)), ("van", (0, 80, 100)),
             ("train", (0, 80, 100))]  # a colour twice: colour masks read it as the first
    (tmp_path / "classes.csv").write_text("classname,red,green,blue\n" + "".join(f"{n},{r},{g},{b}\n"
                                                                                 for n, (r, g, b) in table))
    palette = np.array([colour for _, colour in table[:4]], np.uint8)
    for split, seq in (("train", "001"), ("train", "002"), ("val", "007")):
        for frame in (0, 10):
            save(tmp_path / split / "img" / seq / f"{seq}_{frame:05d}.png", photo(frame))
            save(tmp_path / split / "cls" / seq / f"{seq}_{frame:05d}.png", palette[labels(frame, (0, 1, 2, 3))])
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="img", masks="cls")
    assert index.classes.names == ("sky", "road", "van") and index.classes.colours[1] == (128, 64, 128)
    assert index.ignore_index == 255 and index.classes.void_colours == ((0, 0, 0),)
    assert "'train' has the colour of 'van'" in caplog.text and "classes.csv" not in {p.name for p in index.ignored}
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping),
                                  np.choose(labels(0, (0, 1, 2, 3)), [255, 0, 1, 2]))


def test_cls_folders_beside_img_folders_hold_the_class_masks(tmp_path):
    """VIPER: <split>/img/<seq>/ + <split>/cls/<seq>/ class masks, beside inst/<seq>/ instance masks
    of the same names. Before: `cls` was no mask word, so no folder held masks and the layout was
    refused without --images img --masks cls."""
    for split, seq in (("train", "001"), ("train", "002"), ("val", "007")):
        for frame in (0, 10):
            save(tmp_path / split / "img" / seq / f"{seq}_{frame:05d}.jpg", photo(frame))
            save(tmp_path / split / "cls" / seq / f"{seq}_{frame:05d}.png", labels(frame, (0, 1, 2)))
            save(tmp_path / split / "inst" / seq / f"{seq}_{frame:05d}.png", labels(frame + 1, (0, 7, 9)))
    index = discover(tmp_path)
    assert {p.mask.parent.parent.name for p in index.pairs} == {"cls"} and len(index.pairs) == 6


def test_a_json_of_names_to_values_names_the_mask_values(tmp_path):
    """VSPW: VSPW_480p/data/<video>/origin/<frame>.jpg + mask/<frame>.png (0 'others', ..., 255
    ignored) and VSPW_480p/label_num_dic_final.json (`{"others": 0, "wall": 1, ...}`). Before: a
    JSON of that shape named nothing, so the classes were class_0, class_1, ..."""
    names = ["others", "wall", "ceiling", "door"]
    base = tmp_path / "VSPW_480p"
    base.mkdir()
    (base / "label_num_dic_final.json").write_text(json.dumps({name: i for i, name in enumerate(names)}))
    for video in ("1001_5z_ijQjUf_0", "1002_tjB6cJ3iS9g"):
        for frame in (0, 15):
            save(base / "data" / video / "origin" / f"{frame:08d}.png", photo(frame))
            save(base / "data" / video / "mask" / f"{frame:08d}.png", labels(frame, (0, 1, 3, 255)))
    index = discover(tmp_path, ignore_index=255)
    assert index.classes.names == tuple(names) and index.ignore_index == 255
    index = discover(tmp_path, label_map={255: "ignore"})  # the route inspect offers keeps the names too
    assert index.classes.names == tuple(names) and index.ignore_index == 255


def test_labelme2voc_output_names_its_classes_and_its_pictures_step_aside(tmp_path, caplog):
    """labelme2voc.py's output: JPEGImages/, SegmentationClass/ (.npy), SegmentationClassPNG/,
    SegmentationClassVisualization/ (pictures) and class_names.txt (`_background_`, then the
    labels, value i on line i). Before: three rival folders, and classes class_0, class_1, ..."""
    for i in range(3):
        save(tmp_path / "JPEGImages" / f"{i}.jpg", photo(i))
        np.save(_dir(tmp_path / "SegmentationClass") / f"{i}.npy", labels(i, (0, 1, 2)).astype(np.int32))
        save(tmp_path / "SegmentationClassPNG" / f"{i}.png", labels(i, (0, 1, 2)), palette=True)
        save(tmp_path / "SegmentationClassVisualization" / f"{i}.jpg", photo(i + 9))
    (tmp_path / "class_names.txt").write_text("_background_\nroad\ncar")
    with caplog.at_level("INFO", logger="seglab"), pytest.raises(DataError) as error:
        discover(tmp_path)  # the labels in two encodings are still the user's choice
    assert "SegmentationClassVisualization/ holds pictures of the masks" in caplog.text
    assert "SegmentationClassVisualization" not in str(error.value)
    index = discover(tmp_path, masks="SegmentationClassPNG")
    assert index.classes.names == ("_background_", "road", "car")
    assert "class_names.txt" not in {p.name for p in index.ignored}


def test_a_two_column_or_foreground_only_list_is_no_class_names_list(tmp_path):
    from seglab.data.classes import fitted_to_masks, value_names_from_list

    (tmp_path / "classes.txt").write_text("0 background\n1 road\n")
    assert value_names_from_list(tmp_path / "classes.txt") is None
    (tmp_path / "classes.txt").write_text("background\nroad\n")
    assert value_names_from_list(tmp_path / "classes.txt").names == {0: "background", 1: "road"}
    (tmp_path / "classes.txt").write_text("road\ncar\n")  # foreground classes only: value 0 is not road
    listed = value_names_from_list(tmp_path / "classes.txt")
    assert listed.needs_every_value and fitted_to_masks(listed, {0, 1, 2}) is None  # background, road, car


def test_paddleseg_labels_txt_names_the_values_of_its_grey_masks(tmp_path, caplog):
    """PaddleSeg's custom dataset: images/ + labels/ (values 0..N-1, 255 ignore) and labels.txt, a
    class name a line, line i naming value i. Before: labels.txt was listed as ignored, the
    classes were class_0 ... class_3 and 255 a fatal value outside them."""
    names = ["background", "road", "building", "vegetation"]
    for i in range(3):
        save(tmp_path / "images" / f"image{i}.jpg", photo(i))
        mask = labels(i, (0, 1, 2, 3))
        mask[0, :] = 255
        save(tmp_path / "labels" / f"image{i}.png", mask)
    (tmp_path / "labels.txt").write_text("\n".join(names) + "\n")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert index.classes.names == tuple(names) and index.ignore_index == 255
    assert "labels.txt" not in {p.name for p in index.ignored} and "labels.txt' (4 classes" in caplog.text
    (tmp_path / "labels.txt").write_text("These are the labels we drew.\nRoads were drawn by hand.\n")  # prose
    assert discover(tmp_path).classes is None


def test_fastai_codes_txt_names_every_value_though_its_first_is_no_background(tmp_path, caplog):
    """fastai's CamVid: camvid/images/<name>.png, camvid/labels/<name>_P.png and codes.txt, a name
    a line for values 0, 1, ... ('Animal' first, 'Void' among them). Before: a list whose first
    name is no background was not read (classes class_0 ... class_30). A list that does not name
    every value the masks hold is still none of theirs (the foreground classes alone)."""
    codes = ["Animal", "Building", "Road", "Sky", "Void", "Wall"]
    for i in range(3):
        save(tmp_path / "camvid" / "images" / f"0001TP_{i:06d}.png", photo(i))
        save(tmp_path / "camvid" / "labels" / f"0001TP_{i:06d}_P.png", labels(i, (2, 1, 4, 3)))
    (tmp_path / "camvid" / "codes.txt").write_text("\n".join(codes) + "\n")
    index = discover(tmp_path)
    assert index.classes.names == ("Animal", "Building", "Road", "Sky", "Wall") and index.ignore_index == 255
    assert index.mapping.apply(np.array([[4, 5, 2]])).tolist() == [[255, 4, 2]]  # Void scored in no class
    (tmp_path / "camvid" / "codes.txt").write_text("Building\nRoad\nSky\n")  # names values 1-3, not 0-4
    with caplog.at_level(logging.INFO, logger="seglab"):
        assert discover(tmp_path).classes is None
    assert "codes.txt' is not read as the names of the mask values" in caplog.text


def cvat_xml(labels: list[str]) -> str:
    """A CVAT for images 1.1 export's head: its labels in <meta>, no <image>."""
    listed = "".join(f"<label><name>{name}</name><attributes/></label>" for name in labels)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta><task>'
            f"<labels>{listed}</labels></task></meta>\n</annotations>\n")


def test_cvat_export_of_any_name_names_the_masks_rendered_from_it(tmp_path, caplog):
    """AI Hub's sidewalk 'Surface masking': Surface_N/<frame>.jpg + Surface_N/MASK/<frame>.png (grey
    ids) + Surface_N/Surface_N.xml, a CVAT for images export of the polygons naming the labels.
    The XML was passed over (class_0 ... class_6, the XML ignored): a CVAT export of any name
    names value i + 1 after its label i, where the masks hold no value past them. Each sequence
    folder is a group, so its frames never straddle the splits."""
    names = ["alley", "bike_lane", "braille_guide_blocks", "caution_zone", "roadway", "sidewalk"]
    for s in range(1, 4):
        folder = tmp_path / f"Surface_{s}"
        for i in range(3):
            save(folder / f"MP_SEL_SUR_{10 * s + i:06d}.jpg", photo(i))
            save(folder / "MASK" / f"MP_SEL_SUR_{10 * s + i:06d}.png", labels(i, (0, 5, 6, 1 + (s + i) % 4)))
        (folder / f"Surface_{s}.xml").write_text(cvat_xml(names))
    index = discover(tmp_path)
    assert index.classes.names == ("background", *names)
    assert {p.group for p in index.pairs} == {"Surface_1", "Surface_2", "Surface_3"}
    save(tmp_path / "Surface_1" / "MASK" / "MP_SEL_SUR_000010.png", labels(0, (0, 5, 7)))  # 7: past the labels
    with caplog.at_level(logging.INFO, logger="seglab"):
        assert discover(tmp_path).classes is None
    assert "Surface_1.xml' is not read as the names of the mask values: the masks hold value 7" in caplog.text


def test_weka_data_arff_names_the_classes_of_its_classified_images(tmp_path):
    """Fiji's Trainable Weka Segmentation: images/ + classified/ (value i for class i) and the
    plugin's data.arff (`@attribute class {membrane,mitochondria,cytoplasm}`). Before: data.arff
    was listed as ignored and the classes were class_0, class_1, class_2."""
    for i in range(3):
        save(tmp_path / "images" / f"em_slice_{i:02d}.png", photo(i)[..., 0])
        save(tmp_path / "classified" / f"em_slice_{i:02d}.png", labels(i, (2, 0, 1)))
    rows = ["@relation segment", "@attribute Original numeric", "@attribute class {membrane,mitochondria,cytoplasm}",
            "@data", "12.0,membrane"]
    (tmp_path / "data.arff").write_text("\n".join(rows) + "\n")
    index = discover(tmp_path)
    assert index.classes.names == ("membrane", "mitochondria", "cytoplasm")
    assert "data.arff" not in {p.name for p in index.ignored}


def test_a_numbered_classes_txt_names_binary_masks_and_no_void_is_claimed_where_none_is(tmp_path, caplog):
    """A weed project made by hand: 0/255 masks and a classes.txt of `0 background` and `1 weed`
    lines. Before: that classes.txt was read as a name a line alone (refused), and 0/255 masks took
    no names: class_0, class_1. Their 255 is the weed, never a void; 0/1 masks take the names too,
    with no '255 is void' claimed where no mask holds 255, and 255 void where masks do (RailSem19's).
    A table beside them that cannot be read (a metadata CSV in Latin-1) is passed over."""
    from seglab.data import read_mask

    (tmp_path / "classes.txt").write_text("0 background\n1 weed\n")
    (tmp_path / "metadata.csv").write_bytes("image,lésion\n".encode("latin-1"))
    for i in range(3):
        save(tmp_path / "images" / f"IMG_{i:04d}.jpg", photo(i))
        save(tmp_path / "masks" / f"IMG_{i:04d}_mask.png", labels(i, (0, 255)))
    index = discover(tmp_path)
    assert index.classes.names == ("background", "weed") and index.ignore_index is None
    assert read_mask(index.pairs[0].mask, index.mapping).max() == 1
    (tmp_path / "metadata.csv").unlink()  # label masks' tables are read strictly, as before
    for i in range(3):
        save(tmp_path / "masks" / f"IMG_{i:04d}_mask.png", labels(i, (0, 1)))
    with caplog.at_level("INFO", logger="seglab"):
        index = discover(tmp_path)
    assert index.classes.names == ("background", "weed") and index.ignore_index is None
    assert "void" not in caplog.text
    save(tmp_path / "masks" / "IMG_0000_mask.png", labels(0, (0, 1, 255)))
    index = discover(tmp_path)
    assert index.classes.names == ("background", "weed") and index.ignore_index == 255


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_refusal_offers_the_label_masks_before_a_background_mask(tmp_path):
    """WSSS4LUAD's 2.validation/{img,mask,background-mask}/00.png (palette PNGs): the refusal's
    example was --masks background-mask, the mask of the non-tissue region, not the labels."""
    for i in range(3):
        save(tmp_path / "2.validation" / "img" / f"{i:02d}.png", photo(i))
        save(tmp_path / "2.validation" / "mask" / f"{i:02d}.png", labels(i, (0, 1, 2, 3)), palette=True)
        save(tmp_path / "2.validation" / "background-mask" / f"{i:02d}.png", labels(i, (0, 1)), palette=True)
    with pytest.raises(DataError, match=r"e\.g\. --masks mask$"):
        discover(tmp_path)


def test_object_masks_step_aside_only_for_a_folder_named_for_classes(tmp_path):
    """`object_masks/` beside `boundaries/`: nothing says which holds the classes, so both are
    listed (beside `SegmentationClass/` or `semantic/` the object masks step aside)."""
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "object_masks" / f"{i}.png", labels(i, (0, 1)))
        save(tmp_path / "boundaries" / f"{i}.png", labels(i + 1, (0, 1)))
    with pytest.raises(DataError, match=r"(?s)2 folders could hold the masks.*boundaries/.*object_masks/"):
        discover(tmp_path)


def loveda(root: Path) -> None:
    """LoveDA as shipped: Train/ and Val/ with Urban/ and Rural/ domains, each images_png/ +
    masks_png/ (0 no data, 1..7 classes), Test/ images only."""
    number = 1366
    for split in ("Train", "Val"):
        for domain in ("Urban", "Rural"):
            for i in range(2):
                number += 7
                name = f"{number}.png"
                save(root / split / domain / "images_png" / name, photo(i))
                save(root / split / domain / "masks_png" / name, labels(i, (0, 3, 7)))
    save(root / "Test" / "Urban" / "images_png" / "4000.png", photo(9))


@pytest.mark.parametrize("ignore_flag", [None, 0])
def test_loveda_reads_its_seven_classes_with_no_data_ignored(tmp_path, ignore_flag):
    """Before: eight unnamed classes with no-data among them; `--ignore-index 0`, which the docs
    suggested, gave the seven without their names. Both ways now give LoveDA's classes."""
    from seglab.data import read_mask

    loveda(tmp_path)
    index = discover(tmp_path, ignore_index=ignore_flag)
    assert index.classes.names == ("background", "building", "road", "water", "barren", "forest", "agriculture")
    assert index.ignore_index == -1 and {p.split for p in index.pairs} == {"train", "val"}
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(0, (0, 3, 7)).astype(int) - 1)


def test_pairs_shipped_in_two_file_formats_are_read_once(tmp_path, caplog):
    """CVC-ClinicDB ships `PNG/Original/` + `PNG/Ground Truth/` and the same pairs as
    `TIF/...`; the Massachusetts roads on Kaggle `png/train/` and `tiff/train/`. Both copies were
    read, every image twice (and copies could straddle the splits). Now the TIFF originals are
    read, the other copy listed as ignored, and the log names the flag that reads it."""
    for folder, suffix in (("PNG", "png"), ("TIF", "tif")):
        for i in range(4):
            save(tmp_path / "CVC-ClinicDB" / folder / "Original" / f"{i + 1}.{suffix}", photo(i))
            save(tmp_path / "CVC-ClinicDB" / folder / "Ground Truth" / f"{i + 1}.{suffix}", labels(i, (0, 255)))
    with caplog.at_level(logging.INFO, logger="seglab.data.layouts.folder_pairs"):
        index = discover(tmp_path / "CVC-ClinicDB")
    assert relative(index) == [f"TIF/Original/{i}.tif" for i in range(1, 5)]
    assert sorted(p.relative_to(index.root).parts[0] for p in index.ignored) == ["PNG"] * 8
    assert "--images PNG reads the other format" in caplog.text
    assert relative(discover(tmp_path / "CVC-ClinicDB", images="PNG")) == [f"PNG/Original/{i}.png" for i in range(1, 5)]
    for folder, suffix in (("png", "png"), ("tiff", "tif")):  # split folders below the format folder
        for split in ("train", "test"):
            save(tmp_path / "roads" / folder / split / f"{split}_1.{suffix}", photo(3))
            save(tmp_path / "roads" / folder / f"{split}_labels" / f"{split}_1.{suffix}", labels(3, (0, 255)))
    assert relative(discover(tmp_path / "roads")) == ["tiff/test/test_1.tif", "tiff/train/train_1.tif"]


def test_pairs_shipped_in_folders_named_with_a_format_word_are_read_once_and_named(tmp_path, caplog):
    """Kaggle's People Clothing Segmentation ships `png_images/IMAGES/` + `png_masks/MASKS/` and the
    same pairs as `jpeg_images/IMAGES/` + `jpeg_masks/MASKS/`, the JPEG masks' ids damaged along
    every edge, with a `labels.csv` pandas wrote (`,label_list`, then `0,null`, ...). All 2x pairs
    were read (copies straddling the splits, stray ids from the JPEGs) as class_0 ... class_N. Now
    the PNG copy is read, the JPEG one listed as ignored and the flag reading it logged, and the
    table names the values."""
    root = tmp_path / "people_clothing"
    names = ["null", "accessories", "bag", "belt", "blazer", "blouse", "skin"]
    for i in range(1, 5):
        mask = labels(i, (0, 5, 6))
        for folder, suffix in (("png", "png"), ("jpeg", "jpeg")):
            save(root / f"{folder}_images" / "IMAGES" / f"img_{i:04d}.{suffix}", photo(i))
            save(root / f"{folder}_masks" / "MASKS" / f"seg_{i:04d}.{suffix}", mask)
    (root / "labels.csv").write_text(",label_list\n" + "".join(f"{k},{n}\n" for k, n in enumerate(names)))
    with caplog.at_level(logging.INFO, logger="seglab.data.layouts.folder_pairs"):
        index = discover(root)
    assert relative(index) == [f"png_images/IMAGES/img_{i:04d}.png" for i in range(1, 5)]
    assert sorted({p.relative_to(root).parts[0] for p in index.ignored}) == ["jpeg_images", "jpeg_masks"]
    assert "--images jpeg_images reads the other format" in caplog.text
    assert index.classes.names == tuple(names)  # its 0 'null' is the background, no void: most of each photo
    assert relative(discover(root, images="jpeg_images")) == [f"jpeg_images/IMAGES/img_{i:04d}.jpeg"
                                                              for i in range(1, 5)]


def test_masks_at_another_resolution_of_the_same_aspect_ratio_are_told_how_to_fit(tmp_path):
    """The COVID-19 Radiography Database ships 299x299 radiographs and 256x256 lung masks:
    every pair was a fatal size mismatch saying only 'export the mask at its image's size', as
    the hint for masks shrunk by a whole factor covered 2x, 3x, ... alone. A mask of the image's
    aspect ratio is now told as a resolution, with the resize that fits it."""
    root = tmp_path / "COVID-19_Radiography_Dataset"
    for diagnosis in ("COVID", "Viral Pneumonia"):
        for i in range(1, 3):
            save(root / diagnosis / "images" / f"{diagnosis}-{i}.png", photo(i, (20, 20)))
            save(root / diagnosis / "masks" / f"{diagnosis}-{i}.png", labels(i, (0, 255), size=(16, 16)))
    problems = audit(discover(tmp_path)).problems
    assert len(problems) == 4 and {p.code for p in problems} == {"size-mismatch"}
    assert all("is 20x20, 1.25 times the mask on each side (the same aspect ratio)" in p.message
               and "pass --resize-masks, which reads each mask resized to its image's size" in p.message
               for p in problems)


def test_masks_at_another_resolution_are_read_at_their_images_size_with_resize_masks(tmp_path, caplog, monkeypatch):
    """Rico's screenshots are 1080x1920 (`combined/<id>.jpg`), its semantic annotations 1440x2560
    (`semantic_annotations/<id>.png`, colour boxes on white): every pair a fatal size mismatch whose
    routes all edited the dataset. `--resize-masks` reads each mask at its image's size, nearest
    neighbour, colours exact, the files as they are; a finding names the shipped mask."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "rico"
    colours = [(0, 150, 136), (233, 30, 99), (255, 193, 7)]
    for i in range(4):
        mask = np.full((64, 36, 3), 255, np.uint8)
        mask[8:40, 4:28], mask[44:60, 8:32] = colours[i % 3], colours[(i + 1) % 3]
        save(root / "semantic_annotations" / f"{i}.png", mask)
        save(root / "combined" / f"{i}.png", photo(i, (48, 27)))
    assert {p.code for p in audit(discover(root)).fatal} == {"size-mismatch"}
    with caplog.at_level(logging.WARNING, logger="seglab.data.layouts.resized_masks"):
        index = discover(root, resize_masks=True)
    assert "4 masks are their images at another resolution" in caplog.text
    assert audit(index).problems == [] and index.classes.names == ("#ffffff", "#009688", "#e91e63", "#ffc107")
    pair = index.pairs[0]
    np.testing.assert_array_equal(read_mask(pair.mask, index.mapping)[[0, 10, 40], [0, 5, 10]], [0, 1, 2])
    assert pair.sources == {pair.mask: f"resized from '{root / 'semantic_annotations' / '0.png'}' to its image's size"}
    assert Image.open(root / "semantic_annotations" / "0.png").size == (36, 64)  # the dataset as it was
    assert main(["inspect", str(root), "--resize-masks"]) == 0


@pytest.mark.parametrize("colours", [False, True], ids=["uint16-labels", "rgb"])
def test_resize_masks_reads_tiff_masks_at_their_images_size(tmp_path, monkeypatch, colours):
    """TIFF masks at another resolution (label maps of 16 bits, or colours) were offered
    `--resize-masks`, which left them as they were (a TIFF's header gave no size): still a fatal
    size mismatch. Now they are read resized, their values and type exact."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "tiffs"
    for i in range(3):
        mask = np.zeros((64, 36, 3) if colours else (64, 36), np.uint8 if colours else np.uint16)
        mask[8:40, 4:28], mask[44:60, 8:32] = (255, 0, 0) if colours else 2, (0, 0, 255) if colours else 1
        (root / "masks").mkdir(parents=True, exist_ok=True)
        tifffile.imwrite(root / "masks" / f"{i}.tif", mask)
        save(root / "images" / f"{i}.png", photo(i, (48, 27)))
    problem = next(p for p in audit(discover(root)).fatal if p.code == "size-mismatch")
    assert "pass --resize-masks" in problem.message
    index = discover(root, resize_masks=True)
    assert audit(index).problems == []
    resized = tifffile.imread(index.pairs[0].mask)
    assert resized.shape[:2] == (48, 27) and resized.dtype == (np.uint8 if colours else np.uint16)
    assert main(["inspect", str(root), "--resize-masks"]) == 0


def test_the_size_mismatch_hint_offers_resize_masks_only_where_it_reads_the_mask(tmp_path):
    """`.npy` masks at another resolution were offered `--resize-masks`, which leaves a mask whose
    header gives no size as it is: the hint now names the resize of the images alone there."""
    root = tmp_path / "arrays"
    for i in range(3):
        mask = np.zeros((64, 36), np.uint8)
        mask[8:40, 4:28] = 1
        (root / "masks").mkdir(parents=True, exist_ok=True)
        np.save(root / "masks" / f"{i}.npy", mask)
        save(root / "images" / f"{i}.png", photo(i, (48, 27)))
    problem = next(p for p in audit(discover(root)).fatal if p.code == "size-mismatch")
    assert "the same aspect ratio" in problem.message and "resize the images to the masks' size" in problem.message
    assert "--resize-masks" not in problem.message


def test_resize_masks_names_the_shipped_mask_on_findings_about_the_mask_alone(tmp_path, monkeypatch):
    """A finding about a screenshot of Rico read with `--resize-masks` said "(resized from
    'semantic_annotations/1.png' ...)": the note on the cached mask went to every file of the pair,
    the dataset's own image too, which was never resized."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "rico"
    for i in range(3):
        mask = np.full((64, 36, 3), 255, np.uint8)
        if i < 2:  # the third's is white alone: the background fills it
            mask[8:40, 4:28] = (0, 150, 136)
        save(root / "semantic_annotations" / f"{i}.png", mask)
        save(root / "combined" / f"{i}.png", photo(max(i - 1, 0), (48, 27)))  # 1.png repeats 0.png
    index = discover(root, resize_masks=True)
    findings = {p.code: p for p in audit(index).problems}
    copy, filled = findings["duplicate-image"], findings["empty-mask"]  # white, class 0, alone
    assert copy.path == root / "combined" / "1.png" and "resized from" not in copy.message
    assert filled.path == index.pairs[2].mask
    assert f"(resized from '{root / 'semantic_annotations' / '2.png'}' to its image's size)" in filled.message


def test_a_folder_holding_its_split_folders_pairs_again_is_set_aside(tmp_path, caplog):
    """HRSC2016 ships `FullDataSet/` beside `Train/` and `Test/`, each with `AllImages/` +
    `Segmentations/`, the full set holding every split pair again (and images never annotated).
    All were read: 18 pairs for 9, every one a `duplicate-image`, and the folder splits lost. Now
    the folder whose pairs are the others' together, the same files, is set aside and logged,
    whatever its name (a `trainval/` beside `train/` and `val/`); a folder of other masks is read."""
    root = tmp_path / "HRSC2016"
    for i, split in enumerate(["Train"] * 3 + ["Test"] * 2):
        for folder in (split, "FullDataSet"):
            save(root / folder / "AllImages" / f"{100 + i}.bmp", photo(i))
            save(root / folder / "Segmentations" / f"{100 + i}.png", labels(i, (0, 1, 2)))
    save(root / "FullDataSet" / "AllImages" / "200.bmp", photo(9))  # never annotated
    with caplog.at_level(logging.INFO, logger="seglab.data.discovery"):
        report = inspect_dataset(root)
    assert Counter(p.split for p in report.index.pairs) == {"train": 3, "test": 2}
    assert all(p.image.parts[-3] != "FullDataSet" for p in report.index.pairs)
    assert sorted({p.relative_to(root).parts[0] for p in report.index.ignored}) == ["FullDataSet"]
    assert not [p for p in report.problems if p.code in ("duplicate-image", "image-without-mask")]
    assert "FullDataSet/AllImages/ holds the 5 pairs of" in caplog.text and "--images FullDataSet/AllImages" in caplog.text
    for i, split in enumerate(("train", "val", "val")):
        for folder in (split, "trainval"):
            save(tmp_path / "voc" / folder / "images" / f"{i}.png", photo(i))
            save(tmp_path / "voc" / folder / "masks" / f"{i}.png", labels(i))
    assert relative(discover(tmp_path / "voc")) == ["train/images/0.png", "val/images/1.png", "val/images/2.png"]
    save(root / "FullDataSet" / "Segmentations" / "100.png", labels(0, (0, 2, 1)))  # other masks: no copy
    assert len(discover(root).pairs) == 10


def test_a_dataset_copied_into_itself_or_beside_itself_is_read_once(tmp_path, caplog):
    """A Kaggle upload zipped twice over: `archive/Water Bodies Dataset/{Images,Masks}/` and the
    same files again in `archive/Water Bodies Dataset/Water Bodies Dataset/`. Both were read: 20
    pairs for 10, each a `duplicate-image`, and `train` stopped on `duplicate-across-splits` in the
    split it drew. A folder holding another's pairs again, whole (the same names in the same split,
    the same files) in a folder inside the other's or named as its copy, is now set aside and
    logged, the copy nearer DATA read; so are `Copy of data/` and `data - Copy (2)/` beside `data/`.
    Folders alike by chance (test fixtures' sites, clips) are read, other masks for one image are
    no copy, and copies in two split folders are the audit's to report."""
    from seglab import config
    from seglab.data.loading.prepare import prepare_data

    top = tmp_path / "kaggle" / "archive" / "Water Bodies Dataset"
    for folder in (top, top / "Water Bodies Dataset"):
        for i in range(10):
            save(folder / "Images" / f"water_body_{i + 1}.png", photo(i))
            save(folder / "Masks" / f"water_body_{i + 1}.png", labels(i, (0, 255)))
    with caplog.at_level(logging.INFO, logger="seglab.data.discovery"):
        report = inspect_dataset(tmp_path / "kaggle")
    assert relative(report.index) == sorted(f"archive/Water Bodies Dataset/Images/water_body_{i}.png" for i in range(1, 11))
    assert len(report.index.ignored) == 20 and not [p for p in report.problems if p.code == "duplicate-image"]
    assert ("archive/Water Bodies Dataset/Water Bodies Dataset/Images/ holds the 10 pairs of archive/Water Bodies "
            "Dataset/Images/ again" in caplog.text)
    assert "--images 'archive/Water Bodies Dataset/Water Bodies Dataset/Images' reads the copy alone" in caplog.text
    for seed in range(3):  # the train path: the split drawn, then the audit
        assert len(prepare_data(config.DataConfig(path=str(tmp_path / "kaggle")), seed=seed).index.pairs) == 10
    for folder in ("data", "Copy of data", "data - Copy (2)", "site2"):  # site2/: alike by chance, no copy by name
        for i in range(4):
            save(tmp_path / "drive" / folder / "images" / f"{i}.png", photo(i))
            save(tmp_path / "drive" / folder / "masks" / f"{i}.png", labels(i))
    assert relative(discover(tmp_path / "drive")) == [f"{top}/images/{i}.png" for top in ("data", "site2") for i in range(4)]
    save(tmp_path / "drive" / "Copy of data" / "masks" / "3.png", labels(3, (0, 2, 1)))  # another version's masks
    assert len(discover(tmp_path / "drive").pairs) == 12
    for split in ("train", "val"):  # the same pairs in two split folders: not one dataset twice
        for i in range(3):
            save(tmp_path / "splits" / split / "images" / f"{i}.png", photo(i))
            save(tmp_path / "splits" / split / "masks" / f"{i}.png", labels(i))
    assert len(discover(tmp_path / "splits").pairs) == 6


def _union_reference(matches: list) -> list:
    """`without_unions`' kept matches, worked out the plain way: every match against every other."""
    from seglab.data.discovery.folders.union_folders import _copies, by_name, file_size

    held = {id(match): by_name(match) for match in matches}

    def parts(whole):
        mine = held[id(whole)]
        return [part for part in matches if (names := held[id(part)]) and names.keys() < mine.keys()
                and file_size(names[min(names)][0]) == file_size(mine[min(names)][0]) and _copies(names, mine)]

    aside = [whole for whole in matches if len(found := parts(whole)) >= 2
             and set().union(*(held[id(part)] for part in found)) == held[id(whole)].keys()]
    return [match for match in matches if not any(match is whole for whole in aside)]


def test_union_folders_are_found_as_every_folder_compared_with_every_other_finds_them(tmp_path):
    """`union_folders._within` looks for a part's wholes only among the folders each of whose names
    a smaller folder holds too; on random folders (names shared, bytes copied or not, files of one
    size, unions of unions and near-unions) it sets aside exactly what comparing every folder with
    every other does."""
    from seglab.data.discovery.folders.union_folders import without_unions
    from seglab.data.discovery.naming import KEY_RULES
    from seglab.data.discovery.pairing import FolderMatch

    rng = np.random.default_rng(0)
    variants = [b"a" * 8, b"b" * 8, b"c" * 9]  # two contents of one size, one larger
    set_aside = 0
    for trial in range(60):
        root = tmp_path / str(trial)
        contents: list[dict[str, bytes]] = [
            {f"{n}.png": variants[rng.integers(3)] for n in rng.choice(6, rng.integers(1, 5), replace=False)}
            for _ in range(rng.integers(2, 6))]
        for _ in range(rng.integers(1, 4)):  # unions of two or three folders, some of them altered
            union = {k: v for i in rng.choice(len(contents), rng.integers(2, 4)) for k, v in contents[i].items()}
            if rng.random() < 0.3:
                union[f"{rng.integers(8)}.png"] = variants[rng.integers(3)]
            contents.append(union)
        matches = []
        for number, files in enumerate(contents):
            pairs = []
            for name, data in sorted(files.items()):
                for kind in ("img", "mask"):
                    (root / str(number) / kind).mkdir(parents=True, exist_ok=True)
                    (root / str(number) / kind / name).write_bytes(data)
                pairs.append((name[:-4], root / str(number) / "img" / name, root / str(number) / "mask" / name))
            matches.append(FolderMatch(root / str(number) / "img", root / str(number) / "mask", None, KEY_RULES[0],
                                       pairs))
        kept, _ = without_unions(matches, root)
        expected = _union_reference(matches)
        assert [m.image_dir for m in kept] == [m.image_dir for m in expected], trial
        set_aside += len(matches) - len(kept)
    assert set_aside >= 20  # the trials hold unions, not only folders alike by chance


def test_video_folders_numbered_alike_are_not_compared_byte_for_byte(tmp_path, monkeypatch):
    """DAVIS or YouTube-VOS: a folder per video, each numbering its frames from 00000, so every
    shorter video's names are some of every longer one's. Each such pair of videos was compared
    byte for byte as a possible copy (quadratic in the videos: 1.9 million file comparisons at
    2,000 videos); frames of other videos differ in size, so none is compared now."""
    from seglab.data.discovery.folders import union_folders

    compared = []
    real = union_folders.filecmp.cmp
    monkeypatch.setattr(union_folders.filecmp, "cmp", lambda *a, **k: compared.append(a) or real(*a, **k))
    for video in range(8):
        for frame in range(2 + video):
            save(tmp_path / "JPEGImages" / f"v{video}" / f"{5 * frame:05d}.png", photo(10 * video + frame, (8 + video, 8)))
            save(tmp_path / "Annotations" / f"v{video}" / f"{5 * frame:05d}.png", labels(frame, size=(8 + video, 8)))
    assert len(discover(tmp_path).pairs) == sum(2 + video for video in range(8)) and compared == []


def test_clip_folders_of_one_file_size_are_not_compared_byte_for_byte_as_task_copies(tmp_path, monkeypatch):
    """CULane: a folder per clip, each holding `00000.jpg`, `00030.jpg`, ..., its first frame the
    size of many others'. Every two such clips were compared byte for byte as the images of two
    tasks (quadratic: 192,000 file comparisons at 3,200 clips); clips whose first frames differ
    are compared with none now (uncompressed TIFFs here: every first frame as large)."""
    from seglab.data.discovery.folders import task_copies

    compared = []
    real = task_copies.filecmp.cmp
    monkeypatch.setattr(task_copies.filecmp, "cmp", lambda *a, **k: compared.append(a) or real(*a, **k))
    for clip in range(6):
        for frame in range(0, 90, 30):
            save(tmp_path / "driver_23_30frame" / f"{clip:04d}.MP4" / f"{frame:05d}.tif", photo(10 * clip + frame))
            save(tmp_path / "laneseg_label_w16" / "driver_23_30frame" / f"{clip:04d}.MP4" / f"{frame:05d}.png",
                 labels(clip + frame))
    assert len({p.stat().st_size for p in tmp_path.rglob("00000.tif")}) == 1
    assert len(discover(tmp_path).pairs) == 18 and compared == []


def test_files_made_from_a_paired_image_are_ignored_not_unpaired(tmp_path):
    """ISIC 2017 ships each lesion's superpixels beside its photo (`ISIC_0000000_superpixels.png`
    by `ISIC_0000000.jpg`): six 'image has no mask' warnings before, for files that are no images
    to label."""
    for i in range(3):
        save(tmp_path / "ISIC-2017_Training_Data" / f"ISIC_{i:07d}.jpg", photo(i))
        save(tmp_path / "ISIC-2017_Training_Data" / f"ISIC_{i:07d}_superpixels.png", photo(i + 10))
        save(tmp_path / "ISIC-2017_Training_Part1_GroundTruth" / f"ISIC_{i:07d}_segmentation.png", labels(i, (0, 255)))
    save(tmp_path / "ISIC-2017_Training_Data" / "ISIC_0000009.jpg", photo(9))  # a photo without its mask: still said
    report = inspect_dataset(tmp_path)
    assert len(report.index.pairs) == 3
    assert sorted(p.name for p in report.index.ignored) == [f"ISIC_{i:07d}_superpixels.png" for i in range(3)]
    assert [p.path.name for p in report.problems if p.code == "image-without-mask"] == ["ISIC_0000009.jpg"]


def test_a2d2_class_list_json_names_the_colour_classes(tmp_path, caplog):
    """A2D2 ships camera_lidar_semantic/class_list.json ({"#ff0000": "Car 1", ...}) for its
    colour masks: its classes were read as '#48d1cc', ..."""
    from seglab.data import read_mask

    base = tmp_path / "camera_lidar_semantic"
    table = {"#ff0000": "Car 1", "#87ceff": "Sky", "#48d1cc": "Ego car", "#c80000": "Car 2"}
    palette = np.array([(255, 0, 0), (135, 206, 255), (72, 209, 204)], np.uint8)
    sequence = base / "20180807_145028"  # one: the table lies above the folder holding images and masks
    for i in range(3):
        save(sequence / "camera" / "cam_front_center" / f"20180807145028_camera_frontcenter_{i:09d}.png", photo(i))
        save(sequence / "label" / "cam_front_center" / f"20180807145028_label_frontcenter_{i:09d}.png",
             palette[labels(i)])
    (base / "class_list.json").write_text(json.dumps(table))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="label")
    assert index.classes.names == ("Car 1", "Sky", "Ego car", "Car 2") and index.classes.colours[2] == (72, 209, 204)
    assert "class_list.json" in caplog.text
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(0))
    (base / "class_list.json").write_text(json.dumps({"#ff0000": "Car 1", "#FF0000": "Car 2"}))
    with pytest.raises(DataError, match=r"class_list.json': classes 'Car 1' and 'Car 2' have the same colour"):
        discover(tmp_path, masks="label")


def test_datumaro_dataset_meta_numbers_the_colour_classes_by_label_id(tmp_path, caplog):
    """Datumaro's Common Semantic Segmentation format: Dataset/dataset_meta.json (`label_map` of
    ids to names, `segmentation_colors` in id order, `background_label`) over images/ and RGB
    masks/. Before: the classes were the masks' colours as '#rrggbb' in sorted-hex order (crack,
    label 1, was class 2)."""
    from seglab.data import read_mask

    base = tmp_path / "Dataset"
    names = ["background", "crack", "spalling"]
    colours = [[0, 0, 0], [230, 25, 75], [60, 180, 75]]
    for i in range(3):
        save(base / "images" / f"bridge_{i:03d}.jpg", photo(i))
        save(base / "masks" / f"bridge_{i:03d}.png", np.array(colours, np.uint8)[labels(i)])
    meta = {"label_map": {str(i): n for i, n in enumerate(names)}, "segmentation_colors": colours,
            "background_label": "0"}
    (base / "dataset_meta.json").write_text(json.dumps(meta))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert index.classes.names == tuple(names) and index.classes.colours[1] == (230, 25, 75)
    assert "dataset_meta.json" in caplog.text
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(0))
    (base / "dataset_meta.json").write_text(json.dumps({**meta, "segmentation_colors": colours[:2]}))
    with pytest.raises(DataError, match=r"dataset_meta.json': segmentation_colors should hold one \[r, g, b\]"):
        discover(tmp_path)


def test_endovis_2018_labels_json_numbers_the_colour_classes_by_classid(tmp_path, caplog):
    """EndoVis 2018: miccai_challenge_2018_release_{1,2}/labels.json (`[{"name", "color",
    "classid"}]`) over seq_N/{left_frames,right_frames,labels}/ colour masks. Before: the table
    lay above the folders searched and no JSON list was read, so the classes were '#rrggbb' in
    sorted-hex order (kidney-parenchyma, classid 4, was class 3 here)."""
    from seglab.data import read_mask

    table = [("background-tissue", (0, 0, 0)), ("instrument-shaft", (0, 255, 0)),
             ("instrument-clasper", (0, 255, 255)), ("kidney-parenchyma", (255, 55, 0)),
             ("covered-kidney", (24, 55, 125))]
    entries = [{"name": name, "color": list(colour), "classid": k} for k, (name, colour) in enumerate(table)]
    palette = np.array([colour for _, colour in table], np.uint8)
    for release, seqs in (("miccai_challenge_2018_release_1", (1, 2)), ("miccai_challenge_2018_release_2", (5,))):
        (tmp_path / release).mkdir()
        (tmp_path / release / "labels.json").write_text(json.dumps(entries[::-1]))  # the ids, not the order, count
        for seq in seqs:
            for frame in range(2):
                for eye in ("left_frames", "right_frames"):
                    save(tmp_path / release / f"seq_{seq}" / eye / f"frame{frame:03d}.png", photo(seq * 10 + frame))
                save(tmp_path / release / f"seq_{seq}" / "labels" / f"frame{frame:03d}.png",
                     palette[labels(frame, (0, 1, 2, 3, 4))])
    with pytest.raises(DataError, match="--images left_frames"):  # the right eye's frames have no labels
        discover(tmp_path)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="left_frames")
    assert index.classes.names == tuple(name for name, _ in table) and index.classes.colours[3] == (255, 55, 0)
    assert "release_1/labels.json" in caplog.text and len(index.pairs) == 6
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(0, (0, 1, 2, 3, 4)))

def rugd(root: Path, colormap: str) -> None:
    """RUGD: RUGD_frames-with-annotations/<scene>/ + RUGD_annotations/<scene>/ colour masks, and
    RUGD_annotations/RUGD_annotation-colormap.txt (`id name r g b`, 0 'void')."""
    (root / "RUGD_annotations").mkdir(parents=True)
    (root / "RUGD_annotations" / "RUGD_annotation-colormap.txt").write_text(colormap)
    palette = np.array([(0, 0, 0), (108, 64, 20), (0, 102, 0)], np.uint8)
    for scene in ("creek", "trail"):
        for i in (1, 6):
            name = f"{scene}_{i:05d}.png"
            save(root / "RUGD_frames-with-annotations" / scene / name, photo(i))
            save(root / "RUGD_annotations" / scene / name, palette[labels(i)])


def test_rugd_colormap_names_the_colour_classes_and_its_void_is_ignored(tmp_path):
    """Its classes were '#000000', '#006600', ... and void (black) was trained as one."""
    from seglab.data import read_mask

    rugd(tmp_path, "0 void 0 0 0\n1 dirt 108 64 20\n2 sand 255 229 204\n3 grass 0 102 0\n")
    index = discover(tmp_path, masks="RUGD_annotations")
    assert index.classes.names == ("dirt", "sand", "grass") and index.classes.colours[0] == (108, 64, 20)
    assert index.ignore_index == 255 and index.classes.void_colours == ((0, 0, 0),)
    mask = labels(1)
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), np.choose(mask, [255, 0, 2]))
    (tmp_path / "RUGD_annotations" / "RUGD_annotation-colormap.txt").write_text("0 void 0 0 0\n1 dirt 108 64\n")
    with pytest.raises(DataError, match=r"colormap.txt', line 2: expected 'id name r g b'; got '1 dirt 108 64'"):
        discover(tmp_path, masks="RUGD_annotations")


def rellis3d(root: Path) -> None:
    """RELLIS-3D: Rellis-3D/<seq>/pylon_camera_node/*.jpg + pylon_camera_node_label_id/*.png
    (grey ids 0, 1, 3, ...: not contiguous) and Rellis-3D/ontology.yaml (names, then colours)."""
    base = root / "Rellis-3D"
    base.mkdir(parents=True)
    (base / "ontology.yaml").write_text("- 0: void\n  1: dirt\n  3: grass\n  4: tree\n"
                                        "- 0: [0, 0, 0]\n  1: [108, 64, 20]\n  3: [0, 102, 0]\n  4: [0, 255, 0]\n")
    for seq in ("00000", "00001"):
        for i in range(2):
            name = f"frame{i:06d}-1581624652_{i * 250:03d}"
            save(base / seq / "pylon_camera_node" / f"{name}.jpg", photo(i))
            save(base / seq / "pylon_camera_node_label_id" / f"{name}.png", labels(i, (0, 1, 3, 4)))


def test_rellis3d_ontology_names_the_label_ids_without_gaps_and_void_ignored(tmp_path, caplog):
    """Its classes were class_0 ... class_4 (class_2 taught by no pixel) and void 0 a class."""
    from seglab.data import read_mask

    rellis3d(tmp_path)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="pylon_camera_node_label_id")
    assert index.classes.names == ("dirt", "grass", "tree") and index.ignore_index == 255
    assert "ontology.yaml" in caplog.text and "0 ('void') scored in no class" in caplog.text
    expected = np.choose(labels(1, (0, 1, 2, 3)), [255, 0, 1, 2])
    np.testing.assert_array_equal(read_mask(index.pairs[1].mask, index.mapping), expected)
    (tmp_path / "Rellis-3D" / "ontology.yaml").write_text("- 0: void\n  1: [dirt\n")
    with pytest.raises(DataError, match=r"ontology.yaml' cannot be read as YAML"):
        discover(tmp_path, masks="pylon_camera_node_label_id")


def test_bcss_gt_codes_name_the_values_and_outside_roi_is_ignored(tmp_path):
    """BCSS: images/ + masks/ (grey codes 0..21) and gt_codes.tsv (`label<TAB>GT_code`), whose 0
    'outside_roi' is don't-care: the classes were class_0 ... and 0 was learned as a class."""
    from seglab.data import read_mask

    (tmp_path / "gt_codes.tsv").write_text("label\tGT_code\noutside_roi\t0\ntumor\t1\nstroma\t2\n")
    for i in range(3):
        name = f"TCGA-A1-A0SK-DX1_xmin{i}_ymin25055_MPP-0.2500.png"
        save(tmp_path / "images" / name, photo(i))
        save(tmp_path / "masks" / name, labels(i))
    index = discover(tmp_path)
    assert index.classes.names == ("tumor", "stroma") and index.ignore_index == 255
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), np.choose(labels(0), [255, 0, 1]))
    assert discover(tmp_path, ignore_index=0).classes.names == ("tumor", "stroma")  # the flag reads it alike


def test_cihp_refusal_offers_the_id_folder_not_its_colour_rendering(tmp_path):
    """CIHP's Training/ holds Images/ and six mask folders; the example was --masks Categories,
    the colour rendering of Category_ids/."""
    base = tmp_path / "instance-level_human_parsing" / "Training"
    for i in range(3):
        save(base / "Images" / f"{i:07d}.jpg", photo(i))
        for folder in ("Category_ids", "Instance_ids", "Human_ids"):
            save(base / folder / f"{i:07d}.png", labels(i))
        for folder in ("Categories", "Instances", "Humans"):
            save(base / folder / f"{i:07d}.png", photo(i + 10))
    with pytest.raises(DataError, match=r"e\.g\. --masks Category_ids$"):
        discover(tmp_path)


def test_mmsegmentation_img_dir_and_ann_dir_with_a_numbered_class_table(tmp_path):
    """mmsegmentation's layout (FoodSeg103, and every dataset its converters write):
    `img_dir/{train,test}/` + `ann_dir/{train,test}/` was refused ('no known dataset layout');
    FoodSeg103's headerless `category_id.txt` (`0<tab>background`) names the values. A numbered
    list one off from the masks (COCO-Stuff's `0: unlabeled`) or from 1 (CUB's classes.txt) names
    nothing."""
    root = tmp_path / "FoodSeg103"
    for split, count in (("train", 3), ("test", 2)):
        for i in range(count):
            save(root / "Images" / "img_dir" / split / f"{split}{i:08d}.jpg", photo(i))
            save(root / "Images" / "ann_dir" / split / f"{split}{i:08d}.png", labels(i, (0, 1, 2)))
    (root / "category_id.txt").write_text("0\tbackground\n1\tcandy\n2\tegg tart\n")
    index = discover(root)
    assert sorted(p.split for p in index.pairs) == ["test", "test", "train", "train", "train"]
    assert inspect_dataset(root).classes.names == ("background", "candy", "egg tart")
    (root / "category_id.txt").write_text("0: unlabeled\n1: candy\n2: egg tart\n")
    assert inspect_dataset(root).classes.names == ("class_0", "class_1", "class_2")
    (root / "category_id.txt").write_text("1 001.Black_footed_Albatross\n2 002.Laysan_Albatross\n")
    assert inspect_dataset(root).classes.names == ("class_0", "class_1", "class_2")


@pytest.mark.parametrize("cutouts", [False, True])
def test_eiseg_label_folder_with_its_cutouts_and_its_coloured_label_list(tmp_path, cutouts):
    """EISeg (PaddleSeg's labeller) saves `label/<stem>.png` (palette, index = label id) beside the
    images, a `<stem>_cutout.png` (the photo, background transparent) when cut-outs are on, and
    the label list `labels.txt` of `id name R G B` lines with no line for 0. The cut-outs were
    offered as a rival naming to pick, and the list named nothing (class_0, class_1, ...)."""
    root = tmp_path / "eiseg"
    for i in range(3):
        save(root / "dataset" / f"IMG_2024{i:04d}.jpg", photo(i))
        save(root / "dataset" / "label" / f"IMG_2024{i:04d}.png", labels(i, (0, 1, 2)), palette=True)
        (root / "dataset" / "label" / f"IMG_2024{i:04d}.json").write_text("[]")
        if cutouts:
            rgba = np.dstack([photo(i), np.where(labels(i, (0, 1, 2)) > 0, 255, 0).astype(np.uint8)])
            save(root / "dataset" / "label" / f"IMG_2024{i:04d}_cutout.png", rgba)
    (root / "dataset" / "labels.txt").write_text("1 person 128 0 0\n2 bag 0 128 0\n")
    index = discover(root)
    assert sorted(p.mask.name for p in index.pairs) == [f"IMG_2024{i:04d}.png" for i in range(3)]
    assert ({p.name for p in index.ignored} >= {f"IMG_2024{i:04d}_cutout.png" for i in range(3)}) == cutouts
    assert inspect_dataset(root).classes.names == ("background", "person", "bag")


def test_pixelannotationtool_watershed_masks_are_read_beside_the_strokes_with_config_json_names(tmp_path):
    """PixelAnnotationTool saves beside each image its strokes `<stem>_mask.png` (sparse), the
    watershed grown from them `<stem>_watershed_mask.png` (dense: the annotation) and their
    rendering `<stem>_color_mask.png`, grey ids as RGB, and names the ids in `config.json`. The
    refusal offered the strokes first; without the rendering the two namings are still a choice."""
    config = {"labels": {name: {"categorie": category, "color": colour, "id": k, "id_categorie": 0, "name": name}
                         for k, (name, category, colour) in enumerate((("unlabeled", "void", [0, 0, 0]),
                                                                       ("road", "flat", [128, 64, 128]),
                                                                       ("car", "vehicle", [0, 0, 142])))}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    for i in range(3):
        dense = labels(i, (1, 2, 1))
        strokes = np.where(np.arange(SIZE[1]) % 5 == 0, dense, 0).astype(np.uint8)
        save(tmp_path / f"scene_{i:02d}.jpg", photo(i))
        save(tmp_path / f"scene_{i:02d}_mask.png", np.dstack([strokes] * 3))
        save(tmp_path / f"scene_{i:02d}_watershed_mask.png", np.dstack([dense] * 3))
        save(tmp_path / f"scene_{i:02d}_color_mask.png", np.array([[0, 0, 0], [128, 64, 128], [0, 0, 142]], np.uint8)[dense])
    index = discover(tmp_path)
    assert sorted(p.mask.name for p in index.pairs) == [f"scene_{i:02d}_watershed_mask.png" for i in range(3)]
    assert {p.name for p in index.ignored} >= {f"scene_{i:02d}_mask.png" for i in range(3)}
    assert inspect_dataset(tmp_path).classes.names == ("road", "car")
    for i in range(3):
        (tmp_path / f"scene_{i:02d}_color_mask.png").unlink()
    with pytest.raises(DataError, match=r"pick the labels to train on"):
        discover(tmp_path)


def test_dronedeploy_ortho_images_pair_with_label_masks(tmp_path):
    """DroneDeploy's `images/<scene>-ortho.tif` + `labels/<scene>-label.png` did not pair (and no
    --mask-pattern could pair them: the image keeps `-ortho`); `-ortho` is an image affix now, and
    `elevations/<scene>-elev.tif` stays out."""
    root = tmp_path / "dataset-medium"
    # real scene names: numbers shared between scenes, so no number rule pairs them
    for scene in ("107f24d6e9_F1BE1D4184INSPIRE", "1d4fbe33f3_F1BE1D4184INSPIRE", "1d056881e8_29FEA32BC7INSPIRE"):
        save(root / "images" / f"{scene}-ortho.tif", photo(len(scene)))
        save(root / "labels" / f"{scene}-label.png", labels(len(scene)))
        save(root / "elevations" / f"{scene}-elev.tif", photo(len(scene))[..., 0])
    index = discover(root)
    assert [p.mask.name.replace("-label.png", "") for p in index.pairs] == \
        [p.image.name.replace("-ortho.tif", "") for p in index.pairs] and len(index.pairs) == 3


def test_agriculture_vision_boundaries_are_never_the_images(tmp_path):
    """Agriculture-Vision: `train/images/rgb/` + `train/labels/<class>/` (a 0/255 mask per class),
    beside `train/boundaries/` and `train/masks/` (0/255 field and valid-pixel masks). The two
    helper masks were paired with each other, boundaries as the images, without a word; a folder
    of mask-like files is no image folder where folders named for images exist."""
    root = tmp_path / "Agriculture-Vision-2021"
    for split in ("train", "val"):
        for i in range(3):
            name = f"1AD76MIZ{i}_1009-2130-1521-2642"
            save(root / split / "images" / "rgb" / f"{name}.jpg", photo(i))
            save(root / split / "images" / "nir" / f"{name}.jpg", photo(i)[..., 0])
            for folder in ("boundaries", "masks", "labels/water", "labels/weed_cluster"):
                save(root / split / folder / f"{name}.png", labels(i, (0, 255)))
    try:
        index = discover(tmp_path)
    except DataError as err:
        assert "/images/" in str(err)  # its masks equal the labels here: no area to score, a choice
    else:
        assert not [p for p in index.pairs if "boundaries" in p.image.parts]


def test_photos_with_a_painted_background_are_refused_as_masks(tmp_path):
    """Oxford 102 Flowers' `segmim/segmim_00001.jpg` is the photo with its background painted
    blue: read as colour masks it was one class, every flower pixel 'snapped' to the blue with a
    warning, until training stopped on one class. Most pixels in colours to snap: photos."""
    y, x = np.mgrid[: SIZE[0], : SIZE[1]]
    for i in range(4):  # a smooth photo: thousands of colours, each rare
        image = np.stack([x * 5 + i, y * 7 + 3 * i, (x + y) * 3 + 40], axis=-1).astype(np.uint8)
        painted = image.copy()
        painted[:, : SIZE[1] // 3] = (0, 0, 254)
        save(tmp_path / "jpg" / f"image_{i:05d}.png", image)
        save(tmp_path / "segmim" / f"segmim_{i:05d}.png", painted)
    with pytest.raises(DataError, match="no class colour, .* Are they photos"):
        discover(tmp_path, images="jpg", masks="segmim")


def test_the_photo_refusal_names_the_classes_flag_and_the_files_form(tmp_path, capsys):
    """Kaggle's Cityscapes pairs, one class colour found among a JPEG's thousands: the refusal said
    "list the class colours in classes.json", naming neither --classes nor the form. The form it
    names now is one --classes reads."""
    y, x = np.mgrid[: SIZE[0], : SIZE[1]]
    for i in range(4):
        image = np.stack([x * 5 + i, y * 7 + 3 * i, (x + y) * 3 + 40], axis=-1).astype(np.uint8)
        painted = image.copy()
        painted[:, : SIZE[1] // 3] = (128, 64, 128)
        save(tmp_path / "data" / "jpg" / f"image_{i:05d}.png", image)
        save(tmp_path / "data" / "segmim" / f"segmim_{i:05d}.png", painted)
    assert main(["inspect", str(tmp_path / "data"), "--images", "jpg", "--masks", "segmim"]) == 2
    assert 'list the class colours in a classes.json passed with --classes FILE ({"names": ["background", ' \
           '"road", ...], "colours": [[0, 0, 0], [128, 64, 128], ...]}' in capsys.readouterr().err
    classes = tmp_path / "classes.json"
    classes.write_text(json.dumps({"names": ["background", "road"], "colours": [[0, 0, 0], [128, 64, 128]]}))
    assert load_classes_file(classes).colours == ((0, 0, 0), (128, 64, 128))


def test_istd_refusal_names_the_image_folder_of_every_split(tmp_path):
    """ISTD's train/train_A/ (shadow images), train_B/ (masks), train_C/ (shadow-free images), and
    test/test_A, B, C: both A and C pair with B, refused; the refusal named `--images test_A`,
    which read the test split alone and trained on it. It names `'*_A'` now, every split's."""
    root = tmp_path / "ISTD_Dataset"
    for split, count in (("train", 4), ("test", 2)):
        for i in range(count):
            for folder in ("A", "C"):
                save(root / split / f"{split}_{folder}" / f"{i}-1.png", photo(i + ord(folder)))
            save(root / split / f"{split}_B" / f"{i}-1.png", labels(i, (0, 255)))
    with pytest.raises(DataError, match=r"--images '\*_A'"):
        discover(tmp_path)
    index = discover(tmp_path, images="*_A")
    assert sorted(p.split for p in index.pairs) == ["test"] * 2 + ["train"] * 4


def test_refusal_offers_the_object_masks_before_their_edges(tmp_path):
    """COD10K's Train/Image/ beside GT_Object/, GT_Edge/ and GT_Instance/: the refusal's example
    was `--masks GT_Edge`, the first name in order; the masks the others are drawn from come first."""
    for i in range(3):
        save(tmp_path / "Train" / "Image" / f"COD10K-CAM-{i}.jpg", photo(i))
        for folder in ("GT_Edge", "GT_Instance", "GT_Object"):
            save(tmp_path / "Train" / folder / f"COD10K-CAM-{i}.png", labels(i, (0, 255)))
    with pytest.raises(DataError, match="e.g. --masks GT_Object"):
        discover(tmp_path)


def test_maps_beside_the_images_of_a_val_split_are_not_unlabelled(tmp_path):
    """PhenoBench's val/images/ + val/semantics/ beside val/plant_visibility/ (a 0/1 map per image):
    once mask-like folders were no image folders, the val maps were counted unlabelled images."""
    for split in ("train", "val"):
        for i in range(3):
            save(tmp_path / "PhenoBench" / split / "images" / f"05-15_{i:05d}.png", photo(i))
            save(tmp_path / "PhenoBench" / split / "semantics" / f"05-15_{i:05d}.png", labels(i))
            save(tmp_path / "PhenoBench" / split / "plant_visibility" / f"05-15_{i:05d}.png", labels(i, (0, 1)))
    index = discover(tmp_path, masks="semantics")
    assert len(index.pairs) == 6 and not index.unlabelled


def test_one_bit_pbm_masks_are_read(tmp_path):
    """Figaro1k's GT/Training/Frame00001-gt.pbm (1-bit Netpbm, which Pillow reads) was refused as
    a format seglab does not read."""
    from seglab.data import read_mask

    (tmp_path / "GT" / "Training").mkdir(parents=True)
    for i in range(1, 4):
        save(tmp_path / "Original" / "Training" / f"Frame{i:05d}-org.jpg", photo(i))
        Image.fromarray(labels(i, (0, 255))).convert("1").save(tmp_path / "GT" / "Training" / f"Frame{i:05d}-gt.pbm")
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and index.mapping.kind == "binary"
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), labels(1, (0, 1)))


def test_trainval_and_test_folders_pair_by_split(tmp_path):
    """TN3K's trainval-image/ + trainval-mask/ beside test-image/ + test-mask/ (ids restart at 0000
    in each): both mask folders pair with either image folder by name, so it was refused, and the
    flag offered was refused again. `trainval` names the train split (val drawn from it)."""
    root = tmp_path / "Thyroid Dataset" / "tn3k"
    for split, count in (("trainval", 4), ("test", 2)):
        for i in range(count):
            save(root / f"{split}-image" / f"{i:04d}.jpg", photo(i + 10 * (split == "test")))
            save(root / f"{split}-mask" / f"{i:04d}.jpg", labels(i, (0, 255)))
    index = discover(tmp_path)
    assert sorted((p.split, p.image.parent.name) for p in index.pairs) == \
        [("test", "test-image")] * 2 + [("train", "trainval-image")] * 4
    assert all(p.mask.parent.name == p.image.parent.name.replace("image", "mask") for p in index.pairs)


def test_soft_alpha_mattes_are_thresholded_not_256_classes(tmp_path):
    """P3M-10k's train/mask/*.png are alpha mattes: 0 background, 255 the person, every level
    between on the soft hair edge. They were read as 256 classes. Masks whose two commonest values
    lie at the ends with nearly every level between are thresholded at 128, with a warning; label
    masks of many classes (COCO-Stuff's 0..181 and 255) are not."""
    y, x = np.mgrid[:64, :96]
    for i in range(6):
        matte = np.where(x < 32, 0, 255).astype(np.uint8)  # background, person, and a soft edge of every level
        edge = (x >= 32) & (x < 64)
        matte[edge] = 1 + ((x[edge] - 32) * 64 + y[edge]) * 253 // (32 * 64)
        save(tmp_path / "p3m" / "blurred_image" / f"p_{i}.jpg", photo(i, (64, 96)))
        save(tmp_path / "p3m" / "mask" / f"p_{i}.png", np.roll(matte, i, axis=1))
        ids = ((x + y * 96 + 31 * i) % 182).astype(np.uint8)
        ids[:, :20] = 0
        ids[:4] = 255
        save(tmp_path / "stuff" / "images" / f"{i}.jpg", photo(i, (64, 96)))
        save(tmp_path / "stuff" / "annotations" / f"{i}.png", ids)
    mattes = inspect_dataset(tmp_path / "p3m")
    assert mattes.index.mapping.kind == "threshold" and mattes.classes.num_classes == 2
    assert any(p.code == "snapped-pixels" and "alpha mattes" in p.message for p in mattes.problems)
    assert discover(tmp_path / "stuff").mapping.kind == "identity"


def test_few_small_alpha_mattes_in_a_matte_folder_are_thresholded(tmp_path):
    """PPM-100's image/<id>_o.jpg + matte/<id>_o.png: `matte` was no mask folder word (refused), and
    with --masks matte its few small mattes showed too few levels (about 100) for the soft-mask
    rule, so they read as 150 classes. Many levels each on a few pixels, as a ramp spreads them,
    are soft too; a small label sample of many classes (each on many pixels) stays identity."""
    y, x = np.mgrid[:64, :48]
    for i in range(10):
        distance = np.hypot(y - 30 - i, x - 24) / 20
        matte = (np.clip((1.15 - distance) * 4, 0, 1) * 255).astype(np.uint8)  # a soft rim around the portrait
        save(tmp_path / "PPM-100" / "image" / f"{1000 + i}_ab12_o.jpg", photo(i, (64, 48)))
        save(tmp_path / "PPM-100" / "matte" / f"{1000 + i}_ab12_o.png", matte)
    index = discover(tmp_path / "PPM-100")
    assert index.format == "folder-pairs" and len(index.pairs) == 10
    assert index.mapping.kind == "threshold" and index.classes.num_classes == 2


def test_a_chain_of_lone_wrapper_folders_does_not_count_against_the_depth(tmp_path):
    """UECFoodPix Complete: UECFOODPIXCOMPLETE/data/UECFoodPIXCOMPLETE/{train,test}/{img,mask}/,
    three folders each the only one in its parent above the split folders. Before: img/ lay five
    levels down and was refused as too deep without --images img --masks mask."""
    base = tmp_path / "UECFOODPIXCOMPLETE" / "data"
    (base / "category.txt").parent.mkdir(parents=True)
    (base / "category.txt").write_text("id\tname\n1\trice\n")
    for split in ("train", "test"):
        for i in range(3):
            save(base / "UECFoodPIXCOMPLETE" / split / "img" / f"{i}.jpg", photo(i))
            save(base / "UECFoodPIXCOMPLETE" / split / "mask" / f"{i}.png", labels(i))
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and {p.split for p in index.pairs} == {"train", "test"}


def test_a_refusal_names_image_and_mask_folders_that_pair_below_their_named_folders(tmp_path):
    """KITTI MOTS' training/image_02/<seq>/ + instances/<seq>/ (testing/image_02/<seq>/ unlabelled)
    and GOOSE's images/<split>/<scenario>/<frame>_vis.png + labels/<split>/<scenario>/
    <frame>_labelids.png (and _color, _instanceids): the search pairs neither, and the refusal gave only the
    general hint. It names the flags that read them, each route running as printed."""
    mots, goose = tmp_path / "mots", tmp_path / "goose"
    for i in range(3):
        save(mots / "training" / "image_02" / "0000" / f"{i:06d}.png", photo(i))
        save(mots / "testing" / "image_02" / "0000" / f"{i:06d}.png", photo(i + 5))
        save(mots / "instances" / "0000" / f"{i:06d}.png", labels(i))
        for split in ("train", "val"):
            frame = f"2022-07-22_flight__{i:04d}_16584942343343{i}_windshield"
            save(goose / "images" / split / "flight" / f"{frame}_vis.png", photo(i))
            save(goose / "labels" / split / "flight" / f"{frame}_labelids.png", labels(i))
            save(goose / "labels" / split / "flight" / f"{frame}_color.png", photo(i + 9))
            save(goose / "labels" / split / "flight" / f"{frame}_instanceids.png", labels(i, (0, 4, 7)))
    routes = {mots: ["--images training/image_02 --masks instances"],
              goose: ["--images images --masks labels --mask-pattern '{stem}_labelids.png'",
                      "--images images --masks labels --mask-pattern '{stem}_color.png'",
                      "--images images --masks labels --mask-pattern '{stem}_instanceids.png'"]}
    for root, said in routes.items():
        with pytest.raises(DataError) as info:
            discover(root)
        lines = [line.split(": ", 1)[1] for line in str(info.value).splitlines() if "at one place below" in line]
        assert lines == said
        flags = said[0].replace("'", "").split()
        index = discover(root, images=flags[1], masks=flags[3], mask_pattern=flags[5] if len(flags) > 4 else None)
        assert len(index.pairs) == (3 if root == mots else 6)


def test_named_folders_are_found_deeper_than_the_search(tmp_path):
    """Virtual KITTI 2 keeps its frames six levels down (vkitti_2.0.3_rgb/Scene01/clone/frames/
    rgb/Camera_0/): the search stops at four levels, and folders named with --images/--masks were
    looked for only there, so naming them gave the same 'deeper than 4 levels' refusal."""
    deep = tmp_path / "vkitti" / "Scene01" / "clone" / "frames" / "Camera_0"
    for i in range(3):
        save(deep / "rgb" / f"rgb_{i:05d}.jpg", photo(i))
        save(deep / "classgt" / f"classgt_{i:05d}.png", labels(i))
    (tmp_path / "vkitti" / "Scene02").mkdir()  # beside Scene01/: vkitti/ is no lone wrapper, which the depth would skip
    with pytest.raises(DataError, match="deeper than 4 levels"):
        discover(tmp_path)
    assert len(discover(tmp_path, images="rgb", masks="classgt").pairs) == 3


def test_acdc_rgb_anon_images_pair_with_their_gt_namings(tmp_path):
    """ACDC (adverse conditions): rgb_anon/fog/train/GOPR0475/<frame>_rgb_anon.png beside
    gt/fog/train/GOPR0475/<frame>_gt_labelTrainIds.png and _gt_labelIds.png paired with nothing,
    and no --mask-pattern could pair them. Now the two namings, when not one annotation, are a
    choice the refusal lists."""
    for split in ("train", "val"):
        for i in range(2):
            frame = f"GOPR0475_frame_{i:06d}"
            save(tmp_path / "rgb_anon" / "fog" / split / "GOPR0475" / f"{frame}_rgb_anon.png", photo(i))
            save(tmp_path / "gt" / "fog" / split / "GOPR0475" / f"{frame}_gt_labelTrainIds.png", labels(i))
            save(tmp_path / "gt" / "fog" / split / "GOPR0475" / f"{frame}_gt_labelIds.png", labels(i, (9, 8, 26)))
    with pytest.raises(DataError, match=r"--mask-pattern '\{stem\}_gt_labelTrainIds.png'"):
        discover(tmp_path)
    index = discover(tmp_path, mask_pattern="{stem}_gt_labelTrainIds.png")
    assert sorted(p.split for p in index.pairs) == ["train", "train", "val", "val"]
    assert all(p.mask.name.startswith(p.image.name.replace("_rgb_anon.png", "")) for p in index.pairs)


def test_dark_zurich_gt_label_ids_read_as_cityscapes_with_no_flag(tmp_path):
    """Dark Zurich and ACDC ship gt/val/night/GOPR0356/<frame>_gt_labelIds.png, _gt_labelTrainIds.png,
    _gt_labelColor.png and _gt_invGray.png beside rgb_anon/.../<frame>_rgb_anon.png. The choice between
    ids and train ids was refused, and either read as raw values (27 classes, void ones trained, or
    14 unnamed): the _gt_ naming was no Cityscapes naming."""
    palette = np.zeros((256, 3), np.uint8)
    palette[[7, 21, 26]] = [(128, 64, 128), (107, 142, 35), (0, 0, 142)]
    for i in range(3):
        frame = f"GOPR0356_frame_{i:06d}"
        save(tmp_path / "rgb_anon" / "val" / "night" / "GOPR0356" / f"{frame}_rgb_anon.png", photo(i))
        gt = tmp_path / "gt" / "val" / "night" / "GOPR0356"
        ids = save(gt / f"{frame}_gt_labelIds.png", labels(i, (7, 21, 26)))
        save(gt / f"{frame}_gt_labelTrainIds.png", labels(i, (0, 8, 13)))
        save(gt / f"{frame}_gt_labelColor.png", palette[np.asarray(Image.open(ids))])
        save(gt / f"{frame}_gt_invGray.png", labels(i, (0, 255, 0)))
    report = inspect_dataset(tmp_path)
    assert report.classes.num_classes == 19 and report.classes.names[13] == "car" and not report.fatal
    assert all(p.mask.name.endswith("_gt_labelIds.png") for p in report.index.pairs) and len(report.index.pairs) == 3
    assert len(report.index.ignored) == 9  # the train ids, colour renderings and invalid-region maps


def test_cameras_sharing_masks_are_told_apart_by_their_camera_folder_not_the_leaf_all_share(tmp_path):
    """Mid-Air: Kite_training/<climate>/color_left/, color_right/, color_down/, depth/ and
    segmentation/, each holding trajectory_<n>/<frame> files. The refusal offered --images
    trajectory_1000, the leaf name all the camera folders share, which only repeated it; it names
    the folder that tells them apart, the left camera's first (whose view the labels show)."""
    root = tmp_path / "MidAir" / "Kite_training"
    for c, climate in enumerate(("sunny", "foggy")):
        for trajectory in (f"trajectory_{1000 * c}", f"trajectory_{1000 * c + 1}"):
            for k in range(2):
                for m, camera in enumerate(("color_down", "color_left", "color_right")):
                    save(root / climate / camera / trajectory / f"{k:06d}.JPEG", photo(10 * m + k))
                save(root / climate / "depth" / trajectory / f"{k:06d}.PNG", photo(k)[..., 0].astype(np.uint16) * 200)
                save(root / climate / "segmentation" / trajectory / f"{k:06d}.PNG", labels(k, (0, 2, 8)))
    with pytest.raises(DataError, match=r"count \d times; name the images to use: --images color_left "):
        discover(tmp_path)
    index = discover(tmp_path, images="color_left")
    assert len(index.pairs) == 8 and {p.image.parts[-3] for p in index.pairs} == {"color_left"}
    assert len({p.group for p in index.pairs}) == 4


def muses(root: Path) -> None:
    """MUSES: frame_camera/<split>/<condition>/<time>/REC<n>_frame_<k>_frame_camera.png, its
    gt_semantic/ train ids (+ _gt_labelColor.png), gt_uncertainty/ 0/1 maps of hard regions,
    gt_panoptic/ segments + <split>.json, and event_camera/ .npz event arrays; test/ has no labels."""
    colours = np.zeros((256, 3), np.uint8)
    colours[[0, 10, 13]] = [(128, 64, 128), (70, 130, 180), (0, 0, 142)]  # Cityscapes' road, sky, car
    for k, (split, condition) in enumerate([("train", "clear/day"), ("train", "fog/day"), ("train", "rain/night"),
                                            ("val", "snow/day"), ("test", "clear/night")]):
        for j in range(2):
            frame = f"REC{6 + (k + j) % 3:04d}_frame_{40719 + 37 * (2 * k + j):06d}"
            place = f"{split}/{condition}/{frame}"
            save(root / "frame_camera" / f"{place}_frame_camera.png", photo(2 * k + j))
            (root / "event_camera" / place).parent.mkdir(parents=True, exist_ok=True)
            np.savez(root / "event_camera" / f"{place}_event_camera.npz", x=np.zeros(3))
            if split == "test":
                continue
            ids = labels(2 * k + j, (10, 0, 13))
            ids[0, -1] = 255
            save(root / "gt_semantic" / f"{place}_gt_labelTrainIds.png", ids)
            save(root / "gt_semantic" / f"{place}_gt_labelColor.png", colours[ids])
            save(root / "gt_uncertainty" / f"{place}_gt_uncertainty.png", (ids == 13).astype(np.uint8))
            save(root / "gt_panoptic" / f"{place}_gt_panoptic.png", np.dstack([ids, 0 * ids, 0 * ids]))
    for split in ("train", "val"):
        (root / "gt_panoptic" / f"{split}.json").write_text(json.dumps({"images": [], "annotations": [], "categories": [
            {"id": 0, "name": "road", "isthing": 0}]}))


def test_muses_frame_camera_reads_gt_semantic_as_cityscapes_grouped_by_recording(tmp_path):
    """MUSES' `<frame>_frame_camera.png` paired with nothing named `<frame>_gt_labelTrainIds.png`
    (its sensor's name no known image affix); gt_uncertainty/'s 0/1 maps of hard regions were as
    likely the labels as gt_semantic/; event_camera/'s .npz event arrays looked like masks (no file
    read as one, so nothing said otherwise) and paired with the test frames; and the wrapper
    `muses/` was read as coco-panoptic with 0 pairs, the images too deep for its search. Now:
    Cityscapes' 19 classes from gt_semantic/, 255 ignored, the shipped train and val splits,
    groups by recording, test's frames unlabelled and the event arrays in no pair. The folder
    holding muses/ alone was refused too, naming muses/ to pass: it reads as muses/ does."""
    muses(tmp_path / "muses")
    archive = tmp_path / "muses.zip"
    archive.touch()  # as downloaded, beside the dataset: the folder is no lone wrapper, refused with a route
    with pytest.raises(DataError, match=r"such as muses/[a-z_]+/test/clear/night/: pass muses/ \(which holds them "
                                        r"all\) as DATA"):
        discover(tmp_path)
    archive.unlink()
    wrapped, index = discover(tmp_path), discover(tmp_path / "muses")
    assert wrapped.root == tmp_path / "muses" and wrapped.pairing == index.pairing
    assert [p.name for p in wrapped.pairs] == [p.name for p in index.pairs]
    assert index.classes.num_classes == 19 and index.classes.names[13] == "car" and index.ignore_index == 255
    assert sorted(p.split for p in index.pairs) == ["train"] * 6 + ["val"] * 2
    assert all(p.mask.name == p.image.name.replace("_frame_camera", "_gt_labelTrainIds") for p in index.pairs)
    assert {p.group for p in index.pairs} == {"REC0006", "REC0007", "REC0008"}
    assert sorted(p.parts[-5] for p in index.unlabelled) == ["frame_camera", "frame_camera"]
    named = discover(tmp_path / "muses", images="frame_camera", masks="gt_semantic")
    assert len(named.pairs) == 8 and named.classes.num_classes == 19


@pytest.mark.parametrize("colours, cityscapes", [
    ({1: (128, 64, 128), 7: (255, 0, 0), 26: (255, 0, 0)}, False),  # Lost and Found's: free space, obstacles
    ({1: (0, 0, 0), 7: (128, 64, 128), 26: (0, 0, 142)}, True),  # Cityscapes': ego vehicle, road, car
], ids=["lost-and-found", "cityscapes"])
def test_label_ids_named_as_cityscapes_but_painted_otherwise_are_read_as_they_are(tmp_path, colours, cityscapes):
    """Lost and Found: gtCoarse/<split>/<seq>/<frame>_gtCoarse_labelIds.png holds its own ids (1 free
    space, 2 and up obstacles) and was read as Cityscapes' ids by the name: free space became the
    ignored ego vehicle, obstacles cars. Its _gtCoarse_color.png rendering says they are not."""
    palette = np.zeros((256, 3), np.uint8)
    palette[list(colours)] = list(colours.values())
    for split, sequence in (("train", "01_Hanns_Klemm_Str_45"), ("test", "02_Hanns_Klemm_Str_44")):
        for i in range(2):
            frame = f"{sequence}_000000_{i:06d}"
            save(tmp_path / "leftImg8bit" / split / sequence / f"{frame}_leftImg8bit.png", photo(i))
            ids = save(tmp_path / "gtCoarse" / split / sequence / f"{frame}_gtCoarse_labelIds.png", labels(i, (1, 7, 26)))
            save(ids.with_name(f"{frame}_gtCoarse_color.png"), palette[np.asarray(Image.open(ids))])
    report = inspect_dataset(tmp_path)
    assert (report.index.mapping.kind == "identity") is not cityscapes
    assert (report.classes.num_classes == 19) is cityscapes


def test_foggy_cityscapes_renderings_of_one_frame_share_its_mask_and_its_group(tmp_path):
    """Foggy Cityscapes: leftImg8bit_foggy/<split>/<city>/<frame>_leftImg8bit_foggy_beta_{0.005,0.01,0.02}.png,
    three renderings of the frame whose gtFine/<split>/<city>/<frame>_gtFine_labelIds.png they share:
    nothing paired them. Each pairs with the mask, and a drawn split keeps a frame's three together."""
    betas = ("0.005", "0.01", "0.02")
    for city in ("aachen", "bochum", "bremen"):
        for i in range(2):
            frame = f"{city}_000000_{i:06d}"
            for beta in betas:
                save(tmp_path / "leftImg8bit_foggy" / "all" / city / f"{frame}_leftImg8bit_foggy_beta_{beta}.png", photo(i))
            save(tmp_path / "gtFine" / "all" / city / f"{frame}_gtFine_labelIds.png", labels(i, (7, 21, 26)))
    index = discover(tmp_path)
    assert len(index.pairs) == 18 and index.classes.num_classes == 19
    assert not [p for p in index.problems if p.code == "duplicate-name"]
    assert all(p.mask.name == p.image.name.split("_leftImg8bit")[0] + "_gtFine_labelIds.png" for p in index.pairs)
    groups = {p.group for p in index.pairs}
    assert len(groups) == 6 and all(p.group == p.mask.relative_to(tmp_path).as_posix() for p in index.pairs)
    for seed in range(3):
        split_of = {p.image: s for s, pairs in split_pairs(index.pairs, seed=seed).items() for p in pairs}
        assert all(len({split_of[p.image] for p in index.pairs if p.group == g}) == 1 for g in groups)


def foggy_driving(root: Path) -> None:
    """Foggy Driving: leftImg8bit/test/<set>/<name>_leftImg8bit.png, its dense labels in gtFine/ and
    its coarse ones in gtCoarse/ (each image in one), as label ids and train ids."""
    for i in range(6):
        name, kind = f"pedestrian_{i:04d}", "gtFine" if i < 2 else "gtCoarse"
        save(root / "leftImg8bit" / "test" / "pedestrian" / f"{name}_leftImg8bit.png", photo(i))
        gt = root / kind / "test" / "pedestrian"
        save(gt / f"{name}_{kind}_labelIds.png", labels(i, (7, 21, 26)))
        save(gt / f"{name}_{kind}_labelTrainIds.png", labels(i, (0, 8, 13)))


def test_a_number_inside_cityscapes_naming_is_no_nnunet_channel(tmp_path):
    """Foggy Driving's pedestrian_0000_leftImg8bit.png lost its pedestrian_0000_gtFine_labelTrainIds.png:
    0000 was stripped as an nnU-Net channel number, so its {stem} was 'pedestrian'."""
    foggy_driving(tmp_path)
    index = discover(tmp_path, masks="gtFine", mask_pattern="{stem}_gtFine_labelTrainIds.png")
    assert sorted(p.mask.name for p in index.pairs) == [
        "pedestrian_0000_gtFine_labelTrainIds.png", "pedestrian_0001_gtFine_labelTrainIds.png"]


def test_mask_folders_each_labelling_other_images_are_read_together(tmp_path):
    """Foggy Driving was refused: '2 folders could hold the masks' of leftImg8bit/test/pedestrian/,
    though gtFine/ and gtCoarse/ each label other images, none both."""
    foggy_driving(tmp_path)
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and index.classes.num_classes == 19
    assert all(p.mask.name == p.image.name.replace("leftImg8bit", f"{p.mask.parent.parent.parent.name}_labelIds")
               for p in index.pairs)
    assert {p.mask.parent.parent.parent.name for p in index.pairs} == {"gtFine", "gtCoarse"}
    assert not [p for p in index.problems if p.code in ("image-without-mask", "partial-merge")]


def bus_bra(root: Path, stray: str | None = None) -> None:
    """BUS-BRA: Images/bus_0001-l.png ~ Masks/mask_0001-l.png, names that differ by their first word;
    `stray` names one more image otherwise (so that not every image starts with 'bus')."""
    for i, side in ((1, "l"), (1, "r"), (2, "l"), (3, "r")):
        save(root / "Images" / f"bus_{i:04d}-{side}.png", photo(i))
        save(root / "Masks" / f"mask_{i:04d}-{side}.png", labels(i, (0, 255)))
    if stray:
        save(root / "Images" / f"{stray}.png", photo(9))


def test_names_that_differ_by_one_first_word_throughout_pair_and_the_hint_names_a_working_pattern(tmp_path):
    """BUS-BRA was refused with '(pair such names with --mask-pattern)', though no pattern could
    pair `bus_0001-l.png` with `mask_0001-l.png`: a template's {stem} had to be the whole image name."""
    bus_bra(tmp_path / "whole")
    index = discover(tmp_path / "whole")
    assert relative(index, "mask") == [f"Masks/mask_{n}.png" for n in ("0001-l", "0001-r", "0002-l", "0003-r")]
    assert index.pairing == ["Images/ + Masks/: 4 pairs by same name after the first word ('bus' ~ 'mask')"]
    bus_bra(tmp_path / "stray", stray="scan_0004-l")
    with pytest.raises(DataError) as info:
        discover(tmp_path / "stray", images="Images", masks="Masks")
    assert "closest unpaired mask: 'mask_0001-l.png' (pair such names with --mask-pattern 'mask_{stem}.png')" \
        in str(info.value)
    index = discover(tmp_path / "stray", mask_pattern="mask_{stem}.png")
    assert len(index.pairs) == 4


def test_a_word_inserted_after_the_first_pairs_every_category_and_no_hint_drops_the_category(tmp_path):
    """KITTI Road's `image_2/um_000000.png` ~ `gt_image_2/um_road_000000.png` (and `umm_`, `uu_`)
    was refused with `--mask-pattern 'um_road_{stem}.png'`, which read the `um` images alone and
    called `umm_000000.png` a duplicate of `um_000000.png`: less its first word, the name lost its
    category. The ego-lane task's `um_lane_*` masks name fewer images: listed as ignored, not merged."""
    names = [f"{category}_{i:06d}" for category, count in (("um", 3), ("umm", 2), ("uu", 2)) for i in range(count)]
    for i, name in enumerate(names):
        save(tmp_path / "training" / "image_2" / f"{name}.png", photo(i))
        category, number = name.split("_")
        save(tmp_path / "training" / "gt_image_2" / f"{category}_road_{number}.png", labels(i, (0, 1)))
        if category == "um":
            save(tmp_path / "training" / "gt_image_2" / f"um_lane_{number}.png", labels(i + 9, (0, 1)))
    index = discover(tmp_path)
    assert [(p.image.stem, p.mask.stem) for p in sorted(index.pairs, key=lambda p: p.image.name)] == [
        (name, name.replace("_", "_road_", 1)) for name in sorted(names)]
    assert index.pairing == ["training/image_2/ + training/gt_image_2/: 7 pairs by same name with 'road' after its "
                             "first word"]
    assert not [p for p in index.problems if p.code == "duplicate-name"]
    images = sorted((tmp_path / "training" / "image_2").iterdir())
    mask = tmp_path / "training" / "gt_image_2" / "um_road_000000.png"
    assert pattern_for(images[0], mask) == "um_road_{stem}.png"  # what the refusal offered
    assert pattern_for(images[0], mask, unique_template_stems(images)) is None


def dress_code(root: Path) -> None:
    """Dress Code: `<category>/images/<id>_0.jpg` (the person) and `<id>_1.jpg` (the garment), the
    parse map `label_maps/<id>_4.png`, the pose rendering `skeletons/<id>_5.jpg` and DensePose's
    `dense/<id>_5.png` beside its `<id>_5_uv.npz`."""
    for c, category in enumerate(("upper_body", "dresses")):
        for n in range(3):
            i, seed = f"{3 * c + n:06d}", 3 * c + n
            save(root / category / "images" / f"{i}_0.jpg", photo(seed))
            save(root / category / "images" / f"{i}_1.jpg", photo(seed + 20))
            save(root / category / "label_maps" / f"{i}_4.png", labels(seed, (0, 4, 11)))
            save(root / category / "skeletons" / f"{i}_5.jpg", photo(seed + 40))
            save(root / category / "dense" / f"{i}_5.png", labels(seed, tuple(range(0, 25, 3))))
            np.savez(root / category / "dense" / f"{i}_5_uv.npz", uv=np.random.default_rng(seed).random((2, *SIZE)))


def test_masks_named_with_another_role_number_pair_the_first_role_and_named_folders_leave_the_rest(tmp_path):
    """Dress Code paired its pose renderings `skeletons/<id>_5.jpg` with `label_maps/<id>_4.png` by
    first number (the images' `<id>_0` and `<id>_1` share it) and its DensePose `dense/` side by
    side; `--images images --masks label_maps` still read `dense/`, and the hint's
    `--mask-pattern '{stem}_4.png'` was refused with the same hint."""
    dress_code(tmp_path)
    expected = [f"{category}/images/{3 * c + n:06d}_0.jpg" for c, category in enumerate(("upper_body", "dresses"))
                for n in range(3)]
    for flags in ({}, {"masks": "label_maps"}, {"images": "images", "masks": "label_maps"}):
        index = discover(tmp_path, **flags)
        assert relative(index) == sorted(expected)
        assert all(p.mask.name == p.image.name.replace("_0.jpg", "_4.png") for p in index.pairs)
        assert index.pairing == [f"{category}/images/ + {category}/label_maps/: 3 pairs by same name with its last "
                                 "number '0' for '4'" for category in ("dresses", "upper_body")]
    images = sorted((tmp_path / "upper_body" / "images").iterdir())
    mask = tmp_path / "upper_body" / "label_maps" / "000000_4.png"
    assert pattern_for(images[0], mask) == "{stem}_4.png"  # what the refusal offered, and refused
    assert pattern_for(images[0], mask, unique_template_stems(images)) is None


def test_a_dotted_mask_affix_pairs_an_image_affix_and_a_pattern_group_may_leave_it_out(tmp_path):
    """HLS Burn Scars' `<scene>.v1.4_merged.tif` beside `<scene>.v1.4.mask.tif` was refused, and no
    --mask-pattern paired them: its group had to be the whole image stem `<scene>.v1.4_merged`."""
    for i in range(3):
        scene = f"subsetted_512x512_HLS.S30.T10SEH.201{i}190.v1.4"
        save(tmp_path / "training" / f"{scene}_merged.tif", photo(i))
        save(tmp_path / "training" / f"{scene}.mask.tif", labels(i, (0, 1)))
    masks = [f"training/subsetted_512x512_HLS.S30.T10SEH.201{i}190.v1.4.mask.tif" for i in range(3)]
    assert relative(discover(tmp_path), "mask") == masks
    assert relative(discover(tmp_path, mask_pattern=r"(.+)\.mask\.tif"), "mask") == masks
    assert relative(discover(tmp_path, mask_pattern="{stem}.mask.tif"), "mask") == masks


def test_files_ending_with_their_folders_name_pair_without_that_word(tmp_path):
    """Stanford 2D-3D-S: `area_1/data/rgb/<cam>_domain_rgb.png` ~ `semantic/<cam>_domain_semantic.png`
    (and `depth/<cam>_domain_depth.png` beside): a file's last word that is its folder's name is
    the folder's, not the frame's; a word that is only part of a folder's name stays (`case_A/img_A`)."""
    for area in ("area_1", "area_2"):
        for i in range(4):  # first and last numbers repeat: only the names pair
            frame = f"camera_00000000000000003ee16ebebd804e8{area[-1]}_office_1_{i // 2}_frame_{i % 2}_domain"
            save(tmp_path / "s3d" / area / "data" / "rgb" / f"{frame}_rgb.png", photo(i))
            save(tmp_path / "s3d" / area / "data" / "semantic" / f"{frame}_semantic.png", labels(i))
            depth = (np.arange(SIZE[0] * SIZE[1]).reshape(SIZE) * 97 + i).astype(np.uint16)  # 16-bit, smooth
            save(tmp_path / "s3d" / area / "data" / "depth" / f"{frame}_depth.png", depth)
    index = discover(tmp_path / "s3d", images="rgb", masks="semantic")
    assert len(index.pairs) == 8
    assert all(p.image.name.removesuffix("_rgb.png") == p.mask.name.removesuffix("_semantic.png") for p in index.pairs)
    index = discover(tmp_path / "s3d")  # no flag: depth, a band, stacks with the colour channels
    assert sorted(p.mask.name for p in index.pairs) == sorted(p.name for p in (tmp_path / "s3d").rglob("*_semantic.png"))
    for case in ("case_A", "case_B"):
        save(tmp_path / "cases" / case / f"img_{case[-1]}.png", photo(0))
        save(tmp_path / "cases" / case / f"mask_{case[-1]}.png", labels(0))
    assert {(p.image.name, p.mask.name) for p in discover(tmp_path / "cases").pairs} == {
        ("img_A.png", "mask_A.png"), ("img_B.png", "mask_B.png")}


def test_video_frames_under_a_labelled_wrapper_are_never_another_videos_masks(tmp_path):
    """EgoHands: `_LABELLED_SAMPLES/<video>/frame_0011.jpg` + one `polygons.mat` per video. The
    wrapper's 'LABELLED' made every video folder a mask candidate of the others ('--masks
    CHESS_LIVINGROOM_S_H', another video's photos); the refusal names the unread .mat files."""
    scipy_io = pytest.importorskip("scipy.io")
    for k, video in enumerate(("CARDS_COURTYARD_B_T", "CHESS_LIVINGROOM_S_H", "JENGA_OFFICE_H_T")):
        folder = tmp_path / "egohands_data" / "_LABELLED_SAMPLES" / video
        for frame in (11, 39, 250):
            save(folder / f"frame_{frame:04d}.jpg", photo(k * 10 + frame))
        scipy_io.savemat(folder / "polygons.mat", {"polygons": np.zeros((1, 3), [("myleft", "O"), ("myright", "O")])})
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "could hold the masks" not in message and "--masks CHESS" not in message
    assert "'polygons.mat' in 3 folder(s) of images (egohands_data/_LABELLED_SAMPLES/CARDS_COURTYARD_B_T/" in message


def test_frames_beside_each_other_under_a_wrapper_named_for_annotations_are_no_masks(tmp_path):
    """RUGD: `RUGD_frames-with-annotations/<video>/<video>_00001.png` (PNG frames) and
    `RUGD_annotations/<video>/<same name>.png`. The frames' wrapper names the annotations, so
    every other video's frames, numbered alike, were mask candidates and the refusal offered
    `--masks creek`, the video's own name, which refused again; a second mirrored tree is
    offered by its top, which pairs every video."""
    palette = np.array([(0, 0, 0), (108, 64, 20), (0, 102, 0), (0, 0, 255)], np.uint8)
    videos = ("creek", "park-2", "trail-7")
    for k, video in enumerate(videos):
        for frame in (1, 6, 11):
            name = f"{video}_{frame:05d}.png"
            save(tmp_path / "RUGD_frames-with-annotations" / video / name, photo(k * 20 + frame))
            save(tmp_path / "RUGD_annotations" / video / name, palette[labels(k * 20 + frame, (0, 1, 2, 3))])
    index = discover(tmp_path)
    assert {(p.image.parent.name, p.mask.parent.parent.name) for p in index.pairs} == {
        (video, "RUGD_annotations") for video in videos}
    assert all(p.image.name == p.mask.name for p in index.pairs) and len(index.pairs) == 9
    for mask in (tmp_path / "RUGD_annotations").glob("*/*.png"):
        save(tmp_path / "RUGD_annotations_ids" / mask.parent.name / mask.name, labels(0, (0, 1, 2, 3)))
    with pytest.raises(DataError, match=r"(?s)2 folders could hold the masks of 'RUGD_frames-with-annotations/creek/'.*"
                                        r"e\.g\. --masks RUGD_annotations$"):
        discover(tmp_path)
    assert len(discover(tmp_path, masks="RUGD_annotations").pairs) == 9


def test_mask_folders_named_after_each_split_are_offered_as_one_pattern(tmp_path):
    """TAS500: `tas500v1.1/{train,val,test}/` with `{train,val}_labels/` (colour renderings) and
    `{train,val}_labels_ids/` (ids). The refusal offered `--masks train_labels_ids`, which left
    val's images unlabelled and drew val and test from train; the pattern reads both splits."""
    base = tmp_path / "tas500v1.1"
    palette = np.array([(192, 192, 192), (105, 105, 105), (160, 82, 45)], np.uint8)
    for k, split in enumerate(("train",) * 3 + ("val",) * 2 + ("test",) * 2):
        name = f"{1537962190 + k}_{1853795 + 131 * k}.png"
        save(base / split / name, photo(k))
        if split != "test":
            save(base / f"{split}_labels_ids" / name, labels(k))
            save(base / f"{split}_labels" / name, palette[labels(k)])
    with pytest.raises(DataError, match=r"(?s)2 folders could hold the masks of 'tas500v1.1/train/'.*"
                                        r"e\.g\. --masks '\*_labels_ids'$"):
        discover(tmp_path)
    index = discover(tmp_path, masks="*_labels_ids")
    assert sorted((p.split, p.mask.parent.name) for p in index.pairs) == [
        ("train", "train_labels_ids")] * 3 + [("val", "val_labels_ids")] * 2
    assert len(index.unlabelled) == 2


def test_a_folder_per_image_holding_its_mask_pairs_and_a_pattern_may_name_the_file(tmp_path):
    """RoadAnomaly: `frames/<name>.jpg` + `frames/<name>.labels/labels_semantic.png` beside its
    colour rendering `labels_semantic_color.png`; a folder per image holding two label files is
    refused with the --mask-pattern that chooses; one of crops named by no mask word is no mask."""
    names = ("animals01_calves", "cones01_traffic_cones", "zebra04")
    for i, name in enumerate(names):
        frames = tmp_path / "road" / "RoadAnomaly_jpg" / "frames"
        save(frames / f"{name}.jpg", photo(i))
        save(frames / f"{name}.labels" / "labels_semantic.png", labels(i, (0, 2)))
        save(frames / f"{name}.labels" / "labels_semantic_color.png", np.stack([labels(i, (0, 200))] * 3, -1))
    for given in ({}, {"mask_pattern": "{stem}.labels/labels_semantic.png"}):
        index = discover(tmp_path / "road", **given)
        assert [(p.image.stem, p.mask.relative_to(p.image.parent).as_posix()) for p in index.pairs] == [
            (name, f"{name}.labels/labels_semantic.png") for name in names]
        assert not [p for p in index.problems if p.code in ("image-without-mask", "mask-without-image")]
    for i, name in enumerate(("a", "b")):
        save(tmp_path / "two" / f"{name}.png", photo(i))
        save(tmp_path / "two" / name / "label_fine.png", labels(i))
        save(tmp_path / "two" / name / "label_coarse.png", labels(i + 1))
    with pytest.raises(DataError, match=r"'a/', the folder of one image, holds several .* --mask-pattern, e.g. "
                                        r"'\{stem\}/label_coarse.png'"):
        discover(tmp_path / "two")
    index = discover(tmp_path / "two", mask_pattern="{stem}/label_fine.png")
    assert [p.mask.relative_to(tmp_path / "two").as_posix() for p in index.pairs] == ["a/label_fine.png", "b/label_fine.png"]
    for i, name in enumerate(("a", "b")):
        save(tmp_path / "crops" / "images" / f"{name}.png", photo(i))
        save(tmp_path / "crops" / "images" / name / "crop_1.png", photo(i + 5))
        save(tmp_path / "crops" / "masks" / f"{name}.png", labels(i))
    assert relative(discover(tmp_path / "crops"), "mask") == ["masks/a.png", "masks/b.png"]


def drishti(root: Path, kinds: tuple[str, ...] = ("OD", "cup")) -> None:
    """Drishti-GS1 as shipped: `Training/Images/<name>.png` with
    `Training/GT/<name>/SoftMap/<name>_ODsegSoftmap.png` (+ `_cupsegSoftmap.png`), soft maps of
    grey levels 0/64/128/191/255, boundary text files beside; `Test/` likewise with `Test_GT/`."""
    for phase, gt, numbers in (("Training", "GT", (2, 4, 5)), ("Test", "Test_GT", (1, 3))):
        for n in numbers:
            name = f"drishtiGS_{n:03d}"
            save(root / "Drishti-GS1_files" / phase / "Images" / f"{name}.png", photo(n))
            folder = root / "Drishti-GS1_files" / phase / gt / name
            for k, kind in enumerate(kinds):
                save(folder / "SoftMap" / f"{name}_{kind}segSoftmap.png", labels(n + k, (0, 64, 128, 191, 255)))
            (folder / "AvgBoundary").mkdir()
            (folder / "AvgBoundary" / f"{name}_ODAvgBoundary.txt").write_text("30.0 20.0\n")
            (folder / f"{name}_cdrValues.txt").write_text("0.5 0.52\n")


def test_a_folder_per_image_under_a_mask_folder_beside_the_images(tmp_path):
    """Drishti-GS1's `GT/<name>/SoftMap/<name>_ODsegSoftmap.png` beside `Images/` (deeper than the
    search at the test split): was 'image has no mask' whatever the flags. One naming pairs; two
    are a choice (--mask-pattern, with or without a folder part) or classes (--task multilabel)."""
    drishti(tmp_path / "two")
    with pytest.raises(DataError, match=r"pick the labels to train on:\n  --mask-pattern '\{stem\}_ODsegSoftmap.png': "
                                        r"5 masks\n  --mask-pattern '\{stem\}_cupsegSoftmap.png': 5 masks\n.*--task multilabel"):
        discover(tmp_path / "two")
    expected = [(f"Drishti-GS1_files/{phase}/Images/drishtiGS_{n:03d}.png",
                 f"Drishti-GS1_files/{phase}/{gt}/drishtiGS_{n:03d}/SoftMap/drishtiGS_{n:03d}_ODsegSoftmap.png", split)
                for phase, gt, split, numbers in (("Test", "Test_GT", "test", (1, 3)), ("Training", "GT", "train", (2, 4, 5)))
                for n in numbers]
    for pattern in ("{stem}_ODsegSoftmap.png", "SoftMap/{stem}_ODsegSoftmap.png"):
        index = discover(tmp_path / "two", mask_pattern=pattern)
        assert sorted((p.image.relative_to(index.root).as_posix(), p.mask.relative_to(index.root).as_posix(), p.split)
                      for p in index.pairs) == expected
        assert not [line for line in index.pairing if "deeper" in line]  # the SoftMap/ folders were read
    index = discover(tmp_path / "two", task="multilabel")
    assert index.classes.names == ("cupsegSoftmap", "ODsegSoftmap") and len(index.pairs) == 5
    assert all(len(p.masks) == 2 and p.mask.parent == p.masks[1].parent for p in index.pairs)
    drishti(tmp_path / "one", ("OD",))
    index = discover(tmp_path / "one")
    assert sorted((p.image.relative_to(index.root).as_posix(), p.mask.relative_to(index.root).as_posix(), p.split)
                  for p in index.pairs) == expected


def test_tile_products_pair_by_their_whole_name_not_a_grid_number(tmp_path):
    """GeoNRW: `<city>/<E>_<N>_dem.tif` beside `<E>_<N>_seg.tif` on a 1 km grid, where a city's
    tiles share eastings and northings. Both numbers repeat in aachen/, whose tiles were all
    dropped (listed as ignored); the others paired by one grid number. The name less its band
    word (`_dem`) is the tile's key."""
    tiles = {"aachen": ((290, 5620), (290, 5621), (291, 5620)), "neuss": ((295, 5620),)}
    for k, (city, grid) in enumerate(tiles.items()):
        for i, (east, north) in enumerate(grid):
            (tmp_path / city).mkdir(exist_ok=True)
            tifffile.imwrite(tmp_path / city / f"{east}_{north}_dem.tif", photo(k * 10 + i)[..., 0].astype(np.float32))
            save(tmp_path / city / f"{east}_{north}_seg.tif", labels(k * 10 + i, (0, 4, 10)))
    index = discover(tmp_path)
    assert sorted((p.image.name.removesuffix("_dem.tif"), p.mask.name.removesuffix("_seg.tif")) for p in index.pairs) \
        == [(n, n) for n in ("290_5620", "290_5621", "291_5620", "295_5620")]
    assert all("band word" in line for line in index.pairing)


def test_jpeg2000_orthophotos_are_the_tiles_images_and_their_dem_is_left_out(tmp_path, caplog):
    """GeoNRW ships `<city>/<E>_<N>_rgb.jp2` beside `_dem.tif` (float elevation) and `_seg.tif`:
    `.jp2` was an unsupported format, so the DEM was read as the image of every tile."""
    tiles = {"aachen": ((290, 5620), (290, 5621), (291, 5620)), "neuss": ((295, 5620),)}
    for k, (city, grid) in enumerate(tiles.items()):
        for i, (east, north) in enumerate(grid):
            save(tmp_path / city / f"{east}_{north}_rgb.jp2", photo(k * 10 + i))
            tifffile.imwrite(tmp_path / city / f"{east}_{north}_dem.tif", photo(i)[..., 0].astype(np.float32))
            save(tmp_path / city / f"{east}_{north}_seg.tif", labels(k * 10 + i, (0, 4, 10)))
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path)
    assert sorted(p.image.name for p in index.pairs) == [f"{e}_{n}_rgb.jp2" for e, n in (*tiles["aachen"], *tiles["neuss"])]
    assert all(p.image.name.removesuffix("_rgb.jp2") == p.mask.name.removesuffix("_seg.tif") for p in index.pairs)
    assert sorted(p.name for p in index.ignored) == sorted(p.name for p in tmp_path.rglob("*_dem.tif"))
    assert "4 files beside images and masks named as such" in caplog.text


def test_stereo_frames_pair_each_camera_with_its_masks_and_flow_is_no_pair(tmp_path):
    """TartanAir: `P000/image_{left,right}/N_{side}.png` + `seg_{side}/N_{side}_seg.npy` beside
    `flow/N_M_flow.npy` + `N_M_mask.npy`. `seg_right/` paired `image_left/` by the frame number, so
    the search asked which, and the route it offered read one camera and `flow/` as pairs: a flow
    field as the image, its valid-pixel mask as the labels."""
    for trajectory in ("factory/Easy/P000", "office/Hard/P001"):
        for frame in range(3):
            for side in ("left", "right"):
                save(tmp_path / trajectory / f"image_{side}" / f"{frame:06d}_{side}.png", photo(frame))
                np.save(_dir(tmp_path / trajectory / f"seg_{side}") / f"{frame:06d}_{side}_seg.npy",
                        (photo(frame)[..., 0] > 128).astype(np.uint8))
            if frame:
                flow, pair = _dir(tmp_path / trajectory / "flow"), f"{frame - 1:06d}_{frame:06d}"
                np.save(flow / f"{pair}_flow.npy", np.random.default_rng(frame).random((*SIZE, 2), np.float32))
                np.save(flow / f"{pair}_mask.npy", np.full(SIZE, 10, np.uint8))
    one_camera = discover(tmp_path, images="image_left", masks="seg_left")
    assert {p.image.parent.name for p in one_camera.pairs} == {"image_left"}
    index = discover(tmp_path)
    assert Counter(p.image.parent.name for p in index.pairs) == {"image_left": 6, "image_right": 6}
    assert all(p.mask.name == f"{p.image.stem}_seg.npy" for p in index.pairs)
    assert sum(p.parent.name == "flow" for p in index.ignored) == 8


def test_a_tiles_height_rasters_beside_its_image_are_left_out_not_images_without_masks(tmp_path, caplog):
    """SpaceNet Urban 3D: `Inputs/<tile>_{RGB,DSM,DTM}.tif` + `GT/<tile>_GTL.tif`; with the
    --mask-pattern that pairs the RGB images, the DSM and DTM are the tiles' other products, said
    in one line and ignored, not image-without-mask findings offering --unmasked-background."""
    splits = {"01-Provisional_Train": ("JAX_Tile_004", "JAX_Tile_007"), "02-Provisional_Test": ("TAM_Tile_091",)}
    for split, tiles in splits.items():
        for k, tile in enumerate(tiles):
            save(tmp_path / split / "Inputs" / f"{tile}_RGB.tif", photo(k))
            for product in ("DSM", "DTM"):
                tifffile.imwrite(tmp_path / split / "Inputs" / f"{tile}_{product}.tif",
                                 photo(k)[..., 0].astype(np.float32))
            save(tmp_path / split / "GT" / f"{tile}_GTL.tif", labels(k, (2, 6, 65)))
    save(tmp_path / "01-Provisional_Train" / "Inputs" / "JAX_Tile_099_RGB.tif", photo(9))  # a tile without its mask
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path, mask_pattern="{stem}_GTL.tif")
    assert sorted(p.image.name for p in index.pairs) == ["JAX_Tile_004_RGB.tif", "JAX_Tile_007_RGB.tif",
                                                        "TAM_Tile_091_RGB.tif"]
    assert [(p.path.name, p.code) for p in index.problems] == [("JAX_Tile_099_RGB.tif", "image-without-mask")]
    assert sorted(p.name for p in index.ignored if p.parent.name == "Inputs") == \
        sorted(p.name for p in tmp_path.rglob("*_D[ST]M.tif"))
    assert "6 files in 01-Provisional_Train/Inputs/, 02-Provisional_Test/Inputs/ are other products" in caplog.text


def culane(root: Path, lists: bool = True) -> None:
    """CULane: driver_*/<clip>.MP4/<frame>.jpg, its masks in laneseg_label_w16/<the same path>.png
    (lane slots 0-4), and list/train.txt, val.txt naming the frames by path: every clip holds 00000.jpg."""
    clips = {"train": [("driver_23_30frame", "05151649_0422.MP4"), ("driver_161_90frame", "06030819_0755.MP4"),
                       ("driver_182_30frame", "05312327_0001.MP4")], "val": [("driver_23_30frame", "05161223_0545.MP4")]}
    listed: dict[str, list[str]] = {"train": [], "val": []}
    for split, shot in clips.items():
        for k, (driver, clip) in enumerate(shot):
            for frame in ("00000", "00030"):
                save(root / driver / clip / f"{frame}.jpg", photo(k))
                save(root / "laneseg_label_w16" / driver / clip / f"{frame}.png", labels(k, (0, 1, 4)))
                listed[split].append(f"/{driver}/{clip}/{frame}.jpg /laneseg_label_w16/{driver}/{clip}/{frame}.png 1 0 0 1")
    save(root / "driver_37_30frame" / "05181432_0203.MP4" / "00000.jpg", photo(9))  # a test clip: no masks
    if lists:
        (root / "list").mkdir()
        for split, lines in listed.items():
            (root / "list" / f"{split}_gt.txt").write_text("\n".join(lines) + "\n")


def test_a_mask_tree_copying_the_image_tree_below_one_folder_pairs_by_path_and_groups_its_clips(tmp_path):
    culane(tmp_path, lists=False)
    index = discover(tmp_path)
    assert len(index.pairs) == 8
    assert all(p.mask.relative_to(tmp_path).as_posix() == "laneseg_label_w16/"
               + p.image.relative_to(tmp_path).with_suffix(".png").as_posix() for p in index.pairs)
    assert {p.group for p in index.pairs} == {p.image.parent.relative_to(tmp_path).as_posix() for p in index.pairs}


def test_an_image_folder_is_never_offered_as_its_own_mask_folder(tmp_path):
    """`--masks '*/driver_23_30frame'` names CULane's image folder as well as its mask tree's copy."""
    culane(tmp_path, lists=False)
    index = discover(tmp_path, images="driver_23_30frame", masks="*/driver_23_30frame")
    assert len(index.pairs) == 4 and all(p.mask.parts[-4] == "laneseg_label_w16" for p in index.pairs)


def test_a_mask_tree_renamed_by_one_word_pairs_each_folder_with_its_copy_and_no_folder_is_a_group(tmp_path):
    """Fish4Knowledge: fish_image/fish_01/fish_<n>.png ~ mask_image/mask_01/mask_<n>.png (0/255), a folder
    per species: every folder and file renamed by the mask word for 'fish'. The species folders are
    no classes (the masks are binary) nor groups (a species is no subject)."""
    for species in (1, 2, 3, 15):
        for k in range(2):
            number = f"{species:06d}{k}_0{k}"
            save(tmp_path / "fish_image" / f"fish_{species:02d}" / f"fish_{number}.png", photo(k))
            save(tmp_path / "mask_image" / f"mask_{species:02d}" / f"mask_{number}.png", labels(k, (0, 255)))
    index = discover(tmp_path)
    assert len(index.pairs) == 8
    assert all(p.mask.parent.name == p.image.parent.name.replace("fish", "mask") for p in index.pairs)
    assert index.mapping.kind == "binary" and {p.group for p in index.pairs} == {None}


def test_cyclegan_domain_folders_never_pair_and_the_test_pairs_read(tmp_path, caplog):
    """XCAD: train/trainA/ (unlabelled angiograms) beside train/trainB/ (synthetic vessel masks of no
    angiogram, named by the same numbers: CycleGAN's two unpaired domains), test/images/ + test/masks/.
    trainA/ is unlabelled, trainB/'s masks ignored, said; only the test pairs read."""
    for i in range(4):
        save(tmp_path / "XCAD" / "train" / "trainA" / f"{i:05d}.png", photo(i)[..., 0])
        save(tmp_path / "XCAD" / "train" / "trainB" / f"{i:05d}.png", labels(i + 9, (0, 255)))
    for i in range(3):
        save(tmp_path / "XCAD" / "test" / "images" / f"{i:05d}.png", photo(i)[..., 0])
        save(tmp_path / "XCAD" / "test" / "masks" / f"{i:05d}.png", labels(i, (0, 255)))
    caplog.set_level("INFO", logger="seglab")
    index = discover(tmp_path)
    assert relative(index, "mask") == [f"XCAD/test/masks/{i:05d}.png" for i in range(3)]
    assert sorted(p.parent.name for p in index.unlabelled) == ["trainA"] * 4
    assert "XCAD/train/trainB/ holds masks of no image" in caplog.text


def deepfish(root: Path) -> None:
    """DeepFish: Segmentation/ and Localization/ hold the same frames, images/{valid,empty}/ (fish or
    none, no splits) + masks/{valid,empty}/ (outlines; a pixel per fish), listed by <task>/{train,val,test}.csv
    (ID = 'valid/<stem>')."""
    rows: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for i in range(8):
        kind, stem = ("empty" if i % 4 == 3 else "valid"), f"7117_Caranx_f{i:06d}"
        outline = labels(i, (0, 255)) if kind == "valid" else np.zeros(SIZE, np.uint8)
        dots = np.zeros(SIZE, np.uint8)
        dots[5, 7] = 255 if kind == "valid" else 0
        for task, mask in (("Segmentation", outline), ("Localization", dots)):
            save(root / "DeepFish" / task / "images" / kind / f"{stem}.png", photo(i))
            save(root / "DeepFish" / task / "masks" / kind / f"{stem}.png", mask)
        rows[("train", "train", "val", "test")[i % 4]].append(f"{kind}/{stem},{int(kind == 'valid')}\n")
    for task in ("Segmentation", "Localization"):
        for split, listed in rows.items():
            (root / "DeepFish" / task / f"{split}.csv").write_text("ID,labels\n" + "".join(listed))


def test_images_and_masks_mirroring_the_same_subfolders_are_folder_pairs_not_class_folders(tmp_path):
    """DeepFish/Segmentation: masks/empty/ and masks/valid/ mirror images/empty/ and images/valid/, no
    classes; the pairs read with their splits from the CSV lists."""
    deepfish(tmp_path)
    index = discover(tmp_path / "DeepFish" / "Segmentation")
    assert index.format == "folder-pairs" and len(index.pairs) == 8 and index.mapping.kind == "binary"
    assert Counter(p.split for p in index.pairs) == {"train": 4, "val": 2, "test": 2}


def test_the_same_images_with_other_masks_in_two_task_folders_are_refused_naming_both(tmp_path):
    """DeepFish's root: Localization/'s dot masks and Segmentation/'s outlines of the same frames are two
    tasks, never merged into one dataset; the refusal names both and the route reads one."""
    deepfish(tmp_path)
    with pytest.raises(DataError) as info:
        discover(tmp_path)
    message = str(info.value)
    assert "labels of two tasks" in message and "DeepFish/Localization/" in message
    assert f"seglab inspect {tmp_path / 'DeepFish' / 'Segmentation'}" in message


def test_a_labels_folder_beside_the_images_wrapper_is_offered_first_and_its_flag_reads_it(tmp_path):
    """AI4Mars: msl/images/edr/ (photos), images/mxy/ and images/rng-30m/ (the rover's and the range's
    0/1 masks, named by the same numbers), msl/labels/train/<edr stem>.png (0-3, 255 unlabelled).
    The refusal offers labels/train first; --masks labels/train alone reads edr/'s pairs."""
    base = tmp_path / "ai4mars-dataset-merged-0.1" / "msl"
    for i in range(5):
        name = f"NLA_{397681339 + i * 1000}"
        save(base / "images" / "edr" / f"{name}EDR_F00.png", photo(i)[..., 0])
        save(base / "images" / "mxy" / f"{name}MXY_F00.png", labels(i, (0, 1)))
        save(base / "images" / "rng-30m" / f"{name}RNG_F00.png", labels(i + 1, (0, 1)))
        if i < 4:
            save(base / "labels" / "train" / f"{name}EDR_F00.png", labels(i, (0, 1, 2, 3, 255)))
    with pytest.raises(DataError, match=r"e\.g\. --masks labels/train"):
        discover(tmp_path)
    index = discover(tmp_path, masks="labels/train")
    assert len(index.pairs) == 4 and {p.image.parent.name for p in index.pairs} == {"edr"}


def test_a_labels_folder_split_by_split_folders_reads_each_split_and_the_strictest_test_version(tmp_path, caplog):
    """AI4Mars as shipped: msl/labels/train/<edr stem>.png and the test labels in three versions,
    msl/labels/test/masked-gold-min{1,2,3}-100agree/<edr stem>_merged.png (at least 1, 2, 3 raters
    agreeing), beside images/edr/ and its mxy/ rover masks. --masks labels/train left the test
    labels out; the refusal offers --masks labels, which reads both splits, the test split from
    min3 (the benchmark's), and --masks masked-gold-min1-100agree picks another with the train labels."""
    base = tmp_path / "ai4mars-dataset-merged-0.1" / "msl"
    for i in range(7):
        name = f"NLA_{397681339 + i * 1000}EDR_F00"
        save(base / "images" / "edr" / f"{name}.png", photo(i)[..., 0])
        save(base / "images" / "mxy" / f"{name.replace('EDR', 'MXY')}.png", labels(i, (0, 1)))
        if i < 4:
            save(base / "labels" / "train" / f"{name}.png", labels(i, (0, 1, 2, 3, 255)))
        elif i < 6:  # the last image has no label
            for k in (1, 2, 3):
                save(base / "labels" / "test" / f"masked-gold-min{k}-100agree" / f"{name}_merged.png",
                     labels(i + k, (0, 1, 2, 3, 255)))
    with pytest.raises(DataError, match=r"e\.g\. --masks labels$") as info:
        discover(tmp_path)
    assert "labels/test/masked-gold-min3-100agree/ [test 2]" in str(info.value)
    caplog.set_level("INFO", logger="seglab")
    index = discover(tmp_path, masks="labels")
    assert Counter(p.split for p in index.pairs) == {"train": 4, "test": 2}
    assert {p.mask.parent.name for p in index.pairs if p.split == "test"} == {"masked-gold-min3-100agree"}
    assert "masked-gold-min3-100agree/ is read" in caplog.text and "--masks masked-gold-min1-100agree" in caplog.text
    assert [p.path.name for p in index.problems if p.code == "image-without-mask"] == ["NLA_397687339EDR_F00.png"]
    index = discover(tmp_path, masks="masked-gold-min1-100agree")
    assert Counter(p.split for p in index.pairs) == {"train": 4, "test": 2}
    assert {p.mask.parent.name for p in index.pairs if p.split == "test"} == {"masked-gold-min1-100agree"}
    caplog.clear()
    assert len(discover(tmp_path, masks="labels/train").pairs) == 4  # as named, the test labels said left out
    assert "labels/test/masked-gold-min3-100agree/; --masks labels reads every split" in caplog.text


def test_numbered_halves_pair_by_suffix_and_take_the_readmes_colour_table(tmp_path):
    """comma10k: `imgs/` + `masks/` and `imgs2/` + `masks2/`, its colour codes listed only in
    README.md (` 1 - #402020 - road (...)`). `masks2/` was a rival for `imgs/` (pairing by a file's
    first number), and each half read alone numbered its colours its own way, by colour code."""
    road, lanes, car, inside = (64, 32, 32), (255, 0, 0), (204, 0, 255), (0, 204, 255)
    (tmp_path / "README.md").write_text("# comma10k\n\n```\n 1 - #402020 - road (all parts)\n"
                                        " 2 - #ff0000 - lane markings\n 3 - #cc00ff - my car (and anything in it)\n"
                                        " 4 - #00ccff - movable in my car (imgs2 only)\n```\n")
    for half, count, colours in (("", 4, (road, lanes, car)), ("2", 3, (road, car, inside))):
        for k in range(count):
            name = f"{k:04d}_{half or 1}a{k}b.png"
            save(tmp_path / f"imgs{half}" / name, photo(k))
            mask = np.zeros((*SIZE, 3), np.uint8)
            for band, colour in enumerate(colours):
                mask[band * SIZE[0] // 3:] = colour
            save(tmp_path / f"masks{half}" / name, mask)
    index = discover(tmp_path)
    assert Counter(p.image.parent.name for p in index.pairs) == {"imgs": 4, "imgs2": 3}
    assert all(p.mask.parent.name == p.image.parent.name.replace("imgs", "masks") for p in index.pairs)
    assert index.classes.names == ("road", "lane markings", "my car", "movable in my car")
    assert index.classes.colours == (road, lanes, car, inside)


def test_a_closest_mask_without_a_pattern_that_pairs_it_offers_no_empty_hint(tmp_path):
    """Dress Code's `<id>_0.jpg` and `<id>_1.jpg` both closest to `<id>_4.png`: no template pairs one
    name alone, and the finding ended '(pair such names with --mask-pattern)', naming no pattern."""
    for i in range(3):
        for role in (0, 1):
            save(tmp_path / "images" / f"00000{i}_{role}.png", photo(2 * i + role))
        save(tmp_path / "label_maps" / f"00000{i}_4.png", labels(i, (0, 1, 2)))
    with pytest.raises(DataError) as refused:
        discover(tmp_path, images="images", masks="label_maps", mask_pattern="{stem}_4.png")
    assert "closest unpaired mask: '000000_4.png'" in str(refused.value)
    assert "--mask-pattern)" not in str(refused.value)


def test_a_readme_txt_naming_colours_by_their_rgb_numbers_names_the_classes_and_voids_white(tmp_path):
    """SemCity Toulouse: img_multispec_05/TLS_BDSD_M/TLS_BDSD_M_<nn>.tif (8 bands, uint16) beside
    semantic_05/TLS_GT/TLS_GT_<nn>.tif (RGB colour codes), its classes only in README.txt, one line
    of `name (r,g,b)` entries. The classes were named by hex code, and white, 'void', trained as one."""
    void, impervious, building, water = (255, 255, 255), (38, 38, 38), (238, 118, 33), (0, 0, 238)
    (tmp_path / "README.txt").write_text(
        "SemCity Toulouse benchmark, WorldView-2 tiles resampled to (0.5, 0.5, 1) m.\nClasses and colours: "
        "void (255,255,255), impervious surfaces (38,38,38), building (238,118,33), water (0,0,238).\n")
    for n in range(1, 5):
        bands = np.random.default_rng(n).integers(0, 4000, (*SIZE, 8), dtype=np.uint16)
        folder = tmp_path / "img_multispec_05" / "TLS_BDSD_M"
        folder.mkdir(parents=True, exist_ok=True)
        tifffile.imwrite(folder / f"TLS_BDSD_M_{n:02d}.tif", bands, photometric="minisblack", planarconfig="contig")
        mask = np.array([impervious, building, water, void], np.uint8)[labels(n, (0, 1, 2, 3))]
        folder = tmp_path / "semantic_05" / "TLS_GT"
        folder.mkdir(parents=True, exist_ok=True)
        tifffile.imwrite(folder / f"TLS_GT_{n:02d}.tif", mask, photometric="rgb")
    index = discover(tmp_path, images="img_multispec_05/TLS_BDSD_M", masks="semantic_05/TLS_GT")
    assert index.classes.names == ("impervious surfaces", "building", "water")
    assert index.classes.colours == (impervious, building, water)
    assert index.classes.void_colours == (void,) and index.ignore_index == 255
    assert 255 in inspect_dataset(tmp_path, images="img_multispec_05/TLS_BDSD_M",
                                  masks="semantic_05/TLS_GT").stats.mask_values  # white read as the ignore label


@pytest.mark.parametrize("ignore_index", [None, 255])
def test_a_readme_listing_label_values_in_a_line_names_the_classes_and_its_null_is_void(tmp_path, ignore_index):
    """AI4Mars ships msl/images/edr/<name>.JPG beside msl/labels/train/<name>_merged.png (0 soil,
    1 bedrock, 2 sand, 3 big rock, 255 no label), the names only in README.txt's text: the
    classes were class_0 ... class_3. The README's list names them, and its 255 'NULL' is the
    ignore label, whether or not --ignore-index 255 says so."""
    top = tmp_path / "ai4mars-dataset-merged-0.1"
    for n in range(4):
        name = f"NLA_39768{n}339EDR_F0020000AUT_04096M1"
        save(top / "msl" / "images" / "edr" / f"{name}.JPG", photo(n)[..., 0])
        save(top / "msl" / "labels" / "train" / f"{name}_merged.png", labels(n, (0, 1, 2, 3, 255)))
    (top / "README.txt").write_text(
        "AI4Mars terrain classification. Labels: 0 soil, 1 bedrock, 2 sand, 3 big rock, 255 NULL (no label).\n"
        "images/rng-30m: range masks (1 = beyond 30 m).\n")
    report = inspect_dataset(tmp_path, masks="labels", ignore_index=ignore_index)
    assert report.classes.names == ("soil", "bedrock", "sand", "big rock")
    assert report.index.ignore_index == 255 and report.stats.mask_values[255] > 0
    assert "README.txt" not in {p.name for p in report.index.ignored}


def test_a_readme_calling_mask_value_0_unlabelled_makes_it_the_ignore_label(tmp_path, caplog):
    """ATLANTIS ships atlantis/images/<split>/<waterbody>/<id>.jpg beside masks/ of ids 1..56, 0
    unlabelled, as its README says (its loader reads label - 1, 0 as 255): 0 was trained as a
    class. The README's `0 unlabelled` makes 0 the ignore label, as --ignore-index 0 does."""
    (tmp_path / "README.md").write_text("# ATLANTIS - ArTificiaL And Natural waTer-bodIes dataSet\n"
                                        "56 labels (35 waterbody + 21 general); masks hold ids 1..56, 0 unlabelled.\n")
    for n, (split, water) in enumerate([("train", "canal"), ("train", "dam"), ("val", "lake"), ("test", "dam")]):
        save(tmp_path / "atlantis" / "images" / split / water / f"2650333{n}837.jpg", photo(n))
        save(tmp_path / "atlantis" / "masks" / split / water / f"2650333{n}837.png", labels(n, (0, 3, 17, 56)))
    with caplog.at_level(logging.INFO, logger="seglab"):
        report = inspect_dataset(tmp_path)
    assert report.index.mapping == OffsetMapping(1) and report.index.ignore_index == -1
    assert report.classes.ignore_index == -1 and report.stats.mask_values[-1] > 0  # 0 read as no class
    assert "README.md' names mask value 0 'unlabelled' and no class" in caplog.text


LAND_COVER = ("impervious surface", "agriculture", "forest & other vegetation", "wetlands", "soil", "water", "snow & ice")


def dynamicearthnet(root: Path, areas: dict[str, str], months: tuple[int, ...] = (1, 2)) -> dict[str, np.ndarray]:
    """DynamicEarthNet as released: `planet/na/<aoi>/PF-SR/2018-MM-DD.tif` (4-band daily images),
    `labels/<aoi>/Labels/Raster/<tile>/<tile>-2018_MM_01.tif` (monthly, a band per land-cover class
    of 0/255), `train.txt`/`val.txt` of `<image folder> <label>` lines, the classes in README.txt
    only. Returns each label's class indices by its path from `root`."""
    expected, lists = {}, {"train": [], "val": []}
    for k, (aoi, tile) in enumerate(areas.items()):
        for month in months:
            for day in (1, 2, 3):
                folder = root / "planet" / "na" / aoi / "PF-SR"
                folder.mkdir(parents=True, exist_ok=True)
                image = np.random.default_rng(k * 100 + month * 10 + day).integers(0, 4000, (4, *SIZE), np.uint16)
                tifffile.imwrite(folder / f"2018-{month:02d}-{day:02d}.tif", image, photometric="minisblack",
                                 planarconfig="separate")
            classes = labels(k + month, (0, 5, 2)).astype(np.int64)
            classes[0, :3] = 6 - month  # wetlands, soil: a few pixels
            label = f"labels/{aoi}/Labels/Raster/{tile}/{tile}-2018_{month:02d}_01.tif"
            (root / label).parent.mkdir(parents=True, exist_ok=True)
            bands = np.stack([(classes == c).astype(np.uint8) * 255 for c in range(len(LAND_COVER))])
            tifffile.imwrite(root / label, bands, photometric="minisblack", planarconfig="separate")
            lists["val" if k == len(areas) - 1 else "train"].append(f"/planet/na/{aoi}/PF-SR /{label}")
            expected[label] = classes
    for split, lines in lists.items():
        (root / f"{split}.txt").write_text("\n".join(lines) + "\n")
    (root / "README.txt").write_text("DynamicEarthNet. Labels: 7 land-cover classes, one band each: "
                                     f"{', '.join(LAND_COVER)}.\n")
    return expected


def test_dynamicearthnet_lists_pair_each_monthly_label_with_the_daily_image_of_its_date(tmp_path):
    """DynamicEarthNet: its lists name an area's folder of daily images and a monthly label; the
    dates are spelt `2018-01-01` and `2018_01_01` and the labels lie five levels deep, so no folder
    or --mask-pattern paired them; the lists were unread, the 0/255 bands refused as 'shape (12, 16,
    7); expected a 2-D label map' and the README's class names unused."""
    areas = {"1311_3077_13": "10N-122W-40N-L3H", "2065_3647_13": "18N-74W-40N-L3H", "4426_3835_13": "32N-12E-48N-L3H"}
    expected = dynamicearthnet(tmp_path, areas)
    index = discover(tmp_path)
    assert index.format == "pair-lists" and len(index.pairs) == 6
    for pair in index.pairs:
        assert pair.image.stem == pair.mask.stem[-10:].replace("_", "-")  # the label's date, 2018-01-01
        assert pair.group == pair.image.parent.parent.name  # the area
        assert pair.split == ("val" if pair.group == "4426_3835_13" else "train")
        assert np.array_equal(read_mask(pair.mask, index.mapping), expected[pair.mask.relative_to(tmp_path).as_posix()])
    assert index.classes.names == LAND_COVER
    assert (index.mapping.kind, index.mapping.channels, index.mapping.first) == ("one-hot", 7, 0)


def test_pair_lists_are_read_once_for_detect_and_index(tmp_path, monkeypatch):
    """Detecting the pair-lists layout and indexing it each read every list file."""
    from seglab.data.layouts import pair_lists as layout

    dynamicearthnet(tmp_path, {"1311_3077_13": "10N-122W-40N-L3H", "2065_3647_13": "18N-74W-40N-L3H"})
    found, read = layout.pair_lists, []
    monkeypatch.setattr(layout, "pair_lists", lambda root: read.append(root) or found(root))
    assert discover(tmp_path).format == "pair-lists" and read == [tmp_path]


def test_dates_pair_as_dates_whatever_their_separators(tmp_path):
    """Daily images `2018-01-03.png` beside monthly masks `<tile>-2018_01_01.png` (DynamicEarthNet's
    spelling, its folders given): no name rule, nor a --mask-pattern, pairs `2018-01-01` with
    `2018_01_01`; the date in the name does, and the other days are images without a mask."""
    for month in (1, 2, 3):
        for day in (1, 2):
            save(tmp_path / "PF-SR" / f"2018-{month:02d}-{day:02d}.png", photo(month * 10 + day))
        save(tmp_path / "Raster" / f"10N-122W-40N-L3H-2018_{month:02d}_01.png", labels(month))
    index = discover(tmp_path, images="PF-SR", masks="Raster")
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == [
        (f"2018-{m:02d}-01.png", f"10N-122W-40N-L3H-2018_{m:02d}_01.png") for m in (1, 2, 3)]
    assert "same date in the name" in index.pairing[0]
    assert sorted(p.path.name for p in index.problems if "expected a mask dated 2018-0" in p.message) == [
        f"2018-{m:02d}-02.png" for m in (1, 2, 3)]


def test_the_offered_mask_pattern_of_a_bare_name_pairs_past_a_suffixed_naming(tmp_path):
    """MMOTU's `OTU_2d/images/<n>.JPG` beside `annotations/<n>.PNG` (a colour per tumour type) and
    `<n>_binary.PNG`: the refusal offered `--mask-pattern '{stem}.PNG'`, whose `{stem}` also fits
    `1_binary.PNG`, so it refused again with the same message; only a regular expression worked."""
    for n in range(1, 5):
        save(tmp_path / "OTU_2d" / "images" / f"{n}.JPG", photo(n))
        save(tmp_path / "OTU_2d" / "annotations" / f"{n}.PNG", labels(n, (0, 1, 2)))
        save(tmp_path / "OTU_2d" / "annotations" / f"{n}_binary.PNG", labels(n, (0, 255)))
    with pytest.raises(DataError, match=r"--mask-pattern '\{stem\}.PNG': 4 masks"):
        discover(tmp_path)
    index = discover(tmp_path, mask_pattern="{stem}.PNG")
    assert sorted(p.mask.name for p in index.pairs) == [f"{n}.PNG" for n in range(1, 5)]
    assert sorted(p.name for p in index.ignored) == [f"{n}_binary.PNG" for n in range(1, 5)]
    index = discover(tmp_path, mask_pattern="{stem}_binary.PNG")
    assert sorted(p.mask.name for p in index.pairs) == [f"{n}_binary.PNG" for n in range(1, 5)]


def test_a_field_of_view_folder_is_never_the_refusals_example(tmp_path):
    """LES-AV: `images/`, `masks/` (the field of view, a disc over most of each image),
    `vessel-segmentations/` and `arteries-and-veins/` (colours), all named alike: the refusal's
    example was `--masks masks`, the field of view, which holds no labels."""
    yy, xx = np.mgrid[:SIZE[0], :SIZE[1]]
    field = ((yy - 6) ** 2 + (xx - 8) ** 2 < 7 ** 2)
    for n in (11, 14, 17, 21):
        vessels = np.zeros(SIZE, np.uint8)
        vessels[2:10, 4 + n % 3] = 1
        vessels[5, 3:13] = 2
        save(tmp_path / "LES-AV" / "images" / f"{n}.png", photo(n))
        save(tmp_path / "LES-AV" / "masks" / f"{n}.png", (field * 255).astype(np.uint8))
        save(tmp_path / "LES-AV" / "vessel-segmentations" / f"{n}.png", ((vessels > 0) * 255).astype(np.uint8))
        save(tmp_path / "LES-AV" / "arteries-and-veins" / f"{n}.png",
             np.array([(0, 0, 0), (255, 0, 0), (0, 0, 255)], np.uint8)[vessels])
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "LES-AV/masks/: 4 pairs by same name (its masks hold the others' labels" in str(refused.value)
    assert str(refused.value).endswith("e.g. --masks vessel-segmentations")
    assert {p.mask.parent.name for p in discover(tmp_path, masks="vessel-segmentations").pairs} == {
        "vessel-segmentations"}


def test_values_a_readme_names_unannotated_are_ignored_and_the_others_named(tmp_path):
    """TIGER's `wsirois/roi-level-annotations/<subset>/{images,masks}/`: masks of values 0 to 7, its
    README naming them in a line (`0 unannotated (exclude), 1 invasive tumor, ...`). 0 was trained
    as a class, `class_0`, with no word."""
    names = ("invasive tumor", "tumor-associated stroma", "in-situ tumor", "healthy glands", "necrosis not in-situ",
             "inflamed stroma", "rest")
    (tmp_path / "wsirois").mkdir()
    (tmp_path / "wsirois" / "README.md").write_text(
        "TIGER training data. Tissue labels: 0 unannotated (exclude), "
        + ", ".join(f"{value} {name}" for value, name in enumerate(names, 1)) + "\n")
    for n in range(4):
        name = f"10{n}B_[{10000 + 512 * n}, 20000, {10048 + 512 * n}, 20040].png"
        save(tmp_path / "wsirois" / "roi-level-annotations" / "tissue-blocks" / "images" / name, photo(n))
        save(tmp_path / "wsirois" / "roi-level-annotations" / "tissue-blocks" / "masks" / name,
             labels(n, (0, 1 + n, 7)))
    from seglab.data import read_mask

    report = inspect_dataset(tmp_path)
    assert report.classes.names == names and report.classes.ignore_index == 255
    for pair in report.index.pairs:
        raw = np.asarray(Image.open(pair.mask)).astype(np.int64)
        assert np.array_equal(read_mask(pair.mask, report.index.mapping), np.where(raw == 0, 255, raw - 1))


def test_masks_read_no_further_still_look_like_masks_and_event_arrays_do_not(tmp_path):
    """WGISD ships data/<name>.jpg beside <name>.npz, an array of a channel per grape bunch, which
    the mask reader refuses as several label bands: such files are masks all the same (their own
    refusal or --instance-masks reads them), and the folder was refused as 'no known dataset layout'
    once unreadable files stopped looking like masks; 1-D arrays (MUSES' events) still do not."""
    from seglab.data.discovery.folders.content import looks_like_masks
    from seglab.data.discovery.folders.listing import Folder

    objects, events = tmp_path / "objects", tmp_path / "events"
    for folder in (objects, events):
        folder.mkdir()
    for k in range(2):
        bunches = np.zeros((16, 16, 2), np.uint8)
        bunches[2:6, 2:6, 0] = bunches[8:12, 8:14, 1] = 1
        np.savez(objects / f"CDY_20{k}8.npz", arr_0=bunches)
        np.savez(events / f"REC0006_frame_04{k}_event_camera.npz", arr_0=np.array([0.5, 1.25, 3.0]))
    listed = {folder: Folder(folder, sorted(folder.iterdir()), None, False, False, (folder.name,))
              for folder in (objects, events)}
    assert looks_like_masks(listed[objects]) and not looks_like_masks(listed[events])


def chest_ct_masks(root: Path, patients: tuple[str, ...], doubled: bool = True, slices: int = 2) -> None:
    """Kaggle's Chest CT Segmentation: `images/images/<patient>_<slice>.jpg` + `masks/masks/` (each
    folder once unless `doubled`) of RGB JPEGs, the lungs in R, the heart in G (overlapping the lungs)
    and the trachea in B, and train.csv."""
    rows = ["ImageId,MaskId"]
    for patient in patients:
        for n in range(slices):
            name = f"{patient}_{n}.jpg"
            mask = np.zeros((48, 48, 3), np.uint8)
            mask[8:40, 4:20, 0] = mask[8:40, 28:44, 0] = 255
            mask[26:40, 18:30, 1] = 255
            mask[4:14, 22:26, 2] = 255
            save(root.joinpath(*["images"] * (1 + doubled), name), photo(n, (48, 48)))
            save(root.joinpath(*["masks"] * (1 + doubled), name), mask)
            rows.append(f"{name},{name}")
    (root / "train.csv").write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("doubled", [True, False])
def test_chest_ct_masks_of_a_class_per_channel_read_multilabel_by_patient(tmp_path, doubled):
    """Kaggle's Chest CT Segmentation (`chest_ct_masks`): its doubled `masks/masks/` was taken for a
    class folder, its every mask 'has no image'; named, the JPEG colours were 7 classes and
    --multilabel refused them. Its masks are a 0/255 class per channel, overlapping: three classes,
    each slice's patient (`ID<number>_<slice>`) a group."""
    patients = ("ID00007637202177411956430", "ID00009637202177434476278", "ID00010637202177584971671")
    chest_ct_masks(tmp_path, patients, doubled)
    index = discover(tmp_path)
    assert index.format == "folder-pairs" and len(index.pairs) == 6
    assert index.mapping.kind == "channel-classes" and index.classes.names == ("red", "green", "blue")
    assert {p.group for p in index.pairs} == {patient.lower() for patient in patients}
    labels = read_mask(index.pairs[0].mask, index.mapping)
    assert (labels[10, 10], labels[30, 24], labels[30, 18], labels[8, 24], labels[2, 2]) == (0b1, 0b10, 0b11, 0b100, 0)


def nested_channels(mask: np.ndarray) -> None:
    mask[4:28, 4:28, 0] = 255
    mask[10:20, 10:20, 1] = 255  # green only inside red


def primary_colours(mask: np.ndarray) -> None:
    mask[2:10, 2:10] = (255, 0, 0)
    mask[12:20, 2:10] = (0, 255, 0)
    mask[2:20, 12:30] = (255, 255, 0)  # a yellow class, commoner than red


@pytest.mark.parametrize("paint", [nested_channels, primary_colours])
def test_primary_colour_classes_and_nested_channels_stay_colours_until_asked(tmp_path, caplog, paint):
    """Colour masks of 0/255 channels whose overlap colour is no rarer than each class it would join
    (green only inside red; a yellow class commoner than red) may be a palette's colour classes: read
    so, and where the overlap lies inside its classes, --task multilabel logged as the route that
    reads a class per channel."""
    root = tmp_path / "masks"
    for n in range(4):
        mask = np.zeros((32, 32, 3), np.uint8)
        paint(mask)
        save(root / "images" / f"{n}.png", photo(n, (32, 32)))
        save(root / "masks" / f"{n}.png", mask)
    with caplog.at_level(logging.INFO):
        index = discover(root)
    assert index.mapping.kind == "colour" and index.classes.num_classes == 4 - (paint is nested_channels)
    assert ("--task multilabel reads a class per channel" in caplog.text) == (paint is nested_channels)
    index = discover(root, task="multilabel")
    assert index.mapping.kind == "channel-classes" and index.classes.names == ("red", "green")
    assert read_mask(root / "masks" / "0.png", index.mapping)[15, 15] == 0b11


def sennet_kidneys(root: Path) -> None:
    """SenNet + HOA 2023: train/<kidney>/images/0000.png + labels/0000.png; kidney_1_voi/ a volume of
    interest of kidney 1; kidney_3_dense/ holds labels alone, dense ones of slices 1-3 of
    kidney_3_sparse/images/, whose own sparse labels are of slices 0-2."""
    for kidney, images, labelled in (("kidney_1_dense", 3, range(3)), ("kidney_1_voi", 2, range(2)),
                                     ("kidney_2", 3, range(3)), ("kidney_3_sparse", 5, range(3)),
                                     ("kidney_3_dense", 0, range(1, 4))):
        for i in range(images):
            save(root / "train" / kidney / "images" / f"{i:04d}.png", photo(i)[..., 0])
        for i in labelled:
            save(root / "train" / kidney / "labels" / f"{i:04d}.png", labels(i, (0, 255)))


def test_a_case_folder_of_labels_alone_labels_its_sibling_versions_images_and_versions_group(tmp_path):
    """SenNet + HOA 2023: kidney_3_dense/labels/ (no images/) was passed over as 'not in any pair',
    though it labels kidney_3_sparse/images/; and kidney_1_dense/ and kidney_1_voi/, one kidney,
    were two groups that a split could divide. The dense labels pair in place of the sparse ones of
    the same slices, and each kidney is one group."""
    sennet_kidneys(tmp_path)
    index = discover(tmp_path)
    masks = {p.image.relative_to(tmp_path).as_posix(): p.mask.relative_to(tmp_path).as_posix() for p in index.pairs}
    assert [masks.get(f"train/kidney_3_sparse/images/{i:04d}.png") for i in range(5)] == [
        "train/kidney_3_sparse/labels/0000.png", *(f"train/kidney_3_dense/labels/{i:04d}.png" for i in (1, 2, 3)), None]
    assert len(index.pairs) == 3 + 2 + 3 + 4
    assert {tmp_path / "train" / "kidney_3_sparse" / "labels" / f"{i:04d}.png" for i in (1, 2)} <= set(index.ignored)
    assert {p.group for p in index.pairs} == {"train/kidney_1", "train/kidney_2", "train/kidney_3_sparse"}


LEGACY_TABLES = {  # Windows' "ANSI" saves in the system's code page: Notepad's labels.txt, Excel's CSVs
    "gbk": ("labels.txt", "{}\n", ["背景", "建筑", "道路", "水体"]),  # Baidu AI Studio (PaddleSeg)
    "cp932": ("classes.csv", "id,name\n{}\n", ["背景", "正常組織", "腫瘍"]),  # Shift-JIS
    "cp949": ("labels.txt", "{}\n", ["배경", "건물", "도로"]),  # EUC-KR and its Windows superset
    "cp1251": ("classes.csv", "id,name\n{}\n", ["фон", "лес", "вода", "застройка"]),
    "cp1252": ("classes.csv", "id,name\n{}\n", ["Fondo", "Plantación", "Maleza"]),
}


@pytest.mark.parametrize("encoding", LEGACY_TABLES)
def test_class_tables_in_a_legacy_code_page_are_read_in_it_and_said(tmp_path, caplog, encoding):
    """A class table saved as GBK, Shift-JIS, EUC-KR, CP1251 or CP1252 (CRLF lines), beside a
    README in its code page. Before: refused, "'utf-8' codec can't decode byte 0xb1", with no route."""
    name, form, names = LEGACY_TABLES[encoding]
    rows = [f"{v},{n}" for v, n in enumerate(names)] if name.endswith(".csv") else names
    (tmp_path / name).write_bytes(form.format("\n".join(rows)).replace("\n", "\r\n").encode(encoding))
    (tmp_path / "README.txt").write_bytes(f"{names[1]} {names[2]}\r\n".encode(encoding))
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "masks" / f"{i}.png", labels(i, tuple(range(len(names)))))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert index.classes.names == tuple(names)
    read_as = {"gbk": "gb18030", "cp949": "euc-kr"}.get(encoding, encoding)
    assert f"'{tmp_path / name}' is not UTF-8: read as {read_as}" in caplog.text


def test_a_class_table_in_no_code_page_is_refused_with_its_byte_and_the_route(tmp_path):
    """A list whose lines were saved in two code pages reads in none: refused naming the file, the
    first byte that is no UTF-8 and how to make it UTF-8."""
    (tmp_path / "labels.txt").write_bytes("背景\r\n".encode("gbk") + "лес\r\nвода\r\n".encode("cp1251"))
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "masks" / f"{i}.png", labels(i, (0, 1, 2)))
    refusal = (r"labels.txt' cannot be read: 'utf-8' codec can't decode byte 0xb1 in position 0.* reads as no legacy "
               r"code page .*save it as UTF-8: iconv -f ENCODING -t utf-8")
    with pytest.raises(DataError, match=refusal):
        discover(tmp_path)


def test_a_side_text_that_reads_as_no_table_is_passed_over_beside_the_class_list(tmp_path, caplog):
    """AI Studio's 说明.txt beside labels.txt: any .txt is tried as a table, and one that cannot be
    read (here saved in two code pages; UTF-16, led by its mark, now reads) stopped the whole
    dataset. It is passed over, said in the log."""
    names = ["背景", "建筑", "道路"]
    (tmp_path / "labels.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    (tmp_path / "说明.txt").write_bytes("标签像素值 0 背景，".encode("gbk") + "1 лес\r\n".encode("cp1251"))
    for i in range(3):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        save(tmp_path / "masks" / f"{i}.png", labels(i, (0, 1, 2)))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert index.classes.names == tuple(names)
    assert "passed over while naming the mask values" in caplog.text and "说明.txt' cannot be read" in caplog.text


SPLIT_FOLDERS = {  # (train, val, test) folders of releases in other languages, their image and mask folders
    "spanish": (("entrenamiento", "validación", "prueba"), "imagenes", "mascaras"),
    "portuguese": (("treino", "validação", "teste"), "imagens", "mascaras"),
    "chinese": (("训练集", "验证集", "测试集"), "原图", "标签"),
    "japanese": (("学習用", "検証用", "評価用"), "画像", "正解"),
    "korean": (("학습", "검증", "평가"), "images", "labels"),
    "russian": (("обучение", "валидация", "тест"), "images", "masks"),
    "german": (("Training", "Validierung", "Test"), "Bilder", "Masken"),
    "french": (("entraînement", "validation", "test"), "images", "masques"),
    "field survey": (("Train", "Validate", "Test"), "images", "masks"),  # SorghumWeed's Validate/
    "challenge": (("train", "eval", "test"), "images", "masks"),  # cBAD 2019's eval/
    "challenge, in full": (("Training", "Evaluation", "Testing"), "images", "labels"),
}


@pytest.mark.parametrize("language", SPLIT_FOLDERS)
def test_split_folders_named_in_other_languages_are_the_official_split(tmp_path, language):
    """训练集/验证集/测试集, 学習用/検証用/評価用, entrenamiento/validación/prueba,
    обучение/валидация/тест, 학습/검증/평가 (accents as a Mac writes them too), a challenge's
    train/eval/test (cBAD 2019). Before: English words alone named a split, and `eval` none, and
    the official split was silently lost for a drawn one."""
    import unicodedata

    splits, images, masks = SPLIT_FOLDERS[language]
    for n, (folder, count) in enumerate(zip(splits, (4, 2, 2))):
        folder = unicodedata.normalize("NFD", folder) if language == "portuguese" else folder
        for i in range(count):
            save(tmp_path / folder / images / f"{n}_{i}.png", photo(10 * n + i))
            save(tmp_path / folder / masks / f"{n}_{i}.png", labels(10 * n + i))
    index = discover(tmp_path)
    assert Counter(p.split for p in index.pairs) == {"train": 4, "val": 2, "test": 2}


def test_masks_named_after_other_images_pair_by_name_never_by_a_shared_number(tmp_path):
    """MSD's phone-screen defects: `oil/`, `scratch/`, `stain/` and `good/` images, the masks of
    scratch and stain in `ground_truth_1/`, of oil in `ground_truth_2/`. `ground_truth_2/Oil_0001.png`
    paired `scratch/Scr_0001.jpg` by its number, so two folders could hold scratch/'s masks (refused),
    and `--masks ground_truth_1` left every oil image out. Each image takes its mask of the same
    name; good/ shares numbers alone and is left unpaired."""
    root = tmp_path / "msd"
    for folder, prefix, truth in (("oil", "Oil", 2), ("scratch", "Scr", 1), ("stain", "Sta", 1)):
        for k in range(1, 4):
            save(root / folder / f"{prefix}_{k:04d}.jpg", photo(k))
            save(root / f"ground_truth_{truth}" / f"{prefix}_{k:04d}.png", labels(k, (0, 255)))
    for k in range(1, 3):
        save(root / "good" / f"good_{k:04d}.jpg", photo(10 + k))
    index = discover(root)
    assert {(p.image.stem, p.mask.relative_to(root).as_posix()) for p in index.pairs} == {
        (f"{prefix}_{k:04d}", f"ground_truth_{truth}/{prefix}_{k:04d}.png")
        for prefix, truth in (("Oil", 2), ("Scr", 1), ("Sta", 1)) for k in range(1, 4)}


def calfin(root: Path, image_word: str = "Raw") -> Path:
    """CALFIN's `training/data/{train,validation}/<glacier>_<sensor>_L1TP_<date>_..._B4_Subset_Raw.png`
    beside `..._Subset_Mask.png`: the glaciers of one folder imaged on the same dates."""
    data = root / "calfin" / "training" / "data"
    for folder, glaciers in (("train", ("Rink-Isbrae", "Upernavik-N", "Upernavik-NE")), ("validation", ("Jakobshavn",))):
        for k, glacier in enumerate(glaciers):
            for j, date in enumerate(("2003-06-10", "2005-07-11", "2011-08-12")):
                name = f"{glacier}_LE07_L1TP_{date}_017-008_T1_B4_Subset"
                save(data / folder / f"{name}_{image_word}.png", photo(10 * k + j))
                save(data / folder / f"{name}_Mask.png", labels(10 * k + j, (0, 255)))
    return data.parent.parent


def test_raw_images_pair_their_masks_and_a_folder_they_leave_unpaired_is_said(tmp_path, caplog):
    """CALFIN's `_Subset_Raw.png` images beside `_Subset_Mask.png`: `_Raw` was no image affix, so
    the files were keyed by their date, which glaciers imaged on one day share; `train/` paired
    by no rule and its files were listed as ignored with `Problems: 0`, `validation/` read alone,
    its split dropped. `_Raw` names the image; a folder whose masks pair by no naming (a word no
    rule knows, `_Optical`) is said in a warning giving the pattern that pairs it."""
    root = calfin(tmp_path)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert Counter(p.split for p in index.pairs) == {"train": 9, "val": 3}
    assert all(p.mask.name == p.image.name.replace("_Raw", "_Mask") for p in index.pairs)
    for path in (root / "training" / "data" / "train").glob("*_Raw.png"):
        path.rename(path.with_name(path.name.replace("_Raw", "_Optical")))
    with caplog.at_level(logging.WARNING, logger="seglab"):
        index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 3 and len([p for p in index.ignored if p.parent.name == "train"]) == 18
    assert "1 folder(s) hold files named as masks that no naming read side by side pairs with the images beside " \
           "them: training/data/train/ (9 masks, 9 images)" in caplog.text
    assert "(pair such names with --mask-pattern '{stem}_Mask.png')" in caplog.text


def test_a_mask_pattern_pairs_images_named_with_a_word_of_their_own_beside_their_masks(tmp_path, caplog):
    """`<sample>/<sample>_grayscale.png` beside `<sample>_segmented.png` (the Li-ion electrode CT
    library's naming, in 2-D files): no naming pairs them, and `--mask-pattern
    '{stem}_segmented.png'`, its `{stem}` the image's name less its last word, found no folder
    either: side by side, a mask was named after a file only by that file's whole name. The
    warning now gives that pattern, and the pattern reads every pair."""
    samples = ("NMC_90wt_0bar", "NMC_96wt_300bar", "Graphite_SLC1506")
    for k, sample in enumerate(samples):
        save(tmp_path / sample / f"{sample}_grayscale.png", photo(k)[..., 0])
        save(tmp_path / sample / f"{sample}_segmented.png", labels(k))
    with caplog.at_level(logging.WARNING, logger="seglab"), pytest.raises(DataError, match="no known dataset layout"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert "3 folder(s) hold files named as masks" in caplog.text and "NMC_90wt_0bar/ (1 masks, 1 images)" in caplog.text
    assert "(pair such names with --mask-pattern '{stem}_segmented.png')" in caplog.text
    index = discover(tmp_path, mask_pattern="{stem}_segmented.png", cache_dir=str(tmp_path / "cache"))
    assert sorted((p.image.name, p.mask.name) for p in index.pairs) == sorted(
        (f"{sample}_grayscale.png", f"{sample}_segmented.png") for sample in samples)
    calfin(tmp_path / "optical", image_word="Optical")  # CALFIN's warning gives such a pattern too
    index = discover(tmp_path / "optical" / "calfin", mask_pattern="{stem}_Mask.png", cache_dir=str(tmp_path / "cache"))
    assert Counter(p.split for p in index.pairs) == {"train": 9, "val": 3}


def noisyoffice(root: Path) -> Path:
    """NoisyOffice's `SimulatedNoisyOffice/simulated_noisy_images_grayscale/Font<x>_Noise<c|f|p|w>_<TR|VA|TE>.png`,
    four noises of each page of `clean_images_binaryscale/Font<x>_Clean_<split>.png` (and of
    `clean_images_grayscale/`), and `RealNoisyOffice/` with no ground truth."""
    simulated = root / "NoisyOffice" / "SimulatedNoisyOffice"
    for k, (font, split) in enumerate((("FontLrm", "TR"), ("FontLre", "TR"), ("FontLsm", "VA"), ("FontNrm", "TE"))):
        ink = labels(k, (0, 1)) == 1
        save(simulated / "clean_images_binaryscale" / f"{font}_Clean_{split}.png", np.where(ink, 0, 255).astype(np.uint8))
        save(simulated / "clean_images_grayscale" / f"{font}_Clean_{split}.png", np.where(ink, 20, 245).astype(np.uint8))
        for noise in "cfpw":
            save(simulated / "simulated_noisy_images_grayscale" / f"{font}_Noise{noise}_{split}.png", photo(k)[..., 0])
    save(root / "NoisyOffice" / "RealNoisyOffice" / "real_noisy_images_grayscale" / "FontLrm_Noisec.png", photo(9)[..., 0])
    return root / "NoisyOffice"


def test_images_named_as_their_mask_but_for_a_middle_word_pair_several_to_a_mask(tmp_path):
    """NoisyOffice's four noisy scans of a page (`FontLrm_Noisec_TR.png`, `_Noisef_`, `_Noisep_`,
    `_Noisew_`) named as its clean page `FontLrm_Clean_TR.png` but for their middle word: no rule
    paired them, nor could a --mask-pattern ({stem} is a whole name, or it less an affix, its
    first or its last word). The masks' one word in place of the images' several pairs them, each
    scan with its page, grouped by it."""
    root = noisyoffice(tmp_path)
    index = discover(root, images="simulated_noisy_images_grayscale", masks="clean_images_binaryscale",
                     cache_dir=str(tmp_path / "cache"))
    assert sorted((p.image.stem, p.mask.stem) for p in index.pairs) == sorted(
        (f"{font}_Noise{noise}_{split}", f"{font}_Clean_{split}")
        for font, split in (("FontLrm", "TR"), ("FontLre", "TR"), ("FontLsm", "VA"), ("FontNrm", "TE"))
        for noise in "cfpw")
    assert "with the word 'clean' for the images' 'noisec', 'noisef', 'noisep', 'noisew'" in index.pairing[0]
    assert len({p.group for p in index.pairs}) == 4  # a page's scans kept in one split


def test_split_words_ending_every_name_of_a_folder_in_all_three_splits_are_its_split(tmp_path):
    """NoisyOffice's `_TR`, `_VA` and `_TE` endings are its split; `va` was no split word and no
    rule read a name's end, so its pages were split at random. A folder whose names end in two
    of the three alone (a word that may mean anything) is left to the random split."""
    root = noisyoffice(tmp_path)
    folders = {"images": "simulated_noisy_images_grayscale", "masks": "clean_images_binaryscale",
               "cache_dir": str(tmp_path / "cache")}
    index = discover(root, **folders)
    assert {(p.image.stem[-2:], p.split) for p in index.pairs} == {("TR", "train"), ("VA", "val"), ("TE", "test")}
    (root / "SimulatedNoisyOffice" / "clean_images_binaryscale" / "FontLsm_Clean_VA.png").unlink()
    for noise in "cfpw":  # the val page gone: _TR and _TE are left
        (root / "SimulatedNoisyOffice" / "simulated_noisy_images_grayscale" / f"FontLsm_Noise{noise}_VA.png").unlink()
    assert {p.split for p in discover(root, **folders).pairs} == {None}


def test_an_image_without_the_mask_a_pattern_names_expects_that_name(tmp_path):
    """A --mask-pattern that pairs nothing (NoisyOffice's scans under '{stem}_Clean.png') said
    'expected clean_images_binaryscale/FontLre_Noisec_TR.*', as if no pattern were given: the
    line names the mask the pattern names, or what a regular expression's group should match."""
    root = noisyoffice(tmp_path)
    folders = {"images": "simulated_noisy_images_grayscale", "masks": "clean_images_binaryscale"}
    with pytest.raises(DataError, match=r"expected SimulatedNoisyOffice/clean_images_binaryscale/"
                                        r"FontLre_Noisec_TR_Clean\.png\)"):
        discover(root, mask_pattern="{stem}_Clean.png", cache_dir=str(tmp_path / "cache"), **folders)
    with pytest.raises(DataError, match=r"expected a name in SimulatedNoisyOffice/clean_images_binaryscale/ that "
                                        r"--mask-pattern '\(Font\.\*\)_Clean\\\.png' matches with 'FontLre_Noisec_TR'"):
        discover(root, mask_pattern=r"(Font.*)_Clean\.png", cache_dir=str(tmp_path / "cache"), **folders)


def test_a_number_pairing_a_few_files_by_chance_is_refused_with_the_manifest_route(tmp_path):
    """MATLAB Image Labeler's `PixelLabelData/Label_1.png` ... `Label_8.png` are numbered in the
    labelling session's order, beside `images/IMG_0003.jpg` ... `IMG_0044.jpg`: the first number
    paired IMG_0003 with Label_3 and IMG_0007 with Label_7, both wrong, and warned of the other six."""
    root = tmp_path / "labeler"
    for k, number in enumerate((3, 7, 12, 15, 21, 28, 30, 44), start=1):
        save(root / "images" / f"IMG_{number:04d}.jpg", photo(k))
        save(root / "PixelLabelData" / f"Label_{k}.png", labels(k))
    with pytest.raises(DataError, match=r"images/ and PixelLabelData/ pair by first number in the name for only 2 of "
                       r"their 8 images and 8 masks .*seglab inspect --manifest \S+pairs\.csv\. "
                       r"MATLAB Image Labeler numbers its Label_N"):
        discover(root)
    (root / "pairs.csv").write_text("image,mask\n" + "".join(
        f"images/{image.name},PixelLabelData/Label_{k}.png\n"
        for k, image in enumerate(sorted((root / "images").iterdir()), start=1)))
    assert len(discover(root / "pairs.csv").pairs) == 8


def test_an_unlabelled_folder_beside_split_folders_leaves_their_splits(tmp_path, caplog):
    """PV-Vision's `crack_segmentation/{train,val,test_mix,test_crack}/{img,ann}/` beside the
    unlabelled `module_images/`: that folder paired with nothing (0 pairs) and, in no split,
    made the official splits drop for a drawn one, said in a log line alone."""
    root = tmp_path / "pv-vision"
    for split, count in (("train", 4), ("val", 2), ("test_mix", 2), ("test_crack", 2)):
        for i in range(count):
            save(root / "crack_segmentation" / split / "img" / f"{split}{i:03d}.jpg", photo(i))
            save(root / "crack_segmentation" / split / "ann" / f"{split}{i:03d}.png", labels(i, (0, 1, 3)))
    for i in range(2):
        save(root / "module_images" / f"module_{i:03d}.jpg", photo(50 + i))
    with caplog.at_level(logging.WARNING):
        index = discover(root)
    assert Counter(p.split for p in index.pairs) == {"train": 4, "val": 2, "test": 4}
    assert "the split is drawn" not in caplog.text


def test_a_lone_picture_named_as_a_mask_among_a_repositorys_readme_pictures_is_not_said(tmp_path, caplog):
    """zhixuhao/unet's `img/0label.png` beside `img/0test.png` and `img/u-net-architecture.png`
    (the README's pictures) next to `data/membrane/train/image/` + `label/`: one file named as a mask
    is no labelling the search missed, so no warning of masks no naming pairs; the pairs read."""
    for k in range(3):
        save(tmp_path / "data" / "membrane" / "train" / "image" / f"{k}.png", photo(k)[..., 0])
        save(tmp_path / "data" / "membrane" / "train" / "label" / f"{k}.png", labels(k) * 255)
    for name in ("0label.png", "0test.png", "u-net-architecture.png"):
        save(tmp_path / "img" / name, photo(7)[..., 0])
    with caplog.at_level(logging.WARNING, logger="seglab"):
        index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 3
    assert "hold files named as masks" not in caplog.text


def test_rgbd_frames_pair_their_colour_image_and_leave_depth_out(tmp_path):
    """YCB-Video and ClearPose ship `data/<video>/<frame>-color.png` beside `-depth.png` (16-bit)
    and `-label.png`; NOCS `<scene>/<frame>_color.png` beside `_depth.png`, `_coord.png` and
    `_mask.png`, its first frame `0000`. The depth maps were paired as the images, leaving every
    photo unlabelled; NOCS' `0000_mask.png` was taken for an image, its leading frame number for
    nnU-Net's channel word `_0000`."""
    for video in ("0000", "0001"):
        for i, frame in enumerate(("000001", "000002")):
            base = tmp_path / "ycb" / "data" / video / frame
            save(base.with_name(f"{frame}-color.png"), photo(i + 10 * int(video)))
            save(base.with_name(f"{frame}-depth.png"), photo(i + 5)[..., 0].astype(np.uint16) * 200 + int(video))
            save(base.with_name(f"{frame}-label.png"), labels(i + 10 * int(video)))
    index = discover(tmp_path / "ycb")
    assert [(p.image.name, p.mask.name) for p in sorted(index.pairs, key=lambda p: p.image)] \
        == [(f"{frame}-color.png", f"{frame}-label.png") for _ in range(2) for frame in ("000001", "000002")]
    assert sorted(p.name for p in index.ignored) == sorted(p.name for p in (tmp_path / "ycb").rglob("*-depth.png"))
    for i, frame in enumerate(("0000", "0001")):
        save(tmp_path / "nocs" / "scene_1" / f"{frame}_color.png", photo(i))
        save(tmp_path / "nocs" / "scene_1" / f"{frame}_depth.png", photo(i + 5)[..., 0].astype(np.uint16) * 200)
        save(tmp_path / "nocs" / "scene_1" / f"{frame}_coord.png", photo(i + 7))
        save(tmp_path / "nocs" / "scene_1" / f"{frame}_mask.png", labels(i, (255, 1, 2)))
    index = discover(tmp_path / "nocs")
    assert relative(index, "mask") == ["scene_1/0000_mask.png", "scene_1/0001_mask.png"]
    assert relative(index) == ["scene_1/0000_color.png", "scene_1/0001_color.png"]


def test_a_label_folders_colour_renderings_beside_its_label_ids_are_no_rival_masks(tmp_path):
    """`labels/x_color.png` beside `labels/x_labelids.png` for `images/x.png`: with `_color` dropped
    from names as an RGB-D frame's photo word, both masks keyed as the image and the dataset was
    refused as two rival namings to pick from; the colour renderings are left out, as before."""
    for i in range(3):
        save(tmp_path / "images" / f"{i:04d}.png", photo(i))
        save(tmp_path / "labels" / f"{i:04d}_labelids.png", labels(i, (0, 1, 2)))
        save(tmp_path / "labels" / f"{i:04d}_color.png",
             np.array([(0, 0, 0), (255, 0, 0), (0, 0, 255)], np.uint8)[labels(i, (0, 1, 2))])
    index = discover(tmp_path)
    assert sorted(p.mask.name for p in index.pairs) == [f"{i:04d}_labelids.png" for i in range(3)]
    assert sorted(p.name for p in index.ignored) == [f"{i:04d}_color.png" for i in range(3)]


def test_a_leading_colour_word_names_the_photo_of_a_frame(tmp_path):
    """DexYCB: `<subject>/<sequence>/<camera>/color_000000.jpg` beside `aligned_depth_to_color_000000.png`
    (16-bit) and `labels_000000.npz` (its `seg` array the mask, beside pose arrays). No naming paired
    them: the photo and the depth share the frame number, and `color_` was no image word."""
    camera = tmp_path / "20200709-subject-01" / "20200709_141754" / "836212060125"
    camera.mkdir(parents=True)
    for i in range(2):
        save(camera / f"color_{i:06d}.jpg", photo(i))
        save(camera / f"aligned_depth_to_color_{i:06d}.png", photo(i + 5)[..., 0].astype(np.uint16) * 200)
        np.savez_compressed(camera / f"labels_{i:06d}.npz", seg=labels(i, (0, 5, 255)),
                            pose_y=np.zeros((2, 3, 4), np.float32), joint_2d=np.zeros((1, 21, 2), np.float32))
    index = discover(tmp_path)
    assert [(p.image.name, p.mask.name) for p in index.pairs] \
        == [(f"color_{i:06d}.jpg", f"labels_{i:06d}.npz") for i in range(2)]
    assert sorted(p.name for p in index.ignored) == [f"aligned_depth_to_color_{i:06d}.png" for i in range(2)]
    np.testing.assert_array_equal(read_mask(index.pairs[1].mask, index.mapping), labels(1, (0, 5, 255)))


def test_a_test_photo_whose_name_holds_a_mask_word_leaves_the_test_images_unlabelled(tmp_path, caplog):
    """`test/target_practice_03.jpg` beside `test/street_01.jpg`, `street_02.jpg` (no masks): the
    name holds a mask word ("target"), but the file is a photo, no mask; the test folder is one of
    unlabelled images, not a folder of masks no naming pairs, all its files ignored."""
    for k in range(3):
        save(tmp_path / "train" / "images" / f"{k}.png", photo(k))
        save(tmp_path / "train" / "masks" / f"{k}.png", labels(k))
    for k, name in enumerate(("street_01.jpg", "street_02.jpg", "target_practice_03.jpg")):
        save(tmp_path / "test" / name, photo(10 + k))
    with caplog.at_level(logging.WARNING, logger="seglab"):
        index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 3 and sorted(p.name for p in index.unlabelled) == [
        "street_01.jpg", "street_02.jpg", "target_practice_03.jpg"]
    assert "hold files named as masks" not in caplog.text
