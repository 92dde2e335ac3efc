"""The rle-table format: Kaggle's run-length CSVs beside their image folders, in the layouts the
competitions ship (small replicas: Severstal, Airbus, Understanding Clouds, Sartorius, UW-Madison
GI Tract, TGS Salt, iMaterialist Fashion), read without converting anything."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from seglab.cli import main
from seglab.config import DEFAULT_MAX_PIXELS
from seglab.data import discover, read_mask, set_max_pixels
from seglab.data.layouts.multilabel import ClassFilesMapping
from seglab.data.files.rle import encode
from seglab.errors import ConfigError, DataError
from seglab.labelsets import unpack_numpy

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def ellipse(shape: tuple[int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h, w = shape
    cy, cx = rng.integers(h // 4, 3 * h // 4), rng.integers(w // 4, 3 * w // 4)
    ry, rx = rng.integers(3, max(4, h // 4)), rng.integers(3, max(4, w // 4))
    yy, xx = np.mgrid[:h, :w]
    return (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1).astype(np.uint8)


def table(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


SEVERSTAL = (20, 96)  # 256x1600 steel strips, scaled down


def severstal(root: Path) -> dict[str, np.ndarray]:
    """train.csv lists defects only (ImageId,ClassId,EncodedPixels); defect-free images have no row."""
    expected, rows = {}, []
    for i in range(6):
        name = f"{i:04x}cc93b.jpg"
        save(root / "train_images" / name, photo(i, SEVERSTAL))
        label = np.zeros(SEVERSTAL, np.uint8)
        for class_id in ((1, 3) if i % 3 == 0 else (2,) if i % 3 == 1 else ()):
            blob = ellipse(SEVERSTAL, 10 * i + class_id)
            label[blob == 1] = class_id
            rows.append([name, class_id, encode(blob, "column")])
        expected[name] = label
    save(root / "test_images" / "t0.jpg", photo(9, SEVERSTAL))
    table(root / "train.csv", ["ImageId", "ClassId", "EncodedPixels"], rows)
    table(root / "sample_submission.csv", ["ImageId", "EncodedPixels", "ClassId"], [["t0.jpg", "1 1", 1]])
    return expected


def test_severstal_classes_background_and_unlabelled(tmp_path: Path) -> None:
    root = tmp_path / "severstal-steel-defect-detection"
    expected = severstal(root)
    index = discover(root)
    assert index.format == "rle-table"
    assert index.classes is not None and index.classes.names == ("background", "class_1", "class_2", "class_3")
    assert sorted(p.image.name for p in index.pairs) == sorted(expected)  # rows or not, every training image
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.image.name]), pair.name
        assert pair.sources == dict.fromkeys(pair.masks, f"decoded from '{root / 'train.csv'}' for image "
                                                         f"'{pair.image}'")
    assert [p.name for p in index.unlabelled] == ["t0.jpg"]  # test_images/: no row, a test folder
    assert "pixel order column-major (only this order draws coherent shapes" in index.pairing[0]
    assert "2 images without a row read as all background" in index.pairing[1]


def test_images_without_a_ship_share_a_blank_mask_but_no_group(tmp_path: Path) -> None:
    """Airbus' empty rows (most images show no ship) decode to one blank mask per size: it says
    nothing of a scene, so they are no subject that a split keeps in one part."""
    root, rows = tmp_path / "airbus", []
    for i in range(10):
        name = f"{i:05x}e153.jpg"
        save(root / "train_v2" / name, photo(i, (24, 32)))
        rows.append([name, encode(ellipse((24, 32), i), "column") if i < 3 else ""])
    table(root / "train_ship_segmentations_v2.csv", ["ImageId", "EncodedPixels"], rows)
    index = discover(root)
    blanks = [p for p in index.pairs if not read_mask(p.masks, index.mapping).any()]
    assert len(blanks) == 7 and len({p.mask for p in blanks}) == 1
    assert {p.group for p in index.pairs} == {None}


def test_the_data_path_may_be_the_table(tmp_path: Path) -> None:
    severstal(tmp_path / "s")
    index = discover(tmp_path / "s" / "train.csv")
    assert index.format == "rle-table" and len(index.pairs) == 6


def test_airbus_rows_per_ship_are_one_mask_and_square_images_say_so(tmp_path: Path) -> None:
    root, rows, expected = tmp_path / "airbus", [], {}
    for i in range(4):
        name = f"{i:05x}e153.jpg"
        save(root / "train_v2" / name, photo(i, (24, 24)))
        ships = [ellipse((24, 24), 7 * i + k) for k in range(i % 3)]
        rows += [[name, encode(ship, "column")] for ship in ships] or [[name, ""]]
        expected[name] = np.maximum.reduce(ships) if ships else np.zeros((24, 24), np.uint8)
    table(root / "train_ship_segmentations_v2.csv", ["ImageId", "EncodedPixels"], rows)
    index = discover(root)
    assert index.classes is not None and index.classes.names == ("background", "object")
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.image.name])
    assert "square images cannot tell the orders apart: pass --rle-order row" in index.pairing[0]


def test_tianchi_tab_separated_table_without_a_header(tmp_path: Path) -> None:
    """Tianchi's building masks: `train_mask.csv` is `<name>.jpg<TAB><rle>` a line with no header,
    an empty cell for an image without buildings; its sample submission and test_a/ beside it.
    It was no table (its first row read as a header of a comma table), and as a manifest its row
    was shown as the columns' names."""
    root, rows, expected = tmp_path / "tianchi", [], {}
    for i in range(4):
        name = f"Y2A3QSWK{i}B.jpg"
        save(root / "train" / name, photo(i, (24, 24)))
        mask = ellipse((24, 24), i) if i != 3 else np.zeros((24, 24), np.uint8)
        rows.append(f"{name}\t{encode(mask, 'column') if mask.any() else ''}\n")
        expected[name] = mask
    (root / "train_mask.csv").write_text("".join(rows))
    save(root / "test_a" / "8YXQ8HMXXD.jpg", photo(9, (24, 24)))
    (root / "test_a_samplesubmit.csv").write_text("8YXQ8HMXXD.jpg\t1 2\n")
    for data in (root, root / "train_mask.csv"):
        index = discover(data)
        assert index.format == "rle-table" and index.classes is not None
        assert index.classes.names == ("background", "object")
        assert sorted(p.image.name for p in index.pairs) == sorted(expected)  # the empty cell: all background
        for pair in index.pairs:
            assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.image.name]), pair.name
        assert [p.name for p in index.unlabelled] == ["8YXQ8HMXXD.jpg"]
    with pytest.raises(DataError, match="has no header: its first line names files, so it is a row"):
        discover(root / "train_mask.csv", format="manifest")


