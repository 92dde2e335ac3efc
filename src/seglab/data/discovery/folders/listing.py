"""Listing a dataset folder: the folders holding image files, a few levels down.

Within `one_listing` each tree is listed once, however many formats look at it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from seglab.data.files.folder_listing import entries, listing, once_per_listing, skipped_folder, subfolders
from seglab.data.files.index import list_images
from seglab.data.files.point_text import POINT_TEXT
from seglab.data.discovery.naming import looks_like_image_folder, looks_like_mask_folder, role_name
from seglab.data.discovery.naming.split_words import sibling_splits

logger = logging.getLogger(__name__)

MAX_DEPTH = 4  # root/wrapper/leftImg8bit/train/city
NAMED_DEPTH = MAX_DEPTH + 3  # when --images/--masks name the folders: Virtual KITTI 2's Scene01/clone/frames/rgb/Camera_0
_MAX_FOLDERS = 20_000  # a dataset folder is not a whole disk; VSPW holds 10,609 with its video folders
_MAX_ENDINGS_FOLDERS = 5 * _MAX_FOLDERS  # `_endings_below` lists names alone, no image, so it may go further
METADATA_FILES = ("classes.json", "dataset.json", "synthetic.json", "splits.json")
ANNOTATION_SUFFIXES = (".json", ".geojson", ".gpkg", ".shp", ".xml", ".svg")  # annotation files kept per image or layer
EXPORT_SUFFIXES = (".jsonl", ".manifest")  # a labelling service's export, a JSON object a line (Vertex AI, SageMaker)
PICKLE_SUFFIXES = (".pkl", ".pickle")  # never loaded (unpickling runs the code it names), only named
# a training run's output folder: model weights beside the run's records (detectron2's `output/`:
# model_final.pth, last_checkpoint, metrics.json; MMSegmentation's work_dirs: epoch_*.pth, last_checkpoint)
_WEIGHTS = (".pth", ".pt", ".ckpt", ".safetensors")
_RUN_RECORDS = ("metrics.json", "last_checkpoint", "history.csv", "results.csv", "hparams.yaml", "train.log")
_EVENTS = "events.out.tfevents."  # TensorBoard's event files
_KIND = re.compile(r"[a-z][a-z0-9_]{0,9}")  # a part of a file kind's suffix: `json`, `nii`, `gz`


@dataclass(frozen=True)
class SideFiles:
    """The annotation files, exports and pickles under a folder, as `folders_within` lists it (`side_files`).

    Args:
        held: each folder holding some, its place in the listing (1: the folder itself), and
            their names, sorted.
        listed: how many folders the listing holds.
    """

    held: list[tuple[int, Path, list[str]]]
    listed: int

    def first_folders(self, root: Path, looking_for: str) -> list[tuple[Path, list[str]]]:
        """The folders holding some among the first `_MAX_FOLDERS` listed, as `capped_folders`
        gives them, with its warning where the listing went on."""
        if self.listed > _MAX_FOLDERS:
            _stopped(looking_for, root)
        return [(folder, names) for place, folder, names in self.held if place <= _MAX_FOLDERS]


@dataclass
class Folder:
    """A folder holding image files, and what its name and path say about it."""

    path: Path
    files: list[Path]
    split: str | None
    named_mask: bool
    named_image: bool
    parts: tuple[str, ...]  # path relative to the dataset root


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


def json_listing(root: Path, depth: int, suffixes: tuple[str, ...] = ANNOTATION_SUFFIXES) -> list[tuple[Path, list[str]]]:
    """Folders under `root` (itself included, `depth` levels down at most, links followed) that
    hold JSON, GeoJSON, GeoPackage, shapefiles, XML or SVG besides seglab's own (or files of other
    `suffixes` `side_files` lists: `EXPORT_SUFFIXES`), with those files' names, sorted: where the
    annotation formats that keep a file per image or layer look (V7 Darwin, LabelMe, GeoJSON,
    ImageScope) and labelling services' exports lie (Vertex AI's `export/data-<name>-<time>/`), of
    the `side_files` listed once per tree within `one_listing`."""
    found = []
    for _, folder, files in side_files(root, depth).held:
        jsons = [f for f in files if f.lower().endswith(suffixes) and f.lower() not in METADATA_FILES]
        if jsons:
            found.append((folder, jsons))
    return found


def text_listing(root: Path, depth: int) -> list[tuple[Path, list[str]]]:
    """Folders under `root` (itself included, `depth` levels down at most) that hold text files,
    with those files' names, sorted: where outlines shipped as text files of points are looked for
    (contour-text) and named when no layout reads them, listed once per tree within `one_listing`,
    `_MAX_FOLDERS` folders at most."""
    return _listed(("text", Path(root), depth), lambda: _text_folders(root, depth))


def _listed(key: tuple[str, Path, int], listing: Callable[[], list]) -> list:
    return list(once_per_listing(key, listing))


def _run_folder(folder: Path, files: Iterable[str]) -> bool:
    """Whether a folder below the dataset folder holds a training run's outputs, by its files'
    names: model weights beside a record of the run (`_RUN_RECORDS`, TensorBoard events). Its
    images are plots and predictions, its JSON files evaluation caches (detectron2's
    `balloon_val_coco_format.json`), none of them data: the listings pass it over, said once."""
    names = [name.lower() for name in files]
    if not (any(name.endswith(_WEIGHTS) for name in names)
            and any(name in _RUN_RECORDS or name.startswith(_EVENTS) for name in names)):
        return False
    once_per_listing(("run-outputs", folder), lambda: logger.info(
        "'%s' holds a training run's outputs (model weights beside the run's records): not data, set aside",
        folder))
    return True


def visible_folders(root: Path) -> list[Path]:
    """The folders in `root` that may be listed (`subfolders`), in name order, none skipped (`skipped_folder`)."""
    return [p for p in subfolders(root) if not skipped_folder(p.name)]


def data_folders(root: Path) -> list[Path]:
    """The folders in `root` that may hold data, in name order: those `visible_folders` gives, none
    a run's outputs, none a link back to `root` or above it (a loop, whose folders are these);
    listed once per listing, however many formats ask."""
    return list(once_per_listing(("data-folders", root), lambda: [  # root as given: Path(root) reads every name again
        p for p in visible_folders(root) if not _loops_back(p) and not _run_folder(p, [q.name for q in entries(p)])]))


def _loops_back(folder: Path) -> bool:
    """Whether `folder` is a link to the folder holding it or to one above that."""
    return folder.is_symlink() and Path(os.path.realpath(folder.parent)).is_relative_to(os.path.realpath(folder))


def lone_data_folder(root: Path, holds_data: Callable[[Path], bool]) -> Path | None:
    """The one folder in `root` that `holds_data`, the others never data or holding none: the
    folder a download wraps the dataset in, beside a Mac archive's `__MACOSX/`, Colab's
    `sample_data/`, a run's output folder or a download of no images (torchvision's
    `data/oxford-iiit-pet/` beside `data/FashionMNIST/raw/`); a lone folder whatever it holds."""
    below = data_folders(root)
    holding = [p for p in below if holds_data(p)] if len(below) > 1 else below
    return holding[0] if len(holding) == 1 else None


def holds_images(root: Path, folder: Path) -> bool:
    """Whether `folder`, in `root`, holds image files at the levels `walk` lists."""
    return folder in _image_holders(root)


def _image_holders(root: Path) -> set[Path]:
    """The folders of `walk(root)` with image files and every folder holding one, found once per
    listing: `lone_data_folder` asks `holds_images` of each folder in `root`, and each asking went
    through the listing to its folder (3,000 folders of images in DATA: 135 s an asking of all)."""
    def holders() -> set[Path]:
        held: set[Path] = set()
        for listed in walk(root):
            for folder in chain([listed.path], listed.path.parents) if listed.files else ():
                if folder in held:  # and every folder holding it
                    break
                held.add(folder)
        return held
    return once_per_listing(("image-holders", root), holders)


def may_hold_files(root: Path, folder: Path, suffix: str) -> bool:
    """Whether files named `*<suffix>` may lie in `folder` or below it, `folder` in `root`: told
    from one walk of `root` per listing (`_endings_below`), any case, not by listing `folder` again
    for each kind of file asked of it. True where that walk did not list the folder's tree whole
    (a link to a folder listed already, a folder that cannot be listed, one past
    `_MAX_ENDINGS_FOLDERS`), or for a suffix of more than the two parts kept (`_endings`)."""
    asked = _endings(suffix)
    if not asked or asked[-1] != suffix.lower():
        return True
    endings = _endings_below(root).get(os.path.normpath(folder))
    return endings is None or asked[-1] in endings


def _endings(name: str) -> list[str]:
    """The ends of a file name (or of a suffix: `.jsonl.gz`) from its last dot and from the one
    before, lower case, each part a kind of file's (`_KIND`): `.gz` and `.nii.gz`; never the
    numbers a DICOM file's name ends in (`1.2.840.113619.2.55.3`)."""
    parts = name.lower().split(".")[1:]
    ends: list[str] = []
    for k in (1, 2):
        if len(parts) < k or not _KIND.fullmatch(parts[-k]):
            break
        ends.append("." + ".".join(parts[-k:]))
    return ends


