"""Class names, display colours and the ignore label of a dataset, and the classes.json file.

Names and colours travel with a trained model (run folder, reports, coloured masks), so a
`ClassSpec` is a small frozen value that converts to and from plain JSON.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from seglab.config import check_ignore_index
from seglab.errors import ConfigError, DataError

# "regions" (multi-label classes as sets of mask labels) is read by seglab.data.multilabel
_KEYS = ("names", "colours", "ignore_index", "background", "regions", "void_colours")


# a qualitative palette (Tableau 10 without its red, which marks errors in the reports): no black,
# so a class never looks unlabelled, and no colour near the error red
_PALETTE = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (148, 103, 189), (23, 190, 207),
    (227, 119, 194), (188, 189, 34), (140, 86, 75), (127, 127, 127), (174, 199, 232),
    (255, 187, 120), (152, 223, 138), (197, 176, 213), (158, 218, 229), (247, 182, 210),
    (219, 219, 141), (196, 156, 148), (57, 59, 121), (82, 84, 163), (99, 121, 57),
)  # fmt: skip
BACKGROUND_COLOUR = (200, 200, 200)  # light grey: the class that fills most pictures stays quiet
ERROR_COLOUR = (230, 25, 25)  # wrong pixels in reports and figures; no class colour comes near it
_BACKGROUND_NAMES = ("background", "bg", "void", "clutter", "unlabeled", "unlabelled")


def is_background(name: str) -> bool:
    """Whether a class name says it is the background (drawn faint in overlays)."""
    return name.strip().lower() in _BACKGROUND_NAMES or name.strip().lower().startswith("background")


VOID_NAMES = re.compile(r"ambiguous|ignored?|exclude[d]?|void|unlabell?ed|outside_roi|don'?t[ _]?care",
                        re.IGNORECASE)  # what datasets call pixels scored in no class (MoNuSAC, RUGD, BCSS)


def is_void(name: str) -> bool:
    """Whether a class name says its pixels belong to no class (RELLIS-3D's 'void', BCSS's
    'outside_roi', MoNuSAC's 'Ambiguous'): they are the ignore label, not a class to learn."""
    return bool(VOID_NAMES.fullmatch(name.strip()))


def generic_name(label: int) -> str:
    """The name of a class nothing names: `class_3` for label 3."""
    return f"class_{label}"


def default_colours(n: int, names: Sequence[str] = ()) -> tuple[tuple[int, int, int], ...]:
    """`n` distinct display colours: a class named like background gets light grey, the others a
    qualitative palette, then generated colours kept away from black and from the error red.
    """
    if n < 0:
        raise ValueError(f"number of colours must be >= 0, got {n}")
    extra = (c for c in _interleaved() if _usable(c) and c not in _PALETTE and c != BACKGROUND_COLOUR)
    palette = iter(_PALETTE)
    colours = []
    for i in range(n):
        if i < len(names) and is_background(names[i]) and BACKGROUND_COLOUR not in colours:
            colours.append(BACKGROUND_COLOUR)
        else:
            colours.append(next(palette, None) or next(extra))
    return tuple(colours)


def _interleaved() -> Iterator[tuple[int, int, int]]:
    """The PASCAL VOC colour sequence (bit-interleaved), distinct for every index."""
    i = 0
    while True:
        r = g = b = 0
        code = i
        for bit in range(7, -1, -1):
            r |= (code & 1) << bit
            g |= ((code >> 1) & 1) << bit
            b |= ((code >> 2) & 1) << bit
            code >>= 3
        yield (r, g, b)
        i += 1


def _usable(colour: tuple[int, int, int]) -> bool:
    r, g, b = colour
    near_error = (r - ERROR_COLOUR[0]) ** 2 + (g - ERROR_COLOUR[1]) ** 2 + (b - ERROR_COLOUR[2]) ** 2 < 90**2
    return r + g + b >= 120 and not near_error


@dataclass(frozen=True)
class ClassSpec:
    """What the class indices of a dataset mean.

    Args:
        names: one name per class index 0..K-1.
        colours: one RGB colour per class; left empty, distinct colours are generated.
        ignore_index: label value excluded from loss and metrics (11 for CamVid void, often 255);
            it need not be a class index.
        background: the class drawn faint in overlays because it fills most pictures; by default
            the class named like background (`is_background`), else none. Training sets it to the
            most common class when no name says so.
        void_colours: colours of colour masks that mark no class (ISPRS's black boundary in its
            eroded ground truth): read as `ignore_index`, 255 unless given.

    Raises:
        ValueError: empty or duplicate names, colours of the wrong count or range, one colour for
            two classes (colour masks could not tell them apart), an ignore label that is no mask value.
    """

    names: tuple[str, ...]
    colours: tuple[tuple[int, int, int], ...] = ()
    ignore_index: int | None = None
    background: int | None = None
    void_colours: tuple[tuple[int, int, int], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.names, str) or not isinstance(self.names, (list, tuple)):
            raise ValueError(f"'names' must be a list of strings, got {self.names!r}")
        names = tuple(self.names)
        if not names:
            raise ValueError("'names' must list at least one class")
        if not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"every class name must be a non-empty string, got {list(names)}")
        if len(set(names)) != len(names):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"class names must be unique; repeated: {', '.join(duplicates)}")
        if self.colours:
            colours = tuple(_colour(c) for c in self.colours)
        else:
            colours = default_colours(len(names), names)
        if len(colours) != len(names):
            raise ValueError(f"got {len(colours)} colours for {len(names)} classes; give one per class")
        first = {}
        for name, colour in zip(names, colours):
            if colour in first:
                raise ValueError(f"classes '{first[colour]}' and '{name}' have the same colour {list(colour)}; "
                                 "give each class its own colour")
            first[colour] = name
        try:
            check_ignore_index(self.ignore_index, "'ignore_index'")
        except ConfigError as err:
            raise ValueError(str(err)) from None
        background = self.background
        if background is None:
            background = next((i for i, name in enumerate(names) if is_background(name)), None)
        elif isinstance(background, bool) or not isinstance(background, int) or not 0 <= background < len(names):
            raise ValueError(f"'background' must be a class index 0-{len(names) - 1} or null, got {background!r}")
        void = tuple(_colour(c) for c in self.void_colours)
        if set(void) & set(colours):
            raise ValueError(f"a void colour is also a class colour: {[list(c) for c in set(void) & set(colours)]}")
        if void and self.ignore_index is None:
            object.__setattr__(self, "ignore_index", 255)  # void pixels need an ignore label
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "colours", colours)
        object.__setattr__(self, "background", background)
        object.__setattr__(self, "void_colours", void)

    @property
    def num_classes(self) -> int:
        """Number of classes K (the ignore label is not a class)."""
        return len(self.names)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form, the same shape as classes.json."""
        return {
            "names": list(self.names),
            "colours": [list(c) for c in self.colours],
            "ignore_index": self.ignore_index,
            "background": self.background,
            **({"void_colours": [list(c) for c in self.void_colours]} if self.void_colours else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassSpec:
        """Build from the classes.json shape; "colours", "ignore_index" and "background" are optional.

        Raises:
            ValueError: not a mapping, unknown keys, or bad values.
        """
        if not isinstance(d, dict):
            raise ValueError(f"expected a JSON object with 'names', got {type(d).__name__}")
        unknown = sorted(set(d) - set(_KEYS))
        if unknown:
            raise ValueError(f"unknown keys {unknown}; allowed: {', '.join(_KEYS)}")
        regions = d.get("regions")
        if regions is not None and (not isinstance(regions, dict) or not regions):
            raise ValueError(f"'regions' must map region names to lists of mask labels, got {regions!r}")
        names = d.get("names", list(regions) if regions else None)  # regions name the classes
        if names is None:
            raise ValueError("missing 'names' (a list of class names)")
        colours = d.get("colours") or ()
        if not isinstance(colours, (list, tuple)):
            raise ValueError(f"'colours' must be a list of [r, g, b], got {colours!r}")
        void = d.get("void_colours") or ()
        if not isinstance(void, (list, tuple)):
            raise ValueError(f"'void_colours' must be a list of [r, g, b], got {void!r}")
        return cls(names=names, colours=tuple(colours), ignore_index=d.get("ignore_index"),
                   background=d.get("background"), void_colours=tuple(void))



def shipped_classes(names: Sequence[object], source: str, ignore_index: int | None = None,
                    colours: Sequence[tuple[int, int, int]] | None = None) -> ClassSpec:
    """Classes named by a dataset's own file (COCO categories, LabelMe labels, data.yaml), with
    the file's display colours or ours.

    Raises:
        DataError: names that make no classes (two alike, none), with `source` naming the file.
    """
    named = tuple(str(n) for n in names)
    try:
        return ClassSpec(named, tuple(colours or default_colours(len(named), named)), ignore_index=ignore_index)
    except ValueError as err:
        raise DataError(f"{source}: {err}") from None

def tool_classes(labels: Sequence[str], colours: Mapping[str, tuple[int, int, int]] | None, source: str,
                 multilabel: bool, classes: ClassSpec | None = None) -> tuple[ClassSpec, dict[str, int]]:
    """The classes of a labelling tool's label list (Supervisely's meta.json, CVAT's labels), and
    each label's value in the masks: the background (0), then `labels` (those objects use, in the
    tool's order) in the tool's `colours` unless two share one (the tools allow it, overlays
    cannot); a label named background paints the background. Under `multilabel` there is no
    background class and label k is channel k, counted from 1. `classes` (classes.json) replaces
    the names and colours.

    Raises:
        DataError: names that make no classes, with `source` naming the file.
    """
    named = [label for label in labels if label.lower() != "background"]
    shown = named if multilabel else ["background", *named]
    chosen = [colours.get(name, BACKGROUND_COLOUR) for name in shown] if colours else None
    if chosen and len(set(chosen)) < len(chosen):
        chosen = None
    spec = classes or shipped_classes(shown, source, None, chosen)
    first = 1 if multilabel else 0
    value = {label: 0 for label in labels if label.lower() == "background"}
    return spec, value | {name: k + first for k, name in enumerate(spec.names)}


def refuse_unnamed(used: Sequence[str], value: Mapping[str, int], spec: ClassSpec, uses: str, advice: str = "") -> None:
    """Stop where a tool's annotations use labels that the classes (classes.json) do not name
    (`tool_classes`' `value` lacks them), `uses` saying whose ("Darwin annotations use names").

    Raises:
        DataError: the first five such labels, in `used`'s order, and the classes.
    """
    missing = [label for label in used if label not in value]
    if missing:
        raise DataError(f"{uses} {', '.join(missing[:5])} that the classes ({', '.join(spec.names)}) do not "
                        f"name{advice}")


def _colour(value: Any) -> tuple[int, int, int]:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)
    ):
        raise ValueError(f"a colour must be [r, g, b] with integers 0-255, got {value!r}")
    return (value[0], value[1], value[2])


def load_classes_file(path: str | Path) -> ClassSpec:
    """Read classes.json: {"names": [...], "colours": [[r, g, b], ...], "ignore_index": int}.

    Supervisely's class list is read too, as datasets exported from it ship it under that name
    (the Dubai aerial imagery's `{"classes": [{"title": "Water", "color": "#E2A929"}, ...]}`):
    titles are the names, colours the mask colours, in the file's order.

    Raises:
        DataError: missing file, invalid JSON or bad content; the message names the file.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"classes file '{path}' is a folder; name the JSON file (e.g. '{path / 'classes.json'}')")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"classes file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"classes file '{path}' cannot be read: {err}") from err
    try:
        values = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"classes file '{path}' is not valid JSON: {err}") from None
    except RecursionError:
        raise DataError(f"classes file '{path}' is nested too deeply to be a classes.json") from None
    try:
        return ClassSpec.from_dict(_from_supervisely(values) if _is_supervisely(values) else values)
    except ValueError as err:
        raise DataError(f"classes file '{path}': {err}") from None


