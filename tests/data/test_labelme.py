"""LabelMe JSON beside each image, painted into class-index masks: polygons, rectangles, circles
and AI masks, later shapes over earlier ones, labels.txt's class order, __ignore__, split folders.

Files are written as LabelMe 5 saves them (`version`, `flags`, `shapes`, `imagePath`,
`imageData`, `imageHeight`, `imageWidth`); every painted pixel is worked out by hand.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.files import index as file_index
from seglab.errors import DataError

H, W = 24, 32


def shape(label: str, points: list[list[float]], kind: str = "polygon") -> dict:
    return {"label": label, "points": points, "group_id": None, "description": "", "shape_type": kind, "flags": {}}


def labelme(folder: Path, name: str, shapes: list[dict], seed: int = 0, size: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(folder / f"{name}.jpg")
    data = {"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": f"{name}.jpg", "imageData": None}
    if size:
        data.update(imageHeight=H, imageWidth=W)
    (folder / f"{name}.json").write_text(json.dumps(data))


SHAPES = [
    shape("road", [[0, 12], [31, 12], [31, 23], [0, 23]]),  # polygon: rows 12..23, every column
    shape("car", [[4, 14], [11, 19]], "rectangle"),  # over the road: rows 14..19, columns 4..11
    shape("person", [[24, 5], [24, 8]], "circle"),  # radius 3 around (24, 5)
    shape("lane", [[0, 20], [31, 20]], "line"),  # no area: left out
]


YY, XX = np.mgrid[:H, :W]
FROM_CENTRE = (YY - 5) ** 2 + (XX - 24) ** 2  # squared distance from the circle's centre


def check_painted(mask: np.ndarray, order: tuple[str, ...]) -> None:
    """Road rows 12..23 with the car over it, the person's disc of radius 3, background elsewhere.
    Pillow fills a small polygon a half pixel off its centre, so pixels 2 to 4.3 from the circle's
    centre may fall either way."""
    value = {name: k for k, name in enumerate(order)}
    truth = np.zeros((H, W), np.int64)
    truth[12:24, :] = value["road"]
    truth[14:20, 4:12] = value["car"]
    rim = (FROM_CENTRE > 4) & (FROM_CENTRE <= 18)
    truth[FROM_CENTRE <= 4] = value["person"]
    np.testing.assert_array_equal(mask[~rim], truth[~rim])
    assert set(np.unique(mask[rim])) <= {0, value["person"]}


def test_shapes_are_painted_in_order_and_classes_sorted_by_name(tmp_path):
    root = tmp_path / "data"
    for i in range(3):
        labelme(root, f"frame_{i}", SHAPES, seed=i)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "labelme" and len(index.pairs) == 3 and not index.problems
    assert index.classes.names == ("_background_", "car", "person", "road")
    assert "lines and points left out" in index.pairing[0]
    for pair in index.pairs:
        check_painted(read_mask(pair.mask, index.mapping), index.classes.names)


def test_labels_txt_orders_the_classes_and_ignore_is_255(tmp_path):
    root = tmp_path / "data"
    (root / "train").mkdir(parents=True)
    for split, names in (("train", ("a", "b", "c")), ("val", ("d",))):
        for name in names:
            labelme(root / split, name, [*SHAPES[:3], shape("__ignore__", [[0, 0], [3, 0], [3, 3], [0, 3]])])
    (root / "labels.txt").write_text("__ignore__\n_background_\nroad\nperson\ncar\ntree\n")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("_background_", "road", "person", "car", "tree") and index.ignore_index == 255
    assert sorted(p.split for p in index.pairs) == ["train", "train", "train", "val"]
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[0:4, 0:4] == 255).all()
    mask[0:4, 0:4] = 0
    check_painted(mask, index.classes.names)


def test_a_label_that_labels_txt_lacks_is_named(tmp_path):
    root = tmp_path / "data"
    labelme(root, "a", SHAPES)
    labelme(root, "b", SHAPES)
    (root / "labels.txt").write_text("__ignore__\n_background_\nroad\ncar\n")
    with pytest.raises(DataError, match=r"'.*a.json' uses labels person that the classes .* add them to '.*labels.txt'$"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_label_a_classes_json_misspells_is_named_with_that_file_not_the_dataset_s_list(tmp_path):
    """X-AnyLabeling's classes.txt beside, a `--classes` file misspelling one label: the advice
    named labels.txt, a file the dataset lacks and seglab would not read over the classes.json."""
    root = tmp_path / "data"
    labelme(root, "a", SHAPES[:3])
    (root / "classes.txt").write_text("road\nperson\ncar\n")
    (tmp_path / "typo.json").write_text(json.dumps({"names": ["_background_", "road", "persn", "car"]}))
    with pytest.raises(DataError, match=r"uses labels person that the classes \(_background_, road, persn, car\) do "
                                        r"not name; add them to the classes.json read \(--classes\)$"):
        discover(root, classes_file=str(tmp_path / "typo.json"), cache_dir=str(tmp_path / "cache"))


def test_x_anylabeling_rotated_boxes_are_filled_and_its_classes_txt_orders_the_classes(tmp_path):
    """X-AnyLabeling saves a rotated box as `shape_type: "rotation"` with its four corners (left
    out as "no area"), and keeps the user's label list in `classes.txt` (classes were sorted)."""
    root = tmp_path / "data"
    turned = {**shape("car", [[16, 2], [22, 8], [16, 14], [10, 8]], "rotation"), "direction": 0.785}
    for i in range(2):
        labelme(root, f"plant_{i}", [*SHAPES[:3], turned], seed=i)
    (root / "classes.txt").write_text("road\nperson\ncar\n")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("_background_", "road", "person", "car")
    assert "left out" not in index.pairing[0]
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert mask[8, 16] == 3 and mask[3, 16] == 3 and mask[8, 11] == 3 and mask[2, 11] == 0


