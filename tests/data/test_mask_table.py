"""The mask-table format: Open Images' segmentations, a CSV row per object naming its 1-bit mask
file, stored smaller than its image, as the official download and FiftyOne lay them out (small
replicas). Every painted pixel is worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 8, 12  # the images; their masks are 4x6 (half) or 3x5 (no whole ratio)
HEADER = "MaskPath,ImageID,LabelName,BoxID,BoxXMin,BoxXMax,BoxYMin,BoxYMax,PredictedIoU,Clicks".split(",")
CLASSES = [("/m/01g317", "Person"), ("/m/0bt9lr", "Dog"), ("/m/011k07", "Tortoise")]


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def image(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path, quality=95)


def mask(path: Path, shape: tuple[int, int], rows: slice, columns: slice) -> None:
    """A 1-bit mask PNG as Open Images ships them."""
    on = np.zeros(shape, bool)
    on[rows, columns] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(on).convert("1").save(path)


def row(image_id: str, label: str, box: str, extent: tuple[float, float, float, float]) -> list[object]:
    return [f"{image_id}_{label.replace('/', '')}_{box}.png", image_id, label, box, *extent, 0.9, ""]


def table(path: Path, rows: list[list[object]], header: list[str] | None = HEADER) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([header, *rows] if header else rows)


PERSON = row("aaa", "/m/01g317", "b1", (0.0, 0.67, 0.0, 1.0))
DOG = row("aaa", "/m/0bt9lr", "b2", (0.17, 0.5, 0.25, 0.75))  # on the person, listed first: drawn last
DOG_ALONE = row("ccc", "/m/0bt9lr", "b3", (0.2, 0.6, 0.3, 0.6))


def official(root: Path, masks: str = "{split}-masks") -> None:
    """Open Images V7 as downloaded: `train/`, `validation/`, the tables and masks beside them."""
    image(root / "train" / "aaa.jpg", 0)
    image(root / "validation" / "ccc.jpg", 1)
    image(root / "validation" / "ddd.jpg", 2)  # no row: Open Images masks cover part of its images
    mask(root / masks.format(split="train") / PERSON[0], (4, 6), slice(0, 4), slice(0, 4))
    mask(root / masks.format(split="train") / DOG[0], (4, 6), slice(1, 3), slice(1, 3))
    mask(root / masks.format(split="validation") / DOG_ALONE[0], (3, 5), slice(1, 2), slice(1, 3))
    table(root / "train-annotations-object-segmentation.csv", [DOG, PERSON])
    table(root / "validation-annotations-object-segmentation.csv", [DOG_ALONE])
    table(root / "oidv7-class-descriptions.csv", CLASSES, header=["LabelName", "DisplayName"])


def expected(name: str) -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    if name == "aaa":
        labels[0:8, 0:8] = 2  # the person, its 4x6 mask doubled
        labels[2:6, 2:6] = 1  # the dog over it
    else:
        labels[3:5, 2:7] = 1  # 3x5 to 8x12, each pixel's centre: rows 3-4 of mask row 1, columns 2-6 of 1-2
    return labels


def test_open_images_object_masks_are_resized_to_their_images_and_painted_larger_first(tmp_path: Path) -> None:
    official(tmp_path)
    index = discover(tmp_path)
    assert index.format == "mask-table"
    assert index.classes.names == ("background", "Dog", "Person")  # the classes the rows use, named
    assert {p.name: p.split for p in index.pairs} == {"aaa": "train", "ccc": "val"}
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected(pair.name))
    assert index.ignored == [tmp_path / "validation" / "ddd.jpg"]
    assert "named by oidv7-class-descriptions.csv" in index.pairing[0]
    assert "1 images have no row in the tables: left out" in index.pairing[0]


def test_a_read_looks_for_the_class_descriptions_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The description CSVs beside the tables (each opened to tell a two-column one) were looked
    for twice in a read: to name the classes and to list the files it read."""
    from seglab.data.annotations import mask_table

    official(tmp_path)
    looked = []
    real = mask_table._description_files
    monkeypatch.setattr(mask_table, "_description_files", lambda *a: looked.append(a) or real(*a))
    index = mask_table.MaskTableFormat().read(tmp_path, None)
    assert len(looked) == 1 and index.classes.names == ("background", "Dog", "Person")
    assert "named by oidv7-class-descriptions.csv" in index.pairing[0]


def test_open_images_zip_shards_unpacked_and_a_table_as_data(tmp_path: Path) -> None:
    official(tmp_path, masks="{split}-masks-a")
    index = discover(tmp_path / "validation-annotations-object-segmentation.csv")
    assert [p.name for p in index.pairs] == ["ccc"]
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected("ccc"))


def test_fiftyone_download_of_open_images_v7(tmp_path: Path) -> None:
    """FiftyOne's zoo layout: `<split>/data/`, `<split>/labels/segmentations.csv` and
    `labels/masks/<first character>/`, the class names in `<split>/metadata/classes.csv` (no header)."""
    for split, rows, seed in (("train", [DOG, PERSON], 0), ("validation", [DOG_ALONE], 1)):
        table(tmp_path / split / "labels" / "segmentations.csv", rows)
        table(tmp_path / split / "labels" / "detections.csv", [["aaa", "xclick", "/m/01g317", 1]],
              header=["ImageID", "Source", "LabelName", "Confidence"])
        table(tmp_path / split / "metadata" / "classes.csv", CLASSES[:2], header=None)
        table(tmp_path / split / "metadata" / "segmentation_classes.csv", [[c] for c, _ in CLASSES], header=None)
        image(tmp_path / split / "data" / f"{rows[0][1]}.jpg", seed)
    masks = tmp_path / "train" / "labels" / "masks" / "A"
    mask(masks / PERSON[0], (4, 6), slice(0, 4), slice(0, 4))
    mask(masks / DOG[0], (4, 6), slice(1, 3), slice(1, 3))
    mask(tmp_path / "validation" / "labels" / "masks" / "C" / DOG_ALONE[0], (3, 5), slice(1, 2), slice(1, 3))
    index = discover(tmp_path)
    assert index.format == "mask-table" and index.classes.names == ("background", "Dog", "Person")
    assert {p.name: p.split for p in index.pairs} == {"aaa": "train", "ccc": "val"}
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected(pair.name))


def test_an_image_with_a_mask_file_missing_is_left_out_and_none_found_is_refused(tmp_path: Path) -> None:
    official(tmp_path)
    (tmp_path / "train-masks" / DOG[0]).unlink()
    index = discover(tmp_path)
    assert [p.name for p in index.pairs] == ["ccc"]  # painting aaa without its dog would call it person
    assert f"1 images have a mask file missing (first: '{DOG[0]}'): left out" in index.pairing[0]
    for path in (tmp_path / "validation-masks").iterdir():
        path.unlink()
    with pytest.raises(DataError, match="no mask file that .* lists is under .* unpack the masks' zip files"):
        discover(tmp_path / "validation-annotations-object-segmentation.csv")