def _is_supervisely(values: Any) -> bool:
    classes = values.get("classes") if isinstance(values, dict) else None
    return isinstance(classes, list) and bool(classes) and all(
        isinstance(c, dict) and "title" in c and "color" in c for c in classes)


def _from_supervisely(values: dict[str, Any]) -> dict[str, Any]:
    """Supervisely's `{"classes": [{"title", "color": "#rrggbb"}]}` as seglab's classes.json.

    Raises:
        ValueError: a colour that is not #rrggbb.
    """
    colours = [list(hex_colour(entry["color"], f"class '{entry['title']}'")) for entry in values["classes"]]
    return {"names": [str(entry["title"]) for entry in values["classes"]], "colours": colours}


def hex_colour(value: object, what: str) -> tuple[int, int, int]:
    """A `#rrggbb` colour (Supervisely's class colours) as (r, g, b).

    Raises:
        ValueError: anything else, saying `what` has it.
    """
    text = str(value)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError(f"{what} has colour {text!r}, not #rrggbb")
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


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


_INDEX_COLUMNS = ("idx", "id", "index", "value", "pixel value", "gt_code")  # the mask value a row names
_NAME_COLUMNS = {"pixel value": "class", "gt_code": "label"}  # the names beside these (Roboflow's, BCSS's)


