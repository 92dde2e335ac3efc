"""ISAT (ISAT_with_segment_anything) JSON read as class-index masks: `images/` + `labels/*.json`
+ `labels/isat.yaml` as ISAT saves them, layers painted higher over lower, `__background__`
cutting holes, isat.yaml's class order, images without a file unlabelled, a file whose image is
missing a finding, and damaged files refused with a reason. Every painted pixel is worked out by hand."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.annotations import annotation_formats
from seglab.data.files import index as file_index
from seglab.data.files.folder_listing import one_listing
from seglab.errors import DataError

H, W = 20, 24
ISAT_YAML = ("contour_mode: external\nlabel:\n- color: '#000000'\n  name: __background__\n- color: '#00ff00'\n"
             "  name: zone\n- color: '#ff0000'\n  name: cell\nlanguage: en\nmask_alpha: 0.5\nvertex_size: 1\n")


def photo(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def square(category: str, x0: int, y0: int, x1: int, y1: int, layer: float) -> dict:
    """An ISAT object: a rectangle's polygon, with the keys ISAT writes."""
    return {"category": category, "group": 1, "segmentation": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
            "area": float((x1 - x0) * (y1 - y0)), "layer": layer, "bbox": [x0, y0, x1, y1], "iscrowd": False,
            "note": ""}


def isat_file(path: Path, image_name: str, objects: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"info": {"description": "ISAT", "folder": "/home/lab/images", "name": image_name,
                                         "width": W, "height": H, "depth": 3, "note": ""}, "objects": objects}))


# listed as a file may list them: the cell (layer 2) first, the zone under it (layer 1) after,
# and a __background__ hole (layer 3) through the cell
LAYERED = [square("cell", 2, 2, 10, 8, 2.0), square("zone", 0, 0, 14, 12, 1.0),
           square("__background__", 4, 4, 6, 6, 3.0)]


def layered_expected(zone: int, cell: int) -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    labels[0:13, 0:15] = zone  # outline included
    labels[2:9, 2:11] = cell  # higher layer over the zone
    labels[4:7, 4:7] = 0  # the __background__ object above both
    return labels


def isat_project(root: Path, class_file: bool = True) -> None:
    """images/ + labels/ as ISAT saves them: a.png layered, b.png one cell, c.png not annotated,
    ghost.json naming an image that is not there."""
    for seed, name in enumerate(("a", "b", "c")):
        photo(root / "images" / f"{name}.png", seed)
    isat_file(root / "labels" / "a.json", "a.png", LAYERED)
    isat_file(root / "labels" / "b.json", "b.png", [square("cell", 14, 10, 20, 16, 1.0)])
    isat_file(root / "labels" / "ghost.json", "ghost.png", [square("cell", 1, 1, 5, 5, 1.0)])
    if class_file:
        (root / "labels" / "isat.yaml").write_text(ISAT_YAML)


def test_an_isat_project_paints_layers_in_isat_yamls_class_order(tmp_path: Path) -> None:
    isat_project(tmp_path)
    index = discover(tmp_path)
    assert index.format == "isat"
    assert index.classes.names == ("background", "zone", "cell")  # isat.yaml's order, not sorted
    assert index.classes.colours[1:] == ((0, 255, 0), (255, 0, 0))
    masks = {p.image.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    assert sorted(masks) == ["a.png", "b.png"]
    np.testing.assert_array_equal(masks["a.png"], layered_expected(zone=1, cell=2))
    cell = np.zeros((H, W), np.int64)
    cell[10:17, 14:21] = 2
    np.testing.assert_array_equal(masks["b.png"], cell)
    assert [p.name for p in index.unlabelled] == ["c.png"]
    assert [(p.path.name, p.code) for p in index.problems] == [("ghost.json", "mask-without-image")]
    assert "image 'ghost.png'" in index.problems[0].message


def test_without_isat_yaml_the_categories_are_sorted(tmp_path: Path) -> None:
    isat_project(tmp_path, class_file=False)
    index = discover(tmp_path)
    assert index.classes.names == ("background", "cell", "zone")
    a = next(p for p in index.pairs if p.image.name == "a.png")
    np.testing.assert_array_equal(read_mask(a.mask, index.mapping), layered_expected(zone=2, cell=1))


def test_files_beside_the_images_are_read(tmp_path: Path) -> None:
    """ISAT's label folder may be the image folder itself."""
    for seed, name in enumerate(("a", "b")):
        photo(tmp_path / f"{name}.png", seed)
        isat_file(tmp_path / f"{name}.json", f"{name}.png", LAYERED)
    (tmp_path / "isat.yaml").write_text(ISAT_YAML)
    index = discover(tmp_path)
    assert index.format == "isat" and len(index.pairs) == 2
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), layered_expected(zone=1, cell=2))


