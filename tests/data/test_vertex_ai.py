"""Vertex AI's image segmentation export beside the bucket's copy: its JSON lines pair each image
with its colour mask by gs:// URI (the path below the bucket, else the base name), name the
colours and give the split (ml_use)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover
from seglab.data.annotations.annotated_images import located_images
from seglab.errors import DataError

COLOURS = {"car": (255, 0, 0), "pedestrian": (0, 255, 0)}
EXPORT = "export/data-street-2024-05-01T12:00:00.000Z/image_segmentation_1.jsonl"


def vertex_export(root: Path, uses: list[str], bucket: str = "gs://my-bucket") -> None:
    """images/street_NN.jpg, masks/street_NN_mask.png (black background, a car, a pedestrian) and
    the export naming them under `bucket`, colours in 0..1 (black's channels left out)."""
    spec = [{"color": {k: v / 255 for k, v in zip(("red", "green", "blue"), rgb) if v}, "displayName": name}
            for name, rgb in COLOURS.items()]
    rows = []
    for i, use in enumerate(uses):
        name = f"street_{i:02d}"
        mask = np.zeros((8, 10, 3), np.uint8)
        mask[1:4, 1:4], mask[5:7, 5:9] = COLOURS["car"], COLOURS["pedestrian"]
        for folder, array, file in (("images", mask // 2 + 40 * i % 80, f"{name}.jpg"), ("masks", mask, f"{name}_mask.png")):
            (root / folder).mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(root / folder / file)
        rows.append({"imageGcsUri": f"{bucket}/images/{name}.jpg",
                     "segmentationAnnotation": {"maskGcsUri": f"{bucket}/masks/{name}_mask.png",
                                                "annotationSpecColors": spec},
                     "dataItemResourceLabels": {"aiplatform.googleapis.com/ml_use": use}})
    (root / EXPORT).parent.mkdir(parents=True, exist_ok=True)
    (root / EXPORT).write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_vertex_export_names_the_colours_and_keeps_ml_use_as_the_split(tmp_path):
    """Before: folder-pairs paired images/ + masks/ by name, the classes were the colours in hex
    and the 8/2/2 split of ml_use was lost; the export was not read."""
    vertex_export(tmp_path, ["training"] * 4 + ["validation", "test"])
    index = discover(tmp_path)
    assert index.format == "vertex-ai"
    assert index.classes.names == ("background", "car", "pedestrian")
    assert index.classes.colours == ((0, 0, 0), *COLOURS.values())
    assert [p.split for p in index.pairs] == ["train"] * 4 + ["val", "test"]
    assert index.pairs[0].mask == tmp_path / "masks" / "street_00_mask.png"
    assert "by the path below the bucket" in index.pairing[0] and EXPORT in index.pairing[0]
    assert discover(tmp_path / EXPORT).root == tmp_path  # DATA the export: the bucket's copy above it


def test_an_export_given_as_data_finds_the_bucket_copy_past_a_first_line_naming_no_file(tmp_path):
    """The bucket's copy above an export given as DATA was found from its first line alone: a first
    image not copied here (deleted, or a typo) gave no pairs at all."""
    vertex_export(tmp_path, ["training"] * 3 + ["test"])
    (tmp_path / "images" / "street_00.jpg").unlink()
    index = discover(tmp_path / EXPORT)
    assert index.root == tmp_path and len(index.pairs) == 3
    assert [p.message for p in index.problems if p.code == "mask-without-image"] == [
        "image 'images/street_00.jpg' (line 1 of image_segmentation_1.jsonl, its image): no image file has that name"]


def test_vertex_uris_under_a_prefix_not_copied_are_matched_by_base_name(tmp_path):
    """`gs://my-bucket/project/v2/images/a.jpg` copied as images/a.jpg: the end below the bucket
    that is here names it; files moved into one folder are found by base name, and it is said."""
    vertex_export(tmp_path, ["training", "training", "test"], bucket="gs://my-bucket/project/v2")
    assert "by the path below the bucket" in discover(tmp_path).pairing[0]
    for path in [*(tmp_path / "masks").iterdir()]:
        path.rename(tmp_path / "images" / path.name)
    (tmp_path / "masks").rmdir()
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and "by base name" in index.pairing[0]


def test_vertex_exports_in_two_folders_are_refused_with_one_to_pass(tmp_path):
    vertex_export(tmp_path, ["training", "test"])
    again = tmp_path / "export" / "data-street-2024-06-01T12:00:00.000Z" / "image_segmentation_1.jsonl"
    again.parent.mkdir()
    again.write_text((tmp_path / EXPORT).read_text())
    with pytest.raises(DataError, match="Vertex AI exports lie in 2 folders.*pass one export as DATA"):
        discover(tmp_path)


def test_located_images_tries_every_name_as_a_path_before_base_names_only_when_asked(tmp_path):
    """The default order, a name as a path, then its base name, then the next name, stays for the
    annotation files that name images; bucket exports ask for every end of a URI as a path first."""
    for site in ("site_a", "site_b"):
        (tmp_path / site).mkdir()
        Image.new("RGB", (4, 4)).save(tmp_path / site / "street_00.jpg")
    source, names = tmp_path / "export.jsonl", [(1, ["project/site_a/street_00.jpg", "site_a/street_00.jpg"])]
    _, problems = located_images([(source, names)], tmp_path, "line")
    assert [p.code for p in problems] == ["mask-without-image"]  # the first name's base name: two files have it
    found, problems = located_images([(source, names)], tmp_path, "line", paths_first=True)
    assert found == {source: {1: tmp_path / "site_a" / "street_00.jpg"}} and problems == []


def test_images_of_one_name_in_two_folders_are_told_apart_by_a_shorter_end_of_their_uris(tmp_path):
    """`gs://my-bucket/project/site_a/images/street_00.jpg` and `.../site_b/images/street_00.jpg`,
    copied without `project/`: the first end of each URI is no file here, and its base name, held by
    both, called each image ambiguous, though `site_a/images/street_00.jpg` picks one."""
    lines = []
    for site in ("site_a", "site_b"):
        vertex_export(tmp_path / site, ["training", "test"], bucket=f"gs://my-bucket/project/{site}")
        lines.append((tmp_path / site / EXPORT).read_text())
        shutil.rmtree(tmp_path / site / "export")
    (tmp_path / EXPORT).parent.mkdir(parents=True)
    (tmp_path / EXPORT).write_text("".join(lines))
    index = discover(tmp_path)
    assert index.format == "vertex-ai" and not [p for p in index.problems if p.code == "mask-without-image"]
    assert sorted(p.image.relative_to(tmp_path).as_posix() for p in index.pairs) == [
        f"{site}/images/street_{i:02d}.jpg" for site in ("site_a", "site_b") for i in range(2)]
    assert all(p.mask.parent.parent == p.image.parent.parent for p in index.pairs)
    assert "by the path below the bucket" in index.pairing[0]
