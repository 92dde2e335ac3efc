"""`--merge-masks`: an image's several masks read as one, in the three layouts that ship them.

BUSI numbers a second lesion's mask (`a_mask.png` + `a_mask_1.png`), the 2018 Data Science Bowl
stores one file per nucleus (`<id>/images/<id>.png` + `<id>/masks/*.png`) and the Montgomery
chest X-rays keep each lung in its own folder (`ManualMask/leftMask/`, `ManualMask/rightMask/`),
SegTrack v2 each object of a video in a numbered folder (`GroundTruth/bmx/1/`, `GroundTruth/bmx/2/`),
MVTec LOCO AD each defect of an image in a folder named after it (`ground_truth/<type>/000/000.png`, `001.png`).
Without the flag each is refused with a message that names it; with it, every mask counts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.loading.cache import DiskCache
from seglab.data.classes.mapping import IdentityMapping
from seglab.errors import DataError

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]
from .test_unmasked import aitex, defect  # type: ignore[import-not-found]

SIZE = (12, 16)


def box(top: int, left: int, height: int = 3, width: int = 4, value: int = 255) -> np.ndarray:
    """A 0/255 object mask: one filled rectangle."""
    mask = np.zeros(SIZE, np.uint8)
    mask[top : top + height, left : left + width] = value
    return mask


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def busi(root: Path) -> None:
    base = root / "Dataset_BUSI_with_GT"
    for kind in ("benign", "malignant"):
        for i in range(1, 4):
            save(base / kind / f"{kind} ({i}).png", photo(i))
            save(base / kind / f"{kind} ({i})_mask.png", box(i, i))
    save(base / "benign" / "benign (2)_mask_1.png", box(8, 10))  # a second lesion
    grey_rgb = np.repeat(box(7, 1)[..., None], 3, axis=2)  # BUSI saves some masks as RGB
    save(base / "malignant" / "malignant (3)_mask_1.png", grey_rgb)


def dsb(root: Path) -> dict[str, list[np.ndarray]]:
    objects = {}
    for i in range(3):
        sample = digest(f"image{i}")
        folder = root / "stage1_train" / sample
        save(folder / "images" / f"{sample}.png", photo(i))
        objects[sample] = [box(1 + 4 * k, 2 + 3 * k + i, 2, 2) for k in range(3)]
        for k, mask in enumerate(objects[sample]):
            save(folder / "masks" / f"{digest(f'{i}-{k}')}.png", mask)
    test = digest("test")
    save(root / "stage1_test" / test / "images" / f"{test}.png", photo(9))
    return objects


def montgomery(root: Path, missing_right: str | None = None) -> Path:
    base = root / "NLM-MontgomeryCXRSet" / "MontgomerySet"
    for i in range(1, 5):
        name = f"MCUCXR_{i:04d}_{i % 2}.png"
        save(base / "CXR_png" / name, photo(i)[..., 0])
        save(base / "ManualMask" / "leftMask" / name, box(2, 1, 8, 5))
        if name != missing_right:
            save(base / "ManualMask" / "rightMask" / name, box(2, 9, 8, 5))
    return base


def test_busi_second_lesions_are_merged_into_their_image_mask(tmp_path):
    busi(tmp_path)
    with pytest.raises(DataError, match=r"'\{stem\}_mask_1.png' \(2 masks\) numbers more masks.*--merge-masks"):
        discover(tmp_path)
    index = discover(tmp_path, merge_masks=True)
    assert len(index.pairs) == 6 and not index.problems
    merged = {p.name: p for p in index.pairs if p.more_masks}
    assert {name: [m.name for m in p.more_masks] for name, p in merged.items()} == {
        "benign (2)": ["benign (2)_mask_1.png"], "malignant (3)": ["malignant (3)_mask_1.png"]}
    benign = read_mask(merged["benign (2)"].masks, index.mapping)
    expected = ((box(2, 2) | box(8, 10)) > 0).astype(np.int64)  # 0/255 masks read as 0/1, lesions unioned
    np.testing.assert_array_equal(benign, expected)
    malignant = read_mask(merged["malignant (3)"].masks, index.mapping)
    np.testing.assert_array_equal(malignant, ((box(3, 3) | box(7, 1)) > 0).astype(np.int64))


def test_aitex_masks_numbered_without_a_separator_are_merged(tmp_path):
    """AITEX names one image's two masks `<stem>_mask1.png` and `<stem>_mask2.png`, its other
    images' `<stem>_mask.png`: the refusal offered `--mask-pattern '{stem}_mask2.png'` (dropping
    every other mask), --merge-masks merged nothing and --unmasked-background read that image as
    all background. Both are numbered masks of the image, offered and read with --merge-masks."""
    root = aitex(tmp_path / "aitex")
    for options in ({}, {"unmasked_background": True}):
        with pytest.raises(DataError, match=r"'\{stem\}_mask1.png' and '\{stem\}_mask2.png' number the masks of one "
                                            r"image.*pass --merge-masks") as refused:
            discover(root, cache_dir=str(tmp_path / "cache"), **options)
        assert "--mask-pattern" not in str(refused.value)
    index = discover(root, merge_masks=True)
    assert len(index.pairs) == 5 and not index.problems
    pair = next(p for p in index.pairs if p.more_masks)
    assert [m.name for m in pair.masks] == ["0044_019_04_mask1.png", "0044_019_04_mask2.png"]
    np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), ((defect(1) | defect(17)) > 0).astype(np.int64))


def cell(top: int, left: int) -> np.ndarray:
    """One cell of SegPC-2021: cytoplasm 20 around a nucleus 40."""
    return np.maximum(box(top, left, 5, 6, 20), box(top + 1, left + 1, 3, 4, 40))


def test_segpc_masks_numbered_per_cell_are_offered_then_merged(tmp_path):
    """SegPC-2021 ships `train/x/106.bmp` with `train/y/106_1.bmp, 106_2.bmp, ...`, one mask per
    cell and a varying number of cells: the refusal offered `--mask-pattern '{stem}_1.bmp'` (cell
    1 only) and `--task multilabel` (cell 1 and cell 2 as classes), and --merge-masks refused too."""
    expected = {}
    for i, count in enumerate((1, 2, 3, 2, 3, 1)):
        save(tmp_path / "train" / "x" / f"{100 + i}.bmp", photo(i))
        cells = [cell(1 + 3 * n, 1 + 4 * n) for n in range(count)]  # each cell overlaps the one before
        for n, mask in enumerate(cells, start=1):
            save(tmp_path / "train" / "y" / f"{100 + i}_{n}.bmp", mask)
        expected[str(100 + i)] = np.maximum.reduce(cells) // 20  # the nucleus over the cytoplasm
    for task in ("auto", "multilabel"):
        with pytest.raises(DataError, match=r"number each image's objects.*pass --merge-masks") as refused:
            discover(tmp_path, task=task)
        assert "--mask-pattern" not in str(refused.value) and "--task" not in str(refused.value)
    index = discover(tmp_path, merge_masks=True, label_map={20: 1, 40: 2})
    assert len(index.pairs) == 6 and not index.problems and not index.ignored
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), expected[pair.name])


def person(left: int, legs: int) -> np.ndarray:
    """One person's part map of LV-MHP v2: face 3 on a torso 11, legs `legs` below."""
    return np.maximum.reduce([box(0, left, 8, 4, 11), box(1, left + 1, 2, 2, 3), box(8, left, 4, 4, legs)])


