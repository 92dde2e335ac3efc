"""Multi-label masks on disk: each layout read as bit sets, and the errors that name the file."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.classes.mapping import MaskMapping
from seglab.data.layouts.multilabel import SourceNamingsMapping
from seglab.data.layouts.synthetic_multilabel import generate_overlaps, make_overlap_sample
from seglab.errors import ConfigError, DataError
from seglab.labelsets import IGNORE, pack_numpy, unpack_numpy

# disc (bit 0) and square (bit 1) of the first generated sample, the truth every layout must give
TRUTH = pack_numpy(make_overlap_sample(np.random.default_rng(0), (32, 32))[1])


def written(tmp_path: Path, layout: str) -> Path:
    return generate_overlaps(tmp_path / layout, num_samples=3, size=(32, 32), layout=layout)


@pytest.mark.parametrize("layout, task", [("folders", "auto"), ("channels", "multilabel"), ("regions", "auto")])
def test_every_layout_reads_the_same_bit_sets(tmp_path, layout, task):
    index = discover(written(tmp_path, layout), task=task)
    assert index.mapping.multilabel and index.ignore_index == IGNORE
    assert len(index.pairs) == 3 and not index.problems
    mask = read_mask(index.pairs[0].mask, index.mapping)
    np.testing.assert_array_equal(mask, TRUTH)
    assert set(np.unique(mask)) == {0, 1, 2, 3}  # both classes, and their overlap (3)
    if layout != "channels":  # folder names and regions name the classes; bare arrays do not
        assert index.classes.names == ("disc", "square")


def test_class_folders_in_doubled_folders_are_read_inside_them(tmp_path):
    """Kaggle nests each folder of an upload in one of its name: `images/images/` + `masks/masks/<class>/`
    hold the class folders a level down, `masks/masks/` no class of its own."""
    root = written(tmp_path, "folders")
    for folder in ("images", "masks"):
        shutil.move(root / folder, root / f"{folder}_")
        (root / folder).mkdir()
        shutil.move(root / f"{folder}_", root / folder / folder)
    index = discover(root)
    assert index.format == "class-folders" and index.classes.names == ("disc", "square")
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), TRUTH)


def test_channels_last_arrays_and_declared_names(tmp_path):
    root = written(tmp_path, "channels")
    for path in (root / "masks").glob("*.npy"):
        np.save(path, np.moveaxis(np.load(path), 0, 2) * 255)  # H x W x C, 0/255
    (root / "classes.json").write_text(json.dumps({"names": ["disc", "square"]}))
    index = discover(root, task="multilabel")
    assert index.classes.names == ("disc", "square")
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), TRUTH)


def test_regions_turn_the_ignore_label_into_ignore(tmp_path):
    root = written(tmp_path, "regions")
    mask_path = root / "masks" / "0000.png"
    labels = np.array(Image.open(mask_path))
    labels[0, :4] = 255
    Image.fromarray(labels).save(mask_path)
    (root / "classes.json").write_text(json.dumps({"regions": {"whole": [1, 2, 3], "both": [3]},
                                                  "ignore_index": 255}))
    index = discover(root)
    mask = read_mask(mask_path, index.mapping)
    assert index.classes.names == ("whole", "both")
    assert (mask[0, :4] == IGNORE).all()
    expected = (labels > 0) * 1 + (labels == 3) * 2
    np.testing.assert_array_equal(mask[1:], expected[1:])


def test_multiclass_masks_are_unchanged_by_auto(tiny_dataset):
    index = discover(tiny_dataset)
    assert not index.mapping.multilabel and index.classes.names[0] == "background"


def test_a_non_binary_class_mask_is_named(tmp_path):
    root = written(tmp_path, "folders")
    bad = root / "masks" / "square" / "0001.png"
    Image.fromarray(np.arange(32 * 32, dtype=np.uint8).reshape(32, 32) % 3).save(bad)
    index = discover(root)
    with pytest.raises(DataError, match=r"0001\.png.*more than one non-zero value"):
        read_mask(index.pairs[1].mask, index.mapping)


def test_a_missing_class_mask_is_named(tmp_path):
    root = written(tmp_path, "folders")
    (root / "masks" / "square" / "0002.png").unlink()
    index = discover(root)
    with pytest.raises(DataError, match=r"square/0002\.png' does not exist"):
        read_mask(index.pairs[2].mask, index.mapping)


def test_wrong_channel_count_is_named(tmp_path):
    root = written(tmp_path, "channels")
    (root / "classes.json").write_text(json.dumps({"names": ["a", "b", "c"]}))
    with pytest.raises(DataError, match=r"classes.json names 3 classes, but the masks of '.*' are one-hot with 2 "
                                        r"channels: 2 classes, one per channel"):
        discover(root, task="multilabel")


def test_multilabel_needs_a_multilabel_layout(tiny_dataset):
    with pytest.raises(DataError, match="not one binary channel per class"):
        discover(tiny_dataset, task="multilabel")


def test_multiclass_is_refused_for_class_folders(tmp_path):
    with pytest.raises(ConfigError, match="is multi-label"):
        discover(written(tmp_path, "folders"), task="multiclass")


def test_bad_regions_are_named(tmp_path):
    root = written(tmp_path, "regions")
    (root / "classes.json").write_text(json.dumps({"regions": {"whole": []}}))
    with pytest.raises(DataError, match="region 'whole' must be a non-empty list"):
        discover(root)


def test_inspect_counts_each_class_where_it_is_present(tmp_path):
    from seglab.data import format_report, inspect_dataset

    root = written(tmp_path, "folders")
    report = format_report(inspect_dataset(root))
    disc = sum(int((np.array(Image.open(p)) > 0).sum()) for p in (root / "masks" / "disc").iterdir())
    assert re.search(rf"\b0\s+disc\s+{disc:,} px", report), report
    assert "bit sets" in report


def test_classes_json_orders_and_colours_the_class_folders(tmp_path):
    root = written(tmp_path, "folders")
    (root / "classes.json").write_text(json.dumps({"names": ["square", "disc"], "colours": [[0, 200, 0], [200, 0, 0]]}))
    index = discover(root)
    assert index.classes.names == ("square", "disc") and index.classes.colours[0] == (0, 200, 0)
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), (TRUTH >> 1 & 1) | (TRUTH & 1) << 1)


def test_idrid_lesion_folders_read_as_one_class_each(tmp_path):
    """IDRiD: a folder per lesion under the ground-truth folder, each mask named after its image
    with the lesion's suffix (IDRiD_01_MA.tif), and no file where an image shows no such lesion.
    Only one lesion at a time could be read; --task multilabel reads each folder as a class."""
    images = Path("A. Segmentation", "1. Original Images", "a. Training Set")
    truth = Path("A. Segmentation", "2. All Segmentation Groundtruths", "a. Training Set")
    boxes = {"1. Microaneurysms": ("MA", (2, 6)), "5. Optic Disc": ("OD", (4, 10))}
    for i in range(1, 5):
        (tmp_path / images).mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((12, 16, 3), 40 * i, np.uint8)).save(tmp_path / images / f"IDRiD_{i:02d}.jpg")
        for folder, (suffix, (top, bottom)) in boxes.items():
            if folder.startswith("1.") and i == 3:
                continue  # no microaneurysm in image 3: no file
            red = np.zeros((12, 16, 3), np.uint8)
            red[top:bottom, 3:9, 0] = 255
            (tmp_path / truth / folder).mkdir(parents=True, exist_ok=True)
            Image.fromarray(red).save(tmp_path / truth / folder / f"IDRiD_{i:02d}_{suffix}.tif")
    index = discover(tmp_path, images=str(images), masks=str(truth), task="multilabel")
    assert index.classes.names == ("1. Microaneurysms", "5. Optic Disc") and len(index.pairs) == 4
    assert not index.problems  # a missing lesion file is an absent lesion
    for pair in index.pairs:
        channels = unpack_numpy(read_mask(pair.masks, index.mapping), 2)
        assert channels[1][4:10, 3:9].all() and channels[1].sum() == 36
        assert channels[0].sum() == (0 if pair.name == "IDRiD_03" else 24)


def idrid_release(root: Path) -> None:
    """IDRiD's segmentation release as shipped: both sets, each with a lesion folder per class
    under the set's ground-truth folder, no file where an image shows no such lesion."""
    sets = {"a. Training Set": range(1, 5), "b. Testing Set": range(55, 58)}
    boxes = {"1. Microaneurysms": ("MA", 2), "3. Hard Exudates": ("EX", 5), "5. Optic Disc": ("OD", 7)}
    for folder, numbers in sets.items():
        images = root / "A. Segmentation" / "1. Original Images" / folder
        images.mkdir(parents=True)
        for i in numbers:
            photo = np.full((12, 16, 3), 40, np.uint8)
            for lesion, (suffix, top) in boxes.items():
                if suffix == "MA" and i in (3, 56):
                    continue  # no microaneurysm: no file
                red = np.zeros((12, 16, 3), np.uint8)
                red[top:top + 4, 3:9, 0] = photo[top:top + 4, 3:9, 0] = 255
                truth = root / "A. Segmentation" / "2. All Segmentation Groundtruths" / folder / lesion
                truth.mkdir(parents=True, exist_ok=True)
                Image.fromarray(red).save(truth / f"IDRiD_{i:02d}_{suffix}.tif")
            Image.fromarray(photo).save(images / f"IDRiD_{i:02d}.jpg")