def sartorius(root: Path) -> dict[str, np.ndarray]:
    """A row per cell, numbered left to right then top to bottom; cell_type is no class."""
    expected, rows = {}, []
    for i in range(3):
        name = f"{i:012x}"
        save(root / "train" / f"{name}.png", photo(i, (26, 35))[..., 0])
        cells = [ellipse((26, 35), 5 * i + k) for k in range(3)]
        rows += [[name, encode(cell, "row"), 35, 26, "shsy5y"] for cell in cells]
        expected[name] = np.maximum.reduce(cells)
    table(root / "train.csv", ["id", "annotation", "width", "height", "cell_type"], rows)
    return expected


def test_row_major_tables_are_recognised(tmp_path: Path) -> None:
    expected = sartorius(tmp_path / "sartorius")
    index = discover(tmp_path / "sartorius")
    assert "pixel order row-major" in index.pairing[0]
    assert index.classes is not None and index.classes.num_classes == 2
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.name])


def test_a_given_order_is_used(tmp_path: Path) -> None:
    expected = sartorius(tmp_path / "sartorius")
    index = discover(tmp_path / "sartorius", rle_order="column")
    assert "pixel order column-major (as asked)" in index.pairing[0]
    assert not any(np.array_equal(read_mask(p.masks, index.mapping), expected[p.name]) for p in index.pairs)
    with pytest.raises(ConfigError, match="data.rle_order must be one of auto, column, row"):
        discover(tmp_path / "sartorius", rle_order="diagonal")


