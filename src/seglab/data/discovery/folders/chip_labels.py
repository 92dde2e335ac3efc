"""Labels a chip folder holds beside its band files (Contrails' `<record>/human_pixel_masks.npy`
beside `band_08.npy` ... `band_16.npy`), not in a folder of labels of their own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seglab.data.discovery.folders.chip_scenes import Chip
from seglab.data.discovery.folders.per_image import one_mask
from seglab.data.discovery.naming import looks_like_mask_folder, stem
from seglab.data.files.npy_files import npy_shape


def chip_labels(files: Sequence[Path]) -> list[Path]:
    """The files of a chip folder named for labels (`looks_like_mask_folder`: Contrails'
    `human_pixel_masks.npy` and `human_individual_masks.npy` beside its band files)."""
    return [path for path in files if looks_like_mask_folder(stem(path))]


def own_labels(chips: dict[str, Chip]) -> dict[str, Path]:
    """chip id -> its label, of the files its folder holds named for labels (`chip_labels`): the
    name every chip with such files holds; of several, the one whose array is one label map (not
    Contrails' `human_individual_masks.npy`, (H, W, 1, R): each rater's mask), else the one
    naming labels (`one_mask`). Empty where no chip holds one, or none is the label."""
    held = {key: chip_labels(chip.folder.files) for key, chip in chips.items() if not chip.dates}
    named = [{path.name: path for path in files} for files in held.values() if files]
    shared = sorted(set.intersection(*map(set, named))) if named else []
    maps = [name for name in shared if _label_map(named[0][name])]
    label = one_mask([Path(name) for name in (maps if len(maps) == 1 else shared)])
    return {key: path for key, files in held.items() for path in files if label is not None and path.name == label.name}


def _label_map(path: Path) -> bool:
    """Whether a label file holds one label map, (H, W) or (H, W, 1), as its header says (a .npy's);
    files of other kinds are taken to."""
    shape = npy_shape(path)
    return shape is None or len(shape) == 2 or len(shape) == 3 and shape[2] == 1