@pytest.mark.parametrize("named", [False, True])
def test_idrid_release_reads_its_lesions_as_classes_with_its_split(tmp_path, named):
    """The whole IDRiD release, train and test: its lesion folders lie a level below the folder
    mirroring the images' (`2. All Segmentation Groundtruths/a. Training Set/1. Microaneurysms/`),
    and no flag read them: one set at a time by full paths, its official test set left out."""
    idrid_release(tmp_path)
    with pytest.raises(DataError, match=r"(?s)3 folders could hold the masks of 'A. Segmentation/1. Original "
                                        r"Images/a. Training Set/'.*--task multilabel to read each folder as a class"):
        discover(tmp_path)
    flags = {"images": "1. Original Images", "masks": "2. All Segmentation Groundtruths"} if named else {}
    index = discover(tmp_path, task="multilabel", **flags)
    assert index.classes.names == ("1. Microaneurysms", "3. Hard Exudates", "5. Optic Disc")
    assert sorted((p.name, p.split) for p in index.pairs) == [
        *((f"IDRiD_{i:02d}", "train") for i in range(1, 5)), *((f"IDRiD_{i:02d}", "test") for i in range(55, 58))]
    assert not index.problems  # a missing lesion file is an absent lesion
    for pair in index.pairs:
        channels = unpack_numpy(read_mask(pair.masks, index.mapping), 3)
        assert channels[0].sum() == (0 if pair.name in ("IDRiD_03", "IDRiD_56") else 24)
        assert channels[1][5:9, 3:9].all() and channels[2][7:11, 3:9].all() and channels[2].sum() == 24


