"""One budget of decoded pixels per file, checked from a file's header before anything is decoded.

A 1 MB compressed or tiled file can announce 30000x30000 pixels, and only the header says so
cheaply. Every reader (images, masks, volumes, DICOM) checks the shape its header announces
against the budget that `set_max_pixels` sets for the process (from `data.max_pixels` or
`--max-pixels`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from seglab.config import DEFAULT_MAX_PIXELS
from seglab.data.files.read_errors import ReadError, Unusable
from seglab.errors import ConfigError

_budget = DEFAULT_MAX_PIXELS  # decoded pixels per file; set_max_pixels changes it for the process


def set_max_pixels(limit: int) -> None:
    """Set the budget of decoded pixels per file for every reader in this process.

    Training, evaluation and `seglab inspect` set it from `data.max_pixels`, `seglab predict`
    from `--max-pixels`. DataLoader workers are forked and inherit it.

    Raises:
        ConfigError: a limit below 1.
    """
    global _budget
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"data.max_pixels must be a positive integer, got {limit!r}")
    _budget = limit


def max_pixels() -> int:
    """The budget now in force: decoded pixels per file."""
    return _budget


def check_pixels(path: Path, what: str, shape: Sequence[int]) -> None:
    """Refuse a file whose header announces more pixels than the budget, before decoding it.

    A trailing axis of 1-4 samples (channels) is not counted; every other axis is (volumes
    count voxels).

    Raises:
        ReadError: code `too-many-pixels`, naming the file, its size, the limit and the option.
    """
    try:
        within_budget(shape)
    except Unusable as err:
        raise ReadError(f"{what} '{path}' {err}", err.code) from None


def within_budget(shape: Sequence[int]) -> None:
    """`check_pixels` inside a reader run by `read_errors.decode`, which names the file.

    Raises:
        Unusable: code `too-many-pixels`.
    """
    dims = tuple(int(n) for n in shape)
    counted = dims[:-1] if len(dims) == 3 and dims[-1] <= 4 else dims
    pixels = math.prod(counted)
    if pixels > _budget:
        raise Unusable(
            f"is {'x'.join(map(str, dims)) + ' = ' if len(dims) > 1 else ''}{pixels:,} pixels, over seglab's limit of {_budget:,} (refused "
            f"before decoding); if the machine has the memory, raise the limit with --max-pixels {pixels} "
            "(data.max_pixels in a config), else tile or downscale the file",
            "too-many-pixels",
        )