def lv_mhp(root: Path, persons: dict[str, dict[int, int]]) -> dict[int, np.ndarray]:
    """LV-MHP v2 as shipped: `<split>/images/<id>.jpg` with `parsing_annos/<id>_<N:02d>_<k:02d>.png`,
    person k of the image's N, and `list/<split>.txt`; `persons`: split -> id -> N."""
    base, expected = root / "LV-MHP-v2", {}
    for split, counts in persons.items():
        for i, count in counts.items():
            save(base / split / "images" / f"{i}.jpg", photo(i))
            maps = [person(3 * k - 3, 30 + k) for k in range(1, count + 1)]  # each overlaps the one before
            for k, mask in enumerate(maps, start=1):
                save(base / split / "parsing_annos" / f"{i}_{count:02d}_{k:02d}.png", mask)
            expected[i] = np.maximum.reduce(maps)
        (base / "list").mkdir(parents=True, exist_ok=True)
        (base / "list" / f"{split}.txt").write_text("".join(f"{i}\n" for i in counts))
    return expected


@pytest.mark.parametrize("persons", [
    {"train": {1: 3, 2: 4, 4: 3, 7: 3, 9: 2, 12: 2}, "val": {3: 2, 5: 4, 10: 3}},
    {"train": {1: 3, 2: 3, 4: 3}, "val": {3: 3, 5: 3}},  # as many persons in every image: the count says it
])
def test_lv_mhp_persons_numbered_per_image_are_offered_then_merged(tmp_path, persons):
    """LV-MHP v2 names person k of an image's N `<id>_<N>_<k>.png`: the refusal offered
    `--mask-pattern '{stem}_03_01.png'` (3-person images only, person 1 only, the split lists
    unused) and `--task multilabel` (persons as classes), and --merge-masks refused the same way."""
    expected = lv_mhp(tmp_path, persons)
    for task in ("auto", "multilabel"):
        with pytest.raises(DataError, match=r"number each image's objects.*pass --merge-masks") as refused:
            discover(tmp_path, task=task)
        assert "--mask-pattern" not in str(refused.value) and "--task" not in str(refused.value)
    index = discover(tmp_path, merge_masks=True)
    assert sorted((p.split, int(p.name)) for p in index.pairs) == sorted(
        (split, i) for split, counts in persons.items() for i in counts)
    assert not index.ignored and all(len(p.masks) == persons[p.split][int(p.name)] for p in index.pairs)
    for pair in index.pairs:  # part labels merged as their maximum: person 2's legs 32 over person 1's 31
        np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), expected[int(pair.name)])


