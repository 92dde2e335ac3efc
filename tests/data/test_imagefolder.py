"""Hugging Face `datasets` imagefolder: a `metadata.jsonl` or `metadata.csv` per split folder whose
`file_name` names an image and `mask_file_name` its mask, the names unrelated; `id2label.json` names
the mask values. One metadata file alone is a manifest (`--manifest train/metadata.jsonl`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 12, 16
ID2LABEL = {"0": "unlabeled", "1": "flat-road", "2": "flat-sidewalk", "3": "vehicle-car"}


def labels(seed: int) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    mask[2:6, seed % 5:8 + seed % 5], mask[7:, 9:] = 1 + seed % 3, 3
    return mask


def save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def imagefolder(root: Path) -> dict[str, int]:
    """train/ with a metadata.jsonl and validation/ with a metadata.csv, the masks numbered in
    another order than the images, as the sidewalk demo ships them; each image's seed by name."""
    seeds = {}
    order = [4, 0, 3, 1, 2]
    for split, ks in (("train", range(3)), ("validation", range(3, 5))):
        rows = []
        for k in ks:
            image, mask = f"IMG_2023_{1000 + 17 * k}.jpg", f"seg_{order[k]:04d}.png"
            save(root / split / "images" / image, np.full((H, W, 3), 40 * k, np.uint8))
            save(root / split / "masks" / mask, labels(k))
            rows.append({"file_name": f"images/{image}", "mask_file_name": f"masks/{mask}"})
            seeds[Path(image).stem] = k
        if split == "train":
            (root / split / "metadata.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        else:
            (root / split / "metadata.csv").write_text(
                "file_name,mask_file_name\n" + "".join(f"{r['file_name']},{r['mask_file_name']}\n" for r in rows))
    (root / "id2label.json").write_text(json.dumps(ID2LABEL))
    return seeds


def test_an_imagefolder_is_paired_by_its_metadata_files_in_their_splits(tmp_path):
    """It was 'no image/mask pairs found' (folder-pairs matched images/ to masks/ by name)."""
    seeds = imagefolder(tmp_path)
    index = discover(tmp_path)
    assert index.format == "imagefolder"
    assert sorted((p.name, p.split) for p in index.pairs) == [
        ("IMG_2023_1000", "train"), ("IMG_2023_1017", "train"), ("IMG_2023_1034", "train"),
        ("IMG_2023_1051", "val"), ("IMG_2023_1068", "val")]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping),
                                      np.where(labels(seeds[pair.name]) == 0, 255, labels(seeds[pair.name]) - 1))
    assert index.classes.names == ("flat-road", "flat-sidewalk", "vehicle-car")
    assert index.ignore_index == 255  # id2label's 'unlabeled'


def test_the_metadata_files_are_found_once_for_detect_and_index(tmp_path, monkeypatch):
    """Detecting the layout and indexing it each walked the dataset for its metadata files."""
    from seglab.data.layouts import imagefolder as layout

    imagefolder(tmp_path)
    found, walked = layout.metadata_files, []
    monkeypatch.setattr(layout, "metadata_files", lambda root: walked.append(root) or found(root))
    assert discover(tmp_path).format == "imagefolder" and walked == [tmp_path]


def test_one_metadata_file_is_a_manifest_and_a_bad_line_is_named(tmp_path):
    imagefolder(tmp_path)
    index = discover(tmp_path / "train" / "metadata.jsonl")
    assert index.format == "manifest" and len(index.pairs) == 3
    assert len(discover(tmp_path / "validation" / "metadata.csv").pairs) == 2
    (tmp_path / "train" / "metadata.jsonl").write_text('{"file_name": "images/a.jpg"}\n["images/b.jpg"]\n')
    with pytest.raises(DataError, match=r"metadata.jsonl' line 2 must be an object"):
        discover(tmp_path / "train" / "metadata.jsonl")


def test_classification_metadata_names_no_masks_and_leaves_the_folder_to_folder_pairs(tmp_path):
    """imagefolder's metadata of an image classification (`file_name` + a class `label`) pairs nothing."""
    for k in range(3):
        save(tmp_path / "images" / f"a{k}.png", np.full((H, W, 3), 40 * k, np.uint8))
        save(tmp_path / "masks" / f"a{k}.png", labels(k))
    (tmp_path / "metadata.jsonl").write_text("".join(json.dumps({"file_name": f"images/a{k}.png", "label": "cat"})
                                                     + "\n" for k in range(3)))
    assert discover(tmp_path).format == "folder-pairs"
