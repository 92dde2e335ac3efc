"""A chip's band files at one frame of their time series (Contrails' `band_08.npy`, (H, W, 8)), as
one-channel .npy files named as theirs, written once into a cache folder that later reads reuse.

Each is what `read_image` reads of its band file at that frame, its dtype kept, so that training
on these and `seglab predict` reading the band files at the frame see the same pixels. A chip's
folder is keyed by its files' paths, sizes and modification times and the frame, so an edited
file is written again, and it appears complete or not at all (written beside, then renamed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seglab.data.files.file_version import versions
from seglab.data.files.io import read_image
from seglab.data.files.staging import staged_folder

CACHE_VERSION = 1  # part of every key: bump when what is written changes
_MANIFEST = "frame.json"  # written last: a folder without it was never completed


def frame_files(files: Sequence[Path], frame: int, cache: Path) -> list[Path]:
    """Frame `frame` of each of a chip's band files, in order, as `<stem>.npy` in the chip's
    cache folder, written now or by an earlier call.

    Raises:
        DataError: a band file that cannot be read, or holds no such frame, naming it.
    """
    facts = [CACHE_VERSION, frame, versions(files)]
    folder = cache / f"{files[0].parent.name}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        with staged_folder(folder) as partial:
            for path in files:
                np.save(partial / f"{path.stem}.npy", read_image(path, frame=frame))
            (partial / _MANIFEST).write_text(json.dumps({"frame": frame, "files": [str(p) for p in files]}))
    return [folder / f"{path.stem}.npy" for path in files]
