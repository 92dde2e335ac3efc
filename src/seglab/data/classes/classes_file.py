"""Reading classes.json, the file naming a dataset's classes (or Supervisely's list, or an id to
name object, under that name)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_text
from seglab.data.classes.class_tables import numbered_names
from seglab.data.classes.colours import hex_colour
from seglab.data.classes.spec import ClassSpec
from seglab.errors import DataError


def load_classes_file(path: str | Path) -> ClassSpec:
    """Read classes.json: {"names": [...], "colours": [[r, g, b], ...], "ignore_index": int}.

    Supervisely's class list is read too, as datasets exported from it ship it under that name
    (the Dubai aerial imagery's `{"classes": [{"title": "Water", "color": "#E2A929"}, ...]}`):
    titles are the names, colours the mask colours, in the file's order. So is an object of class
ids to names (`{"0": "background", "1": "road"}`, Hugging Face's `id2label` and many
repositories' classes.json), its ids 0 to K-1.

    Raises:
        DataError: missing file, invalid JSON or bad content; the message names the file.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"classes file '{path}' is a folder; name the JSON file (e.g. '{path / 'classes.json'}')")
    try:
        text = regular_text(path, encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"classes file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"classes file '{path}' cannot be read: {err}") from err
    try:
        values = json_value(text)
    except ValueError as err:  # JSONDecodeError, or a number of more digits than int() reads (4,300)
        raise DataError(f"classes file '{path}' is not valid JSON: {err}") from None
    except RecursionError:
        raise DataError(f"classes file '{path}' is nested too deeply to be a classes.json") from None
    try:
        return ClassSpec.from_dict(_from_supervisely(values) if _is_supervisely(values) else
                                   _from_id_names(values) if _is_id_names(values) else values)
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


_ID = re.compile(r"[0-9]+")


def _is_id_names(values: Any) -> bool:
    """Whether a JSON value is an object of class ids to names: every key an integer, every value a string."""
    return isinstance(values, dict) and bool(values) and all(
        _ID.fullmatch(key) and isinstance(name, str) for key, name in values.items())


def _from_id_names(values: dict[str, str]) -> dict[str, Any]:
    """An id to name object (`{"0": "background", "1": "road"}`) as seglab's classes.json.

    Raises:
        ValueError: ids that are not 0 to K-1, naming them and the form that keeps a void id apart.
    """
    by_id = numbered_names(values)
    if by_id is None or len(by_id) < len(values):  # a gap, or one id written twice ("0", "00")
        ids = sorted(int(key) for key in values)
        shown = ", ".join(map(str, ids[:8])) + (", ..." if len(ids) > 8 else "")
        raise ValueError(f"class ids {shown} are not 0 to {len(ids) - 1}: classes.json numbers the "
                         "classes from 0 without gaps; renumber them (and map the mask values with --label-map), or "
                         f'for a void id above them write {{"names": [...], "ignore_index": {ids[-1]}}}')
    return {"names": list(by_id.values())}
