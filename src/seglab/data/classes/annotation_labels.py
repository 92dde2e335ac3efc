"""Classes named by annotation files (COCO categories, a labelling tool's label list).

`refuse_unnamed` stops where annotations use labels that a given classes.json does not name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from seglab.data.classes.colours import BACKGROUND_COLOUR, default_colours
from seglab.data.classes.spec import ClassSpec
from seglab.errors import DataError


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
