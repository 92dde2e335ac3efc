"""Classes (names, mask colours) from the tables datasets ship beside their masks.

nnU-Net's dataset.json, class_dict.csv and other CSVs of names and colours (VIPER's classes.csv), CVAT's
labelmap.txt, Datumaro's dataset_meta.json, A2D2's class_list.json and EndoVis 2018's labels.json, RUGD's colour map, a COCO-like categories list (iMaterialist's
label_descriptions.json).
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from seglab.data.classes.colours import hex_colour, json_colour
from seglab.data.classes.json_text import RepeatedKeyError, json_value
from seglab.data.classes.names import is_void
from seglab.data.classes.spec import ClassSpec
from seglab.data.classes.text_files import capped_lines, regular_text
from seglab.errors import DataError

logger = logging.getLogger(__name__)


def dataset_json_labels(path: str | Path) -> object:
    """The "labels" of an nnU-Net or Decathlon dataset.json, as its JSON holds them; None for a
    file that cannot be read or holds none.

    Raises:
        DataError: JSON that repeats a key in one object, naming the file and the key: its labels
            are not passed over, the classes then named from the masks alone.
    """
    try:
        return json_value(regular_text(Path(path), encoding="utf-8")).get("labels")
    except RepeatedKeyError as err:  # JSON, but a corrupt export
        raise DataError(f"dataset.json '{path}' cannot be read: {err}") from None
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, RecursionError):
        return None


# a value as a JSON key names it: ASCII digits ("²" is a digit to str.isdigit that int() refuses), at most uint64's 20
# (int() refuses 4,300 and more)
_VALUE_KEY = re.compile("[0-9]{1,20}")


def numbered_names(labels: object) -> dict[int, str] | None:
    """Names by value 0, 1, ... from a JSON object of names to values (`named_values`: VSPW's
    label_num_dic_final.json); None for any other object, or values with a gap."""
    by_value = named_values(labels)
    return by_value if by_value is not None and list(by_value) == list(range(len(by_value))) else None


def named_values(labels: object) -> dict[int, str] | None:
    """Names by value, in value order, from a JSON object of names to values (`{"background": 0,
    "liver": 1}`: nnU-Net's labels) or of values to names (`{"0": "background"}`: the Decathlon's);
    None for any other object (nnU-Net's region-based labels, lists of values)."""
    if not isinstance(labels, dict) or not labels:
        return None
    by_value: dict[int, str] = {}
    for key, value in labels.items():
        if isinstance(value, int) and not isinstance(value, bool):
            by_value[value] = str(key)
        elif isinstance(value, str) and _VALUE_KEY.fullmatch(str(key)):
            by_value[int(key)] = value
        else:
            return None
    return dict(sorted(by_value.items()))


def region_labels(labels: object) -> tuple[dict[str, tuple[int, ...]], int | None] | None:
    """nnU-Net's region-based labels (`{"background": 0, "whole tumor": [1, 2, 3], "tumor core":
    [2, 3], "enhancing tumor": [3]}`): each region and the label values it covers, and the value
    its "ignore" label names (None without one); None unless a region lists its values, or for
    any value that is no label (an integer >= 0)."""
    if not isinstance(labels, dict) or not any(isinstance(value, list) for value in labels.values()):
        return None
    regions: dict[str, tuple[int, ...]] = {}
    ignore = None
    for name, value in labels.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
            return None
        if name == "ignore" and len(values) == 1:  # nnU-Net's name for the label scored in no region
            ignore = values[0]
        elif values != [0]:  # the background, in no region
            regions[str(name)] = tuple(values)
    return (regions, ignore) if regions else None


def listed_regions(class_names: object) -> dict[str, tuple[int, ...]] | None:
    """The regions of Auto3DSeg's `class_names` (`[{"name": "tc", "index": [1, 3]}, ...]` in its
    input.yaml): each name and the label values it covers; None for a list of plain names, or
    anything else."""
    if not isinstance(class_names, list) or not class_names:
        return None
    regions = {}
    for entry in class_names:
        index = entry.get("index") if isinstance(entry, dict) else None
        if not (isinstance(index, list) and index and isinstance(entry.get("name"), str)
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in index)):
            return None
        regions[entry["name"]] = tuple(index)
    return regions


