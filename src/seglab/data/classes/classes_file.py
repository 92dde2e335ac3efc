"""Reading classes.json, the file naming a dataset's classes (or Supervisely's list under that name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seglab.data.classes.colours import hex_colour
from seglab.data.classes.spec import ClassSpec
from seglab.errors import DataError


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
