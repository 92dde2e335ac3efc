"""The image files that annotation files name (COCO's `file_name`, CVAT's image `name`): beside
the annotation file, under the dataset folder, or found by the file name alone when one image
under the dataset folder has it (COCO's `train2017/` beside `annotations/`, CVAT's
`images/<subset>/`; of several, the nearest: `nearest`), looked for deeper than the search of
layouts when none that deep has it (RefCOCO's `refer/data/images/mscoco/images/train2014/`).
Never a file outside the dataset folder."""

from __future__ import annotations

import os
from functools import cache
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote

from seglab.data.discovery.folders import deeper_image_folders, walk
from seglab.data.files.index import Problem, list_images
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.errors import DataError


def locate_images(named: Sequence[tuple[Path, Sequence[tuple[Hashable, str | Sequence[str]]]]], base: Path,
                  what: str) -> tuple[dict[Path, dict[Hashable, Path]], list[Problem]]:
    """Each annotation file's images, keyed as given (`located_images`).

    Raises:
        DataError: an image annotated in two annotation files (`refuse_shared_images`).
    """
    found, problems = located_images(named, base, what)
    refuse_shared_images(found, base)
    return found, problems


def located_images(named: Sequence[tuple[Path, Sequence[tuple[Hashable, str | Sequence[str]]]]], base: Path,
                   what: str, paths_first: bool = False) -> tuple[dict[Path, dict[Hashable, Path]], list[Problem]]:
    """Each annotation file's images, keyed as given: `named` holds (annotation file, [(key,
    image name, or names to try in turn)]); an image no file or several files fit is a problem,
    named by its `what` ("id 7"). Each name is tried as a path, then by its base name, before the
    next name; with `paths_first`, every name as a path before any base name (a bucket URI's ends:
    `site_a/street_00.jpg` is there as a path where the longer end's base name, `street_00.jpg`,
    fits two files). Two files may name one image (a subset file beside the whole: the caller
    decides). A name no image within the layouts' search has is looked for in the folders below
    it (`deeper_images`: RefCOCO's images six folders below DATA, beside
    `refer/data/refcoco/instances.json`)."""
    by_name = _files_by_name(folder.files for folder in walk(base))
    deeper = cache(lambda: _files_by_name([deeper_images(base)]))
    found: dict[Path, dict[Hashable, Path]] = {}
    problems = []
    for source, images in named:
        found[source] = {}
        for key, names in images:
            tried = [names] if isinstance(names, str) else list(names)
            candidates: list[Path] = []
            name = tried[0] if tried else ""  # the name said when none is found
            for each, as_path in _attempts(tried, paths_first):
                name_only = Path(each).name
                candidates = ([p for p in (source.parent / each, base / each) if file_inside(p, base)] if as_path
                              else nearest(by_name.get(name_only) or deeper().get(name_only, []), source))
                if candidates:
                    name = each
                    break
            if len(set(candidates)) != 1:
                why = _ambiguous(sorted(set(candidates)), base) if candidates else "no image file has that name"
                problems.append(Problem(source, f"image '{name}' ({what} {key}): {why}", "mask-without-image"))
                continue
            found[source][key] = candidates[0]
    return found, problems


def _attempts(names: list[str], paths_first: bool) -> list[tuple[str, bool]]:
    """The order `located_images` tries `names` in: (name, as a path, else by its base name)."""
    if paths_first:
        return [(name, True) for name in names] + [(name, False) for name in names]
    return [(name, as_path) for name in names for as_path in (True, False)]


def deeper_images(base: Path) -> list[Path]:
    """The image files below the levels the layouts' walk searches, three more at most
    (`deeper_image_folders`), listed only where the walk cut folders off."""
    return [image for folder in deeper_image_folders(base) for image in list_images(folder)]


def _files_by_name(listed: Iterable[Iterable[Path]]) -> dict[str, list[Path]]:
    """Image files by file name."""
    by_name: dict[str, list[Path]] = {}
    for files in listed:
        for path in files:
            by_name.setdefault(path.name, []).append(path)
    return by_name


def _ambiguous(candidates: list[Path], base: Path) -> str:
    """Why an image name found several files, with the routes that pick one."""
    shown = ", ".join(f"'{p.relative_to(base).as_posix() if p.is_relative_to(base) else p}'" for p in candidates[:2])
    return (f"{len(candidates)} image files have it ({shown}{', ...' if len(candidates) > 2 else ''}); write its "
            f"path under '{base}' into the annotation file, or keep the images in a folder named as the file")


