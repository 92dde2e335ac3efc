"""What file and folder names say: the key that pairs an image with its mask, and the role
(images, masks, split) a folder name suggests.

Datasets are shipped with masks named `a.png`, `a_mask.png`, `mask_a.png`, `A_segmentation.PNG`,
`a_gtFine_labelIds.png` or only sharing a number (`21_training.tif` ~ `21_manual1.gif`). Each
`KeyRule` turns a file name into a key; pairing tries them from the strictest to the loosest and
keeps the one that pairs the most files, so a rule is only as loose as the data needs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from seglab.data.discovery.band_words import without_band_word, without_folder_word

# affixes that mark a file as a mask or an image of a pair; longest first so that
# `_gtfine_labelids` is stripped whole before `_labelids`
_SUFFIXES = tuple(sorted((
    "mask", "masks", "label", "labels", "gt", "seg", "segm", "segmentation", "annotation", "annotations",
    "annot", "annotated", "labelids", "gtfine_labelids", "gtcoarse_labelids", "leftimg8bit", "manual1", "image", "img",
    "0000", "trimap", "target", "groundtruth", "ground_truth", "lbl", "sat", "rgb", "irrg", "rgbir", "fg", "ortho",
    "rgb_anon", "gt_labeltrainids", "gt_labelids", "labeltrainids", "msk", "merged", "data", "input", "output",
), key=len, reverse=True))  # fmt: skip  (sat: DeepGlobe's _sat images; rgb, irrg, rgbir: ISPRS Potsdam's bands;
# ortho: DroneDeploy's <scene>-ortho.tif beside labels/<scene>-label.png; rgb_anon, gt_label*: ACDC's;
# merged: HLS Burn Scars' <scene>.v1.4_merged.tif, its bands merged, beside <scene>.v1.4.mask.tif;
# data: SPARCS' <scene>_data.tif, its ten bands, beside <scene>_mask.png, _photo.png and _qmask.tif;
# input, output: ICDAR MapSeg's 101-INPUT.jpg beside 101-OUTPUT-GT.png, and its region 101-INPUT-MASK.png)
_ROLE_PREFIXES = ("mask", "masks", "msk", "segm", "seg", "label", "labels", "gt", "img", "image", "lbl")  # msk: FLAIR's MSK_
_PREFIXES = (*_ROLE_PREFIXES, "red", "green", "blue", "nir")  # bands: 38-Cloud's red_patch_1_..., a folder per band
_SEPARATORS = "_-. "
# a role word and a number with no separator between them: DSAD's `image00.png` beside `mask00.png`
_ROLE_NUMBER = re.compile(rf"(?P<word>{'|'.join(_ROLE_PREFIXES)})(?P<number>\d+)")
_IMAGE_AFFIXES = ("image", "img", "leftimg8bit", "sat", "rgb", "irrg", "rgbir", "0000", "ortho", "rgb_anon",
                  "merged", "data", "input")  # of those, the images'

# folder names: words that mark masks, images or a split (matched on lower-case names)
_MASK_WORDS = ("mask", "label", "annot", "trimap", "manual", "groundtruth", "ground_truth", "segmentation",
               "truth", "target", "gtfine", "gtcoarse", "instance", "panoptic", "semantic")  # fmt: skip (Mapillary, KITTI)
_MASK_TOKENS = ("gt", "gts", "seg", "segs", "y", "lbl", "msk", "labelstr", "labelsts", "ann", "cls",
                "matte", "mattes", "alpha", "alphas",
                "contour", "contours", "structures",
                "parse", "parsing")  # gts: ISPRS; ann: mmseg's ann_dir; matte: PPM-100, P3M-10k;
# contours: EMIDEC's Case_N006/Contours/; structures: PDDCA's <case>/structures/, a mask per organ;
# parse: human parsing maps, VITON-HD's image-parse-v3/ beside image/
_IMAGE_WORDS = ("image", "img", "input", "photo", "picture", "frame", "original", "leftimg8bit", "jpeg", "rgb")
_IMAGE_TOKENS = ("x", "raw", "data", "imagestr", "imagests", "scan", "scans")  # scans: CT-ICH's ct_scans/
SPLIT_WORDS = {
    "train": "train", "training": "train", "trainset": "train", "tr": "train", "trainval": "train",  # TN3K
    "val": "val", "valid": "val", "validation": "val", "valset": "val", "dev": "val",
    "leaderboard": "val",  # a challenge's labelled cases scored before its test (NCI-ISBI 2013's Leaderboard/)
    "test": "test", "testing": "test", "testset": "test", "ts": "test", "te": "test",  # DUTS-TE
}  # fmt: skip


@dataclass(frozen=True)
class KeyRule:
    """One way of turning a file into the key its partner shares.

    Args:
        name: how `seglab inspect` describes the rule.
        key: file -> key, or None when the rule cannot key that file.
    """

    name: str
    key: Callable[[Path], str | None]
    image_key: Callable[[Path], str | None] | None = None  # when images are keyed otherwise
    many: bool = False  # keys an image's several masks alike (objects numbered after it): shared keys are meant
    shared: bool = False  # keys a folder's images alike, every one paired with the folder's one mask (`fixed_name_rule`)
    several: bool = False  # keys a mask's several images alike (`_less_image_number`): shared image keys are meant
    fixed_name: str = ""  # that mask's name, a folder part too (`labels/manual_hq.tif`), for a `fixed_name_rule`

    def key_of(self, path: Path, is_image: bool) -> str | None:
        path = composed(path)
        return self.image_key(path) if is_image and self.image_key is not None else self.key(path)


def stem(path: Path) -> str:
    """File name without its suffix; `.nii.gz`-like double suffixes count as one."""
    name = path.name
    for double in (".nii.gz", ".tar.gz"):
        if name.lower().endswith(double):
            return name[: -len(double)]
    return path.stem


def composed(path: Path) -> Path:
    """`path` with its letters in Unicode's composed form (NFC), the form names are compared in: a
    Mac writes `ä` as `a` and a combining diaeresis (NFD), Linux and Windows as one letter, so a
    photo copied from a Mac and its mask written on Linux would name one item two ways."""
    text = str(path)
    return path if text.isascii() else Path(unicodedata.normalize("NFC", text))


def name_key(path: Path) -> str:
    """A file's name as names are compared: its stem, composed (`composed`) and lower case."""
    return stem(composed(path)).lower()