@pytest.mark.parametrize("numbers", [("_1", "_2"), ("_1_1", "_1_2", "_2_1", "_2_2")])
def test_masks_numbered_alike_on_every_image_stay_a_choice(tmp_path, numbers):
    """`_1` and `_2` on every image are two annotators (or two classes), not objects, and so are
    `_1_1` to `_2_2` (two numbers, no count of objects first): each is offered as a --mask-pattern,
    and --task multilabel reads them as classes."""
    for i in range(4):
        save(tmp_path / "images" / f"{i}.png", photo(i))
        for n, number in enumerate(numbers):
            save(tmp_path / "masks" / f"{i}{number}.png", box(n, i))
    listed = r"\n  ".join(rf"--mask-pattern '\{{stem\}}{number}.png': 4 masks" for number in numbers)
    with pytest.raises(DataError, match=listed):
        discover(tmp_path)
    assert discover(tmp_path, task="multilabel").classes.num_classes == len(numbers)


def test_dsb_nucleus_masks_are_merged_per_image_folder(tmp_path):
    objects = dsb(tmp_path)
    with pytest.raises(DataError, match=r"9 masks for 3 images.*--merge-masks"):
        discover(tmp_path)
    index = discover(tmp_path, merge_masks=True)
    assert sorted(p.name for p in index.pairs) == sorted(objects)
    assert [p.name for p in index.unlabelled] == [f"{digest('test')}.png"]
    for pair in index.pairs:
        assert len(pair.masks) == 3 and {m.parent.name for m in pair.masks} == {"masks"}
        union = np.maximum.reduce(objects[pair.name]) > 0
        np.testing.assert_array_equal(read_mask(pair.masks, index.mapping), union.astype(np.int64))
    assert all("its one image with the folder's 3 masks merged" in line for line in index.pairing)


def test_merge_masks_is_not_offered_again_once_passed(tmp_path):
    """Object masks named after no image pair with none, merged or not: --merge-masks is offered
    once, and not again to a user who passed it (who was told the same thing in a loop)."""
    for i in range(3):
        save(tmp_path / "images" / f"frame_{i}.png", photo(i))
        for k in range(3):
            save(tmp_path / "masks" / f"object_{'abc'[i]}{'xyz'[k]}.png", box(k, k))  # no number to pair by
    with pytest.raises(DataError, match=r"9 masks for 3 images.*pass --merge-masks"):
        discover(tmp_path)
    with pytest.raises(DataError, match="no image/mask pairs") as err:
        discover(tmp_path, merge_masks=True)
    assert "--merge-masks" not in str(err.value)