ISIC_ATTRIBUTES = ("globules", "milia_like_cyst", "negative_network", "pigment_network", "streaks")


def isic_task2(root: Path, side_by_side: bool = False) -> Path:
    """ISIC 2018 Task 2 as shipped: ISIC_<id>.jpg, and beside each image a 0/255 mask per
    dermoscopic attribute, ISIC_<id>_attribute_<attribute>.png (all zero where it is absent).
    Attribute k covers rows 2k..2k+5 of the images where (id + k) is odd, so attributes overlap."""
    images = root / "ISIC2018_Task1-2_Training_Input"
    truth = images if side_by_side else root / "ISIC2018_Task2_Training_GroundTruth_v3"
    images.mkdir(parents=True)
    truth.mkdir(exist_ok=True)
    (images / "LICENSE.txt").write_text("CC-BY-NC")
    photos = np.random.default_rng(0).integers(0, 256, (4, 16, 20, 3), dtype=np.uint8)
    for i in range(4):
        Image.fromarray(photos[i]).save(images / f"ISIC_{i:07d}.jpg")
        for k, attribute in enumerate(ISIC_ATTRIBUTES):
            mask = np.zeros((16, 20), np.uint8)
            if (i + k) % 2:
                mask[2 * k:2 * k + 6, 4:12] = 255
            Image.fromarray(mask).save(truth / f"ISIC_{i:07d}_attribute_{attribute}.png")
    return root


