"""SageMaker Ground Truth's semantic segmentation output beside the bucket's copy: its
output.manifest pairs each image with its consolidated colour mask by s3:// URI (the path below
the bucket, else the base name) and numbers the classes in its internal-color-map."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover
from seglab.errors import DataError

JOB = "street-seg"
HEXES = {"BACKGROUND": "#ffffff", "car": "#2ca02c", "road": "#ff7f0e"}
MANIFEST = f"output/{JOB}/manifests/output/output.manifest"
MASKS = f"output/{JOB}/annotations/consolidated-annotation/output"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]


def ground_truth_job(root: Path, count: int, bucket: str = "s3://my-bucket") -> None:
    """images/frame_NNN.jpg, the consolidated masks five folders down (white background, a car,
    a road), input.manifest (images alone), the job's output.manifest and an intermediate copy."""
    colour_map = {str(k): {"class-name": name, "hex-color": h, "confidence": 0.0}
                  for k, (name, h) in enumerate(HEXES.items())}
    rows = []
    for i in range(count):
        mask = np.full((8, 10, 3), 255, np.uint8)
        mask[1:4, 1:4], mask[5:7, 2:9] = rgb(HEXES["car"]), rgb(HEXES["road"])
        image, png = f"images/frame_{11 + i:03d}.jpg", f"{MASKS}/{i}_2024-05-01T12:0{i}:07.123456.png"
        for path, array in ((image, mask // 2 + 30 * i), (png, mask)):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(root / path)
        rows.append({"source-ref": f"{bucket}/{image}", f"{JOB}-ref": f"{bucket}/{png}",
                     f"{JOB}-ref-metadata": {"internal-color-map": colour_map, "job-name": f"labeling-job/{JOB}",
                                             "type": "groundtruth/semantic-segmentation"}})
    lines = "".join(json.dumps(row) + "\n" for row in rows)
    (root / "input.manifest").write_text("".join(json.dumps({"source-ref": r["source-ref"]}) + "\n" for r in rows))
    for manifest in (MANIFEST, f"output/{JOB}/manifests/intermediate/1/output.manifest"):
        (root / manifest).parent.mkdir(parents=True, exist_ok=True)
        (root / manifest).write_text(lines)


def test_ground_truth_output_manifest_pairs_the_deep_masks_and_names_their_colours(tmp_path):
    """Before: no layout (the masks five folders down), and the manifest refused as DATA."""
    ground_truth_job(tmp_path, 4)
    index = discover(tmp_path)
    assert index.format == "sagemaker"
    assert index.classes.names == tuple(HEXES)
    assert index.classes.colours == tuple(map(rgb, HEXES.values()))
    assert [p.image.name for p in index.pairs] == [f"frame_{11 + i:03d}.jpg" for i in range(4)]
    assert index.pairs[0].mask.parent == tmp_path / MASKS
    assert MANIFEST in index.pairing[0] and "by the path below the bucket" in index.pairing[0]
    assert discover(tmp_path / MANIFEST).root == tmp_path  # DATA the manifest (--manifest): the bucket's copy above


def test_ground_truth_uris_of_a_bucket_synced_elsewhere_are_matched_by_base_name(tmp_path):
    ground_truth_job(tmp_path, 3)
    for path in [*(tmp_path / MASKS).iterdir()]:
        path.rename(tmp_path / "images" / path.name)
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and "by base name" in index.pairing[0]


def test_two_jobs_output_manifests_are_refused_with_one_to_pass(tmp_path):
    ground_truth_job(tmp_path, 2)
    other = tmp_path / "output" / "street-seg-2" / "manifests" / "output" / "output.manifest"
    other.parent.mkdir(parents=True)
    other.write_text((tmp_path / MANIFEST).read_text())
    with pytest.raises(DataError, match="manifests lie in 2 folders.*pass one job's manifest as DATA"):
        discover(tmp_path)


def test_images_of_one_name_in_two_folders_are_told_apart_by_a_shorter_end_of_their_uris(tmp_path):
    """Two sites' jobs, `s3://my-bucket/project/site_a/images/frame_011.jpg` and `site_b/`'s, synced
    without `project/` and listed in one manifest: the base name, held in both, called each image
    ambiguous before the shorter end `site_a/images/frame_011.jpg` was tried as a path."""
    lines = []
    for site in ("site_a", "site_b"):
        ground_truth_job(tmp_path / site, 2, bucket=f"s3://my-bucket/project/{site}")
        lines.append((tmp_path / site / MANIFEST).read_text())
        shutil.rmtree(tmp_path / site / "output" / JOB / "manifests")
        (tmp_path / site / "input.manifest").unlink()
    (tmp_path / MANIFEST).parent.mkdir(parents=True)
    (tmp_path / MANIFEST).write_text("".join(lines))
    index = discover(tmp_path)
    assert index.format == "sagemaker" and not [p for p in index.problems if p.code == "mask-without-image"]
    assert sorted(p.image.relative_to(tmp_path).as_posix() for p in index.pairs) == [
        f"{site}/images/frame_{11 + i:03d}.jpg" for site in ("site_a", "site_b") for i in range(2)]
    assert all(p.mask.is_relative_to(p.image.parent.parent) for p in index.pairs)
    assert "by the path below the bucket" in index.pairing[0]
