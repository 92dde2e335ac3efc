"""Split lists shipped with a dataset (VOC's ImageSets/Segmentation/*.txt) give its split."""

from __future__ import annotations

import json
import logging
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import tifffile

from seglab.data import discover, split_pairs
from seglab.data.files.index import Pair
from seglab.data.splitting import split_tables
from seglab.data.splitting.list_readers import is_table, read_list
from seglab.errors import DataError

from .test_layout_corpus import culane, labels, photo, save, voc  # type: ignore[import-not-found]

# voc() writes 2007_000000..5, the first four with masks
NAMES = [f"2007_{i:06d}" for i in range(6)]


def write_lists(root: Path, **lists: list[str]) -> None:
    folder = root / "VOCdevkit" / "VOC2012" / "ImageSets" / "Segmentation"
    for path in folder.glob("*.txt"):
        path.unlink()
    for split, names in lists.items():
        (folder / f"{split}.txt").write_text("".join(f"{n}\n" for n in names))


def read(root: Path):
    return discover(root, masks="SegmentationClass", ignore_index=255)


def splits_of(index) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pair in index.pairs:
        found.setdefault(pair.split, []).append(pair.name)
    return found


def test_split_lists_give_the_split_and_listed_test_images_are_unlabelled(tmp_path, caplog):
    voc(tmp_path)
    write_lists(tmp_path, train=NAMES[:3], val=NAMES[3:4], trainval=NAMES[:4], test=NAMES[4:])
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = read(tmp_path)
    assert splits_of(index) == {"train": NAMES[:3], "val": NAMES[3:4]}
    assert "split from the lists in" in caplog.text and "train 3, val 1" in caplog.text
    assert sorted(p.stem for p in index.unlabelled) == NAMES[4:]  # VOC's test release: images without masks
    assert not [p for p in index.problems if p.code == "image-without-mask"]
    split = split_pairs(index.pairs, seed=3)  # the lists, not a seeded draw
    assert [p.name for p in split["val"]] == NAMES[3:4] and not split["test"]


def test_a_list_of_gigabytes_is_read_up_to_a_cap_with_a_warning_naming_it(tmp_path_factory, caplog):
    """A split list was read whole, however large (a 2 GB `train.txt` held 2 GB, then twice that
    as text): its names up to the cap are read, and the warning names the file."""
    # in a folder not named for lists: this test's own (`test_a_list_...`) lies beside other tests'
    # datasets, whose discovery looks for split lists in list folders above their root, and in theirs
    listed = tmp_path_factory.mktemp("sparse") / "train.txt"
    listed.write_text("".join(f"{n}\n" for n in NAMES))
    with listed.open("r+b") as file:
        file.truncate(80 << 20)  # 80 MB, sparse: NULs past the names
    tracemalloc.start()
    try:
        with caplog.at_level(logging.WARNING, logger="seglab.data.classes"):
            names = read_list(listed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert names == NAMES and peak < 96 << 20
    assert f"split list '{listed}' is larger than 64 MB" in caplog.text


def test_trainval_is_the_train_split_only_without_train_and_val_lists(tmp_path):
    voc(tmp_path)
    write_lists(tmp_path, trainval=NAMES[:4], test=NAMES[4:])
    index = read(tmp_path)
    assert splits_of(index) == {"train": NAMES[:4]}
    split = split_pairs(index.pairs)  # its test images have no masks: val and test drawn from trainval
    assert [len(split[k]) for k in ("train", "val", "test")] == [2, 1, 1]


@pytest.mark.parametrize("lists", [{"train": NAMES[:3]}, {"trainval": NAMES[:4]}],
                         ids=["a pair unlisted", "train only"])
def test_lists_that_do_not_split_every_pair_are_not_used(tmp_path, caplog, lists):
    voc(tmp_path)
    write_lists(tmp_path, **lists)
    index = read(tmp_path)
    assert all(p.split is None for p in index.pairs)
    assert "split lists in" in caplog.text and "not used" in caplog.text
    assert "train with --split-file FILE (JSON)" in caplog.text  # a flag of train's: inspect has none


def test_the_users_split_flags_still_win_over_the_lists(tmp_path, caplog):
    voc(tmp_path)
    write_lists(tmp_path, train=NAMES[:3], val=NAMES[3:4])
    pairs = read(tmp_path).pairs
    folded = split_pairs(pairs, folds=2, fold=0)
    assert len(folded["val"]) == 2 and len(folded["train"]) == 2
    split_pairs(pairs, mode="blocks")
    assert "split mode 'blocks' not used" in caplog.text and "--split-file" in caplog.text


def test_a_name_in_two_lists_is_refused_naming_both_files(tmp_path):
    voc(tmp_path)
    write_lists(tmp_path, train=NAMES[:3], val=NAMES[2:4])
    with pytest.raises(DataError, match=r"'2007_000002' is listed in both '.*train.txt' and '.*val.txt'"):
        read(tmp_path)


def test_gta5_split_mat_numbers_the_images_of_each_split(tmp_path):
    """GTA5 ships images/00001.png ... + labels/00001.png and a MATLAB split.mat of trainIds,
    valIds, testIds (column vectors of doubles): it was listed as ignored and the split drawn,
    putting official val and test images in training."""
    import numpy as np
    import scipy.io
    from PIL import Image

    rng = np.random.default_rng(0)
    for n in range(1, 9):
        (tmp_path / "images").mkdir(exist_ok=True)
        (tmp_path / "labels").mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)).save(tmp_path / "images" / f"{n:05d}.png")
        Image.fromarray((np.arange(80).reshape(8, 10) % 3).astype(np.uint8)).save(tmp_path / "labels" / f"{n:05d}.png")
    scipy.io.savemat(tmp_path / "split.mat", {"trainIds": np.array([[1.0], [2], [3], [4]]),
                                              "valIds": np.array([[5.0], [6]]), "testIds": np.array([[7.0], [8]])})
    index = discover(tmp_path)
    assert splits_of(index) == {"train": ["00001", "00002", "00003", "00004"], "val": ["00005", "00006"],
                                "test": ["00007", "00008"]}
    assert index.ignored == []


def _tile(root: Path, image: str, mask: str, seed: int) -> None:
    save(root / image, photo(seed))
    save(root / mask, labels(seed, (0, 1, 2)))


def test_openearthmap_root_lists_of_file_names_give_the_split(tmp_path, caplog):
    """OpenEarthMap: `<region>/images/<region>_N.tif` + `<region>/labels/`, and train.txt, val.txt,
    test.txt of file names at the top (test images without labels): the lists were not read, the
    split drawn, official val images trained on and the test images called unpaired."""
    root = tmp_path / "OpenEarthMap_wo_xBD"
    lists: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for r, region in enumerate(("aachen", "accra", "chiclayo", "adelaide", "abancay")):
        for n in range(1, 4):
            split = ("train", "val", "test")[(n + r) % 3]
            lists[split].append(f"{region}_{n}.tif")
            save(root / region / "images" / f"{region}_{n}.tif", photo(n + 10 * r))
            if split != "test":
                save(root / region / "labels" / f"{region}_{n}.tif", labels(n, (0, 1, 2)))
    for split, names in lists.items():
        (root / f"{split}.txt").write_text("\n".join(names) + "\n")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert sorted((p.split, f"{p.image.stem}.tif") for p in index.pairs) == sorted(
        (s, n) for s in ("train", "val") for n in lists[s])
    assert sorted(f"{p.stem}.tif" for p in index.unlabelled) == sorted(lists["test"])
    assert not index.problems and "train.txt" not in {p.name for p in index.ignored}
    assert "split from the lists in" in caplog.text


def test_landcover_ai_lists_leave_out_the_orthophotos_their_tiles_are_cut_from(tmp_path, caplog):
    """LandCover.ai: images/ + masks/ (whole orthophotos) and output/ tiles with train.txt, val.txt,
    test.txt of tile stems: every pixel was read twice, the orthophotos in training beside the
    val and test tiles cut from them."""
    for o, ortho in enumerate(("M-33-20-D-c-4-2", "N-33-60-D-c-4-2")):
        _tile(tmp_path, f"images/{ortho}.tif", f"masks/{ortho}.tif", o)
        for k in range(3):
            _tile(tmp_path, f"output/{ortho}_{k}.jpg", f"output/{ortho}_{k}_m.png", 10 * o + k)
    for split, k in (("train", 0), ("val", 1), ("test", 2)):
        (tmp_path / f"{split}.txt").write_text("".join(f"{o}_{k}\n" for o in ("M-33-20-D-c-4-2", "N-33-60-D-c-4-2")))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert sorted((p.split, p.image.parent.name) for p in index.pairs) == sorted(
        (s, "output") for s in ("train", "val", "test") for _ in range(2))
    assert "every pair but the 2 in" in caplog.text and "--images images" in caplog.text
    assert {p.parent.name for p in index.ignored} == {"images", "masks"}