def test_montgomery_lung_folders_are_offered_then_merged(tmp_path):
    base = montgomery(tmp_path, missing_right="MCUCXR_0003_1.png")
    flags = {"images": "CXR_png", "masks": "ManualMask"}
    with pytest.raises(DataError, match=r"(?s)2 folders under --masks ManualMask.*leftMask/: 4 pairs.*"
                                        r"rightMask/: 3 pairs.*--merge-masks"):
        discover(tmp_path, **flags)
    index = discover(tmp_path, merge_masks=True, **flags)
    assert len(index.pairs) == 4
    lungs = read_mask(index.pairs[0].masks, index.mapping)
    np.testing.assert_array_equal(lungs, ((box(2, 1, 8, 5) | box(2, 9, 8, 5)) > 0).astype(np.int64))
    alone = next(p for p in index.pairs if p.name == "MCUCXR_0003_1")
    assert alone.masks == (base / "ManualMask" / "leftMask" / "MCUCXR_0003_1.png",)
    assert [(p.path.name, p.code) for p in index.problems] == [("MCUCXR_0003_1.png", "partial-merge")]
    assert "rightMask/" in index.problems[0].message


def test_montgomery_as_shipped_needs_no_folder_flags(tmp_path):
    """Without --images and --masks the set found no layout (CXR_png/ names no images and the
    lungs' folders share their wrapper): the refusal now names the merge, which reads it."""
    montgomery(tmp_path)
    with pytest.raises(DataError, match=r"(?s)2 folders could hold the masks of .*CXR_png/.*leftMask/.*rightMask/"
                                        r".*--merge-masks to read an image's masks of all of them as one"):
        discover(tmp_path)
    index = discover(tmp_path, merge_masks=True)
    assert len(index.pairs) == 4 and index.ignored == []
    np.testing.assert_array_equal(read_mask(index.pairs[0].masks, index.mapping),
                                  ((box(2, 1, 8, 5) | box(2, 9, 8, 5)) > 0).astype(np.int64))
    assert discover(tmp_path, task="multilabel").classes.names == ("leftMask", "rightMask")


def segtrack(root: Path) -> Path:
    """SegTrack v2: `JPEGImages/<seq>/<frame>.png|.bmp`, the masks of a one-object sequence in
    `GroundTruth/<seq>/`, of a several-object one in `GroundTruth/<seq>/<k>/`, an object each."""
    base = root / "SegTrackv2"
    sequences = {"birdfall": ("birdfall2_{:05d}.png", 18, 1), "bmx": ("bmx_{:05d}.png", 6668, 2),
                 "cheetah": ("cheetah_{:05d}.bmp", 1, 2), "frog": ("frog_{:05d}.png", 0, 1),
                 "girl": ("{:05d}.bmp", 1, 1)}
    for s, (seq, (pattern, start, objects)) in enumerate(sequences.items()):
        for f in range(2):
            name = pattern.format(start + f)
            save(base / "JPEGImages" / seq / name, photo(10 * s + f))
            for k in range(1, objects + 1):
                folder = base / "GroundTruth" / seq / (str(k) if objects > 1 else "")
                save(folder / f"{Path(name).stem}.png", box(1 + f, 1 + 5 * (k - 1), 4, 3))
        (base / "ImageSets" / f"{seq}.txt").parent.mkdir(parents=True, exist_ok=True)
        (base / "ImageSets" / f"{seq}.txt").write_text(f"*{Path(pattern).suffix}\n")
    return base


@pytest.mark.parametrize("flags", [{}, {"masks": "GroundTruth"}])
def test_segtrack_object_folders_are_merged_beside_one_object_sequences(tmp_path, flags):
    """`--masks 1` was offered and read the object-1 folders alone: the one-object sequences and
    every object 2 were left out, listed as ignored; `--merge-masks` was refused as ambiguous."""
    base = segtrack(tmp_path)
    with pytest.raises(DataError, match=r"(?s)GroundTruth/bmx/1/.*GroundTruth/bmx/2/.*numbered in SegTrackv2/"
                                        r"GroundTruth/bmx/, which mirrors the image folder.*--merge-masks") as refused:
        discover(tmp_path, **flags)
    assert "e.g. --masks" not in str(refused.value)
    index = discover(tmp_path, merge_masks=True, **flags)
    assert len(index.pairs) == 10 and index.ignored == [] and index.problems == []
    two = next(p for p in index.pairs if p.name == "bmx_06669")
    assert two.masks == tuple(base / "GroundTruth" / "bmx" / k / "bmx_06669.png" for k in ("1", "2"))
    np.testing.assert_array_equal(read_mask(two.masks, index.mapping),
                                  ((box(2, 1, 4, 3) | box(2, 6, 4, 3)) > 0).astype(np.int64))
    one = next(p for p in index.pairs if p.name == "00002")
    assert one.masks == (base / "GroundTruth" / "girl" / "00002.png",)
    assert {p.group for p in index.pairs} == {f"SegTrackv2/JPEGImages/{s}" for s in
                                              ("birdfall", "bmx", "cheetah", "frog", "girl")}


