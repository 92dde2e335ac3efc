"""Find the image and mask folders of a dataset as it was shipped, whatever they are called.

A dataset folder is walked a few levels deep. Every folder holding image files is an image
folder, a mask folder or both, judged by its name (`naming`) and, for names that say nothing,
by its content (masks hold few distinct values). An image folder is paired with the mask
folders beside it (`images/` + `masks/`), mirrored from it (`images/train/` + `masks/train/`,
`leftImg8bit/train/x/` + `gtFine/train/x/`), named after it (`train/` + `trainannot/`) or
below it; when none fits, images and masks are looked for side by side in the folder itself.
Two folders that could both hold the masks stop the search with both named and the flag that
picks one, instead of a silent guess.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from seglab.data.channel_files import folder_names_a_band
from seglab.data.classes import CLASS_DICT_GLOB, CVAT_LABELMAP
from seglab.data.index import MASK_SUFFIXES, list_images
from seglab.data.decoding import holds_image_and_mask
from seglab.data.hdf5_files import HDF5_SUFFIXES
from seglab.data.io import IMAGE_SUFFIXES, read_raw_mask
from seglab.data.naming import (
    KEY_RULES,
    KeyRule,
    folder_split,
    image_affixed,
    looks_like_image_folder,
    looks_like_mask_folder,
    named_after,
    stem,
    strip_affixes,
    usable_splits,
    words,
)
from seglab.data.pairing import (
    IN_ONE_FILE,
    FolderMatch,
    combine_matches,
    folder_label,
    match_folders,
    names_labels,
    settle_rival_namings,
)
from seglab.errors import DataError

logger = logging.getLogger(__name__)
_NUMBERED_CELLS = "man_seg"  # the Cell Tracking Challenge's segmentation truth: a number per cell
# a labels release: Mapillary Vistas' v1.2/, v2.0/ (a bare number may be an annotator or a patient)
_VERSION = re.compile(r"v\d+(\.\d+)*|\d+(\.\d+)+", re.IGNORECASE)

MAX_DEPTH = 4  # root/wrapper/leftImg8bit/train/city
NAMED_DEPTH = MAX_DEPTH + 3  # when --images/--masks name the folders: Virtual KITTI 2's Scene01/clone/frames/rgb/Camera_0
_MAX_FOLDERS = 5000  # a dataset folder is not a whole disk
_SKIPPED = ("__macosx", "__pycache__", ".git", "runs", "checkpoints")
_MASK_SHARE = 0.98  # a mask's 32 most common values cover at least this share of its pixels
_SNIFFED = 2  # files read per folder to judge its content
_OBJECT_FOLDER = re.compile(r"object|instance|panoptic", re.IGNORECASE)  # masks that number objects
_PICTURE_FOLDER = re.compile(r"visuali[sz]ation|overlay|preview|colou?rmap|illustration", re.IGNORECASE)  # masks drawn for people
_CLASS_FOLDER = re.compile(r"class|semantic|label", re.IGNORECASE)  # what object masks step aside for
_HUMAN_MASKS, _MACHINE_MASKS = re.compile(r"human", re.IGNORECASE), re.compile(r"machine", re.IGNORECASE)  # Supervisely
METADATA_FILES = ("classes.json", "dataset.json", "synthetic.json", "splits.json")


@dataclass
class Folder:
    """A folder holding image files, and what its name and path say about it."""

    path: Path
    files: list[Path]
    split: str | None
    named_mask: bool
    named_image: bool
    parts: tuple[str, ...]  # path relative to the dataset root


@dataclass
class FolderSearch:
    """What `search_folders` found.

    Args:
        matches: one per image folder that has masks.
        unlabelled: image folders without masks under a val or test split (DeepGlobe's `valid/`).
        ignored: files in no pair and no unlabelled folder (stray figures, weights, ...).
    """

    matches: list[FolderMatch] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)


def ships_mask_files(folders: list[Folder]) -> bool:
    """Whether a folder named like masks holds image files: a dataset that ships its masks beside
    annotations in another form (TGS' CSV, COCO-Stuff's JSON, labelme2voc's output) is read from
    the mask files. Panoptic segment PNGs are annotations, not masks."""
    return any(f.named_mask and f.files and not _panoptic_segments(f.path) for f in folders)


def _panoptic_segments(folder: Path) -> bool:
    """COCO panoptic's segment PNGs (`panoptic_train2017/` beside its JSON, Mapillary's
    `panoptic/` holding it): numbered segments that the `coco-panoptic` format reads, not masks."""
    return "panoptic" in folder.name.lower() and (folder.with_suffix(".json").is_file() or any(folder.glob("*.json")))


_LISTINGS: ContextVar[dict[tuple[str, Path, int], list] | None] = ContextVar("seglab_listings", default=None)


@contextmanager
def one_listing() -> Iterator[None]:
    """Within the block `walk` lists each folder tree once: the formats that try a dataset in
    turn (run-length tables, COCO, LabelMe, YOLO, folder pairs) read one listing of its files,
    not one each (0.4 s apiece for 40,000 files). Outside, every call lists afresh."""
    token = _LISTINGS.set({})
    try:
        yield
    finally:
        _LISTINGS.reset(token)


def walk(root: Path, max_depth: int = MAX_DEPTH) -> list[Folder]:
    """Folders with image files under `root` (itself included), naturally ordered."""
    return list(_image_listing(root, max_depth)[0])


def deeper_image_folders(root: Path) -> list[Path]:
    """Folders with image files below the levels `walk` searches (three more at most): a download
    wrapped once more than usual (BDD100K's `bdd100k/bdd100k/labels/sem_seg/masks/train/`), or a
    dataset deeper in parts (CHAOS' `Train_Sets/MR/1/T2SPIR/DICOM_anon/` beside its CT's
    `Train_Sets/CT/1/DICOM_anon/`). Only the subtrees `walk` cut off are listed."""
    return [f.path for below in _image_listing(root, MAX_DEPTH)[1] for f in _walk(below, 2)[0] if f.files]


def _image_listing(root: Path, depth: int) -> tuple[list[Folder], list[Path]]:
    """`_walk` of `root`, once per tree within `one_listing`."""
    return _listed(("images", Path(root), depth), lambda: _walk(root, depth))  # type: ignore[return-value]


def json_listing(root: Path, depth: int) -> list[tuple[Path, list[str]]]:
    """Folders under `root` (itself included, `depth` levels down at most, links followed) that
    hold JSON, GeoJSON, GeoPackage, shapefiles or XML besides seglab's own, with those files' names,
    sorted: where the annotation formats that keep a file per image or layer look (V7 Darwin,
    LabelMe, GeoJSON, ImageScope), listed once per tree within `one_listing`."""
    return _listed(("json", Path(root), depth), lambda: _json_folders(root, depth))


def _listed(key: tuple[str, Path, int], listing: Callable[[], list]) -> list:
    listings = _LISTINGS.get()
    if listings is None:
        return listing()
    if key not in listings:
        listings[key] = listing()
    return list(listings[key])


def skipped_folder(name: str) -> bool:
    """Whether a folder is never data: hidden, a Mac archive's `__MACOSX`, a cache, a run's output."""
    return name.startswith(".") or name.lower() in _SKIPPED


def folders_within(root: Path, depth: int, followlinks: bool = False) -> Iterator[tuple[Path, list[str], list[str]]]:
    """`os.walk` of `root` down to `depth` levels below it: each folder, its subfolders (hidden
    ones skipped, in name order; none at the last level) and its file names."""
    for folder, subfolders, files in os.walk(root, followlinks=followlinks):
        below = len(Path(folder).relative_to(root).parts)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".")) if below < depth else []
        yield Path(folder), subfolders, files


def _json_folders(root: Path, depth: int) -> list[tuple[Path, list[str]]]:
    found = []
    for folder, _, files in folders_within(root, depth, followlinks=True):
        jsons = sorted(f for f in files if f.lower().endswith((".json", ".geojson", ".gpkg", ".shp", ".xml"))
                       and f.lower() not in METADATA_FILES)
        if jsons:
            found.append((folder, jsons))
    return found


def _walk(root: Path, max_depth: int) -> tuple[list[Folder], list[Path]]:
    """The folders with image files (or named for masks), and the subfolders left unsearched below `max_depth`."""
    found: list[Folder] = []
    cut: list[Path] = []
    visited = 0
    for current, dirs, _ in os.walk(root):
        here = Path(current)
        parts = here.relative_to(root).parts
        dirs[:] = sorted(d for d in dirs if not skipped_folder(d))
        if len(parts) >= max_depth:
            cut += [here / d for d in dirs]
            dirs[:] = []
        visited += 1
        if visited > _MAX_FOLDERS:
            logger.warning("stopped looking for images after %d folders under '%s'", _MAX_FOLDERS, root)
            break
        folder = _folder(here, parts)
        if folder.files or (parts and looks_like_mask_folder(parts[-1])):  # an empty masks/ still explains itself
            found.append(folder)
    return found, cut


def _folder(path: Path, parts: tuple[str, ...]) -> Folder:
    split = next((s for s in (folder_split(p) for p in reversed(parts)) if s), None)
    # the deepest name that says images or masks decides: gtFine/train/aachen holds masks,
    # Kvasir-SEG/images images (whatever the wrapper folder is called)
    for depth, name in enumerate(reversed(parts)):
        mask, image = looks_like_mask_folder(name), looks_like_image_folder(name)
        if image and depth == 0 and len(parts) > 1 and looks_like_mask_folder(parts[-2]):
            mask, image = True, False  # iSAID's train/Semantic_masks/images/: masks if its files agree
        if mask or image:
            return Folder(path, list_images(path, masks=mask), split, mask, image, parts)
    return Folder(path, list_images(path), split, False, False, parts)


def _related(image: Folder, mask: Folder, named: bool = False) -> bool:
    """Whether `mask` sits where masks of `image` are kept: beside it, mirrored, below it, in
    a folder beside it named after it (`01/` with `01_GT/SEG/`), or alone in a folder beside it
    named for masks (Lizard's `Lizard_Labels/Labels/` beside `Lizard_Images1/`). A
    mirrored folder needs a mask-like name where the paths differ, unless the user `named` the
    masks (COCO-Stuff's `stuffthingmaps_trainval2017/train2017/` mirroring `images/train2017/`)."""
    if image.path == mask.path:
        return False
    if image.path.parent == mask.path.parent:
        return True
    if mask.path.parent.parent == image.path.parent and _lone_mask_folder(mask.path):
        return True
    if mask.path.parent.parent == image.path.parent and _VERSION.fullmatch(mask.path.parent.name) \
            and looks_like_mask_folder(mask.path.name):
        return True  # Mapillary Vistas' training/v2.0/labels/ beside training/images/
    if mask.path.parent == image.path:
        return True
    if mask.path.parent.parent == image.path.parent and mask.path.parent.name.startswith(image.path.name + "_"):
        return True  # the Cell Tracking Challenge's 01/ with 01_GT/SEG/ and 01_ST/SEG/
    if len(image.parts) != len(mask.parts):
        return False
    differing = [i for i, (a, b) in enumerate(zip(image.parts, mask.parts)) if a != b]
    return len(differing) == 1 and (named or looks_like_mask_folder(mask.parts[differing[0]]))


def _lone_mask_folder(folder: Path) -> bool:
    """Whether `folder` is all a folder named for masks holds (Lizard's `Lizard_Labels/Labels/`,
    beside an info.csv), or one of the mask folders and renderings it holds (the Montgomery set's
    `ManualMask/leftMask/` and `rightMask/`, a lung each; SYNTHIA's `GT/LABELS/` beside its
    colour rendering `GT/COLOR/`), that wrapper being no other folder's (the Cell Tracking
    Challenge's `02_GT/` is `02/`'s)."""
    wrapper = folder.parent
    if not looks_like_mask_folder(wrapper.name) or list_images(wrapper, masks=True):
        return False
    inside = [p for p in wrapper.iterdir() if p.is_dir() and not p.name.startswith(".")]
    beside = [p for p in wrapper.parent.iterdir() if p.is_dir() and p != wrapper]
    held = inside == [folder] or all(looks_like_mask_folder(p.name) or not names_labels(p.name) for p in inside)
    return held and not any(wrapper.name.startswith(f"{p.name}_") for p in beside)


def looks_like_masks(folder: Folder) -> bool:
    """Whether the first files of a folder look like label masks: few distinct values."""
    for path in folder.files[:_SNIFFED]:
        try:
            raw = read_raw_mask(path)
        except DataError:
            continue
        values = raw.reshape(-1, raw.shape[2]) if raw.ndim == 3 else raw.reshape(-1, 1)
        codes = values.astype(np.int64) @ (np.int64(1) << np.arange(0, 16 * values.shape[1], 16)).astype(np.int64)
        counts = np.sort(np.unique(codes, return_counts=True)[1])[::-1]
        if counts[:32].sum() < _MASK_SHARE * counts.sum():
            return False
    return True


def search_folders(
    root: Path,
    rules: tuple[KeyRule, ...] = KEY_RULES,
    images_name: str | None = None,
    masks_name: str | None = None,
    merge: bool = False,
    multilabel: bool = False,
) -> FolderSearch:
    """Find every image folder with its mask folder under `root`.

    Args:
        rules: key rules to pair files with (a `--mask-pattern` gives just one).
        merge: several masks of one image are read as one (`--merge-masks`; `match_folders`).
        multilabel: images' masks of several namings are a mask per class (`--task multilabel`;
            `pairing.namings_as_classes`), not a choice.
        images_name: only folders of this name (or relative path) hold images (`--images`), or
            the folders below it when it holds none itself.
        masks_name: only folders of this name (or relative path) hold masks (`--masks`), likewise.

    Raises:
        DataError: two folders could hold the masks of one image folder, or images match more
            than one mask each (`pairing.refuse_rival_namings`).
    """
    folders = walk(root, NAMED_DEPTH if images_name or masks_name else MAX_DEPTH)
    sniffed: dict[Path, bool] = {}

    def is_masks(folder: Folder) -> bool:
        if folder.path not in sniffed:
            sniffed[folder.path] = looks_like_masks(folder)
        return sniffed[folder.path]

    image_tops, mask_tops = named_tops(root, images_name, folders), named_tops(root, masks_name, folders)

    def chosen(folder: Folder, name: str | None, tops: list[Path]) -> bool:
        if name is None or folder.path == (root / name) or path_ends_with(folder.parts, name):
            return True
        return any(top in folder.path.parents for top in tops)

    search = FolderSearch(folders=folders)
    matches: dict[Path, FolderMatch] = {}
    named_images = images_name is None and any(f.named_image and f.files for f in folders)
    mask_like: set[Path] = set()  # folders of mask-like files beside named image folders: no images, no unlabelled
    for image in sorted(folders, key=lambda f: not f.named_image):  # a choice to ask is asked of images/ first
        if not image.files or (_holds_masks(image, is_masks) and images_name is None) \
                or not chosen(image, images_name, image_tops) or _shows_masks(image, images_name):
            continue
        if named_images and not image.named_image and not folder_names_a_band(image.path.name) \
                and is_masks(image):
            mask_like.add(image.path)  # Agriculture-Vision's boundaries/ beside images/rgb/: never the images
            continue
        candidates = _candidates(image, folders, root, rules, is_masks, lambda f: chosen(f, masks_name, mask_tops),
                                 masks_name is not None, merge, _same_below(image_tops, mask_tops))
        if len(candidates) > 1 and masks_name is None:
            candidates = _without_unlabelled(image, candidates, root)
        if len(candidates) > 1:
            candidates = _newest_version(image, candidates, root)
        if len(candidates) > 1 and (merge or multilabel) and _one_mask_wrapper(candidates):
            candidates = [combine_matches(candidates)]  # Montgomery's ManualMask/leftMask/ + rightMask/
        if len(candidates) > 1:
            raise _ambiguous(image, candidates, root)
        if candidates:
            matches[image.path] = candidates[0]
    used_masks = {d for m in matches.values() for d in (m.mask_dir, *m.more_mask_dirs)}
    for image in (f for f in folders if f.files and f.path not in used_masks):
        match = matches.get(image.path)
        if match is not None:
            search.matches.append(match)
            continue
        side_by_side = _in_one_file(image) or _side_by_side(image, root, rules, merge)
        if side_by_side is not None:
            search.matches.append(side_by_side)
        elif image.split in ("val", "test") and not image.named_mask and not _shows_masks(image, None) \
                and image.path not in mask_like:
            search.unlabelled += image.files
        else:
            search.ignored += image.files
    search.matches = _keep_consistent_splits(search.matches)
    search.matches = settle_rival_namings(search.matches, multilabel)
    mask_dirs = {d for m in search.matches for d in (m.mask_dir, *m.more_mask_dirs)}
    search.ignored += _other_files(sorted({root} | {m.image_dir for m in search.matches} | mask_dirs), mask_dirs)
    return search


def path_ends_with(parts: tuple[str, ...], name: str) -> bool:
    """Whether a folder's path (its `parts` under the dataset folder) ends with a --images or
    --masks value: a folder name, a path ending ('01_ST/SEG') or a pattern ('*_ST/SEG')."""
    pattern = Path(name).parts
    return len(parts) >= len(pattern) and all(map(fnmatchcase, parts[-len(pattern):], pattern))


def _holds_masks(folder: Folder, is_masks: Callable[[Folder], bool]) -> bool:
    """A mask folder by its own name, or by a wrapper's name when its files look like masks too:
    Vaihingen's photos in `top/` under `ISPRS_semantic_labeling_Vaihingen/` are images."""
    return looks_like_mask_folder(folder.path.name) or (folder.named_mask and is_masks(folder))


def named_tops(root: Path, name: str | None, folders: list[Folder]) -> list[Path]:
    """Folders that a --images/--masks value names and that hold no image files themselves but
    folders of them below (Cityscapes' `leftImg8bit/` over `train/aachen/`): everything below
    is what the user named, paired by place as the search pairs it."""
    if name is None:
        return []
    given = root / name
    if given.is_dir():
        return [] if list_images(given) else [given]
    named = Path(name).name
    tops = {root.joinpath(*f.parts[: i + 1]) for f in folders for i, part in enumerate(f.parts[:-1])
            if fnmatchcase(part, named)}
    return sorted(top for top in tops if not list_images(top))


def _other_files(folders: list[Path], masks: set[Path]) -> list[Path]:
    """Files that are not images in the dataset root and the paired folders (weights, .mat,
    notes), so that `seglab inspect` shows what it left out; known metadata is not listed, nor
    the `masks` folders' MATLAB masks."""
    found = []
    for folder in folders:
        read = MASK_SUFFIXES if folder in masks else IMAGE_SUFFIXES
        for path in sorted(folder.iterdir()):
            name = path.name.lower()
            metadata = name in METADATA_FILES or path.match(CLASS_DICT_GLOB) or name == CVAT_LABELMAP
            if path.is_file() and not name.startswith(".") and not metadata and not name.endswith(read):
                found.append(path)
    return found


def _candidates(
    image: Folder,
    folders: list[Folder],
    root: Path,
    rules: tuple[KeyRule, ...],
    is_masks: Callable[[Folder], bool],
    allowed: Callable[[Folder], bool],
    masks_named: bool = False,
    merge: bool = False,
    same_below: Callable[[Folder, Folder], bool] = lambda image, mask: False,
) -> list[FolderMatch]:
    """Mask folders for `image`, paired with it: named ones that fit its place, unnamed ones
    that pair well (`masks_named`: the `allowed` ones are the user's --masks; `same_below`: at
    one place below the folders --images and --masks name)."""
    found = []
    fallback = []
    deeper = []
    for mask in folders:
        # its own name, not a wrapper's: PH2's IMD002_lesion/ under 'PH2 Dataset images/' may hold masks
        if not allowed(mask) or (looks_like_image_folder(mask.path.name) and not mask.named_mask):
            continue
        if not (_related(image, mask, masks_named) or same_below(image, mask)):
            if _mirrored_at_other_depth(image, mask):
                match = match_folders(image.files, mask.files, image.path, mask.path, root, image.split, rules, merge)
                if len(match.pairs) >= 0.5 * min(len(image.files), len(mask.files)) and is_masks(mask):
                    deeper.append(match)
            continue
        if image.split and mask.split and image.split != mask.split:
            continue
        match = match_folders(image.files, mask.files, image.path, mask.path, root, image.split, rules, merge)
        paired = len(match.pairs)
        if mask.named_mask and paired:
            found.append(match)
        elif mask.named_mask and image.path.parent == mask.path.parent:
            fallback.append(match)  # `images/` + `masks/` that do not pair: say why
        elif paired and paired >= 0.5 * min(len(image.files), len(mask.files)) and is_masks(mask) and not is_masks(image):
            found.append(match)
    if not found and deeper:
        return deeper
    if not found and len(fallback) == 1 and (image.named_image or not image.parts):
        return fallback
    return found


def _same_below(image_tops: list[Path], mask_tops: list[Path]) -> Callable[[Folder, Folder], bool]:
    """Whether an image and a mask folder lie at one place below the folders --images and --masks
    name (REFUGE's `--images REFUGE-Training400/Training400 --masks Annotation-Training400/Disc_Cup_Masks`
    pairs `.../Training400/Glaucoma/` with `.../Disc_Cup_Masks/Glaucoma/`, two parts apart)."""
    def below(folder: Path, tops: list[Path]) -> tuple[str, ...] | None:
        top = next((t for t in tops if t in folder.parents), None)
        return folder.relative_to(top).parts if top is not None else None

    def same(image: Folder, mask: Folder) -> bool:
        place = below(image.path, image_tops)
        return place is not None and place == below(mask.path, mask_tops)

    return same


def _mirrored_at_other_depth(image: Folder, mask: Folder) -> bool:
    """BDD100K's `labels/sem_seg/masks/train/` for `images/10k/train/`: the same split folder ends
    both paths, below an image and a mask folder of different depths. Taken only when no mask
    folder sits where `_related` looks, so it never competes with one."""
    if len(image.parts) == len(mask.parts) or image.split is None or image.split != mask.split:
        return False
    if image.parts[-1] != mask.parts[-1] or image.parts[0] == mask.parts[0]:
        return False
    return image.named_image and mask.named_mask


def _own_name(mask_dir: Path, image_dir: Path, root: Path) -> str:
    """The names in `mask_dir`'s path that `image_dir`'s lacks: `masks` for `images/` + `masks/`,
    `labels/sem_seg/colormaps` for BDD100K's `images/10k/train/` + `labels/sem_seg/colormaps/train/`."""
    shared = set(image_dir.relative_to(root).parts)
    return "/".join(p for p in mask_dir.relative_to(root).parts if p not in shared) or mask_dir.name


_NO_CLASS_LABELS = ((_OBJECT_FOLDER, _CLASS_FOLDER, "object masks (numbered objects, not classes)"),
                    (_PICTURE_FOLDER, re.compile(""), "pictures of the masks (visualisations, overlays)"),
                    (_HUMAN_MASKS, _MACHINE_MASKS, "the masks coloured for people (Supervisely's masks_human)"))


def _shows_masks(image: Folder, images_name: str | None) -> bool:
    """Whether a folder of photos is named as pictures of the masks (REFUGE's
    `Disc_Cup_Fovea_Illustration/`: the outlines drawn on each photo), which paired with the
    masks would train on the answers drawn in; unless --images names it."""
    return images_name is None and any(_PICTURE_FOLDER.search(part) for part in image.parts)


def _without_unlabelled(image: Folder, candidates: list[FolderMatch], root: Path) -> list[FolderMatch]:
    """The candidates less the folders whose names say they hold no class labels, while others
    remain: object masks (VOC's and CVAT's `SegmentationObject/` beside `SegmentationClass/`,
    `instance/` beside `semantic/`), whose values number objects, when a folder named for classes
    remains; pictures of the masks (labelme2voc's `SegmentationClassVisualization/`); and
    Supervisely's `masks_human/` (classes in display colours) beside its `masks_machine/`."""
    own = {c.mask_dir: _own_name(c.mask_dir, image.path, root) for c in candidates}
    for pattern, wanted, what in _NO_CLASS_LABELS:
        aside = [c for c in candidates if pattern.search(own[c.mask_dir])]
        kept = [c for c in candidates if c not in aside]
        if aside and any(wanted.search(own[c.mask_dir]) for c in kept):
            logger.info("%s: %s hold%s %s; read with %s (--masks %s reads them)",
                        image.path.relative_to(root).as_posix() or ".",
                        ", ".join(folder_label(c.mask_dir, root) for c in aside), "" if len(aside) > 1 else "s",
                        what, ", ".join(folder_label(c.mask_dir, root) for c in kept), shlex.quote(own[aside[0].mask_dir]))
            candidates = kept
    return candidates


_BY_PRODUCTS = {"edge", "edges", "boundary", "boundaries", "contour", "contours", "outline", "outlines", "instance",
                "instances", "distance", "weights"}


def _ambiguous(image: Folder, candidates: list[FolderMatch], root: Path) -> DataError:
    rel = image.path.relative_to(root).as_posix() or "."
    listed = "".join(
        f"\n  {c.mask_dir.relative_to(root).as_posix()}/: {len(c.pairs)} pairs by {c.rule.name}" for c in candidates
    )
    labelled = sorted(candidates, key=lambda c: (not names_labels(c.mask_dir.name), not _names_ids(c.mask_dir.name),
                                                 not looks_like_mask_folder(c.mask_dir.name),
                                                 _names_a_by_product(c.mask_dir.name), c.mask_dir.name))
    names = {c.mask_dir.name for c in candidates}  # the example: a folder not named as a rendering (KITTI's semantic/)
    first = labelled[0].mask_dir
    flag = first.name if len(names) == len(candidates) else first.relative_to(root).as_posix()
    case = first.parent.name  # PH2's IMD002/IMD002_lesion/: one folder per case, named after it
    if flag == first.name and first.name.startswith(case) and len(first.name) > len(case):
        flag = f"*{first.name[len(case):]}"
    elif case.startswith(image.path.name + "_"):  # the Cell Tracking Challenge's 01_GT/SEG/ for 01/
        flag = f"*{case[len(image.path.name):]}/{first.name}"
    flag = shlex.quote(flag)  # as a shell takes it: NuInsSeg's 'mask binary', a pattern
    if all(mask.name.lower().startswith(_NUMBERED_CELLS) for _, _, mask in labelled[0].pairs):
        flag += " --instance-masks (its man_seg files number the cells: one foreground class)"
    parts = ("\nor, if each holds a part of the labels (a lung each, a class each), pass --merge-masks to read an "
             "image's masks of all of them as one (their union), or --task multilabel to read each folder as a class"
             ) if _one_mask_wrapper(candidates) else ""
    return DataError(
        f"'{root}': {len(candidates)} folders could hold the masks of '{rel}/' ({len(image.files)} images):{listed}\n"
        f"pass the one with the labels to train on, e.g. --masks {flag}{parts}"
    )


def _names_a_by_product(name: str) -> bool:
    """Whether a mask folder's name says it holds what is drawn from the labels (COD10K's
    `GT_Edge/` and `GT_Instance/` beside `GT_Object/`): offered after the others as the example."""
    return bool(_BY_PRODUCTS & set(words(name.lower())))


def _names_ids(name: str) -> bool:
    """Whether a mask folder's name says it holds ids (CIHP's `Category_ids/` beside its colour
    rendering `Categories/`): the label values themselves, the example a refusal offers first."""
    return bool({"id", "ids"} & set(words(name)))


def _newest_version(image: Folder, candidates: list[FolderMatch], root: Path) -> list[FolderMatch]:
    """The candidates of the newest labels release when they are one folder in several version
    folders (Mapillary Vistas' `v1.2/labels/` and `v2.0/labels/`), the others logged with the
    flag that reads them."""
    versions = [_VERSION.fullmatch(c.mask_dir.parent.name) for c in candidates]
    if None in versions or len({c.mask_dir.name for c in candidates}) != 1:
        return candidates
    newest = max(range(len(candidates)), key=lambda k: tuple(int(n) for n in re.findall(r"\d+", versions[k].group(0))))
    chosen = candidates[newest]
    others = [c for c in candidates if c is not chosen]
    logger.info("%s: the labels of %s read, the newest release (%s: --masks %s)",
                image.path.relative_to(root).as_posix() or ".", folder_label(chosen.mask_dir, root),
                ", ".join(folder_label(c.mask_dir, root) for c in others),
                f"{others[0].mask_dir.parent.name}/{others[0].mask_dir.name}")
    return [chosen]


def _one_mask_wrapper(candidates: list[FolderMatch]) -> bool:
    """Whether the mask folders all lie in one folder named for masks (the Montgomery set's
    `ManualMask/leftMask/` and `ManualMask/rightMask/`), none named as a rendering (SYNTHIA's
    `GT/COLOR/`): parts of one labelling, not rivals."""
    wrappers = {c.mask_dir.parent for c in candidates}
    return len(wrappers) == 1 and looks_like_mask_folder(next(iter(wrappers)).name) \
        and all(names_labels(c.mask_dir.name) for c in candidates)


def _in_one_file(folder: Folder) -> FolderMatch | None:
    """A folder of .npz or HDF5 files that each hold an image and a mask array: TransUNet's
    Synapse `train_npz/case0005_slice000.npz`, SSL4MIS' ACDC `slices/patient001_frame01_slice_1.h5`
    (`image`, `label`). Two files are opened to tell."""
    archives = [p for p in folder.files if p.suffix.lower() in (".npz", *HDF5_SUFFIXES)]
    if len(archives) < 0.5 * len(folder.files) or not all(holds_image_and_mask(p) for p in archives[:_SNIFFED]):
        return None
    return FolderMatch(folder.path, folder.path, folder.split, IN_ONE_FILE, [(stem(p), p, p) for p in archives])


def _side_by_side(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool) -> FolderMatch | None:
    """Images and masks in one folder: `a.png` + `a_mask.png`, `a_img.png` + `a_masks.png`,
    `a.jpg` + `a_1stHO.png` (named after an image, holding masks), or `a.jpg` + `a.png`."""
    affixed, plain = [], []
    for path in folder.files:  # one pass: a folder of side-by-side pairs can hold thousands
        (affixed if strip_affixes(stem(path)) != stem(path).lower() else plain).append(path)
    if affixed and not plain:  # both named: Cellpose's `000_img.png` + `000_masks.png`
        plain = [p for p in affixed if image_affixed(stem(p))]
        affixed = [p for p in affixed if not image_affixed(stem(p))]
    if affixed and plain:
        match = match_folders(plain, affixed, folder.path, folder.path, root, folder.split, rules, merge)
        if len(match.pairs) >= 0.5 * min(len(plain), len(affixed)):
            return match
    stems = {stem(p).lower() for p in folder.files}
    derived, others = [], []
    for path in folder.files:
        (derived if named_after(stem(path), stems) is not None else others).append(path)
    if derived and others and looks_like_masks(replace(folder, files=derived)) \
            and not looks_like_masks(replace(folder, files=others)):
        match = match_folders(others, derived, folder.path, folder.path, root, folder.split, rules, merge)
        if len(match.pairs) >= 0.5 * min(len(others), len(derived)):
            return match
    by_suffix: dict[str, list[Path]] = {}
    for path in folder.files:
        by_suffix.setdefault(path.suffix.lower(), []).append(path)
    if len(by_suffix) != 2:
        return None
    first, second = by_suffix.values()
    for images, masks in ((first, second), (second, first)):
        if looks_like_masks(replace(folder, files=masks)) and not looks_like_masks(replace(folder, files=images)):
            match = match_folders(images, masks, folder.path, folder.path, root, folder.split, rules, merge)
            if len(match.pairs) >= 0.5 * min(len(images), len(masks)):
                return match
    return None


def _keep_consistent_splits(matches: list[FolderMatch]) -> list[FolderMatch]:
    """Keep the folders' split labels only when they may split the dataset (`usable_splits`)."""
    if not usable_splits(m.split for m in matches):
        for match in matches:
            match.split = None
    return matches
