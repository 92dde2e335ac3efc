"""`search_folders`: every image folder of a dataset with its mask folder, or its masks beside it."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from seglab.data.discovery.channel_files import folder_names_a_band
from seglab.data.classes import CLASS_DICT_GLOB, CVAT_LABELMAP
from seglab.data.discovery.complementary_masks import complementary_matches
from seglab.data.discovery.folders.band_chips import band_chips
from seglab.data.discovery.folders.chance_numbers import refuse_chance_numbers
from seglab.data.discovery.folders.content import MaskSniffs, _in_one_file
from seglab.data.discovery.folders.dataset_copies import without_augmented_copies, without_copies
from seglab.data.discovery.folders.listing import MAX_DEPTH, METADATA_FILES, NAMED_DEPTH, Folder, walk
from seglab.data.discovery.folders.per_image import (
    folders_per_image,
    mask_wrappers,
    masks_in_image_folders,
    masks_in_stem_folders,
    of_an_image,
    per_image_masks,
)
from seglab.data.discovery.folders.placement import (
    FolderPlaces,
    _candidates,
    _same_below,
    named_tops,
    path_ends_with,
    same_wildcards,
)
from seglab.data.discovery.folders.rivals import (
    _ambiguous,
    _newest_version,
    _of_another_folder,
    _one_mask_wrapper,
    _same_number,
    _same_suffix,
    _same_side,
    _shows_masks,
    _without_unlabelled,
    folders_per_object,
    named_masks,
    without_numbered_claims,
)
from seglab.data.discovery.folders.sibling_labels import sibling_case_labels
from seglab.data.discovery.folders.side_by_side import _side_by_side, holds_named_masks, say_unpaired_masks
from seglab.data.discovery.folders.split_namings import named_pairings_first
from seglab.data.discovery.folders.split_labels import (
    labels_by_split,
    other_splits,
    say_other_splits,
    strictest_versions,
)
from seglab.data.discovery.folders.task_copies import refuse_task_copies
from seglab.data.discovery.folders.tile_products import without_tile_products
from seglab.data.discovery.folders.unpaired_domains import domain_sibling, say_unpaired_domains
from seglab.data.discovery.folders.union_folders import without_unions
from seglab.data.discovery.folders.valid_area import fields_of_view, not_labels, split_valid_areas, with_valid_areas
from seglab.data.files.folder_listing import files_in
from seglab.data.files.index import MASK_SUFFIXES
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.discovery.naming import KEY_RULES, KeyRule, looks_like_mask_folder, usable_splits
from seglab.data.discovery.naming.folder_roles import holds_motion_fields
from seglab.data.discovery.naming.mask_patterns import names_fixed_mask
from seglab.data.discovery.pairing import FolderMatch, combine_matches, folder_label, used_mask_folders
from seglab.data.discovery.rival_namings import settle_rival_namings

logger = logging.getLogger(__name__)


@dataclass
class FolderSearch:
    """What `search_folders` found.

    Args:
        matches: one per image folder that has masks.
        unlabelled: image folders without masks under a val or test split (DeepGlobe's `valid/`).
        ignored: files in no pair and no unlabelled folder (stray figures, weights, ...).
        is_masks: whose files look like masks, as the search sniffed them (`settle_shared_masks` asks again).
    """

    matches: list[FolderMatch] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    is_masks: MaskSniffs = field(default_factory=MaskSniffs)


def search_folders(
    root: Path,
    rules: tuple[KeyRule, ...] = KEY_RULES,
    images_name: str | None = None,
    masks_name: str | None = None,
    merge: bool = False,
    multilabel: bool = False,
    multiclass: bool = False,
    bands: tuple[str, ...] | None = None,
    frame: int | None = None,
) -> FolderSearch:
    """Find every image folder with its mask folder under `root`.

    Args:
        rules: key rules to pair files with (a `--mask-pattern` gives just one).
        merge: several masks of one image are read as one (`--merge-masks`; `match_folders`).
        multilabel: images' masks of several namings are a mask per class (`--task multilabel`;
            `rival_namings.namings_as_classes`), not a choice; so are the class folders of one
            folder named for masks (IDRiD's lesion folders, Agriculture-Vision's `labels/<class>/`).
        multiclass: such class folders are the classes of one class-index mask (`--task multiclass`;
            `multilabel.ClassFileLabelsMapping`), not a choice.
        images_name: only folders of this name (or relative path) hold images (`--images`), or
            the folders below it when it holds none itself.
        masks_name: only folders of this name (or relative path) hold masks (`--masks`), likewise.
        bands: the bands read from chip folders of band files (`--bands`; `band_chips`), lower case;
            None: those most chips hold.
        frame: the frame read of band files that hold a time series (`--frame`; `band_chips`);
            None: their middle one.

    Folders marking the area to score beside class folders (`valid_area`) are no candidates for
    the masks; with the class folders read as classes, their masks join each image's. Chip folders
    of band files and the labels naming them (`band_chips`) are read first, and searched no further.

    Raises:
        DataError: two folders could hold the masks of one image folder, images match more
            than one mask each (`rival_namings.refuse_rival_namings`), or two image folders hold
            the same images with other masks (`task_copies`); chip folders that `band_chips` refuses.
    """
    # masks named alike in every folder (`semantic.png`) are named as a folder is, so looked for as deep
    folders = walk(root, NAMED_DEPTH if images_name or masks_name or names_fixed_mask(rules) else MAX_DEPTH)
    is_masks = MaskSniffs()
    paired: dict[Path, tuple[FolderMatch | None, list[Path]]] = {}  # `_side_by_side` of a folder, and what it set aside

    def beside(folder: Folder, aside: list[Path]) -> FolderMatch | None:
        """`_side_by_side` of `folder`, run once: the trial against its folders per image and the
        search share it; the files it sets aside are added to `aside`."""
        if folder.path not in paired:
            set_aside: list[Path] = []
            paired[folder.path] = _side_by_side(folder, root, rules, merge, set_aside), set_aside
        match, set_aside = paired[folder.path]
        aside += set_aside
        return match

    image_tops, mask_tops = named_tops(root, images_name, folders), named_tops(root, masks_name, folders)

    def chosen(folder: Folder, name: str | None, tops: list[Path]) -> bool:
        if name is None or folder.path == (root / name) or path_ends_with(folder.parts, name):
            return True
        return any(top in folder.path.parents for top in tops)

    # --masks naming one version of a split's labels (AI4Mars' masked-gold-min1-100agree): the other splits' too
    with_splits = other_splits(folders, lambda f: chosen(f, masks_name, mask_tops), root) if masks_name else set()

    def chosen_masks(folder: Folder) -> bool:
        return chosen(folder, masks_name, mask_tops) or folder.path in with_splits

    search = FolderSearch(folders=folders, is_masks=is_masks)
    chips = band_chips(folders, root, bands, lambda f: chosen(f, images_name, image_tops), chosen_masks, frame)
    folders = [f for f in folders if f.path not in chips.claimed]
    matches: dict[Path, FolderMatch] = {}
    named_images = images_name is None and any(f.named_image and f.files for f in folders)
    named = images_name is not None or masks_name is not None  # wildcards and places of the user's: any folder
    places = FolderPlaces(folders, chosen_masks, masks_name is not None,
                          image_tops, mask_tops, lambda f: named or f.named_mask or is_masks(f),
                          lambda image: not named and is_masks(image))
    below: dict[Path, list[Folder]] = {}

    @functools.cache
    def wrappers_in(folder: Path) -> list[Path]:  # listed once for all the image folders in `folder`
        return mask_wrappers(folder, lambda path: masks_name is None or path_ends_with(
            path.relative_to(root).parts, masks_name) or path == root / masks_name)

    for folder in folders:
        below.setdefault(folder.path.parent, []).append(folder)
    mask_like: set[Path] = set()  # folders of mask-like files beside named image folders: no images, no unlabelled
    # several candidates (and the folders per image they are), until every area folder is known
    undecided: list[tuple[Folder, list[FolderMatch], list[Path] | None]] = []
    said: set[Path] = set()  # labels folders split by split folders, logged once (`split_labels`)
    areas: set[Path] = set()
    for image in sorted(folders, key=lambda f: not f.named_image):  # a choice to ask is asked of images/ first
        if not image.files or (_holds_masks(image, is_masks) and images_name is None) \
                or not chosen(image, images_name, image_tops) or _shows_masks(image, images_name) \
                or holds_motion_fields(image.path.name):
            continue
        if named_images and not image.named_image and not folder_names_a_band(image.path.name) \
                and is_masks(image):
            mask_like.add(image.path)  # Agriculture-Vision's boundaries/ beside images/rgb/: never the images
            continue
        own = per_image_masks(image, below.get(image.path, []), root, rules, merge) if masks_name is None else None
        if own is not None and _masks_beside(own, beside(image, [])):  # a trial: files set aside are not kept
            own = None  # ADE20K's `<name>_seg.png` beside `<name>.jpg`, its `<name>/` of one file per object
        if own is None:  # Drishti-GS1's GT/<name>/SoftMap/ beside Images/
            own = masks_in_stem_folders(image, wrappers_in(image.path.parent), root, rules, merge)
        if own is not None:  # RoadAnomaly's frames/<name>.labels/: a folder per image, not a choice of folders
            matches[image.path] = own
            continue
        candidates = _candidates(image, places.near(image), root, rules, is_masks,
                                 chosen_masks, masks_name is not None, merge,
                                 _same_below(image_tops, mask_tops), same_wildcards(images_name, masks_name),
                                 places.of_kind_tree)
        if len(candidates) > 1 and masks_name is None:
            candidates = _without_unlabelled(image, candidates, root)
        if len(candidates) > 1:
            candidates = _same_side(image, _same_suffix(image, _same_number(image, _newest_version(image, candidates, root))))
            candidates = _of_another_folder(image, candidates, root)  # VITON-HD's cloth-mask/ is cloth/'s
            candidates = labels_by_split(image.path, strictest_versions(candidates, root, said), root, said)
        candidates, scored = split_valid_areas(candidates)  # Agriculture-Vision's boundaries/ and masks/
        areas.update(area.mask_dir for area in scored)
        per_image = folders_per_image(image, candidates) if len(candidates) > 1 else None
        if per_image is not None and (own := masks_in_image_folders(image, per_image, root, merge)) is not None:
            candidates = [own]  # MVTec LOCO AD's ground_truth/<type>/000/: the masks of 000.png, a file per defect
        if len(candidates) > 1 and ((merge or multilabel or multiclass) and _one_mask_wrapper(candidates)
                                    or merge and folders_per_object(candidates)):
            candidates = [combine_matches(candidates)]  # Montgomery's lungs, SegTrack's GroundTruth/bmx/1/ + 2/
            if scored:
                candidates = [with_valid_areas(candidates[0], scored, root, merge)]
        if len(candidates) > 1 and (together := complementary_matches(candidates, root)) is not None:
            candidates = [together]  # Foggy Driving's gtFine/ and gtCoarse/, each image in one
        if len(candidates) > 1:
            undecided.append((image, candidates, per_image))
        elif candidates:
            matches[image.path] = candidates[0]
    # MSD's scratch/Scr_0001.jpg and good/good_0001.jpg share a number with oil/Oil_0001.jpg's mask
    named = named_masks([*matches.values(), *(c for _, candidates, _ in undecided for c in candidates)])
    matches = {path: match for path, match in matches.items() if without_numbered_claims([match], named, root)}
    for image, candidates, per_image in undecided:
        candidates = not_labels(candidates, areas, root)  # Agriculture-Vision's test/boundaries/: no labels
        candidates = without_numbered_claims(candidates, named, root)
        if len(candidates) > 1:
            raise _ambiguous(image, candidates, root, below.get(image.path.parent) if images_name is None else None,
                             fields_of_view(candidates), per_image)
        if candidates:
            matches[image.path] = candidates[0]
    if rules == KEY_RULES:  # BDCI 2020's img_testA/ pairs with lab_train/ only as 'T' + image name
        matches = named_pairings_first(matches, {f.path: f.split for f in folders}, root)
    refuse_chance_numbers(matches.values(), root)  # MATLAB Image Labeler's Label_3.png is no IMG_0003.jpg's
    relabelled = sibling_case_labels(folders, matches, root)  # SenNet's kidney_3_dense/labels/ of kidney_3_sparse/
    unpaired: list[Folder] = []  # image folders below a named one that pair with no masks
    unread: list[Folder] = []  # folders of files named as masks beside images, paired by no naming
    used_masks = used_mask_folders(matches) - matches.keys()  # a folder per image's mask lies below the images
    aside: list[Path] = []  # named neither as images nor as masks beside files named as both
    listed = {f.path: f for f in folders}
    for image in (f for f in folders if f.files and f.path not in used_masks):
        match = matches.get(image.path)
        if match is not None:
            search.matches.append(match)
            continue
        # with --images and --masks, images and masks side by side only where the user's folders are:
        # Dress Code's dense/ (`<id>_5.png` + `_5_uv.npz`) beside the named images/ and label_maps/;
        # --masks alone names one kind of pairs, not all (ClearGrasp's real-test/ pairs side by side)
        named_here = images_name is None or masks_name is None or (
            chosen(image, images_name, image_tops) and chosen(image, masks_name, mask_tops))
        tried = named_here and not holds_motion_fields(image.path.name)
        side_by_side = (_in_one_file(image) or beside(image, aside)) if tried else None
        if side_by_side is not None:
            search.matches.append(side_by_side)
        elif (domain := listed.get(domain_sibling(image.path))) is not None and is_masks.unlike(image) \
                and chosen(image, images_name, image_tops):  # XCAD's trainA/, beside trainB/'s masks of no image
            search.unlabelled += image.files
            if is_masks(domain):
                say_unpaired_domains(root, image.path, domain.path, len(image.files))
        elif tried and holds_named_masks(image):  # never masks read as unlabelled images
            search.ignored += image.files
            unread.append(image)
        elif image.split in ("val", "test") and not image.named_mask and not _shows_masks(image, None) \
                and not holds_motion_fields(image.path.name) \
                and image.path not in mask_like and not of_an_image(image, listed.get(image.path.parent)) \
                and chosen(image, images_name, image_tops):  # with --images rgb, test/<defect>/xyz/ is no image folder
            search.unlabelled += image.files
        else:
            search.ignored += image.files
            if any(top in image.path.parents for top in image_tops):
                unpaired.append(image)
    search.ignored += sorted(set(relabelled) - set(search.ignored))  # a folder all relabelled is listed already
    if aside:
        logger.info("%s: %d files beside images and masks named as such (_img, _msk, ...) are named as neither, "
                    "e.g. '%s': left out, listed as ignored", root, len(aside), aside[0].relative_to(root).as_posix())
    if unpaired:
        _say_unpaired_below(root, images_name, unpaired)
    say_unpaired_masks(root, unread)
    if masks_name is not None:  # AI4Mars' --masks labels/train, its labels/test/ left out
        say_other_splits(folders, search.matches, root)
    search.matches += chips.matches
    search.unlabelled += chips.unlabelled
    search.ignored += chips.ignored
    search.matches, copies = without_unions(search.matches, root)  # HRSC2016's FullDataSet/ beside Train/, Test/
    search.ignored += copies
    search.matches, copies = without_copies(search.matches, root)  # a Kaggle upload's dataset nested in itself
    search.ignored += copies
    search.matches, copies = without_augmented_copies(search.matches, root)  # zhixuhao/unet's train/aug/
    search.ignored += copies
    refuse_task_copies(search.matches, root)  # DeepFish's Localization/ and Segmentation/: one set of images, two tasks
    search.matches = _keep_consistent_splits(search.matches, root)
    search.matches = settle_rival_namings(search.matches, multilabel)
    search.matches, products = without_tile_products(search.matches, root)  # Urban 3D's <tile>_DSM beside _RGB
    search.ignored += products
    mask_dirs = {d for m in search.matches for d in (m.mask_dir, *m.more_mask_dirs)}
    search.ignored += _other_files(sorted({root} | {m.image_dir for m in search.matches} | mask_dirs), mask_dirs)
    return search


def _say_unpaired_below(root: Path, images_name: str | None, unpaired: list[Folder]) -> None:
    """Warn of the image folders below a folder --images names that pair with no masks (CHAOS'
    `T1DUAL/DICOM_anon/OutPhase/`, whose slices are named otherwise than `T1DUAL/Ground/`'s
    masks, beside `InPhase/`, named alike): their images are listed as ignored, not read."""
    shown = ", ".join(f"{folder_label(f.path, root)} ({len(f.files)} images)" for f in unpaired[:3])
    more = f" and {len(unpaired) - 3} more" if len(unpaired) > 3 else ""
    logger.warning("%s: %d folder(s) below --images %s hold images named as no mask: %s%s; they are listed as "
                   "ignored, not read", root, len(unpaired), images_name, shown, more)


def _masks_beside(own: FolderMatch, beside: FolderMatch | None) -> bool:
    """Whether the images' files beside them (`beside`) pair at least as many images as the
    folders named after them do (`own`): such folders then hold each image's other files (ADE20K's
    per-object masks, `ADE_x/instance_000_ADE_x.png`, beside `ADE_x_seg.png`), not its mask."""
    return beside is not None and len(beside.pairs) >= len(own.pairs)


def _holds_masks(folder: Folder, is_masks: Callable[[Folder], bool]) -> bool:
    """A mask folder by its own name (`Folder.named_mask`: SIGNATE's `seg_train_images/` says
    images beside its siblings), or by a wrapper's name when its files look like masks too:
    Vaihingen's photos in `top/` under `ISPRS_semantic_labeling_Vaihingen/` are images."""
    return folder.named_mask and (looks_like_mask_folder(folder.path.name) or is_masks(folder))


