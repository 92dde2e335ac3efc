"""ConfusionMatrix and Scores pinned to a 4x4 example worked out by hand."""

from __future__ import annotations

import json
import math

import pytest
import torch

from seglab.metrics import ConfusionMatrix

IGNORE = 255
TARGET = torch.tensor(
    [
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        [2, 2, 1, 1],
        [2, 2, IGNORE, IGNORE],
    ]
)
PRED = torch.tensor(
    [
        [0, 0, 1, 0],
        [0, 1, 1, 1],
        [2, 1, 1, 1],
        [2, 2, 0, 2],
    ]
)
# (truth, pred) pairs, ignored pixels dropped (14 counted):
#   truth 0: pred 0 x3, pred 1 x1           -> row (3, 1, 0), support 4
#   truth 1: pred 0 x1, pred 1 x5           -> row (1, 5, 0), support 6
#   truth 2: pred 1 x1, pred 2 x3           -> row (0, 1, 3), support 4
# predicted totals (columns): 4, 7, 3; correct = 3 + 5 + 3 = 11
EXPECTED_MATRIX = [[3, 1, 0], [1, 5, 0], [0, 1, 3]]
# IoU = TP / (truth + pred - TP): 3/(4+4-3) = 3/5, 5/(6+7-5) = 5/8, 3/(4+3-3) = 3/4
EXPECTED_IOU = (3 / 5, 5 / 8, 3 / 4)
# Dice = 2TP / (truth + pred): 6/8, 10/13, 6/7
EXPECTED_DICE = (6 / 8, 10 / 13, 6 / 7)
EXPECTED_PRECISION = (3 / 4, 5 / 7, 3 / 3)
EXPECTED_RECALL = (3 / 4, 5 / 6, 3 / 4)


def _hand_example(num_classes: int = 3) -> ConfusionMatrix:
    cm = ConfusionMatrix(num_classes, ignore_index=IGNORE)
    cm.update(PRED, TARGET)
    return cm


def test_matrix_matches_hand_count() -> None:
    cm = _hand_example()
    assert cm.matrix.dtype == torch.int64
    assert cm.matrix.tolist() == EXPECTED_MATRIX


def test_scores_match_hand_values() -> None:
    scores = _hand_example().compute()
    assert scores.iou == pytest.approx(EXPECTED_IOU)
    assert scores.dice == pytest.approx(EXPECTED_DICE)
    assert scores.precision == pytest.approx(EXPECTED_PRECISION)
    assert scores.recall == pytest.approx(EXPECTED_RECALL)
    assert scores.support == (4, 6, 4)
    assert scores.accuracy == pytest.approx(11 / 14)
    assert scores.mean_iou == pytest.approx((3 / 5 + 5 / 8 + 3 / 4) / 3)  # 0.658333
    assert scores.mean_dice == pytest.approx((6 / 8 + 10 / 13 + 6 / 7) / 3)
    assert scores.mean_accuracy == pytest.approx((3 / 4 + 5 / 6 + 3 / 4) / 3)


def test_class_absent_from_truth_and_prediction_is_nan_and_left_out_of_means() -> None:
    four = _hand_example(num_classes=4).compute()
    three = _hand_example(num_classes=3).compute()
    assert all(math.isnan(getattr(four, name)[3]) for name in ("iou", "dice", "precision", "recall"))
    assert four.support[3] == 0
    assert four.mean_iou == pytest.approx(three.mean_iou)
    assert four.mean_dice == pytest.approx(three.mean_dice)
    assert four.mean_accuracy == pytest.approx(three.mean_accuracy)


def test_predicted_but_absent_class_counts_as_zero_iou() -> None:
    cm = ConfusionMatrix(2)
    cm.update(torch.tensor([0, 1]), torch.tensor([0, 0]))
    scores = cm.compute()
    assert scores.iou == (0.5, 0.0)
    assert scores.mean_iou == 0.25
    assert math.isnan(scores.recall[1])  # no truth pixels of class 1
    assert scores.precision == (1.0, 0.0)


def test_ignored_pixels_are_skipped() -> None:
    cm = ConfusionMatrix(3, ignore_index=IGNORE)
    cm.update(torch.tensor([0, 1, 2]), torch.full((3,), IGNORE))
    assert cm.matrix.sum() == 0
    scores = cm.compute()
    assert math.isnan(scores.accuracy) and math.isnan(scores.mean_iou)


def test_two_updates_equal_one_update_on_the_concatenation() -> None:
    generator = torch.Generator().manual_seed(0)
    pred = torch.randint(0, 4, (4, 6, 5), generator=generator)
    target = torch.randint(0, 4, (4, 6, 5), generator=generator)
    target[torch.rand(4, 6, 5, generator=generator) < 0.2] = IGNORE
    split = ConfusionMatrix(4, ignore_index=IGNORE)
    split.update(pred[:1], target[:1])
    split.update(pred[1:], target[1:])
    whole = ConfusionMatrix(4, ignore_index=IGNORE)
    whole.update(pred, target)
    assert torch.equal(split.matrix, whole.matrix)
    assert split.compute() == whole.compute()


def test_reset_clears_counts() -> None:
    cm = _hand_example()
    cm.reset()
    assert cm.matrix.tolist() == [[0] * 3] * 3


@pytest.mark.parametrize(
    ("pred", "target", "message"),
    [
        (torch.tensor([0, 1]), torch.tensor([0, 3]), r"target holds label 3, but labels must be 0..2 or 255"),
        (torch.tensor([0, 1]), torch.tensor([0, -1]), "target holds label -1"),
        (torch.tensor([0, 5]), torch.tensor([0, 1]), "pred holds label 5"),
        (torch.tensor([0, 1]), torch.tensor([[0, 1]]), "differ in shape"),
        (torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), "integer label maps"),
    ],
)
def test_invalid_labels_raise(pred: torch.Tensor, target: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConfusionMatrix(3, ignore_index=IGNORE).update(pred, target)


def test_ignore_label_is_out_of_range_when_not_ignored() -> None:
    with pytest.raises(ValueError, match="labels must be 0..2$"):
        ConfusionMatrix(3).update(PRED, TARGET)


def test_to_dict_is_json_friendly() -> None:
    result = _hand_example(num_classes=4).compute().to_dict(["background", "cat", "dog", "bird"])
    json.dumps(result, allow_nan=False)
    assert result["mean_iou"] == pytest.approx(sum(EXPECTED_IOU) / 3)
    assert result["classes"]["cat"] == {
        "iou": pytest.approx(5 / 8),
        "dice": pytest.approx(10 / 13),
        "precision": pytest.approx(5 / 7),
        "recall": pytest.approx(5 / 6),
        "support": 6,
    }
    assert result["classes"]["bird"]["iou"] is None
    assert list(_hand_example().compute().to_dict()["classes"]) == ["0", "1", "2"]


def test_to_dict_checks_name_count() -> None:
    with pytest.raises(ValueError, match="2 class names for 3 classes"):
        _hand_example().compute().to_dict(["a", "b"])