def mvtec_loco(root: Path, defects: dict[str, tuple[str, int]], seed: int = 0) -> Path:
    """One MVTec LOCO AD category: `train/good/`, `test/good/` and `test/<type>/000.png` ... with
    `ground_truth/<type>/<image>/000.png` ..., a mask per defect of the image, each of its defect's
    value in `defects_config.json` (defect -> (type, value)); image k of a type has k + 1 defects."""
    save(root / "train" / "good" / "000.png", photo(seed))
    save(root / "test" / "good" / "000.png", photo(seed + 1))
    for t, kind in enumerate(sorted({kind for kind, _ in defects.values()})):
        value = next(v for k, v in defects.values() if k == kind)
        for i in range(3):
            save(root / "test" / kind / f"{i:03d}.png", photo(seed + 10 * t + i + 2))
            for k in range(i + 1):
                save(root / "ground_truth" / kind / f"{i:03d}" / f"{k:03d}.png", box(1 + 3 * k, 1 + i, value=value))
    config = [{"defect_name": name, "pixel_value": v, "saturation_threshold": 1.0, "relative_saturation": True}
              for name, (_, v) in defects.items()]
    (root / "defects_config.json").write_text(json.dumps(config))
    return root


def test_mvtec_loco_masks_in_a_folder_per_image_are_merged_per_image(tmp_path):
    """`ground_truth/<type>/001/` holds the masks of `test/<type>/001.png`, a file per defect: its
    `000.png` was paired with image 000 and its `001.png` with image 001, each image read with
    files of other images' folders; the defect values were classes no table named."""
    defects = {"missing_almonds": ("logical_anomalies", 255), "box_damaged": ("structural_anomalies", 245)}
    root = mvtec_loco(tmp_path / "breakfast_box", defects)
    index = discover(root, merge_masks=True)
    two = next(p for p in index.pairs if p.image == root / "test" / "logical_anomalies" / "002.png")
    assert two.masks == tuple(root / "ground_truth" / "logical_anomalies" / "002" / f"{k:03d}.png" for k in range(3))
    assert len(index.pairs) == 6 and index.problems == []
    assert index.classes.names == ("background", "box_damaged", "missing_almonds")
    merged = box(1, 3, value=2) | box(4, 3, value=2) | box(7, 3, value=2)
    np.testing.assert_array_equal(read_mask(two.masks, index.mapping), merged.astype(np.int64))
    with pytest.raises(DataError, match=r"(?s)named after its images in ground_truth/logical_anomalies/.*a folder "
                                        r"per image.*--merge-masks"):
        discover(root)


def test_mvtec_loco_categories_numbering_defects_otherwise_are_refused_together(tmp_path):
    """Each category's `defects_config.json` numbers its own defects: read for all, one category's
    names would be put on another's values."""
    mvtec_loco(tmp_path / "breakfast_box", {"missing_almonds": ("logical_anomalies", 255)})
    mvtec_loco(tmp_path / "juice_bottle", {"wrong_fill_level": ("logical_anomalies", 250)}, seed=100)
    with pytest.raises(DataError, match=r"breakfast_box/defects_config.json and juice_bottle/defects_config.json "
                                        r"name the mask values otherwise \(value 250: unnamed or 'wrong_fill_level'\)"
                                        r".*pass one such folder as DATA"):
        discover(tmp_path, merge_masks=True)
    assert discover(tmp_path / "juice_bottle", merge_masks=True).classes.names == ("background", "wrong_fill_level")


