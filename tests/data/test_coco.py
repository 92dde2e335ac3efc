"""COCO JSON annotations read as class-index masks: COCO 2017's layout, Roboflow's and CVAT's
exports, polygons and both run-length forms, overlaps, and the files refused with a reason.

The replicas keep each exporter's names and structure at 30 x 40 pixels; every painted pixel is
worked out by hand.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.annotations.painted_masks import IGNORE, Polygon, compressed_runs, object_mask
from seglab.errors import DataError

H, W = 30, 40
SQUARE = [[2, 2, 20, 2, 20, 20, 2, 20]]  # polygon: x, y pairs; rows and columns 2..20 filled
CATEGORIES = [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}, {"id": 5, "name": "airplane"}]


def column_runs(rows: range, columns: range) -> list[int]:
    """Uncompressed COCO counts (column-major, zeros first) of a box."""
    on = np.zeros((H, W), bool)
    on[rows.start:rows.stop, columns.start:columns.stop] = True
    flat = on.T.ravel()
    changes = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    return np.diff(np.concatenate([[0], changes, [flat.size]])).tolist()


CAR = {"size": [H, W], "counts": column_runs(range(5, 15), range(25, 27))}  # rows 5..14, columns 25..26


def photo(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def coco_file(path: Path, images: list[tuple[int, str]], objects: list[dict], categories=CATEGORIES) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [{"id": i, "file_name": name, "height": H, "width": W} for i, name in images]
    numbered = [{"id": n, "iscrowd": 0, "area": 1, "bbox": [0, 0, 1, 1], **o} for n, o in enumerate(objects, 1)]
    path.write_text(json.dumps({"info": {}, "licenses": [], "images": entries, "annotations": numbered,
                                "categories": categories}))


def coco2017(root: Path) -> Path:
    """`train2017/`, `val2017/` and `annotations/` with instances, person_keypoints and captions
    files; each image holds a person polygon and a car crowd region (RLE)."""
    for split, ids in (("train2017", (1, 2, 3)), ("val2017", (101, 102))):
        images = [(i, f"{i:012d}.jpg") for i in ids]
        for i, name in images:
            photo(root / split / name, i)
        objects = [o for i in ids for o in ({"image_id": i, "category_id": 1, "segmentation": SQUARE},
                                            {"image_id": i, "category_id": 3, "segmentation": CAR, "iscrowd": 1})]
        coco_file(root / "annotations" / f"instances_{split}.json", images, objects)
        coco_file(root / "annotations" / f"person_keypoints_{split}.json", images, [])
        (root / "annotations" / f"captions_{split}.json").write_text(json.dumps({"images": [], "annotations": []}))
    return root


def expected() -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    labels[2:21, 2:21] = 1  # person
    labels[5:15, 25:27] = 2  # car; airplane has no object, so no class
    return labels


def test_coco2017_layout_paints_polygons_and_runs_into_classes(tmp_path):
    index = discover(coco2017(tmp_path / "coco"), cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and len(index.pairs) == 5 and not index.problems
    assert index.classes.names == ("background", "person", "car") and index.ignore_index == IGNORE
    assert {p.name: p.split for p in index.pairs} == {
        "000000000001": "train", "000000000002": "train", "000000000003": "train",
        "000000000101": "val", "000000000102": "val"}
    assert "annotations/instances_train2017.json, annotations/instances_val2017.json: 10 objects" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected(), err_msg=pair.name)
        assert pair.sources == {pair.mask: f"painted from the annotations of '{pair.image}'"}  # for its findings


def test_a_dataset_inside_the_folder_its_archive_wraps_it_in(tmp_path):
    """ModaNet unpacks to `ModaNet/annotations/modanet2018_instances_train.json` + `ModaNet/images/`:
    given the folder above, its images were refused as images without masks."""
    coco2017(tmp_path / "modanet" / "ModaNet")
    index = discover(tmp_path / "modanet", cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and len(index.pairs) == 5
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected())


def test_the_json_file_as_data_reads_that_split_only(tmp_path):
    root = coco2017(tmp_path / "coco")
    index = discover(root / "annotations" / "instances_val2017.json", cache_dir=str(tmp_path / "cache"))
    assert [p.name for p in index.pairs] == ["000000000101", "000000000102"]


def test_the_json_file_as_data_finds_its_images_beside_a_projects_other_folders(tmp_path):
    """An export's project: `images/`, `labels/` (YOLO boxes), `depth/` and `annotations/` side by
    side. With the JSON file as DATA, the project folder above `annotations/` was taken for a folder
    of other datasets (three folders beside), never read: its images were looked for in
    `annotations/` alone and none found. The folders beside `annotations/` are its dataset's."""
    root = tmp_path / "project"
    for name in ("a.jpg", "b.jpg"):
        photo(root / "images" / name, len(name))
    for folder in ("labels", "depth"):
        (root / folder).mkdir()
    coco_file(root / "annotations" / "instances_default.json", [(1, "images/a.jpg"), (2, "images/b.jpg")],
              [{"image_id": i, "category_id": 1, "segmentation": SQUARE} for i in (1, 2)])
    index = discover(root / "annotations" / "instances_default.json", cache_dir=str(tmp_path / "cache"))
    assert sorted(p.image.name for p in index.pairs) == ["a.jpg", "b.jpg"]


