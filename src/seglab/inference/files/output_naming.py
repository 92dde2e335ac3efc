"""The name each input's outputs are written under, and the files of each input image."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.channel_files import channel_groups, group_name
from seglab.data.files.volumes import is_volume, volume_stem


def channel_images(files: Sequence[Path], channel_files: Sequence[str]) -> dict[Path, tuple[Path, ...]]:
    """Each input image's files by its first file, in input order: with a model's
    `channel_files`, the channel files of one image together in the model's order
    (`channel_files.channel_groups`); otherwise, and for every other file, each file alone.

    Raises:
        DataError: an image lacking one of its channel files.
    """
    if not channel_files:
        return {path: (path,) for path in files}
    groups, _ = channel_groups([f for f in files if not is_volume(f)], channel_files)
    grouped = {path: group for group in groups for path in group}
    images = {}
    for path in files:
        group = grouped.get(path, (path,))
        images.setdefault(group[0], group)
    return images


def output_names(files: Sequence[Path], channel_files: Sequence[str] = ()) -> dict[Path, str]:
    """The name each input's outputs are written under: its stem (an image of channel files:
    its first file's, without the channel or band, see `channel_images`), or where two inputs
    share a stem (`a/x.png` and `b/x.png`) its path below the inputs' common folder (that of
    the folder its files share: BrainMetShare's `Mets_003/000` for `Mets_003/0/000.png` ...
    `Mets_003/3/000.png`), and where they share a folder too (`x.png`, `x.jpg`) also its suffix,
    so that no prediction overwrites another's. The names are keyed by each input's first file.
    """
    images = channel_images(files, channel_files)
    files = list(images)
    stems = {path: group_name(group, channel_files) if len(group) > 1 else volume_stem(path) if is_volume(path)
             else path.stem for path, group in images.items()}
    shared = Counter(stems.values())
    if len(files) < 2 or max(shared.values()) == 1:
        return stems
    folders = {path: Path(os.path.commonpath([str(p.resolve().parent) for p in group]))
               for path, group in images.items()}
    common = Path(os.path.commonpath([str(folder) for folder in folders.values()]))
    names = {}
    for path, name in stems.items():
        folder = folders[path].relative_to(common).as_posix()
        names[path] = name if shared[name] == 1 or folder == "." else f"{folder}/{name}"
    still = Counter(names.values())
    return {p: f"{n}_{p.suffix.lstrip('.').lower()}" if still[n] > 1 else n for p, n in names.items()}
