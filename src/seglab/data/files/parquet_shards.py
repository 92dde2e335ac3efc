"""Parquet shards, as the Hugging Face Hub stores datasets (`data/train-00000-of-00002.parquet`):
their Image columns (structs of `bytes` and `path`, the PNG or JPEG file each row holds) and the
pictures of chosen columns, read one row group at a time so that a shard of gigabytes is never
held whole.

pyarrow is an optional dependency (`seglab[hub]`), imported on first use: Parquet has no other
reader. A shard that cannot be read, or pyarrow missing, is a `DataError` naming the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from seglab.errors import DataError

PARQUET_SUFFIX = ".parquet"


def _parquet(path: Path) -> ModuleType:
    try:
        return importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise DataError(f"'{path}' is a Parquet shard, which needs pyarrow: pip install 'seglab[hub]'") from None


@contextmanager
def _damage_named(path: Path) -> Iterator[None]:
    """pyarrow reports a damaged or truncated shard as ArrowInvalid (a ValueError) or OSError,
    naming no file: it becomes a `DataError` naming it."""
    pyarrow = importlib.import_module("pyarrow")
    try:
        yield
    except (pyarrow.ArrowException, OSError) as err:
        raise DataError(f"Parquet shard '{path}' cannot be read ({err}); download it again") from None


def _is_image_type(column_type: Any) -> bool:
    """Whether an Arrow type is the Hub's Image feature: a struct of `bytes` (binary) and `path`."""
    pyarrow = importlib.import_module("pyarrow")
    if not pyarrow.types.is_struct(column_type):
        return False
    fields = {column_type.field(i).name: column_type.field(i).type for i in range(column_type.num_fields)}
    kind = fields.get("bytes")
    return "path" in fields and kind is not None and (pyarrow.types.is_binary(kind) or pyarrow.types.is_large_binary(kind))


def shard_columns(path: Path) -> tuple[list[str], list[str]]:
    """(every column, the Image columns) of a shard, in its order, from its footer alone.

    Raises:
        DataError: no pyarrow, or a shard that cannot be read, naming it.
    """
    parquet = _parquet(path)
    with _damage_named(path):
        schema = parquet.read_schema(path)
    return list(schema.names), [field.name for field in schema if _is_image_type(field.type)]


def stored_paths(path: Path, column: str) -> Iterator[str | None]:
    """The `path` each row's picture of an Image column was stored under (None where it names none),
    read without the pictures.

    Raises:
        DataError: see `shard_columns`.
    """
    for table in _row_groups(path, [f"{column}.path"]):
        for cell in table.column(column).to_pylist():
            yield None if cell is None else cell["path"]


def picture_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[bytes | None, ...]]:
    """Each row's pictures of the Image `columns` (None for an empty cell or one without bytes),
    one row group in memory at a time.

    Raises:
        DataError: see `shard_columns`.
    """
    for table in _row_groups(path, list(columns)):
        cells = [table.column(column).to_pylist() for column in columns]
        for row in zip(*cells):
            yield tuple(None if cell is None else cell["bytes"] for cell in row)


def _row_groups(path: Path, columns: list[str]) -> Iterator[Any]:
    """The shard's row groups, one `pyarrow.Table` of `columns` at a time: a big shard is never
    all in memory; damage is named as `shard_columns` names it."""
    parquet = _parquet(path)
    with _damage_named(path):
        shard = parquet.ParquetFile(path)
        for group in range(shard.num_row_groups):
            yield shard.read_row_group(group, columns=columns)
