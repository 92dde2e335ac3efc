"""The inputs of a folder that holds none itself but subfolders of a model's channels: a folder
per band or date of its channel files, or a folder per modality of its volumes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.channel_files import channel_groups, is_channel_file
from seglab.data.discovery.folders import visible_folders
from seglab.data.discovery.folders.chip_scenes import Chip, described
from seglab.data.discovery.folders.scene_readings import reading_files, scene_readings
from seglab.data.files.volumes import is_volume
from seglab.data.layouts.volume_format.modality_folders import names_a_modality
from seglab.errors import DataError
from seglab.inference.files.folder_inputs import inputs_in, named_by
from seglab.inference.files.wording import count

log = logging.getLogger(__name__)

# band folders in case folders: BrainMetShare's test/Mets_003/0/ is 2 below test/, Hi-UCD's year folders of a
# zoom folder each 3 below theirs (test/image/2017/9/)
_CASE_DEPTH = 3


def channel_folder_inputs(folder: Path, channel_files: Sequence[str], images: str | None = None) -> list[Path]:
    """The files of `folder`'s subfolders that hold the model's channel files, and of its case
    folders' (BrainMetShare's `mets_stanford_releaseMask_test/` of `Mets_003/0/` ... `3/`; OSCD's
    scene folders, of their dates' folders, those the run's `images` names first: `_dates_read`);
    the others (a split's mask folder beside its band or date folders, a case's `seg/`) are logged,
    not predicted as images."""
    found, skipped = _channel_subfolder_inputs(folder, channel_files, _CASE_DEPTH)
    if found and skipped:
        names = sorted({sub.name for sub in skipped})
        log.info("%s: %s (%s) hold%s no channel files of the model (%s); not predicted", folder,
                 ", ".join(f"{name}/" for name in names), count(len(skipped), "folder"),
                 "" if len(skipped) > 1 else "s", ", ".join(channel_files))
    return _dates_read(folder, found, channel_files, images)


def _dates_read(folder: Path, found: list[Path], channel_files: Sequence[str], images: str | None) -> list[Path]:
    """`found` less the files of the readings of a scene's dates that the model does not read
    (`scene_readings`): OSCD's `<city>/imgs_1/` and `imgs_2/` name their bands as `imgs_1_rect/` and
    `imgs_2_rect/` do (`1_b02`, ...), of which training read the pair its `images` names (`--images
    'imgs_?'`), else the first. Of each scene that reading is kept, else the first whose files are
    one image of the model's channel files (`pair/img1.png`, `img2.png` for a run of `--images
    pair`); the others are left out, said in one line."""
    left_out: set[Path] = set()
    said = []
    for scene, readings in scene_readings(sorted({path.parent.parent for path in found})).items():
        named = sorted(readings, key=lambda reading: not _names_reading(images, reading))
        read = next((reading for reading in named if _one_image(reading_files(reading), channel_files)), None)
        if read is None:
            continue  # refused as an image lacking its channel files, naming them
        others = [reading for reading in readings if reading is not read]
        left_out |= {path for reading in others for path in reading.dates}
        said.append((scene, read, others))
    if said:
        scene, read, others = said[0]
        log.info("%s: %s of two dates (e.g. '%s'), each read from %s as the model was trained%s", folder,
                 count(len(said), "scene"), scene.name, described(read),
                 f"; {', '.join(described(other) for other in others)} left out" if others else "")
    return [path for path in found if path not in left_out and path.parent not in left_out]


def _names_reading(images: str | None, reading: Chip) -> bool:
    """Whether a run's `--images` names a scene's reading of its dates: each date's folder (`imgs_?`
    for OSCD's `imgs_1/` and `imgs_2/`) or the folder of its pictures (`pair`)."""
    return all(named_by(images, date) or named_by(images, date.parent) for date in reading.dates)


def _one_image(files: Sequence[Path], channel_files: Sequence[str]) -> bool:
    """Whether `files` hold the channel files of one image, all of them (`channel_groups`)."""
    try:
        groups, _ = channel_groups(files, channel_files)
    except DataError:
        return False
    return len(groups) == 1


def _channel_subfolder_inputs(folder: Path, channel_files: Sequence[str], depth: int) -> tuple[list[Path], list[Path]]:
    """The inputs of the subfolders of `folder` holding channel files, those of subfolders holding
    none `depth` - 1 further down, and the subfolders of inputs that are no channel files."""
    found: list[Path] = []
    skipped: list[Path] = []
    for sub in visible_folders(folder):
        inputs = inputs_in(sub)
        if any(is_channel_file(p, channel_files) for p in inputs):
            found += inputs
        elif inputs:
            skipped.append(sub)
        elif depth > 1:
            below, left = _channel_subfolder_inputs(sub, channel_files, depth - 1)
            found, skipped = found + below, skipped + left
    return found, skipped


def modality_folder_inputs(folder: Path, in_channels: int) -> list[Path]:
    """The volumes of `folder`'s subfolders named each for a modality, as many as a model of
    `in_channels` (two or more) takes, the channels of each case as training read them
    (BONBID-HIE's `1ADC_ss/` and `2Z_ADC/`: `modality_folders`), paired into cases by
    `modality_folder_cases`; the other folders of volumes (its `3LABEL/`) are logged, not predicted."""
    held = {sub: volumes for sub in visible_folders(folder)
            if (volumes := [p for p in inputs_in(sub) if is_volume(p)])}
    modalities = [sub for sub in held if names_a_modality(sub.name)]
    if len(modalities) != in_channels or in_channels < 2:
        return []
    others = [sub for sub in held if sub not in modalities]
    log.info("%s: the volumes of %s, a folder per modality, are the channels of each case%s", folder,
             ", ".join(f"{sub.name}/" for sub in modalities),
             f"; {', '.join(f'{sub.name}/' for sub in others)} left out, named for no modality" if others else "")
    return [path for sub in modalities for path in held[sub]]
