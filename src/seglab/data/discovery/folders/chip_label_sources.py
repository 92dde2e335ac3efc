"""The folders naming chip folders' labels (`band_chips`): a label source is a folder of files
named after the chips (`train_labels/<chip>.tif`), of a folder per chip holding its label
(AgriFieldNet's `<P>_labels_train/<P>_labels_train_<chip>/raster_labels.tif`), of a folder per
scene (OSCD's `Train Labels/<city>/cm/cm.png`), or the chip folders themselves holding labels
beside their bands (`chip_labels`); of them, the one naming the most chips is read (`label_parts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seglab.data.discovery.folders.chip_labels import chip_labels, own_labels
from seglab.data.discovery.folders.chip_scenes import Chip, chip_id
from seglab.data.discovery.folders.content import looks_like_masks
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.per_image import one_mask
from seglab.data.discovery.naming import folder_split, looks_like_mask_folder, stem
from seglab.data.discovery.pairing import folder_label
from seglab.errors import DataError


@dataclass
class LabelSource:
    """A folder naming chips: chip id -> its label file, with the name that gave the id and the
    folder that holds it (the source itself, or its folder per chip), and the names of the files
    beside the labels in a folder per chip (`field_ids.tif` beside `raster_labels.tif`)."""

    folder: Path
    labels: dict[str, Path]
    names: dict[str, str]
    folders: dict[str, Path]
    beside: set[str] = field(default_factory=set)


def label_sources(folders: list[Folder]) -> list[LabelSource]:
    """Each folder as a source of files named after chips (`train_labels/<chip>.tif`), each folder
    holding folders of image files as a source of a folder per chip, the label in it its one file
    or its one file named for labels (`one_mask`: `raster_labels.tif`), and each folder holding
    folders that hold one such folder each as a source of a folder per scene (OSCD's `Train
    Labels/<city>/cm/`), the label in it as in a folder per chip or named as its folder (`cm.png`)."""
    sources: list[LabelSource] = []
    by_parent: dict[Path, list[Folder]] = {}
    for folder in (f for f in folders if f.files):
        source = LabelSource(folder.path, {}, {}, {})
        for path in folder.files:
            key = chip_id(stem(path), folder.path.name)
            source.labels[key], source.names[key], source.folders[key] = path, stem(path).lower(), folder.path
        sources.append(source)
        by_parent.setdefault(folder.path.parent, []).append(folder)
    scenes: dict[Path, LabelSource] = {}
    for parent, below in by_parent.items():
        source = LabelSource(parent, {}, {}, {chip_id(f.path.name, parent.name): f.path for f in below})
        for folder in below:
            _add_label(source, chip_id(folder.path.name, parent.name), folder.path.name, folder, one_mask(folder.files))
        sources.append(source)
        if len(below) == 1:
            scene = scenes.setdefault(parent.parent, LabelSource(parent.parent, {}, {}, {}))
            key = chip_id(parent.name, parent.parent.name)
            scene.folders[key] = below[0].path
            _add_label(scene, key, parent.name, below[0], _named_as_folder(below[0]))
    return sources + list(scenes.values())


def own_label_source(parent: Path, chips: dict[str, Chip]) -> LabelSource | None:
    """The labels chip folders hold beside their bands (`chip_labels.own_labels`) as a source of a
    folder per chip, the other files named for labels beside them; None where they hold none."""
    labels = own_labels(chips)
    if not labels:
        return None
    source = LabelSource(parent, {}, {}, {key: chips[key].folder.path for key in labels})
    for key, label in labels.items():
        _add_label(source, key, chips[key].folder.path.name,
                   Folder(label.parent, chip_labels(chips[key].folder.files), None, False, False, ()), label)
    return source


def _add_label(source: LabelSource, key: str, name: str, folder: Folder, label: Path | None) -> None:
    """Add the label of chip `key` (by `name`) in its own `folder`, if any, to `source`, and the
    names of the files beside it."""
    if label is not None:
        source.labels[key], source.names[key] = label, name.lower()
        source.beside |= {p.name for p in folder.files if p != label}


def _named_as_folder(folder: Folder) -> Path | None:
    """The label of a folder of one scene's labels: its `one_mask`, else its one file named as the
    folder (OSCD's `cm/cm.png` beside `<city>-cm.tif`, the same change in values 1 and 2)."""
    named = [p for p in folder.files if stem(p).lower() == folder.path.name.lower()]
    return one_mask(folder.files) or (named[0] if len(named) == 1 else None)


def label_parts(sources: list[LabelSource], chips: dict[str, Chip], root: Path,
                parent: Path) -> list[LabelSource]:
    """The source of labels naming the most chips, among those named for labels or whose files
    look like masks; on a tie the one naming more chips by their whole names (BigEarthNet's
    `<tile>_<patch>` in each tile's reference maps). Empty when no such source names two chips.
    With it, the sources of other splits' labels of other chips, named alike and named for
    splits, are parts of one labelling (OSCD's `Train Labels/<city>/cm/cm.png` and `Test
    Labels/...`); a source of other labels of other chips is not (AgriFieldNet's `<P>_labels_test/`,
    whose `field_ids.tif` are no `raster_labels.tif`).

    Raises:
        DataError: two sources name as many chips, alike.
    """
    def rank(source: LabelSource) -> tuple[int, int]:
        ids = source.labels.keys() & chips.keys()
        return len(ids), sum(source.names[key] == chips[key].folder.path.name.lower() for key in ids)

    labelled = sorted((s for s in sources if _holds_labels(s)), key=rank, reverse=True)
    if not labelled:
        return []
    parts = [labelled[0]]
    for other in labelled[1:]:
        if _other_split(other, parts):
            parts.append(other)
    rivals = [s for s in labelled if s not in parts]
    if rivals and rank(rivals[0]) == rank(labelled[0]):
        shown = " and ".join(folder_label(s.folder, root) for s in (labelled[0], rivals[0]))
        raise DataError(f"'{root}': {shown} both name {rank(labelled[0])[0]} chip folders of "
                        f"{folder_label(parent, root)} after their chip; name the labels with --masks, e.g. "
                        f"--masks {labelled[0].folder.relative_to(root).as_posix()}")
    return parts


def _other_split(source: LabelSource, parts: list[LabelSource]) -> bool:
    """Whether `source` labels a split of its own, other chips than `parts` do, in files named as theirs."""
    split = folder_split(source.folder.name)
    return split is not None and all(
        folder_split(part.folder.name) not in (None, split) and not part.labels.keys() & source.labels.keys()
        and {p.name for p in part.labels.values()} == {p.name for p in source.labels.values()} for part in parts)


def _holds_labels(source: LabelSource) -> bool:
    """Whether a source's folders or label files are named for labels (`train_labels/`,
    `raster_labels.tif`), or its first files look like masks (BigEarthNet's reference maps)."""
    first = next(iter(source.labels.values()), None)
    if first is None:
        return False
    if any(looks_like_mask_folder(name) for name in (source.folder.name, first.parent.name, stem(first))):
        return True
    return looks_like_masks(Folder(source.folder, list(source.labels.values())[:2], None, False, False, ()))
