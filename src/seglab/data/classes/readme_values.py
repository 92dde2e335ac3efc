"""Names of mask values that a dataset's README gives in its text, where it ships no table of
them: a list after a word naming labels or classes (AI4Mars' `Labels: 0 soil, 1 bedrock, 2 sand,
3 big rock, 255 NULL (no label).`, CURVAS' `Labels 1 pancreas, 2 kidney, 3 liver.`), a markdown
table with a column of values and one of names (`| Value | Class |`), lines of one value and
name each below such a word (`## Classes`, then `0: soil`, `label 1 = bedrock` or `- 1 liver`),
or, with none of these, the one value a line about the masks calls void (ATLANTIS' `masks hold
ids 1..56, 0 unlabelled.`). Numbers in prose are none of these: a list follows such a word and
holds nothing but its entries, and a table's value column is headed so. A value named like void, or
remarked so in parentheses (TIGER's `Tissue labels: 0 unannotated (exclude), 1 invasive tumor, ...`),
is scored in no class (`ValueNames.voids`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from seglab.data.classes.names import is_void
from seglab.data.classes.readme_colours import MAX_NAME_WORDS, readme_lines
from seglab.data.classes.value_names import ValueNames

_NAME = rf"[A-Za-z][\w'&/+-]*(?: (?!and\b)[A-Za-z][\w'&/+-]*){{0,{MAX_NAME_WORDS - 1}}}"
_ENTRY = (rf"(?:(?:label|class|id|value)\s*)?(?P<value>\d{{1,5}})(?:\s*[:=\u2013-]\s*|\s+)"
          rf"(?P<name>{_NAME})(?:\s*\((?P<remark>[^()]*)\))?")  # a remark in parentheses is left out of the name
_VALUE_NAME = re.compile(_ENTRY, re.IGNORECASE)  # `0 soil`, `1: bedrock`, `label 2 = sand`, `255 NULL (no label)`
_KEYWORD = r"\b(?:labels?|class(?:es)?|categor(?:y|ies)|legend|ids?|(?:mask|pixel|label|class) values?)\b"
_LIST_START = re.compile(rf"{_KEYWORD}(?:\s+(?:are|is))?\s*[:=-]?\s*", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+")
_LIST_END = re.compile(r"\s*(?:[.)](?:\s|$)|$)")  # a list ends its line or its sentence
# `(?:\s*[.,;])?\s*`, not `\s*[.,;]?\s*`: the two runs of spaces could split a line's trailing ones in as many
# ways as there are, each tried where the line goes on (a README line of 80,000 spaces took 70 s)
_LINE_ENTRY = re.compile(rf"\s*(?:[-*+]\s+)?{_ENTRY}(?:\s*[.,;])?\s*", re.IGNORECASE)
_VALUE_HEADER = re.compile(r"(?:(?:pixel|mask|label|class|grey|gray)\s*)?(?:values?|ids?|index|idx|code)|labels?",
                           re.IGNORECASE)
_VOID_ENTRY = re.compile(rf"(?:^|[,;:(]\s*){_ENTRY}\s*(?=[,;.)]|$)", re.IGNORECASE)
_MASK_WORDS = re.compile(r"\b(?:masks?|labels?|annotations?|ids?|values?|pixels?)\b", re.IGNORECASE)
_Named = tuple[dict[int, str], int | None]  # names by value, and the value a remark calls void


def value_names_from_readme(path: Path) -> ValueNames | None:
    """Names of mask values from the text of a README (see the module docstring), or None: an
    unreadable README, or one naming fewer than two values in any of those forms and no void."""
    if (lines := readme_lines(path)) is None:
        return None
    found = _inline_list(lines) or _markdown_table(lines) or _line_list(lines) or _stated_void(lines)
    return ValueNames(path, dict(sorted(found[0].items())), found[1]) if found is not None else None


def numbered_name(text: str) -> tuple[int, str] | None:
    """(value, name) of a text that is one value and its name (`1: Wheat`, `36 - Rice`,
    `label 1 = bedrock`), or None."""
    entry = _VALUE_NAME.fullmatch(text.strip())
    return (int(entry["value"]), entry["name"]) if entry is not None else None


def names_by_value(entries: Sequence[tuple[int, str]]) -> dict[int, str] | None:
    """Names by value of two or more entries naming each value once; None otherwise."""
    names = dict(entries)
    return names if len(names) == len(entries) > 1 else None


def _inline_list(lines: Sequence[str]) -> _Named | None:
    """The entries of the first line holding a list after a word naming labels or classes."""
    for line in lines:
        for start in _LIST_START.finditer(line):
            entries, end = _entries(line, start.end())
            if _LIST_END.match(line, end) and (found := _named(entries)) is not None:
                return found
    return None


def _entries(line: str, pos: int) -> tuple[list[re.Match[str]], int]:
    """The entries from `pos` on, one after another with only separators between them, and where they end."""
    found: list[re.Match[str]] = []
    end = pos
    while (entry := _VALUE_NAME.match(line, pos)) is not None:
        found.append(entry)
        end = entry.end()
        separator = _SEPARATOR.match(line, end)
        if separator is None:
            break
        pos = separator.end()
    return found, end


def _named(entries: Sequence[re.Match[str]]) -> _Named | None:
    """`names_by_value` of the entries, and the value whose entry a remark in parentheses calls
    void, whatever its name (TIGER's `0 unannotated (exclude)`, `0 other (ignore)`): scored in no class."""
    names = names_by_value([(int(entry["value"]), entry["name"]) for entry in entries])
    void = next((int(entry["value"]) for entry in entries if entry["remark"] and is_void(entry["remark"])), None)
    return (names, void) if names is not None else None


def _markdown_table(lines: Sequence[str]) -> _Named | None:
    """Names by value of the first markdown table with a column headed as values (`Value`, `ID`,
    `Label`) of integers and another of names."""
    rows: list[list[str]] = []
    for line in [*lines, ""]:
        if line.strip().startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= set(":- ") for cell in cells):  # the rule below the header
                rows.append(cells)
            continue
        if (names := _table_names(rows)) is not None:
            return names, None  # a cell holding a remark names nothing (`_NAME`)
        rows = []
    return None