# with or without a separator: BUSI's `_mask_1`, AITEX's `_mask1` and `_mask2` (two defects of one image)
_NUMBERED_MASK = re.compile(r"(.+[_\-. ](?:mask|label|gt|seg|segm|annotation))[_\-]?\d{1,2}$")


def is_numbered_mask(name: str) -> bool:
    """Whether a stem is a mask affix with a counter: BUSI's second lesion `benign (4)_mask_1`,
    AITEX's `0044_019_04_mask2`."""
    return _NUMBERED_MASK.fullmatch(name.lower()) is not None


# Cityscapes' naming: the frame, then its image affix and any rendering's (Foggy Cityscapes'
# `_leftImg8bit_foggy_beta_0.02`) or its label affix (ACDC's and Dark Zurich's `_gt_labelIds` too)
_CITYSCAPES_NAME = re.compile(
    r"(?P<frame>.+?)[_\-. ](?:leftimg8bit(?:[_\-. ].+)?|gt(?:fine|coarse)?_label(?:train)?ids)", re.IGNORECASE)


def frame_of(name: str) -> str | None:
    """The frame, lower case, that a stem in Cityscapes' naming shows: `x` for `x_leftImg8bit`,
    Foggy Cityscapes' `x_leftImg8bit_foggy_beta_0.02` and `x_gtFine_labelIds`; None for other
    names."""
    found = _CITYSCAPES_NAME.fullmatch(name)
    return found.group("frame").lower() if found else None


def strip_affixes(name: str) -> str:
    """Lower-case name without the mask/image affixes of `_SUFFIXES` and `_PREFIXES`; a mask
    affix with a counter (BUSI's second lesion `benign (4)_mask_1`) counts as the affix. A name
    in Cityscapes' naming loses that affix alone (`frame_of`): Foggy Driving's
    `pedestrian_0000_leftImg8bit` is frame `pedestrian_0000`, its number no nnU-Net channel. A
    role word and a number, nothing else (DSAD's `image00` and `mask00`), is the number."""
    frame = frame_of(name)
    if frame is not None:
        return frame
    name = name.lower()
    numbered = _NUMBERED_MASK.fullmatch(name)
    name = numbered.group(1) if numbered else name
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            for sep in _SEPARATORS:
                if name.endswith(sep + suffix) and len(name) > len(suffix) + 1:
                    name, changed = name[: -len(suffix) - 1], True
                    break
            if changed:
                break
        for prefix in _PREFIXES:
            for sep in _SEPARATORS:
                if name.startswith(prefix + sep) and len(name) > len(prefix) + 1:
                    name, changed = name[len(prefix) + 1 :], True
                    break
            if changed:
                break
    numbered = _ROLE_NUMBER.fullmatch(name)
    return numbered.group("number") if numbered else name


def image_affixed(name: str) -> bool:
    """Whether a file stem carries an image affix (`000_img`, `img_000`, `x_leftImg8bit`, DSAD's
    `image00`), so that a folder naming both its images and its masks (Cellpose's `000_img.png` +
    `000_masks.png`, DSAD's `image00.png` + `mask00.png`) can tell them apart."""
    name = name.lower()
    numbered = _ROLE_NUMBER.fullmatch(name)
    if numbered is not None:
        return numbered.group("word") in _IMAGE_AFFIXES
    return any(name.endswith(sep + affix) or name.startswith(affix + sep)
               for affix in _IMAGE_AFFIXES for sep in _SEPARATORS)


