"""The memory available to new allocations, and refusing to read a file whole that would take
more than half of it (a stack of slices)."""

from __future__ import annotations

import os

from seglab.errors import DataError


def available_memory() -> int:
    """Bytes of RAM available to new allocations (Linux MemAvailable, else free pages; 0 if unknown)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file counts kB
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 0  # unknown: auto then chooses the disk, which cannot run out of RAM


def within_half_memory(nbytes: int, what: str) -> None:
    """Refuse to read `what` whole (a stack of slices) when it takes more than half the memory
    available; allowed when that is unknown.

    Raises:
        DataError: naming `what`, its size and the memory available.
    """
    room = available_memory() // 2
    if room and nbytes > room:
        raise DataError(f"{what} holds {nbytes / 2**30:.1f} GiB, more than half the memory available "
                        f"({room * 2 / 2**30:.1f} GiB): save its slices as files")
