"""ADE20K's full release (`ADE20K_2021_17_01`): beside each `images/ADE/<split>/<scene>/ADE_train_00000001.jpg`
an `ADE_train_00000001_seg.png` whose R and G channels hold the object class, id R / 10 * 256 + G
(0 unlabelled), and whose B channel numbers the objects (the CSAIL toolkit's
`utils_ade20k.loadAde20K`). Read as colours, every object was a colour of its own and the masks
became 'background' and 'object'; decoded, they hold the release's classes, up to 3,688.

The classes are the ids the masks hold, in id order, named by the release's `objects.txt` when
its rows give their ids, else by the `.json` beside each image (`annotation.object[]`'s `name`
and `name_ndx`); `index_ade20k.pkl` is never read (unpickling runs code). The part masks
(`_parts_N.png`) and the folder of per-object masks beside each image are left out.

Naming the classes needs the ids every mask holds: 27,574 PNGs in the training split, minutes of
decoding. The counts are kept in the cache under the masks' sizes and modification times, so
only the first command reads them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_file, regular_text
from seglab.data.classes import ClassSpec
from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping
from seglab.data.classes.value_names import short_names
from seglab.data.files.file_threads import on_threads
from seglab.data.files.file_version import versions
from seglab.data.files.folders_above import folders_above
from seglab.data.files.io import read_raw_mask
from seglab.errors import DataError

logger = logging.getLogger(__name__)

SEG_SUFFIX = "_seg.png"
OBJECTS_FILE = "objects.txt"
PICKLE_FILE = "index_ade20k.pkl"
_PREFIX = "ade_"  # the release names every file so: ADE_train_..., ADE_val_..., ADE_frame_...
_ABOVE = 3  # folders above DATA searched for the release's tables: DATA is often images/ADE/
_CODES = 26 * 256  # ids an 8-bit R and G can encode (R / 10 up to 25)
_PARTS = re.compile(r".+_parts_\d+\.png")
_ID_COLUMNS = ("name index", "name_ndx", "idx", "id", "index")  # an objects.txt header's id column
_NAME_COLUMNS = ("wordnet name", "name", "object names", "objectnames")
_COUNTS_VERSION = 1  # part of the cached counts' key: bump when counting changes
MANY_CLASSES = 150  # the release's own benchmark (SceneParsing) keeps 150: more is said with the route to fewer


@MAPPINGS.register("ade20k")
@dataclass(frozen=True)
class Ade20kMapping(MaskMapping):
    """ADE20K `_seg.png` masks: each pixel's class id R // 10 * 256 + G; `ids[k]` is class k (0:
    a class no mask here holds). Id 0 (unlabelled) is `void_label`, and so are the other ids when
    `others_ignored` (a classes.json kept some); otherwise a mask holding one is refused."""

    ids: tuple[int, ...] = ()
    void_label: int = 255
    others_ignored: bool = False
    kind: ClassVar[str] = "ade20k"
    needs_rgb: ClassVar[bool] = True
    label_map_route: ClassVar[str] = ("ADE20K masks, whose class ids are decoded from R and G; keep the classes to "
                                      "train by their names in a classes.json (\"names\", as seglab inspect lists "
                                      "them) and pass it with --classes")

    def __post_init__(self) -> None:
        ids = tuple(self.ids)
        named = [v for v in ids if v]
        if not ids or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < _CODES for v in ids) \
                or len(set(named)) < len(named):
            raise ValueError(f"an ade20k mapping needs a list of distinct class ids 1-{_CODES - 1} (0: none here)")
        object.__setattr__(self, "ids", ids)

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The label of each id, and whether it is a class or 0; built once, as masks are many."""
        labels = np.full(_CODES, self.void_label, dtype=np.int64)
        classes = [k for k, v in enumerate(self.ids) if v]
        labels[[self.ids[k] for k in classes]] = classes
        known = np.zeros(_CODES, dtype=bool)
        known[[0, *self.ids]] = True
        return labels, known

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if raw.ndim != 3 or raw.shape[2] != 3 or raw.dtype != np.uint8:
            raise MappingError(f"mask has shape {raw.shape} of {raw.dtype}; ADE20K's class ids need 8-bit RGB masks",
                               "grey-mask-for-colours")
        codes = class_ids(raw)
        labels, known = self._tables
        if not self.others_ignored:
            stray = np.unique(codes[~known[codes]])
            if len(stray):
                raise MappingError(f"mask holds ADE20K class ids (R / 10 * 256 + G) that are no class here: "
                                   f"{', '.join(map(str, stray[:5].tolist()))}; its classes were read from other "
                                   "masks: read this folder afresh (seglab inspect DATA)", "values-outside-classes")
        return labels[codes]

    def describe(self) -> str:
        others = " and ids of no class" if self.others_ignored else ""
        return (f"{self.kind}: class id R / 10 * 256 + G (B numbers the objects), {sum(map(bool, self.ids)):,} ids "
                f"read as classes; id 0 (unlabelled){others} is {self.void_label} (ignored)")


