"""MetaImage (`.mha`, `.mhd` + `.raw`/`.zraw`) and NRRD volumes, as grand-challenge.org's
challenges (PROMISE12's `TrainingData_Part1/Case00.mhd` beside `Case00_segmentation.mhd`) and 3D
Slicer ship them. Files are written here byte by byte as ITK and Slicer write them (the headers
SimpleITK 2.5 writes; checked against SimpleITK itself while building, not in these tests: 360
volumes of random orientation, spacing, origin, type and compression read to the same voxels
and physical points). Before, such volumes were no volumes and nothing paired."""

from __future__ import annotations

import gzip
import re
import shutil
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from seglab.data import discover, inspect_dataset, read_mask
from seglab.data.files.metaimage import read_metaimage, read_nrrd, write_labels
from seglab.errors import DataError
from seglab.inference.volumes import predict_volumes

from ..inference.test_volume_predict import LastModality, Threshold  # type: ignore[import-not-found]

SHAPE = (5, 4, 3)  # X, Y, Z


def volume(seed: int = 0, dtype: str = "<i2") -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 300, SHAPE).astype(dtype)


def mha(path: Path, voxels: np.ndarray, extra: str = "", compressed: bool = False, local: bool = True,
        element: str = "MET_SHORT") -> None:
    """ITK's MetaImage: the header, then the voxels x fastest (or in a `.raw`/`.zraw` beside)."""
    data = np.ascontiguousarray(voxels.transpose(2, 1, 0)).tobytes()
    data = zlib.compress(data) if compressed else data
    source = "LOCAL" if local else path.with_suffix(".zraw" if compressed else ".raw").name
    head = ("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
            f"CompressedData = {compressed}\n{extra}DimSize = {' '.join(map(str, voxels.shape[:3]))}\n"
            f"ElementType = {element}\nElementDataFile = {source}\n")
    if local:
        path.write_bytes(head.encode() + data)
    else:
        path.write_text(head)
        path.with_suffix(".zraw" if compressed else ".raw").write_bytes(data)


def test_a_metaimage_reads_its_voxels_and_places_them_in_ras(tmp_path):
    """LPS world (ITK's): x and y flip sign in RAS; spacing and origin as stated."""
    voxels = volume()
    for name, compressed, local in (("a.mha", False, True), ("b.mha", True, True), ("c.mhd", False, False),
                                    ("d.mhd", True, False)):
        mha(tmp_path / name, voxels, "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 10 20 30\n"
                                     "ElementSpacing = 0.5 0.75 3\n", compressed, local)
        read, affine = read_metaimage(tmp_path / name)
        np.testing.assert_array_equal(read, voxels.astype(np.float32))
        np.testing.assert_allclose(affine, [[-0.5, 0, 0, -10], [0, -0.75, 0, -20], [0, 0, 3, 30], [0, 0, 0, 1]])


def test_a_metaimage_transform_matrix_gives_each_axis_its_direction(tmp_path):
    """TransformMatrix row i is axis i's direction (ITK): axis 0 along world y, axis 1 along x."""
    mha(tmp_path / "a.mha", volume(), "TransformMatrix = 0 1 0 1 0 0 0 0 -1\nOffset = 0 0 0\nElementSpacing = 2 3 4\n")
    _, affine = read_metaimage(tmp_path / "a.mha")
    lps = np.diag([-1, -1, 1]) @ affine[:3, :3]
    np.testing.assert_allclose(lps, [[0, 3, 0], [2, 0, 0], [0, 0, -4]])


def test_nrrd_reads_gzip_its_space_and_a_channel_axis(tmp_path):
    voxels = volume(1, "<u2")
    data = gzip.compress(np.ascontiguousarray(voxels.transpose(2, 1, 0)).tobytes())
    (tmp_path / "a.nrrd").write_bytes(
        b"NRRD0004\n# a comment\ntype: unsigned short\ndimension: 3\nspace: right-anterior-superior\n"
        b"sizes: 5 4 3\nspace directions: (1.5,0,0) (0,2,0) (0,0,2.5)\nkinds: domain domain domain\n"
        b"endian: little\nencoding: gzip\nspace origin: (1,2,3)\n\n" + data)
    read, affine = read_nrrd(tmp_path / "a.nrrd")
    np.testing.assert_array_equal(read, voxels.astype(np.float32))
    np.testing.assert_allclose(affine, [[1.5, 0, 0, 1], [0, 2, 0, 2], [0, 0, 2.5, 3], [0, 0, 0, 1]])
    two = np.stack([voxels, voxels + 1], axis=0)  # the channel axis first and fastest, as Slicer and ITK write it
    (tmp_path / "b.nrrd").write_bytes(
        b"NRRD0004\ntype: int16\ndimension: 4\nspace: left-posterior-superior\nsizes: 2 5 4 3\n"
        b"space directions: none (1,0,0) (0,1,0) (0,0,1)\nendian: little\nencoding: raw\n\n"
        + np.ascontiguousarray(two.transpose(3, 2, 1, 0)).astype("<i2").tobytes())
    read, _ = read_nrrd(tmp_path / "b.nrrd")
    np.testing.assert_array_equal(read, np.moveaxis(two, 0, -1).astype(np.float32))