def _table_names(rows: list[list[str]]) -> dict[int, str] | None:
    """Names by value of a table's rows, its header first; None for any other table."""
    if len(rows) < 3 or any(len(row) != len(rows[0]) for row in rows):
        return None
    columns = list(zip(*rows))
    values = next((k for k, column in enumerate(columns) if _VALUE_HEADER.fullmatch(column[0])
                   and all(cell.isascii() and cell.isdigit() and len(cell) <= 5 for cell in column[1:])), None)
    if values is None:
        return None
    names = next((column for k, column in enumerate(columns) if k != values
                  and all(re.fullmatch(_NAME, cell) for cell in column[1:])), None)
    return names_by_value([(int(v), n) for v, n in zip(columns[values][1:], names[1:])]) if names else None


def _line_list(lines: Sequence[str]) -> _Named | None:
    """The entries of the first run of lines of one entry each (blank lines between them allowed)
    that a word naming labels or classes introduces, on the line before the run or in its first."""
    run: list[re.Match[str]] = []
    intro = ""
    for line in [*lines, "end"]:
        if (entry := _LINE_ENTRY.fullmatch(line)) is not None:
            intro = intro if run else f"{intro} {line}"
            run.append(entry)
        elif line.strip():
            if re.search(_KEYWORD, intro, re.IGNORECASE) and (found := _named(run)) is not None:
                return found
            run, intro = [], line
    return None


def _stated_void(lines: Sequence[str]) -> _Named | None:
    """The one value that lines about the masks call void (`0 unlabelled`, `255 = ignore`), named so."""
    voids = {int(entry["value"]): entry["name"] for line in lines if _MASK_WORDS.search(line)
             for entry in _VOID_ENTRY.finditer(line) if is_void(entry["name"])}
    return (voids, None) if len(voids) == 1 else None  # its name says void: no remark need