def _endings_below(root: Path) -> dict[str, frozenset[str] | None]:
    """The endings (`_endings`) of the files in each folder of `root`'s tree or below it, by the
    folder's normalised path; None for a folder whose tree `walk_once` did not list whole. Once
    per listing."""
    def endings() -> dict[str, frozenset[str] | None]:
        listed = []
        for visited, (folder, below_names, files) in enumerate(walk_once(root), start=1):
            if visited > _MAX_ENDINGS_FOLDERS:
                break
            own = frozenset(ending for name in files for ending in _endings(name))
            listed.append((os.path.normpath(folder), below_names, own))
        below: dict[str, frozenset[str] | None] = {}
        alike: dict[frozenset[str], frozenset[str]] = {}  # one set for the folders holding the same endings
        for folder, below_names, own in reversed(listed):  # a folder's subfolders were listed after it
            held = [below.get(os.path.normpath(os.path.join(folder, name))) for name in below_names]
            whole = [found for found in held if found is not None]
            union = own.union(*whole)
            below[folder] = alike.setdefault(union, union) if len(whole) == len(held) else None
        return below
    return once_per_listing(("endings-below", root), endings)


def walk_once(root: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk` of `root` into linked folders too, each real folder once: a project's `images/`
    linked to a photo archive elsewhere is walked, a link back up the tree (a loop) or to a folder
    walked already (`releases/latest` beside the version it names) is not. Prune the subfolders in
    place, as for `os.walk`; of two ways to one folder the first in walk order is kept. The folders
    to walk are kept on a list, not in os.walk's recursion, which Python 3.11 ends in RecursionError
    near a thousand levels down (a chain of folders each wrapping the next); a folder that cannot be
    listed (no permission: said once, `passed_over`; removed since its parent was) is passed over.
    Within `one_listing` each folder is read once (`_read_folder`), however many walks pass it."""
    seen: set[tuple[int, int]] = set()
    waiting = [os.fspath(root)]
    while waiting:
        folder = waiting.pop()
        read = once_per_listing(("folder", folder), lambda: _read_folder(folder))
        if read is None or read.identity in seen:
            continue
        seen.add(read.identity)
        inside = list(read.folders)  # the caller's to prune
        yield folder, inside, list(read.files)
        waiting.extend(os.path.join(folder, name) for name in reversed(inside))  # the first walked first


@dataclass(frozen=True)
class _ReadFolder:
    """One folder as `walk_once` reads it: which folder it is (device, inode: a link to it is the
    same) and the names of the folders (links to folders too) and of the files it holds."""

    identity: tuple[int, int]
    folders: tuple[str, ...]
    files: tuple[str, ...]


def _read_folder(folder: str) -> _ReadFolder | None:
    """`folder` read (`_ReadFolder`) from its one `listing`, which readers of its files share; None
    where it cannot be, said once if for want of permission (the listing is then empty)."""
    try:
        status = os.stat(folder)
        listed = listing(folder)
    except OSError:
        return None
    if not listed.readable:
        return None
    names = [p.name for p in listed.paths]
    return _ReadFolder((status.st_dev, status.st_ino), tuple(n for n in names if n in listed.folders),
                       tuple(n for n in names if n not in listed.folders))


def folders_within(root: Path, depth: int) -> Iterator[tuple[Path, list[str], list[str]]]:
    """`walk_once` of `root` down to `depth` levels below it: each folder, its subfolders (hidden
    ones skipped, in name order; none at the last level) and its file names; a run's output
    folder below `root` is passed over (`_run_folder`)."""
    for folder, inside, files in walk_once(root):
        below = len(Path(folder).relative_to(root).parts)
        if below and _run_folder(Path(folder), files):
            inside[:] = []
            continue
        inside[:] = sorted(d for d in inside if not d.startswith(".")) if below < depth else []
        yield Path(folder), inside, files


def side_files(root: Path, depth: int) -> SideFiles:
    """The annotation files, labelling services' exports and pickles under `root` (itself included, `depth` levels down at most,
    links followed: `folders_within`): where the annotation formats that keep a file per image or
    layer look (`json_listing`) and split files shipped as pickles are named
    (`splitting.pickled_splits`), listed once per tree within `one_listing`."""
    return once_per_listing(("side-files", Path(root), depth), lambda: _side_files(root, depth))


def _side_files(root: Path, depth: int) -> SideFiles:
    held = []
    listed = 0
    for listed, (folder, _, files) in enumerate(folders_within(root, depth), start=1):
        names = sorted(f for f in files if f.lower().endswith((*ANNOTATION_SUFFIXES, *EXPORT_SUFFIXES, *PICKLE_SUFFIXES)))
        if names:
            held.append((listed, folder, names))
    return SideFiles(held, listed)


def capped_folders(root: Path, depth: int, looking_for: str) -> Iterator[tuple[Path, list[str], list[str]]]:
    """`folders_within`, `_MAX_FOLDERS` folders at most, as `walk` lists: a dataset folder is not a
    whole disk; a warning says what was being looked for (`looking_for`) where it stops."""
    for visited, found in enumerate(folders_within(root, depth), start=1):
        if visited > _MAX_FOLDERS:
            _stopped(looking_for, root)
            return
        yield found


def _stopped(looking_for: str, root: Path) -> None:
    logger.warning("stopped looking for %s after %d folders under '%s'", looking_for, _MAX_FOLDERS, root)


def _text_folders(root: Path, depth: int) -> list[tuple[Path, list[str]]]:
    found = []
    for folder, _, files in capped_folders(root, depth, "text files"):
        texts = sorted(f for f in files if f.lower().endswith(POINT_TEXT))
        if texts:
            found.append((folder, texts))
    return found


def _walk(root: Path, max_depth: int) -> tuple[list[Folder], list[Path]]:
    """The folders with image files (or named for masks), and the subfolders left unsearched below
    `max_depth`; folders each the only one in its parent from `root` down, beyond the first, are
    wrappers that do not count (UECFoodPix Complete's `UECFOODPIXCOMPLETE/data/UECFoodPIXCOMPLETE/`).
    A run's output folder below `root` is passed over (`_run_folder`). What a folder's path says
    (its split, what its names say it holds) is carried down from the folder holding it, never
    read again from every name above: a chain of folders 1,000 deep took a million name tests."""
    found: list[Folder] = []
    cut: list[Path] = []
    reached = {Path(root): _Reached(None, (), (False, False), 0, True)}
    visited = 0
    for current, dirs, files in walk_once(root):
        here = Path(current)
        at = reached.pop(here)
        parts = here.relative_to(root).parts
        if parts and _run_folder(here, files):  # its plots and predictions are no images of the dataset
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not skipped_folder(d))
        own = _name_says(parts[-1]) if parts else None
        folder = _folder(here, parts, at.split, at.siblings, own, at.above)
        unbroken = at.unbroken and len(dirs) == 1 and not folder.files
        named = sibling_splits(dirs)  # among its siblings: DIS5K's DIS-TE1 beside DIS-TR
        reached.update((here / d, _Reached(named[d] or at.split, tuple(dirs), own or at.above, at.lone + unbroken,
                                           unbroken)) for d in dirs)
        if len(parts) - max(at.lone - 1, 0) >= max_depth:  # MAX_DEPTH counts one wrapper already
            cut += [here / d for d in dirs]
            dirs[:] = []
        visited += 1
        if visited > _MAX_FOLDERS:
            logger.warning("stopped looking for images after %d folders under '%s'", _MAX_FOLDERS, root)
            break
        if folder.files or (own is not None and own[0]):  # an empty masks/ still explains itself
            found.append(folder)
    return found, cut


@dataclass(frozen=True)
class _Reached:
    """What `_walk` carries down to a folder from the folder holding it.

    Args:
        split: the split its path names, the nearest name first.
        siblings: the names of its parent's subfolders, its own among them.
        above: (masks, images) as the nearest name above it saying either says.
        lone: how many folders atop its path are each the only one in their parent.
        unbroken: whether its path is still only such lone folders.
    """

    split: str | None
    siblings: tuple[str, ...]
    above: tuple[bool, bool]
    lone: int
    unbroken: bool


def _name_says(name: str) -> tuple[bool, bool] | None:
    """(masks, images) as a folder's name says (`looks_like_mask_folder`, `looks_like_image_folder`);
    None when it says neither."""
    mask, image = looks_like_mask_folder(name), looks_like_image_folder(name)
    return (mask, image) if mask or image else None


def _folder(path: Path, parts: tuple[str, ...], split: str | None, siblings: tuple[str, ...],
            named: tuple[bool, bool] | None, above: tuple[bool, bool]) -> Folder:
    """The folder at `parts` below the dataset root. The deepest name that says images or masks
    decides: its own (`named`, what `_name_says` of it says), less the words its siblings share
    (SIGNATE's seg_train_images/ beside seg_train_annotations/: `role_name`), else `above`, what the
    nearest name above saying either says (carried down the walk): gtFine/train/aachen holds masks,
    Kvasir-SEG/images images (whatever the wrapper folder is called)."""
    own = named
    if parts and (role := role_name(parts[-1], siblings)) != parts[-1]:
        own = _name_says(role)  # the name less the words its siblings share says otherwise
    mask, image = own or above
    if own and image and len(parts) > 1 and looks_like_mask_folder(parts[-2]):
        mask, image = True, False  # iSAID's train/Semantic_masks/images/: masks if its files agree
    return Folder(path, list_images(path, masks=mask), split, mask, image, parts)
