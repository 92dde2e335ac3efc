"""COCO annotation sets that must not be read together: files giving one category id different
names over the same images, and task folders whose objects share no category; refused with the
DATA that reads each set alone."""

from __future__ import annotations

import os
from itertools import combinations
from pathlib import Path

from seglab.data.annotations.annotation_formats import AnnotationFileFormat
from seglab.data.annotations.coco_reading import CocoAnnotations, coco_files, picked_files
from seglab.errors import DataError


def refuse_rival_categories(files: list[CocoAnnotations], root: Path) -> None:
    """Stop where files that give one category id different names annotate images of the same
    names: annotation sets of their own (TrashCan's `instance_version/` with 22 categories and
    `material_version/` with 16, over the same frames), whose objects merged by id would take
    each other's classes. Files of different images merge as ever, the later name winning (a
    category renamed in one split).

    Raises:
        DataError: naming each set, its category count and the DATA that reads it alone.
    """
    sets: list[tuple[dict[int, str], list[Path], set[str]]] = []
    for f in files:
        names = {Path(str(e["file_name"])).name for e in f.images.values()}
        fitting = next((s for s in sets if all(s[0].get(c, n) == n for c, n in f.categories.items())), None)
        if fitting is None:
            sets.append((dict(f.categories), [f.path], names))
        else:
            fitting[0].update(f.categories)
            fitting[1].append(f.path)
            fitting[2].update(names)
    first, second = next(((a[0], b[0]) for k, a in enumerate(sets) for b in sets[k + 1:] if a[2] & b[2]), ({}, {}))
    clash = next((c for c, n in second.items() if first.get(c, n) != n), None)
    if clash is None:
        return
    routes = ", ".join(f"{_route(paths, root)} ({_categories(len(table))})" for table, paths, _ in sets)
    raise DataError(f"'{root}' holds {len(sets)} COCO annotation sets of the same images whose categories differ (id "
                    f"{clash} is '{first[clash]}' in one and '{second[clash]}' in another), which read together would "
                    f"take each other's classes; pass one set as DATA: {routes}")


def refuse_tasks(files: list[CocoAnnotations], used_by: dict[Path, set[int]], root: Path) -> None:
    """Stop where folders side by side each hold annotation files of the same splits whose objects
    share no category (ARCADE's `syntax/` with 25 artery segments and `stenosis/` with one class,
    each in `train/`, `val/` and `test/`): tasks of their own over different images, not the
    splits of one set, and read together one task of both's classes. Folders whose categories
    meet merge as ever (the sites of one task). `used_by`: the category ids each file's objects use.

    Raises:
        DataError: naming each folder as the DATA that reads it alone, with its category count.
    """
    common = Path(os.path.commonpath([f.path.parent for f in files]))
    sets: dict[Path, list[CocoAnnotations]] = {}
    for f in files:
        if f.split and f.path.parent != common:
            sets.setdefault(common / f.path.relative_to(common).parts[0], []).append(f)
    used = {folder: set().union(*(used_by[f.path] for f in group)) for folder, group in sets.items()}
    splits = {folder: {f.split for f in group} for folder, group in sets.items()}
    if not any(splits[a] & splits[b] and not used[a] & used[b] for a, b in combinations(sets, 2)):
        return
    counts = {folder: _categories(len(used[folder])) for folder in sets}
    routes = ", ".join(f"{_route([f.path for f in group], root)} ({counts[folder]})" for folder, group in sets.items())
    raise DataError(f"'{root}' holds {len(sets)} COCO annotation sets in folders of their own, each with its splits, "
                    "whose objects share no category: tasks, not splits of one set, which read together would be one "
                    f"task of all their classes; pass one task folder as DATA: {routes}")


def _categories(count: int) -> str:
    return f"{count} categor{'y' if count == 1 else 'ies'}"


def set_routes(files: list[CocoAnnotations], root: Path, one: Path, other: Path) -> str:
    """How a refusal of two files annotating one image offers the folders they lie in, where
    they differ: annotation sets of their own over the same images (two raters' folders), each
    read alone, all the files it holds (`files`: those found, subsets too), by its route (`_route`)."""
    if one.parent == other.parent:
        return ""
    routes = [_route([f.path for f in files if f.path.parent == path.parent], root) for path in (one, other)]
    return f"; or read one set alone: {' or '.join(routes)}"


def _route(paths: list[Path], root: Path) -> str:
    """The DATA that reads just these annotation files: the folder holding them and their
    images when it finds no others; else DATA (`root`) with --masks naming the folder that holds
    just them (USIS10K's `multi_class_annotations/` beside `foreground_annotations/`, both over
    the images of `train/`, `val/` and `test/`); else the files, one at a time."""
    folder = Path(os.path.commonpath([AnnotationFileFormat.dataset_folder(p) for p in paths]))
    if sorted(coco_files(folder)) == sorted(paths):
        return f"'{folder}'"
    holder = Path(os.path.commonpath([p.parent for p in paths]))
    if root.is_dir() and holder != root and set(picked_files(coco_files(root), root, holder.name)) == set(paths):
        return f"'{root}' --masks {holder.name}"
    return " or ".join(f"'{p}'" for p in paths)
