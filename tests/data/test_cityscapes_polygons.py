"""Cityscapes-style polygon files shipped as the only labels, painted into class-index masks:
IDD Segmentation's layout read as its 26 level-3 classes, Cityscapes' names as its 19 evaluated
classes, labels of no table as an annotation tool's, deleted objects left out, void labels and
uncovered pixels ignored, split and sequence folders, and the refusals that name the flag that
reads the folder. Cityscapes shipped with its label PNGs stays read from those. Every painted
pixel is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.data.discovery.folders import search_folders
from seglab.data.encodings import cityscapes, idd
from seglab.data.layouts.folder_pairs import format as folder_pairs_format
from seglab.errors import DataError

H, W = 24, 32


def box(x0: int, y0: int, x1: int, y1: int) -> list[list[int]]:
    """A rectangle's polygon: json2labelImg fills columns x0..x1 and rows y0..y1."""
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def obj(label: str, polygon: list[list[int]], deleted: int = 0) -> dict:
    return {"date": "", "deleted": deleted, "draw": True, "id": 0, "label": label, "user": "", "verified": 0,
            "polygon": polygon}


def frame(root: Path, folder: str, name: str, objects: list[dict] | None, images: str = "leftImg8bit",
          renderings: tuple[str, ...] = ("",), labels: str = "gtFine") -> None:
    """A frame as Cityscapes and IDD ship it: `leftImg8bit/<folder>/<name>_leftImg8bit.png` and,
    unless `objects` is None (a test frame), `gtFine/<folder>/<name>_gtFine_polygons.json`
    (`_gtCoarse_` in `gtCoarse/`)."""
    for rendering in renderings:
        path = root / images / folder / f"{name}_leftImg8bit{rendering}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = sum(map(ord, str(path.relative_to(root))))
        Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), np.uint8)).save(path)
    if objects is not None:
        path = root / labels / folder / f"{name}_{'gtCoarse' if labels == 'gtCoarse' else 'gtFine'}_polygons.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"imgHeight": H, "imgWidth": W, "objects": objects}))


IDD_OBJECTS = [
    obj("sky", box(0, 0, W - 1, 11)), obj("road", box(0, 12, 23, H - 1)),  # columns 24.. of rows 12.. uncovered
    obj("parking", box(2, 14, 9, 17)),  # IDD's level 3 groups it with drivable fallback
    obj("autorickshaw", box(12, 4, 17, 9)), obj("car", box(20, 2, 27, 6), deleted=1),
    obj("out of roi", box(0, 20, 5, H - 1)), obj("cargroup", box(14, 18, 19, 21)),
]


def idd_mask() -> np.ndarray:
    expected = np.full((H, W), 255)  # unlabeled, as json2labelImg starts
    expected[0:12, :] = 25  # sky; the deleted car is not drawn over it
    expected[12:24, 0:24] = 0  # road
    expected[14:18, 2:10] = 1  # parking: drivable fallback
    expected[4:10, 12:18] = 8  # autorickshaw
    expected[20:24, 0:6] = 255  # out of roi, drawn over the road
    expected[18:22, 14:20] = 9  # cargroup: car
    return expected


def idd_segmentation(root: Path) -> Path:
    """IDD Segmentation as shipped: polygons alone, test images without them; here a frame number
    repeated in another sequence too."""
    data = root / "IDD_Segmentation"
    frame(data, "train/0", "000100", IDD_OBJECTS)
    frame(data, "train/0", "000101", IDD_OBJECTS[:2])
    frame(data, "train/1", "000100", IDD_OBJECTS[1:2])
    frame(data, "val/2", "000200", IDD_OBJECTS[:2])
    frame(data, "test/3", "000100", None)
    return root