def test_isic_attribute_masks_are_a_choice_until_read_as_classes(tmp_path):
    root = isic_task2(tmp_path)
    with pytest.raises(DataError, match="(?s)--mask-pattern '{stem}_attribute_streaks.png': 4 masks.*--task multilabel"):
        discover(root)


@pytest.mark.parametrize("side_by_side", [False, True], ids=["mask folder", "side by side"])
def test_isic_attribute_masks_read_as_one_class_each(tmp_path, side_by_side):
    """--task multilabel reads each naming of an image's masks as a class, named by what the
    namings add to the image's name; every image's five files make its five channels."""
    index = discover(isic_task2(tmp_path, side_by_side), task="multilabel")
    assert index.classes.names == ISIC_ATTRIBUTES and len(index.pairs) == 4 and not index.problems
    assert "a mask per class named '{stem}_attribute_globules.png'" in index.pairing[0]
    assert not [p for p in index.ignored if p.suffix == ".png"]  # the attribute masks are read, not ignored
    for i, pair in enumerate(index.pairs):
        assert len(pair.masks) == 5
        channels = unpack_numpy(read_mask(pair.masks, index.mapping), 5)
        for k in range(5):
            expected = np.zeros((16, 20), bool)
            if (i + k) % 2:
                expected[2 * k:2 * k + 6, 4:12] = True
            np.testing.assert_array_equal(channels[k], expected, err_msg=f"{pair.name} {ISIC_ATTRIBUTES[k]}")
    assert MaskMapping.from_dict(index.mapping.to_dict()) == index.mapping  # as a run's config keeps it


EDD_CLASSES = ("BE", "suspicious", "HGD", "cancer", "polyp")


def edd2020(root: Path) -> Path:
    """EDD2020 release-I as shipped: `originalImages/EDD2020_<id>.jpg` and a 0/255 TIFF per lesion
    class the image shows, `masks/EDD2020_<id>_<class>.tif` (no file for the classes it does not
    show: image k shows class k % 5, odd ones class (k + 2) % 5 too, overlapping the first), plus
    `bbox/` boxes and `class_list.txt`. Class k covers rows 2..9 and columns 3k..3k+9."""
    release = root / "EDD2020_release-I_2020-01-15"
    for folder in ("originalImages", "masks", "bbox"):
        (release / folder).mkdir(parents=True)
    (release / "class_list.txt").write_text("\n".join(EDD_CLASSES) + "\n")
    for k in range(8):
        name = f"EDD2020_A{k:04d}"
        Image.fromarray(np.full((12, 28, 3), 30 * k, np.uint8)).save(release / "originalImages" / f"{name}.jpg")
        shown = [EDD_CLASSES[k % 5]] + ([EDD_CLASSES[(k + 2) % 5]] if k % 2 else [])
        for lesion in shown:
            mask = np.zeros((12, 28), np.uint8)
            c = EDD_CLASSES.index(lesion)
            mask[2:10, 3 * c:3 * c + 10] = 255
            Image.fromarray(mask).save(release / "masks" / f"{name}_{lesion}.tif")
        (release / "bbox" / f"{name}.txt").write_text("".join(f"{c} 0 0 5 5\n" for c in shown))
    return root


