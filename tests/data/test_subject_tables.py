"""Subjects from a shipped metadata table: one lesion's or patient's images never straddle two splits.

Layouts hand-made after HAM10000 (images in two part folders, Tschandl's lesion masks and
`HAM10000_metadata.csv`) and ISIC 2020 (`ISIC_2020_Training_GroundTruth.csv` with `patient_id`
and `lesion_id`), whose image names say nothing of the lesion or patient.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seglab.data import discover, split_pairs
from seglab.data.splitting import subject_tables
from seglab.data.files.index import Pair

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

SIZE = (12, 16)
LESIONS = {"HAM_0000118": 2, "HAM_0002730": 3, "HAM_0001466": 1, "HAM_0002761": 2, "HAM_0005132": 1,
           "HAM_0001396": 3, "HAM_0004234": 2, "HAM_0001601": 1}


def mask(seed: int) -> np.ndarray:
    out = np.zeros(SIZE, np.uint8)
    out[2 + seed % 5 : 8, 3:9] = 255
    return out


def ham10000(root: Path) -> dict[str, str]:
    """The HAM10000 layout with its metadata table; returns image id -> lesion id."""
    lesion_of = {f"ISIC_{24306 + i:07d}": lesion
                 for i, lesion in enumerate(lesion for lesion, n in LESIONS.items() for _ in range(n))}
    for i, image_id in enumerate(lesion_of):
        save(root / f"HAM10000_images_part_{1 + i % 2}" / f"{image_id}.jpg", photo(i, SIZE))
        save(root / "HAM10000_segmentations_lesion_tschandl" / f"{image_id}_segmentation.png", mask(i))
    rows = [f"{lesion},{image_id},nv,follow_up,45.0,male,back" for image_id, lesion in lesion_of.items()]
    (root / "HAM10000_metadata.csv").write_text(
        "lesion_id,image_id,dx,dx_type,age,sex,localization\n" + "\n".join(rows) + "\n")
    return lesion_of


def apart(pairs: list) -> bool:
    splits = split_pairs(pairs, seed=0)
    groups = [{p.group for p in splits[s]} for s in ("train", "val", "test")]
    return all(groups) and not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])


@pytest.mark.parametrize("column", ["identity", "individual_id"])
def test_an_animals_identity_column_groups_its_photos(tmp_path: Path, column: str) -> None:
    """Re-identification sets name the animal photographed (SeaTurtleID2022's `identity`): a
    table's identity column grouped nothing, and one turtle's photos landed in train and test."""
    turtle_of = {f"{i:09X}": f"t{i % 4:03d}" for i in range(12)}
    for i, name in enumerate(turtle_of):
        save(tmp_path / "images" / f"{name}.jpg", photo(i, SIZE))
        save(tmp_path / "masks" / f"{name}.png", mask(i))
    (tmp_path / "metadata.csv").write_text(f"file_name,{column},date\n" + "".join(
        f"images/{name}.jpg,{turtle},2014-06-19\n" for name, turtle in turtle_of.items()))
    index = discover(tmp_path)
    assert {p.name: p.group for p in index.pairs} == turtle_of
    assert index.pairing[-1] == f"split by the {column} of metadata.csv: 4 groups"


def test_ham10000_images_group_by_the_lesion_id_of_its_metadata(tmp_path: Path) -> None:
    """HAM10000: the table was listed as ignored and a lesion's images split apart."""
    lesion_of = ham10000(tmp_path)
    index = discover(tmp_path)
    assert len(index.pairs) == 15
    assert {p.name.rsplit("/", 1)[-1]: p.group for p in index.pairs} == lesion_of
    assert index.pairing[-1] == "split by the lesion_id of HAM10000_metadata.csv: 8 groups"
    assert tmp_path / "HAM10000_metadata.csv" not in index.ignored
    assert apart(index.pairs)


def test_isic_2020_groups_by_the_patient_before_the_lesion(tmp_path: Path) -> None:
    """ISIC 2020's ground-truth table beside the image folders gives patient and lesion: the
    patient is the stronger unit (one patient's lesions share their skin), and the table wins over
    the names' own guess (`ISIC_2637011_frame01` would group by the name before the frame)."""
    root = tmp_path / "ISIC2020"
    rows = []
    for i in range(12):
        name = f"ISIC_{2637011 + i // 2}_frame{i % 2:02d}"
        save(root / "train" / "images" / f"{name}.jpg", photo(i, SIZE))
        save(root / "train" / "masks" / f"{name}.png", mask(i))
        rows.append(f"{name},IP_{7279968 + i // 4},IL_{7972535 + i // 2},male,45.0,head/neck,unknown,benign,0")
    (root / "train" / "ISIC_2020_Training_GroundTruth.csv").write_text(
        "image_name,patient_id,lesion_id,sex,age_approx,anatom_site_general_challenge,diagnosis,"
        "benign_malignant,target\r\n" + "\r\n".join(rows) + "\r\n")
    index = discover(root)
    assert {p.group for p in index.pairs} == {"IP_7279968", "IP_7279969", "IP_7279970"}
    assert index.pairing[-1] == "split by the patient_id of train/ISIC_2020_Training_GroundTruth.csv: 3 groups"
    assert apart(index.pairs)


def vegann(root: Path, patients: bool = False) -> None:
    """VegAnn's `VegAnn_dataset/images/` + `annotations/` and `VegAnn_dataset.csv` (`Name;...;
    Dataset-Name;TVT-split1`): 4 acquisition sites of 3 images each, a patient column when asked."""
    rows = [f"Name;Species;Dataset-Name;TVT-split1{';patient_id' * patients}"]
    for i in range(12):
        site = ("Literal", "P2S2", "EPHYSIA", "Crowdsourcing")[i % 4]
        name = f"VegAnn_{i:04d}_{site}.png"
        save(root / "images" / name, photo(i, SIZE))
        save(root / "annotations" / name, mask(i))
        rows.append(f"{name};Wheat;{site};{'Training' if i < 8 else 'Test'}{f';P{i // 2}' * patients}")
    (root / "VegAnn_dataset.csv").write_text("\n".join(rows) + "\n")


def test_vegann_images_group_by_their_acquisition_site(tmp_path: Path) -> None:
    """VegAnn's `Dataset-Name` (the campaign each image was taken in) was read by no one: a drawn
    split or fold put one site's look-alike images on both sides. A site column groups, said so."""
    vegann(tmp_path / "VegAnn_dataset")
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {"Literal", "P2S2", "EPHYSIA", "Crowdsourcing"}
    assert all(p.name.endswith(f"_{p.group}") for p in index.pairs)
    assert index.pairing[-1] == "split by the Dataset-Name of VegAnn_dataset/VegAnn_dataset.csv: 4 groups"


def test_a_patient_column_groups_before_a_site_column(tmp_path: Path) -> None:
    vegann(tmp_path / "VegAnn_dataset", patients=True)
    index = discover(tmp_path)
    assert len({p.group for p in index.pairs}) == 6 and index.pairing[-1].startswith("split by the patient_id of ")


def test_a_table_naming_other_images_is_not_used(tmp_path: Path) -> None:
    ham10000(tmp_path)
    table = tmp_path / "HAM10000_metadata.csv"
    table.write_text(table.read_text().replace("ISIC_", "OTHER_"))
    index = discover(tmp_path)
    assert {p.group for p in index.pairs} == {None}
    assert table in index.ignored


def test_a_subject_per_image_is_no_grouping(tmp_path: Path) -> None:
    lesion_of = ham10000(tmp_path)
    rows = [f"HAM_{i},{image_id}" for i, image_id in enumerate(lesion_of)]
    (tmp_path / "HAM10000_metadata.csv").write_text("lesion_id,image_id\n" + "\n".join(rows) + "\n")
    assert {p.group for p in discover(tmp_path).pairs} == {None}


@pytest.mark.parametrize("content", [
    b"\x00\xff\xfe\x89PNG\r\n\x1a\n" * 50,  # binary, NUL bytes
    b"lesion_id,image_id\nHAM_1,ISIC_0024306,\"" + b"x" * 200_000 + b"\"\n",  # a field past csv's limit
    b"lesion_id,image_id\n\"HAM_1,ISIC_0024306\nHAM_2",  # a quote never closed
    b"",
])
def test_a_damaged_table_is_passed_over(tmp_path: Path, content: bytes) -> None:
    ham10000(tmp_path)
    (tmp_path / "HAM10000_metadata.csv").write_bytes(content)
    index = discover(tmp_path)
    assert len(index.pairs) == 15 and {p.group for p in index.pairs} == {None}


def test_ragged_rows_and_a_foreign_encoding_are_read_as_far_as_they_go(tmp_path: Path) -> None:
    """Latin-1 cells and rows short of the subject cell or longer than the header."""
    lesion_of = ham10000(tmp_path)
    rows = [f"{image_id};{lesion};Gen\xe8ve;extra;cells" if i % 3 else image_id
            for i, (image_id, lesion) in enumerate(lesion_of.items())]
    (tmp_path / "HAM10000_metadata.csv").write_bytes(("Image ID;Lesion ID;place\n" + "\n".join(rows)).encode("latin-1"))
    index = discover(tmp_path)
    listed = {p.name.rsplit("/", 1)[-1]: p.group for p in index.pairs if p.group in LESIONS}
    assert listed == {image_id: lesion for i, (image_id, lesion) in enumerate(lesion_of.items()) if i % 3}
    assert "(5 pairs it gives no Lesion ID: a group each)" in index.pairing[-1]


def test_a_table_too_big_for_metadata_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ham10000(tmp_path)
    monkeypatch.setattr(subject_tables, "_MAX_BYTES", 100)
    assert {p.group for p in discover(tmp_path).pairs} == {None}


table_texts = st.text(max_size=200) | st.lists(st.lists(st.sampled_from(
    ["image_id", "lesion_id", "patient_id", "ISIC_0", "ISIC_1.jpg", "ISIC_2", "HAM_1", "HAM_2", "", "\x00", '"',
     ",", ";", "\t", "\r", "\xe9", "\ud800"]), max_size=6), max_size=8).map(
    lambda rows: "\n".join(",".join(r) for r in rows))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=200) | table_texts.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_table_gives_subjects_of_listed_pairs_or_none(tmp_path: Path, content: bytes) -> None:
    pairs = [Pair(f"ISIC_{i}", tmp_path / "images" / f"ISIC_{i}.jpg", tmp_path / "masks" / f"ISIC_{i}.png")
             for i in range(3)]
    (tmp_path / "metadata.csv").write_bytes(content)
    found = subject_tables.find_subject_table(pairs, tmp_path)
    assert found is None or set(found.subjects) <= {p.name for p in pairs}


