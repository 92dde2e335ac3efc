"""The "hiertext" format: HierText's ground truth (`gt/train.jsonl.gz`, `gt/validation.jsonl.gz`)
beside its image folders (`train/`, `validation/`, `test/` of `<image_id>.jpg`), painted into
text masks once.

Despite its `.jsonl` name, each file of the release is one gzipped JSON document, `{"info": ...,
"annotations": [...]}`; JSON Lines (an annotation, or such a document, a line) and files left
unzipped (`train.jsonl`) are read too. An annotation names its image (`image_id`) and nests
`paragraphs`, their `lines` and theirs `words`, each with `vertices` `[[x, y], ...]`. The words
are painted: legible ones as the class `text`, illegible ones (`legible: false`, or in an
illegible line or paragraph) as the ignore label 255, the "don't care" regions HierText's
evaluation leaves out. A file gives its images the split its name says (`validation`: val); the
images of folders named for a split that no file annotates (`test/`, whose ground truth is
withheld) are unlabelled.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import (
    SNIFFED_BYTES,
    AnnotationFileFormat,
    relative_names,
    top_annotation_files,
)
from seglab.data.annotations.painted_masks import IGNORE, LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.classes.json_text import RepeatedKeyError, json_value
from seglab.data.classes.text_files import open_regular
from seglab.data.discovery.folders import walk
from seglab.data.discovery.naming import folder_split
from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

_SUFFIXES = (".jsonl.gz", ".jsonl")
_IMAGE_SUFFIX = ".jpg"
_ID = re.compile(r"[\w\-. ]{1,200}")  # a file name's stem, within any system's name length
_READ_ERRORS = (OSError, EOFError, UnicodeDecodeError, zlib.error)  # gzip raises BadGzipFile (an OSError) and EOFError


def _text(path: Path, size: int = -1) -> str:
    """A ground-truth file's text, unzipped where its name ends in `.gz`: `size` characters, or all."""
    with open_regular(path) as raw, (gzip.open(raw, "rt", encoding="utf-8") if path.name.lower().endswith(".gz")
                                     else io.TextIOWrapper(raw, encoding="utf-8")) as file:
        return file.read(size)


def _looks_like_hiertext(path: Path) -> bool:
    """A HierText file's head: annotations naming an `image_id` with `paragraphs`."""
    try:
        head = _text(path, SNIFFED_BYTES)
    except _READ_ERRORS:
        return False
    return '"paragraphs"' in head and '"image_id"' in head


def read_annotations(path: Path) -> list[dict]:
    """The annotations of a HierText file: one JSON document with an `annotations` list (the
    release's), or JSON Lines of annotations or of such documents.

    Raises:
        DataError: unreadable, no JSON, or no annotations, naming the file.
    """
    try:
        text = _text(path)
    except _READ_ERRORS as err:
        raise DataError(f"HierText file '{path}' cannot be read: {err}") from None
    try:
        records = [json_value(text)]
    except RepeatedKeyError as err:  # one document, but a corrupt export: said, not read as JSON Lines
        raise DataError(f"HierText file '{path}' cannot be read as JSON: {err}") from None
    except ValueError:  # JSON Lines: a record a line
        try:
            records = [json_value(line) for line in text.splitlines() if line.strip()]
        except (ValueError, RecursionError) as err:
            raise DataError(f"HierText file '{path}' is neither one JSON document nor JSON Lines: {err}") from None
    except RecursionError as err:
        raise DataError(f"HierText file '{path}' cannot be read as JSON: {err!r}") from None
    annotations = [a for record in records for a in _annotations(record) if isinstance(a, dict)]
    if not annotations:
        raise DataError(f"HierText file '{path}' holds no annotations: expected {{\"annotations\": [{{\"image_id\": ..., "
                        "\"paragraphs\": [...]}}, ...]}}, or an annotation a line")
    return annotations


def _annotations(record: object) -> list:
    if isinstance(record, dict) and isinstance(record.get("annotations"), list):
        return record["annotations"]
    return [record] if isinstance(record, dict) and "image_id" in record else []


def _items(value: object, key: str) -> list[dict]:
    found = value.get(key) if isinstance(value, dict) else None
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _words(annotation: dict) -> Iterator[tuple[dict, bool]]:
    """An annotation's words, each with whether it is legible: neither it nor its line nor its
    paragraph says `legible: false`."""
    for paragraph in _items(annotation, "paragraphs"):
        for line in _items(paragraph, "lines"):
            for word in _items(line, "words"):
                yield word, all(part.get("legible", True) is not False for part in (paragraph, line, word))


