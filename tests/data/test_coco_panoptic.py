"""COCO panoptic annotations read as semantic masks, in the layouts COCO 2017, Cityscapes
(cityscapesScripts), Mapillary Vistas 2.0 and WildDash 2 ship them; every class pixel is worked
out by hand from the segments each replica draws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.annotations.painted_masks import IGNORE
from seglab.errors import DataError
from seglab.labelsets import unpack_numpy

H, W = 24, 32
# COCO's ids: a thing and two stuff categories, out of order in the file
CATEGORIES = [{"id": 184, "name": "grass-merged", "isthing": 0, "color": [152, 251, 152]},
              {"id": 1, "name": "person", "isthing": 1, "color": [220, 20, 60]},
              {"id": 125, "name": "gravel", "isthing": 0, "color": [110, 76, 0]}]
CLASSES = ["person", "gravel", "grass-merged"]  # id order


def ids_png(path: Path, ids: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(path)


def segments(seed: int) -> tuple[np.ndarray, list[dict], np.ndarray]:
    """A segment PNG's ids (large ones, as COCO's are), its segments_info, and the class indices
    expected: a person on grass, gravel below, a void strip and an id no segment names."""
    person, grass, gravel, stray = 3000000 + seed, 9000 + seed, 258 + seed, 77
    ids = np.full((H, W), grass, np.int64)
    ids[4:12, 6:14] = person
    ids[16:, :] = gravel
    ids[:, 30:] = 0  # void
    ids[0, 0] = stray
    info = [{"id": person, "category_id": 1, "iscrowd": 0}, {"id": grass, "category_id": 184, "iscrowd": 0},
            {"id": gravel, "category_id": 125, "iscrowd": 1}]
    expected = np.full((H, W), 2, np.int64)
    expected[4:12, 6:14] = 0
    expected[16:, :] = 1
    expected[:, 30:] = IGNORE
    expected[0, 0] = IGNORE
    return ids, info, expected


def panoptic_json(path: Path, images: list[tuple[object, str, str, list[dict]]]) -> None:
    """(image id, image file name, PNG file name, segments_info) per image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "info": {}, "licenses": [],
        "images": [{"id": i, "file_name": name, "height": H, "width": W} for i, name, _, _ in images],
        "annotations": [{"image_id": i, "file_name": png, "segments_info": info} for i, _, png, info in images],
        "categories": CATEGORIES}))


def photo(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def coco2017(root: Path) -> dict[str, np.ndarray]:
    """COCO's layout: train2017/, val2017/, annotations/panoptic_{split}.json beside
    annotations/panoptic_{split}/*.png. Returns each image's expected classes."""
    expected = {}
    for split, numbers in (("train2017", (1, 2, 3)), ("val2017", (101, 102))):
        entries = []
        for n in numbers:
            name = f"{n:012d}"
            photo(root / split / f"{name}.jpg", n)
            ids, info, expected[name] = segments(n)
            ids_png(root / "annotations" / f"panoptic_{split}" / f"{name}.png", ids)
            entries.append((n, f"{name}.jpg", f"{name}.png", info))
        panoptic_json(root / "annotations" / f"panoptic_{split}.json", entries)
    return expected


def test_coco2017_panoptic_reads_classes_in_id_order_with_void_ignored(tmp_path: Path) -> None:
    expected = coco2017(tmp_path)
    index = discover(tmp_path)
    assert index.format == "coco-panoptic" and len(index.pairs) == 5
    assert list(index.classes.names) == CLASSES and index.classes.ignore_index == IGNORE
    assert index.classes.colours[0] == (220, 20, 60)  # the categories' own colours
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.mask, index.mapping), expected[pair.image.stem]), pair.name
    assert {p.image.stem: p.split for p in index.pairs}["000000000101"] == "val"
    assert {p.split for p in index.pairs} == {"train", "val"}


def test_detectron2_tree_keeps_the_pngs_beside_annotations(tmp_path: Path) -> None:
    """detectron2's (and COCONut's) `coco/annotations/panoptic_<name>.json` with its PNGs in
    `coco/panoptic_<name>/`, beside `annotations/`: the JSON was not found and the segment PNGs,
    named as the images, were paired as plain masks (`coloured-objects`, the classes lost)."""
    expected = coco2017(tmp_path / "coco")
    for split in ("train2017", "val2017"):
        (tmp_path / "coco" / "annotations" / f"panoptic_{split}").rename(tmp_path / "coco" / f"panoptic_{split}")
    index = discover(tmp_path)
    assert index.format == "coco-panoptic" and len(index.pairs) == 5 and not index.problems
    assert list(index.classes.names) == CLASSES
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.mask, index.mapping), expected[pair.image.stem]), pair.name