def test_pixels_two_classes_claim_are_ignored_and_reported(tmp_path):
    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 0)
    coco_file(root / "annotations" / "instances_default.json", [(1, "a.jpg")], [  # CVAT's export names
        {"image_id": 1, "category_id": 1, "segmentation": [[0, 0, 9, 0, 9, 9, 0, 9]]},
        {"image_id": 1, "category_id": 1, "segmentation": [[5, 5, 14, 5, 14, 14, 5, 14]]},  # same class: merged
        {"image_id": 1, "category_id": 3, "segmentation": [[12, 12, 19, 12, 19, 19, 12, 19]]},
    ])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[12:15, 12:15] == IGNORE).all() and mask[5:10, 5:10].min() == 1 and mask[16, 16] == 2
    assert int((mask == IGNORE).sum()) == 9
    assert [(p.path.name, p.code) for p in index.problems] == [("a.jpg", "overlapping-classes")]


def test_roboflow_coco_export_with_its_unused_dataset_category(tmp_path):
    """Roboflow: `train/`, `valid/`, `test/`, each with its images and `_annotations.coco.json`,
    whose category 0 is the dataset's name (the others' supercategory), used by no object."""
    categories = [{"id": 0, "name": "pets-xyz", "supercategory": "none"},
                  {"id": 1, "name": "cat", "supercategory": "pets-xyz"}, {"id": 2, "name": "dog", "supercategory": "pets-xyz"}]
    root = tmp_path / "data"
    for split, count in (("train", 3), ("valid", 1), ("test", 1)):
        images = [(i, f"img{i}_jpg.rf.{split}{i}3f9a.jpg") for i in range(count)]
        for i, name in images:
            photo(root / split / name, i)
        objects = [{"image_id": i, "category_id": 1 + i % 2, "segmentation": SQUARE} for i, _ in images]
        coco_file(root / split / "_annotations.coco.json", images, objects, categories)
    (root / "README.roboflow.txt").write_text("exported via roboflow.com\n")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "cat", "dog")
    assert sorted(p.split for p in index.pairs) == ["test", "train", "train", "train", "val"]


@pytest.mark.parametrize("text, runs", [
    ("537", [5, 3, 7]),  # one 6-bit group each: '0' + count
    ("123O", [1, 2, 3, 1]),  # the fourth is stored as 1 - 2 = -1: 31 with the sign bit, 'O'
    ("`0", [16]),  # 16 has the sign bit (0x10) of a group set, so it takes two: '`' (0x20 | 16), then '0'
    ("P1", [32]),  # 32 = 1 << 5: 'P' (0x20 | 0), then '1'
])
def test_compressed_runs_decode_as_pycocotools_writes_them(text, runs):
    """pycocotools' strings worked out by hand from its rleToString: 5 bits a group from '0',
    0x20 to continue, 0x10 the sign of the last group, counts after the second as differences."""
    flat = np.repeat(np.arange(len(runs)) % 2 == 1, runs)
    np.testing.assert_array_equal(object_mask({"size": [len(flat), 1], "counts": text}, len(flat), 1)[:, 0], flat)


def test_compressed_runs_round_trip_with_negative_differences():
    runs = column_runs(range(3, 28), range(1, 38))  # later counts below the ones two before
    truth = np.zeros((H, W), bool)
    truth[3:28, 1:38] = True
    np.testing.assert_array_equal(object_mask(compressed_runs(truth), H, W), truth)
    np.testing.assert_array_equal(object_mask({"size": [H, W], "counts": runs}, H, W), truth)


@pytest.mark.parametrize("segmentation, message", [
    ({"size": [H, W], "counts": [5, 5]}, "runs cover 10 pixels of a 30x40 image"),
    ({"size": [H, W], "counts": "0"}, None),
    ("not a shape", "got str"),
    # Python's JSON reads NaN and Infinity; Pillow drew such a polygon as some other shape, without a word
    ([[float("nan"), 1, 10, 10, 1, 10]], "the coordinate nan, not a finite number"),
    ([[1, 1, 10, float("inf"), 1, 10]], "the coordinate inf, not a finite number"),
    (Polygon([[1, 1], [10, 10], [1, float("-inf")]], []), "the coordinate -inf, not a finite number"),
])
def test_segmentations_that_are_not_coco_are_refused(segmentation, message):
    with pytest.raises(ValueError, match=message):
        object_mask(segmentation, H, W)


def test_a_run_length_mask_sized_for_another_image_is_refused(tmp_path):
    """A `size` of [width, height]: as many pixels as the image, so its runs fitted and were painted
    on the transposed grid, without a word."""
    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 0)
    coco_file(root / "annotations" / "instances_default.json", [(1, "a.jpg")],
              [{"image_id": 1, "category_id": 3, "segmentation": {**CAR, "size": [W, H]}}])
    with pytest.raises(DataError, match=r"object 1 of image 'a.jpg' is a run-length mask of size \[40, 30\] "
                                        r"\(\[height, width\]\), but the image entry says \[30, 40\]"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_damaged_files_and_missing_images_are_named(tmp_path):
    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 0)
    annotations = root / "annotations" / "instances_default.json"
    coco_file(annotations, [(1, "a.jpg"), (2, "gone.jpg")],
              [{"image_id": 1, "category_id": 1, "segmentation": {"counts": [1]}}])
    with pytest.raises(DataError, match=r"object 1 of image 'a.jpg' has a segmentation that cannot be drawn"):
        discover(root, cache_dir=str(tmp_path / "cache"))
    coco_file(annotations, [(1, "a.jpg"), (2, "gone.jpg")], [{"image_id": 1, "category_id": 1, "segmentation": SQUARE}])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert [(p.code, "gone.jpg" in p.message) for p in index.problems] == [("mask-without-image", True)]
    huge = json.loads(annotations.read_text())
    huge["images"][0].update(height=100_000, width=100_000)  # 10^10 pixels announced: refused before allocating
    annotations.write_text(json.dumps(huge))
    with pytest.raises(DataError, match="more than --max-pixels"):
        discover(root, cache_dir=str(tmp_path / "cache"))
    annotations.write_text('{"images": [], "annotations": [], "categories": [{"id": 1, ')  # cut short
    with pytest.raises(DataError, match="cannot be read as JSON"):
        discover(root, format="coco", cache_dir=str(tmp_path / "cache"))


