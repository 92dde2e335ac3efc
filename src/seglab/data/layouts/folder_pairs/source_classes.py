"""Class names that a shipped JSON table gives the mask namings of each source of images, where the
namings are class ids numbered anew per source: SA-Med2D-20M's `masks/<image stem>--0000_000.png` is
the liver of an AbdomenCT1K slice and the right ventricle of an ACDC one, and its
`SAMed2D_v1_class_mapping_id.json` names them (`{"ct_00--AbdomenCT1K--0000": "liver",
"mr_00--ACDC--0000": "right ventricle", ...}`).

A key is a source (the leading parts of the image names, `<modality>--<dataset>`) and the id a
naming adds to them, its leading words (`0000` of `--0000_000`), or all of it. The table is read
only when it names a class for every mask of every pair; masks of one name are one class, whatever
their source (two CT datasets' liver).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from seglab.data.classes import ClassSpec
from seglab.data.classes.class_tables import small_json
from seglab.data.discovery.folders import METADATA_FILES
from seglab.data.files.index import Pair
from seglab.data.layouts.multilabel import SourceNamingsMapping

logger = logging.getLogger(__name__)

_SEPARATOR = re.compile(r"[_\-. ]+")


def source_classes(folders: Sequence[Path], pairs: Sequence[Pair], namings: Sequence[str]
                   ) -> tuple[ClassSpec, SourceNamingsMapping] | None:
    """The classes and mapping of the first JSON in `folders` (the dataset's metadata folders) that
    names a class for every mask of `pairs` by its image's source and its naming (module doc); None
    when none does, and the namings then name the classes."""
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            table = small_json(path) if path.name.lower() not in METADATA_FILES else None
            if not isinstance(table, dict) or not table or not all(
                    isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in table.items()):
                continue
            found = _read(table, pairs, namings)
            if found is not None:
                logger.info("class names from '%s': %d mask namings of %d sources of images are %d classes",
                            path, len(set(found[1].namings)), len(set(found[1].sources)), found[0].num_classes)
                return found
    return None


def _read(table: dict[str, str], pairs: Sequence[Pair], namings: Sequence[str]
          ) -> tuple[ClassSpec, SourceNamingsMapping] | None:
    """The classes `table` gives every mask of `pairs`, by source and naming as the mapping reads
    them (`SourceNamingsMapping.class_of`), in the table's order; None when it leaves one out."""
    named: dict[tuple[str, str], tuple[str, str]] = {}  # (source lower case, naming) -> (source, class name)
    for key, name in table.items():
        for naming in namings:
            for class_id in _ids(naming):
                source = key[: -len(class_id)].rstrip("_-. ")
                if len(key) > len(class_id) + 1 and key.lower().endswith(class_id.lower()) \
                        and _SEPARATOR.fullmatch(key[-len(class_id) - 1]) and source:
                    named.setdefault((source.lower(), naming), (source, name.strip()))
    # each (source, naming) a class of its own, so that the reading's rule says which a mask is of
    entry_of = SourceNamingsMapping(tuple(source for source, _ in named.values()), tuple(naming for _, naming in named),
                                    tuple(range(len(named))))
    class_names = [name for _, name in named.values()]
    used: set[int] = set()
    for mask in (mask for pair in pairs for mask in pair.masks):
        entry = entry_of.class_of(mask)
        if entry is None:
            return None
        used.add(entry)
    kept = sorted(used)
    names = tuple(dict.fromkeys(class_names[k] for k in kept))
    return ClassSpec(names), SourceNamingsMapping(tuple(entry_of.sources[k] for k in kept),
                                                  tuple(entry_of.namings[k] for k in kept),
                                                  tuple(names.index(class_names[k]) for k in kept))


def _ids(naming: str) -> list[str]:
    """The class ids a naming may stand for: what it adds to the image's stem, less separators around
    it, and its leading words (`0000` and `0000_000` for `{stem}--0000_000.png`)."""
    added = naming.partition("{stem}")[2].rsplit(".", 1)[0].strip("_-. ")
    cuts = [m.start() for m in _SEPARATOR.finditer(added)]
    return [added[:cut] for cut in cuts] + [added] if added else []
