"""The folder-pairs layout: an image folder and its mask folder under whatever names they have,
or images and masks side by side; and the synthetic layout `seglab demo` writes, read the same way.

How folders are found is `data.folders`/`data.pairing`; how files pair is `data.naming`. This
module turns what they found into a `DatasetIndex`, with the class names of the layouts it
recognises (ISBI 2012, CamVid's SegNet export, Cityscapes' label ids, Pascal VOC, nnU-Net's dataset.json) or that name their
classes in a table beside the masks (class_dict.csv, A2D2's class_list.json, RUGD's colormap) or their label values
(ADE20K's objectInfo150.csv, BCSS's gt_codes.tsv, RELLIS-3D's ontology.yaml).
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.channel_files import band_order, channel_names, folder_names_a_band, group_name, names_a_band
from seglab.data.cityscapes import cityscapes_reading
from seglab.data.classes import (
    CLASS_DICT_GLOB,
    COLOUR_MAP_GLOB,
    COLOUR_NAMES_FILE,
    CVAT_LABELMAP,
    ONTOLOGY_FILE,
    ClassSpec,
    ValueNames,
    classes_from_class_dict,
    classes_from_colour_map,
    classes_from_colour_names,
    classes_from_dataset_json,
    classes_from_labelmap,
    NAME_LIST_FILES,
    value_names_from_csv,
    value_names_from_list,
    value_names_from_numbered_lines,
    value_names_from_label_json,
    value_names_from_ontology,
)
from seglab.data.encoding import choose_encoding
from seglab.data.folders import (
    MAX_DEPTH,
    NAMED_DEPTH,
    METADATA_FILES,
    Folder,
    FolderSearch,
    deeper_image_folders,
    named_tops,
    path_ends_with,
    search_folders,
    walk,
)
from seglab.data.formats import FORMATS, DatasetFormat, ReadOptions
from seglab.data.index import DatasetIndex, Pair, Problem, list_images, natural_key
from seglab.data.io import read_image
from seglab.data.mapping import IdentityMapping, MaskMapping
from seglab.data.multilabel import ClassNamingsMapping, naming_names
from seglab.data.naming import (
    SPLIT_WORDS,
    KeyRule,
    folders_split,
    looks_like_image_folder,
    name_split,
    stem,
    usable_splits,
    words,
)
from seglab.data.pairing import FolderMatch, combine_matches, folder_label, match_folders, settle_rival_namings
from seglab.data.split_lists import apply_split_lists, read_split_lists
from seglab.data.unmasked import (
    background_pairs,
    in_defect_free_folder,
    pairing_note,
    unmasked_images,
    without_train_splits,
)
from seglab.data.loveda import loveda_reading
from seglab.data.voc import voc_classes
from seglab.errors import DataError

logger = logging.getLogger(__name__)

ISBI_CLASSES = ClassSpec(names=("membrane", "cell"))
CAMVID_NAMES = (
    "Sky", "Building", "Pole", "Road", "Pavement", "Tree",
    "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist",
)  # fmt: skip
CAMVID_VOID = 11


@FORMATS.register("folder-pairs")
class FolderPairsFormat(DatasetFormat):
    """Image folders and their mask folders, found whatever they are called (see `folders`).

    Files pair by the strictest name rule that pairs them (`naming.KEY_RULES`). Split folders
    (train/val/test, Training/Testing, ...) above or below them become the splits when every
    folder has one and train is among them; images under a test folder without masks are
    unlabelled. Split lists shipped beside the image folder (VOC's `ImageSets/Segmentation/`)
    give the splits instead when they name every pair (`split_lists`).
    """

    layout = (
        "an image folder and a mask folder under any common names (images/ + masks/, Images/ + "
        "Labels/, train/ + trainannot/, imagesTr/ + labelsTr/, ...), split folders above or below, "
        "or images and masks side by side (a.jpg + a.png, a.png + a_mask.png)"
    )
    priority = 30

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, FolderSearch] = {}

    def search(self, root: Path) -> FolderSearch:
        if root not in self._found:
            images, masks, rules = self.options.images, self.options.masks, self.options.key_rules
            merge = self.options.merge_masks
            if images is not None and masks is not None:
                self._found[root] = _named_pair(root, images, masks, rules, merge, self.options.multilabel)
            else:
                self._found[root] = search_folders(root, rules, images, masks, merge, self.options.multilabel)
        return self._found[root]

    def detect(self, root: Path) -> bool:
        return bool(self.search(root).matches)

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.search(root)
        matches, aside = settle_shared_masks(root, stack_band_folders(root, found.matches))
        matches, copies = _one_file_format(root, matches)
        aside += copies
        pairs, problems = [], []
        for match in matches:
            for key, image, mask in match.pairs:
                pair = Pair(stem(image), image, mask, match.split, more_masks=match.merged.get(key, ()),
                            more_channels=match.channels.get(key, ()))
                pairs.append(replace(pair, name=group_name(pair.images, channel_names(pair))) if match.channel_dirs
                             else pair)
            problems += match.problems
        # a mask folder shared out between image folders (Lizard's): a mask paired is no orphan of the others
        paired = {pair.mask for pair in pairs}
        problems = [p for p in problems if p.code != "mask-without-image" or p.path not in paired]
        derived = _derived_images(problems, pairs)
        problems = [p for p in problems if p.path not in derived]
        unmasked = unmasked_images(root, problems, [*found.unlabelled, *found.ignored])
        filled = set(unmasked) if self.options.unmasked_background else set()
        if filled:  # in the paired image folder's split, else the one its folders name (MVTec's train/good/)
            splits = {m.image_dir: m.split for m in matches}
            placed = [(image, splits.get(image.parent, folders_split(image, root))) for image in unmasked]
            pairs += background_pairs(placed, pairs[0].mask if pairs else None, self.options.cache_dir)
            problems = [p for p in problems if p.path not in filled]
        pairs = unique_names(pairs, root)
        lists = read_split_lists(((m.image_dir, m.mask_dir) for m in matches), root,
                                 {m.image_dir for m in matches if m.split is not None})
        where = ", ".join(sorted({f"'{p.parent}'" for p in lists.files}))
        listed, listed_unlabelled, problems = apply_split_lists(pairs, problems, lists.splits, where)
        kept = {p.image for p in listed}
        aside += [f for p in pairs if p.image not in kept for f in (p.image, p.mask) if f is not None]  # LandCover.ai's
        pairs = without_train_splits(_splits_from_names(listed, root), filled, root)
        mask_dirs = [m.mask_dir for m in matches]
        namings = next((m.namings for m in matches if m.namings), ())
        if classes is None:
            classes = _shipped_classes(root, found)
        if namings:  # a mask per class (--task multilabel): the namings name the classes
            names = classes.names if classes is not None and len(classes.names) == len(namings) else naming_names(namings)
            classes, mapping, encoding_problems = ClassSpec(names), ClassNamingsMapping(namings), []
        else:
            classes, mapping, encoding_problems = self.choose_classes(root, mask_dirs, pairs, classes)
        unlabelled = [p for p in found.unlabelled if p not in filled] + listed_unlabelled
        index = DatasetIndex(root, "folder-pairs", pairs, unlabelled, classes, mapping, problems + encoding_problems)
        index.pairing = [m.describe(root) for m in matches]
        defect_free = [p for p in unmasked if p not in filled and in_defect_free_folder(p)]
        if filled or defect_free:  # MVTec AD's good/ images: said, not passed over
            index.pairing.append(pairing_note(root, sorted(filled) or defect_free, bool(filled)))
        deeper = deeper_image_folders(root)
        if deeper:  # read nowhere: said, not passed over
            line = (f"{len(deeper)} folders with images lie deeper than {MAX_DEPTH} levels and were not searched, "
                    f"such as {deeper[0].relative_to(root).as_posix()}/: pass a folder further down as DATA to read them")
            logger.warning("%s: %s", root, line)
            index.pairing.append(line)
        index.ignored = [p for p in found.ignored if p not in lists.files and p not in filled] + aside + sorted(
            derived) + [p for m in matches for p in m.extra_masks]
        if index.classes is None and type(mapping) is IdentityMapping:  # label masks, no names yet
            index.value_names = _shipped_value_names(root, found)
            if index.value_names is not None:  # and its copies in the other split folders (Roboflow's _classes.csv)
                index.ignored = [p for p in index.ignored if p.name != index.value_names.path.name]
        return index

    @staticmethod
    def choose_classes(
        root: Path,
        mask_dirs: list[Path],
        pairs: list[Pair],
        classes: ClassSpec | None,
    ) -> tuple[ClassSpec | None, MaskMapping, list[Problem]]:
        """The encoding of the masks (`choose_encoding`), with class names of known layouts."""
        if not pairs:
            return classes, IdentityMapping(), []
        encoding = choose_encoding([m for p in pairs for m in p.masks], classes)
        found = list(encoding.problems)
        # the U-Net tutorial's ISBI 2012 membranes: grey EM slices (WHU's aerial buildings are RGB)
        isbi = bool(mask_dirs) and all(m.name == "label" and m.parent.joinpath("image").is_dir() for m in mask_dirs)
        if classes is None and encoding.binary and isbi and _channel_count(pairs[0].images[0]) == 1:
            return ISBI_CLASSES, encoding.mapping, found
        camvid = {m.name for m in mask_dirs} >= {"trainannot", "valannot"}
        values = encoding.values
        if classes is None and camvid and values and max(values) <= CAMVID_VOID:
            classes = ClassSpec(CAMVID_NAMES, _camvid_colours(root), ignore_index=CAMVID_VOID)
            return classes, encoding.mapping, found
        cityscapes = cityscapes_reading((p.mask for p in pairs if p.mask is not None), values)
        # also with the 19 classes declared, as a trained run's classes.json declares them for evaluate
        if cityscapes is not None and type(encoding.mapping) is IdentityMapping and (
                classes is None or classes.names == cityscapes[0].names):
            logger.info("%s: Cityscapes label masks, read as its 19 evaluated classes (255 and the void ids "
                        "ignored; docs/data.md)", root)
            return (classes or cityscapes[0], cityscapes[1], found)
        loveda = loveda_reading(mask_dirs, values)
        if classes is None and type(encoding.mapping) is IdentityMapping and loveda is not None:
            logger.info("%s: LoveDA masks, read as its 7 classes with no-data (0) ignored", root)
            return loveda[0], loveda[1], found
        voc = voc_classes(mask_dirs, values, next((p.mask for p in pairs if p.mask is not None), None))
        if classes is None and type(encoding.mapping) is IdentityMapping and voc is not None:
            logger.info("%s: Pascal VOC masks, read as its 21 classes with the 255 border ignored", root)
            return voc, encoding.mapping, found
        return encoding.classes, encoding.mapping, found


def _shipped_classes(root: Path, found: FolderSearch) -> ClassSpec | None:
    """Class names the dataset ships: nnU-Net's dataset.json beside imagesTr/, or a
    `class_dict*.csv` (name, r, g, b), CVAT's `labelmap.txt`, A2D2's `class_list.json` (#rrggbb:
    name) or RUGD's `*colormap*.txt` (id name r g b) in the folders `_metadata_folders` lists."""
    beside = [root, *dict.fromkeys(m.image_dir.parent for m in found.matches)]
    known = next((root_json for root_json in (f / "dataset.json" for f in beside) if root_json.is_file()), None)
    if known is not None:
        return classes_from_dataset_json(known)
    for folder in _metadata_folders(root, found):
        tables = [*((classes_from_class_dict, p) for p in sorted(folder.glob(CLASS_DICT_GLOB))),
                  (classes_from_labelmap, folder / CVAT_LABELMAP),
                  (classes_from_colour_names, folder / COLOUR_NAMES_FILE),
                  *((classes_from_colour_map, p) for p in sorted(folder.glob(COLOUR_MAP_GLOB)))]
        for read, path in tables:
            classes = read(path) if path.is_file() else None
            if classes is not None:
                logger.info("class names and colours from '%s' (%d classes%s)", path, classes.num_classes,
                            f"; {len(classes.void_colours)} void colour ignored" if classes.void_colours else "")
                return classes
    return None


def _shipped_value_names(root: Path, found: FolderSearch) -> ValueNames | None:
    """Names of the mask values from the first CSV or TSV with a name and an index column
    (ADE20K's objectInfo150.csv, BCSS's gt_codes.tsv), text list (labelme2voc's class_names.txt),
    JSON with a "labels" list (Mapillary's config_v2.0.json) or RELLIS-3D's ontology.yaml, in the
    folders `_metadata_folders` lists."""
    versions = {m.mask_dir.parent.name for m in found.matches}  # Mapillary's v2.0/labels/
    for folder in _metadata_folders(root, found):
        # Mapillary's config_v1.2.json and config_v2.0.json: the one of the labels' version first
        jsons = sorted(folder.glob("*.json"), key=lambda p: not any(v in p.stem for v in versions))
        tables = [*((value_names_from_csv, p) for p in sorted([*folder.glob("*.csv"), *folder.glob("*.tsv")])),
                  *((read, p) for p in sorted(folder.glob("*.txt")) if p.name not in NAME_LIST_FILES
                    for read in (value_names_from_csv, value_names_from_numbered_lines)),
                  *((value_names_from_list, folder / n) for n in NAME_LIST_FILES if (folder / n).is_file()),
                  *((value_names_from_label_json, p) for p in jsons if p.name.lower() not in METADATA_FILES),
                  *((value_names_from_ontology, folder / n) for n in (ONTOLOGY_FILE,) if (folder / n).is_file())]
        for read, path in tables:
            names = read(path)
            if names is not None:
                return names
    return None


def _metadata_folders(root: Path, found: FolderSearch) -> list[Path]:
    """Where a dataset keeps files about its classes: the dataset folder and those down to the
    one holding all image and mask folders (ADEChallengeData2016/ over images/ and annotations/,
    A2D2's camera_lidar_semantic/ over one sequence's), and beside or in each mask folder."""
    dirs = [d for m in found.matches for d in (m.image_dir, m.mask_dir)]
    # absolute: --images/--masks given relative to the working folder, DATA left out (or the reverse)
    common = Path(os.path.commonpath([os.path.abspath(d) for d in dirs])) if dirs else None
    top = Path(os.path.abspath(root))
    down = common.relative_to(top).parts if common is not None and common.is_relative_to(top) else ()
    between = [root.joinpath(*down[:k]) for k in range(1, len(down) + 1)]
    return list(dict.fromkeys([root, *between, *(d for m in found.matches for d in (m.mask_dir.parent, m.mask_dir))]))


def _camvid_colours(root: Path) -> tuple[tuple[int, int, int], ...]:
    """The SegNet legend from palette11.png (first 11 pixels), or generated colours."""
    path = root / "palette11.png"
    if not path.is_file():
        return ()
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    except (OSError, ValueError) as err:
        logger.warning("cannot read CamVid palette '%s' (%s); using generated colours", path, err)
        return ()
    if len(pixels) < len(CAMVID_NAMES):
        return ()
    return tuple(tuple(int(v) for v in p) for p in pixels[: len(CAMVID_NAMES)])  # type: ignore[misc]


def _named_pair(
    root: Path, images: str, masks: str, rules: tuple[KeyRule, ...], merge: bool, multilabel: bool = False
) -> FolderSearch:
    """`--images NAME --masks NAME`: exactly that pair when each names one folder holding image
    files, wherever it lies (Semantic Drone's `original_images/` two levels down, its
    `RGB_color_image_masks/` inside a wrapper of the same name); a name found at several levels
    (DRIVE's `training/1st_manual/`, `test/1st_manual/`) pairs by place, as `search_folders` does.
    With `merge`, a --masks folder whose folders below each hold masks of the images
    (Montgomery's `ManualMask/leftMask/` and `rightMask/`) gives each image all its masks, merged;
    with `multilabel`, one class per folder (IDRiD's lesion folders; `multilabel.ClassFilesMapping`).

    Raises:
        DataError: names at several levels that `search_folders` cannot pair, listed.
    """
    folders = walk(root, NAMED_DEPTH)
    image_dirs, mask_dirs = _named_folders(root, images, folders), _named_folders(root, masks, folders)
    if image_dirs and image_dirs == mask_dirs:
        raise DataError(f"'{root}': --images {images} and --masks {masks} both name "
                        f"{', '.join(folder_label(d, root) for d in image_dirs)}; name the folder of each")
    if len(image_dirs) == 1 and len(mask_dirs) == 1:
        image_dir, mask_dir = image_dirs[0], mask_dirs[0]
        match = match_folders(list_images(image_dir), list_images(mask_dir, masks=True), image_dir, mask_dir, root, rules=rules,
                              merge=merge)
        return FolderSearch(matches=settle_rival_namings([match], multilabel))
    below = [f.path for f in _below(root, masks, folders)]
    if len(image_dirs) == 1 and not mask_dirs and len(below) > 1:  # a mask folder per object or class?
        image_dir = image_dirs[0]
        pairing = [m for m in (match_folders(list_images(image_dir), list_images(d, masks=True), image_dir, d, root,
                                             rules=rules, merge=merge) for d in below) if m.pairs]
        if len(pairing) > 1 and not (merge or multilabel):
            listed = "".join(f"\n  {folder_label(m.mask_dir, root)}: {len(m.pairs)} pairs" for m in pairing)
            raise DataError(f"'{root}': {len(pairing)} folders under --masks {masks} pair with the images of "
                            f"{folder_label(image_dir, root)}:{listed}\nname one with --masks, pass --merge-masks "
                            "to read each image's masks of all of them as one (their union), or --task multilabel "
                            "to read each folder as a class")
        if len(pairing) > 1:
            return FolderSearch(matches=settle_rival_namings([combine_matches(pairing)], False))
    found = search_folders(root, rules, images, masks, merge, multilabel)
    if not found.matches:
        named = {f.path: f for f in folders}
        found = (_by_split(root, _below(root, images, folders), _below(root, masks, folders), rules, merge)
                 or _by_split(root, [named[d] for d in image_dirs if d in named],
                              [named[d] for d in mask_dirs if d in named], rules, merge)
                 or found)
    several = [(flag, dirs) for flag, dirs in (("--images", image_dirs), ("--masks", mask_dirs)) if len(dirs) > 1]
    if not found.matches and several:
        listed = "".join(f"\n  {flag}: " + ", ".join(folder_label(d, root) for d in dirs) for flag, dirs in several)
        raise DataError(f"'{root}': the named folders hold image files at several places that do not pair by "
                        f"place:{listed}\nname one of each by its path under the dataset folder")
    return found


def _below(root: Path, name: str, folders: list[Folder]) -> list[Folder]:
    """The folders with image files below the folders that a --images/--masks value names."""
    tops = named_tops(root, name, folders)
    return [f for f in folders if f.files and any(top in f.path.parents for top in tops)]


def _by_split(
    root: Path, image_folders: list[Folder], mask_folders: list[Folder], rules: tuple[KeyRule, ...], merge: bool
) -> FolderSearch | None:
    """Image and mask folders of one split each, named otherwise on each side (LIP's
    `TrainVal_images/train_images/` and `TrainVal_parsing_annotations/train_segmentations/`;
    BDD100K's `images/10k/train/` and `labels/sem_seg/masks/train/`; Mapillary's
    `training/images/` and `training/v2.0/labels/`): each split's images pair with its masks, and
    an image split without masks (test) is unlabelled. None unless each folder has a split of
    its own."""
    image_splits = {f.split: f for f in image_folders}
    mask_splits = {f.split: f for f in mask_folders}
    if (not mask_splits or len(image_splits) < len(image_folders) or len(mask_splits) < len(mask_folders)
            or None in image_splits or None in mask_splits or not mask_splits.keys() <= image_splits.keys()):
        return None
    matches = [match_folders(image_splits[split].files, mask.files, image_splits[split].path, mask.path, root, split,
                             rules, merge) for split, mask in mask_splits.items()]
    unlabelled = [p for split, f in image_splits.items() if split not in mask_splits for p in f.files]
    return FolderSearch(matches=[m for m in matches if m.pairs], unlabelled=unlabelled)


def _named_folders(root: Path, name: str, folders: list[Folder]) -> list[Path]:
    """Folders holding image files that a --images/--masks value names: the path under the
    dataset folder or as given (or, when it holds none, folders of its name inside it: Semantic
    Drone's wrapper), else every folder whose path ends with it, at any level."""
    for path in (root / name, Path(name).expanduser()):
        if path.is_dir():  # that folder, or one of its name inside it (a wrapper), never one elsewhere
            inside = [f.path for f in folders if f.files and f.path.name == path.name and path in f.path.parents]
            return [path] if list_images(path) else inside
    # 'v2.0/labels' names Mapillary's training/v2.0/labels/, not v1.2/labels/
    return [f.path for f in folders if f.files and path_ends_with(f.parts, name)]


def _splits_from_names(pairs: list[Pair], root: Path) -> list[Pair]:
    """The splits the image names start with (GlaS: `train_1`, `testA_1`, `testB_1`), when the
    layout gives none and they may split the dataset (`naming.usable_splits`)."""
    if not pairs or any(p.split is not None for p in pairs):
        return pairs
    splits = [name_split(stem(p.image)) for p in pairs]
    if not usable_splits(splits):
        return pairs
    counts = ", ".join(f"{s} {splits.count(s)}" for s in ("train", "val", "test") if s in splits)
    logger.info("%s: split from the file names (train_..., test_...): %s", root, counts)
    return [replace(p, split=s) for p, s in zip(pairs, splits)]


def stack_band_folders(root: Path, matches: list[FolderMatch]) -> list[FolderMatch]:
    """Image folders that pair with one mask folder and hold one band each (38-Cloud's
    `train_red/` ... `train_nir/` with `train_gt/`, single-channel files named `red_patch_...`),
    or colour images in one and a band each in the others (`rgb/` + `nir/`), as one match whose
    images' channels are their files: the colour image's, then red, green and blue, then the
    other bands in name order. An image is paired when every folder has its file; a mask whose
    image lacks a band says which. A folder of one channel joins only when the word its name
    adds names a band (`channel_files.names_a_band`): NuInsSeg's `distance maps/` beside `tissue
    images/` are drawn from the labels, and would leak them into the input. Two or more folders
    of multi-channel images that share masks (ISPRS Potsdam's RGB and IRRG renderings) stay
    apart (`settle_shared_masks`)."""
    by_masks: dict[tuple[Path, str | None], list[FolderMatch]] = {}
    for match in matches:
        by_masks.setdefault((match.mask_dir, match.split), []).append(match)
    stacked = []
    for group in by_masks.values():
        counts = {} if len(group) < 2 or any(not m.pairs or m.channels or m.mask_dir == m.image_dir for m in group) \
            or not _each_names_a_band([m.image_dir.name for m in group]) or not _same_images(group) \
            else {m.image_dir: _channel_count(m.pairs[0][1]) for m in group}
        if not counts or None in counts.values() or sum(c > 1 for c in counts.values() if c) > 1 \
                or not all(_band_words(m.image_dir.name, group) for m in group if counts[m.image_dir] == 1):
            stacked += group
            continue
        first, *rest = sorted(group, key=lambda m: (counts[m.image_dir] == 1, band_order(m.image_dir.name)))
        files = [{key: image for key, image, _ in m.pairs} for m in rest]
        pairs, channels, problems = [], {}, []
        for key, image, mask in first.pairs:
            lacking = [m.image_dir for m, found in zip(rest, files) if key not in found]
            if lacking:
                where = ", ".join(folder_label(d, root) for d in lacking)
                problems.append(Problem(mask, f"mask's image has no band file in {where} (its band in "
                                        f"{first.image_dir.name} is '{image.name}'); the pair is left out",
                                        "mask-without-image"))
            else:
                pairs.append((key, image, mask))
                channels[key] = tuple(found[key] for found in files)
        # the first folder's lonely masks stand for every folder's
        problems += [p for m in rest for p in m.problems if p.code != "mask-without-image"]
        stacked.append(replace(first, pairs=pairs, problems=first.problems + problems, channels=channels,
                               channel_dirs=tuple(m.image_dir for m in rest)))
    return stacked


def _each_names_a_band(folders: list[str]) -> bool:
    """Whether each folder's name has a word the others lack (`train_red`, `train_nir`; `rgb`,
    `dsm`), which names its band; `images/` beside `images_denoised/` are versions instead."""
    named = [set(words(folder)) for folder in folders]
    shared = set.intersection(*named)
    return all(words_ - shared for words_ in named)


def _derived_images(problems: list[Problem], pairs: list[Pair]) -> set[Path]:
    """The unpaired image files named after a paired image of their folder with a suffix
    (ISIC 2017's `ISIC_0000000_superpixels.png` beside `ISIC_0000000.jpg`): files made from that
    image, listed as ignored rather than as images without masks."""
    stems = {(pair.image.parent, stem(pair.image)) for pair in pairs}
    return {p.path for p in problems if p.code == "image-without-mask" and any(
        (p.path.parent, stem(p.path)[:cut]) in stems for cut in (i for i, c in enumerate(stem(p.path)) if c in "_-."))}


def _band_words(folder: str, group: list[FolderMatch]) -> bool:
    """Whether the words `folder`'s name adds to the others' all name bands (`train_nir`: nir)."""
    shared = set.intersection(*(set(words(m.image_dir.name)) for m in group))
    return all(names_a_band(word) for word in words(folder) if word not in shared)


def _same_images(group: list[FolderMatch]) -> bool:
    """Whether the folders hold files of the same images, as bands do (most pair with the same
    masks), rather than sharing out the images of one mask folder (Lizard's `Lizard_Images1/`
    and `Lizard_Images2/`)."""
    return all(_mostly_same(group[0], other) for other in group[1:])


def _mostly_same(one: FolderMatch, other: FolderMatch) -> bool:
    """Whether two matches pair the same images: half the keys of the smaller at least."""
    keys, others = {key for key, _, _ in one.pairs}, {key for key, _, _ in other.pairs}
    return len(keys & others) >= 0.5 * min(len(keys), len(others))


def _channel_count(image: Path) -> int | None:
    """An image file's channels, from its pixels; None if it cannot be read."""
    try:
        return read_image(image).shape[2]
    except DataError:
        return None


_FORMAT_FOLDERS = ("tif", "tiff", "png", "bmp", "gif", "jpg", "jpeg")  # originals and lossless first


def _one_file_format(root: Path, matches: list[FolderMatch]) -> tuple[list[FolderMatch], list[Path]]:
    """Pairs shipped twice in two file formats, in folders named for them (CVC-ClinicDB's
    `PNG/Original/` + `PNG/Ground Truth/` beside `TIF/...`; the Massachusetts roads' `png/` and
    `tiff/`), read once: the copy in the first of `_FORMAT_FOLDERS`, the other set aside and
    logged. Two formats would count every image twice and let copies straddle the splits.
    Returns the matches kept and the files set aside."""
    def format_part(match: FolderMatch) -> tuple[tuple[str, ...], str, str] | None:
        """(the path with its format folder as `*`, the format, the format folder's path)."""
        parts = match.image_dir.relative_to(root).parts if match.image_dir.is_relative_to(root) else ()
        at = [i for i, part in enumerate(parts) if part.lower() in _FORMAT_FOLDERS]
        if len(at) != 1:
            return None
        return parts[:at[0]] + ("*",) + parts[at[0] + 1:], parts[at[0]].lower(), "/".join(parts[:at[0] + 1])

    by_place: dict[tuple[str, ...], list[tuple[str, str, FolderMatch]]] = {}
    for match in matches:
        if (found := format_part(match)) is not None:
            by_place.setdefault(found[0], []).append((found[1], found[2], match))
    aside: list[FolderMatch] = []
    for copies in by_place.values():
        if len(copies) < 2:
            continue
        copies.sort(key=lambda c: _FORMAT_FOLDERS.index(c[0]))
        kept = copies[0][2]
        for _, folder, other in copies[1:]:
            if _mostly_same(kept, other):
                aside.append(other)
                logger.info("%s holds the images of %s again in another file format; %s is read (--images %s reads "
                            "the other format)", folder_label(other.image_dir, root), folder_label(kept.image_dir, root),
                            folder_label(kept.image_dir, root), shlex.quote(folder))
    return [m for m in matches if not any(m is a for a in aside)], \
        [p for m in aside for path in (m.image_dir, m.mask_dir) for p in list_images(path, masks=True)]


def settle_shared_masks(root: Path, matches: list[FolderMatch]) -> tuple[list[FolderMatch], list[Path]]:
    """Image folders whose images pair with the same masks, once bands are stacked: when one is
    named for images and the others name neither images nor bands, those are renderings
    (CoNSeP's `Overlay/` beside `Images/`, NuInsSeg's `distance maps/` beside `tissue images/`),
    set aside and logged with the flag that reads one; the matches kept and the files set aside.
    Folders that share out one mask folder between them (Lizard's `Lizard_Images1/` and
    `Lizard_Images2/`) are one dataset.

    Raises:
        DataError: otherwise (ISPRS Potsdam's `2_Ortho_RGB/` and `4_Ortho_RGBIR/` with
            `5_Labels_all/` would train and score every mask once per folder), the mask folder and
            its image folders, with the flag that picks one.
    """
    by_masks: dict[Path, list[FolderMatch]] = {}
    for match in matches:
        if match.pairs:
            by_masks.setdefault(match.mask_dir, []).append(match)
    aside: list[FolderMatch] = []
    for mask_dir, group in by_masks.items():
        masks = [mask for m in group for _, _, mask in m.pairs]
        if len(set(masks)) == len(masks):
            continue
        named = [m for m in group if looks_like_image_folder(m.image_dir.name)]
        others = [m for m in group if m not in named]
        if len(named) == 1 and not any(folder_names_a_band(m.image_dir.name) for m in others):
            aside += others
            for other in others:
                logger.info("%s holds pictures or maps of the images in %s (its name says neither images nor a band); "
                            "not read as images (--images %s reads them)", folder_label(other.image_dir, root),
                            folder_label(named[0].image_dir, root), shlex.quote(other.image_dir.name))
            continue
        image_dirs = [m.image_dir for m in group]
        listed = ", ".join(folder_label(d, root) for d in image_dirs)
        raise DataError(f"'{root}': the masks of {folder_label(mask_dir, root)} pair with the images of {len(image_dirs)} "
                        f"folders ({listed}), so each mask would count {len(image_dirs)} times; name the images "
                        f"to use: --images {shlex.quote(_every_split(image_dirs[0].name))} (folders of one band each, "
                        "or one of colour images and others of one band, are read as the channels of one image: "
                        "docs/encodings.md#bands-in-separate-folders)")
    kept = [m for m in matches if not any(m is a for a in aside)]
    return kept, [p for m in aside for p in list_images(m.image_dir)]


def _every_split(name: str) -> str:
    """A folder name with its split word made a wildcard (ISTD's `test_A` -> `*_A`, naming
    `train_A/` too), so that a --images suggestion reads every split; the name when it has none."""
    for word in sorted(SPLIT_WORDS, key=len, reverse=True):
        found = re.search(rf"(?<![a-z0-9]){word}(?![a-z0-9])", name, re.IGNORECASE)
        if found is not None and len(word) > 2 and len(name) > len(word):
            return name[: found.start()] + "*" + name[found.end() :]
    return name


def _folder_of(image: Path, root: Path) -> str:
    """An image's folder from `root`; its folder's name for an image outside it (extracted from
    an annotation file into the cache, in a folder mirroring the file's)."""
    return image.parent.relative_to(root).as_posix() if image.is_relative_to(root) else image.parent.name


def unique_names(pairs: list[Pair], root: Path) -> list[Pair]:
    """Pairs sorted by name; equal stems from different folders get their folder as prefix."""
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.name] = counts.get(p.name, 0) + 1
    renamed = [
        replace(p, name=f"{_folder_of(p.image, root)}/{p.name}")
        if counts[p.name] > 1
        else p
        for p in pairs
    ]
    return sorted(renamed, key=lambda p: natural_key(p.name))


@FORMATS.register("synthetic")
class SyntheticFormat(DatasetFormat):
    """A folder written by `generate_synthetic`: images/ + masks/ + classes.json + synthetic.json."""

    layout = "synthetic.json + images/ + masks/ + classes.json (written by generate_synthetic)"
    priority = 0

    def detect(self, root: Path) -> bool:
        return (root / "synthetic.json").is_file()

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        index = FolderPairsFormat().index(root, classes)
        index.format = "synthetic"
        return index
