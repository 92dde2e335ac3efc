"""How a split list that a dataset ships is read into image names (where lists are looked for,
and what their names say, is `split_lists`' job): a list of one split names an image a line by its
first word (or is a MATLAB cell array of names: HKU-IS' `trainImgSet.mat`), and a table gives
every split at once: GTA5's `split.mat` (the numbers of `trainIds`, `valIds`, `testIds`),
CUB-200-2011's `train_test_split.txt` (`<id> <1 train | 0 test>`, the ids those of its
`images.txt`), or a JSON split file in `--split-file` form named for splits (TextSeg's
`split.json`, `{"train": [stems], "val": [...], "test": [...]}`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from seglab.data.files.delimiters import table_delimiter
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.files.mat_files import MAT_SUFFIX, mat_arrays, mat_text
from seglab.data.files.read_errors import Unusable
from seglab.data.splitting.splits import read_split_file
from seglab.errors import ConfigError, DataError

LISTS = ("train", "val", "test")
CUB_IMAGES = "images.txt"
JSON_SUFFIX = ".json"
_TABLE_SUFFIXES = (".csv", ".tsv")
_JSON_MOST_BYTES = 16 << 20  # a split of names is small; COCO's 450 MB instances_train2017.json is no split


def is_table(path: Path) -> bool:
    """Whether `path` is read as a table of every split (`read_table`), not a list of one."""
    return path.name in TABLES or path.suffix.lower() == JSON_SUFFIX


def read_table(path: Path) -> dict[str, list[str]]:
    """The image names of each split that a table gives.

    Raises:
        DataError: a table that cannot be read, naming it (and the line, for CUB's).
    """
    return TABLES.get(path.name, _json_names)(path)


def json_split(path: Path) -> dict[str, list[str]] | None:
    """The names of each split in a JSON split file, or None when `path` holds none (another
    JSON, too large to be a list of names, or not readable): said then as a list not read."""
    if path.stat().st_size > _JSON_MOST_BYTES:
        return None
    try:
        return read_split_file(path)
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
    return {split: [listed_stem(name) for name in listed] for split, listed in names.items()}


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
    lines = _lines(path)
    if path.suffix.lower() in _TABLE_SUFFIXES and lines:  # Sen1Floods11's 'X_S1Hand.tif,X_LabelHand.tif'
        delimiter = table_delimiter(path, lines[0])
        lines = [line.split(delimiter)[0] for line in lines]
    return [listed_stem(line.split()[0]) for line in lines if line.strip()]


def holds_names(path: Path) -> bool:
    """Whether a file named like a list can be read as one: a MATLAB file holding text (another,
    `train_features.mat`, is said as a list not read); any text file."""
    return path.suffix.lower() != MAT_SUFFIX or _mat_names(path) is not None


def _mat_names(path: Path) -> list[str] | None:
    """The text of a MATLAB file's variables, or None when it holds none or cannot be read."""
    try:
        text = mat_text(path)
    except (Unusable, OSError):
        return None
    return [name for names in text.values() for name in names] or None


def _lines(path: Path) -> list[str]:
    """The lines of a list.

    Raises:
        DataError: a file that cannot be read as text, naming it.
    """
    try:
        return path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"split list '{path}' cannot be read: {err}") from None


def listed_stem(word: str) -> str:
    """The image stem a list's word names: the word, or a path's file name less its image suffix
    (OpenEarthMap's `aachen_1.tif`, RELLIS-3D's `00000/pylon_camera_node/frame000000-1581624652_750.jpg`)."""
    name = word.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = next((s for s in IMAGE_SUFFIXES if name.lower().endswith(s)), "")
    return name[: len(name) - len(suffix)] if suffix and len(name) > len(suffix) else name
