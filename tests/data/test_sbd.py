"""The Semantic Boundaries Dataset as shipped (benchmark_RELEASE/dataset/: img/, cls/*.mat with
the struct GTcls, inst/, train.txt, val.txt), and MATLAB .mat masks refused with a reason.
Files are written as SBD's MATLAB files hold them (scipy.io.savemat of the same struct).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from seglab.data import discover, read_mask
from seglab.data.files import mat_files
from seglab.data.files.io import read_raw_mask
from seglab.data.files.read_errors import ReadError
from seglab.errors import DataError

H, W = 12, 16


def gtcls(segmentation: np.ndarray) -> dict:
    """SBD's `GTcls`: the class mask, a boundary map per class (cells) and the classes present."""
    boundaries = np.empty((20, 1), dtype=object)
    for k in range(20):
        boundaries[k, 0] = np.zeros(segmentation.shape, np.uint8)
    present = np.unique(segmentation[segmentation > 0]).astype(np.uint8)
    return {"GTcls": {"Segmentation": segmentation, "Boundaries": boundaries, "CategoriesPresent": present}}


def sbd(root: Path, names: dict[str, str]) -> dict[str, np.ndarray]:
    """`names` maps image ids to their split; returns each id's class mask."""
    folder = root / "benchmark_RELEASE" / "dataset"
    for sub in ("img", "cls", "inst"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    masks = {}
    for k, name in enumerate(names):
        Image.fromarray(rng.integers(0, 256, (H, W, 3), np.uint8)).save(folder / "img" / f"{name}.jpg")
        mask = np.zeros((H, W), np.uint8)
        mask[2 + k:8, 3:10] = 1 + k  # aeroplane, bicycle, bird, ...
        scipy.io.savemat(folder / "cls" / f"{name}.mat", gtcls(mask))
        scipy.io.savemat(folder / "inst" / f"{name}.mat", {"GTinst": {"Segmentation": (mask > 0).astype(np.uint8)}})
        masks[name] = mask
    for split in ("train", "val"):
        (folder / f"{split}.txt").write_text("".join(f"{n}\n" for n, s in names.items() if s == split))
    return masks


def test_sbd_as_shipped_reads_voc_classes_and_its_own_split(tmp_path):
    masks = sbd(tmp_path / "sbd", {"2008_000002": "train", "2008_000003": "train", "2008_000007": "val"})
    index = discover(tmp_path / "sbd")
    assert index.format == "sbd" and len(index.pairs) == 3 and not index.problems
    assert index.classes.names[:3] == ("background", "aeroplane", "bicycle") and len(index.classes.names) == 21
    assert {p.name: p.split for p in index.pairs} == {"2008_000002": "train", "2008_000003": "train",
                                                      "2008_000007": "val"}
    for pair in index.pairs:
        assert pair.mask.parent.name == "cls"  # inst/ holds instance masks: not read
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks[pair.name])


def test_a_pascal_context_labelmap_reads_and_ambiguous_or_damaged_mat_files_are_named(tmp_path):
    labels = np.arange(H * W, dtype=np.uint16).reshape(H, W) % 459
    scipy.io.savemat(tmp_path / "context.mat", {"LabelMap": labels})
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "context.mat"), labels)
    scipy.io.savemat(tmp_path / "two.mat", {"a": labels, "b": labels})
    with pytest.raises(ReadError, match=r"two\.mat' holds a, b; name the mask variable one of Segmentation"):
        read_raw_mask(tmp_path / "two.mat")
    (tmp_path / "cut.mat").write_bytes((tmp_path / "context.mat").read_bytes()[:200])
    with pytest.raises(ReadError, match=r"cut\.mat' cannot be read as a MATLAB file \(damaged or truncated\)") as error:
        read_raw_mask(tmp_path / "cut.mat")
    assert error.value.code == "unreadable"
    (tmp_path / "text.mat").write_bytes(b"% a MATLAB script, not data\n" * 10)
    with pytest.raises(ReadError, match=r"text\.mat' is no MATLAB 5 file"):
        read_raw_mask(tmp_path / "text.mat")


def test_a_mat_variable_over_the_pixel_budget_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from seglab.data.files import pixel_budget

    for compressed in (False, True):
        scipy.io.savemat(tmp_path / "big.mat", {"Segmentation": np.zeros((300, 400), np.uint8)},
                         do_compression=compressed)
        monkeypatch.setattr(pixel_budget, "_budget", 100_000)
        with pytest.raises(ReadError, match=r"big\.mat' is 300x400 = 120,000 pixels") as error:
            read_raw_mask(tmp_path / "big.mat")
        assert error.value.code == "too-many-pixels"


def test_a_compressed_variable_inflates_no_further_than_the_budget_allows(tmp_path, monkeypatch):
    from seglab.data.files import pixel_budget

    scipy.io.savemat(tmp_path / "bomb.mat", {"Segmentation": np.zeros((1500, 1000), np.uint8)}, do_compression=True)
    monkeypatch.setattr(pixel_budget, "_budget", 10_000)  # 80 kB and 1 MB of headers: less than the 1.5 MB array
    with pytest.raises(ReadError, match=r"bomb\.mat' cannot be read .* inflates beyond 1,128,576 bytes"):
        read_raw_mask(tmp_path / "bomb.mat")