def class_ids(raw: np.ndarray) -> np.ndarray:
    """(H, W) ADE20K class ids of an 8-bit RGB `_seg.png`, R // 10 * 256 + G.

    Raises:
        MappingError: R values that are no multiple of 10, which no ADE20K mask holds.
    """
    red = raw[..., 0]
    levels = np.flatnonzero(np.bincount(red.ravel(), minlength=256))  # a few levels: checked, not every pixel
    if (levels % 10).any():
        raise MappingError(f"mask has red values such as {int(levels[levels % 10 != 0][0])}, no multiple of 10: not "
                           "ADE20K's class ids (R / 10 * 256 + G)", "bad-mask")
    return (red // 10).astype(np.uint16) * 256 + raw[..., 1]


def ade20k_reading(root: Path, masks: Sequence[Path], classes: ClassSpec | None, cache: Path
                   ) -> tuple[ClassSpec, Ade20kMapping] | None:
    """The classes and mapping of ADE20K `_seg.png` masks, or None for other masks.

    They are ADE20K's when every mask is named `<image>_seg.png`, either the names start
    `ADE_` or the release's `objects.txt` or `index_ade20k.pkl` lies in DATA, up to three folders
    above it or between it and the masks, and a mask's R channel holds multiples of 10 only.
    Every mask is read for the ids present (once: the counts are kept in `cache`): without
    `classes` they are the classes, in id order;
    with `classes` (a classes.json keeping some, or a run's) its names are matched to the ids and
    the other ids are ignored.

    Raises:
        DataError: a classes.json naming one id twice, or none the masks hold.
    """
    if not masks or not all(p.name.lower().endswith(SEG_SUFFIX) for p in masks):
        return None
    release = _release_folder(root, masks)
    if not (release is not None or all(p.name.lower().startswith(_PREFIX) for p in masks)) or not _encoded(masks):
        return None
    pixels = _present(masks, cache)
    if not pixels:  # every pixel unlabelled: nothing to name, read as any masks are
        return None
    objects = release / OBJECTS_FILE if release is not None and (release / OBJECTS_FILE).is_file() else None
    names = _names(sorted(pixels), masks, objects)
    _say_left_out(masks, release)
    if classes is not None:
        return _kept(classes, names, pixels)
    ids = sorted(pixels)
    void = 255 if len(ids) <= 255 else -1  # 255 would be a class
    spec = ClassSpec(tuple(names.get(v, f"ade_{v}") for v in ids), ignore_index=void)
    unnamed = [v for v in ids if v not in names]
    logger.info("ADE20K masks (_seg.png): class id R / 10 * 256 + G, B numbering the objects; the %d masks hold %d "
                "ids, read as classes 0-%d in id order, named by %s%s; id 0 (unlabelled) is the ignore label %d",
                len(masks), len(ids), len(ids) - 1, f"'{objects}'" if objects else "the .json beside each image",
                f" ({len(unnamed)} named by no file: ade_<id>)" if unnamed else "", void)
    if len(ids) > MANY_CLASSES:
        logger.info("%d classes: to train fewer, keep their names in a classes.json (\"names\", as `seglab inspect` "
                    "lists them) and pass it with --classes; the other ids are then ignored, none merged", len(ids))
    return spec, Ade20kMapping(tuple(ids), void)


def _release_folder(root: Path, masks: Sequence[Path]) -> Path | None:
    """The folder holding the release's `objects.txt` or `index_ade20k.pkl`: DATA, up to `_ABOVE`
    folders above it (DATA is often `images/ADE/`) that may be read as the dataset's
    (`folders_above`: never the home folder or above it, nor a folder of datasets), or a folder
    between DATA and the masks."""
    top = root.resolve()
    folders = [top, *folders_above(top, _ABOVE)]
    for mask_dir in dict.fromkeys(p.parent for p in masks):
        folders += [p for p in reversed(mask_dir.resolve().parents) if p.is_relative_to(top) and p != top]
    return next((f for f in dict.fromkeys(folders) if (f / OBJECTS_FILE).is_file() or (f / PICKLE_FILE).is_file()),
                None)


def _encoded(masks: Sequence[Path]) -> bool:
    """Whether the first readable of the first masks is 8-bit RGB with class ids in R and G."""
    for path in masks[:3]:
        try:
            raw = read_raw_mask(path, rgb=True)
        except DataError:
            continue
        if raw.ndim != 3 or raw.dtype != np.uint8:
            return False
        try:
            class_ids(raw)  # refuses red values no ADE20K mask holds
        except MappingError:
            return False
        return True
    return False


def _present(masks: Sequence[Path], cache: Path) -> Counter[int]:
    """Pixels of each class id in all masks, 0 left out; a mask that is no ADE20K mask adds
    nothing here, and the scan refuses it with the reason. Kept in `cache` under the masks'
    versions: an unchanged release is counted once."""
    facts = [_COUNTS_VERSION, versions(masks)]
    path = cache / "ade20k" / f"ids-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:24]}.json"
    try:
        return Counter({int(v): int(n) for v, n in json.loads(path.read_text(encoding="utf-8"))})
    except (OSError, ValueError, TypeError):
        pass
    total = _counted(masks)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(sorted(total.items())), encoding="utf-8")
        os.replace(partial, path)
    except OSError as err:  # a read-only cache costs the next command a recount, nothing else
        logger.debug("ADE20K class id counts not kept in '%s': %s", path, err)
    return total


