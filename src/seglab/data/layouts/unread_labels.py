"""Label files beside the images in a format seglab does not read: an annotation tool's own export
(Hasty's JSON, Dataloop's JSON per item, Icy's XML beside each image, BIIGLE's CSV report,
Toloka's TSV of results, Annotorious' W3C annotations). A refusal names them and the export that
reads, rather than calling the image folders a classification set with no masks anywhere. A file
that names the images but draws nothing (a BIDS sidecar of the pixel size, AxonDeepSeg's
`sub-rat1_sample-data1_SEM.json`; PALM's `Fovea_location.csv` of points) is no such export."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from seglab.data.classes.text_files import file_head
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
# the keys, tags or columns a labelling tool's export draws with (Hasty's `polygon`, Dataloop's `annotations`, Icy's
# `<rois>`, BIIGLE's `shape_name`, Toloka's `"shape"`, Annotorious' `selector`), as the words of a key
_DRAWN = {"annotation", "annotations", "polygon", "polygons", "shape", "shapes", "region", "regions", "roi", "rois",
          "object", "objects", "segmentation", "selector", "contour", "contours"}
_LABEL = {"label", "labels", "class", "classname"}  # with points or coordinates, labelled points (not PALM's fovea)
_POINTS = {"points", "coordinates", "vertices"}
_JSON_KEY = re.compile(r'"([^"\\]{1,64})"\s*:')  # `"polygon": ...`, also in a CSV or TSV cell (Toloka's results)
_XML_TAG = re.compile(r"<([A-Za-z_][\w.\-]{0,63})")
_KEY_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # `shape_name`, `classname`, `imgName`: its words


def unread_label_files(listing: Iterable[tuple[Path, list[str]]], images: Sequence[Path]
                       ) -> list[tuple[Path, str, list[str], str]]:
    """(folder, suffix, file names, an image named) of the JSON, XML, CSV and TSV files in `listing`
    (folders and their file names) that name the dataset's `images` and read as a labelling export
    (`_draws`): files named as an image (Icy's `cells_01.xml` beside `cells_01.tif`), or, read by
    the first file of each folder's suffix (a folder's files are alike), a file naming two of the
    images, or one where the folder holds a file per image (Dataloop's `json/site_a/road_00.json`).
    seglab's own files are left out."""
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
            if read >= _GROUPS_READ:
                break
            read += 1
            text = file_head(folder / group[0], _HEAD_BYTES)
            image = stems.get(stem(Path(group[0])).lower()) or _named_image(text, names, len(group))
            if image is not None and _draws(text, suffix):
                found.append((folder, suffix, group, image))
        if len(found) >= _GROUPS_SHOWN or read >= _GROUPS_READ:
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


def _named_image(text: str, names: dict[str, str], files: int) -> str | None:
    """An image of `names` (lower case -> name) that a file's head `text` names, when it names two of them, or one
    where the file is one of a folder of such `files`; None otherwise."""
    named = sorted({m.lower() for m in _IMAGE_NAME.findall(text)} & names.keys())
    return names[named[0]] if named and (len(named) >= min(2, len(names)) or files > 1) else None


def _draws(text: str, suffix: str) -> bool:
    """Whether a file's head `text` reads as a labelling tool's export: a JSON key, XML tag or (a CSV's, a TSV's)
    column whose words name drawn shapes (`_DRAWN`), or labels and points together (BIIGLE's `label_name` and
    `points`). Keys alone, never values: a BIDS sidecar's `"BodyPart": "brain region"` draws nothing."""
    keys = _JSON_KEY.findall(text) + _XML_TAG.findall(text)
    if suffix in (".csv", ".tsv"):
        keys += re.split(r"[,;\t]", text.partition("\n")[0])
    said = {word.lower() for key in keys for word in _KEY_WORD.findall(key)}
    return bool(said & _DRAWN) or bool(said & _LABEL and said & _POINTS)


def _shown(root: Path, folder: Path, group: list[str], suffix: str) -> str:
    """A folder's label files as the refusal names them: the file, or the folder and its count."""
    where = folder.relative_to(root).as_posix()
    prefix = "" if where == "." else f"{where}/"
    if len(group) == 1:
        return f"{prefix}{group[0]}"
    return f"{prefix or './'}: {len(group)} '{suffix}' files ({group[0]}, ...)"
