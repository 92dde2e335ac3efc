"""What the files describing a volume dataset say of its cases (`splitting.datalists`): the
classes a dataset.json, a MONAI datalist or an Auto3DSeg input names; the regions nnU-Net's
region-based labels or Auto3DSeg's `class_names` define, read as overlapping classes (the
multi-label task they train: docs/multilabel.md); and the splits a datalist gives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seglab.data.classes import ClassSpec, ValueNames, declared_classes, is_background, listed_regions, region_labels
from seglab.data.files.slice_cache import Subject
from seglab.data.layouts.multilabel import RegionsMapping
from seglab.data.layouts.volume_format.cases import Layout
from seglab.data.splitting.datalists import Description, datalist_splits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Declared:
    """The classes the description names, or the names of its mask values (ids with gaps), or
    its regions, their names the classes."""

    classes: ClassSpec | None = None
    value_names: ValueNames | None = None
    regions: RegionsMapping | None = None


def described_folders(root: Path, layout: Layout) -> list[Path]:
    """Where the files describing the cases may lie, in the order they are looked for: the
    layout's folder (DATA, or the lone folder wrapping the dataset), each folder holding the
    cases' image folders (nnU-Net v1's `nnUNet_raw_data/Task501_X/`, with its dataset.json, from
    `nnUNet_raw_data_base/`), and the folders up to DATA (Auto3DSeg's `input.yaml` beside its
    lone `dataroot`, `data/`)."""
    folder = layout.folder or root
    wrapping = [above for above in folder.parents if above.is_relative_to(root)]
    return list(dict.fromkeys([folder, *(s.images[0].parent.parent for s in layout.subjects), *wrapping]))


def declared_of(description: Description, multiclass: bool) -> Declared:
    """The classes or regions `description` declares; regions not under `multiclass`
    (`--task multiclass`), where the label values are the classes."""
    labels = description.labels
    if labels is not None:
        regions = region_labels(labels.labels)
        if regions is not None:
            return _regions(labels.path, *regions, multiclass)
        classes, value_names = declared_classes(labels.labels, labels.path)
        if classes is not None or value_names is not None:
            return Declared(classes, value_names)
    return _auto3dseg_classes(description, multiclass)


def description_splits(description: Description, subjects: Sequence[Subject]) -> dict[str, str]:
    """case -> the split the description's datalist gives it (`datalist_splits`); empty without one."""
    if description.datalist is None:
        return {}
    return datalist_splits(description.datalist, {s.name: (s.label, *s.images) for s in subjects})


def _auto3dseg_classes(description: Description, multiclass: bool) -> Declared:
    """The classes an Auto3DSeg input's `class_names` name: the values 1, 2, ... after the
    background (`[liver, tumour]`), or regions of them (`[{name: tc, index: [1, 3]}, ...]`)."""
    class_names = description.class_names
    regions = listed_regions(class_names)
    if regions is not None and description.auto3dseg is not None:
        return _regions(description.auto3dseg, regions, None, multiclass)
    if not isinstance(class_names, list) or not class_names or not all(isinstance(n, str) for n in class_names):
        return Declared()
    names = class_names if is_background(class_names[0]) else ["background", *class_names]
    try:
        return Declared(ClassSpec(tuple(names)))
    except ValueError:  # a name empty or repeated: the classes come from the masks
        return Declared()


def _regions(path: Path, regions: dict[str, tuple[int, ...]], ignore: int | None, multiclass: bool) -> Declared:
    """The regions a file declares as the classes, said in the log; none under `multiclass`."""
    if multiclass:
        log.info("'%s' names regions of the label values, not read under --task multiclass: the values are the "
                 "classes", path)
        return Declared()
    try:
        classes = ClassSpec(tuple(regions))
    except ValueError:  # a name empty or repeated
        return Declared()
    log.info("'%s' names %d regions of the label values (%s): read as overlapping classes, a sigmoid each "
             "(docs/multilabel.md); --task multiclass reads the label values as classes instead", path, len(regions),
             ", ".join(f"{name} {list(values)}" for name, values in regions.items()))
    return Declared(classes, regions=RegionsMapping(tuple(regions.values()), ignore))
