"""HDF5 cases as SSL4MIS ships its volume datasets, alone or beside a folder of 2-D slice files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from seglab.data.files.decoding import holds_image_and_mask
from seglab.data.files.folder_listing import entries, subfolders
from seglab.data.discovery.folders import walk
from seglab.data.discovery.naming import folder_split, usable_splits
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_holds_volume
from seglab.data.files.index import Problem, natural_key
from seglab.data.files.slice_cache import Subject
from seglab.data.layouts.volume_format.slices_beside_volumes import slices_beside_volumes
from seglab.data.splitting.subjects import subject_of
from seglab.data.layouts.volume_format.cases import Layout


def slices_and_volumes(root: Path) -> Layout | None:
    """HDF5 cases beside a folder of 2-D slice files, both named for their splits (TransUNet's
    Synapse: `train_npz/` + `test_vol_h5/`; `seglab.data.layouts.volume_format.slices_beside_volumes`): the cases with
    their folder's split, the slices as pairs with theirs."""
    found = slices_beside_volumes(root)
    layout = hdf5_cases(found.volumes) if found is not None else None
    if found is None or layout is None:
        return None
    layout.splits = {s.name: found.volume_split for s in layout.subjects}
    layout.slices = found.slices
    return layout


def hdf5_cases(root: Path) -> Layout | None:
    """HDF5 cases, as SSL4MIS ships its volume datasets: files each holding a 3-D image and label
    (`hdf5_files.h5_holds_volume`), in `root` (Pancreas-CT's `image0001_norm.h5`, ACDC's
    `patient001_frame01.h5`) or one in each case's folder (LA's `<case>/mri_norm2.h5`, named by
    its folder), or in folders named for their splits, which give them (PlantSeg's
    `ovules/train/N_420_ds2x.h5`: `raw` + `label`). Not when a folder of the dataset holds 2-D
    slices (ACDC's `slices/`): folder-pairs reads those, and the volumes are listed. A patient's frames are one group
    (`patient001_frame01`, `patient001_frame12`); TransUNet's `case0001.npy.h5` is case `case0001`."""
    folders = sorted(subfolders(root), key=lambda p: natural_key(p.name))
    files = [p for p in sorted(entries(root), key=lambda p: natural_key(p.name)) if _is_hdf5(p)]
    files += [p for d in folders for p in sorted(entries(d), key=lambda p: natural_key(p.name)) if _is_hdf5(p)]
    held = {p: h5_holds_volume(p) for p in files}  # from the headers: a millisecond a file
    if not files or sum(held.values()) < 0.5 * len(files):
        return None
    if any(holds_image_and_mask(p) for folder in walk(root) for p in [f for f in folder.files if _is_pair_file(f)][:1]):
        return None  # 2-D pair files (ACDC's slices/*.h5, Synapse's train_npz/*.npz) would be left unread
    layout = Layout()
    per_folder = Counter(p.parent for p in files)
    for path in files:
        if not held[path]:
            layout.problems.append(Problem(path, f"'{path}' holds no 3-D image and label of one shape", "bad-volume"))
            continue
        case_folder = path.parent != root and per_folder[path.parent] == 1 and folder_split(path.parent.name) is None
        name = path.parent.name if case_folder else _npy_stem(path.stem)
        layout.subjects.append(Subject(name, (path,), path))
        layout.groups[name] = subject_of(name) or name
    splits = {s.name: folder_split(s.label.parent.name) for s in layout.subjects}
    if usable_splits(splits.values()):  # PlantSeg's ovules/train/, val/, test/
        layout.splits = {name: split for name, split in splits.items() if split}
    return layout


def _is_hdf5(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in HDF5_SUFFIXES


def _is_pair_file(path: Path) -> bool:
    return path.suffix.lower() == ".npz" or _is_hdf5(path)


def _npy_stem(stem: str) -> str:
    """A stem without the `.npy` that TransUNet's `case0001.npy.h5` keeps from its source."""
    return stem[:-4] if stem.lower().endswith(".npy") and len(stem) > 4 else stem
