"""Several folders that could hold one image folder's masks: set aside by name, or refused.

Object masks, pictures of masks and older releases step aside for the class labels; otherwise
the refusal names the folders and the flag that picks one, never by example a folder whose first
mask numbers objects while another remains (`numbered_objects.looks_like_objects`: neuron ids in `labels/`
beside binary `membranes/`), whose line names --instance-masks, nor one whose masks mark a field of view around
the others' labels (`valid_area.fields_of_view`: LES-AV's `masks/` beside `vessel-segmentations/`).
"""

from __future__ import annotations

import logging
import re
import shlex
from collections import Counter
from collections.abc import Collection
from pathlib import Path

from seglab.data.discovery.channel_files import band_folders, date_order, folder_names_a_band
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.placement import _VERSION, labels_split_folder, mirrored
from seglab.data.files.folder_listing import folders_in
from seglab.data.files.index import list_images
from seglab.data.files.io import channel_count
from seglab.data.discovery.naming import folder_split, looks_like_image_folder, looks_like_mask_folder, stem, words
from seglab.data.discovery.naming.folder_roles import MASK_PICTURES, names_mask_pictures
from seglab.data.discovery.naming.key_rules import NUMBER_RULES
from seglab.data.discovery.naming.split_words import every_split
from seglab.data.discovery.pairing import FolderMatch, folder_label, names_labels
from seglab.data.encodings.numbered_objects import looks_like_objects
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_NUMBERED_CELLS = "man_seg"  # the Cell Tracking Challenge's segmentation truth: a number per cell
_OBJECT_FOLDER = re.compile(r"object|instance|panoptic", re.IGNORECASE)  # masks that number objects
_CLASS_FOLDER = re.compile(r"class|semantic|label", re.IGNORECASE)  # what object masks step aside for
# maps of how sure the labels are, beside them: MUSES' gt_uncertainty/ (difficult regions, 0/1) beside gt_semantic/
_SURENESS_FOLDER = re.compile(r"uncertain|confiden", re.IGNORECASE)
_NUMBERED_FOLDER = re.compile(r".*?[a-z][_\-. ]?(\d+)", re.IGNORECASE)  # TNBC's Slide_01/ and GT_01/: a case each
_MIN_NUMBERED = 3  # numbered mask folders that are a case each: a train, a validation and a test case
_SIDES = {"left", "right"}  # a stereo camera's two folders (TartanAir's image_left/, seg_right/)
_HUMAN_MASKS, _MACHINE_MASKS = re.compile(r"human", re.IGNORECASE), re.compile(r"machine", re.IGNORECASE)  # Supervisely


def _own_name(mask_dir: Path, image_dir: Path, root: Path) -> str:
    """The names in `mask_dir`'s path that `image_dir`'s lacks: `masks` for `images/` + `masks/`,
    `labels/sem_seg/colormaps` for BDD100K's `images/10k/train/` + `labels/sem_seg/colormaps/train/`."""
    shared = set(image_dir.relative_to(root).parts)
    return "/".join(p for p in mask_dir.relative_to(root).parts if p not in shared) or mask_dir.name


_NO_CLASS_LABELS = ((_OBJECT_FOLDER, _CLASS_FOLDER, "object masks (numbered objects, not classes)"),
                    (MASK_PICTURES, re.compile(""), "pictures of the masks (visualisations, overlays)"),
                    (_SURENESS_FOLDER, _CLASS_FOLDER, "maps of how sure the labels are (uncertainty, confidence), "
                     "not classes"),
                    (_HUMAN_MASKS, _MACHINE_MASKS, "the masks coloured for people (Supervisely's masks_human)"))


def _shows_masks(image: Folder, images_name: str | None) -> bool:
    """Whether a folder of photos is named as pictures of the masks (REFUGE's
    `Disc_Cup_Fovea_Illustration/`: the outlines drawn on each photo), which paired with the
    masks would train on the answers drawn in; unless --images names it."""
    return images_name is None and names_mask_pictures(image.parts)