def clouds(root: Path) -> dict[str, np.ndarray]:
    """Image and class in one cell (`0011165.jpg_Fish`); the four cloud classes overlap."""
    channels = {}
    rows = []
    for i in range(3):
        name = f"{i:07d}.jpg"
        save(root / "train_images" / name, photo(i, (28, 42)))
        planes = []
        for k, label in enumerate(("Fish", "Flower", "Gravel", "Sugar")):
            plane = ellipse((28, 42), 4 * i + k) if (i + k) % 2 == 0 else np.zeros((28, 42), np.uint8)
            rows.append([f"{name}_{label}", encode(plane, "column") if plane.any() else ""])
            planes.append(plane)
        channels[name] = np.stack(planes).astype(bool)
    table(root / "train.csv", ["Image_Label", "EncodedPixels"], rows)
    return channels


def test_overlapping_classes_are_warned_and_read_as_channels_with_multilabel(tmp_path: Path) -> None:
    channels = clouds(tmp_path / "clouds")
    index = discover(tmp_path / "clouds")
    assert index.classes is not None and index.classes.names == ("background", "Fish", "Flower", "Gravel", "Sugar")
    overlapping = {p.path.name for p in index.problems if p.code == "overlapping-classes"}
    overlaps = {name for name, c in channels.items() if (c.sum(axis=0) > 1).any()}
    assert overlaps and overlapping == overlaps

    index = discover(tmp_path / "clouds", task="multilabel")
    assert isinstance(index.mapping, ClassFilesMapping)
    assert index.classes is not None and index.classes.names == ("Fish", "Flower", "Gravel", "Sugar")
    assert not [p for p in index.problems if p.code == "overlapping-classes"]
    for pair in index.pairs:
        bits = read_mask(pair.masks, index.mapping)
        assert np.array_equal(unpack_numpy(bits, 4), channels[pair.image.name]), pair.name


FASHION = ("shirt, blouse", "top, t-shirt, sweatshirt", "sweater", "cardigan", "jacket", "vest")  # 46 in all


def imaterialist(root: Path, attributes_column: bool = False) -> dict[str, np.ndarray]:
    """train.csv (ImageId,EncodedPixels,Height,Width,ClassId) with a row per garment; ClassId is
    `4` or `4_115_136` (2019: the class, then attribute ids) or the class alone beside an
    AttributesIds column (2020); label_descriptions.json lists the categories from id 0."""
    (root / "label_descriptions.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "label_descriptions.json").write_text(json.dumps({
        "info": {"year": 2019}, "categories": [{"id": i, "name": n, "level": 2} for i, n in enumerate(FASHION)],
        "attributes": [{"id": i, "name": f"attribute {i}", "level": 1} for i in range(140)]}))
    expected, rows = {}, []
    for i in range(4):
        name = f"{i:032x}.jpg"
        save(root / "train" / name, photo(i, (30, 20)))
        label = np.zeros((30, 20), np.uint8)
        for class_id in (0, 4) if i % 2 else (4,):  # shirt, blouse is id 0: a class, not background
            blob = ellipse((30, 20), 5 * i + class_id)
            label[blob == 1] = class_id + 1
            tail = "_115_136" if class_id == 4 and i % 3 == 0 else ""
            cells = [class_id, tail.strip("_").replace("_", ",")] if attributes_column else [f"{class_id}{tail}"]
            rows.append([name, encode(blob, "column"), 30, 20, *cells])
        expected[name] = label
    save(root / "test" / "t0.jpg", photo(9, (30, 20)))
    table(root / "train.csv", ["ImageId", "EncodedPixels", "Height", "Width", "ClassId"]
          + (["AttributesIds"] if attributes_column else []), rows)
    table(root / "sample_submission.csv", ["ImageId", "EncodedPixels", "ClassId"], [["t0.jpg", "1 1", 23]])
    return expected


@pytest.mark.parametrize("attributes_column", [False, True], ids=["fgvc6-2019", "fgvc7-2020"])
def test_imaterialist_classes_are_the_first_number_named_by_the_categories(tmp_path: Path,
                                                                          attributes_column: bool) -> None:
    expected = imaterialist(tmp_path / "imaterialist", attributes_column)
    index = discover(tmp_path / "imaterialist")
    assert index.classes is not None and index.classes.names == ("background", *FASHION)
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.image.name]), pair.name
    assert [p.name for p in index.unlabelled] == ["t0.jpg"]
    assert "names from label_descriptions.json" in index.pairing[-1]
    assert ("'4_115_136' is class 4" in index.pairing[-1]) is not attributes_column


