"""What a refusal says of the archives and containers a dataset ships in, which seglab does not
open: each is named, with the command or the lines that make image and mask files of it. It was
'no image files found' over SA-1B's `sa_000000.tar`, ISIC 2018's six zips, WebDataset shards,
TensorFlow Datasets' TFRecord shards, LMDB databases and OME-Zarr stores.

An archive whose first member already lies beside it was unpacked there (Kvasir-SEG's
`kvasir-seg.zip` beside `Kvasir-SEG/`, VOC's tar beside `VOCdevkit/`), and is not named; so is
one that TensorFlow Datasets' download manager unpacked into `extracted/<METHOD>.<archive name>/`
beside it (`downloads/extracted/TAR_GZ.<host>_pets_images<hash>.tar.gz/images/`).
"""

from __future__ import annotations

import json
import lzma
import os
import re
import shlex
import tarfile
import zipfile
import zlib
from itertools import islice
from pathlib import Path

from seglab.data.classes.text_files import regular_file
from seglab.data.discovery.pairing import folder_label
from seglab.data.files.folder_listing import folders_in
from seglab.data.files.parquet_shards import ARROW_SUFFIX

Listing = list[tuple[Path, list[str]]]  # each folder within reach, and its file names
_SHOWN = 12  # lines of one kind, and databases named in a line
_EXTRACT = {".zip": "unzip -q", ".tar": "tar xf", ".tar.gz": "tar xf", ".tgz": "tar xf", ".tar.bz2": "tar xf",
            ".tbz2": "tar xf", ".tar.xz": "tar xf", ".txz": "tar xf", ".7z": "7z x", ".rar": "unrar x"}
_ARCHIVE_SUFFIXES = tuple(sorted(_EXTRACT, key=len, reverse=True))  # longest first: one wins over any it ends with
_TFRECORD = re.compile(r"\.(tfrecords?|tfrec)(-\d+-of-\d+)?$", re.IGNORECASE)  # x-train.tfrecord-00000-of-00002
_LMDB_DATA = "data.mdb"  # beside lock.mdb: an LMDB database is a folder
_ZARR_MARKERS = (".zgroup", ".zarray", "zarr.json")  # a Zarr store's metadata files (v2, v3)
_TFDS_INFO = "dataset_info.json"  # beside the shards tensorflow_datasets prepared, or the files datasets saved
_DOWNLOAD_MANAGER_FOLDER = "extracted"  # tensorflow_datasets' downloads/extracted/<METHOD>.<archive name>/


def is_container(name: str) -> bool:
    """Whether a file is an archive or a container this module names (a format no reader takes)."""
    lower = name.lower()
    return bool(_archive_suffix(lower) or _TFRECORD.search(lower) or lower.endswith((ARROW_SUFFIX, ".mdb")))


def container_lines(root: Path, listing: Listing) -> str:
    """Lines naming the archives not unpacked and the containers in `listing`, with what to do;
    "" when there are none."""
    files = dict(listing)
    lines = [*_archive_lines(root, files), *_tfrecord_lines(root, files), *_lmdb_lines(root, files),
             *_zarr_lines(root, files), *_arrow_lines(root, files)]
    if not lines:
        return ""
    return ("\narchives and containers, which seglab does not open (unpack or convert them, then pass the folder "
            "again):" + "".join(f"\n  {line}" for line in lines))


def _archive_suffix(name: str) -> str:
    return next((s for s in _ARCHIVE_SUFFIXES if name.lower().endswith(s)), "")


