"""An image folder of volumes beside a folder per class of 0/1 label volumes named like the images.

UroCell ships its FIB-SEM volumes in `data/fib1-0-0-0.nii.gz`, ... beside `fv/`, `golgi/`,
`lyso/` and `mito/`, each holding that organelle's binary volume of every image under the
image's name; the 2-D `class-folders` layout's `images/` + `masks/<class>/` holds volumes so too.
A case's class volumes are painted as TotalSegmentator's structures are (`Subject.structures`):
a class per folder, in name order, a class whose folder lacks the case absent from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from seglab.data.discovery.folders import visible_folders
from seglab.data.discovery.naming import looks_like_image_folder, looks_like_mask_folder
from seglab.data.files.index import Problem
from seglab.data.files.slice_cache import Subject
from seglab.data.layouts.volume_format.cases import Layout, matched_cases, volumes_in

_LEAST_CLASSES = 2  # one folder of label volumes beside the images is the images/ + labels/ layout


def class_folders(root: Path, listed: Callable[[Path], list[Path]] | None = None) -> Layout | None:
    """The cases of `root`'s one folder named for images (`data/`, `images/`) whose volumes two
    or more folders of label volumes named like them hold (`_classes`), beside it or in a
    folder named for masks beside it (`labels/fv/`, `labels/mito/`); None otherwise. `listed`
    lists a folder's volumes, once each (a cache of `volumes_in` the caller's other layouts share)."""
    listed = listed or functools.cache(volumes_in)
    subfolders = visible_folders(root)
    image_dirs = [d for d in subfolders if looks_like_image_folder(d.name) and listed(d)]
    if len(image_dirs) != 1:
        return None
    image_dir = image_dirs[0]
    holders = [root] + [d for d in subfolders if looks_like_mask_folder(d.name) and not listed(d)]
    for holder in holders:
        found = _classes(root, holder, subfolders if holder == root else visible_folders(holder), image_dir, listed)
        if found is not None:
            return _cases(holder, listed(image_dir), found)
    return None


def _classes(root: Path, holder: Path, folders: list[Path], image_dir: Path,
             listed: Callable[[Path], list[Path]]) -> dict[str, Layout] | None:
    """class folder name -> its volumes matched to the images, for the folders of `holder` (`folders`) every
    volume of which is named like an image, when there are two or more and, beside the images,
    none is named for masks (`labels/` beside `predictions/` is the images/ + labels/ layout)."""
    images = listed(image_dir)
    found: dict[str, Layout] = {}
    for folder in folders:
        labels = [p for p in listed(folder) if p.is_file()] if folder != image_dir else []  # files, never DICOM
        matched = matched_cases(images, labels, folder.relative_to(root).as_posix()) if labels else None
        if matched is not None and len(matched.subjects) == len(labels):
            found[folder.name] = matched
    if len(found) < _LEAST_CLASSES or (holder == root and any(map(looks_like_mask_folder, found))):
        return None
    return found


def _cases(holder: Path, images: list[Path], classes: dict[str, Layout]) -> Layout:
    """A case per image that any class folder holds a volume of, its `parts` those volumes; an
    image that none holds is a problem, named with the folders."""
    structures = tuple(sorted(classes))
    first: dict[str, Subject] = {}
    parts: dict[str, list[Path]] = {}
    layout = Layout()
    for name in structures:
        for subject in classes[name].subjects:
            first.setdefault(subject.name, subject)
            parts.setdefault(subject.name, []).append(subject.label)
        layout.groups.update(classes[name].groups)
    layout.subjects = [Subject(s.name, s.images, holder, structures, s.modalities, parts=tuple(parts[s.name]))
                       for s in first.values()]
    cased = {p for s in layout.subjects for p in s.images}
    folders = ", ".join(f"{name}/" for name in structures)
    layout.problems = [Problem(p, f"image volume has no label volume in any class folder ({folders})",
                               "image-without-mask") for p in images if p not in cased]
    return layout
