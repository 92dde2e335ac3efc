"""What one folder gives to predict (its images, videos and volume files, its DICOM series
folders), and whether a run's `--images` or `--masks` names a folder."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data import IMAGE_SUFFIXES
from seglab.data.discovery.folders import visible_folders
from seglab.data.files.folder_listing import listed_files
from seglab.data.files.video_frames import VIDEO_SUFFIXES
from seglab.data.files.volumes import VOLUME_SUFFIXES, is_volume


def folder_inputs(folder: Path) -> list[Path]:
    """The images and volume files in `folder`, then its subfolders that are DICOM series."""
    return inputs_in(folder) + [p for p in visible_folders(folder) if is_volume(p)]


def inputs_in(folder: Path) -> list[Path]:
    """The image, video and volume files in `folder`, in name order, listed as the data stage lists
    a folder's files (`listed_files`): hidden files, FIFOs and a folder that may not be listed left
    out, a name that is no UTF-8 kept."""
    return sorted(listed_files(folder, (*IMAGE_SUFFIXES, *VIDEO_SUFFIXES, *VOLUME_SUFFIXES)))


def named_by(option: str | None, subfolder: Path) -> bool:
    """Whether a run's `--images` or `--masks` (a folder's name or path, or a pattern: OSCD's
    `imgs_?`) names `subfolder`: its last names match the option's, in any case."""
    if not option:
        return False
    given, own = Path(option).parts, subfolder.absolute().parts
    return len(given) <= len(own) and all(fnmatchcase(name.lower(), pattern.lower())
                                          for name, pattern in zip(own[-len(given):], given))
