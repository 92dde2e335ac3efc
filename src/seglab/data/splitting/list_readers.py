"""How a split list that a dataset ships is read into image names (where lists are looked for,
and what their names say, is `list_search`' job): a list of one split names an image a line by its
first word (or is a MATLAB cell array of names: HKU-IS' `trainImgSet.mat`; a CSV list by a cell a
row, under any header row of column titles: WildScenes' `id,im_path,label_path`), and a table gives
every split at once: GTA5's `split.mat` (the numbers of `trainIds`, `valIds`, `testIds`),
CUB-200-2011's `train_test_split.txt` (`<id> <1 train | 0 test>`, the ids those of its
`images.txt`), or a JSON split file in `--split-file` form named for splits (TextSeg's
`split.json`, `{"train": [stems], "val": [...], "test": [...]}`; further lists of names beside
those, ToothFairy's `synthetic`, are not read, as the log says), or a text file of sections named
for splits (CTSpine1K's `metadata/data_split.txt`: a heading line `trainset:`, `test_public:` or
`test_private:` above the file names of each, one a line), or a CSV table of a column per split,
titled by it (MAMA-MIA's `train_test_splits.csv`: `train_split,test_split` above a case id a cell).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from seglab.data.classes.text_files import capped_lines, open_regular
from seglab.data.files.delimiters import table_rows
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.files.mat_files import MAT_SUFFIX, mat_arrays, mat_text
from seglab.data.files.read_errors import Unusable
from seglab.data.files.volumes import VOLUME_SUFFIXES
from seglab.data.splitting.image_lists import JSON_SUFFIX, image_entry_names, lists_images
from seglab.data.splitting.list_names import BOTH, SPLIT_WORDS, named_split, section_split
from seglab.data.splitting.splits import read_split_file
from seglab.errors import ConfigError, DataError

logger = logging.getLogger(__name__)

LISTS = ("train", "val", "test")
CUB_IMAGES = "images.txt"
TABLE_SUFFIXES = (".csv", ".tsv")  # lists of rows: Sen1Floods11's image,mask; WildScenes' under a header
# the words of a CSV list's column titles: those naming the images, the masks, and any
_IMAGE_TITLES = {"image", "images", "img", "im", "input", "rgb", "photo", "file", "filename", "path"}
_MASK_TITLES = {"mask", "masks", "label", "labels", "lbl", "gt", "seg", "segmentation", "target", "annotation"}
_TITLE_WORDS = {*_IMAGE_TITLES, *_MASK_TITLES, "id", "name", "stem", "split", "set", "subset", "group"}
_TABLE_MOST_BYTES = 16 << 20  # a split of names is small; COCO's 450 MB instances_train2017.json is no split
_LIST_MOST_BYTES = 64 << 20  # a list of a million image names is some 30 MB; a larger one is not read whole
_TEXT_SUFFIX = ".txt"
_HEADING = re.compile(r"\s*(\S+?)\s*:\s*")  # a section's heading line: `trainset:`
_NAME_SUFFIXES = (*IMAGE_SUFFIXES, *VOLUME_SUFFIXES)  # left off a listed name: `colon_001.nii.gz` names colon_001


def is_table(path: Path) -> bool:
    """Whether `path` is read as a table of every split (`read_table`), not a list of one: GTA5's or
    CUB's, a JSON file but one of a split's image entries (`image_lists`), or a text file named for
    splits but for no one split (`data_split.txt`)."""
    suffix = path.suffix.lower()
    return (path.name in TABLES or suffix == JSON_SUFFIX and not lists_images(path)
            or (suffix == _TEXT_SUFFIX and named_split(path.stem, "") is None)
            or (suffix in TABLE_SUFFIXES and _split_titles(path)))


def read_table(path: Path) -> dict[str, list[str]]:
    """The image names of each split that a table gives.

    Raises:
        DataError: a table that cannot be read, naming it (and the line, for CUB's).
    """
    suffix = path.suffix.lower()
    reader = TABLES.get(path.name) or (_json_names if suffix == JSON_SUFFIX else
                                       _column_names if suffix in TABLE_SUFFIXES else _section_names)
    return reader(path)


def split_table(path: Path) -> dict[str, list[str]] | None:
    """The names of each split in a file named like a list that `is_table` (`json_split`,
    `section_split_names`), or None when it holds no split: said then as a list not read."""
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _column_names(path) if _split_titles(path) else None
    return json_split(path) if suffix == JSON_SUFFIX else section_split_names(path)


def json_split(path: Path) -> dict[str, list[str]] | None:
    """The names of each split in a JSON split file, and of any further sets it lists (ToothFairy's
    `synthetic`), or None when `path` holds none (another JSON, too large to be a list of names,
    or not readable): said then as a list not read."""
    if path.stat().st_size > _TABLE_MOST_BYTES:
        return None
    try:
        return read_split_file(path, other_sets=True)
    except ConfigError:
        return None


def _json_names(path: Path) -> dict[str, list[str]]:
    """The image stems of each split of a JSON split file (a pair name, or a file name or path).

    Raises:
        DataError: a file that is no JSON split file, naming it.
    """
    names = json_split(path)
    if names is None:
        raise DataError(f"split file '{path}' is not a JSON split file "
                        '{"train": [names], "val": [names], "test": [names]}')
    others = [f"'{name}' ({len(listed)} names)" for name, listed in names.items()
              if SPLIT_WORDS.get(name) not in LISTS and listed]
    if others:
        logger.info("split file '%s' lists %s beside train, val and test: no split seglab reads, so those names "
                    "are in none", path, ", ".join(others))
    splits: dict[str, list[str]] = {}
    for name, listed in names.items():  # GEO-Bench's `valid` is the val split
        if (split := SPLIT_WORDS.get(name)) in LISTS:
            splits.setdefault(split, []).extend(listed_stem(entry) for entry in listed)
    return splits


def section_split_names(path: Path) -> dict[str, list[str]] | None:
    """The image names under each split's heading in a text file of sections (CTSpine1K's
    `trainset:`, `test_public:`, `test_private:`, each above file names, one a line; two headings of
    one split are one split, a `trainval` section the train split when there is no train or val),
    or None when `path` is no such file (a name above the first heading, too large, not text), or a
    heading names no split (`section_split`), which the log says: the file is not read then."""
    if path.stat().st_size > _TABLE_MOST_BYTES:
        return None
    try:
        lines = [line for line in _lines(path) if line.strip()]
    except DataError:
        return None
    sections: dict[str, list[str]] = {}
    names: list[str] | None = None  # those of the section read
    for line in lines:
        if heading := _HEADING.fullmatch(line):
            names = sections.setdefault(heading[1], [])
        elif names is None:
            return None
        else:
            names.append(listed_stem(line.split()[0]))
    splits = {heading: split for heading in sections if (split := section_split(heading)) is not None}
    unknown = [heading for heading in sections if heading not in splits]
    if unknown:
        logger.warning("split file '%s' is not read: its sections %s name no split (headings such as "
                       "'train:', 'val:', 'test:', 'trainset:' or 'test_public:' are read)", path,
                       ", ".join(f"'{h}:'" for h in unknown))
    if not sections or unknown:
        return None
    found: dict[str, list[str]] = {}
    for heading, listed in sections.items():
        found.setdefault(splits[heading], []).extend(listed)
    both = found.pop(BOTH, [])
    return found if "train" in found or "val" in found or not both else {**found, "train": both}


def _section_names(path: Path) -> dict[str, list[str]]:
    """The image names of each split of a text file of sections (`section_split_names`).

    Raises:
        DataError: a file that is no such file, naming it.
    """
    names = section_split_names(path)
    if names is None:
        raise DataError(f"split file '{path}' is not a text file of sections, each a heading line naming "
                        "its split ('train:', 'test:') above its names, one a line")
    return names


def _split_titles(path: Path) -> bool:
    """Whether a CSV or TSV table's first line titles each column with one split, two splits or
    more in all (MAMA-MIA's `train_split,test_split`): a column of names per split."""
    try:
        with open_regular(path, "r", encoding="utf-8-sig") as file:
            header = table_rows(path, [file.readline()])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    splits = [section_split(title) for title in header[0]] if header else []
    return len(splits) > 1 and None not in splits and len(set(splits)) == len(splits)


def _column_names(path: Path) -> dict[str, list[str]]:
    """The names in each split's column of a table whose columns are titled by splits
    (`_split_titles`), the shorter columns' empty cells left out.

    Raises:
        DataError: a file that cannot be read as such a table, naming it.
    """
    try:
        rows = table_rows(path, _lines(path)) if path.stat().st_size <= _TABLE_MOST_BYTES else []
    except csv.Error as err:
        raise DataError(f"split file '{path}' cannot be read as a table: {err}") from None
    if not rows or not _split_titles(path):
        raise DataError(f"split file '{path}' is not a table of a column per split, titled by its split "
                        "('train_split,test_split', 'train,val,test') above the names, one a cell")
    found: dict[str, list[str]] = {}
    for at, title in enumerate(rows[0]):
        found[str(section_split(title))] = [listed_stem(row[at].strip()) for row in rows[1:]
                                            if at < len(row) and row[at].strip()]
    return found


def _mat_ids(path: Path) -> dict[str, list[str]]:
    """The image numbers of each split in GTA5's `split.mat` (`trainIds`, `valIds`, `testIds`).

    Raises:
        DataError: a file that cannot be read, naming it.
    """
    try:
        arrays = mat_arrays(path)
    except (Unusable, OSError) as err:
        raise DataError(f"split file '{path}' {err}") from None
    return {split: [str(int(v)) for v in arrays[f"{split}Ids"].ravel() if np.isfinite(v)]
            for split in LISTS if f"{split}Ids" in arrays}


def _cub_names(path: Path) -> dict[str, list[str]]:
    """The image stems of each split in CUB-200-2011's `train_test_split.txt` (`<id> 1` train,
    `<id> 0` test), named by the `images.txt` beside it (`<id> <class>/<name>.jpg`).

    Raises:
        DataError: a line of another form, or an id that images.txt lacks, naming file and line.
    """
    names = {image_id: name for _, image_id, name in _id_rows(path.parent / CUB_IMAGES)}
    found: dict[str, list[str]] = {"train": [], "test": []}
    for number, image_id, flag in _id_rows(path):
        if image_id not in names or flag not in ("0", "1"):
            raise DataError(f"'{path}', line {number}: expected an id of '{CUB_IMAGES}' and 1 (train) or 0 (test); "
                            f"got '{image_id} {flag}'")
        found["train" if flag == "1" else "test"].append(listed_stem(names[image_id]))
    return found


def _id_rows(path: Path) -> Iterator[tuple[int, str, str]]:
    """The number, id and value of each line `<id> <value>` of one of CUB's tables.

    Raises:
        DataError: a line of another form, naming file and line.
    """
    for number, line in enumerate(_lines(path), 1):
        words = line.split()
        if len(words) not in (0, 2):
            raise DataError(f"'{path}', line {number}: expected '<id> <value>'; got '{line.strip()}'")
        if words:
            yield number, words[0], words[1]


TABLES: dict[str, Callable[[Path], dict[str, list[str]]]] = {  # files that give every split at once
    "split.mat": _mat_ids, "train_test_split.txt": _cub_names}
READ_BESIDE = {"train_test_split.txt": (CUB_IMAGES,)}  # and the files beside that they are read with


def read_list(path: Path) -> list[str]:
    """The image stems a list of one split names, one a line by its first word (a CSV's by its
    first cell), or the text of a
    MATLAB list (HKU-IS' `trainImgSet.mat`, a cell array of file names).

    Raises:
        DataError: a file that cannot be read as text, or a MATLAB file without text, naming it.
    """
    if path.suffix.lower() == MAT_SUFFIX:
        names = _mat_names(path)
        if names is None:
            raise DataError(f"split list '{path}' holds no names (a MATLAB cell array or character array of them)")
        return [listed_stem(name) for name in names]
    return _listed_names(first_words(path))


def first_words(path: Path) -> list[str]:
    """The word naming the image on each line of a text list (a CSV list's cell naming it), as written:
    `read_list` takes the names from them.

    Raises:
        DataError: a file that cannot be read as text, naming it.
    """
    if lists_images(path):
        return image_entry_names(path)
    lines = _lines(path)
    if path.suffix.lower() in TABLE_SUFFIXES and lines:
        lines = _table_names(path, lines)
    return [line.split()[0] for line in lines if line.strip()]


def _listed_names(words: list[str]) -> list[str]:
    """The names a list's words give: each file's stem (`listed_stem`), or, when those repeat and
    each word is a path in a folder of its own, the folders': a file name that every case folder
    holds names none of them (Prostate158's `train.csv` of `train/020/t2.nii.gz`, `train/021/t2.nii.gz`,
    naming the case folders `020`, `021`)."""
    stems = [listed_stem(word) for word in words]
    folders = [word.replace("\\", "/").rpartition("/")[0].rpartition("/")[2] for word in words]
    if len(set(stems)) < len(stems) and all(folders) and len(set(folders)) == len(folders):
        return folders
    return stems


def numbered_entries(path: Path) -> list[tuple[str, int]] | None:
    """The name and number of each line of a text list whose every line is a word and a whole
    number (LFW's `parts_train.txt`: `George_W_Bush 10`, as in its `people.txt`), or None: which
    image those name, `George_W_Bush_0010` or `George_W_Bush`, the dataset's names tell (`list_numbers`).
    VOC's `ImageSets/Main/<class>_train.txt` lines `2008_000002 -1` are none (a signed flag)."""
    if path.suffix.lower() in (MAT_SUFFIX, JSON_SUFFIX, *TABLE_SUFFIXES):
        return None
    rows = [line.split() for line in _lines(path) if line.strip()]
    if not rows or any(len(row) != 2 or not (row[1].isascii() and row[1].isdigit()) for row in rows):
        return None
    return [(name, int(number)) for name, number in rows]


def _table_names(path: Path, lines: list[str]) -> list[str]:
    """The cell naming the image in each row of a CSV list: the first (Sen1Floods11's
    `X_S1Hand.tif,X_LabelHand.tif`) but a column of row numbers (`_row_number_column`), or under
    a header row of column titles, which is not read,
    of the columns not titled for masks the one titled for images (WildScenes'
    `id,im_path,label_path`: `im_path`), else the first whose cells name files, else the first."""
    try:
        cells = table_rows(path, lines)
    except csv.Error as err:
        raise DataError(f"split list '{path}' cannot be read: {err}") from None
    rows = [[cell.strip().strip('"') for cell in row] for row in cells if any(cell.strip() for cell in row)]
    indexed = _row_number_column(rows)
    if indexed:  # pandas' index (NuCLS' `,slide_name,hospital` above `0,TCGA-A1-A0SK-DX1,A1`): no names
        rows = [row[1:] for row in rows]
    column = 0
    if rows and (indexed or _is_header(rows[0], rows[1] if len(rows) > 1 else [])):
        titles, rows = rows[0], rows[1:]
        kept = [i for i, title in enumerate(titles) if _title_words(title).isdisjoint(_MASK_TITLES)] or [0]
        column = next((i for i in kept if not _title_words(titles[i]).isdisjoint(_IMAGE_TITLES)),
                      next((i for i in kept if rows and i < len(rows[0]) and names_file(rows[0][i])), kept[0]))
    return [row[column] if column < len(row) else row[0] for row in rows]


def _row_number_column(rows: list[list[str]]) -> bool:
    """Whether a CSV list's first column numbers its rows under an untitled header cell, as pandas
    writes its index (`,slide_name,hospital`, then `0,...`, `1,...`): the row above is a header."""
    return len(rows) > 1 and len(rows[0]) > 1 and not rows[0][0] \
        and [row[0] for row in rows[1:]] == [str(n) for n in range(len(rows) - 1)]


def _is_header(first: list[str], second: list[str]) -> bool:
    """Whether a CSV list's first row holds column titles, not an entry: none of its cells names
    a file, and the row below names one in the same column (`im_path` above a path), or every
    cell is a title by its words (`id,image`: entries that are bare stems)."""
    if any(map(names_file, first)):
        return False
    below = any(names_file(cell) for cell in second[: len(first)])
    return below or all(_title_words(cell) and _title_words(cell) <= _TITLE_WORDS for cell in first)


def names_file(cell: str) -> bool:
    """Whether a cell names a file: a path, or a name with an image's suffix."""
    return "/" in cell or "\\" in cell or cell.lower().endswith(IMAGE_SUFFIXES)


def _title_words(title: str) -> set[str]:
    """The lower-case words of a column title, split at marks and capitals (`ImageId`)."""
    return {word for word in re.split(r"[^a-z]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", title).lower()) if word}


