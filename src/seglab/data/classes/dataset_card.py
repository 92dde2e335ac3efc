"""Names of mask values from a Hugging Face dataset card (the README.md a Hub repository ships),
whose YAML front matter lists the columns under `dataset_info: features:`, or from the
`dataset_info.json` that `datasets`' `save_to_disk` writes, whose `features` object holds the same.

A list of ClassLabel values per row (`sequence: class_label: names:`, `list:` in datasets 4)
names the classes found on an image, so its names are the mask values'. A ClassLabel column
alone is one category per image (scene_parse_150's `scene_category`, a lesion's benign or
malignant): not the masks' classes, so it is not read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from seglab.data.classes.class_tables import numbered_names, small_json
from seglab.data.classes.readme_colours import readme_lines
from seglab.data.classes.value_names import ValueNames
from seglab.data.classes.yaml_files import load_yaml

CARD_FILE = "README.md"
INFO_FILE = "dataset_info.json"
_FENCE = "---"
_LIST_KEYS = ("sequence", "list")  # the Sequence feature's key in datasets 2-3, and in datasets 4
_LIST_TYPES = ("Sequence", "List")  # its `_type` in dataset_info.json, likewise


def card_value_names(path: Path) -> ValueNames | None:
    """Names of mask values from a card's list-of-ClassLabel feature (see the module docstring);
    None for a card without one, or one whose front matter is no YAML: any README may be tried."""
    lines = readme_lines(path)
    if not lines or lines[0].strip() != _FENCE or _FENCE not in (line.strip() for line in lines[1:]):
        return None
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    try:
        front = load_yaml("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return None
    return _first_names(path, [_listed_class_names(feature) for feature in _features(front)])


def info_value_names(path: Path) -> ValueNames | None:
    """Names of mask values from a `dataset_info.json`'s list-of-ClassLabel feature (`{"_type":
    "Sequence", "feature": {"_type": "ClassLabel", "names": [...]}}`, `"List"` in datasets 4, or
    `[{"_type": "ClassLabel", ...}]`), as from a card's; None for any other JSON.

    Raises:
        DataError: an unreadable file, naming it.
    """
    info = small_json(path)
    features = info.get("features") if isinstance(info, dict) else None
    if not isinstance(features, dict):
        return None
    return _first_names(path, [_info_class_names(feature) for feature in features.values()])


def _first_names(path: Path, found: list[dict[int, str] | None]) -> ValueNames | None:
    """The first of the features' names that names more than one value (one name is no table)."""
    names = next((names for names in found if names is not None and len(names) > 1), None)
    return ValueNames(path, names) if names is not None else None


def _features(front: Any) -> list[dict]:
    """The features of every configuration the card describes (`dataset_info` is a list of them
    when the repository has several)."""
    infos = front.get("dataset_info") if isinstance(front, dict) else None
    infos = infos if isinstance(infos, list) else [infos]
    return [f for info in infos if isinstance(info, dict) and isinstance(info.get("features"), list)
            for f in info["features"] if isinstance(f, dict)]


def _listed_class_names(feature: dict) -> dict[int, str] | None:
    """The names by value of a feature that is a list of ClassLabel values, else None."""
    listed = next((feature[key] for key in _LIST_KEYS if key in feature), None)
    label = listed.get("class_label") if isinstance(listed, dict) else None
    return _by_value(label.get("names") if isinstance(label, dict) else None)


def _info_class_names(feature: Any) -> dict[int, str] | None:
    """The names by value of a dataset_info.json feature that is a list of ClassLabel values, else None."""
    listed = (feature[0] if isinstance(feature, list) and len(feature) == 1 else
              feature.get("feature") if isinstance(feature, dict) and feature.get("_type") in _LIST_TYPES else None)
    is_label = isinstance(listed, dict) and listed.get("_type") == "ClassLabel"
    return _by_value(listed.get("names") if is_label else None)


def _by_value(names: Any) -> dict[int, str] | None:
    """ClassLabel names by value, from their list (in value order) or an object of values to names."""
    if isinstance(names, list):
        names = dict(enumerate(names))
    return numbered_names({str(k): str(v) for k, v in names.items()}) if isinstance(names, dict) else None
