"""The "coco" format: objects outlined in a COCO JSON file (polygons or run-length masks), as COCO
ships them and CVAT, Roboflow, Label Studio and makesense.ai export them, painted into
class-index masks once.

Recognised files: a JSON with `images`, `annotations` and `categories` lists, in the dataset
folder, in `annotations/` or in a split folder or its `annotations/`
(`annotations/instances_train2017.json`, CVAT's `annotations/instances_default.json`, Roboflow's
`train/_annotations.coco.json`, ARCADE's `train/annotations/train.json`); DATA may be the file
itself. Where COCO ships several files of one split (`person_keypoints_*`, `stuff_*`), the
`instances_*` ones are read; a file whose images and objects the files read hold too (CrowdAI
Mapping's `annotation-small.json`, HRSID's `inshore.json`) is set aside, and so is a union whose
parts carry the splits (HRSID's `train_test2017.json`, read as `train2017.json` and
`test2017.json`); annotation sets of the same images whose categories differ (TrashCan's
`instance_version/` and `material_version/`) are refused, never merged by category id, and so are
folders of the same splits whose objects share no category (ARCADE's `syntax/` and `stenosis/`
tasks). An image without a `file_name` (LVIS, whose images are COCO's) is found by its `coco_url`.
A file of several levels of categories (DENTEX's `categories_1` ... `categories_3`, each object's
`category_id_1` ... `category_id_3`) is read by one level, the last unless `--label-field` names
another. Image entries naming their subject (SeaTurtleID2022's `identity`) group the pairs.

Each image's objects are painted much as torchvision's COCO segmentation reference paints them:
an object's pixels get its category's class (categories in id order, after background 0; the
ones no object uses, such as Roboflow's dataset-name category, are left out), crowd regions
included, and pixels that objects of two classes claim get the ignore label 255. The reference
ignores any overlap, of one class's objects too; here those stay their class, since touching
objects of one class are no ambiguity (`painted_masks`, which writes the masks into the cache once).
"""

from __future__ import annotations

import json
import logging
import os
from functools import partial
from itertools import combinations
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from seglab.data.annotations.annotated_images import located_images, refuse_shared_images
from seglab.data.annotations.annotation_formats import (
    SNIFFED_BYTES,
    AnnotationFileFormat,
    file_head,
    load_json,
    relative_names,
    top_annotation_files,
)
from seglab.data.classes import ClassSpec, shipped_classes
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.discovery.folders import path_lies_under
from seglab.data.discovery.naming import folder_split
from seglab.data.annotations.coco_levels import LEVEL_KEY, category_levels, level_read, levels_line
from seglab.data.annotations.painted_masks import IGNORE, OVERLAP_IGNORED, Drawn, ImageObjects
from seglab.data.splitting.subject_tables import field_subjects
from seglab.errors import DataError

log = logging.getLogger(__name__)

_KEYS = ('"images"', '"annotations"', '"categories"')
_DrawnMemo = dict[tuple[Path, int | str], set[tuple[str | None, str]]]  # (file, image id) -> `_drawn`


@dataclass
class CocoAnnotations:
    """One COCO file, read: its images (id -> entry), their objects and the categories."""

    path: Path
    images: dict[int | str, dict] = field(default_factory=dict)
    objects: dict[int | str, list[dict]] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)  # a hierarchical file's level fields -> category counts
    level: str = "category_id"  # the field its objects' categories are read from

    @property
    def split(self) -> str | None:
        """The split its name or folder says (`instances_val2017.json`, Roboflow's `valid/`)."""
        return folder_split(self.path.stem) or folder_split(self.path.parent.name)


def coco_files(root: Path) -> list[Path]:
    """The COCO annotation files of a dataset (`top_annotation_files`): `instances_*` ones only,
    when COCO's other kinds lie beside them."""
    found = top_annotation_files(root, ".json", _looks_like_coco)
    instances = [p for p in found if p.name.startswith("instances")]
    return instances or found


