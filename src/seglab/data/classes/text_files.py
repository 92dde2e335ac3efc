"""The side files a dataset ships beside its images (READMEs, lists, class tables, JSON), read
safely: only a regular file is opened, since a FIFO of such a name would block the read forever
waiting for a writer (and its data files are checked so before a reader opens them by name:
`regular_file`); of a text file whose few lines are meant (a README naming the classes, a
list of names) a file of gigabytes is read up to a cap, never whole, the lines past it left out
with a warning naming the file; and text is decoded as UTF-8 or the legacy code page it was saved
in (`side_text`); a file's kind is told by its head alone (`file_head`). Here, at the bottom of
the data stage, so that every reader of such files shares it.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path
from typing import IO, Any

from seglab.data.classes.text_encodings import side_text

logger = logging.getLogger(__name__)
_said: set[str] = set()  # files warned about: several readers try one (a README.txt as a class table too)
# open returns at once on a FIFO (no wait for a writer), and reads a regular file as without the flag;
# Windows has no FIFOs, and its binary flag keeps the bytes as they are
_NO_WAIT = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
SNIFFED_BYTES = 1 << 16  # the head `file_head` reads


def open_regular(path: Path, mode: str = "rb", **options: Any) -> IO[Any]:
    """`open(path, mode, **options)` of a side file that is a regular file. The file is opened
    without waiting (a FIFO's open waits for a writer) and checked before it is read.

    Raises:
        OSError: the file cannot be opened, or is a FIFO, a device or a folder, naming it.
    """
    fd = os.open(path, _NO_WAIT)
    try:
        _refuse_irregular(path, os.fstat(fd).st_mode)
        return open(fd, mode, **options)
    except BaseException:
        os.close(fd)
        raise


def regular_file(path: Path) -> Path:
    """`path`, once it is found a regular file (links followed): the guard before a reader opens a
    data file by its name (Pillow, tifffile, h5py, nibabel, pydicom, NumPy), which on a FIFO a
    manifest or a split list names would wait for a writer forever, and on a device read without end.

    Raises:
        OSError: the file cannot be looked up, or is a FIFO, a device, a socket or a folder, naming it.
    """
    _refuse_irregular(path, os.stat(path).st_mode)
    return path


def irregular_kind(path: Path) -> str | None:
    """What `path` is where it is no regular file ("a FIFO (named pipe)", "a device", "a socket",
    "a folder"); None for a regular file, or one that cannot be looked up."""
    try:
        return _kind(os.stat(path).st_mode)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None


def _refuse_irregular(path: Path, mode: int) -> None:
    kind = _kind(mode)
    if kind is not None:
        raise OSError(errno.EINVAL, f"not a regular file but {kind}: move it out of the dataset folder",
                      os.fspath(path))


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) \
        else "a folder" if stat.S_ISDIR(mode) else "a device"


def file_head(path: Path, size: int = SNIFFED_BYTES) -> str:
    """The first `size` bytes of a file as text ('' when it cannot be read, or is no regular
    file): by default 64 KB, enough to tell an annotation file's kind without parsing it whole."""
    try:
        with open_regular(path) as file:
            return file.read(size).decode("utf-8", errors="replace")
    except OSError:
        return ""


def regular_text(path: Path, encoding: str = "utf-8", errors: str = "strict") -> str:
    """`path.read_text(encoding, errors)` of a side file that is a regular file (`open_regular`)."""
    with open_regular(path, "r", encoding=encoding, errors=errors) as file:
        return file.read()


def side_file_text(path: Path) -> str:
    """The whole text of a side file that is a regular file (`open_regular`), decoded as UTF-8 or
    the legacy code page it was saved in (`side_text`).

    Raises:
        OSError: the file cannot be opened or read, or is no regular file.
        UnicodeDecodeError: it is no text (`side_text`).
    """
    with open_regular(path) as file:
        return side_text(file.read(), path)


def capped_lines(path: Path, most_bytes: int, what: str) -> list[str]:
    """The lines of the first `most_bytes` of a text file, the one the cap cuts left out; a warning
    names the file when any are (once), and `what` it was read as ("README", "split list").

    Raises:
        OSError: the file cannot be opened or read, or is no regular file (`open_regular`).
        UnicodeDecodeError: its head is no text (`side_text`).
    """
    with open_regular(path) as file:
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