def _counted(masks: Sequence[Path]) -> Counter[int]:
    """Pixels of each class id in all masks, each mask decoded."""
    def count(path: Path) -> Counter[int]:
        try:
            raw = read_raw_mask(path, rgb=True)
            codes = class_ids(raw) if raw.ndim == 3 and raw.dtype == np.uint8 else None
        except (DataError, MappingError):
            return Counter()
        if codes is None:
            return Counter()
        counts = np.bincount(codes.ravel(), minlength=_CODES)
        return Counter({int(v): int(counts[v]) for v in np.flatnonzero(counts) if v})

    logger.info("reading the %d ADE20K masks for the class ids they hold", len(masks))
    total: Counter[int] = Counter()
    for counts in on_threads(count, masks):
        total.update(counts)
    return total


def _names(ids: list[int], masks: Sequence[Path], objects: Path | None) -> dict[int, str]:
    """Short names (`short_names`) by id: from `objects` when it numbers its rows and agrees with
    the `.json` beside the images, else from those `.json` files."""
    table = _objects_table(objects) if objects is not None else {}
    beside = _described(masks, set(ids) - set(table))
    wrong = sorted(v for v in beside if table and table.get(v) != beside[v])
    if wrong:
        logger.warning("'%s' names id %d %s, but the .json beside the images name it '%s': its rows are not "
                       "numbered as the masks are, so the .json files name the classes", objects, wrong[0],
                       f"'{table[wrong[0]]}'" if wrong[0] in table else "nothing", beside[wrong[0]])
        return _names(ids, masks, None)
    known = short_names({**beside, **table})
    taken = Counter(known.values())
    return {v: f"{name} ({v})" if taken[name] > 1 else name for v, name in known.items()}


def _objects_table(path: Path) -> dict[int, str]:
    """Full names by id from the release's `objects.txt`: tab-separated rows under a header naming
    an id column (`Name index`, `name_ndx`, `idx`, `id`) and a name column (`Wordnet name`,
    `name`), or `id<TAB>name` rows. Empty, with a warning, for any other shape: the order of the
    rows alone never numbers the classes."""
    try:
        data = regular_file(path).read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    except OSError as err:
        logger.warning("cannot read '%s' (%s): the classes are named by the .json beside each image", path, err)
        return {}
    rows = [line.split("\t") for line in text.splitlines() if line.strip()]
    header = [cell.strip().strip('"').lower() for cell in rows[0]] if rows else []
    id_column = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    name_column = next((header.index(c) for c in _NAME_COLUMNS if c in header), None)
    if id_column is None or name_column is None:  # no header: id<TAB>name rows
        id_column, name_column, body = 0, 1, rows
    else:
        body = rows[1:]
    table = {}
    for row in body:
        try:
            table[int(row[id_column])] = row[name_column].strip().strip('"') or f"ade_{row[id_column]}"
        except (IndexError, ValueError):
            logger.warning("'%s' is not read: its row %s gives no class id and name (a header naming an id column, or "
                           "id<TAB>name rows); the classes are named by the .json beside each image", path, row[:3])
            return {}
    return table


