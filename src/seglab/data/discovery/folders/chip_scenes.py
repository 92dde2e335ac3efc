"""Scenes seen at two dates, each date a chip folder of band files or a picture, labelled per
scene (change detection, as remote sensing ships it): OSCD's `<city>/imgs_1_rect/B01.tif` ...
`B8A.tif` and `imgs_2_rect/` (every band at 10 m) beside `imgs_1/` and `imgs_2/` (the bands at 10,
20 and 60 m) and `pair/img1.png`, `img2.png` (RGB previews), with `Train Labels/<city>/cm/cm.png`.

A scene is one image, date 1's channels then date 2's, as `bands.stack_band_folders` stacks
LEVIR-CD's `A/` and `B/`: a change mask means nothing beside one date. Of a scene's readings the
first pair of chip folders whose bands are of one size is read (the most channels a model can
stack), else the first pair of chip folders (refused for its sizes, with the `--bands` that
reads it), else the pictures; the others are named with the `--images` that reads them.
"""

from __future__ import annotations

import logging
import os
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path

from seglab.data.discovery.channel_files import date_order
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.naming import stem
from seglab.data.files.io import read_image
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_SEPARATORS = "_-. "


@dataclass(frozen=True)
class Chip:
    """A chip folder and its band files, band -> file; or a scene seen at two dates (`dates`, the
    folders or pictures holding them, date 1 first): date 1's files in `bands`, date 2's in `later`,
    by band (a picture's band is ''), with the scene's other readings (`others`)."""

    folder: Folder
    bands: dict[str, Path]
    later: dict[str, Path] = field(default_factory=dict)
    dates: tuple[Path, ...] = ()
    others: tuple[Chip, ...] = ()  # the scene's other readings


def chip_id(name: str, folder: str) -> str:
    """A chip's id: its folder's or label file's name less the name of the folder holding it,
    which STAC catalogues put first (`<P>_source/<P>_source_d536c/` and
    `<P>_labels_train/<P>_labels_train_d536c/` are chip `d536c`); else the name, lower case
    (Cloud Cover's `train_features/adwp/` and `train_labels/adwp.tif`)."""
    lower, prefix = name.lower(), folder.lower()
    rest = lower[len(prefix):].lstrip(_SEPARATORS) if lower.startswith(prefix) else ""
    return rest or lower


def band_sizes(files: dict[str, Path]) -> dict[tuple[int, ...], list[tuple[str, Path]]] | None:
    """The band files of a chip by their size (height, width); None when one cannot be read (said
    by the scan, for this file as for any other)."""
    sizes: dict[tuple[int, ...], list[tuple[str, Path]]] = {}
    for band, path in files.items():
        try:
            sizes.setdefault(read_image(path).shape[:2], []).append((band, path))
        except DataError:
            return None
    return sizes


def dated_scenes(groups: dict[Path, dict[str, Chip]],
                 folders: list[Folder]) -> tuple[dict[Path, dict[str, Chip]], dict[Path, set[Path]]]:
    """`groups` (chip folders by the folder holding them, by chip id) with each folder holding two
    chip folders named as two dates (`date_order`: OSCD's `imgs_1_rect/` and `imgs_2_rect/`), or
    a folder of two pictures so named among `folders` (`pair/img1.png`, `img2.png`), made one
    chip of its scene, that folder, by its name in the folder above (`<city>`); and each scene's
    folders of dates, of every reading."""
    readings: dict[Path, list[Chip]] = {}
    kept: dict[Path, dict[str, Chip]] = {}
    for parent, chips in groups.items():
        ordered = sorted(chips.values(), key=lambda c: c.folder.path.name)
        dated = [chip for i, first in enumerate(ordered) for second in ordered[i + 1:]
                 if (chip := _dated(parent, first, second)) is not None]
        if dated:
            readings[parent] = dated
        else:
            kept[parent] = chips
    for folder in folders:
        if (pictures := _picture_dates(folder)) is not None:
            readings.setdefault(folder.path.parent, []).append(pictures)
    one_size: dict[tuple[str, ...], bool] = {}  # a reading's date folders -> bands of one size, the first scene's
    scenes: dict[Path, dict[str, Chip]] = {}
    for scene, found in sorted(readings.items()):
        chosen = _reading(found, one_size)
        others = tuple(c for c in found if c is not chosen)
        scenes.setdefault(scene.parent, {})[chip_id(scene.name, scene.parent.name)] = replace(chosen, others=others)
    dates = {scene: {path if "" not in chip.bands else path.parent for chip in found for path in chip.dates}
             for scene, found in readings.items()}
    return {**kept, **scenes}, dates


