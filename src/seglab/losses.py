"""Segmentation losses on logits: cross-entropy, focal, soft Dice, Tversky, Lovász-softmax and their sums.

Every loss is called as `loss(logits, mask)` and returns a scalar. Pixels whose mask equals
`ignore_index` contribute nothing, and a batch with only ignored pixels gives a finite loss.

Shape: logits (B, K, H, W) float, mask (B, H, W) int64 -> scalar float32.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seglab.labelsets import unpack
from seglab.registry import Registry

LossFactory = Callable[[int | None, Sequence[float] | None], nn.Module]
LOSSES: Registry[LossFactory] = Registry("loss")

# F.cross_entropy's own "ignore nothing" value: labels are never negative
_NO_IGNORE = -100


def _valid_pixels(mask: Tensor, ignore_index: int | None) -> Tensor:
    """Boolean map of the pixels that count. Shape: (B, H, W) -> (B, H, W)."""
    if ignore_index is None:
        return torch.ones_like(mask, dtype=torch.bool)
    return mask != ignore_index


class CrossEntropyLoss(nn.Module):
    """Pixel-wise cross-entropy, averaged over the counted pixels (weighted by class).

    Unlike `nn.CrossEntropyLoss`, a batch whose pixels are all ignored gives 0, not NaN,
    so one fully unlabelled crop cannot poison a training run.

    Args:
        ignore_index: mask value to leave out; None counts every pixel.
        class_weights: one weight per class, e.g. to up-weight rare classes; None for 1.

    Shape: logits (B, K, H, W), mask (B, H, W) -> scalar.
    """

    def __init__(self, ignore_index: int | None = None, class_weights: Sequence[float] | None = None) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        weights = None if class_weights is None else torch.tensor(class_weights, dtype=torch.float32)
        self.register_buffer("class_weights", weights, persistent=False)

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        ignore = _NO_IGNORE if self.ignore_index is None else self.ignore_index
        per_pixel = F.cross_entropy(
            logits.float(), mask, weight=self.class_weights, ignore_index=ignore, reduction="none"
        )
        valid = _valid_pixels(mask, self.ignore_index)
        if self.class_weights is None:
            pixel_weight = valid.float()
        else:
            # ignored labels (e.g. 255) may lie outside the weight table, so index with 0 there
            pixel_weight = self.class_weights[mask.masked_fill(~valid, 0)] * valid
        # with no counted pixels the sum is 0, and 0 / tiny stays 0 instead of NaN
        return per_pixel.sum() / pixel_weight.sum().clamp_min(torch.finfo(torch.float32).tiny)


def _probabilities_and_truth(logits: Tensor, mask: Tensor, ignore_index: int | None) -> tuple[Tensor, Tensor]:
    """Softmax probabilities and one-hot truth in float32, both 0 at ignored pixels. Shape:
    (B, K, H, W), (B, H, W) -> (B, K, H, W), (B, K, H, W)."""
    valid = _valid_pixels(mask, ignore_index)
    labels = mask.masked_fill(~valid, 0)
    weight = valid.unsqueeze(1).float()
    classes = torch.arange(logits.shape[1], device=labels.device).view(1, -1, 1, 1)
    # a comparison, not F.one_hot, which reads min and max back to the host on the CPU
    return logits.float().softmax(dim=1) * weight, (labels.unsqueeze(1) == classes).float() * weight


class DiceLoss(nn.Module):
    """Soft multi-class Dice loss, 1 - mean over classes of the Dice of softmax probabilities.

    Intersections and sums run over the whole batch, and `smooth` is added to numerator
    and denominator, so a class absent from both truth and prediction scores Dice 1 rather
    than 0/0. Every class counts, background included. Computed in float32 even for
    bf16/fp16 logits, since sums over many pixels lose precision in half types.

    Args:
        ignore_index: mask value to leave out; None counts every pixel.
        smooth: added to both terms of each class's Dice ratio.

    Shape: logits (B, K, H, W), mask (B, H, W) -> scalar float32.
    """

    def __init__(self, ignore_index: int | None = None, smooth: float = 1.0) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.smooth = smooth

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        with torch.autocast(logits.device.type, enabled=False):  # fp16 sums overflow past 65504
            return self._dice_loss(logits, mask)

    def _dice_loss(self, logits: Tensor, mask: Tensor) -> Tensor:
        probs, truth = _probabilities_and_truth(logits, mask, self.ignore_index)
        dims = (0, 2, 3)
        intersection = (probs * truth).sum(dims)
        total = probs.sum(dims) + truth.sum(dims)
        dice = (2 * intersection + self.smooth) / (total + self.smooth)
        return 1 - dice.mean()


class TverskyLoss(nn.Module):
    """Tversky loss (Salehi et al. 2017): 1 - mean over classes of TP / (TP + alpha FP + beta FN),
    soft counts of the softmax probabilities over the whole batch. beta > alpha weighs missed
    pixels more than false alarms, which favours recall on small structures (lesions); alpha =
    beta = 0.5 is soft Dice. `smooth` is added to numerator and denominator, as in `DiceLoss`.

    Args:
        alpha: weight of false positives.
        beta: weight of false negatives.
        ignore_index: mask value to leave out; None counts every pixel.
        smooth: added to both terms of each class's ratio.

    Shape: logits (B, K, H, W), mask (B, H, W) -> scalar float32.
    """

    def __init__(self, alpha: float = 0.3, beta: float = 0.7, ignore_index: int | None = None,
                 smooth: float = 1.0) -> None:
        super().__init__()
        if alpha < 0 or beta < 0:
            raise ValueError(f"Tversky alpha and beta must be >= 0, got {alpha}, {beta}")
        self.alpha, self.beta = alpha, beta
        self.ignore_index = ignore_index
        self.smooth = smooth

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        with torch.autocast(logits.device.type, enabled=False):  # fp16 sums overflow past 65504
            probs, truth = _probabilities_and_truth(logits, mask, self.ignore_index)
            dims = (0, 2, 3)
            tp = (probs * truth).sum(dims)
            fp = probs.sum(dims) - tp
            fn = truth.sum(dims) - tp
            index = (tp + self.smooth) / (tp + self.alpha * fp + self.beta * fn + self.smooth)
            return 1 - index.mean()


class LovaszSoftmaxLoss(nn.Module):
    """Lovász-softmax (Berman et al. 2018): a convex surrogate of 1 - IoU, per class, averaged
    over the classes present in the batch's truth. Each class's pixel errors |truth - p| are
    sorted, and weighted by the steps of the Jaccard loss along that order; on hard (0/1)
    probabilities it equals 1 - IoU exactly. Pixels of the whole batch are pooled, as the
    paper's per-batch variant; ignored pixels get error 0, which leaves the sum unchanged.
    Absent classes are masked out arithmetically, not selected, so the step reads nothing back
    to the host.

    Args:
        ignore_index: mask value to leave out; None counts every pixel.

    Shape: logits (B, K, H, W), mask (B, H, W) -> scalar float32.
    """

    def __init__(self, ignore_index: int | None = None) -> None:
        super().__init__()
        self.ignore_index = ignore_index

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        with torch.autocast(logits.device.type, enabled=False):
            probs, truth = _probabilities_and_truth(logits, mask, self.ignore_index)
            probs = probs.transpose(0, 1).reshape(logits.shape[1], -1)  # (K, N)
            truth = truth.transpose(0, 1).reshape(logits.shape[1], -1)
            errors, order = (truth - probs).abs().sort(dim=1, descending=True)
            sorted_truth = truth.gather(1, order)
            total = sorted_truth.sum(dim=1, keepdim=True)
            intersection = total - sorted_truth.cumsum(dim=1)
            union = total + (1 - sorted_truth).cumsum(dim=1)
            jaccard = 1 - intersection / union.clamp_min(torch.finfo(torch.float32).tiny)
            steps = torch.cat([jaccard[:, :1], jaccard[:, 1:] - jaccard[:, :-1]], dim=1)
            per_class = (errors * steps).sum(dim=1)
            present = (total.squeeze(1) > 0).float()
            return (per_class * present).sum() / present.sum().clamp_min(1)


class FocalLoss(nn.Module):
    """Focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p)^gamma, p the probability
    of the true class, so well-classified pixels (mostly background) count less and rare,
    hard pixels more. With gamma 0 it is exactly `CrossEntropyLoss`.

    Averaged like `CrossEntropyLoss`: over counted pixels, weighted by class, 0 when every
    pixel is ignored. Computed in float32.

    Args:
        gamma: focusing exponent; 2 as in the paper.
        ignore_index: mask value to leave out; None counts every pixel.
        class_weights: one weight per class (the paper's alpha); None for 1.

    Shape: logits (B, K, H, W), mask (B, H, W) -> scalar float32.
    """

    def __init__(
        self, gamma: float = 2.0, ignore_index: int | None = None, class_weights: Sequence[float] | None = None
    ) -> None:
        super().__init__()
        if gamma < 0:
            raise ValueError(f"focal gamma must be >= 0, got {gamma}")
        self.gamma = gamma
        self.ignore_index = ignore_index
        weights = None if class_weights is None else torch.tensor(class_weights, dtype=torch.float32)
        self.register_buffer("class_weights", weights, persistent=False)

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        valid = _valid_pixels(mask, self.ignore_index)
        labels = mask.masked_fill(~valid, 0)
        log_p = logits.float().log_softmax(dim=1).gather(1, labels.unsqueeze(1)).squeeze(1)
        per_pixel = -((1 - log_p.exp()) ** self.gamma) * log_p
        pixel_weight = valid.float()
        if self.class_weights is not None:
            pixel_weight = pixel_weight * self.class_weights[labels]
        return (per_pixel * pixel_weight).sum() / pixel_weight.sum().clamp_min(torch.finfo(torch.float32).tiny)


class MultiLabelLoss(nn.Module):
    """Binary cross-entropy plus soft Dice, each class its own sigmoid channel (nnU-Net's
    region-based loss), for overlapping classes where softmax forces one class per pixel.

    The mask holds bit sets (`seglab.labelsets`): bit k set = class k present. BCE is averaged
    over the counted pixels and channels; Dice is computed per channel over the whole batch
    (`smooth` on both terms, so a class absent from truth and prediction scores 1) and averaged
    over channels. Pixels equal to `ignore_index` count in neither. Computed in float32.

    Args:
        ignore_index: mask value to leave out (`seglab.labelsets.IGNORE` for padding); None counts all.
        smooth: added to both terms of each channel's Dice ratio.

    Shape: logits (B, K, H, W), mask (B, H, W) bit sets -> scalar float32.
    """

    def __init__(self, ignore_index: int | None = None, smooth: float = 1.0) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.smooth = smooth

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        logits = logits.float()
        weight = _valid_pixels(mask, self.ignore_index).unsqueeze(1).float().expand_as(logits)
        truth = unpack(mask, logits.shape[1]).float()
        bce = F.binary_cross_entropy_with_logits(logits, truth, weight=weight, reduction="sum")
        bce = bce / weight.sum().clamp_min(torch.finfo(torch.float32).tiny)
        probs = logits.sigmoid() * weight
        truth = truth * weight
        dims = (0, 2, 3)
        dice = (2 * (probs * truth).sum(dims) + self.smooth) / (probs.sum(dims) + truth.sum(dims) + self.smooth)
        return bce + 1 - dice.mean()


def class_weights_from_counts(counts: Sequence[int]) -> tuple[float, ...]:
    """Median-frequency balancing (Eigen & Fergus 2015, as in SegNet): w_c = median(f) / f_c,
    f_c the share of class c among the labelled pixels, the median over the classes present.

    The median class gets 1, rarer classes more, commoner ones less. A class with no pixels
    gets 1: it cannot affect training, and 0 would silence it in the validation loss.

    Example:
        >>> class_weights_from_counts([600, 300, 100])
        (0.5, 1.0, 3.0)

    Raises:
        ValueError: negative counts, or no pixels at all.
    """
    values = [float(c) for c in counts]
    if any(c < 0 for c in values) or sum(values) == 0:
        raise ValueError(f"class pixel counts must be >= 0 and not all 0, got {list(counts)}")
    median = statistics.median(c for c in values if c > 0)  # shares' total cancels out
    return tuple(median / c if c > 0 else 1.0 for c in values)


class LossSum(nn.Module):
    """The sum of several losses, each called with the same logits and mask.

    Shape: logits (B, K, H, W), mask (B, H, W) -> scalar.
    """

    def __init__(self, *losses: nn.Module) -> None:
        super().__init__()
        self.losses = nn.ModuleList(losses)

    def forward(self, logits: Tensor, mask: Tensor) -> Tensor:
        return torch.stack([loss(logits, mask) for loss in self.losses]).sum()


def _no_class_weights(name: str, class_weights: Sequence[float] | None) -> None:
    if class_weights is not None:
        raise ValueError(f"class_weights apply to cross-entropy only (and focal), not to '{name}'; use 'ce', "
                         "'ce_dice', 'ce_lovasz', 'focal' or 'focal_dice'")


@LOSSES.register("ce")
def ce(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Cross-entropy with optional class weights."""
    return CrossEntropyLoss(ignore_index, class_weights)


@LOSSES.register("dice")
def dice(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Soft Dice, mean over classes."""
    _no_class_weights("dice", class_weights)
    return DiceLoss(ignore_index)


@LOSSES.register("ce_dice")
def ce_dice(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Cross-entropy (optionally class-weighted) plus soft Dice."""
    return LossSum(CrossEntropyLoss(ignore_index, class_weights), DiceLoss(ignore_index))


@LOSSES.register("focal")
def focal(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Focal loss with gamma 2 and optional class weights."""
    return FocalLoss(2.0, ignore_index, class_weights)


@LOSSES.register("focal_dice")
def focal_dice(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Focal loss (optionally class-weighted) plus soft Dice."""
    return LossSum(FocalLoss(2.0, ignore_index, class_weights), DiceLoss(ignore_index))


@LOSSES.register("tversky")
def tversky(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Tversky loss, alpha 0.3 (false positives) and beta 0.7 (false negatives): recall-leaning soft Dice."""
    _no_class_weights("tversky", class_weights)
    return TverskyLoss(0.3, 0.7, ignore_index)


@LOSSES.register("lovasz")
def lovasz(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Lovász-softmax: a surrogate of 1 - IoU, mean over the classes present."""
    _no_class_weights("lovasz", class_weights)
    return LovaszSoftmaxLoss(ignore_index)


@LOSSES.register("ce_lovasz")
def ce_lovasz(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Cross-entropy (optionally class-weighted) plus Lovász-softmax."""
    return LossSum(CrossEntropyLoss(ignore_index, class_weights), LovaszSoftmaxLoss(ignore_index))


@LOSSES.register("bce_dice")
def bce_dice(ignore_index: int | None, class_weights: Sequence[float] | None) -> nn.Module:
    """Multi-label: per-class sigmoid BCE plus soft Dice per channel (masks of bit sets)."""
    if class_weights is not None:
        raise ValueError("class_weights apply to the softmax losses ('ce', 'ce_dice', 'focal', 'focal_dice'), "
                         "not to 'bce_dice'")
    return MultiLabelLoss(ignore_index)


MULTILABEL_LOSSES = ("bce_dice",)  # the losses that read bit-set masks (`seglab.labelsets`)


def build_loss(
    name: str,
    num_classes: int,
    ignore_index: int | None = None,
    class_weights: Sequence[float] | None = None,
) -> nn.Module:
    """Build a registered loss.

    Args:
        name: "ce", "dice", "ce_dice", "focal", "focal_dice", "tversky", "lovasz" or "ce_lovasz";
            "bce_dice" for multi-label masks
            (see `LOSSES.names()`).
        num_classes: classes the model predicts; `class_weights` must have this length.
        ignore_index: mask value excluded from the loss; None counts every pixel.
        class_weights: non-negative cross-entropy/focal weight per class (see
            `class_weights_from_counts`); None weighs all equally.

    Raises:
        KeyError: unknown `name`; the message lists the losses.
        ValueError: `class_weights` of the wrong length, negative, or given to "dice".

    Example:
        >>> loss = build_loss("ce_dice", num_classes=3, ignore_index=255)
        >>> float(loss(torch.zeros(1, 3, 2, 2), torch.tensor([[[0, 1], [2, 255]]]))) > 0
        True
    """
    factory = LOSSES.get(name)
    if class_weights is not None:
        class_weights = tuple(float(w) for w in class_weights)
        if len(class_weights) != num_classes:
            raise ValueError(
                f"class_weights has {len(class_weights)} entries but there are {num_classes} classes"
            )
        if any(w < 0 for w in class_weights):
            raise ValueError(f"class_weights must be non-negative, got {class_weights}")
    return factory(ignore_index, class_weights)