@pytest.mark.parametrize("suffix", [".mha", ".nrrd"])
def test_written_labels_read_back_on_the_same_grid(tmp_path, suffix):
    affine = np.array([[0, -2.0, 0, 5], [1.5, 0, 0, -7], [0, 0, 3, 1], [0, 0, 0, 1]])
    labels = np.random.default_rng(2).integers(0, 4, SHAPE)
    write_labels(tmp_path / f"out{suffix}", labels, affine)
    read, read_affine = (read_metaimage if suffix == ".mha" else read_nrrd)(tmp_path / f"out{suffix}")
    np.testing.assert_array_equal(read, labels)
    np.testing.assert_allclose(read_affine, affine, atol=1e-9)


@pytest.mark.parametrize(("top", "element"), [(3, "MET_UCHAR"), (300, "MET_SHORT"), (-1, "MET_SHORT")])
def test_written_labels_are_typed_as_their_values_need(tmp_path, top, element):
    labels = np.zeros(SHAPE, np.int64)
    labels.flat[0] = top
    write_labels(tmp_path / "out.mha", labels, np.eye(4))
    assert f"\nElementType = {element}\n".encode() in (tmp_path / "out.mha").read_bytes()
    np.testing.assert_array_equal(read_metaimage(tmp_path / "out.mha")[0], labels)


def promise12(root: Path) -> None:
    """PROMISE12's parts: each case beside its segmentation, `.mhd` headers with `.raw` data."""
    for part, cases in (("TrainingData_Part1", range(0, 3)), ("TrainingData_Part2", range(3, 6))):
        (root / part).mkdir(parents=True)
        for case in cases:
            image = volume(case).astype("<i2") + 10
            labels = np.zeros(SHAPE, np.uint8)
            labels[1:4, 1:3, case % 3] = 1
            geometry = "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = -30 -40 12\nElementSpacing = 0.6 0.6 3.6\n"
            mha(root / part / f"Case{case:02d}.mhd", image, geometry, local=False)
            mha(root / part / f"Case{case:02d}_segmentation.mhd", labels, geometry, local=False, element="MET_UCHAR")


def test_promise12_reads_its_cases_each_its_own_subject(tmp_path):
    """A part folder holds several patients: grouping by it put whole parts in one split."""
    promise12(tmp_path)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 6 * SHAPE[2]
    assert {p.group for p in index.pairs} == {f"Case{c:02d}" for c in range(6)}
    slices = {p.name: read_mask(p.mask, index.mapping) for p in index.pairs}
    assert slices["Case04/slice001"].sum() == 6 and slices["Case04/slice000"].sum() == 0


def test_a_metaimage_is_predicted_into_a_metaimage_on_its_grid(tmp_path):
    """grand-challenge takes `.mha` submissions: the mask is written as its input was."""
    image = np.full(SHAPE, 20.0)
    image[1:3, 1:3, 1] = 200.0
    geometry = "TransformMatrix = 0 1 0 1 0 0 0 0 1\nOffset = 4 5 6\nElementSpacing = 1 2 3\n"
    mha(tmp_path / "case.mha", image.astype("<i2"), geometry)
    [written] = predict_volumes(Threshold(), [tmp_path / "case.mha"], tmp_path / "out", progress=False)
    assert written.mask == tmp_path / "out" / "case_mask.mha"
    labels, affine = read_metaimage(written.mask)
    np.testing.assert_array_equal(labels, image > 140)
    np.testing.assert_allclose(affine, read_metaimage(tmp_path / "case.mha")[1])


def test_damaged_or_hostile_volumes_are_named(tmp_path):
    mha(tmp_path / "short.mha", volume())
    (tmp_path / "short.mha").write_bytes((tmp_path / "short.mha").read_bytes()[:-10])
    with pytest.raises(DataError, match=r"short\.mha' holds 110 bytes of voxels where its header states 120"):
        read_metaimage(tmp_path / "short.mha")
    (tmp_path / "away.mhd").write_text("NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementDataFile = ../x.raw\n")
    with pytest.raises(DataError, match=r"away\.mhd' names its data file '\.\./x\.raw', which is not beside it"):
        read_metaimage(tmp_path / "away.mhd")
    bomb = zlib.compress(bytes(10_000_000))
    (tmp_path / "bomb.mha").write_bytes(b"NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nCompressedData = True\n"
                                        b"ElementDataFile = LOCAL\n" + bomb)
    with pytest.raises(DataError, match=r"bomb\.mha': its compressed voxels inflate beyond the 8 bytes"):
        read_metaimage(tmp_path / "bomb.mha")
    (tmp_path / "big.nrrd").write_bytes(b"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 100000 100000 1000\n"
                                        b"encoding: raw\n\n")
    with pytest.raises(DataError, match=r"big\.nrrd"):
        read_nrrd(tmp_path / "big.nrrd")
    (tmp_path / "text.nrrd").write_text("not a volume\n\n")
    with pytest.raises(DataError, match=r"text\.nrrd' is no NRRD file"):
        read_nrrd(tmp_path / "text.nrrd")