@pytest.mark.parametrize("task", ["auto", "multilabel"])
def test_edd2020_files_of_the_classes_an_image_shows_read_as_one_class_each(tmp_path, task):
    """EDD2020 ships a mask per lesion class an image shows (`EDD2020_A0001_BE.tif`), none for
    the others: no naming names half the images, so nothing paired ('no image/mask pairs', with a
    one-class --mask-pattern as the hint), with --task multilabel too. The namings are classes, an
    image's lacking file the class absent there."""
    index = discover(edd2020(tmp_path), task=task)
    assert len(index.pairs) == 8 and not index.problems and index.mapping.multilabel
    assert index.classes.names == EDD_CLASSES  # class_list.txt's order, not the names' (BE, cancer, HGD, ...)
    assert "8 without a file of some class, read as the class absent there" in index.pairing[0]
    for k, pair in enumerate(sorted(index.pairs, key=lambda p: p.name)):
        channels = unpack_numpy(read_mask(pair.masks, index.mapping), 5)
        shown = {EDD_CLASSES[k % 5]} | ({EDD_CLASSES[(k + 2) % 5]} if k % 2 else set())
        for name, channel in zip(index.classes.names, channels):
            expected = np.zeros((12, 28), bool)
            if name in shown:
                c = EDD_CLASSES.index(name)
                expected[2:10, 3 * c:3 * c + 10] = True
            np.testing.assert_array_equal(channel, expected, err_msg=f"{pair.name} {name}")


def test_a_classes_json_orders_the_class_files_by_their_names(tmp_path):
    """A classes.json naming the file-per-class masks' classes in another order than their names'
    gave its names to the namings in name order: EDD2020's 'suspicious' read the cancer files."""
    root = edd2020(tmp_path / "data")
    (root / "EDD2020_release-I_2020-01-15" / "class_list.txt").unlink()
    (tmp_path / "classes.json").write_text(json.dumps({"names": list(EDD_CLASSES)}))
    index = discover(root, classes_file=tmp_path / "classes.json")
    assert index.classes.names == EDD_CLASSES
    pair = next(p for p in index.pairs if p.name == "EDD2020_A0003")  # cancer, and BE over it
    cancer, be = (unpack_numpy(read_mask(pair.masks, index.mapping), 5)[EDD_CLASSES.index(n)] for n in ("cancer", "BE"))
    assert cancer[2:10, 9:19].all() and be[2:10, 0:10].all() and cancer.sum() == be.sum() == 80


def test_a_class_file_lacking_where_nearly_every_image_has_each_is_missing(tmp_path):
    """ISIC 2018 Task 2 ships an all-zero mask where an attribute is absent: a lacking one was
    read as the attribute absent, silently. Where nearly every image has a file of each class, a
    lacking one is `missing` (fatal, as a class folder's), named."""
    images, truth = tmp_path / "ISIC2018_Task1-2_Training_Input", tmp_path / "ISIC2018_Task2_Training_GroundTruth_v3"
    images.mkdir()
    truth.mkdir()
    for i in range(12):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(images / f"ISIC_{i:07d}.jpg")
        for attribute in ("globules", "streaks"):
            if (i, attribute) != (5, "streaks"):
                Image.fromarray(np.zeros((8, 8), np.uint8)).save(truth / f"ISIC_{i:07d}_attribute_{attribute}.png")
    index = discover(tmp_path, task="multilabel")
    assert [(p.path.name, p.code, p.related) for p in index.problems] == [
        ("ISIC_0000005.jpg", "missing", (truth / "ISIC_0000005_attribute_streaks.png",))]
    assert "1 without a file of some class, which nearly every image has" in index.pairing[0]


SA_MED2D_SOURCES = {"ct_00--AbdomenCT1K": ("liver", "kidney", "spleen"),
                    "mr_00--ACDC": ("right ventricle", "myocardium", "left ventricle"), "ct_00--FLARE22": ("liver", "kidney")}


def sa_med2d(root: Path) -> Path:
    """SA-Med2D-20M's `SAMed2Dv1/`: `images/<modality>--<source>--<case>--<axis>_<slice>.png`, a 0/255
    mask per structure `masks/<image stem>--<class id>_<instance>.png`, whose class ids each source
    numbers anew (0000 is AbdomenCT1K's liver and ACDC's right ventricle), and the table naming them,
    `SAMed2D_v1_class_mapping_id.json` (assumed keyed `<modality>--<source>--<class id>`)."""
    base = root / "SAMed2Dv1"
    (base / "images").mkdir(parents=True)
    (base / "masks").mkdir()
    table = {}
    for n, (source, names) in enumerate(SA_MED2D_SOURCES.items()):
        for slice_number in (3, 10):
            name = f"{source}--case{n:02d}--z_{slice_number:04d}"
            Image.fromarray(np.full((8, 8, 3), 40 * n, np.uint8)).save(base / "images" / f"{name}.png")
            for k, structure in enumerate(names):
                mask = np.zeros((8, 8), np.uint8)
                mask[k, :] = 255
                Image.fromarray(mask).save(base / "masks" / f"{name}--{k:04d}_000.png")
                table[f"{source}--{k:04d}"] = structure
    (base / "SAMed2D_v1_class_mapping_id.json").write_text(json.dumps(table))
    return root