def _other_files(folders: list[Path], masks: set[Path]) -> list[Path]:
    """Files that are not images in the dataset root and the paired folders (weights, .mat,
    notes), so that `seglab inspect` shows what it left out; known metadata is not listed, nor
    the `masks` folders' MATLAB masks."""
    found = []
    for folder in folders:
        read = MASK_SUFFIXES if folder in masks else IMAGE_SUFFIXES
        for path in sorted(files_in(folder)):
            name = path.name.lower()
            metadata = name in METADATA_FILES or path.match(CLASS_DICT_GLOB) or name == CVAT_LABELMAP
            if not name.startswith(".") and not metadata and not name.endswith(read):
                found.append(path)
    return found


def _keep_consistent_splits(matches: list[FolderMatch], root: Path) -> list[FolderMatch]:
    """Keep the folders' split labels only when they may split the dataset (`usable_splits`);
    folders naming a split beside others naming none are said, as their split is drawn then: an
    official test set would be trained on without a word. A folder of no pairs has no say (PV-Vision's
    unlabelled `module_images/` beside `crack_segmentation/{train,val,test_mix,test_crack}/`)."""
    paired = [m for m in matches if m.pairs]
    if not usable_splits(split for m in paired for split in _splits_of(m)):
        named = [m for m in paired if None not in _splits_of(m)]
        unnamed = [m for m in paired if None in _splits_of(m)]
        if named and unnamed:
            logger.warning("%s is in a %s split folder but %s%s in none: the folders do not split the "
                           "dataset and the split is drawn (--split-file FILE gives one)",
                           folder_label(named[0].image_dir, root), "/".join(sorted(map(str, _splits_of(named[0])))),
                           folder_label(unnamed[0].image_dir, root),
                           f" and {len(unnamed) - 1} more folders are" if len(unnamed) > 1 else " is")
        for match in matches:
            match.split, match.splits = None, {}
    return matches


def _splits_of(match: FolderMatch) -> set[str | None]:
    """The splits a match's folders name: its pairs' own where its masks lie in several split folders."""
    return set(match.splits.values()) or {match.split}
