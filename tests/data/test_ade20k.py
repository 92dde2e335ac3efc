"""ADE20K's full release read as shipped: `_seg.png` class ids R / 10 * 256 + G, objects in B."""

from __future__ import annotations

import json
import logging
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask, scan
from seglab.data.checking.checks import FATAL, severity
from seglab.data.classes.mapping import ColourMapping, MaskMapping
from seglab.data.encodings.ade20k import Ade20kMapping
from seglab.errors import ConfigError, DataError

NAMES = {12: "airplane, aeroplane, plane", 447: "ceiling", 976: "floor, flooring", 1831: "person, individual",
         2420: "sky", 2978: "wall"}  # ids past 255 need R: 2978 is R 110, G 162
SCENES = [("training", "cultural/apse__indoor", (2978, 976, 447)), ("training", "urban/street", (2978, 2420, 1831)),
          ("validation", "urban/street", (2420, 12, 1831))]


class _Unpickled:
    """Loading this pickle makes a folder: proof that index_ade20k.pkl was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.makedirs, (str(self.marker),)


def seg_png(ids: tuple[int, ...], k: int) -> tuple[np.ndarray, np.ndarray]:
    """An image's class ids (bands of `ids`, an unlabelled corner) and its `_seg.png`, each band
    one object numbered in B (numbers differ per image, so each object is a colour of its own)."""
    classes = np.zeros((32, 48), np.int64)
    for j, v in enumerate(ids):
        classes[:, 16 * j:16 * (j + 1)] = v
    classes[:6, :6] = 0
    seg = np.zeros((32, 48, 3), np.uint8)
    seg[..., 0], seg[..., 1] = classes // 256 * 10, classes % 256
    seg[..., 2] = np.where(classes > 0, 10 * k + np.searchsorted(sorted(set(ids)), classes) + 1, 0)
    return classes, seg


def ade20k_full(base: Path, objects: str | None = "numbered") -> Path:
    """ADE20K_2021_17_01 as unzipped: images/ADE/<split>/<scene>/ADE_<split>_<8>.jpg beside its
    `_seg.png`, `_parts_1.png`, `.json` and folder of per-object masks; `objects.txt` (`objects`:
    "numbered" id<TAB>name rows, "header" rows under a header naming the columns, Wordnet name
    and Name index first, "one-off" ids one less than the masks', objectnames' 0-based index)
    and `index_ade20k.pkl` at the release root. Returns images/ADE/, the folder one passes."""
    release = base / "ADE20K_2021_17_01"
    k = 0
    for split, scene, ids in SCENES:
        folder = release / "images" / "ADE" / split / scene
        folder.mkdir(parents=True)
        for _ in range(2):
            k += 1
            name = f"ADE_{'train' if split == 'training' else 'val'}_{k:08d}"
            classes, seg = seg_png(ids[k % 2:] + ids[:k % 2], k)
            Image.fromarray(np.random.default_rng(k).integers(0, 255, (32, 48, 3), np.uint8)).save(folder / f"{name}.jpg")
            Image.fromarray(seg).save(folder / f"{name}_seg.png")
            Image.fromarray(np.where(classes[..., None] == ids[0], [0, 90, 5], 0).astype(np.uint8)).save(
                folder / f"{name}_parts_1.png")  # parts of the first object: another class, 90
            described = [{"id": j, "name": NAMES[v], "name_ndx": v, "parts": {"part_level": 0}}
                         for j, v in enumerate(ids)] + [{"id": 9, "name": "knob", "name_ndx": 90, "parts": {"part_level": 1}}]
            (folder / f"{name}.json").write_text(json.dumps({"annotation": {"filename": f"{name}.jpg",
                                                                            "object": described}}))
            (folder / name).mkdir()
            Image.fromarray((classes == ids[0]).astype(np.uint8) * 255).save(folder / name / f"instance_000_{name}.png")
    rows = {"numbered": [f"{v}\t{n}" for v, n in NAMES.items()],
            "header": ["Wordnet name\tName index\tis object counts\tADE names"]
                      + [f"{n}\t{v}\t{v}\t{n.split(',')[0]}" for v, n in NAMES.items()],
            "one-off": [f"{v - 1}\t{n}" for v, n in NAMES.items()]}
    if objects is not None:
        (release / "objects.txt").write_text("\n".join(rows[objects]) + "\n", encoding="latin-1")
    (release / "index_ade20k.pkl").write_bytes(pickle.dumps(_Unpickled(base / "unpickled")))
    return release / "images" / "ADE"


def test_full_release_masks_are_read_as_class_ids_named_by_objects_txt(tmp_path, caplog):
    """Read as colours, each object (a B number) was a colour of its own: 2 classes, background and
    object. Decoded, the ids present are the classes in id order, named by objects.txt, with 0
    ignored; the part masks, per-object folders and the pickle are left out, and the per-object
    masks of validation/ are no unlabelled images."""
    caplog.set_level(logging.INFO)
    data = ade20k_full(tmp_path)
    index = discover(data)
    assert index.classes.names == ("airplane", "ceiling", "floor", "person", "sky", "wall")
    assert index.classes.ignore_index == 255 and len(index.pairs) == 6 and index.unlabelled == []
    assert isinstance(index.mapping, Ade20kMapping) and index.mapping.ids == (12, 447, 976, 1831, 2420, 2978)
    assert MaskMapping.from_dict(json.loads(json.dumps(index.mapping.to_dict()))) == index.mapping
    assert {p.name for p in index.ignored} >= {"ADE_val_00000005_parts_1.png", "instance_000_ADE_val_00000005.png"}
    for pair in index.pairs:
        classes, _ = seg_png(*_ids_of(pair.mask))
        expected = np.searchsorted(index.mapping.ids, classes)
        expected[classes == 0] = 255
        assert np.array_equal(read_mask(pair.mask, index.mapping), expected)
    assert [p for p in scan(index).problems if severity(p.code) == FATAL] == []
    assert not (tmp_path / "unpickled").exists()
    assert "6 part masks (_parts_N.png" in caplog.text and "6 folders of per-object masks" in caplog.text
    assert "index_ade20k.pkl' (a pickle can run code when loaded" in caplog.text


def _ids_of(mask: Path) -> tuple[tuple[int, ...], int]:
    """The band ids and image number `ade20k_full` gave a `_seg.png`."""
    k = int(mask.name.split("_")[2])
    ids = next(ids for split, scene, ids in SCENES if mask.parent.as_posix().endswith(f"{split}/{scene}"))
    return ids[k % 2:] + ids[:k % 2], k


@pytest.mark.parametrize("objects", ["header", "one-off", None])
def test_names_come_from_the_json_beside_each_image_unless_objects_txt_numbers_its_rows_alike(tmp_path, caplog, objects):
    """The release's column header names the ids; rows numbered otherwise than the masks (one
    off) are not trusted, and with no objects.txt the `.json` beside each image names its
    objects (its parts, at part_level 1, are no class here)."""
    data = ade20k_full(tmp_path, objects)
    index = discover(data)
    assert index.classes.names == ("airplane", "ceiling", "floor", "person", "sky", "wall")
    if objects == "one-off":
        assert "objects.txt' names id 12 nothing, but the .json beside the images name it 'airplane" in caplog.text


def test_a_classes_json_keeps_some_classes_and_the_other_ids_are_ignored_not_merged(tmp_path, caplog):
    """The documented route to fewer classes: classes.json names them (in its order), the ids
    present that it does not name are the ignore label, and the log says which and how much."""
    caplog.set_level(logging.INFO)
    data = ade20k_full(tmp_path)
    (data / "classes.json").write_text(json.dumps({"names": ["wall", "sky", "floor"]}))
    index = discover(data)
    assert index.classes.names == ("wall", "sky", "floor") and index.classes.ignore_index == 255
    assert index.mapping == Ade20kMapping((2978, 2420, 976), 255, others_ignored=True)
    mask = read_mask(index.pairs[0].mask, index.mapping)
    classes, _ = seg_png(*_ids_of(index.pairs[0].mask))
    assert set(np.unique(mask[classes == 447])) == {255} and set(np.unique(mask[classes == 2978])) == {0}
    assert "id 0 (unlabelled) and the 3 ids present not named there (" in caplog.text
    assert "not merged into a class, is the ignore label 255" in caplog.text
    with pytest.raises(ConfigError, match="keep the classes to train by their names in a classes.json"):
        discover(data, label_map={2978: 0, 976: 1})
    (data / "classes.json").write_text(json.dumps({"names": ["background", "road"]}))
    with pytest.raises(DataError, match=r"names none of the 6 ADE20K classes these masks hold \(.*wall.*\.\.\.\)"):
        discover(data)


def test_more_than_255_classes_are_ignored_as_minus_one(tmp_path):
    """255 is a class index once there are 256 classes: unlabelled pixels are -1 instead."""
    folder = tmp_path / "ADE" / "training" / "home"
    folder.mkdir(parents=True)
    ids = np.arange(32 * 32).reshape(32, 32) % 300  # 0 and 1..299
    seg = np.stack([ids // 256 * 10, ids % 256, np.zeros_like(ids)], axis=2).astype(np.uint8)
    Image.fromarray(seg).save(folder / "ADE_train_00000001_seg.png")
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(folder / "ADE_train_00000001.jpg")
    index = discover(tmp_path / "ADE")
    assert index.classes.num_classes == 299 and index.classes.ignore_index == -1
    assert index.classes.names[0] == "ade_1" and index.mapping.void_label == -1


def test_seg_png_colour_masks_of_other_datasets_stay_colour_classes(tmp_path):
    """`_seg.png` is a common mask name: without the release's names (ADE_...) or tables, masks
    whose red values happen to be multiples of 10 are read as before."""
    for i in range(4):
        seg = np.zeros((32, 32, 3), np.uint8)
        seg[:, :16] = (0, 200, 0)
        seg[:, 16:] = (0, 0, 200)
        Image.fromarray(seg).save(tmp_path / f"field_{i}_seg.png")
        Image.fromarray(np.full((32, 32, 3), 9 * i, np.uint8)).save(tmp_path / f"field_{i}.jpg")
    index = discover(tmp_path)
    assert index.mapping == ColourMapping(((0, 0, 200), (0, 200, 0)))



def test_a_folder_named_after_an_image_holds_its_files_not_its_mask_nor_unlabelled_images(tmp_path):
    """ADE20K keeps each image's per-object masks in a folder named after it
    (`<scene>/ADE_val_x/instance_000_ADE_val_x.png`) beside its mask (`ADE_val_x_seg.png`): in a
    scene folder without part masks the first object's mask was paired as the image's mask, and
    under a val split the folders were counted as unlabelled images. The mask beside is read; the
    folders are files of the image, left out."""
    for split in ("train", "val"):
        (tmp_path / split).mkdir()
        for i in range(3):
            name = f"{split}_{i}"
            mask = np.zeros((32, 32), np.uint8)
            mask[:, 8 * i:] = 1
            Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(tmp_path / split / f"{name}.jpg")
            Image.fromarray(mask).save(tmp_path / split / f"{name}_mask.png")
            (tmp_path / split / name).mkdir()
            Image.fromarray(mask * 255).save(tmp_path / split / name / f"instance_000_{name}.png")
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and index.unlabelled == []
    assert all(p.mask.name == f"{p.image.stem}_mask.png" for p in index.pairs)
    assert {p.name for p in index.ignored} >= {"instance_000_val_0.png", "instance_000_train_0.png"}


def test_the_ids_the_masks_hold_are_counted_once_and_again_when_a_mask_changes(tmp_path, monkeypatch):
    """Naming the classes reads every mask (27,574 in the training split): the counts are kept in
    the cache, so a second command decodes only the few masks the detection looks at, and a mask
    written since is counted afresh."""
    from seglab.data.encodings import ade20k

    data = ade20k_full(tmp_path)
    decoded: list[str] = []
    reader = ade20k.read_raw_mask
    monkeypatch.setattr(ade20k, "read_raw_mask", lambda path, **kw: decoded.append(path.name) or reader(path, **kw))
    first = discover(data, cache_dir=str(tmp_path / "cache"))
    assert len(decoded) >= 6
    decoded.clear()
    again = discover(data, cache_dir=str(tmp_path / "cache"))
    assert again.classes == first.classes and again.mapping == first.mapping and len(decoded) <= 3

    mask = next(p.mask for p in first.pairs if p.split == "val")
    seg = np.array(Image.open(mask))
    seg[-4:, -4:] = (0, 33, 1)  # class id 33, in no other mask
    Image.fromarray(seg).save(mask)
    os.utime(mask, ns=(os.stat(mask).st_atime_ns, os.stat(mask).st_mtime_ns + 10**9))
    changed = discover(data, cache_dir=str(tmp_path / "cache"))
    assert 33 in changed.mapping.ids and len(changed.classes.names) == len(first.classes.names) + 1