def test_sa_med2d_class_ids_of_each_source_are_named_by_its_table(tmp_path):
    """--task multilabel read SA-Med2D-20M's class id `0000` as one class across sources (the liver,
    the right ventricle, ...) named '0000', its class table unread: each source's ids are classes
    named by the table, one class per name (AbdomenCT1K's and FLARE22's liver)."""
    index = discover(sa_med2d(tmp_path), task="multilabel")
    assert index.classes.names == ("liver", "kidney", "spleen", "right ventricle", "myocardium", "left ventricle")
    for pair in index.pairs:
        source = pair.image.name.rsplit("--", 2)[0]
        channels = unpack_numpy(read_mask(pair.masks, index.mapping), 6)
        for k, structure in enumerate(SA_MED2D_SOURCES[source]):
            expected = np.zeros((8, 8), bool)
            expected[k, :] = True
            np.testing.assert_array_equal(channels[index.classes.names.index(structure)], expected)
        assert channels.sum() == 8 * len(SA_MED2D_SOURCES[source])  # no other class is on
    assert MaskMapping.from_dict(index.mapping.to_dict()) == index.mapping  # as a run's config keeps it


def test_a_class_table_that_leaves_a_source_unnamed_is_not_read(tmp_path):
    """A table naming some sources' ids only would leave masks of no class: the namings name the classes."""
    root = sa_med2d(tmp_path)
    table = root / "SAMed2Dv1" / "SAMed2D_v1_class_mapping_id.json"
    table.write_text(json.dumps({k: v for k, v in json.loads(table.read_text()).items() if "ACDC" not in k}))
    assert discover(root, task="multilabel").classes.names == ("0000", "0001", "0002")


def test_a_source_class_table_names_each_mask_as_its_mapping_reads_it(tmp_path):
    """The index chose a mask's entry by its longest naming first, so `ct--A--case1--0000_000.png` was
    `ct--0000`'s y, a class listed that the mapping, taking the longest source first, reads as `ct--A--000`'s
    x: the index now decides each mask's class by the mapping's rule."""
    from seglab.data.files.index import Pair
    from seglab.data.layouts.folder_pairs.source_classes import source_classes

    (tmp_path / "table.json").write_text(json.dumps({"ct--A--000": "x", "ct--0000": "y"}))
    masks = [tmp_path / "ct--A--case1--0000_000.png", tmp_path / "ct--A--case2_000.png"]
    pairs = [Pair(mask.name, tmp_path / f"ct--A--case{n}.png", mask) for n, mask in enumerate(masks, 1)]
    classes, mapping = source_classes([tmp_path], pairs, ["{stem}--0000_000.png", "{stem}_000.png"])
    assert classes.names == ("x",)
    assert [mapping.class_of(mask) for mask in masks] == [0, 0]


def test_a_mask_is_tried_against_the_namings_of_its_own_source_alone(monkeypatch):
    """Each mask was tried against every (source, naming) of the mapping: SA-Med2D-20M's 4.6 M masks
    against ~300 sources' namings each, most of indexing it. The entries are looked up by source."""
    from seglab.data.layouts import multilabel

    sources = [f"ct_00--Dataset{n:03d}" for n in range(300)]
    entries = [(source, f"{{stem}}--{k:04d}_000.png") for source in sources for k in range(3)]
    mapping = SourceNamingsMapping(tuple(s for s, _ in entries), tuple(n for _, n in entries),
                                   tuple(range(len(entries))))
    tried = []
    monkeypatch.setattr(multilabel, "fits_template", lambda path, naming, _fits=multilabel.fits_template:
                        tried.append(naming) or _fits(path, naming))
    assert mapping.class_of(Path("ct_00--Dataset123--case7--z_0003--0002_000.png")) == 3 * 123 + 2
    assert len(tried) == 3  # Dataset123's namings