def test_rellis_lst_lists_of_image_and_label_paths_give_the_split(tmp_path):
    """RELLIS-3D's train.lst: `00000/pylon_camera_node/frame000000-1581624652_750.jpg <label path>`."""
    root = tmp_path / "Rellis-3D"
    lines: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for seq in range(3):
        for f, split in enumerate(("train", "train", "val", "test")):
            name = f"frame{f:06d}-15816246{seq}{f}_750"
            _tile(root / f"{seq:05d}", f"pylon_camera_node/{name}.jpg", f"pylon_camera_node_label_id/{name}.png", f)
            lines[split].append(f"{seq:05d}/pylon_camera_node/{name}.jpg {seq:05d}/pylon_camera_node_label_id/{name}.png")
    for split, rows in lines.items():
        (root / f"{split}.lst").write_text("\n".join(rows) + "\n")
    index = discover(tmp_path)
    assert sorted(p.split for p in index.pairs) == sorted(["train"] * 6 + ["val"] * 3 + ["test"] * 3)
    assert all(p.split == ("train", "train", "val", "test")[int(p.image.stem[5:11])] for p in index.pairs)


@pytest.mark.parametrize("names", [("Train.txt", "Validation.txt", "Test.txt"),
                                   ("training.lst", "valid.txt", "TESTING.txt")], ids=["msrc", "other words"])
def test_lists_named_by_any_word_for_their_split_in_any_case_give_the_split(tmp_path, caplog, names):
    """MSRC-v2: Images/1_1_s.bmp + GroundTruth/1_1_s_GT.bmp and Shotton's Train.txt, Validation.txt,
    Test.txt of file names at the top: the lists were listed as ignored and the split drawn,
    official test images trained on."""
    base = tmp_path / "MSRC_ObjCategImageDatabase_v2"
    stems = [f"{k}_{n}_s" for k in (1, 2, 3) for n in (1, 2, 3)]
    for i, name in enumerate(stems):
        _tile(base, f"Images/{name}.bmp", f"GroundTruth/{name}_GT.bmp", i)
    for file, chunk in zip(names, (stems[:5], stems[5:7], stems[7:])):
        (tmp_path / file).write_text("".join(f"{s}.bmp\n" for s in chunk))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert splits_of(index) == {"train": stems[:5], "val": stems[5:7], "test": stems[7:]}
    assert "split from the lists in" in caplog.text and not index.ignored


def test_the_list_folder_named_for_the_mask_folder_goes_first(tmp_path, caplog):
    """PASCAL-Context as mmsegmentation expects it: VOC2010/SegmentationClassContext/ with its
    lists in ImageSets/SegmentationContext/ beside VOC's ImageSets/Segmentation/: --masks
    SegmentationClassContext read VOC's lists (a pair unlisted: not used) and drew the split."""
    voc(tmp_path)
    write_lists(tmp_path, train=NAMES[:3], val=NAMES[3:4])
    base = tmp_path / "VOCdevkit" / "VOC2012"
    for i, name in enumerate(NAMES):
        save(base / "SegmentationClassContext" / f"{name}.png", labels(i, (0, 7, 59)))
    (base / "ImageSets" / "SegmentationContext").mkdir()
    (base / "ImageSets" / "SegmentationContext" / "train.txt").write_text("\n".join(NAMES[:4]) + "\n")
    (base / "ImageSets" / "SegmentationContext" / "val.txt").write_text("\n".join(NAMES[4:]) + "\n")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="SegmentationClassContext")
    assert splits_of(index) == {"train": NAMES[:4], "val": NAMES[4:]}
    assert "go with the masks in 'SegmentationClassContext'" in caplog.text and "not used" not in caplog.text
    assert splits_of(read(tmp_path)) == {"train": NAMES[:3], "val": NAMES[3:4]}  # VOC's own masks, VOC's lists


CUB = {"001.Black_footed_Albatross": ("Black_Footed_Albatross_0001_796111", "Black_Footed_Albatross_0002_55",
                                      "Black_Footed_Albatross_0003_796136"),
       "017.Cardinal": ("Cardinal_0001_17057", "Cardinal_0002_19162", "Cardinal_0003_17477")}


def cub(root: Path) -> list[tuple[str, str]]:
    """CUB-200-2011 as shipped: CUB_200_2011/images/<class>/<name>.jpg, images.txt and
    train_test_split.txt beside, segmentations/<class>/<name>.png beside CUB_200_2011/."""
    rows = [(cls, name) for cls, names in CUB.items() for name in names]
    for i, (cls, name) in enumerate(rows):
        _tile(root, f"CUB_200_2011/images/{cls}/{name}.jpg", f"segmentations/{cls}/{name}.png", i)
    (root / "CUB_200_2011" / "images.txt").write_text("".join(f"{i} {c}/{n}.jpg\n" for i, (c, n) in enumerate(rows, 1)))
    (root / "CUB_200_2011" / "train_test_split.txt").write_text("".join(f"{i} {i % 2}\n" for i in range(1, 7)))
    (root / "CUB_200_2011" / "classes.txt").write_text("".join(f"{i} {c}\n" for i, c in enumerate(CUB, 1)))
    return rows


def test_cub_train_test_split_with_images_txt_gives_the_split(tmp_path):
    """CUB-200-2011's split is train_test_split.txt (`<id> <1 train | 0 test>`) of the ids in
    images.txt (`<id> <class>/<name>.jpg`): it was ignored without a word and the split drawn,
    official test images trained on."""
    rows = cub(tmp_path)
    index = discover(tmp_path, images="CUB_200_2011/images", masks="segmentations")
    assert sorted((p.split, p.image.stem) for p in index.pairs) == sorted(
        ("train" if i % 2 else "test", name) for i, (_, name) in enumerate(rows, 1))
    assert not {"images.txt", "train_test_split.txt"} & {p.name for p in index.ignored}
    split = split_pairs(index.pairs)  # test from the table, val drawn from train
    assert {p.image.stem for p in split["test"]} == {name for i, (_, name) in enumerate(rows, 1) if i % 2 == 0}


def test_a_damaged_cub_split_table_is_named_by_line(tmp_path):
    cub(tmp_path)
    (tmp_path / "CUB_200_2011" / "train_test_split.txt").write_text("1 1\n2 0\n9 1\n")
    with pytest.raises(DataError, match=r"train_test_split.txt', line 3: expected an id of 'images.txt'"):
        discover(tmp_path, images="CUB_200_2011/images", masks="segmentations")


def test_a_file_named_like_a_split_list_that_is_not_read_is_named_in_a_warning(tmp_path, caplog):
    """CUB's train_test_split.txt without its images.txt cannot be read: said, not listed as ignored alone."""
    cub(tmp_path)
    (tmp_path / "CUB_200_2011" / "images.txt").unlink()
    index = discover(tmp_path, images="CUB_200_2011/images", masks="segmentations")
    assert all(p.split is None for p in index.pairs)
    assert "split lists not read: '" in caplog.text and "train_test_split.txt'" in caplog.text
    assert "classes.txt" not in caplog.text


def test_a_pickled_split_file_is_named_in_a_warning(tmp_path, caplog):
    """nnU-Net v1's base folder: `nnUNet_raw_data/Task501_ProstateX/imagesTr/` + `labelsTr/` read as
    volumes, and `nnUNet_preprocessed/Task501_ProstateX/splits_final.pkl`, its folds, passed over in
    silence. It is named in a warning with the route (--split-file, JSON); its
    `dataset_properties.pkl` and a case's `prostate_00.pkl` are no split files."""
    import pickle

    from ..conftest import make_volume  # type: ignore[import-not-found]
    from .test_volumes import save  # type: ignore[import-not-found]

    task = tmp_path / "nnUNet_raw_data" / "Task501_ProstateX"
    for k in range(3):
        image, label = make_volume(k)
        save(task / "imagesTr" / f"prostate_{k:02d}_0000.nii.gz", image)
        save(task / "labelsTr" / f"prostate_{k:02d}.nii.gz", label)
    preprocessed = tmp_path / "nnUNet_preprocessed" / "Task501_ProstateX"
    preprocessed.mkdir(parents=True)
    for name in ("splits_final.pkl", "dataset_properties.pkl", "prostate_00.pkl"):
        (preprocessed / name).write_bytes(pickle.dumps([{"train": ["prostate_00"], "val": ["prostate_01"]}]))
    with caplog.at_level(logging.WARNING):
        assert len(discover(tmp_path, cache_dir=str(tmp_path / "cache")).pairs) > 0
    warned = [r.getMessage() for r in caplog.records if "pickles, which seglab never loads" in r.getMessage()]
    assert warned == [f"split files not read, pickles, which seglab never loads (unpickling runs the code a pickle "
                      f"names): '{preprocessed / 'splits_final.pkl'}'; if one holds the official split, write it as "
                      f"JSON ({{\"train\": [names], \"val\": [names]}}, the pair names a run's splits.json lists) "
                      f"and train with --split-file FILE"]


