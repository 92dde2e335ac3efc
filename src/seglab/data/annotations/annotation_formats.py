"""The base of the layouts whose labels are annotation files beside the images, painted into
masks (COCO, CVAT, Label Studio and VIA files; LabelMe's and Supervisely's file per image; YOLO
label folders): finding them once per folder, stepping aside when mask files are shipped too,
and remembering what a read found (`index_memo`)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, ClassVar

from seglab._version import __version__
from seglab.data.classes.json_text import json_value
from seglab.data.files.folder_listing import files_in, matching, once_per_listing, subfolders
from seglab.data.files.folders_above import folders_above
from seglab.data.files.staging import cache_folder
from seglab.data.classes import ClassSpec
from seglab.data.classes.text_files import SNIFFED_BYTES, file_head, open_regular, regular_text
from seglab.data.layouts.folder_pairs import unique_names
from seglab.data.discovery.folders import (
    METADATA_FILES,
    NAMED_DEPTH,
    Folder,
    data_folders,
    deeper_image_folders,
    holds_images,
    json_listing,
    lone_data_folder,
    looks_unlike_masks,
    may_hold_files,
    ships_mask_files,
    walk,
)
from seglab.data.layouts.formats import DatasetFormat, ReadOptions
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.annotations.annotated_images import deeper_images
from seglab.data.annotations.index_memo import remembered
from seglab.data.files.file_version import versions
from seglab.data.discovery.naming import folder_split, looks_like_mask_folder, stem, usable_splits
from seglab.data.discovery.pairing import folder_label
from seglab.data.splitting.split_lists import apply_split_lists, read_split_lists
from seglab.data.splitting.split_tables import pair_table_splits
from seglab.data.annotations.painted_masks import ImageObjects, painted, painted_mapping, painted_pair
from seglab.errors import DataError

# the annotation formats' shared helpers; file_head and SNIFFED_BYTES from classes.text_files, which the class
# tables that sniff a file's head (cvat_labels) can import too
__all__ = [
    "SNIFFED_BYTES", "AnnotationBesideImages", "AnnotationFileFormat", "AnnotationFilesFormat", "AnnotationJsonFolders",
    "file_head", "file_mentions", "json_folders", "load_json", "load_json_once", "one_folder", "project_file",
    "refuse_boxes_only", "relative_names", "told_json", "top_annotation_files",
]

log = logging.getLogger(__name__)

_MOST_ANNOTATION_FILES = 20  # more in one folder are one per image (LabelMe's, Pascal VOC's Annotations/)
_ANNOTATION_FOLDER_DEPTH = 3  # ARCADE's <task>/<split>/annotations/<split>.json
_PIECE = 1 << 20  # what `file_mentions` reads at a time


def file_mentions(path: Path, texts: Sequence[str]) -> bool:
    """Whether a file holds any of `texts` (one at least; False when it cannot be read), read a
    megabyte at a time: COCO's 450 MB of training JSON is never held whole."""
    wanted = [t.encode() for t in texts]
    overlap = max(len(w) for w in wanted) - 1
    tail = b""
    try:
        with open_regular(path) as file:
            while piece := file.read(_PIECE):
                window = tail + piece
                if any(w in window for w in wanted):
                    return True
                tail = window[max(len(window) - overlap, 0):]
    except OSError:
        return False
    return False


