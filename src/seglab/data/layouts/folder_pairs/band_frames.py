"""Chips whose band files each hold a time series of their band, read at one frame
(`discovery.folders.chip_frames`: Contrails' `<record>/band_08.npy` ... `band_16.npy`, (H, W, 8)).

Each chip's band files are written once at that frame into the cache (`files.frame_files`), named
as they are, so that every later stage reads plain band files of one channel and the run's card
names their bands as a chip folder's; the index keeps the frame, and the card with it, so that
`seglab predict` reads a chip folder's band files at that frame (`DatasetIndex.frame`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.pairing import FolderMatch
from seglab.data.files.file_threads import on_threads
from seglab.data.files.frame_files import frame_files
from seglab.data.files.index import Pair
from seglab.errors import DataError


def read_frames(pairs: list[Pair], matches: Sequence[FolderMatch], root: Path,
                cache: Path) -> tuple[list[Pair], int | None]:
    """`pairs` with the band files of the chips that `matches` read at a frame (`FolderMatch.frame`)
    replaced by those band files at that frame, and the frame; as they are, and None, where no
    match reads one.

    Raises:
        DataError: folders of chips read at two frames (band files of other lengths), with the
            route that names one; a band file that cannot be read at the frame.
    """
    chosen = sorted({m.frame for m in matches if m.frame is not None})
    if len(chosen) > 1:
        raise DataError(f"'{root}': the band files of its chip folders hold time series of other lengths, read at "
                        f"frames {' and '.join(map(str, chosen))}; name the frame to read of every one with --frame N")
    if not chosen:
        return pairs, None
    framed = {image for m in matches if m.frame is not None for _, image, _ in m.pairs}
    chips = [pair for pair in pairs if pair.image in framed]
    written = dict(zip(chips, on_threads(lambda pair: frame_files(pair.images, chosen[0], cache), chips)))
    return [_at_frame(pair, written[pair], chosen[0]) if pair in written else pair for pair in pairs], chosen[0]


def _at_frame(pair: Pair, bands: Sequence[Path], frame: int) -> Pair:
    """`pair` reading `bands`, its band files written at `frame`, each naming the file it was read
    from for findings about it."""
    return replace(pair, image=bands[0], more_channels=tuple(bands[1:]),
                   sources={band: f"frame {frame} of '{shipped}'" for band, shipped in zip(bands, pair.images)})