def test_pickled_split_files_are_looked_for_in_the_listing_discovery_made(tmp_path, monkeypatch, caplog):
    """The warning of pickled split files walks no folder of its own: discover lists the dataset as
    often with it as without it (it walked the tree, up to 20,000 folders, once more). It names the
    pickles of the listing it is given, the first 20,000 folders' alone."""
    from seglab.data.discovery.folders import listing
    from seglab.data.layouts import discover as discovering
    from seglab.data.splitting.pickled_splits import say_pickled_splits

    voc(tmp_path)
    (tmp_path / "VOCdevkit" / "folds").mkdir()
    (tmp_path / "VOCdevkit" / "folds" / "splits_final.pkl").write_bytes(b"\x80\x04N.")
    walked = []
    real = listing.walk_once
    monkeypatch.setattr(listing, "walk_once", lambda root: walked.append(Path(root)) or real(root))
    with caplog.at_level(logging.WARNING):
        discover(tmp_path)
    warned = [r.getMessage() for r in caplog.records if "pickles, which seglab never loads" in r.getMessage()]
    assert len(warned) == 1 and "VOCdevkit/folds/splits_final.pkl'" in warned[0]
    with_warning, walked[:] = list(walked), []
    monkeypatch.setattr(discovering, "say_pickled_splits", lambda *given: None)
    discover(tmp_path)
    assert with_warning == walked

    from seglab.data.discovery.folders import SideFiles

    caplog.clear()
    folders = SideFiles([(place, tmp_path / f"f{place}", ["folds.pickle"]) for place in (1, 20_000, 20_001)], 20_001)
    with caplog.at_level(logging.WARNING):
        say_pickled_splits(tmp_path, folders)  # folders of no disk: the listing alone is read
    said = [r.getMessage() for r in caplog.records]
    assert said[0] == f"stopped looking for pickled split files after 20000 folders under '{tmp_path}'"
    assert f"'{tmp_path / 'f1' / 'folds.pickle'}', '{tmp_path / 'f20000' / 'folds.pickle'}';" in said[1]
    assert "f20001" not in said[1]


def test_lists_beside_folders_that_give_the_split_are_not_warned_about(tmp_path, caplog):
    """LIP's TrainVal_images/train_images/ beside train_id.txt: the folders give the split, so the
    ids list that seglab does not read is no warning."""
    for split in ("train", "val"):
        for i in range(3):
            save(tmp_path / "TrainVal_images" / f"{split}_images" / f"{split}{i}.jpg", photo(i))
            save(tmp_path / "TrainVal_parsing_annotations" / f"{split}_segmentations" / f"{split}{i}.png", labels(i))
        (tmp_path / "TrainVal_images" / f"{split}_id.txt").write_text("".join(f"{split}{i}\n" for i in range(3)))
    index = discover(tmp_path, images="TrainVal_images", masks="TrainVal_parsing_annotations")
    assert sorted(p.split for p in index.pairs) == ["train"] * 3 + ["val"] * 3
    assert "split lists not read" not in caplog.text


def test_augmented_voc_reads_train_aug_and_named_lists_read_with_one_more_word(tmp_path):
    """VOC 2012 with SegmentationClassAug/ (the 10,582 SBD-augmented masks): ImageSets/Segmentation
    holds train.txt (1,464 names), train_aug.txt and val.txt; train.txt left pairs out, so the
    split was drawn and official val images trained on. Lists named by their split and one word
    more (EG1800's eg1800_train.txt, ScanNet's scannetv2_val.txt) were not read at all."""
    base = tmp_path / "VOCdevkit" / "VOC2012"
    names = [f"2007_{i:06d}" for i in range(8)]
    for i, name in enumerate(names):
        save(base / "JPEGImages" / f"{name}.jpg", photo(i))
        save(base / "SegmentationClassAug" / f"{name}.png", labels(i, (0, 15, 255)))
    lists = base / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True)
    (lists / "train.txt").write_text("".join(f"{n}\n" for n in names[:2]))
    (lists / "train_aug.txt").write_text("".join(f"{n}\n" for n in names[:6]))
    (lists / "val.txt").write_text("".join(f"{n}\n" for n in names[6:]))
    index = discover(tmp_path, masks="SegmentationClassAug")
    assert {p.name: p.split for p in index.pairs} == {n: "train" if i < 6 else "val" for i, n in enumerate(names)}

    portraits = tmp_path / "EG1800"
    for i in range(6):
        save(portraits / "Images" / f"{i:05d}.png", photo(i))
        save(portraits / "Labels" / f"{i:05d}.png", labels(i, (0, 1)))
    (portraits / "eg1800_train.txt").write_text("".join(f"{i:05d}\n" for i in range(4)))
    (portraits / "eg1800_test.txt").write_text("".join(f"{i:05d}\n" for i in range(4, 6)))
    assert sorted(p.split for p in discover(portraits).pairs) == ["test"] * 2 + ["train"] * 4


def test_a_json_split_file_named_for_splits_gives_the_split_and_a_broken_one_is_named(tmp_path, caplog):
    """TextSeg ships split.json, {"train": [stems], "val": [...], "test": [...]} (--split-file's
    form), beside image/ and semantic_label/: it was passed over without a word, the split drawn
    and official test images trained on."""
    root = tmp_path / "TextSeg"
    stems = [f"{'ab'[i % 2]}{i + 1:05d}" for i in range(7)]
    for i, name in enumerate(stems):
        _tile(root, f"image/{name}.jpg", f"semantic_label/{name}_maskfg.png", i)
    (root / "split.json").write_text(json.dumps({"train": stems[:4], "val": stems[4:6], "test": stems[6:]}))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {n: "train" if i < 4 else "val" if i < 6 else "test"
                                                       for i, n in enumerate(stems)}
    assert "split from the lists in" in caplog.text and "split.json" not in {p.name for p in index.ignored}

    (root / "split.json").write_text('{"training": "a00001"}')
    caplog.clear()
    index = discover(tmp_path)
    assert all(p.split is None for p in index.pairs)
    assert "split lists not read: '" in caplog.text and "split.json'" in caplog.text


def test_lists_beside_the_mask_folder_in_a_folder_named_for_lists_give_the_split(tmp_path, caplog):
    """Pascal Person-Part: pascal_person_part/pascal_person_part_gt/<id>.png with its lists in
    pascal_person_part/pascal_person_part_trainval_list/{train,val}.txt ('/JPEGImages/<id>.jpg
    /SegmentationPart/<id>.png') and {train,val}_id.txt, the images in VOC's JPEGImages/ (more of
    them than masks): lists were looked for only near the images, so none was read, no warning
    named them and official val images were trained on."""
    ids = [f"2008_{1000 + 37 * i:06d}" for i in range(6)]
    part = tmp_path / "pascal_person_part"
    for i, name in enumerate(ids):
        save(tmp_path / "VOCdevkit" / "VOC2010" / "JPEGImages" / f"{name}.jpg", photo(i))
        save(part / "pascal_person_part_gt" / f"{name}.png", labels(i, (0, 1, 2, 3)))
    save(tmp_path / "VOCdevkit" / "VOC2010" / "JPEGImages" / "2008_009999.jpg", photo(9))  # VOC's, no parts
    lists = part / "pascal_person_part_trainval_list"
    lists.mkdir()
    for split, chunk in (("train", ids[:4]), ("val", ids[4:])):
        (lists / f"{split}.txt").write_text("".join(f"/JPEGImages/{n}.jpg /SegmentationPart/{n}.png\n" for n in chunk))
        (lists / f"{split}_id.txt").write_text("".join(f"{n}\n" for n in chunk))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="JPEGImages", masks="pascal_person_part_gt")
    assert {p.name: p.split for p in index.pairs} == {n: "train" if i < 4 else "val" for i, n in enumerate(ids)}
    assert f"split from the lists in '{lists}'" in caplog.text


def test_lists_in_a_metadata_folder_beside_the_images_give_the_split(tmp_path):
    """BBBC039 ships images/<name>.tif and masks/<name>.png with metadata/training.txt,
    validation.txt and test.txt naming the masks: the lists were not looked for there, and 3 of
    its 4 official test images were trained on."""
    names = [f"IXMtest_A{i:02d}_s1_w1" for i in range(8)]
    for i, name in enumerate(names):
        save(tmp_path / "images" / f"{name}.tif", photo(i))
        save(tmp_path / "masks" / f"{name}.png", labels(i, (0, 1)))
    (tmp_path / "metadata").mkdir()
    for split, chunk in (("training", names[:4]), ("validation", names[4:6]), ("test", names[6:])):
        (tmp_path / "metadata" / f"{split}.txt").write_text("".join(f"{n}.png\n" for n in chunk))
    index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {
        n: "train" if i < 4 else "val" if i < 6 else "test" for i, n in enumerate(names)}


