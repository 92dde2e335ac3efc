"""Side classes: which names pair as left/right, and how a swap relabels masks and channels."""

from __future__ import annotations

import pytest
import torch

from seglab.data.layouts.celebamask_hq import PARTS
from seglab.data.loading.mirror_classes import SideSwap, mirror_permutation, side_pairs
from seglab.labelsets import IGNORE

CELEBAMASK_HQ = ("background", *PARTS)  # the 19 classes seglab reads, with earring `ear_r` and necklace `neck_l`
LIP = ("Background", "Hat", "Hair", "Glove", "Sunglasses", "UpperClothes", "Dress", "Coat", "Socks", "Pants",
       "Jumpsuits", "Scarf", "Skirt", "Face", "Left-arm", "Right-arm", "Left-leg", "Right-leg", "Left-shoe",
       "Right-shoe")
LAPA = ("background", "skin", "left eyebrow", "right eyebrow", "left eye", "right eye", "nose", "upper lip",
        "inner mouth", "lower lip", "hair")
CITYSCAPES = ("road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
              "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle",
              "bicycle")
TOTALSEGMENTATOR = ("background", "spleen", "kidney_right", "kidney_left", "gallbladder", "liver",
                    "adrenal_gland_right", "adrenal_gland_left", "lung_upper_lobe_left", "lung_lower_lobe_left",
                    "lung_upper_lobe_right", "lung_middle_lobe_right", "lung_lower_lobe_right", "vertebrae_L1",
                    "vertebrae_L2", "rib_left_1", "rib_right_1", "rib_left_12", "rib_right_12", "heart",
                    "heart_atrium_left", "heart_atrium_right", "heart_ventricle_left", "heart_ventricle_right")


def named_pairs(names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(names[a], names[b]) for a, b in side_pairs(names)]


@pytest.mark.parametrize(("names", "expected"), [
    (CELEBAMASK_HQ, [("l_eye", "r_eye"), ("l_brow", "r_brow"), ("l_ear", "r_ear")]),  # not ear_r, neck_l, l_lip
    (LIP, [("Left-arm", "Right-arm"), ("Left-leg", "Right-leg"), ("Left-shoe", "Right-shoe")]),
    (LAPA, [("left eyebrow", "right eyebrow"), ("left eye", "right eye")]),
    (CITYSCAPES, []),
    (TOTALSEGMENTATOR, [("kidney_left", "kidney_right"), ("adrenal_gland_left", "adrenal_gland_right"),
                        ("lung_upper_lobe_left", "lung_upper_lobe_right"),
                        ("lung_lower_lobe_left", "lung_lower_lobe_right"),
                        ("rib_left_1", "rib_right_1"), ("rib_left_12", "rib_right_12")]),  # no heart chambers
    (("bg", "LeftLung", "RightLung", "lung_l", "lung_r", "leftKidney", "rightKidney"),
     [("LeftLung", "RightLung"), ("lung_l", "lung_r"), ("leftKidney", "rightKidney")]),
    (("Left-Lateral-Ventricle", "Right-Lateral-Ventricle", "left ventricle", "right ventricle"),
     [("Left-Lateral-Ventricle", "Right-Lateral-Ventricle")]),  # FreeSurfer's brain ventricles, not the heart's
    (("background", "Kidney (left)", "Kidney (right)", "LEFT_EYE", "right eye"),
     [("Kidney (left)", "Kidney (right)"), ("LEFT_EYE", "right eye")]),  # any separators, any case
], ids=["celebamask-hq", "lip", "lapa", "cityscapes", "totalsegmentator", "spellings", "ventricles", "mixed"])
def test_side_pairs_of_real_class_lists(names: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    assert named_pairs(names) == expected


@pytest.mark.parametrize("names", [
    ("lrb", "rlb"),  # letters inside a word
    ("l", "r"),  # a lone letter is no name
    ("vertebrae_L1", "vertebrae_R1"),
    ("eye_l_inner", "eye_r_inner"),  # l/r only at either end
    ("l_eye", "right_eye"),  # l pairs with r, left with right
    ("l_eye", "L-eye", "r_eye"),  # two classes spelt alike: which one is the left eye?
    ("left_right_eye", "right_left_eye"),
    ("left_eye", "eye_right"),  # the side in another place
    ("leftover", "rightmost"),
    ("class_0", "class_1", "class_2"),
])
def test_names_that_name_no_side_pair_stay_put(names: tuple[str, ...]) -> None:
    assert side_pairs(names) == ()
    assert mirror_permutation(names) == tuple(range(len(names)))


def test_the_permutation_swaps_pairs_and_fixes_the_rest() -> None:
    permutation = mirror_permutation(CELEBAMASK_HQ)
    assert permutation == (0, 1, 2, 3, 5, 4, 7, 6, 9, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18)
    assert tuple(permutation[i] for i in permutation) == tuple(range(19))  # its own inverse


def test_no_swap_without_pairs_and_never_for_the_ignore_class() -> None:
    assert SideSwap.from_classes(["class_0", "class_1", "class_2"]) is None
    swap = SideSwap.from_classes(["background", "left_void", "right_eye", "left_eye"], ignore_index=1)
    assert swap is not None and swap.pairs == ((3, 2),)
    assert SideSwap.from_classes(["left", "right"], ignore_index=0) is None


def test_labels_swap_pairs_and_leave_ignore_and_padding_alone() -> None:
    swap = SideSwap.from_classes(["background", "left_eye", "right_eye", "nose"])
    assert swap is not None and swap.describe() == "left_eye<->right_eye"
    mask = torch.tensor([[0, 1, 2, 3, 255, -1]])
    assert swap.labels(mask).tolist() == [[0, 2, 1, 3, 255, -1]]
    compact = torch.tensor([[1, 2, 255]], dtype=torch.uint8)  # the loaders' compact masks keep their dtype
    assert swap.labels(compact).dtype == torch.uint8 and swap.labels(compact).tolist() == [[2, 1, 255]]


def test_multilabel_bit_sets_swap_bits() -> None:
    swap = SideSwap.from_classes(["skin", "left_eye", "right_eye"], multilabel=True)
    assert swap is not None
    # bit 0 skin, bit 1 left eye, bit 2 right eye
    assert swap.labels(torch.tensor([0, 1, 2, 3, 4, 6, 7, IGNORE])).tolist() == [0, 1, 4, 5, 2, 6, 7, IGNORE]


def test_channels_follow_the_permutation() -> None:
    swap = SideSwap.from_classes(["background", "left_eye", "right_eye"])
    assert swap is not None
    probs = torch.arange(3.0).view(1, 3, 1, 1).expand(2, 3, 4, 5)
    assert swap.channels(probs, -3)[0, :, 0, 0].tolist() == [0.0, 2.0, 1.0]