def _unpacked(archive: Path, beside: set[str]) -> bool:
    """Whether an archive lies beside what it holds (`beside`: the names in its folder, lower
    case): a folder named as it (without its suffix), or the top folder or file of one of its
    first members; a damaged archive never does."""
    stem = archive.name[: -len(_archive_suffix(archive.name))]
    if stem.lower() in beside or _extracted_by_download_manager(archive):
        return True
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(regular_file(archive)) as opened:
                members = opened.namelist()[:10]
        elif _EXTRACT[_archive_suffix(archive.name)] == "tar xf":
            with tarfile.open(regular_file(archive)) as opened:
                members = [m.name for m in islice(opened, 10)]
        else:  # 7z and rar: no reader in the standard library
            return False
    except (OSError, EOFError, ValueError, NotImplementedError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
            tarfile.TarError):
        return False  # damage: named, as unpacking it says what is wrong
    tops = {part for part in (_top(m) for m in members) if part and not part.startswith("__MACOSX")}
    return bool(tops) and any(top.lower() in beside for top in tops)


def _extracted_by_download_manager(archive: Path) -> bool:
    """Whether `extracted/` beside an archive holds a folder named `<METHOD>.<archive name>`
    (`TAR_GZ.`, `ZIP.`, `TAR.`, ...), where TensorFlow Datasets' download manager unpacks it."""
    extracted = archive.parent / _DOWNLOAD_MANAGER_FOLDER
    ending = f".{archive.name.lower()}"
    return extracted.is_dir() and any(p.name.lower().endswith(ending) and p.name[:-len(ending)].isupper()
                                      for p in folders_in(extracted))


def _top(member: str) -> str:
    """A member's top folder or file name (`./a/b.jpg` -> `a`)."""
    return next((part for part in member.split("/") if part not in ("", ".")), "")


def _archive_lines(root: Path, files: dict[Path, list[str]]) -> list[str]:
    """A line per folder and tool for the archives not unpacked: `tar xf`, `unzip`, `7z x` or
    `unrar x` each."""
    lines = []
    for folder, names in files.items():
        archives = sorted(n for n in names if _archive_suffix(n) and not n.startswith("."))
        beside = {name.lower() for name in os.listdir(folder)} if archives else set()
        pending = [n for n in archives if not _unpacked(folder / n, beside)]
        for tool in dict.fromkeys(_EXTRACT[_archive_suffix(n)] for n in pending):
            named = [n for n in pending if _EXTRACT[_archive_suffix(n)] == tool]
            kind = {"unzip -q": "zip", "tar xf": "tar", "7z x": "7z", "unrar x": "rar"}[tool]
            lines.append(f"{folder_label(folder, root)}: {len(named)} {kind} archive(s) not unpacked "
                         f"({_listed(named)}): {_extract_command(folder, tool, named, archives)}")
    return lines[:_SHOWN]


def _extract_command(folder: Path, tool: str, named: list[str], archives: list[str]) -> str:
    """The shell command that unpacks `named` archives where they lie: each by name, or by a
    pattern when more than three of one suffix are all of it in the folder."""
    where = f"cd {shlex.quote(str(folder))} && "
    if len(named) == 1:
        return f"{where}{tool} {shlex.quote(named[0])}"
    suffixes = {_archive_suffix(n) for n in named}
    suffix = next(iter(suffixes))
    everyone = len(suffixes) == 1 and len(named) > 3 and all(n in named for n in archives if n.endswith(suffix))
    targets = f"*{suffix}" if everyone else " ".join(shlex.quote(n) for n in named)
    return f"{where}for a in {targets}; do {tool} \"$a\"; done"


def _tfrecord_lines(root: Path, files: dict[Path, list[str]]) -> list[str]:
    lines = []
    for folder, names in files.items():
        shards = sorted(n for n in names if _TFRECORD.search(n))
        if not shards:
            continue
        if _TFDS_INFO in names:  # a folder tensorflow_datasets prepared
            how = (f"tensorflow_datasets reads this folder: tfds.as_numpy(tfds.builder_from_directory("
                   f"{str(folder)!r}).as_dataset(split='train')) gives each example's features as arrays")
        else:
            how = ("tf.data.TFRecordDataset(files) gives the serialized examples, tf.io.parse_single_example "
                   "their features")
        lines.append(f"{folder_label(folder, root)}: {len(shards)} TFRecord shard(s) ({_listed(shards)}): write "
                     f"each example's image and mask out as files named alike in two folders (PIL's "
                     f"Image.fromarray(...).save) and pass them with --images and --masks; {how}")
    return lines[:_SHOWN]