def holds_names(path: Path) -> bool:
    """Whether a file named like a list can be read as one: a MATLAB file holding text (another,
    `train_features.mat`, is said as a list not read), a JSON file of a split's image entries
    (`image_lists`); any text file."""
    suffix = path.suffix.lower()
    return lists_images(path) if suffix == JSON_SUFFIX else suffix != MAT_SUFFIX or _mat_names(path) is not None


def _mat_names(path: Path) -> list[str] | None:
    """The text of a MATLAB file's variables, or None when it holds none or cannot be read."""
    try:
        text = mat_text(path)
    except (Unusable, OSError):
        return None
    return [name for names in text.values() for name in names] or None


def _lines(path: Path) -> list[str]:
    """The lines of a list, up to `_LIST_MOST_BYTES` of them (`capped_lines`).

    Raises:
        DataError: a file that cannot be read as text, naming it.
    """
    try:
        return capped_lines(path, _LIST_MOST_BYTES, "split list")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"split list '{path}' cannot be read: {err}") from None


def listed_stem(word: str) -> str:
    """The image stem a list's word names: the word, or a path's file name less its image or volume
    suffix (OpenEarthMap's `aachen_1.tif`, RELLIS-3D's `00000/pylon_camera_node/frame000000-1581624652_750.jpg`,
    CTSpine1K's `colon_001.nii.gz`)."""
    name = word.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = next((s for s in _NAME_SUFFIXES if name.lower().endswith(s)), "")
    return name[: len(name) - len(suffix)] if suffix and len(name) > len(suffix) else name