def test_numbered_classes_from_0_keep_background_without_a_categories_file(tmp_path: Path) -> None:
    expected = imaterialist(tmp_path / "imaterialist")
    (tmp_path / "imaterialist" / "label_descriptions.json").unlink()
    index = discover(tmp_path / "imaterialist")
    assert index.classes is not None
    assert index.classes.names == ("background", "class_0", "class_1", "class_2", "class_3", "class_4")
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.image.name]), pair.name


def test_multilabel_needs_a_class_column(tmp_path: Path) -> None:
    sartorius(tmp_path / "sartorius")
    with pytest.raises(ConfigError, match="has no class column"):
        discover(tmp_path / "sartorius", task="multilabel")


def test_uw_madison_ids_join_a_folder_and_the_start_of_the_name(tmp_path: Path) -> None:
    root, rows, expected = tmp_path / "uw-madison-gi-tract-image-segmentation", [], {}
    for case, (h, w) in ((12, (31, 36)), (40, (27, 27))):
        for day in (1, 5):
            for s in (1, 2):
                scans = root / "train" / f"case{case}" / f"case{case}_day{day}" / "scans"
                save(scans / f"slice_{s:04d}_{w}_{h}_1.50_1.50.png", photo(s, (h, w))[..., 0])
                key = f"case{case}_day{day}_slice_{s:04d}"
                label = np.zeros((h, w), np.uint8)
                for value, organ in enumerate(("large_bowel", "small_bowel", "stomach"), start=1):
                    blob = ellipse((h, w), case + day + s + value) if (s + value) % 2 else np.zeros((h, w), np.uint8)
                    label[blob == 1] = value
                    rows.append([key, organ, encode(blob, "row") if blob.any() else ""])
                expected[key] = label
    table(root / "train.csv", ["id", "class", "segmentation"], rows)
    index = discover(root)
    assert sorted(p.name for p in index.pairs) == sorted(expected)  # named by their ids, not 'slice_0001_...'
    assert {p.group for p in index.pairs} == {"case12", "case40"}  # a patient's days stay in one split
    assert "ids are a folder name joined to the start of the file name" in index.pairing[0]
    assert "pixel order row-major" in index.pairing[0]  # told by the 31x36 scans
    for pair in index.pairs:
        assert np.array_equal(read_mask(pair.masks, index.mapping), expected[pair.name]), pair.name


def test_datasets_shipping_mask_files_too_are_read_from_them(tmp_path: Path) -> None:
    # TGS Salt ships train/images + train/masks beside train.csv: the files win, the table is ignored
    root = tmp_path / "tgs"
    rows = []
    for i in range(3):
        save(root / "train" / "images" / f"{i:010x}.png", photo(i, (21, 21))[..., 0])
        mask = ellipse((21, 21), i)
        save(root / "train" / "masks" / f"{i:010x}.png", mask * 255)
        rows.append([f"{i:010x}", encode(mask, "column")])
    table(root / "train.csv", ["id", "rle_mask"], rows)
    table(root / "depths.csv", ["id", "z"], [[r[0], 500] for r in rows])
    assert discover(root).format == "folder-pairs"
    index = discover(root / "train.csv")  # unless the table is named
    assert index.format == "rle-table" and len(index.pairs) == 3


def test_cells_of_megabytes_are_read(tmp_path: Path) -> None:
    # HuBMAP's kidney scans are 30,000 px wide: one mask cell is megabytes, beyond csv's 128 KiB default
    root = tmp_path / "hubmap-kidney-segmentation"
    save(root / "train" / "aa05346ff.png", photo(0, (300, 400)))
    mask = (np.random.default_rng(0).random((300, 400)) > 0.5).astype(np.uint8)
    text = encode(mask, "column")
    assert len(text) > 200_000
    table(root / "train.csv", ["id", "encoding"], [["aa05346ff", text]])
    index = discover(root)
    assert np.array_equal(read_mask(index.pairs[0].masks, index.mapping), mask)


def test_an_image_beyond_the_pixel_budget_is_refused_before_its_mask_is_made(tmp_path: Path) -> None:
    # the mask is allocated at the size the image's header announces: the budget guards it, as it guards reads
    root = tmp_path / "big"
    save(root / "train" / "a0.png", photo(0, (20, 30)))
    save(root / "train" / "a1.png", photo(1, (5, 6)))
    table(root / "train.csv", ["id", "rle_mask"], [["a0", "1 5"], ["a1", "1 5"]])
    set_max_pixels(100)
    try:
        index = discover(root)
    finally:
        set_max_pixels(DEFAULT_MAX_PIXELS)
    refused = [p for p in index.problems if p.code == "too-many-pixels"]
    assert len(refused) == 1 and "a0.png" in str(refused[0])
    assert [p.name for p in index.pairs] == ["a1"]