def test_matlab_lists_named_with_glued_split_words_give_the_split(tmp_path, caplog):
    """HKU-IS: imgs/0004.png + gt/0004.png with trainImgSet.mat, valImgSet.mat, testImgSet.mat
    (MATLAB cell arrays of file names) beside: they were neither read nor named in a warning (the
    split word glued in camelCase), the split drawn and official test images trained on."""
    import numpy as np
    import scipy.io

    root = tmp_path / "HKU-IS"
    names = [f"{4 * i:04d}" for i in range(1, 8)]
    for i, name in enumerate(names):
        _tile(root, f"imgs/{name}.png", f"gt/{name}.png", i)
    chunks = {"train": names[:4], "val": names[4:5], "test": names[5:]}
    for split, chunk in chunks.items():
        cells = np.array([f"{n}.png" for n in chunk], dtype=object).reshape(-1, 1)
        scipy.io.savemat(root / f"{split}ImgSet.mat", {f"{split}ImgSet": cells})
    index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {n: s for s, chunk in chunks.items() for n in chunk}

    for split in chunks:  # numbers, not names: no list, said so
        scipy.io.savemat(root / f"{split}ImgSet.mat", {f"{split}ImgSet": np.arange(3.0)})
    index = discover(tmp_path)
    assert all(p.split is None for p in index.pairs)
    assert "split lists not read: '" in caplog.text and "trainImgSet.mat'" in caplog.text


def test_csv_lists_in_a_splits_folder_far_above_the_images_give_the_split(tmp_path, caplog):
    """Sen1Floods11 v1.1: data/flood_events/HandLabeled/{S1Hand,LabelHand}/<event>_<id>_<kind>.tif
    and splits/flood_handlabeled/flood_{train,valid,test,bolivia}_data.csv ('<image>,<label>' rows,
    no header): the lists were passed over without a word and official test chips trained on. The
    Bolivia chips, held out from the three lists, go to test; lists that name none of the images
    (splits/WeaklyLabeled/, found first) are not theirs."""
    root = tmp_path / "v1.1"
    hand = root / "data" / "flood_events" / "HandLabeled"
    chips = ["Ghana_103272", "India_1017769", "Mekong_1191208", "Nigeria_143329", "Spain_1167260",
             "USA_1010394", "Bolivia_103757", "Bolivia_129334"]
    for i, chip in enumerate(chips):
        _tile(hand, f"S1Hand/{chip}_S1Hand.png", f"LabelHand/{chip}_LabelHand.png", i)
    lists = {"train": chips[:3], "valid": chips[3:5], "test": chips[5:6], "bolivia": chips[6:]}
    weak = {"train": ["Ghana_5079"], "valid": ["USA_348639"]}
    for folder, names in (("flood_handlabeled", lists), ("WeaklyLabeled", weak)):
        (root / "splits" / folder).mkdir(parents=True)
        for split, chunk in names.items():
            rows = "".join(f"{c}_S1Hand.png,{c}_LabelHand.png\n" for c in chunk)
            (root / "splits" / folder / f"flood_{split}_data.csv").write_text(rows)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="S1Hand", masks="LabelHand")
    expected = {"train": chips[:3], "val": chips[3:5], "test": chips[5:]}
    assert {p.image.stem: p.split for p in index.pairs} == {f"{c}_S1Hand": s for s, cs in expected.items() for c in cs}
    assert "flood_bolivia_data.csv' names 2 images that no train, val or test list" in caplog.text


def test_lists_naming_sequence_folders_give_each_frame_its_folders_split(tmp_path, caplog):
    """DAVIS 2017: `ImageSets/2017/{train,val}.txt` name sequences (`bear`), the folders of
    `JPEGImages/480p/bear/00000.jpg` + `Annotations/480p/bear/00000.png`: the lists were passed
    over and the frames of every video spread over the splits."""
    davis = tmp_path / "DAVIS"
    sequences = {"train": ["bear", "bmx-bumps", "boat"], "val": ["blackswan", "dogs-jump"]}
    for seq in (s for seqs in sequences.values() for s in seqs):
        for frame in range(3):
            save(davis / "JPEGImages" / "480p" / seq / f"{frame:05d}.jpg", photo(frame))
            save(davis / "Annotations" / "480p" / seq / f"{frame:05d}.png", labels(frame, (0, 1, 2)), palette=True)
    (davis / "ImageSets" / "2017").mkdir(parents=True)
    for split, seqs in sequences.items():
        (davis / "ImageSets" / "2017" / f"{split}.txt").write_text("".join(f"{s}\n" for s in seqs))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert {p.image.parent.name: p.split for p in index.pairs} == {s: split for split, ss in sequences.items() for s in ss}
    assert "split from the lists in" in caplog.text and "train 9, val 6" in caplog.text


def test_lists_naming_images_less_a_prefix_every_name_carries_give_the_split(tmp_path, caplog):
    """MARIDA: `splits/{train,val,test}_X.txt` name `1-12-19_48MYU_0`, the patch
    `patches/S2_1-12-19_48MYU/S2_1-12-19_48MYU_0.tif` (beside `_cl.tif` and `_conf.tif`): the
    lists were not used ('18 of 18 pairs are in no list') and official test patches trained on."""
    root = tmp_path / "MARIDA"
    scenes = ["1-12-19_48MYU", "11-6-18_16PCC", "12-12-20_16PDC"]
    entries = [f"{scene}_{k}" for scene in scenes for k in range(2)]
    for i, entry in enumerate(entries):
        folder = root / "patches" / f"S2_{entry[:-2]}"
        folder.mkdir(parents=True, exist_ok=True)
        tifffile.imwrite(folder / f"S2_{entry}.tif", photo(i).astype("float32") / 255, photometric="minisblack")
        tifffile.imwrite(folder / f"S2_{entry}_cl.tif", labels(i, (0, 1, 7)))
        tifffile.imwrite(folder / f"S2_{entry}_conf.tif", labels(i, (0, 1, 2)))
    (root / "splits").mkdir()
    lists = {"train": entries[:3], "val": entries[3:5], "test": entries[5:]}
    for split, names in lists.items():
        (root / "splits" / f"{split}_X.txt").write_text("".join(f"{n}\n" for n in names))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="patches", masks="patches", mask_pattern="{stem}_cl.tif")
    assert {p.image.stem: p.split for p in index.pairs} == {f"S2_{e}": s for s, es in lists.items() for e in es}
    assert "name the images less the prefix 'S2_' of their names" in caplog.text


def test_a_test_list_alone_gives_the_test_split_and_the_rest_trains(tmp_path, caplog):
    """SIFT Flow: `SiftFlow/TestSet1.txt` names the test images (`coast_arnat59.jpg`) of
    `Images/spatial_envelope_256x256_static_8outdoorcategories/` (masks: `SemanticLabels/<same>/*.mat`,
    `S` a double array): a list of the test split alone was not read, and test images trained on."""
    import scipy.io

    root = tmp_path / "SiftFlow"
    sub = "spatial_envelope_256x256_static_8outdoorcategories"
    names = ["coast_arnat59", "coast_bea1", "forest_for119", "highway_art820", "insidecity_a223049", "street_a232022"]
    for i, name in enumerate(names):
        save(root / "Images" / sub / f"{name}.jpg", photo(i))
        (root / "SemanticLabels" / sub).mkdir(parents=True, exist_ok=True)
        scipy.io.savemat(root / "SemanticLabels" / sub / f"{name}.mat", {"S": labels(i, (0, 3, 28)).astype(np.float64)})
    (root / "TestSet1.txt").write_text("".join(f"{n}.jpg\n" for n in names[::3]))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="SemanticLabels")
    assert {p.image.stem: p.split for p in index.pairs} == {n: "test" if n in names[::3] else "train" for n in names}
    assert "are test lists only: the 4 pairs they do not name are train pairs" in caplog.text
    assert "split lists not read" not in caplog.text


def test_a_val_list_alone_gives_the_val_split_and_the_rest_trains(tmp_path, caplog):
    """fastai's CamVid: camvid/valid.txt names the validation images (`0016E5_07959.png`) of
    camvid/images/; FileSplitter('valid.txt') trains on the rest. Before: the list was not used
    ('6 of 10 pairs are in no list') and the split drawn, the official val images trained on."""
    root = tmp_path / "camvid"
    names = [f"0001TP_{6690 + 30 * k:06d}" for k in range(4)] + [f"0016E5_{7959 + 2 * k:05d}" for k in range(2)]
    for i, name in enumerate(names):
        save(root / "images" / f"{name}.png", photo(i))
        save(root / "labels" / f"{name}_P.png", labels(i, (0, 1, 2)))
    (root / "valid.txt").write_text("".join(f"{n}.png\n" for n in names[4:]))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert {p.image.stem: p.split for p in index.pairs} == {n: "val" if n in names[4:] else "train" for n in names}
    assert "are val lists only: the 4 pairs they do not name are train pairs" in caplog.text


