"""Images and masks side by side in one folder, told apart by their names or their content."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

from seglab.data.discovery.folders.content import looks_like_masks, looks_unlike_masks
from seglab.data.discovery.folders.listing import Folder
from seglab.data.discovery.folders.tile_products import tile_products
from seglab.data.discovery.naming import (
    KEY_RULES,
    KeyRule,
    looks_like_image_folder,
    looks_like_mask_folder,
    stem,
    words,
)
from seglab.data.discovery.naming.affixes import image_affixed, photo_named, strip_affixes
from seglab.data.discovery.naming.folder_roles import CLASS_WORDS
from seglab.data.discovery.naming.learned_rules import leading_word, leading_words, named_around, naming_template
from seglab.data.discovery.naming.mask_patterns import fixed_mask_of, names_fixed_mask
from seglab.data.discovery.naming.names import name_key
from seglab.data.discovery.pairing import FolderMatch, folder_label, match_folders, names_labels
from seglab.data.discovery.pairs_csv import pairs_csv_route
from seglab.data.encodings.renderings import renders_masks
from seglab.data.files.index import list_images

logger = logging.getLogger(__name__)


def masks_beside_images(folder: Path, rules: tuple[KeyRule, ...] = KEY_RULES) -> tuple[list[Path], list[Path]]:
    """The files of `folder` alone that discovery reads as masks of the images beside them
    (`a_mask.png` beside `a.png`, GeoNRW's `<tile>_seg.tif` beside `<tile>_rgb.jp2`; a mask of no
    image, or of a rival naming, too), and those it lists as ignored beside such pairs (GeoNRW's
    `<tile>_dem.tif`, named neither; FAT's `000000.left.depth.png` beside `000000.left.jpg` and its
    `.seg.png`, a tile's other product: `tile_products`): `_side_by_side` by the naming `rules`, a run's
    `--mask-pattern`'s (`ReadOptions.key_rules`: Structured3D's `semantic.png`, its `depth.png`
    ignored) or the default ones; each file in one list, so that their counts add up (PixelAnnotationTool's
    `_watershed_mask.png`, a rival naming's masks and ignored beside `_mask.png`, are masks). ([], [])
    for a folder of images alone. What `seglab predict FOLDER` leaves out of a dataset's folder."""
    match = _side_by_side(Folder(folder, list_images(folder), None, False, False, ()), folder, rules, False, [])
    if match is None:
        return [], []
    rivals = [m for ms in match.rivals.masks.values() for m in ms] if match.rivals is not None else []
    lonely = [p.path for p in match.problems if p.code == "mask-without-image" and p.path is not None]
    masks = list(dict.fromkeys([*(m for _, _, m in match.pairs), *rivals, *lonely]))
    return masks, [p for p in dict.fromkeys([*match.extra_masks, *tile_products(match)]) if p not in set(masks)]


def _side_by_side(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool,
                  aside: list[Path]) -> FolderMatch | None:
    """Images and masks in one folder: `a.png` + `a_mask.png`, `a_img.png` + `a_masks.png`,
    `a.jpg` + `a_1stHO.png` or `1.bmp` + `p1.bmp` (named after an image, holding masks), or
    `a.jpg` + `a.png`. Files named as neither images nor masks beside files named as both are
    added to `aside` (S1S2-Water's DEM beside `_img` and `_msk`)."""
    if names_fixed_mask(rules):
        return _by_fixed_name(folder, root, rules, merge)
    return (_by_affixes(folder, root, rules, merge, aside) or _by_names_after(folder, root, rules, merge)
            or _by_suffix(folder, root, rules, merge) or _by_leading_words(folder, root, rules, merge, aside))


def _by_fixed_name(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool) -> FolderMatch | None:
    """The mask a `--mask-pattern` names alone (`semantic.png`) with every image beside it. Where
    some files are named as images (Structured3D's `rgb_rawlight.png`), the others are the view's
    other renderings (`depth.png`, `albedo.png`, `normal.png`, `instance.png`), listed as ignored;
    where none are, files named as masks are. A pattern with a folder part (`labels/manual_hq.tif`)
    names the mask below the folder: the other files beside it there (CloudSEN12's masks made by
    algorithms, `labels/fmask.tif`, ...) are listed as ignored."""
    below = fixed_mask_of(folder.path, rules)
    masks = [below] if below is not None else [p for p in folder.files if rules[0].key_of(p, False) is not None]
    others = [p for p in folder.files if p not in masks]
    images = [p for p in others if looks_like_image_folder(stem(p))] \
        or [p for p in others if not looks_like_mask_folder(stem(p))]
    if not masks or not images:
        return None
    mask_dir = masks[0].parent
    match = match_folders(images, masks, folder.path, mask_dir, root, folder.split, rules, merge)
    match.extra_masks += [p for p in others if p not in images]  # listed as ignored
    if below is not None:
        match.extra_masks += [p for p in list_images(mask_dir, masks=True) if p != below]
    return match


def _by_affixes(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool,
                aside: list[Path]) -> FolderMatch | None:
    """Masks named by a mask affix (`a_mask.png`) beside images without one, or images named by
    an image affix too (Cellpose's `000_img.png` + `000_masks.png`). Where the images and masks
    are both named so, files named neither are no images: S1S2-Water's
    `sentinel12_s2_1_img.tif` + `_msk.tif` beside `_valid.tif` and the DEM's `_elevation.tif`
    are left out (`aside`), not read as the images of every mask."""
    affixed, plain = [], []
    for path in folder.files:  # one pass: a folder of side-by-side pairs can hold thousands
        (affixed if strip_affixes(stem(path)) != stem(path).lower() else plain).append(path)
    images = [p for p in affixed if image_affixed(stem(p))]
    masks = [p for p in affixed if not image_affixed(stem(p))]
    if images and masks:
        theirs = _of_unnamed_masks(images, masks, rules)
        named = [p for p in images if p not in theirs]
        match = _half_paired(named, masks, folder, root, rules, merge) or _by_image_namings(named, masks, folder, root,
                                                                                             rules, merge)
        if match is not None:
            if _renderings_of_masks(match, folder):  # GOOSE's `_color.png` beside `_labelids.png`
                return None
            match.extra_masks += plain + theirs  # listed as ignored
            aside += plain
            return match
    # a file named as an image is no mask of another (`img1.png` beside `1.png`)
    match = _half_paired(plain, masks, folder, root, rules, merge) if masks and plain else None
    return None if match is not None and _renderings_of_masks(match, folder) else match


_RENDERINGS_READ = 2  # pairs opened to tell renderings of the masks from images


def _renderings_of_masks(match: FolderMatch, folder: Folder) -> bool:
    """Whether the 'images' of a side-by-side match are colour renderings of their masks: in a
    folder named for labels, named as a rendering (`names_labels`: `_color`, `_vis`, `_overlay`,
    ...) and painting each mask value in one colour (`renders_masks`): GOOSE's `labels/` holding
    `x_color.png` beside `x_labelids.png`, its photos in `images/`. Such a folder holds masks only;
    tiny datasets of flat-colour images, named otherwise, stay paired. Named a photo by a colour
    word alone (`photo_named`: YCB-Video's `-color.png` beside `-label.png`), in such a folder they
    are renderings whatever they show."""
    if not folder.named_mask:
        return False
    if all(photo_named(stem(image)) for _, image, _ in match.pairs):
        return True
    if any(names_labels(stem(image)) for _, image, _ in match.pairs):
        return False
    return renders_masks((mask, image) for _, image, mask in match.pairs[:_RENDERINGS_READ])


def _by_image_namings(images: list[Path], masks: list[Path], folder: Folder, root: Path, rules: tuple[KeyRule, ...],
                      merge: bool) -> FolderMatch | None:
    """Images of several namings, each naming pairing every one of its images with the masks:
    photos of one scene taken twice (ClearGrasp's `N-transparent-rgb-img.jpg` and
    `N-opaque-rgb-img.jpg` beside `N-mask.png`), each paired with its mask, which no rule does
    while two images share a number. `image_names.shared_masks_line` says so, naming the
    `--images` pattern that reads one naming."""
    namings: dict[str, list[Path]] = {}
    for path in images:
        namings.setdefault(re.sub(r"\d+", "#", path.name.lower()), []).append(path)
    if len(namings) < 2:
        return None
    found = [match_folders(named, masks, folder.path, folder.path, root, folder.split, rules, merge)
             for named in namings.values()]
    if any(len(match.pairs) < len(named) for match, named in zip(found, namings.values())):
        return None
    problems = {(p.path, p.code): p for match in found for p in match.problems}
    return replace(found[0], pairs=[pair for match in found for pair in match.pairs], problems=list(problems.values()))


def _of_unnamed_masks(images: list[Path], masks: list[Path], rules: tuple[KeyRule, ...]) -> list[Path]:
    """The images, named as such, of the masks a `--mask-pattern` leaves out: S1S2-Water's
    `sentinel12_s1_1_img.tif` when `'(.*_s2_.*)_msk\\.tif'` reads the S2 scenes alone, which are
    another sensor's images, not images without masks."""
    if tuple(rules) == KEY_RULES:
        return []
    named: dict[str, bool] = {}  # each mask's name less its affix: whether the pattern names a mask of it
    for mask in masks:
        key = strip_affixes(stem(mask))
        named[key] = named.get(key, False) or any(rule.key_of(mask, False) is not None for rule in rules)
    return [p for p in images if named.get(strip_affixes(stem(p))) is False]


def _by_names_after(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool) -> FolderMatch | None:
    """Files named after another file (`a_1stHO.png` after `a.jpg`, `p1.bmp` after `1.bmp`) are
    its masks by their content, or because a `--mask-pattern` names them (MARIDA's `<patch>_cl.tif`
    beside `<patch>.tif`: the user's word beats a guess from pixels). A file whose name says
    labels is no image of the files named after it: Hypersim's `frame.0000.semantic.hdf5` beside
    `frame.0000.semantic_instance.hdf5` are two labellings. Of files named after an image by
    words that name masks and by others (`_mask_named`), the others are listed as ignored, as
    are masks of objects beside class masks named after them (`_class_masks`). A file the
    `--mask-pattern` names after an image is named after that image, not after a longer stem
    (Segments.ai's `x_label_ground-truth_semantic.png`, not after `x_label_ground-truth.png`),
    and after an image with a word of its own as the pattern keys images (`_named_by_pattern`)."""
    stems = {name_key(p) for p in folder.files}
    given = tuple(rules) != KEY_RULES
    patterned = _named_by_pattern(folder.files, rules) if given else {}
    derived: dict[Path, str] = {}  # a file -> the stem it is named after
    of_masks: dict[Path, str] = {}  # a file named after a file named for masks -> that stem
    others = []
    for path in folder.files:
        after = patterned.get(path) or named_around(name_key(path), stems)
        if after is None and not looks_like_mask_folder(stem(path)):
            others.append(path)
        elif after is not None and not looks_like_mask_folder(after):
            derived[path] = after
        elif after is not None:
            of_masks[path] = after
    named = any(p in patterned for p in derived)
    masks = list(derived) if given else _class_masks(_mask_named(derived), of_masks)
    if masks and others and (named or looks_like_masks(replace(folder, files=masks))
                             and looks_unlike_masks(replace(folder, files=others))):
        match = _half_paired(others, masks, folder, root, rules, merge)
        if match is not None:
            match.extra_masks += [p for p in derived if p not in masks]  # listed as ignored
        return match
    return None


def _mask_named(derived: dict[Path, str]) -> list[Path]:
    """Of files named after an image (file -> its stem), those whose words after it name masks,
    where others' do not: ilastik's exports beside each input, `img_00_Simple Segmentation.h5`
    (a label per pixel) and `img_00_Probabilities.h5` (a float per label), are the mask and a
    product of the same tool. All of them where the words name masks in all or none."""
    masks = [p for p, after in derived.items() if looks_like_mask_folder(naming_template(p, after).rsplit(".", 1)[0])]
    return masks if masks else list(derived)


def _class_masks(masks: list[Path], of_masks: dict[Path, str]) -> list[Path]:
    """The files named after each of `masks` by a word saying class labels (`CLASS_WORDS`), where
    every mask has one: Segments.ai's semantic export, `x_label_ground-truth_semantic.png`
    (category ids) beside `x_label_ground-truth.png` (instance ids as RGBA), as masks of objects
    step aside for class labels in folders (`rivals`); else `masks`."""
    own = {name_key(mask) for mask in masks}
    versions = {after: path for path, after in of_masks.items()
                if after in own and CLASS_WORDS & set(words(naming_template(path, after)))}
    return list(versions.values()) if len(versions) == len(own) else masks


def _named_by_pattern(files: list[Path], rules: tuple[KeyRule, ...]) -> dict[Path, str]:
    """Each of `files` that a `--mask-pattern` names after another (`polyp_{stem}.bmp`), with that
    file's stem: the pattern's first rule that keys it as a mask as it keys another file as an
    image, so an image with a word of its own pairs as well as beside images and masks folders
    (`{stem}_segmented.png`: `a_segmented.png` after `a_grayscale.png`, whose name less its last
    word is `a`)."""
    named: dict[Path, str] = {}
    for rule in rules:
        images: dict[str, list[Path]] = {}
        for path in files:
            if (key := rule.key_of(path, True)) is not None:
                images.setdefault(key, []).append(path)
        for path in files:
            key = rule.key_of(path, False) if path not in named else None
            image = next((p for p in images.get(key, ()) if p != path), None) if key is not None else None
            if image is not None:
                named[path] = name_key(image)
    return named


def _by_suffix(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool) -> FolderMatch | None:
    """Two extensions, the one whose files look like masks holding the masks: `a.jpg` + `a.png`."""
    by_suffix: dict[str, list[Path]] = {}
    for path in folder.files:
        by_suffix.setdefault(path.suffix.lower(), []).append(path)
    if len(by_suffix) != 2:
        return None
    first, second = by_suffix.values()
    for images, masks in ((first, second), (second, first)):
        if looks_like_masks(replace(folder, files=masks)) and looks_unlike_masks(replace(folder, files=images)):
            match = _half_paired(images, masks, folder, root, rules, merge)
            if match is not None:
                return match
    return None


def _by_leading_words(folder: Folder, root: Path, rules: tuple[KeyRule, ...], merge: bool,
                      aside: list[Path]) -> FolderMatch | None:
    """Each file a kind's word and a number: one kind named for masks, one for images or the one
    other kind, and the other kinds the view's further products, left out (`aside`): the UOIS
    Tabletop Object Dataset's `rgb_00003.jpeg` ~ `segmentation_00003.png` beside `depth_00003.png`
    (uint16 depth, neither an image nor a mask), each view paired with its own mask. Where one
    word does not tell the kinds apart, the kind is all the words before the number: Omniverse
    Replicator's BasicWriter writes `rgb_0000.png` ~ `semantic_segmentation_0000.png` beside
    `instance_segmentation_0000.png`, `distance_to_camera_0000.npy` and `normals_0000.npy`. A kind
    naming class maps (`_names_masks`) is one named for masks."""
    for kind_of in (leading_word, leading_words):
        kinds: dict[str | None, list[Path]] = {}
        for path in folder.files:
            kinds.setdefault(kind_of(path), []).append(path)
        mask_words = _class_kinds([w for w in kinds if w is not None and _names_masks(w)])
        others = [w for w in kinds if w is not None and w not in mask_words]
        image_words = [w for w in others if looks_like_image_folder(w)] or others
        if None in kinds or len(mask_words) != 1 or len(image_words) != 1:
            continue
        match = _half_paired(kinds[image_words[0]], kinds[mask_words[0]], folder, root, rules, merge)
        if match is not None:
            products = [p for w in others if w != image_words[0] for p in kinds[w]]
            match.extra_masks += products  # listed as ignored
            aside += products
        return match
    return None


def _names_masks(kind: str) -> bool:
    """Whether a kind's words name masks, or class maps (TDW's ImageCapture writes `category_0000.png`,
    a colour per category, beside `img_0000.png`, `id_0000.png` and `depth_0000.png`)."""
    return looks_like_mask_folder(kind) or bool(CLASS_WORDS & set(words(kind)))


def _class_kinds(mask_words: list[str]) -> list[str]:
    """Of several kinds named for masks, the one whose words say class labels (`CLASS_WORDS`):
    `semantic_segmentation` beside `instance_segmentation`, whose objects step aside for the classes
    as in `_class_masks`; else all of them."""
    classes = [w for w in mask_words if CLASS_WORDS & set(words(w))]
    return classes if len(mask_words) > 1 and len(classes) == 1 else mask_words


def holds_named_masks(folder: Folder) -> bool:
    """Whether `folder` holds files named as masks (`x_Mask.png`, `x_segmented.png`) beside other
    images, and those files are masks by their content (`looks_like_masks`): a name alone says
    little where a mask word is part of a word (a test folder's photo `target_practice.jpg`, whose
    folder stays one of unlabelled images)."""
    named = [p for p in folder.files if looks_like_mask_folder(stem(p))]
    return 0 < len(named) < len(folder.files) and looks_like_masks(replace(folder, files=named))


def say_unpaired_masks(root: Path, folders: list[Folder]) -> None:
    """Warn of the folders holding files named as masks beside other images (`holds_named_masks`)
    that no side-by-side reading paired: they are listed as ignored, never read as unlabelled
    images nor dropped without a word (CALFIN's `train/`, where glaciers imaged on one date left
    its date no key). The line names the first folders, an image of the first, its closest mask
    and the `--mask-pattern` that pairs such names, where `match_folders` finds one for an image
    left unpaired by name. A lone file named as a mask is no labelling (zhixuhao's README pictures,
    `img/0label.png` beside `img/0test.png`): said where the folders hold two such files or more."""
    if sum(looks_like_mask_folder(stem(p)) for folder in folders for p in folder.files) < 2:
        return
    counts = []
    for folder in folders[:3]:
        masks = [p for p in folder.files if looks_like_mask_folder(stem(p))]
        counts.append(f"{folder_label(folder.path, root)} ({len(masks)} masks, {len(folder.files) - len(masks)} images)")
    first = folders[0]
    masks = [p for p in first.files if looks_like_mask_folder(stem(p))]
    images = [p for p in first.files if p not in set(masks)]
    by_name = match_folders(images, masks, first.path, first.path, root, first.split, KEY_RULES[:1])
    unpaired = next((p for p in by_name.problems if p.code == "image-without-mask" and p.path is not None), None)
    example = f"; e.g. '{unpaired.path.name}': {unpaired.message}" if unpaired is not None else ""
    more = f" and {len(folders) - 3} more" if len(folders) > 3 else ""
    logger.warning("%s: %d folder(s) hold files named as masks that no naming read side by side pairs with the "
                   "images beside them: %s%s; their files are listed as ignored, not read; name how they pair with "
                   "--mask-pattern, or %s (docs/data.md)%s",
                   root, len(folders), ", ".join(counts), more, pairs_csv_route(root), example)


def _half_paired(images: list[Path], masks: list[Path], folder: Folder, root: Path, rules: tuple[KeyRule, ...],
                 merge: bool) -> FolderMatch | None:
    """The pairs of `images` and `masks` when they pair half the files of the smaller side at least."""
    match = match_folders(images, masks, folder.path, folder.path, root, folder.split, rules, merge)
    return match if len(match.pairs) >= 0.5 * min(len(images), len(masks)) else None
