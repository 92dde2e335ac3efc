"""Nuclei datasets whose labels are MATLAB files, as HoVer-Net's authors and Lizard ship them:
CoNSeP's `Train/Labels/train_1.mat` (`inst_map`, `type_map`, `inst_type`, `inst_centroid`) beside
`Train/Images/` and `Train/Overlay/`; Lizard's `Lizard_Labels/Labels/*.mat` (`inst_map`, `id`,
`class`, `bbox`, `centroid`) beside the images shared out over `Lizard_Images1/` and
`Lizard_Images2/`; CPM-17's and Kumar's `inst_map` alone. Files are written with
scipy.io.savemat, as those datasets' are. Before, none paired: .mat files were never listed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from seglab.data import discover, inspect_dataset, read_mask
from seglab.data.files.io import read_raw_mask
from seglab.data.files.read_errors import ReadError
from seglab.errors import DataError

H, W = 24, 32


def nuclei(seed: int, count: int = 4) -> np.ndarray:
    """An instance map: `count` 4x4 nuclei numbered 1.. in a row."""
    objects = np.zeros((H, W), np.int32)
    for k in range(count):
        top = 2 + (seed + k) % 10
        objects[top:top + 4, 1 + 7 * k:5 + 7 * k] = k + 1
    return objects


def rgba(seed: int) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 256, (H, W, 4), np.uint8)
    pixels[..., 3] = 255  # CoNSeP's PNGs carry an opaque alpha channel
    return pixels


def consep(root: Path) -> dict[str, np.ndarray]:
    """CoNSeP as shipped; returns each image's type map."""
    types = {}
    for split in ("Train", "Test"):
        for d in ("Images", "Labels", "Overlay"):
            (root / split / d).mkdir(parents=True)
        for i in (1, 2):
            name, seed = f"{split.lower()}_{i}", len(types)
            Image.fromarray(rgba(seed)).save(root / split / "Images" / f"{name}.png")
            Image.fromarray(rgba(seed)[..., :3]).save(root / split / "Overlay" / f"{name}.png")  # outlines drawn
            objects = nuclei(seed)
            kinds = np.array([[1 + (seed + k) % 7] for k in range(4)])
            type_map = np.where(objects > 0, kinds[np.maximum(objects - 1, 0), 0], 0).astype(np.int32)
            scipy.io.savemat(root / split / "Labels" / f"{name}.mat", {
                "inst_map": objects.astype(np.float64), "type_map": type_map, "inst_type": kinds,
                "inst_centroid": np.zeros((4, 2))})
            types[name] = type_map
    return types


def test_consep_as_shipped_reads_its_type_maps_and_leaves_the_overlays(tmp_path):
    types = consep(tmp_path / "CoNSeP")
    index = discover(tmp_path / "CoNSeP")
    assert index.format == "folder-pairs"
    assert {(p.name, p.split, p.image.parent.name, p.mask.parent.name) for p in index.pairs} == {
        ("train_1", "train", "Images", "Labels"), ("train_2", "train", "Images", "Labels"),
        ("test_1", "test", "Images", "Labels"), ("test_2", "test", "Images", "Labels")}
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), types[pair.name])
    report = inspect_dataset(tmp_path / "CoNSeP")
    assert sorted(p.relative_to(tmp_path / "CoNSeP").as_posix() for p in report.index.ignored) == [
        "Test/Overlay/test_1.png", "Test/Overlay/test_2.png", "Train/Overlay/train_1.png", "Train/Overlay/train_2.png"]
    assert not [p for p in report.problems if p.code in ("mask-without-image", "image-without-mask", "instance-ids")]


def test_the_overlays_are_read_when_named(tmp_path):
    consep(tmp_path / "CoNSeP")
    index = discover(tmp_path / "CoNSeP", images="Overlay", masks="Labels")
    assert {p.image.parent.name for p in index.pairs} == {"Overlay"} and len(index.pairs) == 4


def lizard(root: Path, grey: bool = False) -> dict[str, np.ndarray]:
    """Lizard as its three archives unpack; returns each image's class mask, painted by hand."""
    masks = {}
    names = ("consep_1", "crag_1", "dpath_1", "glas_1", "pannuke_1", "pannuke_2")
    (root / "Lizard_Labels" / "Labels").mkdir(parents=True)
    (root / "Lizard_Labels" / "info.csv").write_text("Filename,Source,Split\n" + "".join(
        f"{n},{n.split('_')[0]},1\n" for n in names))
    for i, name in enumerate(names):
        folder = root / f"Lizard_Images{1 if i < 3 else 2}"
        folder.mkdir(exist_ok=True)
        pixels = np.random.default_rng(i).integers(0, 256, (H, W, 3), np.uint8)
        Image.fromarray(pixels[..., 0] if grey else pixels).save(folder / f"{name}.png")
        objects = nuclei(i) * 5  # Lizard numbers its nuclei with gaps; `id` lists them
        ids, classes = np.array([[5], [10], [15], [20]]), np.array([[1 + (i + k) % 6] for k in range(4)])
        scipy.io.savemat(root / "Lizard_Labels" / "Labels" / f"{name}.mat", {
            "inst_map": objects, "id": ids[::-1], "class": classes[::-1],  # listed in any order
            "bbox": np.zeros((4, 4)), "centroid": np.zeros((4, 2))})
        painted = np.zeros((H, W), np.int64)
        for object_id, kind in zip(ids[:, 0], classes[:, 0]):
            painted[objects == object_id] = kind
        masks[name] = painted
    return masks