def picked_files(files: list[Path], root: Path, masks: str | None) -> list[Path]:
    """The annotation files in the folder (or of the name) a --masks value names: one annotation
    set of several over the same images (USIS10K's `multi_class_annotations/` beside
    `foreground_annotations/`); all of them without one."""
    if masks is None:
        return files
    return [p for p in files if p.is_relative_to(root) and path_lies_under(p.relative_to(root).parts, masks)]


def _looks_like_coco(path: Path) -> bool:
    """A JSON object whose head names `images`; the other keys too, unless the file is longer than
    its head (they may come last). Panoptic files are the `coco-panoptic` format's."""
    head = file_head(path)
    keys = all(k in head for k in _KEYS[:2]) and (_KEYS[2] in head or LEVEL_KEY.search(head) is not None)
    return head.lstrip().startswith("{") and _KEYS[0] in head and (path.stat().st_size > SNIFFED_BYTES or keys) \
        and not is_panoptic(path, head)


def is_panoptic(path: Path, head: str | None = None) -> bool:
    """A JSON object whose head shows panoptic segments, or a `*panoptic*.json` with images."""
    head = (file_head(path) if head is None else head).lstrip()
    return head.startswith("{") and ('"segments_info"' in head or ("panoptic" in path.name.lower()
                                                                    and '"images"' in head))


def coco_lists(path: Path, kind: str) -> dict:
    """A COCO-style JSON object (instances or panoptic) with its `images`, `annotations` and
    `categories` lists.

    Raises:
        DataError: not JSON, or without those lists, naming the `kind` of file and the file.
    """
    data = load_json(path, f"{kind} file")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("images", "annotations")) \
            or not isinstance(data.get("categories"), list) and not category_levels(data):
        raise DataError(f"{kind} file '{path}' needs 'images', 'annotations' and 'categories' lists (or a "
                        "'categories_1', 'categories_2', ... list per level of categories)")
    return data


def image_key(value: object) -> int | str:
    """An image's id (`images[].id`, `annotations[].image_id`) as a key both lists match on:
    COCO's integers, and the strings WildDash 2 and Cityscapes' panoptic files give
    (`frankfurt_000000_000294`); a string `int` reads is its number, as it always was.

    Raises:
        TypeError: any other value (a list, null, true, a fraction).
    """
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"image id {value!r} is neither a number nor a string")


def read_annotations(path: Path, label_field: str | None = None) -> CocoAnnotations:
    """A COCO file's images, objects and categories; of a hierarchical file's levels, the one
    `coco_levels.level_read` picks (`label_field`: `--label-field category_id_1`).

    Raises:
        DataError: not JSON, lists that are not COCO's, or a level it does not have, naming the file.
    """
    data = coco_lists(path, "COCO")
    level, categories = level_read(data, path, label_field)
    read = CocoAnnotations(path, level=level, levels={
        f"category_id_{n}": len(data[f"categories_{n}"]) for n in category_levels(data)})
    try:
        read.categories = {int(c["id"]): str(c["name"]) for c in categories}
        read.images = {image_key(i["id"]): {**i, "file_name": name} for i in data["images"] if (name := _file_name(i))}
        for item in data["annotations"]:
            read.objects.setdefault(image_key(item["image_id"]), []).append(
                {**item, "category_id": int(item[level])})
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise DataError(f"COCO file '{path}': an entry lacks its id, name, image_id or {level}, or an id is no "
                        f"number (image ids may also be strings) ({err!r})") from None
    return read


def _file_name(entry: dict) -> str:
    """An image entry's name to look for: its `file_name`, or where it has none (LVIS, whose images
    are COCO's) the path of its `coco_url` (`train2017/000000391895.jpg`); its `flickr_url` names
    Flickr's copy, not a file of the dataset."""
    return str(entry.get("file_name") or urlsplit(str(entry.get("coco_url") or "")).path.lstrip("/"))


