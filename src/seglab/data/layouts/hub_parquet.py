"""The "hub-parquet" format: a Hugging Face Hub dataset as `huggingface-cli download` or
`snapshot_download` leave it, Parquet shards whose rows hold an image and its mask as pictures,
or as `datasets`' `save_to_disk` writes it, Arrow files of the same rows
(`train/data-00000-of-00001.arrow` beside `dataset_dict.json`).

Shards lie in `data/` (`train-00000-of-00002.parquet`, `validation-...`, `test-...`), in a
folder per configuration (`<config>/train-*.parquet`) or per split (`train/0000.parquet`, the
Hub's converted repositories), or as `load_dataset` caches them (`<hash>/street-seg-train.arrow` and
`street-seg-validation.arrow` beside the `dataset_info.json` listing those splits); their names,
else their folders, give the splits. A shard's Image
columns (structs of `bytes` and `path`) are the candidates: the one named for masks (label,
annotation, mask, semantic_map, ...: `looks_like_mask_folder`) holds the masks, the other the
images (segments/sidewalk-semantic's `pixel_values` + `label`, scene_parse_150's `image` +
`annotation`); `--images COLUMN --masks COLUMN` choose among more. Each row's pictures are
written once into the cache as the files they were, named by the stored path where those are
unique, else by shard and row, so that every later stage, the encoding of the masks first,
reads plain pairs. A row without a mask is an unlabelled image (a test split's).

The mask values' names come from `id2label.json` (`{"0": "unlabeled", "1": "flat-road", ...}`,
as segments/sidewalk-semantic ships it), else from the dataset card, else from the features of a
`dataset_info.json` beside the shards or above them (`dataset_card`), else from a table or list in
the card's text (`readme_values`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from pathlib import Path

from seglab.data.classes import ClassSpec, ValueNames, value_names_from_label_json, value_names_from_readme
from seglab.data.classes.class_tables import small_json
from seglab.data.classes.dataset_card import CARD_FILE, INFO_FILE, card_value_names, info_value_names
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.discovery.folders import folders_within
from seglab.data.discovery.naming import folder_split, folders_split, looks_like_mask_folder, usable_splits
from seglab.data.discovery.naming.split_words import name_split
from seglab.data.files.file_version import file_version
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.files.io import PICTURE_SUFFIXES, picture_suffix
from seglab.data.files.parquet_shards import (
    SHARD_SUFFIXES,
    column_cells,
    picture_rows,
    shard_columns,
    shard_kind,
    stored_paths,
)
from seglab.data.files.read_errors import DECODE_ERRORS
from seglab.data.files.staging import cache_folder, staged_folder
from seglab.data.layouts.folder_pairs import FolderPairsFormat
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.data.splitting.shipped_folds import fold_groups, names_folds
from seglab.data.splitting.subject_tables import gives_subjects, subject_columns
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # part of every key: bump when what is written changes
LABELS_FILE = "id2label.json"
_DEPTH = 3  # folders above a shard: <config>/<split>/0000.parquet and one more
_MANIFEST = "rows.json"  # written last: a folder without it was never completed
# a shard `datasets`' load_dataset cache writes: <builder>-<split>.arrow, <builder>-<split>-00000-of-00002.arrow
_CACHED_SHARD = re.compile(r"-(?P<split>[^-]+)(?:-\d{5}-of-\d{5})?$")
Columns = tuple[list[str], list[str]]  # (every column, the Image columns) of a shard: `shard_columns`
Row = tuple[str, str, str | None, int, int]  # name, image file, mask file (None: unlabelled), shard, row in it


@FORMATS.register("hub-parquet")
class HubParquetFormat(FindingFormat[dict[Path, Columns | None]]):
    """Parquet shards of a Hugging Face Hub dataset (or the Arrow files of its `save_to_disk`), an
    Image column of images and one of masks."""

    layout = ("Parquet shards of a Hugging Face Hub dataset (data/train-00000-of-00001.parquet, ...), or the Arrow "
              "files of its save_to_disk (train/data-00000-of-00001.arrow), with an image column and a mask column "
              "of pictures (pixel_values + label, image + annotation)")
    priority = 35  # after folder-pairs (30): a Parquet table beside image and mask folders describes them
    picks_folders = True  # --images and --masks name the columns

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        shards = list(found)
        _refuse_configurations(shards, root)
        columns = _columns(found, root, self.options.images, self.options.masks)
        base = Path(os.path.commonpath([str(shard.parent) for shard in shards]))  # rows are named below it
        folder, rows, failed = _unpacked(shards, columns, base, cache_folder(self.options.cache_dir, "hub-parquet"),
                                         root.name)
        splits = {shard: name_split(shard.stem) or _cached_split(shard) or folders_split(shard, root)
                  for shard in shards}
        if not usable_splits(splits.values()):
            splits = dict.fromkeys(shards)
        grouped = _shipped_groups(found, shards, rows, [splits[shard] for shard in shards])
        groups = grouped[0] if grouped is not None else {}
        pairs = sorted((Pair(name, folder / image, folder / mask, splits[shards[shard]],
                             groups.get(name, name) if groups else None,
                             sources=dict.fromkeys((folder / image, folder / mask),
                                                   f"row {row} of '{shards[shard]}'"))
                        for name, image, mask, shard, row in rows if mask is not None), key=lambda p: natural_key(p.name))
        unlabelled = [folder / image for _, image, mask, _, _ in rows if mask is None]
        problems = [Problem(shards[shard], text, "unreadable") for shard, text in failed]
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(root, mask_dirs, pairs, classes, self.options.cache_dir)
        index = DatasetIndex(root, "hub-parquet", pairs, unlabelled, encoding.classes, encoding.mapping,
                             problems + list(encoding.problems), mask_values=encoding.values)
        counts = Counter(splits[shards[shard]] or "all" for *_, shard, _ in rows)
        rows_per_split = ", ".join(f"{n} {s}" for s, n in counts.items())
        index.pairing = [f"{len(shards)} {shard_kind(shards[0])} shards ({rows_per_split} rows): column "
                         f"'{columns[0]}' images, '{columns[1]}' masks, unpacked into '{folder}'"]
        if grouped is not None:
            log.info("%s: %s", root, grouped[1])
            index.pairing.append(grouped[1])
        if encoding.classes is None and type(encoding.mapping) is IdentityMapping:
            index.value_names = hub_value_names(root, shards)
        return index

    def find(self, root: Path) -> dict[Path, Columns | None]:
        """The Parquet and Arrow files up to `_DEPTH` folders below `root` that hold pictures, outside
        hidden folders (the `.cache/huggingface/` that `--local-dir` downloads leave), each with its
        columns read from its footer once (`_columns` takes them; None where it cannot be read). A
        table without an Image column is metadata, not a shard: Fields of The World's
        `chips_<country>.parquet` (chip ids and splits) beside its GeoTIFF folders."""
        found = [folder / name for folder, _, files in folders_within(root, _DEPTH)
                 for name in files if name.endswith(SHARD_SUFFIXES) and not name.startswith(".")]
        read = {p: _readable_columns(p) for p in sorted(found) if p.is_file()}
        return {p: columns for p, columns in read.items() if columns is None or columns[1]}


def _readable_columns(shard: Path) -> Columns | None:
    """`shard_columns` of a Parquet or Arrow file; None when it cannot be read (no pyarrow, damage):
    it counts as a shard, so that reading it again names the problem."""
    try:
        return shard_columns(shard)
    except DataError:
        return None


def _cached_split(shard: Path) -> str | None:
    """The split of a shard the `datasets` library's cache wrote (`street-seg-validation.arrow`,
    `parquet-train-00000-of-00002.arrow`: the builder's name, then the split), where the
    `dataset_info.json` beside it lists that split; None for any other shard."""
    found = _CACHED_SHARD.search(shard.stem)
    if found is None or not (shard.parent / INFO_FILE).is_file():
        return None
    try:
        info = small_json(shard.parent / INFO_FILE)
    except DataError:
        return None  # a damaged file is named where its class names are read
    listed = info.get("splits") if isinstance(info, dict) else None
    return folder_split(found["split"]) if isinstance(listed, dict) and found["split"] in listed else None


def _refuse_configurations(shards: list[Path], root: Path) -> None:
    """Refuse shards of several configurations (`<config>/train-*.parquet`, a folder each):
    their columns and classes may differ, and one is trained on.

    Raises:
        DataError: naming the configurations' folders and the one to pass.
    """
    configurations = {tuple(part for part in shard.parent.relative_to(root).parts if not folder_split(part))
                      for shard in shards}
    if len(configurations) > 1:
        named = sorted("/".join(c) or "." for c in configurations)
        raise DataError(f"'{root}' holds the shards of {len(named)} configurations ({', '.join(named)}); "
                        f"pass one configuration's folder as DATA (e.g. {root / named[-1]})")


def _columns(shards: dict[Path, Columns | None], root: Path, images: str | None, masks: str | None
             ) -> tuple[str, str]:
    """The image and the mask column: those named by `--images` and `--masks`, else of the two
    Image columns the one named for masks and the other, checked in every shard (`shards`: each
    with its columns, None where they could not be read, read again here to name the problem).

    Raises:
        DataError: no Image columns, names that do not tell the mask column, a named column that is
            no Image column, or a shard without the columns; naming the columns and the route.
    """
    first, *others = shards
    every, pictures = shards[first] or shard_columns(first)
    if len(pictures) < 2:
        raise DataError(f"{shard_kind(first)} shard '{first}' holds {len(pictures)} image columns (structs of bytes "
                        f"and path) among its columns {', '.join(every)}: an image and a mask column are needed")
    route = f"pass --images COLUMN --masks COLUMN (e.g. --images {pictures[0]} --masks {pictures[1]})"
    for named in (images, masks):
        if named is not None and named not in pictures:
            raise DataError(f"'{named}' is no image column of '{first}'; its image columns are "
                            f"{', '.join(pictures)} (to name image and mask folders beside the shards, add "
                            "--format folder-pairs)")
    mask_like = [c for c in pictures if looks_like_mask_folder(c) and c != images]
    if masks is None and len(mask_like) == 1:
        masks = mask_like[0]
    rest = [c for c in pictures if c not in (images, masks)]
    if images is None and len(rest) == 1:
        images = rest[0]
    if images is None or masks is None or images == masks:
        raise DataError(f"the shards of '{root}' hold the image columns {', '.join(pictures)}, and their "
                        f"names do not tell which holds the images and which the masks; {route}")
    for shard in others:
        if not {images, masks} <= set((shards[shard] or shard_columns(shard))[1]):
            raise DataError(f"{shard_kind(shard)} shard '{shard}' has no image columns '{images}' and '{masks}' as "
                            f"'{first}' has; remove the shards of another dataset, or {route}")
    return images, masks


def _row_names(shards: list[Path], column: str, base: Path) -> list[list[str]]:
    """Each shard's rows' names: the stems of the paths their images were stored under, when every
    row has one and no two are alike (scene_parse_150's `ADE_train_00000001`), else the shard's
    path below `base` and the row's number (`train-00000-of-00002_000012`)."""
    stored = [list(stored_paths(shard, column)) for shard in shards]
    stems = [Path(p).stem if p else "" for paths in stored for p in paths]
    if all(s and not s.startswith(".") for s in stems) and len(set(stems)) == len(stems):
        return [[Path(p).stem for p in paths if p] for paths in stored]
    prefixes = [shard.relative_to(base).with_suffix("").as_posix().replace("/", "_") for shard in shards]
    return [[f"{prefix}_{row:06d}" for row in range(len(paths))] for prefix, paths in zip(prefixes, stored)]


def _unpacked(shards: list[Path], columns: tuple[str, str], base: Path, cache: Path, dataset: str
              ) -> tuple[Path, list[Row], list[tuple[int, str]]]:
    """The cache folder of the shards' pictures (named for the `dataset`), written now or by an earlier call for the same
    shards and columns; its rows (name, image file, mask file or None, shard number, row number in
    the shard) and the rows that hold no pictures (shard number, what is wrong).

    Raises:
        DataError: a shard that cannot be read (`parquet_shards`).
    """
    facts = [CACHE_VERSION, list(columns), [file_version(shard) for shard in shards]]
    folder = cache / f"{dataset}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        log.info("writing the pictures of %d %s shards into '%s' (once)", len(shards), shard_kind(shards[0]), folder)
        names = _row_names(shards, columns[0], base)
        with staged_folder(folder) as partial:
            for column in columns:
                (partial / column).mkdir()
            rows, failed = [], []
            for number, shard in enumerate(shards):
                for row, (name, pictures) in enumerate(zip(names[number], picture_rows(shard, columns))):
                    files = _written(pictures, columns, partial, name)
                    if isinstance(files, str):
                        failed.append((number, f"'{shard}' row {row}: {files}"))
                    else:
                        rows.append((name, *files, number, row))
            (partial / _MANIFEST).write_text(json.dumps({"rows": rows, "failed": failed}))
    manifest = json.loads((folder / _MANIFEST).read_text())
    return folder, [tuple(r) for r in manifest["rows"]], [tuple(f) for f in manifest["failed"]]


def _written(pictures: tuple[bytes | None, ...], columns: tuple[str, str], folder: Path, name: str
             ) -> tuple[str, str | None] | str:
    """A row's image and mask (None: no mask) written into their columns' folders under `folder`
    as `name` and the suffix of their format, the files relative to `folder`; or what is wrong
    with the row, writing nothing."""
    if pictures[0] is None:
        return f"its '{columns[0]}' holds no image bytes"
    files: dict[str, str] = {}
    for column, picture in zip(columns, pictures):
        if picture is not None:
            try:
                files[column] = f"{column}/{name}{picture_suffix(picture)}"
            except (KeyError, *DECODE_ERRORS) as err:
                return f"its '{column}' is no {', '.join(PICTURE_SUFFIXES)} picture ({err!r})"
    for column, picture in zip(columns, pictures):
        if column in files and picture is not None:
            (folder / files[column]).write_bytes(picture)
    return files[columns[0]], files.get(columns[1])


def _shipped_groups(found: dict[Path, Columns | None], shards: list[Path], rows: list[Row],
                    splits: list[str | None]) -> tuple[dict[str, str], str] | None:
    """Pair name -> group from the shards' plain columns, read as a metadata table's are
    (`subject_tables`): the first subject column that groups the pairs (OAM-TCD's `oam_id`, the
    orthomosaic its tiles are cut from), or the folds of a fold column holding each such group
    whole (`shipped_folds`: its `validation_fold`), counted outside the test shards (`splits`, one
    per shard) for the --folds that folds them; with the line that says so. None when no column
    groups them."""
    every = [set((found[shard] or shard_columns(shard))[0]) for shard in shards]
    header = [c for c in (found[shards[0]] or shard_columns(shards[0]))[0] if all(c in columns for columns in every)]
    labelled = [(name, shard, row) for name, _, mask, shard, row in rows if mask is not None]

    def cells(column: str) -> dict[str, object]:
        values = [list(column_cells(shard, column)) for shard in shards]
        return {name: values[shard][row] for name, shard, row in labelled}

    subject, subjects = None, {}
    for _, column in subject_columns(header):
        named = {name: str(cell) for name, cell in cells(column).items() if cell not in (None, "")}
        if gives_subjects(named, len(labelled)):
            subject, subjects = column, named
            break
    fold = next((column for column in header if names_folds(column)), None)
    shipped = cells(fold) if fold is not None else {}
    folds = fold_groups(shipped, subjects) if shipped else None
    if folds is not None:
        tested = {name for name, shard, _ in labelled if splits[shard] == "test"}
        count = len({str(cell) for name, cell in shipped.items() if cell not in (None, "") and name not in tested})
        whole = f", each holding whole '{subject}' groups" if subject else ""
        return folds, (f"grouped by the column '{fold}': {count} shipped folds{whole} (--folds {count} validates on "
                       "one at a time)")
    if subject is None:
        return None
    aside = f"; its column '{fold}' divides them, so its folds are not used" if fold is not None else ""
    return subjects, f"grouped by the column '{subject}': {len(set(subjects.values()))} groups{aside}"


def hub_value_names(root: Path, files: list[Path]) -> ValueNames | None:
    """The names of the mask values a Hugging Face dataset ships: `id2label.json` in `root`, else
    the dataset card's features, else a `dataset_info.json` in `root` or beside one of its `files`
    (a shard: `save_to_disk` writes one per split folder; an imagefolder's metadata file), else the
    card's text, as a folder's README is read (`readme_values`: ARTeFACT's `| Class ID | Name |` table)."""
    labels, card = root / LABELS_FILE, root / CARD_FILE
    names = value_names_from_label_json(labels) if labels.is_file() else None
    names = names or (card_value_names(card) if card.is_file() else None)
    infos = [info for folder in dict.fromkeys([root, *(file.parent for file in files)])
             if (info := folder / INFO_FILE).is_file()]
    return names or next((found for info in infos if (found := info_value_names(info)) is not None), None) \
        or (value_names_from_readme(card) if card.is_file() else None)
