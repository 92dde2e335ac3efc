"""What a dataset folder holds: image/mask pairs, unlabelled images and the problems found.

These plain records are what `discover` returns and what stats, splits and datasets consume;
the helpers here list image files and pair them by a key, shared by every dataset format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from seglab.data.classes import ClassSpec, ValueNames
from seglab.data.files.folder_listing import listed_files
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.classes.mapping import MaskMapping
from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.errors import one_line

MASK_SUFFIXES = (*IMAGE_SUFFIXES, MAT_SUFFIX)  # what a folder of masks holds: MATLAB masks too


@dataclass(frozen=True)
class Pair:
    """One image and its mask.

    Args:
        name: stem or id, unique in the dataset.
        image: image file.
        mask: mask file; None for unlabelled images.
        split: "train", "val" or "test" when the layout defines it (CamVid folders), else None.
        group: what the pair belongs to (a volume's subject, a manifest's group column), or None;
            pairs of one group never straddle two splits or folds.
        more_masks: further masks of the image, read merged with `mask` (`--merge-masks`: BUSI's
            second lesions, the 2018 Data Science Bowl's one file per nucleus).
        more_channels: further files of the image whose channels follow `image`'s (38-Cloud's
            green, blue and near-infrared bands beside its red one; nnU-Net's `case_0001.png`
            beside `case_0000.png`).
        sources: what a layout made each of the pair's files in the cache from, by the file, for
            findings about it to name (an array stack's "cut from slice 3 of 'images.npy' +
            'masks.npy'"); a file the dataset ships has none (the image of a mask that
            `--resize-masks` made).
    """

    name: str
    image: Path
    mask: Path | None
    split: str | None = None
    group: str | None = None
    more_masks: tuple[Path, ...] = ()
    more_channels: tuple[Path, ...] = ()
    sources: Mapping[Path, str] = field(default_factory=dict, hash=False)

    @property
    def images(self) -> tuple[Path, ...]:
        """Every file of the image, channels in order: `image` first."""
        return (self.image, *self.more_channels)

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the pair: its image's, then its masks."""
        return (*self.images, *self.masks)

    @property
    def masks(self) -> tuple[Path, ...]:
        """Every mask file of the image, `mask` first; empty for an unlabelled image."""
        return () if self.mask is None else (self.mask, *self.more_masks)


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, found while indexing or scanning a dataset.

    Args:
        path: the file, or None for the dataset as a whole.
        message: what is wrong, naming the file.
        code: the kind of problem, a key of `seglab.data.checking.checks.CHECKS` (which says whether it
            stops training and what to do about it).
        related: other files involved (the image of a mismatched mask, the other copy of a duplicate).
    """

    path: Path | None
    message: str
    code: str
    related: tuple[Path, ...] = ()

    def __str__(self) -> str:
        message = one_line(self.message)
        if self.path is None or f"'{one_line(str(self.path))}'" in message:  # reader errors name their file
            return message
        return f"{one_line(str(self.path))}: {message}"


@dataclass
class DatasetIndex:
    """The files of a dataset folder and how to read them.

    Args:
        root: dataset folder.
        format: name of the layout (a key of `FORMATS`).
        pairs: labelled pairs, sorted naturally by name.
        unlabelled: images without masks that the layout marks as such (e.g. ISBI test/).
        classes: names/colours when known; None means infer them from the mask values.
        mapping: how raw mask pixels become class indices.
        problems: unpaired or duplicate files; not fatal by themselves.
        ignore_index: the label excluded from loss and metrics; equals `classes.ignore_index`
            when classes are known, and carries the user's choice when they are not.
        pairing: how the pairs were found, one line per image folder (for `seglab inspect`).
        ignored: files in the folder that belong to no pair and are not unlabelled images
            (overview figures, weights, other annotations of a paired image).
        value_names: names of label-mask values the dataset ships (ADE20K's objectInfo150.csv);
            `discover` makes them the classes once the ignore label is known.
        label_folders: the folder of each image's annotation file, where masks are painted from
            them into the cache (SpaceNet 7's `<AOI>/labels_match_pix/`): it says, as a mask
            folder would, the case folder holding it and the image folder (`seglab.data.splitting.subjects`).
        modalities: the modality of each image channel, in order, when every case of a volume
            dataset was read from `<case>__<MODALITY>` files (HECKTOR's ("CT",)); the run's card
            keeps them so that `predict` groups such files by case (`Subject.modalities`).
        area_folders: names of the mask folders whose masks mark the area to score, not labels
            (Agriculture-Vision's `boundaries/` and `masks/`): pixels where one is 0 are ignored.
        alpha_channel: the images' alpha channels hold data (MFNet's thermal band) and are read
            as their last channel (`data.alpha`, `seglab.data.files.alpha`); else alpha is dropped.
        no_data: a pixel value that is no data in every image (`data.no_data`), besides what a
            TIFF's GDAL_NODATA tag marks (`seglab.data.files.no_data`); the run's card keeps it so
            that `evaluate` and `predict` read images alike.
        planes_as_channels: a volume dataset's image volumes are 2-D colour pictures stored
            channel-first, each read as one slice of its 3 or 4 planes (FH-PS-AOP's:
            `volume_format.colour_pictures`), not cut into slices; the run's card keeps it so that
            `predict` reads such files alike (`Subject.planes_as_channels`).
        mask_values: the raw label values of the masks sampled to choose their encoding
            (`choose_encoding`), or of every label volume (`volumes`); empty where the layout
            sampled none.
        image_half: "left" or "right", the half of each picture that holds the image where a
            picture holds an image and its mask side by side (pix2pix's datasets: the
            side-by-side layout); the run's card keeps it so that `predict` takes that half of
            such pictures. None: each image file is the image.
        frame: the frame read of band files that each hold a time series of their band (Contrails'
            `band_08.npy`, (H, W, 8): `layouts.folder_pairs.band_frames`), whose pairs are those
            band files at the frame, written into the cache; the run's card keeps it so that
            `predict` reads such files at that frame. None: each file read whole.
    """

    root: Path
    format: str
    pairs: list[Pair]
    unlabelled: list[Path]
    classes: ClassSpec | None
    mapping: MaskMapping
    problems: list[Problem] = field(default_factory=list)
    ignore_index: int | None = None
    pairing: list[str] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    value_names: ValueNames | None = None
    label_folders: dict[Path, Path] = field(default_factory=dict)
    modalities: tuple[str, ...] = ()
    area_folders: tuple[str, ...] = ()
    alpha_channel: bool = False
    no_data: float | None = None
    planes_as_channels: bool = False
    mask_values: frozenset[int] = frozenset()
    image_half: str | None = None
    frame: int | None = None


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key that orders embedded numbers by value: "slice2" before "slice10"; any two names
    compare (the name itself, last, only breaks ties such as "A" and "a")."""
    parts = re.split(r"(\d+)", name)
    # odd positions of re.split with a capture group are always the digit runs, so two keys hold
    # text against text and numbers against numbers wherever both have a part
    return tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts)), name


def list_images(folder: Path, masks: bool = False) -> list[Path]:
    """Image files directly in `folder`, naturally sorted; hidden and macOS `._*` files skipped.
    With `masks`, MATLAB files too: masks, never images, in a folder that holds masks (CoNSeP's
    `Labels/train_1.mat`), while an image folder's `.mat` files are metadata (Oxford-IIIT Pet's);
    one beside an image file of its name is the same mask again and is left out.

    Broken symbolic links are listed, so that reading them reports them instead of their
    images silently going missing (`listed_files`).
    """
    if not folder.is_dir():
        return []
    files = listed_files(folder, MASK_SUFFIXES if masks else IMAGE_SUFFIXES)
    if masks:
        drawn = {p.stem for p in files if p.suffix.lower() != MAT_SUFFIX}
        files = [p for p in files if p.suffix.lower() != MAT_SUFFIX or p.stem not in drawn]
    return sorted(files, key=lambda p: natural_key(p.name))


def match_files(
    images: Iterable[Path],
    masks: Iterable[Path],
    key: Callable[[Path], str],
    expected: Callable[[Path], str],
) -> tuple[list[tuple[str, Path, Path]], list[Problem]]:
    """Pair images with masks that share `key(path)`.

    Args:
        images: image files.
        masks: mask files.
        key: the matching id of a file (its stem, a trailing number, ...).
        expected: where the mask of an image should be, for the "no mask" message.

    Returns:
        (key, image, mask) triples in image order, and a problem for every unpaired or
        duplicate file.
    """
    problems: list[Problem] = []

    def by_key(files: Iterable[Path], what: str) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for path in files:
            k = key(path)
            if k in found:
                message = f"{what} has the same name as '{found[k].name}'; skipped"
                problems.append(Problem(path, message, "duplicate-name", (found[k],)))
            else:
                found[k] = path
        return found

    image_by_key = by_key(images, "image")
    mask_by_key = by_key(masks, "mask")
    matched = []
    for k, image in image_by_key.items():
        mask = mask_by_key.get(k)
        if mask is None:
            problems.append(Problem(image, f"image has no mask (expected {expected(image)})", "image-without-mask"))
        else:
            matched.append((k, image, mask))
    for k, mask in mask_by_key.items():
        if k not in image_by_key:
            problems.append(Problem(mask, "mask has no image", "mask-without-image"))
    return matched, problems
