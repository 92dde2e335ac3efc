"""Classes (names, mask colours) from the tables datasets ship beside their masks.

nnU-Net's dataset.json, class_dict.csv, CVAT's labelmap.txt, A2D2's class_list.json, RUGD's colour map.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path

from seglab.data.classes.colours import hex_colour
from seglab.data.classes.names import is_void
from seglab.data.classes.spec import ClassSpec
from seglab.errors import DataError


def classes_from_dataset_json(path: str | Path) -> ClassSpec | None:
    """Class names from an nnU-Net or Medical Segmentation Decathlon dataset.json.

    nnU-Net v2 writes `"labels": {"background": 0, "liver": 1}`, the Decathlon
    `"labels": {"0": "background", "1": "liver"}`. Region-based labels (lists of values), gaps in
    the values or an unreadable file give None: the classes then come from the masks.
    """
    try:
        labels = json.loads(Path(path).read_text(encoding="utf-8")).get("labels")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(labels, dict) or not labels:
        return None
    by_value: dict[int, str] = {}
    for key, value in labels.items():
        if isinstance(value, int) and not isinstance(value, bool):
            by_value[value] = str(key)
        elif isinstance(value, str) and str(key).isdigit():
            by_value[int(key)] = value
        else:
            return None
    if sorted(by_value) != list(range(len(by_value))):
        return None
    try:
        return ClassSpec(names=tuple(by_value[i] for i in range(len(by_value))))
    except ValueError:
        return None


NAME_COLUMNS = ("name", "class_name", "classname")  # a class table's name column (GOOSE's)
# the mask value a row names (GOOSE's goose_label_mapping.csv: label_key, class_name, has_instance, hex)
INDEX_COLUMNS = ("idx", "id", "index", "value", "pixel value", "gt_code", "label_key")

CLASS_DICT_GLOB = "*class_dict*.csv"  # CamVid (Kaggle) class_dict.csv, Semantic Drone class_dict_seg.csv,
# the Massachusetts roads' and buildings' label_class_dict.csv


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """A class list's header (lower case, stripped; empty for an empty file) and all its rows.

    Raises:
        DataError: the file cannot be read or parsed, naming it.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        tabs = bool(lines) and "\t" in lines[0]  # ADE20K's objectInfo150.txt, as its zip ships it
        rows = list(csv.reader(lines, delimiter="\t" if tabs else ",", skipinitialspace=True))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from err
    return ([h.strip().lower() for h in rows[0]] if rows else []), rows


def classes_from_class_dict(path: str | Path) -> ClassSpec:
    """Class names and mask colours from a `class_dict*.csv`: a `name, r, g, b` header (case and
    spaces do not matter), then one row per class in label order.

    Raises:
        DataError: an unreadable file, a missing column or a bad row, naming the file and row.
    """
    path = Path(path)
    header, rows = _csv_rows(path)
    if not {"name", "r", "g", "b"} <= set(header):
        raise DataError(f"class list '{path}' needs the columns name, r, g, b; its header is {rows[0] if rows else 'empty'}")
    column = {key: header.index(key) for key in ("name", "r", "g", "b")}
    names, colours = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            names.append(row[column["name"]].strip())
            colours.append(tuple(int(row[column[c]]) for c in "rgb"))
        except (IndexError, ValueError):
            raise DataError(f"class list '{path}', row {number}: expected a name and three integers r, g, b; "
                            f"got {row}") from None
    try:
        return ClassSpec(names=tuple(names), colours=tuple(colours))  # type: ignore[arg-type]
    except ValueError as err:
        raise DataError(f"class list '{path}': {err}") from None


CVAT_LABELMAP = "labelmap.txt"  # CVAT's and Datumaro's "Segmentation mask" exports