def test_a_column_of_few_values_is_a_class_not_subjects(tmp_path):
    """A column of two values, one on most rows, is a class (benign/malignant) more likely than
    patients: splitting by it would put a whole class into one split. Fewer than three subjects,
    or one holding half the pairs, is no subject table."""
    from seglab.data.splitting.subject_tables import find_subject_table

    pairs = [Pair(f"img{i}", tmp_path / "images" / f"img{i}.png", tmp_path / "masks" / f"img{i}.png")
             for i in range(12)]
    rows = "".join(f"img{i}.png,{'benign' if i % 3 else 'malignant'}\n" for i in range(12))
    (tmp_path / "meta.csv").write_text("image,patient\n" + rows)
    assert find_subject_table(pairs, tmp_path) is None
    rows = "".join(f"img{i}.png,P{i // 2}\n" for i in range(12))
    (tmp_path / "meta.csv").write_text("image,patient_id\n" + rows)
    assert find_subject_table(pairs, tmp_path) is not None


def test_a_table_beside_the_images_groups_them(tmp_path: Path) -> None:
    """GlaS keeps Grade.csv (`name, patient ID, grade (GlaS), ...`) in the folder of its images and
    masks (train_1.bmp + train_1_anno.bmp): tables were looked for above the image folders only."""
    root = tmp_path / "Warwick QU Dataset (Released 2016_07_08)"
    rows = []
    for i in range(1, 13):
        save(root / f"train_{i}.bmp", photo(i, SIZE))
        save(root / f"train_{i}_anno.bmp", mask(i))
        rows.append(f"train_{i},{i % 4 + 1},{'benign' if i % 2 else 'malignant'},adenomatous")
    (root / "Grade.csv").write_text("name, patient ID, grade (GlaS), grade (Sirinukunwattana et al. 2015)\n"
                                    + "\n".join(rows) + "\n")
    index = discover(tmp_path)
    assert len({p.group for p in index.pairs}) == 4 and apart(index.pairs)