def _lmdb_lines(root: Path, files: dict[Path, list[str]]) -> list[str]:
    databases = [folder for folder, names in files.items() if _LMDB_DATA in names]
    if not databases:
        return []
    shown = ", ".join(folder_label(folder, root) for folder in databases[:_SHOWN])
    return [f"{shown}: {len(databases)} LMDB database(s) ({_LMDB_DATA}): write each record out as a file, images "
            f"and masks in two folders named alike, and pass them with --images and --masks: lmdb.open("
            f"{str(databases[0])!r}, readonly=True, lock=False).begin().cursor() gives each key and value "
            "(PNG or JPEG bytes are such a file as they are)"]


def _zarr_lines(root: Path, files: dict[Path, list[str]]) -> list[str]:
    """A line per folder of Zarr stores (the topmost folder holding Zarr metadata), with the
    command that exports the first to TIFF: its image (level `0` of an OME-Zarr, the full
    resolution) and its first label image."""
    stores: dict[Path, list[Path]] = {}
    for folder, names in files.items():
        if _is_zarr(names) and not _is_zarr(files.get(folder.parent, [])):
            stores.setdefault(folder.parent, []).append(folder)
    lines = []
    for parent, found in stores.items():
        first = found[0]
        image = '["0"]' if (first / "0").is_dir() else ""
        labels = sorted(p.name for p in folders_in(first / "labels")) \
            if (first / "labels").is_dir() else []
        name, folders = first.name.split(".")[0], ["images", *labels[:1]]
        code = (f'import zarr, tifffile; z = zarr.open({json.dumps(str(first))}, mode="r"); '
                f'tifffile.imwrite("images/{name}.tif", z{image}[:].squeeze())'
                + "".join(f'; tifffile.imwrite("{label}/{name}.tif", z["labels/{label}/0"][:].squeeze())'
                          for label in labels[:1]))
        lines.append(f"{folder_label(parent, root)}: {len(found)} Zarr store(s) ({_listed([p.name for p in found])})"
                     f"{', OME-Zarr images with label images in labels/' if labels else ''}, not read: export each "
                     f"to TIFF files of one name in {' and '.join(f'{f}/' for f in folders)}, the first so: mkdir -p "
                     f"{' '.join(folders)} && python -c {shlex.quote(code)}"
                     + (f"; then --images images --masks {labels[0]}" if labels else ""))
    return lines[:_SHOWN]


def _is_zarr(names: list[str]) -> bool:
    return any(marker in names for marker in _ZARR_MARKERS)


def _arrow_lines(root: Path, files: dict[Path, list[str]]) -> list[str]:
    lines = []
    for folder, names in files.items():
        tables = sorted(n for n in names if n.lower().endswith(ARROW_SUFFIX))
        if tables and _TFDS_INFO in names:  # the info `datasets` writes beside what it saves or caches
            lines.append(f"{folder_label(folder, root)}: {len(tables)} Arrow file(s) ({_listed(tables)}) beside "
                         f"their dataset_info.json, read when their rows hold an image and a mask column of "
                         f"pictures (Image features) with that folder as DATA: "
                         f"seglab inspect {shlex.quote(str(folder))}")
        elif tables:
            lines.append(f"{folder_label(folder, root)}: {len(tables)} Arrow file(s) ({_listed(tables)}), read "
                         "only as a Hugging Face save_to_disk folder with an image and a mask column of pictures "
                         "(Image features), up to three folders down: write each row's image and mask out as files "
                         "named alike in two folders (datasets.load_from_disk, then PIL's Image.save) and pass them "
                         "with --images and --masks")
    return lines[:_SHOWN]


def _listed(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f", ... and {len(names) - 3} more" if len(names) > 3 else "")
