"""The registered folder-pairs and synthetic formats: a `DatasetIndex` from the folders found.

With the classes of the layouts they recognise (ISBI 2012, CamVid, Cityscapes, LoveDA, Pascal VOC).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.discovery.channel_files import channel_names, date_order, group_name
from seglab.data.encodings.ade20k import ade20k_reading
from seglab.data.encodings.cityscapes import cityscapes_reading
from seglab.data.classes import ClassSpec
from seglab.data.classes.readme_colours import readme_files
from seglab.data.classes.readme_names import readme_class_names
from seglab.data.encodings.encoding import Encoding, choose_encoding
from seglab.data.files.folder_listing import entries, side_entries, subfolders
from seglab.data.files.io import channel_count
from seglab.data.layouts.folder_pairs.band_frames import read_frames
from seglab.data.layouts.folder_pairs.bands import read_sample_bands, stack_band_folders
from seglab.data.layouts.folder_pairs.deeper_folders import deeper_line
from seglab.data.layouts.folder_pairs.class_trees import refuse_class_trees
from seglab.data.layouts.folder_pairs.class_files import (ShippedClasses, _shipped_classes, _shipped_value_names,
                                                          binary_value_names, listed_namings, metadata_folders)
from seglab.data.layouts.folder_pairs.duplicate_folders import _one_file_format, settle_shared_masks
from seglab.data.layouts.folder_pairs.named_folders import _named_pair
from seglab.data.layouts.folder_pairs.pair_names import _derived_images, _splits_from_names, unique_names
from seglab.data.layouts.folder_pairs.source_classes import source_classes
from seglab.data.layouts.folder_pairs.stack_pages import read_by_page
from seglab.data.layouts.folder_pairs.unlabelled_files import unlabelled_images
from seglab.data.discovery.folders import FolderSearch, deeper_image_folders, once_per_listing, search_folders
from seglab.data.layouts.formats import FORMATS, DatasetFormat, FindingFormat
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.files.staging import cache_folder
from seglab.data.encodings.loveda import loveda_reading
from seglab.data.encodings.rgb_ids import id_labels_file, rgb_ids_reading
from seglab.data.encodings.mat_names import mat_names_reading
from seglab.data.encodings.object_settings import OBJECT_SETTINGS, ObjectSettingsMapping, object_settings_reading
from seglab.data.encodings.class_instances import ClassInstanceMapping
from seglab.data.encodings.red_classes import RedClassMapping
from seglab.data.encodings.value_classes import unnamed_binary
from seglab.data.encodings.one_hot import OneHotMapping
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.layouts.multilabel import ClassNamingsMapping, named_in_order, naming_names
from seglab.data.discovery.naming import folders_split, stem
from seglab.data.discovery.naming.affixes import without_tree_name
from seglab.data.discovery.image_names import image_name_pattern, pick_images, shared_masks_line
from seglab.data.discovery.pairing import FolderMatch
from seglab.data.splitting.split_lists import apply_split_lists, read_split_lists
from seglab.data.splitting.readme_ranges import readme_range_splits
from seglab.data.splitting.scene_numbers import scene_number_splits
from seglab.data.splitting.split_tables import pair_table_splits
from seglab.data.discovery.unmasked import (
    background_pairs,
    copies_of_paired,
    in_defect_free_folder,
    labelled_otherwise,
    pairing_note,
    unannotated_frames,
    unmasked_images,
    without_train_splits,
)
from seglab.data.encodings.voc import voc_classes

logger = logging.getLogger(__name__)

ISBI_CLASSES = ClassSpec(names=("membrane", "cell"))
CAMVID_NAMES = (
    "Sky", "Building", "Pole", "Road", "Pavement", "Tree",
    "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist",
)  # fmt: skip
CAMVID_VOID = 11


@FORMATS.register("folder-pairs")
class FolderPairsFormat(FindingFormat[FolderSearch]):
    """Image folders and their mask folders, found whatever they are called (see `folders`).

    Files pair by the strictest name rule that pairs them (`naming.KEY_RULES`). Split folders
    (train/val/test, Training/Testing, ...) above or below them become the splits when every
    folder has one and train is among them; images under a test folder without masks are
    unlabelled. Split lists shipped beside the image folder (VOC's `ImageSets/Segmentation/`)
    give the splits instead when they name every pair (`split_lists`); else a metadata table
    naming the pairs' images or case folders with a split column (`split_tables`).
    """

    layout = (
        "an image folder and a mask folder under any common names (images/ + masks/, Images/ + "
        "Labels/, train/ + trainannot/, imagesTr/ + labelsTr/, ...), split folders above or below, "
        "or images and masks side by side (a.jpg + a.png, a.png + a_mask.png)"
    )
    priority = 30

    def find(self, root: Path) -> FolderSearch:
        """The image and mask folders under `root`, searched once per root and options within
        `one_listing`, however many formats ask (Cityscapes polygons, before stepping aside)."""
        return once_per_listing(("folder-pairs", Path(root), self.options), lambda: self._search(root))

    def _search(self, root: Path) -> FolderSearch:
        images, masks, rules = self.options.images, self.options.masks, self.options.key_rules
        merge = self.options.merge_masks
        multilabel, multiclass = self.options.multilabel, self.options.multiclass
        picked = image_name_pattern(images)  # --images 'rgb_rawlight.png': image files, no folder
        if picked is not None:
            images = None
        bands, frame = self.options.band_words, self.options.frame
        if images is not None and masks is not None:
            found = _named_pair(root, images, masks, rules, merge, multilabel, multiclass, bands, frame)
        else:
            found = search_folders(root, rules, images, masks, merge, multilabel, multiclass, bands, frame)
        if picked is not None:
            found.matches, left = pick_images(found.matches, picked)
            found.ignored += left
        return found

    def detect(self, root: Path) -> bool:
        return bool(self.found(root).matches)

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        matches, aside = settle_shared_masks(root, stack_band_folders(root, found.matches), found.is_masks)
        matches, unread = read_sample_bands(root, matches, self.options.band_words)
        aside += unread
        if self.options.images is not None and image_name_pattern(self.options.images) is None:
            _say_other_dates(root, matches)
        matches, copies = _one_file_format(root, matches)
        aside += copies
        pairs, problems = [], []
        planes = {mask: match.planes[key] for match in matches for key, _, mask in match.pairs if key in match.planes}
        for match in matches:
            for key, image, mask in match.pairs:
                frame = without_tree_name(stem(image), image)  # MUSES' <frame>_frame_camera: <frame>
                name = f"{frame}_{planes[mask]:05d}" if mask in planes else frame  # as a stack's pages
                pair = Pair(name, image, mask, match.splits.get(key, match.split),
                            more_masks=match.merged.get(key, ()), more_channels=match.channels.get(key, ()))
                if match.dates and match.band_files:  # a scene's dates in folders of its own: named by the scene
                    pair = replace(pair, name=key)
                elif match.channel_dirs or match.band_files or match.sample_bands:
                    pair = replace(pair, name=group_name(pair.images, channel_names(pair)))
                pairs.append(pair)
            problems += match.problems
        refuse_class_trees(root, pairs)  # DSAD's liver/01/ beside colon/01/: a structure each
        # a mask folder shared out between image folders (Lizard's): a mask paired is no orphan of the others
        paired = {pair.mask for pair in pairs}
        problems = [p for p in problems if p.code != "mask-without-image" or p.path not in paired]
        derived = _derived_images(problems, pairs, found.unlabelled)
        problems = [p for p in problems if p.path not in derived]
        frames = unannotated_frames(problems, pairs)  # a video's frames between its annotated ones
        problems = [p for p in problems if p.path not in frames]
        problems = labelled_otherwise(problems, found.ignored)  # WGISD's YOLO boxes beside its box-only images
        problems = copies_of_paired(problems, pairs)  # Drive's `Copy of leaf_05.png`: never read as background
        image_folders = {m.image_dir.name for m in matches}  # xyz/ beside rgb/ holds no defect-free images
        unlabelled_found = [p for p in found.unlabelled if p not in derived]  # less predictions saved beside them
        unmasked = unmasked_images(root, problems, [*unlabelled_found, *found.ignored], image_folders)
        filled = set(unmasked) if self.options.unmasked_background else set()
        if filled:  # in the paired image folder's split, else the one its folders name (MVTec's train/good/)
            splits = {m.image_dir: m.split for m in matches}
            placed = [(image, splits.get(image.parent, folders_split(image, root))) for image in unmasked]
            pairs += background_pairs(placed, pairs[0].mask if pairs else None, self.options.cache_dir)
            problems = [p for p in problems if p.path not in filled]
        pairs = unique_names(pairs, root)
        lists = read_split_lists(((m.image_dir, m.mask_dir) for m in matches), root,
                                 {m.image_dir for m in matches if m.split is not None or m.splits})
        where = ", ".join(sorted({f"'{p.parent}'" for p in lists.files}))
        listed, listed_unlabelled, problems = apply_split_lists(pairs, problems, lists.splits, where)
        kept = {p.image for p in listed}
        aside += [f for p in pairs if p.image not in kept for f in (p.image, p.mask) if f is not None]  # LandCover.ai's
        pairs, numbered = scene_number_splits(pair_table_splits(_splits_from_names(listed, root), root), root)
        pairs, ranged = readme_range_splits(pairs, root)  # AutoLaparo's README: 00001-01020 training, ...
        pairs = without_train_splits(pairs, filled, root)
        read = {f.parent for p in pairs for f in (*p.images, *p.masks)}  # before their stacks' pages are written
        pages_cache = cache_folder(self.options.cache_dir, "tiff-pages")
        pairs, paged = read_by_page(pairs, planes, root, pages_cache)
        pairs, frame = read_frames(pairs, matches, root, cache_folder(self.options.cache_dir, "band-frames"))
        mask_dirs = [m.mask_dir for m in matches]
        # each folder's class namings: a folder of files only for the classes its images show may lack some
        namings = tuple(sorted({t for m in matches for t in m.namings}, key=str.lower))
        shipped = _shipped_classes(root, found) if classes is None else ShippedClasses()
        if shipped.classes is not None:
            classes = shipped.classes
        declared = classes
        # a mask per class id of each source (SA-Med2D-20M's), a shipped table naming them
        sourced = source_classes(metadata_folders(root, found), pairs, namings) if namings and classes is None else None
        if sourced is not None:
            encoding = Encoding(*sourced)
        elif namings:  # a mask per class (--task multilabel): the namings name the classes, in a list's order
            namings = (named_in_order(namings, classes.names) if classes is not None else
                       listed_namings(metadata_folders(root, found), namings)) or namings
            names = classes.names if classes is not None and len(classes.names) == len(namings) else naming_names(namings)
            encoding = Encoding(ClassSpec(names), ClassNamingsMapping(namings))
        else:
            encoding = self.choose_classes(root, mask_dirs, pairs, classes, self.options.cache_dir)
        classes, mapping = encoding.classes, encoding.mapping
        unlabelled, aside_unlabelled = unlabelled_images(root, [p for p in unlabelled_found if p not in filled],
                                                         matches, found.ignored + aside)
        unlabelled += listed_unlabelled + frames
        index = DatasetIndex(root, "folder-pairs", pairs, unlabelled, classes, mapping,
                             problems + list(encoding.problems), mask_values=encoding.values)
        index.pairing = [m.describe(root) for m in matches] + paged + [line for line in (numbered, ranged) if line]
        if (shared := shared_masks_line(matches, root)) is not None:  # Structured3D's lightings of one view
            logger.warning("%s: %s", root, shared)
            index.pairing.append(shared)
        index.area_folders = tuple(sorted({d.name for m in matches for d in m.area_dirs}))
        index.frame = frame
        defect_free = [p for p in unmasked if p not in filled and in_defect_free_folder(p, root)]
        if frames:
            index.pairing.append(f"{len(frames)} frames without masks in "
                                 f"{len({f.parent for f in frames})} videos annotated sparsely (some frames only) are unlabelled images")
        if filled or defect_free:  # MVTec AD's good/ images: said, not passed over
            index.pairing.append(pairing_note(root, sorted(filled) or defect_free, bool(filled)))
        # read, or listed as ignored (CHAOS' T1DUAL/DICOM_anon/InPhase/, OutPhase/)
        read |= {m.parent for m in matches for m in m.extra_masks} | {f.parent for f in found.ignored}
        named = self.options.images is not None or self.options.masks is not None  # searched as deep as these lie
        deeper = [] if named else [f for f in deeper_image_folders(root) if f not in read]  # Drishti-GS1's SoftMap/
        if deeper:  # read nowhere: said, not passed over
            line = deeper_line(root, deeper, [m.image_dir for m in matches], {p.split for p in pairs})
            logger.warning("%s: %s", root, line)
            index.pairing.append(line)
        index.ignored = [p for p in found.ignored if p not in lists.files and p not in filled] + aside + sorted(
            derived) + [p for m in matches for p in m.extra_masks] + aside_unlabelled
        if shipped.path is not None:  # read, so in no way passed over (VIPER's classes.csv)
            index.ignored = [p for p in index.ignored if p != shipped.path]
        if isinstance(mapping, ObjectSettingsMapping):  # each mask folder's, read
            index.ignored = [p for p in index.ignored if p.name != OBJECT_SETTINGS]
        packed = declared is None and isinstance(mapping, ClassInstanceMapping)  # class_0... up to the largest class
        if packed or (index.classes is None and type(mapping) in (IdentityMapping, RedClassMapping)):  # no names yet
            values = index.mask_values if type(mapping) is IdentityMapping else frozenset()
            index.value_names = _shipped_value_names(root, found, shipped.value_names, values)
        elif declared is None and unnamed_binary(index):  # class_0 and class_1
            index.value_names = binary_value_names(root, found)
        if index.value_names is not None:  # and its copies in the other split folders (Roboflow's _classes.csv)
            index.ignored = [p for p in index.ignored if p.name != index.value_names.path.name]
        return index

    @staticmethod
    def choose_classes(
        root: Path,
        mask_dirs: list[Path],
        pairs: list[Pair],
        classes: ClassSpec | None,
        cache_dir: str | None,
    ) -> Encoding:
        """The encoding of the masks (`choose_encoding`), with class names of known layouts;
        what a layout needs every mask read for is kept in `cache_dir` (None: the default)."""
        if not pairs:
            return Encoding(classes, IdentityMapping())
        settings = object_settings_reading(mask_dirs) if classes is None else None
        if settings is not None:  # NDDS exports (Falling Things): each folder's file names its mask values
            return Encoding(*settings)
        labels_file = id_labels_file(root, mask_dirs) if classes is None else None
        rgb_ids = rgb_ids_reading(labels_file) if labels_file is not None else None
        if rgb_ids is not None:  # Stanford 2D-3D-S's objects numbered in RGB, named by semantic_labels.json
            return Encoding(*rgb_ids)
        ade20k = ade20k_reading(root, [m for p in pairs for m in p.masks], classes,
                                cache_folder(cache_dir))
        if ade20k is not None:  # ADE20K's full release: class ids in R and G, the objects numbered in B
            return Encoding(*ade20k)
        encoding = choose_encoding([m for p in pairs for m in p.masks], classes)
        # the U-Net tutorial's ISBI 2012 membranes: grey EM slices (WHU's aerial buildings are RGB)
        isbi = bool(mask_dirs) and all(m.name == "label" and m.parent.joinpath("image").is_dir() for m in mask_dirs)
        if classes is None and encoding.binary and isbi and channel_count(pairs[0].images[0]) == 1:
            return replace(encoding, classes=ISBI_CLASSES)
        camvid = {m.name for m in mask_dirs} >= {"trainannot", "valannot"}
        values = encoding.values
        if classes is None and camvid and values and max(values) <= CAMVID_VOID:
            return replace(encoding, classes=ClassSpec(CAMVID_NAMES, _camvid_colours(root), ignore_index=CAMVID_VOID))
        cityscapes = cityscapes_reading((p.mask for p in pairs if p.mask is not None), values, root, classes)
        # also with the 19 classes declared, as a trained run's classes.json declares them for evaluate
        if cityscapes is not None and type(encoding.mapping) is IdentityMapping and (
                classes is None or classes.names == cityscapes[0].names):
            logger.info("%s: Cityscapes label masks, read as its 19 evaluated classes (255 and the void ids "
                        "ignored; docs/data.md)", root)
            return replace(encoding, classes=classes or cityscapes[0], mapping=cityscapes[1])
        loveda = loveda_reading(mask_dirs, values)
        if classes is None and type(encoding.mapping) is IdentityMapping and loveda is not None:
            logger.info("%s: LoveDA masks, read as its 7 classes with no-data (0) ignored", root)
            return replace(encoding, classes=loveda[0], mapping=loveda[1])
        voc = voc_classes(mask_dirs, values, next((p.mask for p in pairs if p.mask is not None), None))
        if classes is None and type(encoding.mapping) is IdentityMapping and voc is not None:
            logger.info("%s: Pascal VOC masks, read as its 21 classes with the 255 border ignored", root)
            return replace(encoding, classes=voc)
        named = mat_names_reading((p.mask for p in pairs if p.mask is not None), values) \
            if classes is None and type(encoding.mapping) is IdentityMapping else None
        if named is not None:  # SIFT Flow's `names` beside `S`
            return replace(encoding, classes=named[0], mapping=named[1])
        if classes is None and isinstance(encoding.mapping, OneHotMapping):  # DynamicEarthNet's land-cover bands
            return replace(encoding, classes=_one_hot_names(root, encoding.mapping) or encoding.classes)
        return encoding


def _one_hot_names(root: Path, mapping: OneHotMapping) -> ClassSpec | None:
    """The classes of one-hot masks as the README in `root` names a class per channel, the
    background first where no channel is (`first` 1); None when it names none."""
    names = next((found for path in readme_files(side_entries(root))
                  if (found := readme_class_names(path, mapping.channels)) is not None), None)
    if names is None:
        return None
    logger.info("%s: the one-hot masks' %d channels named as the README lists its classes", root, mapping.channels)
    return ClassSpec(("background",) * mapping.first + names)


def _say_other_dates(root: Path, matches: list[FolderMatch]) -> None:
    """Warn where --images picked one date of a change-detection scene (LEVIR-CD's `A/` beside
    `B/`, Hi-UCD's `image/2017/` beside `2018/`, a `9/` below each): the other date's folder,
    holding the same names, is left out, and a change mask cannot be learnt from one date;
    without --images both are one image."""
    left: list[Path] = []
    for match in matches:
        names = {image.name for _, image, _ in match.pairs}
        if match.channels or not names:
            continue
        for dated in (match.image_dir, *(p for p in match.image_dir.parents if p.is_relative_to(root) and p != root)):
            below = match.image_dir.relative_to(dated)  # a date folder may lie above the images' (Hi-UCD's)
            others = [other / below for other in subfolders(dated.parent)
                      if other != dated and date_order([dated.name, other.name], True)
                      and (other / below).is_dir() and names <= {f.name for f in entries(other / below)}]
            if others:
                left.append(others[0])
                break
    if left:
        logger.warning("--images reads one date of a change-detection scene: %s beside it hold the other date of "
                       "each image and are left out; without --images both dates are read as one image (docs/data.md, "
                       "change detection)", ", ".join(f"'{p}'" for p in left))


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