@pytest.mark.parametrize("grey", [False, True])
def test_lizard_pairs_both_image_folders_with_its_labels_and_paints_each_nucleus_class(tmp_path, grey):
    """Grey images too: two folders of one channel each sharing a mask folder were taken for bands."""
    masks = lizard(tmp_path / "lizard", grey)
    report = inspect_dataset(tmp_path / "lizard")
    index = report.index
    assert len(index.pairs) == 6 and not report.problems
    assert {p.image.parent.name for p in index.pairs} == {"Lizard_Images1", "Lizard_Images2"}
    assert all(not p.more_channels for p in index.pairs)
    assert len(report.classes.names) == 7
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks[pair.name])


def test_an_image_folder_per_rendering_sharing_the_masks_is_still_refused(tmp_path):
    """ISPRS Potsdam's RGB and IRRG folders pair every mask twice: the user picks one."""
    for folder in ("2_Ortho_RGB", "3_Ortho_IRRG"):
        for i in range(2):
            pixels = np.random.default_rng(i).integers(0, 256, (H, W, 3), np.uint8)
            (tmp_path / folder).mkdir(exist_ok=True)
            Image.fromarray(pixels).save(tmp_path / folder / f"top_potsdam_2_1{i}.tif")
    (tmp_path / "5_Labels_all").mkdir()
    for i in range(2):
        Image.fromarray((nuclei(i) > 0).astype(np.uint8)).save(tmp_path / "5_Labels_all" / f"top_potsdam_2_1{i}.png")
    with pytest.raises(Exception, match=r"each mask would count 2 times; name the images to use"):
        discover(tmp_path)


def test_lizard_objects_without_a_class_are_named(tmp_path):
    objects = nuclei(0) * 5
    scipy.io.savemat(tmp_path / "a.mat", {"inst_map": objects, "id": np.array([[5], [10], [15]]),
                                          "class": np.array([[1], [2], [3]])})
    with pytest.raises(ReadError, match=r"a\.mat' holds object 20 in 'inst_map', which 'id' and 'class' do not give"):
        read_raw_mask(tmp_path / "a.mat")
    scipy.io.savemat(tmp_path / "b.mat", {"inst_map": objects, "id": np.array([[5], [10], [15], [20]]),
                                          "class": np.array([[1], [2]])})
    with pytest.raises(ReadError, match=r"b\.mat' lists 4 objects in 'id' but 2 in 'class'"):
        read_raw_mask(tmp_path / "b.mat")


def test_lizard_without_ids_numbers_its_objects_in_order_and_a_single_nucleus_reads(tmp_path):
    objects = nuclei(0, count=2)
    scipy.io.savemat(tmp_path / "a.mat", {"inst_map": objects, "class": np.array([[4], [6]])})
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "a.mat"), np.choose(objects, [0, 4, 6]))
    one = nuclei(0, count=1)
    scipy.io.savemat(tmp_path / "one.mat", {"inst_map": one, "id": np.array([[1]]), "class": np.array([[3]])})
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "one.mat"), one * 3)


