"""Images kept inside annotation files (LabelMe's base64 `imageData`), written once into the
cache as the files they were, so that every later stage reads plain image files.

Nothing is decoded here but the image's header, to name the file by its format; `read_image`
checks its size against the pixel budget when it is read, as for any image.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from seglab.data.files.file_version import file_version
from seglab.data.files.index import Problem
from seglab.data.files.io import PICTURE_SUFFIXES, picture_suffix
from seglab.data.files.read_errors import DECODE_ERRORS
from seglab.data.files.staging import staged_folder

FORMAT = 2  # part of every key: bump when what is written changes (2: WebP images are written, not failed)
_MANIFEST = "images.json"  # written last: a folder without it was never completed


def extracted(sources: Sequence[Path], base: Path, cache: Path, data_of: Callable[[Path], object]
              ) -> tuple[dict[Path, Path], list[Problem]]:
    """Each annotation file's embedded image as a file in `cache` (`data_of` gives a file's
    base64 text), written now or by an earlier call for the same files, mirroring their folders
    below `base`; and a finding for each file whose data is no image.

    Args:
        sources: annotation files under `base`.
    """
    facts = [FORMAT, [[p.relative_to(base).as_posix(), *file_version(p)[1:]] for p in sources]]
    folder = cache / f"embedded-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        with staged_folder(folder) as partial:
            written, failed = {}, {}
            for path in sources:
                relative = path.relative_to(base)
                try:
                    raw = base64.b64decode(str(data_of(path)), validate=True)
                    suffix = picture_suffix(raw)
                except (binascii.Error, KeyError, *DECODE_ERRORS) as err:
                    failed[relative.as_posix()] = f"its imageData is no {', '.join(PICTURE_SUFFIXES)} image ({err!r})"
                    continue
                target = relative.with_suffix(suffix)
                (partial / target).parent.mkdir(parents=True, exist_ok=True)
                (partial / target).write_bytes(raw)
                written[relative.as_posix()] = target.as_posix()
            (partial / _MANIFEST).write_text(json.dumps({"images": written, "failed": failed}))
    manifest = json.loads((folder / _MANIFEST).read_text())
    images = {base / source: folder / image for source, image in manifest["images"].items()}
    problems = [Problem(base / source, text, "unreadable") for source, text in manifest["failed"].items()]
    return images, problems
