"""Multi-label masks on disk, read as bit sets (`seglab.labelsets`): classes that overlap.

Five layouts, each a mapping registered beside the class-index ones (so a model card's
mapping says how its masks were read), and colour masks of a 0/255 class per channel
(`encodings.channel_classes`: read so unasked where their classes overlap, else by `--task multilabel`):
- `masks/<class>/<name>.png`: one binary mask per class (the `class-folders` format);
- one multi-channel array per image (.npy, .npz, .tif), C x H x W or H x W x C, binary
  (`--multilabel`: a 3-D mask is otherwise an error);
- regions of a class-index mask, named in classes.json as nnU-Net's region-based training does:
  `"regions": {"whole": [1, 2, 3], "core": [2, 3], "enhancing": [3]}`.
- a folder per class under `--masks`, each file named per class (IDRiD's
  `1. Microaneurysms/IDRiD_01_MA.tif`), a class without a file absent (`--task multilabel`);
- a file per class beside each image's others, the class in the name (ISIC 2018 Task 2's
  `ISIC_0000000_attribute_globules.png`; `--task multilabel`, `rival_namings.namings_as_classes`),
  or a file only for the classes an image shows (EDD2020's `EDD2020_ACB0001_BE.tif`; read so
  without a flag, `class_namings`).

`apply_task` turns a discovered index into a multi-label one where the layout or the user asks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import ClassVar
from pathlib import Path

import numpy as np

from seglab.data.classes.json_text import json_value
from seglab.data.classes.text_files import regular_text
from seglab.data.classes import ClassSpec, generic_name
from seglab.data.files.folder_listing import subfolders
from seglab.data.files.index import DatasetIndex, Pair, list_images, natural_key
from seglab.data.files.io import read_mask_array, read_raw_mask
from seglab.data.classes.mapping import (
    MAPPINGS, MappingError, MaskMapping, as_labels, binary_pixels, nonzero_pixels, single_channel,
)
from seglab.data.encodings.channel_classes import ChannelClassesMapping, binary_channels, channel_classes
from seglab.data.encodings.encoding import ENCODING_CODES
from seglab.data.encodings.mask_sample import sample_masks
from seglab.data.encodings.object_channels import ObjectChannelsMapping
from seglab.data.encodings.one_hot import OneHotMapping
from seglab.data.discovery.pairing import fits_template, match_folders
from seglab.data.discovery.rival_namings import refuse_rival_namings
from seglab.data.files.read_errors import ReadError
from seglab.data.layouts.wrapper_folders import lone_folder
from seglab.errors import ConfigError, DataError
from seglab.labelsets import IGNORE, MAX_CLASSES, pack_numpy, unpack_numpy

TASKS = ("auto", "multiclass", "multilabel")


def _binary(channel: np.ndarray, what: str) -> np.ndarray:
    """A mask channel as booleans: 0 is off, the one other value (1, 255, True) is on.

    Raises:
        ReadError: more than one non-zero value (`what` names the file).
    """
    on = binary_pixels(channel)
    if on is None:
        values = np.unique(channel[channel != 0])[:4].tolist()
        raise ReadError(f"{what} holds more than one non-zero value ({', '.join(map(str, values))}); "
                        "a multi-label mask channel is binary (0 and 1, or 0 and 255)", "bad-mask")
    return on


@MAPPINGS.register("class-folders")
@dataclass(frozen=True)
class ClassFoldersMapping(MaskMapping):
    """`masks/<class>/<name>`: the pair's mask is the first class's file; the same name in each
    class folder gives that class's channel (non-zero = present)."""

    names: tuple[str, ...]
    kind = "class-folders"
    multilabel = True
    reads_files = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))

    def read(self, path: Path) -> np.ndarray:
        channels = []
        for name in self.names:
            file = path.parent.parent / name / path.name
            if not file.is_file():
                raise ReadError(f"mask '{file}' does not exist: every class folder needs a mask of each image "
                                f"(an all-zero mask where the class is absent); found '{path}'", "missing")
            raw = _single_channel_or_fail(read_raw_mask(file), file)
            channels.append(_binary(raw, f"mask '{file}'"))
        return pack_numpy(np.stack(channels))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError("class-folder masks are read from one file per class (seglab.data.read_mask)")


