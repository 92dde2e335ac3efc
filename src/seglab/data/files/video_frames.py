"""Video files (AVI, MP4, MOV) decoded into RGB frames: the frames an annotation table traces
(EchoNet-Dynamic's `VolumeTracings.csv` names two per video), or every frame of a clip given to
`seglab predict`.

PyAV is an optional dependency (`seglab[video]`), imported on first use: it carries FFmpeg's
decoders, which neither Pillow nor tifffile has. Frames are numbered from 0 in decoding order, as
OpenCV's `VideoCapture.read` gives them (EchoNet's reference reader). A video that cannot be
decoded, or PyAV missing, is a `DataError` naming the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from seglab.data.classes.text_files import regular_file
from seglab.data.files.memory import within_half_memory
from seglab.data.files.pixel_budget import check_pixels
from seglab.errors import DataError

VIDEO_SUFFIXES = (".avi", ".mp4", ".mov")


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def pyav(what: str) -> ModuleType:
    """PyAV, imported now.

    Raises:
        DataError: PyAV is not installed, naming `what` needs it and the extra that installs it.
    """
    try:
        return importlib.import_module("av")
    except ImportError:
        raise DataError(f"{what} needs PyAV to decode video frames: pip install 'seglab[video]'") from None


@contextmanager
def _video_stream(path: Path) -> Iterator[tuple[Any, Any]]:
    """The open container and its first video stream, frames within the pixel budget.

    Raises:
        DataError: no PyAV, no video stream, frames over the pixel budget, or a damaged file
            (PyAV names the file only in some of its errors).
    """
    av = pyav(f"video '{path}'")
    try:
        with av.open(str(regular_file(path))) as container:
            if not container.streams.video:
                raise DataError(f"'{path}' holds no video stream")
            stream = container.streams.video[0]
            check_pixels(path, "video frame", (stream.height, stream.width))
            yield container, stream
    except (av.FFmpegError, OSError) as err:
        raise DataError(f"video '{path}' cannot be decoded ({err}); download it again") from None


def _decoded(container: Any, stream: Any, last: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(number, RGB frame (H, W, 3) uint8) of a stream's frames in order, up to frame `last`."""
    for number, frame in enumerate(container.decode(stream)):
        yield number, frame.to_ndarray(format="rgb24")
        if last is not None and number >= last:
            return


def read_frames(path: Path, numbers: Collection[int]) -> dict[int, np.ndarray]:
    """The RGB frames (H, W, 3) of the given numbers, decoded once up to the last of them; a
    number past the video's end is absent from the result.

    Raises:
        DataError: as `_video_stream`.
    """
    wanted = set(numbers)
    with _video_stream(path) as (container, stream):
        return {n: frame for n, frame in _decoded(container, stream, max(wanted, default=-1)) if n in wanted}


def read_video(path: Path) -> np.ndarray:
    """Every frame of a video as (N, H, W, 3) uint8, as a TIFF stack's pages are read.

    Raises:
        DataError: as `_video_stream`, no frames, or frames that would take more than half the memory.
    """
    with _video_stream(path) as (container, stream):
        if stream.frames:  # the count the container states, where it states one
            within_half_memory(stream.frames * stream.height * stream.width * 3, f"video '{path}'")
        frames = [frame for _, frame in _decoded(container, stream)]
    if not frames:
        raise DataError(f"video '{path}' holds no frames")
    return np.stack(frames)