@pytest.mark.parametrize("listed", ["road\nperson\ncar\ntree\n", "road\ncar\n"])
def test_a_classes_txt_naming_other_labels_orders_nothing(tmp_path, listed):
    """A `classes.txt` is many tools' file (YOLO's): it orders the classes only when it names
    exactly the labels the shapes use; labels.txt, labelme2voc's, is read as it is."""
    root = tmp_path / "data"
    labelme(root, "a", SHAPES[:3])
    (root / "classes.txt").write_text(listed)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("_background_", "car", "person", "road")


def test_a_background_line_in_classes_txt_is_the_background(tmp_path):
    root = tmp_path / "data"
    labelme(root, "a", SHAPES[:3])
    (root / "classes.txt").write_text("background\nroad\nperson\ncar\n")
    assert discover(root, cache_dir=str(tmp_path / "cache")).classes.names == ("_background_", "road", "person", "car")


def test_sizes_from_the_image_and_unlabelled_images(tmp_path):
    root = tmp_path / "data"
    labelme(root, "a", SHAPES, size=False)  # older LabelMe files leave out imageHeight/imageWidth
    labelme(root, "b", SHAPES)
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(root / "c.jpg")  # not yet annotated
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 2 and read_mask(index.pairs[0].mask, index.mapping).shape == (H, W)
    assert [(p.path.name, p.code) for p in index.problems] == [("c.jpg", "image-without-mask")]