@dataclass(frozen=True)
class ValueNames:
    """Names of label-mask values from a file the dataset ships (`value_names_from_csv`), and the
    last value when the file marks it as scored in no class (Mapillary's 'Unlabeled')."""

    path: Path
    names: dict[int, str]
    void: int | None = None

    @property
    def voids(self) -> tuple[int, ...]:
        """The values scored in no class: the one the file marks, and those named like void
        (`is_void`: RELLIS-3D's 0 'void', BCSS's 0 'outside_roi')."""
        return tuple(v for v in sorted(self.names) if v == self.void or is_void(self.names[v]))


NAME_LIST_FILES = ("class_names.txt", "classes.txt")  # labelme2voc's output; many tools' exports


def value_names_from_list(path: str | Path) -> ValueNames | None:
    """Names of mask values from a text file naming value i on line i (labelme2voc's
    `class_names.txt`: `_background_`, then the labels). None for a file with fewer than two
    names, one whose lines hold more than a name (`0 background`: another table), or one whose
    first name is no background: a list of the foreground classes alone (YOLO's `classes.txt`)
    would name every value one off.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()]
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    names = [line for line in lines if line]
    if len(names) < 2 or any(len(name.split()) > 1 for name in names) or len(set(names)) < len(names) \
            or not is_background(names[0].strip("_")):
        return None
    return ValueNames(path, dict(enumerate(names)))


_NUMBERED_LINE = re.compile(r"(\d+)[\t ]+(\S.*)")


def value_names_from_numbered_lines(path: str | Path) -> ValueNames | None:
    """Names of mask values from a text file of `value<tab or space>name` lines without a header
    (FoodSeg103's `category_id.txt`: `0\tbackground`, `1\tcandy`, ...). None unless every line
    is one, the values differ and value 0 names the background: other numbered lists (CUB's
    `classes.txt` from 1, COCO-Stuff's `0: unlabeled` one off from its masks) are no table of
    the mask values.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    found = [_NUMBERED_LINE.fullmatch(line) for line in lines]
    rows = [(int(m.group(1)), m.group(2).strip()) for m in found if m is not None]
    names = dict(rows)
    if len(rows) < 2 or len(rows) < len(lines) or len(names) < len(rows) or not is_background(names.get(0, "")) \
            or any("/" in name for name in names.values()):
        return None
    return ValueNames(path, names)


def value_names_from_label_json(path: str | Path) -> ValueNames | None:
    """Names of mask values from a JSON whose "labels" list names value i at position i, as
    Mapillary Vistas' config_v2.0.json does (`{"labels": [{"name": "animal--bird",
    "readable": "Bird", "color": [...]}, ...]}`); the readable name where there is one, and the
    last label as void when it alone is `"evaluate": false`. Also Supervisely's
    obj_class_to_machine_color.json (`{"car": [1, 1, 1], "road": [2, 2, 2]}`: the value each class
    has in its `masks_machine/`, 0 being the background). None for any other JSON, so that any
    file beside the data can be tried.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, RecursionError):  # not JSON, or nested deeper than any class list
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    machine = _machine_colours(values)
    if machine is not None:
        return ValueNames(path, machine)
    labels = values.get("labels") if isinstance(values, dict) else None
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, dict) and x.get("name") for x in labels):
        return None
    names = [str(x.get("readable") or x["name"]) for x in labels]
    if len(set(names)) < len(names):
        names = [str(x["name"]) for x in labels]
    unscored = [i for i, x in enumerate(labels) if x.get("evaluate") is False]
    void = unscored[0] if unscored == [len(labels) - 1] else None  # Mapillary's last label, 'Unlabeled'
    return ValueNames(path, dict(enumerate(names)), void)


ONTOLOGY_FILE = "ontology.yaml"  # RELLIS-3D's: the names of its label ids, then their colours


def value_names_from_ontology(path: str | Path) -> ValueNames | None:
    """Names of mask values from a YAML mapping of ids to names, alone or first in a list
    (RELLIS-3D's `ontology.yaml`: `- {0: void, 1: dirt, 3: grass, ...}` then `- {0: [0, 0, 0],
    ...}`). None for YAML of another shape.

    Raises:
        DataError: an unreadable file or one that is no YAML, naming it.
    """
    path = Path(path)
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    except (yaml.YAMLError, ValueError, RecursionError) as err:  # ValueError: an integer too long to convert
        raise DataError(f"class list '{path}' cannot be read as YAML: {err}") from None
    table = values[0] if isinstance(values, list) and values else values
    if not isinstance(table, dict) or len(table) < 2 or not all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0 and isinstance(v, str) and v.strip()
            for k, v in table.items()):
        return None
    return ValueNames(path, {k: table[k].strip() for k in sorted(table)})


def _machine_colours(values: Any) -> dict[int, str] | None:
    """Supervisely's `{"class": [v, v, v]}`, grey values 1 and up, as {0: "background", v: class}."""
    if not isinstance(values, dict) or not values:
        return None
    names = {}
    for name, colour in values.items():
        if not (isinstance(colour, list) and len(colour) == 3
                and all(isinstance(c, int) and not isinstance(c, bool) for c in colour)  # a dict is unhashable
                and len(set(colour)) == 1 and 1 <= colour[0] <= 255):
            return None
        names[colour[0]] = str(name)
    if len(names) < len(values):
        return None
    return {0: "background", **dict(sorted(names.items()))}


def value_names_from_csv(path: str | Path) -> ValueNames | None:
    """Names of mask values from a CSV with a name column and an index column (idx, id, index
    or value): ADE20K's objectInfo150.csv (`Idx, Ratio, Train, Val, Name`) or the tab-separated
    objectInfo150.txt of its zip, Roboflow's `_classes.csv` (`Pixel Value, Class`: there the
    class column holds the names), BCSS's tab-separated `gt_codes.tsv` (`label, GT_code`). None
    when the header has no such columns or no row follows, so that any CSV beside the data can
    be tried.

    A name listing synonyms (`building;edifice`, the .txt's `building, edifice`) is shortened
    to its first: class tables and per-class scores need one short name, and the first is the
    common one. The whole string is kept where the first would name two values.

    Raises:
        DataError: an unreadable file, or a row without an integer index or a name, or with an
            index listed before, naming the file and row.
    """
    path = Path(path)
    header, rows = _csv_rows(path)
    index_column = next((header.index(c) for c in _INDEX_COLUMNS if c in header), None)
    paired = _NAME_COLUMNS.get(header[index_column]) if index_column is not None else None
    named = "name" if "name" in header else paired if paired in header else None
    if named is None or index_column is None or len(rows) < 2:
        return None
    name_column = header.index(named)
    full: dict[int, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            value, name = int(row[index_column]), row[name_column].strip()
        except (IndexError, ValueError):
            raise DataError(f"class list '{path}', row {number}: expected an integer {header[index_column]} and a "
                            f"name; got {row}") from None
        if not name or value in full:
            problem = "an empty name" if not name else f"{header[index_column]} {value} named before"
            raise DataError(f"class list '{path}', row {number}: {problem}")
        full[value] = name
    if not full:  # a header and blank lines only
        return None
    first = {value: re.split("[;,]", name)[0].strip() or name for value, name in full.items()}
    taken = Counter(first.values())
    return ValueNames(path, {v: short if taken[short] == 1 else full[v] for v, short in first.items()})
