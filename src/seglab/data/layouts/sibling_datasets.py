"""A folder no layout reads that holds datasets side by side, each read by a layout of its own:
SegInW's 25 Roboflow COCO exports (`seginw/Airplane-Parts/train/_annotations_min1cat.coco.json`,
`seginw/Fruits/...`), a benchmark's tasks unpacked into one folder. Read together, their classes
would be one set; seglab reads one a run and names them, where "no known dataset layout" named none.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from pathlib import Path

from seglab.data.discovery.folders import visible_folders
from seglab.data.discovery.naming import folder_split
from seglab.data.files.index import natural_key
from seglab.data.layouts.wrapper_folders import wrapped_folder
from seglab.errors import DataError

_MOST_FOLDERS = 64  # folders looked into, each as discover would: more are no handful of datasets side by side
_SHOWN = 6  # datasets the refusal names


def refuse_sibling_datasets(root: Path, layout_of: Callable[[Path], str | None]) -> None:
    """Refuse `root` (or the folder it wraps) when two or more of its folders, none named for a
    split, each read as a dataset: `layout_of(folder)` names the layout that reads it, else None.

    Raises:
        DataError: naming the datasets, their layouts, and one to pass as DATA.
    """
    holder = wrapped_folder(root)
    folders = [f for f in visible_folders(holder) if folder_split(f.name) is None]
    if not 2 <= len(folders) <= _MOST_FOLDERS:
        return
    datasets = {folder: layout for folder in sorted(folders, key=lambda p: natural_key(p.name))
                if (layout := _layout(folder, layout_of)) is not None}
    if len(datasets) < 2:
        return
    more = len(datasets) - _SHOWN
    names = ", ".join(f"{folder.name}/ ({layout})" for folder, layout in list(datasets.items())[:_SHOWN])
    first = next(iter(datasets))
    raise DataError(f"'{holder}' holds {len(datasets)} separate datasets ({names}{f' and {more} more' * (more > 0)}), "
                    f"each read by a layout of its own, whose classes read together would be one set: pass one as "
                    f"DATA: seglab inspect {shlex.quote(str(first))}")


def _layout(folder: Path, layout_of: Callable[[Path], str | None]) -> str | None:
    """The layout that reads `folder`; None where none does, or one that fits refuses it (its
    refusal is said when the folder is passed as DATA). Quietly: what a layout warns of a folder
    looked into (Dermofit's `BCC/`: masks no naming pairs) is said when that folder is DATA, not
    once more for each folder of the one refused."""
    seglab = logging.getLogger("seglab")
    level = seglab.level
    seglab.setLevel(logging.ERROR)
    try:
        return layout_of(folder)
    except DataError:
        return None
    finally:
        seglab.setLevel(level)