def _dated(scene: Path, first: Chip, second: Chip) -> Chip | None:
    """One chip of two chip folders of `scene` named as its two dates, date 1's bands first; None
    for folders not so named."""
    order = date_order([first.folder.path.name, second.folder.path.name], True)
    if order is None:
        return None
    one, two = (first, second)[order[0]], (first, second)[order[1]]
    return Chip(_scene_folder(scene, one.folder), one.bands, two.bands, (one.folder.path, two.folder.path))


def _picture_dates(folder: Folder) -> Chip | None:
    """A folder of two pictures named as two dates (OSCD's `pair/img1.png` and `img2.png`) as one
    chip of the scene holding it; None for other folders."""
    if len(folder.files) != 2 or folder.named_mask or len({p.suffix.lower() for p in folder.files}) != 1:
        return None
    order = date_order([stem(p) for p in folder.files], True)
    if order is None:
        return None
    one, two = (folder.files[i] for i in order)
    return Chip(_scene_folder(folder.path.parent, folder), {"": one}, {"": two}, (one, two))


def _scene_folder(scene: Path, date: Folder) -> Folder:
    """The folder of a scene, listed as its date's folder is, less the date's name."""
    return Folder(scene, [], date.split, date.named_mask, date.named_image, date.parts[:-1])


def _reading(found: list[Chip], one_size: dict[tuple[str, ...], bool]) -> Chip:
    """The reading of a scene (see the module): chip folders of one size first, then chip folders,
    then pictures. Whether a reading's bands are of one size is read from the first scene holding
    it, and taken for the others."""
    def sized(chip: Chip) -> bool:
        key = _named(chip)
        if key not in one_size:
            sizes = band_sizes(chip.bands)
            one_size[key] = sizes is not None and len(sizes) == 1
        return one_size[key]

    bands = [chip for chip in found if "" not in chip.bands]
    return next((chip for chip in bands if sized(chip)), (bands or found)[0])


def _named(chip: Chip) -> tuple[str, ...]:
    """What a scene's reading is called in every scene: its date folders' or pictures' names."""
    return tuple(path.name for path in chip.dates)


def _images_flag(chip: Chip) -> str:
    """The `--images` that reads a scene's dates as `chip` does: the pictures' folder (`pair`),
    or a pattern naming both date folders (`'imgs_?'` for `imgs_1/` and `imgs_2/`)."""
    if "" in chip.bands:
        return shlex.quote(chip.dates[0].parent.name)
    one, two = _named(chip)
    start = len(os.path.commonprefix([one, two]))
    end = len(os.path.commonprefix([one[start:][::-1], two[start:][::-1]]))
    middle = "?" if len(one) - start - end == 1 == len(two) - start - end else "*"
    return shlex.quote(one[:start] + middle + one[len(one) - end:])


def described(chip: Chip) -> str:
    """A scene's reading in words: `imgs_1_rect/, imgs_2_rect/ (13 band files each)`, `pair/img1.png, img2.png`."""
    if "" in chip.bands:
        return f"{chip.dates[0].parent.name}/{chip.dates[0].name}, {chip.dates[1].name}"
    return f"{chip.dates[0].name}/, {chip.dates[1].name}/ ({len(chip.bands)} band files each)"


def reading_route(chip: Chip) -> str:
    """The flag that reads a scene's dates as `chip` does, and what it reads."""
    return f"--images {_images_flag(chip)} reads {described(chip)}"
