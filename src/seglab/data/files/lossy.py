"""Whether a file's compression changes pixel values: JPEG always, WebP only when its image is lossy.

A WebP file holds its image in a "VP8 " chunk (lossy, shifting colours as JPEG does) or a "VP8L"
chunk (lossless, exact as PNG): the suffix cannot tell, the chunk does. A mask in a lossy file
may hold colours a few levels off its class colours that no annotator drew; in a lossless one
such a colour was drawn.
"""

from __future__ import annotations

import os
from pathlib import Path

from seglab.data.classes.text_files import open_regular
from seglab.data.files.read_errors import WEBP_HEADER, format_by_content

_LOSSY_CHUNK, _LOSSLESS_CHUNK = b"VP8 ", b"VP8L"
_FRAME_CHUNK, _FRAME_HEADER = b"ANMF", 16  # an animation frame: position, size and duration, then its image's chunks


def lossy_format(path: Path) -> str | None:
    """The lossy format of the data `path` holds, whatever its suffix: "JPEG", or "WebP" for a
    lossy WebP; None for lossless and unreadable files."""
    found = format_by_content(path)
    return found if found == "JPEG" or (found == "WebP" and _first_image_chunk(path) == _LOSSY_CHUNK) else None


def _first_image_chunk(path: Path) -> bytes | None:
    """The kind of a WebP's first image chunk ("VP8 " or "VP8L"), past its metadata chunks
    (VP8X, ICCP, ANIM, ALPH) and into its first animation frame; None if the file ends first."""
    try:
        with open_regular(path) as file:
            file.seek(WEBP_HEADER)
            while len(header := file.read(8)) == 8:
                kind, size = header[:4], int.from_bytes(header[4:], "little")
                if kind in (_LOSSY_CHUNK, _LOSSLESS_CHUNK):
                    return kind
                file.seek(_FRAME_HEADER if kind == _FRAME_CHUNK else size + size % 2, os.SEEK_CUR)  # chunks pad to even
    except OSError:
        return None
    return None