def test_merging_refuses_masks_that_do_not_fit_naming_the_file(tmp_path):
    first = save(tmp_path / "a_mask.png", box(0, 0))
    smaller = save(tmp_path / "a_mask_1.png", np.zeros((6, 8), np.uint8))
    with pytest.raises(DataError, match=r"a_mask_1.png' is 6x8 but '.*a_mask.png', the mask it is merged with"):
        read_mask((first, smaller), IdentityMapping())
    colour = tmp_path / "a_mask_2.png"
    Image.fromarray(np.dstack([box(0, 0), box(1, 1), box(2, 2)])).save(colour)
    with pytest.raises(DataError, match=r"a_mask_2.png' is 12x16x3 but .* \(a label and a colour mask"):
        read_mask((first, colour), IdentityMapping())


def test_colour_masks_merge_by_drawing_their_coloured_pixels(tmp_path):
    """IDRiD's lesions are red on black: --merge-masks refused them as colour masks."""
    from seglab.data.classes.mapping import ColourMapping

    red, blue = np.zeros((*SIZE, 3), np.uint8), np.zeros((*SIZE, 3), np.uint8)
    red[1:4, 1:5] = (255, 0, 0)
    blue[2:6, 3:9] = (0, 0, 255)
    paths = save(tmp_path / "a_MA.png", red), save(tmp_path / "a_HE.png", blue)
    merged = read_mask(paths, ColourMapping(((0, 0, 0), (255, 0, 0), (0, 0, 255))))
    assert merged[1, 1] == 1 and merged[3, 4] == 2 and merged[5, 8] == 2 and merged[0, 0] == 0


def test_a_run_trains_on_merged_masks_and_warns_when_nothing_merges(tmp_path, caplog, monkeypatch):
    dsb(tmp_path / "dsb")
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(tmp_path / "dsb"), "--merge-masks", "--epochs", "1", "--size", "16x16",
                 "--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "2",
                 "--precision", "fp32", "--out", str(run), "--no-progress"]) == 0
    assert (run / "config.yaml").read_text().count("merge_masks: true") == 1
    montgomery(tmp_path / "mc")
    monkeypatch.setattr(logging.getLogger("seglab"), "propagate", True)  # `main` stops it for its own handler
    with caplog.at_level(logging.WARNING, logger="seglab"):
        discover(tmp_path / "mc", images="CXR_png", masks="leftMask", merge_masks=True)
    assert "--merge-masks: no image has more than one mask" in caplog.text


def test_the_disk_cache_misses_when_a_merged_mask_changes(tmp_path):
    busi(tmp_path / "busi")
    pair = next(p for p in discover(tmp_path / "busi", merge_masks=True).pairs if p.more_masks)
    cache = DiskCache(tmp_path / "cache", "recipe")
    load = lambda p: (photo(0), read_mask(p.masks, IdentityMapping()).astype(np.uint8))  # noqa: E731
    first = cache.fetch(pair, load)[1]
    save(pair.more_masks[0], box(0, 0, 12, 16))  # the second lesion redrawn over the whole image
    os.utime(pair.more_masks[0], ns=(1, 1))  # a new version even where the clock is coarse
    again = cache.fetch(pair, load)[1]
    assert first.max() == 255 and (first == 0).any() and (again == 255).all()


def test_a_stray_value_of_merged_masks_names_the_file_that_holds_it(tmp_path):
    """EndoVis 2017: `<instrument>_labels/frame000.png` hold parts 1-3 and `Other_labels/frame000.png`
    255; merged, the fatal for 255 named the first mask, which holds none."""
    from seglab.data.checking.audit import audit

    for i in range(4):
        name = f"frame{i:03d}.png"
        save(tmp_path / "left_frames" / name, photo(i))
        parts = box(1, 1, value=1) + box(5, 1, value=2) + box(9, 1, value=3)
        save(tmp_path / "ground_truth" / "Left_Prograsp_Forceps_labels" / name, parts)
        save(tmp_path / "ground_truth" / "Other_labels" / name, box(2, 9, value=255 if i == 2 else 0))
    index = discover(tmp_path, images="left_frames", masks="ground_truth", merge_masks=True)
    assert len(index.pairs) == 4
    stray = [p for p in audit(index).problems if p.code == "values-outside-classes"]
    assert [p.path.relative_to(tmp_path).as_posix() for p in stray] == ["ground_truth/Other_labels/frame002.png"]