def _without_affixes(path: Path) -> str:
    return strip_affixes(without_tree_name(without_folder_word(stem(path), path.parent.name), path))


def without_tree_name(name: str, path: Path) -> str:
    """`name` less the end that spells the whole name, of two words or more, of its folder or one
    above: MUSES' `frame_camera/<split>/<condition>/<time>/<frame>_frame_camera.png`, a sensor's
    tree, shows the frame that `gt_semantic/`'s `<frame>_gt_labelTrainIds.png` labels."""
    lower = name.lower()
    for folder in path.parents:
        tree = folder.name.lower()
        if len(words(tree)) > 1 and any(lower.endswith(sep + tree) for sep in _SEPARATORS):
            return name[: -len(tree) - 1]
    return name


_HASH = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)  # an id such as DSB 2018's sha256 names, not a number


def numbers_in(path: Path) -> list[str]:
    """The numbers in a file's name; none in a hash, whose digits only look like numbers (one
    image's '…ad5a' would pair with any mask whose hash ends in 5)."""
    name = stem(path)
    return [] if _HASH.fullmatch(name) else re.findall(r"\d+", name)


def first_number(path: Path) -> str | None:
    found = numbers_in(path)
    return str(int(found[0])) if found else None


def _last_number(path: Path) -> str | None:
    found = numbers_in(path)
    return str(int(found[-1])) if found else None


_AFFIX_WORDS = frozenset(a for a in (*_SUFFIXES, *_ROLE_PREFIXES) if a.isalpha())  # not the bands, nor 0000


def without_affix_words(name: str) -> str:
    """A name's words less the mask/image words wherever they are, lower case: the Forest Aerial
    Images' `119_sat_09` and `119_mask_09` are `119_09` (patch 9 of tile 119)."""
    return "_".join(w for w in re.split(r"[_\-. ]+", name.lower()) if w not in _AFFIX_WORDS)


def _without_affix_words(path: Path) -> str:
    return without_affix_words(stem(path))


def _without_band_word(path: Path) -> str:
    return strip_affixes(without_band_word(without_folder_word(stem(path), path.parent.name)))


