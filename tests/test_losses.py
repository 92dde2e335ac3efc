"""Losses pinned to values worked out by hand on 2x2 masks."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from seglab.errors import UnknownNameError
from seglab.losses import LOSSES, CrossEntropyLoss, DiceLoss, LovaszSoftmaxLoss, TverskyLoss, build_loss

IGNORE = 255


def _hand_logits() -> torch.Tensor:
    """Two classes; softmax probabilities per pixel are easy to write down.

    pixel (0,0): logits (0, 0)     -> p = (1/2, 1/2)
    pixel (0,1): logits (ln 3, 0)  -> p = (3/4, 1/4)
    pixel (1,0): logits (0, ln 3)  -> p = (1/4, 3/4)
    pixel (1,1): logits (5, -5)    -> ignored in the hand mask below
    """
    ln3 = math.log(3)
    class0 = [[0.0, ln3], [0.0, 5.0]]
    class1 = [[0.0, 0.0], [ln3, -5.0]]
    return torch.tensor([[class0, class1]])


HAND_MASK = torch.tensor([[[0, 1], [1, IGNORE]]])
# per-pixel CE of the counted pixels: -ln(1/2) = ln 2, -ln(1/4) = ln 4, -ln(3/4) = ln(4/3)


def test_cross_entropy_with_ignore_matches_hand_value() -> None:
    loss = build_loss("ce", num_classes=2, ignore_index=IGNORE)(_hand_logits(), HAND_MASK)
    expected = (math.log(2) + math.log(4) + math.log(4 / 3)) / 3  # = ln(32/3) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_weighted_cross_entropy_matches_hand_value_and_torch() -> None:
    weights = [1.0, 3.0]
    loss = build_loss("ce", num_classes=2, ignore_index=IGNORE, class_weights=weights)
    value = loss(_hand_logits(), HAND_MASK).item()
    # weighted mean: (1 ln 2 + 3 ln 4 + 3 ln(4/3)) / (1 + 3 + 3)
    expected = (math.log(2) + 3 * math.log(4) + 3 * math.log(4 / 3)) / 7
    assert value == pytest.approx(expected, rel=1e-6)
    reference = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights), ignore_index=IGNORE)
    assert value == pytest.approx(reference(_hand_logits(), HAND_MASK).item(), rel=1e-6)


def test_cross_entropy_without_ignore_counts_every_pixel() -> None:
    mask = torch.tensor([[[0, 1], [1, 0]]])
    loss = CrossEntropyLoss()(_hand_logits(), mask).item()
    # the fourth pixel, logits (5, -5) with truth 0, costs ln(1 + e^-10)
    expected = (math.log(2) + math.log(4) + math.log(4 / 3) + math.log1p(math.exp(-10))) / 4
    assert loss == pytest.approx(expected, rel=1e-6)


def test_dice_hand_case() -> None:
    # uniform probabilities 1/2; mask has one pixel of class 0 and three of class 1; smooth 1:
    # class 0: (2 * 0.5 + 1) / ((4 * 0.5 + 1) + 1) = 2 / 4 = 1/2
    # class 1: (2 * 1.5 + 1) / ((4 * 0.5 + 3) + 1) = 4 / 6 = 2/3
    # loss = 1 - (1/2 + 2/3) / 2 = 5/12
    loss = build_loss("dice", num_classes=2)(torch.zeros(1, 2, 2, 2), torch.tensor([[[0, 1], [1, 1]]]))
    assert loss.item() == pytest.approx(5 / 12, rel=1e-6)


def test_dice_excludes_ignored_pixels() -> None:
    # three counted pixels with probabilities 1/2; truth: one class 0, two class 1
    # class 0: (2 * 0.5 + 1) / (1.5 + 1 + 1) = 4/7;  class 1: (2 * 1 + 1) / (1.5 + 2 + 1) = 2/3
    # loss = 1 - (4/7 + 2/3) / 2 = 8/21
    loss = DiceLoss(ignore_index=IGNORE)(torch.zeros(1, 2, 2, 2), HAND_MASK)
    assert loss.item() == pytest.approx(8 / 21, rel=1e-6)


def test_dice_of_a_perfect_prediction_is_about_zero() -> None:
    mask = torch.tensor([[[0, 1], [1, 0]], [[1, 1], [0, 0]]])  # class 2 absent: smoothing gives it Dice 1
    logits = 50 * torch.nn.functional.one_hot(mask, 3).permute(0, 3, 1, 2).float()
    assert build_loss("dice", num_classes=3)(logits, mask).item() == pytest.approx(0, abs=1e-6)


def test_ce_dice_is_the_sum() -> None:
    logits, mask = _hand_logits(), HAND_MASK
    total = build_loss("ce_dice", 2, IGNORE, class_weights=[1.0, 2.0])(logits, mask)
    ce = build_loss("ce", 2, IGNORE, class_weights=[1.0, 2.0])(logits, mask)
    dice = build_loss("dice", 2, IGNORE)(logits, mask)
    assert total.item() == pytest.approx(ce.item() + dice.item(), rel=1e-6)


@pytest.mark.parametrize("name", LOSSES.names())
def test_all_ignored_batch_gives_finite_loss_and_gradient(name: str) -> None:
    logits = torch.randn(2, 3, 4, 4, requires_grad=True)
    loss = build_loss(name, num_classes=3, ignore_index=IGNORE)(logits, torch.full((2, 4, 4), IGNORE))
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    loss.backward()
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("name", LOSSES.names())
def test_half_precision_logits_give_float32_loss(name: str, dtype: torch.dtype) -> None:
    mask = torch.tensor([[[0, 1], [1, 1]]])
    loss = build_loss(name, num_classes=2)(torch.zeros(1, 2, 2, 2, dtype=dtype), mask)
    assert loss.dtype == torch.float32


def test_class_weights_must_match_num_classes() -> None:
    with pytest.raises(ValueError, match="2 entries but there are 3 classes"):
        build_loss("ce", num_classes=3, class_weights=[1.0, 2.0])


def test_class_weights_must_be_non_negative() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        build_loss("ce_dice", num_classes=2, class_weights=[1.0, -1.0])


def test_dice_rejects_class_weights() -> None:
    with pytest.raises(ValueError, match="cross-entropy only"):
        build_loss("dice", num_classes=2, class_weights=[1.0, 1.0])


def test_unknown_loss_lists_the_losses() -> None:
    with pytest.raises(UnknownNameError, match="ce_dice"):
        build_loss("dice_ce", num_classes=2)


@pytest.mark.parametrize("name", ["ce", "ce_dice", "focal", "focal_dice"])
def test_class_weights_move_with_the_loss(name: str) -> None:
    # a buffer, so `.to(device)` takes the weights to the GPU with the loss (meta stands in for it)
    loss = build_loss(name, 3, 255, class_weights=[1.0, 2.0, 3.0]).to("meta")
    weights = [b for b in loss.buffers()]
    assert weights and all(b.device.type == "meta" for b in weights)


def test_tversky_matches_hand_value() -> None:
    # soft counts of the hand pixels (the ignored one left out), alpha 0.3 on FP, beta 0.7 on FN, smooth 1:
    # class 0: TP 1/2, FP 3/4 + 1/4 = 1, FN 1/2;  class 1: TP 1/4 + 3/4 = 1, FP 1/2, FN 3/4 + 1/4 = 1
    loss = build_loss("tversky", num_classes=2, ignore_index=IGNORE)(_hand_logits(), HAND_MASK)
    expected = 1 - ((0.5 + 1) / (0.5 + 0.3 * 1 + 0.7 * 0.5 + 1) + (1 + 1) / (1 + 0.3 * 0.5 + 0.7 * 1 + 1)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_tversky_with_equal_weights_is_dice() -> None:
    logits, mask = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(0)), torch.arange(40).view(2, 4, 5) % 3
    assert TverskyLoss(0.5, 0.5, smooth=0)(logits, mask).item() == pytest.approx(
        DiceLoss(smooth=0)(logits, mask).item(), rel=1e-6)


def test_lovasz_matches_hand_value() -> None:
    # errors |truth - p| sorted, weighted by the steps of the Jaccard loss along that order:
    # class 0: errors 3/4 (off), 1/2 (on), 1/4 (off): Jaccard 1/2, 1, 1 -> 3/4 * 1/2 + 1/2 * 1/2 = 5/8
    # class 1: errors 3/4 (on), 1/2 (off), 1/4 (on): Jaccard 1/2, 2/3, 1 -> 3/8 + 1/12 + 1/12 = 13/24
    loss = build_loss("lovasz", num_classes=2, ignore_index=IGNORE)(_hand_logits(), HAND_MASK)
    assert loss.item() == pytest.approx((5 / 8 + 13 / 24) / 2, rel=1e-6)


def test_lovasz_is_one_minus_iou_on_hard_predictions_over_present_classes() -> None:
    mask = torch.tensor([[[0, 1, 1], [3, 3, 0]]])  # class 2 absent from the truth: not averaged
    predicted = torch.tensor([[[0, 1, 0], [3, 1, 2]]])
    logits = F.one_hot(predicted, 4).permute(0, 3, 1, 2).float() * 200 - 100  # probabilities exactly 0 and 1
    # IoU by hand: class 0 1/3 ({(0,0)} of {(0,0),(0,2),(1,2)}), class 1 1/3, class 3 1/2
    assert LovaszSoftmaxLoss()(logits, mask).item() == pytest.approx(1 - (1 / 3 + 1 / 3 + 1 / 2) / 3, rel=1e-6)


def test_lovasz_ignores_ignored_pixels_and_survives_an_empty_batch() -> None:
    logits = _hand_logits()
    changed = logits.clone()
    changed[0, :, 1, 1] = torch.tensor([-7.0, 9.0])  # only the ignored pixel differs
    loss = LovaszSoftmaxLoss(IGNORE)
    assert loss(changed, HAND_MASK).item() == pytest.approx(loss(logits, HAND_MASK).item(), rel=1e-6)
    assert loss(logits, torch.full_like(HAND_MASK, IGNORE)).item() == 0.0


def test_class_weights_go_to_the_cross_entropy_of_ce_lovasz_only() -> None:
    weighted = build_loss("ce_lovasz", num_classes=2, ignore_index=IGNORE, class_weights=(1.0, 3.0))
    assert weighted(_hand_logits(), HAND_MASK).isfinite()
    for name in ("lovasz", "tversky"):
        with pytest.raises(ValueError, match=f"not to '{name}'"):
            build_loss(name, num_classes=2, class_weights=(1.0, 3.0))
