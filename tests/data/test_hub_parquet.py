"""The hub-parquet format: a Hugging Face Hub dataset as `huggingface-cli download` leaves it,
Parquet shards of an image and a mask column of PNG pictures (a small replica of
segments/sidewalk-semantic: `pixel_values` + `label`, `id2label.json`, a dataset card)."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import audit, discover, read_mask
from seglab.data.layouts.layout_refusal import what_was_seen
from seglab.errors import DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SIZE = 8
ID2LABEL = {"0": "unlabeled", "1": "flat-road", "2": "flat-sidewalk", "3": "vehicle-car"}
CARD = """---
dataset_info:
  features:
  - name: pixel_values
    dtype: image
  - name: label
    dtype: image
  splits:
  - name: train
    num_examples: 6
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
---
# sidewalk-semantic (replica)
"""
IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def label(seed: int) -> np.ndarray:
    """A class-index mask of values 0 to 3."""
    return np.random.default_rng(seed).integers(0, len(ID2LABEL), (SIZE, SIZE), dtype=np.uint8)


def shard(path: Path, seeds: range, columns: tuple[str, str] = ("pixel_values", "label"),
          extra: dict[str, list] | None = None) -> dict[int, np.ndarray]:
    """A shard of rows of an RGB image and its mask, in row groups of two rows (as the Hub writes
    them: several per shard); the masks by seed."""
    photos = [np.random.default_rng(100 + s).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8) for s in seeds]
    masks = {s: label(s) for s in seeds}
    table = pa.table({columns[0]: pa.array([{"bytes": png(p), "path": None} for p in photos], IMAGE),
                      columns[1]: pa.array([{"bytes": png(masks[s]), "path": None} for s in seeds], IMAGE),
                      **(extra or {})})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=2)
    return masks


def sidewalk(root: Path) -> dict[str, np.ndarray]:
    """data/train-0000{0,1}-of-00002.parquet and data/validation-00000-of-00001.parquet, the card and id2label.json."""
    masks = {}
    for name, seeds in (("train-00000-of-00002", range(0, 3)), ("train-00001-of-00002", range(3, 6)),
                        ("validation-00000-of-00001", range(6, 8))):
        found = shard(root / "data" / f"{name}.parquet", seeds)
        masks.update({f"{name}_{row:06d}": mask for row, mask in enumerate(found.values())})
    (root / "README.md").write_text(CARD)
    (root / "id2label.json").write_text(json.dumps(ID2LABEL))
    return masks


def test_shards_unpack_into_pairs_with_splits_and_names(tmp_path: Path) -> None:
    root = tmp_path / "sidewalk-semantic"
    masks = sidewalk(root)
    index = discover(root)
    assert index.format == "hub-parquet"
    assert {p.name: p.split for p in index.pairs} == {
        name: "val" if name.startswith("validation") else "train" for name in masks}
    for pair in index.pairs:
        expected = np.where(masks[pair.name] == 0, 255, masks[pair.name].astype(int) - 1)
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), expected)
        [note] = set(pair.sources.values())  # what findings on the unpacked files name
        assert set(pair.sources) == {pair.image, pair.mask} and note.startswith("row ") and ".parquet'" in note
    # 0 'unlabeled' is void: the ignore label, the named classes numbered from 0 without it
    assert index.classes is not None and index.classes.names == ("flat-road", "flat-sidewalk", "vehicle-car")
    assert index.ignore_index == 255
    assert "'pixel_values' images, 'label' masks" in index.pairing[0]


def test_a_second_reading_uses_the_unpacked_files(tmp_path: Path) -> None:
    root = tmp_path / "sidewalk-semantic"
    sidewalk(root)
    first = discover(root)
    written = {p.mask: p.mask.stat().st_mtime_ns for p in first.pairs}
    assert {p.mask: p.mask.stat().st_mtime_ns for p in discover(root).pairs} == written


def test_stored_paths_name_the_rows_and_a_card_lists_the_classes(tmp_path: Path) -> None:
    """scene_parse_150-style columns (image + annotation) whose structs keep their file names,
    and class names from the card's list of ClassLabel values."""
    root = tmp_path / "scenes"
    table = pa.table({
        "image": pa.array([{"bytes": png(np.full((SIZE, SIZE, 3), i, np.uint8)), "path": f"ADE_{i}.jpg"}
                           for i in range(3)], IMAGE),
        "annotation": pa.array([{"bytes": png(label(i) % 3), "path": f"ADE_{i}.png"} for i in range(3)], IMAGE),
        "scene_category": pa.array([5, 1, 5], pa.int64()),
    })
    root.mkdir()
    pq.write_table(table, root / "train-00000-of-00001.parquet")
    (root / "README.md").write_text("---\ndataset_info:\n  features:\n  - name: scene_category\n    dtype:\n"
                                    "      class_label:\n        names:\n          '0': airport\n          '1': bar\n"
                                    "  - name: classes_on_image\n    sequence:\n      class_label:\n        names:\n"
                                    "          '0': background\n          '1': wall\n          '2': floor\n---\n")
    index = discover(root)
    assert [p.name for p in index.pairs] == ["ADE_0", "ADE_1", "ADE_2"]
    assert index.classes is not None and index.classes.names == ("background", "wall", "floor")


