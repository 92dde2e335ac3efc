"""What a folder's files hold, judged by opening a few: label masks, or an image and a mask each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from seglab.data.files.decoding import channels_first_pair, holds_image_and_mask
from seglab.data.discovery.folders.listing import Folder
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, h5_band_names
from seglab.data.files.io import raw_mask, read_mask_array
from seglab.data.discovery.naming import stem
from seglab.data.discovery.naming.folder_roles import names_mask_pictures
from seglab.data.discovery.pairing import IN_ONE_FILE, FolderMatch
from seglab.errors import DataError

_MASK_SHARE = 0.98  # a mask's 32 most common values cover at least this share of its pixels
_SNIFFED = 2  # files read per folder to judge its content
_MOST_JUDGED = 64  # folders judged at most when all must hold masks: more are read no further


def ships_mask_files(folders: Iterable[Folder]) -> bool:
    """Whether a folder named like masks holds image files: a dataset that ships its masks beside
    annotations in another form (TGS' CSV, COCO-Stuff's JSON, labelme2voc's output) is read from
    the mask files. Panoptic segment PNGs are annotations, not masks, and pictures of the masks
    (PAPILA's `ExpertsSegmentations/ImagesWithContours/` beside its outline text files) are neither."""
    return any(f.named_mask and f.files and not _panoptic_segments(f.path) and not names_mask_pictures(f.parts)
               for f in folders)


def _panoptic_segments(folder: Path) -> bool:
    """COCO panoptic's segment PNGs (`panoptic_train2017/` beside its JSON or, as detectron2 keeps
    them, beside the folder of its JSON: `coco/annotations/panoptic_train2017.json`; Mapillary's
    `panoptic/` holding it): numbered segments that the `coco-panoptic` format reads, not masks."""
    return "panoptic" in folder.name.lower() and (folder.with_suffix(".json").is_file() or any(folder.glob("*.json"))
                                                  or any(folder.parent.glob(f"*/{folder.name}.json")))


def looks_like_masks(folder: Folder) -> bool:
    """Whether the first files of a folder look like label masks: few distinct values, and no
    fractions (MARIDA's float reflectance in [0, 1) would count as one value once made integer);
    files none of which is a picture do not (MUSES' `event_camera/*.npz`, 1-D arrays of events)."""
    return _mask_verdict(folder) is True


def masks_alone(folders: Sequence[Folder]) -> bool:
    """Whether every one of `folders` (`_MOST_JUDGED` at most) holds label masks and none an image
    (`looks_unlike_masks`): masks whose images are not there (DSEC-Semantic's `11classes/` and
    `19classes/` label folders, its frames a download of their own)."""
    if not folders or len(folders) > _MOST_JUDGED:
        return False
    verdicts = [_mask_verdict(folder) for folder in folders]
    return False not in verdicts and True in verdicts


def looks_unlike_masks(folder: Folder) -> bool:
    """Whether a file read among the first of a folder is no label mask (fractions, many values):
    what tells images. Files none of which reads as a mask look like neither: SSL4MIS' ACDC
    volumes (`data/patient001_frame01.h5`, 3-D) are no images of the 2-D slices beside them."""
    return _mask_verdict(folder) is False


def _mask_verdict(folder: Folder) -> bool | None:
    """True when the first files of a folder that read as masks all look like masks, or some are
    masks seglab reads no further (LCTSC's RTSTRUCT, WGISD's `.npz` of a channel per grape: their
    own refusal names them later), False at the first that does not (a stack of many values:
    Kelp Wanted's 7-band int16 tiles, which no mask reading takes), None when none is a 2-D array
    or more."""
    read = refused = False
    for path in folder.files[:_SNIFFED]:
        array = None
        try:
            array = read_mask_array(path)
            if fractional(array):
                return False
            raw = raw_mask(array, path)
        except DataError:  # a mask read no further (an RTSTRUCT, a channel per object) still looks like one;
            if array is not None and array.ndim >= 3 and not _few_values(array.reshape(-1)):
                return False
            refused = refused or array is None or array.ndim >= 2  # a list of events (MUSES' .npz) does not
            continue
        read = True
        values = raw.reshape(-1, raw.shape[2]) if raw.ndim == 3 else raw.reshape(-1, 1)
        if not _few_values(values.astype(np.int64) @ (np.int64(1) << np.arange(0, 16 * values.shape[1], 16)).astype(np.int64)):
            return False
    return True if read or refused else None


def _few_values(codes: np.ndarray) -> bool:
    """Whether the 32 most common values hold most of an array's: what a label mask's do."""
    counts = np.sort(np.unique(codes, return_counts=True)[1])[::-1]
    return bool(counts[:32].sum() >= _MASK_SHARE * counts.sum())


class MaskSniffs:
    """`looks_like_masks` (called) and `looks_unlike_masks` (`unlike`), remembered by the files
    they open: one discovery opens them once, the search and `settle_shared_masks` judging the
    same image folders."""

    def __init__(self) -> None:
        self._verdicts: dict[tuple[Path, ...], bool | None] = {}

    def __call__(self, folder: Folder) -> bool:
        return self._verdict(folder) is True

    def unlike(self, folder: Folder) -> bool:
        return self._verdict(folder) is False

    def _verdict(self, folder: Folder) -> bool | None:
        sniffed = tuple(folder.files[:_SNIFFED])
        if sniffed not in self._verdicts:
            self._verdicts[sniffed] = _mask_verdict(folder)
        return self._verdicts[sniffed]


def fractional(array: np.ndarray) -> bool:
    """Whether a float array holds a finite value that is no whole number: measurements, never
    class labels."""
    if array.dtype.kind != "f":
        return False
    finite = array[np.isfinite(array)]
    return bool(np.any(finite != np.round(finite)))


def _in_one_file(folder: Folder) -> FolderMatch | None:
    """A folder of .npz or HDF5 files that each hold an image and a mask array: TransUNet's
    Synapse `train_npz/case0005_slice000.npz`, SSL4MIS' ACDC `slices/patient001_frame01_slice_1.h5`
    (`image`, `label`), GEO-Bench's `<sample>.hdf5` (a dataset per band, and `label`: the bands
    named by the first file), Sen2Fire's `scene1/scene_1_patch_0_3.npz` (`image` (12, H, W), its
    channels first, beside `label` (H, W): read channels last, as the pairing says). Two files are
    opened to tell."""
    archives = [p for p in folder.files if p.suffix.lower() in (".npz", *HDF5_SUFFIXES)]
    if len(archives) < 0.5 * len(folder.files) or not all(holds_image_and_mask(p) for p in archives[:_SNIFFED]):
        return None
    bands = h5_band_names(archives[0]) if archives[0].suffix.lower() in HDF5_SUFFIXES else ()
    return FolderMatch(folder.path, folder.path, folder.split, IN_ONE_FILE, [(stem(p), p, p) for p in archives],
                       bands=bands, channels_first=channels_first_pair(archives[0]))
