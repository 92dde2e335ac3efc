"""Image folders below the levels the folder search reads, said rather than passed over: a split
folder among them that no pair read carries (SUN-SEG's `TestEasyDataset/Unseen/Frame/case5/`
beside its read `TrainDataset/Frame/case1_1/`) is named with the DATA that reads it, since the
split is drawn from the train images without it."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from seglab.data.discovery.folders import MAX_DEPTH
from seglab.data.discovery.naming import folder_split, looks_like_mask_folder


def deeper_line(root: Path, deeper: list[Path], image_dirs: list[Path], splits: Collection[str | None]) -> str:
    """What `seglab inspect` says of the image folders `deeper` than the search: the first, or,
    when pairs were read (in `image_dirs`, with `splits`), the first of images (`_holds_masks`:
    Drishti-GS1's `Test_GT/<name>/SoftMap/` is no split of images) under a val or test folder that
    they lack, and a folder holding it and them to pass as DATA."""
    line = f"{len(deeper)} folders with images lie deeper than {MAX_DEPTH} levels and were not searched"
    missed = [(split, folder) for folder in deeper
              if (split := _split_of(folder, root)) in ("val", "test") and split not in splits
              and not _holds_masks(folder, root)]
    if missed and image_dirs:
        split, folder = missed[0]
        data = Path(os.path.commonpath([folder, *image_dirs]))
        if data != root and len(folder.relative_to(data).parts) <= MAX_DEPTH:
            return (f"{line}, among them the official {split} split's {folder.relative_to(root).as_posix()}/: "
                    f"its {split} split is drawn from the pairs read instead; pass "
                    f"{data.relative_to(root).as_posix()}/ as DATA to read it")
    return f"{line}, such as {deeper[0].relative_to(root).as_posix()}/: pass a folder further down as DATA to read them"


def _split_of(folder: Path, root: Path) -> str | None:
    """The split the nearest folder from `root` to `folder` named for one names."""
    return next((s for part in reversed(folder.relative_to(root).parts) if (s := folder_split(part))), None)


def _holds_masks(folder: Path, root: Path) -> bool:
    """Whether a folder from the split folder nearest to `folder` down is named for masks
    (`Test_GT/<name>/SoftMap/`); the names above it are the dataset's (`SUN-SEG/`)."""
    parts = folder.relative_to(root).parts
    at = max((i for i, part in enumerate(parts) if folder_split(part)), default=0)
    return any(map(looks_like_mask_folder, parts[at:]))
