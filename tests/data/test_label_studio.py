"""Label Studio's JSON export beside the images, painted into class-index masks: brushes (its
bit-packed run-length RGBA), polygons, rectangles and ellipses in percent, later over earlier;
the ground-truth annotation; images found from upload, local-files and URL paths. Brushes are
encoded as thi.ng's rle-pack (which Label Studio uses) writes them; pixels are worked out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.annotations.label_studio import brush_pixels
from seglab.errors import DataError

H, W = 20, 40  # 1 % is 0.4 pixel across and 0.2 down


def brush_rle(values: np.ndarray, literal_first: int = 0, word: int = 8) -> list[int]:
    """rle-pack's stream: count, word size, run-length sizes (3, 4, 8, 16), then an optional
    literal block of the first values and runs of 16-bit lengths."""
    bits = []

    def write(value: int, size: int) -> None:
        bits.append(format(value, f"0{size}b"))

    write(len(values), 32)
    write(word - 1, 5)
    for size in (3, 4, 8, 16):
        write(size - 1, 4)
    i = 0
    if literal_first:
        write(0, 1), write(0, 2), write(literal_first - 1, 3)
        for v in values[:literal_first]:
            write(int(v), word)
        i = literal_first
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i] and j - i < 1 << 16:
            j += 1
        write(1, 1), write(3, 2), write(j - i - 1, 16), write(int(values[i]), word)
        i = j
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return [int(text[k:k + 8], 2) for k in range(0, len(text), 8)]


def brush(label: str, on: np.ndarray, **more) -> dict:
    return {"original_width": W, "original_height": H, "image_rotation": 0, "from_name": "tag", "to_name": "image",
            "type": "brushlabels", "origin": "manual",
            "value": {"format": "rle", "rle": brush_rle(np.repeat(on.ravel().astype(np.uint8) * 255, 4), **more),
                      "brushlabels": [label]}}


def polygon(label: str, points: list[list[float]]) -> dict:
    return {"original_width": W, "original_height": H, "type": "polygonlabels",
            "value": {"points": points, "closed": True, "polygonlabels": [label]}}


def rectangle(label: str, x: float, y: float, width: float, height: float, rotation: float = 0) -> dict:
    return {"original_width": W, "original_height": H, "type": "rectanglelabels",
            "value": {"x": x, "y": y, "width": width, "height": height, "rotation": rotation, "rectanglelabels": [label]}}


SPOT = np.zeros((H, W), bool)
SPOT[0:5, 30:36] = True
RESULTS = [
    polygon("road", [[0, 50], [97.5, 50], [97.5, 95], [0, 95]]),  # columns 0-39, rows 10-19
    rectangle("sign", 25, 10, 7.5, 20),  # (10, 2) to (13, 6)
    brush("car", SPOT),
    rectangle("car", 5, 45, 5, 15),  # (2, 9) to (4, 12): over the road
    {"type": "keypointlabels", "value": {"x": 50, "y": 50, "width": 1, "keypointlabels": ["car"]}},  # no area
]


def expected(value: dict[str, int]) -> np.ndarray:
    truth = np.zeros((H, W), np.int64)
    truth[10:20, :] = value["road"]
    truth[2:7, 10:14] = value["sign"]
    truth[SPOT] = value["car"]
    truth[9:13, 2:5] = value["car"]
    return truth


def task(image: str, results: list[dict] | None, **more) -> dict:
    annotations = [] if results is None else [{"id": 1, "was_cancelled": False, "ground_truth": False, "result": results}]
    return {"id": 1, "annotations": annotations, "drafts": [], "predictions": [], "data": {"image": image}, **more}


def photo(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), np.uint8)).save(path)


def export(root: Path, tasks: list[dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "project-1-at-2026-12-06-02-40-8f3a2b1c.json"
    path.write_text(json.dumps(tasks))
    return path


def test_an_export_is_painted_in_order_and_its_images_found_from_their_paths(tmp_path, caplog):
    root = tmp_path / "project"
    photo(root / "images" / "a.jpg", 1)  # uploaded: Label Studio calls it 8f3a2b1c-a.jpg
    photo(root / "photos" / "b.jpg", 2)  # local files storage
    photo(root / "images" / "c.png", 3)  # a URL
    photo(root / "images" / "d.jpg", 4)  # not annotated yet
    wrong = [polygon("road", [[0, 0], [50, 0], [50, 50]])]
    export(root, [
        task("/data/upload/1/8f3a2b1c-a.jpg", RESULTS),
        task("/data/local-files/?d=photos%2Fb.jpg", RESULTS),
        {**task("https://bucket.example/images/c.png", wrong),
         "annotations": [{"was_cancelled": True, "result": wrong}, {"ground_truth": False, "result": wrong},
                         {"ground_truth": True, "result": RESULTS}]},
        task("/data/upload/1/0badcafe-d.jpg", None),
    ])
    caplog.set_level("INFO")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "label-studio" and len(index.pairs) == 3
    assert index.classes.names == ("background", "car", "road", "sign")  # the export names no order: sorted
    assert [(p.path.name, p.code) for p in index.problems] == [("d.jpg", "image-without-mask")]
    assert "1 results without area left out" not in index.pairing[0] and "3 results without area" in index.pairing[0]
    assert "1 tasks with several annotations" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected({"car": 1, "road": 2, "sign": 3}),
                                      err_msg=pair.name)


def test_turned_rectangles_turn_about_their_top_left_corner(tmp_path):
    root = tmp_path / "project"
    photo(root / "a.jpg", 1)
    export(root, [task("/data/upload/1/a.jpg", [rectangle("sign", 25, 10, 7.5, 20, rotation=90),
                                                polygon("road", [[90, 90], [97.5, 90], [97.5, 95]])])])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    mask = read_mask(index.pairs[0].mask, index.mapping)
    truth = np.zeros((H, W), bool)
    truth[2:6, 6:11] = True  # 3 wide and 4 high from (10, 2), turned clockwise: columns 6-10, rows 2-5
    np.testing.assert_array_equal(mask == 2, truth)


def test_a_literal_block_and_the_half_alpha_rule_decode(tmp_path):
    values = np.array([0, 0, 0, 127, 0, 0, 0, 128] + [0, 0, 0, 255] * 2, np.uint8)  # 2x2 RGBA pixels
    np.testing.assert_array_equal(brush_pixels(brush_rle(values, literal_first=6), 2, 2), [[False, True], [True, True]])


@pytest.mark.parametrize(("rle", "why"), [
    ("not bytes", "no list of bytes"),
    ([1, 2, 300], "no list of bytes"),
    (brush_rle(np.zeros(4 * 10, np.uint8)), "holds 40 values, not the 3200 of a 40x20 image"),
    (brush_rle(np.zeros(4 * H * W, np.uint8))[:-3], "runs end early"),
    (brush_rle(np.zeros(4 * H * W, np.uint8), word=12), "values have 12 bits"),
], ids=["text", "not-bytes", "wrong-size", "short", "wide-words"])
def test_a_brush_that_cannot_be_drawn_is_named(tmp_path, rle, why):
    root = tmp_path / "project"
    photo(root / "a.jpg", 1)
    result = brush("car", SPOT)
    result["value"]["rle"] = rle
    export(root, [task("a.jpg", [result])])
    with pytest.raises(DataError, match=rf"8f3a2b1c\.json': task 1, result 1 \('car', brushlabels\) cannot be drawn: .*{why}"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_detection_project_is_refused(tmp_path):
    root = tmp_path / "project"
    photo(root / "a.jpg", 1)
    export(root, [task("a.jpg", [rectangle("sign", 1, 1, 5, 5)])])
    with pytest.raises(DataError, match="its 1 results are all rectangles: a detection project"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_multilabel_keeps_the_car_on_its_road(tmp_path):
    from seglab.labelsets import unpack_numpy

    root = tmp_path / "project"
    photo(root / "a.jpg", 1)
    export(root, [task("a.jpg", RESULTS)])
    index = discover(root, task="multilabel", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("car", "road", "sign")
    car, road, sign = unpack_numpy(read_mask(index.pairs[0].masks, index.mapping), 3)
    assert road[10:20].all() and not road[:10].any() and car[9:13, 2:5].all() and sign.sum() == 20


@pytest.mark.parametrize("merge_masks", [False, True])
def test_the_brush_labels_to_png_export_is_refused_with_the_json_route(tmp_path, merge_masks):
    """"Brush labels to PNG" names a mask per brush region by task and annotation, which no file
    name ties to an image: the refusal offers the JSON export, and never --merge-masks again."""
    root = tmp_path / "project"
    (root / "masks").mkdir(parents=True)
    for number in range(3):
        photo(root / "images" / f"8f3a2b1{number}-frame_{number:03d}.jpg", number)
        for tag in ("Car-0", "Car-1", "Road-0"):
            Image.fromarray(np.zeros((H, W), np.uint8)).save(
                root / "masks" / f"task-{11 + number}-annotation-{20 + number}-by-1-tag-{tag}.png")
    with pytest.raises(DataError, match=r"Label Studio's \"Brush labels to PNG\" export \(9 files such as '.*"
                                        r"task-11-annotation-20-by-1-tag-Car-0.png'\).*export the project as \"JSON\"") as err:
        discover(root, merge_masks=merge_masks, cache_dir=str(tmp_path / "cache"))
    assert "--merge-masks" not in str(err.value)
    with pytest.raises(DataError, match=r"(?s)no known dataset layout.*Label Studio's \"Brush labels to PNG\" export"):
        discover(root / "masks", cache_dir=str(tmp_path / "cache"))  # the export's folder alone
