"""What one folder gives to predict (its images, videos and volume files, its DICOM series
folders), and whether a run's `--images` or `--masks` names a folder."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data import IMAGE_SUFFIXES
from seglab.data.files.video_frames import VIDEO_SUFFIXES
from seglab.data.files.volumes import VOLUME_SUFFIXES, is_volume


def folder_inputs(folder: Path) -> list[Path]:
    """The images and volume files in `folder`, then its subfolders that are DICOM series."""
    series = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and is_volume(p))
    return inputs_in(folder) + series


def inputs_in(folder: Path) -> list[Path]:
    """The image, video and volume files in `folder`, in name order (macOS's `._` files left out)."""
    return sorted(
        p for p in folder.iterdir()
        if (p.suffix.lower() in (*IMAGE_SUFFIXES, *VIDEO_SUFFIXES) or p.name.lower().endswith(VOLUME_SUFFIXES))
        and not p.name.startswith("._") and p.is_file()
    )


def named_by(option: str | None, subfolder: Path) -> bool:
    """Whether a run's `--images` or `--masks` (a folder's name or path, or a pattern: OSCD's
    `imgs_?`) names `subfolder`: its last names match the option's, in any case."""
    if not option:
        return False
    given, own = Path(option).parts, subfolder.absolute().parts
    return len(given) <= len(own) and all(fnmatchcase(name.lower(), pattern.lower())
                                          for name, pattern in zip(own[-len(given):], given))