def test_string_image_ids_match_their_objects_and_other_ids_are_refused(tmp_path):
    """Image ids that are names (as converters from per-image formats write them) were refused as
    no number; a list or null still is, naming the file."""
    root = tmp_path / "data"
    for i, name in enumerate(("a", "b")):
        photo(root / "images" / f"{name}.jpg", i)
    annotations = root / "annotations" / "instances_default.json"
    coco_file(annotations, [("img_b", "b.jpg"), ("img_a", "a.jpg")],
              [{"image_id": image, "category_id": 1, "segmentation": SQUARE} for image in ("img_a", "img_b")]
              + [{"image_id": "img_b", "category_id": 3, "segmentation": CAR}])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 2 and not index.problems
    masks = {p.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    np.testing.assert_array_equal(masks["b"], expected())
    np.testing.assert_array_equal(masks["a"], np.where(expected() == 2, 0, expected()))
    coco_file(annotations, [([1], "a.jpg")], [])
    with pytest.raises(DataError, match=r"COCO file '.*instances_default.json': .*image id \[1\] is neither"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_dataset_shipping_mask_files_is_read_from_them(tmp_path):
    """COCO-Stuff ships its label maps beside the JSON: the mask files are the labels."""
    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 0)
    Image.fromarray(np.zeros((H, W), np.uint8)).save(_dir(root / "masks") / "a.png")
    coco_file(root / "annotations" / "instances_default.json", [(1, "a.jpg")],
              [{"image_id": 1, "category_id": 1, "segmentation": SQUARE}])
    assert discover(root, cache_dir=str(tmp_path / "cache")).format == "folder-pairs"


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_detection_export_with_boxes_only_is_refused(tmp_path):
    """Roboflow's COCO export of an object-detection project writes `"segmentation": []`:
    painted, every mask would be background."""
    root = tmp_path / "data"
    photo(root / "train" / "a.jpg", 0)
    coco_file(root / "train" / "_annotations.coco.json", [(1, "a.jpg")],
              [{"image_id": 1, "category_id": 1, "segmentation": [], "bbox": [2, 2, 10, 10]}])
    with pytest.raises(DataError, match="none of its 1 objects has an outline .* a detection dataset"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_outlines_in_fractions_of_the_image_size_are_scaled_to_pixels(tmp_path, caplog):
    """Azure Machine Learning's COCO export writes polygons (and boxes) as fractions 0-1 of the
    width and height: painted as pixels, every object was a pixel at the origin."""
    root = tmp_path / "azure"
    photo(root / "UI" / "05-01-2024_120312_UTC" / "a.jpg", 0)
    fractions = [[v / (W if k % 2 == 0 else H) for k, v in enumerate(SQUARE[0])]]
    coco_file(root / "partdefects_20240501_130501.json", [(1, "UI/05-01-2024_120312_UTC/a.jpg")],
              [{"image_id": 1, "category_id": 1, "segmentation": fractions}])
    with caplog.at_level("INFO"):
        index = discover(root, cache_dir=str(tmp_path / "cache"))
    expected = np.zeros((H, W), np.int64)
    expected[2:21, 2:21] = 1
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected)
    assert "partdefects_20240501_130501.json': every outline coordinate lies within [0, 1]" in caplog.text
    assert "in fractions of the image size (0-1), scaled to pixels" in index.pairing[0]


def test_outlines_within_one_pixel_of_a_tiny_image_stay_pixels(tmp_path):
    """A 2 x 2 image's outlines within [0, 1] are its pixels, not fractions."""
    root = tmp_path / "tiny"
    root.mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(root / "a.png")
    (root / "annotations.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": "a.png", "height": 2, "width": 2}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                         "segmentation": [[0, 0, 1, 0, 1, 1, 0, 1]]}],
        "categories": [{"id": 1, "name": "dot"}]}))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), np.ones((2, 2)))


def test_multilabel_reads_a_channel_per_category_and_keeps_overlaps(tmp_path):
    """--task multilabel: a lesion inside an organ keeps both classes where the painted reading
    gave the overlap the ignore label."""
    from seglab.labelsets import unpack_numpy

    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 0)
    photo(root / "images" / "b.jpg", 1)
    coco_file(root / "annotations" / "instances_default.json", [(1, "a.jpg"), (2, "b.jpg")], [
        {"image_id": 1, "category_id": 1, "segmentation": [[0, 0, 19, 0, 19, 19, 0, 19]]},  # organ: rows, columns 0..19
        {"image_id": 1, "category_id": 3, "segmentation": [[5, 5, 9, 5, 9, 9, 5, 9]]},  # lesion inside: 5..9
    ])  # b.jpg has no object
    index = discover(root, task="multilabel", cache_dir=str(tmp_path / "cache"))
    assert index.mapping.multilabel and index.classes.names == ("person", "car")
    channels = {p.name: unpack_numpy(read_mask(p.masks, index.mapping), 2) for p in index.pairs}
    organ, lesion = np.zeros((H, W), bool), np.zeros((H, W), bool)
    organ[0:20, 0:20] = True
    lesion[5:10, 5:10] = True
    np.testing.assert_array_equal(channels["a"][0], organ)
    np.testing.assert_array_equal(channels["a"][1], lesion)
    assert not channels["b"].any() and not index.problems


