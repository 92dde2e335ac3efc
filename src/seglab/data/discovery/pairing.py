"""Pair image files with mask files: by the name rules of `naming`, inside one folder pair.

`match_folders` is the one place where two lists of files become pairs; it tries each key
rule, keeps the one that pairs the most files, and says which rule it used, what stayed
unpaired (with the closest candidate) and where a name could belong to two masks.
`seglab.data.discovery.rival_namings` then settles or refuses a dataset whose images match more than
one mask each, counting each naming over all its folders.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from seglab.data.discovery.band_files import band_file_rule, sample_bands
from seglab.data.discovery.channel_files import NNUNET_CHANNEL, below_shared
from seglab.data.discovery.class_namings import class_naming_rules
from seglab.data.discovery.folders.chip_frames import frame_words
from seglab.data.discovery.plane_masks import PLANE_RULE, plane_pairs
from seglab.data.files.index import Problem
from seglab.data.discovery.naming import KEY_RULES, KeyRule, stem, words
from seglab.data.discovery.naming.cityscapes import frame_of
from seglab.data.discovery.naming.dates import date_in
from seglab.data.discovery.naming.key_rules import NUMBER_RULES
from seglab.data.discovery.naming.learned_rules import (
    affix_rules,
    inserted_word_rules,
    leading_word_rules,
    learned_namings,
    named_around,
    naming_template,
    role_number_rules,
    swapped_word_rules,
)
from seglab.data.discovery.naming.mask_patterns import TemplateStem, expected_mask, pattern_for, unique_template_stems
from seglab.data.discovery.naming.names import composed, name_key
from seglab.data.discovery.numbered_masks import numbered_rules, same_numbering

# loose rules (a band word less, numbers) are used only when they pair every keyed file one to one
_STRICT_RULES = 3
# unpaired images that get a closest-mask hint, and the most masks searched for one (difflib is quadratic)
_CLOSEST_SHOWN, _CLOSEST_AMONG = 50, 5000
# words in the names of annotations that are renderings, not class labels
_NOT_LABELS = {"color", "colour", "instanceids", "instance", "instances", "panoptic", "polygons", "overlay", "vis",
               "viz", "preview", "thumb", "thumbnail", "rgb", "visualizations",
               "labelcolor", "invgray", "invids",  # ACDC's and Dark Zurich's colour rendering, invalid regions
               "cutout", "cutouts"}  # EISeg's `_cutout.png`: the photo, the background transparent


@dataclass
class RivalNamings:
    """Images that match more than one mask each: the example to show, and the masks of each
    naming (`--mask-pattern` template -> masks) in one folder pair."""

    example: str
    masks: dict[str, list[Path]]

    @property
    def counts(self) -> dict[str, int]:
        return {template: len(masks) for template, masks in self.masks.items()}


@dataclass
class FolderMatch:
    """The pairs found between an image folder and a mask folder (the same folder for
    side-by-side pairs).

    Args:
        pairs: (key, image, mask) in image order.
        rule: the key rule that paired them.
        problems: unpaired and duplicate files (warnings for the audit).
        extra_masks: unpaired masks that are other annotations of a paired image
            (`a_gtFine_color.png` beside `a_gtFine_labelIds.png`); listed as ignored.
        rivals: set when images match a second set of label masks (`rival_namings.refuse_rival_namings`).
        merged: key -> the image's masks after the first (`--merge-masks`), read as one mask.
        more_mask_dirs: further mask folders whose masks `merged` holds (`combine_matches`).
        namings: the mask namings read as classes, one file per class (`namings_as_classes`), or
            one per class the image shows (`class_namings`).
        channels: key -> the files of the image's further channels (nnU-Net's `case_0001.png`
            beside `case_0000.png`; the other band folders' files of `channel_dirs`).
        channel_dirs: further image folders whose files `channels` holds (`stack_band_folders`).
        band_files: the bands of each image, a chip folder of band files in `image_dir` whose first
            is the pair's image and the others `channels` (`folders.band_chips`: `B02.tif`, ...); with
            `dates`, the files of a scene folder's two dates (`folders.chip_scenes`: OSCD's
            `imgs_1_rect/B02.tif`, ..., `imgs_2_rect/B08.tif`).
        frame: the frame of its time series read of each band file of `band_files` that holds one
            (`folders.chip_frames`: Contrails' `band_08.npy`, (H, W, 8)), of `frames`; None: each
            band file read whole.
        sample_bands: the bands of each image as its files in `image_dir` spell them after its name,
            its first file the pair's image and the others `channels` (`band_files`: WeedsGalore's
            `<sample>_R.png`, ..., `<sample>_RE.png`).
        dates: `channel_dirs` holds date 2 of `image_dir`'s scenes (change detection), or
            `band_files` both dates of each scene folder in `image_dir`.
        area_dirs: those of `more_mask_dirs` whose masks mark the area to score, not labels
            (Agriculture-Vision's `boundaries/` and `masks/`; `folders.valid_area`).
        planes: key -> the page of the image, a multi-page stack, that the key's 2-D mask is of
            (`plane_masks`: the Cell Tracking Challenge's `man_seg_001_003.tif`, plane 3 of `t001.tif`).
        splits: key -> the split of the folder holding the key's mask, where the masks of an image
            folder of no split lie in the split folders of one labels folder (AI4Mars' `labels/train/`
            and `labels/test/<version>/`; `folders.split_labels`); `split` is then None.
        bands: the datasets each file of an `IN_ONE_FILE` match stacks as its image's channels, in
            order (GEO-Bench's `01 - Coastal aerosol`, ..., `12 - SWIR`: `hdf5_files.h5_band_names`).
        channels_first: each file of an `IN_ONE_FILE` match keeps its image (C, H, W) beside an (H, W)
            mask, read channels last (`decoding.channels_first_pair`: Sen2Fire's `image` + `label`).
    """

    image_dir: Path
    mask_dir: Path
    split: str | None
    rule: KeyRule
    pairs: list[tuple[str, Path, Path]]
    problems: list[Problem] = field(default_factory=list)
    extra_masks: list[Path] = field(default_factory=list)
    rivals: RivalNamings | None = None
    merged: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    more_mask_dirs: tuple[Path, ...] = ()
    namings: tuple[str, ...] = ()
    channels: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    channel_dirs: tuple[Path, ...] = ()
    band_files: tuple[str, ...] = ()
    frame: int | None = None
    frames: int = 1
    sample_bands: tuple[str, ...] = ()
    dates: bool = False
    area_dirs: tuple[Path, ...] = ()
    planes: dict[str, int] = field(default_factory=dict)
    splits: dict[str, str] = field(default_factory=dict)
    bands: tuple[str, ...] = ()
    channels_first: bool = False

    def describe(self, root: Path) -> str:
        """One line for `seglab inspect`: which folders, how many pairs, which rule."""
        further = below_shared([self.image_dir, *self.channel_dirs])[1:]  # Hi-UCD's image/2017/9/, 2018/9/
        images = folder_label(self.image_dir, root) + "".join(f", {'/'.join(d)}/" for d in further) + (
            f"<scene>/ ({_ends(self.band_files)}: dates 1 and 2 of one scene, as the channels of one image)"
            if self.dates and self.band_files
            else " (dates 1 and 2 of one scene, as the channels of one image)" if self.dates
            else " (the channels of one image)" if self.channel_dirs
            else f"<chip>/ ({', '.join(self.band_files)}: the channels of one image{self._frame()})" if self.band_files
            else f" (<sample>_{{{','.join(self.sample_bands)}}}: a file per band, the channels of one image)"
            if self.sample_bands else "")
        where = f"{images} (images and masks side by side)" if self.image_dir == self.mask_dir else (
            " + ".join([images, *(folder_label(d, root) for d in (self.mask_dir, *self.more_mask_dirs))])
        )
        split = f" [{self.split}]" if self.split else ""
        if self.splits:
            split = " [" + ", ".join(f"{name} {n}" for name, n in Counter(self.splits.values()).items()) + "]"
        if self.rule is IN_ONE_FILE:
            kinds = "/".join(sorted({image.suffix.lower() for _, image, _ in self.pairs}))
            bands = f" (the image's {len(self.bands)} channels: {', '.join(self.bands)})" if self.bands else \
                " (the image's channels first, (C, H, W) beside an (H, W) mask: read channels last)" \
                if self.channels_first else ""
            return f"{images}{split}: {len(self.pairs)} {kinds} files, each holding its image and mask arrays{bands}"
        if self.rule is _ONE_IMAGE:
            return f"{where}{split}: its one image with the folder's {1 + len(self.masks_merged)} masks merged"
        if self.namings:
            return (f"{where}{split}: {len(self.pairs)} pairs by {self.rule.name}, a mask per class named "
                    + ", ".join(f"'{t}'" for t in self.namings) + self._absent_classes())
        merged = f", {len(self.merged)} of them with several masks merged" if self.merged else ""
        if self.area_dirs:
            merged += f", pixels outside {' or '.join(folder_label(d, root) for d in self.area_dirs)} ignored"
        if self.channels and not self.channel_dirs and not self.band_files and not self.sample_bands:
            merged += f", {len(self.channels)} of them with channels in files of their own (_0001, ...)"
        return f"{where}{split}: {len(self.pairs)} pairs by {self.rule.name}{merged}"

    def _frame(self) -> str:
        """Which frame of its band files' time series a chip is read at, and the flag that picks another."""
        if self.frame is None:
            return ""
        return f", {frame_words(self.frame, self.frames)}"

    def _absent_classes(self) -> str:
        """How many pairs lack a file of some class naming, and what that is read as: the class
        absent there, unless the set ships a file per class and image (a `missing` finding each)."""
        absent = sum(1 for key, _, _ in self.pairs if 1 + len(self.merged.get(key, ())) < len(self.namings))
        if not absent:
            return ""
        if any(p.code == "missing" for p in self.problems):
            return f"; {absent} without a file of some class, which nearly every image has: a missing mask each"
        return f"; {absent} without a file of some class, read as the class absent there"

    @property
    def masks_merged(self) -> tuple[Path, ...]:
        """The masks merged into the pairs' first masks, over all pairs."""
        return tuple(m for ms in self.merged.values() for m in ms)


def used_mask_folders(matches: dict[Path, FolderMatch]) -> set[Path]:
    """The folders whose files the matches pair as masks: each match's mask folders and its masks'
    own folders (a folder per image's mask, RoadAnomaly's)."""
    return {d for m in matches.values() for d in (m.mask_dir, *m.more_mask_dirs, *(p.parent for _, _, p in m.pairs))}


def _ends(names: Sequence[str]) -> str:
    """A list of names shown whole up to four, else by its ends: `a, b, ..., h`."""
    return ", ".join(names if len(names) <= 4 else [*names[:2], "...", names[-1]])


def folder_label(path: Path, root: Path) -> str:
    """A folder as messages show it: relative to the dataset folder with a trailing slash."""
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
    return f"{shown}/" if shown != "." else "./"


def keyed_files(files: Sequence[Path], rule: KeyRule, images: bool) -> tuple[dict[str, Path], list[tuple[Path, Path]]]:
    """key -> first file, and (file, first file with the same key) for every collision."""
    found: dict[str, Path] = {}
    clashes = []
    for path in files:
        key = rule.key_of(path, images)
        if key is None:
            continue
        if key in found:
            clashes.append((path, found[key]))
        else:
            found[key] = path
    return found, clashes


def best_rule(images: Sequence[Path], masks: Sequence[Path], rules: Sequence[KeyRule] = KEY_RULES) -> KeyRule:
    """The rule that pairs the most files; on a tie the stricter (earlier) one.

    The number rules count only when no two files on one side share a number: names like
    `img_2021_05_a` would otherwise pair by accident; masks may share a key under a rule meant to
    key an image's several masks alike (`KeyRule.many`), and images under one meant to key a mask's
    several images alike (`KeyRule.several`).
    """
    best, best_count = rules[0], -1
    for i, rule in enumerate(rules):
        image_keys, image_clashes = keyed_files(images, rule, True)
        mask_keys, mask_clashes = keyed_files(masks, rule, False)
        if i >= _STRICT_RULES and (image_clashes and not rule.several or mask_clashes and not rule.many):
            continue
        count = len(image_keys.keys() & mask_keys.keys())
        if count > best_count:
            best, best_count = rule, count
    return best


def match_folders(
    images: Sequence[Path],
    masks: Sequence[Path],
    image_dir: Path,
    mask_dir: Path,
    root: Path,
    split: str | None = None,
    rules: Sequence[KeyRule] = KEY_RULES,
    merge: bool = False,
) -> FolderMatch:
    """Pair `images` with `masks` by the best of `rules`; the default rules also try masks named
    as their image plus any suffix or prefix (`learned_rules.affix_rules`), with its first word
    swapped (`learned_rules.leading_word_rules`), with a word inserted after it
    (`learned_rules.inserted_word_rules`), with a middle word swapped, several images to a mask
    (`learned_rules.swapped_word_rules`), with another role number last
    (`learned_rules.role_number_rules`) or plus numbers that vary per image
    (`numbered_masks.numbered_rules`),
    a `--mask-pattern` is taken as given.

    Images that match two masks (`a_mask.png` and `a_label.png`) are not refused here but set
    `rivals`, so that `rival_namings.refuse_rival_namings` can count each naming over the whole dataset.
    With `merge` (`--merge-masks`) such masks are one mask instead, and a mask folder of its own
    beside a single image, none of whose masks is named after it (the 2018 Data Science Bowl's
    `<id>/images/<id>.png` + `<id>/masks/*.png`), is that image's masks. A sample's band files
    (`band_files`: WeedsGalore's `<sample>_R.png` ... `_RE.png`) are one image, keyed by the sample's
    name under the default rules, its first band file the pair's and the others its channels.
    """
    learned = tuple(rules) == KEY_RULES
    bands = sample_bands(images, masks) if learned else None
    if bands is not None:  # WeedsGalore's <sample>_R.png ... _RE.png: one image, its first band file
        images = [p for p in images if p not in bands.further]
    if learned:  # a name is a stronger tie than a number
        stems = {name_key(p) for p in images}
        namings = learned_namings(stems, masks)  # once, for both kinds of learned rule
        rules = (*KEY_RULES[:_STRICT_RULES], *((band_file_rule(bands),) if bands else ()),
                 *affix_rules(stems, namings), *numbered_rules(stems, namings),
                 *class_naming_rules(stems, namings),
                 *leading_word_rules(images, masks), *inserted_word_rules(images, masks),
                 *swapped_word_rules(images, masks), *KEY_RULES[_STRICT_RULES:], *role_number_rules(images, masks))
    rule = best_rule(images, masks, rules)
    image_keys, image_clashes = keyed_files(images, rule, True)
    # a frame's renderings, a folder's images beside its one mask (`mask_patterns.fixed_name_rule`), or a
    # mask's several images named after it (`KeyRule.several`: Eyecandies' lightings) share the mask
    renderings = [(path, first) for path, first in image_clashes
                  if rule.shared or rule.several or _one_frame(path, first)]
    image_clashes = [clash for clash in image_clashes if clash not in renderings]
    mask_keys, mask_clashes = keyed_files(masks, rule, False)
    merged: dict[str, list[Path]] = {}
    if merge or rule.namings:  # an image's several masks read as one, or as a file per class (`class_namings`)
        kept = []
        for path, first in mask_clashes:
            if _differ_by_affix(path, first):
                merged.setdefault(rule.key_of(first, False) or "", []).append(path)
            else:
                kept.append((path, first))
        mask_clashes = kept
    rivals = _two_masks(mask_clashes, rule, masks, root)
    problems = [
        Problem(path, f"image has the same name as '{first.name}'; skipped", "duplicate-name", (first,))
        for path, first in image_clashes
    ] + [
        Problem(path, f"mask has the same name as '{first.name}'; skipped", "duplicate-name", (first,))
        for path, first in mask_clashes
    ]
    pairs = [(key, image, mask_keys[key]) for key, image in image_keys.items() if key in mask_keys]
    pairs += [(key, path, mask_keys[key]) for path, first in renderings if (key := rule.key_of(first, True)) in mask_keys]
    if merge and not pairs and len(images) == 1 and masks and mask_dir != image_dir:
        return _one_image_folder(images[0], masks, image_dir, mask_dir, split)
    # masks of single planes, named by number (`man_seg_001_003`): a number rule would pair plane 3 with `t003`
    loose = not pairs or rule in NUMBER_RULES
    planes = plane_pairs(images, masks) if learned and loose and not merge and mask_dir != image_dir else None
    if planes is not None:
        return _plane_match(images, image_dir, mask_dir, root, split, *planes)
    problems += [Problem(m, "mask has no image", "mask-without-image") for k, ms in merged.items()
                 if k not in image_keys for m in ms]
    paired_keys = {key for key, _, _ in pairs}
    lonely_masks = [m for k, m in mask_keys.items() if k not in image_keys]
    lonely_names = {stem(m).lower(): m for m in lonely_masks}
    expected = folder_label(mask_dir, root) if mask_dir != image_dir else folder_label(image_dir, root)
    # nnU-Net names a case's mask without the channel suffix of its images (`road_1.png` for `road_1_0000.png`)
    key_of_case = {stem(image)[: -len("_0000")]: key for key, image, mask in pairs
                   if stem(image).endswith("_0000") and stem(mask).lower() == stem(image)[: -len("_0000")].lower()}
    channels: dict[str, list[tuple[int, Path]]] = {}
    unique: tuple[TemplateStem, ...] | None = None  # the stems a hint may offer, found at the first hint
    for key, image in image_keys.items():
        if key in mask_keys:
            continue
        channel = NNUNET_CHANNEL.fullmatch(stem(image))
        if channel and channel.group(2) != "0000" and channel.group(1) in key_of_case:  # channel 1, 2, ... of a case
            channels.setdefault(key_of_case[channel.group(1)], []).append((int(channel.group(2)), image))
            continue
        numbered = rule in NUMBER_RULES  # `t000.tif` pairs `man_seg000.tif`, not `t000.*`
        annotation = _json_named_alike(image, mask_dir) if not numbered and len(problems) < _CLOSEST_SHOWN else None
        if annotation is not None:  # Kili's labels/patch_000.json: labelled, in a format no layout reads
            problems.append(Problem(image, f"image's label file {expected}{annotation.name} is JSON in a format no "
                                    "layout of seglab reads, and no mask", "image-without-mask", (annotation,)))
            continue
        message = (f"image has no mask (expected a mask numbered {key} in {expected})" if numbered
                   else f"image has no mask (expected a mask dated {key} in {expected})" if rule.key is date_in
                   else f"image has no mask (expected {expected_mask(rule, image, expected)})")
        close = (
            difflib.get_close_matches(stem(image).lower(), list(lonely_names), n=1, cutoff=0.6)
            if len(problems) < _CLOSEST_SHOWN and len(lonely_names) <= _CLOSEST_AMONG else []
        )
        if close:
            partner = lonely_names[close[0]]
            unique = unique_template_stems(images) if unique is None else unique
            pattern = pattern_for(image, partner, unique)
            message += f"; closest unpaired mask: '{partner.name}'" + (
                f" (pair such names with --mask-pattern '{pattern}')" if pattern else "")
        problems.append(Problem(image, message, "image-without-mask"))
    extra: dict[str, list[Path]] = {}  # other annotations of paired images, by their naming template
    for mask in lonely_masks:
        key = named_around(stem(mask), paired_keys)
        if key is None:
            problems.append(Problem(mask, "mask has no image", "mask-without-image"))
        else:
            extra.setdefault(naming_template(mask, key), []).append(mask)
    # files a --mask-pattern leaves out; a learned naming's may be a second observer's; beside a mask's
    # several images (`KeyRule.several`), a sample's other products (Eyecandies' `000_normals.png`)
    unkeyed = [image for image in images if rule.several and rule.key_of(image, True) is None]
    for mask in (m for m in masks if rule.key_of(m, False) is None):
        key = named_around(stem(mask), paired_keys) if learned else None
        if key is None:
            unkeyed.append(mask)
        elif merge and same_numbering(naming_template(mask, key), naming_template(mask_keys[key], key)):
            merged.setdefault(key, []).append(mask)  # SegPC's `106_2.bmp` beside `106_1.bmp`: another cell
        else:
            extra.setdefault(naming_template(mask, key), []).append(mask)
    # a --mask-pattern is the user's pick: the masks it fits that pair no image (`1_binary.PNG` under
    # `{stem}.PNG`, beside `1.PNG`) are another naming, listed as ignored, not a choice to ask again
    rivals = rivals or (_second_annotation(pairs, extra, rule, root) if learned else None)
    pairs, gaps = _complete_cases(pairs, channels)
    banded = {key: bands.samples[composed(image)][1] for key, image, _ in pairs
              if composed(image) in bands.samples} if bands is not None else {}
    channels_of = {**{k: tuple(image for _, image in sorted(cs)) for k, cs in channels.items()}, **banded}
    return FolderMatch(image_dir, mask_dir, split, rule, pairs, problems + gaps,
                       [m for ms in extra.values() for m in ms] + unkeyed, rivals,
                       {k: tuple(ms) for k, ms in merged.items() if k in image_keys},
                       namings=() if merge else rule.namings,
                       channels=channels_of,
                       sample_bands=bands.spelled if bands is not None and banded else ())


def _json_named_alike(image: Path, mask_dir: Path) -> Path | None:
    """The JSON file named as `image` in the mask folder, an annotation tool's label file that
    pairing looked past (only image files are masks); None when there is none."""
    annotation = mask_dir / f"{stem(image)}.json"
    return annotation if annotation.is_file() else None


def _complete_cases(pairs: list[tuple[str, Path, Path]], channels: dict[str, list[tuple[int, Path]]]
                    ) -> tuple[list[tuple[str, Path, Path]], list[Problem]]:
    """The pairs whose nnU-Net channel files are numbered without a gap (`_0000`, `_0001`, ...),
    and a finding for each other case, which is left out: its channels would shift."""
    kept, problems = [], []
    for key, image, mask in pairs:
        numbers = sorted(n for n, _ in channels.get(key, ()))
        if numbers == list(range(1, len(numbers) + 1)):
            kept.append((key, image, mask))
            continue
        case = stem(image)[: -len("_0000")]
        missing = [n for n in range(1, numbers[-1]) if n not in numbers]
        what = f"no {case}_{missing[0]:04d}" if missing else "two files of one channel"
        problems.append(Problem(image, f"nnU-Net case '{case}' has channel files up to _{numbers[-1]:04d} but "
                                f"{what}; the case is left out", "image-without-mask"))
        del channels[key]
    return kept, problems


def combine_matches(matches: Sequence[FolderMatch]) -> FolderMatch:
    """One image folder's matches with several mask folders as one match, each image's masks in
    all of them merged (`--merge-masks`: Montgomery's `ManualMask/leftMask/` and `rightMask/`).
    An image is paired when any folder has a mask of it; a folder without one says so."""
    first = matches[0]
    images: dict[str, Path] = {}
    masks: dict[str, list[Path]] = {}
    for match in matches:
        for key, image, mask in match.pairs:
            images.setdefault(key, image)
            masks.setdefault(key, []).extend((mask, *match.merged.get(key, ())))
    paired = set(images.values())
    problems = [
        replace(p, message=f"{p.message}; read with its masks of the other folders", code="partial-merge")
        if p.code == "image-without-mask" and p.path in paired else p
        for m in matches for p in m.problems
    ]
    return FolderMatch(
        first.image_dir, first.mask_dir, first.split, first.rule,
        [(key, image, masks[key][0]) for key, image in images.items()], problems,
        [e for m in matches for e in m.extra_masks], next((m.rivals for m in matches if m.rivals), None),
        {key: tuple(ms[1:]) for key, ms in masks.items() if len(ms) > 1}, tuple(m.mask_dir for m in matches[1:]),
        channels={key: files for m in reversed(matches) for key, files in m.channels.items()},
    )


_ONE_IMAGE = KeyRule("the one image of its folder", lambda path: None)
IN_ONE_FILE = KeyRule("image and mask arrays in one file", stem)


def _one_image_folder(image: Path, masks: Sequence[Path], image_dir: Path, mask_dir: Path,
                      split: str | None) -> FolderMatch:
    """The one image of `image_dir` paired with all of `masks`, read merged (`--merge-masks`)."""
    key = stem(image).lower()
    first, *more = sorted(masks, key=lambda p: p.name)
    return FolderMatch(image_dir, mask_dir, split, _ONE_IMAGE, [(key, image, first)],
                       merged={key: tuple(more)} if more else {})


def _plane_match(images: Sequence[Path], image_dir: Path, mask_dir: Path, root: Path, split: str | None,
                 pairs: list[tuple[str, Path, Path]], planes: dict[str, int]) -> FolderMatch:
    """Masks of single planes paired with their image stacks (`plane_masks`); a stack with none is said."""
    named = {image for _, image, _ in pairs}
    expected = folder_label(mask_dir, root)
    problems = [Problem(image, f"image has no mask (expected a mask of one of its planes, numbered "
                        f"{PLANE_RULE.key(image)} and the plane, in {expected})", "image-without-mask")
                for image in images if image not in named]
    return FolderMatch(image_dir, mask_dir, split, PLANE_RULE, pairs, problems, planes=planes)


def pair_namings(pairs: list[tuple[str, Path, Path]]) -> dict[str, list[Path]]:
    """Each naming (`--mask-pattern` template) of `pairs`' masks, with its masks."""
    masks: dict[str, list[Path]] = {}
    for key, _, mask in pairs:
        masks.setdefault(naming_template(mask, key), []).append(mask)
    return masks


def _second_annotation(
    pairs: list[tuple[str, Path, Path]], extra: dict[str, list[Path]], rule: KeyRule, root: Path
) -> RivalNamings | None:
    """A second full set of masks (`a_roi.png` beside `a_mask.png`) is a choice for the user;
    colour renderings, instance maps and overlays (Cityscapes' `_gtFine_color`) are not labels."""
    rivals = {
        t: ms for t, ms in extra.items()
        if len(ms) >= 0.5 * len(pairs) and names_labels(t.partition("{stem}")[2].rsplit(".", 1)[0])
    }
    if not rivals:
        return None
    first = next(iter(rivals.values()))[0]
    example = (f"{folder_label(first.parent, root)}: images match more than one mask each ({rule.name}), e.g. "
               f"'{first.name}' beside '{pairs[0][2].name}'")
    return RivalNamings(example, {**pair_namings(pairs), **rivals})


def names_labels(name: str) -> bool:
    """Whether a mask file or folder name is no rendering (colour, instances, overlay, ...)."""
    return not set(words(name)) & _NOT_LABELS


def _two_masks(
    clashes: list[tuple[Path, Path]], rule: KeyRule, masks: Sequence[Path], root: Path
) -> RivalNamings | None:
    """Masks with one key that differ by their affix (`a_mask.png`, `a_roi.png`), each naming of
    them with its masks (LV-MHP v2's `{stem}_02_01.png` to `{stem}_04_04.png`, persons numbered)."""
    different = [(a, b) for a, b in clashes if _differ_by_affix(a, b)]
    if not different:
        return None  # `a.png` beside `a.jpg`: a duplicate-name warning, as for images
    path, first = different[0]
    templates = {naming_template(mask, rule.key_of(mask, False) or "") for pair in different for mask in pair}
    example = (f"{folder_label(first.parent, root)}: one image matches two masks, '{first.name}' and '{path.name}' "
               f"({rule.name})")
    return RivalNamings(example, {t: [m for m in masks if fits_template(m, t)] for t in templates})


def _one_frame(a: Path, b: Path) -> bool:
    """Two images of one key that render one Cityscapes frame (Foggy Cityscapes' three
    `x_leftImg8bit_foggy_beta_*.png`): each pairs with the frame's mask, not a duplicate."""
    frame = frame_of(stem(a))
    return frame is not None and frame == frame_of(stem(b)) and stem(a) != stem(b)


def _differ_by_affix(a: Path, b: Path) -> bool:
    """Two masks of one key that are two annotations (`a_mask.png`, `a_mask_1.png`), not one
    annotation stored twice (`a.png`, `a.jpg`)."""
    return a.suffix.lower() == b.suffix.lower() and stem(a) != stem(b)


def fits_template(mask: Path, template: str) -> bool:
    """Whether `template` (`{stem}_mask.png`) names `mask` for some non-empty stem."""
    before, _, after = template.partition("{stem}")
    name = mask.name.lower()
    return name.startswith(before.lower()) and name.endswith(after.lower()) and len(name) > len(before) + len(after)