def classes_from_labelmap(path: str | Path) -> ClassSpec:
    """Class names and mask colours from the `labelmap.txt` of a CVAT (or Datumaro) "Segmentation
    mask" export: `# label:color_rgb:parts:actions`, then one `name:r,g,b::` line per label in
    label order, background first.

    Raises:
        DataError: an unreadable file or a bad line, naming the file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"label map '{path}' cannot be read: {err}") from None
    names, colours = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, rest = line.partition(":")
        try:
            colour = tuple(int(v) for v in rest.partition(":")[0].split(","))
        except ValueError:
            colour = ()
        if not name.strip() or len(colour) != 3:
            raise DataError(f"label map '{path}', line {number}: expected 'name:r,g,b::' (CVAT's labelmap.txt); "
                            f"got '{line}'")
        names.append(name.strip())
        colours.append(colour)
    try:
        return ClassSpec(names=tuple(names), colours=tuple(colours))  # type: ignore[arg-type]
    except ValueError as err:
        raise DataError(f"label map '{path}': {err}") from None


COLOUR_NAMES_FILE = "class_list.json"  # A2D2's camera_lidar_semantic/class_list.json: {"#ff0000": "Car 1", ...}


def classes_from_colour_names(path: str | Path) -> ClassSpec | None:
    """Class names and mask colours from a JSON object mapping `#rrggbb` colours to names, in
    its order (A2D2's `class_list.json`). None for JSON of any other shape, so that a file of
    that name holding something else is passed over.

    Raises:
        DataError: an unreadable file, or names that make no classes, naming the file.
    """
    path = Path(path)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, RecursionError):
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    if not isinstance(values, dict) or not values or not all(
            re.fullmatch(r"#[0-9a-fA-F]{6}", key) and isinstance(name, str) for key, name in values.items()):
        return None
    rows = [(name.strip(), hex_colour(key, f"class '{name}'")) for key, name in values.items()]
    return _colour_table(rows, f"class list '{path}'")


COLOUR_MAP_GLOB = "*colormap*.txt"  # RUGD's RUGD_annotations/RUGD_annotation-colormap.txt
_COLOUR_MAP_LINE = re.compile(r"\s*(\d{1,9})\s+(\S.*?)\s+(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s*")


def classes_from_colour_map(path: str | Path) -> ClassSpec | None:
    """Class names and mask colours from lines `id name r g b`, in id order (RUGD's
    `RUGD_annotation-colormap.txt`: `0 void 0 0 0`, `1 dirt 108 64 20`, ...). None when the first
    line is of another shape (a colour map without names).

    Raises:
        DataError: an unreadable file, a later line of another shape or an id given twice,
            naming the file and line; names that make no classes.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"colour map '{path}' cannot be read: {err}") from None
    if not lines or not _COLOUR_MAP_LINE.fullmatch(lines[0][1]):
        return None
    rows: dict[int, tuple[str, tuple[int, int, int]]] = {}
    for number, line in lines:
        found = _COLOUR_MAP_LINE.fullmatch(line)
        if found is None or int(found[1]) in rows:
            problem = f"id {found[1]} given before" if found else f"expected 'id name r g b'; got '{line}'"
            raise DataError(f"colour map '{path}', line {number}: {problem}")
        rows[int(found[1])] = (found[2], (int(found[3]), int(found[4]), int(found[5])))
    return _colour_table([rows[k] for k in sorted(rows)], f"colour map '{path}'")


def _colour_table(rows: Sequence[tuple[str, tuple[int, int, int]]], source: str) -> ClassSpec:
    """The classes of a table of names and mask colours, in its order; a row named like void
    (`is_void`: RUGD's 'void' 0,0,0) gives a void colour, read as the ignore label, not a class.

    Raises:
        DataError: rows that make no classes (a colour twice, only void), with `source` naming the file.
    """
    kept = [(name, colour) for name, colour in rows if not is_void(name)]
    try:
        return ClassSpec(tuple(name for name, _ in kept), tuple(colour for _, colour in kept),
                         void_colours=tuple(colour for name, colour in rows if is_void(name)))
    except ValueError as err:
        raise DataError(f"{source}: {err}") from None
