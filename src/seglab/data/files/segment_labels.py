"""The labels a label volume's NRRD header names, as the tool that drew them shows them: 3D
Slicer's `.seg.nrrd` segments (`Segment0_Name:=liver`, `Segment0_LabelValue:=1`,
`Segment0_Color:=0.8 0.3 0.2`) and MITK's multi-label segmentations, whose label values keep the
gaps of deleted labels (Liver 1, Tumor 3):

- MITK 2023.12 and later write JSON: `modality:=org.mitk.multilabel.segmentation` and
  `org.mitk.multilabel.segmentation.labelgroups:=[{"labels": [{"name": "Liver", "value": 1,
  "color": ...}, ...]}]`, a group per layer;
- older MITK wrote `modality:=org.mitk.image.multilabel`, `layers:=1`, `layer_000:=<count>` and
  per label `org.mitk.label_000_<k>:=<Label><property key="name"><string value="Liver"/>...`
  XML, its first label (value 0, "Exterior") the unlabelled pixels; this form is read as MITK's
  legacy reader (`mitkLegacyLabelSetImageIO.cpp`) parses it, not checked against a saved file.

Labels in several layers or groups (they overlap) give none: `read_nrrd` refuses such a file.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from seglab.data.classes.json_text import json_value
from seglab.data.classes.value_names import MAX_MASK_VALUE
from seglab.data.files.metaimage import nrrd_header
from seglab.errors import DataError

Colour = tuple[int, int, int]
_MITK_GROUPS = "org.mitk.multilabel.segmentation.labelgroups"


def segment_labels(path: Path) -> dict[int, tuple[str, Colour | None]]:
    """The labels an NRRD's header names, by label value: (name, colour); empty for a header
    naming none, of labels in several layers, or a file that cannot be read.

    Raises:
        DataError: a 3D Slicer segment's label value below 0 or past a 16-bit mask's, naming the
            file, its line and the value.
    """
    try:
        head = nrrd_header(path)
    except DataError:
        return {}
    fields = dict(re.findall(r"^([^:\n]+):=(.*)$", head, re.MULTILINE))
    return _slicer_segments(head, path) or _mitk_labels(fields) or _legacy_mitk_labels(fields)


def _slicer_segments(head: str, path: Path) -> dict[int, tuple[str, Colour | None]]:
    """3D Slicer's segments, from its `Segment<k>_Name`, `_LabelValue` and `_Color` keys."""
    fields: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}  # the line of each segment's label value
    for found in re.finditer(r"^Segment(\d+)_(\w+):=(.*)$", head, re.MULTILINE):
        number, key, value = found.groups()
        fields.setdefault(number, {})[key] = value.strip()
        if key == "LabelValue":
            lines[number] = head.count("\n", 0, found.start()) + 1
    if len({f.get("Layer", "0") for f in fields.values()}) > 1:
        return {}
    segments = {}
    for number, f in fields.items():
        try:
            value = int(f["LabelValue"])
        except (KeyError, ValueError):
            continue
        if not 0 <= value <= MAX_MASK_VALUE:
            raise DataError(f"3D Slicer segmentation '{path}', line {lines[number]}: Segment{number}_LabelValue "
                            f"{value} is no mask value (0 to {MAX_MASK_VALUE}, a 16-bit mask's); set it in Slicer's "
                            "Segment Editor and save again, or name the classes in classes.json")
        segments[value] = (f.get("Name") or f"segment {value}", _colour(_numbers(f.get("Color", ""))[:3]))
    return segments


def _mitk_labels(fields: dict[str, str]) -> dict[int, tuple[str, Colour | None]]:
    """MITK's labels from its `labelgroups` JSON, of one group; colours given as 0-1 fractions,
    0-255 numbers or `{"type": "ColorProperty", "value": [...]}` as MITK reads them."""
    try:
        groups = json_value(fields.get(_MITK_GROUPS, "null"))
    except (ValueError, RecursionError):  # not JSON, or nested past any label list
        return {}
    found = groups[0].get("labels") if isinstance(groups, list) and len(groups) == 1 and isinstance(groups[0], dict) \
        else None
    if not isinstance(found, list):
        return {}
    labels = {}
    for label in found:
        value = label.get("value") if isinstance(label, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            continue
        colour = label.get("color")
        colour = colour.get("value") if isinstance(colour, dict) else colour
        labels[value] = (str(label.get("name") or f"label {value}"), _colour(colour))
    return labels


def _legacy_mitk_labels(fields: dict[str, str]) -> dict[int, tuple[str, Colour | None]]:
    """Older MITK's labels, an XML `<Label>` per `org.mitk.label_000_<k>` key, of one layer."""
    if fields.get("modality", "").strip() != "org.mitk.image.multilabel" or fields.get("layers", "").strip() != "1":
        return {}
    labels = {}
    for key in sorted(k for k in fields if re.fullmatch(r"(org\.mitk\.)?label_000_\d+", k.strip())):
        try:
            label = ElementTree.fromstring(fields[key].replace("\\n", "\n"))
            value = int(label.find("property[@key='value']/*").get("value", ""))  # type: ignore[union-attr]
            name = label.find("property[@key='name']/*").get("value")  # type: ignore[union-attr]
        except (ElementTree.ParseError, AttributeError, ValueError):
            continue
        if value > 0 and name:  # 0: MITK's "Exterior", the unlabelled pixels
            labels[value] = (name, None)
    return labels


def _numbers(text: str) -> list[float]:
    """The numbers of a space-separated header value (Slicer's `0.8 0.3 0.2`); none where any
    word is no decimal number (`0..5` too, which the header's digits and dots may spell)."""
    try:
        return [float(word) for word in text.split()] if re.fullmatch(r"[\d.\s]+", text) else []
    except ValueError:
        return []


def _colour(channels: object) -> Colour | None:
    """An RGB colour of 0-1 fractions, or of 0-255 numbers where one is above 1, as bytes; None
    for anything else: not three numbers, or one not finite (JSON's NaN and Infinity, an integer
    of 400 digits), which rounding and dividing raised on (ValueError, OverflowError)."""
    if not isinstance(channels, list) or len(channels) != 3 or not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) for c in channels):
        return None
    try:
        numbers = [float(c) for c in channels]
    except OverflowError:
        return None
    if not all(map(math.isfinite, numbers)):
        return None
    fractions = [c / 255 for c in numbers] if max(numbers) > 1 else numbers
    return tuple(int(round(255 * min(max(c, 0.0), 1.0))) for c in fractions)  # type: ignore[return-value]
