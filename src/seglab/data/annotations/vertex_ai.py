"""The "vertex-ai" format: a Google Vertex AI image segmentation dataset's export (schema
`image_segmentation_io_format_1.0.0`) beside the bucket's images and masks copied locally
(`gsutil -m cp -r gs://my-bucket .`).

The export, `export/data-<name>-<time>/image_segmentation_1.jsonl` (one file or a few in its
folder), holds an object a line: `imageGcsUri`, `segmentationAnnotation` with the mask's
`maskGcsUri` and `annotationSpecColors` ([{"color": {"red", "green", "blue"} in 0..1,
"displayName"}]), and `dataItemResourceLabels` whose `aiplatform.googleapis.com/ml_use`
(training, validation, test) is the split. Its URIs name the files by the path below the bucket,
else by base name (`bucket_files`), so masks pair with their images whatever their names. The
classes are the background (black, which exports leave out) and the colours' display names, in
the order the export lists them; a row without a mask is an unlabelled image.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from seglab.data.annotations.annotation_formats import file_head, one_folder, relative_names
from seglab.data.annotations.bucket_exports import LineFile, bucket_copy, bucket_files, export_files, export_rows
from seglab.data.classes import ClassSpec, shipped_classes
from seglab.data.discovery.naming import SPLIT_WORDS, stem, usable_splits
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.errors import DataError

log = logging.getLogger(__name__)

_SIGNS = ('"imageGcsUri"', '"segmentationAnnotation"')  # what an export's first line holds
_WHAT = "Vertex AI export"
_ML_USE = "aiplatform.googleapis.com/ml_use"
_BLACK = (0, 0, 0)  # the masks' colour where no class is: the background, which exports leave out
_EXPORT_DEPTH = 3  # export/data-<name>-<time>/image_segmentation_1.jsonl, in a folder the copy wraps


def is_vertex_export(path: Path) -> bool:
    """Whether a file is a Vertex AI image segmentation export, told by its head."""
    return path.suffix.lower() == ".jsonl" and all(sign in file_head(path) for sign in _SIGNS)


def _annotation(row: dict[str, Any]) -> dict[str, Any]:
    annotation = row.get("segmentationAnnotation")
    return annotation if isinstance(annotation, dict) else {}


def _colour(entry: dict[str, Any], path: Path) -> tuple[int, int, int]:
    """An `annotationSpecColors` entry's colour in 0..255 (a channel left out is 0, as protobuf's JSON leaves zeros out).

    Raises:
        DataError: a channel that is no number in 0..1, naming the file and the class.
    """
    colour = entry.get("color") if isinstance(entry.get("color"), dict) else {}
    channels = [colour.get(channel, 0) for channel in ("red", "green", "blue")]
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c <= 1 for c in channels):
        raise DataError(f"{_WHAT} '{path}': the colour of '{entry.get('displayName')}' is {colour}; "
                        "its red, green and blue are numbers from 0 to 1")
    return (round(channels[0] * 255), round(channels[1] * 255), round(channels[2] * 255))


def _classes(rows: list[tuple[int, dict[str, Any]]], path: Path) -> ClassSpec:
    """The background (black, unless the export names black) and the classes its rows' colours name, in order.

    Raises:
        DataError: no class named, or one colour for two names, naming the file.
    """
    colours: dict[str, tuple[int, int, int]] = {}
    for _, row in rows:
        entries = _annotation(row).get("annotationSpecColors")
        for entry in entries if isinstance(entries, list) else []:  # a damaged line's number or text lists none
            if isinstance(entry, dict) and isinstance(entry.get("displayName"), str):
                colours.setdefault(entry["displayName"], _colour(entry, path))
    if not colours:
        raise DataError(f"{_WHAT} '{path}' names no class (no 'annotationSpecColors'); name the mask "
                        "colours' classes in classes.json")
    if _BLACK not in colours.values():
        colours = {"background": _BLACK, **colours}
    return shipped_classes(list(colours), f"{_WHAT} '{path}'", colours=list(colours.values()))


def _split(row: dict[str, Any], number: int, path: Path) -> str | None:
    labels = row.get("dataItemResourceLabels")
    use = labels.get(_ML_USE) if isinstance(labels, dict) else None
    if use in (None, ""):
        return None
    split = SPLIT_WORDS.get(str(use).strip().lower())
    if split is None:
        raise DataError(f"{_WHAT} '{path}' line {number}: ml_use '{use}' is no split (training, "
                        "validation or test)")
    return split


@FORMATS.register("vertex-ai")
class VertexAiFormat(FindingFormat[list[Path]]):
    """A Vertex AI image segmentation export beside the bucket's copy; see the module docstring."""

    layout = ("a Vertex AI image segmentation export (export/data-*/image_segmentation_1.jsonl: imageGcsUri, "
              "segmentationAnnotation.maskGcsUri, annotationSpecColors) beside the bucket's images and masks")
    priority = -1  # before folder-pairs, which would pair by name and read the colours unnamed, and the manifest
    reads_file = True

    def find(self, root: Path) -> list[Path]:
        """The exports: `root` itself, or those `_EXPORT_DEPTH` folders below it at most."""
        return export_files(root, ".jsonl", is_vertex_export, _EXPORT_DEPTH)

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        exports = self.found(root)
        one_folder(root, [p.parent for p in exports], "Vertex AI exports lie in",
                   lambda folders: f"; pass one export as DATA: seglab inspect {exports[-1]}")
        rows = [(path, number, row) for path in exports for number, row in export_rows(path, _WHAT, "imageGcsUri")]
        base = root if root.is_dir() else bucket_copy(root, (row.get("imageGcsUri") for _, _, row in rows))
        named = [(LineFile(path, number, role), uri) for path, number, row in rows
                 for role, uri in (("image", row["imageGcsUri"]), ("mask", _annotation(row).get("maskGcsUri")))
                 if isinstance(uri, str) and uri]
        located = bucket_files(named, exports[0], base, "line")
        spec = classes or _classes([(n, r) for _, n, r in rows], exports[0])
        pairs, unlabelled = [], []
        for path, number, row in rows:
            image = located.found.get(LineFile(path, number, "image"))
            mask = located.found.get(LineFile(path, number, "mask"))
            if image is None:
                continue
            if mask is None:
                unlabelled.append(image)
            else:
                pairs.append(Pair(stem(image), image, mask, _split(row, number, path)))
        if not usable_splits(p.split for p in pairs):
            pairs = [Pair(p.name, p.image, p.mask) for p in pairs]
        pairs = unique_names(pairs, base)
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(base, mask_dirs, pairs, spec, self.options.cache_dir)
        index = DatasetIndex(base, "vertex-ai", pairs, unlabelled, encoding.classes, encoding.mapping,
                             located.problems + list(encoding.problems), mask_values=encoding.values)
        counts = ", ".join(f"{n} {split}" for split, n in Counter(p.split or "unsplit" for p in pairs).items())
        counts = counts or "none"
        index.pairing = [f"{relative_names(exports, base)}: {len(pairs)} pairs listed ({counts}, the split from "
                         f"ml_use), the gs:// URIs {located.how()}; classes from its annotationSpecColors"
                         + (f", {len(unlabelled)} images without mask" if unlabelled else "")]
        log.info("%s: %s", base, index.pairing[0])
        return index

