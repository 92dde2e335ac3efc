"""The cell separator of a small table a dataset ships beside its files (a metadata `.csv` or
`.tsv`): comma, tab or semicolon, as spreadsheets write them (TotalSegmentator's `meta.csv`
separates by semicolons)."""

from __future__ import annotations

from pathlib import Path


def table_delimiter(path: Path, header: str) -> str:
    """Tab for a `.tsv`; else whichever of comma, tab and semicolon the header line holds most of
    (comma when none)."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    return max(",\t;", key=header.count)