class _FilePerClass(MaskMapping):
    """A mask file per class: a pair's masks go to the channel of their class (`class_of`), any
    non-zero pixel on; a class without a file is absent from the image."""

    multilabel = True
    reads_files = True
    reads_many = True
    described: ClassVar[str] = ""  # what tells the classes apart, for messages

    @property
    def keys(self) -> tuple[str, ...]:
        """What names each class's files, in class order."""
        raise NotImplementedError

    @property
    def channel_count(self) -> int:
        """How many classes the files are read into: a class per key, unless keys share classes."""
        return len(self.keys)

    def class_of(self, path: Path) -> int | None:
        raise NotImplementedError

    def read_all(self, paths: Sequence[Path]) -> np.ndarray:
        channels: dict[int, np.ndarray] = {}
        for path in paths:
            index = self.class_of(path)
            if index is None:
                raise ReadError(f"mask '{path}' is of no class ({self.described} {', '.join(self.keys)})", "bad-mask")
            on = nonzero_pixels(read_raw_mask(path))
            shape = next(iter(channels.values())).shape if channels else on.shape
            if on.shape != shape:
                raise ReadError(f"mask '{path}' is {on.shape[0]}x{on.shape[1]} (HxW) but '{paths[0]}' is "
                                f"{shape[0]}x{shape[1]}", "size-mismatch")
            channels[index] = on
        return pack_numpy(np.stack([channels.get(i, np.zeros(shape, bool)) for i in range(self.channel_count)]))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError(f"{self.kind} masks are read from one file per class (seglab.data.read_mask)")


@MAPPINGS.register("class-files")
@dataclass(frozen=True)
class ClassFilesMapping(_FilePerClass):
    """A mask file per class, in a folder per class and named as that folder names them
    (IDRiD's `1. Microaneurysms/IDRiD_01_MA.tif`, `2. Haemorrhages/IDRiD_01_HE.tif`); IDRiD
    leaves out the lesions an image does not show. The masks in `areas` folders mark the area
    to score (Agriculture-Vision's `boundaries/` and `masks/`): pixels where one is 0 are ignored."""

    folders: tuple[str, ...]
    areas: tuple[str, ...] = ()
    kind = "class-files"
    described = "class folders"

    def __post_init__(self) -> None:
        object.__setattr__(self, "folders", tuple(self.folders))
        object.__setattr__(self, "areas", tuple(self.areas))

    @property
    def keys(self) -> tuple[str, ...]:
        return self.folders

    def class_of(self, path: Path) -> int | None:
        return self.folders.index(path.parent.name) if path.parent.name in self.folders else None

    def read_all(self, paths: Sequence[Path]) -> np.ndarray:
        labels = super().read_all([p for p in paths if p.parent.name not in self.areas])
        return _outside_areas(labels, [p for p in paths if p.parent.name in self.areas])


@MAPPINGS.register("class-file-labels")
@dataclass(frozen=True)
class ClassFileLabelsMapping(ClassFilesMapping):
    """The files of `ClassFilesMapping` as one class-index mask (`--task multiclass`), as the
    Agriculture-Vision challenge scores its class folders: class k + 1 where folder k's mask is on,
    0 (the background) where none is; a pixel two classes claim, or outside the `areas`, is
    `ignore_label` (a prediction of either class counts as right there)."""

    ignore_label: int = 255
    kind = "class-file-labels"
    multilabel = False

    def read_all(self, paths: Sequence[Path]) -> np.ndarray:
        bits = super().read_all(paths)
        channels = unpack_numpy(bits, len(self.folders))
        on = channels.sum(axis=0)
        indices = np.argmax(channels, axis=0).astype(np.int64) + 1
        indices[on == 0] = 0
        indices[(on > 1) | (bits == IGNORE)] = self.ignore_label
        return indices


def _outside_areas(labels: np.ndarray, areas: Sequence[Path]) -> np.ndarray:
    """Bit sets `labels` with `IGNORE` where one of the `areas` masks is 0 (outside the area to score).

    Raises:
        ReadError: an area mask of another size than the labels.
    """
    for path in areas:
        inside = nonzero_pixels(read_raw_mask(path))
        if inside.shape != labels.shape:
            raise ReadError(f"mask '{path}' is {inside.shape[0]}x{inside.shape[1]} (HxW) but the image's class masks "
                            f"are {labels.shape[0]}x{labels.shape[1]}", "size-mismatch")
        labels[~inside] = IGNORE
    return labels