@pytest.mark.parametrize(("colour", "own"), [([True, 20, 60], False), ([220, 20, 256], False),
                                             ([220, 20], False), ("#dc143c", True)],
                         ids=["a boolean channel", "beyond a byte", "two channels", "hex"])
def test_a_category_colour_that_is_no_colour_gives_the_classes_default_colours(tmp_path: Path, colour, own) -> None:
    """A category's colour is read as a JSON class list's (`classes.json_colour`): `true` was taken
    for 1, so a `[true, 20, 60]` refused the whole dataset ('a colour must be [r, g, b] with
    integers 0-255'); a colour that is none now gives every class seglab's default colours."""
    coco2017(tmp_path)
    for path in (tmp_path / "annotations").glob("panoptic_*.json"):
        data = json.loads(path.read_text())
        data["categories"][1]["color"] = colour  # person's, the first class
        path.write_text(json.dumps(data))
    index = discover(tmp_path)
    assert list(index.classes.names) == CLASSES and len(index.pairs) == 5
    assert (index.classes.colours == ((220, 20, 60), (110, 76, 0), (152, 251, 152))) == own


def test_instances_beside_it_keep_the_coco_reading_unless_asked(tmp_path: Path) -> None:
    coco2017(tmp_path)
    instances = {"images": [{"id": 1, "file_name": "000000000001.jpg", "height": H, "width": W}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                  "segmentation": [[2, 2, 10, 2, 10, 10]]}],
                 "categories": [{"id": 1, "name": "person"}]}
    (tmp_path / "annotations" / "instances_train2017.json").write_text(json.dumps(instances))
    assert discover(tmp_path).format == "coco"
    assert discover(tmp_path, format="coco-panoptic").format == "coco-panoptic"


def test_cityscapes_panoptic_and_its_semantic_masks(tmp_path: Path) -> None:
    """cityscapesScripts' createPanopticImgs gives each image its name as id
    (`aachen_000000_000019`), a string: refused before as no number."""
    entries, expected = [], {}
    for n, city in enumerate(("aachen", "bochum")):
        stem = f"{city}_000000_000019"
        photo(tmp_path / "leftImg8bit" / "train" / city / f"{stem}_leftImg8bit.png", n)
        ids, info, expected[f"{stem}_leftImg8bit"] = segments(n)
        ids_png(tmp_path / "gtFine" / "cityscapes_panoptic_train" / f"{stem}_gtFine_panoptic.png", ids)
        entries.append((stem, f"{stem}_leftImg8bit.png", f"{stem}_gtFine_panoptic.png", info))
    panoptic_json(tmp_path / "gtFine" / "cityscapes_panoptic_train.json", entries)
    index = discover(tmp_path)
    assert index.format == "coco-panoptic" and len(index.pairs) == 2 and not index.problems
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.mask, index.mapping), expected[pair.image.stem]), pair.name
    for city in ("aachen", "bochum"):  # with the semantic masks Cityscapes ships, those are read
        labels = tmp_path / "gtFine" / "train" / city / f"{city}_000000_000019_gtFine_labelIds.png"
        labels.parent.mkdir(parents=True)
        Image.fromarray(np.full((H, W), 7, np.uint8)).save(labels)
    assert discover(tmp_path).format == "folder-pairs"


def test_mapillary_vistas_panoptic_folder_holds_its_json(tmp_path: Path) -> None:
    for split, n in (("training", 1), ("validation", 2)):
        photo(tmp_path / split / "images" / f"img{n}.jpg", n)
        ids, info, _ = segments(n)
        ids_png(tmp_path / split / "v2.0" / "panoptic" / f"img{n}.png", ids)
        panoptic_json(tmp_path / split / "v2.0" / "panoptic" / "panoptic_2020.json", [(n, f"img{n}.jpg",
                                                                                       f"img{n}.png", info)])
    index = discover(tmp_path)
    assert index.format == "coco-panoptic"
    assert {p.image.name: p.split for p in index.pairs} == {"img1.jpg": "train", "img2.jpg": "val"}


