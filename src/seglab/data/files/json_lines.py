"""JSON Lines files (a JSON object a line: Hugging Face's `metadata.jsonl`, Labelbox's and the cloud
labelling services' exports, HuBMAP's `polygons.jsonl`) read one way: opened only when a regular
file (`open_regular`: a FIFO is never waited on), blank lines passed over, each error naming the
file and the line. What each object must hold is its reader's to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import open_regular
from seglab.errors import DataError

_SHOWN = 60  # the characters of a line that is no object quoted in its error


def json_object_lines(path: Path, what: str, shape: str = "") -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON object of each line that is not blank, by line number (from 1), read as it goes.

    Args:
        what: what the file is, for the errors ("manifest", "Labelbox export").
        shape: the object a line should be, said when a line holds another value.

    Raises:
        DataError: unreadable, or a line that is no JSON or no object, naming `what`, the file and the line.
    """
    try:
        with open_regular(path, "r", encoding="utf-8-sig") as file:  # -sig: a BOM a Windows editor wrote
            for number, text in enumerate(file, start=1):
                if text.strip():
                    yield number, _json_object(text, path, what, number, shape)
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{what} '{path}' cannot be read: {err}") from None


def _json_object(text: str, path: Path, what: str, number: int, shape: str) -> dict[str, Any]:
    try:
        value = json_value(text)
    except (ValueError, RecursionError) as err:  # ValueError: a number past int()'s 4,300 digits too
        raise DataError(f"{what} '{path}' line {number} is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise DataError(f"{what} '{path}' line {number} must be an object{', ' + shape if shape else ''}; "
                        f"got {text.strip()[:_SHOWN]}")
    return value
