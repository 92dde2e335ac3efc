"""Where mask folders sit for an image folder: beside, mirrored, below or named after it.

Or at one place below the folders --images and --masks name (`_same_below`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data.discovery.channel_files import dated_names, folder_names_a_band, joined_dates
from seglab.data.discovery.folders.content import MaskSniffs
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.mirror_trees import (
    MOST_KINDS, image_keys, inserted_below, kind_keys, mask_keys, renamed_alike,
)
from seglab.data.discovery.folders.unpaired_domains import domain_sibling
from seglab.data.files.folder_listing import folders_in, once_per_listing
from seglab.data.files.index import list_images
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.discovery.naming import KeyRule, folder_split, looks_like_image_folder, looks_like_mask_folder
from seglab.data.discovery.pairing import FolderMatch, match_folders, names_labels

# a labels release: Mapillary Vistas' v1.2/, v2.0/ (a bare number may be an annotator or a patient)
_VERSION = re.compile(r"v\d+(\.\d+)*|\d+(\.\d+)+", re.IGNORECASE)
_JPEG = {".jpg", ".jpeg"}


def _related(image: Folder, mask: Folder, named: bool = False) -> bool:
    """Whether `mask` sits where masks of `image` are kept: beside it, mirrored, below it, in
    a folder beside it named after it (`01/` with `01_GT/SEG/`), alone in a folder beside it
    named for masks (Lizard's `Lizard_Labels/Labels/` beside `Lizard_Images1/`), or one of the
    folders of a mirrored folder that holds no masks itself (IDRiD's lesion folders). A
    mirrored folder needs a mask-like name where the paths differ, unless the user `named` the
    masks (COCO-Stuff's `stuffthingmaps_trainval2017/train2017/` mirroring `images/train2017/`)."""
    if image.path == mask.path:
        return False
    if image.path.parent.parent in (mask.path.parent, mask.path.parent.parent) and mask.path.parent != image.path.parent \
            and (wrapper := _band_wrapper(image)) is not None and _related(wrapper, mask, named):
        return True  # Agriculture-Vision's images/rgb/ and images/nir/: where images/ is
    if image.path.parent == mask.path.parent:
        return True
    if mask.path.parent.parent == image.path.parent and _lone_mask_folder(mask.path):
        return True
    if mask.path.parent.parent == image.path.parent and _VERSION.fullmatch(mask.path.parent.name) \
            and looks_like_mask_folder(mask.path.name):
        return True  # Mapillary Vistas' training/v2.0/labels/ beside training/images/
    if mask.path.parent == image.path:
        return True
    if _labels_beside_images(image.path, mask.path):
        return True  # AI4Mars' msl/labels/train/ for msl/images/edr/
    if mask.path.parent.parent == image.path.parent and mask.path.parent.name.startswith(image.path.name + "_"):
        return True  # the Cell Tracking Challenge's 01/ with 01_GT/SEG/ and 01_ST/SEG/
    if mask.path.parent.name == image.path.name and mirrored(image.parts, mask.parts[:-1], named) \
            and not list_images(mask.path.parent, masks=True):
        return True  # IDRiD's `2. All Segmentation Groundtruths/a. Training Set/1. Microaneurysms/`: a class each
    if inserted_below(image.parts, mask.parts, named) or renamed_alike(image.parts, mask.parts):
        return True  # CULane's laneseg_label_w16/<image tree>, Fish4Knowledge's mask_image/mask_01/ for fish_image/fish_01/
    return any(mirrored(image.parts, parts, named) for parts in (mask.parts, *_one_date_each(mask.parts)))


def _labels_beside_images(image: Path, mask: Path) -> bool:
    """Whether `mask` is a split folder of a folder named for labels beside the folder named for
    images that holds `image`, a folder of no split, or a version in such a split folder
    (`labels_split_folder`): AI4Mars' `msl/labels/train/` and `msl/labels/test/masked-gold-min3-100agree/`
    for `msl/images/edr/` (beside `images/mxy/` and `images/rng-30m/`, the rover's and the range's masks).
    A labels tree that mirrors the images' folders pairs each with its own (DAVIS' `Annotations/v1/` is
    `JPEGImages/v1/`'s, never `v0/`'s)."""
    wrapper = image.parent
    split = labels_split_folder(mask)
    return split is not None and split.parent.parent == wrapper.parent and split.parent != wrapper \
        and folder_split(image.name) is None and not any((wrapper / p.name).is_dir() for p in {split, mask}) \
        and looks_like_image_folder(wrapper.name)


def labels_split_folder(mask: Path) -> Path | None:
    """The split folder of a folder named for labels that `mask` is (AI4Mars' `labels/train/`) or
    holds `mask`, one of several versions of that split's labels named for no split
    (`labels/test/masked-gold-min1-100agree/`, `min2`, `min3`: as many raters at least agreeing);
    None for other folders."""
    if folder_split(mask.name) is not None:
        return mask if _names_label_folder(mask.parent.name) else None
    split = mask.parent
    return split if folder_split(split.name) is not None and _names_label_folder(split.parent.name) else None


def _names_label_folder(name: str) -> bool:
    """Whether a folder's name says labels (`labels/`, `annotations/`), not a rendering of them."""
    return looks_like_mask_folder(name) and names_labels(name)


def mirrored(image: tuple[str, ...], mask: tuple[str, ...], named: bool) -> bool:
    """Whether a mask folder's path mirrors an image folder's: one part differs, named for masks
    on the mask's side unless the user `named` the masks."""
    if len(image) != len(mask):
        return False
    differing = [i for i, (a, b) in enumerate(zip(image, mask)) if a != b]
    return len(differing) == 1 and (named or looks_like_mask_folder(mask[differing[0]]))


def _one_date_each(parts: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A mask folder's path with a folder named after two dates (`joined_dates`) named after each
    in turn: Hi-UCD's change masks `mask/2017_2018/9/` mirror `image/2017/9/` and `image/2018/9/`."""
    return [(*parts[:i], date, *parts[i + 1:]) for i, part in enumerate(parts) if (dates := joined_dates(part))
            for date in dates]


def _band_wrapper(image: Folder) -> Folder | None:
    """The folder named for images that holds `image` when `image` holds one band of them
    (Agriculture-Vision's `train/images/rgb/` and `train/images/nir/`, one image each) or one date
    of their scenes (Fields of The World's `s2_images/window_a/` and `window_b/`): the parts of one
    image are kept where their wrapper is, so that masks beside it pair with them (`train/labels/`,
    a folder per class; FTW's `label_masks/semantic_3class/`); None for other folders."""
    parent = image.path.parent
    if len(image.parts) < 2 or not looks_like_image_folder(parent.name):
        return None
    dated = _dated_folders(parent)
    if dated is None or not (folder_names_a_band(image.path.name) or image.path.name in dated):
        return None
    return Folder(parent, [], image.split, False, True, image.parts[:-1])


def _dated_folders(wrapper: Path) -> frozenset[str] | None:
    """The names of the folders in `wrapper` named with one beside them as the two dates of one
    scene (`dated_names`: `window_a/` and `window_b/`, `imgs_1/` and `imgs_2/`); None where
    `wrapper` holds image files itself, no wrapper of an image's parts. Once per wrapper within a
    listing, not once per folder in it: 1,000 sequence folders in `images/` listed it 2,000 times."""
    return once_per_listing(("dated-folders", wrapper), lambda: None if list_images(wrapper) else dated_names(
        [other.name for other in folders_in(wrapper)]))


def _lone_mask_folder(folder: Path) -> bool:
    """Whether `folder` is all a folder named for masks holds (Lizard's `Lizard_Labels/Labels/`,
    beside an info.csv), or one of the mask folders and renderings it holds (the Montgomery set's
    `ManualMask/leftMask/` and `rightMask/`, a lung each; SYNTHIA's `GT/LABELS/` beside its
    colour rendering `GT/COLOR/`) or of its class folders, none named for a split or for images
    (Agriculture-Vision's `train/labels/water/`, `weed_cluster/`, ...), that wrapper being no other
    folder's (the Cell Tracking Challenge's `02_GT/` is `02/`'s)."""
    wrapper = folder.parent
    if not looks_like_mask_folder(wrapper.name) or list_images(wrapper, masks=True):
        return False
    inside = [p for p in folders_in(wrapper) if not p.name.startswith(".")]
    beside = [p for p in folders_in(wrapper.parent) if p != wrapper]
    held = inside == [folder] or all(looks_like_mask_folder(p.name) or not names_labels(p.name) for p in inside) \
        or len(inside) > 1 and not any(folder_split(p.name) or looks_like_image_folder(p.name) for p in inside)
    return held and not any(wrapper.name.startswith(f"{p.name}_") for p in beside)


def path_ends_with(parts: tuple[str, ...], name: str) -> bool:
    """Whether a folder's path (its `parts` under the dataset folder) ends with a --images or
    --masks value: a folder name, a path ending ('01_ST/SEG') or a pattern ('*_ST/SEG')."""
    pattern = Path(name).parts
    return len(parts) >= len(pattern) and all(map(fnmatchcase, parts[-len(pattern):], pattern))


def path_lies_under(parts: tuple[str, ...], name: str) -> bool:
    """Whether a folder or file (its `parts` under the dataset folder) lies in the folder a
    --images or --masks value names (`leftImg8bit_foggy` for `leftImg8bit_foggy/train/aachen/`),
    or is what it names."""
    return any(path_ends_with(parts[:end], name) for end in range(1, len(parts) + 1))


def _wildcards(pattern: str, name: str) -> tuple[str, ...] | None:
    """What the `*` and `?` of a --images/--masks pattern's last part match in a folder name."""
    last = Path(pattern).name
    regex = "".join("(.*)" if c == "*" else "(.)" if c == "?" else re.escape(c) for c in last)
    found = re.fullmatch(regex, name)
    return found.groups() if found else None


def same_wildcards(images: str | None, masks: str | None) -> Callable[[Folder, Folder], bool] | None:
    """Whether an image and a mask folder fill the wildcards of `--images` and `--masks` alike
    (Hypersim's `--images '*_final_hdf5' --masks '*_geometry_hdf5'`: `scene_cam_00_final_hdf5/` is
    paired with its sibling `scene_cam_00_geometry_hdf5/`, not `scene_cam_01_`'s); None unless both
    are patterns with as many wildcards in their last part (and no `[...]` sets)."""
    if images is None or masks is None or "[" in images + masks:
        return None
    count = [sum(Path(n).name.count(c) for c in "*?") for n in (images, masks)]
    if not count[0] or count[0] != count[1]:
        return None

    def same(image: Folder, mask: Folder) -> bool:
        return _wildcards(images, image.path.name) == _wildcards(masks, mask.path.name) is not None

    return same


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


class FolderPlaces:
    """The folders of a dataset that may hold masks by where they sit, so that the ones an image
    folder may pair with are looked up, not each tried with every image folder (VSPW's 3,536
    videos, each an `origin/` beside a `mask/`, made 25 million tries). A superset of the folders
    `_candidates` takes, in the folders' order: those at a place `_related` looks (the same
    parent; a parent or grandparent at the image's parent, at its grandparent for a band's folder,
    or the image folder; a split's folder in a labels folder beside the wrapper of an image folder of
    no split, or a version in that split's folder; a path that mirrors the image's, less its last
    part or not, or but for a folder naming two dates, one the image's; a mask tree that copies it
    below one more folder or renamed, `mirror_trees`; a tree of another kind of file mirroring it,
    few such trees beside one another, `kind_keys`),
    `_mirrored_at_other_depth` looks (the same last part) or `_same_below` looks (at one place
    below the folders --images and --masks name). A place added to those must be added here.

    `pairable` tells the folders `_candidates` may take at all, found when a place is first looked
    up: without --images and --masks, those named for masks or whose files look like masks
    (YouTube-VOS' `JPEGImages/<video>/` folders are each other's siblings, none masks).
    `named_only` tells the image folders that `_candidates` pairs with folders named for masks
    alone, asked only of one with others near: without --images and --masks, those whose files
    look like masks (CULane's `laneseg_label_w16/<driver>/<clip>.MP4/` clips of masks, named images
    by `driver_23_30frame/`, are each other's siblings, thousands)."""

    def __init__(self, folders: list[Folder], allowed: Callable[[Folder], bool], masks_named: bool,
                 image_tops: list[Path], mask_tops: list[Path], pairable: Callable[[Folder], bool],
                 named_only: Callable[[Folder], bool]) -> None:
        self.folders = folders
        self._image_tops, self._mask_tops = image_tops, mask_tops
        self._pairable, self._named_only = pairable, named_only
        self._kept: dict[Hashable, tuple[list[int], list[int]]] = {}
        self._at: dict[Hashable, list[int]] = defaultdict(list)
        kinds: dict[Hashable, list[int]] = defaultdict(list)
        for index, folder in enumerate(folders):
            if not _may_hold_masks(folder, allowed):
                continue
            if not folder.named_mask and not masks_named:
                for key in kind_keys(folder.parts):
                    kinds[key].append(index)
            parent = folder.path.parent
            keys = {("path", folder.path), ("in", parent), ("below", parent.parent)}
            if (split := labels_split_folder(folder.path)) is not None:
                keys.add(("labels", split.parent.parent))  # a split of labels, as `_labels_beside_images` takes
            keys.update(_one_part_out(folder.parts, masks_named) + _one_part_out(folder.parts[:-1], masks_named))
            keys.update(key for dated in _one_date_each(folder.parts) for key in _one_part_out(dated, masks_named))
            keys.update(mask_keys(folder.parts, masks_named))
            if folder.named_mask and folder.split is not None:
                keys.add(("last", folder.parts[-1]))
            for key in keys:
                self._at[key].append(index)
        self._kinds = {key: found for key, found in kinds.items() if len(found) <= MOST_KINDS}
        for key, found in self._kinds.items():
            self._at[key] += found

    def of_kind_tree(self, image: Folder, mask: Folder) -> bool:
        """Whether `mask` lies in a tree of another kind of file that mirrors the image folder's
        but for one folder above it, named for no role (`kind_keys`: RailSem19's `uint8/rs19_val/`
        for `jpgs/rs19_val/`), so that its files, not its name, tell it masks."""
        return any(self.folders[i].path == mask.path
                   for key in kind_keys(image.parts) for i in self._kinds.get(key, ()))

    def near(self, image: Folder) -> list[Folder]:
        """The folders that may hold the masks of `image`, in the order of `folders`."""
        parent = image.path.parent
        keys = [("in", parent), ("in", image.path), ("below", parent), *_one_part_out(image.parts, True),
                *image_keys(image.parts), *kind_keys(image.parts)]
        if _band_wrapper(image) is not None:
            keys += [("in", parent.parent), ("below", parent.parent)]
        if looks_like_image_folder(parent.name) and folder_split(image.path.name) is None:
            keys.append(("labels", parent.parent))  # not DAVIS' JPEGImages/<video>/ beside Annotations/<video>/
        if image.named_image and image.split is not None and image.parts:
            keys.append(("last", image.parts[-1]))
        top = next((t for t in self._image_tops if t in image.path.parents), None)
        if top is not None:
            keys += [("in", top.parent), *(("path", t / image.path.relative_to(top)) for t in self._mask_tops)]
        places = [self._at_place(key) for key in keys]
        if any(others for _, others in places) and self._named_only(image):
            places = [(named, []) for named, _ in places]  # masks are no other masks' masks, unnamed
        return [self.folders[i] for i in sorted({i for named, others in places for i in named + others})]

    def _at_place(self, key: Hashable) -> tuple[list[int], list[int]]:
        """The `pairable` folders at a place, found once: those named for masks, and the others."""
        if key not in self._kept:
            kept = [i for i in self._at.get(key, ()) if self._pairable(self.folders[i])]
            self._kept[key] = [i for i in kept if self.folders[i].named_mask], \
                [i for i in kept if not self.folders[i].named_mask]
        return self._kept[key]


def _one_part_out(parts: tuple[str, ...], named: bool) -> list[Hashable]:
    """A key per part of a path that a mirrored path may differ in (`mirrored`: named for masks,
    unless the user `named` the masks): the parts before and after it."""
    return [("mirror", parts[:i], parts[i + 1:]) for i in range(len(parts))
            if named or looks_like_mask_folder(parts[i])]


def _may_hold_masks(folder: Folder, allowed: Callable[[Folder], bool]) -> bool:
    """Whether `folder` may hold masks at all: `allowed`, and not named for images by its own name,
    not a wrapper's (PH2's IMD002_lesion/ under 'PH2 Dataset images/' may hold masks)."""
    return allowed(folder) and not (looks_like_image_folder(folder.path.name) and not folder.named_mask)


def _candidates(
    image: Folder,
    folders: list[Folder],
    root: Path,
    rules: tuple[KeyRule, ...],
    is_masks: MaskSniffs,
    allowed: Callable[[Folder], bool],
    masks_named: bool = False,
    merge: bool = False,
    same_below: Callable[[Folder, Folder], bool] = lambda image, mask: False,
    wildcards: Callable[[Folder, Folder], bool] | None = None,
    kind_tree: Callable[[Folder, Folder], bool] = lambda image, mask: False,
) -> list[FolderMatch]:
    """Mask folders for `image`, paired with it: named ones that fit its place, unnamed ones
    that pair well (`masks_named`: the `allowed` ones are the user's --masks; `same_below`: at
    one place below the folders --images and --masks name; `wildcards`: `same_wildcards` of
    --images and --masks patterns, which names a sibling the masks, whatever its files look like;
    `kind_tree`: `FolderPlaces.of_kind_tree`, taken as `_mirrored_at_other_depth` is, when no
    folder sits where `_related` looks, and only when its files look like masks and the images' do not)."""
    found = []
    fallback = []
    mirrors = []  # at `_mirrored_at_other_depth` or in a `kind_tree`
    for mask in folders:
        if mask.path == image.path or not _may_hold_masks(mask, allowed):
            continue  # --masks '*/driver_23_30frame' names CULane's image folder too: never its own masks
        if wildcards is not None and not wildcards(image, mask):
            continue
        if not masks_named and (_wrapped_photos(mask, image, is_masks) or mask.path == domain_sibling(image.path)):
            continue  # XCAD's trainB/: vessel masks of no image in trainA/, CycleGAN's two unpaired domains
        placed = same_below(image, mask)  # both where the user's --images and --masks put them
        if not (_related(image, mask, masks_named) or placed):
            if _mirrored_at_other_depth(image, mask) or kind_tree(image, mask) and image.split == mask.split \
                    and is_masks.unlike(image):
                match = match_folders(image.files, mask.files, image.path, mask.path, root, image.split, rules, merge)
                if len(match.pairs) >= 0.5 * min(len(image.files), len(mask.files)) and is_masks(mask):
                    mirrors.append(match)
            continue
        if image.split and mask.split and image.split != mask.split:
            continue
        match = match_folders(image.files, mask.files, image.path, mask.path, root, image.split, rules, merge)
        paired = len(match.pairs)
        if (mask.named_mask or wildcards is not None or placed) and paired:  # wildcards: filled alike, above
            found.append(match)
        elif mask.named_mask and image.path.parent == mask.path.parent:
            fallback.append(match)  # `images/` + `masks/` that do not pair: say why
        elif paired and paired >= 0.5 * min(len(image.files), len(mask.files)) and is_masks(mask) and is_masks.unlike(image):
            found.append(match)
    if not found and mirrors:
        return mirrors
    if not found and len(fallback) == 1 and (image.named_image or not image.parts):
        return fallback
    return found


def _wrapped_photos(folder: Folder, image: Folder, is_masks: MaskSniffs) -> bool:
    """Whether a folder named for masks by a wrapper alone holds photos, the frames of one video,
    never the masks of another's that happen to share their names or numbers: JPEG photos
    (EgoHands' `_LABELLED_SAMPLES/<video>/frame_0011.jpg`), or photos of any format in the wrapper
    that names `image` too (RUGD's `RUGD_frames-with-annotations/<video>/<video>_00001.png`, the
    frames the annotations were drawn on)."""
    if not folder.named_mask or looks_like_mask_folder(folder.path.name):  # named for masks by its own name, or not at all
        return False
    pictures = {p.suffix.lower() for p in folder.files if p.suffix.lower() in IMAGE_SUFFIXES}  # not its .mat
    one_wrapper = image.named_mask and image.path.parent == folder.path.parent
    return bool(pictures) and (pictures <= _JPEG or one_wrapper) and is_masks.unlike(folder)


def _same_below(image_tops: list[Path], mask_tops: list[Path]) -> Callable[[Folder, Folder], bool]:
    """Whether an image and a mask folder lie at one place below the folders --images and --masks
    name (REFUGE's `--images REFUGE-Training400/Training400 --masks Annotation-Training400/Disc_Cup_Masks`
    pairs `.../Training400/Glaucoma/` with `.../Disc_Cup_Masks/Glaucoma/`, two parts apart), or the
    image folder below a named one and the mask folder beside that one (CHAOS' `--images DICOM_anon
    --masks Ground` pairs `T1DUAL/DICOM_anon/InPhase/` with `T1DUAL/Ground/`)."""
    def top_of(folder: Path, tops: list[Path]) -> Path | None:
        return next((t for t in tops if t in folder.parents), None)

    def same(image: Folder, mask: Folder) -> bool:
        image_top, mask_top = top_of(image.path, image_tops), top_of(mask.path, mask_tops)
        if image_top is None:
            return False
        if mask_top is None:
            return mask.path.parent == image_top.parent
        return image.path.relative_to(image_top).parts == mask.path.relative_to(mask_top).parts \
            and mask_top.parts in nearest_tops(image_top.parts, [t.parts for t in mask_tops])

    return same


def nearest_tops(top: tuple[str, ...], tops: Iterable[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Of `tops` (folders named for masks, as path parts), those sharing the most leading parts
    with `top` (one named for images): a scene's own. Infinigen's `<scene>/frames/Image/camera_0/`
    and `<scene>/frames/ObjectSegmentation/camera_0/` lie at one place below their named folders in
    every scene, and one scene's images are no pairs of another's masks, alike in name."""
    def shared(other: tuple[str, ...]) -> int:
        return next((i for i, (a, b) in enumerate(zip(top, other)) if a != b), min(len(top), len(other)))

    tops = list(tops)
    most = max(map(shared, tops), default=0)
    return {other for other in tops if shared(other) == most}


def _mirrored_at_other_depth(image: Folder, mask: Folder) -> bool:
    """BDD100K's `labels/sem_seg/masks/train/` for `images/10k/train/`: the same split folder ends
    both paths, below an image and a mask folder of different depths. Taken only when no mask
    folder sits where `_related` looks, so it never competes with one."""
    if len(image.parts) == len(mask.parts) or image.split is None or image.split != mask.split:
        return False
    if image.parts[-1] != mask.parts[-1] or image.parts[0] == mask.parts[0]:
        return False
    return image.named_image and mask.named_mask