def test_a_file_name_outside_the_dataset_is_never_read(tmp_path):
    """`../secret.png` and an absolute path name files outside the dataset folder: not read, and
    the name alone is looked for inside (Label Studio writes `/data/upload/1/a.jpg`)."""
    photo(tmp_path / "secret.png", 1)
    photo(tmp_path / "elsewhere" / "inside.jpg", 2)
    root = tmp_path / "data"
    photo(root / "images" / "inside.jpg", 3)
    coco_file(root / "annotations.json", [(1, "../secret.png"), (2, str(tmp_path / "secret.png")),
                                          (3, str(tmp_path / "elsewhere" / "inside.jpg"))],
              [{"image_id": i, "category_id": 1, "segmentation": SQUARE} for i in (1, 2, 3)])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert [p.image for p in index.pairs] == [root / "images" / "inside.jpg"]
    assert sorted(p.message.split("'")[1] for p in index.problems) == sorted(["../secret.png", str(tmp_path / "secret.png")])


def test_livecell_annotations_a_folder_further_down_are_found(tmp_path):
    """LIVECell ships annotations/LIVECell/livecell_coco_{train,val,test}.json and its images in
    images/livecell_train_val_images/<cell type>/: the folder was refused without a word of the
    JSON files, and DATA the JSON file looked for the images in annotations/."""
    root = tmp_path / "livecell"
    for split, ids in (("train", (1, 2)), ("val", (3,)), ("test", (4,))):
        folder = "livecell_test_images" if split == "test" else "livecell_train_val_images"
        images = [(i, f"A172_Phase_A7_1_00d0{i}h00m_1.tif") for i in ids]
        for i, name in images:
            photo(root / "images" / folder / "A172" / name, i)
        objects = [{"image_id": i, "category_id": 1, "segmentation": SQUARE} for i in ids]
        coco_file(root / "annotations" / "LIVECell" / f"livecell_coco_{split}.json", images, objects,
                  [{"id": 1, "name": "cell"}])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and sorted(p.split for p in index.pairs) == ["test", "train", "train", "val"]
    index = discover(root / "annotations" / "LIVECell" / "livecell_coco_val.json", cache_dir=str(tmp_path / "cache"))
    assert [p.image.name for p in index.pairs] == ["A172_Phase_A7_1_00d03h00m_1.tif"]
    assert index.classes.names == ("background", "cell")


def versions(root: Path, tables: dict[str, list[dict]]) -> Path:
    """TrashCan 1.0: `dataset/<version>/{train,val}/` of JPEG frames and
    `instances_{train,val}_trashcan.json` beside them, one version per category table, all
    annotating the same frames."""
    frames = {"train": [(1, "vid_000002_frame0000001.jpg"), (2, "vid_000007_frame0000031.jpg")],
              "val": [(1, "vid_000021_frame0000016.jpg")]}
    for version, categories in tables.items():
        for split, images in frames.items():
            for i, name in images:
                photo(root / "dataset" / version / split / name, i)
            coco_file(root / "dataset" / version / f"instances_{split}_trashcan.json", images,
                      [{"image_id": i, "category_id": 2, "segmentation": SQUARE} for i, _ in images], categories)
    return root


def test_jpeg_frames_below_a_folder_named_like_masks_are_the_images_their_json_names(tmp_path):
    """TrashCan's `instance_version/train/`: "instance" above the frames made them a mask folder
    shipped beside the JSON, and COCO stepped aside for no layout at all."""
    root = versions(tmp_path / "TrashCan_1.0",
                    {"instance_version": [{"id": 1, "name": "rov"}, {"id": 2, "name": "plant"}]})
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and index.classes.names == ("background", "plant")
    assert sorted(p.split for p in index.pairs) == ["train", "train", "val"]



def test_label_maps_below_a_folder_named_like_masks_stay_masks_though_the_json_names_them(tmp_path):
    """`labels/train/a.png` shares its image's name: few values, so the shipped masks, not images."""
    root = tmp_path / "data"
    photo(root / "images" / "train" / "a.png", 0)
    Image.fromarray(np.zeros((H, W), np.uint8)).save(_dir(root / "labels" / "train") / "a.png")
    coco_file(root / "annotations" / "instances_train.json", [(1, "a.png")],
              [{"image_id": 1, "category_id": 1, "segmentation": SQUARE}])
    assert discover(root, cache_dir=str(tmp_path / "cache")).format == "folder-pairs"


def test_annotation_sets_whose_categories_differ_are_refused_with_the_folder_reading_each(tmp_path):
    """TrashCan's `instance_version/` and `material_version/` annotate the same frames with
    different category tables: merged by id, id 2 took one set's name for both, and each frame,
    found in two folders, was paired with neither."""
    root = versions(tmp_path / "TrashCan_1.0", {
        "instance_version": [{"id": 1, "name": "rov"}, {"id": 2, "name": "plant"}, {"id": 3, "name": "trash_can"}],
        "material_version": [{"id": 1, "name": "rov"}, {"id": 2, "name": "trash_metal"}]})
    routes = re.escape(f"pass one set as DATA: '{root / 'dataset' / 'instance_version'}' (3 categories), "
                       f"'{root / 'dataset' / 'material_version'}' (2 categories)")
    for format in ("auto", "coco"):
        with pytest.raises(DataError, match=r"holds 2 COCO annotation sets of the same images whose categories "
                                            r"differ \(id 2 is 'plant' in one and 'trash_metal' in another\).*"
                                            + routes):
            discover(tmp_path, format=format, cache_dir=str(tmp_path / "cache"))
    index = discover(root / "dataset" / "material_version", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "trash_metal") and len(index.pairs) == 3


