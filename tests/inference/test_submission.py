"""`seglab predict --rle-csv`: predicted masks as the run-length table Kaggle scores, checked by
decoding every row back onto the mask files predict wrote."""

from __future__ import annotations

import csv
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask, read_raw_mask, write_mask_png
from seglab.data.classes import ClassSpec
from seglab.data.files.rle import decode
from seglab.errors import ConfigError
from seglab.inference.files import WrittenPrediction
from seglab.inference.submission import foreground_labels, write_rle_table


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def predictions(folder: Path, labels: list[np.ndarray]) -> list[WrittenPrediction]:
    written = []
    for i, label in enumerate(labels):
        source = folder / f"img{i}.jpg"
        Image.fromarray(np.full((*label.shape, 3), 90, np.uint8)).save(source)
        mask = folder / f"img{i}_mask.png"
        write_mask_png(mask, label, ((0, 0, 0), (255, 0, 0), (0, 255, 0)))
        written.append(WrittenPrediction(source, mask, folder / "unused.png", None))
    return written


def test_a_row_per_image_and_class_that_decodes_back(tmp_path: Path) -> None:
    labels = [np.array([[0, 1, 1], [2, 2, 0]]), np.zeros((2, 3), np.int64)]
    classes = ClassSpec(("background", "scratch", "dent"))
    count = write_rle_table(predictions(tmp_path, labels), tmp_path / "out.csv", classes, multilabel=False)
    rows = rows_of(tmp_path / "out.csv")
    assert count == 4 and list(rows[0]) == ["ImageId", "ClassId", "EncodedPixels"]
    assert [(r["ImageId"], r["ClassId"]) for r in rows] == [("img0.jpg", "1"), ("img0.jpg", "2"),
                                                            ("img1.jpg", "1"), ("img1.jpg", "2")]
    assert rows[0]["EncodedPixels"] == "3 1 5 1"  # column-major: (0,1) is pixel 3, (0,2) pixel 5, by hand
    for row in rows:
        label = labels[int(row["ImageId"][3])]
        assert np.array_equal(decode(row["EncodedPixels"], label.shape), label == int(row["ClassId"]))
    assert rows[2]["EncodedPixels"] == ""  # an empty mask is an empty cell


def test_one_foreground_class_two_columns_row_order_and_stems(tmp_path: Path) -> None:
    labels = [np.array([[0, 1, 1], [1, 0, 0]])]
    write_rle_table(predictions(tmp_path, labels), tmp_path / "out.csv", ClassSpec(("background", "salt")),
                    multilabel=False, order="row", ids="stem")
    assert rows_of(tmp_path / "out.csv") == [{"ImageId": "img0", "EncodedPixels": "2 3"}]  # row-major: 2, 3, 4


def test_a_one_class_multilabel_model_writes_rows_of_its_two_columns(tmp_path: Path) -> None:
    """A single sigmoid (multi-label, one class) got the two-column header but rows of three cells."""
    source = tmp_path / "a.jpg"
    Image.fromarray(np.zeros((2, 3, 3), np.uint8)).save(source)
    Image.fromarray(np.array([[255, 255, 0], [0, 0, 0]], np.uint8)).save(tmp_path / "a_ship.png")
    written = [WrittenPrediction(source, tmp_path / "a_ship.png", tmp_path / "o.png", None, (tmp_path / "a_ship.png",))]
    write_rle_table(written, tmp_path / "out.csv", ClassSpec(("ship",)), multilabel=True)
    assert (tmp_path / "out.csv").read_text().splitlines() == ["ImageId,EncodedPixels", "a.jpg,1 1 3 1"]


def test_a_multilabel_model_names_its_classes(tmp_path: Path) -> None:
    # Understanding Clouds: a row per image and class, the class by name, the regions overlapping
    source = tmp_path / "0011165.jpg"
    Image.fromarray(np.zeros((2, 3, 3), np.uint8)).save(source)
    fish, sugar = np.array([[255, 255, 0], [0, 0, 0]], np.uint8), np.array([[0, 255, 255], [0, 0, 0]], np.uint8)
    for name, plane in (("Fish", fish), ("Sugar", sugar)):
        Image.fromarray(plane).save(tmp_path / f"0011165_{name}.png")
    written = [WrittenPrediction(source, tmp_path / "0011165_Fish.png", tmp_path / "o.png", None,
                                 (tmp_path / "0011165_Fish.png", tmp_path / "0011165_Sugar.png"))]
    write_rle_table(written, tmp_path / "out.csv", ClassSpec(("Fish", "Sugar")), multilabel=True)
    assert rows_of(tmp_path / "out.csv") == [
        {"ImageId": "0011165.jpg", "ClassId": "Fish", "EncodedPixels": "1 1 3 1"},  # (0,0), (0,1): pixels 1, 3
        {"ImageId": "0011165.jpg", "ClassId": "Sugar", "EncodedPixels": "3 1 5 1"},
    ]


