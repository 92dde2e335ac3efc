"""The class of each mask value an NDDS export names in `_object_settings.json` (Falling Things).

NVIDIA's Deep learning Dataset Synthesizer writes the file beside each capture folder's masks:
`exported_object_classes` lists the classes and `exported_objects` each object's `class` and its
`segmentation_class_id`, the value its pixels hold in the `.seg.png` masks of that folder.
"""

from __future__ import annotations

from pathlib import Path

from seglab.data.classes.class_tables import small_json

OBJECT_SETTINGS = "_object_settings.json"
_LARGEST_VALUE = 2**16  # a 16-bit mask's values; larger ids are no segmentation class


def object_setting_values(path: str | Path) -> dict[int, str] | None:
    """mask value -> class name from an NDDS `_object_settings.json`: each of its `exported_objects`,
    of a class `exported_object_classes` lists (when it lists any); None for a file of another
    shape, or naming one value for two classes.

    Raises:
        DataError: an unreadable file, naming it.
    """
    settings = small_json(Path(path))
    if not isinstance(settings, dict) or not isinstance(settings.get("exported_objects"), list):
        return None
    listed = settings.get("exported_object_classes")
    values: dict[int, str] = {}
    for entry in settings["exported_objects"]:
        name = entry.get("class") if isinstance(entry, dict) else None
        value = entry.get("segmentation_class_id") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or not isinstance(value, int) or isinstance(value, bool) \
                or not 0 < value < _LARGEST_VALUE:
            return None
        if isinstance(listed, list) and name not in listed:
            continue
        if values.setdefault(value, name) != name:
            return None
    return dict(sorted(values.items())) or None
