"""The image files that annotation files name (COCO's `file_name`, CVAT's image `name`): beside
the annotation file, under the dataset folder, or found by the file name alone when one image
under the dataset folder has it (COCO's `train2017/` beside `annotations/`, CVAT's
`images/<subset>/`)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

from seglab.data.folders import walk
from seglab.data.index import Problem
from seglab.errors import DataError


def locate_images(named: Sequence[tuple[Path, Sequence[tuple[Hashable, str]]]], base: Path,
                  what: str) -> tuple[dict[Path, dict[Hashable, Path]], list[Problem]]:
    """Each annotation file's images, keyed as given: `named` holds (annotation file, [(key,
    image name)]); an image no file or several files fit is a problem, named by its `what`
    ("id 7").

    Raises:
        DataError: an image annotated in two annotation files.
    """
    by_name: dict[str, list[Path]] = {}
    for folder in walk(base):
        for path in folder.files:
            by_name.setdefault(path.name, []).append(path)
    found: dict[Path, dict[Hashable, Path]] = {}
    problems = []
    claimed: dict[Path, Path] = {}
    for source, images in named:
        found[source] = {}
        for key, name in images:
            candidates = [p for p in (source.parent / name, base / name) if p.is_file()]
            candidates = candidates or by_name.get(Path(name).name, [])
            if len(set(candidates)) != 1:
                why = "no image file has that name" if not candidates else f"{len(candidates)} image files have it"
                problems.append(Problem(source, f"image '{name}' ({what} {key}): {why}", "mask-without-image"))
                continue
            image = candidates[0]
            if image in claimed:
                raise DataError(f"'{image}' is annotated in both '{claimed[image]}' and '{source}'; "
                                "pass the one to train on as DATA")
            claimed[image] = source
            found[source][key] = image
    return found, problems