def test_idd_polygons_are_painted_as_its_level3_classes(tmp_path: Path) -> None:
    index = discover(idd_segmentation(tmp_path))
    assert index.format == "cityscapes-polygons"
    assert index.classes == idd.CLASSES and len(index.classes.names) == 26 and index.classes.ignore_index == 255
    leftimg = tmp_path / "IDD_Segmentation" / "leftImg8bit"
    by_image = {p.image.relative_to(leftimg).as_posix(): p for p in index.pairs}
    assert {k: (p.split, p.group) for k, p in by_image.items()} == {
        "train/0/000100_leftImg8bit.png": ("train", "train/0"), "train/0/000101_leftImg8bit.png": ("train", "train/0"),
        "train/1/000100_leftImg8bit.png": ("train", "train/1"), "val/2/000200_leftImg8bit.png": ("val", "val/2")}
    np.testing.assert_array_equal(read_mask(by_image["train/0/000100_leftImg8bit.png"].mask, index.mapping), idd_mask())
    other = read_mask(by_image["train/1/000100_leftImg8bit.png"].mask, index.mapping)  # the same frame number: its own
    assert (other[12:24, 0:24] == 0).all() and (other[0:12] == 255).all()
    assert index.unlabelled == [leftimg / "test" / "3" / "000100_leftImg8bit.png"]
    assert "as IDD's 26 level-3 classes" in index.pairing[0] and "1 deleted objects left out" in index.pairing[0]


def test_an_idd_folder_inspects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    idd_segmentation(tmp_path)
    assert main(["inspect", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "Format:       cityscapes-polygons" in shown and "Pairs:        4 (train 3, val 1)" in shown
    assert "Unlabelled:   1" in shown


def test_cityscapes_names_read_as_its_evaluated_classes(tmp_path: Path) -> None:
    """Labels both tables name (no IDD-only `autorickshaw`) read as Cityscapes', the format's own:
    `parking` is void there, `license plate` draws nothing, `persongroup` is a person."""
    objects = [obj("road", box(0, 0, W - 1, H - 1)), obj("parking", box(0, 0, 7, 7)), obj("car", box(10, 10, 19, 15)),
               obj("license plate", box(12, 12, 15, 13)), obj("persongroup", box(24, 2, 29, 9)),
               obj("ego vehicle", box(0, 20, W - 1, H - 1))]
    for city in ("aachen", "bochum"):
        frame(tmp_path, f"train/{city}", f"{city}_000000_000019", objects)
    frame(tmp_path, "val/frankfurt", "frankfurt_000000_000294", objects)
    index = discover(tmp_path)
    assert index.format == "cityscapes-polygons" and index.classes == cityscapes.CLASSES
    expected = np.zeros((H, W))  # road
    expected[0:8, 0:8] = 255  # parking: void
    expected[10:16, 10:20] = 13  # car, the plate inside it not drawn
    expected[2:10, 24:30] = 11  # persongroup: person
    expected[20:24, :] = 255  # ego vehicle
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected)
    assert {p.group for p in index.pairs} == {"train/aachen", "train/bochum", "val/frankfurt"}
    assert "as Cityscapes' 19 evaluated classes" in index.pairing[0]


@pytest.mark.parametrize("flags", [{}, {"images": "leftImg8bit", "masks": "gtFine"}])
def test_cityscapes_label_pngs_beside_the_polygons_are_read(tmp_path: Path, flags: dict) -> None:
    """Cityscapes ships `*_gtFine_labelIds.png` beside its polygons: those are read, as before."""
    for city in ("aachen", "bochum"):
        frame(tmp_path, f"train/{city}", f"{city}_000000_000019", [obj("sky", box(0, 0, W - 1, H - 1))])
        Image.fromarray(np.full((H, W), 7, np.uint8)).save(
            tmp_path / "gtFine" / "train" / city / f"{city}_000000_000019_gtFine_labelIds.png")
    index = discover(tmp_path, **flags)
    assert index.format == "folder-pairs" and index.classes == cityscapes.CLASSES
    assert (read_mask(index.pairs[0].mask, index.mapping) == 0).all()  # road from the PNG, not sky from the JSON


def railsem19(root: Path) -> Path:
    """RailSem19's rs19_val.zip: `jpgs/rs19_val/` photos, `uint8/rs19_val/` label ids (255 void),
    `jsons/rs19_val/` per frame in Cityscapes' keys with rail polylines and signal boxes (no
    polygon), and `rs19-config.json` naming the ids."""
    data = root / "rs19_val"
    names = ["road", "sidewalk", "rail-track"]
    (data / "rs19-config.json").parent.mkdir(parents=True)
    (data / "rs19-config.json").write_text(json.dumps({"labels": [
        {"name": n, "readable": n.title(), "color": [k, k, k], "instances": False} for k, n in enumerate(names)]}))
    ids = np.zeros((H, W), np.uint8)
    ids[8:16, 4:12] = 2
    ids[20:, :4] = 255
    for k in range(3):
        name = f"rs{k:05d}"
        photo = np.random.default_rng(k).integers(0, 256, (H, W, 3), np.uint8)
        for folder, array in (("jpgs", photo), ("uint8", ids)):
            path = data / folder / "rs19_val" / f"{name}.{'jpg' if folder == 'jpgs' else 'png'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(path)
        path = data / "jsons" / "rs19_val" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"frame": name, "imgHeight": H, "imgWidth": W, "objects": [
            {"label": "rail", "polyline": [[10, H - 1], [20, 0]]},
            {"label": "track-signal-front", "boundingbox": [1, 1, 5, 5]}]}))
    return root


