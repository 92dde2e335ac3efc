"""COCO-style JSON per image read as class-index masks: SA-1B (Segment Anything 1B) as Meta ships
it, `sa_000000/sa_<i>.jpg` + `sa_<i>.json` of class-agnostic, overlapping compressed run-length
masks, and other per-image files of COCO's shape (polygons, categories). Every painted pixel is
worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.annotations.painted_masks import compressed_runs
from seglab.errors import DataError

H, W = 20, 24  # not square: a run-length size given as [width, height] covers as many pixels


def box(rows: range, columns: range) -> np.ndarray:
    on = np.zeros((H, W), bool)
    on[rows.start:rows.stop, columns.start:columns.stop] = True
    return on


# SA-1B's masks overlap: a part inside its whole, and an object apart
PART, WHOLE, APART = box(range(2, 8), range(3, 10)), box(range(2, 12), range(3, 15)), box(range(14, 18), range(18, 23))


def photo(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def sa1b_record(i: int, masks: list[np.ndarray], size: list[int] | None = None) -> dict:
    """One image's JSON as SA-1B ships it (the fields seglab reads, and those it does not)."""
    annotations = []
    for k, on in enumerate(masks):
        ys, xs = np.nonzero(on)
        segmentation = compressed_runs(on) | ({"size": size} if size else {})
        annotations.append({"id": 10 * i + k, "segmentation": segmentation, "area": int(on.sum()),
                            "bbox": [int(xs.min()), int(ys.min()), int(np.ptp(xs) + 1), int(np.ptp(ys) + 1)],
                            "predicted_iou": 0.95, "point_coords": [[float(xs.mean()), float(ys.mean())]],
                            "crop_box": [0, 0, W, H], "stability_score": 0.97})
    return {"image": {"image_id": i, "width": W, "height": H, "file_name": f"sa_{i}.jpg"}, "annotations": annotations}


def sa1b_shard(folder: Path, records: dict[int, dict]) -> None:
    """A shard as `tar xf sa_000000.tar` leaves it: sa_<i>.jpg beside sa_<i>.json."""
    for i, record in records.items():
        photo(folder / f"sa_{i}.jpg", i)
        (folder / f"sa_{i}.json").write_text(json.dumps(record))


@pytest.mark.parametrize("shard", ["sa_000000", "."], ids=["shard-folder", "extracted-in-place"])
def test_sa1b_reads_as_background_and_the_union_of_its_objects(tmp_path: Path, shard: str) -> None:
    """SA-1B was 'no known dataset layout', and `--format coco` and `--format labelme` were refused."""
    sa1b_shard(tmp_path / "sa1b" / shard, {1: sa1b_record(1, [PART, WHOLE, APART]), 2: sa1b_record(2, [APART])})
    index = discover(tmp_path / "sa1b", cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco-per-image" and index.classes.names == ("background", "object")
    masks = {p.image.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    assert sorted(masks) == ["sa_1.jpg", "sa_2.jpg"] and not index.problems
    np.testing.assert_array_equal(masks["sa_1.jpg"], (WHOLE | APART).astype(np.int64))  # the part lies in its whole
    np.testing.assert_array_equal(masks["sa_2.jpg"], APART.astype(np.int64))


def test_a_run_length_mask_of_another_size_than_its_image_is_refused(tmp_path: Path) -> None:
    """[width, height] for [height, width]: as many pixels, so the runs fit and were painted transposed."""
    sa1b_shard(tmp_path / "sa1b", {1: sa1b_record(1, [WHOLE]), 2: sa1b_record(2, [APART], size=[W, H])})
    with pytest.raises(DataError, match=r"sa_2\.json': object 20 of image 'sa_2\.jpg' is a run-length mask of size "
                                        r"\[24, 20\] \(\[height, width\]\), but the image entry says \[20, 24\]"):
        discover(tmp_path / "sa1b", cache_dir=str(tmp_path / "cache"))


def test_per_image_files_with_categories_and_polygons_read_as_coco_files_do(tmp_path: Path) -> None:
    """A converter's per-image COCO file: polygons and run-length masks of categories named by the
    file's `categories` list; pixels two classes claim are ignored, as for a COCO file."""
    root = tmp_path / "data"
    photo(root / "images" / "a.jpg", 0)
    square = [[2, 2, 9, 2, 9, 9, 2, 9]]  # rows and columns 2..9
    car = APART | box(range(8, 9), range(8, 9))  # and one pixel inside the square
    record = {"image": {"id": 7, "file_name": "a.jpg", "height": H, "width": W},
              "annotations": [{"id": 1, "category_id": 5, "segmentation": square},
                              {"id": 2, "category_id": 3, "segmentation": compressed_runs(car)}],
              "categories": [{"id": 3, "name": "car"}, {"id": 5, "name": "person"}]}
    (root / "labels").mkdir(parents=True)
    (root / "labels" / "a.json").write_text(json.dumps(record))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "coco-per-image" and index.classes.names == ("background", "car", "person")
    expected = np.zeros((H, W), np.int64)
    expected[2:10, 2:10] = 2
    expected[APART] = 1
    expected[8, 8] = 255  # car's pixel inside the person: two classes claim it
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected)


def test_category_ids_without_a_categories_list_are_generic_classes(tmp_path: Path) -> None:
    root = tmp_path / "data"
    record = sa1b_record(1, [APART])
    record["annotations"][0]["category_id"] = 3
    sa1b_shard(root, {1: record})
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "class_3")


def test_frames_each_an_image_and_its_annotations_inside_a_list_are_no_per_image_file(tmp_path: Path) -> None:
    """VISOR's sparse annotations (`annotations/train/P01_01.json`) hold `{"video_annotations": [{"image":
    {...}, "annotations": [...]}, ...]}`: the `image` entry and `annotations` of a frame nested in a list,
    which the per-image reader took for its own and refused as needing an 'image' object at the top."""
    frame = {"image": {"image_path": "P01_01/P01_01_frame_0000000140.jpg", "name": "P01_01_frame_0000000140.jpg"},
             "annotations": [{"id": "P01_01_0_0", "name": "left hand", "segments": [[[4, 3], [14, 3], [14, 11]]]}]}
    folder = tmp_path / "visor" / "GroundTruth-SparseAnnotations"
    photo(folder / "rgb_frames" / "train" / "P01_01" / "P01_01_frame_0000000140.jpg", 0)
    (folder / "annotations" / "train").mkdir(parents=True)
    (folder / "annotations" / "train" / "P01_01.json").write_text(json.dumps({"video_annotations": [frame]}))
    with pytest.raises(DataError, match="no known dataset layout"):
        discover(tmp_path / "visor", cache_dir=str(tmp_path / "cache"))
