"""Classes named by annotation files (COCO categories, a labelling tool's label list).

`refuse_unnamed` stops where annotations use labels that a given classes.json does not name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from seglab.data.classes.colours import BACKGROUND_COLOUR, default_colours
from seglab.data.classes.names import is_void, label_key
from seglab.data.classes.spec import ClassSpec
from seglab.errors import DataError

log = logging.getLogger(__name__)

VOID_LABEL = 255  # the ignore label of the pixels of a label named like void


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


def label_classes(labels: Sequence[str], source: str, classes: ClassSpec | None = None) -> dict[str, str | None]:
    """Each drawn label's class: None for a label named like void (`is_void`: TTPLA's `void`),
    painted as the ignore label as the void rows of class tables are; else the one spelling of the
    labels equal but for case and separators (TTPLA's `Cable` and `cable`), the lower-case one
    when drawn, else the first: annotators' typos, not two classes. A label that `classes`
    (classes.json, a run's classes) names is its own class, and its look-alikes are that class,
    void-like or not: so a run's classes read the labels as its training did. Logs what it merged
    and voided.
    """
    own = set(classes.names) if classes else set()
    class_of_key = {label_key(name): name for name in reversed(classes.names)} if classes else {}
    spellings: dict[str, list[str]] = {}
    for label in labels:
        spellings.setdefault(label_key(label), []).append(label)
    merged: dict[str, str | None] = {}
    for key, alike in spellings.items():
        kept = class_of_key.get(key) or next((s for s in alike if s == s.lower()), alike[0])
        if len([s for s in alike if s not in own or s == kept]) > 1:
            log.info("%s: labels %s are one class, '%s' (they differ only in case or separators)",
                     source, ", ".join(f"'{s}'" for s in alike), kept)
        merged |= {s: s if s in own else kept if key in class_of_key or not is_void(s) else None for s in alike}
    voided = [label for label, kept in merged.items() if kept is None]
    if voided:
        log.info("%s: labels %s painted as the ignore label %d (a name that says no class); name them in a "
                 "classes.json (--classes) to train them", source, ", ".join(f"'{s}'" for s in voided), VOID_LABEL)
    return merged


def tool_values(classes: Mapping[str, str | None], value: Mapping[str, int]) -> dict[str, int]:
    """`value` (each class's mask value) for every label of `label_classes`: a merged spelling
    takes its class's value, a void label `VOID_LABEL`."""
    return {label: VOID_LABEL if kept is None else value[kept] for label, kept in classes.items()
            if kept is None or kept in value}


def tool_classes(labels: Sequence[str], colours: Mapping[str, tuple[int, int, int]] | None, source: str,
                 multilabel: bool, classes: ClassSpec | None = None) -> tuple[ClassSpec, dict[str, int]]:
    """The classes of a labelling tool's label list (Supervisely's meta.json, CVAT's labels), and
    each label's value in the masks: the background (0), then `labels` (those objects use, in the
    tool's order) in the tool's `colours` unless two share one (the tools allow it, overlays
    cannot); a label named background paints the background. Under `multilabel` there is no
    background class and label k is channel k, counted from 1. `classes` (classes.json) replaces
    the names and colours; labels it does not name are merged and voided as `label_classes` says.

    Raises:
        DataError: names that make no classes, with `source` naming the file.
    """
    merged = label_classes(labels, source, classes)
    named = [label for label in dict.fromkeys(k for k in merged.values() if k) if label.lower() != "background"]
    shown = named if multilabel else ["background", *named]
    chosen = [colours.get(name, BACKGROUND_COLOUR) for name in shown] if colours else None
    if chosen and len(set(chosen)) < len(chosen):
        chosen = None
    spec = classes or shipped_classes(shown, source, None, chosen)
    if None in merged.values() and spec.ignore_index is None:
        spec = replace(spec, ignore_index=VOID_LABEL)
    first = 1 if multilabel else 0
    value = {label: 0 for label in labels if label.lower() == "background"}
    value |= {name: k + first for k, name in enumerate(spec.names)}
    return spec, value | tool_values(merged, value)


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