def load_json(path: Path, what: str) -> Any:
    """A JSON file's value.

    Raises:
        DataError: unreadable, not UTF-8, not JSON, or nested too deeply for the parser (a
            RecursionError), naming `what` and the file.
    """
    try:
        return json_value(regular_text(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise DataError(f"{what} '{path}' cannot be read as JSON: {err}") from None


def load_json_once(path: Path, what: str) -> Any:
    """`load_json`, parsed once per version of the file (its size and modification time) within
    `one_listing`: a format that tells its files from their content, then reads them (ISAT's
    `info` and `objects`), parses each once. The callers share the value: read it, never change it."""
    version = versions([path])
    if not version:  # gone: `load_json` names the problem
        return load_json(path, what)
    return once_per_listing(("json", *version[0]), lambda: load_json(path, what))


def told_json(path: Path, what: str, load: Callable[[Path, str], Any] = load_json) -> Any:
    """The JSON of a file read to tell its kind, by `load` (`load_json`, or `load_json_once` for a
    file read again once told), None where it holds none. An object that repeats a key keeps its
    last value here, as `json.loads` reads it: a corrupt export is told as of its kind, and its
    reading refuses it naming the key, where passed over it left a folder of no known layout."""
    try:
        return load(path, what)
    except DataError:
        pass
    try:
        return json.loads(regular_text(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None


def top_annotation_files(root: Path, suffix: str, looks_right: Callable[[Path], bool]) -> list[Path]:
    """The annotation files of a dataset kept in one or a few files (COCO JSON, CVAT XML, Label
    Studio exports): `root` itself, or the files of `suffix` in `root`, the folders just below
    it, those below an `annotations/` folder (LIVECell's `annotations/LIVECell/`) and the
    `annotations/` folders three levels down at most (ARCADE's `syntax/train/annotations/`) that
    `looks_right`, naturally sorted; a folder holding more than a few is not opened (one file
    per image), nor are seglab's own metadata files, nor a run's outputs (detectron2's evaluation
    cache `output/balloon_val_coco_format.json`). A `root` holding no such file and one folder of
    images or such files is looked into (the folder a zip wraps the dataset in: ModaNet/; the
    unzipped `balloon/` beside Colab's `sample_data/` and `__MACOSX/`: `lone_data_folder`)."""
    if root.is_file():
        return [root] if looks_right(root) else []
    return _top_files(root, suffix, looks_right, root)


def _top_files(root: Path, suffix: str, looks_right: Callable[[Path], bool], top: Path) -> list[Path]:
    """`top_annotation_files` of the folder `root`, in (or at) the folder `top` first asked of."""
    while (wrapped := _wrapped_folder(root, suffix, looks_right, top)) is not None:  # a loop: a chain 1,000 deep
        root = wrapped
    below = data_folders(root)
    below += [p for folder in below if _annotation_folder(folder) for p in subfolders(folder)
              if not p.name.startswith(".")]
    below += [folder for folder, _ in json_listing(root, _ANNOTATION_FOLDER_DEPTH)
              if _annotation_folder(folder) and folder.parent != root]
    candidates = []
    for folder in (root, *below):
        files = [p for p in matching(folder, f"*{suffix}") if p.name.lower() not in METADATA_FILES]
        candidates += files if len(files) <= _MOST_ANNOTATION_FILES else []
    return sorted((p for p in candidates if looks_right(p)), key=lambda p: natural_key(str(p)))


def _wrapped_folder(root: Path, suffix: str, looks_right: Callable[[Path], bool], top: Path) -> Path | None:
    """The folder `root` wraps the dataset in (`top_annotation_files`); None where `root` holds
    files of `suffix` itself, or no one folder of images or such files. A folder is looked into
    for such files only when the one walk of `top` says it may hold some (`may_hold_files`): the
    formats' nine searches each looked into every folder of a tree without images (20,000 case
    folders: 180,027 looks, 103 s of inspect's 176 s under cProfile)."""
    if matching(root, f"*{suffix}"):
        return None
    return lone_data_folder(root, lambda folder: holds_images(root, folder) or (
        may_hold_files(top, folder, suffix) and bool(_top_files(folder, suffix, looks_right, top))))


def _annotation_folder(folder: Path) -> bool:
    return folder.name.lower().startswith("annotation")


def _annotations_beside_splits(folder: Path) -> bool:
    """Whether `folder` holds files alone, no image among them, beside a folder named for a split:
    annotation files whose images lie in the split folders (USIS10K's `multi_class_annotations/`)."""
    try:
        held = list(folder.iterdir())
        beside = [p.name for p in folder.parent.iterdir() if p.is_dir() and p != folder]
    except OSError:
        return False
    return all(p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES for p in held) \
        and any(folder_split(name) for name in beside)


def json_folders(root: Path, looks_right: Callable[[Path], bool], depth: int = 4,
                 suffixes: tuple[str, ...] = (".json",)) -> list[Path]:
    """The folders under `root`, `depth` levels down at most, whose first two files of
    `suffixes` (by name) `looks_right`: where a tool keeps a JSON file per image away from the
    images (V7's `releases/latest/annotations/`, LabelMe files moved to `annotations/`)."""
    listed = [(folder, [f for f in files if f.lower().endswith(suffixes)]) for folder, files in json_listing(root, depth)]
    return [folder for folder, files in listed if files and all(looks_right(folder / f) for f in files[:2])]


class AnnotationFilesFormat(DatasetFormat):
    """A layout whose labels are annotation files beside the images (COCO JSON, YOLO labels,
    LabelMe), painted into masks: `find` lists what it reads from the dataset's folders, once per
    root for `detect` and `index`; `read` reads it, and `index` remembers what it read
    (`index_memo`) until an annotation file, an image or an option changes. It steps aside for
    folder-pairs when the dataset ships mask files too (COCO-Stuff's label maps, labelme2voc's
    output)."""

    priority = -1  # before folder-pairs, which would find the images alone
    cache_name: ClassVar[str] = ""  # its folder in the cache: painted masks and remembered indexes

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, tuple[Any, bool]] = {}

    def find(self, root: Path, folders: list[Folder]) -> Any:
        """What the layout reads under `root` (DATA, a folder or a file), empty when it is not there."""
        raise NotImplementedError

    def sources(self, root: Path, found: Any) -> list[Path]:
        """The annotation files `read` reads (beside the image listing and the files at the
        dataset folder's top, which every key holds)."""
        raise NotImplementedError

    @staticmethod
    def dataset_folder(root: Path) -> Path:
        """Where the images are looked for: DATA, or the folder of DATA a file."""
        return root if root.is_dir() else root.parent

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        """Read the annotations and paint them (`index` without the memo)."""
        raise NotImplementedError

    def cache_folder(self) -> Path:
        return cache_folder(self.options.cache_dir, self.cache_name)

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        folder = self.dataset_folder(root)  # the images of a file above its annotations/ folder too
        top = files_in(folder)
        # the images `located_images` finds: deeper than the walk where it cut folders off too
        images = [f for listed in walk(folder) for f in listed.files] + deeper_images(folder)
        options = {k: v for k, v in asdict(self.options).items() if k != "cache_dir"}
        reader = Path(sys.modules[type(self).__module__].__file__ or "")  # an edited reader reads afresh
        read = sorted({*self.sources(root, self.found(root)), *top, *images})  # each file stat'ed once
        facts = [__version__, versions([reader]), self.cache_name, str(root.absolute()), options,
                 classes.to_dict() if classes else None, versions(read)]
        index = remembered(self.cache_folder(), facts, lambda: self.read(root, classes))
        return index if any(p.split for p in index.pairs) else _listed(index, self.sources(root, self.found(root)))

    def painted_pairs(self, images: Sequence[ImageObjects], sources: Sequence[Path], overlap: str, spec: ClassSpec,
                      base: Path, name: str, split_of: Mapping[Path, str | None]) -> tuple[list[Pair], list[Problem]]:
        """Paint `images` once (`painted_masks.painted`; a mask per class under --task
        multilabel), and pair each with its masks, named by its stem, in the split `split_of`
        gives its image when those splits may split the pairs (`usable_splits`); with the
        painting's findings (overlaps, unreadable images)."""
        channels = len(spec.names) if self.options.multilabel else None
        masks, problems = painted(images, sources, overlap, spec.colours, base, self.cache_folder(), name, channels)
        shown = [i.image for i in images if i.image in masks]
        usable = usable_splits(split_of.get(image) for image in shown)
        pairs = [painted_pair(stem(image), image, masks[image], split_of.get(image) if usable else None)
                 for image in shown]
        return unique_names(pairs, base), problems

    def indexed(self, base: Path, pairs: list[Pair], spec: ClassSpec, problems: list[Problem], line: str,
                unlabelled: Sequence[Path] = (), label_folders: Mapping[Path, Path] | None = None,
                ignored: Sequence[Path] = ()) -> DatasetIndex:
        """The index of what `read` found, its `line` logged and kept for `seglab inspect`, with
        the folder of each image's annotation file where each has its own (`label_folders`) and
        the annotation files set aside (`ignored`)."""
        log.info("%s: %s", base, line)
        channels = len(spec.names) if self.options.multilabel else None
        return DatasetIndex(base, self.cache_name, pairs, list(unlabelled), spec, painted_mapping(channels), problems,
                            pairing=[line], ignored=list(ignored), label_folders=dict(label_folders or {}))

    def found(self, root: Path) -> Any:
        return self._search(root)[0]

    def detect(self, root: Path) -> bool:
        """Whether the layout is there and its annotations are the labels: the mask files a
        dataset ships beside them are, unless --masks named the annotations' folder (SpaceNet 7's
        `labels_match_pix/` beside its cloud masks `UDM_masks/` and `images_masked/`). A folder
        the annotations name the files of (`names_images`) holds their images, whatever its name."""
        found, masks = self._search(root)
        return bool(found) and (not masks or self.options.masks is not None)

    def names_images(self, root: Path, found: Any, folder: Folder) -> bool:
        """Whether what `find` found names `folder`'s files as the images it annotates."""
        return False

    def _search(self, root: Path) -> tuple[Any, bool]:
        if root not in self._found:
            folders = walk(root) if root.is_dir() else []
            found = self.find(root, folders)
            # mask files deeper than the search too (MUSES' wrapped gt_semantic/<split>/<condition>/<time>/)
            shipped = walk(root, NAMED_DEPTH) if found and root.is_dir() and deeper_image_folders(root) else folders
            # a generator: the search stops at the first mask folder, before reading annotations for the rest
            self._found[root] = found, ships_mask_files(f for f in shipped if not self.names_images(root, found, f))
        return self._found[root]


def _listed(index: DatasetIndex, sources: Sequence[Path]) -> DatasetIndex:
    """`index` with its pairs in the splits that split lists beside or above their images give,
    as folder pairs read them (TTPLA's `splitting_dataset_txt/{train,val,test}.txt` above
    `data_original_size/`, its LabelMe files beside the images), and lists not read said
    (`split_lists`), the annotation files read (`sources`) never among them, though named for a
    split (DENTEX's `train_quadrant_enumeration_disease.json`); else those of a table with a split
    column (`split_tables`: SeaTurtleID2022's `metadata_splits.csv` beside its COCO file). Read
    afresh each time, not remembered with the painting: a list edited later counts."""
    folders = dict.fromkeys(p.image.parent for p in index.pairs if p.image.is_relative_to(index.root))
    lists = read_split_lists(((folder, folder) for folder in folders), index.root, read_otherwise=sources)
    where = ", ".join(sorted({f"'{p.parent}'" for p in lists.files}))
    pairs, _, problems = apply_split_lists(index.pairs, index.problems, lists.splits, where)
    return replace(index, pairs=pair_table_splits(pairs, index.root, sources), problems=problems)


def one_folder(root: Path, folders: Sequence[Path], what: str, route: Callable[[Sequence[Path]], str]) -> None:
    """Refuse several folders where one is read: `what`, how many and which, then `route(folders)`,
    the flag and folder that pick one (worked out only then).

    Raises:
        DataError: more than one folder.
    """
    if len(set(folders)) > 1:
        listed = ", ".join(folder_label(f, root) for f in folders)
        raise DataError(f"'{root}': {what} {len(folders)} folders ({listed}){route(folders)}")


def refuse_boxes_only(kinds: Mapping[str, int], box: str, areas: Sequence[str], said: Callable[[int], str],
                      route: str) -> None:
    """Stop on a detection project: when every object with an area (of the `areas` kinds counted
    in `kinds`) is a box, the masks would be boxes, not objects. `said(boxes)` names the files and
    the boxes; `route` says how to annotate instead.

    Raises:
        DataError: every object with an area is of kind `box`.
    """
    boxes = kinds.get(box, 0)
    if boxes and boxes == sum(kinds.get(kind, 0) for kind in areas):
        raise DataError(f"{said(boxes)}: a detection project, whose masks would be boxes; {route}")


def relative_names(paths: list[Path], base: Path) -> str:
    """Annotation files as the log names them: their paths from the dataset folder
    (`train/via_region_data.json, val/via_region_data.json`)."""
    return ", ".join(p.relative_to(base).as_posix() if p.is_relative_to(base) else str(p) for p in paths)


class AnnotationFileFormat(AnnotationFilesFormat):
    """Annotations kept in one or a few files beside the images (COCO JSON, CVAT XML, a Label
    Studio export): `files` lists them (`top_annotation_files`); DATA may be one of them."""

    reads_file = True

    def files(self, root: Path) -> list[Path]:
        raise NotImplementedError

    def find(self, root: Path, folders: list[Folder]) -> list[Path]:
        return self.files(root)

    @staticmethod
    def dataset_folder(root: Path) -> Path:
        """Where the images are looked for: DATA, or the folder of DATA the annotation file; the
        one above an `annotations/` folder holding it (COCO's, beside the image folders; LIVECell's
        `annotations/LIVECell/`) or above a folder of annotation files alone beside split folders
        (USIS10K's `multi_class_annotations/` beside `train/`, `val/` and `test/`). The folders above
        the file's are read only where they may be read as the dataset's (`folders_above`): never
        the home folder or above it (`~/annotations/a.json` is no home of images), nor a folder of
        over a thousand entries; the folders beside an `annotations/` folder are the dataset's, as
        that folder's place says (a project's `images/`, `labels/` and `depth/`, not other datasets)."""
        if not root.is_file():
            return root
        folder = root.parent
        above = folders_above(folder, 2, lambda name: True)
        named = [f for f in (folder, folder.parent) if _annotation_folder(f)]
        holder = next((f for f in named if f.parent in above), None)
        if holder is None and above and _annotations_beside_splits(folder):
            holder = folder
        if holder is None and named:
            once_per_listing(("images-not-above", root), lambda: log.warning(
                "the images of '%s' are looked for in '%s' alone: '%s', above '%s/', is the home folder, one above "
                "it or a folder of over a thousand entries, never read as one dataset's; keep '%s/' and the image "
                "folders in a folder of their own and pass the file there", root, folder, named[0].parent, named[0].name,
                named[0].name))
        return holder.parent if holder is not None else folder

    def sources(self, root: Path, found: list[Path]) -> list[Path]:
        return found

    def names_images(self, root: Path, found: list[Path], folder: Folder) -> bool:
        """A folder named for masks only by a folder above it (TrashCan's `instance_version/train/`
        of JPEG photos) holds the images when an annotation file names its first files, as a
        quoted JSON or XML value ends, and they do not look like masks (label maps that share
        their images' names stay masks)."""
        if not folder.named_mask or not folder.files or looks_like_mask_folder(folder.path.name):
            return False
        names = [f'{image.name}"' for image in folder.files[:2]]
        return any(file_mentions(path, names) for path in found) and looks_unlike_masks(folder)


class AnnotationJsonFolders(AnnotationFilesFormat):
    """A JSON (or `suffix`) file per image, kept in folders of their own that a tool exports (V7
    Darwin's `releases/latest/annotations/`, xView2's `labels/`, MoNuSeg's `Annotations/`) or
    beside the images: `looks_right` tells a file of the kind from its head, `label_folders` where
    they lie (by default `json_folders`); DATA may be one such file."""

    suffix: ClassVar[str] = ".json"

    def looks_right(self, path: Path) -> bool:
        raise NotImplementedError

    def label_folders(self, root: Path) -> list[Path]:
        return json_folders(root, self.looks_right, suffixes=(self.suffix,))

    def find(self, root: Path, folders: list[Folder]) -> list[Path]:
        if root.is_file():
            return [root] if self.looks_right(root) else []
        return [p for folder in self.label_folders(root) for p in sorted(folder.glob(f"*{self.suffix}"),
                                                                         key=lambda p: natural_key(p.name))]

    def sources(self, root: Path, found: list[Path]) -> list[Path]:
        return found


def project_file(root: Path, folders: Sequence[Folder], name: str) -> Path | None:
    """A file a tool keeps once for a project of folders (Supervisely's `meta.json`,
    SuperAnnotate's `classes/classes.json`): in the first folder or above it, up to the folder
    above DATA (DATA may be one folder of the project, its other folders beside it) where that
    may be read (`folders_above`: not the home folder or above it); None when there is none."""
    top = next(iter(folders_above(root, 1, lambda name: True)), root)
    for folder in folders[:1]:
        for above in (folder.path, *folder.path.parents):
            if (above / name).is_file():
                return above / name
            if above == top:
                break
    return None


class AnnotationBesideImages(AnnotationFilesFormat):
    """An annotation file beside each image (LabelMe's `a.json`, Supervisely's `ann/a.jpg.json`):
    the folders where half the images at least have one, two of them opened to tell."""

    def annotated(self, folder: Folder) -> list[tuple[Path, Path]]:
        """(image, annotation file) for the images of `folder` that have one."""
        raise NotImplementedError

    def looks_right(self, path: Path) -> bool:
        """Whether an annotation file is of this kind."""
        raise NotImplementedError

    def find(self, root: Path, folders: list[Folder]) -> list[tuple[Folder, list[tuple[Path, Path]]]]:
        found = [(folder, self.annotated(folder)) for folder in folders]
        return [(folder, pairs) for folder, pairs in found if self.annotates(folder, pairs)]

    def annotates(self, folder: Folder, pairs: list[tuple[Path, Path]]) -> bool:
        """Whether `pairs` are the labels of `folder`: half its images at least have one, and the
        first two look right."""
        return bool(pairs) and len(pairs) >= 0.5 * len(folder.files) and all(self.looks_right(a) for _, a in pairs[:2])

    def sources(self, root: Path, found: list[tuple[Folder, list[tuple[Path, Path]]]]) -> list[Path]:
        return [annotation for _, pairs in found for _, annotation in pairs]
