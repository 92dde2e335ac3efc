"""Class names and mask colours listed in a dataset's README.md, where it ships no other class table:
a line per class naming it beside its `#rrggbb` code, in a markdown table (`| road | #402020 |`) or
in plain lines (comma10k's ` 1 - #402020 - road (all parts, anywhere ...)`), in the README's order.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.classes.class_tables import colour_table
from seglab.data.classes.colours import hex_colour
from seglab.data.classes.spec import ClassSpec

README_FILE = "README.md"
_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
_AROUND_NAME = re.compile(r"^[\s\d|:.)\-]*|[\s|:\-]*$")  # ids, dashes and table bars before and after a name
_MIN_ROWS = 2  # one colour in a README is an example, not a class table


def classes_from_readme(path: Path) -> ClassSpec | None:
    """The classes of the lines of `path` naming one colour each (see the module docstring), or
    None: an unreadable README, or fewer than `_MIN_ROWS` such lines, or a colour listed twice."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    rows = [row for line in lines if (row := _named_colour(line)) is not None]
    if len(rows) < _MIN_ROWS or len({colour for _, colour in rows}) < len(rows):
        return None
    return colour_table(rows, f"README '{path}'")


def _named_colour(line: str) -> tuple[str, tuple[int, int, int]] | None:
    """(name, colour) of a line holding one `#rrggbb` code and a name: for a table row its first
    cell of letters besides the code's, else the text around the code less ids and a remark in
    parentheses."""
    codes = _HEX.findall(line)
    if len(codes) != 1:
        return None
    text = line.replace(codes[0], "|" if "|" in line else " - ")
    parts = text.split("|") if "|" in line else [re.sub(r"\(.*", "", text)]
    names = [name for part in parts if re.search(r"[a-zA-Z]", name := _AROUND_NAME.sub("", part.strip()))]
    if not names:
        return None
    return re.sub(r"\s+", " ", names[0].strip(" -")), hex_colour(codes[0], f"README line '{line.strip()}'")
