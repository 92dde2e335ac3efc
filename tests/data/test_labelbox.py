"""Labelbox's Export v2 NDJSON beside the images, painted into class-index masks: polygons and
boxes in pixels, masks read from files the export names (composite and single), later over
earlier; images found by external id or `row_data`; Labelbox's own mask URLs refused with the way
to fetch them. Pixels are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 20, 24


def photo(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path)


def polygon(name: str, *xy: tuple[float, float]) -> dict:
    return {"feature_id": f"f-{name}", "name": name, "value": name, "annotation_kind": "ImagePolygon",
            "classifications": [], "polygon": [{"x": x, "y": y} for x, y in xy]}


def box(name: str, left: float, top: float, width: float, height: float) -> dict:
    return {"name": name, "value": name, "annotation_kind": "ImageBoundingBox",
            "bounding_box": {"top": top, "left": left, "height": height, "width": width}}


def mask(name: str, url: str, colour: list[int] | None = None) -> dict:
    found = {"composite_mask": {"url": url, "color_rgb": colour}} if colour else {"mask": {"url": url}}
    return {"name": name, "value": name, "annotation_kind": "ImageSegmentationMask", **found}


FIELD = polygon("field", (2, 2), (12, 2), (12, 12), (2, 12))
ROAD = box("road", 14, 0, 3, 20)
POINT = {"name": "tree", "annotation_kind": "ImagePoint", "point": {"x": 3, "y": 3}}


def row(external_id: str, objects: list[dict] | None, url: str = "") -> dict:
    """A data row as Export v2 streams it (the parts seglab reads, and some it does not)."""
    labels = [] if objects is None else [
        {"id": "other", "annotations": {"objects": [], "classifications": [], "relationships": []}},
        {"id": "chosen", "annotations": {"objects": objects, "classifications": [], "relationships": []}}]
    return {"data_row": {"id": "cl1", "external_id": external_id, "global_key": external_id,
                         "row_data": url or f"https://storage.googleapis.com/bucket/{external_id}?X-Goog-Signature=1"},
            "media_attributes": {"height": H, "width": W, "mime_type": "image/jpeg"},
            "projects": {"clproj": {"name": "fields", "labels": labels,
                                    "project_details": {"selected_label_id": "chosen", "workflow_status": "DONE"}}}}


def export(root: Path, rows: list[dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "export-result.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def expected() -> np.ndarray:
    labels = np.zeros((H, W), np.int64)
    labels[2:13, 2:13] = 1  # field (the names sorted: field 1, road 2)
    labels[0:20, 14:18] = 2  # road, a box
    return labels


def test_an_export_is_painted_with_its_images_found_by_external_id(tmp_path, caplog):
    root = tmp_path / "project"
    photo(root / "images" / "a.jpg", 1)
    photo(root / "images" / "b.jpg", 2)  # its external id differs: found by row_data's file name
    photo(root / "images" / "c.jpg", 3)  # not labelled yet
    export(root, [row("a.jpg", [FIELD, POINT, ROAD]), row("B", [FIELD, ROAD], "https://x.example/b.jpg"),
                  row("c.jpg", None)])
    caplog.set_level("INFO")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "labelbox" and index.classes.names == ("background", "field", "road")
    assert sorted(p.image.name for p in index.pairs) == ["a.jpg", "b.jpg"]
    assert [(p.path.name, p.code) for p in index.problems] == [("c.jpg", "image-without-mask")]
    assert "1 points, lines and other objects without area left out" in index.pairing[0]
    assert "2 rows with several labels: the selected, else the first, is read" in index.pairing[0]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected(), err_msg=pair.name)


def test_masks_saved_beside_the_export_are_read_composite_and_single(tmp_path):
    root = tmp_path / "project"
    photo(root / "images" / "a.jpg")
    composite = np.zeros((H, W, 3), np.uint8)
    composite[10:20, :] = (142, 220, 196)  # the water's colour
    composite[0:4, 0:4] = (1, 2, 3)  # another label's mask instance
    (root / "masks").mkdir()
    Image.fromarray(composite).save(root / "masks" / "composite.png")
    single = np.zeros((H, W), np.uint8)
    single[:, 20:] = 255
    Image.fromarray(single).save(root / "masks" / "sky.png")
    export(root, [row("a.jpg", [mask("water", "file://masks/composite.png", [142, 220, 196]),
                                mask("sky", "masks/sky.png"), FIELD])])
    index = discover(root, cache_dir=str(tmp_path / "cache"))  # masks/ is the export's, not a mask folder
    assert index.format == "labelbox" and index.classes.names == ("background", "field", "sky", "water")
    truth = np.zeros((H, W), np.int64)
    truth[10:20, :] = 3
    truth[:, 20:] = 2
    truth[2:13, 2:13] = 1
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), truth)


def test_a_mask_at_labelbox_is_refused_with_the_way_to_fetch_it(tmp_path):
    root = tmp_path / "project"
    photo(root / "images" / "a.jpg")
    url = "https://api.labelbox.com/api/v1/tasks/t1/masks/m1/index/1"
    export(root, [row("a.jpg", [FIELD, mask("water", url, [1, 2, 3])])])
    with pytest.raises(DataError, match=r"export-result\.ndjson' line 1: object 2 \('water', ImageSegmentationMask\): "
                                        r"its mask is at https://api\.labelbox\.com/.* need your API key\); fetch "
                                        r"each mask .* write each one's path, relative to"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_detection_project_is_refused(tmp_path):
    root = tmp_path / "project"
    photo(root / "images" / "a.jpg")
    export(root, [row("a.jpg", [ROAD, POINT])])
    with pytest.raises(DataError, match="its 1 objects with an area are all bounding boxes: a detection project"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_inspect_names_the_layout(tmp_path, capsys):
    root = tmp_path / "project"
    photo(root / "images" / "a.jpg")
    export(root, [row("a.jpg", [FIELD, ROAD])])
    assert main(["inspect", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Format:       labelbox" in out and "export-result.ndjson: 1 data rows painted into 3 classes" in out
