"""Datasets shipped in archives and containers seglab does not open (SA-1B's and WebDataset's tar
shards, ISIC 2018's zips, TensorFlow Datasets' TFRecord shards, LMDB databases, OME-Zarr stores):
the refusal names each with the command or the lines that make image and mask files of it, where
it said 'no image files found'. An archive beside what it holds (Kvasir-SEG's zip, VOC's tar) is
not named."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover
from seglab.data.layouts.layout_refusal import what_was_seen
from seglab.errors import DataError


def picture(array: np.ndarray, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format)
    return buffer.getvalue()


def photo(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (8, 10, 3), dtype=np.uint8)


def mask(seed: int) -> np.ndarray:
    return (np.arange(80).reshape(8, 10) + seed) % 3 == 0


def refusal(root: Path) -> str:
    with pytest.raises(DataError) as refused:
        discover(root)
    return str(refused.value)


def test_tar_shards_not_unpacked_are_named_with_the_command_that_unpacks_them(tmp_path: Path) -> None:
    """WebDataset shards (`train-000000.tar`: `key.jpg` + `key.seg.png` + `key.json`); unpacked
    where they lie, they are image and mask pairs and no longer named."""
    root = tmp_path / "shards"
    root.mkdir()
    for shard in range(2):
        with tarfile.open(root / f"train-{shard:06d}.tar", "w") as tar:
            for key in range(3 * shard, 3 * shard + 3):
                for suffix, data in ((".jpg", picture(photo(key), "JPEG")), (".seg.png", picture(mask(key))),
                                     (".json", b"{}")):
                    member = tarfile.TarInfo(f"train_{key:06d}{suffix}")
                    member.size = len(data)
                    tar.addfile(member, io.BytesIO(data))
    message = refusal(root)
    assert ("./: 2 tar archive(s) not unpacked (train-000000.tar, train-000001.tar): "
            f"cd {root} && for a in train-000000.tar train-000001.tar; do tar xf \"$a\"; done") in message
    for shard in sorted(root.glob("*.tar")):
        with tarfile.open(shard) as tar:
            tar.extractall(root, filter="data")
    assert len(discover(root).pairs) == 6
    assert "archive" not in what_was_seen(root)


def test_zips_of_a_folder_each_are_named_by_pattern_and_read_once_unzipped(tmp_path: Path) -> None:
    """ISIC 2018's `ISIC2018_Task1-2_Training_Input.zip` (a folder of images) beside
    `ISIC2018_Task1_Training_GroundTruth.zip` (of `_segmentation.png` masks), for each split."""
    root = tmp_path / "isic"
    root.mkdir()
    for split in ("Training", "Validation"):
        for name, files in ((f"ISIC2018_Task1-2_{split}_Input", {f"ISIC_{i}.jpg": picture(photo(i), "JPEG")
                                                                  for i in range(3)}),
                            (f"ISIC2018_Task1_{split}_GroundTruth", {f"ISIC_{i}_segmentation.png":
                                                                     picture(mask(i).astype(np.uint8) * 255)
                                                                     for i in range(3)})):
            with zipfile.ZipFile(root / f"{name}.zip", "w") as archive:
                for file, data in files.items():
                    archive.writestr(f"{name}/{file}", data)
    message = refusal(root)
    assert "no image files found" in message
    assert (f"./: 4 zip archive(s) not unpacked (ISIC2018_Task1-2_Training_Input.zip, "
            f"ISIC2018_Task1-2_Validation_Input.zip, ISIC2018_Task1_Training_GroundTruth.zip, ... and 1 more): "
            f"cd {root} && for a in *.zip; do unzip -q \"$a\"; done") in message
    for archive in root.glob("*.zip"):
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(root)
    assert len(discover(root).pairs) == 6


def test_an_archive_beside_what_it_holds_is_not_named(tmp_path: Path) -> None:
    """Kvasir-SEG's `kvasir-seg.zip` beside `Kvasir-SEG/`, VOC's `VOCtrainval_11-May-2012.tar`
    beside `VOCdevkit/`: unpacked already, in a dataset read or refused."""
    root = tmp_path / "kvasir"
    for i in range(3):
        for folder, data in (("images", picture(photo(i), "JPEG")), ("masks", picture(mask(i).astype(np.uint8) * 255))):
            (root / "Kvasir-SEG" / folder).mkdir(parents=True, exist_ok=True)
            (root / "Kvasir-SEG" / folder / f"c{i}.jpg").write_bytes(data)
    with zipfile.ZipFile(root / "kvasir-seg.zip", "w") as archive:
        archive.writestr("Kvasir-SEG/images/c0.jpg", b"")
    with tarfile.open(root / "VOCtrainval_11-May-2012.tar", "w") as tar:
        tar.addfile(tarfile.TarInfo("./Kvasir-SEG/masks/c0.jpg"))
    assert len(discover(root).pairs) == 3
    assert "archive" not in what_was_seen(root).replace(str(root), "")  # what a refusal says, less its paths


def test_an_archive_tensorflow_datasets_unpacked_into_extracted_is_not_named(tmp_path: Path) -> None:
    """tfds' data_dir keeps each download (`downloads/<host>_pets_images<hash>.tar.gz`) beside
    `downloads/extracted/TAR_GZ.<that name>/`, its unpacked copy: no `tar xf` to run. An archive
    beside an `extracted/` of other downloads is still named."""
    downloads = tmp_path / "tensorflow_datasets" / "downloads"
    unpacked, pending = "thor_pets_imagesQ5Wz9v.tar.gz", "thor_pets_annotationsX1y2.tar.gz"
    (downloads / "extracted" / f"TAR_GZ.{unpacked}" / "images").mkdir(parents=True)
    (downloads / "extracted" / f"TAR_GZ.{unpacked}" / "images" / "a.jpg").write_bytes(picture(photo(0), "JPEG"))
    for name in (unpacked, pending):
        with tarfile.open(downloads / name, "w:gz") as tar:
            tar.addfile(tarfile.TarInfo("images/a.jpg"))
    message = refusal(tmp_path / "tensorflow_datasets")
    assert f"1 tar archive(s) not unpacked ({pending})" in message
    assert unpacked not in message.split("archives and containers")[1]


def test_tfrecord_shards_lmdb_databases_zarr_stores_and_arrow_tables_are_named(tmp_path: Path) -> None:
    """TensorFlow Datasets' `oxford_iiit_pet/3.2.0/oxford_iiit_pet-train.tfrecord-00000-of-00002`
    beside its dataset_info.json, an LMDB database per split (`train_lmdb/data.mdb`), OME-Zarr
    stores (`field_000.ome.zarr/` with `0/` and `labels/nuclei/0/`): one or two of each, which the
    refusal named only from three of one suffix in a folder, or never."""
    root = tmp_path / "containers"
    prepared = root / "oxford_iiit_pet" / "3.2.0"
    prepared.mkdir(parents=True)
    for split in ("train", "test"):
        (prepared / f"oxford_iiit_pet-{split}.tfrecord-00000-of-00001").write_bytes(bytes(16))
    (prepared / "dataset_info.json").write_text("{}")
    for split in ("train", "val"):
        (root / "lmdb" / f"{split}_lmdb").mkdir(parents=True)
        for name in ("data.mdb", "lock.mdb"):
            (root / "lmdb" / f"{split}_lmdb" / name).write_bytes(bytes(64))
    for store in ("field_000.ome.zarr", "field_001.ome.zarr"):
        for group in ("", "labels", "labels/nuclei"):
            (root / "zarr" / store / group).mkdir(parents=True, exist_ok=True)
            (root / "zarr" / store / group / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
        for array in ("0", "labels/nuclei/0"):
            (root / "zarr" / store / array).mkdir()
            (root / "zarr" / store / array / ".zarray").write_text("{}")
    message = refusal(root)
    assert ("oxford_iiit_pet/3.2.0/: 2 TFRecord shard(s) (oxford_iiit_pet-test.tfrecord-00000-of-00001, "
            "oxford_iiit_pet-train.tfrecord-00000-of-00001): write each example's image and mask") in message
    assert f"tfds.builder_from_directory('{prepared}')" in message
    assert "lmdb/train_lmdb/, lmdb/val_lmdb/: 2 LMDB database(s) (data.mdb)" in message
    assert ("zarr/: 2 Zarr store(s) (field_000.ome.zarr, field_001.ome.zarr), OME-Zarr images with label images "
            "in labels/, not read: export each to TIFF files of one name in images/ and nuclei/") in message
    assert 'tifffile.imwrite("nuclei/field_000.tif", z["labels/nuclei/0"][:].squeeze())' in message
    assert "then --images images --masks nuclei" in message


def test_an_arrow_table_of_no_pictures_is_named(tmp_path: Path) -> None:
    """An Arrow file without an image and a mask column of pictures is no save_to_disk dataset the
    hub-parquet layout reads (its masks as arrays, say): named, with the way to write files of it."""
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"pixels": [[0, 1], [2, 3]], "label": [[0, 0], [1, 1]]})
    (tmp_path / "train").mkdir()
    with pa.OSFile(str(tmp_path / "train" / "data-00000-of-00001.arrow"), "wb") as sink, \
            pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    assert ("train/: 1 Arrow file(s) (data-00000-of-00001.arrow), read only as a Hugging Face save_to_disk folder "
            "with an image and a mask column of pictures") in refusal(tmp_path)
