"""VGG Image Annotator (VIA 2) JSON beside the images, painted into class-index masks: the
balloon dataset's layout (train/ and val/ each with via_region_data.json, regions without a
class), a project file whose region attribute's options order the classes, circles, ellipses,
checkboxes and VIA 1's region dicts. Every painted pixel is worked out by hand.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 20, 40


def polygon(xs: list[int], ys: list[int], **attributes) -> dict:
    return {"shape_attributes": {"name": "polygon", "all_points_x": xs, "all_points_y": ys},
            "region_attributes": attributes}


def shape(name: str, attributes: dict | None = None, **values) -> dict:
    return {"shape_attributes": {"name": name, **values}, "region_attributes": attributes or {}}


def via(folder: Path, regions: dict[str, list[dict]], name: str = "via_region_data.json", project: dict | None = None,
        seed: int = 0) -> None:
    """`regions` maps image names to their regions, written as VIA 2's annotation export (or,
    with `project`'s extra keys, as a saved project)."""
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {}
    for k, (image, found) in enumerate(regions.items()):
        Image.fromarray(np.random.default_rng(seed + k).integers(0, 256, (H, W, 3), np.uint8)).save(folder / image)
        size = (folder / image).stat().st_size
        metadata[f"{image}{size}"] = {"filename": image, "size": size, "regions": found, "file_attributes": {}}
    data = metadata if project is None else {"_via_settings": {}, "_via_img_metadata": metadata, **project}
    (folder / name).write_text(json.dumps(data))


def test_the_balloon_layout_paints_one_class_per_split_folder(tmp_path):
    root = tmp_path / "balloon"
    balloon = polygon([2, 10, 10, 2], [3, 3, 8, 8])  # columns 2-10, rows 3-8
    via(root / "train", {"a.jpg": [balloon], "b.jpg": [balloon]})
    via(root / "val", {"c.jpg": [balloon]}, seed=5)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "via" and index.classes.names == ("background", "object")
    assert sorted(p.split for p in index.pairs) == ["train", "train", "val"]
    truth = np.zeros((H, W), np.int64)
    truth[3:9, 2:11] = 1
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), truth)


def test_the_balloon_layout_in_colabs_working_folder_beside_a_runs_outputs_is_read(tmp_path, caplog):
    """Detectron2's Colab tutorial: balloon/ unzipped beside `__MACOSX/` and Colab's `sample_data/`,
    then `output/` of the training run, whose evaluator cache is a COCO file of the val images."""
    cwd = tmp_path / "content"
    balloon = polygon([2, 10, 10, 2], [3, 3, 8, 8])
    via(cwd / "balloon" / "train", {"a.jpg": [balloon], "b.jpg": [balloon]})
    via(cwd / "balloon" / "val", {"c.jpg": [balloon]}, seed=5)
    (cwd / "__MACOSX" / "balloon" / "val").mkdir(parents=True)
    (cwd / "__MACOSX" / "balloon" / "val" / "._c.jpg").write_bytes(b"\x00\x05\x16\x07")
    (cwd / "sample_data").mkdir()
    (cwd / "sample_data" / "anscombe.json").write_text('[{"Series": "I", "X": 10.0, "Y": 8.04}]')
    output = cwd / "output"
    output.mkdir()
    (output / "model_final.pth").write_bytes(b"PK\x03\x04")
    (output / "metrics.json").write_text('{"iteration": 19, "total_loss": 0.92}\n')
    (output / "balloon_val_coco_format.json").write_text(json.dumps({
        "images": [{"id": 0, "width": W, "height": H, "file_name": "balloon/val/c.jpg"}],
        "annotations": [{"id": 1, "image_id": 0, "category_id": 0, "iscrowd": 0, "bbox": [2, 3, 8, 5],
                         "segmentation": [[2, 3, 10, 3, 10, 8, 2, 8]], "area": 40.0}],
        "categories": [{"id": 0, "name": "balloon"}]}))
    with caplog.at_level("INFO"):
        index = discover(cwd, cache_dir=str(tmp_path / "cache"))
    assert index.format == "via"
    assert sorted((p.image.name, p.split) for p in index.pairs) == [("a.jpg", "train"), ("b.jpg", "train"),
                                                                     ("c.jpg", "val")]
    assert f"'{output}' holds a training run's outputs" in caplog.text


PROJECT = {"_via_attributes": {"region": {
    "type": {"type": "dropdown", "description": "", "options": {"road": "", "car": "", "sign": ""}, "default_options": {}},
    "note": {"type": "text", "description": "", "default_value": ""}}, "file": {}}}