def arcade(root: Path) -> Path:
    """ARCADE: `arcade/<task>/<split>/images/<n>.png` + `annotations/<split>.json`, one category
    table for both tasks (1-3 artery segments, 4 stenosis); names restart at 1.png in every
    folder, and each split's objects use some of its task's categories."""
    categories = [{"id": 1, "name": "1"}, {"id": 2, "name": "2"}, {"id": 3, "name": "5"}, {"id": 4, "name": "stenosis"}]
    used = {"syntax": {"train": 2, "val": 1, "test": 3}, "stenosis": {"train": 4, "val": 4, "test": 4}}
    for task, splits in used.items():
        for split, category in splits.items():
            folder = root / "arcade" / task / split
            photo(folder / "images" / "1.png", category)
            coco_file(folder / "annotations" / f"{split}.json", [(1, "1.png")],
                      [{"image_id": 1, "category_id": category, "segmentation": SQUARE}], categories)
    return root


def test_split_folders_with_an_annotations_folder_each_read_together_with_one_numbering(tmp_path):
    """ARCADE's `syntax/{train,val,test}/annotations/<split>.json`: the files two folders down were
    not found, and each split read alone numbered its own classes (category 1 class 1 in val,
    category 2 class 1 in train)."""
    index = discover(arcade(tmp_path / "arcade") / "arcade" / "syntax", cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and index.classes.names == ("background", "1", "2", "5")
    largest = {p.split: int(read_mask(p.mask, index.mapping).max()) for p in index.pairs}
    assert largest == {"val": 1, "train": 2, "test": 3}


def test_task_folders_whose_splits_share_no_category_are_refused_with_each_folder(tmp_path):
    """ARCADE's `syntax/` and `stenosis/`, each with train, val and test: two tasks, not one set
    of both's classes; each task folder is the route."""
    root = arcade(tmp_path / "arcade")
    tasks = root / "arcade"
    routes = re.escape(f"pass one task folder as DATA: '{tasks / 'stenosis'}' (1 category), "
                       f"'{tasks / 'syntax'}' (3 categories)")
    for format in ("auto", "coco"):
        with pytest.raises(DataError, match=r"holds 2 COCO annotation sets in folders of their own.*"
                                            r"tasks, not splits.*" + routes):
            discover(root, format=format, cache_dir=str(tmp_path / "cache"))


def crowdai(root: Path) -> Path:
    """CrowdAI Mapping Challenge: `{train,val}/images/` + `{train,val}/annotation.json` and
    `annotation-small.json` (the first image and its objects), `test_images/` reusing the
    training images' names."""
    for split, ids in (("train", (0, 1, 2)), ("val", (1000, 1001))):
        images = [(i, f"{i:012d}.jpg") for i in ids]
        for i, name in images:
            photo(root / split / "images" / name, i)
        objects = [{"image_id": i, "category_id": 100, "segmentation": SQUARE} for i in ids]
        categories = [{"id": 100, "name": "building"}]
        coco_file(root / split / "annotation.json", images, objects, categories)
        coco_file(root / split / "annotation-small.json", images[:1], objects[:1], categories)
    for i in range(2):
        photo(root / "test_images" / f"{i:012d}.jpg", 50 + i)
    return root


def test_a_subset_file_beside_the_whole_is_set_aside_and_the_splits_kept(tmp_path):
    """CrowdAI's `annotation-small.json` repeats part of `annotation.json`: the dataset was refused
    for images annotated in both, and the one file as DATA lost the official val split."""
    root = crowdai(tmp_path / "crowdai")
    for _ in range(2):  # read, then remembered
        index = discover(root, cache_dir=str(tmp_path / "cache"))
        assert sorted(p.split for p in index.pairs) == ["train", "train", "train", "val", "val"]
        assert index.ignored == [root / "train" / "annotation-small.json", root / "val" / "annotation-small.json"]
        assert "subsets set aside (all their images and objects are in the files read): " \
               "train/annotation-small.json of train/annotation.json, val/annotation-small.json of " \
               "val/annotation.json" in index.pairing[0]
        assert not index.problems


def test_two_files_that_disagree_on_an_image_are_refused_with_a_route_keeping_the_splits(tmp_path):
    root = crowdai(tmp_path / "crowdai")
    small = root / "val" / "annotation-small.json"
    coco_file(small, [(1000, "000000001000.jpg")], [{"image_id": 1000, "category_id": 100, "segmentation": CAR}],
              [{"id": 100, "name": "building"}])
    with pytest.raises(DataError, match="annotated in both .*annotation-small.json' and .*annotation.json', and "
                                        "neither holds all of the other's images and objects; pass the one to train "
                                        "on as DATA, or move the other out of .*, which keeps the splits"):
        discover(root, cache_dir=str(tmp_path / "cache"))
    small.rename(tmp_path / small.name)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert sorted(p.split for p in index.pairs) == ["train", "train", "train", "val", "val"]


def hrsid(root: Path) -> Path:
    """HRSID: `JPEGImages/` + `annotations/train2017.json`, `test2017.json` and their union
    `train_test2017.json`, and `inshore_offshore/inshore.json`, `offshore.json` splitting the union
    another way (inshore takes images of both splits)."""
    ids = range(1, 7)
    for i in ids:
        photo(root / "JPEGImages" / f"P{i:04d}.jpg", i)
    objects = {i: {"image_id": i, "category_id": 1, "segmentation": SQUARE} for i in ids}
    ship = [{"id": 1, "name": "ship"}]
    for name, chosen in (("annotations/train2017", (1, 2, 3, 4)), ("annotations/test2017", (5, 6)),
                         ("annotations/train_test2017", ids), ("inshore_offshore/inshore", (1, 5)),
                         ("inshore_offshore/offshore", (2, 3, 4, 6))):
        coco_file(root / f"{name}.json", [(i, f"P{i:04d}.jpg") for i in chosen], [objects[i] for i in chosen], ship)
    return root


def test_split_files_whose_union_ships_beside_them_are_read_with_their_splits(tmp_path):
    """HRSID's `train_test2017.json` (whose name says train) holds every image: its train2017 and
    test2017 files were set aside as its subsets, and the test split lost."""
    root = hrsid(tmp_path / "HRSID_JPG")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert Counter(p.split for p in index.pairs) == {"train": 4, "test": 2}
    assert index.ignored == [root / "annotations" / "train_test2017.json", root / "inshore_offshore" / "inshore.json",
                             root / "inshore_offshore" / "offshore.json"]
    assert "annotations/test2017.json, annotations/train2017.json: 6 objects on 6 images" in index.pairing[0]
    both = "annotations/test2017.json and annotations/train2017.json"
    assert f"annotations/train_test2017.json, the union of {both}, inshore_offshore/inshore.json of {both}" \
        in index.pairing[0]


def test_a_file_whose_images_the_files_read_hold_together_is_set_aside(tmp_path):
    """Without its union file, HRSID's `inshore.json` (images of train2017 and test2017) was refused
    for sharing images with `train2017.json`."""
    root = hrsid(tmp_path / "HRSID_JPG")
    (root / "annotations" / "train_test2017.json").unlink()
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert Counter(p.split for p in index.pairs) == {"train": 4, "test": 2} and not index.problems
    assert index.ignored == [root / "inshore_offshore" / "inshore.json", root / "inshore_offshore" / "offshore.json"]


def test_a_union_with_more_than_its_split_files_is_read_and_they_set_aside(tmp_path):
    root = hrsid(tmp_path / "HRSID_JPG")
    (root / "annotations" / "test2017.json").unlink()  # train2017 alone falls short of the union
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 6 and index.pairing[0].startswith("annotations/train_test2017.json: 6 objects")
    assert "annotations/train2017.json of annotations/train_test2017.json" in index.pairing[0]


def test_lvis_images_without_file_name_are_found_by_their_coco_url(tmp_path):
    """LVIS v1 names its images (COCO 2017's, val ones from `train2017/` too) by `coco_url` alone:
    its objects were counted on 0 images, and no pairs found."""
    root = tmp_path / "lvis"
    for split, chosen in (("train", (("train2017", 9), ("train2017", 16))), ("val", (("val2017", 139),
                                                                                    ("train2017", 500001)))):
        images = []
        for folder, i in chosen:
            photo(root / folder / f"{i:012d}.jpg", i)
            images.append({"id": i, "height": H, "width": W, "neg_category_ids": [5], "not_exhaustive_category_ids": [],
                           "coco_url": f"http://images.cocodataset.org/{folder}/{i:012d}.jpg",
                           "flickr_url": f"http://farm4.staticflickr.com/{i}.jpg"})
        objects = [{"id": n, "image_id": e["id"], "category_id": 1, "segmentation": SQUARE, "bbox": [2, 2, 18, 18]}
                   for n, e in enumerate(images, 1)]
        (root / f"lvis_v1_{split}.json").write_text(json.dumps({"images": images, "annotations": objects,
                                                                 "categories": CATEGORIES}))
    photo(root / "train2017" / "000000900000.jpg", 3)  # COCO's zip holds images LVIS leaves out
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert {p.name: p.split for p in index.pairs} == {"000000000009": "train", "000000000016": "train",
                                                      "000000000139": "val", "000000500001": "val"}
    assert index.classes.names == ("background", "person") and not index.problems
    person = (expected() == 1).astype(np.int64)
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), person)


