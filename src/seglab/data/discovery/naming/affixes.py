"""The words that mark a file as the mask or the image of a pair (`_mask`, `label_`, `_gt`, `img_`,
`_sat`, ...), and a name without them: masks are shipped as `a_mask.png`, `mask_a.png` or
`A_segmentation.PNG` beside `a.png`, so a name less these words is the key both share.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.discovery.naming.cityscapes import frame_of
from seglab.data.discovery.naming.names import words

# affixes that mark a file as a mask or an image of a pair; longest first so that
# `_gtfine_labelids` is stripped whole before `_labelids`
_SUFFIXES = tuple(sorted((
    "mask", "masks", "label", "labels", "gt", "seg", "segm", "segmentation", "annotation", "annotations",
    "annot", "annotated", "labelids", "gtfine_labelids", "gtcoarse_labelids", "leftimg8bit", "manual1", "image", "img",
    "0000", "trimap", "target", "groundtruth", "ground_truth", "lbl", "sat", "rgb", "irrg", "rgbir", "fg", "ortho",
    "rgb_anon", "gt_labeltrainids", "gt_labelids", "labeltrainids", "msk", "merged", "data", "input", "output",
    "raw",
), key=len, reverse=True))  # fmt: skip  (sat: DeepGlobe's _sat images; rgb, irrg, rgbir: ISPRS Potsdam's bands;
# ortho: DroneDeploy's <scene>-ortho.tif beside labels/<scene>-label.png; rgb_anon, gt_label*: ACDC's;
# merged: HLS Burn Scars' <scene>.v1.4_merged.tif, its bands merged, beside <scene>.v1.4.mask.tif;
# data: SPARCS' <scene>_data.tif, its ten bands, beside <scene>_mask.png, _photo.png and _qmask.tif;
# input, output: ICDAR MapSeg's 101-INPUT.jpg beside 101-OUTPUT-GT.png, and its region 101-INPUT-MASK.png;
# raw: CALFIN's <glacier>_..._B4_Subset_Raw.png beside ..._Subset_Mask.png)
# an RGB-D frame's photo: YCB-Video's and ClearPose's <frame>-color.png beside -label.png and -depth.png;
# its name's last word only, as a mask's rendering keeps it (PixelAnnotationTool's <stem>_color_mask.png)
_PHOTO_WORDS = ("color", "colour")
_ROLE_PREFIXES = ("mask", "masks", "msk", "segm", "seg", "label", "labels", "gt", "img", "image", "lbl")  # msk: FLAIR's MSK_
# bands: 38-Cloud's red_patch_1_..., a folder per band; a photo: DexYCB's color_000000.jpg beside labels_000000.npz
_PREFIXES = (*_ROLE_PREFIXES, "red", "green", "blue", "nir", *_PHOTO_WORDS)
_SEPARATORS = "_-. "
# a role word and a number with no separator between them: DSAD's `image00.png` beside `mask00.png`
_ROLE_NUMBER = re.compile(rf"(?P<word>{'|'.join(_ROLE_PREFIXES)})(?P<number>\d+)")
_IMAGE_AFFIXES = ("image", "img", "leftimg8bit", "sat", "rgb", "irrg", "rgbir", "0000", "ortho", "rgb_anon",
                  "merged", "data", "input", "raw", "color", "colour")  # of those, the images'


# with or without a separator: BUSI's `_mask_1`, AITEX's `_mask1` and `_mask2` (two defects of one image)
_NUMBERED_MASK = re.compile(r"(.+[_\-. ](?:mask|label|gt|seg|segm|annotation))[_\-]?\d{1,2}$")


def is_numbered_mask(name: str) -> bool:
    """Whether a stem is a mask affix with a counter: BUSI's second lesion `benign (4)_mask_1`,
    AITEX's `0044_019_04_mask2`."""
    return _NUMBERED_MASK.fullmatch(name.lower()) is not None


def strip_affixes(name: str) -> str:
    """Lower-case name without the mask/image affixes of `_SUFFIXES` and `_PREFIXES`; a mask
    affix with a counter (BUSI's second lesion `benign (4)_mask_1`) counts as the affix, and a
    photo's word (`_PHOTO_WORDS`) when it ends the name (YCB-Video's `000001-color`). A name
    in Cityscapes' naming loses that affix alone (`frame_of`): Foggy Driving's
    `pedestrian_0000_leftImg8bit` is frame `pedestrian_0000`, its number no nnU-Net channel. A
    role word and a number, nothing else (DSAD's `image00` and `mask00`), is the number."""
    frame = frame_of(name)
    if frame is not None:
        return frame
    name = name.lower()
    numbered = _NUMBERED_MASK.fullmatch(name)
    name = numbered.group(1) if numbered else name
    name = next((name[: -len(word) - 1] for word in _PHOTO_WORDS for sep in _SEPARATORS
                 if name.endswith(sep + word) and len(name) > len(word) + 1), name)
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


def photo_named(name: str) -> bool:
    """Whether a file stem is named a photo by a colour word at its end or start (YCB-Video's
    `000001-color`, DexYCB's `color_000000`): in a folder named for labels, a colour rendering
    of the masks instead (GOOSE's `labels/.../<frame>_color.png`)."""
    name = name.lower()
    return any(name.endswith(sep + word) or name.startswith(word + sep) for word in _PHOTO_WORDS for sep in _SEPARATORS)


def image_affixed(name: str) -> bool:
    """Whether a file stem carries an image affix (`000_img`, `img_000`, `x_leftImg8bit`, DSAD's
    `image00`), so that a folder naming both its images and its masks (Cellpose's `000_img.png` +
    `000_masks.png`, DSAD's `image00.png` + `mask00.png`) can tell them apart."""
    name = name.lower()
    numbered = _ROLE_NUMBER.fullmatch(name)
    if numbered is not None:
        return numbered.group("word") in _IMAGE_AFFIXES
    # a leading number is a frame's, not nnU-Net's channel `_0000`: NOCS' `0000_mask.png` is a mask
    return any(name.endswith(sep + affix) or name.startswith(affix + sep) and not affix.isdigit()
               for affix in _IMAGE_AFFIXES for sep in _SEPARATORS)


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


_AFFIX_WORDS = frozenset(a for a in (*_SUFFIXES, *_ROLE_PREFIXES) if a.isalpha())  # not the bands, nor 0000


def without_affix_words(name: str) -> str:
    """A name's words less the mask/image words wherever they are, lower case: the Forest Aerial
    Images' `119_sat_09` and `119_mask_09` are `119_09` (patch 9 of tile 119)."""
    return "_".join(w for w in re.split(r"[_\-. ]+", name.lower()) if w not in _AFFIX_WORDS)
