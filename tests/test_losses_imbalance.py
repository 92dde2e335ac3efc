"""Losses for class imbalance: focal loss and class weights, pinned by hand; Dice in float32."""

from __future__ import annotations

import math

import pytest
import torch

from seglab.losses import DiceLoss, FocalLoss, build_loss, class_weights_from_counts

IGNORE = 255
LN3 = math.log(3)
# two classes, probabilities of class 0 per pixel: 1/2, 3/4, 1/4; the fourth pixel is ignored
LOGITS = torch.tensor([[[[0.0, LN3], [0.0, 5.0]], [[0.0, 0.0], [LN3, -5.0]]]])
MASK = torch.tensor([[[0, 1], [1, IGNORE]]])  # true-class probabilities 1/2, 1/4, 3/4


def test_focal_loss_matches_hand_value() -> None:
    # -(1 - p)^2 ln p for p = 1/2, 1/4, 3/4, averaged over the three counted pixels
    expected = ((1 / 4) * math.log(2) + (9 / 16) * math.log(4) + (1 / 16) * math.log(4 / 3)) / 3
    loss = build_loss("focal", num_classes=2, ignore_index=IGNORE)(LOGITS, MASK)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_weighted_focal_loss_matches_hand_value() -> None:
    # class weights (1, 3): pixels weigh 1, 3, 3
    terms = [(1, (1 / 4) * math.log(2)), (3, (9 / 16) * math.log(4)), (3, (1 / 16) * math.log(4 / 3))]
    expected = sum(w * t for w, t in terms) / 7
    loss = build_loss("focal", num_classes=2, ignore_index=IGNORE, class_weights=[1.0, 3.0])(LOGITS, MASK)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("weights", [None, [0.5, 2.0, 1.0]])
def test_focal_with_gamma_zero_is_cross_entropy(weights: list[float] | None) -> None:
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 5, 5, generator=generator)
    mask = torch.randint(0, 3, (2, 5, 5), generator=generator)
    mask[0, 0] = IGNORE
    focal = FocalLoss(0.0, IGNORE, weights)(logits, mask)
    ce = build_loss("ce", 3, IGNORE, weights)(logits, mask)
    assert focal.item() == pytest.approx(ce.item(), rel=1e-6)


def test_focal_dice_is_the_sum() -> None:
    total = build_loss("focal_dice", 2, IGNORE)(LOGITS, MASK)
    parts = build_loss("focal", 2, IGNORE)(LOGITS, MASK) + build_loss("dice", 2, IGNORE)(LOGITS, MASK)
    assert total.item() == pytest.approx(parts.item(), rel=1e-6)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([600, 300, 100], (0.5, 1.0, 3.0)),  # median share 0.3: 0.3/0.6, 0.3/0.3, 0.3/0.1
        ([100, 300], (2.0, 2 / 3)),  # median of two shares is their mean, 0.5
        ([10, 0, 30, 60], (3.0, 1.0, 1.0, 0.5)),  # an absent class gets 1
    ],
)
def test_median_frequency_class_weights_by_hand(counts: list[int], expected: tuple[float, ...]) -> None:
    assert class_weights_from_counts(counts) == pytest.approx(expected)


@pytest.mark.parametrize("counts", [[0, 0], [5, -1]])
def test_class_weights_need_pixels(counts: list[int]) -> None:
    with pytest.raises(ValueError, match="counts"):
        class_weights_from_counts(counts)


def test_dice_sums_in_float32_where_fp16_would_overflow() -> None:
    # 8 x 96 x 96 = 73728 pixels: a class's probability sum passes fp16's largest value, 65504
    generator = torch.Generator().manual_seed(0)
    mask = torch.randint(0, 2, (8, 96, 96), generator=generator)
    logits = torch.randn(8, 2, 96, 96, generator=generator).half()
    reference = DiceLoss()(logits.float(), mask)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = DiceLoss()(logits, mask)
    half = DiceLoss()(logits, mask)
    for loss in (under_autocast, half):
        assert loss.dtype == torch.float32 and torch.isfinite(loss)
        assert loss.item() == pytest.approx(reference.item(), rel=1e-6)