def _wildscenes(root: Path) -> dict[str, list[str]]:
    """WildScenes2d: `WildScenes2d/<sequence>/{image,indexLabel}/<sec>-<nsec>.png`, and the split CSVs
    of its repository, `id,im_path,label_path` rows under that header; the stems of each split."""
    stems: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    rows: dict[str, list[str]] = {split: ["id,im_path,label_path"] for split in stems}
    for k, split in enumerate(["train", "train", "train", "val", "test"] * 2):
        sequence, stem = ("V-01", "K-01")[k // 5], f"{1623370000 + 7 * k}-{123456789 + 1000 * k:09d}"
        _tile(root / "WildScenes2d" / sequence, f"image/{stem}.png", f"indexLabel/{stem}.png", k)
        stems[split].append(stem)
        rows[split].append(f"{stem},/WildScenes2d/{sequence}/image/{stem}.png,/WildScenes2d/{sequence}/indexLabel/{stem}.png")
    for split, lines in rows.items():
        (root / f"{split}.csv").write_text("\n".join(lines) + "\n")
    return stems


def test_csv_lists_under_a_header_row_give_the_split(tmp_path, caplog):
    """WildScenes2d's `splits/opt2d/{train,val,test}.csv` begin with the header `id,im_path,label_path`:
    'id' was read as an image listed in two splits, and the dataset refused. The column titled for
    images is read (its paths name the images), a list without such titles by its first cell."""
    from seglab.data.splitting.list_readers import read_list

    root = tmp_path / "WildScenes"
    stems = _wildscenes(root)
    (root / "splits" / "opt2d").mkdir(parents=True)
    for split in stems:
        (root / f"{split}.csv").rename(root / "splits" / "opt2d" / f"{split}.csv")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="indexLabel")
    assert {p.image.stem: p.split for p in index.pairs} == {s: split for split, ss in stems.items() for s in ss}
    assert "split from the lists in" in caplog.text and "train 6, val 2, test 2" in caplog.text
    table = tmp_path / "list.csv"
    for text, names in (("idx,label_path,image\n0,m/a.png,i/a.png\n", ["a"]), ("image_id\nb\n", ["b"]),
                        ("c,c_mask.png\n", ["c"])):
        table.write_text(text)
        assert read_list(table) == names


def test_csv_lists_above_the_image_folders_give_the_split_or_are_said(tmp_path, caplog):
    """WildScenes2d with its split CSVs copied beside `WildScenes2d/`, three folders above each
    `image/`: they were passed over without a word, and official test images trained on. Lists
    of two splits or more naming the images are read there; one list alone is said."""
    root = tmp_path / "WildScenes"
    stems = _wildscenes(root)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, masks="indexLabel")
    assert {p.image.stem: p.split for p in index.pairs} == {s: split for split, ss in stems.items() for s in ss}
    (root / "val.csv").unlink()
    (root / "test.csv").unlink()
    caplog.clear()
    index = discover(tmp_path, masks="indexLabel")
    assert {p.split for p in index.pairs} == {None}
    assert f"split lists not read: '{root / 'train.csv'}'" in caplog.text


def test_split_lists_above_data_are_said_with_the_data_that_reads_them(tmp_path, caplog):
    """Sen1Floods11 v1.1 passed from `data/flood_events/HandLabeled/`, as the refusal of its root
    advised ('pass a folder further down as DATA'): its split lists in `v1.1/splits/` lay above
    DATA, unread, and the split was drawn without a word. The refusal names --images and --masks,
    which read the chips from the root, lists and all."""
    root = tmp_path / "v1.1"
    hand = root / "data" / "flood_events" / "HandLabeled"
    chips = [f"{country}_{n}" for n, country in enumerate(["Ghana"] * 4 + ["India"] * 4, 103272)]
    for i, chip in enumerate(chips):
        _tile(hand, f"S1Hand/{chip}_S1Hand.png", f"LabelHand/{chip}_LabelHand.png", i)
        save(hand / "JRCWaterHand" / f"{chip}_JRCWaterHand.png", labels(i, (0, 1)))  # permanent water: masks
    (root / "splits" / "flood_handlabeled").mkdir(parents=True)
    for split, chunk in (("train", chips[:4]), ("valid", chips[4:6]), ("test", chips[6:])):
        rows = "".join(f"{c}_S1Hand.png,{c}_LabelHand.png\n" for c in chunk)
        (root / "splits" / "flood_handlabeled" / f"flood_{split}_data.csv").write_text(rows)
    with pytest.raises(DataError, match=r"such as v1.1/data/flood_events/HandLabeled/S1Hand/: name the image and "
                                        r"mask folders with --images and --masks, which are looked for 7 levels "
                                        r"deep: --images S1Hand --masks LabelHand;"):
        discover(tmp_path)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="S1Hand", masks="LabelHand")
    assert {p.split for p in index.pairs} == {"train", "val", "test"}
    assert "lie deeper" not in caplog.text  # the named folders were searched that deep
    caplog.clear()
    index = discover(hand, images="S1Hand", masks="LabelHand")
    assert {p.split for p in index.pairs} == {None}
    assert (f"split lists above DATA name its images: '{root / 'splits' / 'flood_handlabeled' / 'flood_test_data.csv'}'"
            in caplog.text and f"pass '{root}' as DATA with --images S1Hand --masks LabelHand to read them" in caplog.text)


def test_lists_above_data_are_looked_for_below_home_and_short_of_a_folder_of_datasets(tmp_path, monkeypatch, caplog):
    """The lists above DATA, said when they name its images, were looked for four folders up
    whatever those were: for `~/Downloads/data` in `~`, `/home` and `/` and the folders there
    named for lists. The search stays below the user's home folder, never in it or above it, and
    stops at a folder that holds other datasets (three folders or more beside DATA's way up)."""
    from seglab.data.splitting.list_search import ListSearch

    def dataset(root: Path, lists: Path) -> None:
        stems = [f"frame_{k}" for k in range(6)]
        for k, stem in enumerate(stems):
            _tile(root, f"images/{stem}.png", f"masks/{stem}.png", k)
        lists.mkdir(parents=True)
        (lists / "train.txt").write_text("".join(f"{s}\n" for s in stems[:4]))
        (lists / "val.txt").write_text("".join(f"{s}\n" for s in stems[4:]))

    home = tmp_path / "home" / "user"
    data = home / "Downloads" / "camvid"
    dataset(data, tmp_path / "splits")  # lists above HOME naming DATA's images
    monkeypatch.setenv("HOME", str(home))
    listed: list[Path] = []
    real = ListSearch.listed
    monkeypatch.setattr(ListSearch, "listed", lambda search, folder: listed.append(folder) or real(search, folder))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(data)
    assert {p.split for p in index.pairs} == {None} and "split lists above DATA" not in caplog.text
    assert listed and not [f for f in listed if home.is_relative_to(f)]  # neither HOME nor a folder above it

    drive = tmp_path / "drive"  # a drive of datasets, no one's home
    dataset(drive / "camvid", drive / "splits")
    for other in ("coco", "voc"):  # two folders beside: read (Sen1Floods11's v1.1/ holds catalog/ and checkpoints/)
        (drive / other).mkdir()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="seglab"):
        discover(drive / "camvid")
    assert f"split lists above DATA name its images: '{drive / 'splits' / 'train.txt'}'" in caplog.text
    (drive / "ade20k").mkdir()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="seglab"):
        discover(drive / "camvid")
    assert "split lists above DATA" not in caplog.text


def test_lists_of_a_name_and_a_number_name_the_image_of_both(tmp_path, caplog):
    """LFW Part Labels: `lfw_funneled/<person>/<person>_<nnnn>.jpg` + `parts_lfw_funneled_gt_images/
    <person>_<nnnn>.ppm`, and `parts_{train,validation,test}.txt` of lines `George_W_Bush 10` (padded
    or not): the person's name was read as the image, and the dataset refused as 'George_W_Bush is
    listed in both'. VOC's `ImageSets/Main` lines `2008_000002  1` still name `2008_000002`."""
    people = {"Aaron_Eckhart": 1, "George_W_Bush": 4, "Laura_Bush": 2}
    images = [(person, n) for person, count in people.items() for n in range(1, count + 1)]
    for i, (person, n) in enumerate(images):
        save(tmp_path / "lfw_funneled" / person / f"{person}_{n:04d}.jpg", photo(i))
        save(tmp_path / "parts_lfw_funneled_gt_images" / f"{person}_{n:04d}.png", labels(i, (0, 1, 2)))
    lists = {"train": images[:3], "validation": images[3:5], "test": images[5:]}
    for split, listed in lists.items():
        (tmp_path / f"parts_{split}.txt").write_text("".join(f"{p} {n:04d}\n" if n % 2 else f"{p}\t{n}\n"
                                                             for p, n in listed))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, images="lfw_funneled", masks="parts_lfw_funneled_gt_images")
    assert {p.image.stem: p.split for p in index.pairs} == {
        f"{p}_{n:04d}": split.replace("validation", "val") for split, listed in lists.items() for p, n in listed}
    assert "names images by a name and a number ('Aaron_Eckhart 1'): read as 'Aaron_Eckhart_0001'" in caplog.text
    from seglab.data.splitting.list_numbers import listed_stems

    voc_main = tmp_path / "aeroplane_train.txt"
    voc_main.write_text("2008_000002  1\n2008_000003  0\n")
    assert listed_stems(voc_main, {"2008_000002", "2008_000003", "2008_000002_0001"}) == ["2008_000002", "2008_000003"]
    voc_main.write_text("2008_000002 -1\n2008_000003  1\n")
    assert listed_stems(voc_main, {"2008_000002_0001", "2008_000003_0001"}) == ["2008_000002", "2008_000003"]


