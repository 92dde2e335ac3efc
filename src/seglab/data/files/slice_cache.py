"""Cut a subject's volumes into 2-D slice files once, in a cache folder that later reads reuse.

Every stage after discovery (audit, statistics, datasets, caches, evaluation) reads pairs of
2-D files; writing the slices as `.npy` files is what lets volumes use them unchanged, as
nnU-Net's stages hand each other preprocessed files. A subject's folder is keyed by the path,
size and modification time of its source files and the slice axis, so an edited volume or a
different axis is cut again, and it appears complete or not at all (written beside, then
renamed).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seglab.data.files.dicom import dicom_files
from seglab.data.files.file_version import file_version
from seglab.data.files.staging import staged_folder
from seglab.data.files.volumes import (
    acquisition_plane,
    cut,
    nonzero_values,
    read_labels,
    read_structures,
    read_volume,
    slice_axis,
    structure_files,
)

log = logging.getLogger(__name__)

CACHE_VERSION = 4  # part of every key: bump when slicing or the manifest changes, so old folders are not reused
_MANIFEST = "slices.json"  # written last: a folder without it was never completed


@dataclass(frozen=True)
class Subject:
    """One labelled case of a volume dataset.

    Args:
        name: the case id, unique in the dataset (a file stem or a subject folder's name).
        images: the image volume's channel files (nnU-Net `_0000`, `_0001`, ...) or DICOM folder.
        label: the label volume, or with `structures` the folder of a 0/1 volume per structure
            (TotalSegmentator's `segmentations/liver.nii.gz`, ...), painted as classes 1, 2, ...
        parts: with `structures`, the case's 0/1 volumes when each lies in a folder of its
            structure's name instead (UroCell's `mito/fib1-0-0-0.nii.gz`); `label` holds those folders.
        modalities: the modality word of each image volume, in order, when they are `<case>__<MODALITY>`
            files (HECKTOR's `CHUM-001__CT`: ("CT",)); a run remembers them, so that `predict`
            groups such files by case again.
        planes_as_channels: the image file's 3 or 4 planes are the channels of one 2-D colour slice,
            stored channel-first (`volumes.colour_planes`: FH-PS-AOP's `image_mha/`).
    """

    name: str
    images: tuple[Path, ...]
    label: Path
    structures: tuple[str, ...] = ()  # `label` is a folder of a 0/1 volume per structure, class k + 1 each
    modalities: tuple[str, ...] = ()
    parts: tuple[Path, ...] = ()
    planes_as_channels: bool = False

    def structure_volumes(self) -> dict[str, Path]:
        """structure -> its 0/1 volume: each of `parts` named by its folder, else those `label` holds."""
        if self.parts:
            return {p.parent.name: p for p in self.parts}
        return structure_files(self.label, self.structures)


@dataclass(frozen=True)
class SliceFiles:
    """One cut slice: `image` (H, W, C) float32 and `label` (H, W) integer `.npy` files."""

    index: int
    image: Path
    label: Path
    empty: bool  # no label other than 0
    unannotated: bool = False  # filled by a value saying it was left unannotated (`_unannotated`)


@dataclass(frozen=True)
class CutSubject:
    """A subject's slices, and the label values other than 0 its label volume holds, in order
    (what tells a volume numbering objects, 1..n in each case, from one of classes), less the
    value filling its unannotated slices."""

    slices: list[SliceFiles]
    values: tuple[int, ...]
    acquired: str | None = None  # the plane its image volume was acquired in (`volumes.acquisition_plane`)


def extract(subject: Subject, axis: str, cache_root: Path) -> CutSubject:
    """The slices of `subject` across `axis` ("axial", "coronal", "sagittal"), cut now or
    found in `cache_root` from an earlier call.

    Raises:
        DataError: a volume cannot be read, or image and label grids differ (files named).
        ConfigError: an unknown axis.
    """
    folder = cache_root / f"{subject.name}-{_key(subject, axis)}"  # the case's name shows in audit messages
    if not (folder / _MANIFEST).is_file():
        _write(subject, slice_axis(axis), folder)
    manifest = json.loads((folder / _MANIFEST).read_text())
    empty, unannotated = set(manifest["empty"]), set(manifest["unannotated"])
    slices = [SliceFiles(i, folder / f"slice{i:03d}_image.npy", folder / f"slice{i:03d}_label.npy", i in empty,
                         i in unannotated) for i in range(manifest["count"])]
    return CutSubject(slices, tuple(manifest["values"]), manifest["acquired"])


def _key(subject: Subject, axis: str) -> str:
    labels = subject.structure_volumes().values() if subject.structures else [subject.label]
    files = [f for path in (*subject.images, *labels) for f in (dicom_files(path) if path.is_dir() else [path])]
    facts = [CACHE_VERSION, axis, list(subject.structures)] + [list(_version(f)) for f in files]
    facts += ["planes-as-channels"] if subject.planes_as_channels else []  # other cases keep their cut folders
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]


def _version(path: Path) -> tuple[str, int, int]:
    try:
        return file_version(path)
    except OSError:  # reading it reports the problem with the volume's name
        return str(path.resolve()), -1, -1


def _write(subject: Subject, axis: int, folder: Path) -> None:
    volume = read_volume(subject.images, planes_as_channels=subject.planes_as_channels)
    labels = (read_structures(subject.structure_volumes(), subject.structures, volume) if subject.structures
              else read_labels(subject.label, volume))
    low, high = int(labels.min()), int(labels.max())  # once: a CT's labels are a hundred million voxels
    label_dtype = np.uint8 if low >= 0 and high <= 255 else np.int32
    empty, filled = [], {}
    with staged_folder(folder) as partial:
        for i in range(labels.shape[axis]):
            label = cut(labels, axis, i)
            np.save(partial / f"slice{i:03d}_image.npy", cut(volume.voxels, axis, i))
            np.save(partial / f"slice{i:03d}_label.npy", label.astype(label_dtype))
            if not label.any():
                empty.append(i)
            elif label.min() == label.max():
                filled[i] = int(label.flat[0])
        unannotated = _unannotated(labels, axis, filled)
        fills = {filled[i] for i in unannotated}
        sources = (*subject.images, subject.label, *subject.parts)
        manifest = {"subject": subject.name, "sources": [str(p) for p in sources],
                    "count": int(labels.shape[axis]), "empty": empty, "unannotated": unannotated,
                    "values": [v for v in nonzero_values(labels, low, high) if v not in fills],
                    "acquired": acquisition_plane(volume.affine)}
        (partial / _MANIFEST).write_text(json.dumps(manifest, indent=1))
    log.debug("%s: %d slices cut into %s", subject.name, manifest["count"], folder)


def _unannotated(labels: np.ndarray, axis: int, filled: dict[int, int]) -> list[int]:
    """The slices of `filled` (slice -> the one value other than 0 filling it) whose value no
    other slice holds, when some slices are left: a release that annotates some slices fills the
    others with a value saying so (SAROS' 255 on all but every fifth axial slice), which read as
    a class would teach a model that whole slices are one. Not a class filling a slice of a crop
    (a liver's top slices), which other slices hold too."""
    per_slice = labels.size // labels.shape[axis]
    slices_of = Counter(filled.values())
    fills = {v for v, n in slices_of.items() if np.count_nonzero(labels == v) == n * per_slice}
    found = [i for i, v in filled.items() if v in fills]
    return found if len(found) < labels.shape[axis] else []
