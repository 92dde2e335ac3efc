"""Names of mask values from a Hugging Face dataset card (the README.md a Hub repository ships),
whose YAML front matter lists the columns under `dataset_info: features:`.

A list of ClassLabel values per row (`sequence: class_label: names:`, `list:` in datasets 4)
names the classes found on an image, so its names are the mask values'. A ClassLabel column
alone is one category per image (scene_parse_150's `scene_category`, a lesion's benign or
malignant): not the masks' classes, so it is not read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from seglab.data.classes.class_tables import numbered_names
from seglab.data.classes.value_names import ValueNames
from seglab.data.classes.yaml_files import load_yaml

CARD_FILE = "README.md"
_FENCE = "---"
_LIST_KEYS = ("sequence", "list")  # the Sequence feature's key in datasets 2-3, and in datasets 4


def card_value_names(path: Path) -> ValueNames | None:
    """Names of mask values from a card's list-of-ClassLabel feature (see the module docstring);
    None for a card without one, or one whose front matter is no YAML: any README may be tried."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0].strip() != _FENCE or _FENCE not in (line.strip() for line in lines[1:]):
        return None
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    try:
        front = load_yaml("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return None
    for feature in _features(front):
        names = _listed_class_names(feature)
        if names is not None and len(names) > 1:
            return ValueNames(path, names)
    return None


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
    names = label.get("names") if isinstance(label, dict) else None
    if isinstance(names, list):  # older cards list the names in order
        names = dict(enumerate(names))
    return numbered_names({str(k): str(v) for k, v in names.items()}) if isinstance(names, dict) else None