@FORMATS.register("coco")
class CocoFormat(AnnotationFileFormat):
    """COCO JSON annotations beside the images; DATA is the folder or the JSON file."""

    layout = ("a COCO JSON file (images, annotations with polygons or RLE, categories) beside the images: "
              "annotations/instances_*.json, Roboflow's _annotations.coco.json, CVAT's instances_default.json")
    cache_name = "coco"
    picks_folders = True  # --masks picks one annotation set's folder (USIS10K's multi_class_annotations/)

    def files(self, root: Path) -> list[Path]:
        return picked_files(coco_files(root), root, self.options.masks)

    def detect(self, root: Path) -> bool:
        """Whether COCO files are there (of the folder --masks names, when it names one); --images
        names folder-pairs' image folder, which a COCO file's image names leave no choice of."""
        return self.options.images is None and super().detect(root)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        every = [read_annotations(p, self.options.label_field) for p in self.found(root)]
        located, problems = located_images([(f.path, [(i, str(e['file_name'])) for i, e in f.images.items()])
                                            for f in every], base, "id")
        files, aside = _without_subsets(every, located)
        images = {f.path: located[f.path] for f in files}
        _refuse_rival_categories(files, root)
        refuse_shared_images(images, base, ", and neither holds all of the other's images and objects",
                             partial(_set_routes, every, root))
        problems = [p for p in problems if p.path not in aside]
        refuse_boxes_only(files, ", ".join(str(f.path) for f in files))
        used_by = {f.path: used_categories(f) for f in files}  # every object walked once
        _refuse_tasks(files, used_by, root)
        used = sorted(set().union(*used_by.values()))
        names = {c: n for f in files for c, n in f.categories.items()}
        unknown = [c for c in used if c not in names]
        if unknown:
            raise DataError(f"COCO objects use category ids {unknown[:5]} that no 'categories' entry names "
                            f"({', '.join(str(f.path) for f in files)})")
        multilabel = self.options.multilabel  # a mask per category, so that they may overlap
        spec, label_of = category_classes([names[c] for c in used], used, multilabel, classes,
                                          f"the categories of {', '.join(str(f.path) for f in files)}")
        split_of = {image: f.split for f in files for image in images[f.path].values()}
        drawn = [image_objects(coco, image_id, image, label_of) for coco in files
                 for image_id, image in images[coco.path].items()]
        pairs, painting = self.painted_pairs(drawn, [f.path for f in files], OVERLAP_IGNORED, spec, base,
                                             files[0].path.stem.strip("_.") or "coco", split_of)
        objects = sum(len(o) for f in files for o in f.objects.values())
        line = (f"{relative_names([f.path for f in files], base)}: {objects} objects on "
                f"{len(pairs)} images painted into {len(used)} classes " + (
                    "(a mask per class: they may overlap)" if multilabel else
                    f"(pixels two classes claim: ignore {IGNORE})")) + levels_line(files)
        if aside:
            line += "; subsets set aside (all their images and objects are in the files read): " + ", ".join(
                _set_aside(part, wholes, located, base) for part, wholes in aside.items())
        entries = {image: coco.images[key] for coco in files for key, image in images[coco.path].items()}
        pairs, grouped = _grouped_by_field(pairs, entries)
        return self.indexed(base, pairs, spec, problems + painting, line + grouped, ignored=list(aside))


def _grouped_by_field(pairs: list[Pair], entries: dict[Path, dict]) -> tuple[list[Pair], str]:
    """`pairs` grouped by the subject their image entries name (`field_subjects`: SeaTurtleID2022's
    `identity`, the turtle photographed), so that a split never puts one subject's photos on both
    sides, and what `seglab inspect` says of it; as they are, and nothing said, when no field does."""
    found = field_subjects({p.name: entries[p.image] for p in pairs if p.image in entries})
    if found is None:
        return pairs, ""
    named_by, subjects = found
    grouped = [replace(p, group=subjects.get(p.name, p.name)) for p in pairs]
    return grouped, (f"; grouped by the images' '{named_by}' ({len(set(subjects.values()))} groups): a split keeps each "
                     "group's images together")


