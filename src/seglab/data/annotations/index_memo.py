"""A dataset read from annotation files, remembered: the pairs, classes and problems that reading
COCO, CVAT, Label Studio, LabelMe, Supervisely or YOLO annotations found, kept in the cache
under a key of everything the reading depends on (the annotation files' and the images' sizes
and modification times, the options, the classes given). Reading the same folder again then
parses nothing: COCO 2017's 450 MB of training JSON is read once, not on every command.

A file whose key matches but whose pairs' files are gone (a cleaned cache, a moved image) is
not used; the folder is read afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from seglab.data.classes import ClassSpec
from seglab.data.files.index import DatasetIndex, Pair, Problem
from seglab.data.classes.mapping import MaskMapping

log = logging.getLogger(__name__)

MEMO_VERSION = 8  # part of every key (with seglab's version and the reader's file): bump when shared reading changes


def remembered(folder: Path, facts: object, read: Callable[[], DatasetIndex]) -> DatasetIndex:
    """The index `read` returns for these `facts`, from `folder` when an earlier call kept it
    and its files are all still there, else read now and kept."""
    key = hashlib.sha256(json.dumps([MEMO_VERSION, facts], default=str).encode()).hexdigest()[:24]
    path = folder / f"index-{key}.json"
    index = _loaded(path)
    if index is not None:
        for line in index.pairing:
            log.info("%s: %s (remembered: no annotation file changed)", index.root, line)
        return index
    index = read()
    _save(path, index)
    return index


def _save(path: Path, index: DatasetIndex) -> None:
    """Write the memo whole or not at all (a temporary file renamed into place)."""
    data = {
        "root": str(index.root), "format": index.format, "pairing": index.pairing,
        "classes": index.classes.to_dict() if index.classes else None, "mapping": index.mapping.to_dict(),
        "pairs": [[p.name, [str(i) for i in p.images], [str(m) for m in p.masks], p.split, p.group,
                   {str(f): note for f, note in p.sources.items()}] for p in index.pairs],
        "unlabelled": [str(p) for p in index.unlabelled],
        "problems": [[None if p.path is None else str(p.path), p.message, p.code, [str(r) for r in p.related]]
                     for p in index.problems],
        "label_folders": [[str(image), str(folder)] for image, folder in index.label_folders.items()],
        "ignored": [str(p) for p in index.ignored],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(data))
    os.replace(partial, path)


def _loaded(path: Path) -> DatasetIndex | None:
    """The memo at `path`; None when there is none, it cannot be read, or a file it lists is gone."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pairs = [Pair(name, Path(images[0]), Path(masks[0]) if masks else None, split, group,
                      tuple(Path(m) for m in masks[1:]), tuple(Path(i) for i in images[1:]),
                      {Path(f): note for f, note in sources.items()})
                 for name, images, masks, split, group, sources in data["pairs"]]
        index = DatasetIndex(
            Path(data["root"]), data["format"], pairs, [Path(p) for p in data["unlabelled"]],
            ClassSpec.from_dict(data["classes"]) if data["classes"] else None, MaskMapping.from_dict(data["mapping"]),
            [Problem(None if where is None else Path(where), message, code, tuple(Path(r) for r in related))
             for where, message, code, related in data["problems"]], pairing=data["pairing"],
            ignored=[Path(p) for p in data["ignored"]],
            label_folders={Path(image): Path(folder) for image, folder in data["label_folders"]})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(os.path.exists(f) for p in pairs for f in p.files):
        return None
    return index
