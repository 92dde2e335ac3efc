"""Class names and mask colours listed in a dataset's README (README.md, README.txt), where it ships
no other class table, in the README's order: a line per class naming it beside its `#rrggbb` code,
in a markdown table (`| road | #402020 |`) or in plain lines (comma10k's ` 1 - #402020 - road (all
parts, anywhere ...)`); else beside its r, g, b numbers (`void (255,255,255)`, `road: 128, 64, 128`,
`road 128 64 128`), in a list of such lines or in one line of such entries (SemCity Toulouse's
`Classes and colours: void (255,255,255), impervious surfaces (38,38,38), ...`). Which files are
READMEs, and how one is read, is said here for every README reader (`readme_files`, `readme_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from seglab.data.classes.class_tables import colour_table
from seglab.data.classes.colours import hex_colour
from seglab.data.classes.spec import ClassSpec
from seglab.data.classes.text_files import capped_lines

_README_SUFFIXES = ("", ".md", ".txt")
_README_BYTES = 1 << 20  # a README lists its classes in its first pages; a larger one is not read whole
_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
_AROUND_NAME = re.compile(r"^[\s\d|:.)\-]*|[\s|:\-]*$")  # ids, dashes and table bars before and after a name
_MIN_ROWS = 2  # one colour in a README is an example, not a class table
_MIN_RGB_ROWS = 3  # three numbers in a row are common in prose (an ImageNet mean, then its std); a #rrggbb code is not
MAX_NAME_WORDS = 4  # 'impervious surfaces', 'forest & other vegetation'; more is a sentence, not a class name
_NUMBER = r"(?<![\d.])\d{1,3}(?![\d.])"  # no part of a longer number or a decimal
_RGB_ENTRY = re.compile(
    r"(?:^[\s\d.):*+-]*|[,;:]\s*(?:and\s+)?|\band\s+)"  # a line's start (less its bullet or number) or a separator
    r"(?P<name>[A-Za-z][\w '&/+-]*?)\s*[:=-]?\s*"
    rf"(?P<open>[(\[])?\s*(?P<r>{_NUMBER})(?:\s*,\s*|\s+)(?P<g>{_NUMBER})(?:\s*,\s*|\s+)(?P<b>{_NUMBER})\s*"
    r"(?(open)[)\]]|(?=$|\.\s*$|[,;]\s*[A-Za-z]|[-(]))"  # bare numbers end the line or the entry, or a remark follows
)


def readme_files(listed: Iterable[Path]) -> list[Path]:
    """The READMEs among a folder's entries (`listed`: the folder listing's, shared by its readers)
    that may hold a class table (README.md, README.txt, README; any case)."""
    return sorted(p for p in listed if p.name.lower().startswith("readme") and p.suffix.lower() in _README_SUFFIXES)


def readme_lines(path: Path) -> list[str] | None:
    """The lines of a README's first megabyte (`capped_lines`); None when it cannot be read as text
    (`side_text`): any README may be tried."""
    try:
        return capped_lines(path, _README_BYTES, "README")
    except (OSError, UnicodeDecodeError):
        return None


def classes_from_readme(path: Path) -> ClassSpec | None:
    """The classes of the lines of `path` naming one `#rrggbb` colour each, else of its list of
    names beside r, g, b numbers (see the module docstring), or None: an unreadable README, fewer
    than `_MIN_ROWS` such lines (`_MIN_RGB_ROWS` of numbers), or a colour listed twice."""
    if (lines := readme_lines(path)) is None:
        return None
    rows = [row for line in lines if (row := _named_colour(line)) is not None]
    if len(rows) < _MIN_ROWS:
        rows = _rgb_rows(lines)
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


def _rgb_rows(lines: Sequence[str]) -> list[tuple[str, tuple[int, int, int]]]:
    """The (name, colour) entries of the first line listing `_MIN_RGB_ROWS` or more of them, or of
    the first run of lines (blank lines between them allowed) each starting with one; empty when
    the README has neither: numbers in prose are no class table."""
    run: list[tuple[str, tuple[int, int, int]]] = []
    for line in lines:
        entries = _rgb_entries(line)
        if len(entries) >= _MIN_RGB_ROWS:
            return entries
        if len(entries) == 1 and _RGB_ENTRY.match(line):
            run += entries
        elif line.strip():
            if len(run) >= _MIN_RGB_ROWS:
                return run
            run = []
    return run if len(run) >= _MIN_RGB_ROWS else []


def _rgb_entries(line: str) -> list[tuple[str, tuple[int, int, int]]]:
    """The (name, colour) entries of a line, one after another with nothing but separators
    between them; empty when prose, a colour beyond 255 or a name of more than `MAX_NAME_WORDS`
    words lies among them."""
    found = list(_RGB_ENTRY.finditer(line))
    entries = []
    for previous, entry in zip([None, *found], found):
        name, colour = " ".join(entry["name"].split()), (int(entry["r"]), int(entry["g"]), int(entry["b"]))
        between = line[previous.end():entry.start()] if previous is not None else ""
        if between.strip() or max(colour) > 255 or len(name.split()) > MAX_NAME_WORDS:
            return []
        entries.append((name, colour))
    return entries