def refuse_shared_images(found: Mapping[Path, Mapping[Hashable, Path]], base: Path, why: str = "",
                         sets: Callable[[Path, Path], str] | None = None) -> None:
    """Stop on an image that two annotation files annotate: which of them to paint is the user's
    choice, and `why` says what the caller found of the two (that neither is a subset); `sets`
    (the two files) the further route a format offers (COCO's --masks picking a folder of files).

    Raises:
        DataError: naming the image, both files, and the routes: one file as DATA, or a dataset
            folder whose split folders hold one annotation file each, which keeps the splits.
    """
    claimed: dict[Path, Path] = {}
    for source, images in found.items():
        for image in images.values():
            if image in claimed:
                raise DataError(f"'{image}' is annotated in both '{claimed[image]}' and '{source}'{why}; pass the "
                                f"one to train on as DATA, or move the other out of '{base}', which keeps the splits "
                                "(each split folder holding one annotation file)"
                                + (sets(claimed[image], source) if sets else ""))
            claimed[image] = source


def nearest(candidates: list[Path], source: Path) -> list[Path]:
    """Of several images of one name, the one under the annotation file's folder when only one is
    (CrowdAI Mapping's `train/annotation.json` for `train/images/a.jpg`, not `test_images/a.jpg`),
    else the one under the folder above it when only one is (MoNuSeg's `Training
    Data/Annotations/a.xml` for `Training Data/Tissue Images/a.tif`, not the test set's `a.tif`);
    of several there, the one in a folder named as the annotation file (MIDV-2020's
    `photo/annotations/alb_id.json` for `photo/images/alb_id/00.jpg`, not `photo/images/esp_id/00.jpg`);
    else all of them."""
    if len(candidates) > 1:
        for folder in (source.parent, source.parent.parent):
            near = [p for p in candidates if p.is_relative_to(folder)]
            named = [p for p in near if source.stem in p.relative_to(folder).parent.parts]
            for fit in (near, named):
                if len(fit) == 1:
                    return fit
    return candidates


def unannotated_images(folders: Iterable[Path], annotated: Collection[Path], base: Path) -> list[Path]:
    """The images in `folders` that no annotation file annotates (those beside the ones the files
    name: BSData's `data/*.jpg`, ISAT's unlabelled slides): unlabelled images, counted, not passed over.
    Each folder's files are taken from the walk of the dataset folder `base` (`walk`, listed once
    per listing: `located_images` and the formats' search walked it already); a folder the walk did
    not reach is listed here."""
    folders = sorted(set(folders))
    walked = {folder.path: folder.files for folder in walk(base)} if folders else {}
    listed = (_images(walked[folder]) if folder in walked else list_images(folder) for folder in folders)
    return [image for images in listed for image in images if image not in annotated]


def _images(files: list[Path]) -> list[Path]:
    """The image files of a walked folder's files (`list_images` of it): a folder named for masks
    lists MATLAB files too."""
    return [path for path in files if path.suffix.lower() in IMAGE_SUFFIXES]


def url_file_name(url: str) -> str:
    """The file name a URL or a path ends in, its query left out (Labelbox's `row_data`, a
    Scalabel frame's `url`: `a.jpg` of `https://bucket/a%20b/a.jpg?signature=1`)."""
    return Path(unquote(url.partition("?")[0])).name


def file_inside(path: Path, base: Path) -> bool:
    """Whether a path an annotation names is a file in the dataset folder (`inside`): os.path's
    look-up, so that a name too long for the file system, or holding a NUL, is no file, where
    `Path.is_file` raises (OSError: File name too long)."""
    return inside(path, base) and os.path.isfile(path)


def inside(path: Path, base: Path) -> bool:
    """Whether `path` lies in the dataset folder: an annotation that names `/etc/passwd` or
    `../../x.png` makes seglab read no file outside it (the name alone is still looked for inside)."""
    inside = Path(os.path.normpath(os.path.abspath(path)))  # lexically: a symlink in the folder may point anywhere
    return inside.is_relative_to(os.path.normpath(os.path.abspath(base)))