def test_columns_the_names_do_not_tell_are_refused_with_the_route(tmp_path: Path) -> None:
    root = tmp_path / "ambiguous"
    shard(root / "data" / "train-00000-of-00001.parquet", range(2), ("semantic_map", "instance_map"))
    with pytest.raises(DataError, match=r"semantic_map, instance_map.*--images COLUMN --masks COLUMN"):
        discover(root)
    index = discover(root, images="instance_map", masks="semantic_map")
    assert len(index.pairs) == 2


def test_each_shards_columns_are_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding the shards reads their columns, which choosing the image and mask columns reused
    not: every footer was read twice."""
    root = tmp_path / "sidewalk-semantic"
    sidewalk(root)
    read: list[Path] = []
    real = pq.read_schema
    monkeypatch.setattr(pq, "read_schema", lambda path, *args, **kw: read.append(path) or real(path, *args, **kw))
    discover(root)
    assert sorted(read) == sorted((root / "data").glob("*.parquet"))


def test_a_damaged_shard_is_named(tmp_path: Path) -> None:
    root = tmp_path / "sidewalk-semantic"
    sidewalk(root)
    broken = root / "data" / "train-00001-of-00002.parquet"
    broken.write_bytes(broken.read_bytes()[:200])
    with pytest.raises(DataError, match=r"train-00001-of-00002\.parquet' cannot be read"):
        discover(root)


def test_a_row_without_a_picture_is_a_finding(tmp_path: Path) -> None:
    root = tmp_path / "holes"
    table = pa.table({"image": pa.array([{"bytes": png(np.zeros((SIZE, SIZE, 3), np.uint8)), "path": None},
                                         {"bytes": b"no picture", "path": None}], IMAGE),
                      "mask": pa.array([{"bytes": png(label(0)), "path": None}, None], IMAGE)})
    root.mkdir()
    pq.write_table(table, root / "train.parquet")
    index = discover(root)
    assert [p.name for p in index.pairs] == ["train_000000"]
    assert [(p.code, "row 1: its 'image' is no" in p.message) for p in index.problems] == [("unreadable", True)]


def test_without_pyarrow_the_extra_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sidewalk-semantic"
    sidewalk(root)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # what importing it raises without pyarrow
    with pytest.raises(DataError, match=r"needs pyarrow: pip install 'seglab\[hub\]'"):
        discover(root)


def test_split_folders_of_a_converted_repository_and_configurations_refused(tmp_path: Path) -> None:
    """The Hub's converted repositories: `<config>/<split>/0000.parquet`; two configurations are
    refused, naming them."""
    root = tmp_path / "converted"
    shard(root / "default" / "train" / "0000.parquet", range(3))
    shard(root / "default" / "validation" / "0000.parquet", range(3, 5))
    index = discover(root)
    assert {p.name: p.split for p in index.pairs} == {
        **{f"train_0000_{row:06d}": "train" for row in range(3)},
        **{f"validation_0000_{row:06d}": "val" for row in range(2)}}
    shard(root / "coarse" / "train" / "0000.parquet", range(2))
    with pytest.raises(DataError, match=r"2 configurations \(coarse, default\); pass one configuration's folder"):
        discover(root)


def test_a_table_without_pictures_beside_image_folders_is_metadata_not_a_shard(tmp_path: Path) -> None:
    """Fields of The World ships `chips_<country>.parquet` (chip ids, splits) beside its GeoTIFF
    folders: taken for Hub shards, its folder's refusal said it held 0 image columns instead of
    listing the image folders."""
    root = tmp_path / "ftw"
    (root / "s2_images" / "window_a").mkdir(parents=True)
    for k in range(3):
        Image.fromarray(np.zeros((SIZE, SIZE, 3), np.uint8)).save(root / "s2_images" / "window_a" / f"g{k}.png")
    pq.write_table(pa.table({"aoi_id": ["g0", "g1", "g2"], "split": ["train", "val", "test"]}),
                   root / "chips_slovenia.parquet")
    with pytest.raises(DataError, match=r"s2_images/window_a/: 3 image files") as refused:
        discover(root)
    assert "image columns" not in str(refused.value)
    (root / "labels").mkdir()
    for k in range(3):
        Image.fromarray(label(k)).save(root / "labels" / f"g{k}.png")
    index = discover(root, images="window_a", masks="labels")
    assert index.format == "folder-pairs" and len(index.pairs) == 3


@pytest.mark.parametrize("writer", ["new_stream", "new_file"])
def test_save_to_disk_arrow_files_are_read_with_splits_and_info_names(tmp_path: Path, writer: str) -> None:
    """`load_dataset(...).save_to_disk(root)`: `dataset_dict.json` + `<split>/data-00000-of-00001.arrow`
    (an Arrow IPC stream; the IPC file format read too) beside each split's `dataset_info.json`
    and `state.json`, rows as a Parquet shard's; the mask values named by the info's list of
    ClassLabel values, not by `scene_category`, a ClassLabel per image. It was 'no image files found'."""
    root = tmp_path / "scene_parse_150"
    root.mkdir()
    (root / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "validation"]}))
    features = {"image": {"_type": "Image"}, "annotation": {"_type": "Image"},
                "scene_category": {"names": ["airport", "bar"], "_type": "ClassLabel"},
                "objects": {"feature": {"names": ["other", "wall", "floor"], "_type": "ClassLabel"},
                            "_type": "Sequence"}}
    masks = {}
    for split, seeds in (("train", range(3)), ("validation", range(3, 5))):
        table = pa.table({
            "image": pa.array([{"bytes": png(np.full((SIZE, SIZE, 3), s, np.uint8)), "path": f"ADE_{split}_{s}.jpg"}
                               for s in seeds], IMAGE),
            "annotation": pa.array([{"bytes": png(label(s) % 3), "path": f"ADE_{split}_{s}.png"} for s in seeds],
                                   IMAGE),
            "scene_category": pa.array([s % 2 for s in seeds], pa.int64())})
        (root / split).mkdir()
        with pa.OSFile(str(root / split / "data-00000-of-00001.arrow"), "wb") as sink, \
                getattr(pa.ipc, writer)(sink, table.schema) as written:
            written.write_table(table, max_chunksize=2)
        (root / split / "dataset_info.json").write_text(json.dumps({"features": features}))
        (root / split / "state.json").write_text(json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}],
                                                             "_split": split}))
        masks.update({f"ADE_{split}_{s}": label(s) % 3 for s in seeds})
    index = discover(root)
    assert index.format == "hub-parquet"
    assert {p.name: p.split for p in index.pairs} == {n: "val" if "validation" in n else "train" for n in masks}
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks[pair.name])
    assert index.classes is not None and index.classes.names == ("other", "wall", "floor")
    assert index.pairing[0].startswith("2 Arrow shards (3 train, 2 val rows): column 'image' images")


@pytest.mark.parametrize("stems", [("street-seg-train", "street-seg-validation"),
                                   ("parquet-train-00000-of-00002", "parquet-validation-00000-of-00001")])
def test_load_dataset_cache_arrow_files_give_their_splits(tmp_path: Path, stems: tuple[str, str]) -> None:
    """`load_dataset('acme/street-seg')` caches `acme___street-seg/default/0.0.0/<hash>/` of
    `<builder>-<split>[-00000-of-00002].arrow` beside the `dataset_info.json` listing the splits:
    each file's split is read from its name. It was one pool of rows ("9 all rows"), the
    validation rows drawn into training."""
    root = tmp_path / "datasets" / "acme___street-seg" / "default" / "0.0.0" / "e3b0c44298fc1c14"
    root.mkdir(parents=True)
    for stem, seeds in zip(stems, (range(3), range(3, 5))):
        masks = [label(s) for s in seeds]
        table = pa.table({"image": pa.array([{"bytes": png(np.full((SIZE, SIZE, 3), s, np.uint8)), "path": None}
                                             for s in seeds], IMAGE),
                          "label": pa.array([{"bytes": png(m), "path": None} for m in masks], IMAGE)})
        with pa.OSFile(str(root / f"{stem}.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as written:
            written.write_table(table)
    (root / "dataset_info.json").write_text(json.dumps({"splits": {"train": {"num_examples": 3},
                                                                   "validation": {"num_examples": 2}}}))
    index = discover(root)
    assert sorted(str(p.split) for p in index.pairs) == ["train"] * 3 + ["val"] * 2
    (tmp_path / "datasets" / "downloads").mkdir()  # the shards as downloaded, named by hash
    (tmp_path / "datasets" / "downloads" / "5f3c2e1d").write_bytes(bytes(8))
    with pytest.raises(DataError, match="beside their dataset_info.json, read when"):
        discover(tmp_path / "datasets")  # the cache's top, its folder four down: the refusal names it
    assert f"seglab inspect {root}" in what_was_seen(tmp_path / "datasets")
    (root / "dataset_info.json").write_text(json.dumps({"splits": {"all": {"num_examples": 5}}}))
    assert {p.split for p in discover(root).pairs} == {None}  # a split the info does not list is no split


def tiles(root: Path, folds: list[int]) -> None:
    """OAM-TCD's shards: `image` + `annotation`, an `oam_id` column naming the orthomosaic each tile
    is cut from (tile k of `oam_<k // 2>`) and a `validation_fold` column, `folds[k]` for tile k,
    split into two train shards and a test one."""
    cut = {"train-00000-of-00002": range(0, 4), "train-00001-of-00002": range(4, 8),
           "test-00000-of-00001": range(8, 10)}
    for name, seeds in cut.items():
        shard(root / "data" / f"{name}.parquet", seeds, ("image", "annotation"),
              {"oam_id": [f"oam_{s // 2}" for s in seeds], "validation_fold": [folds[s] for s in seeds],
               "biome": [s % 2 for s in seeds]})


def test_group_and_fold_columns_of_the_shards_group_the_pairs(tmp_path: Path) -> None:
    """OAM-TCD's tiles of one orthomosaic (`oam_id`) were not grouped, so that a drawn split put
    them in train and val alike, and its `validation_fold` column was not read: its folds, each
    holding whole orthomosaics, are the groups."""
    root = tmp_path / "oam_tcd"
    tiles(root, [k // 4 for k in range(10)])  # folds 0, 0, 0, 0, 1, ... each holding two orthomosaics
    index = discover(root)
    assert {p.name: p.group for p in index.pairs} == {
        **{f"train-0000{k // 4}-of-00002_{k % 4:06d}": f"fold {k // 4}" for k in range(8)},
        **{f"test-00000-of-00001_{k:06d}": "fold 2" for k in range(2)}}
    assert "grouped by the column 'validation_fold': 2 shipped folds, each holding whole 'oam_id' groups " \
           "(--folds 2 validates on one at a time)" in index.pairing


def test_folds_dividing_a_group_leave_the_group_column_to_group(tmp_path: Path) -> None:
    root = tmp_path / "oam_tcd"
    tiles(root, [k % 2 for k in range(10)])  # each orthomosaic's two tiles in folds 0 and 1
    index = discover(root)
    assert {p.group for p in index.pairs} == {f"oam_{k}" for k in range(5)}
    assert index.pairing[-1] == ("grouped by the column 'oam_id': 5 groups; its column 'validation_fold' divides "
                                 "them, so its folds are not used")


ARTEFACT_NAMES = ("Clean", "Material loss", "Peel", "Dust", "Scratch", "Hair", "Dirt", "Fold", "Writing", "Cracks",
                  "Staining", "Stamp", "Sticker", "Puncture", "Burn marks", "Lightleak")


def artefact(root: Path) -> None:
    """ARTeFACT's re-upload: `data/train-0000N-of-00002.parquet` rows of `image`, `annotation`
    (class ids, 255 the background around the object, class 1 in none of these rows) and
    `annotation_rgb`; the card names the ids in a `| Class ID | Name |` table of its text."""
    for k in range(2):
        masks = []
        for s in range(3):
            mask = np.full((SIZE, SIZE), 255, np.uint8)
            mask[1:7, 1:7], mask[2:4, 2:5], mask[5:7, 4:7] = 0, 2 + s + 3 * k, 15 - s
            masks.append(mask)
        table = pa.table({
            "image": pa.array([{"bytes": png(np.full((SIZE, SIZE, 3), 9 * s, np.uint8)), "path": None} for s in range(3)],
                              IMAGE),
            "annotation": pa.array([{"bytes": png(m), "path": None} for m in masks], IMAGE),
            "annotation_rgb": pa.array([{"bytes": png(np.stack([m] * 3, -1)), "path": None} for m in masks], IMAGE)})
        (root / "data").mkdir(parents=True, exist_ok=True)
        pq.write_table(table, root / "data" / f"train-0000{k}-of-00002.parquet")
    rows = "".join(f"| {i} | {name} |\n" for i, name in enumerate(ARTEFACT_NAMES))
    (root / "README.md").write_text(f"{CARD}\n## Damage classes\n\n| Class ID | Name |\n|---|---|\n{rows}"
                                    "| 255 | Background |\n")


def test_a_cards_table_of_class_ids_names_the_classes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """ARTeFACT: the card's `| Class ID | Name |` table, which folder-pairs read from the same
    README, was not read for shards: the classes were class_0 ... class_15 and 255 was fatal, the
    first route offered a --label-map renumbering 2..15 as 1..14 (every class shifted, as class 1
    is only absent). The ids are their names' classes, 1 among them, and 255 'Background', apart
    from them, is offered to --ignore-index."""
    root = tmp_path / "damaged-media"
    artefact(root)
    with caplog.at_level(logging.INFO):
        index = discover(root, images="image", masks="annotation")
    assert index.classes is not None and index.classes.names == (*ARTEFACT_NAMES, "Background")
    assert audit(index).fatal == [] and "--label-map" not in caplog.text
    assert "255 ('Background'), apart from the others, is class 16: --ignore-index 255 scores it in no class" \
        in caplog.text
    ignored = discover(root, images="image", masks="annotation", ignore_index=255)
    assert ignored.classes is not None and ignored.classes.names == ARTEFACT_NAMES and ignored.ignore_index == 255