def test_a_damaged_labelme_file_is_named(tmp_path):
    root = tmp_path / "data"
    labelme(root, "a", SHAPES)
    labelme(root, "b", SHAPES)
    labelme(root, "c", SHAPES)
    (root / "c.json").write_text('{"shapes": [')
    with pytest.raises(DataError, match=r"LabelMe file '.*c.json' cannot be read as JSON"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_labelme_file_repeating_a_key_is_named_not_passed_over(tmp_path):
    """A LabelMe file one of whose objects repeats a key (a hand edit pasted twice) is read as
    JSON no tool reads alike and refused: the refusal names the file and the key, where the file,
    passed over as no LabelMe file, had left the folder of no known layout."""
    root = tmp_path / "data"
    for name in ("a", "b", "c"):
        labelme(root, name, SHAPES)
    text = (root / "a.json").read_text()
    (root / "a.json").write_text(text.replace('"flags": {}', '"flags": {}, "flags": {}', 1))
    with pytest.raises(DataError, match=r"LabelMe file '.*a.json' cannot be read as JSON: Repeated key 'flags'"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def ai_mask(label: str, corners: list[list[float]], crop: np.ndarray) -> dict:
    """A `mask` shape as LabelMe 5.3+ saves an AI mask: its box's corners and a base64 PNG of the crop."""
    import base64
    import io

    buffer = io.BytesIO()
    Image.fromarray(crop.astype(np.uint8)).save(buffer, "PNG")
    return {**shape(label, corners, "mask"), "mask": base64.b64encode(buffer.getvalue()).decode()}


CROP = np.array([[0, 1, 1, 0], [1, 1, 1, 1], [0, 1, 1, 0]])  # rows 2..4, columns 5..8 of its image


def test_ai_masks_are_pasted_into_their_box_as_labelme_does(tmp_path):
    """labelme's shapes_to_label: the corners cut to whole numbers (5.7 -> 5), the crop's true
    pixels at [y1:y2 + 1, x1:x2 + 1], later shapes over earlier; its label is a class."""
    root = tmp_path / "data"
    shapes = [shape("dish", [[0, 0], [31, 0], [31, 23], [0, 23]]),
              ai_mask("colony", [[5.7, 2.2], [8.9, 4.6]], CROP),
              ai_mask("colony", [[20, 10], [21, 10]], np.array([[0, 255]]))]  # 0/255 as well as 0/1
    for name in ("a", "b"):
        labelme(root, name, shapes)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("_background_", "colony", "dish") and "left out" not in index.pairing[0]
    truth = np.full((H, W), 2)
    truth[2:5, 5:9][CROP == 1] = 1
    truth[10, 21] = 1
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), truth)


def test_an_ai_mask_whose_crop_does_not_fit_its_box_is_named(tmp_path):
    root = tmp_path / "data"
    labelme(root, "a", [ai_mask("colony", [[5, 2], [8, 4]], CROP)])
    labelme(root, "b", [ai_mask("colony", [[5, 2], [9, 4]], CROP)])  # a box of 5 columns, a crop of 4
    with pytest.raises(DataError, match=r"'.*b.json': shape 1 \('colony', mask\) cannot be drawn: its mask is 3x4 "
                                        r"pixels but its box \(5, 2\)-\(9, 4\) is 3x5"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_mask_files_beside_make_it_folder_pairs(tmp_path):
    """A folder that ships masks (labelme2voc's output beside the JSON) is read from the masks."""
    root = tmp_path / "data"
    for name in ("a", "b"):
        labelme(root / "JPEGImages", name, SHAPES)
        (root / "SegmentationClassPNG").mkdir(exist_ok=True)
        Image.fromarray(np.zeros((H, W), np.uint8)).save(root / "SegmentationClassPNG" / f"{name}.png")
    assert discover(root, cache_dir=str(tmp_path / "cache")).format == "folder-pairs"


def test_multilabel_keeps_the_road_under_the_car(tmp_path):
    """--task multilabel: a mask per label (no _background_ channel), so the road under the car
    stays road; __ignore__ shapes paint no channel."""
    from seglab.labelsets import unpack_numpy

    root = tmp_path / "data"
    for name in ("a", "b"):
        labelme(root, name, [*SHAPES, shape("__ignore__", [[0, 0], [3, 0], [3, 3], [0, 3]])])
    index = discover(root, task="multilabel", cache_dir=str(tmp_path / "cache"))
    assert index.mapping.multilabel and index.classes.names == ("car", "person", "road")
    car, person, road = unpack_numpy(read_mask(index.pairs[0].masks, index.mapping), 3)
    assert road[12:24, :].all() and not road[:12].any()  # whole, the car's rectangle included
    assert car[14:20, 4:12].all() and car.sum() == 48
    assert person[(FROM_CENTRE <= 4)].all() and not person[FROM_CENTRE > 18].any()


def _labelme_away(path: Path, shapes: list[dict], image_path: str, image_data: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": image_path,
                                "imageData": image_data, "imageHeight": H, "imageWidth": W}))