def test_wilddash2_string_ids_match_their_annotations(tmp_path: Path) -> None:
    """WildDash 2 (`wd_public_v2p0/images/*.jpg`, `panoptic/*.png`, `panoptic.json`) ids its
    images by name (`at0000_100000`); an image listed out of the annotations' order still gets
    its own PNG, and an id of digits keeps matching its number."""
    root, expected, entries = tmp_path / "wd_public_v2p0", {}, []
    for n, stem in enumerate(("at0000_100000", "cn0003_100000", "de0012_100000")):
        photo(root / "images" / f"{stem}.jpg", n)
        ids, info, expected[stem] = segments(n)
        ids_png(root / "panoptic" / f"{stem}.png", ids)
        entries.append((stem, f"{stem}.jpg", f"{stem}.png", info))
    panoptic_json(root / "panoptic.json", entries)
    data = json.loads((root / "panoptic.json").read_text())
    data["images"].reverse()
    data["images"][0]["id"], data["annotations"][2]["image_id"] = 7, "7"  # as int() read both before
    (root / "panoptic.json").write_text(json.dumps(data))
    index = discover(tmp_path)
    assert index.format == "coco-panoptic" and len(index.pairs) == 3 and not index.problems
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.mask, index.mapping), expected[pair.image.stem]), pair.name


@pytest.mark.parametrize("bad", [None, ["at0000_100000"], True, 1.5])
def test_an_image_id_neither_number_nor_string_is_refused_naming_the_file(tmp_path: Path, bad: object) -> None:
    ids, info, _ = segments(1)
    photo(tmp_path / "images" / "a.jpg", 1)
    ids_png(tmp_path / "panoptic" / "a.png", ids)
    panoptic_json(tmp_path / "panoptic.json", [(bad, "a.jpg", "a.png", info)])
    with pytest.raises(DataError, match=r"panoptic file '.*panoptic.json': .*image id .* is neither a number nor"):
        discover(tmp_path)


def test_a_damaged_or_missing_png_is_a_finding_and_the_rest_is_read(tmp_path: Path) -> None:
    coco2017(tmp_path)
    folder = tmp_path / "annotations" / "panoptic_train2017"
    (folder / "000000000001.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    ids_png(folder / "000000000002.png", np.zeros((H + 1, W), np.int64))  # not its image's size
    (folder / "000000000003.png").unlink()
    index = discover(tmp_path)
    assert sorted(p.image.stem for p in index.pairs) == ["000000000101", "000000000102"]
    found = {p.path.stem: (p.code, p.message) for p in index.problems}
    assert found["000000000001"][0] == "unreadable" and "000000000001.png" in found["000000000001"][1]
    assert "is 25x32x3; expected an RGB image of 24x32" in found["000000000002"][1]
    assert found["000000000003"][0] == "image-without-mask"


def test_segments_of_an_unknown_category_are_refused_naming_the_file(tmp_path: Path) -> None:
    ids, info, _ = segments(1)
    photo(tmp_path / "images" / "a.jpg", 1)
    ids_png(tmp_path / "panoptic" / "a.png", ids)
    panoptic_json(tmp_path / "panoptic.json", [(1, "a.jpg", "a.png", [*info, {"id": 5, "category_id": 999}])])
    with pytest.raises(DataError, match=r"panoptic.json': segments of image 'a.jpg' use category ids \[999\]"):
        discover(tmp_path)


def test_multilabel_gives_a_mask_per_category(tmp_path: Path) -> None:
    expected = coco2017(tmp_path)
    index = discover(tmp_path, task="multilabel")
    assert index.mapping.multilabel and index.classes.names == tuple(CLASSES)
    for pair in index.pairs:
        planes = unpack_numpy(read_mask(pair.masks, index.mapping), 3)
        for k in range(3):
            assert np.array_equal(planes[k], expected[pair.image.stem] == k), (pair.name, k)


def test_it_trains_end_to_end(tmp_path: Path) -> None:
    coco2017(tmp_path / "coco")
    assert main(["train", str(tmp_path / "coco"), "--out", str(tmp_path / "run"), "--model", "unet_small",
                 "--model-option", "widths=[8,16]", "--epochs", "1", "--batch-size", "2", "--no-progress",
                 "--no-plan", "--precision", "fp32"]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert list(metrics["classes"]) == CLASSES and metrics["split"] == "val"


def test_a_png_name_outside_the_dataset_is_never_read(tmp_path: Path) -> None:
    ids, info, _ = segments(1)
    ids_png(tmp_path / "secret.png", ids)  # beside the dataset, not in it
    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 1)
    photo(root / "images" / "b.jpg", 2)
    ids_png(root / "panoptic" / "b.png", ids)
    panoptic_json(root / "panoptic.json", [(1, "a.jpg", "../../secret.png", info), (2, "b.jpg", "b.png", info)])
    index = discover(root)
    assert [p.image.name for p in index.pairs] == ["b.jpg"]
    assert [(p.path.name, p.code) for p in index.problems] == [("a.jpg", "image-without-mask")]