@MAPPINGS.register("class-namings")
@dataclass(frozen=True)
class ClassNamingsMapping(_FilePerClass):
    """A mask file per class beside each image's others, the class in the name (ISIC 2018
    Task 2's `ISIC_0000000_attribute_globules.png`; EDD2020's `EDD2020_ACB0001_BE.tif`, shipped
    only for the classes an image shows): `namings` are their `--mask-pattern` templates
    (`{stem}_attribute_globules.png`), one per class; the longest that fits names it."""

    namings: tuple[str, ...]
    kind = "class-namings"
    described = "namings"

    def __post_init__(self) -> None:
        object.__setattr__(self, "namings", tuple(self.namings))

    @property
    def keys(self) -> tuple[str, ...]:
        return self.namings

    def class_of(self, path: Path) -> int | None:
        fitting = [i for i, t in enumerate(self.namings) if fits_template(path, t)]
        return max(fitting, key=lambda i: len(self.namings[i]), default=None)


@MAPPINGS.register("source-class-namings")
@dataclass(frozen=True)
class SourceNamingsMapping(_FilePerClass):
    """A mask file per structure whose naming is a class id that each source of images numbers
    anew (SA-Med2D-20M's `{stem}--0000_000.png`: the liver of `ct_00--AbdomenCT1K--...` images, the
    right ventricle of `mr_00--ACDC--...` ones): the masks of images named from `sources[k]` on
    that fit `namings[k]` are of class `classes[k]`, several sources' ids one class where they
    name one structure (`source_classes`)."""

    sources: tuple[str, ...]
    namings: tuple[str, ...]
    classes: tuple[int, ...]
    kind = "source-class-namings"
    described = "sources and namings"

    def __post_init__(self) -> None:
        for name in ("sources", "namings", "classes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"{source} {naming}" for source, naming in zip(self.sources, self.namings))

    @property
    def channel_count(self) -> int:
        return max(self.classes, default=-1) + 1

    @cached_property
    def _entries_by_source(self) -> dict[str, list[int]]:
        """The entries of each source, lower case: a mask is tried against its name's sources' entries
        alone, not every (source, naming) (SA-Med2D-20M: 4.6 M masks, ~300 sources)."""
        by_source: dict[str, list[int]] = {}
        for k, source in enumerate(self.sources):
            by_source.setdefault(source.lower(), []).append(k)
        return by_source

    def class_of(self, path: Path) -> int | None:
        name = path.name
        sourced = [k for end, mark in enumerate(name) if mark in _NAME_SEPARATORS
                   for k in self._entries_by_source.get(name[:end].lower(), ())]  # the sources it `names_from`
        fitting = [k for k in sourced if fits_template(path, self.namings[k]) and names_from(name, self.sources[k])]
        best = max(fitting, key=lambda k: (len(self.sources[k]), len(self.namings[k])), default=None)
        return self.classes[best] if best is not None else None

    def describe(self) -> str:
        return (f"{{'kind': '{self.kind}', 'classes': {self.channel_count}, 'sources': {len(set(self.sources))}, "
                f"'namings': {len(set(self.namings))}}}")


_NAME_SEPARATORS = "_-. "


def names_from(name: str, source: str) -> bool:
    """Whether a file name starts with `source` as a whole part (`ct_00--AbdomenCT1K` in
    `ct_00--AbdomenCT1K--Case_00001--x_0003.png`; not in `ct_00--AbdomenCT1K2--...`)."""
    after = name[len(source):len(source) + 1]
    return name.lower().startswith(source.lower()) and bool(after) and after in _NAME_SEPARATORS


def naming_names(namings: Sequence[str]) -> tuple[str, ...]:
    """Class names from mask namings: what each adds to the image's name, less the words all
    share (`{stem}_attribute_globules.png`, `{stem}_attribute_streaks.png` -> globules, streaks)."""
    added = [re.split(r"[_\-. ]+", t.replace("{stem}", " ").rsplit(".", 1)[0].strip(" _-.")) for t in namings]
    while all(len(w) > 1 and w[0] == added[0][0] for w in added):
        added = [w[1:] for w in added]
    while all(len(w) > 1 and w[-1] == added[0][-1] for w in added):
        added = [w[:-1] for w in added]
    names = tuple("_".join(w) for w in added)
    return names if len(set(names)) == len(names) and all(names) else tuple(t.rsplit(".", 1)[0] for t in namings)


def named_in_order(namings: Sequence[str], names: Sequence[str]) -> tuple[str, ...] | None:
    """`namings` in the order of `names` when those name exactly their classes (`naming_names`, in
    any case): a class list (EDD2020's `class_list.txt`: BE, suspicious, HGD, cancer, polyp) or a
    classes.json ordering the file-per-class masks otherwise than by name; None for other names."""
    by_name = {name.lower(): naming for name, naming in zip(naming_names(namings), namings)}
    if len(names) != len(by_name) or {name.lower() for name in names} != by_name.keys():
        return None
    return tuple(by_name[name.lower()] for name in names)


def _single_channel_or_fail(raw: np.ndarray, path: Path) -> np.ndarray:
    try:
        return single_channel(raw)
    except MappingError as err:
        raise ReadError(f"mask '{path}': {err}", err.code) from None


@MAPPINGS.register("channels")
@dataclass(frozen=True)
class ChannelsMapping(MaskMapping):
    """One array per image with a binary channel per class, C x H x W or H x W x C (the axis of
    length `num_classes`; C x H x W when both fit)."""

    num_classes: int
    kind = "channels"
    multilabel = True
    reads_files = True

    def read(self, path: Path) -> np.ndarray:
        array = read_mask_array(path)
        k = self.num_classes
        if array.ndim == 2 and k == 1:
            array = array[None]
        elif array.ndim == 3 and array.shape[0] == k:
            pass
        elif array.ndim == 3 and array.shape[2] == k:
            array = np.moveaxis(array, 2, 0)
        else:
            raise ReadError(f"mask '{path}' has shape {array.shape}; a multi-label mask of {k} classes is "
                            f"{k} x H x W or H x W x {k}", "bad-shape")
        return pack_numpy(np.stack([_binary(c, f"mask '{path}' channel {i}") for i, c in enumerate(array)]))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError("multi-channel masks are read whole (seglab.data.read_mask)")


@MAPPINGS.register("regions")
@dataclass(frozen=True)
class RegionsMapping(MaskMapping):
    """Class-index masks read as overlapping regions: region k holds the pixels whose label is
    in `regions[k]`; pixels labelled `ignore_label` become `IGNORE`."""

    regions: tuple[tuple[int, ...], ...]
    ignore_label: int | None = None
    kind = "regions"
    multilabel = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(tuple(int(v) for v in r) for r in self.regions))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        labels = as_labels(single_channel(raw))
        bits = pack_numpy(np.stack([np.isin(labels, region) for region in self.regions]))
        if self.ignore_label is not None:
            bits[labels == self.ignore_label] = IGNORE
        return bits