def test_objects_get_a_row_each(tmp_path: Path) -> None:
    # Airbus scores ships: two boxes (one touching the other only at a corner is the same ship)
    label = np.zeros((4, 6), np.int64)
    label[0:2, 0:2] = 1
    label[2, 2] = 1  # diagonal neighbour of (1, 1): 8-connected, so the same object
    label[0:3, 4:6] = 1
    written = predictions(tmp_path, [label, np.zeros((4, 6), np.int64)])
    write_rle_table(written, tmp_path / "out.csv", ClassSpec(("background", "ship")), multilabel=False, objects=True)
    rows = rows_of(tmp_path / "out.csv")
    assert [r["ImageId"] for r in rows] == ["img0.jpg", "img0.jpg", "img1.jpg"]
    first, second = (decode(r["EncodedPixels"], label.shape) for r in rows[:2])
    assert first.sum() == 5 and second.sum() == 6 and np.array_equal(first + second, label)
    assert rows[2]["EncodedPixels"] == ""  # an image without ships keeps its one empty row


def test_unknown_choices_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--rle-order column or row"):
        write_rle_table([], tmp_path / "x.csv", ClassSpec(("a", "b")), False, order="diagonal")


def test_the_table_reads_back_as_a_dataset(tmp_path: Path) -> None:
    # what predict writes is what seglab reads: the table beside its images is an rle-table dataset
    labels = [np.array([[0, 1, 1, 0], [2, 2, 0, 0], [0, 0, 0, 1]]) for _ in range(2)]
    labels[1] = labels[1][::-1].copy()
    write_rle_table(predictions(tmp_path, labels), tmp_path / "predicted.csv",
                    ClassSpec(("background", "scratch", "dent")), multilabel=False)
    for extra in tmp_path.glob("img*_mask.png"):
        extra.unlink()  # mask files beside would be read instead of the table
    index = discover(tmp_path / "predicted.csv", rle_order="column")
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), labels[int(pair.name[3])])


def test_predict_writes_it(trained_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = sorted((trained_run.parent / "data" / "images").glob("*.png"))[:3]
    out = tmp_path / "predictions"
    argv = ["predict", str(trained_run), *map(str, images), "--out", str(out), "--rle-csv", str(tmp_path / "sub.csv")]
    assert main(argv) == 0
    assert "run-length rows (column-major)" in capsys.readouterr().out
    rows = rows_of(tmp_path / "sub.csv")
    assert len(rows) == 3 * 3  # 4 classes, one of them the background
    for row in rows:
        mask = read_raw_mask(out / f"{Path(row['ImageId']).stem}_mask.png")
        assert np.array_equal(decode(row["EncodedPixels"], mask.shape), mask == int(row["ClassId"]))


@pytest.mark.parametrize(("names", "background", "kept"), [
    (("road", "sidewalk", "car"), 2, [0, 1, 2]),  # named classes, none a background: the most common is still a class
    (("sky", "background", "car"), 0, [0, 2]),  # the class named so, whatever training stored as most common
    (("class_0", "class_1"), 1, [1]),  # 0/1 masks nothing named: 0 is the background
    (("class_0", "class_1", "class_2"), 0, [1, 2]),  # 0 the most common of classes nothing named
    (("class_0", "class_1", "class_2"), 2, [0, 1, 2]),  # MaSTr1325's 0 obstacles beside water and sky
    (("#ffffff", "#141414", "#42a6f6"), 0, [1, 2]),  # colour classes: white on the most pixels first (Rico)
], ids=["named, no background", "named background", "unnamed", "unnamed, 0 most common", "unnamed, 0 rarer",
        "colours"])
def test_rows_leave_out_the_named_background_not_the_most_common_class(names, background, kept):
    """Training stores the most common class as `background` (drawn faint in overlays) where no
    class is named so; a Hugging Face imagefolder run's `vehicle-car` got no rows. Of classes
    nothing named, class 0 was the background whatever the data said: a rarer class 0 got no rows,
    and colour classes' background got rows."""
    colours = [tuple(int(name[i:i + 2], 16) for i in (1, 3, 5)) for name in names] if names[0][0] == "#" else ()
    assert foreground_labels(ClassSpec(names, colours=colours, background=background), multilabel=False) == kept


def test_an_image_named_by_bytes_not_utf8_is_listed_by_those_bytes(tmp_path: Path) -> None:
    """`b"\\xff0.jpg"` (held as a lone surrogate) stopped the table's writing (UnicodeEncodeError)."""
    written = predictions(tmp_path, [np.array([[0, 1]])])
    source = written[0].source.rename(tmp_path / os.fsdecode(b"\xff0.jpg"))
    write_rle_table([replace(written[0], source=source)], tmp_path / "out.csv", ClassSpec(("background", "salt")),
                    multilabel=False)
    assert (tmp_path / "out.csv").read_bytes().splitlines()[1] == b"\xff0.jpg,2 1"