def test_numbered_masks_stay_for_merge_masks_under_multilabel(tmp_path):
    """BUSI's second lesion (`_mask_1`) is more of one class, not a class of its own."""
    for name in ("benign (1)", "benign (2)"):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / f"{name}.png")
        for suffix in ("_mask", "_mask_1"):
            Image.fromarray(np.full((8, 8), 255, np.uint8)).save(tmp_path / f"{name}{suffix}.png")
    with pytest.raises(DataError, match="--merge-masks") as error:
        discover(tmp_path, task="multilabel")
    assert "--task multilabel" not in str(error.value)


AV_CLASSES = ("double_plant", "water", "weed_cluster")


def agriculture_vision(root: Path, *, split_counts: tuple[tuple[str, int], ...] = (("train", 4), ("val", 2)),
                       bands: bool = True) -> Path:
    """Agriculture-Vision 2021 as shipped: per split `images/rgb/` and `images/nir/`
    (<field>_<x1>-<y1>-<x2>-<y2>.jpg), `labels/<class>/` (a 0/255 PNG per class and image),
    `boundaries/` (0 outside the field: the first 4 columns) and `masks/` (0 where the pixels are
    invalid: the first 3 rows, none in the second image); `test/` without labels. Class k covers rows 8+6k..13+6k, and
    weed_cluster water's rows too in the first image."""
    rng = np.random.default_rng(7)
    for split, count in (*split_counts, ("test", 2)):
        for i in range(count):
            name = f"1AD76MIZ{split[:2].upper()}{i}_1009-2130-1521-2642"
            folder = root / split / "images"
            for band, channels in (("rgb", 3), ("nir", 1)) if bands else (("", 3),):
                (folder / band).mkdir(parents=True, exist_ok=True)
                pixels = rng.integers(60, 140, (32, 32, channels), dtype=np.uint8)
                Image.fromarray(pixels.squeeze(2) if channels == 1 else pixels).save(folder / band / f"{name}.jpg")
            field, valid = np.full((32, 32), 255, np.uint8), np.full((32, 32), 255, np.uint8)
            field[:, :4] = 0
            valid[: 3 * (i != 1)] = 0  # the second image's pixels all valid
            for area, pixels in (("boundaries", field), ("masks", valid)):
                (root / split / area).mkdir(parents=True, exist_ok=True)
                Image.fromarray(pixels).save(root / split / area / f"{name}.png")
            if split == "test":
                continue
            for k, label in enumerate(AV_CLASSES):
                mask = np.zeros((32, 32), np.uint8)
                mask[8 + 6 * k:14 + 6 * k, 8:24] = 255
                if label == "weed_cluster" and i == 0:
                    mask[14:20, 8:24] = 255  # rows 14..19 are water too
                (root / split / "labels" / label).mkdir(parents=True, exist_ok=True)
                Image.fromarray(mask).save(root / split / "labels" / label / f"{name}.png")
    return root


def test_agriculture_vision_class_folders_are_a_choice(tmp_path):
    """Its images/rgb/ and images/nir/ did not pair with labels/<class>/ two folders apart; they
    do now, and boundaries/ and masks/ are not offered as labels: a class folder each is a choice
    between the multi-label and the class-index reading."""
    with pytest.raises(DataError, match="(?s)3 folders could hold.*labels/water/.*--task multilabel.*--task multiclass"
                       ) as error:
        discover(agriculture_vision(tmp_path / "Agriculture-Vision-2021"))
    assert "boundaries" not in str(error.value) and "masks/:" not in str(error.value)