# a date, year first, its parts spelt with one separator or none: DynamicEarthNet's daily images
# `2018-01-01.tif` and monthly labels `<tile>-2018_01_01.tif` name one day alike
_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)([-_. ]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def date_in(path: Path) -> str | None:
    """The one date in a file's name as YYYY-MM-DD, whatever its separators; None for a name of no
    date or of two (a change pair's `2018_2019`-like names are no key)."""
    found = {(m[1], m[3], m[4]) for m in _DATE.finditer(stem(path))}
    return "-".join(found.pop()) if len(found) == 1 else None


# numbers key a file only when no two files on one side share one (`pairing.best_rule`)
NUMBER_RULES = (
    KeyRule("first number in the name", first_number),
    KeyRule("last number in the name", _last_number),
)
KEY_RULES = (
    KeyRule("same name", name_key),
    KeyRule("same name without mask/image affixes (_mask, _label, _gt, mask_, ...)", _without_affixes),
    KeyRule("same name without mask/image words inside it (_sat_, _mask_, ...)", _without_affix_words),
    # a tile's products (GeoNRW's `<E>_<N>_dem.tif` beside `<E>_<N>_seg.tif`): the whole name, not
    # one of its two grid numbers, which other tiles share; checked for shared keys like the numbers
    KeyRule("same name without mask/image affixes and a band word (_dem, _nir, _B02, ...)", _without_band_word),
    # checked for shared keys too: a folder of one day's several images or masks is not keyed by it
    KeyRule("same date in the name (2018-01-01 ~ 2018_01_01)", date_in),
    *NUMBER_RULES,
)
# a volume's modality words (`case0-CT`, `subject-1-T1`) name its channels, for the modality rules
# to group, never a key that pairs one modality with the label
VOLUME_KEY_RULES = tuple(rule for rule in KEY_RULES if rule.key is not _without_band_word)


def template_rules(pattern: str) -> tuple[KeyRule, ...]:
    """A `--mask-pattern`: a template with `{stem}` (`{stem}_mask.png`) or a regular expression
    whose first group (or group `stem`) is the image's stem (`(.+)_manual1\\.gif`).

    Rules keying images by their stem, by their stem without image affixes (Cityscapes'
    `x_leftImg8bit.png` is the image of `x_gtFine_labelTrainIds.png`, so
    `{stem}_gtFine_labelTrainIds.png` means `x`) and by their stem less its first or last word
    (BUS-BRA's `bus_0001-l.png` is the image of `mask_0001-l.png`, so `mask_{stem}.png` means
    `0001-l`; HLS Burn Scars' `X.v1.4_merged.tif` that of `X.v1.4.mask.tif`), and one keying
    images by their last number where the mask's is a number (`mask(\\d+)\\.png`: `mask7.png` for
    `frame_007.jpg`). Pairing keeps the one that pairs the most. Images named as their mask but for
    an image word and a number last (Eyecandies' `000_image_0.png` ... `000_image_5.png`, six
    lightings of `000_mask.png`: `{stem}_mask.png` means `000`) are several images of one mask.

    A pattern with a folder part names the mask by the folders above it too (RoadAnomaly's
    `{stem}.labels/labels_semantic.png`: a folder per image, `per_image.per_image_masks`).

    A file name alone (`semantic.png`) names the mask of every image in its folder, and one below
    a folder part (`labels/manual_hq.tif`) that of every image in the folder holding that part
    (`fixed_name_rule`).

    Raises:
        ValueError: a template without `{stem}` that is not a valid regular expression either,
            or a regular expression without a group.
    """
    if "{stem}" not in pattern and _FIXED_NAME.fullmatch(pattern):
        return (fixed_name_rule(pattern),)
    pattern = unicodedata.normalize("NFC", pattern)  # as the names it is matched with (`composed`)
    if "{stem}" in pattern:
        before, _, after = pattern.partition("{stem}")
        regex = re.compile(re.escape(before) + "(?P<stem>.+?)" + re.escape(after) + "$", re.IGNORECASE)
    else:
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except (re.error, OverflowError, RecursionError) as err:  # a{99999999999}; thousands of nested groups
            raise ValueError(f"mask pattern '{pattern}' is neither a {{stem}} template nor a regular expression: {err}") from None
        if not regex.groups:
            raise ValueError(f"mask pattern '{pattern}' needs a group for the image stem, e.g. '(.+)_mask\\.png'")

    depth = pattern.count("/")  # a folder part: RoadAnomaly's '{stem}.labels/labels_semantic.png'

    def key(path: Path) -> str | None:
        name = "/".join(path.parts[-depth - 1:])
        found = regex.fullmatch(name) or (regex.fullmatch(stem(path)) if not depth else None)
        if found is None:
            return None
        return (found.group("stem") if "stem" in regex.groupindex else found.group(1)).lower()

    def number(path: Path) -> str | None:  # a group that is a number, matched as a number
        found = key(path)
        return str(int(found)) if found is not None and found.isdecimal() else None

    name = f"--mask-pattern '{pattern}'"
    return (*(KeyRule(f"{name}{said}", key, image_key, several=image_key is _less_image_number)
              for said, image_key in _TEMPLATE_STEMS),
            KeyRule(f"{name} ({{stem}}: the image's last number)", number, _last_number))


# `semantic.png`, `labels/manual_hq.tif`: a name, folders above it at most; no {stem}, no group
_FIXED_NAME = re.compile(r"(?:[\w\-. ]+/)*[\w\- ]+(?:\.[\w\-]+)+")


def fixed_name_rule(name: str) -> KeyRule:
    """A `--mask-pattern` that is a file name with no `{stem}` (`semantic.png`): the mask named so
    in each folder is the mask of every image beside it (Structured3D's
    `perspective/full/<view>/semantic.png` beside `rgb_rawlight.png`, `rgb_coldlight.png` and
    `rgb_warmlight.png`, three lightings of one view). With a folder part (`labels/manual_hq.tif`)
    it is the mask of every image in the folder holding that part: CloudSEN12's
    `<roi>/<scene>/labels/manual_hq.tif` for `<roi>/<scene>/S2L1C.tif`, beside the cloud masks
    algorithms made (`labels/fmask.tif`, ...). Files key by their case folder, so folders, not
    names, pair."""
    depth = name.count("/")

    def folder_of(path: Path, mask: bool) -> str | None:
        named = "/".join(path.parts[-depth - 1:]).lower() == name.lower()
        return path.parents[depth if mask else 0].as_posix().lower() if named == mask else None

    return KeyRule(f"--mask-pattern '{name}' (the mask of every image in its {'case ' * bool(depth)}folder)",
                   lambda path: folder_of(path, True), lambda path: folder_of(path, False), shared=True,
                   fixed_name=name)


def fixed_mask_of(folder: Path, rules: Sequence[KeyRule]) -> Path | None:
    """The file a `fixed_name_rule` with a folder part names below `folder` (`labels/manual_hq.tif`),
    when it is there; None for a rule without one, whose mask lies in the folder itself."""
    name = next((rule.fixed_name for rule in rules if rule.shared), "")
    path = folder / name
    return path if "/" in name and path.is_file() else None


def names_fixed_mask(rules: Sequence[KeyRule]) -> bool:
    """Whether `rules` are a `fixed_name_rule`'s: masks named alike in every folder, found as
    deep as the folders `--masks` names."""
    return any(rule.shared for rule in rules)


def pattern_for(image: Path, mask: Path, stems: Sequence[TemplateStem] | None = None) -> str | None:
    """The `--mask-pattern` template that names `mask` after `image`: `{stem}` in place of the
    longest of the stems a template keys images by (`mask_{stem}.png` for `bus_0001-l.png` ~
    `mask_0001-l.png`), or None when the mask's name holds none. `stems` are those to try, the
    folder's `unique_template_stems`, so that a stem two images share is never offered, and a
    template that would not pair the two (`pairs_by`) is never offered either."""
    image, mask = composed(image), composed(mask)
    name = mask.name.lower()
    keys = sorted({k for _, image_key in (_TEMPLATE_STEMS if stems is None else stems) if (k := image_key(image))}, key=len, reverse=True)
    found = next((k for k in keys if k in name), None)
    if found is None:
        return None
    at = name.find(found)
    template = mask.name[:at] + "{stem}" + mask.name[at + len(found):]
    return template if pairs_by(template_rules(template), image, mask) else None


def pairs_by(rules: Sequence[KeyRule], image: Path, mask: Path) -> bool:
    """Whether one of `rules` (a `--mask-pattern`'s) keys `image` and `mask` alike, so pairs them."""
    return any((key := rule.key_of(mask, False)) is not None and key == rule.key_of(image, True) for rule in rules)


def _less_first_word(path: Path) -> str | None:
    parts = re.split(r"[_\-. ]", stem(path).lower(), maxsplit=1)
    return parts[1] if len(parts) == 2 and parts[0] and parts[1] else None


def _less_last_word(path: Path) -> str | None:
    parts = re.split(r"[_\-. ](?=[^_\-. ]*$)", stem(path).lower())
    return parts[0] if len(parts) == 2 and parts[0] and parts[1] else None


_IMAGE_NUMBER = re.compile(rf"(.+?)[_\-. ](?:{'|'.join(_IMAGE_WORDS)})[_\-. ]?\d+")


def _less_image_number(path: Path) -> str | None:
    """A file's name (lower case) before an image word and a number, which number one of a mask's
    several images: `000` of Eyecandies' `000_image_4` (lighting 4 of `000_mask`)."""
    found = _IMAGE_NUMBER.fullmatch(stem(path).lower())
    return found.group(1) if found else None


# what a template's {stem} may be of the image's name, and how `seglab inspect` says so
TemplateStem = tuple[str, Callable[[Path], str | None]]
_TEMPLATE_STEMS: tuple[TemplateStem, ...] = (
    ("", name_key), (" ({stem}: image name without its affix)", _without_affixes),
    (" ({stem}: image name less its first word)", _less_first_word),
    (" ({stem}: image name less its last word)", _less_last_word),
    (" ({stem}: image name less an image word and number, one of the mask's several images)", _less_image_number),
)
_LEADING_WORD = re.compile(r"([a-z]+)[_\-. ](.+)")


def unique_template_stems(images: Sequence[Path]) -> tuple[TemplateStem, ...]:
    """Those of `_TEMPLATE_STEMS` under which no two of `images` share a stem: KITTI Road's
    `um_000000` and `umm_000000` less their first word, Dress Code's `000000_0` and its garment
    photo `000000_1` less their last, whose template would read one image of each and call the
    others duplicates."""
    def one_to_one(image_key: Callable[[Path], str | None]) -> bool:
        keys = [k for p in images if (k := image_key(p)) is not None]
        return len(keys) == len(set(keys))

    return tuple(item for item in _TEMPLATE_STEMS if one_to_one(item[1]))


def leading_word(path: Path) -> str | None:
    """The word of letters a file's name starts with before a separator (`rgb` of `rgb_00000.jpeg`), lower case."""
    found = _LEADING_WORD.fullmatch(stem(path).lower())
    return found.group(1) if found else None


def leading_word_rules(images: Sequence[Path], masks: Sequence[Path]) -> tuple[KeyRule, ...]:
    """A rule for masks named as their image with its first word swapped (BUS-BRA's
    `Images/bus_0001-l.png` ~ `Masks/mask_0001-l.png`): only when every image starts with one word
    and every mask with another that names masks (mask, label, gt, seg, ...), the evidence that
    the words name the kind of file, not the item (BUSI's `benign (1).png` and `malignant (1).png`
    are two images)."""
    def one_word(files: Sequence[Path]) -> str | None:
        found = {leading_word(p) for p in files}
        return next(iter(found)) if len(found) == 1 else None

    image_word, mask_word = one_word(images), one_word(masks)
    if image_word is None or mask_word is None or looks_like_mask_folder(image_word) \
            or not looks_like_mask_folder(mask_word):
        return ()
    return (KeyRule(f"same name after the first word ('{image_word}' ~ '{mask_word}')", _less_first_word),)


# a name's first word, the word after it and the rest: KITTI Road's `um_road_000000`
_SECOND_WORD = re.compile(r"([^_\-. ]+)([_\-. ])([a-z]+)[_\-. ](.+)")


def _less_second_word(name: str, word: str) -> str | None:
    """`name` (lower case) without `word` after its first word (`um_000000` for `um_road_000000`),
    or None when `word` is not there."""
    found = _SECOND_WORD.fullmatch(name)
    return found.group(1) + found.group(2) + found.group(4) if found and found.group(3) == word else None


def inserted_word_rules(images: Sequence[Path], masks: Sequence[Path], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their image with a word inserted after its first word (KITTI
    Road's `image_2/um_000000.png` ~ `gt_image_2/um_road_000000.png`, and for its `um` images alone
    the ego-lane task's `um_lane_000000.png`): one per word whose masks name at least `share` of
    the images, the word naming the most first, so another task's masks are a rival naming, not
    merged. Less its first word (`--mask-pattern 'um_road_{stem}.png'`) the name would lose the
    category, `um_000000` and `umm_000000` one key."""
    stems = {name_key(p) for p in images}
    named: dict[str, set[str]] = {}
    for mask in masks:
        found = _SECOND_WORD.fullmatch(name_key(mask))
        if found and (key := found.group(1) + found.group(2) + found.group(4)) in stems:
            named.setdefault(found.group(3), set()).add(key)
    return tuple(KeyRule(f"same name with '{word}' after its first word", partial(_mask_less_word, word=word),
                         name_key)
                 for word, keys in sorted(named.items(), key=lambda item: (-len(item[1]), item[0]))
                 if len(keys) >= share * len(stems))


def _mask_less_word(path: Path, word: str) -> str | None:
    return _less_second_word(stem(path).lower(), word)


_ROLE_NUMBER_LAST = re.compile(r"(.+)[_\-. ](\d{1,2})")  # a name, then a short number that says the file's role


def _less_role_number(path: Path, number: str) -> str | None:
    """A file's name (lower case) less its last word when that is the role `number`: `000000` of Dress Code's `000000_4.png`."""
    found = _ROLE_NUMBER_LAST.fullmatch(name_key(path))
    return found.group(1) if found and found.group(2) == number else None


def role_number_rules(images: Sequence[Path], masks: Sequence[Path], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their image with another role number last (Dress Code's
    `images/<id>_0.jpg` ~ `label_maps/<id>_4.png`, beside the garment photo `images/<id>_1.jpg`):
    only when every mask ends in one short number; one rule per number last in the images whose
    names, less it, name at least `share` of the masks, the number naming the most (then the
    lowest) first, so that the person and the garment photo are not two images of one key. A word
    last is no role: GOOSE's `_color` renderings beside its `_labelids` masks."""
    mask_numbers = {found.group(2) if (found := _ROLE_NUMBER_LAST.fullmatch(stem(p).lower())) else None for p in masks}
    if len(mask_numbers) != 1 or None in mask_numbers:
        return ()
    mask_number = next(iter(mask_numbers))
    mask_keys = {k for p in masks if (k := _less_role_number(p, mask_number)) is not None}
    named: dict[str, set[str]] = {}
    for image in images:
        found = _ROLE_NUMBER_LAST.fullmatch(name_key(image))
        if found and found.group(2) != mask_number and found.group(1) in mask_keys:
            named.setdefault(found.group(2), set()).add(found.group(1))
    return tuple(KeyRule(f"same name with its last number '{number}' for '{mask_number}'",
                         partial(_less_role_number, number=mask_number), partial(_less_role_number, number=number))
                 for number, keys in sorted(named.items(), key=lambda item: (-len(item[1]), int(item[0])))
                 if len(keys) >= share * len(mask_keys))


def named_after(name: str, stems: set[str]) -> str | None:
    """The longest of `stems` (lower case) that `name` is, followed by a separator and more:
    `image_01l` for `image_01l_1stho`; None when there is none."""
    name = name.lower()
    for end in range(len(name) - 1, 0, -1):
        if name[end] in _SEPARATORS and name[:end] in stems:
            return name[:end]
    return None


_PREFIX_WORD = re.compile(r"([a-z]+)([_\-. ]?)(.+)")


def _prefixed_to(name: str, stems: set[str]) -> str | None:
    """The one of `stems` (lower case) that `name` is after one word of letters: with a separator
    (`polyp_12` for `12`) or before a number (CVC-ColonDB's `p12`, the polyp mask of `12`); None
    when there is none. `11` is no `1` after a prefix, nor `ab` `b`, nor `gt_patch_1_<scene>`
    `<scene>`: a longer prefix names more than the kind of file."""
    found = _PREFIX_WORD.fullmatch(name.lower())
    if found is None or found.group(3) not in stems or not found.group(2) and not found.group(3)[0].isdigit():
        return None
    return found.group(3)


def named_around(name: str, stems: set[str]) -> str | None:
    """The stem `name` is named after with a suffix (`named_after`) or else a prefix (`_prefixed_to`)."""
    return named_after(name, stems) or _prefixed_to(name, stems)


def naming_template(path: Path, key: str) -> str:
    """The `--mask-pattern` template naming `path` after its (lower-case) key: `{stem}_1stHO.png`,
    `p{stem}.bmp`. The key is looked for where names put it, at the start or the end of the stem,
    before anywhere else: `v2_{stem}.png` names `v2_2.png` after image 2, not `v{stem}_2.png`."""
    path = composed(path)  # as its key
    name = stem(path).lower()
    at = 0 if name.startswith(key) else len(name) - len(key) if name.endswith(key) else name.find(key)
    return path.name[:at] + "{stem}" + path.name[at + len(key):] if at >= 0 else path.name


def affix_rules(stems: set[str], namings: dict[str, set[str]], share: float = 0.5) -> tuple[KeyRule, ...]:
    """Rules for masks named as their image plus a suffix or a prefix no affix rule knows
    (CHASE_DB1's `Image_01L_1stHO.png` and `Image_01L_2ndHO.png` beside `Image_01L.jpg`;
    CVC-ColonDB's `p1.bmp`, `s1.bmp` and `c1.bmp` beside `1.bmp`): one per naming (`learned_namings`
    of the images' `stems`) that at least `share` of the images have, so two observers' masks
    become two rival namings."""
    return tuple(replace(template_rules(t)[0], name=_naming_name(t))
                 for t, keys in sorted(namings.items()) if len(keys) >= share * len(stems))


def learned_namings(stems: set[str], masks: Sequence[Path]) -> dict[str, set[str]]:
    """Each template (`{stem}_1stHO.png`) naming `masks` after one of the images' (lower-case)
    `stems` by a suffix or a prefix, with the stems it names."""
    namings: dict[str, set[str]] = {}
    for mask in masks:
        key = named_around(name_key(mask), stems)
        if key is not None:
            namings.setdefault(naming_template(mask, key), set()).add(key)
    return namings


def _naming_name(template: str) -> str:
    """How `seglab inspect` names a naming learned from the files: image name + '_1stHO.png'."""
    before, _, after = template.partition("{stem}")
    return f"'{before}' + image name" if before else f"image name + '{after}'"


def words(name: str) -> list[str]:
    """The lower-case words of a name, split at anything but letters and digits."""
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


_YEAR = re.compile(r"(?<=[a-z])(19|20)\d\d$")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")  # the words of a camel-case name


def folder_split(name: str) -> str | None:
    """"train", "val" or "test" when a folder name says so (`Train`, `training`, `valid`,
    `test_images`, `imagesTr`, `trainannot`, COCO's `train2017`, `MoNuSegTestData`), else None."""
    lower = name.lower()
    for word in words(lower):
        word = _YEAR.sub("", word) or word  # COCO's train2017, val2014
        if word in SPLIT_WORDS:
            return SPLIT_WORDS[word]
        for role_word in (*_MASK_WORDS, *_IMAGE_WORDS, "annot", "images", "labels"):
            rest = word.removeprefix(role_word + "s").removeprefix(role_word) if word.startswith(role_word) else None
            if rest and rest in SPLIT_WORDS:
                return SPLIT_WORDS[rest]
            if word.endswith(role_word) and word[: -len(role_word)] in SPLIT_WORDS:
                return SPLIT_WORDS[word[: -len(role_word)]]
    for word in _CAPITALISED.findall(name):  # MoNuSeg's `MoNuSegTestData`: whole words only, no `Tr`, `Dev`
        if len(word) > 3 and word.lower() in SPLIT_WORDS:
            return SPLIT_WORDS[word.lower()]
    return None


# words that name a split only in place of a sibling folder's split word (DIS5K's DIS-VD and
# DIS-TE1..DIS-TE4 beside DIS-TR): alone, `vd` or `te1` may be anything, a case or a camera
_SET_WORDS = {"vd": "val"}
_NUMBERED_SET = re.compile(r"([a-z]+?)\d{1,2}")  # a split's word numbered: te1, test2, val1


def _set_split(word: str) -> str | None:
    numbered = _NUMBERED_SET.fullmatch(word)
    return _SET_WORDS.get(word) or (SPLIT_WORDS.get(numbered.group(1)) if numbered else None)


def sibling_splits(names: Iterable[str]) -> dict[str, str | None]:
    """The split each of sibling folders' names gives: `folder_split`'s, or for a name that
    gives none, a set word's (`vd`, or a split word numbered: `te1`, `test2`) that stands where
    a sibling named with the same other words has its split word (DIS5K's `DIS-VD` and
    `DIS-TE1`..`DIS-TE4` beside `DIS-TR`: val, and four test sets, all test)."""
    splits = {name: folder_split(name) for name in names}
    named = {name: words(name) for name in splits}
    frames = {_frame(named[name], i) for name, split in splits.items() if split
              for i, word in enumerate(named[name]) if word in SPLIT_WORDS}
    for name, split in splits.items():
        if split is None:
            splits[name] = next((found for i, word in enumerate(named[name])
                                 if (found := _set_split(word)) and _frame(named[name], i) in frames), None)
    return splits


def _frame(parts: list[str], at: int) -> tuple[str, ...]:
    """A name's words with the one at `at` left blank: the words around its split word."""
    return tuple("" if i == at else word for i, word in enumerate(parts))


def folders_split(path: Path, base: Path) -> str | None:
    """The split that a folder between `base` and the file `path` names, the nearest first."""
    parts = path.parent.relative_to(base).parts if path.is_relative_to(base) else ()
    return next((s for s in map(folder_split, reversed(parts)) if s), None)


def usable_splits(splits: Iterable[str | None]) -> bool:
    """Whether split labels found in a layout (folders, file names) may split it: every item has
    one, train is among them or val and test both are (WSSS4LUAD's `2.validation/` and
    `3.testing/`: train is drawn from val, `split_pairs`), and there are two or more."""
    found = set(splits)
    return None not in found and ("train" in found or {"val", "test"} <= found) and len(found) >= 2


def name_split(stem: str) -> str | None:
    """"train", "val" or "test" when a file name starts with the split (GlaS's `train_12`,
    `testA_3`, `testB_7`: a one-letter set after the word counts), else None. The short forms
    (`tr`, `ts`) are left out: as a file's first word they are seldom a split."""
    first = next(iter(words(stem.lower())), "")
    if first not in SPLIT_WORDS and len(first) > 1 and first[-1].isalpha():
        first = first[:-1]  # testA, testB
    return SPLIT_WORDS.get(first) if len(first) > 2 else None


def looks_like_mask_folder(name: str) -> bool:
    """Whether a folder name (or a file's stem) says it holds masks: masks, Labels, gt,
    trainannot, 1st_manual, `frame.0000.semantic`, ..."""
    lower = name.lower()
    return any(w in lower for w in _MASK_WORDS) or any(w in _MASK_TOKENS for w in words(lower))


_FIELD_WORDS = ("flow", "opticalflow", "forwardflow", "backwardflow", "sceneflow", "disparity", "disparities")


def holds_motion_fields(name: str) -> bool:
    """Whether a folder name says it holds optical flow or disparity (TartanAir's and Sintel's
    `flow/`, FlyingThings3D's `optical_flow/`, Virtual KITTI 2's `forwardFlow/`): two-channel
    motion between frames, whose `_mask` files mark the pixels the flow is valid at; neither is an
    image or a segmentation mask."""
    return any(w in _FIELD_WORDS for w in words(name))


# pictures of the masks drawn for people, never images to train on nor label masks: labelme2voc's
# `SegmentationClassVisualization/`, REFUGE's `Disc_Cup_Fovea_Illustration/`, PAPILA's `ImagesWithContours/`
MASK_PICTURES = re.compile(r"visuali[sz]ation|overlay|preview|colou?rmap|illustration|with[_\- ]?(?:contour|outline)s?",
                           re.IGNORECASE)


def names_mask_pictures(parts: Sequence[str]) -> bool:
    """Whether a folder's path (its names under the dataset folder) names it as pictures of the
    masks (`MASK_PICTURES`): the outlines drawn on each photo, which read as images or masks
    would train on the answers drawn in."""
    return any(MASK_PICTURES.search(part) for part in parts)


def looks_like_image_folder(name: str) -> bool:
    """Whether a folder name says it holds images (and not masks): images, imgs, input, x, ..."""
    lower = name.lower()
    if looks_like_mask_folder(name):
        return False
    return any(w in lower for w in _IMAGE_WORDS) or any(w in _IMAGE_TOKENS for w in words(lower))


def every_split(name: str) -> str:
    """A folder name with its split word made a wildcard (ISTD's `test_A` -> `*_A`, naming
    `train_A/` too), so that a --images suggestion reads every split; the name when it has none."""
    for word in sorted(SPLIT_WORDS, key=len, reverse=True):
        found = re.search(rf"(?<![a-z0-9]){word}(?![a-z0-9])", name, re.IGNORECASE)
        if found is not None and len(word) > 2 and len(name) > len(word):
            return name[: found.start()] + "*" + name[found.end() :]
    return name