def test_an_isat_file_repeating_a_key_is_named_not_passed_over(tmp_path: Path) -> None:
    """An ISAT file whose `info` repeats a key is told as ISAT's and refused naming the file and
    the key, not passed over as a file of no kind (the folder then of no known layout)."""
    isat_project(tmp_path)
    text = (tmp_path / "labels" / "a.json").read_text()
    (tmp_path / "labels" / "a.json").write_text(text.replace('"note": ""}', '"note": "", "note": ""}', 1))
    with pytest.raises(DataError, match=r"ISAT file '.*a.json' cannot be read as JSON: Repeated key 'note'"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def test_a_category_isat_yaml_does_not_list_is_refused(tmp_path: Path) -> None:
    isat_project(tmp_path)
    isat_file(tmp_path / "labels" / "b.json", "b.png", [square("nucleus", 14, 10, 20, 16, 1.0)])
    with pytest.raises(DataError, match=r"ISAT objects use categories nucleus that the classes \(background, zone, "
                                        r"cell\) do not name; add them to '.*isat.yaml'"):
        discover(tmp_path)


def test_damaged_files_are_named(tmp_path: Path) -> None:
    isat_project(tmp_path)
    (tmp_path / "labels" / "z.json").write_text(json.dumps({"objects": []}))
    with pytest.raises(DataError, match=r"ISAT file '.*z.json' has no 'info' object and 'objects' list"):
        discover(tmp_path)
    (tmp_path / "labels" / "z.json").unlink()
    isat_file(tmp_path / "labels" / "b.json", "b.png", [{"category": "cell", "segmentation": [[1, "x"], [2]]}])
    with pytest.raises(DataError, match=r"ISAT file '.*b.json': object 1 \('cell'\) cannot be drawn"):
        discover(tmp_path)
    (tmp_path / "labels" / "isat.yaml").write_text("label: [cell, zone]\n")
    with pytest.raises(DataError, match=r"ISAT class file '.*isat.yaml' has no 'label' list of categories"):
        discover(tmp_path)


def test_each_isat_file_is_parsed_once_to_tell_it_and_read_it(tmp_path: Path, monkeypatch) -> None:
    """`_is_isat` parses a file to tell it is ISAT's and `_read` takes that parse: each file whole once an inspect."""
    isat_project(tmp_path / "data")
    read: Counter[str] = Counter()
    real = annotation_formats.regular_text
    monkeypatch.setattr(annotation_formats, "regular_text", lambda path, **kw: read.update([path.name]) or real(path, **kw))
    assert len(discover(tmp_path / "data", cache_dir=str(tmp_path / "cache")).pairs) == 2
    assert read == {"a.json": 1, "b.json": 1, "ghost.json": 1}


def test_a_shared_parse_is_one_of_the_file_as_it_is_now(tmp_path: Path) -> None:
    """The parse cache keys on the file's size and modification time: a file saved again is parsed again."""
    path = tmp_path / "a.json"
    isat_file(path, "a.png", [])
    with one_listing():
        first = annotation_formats.load_json_once(path, "ISAT file")
        assert annotation_formats.load_json_once(path, "ISAT file") is first
        isat_file(path, "b.png", LAYERED)
        assert annotation_formats.load_json_once(path, "ISAT file")["info"]["name"] == "b.png"


def test_the_unannotated_images_are_taken_from_the_walk_not_listed_again(tmp_path: Path, monkeypatch) -> None:
    """The annotated images' folder is listed once an inspect: the walk that located a.png and b.png listed c.png."""
    isat_project(tmp_path / "data")
    listed: Counter[Path] = Counter()
    real = file_index.listed_files
    monkeypatch.setattr(file_index, "listed_files", lambda folder, suffixes: listed.update([folder]) or real(folder, suffixes))
    index = discover(tmp_path / "data", cache_dir=str(tmp_path / "cache"))
    assert [p.name for p in index.unlabelled] == ["c.png"]
    assert listed[tmp_path / "data" / "images"] == 1
