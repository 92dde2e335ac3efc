"""Label files beside the images in a format seglab does not read: an annotation tool's own export
(Hasty's JSON, Dataloop's JSON per item, Icy's XML beside each image, BIIGLE's CSV report,
Toloka's TSV of results, Annotorious' W3C annotations). A refusal names them and the export that
reads, rather than calling the image folders a classification set with no masks anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from seglab.data.discovery.folders import METADATA_FILES
from seglab.data.discovery.naming import stem
from seglab.data.files.io import IMAGE_SUFFIXES

_LABEL_SUFFIXES = (".json", ".xml", ".csv", ".tsv")
_HEAD_BYTES = 1 << 20  # an export names its first images early
_GROUPS_SHOWN = 6
_GROUPS_READ = 50  # a refusal reads no more files than this, however many folders hold some
# a file name with an image's suffix, however the file quotes or paths it (`"/site_a/road_00.jpg"`, a URL, a CSV cell)
_IMAGE_NAME = re.compile(r"[^\s\"'<>,;:/\\|=()\[\]{}]+(?:" + "|".join(re.escape(s) for s in IMAGE_SUFFIXES) + r")\b",
                         re.IGNORECASE)


def unread_label_files(listing: Iterable[tuple[Path, list[str]]], images: Sequence[Path]
                       ) -> list[tuple[Path, str, list[str], str]]:
    """(folder, suffix, file names, an image named) of the JSON, XML, CSV and TSV files in `listing`
    (folders and their file names) that name the dataset's `images`: files named as an image (Icy's
    `cells_01.xml` beside `cells_01.tif`), or, read by the first file of each folder's suffix (a
    folder's files are alike), a file naming two of the images, or one where the folder holds a
    file per image (Dataloop's `json/site_a/road_00.json`). seglab's own files are left out."""
    names = {p.name.lower(): p.name for p in images}
    stems = {stem(p).lower(): p.name for p in images}
    found, read = [], 0
    for folder, files in listing:
        groups: dict[str, list[str]] = {}
        for name in sorted(files):
            suffix = Path(name).suffix.lower()
            if suffix in _LABEL_SUFFIXES and name.lower() not in METADATA_FILES:
                groups.setdefault(suffix, []).append(name)
        for suffix, group in groups.items():
            image = stems.get(stem(Path(group[0])).lower())
            if image is None and read < _GROUPS_READ:
                read += 1
                image = _named_image(folder / group[0], names, len(group))
            if image is not None:
                found.append((folder, suffix, group, image))
        if len(found) >= _GROUPS_SHOWN:
            break
    return found[:_GROUPS_SHOWN]


def unread_labels_line(root: Path, found: list[tuple[Path, str, list[str], str]]) -> str:
    """The refusal's lines for `unread_label_files`' files: each folder's, and the route."""
    if not found:
        return ""
    lines = "".join(f"\n  {_shown(root, folder, group, suffix)}: names the images (such as '{image}')"
                    for folder, suffix, group, image in found)
    return ("\nlabel files that name the images, in a format seglab does not read (an annotation tool's own export):"
            f"{lines}\n  export the labels from the tool as COCO JSON, LabelMe JSON or masks (a mask file per image, "
            "named as it), which seglab reads beside the images (docs/data.md, Layouts), or paint them into "
            "masks and pass that folder with --masks DIR")


def _named_image(path: Path, names: dict[str, str], files: int) -> str | None:
    """An image of `names` (lower case -> name) that the head of `path` names, when it names two of them, or one where
    the file is one of a folder of such `files`; None otherwise or when it cannot be read."""
    try:
        with path.open("rb") as file:
            text = file.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    named = sorted({m.lower() for m in _IMAGE_NAME.findall(text)} & names.keys())
    return names[named[0]] if named and (len(named) >= min(2, len(names)) or files > 1) else None


def _shown(root: Path, folder: Path, group: list[str], suffix: str) -> str:
    """A folder's label files as the refusal names them: the file, or the folder and its count."""
    where = folder.relative_to(root).as_posix()
    prefix = "" if where == "." else f"{where}/"
    if len(group) == 1:
        return f"{prefix}{group[0]}"
    return f"{prefix or './'}: {len(group)} '{suffix}' files ({group[0]}, ...)"
