"""CVAT for images 1.1 (annotations.xml beside images/), painted into class-index masks:
polygons, run-length masks in their box, boxes (turned too) and ellipses, in z_order then in
the file's order, the labels' order and colours, subsets as splits, and XML that would exhaust
memory refused. Files are written as CVAT 2 exports them; painted pixels are worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.classes import BACKGROUND_COLOUR
from seglab.errors import DataError

H, W = 20, 24
LABELS = (("road", "#ff0000"), ("car", "#0000ff"), ("lane", "#00ff00"), ("sign", "#ffff00"), ("tree", "#00aa00"))
CAR = np.array([[1, 1, 1, 1], [1, 0, 1, 1], [1, 1, 1, 1]], bool)  # runs 0, 5, 1, 6 row by row
SHAPES = [
    '<mask label="car" source="manual" occluded="0" rle="0, 5, 1, 6" left="22" top="1" width="4" height="3" z_order="1"></mask>',
    '<polygon label="road" source="manual" occluded="0" points="0.00,10.00;23.00,10.00;23.00,19.00;0.00,19.00" z_order="0"></polygon>',
    '<box label="sign" source="manual" occluded="0" xtl="10.00" ytl="2.00" xbr="12.00" ybr="5.00" z_order="0"></box>',
    '<box label="car" source="manual" occluded="0" xtl="2.00" ytl="9.00" xbr="4.00" ybr="11.00" z_order="0"></box>',
    '<polyline label="lane" source="manual" occluded="0" points="0,0;5,5" z_order="0"></polyline>',
    '<tag label="sunny" source="manual"></tag>',
]  # the mask's z_order 1 puts it last; the car box, after the road, lies over it


def expected(value: dict[str, int]) -> np.ndarray:
    truth = np.zeros((H, W), np.int64)
    truth[10:20, :] = value["road"]
    truth[1:4, 22:24] = value["car"] * CAR[:, :2]  # columns 24 and 25 lie outside: cut off
    truth[2:6, 10:13] = value["sign"]
    truth[9:12, 2:5] = value["car"]
    return truth


def labels_xml(labels=LABELS) -> str:
    return "".join(f"<label><name>{name}</name><color>{colour}</color><type>any</type><attributes>"
                   "<attribute><name>occluded_by</name><input_type>text</input_type></attribute></attributes></label>"
                   for name, colour in labels)


def cvat(root: Path, images: dict[str, str], shapes: list[str] = SHAPES, labels: str | None = None,
         prologue: str = "") -> Path:
    """annotations.xml + images/<name> as a CVAT 2 task export: `images` maps names to subsets."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    body = []
    for k, (name, subset) in enumerate(images.items()):
        Image.fromarray(np.random.default_rng(k).integers(0, 256, (H, W, 3), np.uint8)).save(root / "images" / name)
        body.append(f'<image id="{k}" name="{name}" subset="{subset}" task_id="1" width="{W}" height="{H}">'
                    + "".join(shapes) + "</image>")
    xml = (f'<?xml version="1.0" encoding="utf-8"?>{prologue}<annotations><version>1.1</version><meta><job><id>1</id>'
           f"<labels>{labels_xml() if labels is None else labels}</labels></job></meta>{''.join(body)}</annotations>")
    (root / "annotations.xml").write_text(xml)
    return root / "annotations.xml"


def test_a_task_export_is_painted_in_z_order_with_its_labels_and_subsets(tmp_path, caplog):
    root = tmp_path / "task"
    cvat(root, {"a.jpg": "Train", "b.jpg": "Train", "c.jpg": "Validation"})
    caplog.set_level("INFO")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "cvat" and len(index.pairs) == 3 and not index.problems
    assert index.classes.names == ("background", "road", "car", "sign")  # the labels' order; lane, tree: no area
    assert index.classes.colours == (BACKGROUND_COLOUR, (255, 0, 0), (0, 0, 255), (255, 255, 0))
    assert sorted(p.split for p in index.pairs) == ["train", "train", "val"]
    assert "left out (no area): 3 polyline" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected({"road": 1, "car": 2, "sign": 3}))
    again = discover(root / "annotations.xml", cache_dir=str(tmp_path / "cache"))  # DATA = the file
    assert [p.mask for p in again.pairs] == [p.mask for p in index.pairs]


def test_turned_boxes_and_ellipses_are_filled(tmp_path):
    root = tmp_path / "task"
    cvat(root, {"a.png": "default"}, [
        '<box label="car" xtl="2" ytl="2" xbr="6" ybr="4" rotation="90" z_order="0"></box>',  # centre (4, 3)
        '<ellipse label="sign" cx="14" cy="12" rx="8" ry="5" rotation="0" z_order="0"></ellipse>'])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    mask = read_mask(index.pairs[0].mask, index.mapping)
    car = np.zeros((H, W), bool)
    car[1:6, 3:6] = True  # 4 wide and 2 high, turned: 2 wide (columns 3-5) and 4 high (rows 1-5)
    np.testing.assert_array_equal(mask == 1, car)
    yy, xx = np.mgrid[:H, :W]
    inside = ((xx - 14) / 8) ** 2 + ((yy - 12) / 5) ** 2  # Pillow's edge pixels may fall a pixel either way
    assert (mask[inside <= 0.6] == 2).all() and not (mask[inside > 1.7] == 2).any()


