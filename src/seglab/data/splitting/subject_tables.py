"""Subjects from the metadata table a dataset ships, so that a random split never divides one.

Dermoscopy and many medical datasets name their images by a running id that says nothing of
the lesion or patient, and list that in a table instead: HAM10000's `HAM10000_metadata.csv`
(`lesion_id,image_id,...`, 1 to 6 images per lesion), ISIC 2019's `ISIC_2019_Training_Metadata.csv`
(`image,...,lesion_id`), ISIC 2020's `ISIC_2020_Training_GroundTruth.csv`
(`image_name,patient_id,lesion_id,...`). Without the table a lesion's images land in train, val
and test alike. A site is the group where no column names a patient: VegAnn's `VegAnn_dataset.csv`
(`Name;...;Dataset-Name;...`) names the campaign each image was taken in. Last, any other id column
whose ids repeat, far fewer than the samples it names: STAC Overflow's `flood-training-metadata.csv`
(`image_id,chip_id,flood_id,...`) gives the flood event each radar chip was cut from, whose chips
look alike. A table is explicit where a name is a guess, so `with_subjects` asks it first.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from seglab.data.classes.text_files import open_regular
from seglab.data.files.delimiters import cell_path, table_delimiter
from seglab.data.files.folder_listing import files_in
from seglab.data.files.index import Pair

TABLE_SUFFIXES = (".csv", ".tsv")
IMAGE_COLUMNS = ("image_id", "image", "image_name", "isic_id", "filename", "file", "name", "id")
# The patient before the lesion: one patient's lesions share skin, age and camera, so a split
# by lesion still shows the test patients' skin in training (ISIC 2020 gives both columns).
# A site last, where no column names a patient: VegAnn's `Dataset-Name` (the campaign, camera and
# place each image was taken in, its five official splits drawn by site) looks alike within a site,
# as OAM-TCD's `oam_id` (the OpenAerialMap orthomosaic its tiles are cut from) and HuBMAP HHV's
# `source_wsi` (the whole-slide image its tiles are cut from) do.
# An animal's identity is its subject as a patient is (SeaTurtleID2022's `identity`: one turtle's photos
# over years look alike).
SUBJECT_COLUMNS = ("patient_id", "patient", "subject_id", "subject", "identity", "individual_id", "individual",
                   "case_id", "lesion_id", "site_id", "site", "oam_id", "source_wsi",
                   "dataset_name")  # a 'case' may be a class
_MAX_BYTES = 20_000_000  # HAM10000's table is 0.6 MB and ISIC 2020's 2.6 MB; bigger ones are no metadata
_MAX_TABLES = 8  # tables read at most, nearest the dataset folder first
_MAX_FOLDERS = 32  # folders searched at most: the dataset folder and those above the image folders
_LISTED = 0.5  # share of the pairs the table must name
# a column of two values, or one holding most rows, is a class more likely than subjects (a
# diagnosis), and grouping by it would put whole classes into one split each
_MIN_SUBJECTS = 3
_LARGEST = 0.5  # share of the named pairs one subject may hold
# any other `<word>_id` column (`flood_id`, `scene_id`) groups when its ids are repeated, at most one per two
# named samples; an id per sample (STAC Overflow's `chip_id`) names the sample, and a class's id is no subject
_REPEATED_ID = re.compile(r"(?P<word>[A-Za-z0-9][\w\- ]*?)(?:[_\- ](?i:id)|I[Dd])")  # not `valid`
_FEW_IDS = 0.5
_CLASS_WORDS = ("class", "label", "categor", "grade", "type")
# who made the images and masks: sources that may each number their classes apart (PANDA's `data_provider`)
SOURCE_COLUMNS = ("data_provider", "provider", "data_source", "centre", "center", "institution", "hospital")
_MAX_SOURCES = 8  # more are no providers but another grouping


@dataclass(frozen=True)
class SubjectTable:
    """The subject of each pair, as a shipped table gives it (or its source: `find_source_table`).

    Args:
        path: the table.
        column: its subject column, as its header spells it.
        subjects: pair name -> subject, for the pairs the table names with a subject.
    """

    path: Path
    column: str
    subjects: dict[str, str]


def find_subject_table(pairs: list[Pair], root: Path) -> SubjectTable | None:
    """The first table in the dataset folder, an image folder or a folder between them, that
    gives at least half of the pairs (named by image file name or stem) a subject, several of them
    one subject, three subjects or more and none holding half the pairs; None when no table does. A
    table that cannot be read is passed over, never raised."""
    images = _images_by_key(pairs)
    for path in _tables(pairs, root):
        for column, subjects in _subject_columns(path, images):
            if gives_subjects(subjects, len(pairs)):
                return SubjectTable(path, column, subjects)
    return None


def gives_subjects(subjects: Mapping[str, str], pairs: int) -> bool:
    """Whether a column's subjects (pair name -> subject) group the dataset's `pairs`: at least
    half of them named, several sharing a subject, three subjects or more and none holding half."""
    counts = Counter(subjects.values())
    return (len(subjects) >= _LISTED * pairs and len(counts) >= _MIN_SUBJECTS and max(counts.values()) >= 2
            and max(counts.values()) <= _LARGEST * len(subjects))


def field_subjects(records: Mapping[str, Mapping[str, object]]) -> tuple[str, dict[str, str]] | None:
    """The subject field of records kept per pair (pair name -> record: COCO image entries,
    SeaTurtleID2022's `{"file_name": ..., "identity": "t001", "date": ...}`) and each pair's subject,
    when a field of `SUBJECT_COLUMNS` groups them as a table's column must (`gives_subjects`); None
    when none does."""
    fields = list(dict.fromkeys(key for record in records.values() for key in record))
    for position, _ in subject_columns(fields):
        field = fields[position]
        subjects = {name: str(record[field]).strip() for name, record in records.items()
                    if isinstance(record.get(field), (str, int)) and str(record[field]).strip()}
        if gives_subjects(subjects, len(records)):
            return field, subjects
    return None


def subject_columns(header: Sequence[str]) -> list[tuple[int, str]]:
    """The subject columns of a table's `header` (`SUBJECT_COLUMNS`, spelt any way: `Patient ID`),
    each as (position, name as the header spells it), the preferred first."""
    return _named_columns(header, SUBJECT_COLUMNS)


def _named_columns(header: Sequence[str], names: Sequence[str]) -> list[tuple[int, str]]:
    """The columns of `header` that `names` name, spelt any way, each as (position, name as the
    header spells it), in the order of `names`."""
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        positions.setdefault(_plain(cell), i)
    return [(positions[c], header[positions[c]].strip()) for c in map(_plain, names) if c in positions]


def _images_by_key(pairs: list[Pair]) -> dict[str, list[str]]:
    """Pair names by their image's lower-cased file name and stem (two folders may share a stem)."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        for key in {pair.image.name.lower(), pair.image.stem.lower()}:
            found.setdefault(key, []).append(pair.name)
    return found


def _tables(pairs: list[Pair], root: Path) -> list[Path]:
    """Small .csv and .tsv files in the dataset folder, each image folder and the folders between."""
    top = Path(os.path.abspath(root))
    folders = {top}
    for folder in {Path(os.path.abspath(p.image.parent)) for p in pairs}:
        folders.update(f for f in (folder, *folder.parents) if f.is_relative_to(top))  # GlaS' Grade.csv beside its images
    found = []
    for folder in sorted(folders, key=lambda f: (len(f.parts), f))[:_MAX_FOLDERS]:
        try:
            held = sorted(files_in(folder))
        except OSError:
            continue
        for path in held:
            try:
                if (path.name.lower().endswith(TABLE_SUFFIXES) and not path.name.startswith(".")
                        and path.stat().st_size <= _MAX_BYTES):
                    found.append(root / path.relative_to(top))
            except OSError:
                continue
    return found[:_MAX_TABLES]


def find_source_table(pairs: list[Pair], root: Path) -> SubjectTable | None:
    """The first table, looked for as `find_subject_table` looks, whose source column
    (`SOURCE_COLUMNS`: PANDA's `train.csv` `image_id,data_provider,...`, radboud or karolinska) gives
    at least half of the pairs a source, two to `_MAX_SOURCES` of them; its `subjects` are the
    sources. None when no table does."""
    images = _images_by_key(pairs)
    for path in _tables(pairs, root):
        for column, sources in _table_columns(path, images, lambda cells, _: _named_columns(cells, SOURCE_COLUMNS)):
            if len(sources) >= _LISTED * len(pairs) and 2 <= len(set(sources.values())) <= _MAX_SOURCES:
                return SubjectTable(path, column, sources)
    return None


def _subject_columns(path: Path, images: dict[str, list[str]]) -> Iterator[tuple[str, dict[str, str]]]:
    """(column, pair name -> subject) for each subject column of `path`, the preferred first, then
    its id columns of repeated ids; nothing when the table has no image and subject column or
    cannot be read."""
    def columns_of(cells: list[str], image: int) -> list[tuple[int, str]]:
        named = subject_columns(cells)
        return named + _id_columns(cells, {image, *(i for i, _ in named)})

    known = set(map(_plain, SUBJECT_COLUMNS))
    for name, subjects in _table_columns(path, images, columns_of):
        if _plain(name) in known or len(set(subjects.values())) <= _FEW_IDS * len(subjects):
            yield name, subjects


def _table_columns(path: Path, images: dict[str, list[str]],
                   columns_of: Callable[[list[str], int], list[tuple[int, str]]]) -> list[tuple[str, dict[str, str]]]:
    """(column, pair name -> its cell) for each column `columns_of` picks from the header of
    `path` and its image column's position; empty when the table has no image column or cannot
    be read."""
    try:
        with open_regular(path, "r", encoding="utf-8-sig", errors="replace", newline="") as file:
            first = file.readline()
            file.seek(0)
            reader = csv.reader(file, delimiter=table_delimiter(path, first))
            cells = next(reader, [])
            header: dict[str, int] = {}
            for i, cell in enumerate(cells):
                header.setdefault(_plain(cell), i)
            image = next((header[c] for c in map(_plain, IMAGE_COLUMNS) if c in header), None)
            columns = columns_of(cells, image) if image is not None else []
            found: list[dict[str, str]] = [{} for _ in columns]
            for row in reader if columns else ():
                for name in _pair_names(row[image] if image < len(row) else "", images):
                    for values, (column, _) in zip(found, columns):
                        if column < len(row) and row[column].strip():
                            values.setdefault(name, row[column].strip())
    except (OSError, csv.Error):  # unreadable, NUL bytes, a field past csv's size limit
        return []
    return [(name, values) for (_, name), values in zip(columns, found)]


def _id_columns(header: Sequence[str], taken: set[int | None]) -> list[tuple[int, str]]:
    """The `<word>_id` columns of `header` (`flood_id`, `Scene ID`, `sourceId`) outside `taken`
    and naming no class, each as (position, name as the header spells it), left to right."""
    return [(i, cell.strip()) for i, cell in enumerate(header)
            if i not in taken and (found := _REPEATED_ID.fullmatch(cell.strip()))
            and not any(word in found["word"].lower() for word in _CLASS_WORDS)]


def _plain(column: str) -> str:
    """`Patient ID`, `patient_id` and `PatientID` alike: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", column.lower())


def _pair_names(value: str, images: dict[str, list[str]]) -> list[str]:
    """The pairs a table's image cell names: by file name (`train/ISIC_0024306.jpg`) or stem."""
    name = cell_path(value).name.lower()
    return images.get(name) or images.get(PurePosixPath(name).stem, []) if name else []