def _described(masks: Sequence[Path], wanted: set[int]) -> dict[int, str]:
    """Full names by id from the `.json` beside each image: its objects' `name` and `name_ndx`
    (parts, `part_level` over 0, lie in the part masks), read until every id `wanted` is named,
    and at least one."""
    names: dict[int, str] = {}
    read = False
    for mask in masks:
        if read and wanted <= names.keys():
            break
        path = mask.with_name(mask.name[: -len(SEG_SUFFIX)] + ".json")
        try:
            objects = json_value(regular_text(path, encoding="utf-8"))["annotation"]["object"]
        except (OSError, ValueError, KeyError, TypeError):  # ValueError: undecodable, no JSON, past int()'s digits
            continue
        read = True
        for item in objects if isinstance(objects, list) else ():
            try:
                name = str(item["name"]).strip()
                if name and not item.get("parts", {}).get("part_level", 0):
                    names.setdefault(int(item["name_ndx"]), name)
            except (AttributeError, KeyError, TypeError, ValueError):
                continue
    return names


def _kept(classes: ClassSpec, names: dict[int, str], pixels: Counter[int]) -> tuple[ClassSpec, Ade20kMapping]:
    """The classes a classes.json names, matched to ids by name (or `ade_<id>`); the ids present
    that it does not name are ignored, and said so with their pixels."""
    ids = {name: v for v, name in names.items()}
    wanted = [ids.get(n, int(n[4:]) if re.fullmatch(r"ade_\d+", n) and int(n[4:]) < _CODES else 0)
              for n in classes.names]
    twice = [n for n, v in zip(classes.names, wanted) if v and wanted.count(v) > 1]
    if twice:
        raise DataError(f"classes.json names ADE20K class id {wanted[classes.names.index(twice[0])]} twice: "
                        f"{', '.join(twice)}; keep one of them")
    absent = [n for n, v in zip(classes.names, wanted) if v not in pixels]
    if len(absent) == len(wanted):
        held = ", ".join(names.get(v, f"ade_{v}") for v, _ in pixels.most_common(5)) + ", ..." * (len(pixels) > 5)
        raise DataError(f"the classes.json names none of the {len(pixels)} ADE20K classes these masks hold ({held}): "
                        "keep their names as `seglab inspect DATA` lists them without --classes")
    others = {v: count for v, count in pixels.items() if v not in wanted}
    void = classes.ignore_index if classes.ignore_index is not None else 255 if len(wanted) <= 255 else -1
    share = sum(others.values()) / sum(pixels.values())
    largest = ", ".join(names.get(v, f"ade_{v}") for v, _ in Counter(others).most_common(5))
    logger.info("ADE20K masks (_seg.png) read as the %d classes named in classes.json; id 0 (unlabelled)%s is the "
                "ignore label %d%s", len(wanted), f" and the {len(others)} ids present not named there "
                f"({100 * share:.1f}% of the labelled pixels: {largest}), not merged into a class," if others else "",
                void, f"; {len(absent)} named classes are in no mask here ({', '.join(absent[:5])})" if absent else "")
    return replace(classes, ignore_index=void), Ade20kMapping(tuple(wanted), void, others_ignored=True)


def _say_left_out(masks: Sequence[Path], release: Path | None) -> None:
    """Log the release's files that are not read: part masks, per-object masks, the pickle."""
    stems = {p.name[: -len(SEG_SUFFIX)].lower() for p in masks}
    parts = folders = 0
    for folder in dict.fromkeys(p.parent for p in masks):
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name.lower()
                parts += bool(_PARTS.fullmatch(name)) and entry.is_file()
                folders += name in stems and entry.is_dir()
    pickle = release / PICKLE_FILE if release is not None and (release / PICKLE_FILE).is_file() else None
    if parts or folders or pickle:
        logger.info("ADE20K files not read: %d part masks (_parts_N.png: object parts, not the objects' classes), "
                    "%d folders of per-object masks beside the images%s", parts, folders,
                    f", '{pickle}' (a pickle can run code when loaded; the names come from text files)" if pickle else "")