QUADRANTS = [{"id": q, "name": str(q + 1), "supercategory": str(q + 1)} for q in range(4)]
TEETH = [{"id": t, "name": str(t + 1), "supercategory": str(t + 1)} for t in range(8)]
DIAGNOSES = [{"id": d, "name": n, "supercategory": n} for d, n in enumerate(["Impacted", "Caries", "Periapical Lesion"])]
LEVELS = {"categories_1": QUADRANTS, "categories_2": TEETH, "categories_3": DIAGNOSES}


def dentex(root: Path) -> Path:
    """DENTEX 2023's `training_data/`: per subset `xrays/train_<n>.png` (grey radiographs) and one
    COCO file, `quadrant/` of plain `categories` (ids from 0), `quadrant_enumeration/` of two levels
    and `quadrant-enumeration-disease/` of three (`categories_1` ... `categories_3`, each object's
    `category_id_1` ... `category_id_3`), and `unlabelled/xrays/` named alike; `validation_data/`'s
    radiographs without labels. Image n holds a tooth
    in quadrant n % 4, numbered n + 1, of diagnosis n % 3, in rows and columns 2..20."""
    subsets = {"quadrant": 1, "quadrant_enumeration": 2, "quadrant-enumeration-disease": 3}
    for subset, depth in subsets.items():
        objects = []
        for n in range(3):
            Image.fromarray(np.random.default_rng(n).integers(40, 200, (H, W), dtype=np.uint8)).save(
                _made(root / "training_data" / subset / "xrays" / f"train_{n}.png"))
            ids = {"category_id_1": n % 4, "category_id_2": n + 1, "category_id_3": n % 3}
            objects.append({"image_id": n + 1, "segmentation": SQUARE, **(
                {"category_id": n % 4} if depth == 1 else {k: v for k, v in ids.items() if int(k[-1]) <= depth})})
        categories = {"categories": QUADRANTS} if depth == 1 else {k: LEVELS[k] for k in list(LEVELS)[:depth]}
        path = root / "training_data" / subset / f"train_{subset.replace('-', '_')}.json"
        coco_file(path, [(n + 1, f"train_{n}.png") for n in range(3)], objects, categories=None)
        data = json.loads(path.read_text())
        del data["categories"]
        path.write_text(json.dumps({**data, **categories}))
    for n in range(3):
        for folder, name in (("training_data/unlabelled", f"train_{n}"), ("validation_data/disease", f"val_{n}")):
            Image.fromarray(np.random.default_rng(9 + n).integers(40, 200, (H, W), dtype=np.uint8)).save(
                _made(root / folder / "xrays" / f"{name}.png"))
    return root


