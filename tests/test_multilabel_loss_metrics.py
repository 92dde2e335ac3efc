"""Multi-label loss and metrics pinned to values worked out by hand on tiny tensors."""

from __future__ import annotations

import math

import pytest
import torch

from seglab.errors import ConfigError
from seglab.labelsets import IGNORE, pack, unpack
from seglab.losses import build_loss
from seglab.metrics import MultiLabelConfusion
from seglab.tasks import MultiClass, MultiLabel, loss_for_task, task_from_extra


def test_bit_sets_round_trip():
    labels = torch.tensor([[[0, 1], [2, 3]]])
    channels = unpack(labels, 2)
    assert channels[0, 0].tolist() == [[False, True], [False, True]]  # class 0: bit 0
    assert channels[0, 1].tolist() == [[False, False], [True, True]]  # class 1: bit 1
    assert pack(channels).tolist() == labels.tolist()
    assert not unpack(torch.tensor([[[IGNORE]]]), 2).any()


def test_bce_dice_by_hand():
    # one class, two pixels, logits 0 (p = 0.5): truth 1 and 0
    loss = build_loss("bce_dice", num_classes=1)
    value = loss(torch.zeros(1, 1, 1, 2), torch.tensor([[[1, 0]]]))
    bce = math.log(2)  # -log(0.5) on both pixels
    dice = (2 * 0.5 + 1) / (1.0 + 1 + 1)  # 2*sum(p*t)+1 over sum(p)+sum(t)+1
    assert float(value) == pytest.approx(bce + 1 - dice, abs=1e-6)


def test_bce_dice_skips_ignored_pixels_and_is_finite_when_all_are():
    loss = build_loss("bce_dice", num_classes=2, ignore_index=IGNORE)
    logits = torch.tensor([[[[5.0, -40.0]], [[5.0, 40.0]]]])  # (1, 2, 1, 2)
    # pixel 0 holds both classes and is predicted so; pixel 1 is ignored (its wild logits do not count)
    value = loss(logits, torch.tensor([[[3, IGNORE]]]))
    bce = -math.log(torch.sigmoid(torch.tensor(5.0)).item())
    p = torch.sigmoid(torch.tensor(5.0)).item()
    dice = (2 * p + 1) / (p + 1 + 1)
    assert float(value) == pytest.approx(bce + 1 - dice, abs=1e-5)
    everything_ignored = loss(logits, torch.full((1, 1, 2), IGNORE))
    assert math.isfinite(float(everything_ignored))


def test_bce_dice_refuses_class_weights():
    with pytest.raises(ValueError, match="softmax losses"):
        build_loss("bce_dice", num_classes=2, class_weights=[1.0, 2.0])


def test_per_class_confusion_by_hand():
    # 5 pixels; bit sets of (class a = bit 0, class b = bit 1); the last pixel is ignored
    truth = torch.tensor([[3, 1, 2, 0, IGNORE]])
    pred = torch.tensor([[3, 3, 0, 1, 3]])
    cm = MultiLabelConfusion(2, IGNORE)
    cm.update(pred, truth)
    # class a: truth 1 1 0 0, pred 1 1 0 1 -> TP 2, FP 1, FN 0, TN 1
    # class b: truth 1 0 1 0, pred 1 1 0 0 -> TP 1, FP 1, FN 1, TN 1
    assert cm.matrix.tolist() == [[[1, 1], [0, 2]], [[1, 1], [1, 1]]]
    scores = cm.compute()
    assert scores.iou == pytest.approx((2 / 3, 1 / 3))
    assert scores.dice == pytest.approx((4 / 5, 2 / 4))
    assert scores.precision == pytest.approx((2 / 3, 1 / 2))
    assert scores.recall == pytest.approx((1.0, 1 / 2))
    assert scores.support == (2, 2)
    assert scores.accuracy == pytest.approx(5 / 8)  # correct decisions over pixels x classes
    assert scores.mean_dice == pytest.approx((4 / 5 + 1 / 2) / 2)


def test_confusion_adds_batches_and_checks_labels():
    cm = MultiLabelConfusion(2)
    cm.update(torch.tensor([1]), torch.tensor([1]))
    cm.update(torch.tensor([2]), torch.tensor([0]))
    assert cm.compute().dice[0] == 1.0 and cm.compute().precision[1] == 0.0
    assert math.isnan(cm.compute().recall[1])  # class b never present
    with pytest.raises(ValueError, match="labels must be 0..3"):
        cm.update(torch.tensor([4]), torch.tensor([0]))


def test_thresholds_decide_each_class_on_its_own():
    logits = torch.logit(torch.tensor([[[[0.6]], [[0.3]]]]))  # (1, 2, 1, 1): p = 0.6 and 0.3
    assert MultiLabel().labels(logits).item() == 1  # 0.5 each: class 0 only
    assert MultiLabel((0.7, 0.2)).labels(logits).item() == 2  # class 1 only
    assert MultiClass().labels(logits).item() == 0


def test_losses_must_fit_the_task():
    assert loss_for_task(MultiLabel(), "ce_dice") == "bce_dice"  # the default follows the masks
    assert loss_for_task(MultiClass(), "ce_dice") == "ce_dice"
    with pytest.raises(ConfigError, match="'bce_dice'"):
        loss_for_task(MultiLabel(), "focal")
    with pytest.raises(ConfigError, match="softmax loss"):
        loss_for_task(MultiClass(), "bce_dice")


def test_the_card_records_the_task():
    assert task_from_extra({}, 3) == MultiClass()  # cards written before multi-label mode
    assert task_from_extra({"task": "multilabel", "thresholds": [0.3, 0.6]}, 2) == MultiLabel((0.3, 0.6))
    assert MultiLabel((0.3, 0.6)).extra() == {"task": "multilabel", "thresholds": [0.3, 0.6]}
    with pytest.raises(ValueError, match="2 probabilities"):
        task_from_extra({"task": "multilabel", "thresholds": [0.5]}, 2)
    with pytest.raises(ValueError, match="unknown task 'regression'"):
        task_from_extra({"task": "regression"}, 2)


def test_thresholds_reach_the_device_once_not_every_step(monkeypatch):
    """A host-to-GPU copy per training step is a sync (torch waits for pageable copies)."""
    import seglab.tasks as tasks

    made = []
    real = tasks.threshold_logits
    monkeypatch.setattr(tasks, "threshold_logits", lambda *args: made.append(args) or real(*args))
    tasks._cuts_on.cache_clear()
    task = MultiLabel((0.7, 0.2))
    logits = torch.zeros(2, 2, 4, 4)
    labels = [task.labels(logits) for _ in range(3)]
    assert made == [((0.7, 0.2), 2)]
    assert all(torch.equal(labels[0], other) for other in labels) and int(labels[0][0, 0, 0]) == 2
