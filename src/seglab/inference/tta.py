"""Flip test-time augmentation: average the class probabilities of mirrored copies of an image.

A network is not exactly flip-equivariant even when its training data were, so the mirrored
predictions disagree a little, mostly where the model is unsure; averaging them is a cheap,
training-free way to steady those pixels. It costs one forward pass per flip.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

# Dims counted from the end, so they work for (C, H, W) images and (B, C, H, W) batches alike.
FLIPS: tuple[tuple[int, ...], ...] = ((), (-1,), (-2,), (-2, -1))  # identity, h-flip, v-flip, both
_CLASS_DIM = -3
_TINY = 1e-12  # keeps log() finite where every flip gave a class probability 0


def flip_tta(predict: Callable[[Tensor], Tensor], image: Tensor, flips: tuple[tuple[int, ...], ...] = FLIPS) -> Tensor:
    """Mean softmax over flipped copies, returned as log-probabilities.

    Log-probabilities are valid logits (their softmax is the averaged probabilities), so the
    result drops into any code that expects logits: resizing, tiling, argmax.

    Args:
        predict: image -> logits of the same height and width (a model, or `predict_tiled`
            wrapped in a function); composes with tiling by flipping the whole image.
        image: the (normalised) input.
        flips: dims to flip for each pass; () is the unflipped image.

    Shape: image (..., C, H, W) -> log-probabilities (..., K, H, W).

    Example:
        >>> import torch
        >>> net = torch.nn.Conv2d(1, 2, 1)
        >>> flip_tta(net, torch.rand(1, 1, 8, 8)).exp().sum(dim=1).allclose(torch.ones(1, 8, 8))
        True
    """
    if not flips:
        raise ValueError("flips must name at least one pass, e.g. () for the unflipped image")
    total: Tensor | None = None
    for dims in flips:
        flipped = image.flip(dims) if dims else image
        probs = predict(flipped).float().softmax(dim=_CLASS_DIM)
        probs = probs.flip(dims) if dims else probs
        total = probs if total is None else total + probs
    assert total is not None
    return (total / len(flips)).clamp_min(_TINY).log()