def read_regions(path: Path) -> dict[str, tuple[int, ...]] | None:
    """The "regions" of a classes.json (already checked as JSON by `load_classes_file`), or None.

    Raises:
        DataError: a region that is not a non-empty list of integer labels.
    """
    regions = json_value(regular_text(path, encoding="utf-8")).get("regions")
    if regions is None:
        return None
    checked = {}
    for name, labels in regions.items():
        if not isinstance(labels, list) or not labels or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in labels
        ):
            raise DataError(f"classes file '{path}': region '{name}' must be a non-empty list of mask labels "
                            f"(integers >= 0), got {labels!r}")
        checked[str(name)] = tuple(labels)
    return checked


def apply_task(index: DatasetIndex, task: str, classes_path: Path | None, merge: bool = False) -> DatasetIndex:
    """`index` read as multi-label masks where its layout, its classes.json or `task` says so.

    `auto` reads `masks/<class>/` folders and classes.json regions as multi-label and
    everything else as before; `multilabel` also reads 3-D masks as one channel per class;
    `multiclass` reads the class folders of a folder named for masks as the classes of one
    class-index mask, unless `merge` reads them as one class.

    Raises:
        ConfigError: an unknown task, `multiclass` for a multi-label layout, or `multilabel` for
            masks of a channel per object.
        DataError: `multilabel` for masks that are plain 2-D label maps, or too many classes.
    """
    if task not in TASKS:
        raise ConfigError(f"data.task must be one of {', '.join(TASKS)}, got '{task}'")
    regions = read_regions(classes_path) if classes_path is not None else None
    if index.mapping.multilabel or regions is not None:
        if task == "multiclass":
            where = ("its classes.json names regions" if regions is not None
                     else "its masks are masks/<class>/ folders" if isinstance(index.mapping, ClassFoldersMapping)
                     else "its colour masks hold a 0/255 class in each channel; if their colours are classes, list "
                          "them in a classes.json \"colours\" list and pass it with --classes"
                     if isinstance(index.mapping, ChannelClassesMapping)
                     else f"its masks are a file per class, the {index.mapping.kind} mapping")
            raise ConfigError(f"dataset '{index.root}' is multi-label ({where}); leave out --task multiclass")
    if index.mapping.multilabel:
        return _multilabel(index, index.mapping, index.classes.names if index.classes else (), index.classes)
    if regions is not None:
        if index.mapping.needs_rgb:
            raise ConfigError(f"classes.json regions group the labels of class-index masks, but '{index.root}' "
                              "has colour masks")
        mapping = RegionsMapping(tuple(regions.values()), index.ignore_index)
        return _multilabel(index, mapping, tuple(regions), index.classes)
    if isinstance(index.mapping, OneHotMapping):
        return _one_hot(index, task, declared=classes_path is not None)
    if isinstance(index.mapping, ObjectChannelsMapping) and task == "multilabel":
        raise ConfigError(f"--task multilabel reads a channel per class, but the masks of '{index.root}' hold a "
                          "channel per object, as many as the image's objects (WGISD's grape bunches): leave out "
                          "--task multilabel, and they are read as background and object (--instance-masks)")
    declared = index.classes if classes_path is not None else None  # else the colours the masks hold
    absent = [p for p in index.problems if p.code != "partial-merge"]  # a missing file is an absent class
    if task == "multiclass" and not merge and (folders := _class_file_folders(index)):
        return _class_labels(replace(index, problems=absent), folders, declared)
    if task != "multilabel":
        return index
    folders = _class_file_folders(index)
    if folders:
        names = declared.names if declared is not None and len(declared.names) == len(folders) else folders
        return _multilabel(replace(index, problems=absent), ClassFilesMapping(folders, index.area_folders), names,
                           declared)
    if index.mapping.needs_rgb:  # colour masks whose classes overlap too little to be told so unasked
        return _channel_classes(index, declared)
    first = index.pairs[0].mask
    assert first is not None  # formats list only labelled pairs
    shape = read_mask_array(first).shape
    names = index.classes.names if index.classes is not None else ()
    count = len(names) or (min(shape[0], shape[-1]) if len(shape) == 3 else 0)
    if len(shape) != 3 or count not in (shape[0], shape[-1]):
        raise DataError(f"--multilabel: mask '{first}' has shape {shape}, not one binary channel per class; "
                        "give masks/<class>/<name>.png folders, C x H x W or H x W x C arrays, or \"regions\" in "
                        "classes.json (docs/multilabel.md)")
    return _multilabel(index, ChannelsMapping(count), names or tuple(map(generic_name, range(count))),
                       index.classes)


