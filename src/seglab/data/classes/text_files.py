"""The head of a text file whose few lines are meant (a README naming the classes, a list of names):
a file of gigabytes of that name is read up to a cap, never whole, the lines past it left out with
a warning naming the file, and decoded as UTF-8 or the legacy code page it was saved in
(`side_text`). Here, at the bottom of the data stage, so that the class readers and
the split lists share it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from seglab.data.classes.text_encodings import side_text

logger = logging.getLogger(__name__)
_said: set[str] = set()  # files warned about: several readers try one (a README.txt as a class table too)


def capped_lines(path: Path, most_bytes: int, what: str) -> list[str]:
    """The lines of the first `most_bytes` of a text file, the one the cap cuts left out; a warning
    names the file when any are (once), and `what` it was read as ("README", "split list").

    Raises:
        OSError: the file cannot be opened or read.
        UnicodeDecodeError: its head is no text (`side_text`).
    """
    with path.open("rb") as file:
        head = file.read(min(os.fstat(file.fileno()).st_size, most_bytes + 1))  # read(n) allocates n bytes first
    if len(head) > most_bytes:
        head = head[: head.rfind(b"\n", 0, most_bytes) + 1]
        _say_cut(path, most_bytes, what)
    return side_text(head, path).splitlines()


def _say_cut(path: Path, most_bytes: int, what: str) -> None:
    """Warn that the lines of `path` past `most_bytes` are left out, the first time it is read so."""
    if os.path.abspath(path) not in _said:
        _said.add(os.path.abspath(path))
        logger.warning("%s '%s' is larger than %d MB: only its first %d MB are read, the lines past them left out",
                       what, path, most_bytes >> 20, most_bytes >> 20)
