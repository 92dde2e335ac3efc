"""The "volumes" dataset format: 3-D NIfTI or DICOM cases, served as pairs of 2-D slice files.

Recognised layouts (docs/volumes.md), tried in this order:

1. Medical Segmentation Decathlon / nnU-Net: imagesTr/ + labelsTr/ (+ imagesTs/ unlabelled,
   + dataset.json naming the labels, + AMOS' imagesVa/ + labelsVa/ or WORD's imagesVal/ +
   labelsVal/ as the val split); images
   may carry `_0000`, `_0001` channel suffixes.
2. images/ + labels/ (or masks/), matched by name; label names may end in `_seg`, `_mask`,
   `_label` or `_labels`.
3. BIDS (ISLES 2022, ATLAS 2.0): `sub-X[/ses-Y]` folders anywhere four levels down (`rawdata/`,
   `derivatives/<pipeline>/`), a session a case and its subject the group; label volumes named
   by their BIDS suffix (`_mask`, `_msk`, `_dseg`) or `label-` entity, the case's image volumes
   on the label's grid the channels (`seglab.data.bids`).
4. One folder per subject with an image volume and a volume named `*seg*`, `*label*` or
   `*mask*` (BraTS-like), or a DICOM series (in the folder or a subfolder) and one NIfTI label.
   Several image volumes are the case's channels, in natural name order (BraTS: flair, t1,
   t1ce, t2). A folder of several cases, each label named after its image (ACDC's
   `patient001_frame01.nii.gz` + `patient001_frame01_gt.nii.gz`; LiTS' `volume-3.nii` +
   `segmentation-3.nii`, paired by number), gives one case each, grouped by subject. Subject
   folders may sit one or two levels down in split folders (ACDC's `database/training/`), or
   the cases in the dataset folder itself (LiTS). A subject folder may hold one image and a
   folder of a 0/1 volume per structure instead (TotalSegmentator's `s0000/ct.nii.gz` +
   `segmentations/liver.nii.gz`, ...): a class per structure, the splits from its `meta.csv`.
   `--masks NAME.nrrd` alone names the label volume of every case folder (LA 2018's `laendo.nrrd`).
5. HDF5 cases (SSL4MIS); beside a folder of 2-D slice files, both named for splits (TransUNet's
   Synapse `train_npz/` + `test_vol_h5/`), the slices are read too (`seglab.data.slices_beside_volumes`).
6. An image folder beside a label folder under any name 2-D datasets use, below split
   folders (BTCV's `RawData/Training/img/` + `Training/label/`).

Split lists beside or above the cases (SSL4MIS' `train.list`, `test.list`) give the splits
where the folders give none (`split_lists.case_splits`).

Each case is cut into slices once (`seglab.data.slice_cache`); its pairs are named
"<case>/slice<i>" and grouped by case, so splits and folds never divide a case.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seglab.data.bids import bids_cases
from seglab.data.cache import default_cache_dir
from seglab.data.classes import ClassSpec, classes_from_dataset_json
from seglab.data.dicom import dicom_files
from seglab.data.folders import MAX_DEPTH, folders_within, path_ends_with, skipped_folder, walk
from seglab.data.formats import FORMATS, DatasetFormat, ReadOptions
from seglab.data.decoding import holds_image_and_mask
from seglab.data.delimiters import table_delimiter
from seglab.data.hdf5_files import HDF5_SUFFIXES, h5_holds_volume
from seglab.data.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.mapping import IdentityMapping
from seglab.data.naming import (
    folder_split,
    folders_split,
    looks_like_image_folder,
    looks_like_mask_folder,
    usable_splits,
)
from seglab.data.pairing import best_rule, keyed_files
from seglab.data.metaimage import slicer_segments
from seglab.data.slice_cache import SliceFiles, Subject, extract
from seglab.data.slices_beside_volumes import slices_beside_volumes
from seglab.data.split_lists import case_splits
from seglab.data.subjects import subject_of
from seglab.data.volumes import VOLUME_SUFFIXES, volume_stem
from seglab.errors import DataError

log = logging.getLogger(__name__)

_CHANNEL = re.compile(r"_\d{4}$")  # nnU-Net channel suffix: case_0000, case_0001, ...
_LABEL_SUFFIX = re.compile(r"(?:^|_)(seg|segmentation|mask|label|labels|gt)$", re.IGNORECASE)  # ACDC: _gt; SegTHOR: GT
_LABEL_WORDS = ("seg", "label", "mask")
_LABEL_DIRS = ("labels", "masks")


@dataclass
class _Layout:
    """What a layout finder found: labelled cases, unlabelled volumes and unpaired files."""

    subjects: list[Subject] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # case -> its subject, when one holds several cases
    splits: dict[str, str] = field(default_factory=dict)  # case -> the split its container folder names
    folder: Path | None = None  # where the layout was found: DATA, or the one folder wrapping it
    slices: list[Pair] = field(default_factory=list)  # 2-D pairs read as they are, beside the volumes


@FORMATS.register("volumes")
class VolumesFormat(DatasetFormat):
    """NIfTI, MetaImage, NRRD or DICOM-series cases with label volumes, cut into 2-D slices."""

    layout = (
        "volumes (.nii, .nii.gz, .mha, .mhd, .nrrd, DICOM series): imagesTr/ + labelsTr/ (MSD, nnU-Net), images/ + "
        "labels/ or masks/, one folder per subject with an image and a *seg*/*label*/*mask* volume, cases side by "
        "side (LiTS' volume-0.nii + segmentation-0.nii), BIDS (sub-X/ses-Y with *_mask, *_msk or *_dseg label "
        "volumes: ISLES 2022, ATLAS 2.0), or an image and a label folder below split folders (BTCV's "
        "Training/img/ + Training/label/)"
    )
    priority = 15  # before folder-pairs (30), whose images/ + labels/ folders it shares
    picks_folders = True  # --images and --masks name an image and a label folder of volumes

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, _Layout | None] = {}

    def layout_of(self, root: Path) -> _Layout | None:
        """`_find_layout`, once per folder: detect and index read the same listing."""
        if root not in self._found:
            images, masks = self.options.images, self.options.masks
            named = images is not None and masks is not None and self.options.mask_pattern is None
            self._found[root] = (_named_folders_layout(root, images, masks) if named
                                 else _find_wrapped_layout(root, self._label_file()))
        return self._found[root]

    def _label_file(self) -> str | None:
        """The label volume's file name in every case folder, when `--masks` alone names one
        (the 2018 Left Atrium challenge's `<case>/laendo.nrrd` beside `lgemri.nrrd`)."""
        masks = self.options.masks
        alone = self.options.images is None and self.options.mask_pattern is None
        is_file_name = masks is not None and "/" not in masks and masks.lower().endswith(VOLUME_SUFFIXES)
        return masks if alone and is_file_name else None

    def detect(self, root: Path) -> bool:
        return self.layout_of(root) is not None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        layout = self.layout_of(root) or _Layout()
        if not layout.splits and layout.subjects:  # SSL4MIS' LA: data/train.list + test.list name the case folders
            layout.splits = case_splits({s.name: s.images[0].parent for s in layout.subjects}, root)
        cache_root = Path(self.options.cache_dir or default_cache_dir()) / "volumes"
        pairs, problems = [], list(layout.problems)
        for subject in layout.subjects:
            try:
                slices = extract(subject, self.options.slice_axis, cache_root)
            except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
                problems.append(Problem(subject.images[0], str(err), "bad-volume", (subject.label,)))
                continue
            kept = _keep_empty(slices, self.options.empty_slices, subject.name)
            group, split = layout.groups.get(subject.name, subject.name), layout.splits.get(subject.name)
            pairs += [Pair(f"{subject.name}/slice{s.index:03d}", s.image, s.label, split, group) for s in kept]
        log.info("%s: %d volumes cut into %d %s slices", root, len(layout.subjects), len(pairs),
                 self.options.slice_axis)
        if layout.slices:
            log.info("%s: and %d 2-D slice files beside them, each an image and its mask (%s split)", root,
                     len(layout.slices), ", ".join(sorted({str(p.split) for p in layout.slices})))
        pairs = sorted(pairs + layout.slices, key=lambda p: natural_key(p.name))
        folder = layout.folder or root
        classes = (classes or classes_from_dataset_json(folder / "dataset.json") or _slicer_classes(layout.subjects)
                   or _structure_classes(layout.subjects))
        return DatasetIndex(root, "volumes", pairs, layout.unlabelled, classes, IdentityMapping(), problems)


def _slicer_classes(subjects: Sequence[Subject]) -> ClassSpec | None:
    """The classes 3D Slicer's `.seg.nrrd` label volumes name, when every case's does and they
    agree: background, then each segment by its label value, in its colour; None otherwise."""
    labels = [s.label for s in subjects]
    if not labels or not all(p.name.lower().endswith(".seg.nrrd") for p in labels):
        return None
    named = [slicer_segments(p) for p in labels]
    if not named[0] or any(n != named[0] for n in named) or sorted(named[0]) != list(range(1, len(named[0]) + 1)):
        return None
    segments = [named[0][value] for value in sorted(named[0])]
    colours = [colour for _, colour in segments]
    try:
        return ClassSpec(("background", *(name for name, _ in segments)),
                         ((0, 0, 0), *colours) if None not in colours else ())  # type: ignore[arg-type]
    except ValueError:  # two segments of one name or colour: named from the values instead
        return None


def _structure_classes(subjects: Sequence[Subject]) -> ClassSpec | None:
    """Background and a class per structure, named by its file, when the labels are a volume per
    structure (TotalSegmentator)."""
    structures = next((s.structures for s in subjects if s.structures), ())
    return ClassSpec(("background", *structures)) if structures else None


def _keep_empty(slices: list[SliceFiles], share: float, subject: str) -> list[SliceFiles]:
    """All labelled slices and `share` of the label-free ones, drawn with a seed from the
    subject's name (the same slices on every read, whatever other cases the dataset holds)."""
    if share >= 1:
        return slices
    empty = [s.index for s in slices if s.empty]
    rng = np.random.default_rng(zlib.crc32(subject.encode()))
    kept = set(rng.permutation(empty)[: round(share * len(empty))].tolist())
    return [s for s in slices if not s.empty or s.index in kept]


def _named_folders_layout(root: Path, images: str, masks: str) -> _Layout | None:
    """The volumes of the image and label folders `--images` and `--masks` name, matched by name
    (COVID-19-CT-Seg's `COVID-19-CT-Seg_20cases/` + `Lung_and_Infection_Mask/`, beside
    `Lung_Mask/` and `Infection_Mask/`); None unless both hold volumes."""
    image_dir, label_dir = _named_folder(root, images), _named_folder(root, masks)
    if image_dir is None or label_dir is None or image_dir == label_dir:
        return None
    image_files, label_files = _volumes_in(image_dir), _volumes_in(label_dir)
    if not image_files or not label_files:
        return None
    layout = _match(image_files, label_files, label_dir.relative_to(root).as_posix())
    return layout if layout.subjects else None


def _named_folder(root: Path, name: str) -> Path | None:
    """The folder a --images or --masks value names: a path under `root`, or the one folder whose
    path ends with it, four levels deep at most."""
    if (root / name).is_dir():
        return root / name
    found = [folder for folder, _, _ in folders_within(root, MAX_DEPTH)
             if path_ends_with(folder.relative_to(root).parts, name)]
    return found[0] if len(found) == 1 else None


def _find_wrapped_layout(root: Path, label_file: str | None = None) -> _Layout | None:
    """`_find_layout` inside the lone folders wrapping the dataset in `root`, two deep at most
    (AMOS' archive unpacks to `amos22/amos22/imagesTr/`), the innermost first: from a wrapper,
    the fallbacks that search deep would misread the layout inside."""
    chain = [root]
    while len(chain) < 3 and (inner := _lone_folder(chain[-1])) is not None:
        chain.append(inner)
    for folder in reversed(chain):
        layout = _find_layout(folder, label_file)
        if layout is not None:
            layout.folder = folder
            return layout
    return None


def _lone_folder(root: Path) -> Path | None:
    """The one visible folder in `root`, when neither holds a volume of its own (a folder of
    volumes is a case, as CAMUS' lone `training/patient0001/` is)."""
    folders = [p for p in root.iterdir() if p.is_dir() and not skipped_folder(p.name)]
    if len(folders) != 1 or _volumes_in(root) or _volumes_in(folders[0]):
        return None
    return folders[0]


def _find_layout(root: Path, label_file: str | None = None) -> _Layout | None:
    """The first recognised layout of `root`, or None when it holds no volume dataset; with a
    `label_file` name (`--masks laendo.nrrd`), the case folders holding a volume of that name."""
    if label_file is not None:
        subjects = _subject_folders(root, label_file)
        return subjects if subjects.subjects else _split_containers(root, label_file)
    if (root / "imagesTr").is_dir() and (root / "labelsTr").is_dir():
        layout = _match(_volumes_in(root / "imagesTr"), _volumes_in(root / "labelsTr"), "labelsTr")
        layout.unlabelled = _volumes_in(root / "imagesTs")
        spelled = next((s for s in ("Va", "Val") if (root / f"images{s}").is_dir() and (root / f"labels{s}").is_dir()),
                       None)  # AMOS' imagesVa/ + labelsVa/, WORD's imagesVal/ + labelsVal/: labelled val cases
        if spelled is not None:
            val = _match(_volumes_in(root / f"images{spelled}"), _volumes_in(root / f"labels{spelled}"),
                         f"labels{spelled}")
            layout.splits = {s.name: "train" for s in layout.subjects} | {s.name: "val" for s in val.subjects}
            layout.subjects += val.subjects
            layout.problems += val.problems
        return layout if layout.subjects or layout.problems else None
    for labels in _LABEL_DIRS:
        images = _volumes_in(root / "images")
        if images and (root / labels).is_dir():
            return _match(images, _volumes_in(root / labels), labels)
    bids = bids_cases(root)
    if bids is not None:
        return _Layout(bids.subjects, bids.unlabelled, bids.problems, bids.groups)
    subjects = _subject_folders(root)
    if subjects.subjects:
        subjects.splits.update(_table_splits(root, [s.name for s in subjects.subjects]))
        return subjects
    return (_split_containers(root) or _slices_and_volumes(root) or _hdf5_cases(root) or _root_cases(root)
            or _named_folders(root))


def _slices_and_volumes(root: Path) -> _Layout | None:
    """HDF5 cases beside a folder of 2-D slice files, both named for their splits (TransUNet's
    Synapse: `train_npz/` + `test_vol_h5/`; `seglab.data.slices_beside_volumes`): the cases with
    their folder's split, the slices as pairs with theirs."""
    found = slices_beside_volumes(root)
    layout = _hdf5_cases(found.volumes) if found is not None else None
    if found is None or layout is None:
        return None
    layout.splits = {s.name: found.volume_split for s in layout.subjects}
    layout.slices = found.slices
    return layout


def _root_cases(root: Path) -> _Layout | None:
    """Labelled cases side by side in `root` itself (LiTS' `volume-0.nii` + `segmentation-0.nii`,
    as its batches unpack): each case its own subject unless its name says whose it is."""
    volumes = _volumes_in(root)
    labels = [p for p in volumes if is_label_volume(p)]
    cases = _cases([p for p in volumes if p not in labels], labels)
    if not cases:
        return None
    layout = _Layout()
    layout.subjects = [Subject(name, (image,), label) for name, image, label in cases]
    layout.groups = {name: subject_of(name) or name for name, _, _ in cases}
    return layout


def _named_folders(root: Path) -> _Layout | None:
    """An image folder beside a label folder, under any of the names 2-D datasets use and below
    split folders (BTCV's `RawData/Training/img/img0001.nii.gz` + `Training/label/label0001.nii.gz`,
    `Testing/img/` unlabelled): the split folders give the splits."""
    layout, splits = _Layout(), dict[str, str | None]()
    for folder, subfolders, _ in folders_within(root, MAX_DEPTH):
        named = {d: _volumes_in(folder / d) for d in subfolders  # only folders named for images or labels
                 if looks_like_image_folder(d) or looks_like_mask_folder(d)}
        label_dirs = [d for d, found in named.items() if found and looks_like_mask_folder(d)]
        for name, images in named.items():
            if not images or not looks_like_image_folder(name):
                continue
            split = folders_split(images[0], root)  # the nearest split folder above its files
            label_split = folder_split(label_dirs[0]) if len(label_dirs) == 1 else None
            other_split = bool(split and label_split and split != label_split)  # imagesTs/ beside labelsTr/
            if len(label_dirs) != 1 or other_split:
                layout.unlabelled += images if split == "test" and (not label_dirs or other_split) else []
                continue
            found = _match(images, named[label_dirs[0]], label_dirs[0])
            layout.subjects += found.subjects
            layout.problems += found.problems
            splits.update({s.name: split for s in found.subjects})
    if usable_splits(splits.values()):  # else (a train folder alone) the splits are drawn
        layout.splits = {name: split for name, split in splits.items() if split}
    return layout if layout.subjects else None


def _hdf5_cases(root: Path) -> _Layout | None:
    """HDF5 cases, as SSL4MIS ships its volume datasets: files each holding a 3-D image and label
    (`hdf5_files.h5_holds_volume`), in `root` (Pancreas-CT's `image0001_norm.h5`, ACDC's
    `patient001_frame01.h5`) or one in each case's folder (LA's `<case>/mri_norm2.h5`, named by
    its folder). Not when a folder of the dataset holds 2-D slices (ACDC's `slices/`):
    folder-pairs reads those, and the volumes are listed. A patient's frames are one group
    (`patient001_frame01`, `patient001_frame12`); TransUNet's `case0001.npy.h5` is case `case0001`."""
    folders = [d for d in sorted(root.iterdir(), key=lambda p: natural_key(p.name)) if d.is_dir()]
    files = [p for p in sorted(root.iterdir(), key=lambda p: natural_key(p.name)) if _is_hdf5(p)]
    files += [p for d in folders for p in sorted(d.iterdir(), key=lambda p: natural_key(p.name)) if _is_hdf5(p)]
    held = {p: h5_holds_volume(p) for p in files}  # from the headers: a millisecond a file
    if not files or sum(held.values()) < 0.5 * len(files):
        return None
    if any(holds_image_and_mask(p) for folder in walk(root) for p in [f for f in folder.files if _is_pair_file(f)][:1]):
        return None  # 2-D pair files (ACDC's slices/*.h5, Synapse's train_npz/*.npz) would be left unread
    layout = _Layout()
    per_folder = Counter(p.parent for p in files)
    for path in files:
        if not held[path]:
            layout.problems.append(Problem(path, f"'{path}' holds no 3-D image and label of one shape", "bad-volume"))
            continue
        name = path.parent.name if path.parent != root and per_folder[path.parent] == 1 else _npy_stem(path.stem)
        layout.subjects.append(Subject(name, (path,), path))
        layout.groups[name] = subject_of(name) or name
    return layout


def _is_hdf5(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in HDF5_SUFFIXES


def _is_pair_file(path: Path) -> bool:
    return path.suffix.lower() == ".npz" or _is_hdf5(path)


def _npy_stem(stem: str) -> str:
    """A stem without the `.npy` that TransUNet's `case0001.npy.h5` keeps from its source."""
    return stem[:-4] if stem.lower().endswith(".npy") and len(stem) > 4 else stem


def _split_containers(root: Path, label_file: str | None = None) -> _Layout | None:
    """Subject folders one or two levels down, in folders that name splits (ACDC's
    `database/training/patient001/`, `database/testing/patient101/`): each container's cases
    get its split when every container names one and train is among them."""
    containers = [d for d in root.iterdir() if d.is_dir()]
    containers += [d for c in containers for d in c.iterdir() if d.is_dir()]
    found = [(c, layout) for c in sorted(containers) if (layout := _subject_folders(c, label_file)).subjects]
    if not found:
        return None
    merged = _Layout()
    splits = {c: folder_split(c.name) for c, _ in found}
    named = None not in splits.values() and "train" in splits.values()
    for container, layout in found:
        merged.subjects += layout.subjects
        merged.unlabelled += layout.unlabelled
        merged.problems += layout.problems
        merged.groups.update(layout.groups)
        split = splits[container]
        if named and split is not None:
            merged.splits.update({s.name: split for s in layout.subjects})
    return merged


def is_label_volume(path: Path) -> bool:
    """A NIfTI file named as a label volume: `*seg*`, `*label*`, `*mask*`, or an ACDC `_gt`."""
    stem = volume_stem(path)
    return path.is_file() and (any(w in stem.lower() for w in _LABEL_WORDS) or bool(_LABEL_SUFFIX.search(stem)))


def volume_cases(volumes: Sequence[Path], channels: int) -> list[tuple[str, tuple[Path, ...]]]:
    """Volumes to predict as cases (name, channel files in order) for a model of `channels`:
    nnU-Net's `case_0000`, `case_0001`, ... of one folder as case `case`; a folder's `channels`
    volumes that are one stem and a modality word each (BraTS' `BraTS_001_flair`, `_t1`, `_t1ce`,
    `_t2`) as that stem, its label volume left out; any other volume (a 4-D NIfTI, a DICOM
    series) alone, by its name."""
    cases: dict[tuple[Path, str], list[Path]] = {}
    for path in volumes:
        stem = volume_stem(path)
        key = _CHANNEL.sub("", stem) if path.is_file() and _CHANNEL.search(stem) else stem
        cases.setdefault((path.parent, key), []).append(path)
    by_folder: dict[Path, list[tuple[str, list[Path]]]] = {}
    for (folder, key), files in cases.items():
        by_folder.setdefault(folder, []).append((key, sorted(files, key=lambda p: natural_key(p.name))))
    found = []
    for folder, named in by_folder.items():
        singles = [files[0] for _, files in named if len(files) == 1 and files[0].is_file()]
        modalities = [p for p in singles if not is_label_volume(p)]
        subject = _modality_stem(modalities) if len(modalities) == channels > 1 else None
        if subject is not None:
            found.append((subject, tuple(sorted(modalities, key=lambda p: natural_key(p.name)))))
        found += [(key, tuple(files)) for key, files in named if subject is None or files[0] not in singles]
    return found


def _modality_stem(files: Sequence[Path]) -> str | None:
    """The stem that two or more volumes share before a modality word each (`BraTS_001_` +
    `flair`, `t1`, ...), without its separator; None when they are not so named."""
    stems = [volume_stem(p) for p in files]
    if len(stems) < 2:
        return None
    shared = os.path.commonprefix(stems)
    cut = max(shared.rfind(sep) for sep in "_-.")
    words = [stem[cut + 1:] for stem in stems]
    if cut < 1 or not all(w and w[0].isalpha() for w in words):
        return None
    return shared[:cut]


def _volumes_in(folder: Path) -> list[Path]:
    """NIfTI files and DICOM series folders directly in `folder`, naturally sorted."""
    if not folder.is_dir():
        return []
    found = [
        p for p in folder.iterdir()
        if not p.name.startswith(".")
        and ((p.is_file() and p.name.lower().endswith(VOLUME_SUFFIXES)) or (p.is_dir() and dicom_files(p)))
    ]
    return sorted(found, key=lambda p: natural_key(p.name))


def _match(images: list[Path], labels: list[Path], label_dir: str) -> _Layout:
    """Cases from image volumes (channel files grouped by their `_0000` suffix) and label
    volumes matched by name; unpaired files become problems."""
    label_of = {_LABEL_SUFFIX.sub("", volume_stem(p)): p for p in labels}
    if not any(volume_stem(p) in label_of or _CHANNEL.sub("", volume_stem(p)) in label_of for p in images):
        paired = _labels_by_image(images, labels)  # named apart, one number each: BTCV's img0001 + label0001
        label_of = {volume_stem(p): p for p in labels if p not in paired.values()}
        label_of.update({volume_stem(image): label for image, label in paired.items()})
    channels: dict[str, list[Path]] = {}
    for image in images:
        stem = volume_stem(image)
        key = stem if stem in label_of else _CHANNEL.sub("", stem)
        channels.setdefault(key, []).append(image)
    layout = _Layout()
    for key, files in channels.items():
        if key in label_of:
            layout.subjects.append(Subject(key, tuple(files), label_of[key]))
        else:
            message = f"image volume has no label volume (expected {label_dir}/{key}.nii.gz or {key}_seg.nii.gz)"
            layout.problems.append(Problem(files[0], message, "image-without-mask"))
    layout.problems += [Problem(p, "label volume has no image volume", "mask-without-image")
                        for key, p in label_of.items() if key not in channels]
    return layout


def _cases(images: list[Path], labels: list[Path]) -> list[tuple[str, Path, Path]]:
    """(case, image, label) when a folder holds several labelled cases, each label named after
    its image (ACDC's `patient001_frame01_gt` for `patient001_frame01`) or sharing its number
    alone (LiTS' `segmentation-3.nii` for `volume-3.nii`); empty otherwise. Images without a
    label (ACDC's `_4d` sequence) are no case."""
    found = _labels_by_image(images, labels)
    cases = [(volume_stem(image), image, label) for image, label in found.items()]
    return cases if len(cases) > 1 and len(cases) == len(labels) else []


def _labels_by_image(images: Sequence[Path], labels: Sequence[Path]) -> dict[Path, Path]:
    """image -> its label volume, one to one, by the naming rule that pairs the most
    (`pairing.best_rule`: the same name, without affixes such as `_seg` or `_gt`, or a number
    that each name holds once: BTCV's `img0001` and `label0001`)."""
    rule = best_rule(images, labels)
    by_key, _ = keyed_files(images, rule, True)
    return {by_key[key]: label for key, label in keyed_files(labels, rule, False)[0].items() if key in by_key}


def _subject_folders(root: Path, label_file: str | None = None) -> _Layout:
    """Cases from one folder per subject (layout 4 of the module docstring); the label volume is
    the one named `label_file` when given, else the one named as labels (`is_label_volume`)."""
    layout = _Layout()
    several: list[str] = []
    unlabelled: list[Path] = []
    structured: list[tuple[str, Path, Path]] = []
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: natural_key(p.name)):
        volumes = _volumes_in(folder) + ([folder] if dicom_files(folder) else [])
        labels = [p for p in volumes if (p.name.lower() == label_file.lower() if label_file else is_label_volume(p))]
        images = [p for p in volumes if p not in labels]
        dicom = [p for p in images if p.is_dir()]
        if not labels and dicom and len(images) == len(dicom) + 1:  # a DICOM series and its one NIfTI label
            labels = [p for p in images if p.is_file()]
            images = dicom
        if not labels:  # not a subject folder, or a case without labels (KiTS' case_00210/imaging.nii.gz)
            parts = _structure_folder(folder)
            if parts is not None and len(images) == 1:  # TotalSegmentator: ct.nii.gz + segmentations/
                structured.append((folder.name, images[0], parts))
            else:
                unlabelled += images
            continue
        if not images:
            layout.problems.append(Problem(labels[0], "label volume has no image volume beside it",
                                           "mask-without-image"))
            continue
        cases = _cases(images, labels)
        if cases:  # ACDC: patient001_frame01(_gt), patient001_frame12(_gt) beside patient001_4d
            layout.subjects += [Subject(stem, (image,), label) for stem, image, label in cases]
            # a subject's folder when its cases are named after it (ACDC's patient001/patient001_frame01);
            # else a folder of subjects' cases (PROMISE12's TrainingData_Part1/Case00), each its own
            by_folder = all(stem.startswith(folder.name) for stem, _, _ in cases)
            layout.groups.update({stem: folder.name if by_folder else subject_of(stem) or stem for stem, _, _ in cases})
            continue
        if len(images) > 1:
            several.append(f"{folder.name}: {', '.join(p.name for p in images)}")
        layout.problems += [Problem(p, f"second label volume in '{folder}'; only '{labels[0].name}' is used",
                                    "duplicate-name", (labels[0],)) for p in labels[1:]]
        layout.subjects.append(Subject(folder.name, tuple(images), labels[0]))
    if several:
        log.info("%d subject folders hold several image volumes (e.g. %s); they are the channels, in name order",
                 len(several), several[0])
    if structured:  # every case's structures, one class each in name order
        structures = tuple(sorted({volume_stem(p) for _, _, parts in structured for p in _volumes_in(parts)}))
        layout.subjects += [Subject(name, (image,), parts, structures) for name, image, parts in structured]
    layout.unlabelled = unlabelled if layout.subjects else []
    return layout


def _structure_folder(folder: Path) -> Path | None:
    """A subfolder named for masks holding two or more volumes, a 0/1 volume per structure
    (TotalSegmentator's and AbdomenAtlas' `segmentations/liver.nii.gz`, `spleen.nii.gz`, ...)."""
    found = [d for d in folder.iterdir() if d.is_dir() and looks_like_mask_folder(d.name)
             and len([p for p in _volumes_in(d) if p.is_file()]) >= 2]
    return found[0] if len(found) == 1 else None


def _table_splits(root: Path, names: Sequence[str]) -> dict[str, str]:
    """case -> split from a table in `root` with a `split` column and a column naming the cases
    (TotalSegmentator's `meta.csv`: `image_id;age;gender;institute;study_type;split`), when the
    splits it gives may split the dataset."""
    wanted = set(names)
    for path in sorted(root.glob("*.csv")):
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            rows = list(csv.reader(lines, delimiter=table_delimiter(path, lines[0]))) if lines else []
        except (OSError, UnicodeDecodeError, csv.Error):  # not a table of cases: not one to split by
            continue
        if not rows:
            continue
        header = [h.strip().lower() for h in rows[0]]
        if "split" not in header:
            continue
        at = header.index("split")
        for column in range(len(header)):
            named = {row[column].strip(): row[at].strip() for row in rows[1:] if len(row) > max(column, at)}
            if column != at and len(wanted & named.keys()) >= 0.9 * len(wanted):
                splits = {name: folder_split(named[name]) for name in wanted if name in named}
                if len(splits) == len(wanted) and usable_splits(splits.values()):
                    log.info("splits from '%s' (its %s column)", path, header[at])
                    return {name: split for name, split in splits.items() if split}
    return {}