def test_a_repeated_id_column_groups_the_chips_it_names(tmp_path: Path) -> None:
    """STAC Overflow's `flood-training-metadata.csv` (`image_id,chip_id,flood_id,...`, a row per
    band file) names no subject column seglab knew: one flood's chips landed in train and test. An
    id column of repeated ids groups; `chip_id`, an id per chip, and `class_id` do not."""
    root = tmp_path / "training_data"
    rows = ["image_id,chip_id,class_id,flood_id,polarization"]
    for i in range(12):
        chip, flood = f"{'awc ayt kuo qus'.split()[i // 3]}{i % 3:02d}", "awc ayt kuo qus".split()[i // 3]
        for band in ("vv", "vh"):
            save(root / "train_features" / f"{chip}_{band}.png", photo(i, SIZE)[..., 0])
            rows.append(f"{chip}_{band},{chip},{i % 6},{flood},{band}")
        save(root / "train_labels" / f"{chip}.png", mask(i) // 255)
    (root / "flood-training-metadata.csv").write_text("\n".join(rows) + "\n")
    index = discover(tmp_path)
    assert len(index.pairs) == 12 and all(p.more_channels for p in index.pairs)
    assert {p.name: p.group for p in index.pairs} == {p.name: p.name[:3] for p in index.pairs}
    assert index.pairing[-1] == "split by the flood_id of training_data/flood-training-metadata.csv: 4 groups"
    assert apart(index.pairs)
