"""COCO JSON files: which files of a dataset are COCO's (`coco_files`, `picked_files`) and what
one holds, read (`read_annotations`: its images, objects and categories)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from seglab.data.annotations.annotation_formats import SNIFFED_BYTES, file_head, load_json, top_annotation_files
from seglab.data.annotations.coco_levels import LEVEL_KEY, category_levels, level_read
from seglab.data.discovery.folders import path_lies_under
from seglab.data.discovery.naming import folder_split
from seglab.errors import DataError

_KEYS = ('"images"', '"annotations"', '"categories"')


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
