"""A JSON file named for one split whose `images` list holds that split's image entries, each
naming its file: DeepScores v2's `deepscores_train.json` and `deepscores_test.json` (the Oriented
Bounding Box schema: `{"categories": {...}, "images": [{"id": 1, "filename": "lg-...png", ...}],
"annotations": {...}}`), COCO's `instances_val2017.json` (`file_name`). Read as that split's
list, a megabyte at a time: a file of a million objects is never held whole."""

from __future__ import annotations

import json
import re
from pathlib import Path

from seglab.data.classes.text_files import file_head, open_regular
from seglab.data.splitting.list_names import named_split
from seglab.errors import DataError

JSON_SUFFIX = ".json"
# an image entry's file: COCO's `file_name`, the OBB schema's `filename`
_ENTRY_NAME = re.compile(rb'"(?:file_name|filename)"\s*:\s*"((?:[^"\\]|\\.){1,4096})"')
_IMAGES = re.compile(r'"images"\s*:\s*\[\s*\{')  # the head shows the list of image entries
_PIECE = 1 << 20  # read at a time
_OVERLAP = 1 << 13  # kept of a piece's end: an entry cut there is matched whole with the next


def lists_images(path: Path) -> bool:
    """Whether `path` is a JSON object named for one split (`deepscores_train.json`) whose head
    shows an `images` list of entries naming their files."""
    if path.suffix.lower() != JSON_SUFFIX or named_split(path.stem, "") is None:
        return False
    head = file_head(path)
    return head.lstrip().startswith("{") and _IMAGES.search(head) is not None \
        and _ENTRY_NAME.search(head.encode()) is not None


def image_entry_names(path: Path) -> list[str]:
    """The file names the image entries of `path` give (any `file_name` or `filename` in it).

    Raises:
        DataError: a file that cannot be read, naming it.
    """
    names: list[str] = []
    tail = b""
    try:
        with open_regular(path) as file:
            while piece := file.read(_PIECE):
                window = tail + piece
                end = 0
                for match in _ENTRY_NAME.finditer(window):
                    names.append(json.loads(b'"' + match[1] + b'"'))
                    end = match.end()
                tail = window[max(end, len(window) - _OVERLAP):]
    except (OSError, ValueError) as err:
        raise DataError(f"split list '{path}' cannot be read: {err}") from None
    return names