def test_lists_above_the_case_folders_naming_them_give_each_frame_its_folders_split(tmp_path, caplog):
    """VSPW: `VSPW_480p/{train,val,test}.txt` name the video folders of
    `VSPW_480p/data/<video>/origin/00000000.jpg` + `mask/00000000.png`, three folders above each
    `origin/`: they were said as not read, lists 'named for their split' though they were, with a
    --split-file route `seglab inspect` has not, and every video's frames drawn into the splits."""
    root = tmp_path / "VSPW_480p"
    videos = {"train": ["1001_5z_ijQjUf_0", "1002_tjB6cJ3iS9g", "1003_gkVS3e5FpXc"],
              "val": ["100_VA_dOabZ6-0", "1010_TmLdaqTw6Sw"], "test": ["1014_NSAKmX0iCT4"]}
    for k, video in enumerate(v for vs in videos.values() for v in vs):
        for frame in (0, 15):
            _tile(root / "data" / video, f"origin/{frame:08d}.jpg", f"mask/{frame:08d}.png", k)
    for split, names in videos.items():
        (root / f"{split}.txt").write_text("".join(f"{n}\n" for n in names))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert {p.image.parent.parent.name: p.split for p in index.pairs} == {
        v: split for split, vs in videos.items() for v in vs}
    assert f"split from the lists in '{root}': train 6, val 4, test 2" in caplog.text
    for split in videos:  # lists of other videos: said, with a route that works
        (root / f"{split}.txt").write_text(f"other_{split}_video\n")
    caplog.clear()
    index = discover(tmp_path)
    assert {p.split for p in index.pairs} == {None}
    assert (f"split lists not read: '{root / 'test.txt'}'" in caplog.text
            and "that name the images or folders holding them" in caplog.text)
    assert "train with --split-file FILE (JSON)" in caplog.text


def test_a_folder_pair_per_video_is_searched_in_time_linear_in_the_videos(tmp_path, monkeypatch):
    """VSPW's 3,536 videos, each `data/<video>/origin/` beside `mask/`, frames numbered as in
    their source video: every image folder was tried with every other folder as its masks'
    place, and the lists were read again for each video's frame names (seglab inspect: 45 s for
    300 videos, 620 s for 1,500). Each folder now looks up the few places its masks may sit,
    and lists of plain names are read once."""
    from seglab.data.discovery.folders import placement
    from seglab.data.splitting import list_search

    root = tmp_path / "VSPW_480p"
    videos = [f"{k}_video" for k in range(24)]
    for k, video in enumerate(videos):
        for frame in (15 * k, 15 * k + 15):
            _tile(root / "data" / video, f"origin/{frame:08d}.jpg", f"mask/{frame:08d}.png", k)
    for split, names in (("train", videos[:16]), ("val", videos[16:20]), ("test", videos[20:])):
        (root / f"{split}.txt").write_text("".join(f"{n}\n" for n in names))
    calls = {"placed": 0, "read": 0}

    def counted(function, name):
        def call(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(placement, "_related", counted(placement._related, "placed"))
    monkeypatch.setattr(list_search, "split_of_stems", counted(list_search.split_of_stems, "read"))
    index = discover(tmp_path)
    assert {p.image.parent.parent.name: p.split for p in index.pairs} == {
        v: "train" if k < 16 else "val" if k < 20 else "test" for k, v in enumerate(videos)}
    assert calls["placed"] <= 2 * len(videos), calls  # was 2 x 24 x 24: every folder with every image folder
    assert calls["read"] <= 2, calls  # was once a video


def test_a_mask_tree_copying_many_clip_folders_is_searched_in_time_linear_in_the_clips(tmp_path, monkeypatch):
    """CULane's `laneseg_label_w16/driver_23_30frame/<clip>.MP4/`, thousands of clips: a clip of
    masks, named images by its driver folder's name, was tried as the images of each sibling clip
    of masks, a match of their files each (seglab inspect: 20 s for 100 clips, over 600 s for 400).
    Masks pair only the images' clips now, the same pairs found."""
    from seglab.data.discovery.folders import placement

    clips = [f"0515{1649 + k}_{k:04d}.MP4" for k in range(12)]
    for k, clip in enumerate(clips):
        for frame in ("00000", "00030"):
            save(tmp_path / "driver_23_30frame" / clip / f"{frame}.jpg", photo(k))
            save(tmp_path / "laneseg_label_w16" / "driver_23_30frame" / clip / f"{frame}.png", labels(k, (0, 1, 4)))
    calls = 0
    match_folders = placement.match_folders

    def counted(*args, **kwargs):
        nonlocal calls
        calls += 1
        return match_folders(*args, **kwargs)

    monkeypatch.setattr(placement, "match_folders", counted)
    index = discover(tmp_path)
    assert len(index.pairs) == 24 and all(p.mask.relative_to(tmp_path).as_posix() == "laneseg_label_w16/"
                                          + p.image.relative_to(tmp_path).with_suffix(".png").as_posix()
                                          for p in index.pairs)
    assert calls <= 2 * len(clips), calls  # was 144: each clip of masks with its 11 siblings too


def _sections(path: Path, sections: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{heading}:\n" + "".join(f"{n}\n" for n in names) + "\n"
                            for heading, names in sections.items()))


def test_a_text_file_of_sections_named_for_splits_gives_the_split(tmp_path, caplog):
    """CTSpine1K's `metadata/data_split.txt`: `trainset:`, `test_public:` and `test_private:`
    headings, each above file names, one a line, was not read (a file of no one split's name, and
    no table seglab knew): test cases trained on. Read with headings less `set` and other words
    mapped to splits; a heading of no split leaves the file unread, said in the log."""
    names = [f"case_{i:03d}" for i in range(6)]
    for i, name in enumerate(names):
        _tile(tmp_path, f"images/{name}.png", f"masks/{name}.png", i)
    split_file = tmp_path / "metadata" / "data_split.txt"
    _sections(split_file, {"trainset": [f"{n}.png" for n in names[:3]], "test_public": [f"{names[3]}.png"],
                           "test_private": [f"{n}.png" for n in names[4:]]})
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert {p.name: p.split for p in index.pairs} == {n: "train" if i < 3 else "test" for i, n in enumerate(names)}
    assert f"split from the lists in '{split_file.parent}': train 3, test 3" in caplog.text
    _sections(split_file, {"trainset": names[:3], "fold_2": names[3:]})
    caplog.clear()
    index = discover(tmp_path)
    assert {p.split for p in index.pairs} == {None}
    assert f"split file '{split_file}' is not read: its sections 'fold_2:' name no split" in caplog.text
    from seglab.data.splitting.list_names import section_split

    headings = ("trainset", "Validation Set", "test_public", "trainval", "train_val", "fold")
    assert [section_split(h) for h in headings] == ["train", "val", "test", "trainval", None, None]


def test_lists_naming_images_by_path_whose_names_repeat_in_every_folder_give_each_its_split(tmp_path):
    """CULane's list/train_gt.txt: `/driver_23_30frame/<clip>.MP4/00000.jpg <mask> 1 0 0 1`; every clip
    holds a 00000.jpg, in train for one clip and val for another."""
    culane(tmp_path)
    assert sorted(p.split for p in discover(tmp_path).pairs) == ["train"] * 6 + ["val"] * 2
    index = discover(tmp_path, images="driver_23_30frame", masks="laneseg_label_w16")  # two clips of one drive
    assert {(p.image.parent.name, p.image.stem, p.split) for p in index.pairs} == {
        ("05151649_0422.MP4", "00000", "train"), ("05151649_0422.MP4", "00030", "train"),
        ("05161223_0545.MP4", "00000", "val"), ("05161223_0545.MP4", "00030", "val")}


def test_lists_read_by_path_are_not_read_again_by_stem(tmp_path, monkeypatch):
    """CULane's lists, read by path (`listed_paths`), were read a second time by stem and that
    reading dropped: a 126k-line list read twice."""
    from seglab.data.splitting import list_splits
    culane(tmp_path)
    read = []
    monkeypatch.setattr(list_splits, "listed_stems", lambda path, stems: read.append(path) or [])
    assert sorted(p.split for p in discover(tmp_path).pairs) == ["train"] * 6 + ["val"] * 2
    assert read == []


