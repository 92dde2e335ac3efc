"""Names of label-mask values from the files datasets ship, for masks read as they are.

ADE20K's objectInfo150.csv, labelme2voc's class_names.txt, Mapillary's config JSON, RELLIS-3D's
ontology.yaml, FreeSurfer's colour look-up table: `value_classes` turns them into classes, once
`fitted_to_masks` has checked them against the values the masks hold.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from seglab.data.classes.class_tables import (
    CLASS_TABLE_BYTES,
    INDEX_COLUMNS,
    NAME_COLUMNS,
    _csv_rows,
    dataset_json_labels,
    named_values,
    numbered_names,
)
from seglab.data.classes.annotation_labels import VOID_LABEL
from seglab.data.classes.json_text import RepeatedKeyError, json_value
from seglab.data.classes.names import is_background, is_void
from seglab.data.classes.spec import ClassSpec
from seglab.data.classes.text_files import capped_lines, file_head, open_regular, regular_text
from seglab.data.classes.yaml_files import load_yaml
from seglab.errors import DataError

logger = logging.getLogger(__name__)

# the names beside these (Roboflow's; BCSS's gt_codes.tsv, NuCLS' nucleus_GTcodes.csv: group, ..., GT_code, ...;
# the EL solar-cell benchmark's ListOfClassesAndColorCodes_*.csv: Class, Desc, Color, Red, Green, Blue, Label, Gray)
_NAME_COLUMNS = {"pixel value": ("class",), "gt_code": ("label", "group"), "gray": ("desc", "class"),
                 "grey": ("desc", "class")}
# a grey-code column holds the mask values, beside a column of the class ids they stand for (the EL benchmark's Label)
_CLASS_ID_COLUMNS = {"gray": ("label",), "grey": ("label",)}
MAX_MASK_VALUE = 65535  # a 16-bit mask's largest value: a table naming one past it, or below 0, names no mask value
# the keys naming categories ahead of a large file's annotations: the OBB schema's, which `_category_colours`
# reads, and Segments.ai's release `dataset.task_attributes` (`_release_categories`), before its samples
_HEAD_KEYS = re.compile(r'"(annotation_sets|categories|task_attributes)"\s*:\s*')


@dataclass(frozen=True)
class ValueNames:
    """Names of label-mask values from a file the dataset ships (`value_names_from_csv`), the
    last value when the file marks it as scored in no class (Mapillary's 'Unlabeled'), whether
    the file declares every class (`complete`: nnU-Net's dataset.json, a tool's label table such as
    ITK-SNAP's 1, 2, 6), so that a value it skips is no class and its names are numbered without
    the gaps, and whether it names the values only if it names every value the masks hold
    (`needs_every_value`: a list of names alone whose first is no background, fastai's codes.txt,
    which a list of the foreground classes alone would name one off, or a CVAT export's labels, which
    masks drawn otherwise may outnumber; `fitted_to_masks`), and whether
    a value 0 it leaves unnamed is the background (`zero_is_background`: a label volume's, which
    CURVAS' README leaves out of `Labels 1 pancreas, 2 kidney, 3 liver`), and the values in the
    order of the class ids the file gives them apart from the values (`class_order`: the EL
    benchmark's grey 255 is its Label 14 'crack'; empty: the classes follow the values)."""

    path: Path
    names: dict[int, str]
    void: int | None = None
    complete: bool = False
    needs_every_value: bool = False
    zero_is_background: bool = False
    class_order: tuple[int, ...] = ()

    @property
    def read_by_masks(self) -> bool:
        """Whether the values the masks hold decide how the file reads (`fitted_to_masks`): a
        list that must name them all, or a table from 1 that may name a reduced copy of its masks."""
        return self.needs_every_value or (not self.complete and min(self.names) == 1)

    @property
    def voids(self) -> tuple[int, ...]:
        """The values scored in no class: the one the file marks, and those named like void
        (`is_void`: RELLIS-3D's 0 'void', BCSS's 0 'outside_roi'), less a 0 named 'null': nothing there,
        the background (Clothing Co-Parsing's `labels.csv`, most of each photo), where AI4Mars' 255 'NULL'
        is unscored."""
        return tuple(v for v in sorted(self.names) if v == self.void or (
            is_void(self.names[v]) and not (v == 0 and self.names[v].strip().lower() == "null")))


def dataset_json_classes(path: str | Path) -> tuple[ClassSpec | None, ValueNames | None]:
    """The classes an nnU-Net or Medical Segmentation Decathlon dataset.json declares, the file
    read once: the classes when its ids are 0..K-1 (nnU-Net v2 writes `"labels": {"background":
    0, "liver": 1}`, the Decathlon `"labels": {"0": "background", "1": "liver"}`), else the names
    of the mask values when they leave gaps (ToothFairy2's 0-10, then FDI tooth numbers 11-18,
    21-28, 31-38, 41-48): the file declares every class, so the values it names are the classes
    in value order (`ValueNames.complete`). Neither for region-based labels (lists of values),
    fewer than two names, or a file that is missing or unreadable: the classes then come from
    the masks."""
    return declared_classes(dataset_json_labels(path), path)


def declared_classes(labels: object, path: str | Path) -> tuple[ClassSpec | None, ValueNames | None]:
    """`dataset_json_classes` of the "labels" a dataset.json or a MONAI datalist (`path`) holds,
    already read."""
    numbered = numbered_names(labels)
    if numbered is not None:
        try:
            return ClassSpec(names=tuple(numbered.values())), None
        except ValueError:  # a name empty or repeated: no classes, the values' names may still be read
            pass
    names = named_values(labels)
    if names is None or len(names) < 2 or min(names) < 0:
        return None, None
    return None, ValueNames(Path(path), names, complete=True)


# labelme2voc's output; many tools' exports; PaddleSeg's custom datasets; fastai's (CamVid's codes.txt)
NAME_LIST_FILES = ("class_names.txt", "classes.txt", "labels.txt", "codes.txt")


def _stripped_lines(path: Path, what: str) -> list[str]:
    """The lines of a text table, stripped, up to `CLASS_TABLE_BYTES` of them (`capped_lines`).

    Raises:
        DataError: an unreadable file, named as `what`.
    """
    try:
        return [line.strip() for line in capped_lines(path, CLASS_TABLE_BYTES, what)]
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{what} '{path}' cannot be read: {err}") from None


def value_names_from_list(path: str | Path) -> ValueNames | None:
    """Names of mask values from a text file naming value i on line i (labelme2voc's
    `class_names.txt`: `_background_`, then the labels; PaddleSeg's `labels.txt`). None for a file
    with fewer than two names, names repeated, or lines holding more than a name (`0 background`:
    another table; prose). A list whose first name is no background (fastai's CamVid `codes.txt`:
    `Animal`, ..., `Void`, `Wall`) names the values only if it names every value the masks hold
    (`needs_every_value`): a list of the foreground classes alone (YOLO's `classes.txt`) would
    name every value one off.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    lines = _stripped_lines(path, "class list")
    names = [line for line in lines if line]
    if len(names) < 2 or any(len(name.split()) > 1 for name in names) or len(set(names)) < len(names):
        return None
    return ValueNames(path, dict(enumerate(names)), needs_every_value=not is_background(names[0].strip("_")))


def fitted_to_masks(names: ValueNames, values: Collection[int]) -> ValueNames | None:
    """`names` as the label masks holding `values` (those of a sample, 255 among them) read them.

    A list that names the values only if it names them all (`needs_every_value`) and does not
    is none of theirs: None, said in the log. A table of the values 1 to N (ADE20K's
    objectInfo150, 0 'other' unnamed) beside masks holding 255 and never N names their reduced
    copy (Detectron2's `annotations_detectron2/`, MMSegmentation's `reduce_zero_label`: value - 1,
    0 made 255): its names move down one, or value 0 ('wall') would be an unnamed class_0 and
    every name one off. A tool's table of its own ids (`complete`: ilastik's from 1) stays.
    """
    held = set(values) - {VOID_LABEL}
    if names.needs_every_value and (not held or max(held) >= len(names.names)):
        reason = f"the masks hold value {max(held)}, beyond its {len(names.names)} names" if held \
            else "no mask value was read to check it against"
        background = is_background(names.names[0])  # a CVAT export's labels after the background, else a list
        logger.info("'%s' is not read as the names of the mask values: %s%s; name the classes in classes.json",
                    names.path, "" if background else "its first name is no background and ", reason + (
                        "" if background else " (a list of the foreground classes alone names every value one off)"))
        return None
    top = max(names.names)
    if not names.read_by_masks or min(names.names) != 1 or VOID_LABEL not in values or top in values \
            or top >= VOID_LABEL:
        return names
    logger.info("'%s' names the values 1 to %d, and the masks hold %d and never %d: they are its reduced copy "
                "(value - 1, its 0 made %d: Detectron2's annotations_detectron2/, MMSegmentation's reduce_zero_label), "
                "so value v takes the name of its v + 1 and %d is void; pass --masks with the folder of the unreduced "
                "masks to read those, or, if 0 is a background the table leaves unnamed, name the classes in "
                "classes.json", names.path, top, VOID_LABEL, top, VOID_LABEL, VOID_LABEL)
    return replace(names, names={v - 1: name for v, name in names.names.items()},
                   void=None if names.void is None else names.void - 1)


# values of at most 20 digits (uint64's): int() refuses 4,300 and more, and no mask holds such values
_NUMBERED_LINE = re.compile(r"(\d{1,20})[\t ]+(\S.*)")


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
    names = numbered_lines(path)
    if names is None or not is_background(names.get(0, "")):
        return None
    return ValueNames(path, names)


def numbered_lines(path: Path) -> dict[int, str] | None:
    """The names of a text file of `value<tab or space>name` lines without a header, by value;
    None unless every line is one, there are two or more, the values differ and no name is a
    path (a list of files).

    Raises:
        DataError: an unreadable file, naming it.
    """
    lines = [line for line in _stripped_lines(path, "class list") if line]
    found = [_NUMBERED_LINE.fullmatch(line) for line in lines]
    rows = [(int(m.group(1)), m.group(2).strip()) for m in found if m is not None]
    names = dict(rows)
    if len(rows) < 2 or len(rows) < len(lines) or len(names) < len(rows) or any("/" in name for name in names.values()):
        return None
    return names


ARFF_GLOB = "*.arff"  # Weka's data file, as Fiji's Trainable Weka Segmentation saves its training data
_ARFF_CLASS = re.compile(r"@attribute\s+['\"]?class['\"]?\s*\{(?P<names>.*)\}", re.IGNORECASE)


def value_names_from_arff(path: str | Path) -> ValueNames | None:
    """Names of mask values from the nominal class attribute of a Weka ARFF file (Fiji's Trainable
    Weka Segmentation, 'Save data': `@attribute class {membrane,mitochondria,cytoplasm}`): value i
    for its i-th class, as the plugin's classified images number them. The header alone is read
    (the feature rows after `@data` run to millions). None for an ARFF without such an attribute.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    found = None
    try:
        with open_regular(path, "r", encoding="utf-8-sig") as file:
            for line in file:
                if line.strip().lower().startswith("@data") or (found := _ARFF_CLASS.fullmatch(line.strip())):
                    break
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"Weka data file '{path}' cannot be read: {err}") from None
    names = [name.strip().strip("'\"").strip() for name in found["names"].split(",")] if found else []
    if len(names) < 2 or not all(names) or len(set(names)) < len(names):
        return None
    return ValueNames(path, dict(enumerate(names)))


# FreeSurfer's and 3D Slicer's lines (id name R G B A), ITK-SNAP's, then EISeg's labels.txt (id name R G B:
# `1 person 128 0 0`); ids of at most 20 digits, as `_NUMBERED_LINE`'s
_LUT_LINES = (re.compile(r"(?P<id>\d{1,20})\s+(?P<name>\S+)(?:\s+\d{1,3}){4}"),
              re.compile(r'(?P<id>\d{1,20})(?:\s+\d{1,3}){3}\s+[\d.]+\s+[01]\s+[01]\s+"(?P<name>[^"]+)"'),  # ITK-SNAP's
              re.compile(r"(?P<id>\d{1,20})\s+(?P<name>\S.*?)(?:\s+\d{1,3}){3}"))
COLOUR_TABLE_GLOB = "*.ctbl"  # 3D Slicer's colour table; its `*_ColorTable.txt` is read among the text files


def value_names_from_colour_lut(path: str | Path) -> ValueNames | None:
    """Names of mask values from a colour look-up table: FreeSurfer's (`FreeSurferColorLUT.txt`
    beside Mindboggle-101's label volumes: `#` comments, then `id name R G B A` lines, `0 Unknown`
    first), 3D Slicer's alike (`.ctbl`, `*_ColorTable.txt`), or ITK-SNAP's label description file
    (`labels.txt` from Segmentation > Export Label Descriptions: `IDX R G B A VIS MSH "LABEL"`,
    `0 ... "Clear Label"` first), or EISeg's label list (PaddleSeg's interactive labeller: `labels.txt`
    of `id name R G B` lines, `1 person 128 0 0`, no line for 0). Their ids are the tool's label ids,
    numbered at will, and the table names every class (`ValueNames.complete`); a 0 it leaves out is
    the background, the tool's value of unlabelled pixels (not a gap to ignore). None
    unless every other line is one and the ids differ, so that any text file beside the data can be tried.

    Raises:
        DataError: an unreadable file, naming it.
    """
    path = Path(path)
    lines = _stripped_lines(path, "colour look-up table")
    found = [next((m for line_form in _LUT_LINES if (m := line_form.fullmatch(line))), None)
             for line in lines if line and not line.startswith("#")]
    rows = [(int(m["id"]), m["name"].strip()) for m in found if m is not None]
    names = dict(rows)
    if len(rows) < 2 or len(rows) < len(found) or len(names) < len(rows):
        return None
    return ValueNames(path, dict(sorted(({0: "background"} | names).items())), complete=True)


def value_names_from_label_json(path: str | Path) -> ValueNames | None:
    """Names of mask values from a JSON whose "labels" list names value i at position i, as
    Mapillary Vistas' config_v2.0.json does (`{"labels": [{"name": "animal--bird",
    "readable": "Bird", "color": [...]}, ...]}`); the readable name where there is one, and the
    last label as void when it alone is `"evaluate": false`. Also Supervisely's
    obj_class_to_machine_color.json (`{"car": [1, 1, 1], "road": [2, 2, 2]}`: the value each class
    has in its `masks_machine/`, 0 being the background), and an object of names to values 0, 1,
    ... (VSPW's label_num_dic_final.json: `{"others": 0, "wall": 1, ...}`, `numbered_names`), and
    a list of categories naming their ids (VIPSeg's panoVIPSeg_categories.json: `[{"id": 0,
    "name": "wall", "isthing": 0}, ...]`), or Segments.ai's release JSON listing them
    (`_release_categories`), or a list of defects naming their pixel values (MVTec LOCO AD's
    `defects_config.json`, `_defect_values`), or PixelAnnotationTool's `config.json` of labels by
    name (`_labels_by_name`), or a file of the Oriented Bounding Box schema naming each category's
    value in the masks (DeepScores v2's `deepscores_train.json`, `_category_colours`). None for any
    other JSON, so that any file beside the data can be tried. A file larger than a class table
    holds annotations: only its head is read, for the categories named before them (`_head_categories`).

    Raises:
        DataError: an unreadable file, or JSON that repeats a key in one object, naming it.
    """
    path = Path(path)
    try:
        if path.stat().st_size > CLASS_TABLE_BYTES:
            return _head_categories(path)
        values = json_value(regular_text(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, RepeatedKeyError) as err:  # a repeated key: JSON, but a corrupt export
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    except (ValueError, RecursionError):  # not JSON, a number past int()'s 4,300 digits, or nesting past any class list
        return None
    numbered = _machine_colours(values) or numbered_names(values) or _category_ids(values) \
        or _release_categories(values) or _defect_values(values) or _labels_by_name(values) \
        or _category_colours(values)
    if numbered is not None and len(numbered) > 1:  # one name is no table
        return ValueNames(path, numbered)
    labels = values.get("labels") if isinstance(values, dict) else None
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, dict) and x.get("name") for x in labels):
        return None
    names = [str(x.get("readable") or x["name"]) for x in labels]
    if len(set(names)) < len(names):
        names = [str(x["name"]) for x in labels]
    unscored = [i for i, x in enumerate(labels) if x.get("evaluate") is False]
    void = unscored[0] if unscored == [len(labels) - 1] else None  # Mapillary's last label, 'Unlabeled'
    return ValueNames(path, dict(enumerate(names)), void)


def _head_categories(path: Path) -> ValueNames | None:
    """`_release_categories` or `_category_colours` of a JSON too large to parse whole, from the
    values of `_HEAD_KEYS` its first `CLASS_TABLE_BYTES` hold, each parsed alone: DeepScores v2's
    deepscores_train.json keeps its 270 categories before a million annotations, which parsed took
    ten times the file's size in memory (2 GB for 240 MB) to name five values; a Segments.ai
    release of some thousand samples names its categories before them."""
    head, values = file_head(path, CLASS_TABLE_BYTES), {}
    for found in _HEAD_KEYS.finditer(head):
        if found[1] not in values:
            try:
                values[found[1]] = json.JSONDecoder().raw_decode(head, found.end())[0]
            except (ValueError, RecursionError):  # cut off by the head's end, or no JSON value
                continue
    names = _release_categories({"dataset": values}) or _category_colours(values)
    return ValueNames(path, names) if names is not None and len(names) > 1 else None


def _release_categories(values: Any) -> dict[int, str] | None:
    """Segments.ai's release JSON (`{"dataset": {"task_attributes": {"categories": [{"id": 1,
    "name": "cell", ...}, ...]}, "samples": [...]}}`): its semantic bitmaps hold each pixel's
    category id, 0 where no object is, the background unless a category is 0. None for any other JSON."""
    dataset = values.get("dataset") if isinstance(values, dict) else None
    task = dataset.get("task_attributes") if isinstance(dataset, dict) else None
    names = _category_ids(task.get("categories")) if isinstance(task, dict) else None
    if not names:
        return None
    return names if 0 in names else {0: "background", **names}


def _labels_by_name(values: Any) -> dict[int, str] | None:
    """PixelAnnotationTool's `config.json` (`{"labels": {"road": {"id": 1, "color": [128, 64, 128],
    "categorie": "flat", ...}, ...}}`): the id each label has in its masks. None for any other JSON."""
    labels = values.get("labels") if isinstance(values, dict) else None
    if not isinstance(labels, dict) or not all(isinstance(x, dict) for x in labels.values()):
        return None
    return _category_ids([{"name": str(name), **label} for name, label in labels.items()])


def _category_colours(values: Any) -> dict[int, str] | None:
    """The Oriented Bounding Box schema's categories (obb_anns; DeepScores v2's `deepscores_train.json`:
    `{"annotation_sets": ["deepscores", "muscima++"], "categories": {"1": {"name": "brace",
    "annotation_set": "deepscores", "color": 1}, ...}}`): the grey value (`color`) each category of
    the first annotation set has in the `_seg.png` masks, 0 being the background. None for any
    other JSON, and where two categories of the set share a value."""
    categories = values.get("categories") if isinstance(values, dict) else None
    if not isinstance(categories, dict) or not all(isinstance(x, dict) for x in categories.values()):
        return None
    sets = values.get("annotation_sets")
    first = sets[0] if isinstance(sets, list) and sets else None
    names = _category_ids([x for x in categories.values() if first is None or x.get("annotation_set") == first],
                          "color")
    return {0: "background", **names} if names and 0 not in names else names


def _defect_values(values: Any) -> dict[int, str] | None:
    """MVTec LOCO AD's `defects_config.json` (`[{"defect_name": "missing_almonds", "pixel_value":
    255, ...}, ...]`): the value each defect has in its masks, 0 being the defect-free background.
    None for any other JSON."""
    names = _category_ids(values, "pixel_value", "defect_name")
    return {0: "background", **names} if names and 0 not in names else names


def _category_ids(values: Any, id_key: str = "id", name_key: str = "name") -> dict[int, str] | None:
    """Names by id from a list of categories, each `{"id": ..., "name": ...}` (or of other keys),
    the ids differing; None for any other JSON."""
    if not isinstance(values, list) or not all(isinstance(x, dict) for x in values):
        return None
    rows = [(x.get(id_key), x.get(name_key)) for x in values]
    if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 and isinstance(n, str) and n for i, n in rows):
        return None
    names = dict(rows)
    return dict(sorted(names.items())) if len(names) == len(rows) else None


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
        values = load_yaml(regular_text(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"class list '{path}' cannot be read: {err}") from None
    except yaml.YAMLError as err:
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
    """Names of mask values from a CSV with a name column (name, class_name) and an index column
    (idx, id, index, value or label_key): ADE20K's objectInfo150.csv (`Idx, Ratio, Train, Val,
    Name`) or the tab-separated objectInfo150.txt of its zip, Roboflow's `_classes.csv` (`Pixel
    Value, Class`: there the class column holds the names), BCSS's tab-separated `gt_codes.tsv`
    (`label, GT_code`), NuCLS' `nucleus_GTcodes.csv` (`group, overlay_order, GT_code, ...`), GOOSE's `goose_label_mapping.csv` (`label_key, class_name, ...`),
    a table of grey codes (the EL solar-cell benchmark's `Class, Desc, ..., Label, Gray`: grey masks
    hold its Gray values, which are the classes its Label column numbers, named by Desc; it declares
    every class, so grey 255 is one where it names it);
    or a list of names pandas wrote with its index (`Series.to_csv`: People Clothing
    Segmentation's `labels.csv`, `,label_list` then `0,null`, `1,accessories`, ...). None
    when the header has no such columns or no row follows, so that any CSV beside the data can
    be tried.

    A name listing synonyms (`building;edifice`, the .txt's `building, edifice`) is shortened
    to its first (`short_names`).

    Raises:
        DataError: an unreadable file, or a row without an integer index (and class id) or a name,
            with one below 0 or past `MAX_MASK_VALUE`, or with an index (or class id) listed
            before, naming the file and row.
    """
    path = Path(path)
    header, rows = _csv_rows(path)
    if _pandas_names(header, rows):
        index_column, name_column = 0, 1
    else:
        index_column = next((header.index(c) for c in INDEX_COLUMNS if c in header), None)
        paired = _NAME_COLUMNS.get(header[index_column], ()) if index_column is not None else ()
        named = next((c for c in (*NAME_COLUMNS, *paired) if c in header), None)
        if named is None or index_column is None or len(rows) < 2:
            return None
        name_column = header.index(named)
    value_column = header[index_column]
    id_column = next((header.index(c) for c in _CLASS_ID_COLUMNS.get(value_column, ()) if c in header), None)
    numbered = f"an integer {value_column}" + (f" and {header[id_column]}" if id_column is not None else "")
    full: dict[int, str] = {}
    ids: dict[int, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            value, name = int(row[index_column]), row[name_column].strip()
            class_id = int(row[id_column]) if id_column is not None else None
        except (IndexError, ValueError):
            raise DataError(f"class list '{path}', row {number}: expected {numbered} and a name; got {row}") from None
        numbers = [(value_column, value, "mask value")]
        if id_column is not None and class_id is not None:
            numbers.append((header[id_column], class_id, "class id"))
        for column, given, what in numbers:
            if not 0 <= given <= MAX_MASK_VALUE:
                raise DataError(f"class list '{path}', row {number}: {column} {given} is no {what} (0 to "
                                f"{MAX_MASK_VALUE}, a 16-bit mask's); fix the row, or name the classes in classes.json")
        if not name or value in full or class_id in ids.values():
            problem = "an empty name" if not name else f"{value_column} {value} named before" if value in full \
                else f"{header[id_column]} {class_id} given before"
            raise DataError(f"class list '{path}', row {number}: {problem}")
        full[value] = name
        if class_id is not None:
            ids[value] = class_id
    if not full:  # a header and blank lines only
        return None
    # grey codes are no class ids: the values the table skips are no classes
    return ValueNames(path, short_names(full), complete=value_column in _CLASS_ID_COLUMNS,
                      class_order=tuple(sorted(ids, key=ids.__getitem__)))


_PANDAS_INDEX = ("", "unnamed: 0")  # how pandas heads the index it writes, and the column it reads back


def _pandas_names(header: list[str], rows: list[list[str]]) -> bool:
    """Whether a CSV is one named column pandas wrote with its index (`Series.to_csv`: `,label_list`),
    a name a row: text, not numbers (a Series of pixel counts is no class list)."""
    if len(header) != 2 or header[0] not in _PANDAS_INDEX or header[1] in _PANDAS_INDEX or len(rows) < 2:
        return False
    return not any(_is_number(row[1]) for row in rows[1:] if len(row) > 1)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def short_names(full: dict[int, str]) -> dict[int, str]:
    """Each name listing synonyms (`building;edifice`, `building, edifice`) shortened to its
    first: class tables and per-class scores need one short name, and the first is the common
    one. The whole string is kept where the first would name two values."""
    first = {value: re.split("[;,]", name)[0].strip() or name for value, name in full.items()}
    taken = Counter(first.values())
    return {v: short if taken[short] == 1 else full[v] for v, short in first.items()}