def _made(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_hierarchical_coco_reads_its_last_level_and_names_the_others(tmp_path, caplog):
    """DENTEX's COCO files give each object a category per level (`category_id_1` quadrant,
    `_2` tooth, `_3` diagnosis) in `categories_1` ... `categories_3`, no `categories`: not
    recognised as COCO, the subset's images were refused as images without masks. The last level
    is read, the levels named, and `--label-field category_id_1` reads the quadrants. The COCO
    file read, `train_quadrant_enumeration_disease.json`, is no split list left unread, as a
    warning said."""
    subset = dentex(tmp_path / "dentex") / "training_data" / "quadrant-enumeration-disease"
    index = discover(subset, cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and len(index.pairs) == 3 and not index.problems
    assert "split lists not read" not in caplog.text
    assert index.classes.names == ("background", "Impacted", "Caries", "Periapical Lesion")
    assert ("levels of categories category_id_1 (4 categories), category_id_2 (8 categories), category_id_3 "
            "(3 categories): read by category_id_3 (--label-field category_id_1 reads another)") in index.pairing[0]
    for pair in index.pairs:
        n = int(pair.name[-1])
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), (expected() == 1) * (n % 3 + 1))
    quadrants = discover(subset, cache_dir=str(tmp_path / "cache"), label_field="category_id_1")
    assert quadrants.classes.names == ("background", "1", "2", "3")  # the quadrants the objects use
    with pytest.raises(DataError, match=r"3 levels of categories, read by the objects' category_id_1, category_id_2, "
                                        r"category_id_3; --label-field quadrant names none of them"):
        discover(subset, cache_dir=str(tmp_path / "cache"), label_field="quadrant")


def test_dentex_release_names_its_json_files_not_a_folder_of_pictures_as_masks(tmp_path):
    """DENTEX's `unlabelled/xrays/` radiographs, named as each subset's, were taken for the masks of
    all three `xrays/` folders, and `--images quadrant` offered, which paired them so (158 classes of
    grey values): the folder holds pictures, and the subsets' COCO files are named instead."""
    with pytest.raises(DataError) as refused:
        discover(dentex(tmp_path / "dentex"), cache_dir=str(tmp_path / "cache"))
    assert "--images" not in str(refused.value)
    assert re.search(r"training_data/unlabelled/xrays/ holds pictures named as the images of 3 folders .*"
                     r"training_data/quadrant/train_quadrant.json.* pass the folder holding one as DATA",
                     str(refused.value))


