"""COCO files whose images and objects the other files hold too (a subset, or a union of files
that carry the splits): set aside, as read too they would annotate those images twice."""

from __future__ import annotations

import json
from pathlib import Path

from seglab.data.annotations.annotation_formats import relative_names
from seglab.data.annotations.coco_reading import CocoAnnotations

_DrawnMemo = dict[tuple[Path, int | str], set[tuple[str | None, str]]]  # (file, image id) -> `_drawn`


def without_subsets(files: list[CocoAnnotations], located: dict[Path, dict]) -> tuple[list[CocoAnnotations],
                                                                                      dict[Path, list[Path]]]:
    """The files to read, and each file set aside for the files read that annotate all its images
    with all its objects (CrowdAI Mapping's `annotation-small.json` beside `annotation.json`, COCO
    2014's `instances_minival2014.json` beside `instances_val2014.json`, HRSID's
    `inshore_offshore/inshore.json` beside its `train2017.json` and `test2017.json`): read too, it
    would annotate those images twice. The files with most images are kept first, so of two equal
    files the first is read; a kept file that files carrying splits make up again is read as them
    (`_split_parts`), and a kept file that the others hold together is set aside too (HRSID's
    `offshore.json`, its images in `train2017.json` and `test2017.json`, where its
    `train_test2017.json` is not there to hold it)."""
    drawn: _DrawnMemo = {}  # each image's objects, drawn once however often files are compared
    kept: list[CocoAnnotations] = []
    for part in sorted(files, key=lambda f: -len(located[f.path])):
        if not _held(part, kept, located, drawn):
            kept.append(part)
    kept = [split for whole in kept for split in _split_parts(whole, files, located, drawn) or [whole]]
    for file in sorted(kept, key=lambda f: f.split is not None):  # splitless first, so that the splits stay
        if _held(file, [f for f in kept if f is not file], located, drawn):
            kept.remove(file)
    read = [f for f in files if f in kept]
    aside = {f.path: [w.path for w in read if set(located[f.path].values()) & set(located[w.path].values())]
             for f in files if f not in kept}
    return read, aside


def _split_parts(whole: CocoAnnotations, files: list[CocoAnnotations], located: dict[Path, dict],
                 drawn: _DrawnMemo) -> list[CocoAnnotations]:
    """The files carrying a split, no two of one image, that `whole` holds and that together hold
    all of it again (HRSID's `train2017.json` and `test2017.json` beside `train_test2017.json`):
    read in its place, they keep the splits it loses; none where their splits are just its own (`val`
    parts of a `val` file)."""
    parts: list[CocoAnnotations] = []
    images: set[Path] = set()
    for part in sorted(files, key=lambda f: -len(located[f.path])):
        mine = set(located[part.path].values())
        if part is not whole and part.split and not mine & images and _held(part, [whole], located, drawn):
            parts.append(part)
            images |= mine
    splits = {part.split for part in parts}  # none without parts: `_held` by no files is false
    return parts if splits != {whole.split} and _held(whole, parts, located, drawn) else []


def _held(part: CocoAnnotations, wholes: list[CocoAnnotations], located: dict[Path, dict], drawn: _DrawnMemo) -> bool:
    """Whether `wholes` annotate every image of `part` (each found) with each of its objects, an
    object being its category's name and its outline."""
    holders: dict[Path, list[tuple[CocoAnnotations, int | str]]] = {}
    for whole in wholes:
        for key, image in located[whole.path].items():
            holders.setdefault(image, []).append((whole, key))
    mine = located[part.path]
    return bool(mine) and len(mine) == len(part.images) and all(image in holders for image in mine.values()) \
        and all(_drawn(part, key, drawn) <= set().union(*(_drawn(w, k, drawn) for w, k in holders[image]))
                for key, image in mine.items())


def described_aside(part: Path, wholes: list[Path], located: dict[Path, dict], base: Path) -> str:
    """How the log names a file set aside: `inshore.json of train2017.json and test2017.json`, or
    `train_test2017.json, the union of train2017.json and test2017.json` when those hold nothing
    more."""
    names = " and ".join(relative_names([whole], base) for whole in wholes)
    union = len(wholes) > 1 and {i for w in wholes for i in located[w].values()} <= set(located[part].values())
    return f"{relative_names([part], base)}{', the union' if union else ''} of {names}"


def _drawn(coco: CocoAnnotations, image_id: int | str, drawn: _DrawnMemo) -> set[tuple[str | None, str]]:
    """An image's objects as (category name, segmentation as JSON): what painting them depends on;
    kept in `drawn`, as a file's images are compared with several files'."""
    key = (coco.path, image_id)
    if key not in drawn:
        drawn[key] = {(coco.categories.get(o["category_id"]), json.dumps(o.get("segmentation"), sort_keys=True))
                      for o in coco.objects.get(image_id, [])}
    return drawn[key]
