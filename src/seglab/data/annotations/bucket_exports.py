"""Cloud labelling services' exports of JSON lines (Vertex AI's `image_segmentation_1.jsonl`,
SageMaker Ground Truth's `output.manifest`), copied down with their bucket: finding them, reading
their lines, and the files they name by bucket URI (`gs://my-bucket/images/a.jpg`,
`s3://my-bucket/job/images/a.jpg`), found in the folder the bucket was copied into by the path
below the bucket (`images/a.jpg`) or the longest end of it that is there (`gsutil cp -r
gs://my-bucket/job .` leaves no `job/` above), else by the base name where one file under the
folder has it (`annotated_images.located_images`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from seglab.data.annotations.annotated_images import file_inside, located_images
from seglab.data.discovery.folders import json_listing
from seglab.data.files.index import Problem
from seglab.data.files.json_lines import json_object_lines
from seglab.errors import DataError

BUCKET_SCHEMES = ("gs", "s3")  # Google Cloud Storage's and Amazon S3's URIs
_TRIED_URIS = 20  # the lines whose URIs find the bucket's copy of an export given as DATA
_COPY_DEPTH = 6  # an export's folders below the bucket's top: SageMaker's output/<job>/manifests/output/
_LONGEST_PATH = 4096  # Linux's PATH_MAX: no file's path is longer


def export_files(root: Path, suffix: str, looks_right: Callable[[Path], bool], depth: int) -> list[Path]:
    """The exports of `suffix` that `looks_right`: DATA itself, else those in the folders under it,
    `depth` levels down at most (`json_listing`, of the tree's one listing)."""
    if root.is_file():
        return [root] if looks_right(root) else []
    return [folder / name for folder, names in json_listing(root, depth, (suffix,)) for name in names
            if looks_right(folder / name)]


def export_rows(path: Path, what: str, key: str) -> list[tuple[int, dict[str, Any]]]:
    """An export's JSON objects, a line each, by line number, each naming a file by `key`.

    Raises:
        DataError: unreadable, or a line that is no JSON object with `key`, naming `what`, the file and the line.
    """
    rows = []
    for number, row in json_object_lines(path, what, f'{{"{key}": ..., ...}}'):
        if not isinstance(row.get(key), str):
            raise DataError(f"{what} '{path}' line {number} has no '{key}': a line of another export, "
                            f"or a damaged one; export it again")
        rows.append((number, row))
    return rows


def bucket_copy(export: Path, uris: Iterable[object]) -> Path:
    """The folder holding the bucket's copy for an export given as DATA: the nearest above it
    holding a file one of the first lines' `uris` names below the bucket (`file_inside`: a path out
    of it, `../../x`, names none, and one too long for the file system is no file; a first line
    naming a file not copied here loses nothing), else the export's own folder."""
    belows = [below for below in (below_bucket(uri) for uri in itertools.islice(uris, _TRIED_URIS)
                                  if isinstance(uri, str)) if below]
    return next((folder for folder in list(export.parents)[:_COPY_DEPTH]
                 if any(file_inside(folder / below, folder) for below in belows)), export.parent)


def below_bucket(uri: str) -> str:
    """The path a bucket URI names below its bucket (`images/a.jpg` of `gs://my-bucket/images/a.jpg`),
    decoded (`%20` a space); any other path as written."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() not in BUCKET_SCHEMES:
        return uri
    return unquote(rest.partition("/")[2].partition("?")[0])


def _ends(path: str) -> list[str]:
    """`path` and its shorter ends of two parts at least, longest first (`job/images/a.jpg`,
    `images/a.jpg`): what the bucket's copy may hold, each tried as a path before any base name
    (`_tried_ends`). Ends longer than any path a file has (`_LONGEST_PATH`) are left out, the
    shortest kept: a URI of 10,000 parts made 10,000 ends of 100 MB in all."""
    parts = [p for p in PurePosixPath(path).parts if p not in ("/", "..", ".")]
    fitting = sum(1 for size in itertools.accumulate(len(p) + 1 for p in reversed(parts)) if size <= _LONGEST_PATH + 1)
    first = min(len(parts) - fitting, max(len(parts) - 2, 0))
    return ["/".join(parts[k:]) for k in range(first, max(len(parts) - 1, 1))]


@dataclass(frozen=True)
class BucketFiles:
    """The local file of each key's URI (`bucket_files`), the problems of those not found, and
    how many were found by their base name alone, not by the path below the bucket."""

    found: dict[Hashable, Path]
    problems: list[Problem]
    by_name: int

    def how(self) -> str:
        """How the URIs were matched, for the layout's line."""
        by_path = len(self.found) - self.by_name
        if not self.by_name:
            return "matched to the files here by the path below the bucket"
        if not by_path:
            return "matched to the files here by base name (the bucket's folders are not here)"
        return f"matched to the files here by the path below the bucket ({by_path}) or by base name ({self.by_name})"


@dataclass(frozen=True)
class LineFile:
    """The file a line of an export names in one role: said in problems as `line 3 of
    output.manifest, its mask`."""

    export: Path
    number: int
    role: str

    def __str__(self) -> str:
        return f"{self.number} of {self.export.name}, its {self.role}"


def bucket_files(named: Sequence[tuple[Hashable, str]], source: Path, base: Path, what: str) -> BucketFiles:
    """The file under `base` each key's URI names (`named`: (key, URI)) in the export `source`:
    by the path below the bucket, else the base name (the module docstring); a URI that names
    none or several files is a problem, said as `what` ("row 7") says it."""
    ends = [(key, _ends(below_bucket(uri))) for key, uri in named]
    # every end as a path before any base name: two images of one name (`site_a/street_00.jpg`,
    # `site_b/street_00.jpg` of `gs://b/project/site_a/...` copied without `project/`) are told
    # apart by the shorter end `site_a/street_00.jpg`, not called ambiguous by the longer's base name
    located, problems = located_images([(source, ends)], base, what, paths_first=True)
    found = located[source]
    by_name = sum(1 for key, tried in ends if key in found
                  and not any(found[key] in (base / end, source.parent / end) for end in tried))
    return BucketFiles(found, problems, by_name)