def _channel_classes(index: DatasetIndex, declared: ClassSpec | None) -> DatasetIndex:
    """Colour masks read a class per channel (`channel_classes`: Chest CT Segmentation's lungs in R,
    heart in G, trachea in B), named by classes.json where it names as many, else by colour.

    Raises:
        DataError: masks whose channels are not each 0/255.
    """
    masks = [mask for pair in index.pairs for mask in pair.masks]
    channels = binary_channels(sample_masks(masks).colour_values())
    if channels is None:
        raise DataError(f"--multilabel: the colour masks of '{index.root}' (such as '{masks[0]}') hold colours, not a "
                        "0/255 class in each channel; leave out --multilabel to read a class per colour, or give "
                        "masks/<class>/<name>.png folders (docs/multilabel.md)")
    found = channel_classes(channels)
    named = declared if declared is not None and len(declared.names) == len(channels) else found
    problems = [p for p in index.problems if p.code not in ENCODING_CODES]  # the colour reading's snapped pixels
    return _multilabel(replace(index, problems=problems), ChannelClassesMapping(channels), named.names, named)


def _one_hot(index: DatasetIndex, task: str, declared: bool) -> DatasetIndex:
    """A one-hot dataset as class indices, or under `multilabel` a class per channel (they may
    overlap), its classes.json checked against the channels.

    Raises:
        DataError: classes.json naming another number of classes than that reading has.
    """
    mapping = index.mapping
    assert isinstance(mapping, OneHotMapping) and index.classes is not None
    names, indexed = index.classes.names, mapping.channels + mapping.first
    if task == "multilabel":
        names = names if declared else names[mapping.first:]  # no background class: a class per channel
        if len(names) == mapping.channels:
            return _multilabel(index, ChannelsMapping(mapping.channels), names, index.classes if declared else None)
    elif len(names) == indexed:
        return index
    expected = f"{mapping.channels} classes, one per channel" if task == "multilabel" else \
        f"{indexed} classes{' with the background' if mapping.first else ''}"
    raise DataError(f"classes.json names {len(index.classes.names)} classes, but the masks of '{index.root}' are one-hot "
                    f"with {mapping.channels} channels: {expected}")