def test_path_entries_go_to_the_folder_their_path_ends_with_and_lists_of_stems_to_none():
    """`FolderEntries` looks at the entries of an image folder's last part only: a path from a
    folder above the dataset's, or from below it, still finds its folder; stems find none."""
    from seglab.data.splitting.list_paths import FolderEntries
    root = Path("/data/culane")
    entries = FolderEntries({"CULane/driver_23/a.MP4/00000": "train", "driver_23/b.MP4/00000": "val",
                             "b.MP4/00030": "test", "other/a.MP4x/00000": "val", "00060": "train"})
    assert entries.in_folder(root / "driver_23" / "a.MP4", root) == {"00000": "train"}
    assert entries.in_folder(root / "driver_23" / "b.MP4", root) == {"00000": "val", "00030": "test"}
    assert entries.in_folder(root, root) == {}
    assert FolderEntries({"00000": "train", "00030": "val"}).in_folder(root / "driver_23" / "a.MP4", root) == {}


def _seasonet(root: Path) -> list[str]:
    """SeasoNet: `<season>/grid<N>/<patch>/<patch>_{10m_RGB,labels}.tif`, the same patch in every
    season folder, and `meta.csv` whose `Path` column names each patch folder; the folders in the
    table's row order."""
    folders = [f"{season}/grid{1 + k % 2}/3{k}UME_20180418T104021_5{k}_9_7_5" for season in ("spring", "summer")
               for k in range(3)]
    for i, folder in enumerate(folders):
        patch = root / folder / Path(folder).name
        patch.parent.mkdir(parents=True)
        tifffile.imwrite(f"{patch}_10m_RGB.tif", (photo(i).astype("uint16") * 20).transpose(2, 0, 1),
                         photometric="rgb", planarconfig="separate")
        tifffile.imwrite(f"{patch}_labels.tif", labels(i, (2, 12, 30)))
    rows = "".join(f"{i},{folder.split('/')[0].title()},53.9,7.5,{folder}\n" for i, folder in enumerate(folders))
    (root / "meta.csv").write_text("Index,Season,Latitude,Longitude,Path\n" + rows)
    return folders


def test_lists_of_row_numbers_into_a_table_of_paths_give_each_folder_its_split(tmp_path, caplog):
    """SeasoNet: `splits/{train,val,test}.csv` list row numbers of `meta.csv`, whose `Path` column
    names each patch folder, the same patch name in every season folder: the lists were passed
    over without a word. Read through the table, each folder by its path, so that one patch in
    two seasons may be in two splits; without a table of paths they are said, not read."""
    root = tmp_path / "seasonet"
    folders = _seasonet(root)
    rows = {"train": [0, 1, 3], "val": [2, 4], "test": [5]}
    (root / "splits").mkdir()
    for split, numbers in rows.items():
        (root / "splits" / f"{split}.csv").write_text("".join(f"{n}\n" for n in numbers))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(root)
    assert {p.image.parent.relative_to(root).as_posix(): p.split for p in index.pairs} == {
        folders[n]: split for split, numbers in rows.items() for n in numbers}
    assert "lists rows of" in caplog.text and "meta.csv" in caplog.text

    (root / "meta.csv").write_text("Index,Season\n" + "".join(f"{i},Spring\n" for i in range(len(folders))))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(root)
    assert {p.split for p in index.pairs} == {None}
    assert "train.csv' lists row numbers, not names, and is not read" in caplog.text


def test_pandas_lists_of_the_slides_crops_are_cut_from_give_each_crop_its_slides_split(tmp_path, caplog):
    """NuCLS: `rgb/<slide>_id-<hex>_left-..._right-....png` + `mask/` alike, and
    `train_test_splits/fold_{1,2}_{train,test}.csv` written by pandas (`,slide_name,hospital`
    above `0,TCGA-A1-A0SK-DX1,A1`) naming slides: refused as "'0' is listed in both" (the index
    column read as names). The index column names nothing, each crop takes its slide's split,
    and the first fold is read, as the log says."""
    root = tmp_path / "nucls"
    slides = ["TCGA-A1-A0SK-DX1", "TCGA-A2-A0CM-DX1", "TCGA-AR-A1AR-DX1", "TCGA-BH-A0E0-DX1"]
    for i, slide in enumerate(slides):
        for k in range(2):
            name = f"{slide}_id-5ea40{i}{k}addda5f8398977ebc_left-{10000 + 500 * k}_top-50000_bottom-50040_right-10048"
            save(root / "single_rater" / "rgb" / f"{name}.png", photo(2 * i + k))
            save(root / "single_rater" / "mask" / f"{name}.png", labels(2 * i + k, (0, 1, 5)))
    folds = {1: slides[:1], 2: slides[1:3]}
    (root / "train_test_splits").mkdir()
    for fold, test in folds.items():
        for split, listed in (("train", [s for s in slides if s not in test]), ("test", test)):
            rows = "".join(f"{n},{s},{s.split('-')[1]}\n" for n, s in enumerate(listed))
            (root / "train_test_splits" / f"fold_{fold}_{split}.csv").write_text(",slide_name,hospital\n" + rows)
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(root, images="rgb", masks="mask")
    assert {p.image.stem.split("_")[0]: p.split for p in index.pairs} == {
        s: "test" if s in folds[1] else "train" for s in slides}
    assert "fold_1_train.csv' is one fold of several ('fold_2_train.csv' beside it)" in caplog.text


def test_a_metadata_table_naming_the_case_folders_or_image_stems_gives_the_split(tmp_path, caplog):
    """CloudSEN12: `high/<ROI>/<s2 id>/S2L1C.tif` + `labels/manual_hq.tif` (other labels/ files an
    algorithm's), and `cloudsen12_metadata.csv` (`roi_id,s2_id_gee,label_type,split`) naming each
    scene folder: read by `--mask-pattern labels/manual_hq.tif --images S2L1C.tif`, its split was
    drawn; the volume layouts read such a table (TotalSegmentator's meta.csv). A table of image
    stems gives folder pairs their split alike; one leaving a pair out gives none."""
    root = tmp_path / "cloudsen12"
    scenes = {"ROI_00012": ["20190110T1420_T19FDA", "20190111T1420_T19FDA"], "ROI_02345": ["20190210T1420_T19FDB"],
              "ROI_07766": ["20190410T1420_T19FDD"], "ROI_09870": ["20190510T1420_T19FDE"]}
    splits = dict(zip((s for ss in scenes.values() for s in ss), ("train", "train", "train", "val", "test")))
    rows = ["roi_id,s2_id_gee,label_type,split"]
    for k, (roi, scene) in enumerate((r, s) for r, ss in scenes.items() for s in ss):
        _tile(root / "cloudsen12" / "high" / roi / scene, "S2L1C.tif", "labels/manual_hq.tif", k)
        save(root / "cloudsen12" / "high" / roi / scene / "labels" / "fmask.tif", labels(k + 9, (0, 1, 2)))
        rows.append(f"{roi},{scene},high,{splits[scene]}")
    (root / "cloudsen12" / "cloudsen12_metadata.csv").write_text("\n".join(rows) + "\n")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(root, mask_pattern="labels/manual_hq.tif", images="S2L1C.tif")
    assert {p.image.parent.name: p.split for p in index.pairs} == splits
    assert "(its split column, the cases by its s2_id_gee column): train 3, val 1, test 1" in caplog.text
    flat = tmp_path / "flat"
    names = [f"tile_{n}" for n in range(5)]
    for k, name in enumerate(names):
        _tile(flat, f"images/{name}.png", f"masks/{name}.png", k)
    table = "image_id,site,split\n" + "".join(f"{n},a,{s}\n" for n, s in zip(names, splits.values()))
    (flat / "metadata.csv").write_text(table)
    assert [p.split for p in discover(flat).pairs] == list(splits.values())
    (flat / "metadata.csv").write_text(table.replace("tile_4", "tile_9"))
    assert {p.split for p in discover(flat).pairs} == {None}


SPLITS = ("train", "val", "test")


def test_each_column_of_a_split_table_is_read_once_for_both_namings_of_the_pairs(tmp_path, monkeypatch):
    """CloudSEN12's table names the scene folders, not the image stems (all `S2L1C`): its columns,
    tried by stem first, are not read again for the folders (50,000 rows: 2.4 s a naming)."""
    scenes = {"ROI_00012": "20190110T1420_T19FDA", "ROI_02345": "20190210T1420_T19FDB", "ROI_07766": "20190410T1420_T19FDD"}
    rows = ["roi_id,s2_id_gee,split", *(f"{roi},{scene},{split}" for (roi, scene), split in zip(scenes.items(), SPLITS))]
    (tmp_path / "metadata.csv").write_text("\n".join(rows) + "\n")
    pairs = [Pair(scene, tmp_path / "high" / roi / scene / "S2L1C.tif", tmp_path / "high" / roi / scene / "labels.tif")
             for roi, scene in scenes.items()]
    read = []
    real = split_tables._cases
    monkeypatch.setattr(split_tables, "_cases", lambda rows, column, at: read.append((column, at)) or real(rows, column, at))
    assert [p.split for p in split_tables.pair_table_splits(pairs, tmp_path)] == list(SPLITS)
    assert sorted(read) == [(0, 2), (1, 2)]