def test_a_struct_without_field_names_is_damaged(tmp_path):
    """The field-name length of GTcls emptied: an IndexError escaped before."""
    scipy.io.savemat(tmp_path / "x.mat", gtcls(np.zeros((H, W), np.uint8)))
    data = bytearray((tmp_path / "x.mat").read_bytes())
    at = data.find(bytes([5, 0, 4, 0]), 128)  # the small miINT32 element holding the field-name length
    data[at:at + 8] = bytes([5, 0, 0, 0]) + bytes(4)  # now an element of 0 bytes
    (tmp_path / "x.mat").write_bytes(bytes(data))
    with pytest.raises(ReadError, match=r"x\.mat' cannot be read as a MATLAB file \(damaged or truncated\)"):
        read_raw_mask(tmp_path / "x.mat")


def annotators(*segmentations: np.ndarray) -> np.ndarray:
    """BSDS500's and CrackForest's `groundTruth`: a 1 x K MATLAB cell, a struct per annotator."""
    cells = np.empty((1, len(segmentations)), dtype=object)
    for k, segmentation in enumerate(segmentations):
        cells[0, k] = {"Segmentation": segmentation, "Boundaries": np.zeros_like(segmentation, bool)}
    return cells


def test_a_cell_of_annotators_gives_the_first_annotators_segmentation(tmp_path, caplog):
    """CrackForest's `groundTruth/001.mat` beside `image/001.jpg`: `groundTruth{1}.Segmentation`
    (1 background, 2 crack). Before, the cell was skipped: "holds no 2-D numeric array"."""
    rng = np.random.default_rng(3)
    for folder in ("image", "groundTruth"):
        (tmp_path / "CFD" / folder).mkdir(parents=True)
    first = {}
    for i in range(1, 4):
        crack = np.ones((H, W), np.uint8)
        crack[i:i + 2, :] = 2
        first[f"{i:03d}"] = crack
        Image.fromarray(rng.integers(0, 256, (H, W, 3), np.uint8)).save(tmp_path / "CFD" / "image" / f"{i:03d}.jpg")
        scipy.io.savemat(tmp_path / "CFD" / "groundTruth" / f"{i:03d}.mat",
                         {"groundTruth": annotators(crack, np.ones((H, W), np.uint8))}, do_compression=i % 2 == 0)
    mat_files._tell_first_cell.cache_clear()  # told once per process
    with caplog.at_level("INFO", logger="seglab.data.files.mat_files"):
        index = discover(tmp_path / "CFD", label_map={1: 0, 2: 1})
    assert len(index.pairs) == 3
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), first[pair.name] - 1)
    assert "'groundTruth' hold several cells" in caplog.text and "groundTruth{1}, is read" in caplog.text


def siftflow(root: Path, count: int = 4) -> dict[str, np.ndarray]:
    """SIFT Flow as shipped: Images/<scenes>/<name>.jpg, SemanticLabels/<scenes>/<name>.mat (`S`
    double, 0 unlabelled, 1..5 here; `names` a 1x5 cell) and GeoLabels/<scenes>/<name>.mat."""
    scenes = "spatial_envelope_256x256_static_8outdoorcategories"
    rng = np.random.default_rng(3)
    names = np.empty((1, 5), dtype=object)
    names[0, :] = ["awning", "bird", "road", "sky", "tree"]
    geo = np.empty((1, 3), dtype=object)
    geo[0, :] = ["sky", "horizontal", "vertical"]
    masks = {}
    for k in range(count):
        name = f"coast_n{k}"
        mask = np.full((H, W), 4.0)
        mask[6:, :] = 1 + k % 5
        mask[:, 12:] = 5
        mask[0, :3] = 0
        for folder in ("Images", "SemanticLabels", "GeoLabels"):
            (root / "SiftFlow" / folder / scenes).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (H, W, 3), np.uint8)).save(root / "SiftFlow/Images" / scenes / f"{name}.jpg")
        scipy.io.savemat(root / "SiftFlow/SemanticLabels" / scenes / f"{name}.mat", {"S": mask, "names": names})
        scipy.io.savemat(root / "SiftFlow/GeoLabels" / scenes / f"{name}.mat", {"S": mask % 4, "names": geo})
        masks[name] = mask
    return masks


def test_a_mat_masks_names_cell_names_its_values_and_0_is_unlabelled(tmp_path):
    """SIFT Flow's `names` (as many as the highest value: values 1..N) was left unread, and 0
    (unlabelled) trained as class_0; the refusal's example was GeoLabels, not SemanticLabels."""
    masks = siftflow(tmp_path)
    with pytest.raises(DataError, match=r"e\.g\. --masks SiftFlow/SemanticLabels$"):
        discover(tmp_path)
    index = discover(tmp_path, masks="SiftFlow/SemanticLabels")
    assert index.classes.names == ("awning", "bird", "road", "sky", "tree") and index.classes.ignore_index == -1
    pair = next(p for p in index.pairs if p.image.stem == "coast_n1")
    np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks["coast_n1"].astype(np.int64) - 1)


def test_a_mat_masks_names_one_more_than_the_highest_value_name_0_up(tmp_path):
    """A names cell of N + 1 for values 0..N names them from 0; any other count names nothing."""
    masks = siftflow(tmp_path)
    semantic = next(tmp_path.glob("SiftFlow/SemanticLabels/*"))
    names = np.empty((1, 6), dtype=object)
    names[0, :] = ["unlabelled", "awning", "bird", "road", "sky", "tree"]
    for path in semantic.glob("*.mat"):
        scipy.io.savemat(path, {"S": masks[path.stem], "names": names})
    index = discover(tmp_path, masks="SemanticLabels")
    assert index.classes.names[:2] == ("unlabelled", "awning") and index.mapping.kind == "identity"
    for path in semantic.glob("*.mat"):
        scipy.io.savemat(path, {"S": masks[path.stem], "names": names[:, :3]})
    assert discover(tmp_path, masks="SemanticLabels").classes is None  # inferred from the values, as before