def seaturtle(root: Path) -> Path:
    """SeaTurtleID2022 as shipped: `turtles-data/data/images/<identity>/<hash>.JPG`, `annotations.json`
    whose images carry `identity` and `date` (turtle, flipper and head outlined), and
    `metadata_splits.csv` whose `split_closed` shares turtles between train, val and test (closed-set
    re-identification) and `split_open` keeps each turtle in one split."""
    data = root / "turtles-data" / "data"
    turtles = ["t001", "t002", "t003", "t004"]
    images, objects, rows = [], [], ["id,file_name,identity,date,split_closed,split_open"]
    for i in range(12):
        identity, name = turtles[i % 4], f"images/{turtles[i % 4]}/{i:09X}.JPG"
        photo(data / name, i)
        images.append({"id": i + 1, "file_name": name, "height": H, "width": W, "identity": identity,
                       "date": f"201{i % 3}-06-19"})
        objects += [{"image_id": i + 1, "category_id": 1, "segmentation": SQUARE},
                    {"image_id": i + 1, "category_id": 3, "segmentation": [[4, 4, 8, 4, 8, 8, 4, 8]]}]  # the head
        closed = ["train", "train", "valid", "test"][i // 4 if i < 8 else 0]
        rows.append(f"{i + 1},{name},{identity},{images[-1]['date']},{closed},"
                    f"{ {'t001': 'train', 't002': 'train', 't003': 'valid', 't004': 'test'}[identity]}")
    coco_file(data / "annotations.json", [], [], [{"id": 1, "name": "turtle"}, {"id": 2, "name": "flipper"},
                                                  {"id": 3, "name": "head"}])
    coco = json.loads((data / "annotations.json").read_text())
    numbered = [{"id": n, "iscrowd": 0, "bbox": [0, 0, 1, 1], **o} for n, o in enumerate(objects, 1)]
    (data / "annotations.json").write_text(json.dumps({**coco, "images": images, "annotations": numbered}))
    (data / "metadata_splits.csv").write_text("\n".join(rows) + "\n")
    return root


def test_images_of_one_identity_stay_in_one_split_and_the_split_that_keeps_them_is_read(tmp_path):
    """SeaTurtleID2022's COCO images name the turtle photographed (`identity`): no group was read,
    and a drawn split put one turtle's photos in train and test; its `metadata_splits.csv` was not
    read either (`split_closed` is no split title). The images' field groups the pairs, and of the
    table's split columns the one keeping each turtle in one split is read."""
    from seglab.data import format_report, inspect_dataset

    root = seaturtle(tmp_path / "seaturtleid2022")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    turtle_of = {p.name: p.image.parent.name for p in index.pairs}
    assert {p.name: p.group for p in index.pairs} == turtle_of
    assert {p.name: p.split for p in index.pairs} == {
        name: {"t001": "train", "t002": "train", "t003": "val", "t004": "test"}[turtle] for name, turtle in turtle_of.items()}
    assert "grouped by the images' 'identity' (4 groups)" in index.pairing[0]
    text = format_report(inspect_dataset(root, cache_dir=str(tmp_path / "cache")))
    assert "pixels claimed by objects of two classes: ignore label 255" in text
    hint = text.split("overlapping-classes (12): ")[1].split("\n")[0]  # said the later row's class was kept
    assert "the ignore label where drawn shapes overlap (COCO)" in hint


def usis10k(root: Path, sets: dict[str, list[dict]]) -> Path:
    """USIS10K: `{train,val}/*.jpg` and annotation sets over those images, each in a folder of its
    own (`multi_class_annotations/multi_class_{split}_annotations.json` with its categories,
    `foreground_annotations/foreground_{split}_annotations.json`: the same objects, one category);
    `sets` maps each set's name to its categories, its objects taking them in turn."""
    for split, ids in (("train", (1, 2)), ("val", (3,))):
        images = [(i, f"usod_{i:05d}.jpg") for i in ids]
        for i, name in images:
            photo(root / split / name, i)
        for name, categories in sets.items():
            objects = [{"image_id": i, "category_id": categories[i % len(categories)]["id"], "segmentation": SQUARE}
                       for i in ids]
            coco_file(root / f"{name}_annotations" / f"{name}_{split}_annotations.json", images, objects, categories)
    return root


def test_annotation_sets_of_the_same_images_are_refused_with_the_flag_picking_each(tmp_path):
    """USIS10K's `multi_class_annotations/` and `foreground_annotations/` annotate the images of
    `train/` and `val/` both: refused for an image in two files with no route that read, and
    --masks naming a set's folder found no layout."""
    root = usis10k(tmp_path / "USIS10K", {"multi_class": [{"id": 1, "name": "fish"}, {"id": 2, "name": "reefs"}],
                                          "foreground": [{"id": 1, "name": "foreground"}]})
    routes = re.escape(f"'{root}' --masks foreground_annotations (1 category), "
                       f"'{root}' --masks multi_class_annotations (2 categories)")
    with pytest.raises(DataError, match="holds 2 COCO annotation sets of the same images whose categories differ.*"
                                        + routes):
        discover(root, cache_dir=str(tmp_path / "cache"))
    index = discover(root, masks="multi_class_annotations", cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and index.classes.names == ("background", "fish", "reefs")
    assert sorted(p.split for p in index.pairs) == ["train", "train", "val"]
    index = discover(root, masks="foreground_annotations", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "foreground") and len(index.pairs) == 3


def test_two_raters_sets_of_one_category_table_are_refused_with_the_flag_picking_each(tmp_path):
    """Two folders of files over the same images and categories, their objects differing: the
    refusal names each folder's --masks, which reads that set alone."""
    root = usis10k(tmp_path / "raters", {"rater1": [{"id": 1, "name": "fish"}],
                                         "rater2": [{"id": 2, "name": "reefs"}, {"id": 1, "name": "fish"}]})
    with pytest.raises(DataError, match=re.escape(f"or read one set alone: '{root}' --masks rater1_annotations or "
                                                  f"'{root}' --masks rater2_annotations")):
        discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(discover(root, masks="rater2_annotations", cache_dir=str(tmp_path / "cache")).pairs) == 3


def test_a_file_in_a_folder_of_annotations_alone_finds_its_images_in_the_split_folders_beside_it(tmp_path):
    """USIS10K's `multi_class_annotations/multi_class_val_annotations.json` as DATA: its images lie
    in `val/`, beside its folder, where no image was looked for."""
    root = usis10k(tmp_path / "USIS10K", {"multi_class": [{"id": 1, "name": "fish"}, {"id": 2, "name": "reefs"}]})
    index = discover(root / "multi_class_annotations" / "multi_class_val_annotations.json",
                     cache_dir=str(tmp_path / "cache"))
    assert [p.image for p in index.pairs] == [root / "val" / "usod_00003.jpg"]
    assert index.classes.names == ("background", "reefs")


def test_images_deeper_than_the_layout_search_are_found_by_name(tmp_path):
    """RefCOCO as lichengunc/refer sets it up: `refer/data/refcoco/instances.json` (with the refs
    pickles beside it, never loaded) over `refer/data/images/mscoco/images/train2014/`, six folders
    below DATA: every image was 'no image file has that name'."""
    images = [(i, f"COCO_train2014_{i:012d}.jpg") for i in (9, 25, 30)]
    root = tmp_path / "refcoco"
    train2014 = root / "refer" / "data" / "images" / "mscoco" / "images" / "train2014"
    for i, name in images[:2]:
        photo(train2014 / name, i)
    coco_file(root / "refer" / "data" / "refcoco" / "instances.json", images,
              [{"image_id": i, "category_id": 1, "segmentation": SQUARE} for i, _ in images])
    (root / "refer" / "data" / "refcoco" / "refs(unc).p").write_bytes(b"\x80\x02]q\x00.")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco" and len(index.pairs) == 2
    assert [p.code for p in index.problems] == ["mask-without-image"]
    photo(train2014 / images[2][1], 30)  # the read remembered is read again: an image that deep counts
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 3 and not index.problems
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[2:21, 2:21] == 1).all() and mask.sum() == 19 * 19  # rows and columns 2..20