def _base64_image(seed: int, fmt: str) -> str:
    import base64
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(buffer, fmt)
    return base64.b64encode(buffer.getvalue()).decode()


def test_json_files_kept_away_from_their_images_find_them_by_image_path(tmp_path):
    """LabelMe files moved to annotations/, each naming ../images/<name> as LabelMe wrote it."""
    root = tmp_path / "data"
    for name in ("a", "b"):
        (root / "images").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(root / "images" / f"{name}.jpg")
        _labelme_away(root / "annotations" / f"{name}.json", SHAPES, f"../images/{name}.jpg", None)
    _labelme_away(root / "annotations" / "c.json", SHAPES, "../../secret.jpg", None)  # outside the dataset
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(tmp_path / "secret.jpg")
    index = discover(root)
    assert index.format == "labelme" and sorted(p.image.name for p in index.pairs) == ["a.jpg", "b.jpg"]
    assert all(p.image.parent == root / "images" for p in index.pairs)
    check_painted(read_mask(index.pairs[0].mask, index.mapping), index.classes.names)
    assert [(p.path.name, p.code) for p in index.problems] == [("c.json", "mask-without-image")]


def test_images_the_files_kept_away_do_not_annotate_are_unlabelled(tmp_path, monkeypatch):
    """BSData: `data/*.jpg` (1104 images) and `label/*.json` for 394 of them, each naming
    `../data/<name>.jpg`; the other images were counted nowhere (Unlabelled 0, Ignored 0)."""
    root = tmp_path / "BSData"
    (root / "data").mkdir(parents=True)
    for name in ("a", "b", "c", "d", "e"):
        Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(root / "data" / f"{name}.jpg")
    for name in ("a", "b"):
        _labelme_away(root / "label" / f"{name}.json", SHAPES, f"../data/{name}.jpg", None)
    listed: Counter[Path] = Counter()
    real = file_index.listed_files
    monkeypatch.setattr(file_index, "listed_files", lambda folder, suffixes: listed.update([folder]) or real(folder, suffixes))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert sorted(p.image.name for p in index.pairs) == ["a.jpg", "b.jpg"]
    assert sorted(p.name for p in index.unlabelled) == ["c.jpg", "d.jpg", "e.jpg"]
    assert listed[root / "data"] == 1  # by the walk, whose listing gives the unannotated images too


def test_json_files_holding_their_images_are_read_without_image_files(tmp_path):
    """LabelMe's default save embeds the image (imageData): a folder of JSON files alone, in two
    split folders whose files share names, PNG, JPEG and WebP inside."""
    root = tmp_path / "data"
    for split, fmt in (("train", "PNG"), ("val", "JPEG"), ("test", "WEBP")):
        for name, seed in (("a", 1), ("b", 2)):
            _labelme_away(root / split / f"{name}.json", SHAPES, f"{name}.jpg", _base64_image(seed, fmt))
    _labelme_away(root / "train" / "junk.json", SHAPES, "junk.jpg", "bm90IGFuIGltYWdl")  # "not an image"
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert sorted(p.name for p in index.pairs) == ["test/a", "test/b", "train/a", "train/b", "val/a", "val/b"]
    assert {p.split for p in index.pairs} == {"train", "val", "test"}
    assert next(p for p in index.pairs if p.name == "test/a").image.suffix == ".webp"
    train_a = next(p for p in index.pairs if p.name == "train/a")
    assert train_a.image.suffix == ".png" and (tmp_path / "cache") in train_a.image.parents
    expected = np.random.default_rng(1).integers(0, 256, (H, W, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(train_a.image)), expected)  # the embedded PNG, as it was
    check_painted(read_mask(train_a.mask, index.mapping), index.classes.names)
    assert [(p.path.name, p.code) for p in index.problems] == [("junk.json", "unreadable")]
    again = discover(root, cache_dir=str(tmp_path / "cache"))  # written once: the same files
    assert {p.image for p in again.pairs} == {p.image for p in index.pairs}