@pytest.mark.parametrize("name, header", [
    ("beside.mhd", ""), ("local.mha", ""), ("at_end.mhd", "HeaderSize = -1\n"), ("detached.nhdr", ""),
])
def test_a_data_file_far_longer_than_its_voxels_is_read_no_further(tmp_path, name, header):
    """A 32 MB (sparse) file behind a 120-byte volume: the whole file was read into memory first,
    so a header beside a file of terabytes took them all; only the stated voxels are read now."""
    voxels, path, tail = volume(), tmp_path / name, 32 << 20
    if path.suffix == ".nhdr":
        path.write_text(f"NRRD0004\ntype: short\ndimension: 3\nsizes: {' '.join(map(str, SHAPE))}\n"
                        "endian: little\nencoding: raw\ndata file: detached.raw\n\n")
        path.with_suffix(".raw").write_bytes(np.ascontiguousarray(voxels.transpose(2, 1, 0)).tobytes())
    else:
        mha(path, voxels, header, local=path.suffix == ".mha")
    data = path if path.suffix == ".mha" else path.with_suffix(".raw")
    if header:  # its voxels are the file's last bytes: 32 MB of zeros before them
        stored = data.read_bytes()
        with data.open("r+b") as file:
            file.truncate(tail)
            file.seek(tail)
            file.write(stored)
    else:
        with data.open("r+b") as file:
            file.truncate(tail)
    tracemalloc.start()
    try:
        read = (read_nrrd if path.suffix == ".nhdr" else read_metaimage)(path)[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(read, voxels.astype(np.float32))
    assert peak < 1 << 20


def _volume_files() -> dict[str, bytes]:
    """A deflated MetaImage and a gzip NRRD, as bytes."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        mha(Path(folder) / "a.mha", volume(), "TransformMatrix = 1 0 0 0 1 0 0 0 1\nElementSpacing = 1 1 1\n",
            compressed=True)
        write_labels(Path(folder) / "b.nrrd", volume().astype(np.int64) % 3, np.eye(4))
        return {name: (Path(folder) / name).read_bytes() for name in ("a.mha", "b.nrrd")}


VOLUME_FILES = _volume_files()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(VOLUME_FILES)), cut=st.integers(0, 400),
       flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=6))
@example(name="a.mha", cut=0, flips=[(216, 0)])  # a NUL in ElementDataFile's LOCAL: a ValueError escaped
def test_any_damaged_volume_file_reads_or_names_the_file(tmp_path_factory, name, cut, flips):
    import tracemalloc

    data = bytearray(VOLUME_FILES[name][: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    path = tmp_path_factory.mktemp("volume") / name
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        (read_metaimage if name.endswith(".mha") else read_nrrd)(path)
    except DataError as err:
        assert name in str(err)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 64 * 2**20


def slicer_segmentation(path: Path, labels: np.ndarray, segments: str, layers: int = 1) -> None:
    """A `.seg.nrrd` as 3D Slicer saves it: a labelmap with its segments in key:=value lines."""
    voxels = np.stack([labels] * layers) if layers > 1 else labels
    order = tuple(range(voxels.ndim - 1, -1, -1))
    sizes = " ".join(map(str, voxels.shape))
    directions = ("none " if layers > 1 else "") + "(0.8,0,0) (0,0.8,0) (0,0,2)"
    path.write_bytes(
        f"NRRD0004\ntype: unsigned char\ndimension: {voxels.ndim}\nspace: left-posterior-superior\nsizes: {sizes}\n"
        f"space directions: {directions}\nkinds: {'list ' if layers > 1 else ''}domain domain domain\n"
        f"encoding: gzip\nspace origin: (0,0,0)\nSegmentation_MasterRepresentation:=Binary labelmap\n{segments}\n"
        .encode() + gzip.compress(np.ascontiguousarray(voxels.transpose(order)).tobytes()))


SEGMENTS = ("Segment0_Color:=0.501961 0.682353 0.501961\nSegment0_ID:=Segment_1\nSegment0_LabelValue:=1\n"
            "Segment0_Layer:=0\nSegment0_Name:=liver\nSegment1_Color:=0.945 0.839 0.569\nSegment1_ID:=Segment_2\n"
            "Segment1_LabelValue:=2\nSegment1_Layer:=0\nSegment1_Name:=tumor\n")


def test_slicer_segmentations_name_their_classes_in_their_colours(tmp_path):
    """Cases in Slicer's files (`case1.nrrd` + `case1.seg.nrrd`): the segments' names and
    colours are the classes, when every case's agree."""
    for case in range(3):
        (tmp_path / f"case{case}").mkdir()
        image = volume(case).astype(np.uint8)
        labels = np.zeros(SHAPE, np.uint8)
        labels[1:3, 1:3, 0], labels[3:5, 2:4, 2] = 1, 2
        write_labels(tmp_path / f"case{case}" / f"case{case}.nrrd", image.astype(np.int64), np.diag([0.8, 0.8, 2, 1]))
        slicer_segmentation(tmp_path / f"case{case}" / f"case{case}.seg.nrrd", labels, SEGMENTS)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and len(index.pairs) == 3 * SHAPE[2]
    assert index.classes.names == ("background", "liver", "tumor")
    assert index.classes.colours[1:] == ((128, 174, 128), (241, 214, 145))
    slicer_segmentation(tmp_path / "case2" / "case2.seg.nrrd", labels, SEGMENTS, layers=2)
    with pytest.raises(DataError, match=r"case2\.seg\.nrrd' keeps overlapping segments in 2 layers; export it as a"):
        read_nrrd(tmp_path / "case2" / "case2.seg.nrrd")


def test_a_slicer_segment_of_a_negative_label_value_is_refused_naming_its_line(tmp_path):
    """A segment whose LabelValue is below 0 (a header edited by hand, a converter's -1 for none):
    it named no value the masks hold, and the classes were numbered around it, silently; refused
    naming the file, the header's line and the value."""
    for case in range(2):
        (tmp_path / f"case{case}").mkdir()
        labels = np.zeros(SHAPE, np.uint8)
        labels[1:3, 1:3, 0], labels[3:5, 2:4, 2] = 1, 2
        write_labels(tmp_path / f"case{case}" / f"case{case}.nrrd", volume(case).astype(np.int64),
                     np.diag([0.8, 0.8, 2, 1]))
        slicer_segmentation(tmp_path / f"case{case}" / f"case{case}.seg.nrrd", labels,
                            SEGMENTS.replace("Segment1_LabelValue:=2", "Segment1_LabelValue:=-2"))
    with pytest.raises(DataError, match=r"case0\.seg\.nrrd', line 18: Segment1_LabelValue -2 is no mask value"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


MITK_LABELS = ('modality:=org.mitk.multilabel.segmentation\norg.mitk.multilabel.segmentation.labelgroups:=[{"labels":['
               '{"color":{"type":"ColorProperty","value":[1.0,0.0,0.0]},"locked":true,"name":"Liver","opacity":0.6,'
               '"value":1,"visible":true},{"color":{"type":"ColorProperty","value":[0.0,0.6,1.0]},"locked":true,'
               '"name":"Tumor","opacity":0.6,"value":3,"visible":true}]}]\n'
               'org.mitk.multilabel.segmentation.unlabeledlabellock:=0\norg.mitk.multilabel.segmentation.version:=2\n')
LEGACY_MITK_LABELS = "modality:=org.mitk.image.multilabel\nlayers:=1\nlayer_000:=3\n" + "".join(
    f'org.mitk.label_000_{k:05d}:=<?xml version="1.0" ?>\\n<Label>\\n<property key="name" type="StringProperty">'
    f'<string value="{name}"/></property>\\n<property key="value" type="UShortProperty"><unsigned value="{value}"/>'
    "</property>\\n</Label>\n" for k, (name, value) in enumerate((("Exterior", 0), ("Liver", 1), ("Tumor", 3))))


@pytest.mark.parametrize("header", [MITK_LABELS, LEGACY_MITK_LABELS], ids=["mitk-2023", "mitk-legacy"])
def test_mitk_multilabel_segmentations_name_their_labels_values_with_gaps_read_compact(tmp_path, header):
    """MITK Workbench saves `<patient>/Segmentation.nrrd` with its labels in the header (JSON since
    2023.12, an XML `<Label>` per key before), their values as it gave them: Tumor kept 3 when label 2
    was deleted. They were read as class_0 to class_3, class_2 never seen."""
    labels = np.zeros(SHAPE, np.uint8)
    labels[1:3, 1:3, 0], labels[3:5, 2:4, 2] = 1, 3
    for case in range(2):
        (tmp_path / f"patient0{case}").mkdir()
        write_labels(tmp_path / f"patient0{case}" / "CT.nrrd", volume(case).astype(np.int64), np.diag([0.8, 0.8, 2, 1]))
        slicer_segmentation(tmp_path / f"patient0{case}" / "Segmentation.nrrd", labels, header)
    report = inspect_dataset(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert report.classes.names == ("background", "Liver", "Tumor")
    assert {int(v) for p in report.index.pairs for v in np.unique(read_mask(p.mask, report.index.mapping))} == {0, 1, 2}


def test_two_dimensional_metaimages_are_one_slice_cases(tmp_path):
    """CAMUS' echocardiograms: `patient0001/patient0001_2CH_ED.mhd` (NDims = 2) beside its `_gt`,
    and a `_sequence.mhd` of frames without a label, left out; the patient's cases grouped."""
    folder = tmp_path / "training" / "patient0001"
    folder.mkdir(parents=True)
    for phase in ("ED", "ES"):
        image = np.random.default_rng(0).integers(0, 255, (6, 5)).astype(np.uint8)  # rows, columns
        gt = np.zeros((6, 5), np.uint8)
        gt[1:4, 2:4] = 1 + (phase == "ES")
        for name, voxels in ((f"patient0001_2CH_{phase}", image), (f"patient0001_2CH_{phase}_gt", gt)):
            (folder / f"{name}.mhd").write_text(
                "ObjectType = Image\nNDims = 2\nBinaryData = True\nCompressedData = False\n"
                f"ElementSpacing = 0.3 0.15\nDimSize = 5 6\nElementType = MET_UCHAR\nElementDataFile = {name}.raw\n")
            (folder / f"{name}.raw").write_bytes(voxels.tobytes())
    mha(folder / "patient0001_2CH_sequence.mha", np.zeros((5, 6, 4), np.uint8), element="MET_UCHAR")
    read, _ = read_metaimage(folder / "patient0001_2CH_ED.mhd")
    assert read.shape == (5, 6, 1)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert sorted(p.name for p in index.pairs) == ["patient0001_2CH_ED/slice000", "patient0001_2CH_ES/slice000"]
    assert {p.group for p in index.pairs} == {"patient0001"}
    assert {int(read_mask(p.mask, index.mapping).max()) for p in index.pairs} == {1, 2}


def camus_nifti(root: Path, patients: int) -> None:
    """CAMUS' 2023 release: `database_nifti/patient0001/patient0001_2CH_ED.nii.gz`, each frame a
    2-D NIfTI (X, Y), beside its `_gt`."""
    import nibabel as nib
    for number in range(1, patients + 1):
        folder = root / "database_nifti" / f"patient{number:04d}"
        folder.mkdir(parents=True)
        for phase in ("ED", "ES"):
            gt = np.zeros((5, 6), np.uint8)
            gt[1:4, 2:4] = 1 + (phase == "ES")
            image = np.random.default_rng(number).integers(0, 255, (5, 6)).astype(np.uint8)
            for name, voxels in ((f"patient{number:04d}_2CH_{phase}", image),
                                 (f"patient{number:04d}_2CH_{phase}_gt", gt)):
                nib.save(nib.Nifti1Image(voxels, np.eye(4)), folder / f"{name}.nii.gz")


def test_two_dimensional_nifti_frames_are_one_slice_cases(tmp_path):
    """CAMUS' 2-D NIfTI frames were each refused as 'has shape (48, 64); expected 3-D'."""
    camus_nifti(tmp_path, 1)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert sorted(p.name for p in index.pairs) == ["patient0001_2CH_ED/slice000", "patient0001_2CH_ES/slice000"]
    assert {int(read_mask(p.mask, index.mapping).max()) for p in index.pairs} == {1, 2}


def test_lists_naming_the_case_folders_split_their_cases(tmp_path):
    """CAMUS' `database_split/subgroup_{training,validation,testing}.txt` name the patients, whose
    folders hold the cases `patient0001_2CH_ED`, ...: the lists were found but named no case, and
    the split was drawn (official test patients trained on)."""
    camus_nifti(tmp_path, 3)
    (tmp_path / "database_split").mkdir()
    for split, number in (("training", 1), ("validation", 2), ("testing", 3)):
        (tmp_path / "database_split" / f"subgroup_{split}.txt").write_text(f"patient{number:04d}\n")
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert {p.name.split("_")[0]: p.split for p in index.pairs} == {
        "patient0001": "train", "patient0002": "val", "patient0003": "test"}


def test_header_counts_that_are_no_numbers_are_named(tmp_path):
    """`ElementNumberOfChannels = x`, `HeaderSize = ?`, `byte skip: abc` raised a bare ValueError."""
    mha(tmp_path / "a.mha", volume(), "ElementNumberOfChannels = x\n")
    with pytest.raises(DataError, match=r"a\.mha': its header's elementnumberofchannels is 'x', not a whole number"):
        read_metaimage(tmp_path / "a.mha")
    mha(tmp_path / "b.mhd", volume(), "HeaderSize = ?\n", local=False)
    with pytest.raises(DataError, match=r"b\.mhd': its header's headersize is '\?'"):
        read_metaimage(tmp_path / "b.mhd")
    (tmp_path / "c.raw").write_bytes(bytes(60))
    (tmp_path / "c.nhdr").write_text("NRRD0004\ntype: uint8\ndimension: 3\nsizes: 5 4 3\nencoding: raw\n"
                                     "data file: c.raw\nbyte skip: abc\n\n")
    with pytest.raises(DataError, match=r"c\.nhdr': its header's byte skip is 'abc'"):
        read_nrrd(tmp_path / "c.nhdr")


def test_metaimage_files_are_no_unsupported_format(tmp_path):
    """The audit still called every `.mha` an unsupported format (`'.mha' files are not read by
    seglab`), next to the volumes it had read: the grand-challenge test cases beside them."""
    from seglab.data import audit

    for folder in ("imagesTr", "labelsTr", "imagesTs"):
        (tmp_path / folder).mkdir()
    for n in range(2):
        mha(tmp_path / "imagesTr" / f"case{n}.mha", volume(n))
        mha(tmp_path / "labelsTr" / f"case{n}.mha", (volume(n) > 150).astype("<i2"))
    mha(tmp_path / "imagesTs" / "case9.mha", volume(9))
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert [p.name for p in index.unlabelled] == ["case9.mha"]
    assert not [p for p in audit(index).problems if p.code == "unsupported-format"]


def test_headerless_raw_volumes_are_named_with_the_header_to_write_beside_each(tmp_path):
    """Digital Rocks Portal's '11 Sandstones' ships `<Rock>/<Rock>_2d25um_binary.raw` (+ grayscale),
    its dimensions and type in a README alone: the refusal said 'no image files found' and never
    named them. It names them with a header built from the README, which reads them as volumes;
    a README of other dimensions gives placeholders."""
    for rock in ("Berea", "Kirby"):
        (tmp_path / rock).mkdir()
        for kind in ("grayscale", "binary"):
            (volume(0, "u1") % 2).transpose(2, 1, 0).tofile(tmp_path / rock / f"{rock}_2d25um_{kind}.raw")
    (tmp_path / "README.txt").write_text("Each volume 5 x 4 x 3 voxels (x, y, z), 8-bit unsigned, 2.25 um.\n")
    with pytest.raises(DataError) as refused:
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert "  Berea/: 2 '.raw' files\n  Kirby/: 2 '.raw' files\n" in str(refused.value)
    header = ("NDims = 3\nDimSize = 5 4 3\nElementType = MET_UCHAR\nElementDataFile = Berea_2d25um_binary.raw")
    assert header.replace("\n", "\n      ") in str(refused.value)
    (tmp_path / "Berea" / "Berea_2d25um_binary.mhd").write_text(header + "\n")
    voxels, _ = read_metaimage(tmp_path / "Berea" / "Berea_2d25um_binary.mhd")
    np.testing.assert_array_equal(voxels, volume(0, "u1") % 2)
    (tmp_path / "README.txt").write_text("Each volume 1000 x 1000 x 1000 voxels.\n")
    with pytest.raises(DataError, match=r"DimSize = <x> <y> <z>\n      ElementType = <MET_UCHAR"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def nrrd(path: Path, voxels: np.ndarray) -> None:
    """An unsigned char gzip NRRD, as the 2018 Left Atrium challenge ships `lgemri.nrrd` and `laendo.nrrd`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(np.ascontiguousarray(voxels.transpose(2, 1, 0)).astype(np.uint8).tobytes())
    path.write_bytes(b"NRRD0004\ntype: unsigned char\ndimension: 3\nspace: left-posterior-superior\nsizes: 5 4 3\n"
                     b"space directions: (1,0,0) (0,1,0) (0,0,1)\nendian: little\nencoding: gzip\n\n" + data)


def test_left_atrium_case_folders_pair_by_the_label_file_masks_names(tmp_path):
    """`Training Set/<case>/lgemri.nrrd` + `laendo.nrrd` (no seg, label or mask in the name): refused
    before, and --masks laendo.nrrd was no folder; now it names the label volume of each case folder."""
    for split, cases in (("Training Set", ("A1", "A2", "A3")), ("Testing Set", ("B1",))):
        for case in cases:
            nrrd(tmp_path / split / case / "lgemri.nrrd", volume(len(case)) % 200)
            nrrd(tmp_path / split / case / "laendo.nrrd", (volume(len(case)) > 150) * 255)
    with pytest.raises(DataError, match="--masks laendo.nrrd"):
        discover(tmp_path)
    index = discover(tmp_path, masks="laendo.nrrd", label_map={255: 1}, cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and not index.problems
    assert {p.group: p.split for p in index.pairs} == {"A1": "train", "A2": "train", "A3": "train", "B1": "test"}
    assert {int(v) for p in index.pairs for v in np.unique(read_mask(p.mask, index.mapping))} == {0, 1}


@pytest.mark.parametrize("name, header", [
    ("a.mha", "TransformMatrix = 0 1 0 1 0 0 0 0 -1\nOffset = 4 5 6\nElementSpacing = 2 3 4\n"),
    ("b.mha", "ElementNumberOfChannels = 2\nElementSpacing = 0.5 0.5 3\n"),
    ("c.nrrd", ""), ("d.nrrd", "layers"), ("e.nrrd", "2-D")])
def test_a_header_grid_is_the_grid_its_voxels_are_read_on(tmp_path, name, header):
    """Which modalities lie on their label's grid is read from the headers alone (`volume_grid`):
    for MetaImage and NRRD as their voxels are read, a channel axis not in space, a slice (X, Y, 1)."""
    from seglab.data.files.volumes import volume_grid

    path = tmp_path / name
    if name.endswith(".mha"):
        mha(path, volume(), header)
        if "Channels" in header:  # the channels fastest, each voxel's two values side by side
            two = np.stack([volume(), volume(1)], -1).transpose(2, 1, 0, 3)
            path.write_bytes(path.read_bytes()[:-volume().nbytes] + np.ascontiguousarray(two).tobytes())
    elif header == "layers":
        slicer_segmentation(path, (volume() % 2).astype(np.uint8), SEGMENTS, layers=2)
        path = path.rename(tmp_path / "d_layers.nrrd")  # read as an image's channels, not a `.seg.nrrd`
    elif header == "2-D":
        path.write_bytes(b"NRRD0004\ntype: uint8\ndimension: 2\nsizes: 5 4\nspace directions: (0.5,0) (0,0.5)\n"
                         b"encoding: raw\n\n" + bytes(20))
    else:
        write_labels(path, volume().astype(np.int64), np.array([[0, -2.0, 0, 5], [1.5, 0, 0, -7], [0, 0, 3, 1],
                                                                [0, 0, 0, 1]]))
    voxels, affine = (read_metaimage if name.endswith(".mha") else read_nrrd)(path)
    shape, grid_affine = volume_grid(path)
    assert shape == voxels.shape[:3]
    np.testing.assert_allclose(grid_affine, affine)


def picai(root: Path) -> None:
    """PI-CAI as shipped: `picai_public_images_fold0/<patient>/<patient>_<study>_{t2w,adc,hbv}.mha`,
    the ADC and DWI on a coarser grid of their own, and lesion labels on the T2's grid in one flat
    folder, `picai_labels/.../human_expert/resampled/<patient>_<study>.nii.gz`, for positive studies only;
    patient 10002 has three studies, two positive."""
    import nibabel as nib

    t2 = "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 0.5 0.5 3\n"
    coarse = "TransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 1 1 3\n"
    labels = root / "picai_labels" / "csPCa_lesion_delineations" / "human_expert" / "resampled"
    labels.mkdir(parents=True)
    for patient, study, positive in ((10000, 1000000, True), (10001, 1000001, False), (10002, 1000002, True),
                                     (10002, 1000099, True), (10002, 1000100, False)):
        folder = root / "picai_public_images_fold0" / str(patient)
        folder.mkdir(parents=True, exist_ok=True)
        mha(folder / f"{patient}_{study}_t2w.mha", volume(patient), t2)
        for modality in ("adc", "hbv"):
            mha(folder / f"{patient}_{study}_{modality}.mha", volume(patient)[::2, ::2], coarse)
        if positive:
            lesion = np.zeros(SHAPE, np.uint8)
            lesion[1:3, 1:3, 1] = 1
            nib.save(nib.Nifti1Image(lesion, np.diag([-0.5, -0.5, 3.0, 1.0])), labels / f"{patient}_{study}.nii.gz")


@pytest.mark.parametrize("images, studies", [
    ("picai_public_images_fold0", {"10000_1000000", "10002_1000002", "10002_1000099"}),
    ("10000", {"10000_1000000"})])
def test_picai_modalities_off_the_labels_grid_are_left_out_in_one_line(tmp_path, caplog, images, studies):
    """PI-CAI's `--images 10000 --masks resampled` took the T2, ADC and DWI volumes as channels and
    refused each study, 'differ in shape': MetaImage grids were not read. The T2 is the channel,
    the others left out in one line; a study without labels beside its patient's labelled ones is
    one finding, named as its label would be, and a patient's studies none labelled are unlabelled.
    A patient's studies, in the patient's folder, are one group: they were a group each, a
    patient's two studies free to land in two splits."""
    picai(tmp_path)
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path, images=images, masks="resampled", cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and {p.name.split("/")[0] for p in index.pairs} == studies
    assert {p.group for p in index.pairs} == {study.split("_")[0] for study in studies}
    assert index.modalities == ("t2w",) and np.load(index.pairs[0].image).shape[-1] == 1
    assert {int(read_mask(p.mask, index.mapping).max()) for p in index.pairs} == {0, 1}
    left_out = [r.getMessage() for r in caplog.records if r.getMessage().startswith("left out")]
    assert len(left_out) == 1 and re.match(r"left out the 'adc', 'hbv' volumes \(e.g. '.*10000_1000000_adc.mha'\): on "
                                           r"their label volume's voxel grid in 0 of \d cases; to train on them as a "
                                           r"channel, resample them onto it", left_out[0])
    if images == "picai_public_images_fold0":
        assert [(p.code, p.path.name) for p in index.problems] == [("image-without-mask", "10002_1000100_adc.mha")]
        assert "expected picai_labels/csPCa_lesion_delineations/human_expert/resampled/10002_1000100.nii.gz" in \
            index.problems[0].message
        assert [p.name for p in index.unlabelled] == [f"10001_1000001_{m}.mha" for m in ("adc", "hbv", "t2w")]


def hanseg(root: Path, cases: int = 3) -> None:
    """HaN-Seg as shipped: `set_1/case_XX/case_XX_IMG_CT.nrrd`, the MR `case_XX_IMG_MR_T1.nrrd` on a
    grid of its own (not registered), and 3D Slicer's `case_XX_OAR_<organ>.seg.nrrd` per organ on
    the CT's grid; a bright box in the CT where the brainstem is."""
    for case in range(1, cases + 1):
        folder = root / "set_1" / f"case_{case:02d}"
        folder.mkdir(parents=True)
        brainstem = np.zeros(SHAPE, np.uint8)
        brainstem[1:3, 1:3, 1] = 1
        write_labels(folder / f"case_{case:02d}_IMG_CT.nrrd", np.where(brainstem, 200, volume(case) % 100),
                     np.diag([-0.8, -0.8, 2, 1]))
        write_labels(folder / f"case_{case:02d}_IMG_MR_T1.nrrd", np.ones((4, 3, 2), np.int64),
                     np.diag([-1.2, -1.2, 3, 1]))
        for organ, mask in (("Brainstem", brainstem), ("Parotid_L", 1 - brainstem)):
            slicer_segmentation(folder / f"case_{case:02d}_OAR_{organ}.seg.nrrd", mask,
                                SEGMENTS.split("Segment1")[0].replace("liver", organ))


def test_hanseg_ct_is_read_and_its_mr_on_a_grid_of_its_own_left_out(tmp_path, caplog):
    """HaN-Seg's `--masks '*_OAR_Brainstem.seg.nrrd'` read a case folder's CT and MR as channels and
    refused every case, 'differ in shape': nothing was read. The CT is the case's image, the MR
    left out in one line that says how to train on it."""
    hanseg(tmp_path / "HaN-Seg")
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path, masks="*_OAR_Brainstem.seg.nrrd", cache_dir=str(tmp_path / "cache"))
    assert index.format == "volumes" and not index.problems and len(index.pairs) == 3 * SHAPE[2]
    assert index.classes.names == ("background", "Brainstem") and index.modalities == ("CT",)
    assert {p.group for p in index.pairs} == {"case_01", "case_02", "case_03"}
    assert np.load(index.pairs[0].image).shape[-1] == 1
    left_out = [r.getMessage() for r in caplog.records if r.getMessage().startswith("left out")]
    assert len(left_out) == 1 and re.match(r"left out the 'MR_T1' volumes \(e.g. '.*case_01_IMG_MR_T1.nrrd'\): on "
                                           r"their label volume's voxel grid in 0 of 3 cases; to train on them as a "
                                           r"channel, resample them onto it", left_out[0])


def test_a_hanseg_run_predicts_from_the_ct_and_leaves_the_mr_out(tmp_path, monkeypatch, capsys):
    """The run remembers ("CT",), so that `predict` of a test case's CT and MR reads the CT alone,
    as training did, and says the MR was left out (before, no HaN-Seg run could be trained)."""
    from seglab.cli import main
    from seglab.runs.checkpoint import load_checkpoint
    from seglab.runs.run_folder import RunFolder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    hanseg(tmp_path / "HaN-Seg")
    tests = tmp_path / "test" / "case_09"
    hanseg(tmp_path / "test-set", cases=1)
    shutil.copytree(tmp_path / "test-set" / "set_1" / "case_01", tests)
    for organ in tests.glob("*.seg.nrrd"):
        organ.unlink()  # a test case ships its images alone
    run, out = tmp_path / "run", tmp_path / "pred"
    assert main(["train", "--no-plan", str(tmp_path / "HaN-Seg"), "--masks", "*_OAR_Brainstem.seg.nrrd",
                 "--out", str(run), "--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4",
                 "--precision", "fp32", "--no-progress", "--epochs", "1", "--size", "32"]) == 0
    assert load_checkpoint(RunFolder.open(run).best).card.modalities == ("CT",)
    capsys.readouterr()
    assert main(["predict", str(run), str(tests), "--out", str(out)]) == 0
    assert [p.name for p in out.glob("*_mask.*")] == ["case_01_IMG_mask.nrrd"]
    assert read_nrrd(out / "case_01_IMG_mask.nrrd")[0].shape == SHAPE  # on the CT's grid, not the MR's
    assert re.search(r"left out 1 volume\(s\) of modality 'MR_T1' \(e.g. '.*case_01_IMG_MR_T1.nrrd'\): the model "
                     r"was trained on CT only", capsys.readouterr().err)


@pytest.mark.parametrize("dataset, modality, case, others", [
    ("picai", "t2w", "picai_public_images_fold0/10000", "2 volume(s) of modality 'adc', 'hbv'"),
    ("hanseg", "CT", "set_1/case_01", "1 volume(s) of modality 'MR_T1'")])
def test_a_case_is_predicted_from_the_modality_its_model_was_trained_on(tmp_path, caplog, dataset, modality, case,
                                                                        others):
    """A case's volumes, for a model of one modality: PI-CAI's T2 (its ADC and DWI left out, as
    before), HaN-Seg's CT, whose MR (`case_01_IMG_MR_T1`: a word of two) was predicted alone."""
    (picai if dataset == "picai" else hanseg)(tmp_path)
    for organ in (tmp_path / case).glob("*.seg.nrrd"):
        organ.unlink()  # a test case ships its images alone

    class OneModality(Threshold):
        modalities = (modality,)

    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        [written] = predict_volumes(OneModality(), sorted((tmp_path / case).iterdir()), tmp_path / "out",
                                    progress=False)
    assert written.source.name.endswith(f"_{modality}.mha" if dataset == "picai" else f"_{modality}.nrrd")
    assert (read_metaimage if dataset == "picai" else read_nrrd)(written.mask)[0].shape == SHAPE
    assert f"left out {others} (e.g. '" in caplog.text


def fh_ps_aop(root: Path, planes: int = 3) -> None:
    """FH-PS-AOP's (PSFHS') RGB ultrasound frames stored channel-first: `image_mha/03744.mha` of
    DimSize 7 6 3 (plane k is channel k, offset by 1000 k) beside `label_mha/03744.mha`, one slice
    (DimSize 7 6 1, or NDims 2); the second case's third axis runs downward in the world."""
    for folder in ("image_mha", "label_mha"):
        (root / folder).mkdir(parents=True)
    for case, flip in ((3744, 1), (3751, -1)):
        grey = np.full((7, 6), 20, np.int16)
        grey[1:4, 2:5] = 200
        labels = (grey > 100).astype(np.uint8) * 2
        image = np.stack([grey + 1000 * k for k in range(planes)], axis=-1)
        mha(root / "image_mha" / f"{case:05d}.mha", image, f"TransformMatrix = 1 0 0 0 1 0 0 0 {flip}\n")
        if flip == 1:
            mha(root / "label_mha" / f"{case:05d}.mha", labels[..., None], element="MET_UCHAR")
        else:
            (root / "label_mha" / f"{case:05d}.mha").write_bytes(
                b"ObjectType = Image\nNDims = 2\nBinaryData = True\nDimSize = 7 6\nElementType = MET_UCHAR\n"
                b"ElementDataFile = LOCAL\n" + np.ascontiguousarray(labels.T).tobytes())


@pytest.mark.parametrize("planes", [3, 4])
def test_channel_first_colour_pictures_are_one_slice_of_their_planes(tmp_path, caplog, planes):
    """FH-PS-AOP: an image "volume" of 3 (RGB) or 4 planes beside a one-slice label is a 2-D colour
    picture, read as a MetaImage of ElementNumberOfChannels = 3 would be, in file order whatever way
    its third axis points; said once. Before, its 3 planes were off the label's grid and no case read."""
    fh_ps_aop(tmp_path, planes)
    with caplog.at_level("INFO", logger="seglab.data.layouts.volume_format"):
        index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert sorted(p.name for p in index.pairs) == ["03744/slice000", "03751/slice000"]
    for pair in index.pairs:
        image = np.load(pair.image)
        assert image.shape == (7, 6, planes)
        np.testing.assert_array_equal(image - image[..., :1], np.broadcast_to(1000.0 * np.arange(planes), image.shape))
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), (image[..., 0] > 100) * 2)
    assert caplog.text.count("read as a 2-D colour picture stored channel-first") == 1


def test_a_channel_first_colour_picture_is_predicted_as_training_read_it(tmp_path):
    """A model of 3 channels is fed the picture's 3 planes as one slice, and its mask is one slice."""
    fh_ps_aop(tmp_path)
    [written] = predict_volumes(LastModality(3), [tmp_path / "image_mha" / "03751.mha"], tmp_path / "out",
                                progress=False)
    labels, _ = read_metaimage(written.mask)
    np.testing.assert_array_equal(labels, read_metaimage(tmp_path / "label_mha" / "03751.mha")[0] > 0)
