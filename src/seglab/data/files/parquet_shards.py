"""Parquet shards, as the Hugging Face Hub stores datasets (`data/train-00000-of-00002.parquet`),
and the Arrow files `datasets`' `save_to_disk` writes (`train/data-00000-of-00001.arrow`, an Arrow
IPC stream): their Image columns (structs of `bytes` and `path`, the PNG or JPEG file each row
holds) and the pictures of chosen columns, read one row group (or record batch) at a time so that
a shard of gigabytes is never held whole.

pyarrow is an optional dependency (`seglab[hub]`), imported on first use: Parquet and Arrow have no
other reader. A shard that cannot be read, or pyarrow missing, is a `DataError` naming the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from seglab.data.classes.text_files import open_regular, regular_file
from seglab.errors import DataError

PARQUET_SUFFIX = ".parquet"
ARROW_SUFFIX = ".arrow"
SHARD_SUFFIXES = (PARQUET_SUFFIX, ARROW_SUFFIX)
_ARROW_FILE_MAGIC = b"ARROW1"  # the Arrow IPC file format's first bytes; a stream (save_to_disk's) has none


def shard_kind(path: Path) -> str:
    """What a shard is, as messages name it: "Parquet" or "Arrow"."""
    return "Arrow" if path.suffix == ARROW_SUFFIX else "Parquet"


def _reader(path: Path) -> ModuleType:
    """`pyarrow.parquet` or `pyarrow.ipc`, as the shard's suffix needs."""
    try:
        return importlib.import_module("pyarrow.ipc" if path.suffix == ARROW_SUFFIX else "pyarrow.parquet")
    except ImportError:
        raise DataError(f"'{path}' is a {shard_kind(path)} shard, which needs pyarrow: pip install 'seglab[hub]'"
                        ) from None


@contextmanager
def _damage_named(path: Path) -> Iterator[None]:
    """pyarrow reports a damaged or truncated shard as ArrowInvalid (a ValueError) or OSError,
    naming no file, and an Arrow file's damaged column name as UnicodeDecodeError: it becomes a
    `DataError` naming it."""
    pyarrow = importlib.import_module("pyarrow")
    try:
        yield
    except (pyarrow.ArrowException, OSError, UnicodeDecodeError) as err:
        raise DataError(f"{shard_kind(path)} shard '{path}' cannot be read ({err}); download (or save) it again"
                        ) from None


def _is_image_type(column_type: Any) -> bool:
    """Whether an Arrow type is the Hub's Image feature: a struct of `bytes` (binary) and `path`."""
    pyarrow = importlib.import_module("pyarrow")
    if not pyarrow.types.is_struct(column_type):
        return False
    fields = {column_type.field(i).name: column_type.field(i).type for i in range(column_type.num_fields)}
    kind = fields.get("bytes")
    return "path" in fields and kind is not None and (pyarrow.types.is_binary(kind) or pyarrow.types.is_large_binary(kind))


def shard_columns(path: Path) -> tuple[list[str], list[str]]:
    """(every column, the Image columns) of a shard, in its order, from its footer (a Parquet
    shard's) or its first message (an Arrow file's) alone.

    Raises:
        DataError: no pyarrow, or a shard that cannot be read, naming it.
    """
    reader = _reader(path)
    with _damage_named(path):
        if path.suffix != ARROW_SUFFIX:
            schema = reader.read_schema(path)
        else:
            with _arrow_batches(path, reader) as (schema, _batches):
                pass  # the schema is the first message: no batch is read
        return list(schema.names), [field.name for field in schema if _is_image_type(field.type)]


def text_rows(path: Path, wanted: Callable[[list[str]], bool]) -> list[list[str]]:
    """A Parquet table's columns of text and whole numbers as a small table's rows, their titles
    first (Fields of The World's `chips_<country>.parquet`: `aoi_id`, `split`, ...); its other
    columns (geometries, pictures) are not read, nor any row when the titles, from the footer,
    are not `wanted`.

    Raises:
        DataError: see `shard_columns`.
    """
    reader = _reader(path)
    pyarrow = importlib.import_module("pyarrow")
    with _damage_named(path), open_regular(path) as file:  # a side file, as a split list is
        schema = reader.read_schema(file)
        names = [f.name for f in schema if _is_text(pyarrow, f.type)
                 or pyarrow.types.is_dictionary(f.type) and _is_text(pyarrow, f.type.value_type)]
        if not wanted(names):
            return []
        columns = reader.read_table(file, columns=names).to_pydict()
    cells = [["" if cell is None else str(cell) for cell in columns[name]] for name in names]
    return [names, *map(list, zip(*cells))]


def _is_text(pyarrow: ModuleType, column_type: Any) -> bool:
    """Whether an Arrow type's cells read as text: strings and whole numbers (a chip's id, a year)."""
    return pyarrow.types.is_string(column_type) or pyarrow.types.is_large_string(column_type) \
        or pyarrow.types.is_integer(column_type)


def stored_paths(path: Path, column: str) -> Iterator[str | None]:
    """The `path` each row's picture of an Image column was stored under (None where it names none,
    or holds no text: a damaged shard's schema can make it binary), read without the pictures.

    Raises:
        DataError: see `shard_columns`.
    """
    compute = importlib.import_module("pyarrow.compute")
    for table in _row_groups(path, [f"{column}.path"]):
        yield from (p if isinstance(p, str) else None for p in compute.struct_field(table.column(column), "path").to_pylist())


def column_cells(path: Path, column: str) -> Iterator[Any]:
    """Each row's cell of a plain column (a group's id, a fold number), read without the pictures.

    Raises:
        DataError: see `shard_columns`.
    """
    for table in _row_groups(path, [column]):
        yield from table.column(column).to_pylist()


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
    """The shard's row groups (an Arrow file's record batches), one `pyarrow.Table` of `columns` at
    a time: a big shard is never all in memory; damage is named as `shard_columns` names it. An
    Arrow batch keeps whole structs: `column.path` selects its `column`."""
    reader = _reader(path)
    with _damage_named(path):
        if path.suffix == ARROW_SUFFIX:
            pyarrow = importlib.import_module("pyarrow")
            names = list(dict.fromkeys(column.split(".")[0] for column in columns))
            with _arrow_batches(path, reader) as (_, batches):
                for batch in batches:
                    yield pyarrow.Table.from_batches([batch]).select(names)
            return
        shard = reader.ParquetFile(regular_file(path))
        for group in range(shard.num_row_groups):
            yield shard.read_row_group(group, columns=columns)


@contextmanager
def _arrow_batches(path: Path, ipc: ModuleType) -> Iterator[tuple[Any, Iterator[Any]]]:
    """The schema and the record batches of an Arrow IPC file or stream, memory-mapped, so that a
    batch is read from disk when it is used. Each batch is validated in full (offsets in bounds,
    strings UTF-8): an IPC reader checks less than a Parquet reader, and damage would surface
    later, as a wrong row or a crash."""
    pyarrow = importlib.import_module("pyarrow")
    with pyarrow.memory_map(str(regular_file(path))) as source:
        if source.read(len(_ARROW_FILE_MAGIC)) == _ARROW_FILE_MAGIC:
            source.seek(0)
            shard = ipc.open_file(source)
            batches = (shard.get_batch(i) for i in range(shard.num_record_batches))
        else:
            source.seek(0)
            shard = ipc.open_stream(source)
            batches = iter(shard)
        yield shard.schema, (_validated(batch) for batch in batches)


def _validated(batch: Any) -> Any:
    batch.validate(full=True)
    return batch