def test_a_json_kept_away_naming_an_image_annotated_beside_is_not_read(tmp_path):
    for name in ("a", "b"):
        labelme(tmp_path / "images", name, SHAPES)
    _labelme_away(tmp_path / "old" / "a.json", SHAPES[:1], "../images/a.jpg", None)
    index = discover(tmp_path)
    assert sorted(p.image.name for p in index.pairs) == ["a.jpg", "b.jpg"]
    check_painted(read_mask(next(p for p in index.pairs if p.image.name == "a.jpg").mask, index.mapping),
                  index.classes.names)  # the JSON beside it, with the car and the person
    assert [(p.path.name, p.code) for p in index.problems] == [("a.json", "duplicate-name")]


def test_a_json_kept_away_takes_the_split_its_image_folder_names(tmp_path):
    for split, names in (("train", ("a", "b", "c")), ("val", ("d",))):
        for name in names:
            (tmp_path / "images" / split).mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(tmp_path / "images" / split / f"{name}.jpg")
            _labelme_away(tmp_path / "annotations" / f"{name}.json", SHAPES, f"../images/{split}/{name}.jpg", None)
    index = discover(tmp_path)
    assert {p.image.stem: p.split for p in index.pairs} == {"a": "train", "b": "train", "c": "train", "d": "val"}



def test_json_files_naming_their_image_by_image_name_find_it_by_that_name(tmp_path):
    """dacl10k v2: annotations/<split>/<stem>.json with `imageName` (a bare file name) and no
    `imagePath`, over images/<split>/<stem>.jpg; overlapping labels keep both under --task multilabel."""
    from seglab.labelsets import unpack_numpy

    root = tmp_path / "data"
    for split, names in (("train", ("t0", "t1")), ("validation", ("v0",))):
        (root / "images" / split).mkdir(parents=True)
        for name in names:
            Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(root / "images" / split / f"{name}.jpg")
            (root / "annotations" / split).mkdir(parents=True, exist_ok=True)
            (root / "annotations" / split / f"{name}.json").write_text(json.dumps(
                {"imageName": f"{name}.jpg", "imageWidth": W, "imageHeight": H, "shapes": SHAPES}))
    (root / "images" / "testdev").mkdir()
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(root / "images" / "testdev" / "x0.jpg")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "labelme" and {p.image.stem: p.split for p in index.pairs} == \
        {"t0": "train", "t1": "train", "v0": "val"}
    check_painted(read_mask(index.pairs[0].mask, index.mapping), index.classes.names)
    multilabel = discover(root, task="multilabel", cache_dir=str(tmp_path / "cache"))
    car, _, road = unpack_numpy(read_mask(multilabel.pairs[0].masks, multilabel.mapping), 3)
    assert multilabel.classes.names == ("car", "person", "road") and road[14:20, 4:12].all() and car.sum() == 48


def test_split_lists_in_a_splitting_folder_give_annotation_files_their_split(tmp_path: Path, caplog) -> None:
    """TTPLA: `data_original_size/04_585.jpg` + `04_585.json` and `splitting_dataset_txt/{train,val,
    test}.txt` of image file names: annotation layouts read no split lists, and said nothing."""
    import logging

    root = tmp_path / "ttpla_dataset"
    names = [f"04_{n}" for n in range(585, 591)]
    for i, name in enumerate(names):
        labelme(root / "data_original_size", name, SHAPES[:2], seed=i)
    lists = {"train": names[:3], "val": names[3:5], "test": names[5:]}
    (root / "splitting_dataset_txt").mkdir()
    for split, chunk in lists.items():
        (root / "splitting_dataset_txt" / f"{split}.txt").write_text("".join(f"{n}.jpg\n" for n in chunk))
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path, cache_dir=tmp_path / "cache")
    assert index.format == "labelme"
    assert {p.image.stem: p.split for p in index.pairs} == {n: s for s, chunk in lists.items() for n in chunk}
    assert "split from the lists in" in caplog.text and "splitting_dataset_txt" in caplog.text


