"""Names of label raster values from a STAC catalogue's label extension: the `label:classes` of
a label collection's summaries (AgriFieldNet's `<P>_labels_train/collection.json`) or, where the
collection has none, of its first item's properties (`<P>_labels_train/<item>/stac.json`). Each
class object lists the values of one label asset; where they are numbered names (`"1: Wheat"`,
`"36 - Rice"`), they name the mask values. Bare values or bare names name none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seglab.data.classes.class_tables import small_json
from seglab.data.classes.readme_values import names_by_value, numbered_name
from seglab.data.classes.value_names import ValueNames

_LABEL_CLASSES = "label:classes"


def value_names_from_stac(path: Path) -> ValueNames | None:
    """Names of mask values from a STAC collection or item JSON (see the module docstring); None
    for any other JSON, or one whose class objects list no numbered names, so that any JSON beside
    the data can be tried.

    Raises:
        DataError: an unreadable file, naming it.
    """
    stac = small_json(path)
    if not isinstance(stac, dict) or stac.get("type") not in ("Collection", "Feature"):
        return None
    if stac["type"] == "Feature":
        return _named(path, stac.get("properties"))
    return _named(path, stac.get("summaries")) or _first_item_names(path.parent)


def _first_item_names(folder: Path) -> ValueNames | None:
    """The names the first item in a collection's folder per item lists: its items list the same classes."""
    item = next(iter(sorted(folder.glob("*/*.json"))), None)
    if item is None or not item.is_file():
        return None
    stac = small_json(item)
    return _named(item, stac.get("properties")) if isinstance(stac, dict) and stac.get("type") == "Feature" else None


def _named(path: Path, holder: Any) -> ValueNames | None:
    """Names by value of the first class object under `label:classes` in an item's properties or
    a collection's summaries (`holder`) whose classes are all numbered names."""
    listed = holder.get(_LABEL_CLASSES) if isinstance(holder, dict) else None
    for class_object in listed if isinstance(listed, list) else []:
        classes = class_object.get("classes") if isinstance(class_object, dict) else None
        if not isinstance(classes, list):
            continue
        entries = [entry for c in classes if isinstance(c, str) and (entry := numbered_name(c)) is not None]
        names = names_by_value(entries) if len(entries) == len(classes) else None
        if names is not None:
            return ValueNames(path, dict(sorted(names.items())))
    return None