def test_dense_label_ids_beside_polygon_files_of_their_frames_are_read_with_255_void(tmp_path: Path) -> None:
    """RailSem19: the label ids in a tree named for no role (`uint8/`), mirroring the photos', are
    the labels, named by rs19-config.json, 255 void. Before: the JSONs were read as polygons and
    their first polyline was fatal."""
    index = discover(railsem19(tmp_path))
    assert index.format == "folder-pairs" and len(index.pairs) == 3
    assert {p.mask.relative_to(tmp_path).parent.as_posix() for p in index.pairs} == {"rs19_val/uint8/rs19_val"}
    assert index.classes.names == ("Road", "Sidewalk", "Rail-Track") and index.ignore_index == 255
    assert (read_mask(index.pairs[0].mask, index.mapping)[20:, :4] == 255).all()


def test_the_folder_pairs_search_polygons_step_aside_for_is_the_one_read(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """RailSem19: the polygon files ask folder-pairs whether it pairs their frames' images, and
    folder-pairs is then read from that same search; before, the whole search ran twice."""
    searched = []
    monkeypatch.setattr(folder_pairs_format, "search_folders", lambda *args: searched.append(args) or search_folders(*args))
    index = discover(railsem19(tmp_path))
    assert index.format == "folder-pairs" and len(index.pairs) == 3
    assert len(searched) == 1


def test_objects_with_no_polygon_are_left_out_and_counted(tmp_path: Path) -> None:
    """A polyline or a box in a polygon file paints nothing and is said, never fatal."""
    objects = [obj("sky", box(0, 0, W - 1, H - 1)), {"label": "rail", "polyline": [[0, 0], [5, 5]]}]
    frame(tmp_path, "train/aachen", "aachen_000000_000019", objects)
    frame(tmp_path, "train/bochum", "bochum_000000_000019", objects)
    index = discover(tmp_path)
    assert index.format == "cityscapes-polygons" and len(index.pairs) == 2
    assert all((read_mask(p.mask, index.mapping) == 10).all() for p in index.pairs)
    assert "2 objects with no polygon (polylines, boxes) left out" in index.pairing[0]


def test_labels_of_no_table_read_as_an_annotation_tools(tmp_path: Path) -> None:
    """A tool's Cityscapes-format export: background and the labels sorted, spellings merged, the
    labels of what is outside the scene ignored; images named by the frame alone."""
    objects = [obj("Tree", box(0, 0, 9, 9)), obj("bench", box(12, 12, 19, 19)), obj("tree", box(24, 0, 29, 5)),
               obj("Out of ROI", box(0, 20, W - 1, H - 1)), obj("bench", box(0, 0, 3, 3), deleted=1)]
    for n in range(3):
        frame(tmp_path, "", f"park_{n:03d}", objects, images="images", labels="annotations")
        image = tmp_path / "images" / f"park_{n:03d}_leftImg8bit.png"
        image.rename(image.with_name(f"park_{n:03d}.png"))
    index = discover(tmp_path)
    assert index.format == "cityscapes-polygons"
    assert index.classes.names == ("background", "bench", "tree") and index.classes.ignore_index == 255
    expected = np.zeros((H, W))
    expected[0:10, 0:10] = 2
    expected[12:20, 12:20] = 1
    expected[0:6, 24:30] = 2
    expected[20:24, :] = 255
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), expected)
    assert "no dataset's table names 'bench', 'Tree', 'tree'" in index.pairing[0]