def test_bad_rows_and_unknown_ids_are_named(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    for i in range(3):
        save(root / "train" / f"a{i}.png", photo(i, (10, 12)))
    table(root / "train.csv", ["id", "rle_mask"],
          [["a0", "1 5"], ["a1", "100 50"], ["a2", ""], ["a9", "1 2"]])  # fmt: skip
    index = discover(root)
    by_code = {p.code: str(p) for p in index.problems}
    assert "line 3 ('a1'" in by_code["bad-mask"] and "beyond the image's 120 pixels" in by_code["bad-mask"]
    assert "line 5: 'a9' names no image" in by_code["mask-without-image"]
    assert sorted(p.name for p in index.pairs) == ["a0", "a2"]


def test_ids_that_name_no_image_are_refused_with_examples(tmp_path: Path) -> None:
    root = tmp_path / "mismatch"
    save(root / "train" / "x.png", photo(0, (10, 12)))
    table(root / "train.csv", ["id", "rle_mask"], [["y1", "1 5"], ["y2", "1 5"]])
    with pytest.raises(DataError, match=r"no image under .* is named by the ids of .*train.csv' \(such as y1, y2\)"):
        discover(root)


def test_masks_are_decoded_once_and_again_when_the_table_changes(tmp_path: Path) -> None:
    root = tmp_path / "s"
    severstal(root)
    first = discover(root)
    mask = first.pairs[0].mask
    assert mask is not None and str(tmp_path / "cache") in str(mask)
    written = os.stat(mask).st_mtime_ns
    again = discover(root.resolve())  # a run's config holds the path absolute
    assert again.pairs[0].mask == mask and os.stat(mask).st_mtime_ns == written
    with (root / "train.csv").open("a") as file:
        file.write(f"{first.pairs[0].image.name},4,1 3\n")
    changed = discover(root)
    assert changed.pairs[0].mask != mask and changed.classes is not None and changed.classes.num_classes == 5


def test_inspect_names_the_layout_and_the_order_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sartorius(tmp_path / "sartorius")
    assert main(["inspect", str(tmp_path / "sartorius"), "--rle-order", "row"]) == 0
    out = capsys.readouterr().out
    assert "rle-table" in out and "pixel order row-major (as asked)" in out


def test_siim_acr_dicoms_with_their_relative_run_table(tmp_path: Path) -> None:
    """SIIM-ACR Pneumothorax as shipped: `dicom-images-train/<study>/<series>/<uid>.dcm` and
    `train-rle.csv` (`ImageId, EncodedPixels`, with its space), runs counted from the previous
    run's end, a row per lesion, ` -1` for none. Before, the DICOMs were no images and the
    runs were refused ("starts must increase")."""
    from .test_dicom_images import dicom, radiograph  # type: ignore[import-not-found]
    from .test_rle import siim_mask2rle  # type: ignore[import-not-found]

    rows, truth = [], {}
    for i in range(4):
        uid = f"1.2.276.0.7230010.3.1.4.8323329.{1000 + i}.1517875{i}"
        dicom(tmp_path / "dicom-images-train" / f"1.2.{i}" / f"1.3.{i}" / f"{uid}.dcm", radiograph(i))
        mask = np.zeros((24, 20), np.uint8)
        if i:  # image 0 shows no pneumothorax
            first, second = np.zeros_like(mask), np.zeros_like(mask)
            first[2:8, 3 + i:9], second[12:20, 10:13 + i] = 1, 1
            rows += [[uid, " " + siim_mask2rle(first)], [uid, " " + siim_mask2rle(second)]]
            mask = first | second
        else:
            rows.append([uid, " -1"])
        truth[uid] = mask
    table(tmp_path / "train-rle.csv", ["ImageId", " EncodedPixels"], rows)
    index = discover(tmp_path)
    assert index.format == "rle-table" and len(index.pairs) == 4 and not index.problems
    assert "each start counts from the previous run's end (SIIM-ACR's encoding)" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), truth[pair.image.stem])
