"""What a folder's name says it holds: masks (`masks/`, `Labels/`, `gt/`, `trainannot/`), images
(`images/`, `input/`, `x/`), motion fields, or pictures of the masks drawn for people; the
first guess at a dataset's layout, before any file is opened.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from seglab.data.discovery.naming.names import words

# folder names: words that mark masks or images (matched on lower-case names)
_MASK_WORDS = ("mask", "label", "annot", "trimap", "manual", "groundtruth", "ground_truth", "segmentation",
               "truth", "target", "gtfine", "gtcoarse", "instance", "panoptic", "semantic")  # fmt: skip (Mapillary, KITTI)
_MASK_TOKENS = ("gt", "gts", "seg", "segs", "segm", "segmented", "y", "lbl", "msk", "labelstr", "labelsts", "ann",
                "cls", "matte", "mattes", "alpha", "alphas",
                "contour", "contours", "structures",
                "parse", "parsing")  # gts: ISPRS; ann: mmseg's ann_dir; matte: PPM-100, P3M-10k;
# contours: EMIDEC's Case_N006/Contours/; structures: PDDCA's <case>/structures/, a mask per organ; segm: UPenn-GBM's
# images_segm/ and automated_segm/;
# parse: human parsing maps, VITON-HD's image-parse-v3/ beside image/; segmented: a CT volume's phases, the Li-ion
# electrode library's <sample>_segmented.tif beside <sample>_grayscale.tif
# words saying a mask holds class labels, not objects: a renderer's `semantic_segmentation_0000.png` beside its
# `instance_segmentation_0000.png` (Omniverse Replicator), TDW's `category_0000.png` beside `id_0000.png`
CLASS_WORDS = frozenset({"semantic", "class", "category"})
_IMAGE_WORDS = ("image", "img", "input", "photo", "picture", "frame", "original", "leftimg8bit", "jpeg", "rgb")
_IMAGE_TOKENS = ("x", "raw", "data", "imagestr", "imagests", "scan", "scans",  # scans: CT-ICH's ct_scans/
                 "grayscale", "greyscale")  # the electrode library's <sample>_grayscale.tif


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
    return not looks_like_mask_folder(name) and _names_images(name)


def _names_images(name: str) -> bool:
    lower = name.lower()
    return any(w in lower for w in _IMAGE_WORDS) or any(w in _IMAGE_TOKENS for w in words(lower))


def role_name(name: str, siblings: Sequence[str]) -> str:
    """The part of a folder's name that says its role: where the name says both masks and images,
    it less the words every one of its sibling folders' names (`siblings`, itself among them)
    holds too, a prefix that tells none of them apart (SIGNATE's task word `seg` before
    `seg_train_images/`, `seg_train_annotations/` and `seg_test_images/`); else the name."""
    if len(siblings) < 2 or not (looks_like_mask_folder(name) and _names_images(name)):
        return name
    shared = set.intersection(*(set(words(sibling)) for sibling in siblings))
    return "_".join(w for w in words(name) if w not in shared) or name