def test_the_folders_below_the_pairs_are_searched_for_tables_only_when_those_above_split_none(tmp_path, monkeypatch):
    """`_branch_tables` (a table in each folder holding image folders, Fields of The World's
    `<country>/chips_<country>.parquet`) globbed those folders for every dataset without splits,
    even where the table beside them splits the pairs."""
    pairs = [Pair(f"tile_{k}", tmp_path / region / "images" / f"tile_{k}.png",
                  tmp_path / region / "masks" / f"tile_{k}.png") for k, region in enumerate(("at", "at", "si"))]
    rows = "".join(f"tile_{k},{split}\n" for k, split in enumerate(SPLITS))
    (tmp_path / "metadata.csv").write_text(f"image_id,split\n{rows}")
    searched = []
    real = split_tables._split_tables
    monkeypatch.setattr(split_tables, "_split_tables",
                        lambda folder, *rest: searched.append(folder) or real(folder, *rest))
    assert [p.split for p in split_tables.pair_table_splits(pairs, tmp_path)] == list(SPLITS)
    assert searched == [tmp_path]


def test_a_parquet_table_naming_no_split_column_is_not_read_past_its_footer(tmp_path, monkeypatch):
    """A Parquet file's columns are in its footer: one without a split column (a shard's `image`,
    `label`, a chip table's `aoi_id`, `geometry`) is no table of splits, and its rows are not read."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    read = []
    real = pq.read_table
    monkeypatch.setattr(pq, "read_table", lambda path, **kwargs: read.append(path) or real(path, **kwargs))
    ids = [f"tile_{k}" for k in range(3)]
    pq.write_table(pa.table({"aoi_id": ids, "geometry": [b"\x01\x03"] * 3}), tmp_path / "chips.parquet")
    assert split_tables.table_splits(tmp_path, ids) == {} and read == []
    pq.write_table(pa.table({"aoi_id": ids, "split": list(SPLITS)}), tmp_path / "chips.parquet")
    assert split_tables.table_splits(tmp_path, ids) == dict(zip(ids, SPLITS)) and len(read) == 1  # opened once, regular


def test_a_numbered_split_column_of_a_semicolon_table_naming_image_files_gives_the_split(tmp_path, caplog):
    """VegAnn: `VegAnn_dataset/images/` + `annotations/` and `VegAnn_dataset.csv` (`Name;...;
    Dataset-Name;TVT-split1;...;TVT-split3`, Training/Validation/Test, names with their suffix): the
    first split column is read, the others said. Before: no column was named `split`, the split drawn."""
    root = tmp_path / "VegAnn_dataset"
    rows = ["Name;Species;Dataset-Name;TVT-split1;TVT-split2;TVT-split3"]
    splits = ["Training"] * 4 + ["Validation", "Test"]
    for k in range(6):
        name = f"VegAnn_{k:04d}_site{k % 3}.png"
        _tile(root, f"images/{name}", f"annotations/{name}", k)
        rows.append(";".join([name, "Wheat", f"site{k % 3}", splits[k], splits[(k + 1) % 6], splits[(k + 2) % 6]]))
    (root / "VegAnn_dataset.csv").write_text("\n".join(rows) + "\n")
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert [p.split for p in index.pairs] == ["train"] * 4 + ["val", "test"]
    assert "(its TVT-split1 column, the cases by its Name column): train 4, val 1, test 1; its other split " \
           "columns (TVT-split2, TVT-split3) are not read" in caplog.text


def test_a_json_object_of_cases_naming_their_subset_splits_the_clips_numbered_after_them(tmp_path, caplog):
    """MMFlood: `mmflood/<EMSR code>-<n>/{s1_raw,mask}/<EMSR code>-<n>-<k>.tif` and `activations.json`
    keyed by EMSR code, each with its `"subset"`. Before: the JSON was not read, the split drawn."""
    root = tmp_path / "mmflood"
    activations = {"EMSR107": ("train", 2), "EMSR117": ("train", 1), "EMSR271": ("val", 1), "EMSR330": ("test", 1)}
    expected = {}
    for k, (code, (subset, delineations)) in enumerate(activations.items()):
        for n in range(delineations):
            for tile in range(2):
                name = f"{code}-{n}-{tile}"
                _tile(root, f"{code}-{n}/s1_raw/{name}.png", f"{code}-{n}/mask/{name}.png", 10 * k + tile)
                expected[name] = subset
    (root / "activations.json").write_text(json.dumps(
        {code: {"title": f"Flood {code}", "country": "Italy", "subset": subset, "delineations": []}
         for code, (subset, _) in activations.items()}))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path)
    assert {p.image.stem: p.split for p in index.pairs} == expected
    assert "activations.json' (its subset column" in caplog.text


def test_each_folders_splits_layer_over_the_lists_one_dict_not_a_copy(tmp_path):
    """Every clip folder held its own copy of every listed path: real CULane's 133k entries in each
    of its ~4,000 clip folders. Each folder's splits are its own entries over the lists' one dict."""
    from collections import ChainMap

    from seglab.data.splitting.split_lists import read_split_lists
    culane(tmp_path)
    clips = sorted(p.parent for p in tmp_path.glob("driver_*/*/00000.jpg"))
    found = read_split_lists(((clip, clip) for clip in clips), tmp_path)
    layers = [found.splits[clip] for clip in clips]
    assert all(isinstance(layer, ChainMap) for layer in layers)

    def deepest(mapping):
        return deepest(mapping.maps[-1]) if isinstance(mapping, ChainMap) else mapping
    assert len({id(deepest(layer)) for layer in layers}) == 1
    assert sorted(p.split for p in discover(tmp_path).pairs) == ["train"] * 6 + ["val"] * 2


@pytest.mark.parametrize("sentence, split", [
    ("## Dataset splitting: 00001-01020 training, 01021-01380 validation, 01381-01800 testing.", True),
    ("Videos 1-10 for training, 11-14 for validation, 15-21 for testing.", False),  # video numbers: no frame's
])
def test_a_readme_line_of_number_ranges_gives_the_split_of_images_named_by_those_numbers(tmp_path, sentence, split):
    """AutoLaparo Task 3: AutoLaparo_Task3/imgs/00100.jpg ... 01800.jpg + masks/, and the split only
    in README.txt's `00001-01020 training, 01021-01380 validation, 01381-01800 testing`: it was
    drawn, mixing the benchmark's test frames into training. Ranges spelt as the file names spell
    their numbers split them; the video numbers of another sentence are no frames' and split none."""
    base = tmp_path / "AutoLaparo_Task3"
    for k in range(1, 19):
        save(base / "imgs" / f"{k * 100:05d}.jpg", photo(k))
        save(base / "masks" / f"{k * 100:05d}.png", labels(k))
    (base / "README.txt").write_text(f"AutoLaparo dataset Task 3\n{sentence}\n")
    index = discover(tmp_path)
    splits = {p.image.stem: p.split for p in index.pairs}
    if split:
        assert (splits["01000"], splits["01100"], splits["01300"], splits["01400"]) == ("train", "val", "val", "test")
        assert [p.split for p in index.pairs].count("train") == 10 and "split by the number ranges" in index.pairing[-1]
    else:
        assert set(splits.values()) == {None}


def test_a_json_of_one_splits_image_entries_is_read_piece_by_piece(tmp_path: Path) -> None:
    """A JSON named for a split whose `images` list names files (DeepScores v2's `filename`, COCO's
    `file_name`) is that split's list, read a megabyte at a time: every name, those a piece's end
    cuts too, escapes decoded; one of another shape (GEO-Bench's partition) stays a table."""
    names = [f"page_{k:06d}\\u00e9.png" for k in range(30_000)]  # some 1.3 MB of entries
    (tmp_path / "deepscores_train.json").write_text(
        '{"categories": {}, "images": [' + ", ".join(f'{{"id": {k}, "filename": "{n}", "ann_ids": ["{k}"]}}'
                                                     for k, n in enumerate(names)) + '], "annotations": {}}')
    assert read_list(tmp_path / "deepscores_train.json") == [f"page_{k:06d}\u00e9" for k in range(30_000)]
    (tmp_path / "0.01x_train_partition.json").write_text(json.dumps({"train": ["a"], "valid": ["b"], "test": []}))
    assert is_table(tmp_path / "0.01x_train_partition.json") and not is_table(tmp_path / "deepscores_train.json")