def test_a_project_file_orders_its_classes_and_draws_every_shape(tmp_path):
    root = tmp_path / "project"
    regions = [
        polygon([0, 39, 39, 0], [10, 10, 19, 19], type="road", note="wet"),  # rows 10-19
        shape("rect", {"type": "sign"}, x=30, y=1, width=3, height=4),  # columns 30-33, rows 1-5
        shape("circle", {"type": {"car": True, "road": False}}, cx=8, cy=5, r=3),  # a checkbox
        shape("ellipse", {"type": "car"}, cx=20, cy=14, rx=6, ry=2, theta=np.pi / 2),  # turned upright, over the road
        shape("polyline", {"type": "road"}, all_points_x=[0, 5], all_points_y=[0, 5]),  # no area
    ]
    via(root, {"a.png": regions}, "via_project.json", PROJECT)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "road", "car", "sign")  # the options' order
    assert "named by the region attribute 'type'" in index.pairing[0] and "1 polylines and points" in index.pairing[0]
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[10:20, :4] == 1).all() and (mask[1:6, 30:34] == 3).all()
    yy, xx = np.mgrid[:H, :W]
    circle = (yy - 5) ** 2 + (xx - 8) ** 2
    assert (mask[circle <= 4] == 2).all() and not (mask[(circle > 18) & (xx < 14)] == 2).any()  # the ellipse lies right
    upright = ((xx - 20) / 2) ** 2 + ((yy - 14) / 6) ** 2  # rx 6 along y once turned a quarter
    assert (mask[upright <= 0.5] == 2).all() and (mask[(upright > 2) & (yy >= 10)] != 2).all()


def test_via_1_region_dicts_and_a_text_attribute_name_classes_sorted(tmp_path):
    root = tmp_path / "old"
    regions = {"0": polygon([0, 5, 5], [0, 0, 5], name="cat"), "1": polygon([20, 30, 30], [0, 0, 9], name="dog")}
    via(root, {"a.jpg": regions})  # type: ignore[dict-item]
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "cat", "dog")
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert mask[1, 4] == 1 and mask[8, 29] == 2


def test_a_project_of_rectangles_only_is_refused(tmp_path):
    root = tmp_path / "boxes"
    via(root, {"a.jpg": [shape("rect", x=1, y=1, width=4, height=4)]})
    with pytest.raises(DataError, match="its 1 regions are all rectangles: a detection project"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def test_a_region_that_cannot_be_drawn_is_named(tmp_path):
    root = tmp_path / "bad"
    via(root, {"a.jpg": [shape("circle", cx=3, cy=3), polygon([0, 5, 5], [0, 0, 5])]})
    with pytest.raises(DataError, match=r"via_region_data\.json': region 1 of 'a\.jpg' \(circle\) cannot be drawn: it lacks"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def via_csv(path: Path, rows: list[tuple[str, dict, dict]]) -> None:
    """VIA's CSV export: a row per region (`{}` for an image without), shape and attributes as
    JSON cells, VIA 1's `#filename` header."""
    lines = ["#filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,region_attributes"]
    for number, (image, shape_attributes, attributes) in enumerate(rows):
        cells = ['"' + json.dumps(c).replace('"', '""') + '"' for c in (shape_attributes, attributes)]
        lines.append(",".join([image, "100", "{}", "1", str(number), *cells]))
    path.write_text("\n".join(lines) + "\n")


def test_a_csv_export_over_two_image_folders_paints_each_image_its_rows_name(tmp_path):
    """CDD-CESM: `Low energy images/P1_L_DM_CC.jpg` and `Subtracted images/P1_L_CM_CC.jpg`, each
    outlined on its own rows of `Radiology_hand_drawn_segmentations_v2.csv`; an image without
    lesions a row of empty shape. Only VIA's JSON was read: no layout at all."""
    root = tmp_path / "cdd_cesm"
    for folder, name in (("Low energy images", "P1_L_DM_CC.jpg"), ("Subtracted images", "P1_L_CM_CC.jpg"),
                         ("Low energy images", "P2_L_DM_CC.jpg")):
        (root / folder).mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.random.default_rng(len(name)).integers(0, 256, (H, W), np.uint8)).save(root / folder / name)
    via_csv(root / "segmentations.csv", [
        ("P1_L_DM_CC.jpg", {"name": "polygon", "all_points_x": [2, 10, 10, 2], "all_points_y": [3, 3, 8, 8]},
         {"type": "mass"}),
        ("P1_L_CM_CC.jpg", {"name": "rect", "x": 20, "y": 2, "width": 4, "height": 4}, {"type": "mass"}),
        ("P1_L_CM_CC.jpg", {"name": "circle", "cx": 8, "cy": 10, "r": 3}, {"type": "calcification"}),
        ("P2_L_DM_CC.jpg", {}, {})])
    for data in (root, root / "segmentations.csv"):
        index = discover(data, cache_dir=str(tmp_path / "cache"))
        assert index.format == "via" and index.classes.names == ("background", "calcification", "mass")
        masks = {p.image.name: read_mask(p.mask, index.mapping) for p in index.pairs}
        assert sorted(masks) == ["P1_L_CM_CC.jpg", "P1_L_DM_CC.jpg", "P2_L_DM_CC.jpg"]
        assert (masks["P1_L_DM_CC.jpg"][3:9, 2:11] == 2).all() and masks["P1_L_DM_CC.jpg"].sum() == 2 * 6 * 9
        assert (masks["P1_L_CM_CC.jpg"][2:7, 20:25] == 2).all() and masks["P1_L_CM_CC.jpg"][10, 8] == 1
        assert not masks["P2_L_DM_CC.jpg"].any()


def test_a_csv_export_cell_that_is_not_json_is_named_with_its_line(tmp_path):
    root = tmp_path / "bad"
    root.mkdir()
    Image.fromarray(np.zeros((H, W), np.uint8)).save(root / "a.png")
    via_csv(root / "regions.csv", [("a.png", {"name": "circle", "cx": 3, "cy": 3, "r": 2}, {})])
    (root / "regions.csv").write_text((root / "regions.csv").read_text().replace('""cx""', "cx"))
    with pytest.raises(DataError, match=r"regions\.csv' line 2: a cell is not JSON"):
        discover(root, cache_dir=str(tmp_path / "cache"))


def midv2020(root: Path) -> Path:
    """MIDV-2020: `{templates,photo}/images/<type>/00.jpg`, one name in every folder, and a VIA
    project per document type, `annotations/<type>.json`: the document's corners (`doc_quad`, not
    in templates) and its fields' rectangles, classed by the region attribute `field_name`."""
    corners = polygon([1, 30, 30, 1], [1, 1, 18, 18], field_name="doc_quad")  # rows 1-18, columns 1-30
    fields = {"alb_id": shape("rect", {"field_name": "surname", "value": "X"}, x=2, y=3, width=8, height=5),
              "esp_id": shape("rect", {"field_name": "photo", "value": ""}, x=20, y=10, width=6, height=4)}
    for seed, condition in enumerate(("templates", "photo")):
        for kind, field in fields.items():
            images = root / condition / "images" / kind
            regions = [field] if condition == "templates" else [corners, field]
            via(images, {"00.jpg": regions}, f"{kind}.json", {}, seed=seed)
            (root / condition / "annotations").mkdir(exist_ok=True)
            (images / f"{kind}.json").rename(root / condition / "annotations" / f"{kind}.json")
    return root


def test_images_of_one_name_are_found_in_the_folder_named_as_their_annotation_file(tmp_path):
    """MIDV-2020's `photo/annotations/alb_id.json` names `00.jpg`, which every document type's
    folder holds: it is `photo/images/alb_id/00.jpg`, not one of four images of that name."""
    index = discover(midv2020(tmp_path / "midv2020"), cache_dir=str(tmp_path / "cache"))
    assert index.format == "via" and len(index.pairs) == 4 and not index.problems
    assert index.classes.names == ("background", "doc_quad", "photo", "surname")
    for pair in index.pairs:
        condition, _, kind, _ = pair.image.relative_to(tmp_path / "midv2020").parts
        truth = np.zeros((H, W), np.int64)
        if condition == "photo":
            truth[1:19, 1:31] = 1
        if kind == "alb_id":
            truth[3:9, 2:11] = 3  # later over earlier: the field over the document
        else:
            truth[10:15, 20:27] = 2
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), truth)