def _image_id(annotation: dict) -> str | None:
    """An annotation's `image_id` when it can name a file (HierText's are 16 hex digits), else None."""
    found = annotation.get("image_id")
    found = str(found) if isinstance(found, int) and not isinstance(found, bool) else found
    return found if isinstance(found, str) and _ID.fullmatch(found) else None


def _size(annotation: dict) -> tuple[int | None, int | None]:
    try:
        return int(annotation["image_height"]), int(annotation["image_width"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None, None


def _bare_name(path: Path) -> str:
    """A ground-truth file's name less its suffixes: its split's (`train` of `train.jsonl.gz`),
    the name of its image folder."""
    return path.name.split(".")[0]


def _drawn(path: Path, annotation: dict, text: int) -> list[Drawn]:
    """The words of an annotation to paint, the legible ones as `text` and the illegible ones
    after them as `IGNORE`, so that a don't-care region stays one."""
    words = list(_words(annotation))
    drawn = []
    for legible in (True, False):
        for number, (word, said) in enumerate(words, start=1):
            if said == legible:
                source = f"HierText file '{path}': image '{annotation.get('image_id')}', word {number}"
                drawn.append(Drawn(text if legible else IGNORE, [_outline(word.get("vertices"), source)], source))
    return drawn


def _outline(vertices: object, source: str) -> list[float]:
    """A word's `vertices` `[[x, y], ...]` as a COCO polygon `[x1, y1, x2, y2, ...]`.

    Raises:
        DataError: vertices that are no points, naming the word.
    """
    try:
        return [float(v) for point in vertices for v in point[:2]]  # type: ignore[union-attr,index]
    except (TypeError, ValueError, OverflowError) as err:
        raise DataError(f"{source}: its vertices are no [x, y] points ({err})") from None


@FORMATS.register("hiertext")
class HierTextFormat(AnnotationFileFormat):
    """HierText's `gt/*.jsonl.gz` beside its image folders; see the module docstring."""

    layout = ("HierText: train/, validation/, test/ <id>.jpg + gt/train.jsonl.gz, gt/validation.jsonl.gz (one JSON of "
              "annotations > paragraphs > lines > words with vertices): text masks, illegible words ignored")
    cache_name = "hiertext"

    def files(self, root: Path) -> list[Path]:
        return list(dict.fromkeys(p for suffix in _SUFFIXES for p in top_annotation_files(root, suffix,
                                                                                           _looks_like_hiertext)))

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        files = {path: read_annotations(path) for path in self.found(root)}
        names = relative_names(list(files), base)
        spec, value = tool_classes(["text"], None, f"HierText's words in {names}", self.options.multilabel, classes)
        refuse_unnamed(["text"], value, spec, "HierText's words are")
        ids = {path: {k: i for k, a in enumerate(listed) if (i := _image_id(a)) is not None}
               for path, listed in files.items()}
        problems = [Problem(path, f"annotation {k + 1}: image_id {a.get('image_id')!r} is no file name",
                            "mask-without-image") for path, listed in files.items()
                    for k, a in enumerate(listed) if k not in ids[path]]
        located, missing = locate_images(
            [(path, [(k, [f"{_bare_name(path)}/{i}{_IMAGE_SUFFIX}", f"{i}{_IMAGE_SUFFIX}"])
                     for k, i in ids[path].items()]) for path in files], base, "annotation")
        by_image: dict[Path, ImageObjects] = {}  # an image annotated twice: its words together
        split_of = {}
        for path, listed in files.items():
            for key, annotation in enumerate(listed):
                image = located[path].get(key)
                if image is not None:
                    entry = by_image.setdefault(image, ImageObjects(image, *_size(annotation)))
                    entry.objects += _drawn(path, annotation, value["text"])
                    split_of[image] = folder_split(_bare_name(path))
        images = list(by_image.values())
        if any(o.label == IGNORE for entry in images for o in entry.objects) and spec.ignore_index is None:
            spec = replace(spec, ignore_index=IGNORE)
        pairs, painting = self.painted_pairs(images, list(files), LATER_OVER_EARLIER, spec, base, "hiertext", split_of)
        annotated = {entry.image.parent for entry in images}
        unlabelled = [f for folder in walk(base) if folder.path not in annotated and folder_split(folder.path.name)
                      for f in folder.files]
        line = (f"{names}: {len(pairs)} images' words painted as text (illegible words: ignore {IGNORE})"
                + (f"; {len(unlabelled)} images of folders no file annotates unlabelled" if unlabelled else ""))
        return self.indexed(base, pairs, spec, problems + missing + painting, line, unlabelled)
