"""HDF5 files (.h5, .hdf5): SSL4MIS' ACDC slices read as pairs, and the files refused with a reason.

The layout is SSL4MIS' (Luo et al.) ACDC as shipped: `data/slices/patient001_frame01_slice_1.h5`
holding a 2-D `image` (float32) and `label` (uint8), beside `data/patient001_frame01.h5` volumes
holding 3-D ones, and `train_slices.list`, `val.list` at the top.
"""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, inspect_dataset, read_image
from seglab.data.checking.checks import CHECKS, FATAL
from seglab.data.files.io import read_mask
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.files.read_errors import ReadError
from seglab.errors import DataError

h5py = pytest.importorskip("h5py", reason="HDF5 files need the 'hdf5' extra (h5py)")

SHAPE = (5, 20, 18)  # slices, H, W


def write_h5(path: Path, **arrays: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as file:
        for name, array in arrays.items():
            file[name] = array
    return path


def acdc(root: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The SSL4MIS ACDC layout for 3 patients x 2 frames; returns slice name -> (image, label)."""
    rng = np.random.default_rng(0)
    slices = {}
    for patient in (1, 2, 3):
        for frame in (1, 12):
            volume = f"patient{patient:03d}_frame{frame:02d}"
            image = rng.random(SHAPE, dtype=np.float32)
            label = rng.integers(0, 4, SHAPE, dtype=np.uint8)
            write_h5(root / "data" / f"{volume}.h5", image=image, label=label)
            for s in range(SHAPE[0]):
                write_h5(root / "data" / "slices" / f"{volume}_slice_{s}.h5", image=image[s], label=label[s])
                slices[f"{volume}_slice_{s}"] = image[s], label[s]
    (root / "train_slices.list").write_text("\n".join(slices) + "\n")
    (root / "val.list").write_text("patient003_frame01\n")
    return slices


def test_ssl4mis_acdc_slices_pair_by_file_and_group_by_patient(tmp_path):
    slices = acdc(tmp_path / "ACDC")
    index = discover(tmp_path / "ACDC")
    assert len(index.pairs) == 30 and not index.problems
    assert "data/slices/: 30 .h5 files, each holding its image and mask arrays" in index.pairing[0]
    assert {p.group for p in index.pairs} == {"patient001", "patient002", "patient003"}
    assert sum(p.suffix == ".h5" for p in index.ignored) == 6  # the 3-D volumes are no 2-D pairs
    pair = next(p for p in index.pairs if p.name == "patient002_frame12_slice_3")
    image, label = slices[pair.name]
    np.testing.assert_array_equal(read_image(pair.image)[..., 0], image)  # (H, W, 1), as for any grey image
    np.testing.assert_array_equal(read_mask(pair.mask, IdentityMapping()), label)


def test_a_folder_of_h5_images_pairs_with_png_masks(tmp_path):
    from PIL import Image

    mask = np.zeros(SHAPE[1:], np.uint8)
    mask[4:12, 3:9] = 1
    for i in range(3):
        write_h5(tmp_path / "images" / f"scan_{i}.hdf5", data=np.full(SHAPE[1:], i, np.uint16))
        (tmp_path / "masks").mkdir(exist_ok=True)
        Image.fromarray(mask).save(tmp_path / "masks" / f"scan_{i}.png")
    index = discover(tmp_path)
    assert len(index.pairs) == 3
    assert read_image(index.pairs[2].image).max() == 2  # the one dataset of the file, whatever its name


def refused(path: Path) -> ReadError:
    with pytest.raises(ReadError) as error:
        read_image(path)
    assert str(path) in str(error.value) and CHECKS[error.value.code].severity == FATAL
    return error.value


def test_unnamed_datasets_are_listed(tmp_path):
    error = refused(write_h5(tmp_path / "a.h5", left=np.zeros((4, 4)), right=np.ones((4, 4))))
    assert error.code == "npz-arrays" and "holds 2 datasets (left, right) and none is named 'image'" in str(error)


def test_data_kept_in_other_files_is_refused(tmp_path):
    """A file must not make seglab read another: an external link, a virtual dataset, external storage."""
    write_h5(tmp_path / "secret.h5", image=np.full((4, 4), 7, np.uint8))
    with h5py.File(tmp_path / "link.h5", "w") as file:
        file["image"] = h5py.ExternalLink(str(tmp_path / "secret.h5"), "image")
    assert refused(tmp_path / "link.h5").code == "npz-arrays"  # the link is no dataset of this file
    layout = h5py.VirtualLayout(shape=(4, 4), dtype=np.uint8)
    layout[:] = h5py.VirtualSource(str(tmp_path / "secret.h5"), "image", shape=(4, 4))
    with h5py.File(tmp_path / "virtual.h5", "w") as file:
        file.create_virtual_dataset("image", layout)
    assert refused(tmp_path / "virtual.h5").code == "external-data"
    (tmp_path / "raw.bin").write_bytes(bytes(16))
    with h5py.File(tmp_path / "external.h5", "w") as file:
        file.create_dataset("image", (4, 4), np.uint8, external=[(str(tmp_path / "raw.bin"), 0, 16)])
    assert refused(tmp_path / "external.h5").code == "external-data"


def test_strings_huge_headers_and_damage_are_refused_before_reading(tmp_path):
    strings = write_h5(tmp_path / "strings.h5", image=np.array([b"a", b"b"], dtype=h5py.string_dtype()))
    assert refused(strings).code == "bad-dtype"
    with h5py.File(tmp_path / "huge.h5", "w") as file:  # 10^10 pixels announced, nothing stored
        file.create_dataset("image", (100_000, 100_000), np.uint8, chunks=(64, 64))
    assert refused(tmp_path / "huge.h5").code == "too-many-pixels"
    whole = write_h5(tmp_path / "whole.h5", image=np.zeros((64, 64), np.uint8)).read_bytes()
    (tmp_path / "cut.h5").write_bytes(whole[: len(whole) // 2])
    assert refused(tmp_path / "cut.h5").code == "unreadable"
    damaged = bytearray(write_h5(tmp_path / "pair.h5", image=np.zeros((8, 8), np.float32),
                                 label=np.zeros((8, 8), np.uint8)).read_bytes())
    damaged[16] = 0xFF  # the superblock's base address: HDF5 raises RuntimeError ("addr overflow")
    (tmp_path / "damaged.h5").write_bytes(bytes(damaged))
    error = refused(tmp_path / "damaged.h5")
    assert error.code == "unreadable" and "damaged.h5' cannot be read as HDF5" in str(error)


def test_without_h5py_the_message_says_what_to_install(tmp_path, monkeypatch):
    path = write_h5(tmp_path / "a.h5", image=np.zeros((4, 4), np.uint8))
    real = importlib.import_module

    def no_h5py(name: str, *args):
        if name == "h5py":
            raise ImportError("No module named 'h5py'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_h5py)
    error = refused(path)
    assert error.code == "missing-codec" and "pip install 'seglab[hdf5]'" in str(error)


def test_ssl4mis_la_cases_are_volumes_cut_across_their_thinnest_axis(tmp_path):
    """LA: a folder per case with `mri_norm2.h5` (image, label as (H, W, D), D the thinnest)."""
    rng = np.random.default_rng(1)
    volumes = {}
    for case in ("0RZDK210BSMWAA6467LU", "1D7CUD1955YZPGK8XHJX", "1GU15S0GJ6PFNARO469W"):
        image = rng.random((24, 20, 6), dtype=np.float32)
        label = rng.integers(0, 2, (24, 20, 6), dtype=np.uint8)
        write_h5(tmp_path / "LA" / case / "mri_norm2.h5", image=image, label=label)
        volumes[case] = image, label
    index = discover(tmp_path / "LA", cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 18 and not index.problems
    assert {p.group for p in index.pairs} == set(volumes)
    pair = next(p for p in index.pairs if p.name == "1D7CUD1955YZPGK8XHJX/slice004")
    image, label = volumes["1D7CUD1955YZPGK8XHJX"]
    np.testing.assert_array_equal(np.load(pair.image)[..., 0], image[:, :, 4])
    np.testing.assert_array_equal(np.load(pair.mask), label[:, :, 4])


def cells(count: int, shape: tuple[int, int, int] = (4, 16, 16)) -> np.ndarray:
    """A label volume numbering `count` cells 1..count, each one block (instance ids, as bio-image
    datasets ship them), on a (Z, Y, X) grid."""
    label = np.zeros(shape, np.uint16)
    for cell in range(1, count + 1):
        y, x = divmod(cell - 1, 3)
        label[:, 5 * y:5 * y + 4, 5 * x:5 * x + 4] = cell
    return label


def test_plantseg_raw_and_label_cases_in_split_folders_are_volumes_of_instance_labels(tmp_path):
    """PlantSeg's ovules: `ovules/{train,val,test}/N_*.h5`, each a 3-D `raw` and a `label` of cell
    ids (some a `label_with_ignore` too): cases with their folder's split, the cells numbered."""
    splits = {"train": ("N_420_ds2x", "N_435_final_crop_ds2", "N_464_ds2x"), "val": ("N_422_ds2x",),
              "test": ("N_294_final_crop_ds2",)}
    for n, (split, name) in enumerate((s, name) for s, names in splits.items() for name in names):
        label = cells(2 + n)
        arrays = {"raw": (label > 0) * 800 + np.uint16(100), "label": label}
        if "crop" in name:
            arrays["label_with_ignore"] = label
        write_h5(tmp_path / "ovules" / split / f"{name}.h5", **arrays)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 5 * 4
    assert {p.name.split("/")[0]: p.split for p in index.pairs} == {
        name: split for split, names in splits.items() for name in names}
    assert [p.code for p in index.problems] == ["instance-ids"]
    pair = next(p for p in index.pairs if p.name == "N_464_ds2x/slice001")
    assert np.load(pair.mask).max() == 4 and np.load(pair.image).max() == 900


def test_platynereis_datasets_in_groups_are_found_by_their_names(tmp_path):
    """Platynereis' EM nuclei: `volumes/raw` and `volumes/labels/nucleus_instance_labels`; a file of
    two label datasets alike is refused, naming them."""
    for case in range(1, 4):
        label = cells(case).astype(np.uint64)
        write_h5(tmp_path / "nuclei" / f"train_data_nuclei_{case:02d}.h5",
                 **{"volumes/raw": (label > 0).astype(np.uint8) * 90, "volumes/labels/nucleus_instance_labels": label})
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 3 * 4
    assert [p.code for p in index.problems] == ["instance-ids"]
    pair = next(p for p in index.pairs if p.name == "train_data_nuclei_03/slice002")
    np.testing.assert_array_equal(np.load(pair.mask), cells(3)[2])
    np.testing.assert_array_equal(np.load(pair.image)[..., 0], (cells(3)[2] > 0) * 90)
    two = write_h5(tmp_path / "two.h5", **{"volumes/raw": np.zeros((4, 4), np.uint8),
                                           "volumes/labels/cells": np.zeros((4, 4), np.uint8),
                                           "volumes/labels/nuclei": np.zeros((4, 4), np.uint8)})
    with pytest.raises(ReadError, match=r"several named for the mask \(volumes/labels/cells, volumes/labels/nuclei\)"):
        read_mask(two, IdentityMapping())


def test_nucmm_image_and_label_files_in_split_folders_pair_by_name(tmp_path):
    """NucMM-Z: `Image/{train,val}/img_<z>_<y>_<x>.h5` + `Label/{train,val}/seg_<z>_<y>_<x>.h5`, a 3-D
    `main` each; the crops of one name in train/ and val/ are two cases."""
    root = tmp_path / "NucMM" / "NucMM-Z"
    crops = {"train": ("000_604_576", "064_668_576", "128_732_576"), "val": ("000_604_576", "064_668_576")}
    for n, (split, crop) in enumerate((s, crop) for s, names in crops.items() for crop in names):
        label = cells(2 + n)
        write_h5(root / "Image" / split / f"img_{crop}.h5", main=(label > 0).astype(np.uint8) * 100)
        write_h5(root / "Label" / split / f"seg_{crop}.h5", main=label)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 5 * 4
    assert {p.name.rsplit("/", 1)[0]: p.split for p in index.pairs} == {
        f"{split}/img_{crop}": split for split, names in crops.items() for crop in names}
    pair = next(p for p in index.pairs if p.name == "val/img_064_668_576/slice003")
    np.testing.assert_array_equal(np.load(pair.mask), cells(6)[3])


def test_acdc_volumes_alone_are_cut_across_their_first_axis_and_grouped_by_patient(tmp_path):
    """ACDC's volumes without their slices/ folder: (D, H, W), D the thinnest and first; a
    stray file that holds no case is a finding."""
    acdc(tmp_path / "ACDC")
    shutil.rmtree(tmp_path / "ACDC" / "data" / "slices")
    write_h5(tmp_path / "ACDC" / "data" / "notes.h5", scores=np.zeros(3))
    index = discover(tmp_path / "ACDC" / "data", cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 6 * SHAPE[0]
    assert {p.group for p in index.pairs} == {"patient001", "patient002", "patient003"}
    assert [(p.path.name, p.code) for p in index.problems] == [("notes.h5", "bad-volume")]
    with h5py.File(tmp_path / "ACDC" / "data" / "patient002_frame12.h5", "r") as file:
        image, label = file["image"][2], file["label"][2]
    pair = next(p for p in index.pairs if p.name == "patient002_frame12/slice002")
    np.testing.assert_array_equal(np.load(pair.image)[..., 0], image)
    np.testing.assert_array_equal(np.load(pair.mask), label)


def test_ssl4mis_lists_give_acdcs_official_split(tmp_path, caplog):
    """train_slices.list names the training slices, val.list and test.list the volumes whose
    slices are val and test (SSL4MIS' ACDC)."""
    slices = acdc(tmp_path / "ACDC")
    root = tmp_path / "ACDC"
    (root / "train_slices.list").write_text("".join(f"{s}\n" for s in slices if not s.startswith("patient003")))
    (root / "val.list").write_text("patient003_frame01\n")
    (root / "test.list").write_text("patient003_frame12\n")
    caplog.set_level("INFO")
    index = discover(root)
    split_of = {p.name: p.split for p in index.pairs}
    assert list(split_of.values()).count("train") == 20
    assert {split_of[f"patient003_frame01_slice_{s}"] for s in range(SHAPE[0])} == {"val"}
    assert {split_of[f"patient003_frame12_slice_{s}"] for s in range(SHAPE[0])} == {"test"}
    assert "split from the lists" in caplog.text


def synapse(root: Path) -> dict[str, np.ndarray]:
    """TransUNet's Synapse: `train_npz/caseNNNN_sliceZZZ.npz` (2-D image, label) for 2 cases, and
    `test_vol_h5/caseNNNN.npy.h5` (3-D image, label as (Z, H, W)) for 2 cases; returns case -> labels."""
    rng = np.random.default_rng(2)
    labels = {}
    for case in ("case0005", "case0006"):
        labels[case] = rng.integers(0, 9, SHAPE, dtype=np.uint8)
        for z in range(SHAPE[0]):
            (root / "train_npz").mkdir(parents=True, exist_ok=True)
            np.savez(root / "train_npz" / f"{case}_slice{z:03d}.npz", image=rng.random(SHAPE[1:], dtype=np.float32),
                     label=labels[case][z])
    for case in ("case0001", "case0002"):
        labels[case] = rng.integers(0, 9, SHAPE, dtype=np.uint8)
        write_h5(root / "test_vol_h5" / f"{case}.npy.h5", image=rng.random(SHAPE, dtype=np.float32),
                 label=labels[case].astype(np.float32))  # float labels, as TransUNet's are
    return labels


@pytest.mark.parametrize("data", ["data/Synapse", "."])
def test_transunet_synapse_trains_on_its_slices_and_tests_on_its_volumes(tmp_path, data):
    """Before, the volumes format read the test volumes alone (and trained on them) and dropped
    train_npz/ unlisted; from the project folder folder-pairs called the test volumes unlabelled."""
    labels = synapse(tmp_path / "project_TransUNet" / "data" / "Synapse")
    index = discover(tmp_path / "project_TransUNet" / data, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and not index.unlabelled and not index.problems
    split_of = {p.group: p.split for p in index.pairs}
    assert split_of == {"case0005": "train", "case0006": "train", "case0001": "test", "case0002": "test"}
    assert len(index.pairs) == 4 * SHAPE[0]
    pair = next(p for p in index.pairs if p.name == "case0006_slice003")
    np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), labels["case0006"][3])
    pair = next(p for p in index.pairs if p.name == "case0002/slice004")  # cut across Z, the thinnest axis
    np.testing.assert_array_equal(np.load(pair.mask), labels["case0002"][4])


def test_volumes_beside_slices_named_for_no_split_leave_the_slices_to_folder_pairs(tmp_path):
    """Without split names the volumes no longer take the folder, dropping the .npz slices: the
    slices are pairs and the volumes listed."""
    root = tmp_path / "Synapse"
    synapse(root)
    (root / "train_npz").rename(root / "npz")
    (root / "test_vol_h5").rename(root / "h5")
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "folder-pairs" and len(index.pairs) == 2 * SHAPE[0]
    assert len(index.unlabelled) + len(index.ignored) == 2


def ssl4mis_la(root: Path) -> list[str]:
    """SSL4MIS' LA: `data/2018LA_Seg_Training Set/<case>/mri_norm2.h5` (image, label (H, W, D)),
    `data/train.list` and `data/test.list` naming the cases; returns the case names."""
    rng = np.random.default_rng(3)
    cases = [f"CASE{i}XYZ" for i in range(5)]
    for case in cases:
        write_h5(root / "data" / "2018LA_Seg_Training Set" / case / "mri_norm2.h5",
                 image=rng.random((12, 10, 4), dtype=np.float32), label=rng.integers(0, 2, (12, 10, 4), dtype=np.uint8))
    (root / "data" / "train.list").write_text("".join(f"{c}\n" for c in cases[:3]))
    (root / "data" / "test.list").write_text("".join(f"{c}\n" for c in cases[3:]))
    return cases


def test_ssl4mis_la_lists_give_the_volume_cases_their_split(tmp_path, caplog):
    """Before, train.list and test.list were ignored and a random split drawn over the official test cases."""
    cases = ssl4mis_la(tmp_path / "LA")
    caplog.set_level("INFO")
    index = discover(tmp_path / "LA", cache_dir=str(tmp_path / "cache"))
    assert {p.group: p.split for p in index.pairs} == {c: "train" if i < 3 else "test" for i, c in enumerate(cases)}
    assert "split of the volume cases from the lists" in caplog.text


def test_ssl4mis_la_lists_that_miss_a_case_are_not_used_with_a_warning(tmp_path, caplog):
    cases = ssl4mis_la(tmp_path / "LA")
    (tmp_path / "LA" / "data" / "test.list").write_text(f"{cases[3]}\n")
    index = discover(tmp_path / "LA", cache_dir=str(tmp_path / "cache"))
    assert {p.split for p in index.pairs} == {None}
    assert "not used: 1 of 5 cases are in no list (e.g. 'CASE4XYZ')" in caplog.text


def hypersim(root: Path) -> None:
    """Hypersim as downloaded: `<scene>/images/scene_cam_NN_final_hdf5/frame.0000.color.hdf5`
    (float16 HDR RGB in `dataset`) and `diffuse_illumination`, beside
    `scene_cam_NN_geometry_hdf5/frame.0000.semantic.hdf5` (int16 NYU40 ids, -1 unlabelled),
    `semantic_instance` and `depth_meters`."""
    rng = np.random.default_rng(3)
    for scene in ("ai_001_001", "ai_001_002"):
        for cam in ("cam_00", "cam_01"):
            base = root / scene / "images"
            for frame in ("frame.0000", "frame.0001"):
                label = np.kron(rng.integers(1, 41, (3, 4)), np.ones((4, 4))).astype(np.int16)  # regions
                label[0] = -1
                colour = rng.random((12, 16, 3)).astype(np.float16)
                write_h5(base / f"scene_{cam}_final_hdf5" / f"{frame}.color.hdf5", dataset=colour)
                write_h5(base / f"scene_{cam}_final_hdf5" / f"{frame}.diffuse_illumination.hdf5", dataset=colour / 2)
                write_h5(base / f"scene_{cam}_geometry_hdf5" / f"{frame}.semantic.hdf5", dataset=label)
                write_h5(base / f"scene_{cam}_geometry_hdf5" / f"{frame}.semantic_instance.hdf5", dataset=label * 3)
                write_h5(base / f"scene_{cam}_geometry_hdf5" / f"{frame}.depth_meters.hdf5",
                         dataset=rng.random((12, 16)).astype(np.float16))


def test_hypersim_label_files_are_no_images_of_the_labels_named_after_them(tmp_path):
    """`frame.0000.semantic.hdf5` was read as the image of `frame.0000.semantic_instance.hdf5`
    beside it (ending in values outside the classes): two labellings, no pair."""
    hypersim(tmp_path)
    with pytest.raises(DataError, match="no known dataset layout"):
        discover(tmp_path)


def test_hypersim_wildcard_folders_pair_siblings_that_fill_the_wildcard_alike(tmp_path):
    """`--images '*_final_hdf5' --masks '*_geometry_hdf5'` pairs each camera's folders (siblings,
    scene_cam_00_ with scene_cam_00_) and `--mask-pattern '{stem}.semantic.hdf5'` drops the image's
    last dotted word; -1 is offered as ignore."""
    hypersim(tmp_path)
    index = discover(tmp_path, images="*_final_hdf5", masks="*_geometry_hdf5", mask_pattern="{stem}.semantic.hdf5")
    assert len(index.pairs) == 8
    for pair in index.pairs:
        assert pair.image.name.endswith(".color.hdf5") and pair.mask.name.endswith(".semantic.hdf5")
        assert pair.image.name.split(".")[1] == pair.mask.name.split(".")[1]
        assert pair.image.parent.name.replace("_final_", "_geometry_") == pair.mask.parent.name
        assert pair.image.parent.parent == pair.mask.parent.parent
    report = inspect_dataset(tmp_path, images="*_final_hdf5", masks="*_geometry_hdf5",
                             mask_pattern="{stem}.semantic.hdf5")
    [outside] = [p for p in report.problems if p.code == "values-outside-classes"]
    assert "--label-map=-1:ignore" in outside.message


def ilastik_exports(root: Path, images: int = 4) -> None:
    """ilastik 1.4 Pixel Classification's batch export with default settings, beside each input:
    `img_00_Simple Segmentation.h5` (`exported_data`, y,x,1: labels 1..3, no 0) and
    `img_00_Probabilities.h5` (y,x,3 floats), and the project `MyProject.ilp` (HDF5) naming the
    labels in `PixelClassification/LabelNames`."""
    from PIL import Image

    rng = np.random.default_rng(3)
    for i in range(images):
        labels = np.ones((16, 20), np.uint8)
        labels[2 + i : 9, 3:10], labels[10:14, 12 + i : 18] = 2, 3
        Image.fromarray(rng.integers(0, 255, (16, 20, 3), dtype=np.uint8)).save(root / f"img_{i:02d}.png")
        write_h5(root / f"img_{i:02d}_Simple Segmentation.h5", exported_data=labels[..., None])
        probabilities = np.stack([(labels == k) * 0.8 + 0.1 for k in (1, 2, 3)], -1).astype(np.float32)
        write_h5(root / f"img_{i:02d}_Probabilities.h5", exported_data=probabilities / probabilities.sum(-1, keepdims=True))
    with h5py.File(root / "MyProject.ilp", "w") as project:
        project["PixelClassification/LabelNames"] = np.array([b"Background", b"Cell", b"Debris"])
        project["PixelClassification/LabelColors"] = np.array([[255, 225, 25], [0, 130, 200], [230, 25, 75]])


def test_ilastik_simple_segmentations_pair_with_their_inputs_named_by_the_project(tmp_path):
    """ilastik's exports were no known layout (the Probabilities' floats made the files named after
    the images no masks): the Simple Segmentations pair with their images, the Probabilities are
    listed as ignored, and labels 1..3 are the project's Background, Cell and Debris, classes 0..2."""
    ilastik_exports(tmp_path)
    index = discover(tmp_path)
    assert len(index.pairs) == 4 and all(p.mask.name.endswith("_Simple Segmentation.h5") for p in index.pairs)
    assert sorted(p.name for p in index.ignored) == [f"img_{i:02d}_Probabilities.h5" for i in range(4)]
    assert index.classes.names == ("Background", "Cell", "Debris")
    assert dict(index.mapping.values) == {0: 255, 1: 0, 2: 1, 3: 2}
    assert not inspect_dataset(tmp_path).problems


GEOBENCH_BANDS = ("02 - Blue", "03 - Green", "04 - Red", "08 - NIR", "08A - Vegetation Red Edge")


def geobench(root: Path) -> dict[str, np.ndarray]:
    """GEO-Bench's m-cashew-plant as shipped: `<sample>.hdf5` holding a 2-D dataset per band and
    `label`, beside `default_partition.json` (`train`, `valid`, `test`), a partition keeping 1 % of
    train, `band_stats.json` and `task_specs.pkl` (a pickle, never to be loaded); returns the labels."""
    rng = np.random.default_rng(5)
    labels = {}
    root.mkdir(parents=True)
    for i in range(6):
        name = f"cashew_{i:05d}"
        labels[name] = rng.integers(0, 7, (12, 10), dtype=np.uint8)
        bands = {band: np.full((12, 10), 100 * k + i, np.int16) for k, band in enumerate(GEOBENCH_BANDS)}
        write_h5(root / f"{name}.hdf5", label=labels[name], **dict(reversed(bands.items())))
    names = sorted(labels)
    partition = {"train": names[:3], "valid": names[3:5], "test": names[5:]}
    (root / "default_partition.json").write_text(json.dumps(partition))
    (root / "0.01x_train_partition.json").write_text(json.dumps({"train": names[:1], "valid": names[3:5],
                                                                 "test": names[5:]}))
    (root / "band_stats.json").write_text(json.dumps({band: {"mean": 1.0} for band in GEOBENCH_BANDS}))
    (root / "task_specs.pkl").write_bytes(b"\x80\x04 not to be unpickled")
    return labels


def test_geobench_bands_are_the_channels_and_default_partition_the_split(tmp_path):
    """A file of a 2-D dataset per band beside `label` was refused (no dataset named 'image'): the
    bands are its image's channels in the order of their names, named in inspect, and
    `default_partition.json` gives the split, its `valid` the val split, not the 1 % partition."""
    root = tmp_path / "geobench" / "segmentation_v1.0" / "m-cashew-plant"
    labels = geobench(root)
    index = discover(tmp_path / "geobench")
    assert index.format == "folder-pairs" and len(index.pairs) == 6 and not index.problems
    assert index.pairing[0].endswith(f"(the image's 5 channels: {', '.join(GEOBENCH_BANDS)})")
    assert {p.name: p.split for p in index.pairs} == {
        "cashew_00000": "train", "cashew_00001": "train", "cashew_00002": "train", "cashew_00003": "val",
        "cashew_00004": "val", "cashew_00005": "test"}
    pair = index.pairs[4]
    assert read_image(pair.image)[0, 0].tolist() == [4, 104, 204, 304, 404]
    np.testing.assert_array_equal(read_mask(pair.mask, IdentityMapping()), labels["cashew_00004"])


def autoice_scene(path: Path, label: np.ndarray | None = None) -> Path:
    """An AutoICE `<scene>_prep.nc` (netCDF4, HDF5 underneath): SAR channels with NaN borders, the
    ice charts `SIC`, `SOD`, `FLOE` (uint8, 255 masked; `SOD` declaring it as `_FillValue`),
    `distance_map`, and coarser grids; with `label`, an `image` and a `label` instead."""
    rng = np.random.default_rng(6)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w", userblock_size=512) as file:  # the signature past a user block, as some writers put it
        if label is not None:
            file["image"], file["label"] = rng.random(label.shape, dtype=np.float32), label
            return path
        for name in ("nersc_sar_primary", "nersc_sar_secondary"):
            file[name] = rng.normal(-20, 3, (20, 24)).astype(np.float32)
            file[name][:, :2] = np.nan
        for name, top in (("SIC", 10), ("SOD", 5), ("FLOE", 6)):
            chart = rng.integers(0, top + 1, (20, 24)).astype(np.uint8)
            chart[:, :2] = 255
            file[name] = chart
        file["SOD"].attrs["_FillValue"] = np.uint8(255)
        file["distance_map"] = rng.integers(0, 40, (20, 24)).astype(np.uint8)
        file["btemp_18.7h"] = rng.random((3, 4)).astype(np.float32)
    return path


def test_netcdf4_scenes_are_told_as_hdf5_naming_the_arrays_that_could_be_the_mask(tmp_path):
    """`.nc` files were "a format seglab does not read: convert them to PNG or TIFF": they are HDF5
    by their first bytes, and the refusal names their channels, the label rasters to pick from,
    their no-data values and the flags that leave them out."""
    for scene in ("20180124T194759_dmi", "20180410T084537_dmi", "20190406T102029_cis"):
        autoice_scene(tmp_path / "train" / f"{scene}_prep.nc")
    with pytest.raises(DataError) as error:
        discover(tmp_path)
    said = str(error.value)
    assert "train/: 3 '.nc' files, HDF5 by their first bytes" in said and "PNG or TIFF" not in said
    assert "2 measurements of 20x24 (nersc_sar_primary, nersc_sar_secondary)" in said
    assert "4 arrays of whole numbers that could each be the mask (FLOE, SIC, SOD, distance_map)" in said
    assert "255 marks no data in FLOE, SIC, SOD: --ignore-index 255 leaves it out" in said
    assert "NaN marks no data in nersc_sar_primary, nersc_sar_secondary: --nodata nan" in said


def test_a_scenes_arrays_are_told_in_one_opening_of_it(tmp_path, monkeypatch):
    """The arrays of an HDF5 file under another suffix, told from their headers and a sample of their
    values, are read in one opening of the file (the headers were read in one, the values in another)."""
    from seglab.data.files.hdf5_contents import h5_held_arrays

    scene = autoice_scene(tmp_path / "scene_prep.nc")
    opened = []
    real = h5py.File
    monkeypatch.setattr(h5py, "File", lambda path, *args, **kwargs: opened.append(path) or real(path, *args, **kwargs))
    held = {array.name: array for array in h5_held_arrays(scene)}
    assert opened == [scene]
    assert sorted(held) == ["FLOE", "SIC", "SOD", "btemp_18.7h", "distance_map", "nersc_sar_primary",
                            "nersc_sar_secondary"]
    assert (held["SOD"].fill, held["SIC"].fill, held["distance_map"].fill) == (255, 255, None)
    assert held["nersc_sar_primary"].not_finite and held["SIC"].whole and held["SIC"].shape == (20, 24)
    assert h5_held_arrays(tmp_path / "missing.nc") == []


def test_the_hdf5_signature_is_told_at_its_start_past_a_user_block_and_in_matlab_73(tmp_path):
    """One HDF5 signature tells a file's format by content, an HDF5 file past its user block
    (netCDF4's), and a MATLAB 7.3 .mat (HDF5 past its 512-byte header)."""
    from seglab.data.files.hdf5_contents import holds_hdf5
    from seglab.data.files.mat_files import is_hdf5_mat
    from seglab.data.files.read_errors import format_by_content

    plain = write_h5(tmp_path / "plain.nc", data=np.zeros((2, 2), np.uint8))
    with h5py.File(tmp_path / "v73.mat", "w", userblock_size=512) as file:
        file["mask"] = np.zeros((2, 2), np.uint8)
    (tmp_path / "text.nc").write_text("CDF netCDF classic, not HDF5")
    assert format_by_content(plain) == "HDF5" and holds_hdf5(plain) and not is_hdf5_mat(plain)
    assert holds_hdf5(tmp_path / "v73.mat") and is_hdf5_mat(tmp_path / "v73.mat")
    assert format_by_content(tmp_path / "v73.mat") is None  # the signature past byte 0 is no image's first bytes
    assert not holds_hdf5(tmp_path / "text.nc") and format_by_content(tmp_path / "text.nc") is None


def test_hdf5_pairs_under_another_suffix_are_told_to_be_renamed(tmp_path):
    for i in range(3):
        autoice_scene(tmp_path / "scenes" / f"scene_{i}.nc", np.zeros((8, 8), np.uint8))
    with pytest.raises(DataError, match=r"each holding an image and a mask, which seglab reads named \.h5: rename"):
        discover(tmp_path)


def test_iwoai_volumes_and_one_hot_labels_are_told_with_their_conversion(tmp_path):
    """IWOAI 2019's `train_001_V00.im` (HDF5 `data`, a 3-D scan) + `.seg` (H x W x D x 6, a 0/1
    channel per tissue, no background) were to be "converted to PNG or TIFF": the refusal says
    what they are and the conversion to NIfTI that reads them (docs/volumes.md)."""
    for case in ("train_001_V00", "train_001_V01", "train_002_V00"):
        onehot = np.zeros((8, 8, 4, 6), np.uint8)
        onehot[2:4, 2:6, 1:3, 2] = 1
        write_h5(tmp_path / "train" / f"{case}.im", data=onehot.sum(-1).astype(np.float32))
        write_h5(tmp_path / "train" / f"{case}.seg", data=onehot)
    with pytest.raises(DataError) as error:
        discover(tmp_path)
    said = str(error.value)
    assert "PNG or TIFF" not in said
    assert "'.im' files, HDF5 by their first bytes (as netCDF4 files are), each an image volume (dataset 'data', " \
           "8x8x4 float32): convert each image and label file to NIfTI" in said
    assert "'.seg' files, HDF5 by their first bytes (as netCDF4 files are), each a one-hot label volume (dataset " \
           "'data', 8x8x4x6 uint8: a 0/1 channel per class, 6 classes, no background channel)" in said
    assert "the channels as labels 1..6 (0 where none is 1) (docs/volumes.md" in said


def test_hdf5_event_tables_beside_label_folders_are_no_images(tmp_path):
    """DSEC-Semantic ships `<seq>/11classes/*.png` labels and `<seq>/events/left/events.h5` (an event
    camera's 1-D `events/x`, `y`, `t`, `p`) + `rectify_map.h5`, its frames in another download: the
    refusal counted `events/left/: 2 image files`, to be paired. The event table is no image; the
    map is named with what it holds."""
    rng = np.random.default_rng(0)
    seq = tmp_path / "train" / "zurich_city_00_a"
    (seq / "11classes").mkdir(parents=True)
    for k in range(3):
        Image.fromarray(rng.integers(0, 11, (24, 32)).astype(np.uint8)).save(seq / "11classes" / f"{2 * k:06d}.png")
    columns = {f"events/{c}": rng.integers(0, 24, 50).astype(np.uint16) for c in "xytp"}
    write_h5(seq / "events" / "left" / "events.h5", **columns, ms_to_idx=np.arange(5, dtype=np.uint64))
    write_h5(seq / "events" / "left" / "rectify_map.h5", rectify_map=rng.random((24, 32, 2)).astype(np.float32))
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert ("train/zurich_city_00_a/events/left/: 1 image files (rectify_map.h5: rectify_map 24x32x2 float32); "
            "1 HDF5 file of 1-D columns only, tables such as an event camera's events, no images: events.h5 "
            "(events/p, events/t, events/x, events/y, ms_to_idx)") in str(refused.value)


def test_label_folders_without_their_images_are_said_to_miss_a_download(tmp_path):
    """DSEC-Semantic's labels (`<seq>/11classes/`, `<seq>/19classes/`) come without its frames, a
    download of their own: the refusal listed the label folders as images to pair. It now says
    they hold masks alone; a folder of photos beside them says nothing of the kind."""
    rng = np.random.default_rng(0)
    for seq in ("zurich_city_00_a", "zurich_city_01_a"):
        for labels, count in (("11classes", 11), ("19classes", 19)):
            (tmp_path / "train" / seq / labels).mkdir(parents=True)
            for k in range(2):
                Image.fromarray(rng.integers(0, count, (24, 32)).astype(np.uint8)).save(
                    tmp_path / "train" / seq / labels / f"{2 * k:06d}.png")
    with pytest.raises(DataError, match="every folder listed holds label masks .* and none a photo: masks whose "
                                        "images are not here"):
        discover(tmp_path)
    photos = tmp_path / "train" / "zurich_city_00_a" / "rectified"
    photos.mkdir()
    Image.fromarray(rng.integers(0, 256, (24, 32, 3)).astype(np.uint8)).save(photos / "frame_a.png")
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "none a photo" not in str(refused.value)