def _without_unlabelled(image: Folder, candidates: list[FolderMatch], root: Path) -> list[FolderMatch]:
    """The candidates less the folders whose names say they hold no class labels, while others
    remain: object masks (VOC's and CVAT's `SegmentationObject/` beside `SegmentationClass/`,
    `instance/` beside `semantic/`), whose values number objects, and maps of how sure the labels
    are (MUSES' `gt_uncertainty/`), when a folder named for classes remains; pictures of the masks
    (labelme2voc's `SegmentationClassVisualization/`); and
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
                "instances", "distance", "weights",
                "background", "foreground", "tissue"}  # a mask of one region beside the labels: WSSS4LUAD's background-mask/
# the routes that read a folder per class
CLASS_FOLDER_TASKS = ("--task multilabel to read each folder as a class (classes may overlap), or --task multiclass "
                      "to read them as the classes of one class-index mask, the background 0 where none is")
_CLASS_WORDS = ("semantic", "class")  # in a mask folder's path: it holds class labels, the example offered first


def _in_labels_folder(folder: Path) -> bool:
    """Whether a mask folder is named for labels, or lies in one (AI4Mars' `labels/train/`): the
    labels to train on, before folders named by other words (its `images/mxy/`, the rover's mask)."""
    return any(looks_like_mask_folder(name) and names_labels(name) for name in (folder.name, folder.parent.name))


def _ambiguous(image: Folder, candidates: list[FolderMatch], root: Path, beside: list[Folder] | None = None,
               fields: Collection[Path] = (), per_image: list[Path] | None = None) -> DataError:
    """The refusal of `candidates` for `image`; `beside` (the folders beside it, when --images
    names none) makes its route name the images too where others would pair with the masks;
    `fields` are the mask folders marking a field of view around the others' labels
    (`valid_area.fields_of_view`), said so and offered last; `per_image` are the folders named
    after its images that the candidates are (`per_image.folders_per_image`), a folder per image."""
    rel = image.path.relative_to(root).as_posix() or "."
    objects = {c.mask_dir for c in candidates if looks_like_objects(c.pairs[0][2])}  # one mask each: cheap
    listed = "".join(
        f"\n  {_folders_shown(c, root)}: {len(c.pairs)} pairs by {c.rule.name}"
        + (f" (its first mask, '{c.pairs[0][2].name}', numbers objects: --instance-masks reads them as one class)"
           if c.mask_dir in objects else "")
        + (" (its masks hold the others' labels and more, over most of each image: a field of view, no labels)"
           if c.mask_dir in fields else "") for c in candidates
    )
    found = f"'{root}': {len(candidates)} folders could hold the masks of '{rel}/' ({len(image.files)} images):"
    found += f"{listed}\n"
    if per_image is not None:
        wrapper = per_image[0].parent
        held = {c.mask_dir: list_images(c.mask_dir, masks=True) for c in candidates}
        first = max(held, key=lambda folder: len(held[folder]))  # the example: a folder of several masks
        shown = ", ".join(p.name for p in held[first][:3])
        return DataError(
            f"{found}they are named after its images in {folder_label(wrapper, root)}, which mirrors the image folder: "
            f"a folder per image holding that image's masks ({folder_label(first, root)}: {shown}, one per object "
            "or defect), which pair by name with other images only by chance; pass --merge-masks to read each "
            "image's masks in its folder as one (their union)"
        )
    if folders_per_object(candidates):
        return DataError(
            f"{found}they are numbered in {folder_label(candidates[0].mask_dir.parent, root)}, which mirrors the image "
            "folder: a folder per object of its images; pass --merge-masks to read an image's masks of all of them as "
            "one (their union: the objects' foreground). The numbers name the objects of these images, not classes "
            "that other folders share, and --masks with one number leaves out the other objects and the image folders "
            "whose masks lie in no numbered folder"
        )
    # a band's folder (SceneNet's depth/ beside instance/) is an image's channel, never the example
    labelled = sorted(candidates, key=lambda c: (folder_names_a_band(c.mask_dir.name), c.mask_dir in objects,
                                                 c.mask_dir in fields,
                                                 not _names_classes(c.mask_dir, root),
                                                 not (c.splits or _in_labels_folder(c.mask_dir)),
                                                 not names_labels(c.mask_dir.name),
                                                 not _names_ids(c.mask_dir.name),
                                                 not looks_like_mask_folder(c.mask_dir.name),
                                                 _names_a_by_product(c.mask_dir.name),
                                                 _names_a_variant(c.mask_dir.name, candidates), c.mask_dir.name))
    names = {c.mask_dir.name for c in candidates}  # the example: a folder not named as a rendering (KITTI's semantic/)
    first = labelled[0].mask_dir
    flag = first.name if len(names) == len(candidates) else first.relative_to(root).as_posix()
    case = first.parent.name  # PH2's IMD002/IMD002_lesion/: one folder per case, named after it
    if flag == first.name and first.name.startswith(case) and len(first.name) > len(case):
        flag = f"*{first.name[len(case):]}"
    elif case.startswith(image.path.name + "_"):  # the Cell Tracking Challenge's 01_GT/SEG/ for 01/
        flag = f"*{case[len(image.path.name):]}/{first.name}"
    elif (suffix := _split_suffix(image.path, first)) is not None:
        flag = f"*{suffix}"
    elif first.name == image.path.name:
        flag = _mirrored_top(first, image.path, root)
    elif labelled[0].splits and (split := labels_split_folder(first)) is not None:
        flag = split.parent.name  # AI4Mars' labels, its labels/train/ and labels/test/<version>/ each a split
    elif _in_labels_folder(first) and not looks_like_mask_folder(first.name):
        flag = f"{first.parent.name}/{first.name}"  # AI4Mars' labels/train, not a bare train
    flag = shlex.quote(flag)  # as a shell takes it: NuInsSeg's 'mask binary', a pattern
    if _images_beside(image, labelled[0], candidates, beside or []):
        flag += f" --images {shlex.quote(every_split(image.path.name))}"
    if all(mask.name.lower().startswith(_NUMBERED_CELLS) for _, _, mask in labelled[0].pairs):
        flag += " --instance-masks (its man_seg files number the cells: one foreground class)"
    parts = ("\nor, if each holds a part of the labels (a lung each, a class each), pass --merge-masks to read an "
             f"image's masks of all of them as one (their union), {CLASS_FOLDER_TASKS}"
             ) if _one_mask_wrapper(candidates) else ""
    return DataError(f"{found}pass the one with the labels to train on, e.g. --masks {flag}{parts}")


def _folders_shown(candidate: FolderMatch, root: Path) -> str:
    """A candidate's mask folder as the refusal lists it; a labels folder's split folders read as
    one each with its split (AI4Mars' `labels/train/ [train 8] + labels/test/<version>/ [test 4]`)."""
    if not candidate.splits:
        return folder_label(candidate.mask_dir, root)
    counts = Counter((mask.parent, candidate.splits[key]) for key, _, mask in candidate.pairs)
    return " + ".join(f"{folder_label(folder, root)} [{split} {n}]" for (folder, split), n in counts.items())


def _images_beside(image: Folder, chosen: FolderMatch, candidates: list[FolderMatch], beside: list[Folder]) -> bool:
    """Whether --masks naming `chosen` alone would be refused again, as its masks would pair with
    the files of other folders beside `image` too (`layouts.folder_pairs.duplicate_folders`):
    VITON-HD's `image-densepose/` and `cloth/` beside `image/` and `image-parse-v3/`, all holding
    `00000_00.jpg`. Not when the masks lie elsewhere (the Cell Tracking Challenge's `01_GT/SEG/`
    for `01/` beside `02/`), nor for folders named for masks (KITTI's `instance/`), naming a band or
    the other date of a scene (S2Looking's `Image2/`: channels of one image), nor where `image` alone
    is named for images, when the others are set aside as its renderings, nor where the others are
    further channels of its images (MSRS' visible `vi/` beside infrared `ir/`: `band_folders`), which
    `--masks` alone reads as one image."""
    if chosen.mask_dir.parent != image.path.parent:
        return False
    names = {stem(path).lower() for _, path, _ in chosen.pairs}
    masks = {c.mask_dir for c in candidates}
    others = [folder for folder in beside
              if folder.path != image.path and folder.path not in masks and not folder.named_mask
              and not folder_names_a_band(folder.path.name) and date_order([image.path.name, folder.path.name], True) is None
              and len(names & {stem(p).lower() for p in folder.files}) >= 0.5 * len(names)]
    alone = looks_like_image_folder(image.path.name) and not any(looks_like_image_folder(f.path.name) for f in others)
    if not others or alone:
        return False
    folders = [image, *others]
    return not band_folders([f.path.name for f in folders], [channel_count(f.files[0]) for f in folders])


def _mirrored_top(mask_dir: Path, image_dir: Path, root: Path) -> str:
    """The top of a mask tree mirroring the images' (`RUGD_annotations` for
    `RUGD_annotations/creek/` beside `RUGD_frames-with-annotations/creek/`), which as --masks
    pairs every folder below it; the mask folder's own name (`creek`) would name the images."""
    mask_parts, image_parts = mask_dir.relative_to(root).parts, image_dir.relative_to(root).parts
    shared = 0  # the trailing folders both paths end with
    while shared < min(len(mask_parts) - 1, len(image_parts)) and mask_parts[-1 - shared] == image_parts[-1 - shared]:
        shared += 1
    return "/".join(mask_parts[: len(mask_parts) - shared])


def _split_suffix(image_dir: Path, mask_dir: Path) -> str | None:
    """What a mask folder's name adds to its image folder's when a sibling adds it to another's:
    `_labels_ids` for TAS500's `train_labels_ids/` beside `train/`, as `val_labels_ids/` holds
    val/'s masks; `--masks '*_labels_ids'` reads every split, where `train_labels_ids` leaves val
    unlabelled. None for a mask folder named otherwise, or the only one so named."""
    if mask_dir.parent != image_dir.parent or not mask_dir.name.startswith(image_dir.name + "_"):
        return None
    suffix = mask_dir.name[len(image_dir.name):]
    others = (p for p in folders_in(mask_dir.parent) if p.name.endswith(suffix) and p != mask_dir
              and (mask_dir.parent / p.name[: -len(suffix)]).is_dir())
    return suffix if any(others) else None


def _names_classes(mask_dir: Path, root: Path) -> bool:
    """Whether a mask folder's path in the dataset says it holds class labels (SIFT Flow's
    `SemanticLabels/<scenes>/` beside `GeoLabels/<scenes>/`, VOC's `SegmentationClass/` beside
    `SegmentationObject/`): the example a refusal offers first."""
    return any(word in part.lower() for part in mask_dir.relative_to(root).parts for word in _CLASS_WORDS)


def _names_a_by_product(name: str) -> bool:
    """Whether a mask folder's name says it holds what is drawn from the labels (COD10K's
    `GT_Edge/` and `GT_Instance/` beside `GT_Object/`, WSSS4LUAD's `background-mask/` beside
    `mask/`): offered after the others as the example."""
    return bool(_BY_PRODUCTS & set(words(name.lower())))


def _names_a_variant(name: str, candidates: list[FolderMatch]) -> bool:
    """Whether a mask folder's name is another candidate's with words added (VITON-HD's
    `image-parse-agnostic-v3.2/`, the parse maps with the clothes taken out, beside
    `image-parse-v3/`): offered after the plainer one as the example."""
    own = set(words(name))
    return any(set(words(c.mask_dir.name)) < own for c in candidates)


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


def _same_number(image: Folder, candidates: list[FolderMatch]) -> list[FolderMatch]:
    """The one candidate beside `image`, named for masks, that ends with the image folder's number
    (TNBC's `GT_01/` for `Slide_01/`, beside `GT_02/` ... and `Slide_02/` ...): a folder pair per
    case, among `_MIN_NUMBERED` numbered mask folders or more (S2Looking's `label1/` and `label2/`
    beside `Image1/` and `Image2/` are two kinds of change, not a case each); all candidates when
    no such single one."""
    number = _NUMBERED_FOLDER.fullmatch(image.path.name)
    if number is None or looks_like_mask_folder(image.path.name):
        return candidates
    numbered = [(c, int(found[1])) for c in candidates if c.mask_dir.parent == image.path.parent
                and looks_like_mask_folder(c.mask_dir.name) and (found := _NUMBERED_FOLDER.fullmatch(c.mask_dir.name))]
    same = [c for c, n in numbered if n == int(number[1])]
    return same if len(same) == 1 and len(numbered) >= _MIN_NUMBERED else candidates


def _same_suffix(image: Folder, candidates: list[FolderMatch]) -> list[FolderMatch]:
    """The one candidate beside `image` whose trailing number (or none) is the image folder's,
    when every candidate's number names an image folder beside them (comma10k's `imgs/` + `masks/`
    and `imgs2/` + `masks2/`, whose `masks2/` pairs with `imgs/` by a file's first number alone):
    each mask folder then has its image folder; all candidates otherwise."""
    def split(name: str) -> tuple[str, str]:
        body = name.rstrip("0123456789")
        return body, name[len(body):]

    body, number = split(image.path.name)
    beside = [c for c in candidates if c.mask_dir.parent == image.path.parent]
    if not body or len(beside) < 2 or len(beside) != len(candidates):
        return candidates
    numbers = [split(c.mask_dir.name)[1] for c in beside]
    same = [c for c, n in zip(beside, numbers) if n == number]
    if len(same) != 1 or len(set(numbers)) != len(numbers) or not all(
            (image.path.parent / f"{body}{n}").is_dir() for n in numbers):
        return candidates
    return same


def _same_side(image: Folder, candidates: list[FolderMatch]) -> list[FolderMatch]:
    """The one candidate whose name says the image folder's side, when each names one (TartanAir's
    `seg_left/` for `image_left/`, beside `seg_right/`, whose `000000_right_seg` pairs with
    `000000_left` by its number alone): a stereo camera's masks each; all candidates otherwise."""
    side = _SIDES & set(words(image.path.name))
    named = [_SIDES & set(words(c.mask_dir.name)) for c in candidates]
    same = [c for c, sides in zip(candidates, named) if sides == side]
    return same if len(side) == 1 and all(len(sides) == 1 for sides in named) and len(same) == 1 else candidates


def _of_another_folder(image: Folder, candidates: list[FolderMatch], root: Path) -> list[FolderMatch]:
    """The candidates less the mask folders beside `image` that are named for another image folder
    beside it, while others remain: VITON-HD's `cloth-mask/` holds the masks of `cloth/` (the
    garment photos), whose files are named like `image/`'s persons, so it pairs with `image/` too.
    A mask folder's name less its mask words naming a sibling folder of images says whose it is."""
    def owner(candidate: FolderMatch) -> Path | None:
        rest = [w for w in words(candidate.mask_dir.name) if not looks_like_mask_folder(w)]
        if candidate.mask_dir.parent != image.path.parent or not rest:
            return None
        return next((p for p in folders_in(image.path.parent) if p not in (image.path, candidate.mask_dir)
                     and words(p.name) == rest and any(list_images(p))), None)

    owners = {c.mask_dir: owner(c) for c in candidates}
    kept = [c for c in candidates if owners[c.mask_dir] is None]
    if not kept or len(kept) == len(candidates):
        return candidates
    for c in candidates:
        if owners[c.mask_dir] is not None:
            logger.info("%s: %s holds the masks of %s, not of these images (--masks %s reads them)",
                        folder_label(image.path, root), folder_label(c.mask_dir, root),
                        folder_label(owners[c.mask_dir], root), shlex.quote(c.mask_dir.name))
    return kept


def named_masks(matches: list[FolderMatch]) -> set[Path]:
    """The masks `matches` pair by name, by any rule but a file's number (`NUMBER_RULES`)."""
    return {mask for m in matches if m.rule not in NUMBER_RULES for _, _, mask in m.pairs}


def without_numbered_claims(candidates: list[FolderMatch], named: set[Path], root: Path) -> list[FolderMatch]:
    """The candidates less those pairing by a file's number alone where most of their masks are
    paired by name with other images (`named`): MSD's `scratch/Scr_0001.jpg` and
    `good/good_0001.jpg` share the number of `ground_truth_2/Oil_0001.png`, the mask of
    `oil/Oil_0001.jpg`. Each set aside is logged."""
    kept = []
    for candidate in candidates:
        pairs = candidate.pairs
        if candidate.rule in NUMBER_RULES and 2 * sum(mask in named for _, _, mask in pairs) > len(pairs):
            logger.info("%s pairs with %s by a number in the name alone, and those masks are named after other images: "
                        "not paired", folder_label(candidate.image_dir, root), folder_label(candidate.mask_dir, root))
        else:
            kept.append(candidate)
    return kept


def _one_mask_wrapper(candidates: list[FolderMatch]) -> bool:
    """Whether the mask folders all lie in one folder named for masks (the Montgomery set's
    `ManualMask/leftMask/` and `ManualMask/rightMask/`), or in a split folder of one (IDRiD's
    `2. All Segmentation Groundtruths/a. Training Set/1. Microaneurysms/`, ...), none named as a
    rendering (SYNTHIA's `GT/COLOR/`): parts of one labelling, not rivals."""
    wrappers = {c.mask_dir.parent for c in candidates}
    if len(wrappers) != 1:
        return False
    wrapper = next(iter(wrappers))
    named = looks_like_mask_folder(wrapper.name) or (folder_split(wrapper.name) is not None
                                                     and looks_like_mask_folder(wrapper.parent.name))
    return named and all(names_labels(c.mask_dir.name) for c in candidates)


def folders_per_object(candidates: list[FolderMatch]) -> bool:
    """Whether the mask folders are numbered (`1/`, `2/`, ...) in one folder that mirrors their
    image folder (SegTrack v2's `GroundTruth/bmx/1/` and `2/` for `JPEGImages/bmx/`, beside
    `GroundTruth/birdfall/` holding the masks of its single object): a folder per object of that
    image folder's masks, parts of one labelling, which `--merge-masks` reads as one."""
    wrappers = {c.mask_dir.parent for c in candidates}
    if len(wrappers) != 1 or not all(c.mask_dir.name.isdigit() for c in candidates):
        return False
    wrapper, image_dir = next(iter(wrappers)), candidates[0].image_dir
    return wrapper.name == image_dir.name and mirrored(image_dir.parts, wrapper.parts, named=True)
