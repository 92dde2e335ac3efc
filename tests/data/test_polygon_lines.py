"""A JSON Lines file of typed polygons, a line per image (HuBMAP Hacking the Human Vasculature 2023's
`polygons.jsonl` beside `train/<id>.tif`, `test/`, `tile_meta.csv`): painted by type, `unsure`
ignored, tiles no line names unlabelled, grouped by the slide `tile_meta.csv` says they were cut
from. Pixels worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from seglab.data import discover, read_mask
from seglab.errors import DataError

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

SIZE = (24, 24)
TILES = [f"{k:012x}" for k in range(0xa1b2c3, 0xa1b2c3 + 8)]


def square(x: int, y: int, side: int) -> list[list[int]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def hubmap(root: Path) -> None:
    """Eight tiles of four slides, the first six annotated: a vessel with a hole (2..12 x 2..12
    less 5..9), an `unsure` region (14..18 x 2..6), a glomerulus on every other tile (14..20 x 14..20)."""
    for k, tile in enumerate(TILES):
        save(root / "train" / f"{tile}.tif", photo(k, SIZE))
    save(root / "test" / "72e40acccadf.tif", photo(99, SIZE))
    lines = []
    for k, tile in enumerate(TILES[:6]):
        objects = [{"type": "blood_vessel", "coordinates": [square(2, 2, 10), square(5, 5, 4)]},
                   {"type": "unsure", "coordinates": [square(14, 2, 4)]}]
        objects += [{"type": "glomerulus", "coordinates": [square(14, 14, 6)]}] if k % 2 == 0 else []
        lines.append(json.dumps({"id": tile, "annotations": objects}))
    (root / "polygons.jsonl").write_text("\n".join(lines) + "\n")
    rows = [f"{tile},{1 + k % 4},{1 if k < 6 else 3},{1000 * k},{2000 * k}" for k, tile in enumerate(TILES)]
    (root / "tile_meta.csv").write_text("id,source_wsi,dataset,i,j\n" + "\n".join(rows) + "\n")
    (root / "wsi_meta.csv").write_text("source_wsi,age,sex\n1,58,F\n2,56,F\n3,73,F\n4,53,M\n")


def test_typed_polygons_a_line_per_tile_paint_their_types_and_the_tiles_group_by_slide(tmp_path):
    """Refused before: `train/` and `test/` read as the class folders of a classification set."""
    hubmap(tmp_path / "hubmap")
    index = discover(tmp_path / "hubmap", cache_dir=str(tmp_path / "cache"))
    assert index.format == "polygon-lines"
    assert index.classes.names == ("background", "blood_vessel", "glomerulus") and index.ignore_index == 255
    by_name = {p.name: p for p in index.pairs}
    assert sorted(by_name) == TILES[:6]
    expected = np.zeros(SIZE, np.int64)
    expected[2:13, 2:13] = 1
    expected[6:9, 6:9] = 0  # the hole, less its outline, which stays the vessel's
    expected[2:7, 14:19] = 255
    assert np.array_equal(read_mask(by_name[TILES[1]].mask, index.mapping), expected)
    expected[14:21, 14:21] = 2
    assert np.array_equal(read_mask(by_name[TILES[0]].mask, index.mapping), expected)
    assert sorted(p.name for p in index.unlabelled) == sorted([f"{t}.tif" for t in TILES[6:]] + ["72e40acccadf.tif"])
    assert {p.name: p.group for p in index.pairs} == {tile: str(1 + k % 4) for k, tile in enumerate(TILES[:6])}


def test_a_polygon_line_without_its_types_is_named(tmp_path):
    hubmap(tmp_path)
    with (tmp_path / "polygons.jsonl").open("a") as file:
        file.write(json.dumps({"id": TILES[7], "annotations": [{"coordinates": [square(1, 1, 3)]}]}) + "\n")
    with pytest.raises(DataError, match=r"polygons.jsonl' line 7: annotation 1 has no 'type' and 'coordinates'"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def test_the_classes_json_a_run_saved_reads_unsure_as_ignored_as_training_did(tmp_path):
    """`seglab evaluate` and `report` read a run's data with its classes.json: they stopped on
    `unsure` ("the polygons are of types unsure that the classes ... do not name")."""
    hubmap(tmp_path / "hubmap")
    trained = discover(tmp_path / "hubmap", cache_dir=str(tmp_path / "cache"))
    (tmp_path / "classes.json").write_text(json.dumps(trained.classes.to_dict()))
    again = discover(tmp_path / "hubmap", classes_file=str(tmp_path / "classes.json"),
                     cache_dir=str(tmp_path / "cache"))
    assert again.classes == trained.classes and again.ignore_index == 255
    tile = min(again.pairs, key=lambda p: p.name)
    assert (read_mask(tile.mask, again.mapping)[2:7, 14:19] == 255).all()
