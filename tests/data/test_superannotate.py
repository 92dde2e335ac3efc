"""A SuperAnnotate export in its own format, painted into class-index masks: a vector project's
polygons (with their excluded holes) and boxes, later over earlier, classes from
classes/classes.json by id or name, its fuse renderings never read as images or masks. Pixels
are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 20, 24
CLASSES = [{"id": 201, "project_id": 8, "name": "Tumor", "color": "#e33b3b", "count": 0, "type": "object",
            "attribute_groups": []},
           {"id": 202, "project_id": 8, "name": "Stroma", "color": "#3be35a", "count": 0, "type": "object",
            "attribute_groups": []}]


def photo(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def instance(kind: str, points: object, class_id: int = 201, **more) -> dict:
    """An instance as SuperAnnotate exports it (the parts seglab reads, and some it does not)."""
    return {"type": kind, "classId": class_id, "probability": 100, "points": points, "groupId": 0,
            "pointLabels": {}, "locked": False, "visible": True, "attributes": [], **more}


SQUARE_WITH_HOLE = instance("polygon", [2, 2, 12, 2, 12, 12, 2, 12], exclude=[[5, 5, 9, 5, 9, 9, 5, 9]])
STROMA_BOX = instance("bbox", {"x1": 14, "y1": 0, "x2": 17, "y2": 19}, 202)
POINT = instance("point", None, 201, x=3, y=3)


def annotated(folder: Path, name: str, instances: list[dict], seed: int = 0) -> None:
    """An image with its ___objects.json and its ___fuse.png rendering, as "Include fuse" writes."""
    photo(folder / name, seed)
    photo(folder / f"{name}___fuse.png", seed + 1)
    (folder / f"{name}___objects.json").write_text(json.dumps({
        "metadata": {"name": name, "width": W, "height": H, "status": "Completed", "pinned": False},
        "instances": instances, "tags": [], "comments": []}))


def export(root: Path) -> None:
    (root / "classes").mkdir(parents=True)
    (root / "classes" / "classes.json").write_text(json.dumps(CLASSES))


def expected() -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    labels[2:13, 2:13] = 1  # Tumor (classes.json's order: Tumor 1, Stroma 2)
    labels[5:10, 5:10] = 0  # the excluded polygon, its outline included
    labels[0:20, 14:18] = 2  # Stroma's box
    return labels


def test_a_vector_export_is_painted_in_the_classes_order_and_colours(tmp_path, caplog):
    root = tmp_path / "export"
    export(root)
    annotated(root, "a.png", [SQUARE_WITH_HOLE, POINT, STROMA_BOX], 1)
    by_name = {**STROMA_BOX, "classId": -1, "className": "Stroma"}  # a class found by its name
    annotated(root / "folder_1", "b.png", [SQUARE_WITH_HOLE, by_name], 3)  # a project folder below
    caplog.set_level("INFO")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "superannotate" and index.classes.names == ("background", "Tumor", "Stroma")
    assert index.classes.colours[1:] == ((227, 59, 59), (59, 227, 90))
    assert sorted(p.image.name for p in index.pairs) == ["a.png", "b.png"]  # the renderings are no images
    assert sorted(p.name for p in index.ignored) == ["a.png___fuse.png", "b.png___fuse.png"]
    assert "1 points, polylines, ellipses and other instances left out" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected(), err_msg=pair.name)


def test_an_instance_of_no_class_is_refused_naming_the_route(tmp_path):
    root = tmp_path / "export"
    export(root)
    annotated(root, "a.png", [instance("polygon", [2, 2, 12, 2, 12, 12], 999)])
    with pytest.raises(DataError, match=r"a\.png___objects\.json': an instance of classId 999 names no class of "
                                        r"'.*classes/classes\.json' and has no className; add the class to it"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_detection_project_is_refused(tmp_path):
    root = tmp_path / "export"
    export(root)
    annotated(root, "a.png", [STROMA_BOX, POINT])
    with pytest.raises(DataError, match="hold 1 boxes and no polygon: a detection project"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def pixel_annotated(folder: Path, name: str, parts: dict[int, list[str]], save: np.ndarray | None) -> None:
    """A pixel project's image with its ___pixel.json (an instance of each class id, its parts'
    colours), its ___save.png (when given) and its ___fuse.png."""
    photo(folder / name)
    photo(folder / f"{name}___fuse.png", 1)
    instances = [{"type": "mask", "classId": class_id, "probability": 100, "visible": True, "groupId": 0,
                  "parts": [{"color": colour} for colour in colours], "attributes": []}
                 for class_id, colours in parts.items()]
    (folder / f"{name}___pixel.json").write_text(json.dumps({
        "metadata": {"name": name, "width": W, "height": H, "status": "Completed"}, "instances": instances,
        "tags": [], "comments": []}))
    if save is not None:
        Image.fromarray(save).save(folder / f"{name}___save.png")


def test_a_pixel_export_reads_its_masks_part_colours_as_classes(tmp_path):
    root = tmp_path / "export"
    export(root)
    save = np.zeros((H, W, 3), np.uint8)
    save[0:10, :] = (0, 0, 0x0F)  # Stroma's part (SuperAnnotate's first part colour, #00000f)
    save[10:20, 0:12] = (0, 0, 0x1E)  # Tumor's first part
    save[10:20, 12:16] = (0, 0, 0x2D)  # Tumor's second part
    pixel_annotated(root, "a.jpg", {202: ["#00000f"], 201: ["#00001e", "#00002D"]}, save)
    damaged = save.copy()
    damaged[0, 0] = (0x12, 0x34, 0x56)  # a colour no part has
    pixel_annotated(root, "b.jpg", {202: ["#00000f"], 201: ["#00001e", "#00002d"]}, damaged)
    pixel_annotated(root, "c.jpg", {202: ["#00000f"]}, None)  # exported without its mask
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "superannotate" and index.classes.names == ("background", "Tumor", "Stroma")
    assert [p.image.name for p in index.pairs] == ["a.jpg"]  # never a ___save.png or ___fuse.png
    assert sorted(p.name for p in index.ignored) == ["a.jpg___fuse.png", "b.jpg___fuse.png", "c.jpg___fuse.png"]
    truth = np.zeros((H, W), np.int64)
    truth[0:10, :] = 2
    truth[10:20, 0:16] = 1
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), truth)
    found = {p.path.name: (p.code, p.message) for p in index.problems}
    assert found["c.jpg"] == ("image-without-mask", "its pixel annotation 'c.jpg___pixel.json' has no "
                                                    "c.jpg___save.png beside it: export the project with its masks")
    assert found["b.jpg"][0] == "unreadable" and "has 1 pixels of 1 colours (#123456) that no instance part of " \
        "'b.jpg___pixel.json' names, so their classes cannot be told; re-export the project" in found["b.jpg"][1]