_LARGEST_CATEGORY_LIST = 2**20  # bytes: a class list is kilobytes; a larger JSON holds annotations


def small_json(path: Path) -> object:
    """The JSON of a file small enough to be a class list, or None: a larger file, or one that is
    no JSON, is passed over, so that any JSON beside the data can be tried.

    Raises:
        DataError: an unreadable file, or JSON that repeats a key in one object, naming it.
    """
    try:
        if path.stat().st_size > _LARGEST_CATEGORY_LIST:
            return None
        return json_value(regular_text(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, RepeatedKeyError) as err:  # a repeated key: JSON, but a corrupt export
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    except (ValueError, RecursionError):  # no JSON, or a number of more digits than int() reads (4,300)
        return None


def category_names(path: str | Path) -> dict[int, str] | None:
    """Class names by id from a JSON whose `categories` list holds `{"id", "name"}` entries and
    that has no annotations (iMaterialist Fashion's label_descriptions.json beside its run-length
    table; its `attributes` list names no class). None for any other JSON, so that any file
    beside the data can be tried.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    values = small_json(path)
    entries = values.get("categories") if isinstance(values, dict) and "annotations" not in values else None
    if not isinstance(entries, list) or not entries or not all(
            isinstance(c, dict) and isinstance(c.get("id"), int) and not isinstance(c["id"], bool) and c.get("name")
            for c in entries):
        return None
    names = {c["id"]: str(c["name"]) for c in entries}
    return dict(sorted(names.items())) if len(names) == len(entries) else None


NAME_COLUMNS = ("name", "class_name", "classname")  # a class table's name column (GOOSE's, VIPER's)
# the mask value a row names (GOOSE's goose_label_mapping.csv: label_key, class_name, has_instance, hex; the grey
# code of grey masks, the EL solar-cell benchmark's Gray beside its Red, Green, Blue)
INDEX_COLUMNS = ("gray", "grey", "idx", "id", "index", "value", "pixel value", "gt_code", "label_key")
_RGB_COLUMNS = (("r", "g", "b"), ("red", "green", "blue"))  # class_dict.csv's, VIPER's classes.csv
_HEX_COLUMNS = ("hex", "color", "colour")  # one #rrggbb column

# a class table, or FreeSurfer's look-up table, is some KB; every .txt beside the masks is tried as one (a
# README.txt, a split list): a larger file is read up to this
CLASS_TABLE_BYTES = 4 << 20
CLASS_DICT_GLOB = "*class_dict*.csv"  # CamVid (Kaggle) class_dict.csv, Semantic Drone class_dict_seg.csv,
# the Massachusetts roads' and buildings' label_class_dict.csv


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """A class list's header (lower case, stripped; empty for an empty file) and all its rows, up to
    `CLASS_TABLE_BYTES` of them.

    Raises:
        DataError: the file cannot be read or parsed, naming it.
    """
    try:
        lines = capped_lines(path, CLASS_TABLE_BYTES, "class list")
        tabs = bool(lines) and "\t" in lines[0]  # ADE20K's objectInfo150.txt, as its zip ships it
        rows = list(csv.reader(lines, delimiter="\t" if tabs else ",", skipinitialspace=True))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from err
    return ([h.strip().lower() for h in rows[0]] if rows else []), rows


def classes_from_class_dict(path: str | Path) -> ClassSpec:
    """Class names and mask colours from a `class_dict*.csv`: a `name, r, g, b` header (case and
    spaces do not matter; `red, green, blue` or a `hex` column too), then one row per class in
    label order. Every row is a class, whatever its name (CamVid's `Void`).

    Raises:
        DataError: an unreadable file, a missing column or a bad row, naming the file and row.
    """
    path = Path(path)
    header, rows = _csv_rows(path)
    columns = _colour_table_columns(header)
    if columns is None:
        raise DataError(f"class list '{path}' needs the columns name, r, g, b; its header is {rows[0] if rows else 'empty'}")
    table = _colour_rows(path, rows, *columns)
    try:
        return ClassSpec(names=tuple(name for name, _ in table), colours=tuple(colour for _, colour in table))
    except ValueError as err:
        raise DataError(f"class list '{path}': {err}") from None


def classes_from_colour_csv(path: str | Path) -> ClassSpec | None:
    """Class names and mask colours from any CSV whose header says it is a colour table: a name
    column (name, class_name, classname) and colour columns (r, g, b; red, green, blue; or one hex),
    one row per class in label order (VIPER's `classes.csv`: `classname, red, green, blue`). A row
    named like void gives a void colour (`colour_table`: VIPER's 'unlabeled'); of rows sharing a
    colour, which colour masks cannot tell apart, the first names it. None for a CSV of another
    header, or one with an index column: that numbers mask values (`value_names_from_csv`).

    Raises:
        DataError: a bad row or rows that make no classes, naming the file.
    """
    path = Path(path)
    try:
        header, rows = _csv_rows(path)
    except DataError:  # any CSV beside the data is tried: one that is no text is no class table (a damaged metadata file)
        return None
    columns = _colour_table_columns(header)
    if columns is None or any(c in header for c in INDEX_COLUMNS) or len(rows) < 2:
        return None
    first: dict[tuple[int, int, int], str] = {}
    for name, colour in _colour_rows(path, rows, *columns):
        if colour in first:
            logger.warning("class table '%s': '%s' has the colour of '%s' %s, which colour masks cannot tell apart: "
                           "its pixels are read as '%s'", path, name, first[colour], list(colour), first[colour])
        first.setdefault(colour, name)
    return colour_table([(name, colour) for colour, name in first.items()], f"class table '{path}'")


def _colour_table_columns(header: list[str]) -> tuple[int, list[int]] | None:
    """The name column and the colour columns (three of r, g, b, or one of #rrggbb) of a class
    table's header, or None when it has no such columns."""
    name = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    rgb = next(([header.index(c) for c in columns] for columns in _RGB_COLUMNS if set(columns) <= set(header)), None)
    colour = rgb or next(([header.index(c)] for c in _HEX_COLUMNS if c in header), None)
    return (name, colour) if name is not None and colour is not None else None


def _colour_rows(path: Path, rows: list[list[str]], name: int, colour: list[int]) -> list[tuple[str, tuple[int, int, int]]]:
    """The (name, colour) of each row below the header, blank rows passed over.

    Raises:
        DataError: a row without a name or colour, naming the file and row.
    """
    table = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = [row[c].strip() for c in colour]
            r, g, b = [int(c) for c in cells] if len(cells) == 3 else hex_colour("#" + cells[0].lstrip("#"), "a row")
            table.append((row[name].strip(), (r, g, b)))
        except (IndexError, ValueError):
            raise DataError(f"class list '{path}', row {number}: expected a name and three integers r, g, b (or a "
                            f"#rrggbb colour); got {row}") from None
    return table


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
        lines = capped_lines(path, CLASS_TABLE_BYTES, "label map")
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


DATUMARO_META = "dataset_meta.json"  # Datumaro's, beside the data of the formats it exports


def classes_from_dataset_meta(path: str | Path) -> ClassSpec | None:
    """Class names, with their mask colours where it gives them, from Datumaro's
    `dataset_meta.json` (its Common Semantic Segmentation format's: `{"label_map": {"0":
    "background", "1": "crack", ...}, "segmentation_colors": [[0, 0, 0], [230, 25, 75], ...],
    "background_label": "0"}`), in the order of the label ids, label i drawn in colour i: colour
    masks' classes numbered as Datumaro numbers them, not in the order of their colours. None for
    JSON of another shape, or label ids other than 0, 1, ..., so that the masks name the classes.

    Raises:
        DataError: an unreadable file, colours that are not one `[r, g, b]` per label, or names
            that make no classes, naming the file.
    """
    path = Path(path)
    meta = small_json(path)
    names = numbered_names(meta.get("label_map")) if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or names is None or len(names) < 2:
        return None
    listed = meta.get("segmentation_colors") or []
    colours = [json_colour(c) for c in listed] if isinstance(listed, list) else [None]
    rows = [(name, colour) for name, colour in zip(names.values(), colours) if colour is not None]
    if len(rows) != len(colours) or len(colours) not in (0, len(names)):
        raise DataError(f"Datumaro meta file '{path}': segmentation_colors should hold one [r, g, b] colour per "
                        f"label of its label_map ({len(names)}); got {listed!r:.200}. Fix or remove it, or name the "
                        "classes in classes.json")
    if not rows:  # index masks: the label ids are the mask values
        try:
            return ClassSpec(tuple(names.values()))
        except ValueError as err:
            raise DataError(f"Datumaro meta file '{path}': {err}") from None
    return colour_table(rows, f"Datumaro meta file '{path}'")


# the names of JSON class tables (A2D2's camera_lidar_semantic/class_list.json, EndoVis 2018's labels.json);
# a per-image JSON (Cityscapes' *_polygons.json) is not opened
COLOUR_JSON_NAME = re.compile(r"class|label|categor|colou?r", re.IGNORECASE)
_ID_KEYS = ("classid", "class_id", "id")  # the class an entry of a JSON list numbers (EndoVis 2018's classid)


def classes_from_colour_names(path: str | Path) -> ClassSpec | None:
    """Class names and mask colours from a JSON object mapping `#rrggbb` colours to names, in its
    order (A2D2's `class_list.json`), or from a JSON list of `{"name", "color", "classid"}` entries,
    in the order of their ids (EndoVis 2018's `labels.json`: `[{"name": "background-tissue",
    "color": [0, 0, 0], "classid": 0}, ...]`), so that mask colours are numbered as the dataset
    numbers them. None for JSON of any other shape (ids other than 0, 1, ... included), so that
    any JSON beside the data can be tried.

    Raises:
        DataError: an unreadable file, or names that make no classes, naming the file.
    """
    path = Path(path)
    values = small_json(path)
    if isinstance(values, list):
        listed = _listed_colours(values)
        return colour_table(listed, f"class list '{path}'") if listed is not None else None
    if not isinstance(values, dict) or not values or not all(
            re.fullmatch(r"#[0-9a-fA-F]{6}", key) and isinstance(name, str) for key, name in values.items()):
        return None
    rows = [(name.strip(), hex_colour(key, f"class '{name}'")) for key, name in values.items()]
    return colour_table(rows, f"class list '{path}'")


def _listed_colours(entries: list[object]) -> list[tuple[str, tuple[int, int, int]]] | None:
    """The (name, colour) of each entry of a JSON class list, in the order of its ids (of the list
    without ids); None unless each entry has a name and an `[r, g, b]` or `#rrggbb` colour, and the
    ids are 0, 1, ...: a list numbered otherwise (COCO panoptic's categories, from 1 with gaps)
    numbers no colour class."""
    by_id: dict[int, tuple[str, tuple[int, int, int]]] = {}
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            return None
        name = next((entry[k] for k in NAME_COLUMNS if k in entry), None)
        colour = json_colour(entry.get("color", entry.get("colour")))
        number = next((entry[k] for k in _ID_KEYS if k in entry), position)
        if not isinstance(name, str) or not name.strip() or colour is None or not isinstance(number, int) \
                or isinstance(number, bool):
            return None
        by_id[number] = (name.strip(), colour)
    if not entries or sorted(by_id) != list(range(len(entries))):
        return None
    return [by_id[k] for k in range(len(entries))]


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
        lines = [(number, line) for number, line in
                 enumerate(capped_lines(path, CLASS_TABLE_BYTES, "colour map"), start=1) if line.strip()]
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
    return colour_table([rows[k] for k in sorted(rows)], f"colour map '{path}'")


def colour_table(rows: Sequence[tuple[str, tuple[int, int, int]]], source: str) -> ClassSpec:
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