def _without_subsets(files: list[CocoAnnotations], located: dict[Path, dict]) -> tuple[list[CocoAnnotations],
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


def _set_aside(part: Path, wholes: list[Path], located: dict[Path, dict], base: Path) -> str:
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


def _refuse_rival_categories(files: list[CocoAnnotations], root: Path) -> None:
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


def used_categories(coco: CocoAnnotations) -> set[int]:
    """The category ids that objects of `coco` use."""
    return {int(o["category_id"]) for objects in coco.objects.values() for o in objects}


def _refuse_tasks(files: list[CocoAnnotations], used_by: dict[Path, set[int]], root: Path) -> None:
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


def _set_routes(files: list[CocoAnnotations], root: Path, one: Path, other: Path) -> str:
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
    folder = Path(os.path.commonpath([CocoFormat.dataset_folder(p) for p in paths]))
    if sorted(coco_files(folder)) == sorted(paths):
        return f"'{folder}'"
    holder = Path(os.path.commonpath([p.parent for p in paths]))
    if root.is_dir() and holder != root and set(picked_files(coco_files(root), root, holder.name)) == set(paths):
        return f"'{root}' --masks {holder.name}"
    return " or ".join(f"'{p}'" for p in paths)


def refuse_boxes_only(files: list[CocoAnnotations], described: str) -> None:
    """Stop on a detection dataset: objects with a `bbox` and an empty or no `segmentation` (a
    Roboflow object-detection export writes `"segmentation": []`) would be painted as nothing,
    and every mask would be background; some such objects among outlined ones are logged.

    Raises:
        DataError: no object has an outline, naming the files (`described`).
    """
    objects = [o for f in files for found in f.objects.values() for o in found]
    boxes = sum(1 for o in objects if not o.get("segmentation"))
    if objects and boxes == len(objects):
        raise DataError(f"{described}: none of its {boxes} objects has an outline "
                        "('segmentation'), only a box: a detection dataset, whose masks would all be background; "
                        "export the objects with polygons or masks (instance or semantic segmentation)")
    if boxes:
        log.warning("%d of %d COCO objects have no outline, only a box: they are left out of the masks",
                    boxes, len(objects))


def category_classes(names: list[str], used: list[int], multilabel: bool, classes: ClassSpec | None,
                     described: str) -> tuple[ClassSpec, dict[int, int]]:
    """The classes of the categories objects use (`used` ids, named `names`, in that order) and each
    id's label: background 0 and then theirs, pixels two classes claim ignored; under `multilabel`
    a mask per category, no background. `classes` (classes.json) replaces the names."""
    spec = classes or (shipped_classes(names, described) if multilabel else
                       shipped_classes(("background", *names), described, IGNORE))
    return spec, {category: k + 1 for k, category in enumerate(used)}


def image_objects(coco: CocoAnnotations, image_id: int | str, image: Path, label_of: dict[int, int]) -> ImageObjects:
    """An image's entry and objects, as `painted_masks` paints them.

    Raises:
        DataError: an entry without its height and width, or a run-length mask of another size.
    """
    entry = coco.images[image_id]
    try:
        height, width = int(entry["height"]), int(entry["width"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise DataError(f"COCO file '{coco.path}': image '{entry.get('file_name')}' has no height and width") from None
    drawn = []
    for item in coco.objects.get(image_id, []):
        source = f"COCO file '{coco.path}': object {item.get('id')} of image '{entry['file_name']}'"
        _refuse_other_size(item.get("segmentation"), height, width, source)
        drawn.append(Drawn(label_of[int(item["category_id"])], item.get("segmentation"), source))
    return ImageObjects(image, height, width, drawn)


def _refuse_other_size(segmentation: object, height: int, width: int, source: str) -> None:
    """Stop on a run-length mask whose `size` is not its image entry's: its runs belong to another
    grid, and a transposed size (as many pixels) would be painted without an error, wrongly.

    Raises:
        DataError: naming the object, both sizes and the route.
    """
    size = segmentation.get("size") if isinstance(segmentation, dict) else None
    if size is not None and size != [height, width]:
        raise DataError(f"{source} is a run-length mask of size {size} ([height, width]), but the image entry says "
                        f"[{height}, {width}]: the mask was made for another size of the image; export it again at "
                        "the image's size, or leave that object out")