def _class_file_folders(index: DatasetIndex) -> tuple[str, ...]:
    """The class folders when the pairs' masks lie one per folder, in several folders (IDRiD's
    lesion folders, combined by `--task multilabel`), less those marking the area to score;
    empty otherwise."""
    if not any(p.more_masks for p in index.pairs):
        return ()
    if any(len({m.parent.name for m in p.masks}) < len(p.masks) for p in index.pairs):
        return ()  # several masks in one folder (BUSI's second lesions): merged, not classes
    folders = {m.parent.name for p in index.pairs for m in p.masks} - set(index.area_folders)
    return tuple(sorted(folders, key=natural_key))


def _class_labels(index: DatasetIndex, folders: tuple[str, ...], declared: ClassSpec | None) -> DatasetIndex:
    """Class folders read as the classes of one class-index mask, the background 0 before them
    (`ClassFileLabelsMapping`); a classes.json naming them all, the background first, names them."""
    names = ("background", *folders)
    if declared is not None and len(declared.names) == len(names):
        names = declared.names
    colours = declared.colours if declared is not None and len(declared.colours) == len(names) else ()
    ignore = index.ignore_index if index.ignore_index is not None else 255
    mapping = ClassFileLabelsMapping(folders, index.area_folders, ignore)
    problems = [p for p in index.problems if p.code not in ENCODING_CODES]  # the first mask's reading's complaints
    return replace(index, mapping=mapping, classes=ClassSpec(names, colours, ignore_index=ignore), ignore_index=ignore,
                   problems=problems)


def _multilabel(index: DatasetIndex, mapping: MaskMapping, names: tuple[str, ...],
                declared: ClassSpec | None = None) -> DatasetIndex:
    if len(names) > MAX_CLASSES:
        raise DataError(f"dataset '{index.root}' has {len(names)} multi-label classes; at most {MAX_CLASSES} fit")
    colours = declared.colours if declared is not None and len(declared.colours) == len(names) else ()
    # no class is background: every channel is a class of its own, drawn in full
    classes = ClassSpec(names=names, colours=colours)
    problems = [p for p in index.problems if p.code != "bad-shape"]  # the class-index reading's complaints
    return replace(index, mapping=mapping, classes=classes, ignore_index=IGNORE, problems=problems)


def class_folders(root: Path) -> tuple[Path, list[Path]] | None:
    """`root/images` and the class folders of `root/masks/<class>/` (masks/ holding only folders);
    None when `images/` holds folders of those names too: DeepFish's `images/valid/` + `masks/valid/`
    and `images/empty/` + `masks/empty/` are folder pairs mirrored, not classes. A folder holding
    only a folder of its own name wraps it (`_unwrapped`): Kaggle's `masks/masks/` is no class."""
    images, masks = _unwrapped(root / "images"), _unwrapped(root / "masks")
    if not images.is_dir() or not masks.is_dir() or list_images(masks):
        return None
    folders = [p for p in subfolders(masks) if not p.name.startswith(".") and list_images(p)]
    if folders and all((images / p.name).is_dir() for p in folders):
        return None
    return (images, folders) if folders else None


def _unwrapped(folder: Path) -> Path:
    """`folder`, or the folder of its own name that it alone holds: Kaggle's uploads nest each
    folder of an archive in one of its name (Chest CT Segmentation's `images/images/` and
    `masks/masks/`), a wrapper, not a class folder."""
    inner = lone_folder(folder)
    return inner if inner is not None and inner.name.lower() == folder.name.lower() else folder


def index_class_folders(root: Path, classes: ClassSpec | None) -> DatasetIndex:
    """Pairs of `images/` with `masks/<first class>/`, and the class-folders mapping.

    Raises:
        DataError: classes.json names classes that have no folder.
    """
    found = class_folders(root)
    assert found is not None  # detected first
    images, folders = found
    masks = folders[0].parent
    names = tuple(p.name for p in folders)
    if classes is not None:
        missing = [n for n in classes.names if n not in names]
        if missing:
            raise DataError(f"classes.json names {', '.join(missing)}, but '{masks}' has no such folder "
                            f"(found {', '.join(names)})")
        names = classes.names
    match = match_folders(list_images(images), list_images(masks / names[0]), images, masks / names[0], root)
    refuse_rival_namings([match])
    pairs = [Pair(key, image, mask) for key, image, mask in match.pairs]
    return DatasetIndex(root, "class-folders", pairs, [], classes or ClassSpec(names), ClassFoldersMapping(names),
                        match.problems)