def test_via_files_beside_a_coco_file_of_blank_category_names_are_its_route_and_validate_is_a_split(tmp_path):
    """SorghumWeedDataset_Segmentation's `{Train,Validate,Test}/` each hold
    `<Split>SorghumWeed_json.json` (VIA, `classname` Sorghum/Grass/BLweed) beside
    `<Split>SorghumWeed_coco.json`, whose category names are blank: the COCO file was read and
    refused with "every class name must be a non-empty string" and no route; and under
    --format via, `Validate/` named no split, so the official splits were dropped."""
    root = tmp_path / "SorghumWeedDataset_Segmentation"
    names = ("Sorghum", "Grass", "BLweed")
    for split in ("Train", "Validate", "Test"):
        images = {f"{split}SorghumWeed ({i}).JPG": [polygon([2, 10, 10, 2], [3, 3, 8, 8], classname=names[i])]
                  for i in range(2)}
        via(root / split, images, name=f"{split}SorghumWeed_json.json")
        coco = {"images": [{"id": i, "file_name": name, "width": W, "height": H} for i, name in enumerate(images)],
                "annotations": [{"id": i + 1, "image_id": i, "category_id": i + 1, "iscrowd": 0, "area": 54,
                                 "bbox": [2, 3, 8, 5], "segmentation": [[2, 3, 10, 3, 10, 8, 2, 8]]} for i in range(2)],
                "categories": [{"id": i + 1, "name": "", "supercategory": ""} for i in range(3)]}
        (root / split / f"{split}SorghumWeed_coco.json").write_text(json.dumps(coco))
    with pytest.raises(DataError, match=r"the categories \[1, 2\] that objects use have no name .*--format via reads "
                                        r"Test/TestSorghumWeed_json.json, .*--classes FILE"):
        discover(root, cache_dir=str(tmp_path / "cache"))
    index = discover(root, format="via", cache_dir=str(tmp_path / "cache"))
    assert index.classes.names == ("background", "Grass", "Sorghum")  # no options listed: in name order
    assert Counter(p.split for p in index.pairs) == {"train": 2, "val": 2, "test": 2}