def test_renderings_in_several_folders_name_the_one_to_read(tmp_path: Path) -> None:
    """Foggy Cityscapes' renderings beside the clear images: --images picks a folder, and each
    rendering in it pairs with the frame's polygons, its city the group."""
    foggy = tuple(f"_foggy_beta_{beta}" for beta in ("0.005", "0.01", "0.02"))
    for city in ("aachen", "bochum"):
        frame(tmp_path, f"train/{city}", f"{city}_000000_000019", [obj("sky", box(0, 0, W - 1, H - 1))])
        frame(tmp_path, f"train/{city}", f"{city}_000000_000019", None, images="leftImg8bit_foggy", renderings=foggy)
    with pytest.raises(DataError, match=r"the images of 'aachen_000000_000019_gtFine_polygons.json' lie in 2 folders "
                                        r"\(leftImg8bit/train/aachen/, leftImg8bit_foggy/train/aachen/\); name the "
                                        r"one to read: --images leftImg8bit_foggy"):
        discover(tmp_path)
    index = discover(tmp_path, images="leftImg8bit_foggy")
    assert len(index.pairs) == 6 and {p.group for p in index.pairs} == {"train/aachen", "train/bochum"}
    assert all((read_mask(p.mask, index.mapping) == 10).all() for p in index.pairs)


def test_fine_and_coarse_polygons_of_one_image_name_the_one_to_read(tmp_path: Path) -> None:
    for city in ("aachen", "bochum"):
        frame(tmp_path, f"train/{city}", f"{city}_000000_000019", [obj("sky", box(0, 0, W - 1, H - 1))])
        frame(tmp_path, f"train/{city}", f"{city}_000000_000019", [obj("road", box(0, 0, W - 1, H - 1))],
              labels="gtCoarse")
    with pytest.raises(DataError, match=r"'aachen_000000_000019_leftImg8bit.png' is annotated by "
                                        r"'aachen_000000_000019_gtCoarse_polygons.json' and "
                                        r"'aachen_000000_000019_gtFine_polygons.json', in 2 folders .*--masks gtFine"):
        discover(tmp_path)
    index = discover(tmp_path, masks="gtFine")
    assert len(index.pairs) == 2 and all((read_mask(p.mask, index.mapping) == 10).all() for p in index.pairs)


@pytest.mark.parametrize("objects, message", [
    ("none", r"Cityscapes polygon file '.*000101_gtFine_polygons.json' has no 'objects' list"),
    ([{"label": "road", "polygon": [[0, 0], [5]]}], r"000101_gtFine_polygons.json': object 1 \('road'\) has a polygon "
                                                    r"that is no list of \[x, y\] points"),
])
def test_a_file_that_cannot_be_read_is_named(tmp_path: Path, objects: object, message: str) -> None:
    idd_segmentation(tmp_path)
    path = tmp_path / "IDD_Segmentation" / "gtFine" / "train" / "0" / "000101_gtFine_polygons.json"
    path.write_text(json.dumps({"imgHeight": H, "imgWidth": W, "objects": objects}))
    with pytest.raises(DataError, match=message):
        discover(tmp_path)
