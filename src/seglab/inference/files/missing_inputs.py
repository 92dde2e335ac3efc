"""Why a folder passed to predict gives nothing: the subfolders that would, with the command
that predicts one, or the route for the Parquet and Arrow shards it holds instead."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from seglab.data import IMAGE_SUFFIXES
from seglab.data.discovery.folders import folders_within
from seglab.data.discovery.naming import looks_like_image_folder, looks_like_mask_folder
from seglab.data.files.parquet_shards import SHARD_SUFFIXES, shard_kind
from seglab.data.files.volumes import VOLUME_SUFFIXES, is_volume
from seglab.inference.files.folder_inputs import folder_inputs, named_by
from seglab.inference.files.wording import count

_SHOWN_FOLDERS = 5  # subfolders named when a folder holds no inputs itself
_SEARCH_DEPTH = 4  # how far below it they are looked for (M&Ms-2's MnM2/dataset/001/ is 3 down)


def no_inputs_in(folder: Path, images: str | None = None, masks: str | None = None) -> str:
    """Why `folder` gives nothing to predict, naming the subfolders that would (a few, with what
    they hold) and the command that predicts one: that of the run's `images`, never that of its
    `masks` (`_example_folder`)."""
    holding = _subfolders_with_inputs(folder)
    shards = _shards_below(folder)
    if not holding and shards:
        return (f"folder '{folder}' holds no images or volumes but {count(len(shards), shard_kind(shards[0]) + ' shard')} of a "
                f"Hugging Face dataset (e.g. '{shards[0].relative_to(folder)}'), {unpacked_route(folder)}")
    if not holding:
        return (f"folder '{folder}' holds no images ({', '.join(IMAGE_SUFFIXES)}) or volumes "
                f"({', '.join(VOLUME_SUFFIXES)}, DICOM series)")
    shown = ", ".join(f"'{sub}' ({_describe(inputs)})" for sub, inputs in holding[:_SHOWN_FOLDERS])
    more = f" and {len(holding) - _SHOWN_FOLDERS} more" if len(holding) > _SHOWN_FOLDERS else ""
    example = _example_folder(folder, [sub for sub, _ in holding], images, masks)
    return (f"folder '{folder}' holds no images or volumes itself, only in subfolders: {shown}{more}. Pass the "
            f"folders of the images to predict (every image in a folder passed is predicted, but the masks it "
            f"pairs with them as a dataset's)"
            f"{f', e.g. `seglab predict RUN {shlex.quote(str(example))}`' if example is not None else ''}")


def unpacked_route(folder: Path) -> str:
    """What to do with the Parquet or Arrow shards of `folder`, which predict does not read: the
    rest of a refusal's sentence."""
    return (f"rows of pictures that predict does not read. `seglab evaluate RUN` scores the run's split of them; to "
            f"predict their pictures, `seglab inspect {shlex.quote(str(folder))}` unpacks them and names the folder "
            f"('unpacked into FOLDER'): `seglab predict RUN FOLDER/IMAGE_COLUMN`")


def _example_folder(folder: Path, subfolders: Sequence[Path], images: str | None, masks: str | None) -> Path | None:
    """The subfolder of `folder` a refusal's example predicts: the one the run's `--images` names,
    else one named for images (`photos/`, `images/`), else one not named for masks, else any; never
    one the run's `--masks` names (Photoshop cutouts' `cutouts/`, where a run of `--images photos
    --masks cutouts` read its masks). None where only that one holds inputs."""
    candidates = [sub for sub in subfolders if not named_by(masks, sub)]
    return next(iter([sub for sub in candidates if named_by(images, sub)]
                     + [sub for sub in candidates if looks_like_image_folder(sub.name)]
                     + [sub for sub in candidates if not _named_for_masks(sub.relative_to(folder))]
                     + candidates), None)


def _shards_below(folder: Path) -> list[Path]:
    """The Parquet and Arrow files in `folder` and up to `_SEARCH_DEPTH` below it (a Hub download's
    `data/train-00000-of-00001.parquet`, save_to_disk's `train/data-00000-of-00001.arrow`), in path order."""
    return sorted(here / name for here, _, names in folders_within(folder, _SEARCH_DEPTH)
                  for name in names if name.endswith(SHARD_SUFFIXES) and not name.startswith("."))


def _named_for_masks(subfolder: Path) -> bool:
    """Whether a folder's path says it holds masks (ASOCA's `Annotations/`, EndoVis' `seq_2/labels/`):
    not the one to suggest predicting, where a folder beside it is not (`CTCA/`, `left_frames/`)."""
    return any(map(looks_like_mask_folder, subfolder.parts))


def _subfolders_with_inputs(folder: Path) -> list[tuple[Path, list[Path]]]:
    """The folders below `folder` (up to `_SEARCH_DEPTH` down, hidden ones and DICOM series
    left out) that give inputs when passed, with those inputs, in path order."""
    found = []
    for root, dirs, _ in os.walk(folder):
        here = Path(root)
        depth = len(here.relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_volume(here / d)) \
            if depth < _SEARCH_DEPTH else []
        inputs = folder_inputs(here) if depth else []
        if inputs:
            found.append((here, inputs))
    return found


def _describe(inputs: Sequence[Path]) -> str:
    """'12 images', '5 volumes', '3 images, 2 volumes'."""
    volumes = sum(1 for path in inputs if is_volume(path))
    counts = {"image": len(inputs) - volumes, "volume": volumes}
    return ", ".join(count(n, kind) for kind, n in counts.items() if n)
