"""Datasets read from annotation files are remembered: a second read parses no annotation file,
and any change an annotation, an image, a class list at the top or an option makes is read afresh.
"""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from seglab.data import discover, read_mask
from seglab.data.annotations import coco_json
from seglab.data.annotations import yolo_labels

from .test_coco import coco2017, expected
from .test_labelme import SHAPES, labelme
from .test_yolo import LEAF, write


def no_parsing(monkeypatch) -> list[str]:
    """Record every COCO file or YOLO label file parsed from now on."""
    parsed: list[str] = []
    read_coco, read_yolo = coco_json.read_annotations, yolo_labels._objects
    monkeypatch.setattr(coco_json, "read_annotations",
                        lambda path, level=None: parsed.append(path.name) or read_coco(path, level))
    monkeypatch.setattr(yolo_labels, "_objects", lambda path, image: parsed.append(path.name) or read_yolo(path, image))
    return parsed


def test_a_second_read_parses_no_annotation_file_and_gives_the_same_index(tmp_path, monkeypatch):
    root = tmp_path / "coco"
    coco2017(root)
    cache = str(tmp_path / "cache")
    first = discover(root, cache_dir=cache)
    parsed = no_parsing(monkeypatch)
    again = discover(root, cache_dir=cache)
    assert parsed == []
    assert again.pairs == first.pairs and again.classes == first.classes and again.problems == first.problems
    assert again.pairing == first.pairing and again.mapping.to_dict() == first.mapping.to_dict()
    np.testing.assert_array_equal(read_mask(again.pairs[0].mask, again.mapping), expected())


def test_a_changed_annotation_file_is_read_afresh(tmp_path, monkeypatch):
    root = tmp_path / "coco"
    coco2017(root)
    cache = str(tmp_path / "cache")
    discover(root, cache_dir=cache)
    path = root / "annotations" / "instances_val2017.json"
    data = json.loads(path.read_text())
    data["categories"][1]["name"] = "truck"
    path.write_text(json.dumps(data))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    parsed = no_parsing(monkeypatch)
    index = discover(root, cache_dir=cache)
    assert "instances_val2017.json" in parsed and "truck" in index.classes.names


def test_an_image_added_to_a_yolo_folder_is_a_new_pair(tmp_path):
    root = tmp_path / "yolo"
    for i in range(3):
        write(root / "images" / f"{i}.jpg", root / "labels" / f"{i}.txt", [LEAF], i)
    cache = str(tmp_path / "cache")
    before = discover(root, cache_dir=cache)
    image = next(p.image for p in before.pairs)
    shutil.copy(image, image.with_name("added" + image.suffix))  # no label file: all background, as Ultralytics reads it
    after = discover(root, cache_dir=cache)
    assert len(after.pairs) == len(before.pairs) + 1 and "added" in {p.name for p in after.pairs}


def test_an_image_restored_beside_the_annotations_folder_of_a_file_given_as_data_is_read(tmp_path):
    """DATA the COCO file `coco/annotations/instances_val2017.json`, whose images lie in
    `coco/val2017/`: the memo's key held only the images below `annotations/`, so an image missing
    at the first read and restored stayed missing, the index "remembered: no annotation file changed"."""
    root = coco2017(tmp_path / "coco")
    data, cache = root / "annotations" / "instances_val2017.json", str(tmp_path / "cache")
    image = root / "val2017" / "000000000102.jpg"
    image.rename(tmp_path / image.name)
    assert len(discover(data, cache_dir=cache).pairs) == 1
    (tmp_path / image.name).rename(image)
    assert len(discover(data, cache_dir=cache).pairs) == 2


def test_a_class_list_at_the_top_and_the_options_are_part_of_the_key(tmp_path):
    root = tmp_path / "labelme"
    for name in ("a", "b"):
        labelme(root, name, SHAPES)
    cache = str(tmp_path / "cache")
    assert discover(root, cache_dir=cache).classes.names == ("_background_", "car", "person", "road")
    (root / "labels.txt").write_text("__ignore__\n_background_\nroad\nperson\ncar\n")
    assert discover(root, cache_dir=cache).classes.names == ("_background_", "road", "person", "car")
    assert discover(root, task="multilabel", cache_dir=cache).classes.names == ("road", "person", "car")


def test_masks_cleaned_from_the_cache_are_painted_again(tmp_path, monkeypatch):
    root = tmp_path / "coco"
    coco2017(root)
    cache = tmp_path / "cache"
    first = discover(root, cache_dir=str(cache))
    shutil.rmtree(first.pairs[0].mask.parent)
    parsed = no_parsing(monkeypatch)
    again = discover(root, cache_dir=str(cache))
    assert parsed and all(p.mask.is_file() for p in again.pairs)
    np.testing.assert_array_equal(read_mask(again.pairs[0].mask, again.mapping), expected())


def test_another_seglab_version_reads_afresh(tmp_path, monkeypatch):
    """A reader that changed with an upgrade must not serve what the old one found."""
    from seglab.data.annotations import annotation_formats

    root = tmp_path / "coco"
    coco2017(root)
    cache = str(tmp_path / "cache")
    discover(root, cache_dir=cache)
    monkeypatch.setattr(annotation_formats, "__version__", "99.0")
    parsed = no_parsing(monkeypatch)
    discover(root, cache_dir=cache)
    assert parsed
