"""xView2's xBD labels read as class-index masks: WKT buildings in pixel coordinates, damage
subtypes as classes in the challenge's order, pre-disaster buildings, holes and multipolygons,
the splits xView2's folders name, and the files refused with a reason. Every painted pixel is
worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.annotations.xbd_json import wkt_polygons
from seglab.errors import DataError

H, W = 20, 24


def label_file(path: Path, image_name: str, buildings: list[tuple[str | None, str]]) -> None:
    """An xBD label file as xView2 ships it: `features` with `lng_lat` and `xy`, `metadata`."""
    xy = [{"properties": {"feature_type": "building", "uid": f"u{i}", **({"subtype": s} if s else {})}, "wkt": wkt}
          for i, (s, wkt) in enumerate(buildings)]
    data = {"features": {"lng_lat": [], "xy": xy},
            "metadata": {"sensor": "WORLDVIEW02", "width": W, "height": H, "disaster": "guatemala-volcano",
                         "img_name": image_name, "disaster_type": "volcano"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def scene(root: Path, folder: str, number: int, buildings: list[tuple[str | None, str]], when: str = "post") -> None:
    name = f"guatemala-volcano_{number:08d}_{when}_disaster"
    (root / folder / "images").mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(number + (when == "post")).integers(0, 256, (H, W, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(root / folder / "images" / f"{name}.png")
    label_file(root / folder / "labels" / f"{name}.json", f"{name}.png", buildings)


HOUSE = "POLYGON ((2 2, 10 2, 10 8, 2 8, 2 2), (4 4, 6 4, 6 6, 4 6, 4 4))"  # with a courtyard
SHEDS = "MULTIPOLYGON (((14 2, 16 2, 16 4, 14 4, 14 2)), ((18 12, 20 12, 20 14, 18 14, 18 12)))"
RUIN = "POLYGON ((2 12, 8 12, 8 18, 2 18, 2 12))"


def xview2(root: Path) -> None:
    scene(root, "train", 0, [("no-damage", HOUSE), ("minor-damage", SHEDS), ("destroyed", RUIN)])
    scene(root, "train", 0, [(None, HOUSE), (None, SHEDS), (None, RUIN)], when="pre")
    scene(root, "tier3", 1, [("major-damage", RUIN), ("un-classified", HOUSE)])
    scene(root, "hold", 2, [("no-damage", RUIN)])
    scene(root, "test", 3, [("no-damage", HOUSE)])


def test_xview2_buildings_are_painted_by_damage_in_the_challenges_order(tmp_path: Path) -> None:
    xview2(tmp_path)
    index = discover(tmp_path)
    assert index.format == "xbd"
    assert index.classes.names == ("background", "building", "no-damage", "minor-damage", "major-damage", "destroyed",
                                   "un-classified")
    by_name = {p.name: p for p in index.pairs}
    post = read_mask(by_name["guatemala-volcano_00000000_post_disaster"].mask, index.mapping)
    expected = np.zeros((H, W), np.int64)
    expected[2:9, 2:11] = 2  # no-damage house, outline included
    expected[5:6, 5:6] = 0  # its courtyard's inside (outline kept)
    expected[2:5, 14:17] = 3  # minor-damage sheds
    expected[12:15, 18:21] = 3
    expected[12:19, 2:9] = 5  # destroyed
    np.testing.assert_array_equal(post, expected)
    pre = read_mask(by_name["guatemala-volcano_00000000_pre_disaster"].mask, index.mapping)
    np.testing.assert_array_equal(pre, np.where(expected > 0, 1, 0))
    assert {p.name.split("_")[1]: p.split for p in index.pairs} == {
        "00000000": "train", "00000001": "train", "00000002": "val", "00000003": "test"}


def test_wkt_polygons_and_multipolygons_with_holes() -> None:
    assert wkt_polygons("POLYGON EMPTY") == []
    assert wkt_polygons(SHEDS)[1] == [[(18.0, 12.0), (20.0, 12.0), (20.0, 14.0), (18.0, 14.0), (18.0, 12.0)]]
    assert len(wkt_polygons(HOUSE)[0]) == 2
    for bad, reason in [("POINT (1 2)", "no POLYGON or MULTIPOLYGON"), ("POLYGON ((1 2, 3 4)", "parentheses open"),
                        ("POLYGON ((1 2, 3))", "has no x and y"), (7, "not text")]:
        with pytest.raises(ValueError, match=reason):
            wkt_polygons(bad)


def test_a_building_that_cannot_be_drawn_names_its_file(tmp_path: Path) -> None:
    scene(tmp_path, "train", 0, [("no-damage", "POLYGON ((1 2, 3 4)")])
    scene(tmp_path, "train", 1, [("no-damage", HOUSE)])
    with pytest.raises(DataError, match=r"xBD file '.*guatemala-volcano_00000000_post_disaster.json': building 1 "
                                        r"cannot be drawn: WKT .* parentheses open"):
        discover(tmp_path)


def test_a_label_file_without_features_is_named(tmp_path: Path) -> None:
    scene(tmp_path, "train", 0, [("no-damage", HOUSE)])
    scene(tmp_path, "train", 1, [("no-damage", HOUSE)])
    path = tmp_path / "train" / "labels" / "guatemala-volcano_00000001_post_disaster.json"
    path.write_text(json.dumps({"features": [], "metadata": {"img_name": "x.png"}}))
    with pytest.raises(DataError, match=r"xBD label file '.*00000001_post_disaster.json' has no 'features' object"):
        discover(tmp_path)


def test_an_xview2_folder_trains(tmp_path: Path) -> None:
    for number in range(6):
        scene(tmp_path, "train", number, [("no-damage", HOUSE), ("destroyed", RUIN)])
    run = tmp_path / "run"
    assert main(["train", str(tmp_path), "--out", str(run), "--model", "unet_small", "--model-option",
                 "widths=[8,16]", "--epochs", "1", "--size", "16x16", "--no-plan", "--no-progress",
                 "--precision", "fp32"]) == 0
    assert json.loads((run / "classes.json").read_text())["names"] == ["background", "no-damage", "destroyed"]


def test_shipped_targets_are_read_as_the_masks(tmp_path: Path) -> None:
    """Where xView2's targets/ (`<name>_target.png`) are shipped, they are the masks, pixel for
    pixel as the challenge scores, and the label files are not painted."""
    for number in range(3):
        scene(tmp_path, "train", number, [("destroyed", RUIN)])
        target = np.zeros((H, W), np.uint8)
        target[12:18, 2:8] = 4
        (tmp_path / "train" / "targets").mkdir(exist_ok=True)
        Image.fromarray(target).save(tmp_path / "train" / "targets" /
                                     f"guatemala-volcano_{number:08d}_post_disaster_target.png")
    index = discover(tmp_path)
    assert index.format == "folder-pairs"
    assert read_mask(index.pairs[0].mask, index.mapping).sum() == 36 * 4
