"""The Scalabel format (Scalabel's export, BDD100K's polygon labels) beside the images, painted
into class-index masks: closed poly2d filled label by label, later over earlier, a label's
polygons together; open polylines, boxes and Bezier control points as the docs say; classes in
the config's order. Pixels are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask, split_pairs
from seglab.errors import DataError

H, W = 20, 24


def photo(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def poly2d(*xy: tuple[float, float], closed: bool = True, types: str = "") -> dict:
    return {"vertices": [[x, y] for x, y in xy], "types": types or "L" * len(xy), "closed": closed}


def label(category: str, *polygons: dict, box: bool = False) -> dict:
    """A label as Scalabel exports it (the parts seglab reads, and some it does not)."""
    return {"id": "1", "category": category, "attributes": {"occluded": False}, "manualShape": True,
            "box2d": {"x1": 1, "y1": 1, "x2": 5, "y2": 5} if box else None, "poly2d": list(polygons) or None}


SQUARE = poly2d((2, 2), (12, 2), (12, 12), (2, 12))
STRIP = poly2d((14, 0), (17, 0), (17, 19), (14, 19))
LANE = poly2d((0, 19), (23, 15), closed=False)
NESTED = [{"name": "flat", "subcategories": [{"name": "road"}, {"name": "sidewalk"}]},
          {"name": "vehicle", "subcategories": [{"name": "car"}]}]


def frame(name: str, labels: list[dict], **more) -> dict:
    return {"name": name, "url": f"http://localhost:8686/items/{name}", "videoName": "", "attributes": {},
            "timestamp": 0, "labels": labels, **more}


def expected() -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    labels[12:20, 0:4] = 1  # the road's two polygons (classes in the config's order: road 1, car 2)
    labels[0:20, 14:18] = 1
    labels[2:13, 2:13] = 2  # the car, over the road's corner
    return labels


def test_an_export_is_painted_in_the_configs_order(tmp_path, caplog):
    root = tmp_path / "project"
    photo(root / "items" / "a.jpg", 1)
    road = label("road", poly2d((0, 12), (3, 12), (3, 19), (0, 19)), STRIP)
    labels = [road, label("car", SQUARE), label("lane", LANE), label("sign", box=True)]
    (root / "export_street.json").write_text(json.dumps({
        "frames": [frame("a.jpg", labels)],
        "config": {"imageSize": {"width": W, "height": H}, "categories": NESTED}}))
    caplog.set_level("INFO")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "scalabel" and index.classes.names == ("background", "road", "car")
    assert "left out (no area): 1 open polylines, 1 boxes" in index.pairing[0]
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected())


def test_lists_of_frames_find_images_by_url_and_take_their_files_splits(tmp_path):
    root = tmp_path / "bdd"
    photo(root / "images" / "train" / "a.jpg", 1)
    photo(root / "images" / "val" / "b.jpg", 2)
    curve = poly2d((2, 2), (12, 2), (12, 12), (2, 12), types="LCCL")  # control points filled as corners
    (root / "sem_seg_train.json").write_text(json.dumps([frame("a.jpg", [label("car", SQUARE)])]))
    (root / "sem_seg_val.json").write_text(json.dumps([frame("https://s3.example/frames/b.jpg?sig=1",
                                                             [label("car", curve)], url="")]))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "car")  # no config: sorted
    assert sorted((p.image.name, p.split) for p in index.pairs) == [("a.jpg", "train"), ("b.jpg", "val")]
    assert "Bezier control points ('C' vertices) filled as corners" in index.pairing[0]
    for pair in index.pairs:
        mask = read_mask(pair.mask, index.mapping)
        assert (mask[2:13, 2:13] == 1).all() and mask.sum() == 121, pair.name


def test_a_file_without_a_closed_polygon_is_refused(tmp_path):
    root = tmp_path / "bdd"
    photo(root / "images" / "a.jpg")
    (root / "det_train.json").write_text(json.dumps([frame("a.jpg", [label("car", box=True), label("lane", LANE)])]))
    with pytest.raises(DataError, match=r"det_train\.json: no closed poly2d to fill \(1 boxes, 1 open polylines\): a "
                                        "detection or lane file"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_frames_of_one_video_are_one_group(tmp_path):
    """BDD100K's tracking sets and Scalabel video projects name each frame's `videoName`: its frames,
    near copies, were split apart (no group), trained on and scored again. A frame of no video
    (`videoName: ""`, an image project) is a group of its own."""
    root = tmp_path / "bdd"
    videos = {f"b1c66a42-{v:08x}": [f"b1c66a42-{v:08x}-{n:07d}.jpg" for n in range(1, 4)] for v in range(4)}
    frames = [frame(name, [label("car", SQUARE)], videoName=video) for video, names in videos.items() for name in names]
    frames.append(frame("still.jpg", [label("car", SQUARE)]))
    for k, f in enumerate(frames):
        photo(root / "items" / f["name"], k)
    config = {"categories": [{"name": "car"}]}
    (root / "export_tracks.json").write_text(json.dumps({"frames": frames, "config": config}))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert {p.image.name: p.group for p in index.pairs} == {
        **{name: video for video, names in videos.items() for name in names}, "still.jpg": "still"}
    assert "; a group per videoName (4 videos)" in index.pairing[0]
    splits = split_pairs(index.pairs, (0.5, 0.25, 0.25), seed=0)
    held = [{p.group for p in pairs} for pairs in splits.values()]
    assert not any(a & b for i, a in enumerate(held) for b in held[i + 1:])
