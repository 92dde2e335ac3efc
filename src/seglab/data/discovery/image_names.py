"""`--images` naming image files, not a folder: one of the images that share each mask.

Some datasets photograph or render each labelled view several times beside its one mask:
Structured3D's `rgb_rawlight.png`, `rgb_coldlight.png` and `rgb_warmlight.png` beside
`semantic.png`, ClearGrasp's `N-transparent-rgb-img.jpg` and `N-opaque-rgb-img.jpg` beside
`N-mask.png`. Read all, they are grouped with their mask (`splitting.subjects`); a file-name
pattern given as `--images` (`'rgb_rawlight.png'`, `'*-transparent-rgb-img.jpg'`) reads one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data.discovery.pairing import FolderMatch, folder_label
from seglab.data.files.io import IMAGE_SUFFIXES


def image_name_pattern(images: str | None) -> str | None:
    """The file-name pattern `images` (`--images`) is when it names image files, not a folder:
    a name without a folder part ending in an image file's extension (`rgb_rawlight.png`)."""
    if images is None or "/" in images or Path(images).suffix.lower() not in IMAGE_SUFFIXES:
        return None
    return images


def pick_images(matches: list[FolderMatch], pattern: str) -> tuple[list[FolderMatch], list[Path]]:
    """The matches with only the pairs whose image's name fits `pattern`, in the image folders
    holding any that does (ClearGrasp's `rgb-imgs/` keeps its `N-rgb.jpg` while
    `'*-transparent-rgb-img.jpg'` picks among `real-test/d415/`'s photos); the images left out."""
    kept, left = [], []
    for match in matches:
        fits = [pair for pair in match.pairs if names_image(pattern, pair[1])]
        if fits and len(fits) < len(match.pairs):
            left += [image for _, image, _ in match.pairs if not names_image(pattern, image)]
            match = replace(match, pairs=fits)
        kept.append(match)
    return kept, left


def pick_files(files: list[Path], pattern: str) -> tuple[list[Path], list[Path]]:
    """The `files` of one folder whose name fits `pattern`, all of them where none does (as
    `pick_images` keeps a folder's pairs), and those left out: what `seglab predict FOLDER` reads
    of a run trained with `--images 'rgb_rawlight.png'`."""
    fits, left = [], []
    for path in files:
        (fits if names_image(pattern, path) else left).append(path)
    return (fits, left) if fits else (files, [])


def names_image(pattern: str, image: Path) -> bool:
    """Whether an `--images` file-name pattern (`image_name_pattern`) names `image`, in any case."""
    return fnmatchcase(image.name.lower(), pattern.lower())


def shared_masks_line(matches: list[FolderMatch], root: Path) -> str | None:
    """A line for `seglab inspect` where several images of one folder share each mask: which,
    and the `--images` pattern that reads one naming of them; None where each has its own."""
    shared = [match for match in matches if len({mask for _, _, mask in match.pairs}) < len(match.pairs)]
    if not shared:
        return None
    first = shared[0]
    mask = next(mask for _, _, mask in first.pairs if sum(m == mask for _, _, m in first.pairs) > 1)
    images = sorted(image for _, image, m in first.pairs if m == mask)
    key = next(key for key, image, _ in first.pairs if image == images[0])
    namings = [_naming(image, key) for image in images]
    where = f"{folder_label(first.image_dir, root)}" + (f" and {len(shared) - 1} more folders" if len(shared) > 1 else "")
    return (f"{len(images)} images share each mask in {where} ({', '.join(repr(i.name) for i in images)} with "
            f"'{mask.name}'): all are read, each with its mask's group, so a split keeps them together; "
            f"--images with one of their names reads that one alone: --images '{namings[0]}' (or "
            f"{', '.join(repr(n) for n in namings[1:])})")


def _naming(image: Path, key: str) -> str:
    """The image's name with its pairing key made a wildcard (`000000000-opaque-rgb-img.jpg` ->
    `*-opaque-rgb-img.jpg`, keyed by its number); the name itself when the key is not in it (a
    folder's fixed-name mask: `rgb_rawlight.png`). A key of digits `int` does not read (`'²'.isdigit()`
    is true) is matched as text."""
    name = image.name
    if key.isdecimal():
        found = next((m for m in re.finditer(r"\d+", name) if int(m.group()) == int(key)), None)
        span = found.span() if found is not None else None
    else:
        at = name.lower().find(key.lower()) if key else -1
        span = (at, at + len(key)) if at >= 0 else None
    return name if span is None else name[: span[0]] + "*" + name[span[1]:]