def test_agriculture_vision_reads_as_the_challenge_scores_it(tmp_path):
    """--task multiclass: RGB and NIR as 4 channels, the background class 0 and a class per folder,
    train and val as shipped, test unlabelled; the pixels outside the field (boundaries/) or
    invalid (masks/) and those two classes claim are the ignore label, scored by no class."""
    root = agriculture_vision(tmp_path / "Agriculture-Vision-2021")
    index = discover(tmp_path, task="multiclass")
    assert index.classes.names == ("background", *AV_CLASSES) and index.ignore_index == 255
    assert sorted(p.split for p in index.pairs) == ["train"] * 4 + ["val"] * 2
    assert all(len(p.images) == 2 and p.images[1].parent.name == "nir" for p in index.pairs)
    assert sorted(p.relative_to(root).parts[:3] for p in index.unlabelled) == [("test", "images", "rgb")] * 2  # nir: bands
    assert {p.parent.name for p in index.ignored if p.suffix == ".png"} == {"boundaries", "masks"}  # test's
    first = next(p for p in index.pairs if p.name.startswith("1AD76MIZTR0"))
    mask = read_mask(first.masks, index.mapping)
    assert (mask[:, :4] == 255).all() and (mask[:3] == 255).all()
    assert (mask[8:14, 8:24] == 1).all() and (mask[20:26, 8:24] == 3).all() and (mask[14:20, 8:24] == 255).all()
    assert set(np.unique(mask)) == {0, 1, 3, 255} and mask[30, 30] == 0
    assert MaskMapping.from_dict(index.mapping.to_dict()) == index.mapping


def test_agriculture_vision_reads_as_overlapping_classes(tmp_path):
    """--task multilabel: a class per folder, overlaps kept, the pixels outside the area ignored."""
    agriculture_vision(tmp_path)
    index = discover(tmp_path, task="multilabel")
    assert index.classes.names == AV_CLASSES and len(index.pairs) == 6
    assert "pixels outside train/boundaries/ or train/masks/ ignored" in index.pairing[0]
    mask = read_mask(next(p for p in index.pairs if p.name.startswith("1AD76MIZTR0")).masks, index.mapping)
    assert (mask[:, :4] == IGNORE).all() and (mask[:3] == IGNORE).all()
    assert (mask[14:20, 8:24] == 0b110).all() and mask[30, 30] == 0


def test_agriculture_vision_labels_alone(tmp_path):
    """--masks labels reads the class folders without the area masks: no pixel ignored."""
    agriculture_vision(tmp_path)
    index = discover(tmp_path, masks="labels", task="multilabel")
    assert index.mapping.areas == () and len(index.pairs) == 6
    assert all((read_mask(p.masks, index.mapping) >= 0).all() for p in index.pairs)


def test_class_folders_beside_plain_image_folders(tmp_path):
    """train/images/ (no band folders) + train/labels/<class>/ pair as the bands do."""
    agriculture_vision(tmp_path, bands=False)
    index = discover(tmp_path, task="multilabel")
    assert index.classes.names == AV_CLASSES and sorted(p.split for p in index.pairs) == ["train"] * 4 + ["val"] * 2


def test_a_mask_folder_that_cuts_labels_is_no_area(tmp_path):
    """A binary folder beside the class folders that leaves labelled pixels out is no area to
    score: it stays a candidate for the labels, and the choice is refused, naming it."""
    agriculture_vision(tmp_path, split_counts=(("train", 4),))
    shutil.rmtree(tmp_path / "test")
    for path in (tmp_path / "train" / "masks").iterdir():
        cut = np.full((32, 32), 255, np.uint8)
        cut[10:12] = 0  # through double_plant's rows
        Image.fromarray(cut).save(path)
    with pytest.raises(DataError, match="(?s)folders could hold.*train/masks/"):
        discover(tmp_path, task="multilabel")


def test_agriculture_vision_merged_leaves_the_area_out(tmp_path):
    """--merge-masks: the class folders are one class, their union; the area masks are no part
    of it, and are listed as ignored."""
    agriculture_vision(tmp_path)
    index = discover(tmp_path, merge_masks=True)
    assert index.mapping.kind != "class-files" and len(index.pairs) == 6
    assert {p.parent.name for p in index.ignored if p.suffix == ".png"} == {"boundaries", "masks"}
    assert all(m.parent.parent.name == "labels" for p in index.pairs for m in p.masks)