def test_instance_maps_alone_are_flagged_as_objects(tmp_path):
    """CPM-17 and Kumar as HoVer-Net prepares them: `inst_map` only, many nuclei a tile."""
    for split in ("train", "test"):
        for i in range(2):
            save_to = tmp_path / "cpm17" / split
            (save_to / "Images").mkdir(parents=True, exist_ok=True)
            (save_to / "Labels").mkdir(exist_ok=True)
            Image.fromarray(rgba(i)[..., :3]).save(save_to / "Images" / f"image_{i:02d}.png")
            scipy.io.savemat(save_to / "Labels" / f"image_{i:02d}.mat", {"inst_map": nuclei(i, count=25 // 7 * 7)})
    objects = np.zeros((H, W), np.int32)
    for k in range(24):
        objects[(k // 8) * 6:(k // 8) * 6 + 4, (k % 8) * 4:(k % 8) * 4 + 3] = k + 1
    scipy.io.savemat(tmp_path / "cpm17" / "train" / "Labels" / "image_00.mat", {"inst_map": objects})
    report = inspect_dataset(tmp_path / "cpm17")
    assert len(report.index.pairs) == 4
    assert any(p.code == "instance-ids" and p.path.name == "image_00.mat" for p in report.problems)
    report = inspect_dataset(tmp_path / "cpm17", instance_masks=True)
    index = report.index
    assert report.classes.names == ("background", "object")
    pair = next(p for p in index.pairs if p.mask.name == "image_00.mat" and p.split == "train")
    np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), (objects > 0).astype(np.int64))


@pytest.mark.parametrize("variable", ["inst_map", "instance_map", "inst"])
def test_an_instance_map_named_so_warns_however_few_its_objects(tmp_path, variable):
    """CPM-17 as HoVer-Net ships it: `inst_map` in float64, a few nuclei a tile, here 1..4 in
    every file (as trimaps' 1..3, too few to tell by the values). It was read as 5 classes with
    no warning; the variable's name says the values number objects. An `inst_centroid` beside it
    leaves `inst_map` the mask."""
    for offset, split in enumerate(("train", "test")):
        for i in range(3):
            save_to = tmp_path / "cpm17" / split
            (save_to / "Images").mkdir(parents=True, exist_ok=True)
            (save_to / "Labels").mkdir(exist_ok=True)
            Image.fromarray(rgba(i + 10 * offset)[..., :3]).save(save_to / "Images" / f"image_{i:02d}.png")
            scipy.io.savemat(save_to / "Labels" / f"image_{i:02d}.mat", {
                variable: nuclei(i).astype(np.float64), "inst_centroid": np.zeros((4, 2))})
    report = inspect_dataset(tmp_path / "cpm17")
    found = [p for p in report.problems if p.code == "instance-ids"]
    assert len(report.index.pairs) == 6 and len(found) == 1
    assert f"MATLAB variable '{variable}' numbers objects" in found[0].message
    assert "--instance-masks" in found[0].message
    report = inspect_dataset(tmp_path / "cpm17", instance_masks=True)
    assert report.classes.names == ("background", "object") and not report.problems
    pair = report.index.pairs[0]
    np.testing.assert_array_equal(read_mask(pair.mask, report.index.mapping),
                                  (nuclei(int(pair.mask.stem[-1])) > 0).astype(np.int64))


def test_a_mat_file_beside_a_png_mask_of_its_name_is_not_a_second_mask(tmp_path):
    """A mask folder shipping each mask twice (`a.png` and `a.mat`): no duplicate-name warnings."""
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(3):
        Image.fromarray(rgba(i)[..., :3]).save(tmp_path / "images" / f"{i}.png")
        Image.fromarray((nuclei(i) > 0).astype(np.uint8)).save(tmp_path / "masks" / f"{i}.png")
        scipy.io.savemat(tmp_path / "masks" / f"{i}.mat", {"inst_map": nuclei(i)})
    report = inspect_dataset(tmp_path)
    assert {p.mask.suffix for p in report.index.pairs} == {".png"} and len(report.index.pairs) == 3
    assert not [p for p in report.problems if p.code == "duplicate-name"]


def test_nuinsseg_asks_for_its_mask_folder_quoted_and_reads_it(tmp_path):
    """NuInsSeg's organ folders: `tissue images/`, `mask binary/`, `label masks/` (numbered
    nuclei) and `distance maps/`. The choice was asked of `distance maps/` as if it held images,
    with a flag whose space a shell would split (`--masks label masks`)."""
    for organ in ("human bladder", "mouse heart"):
        base = tmp_path / "NuInsSeg" / organ
        for folder in ("tissue images", "mask binary", "label masks", "distance maps"):
            (base / folder).mkdir(parents=True)
        for i in range(2):
            name = f"{organ.replace(' ', '_')}_{i}"
            Image.fromarray(rgba(i)[..., :3]).save(base / "tissue images" / f"{name}.png")
            objects = nuclei(i).astype(np.uint16)
            Image.fromarray(objects).save(base / "label masks" / f"{name}.tif")
            Image.fromarray(((objects > 0) * 255).astype(np.uint8)).save(base / "mask binary" / f"{name}.png")
            distance = np.hypot(*np.mgrid[-12:12, -16:16]) * (4 + i)
            Image.fromarray(distance.astype(np.uint8)).save(base / "distance maps" / f"{name}.png")
    with pytest.raises(DataError, match=r"(?s)masks of 'human bladder/tissue images/' .*e\.g\. --masks 'label masks'$"):
        discover(tmp_path / "NuInsSeg")
    index = discover(tmp_path / "NuInsSeg", masks="mask binary")
    assert len(index.pairs) == 4 and {p.image.parent.name for p in index.pairs} == {"tissue images"}
    assert not any(p.more_channels for p in index.pairs)
