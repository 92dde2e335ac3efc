"""The "sagemaker" format: an AWS SageMaker Ground Truth semantic segmentation job's output
manifest beside the bucket's images and masks synced locally (`aws s3 sync s3://my-bucket .`).

The job writes `output/<job>/manifests/output/output.manifest`, an object a line: the image's
`source-ref` and, under the job's label attribute `<job>-ref`, its consolidated colour mask
(`annotations/consolidated-annotation/output/<i>_<time>.png`), with `<job>-ref-metadata` whose
`internal-color-map` numbers the classes (`{"0": {"class-name": "BACKGROUND", "hex-color":
"#ffffff"}, ...}`): the classes and their mask colours, in that order. Its s3:// URIs name the
files by the path below the bucket, else by base name (`bucket_exports`). A manifest of another
name is read too; of several, those below a `manifests/output/` folder are the jobs' own, the
`manifests/intermediate/<n>/` copies passed over; a job's line not labelled (no mask) is an
unlabelled image. Ground Truth keeps no split.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from seglab.data.annotations.annotation_formats import file_head, one_folder, relative_names
from seglab.data.annotations.bucket_exports import LineFile, bucket_copy, bucket_files, export_files, export_rows
from seglab.data.classes import ClassSpec, shipped_classes
from seglab.data.discovery.folders import MAX_DEPTH
from seglab.data.discovery.naming import stem
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.layouts.folder_pairs import FolderPairsFormat, unique_names
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.errors import DataError

log = logging.getLogger(__name__)

_WHAT = "SageMaker Ground Truth manifest"
_SOURCE = "source-ref"  # the image's URI
_COLOUR_MAP = "internal-color-map"  # in a semantic segmentation label's metadata
_INTERMEDIATE = "intermediate"  # manifests/intermediate/<n>/: a job's copies as it went


def label_attributes(row: dict[str, Any]) -> list[str]:
    """A manifest line's semantic segmentation labels: its `<name>-ref` keys, `source-ref` aside,
    whose `<name>-ref-metadata` holds an `internal-color-map`, in the line's order."""
    return [key for key in row if key.endswith("-ref") and key != _SOURCE
            and isinstance(meta := row.get(f"{key}-metadata"), dict) and isinstance(meta.get(_COLOUR_MAP), dict)]


def is_segmentation_manifest(path: Path) -> bool:
    """Whether a `.manifest` file is a Ground Truth semantic segmentation output, told by its head."""
    head = file_head(path)
    return path.suffix.lower() == ".manifest" and f'"{_SOURCE}"' in head and f'"{_COLOUR_MAP}"' in head


def _jobs_own(manifests: list[Path]) -> list[Path]:
    """The manifests that are not a job's intermediate copies, where any is."""
    final = [p for p in manifests if _INTERMEDIATE not in p.parent.parts]
    return final or manifests


def _classes(meta: dict[str, Any], path: Path) -> ClassSpec:
    """The classes an `internal-color-map` numbers, in its order, in their colours.

    Raises:
        DataError: numbers that are not 0, 1, ... or an entry without a name or a `#rrggbb` colour, naming the file.
    """
    colour_map = meta[_COLOUR_MAP]
    try:
        numbered = sorted((int(k), v) for k, v in colour_map.items())
        names = [str(entry["class-name"]) for _, entry in numbered]
        colours = [tuple(int(entry["hex-color"].lstrip("#")[k:k + 2], 16) for k in (0, 2, 4)) for _, entry in numbered]
    except (ValueError, TypeError, KeyError, AttributeError):
        numbered = []
    if not numbered or [k for k, _ in numbered] != list(range(len(numbered))):
        raise DataError(f"{_WHAT} '{path}': its {_COLOUR_MAP} is not classes numbered 0, 1, ... each with a "
                        "class-name and a hex-color (#rrggbb); name the mask colours' classes in classes.json")
    return shipped_classes(names, f"{_WHAT} '{path}'", colours=colours)  # type: ignore[arg-type]


@FORMATS.register("sagemaker")
class SageMakerFormat(FindingFormat[list[Path]]):
    """A SageMaker Ground Truth semantic segmentation output manifest beside the bucket's copy; see the module docstring."""

    layout = ("a SageMaker Ground Truth semantic segmentation job: output/<job>/manifests/output/output.manifest "
              "(source-ref, <job>-ref and its internal-color-map) beside the bucket's images and masks")
    priority = -1  # before folder-pairs, which finds no masks so deep (nor the manifest's pairing)
    reads_file = True

    def find(self, root: Path) -> list[Path]:
        """The jobs' output manifests: `root` itself, or those `MAX_DEPTH` folders below it at most."""
        return _jobs_own(export_files(root, ".manifest", is_segmentation_manifest, MAX_DEPTH))

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        manifests = self.found(root)
        one_folder(root, [p.parent for p in manifests], "SageMaker Ground Truth manifests lie in",
                   lambda folders: f"; pass one job's manifest as DATA: seglab inspect {manifests[0]}")
        path = manifests[0]
        rows = export_rows(path, _WHAT, _SOURCE)
        labelled = [(number, row, attributes[0]) for number, row in rows if (attributes := label_attributes(row))]
        if not labelled:
            raise DataError(f"{_WHAT} '{path}' labels no image: no line has a <job>-ref mask with an {_COLOUR_MAP}")
        first = labelled[0]
        others = sorted({a for _, row, _ in labelled for a in label_attributes(row)} - {first[2]})
        if others:  # a chained job's labels beside its first's
            log.warning("%s: the masks of %s are read; those of %s are not (a chained job's other labels)",
                        path, first[2], ", ".join(others))
        base = root if root.is_dir() else bucket_copy(root, (row.get(_SOURCE) for _, row, _ in labelled))
        masks = {number: row[attribute] for number, row, attribute in labelled if isinstance(row[attribute], str)}
        named = [*((LineFile(path, number, "image"), row[_SOURCE]) for number, row in rows),
                 *((LineFile(path, number, "mask"), uri) for number, uri in masks.items())]
        located = bucket_files(named, path, base, "line")
        spec = classes or _classes(first[1][f"{first[2]}-metadata"], path)
        pairs, unlabelled = [], []
        for number, _ in rows:
            image = located.found.get(LineFile(path, number, "image"))
            mask = located.found.get(LineFile(path, number, "mask"))
            if image is not None and mask is not None:
                pairs.append(Pair(stem(image), image, mask))
            elif image is not None and number not in masks:
                unlabelled.append(image)
        pairs = unique_names(pairs, base)
        mask_dirs = sorted({p.mask.parent for p in pairs if p.mask is not None})
        encoding = FolderPairsFormat.choose_classes(base, mask_dirs, pairs, spec, self.options.cache_dir)
        index = DatasetIndex(base, "sagemaker", pairs, unlabelled, encoding.classes, encoding.mapping,
                             located.problems + list(encoding.problems), mask_values=encoding.values)
        index.pairing = [f"{relative_names([path], base)}: {len(pairs)} pairs listed by {first[2]}, the s3:// URIs "
                         f"{located.how()}; classes from its {_COLOUR_MAP}"
                         + (f", {len(unlabelled)} images not labelled" if unlabelled else "")]
        log.info("%s: %s", base, index.pairing[0])
        return index