def test_multilabel_keeps_the_car_on_its_road(tmp_path):
    from seglab.labelsets import unpack_numpy

    root = tmp_path / "task"
    cvat(root, {"a.jpg": "default", "b.jpg": "default"})
    index = discover(root, task="multilabel", cache_dir=str(tmp_path / "cache"))
    assert index.mapping.multilabel and index.classes.names == ("road", "car", "sign")
    road, car, sign = unpack_numpy(read_mask(index.pairs[0].masks, index.mapping), 3)
    assert road[10:20].all() and not road[:10].any()  # the car box at rows 9-11 did not take it
    assert car[9:12, 2:5].all() and car.sum() == 9 + 5 and sign.sum() == 12


def test_a_detection_task_is_refused(tmp_path):
    root = tmp_path / "task"
    cvat(root, {"a.jpg": "default"}, [SHAPES[2], SHAPES[4]])
    with pytest.raises(DataError, match="its 1 shapes are all boxes: a detection task"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_label_missing_from_the_labels_is_named(tmp_path):
    root = tmp_path / "task"
    cvat(root, {"a.jpg": "default"}, ['<polygon label="boat" points="0,0;5,0;5,5" z_order="0"></polygon>'])
    with pytest.raises(DataError, match=r"annotations\.xml use labels boat that the classes \(background\) do not"):
        discover(root, cache_dir=str(tmp_path / "cache"))


BOMB = ('<!DOCTYPE annotations [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(8)) + "]>")


@pytest.mark.parametrize(("prologue", "shapes", "why"), [
    (BOMB, ['<polygon label="road" points="0,0;5,0;&i;" z_order="0"></polygon>'], "cannot be read as XML: .*amplification"),
    ('<!DOCTYPE annotations [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
     ['<polygon label="road" points="&x;" z_order="0"></polygon>'], "cannot be read as XML: reference to external entity"),
    ("", ['<mask label="car" rle="0, 5, 1, 6" left="0" top="0" width="4000" height="4000" z_order="0"></mask>'],
     "'car' cannot be drawn: its mask's box of 4000x4000 does not fit a 24x20 image"),
    ("", ['<mask label="car" rle="0, 5, 1" left="0" top="0" width="4" height="3" z_order="0"></mask>'],
     "its runs cover 6 pixels of a 4x3 box"),
    ("", ['<polygon label="road" points="0,0;five,0;5,5" z_order="0"></polygon>'], "'road' cannot be drawn: could not convert"),
    ("", [SHAPES[1], '<box label="car" xtl="1" ytl="1" xbr="3" z_order="0"></box>'], "'car' cannot be drawn: it has no ybr"),
], ids=["entity-bomb", "external-entity", "huge-mask", "short-runs", "bad-point", "no-corner"])
def test_xml_that_cannot_be_drawn_is_named(tmp_path, prologue, shapes, why):
    root = tmp_path / "task"
    cvat(root, {"a.jpg": "default"}, shapes, prologue=prologue)
    with pytest.raises(DataError, match=rf"annotations\.xml.*{why}"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_name_no_image_has_is_listed(tmp_path):
    root = tmp_path / "task"
    cvat(root, {"a.jpg": "default", "b.jpg": "default"})
    (root / "images" / "b.jpg").unlink()
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert len(index.pairs) == 1
    assert [(p.path.name, p.code) for p in index.problems] == [("annotations.xml", "mask-without-image")]


def test_a_project_export_finds_each_subsets_image_of_one_name(tmp_path):
    """A CVAT project exported with images keeps them in images/<subset>/: Train and Validation
    may both hold a frame_000.jpg."""
    root = tmp_path / "project"
    cvat(root, {"frame_000.jpg": "Train"})
    xml = (root / "annotations.xml").read_text()
    image = xml[xml.index("<image "):xml.index("</image>") + len("</image>")]
    other = image.replace('id="0"', 'id="1"').replace('subset="Train"', 'subset="Validation"')
    (root / "annotations.xml").write_text(xml.replace("</annotations>", f"{other}</annotations>"))
    (root / "images" / "frame_000.jpg").unlink()
    for k, subset in enumerate(("Train", "Validation")):
        photo = np.random.default_rng(k).integers(0, 256, (H, W, 3), np.uint8)
        (root / "images" / subset).mkdir()
        Image.fromarray(photo).save(root / "images" / subset / "frame_000.jpg")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert sorted((p.split, p.image.parent.name) for p in index.pairs) == [("train", "Train"), ("val", "Validation")]


def test_a_video_export_is_refused_with_the_export_to_choose(tmp_path):
    root = tmp_path / "video"
    (root / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((H, W, 3), np.uint8)).save(root / "images" / "frame_000000.png")
    (root / "annotations.xml").write_text(
        f"<annotations><version>1.1</version><meta><task><labels>{labels_xml()}</labels></task></meta>"
        '<track id="0" label="car"><polygon frame="0" outside="0" keyframe="1" points="0,0;5,0;5,5" z_order="0">'
        "</polygon></track></annotations>")
    with pytest.raises(DataError, match="a 'CVAT for video' export: .* export the task as 'CVAT for images 1.1'"):
        discover(root, cache_dir=str(tmp_path / "cache"))
