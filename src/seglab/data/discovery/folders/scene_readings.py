"""The readings of a scene folder's two dates, found as training finds them (`chip_scenes`), for
`seglab predict` to read a scene as its run was trained: OSCD's `<city>/` holds its dates three
times, `imgs_1_rect/` + `imgs_2_rect/` (every band at 10 m), `imgs_1/` + `imgs_2/` (10, 20 and 60 m,
their bands named alike) and `pair/img1.png` + `img2.png`, and a model was trained on one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from seglab.data.discovery.folders.band_chips import chip_bands
from seglab.data.discovery.folders.chip_scenes import Chip, chip_id, dated_scenes
from seglab.data.discovery.folders.listing import Folder, walk


def scene_readings(scenes: Iterable[Path]) -> dict[Path, tuple[Chip, ...]]:
    """Each of `scenes` that holds its two dates as chip folders of band files or as two pictures
    (`chip_scenes.dated_scenes`), with its readings: the one training reads unless told otherwise
    first (chip folders whose bands are of one size, then chip folders, then pictures), then the
    others. Other folders are left out."""
    groups: dict[Path, dict[str, Chip]] = {}
    folders: list[Folder] = []
    for scene in scenes:
        below = [folder for folder in walk(scene, 1) if folder.path.parent == scene]
        folders += below
        groups[scene] = {chip_id(folder.path.name, scene.name): Chip(folder, held) for folder in below
                         if (held := chip_bands(folder)) is not None}
    found, _ = dated_scenes(groups, folders)
    return {chip.folder.path: (chip, *chip.others) for chips in found.values() for chip in chips.values()
            if chip.dates}


def reading_files(reading: Chip) -> list[Path]:
    """The files of a reading of a scene's dates: date 1's, then date 2's."""
    return [*reading.bands.values(), *reading.later.values()]
