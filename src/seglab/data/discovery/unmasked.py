"""Images shipped without a mask because there is nothing to mark: defect-free samples.

Inspection datasets ship masks for the defective images only: MVTec AD's `train/good/` and
`test/good/` hold none, DAGM 2007 labels only the images its `Labels.txt` flags, VisA's
`Normal/` images have none, DigestPath 2019's `tissue-train-neg/` (beside `tissue-train-pos-v1/`)
none, nor do MVTec 3D-AD's `train/good/rgb/` and AITEX's `NODefect_images/<fabric roll>/`, a
level further down. Left out, they take away most of what a model must learn to leave
unmarked. With `--unmasked-background` each pairs with an all-background mask (value 0) of its
size, written once per size in the cache folder, so every later stage reads files as for any
other pair. Without it they stay out, and the layout's description names the option.

Images without a mask that have a label file of their name beside them are labelled another way
(WGISD's `data/<image>.txt` YOLO boxes, beside a `.npz` mask for some images only): they show
objects, so they are never read as background, and their finding says so (`labelled_otherwise`).
Nor are copies of a paired image (Google Drive's `Copy of leaf_05.png`, the same bytes as the
labelled `leaf_05.png`): as background they would teach that the leaf is none (`copies_of_paired`).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.files.folder_listing import folders_in
from seglab.data.files.byte_copies import byte_copies
from seglab.data.files.staging import cache_folder
from seglab.data.files.index import Pair, Problem
from seglab.data.files.io import IMAGE_SUFFIXES, read_header, read_image
from seglab.data.discovery.naming import folder_split, stem, words
from seglab.errors import DataError

logger = logging.getLogger(__name__)

OPTION = "--unmasked-background"
LABELLED_OTHERWISE = "image-labelled-otherwise"  # the finding of an image with labels but no mask
COPY_OF_PAIRED = "copy-without-mask"  # the finding of an image without a mask that copies a paired one
UNMASKED_CODES = ("image-without-mask", LABELLED_OTHERWISE)  # findings of images left out for want of a mask
_LABEL_SUFFIXES = (".txt", ".xml", ".json")  # boxes or points beside an image: YOLO, Pascal VOC, a tool's export
_FILLS = "empty-masks"  # the cache's folder of all-background masks, one per size
_FILL_NAME = re.compile(r"\d+x\d+(-rgb)?\.png")
_BLANK_NAME = re.compile(r"empty-\d+x\d+\.png")  # a run-length table's mask of rows without a pixel, one per size
# folder names of the defect-free images of inspection datasets (MVTec AD's good/, VisA's Normal/),
# in the words of `naming.words` joined by `_`
_DEFECT_FREE = frozenset({"good", "ok", "normal", "defect_free", "defectfree", "no_defect", "nodefect",
                          "non_defective", "nondefective", "negative", "negatives"})
_IMAGE_NOUNS = frozenset({"image", "images", "img", "imgs"})  # AITEX's `NODefect_images/`
_NEGATIVE = re.compile(r"(?<![a-z])neg(?:ative)?s?(?![a-z])", re.IGNORECASE)  # `tissue-train-neg`
_POSITIVE = re.compile(r"(?<![a-z])pos(?:itive)?s?(?![a-z])", re.IGNORECASE)


def in_defect_free_folder(path: Path, root: Path) -> bool:
    """Whether a file lies in a folder named for defect-free samples (good/, OK/, Normal/,
    AITEX's NODefect_images/), or for the negatives of a positive folder beside it: its own
    folder or one above it, up to a split folder or `root` (MVTec 3D-AD's `train/good/rgb/`,
    AITEX's `NODefect_images/<fabric roll>/`). Folders from the split or root up say nothing of
    the samples: a dataset kept in `good/` is not all defect-free."""
    return _defect_free_folder(path.parent, root)


@functools.lru_cache(maxsize=256)  # asked once per file, of a few folders
def _defect_free_folder(folder: Path, root: Path) -> bool:
    """`in_defect_free_folder` of the files of `folder`."""
    for above in (folder, *folder.parents):
        if above == root or not above.is_relative_to(root):
            return False
        if _defect_free_name(above.name) or _negative_folder(above):
            return True
        if folder_split(above.name) is not None:  # after the words: DigestPath's `tissue-train-neg/`
            return False
    return False


def _defect_free_name(name: str) -> bool:
    """Whether a folder's name, less a word for images, names defect-free samples: `good`,
    `Normal`, `NODefect_images`."""
    return "_".join(w for w in words(name) if w not in _IMAGE_NOUNS) in _DEFECT_FREE


@functools.lru_cache(maxsize=256)  # asked once per file, of a few folders
def _negative_folder(folder: Path) -> bool:
    """DigestPath's `tissue-train-neg/` beside `tissue-train-pos-v1/`: a folder named as the
    negatives (`neg`, `negative`) of a positive folder beside it, named alike before that word,
    holds the samples with nothing to mark."""
    negative = _NEGATIVE.search(folder.name)
    if negative is None:
        return False
    before = folder.name[:negative.start()].lower()
    return any(_before_positive(other.name) == before for other in folders_in(folder.parent))


def _before_positive(name: str) -> str | None:
    """`tissue-train-pos-v1` -> `tissue-train-`: the name before its word for positives."""
    positive = _POSITIVE.search(name)
    return None if positive is None else name[:positive.start()].lower()


def labelled_otherwise(problems: Iterable[Problem], files: Iterable[Path]) -> list[Problem]:
    """`problems` with the image-without-mask finding of each image that has a label file of its
    name beside it among `files` (`_LABEL_SUFFIXES`) made a `LABELLED_OTHERWISE` one, which
    names the file: its objects are drawn there, not missing, and `OPTION` would make them
    background."""
    beside = {(f.parent, f.stem.lower()): f for f in files if f.suffix.lower() in _LABEL_SUFFIXES}
    told = []
    for problem in problems:
        image = problem.path if problem.code == "image-without-mask" else None
        label = beside.get((image.parent, image.stem.lower())) if image is not None else None
        if label is not None:
            problem = replace(problem, code=LABELLED_OTHERWISE, message=f"image has no mask, only '{label.name}' "
                              "beside it (labels that are no mask: boxes, points)")
        told.append(problem)
    return told


def copies_of_paired(problems: Iterable[Problem], pairs: Iterable[Pair]) -> list[Problem]:
    """`problems` with the image-without-mask finding of each image holding the same bytes as a
    paired image made a `COPY_OF_PAIRED` one, which names that image: its mask is the original's,
    and `OPTION` would read the copy as all background."""
    problems = list(problems)
    unmasked = {p.path for p in problems if p.code == "image-without-mask" and p.path is not None}
    if not unmasked:
        return problems
    paired = {pair.image for pair in pairs}
    original: dict[Path, Path] = {}
    for same in byte_copies([*unmasked, *paired], holding=unmasked):
        first = next((image for image in same if image in paired), None)
        original.update((image, first) for image in same if first is not None and image in unmasked)
    return [replace(p, code=COPY_OF_PAIRED, message=f"image has no mask and holds the same bytes as "
                    f"'{original[p.path]}', which is paired; left out", related=(original[p.path],))
            if p.code == "image-without-mask" and p.path in original else p for p in problems]


def unmasked_images(root: Path, problems: Iterable[Problem], unpaired: Iterable[Path],
                    image_folders: Iterable[str]) -> list[Path]:
    """The images a layout leaves out for want of a mask: those of its image-without-mask
    warnings, and images unpaired in a folder named for defect-free samples, but for those of
    another modality (`_another_modality`) than the pairs' `image_folders` (their names)."""
    missing = [p.path for p in problems if p.code == "image-without-mask" and p.path is not None]
    taken = set(missing)
    names = frozenset(image_folders)
    defect_free = [p for p in unpaired if p.suffix.lower() in IMAGE_SUFFIXES and p not in taken
                   and p.is_relative_to(root) and in_defect_free_folder(p, root)
                   and not _another_modality(p.parent, names)]
    return sorted(missing) + sorted(defect_free)


@functools.lru_cache(maxsize=256)  # asked once per file, of a few folders
def _another_modality(folder: Path, image_folders: frozenset[str]) -> bool:
    """Whether `folder`, inside a defect-free one and not named as the image folders, has a
    sibling that is: MVTec 3D-AD's `train/good/xyz/` beside `train/good/rgb/` holds the point
    clouds of the images in `rgb/`, no images of their own."""
    return (folder.name not in image_folders and not _defect_free_name(folder.name) and not _negative_folder(folder)
            and any((folder.parent / name).is_dir() for name in image_folders))


def unannotated_frames(problems: Iterable[Problem], pairs: Iterable[Pair]) -> list[Path]:
    """The images without a mask that are frames of a video annotated sparsely (YouTube-VOS
    valid/ masks each video's first frame only): numbered like the frames beside them that have
    masks and more than they are, in one of several sibling folders of numbered frames. They are
    unlabelled images, not missing masks (a folder missing a few masks still warns), and no
    defect-free samples: `--unmasked-background` would call frames full of objects background.
    Each frame counts once, though each object's mask folder finds it unmasked (SA-V's
    `Annotations_6fps/<video>/000/`, `001/`: one problem a frame for each)."""
    masked: dict[Path, set[Path]] = {}
    for pair in pairs:
        masked.setdefault(pair.image.parent, set()).add(pair.image)
    unmasked: dict[Path, set[Path]] = {}
    for problem in problems:
        if problem.code == "image-without-mask" and problem.path is not None and problem.path.stem.isdigit():
            unmasked.setdefault(problem.path.parent, set()).add(problem.path)
    videos = [folder for folder, frames in unmasked.items() if all(image.stem.isdigit() for image in
              masked.get(folder, ())) and len(frames) > len(masked.get(folder, ())) > 0]
    siblings = Counter(folder.parent for folder in videos)
    return sorted(frame for folder in videos if siblings[folder.parent] > 1 for frame in unmasked[folder])


def background_pairs(images: list[tuple[Path, str | None]], mask: Path | None, cache_dir: str | None) -> list[Pair]:
    """Each (image, split) paired with an all-background mask of its size, grey or RGB like the
    dataset's `mask`, kept in `cache_dir` (None: the default cache folder)."""
    cache_root = cache_folder(cache_dir)
    rgb = _colour_masks(mask)
    return [Pair(stem(image), image, empty_mask(_shown_size(image), cache_root, rgb), split) for image, split in images]


def _colour_masks(mask: Path | None) -> bool:
    """Whether the dataset's masks are colour masks, from one's header; a damaged one (the audit
    names it) says grey."""
    try:
        return mask is not None and read_header(mask).mode.startswith("RGB")
    except DataError:
        return False


def without_train_splits(pairs: list[Pair], filled: set[Path], root: Path) -> list[Pair]:
    """The pairs without their folders' splits when every training pair is a filled one (MVTec
    AD's train/ holds only good images, for anomaly detection): training on those alone would
    never see a defect, so the splits are drawn from all pairs instead."""
    train = [p for p in pairs if p.split == "train"]
    if not train or any(p.image not in filled for p in train):
        return pairs
    logger.warning("%s: the training split holds only images without masks (defect-free), so the layout's splits "
                   "are not used: train, val and test are drawn from all pairs", root)
    return [replace(p, split=None) for p in pairs]


def pairing_note(root: Path, images: list[Path], filled: bool) -> str:
    """What the layout's description says of images without masks: read as background, or (in
    folders named for defect-free or negative samples, without the option) left out."""
    folders = sorted({image.parent.relative_to(root).as_posix() for image in images})
    shown = ", ".join(f"{f}/" for f in folders[:3]) + (f" and {len(folders) - 3} more" if len(folders) > 3 else "")
    if filled:
        return f"{len(images)} images without masks read as all background ({OPTION}): {shown}"
    return (f"{len(images)} images without masks in folders named for defect-free or negative samples ({shown}) "
            f"are not used: {OPTION} reads them as all background")


def is_background_fill(mask: Path) -> bool:
    """Whether a mask file is one of `empty_mask`'s: empty on purpose, so no empty-mask warning."""
    return mask.parent.name == _FILLS and _FILL_NAME.fullmatch(mask.name) is not None


def blank_mask_name(shape: tuple[int, int]) -> str:
    """The name of the one all-background mask a decoded run-length table's images of a size share
    where no row draws a pixel (most of Airbus' 190,000 images show no ship)."""
    return f"empty-{shape[0]}x{shape[1]}.png"


def is_shared_blank(mask: Path) -> bool:
    """Whether a mask is `blank_mask_name`'s: shared for want of pixels, not by images of one scene."""
    return _BLANK_NAME.fullmatch(mask.name) is not None


def empty_mask(size: tuple[int, int], cache_root: Path, rgb: bool) -> Path:
    """An all-zero mask PNG of `size` (H, W), grey or RGB, written once into the cache folder
    (atomically: complete or absent)."""
    height, width = size
    path = cache_root / _FILLS / f"{height}x{width}{'-rgb' if rgb else ''}.png"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".png", dir=path.parent)
        os.close(handle)
        try:
            Image.fromarray(np.zeros((height, width, 3) if rgb else (height, width), np.uint8)).save(temporary)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
    return path


def _shown_size(image: Path) -> tuple[int, int]:
    """(H, W) of an image as read, from its header where it says; (1, 1) for an unreadable file,
    which the audit then reports by name."""
    try:
        return read_header(image).size or read_image(image).shape[:2]
    except DataError:
        return (1, 1)