def test_a_void_label_is_the_ignore_label_and_case_variants_are_one_class(tmp_path):
    """TTPLA draws `void` regions and spells one class `cable` and `Cable`: the void label is
    painted as the ignore label (as void rows of class tables), the spellings are one class."""
    root = tmp_path / "data"
    labelme(root, "1_00001", [shape("Cable", [[0, 0], [31, 0], [31, 3], [0, 3]]),
                              shape("void", [[0, 20], [31, 20], [31, 23], [0, 23]])], seed=0)
    labelme(root, "1_00002", [shape("cable", [[0, 0], [31, 0], [31, 3], [0, 3]]),
                              shape("tower_lattice", [[4, 8], [11, 15]], "rectangle")], seed=1)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("_background_", "cable", "tower_lattice") and index.classes.ignore_index == 255
    first, second = (read_mask(p.mask, index.mapping) for p in sorted(index.pairs, key=lambda p: p.image.name))
    assert (first[:3] == 1).all() and (first[21:] == 255).all() and (second[:3] == 1).all()
    assert (second[9:15, 5:11] == 2).all()


def test_a_classes_json_naming_no_void_label_still_ignores_it_and_merges_spellings(tmp_path):
    """A run's classes.json (evaluate, report, --classes) names the classes training found, not
    `void` nor `Cable`: they are read as training read them, not refused as unnamed labels."""
    root = tmp_path / "data"
    labelme(root, "1_00001", [shape("Cable", [[0, 0], [31, 0], [31, 3], [0, 3]]),
                              shape("void", [[0, 20], [31, 20], [31, 23], [0, 23]])], seed=0)
    labelme(root, "1_00002", [shape("cable", [[0, 0], [31, 0], [31, 3], [0, 3]])], seed=1)
    (tmp_path / "classes.json").write_text(json.dumps({"names": ["_background_", "cable"]}))
    index = discover(root, classes_file=str(tmp_path / "classes.json"), cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("_background_", "cable") and index.ignore_index == 255
    first = read_mask(min(index.pairs, key=lambda p: p.image.name).mask, index.mapping)
    assert (first[:3] == 1).all() and (first[21:] == 255).all()


def test_a_json_beside_its_image_without_image_path_is_read_and_ignore_is_255(tmp_path):
    """ReasonSeg: `<split>/<stem>.jpg` + `<stem>.json` of LabelMe shapes (`target`, `ignore`) with
    `text` and `is_sentence` and no `imagePath`: refused before as a tool's export seglab does not read."""
    root = tmp_path / "ReasonSeg"
    for split, names in (("train", ("a", "b", "c")), ("val", ("d",))):
        for name in names:
            labelme(root / split, name, [shape("target", [[0, 0], [15, 0], [15, 11], [0, 11]]),
                                         shape("ignore", [[0, 20], [31, 20], [31, 23], [0, 23]])])
            data = json.loads((root / split / f"{name}.json").read_text())
            (root / split / f"{name}.json").write_text(json.dumps(
                {"text": ["the thing"], "is_sentence": False, "shapes": data["shapes"]}))
    (root / "explanatory").mkdir()
    (root / "explanatory" / "train.json").write_text(json.dumps([{"image": "a.jpg", "query": "?", "outputs": "."}]))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "labelme" and index.classes.names == ("_background_", "target")
    assert {p.image.stem: p.split for p in index.pairs} == {"a": "train", "b": "train", "c": "train", "d": "val"}
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[:12, :16] == 1).all() and (mask[20:] == 255).all() and (mask[12:20] == 0).all()


def test_the_labelme_files_are_never_opened_as_split_tables(tmp_path, monkeypatch):
    """The search for a table with a split column beside the images opened every LabelMe file
    again (3,000 files: 3,000 opens an inspect), and parsed it whole where its head named a split
    (an `imagePath` of `train_0.jpg`). The annotation files the layout reads are no split tables."""
    from seglab.data.splitting import split_tables

    for k in range(4):
        labelme(tmp_path, f"train_{k}", SHAPES, seed=k)
    opened: list[Path] = []
    real = split_tables.open_regular
    monkeypatch.setattr(split_tables, "open_regular", lambda path, *rest, **options: opened.append(path) or real(
        path, *rest, **options))
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 4
    assert opened == []
