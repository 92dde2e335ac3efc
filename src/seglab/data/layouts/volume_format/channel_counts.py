"""Cases whose numbered channel files number differently: the channels every case has.

MAMA-MIA ships each breast DCE-MRI case as `images/<CASE>/<case>_0000.nii.gz` (pre-contrast),
`_0001`, ... (the post-contrast phases), 3 to 6 phases depending on the cohort. A model is fed
one channel count, so every case is read with the phases all of them have, `_0000` up to the
fewest's last, and the later phases of the longer cases are listed as ignored and said: fed as
they are, the cases would be a fatal mix of 3, 4 and 6 channels.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.channel_files import NNUNET_CHANNEL
from seglab.data.files.volumes import volume_stem
from seglab.data.layouts.volume_format.cases import Layout

log = logging.getLogger(__name__)


def with_common_channels(layout: Layout) -> Layout:
    """`layout` with each case fed the numbered channels every case has, when all its cases are
    numbered channel files (`case_0000`, `case_0001`, ...) and their counts differ; the channels
    left out are listed as ignored, logged and said in a line of `seglab inspect`'s Paired."""
    if not layout.subjects or not all(_numbered(s.images) for s in layout.subjects):
        return layout
    counts = Counter(len(s.images) for s in layout.subjects)
    if len(counts) < 2:
        return layout
    kept = min(counts)
    left = [p for s in layout.subjects for p in s.images[kept:]]
    layout.subjects = [replace(s, images=s.images[:kept]) for s in layout.subjects]
    layout.ignored += left
    numbers = sorted({volume_stem(p)[-4:] for p in left})
    line = (f"cases with {_counted(counts)} numbered channel files: each is read with its first {kept} "
            f"(_0000 to _{kept - 1:04d}), the channels every case has; {len(left)} files of later channels "
            f"({', '.join(f'_{n}' for n in numbers)}) of {sum(n for c, n in counts.items() if c > kept)} cases are "
            f"left out, listed as ignored (to train on them, move the cases of fewer channels out of the dataset)")
    log.warning("%s", line)
    layout.grouping.append(line)
    return layout


def _numbered(images: tuple[Path, ...]) -> bool:
    """Whether a case's image volumes are channel files numbered `_0000`, `_0001`, ... in order."""
    found = [NNUNET_CHANNEL.fullmatch(volume_stem(p)) for p in images]
    return bool(images) and all(found) and [int(m.group(2)) for m in found if m] == list(range(len(images)))


def _counted(counts: Counter[int]) -> str:
    """`3 (5 cases), 4 (2 cases), 6 (1 case)`: each channel count and how many cases have it."""
    return ", ".join(f"{c} ({n} case{'s' if n > 1 else ''})" for c, n in sorted(counts.items()))
